/*
 * The statswriter's queries (workers/statswriter/db_query.c) against a
 * real PostgreSQL (db_fixture.h): history pages of container metrics,
 * and container stats from the lifecycle facts db_lifecycle records;
 * then memstore.c's answers to the same, which must be the SQL's.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_fixture.h"
#include "lifecycle_fixture.h"
#include "memstore.h"
#include "query.h"

static char	 err[1024];

TestSuite(db_query, .init = db_fixture_setup,
    .fini = db_fixture_teardown, .timeout = 120);

/* ------------------------------------------------------------- history */

/* What a history callback saw, copied. */
struct seen {
	size_t		 n, stop_after;
	int64_t		 ts[3000];
	char		 cid[3000][16];
	struct metric_item first;
	char		 first_name[32];
};

static int
collect(const struct metric_item *r, void *arg)
{
	struct seen	*s = arg;

	cr_assert_lt(s->n, 3000);
	if (s->n == 0) {
		s->first = *r;
		snprintf(s->first_name, sizeof s->first_name, "%s",
		    r->container_name != NULL ? r->container_name : "(null)");
	}
	s->ts[s->n] = r->ts_ms;
	snprintf(s->cid[s->n], sizeof s->cid[s->n], "%s", r->container_id);
	s->n++;
	return s->stop_after != 0 && s->n == s->stop_after;
}

/* Read one page into s (appending); the number of rows it gave. */
static size_t
page(struct seen *s, const struct history_query *q)
{
	size_t	 before = s->n;

	cr_assert_eq(db_history(db, q, collect, s, err, sizeof err), 0, "%s",
	    err);
	return s->n - before;
}

/* nc containers c0.. with n samples each, a second apart from t0. */
static void
write_grid(int nc, int n, int64_t t0)
{
	struct metric_item	*r;
	char			 ids[16][12];
	int			 c;

	cr_assert_leq(nc, 16);
	r = calloc(n, sizeof *r);
	for (c = 0; c < nc; c++) {
		snprintf(ids[c], sizeof ids[c], "c%d", c);
		fill(r, n, t0, ids[c]);
		cr_assert_eq(db_write_metrics(db, r, n, err, sizeof err), 0,
		    "%s", err);
	}
	free(r);
}

/* s holds rows in strictly descending (ts, container id) order. */
static void
expect_descending(const struct seen *s)
{
	size_t	 i;

	for (i = 1; i < s->n; i++)
		cr_assert(s->ts[i] < s->ts[i - 1] || (s->ts[i] == s->ts[i - 1]
		    && strcmp(s->cid[i], s->cid[i - 1]) < 0),
		    "row %zu (%lld %s) after (%lld %s)", i, (long long)s->ts[i],
		    s->cid[i], (long long)s->ts[i - 1], s->cid[i - 1]);
}

Test(db_query, history_all_newest_first)
{
	struct history_query	 q = { 0, NULL, 0, NULL, 1000 };
	struct seen		*s = calloc(1, sizeof *s);

	migrate_all();
	write_grid(3, 5, T0);
	cr_expect_eq(page(s, &q), 15);
	expect_descending(s);
	cr_expect_eq(s->ts[0], T0 + 4000);
	cr_expect_str_eq(s->cid[0], "c2");
	cr_expect_str_eq(s->cid[2], "c0");
	cr_expect_eq(s->ts[14], T0);
	/* Every column comes back (fill's row 4). */
	cr_expect_str_eq(s->first_name, "berth-ws-1");
	cr_expect_eq(s->first.cpu_percent, 16.5);
	cr_expect_eq(s->first.memory_used, 1000004);
	cr_expect_eq(s->first.block_write, 16);
	cr_expect_eq(s->first.pids, 7);
	/* An empty container id is every container too. */
	q.container_id = "";
	s->n = 0;
	cr_expect_eq(page(s, &q), 15);
	free(s);
}

Test(db_query, history_one_container_and_since)
{
	struct history_query	 q = { 0, "c1", 0, NULL, 1000 };
	struct seen		*s = calloc(1, sizeof *s);
	size_t			 i;

	migrate_all();
	write_grid(3, 5, T0);
	cr_expect_eq(page(s, &q), 5);
	for (i = 0; i < s->n; i++) {
		cr_expect_str_eq(s->cid[i], "c1");
		cr_expect_eq(s->ts[i], T0 + 4000 - (int64_t)i * 1000);
	}
	/* since is inclusive. */
	q.container_id = NULL;
	q.since_ms = T0 + 3000;
	s->n = 0;
	cr_expect_eq(page(s, &q), 6);
	cr_expect_eq(s->ts[5], T0 + 3000);
	q.container_id = "c0";
	s->n = 0;
	cr_expect_eq(page(s, &q), 2);
	q.container_id = "nosuch";
	s->n = 0;
	cr_expect_eq(page(s, &q), 0);
	free(s);
}

