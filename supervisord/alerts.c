/*
 * Alerts (issue 14, point 3).  The rules of [alert.NAME] are evaluated
 * on each snapshot of monitor.c: a metric of the system, or for each
 * running workspace a workspace_* metric (its alerts carry the
 * workspace and its user).  One alert per rule and workspace while the
 * condition holds: pending, firing once it has held for_s, resolved
 * when the value is back past the rule's resolve value (hysteresis),
 * when its workspace stops, or by the admin (who and why recorded; the
 * alert stays resolved until the condition has cleared once).  Firing
 * and resolving are events, and rows of system_alerts through the
 * outbox of facts.c.  A silence (silences.c) mutes the notifications of
 * an alert as it fires (sent when the silence ends, if it still fires);
 * the resolution of an alert never notified is not sent either.  The last ALERTS_KEPT resolved alerts are kept
 * for ?all=true.
 */
#include <sys/types.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berthd.h"
#include "codec.h"
#include "log.h"
#include "utf8.h"
#include "util.h"
#include "xmalloc.h"

#define ALERTS_MAX	512		/* pending, firing, held resolved */
#define ALERTS_KEPT	500		/* resolved, for ?all=true */

enum astate { A_PENDING, A_FIRING, A_RESOLVED };

struct alert {
	int64_t		 id;
	enum astate	 state;
	int		 held;		/* resolved by hand, condition holds */
	int		 seen;		/* evaluated in this pass */
	int		 notified;	/* its firing was sent (not muted) */
	const struct alert_cfg *rule;
	char		 rname[33];
	char		 severity[12];
	char		 metric[40];
	char		 message[256];
	double		 value, threshold;
	char		 wsid[40];
	char		 user[129];
	int64_t		 since_ms, fired_ms, resolved_ms;
	char		 resolved_by[65];
	char		 resolution[256];
};

static struct alert	 live[ALERTS_MAX];	/* id 0: a free slot */
static struct alert	 kept[ALERTS_KEPT];	/* a ring of resolved */
static size_t		 nkept, kept_head;
static int64_t		 last_id;
static int64_t		 boot_ms;

static const char *const state_names[] = { "pending", "firing",
    "resolved" };

static int
compare(double v, const char *op, double t)
{
	if (strcmp(op, ">=") == 0)
		return v >= t;
	if (strcmp(op, ">") == 0)
		return v > t;
	if (strcmp(op, "<=") == 0)
		return v <= t;
	return v < t;
}

static double
resolve_value(const struct alert_cfg *r)
{
	return r->resolve[0] != '\0' ? strtod(r->resolve, NULL) :
	    r->threshold;
}

static void
labels_of(const struct alert *a, struct alert_labels *l)
{
	l->alertname = a->rname;
	l->severity = a->severity;
	l->workspace = a->wsid;
	l->user = a->user;
	l->metric = a->metric;
}

/* The silence muting a, if a is active and one does. */
static const char *
muted_by(const struct alert *a)
{
	struct alert_labels	l;

	if (a->id == 0 || a->held || a->state == A_RESOLVED)
		return NULL;
	labels_of(a, &l);
	return silence_muting(&l);
}

static void
alert_item(const struct alert *a, struct alert_item *it)
{
	const char	*sid = muted_by(a);

	it->id = a->id;
	it->rule = xstrdup(a->rname);
	it->severity = xstrdup(a->severity);
	it->state = xstrdup(a->held ? "resolved" : state_names[a->state]);
	it->message = xstrdup(a->message);
	it->metric = xstrdup(a->metric);
	it->value = a->value;
	it->threshold = a->threshold;
	it->workspace_id = xstrdup(a->wsid);
	it->user_id = xstrdup(a->user);
	it->since_ms = a->since_ms;
	it->fired_ms = a->fired_ms;
	it->resolved_ms = a->resolved_ms;
	it->resolved_by = xstrdup(a->resolved_by);
	it->resolution = xstrdup(a->resolution);
	it->boot_ms = boot_ms;
	it->silenced_by = xstrdup(sid != NULL ? sid : "");
}

