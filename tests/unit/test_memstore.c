/*
 * Unit tests for the statswriter's no-database store
 * (workers/statswriter/memstore.c): the lifecycle fixture of
 * tests/integration/test_db_query.c gives the same numbers as the SQL
 * does, the phase guards, the ring caps, and history pages, filters
 * and order as db_history's.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lifecycle_fixture.h"
#include "memstore.h"
#include "query.h"


static struct memstore	*ms;

static void
setup(void)
{
	ms = memstore_new(1000, 500);
}

static void
teardown(void)
{
	memstore_free(ms);
	ms = NULL;
}

TestSuite(memstore, .init = setup, .fini = teardown);

/* ----------------------------------------------------- container stats */


static void
mem_fact(const struct body_lifecycle *f)
{
	memstore_add_fact(ms, f);
}

Test(memstore, stats_fixture_as_sql)
{
	struct cstats	 cs;
	size_t		 i;

	feed_fixture(mem_fact);
	cr_expect_eq(memstore_nlifecycle(ms), NFIXTURE);
	memstore_stats(ms, &cs);
	expect_fixture_stats(&cs);
	expect_fixture_rows(&cs);
	for (i = 1; i < cs.nrecent; i++)
		cr_expect_gt(cs.recent[i - 1].received_ms,
		    cs.recent[i].received_ms);
	cstats_free(&cs);
	cr_expect_null(cs.recent);
	cr_expect_eq(cs.nusers, 0);
}

