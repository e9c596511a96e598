/*
 * The statswriter's PostgreSQL layer, synchronous libpq: connecting,
 * applying the compiled-in migrations under an advisory lock, writing
 * container and host metric samples in batches (COPY into a per-session
 * staging table, then one INSERT ... ON CONFLICT DO NOTHING, all in one
 * transaction) so a replayed batch is written exactly once, and
 * retention.  Values only ever travel as parameters or COPY data, never
 * inside SQL text.  Lifecycle facts and the other records are in
 * db_records.c, the reads in db_query.c.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "db_int.h"
#include "log.h"
#include "query.h"
#include "xmalloc.h"

/* pg_advisory_xact_lock key for migrations: "berthmig" in ASCII. */
#define MIGRATE_LOCK	"7090199032658487655"
/* COPY data is sent in chunks of about this size. */
#define COPY_CHUNK	65536
/* The data columns of container_metrics, in struct fields order. */
#define METRIC_COLS	"ts, container_id, container_name, workspace_id, " \
			"status, cpu_percent, cpu_seconds, memory_used, " \
			"memory_limit, memory_cache, network_rx, network_tx, " \
			"block_read, block_write, pids"
/* The data columns of system_metrics. */
#define SYSTEM_COLS	"ts, name, value, tags"

struct buf {
	char	*data;
	size_t	 len;
	size_t	 size;
};

void
db_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 n;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	/* libpq messages end in a newline and may hold more: one line. */
	n = strlen(err);
	while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
		err[--n] = '\0';
	for (; n > 0; n--) {
		if (err[n - 1] == '\n' || err[n - 1] == '\t')
			err[n - 1] = ' ';
	}
}

/* Run sql (with optional text parameters); 0 if its result is ok. */
int
db_exec(struct db *db, const char *sql, int nparams, const char *const *p,
    char *err, size_t errlen)
{
	PGresult	*res;
	ExecStatusType	 st;

	res = PQexecParams(db->conn, sql, nparams, NULL, p, NULL, NULL, 0);
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		db_seterr(err, errlen, "%s", res != NULL ?
		    PQresultErrorMessage(res) : PQerrorMessage(db->conn));
		PQclear(res);
		return -1;
	}
	PQclear(res);
	return 0;
}

/* Roll back whatever transaction is open, keeping the first error. */
void
db_rollback(struct db *db)
{
	PGresult	*res;

	if (PQtransactionStatus(db->conn) == PQTRANS_IDLE)
		return;
	res = PQexec(db->conn, "ROLLBACK");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		log_warnx("rollback: %s", PQerrorMessage(db->conn));
	PQclear(res);
}

static int
db_begin_locked(struct db *db, char *err, size_t errlen)
{
	if (db_exec(db, "BEGIN", 0, NULL, err, errlen) == -1)
		return -1;
	if (db_exec(db, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")",
	    0, NULL, err, errlen) == -1) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

/* Run a query that returns rows; NULL (err set) on failure. */
PGresult *
db_query(struct db *db, const char *sql, int nparams, const char *const *p,
    char *err, size_t errlen)
{
	PGresult	*res;

	res = PQexecParams(db->conn, sql, nparams, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_seterr(err, errlen, "%s", res != NULL ?
		    PQresultErrorMessage(res) : PQerrorMessage(db->conn));
		PQclear(res);
		return NULL;
	}
	return res;
}

/*
 * Create schema_migrations if missing and refuse a database that has a
 * migration newer than any this binary knows.
 */
static int
migrate_prepare(struct db *db, int known, char *err, size_t errlen)
{
	PGresult	*res;
	int		 latest;

	if (db_begin_locked(db, err, errlen) == -1)
		return -1;
	if (db_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
	    "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
	    0, NULL, err, errlen) == -1)
		goto fail;
	res = db_query(db, "SELECT coalesce(max(version), 0) "
	    "FROM schema_migrations", 0, NULL, err, errlen);
	if (res == NULL)
		goto fail;
	latest = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (latest > known) {
		db_seterr(err, errlen, "database schema version %d is newer "
		    "than this berth knows (%d): refusing to downgrade",
		    latest, known);
		goto fail;
	}
	return db_exec(db, "COMMIT", 0, NULL, err, errlen);

fail:
	db_rollback(db);
	return -1;
}

