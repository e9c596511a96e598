/*
 * The schema tables: for every message type, the fields of its body
 * struct with their wire names, types, limits and whether they must be
 * present.  codec.c encodes and decodes from these tables alone, so a
 * new message type or field is one entry here (or in schema_monitor.c
 * for the monitoring messages) plus its struct in proto.h.
 */
#include "schema_int.h"

static const struct schema schema_empty[] = {
	{ "empty", sizeof(struct body_empty), NULL, 0, 0 }
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
	STR(body_status, containment, 0, MAX_TEXT),
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
	INT(workspace_info, last_activity_ms, 1),
	INT(workspace_info, autostop_ms, 1),
	STR(workspace_info, session_health, 1, MAX_WORD),
	DOUBLE(workspace_info, mem_percent, 1),
};
static const struct schema schema_workspace[] = {
	SCHEMA("workspace", workspace_info, workspace_fields)
};

static const struct field auth_fields[] = {
	AUTH_FIELDS(body_auth),
};
static const struct schema schema_auth[] = {
	SCHEMA_AUTH("auth", body_auth, auth_fields)
};

static const struct field ident_fields[] = {
	STR(body_ident, user, 1, MAX_ID),
	BOOL(body_ident, admin, 1),
	STR(body_ident, tiers, 1, MAX_TEXT),
	STR(body_ident, default_tier, 1, MAX_NAME),
};
static const struct schema schema_ident[] = {
	SCHEMA("ident", body_ident, ident_fields)
};

static const struct field ws_create_fields[] = {
	AUTH_FIELDS(body_ws_create),
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
	SCHEMA_AUTH("ws_create", body_ws_create, ws_create_fields)
};

static const struct field ws_ref_fields[] = {
	AUTH_FIELDS(body_ws_ref),
	STR(body_ws_ref, id, 1, MAX_ID),
};
static const struct schema schema_ws_ref[] = {
	SCHEMA_AUTH("ws_ref", body_ws_ref, ws_ref_fields)
};

