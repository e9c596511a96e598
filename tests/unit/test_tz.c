/*
 * Unit tests for common/tzfile.c and common/tzrule.c: the system's
 * zones (offsets either side of their transitions, the footer's rule
 * past the last one), TZif files built here (version 1, version 2
 * with a footer, southern and odd rules), malformed and truncated data
 * refused, and zone names that could leave the zone directory refused.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calendar.h"
#include "cron.h"
#include "tz_int.h"

#define ZONEINFO	"/usr/share/zoneinfo"

static int64_t
utc(int y, int mo, int d, int h, int mi, int s)
{
	return cal_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

static struct tz *
zone(const char *name)
{
	struct tz	*tz;

	tz = tz_load(NULL, name);
	cr_assert_not_null(tz, "%s: %s", name, strerror(errno));
	return tz;
}

/* The offset changes to `to` at t (and was `from` a second before). */
static void
expect_change(const struct tz *tz, int64_t t, long from, long to)
{
	cr_expect_eq(tz_offset(tz, t - 1), from, "before %lld",
	    (long long)t);
	cr_expect_eq(tz_offset(tz, t), to, "at %lld", (long long)t);
	cr_expect_eq(tz_next_change(tz, t - 1), t, "next before %lld",
	    (long long)t);
	cr_expect_eq(tz_prev_change(tz, t), t, "prev at %lld", (long long)t);
	cr_expect_eq(tz_prev_change(tz, t + 3600), t);
}

Test(tz, system_zones)
{
	struct tz	*tz;

	tz = zone("Europe/Berlin");
	expect_change(tz, utc(2024, 3, 31, 1, 0, 0), 3600, 7200);
	expect_change(tz, utc(2024, 10, 27, 1, 0, 0), 7200, 3600);
	cr_expect_eq(tz_next_change(tz, utc(2024, 1, 1, 0, 0, 0)),
	    utc(2024, 3, 31, 1, 0, 0));
	/* 1893: from local mean time (+0:53:28) to CET */
	cr_expect_eq(tz_offset(tz, utc(1880, 1, 1, 0, 0, 0)), 3208);
	/* past the file's last transition: the footer's rule */
	expect_change(tz, utc(2040, 3, 25, 1, 0, 0), 3600, 7200);
	expect_change(tz, utc(2050, 3, 27, 1, 0, 0), 3600, 7200);
	expect_change(tz, utc(2050, 10, 30, 1, 0, 0), 7200, 3600);
	cr_expect_eq(tz_next_change(tz, utc(2050, 4, 1, 0, 0, 0)),
	    utc(2050, 10, 30, 1, 0, 0));
	tz_free(tz);

	tz = zone("America/New_York");
	expect_change(tz, utc(2024, 3, 10, 7, 0, 0), -18000, -14400);
	expect_change(tz, utc(2024, 11, 3, 6, 0, 0), -14400, -18000);
	expect_change(tz, utc(2050, 3, 13, 7, 0, 0), -18000, -14400);
	expect_change(tz, utc(2050, 11, 6, 6, 0, 0), -14400, -18000);
	tz_free(tz);

	tz = zone("UTC");
	cr_expect_eq(tz_offset(tz, utc(2024, 6, 1, 0, 0, 0)), 0);
	cr_expect_eq(tz_next_change(tz, 0), TZ_NONE_AFTER);
	tz_free(tz);

	cr_expect_eq(tz_offset(NULL, 12345), 0);
	tz_free(NULL);
}

/* A TZif file: version '\0' or '2', one type per offset (type 0
 * first), transitions at[i] to type idx[i], and a footer. */
struct tzif {
	int		 version;
	size_t		 n, ntypes;
	const int64_t	*at;
	const uint8_t	*idx;
	const int32_t	*off;
	const char	*footer;
};

