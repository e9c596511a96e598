/*
 * A webhook receiver for the notification tests: an HTTP or HTTPS
 * server on loopback, in a thread of its own, that records every POST
 * and answers the statuses it was told to, in order.
 */
#ifndef BERTH_RECEIVER_H
#define BERTH_RECEIVER_H

#include <stdint.h>

#define RCV_MAX		64

struct rcv_hit {
	char	 path[128];
	char	 id[96];		/* webhook-id */
	char	 ts[24];		/* webhook-timestamp */
	char	 sig[128];		/* webhook-signature */
	char	*body;
	int	 status;		/* what it was answered */
	uint64_t at_ms;			/* monotonic */
};

struct receiver;

/* Listen on 127.0.0.1 and ::1 (a free port); with cert and key (PEM
 * files), HTTPS. */
struct receiver	*rcv_start(const char *cert, const char *key);
int		 rcv_port(struct receiver *);
/* The statuses of the next answers, in order ("Retry-After: 1" goes
 * with each 429), then always dflt. */
void		 rcv_script(struct receiver *, const int *statuses, int n,
		    int dflt);
/* A copy of hit i, or 0 when there are not that many yet. */
int		 rcv_hit(struct receiver *, int i, struct rcv_hit *out);
int		 rcv_count(struct receiver *);
/* Wait up to timeout_ms for at least n hits; the count. */
int		 rcv_wait(struct receiver *, int n, int timeout_ms);
void		 rcv_stop(struct receiver *);

#endif
