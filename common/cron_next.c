/*
 * The next fire time of a cron schedule, in UTC or in a zone, and the
 * stable per-job offset (cron_jitter).
 *
 * Matching is done on the zone's wall clock ("civil" seconds: a local
 * time counted as if it were UTC), one span of constant UTC offset at
 * a time.  Where two spans meet, the wall clock either jumps forward
 * (a gap: the skipped times fire once, at the instant of the change)
 * or falls back (an overlap: the repeated wall times fire again only
 * for a schedule whose hour field is "*").
 */
#include <stdint.h>

#include "calendar.h"
#include "cron.h"
#include "tz_int.h"

#define DAY		86400
#define HORIZON		(5 * 366 * (int64_t)DAY)	/* "within 5 years" */
/* Years 1 to 9999: no arithmetic below can overflow inside these. */
#define TIME_MIN	(-62135596800LL)
#define TIME_MAX	(253402300799LL - HORIZON - 2 * DAY)

/* Vixie cron: when either day field is "*", both must match (one of
 * them trivially); when both are restricted, either one will do. */
static int
day_matches(const struct cron_spec *cs, int64_t days)
{
	int64_t	y;
	int	m, d, dom, dow;

	cal_date(days, &y, &m, &d);
	if (!(cs->month & (1u << m)))
		return 0;
	dom = (cs->dom >> d) & 1;
	dow = (cs->dow >> cal_dow(days)) & 1;
	if (cs->dom_star || cs->dow_star)
		return dom && dow;
	return dom || dow;
}

/* The first of month's days after `days`, when its month is not in
 * the schedule; days + 1 otherwise. */
static int64_t
next_day(const struct cron_spec *cs, int64_t days)
{
	int64_t	y;
	int	m, d;

	cal_date(days, &y, &m, &d);
	if (cs->month & (1u << m))
		return days + 1;
	return days + cal_mdays(y, m) - d + 1;
}

/* The first wall-clock minute >= c that the schedule names, or -1 if
 * none up to limit. */
static int64_t
next_civil(const struct cron_spec *cs, int64_t c, int64_t limit)
{
	int64_t	days;
	int	h, m;

	c = c % 60 == 0 ? c : c - (c % 60 + 60) % 60 + 60;
	days = (c >= 0 ? c : c - DAY + 1) / DAY;
	h = (int)((c - days * DAY) / 3600);
	m = (int)((c - days * DAY) % 3600 / 60);
	while (days * DAY <= limit) {
		if (!day_matches(cs, days)) {
			days = next_day(cs, days);
			h = m = 0;
			continue;
		}
		for (; h < 24; h++, m = 0) {
			if (!(cs->hour & (1u << h)))
				continue;
			for (; m < 60; m++)
				if (cs->minute & ((uint64_t)1 << m))
					break;
			if (m < 60) {
				c = days * DAY + h * 3600 + m * 60;
				return c <= limit ? c : -1;
			}
		}
		days++;
		h = m = 0;
	}
	return -1;
}

/* The fire time in the span [start, end) of offset off, from t on;
 * civil times before rep_end are a repeated hour's second copy.  Sets
 * *c to the first matching wall time (-1: none), even past the span. */
static int64_t
in_span(const struct cron_spec *cs, int64_t t, int64_t end, long off,
    int64_t rep_end, int64_t limit, int64_t *c)
{
	*c = t + off;
	for (;;) {
		if ((*c = next_civil(cs, *c, limit + off)) == -1)
			return -1;
		if (end != TZ_NONE_AFTER && *c - off >= end)
			return -1;
		if (*c >= rep_end || cs->hour_star)
			return *c - off;
		*c += 60;
	}
}

/* Span by span from t; each span's search stops two days past its
 * end (enough to see a gap), so a zone of many spans stays cheap. */
static int64_t
next_in_zone(const struct cron_spec *cs, const struct tz *tz, int64_t t,
    int64_t limit)
{
	int64_t	start, end, rep_end, lim, c, u;
	long	off, prev, noff;

	while (t <= limit) {
		off = tz_offset(tz, t);
		start = tz_prev_change(tz, t);
		end = tz_next_change(tz, t);
		rep_end = INT64_MIN;
		if (start != TZ_NONE_BEFORE &&
		    (prev = tz_offset(tz, start - 1)) > off)
			rep_end = start + prev;
		lim = end < limit - 2 * DAY ? end + 2 * DAY : limit;
		if ((u = in_span(cs, t, end, off, rep_end, lim, &c)) != -1)
			return u;
		if ((c == -1 && lim == limit) || end == TZ_NONE_AFTER)
			return -1;
		/* A wall time the change skips fires at the change. */
		noff = tz_offset(tz, end);
		if (c != -1 && noff > off && c < end + noff)
			return end;
		t = end;
	}
	return -1;
}

int64_t
cron_next(const struct cron_spec *cs, const struct tz *tz, int64_t after)
{
	if (after < TIME_MIN || after > TIME_MAX)
		return -1;
	if (tz == NULL)
		return next_civil(cs, after + 1, after + HORIZON);
	return next_in_zone(cs, tz, after + 1, after + HORIZON);
}

/* FNV-1a, 32 bits. */
long
cron_jitter(const char *name, long jitter_s)
{
	uint32_t	h = 2166136261u;

	if (jitter_s <= 0)
		return 0;
	for (; *name != '\0'; name++) {
		h ^= (unsigned char)*name;
		h *= 16777619u;
	}
	return (long)(h % (unsigned long)jitter_s);
}
