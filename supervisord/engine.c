/*
 * berthd's connection to the Docker Engine: the check at start
 * (/_ping, /version, API 1.41 or newer), reconnection with backoff,
 * adoption of managed containers by their labels, and the event stream
 * (start, die, oom, health_status, destroy) that keeps the registry true.
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

static int			 up;
static char			 version[64];
static uint64_t			 retry_ms = RETRY_MIN_MS;
static struct event		*retry_ev;
static struct docker_stream	*events;
static char			*evbuf;
static size_t			 evlen;

static void	check(void);

int
engine_up(void)
{
	return up;
}

const char *
engine_version(void)
{
	return up ? version : "";
}

/* A string member of o, "" when absent. */
static const char *
jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* ------------------------------------------------------------ events */

static void
container_destroyed(struct workspace *ws)
{
	logs_state(ws, "removed", 1);
	if (ws->status == WSS_STOPPED || ws->stop_requested)
		return;
	event_emit("workspace.lost", "warning", ws, "workspace %s: "
	    "container removed behind berth's back", ws->id);
	container_stopped(ws, "error");
}

static void
on_event(json_t *ev)
{
	const char		*action = json_string_value(json_object_get(ev,
				    "Action"));
	const char		*id = json_string_value(json_object_get(
				    json_object_get(ev, "Actor"), "ID"));
	struct workspace	*ws;

	if (action == NULL || id == NULL || (ws = ws_find_container(id)) ==
	    NULL)
		return;
	log_debug("event %s for workspace %s", action, ws->id);
	if (strcmp(action, "oom") == 0) {
		ws->oom = 1;
		alerts_workspace_now(ws);	/* it may be gone by the next */
	} else if (strcmp(action, "die") == 0) {
		ws->died = 1;
		logs_state(ws, "stopped", ws->stop_requested);
		container_died(ws);
	} else if (strcmp(action, "start") == 0)
		container_started(ws);
	else if (strcmp(action, "destroy") == 0)
		container_destroyed(ws);
	else if (strncmp(action, "health_status: ", 15) == 0) {
		snprintf(ws->health, sizeof(ws->health), "%s", action + 15);
		/* healthmon's probe is normally first and more exact;
		 * without it the engine's check is the first answer. */
		if (strcmp(ws->health, "healthy") == 0)
			ws_available(ws, (int64_t)wall_ms());
	}
}

/* The stream is one JSON object per line. */
static void
events_data(const char *buf, size_t len, void *arg)
{
	char	*nl;
	json_t	*ev;

	if (evlen + len > 1024 * 1024) {
		log_warnx("engine event too large; dropped");
		evlen = 0;
		return;
	}
	evbuf = xreallocarray(evbuf, evlen + len + 1, 1);
	memcpy(evbuf + evlen, buf, len);
	evlen += len;
	evbuf[evlen] = '\0';
	while ((nl = memchr(evbuf, '\n', evlen)) != NULL) {
		if ((ev = json_loadb(evbuf, (size_t)(nl - evbuf), 0, NULL)) !=
		    NULL) {
			on_event(ev);
			json_decref(ev);
		}
		evlen -= (size_t)(nl + 1 - evbuf);
		memmove(evbuf, nl + 1, evlen);
	}
}

static void
schedule_check(void)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(retry_ms / 1000);
	tv.tv_usec = (suseconds_t)(retry_ms % 1000) * 1000;
	evtimer_add(retry_ev, &tv);
	retry_ms = retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : retry_ms * 2;
}

static void
events_end(long status, const char *err, void *arg)
{
	events = NULL;
	evlen = 0;
	if (env->shutting_down)
		return;
	log_warnx("lost the Docker Engine event stream (%s); reconnecting",
	    err != NULL ? err : "closed");
	up = 0;
	schedule_check();
}

static void
follow_events(void)
{
	char	*filter, path[512];

	/* Only what on_event uses: every health check of every workspace
	 * is also an exec_* event, which the engine need not send. */
	filter = docker_escape("{\"type\":[\"container\"],"
	    "\"label\":[\"berth.managed=true\"],\"event\":[\"die\","
	    "\"start\",\"oom\",\"destroy\",\"health_status\"]}");
	snprintf(path, sizeof(path), "/events?filters=%s", filter);
	free(filter);
	events = docker_stream(path, events_data, events_end, NULL);
}

/* The engine's containers are in the registry: until then, no
 * container looks like an orphan to the scheduler. */
static int	adopted;

