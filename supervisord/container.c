/*
 * The asynchronous chains of engine calls behind each workspace
 * request: create (volume, container, start, inspect), stop and remove,
 * update limits, health, stats (cgroup fast path through statswriter,
 * the engine's endpoint as fallback), and what an exit or an adopted
 * container means for its workspace.  Every call goes through docker.c
 * and never blocks.
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

#define RETRY_MIN_MS	1000
#define RETRY_MAX_MS	30000
#define MB		(1024LL * 1024LL)


/* A request of the gateway waiting for the engine. */
struct job {
	struct workspace	*ws;
	char			 wsid[40];	/* ws may be forgotten */
	struct wproc		*wp;
	uint32_t		 id;
	json_t			*spec;		/* container to create */
	struct body_ws_patch	 patch;
};

/* ------------------------------------------------------------ replies */

static struct job *
job_new(struct workspace *ws, struct wproc *wp, uint32_t id)
{
	struct job *j = xcalloc(1, sizeof(*j));

	j->ws = ws;
	snprintf(j->wsid, sizeof(j->wsid), "%s", ws->id);
	j->wp = wp;
	j->id = id;
	return j;
}

/* The workspace is still known (a job may outlive it). */
static struct workspace *
job_ws(struct job *j)
{
	return j->ws = ws_find(j->wsid);
}

static void
job_done(struct job *j)
{
	json_decref(j->spec);
	free(j);
}

static void
reply_ws(struct job *j)
{
	struct msg m;

	if (j->wp != NULL && j->wp->chan != NULL && job_ws(j) != NULL) {
		ws_info(j->ws, msg_init(&m, MSG_WORKSPACE, j->id,
		    PEER_PARENT));
		m.flags = MSGF_REPLY;
		chan_send(j->wp->chan, &m);
		msg_clear(&m);
	}
	job_done(j);
}

static const char *
engine_message(const struct docker_reply *r)
{
	const char *s = json_string_value(json_object_get(r->json, "message"));

	if (r->status == 0)
		return r->err != NULL ? r->err : "engine unreachable";
	return s != NULL ? s : "engine error";
}

static void
job_fail(struct job *j, const struct docker_reply *r, const char *what)
{
	log_warnx("workspace %s: %s: %ld %s", j->wsid, what, r->status,
	    engine_message(r));
	reply_error(j->wp, j->id, r->status == 0 ? "unavailable" :
	    "engine_error", "%s: %s", what, engine_message(r));
	job_done(j);
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
	char path[128];

	snprintf(path, sizeof(path), "/containers/%s?force=1", cid);
	docker_call("DELETE", path, NULL, 0, removed_quietly, NULL);
}

static json_t *
env_array(struct workspace *ws, const struct ws_type *t,
    const struct body_ws_create *b)
{
	json_t	*a = json_array();
	char	*copy, *item, *save = NULL, buf[4300];
	size_t	 i;

	snprintf(buf, sizeof(buf), "PORT=%ld", t->port);
	json_array_append_new(a, json_string(buf));
	snprintf(buf, sizeof(buf), "BERTH_WORKSPACE_ID=%s", ws->id);
	json_array_append_new(a, json_string(buf));
	copy = xstrdup(t->env);
	for (item = strtok_r(copy, ";", &save); item != NULL;
	    item = strtok_r(NULL, ";", &save))
		json_array_append_new(a, json_string(item));
	free(copy);
	for (i = 0; i < b->nenv; i++) {
		snprintf(buf, sizeof(buf), "%s=%s", b->env[i].key,
		    b->env[i].value);
		json_array_append_new(a, json_string(buf));
	}
	return a;
}

static json_t *
labels(struct workspace *ws)
{
	char created[32];

	snprintf(created, sizeof(created), "%llu",
	    (unsigned long long)ws->created_ms);
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
	    "berth.managed", "true", "berth.workspace", ws->id,
	    "berth.user", ws->user, "berth.project", ws->project,
	    "berth.type", ws->type, "berth.tier", ws->tier,
	    "berth.s3", ws->s3, "berth.created", created);
}

static char *
health_cmd(const struct ws_type *t)
{
	char	*out, *p, port[16];
	size_t	 n;

	snprintf(port, sizeof(port), "%ld", t->port);
	out = xmalloc(strlen(t->health_cmd) * 2 + 64);
	out[0] = '\0';
	for (p = t->health_cmd; *p != '\0'; ) {
		if (strncmp(p, "{port}", 6) == 0) {
			strcat(out, port);
			p += 6;
			continue;
		}
		n = strlen(out);
		out[n] = *p++;
		out[n + 1] = '\0';
	}
	return out;
}

