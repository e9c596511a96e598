/*
 * Typed calls to berthd: one function per request a worker may make,
 * and one place (answer()) that turns every way a call can end into
 * either the reply asked for or an error.
 */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "ipc.h"
#include "log.h"
#include "worker.h"
#include "xmalloc.h"

#define CREATE_TIMEOUT_MS	120000	/* volume, create (60 s), start */

struct ipc_call {
	unsigned	 want;		/* the reply type asked for */
	ipc_cb		 cb;
	void		*arg;
};

static void
answer(struct worker *w, struct msg *reply, void *arg)
{
	struct ipc_call		c = *(struct ipc_call *)arg;
	struct body_error	*e;
	struct ipc_error	 err;

	free(arg);
	if (reply == NULL) {
		err.code = "unavailable";
		err.message = "berthd did not answer";
	} else if (reply->type == MSG_ERROR) {
		e = reply->body;
		err.code = e->code;
		err.message = e->message;
	} else if (reply->type != c.want) {
		log_warnx("%s answers a request for %s", msg_type_name(
		    reply->type), msg_type_name(c.want));
		err.code = "internal";
		err.message = "unexpected answer";
	} else {
		c.cb(w, reply, NULL, c.arg);
		return;
	}
	c.cb(w, NULL, &err, c.arg);
}

/* Send m (cleared here; a descriptor it carries is the channel's to
 * close) and wait up to timeout_ms for a want. */
static uint32_t
call(struct worker *w, struct msg *m, unsigned want, long timeout_ms,
    ipc_cb cb, void *arg)
{
	struct ipc_call	*c = xmalloc(sizeof(*c));
	uint32_t	 id;

	c->want = want;
	c->cb = cb;
	c->arg = arg;
	if ((id = worker_request_for(w, m, timeout_ms, answer, c)) == 0)
		free(c);
	m->fd = -1;
	msg_clear(m);
	return id;
}

/* A request for an HTTP client: its body starts with the auth block. */
static void *
start(struct msg *m, unsigned type, unsigned peer, const char *token)
{
	struct req_auth *a;

	msg_init(m, type, 0, peer);
	a = msg_auth(m);
	a->token = xstrdup(token != NULL ? token : "");
	a->caller = xstrdup("");	/* berthd stamps it */
	return m->body;
}

uint32_t
ipc_auth(struct worker *w, const char *token, ipc_cb cb, void *arg)
{
	struct msg m;

	start(&m, MSG_AUTH_REQ, PEER_PARENT, token);
	return call(w, &m, MSG_IDENT, w->cfg.request_timeout_ms, cb, arg);
}

uint32_t
ipc_ws_create(struct worker *w, const char *token, struct body_ws_create *b,
    ipc_cb cb, void *arg)
{
	struct body_ws_create	*mb;
	struct msg		 m;

	mb = start(&m, MSG_WS_CREATE, PEER_PARENT, token);
	b->auth = mb->auth;
	*mb = *b;
	memset(b, 0, sizeof(*b));
	return call(w, &m, MSG_WORKSPACE, CREATE_TIMEOUT_MS, cb, arg);
}

static uint32_t
ws_ref(struct worker *w, unsigned type, unsigned want, long timeout_ms,
    const char *token, const char *id, ipc_cb cb, void *arg)
{
	struct body_ws_ref	*r;
	struct msg		 m;

	r = start(&m, type, PEER_PARENT, token);
	r->id = xstrdup(id);
	return call(w, &m, want, timeout_ms, cb, arg);
}

uint32_t
ipc_ws_list(struct worker *w, const char *token, ipc_cb cb, void *arg)
{
	return ws_ref(w, MSG_WS_LIST, MSG_WS_ITEMS,
	    w->cfg.request_timeout_ms, token, "", cb, arg);
}

uint32_t
ipc_ws_get(struct worker *w, const char *token, const char *id, ipc_cb cb,
    void *arg)
{
	return ws_ref(w, MSG_WS_GET, MSG_WORKSPACE,
	    w->cfg.request_timeout_ms, token, id, cb, arg);
}

