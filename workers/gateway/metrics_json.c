/*
 * GET /api/metrics/current as JSON (seed 002): the samples /api/metrics
 * exposes, grouped for people and dashboards, with the sampling
 * intervals in force (`sampling`) and berth's own overhead
 * (`performance`: share of one core and resident memory of all berth
 * processes, and when that was last measured).
 */
#include <event2/http.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gateway.h"
#include "promitem.h"
#include "util.h"
#include "worker.h"

/* The value of name whose first label value is v1 (NULL: any); NaN. */
static double
value_of(const struct prom_list *l, const char *name, const char *v1)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->items[i].name, name) == 0 && (v1 == NULL ||
		    strcmp(l->items[i].v1, v1) == 0))
			return l->items[i].value;
	return NAN;
}

/* Whole numbers (counts, bytes) as integers, the rest as reals. */
static json_t *
num(double d)
{
	if (isnan(d) || isinf(d))
		return json_null();
	if (d == floor(d) && fabs(d) < 9007199254740992.0)
		return json_integer((json_int_t)d);
	return json_real(d);
}

static json_t *
pct(double ratio)
{
	return isnan(ratio) ? json_null() : json_real(round(ratio * 10000) /
	    100);
}

static json_t *
sampling(const struct worker *w, const struct prom_list *l)
{
	const char *name = "berth_sampling_interval_seconds";

	return json_pack("{s:o,s:I,s:I,s:o,s:o,s:b}",
	    "systemIntervalMs", num(value_of(l, name, "system") * 1000),
	    "systemIntervalMinMs", (json_int_t)w->cfg.metrics_system_interval_ms,
	    "systemIntervalMaxMs",
	    (json_int_t)w->cfg.metrics_system_interval_max_ms,
	    "appIntervalMs", num(value_of(l, name, "application") * 1000),
	    "businessIntervalMs", num(value_of(l, name, "business") * 1000),
	    "adaptive", w->cfg.metrics_system_interval_max_ms >
	    w->cfg.metrics_system_interval_ms);
}

static json_t *
system_json(const struct prom_list *l)
{
	json_t	*cores = json_object();
	size_t	 i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->items[i].name, "berth_system_cpu_usage_ratio") ==
		    0 && strcmp(l->items[i].v1, "all") != 0)
			json_object_set_new(cores, l->items[i].v1,
			    pct(l->items[i].value));
	return json_pack("{s:{s:o,s:o},s:{s:o,s:o,s:o,s:o},s:{s:o,s:o,s:o}}",
	    "cpu", "percent", pct(value_of(l, "berth_system_cpu_usage_ratio",
	    "all")), "cores", cores,
	    "memory", "totalBytes", num(value_of(l,
	    "berth_system_memory_bytes", "total")),
	    "usedBytes", num(value_of(l, "berth_system_memory_bytes", "used")),
	    "availableBytes", num(value_of(l, "berth_system_memory_bytes",
	    "available")),
	    "percent", pct(value_of(l, "berth_system_memory_usage_ratio",
	    NULL)),
	    "load", "1m", num(value_of(l, "berth_system_load_average", "1m")),
	    "5m", num(value_of(l, "berth_system_load_average", "5m")),
	    "15m", num(value_of(l, "berth_system_load_average", "15m")));
}

/* Container samples come in families; one object per workspace. */
static json_t *
containers_json(const struct prom_list *l)
{
	static const struct { const char *name, *key; } f[] = {
		{ "berth_container_cpu_seconds_total", "cpuSeconds" },
		{ "berth_container_memory_usage_bytes", "memoryUsageBytes" },
		{ "berth_container_memory_working_set_bytes",
		    "memoryWorkingSetBytes" },
		{ "berth_container_memory_limit_bytes", "memoryLimitBytes" },
		{ "berth_container_network_receive_bytes_total", "networkRxBytes" },
		{ "berth_container_network_transmit_bytes_total",
		    "networkTxBytes" },
		{ "berth_container_block_read_bytes_total", "blockReadBytes" },
		{ "berth_container_block_write_bytes_total", "blockWriteBytes" },
		{ "berth_container_pids", "pids" },
	};
	json_t				*byws = json_object(), *o, *a;
	const struct prom_item		*it;
	size_t				 i, k;
	const char			*key;

	for (i = 0; i < l->n; i++) {
		it = &l->items[i];
		for (k = 0; k < sizeof(f) / sizeof(f[0]); k++)
			if (strcmp(it->name, f[k].name) == 0)
				break;
		if (k == sizeof(f) / sizeof(f[0]))
			continue;
		if ((o = json_object_get(byws, it->v1)) == NULL) {
			o = json_pack("{s:s,s:s,s:s}", "workspaceId", it->v1,
			    "userId", it->v2, "tier", it->v3);
			json_object_set_new(byws, it->v1, o);
		}
		json_object_set_new(o, f[k].key, num(it->value));
	}
	a = json_array();
	json_object_foreach(byws, key, o)
		json_array_append(a, o);
	json_decref(byws);
	return a;
}

