/*
 * Host resource reader: /proc/stat, /proc/meminfo and /proc/loadavg,
 * opened once relative to a descriptor of /proc and re-read with
 * pread(fd, buf, len, 0) on every sample, so the read path looks up no
 * path and allocates nothing: pread64 is the one system call sys_read
 * makes (and write, should it log).  Also the CPU time and resident
 * size of one process from /proc/<pid>/stat and statm, opened per call
 * (openat, so not for a filter that allows only the read path).
 * The parsers are strict about the numbers they use: digits only, no
 * overflow, every field they need present; they leave their outputs
 * untouched on failure and ignore lines they do not know.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "scan.h"
#include "sysstat.h"
#include "util.h"
#include "xmalloc.h"

/*
 * One 64 KiB stack buffer, read in one pread, for every file.  The
 * "cpu " line and 256 "cpuN" lines take at most 257 * 217 bytes (ten
 * 20-digit fields each), about 54 KiB, so the lines we use always fit;
 * on a large host the intr line that follows them may not, and what
 * does not fit is cut after the last complete line.  meminfo and
 * loadavg are far smaller.
 */
#define SYS_BUFSZ	65536
/* /proc/<pid>/stat is one line of 52 fields, statm one of seven. */
#define SYS_PIDBUFSZ	4096
/* Fields of a cpu line up to softirq: user nice system idle iowait irq
 * softirq (Linux 2.6.0); steal (2.6.11), guest (2.6.24) and guest_nice
 * (2.6.33) may follow, and later kernels may add more. */
#define CPU_MINFIELDS	7
#define CPU_NFIELDS	8
enum { C_USER, C_NICE, C_SYSTEM, C_IDLE, C_IOWAIT, C_IRQ, C_SOFTIRQ,
    C_STEAL };

enum sys_file { F_STAT, F_MEMINFO, F_LOADAVG, F_MAX };

static const struct {
	const char	*name;
	int		(*parse)(const char *, struct sys_sample *);
} files[F_MAX] = {
	[F_STAT] = { "stat", sys_parse_stat },
	[F_MEMINFO] = { "meminfo", sys_parse_meminfo },
	[F_LOADAVG] = { "loadavg", sys_parse_loadavg },
};

struct sys_reader {
	int	fd[F_MAX];
};

/* The cpuN lines of one /proc/stat, gathered before they are stored. */
struct cpu_lines {
	unsigned	lines;		/* cpuN lines seen, kept or not */
	uint64_t	last;		/* N of the last one */
	unsigned	n;		/* kept: N < SYS_MAX_CPUS */
	struct sys_cpu	cpu[SYS_MAX_CPUS];
};

/* Bytes per page, asked once per process: sys_open calls it before
 * the filter (glibc answers from the auxiliary vector anyway). */
static uint64_t
page_size(void)
{
	static uint64_t	sz;
	long		ps;

	if (sz == 0) {
		if ((ps = sysconf(_SC_PAGESIZE)) <= 0)
			ps = 4096;
		sz = (uint64_t)ps;
	}
	return sz;
}

/* ---------------------------------------------------------- numbers */

static int
at_eol(const char *p)
{
	return *p == '\n' || *p == '\0';
}

/* *sum += v; -1 on overflow. */
static int
add_u64(uint64_t *sum, uint64_t v)
{
	if (v > UINT64_MAX - *sum)
		return -1;
	*sum += v;
	return 0;
}

/* *v *= m; -1 on overflow. */
static int
mul_u64(uint64_t *v, uint64_t m)
{
	if (m != 0 && *v > UINT64_MAX / m)
		return -1;
	*v *= m;
	return 0;
}

/* ------------------------------------------------------- /proc/stat */

