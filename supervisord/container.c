/*
 * The asynchronous chains of engine calls behind each workspace
 * operation: create (volume, container, start, inspect; cancelled by a
 * delete that comes meanwhile), stop with a reason and remove, update
 * limits, health, the engine's stats, and what an exit or an adopted
 * container means for its workspace.  Every call goes through the
 * engine's one door (engine_api.c); each chain ends in a callback, and
 * nothing here knows who asked (workspace.c answers the workers).  The
 * container's create body, containment included, comes from spec.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>
#include <jansson.h>

#include "berthd.h"
#include "chan.h"
#include "codec.h"
#include "docker.h"
#include "log.h"
#include "util.h"
#include "wscheck.h"
#include "xmalloc.h"

#define MB		(1024LL * 1024LL)


/* A chain of engine calls for one workspace; ws may be forgotten
 * while it runs, so it is found again by id after every call. */
struct job {
	struct workspace	*ws;
	char			 wsid[40];
	ws_done_cb		 done;
	void			*arg;
	json_t			*spec;		/* container to create */
	struct body_ws_patch	 patch;
	char			 reason[16];
};

static struct job *
job_new(struct workspace *ws, ws_done_cb done, void *arg)
{
	struct job *j = xcalloc(1, sizeof(*j));

	j->ws = ws;
	snprintf(j->wsid, sizeof(j->wsid), "%s", ws->id);
	j->done = done;
	j->arg = arg;
	return j;
}

/* The workspace is still known (a job may outlive it). */
static struct workspace *
job_ws(struct job *j)
{
	return j->ws = ws_find(j->wsid);
}

static const char *
engine_message(const struct docker_reply *r)
{
	const char *s = json_string_value(json_object_get(r->json, "message"));

	if (r->status == 0)
		return r->err != NULL ? r->err : "engine unreachable";
	return s != NULL ? s : "engine error";
}

/* The chain ended: tell whoever started it, once. */
static void
job_end(struct job *j, const char *code, const char *message)
{
	if (j->done != NULL)
		j->done(job_ws(j), code, message, j->arg);
	json_decref(j->spec);
	free(j);
}

static void
job_fail(struct job *j, const struct docker_reply *r, const char *what)
{
	char msg[512];

	log_warnx("workspace %s: %s: %ld %s", j->wsid, what, r->status,
	    engine_message(r));
	snprintf(msg, sizeof(msg), "%s: %s", what, engine_message(r));
	job_end(j, r->status == 0 ? "unavailable" : "engine_error", msg);
}

/* ------------------------------------------------------------ inspect */

static void
apply_inspect(struct workspace *ws, json_t *c)
{
	json_t		*st = json_object_get(c, "State");
	json_t		*hc = json_object_get(c, "HostConfig");
	json_t		*nets, *n;
	const char	*h, *ip, *key;

	ws->pid = (pid_t)json_integer_value(json_object_get(st, "Pid"));
	h = json_string_value(json_object_get(json_object_get(st, "Health"),
	    "Status"));
	snprintf(ws->health, sizeof(ws->health), "%s", h ? h : "none");
	nets = json_object_get(json_object_get(c, "NetworkSettings"),
	    "Networks");
	json_object_foreach(nets, key, n) {
		ip = json_string_value(json_object_get(n, "IPAddress"));
		if (ip != NULL && ip[0] != '\0')
			snprintf(ws->ip, sizeof(ws->ip), "%s", ip);
	}
	ws->cpus = (double)json_integer_value(json_object_get(hc,
	    "NanoCpus")) / 1e9;
	ws->memory_mb = json_integer_value(json_object_get(hc, "Memory")) / MB;
	ws->memory_swap_mb = json_integer_value(json_object_get(hc,
	    "MemorySwap"));
	if (ws->memory_swap_mb > 0)
		ws->memory_swap_mb /= MB;
	ws->memory_reservation_mb = json_integer_value(json_object_get(hc,
	    "MemoryReservation")) / MB;
}

