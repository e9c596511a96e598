/*
 * The workspace registry of berthd and the gateway's requests about
 * workspaces.  Every request is checked again here, whatever the
 * gateway checked: the caller's identity decides what it may see (a
 * workspace of another user is "not found"), the configuration decides
 * what may be started.  The engine work itself is in engine.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uuid/uuid.h>

#include "berthd.h"
#include "chan.h"
#include "codec.h"
#include "log.h"
#include "util.h"
#include "wscheck.h"
#include "xmalloc.h"

#define WS_KEEP_STOPPED	1000	/* stopped workspaces kept for queries */

static struct workspace	*workspaces;

static const char *const status_names[] = {
	"starting", "running", "stopping", "stopped", "error"
};

const char *
ws_status_name(enum ws_status s)
{
	return status_names[s];
}

struct workspace *
ws_new(const char *id)
{
	struct workspace	*ws = xcalloc(1, sizeof(*ws));
	uuid_t			 u;

	if (id != NULL)
		snprintf(ws->id, sizeof(ws->id), "%s", id);
	else {
		uuid_generate_random(u);
		uuid_unparse_lower(u, ws->id);
	}
	strcpy(ws->health, "none");
	ws->next = workspaces;
	workspaces = ws;
	return ws;
}

struct workspace *
ws_first(void)
{
	return workspaces;
}

struct workspace *
ws_find(const char *id)
{
	struct workspace *ws;

	for (ws = workspaces; ws != NULL; ws = ws->next)
		if (strcmp(ws->id, id) == 0)
			return ws;
	return NULL;
}

struct workspace *
ws_find_container(const char *cid)
{
	struct workspace *ws;

	for (ws = workspaces; ws != NULL; ws = ws->next)
		if (ws->container[0] != '\0' && strcmp(ws->container, cid) == 0)
			return ws;
	return NULL;
}

void
ws_forget(struct workspace *ws)
{
	struct workspace **pp;

	for (pp = &workspaces; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == ws) {
			*pp = ws->next;
			break;
		}
	}
	free(ws->user);
	free(ws->project);
	free(ws->type);
	free(ws->tier);
	free(ws->s3);
	free(ws);
}

/* Keep at most WS_KEEP_STOPPED stopped ones: the oldest go first. */
static void
ws_trim(void)
{
	struct workspace	*ws, *oldest;
	int			 n;

	for (;;) {
		oldest = NULL;
		n = 0;
		for (ws = workspaces; ws != NULL; ws = ws->next) {
			if (ws->status != WSS_STOPPED)
				continue;
			n++;
			if (oldest == NULL || ws->stopped_ms < oldest->stopped_ms)
				oldest = ws;
		}
		if (n <= WS_KEEP_STOPPED)
			return;
		ws_forget(oldest);
	}
}

void
ws_info(const struct workspace *ws, struct workspace_info *wi)
{
	char	url[128] = "";

	if (ws->ip[0] != '\0')
		snprintf(url, sizeof(url), "http://%s:%ld", ws->ip, ws->port);
	wi->id = xstrdup(ws->id);
	wi->status = xstrdup(ws_status_name(ws->status));
	wi->health = xstrdup(ws->health);
	wi->container_id = xstrdup(ws->container);
	wi->type = xstrdup(ws->type);
	wi->tier = xstrdup(ws->tier);
	wi->user_id = xstrdup(ws->user);
	wi->project_id = xstrdup(ws->project);
	wi->s3_bucket = xstrdup(ws->s3);
	wi->url = xstrdup(url);
	wi->stop_reason = xstrdup(ws->stop_reason);
	wi->created_ms = (int64_t)ws->created_ms;
	wi->started_ms = (int64_t)ws->started_ms;
	wi->stopped_ms = (int64_t)ws->stopped_ms;
	wi->cpus = ws->cpus;
	wi->memory_mb = ws->memory_mb;
	wi->memory_swap_mb = ws->memory_swap_mb;
	wi->memory_reservation_mb = ws->memory_reservation_mb;
}

/* ------------------------------------------------------------ facts */

void
ws_fact(const struct workspace *ws, const char *phase, int64_t at_ms)
{
	if (strcmp(phase, "received") == 0)
		at_ms = (int64_t)ws->created_ms;
	else if (at_ms == 0)
		at_ms = (int64_t)wall_ms();
	facts_add(ws, phase, at_ms);
}

void
ws_available(struct workspace *ws, int64_t at_ms)
{
	if (ws->status != WSS_STARTING)
		return;
	ws->status = WSS_RUNNING;
	log_info("workspace %s available after %lld ms", ws->id,
	    (long long)(at_ms - (int64_t)ws->created_ms));
	metrics_startup(at_ms - (int64_t)ws->created_ms);
	ws_fact(ws, "available", at_ms);
	roster_changed();
}

/* healthmon: a starting workspace answered its first probe. */
int
parent_dispatch_healthmon(struct wproc *wp, struct msg *m)
{
	struct body_ws_available	*b = m->body;
	struct workspace		*ws;

	if (m->type != MSG_WS_AVAILABLE)
		return -1;
	if ((ws = ws_find(b->workspace_id)) == NULL) {
		log_debug("available: workspace %s unknown", b->workspace_id);
		return 0;
	}
	/* Not before the request, not from the future. */
	if (b->at_ms < (int64_t)ws->created_ms ||
	    b->at_ms > (int64_t)wall_ms() + 1000) {
		log_warnx("healthmon: implausible time for %s", ws->id);
		return 0;
	}
	ws_available(ws, b->at_ms);
	return 0;
}

