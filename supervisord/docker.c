/*
 * The Docker Engine client of berthd: HTTP/1.1 over the engine's Unix
 * socket, one connection a request ("Connection: close"), each a
 * bufferevent on the libevent loop, so no call ever blocks the
 * supervisor.  http1.c reads the responses; docker_check.c checks the
 * engine's version.  No HTTP library here:
 * libcurl's TLS, Kerberos and LDAP are not needed for a local socket
 * (berthd loads libcurl for [volumes.s3] alone: s3.c, curlev.c).
 *
 * Callbacks may start requests, cancel streams or shut the client down.
 * A request is started from the kick event, never inside the
 * docker_call or docker_stream that made it, so its callback never
 * runs there either.  The one request that can be on the stack when a
 * callback runs is the stream whose data_cb it is (in_data): cancelling
 * it, or shutting down, is finished once its read callback unwinds.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "docker.h"
#include "docker_int.h"
#include "http1.h"
#include "log.h"
#include "xmalloc.h"

#define DOCKER_TIMEOUT_MS	30000
#define DOCKER_ERRBODY_MAX	(64 * 1024)	/* kept of a failed stream */

/*
 * A request in flight.  docker_stream() hands it out as the stream;
 * docker_call() keeps it to itself.  It is on the all list from birth
 * to finish and on the todo list while it waits for the kick event.
 */
struct docker_stream {
	struct evbuffer		*out;		/* the request, until started */
	struct bufferevent	*bev;
	struct event		*timer;		/* a call's deadline */
	long			 timeout_ms;
	struct http1_resp	 resp;
	char			*buf;		/* response body, NUL-ended */
	size_t			 len, cap;
	docker_cb		 cb;		/* docker_call */
	docker_data_cb		 data_cb;	/* docker_stream */
	docker_end_cb		 end_cb;
	docker_fill_cb		 fill;		/* docker_upload's body */
	int			 body_done;
	int			 chunked;	/* length unknown: chunks */
	int			 starved;	/* fill had nothing for now */
	void			*arg;
	const char		*fail;		/* why it ends early */
	int			 queued;
	int			 cancelled;	/* free it, no more callbacks */
	int			 ending;	/* in its final callback */
	int			 paused;	/* a stream not read for now */
	char			 errmsg[512];
	TAILQ_ENTRY(docker_stream) entry;
	TAILQ_ENTRY(docker_stream) todo_entry;
};
TAILQ_HEAD(docker_reqs, docker_stream);

static struct event_base	*base;
static char			*sockpath;
static struct event		*kick_ev;	/* runs the todo list */
static struct docker_reqs	 all = TAILQ_HEAD_INITIALIZER(all);
static struct docker_reqs	 todo = TAILQ_HEAD_INITIALIZER(todo);
static struct docker_stream	*in_data;	/* its data_cb is running */
static int			 dying;		/* shut down once it returns */

static void	docker_start(struct docker_stream *);

/* Append to the response body; -1 if it would pass max. */
static int
buf_add(struct docker_stream *req, const char *data, size_t n, size_t max)
{
	size_t	want;

	if (n > max - req->len)
		return -1;
	if (req->len + n + 1 > req->cap) {
		want = req->cap == 0 ? 4096 : req->cap;
		while (want < req->len + n + 1)
			want *= 2;
		req->buf = xreallocarray(req->buf, want, 1);
		req->cap = want;
	}
	memcpy(req->buf + req->len, data, n);
	req->len += n;
	req->buf[req->len] = '\0';
	return 0;
}

/* Body bytes from http1.c: kept for a call or a failed stream, handed
 * on for a stream. */
static void
body_cb(const char *data, size_t n, void *arg)
{
	struct docker_stream	*req = arg;

	if (req->cancelled || req->fail != NULL || dying)
		return;
	if (req->data_cb == NULL) {
		if (buf_add(req, data, n, DOCKER_MAX_BODY) == -1)
			req->fail = "response too large";
		return;
	}
	if (req->resp.status >= 300) {
		(void)buf_add(req, data, n, DOCKER_ERRBODY_MAX);
		return;
	}
	in_data = req;
	req->data_cb(data, n, req->arg);
	in_data = NULL;
}

