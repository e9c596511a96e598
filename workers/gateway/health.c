/*
 * GET /api/health and /ready: berthd's status (version, uptime, the
 * worker table) and healthmon's latest round of checks, asked for at
 * once and joined.  overall is unhealthy when a required check is
 * (the Docker Engine, the database unless there is none, a worker),
 * degraded when any other check is not healthy, else healthy; /ready
 * answers 503 in the first case or while a worker is not up.  Should
 * healthmon not answer, the checks berthd's status allows stand in.
 *
 * Anonymous callers see status only: /ready its status and the names
 * of what fails, /api/health without a token overall and a time; the
 * details (pids, uids, restarts, errors, versions) are the admin
 * token's.  Both anonymous views are served from a snapshot at most
 * [server] anonymous_cache_ms old, so that a flood of them asks berthd
 * nothing more.
 */
#include <event2/http.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "gateway.h"
#include "ipc.h"
#include "util.h"
#include "worker.h"
#include "xmalloc.h"

enum hmode { H_READY, H_ANON, H_FULL };

/* The anonymous views as last answered (H_READY, H_ANON). */
static struct snapshot {
	int		 code;
	char		*text;
	uint64_t	 at_ms;
	int		 refreshing;
} snaps[2];

/* One health request waiting for berthd and healthmon. */
struct hreq {
	struct worker		*w;
	struct evhttp_request	*req;
	enum hmode		 mode;
	int			 outstanding;
	uint32_t		 status_id, report_id;
	json_t			*status;	/* berthd: version, uptime, ... */
	json_t			*workers;	/* berthd's worker table */
	json_t			*checks;	/* healthmon's, or stand-ins */
	int			 all_up;
};

static void
hreq_free(struct hreq *h)
{
	if (h->mode != H_FULL)
		snaps[h->mode].refreshing = 0;
	if (h->status_id != 0)
		worker_cancel(h->w, h->status_id);
	if (h->report_id != 0)
		worker_cancel(h->w, h->report_id);
	if (h->req != NULL)
		conns_closecb(h->req, NULL, NULL);
	json_decref(h->status);
	json_decref(h->workers);
	json_decref(h->checks);
	free(h);
}

static void
hreq_closed(struct evhttp_connection *conn, void *arg)
{
	struct hreq	*h = arg;

	h->req = NULL;
	hreq_free(h);
}

/* ------------------------------------------------------------ checks */

static json_t *
check_json(const struct check_item *c)
{
	char	 ts[40];
	json_t	*d = json_loads(c->details, 0, NULL);

	if (!json_is_object(d)) {
		json_decref(d);
		d = json_object();
	}
	return json_pack("{s:s,s:s,s:o,s:o,s:b,s:{s:s,s:I},s:o,s:o}",
	    "name", c->name, "status", c->status,
	    "responseTime", c->response_ms >= 0 ?
	    json_integer((json_int_t)c->response_ms) : json_null(),
	    "details", d, "required", c->required,
	    "breaker", "state", c->breaker, "failures",
	    (json_int_t)c->failures,
	    "lastCheck", c->checked_ms > 0 ? json_string(iso8601_ms(
	    (uint64_t)c->checked_ms, ts, sizeof(ts))) : json_null(),
	    "error", c->error[0] != '\0' ? json_string(c->error) :
	    json_null());
}

/* healthmon did not answer: what berthd's status says, and healthmon
 * itself unhealthy. */
static json_t *
standin_checks(struct hreq *h)
{
	json_t		*a = json_array(), *wj;
	const char	*state;
	size_t		 i;

	json_array_append_new(a, json_pack("{s:s,s:s,s:b,s:s}", "name",
	    "docker", "status", json_is_true(json_object_get(h->status,
	    "dockerUp")) ? "healthy" : "unhealthy", "required", 1, "error",
	    "from berthd's status: healthmon did not answer"));
	json_array_foreach(h->workers, i, wj) {
		state = json_string_value(json_object_get(wj, "state"));
		json_array_append_new(a, json_pack("{s:O,s:s,s:b}", "name",
		    json_object_get(wj, "name"), "status",
		    strcmp(state, "up") == 0 && strcmp(json_string_value(
		    json_object_get(wj, "name")), "healthmon") != 0 ?
		    "healthy" : "unhealthy", "required", 1));
	}
	return a;
}

