/*
 * The schemas of the scheduler's messages (proto_jobs.h).
 */
#include "schema_int.h"

static const struct field job_last_fields[] = {
	STR(job_last, name, 1, MAX_NAME),
	INT(job_last, last_s, 1),
};
static const struct schema schema_job_last[] = {
	SCHEMA("job_last", job_last, job_last_fields)
};

static const struct field job_state_fields[] = {
	INT(body_job_state, offset_ms, 1),
	ARRAY(body_job_state, items, 1, MAX_JOBS, schema_job_last, nitems),
};
const struct schema schema_job_state[] = {
	SCHEMA("job_state", body_job_state, job_state_fields)
};

static const struct field clock_req_fields[] = {
	INT(body_clock_req, delta_s, 1),
};
const struct schema schema_clock_req[] = {
	SCHEMA("clock_req", body_clock_req, clock_req_fields)
};

static const struct field job_req_fields[] = {
	AUTH_FIELDS(body_job_req),
	STR(body_job_req, name, 1, MAX_NAME),
};
const struct schema schema_job_req[] = {
	SCHEMA_AUTH("job_req", body_job_req, job_req_fields)
};

static const struct field job_next_fields[] = {
	INT(job_next, at_s, 1),
};
static const struct schema schema_job_next[] = {
	SCHEMA("job_next", job_next, job_next_fields)
};

static const struct field job_item_fields[] = {
	STR(job_item, name, 1, MAX_NAME),
	STR(job_item, schedule, 1, MAX_TEXT),
	STR(job_item, timezone, 1, MAX_WORD),
	BOOL(job_item, enabled, 1),
	BOOL(job_item, built, 1),
	BOOL(job_item, running, 1),
	INT(job_item, last_start_ms, 1),
	INT(job_item, last_duration_ms, 1),
	STR(job_item, last_result, 1, MAX_WORD),
	STR(job_item, last_error, 1, MAX_TEXT),
	STR(job_item, action, 1, MAX_WORD),
	INT(job_item, last_checked, 1),
	INT(job_item, last_acted, 1),
	INT(job_item, last_failed, 1),
	INT(job_item, last_success_ms, 1),
	ARRAY(job_item, next, 1, 5, schema_job_next, nnext),
	INT(job_item, runs, 1),
	INT(job_item, skipped, 1),
	INT(job_item, failures, 1),
	DOUBLE(job_item, duration_sum_s, 1),
};
static const struct schema schema_job_item[] = {
	SCHEMA("job_item", job_item, job_item_fields)
};

static const struct field jobs_fields[] = {
	INT(body_jobs, now_ms, 1),
	ARRAY(body_jobs, items, 1, MAX_JOBS, schema_job_item, nitems),
};
const struct schema schema_jobs[] = {
	SCHEMA("jobs", body_jobs, jobs_fields)
};

static const struct field cleanup_fields[] = {
	INT(body_cleanup, inactive_containers, 1),
	INT(body_cleanup, orphaned_containers, 1),
	INT(body_cleanup, orphaned_volumes, 1),
	INT(body_cleanup, error_workspaces, 1),
	INT(body_cleanup, expired_sessions, 1),
	STR(body_cleanup, errors, 1, MAX_TEXT),
};
const struct schema schema_cleanup[] = {
	SCHEMA("cleanup", body_cleanup, cleanup_fields)
};

static const struct field container_rm_fields[] = {
	STR(body_container_rm, id, 1, MAX_ID),
	STR(body_container_rm, reason, 1, MAX_WORD),
	INT(body_container_rm, min_age_s, 1),
};
const struct schema schema_container_rm[] = {
	SCHEMA("container_rm", body_container_rm, container_rm_fields)
};

static const struct field job_run_fields[] = {
	STR(body_job_run, job, 1, MAX_NAME),
	INT(body_job_run, start_ms, 1),
	INT(body_job_run, duration_ms, 1),
	STR(body_job_run, result, 1, MAX_WORD),
	STR(body_job_run, action, 1, MAX_WORD),
	INT(body_job_run, checked, 1),
	INT(body_job_run, acted, 1),
	INT(body_job_run, failed, 1),
	STR(body_job_run, error, 1, MAX_TEXT),
};
const struct schema schema_job_run[] = {
	SCHEMA("job_run", body_job_run, job_run_fields)
};

static const struct field volume_rm_fields[] = {
	STR(body_volume_rm, name, 1, MAX_KEY),
	STR(body_volume_rm, reason, 1, MAX_WORD),
	INT(body_volume_rm, grace_s, 1),
};
const struct schema schema_volume_rm[] = {
	SCHEMA("volume_rm", body_volume_rm, volume_rm_fields)
};

static const struct field retention_fields[] = {
	INT(body_retention, metrics_deleted, 1),
	INT(body_retention, system_deleted, 1),
};
const struct schema schema_retention[] = {
	SCHEMA("retention", body_retention, retention_fields)
};
