/*
 * The host side of berthd (supervisord/hostcheck.c), through the real
 * binary: a configuration file holding tokens that others may read is
 * refused by --check-config and at start, naming the chmod to run; a
 * shared network namespace is refused; an HTTP listener off loopback
 * is said in the log; a state directory others may write, or someone
 * else's, is refused, and a link planted in it is never followed; a
 * worker program others may write is refused; so is a berthd run as
 * another user in the docker group, unless allow_docker_group; the
 * admin socket refuses a worker's pid.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static struct berthd_run	run;
static char			conf[] = "/tmp/berth-hostside-XXXXXX";

static void
teardown(void)
{
	harness_cleanup(&run);
	unlink(conf);
}

TestSuite(hostside, .fini = teardown, .timeout = 60);

#define ADMIN_INI	"[auth]\nadmin_token = hostside-admin-token-0123\n"

/* berthd --check-config on text written to conf with mode. */
static int
check_config(const char *text, mode_t mode, char **out)
{
	FILE	*f;
	int	 fd;

	cr_assert_neq(fd = mkstemp(conf), -1);
	cr_assert_not_null(f = fdopen(fd, "w"));
	fputs(text, f);
	fclose(f);
	cr_assert_eq(chmod(conf, mode), 0);
	return sh(out, "%s/berthd --check-config -c %s 2>&1",
	    getenv("BERTH_BUILDDIR") ? getenv("BERTH_BUILDDIR") :
	    BERTH_BUILDDIR, conf);
}

Test(hostside, check_config_token_file_0644)
{
	char	*out, want[128];

	cr_expect_eq(check_config(ADMIN_INI, 0644, &out), 1, "%s", out);
	snprintf(want, sizeof(want), "run chmod 600 %s", conf);
	cr_expect_not_null(strstr(out, want), "%s", out);
	free(out);
	cr_assert_eq(chmod(conf, 0600), 0);
	cr_expect_eq(sh(&out, "%s/berthd --check-config -c %s 2>&1",
	    BERTH_BUILDDIR, conf), 0, "%s", out);
	free(out);
}

Test(hostside, check_config_no_tokens_0644)
{
	char	*out;

	cr_expect_eq(check_config("[server]\nuser = berth\n", 0644, &out), 0,
	    "%s", out);
	free(out);
}

Test(hostside, check_config_network_host)
{
	char	*out;

	cr_expect_eq(check_config("[docker]\nnetwork = host\n", 0600, &out),
	    1, "%s", out);
	cr_expect_not_null(strstr(out, "[docker] network"), "%s", out);
	cr_expect_not_null(strstr(out, "shares a network namespace"), "%s",
	    out);
	free(out);
}

/* berthd exits 1 at start, the reason in its log, before any worker. */
static void	expect_refused(const char *want);

Test(hostside, start_refuses_token_file_0644)
{
	char	want[192];

	harness_prepare(&run, "\n" ADMIN_INI);
	cr_assert_eq(chmod(run.conf, 0644), 0);
	snprintf(want, sizeof(want), "run chmod 600 %s", run.conf);
	expect_refused(want);
}

/* The same at 0600 (the harness's own mode) starts: see every other
 * integration test.  Off loopback, berthd says so. */
Test(hostside, warns_listener_off_loopback)
{
	const char	*envv[2];
	char		 var[64];
	int		 waited;

	harness_prepare(&run, "\n" ADMIN_INI);
	snprintf(var, sizeof(var), "BERTH_HTTP_LISTEN=0.0.0.0:%d", run.port);
	envv[0] = var;
	envv[1] = NULL;
	harness_exec(&run, envv, (uid_t)-1);
	for (waited = 0; waited < 10000; waited += 50) {
		if (log_contains(&run, "is not a loopback address"))
			break;
		sleep_ms(50);
	}
	cr_expect(log_contains(&run, "0.0.0.0:"));
	cr_expect(log_contains(&run, "is not a loopback address"));
	cr_expect_eq(kill(run.pid, 0), 0, "berthd refused a 0600 file");
}

