/*
 * Seed 001's metric points and alerts against the real engine and the
 * embedded PostgreSQL, with the clock the tests move: the metrics job
 * records the snapshot (in memory, the API and system_metrics); a
 * system rule goes pending, fires after its for_s and resolves past its
 * resolve value; a workspace's working set over its rule's threshold
 * (memory filled in its /dev/shm, measured by the statswriter) fires an
 * alert labelled with the workspace and its user, which only that user
 * and the admin see; the admin resolves one by hand (who and why kept,
 * 409 again, 404 unknown, 422 bad body, 403 for a user); firing alerts
 * are exported as berth_alerts_active{severity} and written to
 * system_alerts; events read back from system_events after a restart
 * (source=database), a user's own only; GET /api/monitoring/sessions shows a user only its
 * own sessions, with seed 001's health and the memory; berthctl lists
 * alerts and events; bad parameters are 400.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define ALICE	"it-alr-alice-0123456789"
#define BOB	"it-alr-bob-0123456789ab"
#define ADMIN	"it-alr-admin-0123456789"

static const char config[] =
    "[docker]\nstop_timeout_s = 2\n"
    "[metrics]\napp_interval_ms = 1000\n"
    "[token.alice]\ntoken = " ALICE "\nuser = it-alr-alice\ntiers = free\n"
    "[token.bob]\ntoken = " BOB "\nuser = it-alr-bob\ntiers = free\n"
    "[tier.free]\nmax_session_min = 600\nmax_workspaces_per_user = 4\n"
    "[type.demo]\nimage = berth/demo-workspace:latest\nport = 8080\n"
    "cpus = 0.5\nmemory_mb = 64\nmemory_reservation_mb = 32\n"
    "tiers = free\nnetwork = shared\nvolume_path = /workspace\n"
    "[alert.active-sessions]\nthreshold = 1\nresolve = 1\nfor_s = 120\n"
    "[alert.workspace-memory]\nthreshold = 40\nresolve = 30\nfor_s = 0\n"
    "severity = critical\n"
    "[alert.cpu-usage]\nenabled = false\n"
    "[alert.memory-usage]\nenabled = false\n"
    "[events]\npersist = all\n"
    "[job.metrics]\nschedule = 0 0 1 1 *\n"
    "[job.monitoring]\nschedule = 0 0 1 1 *\n"
    "[auth]\nadmin_token = " ADMIN "\n";

static const char *const clock_db[] = { "BERTH_TEST_CLOCK=1",
    "BERTH_DATABASE_EMBEDDED=true", NULL };
static struct berthd_run run;

static void
cleanup(void)
{
	harness_cleanup(&run);
	sh(NULL, "docker ps -aq --filter label=berth.user=it-alr-alice "
	    "| xargs -r docker rm -f >/dev/null 2>&1");
}

static void
setup(void)
{
	harness_require_engine();
	cleanup();
}

TestSuite(alerts, .init = setup, .fini = cleanup, .timeout = 240);

/* ------------------------------------------------------------ helpers */

static json_t *
call(const char *method, const char *path, const char *token, int expect)
{
	return harness_call(&run, method, path, token, NULL, expect);
}

static long runs;

/* The metrics job now: a snapshot and the rules on it. */
static void
snapshot(void)
{
	json_t	*j = harness_run_job(&run, ADMIN, "metrics", ++runs);

	cr_assert_str_eq(harness_jstr(json_object_get(j, "lastRun"),
	    "result"), "ok");
	json_decref(j);
}

/* The alert of rule among token's active ones (json_decref it), or
 * NULL. */
static json_t *
alert_of(const char *token, const char *rule)
{
	json_t	*all = call("GET", "/api/monitoring/alerts", token, 200), *a;
	size_t	 i;

	json_array_foreach(json_object_get(all, "alerts"), i, a) {
		if (strcmp(harness_jstr(a, "rule"), rule) == 0) {
			json_incref(a);
			json_decref(all);
			return a;
		}
	}
	json_decref(all);
	return NULL;
}

static char *
running_workspace(void)
{
	json_t	*ws;
	char	*id, path[96];
	int	 waited;

	ws = harness_call(&run, "POST", "/api/workspaces", ALICE,
	    "{\"type\":\"demo\",\"tier\":\"free\"}", 201);
	id = strdup(harness_jstr(ws, "id"));
	json_decref(ws);
	snprintf(path, sizeof(path), "/api/workspaces/%s", id);
	for (waited = 0; waited < 60000; waited += 250) {
		ws = call("GET", path, ALICE, 200);
		if (strcmp(harness_jstr(ws, "status"), "running") == 0) {
			json_decref(ws);
			return id;
		}
		json_decref(ws);
		sleep_ms(250);
	}
	cr_assert_fail("workspace %s never ran", id);
	return NULL;
}

