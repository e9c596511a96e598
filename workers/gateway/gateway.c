/*
 * The gateway worker: serves the HTTP API with evhttp on the listening
 * socket berthd bound for it.  It validates requests and answers them,
 * asking berthd over IPC for anything it does not own.  Chrooted, no
 * socket creation, no connect, no file opening.
 */
#include <sys/socket.h>
#include <sys/ioctl.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/util.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "gateway.h"
#include "log.h"
#include "util.h"
#include "worker.h"
#include "xmalloc.h"

static const int gateway_syscalls[] = {
	/* HTTP connections on the listener berthd handed over */
	SCMP_SYS(accept), SCMP_SYS(accept4), SCMP_SYS(getsockname),
	SCMP_SYS(getpeername), SCMP_SYS(setsockopt), SCMP_SYS(getsockopt),
};
static const struct sandbox_arg_rule gateway_rules[] = {
	{ SCMP_SYS(ioctl), 1, FIONREAD },	/* evbuffer_read */
};
const struct sandbox_policy gateway_policy = {
	"gateway", gateway_syscalls, SANDBOX_NELEM(gateway_syscalls),
	gateway_rules, SANDBOX_NELEM(gateway_rules)
};

struct gateway {
	struct evhttp	*http;
	uint64_t	 started_wall_ms;
};

struct pending;

/* One IPC request of a pending API request: the callback's argument. */
struct slot {
	struct pending	*p;
	unsigned	 peer;
};

/* One API request waiting for answers over IPC. */
struct pending {
	struct slot		 slots[PEER_MAX];
	struct worker		*w;
	struct evhttp_request	*req;
	int			 gone;		/* client closed the connection */
	int			 readiness;	/* /ready rather than /api/health */
	uint32_t		 ids[PEER_MAX];	/* requests in flight */
	int			 outstanding;
	json_t			*workers;	/* per-worker details */
	int			 all_up;
	int			 docker_up;
	json_t			*status;	/* berthd's answer */
	uint32_t		 db_id;		/* the statswriter's store */
	uint64_t		 db_sent_ms;
	json_t			*db;		/* its check, once answered */
};


/* ------------------------------------------------------------ pending */

static void
pending_free(struct pending *p)
{
	size_t	i;

	for (i = 0; i < PEER_MAX; i++)
		if (p->ids[i] != 0)
			worker_cancel(p->w, p->ids[i]);
	if (p->db_id != 0)
		worker_cancel(p->w, p->db_id);
	json_decref(p->db);
	if (!p->gone)
		evhttp_connection_set_closecb(
		    evhttp_request_get_connection(p->req), NULL, NULL);
	json_decref(p->workers);
	json_decref(p->status);
	free(p);
}

static void
pending_closed(struct evhttp_connection *conn, void *arg)
{
	struct pending *p = arg;

	p->gone = 1;
	pending_free(p);
}

static struct pending *
pending_new(struct worker *w, struct evhttp_request *req)
{
	struct pending *p = xcalloc(1, sizeof(*p));

	p->w = w;
	p->req = req;
	evhttp_connection_set_closecb(evhttp_request_get_connection(req),
	    pending_closed, p);
	return p;
}

/* ------------------------------------------------------------ health */

static json_t *
worker_json(const struct worker_status *ws)
{
	return json_pack("{s:s,s:I,s:s,s:I,s:I,s:s,s:I,s:I,s:n}",
	    "name", ws->name, "pid", (json_int_t)ws->pid, "state", ws->state,
	    "uptimeMs", (json_int_t)ws->uptime_ms,
	    "restarts", (json_int_t)ws->restarts, "lastExit", ws->last_exit,
	    "uid", (json_int_t)ws->uid, "seccomp", (json_int_t)ws->seccomp,
	    "responseTimeMs");
}

static json_t *
docker_check(struct pending *p)
{
	json_t *v = json_object_get(p->status, "dockerVersion");

	return json_pack("{s:s,s:s,s:n,s:{s:b,s:O}}", "name", "docker",
	    "status", p->docker_up ? "healthy" : "unhealthy", "responseTime",
	    "details", "reachable", p->docker_up, "version", v);
}

/* up: healthy; disabled (no persistence) and connecting: degraded;
 * down or no answer: unhealthy. */
