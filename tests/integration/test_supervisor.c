/*
 * berthd for real, as root: confinement of every worker, restarts,
 * the burst limit, SIGTERM, SIGHUP, the admin socket and berthctl, the
 * HTTP probes through the gateway and the router, sd_notify, and a
 * run as an unprivileged user.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <dirent.h>
#include <grp.h>
#include <jansson.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chan.h"
#include "codec.h"
#include "harness.h"

static const char *const names[] = {
	"gateway", "scheduler", "healthmon", "statswriter", "logstreamer"
};
#define NNAMES	5
#define ADMIN	"su-admin-token-0123456789"

static struct berthd_run run;

static void
teardown(void)
{
	harness_cleanup(&run);
}

TestSuite(supervisor, .fini = teardown, .timeout = 90);

static int
count_fds(pid_t pid)
{
	char		 path[64];
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int
max_fds(const char *name)
{
	if (strcmp(name, "gateway") == 0)
		return 8;
	if (strcmp(name, "statswriter") == 0)
		return 14;
	return 7;
}

static char *
proc_cmdline(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	return read_file(path);
}

Test(supervisor, every_worker_is_confined)
{
	char	 root[256], path[64], expect[64], *cmd;
	ssize_t	 n;
	pid_t	 pid;
	size_t	 i;

	harness_start(&run, NULL, NULL, (uid_t)-1);
	for (i = 0; i < NNAMES; i++) {
		pid = harness_worker_pid(&run, names[i]);
		cr_assert_gt(pid, 0, "%s not running", names[i]);
		cr_expect_eq(proc_field(pid, "Seccomp:"), 2, "%s seccomp",
		    names[i]);
		cr_expect_eq(proc_field(pid, "Uid:"), (long)berth_uid(),
		    "%s uid", names[i]);
		cr_expect_eq(proc_field(pid, "Gid:"), (long)berth_gid(),
		    "%s gid", names[i]);
		cr_expect_eq(proc_field(pid, "NoNewPrivs:"), 1);
		cmd = proc_cmdline(pid);
		snprintf(expect, sizeof(expect), "berthd: %s", names[i]);
		cr_expect_str_eq(cmd, expect, "process title");
		free(cmd);
		/* 0-2, IPC, epoll, libevent's signal pair, plus the
		 * listener (gateway) or, for the statswriter, the spool
		 * directory and file, the cgroup and /proc directories and
		 * /proc's stat, meminfo and loadavg (no database here). */
		cr_expect_leq(count_fds(pid), max_fds(names[i]),
		    "%s holds descriptors it does not need", names[i]);
		snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
		n = readlink(path, root, sizeof(root) - 1);
		cr_assert_gt(n, 0);
		root[n] = '\0';
		/* The statswriter's is a root of its own mounted there
		 * (workers/rootfs.c). */
		cr_expect(strstr(root, "/empty") != NULL,
		    "%s not chrooted (root %s)", names[i], root);
	}
}

/* Whether the process maps a shared library whose name has lib in it. */
static int
maps_library(pid_t pid, const char *lib)
{
	char	 path[64], *maps;
	int	 found;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	cr_assert_not_null(maps = read_file(path));
	found = strstr(maps, lib) != NULL;
	free(maps);
	return found;
}

/* Each worker runs its own program, and only the statswriter maps
 * libpq; no worker maps libcurl (berthd does, for the S3 client of
 * [volumes.s3], whose secret no worker may see).  This is what keeps
 * berth's resident memory small (bench/RESULTS.md). */
