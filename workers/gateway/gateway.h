/*
 * The gateway worker: the HTTP API.  Internal interfaces between its
 * files.
 */
#ifndef BERTH_GATEWAY_H
#define BERTH_GATEWAY_H

#include <jansson.h>

struct evhttp_request;

#define ROUTE_MAX_PARAMS	4

/* http_util.c */
void	 http_reply_json(struct evhttp_request *, int code, json_t *body);
void	 http_error(struct evhttp_request *, int code, const char *errcode,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int	 route_match(const char *pattern, const char *path,
	    char params[][128], int maxparams);
char	*iso8601_ms(uint64_t wall_ms, char *buf, size_t len);

#endif
