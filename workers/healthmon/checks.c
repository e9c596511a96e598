/*
 * The health service (seed 002): every [health] check_interval_ms a
 * round of checks, each behind its own circuit breaker (breaker.c):
 * the Docker Engine and every worker (berthd's table, then a ping
 * through the router), the database and the host's thresholds (the
 * statswriter's status), and each configured HTTP dependency (one GET
 * by probe.c).  A check not answered within check_timeout_ms failed.
 * The latest result of every check is what /api/health shows; the
 * required ones (engine, database unless there is none, workers)
 * decide readiness.
 */
#include <event2/event.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "breaker.h"
#include "checks.h"
#include "codec.h"
#include "depspec.h"
#include "log.h"
#include "probe.h"
#include "util.h"
#include "worker.h"
#include "xmalloc.h"

#define MAX_CHECK	32	/* MAX_CHECKS of the schema */
#define DEP_PREFIX	"dep:"

enum kind { K_DOCKER, K_DATABASE, K_SYSTEM, K_WORKER, K_SELF, K_DEP };

struct check {
	struct checks	*cs;
	char		 name[48];
	enum kind	 kind;
	int		 required;
	unsigned	 peer;		/* K_WORKER */
	struct dep	 dep;		/* K_DEP */
	struct breaker	 brk;
	/* the latest result */
	char		 status[16];
	int64_t		 response_ms;
	int64_t		 checked_ms;
	char		 error[256];
	json_t		*details;
	/* the run in flight */
	int		 running;
	uint64_t	 started_ms;
	uint32_t	 req;
};

struct checks {
	struct worker		*w;
	struct check		 c[MAX_CHECK];
	size_t			 n;
	struct probe_set	*deps;
	struct event		*round_ev, *deadline_ev;
	uint32_t		 status_req, db_req;
	int64_t			 round_ms;
	uint64_t		 next_ms;	/* monotonic: the next round */
	char			 deps_spec[4096];
	const struct berth_config *cfg;
};

static void	check_done(struct checks *, struct check *, const char *,
		    json_t *, const char *, ...)
		    __attribute__((format(printf, 5, 6)));

/* ------------------------------------------------------------ table */

static struct check *
check_add(struct checks *cs, const char *name, enum kind kind, int required)
{
	struct check	*c = &cs->c[cs->n++];

	memset(c, 0, sizeof(*c));
	c->cs = cs;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->kind = kind;
	c->required = required;
	strcpy(c->status, "unhealthy");
	strcpy(c->error, "not checked yet");
	c->response_ms = -1;
	breaker_init(&c->brk, (unsigned)cs->cfg->health_breaker_failures,
	    (uint64_t)cs->cfg->health_breaker_cooldown_s * 1000);
	return c;
}

static struct check *
check_find(struct checks *cs, const char *name)
{
	size_t	i;

	for (i = 0; i < cs->n; i++)
		if (strcmp(cs->c[i].name, name) == 0)
			return &cs->c[i];
	return NULL;
}

/* The fixed checks, then one per dependency. */
static void
build_table(struct checks *cs)
{
	struct dep	deps[DEP_MAX];
	struct check	*c;
	char		 err[128], name[48];
	unsigned	 peer;
	int		 i, nd;

	cs->n = 0;
	check_add(cs, "docker", K_DOCKER, 1);
	check_add(cs, "database", K_DATABASE, 1);
	check_add(cs, "system", K_SYSTEM, 0);
	for (peer = 1; peer < PEER_MAX; peer++)
		check_add(cs, peer_name(peer), peer == PEER_HEALTHMON ? K_SELF :
		    K_WORKER, 1)->peer = peer;
	nd = dep_parse(cs->cfg->health_dependencies, deps, DEP_MAX, err,
	    sizeof(err));
	for (i = 0; i < nd && cs->n < MAX_CHECK; i++) {
		snprintf(name, sizeof(name), DEP_PREFIX "%.32s", deps[i].name);
		c = check_add(cs, name, K_DEP, 0);
		c->dep = deps[i];
	}
}