Test(db_query, history_limit)
{
	struct history_query	 q = { 0, NULL, 0, NULL, 4 };
	struct seen		*s = calloc(1, sizeof *s);

	migrate_all();
	write_grid(3, 5, T0);
	cr_expect_eq(page(s, &q), 4);
	q.limit = 1;
	s->n = 0;
	cr_expect_eq(page(s, &q), 1);
	/* The callback may stop early: no error. */
	q.limit = 1000;
	s->n = 0;
	s->stop_after = 2;
	cr_expect_eq(page(s, &q), 2);
	q.limit = 0;
	cr_expect_eq(db_history(db, &q, collect, s, err, sizeof err), -1);
	cr_expect(strstr(err, "limit") != NULL, "%s", err);
	q.limit = 1001;
	cr_expect_eq(db_history(db, &q, collect, s, err, sizeof err), -1);
	free(s);
}

Test(db_query, history_keyset_paging)
{
	struct history_query	 q = { T0, NULL, 0, NULL, 1000 };
	struct seen		*s = calloc(1, sizeof *s);
	size_t			 got, pages = 0;

	migrate_all();
	/* 2500 rows: five containers share each of 500 timestamps. */
	write_grid(5, 500, T0);
	while ((got = page(s, &q)) > 0) {
		pages++;
		cr_expect_eq(got, s->n <= 2000 ? 1000u : 500u);
		q.before_ms = s->ts[s->n - 1];
		q.before_cid = s->cid[s->n - 1];
	}
	cr_expect_eq(pages, 3);
	cr_assert_eq(s->n, 2500);
	/* Strictly descending over all pages: each row exactly once. */
	expect_descending(s);
	cr_expect_eq(s->ts[0], T0 + 499000);
	cr_expect_str_eq(s->cid[0], "c4");
	cr_expect_eq(s->ts[2499], T0);
	cr_expect_str_eq(s->cid[2499], "c0");
	/* A key in the middle of a timestamp's group. */
	q.before_ms = T0 + 10000;
	q.before_cid = "c2";
	s->n = 0;
	cr_expect_eq(page(s, &q), 52);
	cr_expect_str_eq(s->cid[0], "c1");
	cr_expect_str_eq(s->cid[1], "c0");
	cr_expect_eq(s->ts[2], T0 + 9000);
	free(s);
}

Test(db_query, history_exact_ms)
{
	static const int64_t	 when[] = {
		T0 + 123, 946684799999LL, 1LL, -1LL, 253402300799999LL,
	};
	struct metric_item	 r[5];
	struct history_query	 q = { -1000, NULL, 0, NULL, 10 };
	struct seen		*s = calloc(1, sizeof *s);
	size_t			 i;

	migrate_all();
	fill(r, 5, 0, "c1");
	for (i = 0; i < 5; i++)
		r[i].ts_ms = when[i];
	cr_assert_eq(db_write_metrics(db, r, 5, err, sizeof err), 0, "%s",
	    err);
	cr_expect_eq(page(s, &q), 5);
	cr_expect_eq(s->ts[0], 253402300799999LL);
	cr_expect_eq(s->ts[1], T0 + 123);
	cr_expect_eq(s->ts[2], 946684799999LL);
	cr_expect_eq(s->ts[3], 1);
	cr_expect_eq(s->ts[4], -1);
	/* The key is exact too: before T0 + 123 is not T0 + 123. */
	q.before_ms = T0 + 123;
	q.before_cid = "c1";
	s->n = 0;
	cr_expect_eq(page(s, &q), 3);
	cr_expect_eq(s->ts[0], 946684799999LL);
	q.before_ms = 0;
	q.since_ms = T0 + 123;
	s->n = 0;
	cr_expect_eq(page(s, &q), 2);
	q.since_ms = T0 + 124;
	s->n = 0;
	cr_expect_eq(page(s, &q), 1);
	free(s);
}

/* ----------------------------------------------------- container stats */