/* ------------------------------------------------------------ replies */

void
reply_error(struct wproc *wp, uint32_t id, const char *code,
    const char *fmt, ...)
{
	char	text[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	send_error(wp, id, PEER_PARENT, code, text);
}

static void
reply_list(struct wproc *wp, uint32_t id, const struct body_ws_ref *r)
{
	struct body_ws_items	*b;
	struct workspace	*ws;
	struct msg		 m;
	size_t			 n = 0;

	for (ws = workspaces; ws != NULL; ws = ws->next)
		n++;
	b = msg_init(&m, MSG_WS_ITEMS, id, PEER_PARENT);
	m.flags = MSGF_REPLY;
	b->items = xcalloc(n + 1, sizeof(*b->items));
	for (ws = workspaces; ws != NULL && b->nitems < 1000; ws = ws->next)
		if (r->admin || strcmp(ws->user, r->user_id) == 0)
			ws_info(ws, &b->items[b->nitems++]);
	chan_send(wp->chan, &m);
	msg_clear(&m);
}

/* ------------------------------------------------------------ requests */

/* The workspace the caller may touch, or NULL after answering 404. */
static struct workspace *
owned(struct wproc *wp, uint32_t id, const char *user, int admin,
    const char *wsid)
{
	struct workspace *ws = ws_find(wsid);

	if (ws == NULL || (!admin && strcmp(ws->user, user) != 0)) {
		reply_error(wp, id, "not_found", "no such workspace");
		return NULL;
	}
	return ws;
}

static void
ws_create(struct wproc *wp, struct msg *m)
{
	struct body_ws_create	*b = m->body;
	struct workspace	*ws;
	char			 err[256];

	if (!b->admin && strcmp(b->owner, b->user_id) != 0) {
		reply_error(wp, m->id, "forbidden", "userId must be your own");
		return;
	}
	if (ws_check_create(&env->cfg, b, err, sizeof(err)) == -1) {
		reply_error(wp, m->id, "invalid", "%s", err);
		return;
	}
	if (!engine_up()) {
		reply_error(wp, m->id, "unavailable", "Docker Engine is down");
		return;
	}
	ws_trim();
	ws = ws_new(NULL);
	ws->user = xstrdup(b->owner);
	ws->project = xstrdup(b->project_id);
	ws->type = xstrdup(b->type);
	ws->tier = xstrdup(b->tier);
	ws->s3 = xstrdup(b->s3_bucket);
	ws->created_ms = wall_ms();
	ws->status = WSS_STARTING;
	ws_fact(ws, "received", 0);
	metrics_activity("workspace_start", ws->tier);
	engine_create(ws, b, wp, m->id);
}

static void
ws_patch(struct wproc *wp, struct msg *m)
{
	struct body_ws_patch	*b = m->body;
	struct workspace	*ws;
	const struct ws_type	*t;
	char			 err[256];

	if ((ws = owned(wp, m->id, b->user_id, b->admin, b->id)) == NULL)
		return;
	if (ws->status != WSS_RUNNING && ws->status != WSS_STARTING) {
		reply_error(wp, m->id, "conflict", "workspace is %s",
		    ws_status_name(ws->status));
		return;
	}
	if ((t = config_type(&env->cfg, ws->type)) == NULL) {
		reply_error(wp, m->id, "conflict", "type %s is no longer "
		    "configured", ws->type);
		return;
	}
	if (ws_check_limits(t, b->cpus, b->memory_mb, b->memory_swap_mb,
	    b->memory_reservation_mb, err, sizeof(err)) == -1) {
		reply_error(wp, m->id, "invalid", "%s", err);
		return;
	}
	metrics_activity("resource_change", ws->tier);
	engine_update(ws, b, wp, m->id);
}

static void
ws_ref(struct wproc *wp, struct msg *m)
{
	struct body_ws_ref	*r = m->body;
	struct workspace	*ws;
	struct msg		 rep;

	if (!engine_up() && m->type != MSG_WS_GET) {
		reply_error(wp, m->id, "unavailable", "Docker Engine is down");
		return;
	}
	if ((ws = owned(wp, m->id, r->user_id, r->admin, r->id)) == NULL)
		return;
	switch (m->type) {
	case MSG_WS_GET:
		ws_info(ws, msg_init(&rep, MSG_WORKSPACE, m->id, PEER_PARENT));
		rep.flags = MSGF_REPLY;
		chan_send(wp->chan, &rep);
		msg_clear(&rep);
		break;
	case MSG_WS_DELETE:
		metrics_activity("workspace_stop", ws->tier);
		engine_remove(ws, wp, m->id);
		break;
	case MSG_WS_HEALTH:
		engine_health(ws, wp, m->id);
		break;
	case MSG_WS_STATS:
		engine_stats(ws, wp, m->id);
		break;
	}
}

/* The gateway's requests beyond the common ones (worker table row). */
int
parent_dispatch_gateway(struct wproc *wp, struct msg *m)
{
	switch (m->type) {
	case MSG_WS_CREATE:
		ws_create(wp, m);
		return 0;
	case MSG_WS_LIST:
		reply_list(wp, m->id, m->body);
		return 0;
	case MSG_WS_PATCH:
		ws_patch(wp, m);
		return 0;
	case MSG_PROM_REQ:
		metrics_reply(wp, m);
		return 0;
	case MSG_WS_GET:
	case MSG_WS_DELETE:
	case MSG_WS_HEALTH:
	case MSG_WS_STATS:
		ws_ref(wp, m);
		return 0;
	}
	return -1;
}
