/*
 * The worker table: one row per worker with its name, its program,
 * confinement flags, the secrets it may see and the requests it may
 * make of berthd.  The entry points and the seccomp policy are in the
 * program (workers/main.c), which berthd does not link.
 */
#include <string.h>

#include "berthd.h"

static const char *const gateway_secrets[] = { "auth.admin_token", "token.*",
    NULL };
static const char *const statswriter_secrets[] = { "database.url", NULL };

const struct worker_def worker_defs[NWORKERS] = {
	{ PEER_GATEWAY, "gateway", "berth-gateway", WF_CHROOT | WF_LISTENER,
	  gateway_secrets, parent_dispatch_gateway },
	{ PEER_SCHEDULER, "scheduler", "berth-scheduler", WF_CHROOT,
	  NULL, NULL },
	{ PEER_HEALTHMON, "healthmon", "berth-healthmon", WF_CHROOT,
	  NULL, parent_dispatch_healthmon },
	/* A root of its own holding only what its job needs. */
	{ PEER_STATSWRITER, "statswriter", "berth-statswriter",
	  WF_SPOOL | WF_DBROOT, statswriter_secrets,
	  parent_dispatch_statswriter },
	{ PEER_LOGSTREAMER, "logstreamer", "berth-logstreamer", WF_CHROOT,
	  NULL, NULL },
};
