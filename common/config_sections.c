/*
 * The named sections of the configuration: [type.NAME] (a workspace
 * type), [tier.NAME] and [token.NAME] (a bearer token of the HTTP API).
 *
 * Each kind has a key table like the static one in config.c, with
 * offsets into its own struct; the values go through the same
 * config_value_set().  A key is "type.NAME.key" to config_set() and
 * config_foreach(), "[type.NAME] key" in a file and
 * BERTH_TYPE_<NAME>_<KEY> in the environment.  Setting a key of a
 * section that does not exist creates it with the kind's defaults;
 * sections are never removed (a type is turned off with enabled =
 * false), so a section's index in its array is stable.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_int.h"
#include "log.h"
#include "xmalloc.h"

#define BAD_NAME	"bad name; expected 1 to 32 of [a-z0-9-], first a letter"

#define T(type, f, env, def, min, max, help)				\
	{ "type", #f, "BERTH_TYPE_<NAME>_" env, type,			\
	    offsetof(struct ws_type, f), def, min, max, 0, 1, help }
#define TIER(type, f, env, def, min, max, help)				\
	{ "tier", #f, "BERTH_TIER_<NAME>_" env, type,			\
	    offsetof(struct tier, f), def, min, max, 0, 1, help }
#define JOB(type, f, env, def, min, max, help)				\
	{ "job", #f, "BERTH_JOB_<NAME>_" env, type,			\
	    offsetof(struct job_cfg, f), def, min, max, 0, 1, help }
#define ALERT(type, f, env, def, min, max, help)			\
	{ "alert", #f, "BERTH_ALERT_<NAME>_" env, type,			\
	    offsetof(struct alert_cfg, f), def, min, max, 0, 1, help }
#define NOTIFY(type, f, env, def, secret, help)			\
	{ "notify", #f, "BERTH_NOTIFY_<NAME>_" env, type,		\
	    offsetof(struct notify_cfg, f), def, 0, 0, secret, 1, help }
#define TOKEN(f, env, def, help)					\
	{ "token", #f, "BERTH_TOKEN_<NAME>_" env, CT_STRING,		\
	    offsetof(struct api_token, f), def, 0, 0, 1, 1, help }
#define MB_MAX	1048576

static const struct config_key type_keys[] = {
	T(CT_BOOL, enabled, "ENABLED", "true", 0, 0,
	    "offer this type; false hides it"),
	T(CT_STRING, image, "IMAGE", "codercom/code-server:latest", 0, 0,
	    "Docker image a workspace of this type runs"),
	T(CT_STRING, command, "COMMAND", NULL, 0, 0,
	    "command run by /bin/sh -c; empty runs the image's own"),
	T(CT_INT, port, "PORT", "8080", 1, 65535,
	    "port of the workspace endpoint in the container"),
	T(CT_STRING, env, "ENV", NULL, 0, 0,
	    "environment of every workspace, K=V;K2=V2"),
	T(CT_DOUBLE, cpus, "CPUS", "1", 0, 256,
	    "CPUs of a workspace, 0.01 to 256"),
	T(CT_INT, memory_mb, "MEMORY_MB", "1024", 6, MB_MAX,
	    "memory limit of a workspace, in MB"),
	T(CT_INT, memory_swap_mb, "MEMORY_SWAP_MB", "0", -1, MB_MAX,
	    "memory plus swap, in MB; -1 unlimited, 0 same as memory_mb"),
	T(CT_INT, memory_reservation_mb, "MEMORY_RESERVATION_MB", "0", 0,
	    MB_MAX, "soft memory limit, in MB; 0 none"),
	T(CT_DOUBLE, max_cpus, "MAX_CPUS", "0", 0, 256,
	    "most CPUs a workspace may ask for; 0 means cpus"),
	T(CT_INT, max_memory_mb, "MAX_MEMORY_MB", "0", 0, MB_MAX,
	    "most memory a workspace may ask for, in MB; 0 means memory_mb"),
	T(CT_INT, max_memory_swap_mb, "MAX_MEMORY_SWAP_MB", "0", 0, 2 * MB_MAX,
	    "most memory plus swap a workspace may ask for, in MB; 0 means "
	    "twice max_memory_mb"),
	T(CT_BOOL, allow_unlimited_swap, "ALLOW_UNLIMITED_SWAP", "false", 0, 0,
	    "whether memory_swap_mb and requests may be -1 (unlimited swap)"),
	T(CT_STRING, health_cmd, "HEALTH_CMD",
	    "curl -f http://localhost:{port}/healthz || exit 1", 0, 0,
	    "Docker health check, run by /bin/sh -c; {port} is replaced"),
	T(CT_INT, health_interval_s, "HEALTH_INTERVAL_S", "30", 1, 3600,
	    "time between health checks, in seconds"),
	T(CT_INT, health_timeout_s, "HEALTH_TIMEOUT_S", "10", 1, 3600,
	    "time one health check may take, in seconds"),
	T(CT_INT, health_retries, "HEALTH_RETRIES", "3", 1, 100,
	    "failed checks in a row that make a workspace unhealthy"),
	T(CT_INT, health_start_period_s, "HEALTH_START_PERIOD_S", "60", 0,
	    3600, "time after start when failed checks do not count"),
	T(CT_STRING, volume_path, "VOLUME_PATH", "/home/coder/project", 0, 0,
	    "where the project volume is mounted (absolute path)"),
	T(CT_STRING, probe_path, "PROBE_PATH", "/healthz", 0, 0,
	    "path berth requests to time a workspace's start (2xx/3xx: up)"),
	T(CT_STRING, tiers, "TIERS", "free,basic,pro", 0, 0,
	    "tiers whose users may run this type, comma separated"),
	T(CT_INT, pids_limit, "PIDS_LIMIT", "512", 16, 4194304,
	    "most processes and threads in a workspace (PidsLimit)"),
	T(CT_STRING, cap_add, "CAP_ADD", CONFIG_CAP_ADD_DEFAULT, 0, 0,
	    "capabilities kept, comma separated; every other one is dropped"),
	T(CT_INT, ulimit_nofile, "ULIMIT_NOFILE", "4096", 64, 1048576,
	    "open files per process in a workspace (RLIMIT_NOFILE)"),
	T(CT_INT, ulimit_nproc, "ULIMIT_NPROC", "1024", 16, 4194304,
	    "processes per user id in a workspace (RLIMIT_NPROC)"),
	T(CT_BOOL, read_only_rootfs, "READ_ONLY_ROOTFS", "false", 0, 0,
	    "read-only root file system, with a tmpfs /tmp"),
	T(CT_INT, log_max_size_mb, "LOG_MAX_SIZE_MB", "10", 1, 1024,
	    "size of one log file of a workspace, in MB"),
	T(CT_INT, log_max_files, "LOG_MAX_FILES", "3", 1, 100,
	    "log files kept of a workspace"),
	T(CT_STRING, network, "NETWORK", "isolated", 0, 0,
	    "isolated, shared or none"),
	T(CT_INT, idle_timeout_min, "IDLE_TIMEOUT_MIN", "0", 0, 525600,
	    "minutes without activity before a workspace stops; 0 never"),
	T(CT_INT, idle_warning_min, "IDLE_WARNING_MIN", "5", 0, 1440,
	    "minutes before an idle stop when the warning is given"),
	T(CT_INT, activity_bytes_min, "ACTIVITY_BYTES_MIN", "65536", 0,
	    1073741824, "network bytes a minute (in and out) that count as "
	    "activity; 0 traffic never does"),
	T(CT_STRING, heartbeat_path, "HEARTBEAT_PATH", "", 0, 0,
	    "path answering {\"lastHeartbeat\": ms} (code-server: /healthz) "
	    "that healthmon polls; empty none"),
};

static const struct config_key tier_keys[] = {
	TIER(CT_INT, max_session_min, "MAX_SESSION_MIN", "0", 0, 525600,
	    "longest session of a workspace, in minutes; 0 unlimited"),
	TIER(CT_DOUBLE, price_cpu_second, "PRICE_CPU_SECOND", "0", 0, 1000,
	    "cost of one CPU-second of a workspace (any currency unit)"),
	TIER(CT_DOUBLE, price_gb_hour, "PRICE_GB_HOUR", "0", 0, 1000000,
	    "cost of one GB of workspace memory for an hour"),
	TIER(CT_INT, max_workspaces_per_user, "MAX_WORKSPACES_PER_USER", "0",
	    0, 10000, "workspaces one user of this tier may run at once; "
	    "0 unlimited"),
};

static const struct config_key token_keys[] = {
	TOKEN(token, "TOKEN", NULL,
	    "the bearer token, 16 characters or more, no blanks"),
	TOKEN(user, "USER", NULL,
	    "user id the token acts as, 1 to 64 of [A-Za-z0-9._@-]"),
	TOKEN(role, "ROLE", "user",
	    "admin or user"),
	TOKEN(tiers, "TIERS", NULL,
	    "tiers a user token may use, comma separated; empty every tier"),
	TOKEN(default_tier, "DEFAULT_TIER", NULL,
	    "tier of a workspace started without one; empty: free if "
	    "allowed, else the first allowed"),
};

static const struct config_key job_keys[] = {
	JOB(CT_BOOL, enabled, "ENABLED", "true", 0, 0,
	    "run this job on its schedule; false: only when asked"),
	JOB(CT_STRING, schedule, "SCHEDULE", "0 * * * *", 0, 0,
	    "5-field cron expression or @hourly, @daily, @weekly, @monthly, "
	    "@yearly"),
	JOB(CT_STRING, timezone, "TIMEZONE", NULL, 0, 0,
	    "time zone of the schedule (e.g. Europe/Berlin); empty UTC"),
	JOB(CT_INT, jitter_s, "JITTER_S", "0", 0, 3600,
	    "stable delay in [0, jitter_s) seconds hashed from the job name"),
	JOB(CT_INT, timeout_s, "TIMEOUT_S", "300", 1, 86400,
	    "a run taking longer fails with a timeout, in seconds"),
	JOB(CT_INT, age_min, "AGE_MIN", "30", 0, 525600,
	    "orphaned-machines, inactive-containers: age that counts, in "
	    "minutes"),
	JOB(CT_INT, grace_min, "GRACE_MIN", "1440", 0, 525600,
	    "orphaned-volumes: time after its project is deleted, in minutes"),
};

static const struct config_key alert_keys[] = {
	ALERT(CT_BOOL, enabled, "ENABLED", "true", 0, 0,
	    "evaluate this rule"),
	ALERT(CT_STRING, metric, "METRIC", "active_sessions", 0, 0,
	    "what it watches: a seed 001 metric or workspace_memory_percent, "
	    "workspace_oom, workspace_unhealthy (per workspace)"),
	ALERT(CT_STRING, op, "OP", ">=", 0, 0, ">=, >, <= or <"),
	ALERT(CT_DOUBLE, threshold, "THRESHOLD", "1", -1e15, 1e15,
	    "the value that makes it pending, then firing"),
	ALERT(CT_STRING, resolve, "RESOLVE", NULL, 0, 0,
	    "the value back past which it resolves; empty: the threshold"),
	ALERT(CT_INT, for_s, "FOR_S", "0", 0, 86400,
	    "how long the condition holds before it fires, in seconds"),
	ALERT(CT_STRING, severity, "SEVERITY", "warning", 0, 0,
	    "info, warning, error or critical"),
};

static const struct config_key notify_keys[] = {
	NOTIFY(CT_BOOL, enabled, "ENABLED", "true", 0,
	    "send to this receiver"),
	NOTIFY(CT_STRING, url, "URL", NULL, 0,
	    "where alerts are posted: http:// or https://, a host name or "
	    "a numeric address"),
	NOTIFY(CT_STRING, severity, "SEVERITY", "warning", 0,
	    "the least severity sent: info, warning, error or critical"),
	NOTIFY(CT_STRING, format, "FORMAT", "berth", 0,
	    "payload: berth (seed 001's) or alertmanager (webhook v4)"),
	NOTIFY(CT_STRING, secret, "SECRET", NULL, 1,
	    "signs each delivery (Standard Webhooks; whsec_<base64> or raw "
	    "bytes); empty: unsigned"),
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define CFG(f)		offsetof(struct berth_config, f)

/* One kind of named section and where its array is in the config. */
struct kind {
	const char		*section;
	const char		*env;		/* variable prefix */
	const struct config_key	*keys;
	size_t			 nkeys;
	size_t			 size;		/* of one section's struct */
	size_t			 array;		/* offset in berth_config */
	size_t			 count;		/* offset of its count */
	size_t			 max;
	const char		*plural;
};

