/*
 * The gateway's container statistics API, answered by the statswriter:
 * GET /api/containers/history?hours=&containerId=&limit= (samples,
 * newest first, fetched in pages of at most 1000 and joined) and
 * GET /api/containers/stats (startup times, phases, users, failed
 * startups, the most recent workspaces).  Operator endpoints: the admin
 * token only.  Every parameter is checked here; bad values are 400.
 */
#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "gateway.h"
#include "ipc.h"
#include "util.h"
#include "worker.h"
#include "xmalloc.h"

#define HOURS_DEFAULT	24
#define HOURS_MAX	87600		/* ten years */
#define LIMIT_DEFAULT	1000
#define LIMIT_CAP	5000
#define PAGE		1000		/* rows the statswriter sends at once */

/* A history request being assembled from pages. */
struct history {
	int64_t	 since_ms;
	char	 cid[129];
	long	 hours;
	long	 limit;
	json_t	*rows;
	char	*source;
};

/* ------------------------------------------------------------ JSON */

static json_t *
ms_json(int64_t ms)
{
	char	buf[40];

	return ms > 0 ? json_string(iso8601_ms((uint64_t)ms, buf,
	    sizeof(buf))) : json_null();
}

static json_t *
num_json(double d)
{
	return isnan(d) || isinf(d) ? json_null() : json_real(d);
}

static json_t *
int_json(int64_t i)
{
	return i < 0 ? json_null() : json_integer((json_int_t)i);
}

static json_t *
str_json(const char *s)
{
	return s[0] != '\0' ? json_string(s) : json_null();
}

json_t *
metric_json(const struct metric_item *it)
{
	return json_pack("{s:o,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,"
	    "s:o,s:o,s:o}",
	    "timestamp", ms_json(it->ts_ms), "containerId", it->container_id,
	    "containerName", str_json(it->container_name),
	    "workspaceId", str_json(it->workspace_id),
	    "status", str_json(it->status),
	    "cpuPercent", num_json(it->cpu_percent),
	    "cpuSeconds", num_json(it->cpu_seconds),
	    "memoryUsed", int_json(it->memory_used),
	    "memoryLimit", int_json(it->memory_limit),
	    "memoryCache", int_json(it->memory_cache),
	    "networkRx", int_json(it->network_rx),
	    "networkTx", int_json(it->network_tx),
	    "blockRead", int_json(it->block_read),
	    "blockWrite", int_json(it->block_write),
	    "pids", int_json(it->pids));
}

static json_t *
lifecycle_json(const struct lifecycle_item *it)
{
	return json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
	    "workspaceId", it->workspace_id,
	    "containerId", str_json(it->container_id),
	    "userId", str_json(it->user_id),
	    "s3Bucket", str_json(it->s3_bucket),
	    "requestReceivedAt", ms_json(it->received_ms),
	    "containerCreatedAt", ms_json(it->created_ms),
	    "containerStartedAt", ms_json(it->started_ms),
	    "codeServerAvailableAt", ms_json(it->available_ms),
	    "containerStoppedAt", ms_json(it->stopped_ms),
	    "startupTimeMs", int_json(it->startup_ms),
	    "activeDurationMs", int_json(it->active_ms),
	    "shutdownReason", str_json(it->reason));
}

static json_t *
dist_json(int64_t count, double avg, double p50, double p95)
{
	return json_pack("{s:I,s:o,s:o,s:o}", "count", (json_int_t)count,
	    "averageMs", num_json(avg), "p50Ms", num_json(p50),
	    "p95Ms", num_json(p95));
}

/* ------------------------------------------------------------ checks */

/* A decimal integer of at most 9 digits; -1 if s is anything else. */
static long
parse_count(const char *s)
{
	size_t	n = strspn(s, "0123456789");

	if (n == 0 || n > 9 || s[n] != '\0')
		return -1;
	return strtol(s, NULL, 10);
}

