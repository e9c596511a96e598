/*
 * The Docker Engine client (supervisord/docker.c) against the real
 * dockerd on /var/run/docker.sock: the engine check, calls, the
 * container life cycle, the event and log streams, cancellation and
 * shutdown from inside callbacks, and many requests at once.  What the
 * real engine cannot show on demand (an old API, huge and malformed
 * bodies, a hang, exactly what goes over the wire) is test_docker_fake.c.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <event2/event.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "docker.h"
#include "docker_fixture.h"

#define SOCK		"/var/run/docker.sock"
#define IMAGE		"berth/demo-workspace"

#ifdef BERTH_SRCDIR
#define srcdir()	BERTH_SRCDIR
#else
/* The source tree, from this file's name, when the build does not say. */
static const char *
srcdir(void)
{
	static char	 dir[1024];
	const char	*tail = "/tests/integration/test_docker.c";
	size_t		 n = strlen(__FILE__);

	if (n > strlen(tail) && strcmp(__FILE__ + n - strlen(tail), tail) == 0)
		snprintf(dir, sizeof dir, "%.*s", (int)(n - strlen(tail)),
		    __FILE__);
	else
		snprintf(dir, sizeof dir, ".");
	return dir;
}
#endif

/* ------------------------------------------------------------ containers */

static void
cleanup_containers(void)
{
	char	cmd[256];

	snprintf(cmd, sizeof cmd, "docker ps -aq --filter name=berth-test-%d- "
	    "| xargs -r docker rm -f >/dev/null 2>&1", (int)getpid());
	if (system(cmd) == -1)
		perror("system");
}

static void
engine_required(void)
{
	char	cmd[1100];

	cr_assert_eq(access(SOCK, F_OK), 0, "no Docker Engine socket at "
	    SOCK " (%s): start dockerd; these tests need a real engine",
	    strerror(errno));
	if (system("docker image inspect " IMAGE " >/dev/null 2>&1") == 0)
		return;
	snprintf(cmd, sizeof cmd, "sh %s/contrib/demo-image.sh", srcdir());
	cr_assert_eq(system(cmd), 0, "cannot build " IMAGE " with %s", cmd);
}

TestSuite(docker, .fini = cleanup_containers, .timeout = 90);

/* Create (not start) a labelled container running sh -c script. */
static char *
create(const char *tag, const char *script)
{
	struct sync	 s;
	json_t		*body;
	char		 path[256];
	char		*id;

	body = json_pack("{s:s, s:[s, s, s], s:{s:s}, s:b, s:{s:b}}",
	    "Image", IMAGE, "Cmd", "sh", "-c", script,
	    "Labels", "berth.test", "1", "Tty", 0,
	    "HostConfig", "AutoRemove", 0);
	cr_assert_not_null(body);
	snprintf(path, sizeof path, "/containers/create?name=berth-test-%d-%s",
	    (int)getpid(), tag);
	call(&s, "POST", path, body, 0);
	cr_assert_eq(s.status, 201, "create: %ld %s %s", s.status, s.raw,
	    s.err ? s.err : "");
	id = strdup(json_string_value(json_object_get(s.json, "Id")));
	sync_clear(&s);
	cr_assert_eq(strlen(id), 64, "container id %s", id);
	return id;
}

static void
start_container(const char *id)
{
	char	path[128];

	snprintf(path, sizeof path, "/containers/%s/start", id);
	cr_assert_eq(call_status("POST", path), 204);
}

/* ------------------------------------------------------------ check */

Test(docker, check_real_engine)
{
	struct checked	c = { 0 };
	unsigned	major = 0, minor = 0;

	engine_required();
	start(SOCK);
	docker_check(check_cb, &c);
	run_until(&c.done);
	cr_assert(c.ok, "check failed: %s", c.err ? c.err : "(no err)");
	cr_assert_null(c.err);
	cr_assert_not_null(c.version);
	cr_assert_gt(strlen(c.version), 0);
	cr_assert_not_null(c.api);
	cr_assert_eq(sscanf(c.api, "%u.%u", &major, &minor), 2, "api %s",
	    c.api);
	cr_assert(major > 1 || (major == 1 && minor >= 41), "api %s", c.api);
	checked_clear(&c);
	finish();
}

