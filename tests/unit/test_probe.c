/*
 * Tests of what the workspace endpoint prober (workers/healthmon/probe.c)
 * concludes, against servers the test runs on the prober's own event
 * loop, on 127.0.0.1 and ::1 only: a listener that comes up late (the
 * startup time is measured to within tens of milliseconds), 503 before
 * 200, good and bad status lines, a server that never answers, a
 * refused port, a probe restarted with another address, fifty at once,
 * one-shot probes, the argument checks and the key limit.  Stopping and
 * freeing with attempts in flight, and callbacks that start, stop and
 * free, are in test_probe_reentry.c.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "probe.h"
#include "probe_fixture.h"
#include "util.h"

#define SLACK_MS	60	/* up this soon after listen() */
/* Fifty servers and fifty probes in one process get less of a loaded
 * machine (make -j check under the sanitizers) than one: the brief for
 * them is that all come up, in about the time one would. */
#define SLACK_MANY_MS	150

TestSuite(probe, .init = fixture_setup, .fini = fixture_teardown,
    .timeout = 20);

/* ------------------------------------------------------------ tests */

/* Up within SLACK_MS of the server's listen(), on the one connection
 * that was accepted, with exactly the request we promise. */
static void
check_up_after_listen(int i, const struct server *s, const char *hostport,
    const char *path)
{
	char	want[512];

	cr_assert_eq(got.ok[i], 1);
	cr_assert_geq(got.at[i], s->listen_wall);
	cr_assert_leq(got.at[i], s->listen_wall + SLACK_MS,
	    "up %llu ms after listen()",
	    (unsigned long long)(got.at[i] - s->listen_wall));
	cr_assert_eq(s->accepted, 1);
	snprintf(want, sizeof(want), "GET %s HTTP/1.0\r\nHost: %s\r\n"
	    "User-Agent: berth-healthmon\r\nConnection: close\r\n\r\n",
	    path, hostport);
	cr_assert_str_eq(s->req, want);
}

static void
listen_late(int delay_ms)
{
	struct server	*s;
	char		 hostport[64];

	s = server_new(AF_INET, delay_ms, OK_200);
	cr_assert_eq(probe_start(set, "k0", "127.0.0.1", s->port, "/healthz",
	    10000), 0);
	cr_assert_eq(probe_count(set), 1);
	cr_assert(run_until(&got.nok, 1, delay_ms + 2000));
	snprintf(hostport, sizeof(hostport), "127.0.0.1:%d", s->port);
	check_up_after_listen(0, s, hostport, "/healthz");
	cr_assert_eq(got.nfail, 0);
	cr_assert_eq(probe_count(set), 0);
}

Test(probe, up_300ms_after_start)
{
	listen_late(300);
}

Test(probe, up_1500ms_after_start)
{
	listen_late(1500);
}

Test(probe, ipv6_loopback)
{
	struct server	*s;
	char		 hostport[64];

	if ((s = server_new(AF_INET6, 200, OK_200)) == NULL) {
		cr_log_warn("no ::1 on this machine: IPv6 case skipped");
		return;
	}
	cr_assert_eq(probe_start(set, "k0", "::1", s->port, "/", 5000), 0);
	cr_assert(run_until(&got.nok, 1, 3000));
	snprintf(hostport, sizeof(hostport), "[::1]:%d", s->port);
	check_up_after_listen(0, s, hostport, "/");
}

Test(probe, http_503_until_200)
{
	struct server	*s;

	s = server_new(AF_INET, 0, OK_200);
	s->first = ERR_503;
	s->nfirst = 3;
	cr_assert_eq(probe_start(set, "k0", "127.0.0.1", s->port, "/ready",
	    5000), 0);
	cr_assert(run_until(&got.nok, 1, 3000));
	cr_assert_eq(s->accepted, 4);
	cr_assert_eq(s->answered, 4);
	cr_assert_geq(got.at[0], s->answer_wall);
	cr_assert_eq(got.nfail, 0);
	cr_assert_eq(probe_count(set), 0);
}

