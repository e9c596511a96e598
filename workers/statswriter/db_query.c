/*
 * The statswriter's reads, synchronous libpq: pages of container
 * samples by keyset on (ts DESC, container_id DESC), and the container
 * start-up statistics, every number of which PostgreSQL computes, in
 * one read-only snapshot.  Values only ever travel as parameters.
 * memstore.c answers the same questions without a database.
 */
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_int.h"
#include "query.h"
#include "xmalloc.h"

/* A timestamptz as ms since the epoch, exactly (extract is numeric). */
#define MS(c)		"floor(extract(epoch FROM " c ") * 1000)::bigint"

/*
 * $1 since, $2 the container id or '' for all, $3 the key's time or
 * NULL on a first page, $4 the key's container id, $5 the limit.  An
 * unnamed statement is planned with its values, so the branches that do
 * not apply fold away and the ts or (container_id, ts) index serves the
 * rest; the row comparison's leading ts bounds the index scan.
 */
static const char history_sql[] =
    "SELECT " MS("ts") ", container_id, container_name, workspace_id, "
    "status, cpu_percent, cpu_seconds, memory_used, memory_limit, "
    "memory_cache, network_rx, network_tx, block_read, block_write, pids "
    "FROM container_metrics WHERE ts >= $1::timestamptz "
    "AND ($2::text = '' OR container_id = $2::text) "
    "AND ($3::timestamptz IS NULL OR "
    "(ts, container_id COLLATE \"C\") < ($3::timestamptz, $4::text)) "
    "ORDER BY ts DESC, container_id COLLATE \"C\" DESC LIMIT $5::bigint";

/* Never reached the code server but stopped: a failed start. */
#define FAILED		"code_server_available_at IS NULL AND " \
			"container_stopped_at IS NOT NULL"
/* The ms from a to b as a double; NULL unless both are set. */
#define SPAN(a, b)	"(extract(epoch FROM " b " - " a ") * 1000)::float8"
/* count, avg, p50, p95 of a double column, NULLs ignored. */
#define DIST(x)		"count(" x "), avg(" x "), " \
			"percentile_cont(0.5) WITHIN GROUP (ORDER BY " x "), " \
			"percentile_cont(0.95) WITHIN GROUP (ORDER BY " x ")"

/*
 * The spans are numeric arithmetic, exact but slow: materialised, each
 * is computed once per row instead of once per aggregate that reads it
 * (a third of the time on 200k rows).  The two percentiles of a column
 * share one sort.
 */
static const char dist_sql[] =
    "WITH d AS MATERIALIZED (SELECT startup_time_ms::float8 AS startup, "
    SPAN("request_received_at", "container_created_at") " AS created, "
    SPAN("container_created_at", "container_started_at") " AS started, "
    SPAN("container_started_at", "code_server_available_at") " AS ready, "
    FAILED " AS failed FROM container_stats) "
    "SELECT " DIST("startup") ", " DIST("created") ", " DIST("started")
    ", " DIST("ready") ", count(*) FILTER (WHERE failed) FROM d";

/* $1 the limit. */
static const char users_sql[] =
    "SELECT user_id, count(*), avg(startup_time_ms::float8) "
    "FROM container_stats WHERE user_id <> '' GROUP BY user_id "
    "ORDER BY count(*) DESC, user_id COLLATE \"C\" LIMIT $1::bigint";

/* A lifecycle_row's columns, in struct order. */
#define ROW_COLS	"workspace_id, container_id, user_id, s3_bucket, " \
			"shutdown_reason, " MS("request_received_at") ", " \
			MS("container_created_at") ", " \
			MS("container_started_at") ", " \
			MS("code_server_available_at") ", " \
			MS("container_stopped_at") ", startup_time_ms, " \
			"active_duration_ms"
#define BY_RECEIVED	" ORDER BY request_received_at DESC, " \
			"workspace_id COLLATE \"C\" DESC LIMIT $1::bigint"

static const char failed_sql[] =
    "SELECT " ROW_COLS " FROM container_stats WHERE " FAILED BY_RECEIVED;
static const char recent_sql[] =
    "SELECT " ROW_COLS " FROM container_stats" BY_RECEIVED;

/* A column as a C value; what SQL NULL becomes is the caller's. */
static char *
col_str(PGresult *res, int r, int c, char *null)
{
	return PQgetisnull(res, r, c) ? null : PQgetvalue(res, r, c);
}

static int64_t
col_int(PGresult *res, int r, int c, int64_t null)
{
	return PQgetisnull(res, r, c) ? null :
	    strtoll(PQgetvalue(res, r, c), NULL, 10);
}