/* A stop waits stop_timeout_s for the workspace, then removes it. */
uint32_t
ipc_ws_delete(struct worker *w, const char *token, const char *id,
    ipc_cb cb, void *arg)
{
	return ws_ref(w, MSG_WS_DELETE, MSG_WORKSPACE,
	    (w->cfg.docker_stop_timeout_s + 30) * 1000, token, id, cb, arg);
}

uint32_t
ipc_ws_health(struct worker *w, const char *token, const char *id,
    ipc_cb cb, void *arg)
{
	return ws_ref(w, MSG_WS_HEALTH, MSG_WS_HEALTH_INFO,
	    w->cfg.request_timeout_ms, token, id, cb, arg);
}

uint32_t
ipc_ws_stats(struct worker *w, const char *token, const char *id,
    ipc_cb cb, void *arg)
{
	return ws_ref(w, MSG_WS_STATS, MSG_SAMPLE, w->cfg.request_timeout_ms,
	    token, id, cb, arg);
}

uint32_t
ipc_ws_patch(struct worker *w, const char *token, const char *id,
    double cpus, int64_t mem, int64_t swap, int64_t resv, ipc_cb cb,
    void *arg)
{
	struct body_ws_patch	*p;
	struct msg		 m;

	p = start(&m, MSG_WS_PATCH, PEER_PARENT, token);
	p->id = xstrdup(id);
	p->cpus = cpus;
	p->memory_mb = mem;
	p->memory_swap_mb = swap;
	p->memory_reservation_mb = resv;
	return call(w, &m, MSG_WORKSPACE, w->cfg.request_timeout_ms, cb, arg);
}

uint32_t
ipc_ws_activity(struct worker *w, const char *token, const char *id,
    const char *action, int64_t minutes, int64_t until_ms, ipc_cb cb,
    void *arg)
{
	struct body_ws_activity	*p;
	struct msg		 m;

	p = start(&m, MSG_WS_ACTIVITY, PEER_PARENT, token);
	p->id = xstrdup(id);
	p->action = xstrdup(action);
	p->minutes = minutes;
	p->until_ms = until_ms;
	return call(w, &m, MSG_WORKSPACE, w->cfg.request_timeout_ms, cb, arg);
}

uint32_t
ipc_events(struct worker *w, unsigned to, const char *token,
    const struct body_events_req *q, ipc_cb cb, void *arg)
{
	struct body_events_req	*p;
	struct msg		 m;

	p = start(&m, MSG_EVENTS_REQ, to, token);
	p->type = xstrdup(q->type != NULL ? q->type : "");
	p->severity = xstrdup(q->severity != NULL ? q->severity : "");
	p->since_ms = q->since_ms;
	p->limit = q->limit;
	return call(w, &m, MSG_EVENTS, w->cfg.request_timeout_ms, cb, arg);
}

uint32_t
ipc_projects(struct worker *w, const char *token, ipc_cb cb, void *arg)
{
	struct msg m;

	start(&m, MSG_PROJECTS_REQ, PEER_PARENT, token);
	return call(w, &m, MSG_PROJECTS, w->cfg.request_timeout_ms, cb, arg);
}

uint32_t
ipc_project_owner(struct worker *w, const char *token, const char *project,
    const char *user, ipc_cb cb, void *arg)
{
	struct body_project_owner	*b;
	struct msg			 m;

	b = start(&m, MSG_PROJECT_OWNER, PEER_PARENT, token);
	b->project_id = xstrdup(project);
	b->user_id = xstrdup(user);
	return call(w, &m, MSG_PROJECTS, w->cfg.request_timeout_ms, cb, arg);
}

uint32_t
ipc_history(struct worker *w, const char *token, struct body_history_req *q,
    ipc_cb cb, void *arg)
{
	struct body_history_req	*mb;
	struct msg		 m;

	mb = start(&m, MSG_HISTORY_REQ, PEER_STATSWRITER, token);
	q->auth = mb->auth;
	*mb = *q;
	memset(q, 0, sizeof(*q));
	return call(w, &m, MSG_HISTORY, w->cfg.request_timeout_ms, cb, arg);
}

