/*
 * Activity and autostop against the real Docker Engine, with the clock
 * the tests move (BERTH_TEST_CLOCK=1, `berthctl clock`): an idle demo
 * workspace is warned and then stopped with reason inactivity (in its
 * JSON and in container_stats) while a heartbeat, an extend and a
 * keepalive keep three others running, and so does network traffic
 * above the type's activity_bytes_min and a newer heartbeat on the
 * type's heartbeat_path; extend and keepalive stop at
 * the tier's maximum session (422); bad bodies 422; another user's
 * workspace 404; the events API shows a user its own events only and
 * answers 400 to bad parameters.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define ALICE	"it-act-alice-0123456789"
#define BOB	"it-act-bob-0123456789ab"
#define ADMIN	"it-act-admin-0123456789"

static const char config[] =
    "[docker]\nstop_timeout_s = 2\n"
    "[metrics]\napp_interval_ms = 1000\n"
    "[events]\npersist = all\n"
    "[token.alice]\ntoken = " ALICE "\nuser = it-act-alice\ntiers = free\n"
    "[token.bob]\ntoken = " BOB "\nuser = it-act-bob\ntiers = free\n"
    "[tier.free]\nmax_session_min = 120\nmax_workspaces_per_user = 8\n"
    "[type.demo]\nimage = berth/demo-workspace:latest\nport = 8080\n"
    "cpus = 0.5\nmemory_mb = 64\nmemory_reservation_mb = 32\n"
    "tiers = free\nnetwork = shared\nidle_timeout_min = 30\n"
    "idle_warning_min = 5\nactivity_bytes_min = 5000\n"
    "health_cmd = wget -q -O /dev/null http://127.0.0.1:{port}/healthz"
    " || exit 1\n"
    "health_interval_s = 1\nhealth_timeout_s = 2\nhealth_retries = 3\n"
    "health_start_period_s = 0\nvolume_path = /workspace\n"
    "[type.beat]\nimage = berth/demo-workspace:latest\nport = 8080\n"
    "cpus = 0.5\nmemory_mb = 64\nmemory_reservation_mb = 32\n"
    "tiers = free\nnetwork = shared\nidle_timeout_min = 30\n"
    "idle_warning_min = 5\nactivity_bytes_min = 0\n"
    "heartbeat_path = /beat\nvolume_path = /workspace\n"
    "[type.plain]\nimage = berth/demo-workspace:latest\nport = 8080\n"
    "cpus = 0.5\nmemory_mb = 64\nmemory_reservation_mb = 32\n"
    "tiers = free\nnetwork = shared\nvolume_path = /workspace\n"
    "[job.inactive-containers]\nage_min = 60\nschedule = 0 0 1 1 *\n"
    "[auth]\nadmin_token = " ADMIN "\n"
    "[health]\nheartbeat_interval_s = 1\n";

static const char *const test_clock[] = { "BERTH_TEST_CLOCK=1", NULL };
static const char *const clock_db[] = { "BERTH_TEST_CLOCK=1",
    "BERTH_DATABASE_EMBEDDED=true", NULL };
static struct berthd_run run;

static void
cleanup(void)
{
	harness_cleanup(&run);
	sh(NULL, "docker ps -aq --filter label=berth.user=it-act-alice "
	    "| xargs -r docker rm -f >/dev/null 2>&1");
}

static void
setup(void)
{
	harness_require_engine();
	cleanup();
}

TestSuite(activity, .init = setup, .fini = cleanup, .timeout = 240);

/* ------------------------------------------------------------ helpers */

static json_t *
post(const char *id, const char *what, const char *token, const char *body,
    int expect)
{
	char	path[160];

	snprintf(path, sizeof(path), "/api/workspaces/%s/%s", id, what);
	return harness_call(&run, "POST", path, token, body, expect);
}

static json_t *
get(const char *id)
{
	char	path[160];

	snprintf(path, sizeof(path), "/api/workspaces/%s", id);
	return harness_call(&run, "GET", path, ALICE, NULL, 200);
}

