/*
 * Restart backoff for supervised children.
 *
 * After the k-th consecutive short-lived run the delay before the next
 * start is min(min_ms * 2^(k-1), max_ms), so the first retry waits
 * min_ms.  A run that lasted at least reset_ms is "stable": it forgets
 * the earlier failures before the delay is computed, so its delay is
 * min_ms again.
 *
 * Independently, the last BACKOFF_MAX_BURST start times are kept.  When
 * burst of them (the exited run's own start included) lie within
 * window_ms of the exit, the child is failed: b->failed is set and the
 * delay is failed_ms.  At that moment the failure count and the start
 * ring are cleared, so the run after the failed period starts fresh: its
 * first quick exit waits min_ms and it takes another full burst to fail
 * again.  Stable runs do not clear the ring, so a child that crashes
 * just after reset_ms every time is still caught by the burst limit.
 *
 * b->failed means "waiting out failed_ms": backoff_started() clears it
 * and every backoff_exited() sets it to whether its delay is failed_ms.
 * A burst of 0 or a window_ms of 0 disables the burst limit.
 */
#include <limits.h>
#include <string.h>

#include "backoff.h"

void
backoff_reset(struct backoff *b)
{
	memset(b, 0, sizeof(*b));
}

/* Append to the ring, oldest first, dropping the oldest when full. */
static void
ring_push(struct backoff *b, uint64_t t)
{
	if (b->nstarts >= BACKOFF_MAX_BURST) {
		memmove(&b->starts[0], &b->starts[1],
		    (BACKOFF_MAX_BURST - 1) * sizeof(b->starts[0]));
		b->nstarts = BACKOFF_MAX_BURST - 1;
	}
	b->starts[b->nstarts++] = t;
}

void
backoff_started(struct backoff *b, uint64_t now)
{
	ring_push(b, now);
	b->failed = 0;
}

/* Starts recorded no more than window_ms before now. */
static unsigned
starts_within(const struct backoff *b, uint64_t window_ms, uint64_t now)
{
	unsigned	i, n = 0;

	for (i = 0; i < b->nstarts; i++) {
		if (b->starts[i] <= now && now - b->starts[i] < window_ms)
			n++;
	}
	return n;
}

static int
burst_exceeded(const struct backoff *b, const struct backoff_policy *p,
    uint64_t now)
{
	unsigned	burst = p->burst;

	if (burst == 0 || p->window_ms == 0)
		return 0;
	if (burst > BACKOFF_MAX_BURST)
		burst = BACKOFF_MAX_BURST;
	return starts_within(b, p->window_ms, now) >= burst;
}

/* min(min_ms * 2^(failures-1), max_ms) without overflowing. */
static uint64_t
delay_for(const struct backoff_policy *p, unsigned failures)
{
	unsigned	shift;

	if (failures == 0 || p->min_ms == 0)
		return 0;
	shift = failures - 1;
	if (shift >= 64)
		return p->max_ms;
	if (p->min_ms > (p->max_ms >> shift))
		return p->max_ms;
	return p->min_ms << shift;
}

uint64_t
backoff_exited(struct backoff *b, const struct backoff_policy *p,
    uint64_t started, uint64_t now)
{
	/* The exited run counts even if backoff_started() was not called. */
	if (b->nstarts == 0 || b->starts[b->nstarts - 1] < started)
		ring_push(b, started);

	if (now >= started && now - started >= p->reset_ms)
		b->failures = 0;

	if (burst_exceeded(b, p, now)) {
		b->failures = 0;
		b->nstarts = 0;
		b->failed = 1;
		return p->failed_ms;
	}

	b->failed = 0;
	if (b->failures < UINT_MAX)
		b->failures++;
	return delay_for(p, b->failures);
}
