/*
 * The statswriter's sampling: the roster of running workspace
 * containers (from berthd), one cgroup reader per container kept open
 * between reads, the host's /proc/stat, meminfo and loadavg, and the two
 * cycles that sample them into the store: the containers every
 * [metrics] app_interval_ms, the host every system_interval_ms,
 * stretched toward system_interval_max_ms as the host's CPU fills up
 * (adaptive: sampling costs least when CPU is scarce).
 * It also answers berthd's one-off reads for GET .../stats.  Every file
 * is opened relative to the /sys/fs/cgroup and /proc descriptors taken
 * before confinement, by a container id cgroup.c checks is 64 hex.
 */
#include <event2/event.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "business.h"
#include "cgroup.h"
#include "codec.h"
#include "config.h"
#include "promitem.h"
#include "promtext.h"
#include "log.h"
#include "sampler.h"
#include "store.h"
#include "sysstat.h"
#include "util.h"
#include "worker.h"
#include "xmalloc.h"

#define MAX_READERS	512
#define FIRST_GAP_MS	100	/* two reads this far apart for a percent */
#define MAX_ROSTER	1000

struct reader {
	char		  id[72];
	struct cg_reader *cg;
	struct cg_sample  last;		/* of the one-off reads */
	struct cg_sample  prev;		/* of the sampling cycle */
	uint64_t	  used_ms;
};

#define TRAFFIC_WINDOW_MS	60000	/* traffic is measured a minute */

struct member {
	char		 wsid[40];
	char		 cid[72];
	char		 name[48];	/* the container's, berth-<wsid> */
	char		 user[129];
	char		 tier[40];
	pid_t		 pid;
	struct reader	*r;		/* its reader, checked by id */
	/* the latest sample, for /api/metrics */
	int		 have_last;
	struct cg_sample last;
	int64_t		 last_ts;	/* wall clock */
	int64_t		 activity_bytes_min; /* the type's, 0: off */
	int		 active;	/* traffic above it this cycle */
	double		 mem_percent;	/* working set / limit; -1 unknown */
	uint64_t	 win_bytes;	/* traffic since win_ts */
	int64_t		 win_ts;	/* start of the minute measured */
};

struct sampler {
	struct worker		*w;
	struct store		*store;
	int			 cgroot, procfd;
	enum cg_version		 version;
	struct sys_reader	*sys;
	struct sys_sample	 sys_prev;
	int			 have_sys;
	struct event		*app_tick, *sys_tick;
	long			 app_ms;	/* in force */
	long			 sys_min_ms, sys_max_ms;
	long			 sys_ms;	/* in force, adaptive */
	struct member		 roster[MAX_ROSTER];
	size_t			 nroster;
	struct sys_sample	 sys_last;	/* for /api/metrics */
	double			 host_cpu[SYS_MAX_CPUS + 1]; /* last: all */
	struct business		*business;
	struct event		*biz_tick;
	long			 biz_ms;
	const struct berth_config *cfg;
	struct reader		 readers[MAX_READERS];
	unsigned		 opened;	/* readers so far: cg_stagger */
	uint64_t		 gen;		/* of the containers' samples */
};

/* A first read waiting for its second sample. */
struct second {
	struct sampler	*sp;
	struct reader	*r;
	char		 cid[72];	/* r may be reused meanwhile */
	uint32_t	 id;
	struct event	*ev;
};

/* ------------------------------------------------------------ readers */

static struct reader *
reader_find(struct sampler *sp, const char *id)
{
	size_t	i;

	for (i = 0; i < MAX_READERS; i++)
		if (sp->readers[i].cg != NULL &&
		    strcmp(sp->readers[i].id, id) == 0)
			return &sp->readers[i];
	return NULL;
}

static void
reader_close(struct reader *r)
{
	if (r->cg != NULL)
		cg_close(r->cg);
	memset(r, 0, sizeof(*r));
}

