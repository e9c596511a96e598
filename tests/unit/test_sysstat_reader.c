/*
 * Unit tests for the host resource reader (common/sysstat.c):
 * sys_open, sys_read and sys_proc_usage on the fixture trees
 * (tests/fixtures/sysstat) and on scratch copies rewritten, replaced
 * and broken between reads; and one pass over the real /proc.  The
 * parsers on fixture text are in test_sysstat.c.
 */
#include <sys/stat.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sysstat.h"
#include "sysstat_fixture.h"
#include "unit_util.h"

#define FIX_PID		4242

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
