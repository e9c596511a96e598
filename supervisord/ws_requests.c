/*
 * The workers' requests about workspaces, answered by berthd from its
 * registry.  Every request is checked here again, whatever the gateway
 * checked: the identity berthd resolved decides what the caller may see
 * (another user's workspace is "not found") and which tiers it may use;
 * the configuration decides what may be started and how many; the
 * project registry decides whose volume may be mounted.  The engine
 * work is in container.c, which ends in the callbacks below.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berthd.h"
#include "codec.h"
#include "log.h"
#include "util.h"
#include "wscheck.h"
#include "xmalloc.h"

static const char *const stop_reasons[] = {
	"manual", "inactivity", "session_limit", "error", "resource_limit",
	NULL
};

static struct caller *
caller_keep(const struct caller *c)
{
	struct caller *k = xmalloc(sizeof(*k));

	*k = *c;
	return k;
}

void
ws_reply(const struct caller *c, const struct workspace *ws)
{
	struct msg m;

	ws_info(ws, msg_init(&m, MSG_WORKSPACE, 0, PEER_PARENT));
	caller_reply(c, &m);
	msg_clear(&m);
}

struct workspace *
ws_owned(const struct caller *c, const char *wsid)
{
	struct workspace *ws = ws_find(wsid);

	if (ws == NULL || (!c->who.admin && strcmp(ws->user, c->who.user) !=
	    0)) {
		caller_error(c, "not_found", "no such workspace");
		return NULL;
	}
	return ws;
}

/* An error of the engine chain (container.c, which logged the engine's
 * text in full) as the caller may see it: the admin gets the engine's
 * words, a user token a short message that names no container, image
 * or path of the host. */
static void
chain_error(const struct caller *c, const char *code, const char *message)
{
	if (strcmp(code, "engine_error") == 0 && !c->who.admin)
		caller_error(c, code, "the engine refused the request");
	else if (strcmp(code, "unavailable") == 0 && !c->who.admin)
		caller_error(c, code, "the engine is unavailable");
	else
		caller_error(c, code, "%s", message);
}

/* ------------------------------------------------------------ quotas */

static int
active(const struct workspace *ws)
{
	return ws->status == WSS_STARTING || ws->status == WSS_RUNNING ||
	    ws->status == WSS_STOPPING;
}

