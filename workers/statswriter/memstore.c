/*
 * The statswriter's answers without a database: the latest container
 * samples in a ring and the lifecycle rows of the most recently received
 * workspaces, queried by the same rules and with the same arithmetic as
 * the SQL of db.c and db_query.c (the phase guards of db_lifecycle,
 * bytewise id order as COLLATE "C", avg as a plain sum over the count,
 * percentile_cont's interpolation), so a caller gets the same numbers
 * with or without PostgreSQL.  Also cstats_free, for both.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memstore.h"
#include "query.h"
#include "xmalloc.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Which times of a lifecycle row are set (not NULL in SQL terms). */
#define HAS_CREATED	0x01
#define HAS_STARTED	0x02
#define HAS_AVAILABLE	0x04
#define HAS_STOPPED	0x08

/* A lifecycle row; its strings are owned, never NULL. */
struct lrow {
	struct lifecycle_row	 r;
	unsigned		 has;
};

struct memstore {
	struct metric_item *ring;	/* max_samples slots, strings owned */
	size_t		 max_samples;
	size_t		 first;		/* the earliest added */
	size_t		 nsamples;
	struct lrow	*rows;		/* unordered; max_rows + 1 slots */
	size_t		 max_rows;
	size_t		 nrows;
};

struct memstore *
memstore_new(size_t max_samples, size_t max_lifecycle)
{
	struct memstore	*ms;

	ms = xcalloc(1, sizeof *ms);
	ms->ring = xcalloc(max_samples, sizeof *ms->ring);
	ms->max_samples = max_samples;
	ms->rows = xcalloc(max_lifecycle + 1, sizeof *ms->rows);
	ms->max_rows = max_lifecycle;
	return ms;
}

static void
sample_clear(struct metric_item *s)
{
	free(s->container_id);
	free(s->container_name);
	free(s->workspace_id);
	free(s->status);
	memset(s, 0, sizeof *s);
}

static void
row_clear(struct lifecycle_row *r)
{
	free(r->workspace_id);
	free(r->container_id);
	free(r->user_id);
	free(r->s3_bucket);
	free(r->reason);
	memset(r, 0, sizeof *r);
}

void
memstore_free(struct memstore *ms)
{
	size_t	 i;

	if (ms == NULL)
		return;
	for (i = 0; i < ms->nsamples; i++)
		sample_clear(&ms->ring[(ms->first + i) % ms->max_samples]);
	for (i = 0; i < ms->nrows; i++)
		row_clear(&ms->rows[i].r);
	free(ms->ring);
	free(ms->rows);
	free(ms);
}

size_t
memstore_nsamples(const struct memstore *ms)
{
	return ms->nsamples;
}

size_t
memstore_nlifecycle(const struct memstore *ms)
{
	return ms->nrows;
}

/* ------------------------------------------------------------- samples */

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static struct metric_item *
sample_at(struct memstore *ms, size_t i)
{
	return &ms->ring[(ms->first + i) % ms->max_samples];
}

/* 1 if a sample of this (container_id, ts) is held: the SQL's key. */
static int
sample_held(struct memstore *ms, const struct metric_item *r)
{
	struct metric_item	*s;
	size_t			 i;

	for (i = 0; i < ms->nsamples; i++) {
		s = sample_at(ms, i);
		if (s->ts_ms == r->ts_ms &&
		    strcmp(s->container_id, r->container_id) == 0)
			return 1;
	}
	return 0;
}

void
memstore_add_sample(struct memstore *ms, const struct metric_item *r)
{
	struct metric_item	*s;

	if (r->container_id == NULL || sample_held(ms, r))
		return;
	if (ms->nsamples == ms->max_samples) {
		/* The earliest slot becomes the latest. */
		s = sample_at(ms, 0);
		sample_clear(s);
		ms->first = (ms->first + 1) % ms->max_samples;
	} else
		s = sample_at(ms, ms->nsamples++);
	*s = *r;
	s->container_id = xstrdup(r->container_id);
	s->container_name = dup_or_null(r->container_name);
	s->workspace_id = dup_or_null(r->workspace_id);
	s->status = dup_or_null(r->status);
}

/* history_sql's WHERE. */
static int
history_match(const struct history_query *q, const struct metric_item *r)
{
	const char	*bcid = q->before_cid != NULL ? q->before_cid : "";

	if (r->ts_ms < q->since_ms)
		return 0;
	if (q->container_id != NULL && q->container_id[0] != '\0' &&
	    strcmp(r->container_id, q->container_id) != 0)
		return 0;
	if (q->before_ms == 0 || r->ts_ms < q->before_ms)
		return 1;
	return r->ts_ms == q->before_ms && strcmp(r->container_id, bcid) < 0;
}

