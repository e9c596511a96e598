/*
 * The gateway worker: the HTTP API.  Internal interfaces between its
 * files.
 */
#ifndef BERTH_GATEWAY_H
#define BERTH_GATEWAY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "ipc.h"

struct evhttp_request;
struct jw;

#define ROUTE_MAX_PARAMS	4

struct worker;

/* http_util.c */
void	 http_reply_json(struct evhttp_request *, int code, json_t *body);
/* text is JSON already. */
void	 http_reply_raw(struct evhttp_request *, int code, const char *text);
void	 http_reply_jw(struct evhttp_request *, int code, struct jw *);
void	 http_error(struct evhttp_request *, int code, const char *errcode,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int	 route_match(const char *pattern, const char *path,
	    char params[][128], int maxparams);

/* gateway.c: what a route asks of its caller */
enum route_auth {
	ROUTE_NONE,		/* the probes */
	ROUTE_OPTIONAL,		/* /api/health: details with a token */
	ROUTE_SCRAPE,		/* /api/metrics: [metrics] scrape_token */
	ROUTE_TOKEN,		/* the API */
	ROUTE_UNKNOWN		/* no such route: 404 or 405 */
};
enum route_auth	route_auth(const char *method, const char *path);

/* conns.c: connection caps, the whole-request deadline, the token
 * checked before the body */
struct evhttp;
struct evhttp_connection;
void	conns_init(struct worker *, struct evhttp *);
void	conns_shutdown(void);
struct prom_list;
void	conns_prom(struct prom_list *);	/* open, refused by reason */
/* The request was read whole: its deadline stops. */
void	conns_dispatched(struct evhttp_request *);
/* evhttp_connection_set_closecb for the request's connection (conns.c
 * keeps the connection's own). */
void	conns_closecb(struct evhttp_request *,
	    void (*)(struct evhttp_connection *, void *), void *);

/* The request's socket was handed to another process (a copy): free
 * the connection without shutting the socket down. */
void	conns_handoff(struct evhttp_request *);

/* api.c: handlers of the workspace API, and what other API files use */
struct msg;
typedef void route_handler(struct worker *, struct evhttp_request *,
    char params[][128]);
route_handler	api_ws_create, api_ws_list, api_ws_get, api_ws_delete,
		api_ws_patch, api_ws_health, api_ws_stats;
/* events.c: GET /api/monitoring/events */
void	 api_events(struct worker *, struct evhttp_request *,
	    char params[][128]);
/* activity.c: POST .../heartbeat, .../extend, .../keepalive */
void	 api_ws_heartbeat(struct worker *, struct evhttp_request *,
	    char params[][128]);
void	 api_ws_extend(struct worker *, struct evhttp_request *,
	    char params[][128]);
void	 api_ws_keepalive(struct worker *, struct evhttp_request *,
	    char params[][128]);

/* The bearer token presented, or NULL after answering 401. */
const char *api_token(struct evhttp_request *);
/* The token of an Authorization header's value, or NULL if malformed. */
const char *api_bearer(const char *header);
/* Called with the answer (errors are answered for it). */
typedef void (*api_done_cb)(struct worker *, struct evhttp_request *,
    struct msg *, void *arg);
/* A typed call about one workspace (token, id): ipc_ws_get and alike. */
typedef uint32_t (*api_ws_fn)(struct worker *, const char *token,
    const char *id, ipc_cb, void *);
/* Check the token and the id's shape (404), then call fn for the
 * request, answered by done. */
void	 api_ws_call(struct worker *, struct evhttp_request *, api_ws_fn,
	    const char *wsid, api_done_cb done);
/* An API request waiting for an answer: made with api_call_new, its
 * typed call (ipc.h) made with api_ipc_done and the call as arguments,
 * and the id that returns given to api_call_sent.  done_gone (optional)
 * frees arg when done is not called (an error, the client gone). */
struct call;
struct ipc_error;
struct call *api_call_new(struct worker *, struct evhttp_request *,
	    api_done_cb, void *arg, void (*done_gone)(void *));
void	 api_call_sent(struct call *, uint32_t id);
void	 api_ipc_done(struct worker *, struct msg *,
	    const struct ipc_error *, void *call);
void	 api_error(struct evhttp_request *, const struct ipc_error *);
/* The request body as a JSON object, or NULL after answering 400/422. */
json_t	*read_body(struct evhttp_request *);
struct evkeyvalq;
/* The query string into kv (cleared by the caller either way); -1 when
 * it is malformed, has a key not in keys or one key twice. */
int	 http_query_parse(struct evhttp_request *, const char *const *keys,
	    struct evkeyvalq *kv);
/* A positive decimal number up to max, or -1. */
int64_t	 http_number(const char *, int64_t max);
/* Answer 200 with the workspace of a MSG_WORKSPACE reply. */
void	 api_done_workspace(struct worker *, struct evhttp_request *,
	    struct msg *, void *);
json_t	*time_json(int64_t wall_ms);		/* null when 0 */

/* logs.c: GET /api/workspaces/{id}/logs and /logs/stream */
route_handler	api_ws_logs, api_ws_logs_stream, api_ws_logs_ticket;

/* projects.c: GET /api/projects, PUT /api/projects/{id}/owner */
route_handler	api_projects_list, api_project_owner, api_project_delete;
/* volumes.c: backups and size of a project's volume */
route_handler	api_vol_backup, api_vol_backups, api_vol_backup_get,
		api_vol_size, api_vol_restore, api_vol_clone,
		api_vol_clone_get;

/* jobs.c: the scheduler's jobs and cleanup (admin token) */
route_handler	api_jobs_list, api_job_run, api_cleanup, api_monitor;

/* alerts.c: seed 001's metric points and the alerts */
route_handler	api_mpoints, api_alerts, api_alert_resolve, api_notifications;
/* The JSON of one item, as each list shows it. */
json_t	*event_json(const struct event_item *);		/* events.c */
json_t	*job_json(const struct job_item *);		/* jobs.c */
json_t	*alert_json(const struct alert_item *);		/* alerts.c */
json_t	*point_json(const struct sysmetric_item *);	/* alerts.c */
json_t	*metric_json(const struct metric_item *);	/* api_stats.c */
json_t	*sessions_summary(const struct body_ws_items *);	/* sessions.c */
/* dashboard.c: GET /api/monitoring/health, /dashboard and
 * /sessions/{id}/metrics */
route_handler	api_mon_health, api_dashboard, api_session_metrics;
/* silences.c: the admin's silences */
route_handler	api_silence_add, api_silences, api_silence_get,
		api_silence_expire;
/* sessions.c: GET /api/monitoring/sessions */
route_handler	api_sessions;

/* httpstats.c: requests by route, method and code, latency, features */
void	httpstats_begin(const struct evhttp_request *, const char *route,
	    const char *feature);
void	httpstats_end(const struct evhttp_request *, int code);
void	httpstats_prom(struct prom_list *);

/* metrics.c: GET /api/metrics and /api/metrics/current */
route_handler	api_metrics, api_metrics_current;
/* metrics_json.c: the JSON of /api/metrics/current */
void	metrics_json_reply(struct worker *, struct evhttp_request *,
	    const struct prom_list *);

/* health.c: GET /ready and /api/health (details with the admin token) */
void	health_ready(struct worker *, struct evhttp_request *);
void	health_api(struct worker *, struct evhttp_request *);

/* api_stats.c: GET /api/containers/history and /api/containers/stats */
route_handler	api_containers_history, api_containers_stats;

#endif
