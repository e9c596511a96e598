/*
 * The Docker Engine client of berthd: HTTP/1.1 over the engine's Unix
 * socket with libcurl's multi interface, driven by the libevent loop.
 * curl says which sockets to watch (sock_cb) and when to wake it up
 * (timer_cb); readiness goes back with curl_multi_socket_action and
 * finished transfers come out of curl_multi_info_read.
 *
 * Callbacks may start requests, cancel streams or shut the client down.
 * libcurl forbids adding or removing a handle from inside its own
 * callbacks, which is where data_cb runs; so while curl is on the stack
 * (in_curl) a new request or a cancelled stream waits on the todo list
 * for the kick event, and a shutdown waits until curl has returned.
 * A request is never started, and its callback never runs, inside the
 * docker_call or docker_stream that made it.
 */
#include <sys/queue.h>

#include <curl/curl.h>
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker.h"
#include "log.h"
#include "xmalloc.h"

#define DOCKER_TIMEOUT_MS	30000
#define DOCKER_CHECK_TIMEOUT_MS	10000
#define DOCKER_ERRBODY_MAX	(64 * 1024)	/* kept of a failed stream */
#define DOCKER_MIN_ENGINE	"20.10"		/* first with API 1.41 */

/*
 * A request in flight.  docker_stream() hands it out as the stream;
 * docker_call() keeps it to itself.  It is on the all list from birth
 * to finish, on the todo list while it waits for the kick event, and in
 * the multi handle once added.
 */
struct docker_stream {
	CURL			*easy;
	struct curl_slist	*headers;
	char			*buf;		/* response body, NUL-ended */
	size_t			 len, cap;
	docker_cb		 cb;		/* docker_call */
	docker_data_cb		 data_cb;	/* docker_stream */
	docker_end_cb		 end_cb;
	void			*arg;
	const char		*fail;		/* failed before or in curl */
	int			 added;
	int			 queued;
	int			 cancelled;	/* free it, no more callbacks */
	int			 ending;	/* in its final callback */
	char			 errbuf[CURL_ERROR_SIZE];
	char			 errmsg[CURL_ERROR_SIZE + 128];
	TAILQ_ENTRY(docker_stream) entry;
	TAILQ_ENTRY(docker_stream) todo_entry;
};
TAILQ_HEAD(docker_reqs, docker_stream);

static struct event_base	*base;
static CURLM			*multi;
static char			*sockpath;
static struct event		*timer_ev;	/* curl's timeout */
static struct event		*kick_ev;	/* runs the todo list */
static struct docker_reqs	 all = TAILQ_HEAD_INITIALIZER(all);
static struct docker_reqs	 todo = TAILQ_HEAD_INITIALIZER(todo);
static int			 in_curl;	/* curl is on the stack */
static int			 dying;		/* shut down once out of curl */

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

/* A stream whose status says error: its body is an error message. */
static int
stream_failed(struct docker_stream *req)
{
	long	status = 0;

	curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &status);
	return status >= 300;
}

/* Returning less than asked makes curl end the transfer. */
static size_t
write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct docker_stream	*req = arg;
	size_t			 n = size * nmemb;

	if (req->cancelled)
		return 0;
	if (req->data_cb == NULL) {
		if (buf_add(req, data, n, DOCKER_MAX_BODY) == -1) {
			req->fail = "response too large";
			return 0;
		}
		return n;
	}
	if (stream_failed(req)) {
		(void)buf_add(req, data, n, DOCKER_ERRBODY_MAX);
		return n;
	}
	req->data_cb(data, n, req->arg);
	return req->cancelled ? 0 : n;
}

static void
req_free(struct docker_stream *req)
{
	if (req->easy != NULL)
		curl_easy_cleanup(req->easy);
	curl_slist_free_all(req->headers);
	free(req->buf);
	free(req);
}

/* Take the request off the lists and out of curl.  Never in curl. */
static void
req_detach(struct docker_stream *req)
{
	CURLMcode	rc;

	if (req->queued) {
		TAILQ_REMOVE(&todo, req, todo_entry);
		req->queued = 0;
	}
	TAILQ_REMOVE(&all, req, entry);
	if (req->added) {
		rc = curl_multi_remove_handle(multi, req->easy);
		if (rc != CURLM_OK)
			log_warnx("docker: curl_multi_remove_handle: %s",
			    curl_multi_strerror(rc));
		req->added = 0;
	}
}

static void
req_destroy(struct docker_stream *req)
{
	req_detach(req);
	req_free(req);
}

static void
header_add(struct docker_stream *req, const char *header)
{
	struct curl_slist	*l;

	if ((l = curl_slist_append(req->headers, header)) == NULL)
		fatalx("curl_slist_append: out of memory");
	req->headers = l;
}

