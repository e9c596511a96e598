/*
 * The SSE stream of a workspace's logs on the real engine and a real
 * berthd: headers, lines written after connecting, exact resume by
 * Last-Event-ID (from the logstreamer's ring while the workspace is
 * followed, from the engine when nobody follows it), another user's
 * workspace 404, a client that does not read cut with "event:
 * overflow" while another one gets every line, a docker restart
 * followed, and 1000 clients on one workspace.
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define ADMIN	"ls-admin-token-0123456789"
#define ALICE	"ls-alice-token-0123456789"
#define BOB	"ls-bob-token-0123456789ab"
#define IMAGE	"berth/demo-workspace:logs"

static const char config[] =
    "[docker]\nstop_timeout_s = 1\n"
    "[auth]\nadmin_token = " ADMIN "\n"
    "[token.alice]\ntoken = " ALICE "\nuser = ls-alice\n"
    "[token.bob]\ntoken = " BOB "\nuser = ls-bob\n"
    "[type.demo]\nimage = " IMAGE "\nport = 8080\n"
    "cpus = 0.5\nmemory_mb = 64\nmemory_reservation_mb = 32\n"
    "log_max_size_mb = 256\nlog_max_files = 1\n"
    "volume_path = /workspace\n";

static struct berthd_run run;

static void
cleanup(void)
{
	harness_cleanup(&run);
	sh(NULL, "docker ps -aq --filter label=berth.user=ls-alice "
	    "--filter label=berth.managed=true | xargs -r docker rm -f "
	    ">/dev/null 2>&1");
	sh(NULL, "docker volume ls -q --filter label=berth.user=ls-alice | "
	    "xargs -r docker volume rm >/dev/null 2>&1");
}

static void
setup(void)
{
	harness_require_engine();
	cr_assert_eq(sh(NULL, "sh %s/contrib/demo-image.sh %s >/dev/null",
	    BERTH_SRCDIR, IMAGE), 0, "cannot build %s", IMAGE);
	cleanup();
}

TestSuite(logs_stream, .init = setup, .fini = cleanup, .timeout = 240);

/* ------------------------------------------------------------ helpers */

/* berthd with config and more (a section of its own), then a
 * workspace of alice's with env. */
static char *
create_with(const char *more, const char *env)
{
	char	 body[512], conf[2048];
	json_t	*j;
	char	*id;

	snprintf(conf, sizeof(conf), "%s%s", config, more);
	harness_start(&run, conf, NULL, (uid_t)-1);
	snprintf(body, sizeof(body), "{\"type\":\"demo\",\"env\":{%s}}", env);
	j = harness_call(&run, "POST", "/api/workspaces", ALICE, body, 201);
	id = strdup(harness_jstr(j, "id"));
	json_decref(j);
	return id;
}

static char *
create(const char *env)
{
	return create_with("", env);
}

/* A client of the stream: what it has read so far. */
struct sse {
	int	 fd;
	char	*buf;
	size_t	 len, cap;
	size_t	 scanned;	/* sse_until looked up to here */
	int	 eof;
};

static void
sse_connect(struct sse *s, const char *id, const char *token,
    const char *last)
{
	struct sockaddr_in	sin;
	char			req[1024];
	int			n;

	memset(s, 0, sizeof(*s));
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)run.port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(s->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	/* id may end with a query ("ID?ticket=..."): it follows the path */
	n = snprintf(req, sizeof(req), "GET /api/workspaces/%.*s/logs/stream"
	    "%s HTTP/1.1\r\nHost: x\r\n", (int)strcspn(id, "?"), id,
	    id + strcspn(id, "?"));
	if (token != NULL)
		n += snprintf(req + n, sizeof(req) - n, "Authorization: Bearer "
		    "%s\r\n", token);
	if (last != NULL)
		n += snprintf(req + n, sizeof(req) - n, "Last-Event-ID: %s\r\n",
		    last);
	snprintf(req + n, sizeof(req) - n, "\r\n");
	cr_assert_eq(write(s->fd, req, strlen(req)), (ssize_t)strlen(req));
}

