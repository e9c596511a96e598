/*
 * Seed 001's metrics with tags (issue 14, point 2).  The scheduler's
 * metrics job (every minute) and monitoring job (every five) ask
 * berthd for a snapshot (MSG_MONITOR_RUN): the sessions by state,
 * health and tier, the alerts, the orphans cleaned and the host's CPU
 * and memory.  Each snapshot is recorded as points {name, value, tags,
 * time} — the last MPOINTS_MAX in memory, every one to system_metrics
 * through the outbox of facts.c — and then evaluated by the alert
 * rules (alerts.c).  The times are berthd's test clock.
 */
#include <sys/types.h>

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "berthd.h"
#include "codec.h"
#include "log.h"
#include "sysstat.h"
#include "util.h"
#include "xmalloc.h"

#define MPOINTS_MAX	1000
#define SNAP_MAX	(12 + CONFIG_MAX_TIERS)

struct mpoint {
	char	 name[64];
	char	 tags[64];
	double	 value;
	int64_t	 time_ms;
};

/* One snapshot's values by name, for the rules. */
struct snapshot {
	struct mpoint	p[SNAP_MAX];
	size_t		n;
};

static struct mpoint		 ring[MPOINTS_MAX];
static size_t			 nring, head;
static int			 procfd = -1;
static struct sys_reader	*sys;
static struct sys_cpu		 cpu_prev;	/* the previous snapshot's */
static int64_t			 cleaned;	/* orphans, since berthd began */

void
monitor_start(void)
{
	struct sys_sample	s;

	if ((procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1 || (sys = sys_open(procfd)) == NULL) {
		log_warn("monitor: /proc: host usage not recorded");
		return;
	}
	if (sys_read(sys, &s) == 0)
		cpu_prev = s.all;
}

void
monitor_stop(void)
{
	if (sys != NULL)
		sys_close(sys);
	sys = NULL;
	if (procfd != -1)
		close(procfd);
	procfd = -1;
}

void
monitor_cleaned(void)
{
	cleaned++;
}

int
monitor_ws_value(const struct workspace *ws, const char *metric, double *v)
{
	if (strcmp(metric, "workspace_oom") == 0)
		*v = ws->oom ? 1 : 0;
	else if (strcmp(metric, "workspace_unhealthy") == 0)
		*v = strcmp(ws->health, "unhealthy") == 0 ? 1 : 0;
	else if (strcmp(metric, "workspace_memory_percent") == 0 &&
	    ws->mem_percent >= 0)
		*v = ws->mem_percent;
	else
		return -1;
	return 0;
}

static void
add(struct snapshot *s, const char *name, const char *tags, double v)
{
	struct mpoint	*p;

	if (s->n == SNAP_MAX || isnan(v))
		return;
	p = &s->p[s->n++];
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->tags, sizeof(p->tags), "%s", tags);
	p->value = v;
}

/* Seed 001's session health: critical when the engine found it
 * unhealthy or it ran out of memory, warning while it starts, else
 * healthy. */
const char *
monitor_session_health(const struct workspace *ws)
{
	if (ws->status != WSS_RUNNING && ws->status != WSS_STARTING)
		return "";
	if (ws->oom || strcmp(ws->health, "unhealthy") == 0)
		return "critical";
	if (ws->status == WSS_STARTING || strcmp(ws->health, "starting") == 0)
		return "warning";
	return "healthy";
}

static void
sessions(struct snapshot *s)
{
	const struct berth_config	*cfg = &env->cfg;
	struct workspace		*ws;
	double				 n[3] = { 0, 0, 0 }, tier[CONFIG_MAX_TIERS];
	const char			*h;
	char				 name[64];
	size_t				 i;

	memset(tier, 0, sizeof(tier));
	for (ws = ws_first(); ws != NULL; ws = ws->next) {
		if ((h = monitor_session_health(ws))[0] == '\0')
			continue;
		n[strcmp(h, "critical") == 0 ? 2 : strcmp(h, "warning") == 0 ?
		    1 : 0]++;
		for (i = 0; i < cfg->ntiers; i++)
			if (ws->tier != NULL && strcmp(ws->tier,
			    cfg->tiers[i].name) == 0)
				tier[i]++;
	}
	add(s, "active_sessions", "{}", n[0] + n[1] + n[2]);
	add(s, "healthy_sessions", "{}", n[0]);
	add(s, "warning_sessions", "{}", n[1]);
	add(s, "critical_sessions", "{}", n[2]);
	for (i = 0; i < cfg->ntiers; i++) {
		snprintf(name, sizeof(name), "sessions_%s_tier",
		    cfg->tiers[i].name);
		add(s, name, "{}", tier[i]);
	}
}