static json_t *
wait_status(const char *id, const char *want, int timeout_ms)
{
	json_t	*ws = NULL;
	int	 waited;

	for (waited = 0; waited < timeout_ms; waited += 250) {
		json_decref(ws);
		ws = get(id);
		if (strcmp(harness_jstr(ws, "status"), want) == 0)
			return ws;
		sleep_ms(250);
	}
	cr_assert_fail("workspace %s is %s, not %s", id,
	    harness_jstr(ws, "status"), want);
	return NULL;
}

/* A running workspace of alice's of that type; its id. */
static char *
running_as(const char *type)
{
	json_t	*ws;
	char	*id, body[80];

	snprintf(body, sizeof(body), "{\"type\":\"%s\",\"tier\":\"free\"}",
	    type);
	ws = harness_call(&run, "POST", "/api/workspaces", ALICE, body, 201);
	id = strdup(harness_jstr(ws, "id"));
	json_decref(ws);
	json_decref(wait_status(id, "running", 60000));
	return id;
}

static char *
running(void)
{
	return running_as("demo");
}

static void
clock_move(long s)
{
	harness_clock(&run, s);
}

/* Seconds from a to b, two RFC 3339 times of the API (whole seconds
 * are enough here). */
static long
span(const char *a, const char *b)
{
	struct tm	ta = { 0 }, tb = { 0 };

	cr_assert(strptime(a, "%Y-%m-%dT%H:%M:%S", &ta) != NULL, "%s", a);
	cr_assert(strptime(b, "%Y-%m-%dT%H:%M:%S", &tb) != NULL, "%s", b);
	return (long)(timegm(&tb) - timegm(&ta));
}

static void
wait_log(const char *needle, int timeout_ms)
{
	int	waited;

	for (waited = 0; waited < timeout_ms && !log_contains(&run, needle);
	    waited += 200)
		sleep_ms(200);
	cr_assert(log_contains(&run, needle), "no \"%s\" in the log", needle);
}

/* Wait until berthd counts activity now (26 minutes on). */
static void
wait_active(const char *id)
{
	json_t	*ws = NULL;
	long	 idle_s = 0;
	int	 waited;

	for (waited = 0; waited < 90000; waited += 250) {
		json_decref(ws);
		ws = get(id);
		idle_s = span(harness_jstr(ws, "createdAt"),
		    harness_jstr(ws, "lastActivityAt"));
		if (idle_s >= 26 * 60)
			break;
		sleep_ms(250);
	}
	json_decref(ws);
	cr_assert_geq(idle_s, 26 * 60, "workspace %s: no activity", id);
}

/* What the workspace's /beat answers, as code-server's /healthz. */
static void
heartbeat(const char *id, long long ms)
{
	json_t	*ws = get(id);

	cr_assert_eq(sh(NULL, "docker exec %s sh -c 'echo "
	    "\"{\\\"status\\\":\\\"alive\\\",\\\"lastHeartbeat\\\":%lld}\" "
	    "> /www/beat'", harness_jstr(ws, "containerId"), ms), 0);
	json_decref(ws);
}

/* Requests to the workspace from the host for about three seconds:
 * traffic that berthd counts as activity (at the end of the minute
 * the statswriter measures). */
static void
busy(const char *id)
{
	json_t	*ws = get(id);

	cr_assert_eq(sh(NULL, "for i in $(seq 30); do curl -s -o /dev/null "
	    "%s/; sleep 0.1; done", harness_jstr(ws, "url")), 0);
	json_decref(ws);
	wait_active(id);
}

/* GET /api/monitoring/events?query as token lists an event about
 * workspace wsid of that severity. */
static void
expect_event(const char *token, const char *query, const char *wsid,
    const char *severity)
{
	char	 path[200];
	json_t	*j, *e;
	size_t	 i;
	int	 found = 0;

	snprintf(path, sizeof(path), "/api/monitoring/events?%s", query);
	j = harness_call(&run, "GET", path, token, NULL, 200);
	cr_expect_str_eq(harness_jstr(j, "source"), "memory");
	json_array_foreach(json_object_get(j, "events"), i, e)
		if (strcmp(harness_jstr(e, "workspaceId"), wsid) == 0 &&
		    strcmp(harness_jstr(e, "severity"), severity) == 0)
			found = 1;
	cr_expect(found, "no %s event about %s for %s", query, wsid, path);
	json_decref(j);
}

