/*
 * A channel: one end of an AF_UNIX stream socketpair carrying framed
 * messages (4-byte big-endian length + msgpack) and descriptors, driven
 * by libevent.  Used by berthd, every worker and the admin socket.
 * The blocking helpers (chanio.c) serve berthctl and tests.
 */
#ifndef BERTH_CHAN_H
#define BERTH_CHAN_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct event_base;
struct chan;

/* A decoded message; the callback owns *m and must msg_clear() it. */
typedef void (*chan_msg_cb)(struct chan *, struct msg *m, void *arg);
/* A frame that did not decode; the channel stays open. */
typedef void (*chan_reject_cb)(struct chan *, const char *reason, void *arg);
/* End of file, read/write error or unrecoverable framing error; the
 * callback usually calls chan_free(). */
typedef void (*chan_close_cb)(struct chan *, const char *reason, void *arg);

struct chan	*chan_new(struct event_base *base, int fd, chan_msg_cb,
		    chan_reject_cb, chan_close_cb, void *arg);
void		 chan_free(struct chan *);	/* closes the socket */
int		 chan_fd(const struct chan *);

/* Queue m for sending.  If m->flags has MSGF_FD, m->fd is sent and then
 * closed by the channel.  Returns 0, or -1 if m does not encode (logged;
 * a descriptor is closed all the same). */
int		 chan_send(struct chan *, const struct msg *m);
uint32_t	 chan_next_id(struct chan *);
size_t		 chan_pending(const struct chan *);	/* bytes queued */

/* Blocking: write one message / read one message, waiting at most
 * timeout_ms (-1 forever).  Return 0, or -1 with errno (ETIMEDOUT on
 * timeout, EPROTO on a bad frame, 0 errno with EOF as ECONNRESET). */
int		 msg_write_fd(int fd, const struct msg *m);
int		 msg_read_fd(int fd, struct msg *m, int timeout_ms);

#endif
