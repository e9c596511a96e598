/*
 * Unit tests for the parsers of the host resource reader
 * (common/sysstat.c): each parser on recorded kernel formats
 * (tests/fixtures/sysstat: a 2-CPU host on Linux 6.1 and a 4-CPU host
 * with cpu2 offline and a meminfo from before MemAvailable) and on
 * empty, truncated, garbage and overflowing input; the CPU percent and
 * used memory arithmetic.  The reader itself is in
 * test_sysstat_reader.c.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysstat.h"
#include "sysstat_fixture.h"

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
