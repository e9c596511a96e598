/*
 * berthd, the privileged supervisor: prototypes grouped by file.
 */
#ifndef BERTHD_H
#define BERTHD_H

#include <stdint.h>
#include <sys/types.h>
#include <event2/dns.h>
#include <jansson.h>

#include "backoff.h"
#include "config.h"
#include "proto.h"
#include "wscheck.h"

struct event;
struct event_base;
struct json_t;
struct chan;
struct wproc;

/* ------------------------------------------------------------ workers.c */

#define WF_CHROOT	0x01	/* chroot into the empty directory */
#define WF_LISTENER	0x02	/* fd 4: the HTTP listening socket */
#define WF_SPOOL	0x04	/* fd 4: the spool directory */
#define WF_TLSROOTS	0x10	/* BERTH_NOTIFY_CA_FILE in its environment */
#define WF_DBROOT	0x08	/* a root of its own: what dbprep_paths
				 * lists, /proc, the cgroups, the spool */

/* What berthd sends a worker without being asked. */
#define SUB_ROSTER	0x01	/* the workspaces whose containers run */
#define SUB_FACTS	0x02	/* lifecycle facts to make durable (one
				 * worker answers them) */
#define SUB_JOBS	0x04	/* the jobs' last fires, the test clock */

/* One row per worker: adding a worker is adding a row, a folder and a
 * program.  Each worker is its own program (berth-NAME, built from
 * workers/main.c), so that it maps only the libraries it uses and
 * berthd maps none of the workers' (libpq above all). */
struct worker_def {
	enum peer_id			 id;
	const char			*name;
	const char			*program;	/* in env->libexec_dir */
	int				 flags;
	/* secret configuration keys this worker may see */
	const char *const		*secrets;
	int				 subscribe;	/* SUB_* */
};

extern const struct worker_def	worker_defs[NWORKERS];

/* ------------------------------------------------------------ supervise.c */

enum wstate {
	WS_STOPPED, WS_STARTING, WS_UP, WS_BACKOFF, WS_FAILED, WS_STOPPING
};

struct wproc {
	const struct worker_def	*def;
	pid_t			 pid;
	enum wstate		 state;
	struct chan		*chan;
	int			 errfd;		/* stderr pipe when daemonised */
	struct event		*errev;
	struct event		*timer;		/* restart timer */
	uint64_t		 started_ms;
	uint64_t		 up_ms;		/* HELLO received */
	unsigned		 restarts;
	uint32_t		 gen;		/* this run of the worker */
	unsigned		 rejects;	/* malformed or refused */
	int			 restart_now;	/* asked to restart, no backoff */
	char			 last_exit[48];
	struct backoff		 bo;
};

const char	*wstate_name(enum wstate);
void		 supervise_init(void);
void		 supervise_start_all(void);
void		 supervise_reap(void);
void		 supervise_restart(struct wproc *);
void		 supervise_stop_all(void);
int		 supervise_all_up(void);
int		 supervise_all_down(void);
struct wproc	*wproc_by_name(const char *);
struct wproc	*wproc_by_peer(unsigned);
/* The one worker (up or not) subscribed to sub, or NULL. */
struct wproc	*wproc_subscribed(int sub, struct wproc *after);
void		 supervise_policy(struct backoff_policy *);

/* ------------------------------------------------------------ proc.c */

int	 proc_spawn(struct wproc *);
void	 proc_send_config(struct wproc *);

/* ------------------------------------------------------------ requests.c */

/* Who a request is from, as berthd decided it: for a request made for
 * an HTTP client, what its bearer token maps to; for one a worker makes
 * on its own (the scheduler's), berth itself (admin). */
struct ident {
	char	user[65];
	int	admin;
	char	tiers[256];		/* allowed, comma separated; "" all */
	char	default_tier[33];
};

/* A request in berthd's hands and where its answer goes.  A copy may
 * be kept for as long as the work takes: the answer reaches the worker
 * only if it is still the same run of it (gen) and is of a type the
 * request's row allows. */
struct caller {
	uint8_t		 peer;
	uint32_t	 gen;
	uint32_t	 id;
	uint16_t	 type;
	struct ident	 who;
	struct chan	*admin;		/* berthctl's connection, else NULL */
};

typedef void request_fn(const struct caller *, struct msg *);

