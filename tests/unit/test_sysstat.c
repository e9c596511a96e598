/*
 * Unit tests for the host resource reader (common/sysstat.c): each
 * parser on recorded kernel formats (tests/fixtures/sysstat: a 2-CPU
 * host on Linux 6.1 and a 4-CPU host with cpu2 offline and a meminfo
 * from before MemAvailable) and on empty, truncated, garbage and
 * overflowing input; the CPU percent and used memory arithmetic;
 * sys_open, sys_read and sys_proc_usage on the fixture trees and on
 * scratch copies rewritten, replaced and broken between reads; and one
 * pass over the real /proc.
 */
#include <sys/stat.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sysstat.h"
#include "unit_util.h"

#define FIXTURES	BERTH_SRCDIR "/tests/fixtures/sysstat"
#define FIX_PID		4242
#define KB(x)		((uint64_t)(x) * 1024)

/* Fixture file rel (under tests/fixtures/sysstat) into buf. */
static void
load(const char *rel, char *buf, size_t len)
{
	char	path[512];
	ssize_t	n;
	size_t	off = 0;
	int	fd;

	snprintf(path, sizeof(path), "%s/%s", FIXTURES, rel);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	cr_assert_neq(fd, -1, "open %s: %s", path, strerror(errno));
	while ((n = read(fd, buf + off, len - 1 - off)) > 0)
		off += (size_t)n;
	cr_assert_eq(n, 0, "read %s", path);
	cr_assert_lt(off, len - 1, "%s does not fit", path);
	buf[off] = '\0';
	close(fd);
}

/* What a cpu line with these fields holds. */
static struct sys_cpu
cpu_of(uint64_t user, uint64_t nice, uint64_t sys, uint64_t idle,
    uint64_t iowait, uint64_t irq, uint64_t softirq, uint64_t steal)
{
	struct sys_cpu c;

	c.busy = user + nice + sys + irq + softirq + steal;
	c.total = c.busy + idle + iowait;
	return c;
}

static void
expect_cpu(const struct sys_cpu *got, struct sys_cpu want, const char *what)
{
	cr_expect_eq(got->busy, want.busy, "%s busy %llu, want %llu", what,
	    (unsigned long long)got->busy, (unsigned long long)want.busy);
	cr_expect_eq(got->total, want.total, "%s total %llu, want %llu",
	    what, (unsigned long long)got->total,
	    (unsigned long long)want.total);
}

static int
cpu_is_zero(const struct sys_cpu *c)
{
	return c->busy == 0 && c->total == 0;
}

/* The fixtures' numbers; guest (3120 on two-cpu) is not added. */
static void
expect_two_cpu_stat(const struct sys_sample *s)
{
	unsigned i;

	cr_expect_eq(s->ncpu, 2);
	expect_cpu(&s->all, cpu_of(62816, 12, 11236, 1288951, 950, 0, 178,
	    862), "all");
	expect_cpu(&s->cpu[0], cpu_of(26218, 5, 5672, 650035, 62, 0, 29, 460),
	    "cpu0");
	expect_cpu(&s->cpu[1], cpu_of(36598, 7, 5564, 638916, 888, 0, 149,
	    402), "cpu1");
	for (i = 2; i < SYS_MAX_CPUS; i++)
		cr_expect(cpu_is_zero(&s->cpu[i]), "cpu%u not zero", i);
}

/* cpu2 is offline: no line, zeros, but its past time is in "cpu ". */
static void
expect_four_cpu_stat(const struct sys_sample *s)
{
	cr_expect_eq(s->ncpu, 3, "three cpuN lines");
	expect_cpu(&s->all, cpu_of(903472, 1134, 264043, 28640108, 15755, 0,
	    7399, 3307), "all");
	expect_cpu(&s->cpu[0], cpu_of(301877, 402, 88213, 9528310, 5301, 0,
	    4511, 1102), "cpu0");
	expect_cpu(&s->cpu[1], cpu_of(300144, 371, 87902, 9531266, 5209, 0,
	    1460, 1096), "cpu1");
	cr_expect(cpu_is_zero(&s->cpu[2]), "offline cpu2 not zero");
	expect_cpu(&s->cpu[3], cpu_of(300251, 358, 87518, 9530511, 5233, 0,
	    1419, 1105), "cpu3");
	cr_expect(cpu_is_zero(&s->cpu[4]));
}

static void
expect_two_cpu_mem(const struct sys_sample *s)
{
	cr_expect_eq(s->mem_total, KB(8148204));
	cr_expect_eq(s->mem_free, KB(512336));
	cr_expect_eq(s->mem_available, KB(5123456));
	cr_expect_eq(s->mem_buffers, KB(204812));
	cr_expect_eq(s->mem_cached, KB(4388120), "not SwapCached");
	cr_expect_eq(s->swap_total, KB(2097148));
	cr_expect_eq(s->swap_free, KB(2080508));
	cr_expect_eq(sys_mem_used(s), KB(8148204 - 5123456));
}

