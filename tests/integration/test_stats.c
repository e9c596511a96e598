/*
 * Lifecycle stats and metrics end to end: a real berthd, the real
 * Docker Engine and a real PostgreSQL (tests/start-postgres.sh, one
 * throwaway cluster for the run, a fresh database per test).  Startup
 * time against a delayed demo workspace, every lifecycle phase, samples
 * of running containers and of the host, the history and stats
 * endpoints and their bad parameters, a 20-second database outage with
 * workspaces starting and stopping (nothing lost, nothing twice), the
 * statswriter SIGKILLed during an outage, retention, and berth without
 * any database (memory only).
 */
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define ADMIN	"st-admin-token-0123456789"
#define ALICE	"st-alice-token-0123456789"
#define START_PG	BERTH_SRCDIR "/tests/start-postgres.sh"
#define PG_PORT		5435

static const char type_demo[] =
    "[docker]\nstop_timeout_s = 1\n"
    "[auth]\nadmin_token = " ADMIN "\n"
    "[token.alice]\ntoken = " ALICE "\nuser = st-alice\n"
    "[tier.free]\nmax_workspaces_per_user = 20\n"
    "[type.demo]\nimage = berth/demo-workspace:latest\nport = 8080\n"
    "cpus = 0.5\nmemory_mb = 64\nmemory_reservation_mb = 32\n"
    "health_cmd = wget -q -O /dev/null http://127.0.0.1:{port}/healthz"
    " || exit 1\n"
    "health_interval_s = 30\nhealth_timeout_s = 2\nhealth_retries = 3\n"
    "health_start_period_s = 0\nvolume_path = /workspace\n";

#define ENV_PGDIR	"BERTH_TEST_STATS_PGDIR"	/* set once it runs */

/* The runner starts the cluster; test processes learn of it through
 * the environment (Criterion may run them in fresh processes). */
/* Every sample once a second. */
#define FAST_SAMPLES	"app_interval_ms = 1000\nsystem_interval_ms = 1000\n" \
			"system_interval_max_ms = 1000\n"
#define FAST_METRICS	"[metrics]\n" FAST_SAMPLES

static char		 pgdir[] = "/tmp/berth-test-stats.XXXXXX";
static struct berthd_run run;
static char		 dbname[64];
static char		 conninfo[256];

/* ------------------------------------------------------------ cluster */

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
	char	cmd[512];

	(void)set;
	if (mkdtemp(pgdir) == NULL)
		return;
	snprintf(cmd, sizeof(cmd), "BERTH_PG_OPTS='-c fsync=off' sh %s %s %d "
	    ">/dev/null 2>%s.log", START_PG, pgdir, PG_PORT, pgdir);
	if (system(cmd) == 0)
		setenv(ENV_PGDIR, pgdir, 1);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
	char	cmd[512];

	(void)stats;
	if (strchr(pgdir, 'X') != NULL)
		return;
	snprintf(cmd, sizeof(cmd), "sh %s stop %s >/dev/null 2>&1; rm -rf %s "
	    "%s.log", START_PG, pgdir, pgdir, pgdir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_stats: cleanup of %s failed\n", pgdir);
}

static void
pg_stop(void)
{
	cr_assert_eq(sh(NULL, "sh %s stop %s >/dev/null 2>&1", START_PG,
	    pgdir), 0, "cannot stop PostgreSQL");
}

static void
pg_resume(void)
{
	cr_assert_eq(sh(NULL, "BERTH_PG_OPTS='-c fsync=off' sh %s resume %s %d "
	    ">/dev/null 2>&1", START_PG, pgdir, PG_PORT), 0,
	    "cannot start PostgreSQL again");
}

/* Run sql on the test's database; its output (rows a line, fields
 * separated by a blank) in *out when out is not NULL. */
static void
psql(char **out, const char *sql)
{
	int	rc;

	rc = sh(out, "psql 'host=%s port=%d dbname=%s user=berth' -AtF' ' "
	    "-v ON_ERROR_STOP=1 -c \"%s\" 2>&1", pgdir, PG_PORT, dbname, sql);
	cr_assert_eq(rc, 0, "psql %s failed: %s", sql, out ? *out : "");
}