/* The alert's row of system_alerts, as it is now. */
static void
persist(const struct alert *a)
{
	struct body_alerts	*b;
	struct msg		 m;
	char			 what[64];

	b = msg_init(&m, MSG_ALERT_REC, 0, PEER_PARENT);
	b->items = xcalloc(1, sizeof(*b->items));
	alert_item(a, &b->items[0]);
	b->nitems = 1;
	snprintf(what, sizeof(what), "alert %s", a->rname);
	facts_push(&m, what);
	msg_clear(&m);
}

/* The receivers and Alertmanager hear of it (notify.c). */
static void
notify(const struct alert *a, const char *event)
{
	struct body_alerts	*b;
	struct msg		 m;

	b = msg_init(&m, MSG_ALERTS, 0, PEER_PARENT);
	b->items = xcalloc(1, sizeof(*b->items));
	alert_item(a, &b->items[0]);
	b->nitems = 1;
	notify_alert(&b->items[0], event);
	msg_clear(&m);
}

/* Rows left active by an earlier run of berthd are closed first: the
 * alerts of this run are evaluated afresh. */
void
alerts_boot(void)
{
	struct alert	a;

	boot_ms = jobstate_now_ms();
	memset(&a, 0, sizeof(a));
	a.state = A_RESOLVED;
	snprintf(a.rname, sizeof(a.rname), "*");
	snprintf(a.severity, sizeof(a.severity), "info");
	snprintf(a.resolved_by, sizeof(a.resolved_by), "berthd");
	snprintf(a.resolution, sizeof(a.resolution), "berthd restarted");
	a.resolved_ms = boot_ms;
	persist(&a);
}

static void
keep_resolved(const struct alert *a)
{
	kept[kept_head] = *a;
	kept_head = (kept_head + 1) % ALERTS_KEPT;
	if (nkept < ALERTS_KEPT)
		nkept++;
}

static void
resolve(struct alert *a, const char *by, const char *why)
{
	struct workspace	*ws = a->wsid[0] != '\0' ? ws_find(a->wsid) :
	    NULL;

	a->state = A_RESOLVED;
	a->resolved_ms = jobstate_now_ms();
	snprintf(a->resolved_by, sizeof(a->resolved_by), "%s", by);
	utf8_format(a->resolution, sizeof(a->resolution), "%s", why);
	event_emit("alert.resolved", "info", ws, "%s resolved (%s): %s",
	    a->rname, by, a->resolution);
	persist(a);
	if (a->notified)
		notify(a, "alert.resolved");
	keep_resolved(a);
}

static void
fire(struct alert *a, int64_t now)
{
	struct workspace	*ws = a->wsid[0] != '\0' ? ws_find(a->wsid) :
	    NULL;
	const char		*sid;

	a->state = A_FIRING;
	a->fired_ms = now;
	event_emit("alert.firing", a->severity, ws, "%s", a->message);
	persist(a);
	if ((sid = muted_by(a)) != NULL)
		log_info("alert %s: its notifications are muted by silence "
		    "%s", a->rname, sid);
	else {
		notify(a, "alert.firing");
		a->notified = 1;
	}
}

/* A silence started or ended: what fires unnotified and is muted no
 * more is sent now. */
void
alerts_silences_changed(void)
{
	size_t	i;

	for (i = 0; i < ALERTS_MAX; i++)
		if (live[i].id != 0 && !live[i].held && live[i].state ==
		    A_FIRING && !live[i].notified && muted_by(&live[i]) ==
		    NULL) {
			notify(&live[i], "alert.firing");
			live[i].notified = 1;
		}
}

static struct alert *
find(const char *rule, const char *wsid)
{
	size_t	i;

	for (i = 0; i < ALERTS_MAX; i++)
		if (live[i].id != 0 && strcmp(live[i].rname, rule) == 0 &&
		    strcmp(live[i].wsid, wsid) == 0)
			return &live[i];
	return NULL;
}

static struct alert *
open_alert(const struct alert_cfg *r, const struct workspace *ws,
    int64_t now)
{
	struct alert	*a = NULL;
	size_t		 i;

	for (i = 0; i < ALERTS_MAX && a == NULL; i++)
		if (live[i].id == 0)
			a = &live[i];
	if (a == NULL) {
		log_warnx("alerts: more than %d at once; %s not raised",
		    ALERTS_MAX, r->name);
		return NULL;
	}
	memset(a, 0, sizeof(*a));
	a->id = ++last_id;
	a->state = A_PENDING;
	a->since_ms = now;
	snprintf(a->rname, sizeof(a->rname), "%s", r->name);
	snprintf(a->severity, sizeof(a->severity), "%s", r->severity);
	snprintf(a->metric, sizeof(a->metric), "%s", r->metric);
	a->threshold = r->threshold;
	if (ws != NULL) {
		snprintf(a->wsid, sizeof(a->wsid), "%s", ws->id);
		snprintf(a->user, sizeof(a->user), "%s", ws->user);
	}
	return a;
}