static void
expect_four_cpu_mem(const struct sys_sample *s)
{
	cr_expect_eq(s->mem_total, KB(4046236));
	cr_expect_eq(s->mem_free, KB(231568));
	cr_expect_eq(s->mem_available, KB(231568 + 143220 + 2120448),
	    "no MemAvailable: free + buffers + cached");
	cr_expect_eq(s->mem_buffers, KB(143220));
	cr_expect_eq(s->mem_cached, KB(2120448));
	cr_expect_eq(s->swap_total, KB(1048572));
	cr_expect_eq(s->swap_free, KB(1048572));
}

/* ---------------------------------------------------- sys_parse_stat */

Test(parse_stat, two_cpus)
{
	static struct sys_sample	s;
	char				buf[4096];

	load("two-cpu/stat", buf, sizeof(buf));
	memset(&s, 0xa5, sizeof(s));
	cr_assert_eq(sys_parse_stat(buf, &s), 0);
	expect_two_cpu_stat(&s);
}

Test(parse_stat, four_cpus_cpu2_offline)
{
	static struct sys_sample	s;
	char				buf[4096];

	load("four-cpu-offline/stat", buf, sizeof(buf));
	memset(&s, 0xa5, sizeof(s));
	cr_assert_eq(sys_parse_stat(buf, &s), 0);
	expect_four_cpu_stat(&s);
}

Test(parse_stat, field_counts)
{
	static struct sys_sample s;

	/* Linux 2.6.0: no steal, guest or guest_nice. */
	cr_assert_eq(sys_parse_stat("cpu  1 2 3 4 5 6 7\n"
	    "cpu0 1 2 3 4 5 6 7\n", &s), 0);
	expect_cpu(&s.all, cpu_of(1, 2, 3, 4, 5, 6, 7, 0), "seven");
	expect_cpu(&s.cpu[0], cpu_of(1, 2, 3, 4, 5, 6, 7, 0), "seven");
	/* A later kernel's eleventh field is checked, not used. */
	cr_assert_eq(sys_parse_stat("cpu  1 2 3 4 5 6 7 8 9 10 11\n"
	    "cpu0 1 2 3 4 5 6 7 8 9 10 11", &s), 0);
	expect_cpu(&s.cpu[0], cpu_of(1, 2, 3, 4, 5, 6, 7, 8), "eleven");
	cr_assert_eq(s.ncpu, 1);
	cr_assert_eq(sys_parse_stat("cpu  1 2 3 4 5 6 7 8 9 10 x\n"
	    "cpu0 1 2 3 4 5 6 7\n", &s), -1);
}

Test(parse_stat, stops_at_first_other_line)
{
	static struct sys_sample s;

	cr_assert_eq(sys_parse_stat("cpu  1 2 3 4 5 6 7 8 0 0\n"
	    "cpu0 1 2 3 4 5 6 7 8 0 0\n"
	    "intr 1 2 garbage\n"
	    "cpu1 not read\n", &s), 0);
	cr_assert_eq(s.ncpu, 1);
	cr_assert(cpu_is_zero(&s.cpu[1]));
}

Test(parse_stat, largest_values)
{
	static struct sys_sample s;

	cr_assert_eq(sys_parse_stat("cpu  18446744073709551615 0 0 0 0 0 0\n"
	    "cpu0 0 0 0 18446744073709551615 0 0 0\n", &s), 0);
	cr_assert_eq(s.all.busy, UINT64_MAX);
	cr_assert_eq(s.all.total, UINT64_MAX);
	cr_assert_eq(s.cpu[0].busy, 0);
	cr_assert_eq(s.cpu[0].total, UINT64_MAX);
}

/* cpu0..cpu299, user time N + 1: the first 256 kept. */
Test(parse_stat, cpus_past_max_ignored)
{
	static struct sys_sample	 s;
	char				*buf, *p;
	size_t				 len = 301 * 64;
	unsigned			 i;

	buf = p = malloc(len);
	cr_assert_not_null(buf);
	p += sprintf(p, "cpu  1 0 0 0 0 0 0 0 0 0\n");
	for (i = 0; i < 300; i++)
		p += sprintf(p, "cpu%u %u 0 0 10 0 0 0 0 0 0\n", i, i + 1);
	cr_assert_lt((size_t)(p - buf), len);
	cr_assert_eq(sys_parse_stat(buf, &s), 0);
	cr_assert_eq(s.ncpu, SYS_MAX_CPUS);
	expect_cpu(&s.cpu[0], cpu_of(1, 0, 0, 10, 0, 0, 0, 0), "cpu0");
	expect_cpu(&s.cpu[255], cpu_of(256, 0, 0, 10, 0, 0, 0, 0), "cpu255");
	free(buf);
}