static char	longline[2000];

static const struct {
	const char	*resp;
	const char	*why;		/* NULL: up */
} answers[] = {
	{ "HTTP/1.1 302 Found\r\nLocation: /login\r\n\r\n", NULL },
	{ "HTTP/1.0 204\r\n\r\n", NULL },
	{ "HTTP/1.1 399 Odd\n\n", NULL },
	{ "HTTP/1.0 404 Not Found\r\n\r\n", "HTTP 404" },
	{ "HTTP/1.1 500 Oops\r\n\r\n", "HTTP 500" },
	{ "HTTP/1.1 199 Early\r\n\r\n", "HTTP 199" },
	{ "SSH-2.0-OpenSSH_9.2p1\r\n", "bad status line" },
	{ "HTTP/1.0 2000 OK\r\n\r\n", "bad status line" },
	{ "HTTP/1.0 20x OK\r\n\r\n", "bad status line" },
	{ "HTTP/2 200\r\n\r\n", "bad status line" },
	{ "\r\n", "bad status line" },
	{ "HTTP/1.0 200 OK", "connection closed" },
	{ "", "connection closed" },
	{ longline, "status line too long" },
};
#define NANSWERS	(sizeof(answers) / sizeof(answers[0]))

Test(probe, status_lines)
{
	struct server	*s;
	char		 key[16];
	size_t		 i;
	int		 nup = 0;

	memset(longline, 'x', sizeof(longline) - 1);
	for (i = 0; i < NANSWERS; i++) {
		s = server_new(AF_INET, 0, answers[i].resp);
		snprintf(key, sizeof(key), "k%zu", i);
		cr_assert_eq(probe_start(set, key, "127.0.0.1", s->port, "/",
		    300), 0);
		nup += answers[i].why == NULL;
	}
	cr_assert(run_until(&got.nfail, (int)NANSWERS - nup, 2000));
	cr_assert_eq(got.nok, nup);
	for (i = 0; i < NANSWERS; i++) {
		if (answers[i].why == NULL)
			cr_assert_eq(got.ok[i], 1, "answer %zu not up", i);
		else
			cr_assert_str_eq(got.why[i], answers[i].why,
			    "answer %zu", i);
	}
	cr_assert_eq(probe_count(set), 0);
}

Test(probe, silent_server_times_out)
{
	struct server	*s;
	uint64_t	 t0 = now_ms(), took;

	s = server_new(AF_INET, 0, NULL);
	cr_assert_eq(probe_start(set, "k0", "127.0.0.1", s->port, "/",
	    2500), 0);
	cr_assert(run_until(&got.nfail, 1, 5000));
	took = got.fail_ms[0] - t0;
	cr_assert(took >= 2500 && took < 2600, "failed after %llu ms",
	    (unsigned long long)took);
	cr_assert_str_eq(got.why[0], "timeout");
	/* At 0, 1000 and 2000 ms, each closed when it timed out. */
	cr_assert_eq(s->accepted, 3);
	cr_assert(run_until(&s->gone, 3, 1000), "%d of 3 closed", s->gone);
	cr_assert_eq(got.nok, 0);
	cr_assert_eq(probe_count(set), 0);
}

Test(probe, refused_until_timeout)
{
	struct server	*s;
	uint64_t	 t0 = now_ms(), took;

	s = server_new(AF_INET, NEVER, OK_200);
	cr_assert_eq(probe_start(set, "k0", "127.0.0.1", s->port, "/",
	    500), 0);
	cr_assert(run_until(&got.nfail, 1, 2000));
	took = got.fail_ms[0] - t0;
	cr_assert(took >= 500 && took < 600, "failed after %llu ms",
	    (unsigned long long)took);
	cr_assert_not_null(strstr(got.why[0], "refused"), "why: %s",
	    got.why[0]);
	cr_assert_eq(got.nok, 0);
	cr_assert_eq(probe_count(set), 0);
}

