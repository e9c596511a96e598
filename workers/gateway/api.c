/*
 * The workspace API of the gateway: bearer-token authentication,
 * request bodies parsed and validated (400 malformed, 413 too large,
 * 422 invalid), one IPC request to berthd per API request, and the
 * answer turned into camelCase JSON with ISO-8601 times.
 */
#include <event2/buffer.h>
#include <event2/http.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "ipc.h"
#include "gateway.h"
#include "jsonw.h"
#include "log.h"
#include "util.h"
#include "worker.h"
#include "wscheck.h"
#include "xmalloc.h"


/* One API request waiting for berthd or a worker. */
struct call {
	struct worker		*w;
	struct evhttp_request	*req;
	api_done_cb		 done;
	void			*arg;
	void			(*done_gone)(void *);
	uint32_t		 id;
};

/* ------------------------------------------------------------ auth */

/* The bearer token the client presented, or NULL after answering 401.
 * What it is worth, berthd decides: the gateway holds no token. */
const char *
api_token(struct evhttp_request *req)
{
	const char *h, *tok;

	h = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Authorization");
	if (h == NULL || (tok = api_bearer(h)) == NULL) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "WWW-Authenticate", "Bearer");
		http_error(req, 401, "unauthorized", h == NULL ?
		    "missing bearer token" : "invalid bearer token");
		return NULL;
	}
	return tok;
}

const char *
api_bearer(const char *h)
{
	if (strncasecmp(h, "Bearer ", 7) != 0 || h[7] == '\0' ||
	    strlen(h + 7) > 256)
		return NULL;
	return h + 7;
}

/* ------------------------------------------------------------ calls */

static int
http_status(const char *code)
{
	static const struct { const char *code; int status; } map[] = {
		{ "not_found", 404 }, { "invalid", 422 }, { "forbidden", 403 },
		{ "conflict", 409 }, { "unavailable", 503 }, { "busy", 429 },
		{ "quota", 429 }, { "unauthorized", 401 },
		{ "engine_error", 502 }, { "bad_request", 400 },
		{ "not_implemented", 501 },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].code, code) == 0)
			return map[i].status;
	return 500;
}

/* An error answer of berthd's as HTTP. */
void
api_error(struct evhttp_request *req, const struct ipc_error *err)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	if (strcmp(err->code, "unauthorized") == 0)
		evhttp_add_header(h, "WWW-Authenticate", "Bearer");
	else if (strcmp(err->code, "busy") == 0)
		evhttp_add_header(h, "Retry-After", "2");
	http_error(req, http_status(err->code), err->code, "%s",
	    err->message);
}

static void
call_closed(struct evhttp_connection *conn, void *arg)
{
	struct call *c = arg;

	worker_cancel(c->w, c->id);
	if (c->done_gone != NULL)
		c->done_gone(c->arg);
	free(c);
}

/* The ipc_cb of every call the API makes. */
static void
call_reply(struct worker *w, struct msg *reply, const struct ipc_error *err,
    void *arg)
{
	struct call *c = arg;

	conns_closecb(c->req, NULL, NULL);
	if (err != NULL)
		api_error(c->req, err);
	else {
		c->done(c->w, c->req, reply, c->arg);
		c->arg = NULL;
	}
	if (c->arg != NULL && c->done_gone != NULL)
		c->done_gone(c->arg);
	free(c);
}

struct call *
api_call_new(struct worker *w, struct evhttp_request *req, api_done_cb done,
    void *arg, void (*done_gone)(void *))
{
	struct call *c = xcalloc(1, sizeof(*c));

	c->w = w;
	c->req = req;
	c->done = done;
	c->arg = arg;
	c->done_gone = done_gone;
	return c;
}

/* c's request went out as id (0: it could not be sent). */
void
api_call_sent(struct call *c, uint32_t id)
{
	if ((c->id = id) == 0 && worker_calls_full()) {
		evhttp_add_header(evhttp_request_get_output_headers(c->req),
		    "Retry-After", "1");
		http_error(c->req, 429, "busy", "too many requests in flight; "
		    "retry");
	} else if (c->id == 0)
		http_error(c->req, 503, "unavailable", "cannot reach berthd");
	if (c->id == 0) {
		if (c->done_gone != NULL)
			c->done_gone(c->arg);
		free(c);
		return;
	}
	conns_closecb(c->req, call_closed, c);
}

void
api_ipc_done(struct worker *w, struct msg *reply, const struct ipc_error *err,
    void *arg)
{
	call_reply(w, reply, err, arg);
}

/* ------------------------------------------------------------ JSON out */

json_t *
time_json(int64_t ms)
{
	char buf[40];

	if (ms <= 0)
		return json_null();
	return json_string(iso8601_ms((uint64_t)ms, buf, sizeof(buf)));
}