Test(parse_stat, malformed)
{
	static const char *const bad[] = {
		"",
		"\n",
		"garbage\n",
		"intr 1 2 3\n",
		/* no aggregate line first */
		"cpu0 1 2 3 4 5 6 7\n",
		" cpu  1 2 3 4 5 6 7\ncpu0 1 2 3 4 5 6 7\n",
		/* no cpuN line */
		"cpu  1 2 3 4 5 6 7 8\n",
		"cpu  1 2 3 4 5 6 7 8\nintr 1\n",
		"cpu  1 2 3 4 5 6 7 8",
		/* truncated lines */
		"cpu  1 2 3\ncpu0 1 2 3 4 5 6 7\n",
		"cpu  1 2 3 4 5 6 7\ncpu0 1 2 3\n",
		"cpu  1 2 3 4 5 6 7\ncpu0 1 2 3 4 5 6 7\ncpu1 1 2 3",
		"cpu  1 2 3 4 5 6 7\ncpu0\n",
		"cpu  1 2 3 4 5 6 7\ncpu0",
		/* letters and signs in numbers */
		"cpu  1 2 3 4 5 6 x\ncpu0 1 2 3 4 5 6 7\n",
		"cpu  1 2 3 4 5 6 7\ncpu0 1 2 3 4 5 6 7x\n",
		"cpu  1 2 3 4 5 6 7\ncpu0 1 2 3 -4 5 6 7\n",
		"cpu  1 2 3 4 5 6 7\ncpu0 1 2 3 4.5 5 6 7\n",
		"cpu  1 2 3 4 5 6 7\ncpu0 0x1 2 3 4 5 6 7\n",
		"cpu  1 2 3 4 5 6 7\ncpux 1 2 3 4 5 6 7\n",
		"cpu  1 2 3 4 5 6 7\ncpu0x 1 2 3 4 5 6 7\n",
		/* past 2^64, in a field and in the sums */
		"cpu  1 2 3 4 5 6 7\ncpu0 18446744073709551616 2 3 4 5 6 7\n",
		"cpu  1 2 3 4 5 6 7\ncpu0 99999999999999999999999 0 0 0 0 0\n",
		"cpu  18446744073709551615 1 0 0 0 0 0\ncpu0 1 2 3 4 5 6 7\n",
		"cpu  0 0 0 18446744073709551615 1 0 0\ncpu0 1 2 3 4 5 6 7\n",
		"cpu  18446744073709551615 0 0 1 0 0 0\ncpu0 1 2 3 4 5 6 7\n",
		/* a CPU twice or out of order */
		"cpu  1 2 3 4 5 6 7\ncpu0 1 2 3 4 5 6 7\ncpu0 1 2 3 4 5 6 7\n",
		"cpu  1 2 3 4 5 6 7\ncpu1 1 2 3 4 5 6 7\ncpu0 1 2 3 4 5 6 7\n",
	};
	static struct sys_sample	s;
	size_t				i;

	memset(&s, 0, sizeof(s));
	s.ncpu = 77;
	s.all.busy = 5;
	s.cpu[0].total = 9;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(sys_parse_stat(bad[i], &s), -1, "accepted \"%s\"",
		    bad[i]);
	cr_assert_eq(s.ncpu, 77, "untouched on failure");
	cr_assert_eq(s.all.busy, 5);
	cr_assert_eq(s.cpu[0].total, 9);
}

/* ------------------------------------------------- sys_parse_meminfo */

Test(parse_meminfo, with_memavailable)
{
	static struct sys_sample	s;
	char				buf[4096];

	load("two-cpu/meminfo", buf, sizeof(buf));
	cr_assert_eq(sys_parse_meminfo(buf, &s), 0);
	expect_two_cpu_mem(&s);
}

Test(parse_meminfo, without_memavailable)
{
	static struct sys_sample	s;
	char				buf[4096];

	load("four-cpu-offline/meminfo", buf, sizeof(buf));
	cr_assert_eq(sys_parse_meminfo(buf, &s), 0);
	expect_four_cpu_mem(&s);
	cr_expect_eq(sys_mem_used(&s), KB(4046236 - 231568 - 143220 -
	    2120448));
}

Test(parse_meminfo, minimal_and_unknown_lines)
{
	static struct sys_sample s;

	memset(&s, 0xa5, sizeof(s));
	cr_assert_eq(sys_parse_meminfo("MemFree:\t1 kB\n"
	    "no colon here\n"
	    "\n"
	    "HugePages_Total:       0\n"
	    "Odd: value x\n"
	    "SwapCached:  99 kB\n"
	    "MemTotal:2 kB", &s), 0);
	cr_expect_eq(s.mem_total, 2048);
	cr_expect_eq(s.mem_free, 1024);
	cr_expect_eq(s.mem_available, 1024, "free + 0 + 0");
	cr_expect_eq(s.mem_buffers, 0);
	cr_expect_eq(s.mem_cached, 0, "SwapCached is not Cached");
	cr_expect_eq(s.swap_total, 0);
	cr_expect_eq(s.swap_free, 0);
}

Test(parse_meminfo, largest_value)
{
	static struct sys_sample s;

	cr_assert_eq(sys_parse_meminfo("MemTotal: 18014398509481983 kB\n"
	    "MemFree: 0 kB\nMemAvailable: 0 kB\n", &s), 0);
	cr_assert_eq(s.mem_total, UINT64_MAX - 1023);
	cr_assert_eq(sys_mem_used(&s), UINT64_MAX - 1023);
}

