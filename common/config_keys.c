/*
 * The static keys of the configuration, one table: section, name,
 * environment variable, type, field, default, bounds, whether secret,
 * whether SIGHUP applies it, and the help line.  config.c parses and
 * checks the values; contrib/berth.conf.example documents each key.
 */
#include <stddef.h>

#include "config.h"
#include "config_int.h"

#define OFF(f)		offsetof(struct berth_config, f)
#define STR(sec, name, env, f, def, secret, reload, help)		\
	{ sec, name, env, CT_STRING, OFF(f), def, 0, 0, secret, reload, help }
#define INT(sec, name, env, f, def, min, max, reload, help)		\
	{ sec, name, env, CT_INT, OFF(f), def, min, max, 0, reload, help }
#define BOOL(sec, name, env, f, def, reload, help)			\
	{ sec, name, env, CT_BOOL, OFF(f), def, 0, 0, 0, reload, help }

const struct config_key config_static_keys[] = {
	STR("server", "http_listen", "BERTH_HTTP_LISTEN", http_listen,
	    "127.0.0.1:8080", 0, 0,
	    "address the HTTP API listens on, host:port or [v6]:port"),
	STR("server", "state_dir", "BERTH_STATE_DIR", state_dir,
	    "/var/lib/berth", 0, 0,
	    "directory for berth's state (absolute path)"),
	STR("server", "admin_socket", "BERTH_ADMIN_SOCKET", admin_socket,
	    NULL, 0, 0,
	    "berthctl's Unix socket (absolute; default <state_dir>/admin.sock)"),
	STR("server", "user", "BERTH_USER", user,
	    "berth", 0, 0,
	    "unprivileged user the workers run as"),
	STR("server", "log_level", "BERTH_LOG_LEVEL", log_level,
	    "info", 0, 1,
	    "log verbosity: error, warn, info or debug"),
	INT("server", "http_max_body", "BERTH_HTTP_MAX_BODY", http_max_body,
	    "1048576", 1024, 67108864, 1,
	    "largest HTTP request body accepted, in bytes"),
	INT("server", "request_timeout_ms", "BERTH_REQUEST_TIMEOUT_MS",
	    request_timeout_ms, "5000", 100, 600000, 1,
	    "time allowed for one HTTP request, in milliseconds"),
	BOOL("server", "unconfined", "BERTH_UNCONFINED", unconfined,
	    "false", 0,
	    "run workers without seccomp or chroot (dangerous, debugging only)"),
	STR("docker", "socket", "BERTH_DOCKER_SOCKET", docker_socket,
	    "/var/run/docker.sock", 0, 0,
	    "Docker Engine API socket (absolute path)"),
	STR("docker", "network", "BERTH_DOCKER_NETWORK", docker_network,
	    "bridge", 0, 1,
	    "Docker network workspaces join ([A-Za-z0-9_.-])"),
	INT("docker", "stop_timeout_s", "BERTH_DOCKER_STOP_TIMEOUT_S",
	    docker_stop_timeout_s, "10", 0, 600, 1,
	    "time a stopping workspace gets before SIGKILL, in seconds"),
	STR("database", "url", "BERTH_DATABASE_URL", database_url,
	    NULL, 1, 0,
	    "PostgreSQL connection URL; empty uses the embedded store"),
	BOOL("database", "embedded", "BERTH_DATABASE_EMBEDDED",
	    database_embedded, "true", 0,
	    "with no url, run berth's own PostgreSQL (false: no persistence)"),
	STR("database", "pg_bindir", "BERTH_DATABASE_PG_BINDIR", pg_bindir,
	    NULL, 0, 0,
	    "PostgreSQL server binaries for the embedded store (absolute); "
	    "empty: pg_config --bindir, then /usr/lib/postgresql/*/bin"),
	INT("database", "queue_max", "BERTH_DATABASE_QUEUE_MAX", db_queue_max,
	    "10000", 100, 1000000, 1,
	    "records held in memory before they go to the spool file"),
	INT("database", "spool_max_mb", "BERTH_DATABASE_SPOOL_MAX_MB",
	    db_spool_max_mb, "256", 1, 1048576, 1,
	    "largest spool file (records kept while the database is down), "
	    "in MB"),
	INT("metrics", "app_interval_ms", "BERTH_METRICS_APP_INTERVAL",
	    metrics_app_interval_ms, "5000", 1000, 3600000, 1,
	    "time between samples of every running workspace container, in "
	    "ms"),
	INT("metrics", "system_interval_ms", "BERTH_METRICS_SYSTEM_INTERVAL",
	    metrics_system_interval_ms, "10000", 1000, 3600000, 1,
	    "time between samples of the host while it is idle, in ms"),
	INT("metrics", "system_interval_max_ms",
	    "BERTH_METRICS_SYSTEM_INTERVAL_MAX", metrics_system_interval_max_ms,
	    "30000", 1000, 3600000, 1,
	    "the host's sampling interval as its CPU fills up, in ms "
	    "(>= system_interval_ms)"),
	INT("metrics", "business_interval_ms",
	    "BERTH_METRICS_BUSINESS_INTERVAL", metrics_business_interval_ms,
	    "60000", 1000, 3600000, 1,
	    "time between business metrics (active users, cost), in ms"),
	INT("metrics", "buffer_size", "BERTH_METRICS_BUFFER_SIZE",
	    metrics_buffer_size, "1000", 10, 100000, 0,
	    "container samples kept in memory (what answers queries without "
	    "a database)"),
	INT("metrics", "retention_hours", "BERTH_METRICS_RETENTION_HOURS",
	    metrics_retention_hours, "168", 1, 87600, 1,
	    "samples older than this are removed, in hours"),
	INT("metrics", "retention_interval_s",
	    "BERTH_METRICS_RETENTION_INTERVAL_S", metrics_retention_interval_s,
	    "3600", 1, 86400, 1,
	    "time between removals of old samples, in seconds"),
	INT("health", "startup_timeout_s", "BERTH_HEALTH_STARTUP_TIMEOUT_S",
	    health_startup_timeout_s, "300", 1, 3600, 1,
	    "how long a starting workspace is probed for its first answer, "
	    "in seconds"),
	STR("auth", "admin_token", "BERTH_ADMIN_TOKEN", admin_token,
	    NULL, 1, 1,
	    "bearer token for the HTTP admin API, 16 characters or more"),
	INT("supervisor", "restart_min_ms", "BERTH_RESTART_MIN_MS",
	    restart_min_ms, "100", 10, 60000, 1,
	    "delay before the first restart of a crashed worker, in ms"),
	INT("supervisor", "restart_max_ms", "BERTH_RESTART_MAX_MS",
	    restart_max_ms, "30000", 100, 3600000, 1,
	    "cap on the doubling restart delay, in ms (>= restart_min_ms)"),
	INT("supervisor", "restart_reset_s", "BERTH_RESTART_RESET_S",
	    restart_reset_s, "30", 1, 86400, 1,
	    "a worker up this many seconds has its restart delay reset"),
	INT("supervisor", "restart_burst", "BERTH_RESTART_BURST",
	    restart_burst, "5", 1, 32, 1,
	    "starts within restart_window_s after which a worker is failed"),
	INT("supervisor", "restart_window_s", "BERTH_RESTART_WINDOW_S",
	    restart_window_s, "10", 1, 3600, 1,
	    "window for restart_burst, in seconds"),
	INT("supervisor", "restart_failed_s", "BERTH_RESTART_FAILED_S",
	    restart_failed_s, "60", 1, 86400, 1,
	    "delay before retrying a failed worker, in seconds"),
	INT("supervisor", "shutdown_timeout_ms", "BERTH_SHUTDOWN_TIMEOUT_MS",
	    shutdown_timeout_ms, "4000", 100, 60000, 0,
	    "time workers get to exit on shutdown before SIGKILL, in ms"),
};
const size_t config_nstatic_keys =
    sizeof(config_static_keys) / sizeof(config_static_keys[0]);
