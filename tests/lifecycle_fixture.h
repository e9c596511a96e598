/*
 * One set of lifecycle facts with every statistic it must give, worked
 * out by hand: the database (tests/integration/test_db_query.c) and the
 * memory store (tests/unit/test_memstore.c) are both held to it.
 */
#ifndef BERTH_LIFECYCLE_FIXTURE_H
#define BERTH_LIFECYCLE_FIXTURE_H

#include <stddef.h>

#include "query.h"

#define T0		1700000000000LL	/* ms: 2023-11-14T22:13:20Z */
#define NFIXTURE	10

typedef void	(*fact_fn)(const struct body_lifecycle *);

/* Every fact of the fixture to add(), then replays and strays that
 * must change nothing. */
void	feed_fixture(fact_fn add);
/* Criterion expectations on what the fixture gives. */
void	expect_fixture_stats(const struct cstats *);
void	expect_fixture_rows(const struct cstats *);

#endif
