/*
 * The parsers of the container resource reader (cgroup.c): the kernel's
 * text formats of cgroup v1 and v2 files, /proc/<pid>/net/dev and
 * /proc/stat.  They are strict about the numbers they use and ignore
 * what they do not need.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "cgroup_int.h"
#include "scan.h"

/* A line holding one number (blanks around it allowed). */
int
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
int
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
int
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

/* Nanoseconds per USER_HZ tick, asked once per process. */
uint64_t
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

int
cg_parse_proc_stat(const char *buf, uint64_t *total_ns, unsigned *ncpu)
{
	return parse_stat(buf, tick_ns(), total_ns, ncpu);
}
