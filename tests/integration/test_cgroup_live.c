/*
 * The container resource reader (common/cgroup.c) against the real
 * Docker Engine: a busy-loop container from berth/demo-workspace with
 * --memory 256m --cpus 1, read through the host's cgroup tree and /proc
 * and compared with the engine's own stats endpoint.  Needs root and
 * /var/run/docker.sock; a missing socket is a failure, not a skip.  The
 * docker CLI and curl do the setup, teardown and the engine query.
 */
#include <sys/stat.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"

#define SOCK		"/var/run/docker.sock"
#define IMAGE		"berth/demo-workspace"
#define LABEL		"berth.test=cgroup_live"
#define CGROOT		"/sys/fs/cgroup"
#define MEM_LIMIT	(256ULL << 20)
/* The busy loop, with a watchdog that ends it should teardown never
 * run (the test killed on timeout): sh as PID 1 obeys only a trapped
 * signal. */
#define BUSY		"trap \"exit 0\" TERM; (sleep 300; kill 1) & " \
			"while :; do :; done"

static char		 cid[65];
static char		 outbuf[1 << 16];
/* Closed by teardown, also after a failed assertion. */
static struct cg_reader	*r;
static int		 root = -1, proc = -1;

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Run cmd through the shell; its stdout in outbuf, NULL on failure. */
static char *
sh_out(const char *cmd)
{
	FILE	*p;
	size_t	 n;

	if ((p = popen(cmd, "r")) == NULL)
		return NULL;
	n = fread(outbuf, 1, sizeof(outbuf) - 1, p);
	outbuf[n] = '\0';
	if (pclose(p) != 0)
		return NULL;
	return outbuf;
}