static const struct kind kinds[] = {
	{ "type", "BERTH_TYPE_", type_keys, NELEM(type_keys),
	    sizeof(struct ws_type), CFG(types), CFG(ntypes),
	    CONFIG_MAX_TYPES, "types" },
	{ "tier", "BERTH_TIER_", tier_keys, NELEM(tier_keys),
	    sizeof(struct tier), CFG(tiers), CFG(ntiers),
	    CONFIG_MAX_TIERS, "tiers" },
	{ "token", "BERTH_TOKEN_", token_keys, NELEM(token_keys),
	    sizeof(struct api_token), CFG(tokens), CFG(ntokens),
	    CONFIG_MAX_TOKENS, "tokens" },
	{ "job", "BERTH_JOB_", job_keys, NELEM(job_keys),
	    sizeof(struct job_cfg), CFG(jobs), CFG(njobs),
	    CONFIG_MAX_JOBS, "jobs" },
	{ "alert", "BERTH_ALERT_", alert_keys, NELEM(alert_keys),
	    sizeof(struct alert_cfg), CFG(alerts), CFG(nalerts),
	    CONFIG_MAX_ALERTS, "alerts" },
	{ "notify", "BERTH_NOTIFY_", notify_keys, NELEM(notify_keys),
	    sizeof(struct notify_cfg), CFG(notify), CFG(nnotify),
	    CONFIG_MAX_NOTIFY, "receivers" },
};
#define NKINDS	NELEM(kinds)

