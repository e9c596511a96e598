/*
 * What the statswriter answers about its data: host samples and
 * retention of both time-series tables (db.c), pages of container
 * samples and the container start-up statistics (db_query.c), with the
 * same answers from memory when there is no database (memstore.c).
 */
#ifndef BERTH_QUERY_H
#define BERTH_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

/* A host-level sample (system_metrics) is the IPC struct sysmetric_item
 * (proto.h): a NaN value is skipped; NULL tags mean {}. */

/*
 * A page of container_metrics, newest first: ts >= since_ms, of one
 * container or all, and, when before_ms != 0, strictly before the key
 * (before_ms, before_cid) in (ts DESC, container_id DESC) order
 * (keyset pagination: the last row of a page is the key of the next).
 * Container ids compare bytewise (COLLATE "C"), like strcmp.
 */
struct history_query {
	int64_t		 since_ms;
	const char	*container_id;	/* NULL or "": every container */
	int64_t		 before_ms;
	const char	*before_cid;	/* NULL means "" */
	size_t		 limit;		/* rows in this page, 1..1000 */
};
#define HISTORY_MAX	1000

/* Called per row in order; the row's strings live until the call
 * returns.  Return nonzero to stop. */
typedef int (*metric_row_cb)(const struct metric_item *, void *arg);

/* One container_stats row; strings "" when NULL, times 0 when NULL. */
struct lifecycle_row {
	char	*workspace_id, *container_id, *user_id, *s3_bucket, *reason;
	int64_t	 received_ms, created_ms, started_ms, available_ms, stopped_ms;
	int64_t	 startup_ms, active_ms;		/* -1 when NULL */
};

struct dist {
	int64_t	count;
	double	avg, p50, p95;		/* ms; NaN when count is 0;
					 * percentiles as percentile_cont */
};

struct user_startup {
	char	*user_id;
	int64_t	 count;			/* containers of this user */
	double	 avg_ms;		/* over those with a startup
					 * time; NaN if none */
};

#define CSTATS_MAX_USERS	1000
#define CSTATS_MAX_ROWS		100

struct cstats {
	struct dist		 startup;	/* startup_time_ms, rows that
						 * have one */
	struct dist		 create;	/* received -> created */
	struct dist		 start;		/* created -> started */
	struct dist		 ready;		/* started -> available (the
						 * workspace's own boot) */
	/* By count desc then user id; at most 1000; rows without user
	 * skipped. */
	struct user_startup	*users;
	size_t			 nusers;
	int64_t			 failed;	/* stopped without ever being
						 * available */
	/* The 100 most recent of those (by received desc, then workspace
	 * id desc). */
	struct lifecycle_row	*failed_rows;
	size_t			 nfailed;
	/* The 100 most recently received (the same order). */
	struct lifecycle_row	*recent;
	size_t			 nrecent;
};

/* Frees what db_container_stats or memstore_stats filled in (memstore.c,
 * so that the no-database build needs no libpq) and zeroes it. */
void	cstats_free(struct cstats *);

/* db.c: one transaction, COPY into a temp staging table + INSERT ... ON
 * CONFLICT (name, ts, tags) DO NOTHING; NaN values skipped; a tags text
 * that is not a JSON object fails the batch. */
int	db_write_sysmetrics(struct db *, const struct sysmetric_item *,
	    size_t n, char *err, size_t errlen);
/* db.c: DELETE rows with ts < cutoff from container_metrics and
 * system_metrics, in one transaction. */
int	db_retention(struct db *, int64_t cutoff_ms, long *metrics_deleted,
	    long *system_deleted, char *err, size_t errlen);

/* db_query.c: 0 when the page was read (or the callback stopped it),
 * -1 (err set) on a bad query or a database error. */
int	db_history(struct db *, const struct history_query *, metric_row_cb,
	    void *arg, char *err, size_t errlen);
/* db_query.c: system_events as MSG_EVENTS_REQ asks (its auth stamped
 * by berthd: a user sees its own workspaces' events); -1 (err set). */
int	db_events(struct db *, const struct body_events_req *,
	    struct body_events *, char *err, size_t errlen);
/* db_query.c: every number computed in SQL, in one read-only snapshot;
 * -1 (err set, *cs empty) on failure. */
int	db_container_stats(struct db *, struct cstats *, char *err,
	    size_t errlen);

#endif
