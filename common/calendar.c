/*
 * The proleptic Gregorian calendar in days since 1970-01-01: Howard
 * Hinnant's days_from_civil and civil_from_days, exact for any year a
 * schedule or a zone rule can name.
 */
#include "calendar.h"

int64_t
cal_days(int64_t y, int m, int d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
cal_date(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t	z, era, doe, yoe, doy, mp;

	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int
cal_dow(int64_t days)
{
	int64_t	r;

	r = (days + 4) % 7;		/* 1970-01-01 was a Thursday */
	return (int)(r < 0 ? r + 7 : r);
}

int
cal_mdays(int64_t y, int m)
{
	static const int mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int	leap;

	if (m != 2)
		return mdays[m - 1];
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return 28 + leap;
}
