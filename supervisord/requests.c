/*
 * The request table: every message a peer may send, as one row each.
 * A row says who may send it, to whom (berthd itself, whose handler
 * answers, or a worker the router forwards it to), whether it may carry
 * a descriptor, whether it is made for an HTTP client (its bearer token
 * is resolved here, never trusted from the body) and whether only the
 * admin may make it, and which reply types answer it.
 *
 * Adding a request: its body and schema entry (proto/), its row here,
 * its handler (for berthd) or its destination's dispatch (for a route),
 * and a typed call for the workers (workers/ipc.c).
 */
#include <stdio.h>
#include <string.h>

#include "berthd.h"
#include "codec.h"
#include "config.h"
#include "util.h"
#include "xmalloc.h"

#define BIT(p)		PEER_BIT(p)
#define PARENT		BIT(PEER_PARENT)
#define GATEWAY		BIT(PEER_GATEWAY)
#define SCHEDULER	BIT(PEER_SCHEDULER)
#define HEALTHMON	BIT(PEER_HEALTHMON)
#define STATSWRITER	BIT(PEER_STATSWRITER)
#define LOGSTREAMER	BIT(PEER_LOGSTREAMER)
#define WORKERS		(GATEWAY | SCHEDULER | HEALTHMON | STATSWRITER | \
			 LOGSTREAMER)

static request_fn	h_hello, h_status, h_ping, h_auth;

