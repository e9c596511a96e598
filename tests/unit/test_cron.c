/*
 * Unit tests for common/cron.c and common/cron_next.c: known next fire
 * times of every syntax, month ends and leap days, Vixie's day rule,
 * both DST changes of Europe/Berlin and America/New_York (the system's
 * zoneinfo, tzdata), parser errors and the per-job jitter.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "cron.h"

/* "2024-03-31T03:00+02:00", "2024-01-01T00:00Z", seconds optional. */
static int64_t
when(const char *s)
{
	int		y, mo, d, h, mi, sec = 0, oh = 0, om = 0, n = 0;
	char		sign = 'Z';
	int64_t		t;

	if (sscanf(s, "%d-%d-%dT%d:%d%n", &y, &mo, &d, &h, &mi, &n) != 5)
		cr_assert_fail("bad time %s", s);
	s += n;
	if (*s == ':' && sscanf(s, ":%d%n", &sec, &n) == 1)
		s += n;
	if (*s != 'Z' && sscanf(s, "%c%d:%d", &sign, &oh, &om) != 3)
		cr_assert_fail("bad zone in %s", s);
	t = cal_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	if (sign == '+')
		t -= oh * 3600 + om * 60;
	else if (sign == '-')
		t += oh * 3600 + om * 60;
	return t;
}

struct next_case {
	const char	*expr;
	const char	*zone;		/* NULL: UTC */
	const char	*after;
	const char	*next;		/* NULL: none within 5 years */
};

