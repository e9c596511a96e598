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
 * One container sample.  container_id and ts_ms are required; the rest
 * may be unknown: a NULL string, a NaN double or a negative integer is
 * written as SQL NULL.
 */
struct metric_row {
	int64_t		 ts_ms;
	const char	*container_id;
	const char	*container_name;
	const char	*workspace_id;
	const char	*status;
	double		 cpu_percent;
	double		 cpu_seconds;
	int64_t		 memory_used;
	int64_t		 memory_limit;
	int64_t		 memory_cache;
	int64_t		 network_rx;
	int64_t		 network_tx;
	int64_t		 block_read;
	int64_t		 block_write;
	int64_t		 pids;
};

/* A workspace reached a phase: received, created, started, available,
 * stopped (container_stats, seed 000). */
struct lifecycle_fact {
	const char	*workspace_id;	/* a uuid */
	const char	*phase;
	int64_t		 at_ms;		/* ms since the epoch */
	const char	*container_id;
	const char	*user_id;
	const char	*s3_bucket;
	const char	*reason;	/* stopped */
};

struct db	*db_open(const char *conninfo, char *err, size_t errlen);
int		 db_ok(struct db *);
void		 db_close(struct db *);
int		 db_migrate(struct db *, const struct migration *, size_t,
		    char *err, size_t errlen);
int		 db_write_metrics(struct db *, const struct metric_row *,
		    size_t, char *err, size_t errlen);
int		 db_write_metrics_naive(struct db *, const struct metric_row *,
		    size_t, char *err, size_t errlen);
int		 db_lifecycle(struct db *, const struct lifecycle_fact *,
		    char *err, size_t errlen);
int		 db_delete_metrics_before(struct db *, int64_t cutoff_ms,
		    long *deleted, char *err, size_t errlen);

#endif