static json_t *
host_config(struct workspace *ws, const struct ws_type *t)
{
	json_t	*hc;
	char	 vol[160];

	hc = json_pack("{s:I,s:I,s:I,s:s,s:{s:s}}",
	    "NanoCpus", (json_int_t)llround(ws->cpus * 1e9),
	    "Memory", (json_int_t)(ws->memory_mb * MB),
	    "MemoryReservation", (json_int_t)(ws->memory_reservation_mb * MB),
	    "NetworkMode", env->cfg.docker_network,
	    "RestartPolicy", "Name", "no");
	json_object_set_new(hc, "MemorySwap", json_integer(
	    ws->memory_swap_mb == -1 ? -1 : (json_int_t)(ws->memory_swap_mb *
	    MB)));
	if (ws->project[0] != '\0') {
		snprintf(vol, sizeof(vol), "berth-project-%s", ws->project);
		json_object_set_new(hc, "Mounts", json_pack("[{s:s,s:s,s:s}]",
		    "Type", "volume", "Source", vol, "Target",
		    t->volume_path));
	}
	return hc;
}

static json_t *
container_spec(struct workspace *ws, const struct ws_type *t,
    const struct body_ws_create *b)
{
	json_t	*spec, *hcheck;
	char	*cmd = health_cmd(t), port[24];
	int64_t	 sec = 1000000000;

	snprintf(port, sizeof(port), "%ld/tcp", t->port);
	hcheck = json_pack("{s:[s,s],s:I,s:I,s:I,s:I}", "Test", "CMD-SHELL",
	    cmd, "Interval", (json_int_t)(t->health_interval_s * sec),
	    "Timeout", (json_int_t)(t->health_timeout_s * sec),
	    "Retries", (json_int_t)t->health_retries,
	    "StartPeriod", (json_int_t)(t->health_start_period_s * sec));
	free(cmd);
	spec = json_pack("{s:s,s:o,s:o,s:o,s:{s:{}},s:o}", "Image", t->image,
	    "Env", env_array(ws, t, b), "Labels", labels(ws),
	    "Healthcheck", hcheck, "ExposedPorts", port, "HostConfig",
	    host_config(ws, t));
	if (t->command[0] != '\0')
		json_object_set_new(spec, "Cmd", json_pack("[s,s,s]",
		    "/bin/sh", "-c", t->command));
	return spec;
}

static void
create_failed(struct job *j, const struct docker_reply *r, const char *what)
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
	job_fail(j, r, what);
}

static void
created_inspected(const struct docker_reply *r, void *arg)
{
	struct job *j = arg;

	if (job_ws(j) == NULL)
		return job_done(j);
	if (r->status == 200)
		apply_inspect(j->ws, r->json);
	j->ws->started_ms = wall_ms();
	roster_changed();
	log_info("workspace %s started (container %.12s, user %s, type %s)",
	    j->ws->id, j->ws->container, j->ws->user, j->ws->type);
	reply_ws(j);
}

static void
created_started(const struct docker_reply *r, void *arg)
{
	struct job	*j = arg;
	char		 path[128];

	if (r->status != 204 && r->status != 304)
		return create_failed(j, r, "start");
	if (job_ws(j) == NULL)
		return job_done(j);
	ws_fact(j->ws, "started", 0);
	snprintf(path, sizeof(path), "/containers/%s/json", j->ws->container);
	docker_call("GET", path, NULL, 0, created_inspected, j);
}

static void
created(const struct docker_reply *r, void *arg)
{
	struct job	*j = arg;
	const char	*cid = json_string_value(json_object_get(r->json, "Id"));
	char		 path[128];

	if (r->status != 201 || cid == NULL || strlen(cid) != 64)
		return create_failed(j, r, "create container");
	if (job_ws(j) == NULL)
		return job_done(j);
	snprintf(j->ws->container, sizeof(j->ws->container), "%s", cid);
	ws_fact(j->ws, "created", 0);
	snprintf(path, sizeof(path), "/containers/%s/start", cid);
	docker_call("POST", path, NULL, 0, created_started, j);
}

static void
create_container(struct job *j)
{
	char path[128];

	snprintf(path, sizeof(path), "/containers/create?name=berth-%s",
	    j->wsid);
	docker_call("POST", path, j->spec, 60000, created, j);
	j->spec = NULL;		/* docker_call took the reference */
}

static void
volume_created(const struct docker_reply *r, void *arg)
{
	struct job *j = arg;

	if (r->status != 201)
		return create_failed(j, r, "create volume");
	create_container(j);
}

static void
volume_checked(const struct docker_reply *r, void *arg)
{
	struct job	*j = arg;
	json_t		*body;
	char		 name[160];

	if (r->status == 200)
		return create_container(j);
	if (r->status != 404 || job_ws(j) == NULL)
		return create_failed(j, r, "inspect volume");
	snprintf(name, sizeof(name), "berth-project-%s", j->ws->project);
	body = json_pack("{s:s,s:{s:s,s:s,s:s}}", "Name", name, "Labels",
	    "berth.managed", "true", "berth.project", j->ws->project,
	    "berth.user", j->ws->user);
	docker_call("POST", "/volumes/create", body, 0, volume_created, j);
}