/* 1 if version is recorded, 0 if not, -1 on error. */
static int
migrate_applied(struct db *db, const char *version, char *err, size_t errlen)
{
	const char	*p[1] = { version };
	PGresult	*res;
	int		 found;

	res = db_query(db, "SELECT 1 FROM schema_migrations WHERE version = $1",
	    1, p, err, errlen);
	if (res == NULL)
		return -1;
	found = PQntuples(res) > 0;
	PQclear(res);
	return found;
}

/* Run the migration text itself: several statements, no parameters. */
static int
migrate_run(struct db *db, const char *sql, char *err, size_t errlen)
{
	PGresult	*res;
	ExecStatusType	 st;

	res = PQexec(db->conn, sql);
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK &&
	    st != PGRES_EMPTY_QUERY) {
		db_seterr(err, errlen, "%s", res != NULL ?
		    PQresultErrorMessage(res) : PQerrorMessage(db->conn));
		PQclear(res);
		return -1;
	}
	PQclear(res);
	return 0;
}

/* Apply one migration and record it, in one transaction; 1 if applied. */
static int
migrate_one(struct db *db, const struct migration *m, char *err,
    size_t errlen)
{
	char		 version[16], msg[512];
	const char	*p[2] = { version, m->name };
	int		 found;

	snprintf(version, sizeof version, "%d", m->version);
	if (db_begin_locked(db, msg, sizeof msg) == -1)
		goto fail;
	if ((found = migrate_applied(db, version, msg, sizeof msg)) == -1)
		goto fail;
	if (found)
		return db_exec(db, "COMMIT", 0, NULL, err, errlen) == -1 ? -1 : 0;
	if (migrate_run(db, m->sql, msg, sizeof msg) == -1)
		goto fail;
	if (db_exec(db, "INSERT INTO schema_migrations (version, name) "
	    "VALUES ($1, $2)", 2, p, msg, sizeof msg) == -1)
		goto fail;
	if (db_exec(db, "COMMIT", 0, NULL, msg, sizeof msg) == -1)
		goto fail;
	log_info("applied migration %s", m->name);
	return 1;

fail:
	db_rollback(db);
	db_seterr(err, errlen, "migration %s: %s", m->name, msg);
	return -1;
}

int
db_migrate(struct db *db, const struct migration *m, size_t n, char *err,
    size_t errlen)
{
	size_t	 i;
	int	 known = 0, r, applied = 0;

	for (i = 0; i < n; i++) {
		if (m[i].version <= known) {
			db_seterr(err, errlen, "migration %s: version not "
			    "above %d", m[i].name, known);
			return -1;
		}
		known = m[i].version;
	}
	if (migrate_prepare(db, known, err, errlen) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if ((r = migrate_one(db, &m[i], err, errlen)) == -1)
			return -1;
		applied += r;
	}
	log_debug("migrations: %d applied, schema at version %d", applied,
	    known);
	return 0;
}

/* A sample's columns (METRIC_COLS order) as text, NULL for SQL NULL. */
#define NCOLS	15
#define NNUM	11
struct fields {
	char		 ts[TS_LEN];
	char		 num[NNUM][32];
	const char	*v[NCOLS];
};

/* ms since the epoch as "YYYY-MM-DD HH:MM:SS.mmm+00"; -1 if unusable. */
int
db_fmt_ts(int64_t ms, char *out, size_t len)
{
	struct tm	 tm;
	time_t		 t;
	int64_t		 s = ms / 1000, frac = ms % 1000;

	if (frac < 0) {
		frac += 1000;
		s--;
	}
	t = (time_t)s;
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 < 1 ||
	    tm.tm_year + 1900 > 9999)
		return -1;
	snprintf(out, len, "%04d-%02d-%02d %02d:%02d:%02d.%03d+00",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)frac);
	return 0;
}

static const char *
fmt_double(double d, char *out, size_t len)
{
	if (isnan(d))
		return NULL;
	if (isinf(d))
		return d > 0 ? "Infinity" : "-Infinity";
	snprintf(out, len, "%.17g", d);
	return out;
}

