/*
 * The statswriter's PostgreSQL layer: a synchronous libpq connection,
 * the migrations compiled into the binary (sql/embed.sh), batched,
 * idempotent writes of container metric samples, and lifecycle facts.
 * Host samples, retention of both tables and the reads are in query.h.
 */
#ifndef BERTH_DB_H
#define BERTH_DB_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct db;

struct migration {
	int		 version;
	const char	*name;
	const char	*sql;
};

/* Generated from sql/NNN_*.sql by sql/embed.sh. */
extern const struct migration	migrations[];
extern const size_t		nmigrations;

/*
 * The rows are the IPC messages' own structs (proto.h): a container
 * sample (struct metric_item; container_id and ts_ms are required, the
 * rest may be unknown: a NULL string, a NaN double or a negative
 * integer is written as SQL NULL) and a lifecycle fact (struct
 * body_lifecycle: a workspace reached a phase, received, created,
 * started, available or stopped; container_stats, seed 000).
 */

struct db	*db_open(const char *conninfo, char *err, size_t errlen);
/* db_open with the addresses of the URL's host name ("a,b": libpq's
 * hostaddr) and a password, each NULL or "" for none (db_conn.c). */
struct db	*db_connect(const char *conninfo, const char *hostaddr,
		    const char *password, char *err, size_t errlen);
int		 db_ok(struct db *);
void		 db_close(struct db *);
int		 db_migrate(struct db *, const struct migration *, size_t,
		    char *err, size_t errlen);
int		 db_write_metrics(struct db *, const struct metric_item *,
		    size_t, char *err, size_t errlen);
int		 db_write_metrics_naive(struct db *, const struct metric_item *,
		    size_t, char *err, size_t errlen);
/* A finished job run into job_runs; a replay changes nothing. */
/* An event into system_events; the same id and time again updates its
 * count. */
int		 db_event(struct db *, const struct event_item *, char *err,
		    size_t errlen);
/* An alert's row of system_alerts as it is now (by its key); the item
 * of rule "*" closes the rows left active by earlier runs. */
int		 db_alert(struct db *, const struct body_alerts *, char *err,
		    size_t errlen);
/* A backup's row in volume_backups (by its backup_id). */
int		 db_backup(struct db *, const struct backup_item *, char *err,
		    size_t errlen);
int		 db_job_run(struct db *, const struct body_job_run *,
		    char *err, size_t errlen);
int		 db_lifecycle(struct db *, const struct body_lifecycle *,
		    char *err, size_t errlen);
int		 db_delete_metrics_before(struct db *, int64_t cutoff_ms,
		    long *deleted, char *err, size_t errlen);

#endif
