/*
 * The circuit breaker of a health check (breaker.h): three states and
 * two events, time passed in by the caller so that tests need no clock.
 */
#include "breaker.h"

static const char *const names[] = { "closed", "open", "half_open" };

void
breaker_init(struct breaker *b, unsigned threshold, uint64_t cooldown_ms)
{
	b->state = BRK_CLOSED;
	b->failures = 0;
	b->threshold = threshold > 0 ? threshold : 1;
	b->cooldown_ms = cooldown_ms;
	b->opened_ms = 0;
}

int
breaker_allow(struct breaker *b, uint64_t now_ms)
{
	if (b->state != BRK_OPEN)
		return 1;
	if (now_ms - b->opened_ms < b->cooldown_ms)
		return 0;
	b->state = BRK_HALF_OPEN;
	return 1;
}

void
breaker_record(struct breaker *b, int ok, uint64_t now_ms)
{
	if (ok) {
		b->state = BRK_CLOSED;
		b->failures = 0;
		return;
	}
	b->failures++;
	if (b->state == BRK_HALF_OPEN || b->failures >= b->threshold) {
		b->state = BRK_OPEN;
		b->opened_ms = now_ms;
	}
}

const char *
breaker_name(enum breaker_state s)
{
	return names[s];
}