static struct reader *
reader_get(struct sampler *sp, const char *id, pid_t pid)
{
	struct reader	*r, *lru = &sp->readers[0];
	size_t		 i;

	if ((r = reader_find(sp, id)) != NULL)
		return r;
	for (i = 0; i < MAX_READERS; i++) {
		r = &sp->readers[i];
		if (r->cg == NULL || r->used_ms < lru->used_ms)
			lru = r;
	}
	reader_close(lru);
	if ((lru->cg = cg_open(sp->cgroot, sp->version, sp->procfd, id,
	    pid)) == NULL)
		return NULL;
	cg_stagger(lru->cg, sp->opened++);
	snprintf(lru->id, sizeof(lru->id), "%s", id);
	lru->used_ms = now_ms();
	return lru;
}

/* ------------------------------------------------------------ one-off */

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
	struct sampler	*sp = s->sp;
	struct cg_sample cur;

	if (s->r->cg == NULL || strcmp(s->r->id, s->cid) != 0 ||
	    cg_read(s->r->cg, sp->procfd, &cur) == -1)
		worker_reply_error(sp->w, &(struct msg){ .id = s->id,
		    .peer = PEER_PARENT }, "gone", "container vanished");
	else {
		reply_sample(sp->w, s->id, &s->r->last, &cur);
		s->r->last = cur;
	}
	event_free(s->ev);
	free(s);
}

static void
second_later(struct sampler *sp, struct reader *r, uint32_t id)
{
	struct second	*s = xcalloc(1, sizeof(*s));
	struct timeval	 tv = { 0, FIRST_GAP_MS * 1000 };

	s->sp = sp;
	s->r = r;
	snprintf(s->cid, sizeof(s->cid), "%s", r->id);
	s->id = id;
	s->ev = evtimer_new(sp->w->base, second_read, s);
	evtimer_add(s->ev, &tv);
}

void
sampler_cg_read(struct sampler *sp, struct msg *m)
{
	struct body_cg_read	*req = m->body;
	struct reader		*r;
	struct cg_sample	 cur;
	int			 fresh;

	if (sp->version == CG_NONE ||
	    (r = reader_get(sp, req->container_id, (pid_t)req->pid)) == NULL) {
		worker_reply_error(sp->w, m, "unavailable", "no cgroup files");
		return;
	}
	fresh = r->last.ts_ms == 0;
	if (cg_read(r->cg, sp->procfd, &cur) == -1) {
		reader_close(r);
		worker_reply_error(sp->w, m, "gone", "container vanished");
		return;
	}
	r->used_ms = cur.ts_ms;
	if (!fresh && cur.ts_ms - r->last.ts_ms >= FIRST_GAP_MS) {
		reply_sample(sp->w, m->id, &r->last, &cur);
		r->last = cur;
		return;
	}
	/* No earlier sample far enough back: read again shortly. */
	r->last = cur;
	second_later(sp, r, m->id);
}

/* ------------------------------------------------------------ roster */

static int
on_roster(const struct sampler *sp, const char *cid)
{
	size_t	i;

	for (i = 0; i < sp->nroster; i++)
		if (strcmp(sp->roster[i].cid, cid) == 0)
			return 1;
	return 0;
}

/* The whole roster, every time: a container no longer on it has its
 * reader (and its descriptors) closed. */
