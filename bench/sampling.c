/*
 * Benchmark of container sampling (issue 5, point 7): the CPU time to
 * sample N running containers once through berth's cgroup path
 * (common/cgroup.c: each container's files opened once, re-read with
 * pread; measured as berth's cycle, which reads the memory limit and
 * memory.stat less often, and as the full-read cycle that reads every
 * file every time) against the engine's stats endpoint (GET
 * /containers/{id}/stats?stream=false&one-shot=true over the unix
 * socket, a curl multi handle, each answer parsed with jansson), in
 * the same run, for each N given.  The engine side is charged with the
 * client's CPU time and the utime+stime (/proc/<pid>/stat) of dockerd,
 * containerd (found by comm) and the containerd-shim of each container
 * sampled (the parent of its init) across the requests; the idle CPU
 * of all of them is printed beside.  First it prints the first
 * container's memory, raw and as working set, from both paths, and the
 * cost of a pread of each of its files.  bench/sampling.sh starts the
 * containers.
 *
 * This file holds the input, the cgroup side, the report and main;
 * the engine side (its requests and its CPU from /proc) is in
 * sampling_engine.c, and what the two share in sampling.h.
 *
 *   sampling [-s SOCKET] [-r ROUNDS] [-e REQUESTS] [-c PARALLEL]
 *       [-i IDLE_S] [-n N[,N...]] FILE
 *
 * FILE: one "ID PID" per line (the 64-hex container id and the pid of
 * its init, from docker inspect), "-" for stdin.  ROUNDS (default 1000)
 * cgroup rounds over all N; the engine gets at least REQUESTS (default
 * 600, at least 2 rounds) requests, PARALLEL at a time (default 0:
 * all N at once; the engine answers a one-shot request at the next
 * tick of its 1 s stats collector, so a round takes about 1 s).
 * First the engine's idle CPU use is measured over IDLE_S seconds
 * (default 5; 0 skips it).
 */
#include <sys/resource.h>

#include <ctype.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "log.h"
#include "scan.h"
#include "xmalloc.h"
#include "sampling.h"

#define MAXSIZES	8

/* Row labels of the P_* processes. */
static const char *const pnames[P_MAX] = {
	"dockerd", "containerd", "their shims"
};

struct opts {
	size_t		 sizes[MAXSIZES];
	int		 nsizes, rounds, idle;
	long		 minreq;
};

const char		*sockpath = "/var/run/docker.sock";
long			 clk_tck;
static int		 parallel;	/* 0: all at once */

/* ------------------------------------------------------------ clocks */