/* Each section's name is its struct's first field. */
_Static_assert(offsetof(struct ws_type, name) == 0, "name first");
_Static_assert(offsetof(struct tier, name) == 0, "name first");
_Static_assert(offsetof(struct api_token, name) == 0, "name first");
_Static_assert(offsetof(struct job_cfg, name) == 0, "name first");
_Static_assert(offsetof(struct alert_cfg, name) == 0, "name first");
_Static_assert(offsetof(struct notify_cfg, name) == 0, "name first");

/* The built-in sections (seed 003), set as if by config_set(). */
static const char *const builtins[][2] = {
	{ "type.vscode.cpus",				"2" },
	{ "type.vscode.memory_mb",			"2048" },
	{ "type.vscode.memory_reservation_mb",		"512" },
	{ "type.vscode.max_cpus",			"4" },
	{ "type.vscode.max_memory_mb",			"8192" },
	{ "type.vscode.heartbeat_path",			"/healthz" },
	{ "type.spreadsheet.cpus",			"1.5" },
	{ "type.spreadsheet.memory_mb",			"1536" },
	{ "type.spreadsheet.memory_reservation_mb",	"384" },
	{ "type.spreadsheet.max_cpus",			"3" },
	{ "type.spreadsheet.max_memory_mb",		"6144" },
	{ "tier.free.max_session_min",			"60" },
	{ "tier.basic.max_session_min",			"480" },
	{ "tier.pro.max_session_min",			"1440" },
	{ "tier.free.max_workspaces_per_user",		"2" },
	{ "tier.basic.max_workspaces_per_user",		"5" },
	{ "tier.pro.max_workspaces_per_user",		"10" },
	/* the scheduler's jobs (issue 13, seeds 001 and 003) */
	{ "job.expired-sessions.schedule",		"*/15 * * * *" },
	{ "job.monitoring.schedule",			"*/5 * * * *" },
	{ "job.orphaned-machines.schedule",		"0 * * * *" },
	{ "job.session-timeouts.schedule",		"*/10 * * * *" },
	{ "job.metrics.schedule",			"* * * * *" },
	{ "job.inactive-containers.schedule",		"0 * * * *" },
	{ "job.inactive-containers.age_min",		"1440" },
	{ "job.orphaned-containers.schedule",		"0 */6 * * *" },
	{ "job.orphaned-volumes.schedule",		"0 2 * * *" },
	{ "job.error-workspaces.schedule",		"*/30 * * * *" },
	{ "job.retention.schedule",			"0 * * * *" },
	/* alert rules: seed 001's thresholds, and per workspace */
	{ "alert.critical-sessions.metric",		"critical_sessions" },
	{ "alert.critical-sessions.threshold",		"5" },
	{ "alert.critical-sessions.severity",		"error" },
	{ "alert.active-sessions.metric",		"active_sessions" },
	{ "alert.active-sessions.threshold",		"50" },
	{ "alert.active-sessions.resolve",		"45" },
	{ "alert.memory-usage.metric",			"memory_usage_percent" },
	{ "alert.memory-usage.threshold",		"90" },
	{ "alert.memory-usage.resolve",			"85" },
	{ "alert.memory-usage.severity",		"critical" },
	{ "alert.memory-usage.for_s",			"120" },
	{ "alert.cpu-usage.metric",			"cpu_usage_percent" },
	{ "alert.cpu-usage.threshold",			"85" },
	{ "alert.cpu-usage.resolve",			"80" },
	{ "alert.cpu-usage.for_s",			"300" },
	{ "alert.workspace-memory.metric",		"workspace_memory_percent" },
	{ "alert.workspace-memory.threshold",		"90" },
	{ "alert.workspace-memory.resolve",		"85" },
	{ "alert.workspace-memory.for_s",		"120" },
	{ "alert.workspace-oom.metric",			"workspace_oom" },
	{ "alert.workspace-oom.severity",		"error" },
	{ "alert.workspace-unhealthy.metric",		"workspace_unhealthy" },
	{ "alert.workspace-unhealthy.for_s",		"300" },
	{ "alert.workspace-unhealthy.severity",		"error" },
};

