/*
 * berth configuration: an INI file (inih) with every key overridable by
 * an environment variable.  The key table in config.c is the single
 * list of keys: their section, name, environment variable, type, bounds
 * and default.  contrib/berth.conf.example documents each one.
 */
#ifndef BERTH_CONFIG_H
#define BERTH_CONFIG_H

#include <stddef.h>

/* Sections with a name: [type.NAME], [tier.NAME], [token.NAME],
 * [job.NAME], [alert.NAME]. */
#define CONFIG_MAX_TYPES	16
#define CONFIG_MAX_JOBS		16
#define CONFIG_MAX_ALERTS	32
#define CONFIG_MAX_NOTIFY	8
#define CONFIG_MAX_TIERS	8
#define CONFIG_MAX_TOKENS	64
#define CONFIG_NAME_MAX		32	/* [a-z0-9-], first a letter */

/* What a code-server image needs: its entrypoint (fixuid) changes
 * owners and switches to the coder user; no NET_RAW, no SYS_*. */
#define CONFIG_CAP_ADD_DEFAULT	\
	"CHOWN,DAC_OVERRIDE,FOWNER,SETUID,SETGID,KILL,NET_BIND_SERVICE"

/* A workspace type (seed 003): what to run and how to confine it. */
struct ws_type {
	char	*name;
	int	 enabled;
	char	*image;
	char	*command;		/* run by /bin/sh -c; "" = image's */
	long	 port;			/* the workspace endpoint */
	char	*env;			/* "K=V;K2=V2" for every workspace */
	double	 cpus;
	long	 memory_mb;
	long	 memory_swap_mb;	/* -1 unlimited, 0 = same as memory */
	long	 memory_reservation_mb;
	double	 max_cpus;		/* ceiling for requests and PATCH */
	long	 max_memory_mb;
	long	 max_memory_swap_mb;	/* ceiling of memorySwap; 0 at load
					   becomes 2 x max_memory_mb */
	int	 allow_unlimited_swap;	/* memorySwap -1 may be asked for */
	char	*health_cmd;		/* "{port}" is replaced */
	long	 health_interval_s;
	long	 health_timeout_s;
	long	 health_retries;
	long	 health_start_period_s;
	char	*volume_path;		/* where the project volume mounts */
	char	*probe_path;		/* healthmon's startup probe, "/healthz" */
	char	*tiers;			/* "free,basic,pro": who may use it */
	/* containment (issue 12) */
	long	 pids_limit;		/* PidsLimit */
	char	*cap_add;		/* "CHOWN,SETUID": added to CapDrop ALL */
	long	 ulimit_nofile;
	long	 ulimit_nproc;
	int	 read_only_rootfs;	/* with a tmpfs /tmp */
	long	 log_max_size_mb;	/* json-file max-size */
	long	 log_max_files;		/* json-file max-file */
	char	*network;		/* isolated, shared or none */
	/* activity (issue 13) */
	long	 idle_timeout_min;	/* 0: never stopped for inactivity */
	long	 idle_warning_min;	/* warned this long before */
	long	 activity_bytes_min;	/* traffic that is activity; 0 none */
	char	*heartbeat_path;	/* code-server's /healthz; "" none */
};

struct tier {
	char	*name;
	long	 max_session_min;	/* 0 = unlimited */
	double	 price_cpu_second;	/* cost of one CPU-second */
	double	 price_gb_hour;		/* cost of one GB of memory an hour */
	long	 max_workspaces_per_user; /* 0 = unlimited */
};

/* A job of the scheduler (issue 13): its cron schedule and limits.
 * Only the names of config_job_names() exist. */
struct job_cfg {
	char	*name;
	int	 enabled;
	char	*schedule;		/* cron expression or @nickname */
	char	*timezone;		/* "" UTC, else a zoneinfo name */
	long	 jitter_s;		/* stable offset hashed from the name */
	long	 timeout_s;		/* a run longer than this fails */
	long	 age_min;		/* what is older counts (orphans) */
	long	 grace_min;		/* orphaned-volumes: after this long */
};

/* An alert rule (issue 14): fires when metric op threshold has held
 * for for_s; resolves when the value is back past resolve (the
 * threshold when empty).  A metric named workspace_* is evaluated for
 * each running workspace. */
struct alert_cfg {
	char	*name;
	int	 enabled;
	char	*metric;		/* one of config_alert_metrics() */
	char	*op;			/* >=, >, <=, < */
	double	 threshold;
	char	*resolve;		/* "" the threshold, else a number */
	long	 for_s;			/* pending this long before firing */
	char	*severity;		/* info, warning, error, critical */
};

/* A webhook alerts are posted to (issue 14): firing and resolved
 * alerts of severity at least severity, in one of two payloads. */
struct notify_cfg {
	char	*name;
	int	 enabled;
	char	*url;			/* http:// or https:// */
	char	*severity;		/* the least severity sent */
	char	*format;		/* "berth" or "alertmanager" */
	char	*secret;		/* HMAC key (Standard Webhooks); "" none */
};

