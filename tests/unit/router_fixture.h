/*
 * A berthd without processes for the router's tests and its fuzz
 * target: the real router, request table and handlers, with each
 * worker's channel on a socketpair whose other end the test holds.
 * The engine is down, so nothing reaches Docker.
 */
#ifndef BERTH_ROUTER_FIXTURE_H
#define BERTH_ROUTER_FIXTURE_H

#include <stdint.h>

#include "proto.h"

#define RF_ADMIN	"rf-admin-token-0123456789"
#define RF_ALICE	"rf-alice-token-0123456789"
#define RF_BOB		"rf-bob-token-012345678901"

struct wproc;

void		 rf_setup(void);
void		 rf_teardown(void);
struct wproc	*rf_worker(unsigned peer);
/* Hand m to the router as if worker peer had sent it (m is cleared). */
void		 rf_send(unsigned from, struct msg *m);
/* The next message berthd sent to worker peer, within timeout_ms:
 * 0, or -1 if none came. */
int		 rf_recv(unsigned peer, struct msg *m, int timeout_ms);
/* Drain what berthd sent to every worker. */
void		 rf_drain(void);
unsigned	 rf_rejects(unsigned peer);
/* A request of type from a worker with the auth block filled. */
void		*rf_request(struct msg *, unsigned type, unsigned to,
		    uint32_t id, const char *token);

#endif
