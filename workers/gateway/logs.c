/*
 * GET /api/workspaces/{id}/logs: a workspace's recent logs as text
 * (one line each, "TIMESTAMP " first with timestamps=true) or NDJSON
 * ({t, stream, line} a line), read through berthd a chunk at a time.
 * The next chunk is asked for only once the previous one has left for
 * the client, so a slow client holds up the engine, not memory: at
 * most one chunk waits here, one in berthd.
 */
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "gateway.h"
#include "ipc.h"
#include "log.h"
#include "rfc3339.h"
#include "worker.h"
#include "wscheck.h"
#include "xmalloc.h"

#define LOGS_TAIL_DEFAULT	100
#define LOGS_TAIL_MAX		10000

struct logreq {
	struct worker		*w;
	struct evhttp_request	*req;
	int64_t			 session;	/* 0 until the first chunk */
	uint32_t		 id;		/* request in flight */
	int			 started;	/* the head is out */
	int			 ndjson;
	int			 timestamps;
};

static void	logreq_chunk(struct worker *, struct msg *,
		    const struct ipc_error *, void *);

/* ------------------------------------------------------------ parameters */

static int
parse_bool(const char *v, int *out)
{
	if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
		*out = 1;
	else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

static int
parse_time(const char *v, int64_t *ns)
{
	if (unix_ns(v, ns) == 0 || rfc3339_ns(v, strlen(v), ns) == 0)
		return 0;
	return -1;
}

static int
parse_tail(const char *v, int64_t *tail)
{
	size_t	i;

	*tail = 0;
	for (i = 0; v[i] >= '0' && v[i] <= '9' && i < 6; i++)
		*tail = *tail * 10 + v[i] - '0';
	return i > 0 && v[i] == '\0' && *tail <= LOGS_TAIL_MAX ? 0 : -1;
}

static int
parse_stream(const char *v, struct body_logs_req *q)
{
	q->out = strcmp(v, "stdout") == 0 || strcmp(v, "both") == 0;
	q->err = strcmp(v, "stderr") == 0 || strcmp(v, "both") == 0;
	return q->out || q->err ? 0 : -1;
}

/* One parameter into q or lr; the error text, or NULL. */
static const char *
logs_param(const char *k, const char *v, struct body_logs_req *q,
    struct logreq *lr)
{
	if (strcmp(k, "tail") == 0)
		return parse_tail(v, &q->tail) == 0 ? NULL :
		    "tail must be a number from 0 to 10000";
	if (strcmp(k, "since") == 0)
		return parse_time(v, &q->since_ns) == 0 ? NULL :
		    "since must be RFC 3339 or Unix seconds";
	if (strcmp(k, "until") == 0)
		return parse_time(v, &q->until_ns) == 0 ? NULL :
		    "until must be RFC 3339 or Unix seconds";
	if (strcmp(k, "timestamps") == 0)
		return parse_bool(v, &lr->timestamps) == 0 ? NULL :
		    "timestamps must be true or false";
	if (strcmp(k, "stream") == 0)
		return parse_stream(v, q) == 0 ? NULL :
		    "stream must be stdout, stderr or both";
	if (strcmp(k, "format") == 0) {
		lr->ndjson = strcmp(v, "ndjson") == 0;
		return lr->ndjson || strcmp(v, "text") == 0 ? NULL :
		    "format must be text or ndjson";
	}
	return "unknown parameter";
}

/* The query string into q and lr; -1 after answering 400. */
static int
logs_params(struct evhttp_request *req, struct body_logs_req *q,
    struct logreq *lr)
{
	const char		*qs;
	struct evkeyvalq	 kv;
	struct evkeyval		*p;
	const char		*why = NULL, *key = "";

	q->tail = LOGS_TAIL_DEFAULT;
	q->out = q->err = 1;
	qs = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	TAILQ_INIT(&kv);
	if (qs != NULL && evhttp_parse_query_str(qs, &kv) == -1)
		why = "malformed query string";
	TAILQ_FOREACH(p, &kv, next) {
		if (why != NULL)
			break;
		key = p->key;
		why = logs_param(p->key, p->value, q, lr);
	}
	if (why == NULL && q->until_ns > 0 && q->until_ns < q->since_ns) {
		key = "";
		why = "until is before since";
	}
	if (why != NULL)
		http_error(req, 400, "bad_request", "%s%s%s", key,
		    key[0] != '\0' ? ": " : "", why);
	evhttp_clear_headers(&kv);
	return why != NULL ? -1 : 0;
}

/* ------------------------------------------------------------ the answer */

static void
logreq_free(struct logreq *lr)
{
	conns_closecb(lr->req, NULL, NULL);
	free(lr);
}

/* The client went away: the request in flight and the session go. */
static void
logreq_closed(struct evhttp_connection *conn, void *arg)
{
	struct logreq	*lr = arg;

	if (lr->id != 0)
		worker_cancel(lr->w, lr->id);
	if (lr->session != 0)
		ipc_logs_close(lr->w, lr->session);
	free(lr);
}

static void
logreq_head(struct logreq *lr)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(lr->req);

	evhttp_add_header(h, "Content-Type", lr->ndjson ?
	    "application/x-ndjson" : "text/plain; charset=utf-8");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Connection", "close");
	httpstats_end(lr->req, 200);
	evhttp_send_reply_start(lr->req, 200, "OK");
	lr->started = 1;
}