/* The summary of checks; *overall healthy, degraded or unhealthy. */
static json_t *
summary(json_t *checks, const char **overall)
{
	json_t		*c;
	const char	*st;
	size_t		 i;
	json_int_t	 n[3] = { 0, 0, 0 }, rt = 0;
	int		 required_down = 0;

	json_array_foreach(checks, i, c) {
		st = json_string_value(json_object_get(c, "status"));
		if (strcmp(st, "healthy") == 0)
			n[0]++;
		else if (strcmp(st, "degraded") == 0)
			n[1]++;
		else {
			n[2]++;
			required_down |= json_is_true(json_object_get(c,
			    "required"));
		}
		rt += json_integer_value(json_object_get(c, "responseTime"));
	}
	*overall = required_down ? "unhealthy" : n[1] + n[2] > 0 ?
	    "degraded" : "healthy";
	return json_pack("{s:I,s:I,s:I,s:I,s:I}", "total", n[0] + n[1] + n[2],
	    "healthy", n[0], "degraded", n[1], "unhealthy", n[2],
	    "responseTime", rt);
}

/* The worker table with each worker's check joined in. */
static void
join_workers(json_t *workers, json_t *checks)
{
	json_t		*wj, *c;
	size_t		 i, j;
	const char	*name;

	json_array_foreach(workers, i, wj) {
		name = json_string_value(json_object_get(wj, "name"));
		json_object_set_new(wj, "responsive", json_false());
		json_object_set_new(wj, "responseTimeMs", json_null());
		json_array_foreach(checks, j, c) {
			if (strcmp(json_string_value(json_object_get(c,
			    "name")), name) != 0)
				continue;
			json_object_set_new(wj, "responsive", json_boolean(
			    strcmp(json_string_value(json_object_get(c,
			    "status")), "healthy") == 0));
			json_object_set(wj, "responseTimeMs",
			    json_object_get(c, "responseTime"));
		}
	}
}

/* berthd's table is live, healthmon's round may be seconds old: a
 * worker that is not up now is unhealthy now. */
static void
live_workers(json_t *workers, json_t *checks)
{
	json_t		*wj, *c;
	const char	*state;
	size_t		 i, j;

	json_array_foreach(workers, i, wj) {
		state = json_string_value(json_object_get(wj, "state"));
		if (strcmp(state, "up") == 0)
			continue;
		json_array_foreach(checks, j, c) {
			if (!json_equal(json_object_get(c, "name"),
			    json_object_get(wj, "name")))
				continue;
			json_object_set_new(c, "status",
			    json_string("unhealthy"));
			json_object_set_new(c, "error", json_sprintf("worker "
			    "is %s (berthd)", state));
		}
	}
}

static json_t *
database_state(json_t *checks)
{
	json_t	*c;
	size_t	 i;

	json_t	*st;

	json_array_foreach(checks, i, c) {
		if (strcmp(json_string_value(json_object_get(c, "name")),
		    "database") != 0)
			continue;
		st = json_object_get(json_object_get(c, "details"), "state");
		if (st != NULL)
			return json_incref(st);
	}
	return json_null();
}

/* ------------------------------------------------------------ answer */

/* What fails, by name: required checks that are unhealthy and workers
 * that are not up. */
static json_t *
failing(struct hreq *h)
{
	json_t		*a = json_array(), *c;
	const char	*st;
	size_t		 i;

	json_array_foreach(h->checks, i, c) {
		st = json_string_value(json_object_get(c, "status"));
		if (json_is_true(json_object_get(c, "required")) &&
		    strcmp(st, "healthy") != 0 && strcmp(st, "degraded") != 0)
			json_array_append(a, json_object_get(c, "name"));
	}
	json_array_foreach(h->workers, i, c) {
		st = json_string_value(json_object_get(c, "state"));
		if (strcmp(st, "up") != 0)
			json_array_append(a, json_object_get(c, "name"));
	}
	return a;
}

/* An anonymous view: kept as the snapshot, then answered. */
static void
finish_anon(struct hreq *h, const char *overall)
{
	struct snapshot	*sn = &snaps[h->mode];
	json_t		*j;
	char		 ts[40];

	if (h->mode == H_ANON) {
		sn->code = 200;
		j = json_pack("{s:s,s:s}", "overall", overall, "timestamp",
		    iso8601_ms(wall_ms(), ts, sizeof(ts)));
	} else if (h->all_up && strcmp(overall, "unhealthy") != 0) {
		sn->code = 200;
		j = json_pack("{s:s}", "status", "ready");
	} else {
		sn->code = 503;
		j = json_pack("{s:s,s:o}", "status", "not ready", "failing",
		    failing(h));
	}
	free(sn->text);
	sn->text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	sn->at_ms = now_ms();
	http_reply_raw(h->req, sn->code, sn->text);
}

static void
finish(struct hreq *h)
{
	const char	*overall;
	json_t		*sum;
	char		 ts[40];

	if (h->checks == NULL)
		h->checks = standin_checks(h);
	live_workers(h->workers, h->checks);
	sum = summary(h->checks, &overall);
	if (h->mode != H_FULL) {
		json_decref(sum);
		finish_anon(h, overall);
		hreq_free(h);
		return;
	}
	join_workers(h->workers, h->checks);
	http_reply_json(h->req, 200, json_pack("{s:s,s:s,s:O,s:O,s:O,s:o,"
	    "s:O,s:o}", "overall", overall,
	    "timestamp", iso8601_ms(wall_ms(), ts, sizeof(ts)),
	    "uptime", json_object_get(h->status, "uptimeMs"),
	    "version", json_object_get(h->status, "version"),
	    "checks", h->checks, "summary", sum, "workers", h->workers,
	    "database", database_state(h->checks)));
	hreq_free(h);
}