/* A bearer token of the HTTP API. */
struct api_token {
	char	*name;
	char	*token;			/* secret, 16 characters or more */
	char	*user;			/* the user id it acts as */
	char	*role;			/* "admin" or "user" */
	char	*tiers;			/* "free,pro" it may use; "" every */
	char	*default_tier;		/* a tier it may use; config_finish
					   fills in "free" or the first */
};

struct berth_config {
	/* [server] */
	char	*http_listen;		/* BERTH_HTTP_LISTEN host:port */
	char	*state_dir;		/* BERTH_STATE_DIR */
	char	*admin_socket;		/* BERTH_ADMIN_SOCKET */
	char	*user;			/* BERTH_USER */
	char	*log_level;		/* BERTH_LOG_LEVEL */
	long	 http_max_body;		/* BERTH_HTTP_MAX_BODY bytes */
	long	 request_timeout_ms;	/* BERTH_REQUEST_TIMEOUT_MS */
	long	 http_request_deadline_ms; /* headers and body, whole */
	long	 http_max_connections;	/* open at once, every client */
	long	 http_max_connections_per_client; /* from one address */
	long	 anonymous_cache_ms;	/* age of the anonymous snapshots */
	int	 unconfined;		/* BERTH_UNCONFINED (dangerous) */
	int	 allow_docker_group;	/* BERTH_ALLOW_DOCKER_GROUP */
	long	 max_workspaces;	/* BERTH_MAX_WORKSPACES, 0 = no cap */
	/* [docker] */
	char	*docker_socket;		/* BERTH_DOCKER_SOCKET */
	char	*docker_network;	/* BERTH_DOCKER_NETWORK (shared) */
	char	*docker_isolated_network; /* berth's own, icc off */
	long	 docker_stop_timeout_s;	/* BERTH_DOCKER_STOP_TIMEOUT_S */
	long	 docker_max_concurrent_calls; /* engine operations at once */
	/* [database] */
	char	*database_url;		/* BERTH_DATABASE_URL */
	char	*db_password_file;	/* BERTH_DATABASE_PASSWORD_FILE */
	int	 database_embedded;	/* BERTH_DATABASE_EMBEDDED */
	char	*pg_bindir;		/* BERTH_DATABASE_PG_BINDIR */
	char	*pg_user;		/* BERTH_DATABASE_PG_USER */
	long	 db_queue_max;		/* BERTH_DATABASE_QUEUE_MAX records */
	long	 db_spool_max_mb;	/* BERTH_DATABASE_SPOOL_MAX_MB */
	/* [metrics] */
	long	 metrics_app_interval_ms;	/* containers */
	long	 metrics_system_interval_ms;	/* the host, idle */
	long	 metrics_system_interval_max_ms; /* the host, busy */
	long	 metrics_business_interval_ms;
	long	 metrics_buffer_size;	/* samples kept in memory */
	long	 metrics_retention_hours; /* BERTH_METRICS_RETENTION_HOURS */
	long	 metrics_retention_interval_s;
	char	*metrics_scrape_token;	/* secret; "" anyone may scrape */
	int	 metrics_user_labels;	/* user label on series */
	char	*events_persist;	/* "errors" or "all" */
	/* [logs] */
	long	 logs_ring_kb;		/* BERTH_LOGS_RING_KB */
	long	 logs_pace_ms;		/* BERTH_LOGS_PACE_MS */
	long	 logs_max_streams;	/* SSE clients, everyone */
	long	 logs_max_streams_per_user;
	char	*volumes_backup_dir;	/* BERTH_VOLUMES_BACKUP_DIR */
	long	 volumes_keep_last;	/* BERTH_VOLUMES_KEEP_LAST */
	long	 volumes_keep_days;	/* BERTH_VOLUMES_KEEP_DAYS */
	/* [volumes.s3] */
	char	*volumes_s3_endpoint;	/* "" no remote copies */
	char	*volumes_s3_bucket;
	char	*volumes_s3_region;
	char	*volumes_s3_credentials_file;
	int	 volumes_s3_keep_local;
	long	 volumes_s3_part_size_mb;
	/* [health] */
	long	 health_startup_timeout_s; /* BERTH_HEALTH_STARTUP_TIMEOUT_S */
	long	 health_heartbeat_interval_s; /* types' heartbeat_path */
	long	 health_check_interval_ms;
	long	 health_check_timeout_ms;
	char	*health_dependencies;	/* name=http://host:port/path,... */
	long	 health_breaker_failures;
	long	 health_breaker_cooldown_s;
	long	 health_cpu_percent_max;
	long	 health_memory_percent_max;
	long	 health_disk_percent_max;
	/* [auth] */
	char	*admin_token;		/* BERTH_ADMIN_TOKEN */
	/* [notify], [alertmanager] */
	char	*notify_ca_file;	/* extra TLS roots for receivers */
	long	 notify_max_attempts;	/* then a delivery is failed */
	long	 notify_backoff_max_s;	/* cap on the retry delay */
	long	 notify_timeout_ms;	/* one attempt */
	char	*alertmanager_urls;	/* comma separated base URLs */
	long	 alertmanager_resend_s;	/* firing alerts sent again */
	/* [supervisor] */
	long	 restart_min_ms;	/* BERTH_RESTART_MIN_MS */
	long	 restart_max_ms;	/* BERTH_RESTART_MAX_MS */
	long	 restart_reset_s;	/* BERTH_RESTART_RESET_S */
	long	 restart_burst;		/* BERTH_RESTART_BURST */
	long	 restart_window_s;	/* BERTH_RESTART_WINDOW_S */
	long	 restart_failed_s;	/* BERTH_RESTART_FAILED_S */
	long	 shutdown_timeout_ms;	/* BERTH_SHUTDOWN_TIMEOUT_MS */
	/* named sections */
	struct ws_type	 types[CONFIG_MAX_TYPES];
	size_t		 ntypes;
	struct tier	 tiers[CONFIG_MAX_TIERS];
	size_t		 ntiers;
	struct api_token tokens[CONFIG_MAX_TOKENS];
	size_t		 ntokens;
	struct job_cfg	 jobs[CONFIG_MAX_JOBS];
	size_t		 njobs;
	struct alert_cfg alerts[CONFIG_MAX_ALERTS];
	size_t		 nalerts;
	struct notify_cfg notify[CONFIG_MAX_NOTIFY];
	size_t		 nnotify;
};