/* ORDER BY ts DESC, container_id COLLATE "C" DESC. */
static int
history_cmp(const void *a, const void *b)
{
	const struct metric_item	*x = *(const struct metric_item *const *)a;
	const struct metric_item	*y = *(const struct metric_item *const *)b;

	if (x->ts_ms != y->ts_ms)
		return x->ts_ms < y->ts_ms ? 1 : -1;
	return -strcmp(x->container_id, y->container_id);
}

int
memstore_history(struct memstore *ms, const struct history_query *q,
    metric_row_cb cb, void *arg)
{
	const struct metric_item	**sel;
	size_t			  i, n = 0;

	if (q->limit < 1 || q->limit > HISTORY_MAX)
		return -1;
	if (ms->nsamples == 0)
		return 0;
	sel = xcalloc(ms->nsamples, sizeof *sel);
	for (i = 0; i < ms->nsamples; i++)
		if (history_match(q, sample_at(ms, i)))
			sel[n++] = sample_at(ms, i);
	qsort(sel, n, sizeof *sel, history_cmp);
	for (i = 0; i < n && i < q->limit; i++)
		if (cb(sel[i], arg) != 0)
			break;
	free(sel);
	return 0;
}

/* ----------------------------------------------------------- lifecycle */

static struct lrow *
lrow_find(struct memstore *ms, const char *workspace_id)
{
	size_t	 i;

	for (i = 0; i < ms->nrows; i++)
		if (strcmp(ms->rows[i].r.workspace_id, workspace_id) == 0)
			return &ms->rows[i];
	return NULL;
}

/* ORDER BY request_received_at DESC, workspace_id COLLATE "C" DESC. */
static int
recent_cmp(const struct lifecycle_row *x, const struct lifecycle_row *y)
{
	if (x->received_ms != y->received_ms)
		return x->received_ms < y->received_ms ? 1 : -1;
	return -strcmp(x->workspace_id, y->workspace_id);
}

/* Drop the least recently received row (the last in recent order). */
static void
lrow_evict(struct memstore *ms)
{
	size_t	 i, last = 0;

	for (i = 1; i < ms->nrows; i++)
		if (recent_cmp(&ms->rows[i].r, &ms->rows[last].r) > 0)
			last = i;
	row_clear(&ms->rows[last].r);
	ms->rows[last] = ms->rows[--ms->nrows];
}

/* INSERT ... ON CONFLICT (id) DO NOTHING; both ids and the bucket are
 * NOT NULL columns, user_id is NULLIF($4, ''). */
static void
fact_received(struct memstore *ms, const struct body_lifecycle *f)
{
	struct lrow	*l;

	if (f->container_id == NULL || f->s3_bucket == NULL ||
	    lrow_find(ms, f->workspace_id) != NULL)
		return;
	l = &ms->rows[ms->nrows++];
	memset(l, 0, sizeof *l);
	l->r.workspace_id = xstrdup(f->workspace_id);
	l->r.container_id = xstrdup(f->container_id);
	l->r.user_id = xstrdup(f->user_id != NULL ? f->user_id : "");
	l->r.s3_bucket = xstrdup(f->s3_bucket);
	l->r.reason = xstrdup("");
	l->r.received_ms = f->at_ms;
	l->r.startup_ms = l->r.active_ms = -1;
	if (ms->nrows > ms->max_rows)
		lrow_evict(ms);
}

/* A duration the SQL can store (an INTEGER column). */
static int
fits_int(int64_t ms)
{
	return ms >= INT32_MIN && ms <= INT32_MAX;
}

static void
fact_created(struct lrow *l, const struct body_lifecycle *f)
{
	if ((l->has & HAS_CREATED) || f->container_id == NULL)
		return;
	free(l->r.container_id);
	l->r.container_id = xstrdup(f->container_id);
	l->r.created_ms = f->at_ms;
	l->has |= HAS_CREATED;
}

static void
fact_started(struct lrow *l, const struct body_lifecycle *f)
{
	if (l->has & HAS_STARTED)
		return;
	l->r.started_ms = f->at_ms;
	l->has |= HAS_STARTED;
}

static void
fact_available(struct lrow *l, const struct body_lifecycle *f)
{
	int64_t	 startup = f->at_ms - l->r.received_ms;

	if ((l->has & HAS_AVAILABLE) || !fits_int(startup))
		return;
	l->r.available_ms = f->at_ms;
	l->r.startup_ms = startup;
	l->has |= HAS_AVAILABLE;
}

