/*
 * The statswriter's own confinement (workers/confine.c and rootfs.c with
 * its seccomp policy, as berthd's arguments ask for it), taken by a
 * forked child that then tries what a compromised statswriter would:
 * read the configuration file (by path, through /proc's parent, through
 * /proc/1/root), connect to the Docker socket, write a file in the state
 * directory, signal or trace a sibling worker.  Each must fail; what its
 * job needs (its spool, the database's socket, /proc) must still work.
 * A refused system call may also end the child with SIGSYS: that is a
 * failure of the attempt too.  Needs root, like berthd's confinement.
 */
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "worker.h"

enum attempt {
	A_CONFIG, A_CONFIG_DOTDOT, A_CONFIG_PROC1, A_DOCKER, A_STATE_WRITE,
	A_KILL, A_PTRACE, A_SIBLING_ROOT,
	/* what the job needs */
	A_SPOOL_WRITE, A_DB_SOCKET, A_PROC
};

static char	dir[] = "/tmp/berth-confine-XXXXXX";
static char	config[128], docker[128], sockdir[128], dbsock[160];
static char	spool[128], empty[128];
static int	listeners[2] = { -1, -1 };
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
	if (listeners[0] != -1)
		close(listeners[0]);
	if (listeners[1] != -1)
		close(listeners[1]);
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
	}
	return -1;
}

/* In a child: berthd's arguments for the statswriter, its confinement,
 * then the attempt.  Exit 0 refused, 1 worked, 2 could not confine. */
static void __attribute__((noreturn))
child(enum attempt a)
{
	char	 uid[16], gid[16];
	char	*argv[] = { "berthd: statswriter", "-u", uid, "-g", gid,
		    "-m", empty, "-b", "/proc", "-b", "/sys/fs/cgroup",
		    "-b", sockdir, "-x", "-l", "warn", NULL };
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
attempt(enum attempt a)
{
	pid_t	pid;
	int	status;

	pid = fork();
	cr_assert(pid != -1);
	if (pid == 0)
		child(a);
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