#define HURRY_MS	1000

/* The next round in ms, unless one is due sooner. */
static void
round_in(struct checks *cs, long ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };
	uint64_t	at = now_ms() + (uint64_t)ms;

	if (evtimer_pending(cs->round_ev, NULL) && cs->next_ms <= at)
		return;
	evtimer_del(cs->round_ev);
	cs->next_ms = at;
	evtimer_add(cs->round_ev, &tv);
}

/* Every interval; every second while a required check is failing (at
 * start, the workers are still coming up), so that readiness follows
 * the components closely and a breaker opens in seconds. */
static void
next_round(struct checks *cs)
{
	long	ms = cs->cfg->health_check_interval_ms;
	size_t	i;

	for (i = 0; i < cs->n; i++)
		if (cs->c[i].required && strcmp(cs->c[i].status,
		    "unhealthy") == 0 && ms > HURRY_MS)
			ms = HURRY_MS;
	evtimer_del(cs->round_ev);
	round_in(cs, ms);
}

/* ------------------------------------------------------------ results */

/* berthd hears of every move of c's breaker (an event). */
static void
breaker_moved(struct checks *cs, struct check *c, enum breaker_state was)
{
	struct body_breaker	*b;
	struct msg		 m;

	if (c->brk.state == was)
		return;
	b = msg_init(&m, MSG_BREAKER, 0, PEER_PARENT);
	b->check = xstrdup(c->name);
	b->from = xstrdup(breaker_name(was));
	b->to = xstrdup(breaker_name(c->brk.state));
	b->failures = c->brk.failures;
	b->required = c->required;
	b->error = xstrdup(c->error);
	worker_send(cs->w, &m);
	msg_clear(&m);
}

static void
check_done(struct checks *cs, struct check *c, const char *status,
    json_t *details, const char *fmt, ...)
{
	enum breaker_state	was;
	va_list			ap;

	if (!c->running) {
		json_decref(details);
		return;
	}
	c->running = 0;
	c->req = 0;
	snprintf(c->status, sizeof(c->status), "%s", status);
	c->response_ms = (int64_t)(now_ms() - c->started_ms);
	c->checked_ms = (int64_t)wall_ms();
	c->error[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(c->error, sizeof(c->error), fmt, ap);
		va_end(ap);
	}
	json_decref(c->details);
	c->details = details != NULL ? details : json_object();
	was = c->brk.state;
	breaker_record(&c->brk, strcmp(status, "unhealthy") != 0, now_ms());
	breaker_moved(cs, c, was);
	if (c->required && strcmp(status, "unhealthy") == 0)
		round_in(cs, HURRY_MS);
}

static void
check_skipped(struct check *c)
{
	strcpy(c->status, "unhealthy");
	snprintf(c->error, sizeof(c->error), "circuit breaker open after %u "
	    "failures", c->brk.failures);
	c->response_ms = -1;
	c->checked_ms = (int64_t)wall_ms();
}

/* ------------------------------------------------------------ workers */

static void
pong(struct worker *w, struct msg *reply, void *arg)
{
	struct check	*c = arg;
	struct checks	*cs = c->cs;

	c->req = 0;
	if (reply != NULL && reply->type == MSG_PONG)
		check_done(cs, c, "healthy", NULL, NULL);
	else
		check_done(cs, c, "unhealthy", NULL, "did not answer a ping");
}

static void
ping(struct checks *cs, struct check *c)
{
	struct body_ping	*b;
	struct msg		 m;

	b = msg_init(&m, MSG_PING, 0, c->peer);
	b->sent_ms = (int64_t)now_ms();
	if ((c->req = worker_request(cs->w, &m, pong, c)) == 0)
		check_done(cs, c, "unhealthy", NULL, "cannot send a ping");
	msg_clear(&m);
}

