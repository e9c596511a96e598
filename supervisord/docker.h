/*
 * The Docker Engine client of berthd: HTTP/1.1 over the engine's Unix
 * socket, driven by the libevent loop, so no call ever blocks the
 * supervisor.  Paths are given without the version prefix; every
 * request goes to /v1.41.  The process must ignore SIGPIPE (berthd
 * does): an engine that hangs up mid-request is an error, not a death.
 */
#ifndef BERTH_DOCKER_H
#define BERTH_DOCKER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct docker_stream;

#define DOCKER_API_VERSION	"1.41"
#define DOCKER_MAX_BODY		(8 * 1024 * 1024)

/* A finished request.  status is the HTTP status, or 0 when the engine
 * could not be reached (err says why).  json is the parsed body when it
 * was JSON (else NULL); raw/len the body as received.  Neither outlives
 * the callback. */
struct docker_reply {
	long		 status;
	json_t		*json;
	const char	*raw;
	size_t		 len;
	const char	*err;
};
typedef void (*docker_cb)(const struct docker_reply *, void *arg);

/* Bytes of a streaming response as they arrive. */
typedef void (*docker_data_cb)(const char *buf, size_t len, void *arg);
/* The stream ended: status as above (0: transport error or cancelled). */
typedef void (*docker_end_cb)(long status, const char *err, void *arg);

int	docker_init(struct event_base *, const char *socket_path);
void	docker_shutdown(void);	/* cancels everything; no callbacks */

/* method "GET", "POST", "DELETE", ...; path like "/containers/json?all=1"
 * (query strings are the caller's, already escaped); body is sent as
 * JSON when not NULL (the reference is taken).  timeout_ms 0 = 30 s. */
void	docker_call(const char *method, const char *path, json_t *body,
	    long timeout_ms, docker_cb cb, void *arg);

/* An upload's body: append to out; 1 when the body is all in, 0 more
 * to come, 2 nothing for now (docker_upload_more when there is), -1 it
 * cannot be read (the request fails). */
struct evbuffer;
typedef int (*docker_fill_cb)(struct evbuffer *out, void *arg);
#define DOCKER_LENGTH_UNKNOWN	UINT64_MAX	/* sent in chunks */
/* PUT path with a body of length bytes of ctype, asked of fill as the
 * engine takes it; cb as docker_call's.  The request is the stream
 * handed back (docker_stream_cancel ends it, no callback); NULL when
 * cb has run already. */
struct docker_stream *docker_upload(const char *path, const char *ctype,
	    uint64_t length, docker_fill_cb fill, long timeout_ms,
	    docker_cb cb, void *arg);
void	docker_upload_more(struct docker_stream *);

/* A long-lived GET (/events, /containers/{id}/logs?follow=1). */
struct docker_stream *docker_stream(const char *path, docker_data_cb,
	    docker_end_cb, void *arg);
void	docker_stream_cancel(struct docker_stream *);	/* no callback */
/* pause 1: stop reading it (the engine waits); 0: read again. */
void	docker_stream_pause(struct docker_stream *, int pause);

/* Percent-escape s for a query string (allocated). */
char	*docker_escape(const char *s);

/* Split a multiplexed (non-TTY) log stream: 8-byte headers [stream, 0,
 * 0, 0, big-endian length]; calls line_cb for each complete payload.
 * state carries partial frames between calls. */
struct docker_demux {
	unsigned char	 hdr[8];
	size_t		 hdrlen;
	char		*buf;
	size_t		 need, have;
};
typedef void (*docker_frame_cb)(int stream, const char *buf, size_t len,
    void *arg);
int	docker_demux_feed(struct docker_demux *, const char *buf, size_t len,
	    docker_frame_cb, void *arg);
void	docker_demux_free(struct docker_demux *);

/* engine checks: /_ping then /version; ok when the API is 1.41+. */
void	docker_check(void (*cb)(int ok, const char *version,
	    const char *api, const char *err, void *arg), void *arg);

#endif
