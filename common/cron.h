/*
 * Cron schedules: Vixie cron's 5-field expressions and nicknames, the
 * next fire time in UTC or in a time zone, and a stable per-job offset
 * (Jenkins' H).  Written by hand on purpose: Debian packages no C cron
 * library (README, "hand-written").
 *
 * Time zones come from TZif data read before confinement (tz_load), so
 * a chrooted worker needs neither /usr/share/zoneinfo nor glibc's TZ.
 */
#ifndef BERTH_CRON_H
#define BERTH_CRON_H

#include <stddef.h>
#include <stdint.h>

struct cron_spec {
	uint64_t	minute;		/* bit n: minute n, 0-59 */
	uint32_t	hour;		/* bit n: hour n, 0-23 */
	uint32_t	dom;		/* bit n: day n, 1-31 */
	uint16_t	month;		/* bit n: month n, 1-12 */
	uint8_t		dow;		/* bit n: weekday n, 0-6, Sunday 0
					   (7 is read as 0) */
	uint8_t		dom_star;	/* the field was "*" (or "*" /step) */
	uint8_t		dow_star;
	uint8_t		hour_star;	/* hour field "*": runs in both copies
					   of a repeated hour */
};

/* Parse expr ("*\/15 * * * *", "@daily", "0 2 * * mon-fri").  Returns 0,
 * or -1 with a short reason in err. */
int	 cron_parse(const char *expr, struct cron_spec *, char *err,
	    size_t errlen);

struct tz;				/* a loaded zone; NULL means UTC */

/* Read a zone by name ("Europe/Berlin") from dir (NULL: the system's
 * /usr/share/zoneinfo).  Names with "..", a leading "/" or other than
 * [A-Za-z0-9_+-/] are refused.  NULL on failure with errno set. */
struct tz	*tz_load(const char *dir, const char *name);
/* The same from TZif bytes in memory (tests, fuzzing). */
struct tz	*tz_parse(const unsigned char *buf, size_t len);
void		 tz_free(struct tz *);
/* UTC offset in seconds at Unix time t. */
long		 tz_offset(const struct tz *, int64_t t);

/* The first fire time strictly after `after` (Unix seconds), in zone
 * tz (NULL = UTC), with Vixie cron's rules: either of day-of-month and
 * day-of-week matches when both are restricted; a time skipped by a
 * DST change fires once at the end of the gap; in a repeated hour a
 * job with a fixed hour fires once (the first), one with hour "*"
 * fires in both.  -1 if none within 5 years (e.g. "0 0 30 2 *"). */
int64_t	 cron_next(const struct cron_spec *, const struct tz *,
	    int64_t after);

/* A stable offset in [0, jitter_s) from the job's name (FNV-1a);
 * 0 when jitter_s <= 0. */
long	 cron_jitter(const char *name, long jitter_s);

#endif
