/*
 * The statswriter's database layer (workers/statswriter/db.c and
 * db_query.c) against a real PostgreSQL, and memstore.c's answers
 * against the SQL's: tests/start-postgres.sh starts one throwaway
 * cluster for the whole run (a report hook, before any test process
 * exists) on port 5433 or $BERTH_TEST_PG_PORT, and every test gets a
 * fresh database of its own.  A cluster that cannot start fails every
 * test with the reason; nothing is skipped.
 */
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <libpq-fe.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "lifecycle_fixture.h"
#include "memstore.h"
#include "query.h"

#define START_PG	BERTH_SRCDIR "/tests/start-postgres.sh"
#define PG_PORT		"5433"
#define ENV_PORT	"BERTH_TEST_PG_PORT"	/* overrides PG_PORT */
#define ENV_CONNINFO	"BERTH_TEST_PG_CONNINFO"
#define ENV_FAILURE	"BERTH_TEST_PG_FAILURE"

static char	 pgdir[] = "/tmp/berth-test-db.XXXXXX";
static int	 pg_started;

/* Per test. */
static char	 dbname[64];
static char	 conninfo[512];
static struct db *db;
static PGconn	*check;
static char	 err[1024];

/* ------------------------------------------------------------ cluster */

/* $BERTH_TEST_PG_PORT if it is a port number, else PG_PORT. */
static const char *
pg_port(void)
{
	const char	*p = getenv(ENV_PORT);
	size_t		 n;

	if (p == NULL)
		return PG_PORT;
	n = strlen(p);
	if (n == 0 || n > 5 || strspn(p, "0123456789") != n)
		return PG_PORT;
	return p;
}

/* The failure every test reports: the start script's own words. */
static void
fail_with_log(void)
{
	char	 path[64], msg[1024], log[768];
	FILE	*f;
	size_t	 n = 0;

	snprintf(path, sizeof path, "%s.log", pgdir);
	if ((f = fopen(path, "r")) != NULL) {
		n = fread(log, 1, sizeof log - 1, f);
		fclose(f);
	}
	log[n] = '\0';
	snprintf(msg, sizeof msg, "tests/start-postgres.sh could not start "
	    "PostgreSQL: %s", n > 0 ? log : "(no output)");
	setenv(ENV_FAILURE, msg, 1);
}

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
	char	 cmd[512], line[512];
	FILE	*p;
	size_t	 n;

	(void)set;
	if (mkdtemp(pgdir) == NULL) {
		setenv(ENV_FAILURE, "mkdtemp failed", 1);
		return;
	}
	snprintf(cmd, sizeof cmd, "BERTH_PG_OPTS='-c fsync=off' sh %s %s %s "
	    "2>%s.log", START_PG, pgdir, pg_port(), pgdir);
	line[0] = '\0';
	if ((p = popen(cmd, "r")) != NULL) {
		if (fgets(line, sizeof line, p) == NULL)
			line[0] = '\0';
		pg_started = 1;
		if (pclose(p) != 0)
			line[0] = '\0';
	}
	n = strcspn(line, "\n");
	line[n] = '\0';
	if (n == 0 || strncmp(line, "host=", 5) != 0) {
		fail_with_log();
		return;
	}
	setenv(ENV_CONNINFO, line, 1);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
	char	 cmd[512];

	(void)stats;
	if (!pg_started)
		return;
	snprintf(cmd, sizeof cmd, "sh %s stop %s >/dev/null 2>&1; "
	    "rm -rf %s %s.log", START_PG, pgdir, pgdir, pgdir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_db: cleanup of %s failed\n", pgdir);
}

/* ------------------------------------------------------------ helpers */

static void
quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static PGconn *
connect_to(const char *ci)
{
	PGconn	*c;

	c = PQconnectdb(ci);
	cr_assert(PQstatus(c) == CONNECTION_OK, "connect %s: %s", ci,
	    PQerrorMessage(c));
	PQsetNoticeProcessor(c, quiet, NULL);
	return c;
}

/* Run a statement on conn (no parameters); assert success. */
static void
run(PGconn *c, const char *sql)
{
	PGresult	*res;
	ExecStatusType	 st;

	res = PQexec(c, sql);
	st = PQresultStatus(res);
	cr_assert(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK,
	    "%s: %s", sql, PQresultErrorMessage(res));
	PQclear(res);
}

/* A query with text parameters that returns one row, one value. */
static PGresult *
query(const char *sql, int n, const char *const *p)
{
	PGresult	*res;

	res = PQexecParams(check, sql, n, NULL, p, NULL, NULL, 0);
	cr_assert(PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql,
	    PQresultErrorMessage(res));
	return res;
}

static long
count(const char *sql)
{
	PGresult	*res;
	long		 v;

	res = query(sql, 0, NULL);
	cr_assert_eq(PQntuples(res), 1);
	v = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return v;
}

static void
migrate_all(void)
{
	cr_assert_eq(db_migrate(db, migrations, nmigrations, err, sizeof err),
	    0, "migrate: %s", err);
}

static void
setup(void)
{
	const char	*base, *fail;
	PGconn		*admin;
	char		 sql[128];

	fail = getenv(ENV_FAILURE);
	cr_assert(fail == NULL, "PostgreSQL test cluster: %s", fail);
	base = getenv(ENV_CONNINFO);
	cr_assert(base != NULL, "PostgreSQL test cluster did not start");
	snprintf(dbname, sizeof dbname, "berth_t%ld", (long)getpid());
	admin = connect_to(base);
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", dbname);
	run(admin, sql);
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", dbname);
	run(admin, sql);
	PQfinish(admin);
	snprintf(conninfo, sizeof conninfo, "%s dbname=%s", base, dbname);
	db = db_open(conninfo, err, sizeof err);
	cr_assert_not_null(db, "db_open: %s", err);
	cr_assert(db_ok(db));
	check = connect_to(conninfo);
}

