/*
 * The berth IPC protocol: peers, message types and the schema of every
 * message body, declared once.  The generic codec (codec.c) encodes and
 * decodes every message from these tables; nothing else packs or
 * unpacks msgpack by hand.
 *
 * Wire form of one message: a 4-byte big-endian length, then a msgpack
 * array [version, type, id, peer, flags, body] where body is a map from
 * field name to value.  A message with MSGF_FD set carries exactly one
 * descriptor (SCM_RIGHTS) sent with the first byte of its frame.
 */
#ifndef BERTH_PROTO_H
#define BERTH_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_VERSION		1
#define PROTO_MAX_MSG		(1024 * 1024)	/* bytes in one frame */
#define PROTO_MAX_STR		(64 * 1024)	/* bytes in one string */
#define PROTO_MAX_ARRAY		1024		/* elements in one array */
#define PROTO_PROM_TEXTS	12		/* texts in one MSG_PROM */
#define PROTO_MAX_FIELDS	64		/* keys in one body map */

/* Peers: berthd is 0, each worker its id.  A worker sets peer to the
 * destination; berthd rewrites it to the source when it forwards. */
enum peer_id {
	PEER_PARENT = 0,
	PEER_GATEWAY,
	PEER_SCHEDULER,
	PEER_HEALTHMON,
	PEER_STATSWRITER,
	PEER_LOGSTREAMER,
	PEER_MAX
};
#define NWORKERS	(PEER_MAX - 1)

#define MSGF_FD		0x01	/* a descriptor travels with the message */
#define MSGF_REPLY	0x02	/* answers the request with the same id */