static double
col_double(PGresult *res, int r, int c)
{
	return PQgetisnull(res, r, c) ? NAN :
	    strtod(PQgetvalue(res, r, c), NULL);
}

/* ------------------------------------------------------------- history */

/* Row i of history_sql as a metric_item borrowing res's strings. */
static void
history_row(PGresult *res, int i, struct metric_item *m)
{
	int64_t	*const	 ints[] = { &m->memory_used, &m->memory_limit,
			    &m->memory_cache, &m->network_rx, &m->network_tx,
			    &m->block_read, &m->block_write, &m->pids };
	size_t		 c;

	m->ts_ms = col_int(res, i, 0, 0);
	m->container_id = col_str(res, i, 1, NULL);
	m->container_name = col_str(res, i, 2, NULL);
	m->workspace_id = col_str(res, i, 3, NULL);
	m->status = col_str(res, i, 4, NULL);
	m->cpu_percent = col_double(res, i, 5);
	m->cpu_seconds = col_double(res, i, 6);
	for (c = 0; c < sizeof ints / sizeof ints[0]; c++)
		*ints[c] = col_int(res, i, 7 + c, -1);
}

int
db_history(struct db *db, const struct history_query *q, metric_row_cb cb,
    void *arg, char *err, size_t errlen)
{
	char			 since[TS_LEN], before[TS_LEN], limit[24];
	char			 msg[512];
	const char		*p[5];
	struct metric_item	 m;
	PGresult		*res;
	int			 i;

	if (q->limit < 1 || q->limit > HISTORY_MAX) {
		db_seterr(err, errlen, "history: limit %zu not in 1..%d",
		    q->limit, HISTORY_MAX);
		return -1;
	}
	if (db_fmt_ts(q->since_ms, since, sizeof since) == -1 ||
	    (q->before_ms != 0 &&
	    db_fmt_ts(q->before_ms, before, sizeof before) == -1)) {
		db_seterr(err, errlen, "history: time out of range");
		return -1;
	}
	snprintf(limit, sizeof limit, "%zu", q->limit);
	p[0] = since;
	p[1] = q->container_id != NULL ? q->container_id : "";
	p[2] = q->before_ms != 0 ? before : NULL;
	p[3] = q->before_cid != NULL ? q->before_cid : "";
	p[4] = limit;
	if ((res = db_query(db, history_sql, 5, p, msg, sizeof msg)) == NULL) {
		db_seterr(err, errlen, "history: %s", msg);
		return -1;
	}
	for (i = 0; i < PQntuples(res); i++) {
		history_row(res, i, &m);
		if (cb(&m, arg) != 0)
			break;
	}
	PQclear(res);
	return 0;
}

/* ------------------------------------------------------------- events */

/* system_events newest first; a user ($4 not 't') only the events of
 * its own workspaces. */
static const char events_sql[] =
    "SELECT (extract(epoch FROM ts) * 1000)::bigint, type, severity, "
    "message, coalesce(details->>'workspaceId', ''), "
    "coalesce(details->>'userId', ''), coalesce((details->>'count')::bigint, "
    "1), id FROM system_events WHERE ($1 = '' OR type = $1) AND "
    "($2 = '' OR severity = $2) AND ts >= to_timestamp($3::bigint / 1000.0) "
    "AND ($4 = 't' OR details->>'userId' = $5) "
    "ORDER BY ts DESC, id DESC LIMIT $6::int";

int
db_events(struct db *db, const struct body_events_req *q,
    struct body_events *b, char *err, size_t errlen)
{
	char			 since[24], limit[24], msg[512];
	const char		*p[6];
	struct event_item	*e;
	PGresult		*res;
	int			 i;

	snprintf(since, sizeof(since), "%lld", (long long)q->since_ms);
	snprintf(limit, sizeof(limit), "%lld", (long long)q->limit);
	p[0] = q->type;
	p[1] = q->severity;
	p[2] = since;
	p[3] = q->auth.admin ? "t" : "f";
	p[4] = q->auth.caller;
	p[5] = limit;
	if ((res = db_query(db, events_sql, 6, p, msg, sizeof msg)) == NULL) {
		db_seterr(err, errlen, "events: %s", msg);
		return -1;
	}
	b->items = xcalloc((size_t)PQntuples(res) + 1, sizeof(*b->items));
	for (i = 0; i < PQntuples(res); i++) {
		e = &b->items[b->nitems++];
		e->time_ms = e->last_ms = col_int(res, i, 0, 0);
		e->type = xstrdup(PQgetvalue(res, i, 1));
		e->severity = xstrdup(PQgetvalue(res, i, 2));
		e->message = xstrdup(PQgetvalue(res, i, 3));
		e->workspace_id = xstrdup(PQgetvalue(res, i, 4));
		e->user_id = xstrdup(PQgetvalue(res, i, 5));
		e->count = col_int(res, i, 6, 1);
		e->id = col_int(res, i, 7, 0);
	}
	PQclear(res);
	return 0;
}

