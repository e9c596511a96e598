/*
 * Notifications (issue 14 point 4) against real peers: webhook
 * receivers over HTTP and HTTPS (a CA of the test's own, a host name
 * resolved by berthd) get seed 001's payload and Alertmanager's webhook
 * v4 payload, signed as Standard Webhooks says; a 500 and a 429 with
 * Retry-After are retried under one webhook-id, a 400 fails at once
 * with an event, a receiver below its severity hears nothing; a
 * delivery pending when berthd stops is made after it starts again,
 * exactly once; a real Alertmanager shows the alert, has it back after
 * its own restart within a re-send interval, and drops it once
 * resolved; amtool routes berth's alerts by severity.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "berthd.h"
#include "harness.h"
#include "receiver.h"

#define ADMIN	"it-ntf-admin-0123456789"
#define ALICE	"it-ntf-alice-0123456789"
#define SECRET	"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

/* memory_usage_percent >= 0 always holds: the first snapshot fires it
 * (severity error), and it resolves only by hand. */
#define BASE_CONFIG \
    "[token.alice]\ntoken = " ALICE "\nuser = it-ntf-alice\n" \
    "[alert.memory-usage]\nthreshold = 0\nresolve = -1\nfor_s = 0\n" \
    "severity = error\n" \
    "[alert.cpu-usage]\nenabled = false\n" \
    "[job.metrics]\nschedule = 0 0 1 1 *\n" \
    "[job.monitoring]\nschedule = 0 0 1 1 *\n" \
    "[auth]\nadmin_token = " ADMIN "\n"

static struct berthd_run	 run;
static struct receiver		*rcv[3];
static char			 tmp[] = "/tmp/berth-ntf-XXXXXX";
static pid_t			 am_pid;

static void
cleanup(void)
{
	int	i;

	harness_cleanup(&run);
	for (i = 0; i < 3; i++)
		if (rcv[i] != NULL)
			rcv_stop(rcv[i]);
	if (am_pid > 0)
		kill(am_pid, SIGKILL);
	sh(NULL, "rm -rf %s", tmp);
}

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(tmp));
	chmod(tmp, 0755);
}

TestSuite(notify, .init = setup, .fini = cleanup, .timeout = 180);

/* ------------------------------------------------------------ helpers */

/* A CA and a certificate for localhost and 127.0.0.1 signed by it. */
static void
make_certs(void)
{
	char	*out;

	cr_assert_eq(sh(&out, "cd %s && openssl req -x509 -newkey rsa:2048 "
	    "-nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=berth-test-ca "
	    ">/dev/null 2>&1 && openssl req -newkey rsa:2048 -nodes "
	    "-keyout srv.key -out srv.csr -subj /CN=localhost >/dev/null 2>&1 "
	    "&& printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > ext "
	    "&& openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key "
	    "-CAcreateserial -out srv.pem -days 2 -extfile ext 2>&1 && "
	    "chmod 644 ca.pem", tmp), 0, "%s", out);
	free(out);
}

static json_t *
fire(void)
{
	json_t	*j = harness_run_job(&run, ADMIN, "metrics", 1), *all, *a;

	json_decref(j);
	all = harness_call(&run, "GET", "/api/monitoring/alerts", ADMIN, NULL,
	    200);
	a = json_array_get(json_object_get(all, "alerts"), 0);
	cr_assert_not_null(a, "no alert fired");
	cr_assert_str_eq(harness_jstr(a, "state"), "firing");
	json_incref(a);
	json_decref(all);
	return a;
}

static void
resolve(json_t *alert)
{
	char	path[96];

	snprintf(path, sizeof(path), "/api/monitoring/alerts/%lld/resolve",
	    (long long)json_integer_value(json_object_get(alert, "id")));
	json_decref(harness_call(&run, "POST", path, ADMIN,
	    "{\"resolution\":\"looked into it\"}", 200));
}

static json_t *
hit_json(struct receiver *r, int i, struct rcv_hit *h)
{
	json_t	*j;

	cr_assert(rcv_hit(r, i, h), "no hit %d", i);
	cr_assert_not_null(j = json_loads(h->body, 0, NULL), "%s", h->body);
	return j;
}