static long
psql_long(const char *sql)
{
	char	*out;
	long	 n;

	psql(&out, sql);
	n = strtol(out, NULL, 10);
	free(out);
	return n;
}

/* ------------------------------------------------------------ fixture */

static void
cleanup(void)
{
	harness_cleanup(&run);
	sh(NULL, "docker ps -aq --filter label=berth.user=st-alice "
	    "--filter label=berth.managed=true | xargs -r docker rm -f "
	    ">/dev/null 2>&1");
}

static void
setup(void)
{
	static int	 n;
	const char	*dir = getenv(ENV_PGDIR);

	cr_assert_not_null(dir, "tests/start-postgres.sh could not start "
	    "PostgreSQL (its log: /tmp/berth-test-stats.*.log)");
	snprintf(pgdir, sizeof(pgdir), "%s", dir);
	cr_assert_eq(sh(NULL, "docker info >/dev/null 2>&1"), 0,
	    "these tests need a running Docker Engine "
	    "(contrib/start-dockerd.sh)");
	cr_assert_eq(sh(NULL, "docker image inspect berth/demo-workspace "
	    ">/dev/null 2>&1 || sh %s/contrib/demo-image.sh >/dev/null",
	    BERTH_SRCDIR), 0, "cannot build the demo image");
	snprintf(dbname, sizeof(dbname), "berth_st_%d_%d", (int)getpid(), ++n);
	cr_assert_eq(sh(NULL, "psql 'host=%s port=%d dbname=postgres "
	    "user=berth' -qc 'CREATE DATABASE %s' 2>&1", pgdir, PG_PORT,
	    dbname), 0);
	snprintf(conninfo, sizeof(conninfo), "host=%s port=%d dbname=%s "
	    "user=berth", pgdir, PG_PORT, dbname);
	memset(&run, 0, sizeof(run));
	cleanup();
}

TestSuite(stats, .init = setup, .fini = cleanup, .timeout = 240);

/* berthd on the test's database with extra [section] lines. */
static void
start_berthd(const char *extra)
{
	char	ini[4096];

	snprintf(ini, sizeof(ini), "%s[database]\nurl = %s\n%s", type_demo,
	    conninfo, extra != NULL ? extra : "");
	harness_start(&run, ini, NULL, (uid_t)-1);
}

/* ------------------------------------------------------------ helpers */

static json_t *
call(const char *method, const char *path, const char *token,
    const char *body, int expect)
{
	return harness_call(&run, method, path, token, body, expect);
}

/* A workspace of alice's with env {K: V, ...}; its id (free it). */
static char *
create(const char *env)
{
	char	 body[256], *id;
	json_t	*j;

	snprintf(body, sizeof(body), "{\"type\":\"demo\",\"s3Bucket\":"
	    "\"bucket-1\",\"env\":{%s}}", env != NULL ? env : "");
	j = call("POST", "/api/workspaces", ALICE, body, 201);
	id = strdup(harness_jstr(j, "id"));
	json_decref(j);
	return id;
}

static void
stop_ws(const char *id)
{
	char	path[128];

	snprintf(path, sizeof(path), "/api/workspaces/%s", id);
	json_decref(call("DELETE", path, ALICE, NULL, 200));
}

static void
wait_status(const char *id, const char *want, int timeout_ms)
{
	char	 path[128];
	json_t	*j = NULL;
	int	 waited;

	snprintf(path, sizeof(path), "/api/workspaces/%s", id);
	for (waited = 0; waited < timeout_ms; waited += 100) {
		json_decref(j);
		j = call("GET", path, ALICE, NULL, 200);
		if (strcmp(harness_jstr(j, "status"), want) == 0)
			break;
		sleep_ms(100);
	}
	cr_assert_str_eq(harness_jstr(j, "status"), want, "workspace %s", id);
	json_decref(j);
}

/* The database check of /api/health (a new reference). */
static json_t *
db_details(void)
{
	json_t	*h = call("GET", "/api/health", ADMIN, NULL, 200), *c, *d = NULL;
	size_t	 i;

	json_array_foreach(json_object_get(h, "checks"), i, c)
		if (strcmp(harness_jstr(c, "name"), "database") == 0)
			d = json_incref(json_object_get(c, "details"));
	cr_assert_not_null(d, "no database check in /api/health");
	json_decref(h);
	return d;
}

