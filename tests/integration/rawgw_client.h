/*
 * The test side of rawgw (the stand-in gateway): a TCP client whose
 * frames rawgw relays verbatim to berthd, and which receives every
 * frame berthd sends the gateway (but MSG_CONFIG, MSG_PING and
 * MSG_SHUTDOWN, which rawgw handles itself).
 */
#ifndef BERTH_RAWGW_CLIENT_H
#define BERTH_RAWGW_CLIENT_H

#include <stddef.h>

#include "proto.h"

/* Connect to rawgw on 127.0.0.1:port.  Returns the socket or -1. */
int	rawgw_connect(int port);
/* Send m (encoded, with its length prefix) as the gateway would.
 * Returns 0, or -1 with errno (ETIMEDOUT when rawgw took no bytes for
 * timeout_ms; the stream may then hold half a frame: close it). */
int	rawgw_send(int fd, const struct msg *m, int timeout_ms);
/* Send body (len bytes, not checked) as one frame; len 0 is the
 * stop-reading command. */
int	rawgw_send_frame(int fd, const void *body, size_t len,
	    int timeout_ms);
/* Tell rawgw to stop reading from berthd from now on. */
int	rawgw_stop_reading(int fd, int timeout_ms);
/* The next message berthd sent, decoded (msg_clear it); as
 * msg_read_fd(): 0, or -1 with errno (ETIMEDOUT, EPROTO, ECONNRESET). */
int	rawgw_recv(int fd, struct msg *m, int timeout_ms);

#endif