uint32_t
ipc_cstats(struct worker *w, const char *token, ipc_cb cb, void *arg)
{
	struct msg m;

	start(&m, MSG_CSTATS_REQ, PEER_STATSWRITER, token);
	return call(w, &m, MSG_CSTATS, w->cfg.request_timeout_ms, cb, arg);
}

/* ------------------------------------------------------------ logs */

/* berthd answers a log request within 2 s, with lines or without. */
static long
logs_timeout(const struct worker *w)
{
	return w->cfg.request_timeout_ms > 10000 ? w->cfg.request_timeout_ms :
	    10000;
}

uint32_t
ipc_logs_open(struct worker *w, const char *token, struct body_logs_req *q,
    ipc_cb cb, void *arg)
{
	struct body_logs_req	*mb;
	struct msg		 m;

	mb = start(&m, MSG_LOGS_REQ, PEER_PARENT, token);
	q->auth = mb->auth;
	*mb = *q;
	memset(q, 0, sizeof(*q));
	return call(w, &m, MSG_LOG_CHUNK, logs_timeout(w), cb, arg);
}

uint32_t
ipc_logs_follow(struct worker *w, const char *id, int64_t since_ns, ipc_cb cb,
    void *arg)
{
	struct body_logs_follow	*b;
	struct msg		 m;

	b = msg_init(&m, MSG_LOGS_FOLLOW, 0, PEER_PARENT);
	b->id = xstrdup(id);
	b->since_ns = since_ns;
	return call(w, &m, MSG_LOG_CHUNK, logs_timeout(w), cb, arg);
}

uint32_t
ipc_logs_next(struct worker *w, int64_t session, ipc_cb cb, void *arg)
{
	struct body_logs_next	*b;
	struct msg		 m;

	b = msg_init(&m, MSG_LOGS_NEXT, 0, PEER_PARENT);
	b->session = session;
	return call(w, &m, MSG_LOG_CHUNK, logs_timeout(w), cb, arg);
}

/* The cursor and the socket of an attach, then the call. */
static uint32_t
attach_call(struct worker *w, struct msg *m, int *has, int64_t *ns,
    int64_t *nth, const int64_t *after, int fd, ipc_cb cb, void *arg)
{
	if ((*has = after != NULL)) {
		*ns = after[0];
		*nth = after[1];
	}
	m->flags = MSGF_FD;
	m->fd = fd;
	return call(w, m, MSG_OK, w->cfg.request_timeout_ms, cb, arg);
}

uint32_t
ipc_logs_attach(struct worker *w, const char *token, const char *id,
    const int64_t *after, int fd, ipc_cb cb, void *arg)
{
	struct body_logs_attach	*b;
	struct msg		 m;

	b = start(&m, MSG_LOGS_ATTACH, PEER_PARENT, token);
	b->id = xstrdup(id);
	return attach_call(w, &m, &b->has_after, &b->after_ns, &b->after_nth,
	    after, fd, cb, arg);
}

uint32_t
ipc_logs_attach_ticket(struct worker *w, const char *ticket, const char *id,
    const int64_t *after, int fd, ipc_cb cb, void *arg)
{
	struct body_logs_attach_ticket	*b;
	struct msg			 m;

	b = msg_init(&m, MSG_LOGS_ATTACH_TICKET, 0, PEER_PARENT);
	b->ticket = xstrdup(ticket);
	b->id = xstrdup(id);
	return attach_call(w, &m, &b->has_after, &b->after_ns, &b->after_nth,
	    after, fd, cb, arg);
}

uint32_t
ipc_logs_ticket(struct worker *w, const char *token, const char *id,
    ipc_cb cb, void *arg)
{
	return ws_ref(w, MSG_LOGS_TICKET, MSG_TICKET,
	    w->cfg.request_timeout_ms, token, id, cb, arg);
}

void
ipc_logs_close(struct worker *w, int64_t session)
{
	struct body_logs_next	*b;
	struct msg		 m;

	b = msg_init(&m, MSG_LOGS_CLOSE, 0, PEER_PARENT);
	b->session = session;
	worker_send(w, &m);
	msg_clear(&m);
}

