/*
 * The statswriter's own confinement (workers/confine.c and rootfs.c with
 * its seccomp policy, as berthd's arguments ask for it), taken by a
 * forked child that then tries what a compromised statswriter would:
 * read the configuration file (by path, through /proc's parent, through
 * /proc/1/root), connect to the Docker socket, write a file in the state
 * directory, signal or trace a sibling worker, reach an abstract Unix
 * socket (no path: the mount namespace cannot hide it) or, with a
 * database on a Unix socket, anything over TCP.  Each must fail; what
 * its job needs (its spool, the database's socket or TCP, /proc) must
 * still work.
 * A refused system call may also end the child with SIGSYS: that is a
 * failure of the attempt too.  Needs root, like berthd's confinement.
 */
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "worker.h"

enum attempt {
	A_CONFIG, A_CONFIG_DOTDOT, A_CONFIG_PROC1, A_DOCKER, A_STATE_WRITE,
	A_KILL, A_PTRACE, A_SIBLING_ROOT, A_ABSTRACT,
	/* what the job needs: A_TCP with a database over TCP only */
	A_SPOOL_WRITE, A_DB_SOCKET, A_PROC, A_TCP
};

static char	dir[] = "/tmp/berth-confine-XXXXXX";
static char	config[128], docker[128], sockdir[128], dbsock[160];
static char	spool[128], empty[128];
static char	abstract[64];		/* without its leading NUL */
static int	listeners[4] = { -1, -1, -1, -1 };
static int	tcp_port;
static pid_t	sibling;

static int
listen_unix(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert(fd != -1);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0, "%s",
	    path);
	cr_assert_eq(listen(fd, 8), 0);
	cr_assert_eq(chmod(path, 0777), 0);
	return fd;
}

/* An abstract socket, as berthd or the engine's shim could hold. */
static int
listen_abstract(const char *name)
{
	struct sockaddr_un	sun;
	socklen_t		len;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, name, strlen(name));
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(name));
	cr_assert((fd = socket(AF_UNIX, SOCK_STREAM, 0)) != -1);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sun, len), 0);
	cr_assert_eq(listen(fd, 8), 0);
	return fd;
}

/* A TCP listener on loopback; its port in tcp_port. */
static int
listen_tcp(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(listen(fd, 8), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	tcp_port = ntohs(sin.sin_port);
	return fd;
}

/* A worker's sibling: the workers' uid, not dumpable, waiting. */
static pid_t
start_sibling(void)
{
	pid_t	pid = fork();

	cr_assert(pid != -1);
	if (pid == 0) {
		if (setgid(berth_gid()) == -1 || setuid(berth_uid()) == -1)
			_exit(1);
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		for (;;)
			pause();
	}
	return pid;
}

static void
setup(void)
{
	FILE	*f;

	cr_assert_eq(geteuid(), 0, "the statswriter's confinement needs "
	    "root, as berthd's does");
	cr_assert_not_null(mkdtemp(dir));
	chmod(dir, 0755);
	snprintf(config, sizeof config, "%s/berth.conf", dir);
	snprintf(docker, sizeof docker, "%s/docker.sock", dir);
	snprintf(sockdir, sizeof sockdir, "%s/pgsock", dir);
	snprintf(dbsock, sizeof dbsock, "%s/.s.PGSQL.5432", sockdir);
	snprintf(spool, sizeof spool, "%s/spool", dir);
	snprintf(empty, sizeof empty, "%s/empty", dir);
	cr_assert_not_null(f = fopen(config, "w"));
	fprintf(f, "[auth]\nadmin_token = secret-secret-secret\n");
	fclose(f);
	cr_assert_eq(chmod(config, 0644), 0);
	cr_assert_eq(mkdir(sockdir, 0755), 0);
	cr_assert_eq(mkdir(empty, 0755), 0);
	cr_assert_eq(mkdir(spool, 0700), 0);
	cr_assert_eq(chown(spool, berth_uid(), berth_gid()), 0);
	listeners[0] = listen_unix(docker);
	listeners[1] = listen_unix(dbsock);
	snprintf(abstract, sizeof abstract, "berth-confine-%d", (int)getpid());
	listeners[2] = listen_abstract(abstract);
	listeners[3] = listen_tcp();
	sibling = start_sibling();
}

static void
teardown(void)
{
	char	*out = NULL;

	if (sibling > 0) {
		kill(sibling, SIGKILL);
		waitpid(sibling, NULL, 0);
	}
	for (size_t i = 0; i < sizeof(listeners) / sizeof(listeners[0]); i++)
		if (listeners[i] != -1)
			close(listeners[i]);
	sh(&out, "rm -rf %s", dir);
	free(out);
}

TestSuite(confine, .init = setup, .fini = teardown, .timeout = 30);

static int
connect_unix(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return -1;
	return connect(fd, (struct sockaddr *)&sun, sizeof(sun));
}

static int
connect_abstract(const char *name)
{
	struct sockaddr_un	sun;
	socklen_t		len;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, name, strlen(name));
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(name));
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return -1;
	return connect(fd, (struct sockaddr *)&sun, len);
}

