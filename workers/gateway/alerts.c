/*
 * Seed 001's metrics and alerts (issue 14, points 2 and 3):
 * GET /api/monitoring/metrics?name=&limit= (the admin's: berthd's
 * recorded points, newest first), GET /api/monitoring/alerts[?all=true]
 * (a user token: the alerts of its own workspaces),
 * POST /api/monitoring/alerts/{id}/resolve {"resolution"} (the admin's)
 * and POST /api/monitoring/monitor (the monitoring job, now), and
 * GET /api/monitoring/notifications?limit= (the admin's: webhook
 * deliveries, issue 14 point 4).  The
 * gateway checks the shapes; berthd decides who sees what.
 */
#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"
#include "ipc.h"
#include "util.h"
#include "worker.h"
#include "xmalloc.h"

#define POINTS_LIMIT_DEFAULT	100
#define POINTS_LIMIT_MAX	1000
#define RESOLUTION_MAX		1000

json_t *
point_json(const struct sysmetric_item *p)
{
	char	 t[32];
	json_t	*tags = json_loads(p->tags, 0, NULL);

	return json_pack("{s:s,s:f,s:o,s:s}", "name", p->name, "value",
	    p->value, "tags", tags != NULL ? tags : json_object(), "time",
	    iso8601_ms((uint64_t)p->ts_ms, t, sizeof(t)));
}

static void
points_done(struct worker *w, struct evhttp_request *req, struct msg *m,
    void *arg)
{
	struct body_sysmetrics	*b = m->body;
	json_t			*a = json_array();
	size_t			 i;

	for (i = 0; i < b->nrows; i++)
		json_array_append_new(a, point_json(&b->rows[i]));
	http_reply_json(req, 200, json_pack("{s:o,s:I,s:s}", "metrics", a,
	    "count", (json_int_t)b->nrows, "source", "memory"));
}

static int
metric_name_ok(const char *s)
{
	size_t	n = strlen(s);

	return n > 0 && n <= 63 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "0123456789_") == n;
}

void
api_mpoints(struct worker *w, struct evhttp_request *req, char params[][128])
{
	static const char *const keys[] = { "name", "limit", NULL };
	struct evkeyvalq	 kv;
	const char		*tok, *name, *lim;
	int64_t			 limit = POINTS_LIMIT_DEFAULT;
	struct call		*c;

	if ((tok = api_token(req)) == NULL)
		return;
	if (http_query_parse(req, keys, &kv) == -1 ||
	    ((name = evhttp_find_header(&kv, "name")) != NULL &&
	    !metric_name_ok(name)) ||
	    ((lim = evhttp_find_header(&kv, "limit")) != NULL &&
	    (limit = http_number(lim, POINTS_LIMIT_MAX)) == -1)) {
		http_error(req, 400, "bad_request", "parameters: name (1 to 63 "
		    "of [a-z0-9_]) and limit (1 to %d)", POINTS_LIMIT_MAX);
		evhttp_clear_headers(&kv);
		return;
	}
	c = api_call_new(w, req, points_done, NULL, NULL);
	api_call_sent(c, ipc_mpoints(w, tok, name != NULL ? name : "", limit,
	    api_ipc_done, c));
	evhttp_clear_headers(&kv);
}

static json_t *
opt_str(const char *s)
{
	return s[0] != '\0' ? json_string(s) : json_null();
}

json_t *
alert_json(const struct alert_item *a)
{
	char	 t[3][32];

	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:f,s:f,s:{s:o,s:o},"
	    "s:s,s:o,s:o,s:o,s:o,s:o}",
	    "id", (json_int_t)a->id, "rule", a->rule, "severity",
	    a->severity, "state", a->state, "message", a->message,
	    "metric", a->metric, "value", a->value, "threshold",
	    a->threshold, "labels", "workspace", opt_str(a->workspace_id),
	    "user", opt_str(a->user_id),
	    "since", iso8601_ms((uint64_t)a->since_ms, t[0], sizeof(t[0])),
	    "firedAt", a->fired_ms != 0 ? json_string(iso8601_ms(
	    (uint64_t)a->fired_ms, t[1], sizeof(t[1]))) : json_null(),
	    "resolvedAt", a->resolved_ms != 0 ? json_string(iso8601_ms(
	    (uint64_t)a->resolved_ms, t[2], sizeof(t[2]))) : json_null(),
	    "resolvedBy", opt_str(a->resolved_by),
	    "resolution", opt_str(a->resolution),
	    "silencedBy", opt_str(a->silenced_by != NULL ? a->silenced_by :
	    ""));
}

static void
alerts_done(struct worker *w, struct evhttp_request *req, struct msg *m,
    void *arg)
{
	struct body_alerts	*b = m->body;
	json_t			*a = json_array();
	size_t			 i;

	for (i = 0; i < b->nitems; i++)
		json_array_append_new(a, alert_json(&b->items[i]));
	http_reply_json(req, 200, json_pack("{s:o,s:I}", "alerts", a,
	    "count", (json_int_t)b->nitems));
}