void
sampler_roster(struct sampler *sp, const struct body_roster *b)
{
	const struct roster_item	*it;
	struct member			*old, *mb;
	size_t				 i, j, nold = sp->nroster;

	old = xcalloc(nold + 1, sizeof(*old));
	memcpy(old, sp->roster, nold * sizeof(*old));
	sp->nroster = 0;
	for (i = 0; i < b->nitems && sp->nroster < MAX_ROSTER; i++) {
		it = &b->items[i];
		mb = &sp->roster[sp->nroster++];
		memset(mb, 0, sizeof(*mb));
		mb->mem_percent = -1;
		/* A container already sampled keeps its latest sample. */
		for (j = 0; j < nold; j++)
			if (strcmp(old[j].cid, it->container_id) == 0)
				*mb = old[j];
		snprintf(mb->wsid, sizeof(mb->wsid), "%s", it->workspace_id);
		snprintf(mb->cid, sizeof(mb->cid), "%s", it->container_id);
		snprintf(mb->name, sizeof(mb->name), "berth-%s",
		    it->workspace_id);
		snprintf(mb->user, sizeof(mb->user), "%s", it->user_id);
		snprintf(mb->tier, sizeof(mb->tier), "%s", it->tier);
		mb->pid = (pid_t)it->pid;
		mb->activity_bytes_min = it->activity_bytes_min;
	}
	free(old);
	sp->gen++;
	for (i = 0; i < MAX_READERS; i++)
		if (sp->readers[i].cg != NULL &&
		    !on_roster(sp, sp->readers[i].id))
			reader_close(&sp->readers[i]);
}

/* ------------------------------------------------------------ cycle */

/* Traffic over a minute (at least) at or above the type's rate is
 * activity (the loopback is not counted by the reader).  Measured over
 * a whole window so that a lone packet between two samples a second
 * apart is not a rate. */
static void
traffic(struct member *mb, const struct cg_sample *cur, int64_t ts)
{
	uint64_t	was, now;

	if (!mb->have_last || mb->activity_bytes_min <= 0 || ts <= mb->last_ts)
		return;
	was = mb->last.net_rx + mb->last.net_tx;
	now = cur->net_rx + cur->net_tx;
	if (mb->win_ts == 0)
		mb->win_ts = mb->last_ts;
	if (now >= was)
		mb->win_bytes += now - was;
	if (ts - mb->win_ts < TRAFFIC_WINDOW_MS)
		return;
	if ((double)mb->win_bytes * 60000.0 / (double)(ts - mb->win_ts) >=
	    (double)mb->activity_bytes_min)
		mb->active = 1;
	mb->win_bytes = 0;
	mb->win_ts = ts;
}

/* Tell berthd which workspaces were in use this cycle and how full
 * their memory is (for its alert rules). */
static void
send_seen(struct sampler *sp)
{
	struct body_ws_seen	*b;
	struct seen_item	*it;
	struct msg		 m;
	size_t			 i;

	b = msg_init(&m, MSG_WS_SEEN, 0, PEER_PARENT);
	b->items = xcalloc(sp->nroster + 1, sizeof(*b->items));
	for (i = 0; i < sp->nroster; i++) {
		if (!sp->roster[i].active && sp->roster[i].mem_percent < 0)
			continue;
		it = &b->items[b->nitems++];
		it->workspace_id = xstrdup(sp->roster[i].wsid);
		it->active = sp->roster[i].active;
		it->mem_percent = sp->roster[i].mem_percent;
		sp->roster[i].active = 0;
	}
	if (b->nitems > 0)
		worker_send(sp->w, &m);
	msg_clear(&m);
}

/* The working set (usage less inactive file pages, as docker stats
 * counts it) against the limit; -1 without a limit. */
static double
mem_percent(const struct cg_sample *cur)
{
	uint64_t	ws = cur->mem_usage;

	if (cur->mem_limit == 0 || cur->mem_limit >= (uint64_t)1 << 62)
		return -1;
	if (cur->mem_inactive_file < ws)
		ws -= cur->mem_inactive_file;
	return (double)ws * 100.0 / (double)cur->mem_limit;
}

/* What the container used since its previous sample, for the business
 * metrics and activity. */
static void
account(struct sampler *sp, struct member *mb, const struct cg_sample *cur,
    int64_t ts)
{
	double	cpu_s, dt_s;

	traffic(mb, cur, ts);
	mb->mem_percent = mem_percent(cur);
	if (mb->have_last && cur->cpu_usage_ns >= mb->last.cpu_usage_ns &&
	    ts > mb->last_ts) {
		cpu_s = (double)(cur->cpu_usage_ns - mb->last.cpu_usage_ns) /
		    1e9;
		dt_s = (double)(ts - mb->last_ts) / 1000.0;
		business_add(sp->business, mb->tier, cpu_s,
		    (double)cur->mem_usage * dt_s);
	}
	mb->last = *cur;
	mb->last_ts = ts;
	mb->have_last = 1;
}

