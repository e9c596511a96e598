/*
 * Internal to the scheduler worker: its state, and a run of a job as
 * the job's code (runs.c) sees it.  A run holds itself while a call to
 * berthd is in flight (run_hold) and ends when the last hold goes
 * (run_release); a run that outlives its timeout is detached from its
 * job (which is then free to run again) and starts no new call.
 */
#ifndef BERTH_SCHEDULER_H
#define BERTH_SCHEDULER_H

#include <stdint.h>

#include "jobs.h"

struct worker;
struct event;
struct run;

typedef void run_done_fn(struct run *, void *arg);

struct sched {
	struct worker	*w;
	struct jobs	 jobs;
	int64_t		 offset_ms;	/* test clock, from berthd */
	struct event	*tick;
};

struct run {
	struct sched	*s;
	struct job	*job;		/* NULL once detached (timed out) */
	char		 name[CONFIG_NAME_MAX + 1];
	int64_t		 now_ms;	/* the scheduler's clock at start */
	uint64_t	 mono_ms;	/* the monotonic clock at start */
	long		 age_s, grace_s;
	long		 checked, acted, failed;
	int		 holds;
	char		 error[256];
	struct event	*timer;
	run_done_fn	*done;		/* when it ends (cleanup), or NULL */
	void		*done_arg;
	char		 result[16];	/* once ended */
};

/* scheduler.c */
int64_t	 sched_now_ms(const struct sched *);
/* Start job j now; 0, or -1 if it runs already. */
int	 sched_run(struct sched *, struct job *, run_done_fn *, void *);
void	 run_hold(struct run *);
void	 run_release(struct run *);
/* The run's first error is kept; later ones are only counted. */
void	 run_error(struct run *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* The run timed out: start nothing new. */
int	 run_detached(const struct run *);

#endif
