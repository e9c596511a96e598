/*
 * The container a workspace runs as: the engine's create body built
 * from its type and its request.  Besides image, environment, labels,
 * health check and limits, every workspace is contained the same way
 * (issue 12): CapDrop ALL plus the type's cap_add, no-new-privileges,
 * an init process, PidsLimit, nofile and nproc ulimits, a log capped in
 * size, optionally a read-only root with a tmpfs /tmp, and the network
 * its type names (netguard.c says whether berth's own is ready).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "berthd.h"
#include "chan.h"
#include "codec.h"
#include "xmalloc.h"

#define MB		(1024LL * 1024LL)
#define TMP_OPTIONS	"rw,nosuid,nodev,size=64m"

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

/* "CHOWN,SETUID" as ["CHOWN", "SETUID"] (checked by the config). */
static json_t *
cap_list(const char *caps)
{
	json_t	*a = json_array();
	char	*copy = xstrdup(caps), *item, *save = NULL;

	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save))
		json_array_append_new(a, json_string(item));
	free(copy);
	return a;
}

static json_t *
ulimit(const char *name, long n)
{
	return json_pack("{s:s,s:I,s:I}", "Name", name, "Soft", (json_int_t)n,
	    "Hard", (json_int_t)n);
}

/* The json-file driver with a size cap: berth's logstreamer reads
 * logs through the engine, which needs a driver it can read back. */
static json_t *
log_config(const struct ws_type *t)
{
	char	size[24], files[24];

	snprintf(size, sizeof(size), "%ldm", t->log_max_size_mb);
	snprintf(files, sizeof(files), "%ld", t->log_max_files);
	return json_pack("{s:s,s:{s:s,s:s}}", "Type", "json-file", "Config",
	    "max-size", size, "max-file", files);
}

/* What every workspace gets, whatever its type says. */
static void
contain(json_t *hc, const struct ws_type *t)
{
	json_object_set_new(hc, "CapDrop", json_pack("[s]", "ALL"));
	json_object_set_new(hc, "CapAdd", cap_list(t->cap_add));
	json_object_set_new(hc, "SecurityOpt", json_pack("[s]",
	    "no-new-privileges"));
	json_object_set_new(hc, "Init", json_true());
	json_object_set_new(hc, "PidsLimit", json_integer(t->pids_limit));
	json_object_set_new(hc, "Ulimits", json_pack("[o,o]",
	    ulimit("nofile", t->ulimit_nofile),
	    ulimit("nproc", t->ulimit_nproc)));
	json_object_set_new(hc, "LogConfig", log_config(t));
	if (t->read_only_rootfs) {
		json_object_set_new(hc, "ReadonlyRootfs", json_true());
		json_object_set_new(hc, "Tmpfs", json_pack("{s:s}", "/tmp",
		    TMP_OPTIONS));
	}
}

static json_t *
host_config(struct workspace *ws, const struct ws_type *t,
    const char *network)
{
	json_t	*hc;
	char	 vol[160];

	hc = json_pack("{s:I,s:I,s:I,s:s,s:{s:s}}",
	    "NanoCpus", (json_int_t)llround(ws->cpus * 1e9),
	    "Memory", (json_int_t)(ws->memory_mb * MB),
	    "MemoryReservation", (json_int_t)(ws->memory_reservation_mb * MB),
	    "NetworkMode", network,
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
	contain(hc, t);
	return hc;
}

/* The create body, or NULL when the type's network is not ready. */
json_t *
spec_container(struct workspace *ws, const struct ws_type *t,
    const struct body_ws_create *b)
{
	json_t		*spec, *hcheck;
	const char	*network;
	char		*cmd, port[24];
	int64_t		 sec = 1000000000;

	if ((network = netguard_network(t)) == NULL)
		return NULL;
	cmd = health_cmd(t);
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
	    host_config(ws, t, network));
	if (t->command[0] != '\0')
		json_object_set_new(spec, "Cmd", json_pack("[s,s,s]",
		    "/bin/sh", "-c", t->command));
	return spec;
}