static void
req_free(struct docker_stream *req)
{
	if (req->out != NULL)
		evbuffer_free(req->out);
	free(req->buf);
	free(req);
}

/* Take the request off the lists and close its connection. */
static void
req_detach(struct docker_stream *req)
{
	if (req->queued) {
		TAILQ_REMOVE(&todo, req, todo_entry);
		req->queued = 0;
	}
	TAILQ_REMOVE(&all, req, entry);
	if (req->bev != NULL) {
		bufferevent_free(req->bev);
		req->bev = NULL;
	}
	if (req->timer != NULL) {
		event_free(req->timer);
		req->timer = NULL;
	}
}

static void
req_destroy(struct docker_stream *req)
{
	req_detach(req);
	req_free(req);
}

/* Refuse what would break the request line: callers build paths from
 * ids and escaped values, never raw input, but a slip must not turn
 * into a second request on the engine's socket. */
static int
path_ok(const char *path)
{
	const unsigned char	*p;

	if (path[0] != '/' || strlen(path) > 4096)
		return 0;
	for (p = (const unsigned char *)path; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f)
			return 0;
	return 1;
}

static struct docker_stream *
req_new(const char *method, const char *path, int versioned, json_t *body,
    const char *headers)
{
	struct docker_stream	*req;
	char			*s = NULL;
	int			 rc;

	req = xcalloc(1, sizeof *req);
	TAILQ_INSERT_TAIL(&all, req, entry);
	http1_init(&req->resp, strcmp(method, "HEAD") == 0);
	if ((req->out = evbuffer_new()) == NULL)
		fatalx("evbuffer_new failed");
	if (!path_ok(path)) {
		req->fail = "bad request path";
		return req;
	}
	if (body != NULL && (s = json_dumps(body,
	    JSON_COMPACT | JSON_ENCODE_ANY)) == NULL) {
		req->fail = "cannot encode the request body";
		return req;
	}
	rc = evbuffer_add_printf(req->out, "%s %s%s HTTP/1.1\r\n"
	    "Host: docker\r\nUser-Agent: berthd\r\nConnection: close\r\n%s",
	    method, versioned ? "/v" DOCKER_API_VERSION : "", path,
	    headers != NULL ? headers : "");
	if (rc != -1 && s != NULL)
		rc = evbuffer_add_printf(req->out, "Content-Type: "
		    "application/json\r\nContent-Length: %zu\r\n\r\n%s",
		    strlen(s), s);
	else if (rc != -1 && strcmp(method, "POST") == 0)
		rc = evbuffer_add_printf(req->out,
		    "Content-Length: 0\r\n\r\n");
	else if (rc != -1)
		rc = evbuffer_add_printf(req->out, "\r\n");
	if (rc == -1)
		fatalx("evbuffer_add_printf: out of memory");
	free(s);
	return req;
}

static void
reply(struct docker_stream *req, long status, const char *err)
{
	struct docker_reply	r;
	json_error_t		jerr;

	memset(&r, 0, sizeof r);
	r.status = status;
	r.err = err;
	r.raw = req->buf != NULL ? req->buf : "";
	r.len = req->len;
	if (err == NULL && req->len > 0 &&
	    (req->buf[0] == '{' || req->buf[0] == '[')) {
		r.json = json_loadb(req->buf, req->len, 0, &jerr);
		if (r.json == NULL) {
			snprintf(req->errmsg, sizeof req->errmsg,
			    "bad JSON from the engine: %s", jerr.text);
			r.err = req->errmsg;
		}
	}
	req->cb(&r, req->arg);
	json_decref(r.json);
}

/* The engine's error message of a failed stream: {"message": ...}. */
static const char *
stream_error(struct docker_stream *req, long status)
{
	json_t	*j;
	json_t	*m;

	snprintf(req->errmsg, sizeof req->errmsg, "HTTP %ld", status);
	if (req->len == 0)
		return req->errmsg;
	if ((j = json_loadb(req->buf, req->len, 0, NULL)) != NULL) {
		m = json_object_get(j, "message");
		if (json_is_string(m))
			snprintf(req->errmsg, sizeof req->errmsg, "%s",
			    json_string_value(m));
		json_decref(j);
	} else
		snprintf(req->errmsg, sizeof req->errmsg, "%.*s",
		    (int)strcspn(req->buf, "\r\n"), req->buf);
	return req->errmsg;
}