void
engine_create(struct workspace *ws, const struct body_ws_create *b,
    struct wproc *wp, uint32_t id)
{
	const struct ws_type	*t = config_type(&env->cfg, ws->type);
	struct job		*j = job_new(ws, wp, id);
	char			 path[160];

	ws->port = t->port;
	ws->cpus = b->cpus != 0 ? b->cpus : t->cpus;
	ws->memory_mb = b->memory_mb != 0 ? b->memory_mb : t->memory_mb;
	ws->memory_swap_mb = b->memory_swap_mb != 0 ? b->memory_swap_mb :
	    t->memory_swap_mb;
	if (ws->memory_swap_mb == 0)
		ws->memory_swap_mb = ws->memory_mb;	/* no swap */
	ws->memory_reservation_mb = b->memory_reservation_mb != 0 ?
	    b->memory_reservation_mb : t->memory_reservation_mb;
	if (ws->memory_reservation_mb > ws->memory_mb)
		ws->memory_reservation_mb = ws->memory_mb;
	j->spec = container_spec(ws, t, b);
	if (ws->project[0] == '\0')
		return create_container(j);
	snprintf(path, sizeof(path), "/volumes/berth-project-%s", ws->project);
	docker_call("GET", path, NULL, 0, volume_checked, j);
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
	log_info("workspace %s stopped (%s)", ws->id, ws->stop_reason);
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
		container_stopped(j->ws, "manual");
	reply_ws(j);
}

static void
stop_done(const struct docker_reply *r, void *arg)
{
	struct job	*j = arg;
	char		 path[128];

	if (r->status != 204 && r->status != 304 && r->status != 404)
		return job_fail(j, r, "stop container");
	if (job_ws(j) == NULL)
		return job_done(j);
	snprintf(path, sizeof(path), "/containers/%s?force=1",
	    j->ws->container);
	docker_call("DELETE", path, NULL, 0, remove_done, j);
}

void
engine_remove(struct workspace *ws, struct wproc *wp, uint32_t id)
{
	struct job	*j = job_new(ws, wp, id);
	long		 t = env->cfg.docker_stop_timeout_s;
	char		 path[128];

	if (ws->container[0] == '\0') {
		container_stopped(ws, "manual");
		return reply_ws(j);
	}
	ws->stop_requested = 1;
	if (ws->status != WSS_STOPPED) {
		ws->status = WSS_STOPPING;
		snprintf(ws->stop_reason, sizeof(ws->stop_reason), "manual");
	}
	snprintf(path, sizeof(path), "/containers/%s/stop?t=%ld",
	    ws->container, t);
	docker_call("POST", path, NULL, (t + 10) * 1000, stop_done, j);
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
		return job_done(j);
	if (p->cpus != 0)
		j->ws->cpus = p->cpus;
	if (p->memory_mb != 0)
		j->ws->memory_mb = p->memory_mb;
	if (p->memory_swap_mb != 0)
		j->ws->memory_swap_mb = p->memory_swap_mb;
	if (p->memory_reservation_mb != 0)
		j->ws->memory_reservation_mb = p->memory_reservation_mb;
	log_info("workspace %s limits changed", j->ws->id);
	reply_ws(j);
}

void
engine_update(struct workspace *ws, const struct body_ws_patch *p,
    struct wproc *wp, uint32_t id)
{
	struct job	*j = job_new(ws, wp, id);
	json_t		*body = json_object();
	int64_t		 mem = p->memory_mb ? p->memory_mb : ws->memory_mb;
	int64_t		 swap = p->memory_swap_mb;
	char		 path[128];

	j->patch.cpus = p->cpus;
	j->patch.memory_mb = p->memory_mb;
	j->patch.memory_reservation_mb = p->memory_reservation_mb;
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
	if (p->memory_reservation_mb != 0)
		json_object_set_new(body, "MemoryReservation",
		    json_integer(p->memory_reservation_mb * MB));
	snprintf(path, sizeof(path), "/containers/%s/update", ws->container);
	docker_call("POST", path, body, 0, update_done, j);
}

/* ------------------------------------------------------------ health */

static void
health_inspected(const struct docker_reply *r, void *arg)
{
	struct job		*j = arg;
	struct body_ws_health	*h;
	json_t			*hj, *log, *last;
	const char		*s;
	struct msg		 m;

	if (r->status != 200)
		return job_fail(j, r, "inspect container");
	hj = json_object_get(json_object_get(r->json, "State"), "Health");
	h = msg_init(&m, MSG_WS_HEALTH_INFO, j->id, PEER_PARENT);
	m.flags = MSGF_REPLY;
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
	if (j->wp->chan != NULL)
		chan_send(j->wp->chan, &m);
	msg_clear(&m);
	job_done(j);
}