static long
jlong(json_t *o, const char *key)
{
	return (long)json_integer_value(json_object_get(o, key));
}

/* The statswriter's store as it is now (/api/health shows healthmon's
 * latest round): databaseUp, spoolRecords, spoolBytes, dropped,
 * samples; "state" up or down added for the tests below. */
static json_t *
writer(void)
{
	json_t	*j, *w;

	j = call("GET", "/api/metrics/current", ADMIN, NULL, 200);
	w = json_incref(json_object_get(j, "writer"));
	json_decref(j);
	cr_assert_not_null(w, "no writer in /api/metrics/current");
	json_object_set_new(w, "state", json_string(jlong(w,
	    "databaseUp") == 1 ? "up" : "down"));
	return w;
}

static void
wait_db_state(const char *want, int timeout_ms)
{
	json_t	*d = NULL;
	int	 waited;

	for (waited = 0; waited < timeout_ms; waited += 200) {
		json_decref(d);
		d = writer();
		if (strcmp(harness_jstr(d, "state"), want) == 0 &&
		    (strcmp(want, "up") != 0 || jlong(d, "spoolRecords") == 0))
			break;
		sleep_ms(200);
	}
	cr_assert_str_eq(harness_jstr(d, "state"), want, "database state");
	json_decref(d);
}

/* Every phase of a workspace is in container_stats, exactly once. */
static void
expect_lifecycle(const char *id, const char *reason)
{
	char	sql[512], *out, want[64];

	snprintf(sql, sizeof(sql), "select count(*), bool_and("
	    "request_received_at <= container_created_at and "
	    "container_created_at <= container_started_at and "
	    "container_started_at <= code_server_available_at and "
	    "code_server_available_at <= container_stopped_at and "
	    "startup_time_ms > 0 and active_duration_ms >= 0), "
	    "min(shutdown_reason) from container_stats where id = '%s'", id);
	psql(&out, sql);
	snprintf(want, sizeof(want), "1 t %s", reason);
	cr_expect_str_eq(out, want, "workspace %s: %s", id, out);
	free(out);
}

/* ------------------------------------------------------------ tests */

/*
 * DEMO_START_DELAY=D: the workspace sleeps D seconds from the start of
 * its process, then serves /healthz.  healthmon's probe sets
 * code_server_available_at; the workspace's own phase (engine started
 * -> first answer) must be D s plus at most 300 ms, and startup_time_ms
 * is the engine's phases plus that one.
 */
Test(stats, startup_time_and_every_phase)
{
	char	*id, sql[512], *out;
	long	 startup, ready, engine;
	int	 d;

	start_berthd("[health]\nstartup_timeout_s = 60\n");
	for (d = 1; d <= 2; d++) {
		snprintf(sql, sizeof(sql), "\"DEMO_START_DELAY\":\"%d\"", d);
		id = create(sql);
		wait_status(id, "running", 20000);
		snprintf(sql, sizeof(sql), "select startup_time_ms, "
		    "(extract(epoch from code_server_available_at - "
		    "container_started_at) * 1000)::bigint, "
		    "(extract(epoch from container_started_at - "
		    "request_received_at) * 1000)::bigint "
		    "from container_stats where id = '%s'", id);
		psql(&out, sql);
		cr_assert_eq(sscanf(out, "%ld %ld %ld", &startup, &ready,
		    &engine), 3, "%s", out);
		free(out);
		cr_log_info("D=%d: startup %ld ms = engine %ld + workspace "
		    "%ld", d, startup, engine, ready);
		cr_expect_geq(startup, d * 1000L);
		cr_expect(ready >= d * 1000L - 100 && ready <= d * 1000L + 300,
		    "workspace phase %ld ms for a %d s delay", ready, d);
		cr_expect(startup >= engine + ready - 2 &&
		    startup <= engine + ready + 2, "phases do not add up");
		cr_expect_leq(startup, engine + d * 1000L + 300);
		cr_expect(log_contains(&run, "available after"));
		stop_ws(id);
		wait_status(id, "stopped", 10000);
		sleep_ms(300);
		expect_lifecycle(id, "manual");
		free(id);
	}
}

