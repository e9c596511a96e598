/*
 * Container resource reader: the cgroup v1 or v2 files of one Docker
 * container, its /proc/<pid>/net/dev and /proc/stat, opened once
 * relative to directory descriptors and re-read with pread(fd, buf,
 * len, 0) on every sample (but for the files a sampling cycle reads
 * less often: cgroup.h says which and when).  The
 * read path looks up no path and allocates nothing: each file goes
 * through one stack buffer and is parsed in place (cgroup_parse.c).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "cgroup_int.h"
#include "log.h"
#include "scan.h"
#include "util.h"
#include "xmalloc.h"

#define CG_IDLEN	64
/* One stack buffer for every file: memory.stat and /proc/stat (a line
 * per CPU) can pass 4 KiB; what does not fit is cut after the last
 * complete line and the rest parsed. */
#define CG_BUFSZ	16384
/* memory.stat is the dearest file of a sample (the kernel formats some
 * forty counters, 10-12 us a read on cgroup v1), and the two numbers
 * taken from it, page cache and inactive file, follow the usage: a
 * cycle re-reads it when the usage moved by more than the larger of
 * 1 MiB and 1/64 of itself since memory.stat was last read. */
#define CG_MSTAT_SLACK	(1ULL << 20)
#define CG_MSTAT_SHIFT	6

enum cg_file {
	F_CPU,		/* cpuacct.usage, cpu.stat */
	F_MEM,		/* memory.usage_in_bytes, memory.current */
	F_LIMIT,	/* memory.limit_in_bytes, memory.max */
	F_MSTAT,	/* memory.stat */
	F_IO,		/* blkio.throttle.io_service_bytes_recursive, io.stat */
	F_PIDS,		/* pids.current */
	F_CGMAX,	/* the files above live in the container's cgroup */
	F_NET = F_CGMAX, /* <pid>/net/dev */
	F_STAT,		/* stat, that is /proc/stat */
	F_MAX
};

struct cg_spec {
	const char	*v1dir;		/* v1 controller hierarchy */
	const char	*v1name;
	const char	*v2name;
	int		 optional;	/* controller may be absent */
};

static const struct cg_spec specs[F_CGMAX] = {
	[F_CPU] = { "cpuacct/", "cpuacct.usage", "cpu.stat", 0 },
	[F_MEM] = { "memory/", "memory.usage_in_bytes", "memory.current", 0 },
	[F_LIMIT] = { "memory/", "memory.limit_in_bytes", "memory.max", 0 },
	[F_MSTAT] = { "memory/", "memory.stat", "memory.stat", 0 },
	[F_IO] = { "blkio/", "blkio.throttle.io_service_bytes_recursive",
	    "io.stat", 1 },
	[F_PIDS] = { "pids/", "pids.current", "pids.current", 1 },
};

/* Docker's cgroupfs driver, then its systemd driver. */
static const struct {
	const char	*pre, *suf;
} layouts[] = {
	{ "docker/", "" },
	{ "system.slice/docker-", ".scope" },
};
#define NLAYOUTS	(sizeof(layouts) / sizeof(layouts[0]))

static const char *const fnames[F_MAX] = {
	"cpu", "memory usage", "memory limit", "memory.stat", "io",
	"pids.current", "net/dev", "stat"
};

struct cg_reader {
	enum cg_version	 v;
	int		 fd[F_MAX];	/* -1: optional file absent */
	uint64_t	 tick_ns;	/* one USER_HZ tick */
	/* What cg_read_shared carries between reads of the slow files. */
	uint64_t	 limit;
	uint64_t	 cache, inactive_file;
	uint64_t	 mstat_usage;	/* the usage when memory.stat was read */
	unsigned	 limit_age;	/* cycles since each was read */
	unsigned	 mstat_age;
	/* The sample that last read the files of activity (io, pids,
	 * net/dev): their values, and the CPU time then. */
	struct cg_sample act;
	unsigned	 act_age;
	unsigned	 skew;		/* cg_stagger's, for the first read */
};

static int
valid_id(const char *id)
{
	size_t i;

	if (id == NULL)
		return 0;
	/* Stops at the NUL of a short id: NUL is not hex. */
	for (i = 0; i < CG_IDLEN; i++) {
		if ((id[i] < '0' || id[i] > '9') &&
		    (id[i] < 'a' || id[i] > 'f'))
			return 0;
	}
	return id[CG_IDLEN] == '\0';
}