static void
adopt_listed(const struct docker_reply *r, void *arg)
{
	json_t	*c;
	size_t	 i;

	if (r->status != 200 || !json_is_array(r->json)) {
		log_warnx("cannot list managed containers: HTTP %ld %s",
		    r->status, r->err != NULL ? r->err : "");
		return;
	}
	json_array_foreach(r->json, i, c)
		container_adopt(c);
	adopted = 1;
	log_info("%zu managed containers listed and adopted",
	    json_array_size(r->json));
	/* the scheduler's schedule starts (or its clock is sent again) */
	jobstate_send(wproc_by_peer(PEER_SCHEDULER));
}

int
engine_adopted(void)
{
	return adopted;
}

static void
projects_listed(const struct docker_reply *r, void *arg)
{
	json_t	*v;
	size_t	 i;

	if (r->status != 200) {
		log_warnx("cannot list project volumes: HTTP %ld %s",
		    r->status, r->err != NULL ? r->err : "");
		return;
	}
	json_array_foreach(json_object_get(r->json, "Volumes"), i, v)
		project_adopt(v);
}

static void
adopt(void)
{
	adopted = 0;
	eng_volume_list("berth.project", projects_listed, NULL);
	eng_container_list("berth.managed=true", adopt_listed, NULL);
	volumes_clean_helpers();
}

/* ------------------------------------------------------------ listings */

/* For the scheduler: every container with berth's labels, and whether
 * berthd knows it. */
static void
containers_listed(const struct docker_reply *r, void *arg)
{
	struct caller		*c = arg;
	struct body_containers	*b;
	struct container_item	*it;
	struct msg		 m;
	json_t			*o, *l;
	size_t			 i;

	if (r->status != 200 || !json_is_array(r->json)) {
		caller_error(c, "unavailable", "cannot list containers");
		free(c);
		return;
	}
	b = msg_init(&m, MSG_CONTAINERS, 0, PEER_PARENT);
	b->items = xcalloc(json_array_size(r->json) + 1, sizeof(*b->items));
	json_array_foreach(r->json, i, o) {
		if (b->nitems == 1000)
			break;
		l = json_object_get(o, "Labels");
		it = &b->items[b->nitems++];
		it->id = xstrndup(jstr(o, "Id"), 64);
		it->name = xstrndup(json_is_string(json_array_get(
		    json_object_get(o, "Names"), 0)) ? json_string_value(
		    json_array_get(json_object_get(o, "Names"), 0)) : "", 200);
		it->state = xstrndup(jstr(o, "State"), 32);
		it->created_ms = json_integer_value(json_object_get(o,
		    "Created")) * 1000;
		it->workspace_id = xstrndup(jstr(l, "berth.workspace"), 64);
		it->user_id = xstrndup(jstr(l, "berth.user"), 64);
		it->project_id = xstrndup(jstr(l, "berth.project"), 64);
		it->known = ws_find(it->workspace_id) != NULL;
	}
	caller_reply(c, &m);
	msg_clear(&m);
	free(c);
}

/* 0, or -1 after answering: the scheduler's orphans wait for the
 * registry to hold every container berth manages. */
static int
orphans_known(const struct caller *c)
{
	if (engine_up() && adopted)
		return 0;
	caller_error(c, "unavailable", "the engine's containers are not "
	    "adopted yet");
	return -1;
}

void
engine_h_containers(const struct caller *c, struct msg *m)
{
	struct caller *k;

	if (orphans_known(c) == -1)
		return;
	k = xmalloc(sizeof(*k));
	*k = *c;
	eng_container_list("berth.managed=true", containers_listed, k);
}

/* The scheduler's removal of an orphan, decided here again: the
 * container must still carry berth.managed=true, name no workspace of
 * the registry, and be min_age_s old (by the scheduler's clock). */
struct orphan_rm {
	struct caller	c;
	char		id[65];
	char		reason[64];
	int64_t		min_age_s;
};

static void
orphan_removed(const struct docker_reply *r, void *arg)
{
	struct orphan_rm	*o = arg;
	struct msg		 m;

	if (r->status != 204 && r->status != 404) {
		log_warnx("removing orphaned container %.12s: HTTP %ld %s",
		    o->id, r->status, r->err != NULL ? r->err : "");
		caller_error(&o->c, "engine_error", "cannot remove the "
		    "container (HTTP %ld)", r->status);
	} else {
		if (r->status == 204)
			monitor_cleaned();
		msg_init(&m, MSG_OK, 0, PEER_PARENT);
		caller_reply(&o->c, &m);
		msg_clear(&m);
	}
	free(o);
}

