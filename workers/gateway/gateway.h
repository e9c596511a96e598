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

/* api.c: handlers of the workspace API */
struct worker;
typedef void route_handler(struct worker *, struct evhttp_request *,
    char params[][128]);
route_handler	api_ws_create, api_ws_list, api_ws_get, api_ws_delete,
		api_ws_patch, api_ws_health, api_ws_stats;

#endif