/* The fields of one cpu line after its name into busy and total. */
static int
cpu_fields(const char *p, struct sys_cpu *c)
{
	uint64_t	f[CPU_NFIELDS] = { 0 }, v, busy = 0, total;
	int		n;

	for (n = 0; !at_eol(p = scan_blanks(p)); n++) {
		if (scan_u64(&p, &v) == -1 ||
		    (*p != ' ' && *p != '\t' && !at_eol(p)))
			return -1;
		if (n < CPU_NFIELDS)
			f[n] = v;
	}
	if (n < CPU_MINFIELDS)
		return -1;
	if (add_u64(&busy, f[C_USER]) == -1 ||
	    add_u64(&busy, f[C_NICE]) == -1 ||
	    add_u64(&busy, f[C_SYSTEM]) == -1 ||
	    add_u64(&busy, f[C_IRQ]) == -1 ||
	    add_u64(&busy, f[C_SOFTIRQ]) == -1 ||
	    add_u64(&busy, f[C_STEAL]) == -1)
		return -1;
	total = busy;
	if (add_u64(&total, f[C_IDLE]) == -1 ||
	    add_u64(&total, f[C_IOWAIT]) == -1)
		return -1;
	c->busy = busy;
	c->total = total;
	return 0;
}

/* "cpuN ...", N above the one before it; a CPU at or past SYS_MAX_CPUS
 * is checked and left out. */
static int
cpu_line(const char *p, struct cpu_lines *cl)
{
	struct sys_cpu	c;
	uint64_t	id;

	p += 3;
	if (scan_u64(&p, &id) == -1 || *p != ' ' ||
	    (cl->lines > 0 && id <= cl->last))
		return -1;
	if (cpu_fields(p, &c) == -1)
		return -1;
	cl->lines++;
	cl->last = id;
	if (id < SYS_MAX_CPUS) {
		cl->cpu[id] = c;
		cl->n++;
	}
	return 0;
}

/* "cpu  ..." then one "cpuN ..." line per online CPU; scanning stops
 * at the first other line, before the long intr line. */
int
sys_parse_stat(const char *buf, struct sys_sample *s)
{
	struct cpu_lines	 cl;
	struct sys_cpu		 all;
	const char		*p;

	if (strncmp(buf, "cpu ", 4) != 0 || cpu_fields(buf + 4, &all) == -1)
		return -1;
	memset(&cl, 0, sizeof(cl));
	for (p = strchr(buf, '\n'); p != NULL; p = strchr(p, '\n')) {
		p++;
		if (strncmp(p, "cpu", 3) != 0 || p[3] < '0' || p[3] > '9')
			break;
		if (cpu_line(p, &cl) == -1)
			return -1;
	}
	if (cl.lines == 0)
		return -1;
	s->ncpu = cl.n;
	s->all = all;
	memcpy(s->cpu, cl.cpu, sizeof(s->cpu));
	return 0;
}

/* --------------------------------------------------- /proc/meminfo */

enum { M_TOTAL, M_FREE, M_AVAIL, M_BUFFERS, M_CACHED, M_SWAPTOTAL,
    M_SWAPFREE, M_MAX };

static const char *const memkeys[M_MAX] = {
	"MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached",
	"SwapTotal", "SwapFree"
};
#define M_REQUIRED	((1u << M_TOTAL) | (1u << M_FREE))

/* The key of the line from p to colon, M_MAX if not one we use. */
static int
mem_key(const char *p, const char *colon)
{
	size_t	len = (size_t)(colon - p);
	int	k;

	for (k = 0; k < M_MAX; k++) {
		if (strlen(memkeys[k]) == len &&
		    strncmp(p, memkeys[k], len) == 0)
			return k;
	}
	return M_MAX;
}

/* "   16318412 kB" after the colon, in bytes. */
static int
mem_value(const char *p, uint64_t *out)
{
	uint64_t v;

	p = scan_blanks(p);
	if (scan_u64(&p, &v) == -1 || strncmp(p, " kB", 3) != 0 ||
	    !at_eol(p + 3) || mul_u64(&v, 1024) == -1)
		return -1;
	*out = v;
	return 0;
}

/* The values we use into v, seen as a bit mask; each key once. */
static int
mem_lines(const char *buf, uint64_t *v, unsigned *seen)
{
	const char	*line, *eol, *colon;
	int		 k;

	for (line = buf; *line != '\0'; line = eol + 1) {
		eol = line + strcspn(line, "\n");
		colon = memchr(line, ':', (size_t)(eol - line));
		if (colon != NULL && (k = mem_key(line, colon)) != M_MAX) {
			if ((*seen & (1u << k)) ||
			    mem_value(colon + 1, &v[k]) == -1)
				return -1;
			*seen |= 1u << k;
		}
		if (*eol == '\0')
			break;
	}
	return 0;
}

/* Without MemAvailable (before Linux 3.14) free + buffers + cached,
 * what free(1) shows then. */