static const struct next_case cases[] = {
	/* steps, ranges, lists */
	{ "*/15 * * * *", NULL, "2024-01-01T00:07Z", "2024-01-01T00:15Z" },
	{ "*/15 * * * *", NULL, "2024-01-01T23:45Z", "2024-01-02T00:00Z" },
	{ "0 0-23/2 * * *", NULL, "2024-01-01T01:00Z", "2024-01-01T02:00Z" },
	{ "0 0-23/2 * * *", NULL, "2024-01-01T22:00Z", "2024-01-02T00:00Z" },
	{ "5-59/10 * * * *", NULL, "2024-01-01T00:06Z", "2024-01-01T00:15Z" },
	{ "5-59/10 * * * *", NULL, "2024-01-01T00:55Z", "2024-01-01T01:05Z" },
	{ "0,30 9,17 * * *", NULL, "2024-01-01T09:00Z", "2024-01-01T09:30Z" },
	{ "0,30 9,17 * * *", NULL, "2024-01-01T09:30Z", "2024-01-01T17:00Z" },
	{ "1-3,58 * * * *", NULL, "2024-01-01T00:03Z", "2024-01-01T00:58Z" },
	{ "* * * * *", NULL, "2024-01-01T00:00:30Z", "2024-01-01T00:01Z" },
	{ "0 0 * * *", NULL, "2024-01-01T00:00Z", "2024-01-02T00:00Z" },
	{ "0 0 1 1 *", NULL, "2024-12-31T23:59Z", "2025-01-01T00:00Z" },
	/* names, any case, in ranges; 0 and 7 are Sunday (2024-01-01
	 * was a Monday) */
	{ "0 12 * jan-mar mon-fri", NULL, "2024-03-29T12:00Z",
	    "2025-01-01T12:00Z" },
	{ "0 0 * * SUN", NULL, "2024-01-01T00:00Z", "2024-01-07T00:00Z" },
	{ "0 0 * * 0", NULL, "2024-01-01T00:00Z", "2024-01-07T00:00Z" },
	{ "0 0 * * 7", NULL, "2024-01-01T00:00Z", "2024-01-07T00:00Z" },
	{ "0 0 * * 6-7", NULL, "2024-01-06T00:00Z", "2024-01-07T00:00Z" },
	{ "0 0 * * Sat,sun", NULL, "2024-01-01T00:00Z", "2024-01-06T00:00Z" },
	{ "0 0 1 Jun *", NULL, "2024-01-01T00:00Z", "2024-06-01T00:00Z" },
	{ "0 0 1 jul-aug/1 *", NULL, "2024-07-01T00:00Z",
	    "2024-08-01T00:00Z" },
	/* nicknames */
	{ "@hourly", NULL, "2024-01-01T00:30Z", "2024-01-01T01:00Z" },
	{ "@daily", NULL, "2024-01-01T00:00Z", "2024-01-02T00:00Z" },
	{ "@midnight", NULL, "2024-01-01T12:00Z", "2024-01-02T00:00Z" },
	{ "@weekly", NULL, "2024-01-01T00:00Z", "2024-01-07T00:00Z" },
	{ "@monthly", NULL, "2024-01-15T00:00Z", "2024-02-01T00:00Z" },
	{ "@yearly", NULL, "2024-06-01T00:00Z", "2025-01-01T00:00Z" },
	{ "@annually", NULL, "2024-06-01T00:00Z", "2025-01-01T00:00Z" },
	{ "  @Daily  ", NULL, "2024-01-01T00:00Z", "2024-01-02T00:00Z" },
	/* month ends */
	{ "0 0 31 * *", NULL, "2024-04-01T00:00Z", "2024-05-31T00:00Z" },
	{ "0 0 31 * *", NULL, "2024-05-31T00:00Z", "2024-07-31T00:00Z" },
	{ "0 0 30 * *", NULL, "2024-01-31T00:00Z", "2024-03-30T00:00Z" },
	{ "59 23 28-31 2 *", NULL, "2023-02-28T23:59Z",
	    "2024-02-28T23:59Z" },
	/* leap days */
	{ "0 0 29 2 *", NULL, "2023-01-01T00:00Z", "2024-02-29T00:00Z" },
	{ "0 0 29 2 *", NULL, "2024-03-01T00:00Z", "2028-02-29T00:00Z" },
	{ "0 0 29 2 *", NULL, "2096-03-01T00:00Z", NULL },	/* 2100 */
	{ "0 0 1 3 *", NULL, "2024-02-28T00:00Z", "2024-03-01T00:00Z" },
	{ "0 0 30 2 *", NULL, "2024-01-01T00:00Z", NULL },
	{ "0 0 31 4,6,9,11 *", NULL, "2024-01-01T00:00Z", NULL },
	/* both day fields restricted: either matches */
	{ "0 0 13 * fri", NULL, "2024-01-01T00:00Z", "2024-01-05T00:00Z" },
	{ "0 0 13 * fri", NULL, "2024-01-12T00:00Z", "2024-01-13T00:00Z" },
	{ "0 0 13 * *", NULL, "2024-01-01T00:00Z", "2024-01-13T00:00Z" },
	{ "0 0 * * fri", NULL, "2024-01-06T00:00Z", "2024-01-12T00:00Z" },
	/* "*" with a step still counts as "*": both must match */
	{ "0 0 */2 * fri", NULL, "2024-01-05T00:00Z", "2024-01-19T00:00Z" },
	{ "0 0 1 * 1-5/2", NULL, "2024-01-01T00:00Z", "2024-01-03T00:00Z" },
	/* Berlin, spring: 02:00 CET jumps to 03:00 CEST on 2024-03-31 */
	{ "30 2 * * *", "Europe/Berlin", "2024-03-30T12:00Z",
	    "2024-03-31T03:00+02:00" },
	{ "30 2 * * *", "Europe/Berlin", "2024-03-31T03:00+02:00",
	    "2024-04-01T02:30+02:00" },
	{ "0 3 * * *", "Europe/Berlin", "2024-03-30T12:00Z",
	    "2024-03-31T03:00+02:00" },
	{ "30 * * * *", "Europe/Berlin", "2024-03-31T01:30+01:00",
	    "2024-03-31T03:00+02:00" },
	{ "30 * * * *", "Europe/Berlin", "2024-03-31T03:00+02:00",
	    "2024-03-31T03:30+02:00" },
	{ "*/15 * * * *", "Europe/Berlin", "2024-03-31T01:45+01:00",
	    "2024-03-31T03:00+02:00" },
	{ "*/15 * * * *", "Europe/Berlin", "2024-03-31T03:00+02:00",
	    "2024-03-31T03:15+02:00" },
	/* Berlin, autumn: 03:00 CEST falls back to 02:00 CET on
	 * 2024-10-27 */
	{ "30 2 * * *", "Europe/Berlin", "2024-10-26T12:00Z",
	    "2024-10-27T02:30+02:00" },
	{ "30 2 * * *", "Europe/Berlin", "2024-10-27T02:30+02:00",
	    "2024-10-28T02:30+01:00" },
	{ "0 2 * * *", "Europe/Berlin", "2024-10-27T01:59+02:00",
	    "2024-10-27T02:00+02:00" },
	{ "0 2 * * *", "Europe/Berlin", "2024-10-27T02:00+02:00",
	    "2024-10-28T02:00+01:00" },
	{ "30 * * * *", "Europe/Berlin", "2024-10-27T02:30+02:00",
	    "2024-10-27T02:30+01:00" },
	{ "30 * * * *", "Europe/Berlin", "2024-10-27T02:30+01:00",
	    "2024-10-27T03:30+01:00" },
	{ "0 9 * * *", "Europe/Berlin", "2024-07-01T00:00Z",
	    "2024-07-01T09:00+02:00" },
	{ "0 9 * * *", "Europe/Berlin", "2024-01-01T00:00Z",
	    "2024-01-01T09:00+01:00" },
	/* past the file's last transition (2037): the footer's rule */
	{ "30 2 * * *", "Europe/Berlin", "2040-03-24T12:00Z",
	    "2040-03-25T03:00+02:00" },
	{ "30 2 * * *", "Europe/Berlin", "2040-10-28T02:30+02:00",
	    "2040-10-29T02:30+01:00" },
	{ "0 0 30 2 *", "Europe/Berlin", "2024-01-01T00:00Z", NULL },
	/* New York, spring: 02:00 EST jumps to 03:00 EDT on 2024-03-10 */
	{ "30 2 * * *", "America/New_York", "2024-03-09T12:00Z",
	    "2024-03-10T03:00-04:00" },
	{ "30 2 * * *", "America/New_York", "2024-03-10T03:00-04:00",
	    "2024-03-11T02:30-04:00" },
	{ "0 * * * *", "America/New_York", "2024-03-10T01:00-05:00",
	    "2024-03-10T03:00-04:00" },
	/* New York, autumn: 02:00 EDT falls back to 01:00 EST on
	 * 2024-11-03 */
	{ "30 1 * * *", "America/New_York", "2024-11-02T12:00Z",
	    "2024-11-03T01:30-04:00" },
	{ "30 1 * * *", "America/New_York", "2024-11-03T01:30-04:00",
	    "2024-11-04T01:30-05:00" },
	{ "15 * * * *", "America/New_York", "2024-11-03T01:15-04:00",
	    "2024-11-03T01:15-05:00" },
	{ "15 * * * *", "America/New_York", "2024-11-03T01:15-05:00",
	    "2024-11-03T02:15-05:00" },
	{ "0 9 * * mon-fri", "America/New_York", "2024-11-01T13:00Z",
	    "2024-11-04T09:00-05:00" },
};