/* A workspace as the API shows it: doc/design.md, the workspace object. */
static void
workspace_w(struct jw *j, const struct workspace_info *wi)
{
	jw_open(j, NULL, '{');
	jw_str(j, "id", wi->id);
	jw_str(j, "status", wi->status);
	jw_str(j, "health", wi->health);
	jw_nstr(j, "containerId", wi->container_id);
	jw_str(j, "type", wi->type);
	jw_str(j, "tier", wi->tier);
	jw_str(j, "userId", wi->user_id);
	jw_nstr(j, "projectId", wi->project_id);
	jw_nstr(j, "s3Bucket", wi->s3_bucket);
	jw_nstr(j, "url", wi->url);
	jw_nstr(j, "shutdownReason", wi->stop_reason);
	jw_open(j, "resources", '{');
	jw_real(j, "cpus", wi->cpus);
	jw_int(j, "memory", wi->memory_mb);
	jw_int(j, "memorySwap", wi->memory_swap_mb);
	jw_int(j, "memoryReservation", wi->memory_reservation_mb);
	jw_close(j, '}');
	jw_time(j, "createdAt", wi->created_ms);
	jw_time(j, "startedAt", wi->started_ms);
	jw_time(j, "stoppedAt", wi->stopped_ms);
	jw_time(j, "lastActivityAt", wi->last_activity_ms);
	jw_time(j, "autostopAt", wi->autostop_ms);
	jw_close(j, '}');
}

static void
reply_workspace(struct evhttp_request *req, int code,
    const struct workspace_info *wi)
{
	struct jw	j;

	jw_start(&j, evbuffer_new());
	workspace_w(&j, wi);
	http_reply_jw(req, code, &j);
}

static void
done_created(struct worker *w, struct evhttp_request *req, struct msg *m,
    void *arg)
{
	reply_workspace(req, 201, m->body);
}

void
api_done_workspace(struct worker *w, struct evhttp_request *req,
    struct msg *m, void *arg)
{
	reply_workspace(req, 200, m->body);
}

static void
done_list(struct worker *w, struct evhttp_request *req, struct msg *m,
    void *arg)
{
	struct body_ws_items	*b = m->body;
	struct jw		 j;
	size_t			 i;

	jw_start(&j, evbuffer_new());
	jw_open(&j, NULL, '{');
	jw_open(&j, "workspaces", '[');
	for (i = 0; i < b->nitems; i++)
		workspace_w(&j, &b->items[i]);
	jw_close(&j, ']');
	jw_int(&j, "count", (int64_t)b->nitems);
	jw_close(&j, '}');
	http_reply_jw(req, 200, &j);
}

static void
done_health(struct worker *w, struct evhttp_request *req, struct msg *m,
    void *arg)
{
	struct body_ws_health	*h = m->body;
	json_t			*last = json_null();

	if (h->has_check)
		last = json_pack("{s:I,s:s,s:s}", "exitCode",
		    (json_int_t)h->exit_code, "output", h->output,
		    "timestamp", h->timestamp);
	http_reply_json(req, 200, json_pack("{s:b,s:s,s:I,s:o}", "healthy",
	    h->healthy, "status", h->status, "failingStreak",
	    (json_int_t)h->failing_streak, "lastCheck", last));
}

static void
done_stats(struct worker *w, struct evhttp_request *req, struct msg *m,
    void *arg)
{
	struct body_sample	*s = m->body;
	double			 mp = 0;
	int64_t			 ws = s->mem_usage - s->mem_inactive_file;

	if (ws < 0)
		ws = s->mem_usage;
	if (s->mem_limit > 0)
		mp = (double)s->mem_usage * 100.0 / (double)s->mem_limit;
	http_reply_json(req, 200, json_pack("{s:s,s:{s:f,s:I,s:I,s:I},"
	    "s:{s:f,s:I,s:I,s:I,s:I},s:{s:I,s:I},s:{s:I,s:I},s:I}",
	    "source", s->source,
	    "cpu", "percent", round(s->cpu_percent * 100) / 100, "usage",
	    (json_int_t)s->cpu_usage_ns, "systemUsage",
	    (json_int_t)s->system_usage_ns, "onlineCpus",
	    (json_int_t)s->online_cpus,
	    "memory", "percent", round(mp * 100) / 100, "usage",
	    (json_int_t)s->mem_usage, "limit", (json_int_t)s->mem_limit,
	    "cache", (json_int_t)s->mem_cache, "workingSet", (json_int_t)ws,
	    "network", "rxBytes", (json_int_t)s->net_rx, "txBytes",
	    (json_int_t)s->net_tx,
	    "blockIO", "readBytes", (json_int_t)s->blk_read, "writeBytes",
	    (json_int_t)s->blk_write, "pids", (json_int_t)s->pids));
}