/* ------------------------------------------------------------ create */

static void
removed_quietly(const struct docker_reply *r, void *arg)
{
	if (r->status != 204 && r->status != 404)
		log_warnx("remove container: %ld %s", r->status,
		    engine_message(r));
}

static void
remove_container(const char *cid)
{
	eng_container_remove(cid, removed_quietly, NULL);
}


/* The workspace did not start: a failed startup, and what was made of
 * it goes. */
static void
startup_failed(struct job *j)
{
	if (job_ws(j) != NULL) {
		j->ws->status = WSS_ERROR;
		j->ws->stopped_ms = wall_ms();
		snprintf(j->ws->stop_reason, sizeof(j->ws->stop_reason),
		    "error");
		ws_fact(j->ws, "stopped", 0);	/* a failed startup */
		metrics_shutdown("error");
		roster_changed();
		if (j->ws->container[0] != '\0')
			remove_container(j->ws->container);
	}
}

static void
create_failed(struct job *j, const struct docker_reply *r, const char *what)
{
	startup_failed(j);
	job_fail(j, r, what);
}

/* Deleted while it was being created: what was made goes, and the
 * workspace ends stopped (manual) without ever running. */
static int
create_cancelled(struct job *j)
{
	if (job_ws(j) == NULL)
		return 1;
	if (!j->ws->cancel)
		return 0;
	log_info("workspace %s deleted while starting; removing it",
	    j->ws->id);
	if (j->ws->container[0] != '\0')
		remove_container(j->ws->container);
	j->ws->status = WSS_STOPPING;	/* so that stopped is recorded */
	container_stopped(j->ws, "manual");
	job_end(j, "conflict", "the workspace was deleted while it started");
	return 1;
}

static void
created_inspected(const struct docker_reply *r, void *arg)
{
	struct job *j = arg;

	if (create_cancelled(j))
		return;
	if (r->status == 200)
		apply_inspect(j->ws, r->json);
	j->ws->started_ms = wall_ms();
	roster_changed();
	log_info("workspace %s started (container %.12s, user %s, type %s)",
	    j->ws->id, j->ws->container, j->ws->user, j->ws->type);
	job_end(j, NULL, NULL);
}

static void
created_started(const struct docker_reply *r, void *arg)
{
	struct job *j = arg;

	if (r->status != 204 && r->status != 304)
		return create_failed(j, r, "start");
	if (create_cancelled(j))
		return;
	ws_fact(j->ws, "started", 0);
	eng_container_inspect(j->ws->container, created_inspected, j);
}

static void
created(const struct docker_reply *r, void *arg)
{
	struct job	*j = arg;
	const char	*cid = json_string_value(json_object_get(r->json, "Id"));

	if (r->status != 201 || cid == NULL || strlen(cid) != 64)
		return create_failed(j, r, "create container");
	if (job_ws(j) != NULL)
		snprintf(j->ws->container, sizeof(j->ws->container), "%s",
		    cid);
	else
		remove_container(cid);
	if (create_cancelled(j))
		return;
	ws_fact(j->ws, "created", 0);
	eng_container_start(cid, created_started, j);
}

static void
create_container(struct job *j)
{
	char name[64];

	if (create_cancelled(j))
		return;
	snprintf(name, sizeof(name), "berth-%s", j->wsid);
	eng_container_create(name, j->spec, created, j);
	j->spec = NULL;		/* the call took the reference */
}

static void
volume_created(const struct docker_reply *r, void *arg)
{
	struct job *j = arg;

	if (r->status != 201)
		return create_failed(j, r, "create volume");
	create_container(j);
}

/* An existing volume: its owner label must agree with the registry
 * (it is checked again here: the registry may not have seen it yet). */