/* The CHECK on shutdown_reason: NULL or one of four. */
static int
reason_ok(const char *reason)
{
	static const char *const ok[] = {
		"manual", "inactivity", "error", "resource_limit",
	};
	size_t	 i;

	if (reason == NULL)
		return 1;
	for (i = 0; i < NELEM(ok); i++)
		if (strcmp(reason, ok[i]) == 0)
			return 1;
	return 0;
}

static void
fact_stopped(struct lrow *l, const struct body_lifecycle *f)
{
	int64_t	 active = -1;

	if ((l->has & HAS_STOPPED) || !reason_ok(f->reason))
		return;
	if (l->has & HAS_AVAILABLE) {
		active = f->at_ms - l->r.available_ms;
		if (!fits_int(active))
			return;
	}
	free(l->r.reason);
	l->r.reason = xstrdup(f->reason != NULL ? f->reason : "");
	l->r.stopped_ms = f->at_ms;
	l->r.active_ms = active;
	l->has |= HAS_STOPPED;
}

/* The UPDATEs of db.c's lifecycle_sql, by phase. */
static const struct {
	const char	*phase;
	void		(*apply)(struct lrow *, const struct body_lifecycle *);
} phases[] = {
	{ "created", fact_created },
	{ "started", fact_started },
	{ "available", fact_available },
	{ "stopped", fact_stopped },
};

void
memstore_add_fact(struct memstore *ms, const struct body_lifecycle *f)
{
	struct lrow	*l;
	size_t		 i;

	if (f->workspace_id == NULL || f->phase == NULL)
		return;
	if (strcmp(f->phase, "received") == 0) {
		fact_received(ms, f);
		return;
	}
	/* An UPDATE ... WHERE id = $1 that matches nothing. */
	if ((l = lrow_find(ms, f->workspace_id)) == NULL)
		return;
	for (i = 0; i < NELEM(phases); i++)
		if (strcmp(f->phase, phases[i].phase) == 0)
			phases[i].apply(l, f);
}

/* --------------------------------------------------------------- stats */

static int
double_cmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* percentile_cont over sorted v: PostgreSQL's own interpolation. */
static double
percentile_cont(const double *v, size_t n, double p)
{
	double	 pos = p * (double)(n - 1);
	int64_t	 lo = (int64_t)floor(pos), hi = (int64_t)ceil(pos);

	if (lo == hi)
		return v[lo];
	return v[lo] + ((pos - (double)lo) * (v[hi] - v[lo]));
}

/* count, avg (float8_avg: the sum over the count), p50 and p95. */
static void
dist_of(double *v, size_t n, struct dist *d)
{
	double	 sum = 0;
	size_t	 i;

	d->count = (int64_t)n;
	if (n == 0) {
		d->avg = d->p50 = d->p95 = NAN;
		return;
	}
	for (i = 0; i < n; i++)
		sum += v[i];
	d->avg = sum / (double)n;
	qsort(v, n, sizeof *v, double_cmp);
	d->p50 = percentile_cont(v, n, 0.5);
	d->p95 = percentile_cont(v, n, 0.95);
}

/* dist_sql: the four spans, NULL (skipped) unless both ends are set. */
static void
stats_dists(struct memstore *ms, struct cstats *cs)
{
	double			*v[4];
	size_t			 n[4] = { 0, 0, 0, 0 }, i, k;
	const struct lrow	*l;

	for (k = 0; k < 4; k++)
		v[k] = xcalloc(ms->nrows + 1, sizeof *v[k]);
	for (i = 0; i < ms->nrows; i++) {
		l = &ms->rows[i];
		if (l->has & HAS_AVAILABLE)
			v[0][n[0]++] = (double)l->r.startup_ms;
		if (l->has & HAS_CREATED)
			v[1][n[1]++] = (double)(l->r.created_ms -
			    l->r.received_ms);
		if ((l->has & HAS_CREATED) && (l->has & HAS_STARTED))
			v[2][n[2]++] = (double)(l->r.started_ms -
			    l->r.created_ms);
		if ((l->has & HAS_STARTED) && (l->has & HAS_AVAILABLE))
			v[3][n[3]++] = (double)(l->r.available_ms -
			    l->r.started_ms);
	}
	dist_of(v[0], n[0], &cs->startup);
	dist_of(v[1], n[1], &cs->create);
	dist_of(v[2], n[2], &cs->start);
	dist_of(v[3], n[3], &cs->ready);
	for (k = 0; k < 4; k++)
		free(v[k]);
}

/* A user's containers while grouping; user_id borrowed from a row. */
struct ugroup {
	const char	*user_id;
	int64_t		 count, nstartup;
	double		 sum;
};

static int
user_cmp(const void *a, const void *b)
{
	const struct lrow	*x = *(const struct lrow *const *)a;
	const struct lrow	*y = *(const struct lrow *const *)b;

	return strcmp(x->r.user_id, y->r.user_id);
}

