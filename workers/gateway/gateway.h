/*
 * The gateway worker: the HTTP API.  Internal interfaces between its
 * files.
 */
#ifndef BERTH_GATEWAY_H
#define BERTH_GATEWAY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct evhttp_request;

#define ROUTE_MAX_PARAMS	4

/* http_util.c */
void	 http_reply_json(struct evhttp_request *, int code, json_t *body);
void	 http_error(struct evhttp_request *, int code, const char *errcode,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int	 route_match(const char *pattern, const char *path,
	    char params[][128], int maxparams);
char	*iso8601_ms(uint64_t wall_ms, char *buf, size_t len);

/* api.c: handlers of the workspace API, and what other API files use */
struct worker;
struct msg;
typedef void route_handler(struct worker *, struct evhttp_request *,
    char params[][128]);
route_handler	api_ws_create, api_ws_list, api_ws_get, api_ws_delete,
		api_ws_patch, api_ws_health, api_ws_stats;

struct ident {
	const char	*user;
	int		 admin;
};
/* The caller's identity in *id; -1 after answering 401. */
int	 api_auth(struct worker *, struct evhttp_request *, struct ident *);
/* Called with the answer (MSG_ERROR replies are answered for it). */
typedef void (*api_done_cb)(struct worker *, struct evhttp_request *,
    struct msg *, void *arg);
/* Ask berthd or the worker m->peer names; done_gone (optional) frees
 * arg when done is not called (no answer, client gone). */
void	 api_call_with(struct worker *, struct evhttp_request *,
	    struct msg *, api_done_cb, void *arg, void (*done_gone)(void *));

/* httpstats.c: requests by route, method and code, latency, features */
struct prom_list;
void	httpstats_begin(const struct evhttp_request *, const char *route,
	    const char *feature);
void	httpstats_end(const struct evhttp_request *, int code);
void	httpstats_prom(struct prom_list *);

/* metrics.c: GET /api/metrics and /api/metrics/current */
route_handler	api_metrics, api_metrics_current;
/* metrics_json.c: the JSON of /api/metrics/current */
void	metrics_json_reply(struct worker *, struct evhttp_request *,
	    const struct prom_list *);

/* health.c: GET /api/health (readiness 0) and /ready (1) */
void	health_start(struct worker *, struct evhttp_request *, int readiness);

/* api_stats.c: GET /api/containers/history and /api/containers/stats */
route_handler	api_containers_history, api_containers_stats;

#endif
