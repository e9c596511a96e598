/*
 * An API that holds under abuse, through the real gateway: a client
 * that sends one byte at a time is cut at the whole-request deadline;
 * idle connections are capped per client address and in all (503 with
 * Retry-After); a request without a token is answered 401 before its
 * body is read, and one with a wrong token too; authenticated requests
 * keep answering during a flood of anonymous ones; anonymous callers
 * see status only (/ready, /api/health) and the details need the admin
 * token; /api/metrics asks for the scrape token and can drop user
 * labels; env cannot set PORT, BERTH_* or the type's variables; the
 * engine's words reach the admin only; error texts stay valid UTF-8.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define ADMIN	"ab-admin-token-0123456789"
#define ALICE	"ab-alice-token-0123456789"
#define SCRAPE	"ab-scrape-token-012345678"

/* Deadline 2 s; 6 connections in all, 3 per address. */
static const char config[] =
    "http_request_deadline_ms = 2000\n"
    "http_max_connections = 6\nhttp_max_connections_per_client = 3\n"
    "anonymous_cache_ms = 2000\n"
    "[docker]\nstop_timeout_s = 1\n"
    "[database]\nembedded = false\n"
    "[auth]\nadmin_token = " ADMIN "\n"
    "[token.alice]\ntoken = " ALICE "\nuser = ab-alice\n"
    "[metrics]\nscrape_token = " SCRAPE "\nuser_labels = false\n"
    "app_interval_ms = 1000\n"
    "[type.demo]\nimage = berth/demo-workspace:latest\nport = 8080\n"
    "env = DEMO_MODE=1;DEMO_NAME=x\n"
    "cpus = 0.5\nmemory_mb = 64\nmemory_reservation_mb = 32\n"
    "health_cmd = wget -q -O /dev/null http://127.0.0.1:{port}/healthz"
    " || exit 1\n"
    "health_interval_s = 30\nhealth_start_period_s = 0\n"
    "volume_path = /workspace\n"
    "[type.ghost]\nimage = berth/no-such-image:never\nport = 8080\n"
    "memory_mb = 64\n";

static struct berthd_run run;

static void
cleanup(void)
{
	harness_cleanup(&run);
	sh(NULL, "docker ps -aq --filter label=berth.user=ab-alice "
	    "--filter label=berth.managed=true | xargs -r docker rm -f "
	    ">/dev/null 2>&1");
}

static void
setup(void)
{
	harness_require_engine();
	harness_start(&run, config, NULL, (uid_t)-1);
}

TestSuite(api_abuse, .init = setup, .fini = cleanup, .timeout = 120);

/* ------------------------------------------------------------ sockets */

