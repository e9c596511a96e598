/*
 * Unit tests for the resource limits of a workspace request
 * (common/wscheck.c: ws_check_limits, ws_mb_to_bytes, and the limits
 * part of ws_check_create).  Table driven: each rule on both sides of
 * each bound, and values no request should ever carry (NaN, infinities,
 * INT64_MAX, INT64_MIN, 2^44 MB).  The build's -fsanitize=undefined
 * makes a signed overflow abort the test.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "wscheck.h"
#include "xmalloc.h"

#define BIG	(INT64_C(1) << 44)	/* 2^44 MB: 2^64 bytes */
#define OK	0
#define BAD	(-1)

/* max_cpus 4, max_memory_mb 8192, max_memory_swap_mb 16384. */
static struct ws_type
type(int unlimited)
{
	struct ws_type	t;

	memset(&t, 0, sizeof(t));
	t.name = (char *)"demo";
	t.enabled = 1;
	t.cpus = 2;
	t.memory_mb = 2048;
	t.max_cpus = 4;
	t.max_memory_mb = 8192;
	t.max_memory_swap_mb = 16384;
	t.allow_unlimited_swap = unlimited;
	return t;
}

struct row {
	int		 line;
	int		 unlimited;	/* allow_unlimited_swap */
	double		 cpus;
	int64_t		 mem, swap, resv, cur;
	int		 want;
	const char	*needle;	/* in err when BAD */
};

#define R(u, c, m, s, r, cur, w, n)	{ __LINE__, u, c, m, s, r, cur, w, n }