enum msg_type {
	MSG_NONE = 0,
	MSG_HELLO,		/* worker -> berthd: up and confined */
	MSG_CONFIG,		/* berthd -> worker: configuration */
	MSG_SHUTDOWN,		/* berthd -> worker: drain and exit */
	MSG_OK,			/* reply: done */
	MSG_ERROR,		/* reply: failed, with code and message */
	MSG_STATUS_REQ,		/* -> berthd: worker table */
	MSG_STATUS,		/* reply to MSG_STATUS_REQ */
	MSG_RESTART_REQ,	/* admin -> berthd: restart one worker */
	MSG_PING,		/* any peer -> any peer, routed by berthd */
	MSG_PONG,		/* reply to MSG_PING */
	MSG_FD_PASS,		/* a descriptor handed from one peer to another */
	MSG_WS_CREATE,		/* gateway -> berthd: start a workspace */
	MSG_WS_LIST,		/* gateway -> berthd: workspaces of a user */
	MSG_WS_GET,		/* gateway -> berthd: one workspace */
	MSG_WS_DELETE,		/* gateway -> berthd: stop (reason manual) */
	MSG_WS_PATCH,		/* gateway -> berthd: change limits live */
	MSG_WS_HEALTH,		/* gateway -> berthd: engine health state */
	MSG_WS_STATS,		/* gateway -> berthd: current usage */
	MSG_WORKSPACE,		/* reply: one workspace */
	MSG_WS_ITEMS,		/* reply: a list of workspaces */
	MSG_WS_HEALTH_INFO,	/* reply to MSG_WS_HEALTH */
	MSG_SAMPLE,		/* reply: resource usage of one container */
	MSG_CG_READ,		/* berthd -> statswriter: sample a container */
	MSG_LIFECYCLE,		/* berthd -> statswriter: a workspace's phase,
				 * answered MSG_OK once it is durable */
	MSG_ROSTER,		/* berthd -> healthmon, statswriter: the
				 * workspaces whose containers run */
	MSG_WS_AVAILABLE,	/* healthmon -> berthd: first answer */
	MSG_DB_STATUS_REQ,	/* gateway -> statswriter: store state */
	MSG_DB_STATUS,		/* reply to MSG_DB_STATUS_REQ */
	MSG_HISTORY_REQ,	/* gateway -> statswriter: samples, a page */
	MSG_HISTORY,		/* reply: container samples */
	MSG_CSTATS_REQ,		/* gateway -> statswriter: lifecycle stats */
	MSG_CSTATS,		/* reply to MSG_CSTATS_REQ */
	MSG_METRICS,		/* spool record: container samples */
	MSG_SYSMETRICS,		/* spool record: host samples */
	MSG_HEALTH_REQ,		/* gateway -> healthmon: the latest checks */
	MSG_HEALTH_REPORT,	/* reply to MSG_HEALTH_REQ */
	MSG_PROM_REQ,		/* gateway -> berthd, statswriter: metrics */
	MSG_PROM,		/* reply: samples of metric families */
	MSG_AUTH_REQ,		/* gateway -> berthd: who holds this token */
	MSG_IDENT,		/* reply to MSG_AUTH_REQ */
	MSG_WS_STOP,		/* scheduler -> berthd: stop, with a reason */
	MSG_CONTAINERS_REQ,	/* scheduler -> berthd: berth's containers */
	MSG_CONTAINERS,		/* reply to MSG_CONTAINERS_REQ */
	MSG_VOLUMES_REQ,	/* scheduler -> berthd: berth's volumes */
	MSG_VOLUMES,		/* reply to MSG_VOLUMES_REQ */
	MSG_PROJECTS_REQ,	/* gateway -> berthd: the caller's projects */
	MSG_PROJECTS,		/* reply: projects */
	MSG_PROJECT_OWNER,	/* gateway -> berthd: give a project an owner */
	MSG_PROJECT_REC,	/* berthd -> statswriter: a project's row */
	MSG_DB_PREPARE,		/* statswriter -> berthd: before connecting */
	MSG_DB_PREPARED,	/* reply: addresses and password to use */
	MSG_DB_INFO_REQ,	/* admin -> berthd: where the database is */
	MSG_DB_INFO,		/* reply to MSG_DB_INFO_REQ */
	MSG_JOB_STATE,		/* scheduler <-> berthd: last runs, clock */
	MSG_CLOCK_REQ,		/* admin -> berthd: move the test clock */
	MSG_JOBS_REQ,		/* gateway, berthd -> scheduler: the jobs */
	MSG_JOBS,		/* reply: jobs */
	MSG_JOB_RUN_REQ,	/* gateway, berthd -> scheduler: run one now */
	MSG_CLEANUP_REQ,	/* gateway, berthd -> scheduler: every cleanup */
	MSG_CLEANUP,		/* reply: counts per kind */
	MSG_CONTAINER_RM,	/* scheduler -> berthd: remove an orphan */
	MSG_WS_ALL,		/* scheduler -> berthd: every workspace */
	MSG_JOB_RUN,		/* scheduler -> statswriter: a run, for
				 * job_runs (also a spool record) */
	MSG_PROJECT_DELETE,	/* gateway -> berthd: delete a project */
	MSG_VOLUME_RM,		/* scheduler -> berthd: remove the volume
				 * of a deleted project */
	MSG_RETENTION_REQ,	/* scheduler -> statswriter: retention now */
	MSG_RETENTION,		/* reply: rows removed */
	MSG_WS_SETTLE,		/* scheduler -> berthd: a workspace in error:
				 * recover it or remove its container */
	MSG_WS_ACTIVITY,	/* gateway -> berthd: heartbeat, extend,
				 * keepalive */
	MSG_WS_SEEN,		/* statswriter -> berthd: workspaces whose
				 * traffic was activity */
	MSG_EVENTS_REQ,		/* gateway -> berthd: recent events */
	MSG_EVENTS,		/* reply to MSG_EVENTS_REQ */
	MSG_EVENT_REC,		/* berthd -> statswriter: an event for
				 * system_events (also a spool record) */
	MSG_LOGS_REQ,		/* gateway -> berthd: a workspace's logs */
	MSG_LOGS_NEXT,		/* -> berthd: the next chunk of a session */
	MSG_LOGS_CLOSE,		/* -> berthd: a session is over (notice) */
	MSG_LOG_CHUNK,		/* reply: lines of a log session */
	MSG_LOGS_ATTACH,	/* gateway -> berthd: an SSE client's socket */
	MSG_SSE_CLIENT,		/* berthd -> logstreamer: the same, checked */
	MSG_LOGS_FOLLOW,	/* logstreamer -> berthd: follow a workspace */
	MSG_LOGS_TICKET,	/* gateway -> berthd: a ticket for ?ticket= */
	MSG_TICKET,		/* reply to MSG_LOGS_TICKET */
	MSG_LOGS_ATTACH_TICKET,	/* gateway -> berthd: MSG_LOGS_ATTACH by ticket */
	MSG_MONITOR_RUN,	/* scheduler -> berthd: the metrics or
				 * monitoring job */
	MSG_MONITOR_DONE,	/* reply: what it recorded and found */
	MSG_MPOINTS_REQ,	/* gateway -> berthd: recorded metric points */
	MSG_MPOINTS,		/* reply to MSG_MPOINTS_REQ */
	MSG_MPOINT_REC,		/* berthd -> statswriter: points for
				 * system_metrics (also a spool record) */
	MSG_ALERTS_REQ,		/* gateway -> berthd: alerts */
	MSG_ALERTS,		/* reply to MSG_ALERTS_REQ, MSG_ALERT_RESOLVE */
	MSG_ALERT_RESOLVE,	/* gateway -> berthd: resolve one by hand */
	MSG_ALERT_REC,		/* berthd -> statswriter: an alert for
				 * system_alerts (also a spool record) */
	MSG_LOGS_STATE,		/* berthd -> logstreamer: a container's
				 * lifecycle (notice) */
	MSG_VOL_BACKUP,		/* gateway -> berthd: back a project's volume up */
	MSG_VOL_BACKUPS_REQ,	/* gateway -> berthd: a project's backups */
	MSG_VOL_BACKUPS,	/* reply: backup records */
	MSG_VOL_SIZE_REQ,	/* gateway -> berthd: a project volume's size */
	MSG_VOL_SIZE,		/* reply to MSG_VOL_SIZE_REQ */
	MSG_VOL_RESTORE,	/* gateway -> berthd: restore a backup */
	MSG_VOL_REC,		/* berthd -> statswriter: a backup's row, for
				 * volume_backups (also a spool record) */
	MSG_NOTIFY_SEND,	/* berthd -> healthmon: post one notification */
	MSG_NOTIFY_DONE,	/* healthmon -> berthd: how the post went */
	MSG_NOTIFY_REQ,		/* gateway -> berthd: the deliveries */
	MSG_NOTIFIES,		/* reply to MSG_NOTIFY_REQ */
	MSG_SILENCE_ADD,	/* gateway -> berthd: a new silence */
	MSG_SILENCES_REQ,	/* gateway -> berthd: the silences */
	MSG_SILENCE_EXPIRE,	/* gateway -> berthd: end one now */
	MSG_SILENCES,		/* reply to the three above */
	MSG_WS_METRICS_REQ,	/* gateway -> berthd: a workspace's samples
				 * (answered with MSG_HISTORY) */
	MSG_BREAKER,		/* healthmon -> berthd: a breaker moved */
	MSG_JOB_DONE,		/* scheduler -> berthd: a run ended (an
				 * event when it acted or failed) */
	MSG_VOL_CLONE,		/* gateway -> berthd: clone a project's volume
				 * into a new project */
	MSG_VOL_CLONE_REQ,	/* gateway -> berthd: the clone into a project */
	MSG_VOL_CLONES,		/* reply: clone records */
	MSG_TYPE_MAX
};

