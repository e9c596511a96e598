/*
 * Unit tests for the restart backoff (common/backoff.c): doubling from
 * min_ms up to max_ms, reset after a stable run, the burst limit and
 * what follows it, and large failure counts.
 */
#include <criterion/criterion.h>
#include <stdint.h>

#include "backoff.h"

static const struct backoff_policy policy = {
	.min_ms = 100,
	.max_ms = 30000,
	.reset_ms = 30000,
	.burst = 5,
	.window_ms = 10000,
	.failed_ms = 60000,
};

/* One run from start to start + ran; returns the delay. */
static uint64_t
run(struct backoff *b, const struct backoff_policy *p, uint64_t start,
    uint64_t ran)
{
	backoff_started(b, start);
	return backoff_exited(b, p, start, start + ran);
}

/* Quick crashes spaced wider than the window: never the burst limit. */
static uint64_t
spaced_crash(struct backoff *b, const struct backoff_policy *p, int i)
{
	return run(b, p, (uint64_t)i * (p->window_ms + 1000), 10);
}

Test(backoff, first_delay_is_min)
{
	struct backoff	b;

	backoff_reset(&b);
	cr_assert_eq(run(&b, &policy, 1000, 10), 100);
	cr_assert_eq(b.failures, 1);
	cr_assert_eq(b.failed, 0);
}

Test(backoff, doubles)
{
	struct backoff	b;
	uint64_t	want = 100;
	int		i;

	backoff_reset(&b);
	for (i = 0; i < 8; i++, want *= 2)
		cr_assert_eq(spaced_crash(&b, &policy, i), want,
		    "failure %d", i + 1);
	cr_assert_eq(b.failed, 0);
}

Test(backoff, capped_at_max)
{
	struct backoff_policy	p = policy;
	struct backoff		b;
	static const uint64_t	want[] = { 100, 200, 400, 800, 1000, 1000 };
	size_t			i;

	p.max_ms = 1000;
	backoff_reset(&b);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_assert_eq(spaced_crash(&b, &p, (int)i), want[i]);
}

Test(backoff, min_above_max_gives_max)
{
	struct backoff_policy	p = policy;
	struct backoff		b;

	p.min_ms = 5000;
	p.max_ms = 1000;
	backoff_reset(&b);
	cr_assert_eq(spaced_crash(&b, &p, 0), 1000);
}

Test(backoff, stable_run_resets)
{
	struct backoff	b;
	int		i;

	backoff_reset(&b);
	for (i = 0; i < 4; i++)
		spaced_crash(&b, &policy, i);
	cr_assert_eq(b.failures, 4);
	/* Up exactly reset_ms: counts as stable. */
	cr_assert_eq(run(&b, &policy, 100000, policy.reset_ms), 100);
	cr_assert_eq(b.failures, 1);
	cr_assert_eq(run(&b, &policy, 200000, 10), 200);
}

Test(backoff, short_of_reset_keeps_doubling)
{
	struct backoff	b;

	backoff_reset(&b);
	cr_assert_eq(run(&b, &policy, 0, 10), 100);
	cr_assert_eq(run(&b, &policy, 50000, policy.reset_ms - 1), 200);
}

Test(backoff, burst_marks_failed)
{
	struct backoff	b;
	uint64_t	t = 0, d, want = 100;
	unsigned	i;

	backoff_reset(&b);
	for (i = 1; i < policy.burst; i++, want *= 2) {
		d = run(&b, &policy, t, 10);
		cr_assert_eq(d, want, "start %u", i);
		cr_assert_eq(b.failed, 0, "start %u", i);
		t += 10 + d;
	}
	/* The burst-th start within window_ms. */
	cr_assert_lt(t, policy.window_ms);
	cr_assert_eq(run(&b, &policy, t, 10), policy.failed_ms);
	cr_assert_eq(b.failed, 1);
}

Test(backoff, starts_outside_window_do_not_count)
{
	struct backoff	b;
	unsigned	i;

	backoff_reset(&b);
	for (i = 0; i < 3 * policy.burst; i++) {
		spaced_crash(&b, &policy, (int)i);
		cr_assert_eq(b.failed, 0, "start %u", i);
	}
}

Test(backoff, stable_runs_still_count_toward_burst)
{
	struct backoff_policy	p = policy;
	struct backoff		b;
	uint64_t		t = 0, d;
	unsigned		i;

	p.reset_ms = 1000;
	backoff_reset(&b);
	for (i = 1; i < p.burst; i++) {
		d = run(&b, &p, t, 1500);
		cr_assert_eq(d, 100);
		t += 1500 + d;
	}
	cr_assert_eq(run(&b, &p, t, 1500), p.failed_ms);
	cr_assert_eq(b.failed, 1);
}

Test(backoff, recovers_after_failed)
{
	struct backoff	b;
	uint64_t	t = 0, d = 0;
	unsigned	i;

	backoff_reset(&b);
	for (i = 0; i < policy.burst; i++) {
		d = run(&b, &policy, t, 10);
		t += 10 + d;
	}
	cr_assert_eq(d, policy.failed_ms);
	cr_assert_eq(b.failed, 1);

	/* Retried after failed_ms: a fresh start, not failed again. */
	backoff_started(&b, t);
	cr_assert_eq(b.failed, 0);
	cr_assert_eq(backoff_exited(&b, &policy, t, t + 10), 100);
	cr_assert_eq(b.failed, 0);
	cr_assert_eq(b.failures, 1);
	t += 10 + 100;

	/* And it takes a whole burst to fail again. */
	for (i = 1; i < policy.burst - 1; i++) {
		t += 10 + run(&b, &policy, t, 10);
		cr_assert_eq(b.failed, 0, "start %u after recovery", i + 1);
	}
	cr_assert_eq(run(&b, &policy, t, 10), policy.failed_ms);
	cr_assert_eq(b.failed, 1);
}

Test(backoff, exit_without_started_is_counted)
{
	struct backoff	b;
	uint64_t	t = 0;
	unsigned	i;

	backoff_reset(&b);
	for (i = 0; i < policy.burst; i++)
		t += 10 + backoff_exited(&b, &policy, t, t + 10);
	cr_assert_eq(b.failed, 1);
}

Test(backoff, no_overflow_after_many_failures)
{
	struct backoff_policy	p = policy;
	struct backoff		b;
	uint64_t		d = 0, prev = 0;
	int			i;

	p.burst = BACKOFF_MAX_BURST;
	p.reset_ms = UINT64_MAX;
	backoff_reset(&b);
	for (i = 0; i < 1000; i++) {
		d = spaced_crash(&b, &p, i);
		cr_assert_geq(d, prev, "failure %d", i + 1);
		cr_assert_leq(d, p.max_ms, "failure %d", i + 1);
		prev = d;
	}
	cr_assert_eq(d, p.max_ms);
	cr_assert_eq(b.failures, 1000);
	cr_assert_eq(b.failed, 0);
}

Test(backoff, no_overflow_with_huge_max)
{
	struct backoff_policy	p = policy;
	struct backoff		b;
	uint64_t		d = 0;
	int			i;

	p.min_ms = 3;
	p.max_ms = UINT64_MAX;
	p.burst = 0;
	backoff_reset(&b);
	for (i = 0; i < 1000; i++) {
		d = run(&b, &p, (uint64_t)i, 0);
		if (i == 62)
			cr_assert_eq(d, (uint64_t)3 << 62);
	}
	cr_assert_eq(d, UINT64_MAX);
}