Test(memstore, stats_empty)
{
	struct cstats	 cs;

	memstore_stats(ms, &cs);
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

/* One fact for workspace w (its id ...w), at T0 + at. */
static void
add(char *phase, int w, int64_t at, char *reason)
{
	struct body_lifecycle	 f = { NULL, phase, T0 + at, "c", "u", "b",
				    reason };
	char			 ws[40];

	snprintf(ws, sizeof ws, "00000000-0000-4000-8000-%012d", w);
	f.workspace_id = ws;
	memstore_add_fact(ms, &f);
}

/* The one row held, as memstore_stats reports it. */
static struct lifecycle_row
only_row(void)
{
	struct cstats		 cs;
	struct lifecycle_row	 r;

	memstore_stats(ms, &cs);
	cr_assert_eq(cs.nrecent, 1);
	r = cs.recent[0];
	cr_expect_str_eq(r.container_id, "c");
	cr_expect_str_eq(r.user_id, "u");
	cr_expect_str_eq(r.s3_bucket, "b");
	cstats_free(&cs);
	return r;	/* the numbers only: its strings are gone */
}

Test(memstore, guards)
{
	struct lifecycle_row	 r;

	add("received", 1, 0, NULL);
	add("received", 1, 500, NULL);
	add("created", 1, 100, NULL);
	add("created", 1, 150, NULL);
	add("started", 1, 200, NULL);
	add("started", 1, 250, NULL);
	add("available", 1, 1000, NULL);
	add("available", 1, 2000, NULL);
	r = only_row();
	cr_expect_eq(r.received_ms, T0);
	cr_expect_eq(r.created_ms, T0 + 100);
	cr_expect_eq(r.started_ms, T0 + 200);
	cr_expect_eq(r.startup_ms, 1000);
	cr_expect_eq(r.active_ms, -1);
	add("stopped", 1, 5000, "inactivity");
	add("stopped", 1, 6000, "manual");
	r = only_row();
	cr_expect_eq(r.stopped_ms, T0 + 5000);
	cr_expect_eq(r.active_ms, 4000);
	cr_expect_eq(memstore_nlifecycle(ms), 1);
}

/* What the SQL refuses or matches nothing with changes nothing here. */
Test(memstore, refused_and_unknown_facts_ignored)
{
	struct body_lifecycle	 f = { "00000000-0000-4000-8000-000000000002",
				    "received", T0, NULL, "u", "b", NULL };
	struct lifecycle_row	 r;

	add("started", 9, 0, NULL);
	add("stopped", 9, 0, NULL);
	cr_expect_eq(memstore_nlifecycle(ms), 0);
	memstore_add_fact(ms, &f);		/* no container id */
	f.container_id = "c";
	f.s3_bucket = NULL;			/* no bucket */
	memstore_add_fact(ms, &f);
	f.phase = "bogus";
	memstore_add_fact(ms, &f);
	cr_expect_eq(memstore_nlifecycle(ms), 0);
	add("received", 1, 0, NULL);
	add("stopped", 1, 10, "bored");		/* not a shutdown_reason */
	add("stopped", 1, 10, "");
	add("available", 1, 3000000000LL, NULL);	/* past INTEGER */
	add("unknown", 1, 10, NULL);
	r = only_row();
	cr_expect_eq(r.stopped_ms, 0);
	cr_expect_eq(r.available_ms, 0);
	cr_expect_eq(r.startup_ms, -1);
	add("stopped", 1, 10, NULL);		/* NULL is a fine reason */
	r = only_row();
	cr_expect_eq(r.stopped_ms, T0 + 10);
}

Test(memstore, lifecycle_cap_drops_least_recently_received)
{
	struct cstats	 cs;
	int		 i;

	/* Received in order: the first five go. */
	for (i = 0; i < 505; i++)
		add("received", i, (int64_t)i * 1000, NULL);
	cr_expect_eq(memstore_nlifecycle(ms), 500);
	add("started", 4, 0, NULL);		/* gone: ignored */
	add("started", 5, 0, NULL);
	memstore_stats(ms, &cs);
	cr_expect_eq(cs.recent[0].received_ms, T0 + 504000);
	cr_expect_eq(cs.recent[99].received_ms, T0 + 405000);
	cr_expect_eq(cs.start.count, 0);
	cstats_free(&cs);
	/* Received out of order: an older arrival is the one to go. */
	add("received", 1000, -1000, NULL);
	cr_expect_eq(memstore_nlifecycle(ms), 500);
	add("created", 1000, 0, NULL);
	add("created", 5, 5100, NULL);
	memstore_stats(ms, &cs);
	cr_expect_eq(cs.create.count, 1);
	cstats_free(&cs);
	add("received", 1001, 1000000, NULL);	/* the newest: 5 goes */
	add("created", 6, 6100, NULL);
	memstore_stats(ms, &cs);
	cr_expect_eq(cs.create.count, 1);	/* only 6 now */
	cr_expect_eq(cs.recent[0].received_ms, T0 + 1000000);
	cstats_free(&cs);
}

Test(memstore, stats_caps)
{
	struct memstore		*big;
	struct body_lifecycle	 f = { NULL, "received", 0, "c", NULL, "b",
				    NULL };
	struct cstats		 cs;
	char			 ws[40], user[16];
	int			 i;

	big = memstore_new(10, 1200);
	for (i = 0; i < 1200; i++) {
		snprintf(ws, sizeof ws, "00000000-0000-4000-8000-%012d", i);
		snprintf(user, sizeof user, "u%04d", i);
		f.workspace_id = ws;
		f.user_id = i < 1100 ? user : "u0000";
		f.phase = "received";
		f.at_ms = T0 + (int64_t)i * 1000;
		memstore_add_fact(big, &f);
		f.phase = "stopped";
		memstore_add_fact(big, &f);
	}
	memstore_stats(big, &cs);
	cr_expect_eq(cs.failed, 1200);
	cr_expect_eq(cs.nfailed, 100);
	cr_expect_eq(cs.nrecent, 100);
	cr_assert_eq(cs.nusers, 1000);
	cr_expect_str_eq(cs.users[0].user_id, "u0000");
	cr_expect_eq(cs.users[0].count, 101);
	cr_expect_str_eq(cs.users[1].user_id, "u0001");
	cr_expect_str_eq(cs.users[999].user_id, "u0999");
	cstats_free(&cs);
	memstore_free(big);
}

/* ------------------------------------------------------------- samples */

static struct metric_item
sample(int64_t ts, char *cid)
{
	struct metric_item	 r = { ts, cid, "name", "ws", "running", 1.5,
				    NAN, 100, -1, -1, -1, -1, -1, -1, 3 };

	return r;
}

/* What a history callback saw, copied. */
struct seen {
	size_t		 n, stop_after;
	int64_t		 ts[3000];
	char		 cid[3000][16];
	struct metric_item first;
};

static int
collect(const struct metric_item *r, void *arg)
{
	struct seen	*s = arg;

	cr_assert_lt(s->n, 3000);
	if (s->n == 0)
		s->first = *r;
	s->ts[s->n] = r->ts_ms;
	snprintf(s->cid[s->n], sizeof s->cid[s->n], "%s", r->container_id);
	s->n++;
	return s->stop_after != 0 && s->n == s->stop_after;
}

static size_t
page(struct memstore *m, struct seen *s, const struct history_query *q)
{
	size_t	 before = s->n;

	cr_assert_eq(memstore_history(m, q, collect, s), 0);
	return s->n - before;
}

/* nc containers c0.. with n samples each, a second apart from t0. */
static void
add_grid(struct memstore *m, int nc, int n, int64_t t0)
{
	struct metric_item	 r;
	char			 cid[16];
	int			 c, i;

	for (i = 0; i < n; i++) {
		for (c = 0; c < nc; c++) {
			snprintf(cid, sizeof cid, "c%d", c);
			r = sample(t0 + (int64_t)i * 1000, cid);
			memstore_add_sample(m, &r);
		}
	}
}

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

Test(memstore, history_all_newest_first)
{
	struct history_query	 q = { 0, NULL, 0, NULL, 1000 };
	struct seen		*s = calloc(1, sizeof *s);

	add_grid(ms, 3, 5, T0);
	cr_expect_eq(page(ms, s, &q), 15);
	expect_descending(s);
	cr_expect_eq(s->ts[0], T0 + 4000);
	cr_expect_str_eq(s->cid[0], "c2");
	cr_expect_str_eq(s->cid[2], "c0");
	cr_expect_eq(s->ts[14], T0);
	cr_expect_str_eq(s->first.container_name, "name");
	cr_expect_str_eq(s->first.status, "running");
	cr_expect_eq(s->first.cpu_percent, 1.5);
	cr_expect(isnan(s->first.cpu_seconds));
	cr_expect_eq(s->first.memory_used, 100);
	cr_expect_eq(s->first.memory_limit, -1);
	cr_expect_eq(s->first.pids, 3);
	q.container_id = "";
	s->n = 0;
	cr_expect_eq(page(ms, s, &q), 15);
	free(s);
}

Test(memstore, history_one_container_and_since)
{
	struct history_query	 q = { 0, "c1", 0, NULL, 1000 };
	struct seen		*s = calloc(1, sizeof *s);
	size_t			 i;

	add_grid(ms, 3, 5, T0);
	cr_expect_eq(page(ms, s, &q), 5);
	for (i = 0; i < s->n; i++) {
		cr_expect_str_eq(s->cid[i], "c1");
		cr_expect_eq(s->ts[i], T0 + 4000 - (int64_t)i * 1000);
	}
	q.container_id = NULL;
	q.since_ms = T0 + 3000;
	s->n = 0;
	cr_expect_eq(page(ms, s, &q), 6);
	cr_expect_eq(s->ts[5], T0 + 3000);
	q.container_id = "c0";
	s->n = 0;
	cr_expect_eq(page(ms, s, &q), 2);
	q.container_id = "nosuch";
	s->n = 0;
	cr_expect_eq(page(ms, s, &q), 0);
	free(s);
}

Test(memstore, history_limit)
{
	struct history_query	 q = { 0, NULL, 0, NULL, 4 };
	struct seen		*s = calloc(1, sizeof *s);

	add_grid(ms, 3, 5, T0);
	cr_expect_eq(page(ms, s, &q), 4);
	q.limit = 1;
	s->n = 0;
	cr_expect_eq(page(ms, s, &q), 1);
	q.limit = 1000;
	s->n = 0;
	s->stop_after = 2;
	cr_expect_eq(page(ms, s, &q), 2);
	q.limit = 0;
	cr_expect_eq(memstore_history(ms, &q, collect, s), -1);
	q.limit = 1001;
	cr_expect_eq(memstore_history(ms, &q, collect, s), -1);
	free(s);
}

Test(memstore, history_keyset_paging)
{
	struct memstore		*big = memstore_new(3000, 1);
	struct history_query	 q = { T0, NULL, 0, NULL, 1000 };
	struct seen		*s = calloc(1, sizeof *s);
	size_t			 got, pages = 0;

	add_grid(big, 5, 500, T0);
	cr_assert_eq(memstore_nsamples(big), 2500);
	while ((got = page(big, s, &q)) > 0) {
		pages++;
		cr_expect_eq(got, s->n <= 2000 ? 1000u : 500u);
		q.before_ms = s->ts[s->n - 1];
		q.before_cid = s->cid[s->n - 1];
	}
	cr_expect_eq(pages, 3);
	cr_assert_eq(s->n, 2500);
	expect_descending(s);
	cr_expect_eq(s->ts[0], T0 + 499000);
	cr_expect_str_eq(s->cid[0], "c4");
	cr_expect_eq(s->ts[2499], T0);
	cr_expect_str_eq(s->cid[2499], "c0");
	q.before_ms = T0 + 10000;
	q.before_cid = "c2";
	s->n = 0;
	cr_expect_eq(page(big, s, &q), 52);
	cr_expect_str_eq(s->cid[0], "c1");
	cr_expect_str_eq(s->cid[1], "c0");
	cr_expect_eq(s->ts[2], T0 + 9000);
	free(s);
	memstore_free(big);
}

Test(memstore, sample_ring_drops_oldest)
{
	struct history_query	 q = { 0, NULL, 0, NULL, 1000 };
	struct seen		*s = calloc(1, sizeof *s);

	add_grid(ms, 1, 1005, T0);
	cr_expect_eq(memstore_nsamples(ms), 1000);
	cr_expect_eq(page(ms, s, &q), 1000);
	cr_expect_eq(s->ts[0], T0 + 1004000);
	cr_expect_eq(s->ts[999], T0 + 5000);
	/* Round the ring once more: still the latest thousand. */
	add_grid(ms, 1, 1000, T0 + 2000000);
	s->n = 0;
	cr_expect_eq(page(ms, s, &q), 1000);
	cr_expect_eq(s->ts[999], T0 + 2000000);
	free(s);
}

Test(memstore, duplicate_samples_once)
{
	struct metric_item	 r = sample(T0, "c1");
	struct history_query	 q = { 0, NULL, 0, NULL, 1000 };
	struct seen		*s = calloc(1, sizeof *s);

	memstore_add_sample(ms, &r);
	r.pids = 99;
	memstore_add_sample(ms, &r);		/* ON CONFLICT DO NOTHING */
	r.container_id = "c2";
	memstore_add_sample(ms, &r);
	r.container_id = NULL;
	memstore_add_sample(ms, &r);
	cr_expect_eq(memstore_nsamples(ms), 2);
	q.container_id = "c1";
	cr_expect_eq(page(ms, s, &q), 1);
	cr_expect_eq(s->first.pids, 3);
	free(s);
}
