/*
 * Typed calls from a worker to berthd (and, through berthd's request
 * table, to another worker).  Each builds its request, sends it with
 * the right timeout and checks the answer: the callback gets either
 * the reply of the type the call asked for, or an error — a timeout,
 * berthd's MSG_ERROR, or an answer of another type (logged: the peer is
 * misbehaving) — never both.  A call made for an HTTP client takes the
 * bearer token the client presented: berthd resolves it.
 */
#ifndef BERTH_IPC_H
#define BERTH_IPC_H

#include <stdint.h>

#include "proto.h"

struct worker;

struct ipc_error {
	const char	*code;		/* as in MSG_ERROR: not_found, ... */
	const char	*message;
};

typedef void (*ipc_cb)(struct worker *, struct msg *reply,
    const struct ipc_error *err, void *arg);

/* Each returns the request id (for worker_cancel) or 0 when it could
 * not be sent (cb is then not called). */
uint32_t ipc_auth(struct worker *, const char *token, ipc_cb, void *);
/* b's contents move into the request (b is zeroed). */
uint32_t ipc_ws_create(struct worker *, const char *token,
	    struct body_ws_create *b, ipc_cb, void *);
uint32_t ipc_ws_list(struct worker *, const char *token, ipc_cb, void *);
uint32_t ipc_ws_get(struct worker *, const char *token, const char *id,
	    ipc_cb, void *);
uint32_t ipc_ws_delete(struct worker *, const char *token, const char *id,
	    ipc_cb, void *);
uint32_t ipc_ws_health(struct worker *, const char *token, const char *id,
	    ipc_cb, void *);
uint32_t ipc_ws_stats(struct worker *, const char *token, const char *id,
	    ipc_cb, void *);
uint32_t ipc_ws_patch(struct worker *, const char *token, const char *id,
	    double cpus, int64_t mem, int64_t swap, int64_t resv, ipc_cb,
	    void *);
/* A heartbeat (minutes and until 0), extend (minutes) or keepalive
 * (until, wall clock ms) on a workspace. */
uint32_t ipc_ws_activity(struct worker *, const char *token, const char *id,
	    const char *action, int64_t minutes, int64_t until_ms, ipc_cb,
	    void *);
/* Recent events matching q (its auth is filled here), from berthd's
 * memory (to PEER_PARENT) or the database (PEER_STATSWRITER). */
uint32_t ipc_events(struct worker *, unsigned to, const char *token,
	    const struct body_events_req *q, ipc_cb, void *);
uint32_t ipc_projects(struct worker *, const char *token, ipc_cb, void *);
/* MSG_VOL_BACKUP, MSG_VOL_BACKUPS_REQ or MSG_VOL_SIZE_REQ. */
uint32_t ipc_vol(struct worker *, unsigned type, const char *token,
	    const struct body_vol_req *, ipc_cb, void *);
uint32_t ipc_project_delete(struct worker *, const char *token,
	    const char *id, ipc_cb, void *);
uint32_t ipc_project_owner(struct worker *, const char *token,
	    const char *project, const char *user, ipc_cb, void *);
/* q's contents move into the request. */
uint32_t ipc_history(struct worker *, const char *token,
	    struct body_history_req *q, ipc_cb, void *);
uint32_t ipc_cstats(struct worker *, const char *token, ipc_cb, void *);
/* The jobs API (admin token), answered by the scheduler. */
uint32_t ipc_jobs(struct worker *, const char *token, const char *name,
	    ipc_cb, void *);
uint32_t ipc_job_run(struct worker *, const char *token, const char *name,
	    ipc_cb, void *);
uint32_t ipc_cleanup(struct worker *, const char *token, ipc_cb, void *);
/* A workspace's logs, a chunk at a time (MSG_LOG_CHUNK): the first
 * answers ipc_logs_open (q's contents move into the request), each
 * next one ipc_logs_next with the chunk's session, until one is done;
 * ipc_logs_close gives a session up. */
uint32_t ipc_logs_open(struct worker *, const char *token,
	    struct body_logs_req *q, ipc_cb, void *);
uint32_t ipc_logs_next(struct worker *, int64_t session, ipc_cb, void *);
/* The logstreamer's: every stream of workspace id from since_ns on,
 * followed; then ipc_logs_next as above. */
uint32_t ipc_logs_follow(struct worker *, const char *id, int64_t since_ns,
	    ipc_cb, void *);
void	 ipc_logs_close(struct worker *, int64_t session);
/* An SSE client's socket fd (sent, then closed here) for the
 * logstreamer; after: {ns, nth} of its Last-Event-ID, or NULL. */
uint32_t ipc_logs_attach(struct worker *, const char *token, const char *id,
	    const int64_t *after, int fd, ipc_cb, void *);
/* The same with a ticket of ipc_logs_ticket's (MSG_TICKET) instead. */
uint32_t ipc_logs_attach_ticket(struct worker *, const char *ticket,
	    const char *id, const int64_t *after, int fd, ipc_cb, void *);
uint32_t ipc_logs_ticket(struct worker *, const char *token, const char *id,
	    ipc_cb, void *);
/* The scheduler's, for berth itself. */
/* A finished run into job_runs (b's strings are copied). */
uint32_t ipc_job_record(struct worker *, const struct body_job_run *b,
	    ipc_cb, void *);
uint32_t ipc_ws_stop(struct worker *, const char *id, const char *reason,
	    ipc_cb, void *);
uint32_t ipc_containers(struct worker *, ipc_cb, void *);
uint32_t ipc_ws_all(struct worker *, ipc_cb, void *);
uint32_t ipc_retention(struct worker *, ipc_cb, void *);
/* The metrics or monitoring job's snapshot (MSG_MONITOR_DONE). */
uint32_t ipc_monitor(struct worker *, const char *what, ipc_cb, void *);
/* Seed 001's points, alerts, and resolving one (the gateway's). */
uint32_t ipc_mpoints(struct worker *, const char *token, const char *name,
	    int64_t limit, ipc_cb, void *);
uint32_t ipc_alerts(struct worker *, const char *token, int all, ipc_cb,
	    void *);
uint32_t ipc_notifications(struct worker *, const char *token, int64_t limit,
	    ipc_cb, void *);
/* A workspace's samples since since_ms (MSG_HISTORY answers). */
uint32_t ipc_ws_metrics(struct worker *, const char *token, const char *id,
	    int64_t since_ms, int64_t limit, ipc_cb, void *);
uint32_t ipc_silence_add(struct worker *, const char *token,
	    struct silence_matcher *, size_t, int64_t starts_ms, int64_t ends_ms,
	    const char *created_by, const char *comment, ipc_cb, void *);
uint32_t ipc_silences(struct worker *, const char *token, unsigned type,
	    const char *id, ipc_cb, void *);
uint32_t ipc_alert_resolve(struct worker *, const char *token, int64_t id,
	    const char *resolution, ipc_cb, void *);
/* A workspace in error: berthd recovers it or removes its container. */
int	 ipc_job_done(struct worker *, const struct body_job_run *);
uint32_t ipc_ws_settle(struct worker *, const char *id, const char *reason,
	    ipc_cb, void *);
uint32_t ipc_volume_rm(struct worker *, const char *name,
	    const char *reason, int64_t grace_s, ipc_cb, void *);
uint32_t ipc_container_rm(struct worker *, const char *id,
	    const char *reason, int64_t min_age_s, ipc_cb, void *);
/* The statswriter's, before each database connection. */
uint32_t ipc_db_prepare(struct worker *, ipc_cb, void *);
uint32_t ipc_volumes(struct worker *, ipc_cb, void *);

#endif