/* ------------------------------------------------------------ tests */

Test(activity, idle_is_warned_then_stopped_while_used_ones_run)
{
	char	*idle, *beat, *ext, *held, *used, *own, *out, until[32];
	char	 line[200];
	json_t	*ws;
	time_t	 t;
	int	 i;

	harness_start(&run, config, clock_db, (uid_t)-1);
	wait_log("database ready", 60000);
	idle = running();
	beat = running();
	ext = running();
	held = running();
	used = running();
	own = running_as("beat");
	heartbeat(own, 1000);		/* the first answer: not activity */
	sleep_ms(3000);			/* polled every second */
	ws = get(idle);
	cr_expect_eq(span(harness_jstr(ws, "lastActivityAt"),
	    harness_jstr(ws, "autostopAt")), 30 * 60);
	json_decref(ws);

	/* 26 minutes on: the idle warning, for each one */
	clock_move(26 * 60);
	snprintf(line, sizeof(line), "workspace.idle_warning (warning): workspace %s",
	    idle);
	wait_log(line, 20000);
	json_decref(post(beat, "heartbeat", ALICE, NULL, 200));
	ws = post(ext, "extend", ALICE, "{\"minutes\":60}", 200);
	t = time(NULL) + 26 * 60 + 60 * 60;
	json_decref(ws);
	strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	snprintf(line, sizeof(line), "{\"until\":\"%s\"}", until);
	ws = post(held, "keepalive", ALICE, line, 200);
	cr_expect_eq(span(until, harness_jstr(ws, "autostopAt")), 0);
	json_decref(ws);
	busy(used);
	heartbeat(own, 2000);		/* the user did something */
	wait_active(own);

	/* 31 minutes on: the idle one stops, the others run */
	clock_move(5 * 60);
	ws = wait_status(idle, "stopped", 30000);
	cr_expect_str_eq(harness_jstr(ws, "shutdownReason"), "inactivity");
	json_decref(ws);
	sleep_ms(6000);			/* another tick of the timer */
	for (i = 0; i < 5; i++) {
		ws = get(i == 0 ? beat : i == 1 ? ext : i == 2 ? held : i == 3 ?
		    used : own);
		cr_expect_str_eq(harness_jstr(ws, "status"), "running");
		json_decref(ws);
	}
	cr_expect(log_contains(&run, "stopping (inactivity)"));
	expect_event(ALICE, "type=workspace.idle_warning", idle, "warning");
	expect_event(ALICE, "type=workspace.stopped&severity=info", idle,
	    "info");

	/* and the stop is recorded as the issue asks */
	out = NULL;
	for (i = 0; i < 120; i++) {
		free(out);
		sh(&out, "runuser -u berth -- psql -h %s/pgsock -d berth -At "
		    "-c \"select shutdown_reason from container_stats where "
		    "id = '%s'\" 2>&1", run.dir, idle);
		if (strcmp(out, "inactivity") == 0)
			break;
		sleep_ms(250);
	}
	cr_expect_str_eq(out, "inactivity");
	free(out);
	/* and the warning is in system_events ([events] persist = all) */
	cr_expect_eq(sh(&out, "runuser -u berth -- psql -h %s/pgsock -d berth "
	    "-At -c \"select severity from system_events where type = "
	    "'workspace.idle_warning' and details->>'workspaceId' = '%s'\" "
	    "2>&1", run.dir, idle), 0);
	cr_expect_str_eq(out, "warning");
	free(out);
	free(idle);
	free(beat);
	free(ext);
	free(held);
	free(used);
	free(own);
}

