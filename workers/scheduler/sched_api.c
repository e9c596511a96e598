/*
 * The scheduler's answers to MSG_JOBS_REQ, MSG_JOB_RUN_REQ and
 * MSG_CLEANUP_REQ.  berthd's request table lets only the gateway (for
 * the admin token) and berthd (for berthctl) send them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "log.h"
#include "promitem.h"
#include "sched_api.h"
#include "worker.h"
#include "xmalloc.h"

static void
job_item(const struct job *j, int64_t now_s, struct job_item *it)
{
	int64_t	t = now_s;

	it->name = xstrdup(j->name);
	it->schedule = xstrdup(j->schedule);
	it->timezone = xstrdup(j->tzname);
	it->enabled = j->enabled;
	it->built = j->fn != NULL;
	it->running = j->running;
	it->last_start_ms = j->last.start_ms;
	it->last_duration_ms = j->last.duration_ms;
	it->last_result = xstrdup(j->fn == NULL ? "not built" :
	    j->last.result);
	it->last_error = xstrdup(j->error[0] != '\0' ? j->error :
	    j->last.error);
	it->action = xstrdup(j->action);
	it->last_checked = j->last.checked;
	it->last_acted = j->last.acted;
	it->last_failed = j->last.failed;
	it->last_success_ms = j->last_success_ms;
	it->next = xcalloc(JOBS_NEXT, sizeof(*it->next));
	while (j->fn != NULL && j->enabled && it->nnext < JOBS_NEXT &&
	    (t = job_next_after(j, t)) != 0)
		it->next[it->nnext++].at_s = t;
	it->runs = j->runs;
	it->skipped = j->skipped;
	it->failures = j->failures;
	it->duration_sum_s = j->duration_sum_s;
}

static void
reply_jobs(struct sched *s, const struct msg *req, const char *name)
{
	struct body_jobs	*b;
	struct msg		 r;
	int64_t			 now_ms = sched_now_ms(s);
	size_t			 i;

	b = msg_init(&r, MSG_JOBS, req->id, req->peer);
	r.flags = MSGF_REPLY;
	b->now_ms = now_ms;
	b->items = xcalloc(s->jobs.n + 1, sizeof(*b->items));
	for (i = 0; i < s->jobs.n; i++)
		if (name[0] == '\0' || strcmp(name, s->jobs.job[i].name) == 0)
			job_item(&s->jobs.job[i], now_ms / 1000,
			    &b->items[b->nitems++]);
	worker_send(s->w, &r);
	msg_clear(&r);
}

void
sched_api_jobs(struct sched *s, const struct msg *req)
{
	const struct body_job_req *q = req->body;

	if (q->name[0] != '\0' && jobs_find(&s->jobs, q->name) == NULL) {
		worker_reply_error(s->w, req, "not_found", "no such job");
		return;
	}
	reply_jobs(s, req, q->name);
}

/* Run one job now: answered at once with the job (running). */
void
sched_api_run(struct sched *s, const struct msg *req)
{
	const struct body_job_req	*q = req->body;
	struct job			*j;

	if ((j = jobs_find(&s->jobs, q->name)) == NULL) {
		worker_reply_error(s->w, req, "not_found", "no such job");
		return;
	}
	if (j->fn == NULL) {
		worker_reply_error(s->w, req, "not_implemented",
		    "this job is not built yet");
		return;
	}
	if (j->running) {
		worker_reply_error(s->w, req, "conflict", "the job is running");
		return;
	}
	log_info("job %s: run asked by %s", j->name, peer_name(req->peer));
	sched_run(s, j, NULL, NULL);
	reply_jobs(s, req, q->name);
}

/* ------------------------------------------------------------ cleanup */

/* The cleanup kinds of seed 003, in the order of body_cleanup. */
static const char *const kinds[] = {
	"inactive-containers", "orphaned-containers", "orphaned-volumes",
	"error-workspaces", "expired-sessions",
};
#define NKINDS	(sizeof(kinds) / sizeof(kinds[0]))

struct cleanup {
	struct sched	*s;
	uint32_t	 id;
	uint8_t		 peer;
	int		 pending;
	int64_t		 count[NKINDS];
	char		 errors[512];
};

static void
cleanup_error(struct cleanup *c, const char *job, const char *why)
{
	size_t	len = strlen(c->errors);

	snprintf(c->errors + len, sizeof(c->errors) - len, "%s%s: %s",
	    len > 0 ? "; " : "", job, why);
}