static const char *
db_status_name(const char *state)
{
	if (strcmp(state, "up") == 0)
		return "healthy";
	if (strcmp(state, "disabled") == 0 || strcmp(state, "connecting") == 0)
		return "degraded";
	return "unhealthy";
}

static json_t *
db_check(const struct body_db_status *d, uint64_t rtt)
{
	char	ts[40];

	return json_pack("{s:s,s:s,s:I,s:{s:s,s:o,s:I,s:I,s:I,s:I,s:I,s:I,"
	    "s:I,s:I,s:I,s:o,s:{s:I,s:I},s:b}}", "name", "database",
	    "status", db_status_name(d->state), "responseTime", (json_int_t)rtt,
	    "details", "state", d->state,
	    "error", d->error[0] ? json_string(d->error) : json_null(),
	    "schemaVersion", (json_int_t)d->schema_version,
	    "queueDepth", (json_int_t)d->queue_depth,
	    "spoolBytes", (json_int_t)d->spool_bytes,
	    "spoolRecords", (json_int_t)d->spool_records,
	    "written", (json_int_t)d->written,
	    "dropped", (json_int_t)d->dropped,
	    "samples", (json_int_t)d->samples,
	    "appIntervalMs", (json_int_t)d->app_interval_ms,
	    "systemIntervalMs", (json_int_t)d->system_interval_ms,
	    "lastSampleAt", d->last_sample_ms > 0 ? json_string(iso8601_ms(
	    (uint64_t)d->last_sample_ms, ts, sizeof(ts))) : json_null(),
	    "memory", "samples", (json_int_t)d->memory_samples,
	    "lifecycle", (json_int_t)d->memory_lifecycle,
	    "persistent", strcmp(d->state, "disabled") != 0);
}

static json_t *
health_checks(struct pending *p, json_t **summary, int *healthy)
{
	json_t		*checks = json_array(), *wj;
	const char	*st;
	size_t		 i;
	int		 ok, nok = 0, nbad = 0, ndeg = 0;

	json_array_append_new(checks, docker_check(p));
	p->docker_up ? nok++ : nbad++;
	if (p->db == NULL)
		p->db = json_pack("{s:s,s:s,s:n,s:{s:s}}", "name", "database",
		    "status", "unhealthy", "responseTime", "details", "state",
		    "unknown: the statswriter did not answer");
	st = json_string_value(json_object_get(p->db, "status"));
	if (strcmp(st, "healthy") == 0)
		nok++;
	else if (strcmp(st, "degraded") == 0)
		ndeg++;
	else
		nbad++;
	json_array_append(checks, p->db);
	json_array_foreach(p->workers, i, wj) {
		ok = json_is_true(json_object_get(wj, "responsive"));
		ok ? nok++ : nbad++;
		json_array_append_new(checks, json_pack("{s:s,s:s,s:O,s:O}",
		    "name", json_string_value(json_object_get(wj, "name")),
		    "status", ok ? "healthy" : "unhealthy",
		    "responseTime", json_object_get(wj, "responseTimeMs"),
		    "details", wj));
	}
	*summary = json_pack("{s:i,s:i,s:i,s:i}", "total", nok + ndeg + nbad,
	    "healthy", nok, "degraded", ndeg, "unhealthy", nbad);
	*healthy = (nbad == 0 && ndeg == 0);
	return checks;
}

static void
health_finish(struct pending *p)
{
	json_t	*body, *checks, *summary;
	char	 ts[40];
	int	 healthy;

	if (p->readiness) {
		if (p->all_up)
			http_reply_json(p->req, 200, json_pack("{s:s}",
			    "status", "ready"));
		else
			http_reply_json(p->req, 503, json_pack("{s:s,s:O}",
			    "status", "not ready", "workers", p->workers));
		pending_free(p);
		return;
	}
	checks = health_checks(p, &summary, &healthy);
	body = json_pack("{s:s,s:s,s:O,s:O,s:o,s:o,s:O,s:O}",
	    "overall", healthy && p->all_up ? "healthy" : "degraded",
	    "timestamp", iso8601_ms(wall_ms(), ts, sizeof(ts)),
	    "uptime", json_object_get(p->status, "uptimeMs"),
	    "version", json_object_get(p->status, "version"),
	    "checks", checks, "summary", summary, "workers", p->workers,
	    "database", json_object_get(json_object_get(p->db, "details"),
	    "state"));
	http_reply_json(p->req, 200, body);
	pending_free(p);
}

