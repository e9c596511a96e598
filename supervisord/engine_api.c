/*
 * The one door to the Docker Engine for berthd's workspace work: each
 * engine operation berth uses is a function here with a completion
 * callback.  Nothing here knows about workers, requests or IPC; it
 * builds paths (ids checked before they reach one), logs what it
 * changes, and counts operations in flight so that berthd can refuse
 * new work when the engine already has enough (eng_busy).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "berthd.h"
#include "docker.h"
#include "log.h"
#include "xmalloc.h"

struct eng_call {
	docker_cb	 cb;
	void		*arg;
};

static long	inflight;

int
eng_busy(void)
{
	return inflight >= env->cfg.docker_max_concurrent_calls;
}

long
eng_inflight(void)
{
	return inflight;
}

static void
done(const struct docker_reply *r, void *arg)
{
	struct eng_call	c = *(struct eng_call *)arg;

	free(arg);
	inflight--;
	c.cb(r, c.arg);
}

static void
call(const char *method, const char *path, json_t *body, long timeout_ms,
    docker_cb cb, void *arg)
{
	struct eng_call *c = xmalloc(sizeof(*c));

	c->cb = cb;
	c->arg = arg;
	inflight++;
	docker_call(method, path, body, timeout_ms, done, c);
}

/* An engine id or a name berth made ("berth-project-" and a project
 * id), as it may stand in a path: nothing to escape, no "..". */
static int
valid_ref(const char *s)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-";
	size_t n = strlen(s);

	return n > 0 && n <= 128 && strspn(s, ok) == n && s[0] != '.' &&
	    strstr(s, "..") == NULL;
}

static void
refused(docker_cb cb, void *arg, const char *what)
{
	struct docker_reply r = { 0, NULL, NULL, 0, what };

	cb(&r, arg);
}

/* ------------------------------------------------------------ containers */

void
eng_container_create(const char *name, json_t *spec, docker_cb cb, void *arg)
{
	char path[160];

	if (!valid_ref(name)) {
		json_decref(spec);
		return refused(cb, arg, "bad container name");
	}
	snprintf(path, sizeof(path), "/containers/create?name=%s", name);
	call("POST", path, spec, 60000, cb, arg);
}

static void
container_op(const char *method, const char *cid, const char *op,
    json_t *body, long timeout_ms, docker_cb cb, void *arg)
{
	char path[192];

	if (!valid_ref(cid)) {
		json_decref(body);
		return refused(cb, arg, "bad container id");
	}
	snprintf(path, sizeof(path), "/containers/%s%s", cid, op);
	call(method, path, body, timeout_ms, cb, arg);
}

void
eng_container_start(const char *cid, docker_cb cb, void *arg)
{
	container_op("POST", cid, "/start", NULL, 0, cb, arg);
}

void
eng_container_stop(const char *cid, long timeout_s, const char *reason,
    docker_cb cb, void *arg)
{
	char op[48];

	log_info("stopping container %.12s (%s)", cid, reason);
	snprintf(op, sizeof(op), "/stop?t=%ld", timeout_s);
	container_op("POST", cid, op, NULL, (timeout_s + 10) * 1000, cb, arg);
}

void
eng_container_remove(const char *cid, docker_cb cb, void *arg)
{
	container_op("DELETE", cid, "?force=1", NULL, 0, cb, arg);
}

void
eng_container_update(const char *cid, json_t *body, docker_cb cb, void *arg)
{
	container_op("POST", cid, "/update", body, 0, cb, arg);
}

void
eng_container_inspect(const char *cid, docker_cb cb, void *arg)
{
	container_op("GET", cid, "/json", NULL, 0, cb, arg);
}

void
eng_container_stats(const char *cid, docker_cb cb, void *arg)
{
	container_op("GET", cid, "/stats?stream=false", NULL, 0, cb, arg);
}

/* GET what (a listing path ending in ? or &) filtered by key (label:
 * k=v or k, one of berth's own; volume: a name valid_ref admits). */
static void
list_by(const char *what, const char *key, const char *value, docker_cb cb,
    void *arg)
{
	char	*filter, *q = NULL, path[512];

	xasprintf(&q, "{\"%s\":[\"%s\"]}", key, value);
	filter = docker_escape(q);
	snprintf(path, sizeof(path), "%sfilters=%s", what, filter);
	free(filter);
	free(q);
	call("GET", path, NULL, 0, cb, arg);
}