static void
volume_checked(const struct docker_reply *r, void *arg)
{
	struct job	*j = arg;
	const char	*code;
	char		 name[160];

	if (job_ws(j) == NULL)
		return job_end(j, "not_found", "no such workspace");
	if (r->status == 200) {
		if ((code = project_volume_seen(j->ws->project, r->json,
		    j->ws->user, j->ws->by_admin)) == NULL)
			return create_container(j);
		startup_failed(j);
		return job_end(j, code, strcmp(code, "conflict") == 0 ?
		    "the project belongs to another user" :
		    "no such project");
	}
	if (r->status != 404)
		return create_failed(j, r, "inspect volume");
	snprintf(name, sizeof(name), "berth-project-%s", j->ws->project);
	eng_volume_create(name, json_pack("{s:s,s:s,s:s}", "berth.managed",
	    "true", "berth.project", j->ws->project, "berth.owner",
	    j->ws->user), volume_created, j);
}

void
container_create(struct workspace *ws, const struct body_ws_create *b,
    ws_done_cb done, void *arg)
{
	const struct ws_type	*t = config_type(&env->cfg, ws->type);
	struct job		*j = job_new(ws, done, arg);
	char			 name[160];

	ws->port = t->port;
	ws->cpus = b->cpus != 0 ? b->cpus : t->cpus;
	ws->memory_mb = b->memory_mb != 0 ? b->memory_mb : t->memory_mb;
	ws->memory_swap_mb = b->memory_swap_mb != 0 ? b->memory_swap_mb :
	    t->memory_swap_mb;
	/* No swap (0), or the type's, never below the memory in force. */
	if (ws->memory_swap_mb != -1 && ws->memory_swap_mb < ws->memory_mb)
		ws->memory_swap_mb = ws->memory_mb;
	ws->memory_reservation_mb = b->memory_reservation_mb != 0 ?
	    b->memory_reservation_mb : t->memory_reservation_mb;
	if (ws->memory_reservation_mb > ws->memory_mb)
		ws->memory_reservation_mb = ws->memory_mb;
	if ((j->spec = spec_container(ws, t, b)) == NULL) {
		startup_failed(j);
		return job_end(j, "unavailable", "the workspace network is "
		    "not ready (see /api/health)");
	}
	if (ws->project[0] == '\0')
		return create_container(j);
	snprintf(name, sizeof(name), "berth-project-%s", ws->project);
	eng_volume_inspect(name, volume_checked, j);
}

/* ------------------------------------------------------------ stop */

void
container_stopped(struct workspace *ws, const char *reason)
{
	/* A failed create (WSS_ERROR) was recorded as stopped already. */
	if (ws->status == WSS_STOPPED || ws->status == WSS_ERROR)
		return;
	ws->status = WSS_STOPPED;
	ws->stopped_ms = wall_ms();
	ws->pid = 0;
	if (ws->stop_reason[0] == '\0')
		snprintf(ws->stop_reason, sizeof(ws->stop_reason), "%s",
		    reason);
	event_emit("workspace.stopped", strcmp(ws->stop_reason, "error") == 0 ||
	    strcmp(ws->stop_reason, "resource_limit") == 0 ? "error" : "info",
	    ws, "workspace %s stopped (%s)", ws->id, ws->stop_reason);
	metrics_shutdown(ws->stop_reason);
	ws_fact(ws, "stopped", 0);
	roster_changed();
}

static void
remove_done(const struct docker_reply *r, void *arg)
{
	struct job *j = arg;

	if (r->status != 204 && r->status != 404)
		return job_fail(j, r, "remove container");
	if (job_ws(j) != NULL)
		container_stopped(j->ws, j->reason);
	job_end(j, NULL, NULL);
}

static void
stop_done(const struct docker_reply *r, void *arg)
{
	struct job *j = arg;

	if (r->status != 204 && r->status != 304 && r->status != 404)
		return job_fail(j, r, "stop container");
	if (job_ws(j) == NULL)
		return job_end(j, NULL, NULL);
	eng_container_remove(j->ws->container, remove_done, j);
}

