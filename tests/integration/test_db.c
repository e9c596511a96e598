/*
 * The statswriter's database layer (workers/statswriter/db.c) against a
 * real PostgreSQL (db_fixture.h): migrations, batched writes of
 * container and system metrics, retention.  What db_query.c reads back
 * is test_db_query.c's.
 */
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_fixture.h"
#include "query.h"

static char	 err[1024];

/* ------------------------------------------------------------ helpers */

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

TestSuite(db, .init = db_fixture_setup, .fini = db_fixture_teardown,
    .timeout = 120);

/* ---------------------------------------------------------- migrations */

static const char *const tables[] = {
	"schema_migrations", "workspaces", "container_stats",
	"container_metrics", "system_metrics", "system_events",
	"system_alerts", "volume_backups", "job_runs",
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

Test(db, write_batch_exactly_once)
{
	struct metric_item	*r;

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

/* The scheduler's runs: one row per run, a replay adds nothing. */
Test(db, job_run_exactly_once)
{
	struct body_job_run	b = { "orphaned-containers", 1700000000123LL,
				    250, "failed", "removed", 3, 1, 1,
				    "abc: engine refused" };
	PGresult		*res;

	migrate_all();
	cr_assert_eq(db_job_run(db, &b, err, sizeof err), 0, "%s", err);
	cr_assert_eq(db_job_run(db, &b, err, sizeof err), 0, "%s", err);
	cr_expect_eq(count("SELECT count(*) FROM job_runs"), 1);
	res = query("SELECT job, duration_ms, result, checked, acted, failed, "
	    "error, extract(epoch FROM started_at) * 1000 FROM job_runs", 0,
	    NULL);
	cr_expect_str_eq(PQgetvalue(res, 0, 0), "orphaned-containers");
	cr_expect_str_eq(PQgetvalue(res, 0, 1), "250");
	cr_expect_str_eq(PQgetvalue(res, 0, 2), "failed");
	cr_expect_str_eq(PQgetvalue(res, 0, 4), "1");
	cr_expect_str_eq(PQgetvalue(res, 0, 6), "abc: engine refused");
	cr_expect_eq(strtoll(PQgetvalue(res, 0, 7), NULL, 10), 1700000000123LL);
	PQclear(res);
	b.start_ms += 60000;
	b.error = "";
	cr_assert_eq(db_job_run(db, &b, err, sizeof err), 0, "%s", err);
	cr_expect_eq(count("SELECT count(*) FROM job_runs WHERE error IS "
	    "NULL"), 1);
}

/* A backup record upserted by its id, its remote copy with it; one
 * spooled before migration 7 (no remote fields) leaves them NULL. */
Test(db, backup_record_with_its_remote_copy)
{
	struct backup_item	b = { "0f8c-1", "p1", "alice", "berth-project-p1",
				    "done", "zstd", "live", "0f8c-1.tar.zst",
				    "ab", "", 10, 5, 2, 1700000000000LL,
				    1700000001000LL, "uploading", "p1/0f8c-1.tar.zst",
				    "" };
	PGresult		*res;

	migrate_all();
	cr_assert_eq(db_backup(db, &b, err, sizeof err), 0, "%s", err);
	b.remote_state = "failed";
	b.remote_error = "p1/0f8c-1.tar.zst: HTTP 503";
	cr_assert_eq(db_backup(db, &b, err, sizeof err), 0, "%s", err);
	cr_expect_eq(count("SELECT count(*) FROM volume_backups"), 1);
	res = query("SELECT remote_state, remote_key, remote_error FROM "
	    "volume_backups", 0, NULL);
	cr_expect_str_eq(PQgetvalue(res, 0, 0), "failed");
	cr_expect_str_eq(PQgetvalue(res, 0, 1), "p1/0f8c-1.tar.zst");
	cr_expect_str_eq(PQgetvalue(res, 0, 2), "p1/0f8c-1.tar.zst: HTTP 503");
	PQclear(res);
	b.id = "0f8c-2";
	b.remote_state = b.remote_key = b.remote_error = NULL;
	cr_assert_eq(db_backup(db, &b, err, sizeof err), 0, "%s", err);
	cr_expect_eq(count("SELECT count(*) FROM volume_backups WHERE "
	    "backup_id = '0f8c-2' AND remote_state IS NULL"), 1);
	b.id = "0f8c-3";
	b.remote_state = "lost";
	cr_expect_eq(db_backup(db, &b, err, sizeof err), -1);
}

Test(db, duplicates_within_a_batch)
{
	struct metric_item	 r[4];

	migrate_all();
	fill(r, 4, T0, "c1");
	r[2].ts_ms = r[1].ts_ms;
	r[3].container_id = "c2";
	r[3].ts_ms = r[1].ts_ms;
	cr_assert_eq(db_write_metrics(db, r, 4, err, sizeof err), 0, "%s",
	    err);
	cr_expect_eq(count("SELECT count(*) FROM container_metrics"), 3);
}

static char *const nasty[] = {
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
	struct metric_item	 r[sizeof nasty / sizeof nasty[0]];
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
	struct metric_item	 r[2];
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
	struct metric_item	 r[3];

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
	struct metric_item	 r[1];

	fill(r, 1, T0, "c1");
	cr_assert_eq(db_write_metrics(db, r, 1, err, sizeof err), -1);
	cr_expect(strstr(err, "container_metrics") != NULL, "%s", err);
	migrate_all();
	cr_assert_eq(db_write_metrics(db, r, 1, err, sizeof err), 0, "%s",
	    err);
}

Test(db, delete_before_removes_only_older)
{
	struct metric_item	*r;
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
	struct metric_item	 r[3];

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
sysfill(struct sysmetric_item *r, size_t n, int64_t t0, char *tags)
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
	struct sysmetric_item	 r[100];

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
	struct sysmetric_item	 r[3];
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
	static char *const bad[] = {
		"[1,2]", "\"core\"", "42", "null", "not json", "{\"a\":",
	};
	struct sysmetric_item	 r[3];
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
	struct sysmetric_item	 r[4];

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
	struct metric_item	*r;
	struct sysmetric_item	 s[50];
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