/* ---------------------------------------------------------------- bodies */

struct body_empty {
	int	unused;
};

struct body_hello {
	char		*worker;	/* name, e.g. "gateway" */
	int64_t		 pid;
	int64_t		 uid;
	int64_t		 seccomp;	/* /proc/self/status Seccomp: value */
};

struct config_entry {
	char	*key;			/* "section.name" */
	char	*value;
};

struct body_config {
	struct config_entry	*entries;
	size_t			 nentries;
};

struct body_error {
	char	*code;			/* "unavailable", "bad_request", ... */
	char	*message;
};

struct worker_status {
	char	*name;
	int64_t	 pid;			/* 0 when not running */
	char	*state;			/* starting, up, backoff, failed, stopping */
	int64_t	 uptime_ms;
	int64_t	 restarts;
	char	*last_exit;		/* "exit 1", "SIGSYS", "" */
	int64_t	 uid;
	int64_t	 seccomp;
};

struct body_status {
	char			*version;
	int64_t			 uptime_ms;
	int64_t			 pid;
	int			 all_up;
	int			 docker_up;	/* the engine answers */
	char			*docker_version; /* "" when down */
	char			*containment;	/* "" when the isolated network
						 * and the metadata rule are
						 * in place, else why not */
	struct worker_status	*workers;
	size_t			 nworkers;
};