#define RQ_FD		0x01	/* may carry a descriptor */
#define RQ_TOKEN	0x02	/* made for an HTTP client: resolve its token */
#define RQ_ADMIN	0x04	/* only for the admin token */
#define RQ_MAX_REPLIES	3

/* One row per message a peer may send: who may send it, to whom (a
 * bit per peer; PEER_PARENT's bit: berthd handles it), how, and what
 * may answer it (MSG_ERROR always may; none: not a request). */
struct request_row {
	uint16_t	 type;
	uint32_t	 from;
	uint32_t	 to;
	int		 flags;
	request_fn	*handler;	/* when sent to berthd */
	uint16_t	 replies[RQ_MAX_REPLIES];
};

#define PEER_BIT(p)	(1u << (p))

const struct request_row *request_row(unsigned type, unsigned from,
	    unsigned to);
int	 request_answers(const struct request_row *, unsigned reply_type);
const struct request_row *request_rows(size_t *n);
/* The identity behind a bearer token; -1 if none matches. */
int	 ident_from_token(const char *token, struct ident *);
int	 ident_allows_tier(const struct ident *, const char *tier);

/* ------------------------------------------------------------ projects.c */

request_fn	 project_h_list, project_h_owner, project_h_delete;
/* When project id was deleted (berthd's test clock), 0 if it was not. */
int64_t	 project_deleted_ms(const char *id);
/* The owner of a project the caller may touch (its owner or the
 * admin), or NULL after answering 404. */
const char *project_owned(const struct caller *, const char *id);
/* A workspace of the project is starting, running or stopping. */
int	 project_busy(const char *id);
/* A new project of owner (a clone's target): 0, -1 if the id is known. */
int	 project_new(const char *id, const char *owner);
void	 project_forget(const char *id);	/* one of project_new */
/* May who start a workspace of owner on project id?  0 (the project is
 * now owner's if it was nobody's), or -1 with an API error code
 * ("not_found", "conflict") and message. */
int	 project_claim(const char *id, const char *owner,
	    const struct ident *who, const char **code, const char **msg);
/* The engine has volume v of project id: NULL if owner's workspace
 * may mount it (by_admin: the admin started it), else the API error
 * code to answer. */
const char *project_volume_seen(const char *id, struct json_t *v,
	    const char *owner, int by_admin);
void	 project_adopt(struct json_t *volume);	/* from a volume list */
void	 projects_load(void);
void	 projects_send(struct wproc *);		/* to the statswriter */

/* ------------------------------------------------------------ jobstate.c */

void	 jobstate_load(void);
request_fn	 jobstate_h_save;
void	 jobstate_send(struct wproc *);
int64_t	 jobstate_now_ms(void);	/* wall clock plus the test offset */
int64_t	 jobstate_offset_ms(void);
int	 jobstate_clock_allowed(void);	/* BERTH_TEST_CLOCK=1 */
int	 jobstate_clock_move(int64_t delta_s);
void	 jobstate_zones(char *buf, size_t len);

/* ------------------------------------------------------------ router.c */

void	 router_dispatch(struct wproc *, struct msg *);
void	 router_worker_gone(struct wproc *);
void	 router_status(struct msg *reply, uint32_t id);
/* A worker broke the protocol: logged, counted; three and it is
 * restarted. */
void	 misbehaved(struct wproc *, const char *what);
/* Answer c with m (its id, peer and flags are set here) or an error;
 * dropped when the worker that asked is gone or restarted. */