static const struct field ws_patch_fields[] = {
	AUTH_FIELDS(body_ws_patch),
	STR(body_ws_patch, id, 1, MAX_ID),
	DOUBLE(body_ws_patch, cpus, 1),
	INT(body_ws_patch, memory_mb, 1),
	INT(body_ws_patch, memory_swap_mb, 1),
	INT(body_ws_patch, memory_reservation_mb, 1),
};
static const struct schema schema_ws_patch[] = {
	SCHEMA_AUTH("ws_patch", body_ws_patch, ws_patch_fields)
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

static const struct field roster_item_fields[] = {
	STR(roster_item, workspace_id, 1, MAX_ID),
	STR(roster_item, container_id, 1, MAX_ID),
	STR(roster_item, user_id, 1, MAX_ID),
	STR(roster_item, status, 1, MAX_WORD),
	STR(roster_item, ip, 1, MAX_WORD),
	INT(roster_item, port, 1),
	INT(roster_item, pid, 1),
	STR(roster_item, probe_path, 1, MAX_KEY),
	INT(roster_item, received_ms, 1),
	STR(roster_item, tier, 1, MAX_NAME),
	INT(roster_item, activity_bytes_min, 1),
	STR(roster_item, heartbeat_path, 1, MAX_KEY),
};
static const struct schema schema_roster_item[] = {
	SCHEMA("roster_item", roster_item, roster_item_fields)
};

static const struct field roster_fields[] = {
	ARRAY(body_roster, items, 1, MAX_ITEMS, schema_roster_item, nitems),
};
static const struct schema schema_roster[] = {
	SCHEMA("roster", body_roster, roster_fields)
};

static const struct field ws_available_fields[] = {
	STR(body_ws_available, workspace_id, 1, MAX_ID),
	INT(body_ws_available, at_ms, 1),
};
static const struct schema schema_ws_available[] = {
	SCHEMA("ws_available", body_ws_available, ws_available_fields)
};

static const struct field db_status_fields[] = {
	STR(body_db_status, state, 1, MAX_WORD),
	STR(body_db_status, error, 1, MAX_TEXT),
	INT(body_db_status, schema_version, 1),
	INT(body_db_status, queue_depth, 1),
	INT(body_db_status, spool_bytes, 1),
	INT(body_db_status, spool_records, 1),
	INT(body_db_status, written, 1),
	INT(body_db_status, dropped, 1),
	INT(body_db_status, samples, 1),
	INT(body_db_status, app_interval_ms, 1),
	INT(body_db_status, system_interval_ms, 1),
	INT(body_db_status, last_sample_ms, 1),
	INT(body_db_status, memory_samples, 1),
	INT(body_db_status, memory_lifecycle, 1),
	DOUBLE(body_db_status, host_cpu_percent, 1),
	DOUBLE(body_db_status, host_memory_percent, 1),
	DOUBLE(body_db_status, host_load1, 1),
	DOUBLE(body_db_status, disk_percent, 1),
};
static const struct schema schema_db_status[] = {
	SCHEMA("db_status", body_db_status, db_status_fields)
};

static const struct field metric_item_fields[] = {
	INT(metric_item, ts_ms, 1),
	STR(metric_item, container_id, 1, MAX_ID),
	STR(metric_item, container_name, 1, MAX_ID),
	STR(metric_item, workspace_id, 1, MAX_ID),
	STR(metric_item, status, 1, MAX_WORD),
	DOUBLE(metric_item, cpu_percent, 1),
	DOUBLE(metric_item, cpu_seconds, 1),
	INT(metric_item, memory_used, 1),
	INT(metric_item, memory_limit, 1),
	INT(metric_item, memory_cache, 1),
	INT(metric_item, network_rx, 1),
	INT(metric_item, network_tx, 1),
	INT(metric_item, block_read, 1),
	INT(metric_item, block_write, 1),
	INT(metric_item, pids, 1),
};
static const struct schema schema_metric_item[] = {
	SCHEMA("metric_item", metric_item, metric_item_fields)
};

static const struct field metrics_fields[] = {
	ARRAY(body_metrics, rows, 1, MAX_ROWS, schema_metric_item, nrows),
	STR(body_metrics, source, 1, MAX_WORD),
};
static const struct schema schema_metrics[] = {
	SCHEMA("metrics", body_metrics, metrics_fields)
};

static const struct field sysmetric_item_fields[] = {
	INT(sysmetric_item, ts_ms, 1),
	STR(sysmetric_item, name, 1, MAX_WORD),
	DOUBLE(sysmetric_item, value, 1),
	STR(sysmetric_item, tags, 1, MAX_KEY),
};
static const struct schema schema_sysmetric_item[] = {
	SCHEMA("sysmetric_item", sysmetric_item, sysmetric_item_fields)
};

static const struct field sysmetrics_fields[] = {
	ARRAY(body_sysmetrics, rows, 1, MAX_ROWS, schema_sysmetric_item,
	    nrows),
};
static const struct schema schema_sysmetrics[] = {
	SCHEMA("sysmetrics", body_sysmetrics, sysmetrics_fields)
};

static const struct field history_req_fields[] = {
	AUTH_FIELDS(body_history_req),
	INT(body_history_req, since_ms, 1),
	STR(body_history_req, container_id, 1, MAX_ID),
	INT(body_history_req, before_ms, 1),
	STR(body_history_req, before_cid, 1, MAX_ID),
	INT(body_history_req, limit, 1),
};
static const struct schema schema_history_req[] = {
	SCHEMA_AUTH("history_req", body_history_req, history_req_fields)
};

static const struct field lifecycle_item_fields[] = {
	STR(lifecycle_item, workspace_id, 1, MAX_ID),
	STR(lifecycle_item, container_id, 1, MAX_ID),
	STR(lifecycle_item, user_id, 1, MAX_ID),
	STR(lifecycle_item, s3_bucket, 1, MAX_ID),
	STR(lifecycle_item, reason, 1, MAX_WORD),
	INT(lifecycle_item, received_ms, 1),
	INT(lifecycle_item, created_ms, 1),
	INT(lifecycle_item, started_ms, 1),
	INT(lifecycle_item, available_ms, 1),
	INT(lifecycle_item, stopped_ms, 1),
	INT(lifecycle_item, startup_ms, 1),
	INT(lifecycle_item, active_ms, 1),
};
static const struct schema schema_lifecycle_item[] = {
	SCHEMA("lifecycle_item", lifecycle_item, lifecycle_item_fields)
};

static const struct field user_item_fields[] = {
	STR(user_item, user_id, 1, MAX_ID),
	INT(user_item, count, 1),
	DOUBLE(user_item, avg_ms, 1),
};
static const struct schema schema_user_item[] = {
	SCHEMA("user_item", user_item, user_item_fields)
};

#define DIST(n)	INT(body_cstats, n##_count, 1), \
	DOUBLE(body_cstats, n##_avg, 1), DOUBLE(body_cstats, n##_p50, 1), \
	DOUBLE(body_cstats, n##_p95, 1)
static const struct field cstats_fields[] = {
	STR(body_cstats, source, 1, MAX_WORD),
	DIST(startup), DIST(create), DIST(start), DIST(ready),
	ARRAY(body_cstats, users, 1, MAX_ITEMS, schema_user_item, nusers),
	INT(body_cstats, failed, 1),
	ARRAY(body_cstats, failed_rows, 1, MAX_RECENT, schema_lifecycle_item,
	    nfailed),
	ARRAY(body_cstats, recent, 1, MAX_RECENT, schema_lifecycle_item,
	    nrecent),
};
static const struct schema schema_cstats[] = {
	SCHEMA("cstats", body_cstats, cstats_fields)
};

static const struct field check_item_fields[] = {
	STR(check_item, name, 1, MAX_NAME + 8),
	STR(check_item, status, 1, MAX_WORD),
	BOOL(check_item, required, 1),
	INT(check_item, response_ms, 1),
	INT(check_item, checked_ms, 1),
	STR(check_item, breaker, 1, MAX_WORD),
	INT(check_item, failures, 1),
	STR(check_item, error, 1, MAX_TEXT),
	STR(check_item, details, 1, MAX_VALUE),
};
static const struct schema schema_check_item[] = {
	SCHEMA("check_item", check_item, check_item_fields)
};

static const struct field health_report_fields[] = {
	INT(body_health_report, round_ms, 1),
	ARRAY(body_health_report, checks, 1, MAX_CHECKS, schema_check_item,
	    nchecks),
};
static const struct schema schema_health_report[] = {
	SCHEMA("health_report", body_health_report, health_report_fields)
};

static const struct field prom_item_fields[] = {
	STR(prom_item, name, 1, MAX_WORD),
	STR(prom_item, k1, 1, MAX_NAME),
	STR(prom_item, v1, 1, MAX_ID),
	STR(prom_item, k2, 1, MAX_NAME),
	STR(prom_item, v2, 1, MAX_ID),
	STR(prom_item, k3, 1, MAX_NAME),
	STR(prom_item, v3, 1, MAX_ID),
	DOUBLE(prom_item, value, 1),
};
static const struct schema schema_prom_item[] = {
	SCHEMA("prom_item", prom_item, prom_item_fields)
};

static const struct field prom_text_fields[] = {
	STR(prom_text, family, 1, MAX_WORD),
	STR(prom_text, lines, 1, PROTO_MAX_STR),
};
static const struct schema schema_prom_text[] = {
	SCHEMA("prom_text", prom_text, prom_text_fields)
};

static const struct field prom_fields[] = {
	ARRAY(body_prom, items, 1, MAX_PROM, schema_prom_item, nitems),
	ARRAY(body_prom, texts, 0, PROTO_PROM_TEXTS,
	    schema_prom_text, ntexts),
	INT(body_prom, gen, 0),
	BOOL(body_prom, same, 0),
	BOOL(body_prom, more, 1),
};
static const struct schema schema_prom[] = {
	SCHEMA("prom", body_prom, prom_fields)
};

static const struct field prom_req_fields[] = {
	INT(body_prom_req, page, 1),
	BOOL(body_prom_req, text, 0),
	BOOL(body_prom_req, users, 0),
	INT(body_prom_req, known, 0),
};
static const struct schema schema_prom_req[] = {
	SCHEMA("prom_req", body_prom_req, prom_req_fields)
};

static const struct field seen_item_fields[] = {
	STR(seen_item, workspace_id, 1, MAX_ID),
	BOOL(seen_item, active, 1),
	DOUBLE(seen_item, mem_percent, 1),
};
static const struct schema schema_seen_item[] = {
	SCHEMA("seen_item", seen_item, seen_item_fields)
};
static const struct field ws_seen_fields[] = {
	ARRAY(body_ws_seen, items, 1, MAX_ITEMS, schema_seen_item, nitems),
};
static const struct schema schema_ws_seen[] = {
	SCHEMA("ws_seen", body_ws_seen, ws_seen_fields)
};

static const struct field ws_activity_fields[] = {
	AUTH_FIELDS(body_ws_activity),
	STR(body_ws_activity, id, 1, MAX_ID),
	STR(body_ws_activity, action, 1, MAX_WORD),
	INT(body_ws_activity, minutes, 1),
	INT(body_ws_activity, until_ms, 1),
};
static const struct schema schema_ws_activity[] = {
	SCHEMA_AUTH("ws_activity", body_ws_activity, ws_activity_fields)
};

static const struct field ws_stop_fields[] = {
	STR(body_ws_stop, id, 1, MAX_ID),
	STR(body_ws_stop, reason, 1, MAX_WORD),
};
static const struct schema schema_ws_stop[] = {
	SCHEMA("ws_stop", body_ws_stop, ws_stop_fields)
};

static const struct field container_item_fields[] = {
	STR(container_item, id, 1, MAX_ID),
	STR(container_item, name, 1, MAX_KEY),
	STR(container_item, state, 1, MAX_WORD),
	INT(container_item, created_ms, 1),
	STR(container_item, workspace_id, 1, MAX_ID),
	STR(container_item, user_id, 1, MAX_ID),
	STR(container_item, project_id, 1, MAX_ID),
	BOOL(container_item, known, 1),
};
static const struct schema schema_container_item[] = {
	SCHEMA("container_item", container_item, container_item_fields)
};

static const struct field containers_fields[] = {
	ARRAY(body_containers, items, 1, MAX_ITEMS, schema_container_item,
	    nitems),
};
static const struct schema schema_containers[] = {
	SCHEMA("containers", body_containers, containers_fields)
};

static const struct field volume_item_fields[] = {
	STR(volume_item, name, 1, MAX_KEY),
	STR(volume_item, project_id, 1, MAX_ID),
	STR(volume_item, owner, 1, MAX_ID),
	STR(volume_item, created, 1, MAX_WORD),
	INT(volume_item, in_use, 1),
	INT(volume_item, deleted_ms, 1),
};
static const struct schema schema_volume_item[] = {
	SCHEMA("volume_item", volume_item, volume_item_fields)
};

static const struct field volumes_fields[] = {
	ARRAY(body_volumes, items, 1, MAX_ITEMS, schema_volume_item, nitems),
};
static const struct schema schema_volumes[] = {
	SCHEMA("volumes", body_volumes, volumes_fields)
};

static const struct field project_item_fields[] = {
	STR(project_item, project_id, 1, MAX_ID),
	STR(project_item, owner, 1, MAX_ID),
	STR(project_item, volume, 1, MAX_KEY),
	INT(project_item, created_ms, 1),
	INT(project_item, deleted_ms, 1),
};
static const struct schema schema_project_item[] = {
	SCHEMA("project_item", project_item, project_item_fields)
};

static const struct field projects_fields[] = {
	ARRAY(body_projects, items, 1, MAX_ITEMS, schema_project_item,
	    nitems),
};
static const struct schema schema_projects[] = {
	SCHEMA("projects", body_projects, projects_fields)
};


static const struct field project_owner_fields[] = {
	AUTH_FIELDS(body_project_owner),
	STR(body_project_owner, project_id, 1, MAX_ID),
	STR(body_project_owner, user_id, 1, MAX_ID),
};
static const struct schema schema_project_owner[] = {
	SCHEMA_AUTH("project_owner", body_project_owner,
	    project_owner_fields)
};

static const struct field db_prepared_fields[] = {
	STR(body_db_prepared, hostaddr, 1, MAX_TEXT),
	STR(body_db_prepared, password, 1, MAX_VALUE),
	STR(body_db_prepared, error, 1, MAX_TEXT),
};
static const struct schema schema_db_prepared[] = {
	SCHEMA("db_prepared", body_db_prepared, db_prepared_fields)
};

static const struct field db_info_fields[] = {
	STR(body_db_info, conninfo, 1, MAX_VALUE),
	STR(body_db_info, password, 1, MAX_VALUE),
	STR(body_db_info, osuser, 1, MAX_WORD),
};
static const struct schema schema_db_info[] = {
	SCHEMA("db_info", body_db_info, db_info_fields)
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
	[MSG_ROSTER] =		{ "roster", schema_roster },
	[MSG_WS_AVAILABLE] =	{ "ws_available", schema_ws_available },
	[MSG_DB_STATUS_REQ] =	{ "db_status_req", schema_empty },
	[MSG_DB_STATUS] =	{ "db_status", schema_db_status },
	[MSG_HISTORY_REQ] =	{ "history_req", schema_history_req },
	[MSG_HISTORY] =		{ "history", schema_metrics },
	[MSG_CSTATS_REQ] =	{ "cstats_req", schema_auth },
	[MSG_CSTATS] =		{ "cstats", schema_cstats },
	[MSG_METRICS] =		{ "metrics", schema_metrics },
	[MSG_SYSMETRICS] =	{ "sysmetrics", schema_sysmetrics },
	[MSG_HEALTH_REQ] =	{ "health_req", schema_empty },
	[MSG_HEALTH_REPORT] =	{ "health_report", schema_health_report },
	[MSG_PROM_REQ] =	{ "prom_req", schema_prom_req },
	[MSG_PROM] =		{ "prom", schema_prom },
	[MSG_AUTH_REQ] =	{ "auth_req", schema_auth },
	[MSG_IDENT] =		{ "ident", schema_ident },
	[MSG_WS_STOP] =		{ "ws_stop", schema_ws_stop },
	[MSG_WS_ACTIVITY] =	{ "ws_activity", schema_ws_activity },
	[MSG_WS_SEEN] =		{ "ws_seen", schema_ws_seen },
	[MSG_EVENTS_REQ] =	{ "events_req", schema_events_req },
	[MSG_EVENTS] =		{ "events", schema_events },
	[MSG_EVENT_REC] =	{ "event_rec", schema_event_item },
	[MSG_MONITOR_RUN] =	{ "monitor_run", schema_monitor_run },
	[MSG_MONITOR_DONE] =	{ "monitor_done", schema_monitor_done },
	[MSG_MPOINTS_REQ] =	{ "mpoints_req", schema_mpoints_req },
	[MSG_MPOINTS] =		{ "mpoints", schema_sysmetrics },
	[MSG_MPOINT_REC] =	{ "mpoint_rec", schema_sysmetrics },
	[MSG_ALERTS_REQ] =	{ "alerts_req", schema_alerts_req },
	[MSG_ALERTS] =		{ "alerts", schema_alerts },
	[MSG_ALERT_RESOLVE] =	{ "alert_resolve", schema_alert_resolve },
	[MSG_ALERT_REC] =	{ "alert_rec", schema_alerts },
	[MSG_CONTAINERS_REQ] =	{ "containers_req", schema_empty },
	[MSG_CONTAINERS] =	{ "containers", schema_containers },
	[MSG_VOLUMES_REQ] =	{ "volumes_req", schema_empty },
	[MSG_VOLUMES] =		{ "volumes", schema_volumes },
	[MSG_PROJECTS_REQ] =	{ "projects_req", schema_auth },
	[MSG_PROJECTS] =	{ "projects", schema_projects },
	[MSG_PROJECT_OWNER] =	{ "project_owner", schema_project_owner },
	[MSG_PROJECT_REC] =	{ "project_rec", schema_projects },
	[MSG_DB_PREPARE] =	{ "db_prepare", schema_empty },
	[MSG_DB_PREPARED] =	{ "db_prepared", schema_db_prepared },
	[MSG_DB_INFO_REQ] =	{ "db_info_req", schema_empty },
	[MSG_DB_INFO] =		{ "db_info", schema_db_info },
	[MSG_JOB_STATE] =	{ "job_state", schema_job_state },
	[MSG_CLOCK_REQ] =	{ "clock_req", schema_clock_req },
	[MSG_JOBS_REQ] =	{ "jobs_req", schema_job_req },
	[MSG_JOBS] =		{ "jobs", schema_jobs },
	[MSG_JOB_RUN_REQ] =	{ "job_run_req", schema_job_req },
	[MSG_CLEANUP_REQ] =	{ "cleanup_req", schema_auth },
	[MSG_CLEANUP] =		{ "cleanup", schema_cleanup },
	[MSG_CONTAINER_RM] =	{ "container_rm", schema_container_rm },
	[MSG_WS_ALL] =		{ "ws_all", schema_empty },
	[MSG_JOB_RUN] =		{ "job_run", schema_job_run },
	[MSG_PROJECT_DELETE] =	{ "project_delete", schema_ws_ref },
	[MSG_VOLUME_RM] =	{ "volume_rm", schema_volume_rm },
	[MSG_RETENTION_REQ] =	{ "retention_req", schema_empty },
	[MSG_RETENTION] =	{ "retention", schema_retention },
	[MSG_WS_SETTLE] =	{ "ws_settle", schema_ws_stop },
	[MSG_LOGS_REQ] =	{ "logs_req", schema_logs_req },
	[MSG_LOGS_NEXT] =	{ "logs_next", schema_logs_next },
	[MSG_LOGS_CLOSE] =	{ "logs_close", schema_logs_next },
	[MSG_LOG_CHUNK] =	{ "log_chunk", schema_log_chunk },
	[MSG_LOGS_ATTACH] =	{ "logs_attach", schema_logs_attach },
	[MSG_SSE_CLIENT] =	{ "sse_client", schema_sse_client },
	[MSG_LOGS_FOLLOW] =	{ "logs_follow", schema_logs_follow },
	[MSG_LOGS_TICKET] =	{ "logs_ticket", schema_ws_ref },
	[MSG_TICKET] =		{ "ticket", schema_ticket },
	[MSG_LOGS_ATTACH_TICKET] = { "logs_attach_ticket",
				    schema_logs_attach_ticket },
	[MSG_LOGS_STATE] =	{ "logs_state", schema_logs_state },
	[MSG_VOL_BACKUP] =	{ "vol_backup", schema_vol_req },
	[MSG_VOL_BACKUPS_REQ] =	{ "vol_backups_req", schema_vol_req },
	[MSG_VOL_BACKUPS] =	{ "vol_backups", schema_vol_backups },
	[MSG_VOL_SIZE_REQ] =	{ "vol_size_req", schema_vol_req },
	[MSG_VOL_SIZE] =	{ "vol_size", schema_vol_size },
	[MSG_VOL_RESTORE] =	{ "vol_restore", schema_vol_req },
	[MSG_VOL_REC] =		{ "vol_rec", schema_vol_backups },
	[MSG_NOTIFY_SEND] =	{ "notify_send", schema_notify_send },
	[MSG_NOTIFY_DONE] =	{ "notify_done", schema_notify_done },
	[MSG_NOTIFY_REQ] =	{ "notify_req", schema_notify_req },
	[MSG_NOTIFIES] =	{ "notifies", schema_notifies },
	[MSG_SILENCE_ADD] =	{ "silence_add", schema_silence_add },
	[MSG_SILENCES_REQ] =	{ "silences_req", schema_silence_ref },
	[MSG_SILENCE_EXPIRE] =	{ "silence_expire", schema_silence_ref },
	[MSG_SILENCES] =	{ "silences", schema_silences },
	[MSG_WS_METRICS_REQ] =	{ "ws_metrics_req", schema_ws_metrics_req },
	[MSG_BREAKER] =		{ "breaker", schema_breaker },
	[MSG_JOB_DONE] =	{ "job_done", schema_job_run },
	[MSG_VOL_CLONE] =	{ "vol_clone", schema_vol_req },
	[MSG_VOL_CLONE_REQ] =	{ "vol_clone_req", schema_vol_req },
	[MSG_VOL_CLONES] =	{ "vol_clones", schema_vol_clones },
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

struct req_auth *
msg_auth(const struct msg *m)
{
	const struct schema *s = msg_schema(m->type);

	if (s == NULL || !s->auth || m->body == NULL)
		return NULL;
	return m->body;
}

_Static_assert(offsetof(struct body_auth, auth) == 0, "auth first");
_Static_assert(offsetof(struct body_ws_create, auth) == 0, "auth first");
_Static_assert(offsetof(struct body_ws_ref, auth) == 0, "auth first");
_Static_assert(offsetof(struct body_ws_patch, auth) == 0, "auth first");
_Static_assert(offsetof(struct body_ws_activity, auth) == 0, "auth first");
_Static_assert(offsetof(struct body_events_req, auth) == 0, "auth first");
_Static_assert(offsetof(struct body_history_req, auth) == 0, "auth first");
_Static_assert(offsetof(struct body_job_req, auth) == 0, "auth first");
_Static_assert(offsetof(struct body_logs_req, auth) == 0, "auth first");
_Static_assert(offsetof(struct body_logs_attach, auth) == 0, "auth first");
_Static_assert(offsetof(struct body_vol_req, auth) == 0, "auth first");
_Static_assert(offsetof(struct body_project_owner, auth) == 0,
    "auth first");