static json_t *
workspaces_json(const struct prom_list *l)
{
	static const char *const st[] = { "starting", "running", "stopping",
	    "stopped", "error" };
	json_t	*o = json_object();
	size_t	 i;

	for (i = 0; i < 5; i++)
		json_object_set_new(o, st[i], num(value_of(l,
		    "berth_workspaces", st[i])));
	return o;
}

static double
cost_of(const struct prom_list *l, const char *tier, const char *resource)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->items[i].name, "berth_resource_cost_total") == 0 &&
		    strcmp(l->items[i].v1, tier) == 0 &&
		    strcmp(l->items[i].v2, resource) == 0)
			return l->items[i].value;
	return NAN;
}

static json_t *
business_json(const struct prom_list *l)
{
	json_t			*tiers = json_array();
	const struct prom_item	*it;
	size_t			 i;

	for (i = 0; i < l->n; i++) {
		it = &l->items[i];
		if (strcmp(it->name, "berth_resource_usage_cpu_seconds_total"))
			continue;
		json_array_append_new(tiers, json_pack("{s:s,s:o,s:o,s:o,s:o}",
		    "tier", it->v1, "cpuSeconds", num(it->value),
		    "memoryByteSeconds", num(value_of(l,
		    "berth_resource_usage_memory_byte_seconds_total", it->v1)),
		    "costCpu", num(cost_of(l, it->v1, "cpu")),
		    "costMemory", num(cost_of(l, it->v1, "memory"))));
	}
	return json_pack("{s:o,s:o}", "activeUsers", num(value_of(l,
	    "berth_active_users", NULL)), "tiers", tiers);
}

static json_t *
performance_json(const struct prom_list *l)
{
	json_t			*procs = json_array();
	const struct prom_item	*it;
	double			 at;
	char			 ts[40];
	size_t			 i;

	for (i = 0; i < l->n; i++) {
		it = &l->items[i];
		if (strcmp(it->name, "berth_process_cpu_seconds_total") != 0)
			continue;
		json_array_append_new(procs, json_pack("{s:s,s:o,s:o}", "name",
		    it->v1, "cpuSeconds", num(it->value), "residentBytes",
		    num(value_of(l, "berth_process_resident_memory_bytes",
		    it->v1))));
	}
	at = value_of(l, "berth_overhead_collected_timestamp_seconds", NULL);
	return json_pack("{s:o,s:o,s:o,s:o,s:o}",
	    "cpuPercent", pct(value_of(l, "berth_overhead_cpu_ratio", NULL)),
	    "residentBytes", num(value_of(l,
	    "berth_overhead_resident_memory_bytes", NULL)),
	    "lastCollection", isnan(at) ? json_null() : json_string(
	    iso8601_ms((uint64_t)(at * 1000), ts, sizeof(ts))),
	    "collectionMs", num(value_of(l,
	    "berth_overhead_collection_seconds", NULL) * 1000),
	    "processes", procs);
}

void
metrics_json_reply(struct worker *w, struct evhttp_request *req,
    const struct prom_list *l)
{
	char	ts[40];

	http_reply_json(req, 200, json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:{s:o,"
	    "s:o,s:o,s:o,s:o,s:o,s:o},s:o}",
	    "timestamp", iso8601_ms(wall_ms(), ts, sizeof(ts)),
	    "sampling", sampling(w, l), "system", system_json(l),
	    "containers", containers_json(l),
	    "workspaces", workspaces_json(l),
	    "business", business_json(l),
	    "writer", "databaseUp", num(value_of(l, "berth_database_up", NULL)),
	    "queueDepth", num(value_of(l, "berth_writer_queue_depth", NULL)),
	    "spoolBytes", num(value_of(l, "berth_writer_spool_bytes", NULL)),
	    "spoolRecords", num(value_of(l, "berth_writer_spool_records",
	    NULL)),
	    "written", num(value_of(l, "berth_writer_records_written_total",
	    NULL)),
	    "dropped", num(value_of(l, "berth_writer_records_dropped_total",
	    NULL)),
	    "samples", num(value_of(l, "berth_writer_samples_total", NULL)),
	    "performance", performance_json(l)));
}
