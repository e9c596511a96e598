/*
 * Benchmark of the statswriter's metric writes against a real
 * PostgreSQL (bench/db_batch.sh starts one): CYCLES batches of BATCH
 * samples through db_write_metrics (COPY + INSERT ... ON CONFLICT in
 * one transaction) and the same through db_write_metrics_naive (one
 * autocommitted INSERT per sample), then retention: ROWS samples
 * loaded and removed by indexed range deletes of 100k rows each.
 *
 *   db_batch CONNINFO [CYCLES [BATCH [ROWS]]]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"

#define T0	1700000000000LL
#define CHUNK	100000L

static char	 err[1024];

static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* n samples of 16 containers, one second apart per container. */
static void
fill(struct metric_item *r, size_t n, int64_t first, char **ids)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		memset(&r[i], 0, sizeof r[i]);
		r[i].ts_ms = T0 + (first + (int64_t)i / 16) * 1000;
		r[i].container_id = ids[i % 16];
		r[i].container_name = "berth-ws-bench";
		r[i].workspace_id = "ws-bench";
		r[i].status = "running";
		r[i].cpu_percent = (double)(i % 400) / 4;
		r[i].cpu_seconds = i * 0.01;
		r[i].memory_used = 100000000 + i;
		r[i].memory_limit = 1LL << 30;
		r[i].memory_cache = 1 << 20;
		r[i].network_rx = i * 10;
		r[i].network_tx = i * 20;
		r[i].block_read = i * 30;
		r[i].block_write = i * 40;
		r[i].pids = 12;
	}
}

typedef int (*writer)(struct db *, const struct metric_item *, size_t,
    char *, size_t);

/* CYCLES batches through w; rows per second. */
static double
run(struct db *db, writer w, char **ids, int cycles, size_t batch,
    int64_t base)
{
	struct metric_item	*r = calloc(batch, sizeof *r);
	double			 t, total = 0;
	int			 c;

	if (r == NULL)
		exit(1);
	for (c = 0; c < cycles; c++) {
		fill(r, batch, base + (int64_t)c * (int64_t)batch, ids);
		t = now_s();
		if (w(db, r, batch, err, sizeof err) == -1) {
			fprintf(stderr, "write: %s\n", err);
			exit(1);
		}
		total += now_s() - t;
	}
	free(r);
	return cycles * (double)batch / total;
}

static void
ids_for(char **ids, char store[16][80], const char *prefix)
{
	int	 i;

	for (i = 0; i < 16; i++) {
		snprintf(store[i], sizeof store[i], "%s-%064d", prefix, i);
		ids[i] = store[i];
	}
}

/* rows samples, 10000 a batch, after the write benchmark's rows. */
static void
retention_load(struct db *db, long rows)
{
	struct metric_item	*r = calloc(10000, sizeof *r);
	char			*ids[16];
	char			 store[16][80];
	double			 t = now_s();
	long			 i;

	if (r == NULL)
		exit(1);
	ids_for(ids, store, "retention");
	for (i = 0; i < rows; i += 10000) {
		fill(r, 10000, 10000000 + i, ids);
		if (db_write_metrics(db, r, 10000, err, sizeof err) == -1) {
			fprintf(stderr, "load: %s\n", err);
			exit(1);
		}
	}
	printf("retention: loaded %ld rows in %.1f s (batches of 10000)\n",
	    rows, now_s() - t);
	free(r);
}

static void
retention(struct db *db, long rows)
{
	double	 t, sum = 0;
	long	 i, deleted, k = 0;

	/* The write benchmark's rows are older than any loaded here. */
	if (db_delete_metrics_before(db, T0 + 10000000LL * 1000, &deleted,
	    err, sizeof err) == -1) {
		fprintf(stderr, "delete: %s\n", err);
		exit(1);
	}
	rows -= rows % 10000;
	retention_load(db, rows);
	/* Oldest first, CHUNK rows a time.  Load batch b starts at second
	 * 10000000 + b * 10000 and spans 625 s: the cutoff for i takes
	 * exactly the rows loaded before i. */
	for (i = CHUNK; i <= rows; i += CHUNK) {
		t = now_s();
		if (db_delete_metrics_before(db, T0 + (10000000 + i) * 1000,
		    &deleted, err, sizeof err) == -1) {
			fprintf(stderr, "delete: %s\n", err);
			exit(1);
		}
		t = now_s() - t;
		sum += t;
		k++;
		printf("retention: delete-by-range %ld rows in %.3f s\n",
		    deleted, t);
	}
	if (k > 0)
		printf("retention: mean %.3f s per %ld rows\n", sum / k, CHUNK);
}

int
main(int argc, char **argv)
{
	struct db	*db;
	char		*ids[16];
	char		 store[16][80];
	int		 cycles = argc > 2 ? atoi(argv[2]) : 20;
	size_t		 batch = argc > 3 ? strtoul(argv[3], NULL, 10) : 1000;
	long		 rows = argc > 4 ? atol(argv[4]) : 1000000;
	double		 fast, slow;

	if (argc < 2 || cycles <= 0 || batch == 0) {
		fprintf(stderr, "usage: db_batch CONNINFO [CYCLES [BATCH "
		    "[ROWS]]]\n");
		return 2;
	}
	if ((db = db_open(argv[1], err, sizeof err)) == NULL ||
	    db_migrate(db, migrations, nmigrations, err, sizeof err) == -1) {
		fprintf(stderr, "db: %s\n", err);
		return 1;
	}
	ids_for(ids, store, "batch");
	fast = run(db, db_write_metrics, ids, cycles, batch, 0);
	ids_for(ids, store, "naive");
	slow = run(db, db_write_metrics_naive, ids, cycles, batch, 0);
	printf("batch (COPY + INSERT ON CONFLICT, 1 txn): %d x %zu rows: "
	    "%.0f rows/s\n", cycles, batch, fast);
	printf("naive (1 INSERT per row, autocommit):     %d x %zu rows: "
	    "%.0f rows/s\n", cycles, batch, slow);
	printf("ratio: %.1fx\n", fast / slow);
	if (rows > 0)
		retention(db, rows);
	db_close(db);
	return 0;
}