int
sys_parse_meminfo(const char *buf, struct sys_sample *s)
{
	uint64_t	v[M_MAX] = { 0 };
	unsigned	seen = 0;

	if (mem_lines(buf, v, &seen) == -1 ||
	    (seen & M_REQUIRED) != M_REQUIRED)
		return -1;
	if (!(seen & (1u << M_AVAIL))) {
		v[M_AVAIL] = v[M_FREE];
		if (add_u64(&v[M_AVAIL], v[M_BUFFERS]) == -1 ||
		    add_u64(&v[M_AVAIL], v[M_CACHED]) == -1)
			return -1;
	}
	s->mem_total = v[M_TOTAL];
	s->mem_free = v[M_FREE];
	s->mem_available = v[M_AVAIL];
	s->mem_buffers = v[M_BUFFERS];
	s->mem_cached = v[M_CACHED];
	s->swap_total = v[M_SWAPTOTAL];
	s->swap_free = v[M_SWAPFREE];
	return 0;
}

/* --------------------------------------------------- /proc/loadavg */

/* "1.24" as the kernel prints it (%lu.%02lu): digits, a point, digits.
 * Not strtod: no sign, exponent, "inf" or locale decimal point. */
static int
parse_load(const char **pp, double *out)
{
	const char	*p = *pp, *frac;
	uint64_t	 ip, fp;
	double		 div = 1.0;

	if (scan_u64(&p, &ip) == -1 || *p != '.')
		return -1;
	frac = ++p;
	if (scan_u64(&p, &fp) == -1)
		return -1;
	for (; frac < p; frac++)
		div *= 10.0;
	*out = (double)ip + (double)fp / div;
	*pp = p;
	return 0;
}

/* "0.52 0.58 0.59 2/1234 56789": three averages, runnable/total
 * tasks and the last pid, all checked, the last two not kept. */
int
sys_parse_loadavg(const char *buf, struct sys_sample *s)
{
	const char	*p = buf;
	double		 l[3];
	uint64_t	 v;
	int		 i;

	for (i = 0; i < 3; i++) {
		if (parse_load(&p, &l[i]) == -1 || *p++ != ' ')
			return -1;
	}
	if (scan_u64(&p, &v) == -1 || *p++ != '/' ||
	    scan_u64(&p, &v) == -1 || *p++ != ' ' ||
	    scan_u64(&p, &v) == -1 || !at_eol(p))
		return -1;
	s->load1 = l[0];
	s->load5 = l[1];
	s->load15 = l[2];
	return 0;
}

/* ---------------------------------------------------- /proc/<pid>/ */

/* A decimal integer, maybe negative (tty_nr, tpgid), and the blank
 * after it. */
static int
skip_field(const char **pp)
{
	uint64_t v;

	if (**pp == '-')
		(*pp)++;
	if (scan_u64(pp, &v) == -1 || **pp != ' ')
		return -1;
	(*pp)++;
	return 0;
}

/* "pid (comm) S ppid pgrp session tty_nr tpgid flags minflt cminflt
 * majflt cmajflt utime stime ...".  comm may hold blanks, parentheses
 * and even a newline, so the fields start after the last ')'. */
int
sys_parse_pid_stat(const char *buf, uint64_t *cpu_ticks)
{
	const char	*p = buf;
	uint64_t	 v, utime, stime;
	int		 i;

	if (scan_u64(&p, &v) == -1 || strncmp(p, " (", 2) != 0 ||
	    (p = strrchr(p, ')')) == NULL)
		return -1;
	if (p[1] != ' ' || !isalpha((unsigned char)p[2]) || p[3] != ' ')
		return -1;
	p += 4;
	for (i = 0; i < 10; i++) {	/* ppid .. cmajflt */
		if (skip_field(&p) == -1)
			return -1;
	}
	if (scan_u64(&p, &utime) == -1 || *p++ != ' ' ||
	    scan_u64(&p, &stime) == -1 || (*p != ' ' && !at_eol(p)) ||
	    add_u64(&utime, stime) == -1)
		return -1;
	*cpu_ticks = utime;
	return 0;
}

