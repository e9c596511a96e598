/*
 * The router's fixture: see router_fixture.h.
 */
#include <sys/socket.h>

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berthd.h"
#include "chan.h"
#include "codec.h"
#include "log.h"
#include "router_fixture.h"
#include "util.h"
#include "xmalloc.h"

static struct berthd	 fixture_env;
static int		 ends[NWORKERS];	/* the workers' side */
static char		 statedir[64];

static void
ignore_msg(struct chan *c, struct msg *m, void *arg)
{
	msg_clear(m);
}

static void
ignore_other(struct chan *c, const char *why, void *arg)
{
}

static void
config(void)
{
	struct berth_config	*c = &env->cfg;
	char			 err[256];
	static const char *const kv[][2] = {
		{ "auth.admin_token", RF_ADMIN },
		{ "token.alice.token", RF_ALICE },
		{ "token.alice.user", "alice" },
		{ "token.bob.token", RF_BOB },
		{ "token.bob.user", "bob" },
	};
	size_t			 i;

	config_init(c);
	for (i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
		if (config_set(c, kv[i][0], kv[i][1], err, sizeof(err)) == -1)
			fatalx("fixture config %s: %s", kv[i][0], err);
	free(c->state_dir);
	c->state_dir = xstrdup(statedir);
}

void
rf_setup(void)
{
	struct wproc	*wp;
	int		 sv[2];
	size_t		 i;

	log_init("router-test", 1, LOG_LVL_ERR);
	env = &fixture_env;
	memset(env, 0, sizeof(*env));
	snprintf(statedir, sizeof(statedir), "/tmp/berth-rf-XXXXXX");
	if (mkdtemp(statedir) == NULL)
		fatal("mkdtemp");
	env->base = event_base_new();
	config();
	for (i = 0; i < NWORKERS; i++) {
		wp = &env->workers[i];
		wp->def = &worker_defs[i];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) ==
		    -1)
			fatal("socketpair");
		set_nonblock(sv[0]);
		wp->chan = chan_new(env->base, sv[0], ignore_msg,
		    ignore_other, ignore_other, wp);
		wp->state = WS_UP;
		wp->gen = 1;
		ends[i] = sv[1];
	}
}

void
rf_teardown(void)
{
	size_t	i;
	char	cmd[128];

	for (i = 0; i < NWORKERS; i++) {
		chan_free(env->workers[i].chan);
		close(ends[i]);
	}
	roster_free();
	event_base_free(env->base);
	config_free(&env->cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", statedir);
	if (system(cmd) != 0)
		log_warnx("cannot remove %s", statedir);
}

struct wproc *
rf_worker(unsigned peer)
{
	return wproc_by_peer(peer);
}

void
rf_send(unsigned from, struct msg *m)
{
	router_dispatch(wproc_by_peer(from), m);
	msg_clear(m);
	event_base_loop(env->base, EVLOOP_NONBLOCK);
}

int
rf_recv(unsigned peer, struct msg *m, int timeout_ms)
{
	event_base_loop(env->base, EVLOOP_NONBLOCK);
	return msg_read_fd(ends[peer - 1], m, timeout_ms);
}

void
rf_drain(void)
{
	struct msg	m;
	unsigned	p;

	for (p = 1; p < PEER_MAX; p++)
		while (rf_recv(p, &m, 0) == 0)
			msg_clear(&m);
}

unsigned
rf_rejects(unsigned peer)
{
	return wproc_by_peer(peer)->rejects;
}

void *
rf_request(struct msg *m, unsigned type, unsigned to, uint32_t id,
    const char *token)
{
	struct req_auth	*a;
	void		*b = msg_init(m, type, id, to);

	if ((a = msg_auth(m)) != NULL) {
		a->token = xstrdup(token != NULL ? token : "");
		a->caller = xstrdup("");
	}
	return b;
}
