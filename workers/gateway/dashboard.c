/*
 * Seed 001's summaries (issue 14, point 5), each joined from answers
 * the gateway asks for at once, with the caller's token (so a user
 * token sees its own workspaces, alerts and events, and no part that
 * is the admin's):
 *   GET /api/monitoring/health	   the health summary: status, uptime,
 *				   the engine, sessions by health, alerts
 *   GET /api/monitoring/dashboard  that, plus sessions by tier and
 *				   status, recent alerts and events, the
 *				   jobs and the key metrics' last hour
 *   GET /api/monitoring/sessions/{id}/metrics?minutes=&limit=
 *				   one workspace's recent samples
 * status is critical when the engine is down, a session is critical or
 * a critical alert fires; warning when a session is, an alert of
 * severity warning or error fires, or a worker is not up; else healthy.
 */
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"
#include "ipc.h"
#include "util.h"
#include "worker.h"
#include "wscheck.h"
#include "xmalloc.h"

#define RECENT_ALERTS	10
#define RECENT_EVENTS	20
#define TREND_MS	(3600LL * 1000)
#define MINUTES_MAX	1440
#define SAMPLES_MAX	1000

enum part { P_STATUS, P_SESSIONS, P_ALERTS, P_EVENTS, P_JOBS, P_TRENDS,
    P_MAX };

static const char *const part_names[P_MAX] = { "health", "sessions",
    "alerts", "events", "jobs", "trends" };

static const char *const trend_names[] = { "active_sessions",
    "critical_sessions", "total_alerts", "cpu_usage_percent",
    "memory_usage_percent", NULL };

struct fan;

struct slot {
	struct fan	*f;
	enum part	 p;
	uint32_t	 id;
};

/* One summary waiting for its answers. */
struct fan {
	struct worker		*w;
	struct evhttp_request	*req;
	int			 dashboard;
	int			 outstanding;
	struct slot		 slots[P_MAX];
	json_t			*parts[P_MAX];	/* NULL: not asked or failed */
	char			 error[P_MAX][24];	/* the code, if failed */
	/* what the status is made of */
	int			 engine_up, workers_up;
	json_int_t		 uptime_s;
	json_int_t		 sess_critical, sess_warning;
	json_int_t		 firing[4];	/* by severity */
};

static const char *const severities[] = { "info", "warning", "error",
    "critical" };

static void
fan_free(struct fan *f)
{
	size_t	i;

	for (i = 0; i < P_MAX; i++) {
		if (f->slots[i].id != 0)
			worker_cancel(f->w, f->slots[i].id);
		json_decref(f->parts[i]);
	}
	if (f->req != NULL)
		conns_closecb(f->req, NULL, NULL);
	free(f);
}

static void
fan_closed(struct evhttp_connection *conn, void *arg)
{
	struct fan	*f = arg;

	f->req = NULL;
	fan_free(f);
}

/* ------------------------------------------------------------ parts */

static json_t *
status_part(struct fan *f, const struct body_status *st)
{
	size_t	i;

	f->engine_up = st->docker_up;
	f->workers_up = st->all_up;
	f->uptime_s = st->uptime_ms / 1000;
	for (i = 0; i < st->nworkers; i++)
		if (strcmp(st->workers[i].state, "up") != 0)
			f->workers_up = 0;
	return json_pack("{s:s,s:I,s:s,s:s}", "version", st->version,
	    "uptimeSeconds", f->uptime_s, "engine", st->docker_up ? "up" :
	    "down", "workers", f->workers_up ? "up" : "degraded");
}

static void
count_in(json_t *o, const char *key)
{
	json_object_set_new(o, key, json_integer(json_integer_value(
	    json_object_get(o, key)) + 1));
}

static json_t *
sessions_part(struct fan *f, const struct body_ws_items *b)
{
	json_t	*o = sessions_summary(b), *tiers = json_object(),
		*states = json_object();
	size_t	 i;

	f->sess_critical = json_integer_value(json_object_get(o, "critical"));
	f->sess_warning = json_integer_value(json_object_get(o, "warning"));
	for (i = 0; i < b->nitems; i++) {
		count_in(states, b->items[i].status);
		if (b->items[i].session_health[0] != '\0')
			count_in(tiers, b->items[i].tier);
	}
	json_object_set_new(o, "total", json_integer((json_int_t)b->nitems));
	if (f->dashboard) {
		json_object_set_new(o, "byTier", tiers);
		json_object_set_new(o, "byStatus", states);
	} else {
		json_decref(tiers);
		json_decref(states);
	}
	return o;
}

