/*
 * The logstreamer's feeds and clients: one engine follow per followed
 * workspace (a log session in berthd), fanned out to its SSE clients.
 */
#ifndef BERTH_STREAM_H
#define BERTH_STREAM_H

#include <stddef.h>

struct worker;
struct body_sse_client;
struct body_logs_state;

void	stream_init(struct worker *);
/* A client's socket fd (taken) with what berthd checked. */
void	stream_attach(struct worker *, const struct body_sse_client *, int fd);
/* A container's lifecycle, from berthd. */
void	stream_state(const struct body_logs_state *);
void	stream_shutdown(void);
size_t	stream_clients(void);

#endif
