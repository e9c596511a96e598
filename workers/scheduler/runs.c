/*
 * What the scheduler's jobs do.  Each acts only through berthd's typed
 * calls (ipc.c): berthd lists the engine's containers and its own
 * workspaces, and decides again, from its registry and the labels,
 * before it removes or stops anything.  Every action is logged here
 * with its reason, and berthd logs what it did.
 *
 * Built: orphaned-containers, orphaned-machines (the same with an age),
 * session-timeouts and expired-sessions (a workspace past its tier's
 * max_session_min is stopped with reason session_limit),
 * orphaned-volumes (the volume of a project deleted grace_min ago,
 * mounted by no container; berthd checks both again), retention (the
 * statswriter's, now), error-workspaces (recovered when the container
 * runs again, its container removed when it does not),
 * inactive-containers (no activity for age_min: stopped with reason
 * inactivity), metrics and monitoring (berthd records seed 001's
 * snapshot and evaluates the alert rules on it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc.h"
#include "log.h"
#include "scheduler.h"
#include "worker.h"
#include "xmalloc.h"

/* One action of a run on one object. */
struct act {
	struct run	*r;
	char		 id[129];
};

static struct act *
act_new(struct run *r, const char *id)
{
	struct act *a = xmalloc(sizeof(*a));

	a->r = r;
	snprintf(a->id, sizeof(a->id), "%s", id);
	run_hold(r);
	return a;
}

/* The answer to an action: counted, the act freed, the run released. */
static void
acted(struct worker *w, struct msg *reply, const struct ipc_error *err,
    void *arg)
{
	struct act	*a = arg;
	struct run	*r = a->r;

	if (err != NULL) {
		r->failed++;
		log_warnx("job %s: %.12s: %s", r->name, a->id, err->message);
		run_error(r, "%.12s: %s", a->id, err->message);
	} else
		r->acted++;
	free(a);
	run_release(r);
}

/* The run's first question to berthd: a listing. */
static void
ask(struct run *r, uint32_t (*list)(struct worker *, ipc_cb, void *),
    ipc_cb cb)
{
	run_hold(r);
	if (list(r->s->w, cb, r) == 0) {
		run_error(r, "cannot ask berthd");
		run_release(r);
	}
}

/* The call of an act was made: id 0 means it could not be sent. */
static void
act_sent(struct act *a, uint32_t id)
{
	if (id == 0)
		acted(a->r->s->w, NULL, &(struct ipc_error){ "unavailable",
		    "cannot ask berthd" }, a);
}

/* berthd's refusal (a conflict: the grace, a mount, a container gone)
 * is no failure: the object is kept, neither acted on nor failed.  1
 * when it was one (the act is over). */
static int
kept(struct act *a, const struct ipc_error *err)
{
	struct run	*r = a->r;

	if (err == NULL || strcmp(err->code, "conflict") != 0)
		return 0;
	log_info("job %s: %s kept: %s", r->name, a->id, err->message);
	free(a);
	run_release(r);
	return 1;
}

/* A listing that failed fails the run: 1 after releasing it. */
static int
listing_failed(struct run *r, const struct ipc_error *err, const char *what)
{
	if (err == NULL)
		return 0;
	run_error(r, "cannot list %s: %s", what, err->message);
	run_release(r);
	return 1;
}

/* ------------------------------------------------------------ orphans */

static void
remove_orphan(struct run *r, const struct container_item *it)
{
	struct act	*a;

	log_info("job %s: removing container %.12s (%s, workspace \"%s\", "
	    "user \"%s\"): berth has no record of its workspace%s", r->name,
	    it->id, it->name, it->workspace_id, it->user_id,
	    r->age_s > 0 ? " and it is older than the job's age_min" : "");
	a = act_new(r, it->id);
	act_sent(a, ipc_container_rm(r->s->w, it->id, r->name, r->age_s,
	    acted, a));
}

static void
containers_listed(struct worker *w, struct msg *reply,
    const struct ipc_error *err, void *arg)
{
	struct run		*r = arg;
	struct body_containers	*b;
	struct container_item	*it;
	size_t			 i;

	if (listing_failed(r, err, "containers"))
		return;
	b = reply->body;
	for (i = 0; i < b->nitems && !run_detached(r); i++) {
		it = &b->items[i];
		r->checked++;
		if (it->known)
			continue;
		if (r->age_s > 0 && r->now_ms - it->created_ms <
		    (int64_t)r->age_s * 1000)
			continue;
		remove_orphan(r, it);
	}
	run_release(r);
}

