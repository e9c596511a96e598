/*
 * The scheduler's messages: its memory and clock, jobs and their runs,
 * cleanup and retention.  Included by proto.h; their schemas are in
 * schema_jobs.c.
 */
#ifndef BERTH_PROTO_JOBS_H
#define BERTH_PROTO_JOBS_H

/* The scheduler's memory kept by berthd (a file in the state dir):
 * when each job last fired.  berthd sends it with the clock offset
 * when the scheduler is up and whenever the offset moves; the
 * scheduler sends it (offset unused) after each fire. */
struct job_last {
	char	*name;
	int64_t	 last_s;		/* Unix seconds of the last fire */
};

struct body_job_state {
	int64_t		 offset_ms;	/* test clock: added to wall time */
	struct job_last	*items;
	size_t		 nitems;
};

struct body_clock_req {
	int64_t	 delta_s;		/* moves the offset by this much */
};

struct body_job_req {			/* MSG_JOBS_REQ, MSG_JOB_RUN_REQ */
	struct req_auth	 auth;
	char		*name;		/* "" every job (MSG_JOBS_REQ) */
};

struct job_next {
	int64_t	 at_s;			/* Unix seconds */
};

struct job_item {
	char	*name;
	char	*schedule;
	char	*timezone;		/* "" UTC */
	int	 enabled;
	int	 built;			/* 0: listed, does nothing yet */
	int	 running;
	int64_t	 last_start_ms;		/* 0: never ran */
	int64_t	 last_duration_ms;
	char	*last_result;		/* ok failed timeout "not built" "" */
	char	*last_error;
	char	*action;		/* what acted counts: removed, stopped */
	int64_t	 last_checked;		/* objects looked at */
	int64_t	 last_acted;		/* removed, stopped */
	int64_t	 last_failed;		/* actions that failed */
	int64_t	 last_success_ms;
	struct job_next	*next;		/* the next five fires */
	size_t	 nnext;
	int64_t	 runs, skipped, failures;
	double	 duration_sum_s;	/* of every finished run */
};

struct body_jobs {
	int64_t		 now_ms;	/* the scheduler's clock */
	struct job_item	*items;
	size_t		 nitems;
};

/* -1: the kind's job is not built. */
struct body_cleanup {
	int64_t	 inactive_containers;
	int64_t	 orphaned_containers;
	int64_t	 orphaned_volumes;
	int64_t	 error_workspaces;
	int64_t	 expired_sessions;
	char	*errors;		/* "" or "job: why; ..." */
};

struct body_retention {
	int64_t	 metrics_deleted;	/* container_metrics rows */
	int64_t	 system_deleted;	/* system_metrics rows */
};

/* berthd removes the volume only if its project was deleted grace_s
 * ago (by the scheduler's clock) and no container mounts it. */
struct body_volume_rm {
	char	*name;
	char	*reason;
	int64_t	 grace_s;
};

/* berthd removes the container only if it still carries berth's
 * labels and names no workspace of its registry. */
struct body_container_rm {
	char	*id;			/* 64 hex */
	char	*reason;		/* orphaned-containers, ... */
	int64_t	 min_age_s;		/* and is at least this old */
};

/* A finished run of a job, as job_runs keeps it. */
struct body_job_run {
	char	*job;
	int64_t	 start_ms;		/* by the scheduler's clock */
	int64_t	 duration_ms;
	char	*result;		/* ok failed timeout */
	char	*action;
	int64_t	 checked, acted, failed;
	char	*error;
};

#endif /* BERTH_PROTO_JOBS_H */