/* The delivery of receiver among the admin's list (json_decref it). */
static json_t *
delivery_of(const char *receiver, const char *event)
{
	json_t	*all, *d;
	size_t	 i;

	all = harness_call(&run, "GET", "/api/monitoring/notifications",
	    ADMIN, NULL, 200);
	json_array_foreach(json_object_get(all, "notifications"), i, d)
		if (strcmp(harness_jstr(d, "receiver"), receiver) == 0 &&
		    strcmp(harness_jstr(d, "event"), event) == 0) {
			json_incref(d);
			json_decref(all);
			return d;
		}
	json_decref(all);
	return NULL;
}

/* Wait until the delivery is in state. */
static json_t *
wait_delivery(const char *receiver, const char *event, const char *state)
{
	json_t	*d = NULL;
	int	 i;

	for (i = 0; i < 150; i++) {
		if ((d = delivery_of(receiver, event)) != NULL &&
		    strcmp(harness_jstr(d, "state"), state) == 0)
			return d;
		json_decref(d);
		sleep_ms(100);
	}
	cr_assert_fail("delivery to %s of %s never %s", receiver, event,
	    state);
	return NULL;
}

/* ------------------------------------------------------------ webhooks */

Test(notify, webhooks_both_formats_signed_retried_and_filtered)
{
	static const int	 plain_script[] = { 500, 429 };
	struct rcv_hit		 h[4];
	char			 cert[128], key[128], config[2048], sig[128];
	json_t			*alert, *j, *d;
	int			 i;

	make_certs();
	snprintf(cert, sizeof(cert), "%s/srv.pem", tmp);
	snprintf(key, sizeof(key), "%s/srv.key", tmp);
	rcv[0] = rcv_start(NULL, NULL);
	rcv[1] = rcv_start(cert, key);
	rcv[2] = rcv_start(NULL, NULL);
	rcv_script(rcv[0], plain_script, 2, 200);
	rcv_script(rcv[2], NULL, 0, 400);
	snprintf(config, sizeof(config), BASE_CONFIG
	    "[notify]\nca_file = %s/ca.pem\nbackoff_max_s = 2\n"
	    "[notify.plain]\nurl = http://127.0.0.1:%d/hook/plain\n"
	    "severity = warning\nsecret = " SECRET "\n"
	    "[notify.tls]\nurl = https://localhost:%d/hook/tls\n"
	    "severity = error\nformat = alertmanager\n"
	    "[notify.rude]\nurl = http://127.0.0.1:%d/hook/rude\n"
	    "severity = info\n"
	    "[notify.quiet]\nurl = http://127.0.0.1:%d/hook/quiet\n"
	    "severity = critical\n", tmp, rcv_port(rcv[0]),
	    rcv_port(rcv[1]), rcv_port(rcv[2]), rcv_port(rcv[0]));
	harness_start(&run, config, NULL, (uid_t)-1);
	alert = fire();

	/* plain: 500, 429 (Retry-After: 1), 200, one webhook-id, signed */
	cr_assert_eq(rcv_wait(rcv[0], 3, 20000), 3);
	for (i = 0; i < 3; i++) {
		json_decref(j = hit_json(rcv[0], i, &h[i]));
		cr_expect_str_eq(h[i].path, "/hook/plain");
		cr_expect_str_eq(h[i].id, h[0].id);
		notify_sign(SECRET, h[i].id, atoll(h[i].ts), h[i].body, sig,
		    sizeof(sig));
		cr_expect_str_eq(h[i].sig, sig, "attempt %d", i);
	}
	cr_expect_geq(h[2].at_ms - h[1].at_ms, 950, "Retry-After ignored: "
	    "%llu ms", (unsigned long long)(h[2].at_ms - h[1].at_ms));
	j = hit_json(rcv[0], 2, &h[3]);
	cr_expect_str_eq(harness_jstr(j, "type"), "alert.firing");
	cr_expect_str_eq(harness_jstr(j, "severity"), "error");
	cr_expect_str_eq(harness_jstr(j, "service"), "berth");
	cr_expect_str_eq(harness_jstr(json_object_get(j, "data"), "rule"),
	    "memory-usage");
	json_decref(j);
	for (i = 0; i < 4; i++)
		free(h[i].body);

	/* tls: webhook v4 over HTTPS to localhost, unsigned */
	cr_assert_eq(rcv_wait(rcv[1], 1, 10000), 1);
	j = hit_json(rcv[1], 0, &h[0]);
	cr_expect_str_eq(h[0].path, "/hook/tls");
	cr_expect_str_eq(h[0].sig, "");
	cr_expect_str_eq(harness_jstr(j, "version"), "4");
	cr_expect_str_eq(harness_jstr(j, "status"), "firing");
	cr_expect_str_eq(harness_jstr(j, "receiver"), "tls");
	cr_expect_str_eq(harness_jstr(json_object_get(json_array_get(
	    json_object_get(j, "alerts"), 0), "labels"), "alertname"),
	    "memory-usage");
	json_decref(j);
	free(h[0].body);

	/* rude: 400 once, failed, an event */
	d = wait_delivery("rude", "alert.firing", "failed");
	cr_expect_eq(json_integer_value(json_object_get(d, "attempts")), 1);
	cr_expect_eq(json_integer_value(json_object_get(d, "status")), 400);
	json_decref(d);
	j = harness_call(&run, "GET", "/api/monitoring/events?type="
	    "notify.failed", ADMIN, NULL, 200);
	cr_expect_eq(json_array_size(json_object_get(j, "events")), 1);
	json_decref(j);
	d = wait_delivery("plain", "alert.firing", "delivered");
	cr_expect_eq(json_integer_value(json_object_get(d, "attempts")), 3);
	json_decref(d);
	cr_expect_null(delivery_of("quiet", "alert.firing"));

	/* resolved: each hears it again, under a new id */
	resolve(alert);
	cr_assert_eq(rcv_wait(rcv[0], 4, 10000), 4);
	j = hit_json(rcv[0], 3, &h[3]);
	cr_expect_str_eq(harness_jstr(j, "type"), "alert.resolved");
	cr_expect_str_neq(h[3].id, h[2].id);
	json_decref(j);
	free(h[3].body);
	cr_assert_eq(rcv_wait(rcv[1], 2, 10000), 2);
	j = hit_json(rcv[1], 1, &h[1]);
	cr_expect_str_eq(harness_jstr(j, "status"), "resolved");
	json_decref(j);
	free(h[1].body);
	sleep_ms(1500);
	cr_expect_eq(rcv_count(rcv[2]), 2, "a 400 was retried");
	for (i = 0; i < rcv_count(rcv[0]); i++) {
		cr_assert(rcv_hit(rcv[0], i, &h[0]));
		cr_expect_str_neq(h[0].path, "/hook/quiet");
		free(h[0].body);
	}
	json_decref(alert);

	/* the list is the admin's; its parameter is checked */
	json_decref(harness_call(&run, "GET", "/api/monitoring/notifications",
	    ALICE, NULL, 403));
	json_decref(harness_call(&run, "GET", "/api/monitoring/notifications",
	    NULL, NULL, 401));
	json_decref(harness_call(&run, "GET",
	    "/api/monitoring/notifications?limit=0", ADMIN, NULL, 400));
	json_decref(harness_call(&run, "GET",
	    "/api/monitoring/notifications?since=1", ADMIN, NULL, 400));
}

