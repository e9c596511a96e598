/*
 * The Docker Engine client (supervisord/docker.c) against a small fake
 * engine on a private socket, for what the real one (test_docker.c)
 * cannot show on demand: an old API, huge and malformed bodies, a
 * hang, a stream cut short, an engine gone, and exactly what goes over
 * the wire.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "docker.h"
#include "docker_fixture.h"

/* ------------------------------------------------------------ fake engine */

/*
 * A forked server on a private socket, one process per connection,
 * "Connection: close" on every answer.  /_ping and /version answer
 * only without the version prefix, the rest only with it.
 */
static char	fake_dir[64];
static char	fake_sock[108];	/* sizeof sun_path */
static pid_t	fake_pid = -1;

static void
fake_reply(int c, int code, const char *type, const char *body, size_t len)
{
	char	head[256];
	int	n;
	size_t	off;
	ssize_t	w;

	n = snprintf(head, sizeof head, "HTTP/1.1 %d X\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n", code, type, len);
	if (write(c, head, (size_t)n) != n)
		_exit(1);
	for (off = 0; off < len; off += (size_t)w)
		if ((w = write(c, body + off, len - off)) <= 0)
			_exit(1);
}

/* A body of n bytes: "[", spaces, "]". */
static void
fake_big(int c, size_t n)
{
	char	*b = malloc(n);

	memset(b, ' ', n);
	b[0] = '[';
	b[n - 1] = ']';
	fake_reply(c, 200, "application/json", b, n);
	free(b);
}

/* The request as JSON: method, path, content type, body. */
static void
fake_echo(int c, const char *req, const char *body, size_t blen)
{
	char	 method[16] = "", path[256] = "", type[128] = "";
	char	*out;
	const char *h;

	sscanf(req, "%15s %255s", method, path);
	for (h = strstr(req, "\r\n"); h != NULL; h = strstr(h + 2, "\r\n"))
		if (strncasecmp(h + 2, "Content-Type: ", 14) == 0)
			sscanf(h + 16, "%127[^\r]", type);
	out = json_dumps(json_pack("{s:s, s:s, s:s, s:s%}", "method", method,
	    "path", path, "type", type, "body", body, blen), JSON_COMPACT);
	fake_reply(c, 200, "application/json", out, strlen(out));
	free(out);
}