static int
connect_tcp(int port)
{
	struct sockaddr_in	sin;
	int			fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	return connect(fd, (struct sockaddr *)&sin, sizeof(sin));
}

/* 0 when the attempt worked, -1 when it was refused. */
static int
try(enum attempt a, int procfd)
{
	char	path[512];

	switch (a) {
	case A_CONFIG:
		return open(config, O_RDONLY) == -1 ? -1 : 0;
	case A_CONFIG_DOTDOT:
		snprintf(path, sizeof path, "..%s", config);
		return openat(procfd, path, O_RDONLY) == -1 ? -1 : 0;
	case A_CONFIG_PROC1:
		snprintf(path, sizeof path, "/proc/1/root%s", config);
		return open(path, O_RDONLY) == -1 ? -1 : 0;
	case A_DOCKER:
		return connect_unix(docker);
	case A_STATE_WRITE:
		snprintf(path, sizeof path, "%s/planted", dir);
		return open(path, O_WRONLY | O_CREAT, 0644) == -1 ? -1 : 0;
	case A_KILL:
		return kill(sibling, SIGTERM);
	case A_PTRACE:
		return ptrace(PTRACE_ATTACH, sibling, NULL, NULL) == -1 ?
		    -1 : 0;
	case A_SIBLING_ROOT:
		snprintf(path, sizeof path, "/proc/%d/root%s", (int)sibling,
		    config);
		return open(path, O_RDONLY) == -1 ? -1 : 0;
	case A_SPOOL_WRITE:
		return openat(4, "statswriter.spool", O_WRONLY | O_CREAT,
		    0600) == -1 ? -1 : 0;
	case A_DB_SOCKET:
		return connect_unix(dbsock);
	case A_PROC:
		return openat(procfd, "self/stat", O_RDONLY) == -1 ? -1 : 0;
	case A_ABSTRACT:
		return connect_abstract(abstract);
	case A_TCP:
		return connect_tcp(tcp_port);
	}
	return -1;
}

/* In a child: berthd's arguments for the statswriter (net: -N, the
 * domains of its database), its confinement, then the attempt.  Exit 0
 * refused, 1 worked, 2 could not confine. */
static void __attribute__((noreturn))
child(enum attempt a, const char *net)
{
	char	 uid[16], gid[16];
	char	*argv[] = { "berthd: statswriter", "-u", uid, "-g", gid,
		    "-m", empty, "-b", "/proc", "-b", "/sys/fs/cgroup",
		    "-b", sockdir, "-N", (char *)net, "-x", "-l", "warn",
		    NULL };
	int	 argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;
	int	 fd, procfd;

	snprintf(uid, sizeof uid, "%u", (unsigned)berth_uid());
	snprintf(gid, sizeof gid, "%u", (unsigned)berth_gid());
	if ((fd = open(spool, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)) == -1 ||
	    dup2(fd, 4) == -1)
		_exit(2);
	confine_root(argc, argv, 4);
	if ((procfd = open("/proc", O_RDONLY | O_DIRECTORY)) == -1)
		_exit(2);
	confine_lock(argc, argv, &statswriter_policy);
	_exit(try(a, procfd) == 0 ? 1 : 0);
}