/* The one callback of a finished request (err: why it failed, or
 * NULL), then free it.  The callback may do anything, shut down too:
 * the request is off every list by then. */
static void
finish(struct docker_stream *req, const char *err)
{
	long	status = err == NULL ? req->resp.status : 0;

	req_detach(req);
	if (req->cancelled) {
		req_free(req);
		return;
	}
	req->ending = 1;
	if (req->data_cb == NULL)
		reply(req, status, err);
	else {
		if (err == NULL && status >= 300)
			err = stream_error(req, status);
		req->end_cb(status, err, req->arg);
	}
	req_free(req);
}

static const char *
sys_error(struct docker_stream *req, const char *what, int error)
{
	snprintf(req->errmsg, sizeof req->errmsg, "%s %s: %s", what,
	    sockpath, strerror(error));
	return req->errmsg;
}

/* Read what came and pass it through http1.c; then end the request
 * if it is complete, failed, cancelled, or the client was shut down
 * from its data_cb. */
static void
read_cb(struct bufferevent *bev, void *arg)
{
	struct docker_stream	*req = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct evbuffer_iovec	 v;
	ssize_t			 n = 0;

	while (evbuffer_get_length(in) > 0 && req->resp.st != H1_DONE &&
	    !req->cancelled && req->fail == NULL && !dying && !req->paused) {
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
			break;
		if ((n = http1_feed(&req->resp, v.iov_base, v.iov_len,
		    body_cb, req)) == -1)
			break;
		evbuffer_drain(in, (size_t)n);
	}
	if (dying)
		docker_shutdown();
	else if (req->cancelled)
		req_destroy(req);
	else if (req->fail != NULL)
		finish(req, req->fail);
	else if (n == -1) {
		snprintf(req->errmsg, sizeof req->errmsg,
		    "bad answer from the engine: %s", req->resp.err);
		finish(req, req->errmsg);
	} else if (req->resp.st == H1_DONE)
		finish(req, NULL);
}

/* What fill gives, as one chunk of a chunked body (and the last,
 * empty one when the body is all in). */
static int
fill_chunk(struct docker_stream *req, struct evbuffer *out)
{
	struct evbuffer	*b;
	size_t		 n;
	int		 rc;

	if ((b = evbuffer_new()) == NULL)
		fatalx("evbuffer_new failed");
	rc = req->fill(b, req->arg);
	if (rc != -1 && (n = evbuffer_get_length(b)) > 0 &&
	    (evbuffer_add_printf(out, "%zx\r\n", n) == -1 ||
	    evbuffer_add_buffer(out, b) == -1 ||
	    evbuffer_add(out, "\r\n", 2) == -1))
		rc = -1;
	if (rc == 1 && evbuffer_add(out, "0\r\n\r\n", 5) == -1)
		rc = -1;
	evbuffer_free(b);
	return rc;
}

/* An upload's body, a little at a time: more when what was queued
 * has mostly gone to the engine (flat memory, the engine's pace). */
static void
upload_cb(struct bufferevent *bev, void *arg)
{
	struct docker_stream	*req = arg;
	struct evbuffer		*out = bufferevent_get_output(bev);
	int			 rc = 0;

	while (!req->body_done && !req->starved &&
	    evbuffer_get_length(out) < 256 * 1024) {
		rc = req->chunked ? fill_chunk(req, out) :
		    req->fill(out, req->arg);
		if (rc == -1) {
			finish(req, "the request body could not be read");
			return;
		}
		req->body_done = rc == 1;
		req->starved = rc == 2;
	}
}

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct docker_stream	*req = arg;

	(void)bev;
	if (what & BEV_EVENT_ERROR)
		finish(req, sys_error(req, "connection to",
		    EVUTIL_SOCKET_ERROR()));
	else if (what & BEV_EVENT_EOF) {
		if (http1_eof(&req->resp) == 0)
			finish(req, NULL);
		else
			finish(req, "the engine closed the connection "
			    "before the answer was complete");
	}
}

