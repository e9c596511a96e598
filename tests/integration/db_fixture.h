/*
 * A real PostgreSQL for the database tests (test_db.c, test_db_query.c):
 * tests/start-postgres.sh starts one throwaway cluster for the whole run
 * of a program (a report hook, before any test process exists) on port
 * 5433 or $BERTH_TEST_PG_PORT, and every test gets a fresh database of
 * its own.  A cluster that cannot start fails every test with the
 * reason; nothing is skipped.
 *
 *	TestSuite(name, .init = db_fixture_setup,
 *	    .fini = db_fixture_teardown, .timeout = 120);
 */
#ifndef BERTH_DB_FIXTURE_H
#define BERTH_DB_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "db.h"
#include "lifecycle_fixture.h"	/* T0 */

/*
 * Per test, from db_fixture_setup: the conninfo of the test's own
 * database, the connection of the code under test, and the tests' own
 * to look behind its back.
 */
extern char		 conninfo[512];
extern struct db	*db;
extern PGconn		*check;

void	db_fixture_setup(void);
void	db_fixture_teardown(void);

/* Run a statement (no parameters) on c; fails the test on error. */
void	run(PGconn *c, const char *sql);
/* Apply every migration; fails the test on error. */
void	migrate_all(void);
/* n samples of container cid, a second apart from t0, every field set. */
void	fill(struct metric_item *, size_t n, int64_t t0, char *cid);

#endif
