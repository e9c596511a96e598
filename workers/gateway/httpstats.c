/*
 * The gateway's own metrics: HTTP requests by route, method and status
 * code, their latency as a histogram, and feature usage.  A request is
 * remembered from dispatch (httpstats_begin) to its reply
 * (httpstats_end, called by http_reply_json); the route table bounds
 * the label values, never the paths clients send.  A request whose
 * client left before the reply is forgotten when room is needed.
 */
#include <event2/http.h>
#include <stdio.h>
#include <string.h>

#include "gateway.h"
#include "promitem.h"
#include "util.h"

#define INFLIGHT	1024	/* requests waiting for a reply */
#define SERIES		512	/* (route, method, code) counters */
#define LATENCY		128	/* (route, method) histograms */
#define FEATURES	64

static const double lbuckets[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
    0.5, 1, 2.5, 5, 10 };
#define NLB	(sizeof(lbuckets) / sizeof(lbuckets[0]))

static struct {
	const struct evhttp_request	*req;
	const char			*route;
	const char			*method;
	uint64_t			 start;
} inflight[INFLIGHT];

static struct {
	const char	*route, *method;
	int		 code;
	uint64_t	 n;
} series[SERIES];
static size_t	nseries;

static struct {
	const char	*route, *method;
	uint64_t	 b[NLB + 1];	/* the last is +Inf */
	double		 sum;
	uint64_t	 count;
} latency[LATENCY];
static size_t	nlatency;

static struct {
	const char	*feature;
	uint64_t	 n;
} features[FEATURES];
static size_t	nfeatures;

static const char *
method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_PATCH: return "PATCH";
	default: return "OTHER";
	}
}

static void
count_feature(const char *feature)
{
	size_t	i;

	for (i = 0; i < nfeatures; i++)
		if (strcmp(features[i].feature, feature) == 0)
			break;
	if (i == nfeatures) {
		if (nfeatures == FEATURES)
			return;
		features[nfeatures++].feature = feature;
	}
	features[i].n++;
}

/* route and feature are string constants of the route table (or
 * "unmatched"); the oldest request in flight makes room if need be. */
void
httpstats_begin(const struct evhttp_request *req, const char *route,
    const char *feature)
{
	size_t	i, slot = 0;

	for (i = 0; i < INFLIGHT; i++) {
		if (inflight[i].req == NULL) {
			slot = i;
			break;
		}
		if (inflight[i].start < inflight[slot].start)
			slot = i;
	}
	inflight[slot].req = req;
	inflight[slot].route = route;
	inflight[slot].method = method_name(evhttp_request_get_command(
	    (struct evhttp_request *)req));
	inflight[slot].start = now_ms();
	if (feature != NULL)
		count_feature(feature);
}

static void
count_code(const char *route, const char *method, int code)
{
	size_t	i;

	for (i = 0; i < nseries; i++)
		if (series[i].route == route && series[i].method == method &&
		    series[i].code == code)
			break;
	if (i == nseries) {
		if (nseries == SERIES)
			return;
		series[nseries].route = route;
		series[nseries].method = method;
		series[nseries++].code = code;
	}
	series[i].n++;
}

static void
observe(const char *route, const char *method, double s)
{
	size_t	i, b;

	for (i = 0; i < nlatency; i++)
		if (latency[i].route == route && latency[i].method == method)
			break;
	if (i == nlatency) {
		if (nlatency == LATENCY)
			return;
		latency[nlatency].route = route;
		latency[nlatency++].method = method;
	}
	for (b = 0; b < NLB && s > lbuckets[b]; b++)
		;
	latency[i].b[b]++;
	latency[i].sum += s;
	latency[i].count++;
}

void
httpstats_end(const struct evhttp_request *req, int code)
{
	size_t	i;

	for (i = 0; i < INFLIGHT; i++) {
		if (inflight[i].req != req)
			continue;
		count_code(inflight[i].route, inflight[i].method, code);
		observe(inflight[i].route, inflight[i].method,
		    (double)(now_ms() - inflight[i].start) / 1000.0);
		inflight[i].req = NULL;
		return;
	}
}

void
httpstats_prom(struct prom_list *l)
{
	char		code[8], le[16];
	uint64_t	cum;
	size_t		i, b;

	for (i = 0; i < nseries; i++) {
		snprintf(code, sizeof(code), "%d", series[i].code);
		prom_add(l, "berth_http_requests_total", (double)series[i].n,
		    "route", series[i].route, "method", series[i].method,
		    "code", code);
	}
	for (i = 0; i < nlatency; i++) {
		for (b = 0, cum = 0; b <= NLB; b++) {
			cum += latency[i].b[b];
			if (b < NLB)
				snprintf(le, sizeof(le), "%g", lbuckets[b]);
			else
				snprintf(le, sizeof(le), "+Inf");
			prom_add(l, "berth_http_request_duration_seconds_bucket",
			    (double)cum, "route", latency[i].route, "method",
			    latency[i].method, "le", le);
		}
		prom_add(l, "berth_http_request_duration_seconds_sum",
		    latency[i].sum, "route", latency[i].route, "method",
		    latency[i].method, NULL, NULL);
		prom_add(l, "berth_http_request_duration_seconds_count",
		    (double)latency[i].count, "route", latency[i].route,
		    "method", latency[i].method, NULL, NULL);
	}
	for (i = 0; i < nfeatures; i++)
		prom_add(l, "berth_feature_usage_total", (double)features[i].n,
		    "feature", features[i].feature, NULL, NULL, NULL, NULL);
}
