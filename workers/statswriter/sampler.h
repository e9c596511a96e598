/*
 * The statswriter's sampling of running workspace containers and of the
 * host (sampler.c).
 */
#ifndef BERTH_SAMPLER_H
#define BERTH_SAMPLER_H

#include <stdint.h>

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
 * /api/metrics (containers 0: without the containers' series). */
struct prom_list;
void		 sampler_prom(const struct sampler *, struct prom_list *,
		    int containers);
/* The containers' series as exposition lines into out[SAMPLER_NFAM],
 * one buffer a family of sampler_families; they change only when
 * sampler_gen does. */
#define SAMPLER_NFAM	9
struct ptbuf;
extern const char *const sampler_families[SAMPLER_NFAM];
uint64_t	 sampler_gen(const struct sampler *);
void		 sampler_text(const struct sampler *, int users,
		    struct ptbuf *out);
/* berthd's one-off MSG_CG_READ (GET /api/workspaces/{id}/stats). */
void		 sampler_cg_read(struct sampler *, struct msg *);

#endif
