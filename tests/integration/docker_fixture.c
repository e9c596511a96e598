/*
 * The event loop and the recording callbacks of the engine client
 * tests (docker_fixture.h).
 */
#include <criterion/criterion.h>
#include <event2/event.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "docker.h"
#include "docker_fixture.h"

#define WATCHDOG_S	45

struct event_base	*base;
static struct event	*watchdog;
int			 timed_out;

/* ------------------------------------------------------------ loop */

static void
watchdog_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	timed_out = 1;
	event_base_loopbreak(base);
}

void
start(const char *sock)
{
	struct timeval	tv = { WATCHDOG_S, 0 };

	signal(SIGPIPE, SIG_IGN);	/* as berthd: see docker.h */
	cr_assert_not_null(base = event_base_new());
	cr_assert_eq(docker_init(base, sock), 0, "docker_init failed");
	watchdog = evtimer_new(base, watchdog_cb, NULL);
	evtimer_add(watchdog, &tv);
}

void
finish(void)
{
	docker_shutdown();
	event_free(watchdog);
	event_base_free(base);
	watchdog = NULL;
	base = NULL;
}

/* Dispatch until *flag (set by a callback that breaks the loop). */
void
run_until(const int *flag)
{
	while (!*flag && !timed_out)
		event_base_dispatch(base);
	cr_assert(!timed_out, "timed out after %d s", WATCHDOG_S);
}

static void
set_flag(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	*(int *)arg = 1;
	event_base_loopbreak(base);
}

/* Let the loop run ms more: whatever should not happen has a chance. */
void
linger(int ms)
{
	struct event	*ev;
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };
	int		 done = 0;

	ev = evtimer_new(base, set_flag, &done);
	evtimer_add(ev, &tv);
	run_until(&done);
	event_free(ev);
}

/* ------------------------------------------------------------ calls */

void
sync_cb(const struct docker_reply *r, void *arg)
{
	struct sync	*s = arg;

	cr_expect_eq(s->done, 0, "callback called twice");
	s->done = 1;
	s->status = r->status;
	s->json = json_incref(r->json);
	s->raw = strndup(r->raw, r->len);
	s->err = r->err != NULL ? strdup(r->err) : NULL;
	event_base_loopbreak(base);
}

void
sync_clear(struct sync *s)
{
	json_decref(s->json);
	free(s->raw);
	free(s->err);
	memset(s, 0, sizeof *s);
}

/* One call, waited for. */
void
call(struct sync *s, const char *method, const char *path, json_t *body,
    long timeout_ms)
{
	memset(s, 0, sizeof *s);
	docker_call(method, path, body, timeout_ms, sync_cb, s);
	cr_assert_eq(s->done, 0, "callback inside docker_call");
	run_until(&s->done);
}

long
call_status(const char *method, const char *path)
{
	struct sync	s;
	long		status;

	call(&s, method, path, NULL, 0);
	status = s.status;
	sync_clear(&s);
	return status;
}

/* ------------------------------------------------------------ check */

void
check_cb(int ok, const char *version, const char *api, const char *err,
    void *arg)
{
	struct checked	*c = arg;

	cr_expect_eq(c->done, 0, "check callback called twice");
	c->done = 1;
	c->ok = ok;
	c->version = version != NULL ? strdup(version) : NULL;
	c->api = api != NULL ? strdup(api) : NULL;
	c->err = err != NULL ? strdup(err) : NULL;
	event_base_loopbreak(base);
}

void
checked_clear(struct checked *c)
{
	free(c->version);
	free(c->api);
	free(c->err);
	memset(c, 0, sizeof *c);
}

/* ------------------------------------------------------------ streams */

void
rec_data(const char *buf, size_t len, void *arg)
{
	struct rec	*r = arg;

	cr_expect_eq(r->ended, 0, "data after the end");
	r->data = realloc(r->data, r->len + len + 1);
	memcpy(r->data + r->len, buf, len);
	r->len += len;
	r->data[r->len] = '\0';
	r->calls++;
}

void
rec_end(long status, const char *err, void *arg)
{
	struct rec	*r = arg;

	cr_expect_eq(r->ended, 0, "end_cb called twice");
	r->ended++;
	r->status = status;
	r->err = err != NULL ? strdup(err) : NULL;
	/* The stream is finishing: cancelling it now must do nothing. */
	docker_stream_cancel(r->stream);
	event_base_loopbreak(base);
}

void
rec_clear(struct rec *r)
{
	free(r->data);
	free(r->err);
	memset(r, 0, sizeof *r);
}

struct docker_stream *
rec_stream(struct rec *r, const char *path)
{
	memset(r, 0, sizeof *r);
	r->stream = docker_stream(path, rec_data, rec_end, r);
	cr_assert_not_null(r->stream);
	return r->stream;
}

void
not_running_cb(const struct docker_reply *r, void *arg)
{
	int	*called = arg;

	cr_expect_eq(r->status, 0);
	cr_expect_not_null(r->err);
	*called = 1;
}