/* Samples of running containers and of the host, and the history. */
Test(stats, samples_and_history)
{
	json_t	*h, *m;
	char	*id, *cid, path[256], sql[256];
	long	 n;
	size_t	 i;

	start_berthd(FAST_METRICS);
	id = create(NULL);
	wait_status(id, "running", 20000);
	sleep_ms(4500);
	snprintf(sql, sizeof(sql), "select container_id from container_stats "
	    "where id = '%s'", id);
	psql(&cid, sql);
	snprintf(sql, sizeof(sql), "select count(*) from container_metrics "
	    "where container_id = '%s' and memory_used > 0 and pids > 0 "
	    "and workspace_id = '%s'", cid, id);
	n = psql_long(sql);
	cr_expect(n >= 3 && n <= 7, "%ld samples in 4.5 s at 1 s", n);
	cr_expect_geq(psql_long("select count(distinct tags) from "
	    "system_metrics where name = 'cpu_percent'"), 2,
	    "cpu_percent per core and for all");
	cr_expect_geq(psql_long("select count(*) from system_metrics where "
	    "name in ('memory_used_bytes', 'load_1m')"), 4);

	snprintf(path, sizeof(path), "/api/containers/history?containerId=%s"
	    "&hours=1&limit=3", cid);
	h = call("GET", path, ADMIN, NULL, 200);
	cr_expect_eq(json_array_size(json_object_get(h, "metrics")), 3);
	cr_expect_str_eq(harness_jstr(h, "source"), "database");
	json_array_foreach(json_object_get(h, "metrics"), i, m) {
		cr_expect_str_eq(harness_jstr(m, "containerId"), cid);
		cr_expect_gt(jlong(m, "memoryUsed"), 0);
		if (i > 0)
			cr_expect(strcmp(harness_jstr(m, "timestamp"), harness_jstr(
			    json_array_get(json_object_get(h, "metrics"),
			    i - 1), "timestamp")) < 0, "newest first");
	}
	json_decref(h);
	h = call("GET", "/api/containers/history", ADMIN, NULL, 200);
	cr_expect_eq(jlong(h, "limit"), 1000);
	cr_expect_eq(jlong(h, "hours"), 24);
	cr_expect_geq(json_array_size(json_object_get(h, "metrics")), 3);
	json_decref(h);
	h = call("GET", "/api/containers/history?limit=100000", ADMIN, NULL,
	    200);
	cr_expect_eq(jlong(h, "limit"), 5000, "limit is capped at 5000");
	json_decref(h);
	free(cid);
	free(id);
}

/* Pages of 1000 joined into one answer, every row once, in order. */
Test(stats, history_longer_than_a_page)
{
	json_t	*h, *a;
	char	*out;
	size_t	 i;
	int	 sorted = 1;

	start_berthd(NULL);
	wait_db_state("up", 10000);
	/* An hour ahead: newer than any sample of a running container
	 * berthd may have adopted, so the first 2500 are all these. */
	psql(NULL, "insert into container_metrics (ts, container_id, "
	    "memory_used) select now() + interval '1 hour' - g * "
	    "interval '1 second', 'c' || (g % 3), g from "
	    "generate_series(1, 2600) g");
	h = call("GET", "/api/containers/history?limit=2500", ADMIN, NULL,
	    200);
	a = json_object_get(h, "metrics");
	cr_assert_eq(json_array_size(a), 2500);
	for (i = 1; i < json_array_size(a); i++)
		if (jlong(json_array_get(a, i), "memoryUsed") !=
		    jlong(json_array_get(a, i - 1), "memoryUsed") + 1)
			sorted = 0;
	cr_expect(sorted, "rows missing, twice or out of order");
	json_decref(h);
	psql(&out, "select count(*) from container_metrics where "
	    "container_id in ('c0', 'c1', 'c2')");
	cr_expect_str_eq(out, "2600");
	free(out);
}