/* Options every request shares; -1 if curl refuses one. */
static int
req_setup(struct docker_stream *req, const char *url)
{
	CURL	*e = req->easy;

	header_add(req, "Expect:");
	if (curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, sockpath) !=
	    CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PROXY, "") != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)DOCKER_TIMEOUT_MS) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_USERAGENT, "berthd") != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PRIVATE, req) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, req->errbuf) !=
	    CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_WRITEDATA, req) != CURLE_OK)
		return -1;
	return 0;
}

static struct docker_stream *
req_new(const char *path, int versioned)
{
	struct docker_stream	*req;
	char			*url;

	req = xcalloc(1, sizeof *req);
	if ((req->easy = curl_easy_init()) == NULL)
		fatalx("curl_easy_init failed");
	xasprintf(&url, "http://localhost%s%s",
	    versioned ? "/v" DOCKER_API_VERSION : "", path);
	if (req_setup(req, url) == -1)
		req->fail = "cannot set up the request";
	free(url);
	TAILQ_INSERT_TAIL(&all, req, entry);
	return req;
}

/* The method and the body; the headers are final after this. */
static int
req_method(struct docker_stream *req, const char *method, json_t *body)
{
	CURL	*e = req->easy;
	char	*s = NULL;
	int	 rc = 0;

	if (body != NULL) {
		if ((s = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY)) ==
		    NULL) {
			req->fail = "cannot encode the request body";
			return -1;
		}
		header_add(req, "Content-Type: application/json");
	}
	if (strcmp(method, "HEAD") == 0)
		rc |= curl_easy_setopt(e, CURLOPT_NOBODY, 1L) != CURLE_OK;
	else if (s != NULL || strcmp(method, "POST") == 0) {
		if (s == NULL)		/* not curl's form type */
			header_add(req, "Content-Type:");
		rc |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE,
		    (long)(s != NULL ? strlen(s) : 0)) != CURLE_OK;
		rc |= curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS,
		    s != NULL ? s : "") != CURLE_OK;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0 &&
	    strcmp(method, "HEAD") != 0)
		rc |= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method) !=
		    CURLE_OK;
	rc |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, req->headers) !=
	    CURLE_OK;
	free(s);
	return rc ? -1 : 0;
}