static void
teardown(void)
{
	const char	*base = getenv(ENV_CONNINFO);
	PGconn		*admin;
	PGresult	*res;
	char		 sql[128];

	db_close(db);
	db = NULL;
	if (check != NULL)
		PQfinish(check);
	check = NULL;
	if (base == NULL || dbname[0] == '\0')
		return;
	admin = PQconnectdb(base);
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)",
	    dbname);
	res = PQexec(admin, sql);
	PQclear(res);
	PQfinish(admin);
}

TestSuite(db, .init = setup, .fini = teardown, .timeout = 120);

/* ---------------------------------------------------------- migrations */

static const char *const tables[] = {
	"schema_migrations", "workspaces", "container_stats",
	"container_metrics", "system_metrics", "system_events",
	"system_alerts", "volume_backups",
};

/* Seed 000's container_stats, then berth's additions, in order. */
static const struct {
	const char	*name, *type, *nullable;
	int		 has_default;
} stats_cols[] = {
	{ "id", "uuid", "NO", 0 },
	{ "container_id", "text", "NO", 0 },
	{ "user_id", "text", "YES", 0 },
	{ "s3_bucket", "text", "NO", 0 },
	{ "request_received_at", "timestamp with time zone", "NO", 0 },
	{ "code_server_available_at", "timestamp with time zone", "YES", 0 },
	{ "container_stopped_at", "timestamp with time zone", "YES", 0 },
	{ "startup_time_ms", "integer", "YES", 0 },
	{ "active_duration_ms", "integer", "YES", 0 },
	{ "shutdown_reason", "text", "YES", 0 },
	{ "created_at", "timestamp with time zone", "NO", 1 },
	{ "updated_at", "timestamp with time zone", "NO", 1 },
	{ "workspace_id", "text", "YES", 0 },
	{ "container_created_at", "timestamp with time zone", "YES", 0 },
	{ "container_started_at", "timestamp with time zone", "YES", 0 },
};

Test(db, migrate_from_empty)
{
	PGresult	*res;
	const char	*p[1];
	size_t		 i, n = sizeof stats_cols / sizeof stats_cols[0];

	cr_assert_eq(count("SELECT count(*) FROM information_schema.tables "
	    "WHERE table_schema = 'public'"), 0);
	migrate_all();
	for (i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		p[0] = tables[i];
		res = query("SELECT 1 FROM information_schema.tables WHERE "
		    "table_schema = 'public' AND table_name = $1", 1, p);
		cr_expect_eq(PQntuples(res), 1, "table %s missing", tables[i]);
		PQclear(res);
	}
	res = query("SELECT column_name, data_type, is_nullable, "
	    "column_default IS NOT NULL FROM information_schema.columns "
	    "WHERE table_schema = 'public' AND table_name = 'container_stats' "
	    "ORDER BY ordinal_position", 0, NULL);
	cr_assert_eq((size_t)PQntuples(res), n);
	for (i = 0; i < n; i++) {
		cr_expect_str_eq(PQgetvalue(res, i, 0), stats_cols[i].name);
		cr_expect_str_eq(PQgetvalue(res, i, 1), stats_cols[i].type,
		    "%s", stats_cols[i].name);
		cr_expect_str_eq(PQgetvalue(res, i, 2), stats_cols[i].nullable,
		    "%s", stats_cols[i].name);
		cr_expect_str_eq(PQgetvalue(res, i, 3),
		    stats_cols[i].has_default ? "t" : "f", "%s",
		    stats_cols[i].name);
	}
	PQclear(res);
	cr_expect_eq(count("SELECT count(*) FROM schema_migrations"),
	    (long)nmigrations);
	cr_expect_eq(count("SELECT count(*) FROM pg_constraint WHERE conname = "
	    "'container_stats_pkey'"), 1);
}

Test(db, rerun_applies_nothing)
{
	PGresult	*a, *b;
	int		 i;

	migrate_all();
	a = query("SELECT version, name, applied_at FROM schema_migrations "
	    "ORDER BY version", 0, NULL);
	migrate_all();
	b = query("SELECT version, name, applied_at FROM schema_migrations "
	    "ORDER BY version", 0, NULL);
	cr_assert_eq(PQntuples(a), (int)nmigrations);
	cr_assert_eq(PQntuples(b), PQntuples(a));
	for (i = 0; i < PQntuples(a); i++)
		cr_expect_str_eq(PQgetvalue(a, i, 2), PQgetvalue(b, i, 2));
	PQclear(a);
	PQclear(b);
}

Test(db, failing_migration_rolls_back)
{
	const struct migration	 bad[] = {
		{ 1, "001_schema", migrations[0].sql },
		{ 2, "002_broken", "CREATE TABLE half_done (a int);\n"
		    "SELECT no_such_function();\n" },
		{ 3, "003_never", "CREATE TABLE never (a int);\n" },
	};

	cr_assert_eq(db_migrate(db, bad, 3, err, sizeof err), -1);
	cr_expect(strncmp(err, "migration 002_broken: ", 22) == 0, "%s", err);
	cr_expect(strstr(err, "no_such_function") != NULL, "%s", err);
	cr_expect_eq(count("SELECT count(*) FROM schema_migrations"), 1);
	cr_expect_eq(count("SELECT max(version) FROM schema_migrations"), 1);
	cr_expect_eq(count("SELECT count(*) FROM information_schema.tables "
	    "WHERE table_name IN ('half_done', 'never')"), 0);
	/* The connection is usable afterwards; the real set still applies. */
	cr_assert(db_ok(db));
	migrate_all();
}

Test(db, downgrade_refused)
{
	migrate_all();
	run(check, "INSERT INTO schema_migrations (version, name) "
	    "VALUES (999, '999_future')");
	cr_assert_eq(db_migrate(db, migrations, nmigrations, err, sizeof err),
	    -1);
	cr_expect(strstr(err, "999") != NULL && strstr(err, "newer") != NULL,
	    "%s", err);
}