Test(stats, bad_parameters_and_access)
{
	static const char *const bad[] = {
		"hours=0", "hours=-1", "hours=abc", "hours=87601", "hours=",
		"limit=0", "limit=-5", "limit=1e3", "limit=", "limit=12x",
		"containerId=a%20b", "containerId=%27%3B", "containerId=",
		"container=abc", "hours=1&bogus=1",
	};
	char	path[256];
	size_t	i;
	json_t	*j;

	start_berthd(NULL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), "/api/containers/history?%s",
		    bad[i]);
		j = call("GET", path, ADMIN, NULL, 400);
		cr_expect_str_eq(harness_jstr(json_object_get(j, "error"), "code"),
		    "bad_request", "%s", bad[i]);
		json_decref(j);
	}
	json_decref(call("GET", "/api/containers/history", NULL, NULL, 401));
	json_decref(call("GET", "/api/containers/stats", NULL, NULL, 401));
	json_decref(call("GET", "/api/containers/history", ALICE, NULL, 403));
	json_decref(call("GET", "/api/containers/stats", ALICE, NULL, 403));
	json_decref(call("POST", "/api/containers/stats", ADMIN, "{}", 405));
}

/* The aggregates of GET /api/containers/stats against the table. */
Test(stats, lifecycle_statistics)
{
	json_t	*s, *ph, *u;
	char	*ids[3], *out;
	double	 avg;
	int	 i;

	start_berthd(NULL);
	for (i = 0; i < 3; i++)
		ids[i] = create(i == 2 ? "\"DEMO_START_DELAY\":\"1\"" : NULL);
	for (i = 0; i < 3; i++) {
		wait_status(ids[i], "running", 20000);
		stop_ws(ids[i]);
	}
	sleep_ms(500);
	s = call("GET", "/api/containers/stats", ADMIN, NULL, 200);
	cr_expect_str_eq(harness_jstr(s, "source"), "database");
	psql(&out, "select round(avg(startup_time_ms)) from container_stats");
	avg = json_real_value(json_object_get(json_object_get(s, "startup"),
	    "averageMs"));
	cr_expect(avg >= atof(out) - 1 && avg <= atof(out) + 1,
	    "average %f, table %s", avg, out);
	free(out);
	cr_expect_eq(jlong(json_object_get(s, "startup"), "count"), 3);
	cr_expect_gt(json_real_value(json_object_get(json_object_get(s,
	    "startup"), "p95Ms")), 1000.0);
	ph = json_object_get(s, "phases");
	cr_expect_eq(jlong(json_object_get(ph, "containerStart"), "count"), 3);
	cr_expect_eq(jlong(json_object_get(ph, "workspaceReady"), "count"), 3);
	u = json_array_get(json_object_get(s, "byUser"), 0);
	cr_expect_str_eq(harness_jstr(u, "userId"), "st-alice");
	cr_expect_eq(jlong(u, "count"), 3);
	cr_expect_eq(jlong(json_object_get(s, "failedStartups"), "count"), 0);
	cr_expect_eq(json_array_size(json_object_get(s, "recent")), 3);
	cr_expect_str_eq(harness_jstr(json_array_get(json_object_get(s, "recent"), 0),
	    "workspaceId"), ids[2], "most recent first");
	json_decref(s);
	for (i = 0; i < 3; i++)
		free(ids[i]);
}

/*
 * PostgreSQL stopped for 20 s while workspaces start and stop and
 * samples flow: everything waits in the spool and lands exactly once.
 * With kill set, the statswriter is SIGKILLed in the middle of it, and
 * a workspace starts while it is down.
 */