Test(parse_meminfo, malformed)
{
	static const char *const bad[] = {
		"",
		"\n",
		"garbage\n",
		/* required keys missing, or only a longer key */
		"MemFree: 1 kB\n",
		"MemTotal: 1 kB\n",
		"MemTotalX: 1 kB\nMemFree: 1 kB\n",
		"MemTotal: 1 kB\nMemFreeish: 1 kB\n",
		"memtotal: 1 kB\nMemFree: 1 kB\n",
		/* truncated lines */
		"MemFree: 1 kB\nMemTotal:",
		"MemFree: 1 kB\nMemTotal:       \n",
		"MemFree: 1 kB\nMemTotal:  1234",
		"MemFree: 1 kB\nMemTotal:  1234 k\n",
		"MemFree: 1 kB\nMemTotal:   kB\n",
		/* letters, signs, other units, trailing words */
		"MemFree: 1 kB\nMemTotal: 12a34 kB\n",
		"MemFree: 1 kB\nMemTotal: -1 kB\n",
		"MemFree: 1 kB\nMemTotal: 1.5 kB\n",
		"MemFree: 1 kB\nMemTotal: 1 MB\n",
		"MemFree: 1 kB\nMemTotal: 1 kB extra\n",
		"MemFree: 1 kB\nMemTotal: 1  kB\n",
		"MemFree: 1 kB\nMemTotal: 1 kB\nBuffers: x kB\n",
		/* a key twice */
		"MemTotal: 1 kB\nMemFree: 1 kB\nMemTotal: 2 kB\n",
		/* past 2^64, as kB and once multiplied by 1024 */
		"MemFree: 1 kB\nMemTotal: 18446744073709551616 kB\n",
		"MemFree: 1 kB\nMemTotal: 18014398509481984 kB\n",
		/* free + buffers + cached past 2^64 */
		"MemTotal: 1 kB\nMemFree: 18014398509481983 kB\nCached: 1 kB\n",
	};
	static struct sys_sample	s;
	size_t				i;

	memset(&s, 0, sizeof(s));
	s.mem_total = 77;
	s.mem_available = 78;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(sys_parse_meminfo(bad[i], &s), -1,
		    "accepted \"%s\"", bad[i]);
	cr_assert_eq(s.mem_total, 77, "untouched on failure");
	cr_assert_eq(s.mem_available, 78);
}

/* ------------------------------------------------- sys_parse_loadavg */

Test(parse_loadavg, fixtures)
{
	static struct sys_sample	s;
	char				buf[256];

	load("two-cpu/loadavg", buf, sizeof(buf));
	cr_assert_eq(sys_parse_loadavg(buf, &s), 0);
	cr_expect_float_eq(s.load1, 0.52, 1e-9);
	cr_expect_float_eq(s.load5, 0.58, 1e-9);
	cr_expect_float_eq(s.load15, 0.59, 1e-9);
	load("four-cpu-offline/loadavg", buf, sizeof(buf));
	cr_assert_eq(sys_parse_loadavg(buf, &s), 0);
	cr_expect_float_eq(s.load1, 12.07, 1e-9);
	cr_expect_float_eq(s.load5, 8.40, 1e-9);
	cr_expect_float_eq(s.load15, 3.15, 1e-9);
}

Test(parse_loadavg, edges)
{
	static struct sys_sample s;

	cr_assert_eq(sys_parse_loadavg("0.00 0.00 0.00 0/0 0", &s), 0);
	cr_expect_float_eq(s.load1 + s.load5 + s.load15, 0.0, 1e-12);
	cr_assert_eq(sys_parse_loadavg("1024.99 0.5 0.005 100/200 1\n", &s),
	    0);
	cr_expect_float_eq(s.load1, 1024.99, 1e-9);
	cr_expect_float_eq(s.load5, 0.5, 1e-12);
	cr_expect_float_eq(s.load15, 0.005, 1e-12);
}

Test(parse_loadavg, malformed)
{
	static const char *const bad[] = {
		"",
		"\n",
		/* truncated */
		"0.52\n",
		"0.52 0.58\n",
		"0.52 0.58 0.59\n",
		"0.52 0.58 0.59 2/1234\n",
		"0.52 0.58 0.59 2/ 56789\n",
		"0.52 0.58 0.59 2/1234 \n",
		"0.52 0.58 0.",
		/* not %lu.%02lu */
		"1 2 3 1/2 3\n",
		"0.5x 0.58 0.59 2/1234 56789\n",
		"-0.52 0.58 0.59 2/1234 56789\n",
		"+0.52 0.58 0.59 2/1234 56789\n",
		".52 0.58 0.59 2/1234 56789\n",
		"0,52 0,58 0,59 2/1234 56789\n",
		"1e3 0.58 0.59 2/1234 56789\n",
		"inf 0.58 0.59 2/1234 56789\n",
		"nan nan nan 2/1234 56789\n",
		" 0.52 0.58 0.59 2/1234 56789\n",
		"0.52  0.58 0.59 2/1234 56789\n",
		"0.52 0.58 0.59 2/1234 56789 extra\n",
		"0.52 0.58 0.59 x/1234 56789\n",
		/* past 2^64 */
		"18446744073709551616.00 0.58 0.59 2/1234 56789\n",
		"0.52 0.58 0.59 2/18446744073709551616 56789\n",
	};
	static struct sys_sample	s;
	size_t				i;

	memset(&s, 0, sizeof(s));
	s.load1 = 7.0;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(sys_parse_loadavg(bad[i], &s), -1,
		    "accepted \"%s\"", bad[i]);
	cr_assert_float_eq(s.load1, 7.0, 1e-12, "untouched on failure");
}

