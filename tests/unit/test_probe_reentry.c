/*
 * Tests of the workspace endpoint prober (workers/healthmon/probe.c)
 * torn down or driven again while it works: stopping and freeing with
 * attempts in flight, and callbacks that start, stop and free.  Nothing
 * may call back after a stop or a free, and every connection in flight
 * is closed.  What a probe concludes is tested in test_probe.c.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <string.h>

#include <criterion/criterion.h>

#include "probe.h"
#include "probe_fixture.h"

static int	 other_port;	/* where a callback sends its new probe */

TestSuite(probe, .init = fixture_setup, .fini = fixture_teardown,
    .timeout = 20);

/* ------------------------------------------------------------ tests */

Test(probe, stop_before_up)
{
	struct server	*s;

	s = server_new(AF_INET, 300, OK_200);
	cr_assert_eq(probe_start(set, "k0", "127.0.0.1", s->port, "/",
	    5000), 0);
	run_for(100);
	probe_stop(set, "k0");
	cr_assert_eq(probe_count(set), 0);
	probe_stop(set, "k0");
	probe_stop(set, "k1");
	run_for(500);
	cr_assert_eq(s->accepted, 0);
	cr_assert_eq(got.nok + got.nfail, 0);
}

Test(probe, stop_in_flight)
{
	struct server	*s;

	s = server_new(AF_INET, 0, NULL);
	cr_assert_eq(probe_start(set, "k0", "127.0.0.1", s->port, "/",
	    300), 0);
	cr_assert(run_until(&s->accepted, 1, 1000));
	probe_stop(set, "k0");
	cr_assert(run_until(&s->gone, 1, 1000));
	run_for(400);
	cr_assert_eq(s->accepted, 1);
	cr_assert_eq(got.nok + got.nfail, 0);
}

static void
stop_k1(const char *key)
{
	probe_stop(set, "k1");
	probe_stop(set, key);	/* already dropped: nothing */
}

Test(probe, callback_stops_other_key)
{
	struct server	*up, *refused;

	up = server_new(AF_INET, 100, OK_200);
	refused = server_new(AF_INET, NEVER, OK_200);
	ok_hook = stop_k1;
	cr_assert_eq(probe_start(set, "k0", "127.0.0.1", up->port, "/",
	    5000), 0);
	cr_assert_eq(probe_start(set, "k1", "127.0.0.1", refused->port, "/",
	    300), 0);
	cr_assert(run_until(&got.nok, 1, 2000));
	cr_assert_eq(probe_count(set), 0);
	run_for(500);
	cr_assert_eq(got.ok[0], 1);
	cr_assert_eq(got.nok + got.nfail, 1);
}

static void
start_k2(const char *key)
{
	if (strcmp(key, "k0") == 0)
		cr_assert_eq(probe_start(set, "k2", "127.0.0.1", other_port,
		    "/", 5000), 0);
}

Test(probe, callback_starts_new_key)
{
	struct server	*a, *b;

	a = server_new(AF_INET, 100, OK_200);
	b = server_new(AF_INET, 0, OK_200);
	other_port = b->port;
	ok_hook = start_k2;
	cr_assert_eq(probe_start(set, "k0", "127.0.0.1", a->port, "/",
	    5000), 0);
	cr_assert(run_until(&got.nok, 2, 2000));
	cr_assert_eq(got.ok[0], 1);
	cr_assert_eq(got.ok[2], 1);
	cr_assert_eq(b->accepted, 1);
	cr_assert_eq(probe_count(set), 0);
}

static void
restart_own_key(const char *key)
{
	fail_hook = NULL;
	cr_assert_eq(probe_start(set, key, "127.0.0.1", other_port, "/",
	    5000), 0);
}

Test(probe, fail_callback_restarts_own_key)
{
	struct server	*refused, *up;

	refused = server_new(AF_INET, NEVER, OK_200);
	up = server_new(AF_INET, 0, OK_200);
	other_port = up->port;
	fail_hook = restart_own_key;
	cr_assert_eq(probe_start(set, "k0", "127.0.0.1", refused->port, "/",
	    200), 0);
	cr_assert(run_until(&got.nok, 1, 2000));
	cr_assert_eq(got.nfail, 1);
	cr_assert_not_null(strstr(got.why[0], "refused"));
	cr_assert_eq(probe_count(set), 0);
}

Test(probe, free_with_attempts_in_flight)
{
	struct server	*silent, *refused, *late;

	silent = server_new(AF_INET, 0, NULL);
	refused = server_new(AF_INET, NEVER, OK_200);
	late = server_new(AF_INET, 5000, OK_200);
	cr_assert_eq(probe_start(set, "k0", "127.0.0.1", silent->port, "/",
	    10000), 0);
	cr_assert_eq(probe_start(set, "k1", "127.0.0.1", refused->port, "/",
	    10000), 0);
	cr_assert_eq(probe_start(set, "k2", "127.0.0.1", late->port, "/",
	    10000), 0);
	cr_assert(run_until(&silent->accepted, 1, 1000));
	run_for(100);
	probe_set_free(set);
	set = NULL;
	cr_assert(run_until(&silent->gone, 1, 1000));
	run_for(100);
	cr_assert_eq(silent->accepted, 1);
	cr_assert_eq(got.nok + got.nfail, 0);
}

static void
free_set(const char *key)
{
	probe_set_free(set);
	set = NULL;
}

Test(probe, callback_frees_set)
{
	struct server	*up, *silent, *refused;

	up = server_new(AF_INET, 100, OK_200);
	silent = server_new(AF_INET, 0, NULL);
	refused = server_new(AF_INET, NEVER, OK_200);
	ok_hook = free_set;
	cr_assert_eq(probe_start(set, "k0", "127.0.0.1", up->port, "/",
	    5000), 0);
	cr_assert_eq(probe_start(set, "k1", "127.0.0.1", silent->port, "/",
	    5000), 0);
	cr_assert_eq(probe_start(set, "k2", "127.0.0.1", refused->port, "/",
	    5000), 0);
	cr_assert(run_until(&got.nok, 1, 2000));
	cr_assert_null(set);
	cr_assert(run_until(&silent->gone, 1, 1000));
	run_for(100);
	cr_assert_eq(got.nok, 1);
	cr_assert_eq(got.nfail, 0);
}