Test(db, migrations_out_of_order_refused)
{
	const struct migration	 m[] = {
		{ 2, "002_b", "SELECT 1" }, { 1, "001_a", "SELECT 1" },
	};

	cr_assert_eq(db_migrate(db, m, 2, err, sizeof err), -1);
	cr_expect(strstr(err, "001_a") != NULL, "%s", err);
}

Test(db, compiled_migration_matches_file)
{
	char	 path[512], *buf;
	FILE	*f;
	long	 n;

	snprintf(path, sizeof path, "%s/sql/%s.sql", BERTH_SRCDIR,
	    migrations[0].name);
	cr_assert_not_null(f = fopen(path, "rb"), "%s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, n + 1);
	cr_assert_eq(fread(buf, 1, n, f), (size_t)n);
	fclose(f);
	cr_expect_str_eq(migrations[0].sql, buf);
	free(buf);
}

/* ------------------------------------------------------------- metrics */

static void
fill(struct metric_row *r, size_t n, int64_t t0, const char *cid)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		memset(&r[i], 0, sizeof r[i]);
		r[i].ts_ms = t0 + (int64_t)i * 1000;
		r[i].container_id = cid;
		r[i].container_name = "berth-ws-1";
		r[i].workspace_id = "ws-1";
		r[i].status = "running";
		r[i].cpu_percent = 12.5 + i;
		r[i].cpu_seconds = 0.1 * i;
		r[i].memory_used = 1000000 + i;
		r[i].memory_limit = 268435456;
		r[i].memory_cache = 4096;
		r[i].network_rx = i;
		r[i].network_tx = 2 * i;
		r[i].block_read = 3 * i;
		r[i].block_write = 4 * i;
		r[i].pids = 7;
	}
}

Test(db, write_batch_exactly_once)
{
	struct metric_row	*r;

	migrate_all();
	r = calloc(1000, sizeof *r);
	fill(r, 1000, T0, "c1");
	cr_assert_eq(db_write_metrics(db, r, 1000, err, sizeof err), 0, "%s",
	    err);
	cr_expect_eq(count("SELECT count(*) FROM container_metrics"), 1000);
	/* A replay (the spool after a lost COMMIT reply) adds nothing. */
	cr_assert_eq(db_write_metrics(db, r, 1000, err, sizeof err), 0, "%s",
	    err);
	cr_expect_eq(count("SELECT count(*) FROM container_metrics"), 1000);
	/* Nor does the naive path, which shares the key. */
	cr_assert_eq(db_write_metrics_naive(db, r, 10, err, sizeof err), 0,
	    "%s", err);
	cr_expect_eq(count("SELECT count(*) FROM container_metrics"), 1000);
	/* Staging rows went with the commit. */
	cr_expect_eq(count("SELECT count(*) FROM container_metrics WHERE "
	    "ts = to_timestamp(1700000999)"), 1);
	cr_expect_eq(count("SELECT sum(pids) FROM container_metrics"), 7000);
	free(r);
}

Test(db, duplicates_within_a_batch)
{
	struct metric_row	 r[4];

	migrate_all();
	fill(r, 4, T0, "c1");
	r[2].ts_ms = r[1].ts_ms;
	r[3].container_id = "c2";
	r[3].ts_ms = r[1].ts_ms;
	cr_assert_eq(db_write_metrics(db, r, 4, err, sizeof err), 0, "%s",
	    err);
	cr_expect_eq(count("SELECT count(*) FROM container_metrics"), 3);
}

static const char *const nasty[] = {
	"tab\there", "new\nline", "back\\slash", "quote'single",
	"quote\"double", "cr\r\n", "\\N", "\\.", "", "unicode é ✓",
	"end\\",
};

static void
expect_round_trip(const char *cid)
{
	const char	*p[1] = { cid };
	PGresult	*res;
	size_t		 i, n = sizeof nasty / sizeof nasty[0];

	res = query("SELECT container_name, workspace_id, status FROM "
	    "container_metrics WHERE container_id = $1 ORDER BY ts", 1, p);
	cr_assert_eq((size_t)PQntuples(res), n);
	for (i = 0; i < n; i++) {
		cr_expect(!PQgetisnull(res, i, 0));
		cr_expect_str_eq(PQgetvalue(res, i, 0), nasty[i]);
		cr_expect_str_eq(PQgetvalue(res, i, 1), nasty[n - 1 - i]);
		cr_expect_str_eq(PQgetvalue(res, i, 2), nasty[i]);
	}
	PQclear(res);
}

Test(db, strings_round_trip)
{
	struct metric_row	 r[sizeof nasty / sizeof nasty[0]];
	size_t			 i, n = sizeof nasty / sizeof nasty[0];

	migrate_all();
	fill(r, n, T0, "batch\t\\id");
	for (i = 0; i < n; i++) {
		r[i].container_name = nasty[i];
		r[i].workspace_id = nasty[n - 1 - i];
		r[i].status = nasty[i];
	}
	cr_assert_eq(db_write_metrics(db, r, n, err, sizeof err), 0, "%s",
	    err);
	expect_round_trip("batch\t\\id");
	for (i = 0; i < n; i++)
		r[i].container_id = "naive\n'id";
	cr_assert_eq(db_write_metrics_naive(db, r, n, err, sizeof err), 0,
	    "%s", err);
	expect_round_trip("naive\n'id");
}