Test(docker, check_missing_socket)
{
	struct checked	c = { 0 };
	const char	*want = "cannot reach the engine at "
			    "/nonexistent/berth-test.sock: ";

	start("/nonexistent/berth-test.sock");
	docker_check(check_cb, &c);
	run_until(&c.done);
	cr_assert_eq(c.ok, 0);
	cr_assert_not_null(c.err);
	cr_assert_eq(strncmp(c.err, want, strlen(want)), 0, "err: %s", c.err);
	cr_assert_not_null(strstr(c.err, "No such file or directory"),
	    "err: %s", c.err);
	checked_clear(&c);
	finish();
}

/* ------------------------------------------------------------ calls */

Test(docker, list_containers)
{
	struct sync	s;

	engine_required();
	start(SOCK);
	call(&s, "GET", "/containers/json?all=1", NULL, 0);
	cr_assert_eq(s.status, 200, "%ld %s", s.status, s.err ? s.err : "");
	cr_assert_null(s.err);
	cr_assert(json_is_array(s.json), "not an array: %s", s.raw);
	cr_assert_eq(s.raw[0], '[');
	sync_clear(&s);
	finish();
}

Test(docker, inspect_missing_is_404)
{
	struct sync	 s;
	const char	*msg;

	engine_required();
	start(SOCK);
	call(&s, "GET", "/containers/doesnotexist/json", NULL, 0);
	cr_assert_eq(s.status, 404);
	cr_assert_null(s.err);
	cr_assert(json_is_object(s.json), "not an object: %s", s.raw);
	msg = json_string_value(json_object_get(s.json, "message"));
	cr_assert_not_null(msg);
	cr_assert_not_null(strstr(msg, "No such container"), "%s", msg);
	sync_clear(&s);
	finish();
}

/* The life cycle, each step started from the callback of the last. */
struct life {
	int	 step;
	int	 done;
	char	 name[64];
	char	 id[80];
	char	 failed[256];
};

static void	life_cb(const struct docker_reply *, void *);

static void
life_next(struct life *l, const char *method, const char *fmt)
{
	char	path[256];

	snprintf(path, sizeof path, fmt, l->id);
	l->step++;
	docker_call(method, path, NULL, 0, life_cb, l);
}

static int
str_is(json_t *j, const char *want)
{
	return json_is_string(j) && strcmp(json_string_value(j), want) == 0;
}

static int
life_inspected(struct life *l, const struct docker_reply *r, int running)
{
	json_t	*state = json_object_get(r->json, "State");
	json_t	*labels = json_object_get(json_object_get(r->json, "Config"),
		    "Labels");

	if (r->status != 200 || !json_is_object(state))
		return 0;
	if (json_is_true(json_object_get(state, "Running")) != running)
		return 0;
	return str_is(json_object_get(labels, "berth.test"), "1") &&
	    str_is(json_object_get(r->json, "Name"), l->name);
}

static void
life_cb(const struct docker_reply *r, void *arg)
{
	struct life	*l = arg;
	static const long want[] = { 201, 204, 200, 204, 200, 204, 404 };

	if (r->status != want[l->step]) {
		snprintf(l->failed, sizeof l->failed, "step %d: HTTP %ld %.*s "
		    "%s", l->step, r->status, (int)r->len, r->raw,
		    r->err ? r->err : "");
		l->done = 1;
		event_base_loopbreak(base);
		return;
	}
	switch (l->step) {
	case 0:
		snprintf(l->id, sizeof l->id, "%s", json_string_value(
		    json_object_get(r->json, "Id")));
		life_next(l, "POST", "/containers/%s/start");
		return;
	case 1:
		life_next(l, "GET", "/containers/%s/json");
		return;
	case 2:
		cr_expect(life_inspected(l, r, 1), "not running: %s", r->raw);
		life_next(l, "POST", "/containers/%s/stop?t=1");
		return;
	case 3:
		life_next(l, "GET", "/containers/%s/json");
		return;
	case 4:
		cr_expect(life_inspected(l, r, 0), "still running: %s", r->raw);
		life_next(l, "DELETE", "/containers/%s");
		return;
	case 5:
		life_next(l, "GET", "/containers/%s/json");
		return;
	}
	l->done = 1;
	event_base_loopbreak(base);
}

