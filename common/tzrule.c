/*
 * The POSIX TZ string of a TZif footer, which gives a zone's offset
 * after its last stored transition: "STD off [DST [off],start[/time],
 * end[/time]]" with dates in the "Mm.w.d" form every current zone
 * uses ("CET-1CEST,M3.5.0,M10.5.0/3", "<+0330>-3:30").  The Julian
 * forms ("Jn", "n") are refused, and so the zone is.
 */
#include <ctype.h>
#include <string.h>

#include "calendar.h"
#include "tz_int.h"

#define DAY		86400
/* Rule arithmetic stays inside +-2^40 s (35,000 years): beyond, the
 * offset of the nearest year inside applies. */
#define RULE_SPAN	((int64_t)1 << 40)

struct cursor {
	const char	*p, *e;
};

static int
peek(const struct cursor *c)
{
	return c->p < c->e ? (unsigned char)*c->p : -1;
}

static int
name(struct cursor *c)
{
	const char	*s = c->p;

	if (peek(c) == '<') {
		c->p++;
		while (isalnum(peek(c)) || peek(c) == '+' || peek(c) == '-')
			c->p++;
		if (peek(c) != '>' || c->p - s < 4)
			return -1;
		c->p++;
		return 0;
	}
	while (isalpha(peek(c)))
		c->p++;
	return c->p - s >= 3 ? 0 : -1;
}

/* Decimal digits at most max; -1 if none. */
static long
number(struct cursor *c, long max)
{
	long	n = 0;

	if (!isdigit(peek(c)))
		return -1;
	while (isdigit(peek(c))) {
		n = n * 10 + (*c->p++ - '0');
		if (n > max)
			return -1;
	}
	return n;
}

/* [+-]hh[:mm[:ss]], hours at most maxh; sets *secs. */
static int
hms(struct cursor *c, long maxh, long *secs)
{
	long	sign = 1, h, m = 0, s = 0;

	if (peek(c) == '+' || peek(c) == '-')
		sign = *c->p++ == '-' ? -1 : 1;
	if ((h = number(c, maxh)) == -1)
		return -1;
	if (peek(c) == ':') {
		c->p++;
		if ((m = number(c, 59)) == -1)
			return -1;
		if (peek(c) == ':') {
			c->p++;
			if ((s = number(c, 59)) == -1)
				return -1;
		}
	}
	*secs = sign * (h * 3600 + m * 60 + s);
	return 0;
}

static int
date(struct cursor *c, struct tzdate *d)
{
	long	m, w, wd;

	if (peek(c) != 'M')
		return -1;
	c->p++;
	if ((m = number(c, 12)) < 1 || peek(c) != '.')
		return -1;
	c->p++;
	if ((w = number(c, 5)) < 1 || peek(c) != '.')
		return -1;
	c->p++;
	if ((wd = number(c, 6)) == -1)
		return -1;
	d->m = (int)m;
	d->w = (int)w;
	d->d = (int)wd;
	d->secs = 7200;
	if (peek(c) == '/') {
		c->p++;
		return hms(c, 167, &d->secs);
	}
	return 0;
}

int
tzrule_parse(const char *s, size_t len, struct tzrule *r)
{
	struct cursor	c = { s, s + len };
	long		v;

	memset(r, 0, sizeof(*r));
	if (name(&c) == -1 || hms(&c, 24, &v) == -1)
		return -1;
	r->std = r->dst = -v;		/* POSIX counts hours west */
	if (peek(&c) == -1)
		return 0;
	if (name(&c) == -1)
		return -1;
	r->dst = r->std + 3600;
	if (peek(&c) != ',') {
		if (hms(&c, 24, &v) == -1)
			return -1;
		r->dst = -v;
	}
	if (peek(&c) != ',')
		return -1;		/* no rule: would need posixrules */
	c.p++;
	if (date(&c, &r->start) == -1 || peek(&c) != ',')
		return -1;
	c.p++;
	if (date(&c, &r->end) == -1 || peek(&c) != -1)
		return -1;
	r->has_dst = r->dst != r->std;
	return 0;
}

/* The instant of date d in year y, d's time read at offset off. */
static int64_t
when(const struct tzdate *d, int64_t y, long off)
{
	int64_t	first;
	int	day;

	first = cal_days(y, d->m, 1);
	day = 1 + (d->d - cal_dow(first) + 7) % 7 + (d->w - 1) * 7;
	while (day > cal_mdays(y, d->m))
		day -= 7;
	return (first + day - 1) * DAY + d->secs - off;
}

static int64_t
year_of(int64_t t)
{
	int64_t	y, days;
	int	m, d;

	days = (t >= 0 ? t : t - DAY + 1) / DAY;
	cal_date(days, &y, &m, &d);
	return y;
}

static int64_t
clamp(int64_t t)
{
	return t > RULE_SPAN ? RULE_SPAN : t < -RULE_SPAN ? -RULE_SPAN : t;
}

long
tzrule_offset(const struct tzrule *r, int64_t t)
{
	int64_t	y, s, e;

	if (!r->has_dst)
		return r->std;
	t = clamp(t);
	y = year_of(t + r->std);
	s = when(&r->start, y, r->std);
	e = when(&r->end, y, r->dst);
	if (s < e)
		return t >= s && t < e ? r->dst : r->std;
	return t >= e && t < s ? r->std : r->dst;
}

/* The changes of years y-1 to y+1, in *out (6). */
static void
changes(const struct tzrule *r, int64_t y, int64_t *out)
{
	int	i;

	for (i = 0; i < 3; i++) {
		out[2 * i] = when(&r->start, y - 1 + i, r->std);
		out[2 * i + 1] = when(&r->end, y - 1 + i, r->dst);
	}
}

int64_t
tzrule_next(const struct tzrule *r, int64_t t)
{
	int64_t	c[6], best = TZ_NONE_AFTER;
	int	i;

	if (!r->has_dst || t >= RULE_SPAN)
		return TZ_NONE_AFTER;
	t = clamp(t);
	changes(r, year_of(t), c);
	for (i = 0; i < 6; i++)
		if (c[i] > t && c[i] < best)
			best = c[i];
	return best;
}

int64_t
tzrule_prev(const struct tzrule *r, int64_t t)
{
	int64_t	c[6], best = TZ_NONE_BEFORE;
	int	i;

	if (!r->has_dst || t < -RULE_SPAN)
		return TZ_NONE_BEFORE;
	t = clamp(t);
	changes(r, year_of(t), c);
	for (i = 0; i < 6; i++)
		if (c[i] <= t && c[i] > best)
			best = c[i];
	return best;
}