/* Stop gracefully, then remove; the workspace ends stopped with
 * reason.  A workspace still being created is cancelled instead: the
 * create chain removes what it made and ends it. */
void
container_remove(struct workspace *ws, const char *reason, ws_done_cb done,
    void *arg)
{
	struct job *j = job_new(ws, done, arg);

	snprintf(j->reason, sizeof(j->reason), "%s", reason);
	if (ws->status != WSS_STOPPED && ws->status != WSS_ERROR) {
		ws->status = WSS_STOPPING;
		snprintf(ws->stop_reason, sizeof(ws->stop_reason), "%s",
		    reason);
	}
	ws->stop_requested = 1;
	ws->held = 0;		/* not started again after a backup */
	if (ws->container[0] == '\0') {
		container_stopped(ws, reason);
		return job_end(j, NULL, NULL);
	}
	eng_container_stop(ws->container, env->cfg.docker_stop_timeout_s,
	    reason, stop_done, j);
}

/* ------------------------------------------------------------ update */

static void
update_done(const struct docker_reply *r, void *arg)
{
	struct job		*j = arg;
	struct body_ws_patch	*p = &j->patch;

	if (r->status != 200)
		return job_fail(j, r, "update container");
	if (job_ws(j) == NULL)
		return job_end(j, "not_found", "no such workspace");
	if (p->cpus != 0)
		j->ws->cpus = p->cpus;
	if (p->memory_mb != 0)
		j->ws->memory_mb = p->memory_mb;
	if (p->memory_swap_mb != 0)
		j->ws->memory_swap_mb = p->memory_swap_mb;
	if (p->memory_reservation_mb != 0)
		j->ws->memory_reservation_mb = p->memory_reservation_mb;
	log_info("workspace %s limits changed", j->ws->id);
	job_end(j, NULL, NULL);
}

void
container_update(struct workspace *ws, const struct body_ws_patch *p,
    ws_done_cb done, void *arg)
{
	struct job	*j = job_new(ws, done, arg);
	json_t		*body = json_object();
	int64_t		 mem = p->memory_mb ? p->memory_mb : ws->memory_mb;
	int64_t		 swap = p->memory_swap_mb;
	int64_t		 resv = p->memory_reservation_mb;

	/* Memory alone: the swap in force stays, unless it would be below
	 * the new memory; a reservation above it comes down with it. */
	if (p->memory_mb != 0 && swap == 0 && ws->memory_swap_mb != -1 &&
	    ws->memory_swap_mb >= mem)
		swap = ws->memory_swap_mb;
	if (p->memory_mb != 0 && resv == 0 && ws->memory_reservation_mb > mem)
		resv = mem;
	j->patch.cpus = p->cpus;
	j->patch.memory_mb = p->memory_mb;
	j->patch.memory_reservation_mb = resv;
	if (p->cpus != 0)
		json_object_set_new(body, "NanoCpus",
		    json_integer((json_int_t)llround(p->cpus * 1e9)));
	if (p->memory_mb != 0) {
		json_object_set_new(body, "Memory", json_integer(mem * MB));
		/* Without swap the engine needs MemorySwap >= Memory. */
		if (swap == 0 && ws->memory_swap_mb != -1)
			swap = mem;
	}
	if (swap != 0) {
		j->patch.memory_swap_mb = swap;
		json_object_set_new(body, "MemorySwap",
		    json_integer(swap == -1 ? -1 : swap * MB));
	}
	if (resv != 0)
		json_object_set_new(body, "MemoryReservation",
		    json_integer(resv * MB));
	eng_container_update(ws->container, body, update_done, j);
}

/* ------------------------------------------------------------ health */

struct query {
	ws_reply_cb	 cb;
	void		*arg;
};

static struct query *
query_new(ws_reply_cb cb, void *arg)
{
	struct query *q = xmalloc(sizeof(*q));

	q->cb = cb;
	q->arg = arg;
	return q;
}

