/*
 * The stats writer worker: owns the PostgreSQL connection, the spool
 * and the in-memory fallback (store.c), samples running workspace
 * containers and the host (sampler.c), records lifecycle facts from
 * berthd, and answers the gateway's queries (answers.c).  The cgroup
 * mount and /proc are opened before the uid drop, the spool file after
 * it (so it is the workers' user's);
 * berthd hands over the spool directory as descriptor 4, never a path.
 * It runs in a root of its own (workers/rootfs.c) holding only /proc,
 * the cgroups, the spool and what its database URL names; berthd
 * resolves the database's host name and reads its password file
 * before each connection attempt (supervisord/dbprep.c).
 */
#include <sys/socket.h>

#include <event2/event.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "answers.h"
#include "codec.h"
#include "ipc.h"
#include "log.h"
#include "projects.h"
#include "sampler.h"
#include "store.h"
#include "worker.h"
#include "xmalloc.h"

static const int statswriter_syscalls[] = {
	/* the database connection */
	SCMP_SYS(connect), SCMP_SYS(getsockopt), SCMP_SYS(setsockopt),
	SCMP_SYS(getsockname), SCMP_SYS(getpeername),
	/* cgroup and /proc files, relative to descriptors held */
	SCMP_SYS(openat), SCMP_SYS(pread64), SCMP_SYS(lseek),
	/* the spool file, opened before the filter, and its disk */
	SCMP_SYS(ftruncate), SCMP_SYS(fdatasync), SCMP_SYS(fstatfs),
};
static const struct sandbox_arg_rule statswriter_rules[] = {
	/* libpq: a stream socket to the database (berthd narrows the
	 * domains to the URL's with -N) */
	SANDBOX_SOCKET(AF_UNIX, SOCK_STREAM),
	SANDBOX_SOCKET(AF_INET, SOCK_STREAM),
	SANDBOX_SOCKET(AF_INET6, SOCK_STREAM),
};
const struct sandbox_policy statswriter_policy = {
	"statswriter", statswriter_syscalls,
	SANDBOX_NELEM(statswriter_syscalls),
	statswriter_rules, SANDBOX_NELEM(statswriter_rules)
};

struct stats {
	struct store	*store;
	struct sampler	*sampler;
};

static void
prepared(struct worker *w, struct msg *reply, const struct ipc_error *err,
    void *arg)
{
	struct stats		*st = arg;
	struct body_db_prepared	*b;

	if (err != NULL) {
		store_prepared(st->store, NULL, NULL, "berthd did not answer "
		    "before connecting");
		return;
	}
	b = reply->body;
	store_prepared(st->store, b->hostaddr, b->password,
	    b->error[0] != '\0' ? b->error : NULL);
	explicit_bzero(b->password, strlen(b->password));
}

/* berthd resolves the URL's host name and reads the password file. */
static void
prepare(struct store *s, void *arg)
{
	struct worker	*w = arg;

	if (ipc_db_prepare(w, prepared, w->priv) == 0)
		store_prepared(s, NULL, NULL, "cannot ask berthd");
}

static void
stats_init(struct worker *w)
{
	struct stats *st = xcalloc(1, sizeof(*st));

	w->priv = st;
	st->store = store_new(w->base, w->extra_fd);	/* keeps it */
	store_set_prepare(st->store, prepare, w);
	st->sampler = sampler_new(w, st->store);
	projects_init(w->base, st->store);
}

/* Confined: the spool file is opened with the workers' uid. */
static void
stats_start(struct worker *w)
{
	struct stats	*st = w->priv;

	store_open_spool(st->store);
}

static void
statswriter_configure(struct worker *w)
{
	struct stats	*st = w->priv;

	store_configure(st->store, &w->cfg);
	sampler_configure(st->sampler, &w->cfg);
}

/* Answered once durable; not at all when it is not (berthd resends). */
static void
lifecycle(struct worker *w, struct msg *m)
{
	struct stats	*st = w->priv;
	struct msg	 r;
	char		 err[512];
	int		 rc;

	rc = store_fact(st->store, m->body, err, sizeof(err));
	if (rc == -1) {
		worker_reply_error(w, m, "invalid", err);
		return;
	}
	if (rc == -2) {
		log_warnx("lifecycle %s not recorded yet: %s",
		    ((struct body_lifecycle *)m->body)->phase, err);
		return;
	}
	msg_init(&r, MSG_OK, m->id, m->peer);
	r.flags = MSGF_REPLY;
	worker_send(w, &r);
	msg_clear(&r);
}

/* A record of berthd's to keep: answered once it is written or
 * spooled. */
