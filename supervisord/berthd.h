/*
 * berthd, the privileged supervisor: prototypes grouped by file.
 */
#ifndef BERTHD_H
#define BERTHD_H

#include <stdint.h>
#include <sys/types.h>

#include "backoff.h"
#include "config.h"
#include "proto.h"

struct event;
struct event_base;
struct chan;
struct wproc;

/* ------------------------------------------------------------ workers.c */

#define WF_CHROOT	0x01	/* chroot into the empty directory */
#define WF_LISTENER	0x02	/* fd 4: the HTTP listening socket */
#define WF_SPOOL	0x04	/* fd 4: the spool directory */
#define WF_DBROOT	0x08	/* a root of its own: what dbprep_paths
				 * lists, /proc, the cgroups, the spool */

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
	/* requests this worker may make of berthd beyond the common ones;
	 * 0 handled, -1 not allowed (the worker is misbehaving) */
	int	(*dispatch)(struct wproc *, struct msg *);
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
	unsigned		 rejects;	/* malformed messages */
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
void		 supervise_policy(struct backoff_policy *);

/* ------------------------------------------------------------ proc.c */

int	 proc_spawn(struct wproc *);
void	 proc_send_config(struct wproc *);

/* ------------------------------------------------------------ router.c */

void	 router_dispatch(struct wproc *, struct msg *);
void	 router_worker_gone(struct wproc *);
void	 router_status(struct msg *reply, uint32_t id);

/* ------------------------------------------------------------ admin.c */

int	 admin_listen(const char *path, uid_t uid, gid_t gid);
void	 admin_start(int fd);
void	 admin_stop(void);

/* ------------------------------------------------------------ sdnotify.c */

void	 sdnotify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 sdnotify_watchdog_start(struct event_base *);

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
	int			 oom;		/* the engine reported OOM */
	uint64_t		 created_ms;	/* wall clock */
	uint64_t		 started_ms;
	uint64_t		 stopped_ms;
	double			 cpus;
	int64_t			 memory_mb;
	int64_t			 memory_swap_mb;
	int64_t			 memory_reservation_mb;
};

struct workspace *ws_new(const char *id);
struct workspace *ws_find(const char *id);
struct workspace *ws_find_container(const char *container_id);
struct workspace *ws_first(void);
void		 ws_forget(struct workspace *);
const char	*ws_status_name(enum ws_status);
/* Tell the statswriter a workspace reached phase at at_ms (wall
 * clock; 0: now). */
void		 ws_fact(const struct workspace *, const char *phase,
		    int64_t at_ms);
/* The workspace answered first (healthmon) or the engine found it
 * healthy: running, with its startup time. */
void		 ws_available(struct workspace *, int64_t at_ms);
void		 ws_info(const struct workspace *, struct workspace_info *);
int		 parent_dispatch_gateway(struct wproc *, struct msg *);
int		 parent_dispatch_healthmon(struct wproc *, struct msg *);
/* Answer request id of wp with an error (code as in the API). */
void		 reply_error(struct wproc *wp, uint32_t id, const char *code,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ------------------------------------------------------------ dbprep.c */

/* --check-config's database checks (print) or start's warnings: the
 * number of problems. */
int	 dbprep_check(const struct berth_config *, int print);
/* The socket directory and files the statswriter's root must hold
 * (allocated, at most max). */
size_t	 dbprep_paths(const struct berth_config *, char **paths, size_t max);
int	 parent_dispatch_statswriter(struct wproc *, struct msg *);
/* berthctl db: where berth's database is (fills b), or -1 (err). */
int	 dbprep_info(struct body_db_info *b, char *err, size_t errlen);

/* ------------------------------------------------------------ facts.c */

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
void	 metrics_reply(struct wproc *, struct msg *req);	/* MSG_PROM */

/* ------------------------------------------------------------ roster.c */

void	 roster_changed(void);		/* sent once this turn ends */
void	 roster_send(struct wproc *);	/* now, to one worker */
void	 roster_free(void);

/* ------------------------------------------------------------ engine.c */

void	 engine_start(void);		/* check, adopt, follow events */
void	 engine_stop(void);
int	 engine_up(void);
const char *engine_version(void);	/* "" when down */
void	 engine_create(struct workspace *, const struct body_ws_create *,
	    struct wproc *reply_to, uint32_t reply_id);
void	 engine_remove(struct workspace *, struct wproc *, uint32_t);
void	 engine_update(struct workspace *, const struct body_ws_patch *,
	    struct wproc *, uint32_t);
void	 engine_health(struct workspace *, struct wproc *, uint32_t);
void	 engine_stats(struct workspace *, struct wproc *, uint32_t);

/* ------------------------------------------------------------ container.c */

struct json_t;
void	 container_stopped(struct workspace *, const char *reason);
void	 container_died(struct workspace *);
void	 container_adopt(struct json_t *summary);

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
