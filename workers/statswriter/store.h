/*
 * The statswriter's store: where every record (lifecycle fact,
 * container sample, host sample) goes.  With the database up and
 * nothing spooled, records are written at once (samples in one batch
 * per sampling cycle); while it is down, connecting or still being
 * started by berthd, and while older records wait in the spool, they
 * are appended to the spool file, which is replayed in order once the
 * database answers.  Without any database, records live in memory only
 * (the last 1000 samples, the last 500 lifecycle rows), and the same
 * memory answers queries whenever the database cannot.
 */
#ifndef BERTH_STORE_H
#define BERTH_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct event_base;
struct berth_config;
struct store;
struct db;
struct memstore;

/* spool_dirfd: the directory berthd handed over (fd 4), kept, or -1
 * (no spool: a store that can only write through or keep in memory). */
struct store	*store_new(struct event_base *, int spool_dirfd);
/* Open (or make) the spool file: once confined, so that it is the
 * workers' user's, never root's. */
void		 store_open_spool(struct store *);
/* Apply [database] and [metrics] keys; connects when the URL changes. */
void		 store_configure(struct store *, const struct berth_config *);

/* Before each connection attempt the store calls fn, which must answer
 * with store_prepared(): the addresses of the URL's host name and the
 * password to add (NULL or "" for none), or why it cannot connect now
 * (error: retried later).  Without fn it connects with the URL alone. */
typedef void	(*store_prepare_fn)(struct store *, void *arg);
void		 store_set_prepare(struct store *, store_prepare_fn, void *);
void		 store_prepared(struct store *, const char *hostaddr,
		    const char *password, const char *error);

/* Record a lifecycle fact: 0 once it is durable (written, spooled or,
 * without a database, kept in memory); -1 refused for good (bad data,
 * err says why); -2 not durable (the spool cannot take it): leave it
 * unanswered so that berthd sends it again. */
/* A record of berthd's for system_events (MSG_EVENT_REC),
 * system_alerts (MSG_ALERT_REC) or system_metrics (MSG_MPOINT_REC), as
 * store_fact. */
int		 store_record(struct store *, unsigned type, const void *body,
		    char *err, size_t errlen);
int		 store_fact(struct store *, const struct body_lifecycle *,
		    char *err, size_t errlen);
/* Retention now (and the fallback timer re-armed); 0 or -1 with err. */
int		 store_retention(struct store *, long *metrics_deleted,
		    long *system_deleted, char *err, size_t errlen);
/* A finished job run of the scheduler, for job_runs. */
void		 store_job_run(struct store *, const struct body_job_run *);
/* MSG_VOL_REC: 0 written or spooled, -2 neither (err says why). */
int		 store_backup(struct store *, const struct body_vol_backups *,
		    char *err, size_t errlen);
/* Record one sampling cycle's rows (copied). */
void		 store_samples(struct store *, const struct metric_item *,
		    size_t, const struct sysmetric_item *, size_t);

void		 store_status(struct store *, struct body_db_status *);
/* The latest host sample (percent, percent, load), for the status. */
void		 store_host(struct store *, double cpu, double mem,
		    double load1);
/* The sampling intervals in force, for the status. */
void		 store_intervals(struct store *, long app_ms, long sys_ms);
/* The database's state, the queue and the spool as metric samples. */
struct prom_list;
void		 store_prom(struct store *, struct prom_list *);
/* The database when it is up, else NULL: queries then go to memory. */
struct db	*store_db(struct store *);
struct memstore	*store_mem(struct store *);
/* A query on store_db() failed: look at the connection. */
void		 store_db_failed(struct store *, const char *err);

#endif