/* 1 when the attempt worked in the confined child, 0 when refused. */
static int
attempt_net(enum attempt a, const char *net)
{
	pid_t	pid;
	int	status;

	pid = fork();
	cr_assert(pid != -1);
	if (pid == 0)
		child(a, net);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status)) {
		cr_assert_eq(WTERMSIG(status), SIGSYS, "attempt %d: signal %d",
		    a, WTERMSIG(status));
		return 0;	/* the filter stopped it */
	}
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) != 2,
	    "attempt %d: the child could not confine itself", a);
	return WEXITSTATUS(status) == 1;
}

/* A database on a Unix socket (the embedded one): berthd's -N unix. */
static int
attempt(enum attempt a)
{
	return attempt_net(a, "unix");
}

Test(confine, cannot_read_the_configuration)
{
	cr_expect_eq(attempt(A_CONFIG), 0, "opened it by path");
	cr_expect_eq(attempt(A_CONFIG_DOTDOT), 0, "opened it through "
	    "/proc/..");
	cr_expect_eq(attempt(A_CONFIG_PROC1), 0, "opened it through "
	    "/proc/1/root");
	cr_expect_eq(attempt(A_SIBLING_ROOT), 0, "opened it through a "
	    "sibling's /proc/PID/root");
}

Test(confine, cannot_connect_to_the_docker_socket)
{
	cr_expect_eq(attempt(A_DOCKER), 0);
}

Test(confine, cannot_write_in_the_state_directory)
{
	struct stat	st;
	char		path[256];

	cr_expect_eq(attempt(A_STATE_WRITE), 0);
	snprintf(path, sizeof path, "%s/planted", dir);
	cr_expect_eq(stat(path, &st), -1, "%s exists", path);
}

Test(confine, cannot_signal_or_trace_a_sibling)
{
	cr_expect_eq(attempt(A_KILL), 0, "signalled it");
	cr_expect_eq(attempt(A_PTRACE), 0, "traced it");
	cr_expect_eq(kill(sibling, 0), 0, "the sibling is gone");
}

/* What its job needs still works, so the refusals above are the
 * confinement's, not a broken child's. */
Test(confine, reaches_what_its_job_needs)
{
	struct stat	st;
	char		path[256];

	cr_expect_eq(attempt(A_SPOOL_WRITE), 1, "its spool");
	snprintf(path, sizeof path, "%s/statswriter.spool", spool);
	cr_expect_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_uid, berth_uid(), "the spool file is not the "
	    "workers' uid's");
	cr_expect_eq(attempt(A_DB_SOCKET), 1, "the database's socket");
	cr_expect_eq(attempt(A_PROC), 1, "/proc");
}

/* Abstract sockets have no path: with its database on a Unix socket the
 * statswriter is in an empty network namespace (where none of berthd's
 * exists, and no TCP either); with its database over TCP it may open
 * no Unix socket at all. */
Test(confine, cannot_reach_an_abstract_socket)
{
	cr_expect_eq(attempt(A_ABSTRACT), 0, "unix database: reached it");
	cr_expect_eq(attempt(A_TCP), 0, "unix database: reached TCP");
	cr_expect_eq(attempt_net(A_ABSTRACT, "inet"), 0,
	    "TCP database: reached it");
	cr_expect_eq(attempt_net(A_DOCKER, "inet"), 0,
	    "TCP database: reached the Docker socket");
	cr_expect_eq(attempt_net(A_DB_SOCKET, "inet"), 0,
	    "TCP database: reached a Unix socket path");
	/* and what each needs */
	cr_expect_eq(attempt_net(A_TCP, "inet"), 1, "TCP database: TCP");
	cr_expect_eq(attempt_net(A_ABSTRACT, "unix,inet"), 1,
	    "a database on both: the abstract socket is not hidden (the "
	    "test's listener is wrong?)");
}