/* berthd, started on run, exits non-zero within 10 s; its log has want. */
static void
expect_refused(const char *want)
{
	int	status = -1, waited;

	harness_exec(&run, NULL, (uid_t)-1);
	for (waited = 0; waited < 10000; waited += 50) {
		if (waitpid(run.pid, &status, WNOHANG) == run.pid) {
			run.pid = 0;
			break;
		}
		sleep_ms(50);
	}
	cr_assert_eq(run.pid, 0, "berthd did not exit");
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) != 0);
	cr_expect(log_contains(&run, want), "no \"%s\" in the log", want);
}

Test(hostside, start_refuses_state_dir_writable)
{
	harness_prepare(&run, NULL);
	cr_assert_eq(chmod(run.dir, 0777), 0);
	expect_refused("is writable by group or others (mode 0777): run "
	    "chmod go-w");
}

Test(hostside, start_refuses_state_dir_of_another)
{
	harness_prepare(&run, NULL);
	cr_assert_eq(chown(run.dir, berth_uid(), (gid_t)-1), 0);
	expect_refused("not root or berthd's uid 0");
}

/* A link planted as <state dir>/spool: never followed by the chown. */
Test(hostside, spool_link_not_followed)
{
	char		spool[192], target[192];
	struct stat	st;

	harness_prepare(&run, NULL);
	snprintf(spool, sizeof(spool), "%s/spool", run.dir);
	snprintf(target, sizeof(target), "%s/target", run.dir);
	cr_assert_eq(mkdir(target, 0755), 0);
	cr_assert_eq(symlink(target, spool), 0);
	expect_refused("a directory, not a link");
	cr_assert_eq(stat(target, &st), 0);
	cr_expect_eq(st.st_uid, 0, "the chown followed the link");
	cr_expect_eq(st.st_mode & 07777, 0755, "the chmod followed the link");
}

/* The worker programs berthd found (the harness's copies beside it). */
Test(hostside, start_refuses_writable_worker_program)
{
	char	prog[192];

	harness_prepare(&run, NULL);
	snprintf(prog, sizeof(prog), "%s/berth-healthmon", run.dir);
	cr_assert_eq(chmod(prog, 0775), 0);
	expect_refused("worker program");
	cr_expect(log_contains(&run, "run chmod go-w"));
}

/* ------------------------------------------------------------ docker group */

/* berthd started as the berth user with the docker group besides its
 * own; -1 when the host has no docker group. */