Test(db, nullable_fields_and_values)
{
	struct metric_row	 r[2];
	PGresult		*res;
	int			 c;

	migrate_all();
	fill(r, 2, T0 + 123, "c1");
	r[0].container_name = r[0].workspace_id = r[0].status = NULL;
	r[0].cpu_percent = r[0].cpu_seconds = NAN;
	r[0].memory_used = r[0].memory_limit = r[0].memory_cache = -1;
	r[0].network_rx = r[0].network_tx = -1;
	r[0].block_read = r[0].block_write = r[0].pids = -1;
	r[1].cpu_seconds = 1234.000001;
	r[1].memory_used = INT64_MAX;
	cr_assert_eq(db_write_metrics(db, r, 2, err, sizeof err), 0, "%s",
	    err);
	res = query("SELECT container_name, workspace_id, status, cpu_percent, "
	    "cpu_seconds, memory_used, memory_limit, memory_cache, network_rx, "
	    "network_tx, block_read, block_write, pids, "
	    "(extract(epoch FROM ts) * 1000)::bigint FROM container_metrics "
	    "ORDER BY ts", 0, NULL);
	cr_assert_eq(PQntuples(res), 2);
	for (c = 0; c < 13; c++)
		cr_expect(PQgetisnull(res, 0, c), "column %d not NULL", c);
	cr_expect_str_eq(PQgetvalue(res, 0, 13), "1700000000123");
	cr_expect_str_eq(PQgetvalue(res, 1, 13), "1700000001123");
	cr_expect_eq(strtod(PQgetvalue(res, 1, 4), NULL), 1234.000001);
	cr_expect_str_eq(PQgetvalue(res, 1, 5), "9223372036854775807");
	cr_expect_str_eq(PQgetvalue(res, 1, 12), "7");
	PQclear(res);
}

Test(db, bad_rows_refused_whole_batch)
{
	struct metric_row	 r[3];

	migrate_all();
	fill(r, 3, T0, "c1");
	r[2].container_id = NULL;
	cr_assert_eq(db_write_metrics(db, r, 3, err, sizeof err), -1);
	cr_expect(strstr(err, "row 2") != NULL, "%s", err);
	cr_expect_eq(count("SELECT count(*) FROM container_metrics"), 0);
	/* The connection is still good for the next batch. */
	cr_assert_eq(db_write_metrics(db, r, 2, err, sizeof err), 0, "%s",
	    err);
	cr_expect_eq(count("SELECT count(*) FROM container_metrics"), 2);
}

Test(db, write_fails_cleanly_without_schema)
{
	struct metric_row	 r[1];

	fill(r, 1, T0, "c1");
	cr_assert_eq(db_write_metrics(db, r, 1, err, sizeof err), -1);
	cr_expect(strstr(err, "container_metrics") != NULL, "%s", err);
	migrate_all();
	cr_assert_eq(db_write_metrics(db, r, 1, err, sizeof err), 0, "%s",
	    err);
}

Test(db, delete_before_removes_only_older)
{
	struct metric_row	*r;
	long			 deleted = -1;

	migrate_all();
	r = calloc(100, sizeof *r);
	fill(r, 100, T0, "c1");
	cr_assert_eq(db_write_metrics(db, r, 100, err, sizeof err), 0, "%s",
	    err);
	/* Rows at T0 + 0 .. 39 s go; the one exactly at the cutoff stays. */
	cr_assert_eq(db_delete_metrics_before(db, T0 + 40000, &deleted, err,
	    sizeof err), 0, "%s", err);
	cr_expect_eq(deleted, 40);
	cr_expect_eq(count("SELECT count(*) FROM container_metrics"), 60);
	cr_expect_eq(count("SELECT count(*) FROM container_metrics WHERE "
	    "ts < to_timestamp(1700000040)"), 0);
	cr_assert_eq(db_delete_metrics_before(db, T0, &deleted, err,
	    sizeof err), 0, "%s", err);
	cr_expect_eq(deleted, 0);
	free(r);
}

/* ---------------------------------------------------------- connection */

Test(db, open_bad_conninfo_fails)
{
	struct db	*d;
	char		 ci[600];

	err[0] = '\0';
	d = db_open("host=/nonexistent-berth port=1 dbname=x", err, sizeof err);
	cr_expect_null(d);
	cr_expect(strlen(err) > 0 && strchr(err, '\n') == NULL, "%s", err);
	err[0] = '\0';
	d = db_open("this is = not' a conninfo", err, sizeof err);
	cr_expect_null(d);
	cr_expect(strlen(err) > 0, "no error text");
	/* An explicit connect_timeout is the conninfo's own. */
	snprintf(ci, sizeof ci, "%s connect_timeout=2", conninfo);
	d = db_open(ci, err, sizeof err);
	cr_assert_not_null(d, "%s", err);
	db_close(d);
}

Test(db, copy_error_rolls_back)
{
	struct metric_row	 r[3];

	migrate_all();
	fill(r, 3, T0, "c1");
	r[1].container_name = "bad \xff utf-8";
	cr_assert_eq(db_write_metrics(db, r, 3, err, sizeof err), -1);
	cr_expect(strncmp(err, "write metrics: ", 15) == 0, "%s", err);
	cr_expect_eq(count("SELECT count(*) FROM container_metrics"), 0);
	cr_assert(db_ok(db));
	r[1].container_name = "fixed";
	cr_assert_eq(db_write_metrics(db, r, 3, err, sizeof err), 0, "%s",
	    err);
	cr_expect_eq(count("SELECT count(*) FROM container_metrics"), 3);
}

/* ------------------------------------------------------ system metrics */

static void
sysfill(struct sysmetric_row *r, size_t n, int64_t t0, const char *tags)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		r[i].ts_ms = t0 + (int64_t)i * 1000;
		r[i].name = "cpu_percent";
		r[i].value = 0.5 * i;
		r[i].tags = tags;
	}
}