static int
valid_cid(const char *s)
{
	size_t	n = strlen(s);

	return n > 0 && n <= 128 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* One parameter of a history request; -1 if unknown or bad. */
static int
history_param(struct history *h, const char *key, const char *value)
{
	if (strcmp(key, "hours") == 0) {
		h->hours = parse_count(value);
		return h->hours >= 1 && h->hours <= HOURS_MAX ? 0 : -1;
	}
	if (strcmp(key, "limit") == 0) {
		h->limit = parse_count(value);
		return h->limit >= 1 ? 0 : -1;
	}
	if (strcmp(key, "containerId") == 0 && valid_cid(value)) {
		snprintf(h->cid, sizeof(h->cid), "%s", value);
		return 0;
	}
	return -1;
}

/* hours, containerId and limit from the query string into h; -1 after
 * answering 400.  A limit above LIMIT_CAP is capped, not refused. */
static int
history_params(struct evhttp_request *req, struct history *h)
{
	struct evkeyvalq	 q;
	struct evkeyval		*kv;
	const char		*query;
	int			 rc = 0;

	h->hours = HOURS_DEFAULT;
	h->limit = LIMIT_DEFAULT;
	query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	TAILQ_INIT(&q);
	if (query != NULL && evhttp_parse_query_str(query, &q) == -1) {
		http_error(req, 400, "bad_request", "malformed query string");
		return -1;
	}
	TAILQ_FOREACH(kv, &q, next) {
		if ((rc = history_param(h, kv->key, kv->value)) == -1) {
			http_error(req, 400, "bad_request", "bad parameter "
			    "%.32s: hours is 1 to %d, limit a positive integer "
			    "(at most %d are returned), containerId 1 to 128 "
			    "of [A-Za-z0-9_.-]", kv->key, HOURS_MAX, LIMIT_CAP);
			break;
		}
	}
	evhttp_clear_headers(&q);
	if (h->limit > LIMIT_CAP)
		h->limit = LIMIT_CAP;
	return rc;
}

/* ------------------------------------------------------------ history */

static void
history_free(void *arg)
{
	struct history	*h = arg;

	json_decref(h->rows);
	free(h->source);
	free(h);
}

static void	history_page(struct worker *, struct evhttp_request *,
		    struct history *, int64_t before_ms, const char *before);

static void
history_finish(struct evhttp_request *req, struct history *h)
{
	http_reply_json(req, 200, json_pack("{s:O,s:I,s:I,s:I,s:o,s:s}",
	    "metrics", h->rows, "count", (json_int_t)json_array_size(h->rows),
	    "hours", (json_int_t)h->hours, "limit", (json_int_t)h->limit,
	    "containerId", str_json(h->cid), "source", h->source));
	history_free(h);
}

static void
history_done(struct worker *w, struct evhttp_request *req, struct msg *m,
    void *arg)
{
	struct history		*h = arg;
	struct body_metrics	*b = m->body;
	size_t			 i, want;

	want = (size_t)h->limit - json_array_size(h->rows);
	for (i = 0; i < b->nrows && i < want; i++)
		json_array_append_new(h->rows, metric_json(&b->rows[i]));
	free(h->source);
	h->source = xstrdup(b->source);
	if (b->nrows < (size_t)PAGE || json_array_size(h->rows) >=
	    (size_t)h->limit || b->nrows == 0)
		history_finish(req, h);
	else
		history_page(w, req, h, b->rows[b->nrows - 1].ts_ms,
		    b->rows[b->nrows - 1].container_id);
}

static void
history_page(struct worker *w, struct evhttp_request *req,
    struct history *h, int64_t before_ms, const char *before)
{
	struct body_history_req	 q;
	struct call		*c;
	const char		*tok;
	long			 left = h->limit - (long)json_array_size(h->rows);

	if ((tok = api_token(req)) == NULL) {
		history_free(h);
		return;
	}
	memset(&q, 0, sizeof(q));
	q.since_ms = h->since_ms;
	q.container_id = xstrdup(h->cid);
	q.before_ms = before_ms;
	q.before_cid = xstrdup(before);
	q.limit = left < PAGE ? left : PAGE;
	c = api_call_new(w, req, history_done, h, history_free);
	api_call_sent(c, ipc_history(w, tok, &q, api_ipc_done, c));
}

void
api_containers_history(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	struct history	*h;

	/* berthd answers 401 or 403 for a token that is not the admin's. */
	h = xcalloc(1, sizeof(*h));
	if (history_params(req, h) == -1) {
		free(h);
		return;
	}
	h->since_ms = (int64_t)wall_ms() - (int64_t)h->hours * 3600000;
	h->rows = json_array();
	h->source = xstrdup("");
	history_page(w, req, h, 0, "");
}

/* ------------------------------------------------------------ stats */

static json_t *
lifecycle_array(const struct lifecycle_item *items, size_t n)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, lifecycle_json(&items[i]));
	return a;
}

static void
stats_done(struct worker *w, struct evhttp_request *req, struct msg *m,
    void *arg)
{
	struct body_cstats	*c = m->body;
	json_t			*users = json_array();
	size_t			 i;

	for (i = 0; i < c->nusers; i++)
		json_array_append_new(users, json_pack("{s:s,s:I,s:o}",
		    "userId", c->users[i].user_id, "count",
		    (json_int_t)c->users[i].count, "averageStartupMs",
		    num_json(c->users[i].avg_ms)));
	http_reply_json(req, 200, json_pack("{s:s,s:o,s:{s:o,s:o,s:o},s:o,"
	    "s:{s:I,s:o},s:o}", "source", c->source,
	    "startup", dist_json(c->startup_count, c->startup_avg,
	    c->startup_p50, c->startup_p95),
	    "phases",
	    "containerCreate", dist_json(c->create_count, c->create_avg,
	    c->create_p50, c->create_p95),
	    "containerStart", dist_json(c->start_count, c->start_avg,
	    c->start_p50, c->start_p95),
	    "workspaceReady", dist_json(c->ready_count, c->ready_avg,
	    c->ready_p50, c->ready_p95),
	    "byUser", users,
	    "failedStartups", "count", (json_int_t)c->failed,
	    "recent", lifecycle_array(c->failed_rows, c->nfailed),
	    "recent", lifecycle_array(c->recent, c->nrecent)));
}

void
api_containers_stats(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	const char	*tok;
	struct call	*c;

	if ((tok = api_token(req)) == NULL)
		return;
	c = api_call_new(w, req, stats_done, NULL, NULL);
	api_call_sent(c, ipc_cstats(w, tok, api_ipc_done, c));
}