static const char *const alert_metrics[] = {
	"active_sessions", "healthy_sessions", "warning_sessions",
	"critical_sessions", "total_alerts", "critical_alerts",
	"orphaned_machines_cleaned", "cpu_usage_percent",
	"memory_usage_percent", "workspace_memory_percent", "workspace_oom",
	"workspace_unhealthy", NULL
};

const char *const *
config_alert_metrics(void)
{
	return alert_metrics;
}

static const char *const job_names[] = {
	"expired-sessions", "monitoring", "orphaned-machines",
	"session-timeouts", "metrics", "inactive-containers",
	"orphaned-containers", "orphaned-volumes", "error-workspaces",
	"retention", NULL
};

const char *const *
config_job_names(void)
{
	return job_names;
}

/* ------------------------------------------------------------ sections */

static const struct kind *
find_kind(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < NKINDS; i++) {
		if (strlen(kinds[i].section) == len &&
		    strncmp(kinds[i].section, s, len) == 0)
			return &kinds[i];
	}
	return NULL;
}

static const struct config_key *
find_kkey(const struct kind *kd, const char *name)
{
	size_t	i;

	for (i = 0; i < kd->nkeys; i++) {
		if (strcmp(kd->keys[i].name, name) == 0)
			return &kd->keys[i];
	}
	return NULL;
}

