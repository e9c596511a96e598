/*
 * Times as the Docker Engine and API clients write them: RFC 3339 with
 * up to nine fraction digits ("2026-12-05T07:40:00.123456789Z"), and
 * Unix seconds with a fraction, both to nanoseconds since the epoch.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "rfc3339.h"

/* Two digits at s; -1 if not. */
static int
digits(const char *s, int n)
{
	int	v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + s[i] - '0';
	}
	return v;
}

int
rfc3339_ns(const char *s, size_t len, int64_t *ns)
{
	struct tm	tm;
	int64_t		frac = 0, scale = 100000000, off = 0;
	size_t		i = 19;
	time_t		t;

	if (len < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':')
		return -1;
	memset(&tm, 0, sizeof(tm));
	if ((tm.tm_year = digits(s, 4)) < 1970 ||
	    (tm.tm_mon = digits(s + 5, 2)) < 1 || tm.tm_mon > 12 ||
	    (tm.tm_mday = digits(s + 8, 2)) < 1 || tm.tm_mday > 31 ||
	    (tm.tm_hour = digits(s + 11, 2)) < 0 || tm.tm_hour > 23 ||
	    (tm.tm_min = digits(s + 14, 2)) < 0 || tm.tm_min > 59 ||
	    (tm.tm_sec = digits(s + 17, 2)) < 0 || tm.tm_sec > 60)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon--;
	if (s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			frac += (s[i] - '0') * scale;
			scale /= 10;
		}
		if (scale == 100000000 || i - 20 > 9)
			return -1;
	}
	if (i + 1 == len && s[i] == 'Z')
		off = 0;
	else if (i + 6 == len && (s[i] == '+' || s[i] == '-') &&
	    s[i + 3] == ':' && digits(s + i + 1, 2) >= 0 &&
	    digits(s + i + 1, 2) <= 23 && digits(s + i + 4, 2) >= 0 &&
	    digits(s + i + 4, 2) <= 59) {
		off = (digits(s + i + 1, 2) * 60 + digits(s + i + 4, 2)) * 60;
		if (s[i] == '-')
			off = -off;
	} else
		return -1;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	*ns = ((int64_t)t - off) * 1000000000 + frac;
	return 0;
}

/* "1796456400" or "1796456400.5": -1 if not that, or negative. */
int
unix_ns(const char *s, int64_t *ns)
{
	int64_t	sec = 0, frac = 0, scale = 100000000;
	size_t	i = 0;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	for (; s[i] >= '0' && s[i] <= '9'; i++) {
		if (i >= 11)
			return -1;	/* past the year 5000 */
		sec = sec * 10 + s[i] - '0';
	}
	if (s[i] == '.') {
		for (i++; s[i] >= '0' && s[i] <= '9' && scale > 0; i++) {
			frac += (s[i] - '0') * scale;
			scale /= 10;
		}
		if (scale == 100000000)
			return -1;
	}
	if (s[i] != '\0')
		return -1;
	*ns = sec * 1000000000 + frac;
	return 0;
}