static void
check(const struct next_case *c)
{
	struct cron_spec	 cs;
	struct tz		*tz = NULL;
	char			 err[128];
	int64_t			 got, want;

	cr_assert_eq(cron_parse(c->expr, &cs, err, sizeof(err)), 0,
	    "%s: %s", c->expr, err);
	if (c->zone != NULL)
		cr_assert_not_null(tz = tz_load(NULL, c->zone), "%s: %s",
		    c->zone, strerror(errno));
	got = cron_next(&cs, tz, when(c->after));
	want = c->next != NULL ? when(c->next) : -1;
	cr_assert_eq(got, want, "\"%s\" %s after %s: got %lld, want %s (%lld)",
	    c->expr, c->zone != NULL ? c->zone : "UTC", c->after,
	    (long long)got, c->next != NULL ? c->next : "none",
	    (long long)want);
	tz_free(tz);
}

Test(cron, next_fire_times)
{
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(&cases[i]);
}

/* Every fire of a day of 15-minute runs, walked with cron_next: the
 * skipped hour gives one run, the repeated one two sets. */
static int
fires(const char *expr, const char *zone, const char *from, const char *to)
{
	struct cron_spec	 cs;
	struct tz		*tz;
	char			 err[128];
	int64_t			 t, end;
	int			 n = 0;

	cr_assert_eq(cron_parse(expr, &cs, err, sizeof(err)), 0);
	cr_assert_not_null(tz = tz_load(NULL, zone));
	end = when(to);
	for (t = when(from); (t = cron_next(&cs, tz, t)) != -1 && t < end;)
		n++;
	tz_free(tz);
	return n;
}