static void
worker_state(struct checks *cs, const struct body_status *st)
{
	struct check	*c;
	size_t		 i;

	for (i = 0; i < st->nworkers; i++) {
		c = check_find(cs, st->workers[i].name);
		if (c == NULL || !c->running || c->kind != K_WORKER)
			continue;
		if (strcmp(st->workers[i].state, "up") != 0)
			check_done(cs, c, "unhealthy", json_pack("{s:s,s:I}",
			    "state", st->workers[i].state, "restarts",
			    (json_int_t)st->workers[i].restarts),
			    "worker is %s", st->workers[i].state);
		else
			ping(cs, c);
	}
}

static void
status_reply(struct worker *w, struct msg *reply, void *arg)
{
	struct checks		*cs = arg;
	struct check		*c = check_find(cs, "docker");
	struct body_status	*st;
	size_t			 i;

	cs->status_req = 0;
	if (reply == NULL || reply->type != MSG_STATUS) {
		for (i = 0; i < cs->n; i++)
			if (cs->c[i].kind == K_DOCKER ||
			    cs->c[i].kind == K_WORKER)
				check_done(cs, &cs->c[i], "unhealthy", NULL,
				    "berthd did not answer");
		return;
	}
	st = reply->body;
	if (st->docker_up && st->containment != NULL &&
	    st->containment[0] != '\0')
		check_done(cs, c, "degraded", json_pack("{s:b,s:s,s:s}",
		    "reachable", 1, "version", st->docker_version,
		    "containment", st->containment), "%s", st->containment);
	else if (st->docker_up)
		check_done(cs, c, "healthy", json_pack("{s:b,s:s,s:s}",
		    "reachable", 1, "version", st->docker_version,
		    "containment", "ok"), NULL);
	else
		check_done(cs, c, "unhealthy", json_pack("{s:b}", "reachable",
		    0), "the Docker Engine does not answer");
	worker_state(cs, st);
}

/* ------------------------------------------------------------ store */

static json_t *
num_or_null(double d)
{
	return isnan(d) ? json_null() : json_real(round(d * 10) / 10);
}

static void
system_result(struct checks *cs, struct check *c,
    const struct body_db_status *d)
{
	const struct berth_config	*k = cs->cfg;
	json_t				*det;
	char				 why[160] = "";

	det = json_pack("{s:o,s:o,s:o,s:o}", "cpuPercent",
	    num_or_null(d->host_cpu_percent), "memoryPercent",
	    num_or_null(d->host_memory_percent), "load1",
	    num_or_null(d->host_load1), "diskPercent",
	    num_or_null(d->disk_percent));
	if (d->host_cpu_percent > (double)k->health_cpu_percent_max)
		snprintf(why, sizeof(why), "CPU %.0f %% busy",
		    d->host_cpu_percent);
	else if (d->host_memory_percent > (double)k->health_memory_percent_max)
		snprintf(why, sizeof(why), "memory %.0f %% used",
		    d->host_memory_percent);
	else if (d->disk_percent > (double)k->health_disk_percent_max)
		snprintf(why, sizeof(why), "state directory's disk %.0f %% "
		    "used", d->disk_percent);
	if (why[0] != '\0')
		check_done(cs, c, "degraded", det, "%s", why);
	else
		check_done(cs, c, "healthy", det, NULL);
}

static json_t *
database_details(const struct body_db_status *d)
{
	return json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
	    "state", d->state, "schemaVersion", (json_int_t)d->schema_version,
	    "queueDepth", (json_int_t)d->queue_depth,
	    "spoolBytes", (json_int_t)d->spool_bytes,
	    "spoolRecords", (json_int_t)d->spool_records,
	    "written", (json_int_t)d->written,
	    "dropped", (json_int_t)d->dropped,
	    "samples", (json_int_t)d->samples,
	    "appIntervalMs", (json_int_t)d->app_interval_ms,
	    "systemIntervalMs", (json_int_t)d->system_interval_ms);
}