static void
orphans(struct run *r)
{
	ask(r, ipc_containers, containers_listed);
}

/* orphaned-containers: any age. */
static void
orphaned_containers(struct run *r)
{
	r->age_s = 0;
	orphans(r);
}

/* ------------------------------------------------------------ volumes */

static void
volume_acted(struct worker *w, struct msg *reply, const struct ipc_error *err,
    void *arg)
{
	if (!kept(arg, err))
		acted(w, reply, err, arg);
}

static void
volumes_listed(struct worker *w, struct msg *reply,
    const struct ipc_error *err, void *arg)
{
	struct run		*r = arg;
	struct body_volumes	*b;
	struct volume_item	*v;
	struct act		*a;
	size_t			 i;

	if (listing_failed(r, err, "volumes"))
		return;
	b = reply->body;
	for (i = 0; i < b->nitems && !run_detached(r); i++) {
		v = &b->items[i];
		if (v->project_id[0] == '\0')
			continue;
		r->checked++;
		if (v->deleted_ms == 0 || v->in_use > 0 ||
		    r->now_ms - v->deleted_ms < (int64_t)r->grace_s * 1000)
			continue;
		log_info("job %s: removing volume %s: project %s deleted at "
		    "%lld, grace_min %ld passed, mounted by no container",
		    r->name, v->name, v->project_id, (long long)v->deleted_ms,
		    r->grace_s / 60);
		a = act_new(r, v->name);
		act_sent(a, ipc_volume_rm(w, v->name, r->name, r->grace_s,
		    volume_acted, a));
	}
	run_release(r);
}

static void
orphaned_volumes(struct run *r)
{
	ask(r, ipc_volumes, volumes_listed);
}

/* ------------------------------------------------------------ sessions */

static void
stop_expired(struct run *r, const struct workspace_info *ws, long max_min)
{
	struct act	*a;

	log_info("job %s: stopping workspace %s (user %s, tier %s): session "
	    "longer than the tier's max_session_min %ld; reason session_limit",
	    r->name, ws->id, ws->user_id, ws->tier, max_min);
	a = act_new(r, ws->id);
	act_sent(a, ipc_ws_stop(r->s->w, ws->id, "session_limit", acted, a));
}

static void
workspaces_listed(struct worker *w, struct msg *reply,
    const struct ipc_error *err, void *arg)
{
	struct run		*r = arg;
	struct body_ws_items	*b;
	struct workspace_info	*ws;
	const struct tier	*t;
	int64_t			 since;
	size_t			 i;

	if (listing_failed(r, err, "workspaces"))
		return;
	b = reply->body;
	for (i = 0; i < b->nitems && !run_detached(r); i++) {
		ws = &b->items[i];
		if (strcmp(ws->status, "running") != 0 &&
		    strcmp(ws->status, "starting") != 0)
			continue;
		r->checked++;
		t = config_tier(&w->cfg, ws->tier);
		since = ws->started_ms > 0 ? ws->started_ms : ws->created_ms;
		if (t == NULL || t->max_session_min == 0 || since <= 0 ||
		    r->now_ms - since < (int64_t)t->max_session_min * 60000)
			continue;
		stop_expired(r, ws, t->max_session_min);
	}
	run_release(r);
}

static void
sessions(struct run *r)
{
	ask(r, ipc_ws_all, workspaces_listed);
}

/* ------------------------------------------------------------ inactive */

/* A running workspace with no activity (berthd's lastActivityAt: its
 * start, heartbeats, traffic, its own heartbeat) for age_min is
 * stopped with reason inactivity, whatever its type's idle timeout. */
static void
inactive_listed(struct worker *w, struct msg *reply,
    const struct ipc_error *err, void *arg)
{
	struct run		*r = arg;
	struct body_ws_items	*b;
	struct workspace_info	*ws;
	struct act		*a;
	size_t			 i;

	if (listing_failed(r, err, "workspaces"))
		return;
	b = reply->body;
	for (i = 0; i < b->nitems && !run_detached(r); i++) {
		ws = &b->items[i];
		if (strcmp(ws->status, "running") != 0)
			continue;
		r->checked++;
		if (ws->last_activity_ms <= 0 || r->now_ms -
		    ws->last_activity_ms < (int64_t)r->age_s * 1000)
			continue;
		log_info("job %s: stopping workspace %s (user %s): no activity "
		    "for %ld min; reason inactivity", r->name, ws->id,
		    ws->user_id, r->age_s / 60);
		a = act_new(r, ws->id);
		act_sent(a, ipc_ws_stop(r->s->w, ws->id, "inactivity", acted,
		    a));
	}
	run_release(r);
}