Test(db, sysmetrics_exactly_once)
{
	struct sysmetric_row	 r[100];

	migrate_all();
	sysfill(r, 100, T0, "{\"core\":\"0\"}");
	cr_assert_eq(db_write_sysmetrics(db, r, 100, err, sizeof err), 0,
	    "%s", err);
	cr_expect_eq(count("SELECT count(*) FROM system_metrics"), 100);
	cr_assert_eq(db_write_sysmetrics(db, r, 100, err, sizeof err), 0,
	    "%s", err);
	cr_expect_eq(count("SELECT count(*) FROM system_metrics"), 100);
	/* The same object written another way is the same key. */
	r[0].tags = "{ \"core\" : \"0\" }";
	cr_assert_eq(db_write_sysmetrics(db, r, 1, err, sizeof err), 0,
	    "%s", err);
	cr_expect_eq(count("SELECT count(*) FROM system_metrics"), 100);
	/* Another core is another series. */
	sysfill(r, 100, T0, "{\"core\":\"1\"}");
	cr_assert_eq(db_write_sysmetrics(db, r, 100, err, sizeof err), 0,
	    "%s", err);
	cr_expect_eq(count("SELECT count(*) FROM system_metrics"), 200);
	cr_expect_eq(count("SELECT count(*) FROM system_metrics WHERE "
	    "ts = to_timestamp(1700000099) AND value = 49.5"), 2);
}

Test(db, sysmetrics_tags_round_trip)
{
	struct sysmetric_row	 r[3];
	PGresult		*res;

	migrate_all();
	sysfill(r, 3, T0 + 123, NULL);
	r[1].tags = "{\"path\":\"C:\\\\tmp\\tx\",\"n\":[1,2]}";
	r[2].tags = "{\"core\":\"7\",\"é\":\"✓\"}";
	cr_assert_eq(db_write_sysmetrics(db, r, 3, err, sizeof err), 0, "%s",
	    err);
	res = query("SELECT tags::text, tags->>'path', tags->>'core', "
	    "(extract(epoch FROM ts) * 1000)::bigint FROM system_metrics "
	    "ORDER BY ts", 0, NULL);
	cr_assert_eq(PQntuples(res), 3);
	cr_expect_str_eq(PQgetvalue(res, 0, 0), "{}");
	cr_expect_str_eq(PQgetvalue(res, 0, 3), "1700000000123");
	cr_expect_str_eq(PQgetvalue(res, 1, 1), "C:\\tmp\tx");
	cr_expect_str_eq(PQgetvalue(res, 2, 2), "7");
	/* jsonb's own order: shorter keys first. */
	cr_expect_str_eq(PQgetvalue(res, 2, 0),
	    "{\"é\": \"✓\", \"core\": \"7\"}");
	PQclear(res);
}

Test(db, sysmetrics_bad_tags_refused)
{
	static const char *const bad[] = {
		"[1,2]", "\"core\"", "42", "null", "not json", "{\"a\":",
	};
	struct sysmetric_row	 r[3];
	size_t			 i;

	migrate_all();
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		sysfill(r, 3, T0, "{}");
		r[1].tags = bad[i];
		cr_expect_eq(db_write_sysmetrics(db, r, 3, err, sizeof err),
		    -1, "%s accepted", bad[i]);
		cr_expect(strncmp(err, "write system metrics: ", 22) == 0,
		    "%s", err);
		cr_expect_eq(count("SELECT count(*) FROM system_metrics"), 0);
	}
	cr_expect(strstr(err, "jsonb") != NULL || strstr(err, "json") != NULL,
	    "%s", err);
	/* The connection is still good; the whole batch goes next time. */
	r[1].tags = "{}";
	cr_assert_eq(db_write_sysmetrics(db, r, 3, err, sizeof err), 0, "%s",
	    err);
	cr_expect_eq(count("SELECT count(*) FROM system_metrics"), 3);
}

Test(db, sysmetrics_nan_skipped)
{
	struct sysmetric_row	 r[4];

	migrate_all();
	sysfill(r, 4, T0, NULL);
	r[1].value = NAN;
	r[3].value = INFINITY;
	cr_assert_eq(db_write_sysmetrics(db, r, 4, err, sizeof err), 0, "%s",
	    err);
	cr_expect_eq(count("SELECT count(*) FROM system_metrics"), 3);
	cr_expect_eq(count("SELECT count(*) FROM system_metrics WHERE "
	    "value = 'Infinity'"), 1);
	/* A batch of nothing but NaN writes nothing and is no error. */
	sysfill(r, 4, T0 + 100000, NULL);
	r[0].value = r[1].value = r[2].value = r[3].value = NAN;
	cr_assert_eq(db_write_sysmetrics(db, r, 4, err, sizeof err), 0, "%s",
	    err);
	cr_expect_eq(count("SELECT count(*) FROM system_metrics"), 3);
	/* A row without a name is refused, with its index. */
	sysfill(r, 4, T0 + 200000, NULL);
	r[2].name = NULL;
	cr_assert_eq(db_write_sysmetrics(db, r, 4, err, sizeof err), -1);
	cr_expect(strstr(err, "row 2") != NULL, "%s", err);
	cr_expect_eq(count("SELECT count(*) FROM system_metrics"), 3);
}

/* ----------------------------------------------------------- retention */

Test(db, retention_both_tables)
{
	struct metric_row	*r;
	struct sysmetric_row	 s[50];
	long			 m = -1, n = -1;

	migrate_all();
	r = calloc(100, sizeof *r);
	fill(r, 100, T0, "c1");
	sysfill(s, 50, T0, NULL);
	cr_assert_eq(db_write_metrics(db, r, 100, err, sizeof err), 0, "%s",
	    err);
	cr_assert_eq(db_write_sysmetrics(db, s, 50, err, sizeof err), 0, "%s",
	    err);
	/* T0 + 0 .. 39 s go from both; the rows at the cutoff stay. */
	cr_assert_eq(db_retention(db, T0 + 40000, &m, &n, err, sizeof err), 0,
	    "%s", err);
	cr_expect_eq(m, 40);
	cr_expect_eq(n, 40);
	cr_expect_eq(count("SELECT count(*) FROM container_metrics"), 60);
	cr_expect_eq(count("SELECT count(*) FROM system_metrics"), 10);
	cr_expect_eq(count("SELECT count(*) FROM system_metrics WHERE "
	    "ts < to_timestamp(1700000040)"), 0);
	cr_assert_eq(db_retention(db, T0 + 40000, &m, &n, err, sizeof err), 0,
	    "%s", err);
	cr_expect_eq(m, 0);
	cr_expect_eq(n, 0);
	/* Past everything: all of both; the counts may be left out. */
	cr_assert_eq(db_retention(db, T0 + 1000000, NULL, NULL, err,
	    sizeof err), 0, "%s", err);
	cr_expect_eq(count("SELECT count(*) FROM container_metrics") +
	    count("SELECT count(*) FROM system_metrics"), 0);
	free(r);
}