Test(probe, bad_arguments)
{
	char	longkey[129], key127[128], longpath[257], path255[256];
	size_t	i;
	const struct {
		const char	*key, *host;
		int		 port;
		const char	*path;
	} bad[] = {
		{ NULL, "127.0.0.1", 80, "/" },
		{ "", "127.0.0.1", 80, "/" },
		{ longkey, "127.0.0.1", 80, "/" },
		{ "k0", NULL, 80, "/" },
		{ "k0", "", 80, "/" },
		{ "k0", "localhost", 80, "/" },
		{ "k0", "127.1", 80, "/" },
		{ "k0", "127.0.0.1 ", 80, "/" },
		{ "k0", "[::1]", 80, "/" },
		{ "k0", "::1%lo", 80, "/" },
		{ "k0", "127.0.0.1", 0, "/" },
		{ "k0", "127.0.0.1", -1, "/" },
		{ "k0", "127.0.0.1", 65536, "/" },
		{ "k0", "127.0.0.1", 70000, "/" },
		{ "k0", "127.0.0.1", 80, NULL },
		{ "k0", "127.0.0.1", 80, "" },
		{ "k0", "127.0.0.1", 80, "healthz" },
		{ "k0", "127.0.0.1", 80, "/a b" },
		{ "k0", "127.0.0.1", 80, "/a\tb" },
		{ "k0", "127.0.0.1", 80, "/a\r\nX: y" },
		{ "k0", "127.0.0.1", 80, "/\x01" },
		{ "k0", "127.0.0.1", 80, "/\x7f" },
		{ "k0", "127.0.0.1", 80, "/caf\xc3\xa9" },
		{ "k0", "127.0.0.1", 80, longpath },
	};

	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	memset(key127, 'k', sizeof(key127) - 1);
	key127[sizeof(key127) - 1] = '\0';
	memset(longpath, 'p', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	memcpy(path255, longpath, sizeof(path255) - 1);
	path255[sizeof(path255) - 1] = '\0';
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(probe_start(set, bad[i].key, bad[i].host,
		    bad[i].port, bad[i].path, 1000), -1, "case %zu", i);
	cr_assert_eq(probe_count(set), 0);

	/* The limits themselves are fine (the loop never runs here). */
	cr_assert_eq(probe_start(set, key127, "127.0.0.1", 1, "/", 1000), 0);
	cr_assert_eq(probe_start(set, "a", "::1", 65535, path255, 1000), 0);
	cr_assert_eq(probe_start(set, "b", "127.0.0.1", 80,
	    "/a?b=c&d=%20#~", 1000), 0);
	cr_assert_eq(probe_count(set), 3);
	probe_stop(set, key127);
	probe_stop(set, "a");
	probe_stop(set, "b");
	cr_assert_eq(probe_count(set), 0);
}

Test(probe, key_limit)
{
	struct server	*s;
	char		 key[16];
	int		 i;

	s = server_new(AF_INET, NEVER, OK_200);
	for (i = 0; i < PROBE_MAX; i++) {
		snprintf(key, sizeof(key), "m%d", i);
		cr_assert_eq(probe_start(set, key, "127.0.0.1", s->port, "/",
		    60000), 0);
	}
	cr_assert_eq(probe_count(set), PROBE_MAX);
	cr_assert_eq(probe_start(set, "m-more", "127.0.0.1", s->port, "/",
	    60000), -1);
	/* A key already probed is an update, not a new key. */
	cr_assert_eq(probe_start(set, "m7", "::1", s->port, "/x", 60000), 0);
	cr_assert_eq(probe_count(set), PROBE_MAX);
	probe_stop(set, "m7");
	cr_assert_eq(probe_start(set, "m-more", "127.0.0.1", s->port, "/",
	    60000), 0);
	cr_assert_eq(probe_count(set), PROBE_MAX);
}

Test(probe, restart_keeps_schedule)
{
	struct server	*old, *new;
	uint64_t	 t0 = now_ms(), took;

	old = server_new(AF_INET, NEVER, OK_200);
	new = server_new(AF_INET, NEVER, OK_200);
	cr_assert_eq(probe_start(set, "k0", "127.0.0.1", old->port, "/",
	    400), 0);
	run_for(200);
	/* Moved: the later timeout is ignored, the deadline stays. */
	cr_assert_eq(probe_start(set, "k0", "127.0.0.1", new->port, "/",
	    10000), 0);
	cr_assert_eq(probe_count(set), 1);
	cr_assert(run_until(&got.nfail, 1, 1000));
	took = got.fail_ms[0] - t0;
	cr_assert(took >= 400 && took < 500, "failed after %llu ms",
	    (unsigned long long)took);
}

Test(probe, restart_moves_address)
{
	struct server	*old, *new;

	old = server_new(AF_INET, NEVER, OK_200);
	new = server_new(AF_INET, 0, OK_200);
	cr_assert_eq(probe_start(set, "k0", "127.0.0.1", old->port, "/",
	    5000), 0);
	run_for(100);
	cr_assert_eq(got.nok + got.nfail, 0);
	cr_assert_eq(probe_start(set, "k0", "127.0.0.1", new->port, "/",
	    5000), 0);
	cr_assert(run_until(&got.nok, 1, 1000));
	cr_assert_eq(new->accepted, 1);
}

Test(probe, fifty_keys)
{
	struct server	*s[50];
	char		 key[16];
	int		 i;

	for (i = 0; i < 50; i++) {
		s[i] = server_new(AF_INET, 100 + 4 * i, OK_200);
		snprintf(key, sizeof(key), "k%d", i);
		cr_assert_eq(probe_start(set, key, "127.0.0.1", s[i]->port,
		    "/", 5000), 0);
	}
	cr_assert_eq(probe_count(set), 50);
	cr_assert(run_until(&got.nok, 50, 3000), "%d of 50 up", got.nok);
	for (i = 0; i < 50; i++) {
		cr_assert_eq(got.ok[i], 1, "k%d", i);
		cr_assert_geq(got.at[i], s[i]->listen_wall, "k%d", i);
		cr_assert_leq(got.at[i], s[i]->listen_wall + SLACK_MANY_MS,
		    "k%d up %llu ms after listen()", i,
		    (unsigned long long)(got.at[i] - s[i]->listen_wall));
	}
	cr_assert_eq(got.nfail, 0);
	cr_assert_eq(probe_count(set), 0);
}

/* probe_once: one attempt decides, at once. */
Test(probe, once_fails_on_the_first_refusal)
{
	struct server	*s;
	uint64_t	 t0 = now_ms(), took;

	s = server_new(AF_INET, NEVER, OK_200);
	cr_assert_eq(probe_once(set, "k0", "127.0.0.1", s->port, "/", 5000),
	    0);
	cr_assert(run_until(&got.nfail, 1, 2000));
	took = got.fail_ms[0] - t0;
	cr_assert_lt(took, 200, "failed after %llu ms",
	    (unsigned long long)took);
	cr_assert_not_null(strstr(got.why[0], "refused"));
	cr_assert_eq(s->accepted, 0);
	cr_assert_eq(probe_count(set), 0);
}

Test(probe, once_answers_with_the_first_status)
{
	struct server	*s;

	s = server_new(AF_INET, 0, OK_200);
	s->first = ERR_503;
	s->nfirst = 1;
	cr_assert_eq(probe_once(set, "k0", "127.0.0.1", s->port, "/", 5000),
	    0);
	cr_assert(run_until(&got.nfail, 1, 2000));
	cr_assert_str_eq(got.why[0], "HTTP 503");
	cr_assert_eq(s->accepted, 1, "no second attempt");
	cr_assert_eq(probe_once(set, "k1", "127.0.0.1", s->port, "/", 5000),
	    0);
	cr_assert(run_until(&got.nok, 1, 2000));
	cr_assert_eq(got.ok[1], 1);
}
