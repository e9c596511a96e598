/*
 * What the two halves of bench/sampling share: sampling.c (the cgroup
 * side, the report and main) and sampling_engine.c (the engine's stats
 * endpoint over curl, and the engine's CPU ticks from /proc).
 */
#ifndef BERTH_BENCH_SAMPLING_H
#define BERTH_BENCH_SAMPLING_H

#include <sys/types.h>

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

#define MAXN		4096

struct cg_sample;

struct target {
	char		 id[65];
	pid_t		 pid;
};

/* One engine request, reused across rounds. */
struct req {
	CURL		*easy;
	char		*buf;
	size_t		 len, cap;
	char		 url[160];
};

/* The engine's processes whose CPU is counted: P_SHIM stands for the
 * shims of the containers sampled. */
enum { P_DOCKERD, P_CONTAINERD, P_SHIM, P_MAX };

/* A cycle measured over many rounds: CPU us per container, wall ms a
 * round, and the CPU ms of its rounds: 99th percentile, maximum, and
 * the mean of the dearest phase (rounds k, k + CG_SLOW_CYCLES, ...). */
struct cycle {
	double		 us, wall_ms, p99_ms, max_ms, phase_ms;
};

struct result {
	size_t		 n;
	int		 rounds, erounds;
	struct cycle	 cg;		/* berth's cycle */
	struct cycle	 cg_sync;	/* the same, readers not staggered */
	struct cycle	 cg_all;	/* the full-read cycle */
	double		 stat_us;
	double		 cg_full_us;	/* cg_read of each, /proc/stat too */
	double		 e_us[P_MAX], e_client_us, e_us_total, e_wall_ms;
	unsigned	 nproc[P_MAX];
};

/* Set by main before any engine call. */
extern const char	*sockpath;
extern long		 clk_tck;

/* sampling.c: this process's CPU time and the monotonic clock, in ns. */
uint64_t	 cpu_ns(void);
uint64_t	 wall_ns(void);

/* sampling_engine.c */
/* Record the shims of the first n targets (the parents of their inits),
 * the ones bench_engine charges; fatal if one is not a shim. */
void		 shims_of(const struct target *t, size_t n);
/* q set up for the one-shot stats of container id over sockpath. */
void		 req_init(struct req *q, const char *id);
/* Every request of q once; fatal on any failed answer. */
void		 engine_round(CURLM *m, struct req *q, size_t n);
/* The fields berth takes from q's answer into s; -1 if it won't parse. */
int		 engine_sample(const struct req *q, struct cg_sample *s);
/* rounds rounds of q into res: the client's CPU and the engine's. */
void		 bench_engine(CURLM *m, struct req *q, size_t n, int rounds,
		    struct result *res);
/* Print the engine's CPU use over secs seconds with nobody asking. */
void		 engine_idle(int secs);

#endif
