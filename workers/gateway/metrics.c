/*
 * GET /api/metrics (Prometheus text exposition, version 0.0.4) and
 * GET /api/metrics/current (the same samples as JSON, with the
 * sampling intervals in force and berth's own overhead).  The samples
 * come from berthd (workspaces, startup histogram, shutdowns, user
 * activity, workers, berth's processes), the statswriter (containers,
 * host, writer, sampling, business; in pages), healthmon (checks and
 * breakers) and the gateway itself (HTTP, features).  Only families of
 * the table below are written, each with its HELP and TYPE.
 *
 * /api/metrics asks for [metrics] scrape_token when it is set (the
 * gateway holds that one secret: doc/design.md), drops the user label
 * when [metrics] user_labels is false, and is answered from a snapshot
 * at most [server] anonymous_cache_ms old: a flood of scrapes asks
 * berthd and the workers nothing more.
 */
#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "config.h"
#include "gateway.h"
#include "ipc.h"
#include "log.h"
#include "promitem.h"
#include "promtext.h"
#include "util.h"
#include "worker.h"
#include "xmalloc.h"

static const struct family {
	const char	*name;
	const char	*type;
	const char	*help;
} families[] = {
	{ "berth_workspaces", "gauge", "Workspaces by status." },
	{ "berth_workspace_startup_seconds", "histogram",
	    "Time from a start request to the workspace's first answer." },
	{ "berth_workspace_shutdowns_total", "counter",
	    "Workspaces stopped, by reason." },
	{ "berth_container_cpu_seconds_total", "counter",
	    "CPU time used by a workspace container." },
	{ "berth_container_memory_usage_bytes", "gauge",
	    "Memory used by a workspace container, page cache included." },
	{ "berth_container_memory_working_set_bytes", "gauge",
	    "Memory used by a workspace container less inactive file cache." },
	{ "berth_container_memory_limit_bytes", "gauge",
	    "Memory limit of a workspace container." },
	{ "berth_container_network_receive_bytes_total", "counter",
	    "Bytes received by a workspace container." },
	{ "berth_container_network_transmit_bytes_total", "counter",
	    "Bytes sent by a workspace container." },
	{ "berth_container_block_read_bytes_total", "counter",
	    "Bytes read from block devices by a workspace container." },
	{ "berth_container_block_write_bytes_total", "counter",
	    "Bytes written to block devices by a workspace container." },
	{ "berth_container_pids", "gauge",
	    "Processes in a workspace container." },
	{ "berth_system_cpu_usage_ratio", "gauge",
	    "Busy share of a host CPU (cpu=\"all\": of every CPU)." },
	{ "berth_system_memory_bytes", "gauge", "Host memory by type." },
	{ "berth_system_memory_usage_ratio", "gauge",
	    "Share of host memory in use." },
	{ "berth_system_load_average", "gauge", "Host load average." },
	{ "berth_http_requests_total", "counter",
	    "HTTP requests answered, by route, method and status code." },
	{ "berth_http_request_duration_seconds", "histogram",
	    "Time from an HTTP request to its answer." },
	{ "berth_http_connections_open", "gauge",
	    "HTTP connections open on the gateway." },
	{ "berth_http_refused_total", "counter",
	    "HTTP connections answered before their request was read "
	    "(503 over a connection cap, 408 past the deadline, 401 before "
	    "the body), by reason." },
	{ "berth_worker_up", "gauge", "1 when the worker is up." },
	{ "berth_worker_restarts_total", "counter",
	    "Restarts of a worker by berthd." },
	{ "berth_process_cpu_seconds_total", "counter",
	    "CPU time used by a berth process." },
	{ "berth_process_resident_memory_bytes", "gauge",
	    "Resident memory of a berth process." },
	{ "berth_overhead_cpu_ratio", "gauge",
	    "Share of one core used by all berth processes together." },
	{ "berth_overhead_resident_memory_bytes", "gauge",
	    "Resident memory of all berth processes together." },
	{ "berth_overhead_collected_timestamp_seconds", "gauge",
	    "When berth last measured its own processes." },
	{ "berth_overhead_collection_seconds", "gauge",
	    "Time that measurement took." },
	{ "berth_health_check_up", "gauge",
	    "1 when the health check is healthy." },
	{ "berth_health_check_degraded", "gauge",
	    "1 when the health check is degraded." },
	{ "berth_health_circuit_breaker_open", "gauge",
	    "1 when the check's circuit breaker is open or half-open." },
	{ "berth_database_up", "gauge", "1 when the database answers." },
	{ "berth_job_runs_total", "counter", "Scheduled job runs by result." },
	{ "berth_job_duration_seconds", "histogram",
	    "Duration of scheduled job runs." },
	{ "berth_job_last_success_timestamp_seconds", "gauge",
	    "When a scheduled job last succeeded." },
	{ "berth_alerts_active", "gauge", "Active alerts by severity." },
	{ "berth_writer_queue_depth", "gauge",
	    "Records in memory waiting for the database." },
	{ "berth_writer_spool_bytes", "gauge",
	    "Size of the spool file of records waiting for the database." },
	{ "berth_writer_spool_records", "gauge",
	    "Records in the spool file." },
	{ "berth_writer_records_written_total", "counter",
	    "Records written to the database." },
	{ "berth_writer_records_dropped_total", "counter",
	    "Records given up (refused by the database, or a full spool)." },
	{ "berth_writer_samples_total", "counter",
	    "Container samples taken by the statswriter." },
	{ "berth_sse_clients", "gauge", "Clients following logs over SSE." },
	{ "berth_sampling_interval_seconds", "gauge",
	    "Sampling interval in force, by level." },
	{ "berth_user_activity_total", "counter",
	    "Workspace actions of users, by action and tier." },
	{ "berth_feature_usage_total", "counter", "API features used." },
	{ "berth_active_users", "gauge",
	    "Users with a running workspace." },
	{ "berth_resource_usage_cpu_seconds_total", "counter",
	    "CPU time used by workspaces, by tier." },
	{ "berth_resource_usage_memory_byte_seconds_total", "counter",
	    "Memory used by workspaces over time, by tier." },
	{ "berth_resource_cost_total", "counter",
	    "Cost of what workspaces used at the tiers' prices." },
};
#define NFAMILIES	(sizeof(families) / sizeof(families[0]))

