/*
 * The roster: which workspaces have a running container, with what
 * address and pid.  healthmon probes the starting ones for their first
 * answer; the statswriter samples them all.  Both get the whole roster
 * (it replaces what they had) whenever it changes and when they come
 * up; changes within one turn of the loop are sent once.
 */
#include <event2/event.h>
#include <string.h>

#include "berthd.h"
#include "chan.h"
#include "codec.h"
#include "log.h"
#include "xmalloc.h"

#define ROSTER_MAX	1000	/* MAX_ITEMS of the schema */

static struct event	*ev_send;

static int
on_roster(const struct workspace *ws)
{
	return (ws->status == WSS_STARTING || ws->status == WSS_RUNNING) &&
	    ws->container[0] != '\0';
}

static void
roster_item(const struct workspace *ws, struct roster_item *it)
{
	const struct ws_type	*t = config_type(&env->cfg, ws->type);

	it->workspace_id = xstrdup(ws->id);
	it->container_id = xstrdup(ws->container);
	it->user_id = xstrdup(ws->user);
	it->status = xstrdup(ws_status_name(ws->status));
	it->ip = xstrdup(ws->ip);
	it->port = ws->port;
	it->pid = ws->pid;
	it->probe_path = xstrdup(t != NULL ? t->probe_path : "/healthz");
	it->activity_bytes_min = t != NULL ? t->activity_bytes_min : 0;
	it->heartbeat_path = xstrdup(t != NULL ? t->heartbeat_path : "");
	it->received_ms = (int64_t)ws->created_ms;
	it->tier = xstrdup(ws->tier);
}

void
roster_send(struct wproc *wp)
{
	struct body_roster	*b;
	struct workspace	*ws;
	struct msg		 m;

	if (wp->chan == NULL || wp->state != WS_UP)
		return;
	b = msg_init(&m, MSG_ROSTER, 0, PEER_PARENT);
	b->items = xcalloc(ROSTER_MAX, sizeof(*b->items));
	for (ws = ws_first(); ws != NULL; ws = ws->next) {
		if (!on_roster(ws))
			continue;
		if (b->nitems == ROSTER_MAX) {
			log_warnx("roster: more than %d running workspaces; "
			    "the rest are not watched", ROSTER_MAX);
			break;
		}
		roster_item(ws, &b->items[b->nitems++]);
	}
	chan_send(wp->chan, &m);
	msg_clear(&m);
}

static void
send_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct wproc *wp = NULL;

	while ((wp = wproc_subscribed(SUB_ROSTER, wp)) != NULL)
		roster_send(wp);
}

/* Something on the roster changed: send it once this turn is over. */
void
roster_changed(void)
{
	if (ev_send == NULL)
		ev_send = event_new(env->base, -1, 0, send_cb, NULL);
	event_active(ev_send, 0, 0);
}

void
roster_free(void)
{
	if (ev_send != NULL)
		event_free(ev_send);
	ev_send = NULL;
}
