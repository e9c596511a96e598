/*
 * Silences and breaker events (issue 14, points 1 and 3) against a
 * real berthd and a real webhook receiver: a silence mutes the
 * notifications of the alerts it matches (the alert fires and shows
 * the silence), survives a restart of berthd, and once expired lets
 * the firing notification go; bad silences are 422 and create nothing,
 * a user token is 403, an unknown id 404, expiring twice 409; berthctl
 * adds, lists and expires them.  A dependency's circuit breaker
 * opening, half-opening and closing are events.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "receiver.h"

#define ADMIN	"it-sil-admin-0123456789"
#define ALICE	"it-sil-alice-0123456789"

/* memory_usage_percent >= 0 always holds: the first snapshot fires it
 * (severity error); it resolves only by hand. */
#define BASE_CONFIG \
    "[token.alice]\ntoken = " ALICE "\nuser = it-sil-alice\n" \
    "[alert.memory-usage]\nthreshold = 0\nresolve = -1\nfor_s = 0\n" \
    "severity = error\n" \
    "[alert.cpu-usage]\nenabled = false\n" \
    "[job.metrics]\nschedule = 0 0 1 1 *\n" \
    "[job.monitoring]\nschedule = 0 0 1 1 *\n" \
    "[auth]\nadmin_token = " ADMIN "\n"

static struct berthd_run	 run;
static struct receiver		*rcv;
static pid_t			 httpd = -1;
static char			 tmp[] = "/tmp/berth-sil-XXXXXX";

static void
cleanup(void)
{
	harness_cleanup(&run);
	if (rcv != NULL)
		rcv_stop(rcv);
	if (httpd > 0)
		kill(httpd, SIGKILL);
	sh(NULL, "rm -rf %s", tmp);
}

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(tmp));
}

TestSuite(silences, .init = setup, .fini = cleanup, .timeout = 180);

/* ------------------------------------------------------------ helpers */

static const char *
in_an_hour(char *buf, size_t len, int s)
{
	time_t		t = time(NULL) + s;
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

static json_t *
call(const char *method, const char *path, const char *token,
    const char *body, int expect)
{
	return harness_call(&run, method, path, token, body, expect);
}

/* The memory-usage alert, fired by a snapshot (json_decref it). */
static json_t *
fire(long n)
{
	json_t	*all, *a;

	json_decref(harness_run_job(&run, ADMIN, "metrics", n));
	all = call("GET", "/api/monitoring/alerts", ADMIN, NULL, 200);
	a = json_array_get(json_object_get(all, "alerts"), 0);
	cr_assert_not_null(a, "no alert fired");
	cr_assert_str_eq(harness_jstr(a, "state"), "firing");
	json_incref(a);
	json_decref(all);
	return a;
}

static size_t
deliveries(void)
{
	json_t	*j = call("GET", "/api/monitoring/notifications", ADMIN, NULL,
	    200);
	size_t	 n = json_array_size(json_object_get(j, "notifications"));

	json_decref(j);
	return n;
}

static size_t
silence_count(void)
{
	json_t	*j = call("GET", "/api/monitoring/silences", ADMIN, NULL, 200);
	size_t	 n = json_array_size(json_object_get(j, "silences"));

	json_decref(j);
	return n;
}

/* ------------------------------------------------------------ silences */

Test(silences, bad_silences_are_refused_and_nothing_is_made)
{
	char	 config[1024], end[32], past[32], body[512];
	size_t	 i;
	const char *const bad[] = {
		"{\"matchers\":[],\"endsAt\":\"%s\",\"comment\":\"c\"}",
		"{\"matchers\":[{\"name\":\"bogus\",\"value\":\"x\"}],"
		    "\"endsAt\":\"%s\",\"comment\":\"c\"}",
		"{\"matchers\":[{\"name\":\"alertname\",\"value\":\"(\","
		    "\"isRegex\":true}],\"endsAt\":\"%s\",\"comment\":\"c\"}",
		"{\"matchers\":[{\"name\":\"alertname\",\"value\":\".*\","
		    "\"isRegex\":true}],\"endsAt\":\"%s\",\"comment\":\"c\"}",
		"{\"matchers\":[{\"name\":\"alertname\",\"value\":\"x\"}],"
		    "\"endsAt\":\"%s\"}",
		"{\"matchers\":[{\"name\":\"alertname\",\"value\":\"x\","
		    "\"isEqual\":\"yes\"}],\"endsAt\":\"%s\",\"comment\":\"c\"}",
		"{\"id\":\"x\",\"matchers\":[{\"name\":\"alertname\","
		    "\"value\":\"x\"}],\"endsAt\":\"%s\",\"comment\":\"c\"}",
		"{\"matchers\":[{\"name\":\"alertname\",\"value\":\"x\"}],"
		    "\"endsAt\":\"yesterday%s\",\"comment\":\"c\"}",
	};

	snprintf(config, sizeof(config), "%s", BASE_CONFIG);
	harness_start(&run, config, NULL, (uid_t)-1);
	in_an_hour(end, sizeof(end), 3600);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(body, sizeof(body), bad[i], end);
		json_decref(call("POST", "/api/monitoring/silences", ADMIN, body,
		    422));
	}
	/* over: its end has passed; or it ends before it starts */
	snprintf(body, sizeof(body), "{\"matchers\":[{\"name\":\"alertname\","
	    "\"value\":\"x\"}],\"endsAt\":\"%s\",\"comment\":\"c\"}",
	    in_an_hour(past, sizeof(past), -60));
	json_decref(call("POST", "/api/monitoring/silences", ADMIN, body,
	    422));
	snprintf(body, sizeof(body), "{\"matchers\":[{\"name\":\"alertname\","
	    "\"value\":\"x\"}],\"startsAt\":\"%s\",\"endsAt\":\"%s\","
	    "\"comment\":\"c\"}", end, in_an_hour(past, sizeof(past), 60));
	json_decref(call("POST", "/api/monitoring/silences", ADMIN, body,
	    422));
	/* the admin's */
	snprintf(body, sizeof(body), "{\"matchers\":[{\"name\":\"alertname\","
	    "\"value\":\"x\"}],\"endsAt\":\"%s\",\"comment\":\"c\"}", end);
	json_decref(call("POST", "/api/monitoring/silences", ALICE, body,
	    403));
	json_decref(call("POST", "/api/monitoring/silences", NULL, body,
	    401));
	json_decref(call("GET", "/api/monitoring/silences", ALICE, NULL, 403));
	cr_expect_eq(silence_count(), 0);
	json_decref(call("GET", "/api/monitoring/silences/"
	    "0b7f1c1e-0000-4000-8000-000000000000", ADMIN, NULL, 404));
	json_decref(call("GET", "/api/monitoring/silences/../../etc", ADMIN,
	    NULL, 404));
	json_decref(call("DELETE", "/api/monitoring/silences/"
	    "0b7f1c1e-0000-4000-8000-000000000000", ADMIN, NULL, 404));
}

