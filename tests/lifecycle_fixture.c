/*
 * The lifecycle fixture shared by the database and memory store tests
 * (lifecycle_fixture.h).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lifecycle_fixture.h"

/*
 * The lifecycle fixture of tests/integration/test_db_query.c (SQL) and
 * tests/unit/test_memstore.c (memory), so that both must agree: ten
 * workspaces (ids ...0001 to ...0010, containers c1 to c10) of three
 * users, received a second apart from T0, reaching each phase this many
 * ms after receipt (-1: never).  Two are failed starts; the last has no
 * user.  Then replays and strays that must change nothing.
 */
static const struct {
	char		*user;
	int64_t		 created, started, available, stopped;
	char		*reason;
} fixture[] = {
	{ "alice", 100, 150, 1150, 61150, "manual" },
	{ "alice", 200, 260, 1460, -1, NULL },
	{ "alice", 150, 190, 1090, -1, NULL },
	{ "bob", 300, 370, 1870, 31870, "inactivity" },
	{ "bob", 250, 330, 1430, -1, NULL },
	{ "bob", 120, 150, -1, 5150, "error" },
	{ "bob", 400, 490, 2490, -1, NULL },
	{ "carol", -1, -1, -1, 500, "error" },
	{ "alice", 110, 130, 930, -1, NULL },
	{ NULL, 180, 235, 1535, -1, NULL },
};
_Static_assert(sizeof fixture / sizeof fixture[0] == NFIXTURE,
    "NFIXTURE is the number of fixture rows");

/*
 * What the fixture gives, by hand.  Spans in ms: startup 1150 1460 1090
 * 1870 1430 2490 930 1535; create 100 200 150 300 250 120 400 110 180;
 * start 50 60 40 70 80 30 90 20 55; ready 1000 1200 900 1500 1100 2000
 * 800 1300.  percentile_cont(p) of n sorted values interpolates at
 * position p * (n - 1): for n = 8, p50 halves values 3 and 4 and p95
 * is values 6 + 0.65 * (7 - 6); for n = 9, p50 is value 4 and p95 is
 * values 7 + 0.6 * (8 - 7).
 */
static const struct dist want_startup = { 8, 11955.0 / 8, 1445, 2273 };
static const struct dist want_create = { 9, 1810.0 / 9, 180, 360 };
static const struct dist want_start = { 9, 495.0 / 9, 55, 86 };
static const struct dist want_ready = { 8, 9800.0 / 8, 1150, 1825 };
static const struct {
	const char	*user;
	int64_t		 count;
	double		 avg;
} want_users[] = {
	{ "alice", 4, (1150 + 1460 + 1090 + 930) / 4.0 },
	{ "bob", 4, (1870 + 1430 + 2490) / 3.0 },
	{ "carol", 1, NAN },
};
#define WANT_FAILED	2

static void
fact(fact_fn add, size_t i, char *phase, int64_t after,
    char *user, char *reason)
{
	struct body_lifecycle	 f;
	char			 ws[40], cid[16];

	if (after < 0)
		return;
	snprintf(ws, sizeof ws, "00000000-0000-4000-8000-%012zu", i + 1);
	snprintf(cid, sizeof cid, "c%zu", i + 1);
	f.workspace_id = ws;
	f.phase = phase;
	f.at_ms = T0 + (int64_t)i * 1000 + after;
	f.container_id = cid;
	f.user_id = user;
	f.s3_bucket = "bucket";
	f.reason = reason;
	add(&f);
}

void
feed_fixture(fact_fn add)
{
	size_t	 i;

	for (i = 0; i < NFIXTURE; i++) {
		fact(add, i, "received", 0, fixture[i].user, NULL);
		fact(add, i, "created", fixture[i].created, NULL, NULL);
		fact(add, i, "started", fixture[i].started, NULL, NULL);
		fact(add, i, "available", fixture[i].available, NULL, NULL);
		fact(add, i, "stopped", fixture[i].stopped, NULL,
		    fixture[i].reason);
	}
	fact(add, 0, "available", 5000, NULL, NULL);
	fact(add, 0, "created", 7000, NULL, NULL);
	fact(add, 0, "stopped", 70000, NULL, "error");
	fact(add, 1, "received", 99, "mallory", NULL);
	fact(add, 41, "started", 0, NULL, NULL);
}

