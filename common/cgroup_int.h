/*
 * Inside the container resource reader: the parsers cgroup.c uses that
 * cgroup.h does not export (cgroup_parse.c).
 */
#ifndef BERTH_CGROUP_INT_H
#define BERTH_CGROUP_INT_H

#include <stdint.h>

/* v1 reports "no limit" as LONG_MAX rounded down to a page; anything
 * past 2^62 bytes (4 EiB) is no real limit. */
#define CG_UNLIMITED	(1ULL << 62)

/* Nanoseconds per USER_HZ tick, asked once per process. */
uint64_t tick_ns(void);
/* A line holding one number (blanks around it allowed). */
int	parse_single(const char *, uint64_t *);
/* memory.max or memory.limit_in_bytes; 0 when unlimited. */
int	parse_limit(const char *, uint64_t *);
/* /proc/stat: the host's CPU time in ns (tick ns a USER_HZ tick) and
 * the number of CPUs. */
int	parse_stat(const char *buf, uint64_t tick, uint64_t *total_ns,
	    unsigned *ncpu);

#endif
