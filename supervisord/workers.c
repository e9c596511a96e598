/*
 * The worker table: one row per worker with its name, entry points,
 * seccomp policy, confinement flags, the secrets it may see and the
 * requests it may make of berthd.
 */
#include <string.h>

#include "berthd.h"
#include "worker.h"

static const char *const gateway_secrets[] = { "auth.admin_token", "token.*",
    NULL };
static const char *const statswriter_secrets[] = { "database.url", NULL };

const struct worker_def worker_defs[NWORKERS] = {
	{ PEER_GATEWAY, "gateway", &gateway_ops, &gateway_policy,
	  WF_CHROOT | WF_LISTENER, gateway_secrets, parent_dispatch_gateway },
	{ PEER_SCHEDULER, "scheduler", &scheduler_ops, &scheduler_policy,
	  WF_CHROOT, NULL, NULL },
	{ PEER_HEALTHMON, "healthmon", &healthmon_ops, &healthmon_policy,
	  WF_CHROOT, NULL, parent_dispatch_healthmon },
	/* Not chrooted: it reaches PostgreSQL by path and owns the spool. */
	{ PEER_STATSWRITER, "statswriter", &statswriter_ops,
	  &statswriter_policy, WF_SPOOL, statswriter_secrets, NULL },
	{ PEER_LOGSTREAMER, "logstreamer", &logstreamer_ops,
	  &logstreamer_policy, WF_CHROOT, NULL, NULL },
};

const struct worker_def *
worker_def_by_name(const char *name)
{
	size_t	i;

	for (i = 0; i < NWORKERS; i++)
		if (strcmp(worker_defs[i].name, name) == 0)
			return &worker_defs[i];
	return NULL;
}