static const char *
fmt_int(int64_t i, char *out, size_t len)
{
	if (i < 0)
		return NULL;
	snprintf(out, len, "%" PRId64, i);
	return out;
}

static int
row_fields(const struct metric_item *r, struct fields *f)
{
	const int64_t	 ints[] = { r->memory_used, r->memory_limit,
			    r->memory_cache, r->network_rx, r->network_tx,
			    r->block_read, r->block_write, r->pids };
	size_t		 i;

	if (r->container_id == NULL ||
	    db_fmt_ts(r->ts_ms, f->ts, sizeof f->ts) == -1)
		return -1;
	f->v[0] = f->ts;
	f->v[1] = r->container_id;
	f->v[2] = r->container_name;
	f->v[3] = r->workspace_id;
	f->v[4] = r->status;
	f->v[5] = fmt_double(r->cpu_percent, f->num[0], sizeof f->num[0]);
	f->v[6] = fmt_double(r->cpu_seconds, f->num[1], sizeof f->num[1]);
	for (i = 0; i < sizeof ints / sizeof ints[0]; i++)
		f->v[7 + i] = fmt_int(ints[i], f->num[2 + i],
		    sizeof f->num[2 + i]);
	return 0;
}

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n > b->size) {
		b->size = b->size ? b->size : 4096;
		while (b->len + n > b->size)
			b->size *= 2;
		b->data = xreallocarray(b->data, 1, b->size);
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
}

/* One field in COPY text format: \N for NULL, specials escaped. */
static void
copy_field(struct buf *b, const char *s)
{
	const char	*p;
	char		 esc[2] = { '\\', 0 };

	if (s == NULL) {
		buf_add(b, "\\N", 2);
		return;
	}
	for (p = s; *p != '\0'; p++) {
		switch (*p) {
		case '\\': esc[1] = '\\'; break;
		case '\t': esc[1] = 't'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		default:
			continue;
		}
		buf_add(b, s, p - s);
		buf_add(b, esc, 2);
		s = p + 1;
	}
	buf_add(b, s, p - s);
}

/* One row of COPY text: the fields tab-separated, then a newline. */
static void
copy_row(struct buf *b, const char *const *v, size_t n)
{
	size_t	 c;

	for (c = 0; c < n; c++) {
		if (c > 0)
			buf_add(b, "\t", 1);
		copy_field(b, v[c]);
	}
	buf_add(b, "\n", 1);
}

/* The batch as COPY text; -1 (err set) on a row that cannot be sent. */
static int
copy_build(struct buf *b, const struct metric_item *rows, size_t n,
    char *err, size_t errlen)
{
	struct fields	 f;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (row_fields(&rows[i], &f) == -1) {
			db_seterr(err, errlen, "metric row %zu: no container "
			    "id or bad timestamp", i);
			return -1;
		}
		copy_row(b, f.v, NCOLS);
	}
	return 0;
}

/* Host samples as COPY text (SYSTEM_COLS order); NaN values skipped. */
static int
sys_copy_build(struct buf *b, const struct sysmetric_item *rows, size_t n,
    char *err, size_t errlen)
{
	char		 ts[TS_LEN], num[32];
	const char	*v[4];
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (isnan(rows[i].value))
			continue;
		if (rows[i].name == NULL ||
		    db_fmt_ts(rows[i].ts_ms, ts, sizeof ts) == -1) {
			db_seterr(err, errlen, "system metric row %zu: no name "
			    "or bad timestamp", i);
			return -1;
		}
		v[0] = ts;
		v[1] = rows[i].name;
		v[2] = fmt_double(rows[i].value, num, sizeof num);
		v[3] = rows[i].tags != NULL ? rows[i].tags : "{}";
		copy_row(b, v, 4);
	}
	return 0;
}

/*
 * The staging tables, one per kind of batch, each created once per
 * connection: the columns of its table (no keys or indexes: LIKE copies
 * none), emptied at every commit.  The host one refuses tags that are
 * not a JSON object, so such a batch fails in its COPY.
 */