static const struct request_row rows[] = {
	/* every worker */
	{ MSG_HELLO,		WORKERS,	PARENT,		0,
	    h_hello,		{ 0 } },
	{ MSG_PING,		WORKERS,	PARENT | WORKERS, 0,
	    h_ping,		{ MSG_PONG } },
	/* the gateway, for HTTP clients */
	{ MSG_AUTH_REQ,		GATEWAY,	PARENT,		RQ_TOKEN,
	    h_auth,		{ MSG_IDENT } },
	{ MSG_WS_CREATE,	GATEWAY,	PARENT,		RQ_TOKEN,
	    ws_h_create,	{ MSG_WORKSPACE } },
	{ MSG_WS_LIST,		GATEWAY,	PARENT,		RQ_TOKEN,
	    ws_h_list,		{ MSG_WS_ITEMS } },
	{ MSG_WS_GET,		GATEWAY,	PARENT,		RQ_TOKEN,
	    ws_h_get,		{ MSG_WORKSPACE } },
	{ MSG_WS_DELETE,	GATEWAY,	PARENT,		RQ_TOKEN,
	    ws_h_delete,	{ MSG_WORKSPACE } },
	{ MSG_WS_PATCH,		GATEWAY,	PARENT,		RQ_TOKEN,
	    ws_h_patch,		{ MSG_WORKSPACE } },
	{ MSG_WS_HEALTH,	GATEWAY,	PARENT,		RQ_TOKEN,
	    ws_h_health,	{ MSG_WS_HEALTH_INFO } },
	{ MSG_WS_STATS,		GATEWAY,	PARENT,		RQ_TOKEN,
	    ws_h_stats,		{ MSG_SAMPLE } },
	{ MSG_WS_ACTIVITY,	GATEWAY,	PARENT,		RQ_TOKEN,
	    ws_h_activity,	{ MSG_WORKSPACE } },
	{ MSG_WS_SEEN,		STATSWRITER | HEALTHMON, PARENT, 0,
	    ws_h_seen,		{ 0 } },
	{ MSG_EVENTS_REQ,	GATEWAY,	PARENT,		RQ_TOKEN,
	    events_h_list,	{ MSG_EVENTS } },
	{ MSG_EVENTS_REQ,	GATEWAY,	STATSWRITER,	RQ_TOKEN,
	    NULL,		{ MSG_EVENTS } },
	{ MSG_MPOINTS_REQ,	GATEWAY,	PARENT,	RQ_TOKEN | RQ_ADMIN,
	    monitor_h_points,	{ MSG_MPOINTS } },
	{ MSG_ALERTS_REQ,	GATEWAY,	PARENT,		RQ_TOKEN,
	    alerts_h_list,	{ MSG_ALERTS } },
	{ MSG_ALERT_RESOLVE,	GATEWAY,	PARENT,	RQ_TOKEN | RQ_ADMIN,
	    alerts_h_resolve,	{ MSG_ALERTS } },
	{ MSG_NOTIFY_REQ,	GATEWAY,	PARENT,	RQ_TOKEN | RQ_ADMIN,
	    notify_h_list,	{ MSG_NOTIFIES } },
	{ MSG_WS_METRICS_REQ,	GATEWAY,	PARENT,		RQ_TOKEN,
	    ws_h_metrics,	{ MSG_HISTORY } },
	{ MSG_SILENCE_ADD,	GATEWAY,	PARENT,	RQ_TOKEN | RQ_ADMIN,
	    silences_h_add,	{ MSG_SILENCES } },
	{ MSG_SILENCES_REQ,	GATEWAY,	PARENT,	RQ_TOKEN | RQ_ADMIN,
	    silences_h_list,	{ MSG_SILENCES } },
	{ MSG_SILENCE_EXPIRE,	GATEWAY,	PARENT,	RQ_TOKEN | RQ_ADMIN,
	    silences_h_expire,	{ MSG_SILENCES } },
	{ MSG_PROJECTS_REQ,	GATEWAY,	PARENT,		RQ_TOKEN,
	    project_h_list,	{ MSG_PROJECTS } },
	{ MSG_PROJECT_OWNER,	GATEWAY,	PARENT,	RQ_TOKEN | RQ_ADMIN,
	    project_h_owner,	{ MSG_PROJECTS } },
	{ MSG_PROJECT_DELETE,	GATEWAY,	PARENT,		RQ_TOKEN,
	    project_h_delete,	{ MSG_PROJECTS } },
	{ MSG_VOL_BACKUP,	GATEWAY,	PARENT,		RQ_TOKEN,
	    vol_h_backup,	{ MSG_VOL_BACKUPS } },
	{ MSG_VOL_BACKUPS_REQ,	GATEWAY,	PARENT,		RQ_TOKEN,
	    vol_h_backups,	{ MSG_VOL_BACKUPS } },
	{ MSG_VOL_RESTORE,	GATEWAY,	PARENT,		RQ_TOKEN,
	    vol_h_restore,	{ MSG_VOL_BACKUPS } },
	{ MSG_VOL_SIZE_REQ,	GATEWAY,	PARENT,		RQ_TOKEN,
	    vol_h_size,		{ MSG_VOL_SIZE } },
	{ MSG_VOL_CLONE,	GATEWAY,	PARENT,		RQ_TOKEN,
	    clone_h_start,	{ MSG_VOL_CLONES } },
	{ MSG_VOL_CLONE_REQ,	GATEWAY,	PARENT,		RQ_TOKEN,
	    clone_h_get,	{ MSG_VOL_CLONES } },
	{ MSG_HISTORY_REQ,	GATEWAY | PARENT, STATSWRITER, RQ_TOKEN | RQ_ADMIN,
	    NULL,		{ MSG_HISTORY } },
	{ MSG_CSTATS_REQ,	GATEWAY,	STATSWRITER, RQ_TOKEN | RQ_ADMIN,
	    NULL,		{ MSG_CSTATS } },
	{ MSG_LOGS_REQ,		GATEWAY,	PARENT,		RQ_TOKEN,
	    logs_h_open,	{ MSG_LOG_CHUNK } },
	{ MSG_LOGS_ATTACH,	GATEWAY,	PARENT,	RQ_TOKEN | RQ_FD,
	    logs_h_attach,	{ MSG_OK } },
	{ MSG_LOGS_TICKET,	GATEWAY,	PARENT,		RQ_TOKEN,
	    logs_h_ticket,	{ MSG_TICKET } },
	/* the identity is the ticket's, kept by berthd (tickets.c) */
	{ MSG_LOGS_ATTACH_TICKET, GATEWAY,	PARENT,		RQ_FD,
	    logs_h_attach_ticket, { MSG_OK } },
	/* the logstreamer follows a workspace its client may read */
	{ MSG_LOGS_FOLLOW,	LOGSTREAMER,	PARENT,		0,
	    logs_h_follow,	{ MSG_LOG_CHUNK } },
	/* log sessions: only the run of the worker that opened one */
	{ MSG_LOGS_NEXT,	GATEWAY | LOGSTREAMER, PARENT,	0,
	    logs_h_next,	{ MSG_LOG_CHUNK } },
	{ MSG_LOGS_CLOSE,	GATEWAY | LOGSTREAMER, PARENT,	0,
	    logs_h_close,	{ 0 } },
	/* the gateway, anonymous parts of the API */
	{ MSG_STATUS_REQ,	GATEWAY | HEALTHMON, PARENT,	0,
	    h_status,		{ MSG_STATUS } },
	{ MSG_PROM_REQ,		GATEWAY,	PARENT,		0,
	    metrics_h_prom,	{ MSG_PROM } },
	{ MSG_PROM_REQ,		GATEWAY,	STATSWRITER | SCHEDULER |
	    LOGSTREAMER, 0,
	    NULL,		{ MSG_PROM } },
	{ MSG_DB_STATUS_REQ,	GATEWAY | HEALTHMON, STATSWRITER, 0,
	    NULL,		{ MSG_DB_STATUS } },
	{ MSG_HEALTH_REQ,	GATEWAY,	HEALTHMON,	0,
	    NULL,		{ MSG_HEALTH_REPORT } },
	/* healthmon */
	{ MSG_NOTIFY_DONE,	HEALTHMON,	PARENT,		0,
	    notify_h_done,	{ 0 } },
	{ MSG_BREAKER,		HEALTHMON,	PARENT,		0,
	    events_h_breaker,	{ 0 } },
	{ MSG_WS_AVAILABLE,	HEALTHMON,	PARENT,		0,
	    ws_h_available,	{ 0 } },
	/* the scheduler, for berth itself */
	{ MSG_WS_STOP,		SCHEDULER,	PARENT,		0,
	    ws_h_stop,		{ MSG_WORKSPACE } },
	{ MSG_CONTAINERS_REQ,	SCHEDULER,	PARENT,		0,
	    engine_h_containers, { MSG_CONTAINERS } },
	{ MSG_VOLUMES_REQ,	SCHEDULER,	PARENT,		0,
	    engine_h_volumes,	{ MSG_VOLUMES } },
	{ MSG_CONTAINER_RM,	SCHEDULER,	PARENT,		0,
	    engine_h_container_rm, { MSG_OK } },
	{ MSG_VOLUME_RM,	SCHEDULER,	PARENT,		0,
	    engine_h_volume_rm,	{ MSG_OK } },
	{ MSG_WS_ALL,		SCHEDULER,	PARENT,		0,
	    ws_h_list,		{ MSG_WS_ITEMS } },
	{ MSG_WS_SETTLE,	SCHEDULER,	PARENT,		0,
	    ws_h_settle,	{ MSG_WORKSPACE } },
	{ MSG_MONITOR_RUN,	SCHEDULER,	PARENT,		0,
	    monitor_h_run,	{ MSG_MONITOR_DONE } },
	{ MSG_JOB_STATE,	SCHEDULER,	PARENT,		0,
	    jobstate_h_save,	{ 0 } },
	{ MSG_JOB_DONE,		SCHEDULER,	PARENT,		0,
	    events_h_job,	{ 0 } },
	{ MSG_JOB_RUN,		SCHEDULER,	STATSWRITER,	0,
	    NULL,		{ MSG_OK } },
	{ MSG_RETENTION_REQ,	SCHEDULER,	STATSWRITER,	0,
	    NULL,		{ MSG_RETENTION } },
	/* the jobs API: the gateway for the admin token, berthd for
	 * berthctl */
	{ MSG_JOBS_REQ,		GATEWAY | PARENT, SCHEDULER, RQ_TOKEN | RQ_ADMIN,
	    NULL,		{ MSG_JOBS } },
	{ MSG_JOB_RUN_REQ,	GATEWAY | PARENT, SCHEDULER, RQ_TOKEN | RQ_ADMIN,
	    NULL,		{ MSG_JOBS } },
	{ MSG_CLEANUP_REQ,	GATEWAY | PARENT, SCHEDULER, RQ_TOKEN | RQ_ADMIN,
	    NULL,		{ MSG_CLEANUP } },
	/* the statswriter, before each database connection */
	{ MSG_DB_PREPARE,	STATSWRITER,	PARENT,		0,
	    dbprep_h_prepare,	{ MSG_DB_PREPARED } },
	/* berthd's own requests (parent_call) */
	{ MSG_CG_READ,		PARENT,		STATSWRITER,	0,
	    NULL,		{ MSG_SAMPLE } },
	{ MSG_LIFECYCLE,	PARENT,		STATSWRITER,	0,
	    NULL,		{ MSG_OK } },
	{ MSG_EVENT_REC,	PARENT,		STATSWRITER,	0,
	    NULL,		{ MSG_OK } },
	{ MSG_MPOINT_REC,	PARENT,		STATSWRITER,	0,
	    NULL,		{ MSG_OK } },
	{ MSG_ALERT_REC,	PARENT,		STATSWRITER,	0,
	    NULL,		{ MSG_OK } },
	{ MSG_PROJECT_REC,	PARENT,		STATSWRITER,	0,
	    NULL,		{ MSG_OK } },
	{ MSG_VOL_REC,		PARENT,		STATSWRITER,	0,
	    NULL,		{ MSG_OK } },
};

