/*
 * GET /api/monitoring/events?type=&severity=&since=&limit=&source=
 * (issue 14, point 1): berthd's recent events, newest first, from its
 * memory (source=memory, the default) or from system_events
 * (source=database: what was persisted, also before berthd's last
 * start; 503 without a database).  The gateway checks the parameters
 * (400 when bad); berthd decides which events the token may see (a
 * user token: its own workspaces'), and stamps that on the request the
 * statswriter answers.
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
#include "rfc3339.h"
#include "util.h"
#include "worker.h"
#include "xmalloc.h"

#define EVENTS_LIMIT_DEFAULT	100
#define EVENTS_LIMIT_MAX	1000

static int
valid_type(const char *s)
{
	size_t	n = strlen(s);

	return n > 0 && n <= 48 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "0123456789._-") == n;
}

static int
valid_severity(const char *s)
{
	return strcmp(s, "info") == 0 || strcmp(s, "warning") == 0 ||
	    strcmp(s, "error") == 0 || strcmp(s, "critical") == 0;
}

/* RFC 3339 or Unix seconds; -1 if neither. */
static int
parse_since(const char *s, int64_t *ms)
{
	int64_t	ns;

	if (unix_ns(s, &ns) == -1 && rfc3339_ns(s, strlen(s), &ns) == -1)
		return -1;
	*ms = ns / 1000000;
	return 0;
}

static int
events_param(struct body_events_req *q, const char *key, const char *v,
    unsigned *to)
{
	size_t	n;

	if (strcmp(key, "source") == 0 && strcmp(v, "memory") == 0)
		*to = PEER_PARENT;
	else if (strcmp(key, "source") == 0 && strcmp(v, "database") == 0)
		*to = PEER_STATSWRITER;
	else if (strcmp(key, "type") == 0 && valid_type(v))
		q->type = xstrdup(v);
	else if (strcmp(key, "severity") == 0 && valid_severity(v))
		q->severity = xstrdup(v);
	else if (strcmp(key, "since") == 0 && parse_since(v, &q->since_ms) ==
	    0)
		return 0;
	else if (strcmp(key, "limit") == 0) {
		n = strspn(v, "0123456789");
		if (n == 0 || n > 4 || v[n] != '\0')
			return -1;
		q->limit = strtol(v, NULL, 10);
		return q->limit >= 1 && q->limit <= EVENTS_LIMIT_MAX ? 0 : -1;
	} else
		return -1;
	return 0;
}

/* The query into q and where to ask; -1 after answering 400. */
static int
events_params(struct evhttp_request *req, struct body_events_req *q,
    unsigned *to)
{
	struct evkeyvalq	 kv;
	struct evkeyval		*p;
	const char		*query;
	int			 rc = 0;

	query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	TAILQ_INIT(&kv);
	if (query != NULL && evhttp_parse_query_str(query, &kv) == -1) {
		http_error(req, 400, "bad_request", "malformed query string");
		return -1;
	}
	TAILQ_FOREACH(p, &kv, next) {
		if (q->type != NULL && strcmp(p->key, "type") == 0)
			rc = -1;	/* given twice */
		else if (q->severity != NULL && strcmp(p->key,
		    "severity") == 0)
			rc = -1;
		else
			rc = events_param(q, p->key, p->value, to);
		if (rc == -1) {
			http_error(req, 400, "bad_request", "bad parameter "
			    "%.32s: type is 1 to 48 of [a-z0-9._-], severity "
			    "info, warning, error or critical, since an RFC "
			    "3339 time or Unix seconds, limit 1 to %d, source "
			    "memory or database",
			    p->key, EVENTS_LIMIT_MAX);
			break;
		}
	}
	evhttp_clear_headers(&kv);
	return rc;
}

static json_t *
opt_str(const char *s)
{
	return s[0] != '\0' ? json_string(s) : json_null();
}

json_t *
event_json(const struct event_item *e)
{
	char	t[32], last[32];

	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:o,s:o,s:I,s:s}",
	    "id", (json_int_t)e->id,
	    "time", iso8601_ms((uint64_t)e->time_ms, t, sizeof(t)),
	    "type", e->type, "severity", e->severity, "message", e->message,
	    "workspaceId", opt_str(e->workspace_id),
	    "userId", opt_str(e->user_id), "count", (json_int_t)e->count,
	    "lastSeen", iso8601_ms((uint64_t)e->last_ms, last, sizeof(last)));
}

static void
events_done(struct worker *w, struct evhttp_request *req, struct msg *m,
    void *arg)
{
	struct body_events	*b = m->body;
	json_t			*a = json_array();
	size_t			 i;

	for (i = 0; i < b->nitems; i++)
		json_array_append_new(a, event_json(&b->items[i]));
	http_reply_json(req, 200, json_pack("{s:o,s:I,s:s}", "events", a,
	    "count", (json_int_t)b->nitems, "source", (const char *)arg));
}

void
api_events(struct worker *w, struct evhttp_request *req, char params[][128])
{
	struct body_events_req	 q;
	struct call		*c;
	const char		*tok;
	unsigned		 to = PEER_PARENT;

	if ((tok = api_token(req)) == NULL)
		return;
	memset(&q, 0, sizeof(q));
	q.limit = EVENTS_LIMIT_DEFAULT;
	if (events_params(req, &q, &to) == 0) {
		c = api_call_new(w, req, events_done, to == PEER_PARENT ?
		    "memory" : "database", NULL);
		api_call_sent(c, ipc_events(w, to, tok, &q, api_ipc_done, c));
	}
	free(q.type);
	free(q.severity);
}