static int
is_id(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static void
teardown(void)
{
	char cmd[160];

	cg_close(r);
	r = NULL;
	if (root != -1)
		close(root);
	if (proc != -1)
		close(proc);
	root = proc = -1;
	if (cid[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "docker rm -f %s >/dev/null 2>&1", cid);
	if (system(cmd) != 0)
		cr_log_warn("could not remove container %s", cid);
	cid[0] = '\0';
}

/* Leftovers of an earlier run that was killed before its .fini. */
static void
remove_leftovers(void)
{
	if (system("docker ps -aq --filter label=" LABEL " | "
	    "xargs -r docker rm -f >/dev/null 2>&1") != 0)
		cr_log_warn("could not remove earlier test containers");
}

static void
need_engine(void)
{
	cr_assert_eq(access(SOCK, F_OK), 0, "%s is missing: the Docker "
	    "Engine is not running (start it as root: dockerd "
	    ">/tmp/dockerd.log 2>&1 &)", SOCK);
	cr_assert_not_null(sh_out("docker info >/dev/null 2>&1"),
	    "docker info fails: the engine at %s does not answer", SOCK);
	if (system("docker image inspect " IMAGE " >/dev/null 2>&1") != 0)
		cr_assert_eq(system("sh " BERTH_SRCDIR "/contrib/demo-image.sh"
		    " >/dev/null"), 0, "could not build " IMAGE);
}

/* Start the busy loop; its full id in cid, its host pid returned. */
static pid_t
start_busy(void)
{
	char	*out, cmd[256];
	int	 pid;

	out = sh_out("docker run -d --label " LABEL " --memory 256m "
	    "--cpus 1 " IMAGE " sh -c '" BUSY "'");
	cr_assert_not_null(out, "docker run failed");
	out[strcspn(out, "\n")] = '\0';
	cr_assert(is_id(out), "docker run said \"%s\"", out);
	memcpy(cid, out, sizeof(cid));
	snprintf(cmd, sizeof(cmd), "docker inspect -f '{{.Id}} "
	    "{{.State.Pid}}' %s", cid);
	cr_assert_not_null(out = sh_out(cmd), "docker inspect failed");
	cr_assert_eq(strncmp(out, cid, 64), 0, "inspect: %s", out);
	pid = atoi(out + 64);
	cr_assert_gt(pid, 0, "inspect: %s", out);
	return pid;
}

static int
opendir_fd(const char *path)
{
	int fd;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_neq(fd, -1, "open %s: %s", path, strerror(errno));
	return fd;
}

/* An integer at a dotted path of a JSON object. */
static uint64_t
jnum(json_t *j, const char *path)
{
	char	 key[64];
	size_t	 n;

	while (j != NULL && *path != '\0') {
		n = strcspn(path, ".");
		cr_assert_lt(n, sizeof(key));
		memcpy(key, path, n);
		key[n] = '\0';
		j = json_object_get(j, key);
		path += n + (path[n] == '.');
	}
	cr_assert(json_is_integer(j), "stats: no integer %s", path);
	return (uint64_t)json_integer_value(j);
}

/* The engine's own one-shot stats (it waits for a second sample to
 * fill precpu_stats). */
static json_t *
engine_stats(void)
{
	json_error_t	 err;
	json_t		*j;
	char		 cmd[256], *out;

	snprintf(cmd, sizeof(cmd), "curl -sf --unix-socket " SOCK
	    " 'http://localhost/v1.41/containers/%s/stats?stream=false'", cid);
	cr_assert_not_null(out = sh_out(cmd), "curl %s failed", cmd);
	j = json_loads(out, 0, &err);
	cr_assert_not_null(j, "stats JSON: %s", err.text);
	return j;
}

static double
engine_cpu_percent(json_t *j)
{
	double dcpu, dsys;

	dcpu = (double)jnum(j, "cpu_stats.cpu_usage.total_usage") -
	    (double)jnum(j, "precpu_stats.cpu_usage.total_usage");
	dsys = (double)jnum(j, "cpu_stats.system_cpu_usage") -
	    (double)jnum(j, "precpu_stats.system_cpu_usage");
	cr_assert_gt(dsys, 0, "engine sent no precpu_stats");
	return dcpu / dsys * (double)jnum(j, "cpu_stats.online_cpus") * 100.0;
}

/* Sum of the engine's per-interface rx and tx bytes. */
static void
engine_net(json_t *j, uint64_t *rx, uint64_t *tx)
{
	const char	*name;
	json_t		*nets, *v;

	*rx = *tx = 0;
	if ((nets = json_object_get(j, "networks")) == NULL)
		return;
	json_object_foreach(nets, name, v) {
		*rx += jnum(v, "rx_bytes");
		*tx += jnum(v, "tx_bytes");
	}
}

/* Sum of the engine's Read and Write service bytes (null when none;
 * "Read" on v1, "read" on v2). */
static void
engine_blk(json_t *j, uint64_t *rd, uint64_t *wr)
{
	const char	*op;
	json_t		*a, *e;
	size_t		 i;

	*rd = *wr = 0;
	a = json_object_get(json_object_get(j, "blkio_stats"),
	    "io_service_bytes_recursive");
	json_array_foreach(a, i, e) {
		op = json_string_value(json_object_get(e, "op"));
		if (op != NULL && strcasecmp(op, "read") == 0)
			*rd += jnum(e, "value");
		else if (op != NULL && strcasecmp(op, "write") == 0)
			*wr += jnum(e, "value");
	}
}

/* CPU time of one cg_read (inflated under the sanitizers). */
static void
log_read_cost(void)
{
	struct cg_sample	s;
	struct timespec		a, b;
	double			us;
	int			i;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	for (i = 0; i < 1000; i++)
		cr_assert_eq(cg_read(r, proc, &s), 0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	us = ((double)(b.tv_sec - a.tv_sec) * 1e9 +
	    (double)(b.tv_nsec - a.tv_nsec)) / 1e3 / 1000;
	cr_log_info("cg_read: %.1f us of CPU per sample", us);
}

TestSuite(cgroup_live, .fini = teardown, .timeout = 180);

Test(cgroup_live, busy_container)
{
	struct cg_sample	 s0, s1, s2, s3;
	enum cg_version		 v;
	json_t			*j;
	uint64_t		 eu, erx, etx, erd, ewr;
	double			 pct, epct;
	char			 cmd[160];
	pid_t			 pid;
	int			 i, rc = 0;

	need_engine();
	remove_leftovers();
	pid = start_busy();
	root = opendir_fd(CGROOT);
	proc = opendir_fd("/proc");
	v = cg_detect(root);
	cr_assert_neq(v, CG_NONE, CGROOT " holds neither cgroup v1 nor v2");
	cr_log_info("%s is cgroup v%d", CGROOT, (int)v);
	r = cg_open(root, v, proc, cid, pid);
	cr_assert_not_null(r, "cg_open %s: %s", cid, strerror(errno));

	/* One busy core under a one-CPU limit. */
	cr_assert_eq(cg_read(r, proc, &s0), 0);
	sleep_ms(1000);
	cr_assert_eq(cg_read(r, proc, &s1), 0);
	pct = cg_cpu_percent(&s0, &s1);
	cr_log_info("cpu %.1f%%, mem %llu/%llu, pids %llu, net %llu/%llu",
	    pct, (unsigned long long)s1.mem_usage,
	    (unsigned long long)s1.mem_limit, (unsigned long long)s1.pids,
	    (unsigned long long)s1.net_rx, (unsigned long long)s1.net_tx);
	/* A busy loop on 1 CPU; a loaded CI host may steal a good part. */
	cr_expect(pct >= 20.0 && pct <= 110.0, "cpu %.1f%%", pct);
	cr_expect_geq(s1.ts_ms - s0.ts_ms, 1000);
	cr_expect_eq(s1.mem_limit, MEM_LIMIT);
	cr_expect_gt(s1.mem_usage, 0);
	cr_expect_geq(s1.pids, 1);
	cr_expect_eq(s1.online_cpus, (unsigned)sysconf(_SC_NPROCESSORS_ONLN));

	/*
	 * Against the engine, our samples taken just before and after its
	 * one-shot stats (which span about a second of its own):
	 * - memory_stats.limit equal;
	 * - memory_stats.usage within 10 % (the same cgroup file, read a
	 *   moment apart; a busy loop's memory barely moves);
	 * - CPU percent within 25 percentage points (both about 100 for a
	 *   busy loop; the windows differ by up to a second and the CFS
	 *   quota is enforced per 100 ms period);
	 * - pids equal; network and block counters only grow, so ours,
	 *   read after the engine's, are at least the engine's.
	 */
	cr_assert_eq(cg_read(r, proc, &s2), 0);
	j = engine_stats();
	cr_assert_eq(cg_read(r, proc, &s3), 0);
	epct = engine_cpu_percent(j);
	pct = cg_cpu_percent(&s2, &s3);
	eu = jnum(j, "memory_stats.usage");
	cr_log_info("engine: cpu %.1f%% (ours %.1f%%), mem %llu (ours %llu)",
	    epct, pct, (unsigned long long)eu,
	    (unsigned long long)s3.mem_usage);
	cr_expect_eq(jnum(j, "memory_stats.limit"), s3.mem_limit);
	cr_expect_leq(fabs((double)s3.mem_usage - (double)eu),
	    0.10 * (double)eu, "usage %llu vs engine %llu",
	    (unsigned long long)s3.mem_usage, (unsigned long long)eu);
	cr_expect_leq(fabs(pct - epct), 25.0, "cpu %.1f%% vs engine %.1f%%",
	    pct, epct);
	cr_expect_eq(jnum(j, "pids_stats.current"), s3.pids);
	engine_net(j, &erx, &etx);
	cr_expect_geq(s3.net_rx, erx);
	cr_expect_geq(s3.net_tx, etx);
	engine_blk(j, &erd, &ewr);
	cr_expect_geq(s3.blk_read, erd);
	cr_expect_geq(s3.blk_write, ewr);
	json_decref(j);

	log_read_cost();

	/* Stop the container: its cgroup goes, and cg_read says so. */
	snprintf(cmd, sizeof(cmd), "docker kill %s >/dev/null", cid);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	for (i = 0; i < 100 && (rc = cg_read(r, proc, &s0)) == 0; i++)
		sleep_ms(100);
	cr_expect_eq(rc, -1, "cg_read still reads 10 s after docker kill");
}

/* Informational: what cg_detect makes of the hybrid v2 mount. */
Test(cgroup_live, unified_detect)
{
	int fd;

	if ((fd = open(CGROOT "/unified", O_RDONLY | O_DIRECTORY)) == -1) {
		cr_log_info(CGROOT "/unified: %s", strerror(errno));
		return;
	}
	cr_log_info(CGROOT "/unified is %s, cgroup.controllers %s",
	    cg_detect(fd) == CG_V2 ? "CG_V2" : "not CG_V2",
	    faccessat(fd, "cgroup.controllers", F_OK, 0) == 0 ? "present" :
	    "absent");
	if (faccessat(fd, "cgroup.controllers", F_OK, 0) == 0)
		cr_expect_eq(cg_detect(fd), CG_V2);
	close(fd);
}