/* ------------------------------------------------------------ scheduler */

static uint32_t
job_req(struct worker *w, unsigned type, unsigned want, long timeout_ms,
    const char *token, const char *name, ipc_cb cb, void *arg)
{
	struct body_job_req	*q;
	struct msg		 m;

	q = start(&m, type, PEER_SCHEDULER, token);
	q->name = xstrdup(name);
	return call(w, &m, want, timeout_ms, cb, arg);
}

uint32_t
ipc_jobs(struct worker *w, const char *token, const char *name, ipc_cb cb,
    void *arg)
{
	return job_req(w, MSG_JOBS_REQ, MSG_JOBS, w->cfg.request_timeout_ms,
	    token, name, cb, arg);
}

uint32_t
ipc_job_run(struct worker *w, const char *token, const char *name,
    ipc_cb cb, void *arg)
{
	return job_req(w, MSG_JOB_RUN_REQ, MSG_JOBS,
	    w->cfg.request_timeout_ms, token, name, cb, arg);
}

/* Every cleanup runs before the answer: as long as a stop may take. */
uint32_t
ipc_cleanup(struct worker *w, const char *token, ipc_cb cb, void *arg)
{
	struct msg m;

	start(&m, MSG_CLEANUP_REQ, PEER_SCHEDULER, token);
	return call(w, &m, MSG_CLEANUP,
	    (w->cfg.docker_stop_timeout_s + 60) * 1000, cb, arg);
}

uint32_t
ipc_ws_stop(struct worker *w, const char *id, const char *reason, ipc_cb cb,
    void *arg)
{
	struct body_ws_stop	*b;
	struct msg		 m;

	b = msg_init(&m, MSG_WS_STOP, 0, PEER_PARENT);
	b->id = xstrdup(id);
	b->reason = xstrdup(reason);
	return call(w, &m, MSG_WORKSPACE,
	    (w->cfg.docker_stop_timeout_s + 30) * 1000, cb, arg);
}

uint32_t
ipc_containers(struct worker *w, ipc_cb cb, void *arg)
{
	struct msg m;

	msg_init(&m, MSG_CONTAINERS_REQ, 0, PEER_PARENT);
	return call(w, &m, MSG_CONTAINERS, w->cfg.request_timeout_ms, cb, arg);
}

/* Every workspace berthd has a record of (the scheduler is berth
 * itself: berthd answers it as the admin, from the request table). */
uint32_t
ipc_ws_all(struct worker *w, ipc_cb cb, void *arg)
{
	struct msg m;

	msg_init(&m, MSG_WS_ALL, 0, PEER_PARENT);
	return call(w, &m, MSG_WS_ITEMS, w->cfg.request_timeout_ms, cb, arg);
}

uint32_t
ipc_job_record(struct worker *w, const struct body_job_run *run, ipc_cb cb,
    void *arg)
{
	struct body_job_run	*b;
	struct msg		 m;

	b = msg_init(&m, MSG_JOB_RUN, 0, PEER_STATSWRITER);
	*b = *run;
	b->job = xstrdup(run->job);
	b->result = xstrdup(run->result);
	b->action = xstrdup(run->action);
	b->error = xstrdup(run->error);
	return call(w, &m, MSG_OK, w->cfg.request_timeout_ms, cb, arg);
}

/* berthd hears of the run too (no answer): an event when it acted or
 * did not end well. */
int
ipc_job_done(struct worker *w, const struct body_job_run *run)
{
	struct body_job_run	*b;
	struct msg		 m;
	int			 rc;

	b = msg_init(&m, MSG_JOB_DONE, 0, PEER_PARENT);
	*b = *run;
	b->job = xstrdup(run->job);
	b->result = xstrdup(run->result);
	b->action = xstrdup(run->action);
	b->error = xstrdup(run->error);
	rc = worker_send(w, &m);
	msg_clear(&m);
	return rc;
}

