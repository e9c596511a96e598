/*
 * The health monitor worker.  Two jobs: the health service (checks.c:
 * rounds of component checks behind circuit breakers, the report
 * /api/health shows), and the startup probes.  berthd's roster names
 * the workspaces whose containers run; each one still "starting" is
 * probed over HTTP (probe.c: tens of milliseconds apart at first, then
 * backing off) until it answers, and the time of that first answer goes
 * to berthd, which records it as the workspace's availability and
 * startup time.  It also makes berthd's notification posts (post.c).
 * Chrooted; it may open IPv4 and IPv6 sockets, never Unix ones, and
 * resolves no names.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <jansson.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>

#include "beat.h"
#include "checks.h"
#include "codec.h"
#include "log.h"
#include "post.h"
#include "probe.h"
#include "util.h"
#include "worker.h"
#include "xmalloc.h"

static const int healthmon_syscalls[] = {
	/* probe connections */
	SCMP_SYS(connect), SCMP_SYS(getsockopt), SCMP_SYS(setsockopt),
	SCMP_SYS(getsockname), SCMP_SYS(getpeername),
};
static const struct sandbox_arg_rule healthmon_rules[] = {
	/* probes: TCP only, no raw or datagram sockets */
	SANDBOX_SOCKET(AF_INET, SOCK_STREAM),
	SANDBOX_SOCKET(AF_INET6, SOCK_STREAM),
	SANDBOX_ARG(SCMP_SYS(ioctl), 1, FIONREAD),	/* evbuffer_read */
};
const struct sandbox_policy healthmon_policy = {
	"healthmon", healthmon_syscalls, SANDBOX_NELEM(healthmon_syscalls),
	healthmon_rules, SANDBOX_NELEM(healthmon_rules)
};

#define MAX_WATCH	1000	/* the roster's bound */

/* A starting workspace: being probed, or done (answered, given up). */
struct watch {
	char	wsid[40];
	int	done;
	int	seen;		/* on the latest roster */
};

struct healthmon {
	struct checks		*checks;
	struct probe_set	*probes;
	struct beats		*beats;
	struct watch		 watch[MAX_WATCH];
	size_t			 nwatch;
};

static struct watch *
watch_find(struct healthmon *h, const char *wsid)
{
	size_t	i;

	for (i = 0; i < h->nwatch; i++)
		if (strcmp(h->watch[i].wsid, wsid) == 0)
			return &h->watch[i];
	return NULL;
}

static void
watch_drop(struct healthmon *h, struct watch *wt)
{
	probe_stop(h->probes, wt->wsid);
	*wt = h->watch[--h->nwatch];
}

static void
probe_ok(const char *key, uint64_t at_ms, void *arg)
{
	struct worker			*w = arg;
	struct healthmon		*h = w->priv;
	struct body_ws_available	*b;
	struct watch			*wt;
	struct msg			 m;

	b = msg_init(&m, MSG_WS_AVAILABLE, 0, PEER_PARENT);
	b->workspace_id = xstrdup(key);
	b->at_ms = (int64_t)at_ms;
	worker_send(w, &m);
	msg_clear(&m);
	log_debug("workspace %s answered", key);
	if ((wt = watch_find(h, key)) != NULL)
		wt->done = 1;	/* done: no probing it again */
}

static void
probe_failed(const char *key, const char *why, void *arg)
{
	struct worker		*w = arg;
	struct healthmon	*h = w->priv;
	struct watch		*wt;

	log_warnx("workspace %s never answered its startup probe: %s", key,
	    why);
	if ((wt = watch_find(h, key)) != NULL)
		wt->done = 1;
}

static void
watch_item(struct worker *w, const struct roster_item *it)
{
	struct healthmon	*h = w->priv;
	struct watch		*wt;
	int64_t			 left;

	if ((wt = watch_find(h, it->workspace_id)) == NULL) {
		if (h->nwatch == MAX_WATCH)
			return;
		wt = &h->watch[h->nwatch++];
		memset(wt, 0, sizeof(*wt));
		snprintf(wt->wsid, sizeof(wt->wsid), "%s", it->workspace_id);
	}
	wt->seen = 1;
	if (wt->done || it->ip[0] == '\0')
		return;
	/* A restarted healthmon gives no more time than was left. */
	left = w->cfg.health_startup_timeout_s * 1000 -
	    ((int64_t)wall_ms() - it->received_ms);
	if (left <= 0 || probe_start(h->probes, wt->wsid, it->ip,
	    (int)it->port, it->probe_path, (uint64_t)left) == -1)
		wt->done = 1;
}

/* The whole roster, every time: what is no longer starting is not
 * probed any more. */
static void
roster(struct worker *w, const struct body_roster *b)
{
	struct healthmon	*h = w->priv;
	size_t			 i;

	for (i = 0; i < h->nwatch; i++)
		h->watch[i].seen = 0;
	for (i = 0; i < b->nitems; i++)
		if (strcmp(b->items[i].status, "starting") == 0)
			watch_item(w, &b->items[i]);
	for (i = 0; i < h->nwatch; ) {
		if (h->watch[i].seen)
			i++;
		else
			watch_drop(h, &h->watch[i]);
	}
}

/* Before confinement: jansson seeds its hashes from /dev/urandom;
 * OpenSSL reads its configuration and the TLS roots. */
static void
healthmon_init(struct worker *w)
{
	json_object_seed(0);
	post_init();
}

static void
healthmon_start(struct worker *w)
{
	struct healthmon *h = xcalloc(1, sizeof(*h));

	w->priv = h;
	h->probes = probe_set_new(w->base, probe_ok, probe_failed, w);
	h->checks = checks_new(w);
	h->beats = beats_new(w);
}

static void
healthmon_configure(struct worker *w)
{
	struct healthmon	*h = w->priv;

	if (h != NULL)
		checks_configure(h->checks, &w->cfg);
}

static int
healthmon_dispatch(struct worker *w, struct msg *m)
{
	struct healthmon	*h = w->priv;

	if (m->peer == PEER_PARENT && m->type == MSG_ROSTER) {
		roster(w, m->body);
		beats_roster(h->beats, m->body);
	}
	else if (m->peer == PEER_PARENT && m->type == MSG_NOTIFY_SEND)
		post_send(w, m->body);
	else if (m->peer == PEER_GATEWAY && m->type == MSG_HEALTH_REQ)
		checks_report(h->checks, m);
	else
		return -1;
	return 0;
}

const struct worker_ops healthmon_ops = {
	.init = healthmon_init,
	.start = healthmon_start,
	.configure = healthmon_configure,
	.dispatch = healthmon_dispatch,
};
