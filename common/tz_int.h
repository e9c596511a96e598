/*
 * Inside a loaded zone: the transitions of its TZif data
 * (common/tzfile.c) and the POSIX TZ rule of its footer that governs
 * the times after them (common/tzrule.c); and what cron_next needs of
 * a zone beyond its offset, where one offset's span begins and ends.
 */
#ifndef BERTH_TZ_INT_H
#define BERTH_TZ_INT_H

#include <stddef.h>
#include <stdint.h>

#include "cron.h"

#define TZ_NONE_BEFORE	INT64_MIN	/* no offset change before t */
#define TZ_NONE_AFTER	INT64_MAX	/* no offset change after t */

/* "M3.5.0/2": day d (0 Sunday) of week w (5: the last) of month m,
 * at secs of the wall time then in effect. */
struct tzdate {
	int	m, w, d;
	long	secs;
};

struct tzrule {
	long		std, dst;	/* UTC offsets, seconds east */
	int		has_dst;
	struct tzdate	start, end;	/* of daylight saving time */
};

struct tz {
	size_t		 n;		/* transitions */
	int64_t		*at;		/* ascending */
	long		*off;		/* offset from at[i] on */
	long		 off0;		/* before at[0] */
	int		 has_rule;	/* from at[n - 1] on (always if
					   n is 0) the rule applies */
	struct tzrule	 rule;
};

/* The footer's TZ string, "CET-1CEST,M3.5.0,M10.5.0/3", len bytes. */
int	 tzrule_parse(const char *s, size_t len, struct tzrule *);
long	 tzrule_offset(const struct tzrule *, int64_t t);
/* The rule's changes nearest t: the first > t, the last <= t. */
int64_t	 tzrule_next(const struct tzrule *, int64_t t);
int64_t	 tzrule_prev(const struct tzrule *, int64_t t);

/* The last instant <= t at which the UTC offset changed. */
int64_t	 tz_prev_change(const struct tz *, int64_t t);
/* The first instant > t at which the UTC offset changes. */
int64_t	 tz_next_change(const struct tz *, int64_t t);

#endif