Test(supervisor, every_worker_is_its_own_program)
{
	char	 path[64], exe[512], want[512];
	ssize_t	 n;
	pid_t	 pid;
	size_t	 i;

	harness_start(&run, NULL, NULL, (uid_t)-1);
	cr_expect(!maps_library(run.pid, "libpq.so"), "berthd maps libpq");
	for (i = 0; i < NNAMES; i++) {
		pid = harness_worker_pid(&run, names[i]);
		cr_assert_gt(pid, 0, "%s not running", names[i]);
		snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
		cr_assert_gt(n = readlink(path, exe, sizeof(exe) - 1), 0);
		exe[n] = '\0';
		snprintf(want, sizeof(want), "%s/berth-%s", run.dir, names[i]);
		cr_expect_str_eq(exe, want, "%s's program", names[i]);
		cr_expect_eq(maps_library(pid, "libpq.so"),
		    strcmp(names[i], "statswriter") == 0, "%s and libpq",
		    names[i]);
		cr_expect(!maps_library(pid, "libcurl"), "%s maps libcurl",
		    names[i]);
	}
}

/* With a worker program missing beside berthd (and none installed),
 * berthd refuses to start and names what it looked for. */
Test(supervisor, missing_worker_program_stops_berthd)
{
	char	 path[512];
	int	 status;

	snprintf(path, sizeof(path), "%s/berth-logstreamer", BERTH_LIBEXECDIR);
	cr_assert_neq(access(path, X_OK), 0, "an installed berth in %s "
	    "would stand in for the missing program", BERTH_LIBEXECDIR);
	harness_prepare(&run, NULL);
	snprintf(path, sizeof(path), "%s/berth-logstreamer", run.dir);
	cr_assert_eq(unlink(path), 0);
	harness_exec(&run, NULL, (uid_t)-1);
	status = harness_stop(&run, 0, 5000);
	cr_assert_neq(status, -1, "berthd did not exit");
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) != 0,
	    "exit status 0x%x", status);
	cr_expect(log_contains(&run, "worker program"), "log: %s",
	    read_file(run.log));
	cr_expect(log_contains(&run, "berth-logstreamer"));
}

Test(supervisor, sigkill_of_each_worker_is_restarted)
{
	const struct worker_status	*ws;
	struct msg			 st;
	pid_t				 old, new;
	size_t				 i;

	harness_start(&run, NULL, NULL, (uid_t)-1);
	for (i = 0; i < NNAMES; i++) {
		old = harness_worker_pid(&run, names[i]);
		cr_assert_eq(kill(old, SIGKILL), 0);
		new = harness_wait_new_pid(&run, names[i], old, 5000);
		cr_assert_gt(new, 0, "%s was not restarted", names[i]);
		harness_status(&run, &st);
		ws = harness_worker(&st, names[i]);
		cr_expect_eq(ws->restarts, 1);
		cr_expect_str_eq(ws->last_exit, "SIGKILL");
		cr_expect_eq(ws->seccomp, 2);
		msg_clear(&st);
	}
	cr_expect(log_contains(&run, "died: SIGKILL"));
	cr_expect(log_contains(&run, "restarting (restart 1)"));
	/* healthmon's checks see them back within a round or two. */
	cr_expect_eq(harness_wait_ready(&run, 5000), 0);
}

Test(supervisor, sigterm_stops_workers_and_exits_zero)
{
	pid_t	pids[NNAMES];
	size_t	i;
	int	status;

	harness_start(&run, NULL, NULL, (uid_t)-1);
	for (i = 0; i < NNAMES; i++)
		pids[i] = harness_worker_pid(&run, names[i]);
	status = harness_stop(&run, SIGTERM, 5000);
	cr_assert_neq(status, -1, "berthd did not exit within 5 s");
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "exit status 0x%x", status);
	for (i = 0; i < NNAMES; i++)
		cr_expect(kill(pids[i], 0) == -1, "%s still running",
		    names[i]);
	cr_expect(access(run.sock, F_OK) == -1, "admin socket left behind");
}