/* Why the transfer failed, or NULL. */
static const char *
transport_error(struct docker_stream *req, CURLcode res)
{
	long	oserr = 0;

	if (req->fail != NULL)
		return req->fail;
	if (res == CURLE_OK)
		return NULL;
	if (res == CURLE_COULDNT_CONNECT &&
	    curl_easy_getinfo(req->easy, CURLINFO_OS_ERRNO, &oserr) ==
	    CURLE_OK && oserr != 0)
		snprintf(req->errmsg, sizeof req->errmsg, "%s: %s",
		    curl_easy_strerror(res), strerror((int)oserr));
	else if (req->errbuf[0] != '\0')
		snprintf(req->errmsg, sizeof req->errmsg, "%s", req->errbuf);
	else
		snprintf(req->errmsg, sizeof req->errmsg, "%s",
		    curl_easy_strerror(res));
	return req->errmsg;
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

/* The one callback of a finished request, then free it. */
static void
finish(struct docker_stream *req, CURLcode res)
{
	const char	*err;
	long		 status = 0;

	req_detach(req);
	if (req->cancelled) {
		req_free(req);
		return;
	}
	curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &status);
	if ((err = transport_error(req, res)) != NULL)
		status = 0;
	/* The callback may shut curl down: let go of it first. */
	curl_easy_cleanup(req->easy);
	req->easy = NULL;
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

/* Finished transfers.  A callback may shut down: check multi each time. */
static void
collect(void)
{
	CURLMsg	*msg;
	CURLcode res;
	char	*priv;
	int	 left;

	while (multi != NULL &&
	    (msg = curl_multi_info_read(multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		res = msg->data.result;
		priv = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		if (priv != NULL)
			finish((struct docker_stream *)(void *)priv, res);
	}
}

static void
drive(curl_socket_t fd, int flags)
{
	CURLMcode	rc;
	int		running;

	in_curl++;
	rc = curl_multi_socket_action(multi, fd, flags, &running);
	in_curl--;
	if (rc != CURLM_OK)
		log_warnx("docker: curl_multi_socket_action: %s",
		    curl_multi_strerror(rc));
	if (dying) {
		docker_shutdown();
		return;
	}
	collect();
}

static void
sock_event(evutil_socket_t fd, short events, void *arg)
{
	int	flags = 0;

	(void)arg;
	if (events & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (events & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	drive(fd, flags);
}

static void
timer_event(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	drive(CURL_SOCKET_TIMEOUT, 0);
}

/* curl wants a socket watched (or no longer): one event per socket. */
static int
sock_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *sockp)
{
	struct event	*ev = sockp;
	short		 flags = EV_PERSIST;

	(void)easy;
	(void)userp;
	if (what == CURL_POLL_REMOVE) {
		if (ev != NULL)
			event_free(ev);
		return 0;
	}
	if (what & CURL_POLL_IN)
		flags |= EV_READ;
	if (what & CURL_POLL_OUT)
		flags |= EV_WRITE;
	if (ev == NULL) {
		if ((ev = event_new(base, fd, flags, sock_event, NULL)) == NULL)
			fatalx("event_new failed");
		curl_multi_assign(multi, fd, ev);
	} else {
		event_del(ev);
		event_assign(ev, base, fd, flags, sock_event, NULL);
	}
	event_add(ev, NULL);
	return 0;
}

/* curl wants to be woken up in timeout_ms (-1: never). */
static int
timer_cb(CURLM *m, long timeout_ms, void *userp)
{
	struct timeval	tv;

	(void)m;
	(void)userp;
	if (timeout_ms < 0) {
		evtimer_del(timer_ev);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(timer_ev, &tv);
	return 0;
}

/* Start what waits and free what was cancelled, outside curl. */
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
docker_start(struct docker_stream *req)
{
	CURLMcode	rc;

	if (req->fail != NULL) {
		finish(req, CURLE_FAILED_INIT);
		return;
	}
	if ((rc = curl_multi_add_handle(multi, req->easy)) != CURLM_OK) {
		log_warnx("docker: curl_multi_add_handle: %s",
		    curl_multi_strerror(rc));
		req->fail = "cannot start the request";
		finish(req, CURLE_FAILED_INIT);
		return;
	}
	req->added = 1;
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
	if (multi != NULL) {
		log_warnx("docker: already initialised");
		return -1;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_warnx("docker: curl_global_init failed");
		return -1;
	}
	if ((multi = curl_multi_init()) == NULL) {
		log_warnx("docker: curl_multi_init failed");
		curl_global_cleanup();
		return -1;
	}
	if (curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, sock_cb) !=
	    CURLM_OK ||
	    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, timer_cb) !=
	    CURLM_OK) {
		log_warnx("docker: curl_multi_setopt failed");
		curl_multi_cleanup(multi);
		multi = NULL;
		curl_global_cleanup();
		return -1;
	}
	if ((timer_ev = evtimer_new(evb, timer_event, NULL)) == NULL ||
	    (kick_ev = event_new(evb, -1, 0, kick_event, NULL)) == NULL)
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

	if (multi == NULL)
		return;
	if (in_curl > 0) {
		/* From data_cb: stop every transfer, finish in drive(). */
		dying = 1;
		TAILQ_FOREACH(req, &all, entry)
			req->cancelled = 1;
		return;
	}
	while ((req = TAILQ_FIRST(&all)) != NULL)
		req_destroy(req);
	curl_multi_cleanup(multi);
	multi = NULL;
	event_free(timer_ev);
	event_free(kick_ev);
	timer_ev = kick_ev = NULL;
	free(sockpath);
	sockpath = NULL;
	base = NULL;
	dying = 0;
	curl_global_cleanup();
}

static void
call_start(const char *method, const char *path, json_t *body,
    long timeout_ms, int versioned, docker_cb cb, void *arg)
{
	struct docker_stream	*req;
	struct docker_reply	 r;

	if (multi == NULL || dying) {
		json_decref(body);
		memset(&r, 0, sizeof r);
		r.raw = "";
		r.err = "the engine client is not running";
		cb(&r, arg);
		return;
	}
	req = req_new(path, versioned);
	req->cb = cb;
	req->arg = arg;
	if (timeout_ms <= 0)
		timeout_ms = DOCKER_TIMEOUT_MS;
	if (req_method(req, method, body) == -1 ||
	    curl_easy_setopt(req->easy, CURLOPT_TIMEOUT_MS, timeout_ms) !=
	    CURLE_OK) {
		if (req->fail == NULL)
			req->fail = "cannot set up the request";
	}
	json_decref(body);
	log_debug("docker: %s %s", method, path);
	todo_push(req);
}

void
docker_call(const char *method, const char *path, json_t *body,
    long timeout_ms, docker_cb cb, void *arg)
{
	call_start(method, path, body, timeout_ms, 1, cb, arg);
}

/*
 * Before docker_init or after docker_shutdown, end_cb runs at once and
 * the result is NULL (which docker_stream_cancel accepts).
 */
struct docker_stream *
docker_stream(const char *path, docker_data_cb data_cb,
    docker_end_cb end_cb, void *arg)
{
	struct docker_stream	*req;

	if (multi == NULL || dying) {
		end_cb(0, "the engine client is not running", arg);
		return NULL;
	}
	req = req_new(path, 1);
	req->data_cb = data_cb;
	req->end_cb = end_cb;
	req->arg = arg;
	if (req_method(req, "GET", NULL) == -1)
		req->fail = "cannot set up the request";
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
	if (in_curl == 0) {
		req_destroy(s);
		return;
	}
	/* Inside curl: write_cb stops it, the kick event frees it. */
	s->cancelled = 1;
	todo_push(s);
}

char *
docker_escape(const char *s)
{
	char	*e, *out;
#if LIBCURL_VERSION_NUM >= 0x075200
	e = curl_easy_escape(NULL, s, 0);
#else
	CURL	*h;

	if ((h = curl_easy_init()) == NULL)
		fatalx("curl_easy_init failed");
	e = curl_easy_escape(h, s, 0);
	curl_easy_cleanup(h);
#endif
	if (e == NULL)
		fatalx("curl_easy_escape: out of memory");
	out = xstrdup(e);
	curl_free(e);
	return out;
}

/* ------------------------------------------------------------ engine check */

typedef void (*docker_check_cb)(int, const char *, const char *,
    const char *, void *);

struct docker_check {
	docker_check_cb	 cb;
	void		*arg;
	char		*path;
};

static void
check_done(struct docker_check *c, int ok, const char *version,
    const char *api, const char *err)
{
	if (!ok)
		log_debug("docker: engine check: %s", err);
	c->cb(ok, version, api, err, c->arg);
	free(c->path);
	free(c);
}

/* "1.41" into major and minor; -1 if it is not that shape. */
static int
api_parse(const char *s, unsigned long *major, unsigned long *minor)
{
	char	*end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	*major = strtoul(s, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		return -1;
	*minor = strtoul(end + 1, &end, 10);
	return *end == '\0' ? 0 : -1;
}

static int
api_older(unsigned long major, unsigned long minor)
{
	unsigned long	wmajor, wminor;

	if (api_parse(DOCKER_API_VERSION, &wmajor, &wminor) == -1)
		fatalx("bad DOCKER_API_VERSION");
	return major < wmajor || (major == wmajor && minor < wminor);
}

static void
check_unreachable(struct docker_check *c, const struct docker_reply *r,
    const char *what)
{
	char	err[1024];

	if (r->status == 0)
		snprintf(err, sizeof err, "cannot reach the engine at %s: %s",
		    c->path, r->err);
	else
		snprintf(err, sizeof err, "the engine at %s answered %s "
		    "with HTTP %ld", c->path, what, r->status);
	check_done(c, 0, NULL, NULL, err);
}

static void
check_version(const struct docker_reply *r, void *arg)
{
	struct docker_check	*c = arg;
	const char		*api, *version;
	unsigned long		 major, minor;
	char			 err[1024];

	if (r->status != 200 || !json_is_object(r->json)) {
		check_unreachable(c, r, "GET /version");
		return;
	}
	api = json_string_value(json_object_get(r->json, "ApiVersion"));
	version = json_string_value(json_object_get(r->json, "Version"));
	if (version == NULL)
		version = "unknown";
	if (api_parse(api, &major, &minor) == -1) {
		snprintf(err, sizeof err, "the engine at %s reports an "
		    "unreadable API version \"%s\"", c->path,
		    api != NULL ? api : "");
		check_done(c, 0, version, api, err);
	} else if (api_older(major, minor)) {
		snprintf(err, sizeof err, "Docker API %s is older than %s "
		    "(Docker %s)", api, DOCKER_API_VERSION, DOCKER_MIN_ENGINE);
		check_done(c, 0, version, api, err);
	} else
		check_done(c, 1, version, api, NULL);
}

static void
check_ping(const struct docker_reply *r, void *arg)
{
	struct docker_check	*c = arg;

	if (r->status != 200 || r->len != 2 || memcmp(r->raw, "OK", 2) != 0) {
		check_unreachable(c, r, "GET /_ping");
		return;
	}
	call_start("GET", "/version", NULL, DOCKER_CHECK_TIMEOUT_MS, 0,
	    check_version, c);
}

/* /_ping and /version go without the version prefix: any engine
 * answers those, so an old one can be told apart from none. */
void
docker_check(docker_check_cb cb, void *arg)
{
	struct docker_check	*c;

	c = xcalloc(1, sizeof *c);
	c->cb = cb;
	c->arg = arg;
	c->path = xstrdup(sockpath != NULL ? sockpath : "(none)");
	call_start("GET", "/_ping", NULL, DOCKER_CHECK_TIMEOUT_MS, 0,
	    check_ping, c);
}