/* ------------------------------------------------------------ JSON in */

/* The request body as a JSON object, or NULL after answering. */
json_t *
read_body(struct evhttp_request *req)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	size_t		 len = evbuffer_get_length(in);
	json_error_t	 jerr;
	json_t		*j;

	j = json_loadb((const char *)evbuffer_pullup(in, -1), len,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		http_error(req, 400, "bad_request", "malformed JSON: %s",
		    jerr.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		http_error(req, 422, "invalid", "the body must be an object");
		json_decref(j);
		return NULL;
	}
	return j;
}

/* Copy an optional string field; -1 (with err) if of another type. */
static int
get_str(json_t *o, const char *key, char **out, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL || json_is_null(v)) {
		*out = xstrdup("");
		return 0;
	}
	if (!json_is_string(v) || !ws_valid_text(json_string_value(v), 256)) {
		snprintf(err, errlen, "%s must be a string without control "
		    "characters", key);
		*out = xstrdup("");
		return -1;
	}
	*out = xstrdup(json_string_value(v));
	return 0;
}

static int
get_num(json_t *o, const char *key, double *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);

	*out = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_number(v)) {
		snprintf(err, errlen, "%s must be a number", key);
		return -1;
	}
	*out = json_number_value(v);
	return 0;
}

/* An integer, parsed as one: 1.5 or 1e3 is not a number of MB. */
static int
get_int(json_t *o, const char *key, int64_t *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);

	*out = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v)) {
		snprintf(err, errlen, "%s must be an integer (MB)", key);
		return -1;
	}
	*out = (int64_t)json_integer_value(v);
	return 0;
}

/* Only these keys may appear in o. */
static int
only_keys(json_t *o, const char *const *allowed, char *err, size_t errlen)
{
	const char	*key;
	json_t		*v;
	size_t		 i;

	json_object_foreach(o, key, v) {
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], key) == 0)
				break;
		if (allowed[i] == NULL) {
			snprintf(err, errlen, "unknown field %.64s", key);
			return -1;
		}
	}
	return 0;
}

/* cpus, memory, memorySwap, memoryReservation of o. */
static int
get_limits(json_t *o, double *cpus, int64_t *mem, int64_t *swap,
    int64_t *resv, char *err, size_t errlen)
{
	static const char *const keys[] = { "cpus", "memory", "memorySwap",
	    "memoryReservation", NULL };
	if (only_keys(o, keys, err, errlen) == -1 ||
	    get_num(o, "cpus", cpus, err, errlen) == -1 ||
	    get_int(o, "memory", mem, err, errlen) == -1 ||
	    get_int(o, "memorySwap", swap, err, errlen) == -1 ||
	    get_int(o, "memoryReservation", resv, err, errlen) == -1)
		return -1;
	return 0;
}

static int
get_env(json_t *o, struct body_ws_create *b, char *err, size_t errlen)
{
	json_t		*e = json_object_get(o, "env"), *v;
	const char	*key;

	if (e == NULL || json_is_null(e))
		return 0;
	if (!json_is_object(e) || json_object_size(e) > 64) {
		snprintf(err, errlen, "env must be an object of at most 64 "
		    "strings");
		return -1;
	}
	b->env = xcalloc(json_object_size(e) + 1, sizeof(*b->env));
	json_object_foreach(e, key, v) {
		if (!json_is_string(v)) {
			snprintf(err, errlen, "env values must be strings");
			return -1;
		}
		b->env[b->nenv].key = xstrdup(key);
		b->env[b->nenv++].value = xstrdup(json_string_value(v));
	}
	return 0;
}

/* The limits given at the top level of a create request. */
static json_t *
limits_of(json_t *o)
{
	static const char *const keys[] = { "cpus", "memory", "memorySwap",
	    "memoryReservation" };
	json_t	*lim = json_object();
	size_t	 i;

	for (i = 0; i < 4; i++)
		if (json_object_get(o, keys[i]) != NULL)
			json_object_set(lim, keys[i],
			    json_object_get(o, keys[i]));
	return lim;
}