void	 caller_reply(const struct caller *, struct msg *m);
void	 caller_error(const struct caller *, const char *code,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int	 caller_alive(const struct caller *);

/* ------------------------------------------------------------ admin.c */

int	 admin_listen(const char *path, uid_t uid, gid_t gid);
/* Answer berthctl's request id on c with m, or an error. */
void	 admin_reply(struct chan *c, uint32_t id, struct msg *m);
void	 admin_error(struct chan *c, uint32_t id, const char *code,
	    const char *msg);
void	 admin_start(int fd);
void	 admin_stop(void);

/* ------------------------------------------------------------ sdnotify.c */

void	 sdnotify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 sdnotify_watchdog_start(struct event_base *);
void	 sdnotify_watchdog_stop(void);

/* ------------------------------------------------------------ workspace.c */

enum ws_status {
	WSS_STARTING, WSS_RUNNING, WSS_STOPPING, WSS_STOPPED, WSS_ERROR
};

struct workspace {
	struct workspace	*next;
	char			 id[40];	/* uuid */
	char			*user;
	char			*project;
	char			*type;
	char			*tier;
	char			*s3;
	char			 container[72];	/* engine id, 64 hex */
	char			 ip[48];
	long			 port;
	pid_t			 pid;
	enum ws_status		 status;
	char			 health[16];	/* engine health state */
	char			 stop_reason[16];
	int			 stop_requested; /* by berth: not an error */
	int			 creating;	/* the create chain runs */
	int			 cancel;	/* deleted while creating */
	int			 by_admin;	/* started by the admin */
	struct caller		*waiter;	/* a delete waiting for it */
	int			 oom;		/* the engine reported OOM */
	int			 died;		/* a die, no start since */
	int			 held;		/* stopped for a backup (hold.c) */
	uint64_t		 created_ms;	/* wall clock */
	uint64_t		 started_ms;
	uint64_t		 stopped_ms;
	double			 cpus;
	int64_t			 memory_mb;
	int64_t			 memory_swap_mb;
	int64_t			 memory_reservation_mb;
	int64_t			 activity_ms;	/* last activity (test clock) */
	int64_t			 hold_ms;	/* extend, keepalive: not before */
	int			 warned;	/* the idle warning was given */
	double			 mem_percent;	/* working set / limit; -1 */
};

struct workspace *ws_new(const char *id);
struct workspace *ws_find(const char *id);
struct workspace *ws_find_container(const char *container_id);
struct workspace *ws_first(void);
void		 ws_forget(struct workspace *);
void		 ws_trim(void);		/* forget the oldest that are over */
const char	*ws_status_name(enum ws_status);
/* Tell the statswriter a workspace reached phase at at_ms (wall
 * clock; 0: now). */
void		 ws_fact(const struct workspace *, const char *phase,
		    int64_t at_ms);
/* The workspace answered first (healthmon) or the engine found it
 * healthy: running, with its startup time. */
void		 ws_available(struct workspace *, int64_t at_ms);
void		 ws_info(const struct workspace *, struct workspace_info *);
/* The workspace the caller may touch, or NULL after answering 404. */
struct workspace *ws_owned(const struct caller *, const char *wsid);
void		 ws_reply(const struct caller *, const struct workspace *);
request_fn	 ws_h_create, ws_h_list, ws_h_get, ws_h_delete, ws_h_patch,
		 ws_h_health, ws_h_stats, ws_h_stop, ws_h_available;

/* ------------------------------------------------------------ activity.c */

void	 activity_start(void);		/* the autostop timer */
void	 activity_stop(void);
/* When ws stops for inactivity (test clock), or 0: never. */
int64_t	 activity_deadline(const struct workspace *);
/* What its JSON shows as autostopAt: the earlier of that and the end
 * of its tier's maximum session; 0: neither. */
int64_t	 activity_autostop(const struct workspace *);
request_fn	 ws_h_activity;		/* heartbeat, extend, keepalive */
request_fn	 ws_h_seen;		/* the statswriter: traffic */

/* ------------------------------------------------------------ events.c */

/* Record an event (severity info, warning, error or critical) about
 * ws (or NULL) and log it. */
void	 event_emit(const char *type, const char *severity,
	    const struct workspace *, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
int	 event_severity_valid(const char *);
request_fn	 events_h_list;		/* MSG_EVENTS_REQ */
request_fn	 events_h_breaker;	/* MSG_BREAKER (healthmon) */
request_fn	 events_h_job;		/* MSG_JOB_DONE (the scheduler) */

/* ------------------------------------------------------------ monitor.c */

void	 monitor_start(void);		/* the host reader, a baseline */
void	 monitor_stop(void);
void	 monitor_cleaned(void);		/* an orphaned container removed */
/* Seed 001's health of a session: healthy, warning, critical; "" when
 * it is not running or starting. */
const char *monitor_session_health(const struct workspace *);
/* A workspace_* metric of ws for the alert rules; -1 if unknown. */
int	 monitor_ws_value(const struct workspace *, const char *metric,
	    double *);
request_fn	 monitor_h_run;		/* MSG_MONITOR_RUN */
request_fn	 monitor_h_points;	/* MSG_MPOINTS_REQ */

/* ------------------------------------------------------------ alerts.c */

/* Evaluate every rule on a snapshot: value(metric) of the system, and
 * monitor_ws_value() for each running workspace.  Counts for the
 * reply. */
void	 alerts_evaluate(double (*value)(const char *, void *), void *arg,
	    struct body_monitor_done *);
/* The workspace rules on ws now, whatever its state (an OOM kill
 * often ends the workspace before the next snapshot). */
void	 alerts_workspace_now(struct workspace *);
void	 alerts_counts(int64_t *active, int64_t *critical);
/* Firing alerts by severity (info, warning, error, critical). */
void	 alerts_by_severity(int64_t out[4]);
void	 alerts_boot(void);		/* close the rows of earlier runs */
request_fn	 alerts_h_list;		/* MSG_ALERTS_REQ */
request_fn	 alerts_h_resolve;	/* MSG_ALERT_RESOLVE */
/* A silence started or ended (silences.c): notify what it released. */
void	 alerts_silences_changed(void);
/* Firing alerts, then those resolved since since_ms, into out. */
size_t	 alerts_for_alertmanager(struct alert_item *out, size_t max,
	    int64_t since_ms);

/* ------------------------------------------------------------ silences.c */

struct alert_labels {
	const char	*alertname, *severity, *workspace, *user, *metric;
};
void	 silences_start(void);		/* the file, the edge timer */
void	 silences_stop(void);
/* The id of an active silence matching l, or NULL. */
const char *silence_muting(const struct alert_labels *l);
request_fn	 silences_h_add;	/* MSG_SILENCE_ADD */
request_fn	 ws_h_metrics;		/* MSG_WS_METRICS_REQ (ws_requests.c) */
request_fn	 silences_h_list;	/* MSG_SILENCES_REQ */
request_fn	 silences_h_expire;	/* MSG_SILENCE_EXPIRE */

/* ------------------------------------------------------------ statefile.c */

/* name in the state directory, replaced whole (0) or not (-1). */
int	 statefile_save(const char *name, json_t *);
json_t	*statefile_load(const char *name);	/* NULL: none or unreadable */

/* ------------------------------------------------------------ notify.c */

void	 notify_start(void);		/* the outbox, the re-send timer */
void	 notify_stop(void);
/* An alert fired or resolved (event alert.firing or alert.resolved). */
void	 notify_alert(const struct alert_item *, const char *event);
request_fn	 notify_h_done;		/* MSG_NOTIFY_DONE (healthmon) */
request_fn	 notify_h_list;		/* MSG_NOTIFY_REQ */

/* ------------------------------------------------------------ notify_fmt.c */

/* "berthd:<boot>:<id>", an alert's key across restarts. */
void	 notify_alert_key(const struct alert_item *, char *out, size_t len);
/* A webhook's body in format (berth or alertmanager). */
char	*notify_body(const struct alert_item *, const char *format,
	    const char *event, const char *receiver, const char *id);
/* The alerts of POST /api/v2/alerts. */
char	*notify_am_body(const struct alert_item *, size_t n, int64_t now_ms,
	    long resend_s);
/* "v1,<base64>", the Standard Webhooks signature. */
void	 notify_sign(const char *secret, const char *id, long long ts,
	    const char *body, char *out, size_t len);
/* ------------------------------------------------------------ volumes.c */

struct vol_backup {
	struct vol_backup	*next;
	char			 id[40];	/* uuid */
	char			 project[WS_ID_MAX + 1];
	char			 owner[WS_ID_MAX + 1];
	char			 volume[96];
	char			 status[12];	/* running, done, failed */
	char			 compression[8];
	char			 consistency[8];
	char			 file[64];	/* in backup_dir */
	char			 sha256[65];
	char			 error[256];
	char			 image[256];	/* the helper's, that worked */
	int64_t			 bytes, stored_bytes, entries;
	int64_t			 started_ms, finished_ms;
	/* its remote copy (remote.c): "" none; pending, uploading,
	 * uploaded, failed; the archive's object key; why it failed */
	char			 remote_state[12];
	char			 remote_key[160];
	char			 remote_error[320];
};

void	 volumes_load(void);		/* manifests of backup_dir */
/* b's record changed: its manifest written again, its row sent. */
void	 vol_backup_changed(const struct vol_backup *b);
/* The backups berthd knows, newest first. */
struct vol_backup *vol_backups_first(void);
/* backup_dir's descriptor, or -1. */
int	 vol_backup_dir(void);
void	 volumes_clean_helpers(void);	/* the engine is first listed */
request_fn	 vol_h_backup, vol_h_backups, vol_h_size, vol_h_restore;
void	 vol_reply_backup(const struct caller *, const struct vol_backup *);
/* Why no workspace may start on project now (a restore, a clone into
 * it, a backup that stopped its workspace), or NULL. */
const char *vol_busy(const char *project);
/* The images a helper of project may use, best first. */
size_t	 vol_helper_images(const char *project, const char **out,
	    size_t max);

/* ------------------------------------------------------------ clone.c */

request_fn	 clone_h_start, clone_h_get;
/* A clone into project is under way. */
int	 clone_busy(const char *project);
/* Undo the clones a stop of berthd cut (once, when the engine is up). */
void	 clones_recover(void);

/* ------------------------------------------------------------ restore.c */

/* Check b's file and restore it into its project's volume; the caller
 * is answered with the record, or the error. */
void	 restore_start(const struct caller *, struct vol_backup *b,
	    int dirfd, const char *image);
/* A restore of project (NULL: of any) is under way. */
int	 restore_busy(const char *project);

/* ------------------------------------------------------------ remote.c */

/* At start, after the manifests are read: [volumes.s3] set up, and
 * uploads cut by a restart queued again. */
void	 remote_start(void);
/* b worked: its archive and manifest queued for upload (if remote
 * storage is set up). */
void	 remote_upload(struct vol_backup *b);
/* b's upload is queued or running (rotation leaves it). */
int	 remote_busy(const struct vol_backup *b);
/* b goes (rotation): its remote objects are deleted. */
void	 remote_forget(const struct vol_backup *b);
/* b's archive downloaded into the new file tmp of dirfd; err NULL when
 * it is there. */
typedef void (*remote_fetch_cb)(const char *err, void *arg);
void	 remote_fetch(const struct vol_backup *b, int dirfd, const char *tmp,
	    remote_fetch_cb, void *);

/* ------------------------------------------------------------ s3.c */

typedef void (*s3_done_cb)(const char *err, void *arg);
int	 s3_init(void);		/* [volumes.s3] set and usable: 1 */
int	 s3_check(const struct berth_config *);	/* berthd -n: errors */
int	 s3_enabled(void);
void	 s3_put_file(const char *key, int dirfd, const char *file,
	    s3_done_cb, void *);
void	 s3_get_file(const char *key, int dirfd, const char *file,
	    s3_done_cb, void *);
void	 s3_delete(const char *key, s3_done_cb, void *);

/* ------------------------------------------------------------ curlev.c */

typedef void (*curlev_done_cb)(void *easy, int curlcode, long status,
    void *arg);
void	 curlev_init(void);
void	 curlev_add(void *easy, curlev_done_cb, void *);

/* ------------------------------------------------------------ backup.c */

/* err NULL: the archive and its sha256 are in place. */
typedef void (*backup_done_cb)(struct vol_backup *, const char *err,
    void *arg);
/* images: tried in turn until one is on the host; quiesce: the
 * running workspace to pause or stop (rec's consistency), or NULL. */
void	 backup_run(struct vol_backup *, int dirfd,
	    const char *const *images, size_t nimages,
	    const struct workspace *quiesce, backup_done_cb, void *);
struct json_t	*helper_spec(const char *image, const char *volume,
		    int read_only, const char *project, const char *job,
		    const char *id);

/* ------------------------------------------------------------ dbprep.c */

/* --check-config's database checks (print) or start's warnings: the
 * number of problems. */
int	 dbprep_check(const struct berth_config *, int print);
/* A fresh resolver (/etc/hosts, resolv.conf as now) looking up host's
 * TCP addresses for cb; free it after cb (not inside it).  NULL when
 * it cannot be set up. */
struct evdns_base *dns_lookup_tcp(const char *host,
	    evdns_getaddrinfo_cb cb, void *arg);
/* The socket directory and files the statswriter's root must hold
 * (allocated, at most max). */
size_t	 dbprep_paths(const struct berth_config *, char **paths, size_t max);
/* SANDBOX_NET_*: the socket domains its database URL needs. */
unsigned dbprep_net(const struct berth_config *);
request_fn	 dbprep_h_prepare;	/* MSG_DB_PREPARE */
/* berthctl db: where berth's database is (fills b), or -1 (err). */
int	 dbprep_info(struct body_db_info *b, char *err, size_t errlen);

/* ------------------------------------------------------------ facts.c */

/* Keep a record for the statswriter (MSG_LIFECYCLE, MSG_EVENT_REC)
 * until it answers; what is for the log. */
void	 facts_push(const struct msg *, const char *what);
void	 facts_add(const struct workspace *, const char *phase,
	    int64_t at_ms);
void	 facts_flush(void);		/* the statswriter is up */
size_t	 facts_pending(void);
void	 facts_save(int spool_dirfd);	/* at exit, workers gone */

/* ------------------------------------------------------------ metrics.c */

void	 metrics_start(void);
void	 metrics_stop(void);
void	 metrics_startup(int64_t ms);		/* request to first answer */
void	 metrics_shutdown(const char *reason);
void	 metrics_activity(const char *action, const char *tier);
request_fn	 metrics_h_prom;			/* MSG_PROM_REQ */

/* ------------------------------------------------------------ roster.c */

void	 roster_changed(void);		/* sent once this turn ends */
void	 roster_send(struct wproc *);	/* now, to one worker */
void	 roster_free(void);

/* ------------------------------------------------------------ engine.c */

void	 engine_start(void);		/* check, adopt, follow events */
void	 engine_stop(void);
request_fn	 ws_h_settle;
request_fn	 engine_h_containers, engine_h_volumes, engine_h_container_rm,
		 engine_h_volume_rm;
int	 engine_up(void);
/* The engine's managed containers are in the registry. */
int	 engine_adopted(void);
const char *engine_version(void);	/* "" when down */

/* ------------------------------------------------------------ engine_api.c */

struct json_t;
struct docker_reply;
typedef void (*eng_cb)(const struct docker_reply *, void *arg);
int	 eng_busy(void);		/* max_concurrent_calls in flight */
long	 eng_inflight(void);
void	 eng_container_create(const char *name, struct json_t *spec,
	    eng_cb, void *);
void	 eng_container_start(const char *cid, eng_cb, void *);
void	 eng_container_stop(const char *cid, long timeout_s,
	    const char *reason, eng_cb, void *);
void	 eng_container_remove(const char *cid, eng_cb, void *);
void	 eng_container_update(const char *cid, struct json_t *body, eng_cb,
	    void *);
void	 eng_container_inspect(const char *cid, eng_cb, void *);
void	 eng_container_stats(const char *cid, eng_cb, void *);
void	 eng_container_list(const char *label, eng_cb, void *);
void	 eng_container_list_mounting(const char *volume, eng_cb, void *);
void	 eng_volume_create(const char *name, struct json_t *labels, eng_cb,
	    void *);
void	 eng_volume_inspect(const char *name, eng_cb, void *);
void	 eng_volume_remove(const char *name, eng_cb, void *);
void	 eng_volume_list(const char *label, eng_cb, void *);
void	 eng_network_inspect(const char *name, eng_cb, void *);
void	 eng_network_create(const char *name, struct json_t *options,
	    struct json_t *labels, eng_cb, void *);
struct docker_stream;
typedef void (*eng_data_cb)(const char *buf, size_t len, void *arg);
typedef void (*eng_end_cb)(long status, const char *err, void *arg);
struct docker_stream *eng_container_logs(const char *cid,
	    const char *query, eng_data_cb, eng_end_cb, void *);
void	 eng_container_pause(const char *cid, int pause, eng_cb, void *);
struct docker_stream *eng_container_archive(const char *cid,
	    const char *path, eng_data_cb, eng_end_cb, void *);
void	 eng_system_df(eng_cb, void *);

/* ------------------------------------------------------------ logs.c */

request_fn	 logs_h_open, logs_h_follow, logs_h_next, logs_h_close,
		 logs_h_attach, logs_h_attach_ticket;

/* ------------------------------------------------------------ tickets.c */

request_fn	 logs_h_ticket;
/* The identity of a live ticket for workspace id; -1 if none. */
int	 ticket_ident(const char *ticket, const char *id, struct ident *);
void	 logs_shutdown(void);
/* berthctl's connection c is closed: its log sessions go. */
void	 logs_admin_gone(const struct chan *c);
/* Tell the logstreamer ws's container is started, stopped, restarted
 * or removed; final: no start can follow. */
void	 logs_state(const struct workspace *, const char *state, int final);

/* ------------------------------------------------------------ netguard.c */

void	 netguard_start(void (*done)(void)); /* the engine answers */
void	 netguard_stop(void);		/* berthd exits: rules removed */
int	 netguard_reaped(pid_t, int status);	/* 1: one of ours */
/* The NetworkMode of a workspace of type t, NULL if not ready. */
const char *netguard_network(const struct ws_type *t);
const char *netguard_problem(void);	/* "" when all is in place */

/* ------------------------------------------------------------ spec.c */

struct body_ws_create;
struct json_t	*spec_container(struct workspace *, const struct ws_type *,
		    const struct body_ws_create *);

/* ------------------------------------------------------------ container.c */

/* A chain ended: ws (NULL if forgotten meanwhile), and an error code
 * and message, or NULL when it worked. */
typedef void (*ws_done_cb)(struct workspace *, const char *code,
    const char *message, void *arg);
/* A query answered: the reply to send, or NULL and an error. */
typedef void (*ws_reply_cb)(struct msg *reply, const char *code,
    const char *message, void *arg);
void	 container_create(struct workspace *, const struct body_ws_create *,
	    ws_done_cb, void *);
void	 container_remove(struct workspace *, const char *reason,
	    ws_done_cb, void *);
void	 container_update(struct workspace *, const struct body_ws_patch *,
	    ws_done_cb, void *);
void	 container_health(struct workspace *, ws_reply_cb, void *);
void	 container_engine_stats(struct workspace *, ws_reply_cb, void *);
void	 container_stopped(struct workspace *, const char *reason);
void	 container_died(struct workspace *);
/* The engine started its container (berth did, or a restart). */
void	 container_started(struct workspace *);
/* ws's container, inspected as json, runs (again): so does ws. */
void	 container_running_again(struct workspace *, struct json_t *,
	    const char *what, const char *why);
void	 container_adopt(struct json_t *summary);
void	 container_settle_error(struct workspace *, ws_done_cb, void *);

/* ------------------------------------------------------------ hold.c */

/* consistency "stop": ws stopped for a backup, its container kept;
 * hold_release starts it again. */
void	 hold_stop(struct workspace *, ws_done_cb, void *);
void	 hold_release(const char *wsid, ws_done_cb, void *);
int	 hold_busy(const char *project);

/* ------------------------------------------------------------ router.c */

typedef void (*parent_reply_cb)(struct msg *reply, void *arg);
/* An MSG_ERROR reply to request id of to, from peer. */
void	 send_error(struct wproc *to, uint32_t id, unsigned peer,
	    const char *code, const char *message);
/* berthd asks a worker; cb gets the reply or NULL (worker gone). */
int	 parent_call(struct wproc *, struct msg *, parent_reply_cb, void *);

/* ------------------------------------------------------------ parent.c */

struct berthd {
	struct event_base	*base;
	struct berth_config	 cfg;
	const char		*config_path;
	char			*libexec_dir;	/* the worker programs */
	int			 foreground;
	int			 privileged;	/* running as root */
	uid_t			 worker_uid;
	gid_t			 worker_gid;
	char			*empty_dir;
	int			 http_fd;
	int			 spool_fd;	/* <state dir>/spool */
	int			 admin_fd;
	uint64_t		 start_ms;
	int			 shutting_down;
	int			 ready;		/* READY=1 sent */
	char			*pg_conninfo;	/* embedded PostgreSQL, ready */
	int			 pg_failed;	/* no embedded one: no database */
	struct wproc		 workers[NWORKERS];
};

extern struct berthd	*env;

int	 parent_main(const char *config_path, int foreground, int debug);
int	 parent_load_config(struct berth_config *, const char *path, int print);
void	 parent_worker_up(struct wproc *);
void	 parent_worker_down(struct wproc *);

#endif