/* 0, or -1 after answering 429 with the limit named. */
static int
within_quotas(const struct caller *c, const char *user, const char *tier)
{
	const struct tier	*t = config_tier(&env->cfg, tier);
	struct workspace	*ws;
	long			 all = 0, mine = 0;

	for (ws = ws_first(); ws != NULL; ws = ws->next) {
		if (!active(ws))
			continue;
		all++;
		if (strcmp(ws->user, user) == 0 && strcmp(ws->tier, tier) == 0)
			mine++;
	}
	if (env->cfg.max_workspaces > 0 && all >= env->cfg.max_workspaces) {
		caller_error(c, "quota", "server max_workspaces (%ld) reached",
		    env->cfg.max_workspaces);
		return -1;
	}
	if (t != NULL && t->max_workspaces_per_user > 0 &&
	    mine >= t->max_workspaces_per_user) {
		caller_error(c, "quota", "tier %s max_workspaces_per_user "
		    "(%ld) reached", tier, t->max_workspaces_per_user);
		return -1;
	}
	if (eng_busy()) {
		caller_error(c, "busy", "docker max_concurrent_calls (%ld) "
		    "in flight; retry shortly",
		    env->cfg.docker_max_concurrent_calls);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ create */

/* Who, which tier, what limits; 0 or -1 after answering. */
static int
create_checks(const struct caller *c, struct body_ws_create *b)
{
	char	err[256];

	if (b->owner[0] == '\0') {
		free(b->owner);
		b->owner = xstrdup(c->who.user);
	}
	if (!c->who.admin && strcmp(b->owner, c->who.user) != 0) {
		caller_error(c, "forbidden", "userId must be your own");
		return -1;
	}
	if (b->tier[0] == '\0') {
		free(b->tier);
		b->tier = xstrdup(c->who.default_tier);
	}
	if (!ident_allows_tier(&c->who, b->tier)) {
		caller_error(c, "forbidden", "tier %s is not allowed for "
		    "this token", b->tier);
		return -1;
	}
	if (ws_check_create(&env->cfg, b, err, sizeof(err)) == -1) {
		caller_error(c, "invalid", "%s", err);
		return -1;
	}
	if (!engine_up()) {
		caller_error(c, "unavailable", "Docker Engine is down");
		return -1;
	}
	return within_quotas(c, b->owner, b->tier);
}

/* The delete that came while the workspace was created is answered
 * once the create chain is over. */
static void
answer_waiter(struct workspace *ws)
{
	struct caller *w = ws->waiter;

	if (w == NULL)
		return;
	ws->waiter = NULL;
	ws_reply(w, ws);
	free(w);
}

static void
created(struct workspace *ws, const char *code, const char *message,
    void *arg)
{
	struct caller *c = arg;

	if (ws != NULL)
		ws->creating = 0;
	if (code != NULL)
		chain_error(c, code, message);
	else if (ws == NULL)
		caller_error(c, "conflict", "the workspace is gone");
	else
		ws_reply(c, ws);
	if (ws != NULL)
		answer_waiter(ws);
	free(c);
}

void
ws_h_create(const struct caller *c, struct msg *m)
{
	struct body_ws_create	*b = m->body;
	struct workspace	*ws;
	const char		*code, *msg;

	if (create_checks(c, b) == -1)
		return;
	if (b->project_id[0] != '\0' && project_claim(b->project_id,
	    b->owner, &c->who, &code, &msg) == -1) {
		caller_error(c, code, "%s", msg);
		return;
	}
	if (b->project_id[0] != '\0' && (msg = vol_busy(b->project_id)) !=
	    NULL) {
		caller_error(c, "conflict", "%s", msg);
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
	ws->by_admin = c->who.admin;
	ws->creating = 1;
	ws_fact(ws, "received", 0);
	metrics_activity("workspace_start", ws->tier);
	container_create(ws, b, created, caller_keep(c));
}

/* ------------------------------------------------------------ stop */

static void
removed(struct workspace *ws, const char *code, const char *message,
    void *arg)
{
	struct caller *c = arg;

	if (code != NULL)
		chain_error(c, code, message);
	else if (ws == NULL)
		caller_error(c, "not_found", "no such workspace");
	else
		ws_reply(c, ws);
	free(c);
}

static void
stop(const struct caller *c, struct workspace *ws, const char *reason)
{
	if (ws->creating) {
		if (ws->waiter != NULL) {
			caller_error(c, "conflict", "already being deleted");
			return;
		}
		ws->cancel = 1;		/* the create chain ends it */
		ws->waiter = caller_keep(c);
		return;
	}
	metrics_activity("workspace_stop", ws->tier);
	container_remove(ws, reason, removed, caller_keep(c));
}

void
ws_h_delete(const struct caller *c, struct msg *m)
{
	struct body_ws_ref	*r = m->body;
	struct workspace	*ws;

	if (!engine_up()) {
		caller_error(c, "unavailable", "Docker Engine is down");
		return;
	}
	if ((ws = ws_owned(c, r->id)) != NULL)
		stop(c, ws, "manual");
}

/* The scheduler's stop, with its reason. */
void
ws_h_stop(const struct caller *c, struct msg *m)
{
	struct body_ws_stop	*b = m->body;
	struct workspace	*ws;
	size_t			 i;

	for (i = 0; stop_reasons[i] != NULL; i++)
		if (strcmp(stop_reasons[i], b->reason) == 0)
			break;
	if (stop_reasons[i] == NULL) {
		caller_error(c, "invalid", "unknown shutdown reason");
		return;
	}
	if (!engine_up()) {
		caller_error(c, "unavailable", "Docker Engine is down");
		return;
	}
	if ((ws = ws_owned(c, b->id)) != NULL)
		stop(c, ws, b->reason);
}

/* The scheduler's error-workspaces: one that ended in error (a failed
 * start, a container that died) and still has its container. */
static int
in_error(const struct workspace *ws)
{
	return !ws->creating && ws->container[0] != '\0' &&
	    (ws->status == WSS_ERROR || (ws->status == WSS_STOPPED &&
	    (strcmp(ws->stop_reason, "error") == 0 ||
	    strcmp(ws->stop_reason, "resource_limit") == 0)));
}

void
ws_h_settle(const struct caller *c, struct msg *m)
{
	struct body_ws_stop	*b = m->body;
	struct workspace	*ws;

	if ((ws = ws_find(b->id)) == NULL) {
		caller_error(c, "not_found", "no such workspace");
		return;
	}
	if (!in_error(ws)) {
		caller_error(c, "conflict", "not a workspace in error with a "
		    "container");
		return;
	}
	if (!engine_up()) {
		caller_error(c, "unavailable", "Docker Engine is down");
		return;
	}
	container_settle_error(ws, removed, caller_keep(c));
}

/* ------------------------------------------------------------ others */

/* The caller's workspaces (MSG_WS_LIST), or every one for the admin
 * and for the scheduler (MSG_WS_ALL, whose body is empty). */
void
ws_h_list(const struct caller *c, struct msg *m)
{
	struct body_ws_items	*b;
	struct workspace	*ws;
	struct msg		 r;
	size_t			 n = 0;

	for (ws = ws_first(); ws != NULL; ws = ws->next)
		n++;
	b = msg_init(&r, MSG_WS_ITEMS, 0, PEER_PARENT);
	b->items = xcalloc(n + 1, sizeof(*b->items));
	for (ws = ws_first(); ws != NULL && b->nitems < 1000; ws = ws->next)
		if (c->who.admin || strcmp(ws->user, c->who.user) == 0)
			ws_info(ws, &b->items[b->nitems++]);
	caller_reply(c, &r);
	msg_clear(&r);
}

void
ws_h_get(const struct caller *c, struct msg *m)
{
	struct body_ws_ref	*r = m->body;
	struct workspace	*ws;

	if ((ws = ws_owned(c, r->id)) != NULL)
		ws_reply(c, ws);
}

static void
patched(struct workspace *ws, const char *code, const char *message,
    void *arg)
{
	removed(ws, code, message, arg);		/* the same answers */
}

void
ws_h_patch(const struct caller *c, struct msg *m)
{
	struct body_ws_patch	*b = m->body;
	struct workspace	*ws;
	const struct ws_type	*t;
	char			 err[256];

	if ((ws = ws_owned(c, b->id)) == NULL)
		return;
	if (ws->status != WSS_RUNNING && ws->status != WSS_STARTING) {
		caller_error(c, "conflict", "workspace is %s",
		    ws_status_name(ws->status));
		return;
	}
	if ((t = config_type(&env->cfg, ws->type)) == NULL) {
		caller_error(c, "conflict", "type %s is no longer configured",
		    ws->type);
		return;
	}
	if (ws_check_limits(t, b->cpus, b->memory_mb, b->memory_swap_mb,
	    b->memory_reservation_mb, ws->memory_mb, err, sizeof(err)) == -1) {
		caller_error(c, "invalid", "%s", err);
		return;
	}
	if (!engine_up() || eng_busy()) {
		caller_error(c, engine_up() ? "busy" : "unavailable",
		    "Docker Engine is %s", engine_up() ? "busy" : "down");
		return;
	}
	metrics_activity("resource_change", ws->tier);
	container_update(ws, b, patched, caller_keep(c));
}

/* A health or stats answer from container.c. */
static void
answered(struct msg *reply, const char *code, const char *message, void *arg)
{
	struct caller *c = arg;

	if (reply == NULL)
		chain_error(c, code, message);
	else
		caller_reply(c, reply);
	free(c);
}

/* The workspace the caller may query the engine about, or NULL. */
static struct workspace *
queryable(const struct caller *c, const char *wsid)
{
	struct workspace *ws;

	if (!engine_up()) {
		caller_error(c, "unavailable", "Docker Engine is down");
		return NULL;
	}
	if ((ws = ws_owned(c, wsid)) == NULL)
		return NULL;
	if (ws->container[0] == '\0' || (ws->status != WSS_RUNNING &&
	    ws->status != WSS_STARTING)) {
		caller_error(c, "conflict", "workspace is %s",
		    ws_status_name(ws->status));
		return NULL;
	}
	return ws;
}

void
ws_h_health(const struct caller *c, struct msg *m)
{
	struct body_ws_ref	*r = m->body;
	struct workspace	*ws;

	if ((ws = queryable(c, r->id)) != NULL)
		container_health(ws, answered, caller_keep(c));
}

/* The statswriter's cgroup reader answered; on any failure ask the
 * engine instead. */
struct stats_ask {
	struct caller	 c;
	char		 wsid[40];
};

static void
cgroup_answered(struct msg *reply, void *arg)
{
	struct stats_ask	*a = arg;
	struct workspace	*ws = ws_find(a->wsid);

	if (reply != NULL && reply->type == MSG_SAMPLE) {
		reply->flags = 0;
		caller_reply(&a->c, reply);
	} else if (ws == NULL || ws->container[0] == '\0')
		caller_error(&a->c, "not_found", "no such workspace");
	else {
		log_debug("cgroup stats unavailable; asking the engine");
		container_engine_stats(ws, answered, caller_keep(&a->c));
	}
	free(a);
}

void
ws_h_stats(const struct caller *c, struct msg *m)
{
	struct body_ws_ref	*r = m->body;
	struct workspace	*ws;
	struct body_cg_read	*q;
	struct stats_ask	*a;
	struct msg		 cm;

	if ((ws = queryable(c, r->id)) == NULL)
		return;
	a = xcalloc(1, sizeof(*a));
	a->c = *c;
	snprintf(a->wsid, sizeof(a->wsid), "%s", ws->id);
	q = msg_init(&cm, MSG_CG_READ, 0, PEER_PARENT);
	q->container_id = xstrdup(ws->container);
	q->pid = ws->pid;
	if (parent_call(wproc_by_peer(PEER_STATSWRITER), &cm,
	    cgroup_answered, a) == -1) {
		free(a);
		container_engine_stats(ws, answered, caller_keep(c));
	}
	msg_clear(&cm);
}

/* ------------------------------------------------------------ samples */

static void
history_answered(struct msg *reply, void *arg)
{
	struct caller		*k = arg;
	struct body_error	*e;

	if (reply == NULL)
		caller_error(k, "unavailable", "the statswriter is not "
		    "running");
	else if (reply->type == MSG_ERROR) {
		e = reply->body;
		caller_error(k, e->code, "%s", e->message);
	} else
		caller_reply(k, reply);
	free(k);
}

/* MSG_WS_METRICS_REQ: the recent samples of a workspace the caller may
 * see (404 otherwise), of its current container, from the statswriter
 * as the admin would ask for them. */
void
ws_h_metrics(const struct caller *c, struct msg *m)
{
	struct body_ws_metrics_req	*q = m->body;
	struct body_history_req		*h;
	struct body_metrics		*b;
	struct workspace		*ws;
	struct caller			*k;
	struct msg			 hm;

	if ((ws = ws_owned(c, q->id)) == NULL)
		return;
	if (ws->container[0] == '\0') {
		b = msg_init(&hm, MSG_HISTORY, 0, PEER_PARENT);
		b->source = xstrdup("memory");
		caller_reply(c, &hm);
		msg_clear(&hm);
		return;
	}
	h = msg_init(&hm, MSG_HISTORY_REQ, 0, PEER_STATSWRITER);
	h->auth.token = xstrdup("");
	h->auth.caller = xstrdup("berthd");
	h->auth.admin = 1;
	h->since_ms = q->since_ms;
	h->container_id = xstrdup(ws->container);
	h->before_cid = xstrdup("");
	h->limit = q->limit >= 1 && q->limit <= 1000 ? q->limit : 100;
	k = caller_keep(c);
	if (parent_call(wproc_by_peer(PEER_STATSWRITER), &hm,
	    history_answered, k) == -1) {
		free(k);
		caller_error(c, "unavailable", "the statswriter is not "
		    "running");
	}
	msg_clear(&hm);
}