/* Why the listed container o is not to be removed, or NULL. */
static const char *
orphan_refusal(json_t *o, const struct orphan_rm *rm)
{
	json_t	*l = json_object_get(o, "Labels");
	int64_t	 created_s = json_integer_value(json_object_get(o, "Created"));

	if (strcmp(jstr(l, "berth.managed"), "true") != 0)
		return "not berth's";
	if (ws_find(jstr(l, "berth.workspace")) != NULL)
		return "its workspace is known";
	if (rm->min_age_s > 0 && jobstate_now_ms() / 1000 - created_s <
	    rm->min_age_s)
		return "younger than the job's age";
	return NULL;
}

static void
orphan_listed(const struct docker_reply *r, void *arg)
{
	struct orphan_rm	*rm = arg;
	const char		*why = "no such container";
	json_t			*o;
	size_t			 i;

	if (r->status != 200 || !json_is_array(r->json)) {
		caller_error(&rm->c, "unavailable", "cannot list containers");
		free(rm);
		return;
	}
	json_array_foreach(r->json, i, o) {
		if (strcmp(jstr(o, "Id"), rm->id) != 0)
			continue;
		if ((why = orphan_refusal(o, rm)) != NULL)
			break;
		event_emit("cleanup.container", "info", NULL, "removing "
		    "orphaned container %.12s (%s, workspace \"%s\"): asked "
		    "by the scheduler's %s", rm->id,
		    jstr(json_object_get(o, "Labels"), "berth.user"),
		    jstr(json_object_get(o, "Labels"), "berth.workspace"),
		    rm->reason);
		eng_container_remove(rm->id, orphan_removed, rm);
		return;
	}
	log_info("not removing container %.12s for the scheduler's %s: %s",
	    rm->id, rm->reason, why);
	caller_error(&rm->c, strcmp(why, "no such container") == 0 ?
	    "not_found" : "conflict", "%s", why);
	free(rm);
}

void
engine_h_container_rm(const struct caller *c, struct msg *m)
{
	struct body_container_rm	*b = m->body;
	struct orphan_rm		*rm;

	if (strlen(b->id) != 64 || strspn(b->id, "0123456789abcdef") != 64) {
		caller_error(c, "invalid", "not a container id");
		return;
	}
	if (orphans_known(c) == -1)
		return;
	rm = xcalloc(1, sizeof(*rm));
	rm->c = *c;
	snprintf(rm->id, sizeof(rm->id), "%s", b->id);
	snprintf(rm->reason, sizeof(rm->reason), "%s", b->reason);
	rm->min_age_s = b->min_age_s;
	eng_container_list("berth.managed=true", orphan_listed, rm);
}

/* The scheduler's removal of a deleted project's volume, decided here
 * again: its project (label berth.project) deleted grace_s ago by the
 * scheduler's clock, and no container at all mounting it. */
struct volume_rm {
	struct caller	c;
	char		name[201];
	char		reason[64];
	int64_t		grace_s;
};

static void
volume_rm_end(struct volume_rm *rm, const char *code, const char *why)
{
	struct msg	m;

	if (code != NULL) {
		log_info("not removing volume %s for the scheduler's %s: %s",
		    rm->name, rm->reason, why);
		caller_error(&rm->c, code, "%s", why);
	} else {
		msg_init(&m, MSG_OK, 0, PEER_PARENT);
		caller_reply(&rm->c, &m);
		msg_clear(&m);
	}
	free(rm);
}

static void
volume_removed(const struct docker_reply *r, void *arg)
{
	if (r->status != 204 && r->status != 404)
		volume_rm_end(arg, r->status == 409 ? "conflict" :
		    "engine_error", r->status == 409 ? "the volume is in use" :
		    "the engine refused to remove the volume");
	else
		volume_rm_end(arg, NULL, NULL);
}

static void
mounters_listed(const struct docker_reply *r, void *arg)
{
	struct volume_rm *rm = arg;

	if (r->status != 200 || !json_is_array(r->json))
		volume_rm_end(rm, "unavailable", "cannot list containers");
	else if (json_array_size(r->json) > 0)
		volume_rm_end(rm, "conflict", "a container mounts it");
	else {
		event_emit("cleanup.volume", "info", NULL, "removing volume %s: "
		    "its project was deleted more than %lld s ago and no "
		    "container mounts it (the scheduler's %s)", rm->name,
		    (long long)rm->grace_s, rm->reason);
		eng_volume_remove(rm->name, volume_removed, rm);
	}
}