static json_t *
worker_by_peer(struct pending *p, unsigned peer)
{
	return json_array_get(p->workers, peer - 1);
}

static void
health_pong(struct worker *w, struct msg *reply, void *arg)
{
	struct slot	*sl = arg;
	struct pending	*p = sl->p;
	json_t		*wj = worker_by_peer(p, sl->peer);
	uint64_t	 sent;

	p->ids[sl->peer] = 0;
	if (reply != NULL && reply->type == MSG_PONG) {
		sent = (uint64_t)((struct body_ping *)reply->body)->sent_ms;
		json_object_set_new(wj, "responsive", json_true());
		json_object_set_new(wj, "responseTimeMs",
		    json_integer((json_int_t)(now_ms() - sent)));
	} else
		json_object_set_new(wj, "responsive", json_false());
	if (--p->outstanding == 0)
		health_finish(p);
}

static void
health_db(struct worker *w, struct msg *reply, void *arg)
{
	struct pending	*p = arg;

	p->db_id = 0;
	if (reply != NULL && reply->type == MSG_DB_STATUS)
		p->db = db_check(reply->body, now_ms() - p->db_sent_ms);
	if (--p->outstanding == 0)
		health_finish(p);
}

/* The statswriter's store: database state, queue and spool. */
static void
health_ask_db(struct pending *p)
{
	struct msg	m;

	msg_init(&m, MSG_DB_STATUS_REQ, 0, PEER_STATSWRITER);
	p->db_sent_ms = now_ms();
	p->db_id = worker_request(p->w, &m, health_db, p);
	msg_clear(&m);
	if (p->db_id != 0)
		p->outstanding++;
}

/* Ask each other worker, through berthd's router, whether it answers. */
static void
health_ping_workers(struct pending *p)
{
	struct body_ping	*b;
	struct msg		 m;
	unsigned		 peer;
	json_t			*wj;

	health_ask_db(p);
	for (peer = 1; peer < PEER_MAX; peer++) {
		wj = worker_by_peer(p, peer);
		json_object_set_new(wj, "responsive", json_false());
		if (peer == (unsigned)p->w->id) {
			json_object_set_new(wj, "responsive", json_true());
			json_object_set_new(wj, "responseTimeMs",
			    json_integer(0));
			continue;
		}
		b = msg_init(&m, MSG_PING, 0, peer);
		b->sent_ms = (int64_t)now_ms();
		p->slots[peer].p = p;
		p->slots[peer].peer = peer;
		p->ids[peer] = worker_request(p->w, &m, health_pong,
		    &p->slots[peer]);
		msg_clear(&m);
		if (p->ids[peer] != 0)
			p->outstanding++;
	}
	if (p->outstanding == 0)
		health_finish(p);
}

static void
health_status(struct worker *w, struct msg *reply, void *arg)
{
	struct pending		*p = arg;
	struct body_status	*st;
	size_t			 i;

	p->ids[PEER_PARENT] = 0;
	if (reply == NULL || reply->type != MSG_STATUS) {
		http_error(p->req, 503, "unavailable",
		    "the supervisor did not answer");
		pending_free(p);
		return;
	}
	st = reply->body;
	p->all_up = st->all_up;
	p->docker_up = st->docker_up;
	p->status = json_pack("{s:s,s:I,s:s}", "version", st->version,
	    "uptimeMs", (json_int_t)st->uptime_ms, "dockerVersion",
	    st->docker_version);
	p->workers = json_array();
	for (i = 0; i < st->nworkers; i++)
		json_array_append_new(p->workers, worker_json(&st->workers[i]));
	if (p->readiness || st->nworkers != NWORKERS)
		health_finish(p);
	else
		health_ping_workers(p);
}

static void
health_start(struct worker *w, struct evhttp_request *req, int readiness)
{
	struct pending	*p = pending_new(w, req);
	struct msg	 m;

	p->readiness = readiness;
	msg_init(&m, MSG_STATUS_REQ, 0, PEER_PARENT);
	p->ids[PEER_PARENT] = worker_request(w, &m, health_status, p);
	msg_clear(&m);
	if (p->ids[PEER_PARENT] == 0) {
		http_error(req, 503, "unavailable", "cannot reach berthd");
		pending_free(p);
	}
}