static void
expect_dist(const struct dist *got, const struct dist *want, const char *w)
{
	cr_expect_eq(got->count, want->count, "%s count %lld", w,
	    (long long)got->count);
	cr_expect_float_eq(got->avg, want->avg, 1e-9, "%s avg %.17g", w,
	    got->avg);
	cr_expect_float_eq(got->p50, want->p50, 1e-9, "%s p50 %.17g", w,
	    got->p50);
	cr_expect_float_eq(got->p95, want->p95, 1e-9, "%s p95 %.17g", w,
	    got->p95);
}

void
expect_fixture_stats(const struct cstats *cs)
{
	size_t	 i;

	expect_dist(&cs->startup, &want_startup, "startup");
	expect_dist(&cs->create, &want_create, "create");
	expect_dist(&cs->start, &want_start, "start");
	expect_dist(&cs->ready, &want_ready, "ready");
	cr_assert_eq(cs->nusers, 3);
	for (i = 0; i < 3; i++) {
		cr_expect_str_eq(cs->users[i].user_id, want_users[i].user);
		cr_expect_eq(cs->users[i].count, want_users[i].count);
		if (isnan(want_users[i].avg))
			cr_expect(isnan(cs->users[i].avg_ms));
		else
			cr_expect_float_eq(cs->users[i].avg_ms,
			    want_users[i].avg, 1e-9, "%s", want_users[i].user);
	}
	cr_expect_eq(cs->failed, WANT_FAILED);
	cr_assert_eq(cs->nfailed, 2);
	cr_expect_str_eq(cs->failed_rows[0].workspace_id,
	    "00000000-0000-4000-8000-000000000008");
	cr_expect_str_eq(cs->failed_rows[1].workspace_id,
	    "00000000-0000-4000-8000-000000000006");
}

/* The rows the fixture leaves, field by field. */
void
expect_fixture_rows(const struct cstats *cs)
{
	const struct lifecycle_row	*f8 = &cs->failed_rows[0];
	const struct lifecycle_row	*f6 = &cs->failed_rows[1];
	const struct lifecycle_row	*w1 = &cs->recent[9];
	const struct lifecycle_row	*w2 = &cs->recent[8];
	const struct lifecycle_row	*w10 = &cs->recent[0];

	cr_expect_str_eq(f8->container_id, "c8");
	cr_expect_str_eq(f8->user_id, "carol");
	cr_expect_str_eq(f8->s3_bucket, "bucket");
	cr_expect_str_eq(f8->reason, "error");
	cr_expect_eq(f8->received_ms, T0 + 7000);
	cr_expect(f8->created_ms == 0 && f8->started_ms == 0 &&
	    f8->available_ms == 0);
	cr_expect_eq(f8->stopped_ms, T0 + 7500);
	cr_expect(f8->startup_ms == -1 && f8->active_ms == -1);
	cr_expect_eq(f6->created_ms, T0 + 5120);
	cr_expect_eq(f6->started_ms, T0 + 5150);
	cr_expect_eq(f6->stopped_ms, T0 + 10150);
	cr_expect(f6->startup_ms == -1 && f6->active_ms == -1);
	cr_assert_eq(cs->nrecent, NFIXTURE);
	cr_expect_str_eq(w1->workspace_id,
	    "00000000-0000-4000-8000-000000000001");
	cr_expect_str_eq(w1->reason, "manual");
	cr_expect_eq(w1->created_ms, T0 + 100);
	cr_expect_eq(w1->available_ms, T0 + 1150);
	cr_expect_eq(w1->stopped_ms, T0 + 61150);
	cr_expect_eq(w1->startup_ms, 1150);
	cr_expect_eq(w1->active_ms, 60000);
	cr_expect_str_eq(w2->user_id, "alice");
	cr_expect_eq(w2->received_ms, T0 + 1000);
	cr_expect_str_eq(w10->container_id, "c10");
	cr_expect_str_eq(w10->user_id, "");
	cr_expect_str_eq(w10->reason, "");
	cr_expect_eq(w10->stopped_ms, 0);
	cr_expect_eq(w10->active_ms, -1);
	cr_expect_eq(w10->startup_ms, 1535);
}