/* Fill (or empty) the workspace's /dev/shm: memory of its cgroup. */
static void
shm(const char *id, int mb)
{
	char	path[96];
	json_t	*ws;

	snprintf(path, sizeof(path), "/api/workspaces/%s", id);
	ws = call("GET", path, ALICE, 200);
	cr_assert_eq(sh(NULL, "docker exec %s sh -c '%s' >/dev/null 2>&1",
	    harness_jstr(ws, "containerId"), mb > 0 ?
	    "head -c 36000000 /dev/zero > /dev/shm/fill" :
	    "rm -f /dev/shm/fill"), 0);
	json_decref(ws);
}

/* Run the metrics job until rule's alert for alice is in state. */
static json_t *
wait_alert(const char *rule, const char *state)
{
	json_t	*a = NULL;
	int	 i;

	for (i = 0; i < 60; i++) {
		snapshot();
		if ((a = alert_of(ADMIN, rule)) != NULL && strcmp(
		    harness_jstr(a, "state"), state) == 0)
			return a;
		if (a == NULL && strcmp(state, "gone") == 0)
			return NULL;
		json_decref(a);
		sleep_ms(500);
	}
	cr_assert_fail("alert %s never %s", rule, state);
	return NULL;
}

/* GET /api/monitoring/events?source=database&...: the number of
 * events, once the statswriter has its database (503 before). */
static size_t
db_events(const char *token, const char *query)
{
	char	 path[256], *out = NULL;
	json_t	*j;
	size_t	 n;
	int	 code = 0, i;

	snprintf(path, sizeof(path), "/api/monitoring/events?source=database"
	    "&%s", query);
	for (i = 0; i < 100 && code != 200; i++) {
		free(out);
		if ((code = harness_request(&run, "GET", path, token, NULL,
		    &out)) != 200)
			sleep_ms(200);
	}
	cr_assert_eq(code, 200, "%s: %s", path, out);
	cr_assert_not_null(j = json_loads(out, 0, NULL));
	cr_expect_str_eq(harness_jstr(j, "source"), "database");
	n = json_array_size(json_object_get(j, "events"));
	json_decref(j);
	free(out);
	return n;
}

static char *
psql(const char *query)
{
	char	*out;

	cr_assert_eq(sh(&out, "runuser -u berth -- psql -h %s/pgsock -d berth "
	    "-At -c \"%s\" 2>&1", run.dir, query), 0, "%s", out);
	return out;
}

/* ------------------------------------------------------------ tests */