/* /proc/stat once per cycle (host->ts_ms 0: not read yet), through
 * the first reader that reads it. */
static int
sample_member(struct sampler *sp, struct member *mb, int64_t ts,
    struct cg_sample *host, struct metric_item *it)
{
	struct reader	*r;
	struct cg_sample cur;

	if (mb->pid <= 0 || sp->version == CG_NONE)
		return -1;
	/* The reader found last cycle, unless it went to another
	 * container: no search of every reader per container. */
	if ((r = mb->r) == NULL || r->cg == NULL || strcmp(r->id, mb->cid) != 0)
		r = mb->r = reader_get(sp, mb->cid, mb->pid);
	if (r == NULL)
		return -1;
	if (host->ts_ms == 0) {
		if (cg_read_host(r->cg, host) == -1) {
			reader_close(r);
			return -1;
		}
		host->ts_ms = 1;	/* read: the cycle reuses it */
	}
	if (cg_read_shared(r->cg, host, &cur) == -1) {
		reader_close(r);
		return -1;
	}
	r->used_ms = cur.ts_ms;
	it->ts_ms = ts;
	it->container_id = xstrdup(mb->cid);
	it->container_name = xstrdup(mb->name);
	it->workspace_id = xstrdup(mb->wsid);
	it->status = xstrdup("running");
	it->cpu_percent = r->prev.ts_ms != 0 ? cg_cpu_percent(&r->prev,
	    &cur) : NAN;
	it->cpu_seconds = (double)cur.cpu_usage_ns / 1e9;
	it->memory_used = (int64_t)cur.mem_usage;
	it->memory_limit = cur.mem_limit != 0 ? (int64_t)cur.mem_limit : -1;
	it->memory_cache = (int64_t)cur.mem_cache;
	it->network_rx = (int64_t)cur.net_rx;
	it->network_tx = (int64_t)cur.net_tx;
	it->block_read = (int64_t)cur.blk_read;
	it->block_write = (int64_t)cur.blk_write;
	it->pids = (int64_t)cur.pids;
	r->prev = cur;
	account(sp, mb, &cur, ts);
	return 0;
}

static void
sys_row(struct sysmetric_item *rows, size_t *n, int64_t ts,
    const char *name, double value, const char *tags)
{
	if (isnan(value))
		return;
	rows[*n].ts_ms = ts;
	rows[*n].name = xstrdup(name);
	rows[*n].value = value;
	rows[*n].tags = xstrdup(tags);
	(*n)++;
}