void
engine_health(struct workspace *ws, struct wproc *wp, uint32_t id)
{
	struct job	*j = job_new(ws, wp, id);
	char		 path[128];

	if (ws->container[0] == '\0' || ws->status == WSS_STOPPED) {
		reply_error(wp, id, "conflict", "workspace is %s",
		    ws_status_name(ws->status));
		return job_done(j);
	}
	snprintf(path, sizeof(path), "/containers/%s/json", ws->container);
	docker_call("GET", path, NULL, 0, health_inspected, j);
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
	dcpu = (double)(b->cpu_usage_ns - jint(pre, "cpu_usage",
	    "total_usage"));
	dsys = (double)(b->system_usage_ns - jint(pre, "system_cpu_usage",
	    NULL));
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
	struct job	*j = arg;
	struct msg	 m;

	if (r->status != 200 || r->json == NULL)
		return job_fail(j, r, "container stats");
	sample_from_engine(r->json, msg_init(&m, MSG_SAMPLE, j->id,
	    PEER_PARENT));
	m.flags = MSGF_REPLY;
	if (j->wp->chan != NULL)
		chan_send(j->wp->chan, &m);
	msg_clear(&m);
	job_done(j);
}

static void
stats_from_engine(struct job *j)
{
	char path[128];

	if (job_ws(j) == NULL) {
		reply_error(j->wp, j->id, "not_found", "no such workspace");
		return job_done(j);
	}
	snprintf(path, sizeof(path), "/containers/%s/stats?stream=false",
	    j->ws->container);
	docker_call("GET", path, NULL, 0, engine_stats_done, j);
}

/* The fast path answered; on any failure ask the engine instead. */
static void
cgroup_stats_done(struct msg *reply, void *arg)
{
	struct job *j = arg;

	if (reply == NULL || reply->type != MSG_SAMPLE) {
		log_debug("cgroup stats unavailable; asking the engine");
		return stats_from_engine(j);
	}
	reply->id = j->id;
	reply->peer = PEER_PARENT;
	reply->flags = MSGF_REPLY;
	if (j->wp->chan != NULL)
		chan_send(j->wp->chan, reply);
	job_done(j);
}

void
engine_stats(struct workspace *ws, struct wproc *wp, uint32_t id)
{
	struct job		*j = job_new(ws, wp, id);
	struct body_cg_read	*c;
	struct msg		 m;

	if (ws->status != WSS_RUNNING && ws->status != WSS_STARTING) {
		reply_error(wp, id, "conflict", "workspace is %s",
		    ws_status_name(ws->status));
		return job_done(j);
	}
	c = msg_init(&m, MSG_CG_READ, 0, PEER_PARENT);
	c->container_id = xstrdup(ws->container);
	c->pid = ws->pid;
	if (parent_call(wproc_by_peer(PEER_STATSWRITER), &m, cgroup_stats_done,
	    j) == -1)
		stats_from_engine(j);
	msg_clear(&m);
}

/* ------------------------------------------------------------ exits */

static void
died_inspected(const struct docker_reply *r, void *arg)
{
	struct job	*j = arg;
	json_t		*st = json_object_get(r->json, "State");

	if (job_ws(j) != NULL && j->ws->status != WSS_STOPPED) {
		if (j->ws->oom || json_is_true(json_object_get(st,
		    "OOMKilled")))
			container_stopped(j->ws, "resource_limit");
		else
			container_stopped(j->ws, "error");
	}
	job_done(j);
}

void
container_died(struct workspace *ws)
{
	struct job	*j;
	char		 path[128];

	if (ws->stop_requested) {
		container_stopped(ws, "manual");
		return;
	}
	/* Nobody asked: an OOM kill or an error.  OOMKilled settles it. */
	j = job_new(ws, NULL, 0);
	snprintf(path, sizeof(path), "/containers/%s/json", ws->container);
	docker_call("GET", path, NULL, 0, died_inspected, j);
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
		return job_done(j);
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
	job_done(j);
}

void
container_adopt(json_t *c)
{
	json_t			*l = json_object_get(c, "Labels");
	const char		*cid = json_string_value(json_object_get(c, "Id"));
	const char		*wsid = label(l, "berth.workspace");
	struct workspace	*ws;
	char			 path[128];

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
	snprintf(path, sizeof(path), "/containers/%s/json", cid);
	docker_call("GET", path, NULL, 0, adopt_inspected, job_new(ws, NULL,
	    0));
}
