/*
 * What berthd measures for /api/metrics: workspaces by status, the
 * startup-time histogram, shutdowns by reason, user activity, the
 * workers' state and restarts, and the CPU time and resident memory of
 * every berth process (itself and the workers; the embedded PostgreSQL
 * is not berth's).  Every few seconds the processes are read again, so
 * that berth's own overhead (share of one core, total resident memory)
 * is at hand with the time it was collected.
 */
#include <event2/event.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berthd.h"
#include "chan.h"
#include "codec.h"
#include "log.h"
#include "promitem.h"
#include "sysstat.h"
#include "util.h"
#include "xmalloc.h"

#define OVERHEAD_MS	5000	/* between two reads of the processes */
#define MAX_ACTIVITY	64	/* (action, tier) pairs counted */

/* Upper bounds of the startup-time histogram, in seconds. */
static const double buckets[] = { 0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120,
    300 };
#define NBUCKETS	(sizeof(buckets) / sizeof(buckets[0]))

static const char *const reasons[] = { "manual", "inactivity", "error",
    "resource_limit" };
#define NREASONS	(sizeof(reasons) / sizeof(reasons[0]))

static struct {
	uint64_t	 startup[NBUCKETS + 1];	/* the last one is +Inf */
	double		 startup_sum;
	uint64_t	 startup_count;
	uint64_t	 shutdowns[NREASONS];
	struct {
		char		action[24];
		char		tier[40];
		uint64_t	count;
	}		 activity[MAX_ACTIVITY];
	size_t		 nactivity;
	/* overhead */
	int		 procfd;
	long		 tck;
	struct event	*ev;
	uint64_t	 last_ticks, last_ms;
	double		 cpu_ratio;		/* of one core; NaN at first */
	uint64_t	 rss;			/* all berth processes */
	uint64_t	 collected_ms;		/* wall clock */
	double		 collect_ms;		/* time the read took */
} m = { .procfd = -1 };

void
metrics_startup(int64_t ms)
{
	double	s = (double)ms / 1000.0;
	size_t	i;

	for (i = 0; i < NBUCKETS && s > buckets[i]; i++)
		;
	m.startup[i]++;
	m.startup_sum += s;
	m.startup_count++;
}

void
metrics_shutdown(const char *reason)
{
	size_t	i;

	for (i = 0; i < NREASONS; i++)
		if (strcmp(reasons[i], reason) == 0)
			m.shutdowns[i]++;
}

void
metrics_activity(const char *action, const char *tier)
{
	size_t	i;

	for (i = 0; i < m.nactivity; i++)
		if (strcmp(m.activity[i].action, action) == 0 &&
		    strcmp(m.activity[i].tier, tier) == 0)
			break;
	if (i == m.nactivity) {
		if (m.nactivity == MAX_ACTIVITY)
			return;		/* tiers are bounded by the config */
		m.nactivity++;
		snprintf(m.activity[i].action, sizeof(m.activity[i].action),
		    "%s", action);
		snprintf(m.activity[i].tier, sizeof(m.activity[i].tier), "%s",
		    tier);
	}
	m.activity[i].count++;
}

/* ------------------------------------------------------------ overhead */

/* CPU ticks and resident bytes of berthd and every running worker. */
static uint64_t
process_usage(struct prom_list *l, uint64_t *rss_total)
{
	uint64_t	 ticks, rss, total = 0;
	size_t		 i;
	pid_t		 pid;
	const char	*name;

	*rss_total = 0;
	for (i = 0; i <= NWORKERS; i++) {
		pid = i == 0 ? getpid() : env->workers[i - 1].pid;
		name = i == 0 ? "berthd" : env->workers[i - 1].def->name;
		if (pid == 0 || sys_proc_usage(m.procfd, pid, &ticks,
		    &rss) == -1)
			continue;
		total += ticks;
		*rss_total += rss;
		if (l == NULL)
			continue;
		prom_add(l, "berth_process_cpu_seconds_total",
		    (double)ticks / (double)m.tck, "process", name, NULL, NULL,
		    NULL, NULL);
		prom_add(l, "berth_process_resident_memory_bytes", (double)rss,
		    "process", name, NULL, NULL, NULL, NULL);
	}
	return total;
}

static void
overhead_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct timeval	tv = { OVERHEAD_MS / 1000, 0 };
	uint64_t	t0 = now_ms(), ticks, rss;

	ticks = process_usage(NULL, &rss);
	if (m.last_ms != 0 && t0 > m.last_ms && ticks >= m.last_ticks)
		m.cpu_ratio = (double)(ticks - m.last_ticks) / (double)m.tck /
		    ((double)(t0 - m.last_ms) / 1000.0);
	m.last_ticks = ticks;
	m.last_ms = t0;
	m.rss = rss;
	m.collected_ms = wall_ms();
	m.collect_ms = (double)(now_ms() - t0);
	evtimer_add(m.ev, &tv);
}

