/*
 * The statswriter's answers to the gateway's queries (answers.h).  The
 * gateway validated the parameters; they are checked again here before
 * they become query parameters (never SQL text).  A query the database
 * cannot answer (down, or never configured) is answered from memory,
 * and the reply says which.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answers.h"
#include "codec.h"
#include "db.h"
#include "exposition.h"
#include "log.h"
#include "memstore.h"
#include "promitem.h"
#include "query.h"
#include "sampler.h"
#include "store.h"
#include "worker.h"
#include "xmalloc.h"

#define PAGE_MAX	1000	/* rows in one reply (MAX_ROWS) */

static void
reply(struct worker *w, struct msg *r, const struct msg *req)
{
	r->id = req->id;
	r->peer = req->peer;
	r->flags = MSGF_REPLY;
	worker_send(w, r);
	msg_clear(r);
}

/*
 * Samples for /api/metrics, in pages of at most 1000 items (and, asked
 * for text, PROTO_PROM_TEXTS texts of the containers' series:
 * exposition.c).  Page 0 builds the list of items; the pages after it
 * are cut from that same list (one scrape asks for them in turn), built
 * again when that page was given already.  The list goes when its last
 * page does.
 */
void
answer_prom(struct worker *w, struct store *s, struct sampler *sp,
    struct msg *req)
{
	static struct prom_list	 l;
	struct body_prom_req	*q = req->body;
	struct body_prom	*b;
	struct msg		 r;
	size_t			 first;
	int			 more;

	if (q->page < 0 || q->page > 100) {
		worker_reply_error(w, req, "bad_request", "bad page");
		return;
	}
	first = (size_t)q->page * PAGE_MAX;
	if (q->page == 0 || (first < l.n && l.items[first].name == NULL)) {
		prom_free(&l);
		store_prom(s, &l);
		sampler_prom(sp, &l, !q->text);
	}
	b = msg_init(&r, MSG_PROM, 0, 0);
	prom_page(&l, b, (size_t)q->page, PAGE_MAX);
	if (!b->more)
		prom_free(&l);
	more = q->text && expo_page(sp, q->users, q->known, (size_t)q->page,
	    b);
	b->more = b->more || more;
	reply(w, &r, req);
}

void
answer_status(struct worker *w, struct store *s, struct msg *req)
{
	struct msg	r;

	store_status(s, msg_init(&r, MSG_DB_STATUS, 0, 0));
	reply(w, &r, req);
}

/* ------------------------------------------------------------ history */

static char *
dup0(const char *s)
{
	return xstrdup(s != NULL ? s : "");
}

static int
add_row(const struct metric_item *row, void *arg)
{
	struct body_metrics	*b = arg;
	struct metric_item	*it = &b->rows[b->nrows++];

	it->ts_ms = row->ts_ms;
	it->container_id = dup0(row->container_id);
	it->container_name = dup0(row->container_name);
	it->workspace_id = dup0(row->workspace_id);
	it->status = dup0(row->status);
	it->cpu_percent = row->cpu_percent;
	it->cpu_seconds = row->cpu_seconds;
	it->memory_used = row->memory_used;
	it->memory_limit = row->memory_limit;
	it->memory_cache = row->memory_cache;
	it->network_rx = row->network_rx;
	it->network_tx = row->network_tx;
	it->block_read = row->block_read;
	it->block_write = row->block_write;
	it->pids = row->pids;
	return b->nrows == PAGE_MAX;
}

/* Drop what a failed database query left, before memory answers. */
static void
rows_clear(struct body_metrics *b)
{
	size_t	i;

	for (i = 0; i < b->nrows; i++) {
		free(b->rows[i].container_id);
		free(b->rows[i].container_name);
		free(b->rows[i].workspace_id);
		free(b->rows[i].status);
	}
	memset(b->rows, 0, PAGE_MAX * sizeof(*b->rows));
	b->nrows = 0;
}

void
answer_history(struct worker *w, struct store *s, struct msg *req)
{
	struct body_history_req	*h = req->body;
	struct history_query	 q = { h->since_ms, h->container_id,
				    h->before_ms, h->before_cid, 0 };
	struct body_metrics	*b;
	struct db		*db = store_db(s);
	struct msg		 r;
	char			 err[512];

	if (h->limit < 1 || h->limit > PAGE_MAX || h->since_ms < 0 ||
	    h->before_ms < 0) {
		worker_reply_error(w, req, "bad_request", "bad history query");
		return;
	}
	q.limit = (size_t)h->limit;
	b = msg_init(&r, MSG_HISTORY, 0, 0);
	b->rows = xcalloc(PAGE_MAX, sizeof(*b->rows));
	if (db != NULL && db_history(db, &q, add_row, b, err,
	    sizeof(err)) == -1) {
		store_db_failed(s, err);
		rows_clear(b);
		db = NULL;
	}
	if (db == NULL)
		memstore_history(store_mem(s), &q, add_row, b);
	b->source = xstrdup(db != NULL ? "database" : "memory");
	reply(w, &r, req);
}