static json_t *
alerts_part(struct fan *f, const struct body_alerts *b)
{
	json_t		*recent = json_array();
	json_int_t	 pending = 0;
	size_t		 i, j;

	for (i = 0; i < b->nitems; i++) {
		if (strcmp(b->items[i].state, "firing") != 0) {
			pending++;
			continue;
		}
		for (j = 0; j < 4; j++)
			if (strcmp(b->items[i].severity, severities[j]) == 0)
				f->firing[j]++;
		if (json_array_size(recent) < RECENT_ALERTS)
			json_array_append_new(recent, alert_json(&b->items[i]));
	}
	return json_pack("{s:I,s:I,s:I,s:{s:I,s:I,s:I,s:I},s:o}", "active",
	    f->firing[0] + f->firing[1] + f->firing[2] + f->firing[3],
	    "pending", pending, "critical", f->firing[3], "bySeverity",
	    "info", f->firing[0], "warning", f->firing[1], "error",
	    f->firing[2], "critical", f->firing[3], "recent", recent);
}

static json_t *
events_part(const struct body_events *b)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < b->nitems; i++)
		json_array_append_new(a, event_json(&b->items[i]));
	return a;
}

static json_t *
jobs_part(const struct body_jobs *b)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < b->nitems; i++)
		json_array_append_new(a, job_json(&b->items[i]));
	return a;
}

/* One metric's points of the last hour (b is newest first). */
static json_t *
trend(const struct body_sysmetrics *b, const char *name, int64_t since)
{
	json_t	*pts = json_array();
	double	 v, sum = 0, lo = INFINITY, hi = -INFINITY, last = NAN;
	size_t	 i, n = 0;
	char	 t[32];

	for (i = b->nrows; i-- > 0; ) {
		if (strcmp(b->rows[i].name, name) != 0 ||
		    b->rows[i].ts_ms < since)
			continue;
		v = last = b->rows[i].value;
		sum += v;
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
		n++;
		json_array_append_new(pts, json_pack("{s:s,s:f}", "time",
		    iso8601_ms((uint64_t)b->rows[i].ts_ms, t, sizeof(t)),
		    "value", v));
	}
	if (n == 0)
		return json_pack("{s:n,s:n,s:n,s:n,s:i,s:o}", "latest", "min",
		    "max", "avg", "count", 0, "points", pts);
	return json_pack("{s:f,s:f,s:f,s:f,s:I,s:o}", "latest", last, "min",
	    lo, "max", hi, "avg", sum / (double)n, "count", (json_int_t)n,
	    "points", pts);
}

static json_t *
trends_part(const struct body_sysmetrics *b)
{
	json_t		*o = json_object();
	int64_t		 since = (int64_t)wall_ms() - TREND_MS;
	const char	*const *n;

	for (n = trend_names; *n != NULL; n++)
		json_object_set_new(o, *n, trend(b, *n, since));
	return o;
}

/* ------------------------------------------------------------ the end */

static const char *
overall(const struct fan *f)
{
	if (!f->engine_up || f->sess_critical > 0 || f->firing[3] > 0)
		return "critical";
	if (f->sess_warning > 0 || f->firing[1] > 0 || f->firing[2] > 0 ||
	    !f->workers_up)
		return "warning";
	return "healthy";
}

static void
finish(struct fan *f)
{
	json_t	*o, *missing = json_array();
	char	 t[32];
	size_t	 i;

	for (i = 0; i < P_MAX; i++)
		if (strcmp(f->error[i], "unauthorized") == 0) {
			api_error(f->req, &(struct ipc_error){ "unauthorized",
			    "a valid bearer token is needed" });
			json_decref(missing);
			fan_free(f);
			return;
		}
	if (f->parts[P_STATUS] == NULL || f->parts[P_SESSIONS] == NULL) {
		http_error(f->req, 503, "unavailable", "berthd did not answer");
		json_decref(missing);
		fan_free(f);
		return;
	}
	o = json_pack("{s:s,s:s}", "status", overall(f), "timestamp",
	    iso8601_ms(wall_ms(), t, sizeof(t)));
	for (i = 0; i < P_MAX; i++) {
		if (!f->dashboard && i > P_ALERTS)
			break;
		if (f->error[i][0] != '\0' && strcmp(f->error[i],
		    "forbidden") != 0)
			json_array_append_new(missing,
			    json_string(part_names[i]));
		json_object_set(o, part_names[i], f->parts[i] != NULL ?
		    f->parts[i] : json_null());
	}
	json_object_set_new(o, "unavailable", missing);
	http_reply_json(f->req, 200, o);
	fan_free(f);
}

static void
got(struct slot *s, struct msg *reply, const char *code)
{
	struct fan	*f = s->f;

	s->id = 0;
	if (reply == NULL)
		snprintf(f->error[s->p], sizeof(f->error[0]), "%s", code);
	else switch (s->p) {
	case P_STATUS:
		f->parts[s->p] = status_part(f, reply->body);
		break;
	case P_SESSIONS:
		f->parts[s->p] = sessions_part(f, reply->body);
		break;
	case P_ALERTS:
		f->parts[s->p] = alerts_part(f, reply->body);
		break;
	case P_EVENTS:
		f->parts[s->p] = events_part(reply->body);
		break;
	case P_JOBS:
		f->parts[s->p] = jobs_part(reply->body);
		break;
	default:
		f->parts[s->p] = trends_part(reply->body);
	}
	if (--f->outstanding == 0)
		finish(f);
}