/* ------------------------------------------------------------ routes */

static void
h_health(struct worker *w, struct evhttp_request *req, char params[][128])
{
	http_reply_json(req, 200, json_pack("{s:s}", "status", "ok"));
}

static void
h_live(struct worker *w, struct evhttp_request *req, char params[][128])
{
	http_reply_json(req, 200, json_pack("{s:s}", "status", "alive"));
}

static void
h_ready(struct worker *w, struct evhttp_request *req, char params[][128])
{
	health_start(w, req, 1);
}

static void
h_api_health(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	health_start(w, req, 0);
}

static const struct route {
	const char	*pattern;
	int		 methods;
	void		(*handler)(struct worker *, struct evhttp_request *,
			    char params[][128]);
} routes[] = {
	{ "/health",	 EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, h_health },
	{ "/live",	 EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, h_live },
	{ "/ready",	 EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, h_ready },
	{ "/api/health", EVHTTP_REQ_GET, h_api_health },
	{ "/api/workspaces", EVHTTP_REQ_POST, api_ws_create },
	{ "/api/workspaces", EVHTTP_REQ_GET, api_ws_list },
	{ "/api/workspaces/:id", EVHTTP_REQ_GET, api_ws_get },
	{ "/api/workspaces/:id", EVHTTP_REQ_DELETE, api_ws_delete },
	{ "/api/workspaces/:id/resources", EVHTTP_REQ_PATCH, api_ws_patch },
	{ "/api/workspaces/:id/health", EVHTTP_REQ_GET, api_ws_health },
	{ "/api/workspaces/:id/stats", EVHTTP_REQ_GET, api_ws_stats },
	{ "/api/containers/history", EVHTTP_REQ_GET, api_containers_history },
	{ "/api/containers/stats", EVHTTP_REQ_GET, api_containers_stats },
};

static void
dispatch(struct evhttp_request *req, void *arg)
{
	struct worker		*w = arg;
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	const char		*path = evhttp_uri_get_path(uri);
	char			 params[ROUTE_MAX_PARAMS][128];
	size_t			 i;
	int			 matched = 0;

	if (w->draining) {
		http_error(req, 503, "unavailable", "shutting down");
		return;
	}
	if (path == NULL || path[0] == '\0')
		path = "/";
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (route_match(routes[i].pattern, path, params,
		    ROUTE_MAX_PARAMS) == -1)
			continue;
		matched = 1;
		if (routes[i].methods & evhttp_request_get_command(req)) {
			routes[i].handler(w, req, params);
			return;
		}
	}
	if (matched)
		http_error(req, 405, "method_not_allowed",
		    "method not allowed on %s", path);
	else
		http_error(req, 404, "not_found", "no such endpoint");
}

/* ------------------------------------------------------------ worker */

static void
gateway_configure(struct worker *w)
{
	struct gateway *g = w->priv;

	evhttp_set_max_body_size(g->http, (ev_ssize_t)w->cfg.http_max_body);
}

/* Before confinement: jansson seeds its hashes from /dev/urandom. */
static void
gateway_init(struct worker *w)
{
	json_object_seed(0);
}

static void
gateway_start(struct worker *w)
{
	struct gateway	*g = xcalloc(1, sizeof(*g));

	w->priv = g;
	g->started_wall_ms = wall_ms();
	if ((g->http = evhttp_new(w->base)) == NULL)
		fatalx("evhttp_new failed");
	evhttp_set_allowed_methods(g->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST | EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH |
	    EVHTTP_REQ_PUT);
	evhttp_set_max_headers_size(g->http, 16 * 1024);
	evhttp_set_timeout(g->http, 30);
	evhttp_set_gencb(g->http, dispatch, w);
	gateway_configure(w);
	if (evhttp_accept_socket(g->http, w->extra_fd) == -1)
		fatalx("cannot serve HTTP on the listener");
}

/* Stop accepting; answers in flight finish, then exit. */
static void
gateway_drain(struct worker *w)
{
	struct gateway *g = w->priv;

	if (g != NULL)
		evhttp_free(g->http);
	worker_exit(w);
}

const struct worker_ops gateway_ops = {
	.init = gateway_init,
	.start = gateway_start,
	.configure = gateway_configure,
	.drain = gateway_drain,
};