Test(db, retention_fails_cleanly_without_schema)
{
	long	 m, n;

	cr_assert_eq(db_retention(db, T0, &m, &n, err, sizeof err), -1);
	cr_expect(strncmp(err, "retention: ", 11) == 0, "%s", err);
	cr_assert(db_ok(db));
	migrate_all();
	cr_assert_eq(db_retention(db, T0, &m, &n, err, sizeof err), 0, "%s",
	    err);
}

/* ------------------------------------------------------------- history */

/* What a history callback saw, copied. */
struct seen {
	size_t		 n, stop_after;
	int64_t		 ts[3000];
	char		 cid[3000][16];
	struct metric_row first;
	char		 first_name[32];
};

static int
collect(const struct metric_row *r, void *arg)
{
	struct seen	*s = arg;

	cr_assert_lt(s->n, 3000);
	if (s->n == 0) {
		s->first = *r;
		snprintf(s->first_name, sizeof s->first_name, "%s",
		    r->container_name != NULL ? r->container_name : "(null)");
	}
	s->ts[s->n] = r->ts_ms;
	snprintf(s->cid[s->n], sizeof s->cid[s->n], "%s", r->container_id);
	s->n++;
	return s->stop_after != 0 && s->n == s->stop_after;
}

/* Read one page into s (appending); the number of rows it gave. */
static size_t
page(struct seen *s, const struct history_query *q)
{
	size_t	 before = s->n;

	cr_assert_eq(db_history(db, q, collect, s, err, sizeof err), 0, "%s",
	    err);
	return s->n - before;
}

/* nc containers c0.. with n samples each, a second apart from t0. */
static void
write_grid(int nc, int n, int64_t t0)
{
	struct metric_row	*r;
	char			 ids[16][12];
	int			 c;

	cr_assert_leq(nc, 16);
	r = calloc(n, sizeof *r);
	for (c = 0; c < nc; c++) {
		snprintf(ids[c], sizeof ids[c], "c%d", c);
		fill(r, n, t0, ids[c]);
		cr_assert_eq(db_write_metrics(db, r, n, err, sizeof err), 0,
		    "%s", err);
	}
	free(r);
}

/* s holds rows in strictly descending (ts, container id) order. */
static void
expect_descending(const struct seen *s)
{
	size_t	 i;

	for (i = 1; i < s->n; i++)
		cr_assert(s->ts[i] < s->ts[i - 1] || (s->ts[i] == s->ts[i - 1]
		    && strcmp(s->cid[i], s->cid[i - 1]) < 0),
		    "row %zu (%lld %s) after (%lld %s)", i, (long long)s->ts[i],
		    s->cid[i], (long long)s->ts[i - 1], s->cid[i - 1]);
}

Test(db, history_all_newest_first)
{
	struct history_query	 q = { 0, NULL, 0, NULL, 1000 };
	struct seen		*s = calloc(1, sizeof *s);

	migrate_all();
	write_grid(3, 5, T0);
	cr_expect_eq(page(s, &q), 15);
	expect_descending(s);
	cr_expect_eq(s->ts[0], T0 + 4000);
	cr_expect_str_eq(s->cid[0], "c2");
	cr_expect_str_eq(s->cid[2], "c0");
	cr_expect_eq(s->ts[14], T0);
	/* Every column comes back (fill's row 4). */
	cr_expect_str_eq(s->first_name, "berth-ws-1");
	cr_expect_eq(s->first.cpu_percent, 16.5);
	cr_expect_eq(s->first.memory_used, 1000004);
	cr_expect_eq(s->first.block_write, 16);
	cr_expect_eq(s->first.pids, 7);
	/* An empty container id is every container too. */
	q.container_id = "";
	s->n = 0;
	cr_expect_eq(page(s, &q), 15);
	free(s);
}

Test(db, history_one_container_and_since)
{
	struct history_query	 q = { 0, "c1", 0, NULL, 1000 };
	struct seen		*s = calloc(1, sizeof *s);
	size_t			 i;

	migrate_all();
	write_grid(3, 5, T0);
	cr_expect_eq(page(s, &q), 5);
	for (i = 0; i < s->n; i++) {
		cr_expect_str_eq(s->cid[i], "c1");
		cr_expect_eq(s->ts[i], T0 + 4000 - (int64_t)i * 1000);
	}
	/* since is inclusive. */
	q.container_id = NULL;
	q.since_ms = T0 + 3000;
	s->n = 0;
	cr_expect_eq(page(s, &q), 6);
	cr_expect_eq(s->ts[5], T0 + 3000);
	q.container_id = "c0";
	s->n = 0;
	cr_expect_eq(page(s, &q), 2);
	q.container_id = "nosuch";
	s->n = 0;
	cr_expect_eq(page(s, &q), 0);
	free(s);
}

Test(db, history_limit)
{
	struct history_query	 q = { 0, NULL, 0, NULL, 4 };
	struct seen		*s = calloc(1, sizeof *s);

	migrate_all();
	write_grid(3, 5, T0);
	cr_expect_eq(page(s, &q), 4);
	q.limit = 1;
	s->n = 0;
	cr_expect_eq(page(s, &q), 1);
	/* The callback may stop early: no error. */
	q.limit = 1000;
	s->n = 0;
	s->stop_after = 2;
	cr_expect_eq(page(s, &q), 2);
	q.limit = 0;
	cr_expect_eq(db_history(db, &q, collect, s, err, sizeof err), -1);
	cr_expect(strstr(err, "limit") != NULL, "%s", err);
	q.limit = 1001;
	cr_expect_eq(db_history(db, &q, collect, s, err, sizeof err), -1);
	free(s);
}