const struct request_row *
request_rows(size_t *n)
{
	*n = sizeof(rows) / sizeof(rows[0]);
	return rows;
}

const struct request_row *
request_row(unsigned type, unsigned from, unsigned to)
{
	size_t	i;

	if (from >= PEER_MAX || to >= PEER_MAX)
		return NULL;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (rows[i].type == type && (rows[i].from & BIT(from)) &&
		    (rows[i].to & BIT(to)))
			return &rows[i];
	return NULL;
}

/* Is reply_type an answer to a request of row r? */
int
request_answers(const struct request_row *r, unsigned reply_type)
{
	size_t	i;

	if (r->replies[0] == 0)
		return 0;		/* not a request: nothing answers */
	if (reply_type == MSG_ERROR)
		return 1;
	for (i = 0; i < RQ_MAX_REPLIES && r->replies[i] != 0; i++)
		if (r->replies[i] == reply_type)
			return 1;
	return 0;
}

/* ------------------------------------------------------------ identity */

int
ident_from_token(const char *token, struct ident *id)
{
	const struct api_token	*t;

	memset(id, 0, sizeof(*id));
	if (token == NULL || token[0] == '\0' ||
	    (t = config_token(&env->cfg, token)) == NULL)
		return -1;
	snprintf(id->user, sizeof(id->user), "%s", t->user);
	id->admin = strcmp(t->role, "admin") == 0;
	if (!id->admin)
		snprintf(id->tiers, sizeof(id->tiers), "%s", t->tiers);
	snprintf(id->default_tier, sizeof(id->default_tier), "%s",
	    config_token_default_tier(t));
	return 0;
}