enum stage { STAGE_METRICS, STAGE_SYSTEM };
static const struct {
	const char	*what;		/* prefix of error messages */
	const char	*create;
	const char	*copy;
	const char	*insert;
} stages[] = {
	[STAGE_METRICS] = { "write metrics",
	    "CREATE TEMP TABLE berth_metrics_stage "
	    "(LIKE container_metrics INCLUDING DEFAULTS) "
	    "ON COMMIT DELETE ROWS",
	    "COPY berth_metrics_stage (" METRIC_COLS ") FROM STDIN",
	    "INSERT INTO container_metrics (" METRIC_COLS ") "
	    "SELECT " METRIC_COLS " FROM berth_metrics_stage "
	    "ON CONFLICT (container_id, ts) DO NOTHING" },
	[STAGE_SYSTEM] = { "write system metrics",
	    "CREATE TEMP TABLE berth_system_stage "
	    "(LIKE system_metrics INCLUDING DEFAULTS, "
	    "CONSTRAINT tags_object CHECK (jsonb_typeof(tags) = 'object')) "
	    "ON COMMIT DELETE ROWS",
	    "COPY berth_system_stage (" SYSTEM_COLS ") FROM STDIN",
	    "INSERT INTO system_metrics (" SYSTEM_COLS ") "
	    "SELECT " SYSTEM_COLS " FROM berth_system_stage "
	    "ON CONFLICT (name, ts, tags) DO NOTHING" },
};

static int
db_stage(struct db *db, enum stage s, char *err, size_t errlen)
{
	PGresult	*res;

	if (db->staged & (1U << s))
		return 0;
	res = PQexec(db->conn, stages[s].create);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		db_seterr(err, errlen, "staging table: %s",
		    PQresultErrorMessage(res));
		PQclear(res);
		return -1;
	}
	PQclear(res);
	db->staged |= 1U << s;
	return 0;
}

/* The final result of a command; 0 if it succeeded. */
static int
db_result(struct db *db, char *err, size_t errlen)
{
	PGresult	*res;
	int		 rc = 0;

	while ((res = PQgetResult(db->conn)) != NULL) {
		if (rc == 0 && PQresultStatus(res) != PGRES_COMMAND_OK) {
			db_seterr(err, errlen, "%s", PQresultErrorMessage(res));
			rc = -1;
		}
		PQclear(res);
	}
	return rc;
}

/* COPY the prepared text into a staging table, in chunks. */
static int
copy_send(struct db *db, const char *copy, const struct buf *b, char *err,
    size_t errlen)
{
	PGresult	*res;
	size_t		 off, n;

	res = PQexec(db->conn, copy);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		db_seterr(err, errlen, "copy: %s", PQresultErrorMessage(res));
		PQclear(res);
		return -1;
	}
	PQclear(res);
	for (off = 0; off < b->len; off += n) {
		n = b->len - off < COPY_CHUNK ? b->len - off : COPY_CHUNK;
		if (PQputCopyData(db->conn, b->data + off, (int)n) != 1)
			break;
	}
	if (PQputCopyEnd(db->conn, off < b->len ? "send failed" : NULL) != 1) {
		db_seterr(err, errlen, "copy: %s", PQerrorMessage(db->conn));
		db_result(db, NULL, 0);
		return -1;
	}
	return db_result(db, err, errlen);
}

/* Stage the COPY text and move it into the table, in one transaction. */
static int
batch_write(struct db *db, enum stage s, const struct buf *b, char *err,
    size_t errlen)
{
	char	 msg[512];

	if (b->len == 0)
		return 0;
	if (db_stage(db, s, err, errlen) == -1)
		return -1;
	if (db_exec(db, "BEGIN", 0, NULL, err, errlen) == -1)
		return -1;
	if (copy_send(db, stages[s].copy, b, msg, sizeof msg) == -1 ||
	    db_exec(db, stages[s].insert, 0, NULL, msg, sizeof msg) == -1 ||
	    db_exec(db, "COMMIT", 0, NULL, msg, sizeof msg) == -1) {
		db_rollback(db);
		db_seterr(err, errlen, "%s: %s", stages[s].what, msg);
		return -1;
	}
	return 0;
}

