/*
 * The statswriter's records in PostgreSQL (db.h): lifecycle facts,
 * events, alerts, job runs and backups, one parameterised statement
 * each, idempotent so a fact that arrives twice changes nothing.  The
 * connection, migrations, metric batches and retention are db.c's.
 */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "db_int.h"

/* One statement per phase; $1 workspace id, $2 time (ms since the
 * epoch), then what the phase adds.  Each is idempotent: a fact that
 * arrives twice changes nothing the second time. */
static const struct {
	const char	*phase;
	const char	*sql;
	int		 nparams;
} lifecycle_sql[] = {
	{ "received",
	  "INSERT INTO container_stats (id, workspace_id, container_id, "
	  "user_id, s3_bucket, request_received_at) VALUES ($1::uuid, $1, "
	  "$3, NULLIF($4, ''), $5, to_timestamp($2::bigint / 1000.0)) "
	  "ON CONFLICT (id) DO NOTHING", 5 },
	{ "created",
	  "UPDATE container_stats SET container_id = $3, "
	  "container_created_at = to_timestamp($2::bigint / 1000.0), "
	  "updated_at = now() WHERE id = $1::uuid AND "
	  "container_created_at IS NULL", 3 },
	{ "started",
	  "UPDATE container_stats SET container_started_at = "
	  "to_timestamp($2::bigint / 1000.0), updated_at = now() "
	  "WHERE id = $1::uuid AND container_started_at IS NULL", 2 },
	{ "available",
	  "UPDATE container_stats SET code_server_available_at = "
	  "to_timestamp($2::bigint / 1000.0), startup_time_ms = ($2::bigint - "
	  "round(extract(epoch FROM request_received_at) * 1000))::integer, "
	  "updated_at = now() WHERE id = $1::uuid AND "
	  "code_server_available_at IS NULL", 2 },
	{ "stopped",
	  "UPDATE container_stats SET container_stopped_at = "
	  "to_timestamp($2::bigint / 1000.0), shutdown_reason = $3, "
	  "active_duration_ms = CASE WHEN code_server_available_at IS NULL "
	  "THEN NULL ELSE ($2::bigint - round(extract(epoch FROM "
	  "code_server_available_at) * 1000))::integer END, "
	  "updated_at = now() WHERE id = $1::uuid AND "
	  "container_stopped_at IS NULL", 3 },
};

/* One statement of a record; its error says which record it was. */
static int
record(struct db *db, const char *what, const char *sql, int nparams,
    const char *const *p, char *err, size_t errlen)
{
	char	why[256];

	if (db_exec(db, sql, nparams, p, why, sizeof(why)) == 0)
		return 0;
	db_seterr(err, errlen, "%s: %s", what, why);
	return -1;
}

int
db_lifecycle(struct db *db, const struct body_lifecycle *f, char *err,
    size_t errlen)
{
	char		 at[24], what[64];
	const char	*p[5];
	size_t		 i;

	for (i = 0; i < sizeof(lifecycle_sql) / sizeof(lifecycle_sql[0]); i++)
		if (strcmp(lifecycle_sql[i].phase, f->phase) == 0)
			break;
	if (i == sizeof(lifecycle_sql) / sizeof(lifecycle_sql[0])) {
		db_seterr(err, errlen, "unknown lifecycle phase %s", f->phase);
		return -1;
	}
	snprintf(at, sizeof(at), "%lld", (long long)f->at_ms);
	p[0] = f->workspace_id;
	p[1] = at;
	p[2] = strcmp(f->phase, "stopped") == 0 ? f->reason : f->container_id;
	p[3] = f->user_id;
	p[4] = f->s3_bucket;
	snprintf(what, sizeof(what), "lifecycle %s", f->phase);
	return record(db, what, lifecycle_sql[i].sql,
	    lifecycle_sql[i].nparams, p, err, errlen);
}