/* up: healthy; disabled (no persistence: not required then) and
 * connecting: degraded; down: unhealthy. */
static void
database_result(struct checks *cs, struct check *c,
    const struct body_db_status *d)
{
	json_t	*det = database_details(d);

	c->required = strcmp(d->state, "disabled") != 0;
	if (strcmp(d->state, "up") == 0)
		check_done(cs, c, "healthy", det, NULL);
	else if (strcmp(d->state, "disabled") == 0)
		check_done(cs, c, "degraded", det, "no database: recent data "
		    "in memory only");
	else if (strcmp(d->state, "connecting") == 0)
		check_done(cs, c, "degraded", det, "%s", d->error[0] ?
		    d->error : "connecting");
	else
		check_done(cs, c, "unhealthy", det, "%s", d->error);
}

static void
db_reply(struct worker *w, struct msg *reply, void *arg)
{
	struct checks	*cs = arg;
	struct check	*db = check_find(cs, "database");
	struct check	*sys = check_find(cs, "system");

	cs->db_req = 0;
	if (reply == NULL || reply->type != MSG_DB_STATUS) {
		check_done(cs, db, "unhealthy", NULL, "the statswriter did "
		    "not answer");
		check_done(cs, sys, "unhealthy", NULL, "the statswriter did "
		    "not answer");
		return;
	}
	database_result(cs, db, reply->body);
	system_result(cs, sys, reply->body);
}

/* ------------------------------------------------------------ deps */

static void
dep_ok(const char *key, uint64_t at, void *arg)
{
	struct checks	*cs = arg;
	struct check	*c = check_find(cs, key);

	if (c != NULL)
		check_done(cs, c, "healthy", NULL, NULL);
}

static void
dep_failed(const char *key, const char *why, void *arg)
{
	struct checks	*cs = arg;
	struct check	*c = check_find(cs, key);

	if (c != NULL)
		check_done(cs, c, "unhealthy", NULL, "%s", why);
}

/* ------------------------------------------------------------ rounds */

static void
start_one(struct checks *cs, struct check *c)
{
	const struct dep	*d = &c->dep;

	c->running = 1;
	c->started_ms = now_ms();
	if (c->kind == K_SELF)
		check_done(cs, c, "healthy", NULL, NULL);
	else if (c->kind == K_DEP && probe_once(cs->deps, c->name, d->host,
	    d->port, d->path, (uint64_t)cs->cfg->health_check_timeout_ms) ==
	    -1)
		check_done(cs, c, "unhealthy", NULL, "cannot probe");
}

static void
round_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct checks		*cs = arg;
	struct timeval		 tv;
	enum breaker_state	 was;
	size_t			 i;
	int			 allowed, need_status = 0, need_db = 0;

	cs->round_ms = (int64_t)wall_ms();
	for (i = 0; i < cs->n; i++) {
		was = cs->c[i].brk.state;
		allowed = breaker_allow(&cs->c[i].brk, now_ms());
		breaker_moved(cs, &cs->c[i], was);
		if (!allowed) {
			check_skipped(&cs->c[i]);
			continue;
		}
		start_one(cs, &cs->c[i]);
		need_status |= cs->c[i].kind == K_DOCKER ||
		    cs->c[i].kind == K_WORKER;
		need_db |= cs->c[i].kind == K_DATABASE ||
		    cs->c[i].kind == K_SYSTEM;
	}
	if (need_status)
		cs->status_req = worker_ask(cs->w, MSG_STATUS_REQ, PEER_PARENT,
		    status_reply, cs);
	if (need_db)
		cs->db_req = worker_ask(cs->w, MSG_DB_STATUS_REQ,
		    PEER_STATSWRITER, db_reply, cs);
	tv.tv_sec = cs->cfg->health_check_timeout_ms / 1000;
	tv.tv_usec = (cs->cfg->health_check_timeout_ms % 1000) * 1000;
	evtimer_add(cs->deadline_ev, &tv);
	next_round(cs);
}