void
metrics_start(void)
{
	m.cpu_ratio = NAN;
	m.tck = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100;
	if ((m.procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		log_warn("metrics: /proc");
	m.ev = evtimer_new(env->base, overhead_cb, NULL);
	overhead_cb(-1, 0, NULL);
}

void
metrics_stop(void)
{
	if (m.ev != NULL)
		event_free(m.ev);
	m.ev = NULL;
	if (m.procfd != -1)
		close(m.procfd);
	m.procfd = -1;
}

/* ------------------------------------------------------------ samples */

static void
add_workspaces(struct prom_list *l)
{
	static const char *const st[] = { "starting", "running", "stopping",
	    "stopped", "error" };
	struct workspace	*ws;
	double			 n[5] = { 0 };
	size_t			 i;

	for (ws = ws_first(); ws != NULL; ws = ws->next)
		n[ws->status]++;
	for (i = 0; i < 5; i++)
		prom_add(l, "berth_workspaces", n[i], "status", st[i], NULL,
		    NULL, NULL, NULL);
}

static void
add_startup(struct prom_list *l)
{
	char		le[16];
	uint64_t	cum = 0;
	size_t		i;

	for (i = 0; i <= NBUCKETS; i++) {
		cum += m.startup[i];
		if (i < NBUCKETS)
			snprintf(le, sizeof(le), "%g", buckets[i]);
		else
			snprintf(le, sizeof(le), "+Inf");
		prom_add(l, "berth_workspace_startup_seconds_bucket",
		    (double)cum, "le", le, NULL, NULL, NULL, NULL);
	}
	prom_add(l, "berth_workspace_startup_seconds_sum", m.startup_sum,
	    NULL, NULL, NULL, NULL, NULL, NULL);
	prom_add(l, "berth_workspace_startup_seconds_count",
	    (double)m.startup_count, NULL, NULL, NULL, NULL, NULL, NULL);
}

static void
add_counters(struct prom_list *l)
{
	size_t	i;

	for (i = 0; i < NREASONS; i++)
		prom_add(l, "berth_workspace_shutdowns_total",
		    (double)m.shutdowns[i], "reason", reasons[i], NULL, NULL,
		    NULL, NULL);
	for (i = 0; i < m.nactivity; i++)
		prom_add(l, "berth_user_activity_total",
		    (double)m.activity[i].count, "action",
		    m.activity[i].action, "tier", m.activity[i].tier, NULL,
		    NULL);
	for (i = 0; i < NWORKERS; i++) {
		prom_add(l, "berth_worker_up", env->workers[i].state == WS_UP,
		    "worker", env->workers[i].def->name, NULL, NULL, NULL, NULL);
		prom_add(l, "berth_worker_restarts_total",
		    (double)env->workers[i].restarts, "worker",
		    env->workers[i].def->name, NULL, NULL, NULL, NULL);
	}
}

static void
add_overhead(struct prom_list *l)
{
	uint64_t	rss;

	process_usage(l, &rss);
	if (!isnan(m.cpu_ratio))
		prom_add(l, "berth_overhead_cpu_ratio", m.cpu_ratio, NULL,
		    NULL, NULL, NULL, NULL, NULL);
	prom_add(l, "berth_overhead_resident_memory_bytes", (double)m.rss,
	    NULL, NULL, NULL, NULL, NULL, NULL);
	prom_add(l, "berth_overhead_collected_timestamp_seconds",
	    (double)m.collected_ms / 1000.0, NULL, NULL, NULL, NULL, NULL,
	    NULL);
	prom_add(l, "berth_overhead_collection_seconds", m.collect_ms / 1000.0,
	    NULL, NULL, NULL, NULL, NULL, NULL);
}

/* The gateway's MSG_PROM_REQ: everything in one page (about 80). */
/* Firing alerts by severity (alerts.c). */
static void
add_alerts(struct prom_list *l)
{
	static const char *const sev[] = { "info", "warning", "error",
	    "critical" };
	int64_t	n[4];
	size_t	i;

	alerts_by_severity(n);
	for (i = 0; i < 4; i++)
		prom_add(l, "berth_alerts_active", (double)n[i], "severity",
		    sev[i], NULL, NULL, NULL, NULL);
}

void
metrics_h_prom(const struct caller *c, struct msg *req)
{
	struct prom_list	 l = { NULL, 0, 0 };
	struct msg		 r;

	add_workspaces(&l);
	add_startup(&l);
	add_counters(&l);
	add_overhead(&l);
	add_alerts(&l);
	prom_page(&l, msg_init(&r, MSG_PROM, 0, PEER_PARENT), 0, 1000);
	prom_free(&l);
	caller_reply(c, &r);
	msg_clear(&r);
}