/* ------------------------------------------------ sys_parse_pid_stat */

Test(parse_pid_stat, fixtures)
{
	uint64_t	ticks;
	char		buf[1024];

	load("two-cpu/4242/stat", buf, sizeof(buf));
	cr_assert_eq(sys_parse_pid_stat(buf, &ticks), 0);
	cr_expect_eq(ticks, 1523 + 611);
	/* comm "(a) b)" */
	load("four-cpu-offline/4242/stat", buf, sizeof(buf));
	cr_assert_eq(sys_parse_pid_stat(buf, &ticks), 0);
	cr_expect_eq(ticks, 88 + 12);
}

Test(parse_pid_stat, awkward_comm)
{
	static const char *const ok[] = {
		"7 ((a) b)) S 1 7 7 0 -1 4194304 0 0 0 0 30 12 0 0\n",
		"7 () ) ( x) S 1 7 7 0 -1 4194304 0 0 0 0 30 12 0 0\n",
		"7 (a\n) b) R 1 7 7 0 -1 4194304 0 0 0 0 30 12 0 0\n",
		"7 () Z 1 7 7 0 -1 0 0 0 0 0 30 12 0 0\n",
		"7 (x) S 1 7 7 0 -1 0 0 0 0 0 30 12",
		"7 (x) I 2 0 0 0 -1 69238880 0 0 0 0 30 12 0 0 20 0 1 0\n",
	};
	uint64_t	ticks;
	size_t		i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ticks = 0;
		cr_expect_eq(sys_parse_pid_stat(ok[i], &ticks), 0,
		    "refused \"%s\"", ok[i]);
		cr_expect_eq(ticks, 42, "\"%s\"", ok[i]);
	}
	cr_assert_eq(sys_parse_pid_stat("7 (x) S 1 7 7 0 -1 0 0 0 0 0 "
	    "18446744073709551614 1 0\n", &ticks), 0);
	cr_assert_eq(ticks, UINT64_MAX);
}

Test(parse_pid_stat, malformed)
{
	static const char *const bad[] = {
		"",
		"\n",
		"4242\n",
		/* truncated */
		"4242 (x",
		"4242 (x)",
		"4242 (x) S",
		"4242 (x) S 1 4242 4242 0 -1",
		"4242 (x) S 1 4242 4242 0 -1 4194304 0 0 0 0 30",
		"4242 (x) S 1 4242 4242 0 -1 4194304 0 0 0 0 30 ",
		/* the frame around comm */
		"x (y) S 1 2 3 4 5 6 7 8 9 10 30 12 0\n",
		"-1 (y) S 1 2 3 4 5 6 7 8 9 10 30 12 0\n",
		"4242 y) S 1 2 3 4 5 6 7 8 9 10 30 12 0\n",
		"4242  (y) S 1 2 3 4 5 6 7 8 9 10 30 12 0\n",
		"4242 (y)S 1 2 3 4 5 6 7 8 9 10 30 12 0\n",
		"4242 (y) SS 1 2 3 4 5 6 7 8 9 10 30 12 0\n",
		"4242 (y) 5 1 2 3 4 5 6 7 8 9 10 30 12 0\n",
		"4242 (y) S  1 2 3 4 5 6 7 8 9 10 30 12 0\n",
		/* letters, signs, overflow in the fields */
		"4242 (y) S 1 2 3 4 5 6 7 8 9 1x 30 12 0\n",
		"4242 (y) S 1 2 3 4 5 6 7 8 9 10 3a 12 0\n",
		"4242 (y) S 1 2 3 4 5 6 7 8 9 10 30 12a 0\n",
		"4242 (y) S 1 2 3 4 5 6 7 8 9 10 -30 12 0\n",
		"4242 (y) S 1 2 3 4 - 6 7 8 9 10 30 12 0\n",
		"4242 (y) S 1 2 3 4 5 6 7 8 9 10 18446744073709551616 0 0\n",
		"4242 (y) S 1 2 3 4 5 6 7 8 9 10 18446744073709551615 1 0\n",
	};
	uint64_t	ticks = 77;
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(sys_parse_pid_stat(bad[i], &ticks), -1,
		    "accepted \"%s\"", bad[i]);
	cr_assert_eq(ticks, 77, "untouched on failure");
}

/* ------------------------------------------------------- arithmetic */

Test(arith, cpu_percent)
{
	struct sys_cpu a = { 100, 1000 }, b;

	b = (struct sys_cpu){ 150, 1100 };
	cr_assert_float_eq(sys_cpu_percent(&a, &b), 50.0, 1e-9);
	b = (struct sys_cpu){ 100, 1100 };
	cr_assert_float_eq(sys_cpu_percent(&a, &b), 0.0, 1e-12);
	b = (struct sys_cpu){ 200, 1100 };
	cr_assert_float_eq(sys_cpu_percent(&a, &b), 100.0, 1e-9);
	b = (struct sys_cpu){ 101, 1300 };
	cr_assert_float_eq(sys_cpu_percent(&a, &b), 100.0 / 300.0, 1e-9);
}