/* Lines of one family, rendered by the statswriter (body_prom texts). */
struct mtext {
	size_t	 fam;
	char	*lines;
	size_t	 len;
};

/* One /api/metrics or /api/metrics/current request being gathered. */
struct mreq {
	struct worker		*w;
	struct evhttp_request	*req;
	int			 json;
	int			 outstanding;
	uint32_t		 ids[5];	/* berthd, statswriter, healthmon,
						 * scheduler, logstreamer */
	int64_t			 sw_page;
	struct prom_list	 l;
	struct mtext		*texts;		/* the statswriter's, in order */
	size_t			 ntexts;
	int64_t			 tgen;		/* theirs; 0: mixed or none */
	int			 same;		/* kept's are current */
};

/*
 * The statswriter's texts of its last cycle, kept between scrapes: a
 * scrape tells their generation (known) and gets texts again only when
 * a cycle has made new ones.  A scrape that saw two generations across
 * its pages is not kept.
 */
static struct {
	int64_t		 gen;		/* 0: none */
	struct mtext	*t;
	size_t		 n;
} kept;

static void	ask_statswriter(struct mreq *);

/* ------------------------------------------------------------ text */

/* users 0: without the user label. */
static void
sample_line(struct ptbuf *b, const struct prom_item *it, int users)
{
	const char *const	k[3] = { it->k1, it->k2, it->k3 };
	const char *const	v[3] = { it->v1, it->v2, it->v3 };

	promtext_sample(b, it->name, k, v, it->value, users);
}

/* name is the family's, or the family's with a histogram suffix. */
static int
of_family(const struct family *f, const char *name)
{
	size_t	n = strlen(f->name);

	if (strncmp(name, f->name, n) != 0)
		return 0;
	if (name[n] == '\0')
		return 1;
	return strcmp(f->type, "histogram") == 0 && (strcmp(name + n,
	    "_bucket") == 0 || strcmp(name + n, "_sum") == 0 ||
	    strcmp(name + n, "_count") == 0);
}

/* The family of each item (NFAMILIES: none), looked up once per run of
 * items of one name: sources send a family's series together. */