static void
record(struct worker *w, struct msg *m)
{
	struct stats	*st = w->priv;
	struct msg	 r;
	char		 err[512];

	if (store_record(st->store, m->type, m->body, err, sizeof(err)) ==
	    -2) {
		log_warnx("%s not recorded yet: %s", msg_type_name(m->type),
		    err);
		return;
	}
	msg_init(&r, MSG_OK, m->id, m->peer);
	r.flags = MSGF_REPLY;
	worker_send(w, &r);
	msg_clear(&r);
}

/* A backup's record: answered once it is written or spooled. */
static void
backup_rec(struct worker *w, struct msg *m)
{
	struct stats	*st = w->priv;
	struct msg	 r;
	char		 err[512];

	if (store_backup(st->store, m->body, err, sizeof(err)) == -2) {
		log_warnx("backup not recorded yet: %s", err);
		return;
	}
	msg_init(&r, MSG_OK, m->id, m->peer);
	r.flags = MSGF_REPLY;
	worker_send(w, &r);
	msg_clear(&r);
}

static int
from_parent(struct worker *w, struct msg *m)
{
	struct stats	*st = w->priv;
	struct msg	 r;

	switch (m->type) {
	case MSG_CG_READ:
		sampler_cg_read(st->sampler, m);
		return 0;
	case MSG_LIFECYCLE:
		lifecycle(w, m);
		return 0;
	case MSG_EVENT_REC:
	case MSG_ALERT_REC:
	case MSG_MPOINT_REC:
		record(w, m);
		return 0;
	case MSG_VOL_REC:
		backup_rec(w, m);
		return 0;
	case MSG_ROSTER:
		sampler_roster(st->sampler, m->body);
		return 0;
	case MSG_HISTORY_REQ:	/* one workspace's, for its user */
		answer_history(w, st->store, m);
		return 0;
	case MSG_PROJECT_REC:
		projects_rec(m->body);
		msg_init(&r, MSG_OK, m->id, m->peer);
		r.flags = MSGF_REPLY;
		worker_send(w, &r);
		msg_clear(&r);
		return 0;
	}
	return -1;
}

static int
from_gateway(struct worker *w, struct msg *m)
{
	struct stats	*st = w->priv;

	switch (m->type) {
	case MSG_DB_STATUS_REQ:
		answer_status(w, st->store, m);
		return 0;
	case MSG_HISTORY_REQ:
		answer_history(w, st->store, m);
		return 0;
	case MSG_CSTATS_REQ:
		answer_cstats(w, st->store, m);
		return 0;
	case MSG_EVENTS_REQ:
		answer_events(w, st->store, m);
		return 0;
	case MSG_PROM_REQ:
		answer_prom(w, st->store, st->sampler, m);
		return 0;
	}
	return -1;
}

/* The scheduler's retention job. */
static void
answer_retention(struct worker *w, struct store *store, struct msg *m)
{
	struct body_retention	*b;
	struct msg		 r;
	long			 nm, ns;
	char			 err[512];

	if (store_retention(store, &nm, &ns, err, sizeof(err)) == -1) {
		worker_reply_error(w, m, "unavailable", err);
		return;
	}
	b = msg_init(&r, MSG_RETENTION, m->id, m->peer);
	r.flags = MSGF_REPLY;
	b->metrics_deleted = nm;
	b->system_deleted = ns;
	worker_send(w, &r);
	msg_clear(&r);
}

static int
statswriter_dispatch(struct worker *w, struct msg *m)
{
	struct stats	*st = w->priv;
	struct msg	 r;

	if (m->peer == PEER_PARENT)
		return from_parent(w, m);
	if (m->peer == PEER_GATEWAY)
		return from_gateway(w, m);
	if (m->peer == PEER_SCHEDULER && m->type == MSG_RETENTION_REQ) {
		answer_retention(w, st->store, m);
		return 0;
	}
	if (m->peer == PEER_SCHEDULER && m->type == MSG_JOB_RUN) {
		store_job_run(st->store, m->body);
		msg_init(&r, MSG_OK, m->id, m->peer);
		r.flags = MSGF_REPLY;
		worker_send(w, &r);
		msg_clear(&r);
		return 0;
	}
	if (m->peer == PEER_HEALTHMON && m->type == MSG_DB_STATUS_REQ) {
		answer_status(w, st->store, m);
		return 0;
	}
	return -1;
}

const struct worker_ops statswriter_ops = {
	.init = stats_init,
	.start = stats_start,
	.dispatch = statswriter_dispatch,
	.configure = statswriter_configure,
};