Test(arith, cpu_percent_nan)
{
	struct sys_cpu a = { 100, 1000 }, b, zero = { 0, 0 };

	cr_assert(isnan(sys_cpu_percent(&a, &a)), "total did not move");
	b = (struct sys_cpu){ 150, 1000 };
	cr_assert(isnan(sys_cpu_percent(&a, &b)), "busy alone moved");
	b = (struct sys_cpu){ 50, 900 };
	cr_assert(isnan(sys_cpu_percent(&a, &b)), "went backwards");
	cr_assert(isnan(sys_cpu_percent(&a, &zero)), "went offline");
	cr_assert(isnan(sys_cpu_percent(&zero, &zero)), "offline CPU");
}

Test(arith, cpu_percent_clamped)
{
	struct sys_cpu a = { 500, 1000 }, b;

	/* Busy backwards: none; busy past the total (idle going back):
	 * all. */
	b = (struct sys_cpu){ 400, 1100 };
	cr_assert_float_eq(sys_cpu_percent(&a, &b), 0.0, 1e-12);
	b = (struct sys_cpu){ 700, 1100 };
	cr_assert_float_eq(sys_cpu_percent(&a, &b), 100.0, 1e-12);
}

Test(arith, mem_used)
{
	static struct sys_sample s;

	s.mem_total = 1000;
	s.mem_available = 300;
	s.mem_free = 10;
	cr_assert_eq(sys_mem_used(&s), 700);
	s.mem_available = 1000;
	cr_assert_eq(sys_mem_used(&s), 0);
	s.mem_available = 1001;
	cr_assert_eq(sys_mem_used(&s), 0, "not negative");
}

/* ------------------------------------------ sys_open, sys_read */

/* A sample of fixture tree name; procfd closed before the read. */
static void
sample_fixture(const char *name, struct sys_sample *s)
{
	struct sys_reader	*r;
	char			 path[512];
	int			 proc;

	snprintf(path, sizeof(path), "%s/%s", FIXTURES, name);
	proc = opendir_fd(path);
	r = sys_open(proc);
	cr_assert_not_null(r, "sys_open %s: %s", name, strerror(errno));
	close(proc);
	cr_assert_eq(sys_read(r, s), 0);
	sys_close(r);
}

Test(fixture, two_cpu)
{
	static struct sys_sample s;

	sample_fixture("two-cpu", &s);
	expect_two_cpu_stat(&s);
	expect_two_cpu_mem(&s);
	cr_expect_float_eq(s.load1, 0.52, 1e-9);
	cr_expect_float_eq(s.load15, 0.59, 1e-9);
}

Test(fixture, four_cpu_offline)
{
	static struct sys_sample s;

	sample_fixture("four-cpu-offline", &s);
	expect_four_cpu_stat(&s);
	expect_four_cpu_mem(&s);
	cr_expect_float_eq(s.load5, 8.40, 1e-9);
}

Test(fixture, read_twice_same_sample)
{
	static struct sys_sample	 a, b;
	struct sys_reader		*r;
	int				 proc;

	proc = opendir_fd(FIXTURES "/two-cpu");
	cr_assert_not_null(r = sys_open(proc));
	close(proc);
	memset(&a, 0x11, sizeof(a));
	memset(&b, 0x22, sizeof(b));
	cr_assert_eq(sys_read(r, &a), 0);
	cr_assert_eq(sys_read(r, &b), 0);
	cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0);
	sys_close(r);
}

Test(fixture, missing_file)
{
	int proc;

	/* 4242/ holds a stat but no meminfo. */
	proc = opendir_fd(FIXTURES "/two-cpu/4242");
	errno = 0;
	cr_assert_null(sys_open(proc));
	cr_assert_eq(errno, ENOENT);
	close(proc);
	errno = 0;
	cr_assert_null(sys_open(-1));
	cr_assert_eq(errno, EBADF);
	sys_close(NULL);
}

Test(fixture, proc_usage)
{
	uint64_t	ticks, rss, page = (uint64_t)sysconf(_SC_PAGESIZE);
	int		proc;

	proc = opendir_fd(FIXTURES "/two-cpu");
	cr_assert_eq(sys_proc_usage(proc, FIX_PID, &ticks, &rss), 0);
	cr_expect_eq(ticks, 1523 + 611);
	cr_expect_eq(rss, 4021 * page);
	close(proc);
	proc = opendir_fd(FIXTURES "/four-cpu-offline");
	cr_assert_eq(sys_proc_usage(proc, FIX_PID, &ticks, &rss), 0,
	    "comm \"(a) b)\"");
	cr_expect_eq(ticks, 88 + 12);
	cr_expect_eq(rss, 361 * page);
	close(proc);
}