int
db_event(struct db *db, const struct event_item *e, char *err, size_t errlen)
{
	char		 t[24], n[24], key[64];
	const char	*p[8];

	snprintf(t, sizeof(t), "%lld", (long long)e->time_ms);
	snprintf(n, sizeof(n), "%lld", (long long)e->count);
	snprintf(key, sizeof(key), "berthd:%lld:%lld", (long long)e->time_ms,
	    (long long)e->id);
	p[0] = t;
	p[1] = e->type;
	p[2] = e->severity;
	p[3] = e->message;
	p[4] = e->workspace_id;
	p[5] = e->user_id;
	p[6] = n;
	p[7] = key;
	return record(db, "event", "INSERT INTO system_events (ts, type, "
	    "severity, message, details, key) VALUES (to_timestamp("
	    "$1::bigint / 1000.0), $2, $3, $4, jsonb_build_object("
	    "'workspaceId', NULLIF($5, ''), 'userId', NULLIF($6, ''), "
	    "'count', $7::bigint), $8) ON CONFLICT (key) DO UPDATE SET "
	    "details = EXCLUDED.details",
	    8, p, err, errlen);
}

/* Rows left active by runs of berthd before boot: resolved. */
static int
alerts_close(struct db *db, const struct alert_item *a, char *err,
    size_t errlen)
{
	char		 t[24];
	const char	*p[1];

	snprintf(t, sizeof(t), "%lld", (long long)a->boot_ms);
	p[0] = t;
	return record(db, "alerts", "UPDATE system_alerts SET status = "
	    "'resolved', resolved_at = to_timestamp($1::bigint / 1000.0), "
	    "resolved_by = 'berthd', resolution = 'berthd restarted' WHERE "
	    "status = 'active' AND created_at < to_timestamp($1::bigint / "
	    "1000.0)",
	    1, p, err, errlen);
}

int
db_alert(struct db *db, const struct body_alerts *b, char *err,
    size_t errlen)
{
	const struct alert_item	*a;
	char			 n[5][32], key[64];
	const char		*p[13];

	if (b->nitems != 1) {
		db_seterr(err, errlen, "alert: one item expected");
		return -1;
	}
	a = &b->items[0];
	if (strcmp(a->rule, "*") == 0)
		return alerts_close(db, a, err, errlen);
	snprintf(n[0], sizeof(n[0]), "%lld", (long long)a->since_ms);
	snprintf(n[1], sizeof(n[1]), "%lld", (long long)a->resolved_ms);
	snprintf(n[2], sizeof(n[2]), "%lld", (long long)a->fired_ms);
	snprintf(n[3], sizeof(n[3]), "%.17g", a->value);
	snprintf(n[4], sizeof(n[4]), "%.17g", a->threshold);
	snprintf(key, sizeof(key), "berthd:%lld:%lld", (long long)a->boot_ms,
	    (long long)a->id);
	p[0] = n[0];
	p[1] = a->rule;
	p[2] = a->severity;
	p[3] = a->message;
	p[4] = strcmp(a->state, "resolved") == 0 ? "resolved" : "active";
	p[5] = n[1];
	p[6] = key;
	p[7] = a->workspace_id;
	p[8] = a->user_id;
	p[9] = a->resolved_by;
	p[10] = a->resolution;
	p[11] = a->metric;
	p[12] = n[3];
	return record(db, "alert", "INSERT INTO system_alerts (created_at, "
	    "name, severity, message, status, resolved_at, key, labels, "
	    "resolved_by, resolution, details) VALUES (to_timestamp("
	    "$1::bigint / 1000.0), $2, $3, $4, $5, CASE WHEN $5 = 'resolved' "
	    "THEN to_timestamp($6::bigint / 1000.0) END, $7, "
	    "jsonb_strip_nulls(jsonb_build_object('workspace', NULLIF($8, ''), "
	    "'user', NULLIF($9, ''))), NULLIF($10, ''), NULLIF($11, ''), "
	    "jsonb_build_object('metric', $12::text, 'value', $13::float8)) "
	    "ON CONFLICT (key) DO UPDATE SET status = EXCLUDED.status, "
	    "resolved_at = EXCLUDED.resolved_at, resolved_by = "
	    "EXCLUDED.resolved_by, resolution = EXCLUDED.resolution, "
	    "message = EXCLUDED.message, details = EXCLUDED.details",
	    13, p, err, errlen);
}