static size_t *
count_of(const struct kind *kd, const struct berth_config *cfg)
{
	return (size_t *)(void *)((char *)cfg + kd->count);
}

static void *
section_at(const struct kind *kd, const struct berth_config *cfg,
    size_t i)
{
	return (char *)cfg + kd->array + i * kd->size;
}

static const char *
name_of(const void *base)
{
	return *(char *const *)base;
}

int
config_valid_name(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > CONFIG_NAME_MAX || !islower((unsigned char)*s))
		return 0;
	for (i = 0; i < len; i++) {
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && s[i] != '-')
			return 0;
	}
	return 1;
}

static long
find_section(const struct kind *kd, const struct berth_config *cfg,
    const char *name, size_t len)
{
	const char	*n;
	size_t		 i;

	for (i = 0; i < *count_of(kd, cfg); i++) {
		n = name_of(section_at(kd, cfg, i));
		if (strlen(n) == len && strncmp(n, name, len) == 0)
			return (long)i;
	}
	return -1;
}

/* A new section with the kind's defaults, or NULL when full. */
static void *
add_section(const struct kind *kd, struct berth_config *cfg,
    const char *name, size_t len, char *err, size_t errlen)
{
	size_t	*n = count_of(kd, cfg);
	void	*base;

	if (*n >= kd->max) {
		snprintf(err, errlen, "too many %s (at most %zu)", kd->plural,
		    kd->max);
		return NULL;
	}
	base = section_at(kd, cfg, (*n)++);
	memset(base, 0, kd->size);
	*(char **)base = xstrndup(name, len);
	config_value_defaults(base, kd->keys, kd->nkeys);
	return base;
}