/* "size resident shared text lib data dt", in pages. */
static int
parse_statm(const char *p, uint64_t *rss_bytes)
{
	uint64_t v, rss;

	if (scan_u64(&p, &v) == -1 || *p++ != ' ' ||
	    scan_u64(&p, &rss) == -1 || (*p != ' ' && !at_eol(p)) ||
	    mul_u64(&rss, page_size()) == -1)
		return -1;
	*rss_bytes = rss;
	return 0;
}

/* ---------------------------------------------------------- reading */

/* <pid>/<name> under procfd into buf; -1 (errno set) when it cannot
 * be opened or read, which is how a process that is gone shows. */
static int
read_pid_file(int procfd, pid_t pid, const char *name, char *buf,
    size_t len)
{
	char	path[32];
	int	fd, rc, saved;

	snprintf(path, sizeof(path), "%d/%s", (int)pid, name);
	if ((fd = openat(procfd, path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_debug("sysstat: open %s: %s", path, strerror(errno));
		return -1;
	}
	if ((rc = scan_file(fd, buf, len)) == -1)
		log_debug("sysstat: read %s: %s", path, strerror(errno));
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* Both outputs are stored only when both files were read. */
int
sys_proc_usage(int procfd, pid_t pid, uint64_t *cpu_ticks,
    uint64_t *rss_bytes)
{
	char		buf[SYS_PIDBUFSZ];
	uint64_t	ticks, rss;

	if (pid <= 0) {
		errno = EINVAL;
		return -1;
	}
	if (read_pid_file(procfd, pid, "stat", buf, sizeof(buf)) == -1)
		return -1;
	if (sys_parse_pid_stat(buf, &ticks) == -1) {
		log_warnx("sysstat: cannot parse %d/stat", (int)pid);
		errno = EINVAL;
		return -1;
	}
	if (read_pid_file(procfd, pid, "statm", buf, sizeof(buf)) == -1)
		return -1;
	if (parse_statm(buf, &rss) == -1) {
		log_warnx("sysstat: cannot parse %d/statm", (int)pid);
		errno = EINVAL;
		return -1;
	}
	*cpu_ticks = ticks;
	*rss_bytes = rss;
	return 0;
}

struct sys_reader *
sys_open(int procfd)
{
	struct sys_reader	*r;
	int			 f;

	(void)page_size();
	r = xcalloc(1, sizeof(*r));
	for (f = 0; f < F_MAX; f++)
		r->fd[f] = -1;
	for (f = 0; f < F_MAX; f++) {
		r->fd[f] = openat(procfd, files[f].name, O_RDONLY | O_CLOEXEC);
		if (r->fd[f] == -1) {
			log_warn("sysstat: open %s", files[f].name);
			sys_close(r);
			return NULL;
		}
	}
	return r;
}

/* On -1 the sample is partly filled and not to be used. */
int
sys_read(struct sys_reader *r, struct sys_sample *s)
{
	char	buf[SYS_BUFSZ];
	int	f;

	memset(s, 0, sizeof(*s));
	for (f = 0; f < F_MAX; f++) {
		if (scan_file(r->fd[f], buf, sizeof(buf)) == -1) {
			log_warn("sysstat: read %s", files[f].name);
			return -1;
		}
		if (files[f].parse(buf, s) == -1) {
			log_warnx("sysstat: cannot parse %s", files[f].name);
			errno = EINVAL;
			return -1;
		}
	}
	return 0;
}

/* Keeps errno, so sys_open can fail with the errno of its openat. */
void
sys_close(struct sys_reader *r)
{
	int saved = errno;

	if (r == NULL)
		return;
	close_fds(r->fd, F_MAX);
	free(r);
	errno = saved;
}

/* ------------------------------------------------------- arithmetic */

/* Busy time that went backwards counts as none; busy that moved more
 * than the total (idle or iowait going backwards, which some kernels
 * do) is capped at 100. */
double
sys_cpu_percent(const struct sys_cpu *prev, const struct sys_cpu *cur)
{
	double	dbusy, dtotal, pct;

	if (cur->total <= prev->total)
		return NAN;
	dtotal = (double)(cur->total - prev->total);
	dbusy = cur->busy > prev->busy ? (double)(cur->busy - prev->busy) : 0;
	pct = dbusy / dtotal * 100.0;
	return pct > 100.0 ? 100.0 : pct;
}

uint64_t
sys_mem_used(const struct sys_sample *s)
{
	if (s->mem_available >= s->mem_total)
		return 0;
	return s->mem_total - s->mem_available;
}
