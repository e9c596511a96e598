/*
 * Host resource sampling straight from the kernel: /proc/stat,
 * /proc/meminfo and /proc/loadavg, opened once and re-read with pread,
 * and the CPU time and resident size of one process.  Everything is
 * relative to a descriptor of /proc opened by the caller, so a confined
 * worker opens it before its filter and tests can point it at fixture
 * trees.
 */
#ifndef BERTH_SYSSTAT_H
#define BERTH_SYSSTAT_H

#include <stdint.h>
#include <sys/types.h>

#define SYS_MAX_CPUS	256

/* Cumulative CPU time in USER_HZ ticks from /proc/stat. busy = user +
 * nice + system + irq + softirq + steal; total = busy + idle + iowait
 * (guest time is already inside user/nice, do not add it again). */
struct sys_cpu {
	uint64_t	busy;
	uint64_t	total;
};

struct sys_sample {
	/* cpuN lines read (<= SYS_MAX_CPUS) */
	unsigned	ncpu;
	struct sys_cpu	all;		/* the "cpu " line */
	/* "cpu0".. in order of N; a CPU absent (offline) keeps zeros */
	struct sys_cpu	cpu[SYS_MAX_CPUS];
	uint64_t	mem_total;	/* bytes, /proc/meminfo MemTotal */
	uint64_t	mem_free;	/* MemFree */
	/* MemAvailable (if absent: free+buffers+cached) */
	uint64_t	mem_available;
	uint64_t	mem_buffers;
	uint64_t	mem_cached;
	uint64_t	swap_total;
	uint64_t	swap_free;
	double		load1, load5, load15;	/* /proc/loadavg */
};

struct sys_reader;

/* Open stat, meminfo and loadavg relative to procfd; NULL (errno set,
 * logged) if one is missing. */
struct sys_reader *sys_open(int procfd);
/* Re-read all three with pread; 0, or -1 if a read or parse failed. */
int	sys_read(struct sys_reader *, struct sys_sample *);
void	sys_close(struct sys_reader *);

/* Percent busy between two samples of one CPU (0..100); NAN when the
 * total did not move or went backwards. */
double	sys_cpu_percent(const struct sys_cpu *prev,
	    const struct sys_cpu *cur);
/* Used memory as `free` computes it: total - available (0 if negative). */
uint64_t sys_mem_used(const struct sys_sample *);

/* A process's own usage from /proc/<pid>/stat (utime+stime, in ticks)
 * and /proc/<pid>/statm (resident pages * page size), read relative to
 * procfd (opened and closed per call: this one is not on a hot path).
 * 0, or -1 if the process is gone. */
int	sys_proc_usage(int procfd, pid_t pid, uint64_t *cpu_ticks,
	    uint64_t *rss_bytes);

/* Parsers, exposed for tests; 0 on success, -1 on malformed input. */
int	sys_parse_stat(const char *buf, struct sys_sample *);
int	sys_parse_meminfo(const char *buf, struct sys_sample *);
int	sys_parse_loadavg(const char *buf, struct sys_sample *);
int	sys_parse_pid_stat(const char *buf, uint64_t *cpu_ticks);

#endif
