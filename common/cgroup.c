/*
 * Container resource reader: the cgroup v1 or v2 files of one Docker
 * container, its /proc/<pid>/net/dev and /proc/stat, opened once
 * relative to directory descriptors and re-read with pread(fd, buf,
 * len, 0) on every sample (but for the memory limit and memory.stat in
 * a sampling cycle, which change slowly and are read less often).  The
 * read path looks up no path and allocates nothing: each file goes
 * through one stack buffer and is parsed in place.  The parsers are
 * strict about the numbers they use and ignore what they do not need.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "log.h"
#include "scan.h"
#include "util.h"
#include "xmalloc.h"

#define CG_IDLEN	64
/* One stack buffer for every file: memory.stat and /proc/stat (a line
 * per CPU) can pass 4 KiB; what does not fit is cut after the last
 * complete line and the rest parsed. */
#define CG_BUFSZ	16384
/* v1 reports "no limit" as LONG_MAX rounded down to a page; anything
 * past 2^62 bytes (4 EiB) is no real limit. */
#define CG_UNLIMITED	(1ULL << 62)
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

/* Nanoseconds per USER_HZ tick, asked once per process. */
static uint64_t
tick_ns(void)
{
	static uint64_t	ns;
	long		hz;

	if (ns == 0) {
		if ((hz = sysconf(_SC_CLK_TCK)) <= 0)
			hz = 100;
		ns = 1000000000ULL / (uint64_t)hz;
	}
	return ns;
}

/* ---------------------------------------------------------- parsing */

/* A line holding one number (blanks around it allowed). */
static int
parse_single(const char *p, uint64_t *out)
{
	uint64_t v;

	p = scan_blanks(p);
	if (scan_u64(&p, &v) == -1)
		return -1;
	p = scan_blanks(p);
	if (*p != '\n' && *p != '\0')
		return -1;
	*out = v;
	return 0;
}

/* memory.max or memory.limit_in_bytes; 0 when unlimited. */
static int
parse_limit(const char *p, uint64_t *out)
{
	if (strncmp(p, "max", 3) == 0 && (p[3] == '\n' || p[3] == '\0')) {
		*out = 0;
		return 0;
	}
	if (parse_single(p, out) == -1)
		return -1;
	if (*out >= CG_UNLIMITED)
		*out = 0;
	return 0;
}

/* The first line "key value" of a flat keyed file (memory.stat,
 * cpu.stat); -1 if absent or not a number. */
int
cg_parse_kv(const char *buf, const char *key, uint64_t *out)
{
	const char	*p = buf;
	size_t		 klen = strlen(key);

	if (klen == 0)
		return -1;
	while (*p != '\0') {
		if (strncmp(p, key, klen) == 0 && p[klen] == ' ')
			return parse_single(p + klen, out);
		if ((p = strchr(p, '\n')) == NULL)
			break;
		p++;
	}
	return -1;
}

/* "  name: rxbytes p e d f fr c m txbytes ..." between line and colon;
 * the kernel pads the name to six columns and may glue a wide number
 * to the colon. */
static int
net_line(const char *line, const char *colon, uint64_t *rx, uint64_t *tx,
    int *lo)
{
	const char	*name = scan_blanks(line), *p = colon + 1;
	uint64_t	 v;
	int		 i;

	if (name == colon)
		return -1;
	*lo = (colon - name == 2 && strncmp(name, "lo", 2) == 0);
	for (i = 0; i <= 8; i++) {
		p = scan_blanks(p);
		if (scan_u64(&p, &v) == -1)
			return -1;
		if (i == 0)
			*rx = v;
	}
	*tx = v;
	return 0;
}

/* /proc/<pid>/net/dev: the two header lines hold no colon. */
int
cg_parse_net_dev(const char *buf, uint64_t *rx, uint64_t *tx)
{
	const char	*line = buf, *eol, *colon;
	uint64_t	 r = 0, t = 0, lr, lt;
	int		 lo;

	for (; *line != '\0'; line = eol + 1) {
		eol = line + strcspn(line, "\n");
		colon = memchr(line, ':', (size_t)(eol - line));
		if (colon != NULL) {
			if (net_line(line, colon, &lr, &lt, &lo) == -1)
				return -1;
			if (!lo) {
				r += lr;
				t += lt;
			}
		}
		if (*eol == '\0')
			break;
	}
	*rx = r;
	*tx = t;
	return 0;
}

/* "MAJ:MIN" at *pp, advancing past it. */
static int
parse_dev(const char **pp)
{
	uint64_t v;

	if (scan_u64(pp, &v) == -1 || **pp != ':')
		return -1;
	(*pp)++;
	return scan_u64(pp, &v);
}

/* One line of blkio.throttle.io_service_bytes_recursive: "MAJ:MIN Op N"
 * or the closing "Total N". */