static const struct row rows[] = {
	/* all unchanged */
	R(0, 0, 0, 0, 0, 2048, OK, NULL),
	/* cpus: 0 or finite in [0.01, max_cpus] */
	R(0, 0.01, 0, 0, 0, 2048, OK, NULL),
	R(0, 4, 0, 0, 0, 2048, OK, NULL),
	R(0, -0.0, 0, 0, 0, 2048, OK, NULL),
	R(0, 0.0099, 0, 0, 0, 2048, BAD, "cpus must be 0 (unchanged) or "
	    "between 0.01 and 4 for type demo"),
	R(0, DBL_MIN, 0, 0, 0, 2048, BAD, "cpus"),
	R(0, 4.0001, 0, 0, 0, 2048, BAD, "between 0.01 and 4"),
	R(0, -0.01, 0, 0, 0, 2048, BAD, "cpus"),
	R(0, -1, 0, 0, 0, 2048, BAD, "cpus"),
	R(0, DBL_MAX, 0, 0, 0, 2048, BAD, "cpus"),
	R(0, -DBL_MAX, 0, 0, 0, 2048, BAD, "cpus"),
	R(0, NAN, 0, 0, 0, 2048, BAD, "cpus"),
	R(0, -NAN, 0, 0, 0, 2048, BAD, "cpus"),
	R(0, INFINITY, 0, 0, 0, 2048, BAD, "cpus"),
	R(0, -INFINITY, 0, 0, 0, 2048, BAD, "cpus"),
	/* memory: 0 or [6, max_memory_mb] */
	R(0, 0, 6, 0, 0, 2048, OK, NULL),
	R(0, 0, 8192, 0, 0, 2048, OK, NULL),
	R(0, 0, 5, 0, 0, 2048, BAD, "memory must be 0 (unchanged) or "
	    "between 6 and 8192 MB for type demo"),
	R(0, 0, 1, 0, 0, 2048, BAD, "memory must"),
	R(0, 0, -1, 0, 0, 2048, BAD, "memory must"),
	R(0, 0, 8193, 0, 0, 2048, BAD, "between 6 and 8192 MB"),
	R(0, 0, BIG, 0, 0, 2048, BAD, "memory must"),
	R(0, 0, INT64_MAX, 0, 0, 2048, BAD, "memory must"),
	R(0, 0, INT64_MIN, 0, 0, 2048, BAD, "memory must"),
	R(0, 0, INT64_MIN + 1, 0, 0, 2048, BAD, "memory must"),
	/* swap -1: only with allow_unlimited_swap */
	R(0, 0, 0, -1, 0, 2048, BAD, "memorySwap -1 (unlimited) is not "
	    "allowed for type demo"),
	R(1, 0, 0, -1, 0, 2048, OK, NULL),
	R(1, 0, 8192, -1, 8192, 2048, OK, NULL),
	R(0, 0, 0, -2, 0, 2048, BAD, "memorySwap must be 0 (no swap) or "
	    "between memory (2048) and 16384 MB for type demo"),
	R(1, 0, 0, -2, 0, 2048, BAD, "memorySwap must be 0 (no swap), -1 "
	    "(unlimited) or between memory (2048) and 16384 MB"),
	R(0, 0, 0, INT64_MIN, 0, 2048, BAD, "memorySwap"),
	R(1, 0, 0, INT64_MIN, 0, 2048, BAD, "memorySwap"),
	/* swap: [memory in force, max_memory_swap_mb] */
	R(0, 0, 0, 2048, 0, 2048, OK, NULL),
	R(0, 0, 0, 16384, 0, 2048, OK, NULL),
	R(0, 0, 0, 2047, 0, 2048, BAD, "between memory (2048) and 16384"),
	R(0, 0, 0, 1, 0, 2048, BAD, "memorySwap"),
	R(0, 0, 0, 16385, 0, 2048, BAD, "between memory (2048) and 16384"),
	R(1, 0, 0, 16385, 0, 2048, BAD, "memorySwap"),
	R(0, 0, 0, BIG, 0, 2048, BAD, "memorySwap"),
	R(0, 0, 0, INT64_MAX, 0, 2048, BAD, "memorySwap"),
	/* ... the memory asked for when there is one, else the current */
	R(0, 0, 4096, 4096, 0, 2048, OK, NULL),
	R(0, 0, 4096, 4095, 0, 2048, BAD, "between memory (4096) and 16384"),
	R(0, 0, 100, 100, 0, 2048, OK, NULL),
	R(0, 0, 0, 4095, 0, 4096, BAD, "between memory (4096) and 16384"),
	R(0, 0, 0, 4096, 0, 4096, OK, NULL),
	R(0, 0, 0, 16384, 0, INT64_MAX, BAD, "memorySwap"),
	/* reservation: [0, memory in force] */
	R(0, 0, 0, 0, 2048, 2048, OK, NULL),
	R(0, 0, 0, 0, 2049, 2048, BAD, "memoryReservation must be between 0 "
	    "and memory (2048 MB)"),
	R(0, 0, 0, 0, -1, 2048, BAD, "memoryReservation must be between 0"),
	R(0, 0, 0, 0, INT64_MIN, 2048, BAD, "memoryReservation"),
	R(0, 0, 0, 0, INT64_MAX, 2048, BAD, "memoryReservation"),
	R(0, 0, 0, 0, BIG, 2048, BAD, "memoryReservation"),
	R(0, 0, 100, 0, 100, 2048, OK, NULL),
	R(0, 0, 100, 0, 101, 2048, BAD, "and memory (100 MB)"),
	R(0, 0, 4096, 0, 4096, 2048, OK, NULL),
	R(0, 0, 0, 0, 513, 512, BAD, "and memory (512 MB)"),
	R(0, 0, 0, 0, 512, 512, OK, NULL),
	R(0, 0, 0, 0, 1, INT64_MIN, BAD, "memoryReservation"),
	/* everything at its ceiling */
	R(0, 4, 8192, 16384, 8192, 2048, OK, NULL),
	R(1, 4, 8192, -1, 8192, INT64_MAX, OK, NULL),
	/* the first bad field is the one named */
	R(0, NAN, INT64_MAX, INT64_MIN, INT64_MIN, 2048, BAD, "cpus"),
	R(0, 1, INT64_MAX, INT64_MIN, INT64_MIN, 2048, BAD, "memory must"),
	R(0, 1, 6, INT64_MIN, INT64_MIN, 2048, BAD, "memorySwap"),
};

Test(wscheck, limits_table)
{
	const struct row	*r;
	struct ws_type		 t;
	char			 err[256];
	size_t			 i;
	int			 got;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		r = &rows[i];
		t = type(r->unlimited);
		snprintf(err, sizeof(err), "untouched");
		got = ws_check_limits(&t, r->cpus, r->mem, r->swap, r->resv,
		    r->cur, err, sizeof(err));
		cr_expect_eq(got, r->want, "line %d: got %d (%s)", r->line,
		    got, err);
		if (r->want == BAD && got == BAD)
			cr_expect(strstr(err, r->needle) != NULL,
			    "line %d: \"%s\" lacks \"%s\"", r->line, err,
			    r->needle);
	}
}