struct body_restart_req {
	char	*worker;
};

struct body_ping {
	int64_t	 sent_ms;		/* sender's monotonic clock */
};

struct body_fd_pass {
	char	*purpose;		/* what the receiver does with it */
	char	*arg;
};

/* A workspace as the API shows it (camelCase is the gateway's job). */
struct workspace_info {
	char	*id;
	char	*status;		/* starting running stopping stopped error */
	char	*health;		/* engine: none starting healthy unhealthy */
	char	*container_id;
	char	*type;
	char	*tier;
	char	*user_id;
	char	*project_id;
	char	*s3_bucket;
	char	*url;			/* the workspace endpoint */
	char	*stop_reason;		/* manual inactivity error resource_limit */
	int64_t	 created_ms;		/* wall clock, ms since the epoch */
	int64_t	 started_ms;
	int64_t	 stopped_ms;
	double	 cpus;
	int64_t	 memory_mb;
	int64_t	 memory_swap_mb;
	int64_t	 memory_reservation_mb;
	int64_t	 last_activity_ms;	/* wall clock (berthd's test clock) */
	int64_t	 autostop_ms;		/* 0: no autostop */
	char	*session_health;	/* seed 001: healthy warning critical,
					 * "" when not running */
	double	 mem_percent;		/* working set / limit; -1 unknown */
};

/*
 * Who asks.  A request the gateway makes for an HTTP client starts its
 * body with this block: token is the bearer token the client presented
 * (never logged).  berthd resolves it, blanks it and stamps caller and
 * admin before it handles the request or forwards it; a worker that
 * sets caller or admin itself is refused as misbehaving.  A schema
 * made with SCHEMA_AUTH has this block at offset 0.
 */
struct req_auth {
	char	*token;
	char	*caller;		/* user id, stamped by berthd */
	int	 admin;			/* stamped by berthd */
};

struct body_auth {			/* MSG_AUTH_REQ, MSG_CSTATS_REQ, ... */
	struct req_auth	 auth;
};

struct body_ident {
	char	*user;
	int	 admin;
	char	*tiers;			/* allowed, comma separated; "" all */
	char	*default_tier;
};

struct body_ws_create {
	struct req_auth		 auth;
	char			*type;
	char			*owner;		/* userId of the workspace */
	char			*project_id;
	char			*s3_bucket;
	char			*tier;
	struct config_entry	*env;
	size_t			 nenv;
	double			 cpus;		/* 0: the type's */
	int64_t			 memory_mb;
	int64_t			 memory_swap_mb;
	int64_t			 memory_reservation_mb;
};

struct body_ws_ref {			/* GET, DELETE, HEALTH, STATS, LIST */
	struct req_auth	 auth;
	char		*id;		/* "" for MSG_WS_LIST */
};

struct body_ws_patch {
	struct req_auth	 auth;
	char	*id;
	double	 cpus;			/* 0: unchanged */
	int64_t	 memory_mb;
	int64_t	 memory_swap_mb;
	int64_t	 memory_reservation_mb;
};

struct body_ws_items {
	struct workspace_info	*items;
	size_t			 nitems;
};

struct body_ws_health {
	int	 healthy;
	char	*status;		/* none starting healthy unhealthy */
	int64_t	 failing_streak;
	int	 has_check;		/* a check has run */
	int64_t	 exit_code;
	char	*output;
	char	*timestamp;		/* the engine's, ISO-8601 */
};