static void
got_ipc(struct worker *w, struct msg *reply, const struct ipc_error *err,
    void *arg)
{
	got(arg, err == NULL ? reply : NULL, err != NULL ? err->code : "");
}

static void
got_status(struct worker *w, struct msg *reply, void *arg)
{
	got(arg, reply != NULL && reply->type == MSG_STATUS ? reply : NULL,
	    "unavailable");
}

static void
ask(struct fan *f, enum part p, const char *tok)
{
	struct body_events_req	 q;
	struct slot		*s = &f->slots[p];
	struct worker		*w = f->w;

	s->f = f;
	s->p = p;
	switch (p) {
	case P_STATUS:
		s->id = worker_ask(w, MSG_STATUS_REQ, PEER_PARENT, got_status,
		    s);
		break;
	case P_SESSIONS:
		s->id = ipc_ws_list(w, tok, got_ipc, s);
		break;
	case P_ALERTS:
		s->id = ipc_alerts(w, tok, 0, got_ipc, s);
		break;
	case P_EVENTS:
		memset(&q, 0, sizeof(q));
		q.limit = RECENT_EVENTS;
		s->id = ipc_events(w, PEER_PARENT, tok, &q, got_ipc, s);
		break;
	case P_JOBS:
		s->id = ipc_jobs(w, tok, "", got_ipc, s);
		break;
	default:
		s->id = ipc_mpoints(w, tok, "", SAMPLES_MAX, got_ipc, s);
	}
	if (s->id != 0)
		f->outstanding++;
	else
		snprintf(f->error[p], sizeof(f->error[0]), "unavailable");
}

static void
fan_start(struct worker *w, struct evhttp_request *req, int dashboard)
{
	struct fan	*f;
	const char	*tok;
	int		 p, n = dashboard ? P_MAX : P_ALERTS + 1;

	if ((tok = api_token(req)) == NULL)
		return;
	f = xcalloc(1, sizeof(*f));
	f->w = w;
	f->req = req;
	f->dashboard = dashboard;
	for (p = 0; p < n; p++)
		ask(f, (enum part)p, tok);
	if (f->outstanding == 0) {
		if (worker_calls_full()) {
			evhttp_add_header(evhttp_request_get_output_headers(
			    req), "Retry-After", "1");
			http_error(req, 429, "busy", "too many requests in "
			    "flight; retry");
		} else
			http_error(req, 503, "unavailable", "cannot reach "
			    "berthd");
		fan_free(f);
		return;
	}
	conns_closecb(req, fan_closed, f);
}

void
api_mon_health(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	fan_start(w, req, 0);
}

void
api_dashboard(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	fan_start(w, req, 1);
}

/* ------------------------------------------------------------ samples */

static void
samples_done(struct worker *w, struct evhttp_request *req, struct msg *m,
    void *arg)
{
	struct body_metrics	*b = m->body;
	json_t			*a = json_array();
	size_t			 i;

	for (i = 0; i < b->nrows; i++)
		json_array_append_new(a, metric_json(&b->rows[i]));
	http_reply_json(req, 200, json_pack("{s:s,s:o,s:I,s:s}", "sessionId",
	    (const char *)arg, "metrics", a, "count", (json_int_t)b->nrows,
	    "source", b->source));
	free(arg);
}

/* The value of key in kv, dflt when absent; -1 when bad. */
static int64_t
param(struct evkeyvalq *kv, const char *key, int64_t dflt, int64_t max)
{
	const char	*s = evhttp_find_header(kv, key);

	return s == NULL ? dflt : http_number(s, max);
}

void
api_session_metrics(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	static const char *const keys[] = { "minutes", "limit", NULL };
	struct evkeyvalq	 kv;
	const char		*tok;
	int64_t			 minutes = -1, limit = -1;
	struct call		*c;

	if ((tok = api_token(req)) == NULL)
		return;
	if (!ws_valid_id(params[0], 0)) {
		http_error(req, 404, "not_found", "no such workspace");
		return;
	}
	if (http_query_parse(req, keys, &kv) == 0) {
		minutes = param(&kv, "minutes", 60, MINUTES_MAX);
		limit = param(&kv, "limit", 100, SAMPLES_MAX);
	}
	evhttp_clear_headers(&kv);
	if (minutes == -1 || limit == -1) {
		http_error(req, 400, "bad_request", "parameters: minutes (1 to "
		    "%d, default 60) and limit (1 to %d, default 100)",
		    MINUTES_MAX, SAMPLES_MAX);
		return;
	}
	c = api_call_new(w, req, samples_done, xstrdup(params[0]), free);
	api_call_sent(c, ipc_ws_metrics(w, tok, params[0], (int64_t)wall_ms() -
	    minutes * 60000, limit, api_ipc_done, c));
}
