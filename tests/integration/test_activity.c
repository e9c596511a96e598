/*
 * Activity and autostop against the real Docker Engine, with the clock
 * the tests move (BERTH_TEST_CLOCK=1, `berthctl clock`): an idle demo
 * workspace is warned and then stopped with reason inactivity (in its
 * JSON and in container_stats) while a heartbeat, an extend and a
 * keepalive keep three others running; extend and keepalive stop at
 * the tier's maximum session (422); bad bodies 422; another user's
 * workspace 404.
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

static const char config[] =
    "[docker]\nstop_timeout_s = 2\n"
    "[token.alice]\ntoken = " ALICE "\nuser = it-act-alice\ntiers = free\n"
    "[token.bob]\ntoken = " BOB "\nuser = it-act-bob\ntiers = free\n"
    "[tier.free]\nmax_session_min = 120\n"
    "[type.demo]\nimage = berth/demo-workspace:latest\nport = 8080\n"
    "cpus = 0.5\nmemory_mb = 64\nmemory_reservation_mb = 32\n"
    "tiers = free\nnetwork = shared\nidle_timeout_min = 30\n"
    "idle_warning_min = 5\n"
    "health_cmd = wget -q -O /dev/null http://127.0.0.1:{port}/healthz"
    " || exit 1\n"
    "health_interval_s = 1\nhealth_timeout_s = 2\nhealth_retries = 3\n"
    "health_start_period_s = 0\nvolume_path = /workspace\n";

static const char *const test_clock[] = { "BERTH_TEST_CLOCK=1", NULL };
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

/* A running demo workspace of alice's; its id. */
static char *
running(void)
{
	json_t	*ws;
	char	*id;

	ws = harness_call(&run, "POST", "/api/workspaces", ALICE,
	    "{\"type\":\"demo\",\"tier\":\"free\"}", 201);
	id = strdup(harness_jstr(ws, "id"));
	json_decref(ws);
	json_decref(wait_status(id, "running", 60000));
	return id;
}

static void
clock_move(long s)
{
	char	*out;

	cr_assert_eq(sh(&out, "%s/berthctl -s %s clock %+ld 2>&1",
	    BERTH_BUILDDIR, run.sock, s), 0, "berthctl clock: %s", out);
	free(out);
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

/* ------------------------------------------------------------ tests */

Test(activity, idle_is_warned_then_stopped_while_used_ones_run)
{
	char	*idle, *beat, *ext, *held, *out, until[32], line[200];
	json_t	*ws;
	time_t	 t;
	int	 i;

	harness_start(&run, config, test_clock, (uid_t)-1);
	idle = running();
	beat = running();
	ext = running();
	held = running();
	ws = get(idle);
	cr_expect_eq(span(harness_jstr(ws, "lastActivityAt"),
	    harness_jstr(ws, "autostopAt")), 30 * 60);
	json_decref(ws);

	/* 26 minutes on: the idle warning, for each one */
	clock_move(26 * 60);
	snprintf(line, sizeof(line), "workspace.idle_warning: workspace %s",
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

	/* 31 minutes on: the idle one stops, the others run */
	clock_move(5 * 60);
	ws = wait_status(idle, "stopped", 30000);
	cr_expect_str_eq(harness_jstr(ws, "shutdownReason"), "inactivity");
	json_decref(ws);
	sleep_ms(6000);			/* another tick of the timer */
	for (i = 0; i < 3; i++) {
		ws = get(i == 0 ? beat : i == 1 ? ext : held);
		cr_expect_str_eq(harness_jstr(ws, "status"), "running");
		json_decref(ws);
	}
	cr_expect(log_contains(&run, "stopping (inactivity)"));

	/* and the stop is recorded as the issue asks */
	for (i = 0; i < 40; i++) {
		sh(&out, "runuser -u berth -- psql -h %s/pgsock -d berth -At "
		    "-c \"select shutdown_reason from container_stats where "
		    "id = '%s'\" 2>&1", run.dir, idle);
		if (strcmp(out, "inactivity") == 0)
			break;
		free(out);
		out = NULL;
		sleep_ms(250);
	}
	cr_expect_str_eq(out != NULL ? out : "", "inactivity");
	free(out);
	free(idle);
	free(beat);
	free(ext);
	free(held);
}

Test(activity, limits_and_bad_requests)
{
	char	*id, body[80];
	time_t	 t;
	char	 until[32];

	harness_start(&run, config, test_clock, (uid_t)-1);
	id = running();
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