struct body_sample {
	char	*source;		/* "cgroup" or "engine" */
	double	 cpu_percent;
	int64_t	 cpu_usage_ns;
	int64_t	 system_usage_ns;
	int64_t	 online_cpus;
	int64_t	 mem_usage;
	int64_t	 mem_limit;
	int64_t	 mem_cache;
	int64_t	 mem_inactive_file;
	int64_t	 net_rx;
	int64_t	 net_tx;
	int64_t	 blk_read;
	int64_t	 blk_write;
	int64_t	 pids;
};

/* Phases: received, created, started, available, stopped. */
struct body_lifecycle {
	char	*workspace_id;
	char	*phase;
	int64_t	 at_ms;			/* wall clock */
	char	*container_id;
	char	*user_id;
	char	*s3_bucket;
	char	*reason;		/* stopped: the shutdown reason */
};

/* One workspace whose container runs (status starting or running). */
struct roster_item {
	char	*workspace_id;
	char	*container_id;		/* 64 hex */
	char	*user_id;
	char	*status;		/* starting, running */
	char	*ip;			/* numeric, "" until inspected */
	int64_t	 port;
	int64_t	 pid;			/* 0 until inspected */
	char	*probe_path;		/* the type's, "/healthz" */
	int64_t	 received_ms;		/* wall clock of the request */
	char	*tier;
	int64_t	 activity_bytes_min;	/* the type's; 0: traffic is not
					   activity */
	char	*heartbeat_path;	/* the type's; "" none */
};

struct body_roster {
	struct roster_item	*items;
	size_t			 nitems;
};

/* What berthd adds to database.url before each connection attempt: the
 * host name resolved now (libpq's hostaddr list, "" for none) and the
 * password of database.password_file ("" for none), or why not. */
struct body_db_prepared {
	char	*hostaddr;		/* "10.0.0.5,fd00::5" */
	char	*password;		/* secret: never logged */
	char	*error;			/* "" unless it cannot be done */
};

/* How an operator reaches berth's database (berthctl db): a libpq
 * connection string, the password of [database] password_file ("" for
 * none), and the OS user psql must run as for peer authentication (the
 * embedded server's own, whose role reads everything; "" for any). */
struct body_db_info {
	char	*conninfo;		/* secret: may hold a password */
	char	*password;		/* secret */
	char	*osuser;
};

struct body_ws_available {
	char	*workspace_id;
	int64_t	 at_ms;			/* wall clock of the first answer */
};

/* The statswriter's store, for /api/health. */
struct body_db_status {
	char	*state;			/* up, down, connecting, disabled */
	char	*error;			/* the last failure, "" if none */
	int64_t	 schema_version;
	int64_t	 queue_depth;		/* records in memory */
	int64_t	 spool_bytes;
	int64_t	 spool_records;
	int64_t	 written;		/* records written since start */
	int64_t	 dropped;		/* records given up since start */
	int64_t	 samples;		/* container samples taken */
	int64_t	 app_interval_ms;	/* sampling intervals in force */
	int64_t	 system_interval_ms;
	int64_t	 last_sample_ms;	/* wall clock, 0 if none yet */
	int64_t	 memory_samples;	/* no database: samples kept */
	int64_t	 memory_lifecycle;	/* no database: lifecycle rows */
	double	 host_cpu_percent;	/* the latest host sample; NaN */
	double	 host_memory_percent;
	double	 host_load1;
	double	 disk_percent;		/* the state directory's fs */
};

/* One sample of a metric family: the name (the gateway knows its type
 * and help), up to three labels (values escaped by the gateway), the
 * value. */
struct prom_item {
	char	*name;
	char	*k1, *v1;		/* "" when unused */
	char	*k2, *v2;
	char	*k3, *v3;
	double	 value;
};

/* Lines of the text exposition, all of one family: the statswriter's
 * containers, rendered once per sampling cycle.  Each line starts with
 * the family's name, the last ends with a newline. */
struct prom_text {
	char	*family;
	char	*lines;			/* at most PROTO_MAX_STR bytes */
};