Test(silences, a_silence_mutes_until_it_expires_and_survives_a_restart)
{
	char	 config[1024], end[32], body[512], path[128], sid[64], *out;
	json_t	*s, *a;

	rcv = rcv_start(NULL, NULL);
	snprintf(config, sizeof(config), BASE_CONFIG
	    "[notify.hook]\nurl = http://127.0.0.1:%d/hook\nseverity = info\n",
	    rcv_port(rcv));
	harness_start(&run, config, NULL, (uid_t)-1);
	snprintf(body, sizeof(body), "{\"matchers\":[{\"name\":\"alertname\","
	    "\"value\":\"memory-usage\"},{\"name\":\"severity\",\"value\":"
	    "\"warn.*|error\",\"isRegex\":true},{\"name\":\"workspace\","
	    "\"value\":\"\"}],\"endsAt\":\"%s\",\"createdBy\":\"ops\","
	    "\"comment\":\"host maintenance\"}",
	    in_an_hour(end, sizeof(end), 3600));
	s = call("POST", "/api/monitoring/silences", ADMIN, body, 201);
	snprintf(sid, sizeof(sid), "%s", harness_jstr(s, "id"));
	cr_expect_str_eq(harness_jstr(json_object_get(s, "status"), "state"),
	    "active");
	cr_expect_str_eq(harness_jstr(s, "createdBy"), "ops");
	cr_expect_str_eq(harness_jstr(s, "author"), "admin");
	cr_expect_eq(json_array_size(json_object_get(s, "matchers")), 3);
	json_decref(s);

	/* it fires, muted: the alert shows the silence, nobody is told */
	a = fire(1);
	cr_expect_str_eq(harness_jstr(a, "silencedBy"), sid);
	json_decref(a);
	sleep_ms(2000);
	cr_expect_eq(rcv_count(rcv), 0);
	cr_expect_eq(deliveries(), 0);

	/* a restart keeps the silence, and the new alert is muted too */
	cr_assert_geq(harness_stop(&run, SIGTERM, 30000), 0);
	harness_restart(&run, NULL);
	snprintf(path, sizeof(path), "/api/monitoring/silences/%s", sid);
	s = call("GET", path, ADMIN, NULL, 200);
	cr_expect_str_eq(harness_jstr(s, "comment"), "host maintenance");
	json_decref(s);
	json_decref(fire(1));
	sleep_ms(2000);
	cr_expect_eq(rcv_count(rcv), 0);

	/* berthctl: add, list, expire its own */
	cr_assert_eq(sh(&out, "%s/berthctl -s %s silence add -c 'from cli' "
	    "-d 30m alertname=other 'user!~it-.*' --json", BERTH_BUILDDIR,
	    run.sock), 0, "%s", out);
	cr_expect_not_null(strstr(out, "\"from cli\""), "%s", out);
	free(out);
	cr_expect_eq(silence_count(), 2);
	cr_assert_eq(sh(&out, "%s/berthctl -s %s silence list", BERTH_BUILDDIR,
	    run.sock), 0, "%s", out);
	cr_expect_not_null(strstr(out, sid), "%s", out);
	cr_expect_not_null(strstr(out, "user!~it-.*"), "%s", out);
	free(out);
	cr_expect_neq(sh(&out, "%s/berthctl -s %s silence add -c x bad",
	    BERTH_BUILDDIR, run.sock), 0);
	free(out);

	/* expired: the firing notification goes now, once */
	json_decref(call("DELETE", path, ALICE, NULL, 403));
	s = call("DELETE", path, ADMIN, NULL, 200);
	cr_expect_str_eq(harness_jstr(json_object_get(s, "status"), "state"),
	    "expired");
	json_decref(s);
	cr_assert_eq(rcv_wait(rcv, 1, 10000), 1, "no notification after the "
	    "silence expired");
	json_decref(call("DELETE", path, ADMIN, NULL, 409));
	cr_expect_neq(sh(&out, "%s/berthctl -s %s silence expire %s --json",
	    BERTH_BUILDDIR, run.sock, sid), 0, "%s", out);
	free(out);
	a = call("GET", "/api/monitoring/alerts", ADMIN, NULL, 200);
	cr_expect_str_eq(harness_jstr(json_array_get(json_object_get(a,
	    "alerts"), 0), "silencedBy"), "");
	json_decref(a);
	sleep_ms(1000);
	cr_expect_eq(rcv_count(rcv), 1);
}

