/*
 * Business metrics (seed 002's third level), every [metrics]
 * business_interval_ms: active users, and per tier the CPU-seconds and
 * memory byte-seconds used by workspaces and what they cost at the
 * tier's prices (business.c).
 */
#ifndef BERTH_BUSINESS_H
#define BERTH_BUSINESS_H

#include <stddef.h>
#include <stdint.h>

struct berth_config;
struct business;
struct prom_list;

struct business	*business_new(void);
/* A container of tier used cpu_s CPU-seconds and mem_bs byte-seconds
 * since its last sample. */
void		 business_add(struct business *, const char *tier,
		    double cpu_s, double mem_bs);
/* Publish: the totals so far, priced with cfg's tiers, and the number
 * of distinct users with a running workspace. */
void		 business_tick(struct business *, const struct berth_config *,
		    size_t active_users, uint64_t wall_ms);
/* The published values as metric samples. */
void		 business_prom(const struct business *, struct prom_list *);

#endif