/* One rule on one value (of the system, or of ws). */
static void
evaluate(const struct alert_cfg *r, const struct workspace *ws, double v,
    int64_t now, struct body_monitor_done *d)
{
	struct alert	*a = find(r->name, ws != NULL ? ws->id : "");
	int		 cond = compare(v, r->op, r->threshold);
	int		 clear = !compare(v, r->op, resolve_value(r));

	if (a == NULL && !cond)
		return;
	if (a == NULL && (a = open_alert(r, ws, now)) == NULL)
		return;
	a->seen = 1;
	a->value = v;
	a->rule = r;
	utf8_format(a->message, sizeof(a->message), "%s %s is %.4g (%s %g)%s%s",
	    r->name, r->metric, v, r->op, r->threshold, ws != NULL ?
	    " on workspace " : "", ws != NULL ? ws->id : "");
	if (a->held || a->state == A_PENDING) {
		if (a->held ? clear : !cond) {
			a->id = 0;		/* gone quietly */
			return;
		}
		if (!a->held && now - a->since_ms >= r->for_s * 1000) {
			fire(a, now);
			d->changed++;
		}
	} else if (a->state == A_FIRING && clear) {
		resolve(a, "auto", "the value is back past the resolve value");
		a->id = 0;
		d->changed++;
	}
}

static void
rule_on_workspaces(const struct alert_cfg *r, int64_t now,
    struct body_monitor_done *d)
{
	struct workspace	*ws;
	double			 v;

	for (ws = ws_first(); ws != NULL; ws = ws->next)
		if (ws->status == WSS_RUNNING && monitor_ws_value(ws,
		    r->metric, &v) == 0)
			evaluate(r, ws, v, now, d);
}

void
alerts_workspace_now(struct workspace *ws)
{
	const struct berth_config	*cfg = &env->cfg;
	const struct alert_cfg		*r;
	struct body_monitor_done	 d;
	double				 v;
	size_t				 i;

	memset(&d, 0, sizeof(d));
	for (i = 0; i < cfg->nalerts; i++) {
		r = &cfg->alerts[i];
		if (r->enabled && monitor_ws_value(ws, r->metric, &v) == 0)
			evaluate(r, ws, v, jobstate_now_ms(), &d);
	}
}

/* What was not evaluated this pass: its rule is gone or off, its
 * workspace stopped, or its metric has no value now. */
static void
unseen(struct alert *a, struct body_monitor_done *d)
{
	if (a->state == A_FIRING && !a->held) {
		resolve(a, "auto", a->wsid[0] != '\0' ? "the workspace is "
		    "no longer running" : "the rule is no longer evaluated");
		d->changed++;
	}
	a->id = 0;
}

void
alerts_evaluate(double (*value)(const char *, void *), void *arg,
    struct body_monitor_done *d)
{
	const struct berth_config	*cfg = &env->cfg;
	const struct alert_cfg		*r;
	int64_t				 now = jobstate_now_ms();
	double				 v;
	size_t				 i;

	for (i = 0; i < ALERTS_MAX; i++)
		live[i].seen = 0;
	for (i = 0; i < cfg->nalerts; i++) {
		r = &cfg->alerts[i];
		if (!r->enabled)
			continue;
		if (strncmp(r->metric, "workspace_", 10) == 0)
			rule_on_workspaces(r, now, d);
		else if (!isnan(v = value(r->metric, arg)))
			evaluate(r, NULL, v, now, d);
	}
	for (i = 0; i < ALERTS_MAX; i++) {
		if (live[i].id != 0 && !live[i].seen)
			unseen(&live[i], d);
		if (live[i].id != 0 && !live[i].held)
			live[i].state == A_FIRING ? d->firing++ : d->pending++;
	}
}

/* What Alertmanager is sent again: the firing alerts, then those
 * resolved since since_ms; not those a silence kept quiet. */