Test(docker, container_life_cycle)
{
	struct life	 l = { 0 };
	json_t		*body;
	char		 path[128];

	engine_required();
	start(SOCK);
	snprintf(l.name, sizeof l.name, "/berth-test-%d-life", (int)getpid());
	snprintf(path, sizeof path, "/containers/create?name=berth-test-%d-life",
	    (int)getpid());
	body = json_pack("{s:s, s:[s, s], s:{s:s}}", "Image", IMAGE,
	    "Cmd", "sleep", "30", "Labels", "berth.test", "1");
	docker_call("POST", path, body, 0, life_cb, &l);
	run_until(&l.done);
	cr_assert_eq(l.failed[0], '\0', "%s", l.failed);
	cr_assert_eq(l.step, 6);
	finish();
}

Test(docker, many_concurrent_calls)
{
	struct sync	s[50];
	int		i, n, all = 0;

	engine_required();
	start(SOCK);
	for (i = 0; i < 50; i++) {
		memset(&s[i], 0, sizeof s[i]);
		docker_call("GET", i % 2 ? "/containers/json?all=1" :
		    "/_ping", NULL, 0, sync_cb, &s[i]);
	}
	while (!all && !timed_out) {
		event_base_dispatch(base);
		for (n = i = 0; i < 50; i++)
			n += s[i].done;
		all = n == 50;
	}
	cr_assert(!timed_out, "only some of 50 calls finished");
	for (i = 0; i < 50; i++) {
		cr_expect_eq(s[i].status, 200, "call %d: %ld %s", i,
		    s[i].status, s[i].err ? s[i].err : "");
		if (i % 2)
			cr_expect(json_is_array(s[i].json), "call %d", i);
		else
			cr_expect_str_eq(s[i].raw, "OK", "call %d", i);
		sync_clear(&s[i]);
	}
	finish();
}

/* ------------------------------------------------------------ streams */

/* Newline-delimited JSON (the event stream), split into objects. */
struct lines {
	char	*buf;
	size_t	 len;
};

static json_t *
lines_next(struct lines *b)
{
	char	*nl;
	json_t	*j;
	size_t	 n;

	if ((nl = memchr(b->buf, '\n', b->len)) == NULL)
		return NULL;
	n = (size_t)(nl - b->buf);
	j = json_loadb(b->buf, n, 0, NULL);
	cr_assert_not_null(j, "bad event line %.*s", (int)n, b->buf);
	memmove(b->buf, nl + 1, b->len - n - 1);
	b->len -= n + 1;
	return j;
}

static void
lines_add(struct lines *b, const char *buf, size_t len)
{
	b->buf = realloc(b->buf, b->len + len + 1);
	memcpy(b->buf + b->len, buf, len);
	b->len += len;
}

struct evwatch {
	struct docker_stream	*stream;
	struct lines		 lines;
	char			*id;
	int			 started, died;
	int			 ended;
	int			 done;
};

static void
evwatch_removed(const struct docker_reply *r, void *arg)
{
	struct evwatch	*w = arg;

	cr_expect_eq(r->status, 204, "delete: %ld", r->status);
	w->done = 1;
	event_base_loopbreak(base);
}

static void
evwatch_event(struct evwatch *w, json_t *ev)
{
	const char	*action, *id;
	char		 path[128];

	action = json_string_value(json_object_get(ev, "Action"));
	id = json_string_value(json_object_get(json_object_get(ev, "Actor"),
	    "ID"));
	if (w->id == NULL || id == NULL || strcmp(id, w->id) != 0)
		return;
	if (strcmp(action, "start") == 0)
		w->started = 1;
	if (strcmp(action, "die") == 0 && w->started && !w->died) {
		w->died = 1;
		/* Cancel and call from inside data_cb. */
		docker_stream_cancel(w->stream);
		snprintf(path, sizeof path, "/containers/%s?force=1", w->id);
		docker_call("DELETE", path, NULL, 0, evwatch_removed, w);
	}
}