Test(notify, a_delivery_pending_at_a_stop_is_made_after_the_start_once)
{
	struct rcv_hit	 h;
	char		 config[1024], path[160], *file, first[96];
	json_t		*d;
	int		 i, ok = 0;

	rcv[0] = rcv_start(NULL, NULL);
	rcv_script(rcv[0], NULL, 0, 503);
	snprintf(config, sizeof(config), BASE_CONFIG
	    "[notify]\nbackoff_max_s = 1\nmax_attempts = 100\n"
	    "[notify.ops]\nurl = http://127.0.0.1:%d/ops\n",
	    rcv_port(rcv[0]));
	harness_start(&run, config, NULL, (uid_t)-1);
	json_decref(fire());
	cr_assert_geq(rcv_wait(rcv[0], 2, 10000), 2);
	cr_assert_geq(harness_stop(&run, SIGTERM, 30000), 0);
	snprintf(path, sizeof(path), "%s/notify.outbox", run.dir);
	cr_assert_not_null(file = read_file(path));
	cr_expect(strstr(file, "\"receiver\":\"ops\"") != NULL, "%s", file);
	free(file);

	rcv_script(rcv[0], NULL, 0, 200);
	harness_restart(&run, NULL);
	d = wait_delivery("ops", "alert.firing", "delivered");
	json_decref(d);
	sleep_ms(2500);
	/* one message: the same webhook-id before and after, one 200 */
	for (i = 0; i < rcv_count(rcv[0]); i++) {
		cr_assert(rcv_hit(rcv[0], i, &h));
		if (i == 0)
			snprintf(first, sizeof(first), "%s", h.id);
		cr_expect_str_eq(h.id, first);
		ok += h.status == 200;
		free(h.body);
	}
	cr_expect_eq(ok, 1, "delivered %d times", ok);
	cr_expect_eq(access(path, F_OK), 0);
	cr_assert_not_null(file = read_file(path));
	cr_expect_str_eq(file, "[]");
	free(file);
}

