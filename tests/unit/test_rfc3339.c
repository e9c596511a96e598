/*
 * The times of the API: rfc3339_ns (common/rfc3339.c) as keepalive's
 * "until" and the events' "since" read them, and iso8601_ms
 * (common/util.c) as every answer writes them.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "rfc3339.h"
#include "util.h"

static int
rfc3339_ms(const char *s, int64_t *ms)
{
	int64_t	ns;

	if (rfc3339_ns(s, strlen(s), &ns) == -1)
		return -1;
	*ms = ns / 1000000;
	return 0;
}

static const struct {
	const char	*in;
	int64_t		 ms;
} good[] = {
	{ "1970-01-01T00:00:00Z", 0 },
	{ "2026-12-05T08:30:00Z", 1796459400000LL },
	{ "2026-12-05T08:30:00.250Z", 1796459400250LL },
	{ "2026-12-05T09:30:00+01:00", 1796459400000LL },
	{ "2026-12-05T03:00:00-05:30", 1796459400000LL },
	{ "2024-02-29T12:00:00Z", 1709208000000LL },
};

static const char *const bad[] = {
	"", "soon", "2026-12-05", "2026-12-05T08:30:00", "2026-13-01T00:00:00Z",
	"2026-12-32T00:00:00Z", "2026-12-05T24:00:00Z", "2026-12-05T08:60:00Z",
	"2026-12-05T08:30:00+1:00", "2026-12-05T08:30:00+01:00x",
	"2026-12-05T08:30:00Zx", "2026-12-05T08:3a:00Z", "x026-12-05T08:30:00Z",
	"2026-12-05T08:30:00+24:00",
};

Test(rfc3339, parses_what_the_api_accepts)
{
	int64_t	ms;
	size_t	i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cr_expect_eq(rfc3339_ms(good[i].in, &ms), 0, "%s", good[i].in);
		cr_expect_eq(ms, good[i].ms, "%s: %lld", good[i].in,
		    (long long)ms);
	}
}

Test(rfc3339, refuses_the_rest)
{
	int64_t	ms;
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(rfc3339_ms(bad[i], &ms), -1, "%s", bad[i]);
}

Test(rfc3339, round_trips_iso8601_ms)
{
	char	buf[32];
	int64_t	ms;

	iso8601_ms(1796459400250ULL, buf, sizeof(buf));
	cr_expect_str_eq(buf, "2026-12-05T08:30:00.250Z");
	cr_assert_eq(rfc3339_ms(buf, &ms), 0);
	cr_expect_eq(ms, 1796459400250LL);
}
