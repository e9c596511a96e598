/*
 * Container resource sampling straight from the kernel: cgroup v1 or v2
 * files and /proc/<pid>/net/dev, opened once and re-read with pread.
 * Everything is relative to directory descriptors opened by the caller
 * (the cgroup mount root and /proc), so a confined worker opens those
 * before its filter and tests can point them at fixture trees.
 */
#ifndef BERTH_CGROUP_H
#define BERTH_CGROUP_H

#include <stdint.h>
#include <sys/types.h>

enum cg_version { CG_NONE = 0, CG_V1 = 1, CG_V2 = 2 };

/* One sample of one container; the same struct is filled from the
 * engine's stats endpoint (supervisord/docker_stats.c). */
struct cg_sample {
	uint64_t	ts_ms;		/* monotonic time of the read */
	uint64_t	cpu_usage_ns;	/* cumulative CPU time of the cgroup */
	uint64_t	system_usage_ns; /* cumulative host CPU time (/proc/stat) */
	unsigned	online_cpus;
	uint64_t	mem_usage;	/* bytes, as the cgroup reports it */
	uint64_t	mem_limit;	/* bytes; 0 when unlimited */
	uint64_t	mem_cache;	/* page cache (v1 cache, v2 file) */
	uint64_t	mem_inactive_file;
	uint64_t	blk_read;	/* bytes */
	uint64_t	blk_write;
	uint64_t	net_rx;		/* bytes, all interfaces but lo */
	uint64_t	net_tx;
	uint64_t	pids;
};

struct cg_reader;

/* Which hierarchy is mounted under cgroot: CG_V2 if it holds
 * cgroup.controllers, CG_V1 if it holds cpuacct/ and memory/. */
enum cg_version	 cg_detect(int cgroot);

/* Open the files of container id (64 hex chars) under cgroot (the
 * cgroup mount root) for the given version, trying the cgroupfs layout
 * (docker/<id>) and the systemd layout (system.slice/docker-<id>.scope);
 * net/dev of pid under procfd (pid 0: no network counters).  Returns
 * NULL (errno set) when the container's cgroup is not found. */
struct cg_reader *cg_open(int cgroot, enum cg_version v, int procfd,
		    const char *id, pid_t pid);
/* Re-read every file with pread; returns 0, or -1 if a file vanished
 * (the container stopped). */
int		 cg_read(struct cg_reader *, int procfd, struct cg_sample *);
void		 cg_close(struct cg_reader *);
/* A sampling cycle reads the host's CPU time (/proc/stat, the same for
 * every container and 8-10 us a read) once with cg_read_host, then
 * each container with cg_read_shared, which takes it from host.
 *
 * cg_read_shared reads the slow-changing files less often, and the
 * sample carries their last values in between: the memory limit every
 * CG_SLOW_CYCLES calls (a docker update shows within that); memory.stat
 * (cache and inactive file, the dearest file) every CG_SLOW_CYCLES
 * calls too, and at once when the usage moved by more than the larger
 * of 1 MiB and 1/64 of itself since memory.stat was read; block I/O,
 * pids and net/dev every CG_SLOW_CYCLES calls too, and whenever the
 * container's CPU time moved since they were read (they change only
 * when something in it runs; cgroup.c says what the exceptions are).
 * The CPU time and the memory usage are read every call.  The first
 * call after cg_open or cg_expire reads every file; cg_read always
 * does, and renews those values.  6 cycles: 30 s at the default
 * app_interval_ms of 5 s, a minute at 10 s. */
#define CG_SLOW_CYCLES	6
int		 cg_read_host(struct cg_reader *, struct cg_sample *host);
int		 cg_read_shared(struct cg_reader *, const struct cg_sample *host,
		    struct cg_sample *);
/* Make the next cg_read_shared read every file. */
void		 cg_expire(struct cg_reader *);
/* Readers opened together would read their slow files in the same
 * cycle, every CG_SLOW_CYCLES-th one as dear as a full read: right
 * after cg_open, give each a different phase (0 .. CG_SLOW_CYCLES-1)
 * and those reads spread evenly over the cycles. */
void		 cg_stagger(struct cg_reader *, unsigned phase);

/* CPU percent between two samples, as docker stats computes it:
 * (dcpu / dsystem) * online_cpus * 100. */
double		 cg_cpu_percent(const struct cg_sample *prev,
		    const struct cg_sample *cur);
/* Memory usage minus inactive file cache (docker stats, cAdvisor). */
uint64_t	 cg_working_set(const struct cg_sample *);

/* Parsers, exposed for tests. */
int	cg_parse_net_dev(const char *buf, uint64_t *rx, uint64_t *tx);
int	cg_parse_kv(const char *buf, const char *key, uint64_t *out);
int	cg_parse_v1_blkio(const char *buf, uint64_t *rd, uint64_t *wr);
int	cg_parse_v2_io(const char *buf, uint64_t *rd, uint64_t *wr);
int	cg_parse_proc_stat(const char *buf, uint64_t *total_ns,
	    unsigned *ncpu);

#endif
