/*
 * The statswriter's no-database fallback: the latest container samples
 * and lifecycle rows in memory, answering the queries of query.h with
 * the same results as the SQL would give for the same data.
 */
#ifndef BERTH_MEMSTORE_H
#define BERTH_MEMSTORE_H

#include <stddef.h>

#include "query.h"

struct memstore;

/* Both limits at least 1; berth uses 1000 and 500. */
struct memstore	*memstore_new(size_t max_samples, size_t max_lifecycle);
void		 memstore_free(struct memstore *);

/*
 * Copies the strings.  A sample without a container id, or whose
 * (container_id, ts) is held already, is ignored (ON CONFLICT DO
 * NOTHING); past max_samples the earliest added is dropped.
 */
void		 memstore_add_sample(struct memstore *,
		    const struct metric_item *);

/*
 * Applies the phase exactly as db_lifecycle's SQL does: received
 * creates the row once; created, started, available and stopped only
 * set a time that is still unset; startup_ms = available - received;
 * active_ms = stopped - available, or -1 if it never was available.  A
 * fact the SQL would refuse (no container id or bucket, a reason that
 * is not one of the four, a duration past 32 bits) or one for an
 * unknown workspace is ignored.  Past max_lifecycle rows the least
 * recently received row is dropped.
 */
void		 memstore_add_fact(struct memstore *,
		    const struct body_lifecycle *);

/* 0 when the page was read (or the callback stopped it), -1 when the
 * limit is not in 1..HISTORY_MAX. */
int		 memstore_history(struct memstore *,
		    const struct history_query *, metric_row_cb, void *arg);
void		 memstore_stats(struct memstore *, struct cstats *);
size_t		 memstore_nsamples(const struct memstore *);
size_t		 memstore_nlifecycle(const struct memstore *);

#endif