/* ------------------------------------------------------------ breakers */

/* Whether an event of type is among the admin's. */
static int
has_event(const char *type)
{
	char	 path[128];
	json_t	*j;
	size_t	 n;

	snprintf(path, sizeof(path), "/api/monitoring/events?type=%s", type);
	j = call("GET", path, ADMIN, NULL, 200);
	n = json_array_size(json_object_get(j, "events"));
	json_decref(j);
	return n > 0;
}

static int
wait_event(const char *type, int timeout_ms)
{
	int	waited;

	for (waited = 0; waited < timeout_ms; waited += 200) {
		if (has_event(type))
			return 1;
		sleep_ms(200);
	}
	return 0;
}

Test(silences, a_breaker_opening_and_closing_are_events)
{
	char	 config[1024], www[160], addr[32];
	json_t	*j;
	int	 port = harness_free_port();

	snprintf(config, sizeof(config), BASE_CONFIG "[health]\n"
	    "check_interval_ms = 1000\nbreaker_failures = 2\n"
	    "breaker_cooldown_s = 2\n"
	    "dependencies = auth=http://127.0.0.1:%d/health\n", port);
	harness_start(&run, config, NULL, (uid_t)-1);
	cr_assert(wait_event("breaker.open", 15000), "no breaker.open event");
	j = call("GET", "/api/monitoring/events?type=breaker.open", ADMIN,
	    NULL, 200);
	cr_expect_str_eq(harness_jstr(json_array_get(json_object_get(j,
	    "events"), 0), "severity"), "warning");
	cr_expect_not_null(strstr(harness_jstr(json_array_get(json_object_get(
	    j, "events"), 0), "message"), "dep:auth"));
	json_decref(j);
	cr_expect(wait_event("breaker.half_open", 10000),
	    "no breaker.half_open event");
	snprintf(www, sizeof(www), "%s/www", tmp);
	cr_assert_eq(sh(NULL, "mkdir -p %s && echo ok > %s/health", www, www),
	    0);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	if ((httpd = fork()) == 0) {
		execlp("busybox", "busybox", "httpd", "-f", "-p", addr, "-h",
		    www, (char *)NULL);
		_exit(127);
	}
	cr_expect(wait_event("breaker.closed", 15000),
	    "no breaker.closed event once the dependency answered");
}
