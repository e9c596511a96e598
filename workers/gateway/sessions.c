/*
 * GET /api/monitoring/sessions (issue 14, point 5; seed 001's session
 * monitoring): every workspace the token may see (a user token: its
 * own) with seed 001's health, its resources and how full its memory
 * is, how long it has been idle and when it stops on its own, and the
 * counts by health.  berthd decides which workspaces and their health
 * (monitor.c); the gateway only writes them.
 */
#include <event2/http.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gateway.h"
#include "ipc.h"
#include "util.h"
#include "worker.h"

static json_t *
session_json(const struct workspace_info *wi, int64_t now_ms)
{
	int	running = wi->session_health[0] != '\0';

	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:{s:f,s:I,s:o},"
	    "s:o,s:o,s:o,s:o}",
	    "id", wi->id, "userId", wi->user_id, "type", wi->type, "tier",
	    wi->tier, "status", wi->status,
	    "health", running ? json_string(wi->session_health) : json_null(),
	    "engineHealth", wi->health,
	    "resources", "cpus", wi->cpus, "memoryMb",
	    (json_int_t)wi->memory_mb, "memoryPercent", wi->mem_percent >= 0 ?
	    json_real(wi->mem_percent) : json_null(),
	    "startedAt", time_json(wi->started_ms),
	    "lastActivityAt", time_json(wi->last_activity_ms),
	    "idleSeconds", running && wi->last_activity_ms > 0 ?
	    json_integer(now_ms > wi->last_activity_ms ? (now_ms -
	    wi->last_activity_ms) / 1000 : 0) : json_null(),
	    "autostopAt", time_json(wi->autostop_ms));
}

/* The running workspaces of b by seed 001's health. */
json_t *
sessions_summary(const struct body_ws_items *b)
{
	json_int_t	 n[3] = { 0, 0, 0 };
	const char	*h;
	size_t		 i;

	for (i = 0; i < b->nitems; i++) {
		h = b->items[i].session_health;
		if (h[0] != '\0')
			n[strcmp(h, "critical") == 0 ? 2 : strcmp(h,
			    "warning") == 0 ? 1 : 0]++;
	}
	return json_pack("{s:I,s:I,s:I,s:I}", "active", n[0] + n[1] + n[2],
	    "healthy", n[0], "warning", n[1], "critical", n[2]);
}

static void
sessions_done(struct worker *w, struct evhttp_request *req, struct msg *m,
    void *arg)
{
	struct body_ws_items	*b = m->body;
	json_t			*a = json_array();
	int64_t			 now = (int64_t)wall_ms();
	size_t			 i;

	for (i = 0; i < b->nitems; i++)
		json_array_append_new(a, session_json(&b->items[i], now));
	http_reply_json(req, 200, json_pack("{s:o,s:I,s:o}", "sessions", a,
	    "count", (json_int_t)b->nitems, "summary", sessions_summary(b)));
}

void
api_sessions(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	const char	*tok;
	struct call	*c;

	if ((tok = api_token(req)) == NULL)
		return;
	c = api_call_new(w, req, sessions_done, NULL, NULL);
	api_call_sent(c, ipc_ws_list(w, tok, api_ipc_done, c));
}