static void
outage(int kill_it)
{
	json_t	*d;
	char	*ids[4], sql[256], *out;
	long	 samples, rows, distinct, gaps, foreign;
	pid_t	 sw;
	int	 i;

	start_berthd(FAST_METRICS);
	ids[0] = create(NULL);
	wait_status(ids[0], "running", 20000);
	wait_db_state("up", 10000);
	pg_stop();
	ids[1] = create(NULL);
	wait_status(ids[1], "running", 20000);
	sleep_ms(3000);
	d = writer();
	cr_expect_str_eq(harness_jstr(d, "state"), "down");
	cr_expect_gt(jlong(d, "spoolRecords"), 0, "nothing spooled");
	json_decref(d);
	stop_ws(ids[0]);
	if (kill_it) {
		sw = harness_worker_pid(&run, "statswriter");
		cr_assert_eq(kill(sw, SIGKILL), 0);
		ids[2] = create(NULL);	/* its facts wait in berthd */
		harness_wait_new_pid(&run, "statswriter", sw, 10000);
	} else
		ids[2] = create(NULL);
	wait_status(ids[2], "running", 20000);
	ids[3] = create(NULL);
	wait_status(ids[3], "running", 20000);
	stop_ws(ids[3]);
	sleep_ms(20000 - 8000);
	stop_ws(ids[1]);
	stop_ws(ids[2]);
	d = writer();
	samples = jlong(d, "samples");
	json_decref(d);
	pg_resume();
	wait_db_state("up", 30000);

	for (i = 0; i < 4; i++)
		expect_lifecycle(ids[i], "manual");
	rows = psql_long("select count(*) from container_metrics");
	distinct = psql_long("select count(distinct (container_id, ts)) "
	    "from container_metrics");
	cr_expect_eq(rows, distinct);
	/* Every sample taken is in the database (when berthd sampled only
	 * ours: it adopts any managed container it finds running). */
	foreign = psql_long("select count(*) from container_metrics where "
	    "workspace_id not in (select id::text from container_stats)");
	if (!kill_it && foreign == 0)
		cr_expect_eq(rows, samples, "samples taken %ld, in the "
		    "database %ld", samples, rows);
	else if (!kill_it)
		cr_log_warn("%ld samples of containers not started by this "
		    "test: counts not compared", foreign);
	/* No hole in the series of any of our containers beyond an
	 * interval (plus the statswriter's restart when it was killed). */
	snprintf(sql, sizeof(sql), "select count(*) from (select ts - lag(ts) "
	    "over (partition by container_id order by ts) g from "
	    "container_metrics where workspace_id in (select id::text from "
	    "container_stats)) x where g > interval '%d ms'",
	    kill_it ? 3500 : 1600);
	gaps = psql_long(sql);
	cr_expect_eq(gaps, 0, "%ld holes in the samples", gaps);
	/* The host's series the same way: one load_1m a cycle, through
	 * an outage of at least 15 s (its length varies with how fast the
	 * workspaces start: the holes are what is checked). */
	snprintf(sql, sizeof(sql), "select count(*) filter (where g > "
	    "interval '%d ms') || ' ' || count(*) from (select ts - lag(ts) "
	    "over (order by ts) g from system_metrics where name = "
	    "'load_1m') x", kill_it ? 3500 : 1600);
	psql(&out, sql);
	cr_expect(strncmp(out, "0 ", 2) == 0 && atol(out + 2) >= 15,
	    "host samples (holes, count): %s", out);
	free(out);
	d = writer();
	cr_expect_eq(jlong(d, "dropped"), 0);
	cr_expect_eq(jlong(d, "spoolBytes"), 0, "spool not emptied");
	json_decref(d);
	for (i = 0; i < 4; i++)
		free(ids[i]);
}

Test(stats, database_outage_loses_nothing)
{
	outage(0);
}

Test(stats, statswriter_killed_during_outage_loses_nothing)
{
	outage(1);
}

/*
 * berthd stopped while the statswriter cannot answer (SIGSTOPped): the
 * facts of a workspace started meanwhile wait in berthd's outbox, which
 * it saves to the statswriter's spool when it exits (the statswriter
 * is SIGKILLed at the shutdown timeout); the next statswriter replays
 * them, and the workspace's row is complete.
 */