/* What has not answered by now failed. */
static void
deadline_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct checks	*cs = arg;
	struct check	*c;
	size_t		 i;

	for (i = 0; i < cs->n; i++) {
		c = &cs->c[i];
		if (!c->running)
			continue;
		if (c->req != 0)
			worker_cancel(cs->w, c->req);
		if (c->kind == K_DEP)
			probe_stop(cs->deps, c->name);
		check_done(cs, c, "unhealthy", NULL, "no answer in %ld ms",
		    cs->cfg->health_check_timeout_ms);
	}
	if (cs->status_req != 0)
		worker_cancel(cs->w, cs->status_req);
	if (cs->db_req != 0)
		worker_cancel(cs->w, cs->db_req);
	cs->status_req = cs->db_req = 0;
}

/* Results dropped with the table. */
static void
checks_clear(struct checks *cs)
{
	size_t	i;

	for (i = 0; i < cs->n; i++)
		json_decref(cs->c[i].details);
	cs->n = 0;
}

/* ------------------------------------------------------------ report */

static void
report_item(const struct check *c, struct check_item *it)
{
	char	*d = json_dumps(c->details != NULL ? c->details :
		    json_object(), JSON_COMPACT);

	it->name = xstrdup(c->name);
	it->status = xstrdup(c->status);
	it->required = c->required;
	it->response_ms = c->response_ms;
	it->checked_ms = c->checked_ms;
	it->breaker = xstrdup(breaker_name(c->brk.state));
	it->failures = c->brk.failures;
	it->error = xstrdup(c->error);
	/* A details object too big for the message says so instead. */
	it->details = xstrdup(d != NULL && strlen(d) < 4000 ? d : "{}");
	free(d);
}

void
checks_report(struct checks *cs, struct msg *req)
{
	struct body_health_report	*b;
	struct msg			 r;
	size_t				 i;

	b = msg_init(&r, MSG_HEALTH_REPORT, req->id, req->peer);
	r.flags = MSGF_REPLY;
	b->round_ms = cs->round_ms;
	b->checks = xcalloc(cs->n + 1, sizeof(*b->checks));
	for (i = 0; i < cs->n; i++)
		report_item(&cs->c[i], &b->checks[b->nchecks++]);
	worker_send(cs->w, &r);
	msg_clear(&r);
}

/* ------------------------------------------------------------ life */

struct checks *
checks_new(struct worker *w)
{
	struct checks	*cs = xcalloc(1, sizeof(*cs));

	cs->w = w;
	cs->deps = probe_set_new(w->base, dep_ok, dep_failed, cs);
	cs->round_ev = evtimer_new(w->base, round_cb, cs);
	cs->deadline_ev = evtimer_new(w->base, deadline_cb, cs);
	return cs;
}

/* A new configuration: the table is built again when the checks or
 * their breakers change (what is in flight is dropped, results and
 * breakers start afresh), and a round starts at once. */
void
checks_configure(struct checks *cs, const struct berth_config *cfg)
{
	char	spec[4096];

	snprintf(spec, sizeof(spec), "%s|%ld|%ld", cfg->health_dependencies,
	    cfg->health_breaker_failures, cfg->health_breaker_cooldown_s);
	cs->cfg = cfg;
	if (cs->n == 0 || strcmp(spec, cs->deps_spec) != 0) {
		deadline_cb(-1, 0, cs);
		evtimer_del(cs->deadline_ev);
		checks_clear(cs);
		snprintf(cs->deps_spec, sizeof(cs->deps_spec), "%s", spec);
		build_table(cs);
	}
	event_active(cs->round_ev, 0, 0);
}