Test(db, history_keyset_paging)
{
	struct history_query	 q = { T0, NULL, 0, NULL, 1000 };
	struct seen		*s = calloc(1, sizeof *s);
	size_t			 got, pages = 0;

	migrate_all();
	/* 2500 rows: five containers share each of 500 timestamps. */
	write_grid(5, 500, T0);
	while ((got = page(s, &q)) > 0) {
		pages++;
		cr_expect_eq(got, s->n <= 2000 ? 1000u : 500u);
		q.before_ms = s->ts[s->n - 1];
		q.before_cid = s->cid[s->n - 1];
	}
	cr_expect_eq(pages, 3);
	cr_assert_eq(s->n, 2500);
	/* Strictly descending over all pages: each row exactly once. */
	expect_descending(s);
	cr_expect_eq(s->ts[0], T0 + 499000);
	cr_expect_str_eq(s->cid[0], "c4");
	cr_expect_eq(s->ts[2499], T0);
	cr_expect_str_eq(s->cid[2499], "c0");
	/* A key in the middle of a timestamp's group. */
	q.before_ms = T0 + 10000;
	q.before_cid = "c2";
	s->n = 0;
	cr_expect_eq(page(s, &q), 52);
	cr_expect_str_eq(s->cid[0], "c1");
	cr_expect_str_eq(s->cid[1], "c0");
	cr_expect_eq(s->ts[2], T0 + 9000);
	free(s);
}

Test(db, history_exact_ms)
{
	static const int64_t	 when[] = {
		T0 + 123, 946684799999LL, 1LL, -1LL, 253402300799999LL,
	};
	struct metric_row	 r[5];
	struct history_query	 q = { -1000, NULL, 0, NULL, 10 };
	struct seen		*s = calloc(1, sizeof *s);
	size_t			 i;

	migrate_all();
	fill(r, 5, 0, "c1");
	for (i = 0; i < 5; i++)
		r[i].ts_ms = when[i];
	cr_assert_eq(db_write_metrics(db, r, 5, err, sizeof err), 0, "%s",
	    err);
	cr_expect_eq(page(s, &q), 5);
	cr_expect_eq(s->ts[0], 253402300799999LL);
	cr_expect_eq(s->ts[1], T0 + 123);
	cr_expect_eq(s->ts[2], 946684799999LL);
	cr_expect_eq(s->ts[3], 1);
	cr_expect_eq(s->ts[4], -1);
	/* The key is exact too: before T0 + 123 is not T0 + 123. */
	q.before_ms = T0 + 123;
	q.before_cid = "c1";
	s->n = 0;
	cr_expect_eq(page(s, &q), 3);
	cr_expect_eq(s->ts[0], 946684799999LL);
	q.before_ms = 0;
	q.since_ms = T0 + 123;
	s->n = 0;
	cr_expect_eq(page(s, &q), 2);
	q.since_ms = T0 + 124;
	s->n = 0;
	cr_expect_eq(page(s, &q), 1);
	free(s);
}

/* ----------------------------------------------------- container stats */


static void
db_fact(const struct lifecycle_fact *f)
{
	cr_assert_eq(db_lifecycle(db, f, err, sizeof err), 0, "%s %s: %s",
	    f->workspace_id, f->phase, err);
}

Test(db, container_stats_fixture)
{
	struct cstats	 cs;
	size_t		 i;

	migrate_all();
	feed_fixture(db_fact);
	cr_assert_eq(db_container_stats(db, &cs, err, sizeof err), 0, "%s",
	    err);
	expect_fixture_stats(&cs);
	expect_fixture_rows(&cs);
	for (i = 1; i < cs.nrecent; i++)
		cr_expect_gt(cs.recent[i - 1].received_ms,
		    cs.recent[i].received_ms);
	cstats_free(&cs);
	cr_expect_null(cs.recent);
	cr_expect_eq(cs.nusers, 0);
}

Test(db, container_stats_empty)
{
	struct cstats	 cs;

	migrate_all();
	cr_assert_eq(db_container_stats(db, &cs, err, sizeof err), 0, "%s",
	    err);
	cr_expect_eq(cs.startup.count + cs.create.count + cs.start.count +
	    cs.ready.count, 0);
	cr_expect(isnan(cs.startup.avg) && isnan(cs.startup.p50) &&
	    isnan(cs.startup.p95));
	cr_expect(isnan(cs.ready.avg) && isnan(cs.create.p95) &&
	    isnan(cs.start.p50));
	cr_expect_eq(cs.nusers, 0);
	cr_expect_eq(cs.failed, 0);
	cr_expect_eq(cs.nfailed, 0);
	cr_expect_eq(cs.nrecent, 0);
	cstats_free(&cs);
}

Test(db, container_stats_caps)
{
	struct lifecycle_fact	 f = { NULL, NULL, 0, NULL, NULL, "b", NULL };
	struct cstats		 cs;
	char			 ws[40], cid[16], user[16];
	int			 i;

	migrate_all();
	for (i = 0; i < 120; i++) {
		snprintf(ws, sizeof ws, "00000000-0000-4000-8000-%012d", i);
		snprintf(cid, sizeof cid, "c%d", i);
		snprintf(user, sizeof user, "u%d", i % 3);
		f.workspace_id = ws;
		f.container_id = cid;
		f.user_id = user;
		f.phase = "received";
		f.at_ms = T0 + (int64_t)i * 1000;
		db_fact(&f);
		f.phase = "stopped";
		f.at_ms += 10;
		db_fact(&f);
	}
	cr_assert_eq(db_container_stats(db, &cs, err, sizeof err), 0, "%s",
	    err);
	cr_expect_eq(cs.failed, 120);
	cr_expect_eq(cs.nfailed, 100);
	cr_assert_eq(cs.nrecent, 100);
	cr_expect_str_eq(cs.recent[0].container_id, "c119");
	cr_expect_str_eq(cs.recent[99].container_id, "c20");
	cr_expect_str_eq(cs.failed_rows[99].container_id, "c20");
	cr_assert_eq(cs.nusers, 3);
	cr_expect_str_eq(cs.users[0].user_id, "u0");
	cr_expect_eq(cs.users[2].count, 40);
	cr_expect(isnan(cs.users[0].avg_ms));
	cr_expect_eq(cs.startup.count, 0);
	cstats_free(&cs);
}

