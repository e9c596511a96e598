/*
 * Each worker's real seccomp policy, applied in a forked child: allowed
 * calls work, forbidden ones kill the child with SIGSYS.
 */
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"
#include "worker.h"

static const struct sandbox_policy *const policies[] = {
	&gateway_policy, &scheduler_policy, &healthmon_policy,
	&statswriter_policy, &logstreamer_policy,
};
#define NPOLICIES	(sizeof(policies) / sizeof(policies[0]))

typedef void (*action_fn)(void);

/* Run action under policy in a child; return its wait status. */
static int
run_confined(const struct sandbox_policy *p, action_fn action)
{
	pid_t	pid;
	int	status;

	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		if (sandbox_apply(p, 0) == -1)
			_exit(100);
		action();
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return status;
}

static void
expect_sigsys(const struct sandbox_policy *p, action_fn action,
    const char *what)
{
	int status = run_confined(p, action);

	cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
	    "%s: %s was not killed by SIGSYS (status 0x%x)", p->name, what,
	    status);
}

static void
expect_alive(const struct sandbox_policy *p, action_fn action,
    const char *what)
{
	int status = run_confined(p, action);

	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "%s: %s did not survive (status 0x%x)", p->name, what, status);
}

static void
do_execve(void)
{
	char *argv[] = { "/bin/true", NULL };

	execve("/bin/true", argv, NULL);
	_exit(1);
}

static void
do_open(void)
{
	open("/etc/passwd", O_RDONLY);
	_exit(1);
}

static void
do_unix_connect(void)
{
	struct sockaddr_un sun;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, "/var/run/docker.sock");
	connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	_exit(1);
}

static void
do_fork(void)
{
	if (fork() == 0)
		_exit(0);
	_exit(1);
}

static void
do_ptrace(void)
{
	ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	_exit(1);
}

static void
do_kill_other(void)
{
	kill(getppid(), 0);
	_exit(1);
}

static void
do_setuid(void)
{
	setuid(0);
	_exit(1);
}

/* What every worker's loop does: memory, time, pipes, self-signal. */
static void
do_allowed(void)
{
	struct timespec	 ts;
	char		*p;

	p = malloc(1 << 20);
	memset(p, 1, 1 << 20);
	free(p);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (write(STDERR_FILENO, "", 0) == -1)
		_exit(3);
	if (getpid() <= 0)
		_exit(4);
	_exit(0);
}

Test(sandbox, allowed_calls_work_in_every_worker)
{
	size_t i;

	for (i = 0; i < NPOLICIES; i++)
		expect_alive(policies[i], do_allowed, "the base loop");
}

Test(sandbox, execve_kills_every_worker)
{
	size_t i;

	for (i = 0; i < NPOLICIES; i++)
		expect_sigsys(policies[i], do_execve, "execve");
}

/* Only the stats writer opens files: cgroup and /proc files relative
 * to the directories it holds (its ids are checked in cgroup.c). */
Test(sandbox, open_kills_every_worker_but_statswriter)
{
	size_t i;

	for (i = 0; i < NPOLICIES; i++)
		if (policies[i] != &statswriter_policy)
			expect_sigsys(policies[i], do_open, "open");
}

Test(sandbox, fork_ptrace_setuid_kill_every_worker)
{
	size_t i;

	for (i = 0; i < NPOLICIES; i++) {
		expect_sigsys(policies[i], do_fork, "fork");
		expect_sigsys(policies[i], do_ptrace, "ptrace");
		expect_sigsys(policies[i], do_setuid, "setuid");
	}
}

Test(sandbox, signals_to_other_processes_kill_every_worker)
{
	size_t i;

	for (i = 0; i < NPOLICIES; i++)
		expect_sigsys(policies[i], do_kill_other, "kill(other)");
}

/* Only the stats writer reaches a database by socket path. */
Test(sandbox, unix_socket_connect_kills_all_but_statswriter)
{
	size_t i;

	for (i = 0; i < NPOLICIES; i++) {
		if (policies[i] == &statswriter_policy)
			continue;
		expect_sigsys(policies[i], do_unix_connect,
		    "connect to a Unix socket path");
	}
}

static void
do_inet_socket(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	_exit(fd >= 0 ? 0 : 1);
}

Test(sandbox, only_healthmon_and_statswriter_open_sockets)
{
	expect_alive(&healthmon_policy, do_inet_socket, "inet socket");
	expect_alive(&statswriter_policy, do_inet_socket, "inet socket");
	expect_sigsys(&gateway_policy, do_inet_socket, "inet socket");
	expect_sigsys(&scheduler_policy, do_inet_socket, "inet socket");
	expect_sigsys(&logstreamer_policy, do_inet_socket, "inet socket");
}

static void
do_trap_open(void)
{
	open("/etc/passwd", O_RDONLY);
	_exit(1);
}

