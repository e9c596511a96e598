/*
 * Restart policy for supervised children: exponential backoff with a
 * cap, reset after a stable period, and a burst limit after which the
 * child is marked failed and retried much later.  Pure arithmetic on
 * timestamps so it can be unit-tested.
 */
#ifndef BERTH_BACKOFF_H
#define BERTH_BACKOFF_H

#include <stdint.h>

#define BACKOFF_MAX_BURST	32

struct backoff_policy {
	uint64_t	min_ms;		/* first retry delay, e.g. 100 */
	uint64_t	max_ms;		/* cap, e.g. 30000 */
	uint64_t	reset_ms;	/* up this long: failures forgotten */
	unsigned	burst;		/* starts allowed within window_ms */
	uint64_t	window_ms;
	uint64_t	failed_ms;	/* retry delay once failed */
};

struct backoff {
	unsigned	failures;	/* consecutive short-lived runs */
	uint64_t	starts[BACKOFF_MAX_BURST]; /* ring of start times */
	unsigned	nstarts;
	int		failed;		/* burst limit hit */
};

void		backoff_reset(struct backoff *);
/* Record a start at now. */
void		backoff_started(struct backoff *, uint64_t now);
/* The child exited at now after starting at started; returns the delay
 * in ms before the next start, and sets b->failed when the burst limit
 * was hit (the delay is then policy->failed_ms). */
uint64_t	backoff_exited(struct backoff *, const struct backoff_policy *,
		    uint64_t started, uint64_t now);

#endif