static void
free_section(const struct kind *kd, void *base)
{
	config_value_free(base, kd->keys, kd->nkeys);
	free(*(char **)base);
	memset(base, 0, kd->size);
}

/* Each key of a section has its own id, for "set twice" checks. */
static size_t
id_base(const struct kind *kd)
{
	size_t	i, id = 0;

	for (i = 0; &kinds[i] != kd; i++)
		id += kinds[i].max * kinds[i].nkeys;
	return id;
}

int
config_next_item(const char **p, const char **item, size_t *len)
{
	if (**p == '\0')
		return 0;
	*item = *p;
	*len = strcspn(*p, ",");
	*p += *len + ((*p)[*len] == ',');
	return 1;
}

/* ------------------------------------------------------------ access */

/*
 * A file's "[kind.NAME]" header: 0 when the section exists or has been
 * created, -1 with err for a bad name or too many, 1 when kind is not a
 * named kind.
 */
int
config_named_header(struct berth_config *cfg, const char *section,
    size_t len, char *err, size_t errlen)
{
	const struct kind	*kd;
	const char		*dot, *name;
	size_t			 nlen;

	dot = memchr(section, '.', len);
	if ((kd = find_kind(section, dot != NULL ? (size_t)(dot - section) :
	    len)) == NULL)
		return 1;
	name = dot != NULL ? dot + 1 : section + len;
	nlen = (size_t)(section + len - name);
	if (!config_valid_name(name, nlen)) {
		snprintf(err, errlen, BAD_NAME);
		return -1;
	}
	if (find_section(kd, cfg, name, nlen) != -1)
		return 0;
	return add_section(kd, cfg, name, nlen, err, errlen) != NULL ? 0 : -1;
}

/*
 * Key name of the existing section "kind.NAME": its base and table
 * entry, and an id below config_named_nids().  -1 if there is no such
 * section, -2 (and *k NULL) if there is no such key.
 */