static void
line_out(struct logreq *lr, struct evbuffer *out, const struct log_item *l)
{
	json_t	*j;
	char	*text;

	if (!lr->ndjson) {
		if (lr->timestamps)
			evbuffer_add_printf(out, "%s ", l->ts);
		evbuffer_add(out, l->line, strlen(l->line));
		evbuffer_add(out, "\n", 1);
		return;
	}
	j = json_pack("{s:s,s:s,s:s}", "t", l->ts, "stream",
	    l->stream == 2 ? "stderr" : "stdout", "line", l->line);
	if (j == NULL || (text = json_dumps(j, JSON_COMPACT)) == NULL) {
		log_warnx("%s: a line could not be encoded", __func__);
		json_decref(j);
		return;
	}
	evbuffer_add_printf(out, "%s\n", text);
	free(text);
	json_decref(j);
}

/* The chunk left for the client: ask for the next. */
static void
logreq_drained(struct evhttp_connection *conn, void *arg)
{
	struct logreq	*lr = arg;

	if ((lr->id = ipc_logs_next(lr->w, lr->session, logreq_chunk,
	    lr)) == 0) {
		evhttp_send_reply_end(lr->req);
		logreq_free(lr);
	}
}

static void
logreq_chunk(struct worker *w, struct msg *reply, const struct ipc_error *err,
    void *arg)
{
	struct logreq		*lr = arg;
	struct body_log_chunk	*b;
	struct evbuffer		*out;
	size_t			 i;

	lr->id = 0;
	if (err != NULL && !lr->started) {
		api_error(lr->req, err);
		logreq_free(lr);
		return;
	}
	if (err != NULL) {
		log_warnx("logs: %s", err->message);
		evhttp_send_reply_end(lr->req);
		logreq_free(lr);
		return;
	}
	b = reply->body;
	lr->session = b->session;
	if (!lr->started)
		logreq_head(lr);
	if ((out = evbuffer_new()) == NULL)
		fatalx("evbuffer_new failed");
	for (i = 0; i < b->nlines; i++)
		line_out(lr, out, &b->lines[i]);
	if (b->done) {
		if (b->error[0] != '\0')
			log_warnx("logs: %s", b->error);
		evhttp_send_reply_chunk(lr->req, out);
		evhttp_send_reply_end(lr->req);
		logreq_free(lr);
	} else if (evbuffer_get_length(out) == 0)
		logreq_drained(NULL, lr);
	else
		evhttp_send_reply_chunk_with_cb(lr->req, out, logreq_drained,
		    lr);
	evbuffer_free(out);
}

void
api_ws_logs(struct worker *w, struct evhttp_request *req, char params[][128])
{
	struct body_logs_req	 q;
	struct logreq		*lr;
	const char		*tok;

	if ((tok = api_token(req)) == NULL)
		return;
	if (!ws_valid_id(params[0], 0)) {
		http_error(req, 404, "not_found", "no such workspace");
		return;
	}
	memset(&q, 0, sizeof(q));
	lr = xcalloc(1, sizeof(*lr));
	lr->w = w;
	lr->req = req;
	if (logs_params(req, &q, lr) == -1) {
		free(lr);
		return;
	}
	q.id = xstrdup(params[0]);
	if ((lr->id = ipc_logs_open(w, tok, &q, logreq_chunk, lr)) == 0) {
		http_error(req, 503, "unavailable", "cannot reach berthd");
		free(lr);
		return;
	}
	conns_closecb(req, logreq_closed, lr);
}

/* ------------------------------------------------------------ the stream */

struct attach {
	struct worker		*w;
	struct evhttp_request	*req;
	uint32_t		 id;
};