/* ---------------------------------------------------- container stats */

/* Four columns from c on: count, avg, p50, p95. */
static void
dist_cols(PGresult *res, int c, struct dist *d)
{
	d->count = col_int(res, 0, c, 0);
	d->avg = col_double(res, 0, c + 1);
	d->p50 = col_double(res, 0, c + 2);
	d->p95 = col_double(res, 0, c + 3);
}

static int
stats_dists(struct db *db, struct cstats *cs, char *err, size_t errlen)
{
	PGresult	*res;

	if ((res = db_query(db, dist_sql, 0, NULL, err, errlen)) == NULL)
		return -1;
	dist_cols(res, 0, &cs->startup);
	dist_cols(res, 4, &cs->create);
	dist_cols(res, 8, &cs->start);
	dist_cols(res, 12, &cs->ready);
	cs->failed = col_int(res, 0, 16, 0);
	PQclear(res);
	return 0;
}

static int
stats_users(struct db *db, struct cstats *cs, char *err, size_t errlen)
{
	char		 limit[24];
	const char	*p[1] = { limit };
	PGresult	*res;
	int		 i, n;

	snprintf(limit, sizeof limit, "%d", CSTATS_MAX_USERS);
	if ((res = db_query(db, users_sql, 1, p, err, errlen)) == NULL)
		return -1;
	if ((n = PQntuples(res)) > 0)
		cs->users = xcalloc(n, sizeof *cs->users);
	for (i = 0; i < n; i++) {
		cs->users[i].user_id = xstrdup(col_str(res, i, 0, ""));
		cs->users[i].count = col_int(res, i, 1, 0);
		cs->users[i].avg_ms = col_double(res, i, 2);
	}
	cs->nusers = n;
	PQclear(res);
	return 0;
}

/* Row i of a ROW_COLS query, its strings copied. */
static void
lifecycle_cols(PGresult *res, int i, struct lifecycle_row *l)
{
	l->workspace_id = xstrdup(col_str(res, i, 0, ""));
	l->container_id = xstrdup(col_str(res, i, 1, ""));
	l->user_id = xstrdup(col_str(res, i, 2, ""));
	l->s3_bucket = xstrdup(col_str(res, i, 3, ""));
	l->reason = xstrdup(col_str(res, i, 4, ""));
	l->received_ms = col_int(res, i, 5, 0);
	l->created_ms = col_int(res, i, 6, 0);
	l->started_ms = col_int(res, i, 7, 0);
	l->available_ms = col_int(res, i, 8, 0);
	l->stopped_ms = col_int(res, i, 9, 0);
	l->startup_ms = col_int(res, i, 10, -1);
	l->active_ms = col_int(res, i, 11, -1);
}

static int
stats_rows(struct db *db, const char *sql, struct lifecycle_row **rows,
    size_t *nrows, char *err, size_t errlen)
{
	char		 limit[24];
	const char	*p[1] = { limit };
	PGresult	*res;
	int		 i, n;

	snprintf(limit, sizeof limit, "%d", CSTATS_MAX_ROWS);
	if ((res = db_query(db, sql, 1, p, err, errlen)) == NULL)
		return -1;
	if ((n = PQntuples(res)) > 0)
		*rows = xcalloc(n, sizeof **rows);
	for (i = 0; i < n; i++)
		lifecycle_cols(res, i, &(*rows)[i]);
	*nrows = n;
	PQclear(res);
	return 0;
}

int
db_container_stats(struct db *db, struct cstats *cs, char *err,
    size_t errlen)
{
	char	 msg[512];

	memset(cs, 0, sizeof *cs);
	if (db_exec(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
	    0, NULL, msg, sizeof msg) == -1 ||
	    stats_dists(db, cs, msg, sizeof msg) == -1 ||
	    stats_users(db, cs, msg, sizeof msg) == -1 ||
	    stats_rows(db, failed_sql, &cs->failed_rows, &cs->nfailed, msg,
	    sizeof msg) == -1 ||
	    stats_rows(db, recent_sql, &cs->recent, &cs->nrecent, msg,
	    sizeof msg) == -1 ||
	    db_exec(db, "COMMIT", 0, NULL, msg, sizeof msg) == -1) {
		db_rollback(db);
		cstats_free(cs);
		db_seterr(err, errlen, "container stats: %s", msg);
		return -1;
	}
	return 0;
}