static void
timeout_cb(evutil_socket_t fd, short events, void *arg)
{
	struct docker_stream	*req = arg;

	(void)fd;
	(void)events;
	snprintf(req->errmsg, sizeof req->errmsg,
	    "the engine did not answer: timed out after %ld ms",
	    req->timeout_ms);
	finish(req, req->errmsg);
}

/* A non-blocking connection to the engine; -1 with errno. */
static int
engine_connect(void)
{
	struct sockaddr_un	sun;
	int			fd, saved;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(sockpath) >= sizeof sun.sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, sockpath, strlen(sockpath) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return -1;
	/* A Unix socket connects at once or not at all (EAGAIN: the
	 * engine's backlog is full). */
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static void
docker_start(struct docker_stream *req)
{
	struct timeval	tv;
	int		fd;

	if (req->fail != NULL) {
		finish(req, req->fail);
		return;
	}
	if ((fd = engine_connect()) == -1) {
		finish(req, sys_error(req, "cannot connect to", errno));
		return;
	}
	if ((req->bev = bufferevent_socket_new(base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		fatalx("bufferevent_socket_new failed");
	bufferevent_setcb(req->bev, read_cb, req->fill != NULL ? upload_cb :
	    NULL, event_cb, req);
	bufferevent_setwatermark(req->bev, EV_WRITE, 64 * 1024, 0);
	if (bufferevent_write_buffer(req->bev, req->out) == -1 ||
	    bufferevent_enable(req->bev, req->paused ? EV_WRITE :
	    EV_READ | EV_WRITE) == -1)
		fatalx("bufferevent: cannot queue the request");
	evbuffer_free(req->out);
	req->out = NULL;
	if (req->timeout_ms > 0) {
		if ((req->timer = evtimer_new(base, timeout_cb, req)) == NULL)
			fatalx("evtimer_new failed");
		tv.tv_sec = req->timeout_ms / 1000;
		tv.tv_usec = (req->timeout_ms % 1000) * 1000;
		evtimer_add(req->timer, &tv);
	}
}

/* Start what waits and free what was cancelled. */
static void
kick_event(evutil_socket_t fd, short events, void *arg)
{
	struct docker_stream	*req;

	(void)fd;
	(void)events;
	(void)arg;
	while ((req = TAILQ_FIRST(&todo)) != NULL) {
		TAILQ_REMOVE(&todo, req, todo_entry);
		req->queued = 0;
		if (req->cancelled)
			req_destroy(req);
		else
			docker_start(req);
	}
}

static void
todo_push(struct docker_stream *req)
{
	if (!req->queued) {
		TAILQ_INSERT_TAIL(&todo, req, todo_entry);
		req->queued = 1;
	}
	event_active(kick_ev, EV_TIMEOUT, 0);
}

int
docker_init(struct event_base *evb, const char *socket_path)
{
	if (base != NULL) {
		log_warnx("docker: already initialised");
		return -1;
	}
	if ((kick_ev = event_new(evb, -1, 0, kick_event, NULL)) == NULL)
		fatalx("event_new failed");
	base = evb;
	sockpath = xstrdup(socket_path);
	log_debug("docker: engine at %s", sockpath);
	return 0;
}

void
docker_shutdown(void)
{
	struct docker_stream	*req;

	if (base == NULL)
		return;
	if (in_data != NULL) {
		/* From a data_cb: read_cb finishes the job. */
		dying = 1;
		return;
	}
	while ((req = TAILQ_FIRST(&all)) != NULL)
		req_destroy(req);
	event_free(kick_ev);
	kick_ev = NULL;
	free(sockpath);
	sockpath = NULL;
	base = NULL;
	dying = 0;
}

void
docker_call_start(const char *method, const char *path, json_t *body,
    long timeout_ms, int versioned, docker_cb cb, void *arg)
{
	struct docker_stream	*req;
	struct docker_reply	 r;

	if (base == NULL || dying) {
		json_decref(body);
		memset(&r, 0, sizeof r);
		r.raw = "";
		r.err = "the engine client is not running";
		cb(&r, arg);
		return;
	}
	req = req_new(method, path, versioned, body, NULL);
	json_decref(body);
	req->cb = cb;
	req->arg = arg;
	req->timeout_ms = timeout_ms > 0 ? timeout_ms : DOCKER_TIMEOUT_MS;
	log_debug("docker: %s %s", method, path);
	todo_push(req);
}

void
docker_call(const char *method, const char *path, json_t *body,
    long timeout_ms, docker_cb cb, void *arg)
{
	docker_call_start(method, path, body, timeout_ms, 1, cb, arg);
}

struct docker_stream *
docker_upload(const char *path, const char *ctype, uint64_t length,
    docker_fill_cb fill, long timeout_ms, docker_cb cb, void *arg)
{
	struct docker_stream	*req;
	struct docker_reply	 r;
	char			 head[256];

	if (base == NULL || dying) {
		memset(&r, 0, sizeof r);
		r.raw = "";
		r.err = "the engine client is not running";
		cb(&r, arg);
		return NULL;
	}
	if (length == DOCKER_LENGTH_UNKNOWN)
		snprintf(head, sizeof(head), "Content-Type: %s\r\n"
		    "Transfer-Encoding: chunked\r\n", ctype);
	else
		snprintf(head, sizeof(head), "Content-Type: %s\r\n"
		    "Content-Length: %llu\r\n", ctype,
		    (unsigned long long)length);
	req = req_new("PUT", path, 1, NULL, head);
	req->chunked = length == DOCKER_LENGTH_UNKNOWN;
	req->fill = fill;
	req->cb = cb;
	req->arg = arg;
	req->timeout_ms = timeout_ms > 0 ? timeout_ms : DOCKER_TIMEOUT_MS;
	log_debug("docker: PUT %s (%llu bytes)", path,
	    (unsigned long long)length);
	todo_push(req);
	return req;
}

/* fill has more for an upload it had starved (returned 2). */
void
docker_upload_more(struct docker_stream *s)
{
	if (s == NULL || s->ending || s->cancelled || !s->starved)
		return;
	s->starved = 0;
	if (s->bev != NULL)
		bufferevent_trigger(s->bev, EV_WRITE,
		    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
}

/*
 * Before docker_init or after docker_shutdown, end_cb runs at once and
 * the result is NULL (which docker_stream_cancel accepts).  A stream
 * has no deadline: the engine's socket is local, and /events is quiet
 * for as long as nothing happens.
 */
struct docker_stream *
docker_stream(const char *path, docker_data_cb data_cb,
    docker_end_cb end_cb, void *arg)
{
	struct docker_stream	*req;

	if (base == NULL || dying) {
		end_cb(0, "the engine client is not running", arg);
		return NULL;
	}
	req = req_new("GET", path, 1, NULL, NULL);
	req->data_cb = data_cb;
	req->end_cb = end_cb;
	req->arg = arg;
	log_debug("docker: stream %s", path);
	todo_push(req);
	return req;
}

/* Not after its end_cb has returned: the stream is gone by then. */
void
docker_stream_cancel(struct docker_stream *s)
{
	if (s == NULL || s->ending || s->cancelled)
		return;
	if (s != in_data) {
		req_destroy(s);
		return;
	}
	/* Its own data_cb: read_cb frees it once that returns. */
	s->cancelled = 1;
}

/*
 * Stop reading a stream (its data_cb is not called, the engine's socket
 * fills and the engine waits) or read it again: what was read already
 * is handed on first, from the loop.  Flow control for a reader slower
 * than the engine; a call from its own data_cb takes effect when it
 * returns.
 */
void
docker_stream_pause(struct docker_stream *s, int pause)
{
	if (s == NULL || s->ending || s->cancelled || s->paused == pause)
		return;
	s->paused = pause;
	if (s->bev == NULL)
		return;
	if (pause) {
		bufferevent_disable(s->bev, EV_READ);
		return;
	}
	bufferevent_enable(s->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_input(s->bev)) > 0)
		bufferevent_trigger(s->bev, EV_READ,
		    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
}

/* Percent-escape all but RFC 3986's unreserved characters. */
char *
docker_escape(const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p;
	char			*out, *o;

	o = out = xreallocarray(NULL, strlen(s) + 1, 3);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~')
			*o++ = (char)*p;
		else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

const char *
docker_sockpath(void)
{
	return sockpath;
}