Test(cron, runs_per_dst_day)
{
	/* 23 wall hours in spring, 25 in autumn */
	cr_expect_eq(fires("*/15 * * * *", "Europe/Berlin",
	    "2024-03-30T23:59+01:00", "2024-04-01T00:00+02:00"), 23 * 4);
	cr_expect_eq(fires("*/15 * * * *", "Europe/Berlin",
	    "2024-10-26T23:59+02:00", "2024-10-28T00:00+01:00"), 25 * 4);
	/* a fixed hour runs once either way */
	cr_expect_eq(fires("*/15 2 * * *", "Europe/Berlin",
	    "2024-03-31T00:00+01:00", "2024-04-01T00:00+02:00"), 1);
	cr_expect_eq(fires("*/15 2 * * *", "Europe/Berlin",
	    "2024-10-26T23:59+02:00", "2024-10-28T00:00+01:00"), 4);
	cr_expect_eq(fires("*/15 1 * * *", "America/New_York",
	    "2024-11-02T23:59-04:00", "2024-11-04T00:00-05:00"), 4);
}

struct spec_case {
	const char	*a, *b;		/* parse to the same spec */
};

static const struct spec_case same[] = {
	{ "0 0 * * mon-fri", "0 0 * * 1-5" },
	{ "0 0 * * MON-Fri", "0 0 * * 1,2,3,4,5" },
	{ "0 0 * * 7", "0 0 * * 0" },
	{ "0 0 * * 5-7", "0 0 * * 0,5,6" },
	{ "0 0 * jan-dec *", "0 0 * 1-12 *" },
	{ "*/20 * * * *", "0,20,40 * * * *" },
	{ "0-59/20 * * * *", "0,20,40 * * * *" },
	{ "@hourly", "0 * * * *" },
	{ "@weekly", "0 0 * * 0" },
	{ "\t0\t0  *  *  * ", "0 0 * * *" },
};

Test(cron, equivalent_forms)
{
	struct cron_spec	a, b;
	char			err[128];
	size_t			i;

	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		cr_assert_eq(cron_parse(same[i].a, &a, err, sizeof(err)), 0,
		    "%s: %s", same[i].a, err);
		cr_assert_eq(cron_parse(same[i].b, &b, err, sizeof(err)), 0,
		    "%s: %s", same[i].b, err);
		cr_expect_eq(a.minute, b.minute, "%s", same[i].a);
		cr_expect_eq(a.hour, b.hour, "%s", same[i].a);
		cr_expect_eq(a.dom, b.dom, "%s", same[i].a);
		cr_expect_eq(a.month, b.month, "%s", same[i].a);
		cr_expect_eq(a.dow, b.dow, "%s", same[i].a);
	}
}

