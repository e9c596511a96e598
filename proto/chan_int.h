/*
 * What chan.c (the event-driven channel) and chanio.c (the blocking
 * helpers) share: the frame header, the FIFO of received descriptors,
 * building a frame and one sendmsg()/recvmsg() with descriptors.
 */
#ifndef BERTH_CHAN_INT_H
#define BERTH_CHAN_INT_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define CHAN_MAX_FDS	16		/* received, not yet claimed */
#define FRAME_HDR	4

/* Descriptors received and not yet claimed by a message. */
struct fdq {
	int	fds[CHAN_MAX_FDS];
	size_t	n;
	int	lost;		/* some arrived with the queue full */
};

uint32_t get_be32(const char *p);
int	 fdq_pop(struct fdq *q);
void	 fdq_clear(struct fdq *q);
/* Encode m as a whole frame.  Returns 0, or -1 and a reason in err. */
int	 frame_build(const struct msg *m, char **data, size_t *len,
	    char *err, size_t errlen);
/* One sendmsg(), with descriptor fd attached unless it is -1. */
ssize_t	 send_chunk(int sock, const char *buf, size_t len, int fd);
/* One recvmsg(); descriptors that come with the bytes go into q. */
ssize_t	 recv_chunk(int sock, char *buf, size_t len, int flags,
	    struct fdq *q);

#endif
