/*
 * Tickets for the log stream: a browser's EventSource cannot send an
 * Authorization header, and a long-lived token must not go into a URL
 * (or a proxy's access log).  POST /api/workspaces/{id}/logs/ticket
 * (with the token) gets a random ticket for that one workspace, good
 * for TICKET_TTL_MS; ?ticket= on the stream is resolved here into the
 * identity that asked for it, as a token would be.  A ticket is good
 * for reconnections until it expires (EventSource reconnects with the
 * same URL).
 */
#include <sys/random.h>

#include <stdio.h>
#include <string.h>

#include "berthd.h"
#include "codec.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define TICKETS		1024
#define TICKET_TTL_MS	300000

static struct ticket {
	char		tk[33];
	char		ws[40];
	struct ident	who;
	uint64_t	expires_ms;
} tickets[TICKETS];

/* Constant-time: a ticket is a secret. */
static int
same(const char *a, const char *b)
{
	unsigned char	d = 0;
	size_t		i;

	if (strlen(a) != 32 || strlen(b) != 32)
		return 0;
	for (i = 0; i < 32; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

int
ticket_ident(const char *tk, const char *id, struct ident *who)
{
	uint64_t	now = wall_ms();
	size_t		i;

	for (i = 0; i < TICKETS; i++)
		if (tickets[i].expires_ms > now && same(tickets[i].tk, tk) &&
		    strcmp(tickets[i].ws, id) == 0) {
			*who = tickets[i].who;
			return 0;
		}
	return -1;
}

static struct ticket *
ticket_slot(uint64_t now)
{
	size_t	i;

	for (i = 0; i < TICKETS; i++)
		if (tickets[i].expires_ms <= now)
			return &tickets[i];
	return NULL;
}

/* MSG_LOGS_TICKET: for the workspace's owner or the admin. */
void
logs_h_ticket(const struct caller *c, struct msg *m)
{
	struct body_ws_ref	*q = m->body;
	struct workspace	*ws = ws_find(q->id);
	struct ticket		*t;
	struct body_ticket	*b;
	unsigned char		 rnd[16];
	uint64_t		 now = wall_ms();
	struct msg		 r;
	size_t			 i;

	if (ws == NULL || (!c->who.admin && strcmp(ws->user, c->who.user) !=
	    0)) {
		caller_error(c, "not_found", "no such workspace");
		return;
	}
	if ((t = ticket_slot(now)) == NULL) {
		caller_error(c, "busy", "too many tickets; retry shortly");
		return;
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		log_warn("%s: getrandom", __func__);
		caller_error(c, "unavailable", "no randomness");
		return;
	}
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(t->tk + 2 * i, 3, "%02x", rnd[i]);
	snprintf(t->ws, sizeof(t->ws), "%s", ws->id);
	t->who = c->who;
	t->expires_ms = now + TICKET_TTL_MS;
	b = msg_init(&r, MSG_TICKET, 0, PEER_PARENT);
	b->ticket = xstrdup(t->tk);
	b->expires_ms = (int64_t)t->expires_ms;
	caller_reply(c, &r);
	msg_clear(&r);
}