/* A short buffer is truncated, never overrun (ASan watches). */
Test(wscheck, limits_short_err)
{
	struct ws_type	t = type(0);
	char		err[8];

	cr_assert_eq(ws_check_limits(&t, 0, 0, 0, -1, 2048, err,
	    sizeof(err)), -1);
	cr_assert_str_eq(err, "memoryR");
}

/* ------------------------------------------------------------ bytes */

Test(wscheck, mb_to_bytes)
{
	static const struct {
		int64_t	mb;
		int	want;
		int64_t	bytes;
	} rows_b[] = {
		{ 0, 0, 0 },
		{ 1, 0, 1048576 },
		{ 6, 0, 6291456 },
		{ -1, 0, -1 },			/* unlimited stays -1 */
		{ 8192, 0, INT64_C(8589934592) },
		{ INT64_MAX / 1048576, 0, INT64_MAX / 1048576 * 1048576 },
		{ INT64_MAX / 1048576 + 1, -1, 0 },
		{ INT64_C(1) << 43, -1, 0 },
		{ BIG, -1, 0 },
		{ INT64_MAX, -1, 0 },
		{ -2, -1, 0 },
		{ INT64_MIN, -1, 0 },
		{ INT64_MIN + 1, -1, 0 },
	};
	int64_t	bytes;
	size_t	i;

	for (i = 0; i < sizeof(rows_b) / sizeof(rows_b[0]); i++) {
		bytes = 42;
		cr_expect_eq(ws_mb_to_bytes(rows_b[i].mb, &bytes),
		    rows_b[i].want, "%lld", (long long)rows_b[i].mb);
		cr_expect_eq(bytes, rows_b[i].want == 0 ? rows_b[i].bytes : 42,
		    "%lld: %lld", (long long)rows_b[i].mb, (long long)bytes);
	}
	cr_assert_eq(INT64_MAX / 1048576, INT64_C(8796093022207));
}

/* ------------------------------------------------------------ create */

/* A create request for type vscode (2048 MB, ceilings 4 CPUs, 8192 MB,
 * swap 16384 after config_finish). */
static int
create(const struct berth_config *cfg, int64_t mem, int64_t swap,
    int64_t resv, char *err, size_t errlen)
{
	struct body_ws_create	b;
	int			rc;

	memset(&b, 0, sizeof(b));
	b.owner = (char *)"alice";
	b.type = (char *)"vscode";
	b.project_id = b.s3_bucket = (char *)"";
	b.tier = xstrdup("");
	b.memory_mb = mem;
	b.memory_swap_mb = swap;
	b.memory_reservation_mb = resv;
	rc = ws_check_create(cfg, &b, err, errlen);
	free(b.tier);
	return rc;
}

Test(wscheck, create_limits_against_type_memory)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };
	char			err[256];

	config_init(&cfg);
	cr_assert_eq(config_finish(&cfg, &errs), 0);
	cr_assert_eq(create(&cfg, 0, 0, 0, err, sizeof(err)), 0, "%s", err);
	/* memory 0 is the type's 2048 */
	cr_assert_eq(create(&cfg, 0, 2048, 2048, err, sizeof(err)), 0, "%s",
	    err);
	cr_assert_eq(create(&cfg, 0, 2047, 0, err, sizeof(err)), -1);
	cr_assert(strstr(err, "between memory (2048) and 16384 MB") != NULL,
	    "%s", err);
	cr_assert_eq(create(&cfg, 0, 0, 2049, err, sizeof(err)), -1);
	cr_assert(strstr(err, "and memory (2048 MB)") != NULL, "%s", err);
	/* the type's ceilings */
	cr_assert_eq(create(&cfg, 8192, 16384, 8192, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_eq(create(&cfg, 8192, 16385, 0, err, sizeof(err)), -1);
	cr_assert_eq(create(&cfg, 0, -1, 0, err, sizeof(err)), -1);
	cr_assert(strstr(err, "-1 (unlimited) is not allowed") != NULL, "%s",
	    err);
	cr_assert_eq(create(&cfg, INT64_MAX, INT64_MIN, INT64_MIN, err,
	    sizeof(err)), -1);
	config_free(&cfg);

	config_init(&cfg);
	cr_assert_eq(config_set(&cfg, "type.vscode.allow_unlimited_swap",
	    "true", err, sizeof(err)), 0);
	cr_assert_eq(config_finish(&cfg, &errs), 0);
	cr_assert_eq(create(&cfg, 0, -1, 0, err, sizeof(err)), 0, "%s", err);
	config_free(&cfg);
}
