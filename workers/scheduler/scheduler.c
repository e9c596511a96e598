/*
 * The scheduler worker: the cron table of berth's jobs (jobs.c), a
 * tick that starts each job when it is due, and the runs themselves
 * (runs.c does a job's work).  Its clock is the wall clock plus an
 * offset berthd sends (moved only by `berthctl clock` when berthd runs
 * with BERTH_TEST_CLOCK=1).  When each job last fired is kept by
 * berthd in a small file and sent back when the scheduler comes up, so
 * a run missed while berth was down runs once at start.
 *
 * Time zones are read before confinement (init): berthd names those
 * the jobs use in BERTH_ZONES.  Chrooted; no sockets of its own.
 */
#include <event2/event.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "codec.h"
#include "ipc.h"
#include "log.h"
#include "sched_api.h"
#include "util.h"
#include "worker.h"
#include "xmalloc.h"

#define TICK_MS		1000

static const int scheduler_syscalls[] = {
	/* timers only: the base list covers the loop */
	SCMP_SYS(timerfd_create), SCMP_SYS(timerfd_settime),
};
const struct sandbox_policy scheduler_policy = {
	"scheduler", scheduler_syscalls, SANDBOX_NELEM(scheduler_syscalls),
	NULL, 0
};

static struct sched	sched;

int64_t
sched_now_ms(const struct sched *s)
{
	return (int64_t)wall_ms() + s->offset_ms;
}

/* ------------------------------------------------------------ runs */

static void
recorded(struct worker *w, struct msg *reply, const struct ipc_error *err,
    void *arg)
{
	if (err != NULL)
		log_warnx("job run not recorded: %s", err->message);
}

/* The run just ended, for job_runs (the statswriter spools it). */
static void
record(struct sched *s, const struct job *j)
{
	const struct job_last_run	*l = &j->last;
	struct body_job_run		 b;

	b.job = (char *)j->name;
	b.start_ms = l->start_ms;
	b.duration_ms = l->duration_ms;
	b.result = (char *)l->result;
	b.action = (char *)j->action;
	b.checked = l->checked;
	b.acted = l->acted;
	b.failed = l->failed;
	b.error = (char *)l->error;
	if (ipc_job_record(s->w, &b, recorded, NULL) == 0)
		log_warnx("job run of %s not recorded: no statswriter",
		    j->name);
	ipc_job_done(s->w, &b);
}

void
run_hold(struct run *r)
{
	r->holds++;
}

int
run_detached(const struct run *r)
{
	return r->job == NULL;
}

