/*
 * Activity and autostop (issue 13, point 3).  A workspace's last
 * activity starts when berthd creates or adopts it and moves with the
 * user's heartbeat; extend and keepalive hold its deadline later.  A
 * type with idle_timeout_min stops its idle workspaces with reason
 * "inactivity", after a warning idle_warning_min before.  Every time
 * is berthd's test clock (jobstate_now_ms), so tests move it.
 */
#include <sys/types.h>

#include <event2/event.h>
#include <stdint.h>
#include <string.h>

#include "berthd.h"
#include "log.h"
#include "util.h"

#define ACTIVITY_TICK_S		5
#define MIN_MS			60000LL
#define EXTEND_MAX_MIN		(7 * 24 * 60)

static struct event	*tick_ev;

static const struct ws_type *
type_of(const struct workspace *ws)
{
	return config_type(&env->cfg, ws->type);
}

/* The end of ws's tier's maximum session, or 0: unlimited. */
static int64_t
session_end(const struct workspace *ws)
{
	const struct tier	*t = config_tier(&env->cfg, ws->tier);
	int64_t			 start;

	if (t == NULL || t->max_session_min <= 0)
		return 0;
	start = ws->started_ms != 0 ? (int64_t)ws->started_ms :
	    (int64_t)ws->created_ms;
	return start + t->max_session_min * MIN_MS;
}

int64_t
activity_deadline(const struct workspace *ws)
{
	const struct ws_type	*t = type_of(ws);
	int64_t			 d;

	if (t == NULL || t->idle_timeout_min <= 0)
		return 0;
	d = ws->activity_ms + t->idle_timeout_min * MIN_MS;
	return ws->hold_ms > d ? ws->hold_ms : d;
}

int64_t
activity_autostop(const struct workspace *ws)
{
	int64_t	idle = activity_deadline(ws), end = session_end(ws);

	if (ws->status != WSS_STARTING && ws->status != WSS_RUNNING)
		return 0;
	if (idle == 0 || (end != 0 && end < idle))
		return end;
	return idle;
}

/* ------------------------------------------------------------ the timer */

static void
stopped(struct workspace *ws, const char *code, const char *message,
    void *arg)
{
	if (code != NULL)
		log_warnx("workspace %s: inactivity stop failed: %s",
		    ws != NULL ? ws->id : "?", message);
}

static void
warn_idle(struct workspace *ws, int64_t deadline)
{
	char	at[32];

	ws->warned = 1;
	iso8601_ms((uint64_t)deadline, at, sizeof(at));
	event_emit("workspace.idle_warning", "warning", ws, "workspace %s of "
	    "%s stops for inactivity at %s unless it is used, extended or "
	    "kept alive", ws->id, ws->user, at);
	metrics_activity("idle_warning", ws->tier);
}

static void
check(struct workspace *ws, int64_t now)
{
	const struct ws_type	*t = type_of(ws);
	int64_t			 deadline = activity_deadline(ws);

	if (deadline == 0)
		return;
	if (now >= deadline) {
		log_info("workspace %s of %s: no activity for %ld min: "
		    "stopping (inactivity)", ws->id, ws->user,
		    t->idle_timeout_min);
		metrics_activity("workspace_stop", ws->tier);
		container_remove(ws, "inactivity", stopped, NULL);
	} else if (!ws->warned && t->idle_warning_min > 0 &&
	    now >= deadline - t->idle_warning_min * MIN_MS)
		warn_idle(ws, deadline);
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	struct timeval		 tv = { ACTIVITY_TICK_S, 0 };
	struct workspace	*ws;
	int64_t			 now = jobstate_now_ms();

	for (ws = ws_first(); ws != NULL; ws = ws->next)
		if (ws->status == WSS_RUNNING && !ws->creating &&
		    !ws->stop_requested && engine_up())
			check(ws, now);
	evtimer_add(tick_ev, &tv);
}

void
activity_start(void)
{
	if ((tick_ev = evtimer_new(env->base, tick, NULL)) == NULL)
		fatalx("evtimer_new failed");
	tick(-1, 0, NULL);
}

void
activity_stop(void)
{
	if (tick_ev != NULL)
		event_free(tick_ev);
	tick_ev = NULL;
}

/* ------------------------------------------------------------ requests */

/* Hold ws until `until` (extend, keepalive), within its tier's maximum
 * session; -1 after answering. */
static int
hold(const struct caller *c, struct workspace *ws, int64_t until,
    int64_t now)
{
	int64_t	end = session_end(ws);
	char	at[32];

	if (until <= now) {
		caller_error(c, "invalid", "the time is in the past");
		return -1;
	}
	if (end != 0 && until > end) {
		iso8601_ms((uint64_t)end, at, sizeof(at));
		caller_error(c, "invalid", "beyond the tier's maximum session "
		    "(it ends at %s)", at);
		return -1;
	}
	if (until > ws->hold_ms)
		ws->hold_ms = until;
	return 0;
}

/* MSG_WS_ACTIVITY: the owner's (or the admin's) heartbeat, extend or
 * keepalive on a running workspace; answered with the workspace. */
void
ws_h_activity(const struct caller *c, struct msg *m)
{
	struct body_ws_activity	*b = m->body;
	struct workspace	*ws;
	int64_t			 now = jobstate_now_ms(), base;

	if ((ws = ws_owned(c, b->id)) == NULL)
		return;
	if (ws->status != WSS_RUNNING && ws->status != WSS_STARTING) {
		caller_error(c, "conflict", "the workspace is not running");
		return;
	}
	if (strcmp(b->action, "heartbeat") == 0)
		ws->activity_ms = now;
	else if (strcmp(b->action, "extend") == 0) {
		if (b->minutes < 1 || b->minutes > EXTEND_MAX_MIN) {
			caller_error(c, "invalid", "minutes must be 1 to %d",
			    EXTEND_MAX_MIN);
			return;
		}
		base = activity_deadline(ws);
		if (base < now)
			base = now;
		if (hold(c, ws, base + b->minutes * MIN_MS, now) == -1)
			return;
	} else if (strcmp(b->action, "keepalive") == 0) {
		if (hold(c, ws, b->until_ms, now) == -1)
			return;
	} else {
		caller_error(c, "invalid", "unknown activity");
		return;
	}
	ws->warned = 0;
	ws_reply(c, ws);
}

/* MSG_WS_SEEN: the statswriter saw traffic above the type's
 * activity_bytes_min (or healthmon a newer heartbeat), and the
 * statswriter how full its memory is.  A worker may only say "in use"
 * this way, which can delay an inactivity stop but never end or touch
 * a workspace; the memory feeds the alert rules. */
void
ws_h_seen(const struct caller *c, struct msg *m)
{
	struct body_ws_seen	*b = m->body;
	struct workspace	*ws;
	int64_t			 now = jobstate_now_ms();
	size_t			 i;

	for (i = 0; i < b->nitems; i++) {
		ws = ws_find(b->items[i].workspace_id);
		if (ws == NULL || ws->status != WSS_RUNNING)
			continue;
		if (b->items[i].mem_percent >= 0 &&
		    b->items[i].mem_percent <= 1000)
			ws->mem_percent = b->items[i].mem_percent;
		if (!b->items[i].active)
			continue;
		ws->activity_ms = now;
		ws->warned = 0;
	}
}