static size_t
put(unsigned char *p, uint64_t v, int bytes)
{
	int	i;

	for (i = 0; i < bytes; i++)
		p[i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
	return bytes;
}

static size_t
block(unsigned char *p, const struct tzif *f, int tsize)
{
	size_t	len = 0, i;

	memcpy(p, "TZif", 4);
	p[4] = (unsigned char)f->version;
	memset(p + 5, 0, 15);
	len = 20;
	len += put(p + len, 0, 4);		/* isutcnt */
	len += put(p + len, 0, 4);		/* isstdcnt */
	len += put(p + len, 0, 4);		/* leapcnt */
	len += put(p + len, f->n, 4);
	len += put(p + len, f->ntypes, 4);
	len += put(p + len, 4, 4);		/* charcnt */
	for (i = 0; i < f->n; i++)
		len += put(p + len, (uint64_t)f->at[i], tsize);
	for (i = 0; i < f->n; i++)
		p[len++] = f->idx[i];
	for (i = 0; i < f->ntypes; i++) {
		len += put(p + len, (uint32_t)f->off[i], 4);
		p[len++] = 0;
		p[len++] = 0;
	}
	memcpy(p + len, "XYZ", 4);
	return len + 4;
}

static size_t
tzif(unsigned char *buf, const struct tzif *f)
{
	size_t	len;

	len = block(buf, f, 4);
	if (f->version == 0)
		return len;
	len += block(buf + len, f, 8);
	len += sprintf((char *)buf + len, "\n%s\n", f->footer);
	return len;
}

static struct tz *
built(const struct tzif *f)
{
	unsigned char	buf[4096];
	struct tz	*tz;

	tz = tz_parse(buf, tzif(buf, f));
	cr_assert_not_null(tz, "footer \"%s\" refused", f->footer);
	return tz;
}

static const int64_t	one_at[] = { 0 };
static const uint8_t	one_idx[] = { 1 };

Test(tz, version1)
{
	static const int64_t	at[] = { 1000, 2000, 3000 };
	static const uint8_t	idx[] = { 1, 2, 1 };
	static const int32_t	off[] = { 100, 3600, 7200 };
	struct tzif		f = { 0, 3, 3, at, idx, off, NULL };
	struct tz		*tz = built(&f);

	cr_expect_eq(tz_offset(tz, -5000000000LL), 100);
	cr_expect_eq(tz_offset(tz, 999), 100);
	cr_expect_eq(tz_offset(tz, 1000), 3600);
	cr_expect_eq(tz_offset(tz, 2500), 7200);
	cr_expect_eq(tz_offset(tz, 3000), 3600);
	cr_expect_eq(tz_offset(tz, 5000000000LL), 3600);
	cr_expect_eq(tz_next_change(tz, 3000), TZ_NONE_AFTER);
	cr_expect_eq(tz_prev_change(tz, 999), TZ_NONE_BEFORE);
	tz_free(tz);
}

/* A "slim" file: one transition, then the footer does the work. */
Test(tz, footer_rules)
{
	static const int32_t	off[] = { 0, -18000 };
	struct tzif		f = { '2', 1, 2, one_at, one_idx, off,
				    "EST5EDT,M3.2.0,M11.1.0" };
	struct tz		*tz;

	tz = built(&f);
	expect_change(tz, utc(2024, 3, 10, 7, 0, 0), -18000, -14400);
	expect_change(tz, utc(2024, 11, 3, 6, 0, 0), -14400, -18000);
	cr_expect_eq(tz_offset(tz, -1), 0);	/* before: type 0 */
	tz_free(tz);

	/* southern: daylight time spans the new year */
	f.footer = "AEST-10AEDT,M10.1.0,M4.1.0/3";
	tz = built(&f);
	expect_change(tz, utc(2050, 4, 2, 16, 0, 0), 39600, 36000);
	expect_change(tz, utc(2050, 10, 1, 16, 0, 0), 36000, 39600);
	cr_expect_eq(tz_offset(tz, utc(2050, 1, 1, 0, 0, 0)), 39600);
	tz_free(tz);

	/* hours past 24, names in <>, offsets with minutes */
	f.footer = "IST-2IDT,M3.4.4/26,M10.5.0";
	tz = built(&f);
	expect_change(tz, utc(2050, 3, 25, 0, 0, 0), 7200, 10800);
	expect_change(tz, utc(2050, 10, 29, 23, 0, 0), 10800, 7200);
	tz_free(tz);
	f.footer = "<+0530>-5:30";
	tz = built(&f);
	cr_expect_eq(tz_offset(tz, utc(2050, 1, 1, 0, 0, 0)), 19800);
	cr_expect_eq(tz_next_change(tz, 1), TZ_NONE_AFTER);
	tz_free(tz);
	f.footer = "<-03>3";
	tz = built(&f);
	cr_expect_eq(tz_offset(tz, utc(2050, 1, 1, 0, 0, 0)), -10800);
	tz_free(tz);
	/* no footer: the last type stays */
	f.footer = "";
	tz = built(&f);
	cr_expect_eq(tz_offset(tz, utc(2050, 7, 1, 0, 0, 0)), -18000);
	tz_free(tz);
}

/* No transitions at all: the rule covers every time. */
Test(tz, footer_only)
{
	static const int32_t	off[] = { 3600 };
	struct tzif		f = { '2', 0, 1, NULL, NULL, off,
				    "CET-1CEST,M3.5.0,M10.5.0/3" };
	struct tz		*tz = built(&f);

	expect_change(tz, utc(2024, 3, 31, 1, 0, 0), 3600, 7200);
	expect_change(tz, utc(1990, 3, 25, 1, 0, 0), 3600, 7200);
	cr_expect_eq(tz_offset(tz, INT64_MAX), 3600);
	cr_expect_eq(tz_offset(tz, INT64_MIN), 3600);
	tz_free(tz);
}

static const char *const bad_footers[] = {
	"garbage", "EST5EDT", "EST5EDT,J60,J300", "EST5EDT,60,300",
	"EST", "ES5", "EST25", "EST5EDT,M13.1.0,M11.1.0",
	"EST5EDT,M3.6.0,M11.1.0", "EST5EDT,M3.2.7,M11.1.0",
	"EST5EDT,M3.2.0", "EST5EDT,M3.2.0,M11.1.0,", "EST5EDT,M3.2.0/168,M11.1.0",
	"<EST5", "<>5", "EST5:60", "EST5 ",
};

Test(tz, bad_footers_refused)
{
	static const int32_t	off[] = { 0, -18000 };
	struct tzif		f = { '2', 1, 2, one_at, one_idx, off, NULL };
	unsigned char		buf[4096];
	size_t			i;

	for (i = 0; i < sizeof(bad_footers) / sizeof(bad_footers[0]); i++) {
		f.footer = bad_footers[i];
		errno = 0;
		cr_expect_null(tz_parse(buf, tzif(buf, &f)), "\"%s\"",
		    bad_footers[i]);
		cr_expect_eq(errno, EINVAL);
	}
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	unsigned char	*buf;
	FILE		*fp;

	cr_assert_not_null(fp = fopen(path, "rb"), "%s", path);
	buf = malloc(1 << 16);
	*len = fread(buf, 1, 1 << 16, fp);
	fclose(fp);
	return buf;
}

Test(tz, truncated_refused)
{
	unsigned char	*buf;
	struct tz	*tz;
	size_t		 len, n;

	buf = slurp(ZONEINFO "/Europe/Berlin", &len);
	for (n = 0; n < len; n++) {
		tz = tz_parse(buf, n);
		cr_expect_null(tz, "%zu of %zu bytes accepted", n, len);
		tz_free(tz);
	}
	cr_expect_not_null(tz = tz_parse(buf, len));
	tz_free(tz);
	free(buf);
}

/* One byte of a valid version 1 file changed at a time. */
static struct tz *
patched(size_t at, const unsigned char *bytes, size_t n)
{
	static const int64_t	times[] = { 1000, 2000 };
	static const uint8_t	idx[] = { 1, 0 };
	static const int32_t	off[] = { 0, 3600 };
	struct tzif		f = { 0, 2, 2, times, idx, off, NULL };
	unsigned char		buf[512];
	size_t			len;

	len = tzif(buf, &f);
	memcpy(buf + at, bytes, n);
	return tz_parse(buf, len);
}

Test(tz, malformed_refused)
{
	static const unsigned char	big[4] = { 0xff, 0xff, 0xff, 0xff };
	static const unsigned char	zero[4] = { 0, 0, 0, 0 };
	static const unsigned char	one[4] = { 0, 0, 0, 1 };
	static const unsigned char	two[1] = { 2 };
	static const unsigned char	late[4] = { 0, 0, 0x0b, 0xb8 };
	static const unsigned char	far[4] = { 0x00, 0x10, 0x00, 0x00 };
	struct tz			*tz;

	cr_expect_not_null(tz = patched(0, zero, 0));
	tz_free(tz);
	cr_expect_null(patched(0, (const unsigned char *)"TZiF", 4));
	cr_expect_null(patched(24, one, 4));		/* isstdcnt 1 */
	cr_expect_null(patched(32, big, 4));		/* timecnt */
	cr_expect_null(patched(36, zero, 4));		/* typecnt 0 */
	cr_expect_null(patched(36, big, 4));
	cr_expect_null(patched(40, big, 4));		/* charcnt */
	cr_expect_null(patched(28, big, 4));		/* leapcnt */
	cr_expect_null(patched(44, late, 4));		/* not ascending */
	cr_expect_null(patched(52, two, 1));		/* type index 2 */
	cr_expect_null(patched(54, far, 4));		/* utoff 1M s */
	cr_expect_null(patched(58, two, 1));		/* isdst 2 */
	cr_expect_null(patched(59, big, 1));		/* abbreviation */
}

Test(tz, oversized_refused)
{
	unsigned char	*buf;

	buf = calloc(1, 300 * 1024);
	memcpy(buf, "TZif", 4);
	errno = 0;
	cr_expect_null(tz_parse(buf, 300 * 1024));
	cr_expect_eq(errno, EINVAL);
	free(buf);
}

static const char *const bad_names[] = {
	"", "/etc/passwd", "../etc/passwd", "Europe/../../etc/passwd",
	"Europe/..", "..", "Europe/Ber lin", "Europe/Berlin;", "Europe\\Berlin",
	"Europe/Berlin\n", "$HOME", "Europe/*",
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
};

Test(tz, bad_names_refused)
{
	size_t	i;

	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		errno = 0;
		cr_expect_null(tz_load(NULL, bad_names[i]), "\"%s\"",
		    bad_names[i]);
		cr_expect_eq(errno, EINVAL, "\"%s\": %s", bad_names[i],
		    strerror(errno));
	}
	errno = 0;
	cr_expect_null(tz_load(NULL, "Europe/Nowhere"));
	cr_expect_eq(errno, ENOENT);
	errno = 0;
	cr_expect_null(tz_load(NULL, "Europe"));	/* a directory */
	cr_expect_eq(errno, EINVAL);
}

Test(tz, other_directory)
{
	char		 dir[] = "/tmp/test_tz.XXXXXX", path[64];
	unsigned char	*buf;
	struct tz	*tz;
	size_t		 len;
	FILE		*fp;

	buf = slurp(ZONEINFO "/America/New_York", &len);
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/Here+1_a-b", dir);
	cr_assert_not_null(fp = fopen(path, "wb"));
	fwrite(buf, 1, len, fp);
	fclose(fp);
	tz = tz_load(dir, "Here+1_a-b");
	cr_expect_not_null(tz);
	cr_expect_eq(tz_offset(tz, utc(2024, 7, 1, 0, 0, 0)), -14400);
	tz_free(tz);
	cr_expect_null(tz_load(dir, "Europe/Berlin"));
	cr_assert_not_null(fp = fopen(path, "w"));
	fputs("CET-1CEST,M3.5.0,M10.5.0/3\n", fp);	/* not TZif */
	fclose(fp);
	errno = 0;
	cr_expect_null(tz_load(dir, "Here+1_a-b"));
	cr_expect_eq(errno, EINVAL);
	unlink(path);
	rmdir(dir);
	free(buf);
}