static void
evwatch_data(const char *buf, size_t len, void *arg)
{
	struct evwatch	*w = arg;
	json_t		*ev;

	cr_expect_eq(w->died, 0, "data after cancel");
	lines_add(&w->lines, buf, len);
	while ((ev = lines_next(&w->lines)) != NULL) {
		evwatch_event(w, ev);
		json_decref(ev);
	}
}

static void
evwatch_end(long status, const char *err, void *arg)
{
	struct evwatch	*w = arg;

	cr_expect_fail("events stream ended: %ld %s", status, err ? err : "");
	w->ended = 1;
	w->done = 1;
	event_base_loopbreak(base);
}

Test(docker, events_stream_sees_start_and_die)
{
	struct evwatch	 w = { 0 };
	char		*filter, path[512];

	engine_required();
	start(SOCK);
	filter = docker_escape("{\"label\":[\"berth.test=1\"]}");
	cr_assert_str_eq(filter,
	    "%7B%22label%22%3A%5B%22berth.test%3D1%22%5D%7D");
	/* since: no race between the subscription and the start. */
	snprintf(path, sizeof path, "/events?since=%lld&filters=%s",
	    (long long)time(NULL) - 2, filter);
	free(filter);
	w.stream = docker_stream(path, evwatch_data, evwatch_end, &w);
	cr_assert_not_null(w.stream);
	w.id = create("events", "sleep 30");
	start_container(w.id);
	snprintf(path, sizeof path, "/containers/%s/kill", w.id);
	cr_assert_eq(call_status("POST", path), 204);
	run_until(&w.done);
	cr_assert(w.started, "no start event");
	cr_assert(w.died, "no die event");
	cr_assert_eq(w.ended, 0);
	linger(200);
	free(w.lines.buf);
	free(w.id);
	finish();
}

struct logwatch {
	struct docker_stream	*stream;
	struct docker_demux	 demux;
	char			*id;
	int			 out, err;
	int			 ended;
	int			 done;
};

static void
logwatch_removed(const struct docker_reply *r, void *arg)
{
	struct logwatch	*w = arg;

	cr_expect_eq(r->status, 204, "delete: %ld", r->status);
	w->done = 1;
	event_base_loopbreak(base);
}

/* "2006-01-02T15:04:05.999999999Z hello-berth\n" */
static int
stamped(const char *buf, size_t len, const char *line)
{
	const char	*sp = memchr(buf, ' ', len);
	size_t		 n = strlen(line);

	if (sp == NULL || len < 20 || buf[4] != '-' || buf[10] != 'T' ||
	    sp[-1] != 'Z')
		return 0;
	return (size_t)(buf + len - sp - 1) == n && memcmp(sp + 1, line, n) == 0;
}

static void
logwatch_frame(int stream, const char *buf, size_t len, void *arg)
{
	struct logwatch	*w = arg;
	char		 path[128];

	if (stream == 1 && stamped(buf, len, "hello-berth\n"))
		w->out = 1;
	else if (stream == 2 && stamped(buf, len, "oops-berth\n"))
		w->err = 1;
	else
		cr_expect_fail("unexpected frame %d: %.*s", stream, (int)len,
		    buf);
	if (w->out && w->err && w->stream != NULL) {
		docker_stream_cancel(w->stream);
		w->stream = NULL;
		snprintf(path, sizeof path, "/containers/%s?force=1", w->id);
		docker_call("DELETE", path, NULL, 0, logwatch_removed, w);
	}
}

static void
logwatch_data(const char *buf, size_t len, void *arg)
{
	struct logwatch	*w = arg;

	cr_expect_not_null(w->stream, "data after cancel");
	cr_expect_eq(docker_demux_feed(&w->demux, buf, len, logwatch_frame,
	    w), 0, "bad multiplexed stream");
}