int
ident_allows_tier(const struct ident *id, const char *tier)
{
	const char	*p = id->tiers;
	size_t		 n = strlen(tier);

	if (id->admin || p[0] == '\0')
		return 1;
	while (*p != '\0') {
		if (strncmp(p, tier, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 1;
		if ((p = strchr(p, ',')) == NULL)
			break;
		p++;
	}
	return 0;
}

/* ------------------------------------------------------------ common */

static void
h_hello(const struct caller *c, struct msg *m)
{
	struct wproc *wp = wproc_by_peer(c->peer);

	if (wp->state == WS_STARTING) {
		wp->state = WS_UP;
		wp->up_ms = now_ms();
		parent_worker_up(wp);
	}
}

static void
h_status(const struct caller *c, struct msg *m)
{
	struct msg r;

	router_status(&r, 0);
	caller_reply(c, &r);
	msg_clear(&r);
}

static void
h_ping(const struct caller *c, struct msg *m)
{
	struct body_ping	*p;
	struct msg		 r;

	p = msg_init(&r, MSG_PONG, 0, PEER_PARENT);
	p->sent_ms = ((struct body_ping *)m->body)->sent_ms;
	caller_reply(c, &r);
	msg_clear(&r);
}

/* The gateway asks who a token belongs to, for what it serves itself
 * (/api/metrics/current). */
static void
h_auth(const struct caller *c, struct msg *m)
{
	struct body_ident	*b;
	struct msg		 r;

	b = msg_init(&r, MSG_IDENT, 0, PEER_PARENT);
	b->user = xstrdup(c->who.user);
	b->admin = c->who.admin;
	b->tiers = xstrdup(c->who.tiers);
	b->default_tier = xstrdup(c->who.default_tier);
	caller_reply(c, &r);
	msg_clear(&r);
}