Test(fixture, proc_gone)
{
	uint64_t	ticks = 7, rss = 8;
	int		proc;

	proc = opendir_fd(FIXTURES "/two-cpu");
	errno = 0;
	cr_assert_eq(sys_proc_usage(proc, 999999, &ticks, &rss), -1);
	cr_assert_eq(errno, ENOENT);
	errno = 0;
	cr_assert_eq(sys_proc_usage(proc, 0, &ticks, &rss), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(sys_proc_usage(proc, -1, &ticks, &rss), -1);
	cr_assert_eq(ticks, 7, "untouched on failure");
	cr_assert_eq(rss, 8);
	close(proc);
}

/* ---------------------------------------------- scratch trees in /tmp */

/* text into a new inode that replaces rel, as an atomic writer does. */
static void
replace(const char *rel, const char *text)
{
	char from[256], to[256];

	put("new", text);
	snprintf(from, sizeof(from), "%s/new", scratch);
	snprintf(to, sizeof(to), "%s/%s", scratch, rel);
	cr_assert_eq(rename(from, to), 0, "rename %s", to);
}

/* A copy of fixture tree name in a new scratch directory. */
static int
scratch_copy(const char *name)
{
	static const char *const rel[] = {
		"stat", "meminfo", "loadavg", "4242/stat", "4242/statm"
	};
	char	buf[4096], path[256];
	size_t	i;

	strcpy(scratch, "/tmp/berth-sys-XXXXXX");
	cr_assert_not_null(mkdtemp(scratch));
	snprintf(path, sizeof(path), "%s/4242", scratch);
	cr_assert_eq(mkdir(path, 0700), 0);
	for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", name, rel[i]);
		load(path, buf, sizeof(buf));
		put(rel[i], buf);
	}
	return opendir_fd(scratch);
}

/* two-cpu/stat 100 ticks later on each CPU: user +50, system +25,
 * idle +25, so 75% busy. */
static const char stat_later[] =
    "cpu  62916 12 11286 1289001 950 0 178 862 3120 0\n"
    "cpu0 26268 5 5697 650060 62 0 29 460 1500 0\n"
    "cpu1 36648 7 5589 638941 888 0 149 402 1620 0\n"
    "intr 1043810 0 9 0 0\n"
    "ctxt 2121045\n";

Test(scratch, rewritten_files_are_reread, .fini = scratch_rm)
{
	static struct sys_sample	 a, b;
	struct sys_reader		*r;
	int				 proc;

	proc = scratch_copy("two-cpu");
	cr_assert_not_null(r = sys_open(proc));
	close(proc);
	cr_assert_eq(sys_read(r, &a), 0);
	expect_two_cpu_mem(&a);
	/* Same inodes, new contents: pread from offset 0 sees them. */
	put("stat", stat_later);
	put("meminfo", "MemTotal: 8148204 kB\nMemFree: 100 kB\n"
	    "MemAvailable: 200 kB\n");
	put("loadavg", "3.50 1.25 0.75 4/1300 60000\n");
	cr_assert_eq(sys_read(r, &b), 0);
	cr_expect_eq(b.ncpu, 2);
	cr_expect_float_eq(sys_cpu_percent(&a.all, &b.all), 75.0, 1e-9);
	cr_expect_float_eq(sys_cpu_percent(&a.cpu[0], &b.cpu[0]), 75.0, 1e-9);
	cr_expect_float_eq(sys_cpu_percent(&a.cpu[1], &b.cpu[1]), 75.0, 1e-9);
	cr_expect(isnan(sys_cpu_percent(&a.cpu[2], &b.cpu[2])));
	cr_expect_eq(b.mem_free, 102400);
	cr_expect_eq(b.mem_buffers, 0, "a line gone is zero again");
	cr_expect_eq(sys_mem_used(&b), KB(8148204 - 200));
	cr_expect_float_eq(b.load1, 3.5, 1e-9);
	cr_expect_float_eq(b.load15, 0.75, 1e-9);
	sys_close(r);
}