/* CPU per core (and all), memory, load: at most SYS_MAX_CPUS + 10. */
static size_t
sample_host(struct sampler *sp, int64_t ts, struct sysmetric_item *rows)
{
	struct sys_sample	 cur;
	size_t			 n = 0, i;
	char			 tags[32];

	if (sp->sys == NULL || sys_read(sp->sys, &cur) == -1)
		return 0;
	if (sp->have_sys) {
		sp->host_cpu[SYS_MAX_CPUS] = sys_cpu_percent(&sp->sys_prev.all,
		    &cur.all);
		sys_row(rows, &n, ts, "cpu_percent", sp->host_cpu[SYS_MAX_CPUS],
		    "{\"core\":\"all\"}");
		/* By CPU number: an offline CPU has no line (zeros). */
		for (i = 0; i < SYS_MAX_CPUS; i++) {
			if (cur.cpu[i].total == 0)
				continue;
			snprintf(tags, sizeof(tags), "{\"core\":\"%zu\"}", i);
			sp->host_cpu[i] = sys_cpu_percent(&sp->sys_prev.cpu[i],
			    &cur.cpu[i]);
			sys_row(rows, &n, ts, "cpu_percent", sp->host_cpu[i],
			    tags);
		}
	}
	sys_row(rows, &n, ts, "memory_total_bytes", (double)cur.mem_total, "{}");
	sys_row(rows, &n, ts, "memory_used_bytes", (double)sys_mem_used(&cur),
	    "{}");
	sys_row(rows, &n, ts, "memory_available_bytes",
	    (double)cur.mem_available, "{}");
	if (cur.mem_total > 0)
		sys_row(rows, &n, ts, "memory_percent", (double)sys_mem_used(
		    &cur) * 100.0 / (double)cur.mem_total, "{}");
	sys_row(rows, &n, ts, "load_1m", cur.load1, "{}");
	sys_row(rows, &n, ts, "load_5m", cur.load5, "{}");
	sys_row(rows, &n, ts, "load_15m", cur.load15, "{}");
	store_host(sp->store, sp->have_sys ? sys_cpu_percent(&sp->sys_prev.all,
	    &cur.all) : NAN, cur.mem_total > 0 ? (double)sys_mem_used(&cur) *
	    100.0 / (double)cur.mem_total : NAN, cur.load1);
	sp->sys_prev = cur;
	sp->sys_last = cur;
	sp->have_sys = 1;
	return n;
}

static void
free_rows(struct metric_item *rows, size_t n, struct sysmetric_item *sys,
    size_t nsys)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(rows[i].container_id);
		free(rows[i].container_name);
		free(rows[i].workspace_id);
		free(rows[i].status);
	}
	for (i = 0; i < nsys; i++) {
		free(sys[i].name);
		free(sys[i].tags);
	}
	free(rows);
	free(sys);
}

static void
after_ms(struct event *ev, long ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(ev, &tv);
}

static void
app_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct sampler		*sp = arg;
	struct metric_item	*rows;
	struct cg_sample	 host;
	int64_t			 ts = (int64_t)wall_ms();
	size_t			 i, n = 0;

	after_ms(sp->app_tick, sp->app_ms);
	memset(&host, 0, sizeof(host));
	rows = xcalloc(sp->nroster + 1, sizeof(*rows));
	for (i = 0; i < sp->nroster; i++)
		if (sample_member(sp, &sp->roster[i], ts, &host,
		    &rows[n]) == 0)
			n++;
	store_samples(sp->store, rows, n, NULL, 0);
	free_rows(rows, n, NULL, 0);
	sp->gen++;
	send_seen(sp);
}

long
sampler_adapt(long min_ms, long max_ms, double busy)
{
	double	f;

	if (isnan(busy) || busy <= 50.0)
		return min_ms;
	f = busy >= 90.0 ? 1.0 : (busy - 50.0) / 40.0;
	return min_ms + (long)(f * (double)(max_ms - min_ms));
}

static void
sys_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct sampler		*sp = arg;
	struct sysmetric_item	*sys;
	struct sys_sample	 prev = sp->sys_prev;
	int64_t			 ts = (int64_t)wall_ms();
	size_t			 nsys;
	int			 had = sp->have_sys;

	sys = xcalloc(SYS_MAX_CPUS + 16, sizeof(*sys));
	nsys = sample_host(sp, ts, sys);
	store_samples(sp->store, NULL, 0, sys, nsys);
	free_rows(NULL, 0, sys, nsys);
	if (had && sp->have_sys)
		sp->sys_ms = sampler_adapt(sp->sys_min_ms, sp->sys_max_ms,
		    sys_cpu_percent(&prev.all, &sp->sys_prev.all));
	store_intervals(sp->store, sp->app_ms, sp->sys_ms);
	after_ms(sp->sys_tick, sp->sys_ms);
}

/* Distinct users with a running workspace, and the tiers' usage. */
static void
biz_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct sampler	*sp = arg;
	size_t		 i, j, users = 0;

	after_ms(sp->biz_tick, sp->biz_ms);
	for (i = 0; i < sp->nroster; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(sp->roster[j].user, sp->roster[i].user) == 0)
				break;
		users += j == i;
	}
	business_tick(sp->business, sp->cfg, users, wall_ms());
}