/* ---------------------------------------------------------- opening */

static int
is_dir(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

/* fstatat follows a cpuacct -> cpu,cpuacct symlink. */
enum cg_version
cg_detect(int cgroot)
{
	struct stat st;

	if (fstatat(cgroot, "cgroup.controllers", &st, 0) == 0 &&
	    S_ISREG(st.st_mode))
		return CG_V2;
	if (is_dir(cgroot, "memory") && is_dir(cgroot, "cpuacct"))
		return CG_V1;
	return CG_NONE;
}

static int
open_rel(int dirfd, const char *path)
{
	int fd;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		log_debug("cgroup: open %s: %s", path, strerror(errno));
	return fd;
}

/* The path of file f of container id in layout l. */
static void
cg_path(char *buf, size_t len, enum cg_version v, enum cg_file f,
    size_t l, const char *id)
{
	const struct cg_spec *s = &specs[f];

	snprintf(buf, len, "%s%s%s%s/%s", v == CG_V1 ? s->v1dir : "",
	    layouts[l].pre, id, layouts[l].suf,
	    v == CG_V1 ? s->v1name : s->v2name);
}

/* The container's cgroup files in the first layout that has its CPU
 * file; optional files may be missing. */
static int
open_cgroup(struct cg_reader *r, int cgroot, const char *id)
{
	char	path[256];
	size_t	l;
	int	f;

	for (l = 0; l < NLAYOUTS; l++) {
		cg_path(path, sizeof(path), r->v, F_CPU, l, id);
		if ((r->fd[F_CPU] = open_rel(cgroot, path)) != -1)
			break;
		if (errno != ENOENT)
			return -1;
	}
	if (l == NLAYOUTS)
		return -1;
	for (f = F_CPU + 1; f < F_CGMAX; f++) {
		cg_path(path, sizeof(path), r->v, f, l, id);
		r->fd[f] = open_rel(cgroot, path);
		if (r->fd[f] == -1 && (!specs[f].optional || errno != ENOENT))
			return -1;
	}
	return 0;
}

static int
open_proc(struct cg_reader *r, int procfd, pid_t pid)
{
	char path[64];

	if (pid > 0) {
		snprintf(path, sizeof(path), "%d/net/dev", (int)pid);
		if ((r->fd[F_NET] = open_rel(procfd, path)) == -1)
			return -1;
	}
	if ((r->fd[F_STAT] = open_rel(procfd, "stat")) == -1)
		return -1;
	return 0;
}

struct cg_reader *
cg_open(int cgroot, enum cg_version v, int procfd, const char *id,
    pid_t pid)
{
	struct cg_reader	*r;
	int			 f, saved;

	if (!valid_id(id) || pid < 0 || (v != CG_V1 && v != CG_V2)) {
		log_warnx("cgroup: refusing container id or pid");
		errno = EINVAL;
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->v = v;
	r->tick_ns = tick_ns();
	for (f = 0; f < F_MAX; f++)
		r->fd[f] = -1;
	cg_expire(r);
	if (open_cgroup(r, cgroot, id) == -1 ||
	    open_proc(r, procfd, pid) == -1) {
		saved = errno;
		cg_close(r);
		errno = saved;
		return NULL;
	}
	return r;
}

void
cg_close(struct cg_reader *r)
{
	if (r == NULL)
		return;
	close_fds(r->fd, F_MAX);
	free(r);
}

/* ---------------------------------------------------------- reading */

/* File f into buf, NUL-terminated and cut after its last complete line
 * if it filled buf; an absent optional file reads as empty.  -1 when
 * pread fails: the cgroup or the process is gone. */
static int
slurp(const struct cg_reader *r, enum cg_file f, char *buf)
{
	buf[0] = '\0';
	if (r->fd[f] == -1)
		return 0;
	if (scan_file(r->fd[f], buf, CG_BUFSZ) == -1) {
		log_debug("cgroup: read %s: %s", fnames[f], strerror(errno));
		return -1;
	}
	return 0;
}

static void
bad(enum cg_file f)
{
	log_debug("cgroup: cannot parse %s", fnames[f]);
}

static int
read_cpu(const struct cg_reader *r, char *buf, struct cg_sample *s)
{
	uint64_t us;

	if (slurp(r, F_CPU, buf) == -1)
		return -1;
	if (r->v == CG_V1) {
		if (parse_single(buf, &s->cpu_usage_ns) == -1)
			bad(F_CPU);
	} else if (cg_parse_kv(buf, "usage_usec", &us) == 0)
		s->cpu_usage_ns = us * 1000;
	else
		bad(F_CPU);
	return 0;
}

/* memory.stat: v1 "cache" and "total_inactive_file" (or, on a
 * non-hierarchical kernel, "inactive_file"); v2 "file" and
 * "inactive_file".  A number that does not parse reads as 0. */
static void
parse_mstat(struct cg_reader *r, const char *buf)
{
	const char *cache = r->v == CG_V1 ? "cache" : "file";

	r->cache = r->inactive_file = 0;
	if (cg_parse_kv(buf, cache, &r->cache) == -1)
		bad(F_MSTAT);
	if ((r->v != CG_V1 || cg_parse_kv(buf, "total_inactive_file",
	    &r->inactive_file) == -1) &&
	    cg_parse_kv(buf, "inactive_file", &r->inactive_file) == -1)
		bad(F_MSTAT);
}

static int
read_mstat(struct cg_reader *r, char *buf, uint64_t usage)
{
	if (slurp(r, F_MSTAT, buf) == -1)
		return -1;
	parse_mstat(r, buf);
	r->mstat_usage = usage;
	r->mstat_age = r->skew;
	return 0;
}

static int
read_limit(struct cg_reader *r, char *buf)
{
	if (slurp(r, F_LIMIT, buf) == -1)
		return -1;
	r->limit = 0;
	if (parse_limit(buf, &r->limit) == -1)
		bad(F_LIMIT);
	r->limit_age = r->skew;
	return 0;
}

/* Whether a cycle must re-read memory.stat, usage just read: it is
 * CG_SLOW_CYCLES old, or the usage moved past the slack since. */
static int
mstat_due(const struct cg_reader *r, uint64_t usage)
{
	uint64_t	moved, slack;

	if (r->mstat_age >= CG_SLOW_CYCLES)
		return 1;
	if (usage > r->mstat_usage)
		moved = usage - r->mstat_usage;
	else
		moved = r->mstat_usage - usage;
	slack = usage >> CG_MSTAT_SHIFT;
	if (slack < CG_MSTAT_SLACK)
		slack = CG_MSTAT_SLACK;
	return moved > slack;
}

/* The usage every time; the limit and memory.stat when full, else when
 * due, the sample carrying their last values in between. */
static int
read_mem(struct cg_reader *r, char *buf, struct cg_sample *s, int full)
{
	if (slurp(r, F_MEM, buf) == -1)
		return -1;
	if (parse_single(buf, &s->mem_usage) == -1)
		bad(F_MEM);
	r->limit_age++;
	r->mstat_age++;
	if ((full || r->limit_age >= CG_SLOW_CYCLES) &&
	    read_limit(r, buf) == -1)
		return -1;
	if ((full || mstat_due(r, s->mem_usage)) &&
	    read_mstat(r, buf, s->mem_usage) == -1)
		return -1;
	s->mem_limit = r->limit;
	s->mem_cache = r->cache;
	s->mem_inactive_file = r->inactive_file;
	return 0;
}

static int
read_io_pids(const struct cg_reader *r, char *buf, struct cg_sample *s)
{
	int rc;

	if (slurp(r, F_IO, buf) == -1)
		return -1;
	if (r->v == CG_V1)
		rc = cg_parse_v1_blkio(buf, &s->blk_read, &s->blk_write);
	else
		rc = cg_parse_v2_io(buf, &s->blk_read, &s->blk_write);
	if (rc == -1)
		bad(F_IO);
	if (slurp(r, F_PIDS, buf) == -1)
		return -1;
	if (r->fd[F_PIDS] != -1 && parse_single(buf, &s->pids) == -1)
		bad(F_PIDS);
	return 0;
}

static int
read_net(const struct cg_reader *r, char *buf, struct cg_sample *s)
{
	if (slurp(r, F_NET, buf) == -1)
		return -1;
	if (cg_parse_net_dev(buf, &s->net_rx, &s->net_tx) == -1)
		bad(F_NET);
	return 0;
}

static int
read_host(const struct cg_reader *r, char *buf, struct cg_sample *s)
{
	if (slurp(r, F_STAT, buf) == -1)
		return -1;
	if (parse_stat(buf, r->tick_ns, &s->system_usage_ns,
	    &s->online_cpus) == -1)
		bad(F_STAT);
	return 0;
}

/*
 * Block I/O, pids and network counters change only when something in
 * the container runs (its reads and writes, forks and exits, and the
 * answers to what it receives all take CPU time in its cgroup), with
 * two exceptions: packets that arrive and wait, or are dropped, and
 * writeback charged to it later.  So a cycle reads them when the CPU
 * time moved since they were read, and every CG_SLOW_CYCLES cycles
 * anyway, which bounds what those two exceptions can lag.  An idle
 * workspace, the common case, then costs two reads a cycle.
 */
static int
read_activity(struct cg_reader *r, char *buf, struct cg_sample *s, int full)
{
	if (!full && ++r->act_age < CG_SLOW_CYCLES &&
	    s->cpu_usage_ns == r->act.cpu_usage_ns) {
		s->blk_read = r->act.blk_read;
		s->blk_write = r->act.blk_write;
		s->pids = r->act.pids;
		s->net_rx = r->act.net_rx;
		s->net_tx = r->act.net_tx;
		return 0;
	}
	if (read_io_pids(r, buf, s) == -1 || read_net(r, buf, s) == -1)
		return -1;
	r->act = *s;
	r->act_age = r->skew;
	return 0;
}

static int
read_container(struct cg_reader *r, char *buf, struct cg_sample *s, int full)
{
	memset(s, 0, sizeof(*s));
	s->ts_ms = now_ms();
	if (read_cpu(r, buf, s) == -1 || read_mem(r, buf, s, full) == -1 ||
	    read_activity(r, buf, s, full) == -1)
		return -1;
	r->skew = 0;
	return 0;
}

/* procfd is unused: the reader keeps its own descriptors from cg_open.
 * Every file is read, and what it read of the slow files renews what
 * cg_read_shared carries. */
int
cg_read(struct cg_reader *r, int procfd, struct cg_sample *s)
{
	char buf[CG_BUFSZ];

	(void)procfd;
	if (read_container(r, buf, s, 1) == -1 || read_host(r, buf, s) == -1)
		return -1;
	return 0;
}

int
cg_read_shared(struct cg_reader *r, const struct cg_sample *host,
    struct cg_sample *s)
{
	char buf[CG_BUFSZ];

	if (read_container(r, buf, s, 0) == -1)
		return -1;
	s->system_usage_ns = host->system_usage_ns;
	s->online_cpus = host->online_cpus;
	return 0;
}

/* Right after cg_open: the slow files' second read comes phase cycles
 * early, and every read after it keeps that offset. */
void
cg_stagger(struct cg_reader *r, unsigned phase)
{
	r->skew = phase % CG_SLOW_CYCLES;
}

/* Ages past CG_SLOW_CYCLES: due at the next cycle, whatever the usage
 * and the CPU time. */
void
cg_expire(struct cg_reader *r)
{
	r->limit_age = CG_SLOW_CYCLES;
	r->mstat_age = CG_SLOW_CYCLES;
	r->act_age = CG_SLOW_CYCLES;
}

int
cg_read_host(struct cg_reader *r, struct cg_sample *host)
{
	char buf[CG_BUFSZ];

	memset(host, 0, sizeof(*host));
	return read_host(r, buf, host);
}

/* ------------------------------------------------------- arithmetic */

double
cg_cpu_percent(const struct cg_sample *prev, const struct cg_sample *cur)
{
	double dcpu, dsys;

	if (cur->cpu_usage_ns <= prev->cpu_usage_ns ||
	    cur->system_usage_ns <= prev->system_usage_ns)
		return 0.0;
	dcpu = (double)(cur->cpu_usage_ns - prev->cpu_usage_ns);
	dsys = (double)(cur->system_usage_ns - prev->system_usage_ns);
	return dcpu / dsys * (double)cur->online_cpus * 100.0;
}

/* As docker stats: usage minus inactive file, or the usage itself when
 * the (batched, v1) usage lags behind the inactive file count. */
uint64_t
cg_working_set(const struct cg_sample *s)
{
	if (s->mem_inactive_file < s->mem_usage)
		return s->mem_usage - s->mem_inactive_file;
	return s->mem_usage;
}
