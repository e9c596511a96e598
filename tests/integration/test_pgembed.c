/*
 * The embedded PostgreSQL for real, as root with the berth user: first
 * start (initdb), a second start on the same data, a SIGKILLed server
 * restarted, a clean stop, and finding the binaries.  Each test has its
 * own event_base and reaps children itself, as supervise_reap() would.
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <event2/event.h>
#include <ftw.h>
#include <grp.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pgembed.h"

static struct {
	struct event_base	*base;
	struct event		*sigchld, *guard;
	char			 dir[64];
	uid_t			 uid;
	gid_t			 gid;
	int			 readies, downs, timed_out;
	char			 conninfo[512], why[128];
	int			 pg_status;	/* last postgres exit */
	pid_t			 last_pg;
	pid_t			 sleeper, child;
} t;

/* ------------------------------------------------------------ fixture */

static void
on_ready(const char *conninfo, void *arg)
{
	(void)arg;
	t.readies++;
	snprintf(t.conninfo, sizeof(t.conninfo), "%s", conninfo);
	event_base_loopbreak(t.base);
}

static void
on_down(const char *why, void *arg)
{
	(void)arg;
	t.downs++;
	snprintf(t.why, sizeof(t.why), "%s", why);
	event_base_loopbreak(t.base);
}

static void
on_chld(evutil_socket_t sig, short ev, void *arg)
{
	pid_t	pid;
	int	status;

	(void)sig, (void)ev, (void)arg;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == pgembed_pid()) {
			t.last_pg = pid;
			t.pg_status = status;
		}
		pgembed_reaped(pid, status);
	}
	event_base_loopbreak(t.base);
}

static void
on_guard(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd, (void)ev, (void)arg;
	t.timed_out = 1;
	event_base_loopbreak(t.base);
}

static void
berth_user(void)
{
	struct passwd	*pw;

	if ((pw = getpwnam("berth")) == NULL) {
		cr_assert_eq(system("useradd --system --no-create-home "
		    "--shell /usr/sbin/nologin berth"), 0);
		pw = getpwnam("berth");
	}
	cr_assert_not_null(pw);
	t.uid = pw->pw_uid;
	t.gid = pw->pw_gid;
}

static void
setup(void)
{
	memset(&t, 0, sizeof(t));
	log_init("test_pgembed", 1, LOG_LVL_DEBUG);
	berth_user();
	snprintf(t.dir, sizeof(t.dir), "/tmp/berth-pge-XXXXXX");
	cr_assert_not_null(mkdtemp(t.dir));
	cr_assert_eq(chmod(t.dir, 0755), 0);
	t.base = event_base_new();
	t.sigchld = evsignal_new(t.base, SIGCHLD, on_chld, NULL);
	evsignal_add(t.sigchld, NULL);
	t.guard = evtimer_new(t.base, on_guard, NULL);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	remove(path);
	return 0;
}