/* What berthd or the statswriter measures, for /api/metrics and
 * /api/metrics/current.  Pages: a reply with more set is followed by
 * another request with page + 1.  gen: the texts' generation (they
 * change once per sampling cycle); same: the asker's known texts are
 * still current, and none are sent. */
struct body_prom {
	struct prom_item	*items;
	size_t			 nitems;
	struct prom_text	*texts;	/* only when asked for text */
	size_t			 ntexts;
	int64_t			 gen;
	int			 same;
	int			 more;
};

/* text: the statswriter may answer its containers' series as texts
 * (users: with the user label); otherwise every series is an item.
 * known: the generation of the texts the asker keeps (0: none). */
struct body_prom_req {
	int64_t	 page;
	int	 text;
	int	 users;
	int64_t	 known;
};

/* One health check as healthmon last ran it. */
struct check_item {
	char	*name;			/* docker, database, system, a worker,
					 * dep:<name> */
	char	*status;		/* healthy degraded unhealthy */
	int	 required;		/* readiness depends on it */
	int64_t	 response_ms;		/* -1: not run (breaker open) */
	int64_t	 checked_ms;		/* wall clock of the latest run */
	char	*breaker;		/* closed open half_open */
	int64_t	 failures;		/* in a row */
	char	*error;			/* "" when none */
	char	*details;		/* a JSON object */
};

struct body_health_report {
	int64_t			 round_ms;	/* wall clock of the round */
	struct check_item	*checks;
	size_t			 nchecks;
};

/* A container sample as stored (container_metrics); a NaN double or a
 * negative integer is unknown. */
struct metric_item {
	int64_t	 ts_ms;
	char	*container_id;
	char	*container_name;
	char	*workspace_id;
	char	*status;
	double	 cpu_percent;
	double	 cpu_seconds;
	int64_t	 memory_used;
	int64_t	 memory_limit;
	int64_t	 memory_cache;
	int64_t	 network_rx;
	int64_t	 network_tx;
	int64_t	 block_read;
	int64_t	 block_write;
	int64_t	 pids;
};

struct body_metrics {			/* MSG_METRICS, MSG_HISTORY */
	struct metric_item	*rows;
	size_t			 nrows;
	char			*source;	/* database, memory ("" in spool) */
};

struct sysmetric_item {
	int64_t	 ts_ms;
	char	*name;
	double	 value;
	char	*tags;			/* JSON object text */
};

struct body_sysmetrics {
	struct sysmetric_item	*rows;
	size_t			 nrows;
};

/* One page of history, newest first (keyset: before the last row). */
struct body_history_req {
	struct req_auth	 auth;
	int64_t	 since_ms;
	char	*container_id;		/* "" every container */
	int64_t	 before_ms;		/* 0: from the newest */
	char	*before_cid;
	int64_t	 limit;			/* 1..1000 */
};

struct lifecycle_item {
	char	*workspace_id;
	char	*container_id;
	char	*user_id;
	char	*s3_bucket;
	char	*reason;
	int64_t	 received_ms;		/* 0: unknown */
	int64_t	 created_ms;
	int64_t	 started_ms;
	int64_t	 available_ms;
	int64_t	 stopped_ms;
	int64_t	 startup_ms;		/* -1: unknown */
	int64_t	 active_ms;
};

struct user_item {
	char	*user_id;
	int64_t	 count;
	double	 avg_ms;		/* NaN: no startup time */
};

/* Distributions in ms: count, average, p50, p95 (NaN when empty). */
struct body_cstats {
	char			*source;
	int64_t			 startup_count;
	double			 startup_avg, startup_p50, startup_p95;
	int64_t			 create_count;
	double			 create_avg, create_p50, create_p95;
	int64_t			 start_count;
	double			 start_avg, start_p50, start_p95;
	int64_t			 ready_count;
	double			 ready_avg, ready_p50, ready_p95;
	struct user_item	*users;
	size_t			 nusers;
	int64_t			 failed;
	struct lifecycle_item	*failed_rows;
	size_t			 nfailed;
	struct lifecycle_item	*recent;
	size_t			 nrecent;
};