Test(db, container_stats_fails_cleanly_without_schema)
{
	struct cstats	 cs;

	cr_assert_eq(db_container_stats(db, &cs, err, sizeof err), -1);
	cr_expect(strstr(err, "container_stats") != NULL, "%s", err);
	cr_expect_eq(cs.nrecent, 0);
	cr_assert(db_ok(db));
	migrate_all();
	cr_assert_eq(db_container_stats(db, &cs, err, sizeof err), 0, "%s",
	    err);
	cstats_free(&cs);
}

/* ------------------------------------------- the same without a database */

static struct memstore	*mem;

static void
both_fact(const struct lifecycle_fact *f)
{
	db_fact(f);
	memstore_add_fact(mem, f);
}

/* Bit for bit, but NaN is NaN. */
static void
expect_same(double a, double b, const char *what)
{
	cr_expect(a == b || (isnan(a) && isnan(b)), "%s: sql %.17g, "
	    "memstore %.17g", what, a, b);
}

static void
expect_same_dist(const struct dist *a, const struct dist *b, const char *w)
{
	cr_expect_eq(a->count, b->count, "%s", w);
	expect_same(a->avg, b->avg, w);
	expect_same(a->p50, b->p50, w);
	expect_same(a->p95, b->p95, w);
}

static void
expect_same_rows(const struct lifecycle_row *a, const struct lifecycle_row *b,
    size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		cr_expect_str_eq(a[i].workspace_id, b[i].workspace_id);
		cr_expect_str_eq(a[i].container_id, b[i].container_id);
		cr_expect_str_eq(a[i].user_id, b[i].user_id);
		cr_expect_str_eq(a[i].s3_bucket, b[i].s3_bucket);
		cr_expect_str_eq(a[i].reason, b[i].reason);
		cr_expect(memcmp(&a[i].received_ms, &b[i].received_ms,
		    7 * sizeof(int64_t)) == 0, "row %zu (%s) times differ", i,
		    a[i].workspace_id);
	}
}

static void
expect_same_stats(const struct cstats *a, const struct cstats *b)
{
	size_t	 i;

	expect_same_dist(&a->startup, &b->startup, "startup");
	expect_same_dist(&a->create, &b->create, "create");
	expect_same_dist(&a->start, &b->start, "start");
	expect_same_dist(&a->ready, &b->ready, "ready");
	cr_assert_eq(a->nusers, b->nusers);
	for (i = 0; i < a->nusers; i++) {
		cr_expect_str_eq(a->users[i].user_id, b->users[i].user_id);
		cr_expect_eq(a->users[i].count, b->users[i].count);
		expect_same(a->users[i].avg_ms, b->users[i].avg_ms,
		    a->users[i].user_id);
	}
	cr_expect_eq(a->failed, b->failed);
	cr_assert_eq(a->nfailed, b->nfailed);
	expect_same_rows(a->failed_rows, b->failed_rows, a->nfailed);
	cr_assert_eq(a->nrecent, b->nrecent);
	expect_same_rows(a->recent, b->recent, a->nrecent);
}

Test(db, memstore_stats_same_as_sql)
{
	struct cstats	 a, b;

	migrate_all();
	mem = memstore_new(1000, 500);
	feed_fixture(both_fact);
	cr_assert_eq(db_container_stats(db, &a, err, sizeof err), 0, "%s",
	    err);
	memstore_stats(mem, &b);
	expect_same_stats(&a, &b);
	cstats_free(&a);
	cstats_free(&b);
	memstore_free(mem);
}

/* One page from both, compared row by row. */
static void
expect_same_page(struct seen *a, struct seen *b, const struct history_query *q)
{
	size_t	 i;

	a->n = b->n = 0;
	page(a, q);
	cr_assert_eq(memstore_history(mem, q, collect, b), 0);
	cr_assert_eq(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		cr_expect_eq(a->ts[i], b->ts[i]);
		cr_expect_str_eq(a->cid[i], b->cid[i]);
	}
}

Test(db, memstore_history_same_as_sql)
{
	struct history_query	 q = { 0, NULL, 0, NULL, 1000 };
	struct seen		*a = calloc(1, sizeof *a);
	struct seen		*b = calloc(1, sizeof *b);
	struct metric_row	*r;
	static const char *const ids[] = { "c-b", "c-a", "C-z", "c-a2" };
	size_t			 i, n = 300;

	migrate_all();
	mem = memstore_new(2000, 1);
	r = calloc(n, sizeof *r);
	for (i = 0; i < 4; i++) {
		fill(r, n, T0 + (int64_t)i * 500, ids[i]);
		cr_assert_eq(db_write_metrics(db, r, n, err, sizeof err), 0,
		    "%s", err);
	}
	for (i = 0; i < 4 * n; i++) {
		fill(r, 1, T0 + (int64_t)(i % 4) * 500 + (int64_t)(i / 4) *
		    1000, ids[i % 4]);
		memstore_add_sample(mem, r);
	}
	expect_same_page(a, b, &q);
	q.limit = 7;
	q.container_id = "c-a";
	expect_same_page(a, b, &q);
	q.container_id = NULL;
	q.since_ms = T0 + 150000;
	q.before_ms = T0 + 200500;
	q.before_cid = "c-a";
	q.limit = 1000;
	expect_same_page(a, b, &q);
	cr_expect_gt(a->n, 0);
	free(r);
	free(a);
	free(b);
	memstore_free(mem);
}