uint32_t
ipc_ws_settle(struct worker *w, const char *id, const char *reason,
    ipc_cb cb, void *arg)
{
	struct body_ws_stop	*b;
	struct msg		 m;

	b = msg_init(&m, MSG_WS_SETTLE, 0, PEER_PARENT);
	b->id = xstrdup(id);
	b->reason = xstrdup(reason);
	return call(w, &m, MSG_WORKSPACE, w->cfg.request_timeout_ms, cb, arg);
}

/* The metrics or monitoring job: berthd's snapshot and alert rules. */
uint32_t
ipc_monitor(struct worker *w, const char *what, ipc_cb cb, void *arg)
{
	struct body_monitor_run	*p;
	struct msg		 m;

	p = msg_init(&m, MSG_MONITOR_RUN, 0, PEER_PARENT);
	p->what = xstrdup(what);
	return call(w, &m, MSG_MONITOR_DONE, w->cfg.request_timeout_ms, cb,
	    arg);
}

uint32_t
ipc_mpoints(struct worker *w, const char *token, const char *name,
    int64_t limit, ipc_cb cb, void *arg)
{
	struct body_mpoints_req	*p;
	struct msg		 m;

	p = start(&m, MSG_MPOINTS_REQ, PEER_PARENT, token);
	p->name = xstrdup(name);
	p->limit = limit;
	return call(w, &m, MSG_MPOINTS, w->cfg.request_timeout_ms, cb, arg);
}

uint32_t
ipc_alerts(struct worker *w, const char *token, int all, ipc_cb cb,
    void *arg)
{
	struct body_alerts_req	*p;
	struct msg		 m;

	p = start(&m, MSG_ALERTS_REQ, PEER_PARENT, token);
	p->all = all;
	return call(w, &m, MSG_ALERTS, w->cfg.request_timeout_ms, cb, arg);
}

uint32_t
ipc_alert_resolve(struct worker *w, const char *token, int64_t id,
    const char *resolution, ipc_cb cb, void *arg)
{
	struct body_alert_resolve	*p;
	struct msg			 m;

	p = start(&m, MSG_ALERT_RESOLVE, PEER_PARENT, token);
	p->id = id;
	p->resolution = xstrdup(resolution);
	return call(w, &m, MSG_ALERTS, w->cfg.request_timeout_ms, cb, arg);
}

uint32_t
ipc_notifications(struct worker *w, const char *token, int64_t limit,
    ipc_cb cb, void *arg)
{
	struct body_notify_req	*p;
	struct msg		 m;

	p = start(&m, MSG_NOTIFY_REQ, PEER_PARENT, token);
	p->limit = limit;
	return call(w, &m, MSG_NOTIFIES, w->cfg.request_timeout_ms, cb, arg);
}

uint32_t
ipc_ws_metrics(struct worker *w, const char *token, const char *id,
    int64_t since_ms, int64_t limit, ipc_cb cb, void *arg)
{
	struct body_ws_metrics_req	*p;
	struct msg			 m;

	p = start(&m, MSG_WS_METRICS_REQ, PEER_PARENT, token);
	p->id = xstrdup(id);
	p->since_ms = since_ms;
	p->limit = limit;
	return call(w, &m, MSG_HISTORY, w->cfg.request_timeout_ms, cb, arg);
}

/* ms (n of them, with their strings) become the message's. */
uint32_t
ipc_silence_add(struct worker *w, const char *token,
    struct silence_matcher *ms, size_t n, int64_t starts_ms, int64_t ends_ms,
    const char *created_by, const char *comment, ipc_cb cb, void *arg)
{
	struct body_silence_add	*p;
	struct msg		 m;

	p = start(&m, MSG_SILENCE_ADD, PEER_PARENT, token);
	p->matchers = ms;
	p->nmatchers = n;
	p->starts_ms = starts_ms;
	p->ends_ms = ends_ms;
	p->created_by = xstrdup(created_by);
	p->comment = xstrdup(comment);
	return call(w, &m, MSG_SILENCES, w->cfg.request_timeout_ms, cb, arg);
}