static void
families_of(const struct prom_list *pl, size_t *fam)
{
	size_t	i, f = NFAMILIES;

	for (i = 0; i < pl->n; i++) {
		if (i == 0 || strcmp(pl->items[i].name,
		    pl->items[i - 1].name) != 0)
			for (f = 0; f < NFAMILIES; f++)
				if (of_family(&families[f],
				    pl->items[i].name))
					break;
		fam[i] = f;
	}
}

/* The last exposition, answered while fresh or being refreshed. */
static struct {
	struct evbuffer	*text;
	uint64_t	 at_ms;
	int		 refreshing;
} snap;

static void
send_text(struct evhttp_request *req, struct evbuffer *text)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct evbuffer		*b = evbuffer_new();

	evbuffer_add_buffer_reference(b, text);
	evhttp_add_header(h, "Content-Type",
	    "text/plain; version=0.0.4; charset=utf-8");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "Connection", "close");
	httpstats_end(req, 200);
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

static void
put(struct ptbuf *b, const char *s)
{
	ptbuf_add(b, s, strlen(s));
}

static void
family_head(struct ptbuf *b, const struct family *f)
{
	put(b, "# HELP ");
	put(b, f->name);
	put(b, " ");
	put(b, f->help);
	put(b, "\n# TYPE ");
	put(b, f->name);
	put(b, " ");
	put(b, f->type);
	put(b, "\n");
}

static void
text_free(const void *data, size_t len, void *arg)
{
	free((void *)data);
}

/* This scrape's texts become the kept ones. */
static void
keep(struct mreq *m)
{
	size_t	i;

	for (i = 0; i < kept.n; i++)
		free(kept.t[i].lines);
	free(kept.t);
	kept.t = m->texts;
	kept.n = m->ntexts;
	kept.gen = m->tgen;
	m->texts = NULL;
	m->ntexts = 0;
}

/* Every family with its HELP and TYPE, its items in the order they
 * came (sorted by family: a counting sort), then the statswriter's
 * texts of that family, all written once into one buffer. */
static void
reply_text(struct mreq *m)
{
	static size_t	 hint = 64 * 1024;	/* the last answer's size */
	struct evbuffer	*b = evbuffer_new();
	struct ptbuf	 pt;
	size_t		 start[NFAMILIES + 3], *fam, *order, i, f, nt;
	struct mtext	*t;

	pt.len = 0;
	pt.cap = hint + hint / 8;	/* written without a realloc */
	pt.p = xmalloc(pt.cap);

	if (!m->same && m->tgen != 0) {
		keep(m);
		m->same = 1;
	}
	t = m->same ? kept.t : m->texts;
	nt = m->same ? kept.n : m->ntexts;

	fam = xcalloc(m->l.n + 1, sizeof(*fam));
	order = xcalloc(m->l.n + 1, sizeof(*order));
	families_of(&m->l, fam);
	memset(start, 0, sizeof(start));
	for (i = 0; i < m->l.n; i++)
		start[fam[i] + 2]++;
	for (f = 1; f < NFAMILIES + 3; f++)
		start[f] += start[f - 1];
	for (i = 0; i < m->l.n; i++)
		order[start[fam[i] + 1]++] = i;
	for (f = 0; f < NFAMILIES; f++) {
		family_head(&pt, &families[f]);
		for (i = start[f]; i < start[f + 1]; i++)
			sample_line(&pt, &m->l.items[order[i]],
			    m->w->cfg.metrics_user_labels);
		for (i = 0; i < nt; i++)
			if (t[i].fam == f)
				ptbuf_add(&pt, t[i].lines, t[i].len);
	}
	free(fam);
	free(order);
	hint = pt.len;
	/* the evbuffer takes the text as it is: no copy */
	if (evbuffer_add_reference(b, pt.p, pt.len, text_free, NULL) == -1)
		fatalx("%s: evbuffer_add_reference failed", __func__);
	if (snap.text != NULL)
		evbuffer_free(snap.text);
	snap.text = b;
	snap.at_ms = now_ms();
	send_text(m->req, b);
}

/*
 * The statswriter's texts, taken when they hold only lines of a family
 * of the table (each line its name, then labels or the value) and end
 * with a newline: whatever else a worker sends, it cannot add a family,
 * a comment or a broken line to the exposition.
 */