long
config_named_key(struct berth_config *cfg, const char *section,
    const char *name, void **base, const struct config_key **k)
{
	const struct kind	*kd;
	const char		*dot;
	long			 i;

	if ((dot = strchr(section, '.')) == NULL ||
	    (kd = find_kind(section, (size_t)(dot - section))) == NULL ||
	    (i = find_section(kd, cfg, dot + 1, strlen(dot + 1))) == -1)
		return -1;
	*base = section_at(kd, cfg, (size_t)i);
	if ((*k = find_kkey(kd, name)) == NULL)
		return -2;
	return (long)(id_base(kd) + (size_t)i * kd->nkeys +
	    (size_t)(*k - kd->keys));
}

size_t
config_named_nids(void)
{
	return id_base(&kinds[NKINDS - 1]) +
	    kinds[NKINDS - 1].max * kinds[NKINDS - 1].nkeys;
}

/* "kind.NAME.key": creates the section if needed, not on a bad value. */
int
config_named_set(struct berth_config *cfg, const char *key,
    const char *value, char *err, size_t errlen)
{
	const struct kind	*kd;
	const struct config_key	*k;
	const char		*name, *dot;
	void			*base;
	size_t			 nlen;
	long			 i;

	if ((dot = strchr(key, '.')) == NULL ||
	    (kd = find_kind(key, (size_t)(dot - key))) == NULL ||
	    (dot = strchr(name = dot + 1, '.')) == NULL ||
	    (k = find_kkey(kd, dot + 1)) == NULL) {
		snprintf(err, errlen, "unknown key");
		return -1;
	}
	nlen = (size_t)(dot - name);
	if (!config_valid_name(name, nlen)) {
		snprintf(err, errlen, BAD_NAME);
		return -1;
	}
	if ((i = find_section(kd, cfg, name, nlen)) != -1)
		return config_value_set(section_at(kd, cfg, (size_t)i), k,
		    value, err, errlen);
	if ((base = add_section(kd, cfg, name, nlen, err, errlen)) == NULL)
		return -1;
	if (config_value_set(base, k, value, err, errlen) == 0)
		return 0;
	free_section(kd, base);		/* the last one */
	(*count_of(kd, cfg))--;
	return -1;
}

void
config_named_init(struct berth_config *cfg)
{
	char	err[256];
	size_t	i;

	for (i = 0; i < NELEM(builtins); i++) {
		if (config_named_set(cfg, builtins[i][0], builtins[i][1], err,
		    sizeof(err)) == -1)
			fatalx("config: built-in %s: %s", builtins[i][0], err);
	}
}

void
config_named_free(struct berth_config *cfg)
{
	const struct kind	*kd;
	size_t			 i;

	for (kd = kinds; kd < kinds + NKINDS; kd++) {
		for (i = 0; i < *count_of(kd, cfg); i++)
			free_section(kd, section_at(kd, cfg, i));
		*count_of(kd, cfg) = 0;
	}
}

/* ------------------------------------------------------------ env */

/* The longest key "_KEY" that ends s; *nlen is what is before it. */
static const struct config_key *
env_key(const struct kind *kd, const char *s, size_t len, size_t *nlen)
{
	const struct config_key	*best = NULL;
	const char		*p, *q;
	size_t			 i, klen, blen = 0;

	for (i = 0; i < kd->nkeys; i++) {
		klen = strlen(kd->keys[i].name);
		if (klen <= blen || klen + 1 >= len || s[len - klen - 1] != '_')
			continue;
		p = s + len - klen;
		for (q = kd->keys[i].name; *q != '\0'; p++, q++) {
			if (*p != toupper((unsigned char)*q))
				break;
		}
		if (*q == '\0') {
			best = &kd->keys[i];
			blen = klen;
		}
	}
	*nlen = best != NULL ? len - blen - 1 : 0;
	return best;
}

