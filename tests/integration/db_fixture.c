/*
 * The throwaway PostgreSQL of the database tests (db_fixture.h).
 * Criterion runs each test in a process of its own, forked after the
 * report hooks: what the PRE_ALL hook learns reaches the tests only
 * through the environment it leaves them.
 */
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db_fixture.h"

#define START_PG	BERTH_SRCDIR "/tests/start-postgres.sh"
#define PG_PORT		"5433"
#define ENV_PORT	"BERTH_TEST_PG_PORT"	/* overrides PG_PORT */
#define ENV_CONNINFO	"BERTH_TEST_PG_CONNINFO"
#define ENV_FAILURE	"BERTH_TEST_PG_FAILURE"

static char	 pgdir[] = "/tmp/berth-test-db.XXXXXX";
static int	 pg_started;

/* Per test. */
static char	 dbname[64];
char		 conninfo[512];
struct db	*db;
PGconn		*check;

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
		fprintf(stderr, "db_fixture: cleanup of %s failed\n", pgdir);
}

/* ------------------------------------------------------------ per test */

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

void
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

void
migrate_all(void)
{
	char	 err[1024];

	cr_assert_eq(db_migrate(db, migrations, nmigrations, err, sizeof err),
	    0, "migrate: %s", err);
}

void
db_fixture_setup(void)
{
	const char	*base, *fail;
	PGconn		*admin;
	char		 sql[128], err[1024];

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

void
db_fixture_teardown(void)
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

/* ------------------------------------------------------------ samples */

void
fill(struct metric_item *r, size_t n, int64_t t0, char *cid)
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