static void
query_fail(struct query *q, const struct docker_reply *r, const char *what)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%s: %s", what, engine_message(r));
	log_warnx("%s", msg);
	q->cb(NULL, r->status == 0 ? "unavailable" : "engine_error", msg,
	    q->arg);
	free(q);
}

static void
health_inspected(const struct docker_reply *r, void *arg)
{
	struct query		*q = arg;
	struct body_ws_health	*h;
	json_t			*hj, *log, *last;
	const char		*s;
	struct msg		 m;

	if (r->status != 200)
		return query_fail(q, r, "inspect container");
	hj = json_object_get(json_object_get(r->json, "State"), "Health");
	h = msg_init(&m, MSG_WS_HEALTH_INFO, 0, PEER_PARENT);
	s = json_string_value(json_object_get(hj, "Status"));
	h->status = xstrdup(s != NULL ? s : "none");
	h->healthy = strcmp(h->status, "healthy") == 0;
	h->failing_streak = json_integer_value(json_object_get(hj,
	    "FailingStreak"));
	log = json_object_get(hj, "Log");
	last = json_array_get(log, json_array_size(log) - 1);
	h->has_check = last != NULL;
	h->exit_code = json_integer_value(json_object_get(last, "ExitCode"));
	s = json_string_value(json_object_get(last, "Output"));
	h->output = xstrndup(s != NULL ? s : "", 4000);
	s = json_string_value(json_object_get(last, "End"));
	h->timestamp = xstrndup(s != NULL ? s : "", 60);
	q->cb(&m, NULL, NULL, q->arg);
	msg_clear(&m);
	free(q);
}

void
container_health(struct workspace *ws, ws_reply_cb cb, void *arg)
{
	eng_container_inspect(ws->container, health_inspected,
	    query_new(cb, arg));
}

/* ------------------------------------------------------------ stats */

static int64_t
jint(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);

	if (b != NULL)
		v = json_object_get(v, b);
	return json_integer_value(v);
}

static void
sample_from_engine(json_t *s, struct body_sample *b)
{
	json_t		*cpu = json_object_get(s, "cpu_stats");
	json_t		*pre = json_object_get(s, "precpu_stats");
	json_t		*mem = json_object_get(s, "memory_stats");
	json_t		*ms = json_object_get(mem, "stats"), *v;
	const char	*key, *op;
	double		 dcpu, dsys;
	size_t		 i;

	b->source = xstrdup("engine");
	b->cpu_usage_ns = jint(cpu, "cpu_usage", "total_usage");
	b->system_usage_ns = jint(cpu, "system_cpu_usage", NULL);
	b->online_cpus = jint(cpu, "online_cpus", NULL);
	dcpu = (double)b->cpu_usage_ns - (double)jint(pre, "cpu_usage",
	    "total_usage");
	dsys = (double)b->system_usage_ns - (double)jint(pre,
	    "system_cpu_usage", NULL);
	if (dsys > 0 && dcpu >= 0)
		b->cpu_percent = dcpu / dsys * (double)b->online_cpus * 100.0;
	b->mem_usage = jint(mem, "usage", NULL);
	b->mem_limit = jint(mem, "limit", NULL);
	b->mem_cache = json_object_get(ms, "cache") ? jint(ms, "cache", NULL) :
	    jint(ms, "file", NULL);
	b->mem_inactive_file = json_object_get(ms, "total_inactive_file") ?
	    jint(ms, "total_inactive_file", NULL) :
	    jint(ms, "inactive_file", NULL);
	json_object_foreach(json_object_get(s, "networks"), key, v) {
		b->net_rx += jint(v, "rx_bytes", NULL);
		b->net_tx += jint(v, "tx_bytes", NULL);
	}
	json_array_foreach(json_object_get(json_object_get(s, "blkio_stats"),
	    "io_service_bytes_recursive"), i, v) {
		op = json_string_value(json_object_get(v, "op"));
		if (op != NULL && strcasecmp(op, "read") == 0)
			b->blk_read += jint(v, "value", NULL);
		else if (op != NULL && strcasecmp(op, "write") == 0)
			b->blk_write += jint(v, "value", NULL);
	}
	b->pids = jint(json_object_get(s, "pids_stats"), "current", NULL);
}