Test(activity, limits_and_bad_requests)
{
	static const char *const bad[] = {
		"/api/monitoring/events?limit=0",
		"/api/monitoring/events?limit=1001",
		"/api/monitoring/events?limit=ten",
		"/api/monitoring/events?severity=loud",
		"/api/monitoring/events?since=yesterday",
		"/api/monitoring/events?type=Workspace.Started",
		"/api/monitoring/events?type=a&type=b",
		"/api/monitoring/events?color=red",
	};
	char	*id, body[80];
	json_t	*ws;
	size_t	 i;
	time_t	 t;
	char	 until[32];

	harness_start(&run, config, test_clock, (uid_t)-1);
	id = running();
	/* events: one's own, never another user's; bad queries 400 */
	expect_event(ALICE, "type=workspace.started", id, "info");
	ws = harness_call(&run, "GET", "/api/monitoring/events?limit=1000",
	    BOB, NULL, 200);
	cr_expect_eq(json_array_size(json_object_get(ws, "events")), 0);
	json_decref(ws);
	json_decref(harness_call(&run, "GET", "/api/monitoring/events", NULL,
	    NULL, 401));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		json_decref(harness_call(&run, "GET", bad[i], ALICE, NULL,
		    400));
	/* within the 120-minute session: yes; beyond it: 422 */
	json_decref(post(id, "extend", ALICE, "{\"minutes\":60}", 200));
	json_decref(post(id, "extend", ALICE, "{\"minutes\":100}", 422));
	t = time(NULL) + 3 * 3600;
	strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	snprintf(body, sizeof(body), "{\"until\":\"%s\"}", until);
	json_decref(post(id, "keepalive", ALICE, body, 422));
	json_decref(post(id, "keepalive", ALICE,
	    "{\"until\":\"2001-01-01T00:00:00Z\"}", 422));
	/* bad bodies */
	json_decref(post(id, "extend", ALICE, "{\"minutes\":0}", 422));
	json_decref(post(id, "extend", ALICE, "{\"minutes\":\"5\"}", 422));
	json_decref(post(id, "keepalive", ALICE, "{\"until\":\"soon\"}",
	    422));
	json_decref(post(id, "keepalive", ALICE, "{\"until\":"
	    "\"2026-13-01T00:00:00Z\"}", 422));
	json_decref(post(id, "extend", ALICE, "not json", 400));
	/* somebody else's, or nobody's: 404; no token: 401 */
	json_decref(post(id, "heartbeat", BOB, NULL, 404));
	json_decref(post(id, "extend", BOB, "{\"minutes\":5}", 404));
	json_decref(post("0b0b0b0b-0000-4000-8000-000000000000", "heartbeat",
	    ALICE, NULL, 404));
	json_decref(post(id, "heartbeat", NULL, NULL, 401));
	/* a stopped workspace: 409 */
	snprintf(body, sizeof(body), "/api/workspaces/%s", id);
	json_decref(harness_call(&run, "DELETE", body, ALICE, NULL, 200));
	json_decref(post(id, "heartbeat", ALICE, NULL, 409));
	free(id);
}

/* The inactive-containers job (age_min 60) stops a workspace of a type
 * without idle_timeout_min after an hour without activity, not one
 * with a heartbeat. */
Test(activity, inactive_containers_job)
{
	char	*idle, *used;
	json_t	*j, *ws;

	harness_start(&run, config, test_clock, (uid_t)-1);
	idle = running_as("plain");
	used = running_as("plain");
	ws = get(idle);
	/* no idle timeout: the autostop is the end of the 120-min session */
	cr_expect_eq(span(harness_jstr(ws, "startedAt"),
	    harness_jstr(ws, "autostopAt")), 120 * 60);
	json_decref(ws);
	clock_move(61 * 60);
	json_decref(post(used, "heartbeat", ALICE, NULL, 200));
	json_decref(harness_call(&run, "POST",
	    "/api/monitoring/jobs/inactive-containers/run", ALICE, NULL, 403));
	j = harness_call(&run, "POST", "/api/workspaces/cleanup", ADMIN, NULL,
	    200);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(j,
	    "counts"), "inactiveContainers")), 1);
	json_decref(j);
	ws = wait_status(idle, "stopped", 30000);
	cr_expect_str_eq(harness_jstr(ws, "shutdownReason"), "inactivity");
	json_decref(ws);
	ws = get(used);
	cr_expect_str_eq(harness_jstr(ws, "status"), "running");
	json_decref(ws);
	cr_expect(log_contains(&run, "no activity for 60 min; reason "
	    "inactivity"));
	free(idle);
	free(used);
}