/* Error lines collected while loading or checking. */
struct config_errors {
	char	**lines;
	size_t	  n;
};

enum config_type { CT_STRING, CT_INT, CT_BOOL, CT_DOUBLE };

struct config_key {
	const char		*section;
	const char		*name;
	const char		*env;
	enum config_type	 type;
	size_t			 offset;
	const char		*defval;	/* NULL: unset (empty) */
	long			 min, max;	/* CT_INT, CT_DOUBLE bounds */
	int			 secret;	/* never logged */
	int			 reloadable;	/* applied on SIGHUP */
	const char		*help;
};

/* Defaults into cfg.  admin_socket's default depends on state_dir and is
 * filled in by config_finish(). */
void	config_init(struct berth_config *cfg);

/* Read an INI file; unknown sections/keys and bad values are errors.
 * Returns the number of errors added. */
int	config_load_file(struct berth_config *cfg, const char *path,
	    struct config_errors *errs);

/* Apply BERTH_* environment variables.  Returns errors added. */
int	config_load_env(struct berth_config *cfg, struct config_errors *errs);

/* Derived defaults and cross-key checks (admin_socket, paths absolute,
 * http_listen parses, ...).  Returns errors added. */
int	config_finish(struct berth_config *cfg, struct config_errors *errs);

/* Set one key by "section.name"; value is parsed and bounds-checked.
 * Returns 0, or -1 with a reason in err. */
int	config_set(struct berth_config *cfg, const char *key,
	    const char *value, char *err, size_t errlen);

/* The key table, for serialising to workers and for documentation. */
const struct config_key	*config_keys(size_t *n);
/* The value of key k as a string (allocated). */
char	*config_get(const struct berth_config *cfg,
	    const struct config_key *k);

/* Every key with its current value, static keys first, then each named
 * section's keys ("type.vscode.image"); k is the key's table entry
 * (for named sections its section is "type", "tier" or "token"). */
typedef void (*config_each_cb)(const char *key, const char *value,
    const struct config_key *k, void *arg);
void	config_foreach(const struct berth_config *cfg, config_each_cb cb,
	    void *arg);

const struct ws_type	*config_type(const struct berth_config *,
			    const char *name);	/* enabled ones only */
const struct tier	*config_tier(const struct berth_config *,
			    const char *name);
const struct job_cfg	*config_job(const struct berth_config *,
			    const char *name);
/* The metrics an alert rule may watch, NULL-terminated. */
const char *const	*config_alert_metrics(void);
/* The scheduler's jobs, NULL-terminated, in the order they are listed. */
const char *const	*config_job_names(void);
int			 config_type_allows_tier(const struct ws_type *,
			    const char *tier);
/* The token that equals bearer, compared in constant time over every
 * configured token (server admin_token included, as user "admin" with
 * role "admin" in *out). */
const struct api_token	*config_token(const struct berth_config *,
			    const char *bearer);
/* Whether the token may use tier: an admin token every tier, a user
 * token those of its tiers key ("" every tier).  Whether the tier
 * exists is config_tier()'s to say. */
/* Whether bearer is [metrics] scrape_token (compared in constant time),
 * or no scrape token is set. */
int			 config_scrape_ok(const struct berth_config *,
			    const char *bearer);
int			 config_token_allows_tier(const struct api_token *,
			    const char *tier);
/* The tier of a workspace the token starts without naming one: always
 * one config_token_allows_tier() admits (after config_finish). */
const char		*config_token_default_tier(const struct api_token *);

void	config_free(struct berth_config *cfg);
void	config_errors_add(struct config_errors *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	config_errors_free(struct config_errors *);

#endif