static void
cleanup_answer(struct cleanup *c)
{
	struct body_cleanup	*b;
	struct msg		 r;

	if (--c->pending > 0)
		return;
	b = msg_init(&r, MSG_CLEANUP, c->id, c->peer);
	r.flags = MSGF_REPLY;
	b->inactive_containers = c->count[0];
	b->orphaned_containers = c->count[1];
	b->orphaned_volumes = c->count[2];
	b->error_workspaces = c->count[3];
	b->expired_sessions = c->count[4];
	b->errors = xstrdup(c->errors);
	worker_send(c->s->w, &r);
	msg_clear(&r);
	free(c);
}

static void
cleanup_done(struct run *r, void *arg)
{
	struct cleanup	*c = arg;
	size_t		 i;

	for (i = 0; i < NKINDS; i++)
		if (strcmp(kinds[i], r->name) == 0)
			c->count[i] = r->acted;
	if (strcmp(r->result, "ok") != 0)
		cleanup_error(c, r->name, r->error[0] != '\0' ? r->error :
		    r->result);
	cleanup_answer(c);
}

void
sched_api_cleanup(struct sched *s, const struct msg *req)
{
	struct cleanup	*c;
	struct job	*j;
	size_t		 i;

	c = xcalloc(1, sizeof(*c));
	c->s = s;
	c->id = req->id;
	c->peer = req->peer;
	c->pending = 1;
	log_info("cleanup asked by %s", peer_name(req->peer));
	for (i = 0; i < NKINDS; i++) {
		c->count[i] = -1;
		if ((j = jobs_find(&s->jobs, kinds[i])) == NULL ||
		    j->fn == NULL)
			continue;		/* not built: -1 */
		c->pending++;
		if (sched_run(s, j, cleanup_done, c) == -1) {
			cleanup_error(c, kinds[i], "already running");
			c->pending--;
		}
	}
	cleanup_answer(c);
}

/* ------------------------------------------------------------ metrics */

static void
job_prom(struct prom_list *l, const struct job *j)
{
	char	le[16];
	size_t	i;

	prom_add(l, "berth_job_runs_total", j->ok, "job", j->name, "result",
	    "ok", NULL, NULL);
	prom_add(l, "berth_job_runs_total", j->failed, "job", j->name,
	    "result", "failed", NULL, NULL);
	prom_add(l, "berth_job_runs_total", j->timeouts, "job", j->name,
	    "result", "timeout", NULL, NULL);
	prom_add(l, "berth_job_runs_total", j->skipped, "job", j->name,
	    "result", "skipped", NULL, NULL);
	for (i = 0; i < JOBS_BUCKETS; i++) {
		snprintf(le, sizeof(le), "%g", jobs_bucket_le[i]);
		prom_add(l, "berth_job_duration_seconds_bucket",
		    j->buckets[i], "job", j->name, "le", le, NULL, NULL);
	}
	prom_add(l, "berth_job_duration_seconds_bucket", j->runs, "job",
	    j->name, "le", "+Inf", NULL, NULL);
	prom_add(l, "berth_job_duration_seconds_sum", j->duration_sum_s,
	    "job", j->name, NULL, NULL, NULL, NULL);
	prom_add(l, "berth_job_duration_seconds_count", j->runs, "job",
	    j->name, NULL, NULL, NULL, NULL);
	if (j->last_success_ms > 0)
		prom_add(l, "berth_job_last_success_timestamp_seconds",
		    (double)j->last_success_ms / 1000.0, "job", j->name,
		    NULL, NULL, NULL, NULL);
}

/* The gateway's /api/metrics: runs by result (skipped overlaps among
 * them), durations, last success; only built jobs. */
void
sched_api_prom(struct sched *s, const struct msg *req)
{
	const struct body_prom_req	*q = req->body;
	struct prom_list		 l = { NULL, 0, 0 };
	struct msg			 r;
	size_t				 i;

	for (i = 0; i < s->jobs.n; i++)
		if (s->jobs.job[i].fn != NULL)
			job_prom(&l, &s->jobs.job[i]);
	msg_init(&r, MSG_PROM, req->id, req->peer);
	r.flags = MSGF_REPLY;
	prom_page(&l, r.body, q->page < 0 ? 0 : (size_t)q->page, 1000);
	worker_send(s->w, &r);
	msg_clear(&r);
	prom_free(&l);
}