static int
blkio_line(const char *p, uint64_t *rd, uint64_t *wr)
{
	const char	*op;
	size_t		 oplen;
	uint64_t	 v;

	if (strncmp(p, "Total ", 6) == 0)
		return parse_single(p + 6, &v);
	if (parse_dev(&p) == -1 || *p != ' ')
		return -1;
	op = ++p;
	oplen = strcspn(p, " \n");
	if (oplen == 0 || p[oplen] != ' ' || parse_single(p + oplen, &v) == -1)
		return -1;
	if (oplen == 4 && strncmp(op, "Read", 4) == 0)
		*rd += v;
	else if (oplen == 5 && strncmp(op, "Write", 5) == 0)
		*wr += v;
	return 0;
}

/* Sum read and write bytes over the lines of buf, each parsed by
 * line_fn; the totals are stored only when every line parsed. */
static int
sum_lines(const char *buf, int (*line_fn)(const char *, uint64_t *,
    uint64_t *), uint64_t *rd, uint64_t *wr)
{
	const char	*line = buf;
	uint64_t	 r = 0, w = 0;

	while (*line != '\0') {
		if (*line != '\n' && line_fn(line, &r, &w) == -1)
			return -1;
		if ((line = strchr(line, '\n')) == NULL)
			break;
		line++;
	}
	*rd = r;
	*wr = w;
	return 0;
}

int
cg_parse_v1_blkio(const char *buf, uint64_t *rd, uint64_t *wr)
{
	return sum_lines(buf, blkio_line, rd, wr);
}

/* One "key=value" token of io.stat ending at end; only rbytes and
 * wbytes are parsed, others (cost.vrate=100.00 ...) are skipped. */
static int
io_token(const char *p, const char *end, uint64_t *rd, uint64_t *wr)
{
	const char	*eq, *q;
	uint64_t	*sum, v;

	if ((eq = memchr(p, '=', (size_t)(end - p))) == NULL || eq == p)
		return -1;
	if (eq - p == 6 && strncmp(p, "rbytes", 6) == 0)
		sum = rd;
	else if (eq - p == 6 && strncmp(p, "wbytes", 6) == 0)
		sum = wr;
	else
		return 0;
	q = eq + 1;
	if (scan_u64(&q, &v) == -1 || q != end)
		return -1;
	*sum += v;
	return 0;
}

/* "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N". */
static int
io_line(const char *p, uint64_t *rd, uint64_t *wr)
{
	const char *end;

	if (parse_dev(&p) == -1 || (*p != ' ' && *p != '\n' && *p != '\0'))
		return -1;
	for (;;) {
		p = scan_blanks(p);
		if (*p == '\n' || *p == '\0')
			return 0;
		end = p + strcspn(p, " \t\n");
		if (io_token(p, end, rd, wr) == -1)
			return -1;
		p = end;
	}
}

int
cg_parse_v2_io(const char *buf, uint64_t *rd, uint64_t *wr)
{
	return sum_lines(buf, io_line, rd, wr);
}

/* "cpu  user nice system idle iowait irq softirq steal ...": like the
 * engine, the first seven fields (steal and guest left out; guest is in
 * user already), then one "cpuN" line per online CPU. */
static int
parse_stat(const char *buf, uint64_t tick, uint64_t *total_ns,
    unsigned *ncpu)
{
	const char	*p;
	uint64_t	 ticks = 0, v;
	unsigned	 n = 0;
	int		 i;

	if (strncmp(buf, "cpu ", 4) != 0)
		return -1;
	for (p = buf + 4, i = 0; i < 7; i++) {
		p = scan_blanks(p);
		if (scan_u64(&p, &v) == -1)
			return -1;
		ticks += v;
	}
	/* The cpuN lines follow; stop before the long intr line. */
	for (p = strchr(p, '\n'); p != NULL && strncmp(p + 1, "cpu", 3) == 0;
	    p = strchr(p + 1, '\n')) {
		if (p[4] >= '0' && p[4] <= '9')
			n++;
	}
	if (n == 0)
		return -1;
	*total_ns = ticks * tick;
	*ncpu = n;
	return 0;
}

int
cg_parse_proc_stat(const char *buf, uint64_t *total_ns, unsigned *ncpu)
{
	return parse_stat(buf, tick_ns(), total_ns, ncpu);
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
	int f;

	if (r == NULL)
		return;
	for (f = 0; f < F_MAX; f++) {
		if (r->fd[f] != -1)
			close(r->fd[f]);
	}
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

static int
read_container(struct cg_reader *r, char *buf, struct cg_sample *s, int full)
{
	memset(s, 0, sizeof(*s));
	s->ts_ms = now_ms();
	if (read_cpu(r, buf, s) == -1 || read_mem(r, buf, s, full) == -1 ||
	    read_io_pids(r, buf, s) == -1 || read_net(r, buf, s) == -1)
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

/* Ages past CG_SLOW_CYCLES: due at the next cycle, whatever the usage. */
void
cg_expire(struct cg_reader *r)
{
	r->limit_age = CG_SLOW_CYCLES;
	r->mstat_age = CG_SLOW_CYCLES;
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