static void
db_fact(const struct body_lifecycle *f)
{
	cr_assert_eq(db_lifecycle(db, f, err, sizeof err), 0, "%s %s: %s",
	    f->workspace_id, f->phase, err);
}

Test(db_query, container_stats_fixture)
{
	struct cstats	 cs;
	size_t		 i;

	migrate_all();
	feed_fixture(db_fact);
	cr_assert_eq(db_container_stats(db, &cs, err, sizeof err), 0, "%s",
	    err);
	expect_fixture_stats(&cs);
	expect_fixture_rows(&cs);
	for (i = 1; i < cs.nrecent; i++)
		cr_expect_gt(cs.recent[i - 1].received_ms,
		    cs.recent[i].received_ms);
	cstats_free(&cs);
	cr_expect_null(cs.recent);
	cr_expect_eq(cs.nusers, 0);
}

Test(db_query, container_stats_empty)
{
	struct cstats	 cs;

	migrate_all();
	cr_assert_eq(db_container_stats(db, &cs, err, sizeof err), 0, "%s",
	    err);
	cr_expect_eq(cs.startup.count + cs.create.count + cs.start.count +
	    cs.ready.count, 0);
	cr_expect(isnan(cs.startup.avg) && isnan(cs.startup.p50) &&
	    isnan(cs.startup.p95));
	cr_expect(isnan(cs.ready.avg) && isnan(cs.create.p95) &&
	    isnan(cs.start.p50));
	cr_expect_eq(cs.nusers, 0);
	cr_expect_eq(cs.failed, 0);
	cr_expect_eq(cs.nfailed, 0);
	cr_expect_eq(cs.nrecent, 0);
	cstats_free(&cs);
}

Test(db_query, container_stats_caps)
{
	struct body_lifecycle	 f = { NULL, NULL, 0, NULL, NULL, "b", NULL };
	struct cstats		 cs;
	char			 ws[40], cid[16], user[16];
	int			 i;

	migrate_all();
	for (i = 0; i < 120; i++) {
		snprintf(ws, sizeof ws, "00000000-0000-4000-8000-%012d", i);
		snprintf(cid, sizeof cid, "c%d", i);
		snprintf(user, sizeof user, "u%d", i % 3);
		f.workspace_id = ws;
		f.container_id = cid;
		f.user_id = user;
		f.phase = "received";
		f.at_ms = T0 + (int64_t)i * 1000;
		db_fact(&f);
		f.phase = "stopped";
		f.at_ms += 10;
		db_fact(&f);
	}
	cr_assert_eq(db_container_stats(db, &cs, err, sizeof err), 0, "%s",
	    err);
	cr_expect_eq(cs.failed, 120);
	cr_expect_eq(cs.nfailed, 100);
	cr_assert_eq(cs.nrecent, 100);
	cr_expect_str_eq(cs.recent[0].container_id, "c119");
	cr_expect_str_eq(cs.recent[99].container_id, "c20");
	cr_expect_str_eq(cs.failed_rows[99].container_id, "c20");
	cr_assert_eq(cs.nusers, 3);
	cr_expect_str_eq(cs.users[0].user_id, "u0");
	cr_expect_eq(cs.users[2].count, 40);
	cr_expect(isnan(cs.users[0].avg_ms));
	cr_expect_eq(cs.startup.count, 0);
	cstats_free(&cs);
}

Test(db_query, container_stats_fails_cleanly_without_schema)
{
	struct cstats	 cs;

	cr_assert_eq(db_container_stats(db, &cs, err, sizeof err), -1);
	cr_expect(strstr(err, "container_stats") != NULL, "%s", err);
	cr_expect_eq(cs.nrecent, 0);
	cr_assert(db_ok(db));
	migrate_all();
	cr_assert_eq(db_container_stats(db, &cs, err, sizeof err), 0, "%s",
	    err);
	cstats_free(&cs);
}

/* ------------------------------------------- the same without a database */

static struct memstore	*mem;

static void
both_fact(const struct body_lifecycle *f)
{
	db_fact(f);
	memstore_add_fact(mem, f);
}

/* Bit for bit, but NaN is NaN. */
static void
expect_same(double a, double b, const char *what)
{
	cr_expect(a == b || (isnan(a) && isnan(b)), "%s: sql %.17g, "
	    "memstore %.17g", what, a, b);
}