static void
engine_stats_done(const struct docker_reply *r, void *arg)
{
	struct query	*q = arg;
	struct msg	 m;

	if (r->status != 200 || r->json == NULL)
		return query_fail(q, r, "container stats");
	sample_from_engine(r->json, msg_init(&m, MSG_SAMPLE, 0, PEER_PARENT));
	q->cb(&m, NULL, NULL, q->arg);
	msg_clear(&m);
	free(q);
}

/* The engine's own stats (slow: about a second); the cgroup reader of
 * the statswriter is asked first (workspace.c). */
void
container_engine_stats(struct workspace *ws, ws_reply_cb cb, void *arg)
{
	eng_container_stats(ws->container, engine_stats_done,
	    query_new(cb, arg));
}

/* ws's container, inspected as c, runs (again): so does ws. */
void
container_running_again(struct workspace *ws, json_t *c, const char *what,
    const char *why)
{
	apply_inspect(ws, c);
	ws->status = WSS_RUNNING;
	ws->stop_reason[0] = '\0';
	ws->stopped_ms = 0;
	ws->stop_requested = 0;
	ws->oom = 0;
	log_info("workspace %s %s: its container %.12s runs (%s)", ws->id,
	    what, ws->container, why);
	roster_changed();
}

/* ------------------------------------------------------------ exits */

/* A start since the die (j->ws->died cleared): a restart, which
 * container_started settles. */
static void
died_inspected(const struct docker_reply *r, void *arg)
{
	struct job	*j = arg;
	json_t		*st = json_object_get(r->json, "State");

	if (job_ws(j) != NULL && j->ws->died && j->ws->status != WSS_STOPPED) {
		if (j->ws->oom || json_is_true(json_object_get(st,
		    "OOMKilled")))
			container_stopped(j->ws, "resource_limit");
		else
			container_stopped(j->ws, "error");
	}
	job_end(j, NULL, NULL);
}

void
container_died(struct workspace *ws)
{
	if (ws->stop_requested) {
		container_stopped(ws, ws->stop_reason[0] != '\0' ?
		    ws->stop_reason : "manual");
		return;
	}
	/* Nobody asked: an OOM kill or an error.  OOMKilled settles it. */
	eng_container_inspect(ws->container, died_inspected,
	    job_new(ws, NULL, NULL));
}

static void
restart_inspected(const struct docker_reply *r, void *arg)
{
	struct job	*j = arg;

	if (r->status == 200 && job_ws(j) != NULL && !j->ws->died &&
	    !j->ws->stop_requested && json_is_true(json_object_get(
	    json_object_get(r->json, "State"), "Running"))) {
		if (j->ws->status == WSS_STOPPED)
			event_emit("workspace.restarted", "warning", j->ws,
			    "workspace %s: its container restarted behind "
			    "berth's back", j->ws->id);
		container_running_again(j->ws, r->json, "restarted",
		    "by the engine");
		logs_state(j->ws, "restarted", 0);
	}
	job_end(j, NULL, NULL);
}

/* The engine started ws's container: berth's own start, or a restart
 * after a die berth did not ask for (docker restart): the workspace
 * runs again, whatever the die made of it meanwhile, and its streams
 * are told once it does (their follow would find it stopped before). */
void
container_started(struct workspace *ws)
{
	if (!ws->died) {
		logs_state(ws, "started", 0);
		return;
	}
	ws->died = 0;
	if (!ws->stop_requested)
		eng_container_inspect(ws->container, restart_inspected,
		    job_new(ws, NULL, NULL));
}