int
db_job_run(struct db *db, const struct body_job_run *b, char *err,
    size_t errlen)
{
	char		 n[5][24];
	const char	*p[9];

	snprintf(n[0], sizeof(n[0]), "%lld", (long long)b->start_ms);
	snprintf(n[1], sizeof(n[1]), "%lld", (long long)b->duration_ms);
	snprintf(n[2], sizeof(n[2]), "%lld", (long long)b->checked);
	snprintf(n[3], sizeof(n[3]), "%lld", (long long)b->acted);
	snprintf(n[4], sizeof(n[4]), "%lld", (long long)b->failed);
	p[0] = b->job;
	p[1] = n[0];
	p[2] = n[1];
	p[3] = b->result;
	p[4] = b->action;
	p[5] = n[2];
	p[6] = n[3];
	p[7] = n[4];
	p[8] = b->error;
	return record(db, "job run", "INSERT INTO job_runs (job, started_at, "
	    "duration_ms, result, action, checked, acted, failed, error) "
	    "VALUES ($1, to_timestamp($2::bigint / 1000.0), $3::bigint, $4, "
	    "$5, $6::int, $7::int, $8::int, NULLIF($9, '')) "
	    "ON CONFLICT (job, started_at) DO NOTHING",
	    9, p, err, errlen);
}

/* A backup's record; the same backup again (it ended, or a replay)
 * updates its row. */
int
db_backup(struct db *db, const struct backup_item *b, char *err,
    size_t errlen)
{
	char		 n[5][24];
	const char	*p[18];

	snprintf(n[0], sizeof(n[0]), "%lld", (long long)b->stored_bytes);
	snprintf(n[1], sizeof(n[1]), "%lld", (long long)b->started_ms);
	snprintf(n[2], sizeof(n[2]), "%lld", (long long)b->bytes);
	snprintf(n[3], sizeof(n[3]), "%lld", (long long)b->entries);
	snprintf(n[4], sizeof(n[4]), "%lld", (long long)b->finished_ms);
	p[0] = b->project_id;
	p[1] = b->volume;
	p[2] = b->file;
	p[3] = n[0];
	p[4] = n[1];
	p[5] = b->status;
	p[6] = b->id;
	p[7] = b->owner;
	p[8] = b->compression;
	p[9] = b->consistency;
	p[10] = b->sha256;
	p[11] = n[2];
	p[12] = n[3];
	p[13] = n[4];
	p[14] = b->error;
	p[15] = b->remote_state;	/* NULL in a record spooled before */
	p[16] = b->remote_key;
	p[17] = b->remote_error;
	return record(db, "backup", "INSERT INTO volume_backups (project_id, "
	    "volume, path, size_bytes, created_at, status, backup_id, owner, "
	    "compression, consistency, sha256, bytes, entries, finished_at, "
	    "error, remote_state, remote_key, remote_error) VALUES ($1, $2, "
	    "$3, $4::bigint, to_timestamp($5::bigint / 1000.0), $6, $7, "
	    "NULLIF($8, ''), $9, $10, NULLIF($11, ''), $12::bigint, "
	    "$13::bigint, CASE WHEN $14::bigint > 0 THEN "
	    "to_timestamp($14::bigint / 1000.0) END, NULLIF($15, ''), "
	    "NULLIF($16, ''), NULLIF($17, ''), NULLIF($18, '')) "
	    "ON CONFLICT (backup_id) DO UPDATE SET size_bytes = "
	    "EXCLUDED.size_bytes, status = EXCLUDED.status, sha256 = "
	    "EXCLUDED.sha256, bytes = EXCLUDED.bytes, entries = "
	    "EXCLUDED.entries, finished_at = EXCLUDED.finished_at, error = "
	    "EXCLUDED.error, remote_state = EXCLUDED.remote_state, "
	    "remote_key = EXCLUDED.remote_key, remote_error = "
	    "EXCLUDED.remote_error",
	    18, p, err, errlen);
}