/* ORDER BY count(*) DESC, user_id COLLATE "C". */
static int
ugroup_cmp(const void *a, const void *b)
{
	const struct ugroup	*x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->user_id, y->user_id);
}

/* The rows with a user, grouped by it; the number of groups. */
static size_t
user_groups(struct memstore *ms, struct ugroup *g)
{
	const struct lrow	**by;
	size_t			  i, n = 0, ng = 0;

	by = xcalloc(ms->nrows + 1, sizeof *by);
	for (i = 0; i < ms->nrows; i++)
		if (ms->rows[i].r.user_id[0] != '\0')
			by[n++] = &ms->rows[i];
	qsort(by, n, sizeof *by, user_cmp);
	for (i = 0; i < n; i++) {
		if (ng == 0 || strcmp(g[ng - 1].user_id, by[i]->r.user_id) != 0)
			g[ng++] = (struct ugroup){ by[i]->r.user_id, 0, 0, 0 };
		g[ng - 1].count++;
		if (by[i]->has & HAS_AVAILABLE) {
			g[ng - 1].nstartup++;
			g[ng - 1].sum += (double)by[i]->r.startup_ms;
		}
	}
	free(by);
	return ng;
}

/* users_sql. */
static void
stats_users(struct memstore *ms, struct cstats *cs)
{
	struct ugroup	*g;
	size_t		 i, ng;

	g = xcalloc(ms->nrows + 1, sizeof *g);
	ng = user_groups(ms, g);
	qsort(g, ng, sizeof *g, ugroup_cmp);
	if (ng > CSTATS_MAX_USERS)
		ng = CSTATS_MAX_USERS;
	if (ng > 0)
		cs->users = xcalloc(ng, sizeof *cs->users);
	for (i = 0; i < ng; i++) {
		cs->users[i].user_id = xstrdup(g[i].user_id);
		cs->users[i].count = g[i].count;
		cs->users[i].avg_ms = g[i].nstartup > 0 ?
		    g[i].sum / (double)g[i].nstartup : NAN;
	}
	cs->nusers = ng;
	free(g);
}

static int
lrow_recent_cmp(const void *a, const void *b)
{
	return recent_cmp(&(*(const struct lrow *const *)a)->r,
	    &(*(const struct lrow *const *)b)->r);
}

static void
row_copy(struct lifecycle_row *dst, const struct lifecycle_row *src)
{
	*dst = *src;
	dst->workspace_id = xstrdup(src->workspace_id);
	dst->container_id = xstrdup(src->container_id);
	dst->user_id = xstrdup(src->user_id);
	dst->s3_bucket = xstrdup(src->s3_bucket);
	dst->reason = xstrdup(src->reason);
}

/* failed_sql and recent_sql, from the rows in recent order. */
static void
stats_rows(struct memstore *ms, struct cstats *cs,
    const struct lrow *const *by, size_t n)
{
	size_t	 i, cap = n < CSTATS_MAX_ROWS ? n : CSTATS_MAX_ROWS;

	cs->failed_rows = xcalloc(cap, sizeof *cs->failed_rows);
	cs->recent = xcalloc(cap, sizeof *cs->recent);
	for (i = 0; i < n; i++) {
		if (i < cap)
			row_copy(&cs->recent[cs->nrecent++], &by[i]->r);
		if ((by[i]->has & HAS_AVAILABLE) ||
		    !(by[i]->has & HAS_STOPPED))
			continue;
		if (cs->nfailed < cap)
			row_copy(&cs->failed_rows[cs->nfailed++], &by[i]->r);
		cs->failed++;
	}
}

void
memstore_stats(struct memstore *ms, struct cstats *cs)
{
	const struct lrow	**by;
	size_t			  i;

	memset(cs, 0, sizeof *cs);
	stats_dists(ms, cs);
	stats_users(ms, cs);
	if (ms->nrows == 0)
		return;
	by = xcalloc(ms->nrows, sizeof *by);
	for (i = 0; i < ms->nrows; i++)
		by[i] = &ms->rows[i];
	qsort(by, ms->nrows, sizeof *by, lrow_recent_cmp);
	stats_rows(ms, cs, by, ms->nrows);
	free(by);
}

static void
rows_free(struct lifecycle_row *rows, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		row_clear(&rows[i]);
	free(rows);
}

void
cstats_free(struct cstats *cs)
{
	size_t	 i;

	for (i = 0; i < cs->nusers; i++)
		free(cs->users[i].user_id);
	free(cs->users);
	rows_free(cs->failed_rows, cs->nfailed);
	rows_free(cs->recent, cs->nrecent);
	memset(cs, 0, sizeof *cs);
}