Test(stats, berthd_stopped_with_facts_unanswered_loses_nothing)
{
	char	*id, sql[256];
	pid_t	 sw;

	start_berthd(NULL);
	wait_db_state("up", 10000);
	sw = harness_worker_pid(&run, "statswriter");
	cr_assert_eq(kill(sw, SIGSTOP), 0);
	id = create(NULL);
	wait_status(id, "running", 20000);
	cr_assert_neq(harness_stop(&run, SIGTERM, 15000), -1,
	    "berthd did not exit");
	cr_expect(log_contains(&run, "records not yet in the database "
	    "saved to the spool"), "log: %s", read_file(run.log));
	snprintf(sql, sizeof(sql), "select count(*) from container_stats "
	    "where id = '%s'", id);
	cr_assert_eq(psql_long(sql), 0, "recorded before the stop: this "
	    "run proves nothing");
	harness_restart(&run, NULL);
	wait_db_state("up", 30000);	/* and the spool replayed */
	snprintf(sql, sizeof(sql), "select count(*) from container_stats "
	    "where id = '%s' and code_server_available_at is not null",
	    id);
	cr_expect_eq(psql_long(sql), 1, "the facts of before the stop");
	stop_ws(id);
	wait_db_state("up", 10000);
	sleep_ms(500);
	expect_lifecycle(id, "manual");
	free(id);
}

Test(stats, retention_removes_old_samples)
{
	int	waited;

	start_berthd("[metrics]\nretention_hours = 24\n"
	    "retention_interval_s = 1\n" FAST_SAMPLES);
	wait_db_state("up", 10000);
	psql(NULL, "insert into container_metrics (ts, container_id) "
	    "select now() - g * interval '1 hour', 'old' from "
	    "generate_series(1, 48) g; insert into system_metrics (ts, name, "
	    "value) select now() - g * interval '1 hour', 'old', 1 from "
	    "generate_series(1, 48) g");
	for (waited = 0; waited < 10000; waited += 250) {
		if (psql_long("select count(*) from container_metrics where "
		    "container_id = 'old'") == 23)
			break;
		sleep_ms(250);
	}
	cr_expect_eq(psql_long("select count(*) from container_metrics "
	    "where container_id = 'old'"), 23, "only the last 24 h kept");
	cr_expect_eq(psql_long("select count(*) from system_metrics "
	    "where name = 'old'"), 23);
	cr_expect_gt(psql_long("select count(*) from system_metrics "
	    "where name = 'load_1m'"), 0, "recent samples kept");
}

/* No database URL and no server binaries: memory only, said loudly. */
Test(stats, no_database_keeps_recent_data_in_memory)
{
	const char *const envv[] = { "BERTH_DATABASE_EMBEDDED=true", NULL };
	json_t	*h, *d, *s, *m;
	char	*id, ini[4096], path[256], cid[80];

	snprintf(ini, sizeof(ini), "%s[database]\npg_bindir = /nonexistent\n"
	    FAST_METRICS, type_demo);
	harness_start(&run, ini, envv, (uid_t)-1);
	cr_expect(log_contains(&run, "WITHOUT PERSISTENCE"));
	d = db_details();
	cr_expect_str_eq(harness_jstr(d, "state"), "disabled");
	json_decref(d);
	h = call("GET", "/api/health", ADMIN, NULL, 200);
	cr_expect_str_eq(harness_jstr(h, "database"), "disabled");
	cr_expect_str_eq(harness_jstr(h, "overall"), "degraded");
	json_decref(h);
	id = create("\"DEMO_START_DELAY\":\"1\"");
	wait_status(id, "running", 20000);
	snprintf(path, sizeof(path), "/api/workspaces/%s", id);
	h = call("GET", path, ALICE, NULL, 200);
	snprintf(cid, sizeof(cid), "%s", harness_jstr(h, "containerId"));
	json_decref(h);
	sleep_ms(2500);
	stop_ws(id);
	sleep_ms(300);
	snprintf(path, sizeof(path), "/api/containers/history?containerId=%s",
	    cid);
	h = call("GET", path, ADMIN, NULL, 200);
	cr_expect_str_eq(harness_jstr(h, "source"), "memory");
	m = json_object_get(h, "metrics");
	cr_expect_geq(json_array_size(m), 1);
	cr_expect_str_eq(harness_jstr(json_array_get(m, 0), "workspaceId"), id);
	json_decref(h);
	s = call("GET", "/api/containers/stats", ADMIN, NULL, 200);
	cr_expect_str_eq(harness_jstr(s, "source"), "memory");
	cr_expect_eq(jlong(json_object_get(s, "startup"), "count"), 1);
	cr_expect_str_eq(harness_jstr(json_array_get(json_object_get(s,
	    "recent"), 0), "shutdownReason"), "manual");
	json_decref(s);
	free(id);
}
