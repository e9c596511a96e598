/*
 * libFuzzer target for cron schedules (common/cron.c, cron_next.c)
 * and TZif zones (common/tzfile.c, tzrule.c), fed the same bytes: as
 * an expression, an accepted spec has no empty field and no bit
 * outside its range, and its next fire times ascend; as a zone, an
 * accepted one has sane offsets and changes on the right side of t,
 * and cron_next in it ascends too.  Built by 'make fuzz'; run as
 * ./tests/fuzz/fuzz_cron CORPUS.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cron.h"
#include "tz_int.h"

#define AFTER		1704067200LL	/* 2024-01-01T00:00Z */
#define OFF_MAX		(26 * 3600)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fail(const char *what)
{
	fprintf(stderr, "fuzz_cron: %s\n", what);
	abort();
}

static void
check_spec(const struct cron_spec *cs)
{
	if (cs->minute == 0 || cs->minute >> 60 != 0)
		fail("minute bits");
	if (cs->hour == 0 || cs->hour >> 24 != 0)
		fail("hour bits");
	if (cs->dom == 0 || (cs->dom & 1) != 0)
		fail("day of month bits");
	if (cs->month == 0 || (cs->month & ~0x1ffeu) != 0)
		fail("month bits");
	if (cs->dow == 0 || cs->dow >> 7 != 0)
		fail("day of week bits");
}

/* A few fire times in a row: each after the one before. */
static void
walk(const struct cron_spec *cs, const struct tz *tz)
{
	int64_t	t = AFTER, n;
	int	i;

	for (i = 0; i < 4; i++) {
		if ((n = cron_next(cs, tz, t)) == -1)
			return;
		if (n <= t)
			fail("cron_next went backwards");
		if (tz == NULL && n % 60 != 0)
			fail("not on a minute");
		t = n;
	}
}

static void
check_zone(const struct tz *tz)
{
	static const int64_t	at[] = {
		INT64_MIN, -((int64_t)1 << 60), -1, 0, 1, AFTER,
		AFTER + 200 * 86400, (int64_t)1 << 40, INT64_MAX - 1
	};
	int64_t			c;
	long			off;
	size_t			i;

	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		off = tz_offset(tz, at[i]);
		if (off < -OFF_MAX || off > OFF_MAX)
			fail("offset out of range");
		c = tz_next_change(tz, at[i]);
		if (c != TZ_NONE_AFTER &&
		    (c <= at[i] || tz_offset(tz, c) == tz_offset(tz, c - 1)))
			fail("next change");
		c = tz_prev_change(tz, at[i]);
		if (c != TZ_NONE_BEFORE &&
		    (c > at[i] || tz_offset(tz, c) == tz_offset(tz, c - 1)))
			fail("previous change");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cron_spec	 cs, fixed;
	struct tz		*tz;
	char			*s, err[128];
	int			 ok;

	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	err[0] = '\0';
	ok = cron_parse(s, &cs, err, sizeof(err)) == 0;
	if (ok) {
		check_spec(&cs);
		walk(&cs, NULL);
	} else if (err[0] == '\0')
		fail("refused without a reason");
	free(s);

	if ((tz = tz_parse(data, size)) != NULL) {
		check_zone(tz);
		if (cron_parse("*/7 2 * * *", &fixed, err, sizeof(err)) != 0)
			fail("fixed spec");
		walk(ok ? &cs : &fixed, tz);
		walk(&fixed, tz);
		tz_free(tz);
	}
	return 0;
}