Test(alerts, points_are_recorded_and_a_rule_pends_fires_and_resolves)
{
	json_t	*j, *a;
	char	*id, *out, path[96];

	harness_start(&run, config, clock_db, (uid_t)-1);
	id = running_workspace();
	snapshot();
	j = call("GET", "/api/monitoring/metrics?name=active_sessions&limit=5",
	    ADMIN, 200);
	cr_expect_eq(json_array_size(json_object_get(j, "metrics")), 1);
	a = json_array_get(json_object_get(j, "metrics"), 0);
	cr_expect_str_eq(harness_jstr(a, "name"), "active_sessions");
	cr_expect_eq(json_real_value(json_object_get(a, "value")), 1.0);
	json_decref(j);
	j = call("GET", "/api/monitoring/metrics", ADMIN, 200);
	cr_expect_geq(json_array_size(json_object_get(j, "metrics")), 10);
	json_decref(j);

	/* pending for its for_s, then firing; the admin's only */
	a = alert_of(ADMIN, "active-sessions");
	cr_assert_not_null(a);
	cr_expect_str_eq(harness_jstr(a, "state"), "pending");
	json_decref(a);
	cr_expect_null(alert_of(ALICE, "active-sessions"));
	harness_clock(&run, 180);
	snapshot();
	a = alert_of(ADMIN, "active-sessions");
	cr_assert_not_null(a);
	cr_expect_str_eq(harness_jstr(a, "state"), "firing");
	cr_expect(json_is_string(json_object_get(a, "firedAt")));
	json_decref(a);
	cr_assert_eq(harness_http(&run, "GET", "/api/metrics", &out), 200);
	cr_expect(strstr(out, "\nberth_alerts_active{severity=\"warning\"} 1\n")
	    != NULL, "%s", out);
	free(out);
	j = call("GET", "/api/monitoring/events?type=alert.firing", ADMIN,
	    200);
	cr_expect_geq(json_array_size(json_object_get(j, "events")), 1);
	json_decref(j);
	/* and berthctl, on the admin socket */
	cr_expect_eq(sh(&out, "%s/berthctl -s %s alerts --json",
	    BERTH_BUILDDIR, run.sock), 0);
	cr_expect(strstr(out, "\"active-sessions\"") != NULL, "%s", out);
	free(out);
	cr_expect_eq(sh(&out, "%s/berthctl -s %s events", BERTH_BUILDDIR,
	    run.sock), 0);
	cr_expect(strstr(out, "alert.firing") != NULL, "%s", out);
	free(out);
	cr_expect_neq(sh(&out, "%s/berthctl -s %s resolve 999999 -m gone "
	    "2>&1", BERTH_BUILDDIR, run.sock), 0);
	cr_expect(strstr(out, "no such alert") != NULL, "%s", out);
	free(out);

	/* the workspace stops: back below, resolved automatically */
	snprintf(path, sizeof(path), "/api/workspaces/%s", id);
	json_decref(call("DELETE", path, ALICE, 200));
	sleep_ms(3000);
	cr_expect_null(wait_alert("active-sessions", "gone"));
	j = call("GET", "/api/monitoring/alerts?all=true", ADMIN, 200);
	a = json_array_get(json_object_get(j, "alerts"), 0);
	cr_expect_str_eq(harness_jstr(a, "state"), "resolved");
	cr_expect_str_eq(harness_jstr(a, "resolvedBy"), "auto");
	json_decref(j);

	/* in the database: the points and the alert's row, resolved */
	sleep_ms(2000);
	out = psql("select count(*) > 0 from system_metrics where name = "
	    "'active_sessions'");
	cr_expect_str_eq(out, "t");
	free(out);
	out = psql("select status || ',' || resolved_by from system_alerts "
	    "where name = 'active-sessions'");
	cr_expect_str_eq(out, "resolved,auto");
	free(out);

	/* the persisted events, read back after a restart: a user's own */
	cr_assert_geq(harness_stop(&run, SIGTERM, 30000), 0);
	harness_restart(&run, clock_db);
	cr_expect_geq(db_events(ADMIN, "type=alert.firing"), 1);
	cr_expect_eq(db_events(ALICE, "type=alert.firing"), 0);
	cr_expect_eq(db_events(ALICE, "type=workspace.started"), 1);
	cr_expect_eq(db_events(BOB, "type=workspace.started"), 0);
	json_decref(call("GET", "/api/monitoring/events?source=disk", ADMIN,
	    400));
	free(id);
}