static int
exec_in_docker_group(const char *extra_ini)
{
	struct group	*gr;
	gid_t		 groups[2];
	int		 fd;

	if ((gr = getgrnam("docker")) == NULL)
		return -1;
	groups[0] = berth_gid();
	groups[1] = gr->gr_gid;
	harness_prepare(&run, extra_ini);
	cr_assert_eq(chown(run.dir, berth_uid(), (gid_t)-1), 0);
	cr_assert_eq(chown(run.conf, berth_uid(), (gid_t)-1), 0);
	cr_assert_neq(run.pid = fork(), -1);
	if (run.pid == 0) {
		fd = open(run.log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		putenv("BERTH_DATABASE_EMBEDDED=false");
		if (setgroups(2, groups) == -1 || setgid(berth_gid()) == -1 ||
		    setuid(berth_uid()) == -1)
			_exit(126);
		execl(run.exe, "berthd", "-f", "-c", run.conf, (char *)NULL);
		_exit(127);
	}
	return 0;
}

Test(hostside, start_refuses_docker_group)
{
	int	status = -1, waited;

	if (exec_in_docker_group(NULL) == -1)
		cr_skip_test("no docker group on this host");
	for (waited = 0; waited < 10000; waited += 50) {
		if (waitpid(run.pid, &status, WNOHANG) == run.pid) {
			run.pid = 0;
			break;
		}
		sleep_ms(50);
	}
	cr_assert_eq(run.pid, 0, "berthd did not exit");
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	cr_expect(log_contains(&run, "a member of the docker group"));
	cr_expect(log_contains(&run, "allow_docker_group = true"));
}

/* Allowed: it starts, says so, and its workers still hold the group
 * (setgroups needs CAP_SETGID: what the README says). */
Test(hostside, docker_group_allowed_is_loud)
{
	pid_t	pid;
	int	waited;

	if (exec_in_docker_group("allow_docker_group = true\n") == -1)
		cr_skip_test("no docker group on this host");
	for (waited = 0; waited < 15000; waited += 50) {
		if (log_contains(&run, "all 5 workers up"))
			break;
		sleep_ms(50);
	}
	cr_assert(log_contains(&run, "all 5 workers up"));
	cr_expect(log_contains(&run, "DOCKER GROUP: berthd and its workers "
	    "keep the docker group"));
	pid = harness_worker_pid(&run, "scheduler");
	cr_expect_gt(pid, 0);
	cr_expect_eq(proc_field(pid, "Uid:"), (long)berth_uid());
}

/* berthd run as the workers' user: a worker shares its uid, so only
 * its pid keeps it off the admin socket.  The logstreamer here is a
 * script that becomes berthctl (exec: the worker's pid). */
Test(hostside, admin_socket_refuses_a_worker_pid)
{
	char	 path[192], out[192], *text;
	FILE	*f;
	int	 waited;

	harness_prepare(&run, NULL);
	snprintf(path, sizeof(path), "%s/berth-logstreamer", run.dir);
	snprintf(out, sizeof(out), "%s/fromworker.out", run.dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fprintf(f, "#!/bin/sh\nexec %s/berthctl -s %s status >>%s 2>&1\n",
	    BERTH_BUILDDIR, run.sock, out);
	fclose(f);
	cr_assert_eq(chmod(path, 0755), 0);
	harness_exec(&run, NULL, berth_uid());
	for (waited = 0; waited < 15000; waited += 50) {
		if (log_contains(&run, "admin: refused a worker"))
			break;
		sleep_ms(50);
	}
	cr_expect(log_contains(&run, "admin: refused a worker"));
	text = read_file(out);
	cr_expect(text == NULL || strstr(text, "gateway") == NULL,
	    "a worker read berthd's status: %s", text);
	free(text);
}

/* A pg_config first in berthd's PATH is not what berthd runs: it runs
 * /usr/bin/pg_config with an empty environment. */
Test(hostside, pg_config_is_not_taken_from_path)
{
	char	 dir[] = "/tmp/berth-fakepg-XXXXXX", path[128], marker[128];
	char	 var[4200];
	const char *envv[3];
	FILE	*f;
	int	 waited;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(marker, sizeof(marker), "%s/ran", dir);
	snprintf(path, sizeof(path), "%s/pg_config", dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fprintf(f, "#!/bin/sh\ntouch %s\necho /nonexistent\n", marker);
	fclose(f);
	cr_assert_eq(chmod(path, 0755), 0);
	snprintf(var, sizeof(var), "PATH=%s:%s", dir, getenv("PATH"));
	envv[0] = var;
	envv[1] = "BERTH_DATABASE_EMBEDDED=true";
	envv[2] = NULL;
	harness_prepare(&run, "\n" ADMIN_INI);
	harness_exec(&run, envv, (uid_t)-1);
	for (waited = 0; waited < 30000; waited += 100) {
		if (log_contains(&run, "postgres: started"))
			break;
		sleep_ms(100);
	}
	cr_expect(log_contains(&run, "postgres: started"),
	    "the embedded server did not start");
	cr_expect_neq(access(marker, F_OK), 0, "berthd ran the pg_config "
	    "of its PATH");
	unlink(marker);
	unlink(path);
	rmdir(dir);
}
