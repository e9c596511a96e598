/*
 * Cron expressions as Vixie cron reads them: five fields (minute, hour,
 * day of month, month, day of week), each a list of "*", "n" or "a-b",
 * a range optionally with "/step"; month and weekday names (jan-dec,
 * sun-sat, any case, in ranges too); 0 and 7 both Sunday; the nicknames
 * @hourly ... @yearly.  The next fire time is in cron_next.c.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cron.h"

#define CRON_EXPR_MAX	256	/* longer expressions are refused */

struct field {
	const char	*name;
	int		 lo, hi;
	const char	*const *names;	/* names[i] is value lo + i */
};

static const char *const month_names[] = {
	"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec", NULL
};
static const char *const dow_names[] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL
};

/* Weekday 7 is Sunday again: it is folded onto 0 when stored. */
static const struct field fields[5] = {
	{ "minute", 0, 59, NULL },
	{ "hour", 0, 23, NULL },
	{ "day of month", 1, 31, NULL },
	{ "month", 1, 12, month_names },
	{ "day of week", 0, 7, dow_names },
};

static const struct {
	const char	*nick;
	const char	*expr;
} nicknames[] = {
	{ "@yearly", "0 0 1 1 *" },
	{ "@annually", "0 0 1 1 *" },
	{ "@monthly", "0 0 1 * *" },
	{ "@weekly", "0 0 * * 0" },
	{ "@daily", "0 0 * * *" },
	{ "@midnight", "0 0 * * *" },
	{ "@hourly", "0 * * * *" },
};

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* A number or a name of field f at *p; advances *p.  -1 if neither. */
static int
value(const struct field *f, const char **p)
{
	const char	*s = *p;
	int		 n = 0, i;

	if (isdigit((unsigned char)*s)) {
		while (isdigit((unsigned char)*s) && n <= 1000)
			n = n * 10 + (*s++ - '0');
		if (isdigit((unsigned char)*s))
			return -1;
		*p = s;
		return n;
	}
	for (i = 0; f->names != NULL && f->names[i] != NULL; i++) {
		if (strncasecmp(s, f->names[i], 3) == 0 &&
		    !isalpha((unsigned char)s[3])) {
			*p = s + 3;
			return f->lo + i;
		}
	}
	return -1;
}

/* One list element: "*", "n", "a-b", each of the ranges with "/step". */
static int
element(const struct field *f, const char **p, uint64_t *bits, char *err,
    size_t errlen)
{
	int	a, b, step = 1, v, ranged = 1;

	if (**p == '*') {
		a = f->lo;
		b = f->hi;
		(*p)++;
	} else {
		if ((a = value(f, p)) == -1)
			return fail(err, errlen, "%s: bad value", f->name);
		b = a;
		if ((ranged = **p == '-')) {
			(*p)++;
			if ((b = value(f, p)) == -1)
				return fail(err, errlen, "%s: bad range end",
				    f->name);
		}
		if (a < f->lo || b > f->hi)
			return fail(err, errlen, "%s: out of range %d-%d",
			    f->name, f->lo, f->hi);
		if (a > b)
			return fail(err, errlen, "%s: range %d-%d backwards",
			    f->name, a, b);
	}
	if (**p == '/') {
		if (!ranged)
			return fail(err, errlen,
			    "%s: a step needs a range or *", f->name);
		(*p)++;
		if ((step = value(&fields[0], p)) <= 0)
			return fail(err, errlen, "%s: bad step", f->name);
	}
	for (v = a; v <= b; v += step)
		*bits |= (uint64_t)1 << v;
	return 0;
}

/* A comma-separated list of elements, field [s, e). */
static int
field(const struct field *f, const char *s, const char *e, uint64_t *bits,
    char *err, size_t errlen)
{
	const char	*p = s;

	*bits = 0;
	for (;;) {
		if (element(f, &p, bits, err, errlen) == -1)
			return -1;
		if (p == e)
			return 0;
		if (*p != ',' || p + 1 == e)
			return fail(err, errlen, "%s: unexpected '%c'",
			    f->name, isprint((unsigned char)*p) ? *p : '?');
		p++;
	}
}

static int
fields5(const char *expr, struct cron_spec *cs, char *err, size_t errlen)
{
	const char	*s = expr, *e;
	uint64_t	 bits[5];
	int		 i;

	for (i = 0; i < 5; i++) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			return fail(err, errlen, "expected 5 fields, got %d",
			    i);
		for (e = s; *e != '\0' && *e != ' ' && *e != '\t'; e++)
			;
		if (field(&fields[i], s, e, &bits[i], err, errlen) == -1)
			return -1;
		if (i == 1)
			cs->hour_star = *s == '*';
		else if (i == 2)
			cs->dom_star = *s == '*';
		else if (i == 4)
			cs->dow_star = *s == '*';
		s = e;
	}
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '\0')
		return fail(err, errlen, "more than 5 fields");
	cs->minute = bits[0];
	cs->hour = (uint32_t)bits[1];
	cs->dom = (uint32_t)bits[2];
	cs->month = (uint16_t)bits[3];
	cs->dow = (uint8_t)((bits[4] | bits[4] >> 7) & 0x7f);
	return 0;
}

int
cron_parse(const char *expr, struct cron_spec *cs, char *err, size_t errlen)
{
	size_t	i, n;

	memset(cs, 0, sizeof(*cs));
	if (strnlen(expr, CRON_EXPR_MAX + 1) > CRON_EXPR_MAX)
		return fail(err, errlen, "longer than %d bytes",
		    CRON_EXPR_MAX);
	expr += strspn(expr, " \t");
	if (*expr != '@')
		return fields5(expr, cs, err, errlen);
	n = strcspn(expr, " \t");
	if (expr[n + strspn(expr + n, " \t")] != '\0')
		return fail(err, errlen, "a nickname stands alone");
	if (n == 7 && strncasecmp(expr, "@reboot", n) == 0)
		return fail(err, errlen,
		    "@reboot is not supported: berth has no boot to run at");
	for (i = 0; i < sizeof(nicknames) / sizeof(nicknames[0]); i++)
		if (strlen(nicknames[i].nick) == n &&
		    strncasecmp(expr, nicknames[i].nick, n) == 0)
			return fields5(nicknames[i].expr, cs, err, errlen);
	return fail(err, errlen, "unknown nickname");
}
