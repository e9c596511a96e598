/*
 * The stats writer worker: owns the PostgreSQL connection, the write
 * queue and the on-disk spool (later issues), and samples containers
 * from their cgroup files and /proc/<pid>/net/dev for berthd.  The
 * cgroup mount and /proc are opened before confinement; every file
 * under them is opened relative to those descriptors, by a container
 * id that cgroup.c checks is 64 hex digits.  Not chrooted: it reaches
 * PostgreSQL by socket path.
 */
#include <sys/socket.h>

#include <event2/event.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "codec.h"
#include "db.h"
#include "log.h"
#include "util.h"
#include "worker.h"
#include "xmalloc.h"

static const int statswriter_syscalls[] = {
	/* the database connection */
	SCMP_SYS(connect), SCMP_SYS(getsockopt), SCMP_SYS(setsockopt),
	SCMP_SYS(getsockname), SCMP_SYS(getpeername),
	/* cgroup and /proc files, relative to descriptors held */
	SCMP_SYS(openat), SCMP_SYS(pread64), SCMP_SYS(lseek),
};
static const struct sandbox_arg_rule statswriter_rules[] = {
	{ SCMP_SYS(socket), 0, AF_UNIX },
	{ SCMP_SYS(socket), 0, AF_INET },
	{ SCMP_SYS(socket), 0, AF_INET6 },
};
const struct sandbox_policy statswriter_policy = {
	"statswriter", statswriter_syscalls,
	SANDBOX_NELEM(statswriter_syscalls),
	statswriter_rules, SANDBOX_NELEM(statswriter_rules)
};

#define MAX_READERS	512
#define FIRST_GAP_MS	100	/* two reads this far apart for a percent */

struct reader {
	char		  id[72];
	struct cg_reader *cg;
	struct cg_sample  last;
	uint64_t	  used_ms;
};

struct stats {
	struct db	*db;
	char		*db_url;	/* the one db is connected to */
	struct event	*db_retry;
	int		cgroot;
	int		procfd;
	enum cg_version	version;
	struct reader	readers[MAX_READERS];
};

/* A first read waiting for its second sample. */
struct second {
	struct worker	*w;
	struct reader	*r;
	char		 cid[72];	/* r may be reused meanwhile */
	uint32_t	 id;
	struct event	*ev;
};

static void
stats_init(struct worker *w)
{
	struct stats *st = xcalloc(1, sizeof(*st));

	w->priv = st;
	st->cgroot = open("/sys/fs/cgroup", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC);
	st->procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->cgroot == -1 || st->procfd == -1)
		log_warn("cannot open /sys/fs/cgroup or /proc: cgroup "
		    "sampling disabled");
	else
		st->version = cg_detect(st->cgroot);
	log_debug("cgroup version %d", (int)st->version);
}

static struct reader *
reader_get(struct stats *st, const char *id, pid_t pid)
{
	struct reader	*r, *lru = &st->readers[0];
	size_t		 i;

	for (i = 0; i < MAX_READERS; i++) {
		r = &st->readers[i];
		if (r->cg != NULL && strcmp(r->id, id) == 0)
			return r;
		if (r->cg == NULL || r->used_ms < lru->used_ms)
			lru = r;
	}
	if (lru->cg != NULL)
		cg_close(lru->cg);
	memset(lru, 0, sizeof(*lru));
	if ((lru->cg = cg_open(st->cgroot, st->version, st->procfd, id,
	    pid)) == NULL)
		return NULL;
	snprintf(lru->id, sizeof(lru->id), "%s", id);
	return lru;
}

static void
reply_sample(struct worker *w, uint32_t id, const struct cg_sample *prev,
    const struct cg_sample *cur)
{
	struct body_sample	*b;
	struct msg		 m;

	b = msg_init(&m, MSG_SAMPLE, id, PEER_PARENT);
	m.flags = MSGF_REPLY;
	b->source = xstrdup("cgroup");
	b->cpu_percent = cg_cpu_percent(prev, cur);
	b->cpu_usage_ns = (int64_t)cur->cpu_usage_ns;
	b->system_usage_ns = (int64_t)cur->system_usage_ns;
	b->online_cpus = cur->online_cpus;
	b->mem_usage = (int64_t)cur->mem_usage;
	b->mem_limit = (int64_t)cur->mem_limit;
	b->mem_cache = (int64_t)cur->mem_cache;
	b->mem_inactive_file = (int64_t)cur->mem_inactive_file;
	b->net_rx = (int64_t)cur->net_rx;
	b->net_tx = (int64_t)cur->net_tx;
	b->blk_read = (int64_t)cur->blk_read;
	b->blk_write = (int64_t)cur->blk_write;
	b->pids = (int64_t)cur->pids;
	worker_send(w, &m);
	msg_clear(&m);
}