size_t
alerts_for_alertmanager(struct alert_item *out, size_t max,
    int64_t since_ms)
{
	const struct alert	*a;
	size_t			 i, n = 0;

	for (i = 0; i < ALERTS_MAX && n < max; i++)
		if (live[i].id != 0 && !live[i].held &&
		    live[i].state == A_FIRING && live[i].notified)
			alert_item(&live[i], &out[n++]);
	for (i = 0; i < nkept && n < max; i++) {
		a = &kept[(kept_head + ALERTS_KEPT - 1 - i) % ALERTS_KEPT];
		if (a->resolved_ms >= since_ms && a->notified)
			alert_item(a, &out[n++]);
	}
	return n;
}

void
alerts_counts(int64_t *active, int64_t *critical)
{
	size_t	i;

	*active = *critical = 0;
	for (i = 0; i < ALERTS_MAX; i++) {
		if (live[i].id == 0 || live[i].held ||
		    live[i].state != A_FIRING)
			continue;
		(*active)++;
		if (strcmp(live[i].severity, "critical") == 0)
			(*critical)++;
	}
}

void
alerts_by_severity(int64_t out[4])
{
	static const char *const sev[] = { "info", "warning", "error",
	    "critical" };
	size_t	i, j;

	memset(out, 0, 4 * sizeof(*out));
	for (i = 0; i < ALERTS_MAX; i++) {
		if (live[i].id == 0 || live[i].held ||
		    live[i].state != A_FIRING)
			continue;
		for (j = 0; j < 4; j++)
			if (strcmp(live[i].severity, sev[j]) == 0)
				out[j]++;
	}
}

/* A user token sees the alerts of its own workspaces; the admin all. */
static int
visible(const struct caller *c, const struct alert *a)
{
	return c->who.admin || (a->user[0] != '\0' && strcmp(a->user,
	    c->who.user) == 0);
}

/* MSG_ALERTS_REQ: the active (pending and firing) ones, newest first;
 * with all, then the resolved ones kept, newest first. */
void
alerts_h_list(const struct caller *c, struct msg *m)
{
	struct body_alerts_req	*q = m->body;
	struct body_alerts	*b;
	const struct alert	*a;
	struct msg		 r;
	size_t			 i;

	b = msg_init(&r, MSG_ALERTS, 0, PEER_PARENT);
	b->items = xcalloc(ALERTS_MAX + ALERTS_KEPT, sizeof(*b->items));
	for (i = ALERTS_MAX; i-- > 0; ) {
		a = &live[i];
		if (a->id != 0 && !a->held && visible(c, a))
			alert_item(a, &b->items[b->nitems++]);
	}
	for (i = 0; q->all && i < nkept; i++) {
		a = &kept[(kept_head + ALERTS_KEPT - 1 - i) % ALERTS_KEPT];
		if (visible(c, a))
			alert_item(a, &b->items[b->nitems++]);
	}
	caller_reply(c, &r);
	msg_clear(&r);
}

/* MSG_ALERT_RESOLVE (the admin's): 404 for no such alert, 409 for one
 * already resolved. */
void
alerts_h_resolve(const struct caller *c, struct msg *m)
{
	struct body_alert_resolve	*q = m->body;
	struct body_alerts		*b;
	struct alert			*a = NULL;
	struct msg			 r;
	size_t				 i;

	for (i = 0; i < ALERTS_MAX && a == NULL; i++)
		if (live[i].id == q->id && q->id != 0)
			a = &live[i];
	for (i = 0; i < nkept && a == NULL; i++)
		if (kept[i].id == q->id && q->id != 0) {
			caller_error(c, "conflict", "alert %lld is already "
			    "resolved", (long long)q->id);
			return;
		}
	if (a == NULL || a->held) {
		caller_error(c, a == NULL ? "not_found" : "conflict",
		    "alert %lld: %s", (long long)q->id, a == NULL ?
		    "no such alert" : "already resolved");
		return;
	}
	resolve(a, c->who.user[0] != '\0' ? c->who.user : "admin",
	    q->resolution);
	a->held = 1;
	b = msg_init(&r, MSG_ALERTS, 0, PEER_PARENT);
	b->items = xcalloc(1, sizeof(*b->items));
	alert_item(a, &b->items[0]);
	b->nitems = 1;
	caller_reply(c, &r);
	msg_clear(&r);
}