/* Read for up to ms; 0 when nothing more came. */
static int
sse_read(struct sse *s, int ms)
{
	struct pollfd	pfd = { s->fd, POLLIN, 0 };
	ssize_t		n;

	if (s->eof || poll(&pfd, 1, ms) <= 0)
		return 0;
	if (s->len + 65536 + 1 > s->cap) {
		s->cap = (s->len + 65536 + 1) * 2;
		s->buf = realloc(s->buf, s->cap);
	}
	if ((n = read(s->fd, s->buf + s->len, 65536)) <= 0) {
		s->eof = 1;
		return 0;
	}
	s->len += (size_t)n;
	s->buf[s->len] = '\0';
	return 1;
}

/* Read what came and throw it away: a client that has what it needs
 * keeps its stream flowing without its buffer growing. */
static void
sse_drain(struct sse *s)
{
	struct pollfd	pfd = { s->fd, POLLIN, 0 };
	char		buf[16384];

	while (!s->eof && poll(&pfd, 1, 0) > 0)
		if (read(s->fd, buf, sizeof(buf)) <= 0)
			s->eof = 1;
}

/* Read until needle is in what was read (or fail). */
static const char *
sse_until(struct sse *s, const char *needle, int ms)
{
	const char	*p;
	int		 waited = 0;
	size_t		 from;

	/* Only the new bytes (and a needle's worth before): a stream of
	 * many MB is not searched again at every read. */
	s->scanned = 0;
	for (;;) {
		from = s->scanned > strlen(needle) ? s->scanned -
		    strlen(needle) : 0;
		p = s->buf != NULL ? strstr(s->buf + from, needle) : NULL;
		s->scanned = s->len;
		if (p != NULL)
			break;
		cr_assert(!s->eof, "the stream ended before \"%s\": %.300s",
		    needle, s->buf != NULL ? s->buf : "");
		cr_assert_lt(waited, ms, "no \"%s\" in %d ms: %.300s", needle,
		    ms, s->buf != NULL ? s->buf : "");
		if (!sse_read(s, 200))
			waited += 200;
	}
	return p;
}