static int
parse_create(json_t *o, struct body_ws_create *b, char *err, size_t errlen)
{
	static const char *const keys[] = { "type", "userId", "projectId",
	    "s3Bucket", "tier", "env", "resources", "cpus", "memory",
	    "memorySwap", "memoryReservation", NULL };
	json_t	*res = json_object_get(o, "resources"), *lim;
	int	 rc;

	if (only_keys(o, keys, err, errlen) == -1 ||
	    get_str(o, "type", &b->type, err, errlen) == -1 ||
	    get_str(o, "userId", &b->owner, err, errlen) == -1 ||
	    get_str(o, "projectId", &b->project_id, err, errlen) == -1 ||
	    get_str(o, "s3Bucket", &b->s3_bucket, err, errlen) == -1 ||
	    get_str(o, "tier", &b->tier, err, errlen) == -1 ||
	    get_env(o, b, err, errlen) == -1)
		return -1;
	if (res != NULL && !json_is_object(res)) {
		snprintf(err, errlen, "resources must be an object");
		return -1;
	}
	lim = res != NULL ? json_deep_copy(res) : limits_of(o);
	rc = get_limits(lim, &b->cpus, &b->memory_mb, &b->memory_swap_mb,
	    &b->memory_reservation_mb, err, errlen);
	json_decref(lim);
	if (rc == -1)
		return -1;
	if (b->type[0] == '\0') {
		snprintf(err, errlen, "type is required");
		return -1;
	}
	/* The owner, tier and limits are berthd's to check against the
	 * identity and the configuration; the shape is checked here. */
	if (!ws_valid_id(b->owner, 1) || !ws_valid_id(b->project_id, 1) ||
	    !ws_valid_id(b->s3_bucket, 1)) {
		snprintf(err, errlen, "userId, projectId and s3Bucket take "
		    "1 to %d of A-Z a-z 0-9 . _ @ -", WS_ID_MAX);
		return -1;
	}
	return 0;
}

/* Free what parse_create filled when it is not sent. */
static void
create_free(struct body_ws_create *b)
{
	struct msg m;

	msg_init(&m, MSG_WS_CREATE, 0, PEER_PARENT);
	*(struct body_ws_create *)m.body = *b;
	msg_clear(&m);
}

/* ------------------------------------------------------------ handlers */

void
api_ws_create(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	struct body_ws_create	 b;
	const char		*tok;
	struct call		*c;
	json_t			*o;
	char			 err[256] = "";

	if ((tok = api_token(req)) == NULL || (o = read_body(req)) == NULL)
		return;
	memset(&b, 0, sizeof(b));
	if (parse_create(o, &b, err, sizeof(err)) == -1 ||
	    ws_check_env(config_type(&w->cfg, b.type), b.env, b.nenv, err,
	    sizeof(err)) == -1) {
		http_error(req, 422, "invalid", "%s", err);
		create_free(&b);
	} else {
		c = api_call_new(w, req, done_created, NULL, NULL);
		api_call_sent(c, ipc_ws_create(w, tok, &b, api_ipc_done, c));
	}
	json_decref(o);
}

void
api_ws_call(struct worker *w, struct evhttp_request *req, api_ws_fn fn,
    const char *wsid, api_done_cb done)
{
	const char	*tok;
	struct call	*c;

	if ((tok = api_token(req)) == NULL)
		return;
	if (!ws_valid_id(wsid, 0)) {
		http_error(req, 404, "not_found", "no such workspace");
		return;
	}
	c = api_call_new(w, req, done, NULL, NULL);
	api_call_sent(c, fn(w, tok, wsid, api_ipc_done, c));
}

void
api_ws_list(struct worker *w, struct evhttp_request *req, char params[][128])
{
	const char	*tok;
	struct call	*c;

	if ((tok = api_token(req)) == NULL)
		return;
	c = api_call_new(w, req, done_list, NULL, NULL);
	api_call_sent(c, ipc_ws_list(w, tok, api_ipc_done, c));
}

void
api_ws_get(struct worker *w, struct evhttp_request *req, char params[][128])
{
	api_ws_call(w, req, ipc_ws_get, params[0], api_done_workspace);
}

void
api_ws_delete(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	api_ws_call(w, req, ipc_ws_delete, params[0], api_done_workspace);
}

void
api_ws_health(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	api_ws_call(w, req, ipc_ws_health, params[0], done_health);
}

void
api_ws_stats(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	api_ws_call(w, req, ipc_ws_stats, params[0], done_stats);
}

void
api_ws_patch(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	const char	*tok;
	struct call	*c;
	double		 cpus;
	int64_t		 mem, swap, resv;
	json_t		*o;
	char		 err[256];

	if ((tok = api_token(req)) == NULL || (o = read_body(req)) == NULL)
		return;
	if (!ws_valid_id(params[0], 0))
		http_error(req, 404, "not_found", "no such workspace");
	else if (get_limits(o, &cpus, &mem, &swap, &resv, err,
	    sizeof(err)) == -1)
		http_error(req, 422, "invalid", "%s", err);
	else if (cpus == 0 && mem == 0 && swap == 0 && resv == 0)
		http_error(req, 422, "invalid", "nothing to change");
	else {
		c = api_call_new(w, req, api_done_workspace, NULL, NULL);
		api_call_sent(c, ipc_ws_patch(w, tok, params[0], cpus, mem,
		    swap, resv, api_ipc_done, c));
	}
	json_decref(o);
}