Test(alerts, a_workspace_alert_is_its_users_and_the_admin_resolves_it)
{
	json_t	*a, *j;
	char	*id, path[96], *out;
	long	 aid;

	harness_start(&run, config, clock_db, (uid_t)-1);
	id = running_workspace();
	shm(id, 36);
	a = wait_alert("workspace-memory", "firing");
	cr_expect_str_eq(harness_jstr(a, "severity"), "critical");
	cr_expect_str_eq(harness_jstr(json_object_get(a, "labels"),
	    "workspace"), id);
	cr_expect_str_eq(harness_jstr(json_object_get(a, "labels"), "user"),
	    "it-alr-alice");
	aid = (long)json_integer_value(json_object_get(a, "id"));
	json_decref(a);
	/* alice sees it, bob does not */
	a = alert_of(ALICE, "workspace-memory");
	cr_expect_not_null(a);
	json_decref(a);
	cr_expect_null(alert_of(BOB, "workspace-memory"));
	/* and the session, with its memory, is alice's too */
	j = call("GET", "/api/monitoring/sessions", ALICE, 200);
	cr_expect_eq(json_integer_value(json_object_get(j, "count")), 1);
	a = json_array_get(json_object_get(j, "sessions"), 0);
	cr_expect_str_eq(harness_jstr(a, "id"), id);
	cr_expect(strcmp(harness_jstr(a, "health"), "healthy") == 0 ||
	    strcmp(harness_jstr(a, "health"), "warning") == 0, "%s",
	    harness_jstr(a, "health"));
	cr_expect_gt(json_real_value(json_object_get(json_object_get(a,
	    "resources"), "memoryPercent")), 40.0);
	cr_expect(json_is_string(json_object_get(a, "autostopAt")) ||
	    json_is_null(json_object_get(a, "autostopAt")));
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(j,
	    "summary"), "active")), 1);
	json_decref(j);
	j = call("GET", "/api/monitoring/sessions", BOB, 200);
	cr_expect_eq(json_integer_value(json_object_get(j, "count")), 0);
	json_decref(j);

	/* resolving: the admin's, with a reason */
	snprintf(path, sizeof(path), "/api/monitoring/alerts/%ld/resolve",
	    aid);
	json_decref(harness_call(&run, "POST", path, ALICE,
	    "{\"resolution\":\"mine\"}", 403));
	json_decref(harness_call(&run, "POST", path, ADMIN, "{}", 422));
	json_decref(harness_call(&run, "POST", path, ADMIN,
	    "{\"resolution\":7}", 422));
	json_decref(harness_call(&run, "POST",
	    "/api/monitoring/alerts/999999/resolve", ADMIN,
	    "{\"resolution\":\"x\"}", 404));
	json_decref(harness_call(&run, "POST",
	    "/api/monitoring/alerts/x1/resolve", ADMIN,
	    "{\"resolution\":\"x\"}", 404));
	j = harness_call(&run, "POST", path, ADMIN,
	    "{\"resolution\":\"cache flushed by hand\"}", 200);
	cr_expect_str_eq(harness_jstr(j, "state"), "resolved");
	cr_expect_str_eq(harness_jstr(j, "resolution"),
	    "cache flushed by hand");
	cr_expect_str_eq(harness_jstr(j, "resolvedBy"), "admin");
	json_decref(j);
	json_decref(harness_call(&run, "POST", path, ADMIN,
	    "{\"resolution\":\"again\"}", 409));
	/* held resolved while the memory stays up, gone once it drops */
	snapshot();
	cr_expect_null(alert_of(ADMIN, "workspace-memory"));
	shm(id, 0);
	sleep_ms(3000);
	snapshot();
	cr_expect_null(alert_of(ADMIN, "workspace-memory"));
	j = call("GET", "/api/monitoring/alerts?all=true", ALICE, 200);
	cr_expect_eq(json_array_size(json_object_get(j, "alerts")), 1);
	json_decref(j);
	sleep_ms(2000);
	out = psql("select resolved_by || ',' || resolution || ',' || "
	    "(labels->>'user') from system_alerts where name = "
	    "'workspace-memory'");
	cr_expect_str_eq(out, "admin,cache flushed by hand,it-alr-alice");
	free(out);
	free(id);
}

Test(alerts, bad_parameters_and_other_users)
{
	harness_start(&run, config, clock_db, (uid_t)-1);
	json_decref(call("GET", "/api/monitoring/metrics", ALICE, 403));
	json_decref(call("GET", "/api/monitoring/metrics", NULL, 401));
	json_decref(call("GET", "/api/monitoring/metrics?limit=0", ADMIN,
	    400));
	json_decref(call("GET", "/api/monitoring/metrics?limit=1001", ADMIN,
	    400));
	json_decref(call("GET", "/api/monitoring/metrics?name=A;B", ADMIN,
	    400));
	json_decref(call("GET", "/api/monitoring/metrics?nam=x", ADMIN, 400));
	json_decref(call("GET", "/api/monitoring/alerts?all=yes", ADMIN,
	    400));
	json_decref(call("GET", "/api/monitoring/alerts?all=true&all=false",
	    ADMIN, 400));
	json_decref(call("GET", "/api/monitoring/alerts", NULL, 401));
	json_decref(call("POST", "/api/monitoring/monitor", ALICE, 403));
	json_decref(call("POST", "/api/monitoring/monitor", ADMIN, 202));
}

/* GET /api/monitoring/sessions/{id}/metrics as token: the samples
 * (json_decref it), once there is one. */
static json_t *
samples_of(const char *token, const char *id)
{
	char	 path[128];
	json_t	*j;
	int	 i;

	snprintf(path, sizeof(path), "/api/monitoring/sessions/%s/metrics"
	    "?minutes=10&limit=5", id);
	for (i = 0; i < 80; i++) {
		j = call("GET", path, token, 200);
		if (json_integer_value(json_object_get(j, "count")) > 0)
			return j;
		json_decref(j);
		sleep_ms(500);
	}
	cr_assert_fail("no samples of %s", id);
	return NULL;
}

static json_int_t
jint(json_t *o, const char *a, const char *b)
{
	return json_integer_value(json_object_get(json_object_get(o, a), b));
}

