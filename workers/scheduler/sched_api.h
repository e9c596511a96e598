/*
 * The scheduler's answers to the jobs API (gateway, for the admin
 * token only) and to berthctl (through berthd): the job list, a job
 * run now, and every cleanup now with its counts.
 */
#ifndef BERTH_SCHED_API_H
#define BERTH_SCHED_API_H

#include "scheduler.h"

struct msg;

void	sched_api_jobs(struct sched *, const struct msg *req);
void	sched_api_run(struct sched *, const struct msg *req);
void	sched_api_cleanup(struct sched *, const struct msg *req);
void	sched_api_prom(struct sched *, const struct msg *req);

#endif
