/*
 * Notification URLs (common/url.c) and what a notification says
 * (supervisord/notify_fmt.c): the Standard Webhooks signature against
 * the specification's example, seed 001's payload, Alertmanager's
 * webhook v4 payload and the alerts of POST /api/v2/alerts.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "berthd.h"
#include "url.h"

Test(url, accepts_the_usual_forms)
{
	struct url	u;
	char		err[200], auth[300];

	cr_assert_eq(url_parse("http://hooks.example.com/a/b?x=1", &u, err,
	    sizeof(err)), 0, "%s", err);
	cr_expect_eq(u.tls, 0);
	cr_expect_str_eq(u.host, "hooks.example.com");
	cr_expect_eq(u.port, 80);
	cr_expect_str_eq(u.path, "/a/b?x=1");
	cr_assert_eq(url_parse("https://10.0.0.7:8443", &u, err,
	    sizeof(err)), 0, "%s", err);
	cr_expect_eq(u.tls, 1);
	cr_expect_eq(u.port, 8443);
	cr_expect_str_eq(u.path, "/");
	url_authority(&u, auth, sizeof(auth));
	cr_expect_str_eq(auth, "10.0.0.7:8443");
	cr_assert_eq(url_parse("https://[::1]/h", &u, err, sizeof(err)), 0,
	    "%s", err);
	cr_expect_str_eq(u.host, "::1");
	cr_expect_eq(u.port, 443);
	url_authority(&u, auth, sizeof(auth));
	cr_expect_str_eq(auth, "[::1]");
}

Test(url, refuses_what_could_split_a_request)
{
	static const char *const bad[] = { "ftp://x/", "http://", "http:///p",
	    "http://a b/", "http://a/\r\nX: y", "http://u:p@host/",
	    "http://host/#frag", "http://host:0/", "http://host:65536/",
	    "http://host:8x/", "http://[::1/", "http://[zz]/", "http://h_st/",
	    "http://host:99999999999/", NULL };
	const char *const	*b;
	struct url		 u;
	char			 err[200];

	for (b = bad; *b != NULL; b++)
		cr_expect_eq(url_parse(*b, &u, err, sizeof(err)), -1, "%s", *b);
}

Test(url, lists)
{
	struct url	u[URL_LIST_MAX];
	char		err[200];

	cr_expect_eq(url_list(" http://a:9093 , https://b/am/ ,", u,
	    URL_LIST_MAX, err, sizeof(err)), 2, "%s", err);
	cr_expect_str_eq(u[1].path, "/am/");
	cr_expect_eq(url_list("", u, URL_LIST_MAX, err, sizeof(err)), 0);
	cr_expect_eq(url_list("http://a,ftp://b", u, URL_LIST_MAX, err,
	    sizeof(err)), -1);
	cr_expect(strstr(err, "ftp://b") != NULL, "%s", err);
}

/* The example of the Standard Webhooks specification. */
Test(notify, signs_as_standard_webhooks_does)
{
	char	sig[128];

	notify_sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	    "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
	    "{\"test\": 2432232314}", sig, sizeof(sig));
	cr_expect_str_eq(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

static struct alert_item
item(const char *state)
{
	struct alert_item it;

	memset(&it, 0, sizeof(it));
	it.id = 7;
	it.boot_ms = 1700000000000;
	it.rule = "workspace-oom";
	it.severity = "error";
	it.state = (char *)state;
	it.message = "workspace-oom workspace_oom is 1 (>= 1)";
	it.metric = "workspace_oom";
	it.value = 1;
	it.threshold = 1;
	it.workspace_id = "ws-1";
	it.user_id = "alice";
	it.since_ms = it.fired_ms = 1700000100000;
	it.resolved_ms = strcmp(state, "resolved") == 0 ? 1700000200000 : 0;
	it.resolved_by = "";
	it.resolution = "";
	return it;
}

Test(notify, seed_001s_payload)
{
	struct alert_item	 it = item("firing");
	char			*s = notify_body(&it, "berth", "alert.firing",
				    "ops", "msg_1");
	json_t			*j = json_loads(s, 0, NULL);

	cr_assert_not_null(j, "%s", s);
	cr_expect_str_eq(json_string_value(json_object_get(j, "id")),
	    "msg_1");
	cr_expect_str_eq(json_string_value(json_object_get(j, "alertId")),
	    "berthd:1700000000000:7");
	cr_expect_str_eq(json_string_value(json_object_get(j, "type")),
	    "alert.firing");
	cr_expect_str_eq(json_string_value(json_object_get(j, "severity")),
	    "error");
	cr_expect_str_eq(json_string_value(json_object_get(j, "service")),
	    "berth");
	cr_expect_str_eq(json_string_value(json_object_get(j, "timestamp")),
	    "2023-11-14T22:15:00.000Z");
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(j,
	    "data"), "workspaceId")), "ws-1");
	json_decref(j);
	free(s);
}

Test(notify, alertmanagers_webhook_v4_payload)
{
	struct alert_item	 it = item("resolved");
	char			*s = notify_body(&it, "alertmanager",
				    "alert.resolved", "ops", "msg_2");
	json_t			*j = json_loads(s, 0, NULL), *a;

	cr_assert_not_null(j, "%s", s);
	cr_expect_str_eq(json_string_value(json_object_get(j, "version")),
	    "4");
	cr_expect_str_eq(json_string_value(json_object_get(j, "status")),
	    "resolved");
	cr_expect_str_eq(json_string_value(json_object_get(j, "receiver")),
	    "ops");
	a = json_array_get(json_object_get(j, "alerts"), 0);
	cr_assert_not_null(a);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(a,
	    "labels"), "alertname")), "workspace-oom");
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(a,
	    "labels"), "user")), "alice");
	cr_expect_str_eq(json_string_value(json_object_get(a, "endsAt")),
	    "2023-11-14T22:16:40.000Z");
	cr_expect_eq(strlen(json_string_value(json_object_get(a,
	    "fingerprint"))), 16);
	json_decref(j);
	free(s);
}

Test(notify, alerts_for_alertmanager_end_four_resends_ahead)
{
	struct alert_item	 it[2] = { item("firing"), item("resolved") };
	char			*s = notify_am_body(it, 2, 1700000300000, 60);
	json_t			*j = json_loads(s, 0, NULL);

	cr_assert_not_null(j, "%s", s);
	cr_assert_eq(json_array_size(j), 2);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(j,
	    0), "endsAt")), "2023-11-14T22:22:20.000Z");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(j,
	    1), "endsAt")), "2023-11-14T22:16:40.000Z");
	json_decref(j);
	free(s);
}