/* MSG_SILENCES_REQ (id "" for all) or MSG_SILENCE_EXPIRE. */
uint32_t
ipc_silences(struct worker *w, const char *token, unsigned type,
    const char *id, ipc_cb cb, void *arg)
{
	struct body_silence_ref	*p;
	struct msg		 m;

	p = start(&m, type, PEER_PARENT, token);
	p->id = xstrdup(id);
	return call(w, &m, MSG_SILENCES, w->cfg.request_timeout_ms, cb, arg);
}

/* Retention can take a while on a big table. */
uint32_t
ipc_retention(struct worker *w, ipc_cb cb, void *arg)
{
	struct msg m;

	msg_init(&m, MSG_RETENTION_REQ, 0, PEER_STATSWRITER);
	return call(w, &m, MSG_RETENTION, 10 * w->cfg.request_timeout_ms, cb,
	    arg);
}

/* berthd checks the project, the grace and the mounts again. */
uint32_t
ipc_volume_rm(struct worker *w, const char *name, const char *reason,
    int64_t grace_s, ipc_cb cb, void *arg)
{
	struct body_volume_rm	*b;
	struct msg		 m;

	b = msg_init(&m, MSG_VOLUME_RM, 0, PEER_PARENT);
	b->name = xstrdup(name);
	b->reason = xstrdup(reason);
	b->grace_s = grace_s;
	return call(w, &m, MSG_OK, w->cfg.request_timeout_ms, cb, arg);
}

uint32_t
ipc_project_delete(struct worker *w, const char *token, const char *id,
    ipc_cb cb, void *arg)
{
	return ws_ref(w, MSG_PROJECT_DELETE, MSG_PROJECTS,
	    w->cfg.request_timeout_ms, token, id, cb, arg);
}

/* berthd checks the labels and its registry again before removing. */
uint32_t
ipc_container_rm(struct worker *w, const char *id, const char *reason,
    int64_t min_age_s, ipc_cb cb, void *arg)
{
	struct body_container_rm	*b;
	struct msg			 m;

	b = msg_init(&m, MSG_CONTAINER_RM, 0, PEER_PARENT);
	b->id = xstrdup(id);
	b->reason = xstrdup(reason);
	b->min_age_s = min_age_s;
	return call(w, &m, MSG_OK, (w->cfg.docker_stop_timeout_s + 30) * 1000,
	    cb, arg);
}

uint32_t
ipc_volumes(struct worker *w, ipc_cb cb, void *arg)
{
	struct msg m;

	msg_init(&m, MSG_VOLUMES_REQ, 0, PEER_PARENT);
	return call(w, &m, MSG_VOLUMES, w->cfg.request_timeout_ms, cb, arg);
}

/* ------------------------------------------------------------ statswriter */

uint32_t
ipc_db_prepare(struct worker *w, ipc_cb cb, void *arg)
{
	struct msg m;

	msg_init(&m, MSG_DB_PREPARE, 0, PEER_PARENT);
	return call(w, &m, MSG_DB_PREPARED, w->cfg.request_timeout_ms, cb,
	    arg);
}

/* The volume requests (backup, backups, size): berthd checks the
 * project's owner and every value again. */
uint32_t
ipc_vol(struct worker *w, unsigned type, const char *token,
    const struct body_vol_req *q, ipc_cb cb, void *arg)
{
	struct body_vol_req	*b;
	struct msg		 m;

	b = start(&m, type, PEER_PARENT, token);
	b->project_id = xstrdup(q->project_id);
	b->backup_id = xstrdup(q->backup_id);
	b->compression = xstrdup(q->compression);
	b->consistency = xstrdup(q->consistency);
	b->target_id = xstrdup(q->target_id != NULL ? q->target_id : "");
	return call(w, &m, type == MSG_VOL_SIZE_REQ ? MSG_VOL_SIZE :
	    type == MSG_VOL_CLONE || type == MSG_VOL_CLONE_REQ ?
	    MSG_VOL_CLONES : MSG_VOL_BACKUPS, (type == MSG_VOL_SIZE_REQ ||
	    type == MSG_VOL_RESTORE ? 10 : 1) *
	    w->cfg.request_timeout_ms, cb, arg);
}