static void
sse_close(struct sse *s)
{
	close(s->fd);
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

/* The tick numbers of the events read, in order; their count. */
static int
ticks(const struct sse *s, int *out, int max, char *last_id, size_t idlen)
{
	const char	*p = s->buf, *id;
	int		 n = 0;

	while (p != NULL && (p = strstr(p, "\"line\":\"tick ")) != NULL &&
	    n < max) {
		out[n++] = atoi(p + 13);
		for (id = p; id > s->buf && strncmp(id, "id: ", 4) != 0; id--)
			;
		snprintf(last_id, idlen, "%.*s", (int)strcspn(id + 4, "\n"),
		    id + 4);
		p += 13;
	}
	return n;
}

static void
expect_consecutive(const int *t, int n, int from)
{
	int	i;

	for (i = 0; i < n; i++)
		cr_assert_eq(t[i], from + i, "tick %d where %d was due: a %s",
		    t[i], from + i, t[i] > from + i ? "gap" : "duplicate");
}

/* ------------------------------------------------------------ tests */

Test(logs_stream, lines_after_connect_and_headers)
{
	struct sse	 s;
	char		*id, last[64], *metrics;
	int		 t[16], n;

	id = create("\"DEMO_LOG_INTERVAL\":\"0.2\"");
	sse_connect(&s, id, ALICE, NULL);
	sse_until(&s, "\r\n\r\n", 10000);
	cr_expect(strncmp(s.buf, "HTTP/1.1 200 ", 13) == 0, "%s", s.buf);
	cr_expect(strstr(s.buf, "Content-Type: text/event-stream\r\n") !=
	    NULL);
	cr_expect(strstr(s.buf, "Cache-Control: no-cache, no-transform\r\n")
	    != NULL);
	cr_expect(strstr(s.buf, "X-Accel-Buffering: no\r\n") != NULL);
	cr_expect(strstr(s.buf, "\r\n\r\nretry: ") != NULL);
	sse_until(&s, "\"line\":\"tick ", 15000);
	while ((n = ticks(&s, t, 16, last, sizeof(last))) < 4)
		sse_read(&s, 1000);
	expect_consecutive(t, n, t[0]);
	cr_expect(strstr(s.buf, "\"stream\":\"stdout\"") != NULL);
	cr_assert_eq(harness_http(&run, "GET", "/api/metrics", &metrics), 200);
	cr_expect(strstr(metrics, "\nberth_sse_clients 1\n") != NULL,
	    "berth_sse_clients is not 1");
	free(metrics);
	sse_close(&s);
	free(id);
}

/* A busy log with a long [logs] pace_ms: each client is written once
 * a pace with the lines since; every line still arrives once and in
 * order, for a client that joined while the first one waited for its
 * pace too. */
Test(logs_stream, busy_log_paced_every_line_once)
{
	struct sse	 a, b;
	char		*id, last[64];
	int		 t[600], n, k;

	id = create_with("[logs]\npace_ms = 300\n",
	    "\"DEMO_LOG_INTERVAL\":\"0.01\",\"DEMO_LOG_PER_TICK\":\"5\"");
	sse_connect(&a, id, ALICE, NULL);
	sse_until(&a, "\"line\":\"tick ", 15000);
	sse_connect(&b, id, ALICE, NULL);
	sse_until(&b, "\"line\":\"tick ", 15000);
	while ((n = ticks(&a, t, 600, last, sizeof(last))) < 500)
		cr_assert(sse_read(&a, 5000), "only %d lines in 5 s", n);
	expect_consecutive(t, n, t[0]);
	while ((k = ticks(&b, t, 300, last, sizeof(last))) < 300)
		cr_assert(sse_read(&b, 5000), "only %d lines in 5 s", k);
	expect_consecutive(t, k, t[0]);
	sse_close(&a);
	sse_close(&b);
	free(id);
}

/* Resume by Last-Event-ID: the next line exactly, whether the ring
 * has it (another client keeps the workspace followed) or the engine
 * (nobody followed it meanwhile). */
Test(logs_stream, resume_exactly)
{
	struct sse	 a, keep, b;
	char		*id, last[64];
	int		 t[64], n, m, k;

	id = create("\"DEMO_LOG_INTERVAL\":\"0.1\"");
	for (k = 0; k < 2; k++) {
		if (k == 0)
			sse_connect(&keep, id, ALICE, NULL);
		sse_connect(&a, id, ALICE, NULL);
		sse_until(&a, "\"line\":\"tick ", 15000);
		while ((n = ticks(&a, t, 64, last, sizeof(last))) < 3)
			sse_read(&a, 1000);
		sse_close(&a);
		m = t[n - 1];
		if (k == 1)
			sse_close(&keep);	/* nobody follows */
		sleep_ms(1500);			/* lines go by */
		sse_connect(&b, id, ALICE, last);
		sse_until(&b, "\"line\":\"tick ", 15000);
		while ((n = ticks(&b, t, 64, last, sizeof(last))) < 20)
			sse_read(&b, 1000);
		cr_expect(strstr(b.buf, "event: lost") == NULL);
		expect_consecutive(t, n, m + 1);
		sse_close(&b);
	}
	free(id);
}

Test(logs_stream, not_yours_404)
{
	struct sse	 s;
	char		*id;

	id = create("");
	sse_connect(&s, id, BOB, NULL);
	sse_until(&s, "\r\n\r\n", 10000);
	cr_expect(strncmp(s.buf, "HTTP/1.1 404 ", 13) == 0, "%s", s.buf);
	sse_close(&s);
	sse_connect(&s, id, NULL, NULL);
	sse_until(&s, "\r\n\r\n", 10000);
	cr_expect(strncmp(s.buf, "HTTP/1.1 401 ", 13) == 0, "%s", s.buf);
	sse_close(&s);
	sse_connect(&s, id, ALICE, "not-an-id");
	sse_until(&s, "\r\n\r\n", 10000);
	cr_expect(strncmp(s.buf, "HTTP/1.1 400 ", 13) == 0, "%s", s.buf);
	sse_close(&s);
	free(id);
}

/* 30 MB of lines after both clients connect: the one that does not
 * read is cut with "event: overflow"; the other gets every line. */
Test(logs_stream, slow_client_cut_others_served)
{
	struct sse	 slow, fast;
	char		*id;
	int		 i, lines = 0;
	size_t		 len;

	id = create("\"DEMO_START_DELAY\":\"3\",\"DEMO_LOG_BURST_LINES\":"
	    "\"30000\",\"DEMO_LOG_BURST_WIDTH\":\"1000\"");
	sse_connect(&slow, id, ALICE, NULL);
	sse_connect(&fast, id, ALICE, NULL);
	sse_until(&fast, "burst done", 60000);
	for (len = 0; len + 8 < fast.len; len++)	/* strstr is O(n) */
		lines += fast.buf[len] == '\n' &&
		    memcmp(fast.buf + len + 1, "data: {", 7) == 0;
	cr_expect_geq(lines, 30001, "%d lines", lines);
	for (i = 0; i < 600 && !slow.eof; i++)
		sse_read(&slow, 100);
	cr_expect(strstr(slow.buf, "event: overflow\n") != NULL,
	    "no overflow event");
	sse_until(&fast, "\"line\":\"demo workspace listening", 10000);
	sse_close(&slow);
	sse_close(&fast);
	free(id);
}

/* The events' ids in order: each after the one before (no duplicate,
 * nothing out of order); their count. */
static int
ids_in_order(const struct sse *s)
{
	const char	*p = s->buf;
	long long	 ns, nth, pns = -1, pnth = -1;
	int		 n = 0;

	while ((p = strstr(p, "\nid: ")) != NULL) {
		p += 5;
		cr_assert_eq(sscanf(p, "%lld-%lld", &ns, &nth), 2);
		cr_expect(ns > pns || (ns == pns && nth > pnth),
		    "id %lld-%lld after %lld-%lld", ns, nth, pns, pnth);
		pns = ns;
		pnth = nth;
		n++;
	}
	return n;
}

static int
ends_with_burst(const struct sse *s)
{
	return s->buf != NULL && strstr(s->buf + (s->len > 8192 ?
	    s->len - 8192 : 0), "burst done") != NULL;
}

/* A ring far smaller than a burst (16 KiB, the least, against 870 KB of
 * events): two clients that read get every line once, neither is cut.
 * Nothing is written while a chunk is taken in, so the lines a client
 * is owed must be copied out before the ring pushes them out. */
Test(logs_stream, small_ring_burst_every_line_once)
{
	struct sse	 c[2];
	char		*id;
	int		 k, waited = 0;

	id = create_with("[logs]\nring_kb = 16\n", "\"DEMO_START_DELAY\":"
	    "\"3\",\"DEMO_LOG_BURST_LINES\":\"3000\",\"DEMO_LOG_BURST_WIDTH\":"
	    "\"200\"");
	for (k = 0; k < 2; k++)
		sse_connect(&c[k], id, ALICE, NULL);
	while (!ends_with_burst(&c[0]) || !ends_with_burst(&c[1])) {
		for (k = 0; k < 2; k++) {
			cr_assert(!c[k].eof, "client %d cut: %.200s", k,
			    c[k].len > 200 ? c[k].buf + c[k].len - 200 :
			    c[k].buf);
			if (!sse_read(&c[k], 50))
				waited += 50;
		}
		cr_assert_lt(waited, 60000, "no burst in 60 s");
	}
	for (k = 0; k < 2; k++) {
		cr_expect(strstr(c[k].buf, "event: overflow") == NULL,
		    "client %d overflowed", k);
		cr_expect_geq(ids_in_order(&c[k]), 3001, "client %d", k);
		sse_close(&c[k]);
	}
	free(id);
}

/* Past a user's cap: 200, a long retry: and the end at once (an
 * EventSource would give up for good on any other status). */
Test(logs_stream, cap_per_user_answers_retry)
{
	struct sse	 a, b;
	char		*id;

	id = create_with("[logs]\nmax_streams_per_user = 1\n", "");
	sse_connect(&a, id, ALICE, NULL);
	sse_until(&a, "retry: 2000\n", 10000);
	sse_connect(&b, id, ALICE, NULL);
	sse_until(&b, "retry: 10000\n", 10000);
	cr_expect(strncmp(b.buf, "HTTP/1.1 200 ", 13) == 0, "%s", b.buf);
	while (sse_read(&b, 5000))
		;
	cr_expect(b.eof, "the refused stream ends at once");
	cr_expect(!a.eof);
	sse_close(&a);
	sse_close(&b);
	free(id);
}

/* Deleting the workspace ends its streams with an event. */
Test(logs_stream, deleted_workspace_ends_the_stream)
{
	struct sse	 s;
	char		*id, path[128];
	json_t		*j;

	id = create("\"DEMO_LOG_INTERVAL\":\"0.2\"");
	sse_connect(&s, id, ALICE, NULL);
	sse_until(&s, "\"line\":\"tick ", 15000);
	snprintf(path, sizeof(path), "/api/workspaces/%s", id);
	j = harness_call(&run, "DELETE", path, ALICE, NULL, 200);
	json_decref(j);
	sse_until(&s, "event: end\n", 30000);
	while (sse_read(&s, 5000))
		;
	cr_expect(s.eof, "the stream ends after event: end");
	sse_close(&s);
	free(id);
}

/* A ticket opens the stream without a header (EventSource), for its
 * workspace and its holder only. */
Test(logs_stream, ticket_for_eventsource)
{
	struct sse	 s;
	char		*id, path[256], *out = NULL;
	json_t		*j;
	const char	*tk;
	int		 code;

	id = create("\"DEMO_LOG_INTERVAL\":\"0.2\"");
	snprintf(path, sizeof(path), "/api/workspaces/%s/logs/ticket", id);
	code = harness_request(&run, "POST", path, BOB, NULL, &out);
	cr_expect_eq(code, 404, "bob's ticket for alice's workspace: %d",
	    code);
	free(out);
	j = harness_call(&run, "POST", path, ALICE, NULL, 200);
	tk = harness_jstr(j, "ticket");
	cr_assert_eq(strlen(tk), 32, "%s", tk);
	cr_expect_neq(harness_jstr(j, "expiresAt")[0], '\0');

	snprintf(path, sizeof(path), "%s?ticket=%s", id, tk);
	sse_connect(&s, path, NULL, NULL);
	sse_until(&s, "\"line\":\"tick ", 15000);
	cr_expect(strncmp(s.buf, "HTTP/1.1 200 ", 13) == 0, "%s", s.buf);
	sse_close(&s);

	snprintf(path, sizeof(path), "00000000-0000-4000-8000-000000000000"
	    "?ticket=%s", tk);
	sse_connect(&s, path, NULL, NULL);
	sse_until(&s, "\r\n\r\n", 10000);
	cr_expect(strncmp(s.buf, "HTTP/1.1 401 ", 13) == 0,
	    "another workspace with the ticket: %s", s.buf);
	sse_close(&s);

	snprintf(path, sizeof(path), "%s?ticket=%s", id,
	    "0123456789abcdef0123456789abcdef");
	sse_connect(&s, path, NULL, NULL);
	sse_until(&s, "\r\n\r\n", 10000);
	cr_expect(strncmp(s.buf, "HTTP/1.1 401 ", 13) == 0,
	    "a made-up ticket: %s", s.buf);
	sse_close(&s);
	json_decref(j);
	free(id);
}

/* The lines of the events read, as "T LINE" (the engine's own
 * `docker logs -t` form); their count. */
static size_t
sse_lines(const struct sse *s, char ***out)
{
	const char	*p = s->buf;
	json_t		*j;
	size_t		 n = 0;
	char		*l;

	*out = NULL;
	while ((p = strstr(p, "\ndata: {")) != NULL) {
		p += 7;
		j = json_loadb(p, strcspn(p, "\n"), 0, NULL);
		if (j != NULL && json_object_get(j, "line") != NULL) {
			l = malloc(strlen(harness_jstr(j, "t")) +
			    strlen(harness_jstr(j, "line")) + 2);
			sprintf(l, "%s %s", harness_jstr(j, "t"),
			    harness_jstr(j, "line"));
			*out = realloc(*out, (n + 1) * sizeof(**out));
			(*out)[n++] = l;
		}
		json_decref(j);
	}
	return n;
}

/* The client's lines are the engine's, from its first to its last:
 * every one once, in order. */
static void
expect_engine_lines(const char *container, char **got, size_t n)
{
	char	*all, *p, *nl;
	size_t	 i = 0;

	cr_assert_gt(n, 0);
	cr_assert_eq(sh(&all, "docker logs -t %s 2>/dev/null", container), 0);
	cr_assert((p = strstr(all, got[0])) != NULL, "the engine has no "
	    "\"%s\"", got[0]);
	for (; i < n && *p != '\0'; p = nl + 1, i++) {
		nl = p + strcspn(p, "\n");
		cr_assert_eq((size_t)(nl - p), strlen(got[i]), "line %zu: "
		    "\"%s\" where the engine has \"%.*s\"", i, got[i],
		    (int)(nl - p), p);
		cr_assert(strncmp(p, got[i], strlen(got[i])) == 0, "line %zu: "
		    "\"%s\" where the engine has \"%.*s\"", i, got[i],
		    (int)(nl - p), p);
		if (*nl == '\0')
			break;
	}
	cr_assert_eq(i + (i < n), n, "%zu of %zu lines matched", i, n);
	free(all);
}

/* docker restart behind berth's back while a client follows: the
 * client sees the state events, stays connected and gets every line
 * of both runs of the container exactly once; the workspace runs. */
Test(logs_stream, restart_followed_without_gap_or_duplicate)
{
	struct sse	 s;
	char		*id, path[128], cid[80], **got;
	json_t		*j;
	size_t		 i, n;

	id = create("\"DEMO_LOG_INTERVAL\":\"0.05\"");
	snprintf(path, sizeof(path), "/api/workspaces/%s", id);
	j = harness_call(&run, "GET", path, ALICE, NULL, 200);
	snprintf(cid, sizeof(cid), "%s", harness_jstr(j, "containerId"));
	json_decref(j);
	sse_connect(&s, id, ALICE, NULL);
	sse_until(&s, "\"line\":\"tick 20\"", 15000);
	cr_assert_eq(sh(NULL, "docker restart -t 1 %s >/dev/null", cid), 0);
	sse_until(&s, "event: state\ndata: {\"state\":\"stopped\"", 30000);
	sse_until(&s, "event: state\ndata: {\"state\":\"restarted\"", 30000);
	/* the second run's ticks: "tick 30" after its start line */
	sse_until(&s, "\"line\":\"demo workspace listening", 30000);
	s.scanned = 0;
	while (strstr(strstr(s.buf, "event: state\ndata: {\"state\":"
	    "\"restarted\""), "\"line\":\"tick 30\"") == NULL)
		cr_assert(sse_read(&s, 10000), "no tick 30 after the restart");
	cr_expect(strstr(s.buf, "event: end") == NULL);
	n = sse_lines(&s, &got);
	expect_engine_lines(cid, got, n);
	for (i = 0; i < n; i++)
		free(got[i]);
	free(got);
	j = harness_call(&run, "GET", path, ALICE, NULL, 200);
	cr_expect_str_eq(harness_jstr(j, "status"), "running");
	json_decref(j);
	sse_close(&s);
	free(id);
}

/* 1000 clients on one workspace (one engine follow): each gets the
 * lines from its connection on, consecutive. */
#define MANY	1000
Test(logs_stream, thousand_clients_one_workspace, .timeout = 300)
{
	static struct sse	 s[MANY];
	static int		 got[MANY];
	struct rlimit		 rl;
	char			*id, last[64], *metrics;
	int			 t[64], i, n, done, round;

	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = rl.rlim_max;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	cr_assert_gt(rl.rlim_cur, MANY + 64, "RLIMIT_NOFILE %lu",
	    (unsigned long)rl.rlim_cur);
	id = create_with("[server]\nhttp_max_connections = 4000\n"
	    "http_max_connections_per_client = 4000\n"
	    "[logs]\nmax_streams_per_user = 4000\n",
	    "\"DEMO_LOG_INTERVAL\":\"0.25\"");
	for (i = 0; i < MANY; i++)
		sse_connect(&s[i], id, ALICE, NULL);
	/* Each client until it has 3 lines, then only drained: a round
	 * costs what arrived, not what every client holds. */
	for (round = 0, done = 0; done < MANY && round < 900; round++) {
		for (i = 0; i < MANY; i++) {
			if (got[i]) {
				sse_drain(&s[i]);
				continue;
			}
			while (sse_read(&s[i], 0))
				;
			if (ticks(&s[i], t, 64, last, sizeof(last)) >= 3) {
				got[i] = 1;
				done++;
			}
		}
		if (done < MANY)
			sleep_ms(100);
	}
	for (i = 0, n = 0; i < MANY && done < MANY; i++)
		if (s[i].buf == NULL || strncmp(s[i].buf, "HTTP/1.1 200 ", 13))
			if (n++ < 3)
				cr_log_error("client %d: %.200s", i, s[i].buf ?
				    s[i].buf : "(nothing)");
	cr_assert_eq(done, MANY, "%d of %d clients got 3 lines, %d no 200",
	    done, MANY, n);
	cr_assert_eq(harness_http(&run, "GET", "/api/metrics", &metrics), 200);
	cr_expect(strstr(metrics, "\nberth_sse_clients 1000\n") != NULL,
	    "berth_sse_clients is not 1000");
	free(metrics);
	for (i = 0; i < MANY; i++) {
		cr_expect(strncmp(s[i].buf, "HTTP/1.1 200 ", 13) == 0);
		n = ticks(&s[i], t, 64, last, sizeof(last));
		expect_consecutive(t, n, t[0]);
		sse_close(&s[i]);
	}
	free(id);
}