int
db_write_metrics(struct db *db, const struct metric_item *rows, size_t n,
    char *err, size_t errlen)
{
	struct buf	 b = { NULL, 0, 0 };
	int		 rc;

	if ((rc = copy_build(&b, rows, n, err, errlen)) == 0)
		rc = batch_write(db, STAGE_METRICS, &b, err, errlen);
	free(b.data);
	return rc;
}

int
db_write_sysmetrics(struct db *db, const struct sysmetric_item *rows,
    size_t n, char *err, size_t errlen)
{
	struct buf	 b = { NULL, 0, 0 };
	int		 rc;

	if ((rc = sys_copy_build(&b, rows, n, err, errlen)) == 0)
		rc = batch_write(db, STAGE_SYSTEM, &b, err, errlen);
	free(b.data);
	return rc;
}

/* One autocommitted INSERT per sample: the benchmark's baseline only. */
int
db_write_metrics_naive(struct db *db, const struct metric_item *rows,
    size_t n, char *err, size_t errlen)
{
	struct fields	 f;
	size_t		 i;
	char		 msg[512];

	for (i = 0; i < n; i++) {
		if (row_fields(&rows[i], &f) == -1) {
			db_seterr(err, errlen, "metric row %zu: no container "
			    "id or bad timestamp", i);
			return -1;
		}
		if (db_exec(db, "INSERT INTO container_metrics (" METRIC_COLS
		    ") VALUES ($1, $2, $3, $4, $5, $6, $7, "
		    "$8, $9, $10, $11, $12, $13, $14, $15) "
		    "ON CONFLICT (container_id, ts) DO NOTHING",
		    NCOLS, f.v, msg, sizeof msg) == -1) {
			db_seterr(err, errlen, "write metrics: %s", msg);
			return -1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ retention */

#define DELETE_METRICS	"DELETE FROM container_metrics WHERE ts < $1"
#define DELETE_SYSTEM	"DELETE FROM system_metrics WHERE ts < $1"

/* One DELETE with the cutoff text as $1; the rows it removed. */
static int
delete_before(struct db *db, const char *sql, const char *ts, long *deleted,
    char *err, size_t errlen)
{
	const char	*p[1] = { ts };
	PGresult	*res;

	res = PQexecParams(db->conn, sql, 1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		db_seterr(err, errlen, "%s", PQresultErrorMessage(res));
		PQclear(res);
		return -1;
	}
	*deleted = strtol(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return 0;
}

int
db_delete_metrics_before(struct db *db, int64_t cutoff_ms, long *deleted,
    char *err, size_t errlen)
{
	char	 ts[TS_LEN], msg[512];
	long	 n;

	if (db_fmt_ts(cutoff_ms, ts, sizeof ts) == -1) {
		db_seterr(err, errlen, "bad retention cutoff");
		return -1;
	}
	if (delete_before(db, DELETE_METRICS, ts, &n, msg, sizeof msg) == -1) {
		db_seterr(err, errlen, "retention: %s", msg);
		return -1;
	}
	if (deleted != NULL)
		*deleted = n;
	return 0;
}

/* Both time-series tables in one transaction: the counts are committed. */
int
db_retention(struct db *db, int64_t cutoff_ms, long *metrics_deleted,
    long *system_deleted, char *err, size_t errlen)
{
	char	 ts[TS_LEN], msg[512];
	long	 m, s;

	if (db_fmt_ts(cutoff_ms, ts, sizeof ts) == -1) {
		db_seterr(err, errlen, "bad retention cutoff");
		return -1;
	}
	if (db_exec(db, "BEGIN", 0, NULL, msg, sizeof msg) == -1 ||
	    delete_before(db, DELETE_METRICS, ts, &m, msg, sizeof msg) == -1 ||
	    delete_before(db, DELETE_SYSTEM, ts, &s, msg, sizeof msg) == -1 ||
	    db_exec(db, "COMMIT", 0, NULL, msg, sizeof msg) == -1) {
		db_rollback(db);
		db_seterr(err, errlen, "retention: %s", msg);
		return -1;
	}
	if (metrics_deleted != NULL)
		*metrics_deleted = m;
	if (system_deleted != NULL)
		*system_deleted = s;
	return 0;
}