/* A TCP connection to berthd from address src (127.0.0.N). */
static int
connect_from(const char *src)
{
	struct sockaddr_in	sa;
	int			fd = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert_geq(fd, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	inet_pton(AF_INET, src, &sa.sin_addr);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	sa.sin_port = htons((unsigned short)run.port);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* What arrives on fd within ms (until EOF), NUL-terminated in buf;
 * returns the length, 0 when nothing came. */
static size_t
read_for(int fd, char *buf, size_t len, int ms)
{
	struct pollfd	p = { fd, POLLIN, 0 };
	size_t		n = 0;
	ssize_t		r;

	while (n + 1 < len && poll(&p, 1, ms) == 1) {
		if ((r = read(fd, buf + n, len - 1 - n)) <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	return n;
}

static void
send_str(int fd, const char *s)
{
	cr_assert_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

/* ------------------------------------------------------------ tests */

/* One header byte every 100 ms would take 6 s; the deadline is 2 s
 * (evhttp's own timeout, restarted on each byte, would never fire);
 * and the same for a body. */
Test(api_abuse, slow_client_is_cut_at_the_deadline)
{
	const char	*req = "GET /api/workspaces HTTP/1.1\r\nHost: x\r\n"
	    "Authorization: Bearer " ALICE "\r\n\r\n";
	char		 buf[1024];
	size_t		 i, sent = 0;
	int		 fd = connect_from("127.0.0.1");

	buf[0] = '\0';
	for (i = 0; req[i] != '\0' && i < 60; i++) {
		if (write(fd, req + i, 1) != 1)
			break;
		sent++;
		if (read_for(fd, buf, sizeof(buf), 100) > 0)
			break;
	}
	cr_assert_lt(sent, 50, "the client sent %zu bytes uncut", sent);
	cr_assert_not_null(strstr(buf, " 408 "), "not a 408: %s", buf);
	close(fd);

	/* The body too: headers at once, then a byte every 100 ms. */
	fd = connect_from("127.0.0.1");
	send_str(fd, "PATCH /api/workspaces/x/resources HTTP/1.1\r\nHost: x"
	    "\r\nAuthorization: Bearer " ALICE "\r\nContent-Length: 60\r\n"
	    "\r\n");
	buf[0] = '\0';
	for (sent = 0; sent < 60; sent++) {
		if (write(fd, " ", 1) != 1 ||
		    read_for(fd, buf, sizeof(buf), 100) > 0)
			break;
	}
	cr_assert_lt(sent, 50, "the body's %zu bytes went uncut", sent);
	cr_assert_not_null(strstr(buf, " 408 "), "not a 408: %s", buf);
	close(fd);
	/* The connection's slot is free again. */
	json_decref(harness_call(&run, "GET", "/api/workspaces", ALICE, NULL,
	    200));
}

static int
refused(int fd, char *buf, size_t len)
{
	return read_for(fd, buf, len, 1000) > 0 && strstr(buf, " 503 ") &&
	    strstr(buf, "Retry-After:") != NULL;
}

Test(api_abuse, idle_connections_capped_per_client_and_in_all)
{
	int	fds[8], n = 0, i, extra;
	char	buf[1024], *out = NULL;

	for (i = 0; i < 3; i++) {
		fds[n++] = connect_from("127.0.0.1");
		sleep_ms(50);
	}
	extra = connect_from("127.0.0.1");
	cr_assert(refused(extra, buf, sizeof(buf)), "4th from one address: "
	    "%s", buf);
	close(extra);
	/* Another address still gets in, up to 6 in all. */
	for (i = 0; i < 3; i++) {
		fds[n++] = connect_from("127.0.0.2");
		sleep_ms(50);
	}
	cr_assert_eq(read_for(fds[n - 1], buf, sizeof(buf), 200), 0,
	    "refused under the caps: %s", buf);
	extra = connect_from("127.0.0.3");
	cr_assert(refused(extra, buf, sizeof(buf)), "7th in all: %s", buf);
	close(extra);
	for (i = 0; i < n; i++)
		close(fds[i]);
	sleep_ms(300);
	json_decref(harness_call(&run, "GET", "/api/workspaces", ALICE, NULL,
	    200));
	cr_assert_eq(harness_request(&run, "GET", "/api/metrics", SCRAPE,
	    NULL, &out), 200);
	cr_expect_not_null(strstr(out, "berth_http_refused_total{reason="
	    "\"max_connections_per_client\"} 1\n"), "%s", out);
	cr_expect_not_null(strstr(out, "berth_http_refused_total{reason="
	    "\"max_connections\"} 1\n"));
	free(out);
}

/* A 1 MB body announced and never sent: the 401 comes first. */
Test(api_abuse, unauthorized_before_the_body)
{
	static const char *const auths[] = { "", "Authorization: Basic x\r\n",
	    "Authorization: Bearer ab-wrong-token-0123456789\r\n" };
	char	req[512], buf[2048];
	size_t	i;
	int	fd;

	for (i = 0; i < 3; i++) {
		snprintf(req, sizeof(req), "POST /api/workspaces HTTP/1.1\r\n"
		    "Host: x\r\n%sContent-Type: application/json\r\n"
		    "Content-Length: 1000000\r\n\r\n{\"type\":", auths[i]);
		fd = connect_from("127.0.0.1");
		send_str(fd, req);
		read_for(fd, buf, sizeof(buf), 1500);
		cr_assert_not_null(strstr(buf, " 401 "), "case %zu: %s", i,
		    buf);
		cr_assert_not_null(strstr(buf, "WWW-Authenticate: Bearer"));
		close(fd);
	}
	/* A good token's body is read and checked as before. */
	fd = connect_from("127.0.0.1");
	send_str(fd, "POST /api/workspaces HTTP/1.1\r\nHost: x\r\n"
	    "Authorization: Bearer " ALICE "\r\nContent-Length: 14\r\n\r\n");
	sleep_ms(200);
	send_str(fd, "{\"type\":\"no\"}\n");
	read_for(fd, buf, sizeof(buf), 3000);
	cr_assert_not_null(strstr(buf, " 422 "), "%s", buf);
	close(fd);
}

static volatile int flooding;

struct flooder {
	long	count;
	char	stamps[8][40];	/* anonymous /api/health timestamps */
	int	nstamps;	/* distinct, up to 8 */
};

static void
note_stamp(struct flooder *f, const char *buf)
{
	const char	*p = strstr(buf, "\"timestamp\":\"");
	char		 ts[40];
	int		 i;

	if (p == NULL || sscanf(p + 13, "%39[^\"]", ts) != 1)
		return;
	for (i = 0; i < f->nstamps; i++)
		if (strcmp(f->stamps[i], ts) == 0)
			return;
	if (f->nstamps < 8)
		strcpy(f->stamps[f->nstamps++], ts);
}

/* Anonymous requests as fast as they come, from 127.0.0.5. */
static void *
flood(void *arg)
{
	static const char *const paths[] = { "/ready", "/api/health",
	    "/health" };
	struct flooder	*f = arg;
	char		 req[128], buf[4096];
	int		 fd;

	while (flooding) {
		snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n",
		    paths[f->count % 3]);
		fd = connect_from("127.0.0.5");
		if (write(fd, req, strlen(req)) > 0 &&
		    read_for(fd, buf, sizeof(buf), 2000) > 0)
			note_stamp(f, buf);
		close(fd);
		f->count++;
	}
	return NULL;
}

/* The flood is served from the snapshot (at most one new timestamp per
 * 2 s); the latency of authenticated requests meanwhile is measured by
 * bench/api_flood.sh, not asserted here. */
Test(api_abuse, authenticated_requests_answer_during_a_flood)
{
	struct flooder	f[2];
	pthread_t	t[2];
	json_t		*j;
	int		i;

	memset(f, 0, sizeof(f));
	flooding = 1;
	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, flood, &f[i]);
	sleep_ms(300);
	for (i = 0; i < 20; i++) {
		j = harness_call(&run, "GET", "/api/workspaces", ALICE, NULL,
		    200);
		json_decref(j);
	}
	flooding = 0;
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	cr_assert_gt(f[0].count + f[1].count, 20);
	cr_assert_gt(f[0].nstamps + f[1].nstamps, 0);
	for (i = 0; i < 2; i++)
		cr_assert_leq(f[i].nstamps, 3, "%d answers computed afresh",
		    f[i].nstamps);
}

Test(api_abuse, anonymous_callers_see_status_only)
{
	json_t	*j, *k;

	j = harness_call(&run, "GET", "/api/health", NULL, NULL, 200);
	cr_assert_eq(json_object_size(j), 2, "anonymous /api/health: %s",
	    json_dumps(j, 0));
	cr_assert_not_null(json_object_get(j, "overall"));
	k = harness_call(&run, "GET", "/api/health", NULL, NULL, 200);
	cr_assert(json_equal(j, k), "not the snapshot");	/* 2 s cache */
	json_decref(k);
	json_decref(j);
	j = harness_call(&run, "GET", "/ready", NULL, NULL, 200);
	cr_assert_eq(json_object_size(j), 1);
	json_decref(j);
	j = harness_call(&run, "GET", "/api/health", ADMIN, NULL, 200);
	cr_assert(json_array_size(json_object_get(j, "workers")) > 0);
	cr_assert_not_null(json_object_get(json_array_get(json_object_get(j,
	    "workers"), 0), "pid"));
	cr_assert_not_null(json_object_get(j, "version"));
	json_decref(j);
	json_decref(harness_call(&run, "GET", "/api/health", ALICE, NULL,
	    403));
	json_decref(harness_call(&run, "GET", "/api/health",
	    "ab-wrong-token-0123456789", NULL, 401));
}

Test(api_abuse, metrics_need_the_scrape_token_and_drop_user_labels)
{
	json_t	*ws;
	char	*out = NULL;
	int	 i, found = 0;

	json_decref(harness_call(&run, "GET", "/api/metrics", NULL, NULL,
	    401));
	json_decref(harness_call(&run, "GET", "/api/metrics", ADMIN, NULL,
	    401));
	ws = harness_call(&run, "POST", "/api/workspaces", ALICE,
	    "{\"type\":\"demo\"}", 201);
	for (i = 0; i < 40 && !found; i++) {
		free(out);
		out = NULL;
		cr_assert_eq(harness_request(&run, "GET", "/api/metrics",
		    SCRAPE, NULL, &out), 200);
		found = strstr(out, "berth_container_cpu_seconds_total{") !=
		    NULL;
		if (!found)
			sleep_ms(500);
	}
	cr_assert(found, "no container series");
	cr_assert_null(strstr(out, "user=\""), "a user label");
	cr_assert_null(strstr(out, "ab-alice"), "a user id");
	free(out);
	json_decref(ws);
}

Test(api_abuse, env_cannot_set_reserved_variables)
{
	static const char *const names[] = { "PORT", "BERTH_TOKEN",
	    "DEMO_MODE" };
	char	body[128];
	json_t	*j;
	size_t	i;

	for (i = 0; i < 3; i++) {
		snprintf(body, sizeof(body), "{\"type\":\"demo\",\"env\":"
		    "{\"%s\":\"1\"}}", names[i]);
		j = harness_call(&run, "POST", "/api/workspaces", ALICE, body,
		    422);
		cr_assert_not_null(strstr(json_string_value(json_object_get(
		    json_object_get(j, "error"), "message")), names[i]));
		json_decref(j);
	}
}

Test(api_abuse, engine_words_for_the_admin_only)
{
	json_t		*j;
	const char	*msg;

	j = harness_call(&run, "POST", "/api/workspaces", ALICE,
	    "{\"type\":\"ghost\"}", 502);
	msg = json_string_value(json_object_get(json_object_get(j, "error"),
	    "message"));
	cr_assert_str_eq(msg, "the engine refused the request");
	json_decref(j);
	j = harness_call(&run, "POST", "/api/workspaces", ADMIN,
	    "{\"type\":\"ghost\",\"userId\":\"ab-alice\"}", 502);
	msg = json_string_value(json_object_get(json_object_get(j, "error"),
	    "message"));
	cr_assert_not_null(strstr(msg, "no-such-image"), "%s", msg);
	json_decref(j);
	cr_assert(log_contains(&run, "no-such-image"));
}

/* "unknown field %.64s" cuts the name inside a two-byte character. */
Test(api_abuse, error_text_cut_on_a_character)
{
	char	body[256], name[128];
	json_t	*j;
	int	i;

	strcpy(name, "x");
	for (i = 0; i < 40; i++)
		strcat(name, "\xc3\xa9");
	snprintf(body, sizeof(body), "{\"type\":\"demo\",\"%s\":1}", name);
	j = harness_call(&run, "POST", "/api/workspaces", ALICE, body, 422);
	cr_assert_not_null(strstr(json_string_value(json_object_get(
	    json_object_get(j, "error"), "message")), "unknown field x\xc3\xa9"));
	json_decref(j);
}

/* "method not allowed on %s" with a path that is not UTF-8: jansson
 * refuses such a string, and the answer was an empty body. */
Test(api_abuse, error_text_not_utf8_still_has_a_body)
{
	char		 buf[2048], *body;
	json_t		*j;
	int		 fd = connect_from("127.0.0.1");

	send_str(fd, "PUT /api/workspaces/ab\xff\xfe HTTP/1.1\r\nHost: x\r\n"
	    "Authorization: Bearer " ALICE "\r\nContent-Length: 0\r\n\r\n");
	read_for(fd, buf, sizeof(buf), 3000);
	close(fd);
	cr_assert_not_null(strstr(buf, " 405 "), "%s", buf);
	cr_assert_not_null(body = strstr(buf, "\r\n\r\n"));
	cr_assert_not_null(j = json_loads(body + 4, 0, NULL), "body: %s",
	    body + 4);
	cr_assert_not_null(strstr(json_string_value(json_object_get(
	    json_object_get(j, "error"), "message")), "/api/workspaces/ab??"));
	json_decref(j);
}
