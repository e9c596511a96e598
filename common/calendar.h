/*
 * The proleptic Gregorian calendar counted in days since 1970-01-01,
 * for cron schedules and time zone rules (no gmtime, no TZ).
 */
#ifndef BERTH_CALENDAR_H
#define BERTH_CALENDAR_H

#include <stdint.h>

/* Days since 1970-01-01 of y-m-d (m 1-12, d 1-31), and back. */
int64_t	 cal_days(int64_t y, int m, int d);
void	 cal_date(int64_t days, int64_t *y, int *m, int *d);
/* Day of the week, Sunday 0. */
int	 cal_dow(int64_t days);
/* Days in month m of year y. */
int	 cal_mdays(int64_t y, int m);

#endif
