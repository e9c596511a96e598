/*
 * The gateway's JSON writer (jsonw.h).  Escapes and numbers follow
 * jansson 2.14's dump.c, so that an answer written here reads exactly
 * as the json_pack + json_dumps(JSON_COMPACT) it replaces:
 * tests/unit/test_jsonw.c holds the two side by side.
 */
#include <event2/buffer.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "jsonw.h"
#include "utf8.h"
#include "util.h"

static void
flush(struct jw *j)
{
	if (j->len > 0)
		evbuffer_add(j->out, j->buf, j->len);
	j->len = 0;
}

static void
put(struct jw *j, const char *p, size_t n)
{
	if (j->len + n > sizeof(j->buf)) {
		flush(j);
		if (n > sizeof(j->buf)) {
			evbuffer_add(j->out, p, n);
			return;
		}
	}
	memcpy(j->buf + j->len, p, n);
	j->len += n;
}

/* A string's bytes, escaped as jansson does (\uXXXX in upper case).
 * One pass: plain ASCII is only looked at; a byte of 0x80 or more
 * must start a valid UTF-8 sequence (j->bad otherwise). */
static void
quoted(struct jw *j, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s, *run = p;
	size_t			 n;
	char			 esc[8];

	put(j, "\"", 1);
	while (*p != '\0') {
		if (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') {
			p++;		/* most of every answer */
			continue;
		}
		if (*p >= 0x80) {
			/* a sequence is at most 4 bytes: no strlen */
			n = utf8_seqlen(p, strnlen((const char *)p, 4));
			if (n == 0) {
				j->bad = 1;
				break;
			}
			p += n;
			continue;
		}
		put(j, (const char *)run, (size_t)(p - run));
		switch (*p) {
		case '"': memcpy(esc, "\\\"", 3); break;
		case '\\': memcpy(esc, "\\\\", 3); break;
		case '\b': memcpy(esc, "\\b", 3); break;
		case '\f': memcpy(esc, "\\f", 3); break;
		case '\n': memcpy(esc, "\\n", 3); break;
		case '\r': memcpy(esc, "\\r", 3); break;
		case '\t': memcpy(esc, "\\t", 3); break;
		default: snprintf(esc, sizeof(esc), "\\u%04X", *p); break;
		}
		put(j, esc, strlen(esc));
		run = ++p;
	}
	put(j, (const char *)run, (size_t)(p - run));
	put(j, "\"", 1);
}

/* The comma before a value and its key. */
static void
key(struct jw *j, const char *k)
{
	if (j->comma)
		put(j, ",", 1);
	j->comma = 1;
	if (k != NULL) {
		quoted(j, k);
		put(j, ":", 1);
	}
}

void
jw_start(struct jw *j, struct evbuffer *out)
{
	j->out = out;
	j->comma = 0;
	j->bad = 0;
	j->len = 0;
}

void
jw_open(struct jw *j, const char *k, char brace)
{
	key(j, k);
	put(j, &brace, 1);
	j->comma = 0;
}

void
jw_close(struct jw *j, char brace)
{
	put(j, &brace, 1);
	j->comma = 1;
}

void
jw_str(struct jw *j, const char *k, const char *s)
{
	if (s == NULL) {
		jw_null(j, k);
		return;
	}
	key(j, k);
	quoted(j, s);
}

void
jw_nstr(struct jw *j, const char *k, const char *s)
{
	jw_str(j, k, s[0] != '\0' ? s : NULL);
}

void
jw_int(struct jw *j, const char *k, int64_t v)
{
	char	num[24];
	int	n;

	key(j, k);
	n = snprintf(num, sizeof(num), "%" PRId64, v);
	put(j, num, (size_t)n);
}

/* jansson: %.17g, ".0" when it reads as an integer, and an exponent
 * without '+' or leading zeros. */
void
jw_real(struct jw *j, const char *k, double v)
{
	char	num[40], *e, *d;
	size_t	n;

	key(j, k);
	if (!isfinite(v)) {	/* jansson has no real for it either */
		j->bad = 1;
		v = 0;
	}
	snprintf(num, sizeof(num), "%.17g", v);
	if (strpbrk(num, ".e") == NULL)
		strcat(num, ".0");
	if ((e = strchr(num, 'e')) != NULL) {
		d = ++e;
		if (*d == '-')
			d = ++e;
		else if (*d == '+')
			d++;
		while (*d == '0' && d[1] != '\0')
			d++;
		memmove(e, d, strlen(d) + 1);
	}
	n = strlen(num);
	put(j, num, n);
}

/* Two digits of v at p. */
static void
digits2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

/* As iso8601_ms (common/util.c) writes it, without gmtime and
 * strftime: days to a civil date (H. Hinnant's civil_from_days). */
void
jw_time(struct jw *j, const char *k, int64_t ms)
{
	char		t[32];
	int64_t		days = ms / 86400000, z, era, doe, yoe, y, doy, mp;
	unsigned	sec = (unsigned)(ms % 86400000 / 1000), d, m;

	if (ms <= 0 || ms >= INT64_C(253402300800000)) {   /* year 10000 */
		if (ms <= 0)
			jw_null(j, k);
		else
			jw_str(j, k, iso8601_ms((uint64_t)ms, t, sizeof(t)));
		return;
	}
	z = days + 719468;
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	y += m <= 2;
	memcpy(t, "\"0000-00-00T00:00:00.000Z\"", 27);
	digits2(t + 1, (unsigned)(y / 100));
	digits2(t + 3, (unsigned)(y % 100));
	digits2(t + 6, m);
	digits2(t + 9, d);
	digits2(t + 12, sec / 3600);
	digits2(t + 15, sec / 60 % 60);
	digits2(t + 18, sec % 60);
	t[21] = (char)('0' + ms % 1000 / 100);
	digits2(t + 22, (unsigned)(ms % 100));
	key(j, k);
	put(j, t, 26);
}

void
jw_bool(struct jw *j, const char *k, int v)
{
	key(j, k);
	put(j, v ? "true" : "false", v ? 4 : 5);
}

void
jw_null(struct jw *j, const char *k)
{
	key(j, k);
	put(j, "null", 4);
}

int
jw_finish(struct jw *j)
{
	flush(j);
	return j->bad ? -1 : 0;
}
