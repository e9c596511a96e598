/*
 * The statswriter's sampling of running workspace containers and of the
 * host (sampler.c).
 */
#ifndef BERTH_SAMPLER_H
#define BERTH_SAMPLER_H

#include "proto.h"

struct berth_config;
struct sampler;
struct store;
struct worker;

/* Before confinement: opens /sys/fs/cgroup, /proc and the host files. */
struct sampler	*sampler_new(struct worker *, struct store *);
/* Start or re-time the sampling cycles ([metrics] keys). */
void		 sampler_configure(struct sampler *,
		    const struct berth_config *);
/* The host's sampling interval for a CPU busy percentage: min_ms up to
 * 50 %, max_ms from 90 %, linear between (NaN: min_ms). */
long		 sampler_adapt(long min_ms, long max_ms, double busy);
/* berthd's roster replaces the containers sampled. */
void		 sampler_roster(struct sampler *, const struct body_roster *);
/* The latest samples, the intervals and the business metrics, for
 * /api/metrics. */
struct prom_list;
void		 sampler_prom(const struct sampler *, struct prom_list *);
/* berthd's one-off MSG_CG_READ (GET /api/workspaces/{id}/stats). */
void		 sampler_cg_read(struct sampler *, struct msg *);

#endif