static void
attach_closed(struct evhttp_connection *conn, void *arg)
{
	struct attach	*a = arg;

	worker_cancel(a->w, a->id);
	free(a);
}

/* berthd checked the owner and gave the socket to the logstreamer:
 * the gateway is out of the data path. */
static void
attach_done(struct worker *w, struct msg *reply, const struct ipc_error *err,
    void *arg)
{
	struct attach	*a = arg;

	conns_closecb(a->req, NULL, NULL);
	if (err != NULL)
		api_error(a->req, err);
	else {
		httpstats_end(a->req, 200);
		conns_handoff(a->req);
	}
	free(a);
}

/* "NS-NTH", as the stream's ids are written; -1 if not that. */
static int
parse_cursor(const char *s, int64_t *c)
{
	int64_t	v[2] = { 0, 0 };
	int	i, n;

	for (i = 0; i < 2; i++) {
		for (n = 0; *s >= '0' && *s <= '9' && n < 19; s++, n++)
			v[i] = v[i] * 10 + *s - '0';
		if (n == 0 || *s != (i == 0 ? '-' : '\0'))
			return -1;
		s++;
	}
	c[0] = v[0];
	c[1] = v[1];
	return 0;
}

/* The client's resume point: Last-Event-ID, else ?lastEventId= (a
 * first connection); 0 none, 1 one, -1 after answering 400.  A
 * ?ticket= goes into ticket (33 bytes, "" when none). */
static int
stream_cursor(struct evhttp_request *req, int64_t *c, char *ticket)
{
	const char		*v, *qs;
	struct evkeyvalq	 kv;
	struct evkeyval		*p;
	int			 rc = 0;

	v = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Last-Event-ID");
	qs = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	TAILQ_INIT(&kv);
	if (qs != NULL && evhttp_parse_query_str(qs, &kv) == -1)
		rc = -1;
	ticket[0] = '\0';
	TAILQ_FOREACH(p, &kv, next)
		if (strcmp(p->key, "ticket") == 0 && strlen(p->value) == 32)
			memcpy(ticket, p->value, 33);
		else if (strcmp(p->key, "lastEventId") != 0)
			rc = -1;
		else if (v == NULL || v[0] == '\0')
			v = p->value;
	if (rc == 0 && v != NULL && v[0] != '\0')
		rc = parse_cursor(v, c) == 0 ? 1 : -1;
	if (rc == -1)
		http_error(req, 400, "bad_request", "the parameters are "
		    "lastEventId, an id of this stream, and ticket");
	evhttp_clear_headers(&kv);
	return rc;
}

void
api_ws_logs_stream(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct attach		*a;
	const char		*tok = NULL;
	int64_t			 cur[2];
	int			 has, fd;
	char			 ticket[33];

	if ((has = stream_cursor(req, cur, ticket)) == -1)
		return;
	if (ticket[0] == '\0' && (tok = api_token(req)) == NULL)
		return;			/* neither: 401 */
	if (!ws_valid_id(params[0], 0)) {
		http_error(req, 404, "not_found", "no such workspace");
		return;
	}
	fd = bufferevent_getfd(evhttp_connection_get_bufferevent(evcon));
	if ((fd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) == -1) {
		http_error(req, 503, "unavailable", "out of descriptors");
		return;
	}
	a = xcalloc(1, sizeof(*a));
	a->w = w;
	a->req = req;
	if (tok != NULL)
		a->id = ipc_logs_attach(w, tok, params[0], has ? cur : NULL,
		    fd, attach_done, a);
	else
		a->id = ipc_logs_attach_ticket(w, ticket, params[0],
		    has ? cur : NULL, fd, attach_done, a);
	if (a->id == 0) {
		http_error(req, 503, "unavailable", "cannot reach berthd");
		free(a);
		return;
	}
	conns_closecb(req, attach_closed, a);
}

/* ------------------------------------------------------------ tickets */

static void
done_ticket(struct worker *w, struct evhttp_request *req, struct msg *reply,
    void *arg)
{
	struct body_ticket	*b = reply->body;

	http_reply_json(req, 200, json_pack("{s:s,s:o}", "ticket", b->ticket,
	    "expiresAt", time_json(b->expires_ms)));
}

/* POST /api/workspaces/{id}/logs/ticket: for ?ticket= on the stream,
 * where a browser's EventSource cannot send the token. */
void
api_ws_logs_ticket(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	api_ws_call(w, req, ipc_logs_ticket, params[0], done_ticket);
}