Test(cron, star_flags)
{
	struct cron_spec	cs;
	char			err[128];

	cr_assert_eq(cron_parse("*/5 * */2 * 1", &cs, err, sizeof(err)), 0);
	cr_expect(cs.hour_star && cs.dom_star && !cs.dow_star);
	cr_assert_eq(cron_parse("0 3 1 * *", &cs, err, sizeof(err)), 0);
	cr_expect(!cs.hour_star && !cs.dom_star && cs.dow_star);
	cr_expect_eq(cs.dom, 1u << 1);		/* bit n: day n */
	cr_expect_eq(cs.month, 0x1ffe);		/* bits 1-12 */
}

struct bad_case {
	const char	*expr;
	const char	*reason;	/* a part of the message */
};

static const struct bad_case bad[] = {
	{ "", "expected 5 fields, got 0" },
	{ "   ", "expected 5 fields, got 0" },
	{ "* * * *", "expected 5 fields, got 4" },
	{ "* * * * * *", "more than 5 fields" },
	{ "60 * * * *", "minute: out of range 0-59" },
	{ "* 24 * * *", "hour: out of range 0-23" },
	{ "* * 0 * *", "day of month: out of range 1-31" },
	{ "* * 32 * *", "day of month: out of range" },
	{ "* * * 13 *", "month: out of range 1-12" },
	{ "* * * 0 *", "month: out of range" },
	{ "* * * * 8", "day of week: out of range 0-7" },
	{ "5-1 * * * *", "minute: range 5-1 backwards" },
	{ "* * * * sat-sun", "day of week: range 6-0 backwards" },
	{ "*/0 * * * *", "minute: bad step" },
	{ "*/ * * * *", "minute: bad step" },
	{ "5/10 * * * *", "minute: a step needs a range or *" },
	{ "a * * * *", "minute: bad value" },
	{ "mon * * * *", "minute: bad value" },
	{ "* * * foo *", "month: bad value" },
	{ "* * * janu *", "month: bad value" },
	{ "* * * * 1-", "day of week: bad range end" },
	{ "1,,2 * * * *", "minute: bad value" },
	{ "1, * * * *", "minute: unexpected ','" },
	{ "1;2 * * * *", "minute: unexpected ';'" },
	{ "-1 * * * *", "minute: bad value" },
	{ "99999999999 * * * *", "minute: bad value" },
	{ "@reboot", "@reboot is not supported" },
	{ "@often", "unknown nickname" },
	{ "@daily 0", "a nickname stands alone" },
};

Test(cron, parser_errors)
{
	struct cron_spec	cs;
	char			err[128];
	size_t			i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		cr_expect_eq(cron_parse(bad[i].expr, &cs, err, sizeof(err)),
		    -1, "\"%s\" was accepted", bad[i].expr);
		cr_expect_not_null(strstr(err, bad[i].reason),
		    "\"%s\": \"%s\", want \"%s\"", bad[i].expr, err,
		    bad[i].reason);
	}
}

Test(cron, length_bounded)
{
	struct cron_spec	cs;
	char			expr[400], err[64];

	memset(expr, ' ', sizeof(expr));
	memcpy(expr + sizeof(expr) - 10, "* * * * *", 10);
	cr_expect_eq(cron_parse(expr, &cs, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "longer than 256 bytes");
	/* a short buffer is cut, never overrun; none at all is fine */
	cr_expect_eq(cron_parse("x", &cs, err, 4), -1);
	cr_expect_str_eq(err, "min");
	cr_expect_eq(cron_parse("x", &cs, NULL, 0), -1);
}

Test(cron, jitter)
{
	cr_expect_eq(cron_jitter("a", 0), 0);
	cr_expect_eq(cron_jitter("a", -5), 0);
	cr_expect_eq(cron_jitter("a", 1000), 0xe40c292cu % 1000);
	cr_expect_eq(cron_jitter("retention", 1), 0);
	cr_expect_eq(cron_jitter("retention", 300),
	    cron_jitter("retention", 300));
	cr_expect_neq(cron_jitter("metrics", 3600),
	    cron_jitter("retention", 3600));
	cr_expect_lt(cron_jitter("orphaned-volumes", 60), 60);
}