Test(sandbox, trap_mode_names_the_call)
{
	pid_t	pid;
	int	status;

	pid = fork();
	if (pid == 0) {
		if (sandbox_apply(&gateway_policy, 1) == -1)
			_exit(100);
		do_trap_open();
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 159,
	    "trap mode should exit 159, status 0x%x", status);
}

/* A thread that outlives a killed main thread for 3 s, then exits 0. */
static void *
sleeper(void *arg)
{
	(void)arg;
	sleep(3);
	_exit(0);
}

/* A system call of a foreign architecture (x32: the number with bit
 * 30 set) kills the whole process, not only the thread that made it:
 * with a thread left alive, the process would exit 0 from it. */
Test(sandbox, a_foreign_architecture_kills_the_process)
{
	pthread_t	t;
	pid_t		pid;
	int		status;
	size_t		i;

	for (i = 0; i < NPOLICIES; i++) {
		pid = fork();
		cr_assert_neq(pid, -1);
		if (pid == 0) {
			if (pthread_create(&t, NULL, sleeper, NULL) != 0)
				_exit(101);
			if (sandbox_apply(policies[i], 0) == -1)
				_exit(100);
			syscall(0x40000000L | SYS_getpid);
			_exit(1);
		}
		cr_assert_eq(waitpid(pid, &status, 0), pid);
		cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
		    "%s: an x32 call did not kill the process (status 0x%x)",
		    policies[i]->name, status);
	}
}

/* ------------------------------------------------ W^X and socket types */

static void
do_mmap_exec(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	_exit(p == MAP_FAILED ? 2 : 1);
}

static void
do_mprotect_exec(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		_exit(2);
	mprotect(p, 4096, PROT_READ | PROT_EXEC);
	_exit(1);
}

static void
do_mmap_data(void)
{
	void *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || mprotect(p, 4096, PROT_READ) == -1)
		_exit(2);
	_exit(0);
}

/* No worker makes memory executable once confined. */
Test(sandbox, executable_memory_kills_every_worker)
{
	size_t i;

	for (i = 0; i < NPOLICIES; i++) {
		expect_alive(policies[i], do_mmap_data, "mmap of data");
		expect_sigsys(policies[i], do_mmap_exec, "mmap PROT_EXEC");
		expect_sigsys(policies[i], do_mprotect_exec,
		    "mprotect PROT_EXEC");
	}
}

static void
do_stream_flags(void)
{
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);

	_exit(fd >= 0 ? 0 : 1);
}

static void
do_udp_socket(void)
{
	socket(AF_INET, SOCK_DGRAM, 0);
	_exit(1);
}

static void
do_raw_socket(void)
{
	socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	_exit(1);
}

static void
do_netlink_socket(void)
{
	socket(AF_NETLINK, SOCK_RAW, 0);
	_exit(1);
}

/* healthmon and the statswriter open TCP stream sockets, nothing
 * else: no datagrams, no raw sockets, no netlink. */
Test(sandbox, sockets_are_tcp_streams_only)
{
	const struct sandbox_policy *net[] = {
		&healthmon_policy, &statswriter_policy
	};
	size_t i;

	for (i = 0; i < 2; i++) {
		expect_alive(net[i], do_stream_flags, "nonblocking stream");
		expect_sigsys(net[i], do_udp_socket, "UDP socket");
		expect_sigsys(net[i], do_raw_socket, "raw socket");
		expect_sigsys(net[i], do_netlink_socket, "netlink socket");
	}
}

/* Run action under the statswriter's policy narrowed to net. */
static int
run_net(unsigned net, action_fn action)
{
	pid_t	pid;
	int	status;

	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		if (sandbox_apply_net(&statswriter_policy, 0, net) == -1)
			_exit(100);
		action();
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return status;
}

static void
do_unix_socket_eperm(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	_exit(fd == -1 && errno == EPERM ? 0 : 1);
}

/* A database over TCP: no Unix socket at all, refused with EPERM (an
 * abstract socket has no path to hide); over a Unix socket: no inet. */
Test(sandbox, statswriter_opens_only_its_databases_domain)
{
	int st;

	st = run_net(SANDBOX_NET_INET, do_unix_socket_eperm);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "inet only: socket(AF_UNIX) should fail with EPERM (0x%x)", st);
	st = run_net(SANDBOX_NET_INET, do_inet_socket);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "inet only: a TCP socket should open (0x%x)", st);
	st = run_net(SANDBOX_NET_UNIX, do_inet_socket);
	cr_expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
	    "unix only: a TCP socket should kill (0x%x)", st);
	st = run_net(SANDBOX_NET_UNIX, do_stream_flags);
	cr_expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
	    "unix only: an IPv6 socket should kill (0x%x)", st);
}