static size_t
text_family(const struct prom_text *t)
{
	size_t	f;

	for (f = 0; f < NFAMILIES; f++)
		if (strcmp(families[f].name, t->family) == 0)
			break;
	if (f == NFAMILIES || !promtext_of_family(t->family, t->lines))
		return NFAMILIES;
	return f;
}

static void
take_texts(struct mreq *m, struct body_prom *b)
{
	size_t	i, f;

	if (b->same && kept.gen != 0) {
		m->same = 1;
		return;
	}
	if (b->ntexts > 0)
		m->tgen = m->ntexts == 0 && b->gen != 0 ? b->gen :
		    m->tgen == b->gen ? m->tgen : 0;

	for (i = 0; i < b->ntexts; i++) {
		if ((f = text_family(&b->texts[i])) == NFAMILIES) {
			log_warnx("metrics: a text of the statswriter "
			    "refused (family %s)", b->texts[i].family);
			continue;
		}
		m->texts = xreallocarray(m->texts, m->ntexts + 1,
		    sizeof(*m->texts));
		m->texts[m->ntexts].fam = f;
		m->texts[m->ntexts].lines = b->texts[i].lines;
		m->texts[m->ntexts].len = strlen(b->texts[i].lines);
		b->texts[i].lines = NULL;
		m->ntexts++;
	}
}

/* ------------------------------------------------------------ gather */

static void
mreq_free(struct mreq *m)
{
	size_t	i;

	for (i = 0; i < sizeof(m->ids) / sizeof(m->ids[0]); i++)
		if (m->ids[i] != 0)
			worker_cancel(m->w, m->ids[i]);
	if (!m->json)
		snap.refreshing = 0;
	if (m->req != NULL)
		conns_closecb(m->req, NULL, NULL);
	prom_free(&m->l);
	for (i = 0; i < m->ntexts; i++)
		free(m->texts[i].lines);
	free(m->texts);
	free(m);
}

static void
mreq_closed(struct evhttp_connection *conn, void *arg)
{
	struct mreq	*m = arg;

	m->req = NULL;
	mreq_free(m);
}

/* What the gateway knows itself: HTTP and features. */
static void
add_own(struct prom_list *l)
{
	httpstats_prom(l);
	conns_prom(l);
}

static void
finish(struct mreq *m)
{
	add_own(&m->l);
	if (m->json)
		metrics_json_reply(m->w, m->req, &m->l);
	else
		reply_text(m);
	mreq_free(m);
}

static void
got_berthd(struct worker *w, struct msg *reply, void *arg)
{
	struct mreq	*m = arg;

	m->ids[0] = 0;
	if (reply != NULL && reply->type == MSG_PROM)
		prom_take(&m->l, reply->body);
	if (--m->outstanding == 0)
		finish(m);
}

static void
got_statswriter(struct worker *w, struct msg *reply, void *arg)
{
	struct mreq	*m = arg;

	m->ids[1] = 0;
	if (reply != NULL && reply->type == MSG_PROM) {
		prom_take(&m->l, reply->body);
		take_texts(m, reply->body);
		if (((struct body_prom *)reply->body)->more) {
			m->sw_page++;
			ask_statswriter(m);
			return;
		}
	}
	if (--m->outstanding == 0)
		finish(m);
}

/* A worker's own families: ids[slot] is its call. */
static void
got_worker(struct mreq *m, struct msg *reply, int slot)
{
	m->ids[slot] = 0;
	if (reply != NULL && reply->type == MSG_PROM)
		prom_take(&m->l, reply->body);
	if (--m->outstanding == 0)
		finish(m);
}

static void
got_scheduler(struct worker *w, struct msg *reply, void *arg)
{
	got_worker(arg, reply, 3);
}

static void
got_logstreamer(struct worker *w, struct msg *reply, void *arg)
{
	got_worker(arg, reply, 4);
}

