/*
 * A circuit breaker for one health check (seed 002): closed while the
 * check passes; open after `threshold` failures in a row, during which
 * the check is not run at all; after `cooldown_ms` half-open, when one
 * trial run decides: a pass closes it, a failure opens it again.
 */
#ifndef BERTH_BREAKER_H
#define BERTH_BREAKER_H

#include <stdint.h>

enum breaker_state { BRK_CLOSED, BRK_OPEN, BRK_HALF_OPEN };

struct breaker {
	enum breaker_state	state;
	unsigned		failures;	/* in a row */
	unsigned		threshold;	/* failures that open it */
	uint64_t		cooldown_ms;
	uint64_t		opened_ms;	/* when it last opened */
};

void		 breaker_init(struct breaker *, unsigned threshold,
		    uint64_t cooldown_ms);
/* May the check run at now_ms?  An open breaker whose cooldown is over
 * turns half-open and allows one trial. */
int		 breaker_allow(struct breaker *, uint64_t now_ms);
/* The outcome of a run allowed at now_ms. */
void		 breaker_record(struct breaker *, int ok, uint64_t now_ms);
const char	*breaker_name(enum breaker_state);	/* closed, open, half_open */

#endif
