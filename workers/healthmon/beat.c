/*
 * Heartbeats of running workspaces (beat.h), with libevent's HTTP
 * client on each workspace's numeric address: no name resolution.
 * Slots never move, so a request's callback argument stays valid; a
 * slot's connection is freed with it, which drops a request in flight
 * without calling back.
 */
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "beat.h"
#include "codec.h"
#include "log.h"
#include "proto.h"
#include "worker.h"
#include "xmalloc.h"

#define MAX_BEATS	1024
#define BEAT_TIMEOUT_S	5
#define BEAT_MAX_BODY	4096

struct beat {
	int			 used;
	int			 seen;		/* on the latest roster */
	int			 inflight;
	char			 wsid[40];
	char			 ip[48];
	int			 port;
	char			 path[256];
	int64_t			 last;		/* lastHeartbeat; 0 none yet */
	struct evhttp_connection *conn;
	struct beats		*set;
};

struct beats {
	struct worker	*w;
	struct event	*tick;
	struct beat	 b[MAX_BEATS];
};

int64_t
beat_parse(const char *body, size_t len)
{
	json_t	*j, *v;
	int64_t	 ms = -1;

	if ((j = json_loadb(body, len, 0, NULL)) == NULL)
		return -1;
	v = json_object_get(j, "lastHeartbeat");
	if (json_is_integer(v) && json_integer_value(v) > 0)
		ms = (int64_t)json_integer_value(v);
	else if (json_is_real(v) && json_real_value(v) > 0 &&
	    json_real_value(v) < 9e15)
		ms = (int64_t)json_real_value(v);
	json_decref(j);
	return ms;
}

static void
beat_clear(struct beat *b)
{
	if (b->conn != NULL)
		evhttp_connection_free(b->conn);
	memset(b, 0, sizeof(*b));
}

/* A newer heartbeat than the last one seen is activity. */
static void
seen(struct beat *b, int64_t ms)
{
	struct body_ws_seen	*s;
	struct msg		 m;

	if (ms <= b->last)
		return;
	if (b->last != 0) {
		s = msg_init(&m, MSG_WS_SEEN, 0, PEER_PARENT);
		s->items = xcalloc(1, sizeof(*s->items));
		s->items[0].workspace_id = xstrdup(b->wsid);
		s->items[0].active = 1;
		s->items[0].mem_percent = -1;
		s->nitems = 1;
		worker_send(b->set->w, &m);
		msg_clear(&m);
		log_debug("workspace %s: heartbeat %lld", b->wsid,
		    (long long)ms);
	}
	b->last = ms;
}

static void
answered(struct evhttp_request *req, void *arg)
{
	struct beat	*b = arg;
	struct evbuffer	*in;
	int64_t		 ms;

	b->inflight = 0;
	if (req == NULL || evhttp_request_get_response_code(req) != 200)
		return;
	in = evhttp_request_get_input_buffer(req);
	ms = beat_parse((const char *)evbuffer_pullup(in, -1),
	    evbuffer_get_length(in));
	if (ms > 0)
		seen(b, ms);
}

static void
ask(struct beats *bs, struct beat *b)
{
	struct evhttp_request	*req;
	struct event_base	*base = event_get_base(bs->tick);

	if (b->conn == NULL) {
		b->conn = evhttp_connection_base_new(base, NULL, b->ip,
		    (unsigned short)b->port);
		if (b->conn == NULL)
			return;
		evhttp_connection_set_timeout(b->conn, BEAT_TIMEOUT_S);
		evhttp_connection_set_max_body_size(b->conn, BEAT_MAX_BODY);
		evhttp_connection_set_retries(b->conn, 0);
	}
	if ((req = evhttp_request_new(answered, b)) == NULL)
		return;
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host",
	    b->ip);
	if (evhttp_make_request(b->conn, req, EVHTTP_REQ_GET, b->path) == 0)
		b->inflight = 1;
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	struct beats	*bs = arg;
	struct timeval	 tv = { bs->w->cfg.health_heartbeat_interval_s, 0 };
	size_t		 i;

	for (i = 0; i < MAX_BEATS; i++)
		if (bs->b[i].used && !bs->b[i].inflight)
			ask(bs, &bs->b[i]);
	if (tv.tv_sec < 1)
		tv.tv_sec = 60;
	evtimer_add(bs->tick, &tv);
}

struct beats *
beats_new(struct worker *w)
{
	struct beats	*bs = xcalloc(1, sizeof(*bs));
	struct timeval	 tv = { 1, 0 };

	bs->w = w;
	if ((bs->tick = evtimer_new(w->base, tick, bs)) == NULL)
		fatalx("evtimer_new failed");
	evtimer_add(bs->tick, &tv);
	return bs;
}

static struct beat *
beat_slot(struct beats *bs, const struct roster_item *it)
{
	struct beat	*free_slot = NULL;
	size_t		 i;

	for (i = 0; i < MAX_BEATS; i++) {
		if (bs->b[i].used && strcmp(bs->b[i].wsid,
		    it->workspace_id) == 0)
			return &bs->b[i];
		if (!bs->b[i].used && free_slot == NULL)
			free_slot = &bs->b[i];
	}
	if (free_slot != NULL) {
		free_slot->used = 1;
		free_slot->set = bs;
		snprintf(free_slot->wsid, sizeof(free_slot->wsid), "%s",
		    it->workspace_id);
	}
	return free_slot;
}

static void
beat_item(struct beats *bs, const struct roster_item *it)
{
	struct beat	*b;

	if (strcmp(it->status, "running") != 0 || it->heartbeat_path[0] !=
	    '/' || it->ip[0] == '\0' || it->port < 1 || it->port > 65535 ||
	    (b = beat_slot(bs, it)) == NULL)
		return;
	b->seen = 1;
	if (strcmp(b->ip, it->ip) != 0 || b->port != (int)it->port) {
		if (b->conn != NULL)
			evhttp_connection_free(b->conn);
		b->conn = NULL;
		b->inflight = 0;
		snprintf(b->ip, sizeof(b->ip), "%s", it->ip);
		b->port = (int)it->port;
	}
	snprintf(b->path, sizeof(b->path), "%s", it->heartbeat_path);
}

void
beats_roster(struct beats *bs, const struct body_roster *r)
{
	size_t	i;

	for (i = 0; i < MAX_BEATS; i++)
		bs->b[i].seen = 0;
	for (i = 0; i < r->nitems; i++)
		beat_item(bs, &r->items[i]);
	for (i = 0; i < MAX_BEATS; i++)
		if (bs->b[i].used && !bs->b[i].seen)
			beat_clear(&bs->b[i]);
}
