/*
 * The workspace registry of berthd: every workspace it started or
 * adopted, its state, and what its facts are.  The workers' requests
 * about workspaces are answered in ws_requests.c; the engine work is in
 * container.c.
 */
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
	ws->activity_ms = jobstate_now_ms();	/* created or adopted */
	ws->mem_percent = -1;
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

/* Over: stopped, or failed to start; its facts are in the outbox. */
static int
ws_over(const struct workspace *ws)
{
	return (ws->status == WSS_STOPPED || ws->status == WSS_ERROR) &&
	    !ws->creating && ws->waiter == NULL && !ws->held;
}

/* Keep at most WS_KEEP_STOPPED that are over: the oldest go first. */
void
ws_trim(void)
{
	struct workspace	*ws, *oldest;
	int			 n;

	for (;;) {
		oldest = NULL;
		n = 0;
		for (ws = workspaces; ws != NULL; ws = ws->next) {
			if (!ws_over(ws))
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
	wi->last_activity_ms = ws->activity_ms;
	wi->autostop_ms = activity_autostop(ws);
	wi->session_health = xstrdup(monitor_session_health(ws));
	wi->mem_percent = ws->mem_percent;
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
	event_emit("workspace.started", "info", ws, "workspace %s available "
	    "after %lld ms", ws->id, (long long)(at_ms -
	    (int64_t)ws->created_ms));
	metrics_startup(at_ms - (int64_t)ws->created_ms);
	ws_fact(ws, "available", at_ms);
	roster_changed();
}

/* healthmon: a starting workspace answered its first probe. */
void
ws_h_available(const struct caller *c, struct msg *m)
{
	struct body_ws_available	*b = m->body;
	struct workspace		*ws;

	if ((ws = ws_find(b->workspace_id)) == NULL) {
		log_debug("available: workspace %s unknown", b->workspace_id);
		return;
	}
	/* Not before the request, not from the future. */
	if (b->at_ms < (int64_t)ws->created_ms ||
	    b->at_ms > (int64_t)wall_ms() + 1000) {
		log_warnx("healthmon: implausible time for %s", ws->id);
		return;
	}
	ws_available(ws, b->at_ms);
}
