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

/* A message was refused because the queue would pass the hard limit
 * (queued: bytes waiting then).  Called once per channel, from the
 * event loop, never from chan_send(); it may free the channel. */
typedef void (*chan_overflow_cb)(struct chan *, size_t queued, void *arg);

struct chan	*chan_new(struct event_base *base, int fd, chan_msg_cb,
		    chan_reject_cb, chan_close_cb, void *arg);
void		 chan_free(struct chan *);	/* closes the socket */
int		 chan_fd(const struct chan *);

/* Queue m for sending.  If m->flags has MSGF_FD, m->fd is sent and then
 * closed by the channel.  Returns 0, or -1 if m does not encode or the
 * queue is full (logged; a descriptor is closed all the same).  The
 * frames queued in one turn of the event loop leave together at its end
 * (or at once past 64 KiB): the loop must run for them to go. */
int		 chan_send(struct chan *, const struct msg *m);
/* Send what is queued now, as far as the socket takes it (a process
 * about to exit; chan_free() does it too). */
void		 chan_push(struct chan *);
uint32_t	 chan_next_id(struct chan *);
size_t		 chan_pending(const struct chan *);	/* bytes queued */

/* Bound the queue of a channel whose peer may stop reading.  Above high
 * bytes queued the channel stops taking messages from its peer (whose
 * requests make the replies) until the queue drains to high/2; a
 * message that would take it past hard is refused (chan_send() returns
 * -1, a descriptor it carries is closed) and cb is called (may be
 * NULL).  0 means no limit; hard should leave room above high for a
 * few PROTO_MAX_MSG messages.  Without this call a queue has no bound. */
void		 chan_set_limits(struct chan *, size_t high, size_t hard,
		    chan_overflow_cb cb);
int		 chan_paused(const struct chan *);	/* above high */

/* Blocking: write one message / read one message, waiting at most
 * timeout_ms (-1 forever).  Return 0, or -1 with errno (ETIMEDOUT on
 * timeout, EPROTO on a bad frame, 0 errno with EOF as ECONNRESET). */
int		 msg_write_fd(int fd, const struct msg *m);
int		 msg_read_fd(int fd, struct msg *m, int timeout_ms);

#endif
