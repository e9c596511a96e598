/*
 * The worker table: one row per worker with its name, its program,
 * confinement flags, the secrets it may see and what berthd sends it
 * unasked.  What each may ask is the request table (requests.c).  The entry points and the seccomp policy are in the
 * program (workers/main.c), which berthd does not link.
 */
#include <string.h>

#include "berthd.h"

static const char *const statswriter_secrets[] = { "database.url", NULL };
/* The scrape token opens /api/metrics only, which the gateway serves
 * anyway: checking it there answers a scrape without it with no word
 * to berthd (doc/design.md, "The scrape token"). */
static const char *const gateway_secrets[] = { "metrics.scrape_token",
    NULL };

/* No worker sees a bearer token of the API: berthd resolves the tokens
 * the gateway forwards (requests.c); config_finish refuses a scrape
 * token equal to one of them. */
const struct worker_def worker_defs[NWORKERS] = {
	{ PEER_GATEWAY, "gateway", "berth-gateway", WF_CHROOT | WF_LISTENER,
	  gateway_secrets, 0 },
	{ PEER_SCHEDULER, "scheduler", "berth-scheduler", WF_CHROOT,
	  NULL, SUB_JOBS },
	{ PEER_HEALTHMON, "healthmon", "berth-healthmon",
	  WF_CHROOT | WF_TLSROOTS,
	  NULL, SUB_ROSTER },
	/* A root of its own holding only what its job needs. */
	{ PEER_STATSWRITER, "statswriter", "berth-statswriter",
	  WF_SPOOL | WF_DBROOT, statswriter_secrets, SUB_ROSTER | SUB_FACTS },
	{ PEER_LOGSTREAMER, "logstreamer", "berth-logstreamer", WF_CHROOT,
	  NULL, 0 },
};