/* ------------------------------------------------------------ events */

/* The events berthd persisted, from the database only: without one the
 * answer is 503 (berthd's memory is the other source). */
void
answer_events(struct worker *w, struct store *s, struct msg *req)
{
	struct body_events_req	*q = req->body;
	struct db		*db = store_db(s);
	struct msg		 r;
	char			 err[512];

	if (q->limit < 1 || q->limit > 1000 || q->since_ms < 0) {
		worker_reply_error(w, req, "bad_request", "bad events query");
		return;
	}
	if (db == NULL) {
		worker_reply_error(w, req, "unavailable", "the database is not "
		    "connected");
		return;
	}
	msg_init(&r, MSG_EVENTS, 0, 0);
	if (db_events(db, q, r.body, err, sizeof(err)) == -1) {
		store_db_failed(s, err);
		msg_clear(&r);
		worker_reply_error(w, req, "unavailable", "the database is not "
		    "connected");
		return;
	}
	reply(w, &r, req);
}

/* ------------------------------------------------------------ stats */

static void
lifecycle_item(const struct lifecycle_row *l, struct lifecycle_item *it)
{
	it->workspace_id = dup0(l->workspace_id);
	it->container_id = dup0(l->container_id);
	it->user_id = dup0(l->user_id);
	it->s3_bucket = dup0(l->s3_bucket);
	it->reason = dup0(l->reason);
	it->received_ms = l->received_ms;
	it->created_ms = l->created_ms;
	it->started_ms = l->started_ms;
	it->available_ms = l->available_ms;
	it->stopped_ms = l->stopped_ms;
	it->startup_ms = l->startup_ms;
	it->active_ms = l->active_ms;
}

static struct lifecycle_item *
lifecycle_items(const struct lifecycle_row *rows, size_t n, size_t *out)
{
	struct lifecycle_item	*items;
	size_t			 i;

	if (n > 100)
		n = 100;
	items = xcalloc(n + 1, sizeof(*items));
	for (i = 0; i < n; i++)
		lifecycle_item(&rows[i], &items[i]);
	*out = n;
	return items;
}

#define DIST_OUT(b, n, d) do {						\
	(b)->n##_count = (d).count;					\
	(b)->n##_avg = (d).avg;						\
	(b)->n##_p50 = (d).p50;						\
	(b)->n##_p95 = (d).p95;						\
} while (0)

static void
cstats_body(const struct cstats *c, struct body_cstats *b)
{
	size_t	i, n = c->nusers > 1000 ? 1000 : c->nusers;

	DIST_OUT(b, startup, c->startup);
	DIST_OUT(b, create, c->create);
	DIST_OUT(b, start, c->start);
	DIST_OUT(b, ready, c->ready);
	b->users = xcalloc(n + 1, sizeof(*b->users));
	for (i = 0; i < n; i++) {
		b->users[i].user_id = dup0(c->users[i].user_id);
		b->users[i].count = c->users[i].count;
		b->users[i].avg_ms = c->users[i].avg_ms;
	}
	b->nusers = n;
	b->failed = c->failed;
	b->failed_rows = lifecycle_items(c->failed_rows, c->nfailed,
	    &b->nfailed);
	b->recent = lifecycle_items(c->recent, c->nrecent, &b->nrecent);
}

void
answer_cstats(struct worker *w, struct store *s, struct msg *req)
{
	struct body_cstats	*b;
	struct cstats		 c;
	struct db		*db = store_db(s);
	struct msg		 r;
	char			 err[512];

	memset(&c, 0, sizeof(c));
	if (db != NULL && db_container_stats(db, &c, err, sizeof(err)) == -1) {
		store_db_failed(s, err);
		cstats_free(&c);
		memset(&c, 0, sizeof(c));
		db = NULL;
	}
	if (db == NULL)
		memstore_stats(store_mem(s), &c);
	b = msg_init(&r, MSG_CSTATS, 0, 0);
	cstats_body(&c, b);
	b->source = xstrdup(db != NULL ? "database" : "memory");
	cstats_free(&c);
	reply(w, &r, req);
}
