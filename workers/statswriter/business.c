/*
 * Business metrics (business.h): usage accumulates with every sample
 * of a container; every business interval it is published together
 * with its cost, so that the business level costs nothing between
 * ticks.  Costs are counters: usage times the tier's price at the time
 * it was published.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "business.h"
#include "config.h"
#include "promitem.h"
#include "xmalloc.h"

#define MAX_TIERS	(CONFIG_MAX_TIERS + 8)	/* tiers seen, even gone */
#define GB_HOUR		(1e9 * 3600.0)		/* byte-seconds */

struct usage {
	char	tier[40];
	double	cpu_s, mem_bs;		/* accumulating */
	double	pub_cpu_s, pub_mem_bs;	/* published */
	double	cost_cpu, cost_mem;	/* published, cumulative */
	double	priced_cpu_s, priced_mem_bs; /* usage already priced */
};

struct business {
	struct usage	u[MAX_TIERS];
	size_t		n;
	size_t		active_users;
	uint64_t	published_ms;
};

struct business *
business_new(void)
{
	return xcalloc(1, sizeof(struct business));
}

static struct usage *
usage_of(struct business *b, const char *tier)
{
	size_t	i;

	for (i = 0; i < b->n; i++)
		if (strcmp(b->u[i].tier, tier) == 0)
			return &b->u[i];
	if (b->n == MAX_TIERS)
		return NULL;
	snprintf(b->u[b->n].tier, sizeof(b->u[b->n].tier), "%s", tier);
	return &b->u[b->n++];
}

void
business_add(struct business *b, const char *tier, double cpu_s,
    double mem_bs)
{
	struct usage	*u = usage_of(b, tier);

	if (u == NULL || cpu_s < 0 || mem_bs < 0)
		return;
	u->cpu_s += cpu_s;
	u->mem_bs += mem_bs;
}

void
business_tick(struct business *b, const struct berth_config *cfg,
    size_t active_users, uint64_t wall_ms)
{
	const struct tier	*t;
	struct usage		*u;
	size_t			 i;

	for (i = 0; i < b->n; i++) {
		u = &b->u[i];
		t = config_tier(cfg, u->tier);
		u->pub_cpu_s = u->cpu_s;
		u->pub_mem_bs = u->mem_bs;
		if (t != NULL) {
			u->cost_cpu += (u->cpu_s - u->priced_cpu_s) *
			    t->price_cpu_second;
			u->cost_mem += (u->mem_bs - u->priced_mem_bs) / GB_HOUR *
			    t->price_gb_hour;
		}
		u->priced_cpu_s = u->cpu_s;
		u->priced_mem_bs = u->mem_bs;
	}
	b->active_users = active_users;
	b->published_ms = wall_ms;
}

void
business_prom(const struct business *b, struct prom_list *l)
{
	const struct usage	*u;
	size_t			 i;

	prom_add(l, "berth_active_users", (double)b->active_users, NULL, NULL,
	    NULL, NULL, NULL, NULL);
	for (i = 0; i < b->n; i++) {
		u = &b->u[i];
		prom_add(l, "berth_resource_usage_cpu_seconds_total",
		    u->pub_cpu_s, "tier", u->tier, NULL, NULL, NULL, NULL);
		prom_add(l, "berth_resource_usage_memory_byte_seconds_total",
		    u->pub_mem_bs, "tier", u->tier, NULL, NULL, NULL, NULL);
		prom_add(l, "berth_resource_cost_total", u->cost_cpu, "tier",
		    u->tier, "resource", "cpu", NULL, NULL);
		prom_add(l, "berth_resource_cost_total", u->cost_mem, "tier",
		    u->tier, "resource", "memory", NULL, NULL);
	}
}