static void
volume_inspected(const struct docker_reply *r, void *arg)
{
	struct volume_rm	*rm = arg;
	const char		*project;
	int64_t			 deleted;

	if (r->status == 404) {
		volume_rm_end(rm, "not_found", "no such volume");
		return;
	}
	if (r->status != 200) {
		volume_rm_end(rm, "unavailable", "cannot inspect the volume");
		return;
	}
	project = jstr(json_object_get(r->json, "Labels"), "berth.project");
	deleted = project_deleted_ms(project);
	if (project[0] == '\0' || deleted == 0)
		volume_rm_end(rm, "conflict", "not a volume of a deleted "
		    "project");
	else if (jobstate_now_ms() - deleted < rm->grace_s * 1000)
		volume_rm_end(rm, "conflict", "its project was deleted less "
		    "than the grace ago");
	else
		eng_container_list_mounting(rm->name, mounters_listed, rm);
}

void
engine_h_volume_rm(const struct caller *c, struct msg *m)
{
	struct body_volume_rm	*b = m->body;
	struct volume_rm	*rm;

	if (!engine_up()) {
		caller_error(c, "unavailable", "Docker Engine is down");
		return;
	}
	rm = xcalloc(1, sizeof(*rm));
	rm->c = *c;
	snprintf(rm->name, sizeof(rm->name), "%s", b->name);
	snprintf(rm->reason, sizeof(rm->reason), "%s", b->reason);
	rm->grace_s = b->grace_s;
	eng_volume_inspect(rm->name, volume_inspected, rm);
}

static void
volumes_listed(const struct docker_reply *r, void *arg)
{
	struct caller		*c = arg;
	struct body_volumes	*b;
	struct volume_item	*it;
	struct msg		 m;
	json_t			*vols = json_object_get(r->json, "Volumes"), *v, *l;
	size_t			 i;

	if (r->status != 200 || !json_is_array(vols)) {
		caller_error(c, "unavailable", "cannot list volumes");
		free(c);
		return;
	}
	b = msg_init(&m, MSG_VOLUMES, 0, PEER_PARENT);
	b->items = xcalloc(json_array_size(vols) + 1, sizeof(*b->items));
	json_array_foreach(vols, i, v) {
		if (b->nitems == 1000)
			break;
		l = json_object_get(v, "Labels");
		it = &b->items[b->nitems++];
		it->name = xstrndup(jstr(v, "Name"), 200);
		it->project_id = xstrndup(jstr(l, "berth.project"), 64);
		it->owner = xstrndup(jstr(l, "berth.owner"), 64);
		it->created = xstrndup(jstr(v, "CreatedAt"), 60);
		/* -1: unknown (the engine counts only in /system/df) */
		it->deleted_ms = project_deleted_ms(it->project_id);
		it->in_use = json_object_get(v, "UsageData") != NULL ?
		    json_integer_value(json_object_get(json_object_get(v,
		    "UsageData"), "RefCount")) : -1;
	}
	caller_reply(c, &m);
	msg_clear(&m);
	free(c);
}

void
engine_h_volumes(const struct caller *c, struct msg *m)
{
	struct caller *k = xmalloc(sizeof(*k));

	*k = *c;
	eng_volume_list("berth.managed=true", volumes_listed, k);
}

/* ------------------------------------------------------------ check */

/* Up once the workspaces' networks are known (netguard.c). */
static void
networks_known(void)
{
	if (env->shutting_down)
		return;
	up = 1;
	follow_events();
	adopt();
}

static void
checked(int ok, const char *version_s, const char *api, const char *err,
    void *arg)
{
	if (!ok) {
		if (up || retry_ms == RETRY_MIN_MS)
			log_warnx("Docker Engine unavailable: %s", err);
		up = 0;
		schedule_check();
		return;
	}
	log_info("Docker Engine %s (API %s) at %s", version_s, api,
	    env->cfg.docker_socket);
	snprintf(version, sizeof(version), "%s", version_s);
	retry_ms = RETRY_MIN_MS;
	netguard_start(networks_known);
}

static void
check(void)
{
	docker_check(checked, NULL);
}

static void
retry_cb(evutil_socket_t fd, short ev, void *arg)
{
	check();
}

void
engine_start(void)
{
	if (docker_init(env->base, env->cfg.docker_socket) == -1)
		fatalx("cannot initialise the Docker client");
	retry_ev = evtimer_new(env->base, retry_cb, NULL);
	check();
}

void
engine_stop(void)
{
	if (retry_ev != NULL)
		event_free(retry_ev);
	retry_ev = NULL;
	netguard_stop();
	logs_shutdown();
	docker_shutdown();
	events = NULL;
	free(evbuf);
	evbuf = NULL;
}