void
run_error(struct run *r, const char *fmt, ...)
{
	va_list	ap;

	if (r->error[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
}

/* When the run ends by the scheduler's clock, measured on the monotonic
 * one (the test clock may jump while it runs). */
static int64_t
run_end_ms(const struct run *r)
{
	return r->now_ms + (int64_t)(now_ms() - r->mono_ms);
}

static void
run_notify(struct run *r)
{
	run_done_fn	*done = r->done;

	r->done = NULL;
	if (done != NULL)
		done(r, r->done_arg);
}

static void
run_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct run	*r = arg;
	struct job	*j = r->job;

	snprintf(r->result, sizeof(r->result), "timeout");
	log_warnx("job %s: timed out after %ld s", r->name, j->timeout_s);
	job_end(j, run_end_ms(r), "timeout", "timed out", r->checked,
	    r->acted, r->failed);
	record(r->s, j);
	r->job = NULL;
	run_notify(r);
}

void
run_release(struct run *r)
{
	if (--r->holds > 0)
		return;
	event_free(r->timer);
	if (r->job != NULL) {
		snprintf(r->result, sizeof(r->result), "%s",
		    r->error[0] != '\0' || r->failed > 0 ? "failed" : "ok");
		job_end(r->job, run_end_ms(r), r->result, r->error,
		    r->checked, r->acted, r->failed);
		record(r->s, r->job);
	}
	run_notify(r);
	free(r);
}

int
sched_run(struct sched *s, struct job *j, run_done_fn *done, void *arg)
{
	struct timeval	 tv = { j->timeout_s, 0 };
	struct run	*r;

	if (j->running || j->fn == NULL)
		return -1;
	r = xcalloc(1, sizeof(*r));
	r->s = s;
	r->job = j;
	snprintf(r->name, sizeof(r->name), "%s", j->name);
	r->now_ms = sched_now_ms(s);
	r->mono_ms = now_ms();
	r->age_s = j->age_min * 60;
	r->grace_s = j->grace_min * 60;
	r->done = done;
	r->done_arg = arg;
	r->timer = evtimer_new(s->w->base, run_timeout, r);
	evtimer_add(r->timer, &tv);
	job_begin(j, r->now_ms);
	log_info("job %s: started", j->name);
	r->holds = 1;
	j->fn(r);
	run_release(r);
	return 0;
}

/* ------------------------------------------------------------ state */

/* When each job last fired, for berthd to keep. */
static void
send_state(struct sched *s)
{
	struct body_job_state	*b;
	struct msg		 m;
	size_t			 i;

	b = msg_init(&m, MSG_JOB_STATE, 0, PEER_PARENT);
	b->items = xcalloc(s->jobs.n + 1, sizeof(*b->items));
	for (i = 0; i < s->jobs.n; i++) {
		b->items[b->nitems].name = xstrdup(s->jobs.job[i].name);
		b->items[b->nitems++].last_s = s->jobs.job[i].last_s;
	}
	worker_send(s->w, &m);
	msg_clear(&m);
}

static void
tick(struct sched *s)
{
	struct job	*j;
	int64_t		 now_s = sched_now_ms(s) / 1000, before;
	int		 fired = 0;
	size_t		 i;

	if (!s->jobs.restored)
		return;
	for (i = 0; i < s->jobs.n; i++) {
		j = &s->jobs.job[i];
		if (j->fn == NULL)
			continue;		/* not built: never fires */
		before = j->last_s;
		if (job_due(j, now_s))
			sched_run(s, j, NULL, NULL);
		fired |= j->last_s != before;
	}
	if (fired)
		send_state(s);
}

static void
tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	tick(arg);
}

/* berthd's memory of the last fires (first time only) and its clock. */
static void
got_state(struct sched *s, const struct body_job_state *b)
{
	int64_t	now_s;
	size_t	i;

	if (b->offset_ms != s->offset_ms)
		log_info("clock offset %+lld s (test clock)",
		    (long long)(b->offset_ms / 1000));
	s->offset_ms = b->offset_ms;
	now_s = sched_now_ms(s) / 1000;
	if (!s->jobs.restored) {
		if (s->jobs.n == 0)
			jobs_configure(&s->jobs, &s->w->cfg, now_s);
		for (i = 0; i < b->nitems; i++)
			jobs_restore(&s->jobs, b->items[i].name,
			    b->items[i].last_s, now_s);
		jobs_restored(&s->jobs, now_s);
	}
	tick(s);
}

/* ------------------------------------------------------------ ops */

static void
scheduler_init(struct worker *w)
{
	/* before confinement: the zone files are outside the chroot */
	jobs_load_zones(&sched.jobs, getenv("BERTH_ZONES"), NULL);
}

static void
scheduler_start(struct worker *w)
{
	struct timeval	tv = { TICK_MS / 1000, 0 };

	sched.w = w;
	w->priv = &sched;
	sched.tick = event_new(w->base, -1, EV_PERSIST, tick_cb, &sched);
	evtimer_add(sched.tick, &tv);
	log_debug("scheduler ready");
}

static void
scheduler_configure(struct worker *w)
{
	jobs_configure(&sched.jobs, &w->cfg, sched_now_ms(&sched) / 1000);
}

static int
scheduler_dispatch(struct worker *w, struct msg *m)
{
	switch (m->type) {
	case MSG_JOB_STATE:
		got_state(&sched, m->body);
		return 0;
	case MSG_JOBS_REQ:
		sched_api_jobs(&sched, m);
		return 0;
	case MSG_JOB_RUN_REQ:
		sched_api_run(&sched, m);
		return 0;
	case MSG_CLEANUP_REQ:
		sched_api_cleanup(&sched, m);
		return 0;
	case MSG_PROM_REQ:
		sched_api_prom(&sched, m);
		return 0;
	}
	return -1;
}

const struct worker_ops scheduler_ops = {
	.init = scheduler_init,
	.start = scheduler_start,
	.dispatch = scheduler_dispatch,
	.configure = scheduler_configure,
};