/* ------------------------------------------------------------ Alertmanager */

static void
am_start(int port)
{
	char	*out;

	cr_assert_eq(sh(&out, "cd %s && mkdir -p am && printf 'route:\\n  "
	    "receiver: none\\nreceivers:\\n  - name: none\\n' > am.yml && "
	    "(prometheus-alertmanager --config.file=am.yml "
	    "--storage.path=am --web.listen-address=127.0.0.1:%d "
	    "--cluster.listen-address= >>am.log 2>&1 & echo $!)", tmp, port),
	    0, "%s", out);
	am_pid = (pid_t)atoi(out);
	free(out);
	cr_assert_gt(am_pid, 0);
}

/* Whether Alertmanager lists an active alert named name, waiting up to
 * timeout_ms for it to be want. */
static int
am_has(int port, const char *name, int want, int timeout_ms)
{
	char	*out, needle[96];
	int	 has = -1, waited;

	snprintf(needle, sizeof(needle), "\"alertname\":\"%s\"", name);
	for (waited = 0; waited <= timeout_ms; waited += 250) {
		out = NULL;
		if (sh(&out, "curl -s http://127.0.0.1:%d/api/v2/alerts", port)
		    == 0)
			has = strstr(out, needle) != NULL;
		free(out);
		if (has == want)
			break;
		sleep_ms(250);
	}
	return has;
}

Test(notify, alertmanager_shows_it_has_it_back_and_drops_it)
{
	char	 config[1024], *out;
	json_t	*alert;
	int	 port = harness_free_port();

	am_start(port);
	snprintf(config, sizeof(config), BASE_CONFIG
	    "[alertmanager]\nurls = http://127.0.0.1:%d\nresend_s = 2\n",
	    port);
	harness_start(&run, config, NULL, (uid_t)-1);
	alert = fire();
	cr_assert_eq(am_has(port, "memory-usage", 1, 15000), 1,
	    "the alert never reached Alertmanager");
	/* Alertmanager keeps alerts in memory: after a restart they come
	 * back with berthd's next re-send */
	kill(am_pid, SIGTERM);
	cr_assert_eq(sh(NULL, "timeout 10 tail --pid=%d -f /dev/null",
	    (int)am_pid), 0);
	am_start(port);
	cr_assert_eq(am_has(port, "memory-usage", 1, 10000), 1,
	    "not back after Alertmanager's restart");
	resolve(alert);
	json_decref(alert);
	cr_expect_eq(am_has(port, "memory-usage", 0, 10000), 0,
	    "still active in Alertmanager once resolved");
	cr_expect_eq(sh(&out, "curl -s http://127.0.0.1:%d/api/v2/alerts",
	    port), 0);
	free(out);
}

Test(notify, amtool_routes_berths_alerts_by_severity)
{
	static const char *const cases[][2] = { { "critical", "pager" },
	    { "error", "pager" }, { "warning", "chat" }, { "info", "default" } };
	char	*out;
	size_t	 i;

	for (i = 0; i < 4; i++) {
		cr_assert_eq(sh(&out, "amtool config routes test "
		    "--config.file=%s/contrib/alertmanager/alertmanager.yml "
		    "severity=%s alertname=memory-usage service=berth "
		    "2>/dev/null", BERTH_SRCDIR, cases[i][0]), 0, "%s", out);
		cr_expect(strncmp(out, cases[i][1], strlen(cases[i][1])) == 0,
		    "%s: %s", cases[i][0], out);
		free(out);
	}
}
