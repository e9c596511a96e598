/*
 * The jobs API, admin token only (berthd's request table refuses a
 * user token with 403): GET /api/monitoring/jobs, POST
 * /api/monitoring/jobs/{name}/run, and POST /api/monitoring/cleanup or
 * /api/workspaces/cleanup (every cleanup now, counts per kind).  The
 * scheduler answers; a job not built yet is listed as such.
 */
#include <event2/http.h>
#include <stdio.h>
#include <string.h>

#include "codec.h"
#include "gateway.h"
#include "ipc.h"
#include "worker.h"

static json_t *
last_run(const struct job_item *j)
{
	json_t	*counts;

	if (j->last_start_ms == 0)
		return json_null();
	counts = json_pack("{s:I,s:I}", "checked", (json_int_t)j->last_checked,
	    "failed", (json_int_t)j->last_failed);
	json_object_set_new(counts, j->action, json_integer(j->last_acted));
	return json_pack("{s:o,s:I,s:s,s:o,s:o}", "start",
	    time_json(j->last_start_ms), "durationMs",
	    (json_int_t)j->last_duration_ms, "result", j->last_result,
	    "counts", counts, "error", j->last_error[0] != '\0' ?
	    json_string(j->last_error) : json_null());
}

json_t *
job_json(const struct job_item *j)
{
	json_t	*next = json_array(), *o;
	size_t	 i;

	for (i = 0; i < j->nnext; i++)
		json_array_append_new(next, time_json(j->next[i].at_s * 1000));
	o = json_pack("{s:s,s:s,s:s,s:b,s:b,s:b,s:o,s:o,s:o,s:{s:I,s:I,s:I}}",
	    "name", j->name, "schedule", j->schedule, "timezone",
	    j->timezone[0] != '\0' ? j->timezone : "UTC", "enabled",
	    j->enabled, "built", j->built, "running", j->running,
	    "lastRun", last_run(j), "lastSuccess",
	    time_json(j->last_success_ms), "nextRuns", next, "totals",
	    "runs", (json_int_t)j->runs, "skipped", (json_int_t)j->skipped,
	    "failures", (json_int_t)j->failures);
	if (!j->built)
		json_object_set_new(o, "result", json_string("not built"));
	else if (j->last_error[0] != '\0' && j->last_start_ms == 0)
		json_object_set_new(o, "error", json_string(j->last_error));
	return o;
}

static void
done_jobs(struct worker *w, struct evhttp_request *req, struct msg *m,
    void *arg)
{
	struct body_jobs	*b = m->body;
	json_t			*a = json_array();
	size_t			 i;

	for (i = 0; i < b->nitems; i++)
		json_array_append_new(a, job_json(&b->items[i]));
	http_reply_json(req, 200, json_pack("{s:o,s:I,s:o}", "jobs", a,
	    "count", (json_int_t)b->nitems, "now", time_json(b->now_ms)));
}

static void
done_run(struct worker *w, struct evhttp_request *req, struct msg *m,
    void *arg)
{
	struct body_jobs *b = m->body;

	if (b->nitems != 1) {
		http_error(req, 502, "internal", "unexpected answer");
		return;
	}
	http_reply_json(req, 202, job_json(&b->items[0]));
}

/* -1 (not built) is null: no count is made up. */
static json_t *
count(int64_t n)
{
	return n < 0 ? json_null() : json_integer(n);
}

static void
done_cleanup(struct worker *w, struct evhttp_request *req, struct msg *m,
    void *arg)
{
	struct body_cleanup *b = m->body;

	http_reply_json(req, 200, json_pack("{s:{s:o,s:o,s:o,s:o,s:o},s:o}",
	    "counts", "inactiveContainers", count(b->inactive_containers),
	    "orphanedContainers", count(b->orphaned_containers),
	    "orphanedVolumes", count(b->orphaned_volumes),
	    "errorWorkspaces", count(b->error_workspaces),
	    "expiredSessions", count(b->expired_sessions), "errors",
	    b->errors[0] != '\0' ? json_string(b->errors) : json_null()));
}

/* A job's name as the configuration spells it, or 404. */
static int
job_name_ok(struct evhttp_request *req, const char *name)
{
	size_t	len = strlen(name);

	if (len == 0 || len > 32 || strspn(name,
	    "abcdefghijklmnopqrstuvwxyz0123456789-") != len) {
		http_error(req, 404, "not_found", "no such job");
		return 0;
	}
	return 1;
}

void
api_jobs_list(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	const char	*tok;
	struct call	*c;

	if ((tok = api_token(req)) == NULL)
		return;
	c = api_call_new(w, req, done_jobs, NULL, NULL);
	api_call_sent(c, ipc_jobs(w, tok, "", api_ipc_done, c));
}

void
api_job_run(struct worker *w, struct evhttp_request *req, char params[][128])
{
	const char	*tok;
	struct call	*c;

	if ((tok = api_token(req)) == NULL || !job_name_ok(req, params[0]))
		return;
	c = api_call_new(w, req, done_run, NULL, NULL);
	api_call_sent(c, ipc_job_run(w, tok, params[0], api_ipc_done, c));
}

/* POST /api/monitoring/monitor: the monitoring job, now. */
void
api_monitor(struct worker *w, struct evhttp_request *req, char params[][128])
{
	const char	*tok;
	struct call	*c;

	if ((tok = api_token(req)) == NULL)
		return;
	c = api_call_new(w, req, done_run, NULL, NULL);
	api_call_sent(c, ipc_job_run(w, tok, "monitoring", api_ipc_done, c));
}

void
api_cleanup(struct worker *w, struct evhttp_request *req, char params[][128])
{
	const char	*tok;
	struct call	*c;

	if ((tok = api_token(req)) == NULL)
		return;
	c = api_call_new(w, req, done_cleanup, NULL, NULL);
	api_call_sent(c, ipc_cleanup(w, tok, api_ipc_done, c));
}