/* Whatever happened, no postgres outlives the test. */
static void
teardown(void)
{
	pid_t	pid;

	if (t.sleeper > 0)
		kill(t.sleeper, SIGKILL);
	if (t.child > 0)
		kill(t.child, SIGKILL);
	if ((pid = pgembed_pid()) != 0) {
		kill(pid, SIGQUIT);
		waitpid(pid, NULL, 0);
		pgembed_reaped(pid, 0);
	}
	while (waitpid(-1, NULL, 0) > 0)
		;
	if (pgembed_running() == 0)
		pgembed_free();
	event_free(t.sigchld);
	event_free(t.guard);
	event_base_free(t.base);
	nftw(t.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(pgembed, .init = setup, .fini = teardown, .timeout = 180);

/* ------------------------------------------------------------ helpers */

static int
start(void)
{
	struct pgembed_opts	o;

	memset(&o, 0, sizeof(o));
	o.state_dir = t.dir;
	o.uid = t.uid;
	o.gid = t.gid;
	o.on_ready = on_ready;
	o.on_down = on_down;
	o.policy.min_ms = 100;
	o.policy.max_ms = 2000;
	o.policy.reset_ms = 10000;
	o.policy.burst = 20;
	o.policy.window_ms = 20000;
	o.policy.failed_ms = 5000;
	return pgembed_start(t.base, &o);
}

/* Run the loop until *counter reaches want, or secs pass. */
static int
run_until(int *counter, int want, int secs)
{
	struct timeval	tv = { secs, 0 };

	t.timed_out = 0;
	evtimer_add(t.guard, &tv);
	while (*counter < want && !t.timed_out)
		event_base_loop(t.base, EVLOOP_ONCE);
	evtimer_del(t.guard);
	return *counter >= want;
}

/* Until every child of pgembed is gone. */
static int
run_until_down(int secs)
{
	struct timeval	tv = { secs, 0 };

	t.timed_out = 0;
	evtimer_add(t.guard, &tv);
	while (pgembed_running() && !t.timed_out)
		event_base_loop(t.base, EVLOOP_ONCE);
	evtimer_del(t.guard);
	return !pgembed_running();
}

static void
run_for_ms(int ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	t.timed_out = 0;
	evtimer_add(t.guard, &tv);
	while (!t.timed_out)
		event_base_loop(t.base, EVLOOP_ONCE);
}

/*
 * As the berth user (peer authentication), run sql; with want set, the
 * first value must equal it.  0 on success.
 */
static int
query_as_berth(const char *sql, const char *want)
{
	PGconn		*c;
	PGresult	*r;
	pid_t		 pid;
	int		 status, rc;

	if ((pid = fork()) == 0) {
		if (setgroups(1, &t.gid) == -1 ||
		    setresgid(t.gid, t.gid, t.gid) == -1 ||
		    setresuid(t.uid, t.uid, t.uid) == -1)
			_exit(10);
		c = PQconnectdb(t.conninfo);
		if (PQstatus(c) != CONNECTION_OK) {
			fprintf(stderr, "connect: %s", PQerrorMessage(c));
			_exit(11);
		}
		r = PQexec(c, sql);
		rc = PQresultStatus(r);
		if (rc != PGRES_TUPLES_OK && rc != PGRES_COMMAND_OK) {
			fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
			_exit(12);
		}
		if (want != NULL && (PQntuples(r) < 1 ||
		    strcmp(PQgetvalue(r, 0, 0), want) != 0))
			_exit(13);
		_exit(0);
	}
	cr_assert_gt(pid, 0);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void
stop_cleanly(void)
{
	pid_t	pid = pgembed_pid();

	cr_assert_gt(pid, 0);
	pgembed_stop();
	cr_assert(run_until_down(60), "postgres did not stop");
	cr_assert_eq(t.last_pg, pid);
	cr_assert(WIFEXITED(t.pg_status) && WEXITSTATUS(t.pg_status) == 0,
	    "postgres exit status %#x", t.pg_status);
}

static int
path_exists(const char *rel)
{
	char		path[256];
	struct stat	st;

	snprintf(path, sizeof(path), "%s/%s", t.dir, rel);
	return stat(path, &st) == 0;
}

/* ------------------------------------------------------------ tests */

Test(pgembed, find_bindir)
{
	char	dir[4096];

	cr_assert_eq(pgembed_find_bindir(dir, sizeof(dir)), 0);
	cr_assert_str_eq(dir, "/usr/lib/postgresql/15/bin");
}

Test(pgembed, refuses_root)
{
	struct pgembed_opts	o;

	memset(&o, 0, sizeof(o));
	o.state_dir = t.dir;
	cr_assert_eq(pgembed_start(t.base, &o), -1);
	cr_assert_eq(pgembed_running(), 0);
}

Test(pgembed, first_start_initdb_and_ready)
{
	struct stat	st;
	char		path[256], want[512];

	cr_assert_eq(start(), 0);
	cr_assert(run_until(&t.readies, 1, 90), "not ready");
	snprintf(want, sizeof(want), "host=%s/pgsock port=5432 dbname=berth "
	    "user=berth", t.dir);
	cr_assert_str_eq(t.conninfo, want);
	cr_assert_str_eq(pgembed_conninfo(), want);
	cr_assert(path_exists("pgdata/PG_VERSION"));
	snprintf(path, sizeof(path), "%s/pgdata", t.dir);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_uid, t.uid);
	cr_assert_eq(st.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/pgsock", t.dir);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_uid, t.uid);
	cr_assert_eq(st.st_mode & 0777, 0750);
	cr_assert(path_exists("postgres.log"));
	cr_assert_eq(query_as_berth("SELECT current_database()", "berth"), 0);
	/* Unix socket only. */
	cr_assert_eq(query_as_berth("SHOW listen_addresses", ""), 0);
	stop_cleanly();
	cr_assert_eq(t.downs, 0);
}

Test(pgembed, second_start_reuses_data)
{
	struct stat	st1, st2;
	char		path[256];

	cr_assert_eq(start(), 0);
	cr_assert(run_until(&t.readies, 1, 90), "not ready");
	cr_assert_eq(query_as_berth("CREATE TABLE kept (x int); "
	    "INSERT INTO kept VALUES (42)", NULL), 0);
	stop_cleanly();
	pgembed_free();

	snprintf(path, sizeof(path), "%s/pgdata/PG_VERSION", t.dir);
	cr_assert_eq(stat(path, &st1), 0);
	cr_assert_eq(start(), 0);
	cr_assert(run_until(&t.readies, 2, 90), "not ready again");
	cr_assert_eq(stat(path, &st2), 0);
	cr_assert_eq(st1.st_ino, st2.st_ino, "initdb ran again");
	cr_assert_eq(st1.st_mtim.tv_nsec, st2.st_mtim.tv_nsec);
	cr_assert_eq(query_as_berth("SELECT x FROM kept", "42"), 0);
	stop_cleanly();
}

Test(pgembed, sigkill_restarts)
{
	pid_t	first;

	cr_assert_eq(start(), 0);
	cr_assert(run_until(&t.readies, 1, 90), "not ready");
	first = pgembed_pid();
	cr_assert_eq(kill(first, SIGKILL), 0);
	cr_assert(run_until(&t.downs, 1, 30), "no on_down");
	cr_assert(strstr(t.why, "SIGKILL") != NULL, "why: %s", t.why);
	/* postmaster.pid and the socket lock stay behind: not a problem. */
	cr_assert(run_until(&t.readies, 2, 90), "not ready after SIGKILL");
	cr_assert_neq(pgembed_pid(), first);
	cr_assert_eq(query_as_berth("SELECT 1", "1"), 0);
	stop_cleanly();
}

Test(pgembed, stop_means_no_restart)
{
	cr_assert_eq(start(), 0);
	cr_assert(run_until(&t.readies, 1, 90), "not ready");
	stop_cleanly();
	run_for_ms(1500);
	cr_assert_eq(pgembed_pid(), 0);
	cr_assert_eq(pgembed_running(), 0);
	cr_assert_eq(t.downs, 0);
	cr_assert_eq(t.readies, 1);
	cr_assert(!path_exists("pgdata/postmaster.pid"));
}

/* A process of the berth user, as a reused pid would be. */
static pid_t
berth_sleeper(void)
{
	pid_t	pid;

	if ((pid = fork()) == 0) {
		if (setgroups(1, &t.gid) == -1 ||
		    setresgid(t.gid, t.gid, t.gid) == -1 ||
		    setresuid(t.uid, t.uid, t.uid) == -1)
			_exit(10);
		pause();
		_exit(0);
	}
	cr_assert_gt(pid, 0);
	return pid;
}

static void
write_pidfile(pid_t pid)
{
	char	 path[256];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/pgdata/postmaster.pid", t.dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fprintf(f, "%d\n%s/pgdata\n", (int)pid, t.dir);
	fclose(f);
	cr_assert_eq(chown(path, t.uid, t.gid), 0);
}

/*
 * A postmaster.pid left by a killed run: naming a dead pid, postgres
 * clears it itself; naming a pid reused by another process of the same
 * user (a container restarted), postgres would refuse ("lock file
 * already exists") and pgembed removes it.
 */
Test(pgembed, stale_pidfile)
{
	pid_t	sleeper;

	cr_assert_eq(start(), 0);
	cr_assert(run_until(&t.readies, 1, 90), "not ready");
	stop_cleanly();
	pgembed_free();

	write_pidfile(999999);
	cr_assert_eq(start(), 0);
	cr_assert(run_until(&t.readies, 2, 90), "dead pid blocked");
	stop_cleanly();
	pgembed_free();

	t.sleeper = sleeper = berth_sleeper();
	write_pidfile(sleeper);
	cr_assert_eq(start(), 0);
	cr_assert(run_until(&t.readies, 3, 90), "reused pid blocked");
	kill(sleeper, SIGKILL);
	cr_assert_eq(t.downs, 0);
	stop_cleanly();
}

/* Gone, or a zombie nobody reaped yet. */
static int
process_gone(pid_t pid)
{
	char	 path[64], buf[256], *p;
	FILE	*f;
	int	 gone = 1;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 1;
	if (fgets(buf, sizeof(buf), f) != NULL &&
	    (p = strrchr(buf, ')')) != NULL)
		gone = p[1] == ' ' && p[2] == 'Z';
	fclose(f);
	return gone;
}

/* berthd killed outright: postgres notices (PR_SET_PDEATHSIG) and shuts
 * down instead of holding the data directory for the next berthd. */
Test(pgembed, supervisor_death_stops_postgres)
{
	int	p[2], i;
	pid_t	pgpid = 0;

	/* Orphans come to us, so that the teardown reaps them. */
	cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	cr_assert_eq(pipe(p), 0);
	if ((t.child = fork()) == 0) {
		close(p[0]);
		if (start() == -1 || !run_until(&t.readies, 1, 90))
			_exit(1);
		pgpid = pgembed_pid();
		if (write(p[1], &pgpid, sizeof(pgpid)) != sizeof(pgpid))
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	cr_assert_eq(read(p[0], &pgpid, sizeof(pgpid)), sizeof(pgpid));
	close(p[0]);
	cr_assert_gt(pgpid, 0);
	kill(t.child, SIGKILL);
	for (i = 0; i < 300 && !process_gone(pgpid); i++)
		usleep(100 * 1000);
	cr_assert(process_gone(pgpid), "postgres outlived its supervisor");
	waitpid(t.child, NULL, 0);
	t.child = 0;
}