/* Every container (running or not) carrying label. */
void
eng_container_list(const char *label, docker_cb cb, void *arg)
{
	list_by("/containers/json?all=1&", "label", label, cb, arg);
}

/* Every container (running or not, anyone's) that mounts volume. */
void
eng_container_list_mounting(const char *volume, docker_cb cb, void *arg)
{
	if (!valid_ref(volume))
		return refused(cb, arg, "bad volume name");
	list_by("/containers/json?all=1&", "volume", volume, cb, arg);
}

/* ------------------------------------------------------------ volumes */

void
eng_volume_create(const char *name, json_t *labels, docker_cb cb, void *arg)
{
	if (!valid_ref(name)) {
		json_decref(labels);
		return refused(cb, arg, "bad volume name");
	}
	call("POST", "/volumes/create", json_pack("{s:s,s:o}", "Name", name,
	    "Labels", labels), 0, cb, arg);
}

void
eng_volume_inspect(const char *name, docker_cb cb, void *arg)
{
	char path[160];

	if (!valid_ref(name))
		return refused(cb, arg, "bad volume name");
	snprintf(path, sizeof(path), "/volumes/%s", name);
	call("GET", path, NULL, 0, cb, arg);
}

void
eng_volume_remove(const char *name, docker_cb cb, void *arg)
{
	char path[160];

	if (!valid_ref(name))
		return refused(cb, arg, "bad volume name");
	log_info("removing volume %s", name);
	snprintf(path, sizeof(path), "/volumes/%s", name);
	call("DELETE", path, NULL, 0, cb, arg);
}

void
eng_volume_list(const char *label, docker_cb cb, void *arg)
{
	list_by("/volumes?", "label", label, cb, arg);
}

/* ------------------------------------------------------------ networks */

void
eng_network_inspect(const char *name, docker_cb cb, void *arg)
{
	char path[160];

	if (!valid_ref(name))
		return refused(cb, arg, "bad network name");
	snprintf(path, sizeof(path), "/networks/%s", name);
	call("GET", path, NULL, 0, cb, arg);
}

/* A bridge network with the driver options given. */
void
eng_network_create(const char *name, json_t *options, json_t *labels,
    docker_cb cb, void *arg)
{
	if (!valid_ref(name)) {
		json_decref(options);
		json_decref(labels);
		return refused(cb, arg, "bad network name");
	}
	log_info("creating network %s", name);
	call("POST", "/networks/create", json_pack("{s:s,s:s,s:b,s:o,s:o}",
	    "Name", name, "Driver", "bridge", "CheckDuplicate", 1,
	    "Options", options, "Labels", labels), 0, cb, arg);
}

/* The logs of container cid as a stream (timestamps always on: lines
 * are told apart and resumed by them).  query holds the rest of the
 * query string, made by the caller from numbers only.  NULL when the
 * id is refused (end_cb has run). */
struct docker_stream *
eng_container_logs(const char *cid, const char *query, docker_data_cb data,
    docker_end_cb end, void *arg)
{
	char	path[512];

	if (!valid_ref(cid) || strspn(query, "abcdefghijklmnopqrstuvwxyz"
	    "0123456789=&.-") != strlen(query)) {
		end(0, "bad container id or query", arg);
		return NULL;
	}
	snprintf(path, sizeof(path), "/containers/%s/logs?timestamps=1&%s",
	    cid, query);
	return docker_stream(path, data, end, arg);
}

void
eng_container_pause(const char *cid, int pause, docker_cb cb, void *arg)
{
	container_op("POST", cid, pause ? "/pause" : "/unpause", NULL, 0,
	    cb, arg);
}

/* The tar of path (berth's own, fixed) in container cid as a stream;
 * NULL when the id is refused (end_cb has run). */
struct docker_stream *
eng_container_archive(const char *cid, const char *path,
    docker_data_cb data, docker_end_cb end, void *arg)
{
	char	 req[256], *p;

	if (!valid_ref(cid) || path[0] != '/' || strstr(path, "..") != NULL) {
		end(0, "bad container id or path", arg);
		return NULL;
	}
	p = docker_escape(path);
	snprintf(req, sizeof(req), "/containers/%s/archive?path=%s", cid, p);
	free(p);
	return docker_stream(req, data, end, arg);
}

/* The engine's disk usage (volumes with their sizes): slow, the
 * engine walks every volume. */
void
eng_system_df(docker_cb cb, void *arg)
{
	call("GET", "/system/df", NULL, 300000, cb, arg);
}
