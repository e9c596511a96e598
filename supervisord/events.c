/*
 * Events (issue 14, point 1, the part in memory): every notable thing
 * berthd sees — a workspace's lifecycle, an idle warning, a worker's
 * death and restart — as {id, time, type, severity, message,
 * workspace, user}.  The last EVENTS_MAX are kept; the same event again
 * within EVENTS_MERGE_MS is merged into the first, with a count and
 * the time it was last seen.  MSG_EVENTS_REQ answers newest first; a
 * user token sees only the events of its own workspaces.  Errors (all
 * of them with [events] persist = all) also go to system_events
 * through the outbox of facts.c: kept until the statswriter has them
 * in the database or its spool; a merged repeat updates the row's
 * count.
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "berthd.h"
#include "codec.h"
#include "log.h"
#include "utf8.h"
#include "util.h"
#include "xmalloc.h"

#define EVENTS_MAX	500
#define EVENTS_MERGE_MS	60000

struct event_rec {
	uint64_t	id;
	int64_t		first_ms;
	int64_t		last_ms;
	int64_t		count;
	char		type[48];
	char		severity[12];
	char		message[256];
	char		wsid[40];
	char		user[129];
};

static struct event_rec	ring[EVENTS_MAX];
static size_t		nring, head;	/* head: the next slot */
static uint64_t		last_id;

static const char *const severities[] = {
	"info", "warning", "error", "critical", NULL
};

int
event_severity_valid(const char *s)
{
	size_t	i;

	for (i = 0; severities[i] != NULL; i++)
		if (strcmp(severities[i], s) == 0)
			return 1;
	return 0;
}

/* The i-th newest event (0: the newest). */
static struct event_rec *
newest(size_t i)
{
	return &ring[(head + EVENTS_MAX - 1 - i) % EVENTS_MAX];
}

/* The same event seen within the merge window, or NULL. */
static struct event_rec *
repeated(const struct event_rec *e, int64_t now)
{
	struct event_rec	*r;
	size_t			 i;

	for (i = 0; i < nring; i++) {
		r = newest(i);
		if (now - r->last_ms > EVENTS_MERGE_MS)
			break;
		if (strcmp(r->type, e->type) == 0 && strcmp(r->wsid,
		    e->wsid) == 0 && strcmp(r->message, e->message) == 0)
			return r;
	}
	return NULL;
}

static void	event_item(const struct event_rec *, struct event_item *);

static int
persisted(const struct event_rec *r)
{
	return strcmp(r->severity, "error") == 0 ||
	    strcmp(r->severity, "critical") == 0 ||
	    strcmp(env->cfg.events_persist, "all") == 0;
}

/* The event (again, when merged) to the statswriter. */
static void
keep(const struct event_rec *r)
{
	struct msg	 m;
	char		 what[96];

	if (!persisted(r))
		return;
	event_item(r, msg_init(&m, MSG_EVENT_REC, 0, PEER_PARENT));
	snprintf(what, sizeof(what), "event %s", r->type);
	facts_push(&m, what);
	msg_clear(&m);
}

void
event_emit(const char *type, const char *severity,
    const struct workspace *ws, const char *fmt, ...)
{
	struct event_rec	 e, *r;
	va_list			 ap;
	int64_t			 now = jobstate_now_ms();

	memset(&e, 0, sizeof(e));
	snprintf(e.type, sizeof(e.type), "%s", type);
	snprintf(e.severity, sizeof(e.severity), "%s", severity);
	va_start(ap, fmt);
	utf8_vformat(e.message, sizeof(e.message), fmt, ap);
	va_end(ap);
	if (ws != NULL) {
		snprintf(e.wsid, sizeof(e.wsid), "%s", ws->id);
		snprintf(e.user, sizeof(e.user), "%s", ws->user);
	}
	log_info("event %s (%s): %s", e.type, e.severity, e.message);
	if ((r = repeated(&e, now)) != NULL) {
		r->count++;
		r->last_ms = now;
		keep(r);
		return;
	}
	e.id = ++last_id;
	e.first_ms = e.last_ms = now;
	e.count = 1;
	ring[head] = e;
	head = (head + 1) % EVENTS_MAX;
	if (nring < EVENTS_MAX)
		nring++;
	keep(&e);
}