static void
expect_same_dist(const struct dist *a, const struct dist *b, const char *w)
{
	cr_expect_eq(a->count, b->count, "%s", w);
	expect_same(a->avg, b->avg, w);
	expect_same(a->p50, b->p50, w);
	expect_same(a->p95, b->p95, w);
}

static void
expect_same_rows(const struct lifecycle_row *a, const struct lifecycle_row *b,
    size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		cr_expect_str_eq(a[i].workspace_id, b[i].workspace_id);
		cr_expect_str_eq(a[i].container_id, b[i].container_id);
		cr_expect_str_eq(a[i].user_id, b[i].user_id);
		cr_expect_str_eq(a[i].s3_bucket, b[i].s3_bucket);
		cr_expect_str_eq(a[i].reason, b[i].reason);
		cr_expect(memcmp(&a[i].received_ms, &b[i].received_ms,
		    7 * sizeof(int64_t)) == 0, "row %zu (%s) times differ", i,
		    a[i].workspace_id);
	}
}

static void
expect_same_stats(const struct cstats *a, const struct cstats *b)
{
	size_t	 i;

	expect_same_dist(&a->startup, &b->startup, "startup");
	expect_same_dist(&a->create, &b->create, "create");
	expect_same_dist(&a->start, &b->start, "start");
	expect_same_dist(&a->ready, &b->ready, "ready");
	cr_assert_eq(a->nusers, b->nusers);
	for (i = 0; i < a->nusers; i++) {
		cr_expect_str_eq(a->users[i].user_id, b->users[i].user_id);
		cr_expect_eq(a->users[i].count, b->users[i].count);
		expect_same(a->users[i].avg_ms, b->users[i].avg_ms,
		    a->users[i].user_id);
	}
	cr_expect_eq(a->failed, b->failed);
	cr_assert_eq(a->nfailed, b->nfailed);
	expect_same_rows(a->failed_rows, b->failed_rows, a->nfailed);
	cr_assert_eq(a->nrecent, b->nrecent);
	expect_same_rows(a->recent, b->recent, a->nrecent);
}

Test(db_query, memstore_stats_same_as_sql)
{
	struct cstats	 a, b;

	migrate_all();
	mem = memstore_new(1000, 500);
	feed_fixture(both_fact);
	cr_assert_eq(db_container_stats(db, &a, err, sizeof err), 0, "%s",
	    err);
	memstore_stats(mem, &b);
	expect_same_stats(&a, &b);
	cstats_free(&a);
	cstats_free(&b);
	memstore_free(mem);
}

/* One page from both, compared row by row. */
static void
expect_same_page(struct seen *a, struct seen *b, const struct history_query *q)
{
	size_t	 i;

	a->n = b->n = 0;
	page(a, q);
	cr_assert_eq(memstore_history(mem, q, collect, b), 0);
	cr_assert_eq(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		cr_expect_eq(a->ts[i], b->ts[i]);
		cr_expect_str_eq(a->cid[i], b->cid[i]);
	}
}

Test(db_query, memstore_history_same_as_sql)
{
	struct history_query	 q = { 0, NULL, 0, NULL, 1000 };
	struct seen		*a = calloc(1, sizeof *a);
	struct seen		*b = calloc(1, sizeof *b);
	struct metric_item	*r;
	static char *const ids[] = { "c-b", "c-a", "C-z", "c-a2" };
	size_t			 i, n = 300;

	migrate_all();
	mem = memstore_new(2000, 1);
	r = calloc(n, sizeof *r);
	for (i = 0; i < 4; i++) {
		fill(r, n, T0 + (int64_t)i * 500, ids[i]);
		cr_assert_eq(db_write_metrics(db, r, n, err, sizeof err), 0,
		    "%s", err);
	}
	for (i = 0; i < 4 * n; i++) {
		fill(r, 1, T0 + (int64_t)(i % 4) * 500 + (int64_t)(i / 4) *
		    1000, ids[i % 4]);
		memstore_add_sample(mem, r);
	}
	expect_same_page(a, b, &q);
	q.limit = 7;
	q.container_id = "c-a";
	expect_same_page(a, b, &q);
	q.container_id = NULL;
	q.since_ms = T0 + 150000;
	q.before_ms = T0 + 200500;
	q.before_cid = "c-a";
	q.limit = 1000;
	expect_same_page(a, b, &q);
	cr_expect_gt(a->n, 0);
	free(r);
	free(a);
	free(b);
	memstore_free(mem);
}