static void
inactive_containers(struct run *r)
{
	ask(r, ipc_ws_all, inactive_listed);
}

/* ------------------------------------------------------------ errors */

static int
ended_in_error(const struct workspace_info *ws)
{
	return ws->container_id[0] != '\0' &&
	    (strcmp(ws->status, "error") == 0 ||
	    (strcmp(ws->status, "stopped") == 0 &&
	    (strcmp(ws->stop_reason, "error") == 0 ||
	    strcmp(ws->stop_reason, "resource_limit") == 0)));
}

/* berthd's answer: the workspace recovered (running) or its container
 * removed; a container already gone is not counted. */
static void
settled(struct worker *w, struct msg *reply, const struct ipc_error *err,
    void *arg)
{
	struct act	*a = arg;

	if (kept(a, err))
		return;
	if (err == NULL)
		log_info("job %s: workspace %s %s", a->r->name, a->id,
		    strcmp(((struct workspace_info *)reply->body)->status,
		    "running") == 0 ? "recovered: its container runs" :
		    "cleaned up: its container removed");
	acted(w, reply, err, a);
}

static void
errors_listed(struct worker *w, struct msg *reply,
    const struct ipc_error *err, void *arg)
{
	struct run		*r = arg;
	struct body_ws_items	*b;
	struct act		*a;
	size_t			 i;

	if (listing_failed(r, err, "workspaces"))
		return;
	b = reply->body;
	for (i = 0; i < b->nitems && !run_detached(r); i++) {
		if (!ended_in_error(&b->items[i]))
			continue;
		r->checked++;
		a = act_new(r, b->items[i].id);
		act_sent(a, ipc_ws_settle(w, b->items[i].id, r->name, settled,
		    a));
	}
	run_release(r);
}

/* Workspaces that ended in error with their container still there:
 * recovered when it runs again, cleaned up when it does not. */
static void
error_workspaces(struct run *r)
{
	ask(r, ipc_ws_all, errors_listed);
}

/* ------------------------------------------------------------ retention */

static void
retention_done(struct worker *w, struct msg *reply,
    const struct ipc_error *err, void *arg)
{
	struct run		*r = arg;
	struct body_retention	*b;

	if (err != NULL)
		run_error(r, "retention: %s", err->message);
	else {
		b = reply->body;
		r->acted = b->metrics_deleted + b->system_deleted;
	}
	run_release(r);
}

/* The statswriter removes samples older than [metrics] retention_hours. */
static void
retention(struct run *r)
{
	ask(r, ipc_retention, retention_done);
}

/* ------------------------------------------------------------ monitoring */

static void
monitored(struct worker *w, struct msg *reply, const struct ipc_error *err,
    void *arg)
{
	struct run			*r = arg;
	struct body_monitor_done	*b;

	if (err != NULL)
		run_error(r, "%s", err->message);
	else {
		b = reply->body;
		r->checked = b->points;
		r->acted = b->changed;
	}
	run_release(r);
}

/* berthd records the snapshot (metrics) and evaluates the alert rules
 * on it (both jobs: the rules' for_s is measured on every snapshot). */
static void
monitor(struct run *r)
{
	run_hold(r);
	if (ipc_monitor(r->s->w, r->name, monitored, r) == 0) {
		run_error(r, "cannot ask berthd");
		run_release(r);
	}
}

/* ------------------------------------------------------------ table */

static const struct {
	const char	*name;
	job_fn		*fn;
	const char	*action;
} table[] = {
	{ "orphaned-containers",	orphaned_containers,	"removed" },
	{ "orphaned-machines",		orphans,		"removed" },
	{ "orphaned-volumes",		orphaned_volumes,	"removed" },
	{ "session-timeouts",		sessions,		"stopped" },
	{ "expired-sessions",		sessions,		"stopped" },
	{ "retention",			retention,		"removed" },
	{ "error-workspaces",		error_workspaces,	"settled" },
	{ "inactive-containers",	inactive_containers,	"stopped" },
	{ "metrics",			monitor,		"changed" },
	{ "monitoring",			monitor,		"changed" },
};

job_fn *
jobs_fn(const char *name, const char **action)
{
	size_t	i;

	*action = "acted on";
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i].name, name) == 0) {
			*action = table[i].action;
			return table[i].fn;
		}
	return NULL;
}