/* MY_TYPE is my-type; 0 if s is not an upper-cased name. */
static int
env_name(const char *s, size_t len, char *out, size_t outlen)
{
	size_t	i;

	if (len >= outlen)
		return 0;
	for (i = 0; i < len; i++) {
		if (isupper((unsigned char)s[i]))
			out[i] = (char)tolower((unsigned char)s[i]);
		else if (s[i] == '_')
			out[i] = '-';
		else if (isdigit((unsigned char)s[i]))
			out[i] = s[i];
		else
			return 0;
	}
	out[len] = '\0';
	return config_valid_name(out, len);
}

/* One BERTH_TYPE_... variable, var being "NAME=value". */
static void
env_one(struct berth_config *cfg, const struct kind *kd, const char *var,
    struct config_errors *errs)
{
	const struct config_key	*k;
	const char		*rest = var + strlen(kd->env), *eq;
	char			 name[CONFIG_NAME_MAX + 1], key[128];
	char			 vn[80], err[256];
	size_t			 i, nlen;

	eq = strchr(var, '=');
	for (i = 0; var + i < eq && i + 1 < sizeof(vn); i++)
		vn[i] = isprint((unsigned char)var[i]) ? var[i] : '?';
	vn[i] = '\0';
	if ((k = env_key(kd, rest, (size_t)(eq - rest), &nlen)) == NULL) {
		config_errors_add(errs, "%s: unknown key; expected %s<NAME>_"
		    "<KEY>", vn, kd->env);
		return;
	}
	if (!env_name(rest, nlen, name, sizeof(name))) {
		config_errors_add(errs, "%s: bad name; expected 1 to 32 of "
		    "[A-Z0-9_], first a letter", vn);
		return;
	}
	snprintf(key, sizeof(key), "%s.%s.%s", kd->section, name, k->name);
	if (config_named_set(cfg, key, eq + 1, err, sizeof(err)) == -1)
		config_errors_add(errs, "%s: %s", vn, err);
}

int
config_named_load_env(struct berth_config *cfg, struct config_errors *errs)
{
	const struct kind	*kd;
	char			**ep;
	size_t			  before = errs->n;

	for (ep = environ; *ep != NULL; ep++) {
		if (strchr(*ep, '=') == NULL)
			continue;
		for (kd = kinds; kd < kinds + NKINDS; kd++) {
			if (strncmp(*ep, kd->env, strlen(kd->env)) == 0)
				env_one(cfg, kd, *ep, errs);
		}
	}
	return (int)(errs->n - before);
}

/* ------------------------------------------------------------ finish */

void
config_named_finish(struct berth_config *cfg, struct config_errors *errs)
{
	const struct kind	*kd;
	char			 label[64];
	void			*base;
	size_t			 i;

	for (kd = kinds; kd < kinds + NKINDS; kd++) {
		for (i = 0; i < *count_of(kd, cfg); i++) {
			base = section_at(kd, cfg, i);
			snprintf(label, sizeof(label), "%s.%s", kd->section,
			    name_of(base));
			config_value_recheck(base, kd->size, kd->keys,
			    kd->nkeys, label, errs);
		}
	}
	config_named_check(cfg, errs);
}

/* ------------------------------------------------------------ public */

void
config_foreach(const struct berth_config *cfg, config_each_cb cb, void *arg)
{
	const struct config_key	*keys;
	const struct kind	*kd;
	const void		*base;
	char			 key[128], *v;
	size_t			 i, j, n;

	keys = config_keys(&n);
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%s.%s", keys[i].section,
		    keys[i].name);
		v = config_get(cfg, &keys[i]);
		cb(key, v, &keys[i], arg);
		free(v);
	}
	for (kd = kinds; kd < kinds + NKINDS; kd++) {
		for (i = 0; i < *count_of(kd, cfg); i++) {
			base = section_at(kd, cfg, i);
			for (j = 0; j < kd->nkeys; j++) {
				snprintf(key, sizeof(key), "%s.%s.%s",
				    kd->section, name_of(base),
				    kd->keys[j].name);
				v = config_value_get(base, &kd->keys[j]);
				cb(key, v, &kd->keys[j], arg);
				free(v);
			}
		}
	}
}
