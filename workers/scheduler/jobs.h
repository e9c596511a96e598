/*
 * The scheduler's job table, as pure bookkeeping: what each job is
 * configured to do, when it fires next, whether it runs, and what its
 * runs did.  Times are passed in (the scheduler's clock, which tests
 * can move), so this file has no loop and no I/O; scheduler.c drives
 * it and runs.c does the work of a run.
 */
#ifndef BERTH_JOBS_H
#define BERTH_JOBS_H

#include <stdint.h>

#include "config.h"
#include "cron.h"

#define JOBS_MAX	CONFIG_MAX_JOBS
#define JOBS_NEXT	5		/* next fire times listed */
#define JOBS_ZONES	8		/* time zones loaded at start */
/* A run missed while berth was down is made up for at start only when
 * it was due within this long (systemd's Persistent=, bounded). */
#define JOBS_CATCHUP_S	(7 * 86400)
/* Buckets of berth_job_duration_seconds (+Inf is the count). */
#define JOBS_BUCKETS	8

struct run;
typedef void job_fn(struct run *);

struct job_zone {
	char		 name[65];
	struct tz	*tz;
};

struct job_last_run {
	int64_t		 start_ms;	/* 0: never */
	int64_t		 duration_ms;
	char		 result[16];	/* ok failed timeout "not built" */
	char		 error[256];
	long		 checked, acted, failed;
};

struct job {
	char			 name[CONFIG_NAME_MAX + 1];
	job_fn			*fn;		/* NULL: not built yet */
	const char		*action;	/* what "acted" means */
	/* configuration */
	int			 enabled;
	char			 schedule[101];
	char			 tzname[65];
	const struct tz		*tz;		/* NULL: UTC */
	struct cron_spec	 spec;
	char			 error[128];	/* bad schedule or zone */
	long			 jitter;	/* seconds, from the name */
	long			 timeout_s;
	long			 age_min, grace_min;
	/* schedule state */
	int64_t			 last_s;	/* last fire handled */
	int64_t			 next_s;	/* 0: none */
	int			 catchup;	/* a missed fire to run now */
	/* runs */
	int			 running;
	int64_t			 run_start_ms;
	struct job_last_run	 last;
	int64_t			 last_success_ms;
	long			 runs, skipped, failures;
	long			 ok, failed, timeouts;	/* by result */
	double			 duration_sum_s;
	long			 buckets[JOBS_BUCKETS];	/* cumulative */
};

extern const double	jobs_bucket_le[JOBS_BUCKETS];

struct jobs {
	struct job		 job[JOBS_MAX];
	size_t			 n;
	struct job_zone		 zones[JOBS_ZONES];
	size_t			 nzones;
	int			 restored;	/* last fires known */
};

/* What each job does (runs.c); NULL for a job not built yet. */
job_fn	*jobs_fn(const char *name, const char **action);

/* The zones named in the comma list (from berthd, before confinement),
 * each read with tz_load from dir (NULL: the system's). */
void	 jobs_load_zones(struct jobs *, const char *list, const char *dir);
/* Take the configuration: every job of config_job_names(), its
 * [job.NAME] section or defaults; counters are kept across reloads. */
void	 jobs_configure(struct jobs *, const struct berth_config *,
	    int64_t now_s);
struct job *jobs_find(struct jobs *, const char *name);
/* When each job last fired, from berthd's file: a fire missed since
 * then (within JOBS_CATCHUP_S) is marked to run at once. */
void	 jobs_restore(struct jobs *, const char *name, int64_t last_s,
	    int64_t now_s);
void	 jobs_restored(struct jobs *, int64_t now_s);
/* The next fire of j strictly after t, jitter included; 0 if none. */
int64_t	 job_next_after(const struct job *, int64_t t);
/* A job due at now_s: 1 when it should start now (its last_s and next
 * are moved on), 0 when not due, or due while it runs (counted as
 * skipped).  Catch-up runs are due at once. */
int	 job_due(struct job *, int64_t now_s);
/* A run begins; a run ends with result "ok", "failed" or "timeout". */
void	 job_begin(struct job *, int64_t now_ms);
void	 job_end(struct job *, int64_t now_ms, const char *result,
	    const char *error, long checked, long acted, long failed);

#endif