static void
got_report(struct worker *w, struct msg *reply, void *arg)
{
	struct hreq			*h = arg;
	struct body_health_report	*r;
	size_t				 i;

	h->report_id = 0;
	if (reply != NULL && reply->type == MSG_HEALTH_REPORT) {
		r = reply->body;
		h->checks = json_array();
		for (i = 0; i < r->nchecks; i++)
			json_array_append_new(h->checks,
			    check_json(&r->checks[i]));
	}
	if (--h->outstanding == 0)
		finish(h);
}

static json_t *
worker_json(const struct worker_status *ws)
{
	return json_pack("{s:s,s:I,s:s,s:I,s:I,s:s,s:I,s:I}",
	    "name", ws->name, "pid", (json_int_t)ws->pid, "state", ws->state,
	    "uptimeMs", (json_int_t)ws->uptime_ms,
	    "restarts", (json_int_t)ws->restarts, "lastExit", ws->last_exit,
	    "uid", (json_int_t)ws->uid, "seccomp", (json_int_t)ws->seccomp);
}

static void
got_status(struct worker *w, struct msg *reply, void *arg)
{
	struct hreq		*h = arg;
	struct body_status	*st;
	size_t			 i;

	h->status_id = 0;
	if (reply == NULL || reply->type != MSG_STATUS) {
		http_error(h->req, 503, "unavailable",
		    "the supervisor did not answer");
		hreq_free(h);
		return;
	}
	st = reply->body;
	h->all_up = st->all_up;
	h->status = json_pack("{s:s,s:I,s:b}", "version", st->version,
	    "uptimeMs", (json_int_t)st->uptime_ms, "dockerUp", st->docker_up);
	for (i = 0; i < st->nworkers; i++)
		json_array_append_new(h->workers, worker_json(&st->workers[i]));
	if (--h->outstanding == 0)
		finish(h);
}

static uint32_t
ask(struct hreq *h, unsigned type, unsigned peer, worker_reply_cb cb)
{
	uint32_t	id;

	if ((id = worker_ask(h->w, type, peer, cb, h)) != 0)
		h->outstanding++;
	return id;
}

static void
health_start(struct worker *w, struct evhttp_request *req, enum hmode mode)
{
	struct hreq	*h = xcalloc(1, sizeof(*h));

	h->w = w;
	h->req = req;
	h->mode = mode;
	h->workers = json_array();
	if (mode != H_FULL)
		snaps[mode].refreshing = 1;
	if ((h->status_id = ask(h, MSG_STATUS_REQ, PEER_PARENT,
	    got_status)) == 0) {
		http_error(req, 503, "unavailable", "cannot reach berthd");
		hreq_free(h);
		return;
	}
	h->report_id = ask(h, MSG_HEALTH_REQ, PEER_HEALTHMON, got_report);
	conns_closecb(req, hreq_closed, h);
}

/* An anonymous view from its snapshot while it is fresh, or while
 * another request refreshes it; else this request refreshes it. */
static void
anonymous(struct worker *w, struct evhttp_request *req, enum hmode mode)
{
	struct snapshot	*sn = &snaps[mode];
	uint64_t	 age = now_ms() - sn->at_ms;

	if (sn->text != NULL && (age < (uint64_t)w->cfg.anonymous_cache_ms ||
	    sn->refreshing))
		http_reply_raw(req, sn->code, sn->text);
	else
		health_start(w, req, mode);
}

void
health_ready(struct worker *w, struct evhttp_request *req)
{
	anonymous(w, req, H_READY);
}

/* berthd says who holds the token: details for the admin only. */
static void
details_allowed(struct worker *w, struct evhttp_request *req, struct msg *m,
    void *arg)
{
	struct body_ident *id = m->body;

	if (!id->admin) {
		http_error(req, 403, "forbidden", "health details are for "
		    "the admin token");
		return;
	}
	health_start(w, req, H_FULL);
}

void
health_api(struct worker *w, struct evhttp_request *req)
{
	const char	*tok;
	struct call	*c;

	if (evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Authorization") == NULL) {
		anonymous(w, req, H_ANON);
		return;
	}
	if ((tok = api_token(req)) == NULL)
		return;
	c = api_call_new(w, req, details_allowed, NULL, NULL);
	api_call_sent(c, ipc_auth(w, tok, api_ipc_done, c));
}