/* ------------------------------------------------------------ metrics */

/* The containers' families, in the order /api/metrics lists them. */
const char *const sampler_families[SAMPLER_NFAM] = {
	"berth_container_cpu_seconds_total",
	"berth_container_memory_usage_bytes",
	"berth_container_memory_working_set_bytes",
	"berth_container_memory_limit_bytes",
	"berth_container_network_receive_bytes_total",
	"berth_container_network_transmit_bytes_total",
	"berth_container_block_read_bytes_total",
	"berth_container_block_write_bytes_total",
	"berth_container_pids",
};

/* The member's sample of family f: 0 when it has none. */
static int
container_value(const struct member *mb, size_t f, double *v)
{
	const struct cg_sample	*s = &mb->last;

	switch (f) {
	case 0:	*v = (double)s->cpu_usage_ns / 1e9; break;
	case 1:	*v = (double)s->mem_usage; break;
	case 2:	*v = (double)cg_working_set(s); break;
	case 3:	*v = (double)s->mem_limit; return s->mem_limit != 0;
	case 4:	*v = (double)s->net_rx; break;
	case 5:	*v = (double)s->net_tx; break;
	case 6:	*v = (double)s->blk_read; break;
	case 7:	*v = (double)s->blk_write; break;
	case 8:	*v = (double)s->pids; break;
	default: return 0;
	}
	return 1;
}

static void
container_prom(const struct member *mb, struct prom_list *l)
{
	size_t	f;
	double	v;

	for (f = 0; f < SAMPLER_NFAM; f++)
		if (container_value(mb, f, &v))
			prom_add(l, sampler_families[f], v, "workspace",
			    mb->wsid, "user", mb->user, "tier", mb->tier);
}

uint64_t
sampler_gen(const struct sampler *sp)
{
	return sp->gen;
}

void
sampler_text(const struct sampler *sp, int users,
    struct ptbuf *out)
{
	static const char *const k[3] = { "workspace", "user", "tier" };
	const struct member	*mb;
	const char		*v[3];
	size_t			 i, f;
	double			 val;

	for (i = 0; i < sp->nroster; i++) {
		mb = &sp->roster[i];
		if (!mb->have_last)
			continue;
		v[0] = mb->wsid;
		v[1] = mb->user;
		v[2] = mb->tier;
		for (f = 0; f < SAMPLER_NFAM; f++)
			if (container_value(mb, f, &val))
				promtext_sample(&out[f], sampler_families[f],
				    k, v, val, users);
	}
}

static void
host_prom(const struct sampler *sp, struct prom_list *l)
{
	const struct sys_sample	*s = &sp->sys_last;
	char			 cpu[16];
	size_t			 i;

	if (!sp->have_sys)
		return;
	for (i = 0; i <= SYS_MAX_CPUS; i++) {
		if (isnan(sp->host_cpu[i]))
			continue;
		snprintf(cpu, sizeof(cpu), "%zu", i);
		prom_add(l, "berth_system_cpu_usage_ratio",
		    sp->host_cpu[i] / 100.0, "cpu", i == SYS_MAX_CPUS ? "all" :
		    cpu, NULL, NULL, NULL, NULL);
	}
	prom_add(l, "berth_system_memory_bytes", (double)s->mem_total, "type",
	    "total", NULL, NULL, NULL, NULL);
	prom_add(l, "berth_system_memory_bytes", (double)sys_mem_used(s),
	    "type", "used", NULL, NULL, NULL, NULL);
	prom_add(l, "berth_system_memory_bytes", (double)s->mem_available,
	    "type", "available", NULL, NULL, NULL, NULL);
	if (s->mem_total > 0)
		prom_add(l, "berth_system_memory_usage_ratio",
		    (double)sys_mem_used(s) / (double)s->mem_total, NULL, NULL,
		    NULL, NULL, NULL, NULL);
	prom_add(l, "berth_system_load_average", s->load1, "period", "1m",
	    NULL, NULL, NULL, NULL);
	prom_add(l, "berth_system_load_average", s->load5, "period", "5m",
	    NULL, NULL, NULL, NULL);
	prom_add(l, "berth_system_load_average", s->load15, "period", "15m",
	    NULL, NULL, NULL, NULL);
}