struct body_cg_read {
	char	*container_id;
	int64_t	 pid;
};

/* The scheduler stops a workspace with a reason of its own. */
#include "proto_monitor.h"

/* What the statswriter and healthmon saw of workspaces (MSG_WS_SEEN):
 * in use (traffic, a heartbeat), and the working set against the
 * limit.  No authority: it can only delay an inactivity stop or raise
 * an alert. */
struct seen_item {
	char	*workspace_id;
	int	 active;		/* in use now */
	double	 mem_percent;		/* working set / limit; -1 unknown */
};
struct body_ws_seen {
	struct seen_item	*items;
	size_t			 nitems;
};

/* A user's activity on a workspace (MSG_WS_ACTIVITY). */
struct body_ws_activity {
	struct req_auth	 auth;
	char	*id;
	char	*action;		/* heartbeat, extend or keepalive */
	int64_t	 minutes;		/* extend: by how much */
	int64_t	 until_ms;		/* keepalive: hold until */
};

struct body_ws_stop {
	char	*id;
	char	*reason;		/* inactivity, session_limit, ... */
};

/* A container carrying berth's labels, as the engine lists it. */
struct container_item {
	char	*id;			/* 64 hex */
	char	*name;
	char	*state;			/* running, exited, created, ... */
	int64_t	 created_ms;
	char	*workspace_id;		/* labels; "" when absent */
	char	*user_id;
	char	*project_id;
	int	 known;			/* in berthd's registry */
};

struct body_containers {
	struct container_item	*items;
	size_t			 nitems;
};

struct volume_item {
	char	*name;
	char	*project_id;		/* "" for a volume of no project */
	char	*owner;			/* "" when it has none */
	char	*created;		/* the engine's CreatedAt */
	int64_t	 in_use;		/* containers that mount it */
	int64_t	 deleted_ms;		/* its project was deleted; 0 not */
};

struct body_volumes {
	struct volume_item	*items;
	size_t			 nitems;
};

struct project_item {
	char	*project_id;
	char	*owner;			/* "" until the admin gives one */
	char	*volume;
	int64_t	 created_ms;		/* 0: unknown */
	int64_t	 deleted_ms;		/* 0: not deleted */
};

struct body_projects {			/* MSG_PROJECTS, MSG_PROJECT_REC */
	struct project_item	*items;
	size_t			 nitems;
};

struct body_project_owner {
	struct req_auth	 auth;
	char		*project_id;
	char		*user_id;	/* the new owner */
};

#include "proto_volumes.h"
#include "proto_jobs.h"

#include "proto_logs.h"

/* ---------------------------------------------------------------- messages */

struct msg {
	uint8_t		 version;
	uint16_t	 type;
	uint32_t	 id;
	uint8_t		 peer;
	uint8_t		 flags;
	int		 fd;		/* -1 unless MSGF_FD */
	void		*body;		/* struct body_* of the type's schema */
};

/* ---------------------------------------------------------------- schema */

enum field_type {
	FT_STR,		/* char *, NUL-terminated, no embedded NUL */
	FT_INT,		/* int64_t */
	FT_BOOL,	/* int, 0 or 1 */
	FT_DOUBLE,	/* double */
	FT_ARRAY	/* T *items at offset, size_t count at count_offset */
};

struct schema;

struct field {
	const char		*name;
	enum field_type		 type;
	size_t			 offset;
	int			 required;
	size_t			 max;		/* FT_STR bytes, FT_ARRAY items */
	const struct schema	*elem;		/* FT_ARRAY element schema */
	size_t			 count_offset;	/* FT_ARRAY */
};

struct schema {
	const char		*name;
	size_t			 size;		/* sizeof the body struct */
	const struct field	*fields;
	size_t			 nfields;
	int			 auth;		/* starts with struct req_auth */
};

const struct schema	*msg_schema(unsigned type);	/* NULL: unknown */
const char		*msg_type_name(unsigned type);
const char		*peer_name(unsigned peer);
/* The auth block of m's body, or NULL when its type has none. */
struct req_auth		*msg_auth(const struct msg *m);

#endif