/* ------------------------------------------------------------ errors */

static void
leftover_removed(const struct docker_reply *r, void *arg)
{
	struct job *j = arg;

	if (r->status != 204 && r->status != 404)
		return job_fail(j, r, "remove container");
	log_info("workspace %s in error: its container removed "
	    "(error-workspaces)", j->wsid);
	job_end(j, NULL, NULL);
}

static void
leftover_inspected(const struct docker_reply *r, void *arg)
{
	struct job	*j = arg;
	const char	*s = json_string_value(json_object_get(
			    json_object_get(r->json, "State"), "Status"));

	if (job_ws(j) == NULL)
		return job_end(j, "not_found", "no such workspace");
	if (r->status == 404)
		return job_end(j, "conflict", "its container is gone");
	if (r->status != 200)
		return job_fail(j, r, "inspect container");
	if (s == NULL || strcmp(s, "running") != 0)
		return eng_container_remove(j->ws->container,
		    leftover_removed, j);
	container_running_again(j->ws, r->json, "in error recovered",
	    "error-workspaces");
	job_end(j, NULL, NULL);
}

/* A workspace that ended in error and still has a container: running
 * again, it is recovered (the workspace runs); else it is removed. */
void
container_settle_error(struct workspace *ws, ws_done_cb done, void *arg)
{
	eng_container_inspect(ws->container, leftover_inspected,
	    job_new(ws, done, arg));
}

/* ------------------------------------------------------------ adoption */

static const char *
label(json_t *labels, const char *name)
{
	const char *s = json_string_value(json_object_get(labels, name));

	return s != NULL ? s : "";
}

static void
adopt_inspected(const struct docker_reply *r, void *arg)
{
	struct job	*j = arg;
	json_t		*st = json_object_get(r->json, "State");
	const char	*s = json_string_value(json_object_get(st, "Status"));

	if (r->status != 200 || job_ws(j) == NULL)
		return job_end(j, NULL, NULL);
	apply_inspect(j->ws, r->json);
	if (s != NULL && strcmp(s, "running") == 0)
		j->ws->status = strcmp(j->ws->health, "starting") == 0 ?
		    WSS_STARTING : WSS_RUNNING;
	else {
		j->ws->status = WSS_STOPPED;
		snprintf(j->ws->stop_reason, sizeof(j->ws->stop_reason), "%s",
		    json_is_true(json_object_get(st, "OOMKilled")) ?
		    "resource_limit" : "error");
	}
	log_info("adopted workspace %s (%s)", j->ws->id,
	    ws_status_name(j->ws->status));
	roster_changed();
	job_end(j, NULL, NULL);
}

void
container_adopt(json_t *c)
{
	json_t			*l = json_object_get(c, "Labels");
	const char		*cid = json_string_value(json_object_get(c, "Id"));
	const char		*wsid = label(l, "berth.workspace");
	struct workspace	*ws;

	if (cid == NULL || strlen(cid) != 64 || !ws_valid_id(wsid, 0))
		return;
	if ((ws = ws_find(wsid)) == NULL) {
		ws = ws_new(wsid);
		ws->user = xstrdup(label(l, "berth.user"));
		ws->project = xstrdup(label(l, "berth.project"));
		ws->type = xstrdup(label(l, "berth.type"));
		ws->tier = xstrdup(label(l, "berth.tier"));
		ws->s3 = xstrdup(label(l, "berth.s3"));
		ws->created_ms = strtoull(label(l, "berth.created"), NULL, 10);
		ws->started_ms = (uint64_t)json_integer_value(json_object_get(c,
		    "Created")) * 1000;
		ws->port = config_type(&env->cfg, ws->type) != NULL ?
		    config_type(&env->cfg, ws->type)->port : 8080;
	}
	snprintf(ws->container, sizeof(ws->container), "%s", cid);
	eng_container_inspect(cid, adopt_inspected, job_new(ws, NULL, NULL));
}