static void
second_read(evutil_socket_t fd, short ev, void *arg)
{
	struct second	*s = arg;
	struct stats	*st = s->w->priv;
	struct cg_sample cur;

	if (s->r->cg == NULL || strcmp(s->r->id, s->cid) != 0 ||
	    cg_read(s->r->cg, st->procfd, &cur) == -1)
		worker_reply_error(s->w, &(struct msg){ .id = s->id,
		    .peer = PEER_PARENT }, "gone", "container vanished");
	else {
		reply_sample(s->w, s->id, &s->r->last, &cur);
		s->r->last = cur;
	}
	event_free(s->ev);
	free(s);
}

static void
cg_request(struct worker *w, struct msg *m)
{
	struct body_cg_read	*req = m->body;
	struct stats		*st = w->priv;
	struct reader		*r;
	struct cg_sample	 cur;
	struct second		*s;
	struct timeval		 tv = { 0, FIRST_GAP_MS * 1000 };
	int			 fresh;

	if (st->version == CG_NONE ||
	    (r = reader_get(st, req->container_id, (pid_t)req->pid)) == NULL) {
		worker_reply_error(w, m, "unavailable", "no cgroup files");
		return;
	}
	fresh = r->last.ts_ms == 0;
	if (cg_read(r->cg, st->procfd, &cur) == -1) {
		cg_close(r->cg);
		r->cg = NULL;
		worker_reply_error(w, m, "gone", "container vanished");
		return;
	}
	r->used_ms = cur.ts_ms;
	if (!fresh && cur.ts_ms - r->last.ts_ms >= FIRST_GAP_MS) {
		reply_sample(w, m->id, &r->last, &cur);
		r->last = cur;
		return;
	}
	/* No earlier sample far enough back: read again shortly. */
	r->last = cur;
	s = xcalloc(1, sizeof(*s));
	s->w = w;
	s->r = r;
	snprintf(s->cid, sizeof(s->cid), "%s", r->id);
	s->id = m->id;
	s->ev = evtimer_new(w->base, second_read, s);
	evtimer_add(s->ev, &tv);
}

/* ------------------------------------------------------------ database */

static void	db_connect(struct worker *);

static void
db_retry_cb(evutil_socket_t fd, short ev, void *arg)
{
	db_connect(arg);
}

/* Connect and bring the schema up to date; retried every 2 s while
 * the database is unreachable.  A migration that fails is fatal: the
 * worker stops with the reason and berthd's backoff takes over. */
static void
db_connect(struct worker *w)
{
	struct stats	*st = w->priv;
	struct timeval	 tv = { 2, 0 };
	char		 err[512];

	if (st->db != NULL)
		return;
	if ((st->db = db_open(st->db_url, err, sizeof(err))) == NULL) {
		log_warnx("database unavailable: %s", err);
		if (st->db_retry == NULL)
			st->db_retry = evtimer_new(w->base, db_retry_cb, w);
		evtimer_add(st->db_retry, &tv);
		return;
	}
	if (db_migrate(st->db, migrations, nmigrations, err,
	    sizeof(err)) == -1)
		fatalx("database schema: %s", err);
	log_info("database ready (schema version %d)",
	    migrations[nmigrations - 1].version);
}

static void
statswriter_configure(struct worker *w)
{
	struct stats	*st = w->priv;
	const char	*url = w->cfg.database_url;

	if (st->db_url != NULL && strcmp(st->db_url, url) == 0)
		return;
	if (st->db != NULL) {
		db_close(st->db);
		st->db = NULL;
	}
	free(st->db_url);
	st->db_url = xstrdup(url);
	if (url[0] == '\0') {
		log_debug("no database: nothing is persisted");
		return;
	}
	db_connect(w);
}

/* Without a database the fact is only logged: the bounded queue and
 * the spool that keep it until the database is back come next. */
static void
lifecycle(struct worker *w, const struct body_lifecycle *b)
{
	struct stats		*st = w->priv;
	struct lifecycle_fact	 f = { b->workspace_id, b->phase, b->at_ms,
				    b->container_id, b->user_id, b->s3_bucket,
				    b->reason };
	char			 err[512];

	if (st->db == NULL) {
		log_debug("lifecycle %s of %s not persisted: no database",
		    b->phase, b->workspace_id);
		return;
	}
	if (db_lifecycle(st->db, &f, err, sizeof(err)) == -1)
		log_warnx("%s", err);
}

static int
statswriter_dispatch(struct worker *w, struct msg *m)
{
	if (m->peer != PEER_PARENT)
		return -1;
	if (m->type == MSG_CG_READ)
		cg_request(w, m);
	else if (m->type == MSG_LIFECYCLE)
		lifecycle(w, m->body);
	else
		return -1;
	return 0;
}

const struct worker_ops statswriter_ops = {
	.init = stats_init,
	.dispatch = statswriter_dispatch,
	.configure = statswriter_configure,
};
