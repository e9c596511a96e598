/*
 * A client's socket for the logstreamer: bytes queued (or kept by its
 * owner) and written with one writev once the current callback is done
 * (or the pace since the last write has passed), a write event only
 * while the socket is full, and the peer's end (or an error) told once.
 */
#ifndef BERTH_SINK_H
#define BERTH_SINK_H

#include <stddef.h>

#define SINK_PACE_BYTES	(64 * 1024)	/* held: written, pace or not */

struct event_base;
struct iovec;
struct sink;

void		 sink_init(struct event_base *);
/* A sink is written at most once in ms, but at once when it holds 64
 * KiB (0: at the end of each callback that queued bytes). */
void		 sink_pace(long);
void		 sink_shutdown(void);
/* fd is taken (closed by sink_free).  gone(arg) is called once, when
 * the peer ends or an error comes, or when a closing sink is drained;
 * it must call sink_free.  A NULL gone frees the sink itself. */
struct sink	*sink_new(int fd, void (*gone)(void *), void *arg);
void		 sink_add(struct sink *, const char *, size_t);
/* Bytes the sink's owner keeps for it (a feed's lines, kept once for
 * all its clients): when the sink's own buffer is written out, pull(arg,
 * iov, max) gives up to max pieces from where this sink is, taken as
 * given, and they are written from the owner's memory; what the socket
 * does not take is copied into the buffer.  0 pieces: none. */
void		 sink_source(struct sink *,
		    int (*pull)(void *, struct iovec *, int));
/* The owner has bytes for pull: as sink_add's, without a copy; written
 * at once, pace or not, when now is set. */
void		 sink_poke(struct sink *, int now);
size_t		 sink_pending(const struct sink *);
/* Ends once written: gone follows. */
void		 sink_close(struct sink *);
void		 sink_free(struct sink *);

#endif