static uint64_t
clock_ns(clockid_t c)
{
	struct timespec	ts;

	if (clock_gettime(c, &ts) == -1)
		fatal("clock_gettime");
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t
cpu_ns(void)
{
	return clock_ns(CLOCK_PROCESS_CPUTIME_ID);
}

uint64_t
wall_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* ------------------------------------------------------------ input */

static int
valid_id(const char *s)
{
	size_t	i;

	for (i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	return s[64] == '\0';
}

static size_t
read_targets(const char *path, struct target *t)
{
	FILE	*f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char	 line[256], id[128];
	long	 pid;
	size_t	 n = 0;

	if (f == NULL)
		fatal("%s", path);
	while (n < MAXN && fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%127s %ld", id, &pid) != 2 ||
		    !valid_id(id) || pid <= 0)
			fatalx("%s: bad line: %s", path, line);
		snprintf(t[n].id, sizeof(t[n].id), "%.64s", id);
		t[n++].pid = (pid_t)pid;
	}
	if (f != stdin)
		fclose(f);
	return n;
}

/* "10,50,200" into sizes; the count. */
static int
parse_sizes(const char *s, size_t *sizes)
{
	char	*end;
	long	 v;
	int	 n = 0;

	for (;;) {
		v = strtol(s, &end, 10);
		if (end == s || v <= 0 || v > MAXN || n == MAXSIZES)
			fatalx("bad -n list");
		sizes[n++] = (size_t)v;
		if (*end == '\0')
			return n;
		if (*end != ',')
			fatalx("bad -n list");
		s = end + 1;
	}
}

/* ------------------------------------------------------------ cgroup */

static struct cg_reader **
cg_open_all(const struct target *t, size_t n, int cgroot,
    enum cg_version v, int procfd)
{
	struct cg_reader	**r = xcalloc(n, sizeof(*r));
	struct cg_sample	  s;
	size_t			  i;

	for (i = 0; i < n; i++) {
		if ((r[i] = cg_open(cgroot, v, procfd, t[i].id,
		    t[i].pid)) == NULL)
			fatal("cg_open %.12s", t[i].id);
		cg_stagger(r[i], (unsigned)i);	/* as the sampler does */
		/* Warm-up: the first read of a cgroup file costs more. */
		if (cg_read(r[i], procfd, &s) == -1)
			fatal("cg_read %.12s", t[i].id);
	}
	return r;
}

static void
cg_close_all(struct cg_reader **r, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		cg_close(r[i]);
	free(r);
}

/* rounds cycles over all n, /proc/stat once a cycle, then each
 * container: CPU us per container per sample, and wall ms a round.
 * As berth's sampler does them (full 0: the memory limit and
 * memory.stat now and then) or reading every file of each every round
 * (full 1: what the sampler did before; cg_expire forces it). */
static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
cycle_run(struct cg_reader **r, size_t n, int rounds, int full,
    struct cycle *c)
{
	struct cg_sample	 s, host;
	uint64_t		 c0, w0, *round, phase[CG_SLOW_CYCLES] = { 0 };
	size_t			 i;
	int			 k;

	round = xcalloc((size_t)rounds, sizeof(*round));
	c0 = cpu_ns();
	w0 = wall_ns();
	for (k = 0; k < rounds; k++) {
		round[k] = cpu_ns();
		if (cg_read_host(r[0], &host) == -1)
			fatal("cg_read_host");
		for (i = 0; i < n; i++) {
			if (full)
				cg_expire(r[i]);
			if (cg_read_shared(r[i], &host, &s) == -1)
				fatal("cg_read_shared %zu", i);
		}
		round[k] = cpu_ns() - round[k];
		phase[k % CG_SLOW_CYCLES] += round[k];
	}
	c->us = (double)(cpu_ns() - c0) / 1e3 / (double)rounds / (double)n;
	c->wall_ms = (double)(wall_ns() - w0) / 1e6 / (double)rounds;
	qsort(round, (size_t)rounds, sizeof(*round), cmp_u64);
	c->p99_ms = (double)round[(size_t)rounds * 99 / 100] / 1e6;
	c->max_ms = (double)round[rounds - 1] / 1e6;
	for (k = 1; k < CG_SLOW_CYCLES; k++)
		if (phase[k] > phase[0])
			phase[0] = phase[k];
	c->phase_ms = (double)phase[0] / 1e6 /
	    ((double)rounds / CG_SLOW_CYCLES);
	free(round);
}

/* Berth's cycle, the full-read cycle, then cg_read of each (/proc/stat
 * each time). */
static void
bench_cgroup(struct cg_reader **r, size_t n, int rounds, int procfd,
    struct result *res)
{
	struct cg_sample	s;
	uint64_t		c0;
	size_t			i;
	int			k;

	cycle_run(r, n, rounds, 0, &res->cg);
	/* All due at once: from then on they read their slow files in
	 * the same rounds, as readers without cg_stagger would. */
	for (i = 0; i < n; i++)
		cg_expire(r[i]);
	cycle_run(r, n, rounds, 0, &res->cg_sync);
	cycle_run(r, n, rounds, 1, &res->cg_all);
	c0 = cpu_ns();
	for (k = 0; k < rounds; k++)
		for (i = 0; i < n; i++)
			if (cg_read(r[i], procfd, &s) == -1)
				fatal("cg_read %zu", i);
	res->cg_full_us = (double)(cpu_ns() - c0) / 1e3 / (double)rounds /
	    (double)n;
}

/* The share of each cg_read that is /proc/stat (each reader holds it
 * open and re-reads it): the same pread and parse, alone. */
static void
bench_proc_stat(size_t n, int rounds, int procfd, struct result *res)
{
	char		buf[16384];
	uint64_t	c0, total;
	unsigned	ncpu;
	size_t		i;
	int		fd, k;

	if ((fd = openat(procfd, "stat", O_RDONLY | O_CLOEXEC)) == -1)
		fatal("/proc/stat");
	c0 = cpu_ns();
	for (k = 0; k < rounds; k++)
		for (i = 0; i < n; i++)
			if (scan_file(fd, buf, sizeof(buf)) == -1 ||
			    cg_parse_proc_stat(buf, &total, &ncpu) == -1)
				fatalx("/proc/stat");
	res->stat_us = (double)(cpu_ns() - c0) / 1e3 / (double)rounds /
	    (double)n;
	close(fd);
}

/* Where the time of a cg_read goes: each file of one container re-read
 * alone with pread (no parsing), in the cgroupfs or the systemd layout;
 * the same files cgroup.c opens. */
static const struct {
	const char	*label, *v1, *v2;
} cg_files[] = {
	{ "cpu", "cpuacct/%s/cpuacct.usage", "%s/cpu.stat" },
	{ "memory usage", "memory/%s/memory.usage_in_bytes",
	    "%s/memory.current" },
	{ "memory limit", "memory/%s/memory.limit_in_bytes", "%s/memory.max" },
	{ "memory.stat", "memory/%s/memory.stat", "%s/memory.stat" },
	{ "io", "blkio/%s/blkio.throttle.io_service_bytes_recursive",
	    "%s/io.stat" },
	{ "pids.current", "pids/%s/pids.current", "%s/pids.current" },
	{ "<pid>/net/dev", NULL, NULL },
	{ "stat (/proc/stat)", NULL, NULL },
};
#define NCGFILES	(sizeof(cg_files) / sizeof(cg_files[0]))
#define PREAD_REPS	20000

/* CPU us of one pread of path under dirfd; -1 if it does not open. */
static double
pread_cost(int dirfd, const char *path)
{
	char		buf[16384];
	uint64_t	c0;
	int		fd, k;

	if ((fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	c0 = cpu_ns();
	for (k = 0; k < PREAD_REPS; k++)
		if (pread(fd, buf, sizeof(buf), 0) == -1)
			fatal("pread %s", path);
	close(fd);
	return (double)(cpu_ns() - c0) / 1e3 / PREAD_REPS;
}

static void
file_costs(const struct target *t, int cgroot, enum cg_version v,
    int procfd)
{
	char		dir[128], path[256];
	double		us, sum = 0;
	size_t		i;
	int		l;

	printf("\npread alone, one container's files, %d reads each\n",
	    PREAD_REPS);
	for (i = 0; i < NCGFILES; i++) {
		us = -1;
		for (l = 0; l < 2 && us < 0 && cg_files[i].v1 != NULL; l++) {
			snprintf(dir, sizeof(dir), l == 0 ? "docker/%s" :
			    "system.slice/docker-%s.scope", t->id);
			snprintf(path, sizeof(path), v == CG_V1 ?
			    cg_files[i].v1 : cg_files[i].v2, dir);
			us = pread_cost(cgroot, path);
		}
		if (cg_files[i].v1 == NULL) {
			snprintf(path, sizeof(path), i == NCGFILES - 1 ?
			    "stat" : "%d/net/dev", (int)t->pid);
			us = pread_cost(procfd, path);
		}
		if (us < 0)
			printf("  %-28s %14s\n", cg_files[i].label, "-");
		else
			printf("  %-28s %14.2f us\n", cg_files[i].label, us);
		sum += us > 0 ? us : 0;
	}
	printf("  %-28s %14.2f us\n", "sum", sum);
}

/* ------------------------------------------------------------ report */

static double
mib(uint64_t b)
{
	return (double)b / 1048576.0;
}

/* One container, both paths, one after the other: usage raw and as
 * working set. */
static void
memory_compare(const struct target *t, int cgroot, enum cg_version v,
    int procfd, CURLM *m)
{
	struct cg_reader	*r;
	struct cg_sample	 cs, es;
	struct req		 q;

	memset(&q, 0, sizeof(q));
	req_init(&q, t->id);
	if ((r = cg_open(cgroot, v, procfd, t->id, t->pid)) == NULL ||
	    cg_read(r, procfd, &cs) == -1)
		fatal("cgroup of %.12s", t->id);
	engine_round(m, &q, 1);
	if (engine_sample(&q, &es) == -1)
		fatalx("engine answer");
	printf("\nmemory of %.12s (MiB)      usage    inactive_file  "
	    "working set\n", t->id);
	printf("  cgroup (cg_read)      %9.3f  %13.3f  %11.3f\n",
	    mib(cs.mem_usage), mib(cs.mem_inactive_file),
	    mib(cg_working_set(&cs)));
	printf("  engine memory_stats   %9.3f  %13.3f  %11.3f\n",
	    mib(es.mem_usage), mib(es.mem_inactive_file),
	    mib(es.mem_usage - (es.mem_inactive_file < es.mem_usage ?
	    es.mem_inactive_file : 0)));
	cg_close(r);
	curl_easy_cleanup(q.easy);
	free(q.buf);
}

static void
print_cycle(const char *label, const struct cycle *c)
{
	printf("  %-28s %14.1f %14.2f\n", label, c->us, c->wall_ms);
	printf("  %-28s %14.2f %14.2f\n", "  CPU ms a round: p99, max",
	    c->p99_ms, c->max_ms);
	printf("  %-28s %14.2f\n", "  CPU ms, dearest phase", c->phase_ms);
}

static void
print_table(const struct result *r)
{
	char	label[64];
	int	p;

	printf("\nN=%zu  cgroup: %d rounds; engine: %d rounds of %zu "
	    "requests, ", r->n, r->rounds, r->erounds, r->n);
	if (parallel > 0)
		printf("%d at a time\n", parallel);
	else
		printf("all at once\n");
	printf("  %-28s %14s %14s\n", "path", "CPU us/contnr", "wall ms/round");
	print_cycle("cgroup (berth's cycle)", &r->cg);
	print_cycle("cgroup (not staggered)", &r->cg_sync);
	print_cycle("cgroup (full-read cycle)", &r->cg_all);
	printf("  %-28s %14.1f\n", "cgroup (cg_read of each)",
	    r->cg_full_us);
	printf("  %-28s %14.1f\n", "  /proc/stat, one read", r->stat_us);
	printf("  %-28s %14.1f\n", "engine: client (curl+json)",
	    r->e_client_us);
	for (p = 0; p < P_MAX; p++) {
		snprintf(label, sizeof(label), "engine: %s (%u)", pnames[p],
		    r->nproc[p]);
		printf("  %-28s %14.1f\n", label, r->e_us[p]);
	}
	printf("  %-28s %14.1f %14.2f\n", "engine total", r->e_us_total,
	    r->e_wall_ms);
	printf("  %-28s %13.0fx\n", "ratio engine/cgroup",
	    r->e_us_total / r->cg.us);
}

static void
print_summary(const struct result *r)
{
	printf("N=%zu cgroup %.1f us/container (%.2f ms/round, CPU p99 %.2f, "
	    "max %.2f, dearest phase %.2f; not staggered %.2f), full read "
	    "%.1f (%.2f)  engine %.0f us/container  ratio %.0fx\n", r->n,
	    r->cg.us, r->cg.wall_ms, r->cg.p99_ms, r->cg.max_ms,
	    r->cg.phase_ms, r->cg_sync.phase_ms, r->cg_all.us,
	    r->cg_all.wall_ms, r->e_us_total, r->e_us_total / r->cg.us);
}

/* ------------------------------------------------------------ main */

static void
raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatal("getrlimit");
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		log_warn("setrlimit RLIMIT_NOFILE");
}

static void
usage(void)
{
	fprintf(stderr, "usage: sampling [-s socket] [-r rounds] "
	    "[-e requests] [-c parallel] [-i idle_s] [-n N[,N...]] file\n");
	exit(2);
}

/* Both paths over the first n targets. */
static void
run_size(const struct target *t, size_t n, int rounds, long minreq,
    int cgroot, enum cg_version v, int procfd, CURLM *m,
    struct result *res)
{
	struct cg_reader	**r;
	struct req		 *q = xcalloc(n, sizeof(*q));
	size_t			  i;
	int			  erounds;

	res->n = n;
	res->rounds = rounds;
	r = cg_open_all(t, n, cgroot, v, procfd);
	bench_cgroup(r, n, rounds, procfd, res);
	bench_proc_stat(n, rounds, procfd, res);
	for (i = 0; i < n; i++)
		req_init(&q[i], t[i].id);
	shims_of(t, n);
	erounds = (int)((minreq + (long)n - 1) / (long)n);
	bench_engine(m, q, n, erounds < 2 ? 2 : erounds, res);
	print_table(res);
	for (i = 0; i < n; i++) {
		curl_easy_cleanup(q[i].easy);
		free(q[i].buf);
	}
	free(q);
	cg_close_all(r, n);
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	int	ch;

	*o = (struct opts){ { 10, 50, 200 }, 3, 1000, 5, 600 };
	while ((ch = getopt(argc, argv, "c:e:i:n:r:s:")) != -1) {
		switch (ch) {
		case 'c':
			parallel = atoi(optarg);
			break;
		case 'e':
			o->minreq = atol(optarg);
			break;
		case 'i':
			o->idle = atoi(optarg);
			break;
		case 'n':
			o->nsizes = parse_sizes(optarg, o->sizes);
			break;
		case 'r':
			o->rounds = atoi(optarg);
			break;
		case 's':
			sockpath = optarg;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1 || parallel < 0 || o->minreq < 1 ||
	    o->rounds < 1 || o->idle < 0)
		usage();
}

/* The directories every read is relative to, and the curl multi. */
static CURLM *
setup(int *cgroot, int *procfd, enum cg_version *v)
{
	CURLM	*m;

	raise_nofile();
	if ((clk_tck = sysconf(_SC_CLK_TCK)) <= 0)
		fatalx("sysconf _SC_CLK_TCK");
	if ((*cgroot = open("/sys/fs/cgroup", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 || (*procfd = open("/proc", O_RDONLY |
	    O_DIRECTORY | O_CLOEXEC)) == -1)
		fatal("open /sys/fs/cgroup or /proc");
	if ((*v = cg_detect(*cgroot)) == CG_NONE)
		fatalx("no cgroup v1 or v2 hierarchy under /sys/fs/cgroup");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    (m = curl_multi_init()) == NULL)
		fatalx("curl init");
	if (curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS,
	    (long)parallel) != CURLM_OK)
		fatalx("curl_multi_setopt");
	return m;
}

int
main(int argc, char **argv)
{
	static struct target	 t[MAXN];
	struct result		 res[MAXSIZES];
	struct opts		 o;
	enum cg_version		 v;
	CURLM			*m;
	size_t			 nt;
	int			 cgroot, procfd, k;

	log_init("sampling", 1, LOG_LVL_WARN);
	parse_args(argc, argv, &o);
	nt = read_targets(argv[optind], t);
	for (k = 0; k < o.nsizes; k++)
		if (o.sizes[k] > nt)
			fatalx("%zu containers asked, %zu given", o.sizes[k],
			    nt);
	m = setup(&cgroot, &procfd, &v);
	printf("# cgroup v%d, %ld ticks/s, engine socket %s, %s\n", (int)v,
	    clk_tck, sockpath, curl_version());
	memory_compare(&t[0], cgroot, v, procfd, m);
	file_costs(&t[0], cgroot, v, procfd);
	if (o.idle > 0)
		engine_idle(o.idle);
	for (k = 0; k < o.nsizes; k++)
		run_size(t, o.sizes[k], o.rounds, o.minreq, cgroot, v, procfd,
		    m, &res[k]);
	printf("\n");
	for (k = 0; k < o.nsizes; k++)
		print_summary(&res[k]);
	curl_multi_cleanup(m);
	curl_global_cleanup();
	return 0;
}
