/*
 * HTTP helpers of the gateway: JSON replies, the error shape of the API
 * ({"error": {"code", "message"}}), path patterns, ISO-8601 times.
 */
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gateway.h"
#include "jsonw.h"
#include "log.h"
#include "utf8.h"

static const char *
reason(int code)
{
	switch (code) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

/* Every answer closes its connection: one request per connection, so
 * that conns.c's deadline and caps hold per request. */
static void
send_json(struct evhttp_request *req, int code, struct evbuffer *buf)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);

	evbuffer_add(buf, "\n", 1);
	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Connection", "close");
	httpstats_end(req, code);
	evhttp_send_reply(req, code, reason(code), buf);
}

void
http_reply_raw(struct evhttp_request *req, int code, const char *text)
{
	struct evbuffer		*buf = evbuffer_new();

	/* json_pack gives NULL for a string that is not UTF-8, and so
	 * json_dumps: never an empty body. */
	if (text == NULL) {
		log_warnx("%s: an answer %d could not be encoded", __func__,
		    code);
		text = "{\"error\":{\"code\":\"internal\",\"message\":"
		    "\"the answer could not be encoded\"}}";
		if (code < 400)
			code = 500;
	}
	evbuffer_add(buf, text, strlen(text));
	send_json(req, code, buf);
	evbuffer_free(buf);
}

/* The answer a struct jw wrote (into a buffer of its own, freed here);
 * one that could not be encoded is answered as http_reply_raw's. */
void
http_reply_jw(struct evhttp_request *req, int code, struct jw *j)
{
	if (jw_finish(j) == -1)
		http_reply_raw(req, code, NULL);
	else
		send_json(req, code, j->out);
	evbuffer_free(j->out);
}

/* Takes the reference to body. */
void
http_reply_json(struct evhttp_request *req, int code, json_t *body)
{
	char	*text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;

	json_decref(body);
	http_reply_raw(req, code, text);
	free(text);
}

void
http_error(struct evhttp_request *req, int code, const char *errcode,
    const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	va_start(ap, fmt);
	utf8_vformat(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	http_reply_json(req, code, json_pack("{s:{s:s,s:s}}", "error",
	    "code", errcode, "message", msg));
}

/*
 * Match "/api/workspaces/:id/health" against a path; each ":name"
 * segment is copied into params (at most 127 bytes each, no '/').
 * Returns the number of params, or -1 when the path does not match.
 */
int
route_match(const char *pattern, const char *path, char params[][128],
    int maxparams)
{
	int	n = 0;
	size_t	len;

	while (*pattern != '\0' && *path != '\0') {
		if (*pattern == ':') {
			len = strcspn(path, "/");
			if (len == 0 || len >= 128 || n == maxparams)
				return -1;
			memcpy(params[n], path, len);
			params[n++][len] = '\0';
			path += len;
			pattern += strcspn(pattern, "/");
			continue;
		}
		if (*pattern++ != *path++)
			return -1;
	}
	return (*pattern == '\0' && *path == '\0') ? n : -1;
}

/* The query string into kv; -1 when it is malformed, has a key not in
 * keys or one key twice (kv is cleared by the caller either way). */
int
http_query_parse(struct evhttp_request *req, const char *const *keys,
    struct evkeyvalq *kv)
{
	struct evkeyval		*p, *q;
	const char		*query, *const *k;

	query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	TAILQ_INIT(kv);
	if (query != NULL && evhttp_parse_query_str(query, kv) == -1)
		return -1;
	TAILQ_FOREACH(p, kv, next) {
		for (k = keys; *k != NULL && strcmp(*k, p->key) != 0; k++)
			;
		if (*k == NULL)
			return -1;
		for (q = TAILQ_NEXT(p, next); q != NULL; q = TAILQ_NEXT(q,
		    next))
			if (strcmp(p->key, q->key) == 0)
				return -1;
	}
	return 0;
}

/* A positive decimal number up to max, or -1. */
int64_t
http_number(const char *s, int64_t max)
{
	size_t		n = strspn(s, "0123456789");
	long long	v;

	if (n == 0 || n > 18 || s[n] != '\0')
		return -1;
	v = strtoll(s, NULL, 10);
	return v >= 1 && v <= max ? v : -1;
}