static void
logwatch_end(long status, const char *err, void *arg)
{
	struct logwatch	*w = arg;

	cr_expect_fail("logs stream ended: %ld %s", status, err ? err : "");
	w->ended = 1;
	w->done = 1;
	event_base_loopbreak(base);
}

Test(docker, logs_stream_demultiplexed)
{
	struct logwatch	w = { 0 };
	char		path[256];

	engine_required();
	start(SOCK);
	w.id = create("logs", "echo hello-berth; echo oops-berth >&2; "
	    "sleep 30");
	start_container(w.id);
	snprintf(path, sizeof path, "/containers/%s/logs?follow=1&stdout=1&"
	    "stderr=1&timestamps=1", w.id);
	w.stream = docker_stream(path, logwatch_data, logwatch_end, &w);
	run_until(&w.done);
	cr_assert(w.out, "no stdout line");
	cr_assert(w.err, "no stderr line");
	cr_assert_eq(w.ended, 0);
	linger(200);
	docker_demux_free(&w.demux);
	free(w.id);
	finish();
}

/* An event stream nothing will ever match. */
static struct docker_stream *
idle_stream(struct rec *r)
{
	char	*filter, path[256];

	filter = docker_escape("{\"label\":[\"berth.test=never\"]}");
	snprintf(path, sizeof path, "/events?filters=%s", filter);
	free(filter);
	return rec_stream(r, path);
}

Test(docker, stream_ends_with_status)
{
	struct rec	r;

	engine_required();
	start(SOCK);
	rec_stream(&r, "/containers/json?all=1");
	run_until(&r.ended);
	cr_assert_eq(r.status, 200);
	cr_assert_null(r.err, "%s", r.err);
	cr_assert_gt(r.calls, 0);
	cr_assert_eq(r.data[0], '[');
	rec_clear(&r);
	finish();
}

Test(docker, stream_http_error_has_engine_message)
{
	struct rec	r;

	engine_required();
	start(SOCK);
	rec_stream(&r, "/containers/doesnotexist/logs?follow=1&stdout=1");
	run_until(&r.ended);
	cr_assert_eq(r.status, 404);
	cr_assert_eq(r.calls, 0, "error body passed as data: %s", r.data);
	cr_assert_not_null(r.err);
	cr_assert_not_null(strstr(r.err, "No such container: doesnotexist"),
	    "%s", r.err);
	rec_clear(&r);
	finish();
}

/* data_cb cancels its own stream and an idle one, and starts a call.
 * self comes first: data_cb and end_cb share its argument. */
struct canceller {
	struct rec	self, idle;
	struct sync	after;
};

static void
cancel_data(const char *buf, size_t len, void *arg)
{
	struct canceller	*c = arg;

	(void)buf;
	(void)len;
	c->self.calls++;
	docker_stream_cancel(c->self.stream);
	docker_stream_cancel(c->self.stream);	/* twice: harmless */
	docker_stream_cancel(c->idle.stream);
	docker_call("GET", "/containers/json", NULL, 0, sync_cb, &c->after);
	cr_expect_eq(c->after.done, 0, "callback inside docker_call");
}

Test(docker, cancel_inside_data_cb)
{
	struct canceller	c;
	struct sync		s;

	engine_required();
	start(SOCK);
	memset(&c, 0, sizeof c);
	idle_stream(&c.idle);
	/* A stream that would end by itself: only cancel keeps end_cb off. */
	c.self.stream = docker_stream("/containers/json?all=1", cancel_data,
	    rec_end, &c);
	run_until(&c.after.done);
	cr_assert_eq(c.after.status, 200, "call from data_cb: %ld %s",
	    c.after.status, c.after.err ? c.after.err : "");
	cr_assert(json_is_array(c.after.json));
	call(&s, "GET", "/_ping", NULL, 0);
	cr_assert_eq(s.status, 200);
	sync_clear(&s);
	linger(300);
	cr_assert_eq(c.self.calls, 1, "data_cb after cancel");
	cr_assert_eq(c.self.ended, 0, "end_cb of a cancelled stream");
	cr_assert_eq(c.idle.ended, 0, "end_cb of a cancelled stream");
	sync_clear(&c.after);
	rec_clear(&c.self);
	rec_clear(&c.idle);
	finish();
}