Test(scratch, no_path_lookups, .fini = scratch_rm)
{
	static struct sys_sample	 s;
	struct sys_reader		*r;
	char				 path[256];
	int				 proc;

	proc = scratch_copy("two-cpu");
	cr_assert_not_null(r = sys_open(proc));
	close(proc);
	/* A new file under the old name is not seen, a removed one is
	 * still read: sys_read reads its descriptors only. */
	replace("meminfo", "MemTotal: 1 kB\nMemFree: 1 kB\n");
	snprintf(path, sizeof(path), "%s/stat", scratch);
	cr_assert_eq(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/loadavg", scratch);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(sys_read(r, &s), 0);
	expect_two_cpu_stat(&s);
	expect_two_cpu_mem(&s);
	cr_expect_float_eq(s.load5, 0.58, 1e-9);
	sys_close(r);
}

Test(scratch, garbage_is_an_error, .fini = scratch_rm)
{
	static struct sys_sample	 s;
	struct sys_reader		*r;
	int				 proc;

	proc = scratch_copy("four-cpu-offline");
	cr_assert_not_null(r = sys_open(proc));
	close(proc);
	put("meminfo", "MemTotal: lots\nMemFree: 1 kB\n");
	errno = 0;
	cr_assert_eq(sys_read(r, &s), -1);
	cr_assert_eq(errno, EINVAL);
	put("meminfo", "");
	cr_assert_eq(sys_read(r, &s), -1, "empty file");
	put("meminfo", "MemTotal: 4 kB\nMemFree: 1 kB\n");
	put("loadavg", "0.52 0.58\n");
	cr_assert_eq(sys_read(r, &s), -1, "truncated loadavg");
	put("loadavg", "0.52 0.58 0.59 1/2 3\n");
	cr_assert_eq(sys_read(r, &s), 0, "good again");
	cr_expect_eq(s.mem_available, 1024);
	expect_four_cpu_stat(&s);
	sys_close(r);
}

Test(scratch, failing_pread_is_minus_one, .fini = scratch_rm)
{
	static struct sys_sample	 s;
	struct sys_reader		*r;
	char				 path[256];
	int				 proc;

	strcpy(scratch, "/tmp/berth-sys-XXXXXX");
	cr_assert_not_null(mkdtemp(scratch));
	/* A directory opens read-only but pread fails (EISDIR). */
	snprintf(path, sizeof(path), "%s/stat", scratch);
	cr_assert_eq(mkdir(path, 0700), 0);
	put("meminfo", "MemTotal: 4 kB\nMemFree: 1 kB\n");
	put("loadavg", "0.52 0.58 0.59 1/2 3\n");
	proc = opendir_fd(scratch);
	cr_assert_not_null(r = sys_open(proc));
	close(proc);
	errno = 0;
	cr_assert_eq(sys_read(r, &s), -1);
	cr_assert_eq(errno, EISDIR);
	sys_close(r);
}

/* 400 CPUs with 19-digit counters and a 100 KiB intr line: the file
 * passes 64 KiB inside cpu3xx and is cut there, cpu0..cpu255 kept. */
Test(scratch, big_host_stat_is_cut, .fini = scratch_rm)
{
	static const char	 big[] = " 1000000000000000000";
	static struct sys_sample s;
	struct sys_reader	*r;
	char			*buf, *p;
	size_t			 len = 401 * 256 + 110000;
	int			 proc, i, f;

	proc = scratch_copy("two-cpu");
	cr_assert_not_null(p = buf = malloc(len));
	for (i = -1; i < 400; i++) {
		p += i < 0 ? sprintf(p, "cpu ") : sprintf(p, "cpu%d", i);
		for (f = 0; f < 10; f++)
			p += sprintf(p, "%s", f == 3 ? " 1" : big);
		*p++ = '\n';
	}
	cr_assert_gt((size_t)(p - buf), 65536);
	p += sprintf(p, "intr 0");
	for (i = 0; i < 50000; i++)
		p += sprintf(p, " 0");
	p += sprintf(p, "\nctxt 1\n");
	cr_assert_lt((size_t)(p - buf), len);
	put("stat", buf);
	free(buf);
	cr_assert_not_null(r = sys_open(proc));
	close(proc);
	cr_assert_eq(sys_read(r, &s), 0);
	cr_expect_eq(s.ncpu, SYS_MAX_CPUS);
	cr_expect_eq(s.cpu[255].busy, 6000000000000000000ULL);
	cr_expect_eq(s.cpu[255].total, 7000000000000000001ULL);
	sys_close(r);
}

/* ----------------------------------------------------- the real /proc */

/* Spin on the clock for ms of CPU time, some of it in the kernel. */
static void
burn_cpu(long ms)
{
	struct timespec start, now;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &start);
	do
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
	while ((now.tv_sec - start.tv_sec) * 1000 +
	    (now.tv_nsec - start.tv_nsec) / 1000000 < ms);
}

Test(live, proc)
{
	static struct sys_sample	 a, b;
	struct sys_reader		*r;
	long				 conf;
	unsigned			 i, seen = 0, max;
	double				 pct;
	int				 proc;

	proc = opendir_fd("/proc");
	cr_assert_not_null(r = sys_open(proc), "%s", strerror(errno));
	close(proc);
	cr_assert_eq(sys_read(r, &a), 0);
	cr_expect_geq(a.ncpu, 1);
	conf = sysconf(_SC_NPROCESSORS_CONF);
	max = conf > 0 && conf < SYS_MAX_CPUS ? (unsigned)conf : SYS_MAX_CPUS;
	cr_expect_leq(a.ncpu, max, "%u CPUs of %ld", a.ncpu, conf);
	for (i = 0; i < SYS_MAX_CPUS; i++)
		seen += !cpu_is_zero(&a.cpu[i]);
	cr_expect_eq(seen, a.ncpu, "one non-zero slot per cpuN line");
	cr_expect_gt(a.all.total, 0);
	cr_expect_leq(a.all.busy, a.all.total);
	cr_expect_gt(a.mem_total, 0);
	cr_expect_leq(a.mem_free, a.mem_total);
	cr_expect_leq(a.mem_available, a.mem_total);
	cr_expect_leq(a.swap_free, a.swap_total);
	cr_expect_geq(a.load1, 0.0);
	burn_cpu(50);
	cr_assert_eq(sys_read(r, &b), 0);
	pct = sys_cpu_percent(&a.all, &b.all);
	cr_expect(isnan(pct) || (pct >= 0.0 && pct <= 100.0), "%f", pct);
	cr_expect_geq(b.all.total, a.all.total);
	sys_close(r);
}

Test(live, proc_usage_self)
{
	uint64_t	ticks, rss;
	int		proc;

	proc = opendir_fd("/proc");
	burn_cpu(100);
	cr_assert_eq(sys_proc_usage(proc, getpid(), &ticks, &rss), 0);
	cr_expect_gt(rss, 0);
	cr_expect_eq(rss % (uint64_t)sysconf(_SC_PAGESIZE), 0);
	cr_expect_gt(ticks, 0, "100 ms of CPU are some ticks");
	close(proc);
}