void
api_alerts(struct worker *w, struct evhttp_request *req, char params[][128])
{
	static const char *const keys[] = { "all", NULL };
	struct evkeyvalq	 kv;
	const char		*tok, *all;
	struct call		*c;

	if ((tok = api_token(req)) == NULL)
		return;
	if (http_query_parse(req, keys, &kv) == -1 ||
	    ((all = evhttp_find_header(&kv, "all")) != NULL &&
	    strcmp(all, "true") != 0 && strcmp(all, "false") != 0)) {
		http_error(req, 400, "bad_request", "the one parameter is "
		    "all=true or all=false");
		evhttp_clear_headers(&kv);
		return;
	}
	c = api_call_new(w, req, alerts_done, NULL, NULL);
	api_call_sent(c, ipc_alerts(w, tok, all != NULL && strcmp(all,
	    "true") == 0, api_ipc_done, c));
	evhttp_clear_headers(&kv);
}

static void
resolved_done(struct worker *w, struct evhttp_request *req, struct msg *m,
    void *arg)
{
	struct body_alerts	*b = m->body;

	if (b->nitems != 1) {
		http_error(req, 502, "internal", "unexpected answer");
		return;
	}
	http_reply_json(req, 200, alert_json(&b->items[0]));
}

void
api_alert_resolve(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	const char	*tok, *why;
	json_t		*o, *v;
	int64_t		 id;
	struct call	*c;

	if ((tok = api_token(req)) == NULL)
		return;
	if ((id = http_number(params[0], INT64_MAX)) == -1) {
		http_error(req, 404, "not_found", "no such alert");
		return;
	}
	if ((o = read_body(req)) == NULL)
		return;
	v = json_object_get(o, "resolution");
	why = json_string_value(v);
	if (why == NULL || why[0] == '\0' || strlen(why) > RESOLUTION_MAX)
		http_error(req, 422, "invalid", "resolution must be a string "
		    "of 1 to %d bytes", RESOLUTION_MAX);
	else {
		c = api_call_new(w, req, resolved_done, NULL, NULL);
		api_call_sent(c, ipc_alert_resolve(w, tok, id, why,
		    api_ipc_done, c));
	}
	json_decref(o);
}

/* ------------------------------------------------------------ notifications */

static json_t *
notify_json(const struct notify_item *n)
{
	char	t[3][32];

	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:I,s:o,s:o,s:s,s:o,s:o}",
	    "seq", (json_int_t)n->seq, "id", n->id, "receiver", n->receiver,
	    "alert", n->alert, "event", n->event, "state", n->state,
	    "attempts", (json_int_t)n->attempts,
	    "status", n->status != 0 ? json_integer(n->status) : json_null(),
	    "error", opt_str(n->error),
	    "createdAt", iso8601_ms((uint64_t)n->created_ms, t[0],
	    sizeof(t[0])),
	    "nextAttemptAt", n->next_ms != 0 ? json_string(iso8601_ms(
	    (uint64_t)n->next_ms, t[1], sizeof(t[1]))) : json_null(),
	    "doneAt", n->done_ms != 0 ? json_string(iso8601_ms(
	    (uint64_t)n->done_ms, t[2], sizeof(t[2]))) : json_null());
}

static void
notifies_done(struct worker *w, struct evhttp_request *req, struct msg *m,
    void *arg)
{
	struct body_notifies	*b = m->body;
	json_t			*a = json_array();
	size_t			 i;

	for (i = 0; i < b->nitems; i++)
		json_array_append_new(a, notify_json(&b->items[i]));
	http_reply_json(req, 200, json_pack("{s:o,s:I}", "notifications", a,
	    "count", (json_int_t)b->nitems));
}

/* GET /api/monitoring/notifications?limit= (the admin's): the webhook
 * deliveries, pending ones first, newest first. */
void
api_notifications(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	static const char *const keys[] = { "limit", NULL };
	struct evkeyvalq	 kv;
	const char		*tok, *lim;
	int64_t			 limit = POINTS_LIMIT_DEFAULT;
	struct call		*c;

	if ((tok = api_token(req)) == NULL)
		return;
	if (http_query_parse(req, keys, &kv) == -1 ||
	    ((lim = evhttp_find_header(&kv, "limit")) != NULL &&
	    (limit = http_number(lim, POINTS_LIMIT_MAX)) == -1)) {
		http_error(req, 400, "bad_request", "the one parameter is "
		    "limit (1 to %d)", POINTS_LIMIT_MAX);
		evhttp_clear_headers(&kv);
		return;
	}
	c = api_call_new(w, req, notifies_done, NULL, NULL);
	api_call_sent(c, ipc_notifications(w, tok, limit, api_ipc_done, c));
	evhttp_clear_headers(&kv);
}