/* Read the request head and body; the body length from Content-Length. */
static size_t
fake_read(int c, char *buf, size_t size, char **body, size_t *blen)
{
	size_t		 len = 0, want;
	ssize_t		 n;
	char		*end = NULL;
	const char	*h;

	while (end == NULL && len < size - 1) {
		if ((n = read(c, buf + len, size - 1 - len)) <= 0)
			_exit(1);
		len += (size_t)n;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
	if (end == NULL)
		_exit(1);
	*body = end + 4;
	want = 0;
	for (h = strstr(buf, "\r\n"); h != NULL && h < end;
	    h = strstr(h + 2, "\r\n"))
		if (strncasecmp(h + 2, "Content-Length: ", 16) == 0)
			want = strtoul(h + 18, NULL, 10);
	while ((size_t)(buf + len - *body) < want && len < size - 1) {
		if ((n = read(c, buf + len, size - 1 - len)) <= 0)
			_exit(1);
		len += (size_t)n;
	}
	buf[len] = '\0';
	*blen = want;
	return len;
}

/* Read a large body slowly (the client must wait to write), count it. */
static void
fake_sink(int c, char *buf, size_t size, size_t have, size_t want)
{
	char	out[64];
	ssize_t	n;

	usleep(200000);
	while (have < want) {
		if ((n = read(c, buf, size)) <= 0)
			_exit(1);
		have += (size_t)n;
	}
	snprintf(out, sizeof out, "{\"received\":%zu}", have);
	fake_reply(c, 200, "application/json", out, strlen(out));
}

static void
fake_serve(int c, const char *api)
{
	static char	 buf[65536];
	char		 path[256] = "", ver[128], *body;
	size_t		 len, blen;

	len = fake_read(c, buf, sizeof buf, &body, &blen);
	sscanf(buf, "%*s %255s", path);
	if (strcmp(path, "/_ping") == 0)
		fake_reply(c, 200, "text/plain", "OK", 2);
	else if (strcmp(path, "/version") == 0) {
		snprintf(ver, sizeof ver, "{\"Version\":\"19.03.15\","
		    "\"ApiVersion\":\"%s\"}\n", api);
		fake_reply(c, 200, "application/json", ver, strlen(ver));
	} else if (strncmp(path, "/v1.41/echo", 11) == 0)
		fake_echo(c, buf, body, blen);
	else if (strcmp(path, "/v1.41/sink") == 0)
		fake_sink(c, buf, sizeof buf, (size_t)(buf + len - body), blen);
	else if (strcmp(path, "/v1.41/big") == 0)
		fake_big(c, DOCKER_MAX_BODY + 1);
	else if (strcmp(path, "/v1.41/exact") == 0)
		fake_big(c, DOCKER_MAX_BODY);
	else if (strcmp(path, "/v1.41/badjson") == 0)
		fake_reply(c, 200, "application/json", "{oops", 5);
	else if (strcmp(path, "/v1.41/text") == 0)
		fake_reply(c, 200, "text/plain", "plain text", 10);
	else if (strcmp(path, "/v1.41/hang") == 0) {
		while (read(c, buf, sizeof buf) > 0)
			;
	} else if (strcmp(path, "/v1.41/cut") == 0) {
		if (write(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
		    "tick\n", 45) != 45)
			_exit(1);
	} else
		fake_reply(c, 404, "application/json",
		    "{\"message\":\"page not found\"}\n", 29);
}

static void
fake_start(const char *api)
{
	struct sockaddr_un	 sun;
	int			 fd, c;

	snprintf(fake_dir, sizeof fake_dir, "/tmp/berth-test-XXXXXX");
	cr_assert_not_null(mkdtemp(fake_dir));
	snprintf(fake_sock, sizeof fake_sock, "%s/engine.sock", fake_dir);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", fake_sock);
	cr_assert_geq(fd = socket(AF_UNIX, SOCK_STREAM, 0), 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	cr_assert_eq(listen(fd, 64), 0);
	cr_assert_geq(fake_pid = fork(), 0);
	if (fake_pid == 0) {
		signal(SIGCHLD, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		for (;;) {
			if ((c = accept(fd, NULL, NULL)) == -1)
				continue;
			if (fork() == 0) {
				alarm(20);
				fake_serve(c, api);
				_exit(0);
			}
			close(c);
		}
	}
	close(fd);
}

/* Kill the server; the socket file stays until fake_cleanup. */
static void
fake_kill(void)
{
	if (fake_pid > 0) {
		kill(fake_pid, SIGKILL);
		waitpid(fake_pid, NULL, 0);
	}
	fake_pid = -1;
}

static void
fake_cleanup(void)
{
	fake_kill();
	if (fake_sock[0] != '\0')
		unlink(fake_sock);
	if (fake_dir[0] != '\0')
		rmdir(fake_dir);
	fake_sock[0] = fake_dir[0] = '\0';
}

/* The same timeout as the docker suite (test_docker.c): when both were
 * in one program, suites of different timeouts run in parallel made
 * Criterion 2.4's runner leak (LeakSanitizer said so). */
TestSuite(fake_engine, .fini = fake_cleanup, .timeout = 90);

Test(fake_engine, check_compares_api_versions_numerically)
{
	static const struct {
		const char	*api;
		int		 ok;
		const char	*err;
	} cases[] = {
		{ "1.40", 0, "Docker API 1.40 is older than 1.41 (Docker 20.10)" },
		{ "1.9", 0, "Docker API 1.9 is older than 1.41 (Docker 20.10)" },
		{ "0.99", 0, "Docker API 0.99 is older than 1.41 (Docker 20.10)" },
		{ "1.41", 1, NULL },
		{ "1.100", 1, NULL },
		{ "2.0", 1, NULL },
		{ "junk", 0, "unreadable API version \"junk\"" },
		{ "1.", 0, "unreadable API version \"1.\"" },
	};
	struct checked	c;
	size_t		i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&c, 0, sizeof c);
		fake_start(cases[i].api);
		start(fake_sock);
		docker_check(check_cb, &c);
		run_until(&c.done);
		cr_assert_eq(c.ok, cases[i].ok, "api %s: %s", cases[i].api,
		    c.err ? c.err : "ok");
		cr_assert_str_eq(c.api, cases[i].api);
		cr_assert_str_eq(c.version, "19.03.15");
		if (cases[i].err == NULL)
			cr_assert_null(c.err);
		else
			cr_assert_not_null(strstr(c.err, cases[i].err),
			    "api %s: %s", cases[i].api, c.err);
		checked_clear(&c);
		finish();
		fake_cleanup();
	}
}

static void
expect_echo(const char *method, json_t *body, const char *want_method,
    const char *want_type, const char *want_body)
{
	struct sync	 s;
	json_t		*j;

	call(&s, method, "/echo?x=1", body, 0);
	cr_assert_eq(s.status, 200, "%s: %ld %s", method, s.status,
	    s.err ? s.err : "");
	j = s.json;
	cr_assert_str_eq(json_string_value(json_object_get(j, "method")),
	    want_method);
	cr_assert_str_eq(json_string_value(json_object_get(j, "path")),
	    "/v1.41/echo?x=1");
	cr_assert_str_eq(json_string_value(json_object_get(j, "type")),
	    want_type, "%s", method);
	cr_assert_str_eq(json_string_value(json_object_get(j, "body")),
	    want_body, "%s", method);
	sync_clear(&s);
}

Test(fake_engine, request_shapes)
{
	fake_start("1.41");
	start(fake_sock);
	expect_echo("GET", NULL, "GET", "", "");
	expect_echo("POST", json_pack("{s:i}", "a", 1), "POST",
	    "application/json", "{\"a\":1}");
	expect_echo("POST", NULL, "POST", "", "");
	expect_echo("PUT", json_pack("[s]", "x"), "PUT", "application/json",
	    "[\"x\"]");
	expect_echo("DELETE", NULL, "DELETE", "", "");
	finish();
}

Test(fake_engine, large_request_body)
{
	struct sync	 s;
	char		*big;
	size_t		 n = 4 * 1024 * 1024;

	fake_start("1.41");
	start(fake_sock);
	big = malloc(n + 1);
	memset(big, 'a', n);
	big[n] = '\0';
	call(&s, "POST", "/sink", json_pack("{s:s}", "blob", big), 0);
	free(big);
	cr_assert_eq(s.status, 200, "%ld %s", s.status, s.err ? s.err : "");
	cr_assert_eq(json_integer_value(json_object_get(s.json, "received")),
	    (json_int_t)(n + strlen("{\"blob\":\"\"}")));
	sync_clear(&s);
	finish();
}

Test(fake_engine, body_size_limit)
{
	struct sync	s;

	fake_start("1.41");
	start(fake_sock);
	call(&s, "GET", "/big", NULL, 0);
	cr_assert_eq(s.status, 0);
	cr_assert_str_eq(s.err, "response too large");
	cr_assert_null(s.json);
	sync_clear(&s);
	call(&s, "GET", "/exact", NULL, 0);
	cr_assert_eq(s.status, 200, "%s", s.err ? s.err : "");
	cr_assert(json_is_array(s.json));
	sync_clear(&s);
	finish();
}

Test(fake_engine, bodies_that_are_not_json)
{
	struct sync	s;

	fake_start("1.41");
	start(fake_sock);
	call(&s, "GET", "/badjson", NULL, 0);
	cr_assert_eq(s.status, 200);
	cr_assert_null(s.json);
	cr_assert_not_null(s.err);
	cr_assert_eq(strncmp(s.err, "bad JSON from the engine", 24), 0, "%s",
	    s.err);
	sync_clear(&s);
	call(&s, "GET", "/text", NULL, 0);
	cr_assert_eq(s.status, 200);
	cr_assert_null(s.json);
	cr_assert_null(s.err);
	cr_assert_str_eq(s.raw, "plain text");
	sync_clear(&s);
	call(&s, "GET", "/nothing", NULL, 0);
	cr_assert_eq(s.status, 404);
	cr_assert_str_eq(json_string_value(json_object_get(s.json, "message")),
	    "page not found");
	sync_clear(&s);
	finish();
}

static long
elapsed_ms(const struct timespec *t0)
{
	struct timespec	t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	    (t.tv_nsec - t0->tv_nsec) / 1000000;
}

Test(fake_engine, call_timeout)
{
	struct sync	s;
	struct timespec	t0;
	long		ms;

	fake_start("1.41");
	start(fake_sock);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	call(&s, "GET", "/hang", NULL, 300);
	ms = elapsed_ms(&t0);
	cr_assert_eq(s.status, 0);
	cr_assert_not_null(s.err);
	cr_assert_not_null(strstr(s.err, "timed out"), "%s", s.err);
	cr_assert(ms >= 250 && ms < 5000, "took %ld ms", ms);
	sync_clear(&s);
	finish();
}

Test(fake_engine, stream_cut_short)
{
	struct rec	r;

	fake_start("1.41");
	start(fake_sock);
	rec_stream(&r, "/cut");
	run_until(&r.ended);
	cr_assert_eq(r.status, 0);
	cr_assert_not_null(r.err);
	cr_assert_str_eq(r.data, "tick\n");
	rec_clear(&r);
	finish();
}

Test(fake_engine, engine_gone)
{
	struct sync	s;
	struct checked	c = { 0 };

	fake_start("1.41");
	fake_kill();		/* the socket file stays, nobody listens */
	start(fake_sock);
	call(&s, "GET", "/_ping", NULL, 0);
	cr_assert_eq(s.status, 0);
	cr_assert_not_null(strstr(s.err, "Connection refused"), "%s", s.err);
	sync_clear(&s);
	docker_check(check_cb, &c);
	run_until(&c.done);
	cr_assert_eq(c.ok, 0);
	cr_assert_not_null(strstr(c.err, "cannot reach the engine at "),
	    "%s", c.err);
	cr_assert_not_null(strstr(c.err, fake_sock), "%s", c.err);
	checked_clear(&c);
	finish();
}

Test(fake_engine, not_initialised)
{
	struct rec	r;
	int		called = 0;

	docker_call("GET", "/_ping", json_pack("{}"), 0, not_running_cb,
	    &called);
	cr_assert_eq(called, 1);
	memset(&r, 0, sizeof r);
	cr_assert_null(docker_stream("/events", rec_data, rec_end, &r));
	cr_assert_eq(r.ended, 1);
	cr_assert_eq(r.status, 0);
	cr_assert_not_null(r.err);
	docker_stream_cancel(NULL);
	docker_shutdown();
	rec_clear(&r);
}