Test(supervisor, burst_limit_marks_failed_then_retries)
{
	const char *const envv[] = { "BERTH_RESTART_BURST=2",
	    "BERTH_RESTART_WINDOW_S=60", "BERTH_RESTART_FAILED_S=3",
	    "BERTH_REQUEST_TIMEOUT_MS=60000",
	    /* The scheduler's check opens its breaker while it is down:
	     * a short cooldown lets readiness follow its return. */
	    "BERTH_HEALTH_BREAKER_COOLDOWN_S=1", NULL };
	char	*body;
	pid_t	 pid;
	json_t	*j;

	harness_start(&run, NULL, envv, (uid_t)-1);
	pid = harness_worker_pid(&run, "scheduler");
	kill(pid, SIGKILL);
	pid = harness_wait_new_pid(&run, "scheduler", pid, 5000);
	cr_assert_gt(pid, 0);
	kill(pid, SIGKILL);
	cr_assert_eq(harness_wait_state(&run, "scheduler", "failed", 3000), 0,
	    "not marked failed after the burst");
	cr_expect(log_contains(&run, "marked failed"));
	/* berthd itself keeps serving; readiness says no. */
	cr_expect_eq(harness_http(&run, "GET", "/ready", NULL), 503);
	/* A request routed to the dead worker fails at once: with a 60 s
	 * request timeout, an answer at all (curl waits 10 s) proves it. */
	cr_assert_eq(harness_http(&run, "GET", "/api/health", &body), 200);
	j = json_loads(body, 0, NULL);
	cr_assert_not_null(j);
	cr_expect_str_eq(json_string_value(json_object_get(j, "overall")),
	    "unhealthy");
	free(body);
	json_decref(j);
	/* ... and it is tried again later. */
	cr_expect_gt(harness_wait_new_pid(&run, "scheduler", 0, 8000), 0,
	    "failed worker not retried");
	cr_expect_eq(harness_wait_ready(&run, 5000), 0);
}

Test(supervisor, http_probes_and_errors)
{
	const char	*expect_state[] = { "up" };
	char		*body;
	json_t		*j, *w, *e;
	size_t		 i;

	harness_start(&run, "[auth]\nadmin_token = " ADMIN "\n", NULL,
	    (uid_t)-1);
	cr_expect_eq(harness_http(&run, "GET", "/health", &body), 200);
	cr_expect_str_eq(body, "{\"status\":\"ok\"}\n");
	free(body);
	cr_expect_eq(harness_http(&run, "GET", "/live", NULL), 200);
	cr_expect_eq(harness_http(&run, "GET", "/ready", NULL), 200);

	/* The details are the admin token's (anonymous: status only). */
	cr_assert_eq(harness_request(&run, "GET", "/api/health", ADMIN, NULL,
	    &body), 200);
	j = json_loads(body, 0, NULL);
	free(body);
	cr_assert_not_null(j);
	/* Run without persistence (the harness's default): degraded,
	 * and says so. */
	cr_expect_str_eq(json_string_value(json_object_get(j, "overall")),
	    "degraded");
	cr_expect_str_eq(json_string_value(json_object_get(j, "database")),
	    "disabled");
	w = json_object_get(j, "workers");
	cr_assert_eq(json_array_size(w), NNAMES);
	for (i = 0; i < NNAMES; i++) {
		json_t *o = json_array_get(w, i);
		cr_expect_str_eq(json_string_value(json_object_get(o,
		    "name")), names[i]);
		cr_expect_str_eq(json_string_value(json_object_get(o,
		    "state")), expect_state[0]);
		cr_expect(json_is_true(json_object_get(o, "responsive")),
		    "%s did not answer the routed ping", names[i]);
		cr_expect_eq(json_integer_value(json_object_get(o,
		    "seccomp")), 2);
	}
	json_decref(j);

	cr_expect_eq(harness_http(&run, "GET", "/no/such/path", &body), 404);
	j = json_loads(body, 0, NULL);
	free(body);
	cr_assert_not_null(j);
	e = json_object_get(j, "error");
	cr_expect_str_eq(json_string_value(json_object_get(e, "code")),
	    "not_found");
	cr_expect(json_is_string(json_object_get(e, "message")));
	json_decref(j);
	cr_expect_eq(harness_http(&run, "DELETE", "/health", NULL), 405);
}