static int
wanted(const struct caller *c, const struct body_events_req *q,
    const struct event_rec *r)
{
	if (!c->who.admin && (r->user[0] == '\0' || strcmp(r->user,
	    c->who.user) != 0))
		return 0;
	if (q->type[0] != '\0' && strcmp(q->type, r->type) != 0)
		return 0;
	if (q->severity[0] != '\0' && strcmp(q->severity, r->severity) != 0)
		return 0;
	return r->last_ms >= q->since_ms;
}

static void
event_item(const struct event_rec *r, struct event_item *it)
{
	it->id = (int64_t)r->id;
	it->time_ms = r->first_ms;
	it->last_ms = r->last_ms;
	it->count = r->count;
	it->type = xstrdup(r->type);
	it->severity = xstrdup(r->severity);
	it->message = xstrdup(r->message);
	it->workspace_id = xstrdup(r->wsid);
	it->user_id = xstrdup(r->user);
}

/* MSG_EVENTS_REQ: newest first, at most the limit asked (1-1000). */
void
events_h_list(const struct caller *c, struct msg *m)
{
	struct body_events_req	*q = m->body;
	struct body_events	*b;
	struct msg		 r;
	size_t			 i, limit;

	if (q->limit < 1 || q->limit > 1000 || (q->severity[0] != '\0' &&
	    !event_severity_valid(q->severity))) {
		caller_error(c, "invalid", "limit is 1 to 1000, severity info, "
		    "warning, error or critical");
		return;
	}
	limit = (size_t)q->limit;
	b = msg_init(&r, MSG_EVENTS, 0, PEER_PARENT);
	b->items = xcalloc(limit < nring ? limit : nring + 1,
	    sizeof(*b->items));
	for (i = 0; i < nring && b->nitems < limit; i++)
		if (wanted(c, q, newest(i)))
			event_item(newest(i), &b->items[b->nitems++]);
	caller_reply(c, &r);
	msg_clear(&r);
}

static int
breaker_state_ok(const char *s)
{
	return strcmp(s, "closed") == 0 || strcmp(s, "open") == 0 ||
	    strcmp(s, "half_open") == 0;
}

/* MSG_BREAKER: healthmon's breaker of a check moved.  An open breaker
 * of a required check is an error, of another a warning. */
void
events_h_breaker(const struct caller *c, struct msg *m)
{
	struct body_breaker	*b = m->body;
	size_t			 n = strlen(b->check);
	char			 type[32];

	if (n == 0 || n > 47 || strspn(b->check, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-") != n ||
	    !breaker_state_ok(b->from) || !breaker_state_ok(b->to) ||
	    strcmp(b->from, b->to) == 0) {
		log_warnx("healthmon: a breaker change that is not one");
		return;
	}
	snprintf(type, sizeof(type), "breaker.%s", b->to);
	event_emit(type, strcmp(b->to, "open") != 0 ? "info" : b->required ?
	    "error" : "warning", NULL, "circuit breaker of check %s: %s -> %s "
	    "(%lld failures)%s%s", b->check, b->from, b->to,
	    (long long)b->failures, b->error[0] != '\0' ? ": " : "",
	    b->error);
}

/* MSG_JOB_DONE: a run of the scheduler's that acted (stopped or removed
 * something) or did not end well is an event: job.<result>, warning
 * unless ok. */
void
events_h_job(const struct caller *c, struct msg *m)
{
	struct body_job_run	*b = m->body;
	size_t			 n = strlen(b->job);
	char			 type[32];

	if (n == 0 || n > 32 || strspn(b->job, "abcdefghijklmnopqrstuvwxyz"
	    "0123456789-") != n || (strcmp(b->result, "ok") != 0 &&
	    strcmp(b->result, "failed") != 0 && strcmp(b->result,
	    "timeout") != 0)) {
		log_warnx("scheduler: a job run that is not one");
		return;
	}
	if (strcmp(b->result, "ok") == 0 && b->acted == 0 && b->failed == 0)
		return;
	snprintf(type, sizeof(type), "job.%s", b->result);
	event_emit(type, strcmp(b->result, "ok") == 0 && b->failed == 0 ?
	    "info" : "warning", NULL, "job %s: %lld checked, %lld %s, %lld "
	    "failed%s%s", b->job, (long long)b->checked, (long long)b->acted,
	    b->action[0] != '\0' ? b->action : "acted on",
	    (long long)b->failed, b->error[0] != '\0' ? ": " : "", b->error);
}