static void
cancel_other(const struct docker_reply *r, void *arg)
{
	struct rec	*idle = arg;

	cr_expect_eq(r->status, 200);
	docker_stream_cancel(idle->stream);
	idle->calls = -1;	/* mark: cancelled from a reply */
	event_base_loopbreak(base);
}

Test(docker, cancel_before_start_and_from_reply)
{
	struct rec	a, b;

	engine_required();
	start(SOCK);
	/* Cancelled before the loop ever ran: never started. */
	idle_stream(&a);
	docker_stream_cancel(a.stream);
	docker_stream_cancel(NULL);
	/* Cancelled from a reply callback, outside curl: freed at once. */
	idle_stream(&b);
	docker_call("GET", "/_ping", NULL, 0, cancel_other, &b);
	while (b.calls != -1 && !timed_out)
		event_base_dispatch(base);
	cr_assert(!timed_out);
	linger(300);
	cr_assert_eq(a.ended + a.calls, 0, "callback of a cancelled stream");
	cr_assert_eq(b.ended, 0, "end_cb of a cancelled stream");
	cr_assert_eq(call_status("GET", "/_ping"), 200);
	rec_clear(&a);
	rec_clear(&b);
	finish();
}

/* data_cb shuts the client down with other streams open.  self comes
 * first: data_cb and end_cb share its argument. */
struct shutter {
	struct rec	self, idle1, idle2;
	int		shut;
};

static void
shut_data(const char *buf, size_t len, void *arg)
{
	struct shutter	*t = arg;

	(void)buf;
	(void)len;
	t->self.calls++;
	docker_shutdown();
	t->shut = 1;
	event_base_loopbreak(base);
}


Test(docker, shutdown_inside_data_cb)
{
	struct shutter	t;
	int		called = 0;

	engine_required();
	start(SOCK);
	memset(&t, 0, sizeof t);
	idle_stream(&t.idle1);
	idle_stream(&t.idle2);
	t.self.stream = docker_stream("/containers/json?all=1", shut_data,
	    rec_end, &t);
	run_until(&t.shut);
	linger(300);
	cr_assert_eq(t.self.calls, 1, "data_cb after shutdown");
	cr_assert_eq(t.self.ended + t.idle1.ended + t.idle2.ended, 0,
	    "end_cb after shutdown");
	/* Shut down: a call fails at once. */
	docker_call("GET", "/_ping", NULL, 0, not_running_cb, &called);
	cr_assert_eq(called, 1);
	/* And the client starts again. */
	cr_assert_eq(docker_init(base, SOCK), 0);
	cr_assert_eq(call_status("GET", "/_ping"), 200);
	rec_clear(&t.idle1);
	rec_clear(&t.idle2);
	rec_clear(&t.self);
	finish();
}

static void
shut_reply(const struct docker_reply *r, void *arg)
{
	int	*n = arg;

	cr_expect_eq(r->status, 200);
	(*n)++;
	docker_shutdown();
	event_base_loopbreak(base);
}

Test(docker, shutdown_inside_reply_cb)
{
	struct rec	idle;
	int		i, n = 0;

	engine_required();
	start(SOCK);
	idle_stream(&idle);
	for (i = 0; i < 10; i++)
		docker_call("GET", "/containers/json?all=1", NULL, 0,
		    shut_reply, &n);
	run_until(&n);
	linger(300);
	cr_assert_eq(n, 1, "%d replies after shutdown", n - 1);
	cr_assert_eq(idle.ended, 0);
	cr_assert_eq(docker_init(base, SOCK), 0);
	cr_assert_eq(call_status("GET", "/containers/json"), 200);
	rec_clear(&idle);
	finish();
}