/* ------------------------------------------------------------ admin */

static int
run_cmd(const char *cmd, char **out)
{
	char	 buf[4096];
	FILE	*p;
	size_t	 n;
	int	 status;

	p = popen(cmd, "r");
	cr_assert_not_null(p);
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	status = pclose(p);
	if (out != NULL)
		*out = strdup(buf);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Test(supervisor, berthctl_status_and_restart)
{
	char	 cmd[512], *out;
	json_t	*j;
	pid_t	 old;
	size_t	 i;

	harness_start(&run, NULL, NULL, (uid_t)-1);
	snprintf(cmd, sizeof(cmd), "%s/berthctl -s %s status",
	    BERTH_BUILDDIR, run.sock);
	cr_assert_eq(run_cmd(cmd, &out), 0);
	cr_expect(strstr(out, "all workers up") != NULL, "%s", out);
	for (i = 0; i < NNAMES; i++)
		cr_expect(strstr(out, names[i]) != NULL);
	free(out);

	/* The socket from the environment, JSON output. */
	snprintf(cmd, sizeof(cmd), "BERTH_ADMIN_SOCKET=%s %s/berthctl "
	    "status --json", run.sock, BERTH_BUILDDIR);
	cr_assert_eq(run_cmd(cmd, &out), 0);
	j = json_loads(out, 0, NULL);
	free(out);
	cr_assert_not_null(j);
	cr_expect(json_is_true(json_object_get(j, "allUp")));
	cr_expect_eq(json_array_size(json_object_get(j, "workers")), NNAMES);
	json_decref(j);

	old = harness_worker_pid(&run, "logstreamer");
	snprintf(cmd, sizeof(cmd), "%s/berthctl -s %s restart logstreamer",
	    BERTH_BUILDDIR, run.sock);
	cr_assert_eq(run_cmd(cmd, NULL), 0);
	cr_expect_gt(harness_wait_new_pid(&run, "logstreamer", old, 5000), 0);

	snprintf(cmd, sizeof(cmd), "%s/berthctl -s %s restart nosuch 2>&1",
	    BERTH_BUILDDIR, run.sock);
	cr_expect_neq(run_cmd(cmd, &out), 0);
	cr_expect(strstr(out, "no such worker") != NULL, "%s", out);
	free(out);
}

/* Connect as uid and report whether berthd answered a status request. */
static int
admin_answers_uid(const char *sock, uid_t uid, gid_t gid)
{
	struct sockaddr_un	 sun;
	struct msg		 m, r;
	pid_t			 pid;
	int			 fd, status;

	pid = fork();
	if (pid == 0) {
		if (setgroups(0, NULL) == -1 || setgid(gid) == -1 ||
		    setuid(uid) == -1)
			_exit(3);
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		strcpy(sun.sun_path, sock);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
			_exit(2);
		msg_init(&m, MSG_STATUS_REQ, 1, PEER_PARENT);
		if (msg_write_fd(fd, &m) == -1 ||
		    msg_read_fd(fd, &r, 3000) == -1)
			_exit(1);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Test(supervisor, admin_socket_mode_group_and_peer_check)
{
	struct passwd	*pw = getpwnam("nobody");
	struct stat	 st;
	uid_t		 nobody_uid;
	gid_t		 nobody_gid;
	int		 rc;

	cr_assert_not_null(pw);
	nobody_uid = pw->pw_uid;	/* getpwnam's buffer is reused */
	nobody_gid = pw->pw_gid;
	harness_start(&run, NULL, NULL, (uid_t)-1);
	cr_assert_eq(stat(run.sock, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0660);
	cr_expect_eq(st.st_gid, berth_gid());
	/* The workers' own uid is in the group but refused by berthd. */
	cr_expect_eq(admin_answers_uid(run.sock, berth_uid(), berth_gid()),
	    1, "the workers' uid must not get answers");
	/* Another user outside the group cannot even connect. */
	rc = admin_answers_uid(run.sock, nobody_uid, nobody_gid);
	cr_expect_eq(rc, 2, "nobody: %d", rc);
	cr_expect(log_contains(&run, "refused the workers' uid"));
}

Test(supervisor, sighup_reloads_configuration)
{
	FILE	*f;

	harness_start(&run, NULL, NULL, (uid_t)-1);
	f = fopen(run.conf, "a");
	fprintf(f, "log_level = debug\n");
	fclose(f);
	kill(run.pid, SIGHUP);
	for (int i = 0; i < 100 && !log_contains(&run, "configuration "
	    "reloaded"); i++)
		sleep_ms(50);
	cr_expect(log_contains(&run, "configuration reloaded"));

	/* A broken file keeps the running configuration. */
	f = fopen(run.conf, "a");
	fprintf(f, "no_such_key = 1\n");
	fclose(f);
	kill(run.pid, SIGHUP);
	for (int i = 0; i < 100 && !log_contains(&run, "keeping the "
	    "running one"); i++)
		sleep_ms(50);
	cr_expect(log_contains(&run, "keeping the running one"));
	cr_expect_eq(harness_http(&run, "GET", "/ready", NULL), 200);
}

Test(supervisor, runs_unprivileged_with_workers_confined)
{
	struct passwd	*pw = getpwnam("nobody");
	uid_t		 nobody_uid;
	pid_t		 pid;
	size_t		 i;

	cr_assert_not_null(pw);
	nobody_uid = pw->pw_uid;
	/* nobody may not use the Docker socket: never ready, but up. */
	harness_start_unready(&run, NULL, NULL, nobody_uid);
	cr_expect(log_contains(&run, "not running as root"));
	for (i = 0; i < NNAMES; i++) {
		pid = harness_worker_pid(&run, names[i]);
		cr_expect_eq(proc_field(pid, "Uid:"), (long)nobody_uid);
		cr_expect_eq(proc_field(pid, "Seccomp:"), 2);
	}
}

/* ------------------------------------------------------------ systemd */

static int
notify_socket(char *path, size_t len)
{
	struct sockaddr_un	sun;
	int			fd;

	snprintf(path, len, "%s/notify.sock", run.dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

static int
wait_datagram(int fd, const char *needle, int timeout_ms)
{
	struct timeval	tv = { 0, 100000 };
	char		buf[512];
	ssize_t		n;
	int		waited;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (waited = 0; waited < timeout_ms; waited += 100) {
		if ((n = recv(fd, buf, sizeof(buf) - 1, 0)) <= 0)
			continue;
		buf[n] = '\0';
		if (strstr(buf, needle) != NULL)
			return 0;
	}
	return -1;
}

Test(supervisor, sd_notify_ready_watchdog_stopping)
{
	char		 path[128], var[160];
	const char	*envv[3];
	int		 fd;

	/* The state directory must exist before berthd to hold the
	 * socket: use a fixed one under /tmp. */
	strcpy(run.dir, "/tmp");
	fd = notify_socket(path, sizeof(path));
	snprintf(var, sizeof(var), "NOTIFY_SOCKET=%s", path);
	envv[0] = var;
	envv[1] = "WATCHDOG_USEC=400000";
	envv[2] = NULL;
	harness_start(&run, NULL, envv, (uid_t)-1);
	cr_expect_eq(wait_datagram(fd, "READY=1", 3000), 0, "no READY=1");
	cr_expect_eq(wait_datagram(fd, "WATCHDOG=1", 3000), 0,
	    "no WATCHDOG=1");
	kill(run.pid, SIGTERM);
	cr_expect_eq(wait_datagram(fd, "STOPPING=1", 3000), 0,
	    "no STOPPING=1");
	close(fd);
	unlink(path);
}

Test(supervisor, check_config_and_version)
{
	char	 cmd[512], *out, conf[] = "/tmp/berth-badconf-XXXXXX";
	int	 fd;

	fd = mkstemp(conf);
	cr_assert_neq(fd, -1);
	dprintf(fd, "[server]\nhttp_listen = nonsense\nbogus = 1\n");
	close(fd);
	snprintf(cmd, sizeof(cmd), "%s/berthd --check-config -c %s",
	    BERTH_BUILDDIR, conf);
	cr_expect_eq(run_cmd(cmd, &out), 1);
	cr_expect(strstr(out, "http_listen") != NULL, "%s", out);
	cr_expect(strstr(out, "bogus") != NULL, "%s", out);
	free(out);
	snprintf(cmd, sizeof(cmd), "%s/berthd --check-config -c %s/contrib/"
	    "berth.conf.example", BERTH_BUILDDIR, BERTH_SRCDIR);
	cr_expect_eq(run_cmd(cmd, &out), 0, "%s", out);
	free(out);
	/* As quickstart.sh installs it: it holds tokens. */
	snprintf(cmd, sizeof(cmd), "install -m 600 %s/contrib/demo.conf %s "
	    "&& %s/berthd --check-config -c %s", BERTH_SRCDIR, conf,
	    BERTH_BUILDDIR, conf);
	cr_expect_eq(run_cmd(cmd, &out), 0, "demo.conf: %s", out);
	free(out);
	snprintf(cmd, sizeof(cmd), "%s/berthd --version", BERTH_BUILDDIR);
	cr_expect_eq(run_cmd(cmd, &out), 0);
	cr_expect(strncmp(out, "berthd ", 7) == 0);
	free(out);
	unlink(conf);
}

/* ------------------------------------------------------------ database */

static int
count_in_log(struct berthd_run *r, const char *needle)
{
	char	*s = read_file(r->log), *p;
	int	 n = 0;

	for (p = s; p != NULL && (p = strstr(p, needle)) != NULL; p++)
		n++;
	free(s);
	return n;
}

static int
wait_log(struct berthd_run *r, const char *needle, int n, int timeout_ms)
{
	int waited;

	for (waited = 0; waited < timeout_ms; waited += 100) {
		if (count_in_log(r, needle) >= n)
			return 0;
		sleep_ms(100);
	}
	return -1;
}

/* No database configured: berthd runs its own PostgreSQL, the
 * statswriter applies the migrations once, and a restart reuses it. */
Test(supervisor, embedded_database_is_migrated_once)
{
	const char *const envv[] = { "BERTH_DATABASE_EMBEDDED=true", NULL };
	char	*out;
	int	 status;

	harness_start(&run, NULL, envv, (uid_t)-1);
	cr_assert_eq(wait_log(&run, "database ready", 1, 60000), 0,
	    "the statswriter never reached the embedded database");
	cr_expect_eq(sh(&out, "runuser -u berth -- psql -h %s/pgsock -d berth "
	    "-Atc 'select count(*) from schema_migrations; select count(*) "
	    "from information_schema.columns where table_name = "
	    "$$container_stats$$' 2>&1", run.dir), 0);
	cr_expect_str_eq(out, "7\n15", "%s", out);	/* sql/00[1-7] */
	free(out);
	status = harness_stop(&run, SIGTERM, 5000);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "berthd did not stop with its database: 0x%x", status);
	cr_expect_neq(sh(NULL, "pgrep -f '[p]ostgres -D %s/pgdata' >/dev/null",
	    run.dir), 0, "postgres left running");
	harness_restart(&run, envv);
	cr_assert_eq(wait_log(&run, "database ready", 2, 60000), 0);
	cr_expect_eq(count_in_log(&run, "applied migration"), 7,
	    "a migration was applied twice");
	cr_expect_eq(count_in_log(&run, "initdb of"), 1, "initdb ran twice");
}