static void
host(struct snapshot *s)
{
	struct sys_sample	cur;

	if (sys == NULL || sys_read(sys, &cur) == -1)
		return;
	add(s, "cpu_usage_percent", "{}", sys_cpu_percent(&cpu_prev,
	    &cur.all));
	cpu_prev = cur.all;
	if (cur.mem_total > 0)
		add(s, "memory_usage_percent", "{}",
		    (double)sys_mem_used(&cur) * 100.0 / (double)cur.mem_total);
}

static double
snapshot_value(const char *name, void *arg)
{
	struct snapshot	*s = arg;
	size_t		 i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->p[i].name, name) == 0)
			return s->p[i].value;
	return NAN;
}

static void
point_item(const struct mpoint *p, struct sysmetric_item *it)
{
	it->ts_ms = p->time_ms;
	it->name = xstrdup(p->name);
	it->value = p->value;
	it->tags = xstrdup(p->tags);
}

/* The snapshot into the ring and to system_metrics. */
static void
record(struct snapshot *s, int64_t now)
{
	struct body_sysmetrics	*b;
	struct msg		 m;
	size_t			 i;

	b = msg_init(&m, MSG_MPOINT_REC, 0, PEER_PARENT);
	b->rows = xcalloc(s->n + 1, sizeof(*b->rows));
	for (i = 0; i < s->n; i++) {
		s->p[i].time_ms = now;
		ring[head] = s->p[i];
		head = (head + 1) % MPOINTS_MAX;
		if (nring < MPOINTS_MAX)
			nring++;
		point_item(&s->p[i], &b->rows[i]);
	}
	b->nrows = s->n;
	facts_push(&m, "metric points");
	msg_clear(&m);
}

/* MSG_MONITOR_RUN: the alerts are evaluated first, so that the points
 * count what this evaluation left firing. */
void
monitor_h_run(const struct caller *c, struct msg *m)
{
	struct body_monitor_run		*q = m->body;
	struct body_monitor_done	*d;
	struct snapshot			 s;
	struct msg			 r;
	int64_t				 total, critical;

	if (strcmp(q->what, "metrics") != 0 && strcmp(q->what,
	    "monitoring") != 0) {
		caller_error(c, "invalid", "metrics or monitoring");
		return;
	}
	memset(&s, 0, sizeof(s));
	sessions(&s);
	host(&s);
	add(&s, "orphaned_machines_cleaned", "{}", (double)cleaned);
	d = msg_init(&r, MSG_MONITOR_DONE, 0, PEER_PARENT);
	alerts_evaluate(snapshot_value, &s, d);
	alerts_counts(&total, &critical);
	add(&s, "total_alerts", "{}", (double)total);
	add(&s, "critical_alerts", "{}", (double)critical);
	record(&s, jobstate_now_ms());
	d->points = (int64_t)s.n;
	caller_reply(c, &r);
	msg_clear(&r);
}

/* The i-th newest point (0: the newest). */
static const struct mpoint *
newest(size_t i)
{
	return &ring[(head + MPOINTS_MAX - 1 - i) % MPOINTS_MAX];
}

/* MSG_MPOINTS_REQ (the admin's): newest first, at most the limit. */
void
monitor_h_points(const struct caller *c, struct msg *m)
{
	struct body_mpoints_req	*q = m->body;
	struct body_sysmetrics	*b;
	const struct mpoint	*p;
	struct msg		 r;
	size_t			 i, limit;

	if (q->limit < 1 || q->limit > MPOINTS_MAX) {
		caller_error(c, "invalid", "limit is 1 to %d", MPOINTS_MAX);
		return;
	}
	limit = (size_t)q->limit;
	b = msg_init(&r, MSG_MPOINTS, 0, PEER_PARENT);
	b->rows = xcalloc(limit < nring ? limit : nring + 1,
	    sizeof(*b->rows));
	for (i = 0; i < nring && b->nrows < limit; i++) {
		p = newest(i);
		if (q->name[0] == '\0' || strcmp(q->name, p->name) == 0)
			point_item(p, &b->rows[b->nrows++]);
	}
	caller_reply(c, &r);
	msg_clear(&r);
}