static void
got_health(struct worker *w, struct msg *reply, void *arg)
{
	struct mreq			*m = arg;
	struct body_health_report	*r;
	struct check_item		*c;
	size_t				 i;

	m->ids[2] = 0;
	if (reply != NULL && reply->type == MSG_HEALTH_REPORT) {
		r = reply->body;
		for (i = 0; i < r->nchecks; i++) {
			c = &r->checks[i];
			prom_add(&m->l, "berth_health_check_up",
			    strcmp(c->status, "healthy") == 0, "check",
			    c->name, NULL, NULL, NULL, NULL);
			prom_add(&m->l, "berth_health_check_degraded",
			    strcmp(c->status, "degraded") == 0, "check",
			    c->name, NULL, NULL, NULL, NULL);
			prom_add(&m->l, "berth_health_circuit_breaker_open",
			    strcmp(c->breaker, "closed") != 0, "check",
			    c->name, NULL, NULL, NULL, NULL);
		}
	}
	if (--m->outstanding == 0)
		finish(m);
}

/* The exposition asks for texts where a worker has them. */
static uint32_t
ask(struct mreq *m, unsigned type, unsigned peer, worker_reply_cb cb,
    int64_t page)
{
	struct body_prom_req	*q;
	struct msg		 r;
	void			*b;
	uint32_t		 id;

	b = msg_init(&r, type, 0, peer);
	if (type == MSG_PROM_REQ) {
		q = b;
		q->page = page;
		q->text = !m->json;
		q->users = m->w->cfg.metrics_user_labels;
		q->known = q->text ? kept.gen : 0;
	}
	id = worker_request(m->w, &r, cb, m);
	msg_clear(&r);
	return id;
}

/* A failed request counts as answered (those samples are missing). */
static void
ask_statswriter(struct mreq *m)
{
	if ((m->ids[1] = ask(m, MSG_PROM_REQ, PEER_STATSWRITER,
	    got_statswriter, m->sw_page)) == 0 && --m->outstanding == 0)
		finish(m);
}

static void
metrics_start(struct worker *w, struct evhttp_request *req, int json)
{
	struct mreq	*m = xcalloc(1, sizeof(*m));

	m->w = w;
	m->req = req;
	m->json = json;
	m->outstanding = 5;
	if (!json)
		snap.refreshing = 1;
	conns_closecb(req, mreq_closed, m);
	if ((m->ids[0] = ask(m, MSG_PROM_REQ, PEER_PARENT, got_berthd, 0)) ==
	    0)
		m->outstanding--;
	if ((m->ids[2] = ask(m, MSG_HEALTH_REQ, PEER_HEALTHMON, got_health,
	    0)) == 0)
		m->outstanding--;
	if ((m->ids[3] = ask(m, MSG_PROM_REQ, PEER_SCHEDULER, got_scheduler,
	    0)) == 0)
		m->outstanding--;
	if ((m->ids[4] = ask(m, MSG_PROM_REQ, PEER_LOGSTREAMER,
	    got_logstreamer, 0)) == 0)
		m->outstanding--;
	ask_statswriter(m);	/* may finish, with the others failed */
}

/* Prometheus scrapes it, with [metrics] scrape_token when one is set
 * (conns.c checked it before; checked again here). */
void
api_metrics(struct worker *w, struct evhttp_request *req, char params[][128])
{
	const char	*h, *tok = NULL;

	h = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Authorization");
	if (h != NULL)
		tok = api_bearer(h);
	if (!config_scrape_ok(&w->cfg, tok)) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "WWW-Authenticate", "Bearer");
		http_error(req, 401, "unauthorized", "this endpoint needs "
		    "the scrape token");
		return;
	}
	if (snap.text != NULL && (now_ms() - snap.at_ms <
	    (uint64_t)w->cfg.anonymous_cache_ms || snap.refreshing))
		send_text(req, snap.text);
	else
		metrics_start(w, req, 0);
}

/* berthd says who holds the token: the admin only. */
static void
current_allowed(struct worker *w, struct evhttp_request *req, struct msg *m,
    void *arg)
{
	struct body_ident *id = m->body;

	if (!id->admin) {
		http_error(req, 403, "forbidden", "metrics are for the admin "
		    "token");
		return;
	}
	metrics_start(w, req, 1);
}

void
api_metrics_current(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	const char	*tok;
	struct call	*c;

	if ((tok = api_token(req)) == NULL)
		return;
	c = api_call_new(w, req, current_allowed, NULL, NULL);
	api_call_sent(c, ipc_auth(w, tok, api_ipc_done, c));
}