void
sampler_prom(const struct sampler *sp, struct prom_list *l, int containers)
{
	size_t	i;

	for (i = 0; containers && i < sp->nroster; i++)
		if (sp->roster[i].have_last)
			container_prom(&sp->roster[i], l);
	host_prom(sp, l);
	prom_add(l, "berth_sampling_interval_seconds", (double)sp->sys_ms /
	    1000.0, "level", "system", NULL, NULL, NULL, NULL);
	prom_add(l, "berth_sampling_interval_seconds", (double)sp->app_ms /
	    1000.0, "level", "application", NULL, NULL, NULL, NULL);
	prom_add(l, "berth_sampling_interval_seconds", (double)sp->biz_ms /
	    1000.0, "level", "business", NULL, NULL, NULL, NULL);
	business_prom(sp->business, l);
}

/* ------------------------------------------------------------ life */

/* Before confinement: the directories every read is relative to. */
struct sampler *
sampler_new(struct worker *w, struct store *store)
{
	struct sampler	*sp = xcalloc(1, sizeof(*sp));
	struct timespec	 ts;
	size_t		 i;

	sp->w = w;
	sp->store = store;
	/* a restarted statswriter's generations are not its
	 * predecessor's: an asker keeping texts sees them change */
	clock_gettime(CLOCK_REALTIME, &ts);
	sp->gen = (uint64_t)ts.tv_sec << 20;
	sp->business = business_new();
	for (i = 0; i <= SYS_MAX_CPUS; i++)
		sp->host_cpu[i] = NAN;
	sp->cgroot = open("/sys/fs/cgroup", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC);
	sp->procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sp->cgroot == -1 || sp->procfd == -1)
		log_warn("cannot open /sys/fs/cgroup or /proc: cgroup "
		    "sampling disabled");
	else
		sp->version = cg_detect(sp->cgroot);
	if (sp->procfd != -1 && (sp->sys = sys_open(sp->procfd)) == NULL)
		log_warnx("host metrics unavailable");
	log_debug("cgroup version %d", (int)sp->version);
	return sp;
}

/* (Re)start the cycles when an interval is set or changes: the first
 * samples soon, then every interval. */
void
sampler_configure(struct sampler *sp, const struct berth_config *cfg)
{
	sp->cfg = cfg;
	if (sp->app_tick == NULL) {
		sp->app_tick = evtimer_new(sp->w->base, app_cb, sp);
		sp->sys_tick = evtimer_new(sp->w->base, sys_cb, sp);
		sp->biz_tick = evtimer_new(sp->w->base, biz_cb, sp);
	}
	if (sp->biz_ms != cfg->metrics_business_interval_ms) {
		sp->biz_ms = cfg->metrics_business_interval_ms;
		after_ms(sp->biz_tick, sp->biz_ms);
	}
	if (sp->app_ms != cfg->metrics_app_interval_ms) {
		sp->app_ms = cfg->metrics_app_interval_ms;
		after_ms(sp->app_tick, 1000);
	}
	if (sp->sys_min_ms != cfg->metrics_system_interval_ms ||
	    sp->sys_max_ms != cfg->metrics_system_interval_max_ms) {
		sp->sys_min_ms = cfg->metrics_system_interval_ms;
		sp->sys_max_ms = cfg->metrics_system_interval_max_ms;
		sp->sys_ms = sp->sys_min_ms;
		after_ms(sp->sys_tick, 1000);
	}
	store_intervals(sp->store, sp->app_ms, sp->sys_ms);
}
