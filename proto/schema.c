/*
 * The schema tables: for every message type, the fields of its body
 * struct with their wire names, types, limits and whether they must be
 * present.  codec.c encodes and decodes from these tables alone, so a
 * new message type or field is one entry here plus its struct in
 * proto.h.
 */
#include <stddef.h>

#include "proto.h"

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

/* String limits, in bytes. */
#define MAX_NAME	32	/* worker names */
#define MAX_WORD	64	/* states, codes, versions, purposes */
#define MAX_KEY		256	/* "section.name" */
#define MAX_TEXT	1024	/* human-readable messages */
#define MAX_VALUE	4096	/* configuration values, arguments */

/* Array limits, in elements. */
#define MAX_ENTRIES	1024	/* configuration entries */
#define MAX_WORKERS	16	/* rows of the worker table */
#define MAX_ENV		64	/* environment variables of a workspace */
#define MAX_ITEMS	1000	/* workspaces in one list */
#define MAX_ID		128	/* ids of workspaces, users, projects */

#define STR(s, f, req, max) \
	{ #f, FT_STR, offsetof(struct s, f), req, max, NULL, 0 }
#define INT(s, f, req) \
	{ #f, FT_INT, offsetof(struct s, f), req, 0, NULL, 0 }
#define BOOL(s, f, req) \
	{ #f, FT_BOOL, offsetof(struct s, f), req, 0, NULL, 0 }
#define DOUBLE(s, f, req) \
	{ #f, FT_DOUBLE, offsetof(struct s, f), req, 0, NULL, 0 }
#define ARRAY(s, f, req, max, el, cnt) \
	{ #f, FT_ARRAY, offsetof(struct s, f), req, max, el, \
	    offsetof(struct s, cnt) }
#define SCHEMA(n, s, fl) \
	{ n, sizeof(struct s), fl, NITEMS(fl) }

static const struct schema schema_empty[] = {
	{ "empty", sizeof(struct body_empty), NULL, 0 }
};

static const struct field hello_fields[] = {
	STR(body_hello, worker, 1, MAX_NAME),
	INT(body_hello, pid, 1),
	INT(body_hello, uid, 1),
	INT(body_hello, seccomp, 1),
};
static const struct schema schema_hello[] = {
	SCHEMA("hello", body_hello, hello_fields)
};

static const struct field config_entry_fields[] = {
	STR(config_entry, key, 1, MAX_KEY),
	STR(config_entry, value, 1, MAX_VALUE),
};
static const struct schema schema_config_entry[] = {
	SCHEMA("config_entry", config_entry, config_entry_fields)
};

static const struct field config_fields[] = {
	ARRAY(body_config, entries, 1, MAX_ENTRIES, schema_config_entry,
	    nentries),
};
static const struct schema schema_config[] = {
	SCHEMA("config", body_config, config_fields)
};

static const struct field error_fields[] = {
	STR(body_error, code, 1, MAX_WORD),
	STR(body_error, message, 1, MAX_TEXT),
};
static const struct schema schema_error[] = {
	SCHEMA("error", body_error, error_fields)
};

static const struct field worker_status_fields[] = {
	STR(worker_status, name, 1, MAX_NAME),
	INT(worker_status, pid, 1),
	STR(worker_status, state, 1, MAX_WORD),
	INT(worker_status, uptime_ms, 1),
	INT(worker_status, restarts, 1),
	STR(worker_status, last_exit, 0, MAX_WORD),
	INT(worker_status, uid, 0),
	INT(worker_status, seccomp, 0),
};
static const struct schema schema_worker_status[] = {
	SCHEMA("worker_status", worker_status, worker_status_fields)
};

static const struct field status_fields[] = {
	STR(body_status, version, 1, MAX_WORD),
	INT(body_status, uptime_ms, 1),
	INT(body_status, pid, 1),
	BOOL(body_status, all_up, 1),
	BOOL(body_status, docker_up, 0),
	STR(body_status, docker_version, 0, MAX_WORD),
	ARRAY(body_status, workers, 1, MAX_WORKERS, schema_worker_status,
	    nworkers),
};
static const struct schema schema_status[] = {
	SCHEMA("status", body_status, status_fields)
};

static const struct field restart_req_fields[] = {
	STR(body_restart_req, worker, 1, MAX_NAME),
};
static const struct schema schema_restart_req[] = {
	SCHEMA("restart_req", body_restart_req, restart_req_fields)
};

static const struct field ping_fields[] = {
	INT(body_ping, sent_ms, 1),
};
static const struct schema schema_ping[] = {
	SCHEMA("ping", body_ping, ping_fields)
};

static const struct field fd_pass_fields[] = {
	STR(body_fd_pass, purpose, 1, MAX_WORD),
	STR(body_fd_pass, arg, 0, MAX_VALUE),
};
static const struct schema schema_fd_pass[] = {
	SCHEMA("fd_pass", body_fd_pass, fd_pass_fields)
};

static const struct field workspace_fields[] = {
	STR(workspace_info, id, 1, MAX_ID),
	STR(workspace_info, status, 1, MAX_WORD),
	STR(workspace_info, health, 1, MAX_WORD),
	STR(workspace_info, container_id, 1, MAX_ID),
	STR(workspace_info, type, 1, MAX_NAME),
	STR(workspace_info, tier, 1, MAX_NAME),
	STR(workspace_info, user_id, 1, MAX_ID),
	STR(workspace_info, project_id, 1, MAX_ID),
	STR(workspace_info, s3_bucket, 1, MAX_ID),
	STR(workspace_info, url, 1, MAX_KEY),
	STR(workspace_info, stop_reason, 1, MAX_WORD),
	INT(workspace_info, created_ms, 1),
	INT(workspace_info, started_ms, 1),
	INT(workspace_info, stopped_ms, 1),
	DOUBLE(workspace_info, cpus, 1),
	INT(workspace_info, memory_mb, 1),
	INT(workspace_info, memory_swap_mb, 1),
	INT(workspace_info, memory_reservation_mb, 1),
};
static const struct schema schema_workspace[] = {
	SCHEMA("workspace", workspace_info, workspace_fields)
};

static const struct field ws_create_fields[] = {
	STR(body_ws_create, user_id, 1, MAX_ID),
	BOOL(body_ws_create, admin, 1),
	STR(body_ws_create, type, 1, MAX_NAME),
	STR(body_ws_create, owner, 1, MAX_ID),
	STR(body_ws_create, project_id, 1, MAX_ID),
	STR(body_ws_create, s3_bucket, 1, MAX_ID),
	STR(body_ws_create, tier, 1, MAX_NAME),
	ARRAY(body_ws_create, env, 1, MAX_ENV, schema_config_entry, nenv),
	DOUBLE(body_ws_create, cpus, 1),
	INT(body_ws_create, memory_mb, 1),
	INT(body_ws_create, memory_swap_mb, 1),
	INT(body_ws_create, memory_reservation_mb, 1),
};
static const struct schema schema_ws_create[] = {
	SCHEMA("ws_create", body_ws_create, ws_create_fields)
};

static const struct field ws_ref_fields[] = {
	STR(body_ws_ref, user_id, 1, MAX_ID),
	BOOL(body_ws_ref, admin, 1),
	STR(body_ws_ref, id, 1, MAX_ID),
};
static const struct schema schema_ws_ref[] = {
	SCHEMA("ws_ref", body_ws_ref, ws_ref_fields)
};

static const struct field ws_patch_fields[] = {
	STR(body_ws_patch, user_id, 1, MAX_ID),
	BOOL(body_ws_patch, admin, 1),
	STR(body_ws_patch, id, 1, MAX_ID),
	DOUBLE(body_ws_patch, cpus, 1),
	INT(body_ws_patch, memory_mb, 1),
	INT(body_ws_patch, memory_swap_mb, 1),
	INT(body_ws_patch, memory_reservation_mb, 1),
};
static const struct schema schema_ws_patch[] = {
	SCHEMA("ws_patch", body_ws_patch, ws_patch_fields)
};

static const struct field ws_items_fields[] = {
	ARRAY(body_ws_items, items, 1, MAX_ITEMS, schema_workspace, nitems),
};
static const struct schema schema_ws_items[] = {
	SCHEMA("ws_items", body_ws_items, ws_items_fields)
};

static const struct field ws_health_fields[] = {
	BOOL(body_ws_health, healthy, 1),
	STR(body_ws_health, status, 1, MAX_WORD),
	INT(body_ws_health, failing_streak, 1),
	BOOL(body_ws_health, has_check, 1),
	INT(body_ws_health, exit_code, 1),
	STR(body_ws_health, output, 1, MAX_VALUE),
	STR(body_ws_health, timestamp, 1, MAX_WORD),
};
static const struct schema schema_ws_health[] = {
	SCHEMA("ws_health", body_ws_health, ws_health_fields)
};

static const struct field sample_fields[] = {
	STR(body_sample, source, 1, MAX_WORD),
	DOUBLE(body_sample, cpu_percent, 1),
	INT(body_sample, cpu_usage_ns, 1),
	INT(body_sample, system_usage_ns, 1),
	INT(body_sample, online_cpus, 1),
	INT(body_sample, mem_usage, 1),
	INT(body_sample, mem_limit, 1),
	INT(body_sample, mem_cache, 1),
	INT(body_sample, mem_inactive_file, 1),
	INT(body_sample, net_rx, 1),
	INT(body_sample, net_tx, 1),
	INT(body_sample, blk_read, 1),
	INT(body_sample, blk_write, 1),
	INT(body_sample, pids, 1),
};
static const struct schema schema_sample[] = {
	SCHEMA("sample", body_sample, sample_fields)
};

static const struct field cg_read_fields[] = {
	STR(body_cg_read, container_id, 1, MAX_ID),
	INT(body_cg_read, pid, 1),
};
static const struct schema schema_cg_read[] = {
	SCHEMA("cg_read", body_cg_read, cg_read_fields)
};

static const struct field lifecycle_fields[] = {
	STR(body_lifecycle, workspace_id, 1, MAX_ID),
	STR(body_lifecycle, phase, 1, MAX_WORD),
	INT(body_lifecycle, at_ms, 1),
	STR(body_lifecycle, container_id, 1, MAX_ID),
	STR(body_lifecycle, user_id, 1, MAX_ID),
	STR(body_lifecycle, s3_bucket, 1, MAX_ID),
	STR(body_lifecycle, reason, 1, MAX_WORD),
};
static const struct schema schema_lifecycle[] = {
	SCHEMA("lifecycle", body_lifecycle, lifecycle_fields)
};

static const struct {
	const char		*name;
	const struct schema	*schema;
} msg_types[MSG_TYPE_MAX] = {
	[MSG_NONE] =		{ "none", NULL },
	[MSG_HELLO] =		{ "hello", schema_hello },
	[MSG_CONFIG] =		{ "config", schema_config },
	[MSG_SHUTDOWN] =	{ "shutdown", schema_empty },
	[MSG_OK] =		{ "ok", schema_empty },
	[MSG_ERROR] =		{ "error", schema_error },
	[MSG_STATUS_REQ] =	{ "status_req", schema_empty },
	[MSG_STATUS] =		{ "status", schema_status },
	[MSG_RESTART_REQ] =	{ "restart_req", schema_restart_req },
	[MSG_PING] =		{ "ping", schema_ping },
	[MSG_PONG] =		{ "pong", schema_ping },
	[MSG_FD_PASS] =		{ "fd_pass", schema_fd_pass },
	[MSG_WS_CREATE] =	{ "ws_create", schema_ws_create },
	[MSG_WS_LIST] =		{ "ws_list", schema_ws_ref },
	[MSG_WS_GET] =		{ "ws_get", schema_ws_ref },
	[MSG_WS_DELETE] =	{ "ws_delete", schema_ws_ref },
	[MSG_WS_PATCH] =	{ "ws_patch", schema_ws_patch },
	[MSG_WS_HEALTH] =	{ "ws_health", schema_ws_ref },
	[MSG_WS_STATS] =	{ "ws_stats", schema_ws_ref },
	[MSG_WORKSPACE] =	{ "workspace", schema_workspace },
	[MSG_WS_ITEMS] =	{ "ws_items", schema_ws_items },
	[MSG_WS_HEALTH_INFO] =	{ "ws_health_info", schema_ws_health },
	[MSG_SAMPLE] =		{ "sample", schema_sample },
	[MSG_CG_READ] =		{ "cg_read", schema_cg_read },
	[MSG_LIFECYCLE] =	{ "lifecycle", schema_lifecycle },
};

static const char *const peer_names[PEER_MAX] = {
	[PEER_PARENT] =		"berthd",
	[PEER_GATEWAY] =	"gateway",
	[PEER_SCHEDULER] =	"scheduler",
	[PEER_HEALTHMON] =	"healthmon",
	[PEER_STATSWRITER] =	"statswriter",
	[PEER_LOGSTREAMER] =	"logstreamer",
};

const struct schema *
msg_schema(unsigned type)
{
	if (type >= MSG_TYPE_MAX)
		return NULL;
	return msg_types[type].schema;
}

const char *
msg_type_name(unsigned type)
{
	if (type >= MSG_TYPE_MAX || msg_types[type].schema == NULL)
		return "unknown";
	return msg_types[type].name;
}

const char *
peer_name(unsigned peer)
{
	if (peer >= PEER_MAX)
		return "unknown";
	return peer_names[peer];
}