Test(alerts, health_dashboard_and_a_sessions_samples_are_the_callers)
{
	json_t	*j, *m;
	char	*id, path[160];
	size_t	 i;

	harness_start(&run, config, clock_db, (uid_t)-1);
	id = running_workspace();
	snapshot();
	snapshot();

	/* the health summary: alice's session, none of bob's */
	j = call("GET", "/api/monitoring/health", ADMIN, 200);
	cr_expect(strcmp(harness_jstr(j, "status"), "healthy") == 0 ||
	    strcmp(harness_jstr(j, "status"), "warning") == 0, "%s",
	    harness_jstr(j, "status"));
	cr_expect_str_eq(harness_jstr(json_object_get(j, "health"), "engine"),
	    "up");
	cr_expect_eq(jint(j, "sessions", "active"), 1);
	cr_expect(json_is_object(json_object_get(j, "alerts")));
	cr_expect_null(json_object_get(j, "jobs"));
	json_decref(j);
	j = call("GET", "/api/monitoring/health", ALICE, 200);
	cr_expect_eq(jint(j, "sessions", "active"), 1);
	json_decref(j);
	j = call("GET", "/api/monitoring/health", BOB, 200);
	cr_expect_eq(jint(j, "sessions", "active"), 0);
	cr_expect_eq(jint(j, "sessions", "total"), 0);
	json_decref(j);
	json_decref(call("GET", "/api/monitoring/health", NULL, 401));
	json_decref(call("GET", "/api/monitoring/health", "it-alr-nobody-"
	    "000000000", 401));

	/* the dashboard: everything for the admin */
	j = call("GET", "/api/monitoring/dashboard", ADMIN, 200);
	cr_expect_eq(jint(j, "sessions", "total"), 1);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(
	    json_object_get(j, "sessions"), "byTier"), "free")), 1);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(
	    json_object_get(j, "sessions"), "byStatus"), "running")), 1);
	cr_expect_geq(json_integer_value(json_object_get(json_object_get(
	    json_object_get(j, "trends"), "active_sessions"), "count")), 2);
	cr_expect_eq(json_real_value(json_object_get(json_object_get(
	    json_object_get(j, "trends"), "active_sessions"), "latest")), 1.0);
	m = NULL;
	json_array_foreach(json_object_get(j, "jobs"), i, m)
		if (strcmp(harness_jstr(m, "name"), "metrics") == 0)
			break;
	cr_expect_lt(i, json_array_size(json_object_get(j, "jobs")),
	    "no metrics job on the dashboard");
	cr_expect_gt(json_array_size(json_object_get(j, "events")), 0);
	cr_expect_eq(json_array_size(json_object_get(j, "unavailable")), 0);
	cr_expect(json_is_string(json_object_get(j, "timestamp")));
	json_decref(j);
	/* a user's: its own, and nothing that is the admin's */
	j = call("GET", "/api/monitoring/dashboard", BOB, 200);
	cr_expect_eq(jint(j, "sessions", "total"), 0);
	cr_expect(json_is_null(json_object_get(j, "jobs")));
	cr_expect(json_is_null(json_object_get(j, "trends")));
	json_array_foreach(json_object_get(j, "events"), i, m)
		cr_expect_str_neq(harness_jstr(m, "workspaceId"), id);
	cr_expect_eq(json_array_size(json_object_get(j, "unavailable")), 0);
	json_decref(j);

	/* a session's samples: alice's and the admin's, not bob's */
	j = samples_of(ALICE, id);
	cr_expect_str_eq(harness_jstr(j, "sessionId"), id);
	cr_expect_leq(json_integer_value(json_object_get(j, "count")), 5);
	m = json_array_get(json_object_get(j, "metrics"), 0);
	cr_expect_str_eq(harness_jstr(m, "workspaceId"), id);
	cr_expect(json_is_number(json_object_get(m, "memoryUsed")));
	json_decref(j);
	json_decref(samples_of(ADMIN, id));
	snprintf(path, sizeof(path), "/api/monitoring/sessions/%s/metrics",
	    id);
	json_decref(call("GET", path, BOB, 404));
	json_decref(call("GET", path, NULL, 401));
	json_decref(call("GET", "/api/monitoring/sessions/nope/metrics",
	    ALICE, 404));
	snprintf(path, sizeof(path), "/api/monitoring/sessions/%s/metrics"
	    "?minutes=0", id);
	json_decref(call("GET", path, ALICE, 400));
	snprintf(path, sizeof(path), "/api/monitoring/sessions/%s/metrics"
	    "?limit=1001", id);
	json_decref(call("GET", path, ALICE, 400));
	snprintf(path, sizeof(path), "/api/monitoring/sessions/%s/metrics"
	    "?hours=1", id);
	json_decref(call("GET", path, ALICE, 400));
	free(id);
}
