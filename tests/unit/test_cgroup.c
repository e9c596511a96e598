/*
 * Unit tests for the container resource reader (common/cgroup.c): each
 * parser on real kernel formats and on empty, garbage and overflowing
 * input; cg_detect, cg_open and cg_read on the recorded fixture trees
 * under tests/fixtures (cgroup v1 and v2, Docker's cgroupfs and systemd
 * layouts, /proc/<pid>/net/dev and /proc/stat); the refusal of bad ids;
 * and the CPU percent and working set arithmetic.  The slow files of a
 * sampling cycle are test_cgroup_cycle.c's.
 */
#include <sys/stat.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"

#include "cgroup_fixture.h"

/* Open and read one sample of container id under fixture tree name. */
static void
sample_fixture(const char *name, enum cg_version v, const char *id,
    pid_t pid, struct cg_sample *s)
{
	struct cg_reader	*r;
	char			 path[512];
	int			 root, proc;

	snprintf(path, sizeof(path), "%s/cgroup/%s", FIXTURES, name);
	root = opendir_fd(path);
	proc = opendir_fd(FIXTURES "/proc");
	cr_assert_eq(cg_detect(root), v, "%s: detected %d", name,
	    cg_detect(root));
	r = cg_open(root, v, proc, id, pid);
	cr_assert_not_null(r, "cg_open %s: %s", name, strerror(errno));
	cr_assert_eq(cg_read(r, proc, s), 0);
	cr_assert_gt(s->ts_ms, 0);
	cg_close(r);
	close(root);
	close(proc);
}

/* ------------------------------------------------------- cg_parse_kv */

static const char v2_memstat[] =
    "anon 50331648\n"
    "file_mapped 25165824\n"	/* before "file" on purpose */
    "file 100663296\n"
    "kernel_stack 163840\n"
    "inactive_anon 50270208\n"
    "active_anon 61440\n"
    "inactive_file 67108864\n"
    "active_file 33554432\n"
    "slab 3346432\n"
    "thp_collapse_alloc 0\n";

Test(parse_kv, v2_memory_stat)
{
	uint64_t v;

	cr_assert_eq(cg_parse_kv(v2_memstat, "anon", &v), 0);
	cr_assert_eq(v, 50331648);
	cr_assert_eq(cg_parse_kv(v2_memstat, "file", &v), 0);
	cr_assert_eq(v, 100663296);
	cr_assert_eq(cg_parse_kv(v2_memstat, "inactive_file", &v), 0);
	cr_assert_eq(v, 67108864);
	cr_assert_eq(cg_parse_kv(v2_memstat, "thp_collapse_alloc", &v), 0);
	cr_assert_eq(v, 0);
}

Test(parse_kv, whole_key_at_line_start)
{
	static const char buf[] =
	    "total_inactive_file 4096\n"
	    "cache_extra 7\n"
	    "cache 8192\n";
	uint64_t v;

	cr_assert_eq(cg_parse_kv(buf, "inactive_file", &v), -1);
	cr_assert_eq(cg_parse_kv(buf, "total_inactive_file", &v), 0);
	cr_assert_eq(v, 4096);
	cr_assert_eq(cg_parse_kv(buf, "cache", &v), 0);
	cr_assert_eq(v, 8192);
	cr_assert_eq(cg_parse_kv(buf, "cach", &v), -1);
	cr_assert_eq(cg_parse_kv(buf, "", &v), -1);
}

Test(parse_kv, v2_cpu_stat)
{
	static const char buf[] =
	    "usage_usec 48213377\n"
	    "user_usec 40117902\n"
	    "system_usec 8095475\n"
	    "core_sched.force_idle_usec 0\n"
	    "nr_periods 4821\n"
	    "nr_throttled 312\n"
	    "throttled_usec 9312004\n"
	    "nr_bursts 0\n"
	    "burst_usec 0\n";
	uint64_t v;

	cr_assert_eq(cg_parse_kv(buf, "usage_usec", &v), 0);
	cr_assert_eq(v, 48213377);
	cr_assert_eq(cg_parse_kv(buf, "burst_usec", &v), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(cg_parse_kv(buf, "nr_throttled", &v), 0);
	cr_assert_eq(v, 312);
}

Test(parse_kv, last_line_without_newline)
{
	uint64_t v;

	cr_assert_eq(cg_parse_kv("a 1\nb 2", "b", &v), 0);
	cr_assert_eq(v, 2);
}

Test(parse_kv, empty_and_missing)
{
	uint64_t v = 77;

	cr_assert_eq(cg_parse_kv("", "file", &v), -1);
	cr_assert_eq(cg_parse_kv("\n\n", "file", &v), -1);
	cr_assert_eq(cg_parse_kv(v2_memstat, "pgfault", &v), -1);
	cr_assert_eq(v, 77, "untouched on failure");
}

Test(parse_kv, garbage_values)
{
	uint64_t v;

	cr_assert_eq(cg_parse_kv("file abc\n", "file", &v), -1);
	cr_assert_eq(cg_parse_kv("file -1\n", "file", &v), -1);
	cr_assert_eq(cg_parse_kv("file 12x\n", "file", &v), -1);
	cr_assert_eq(cg_parse_kv("file \n", "file", &v), -1);
	cr_assert_eq(cg_parse_kv("file 1.5\n", "file", &v), -1);
	cr_assert_eq(cg_parse_kv("file\t1\n", "file", &v), -1);
	cr_assert_eq(cg_parse_kv("\x01\xff garbage \x7f\n", "file", &v), -1);
}

Test(parse_kv, huge_values)
{
	uint64_t v;

	cr_assert_eq(cg_parse_kv("x 18446744073709551615\n", "x", &v), 0);
	cr_assert_eq(v, UINT64_MAX);
	cr_assert_eq(cg_parse_kv("x 9223372036854771712\n", "x", &v), 0);
	cr_assert_eq(v, 9223372036854771712ULL);
	cr_assert_eq(cg_parse_kv("x 18446744073709551616\n", "x", &v), -1);
	cr_assert_eq(cg_parse_kv("x 99999999999999999999999\n", "x", &v),
	    -1);
	cr_assert_eq(cg_parse_kv("x 000000000000000000000042\n", "x", &v),
	    0);
	cr_assert_eq(v, 42);
}

/* -------------------------------------------------- cg_parse_net_dev */

static const char net_dev[] =
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
    "    lo:  885260    9215    0    0    0     0          0         0   885260    9215    0    0    0     0       0          0\n"
    "  eth0:1234567890  926153    0    0    0     0          0         0 98765432  612944    0    0    0     0       0          0\n"
    "  eth1:    4096      32    0    0    0     0          0         2     1024      12    0    0    0     0       0          0\n";

Test(parse_net_dev, sums_all_but_lo)
{
	uint64_t rx, tx;

	cr_assert_eq(cg_parse_net_dev(net_dev, &rx, &tx), 0);
	cr_assert_eq(rx, FIX_RX);
	cr_assert_eq(tx, FIX_TX);
}

Test(parse_net_dev, recorded_container)
{
	static const char buf[] =
	    "Inter-|   Receive                                                |  Transmit\n"
	    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
	    "    lo:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0\n"
	    "  eth0:     646       7    0    0    0     0          0         0        0       0    0    0    0     0       0          0\n";
	uint64_t rx, tx;

	cr_assert_eq(cg_parse_net_dev(buf, &rx, &tx), 0);
	cr_assert_eq(rx, 646);
	cr_assert_eq(tx, 0);
}

Test(parse_net_dev, lo_only_headers_only_empty)
{
	static const char lo[] =
	    "Inter-|   Receive                                                |  Transmit\n"
	    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
	    "    lo:     500       5    0    0    0     0          0         0      500       5    0    0    0     0       0          0\n";
	uint64_t rx = 1, tx = 1;

	cr_assert_eq(cg_parse_net_dev(lo, &rx, &tx), 0);
	cr_assert_eq(rx, 0);
	cr_assert_eq(tx, 0);
	rx = tx = 1;
	cr_assert_eq(cg_parse_net_dev("Inter-|   Receive\n face |bytes\n", &rx,
	    &tx), 0);
	cr_assert_eq(rx + tx, 0);
	rx = tx = 1;
	cr_assert_eq(cg_parse_net_dev("", &rx, &tx), 0);
	cr_assert_eq(rx + tx, 0);
}

Test(parse_net_dev, lo_prefix_is_not_lo)
{
	static const char buf[] =
	    "  lo0:  1 0 0 0 0 0 0 0  2 0 0 0 0 0 0 0\n"
	    "lobr:  10 0 0 0 0 0 0 0 20 0 0 0 0 0 0 0\n"
	    "veth0a1b2c3:18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
	uint64_t rx, tx;

	cr_assert_eq(cg_parse_net_dev(buf, &rx, &tx), 0);
	/* Wraps like the kernel counters it adds up. */
	cr_assert_eq(rx, 1 + 10 + UINT64_MAX);
	cr_assert_eq(tx, 22);
}

Test(parse_net_dev, garbage)
{
	uint64_t rx = 5, tx = 5;

	cr_assert_eq(cg_parse_net_dev("  eth0: abc 1 2 3 4 5 6 7 8\n", &rx,
	    &tx), -1);
	cr_assert_eq(cg_parse_net_dev("  eth0: 1 2 3\n", &rx, &tx), -1);
	cr_assert_eq(cg_parse_net_dev("     : 1 2 3 4 5 6 7 8 9\n", &rx, &tx),
	    -1);
	cr_assert_eq(cg_parse_net_dev("eth0: 1 2 3 4 5 6 7 8 "
	    "99999999999999999999\n", &rx, &tx), -1);
	cr_assert_eq(rx, 5, "untouched on failure");
	cr_assert_eq(tx, 5);
}

/* ------------------------------------------------- cg_parse_v1_blkio */

Test(parse_v1_blkio, two_devices)
{
	static const char buf[] =
	    "254:0 Read 1081344\n"
	    "254:0 Write 8392704\n"
	    "254:0 Sync 8392704\n"
	    "254:0 Async 1081344\n"
	    "254:0 Discard 0\n"
	    "254:0 Total 9474048\n"
	    "253:0 Read 4096\n"
	    "253:0 Write 12288\n"
	    "253:0 Sync 0\n"
	    "253:0 Async 16384\n"
	    "253:0 Discard 0\n"
	    "253:0 Total 16384\n"
	    "Total 9490432\n";
	uint64_t rd, wr;

	cr_assert_eq(cg_parse_v1_blkio(buf, &rd, &wr), 0);
	cr_assert_eq(rd, 1081344 + 4096);
	cr_assert_eq(wr, 8392704 + 12288);
}

Test(parse_v1_blkio, empty_and_total_zero)
{
	uint64_t rd = 1, wr = 1;

	cr_assert_eq(cg_parse_v1_blkio("", &rd, &wr), 0);
	cr_assert_eq(rd + wr, 0);
	rd = wr = 1;
	cr_assert_eq(cg_parse_v1_blkio("Total 0\n", &rd, &wr), 0);
	cr_assert_eq(rd + wr, 0);
	rd = wr = 1;
	cr_assert_eq(cg_parse_v1_blkio("Total 0", &rd, &wr), 0);
	cr_assert_eq(rd + wr, 0);
}

Test(parse_v1_blkio, huge)
{
	uint64_t rd, wr;

	cr_assert_eq(cg_parse_v1_blkio("8:16 Read 18446744073709551615\n"
	    "8:16 Write 9223372036854775808\nTotal 0\n", &rd, &wr), 0);
	cr_assert_eq(rd, UINT64_MAX);
	cr_assert_eq(wr, 9223372036854775808ULL);
	cr_assert_eq(cg_parse_v1_blkio("8:16 Read 18446744073709551616\n",
	    &rd, &wr), -1);
}

Test(parse_v1_blkio, garbage)
{
	uint64_t rd = 3, wr = 3;

	cr_assert_eq(cg_parse_v1_blkio("hello\n", &rd, &wr), -1);
	cr_assert_eq(cg_parse_v1_blkio("8:0 Read x\n", &rd, &wr), -1);
	cr_assert_eq(cg_parse_v1_blkio("8:0 Read\n", &rd, &wr), -1);
	cr_assert_eq(cg_parse_v1_blkio("8 Read 1\n", &rd, &wr), -1);
	cr_assert_eq(cg_parse_v1_blkio("8:0  Read 1\n", &rd, &wr), -1);
	cr_assert_eq(cg_parse_v1_blkio("Total x\n", &rd, &wr), -1);
	cr_assert_eq(cg_parse_v1_blkio("8:0 rbytes=1 wbytes=2\n", &rd, &wr),
	    -1);
	cr_assert_eq(rd, 3, "untouched on failure");
	cr_assert_eq(wr, 3);
}

/* ---------------------------------------------------- cg_parse_v2_io */

Test(parse_v2_io, two_devices)
{
	static const char buf[] =
	    "259:0 rbytes=5242880 wbytes=1048576 rios=320 wios=64 dbytes=0 dios=0\n"
	    "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0\n";
	uint64_t rd, wr;

	cr_assert_eq(cg_parse_v2_io(buf, &rd, &wr), 0);
	cr_assert_eq(rd, 5242881);
	cr_assert_eq(wr, 1048578);
}

Test(parse_v2_io, iocost_fields_are_skipped)
{
	static const char buf[] =
	    "8:0 rbytes=90112 wbytes=0 rios=22 wios=0 dbytes=0 dios=0 "
	    "cost.vrate=100.00 cost.usage=1234 cost.wait=0 cost.indebt=0 "
	    "cost.indelay=0\n";
	uint64_t rd, wr;

	cr_assert_eq(cg_parse_v2_io(buf, &rd, &wr), 0);
	cr_assert_eq(rd, 90112);
	cr_assert_eq(wr, 0);
}

Test(parse_v2_io, empty)
{
	uint64_t rd = 1, wr = 1;

	cr_assert_eq(cg_parse_v2_io("", &rd, &wr), 0);
	cr_assert_eq(rd + wr, 0);
	rd = wr = 1;
	cr_assert_eq(cg_parse_v2_io("\n", &rd, &wr), 0);
	cr_assert_eq(rd + wr, 0);
}

Test(parse_v2_io, huge)
{
	uint64_t rd, wr;

	cr_assert_eq(cg_parse_v2_io("8:0 rbytes=18446744073709551615 "
	    "wbytes=0\n", &rd, &wr), 0);
	cr_assert_eq(rd, UINT64_MAX);
	cr_assert_eq(cg_parse_v2_io("8:0 rbytes=18446744073709551616 "
	    "wbytes=0\n", &rd, &wr), -1);
}

Test(parse_v2_io, garbage)
{
	uint64_t rd = 3, wr = 3;

	cr_assert_eq(cg_parse_v2_io("garbage\n", &rd, &wr), -1);
	cr_assert_eq(cg_parse_v2_io("8:0 rbytes\n", &rd, &wr), -1);
	cr_assert_eq(cg_parse_v2_io("8:0 rbytes=abc\n", &rd, &wr), -1);
	cr_assert_eq(cg_parse_v2_io("8:0 rbytes=12x wbytes=1\n", &rd, &wr),
	    -1);
	cr_assert_eq(cg_parse_v2_io("8:0 =5\n", &rd, &wr), -1);
	cr_assert_eq(cg_parse_v2_io("8:0 Read 1\n", &rd, &wr), -1);
	cr_assert_eq(cg_parse_v2_io("8:0rbytes=1\n", &rd, &wr), -1);
	cr_assert_eq(rd, 3, "untouched on failure");
	cr_assert_eq(wr, 3);
}

/* ------------------------------------------------ cg_parse_proc_stat */

static const char proc_stat[] =
    "cpu  1204833 1520 351244 38120044 20931 0 8812 4410 0 0\n"
    "cpu0 301877 402 88213 9528310 5301 0 4511 1102 0 0\n"
    "cpu1 300144 371 87902 9531266 5209 0 1460 1096 0 0\n"
    "cpu2 302561 389 87611 9529957 5188 0 1422 1107 0 0\n"
    "cpu3 300251 358 87518 9530511 5233 0 1419 1105 0 0\n"
    "intr 212334817 0 9 0 0 0 0 0 0 0 0 0 0 156\n"
    "ctxt 389117425\n"
    "btime 1732368041\n"
    "processes 1381147\n"
    "procs_running 2\n"
    "procs_blocked 0\n"
    "softirq 95173830 12 30221371 51 3021044 512002 0 1112 38310111 4 23096123\n";

Test(parse_proc_stat, four_cpus)
{
	uint64_t	ns;
	unsigned	n;

	cr_assert_eq(cg_parse_proc_stat(proc_stat, &ns, &n), 0);
	cr_assert_eq(n, FIX_NCPU);
	/* user..softirq, steal left out, like the engine. */
	cr_assert_eq(ns, FIX_TICKS * tick());
}

Test(parse_proc_stat, recorded_two_cpus)
{
	static const char buf[] =
	    "cpu  62816 0 11236 1288951 950 0 178 862 0 0\n"
	    "cpu0 26218 0 5672 650035 62 0 29 460 0 0\n"
	    "cpu1 36598 0 5563 638915 887 0 148 402 0 0\n"
	    "intr 999020 0 0 0\n"
	    "ctxt 2121000\n";
	uint64_t	ns;
	unsigned	n;

	cr_assert_eq(cg_parse_proc_stat(buf, &ns, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert_eq(ns, (62816ULL + 0 + 11236 + 1288951 + 950 + 0 + 178) *
	    tick());
}

Test(parse_proc_stat, old_kernel_seven_fields)
{
	uint64_t	ns;
	unsigned	n;

	cr_assert_eq(cg_parse_proc_stat("cpu  1 2 3 4 5 6 7\ncpu0 1 2 3 4 5 6 7"
	    "\n", &ns, &n), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(ns, 28 * tick());
}

Test(parse_proc_stat, garbage)
{
	uint64_t	ns = 9;
	unsigned	n = 9;

	cr_assert_eq(cg_parse_proc_stat("", &ns, &n), -1);
	cr_assert_eq(cg_parse_proc_stat("garbage\n", &ns, &n), -1);
	cr_assert_eq(cg_parse_proc_stat("cpu0 1 2 3 4 5 6 7\n", &ns, &n), -1);
	cr_assert_eq(cg_parse_proc_stat("cpu  1 2 3\ncpu0 1 2 3\n", &ns, &n),
	    -1);
	cr_assert_eq(cg_parse_proc_stat("cpu  1 2 3 4 5 6 x\ncpu0 1\n", &ns,
	    &n), -1);
	/* No cpuN line: no CPU count. */
	cr_assert_eq(cg_parse_proc_stat("cpu  1 2 3 4 5 6 7 8\nintr 1\n", &ns,
	    &n), -1);
	cr_assert_eq(cg_parse_proc_stat("cpu  1 2 3 4 5 6 7 8", &ns, &n), -1);
	cr_assert_eq(ns, 9, "untouched on failure");
	cr_assert_eq(n, 9);
}

/* ------------------------------------------------------- cg_detect */

Test(detect, fixtures)
{
	static const struct {
		const char	*dir;
		enum cg_version	 v;
	} t[] = {
		{ FIXTURES "/cgroup/v1", CG_V1 },
		{ FIXTURES "/cgroup/v1-systemd", CG_V1 },	/* symlink */
		{ FIXTURES "/cgroup/v2", CG_V2 },
		{ FIXTURES "/cgroup/v2-systemd", CG_V2 },
		{ FIXTURES "/proc", CG_NONE },
		{ FIXTURES "/cgroup/v1/memory", CG_NONE },
	};
	size_t	i;
	int	fd;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		fd = opendir_fd(t[i].dir);
		cr_expect_eq(cg_detect(fd), t[i].v, "%s", t[i].dir);
		close(fd);
	}
	cr_expect_eq(cg_detect(-1), CG_NONE);
}

/* ------------------------------------------------- cg_open, cg_read */

Test(fixture, v1_cgroupfs)
{
	struct cg_sample s;

	sample_fixture("v1", CG_V1, ID_V1, FIX_PID, &s);
	cr_expect_eq(s.cpu_usage_ns, 72962610144ULL);
	cr_expect_eq(s.mem_usage, 14077952);
	cr_expect_eq(s.mem_limit, 256 << 20);
	cr_expect_eq(s.mem_cache, 13209600);
	cr_expect_eq(s.mem_inactive_file, 6512640);
	cr_expect_eq(s.blk_read, 1081344 + 4096);
	cr_expect_eq(s.blk_write, 8392704 + 12288);
	cr_expect_eq(s.pids, 1);
	cr_expect_eq(s.net_rx, FIX_RX);
	cr_expect_eq(s.net_tx, FIX_TX);
	cr_expect_eq(s.system_usage_ns, FIX_TICKS * tick());
	cr_expect_eq(s.online_cpus, FIX_NCPU);
	cr_expect_eq(cg_working_set(&s), 14077952 - 6512640);
}

Test(fixture, v1_systemd_unlimited_no_io_no_net)
{
	struct cg_sample s;

	sample_fixture("v1-systemd", CG_V1, ID_V1S, 0, &s);
	cr_expect_eq(s.cpu_usage_ns, 734982115629ULL);
	cr_expect_eq(s.mem_usage, 1073741824);
	cr_expect_eq(s.mem_limit, 0, "9223372036854771712 is unlimited");
	cr_expect_eq(s.mem_cache, 805306368);
	cr_expect_eq(s.mem_inactive_file, 536870912);
	cr_expect_eq(s.blk_read, 0);
	cr_expect_eq(s.blk_write, 0);
	cr_expect_eq(s.pids, 37);
	cr_expect_eq(s.net_rx, 0, "pid 0: no network counters");
	cr_expect_eq(s.net_tx, 0);
	cr_expect_eq(s.system_usage_ns, FIX_TICKS * tick());
	cr_expect_eq(s.online_cpus, FIX_NCPU);
	cr_expect_eq(cg_working_set(&s), 536870912);
}

Test(fixture, v2_cgroupfs)
{
	struct cg_sample s;

	sample_fixture("v2", CG_V2, ID_V2, FIX_PID, &s);
	cr_expect_eq(s.cpu_usage_ns, 48213377000ULL);
	cr_expect_eq(s.mem_usage, 157286400);
	cr_expect_eq(s.mem_limit, 268435456);
	cr_expect_eq(s.mem_cache, 100663296);
	cr_expect_eq(s.mem_inactive_file, 67108864);
	cr_expect_eq(s.blk_read, 5242881);
	cr_expect_eq(s.blk_write, 1048578);
	cr_expect_eq(s.pids, 12);
	cr_expect_eq(s.net_rx, FIX_RX);
	cr_expect_eq(s.net_tx, FIX_TX);
	cr_expect_eq(s.system_usage_ns, FIX_TICKS * tick());
	cr_expect_eq(s.online_cpus, FIX_NCPU);
	cr_expect_eq(cg_working_set(&s), 157286400 - 67108864);
}

Test(fixture, v2_systemd_max)
{
	struct cg_sample s;

	sample_fixture("v2-systemd", CG_V2, ID_V2S, FIX_PID, &s);
	cr_expect_eq(s.cpu_usage_ns, 2500000000ULL);
	cr_expect_eq(s.mem_usage, 8388608);
	cr_expect_eq(s.mem_limit, 0, "\"max\" is unlimited");
	cr_expect_eq(s.mem_cache, 3203072);
	cr_expect_eq(s.mem_inactive_file, 2166784);
	cr_expect_eq(s.blk_read, 0, "empty io.stat");
	cr_expect_eq(s.blk_write, 0);
	cr_expect_eq(s.pids, 3);
	cr_expect_eq(s.net_rx, FIX_RX);
	cr_expect_eq(s.net_tx, FIX_TX);
	cr_expect_eq(cg_working_set(&s), 8388608 - 2166784);
}

Test(fixture, read_twice_same_sample)
{
	struct cg_reader	*r;
	struct cg_sample	 a, b;
	int			 root, proc;

	root = opendir_fd(FIXTURES "/cgroup/v2");
	proc = opendir_fd(FIXTURES "/proc");
	r = cg_open(root, CG_V2, proc, ID_V2, FIX_PID);
	cr_assert_not_null(r);
	/* The descriptors are all cg_read needs. */
	close(root);
	close(proc);
	cr_assert_eq(cg_read(r, -1, &a), 0);
	cr_assert_eq(cg_read(r, -1, &b), 0);
	cr_assert_geq(b.ts_ms, a.ts_ms);
	a.ts_ms = b.ts_ms;
	cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0);
	cr_assert_eq(b.pids, 12);
	cg_close(r);
}

/* A cycle reads /proc/stat once (cg_read_host) and each container
 * without it (cg_read_shared): the same sample as cg_read. */
Test(fixture, shared_host_read_equals_full_read)
{
	struct cg_reader	*r;
	struct cg_sample	 full, host, shared, other;
	int			 root, proc;

	root = opendir_fd(FIXTURES "/cgroup/v2");
	proc = opendir_fd(FIXTURES "/proc");
	r = cg_open(root, CG_V2, proc, ID_V2, FIX_PID);
	cr_assert_not_null(r);
	cr_assert_eq(cg_read(r, -1, &full), 0);
	cr_assert_eq(cg_read_host(r, &host), 0);
	cr_assert_gt(host.system_usage_ns, 0);
	cr_assert_gt(host.online_cpus, 0);
	cr_assert_eq(cg_read_shared(r, &host, &shared), 0);
	shared.ts_ms = full.ts_ms;
	cr_assert_eq(memcmp(&full, &shared, sizeof(full)), 0);
	/* The host values come from the caller, not the file. */
	host.system_usage_ns = 42;
	host.online_cpus = 7;
	cr_assert_eq(cg_read_shared(r, &host, &other), 0);
	cr_assert_eq(other.system_usage_ns, 42);
	cr_assert_eq(other.online_cpus, 7);
	cr_assert_eq(other.mem_usage, full.mem_usage);
	cg_close(r);
	close(root);
	close(proc);
}

Test(fixture, wrong_version_or_missing_container)
{
	int root, proc;

	root = opendir_fd(FIXTURES "/cgroup/v1");
	proc = opendir_fd(FIXTURES "/proc");
	errno = 0;
	cr_assert_null(cg_open(root, CG_V2, proc, ID_V1, FIX_PID));
	cr_assert_eq(errno, ENOENT);
	errno = 0;
	cr_assert_null(cg_open(root, CG_V1, proc, ID_V2, FIX_PID));
	cr_assert_eq(errno, ENOENT);
	errno = 0;
	cr_assert_null(cg_open(root, CG_NONE, proc, ID_V1, FIX_PID));
	cr_assert_eq(errno, EINVAL);
	/* The cgroup is there, the process is gone. */
	errno = 0;
	cr_assert_null(cg_open(root, CG_V1, proc, ID_V1, 999999));
	cr_assert_eq(errno, ENOENT);
	close(root);
	close(proc);
}

Test(fixture, bad_ids_refused)
{
	static const char *const bad[] = {
		"",
		"0acb207213fa",
		/* 63 and 65 characters */
		"0acb207213faeeb0c97832fe5adb4828de1c1a35c3abdebbcbde3a42403bc5c",
		"0acb207213faeeb0c97832fe5adb4828de1c1a35c3abdebbcbde3a42403bc5ca0",
		/* upper case */
		"0ACB207213FAEEB0C97832FE5ADB4828DE1C1A35C3ABDEBBCBDE3A42403BC5CA",
		/* 64 characters that climb out of the tree */
		"../../v1/cpuacct/docker/0acb207213faeeb0c97832fe5adb4828de1c1a3",
		"0acb207213faeeb0c97832fe5adb4828de1c1a35c3abdebbcbde3a42/../../.",
		"0acb207213faeeb0c97832fe5adb4828de1c1a35c3abdebbcbde3a42403bc5c\n",
		"0acb207213faeeb0c97832fe5adb4828de1c1a35c3abdebbcbde3a42403bc5g",
	};
	size_t	i;
	int	root, proc;

	root = opendir_fd(FIXTURES "/cgroup/v1");
	proc = opendir_fd(FIXTURES "/proc");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		cr_expect_null(cg_open(root, CG_V1, proc, bad[i], FIX_PID),
		    "accepted \"%s\"", bad[i]);
		cr_expect_eq(errno, EINVAL, "\"%s\"", bad[i]);
	}
	errno = 0;
	cr_expect_null(cg_open(root, CG_V1, proc, NULL, FIX_PID));
	cr_expect_eq(errno, EINVAL);
	cr_expect_null(cg_open(root, CG_V1, proc, ID_V1, -1));
	cr_expect_eq(errno, EINVAL);
	close(root);
	close(proc);
}

/* ------------------------------------------ scratch v2 trees in /tmp */

/* A v2 tree with the required files of container ID_V2 only. */
static int
scratch_v2(void)
{
	char path[256];

	strcpy(scratch, "/tmp/berth-cg-XXXXXX");
	cr_assert_not_null(mkdtemp(scratch));
	snprintf(path, sizeof(path), "%s/docker", scratch);
	cr_assert_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/docker/%s", scratch, ID_V2);
	cr_assert_eq(mkdir(path, 0700), 0);
	put("cgroup.controllers", "cpu memory\n");
	put("docker/" ID_V2 "/cpu.stat", "usage_usec 10\nuser_usec 10\n");
	put("docker/" ID_V2 "/memory.current", "4096\n");
	put("docker/" ID_V2 "/memory.max", "max\n");
	put("docker/" ID_V2 "/memory.stat", "anon 0\nfile 0\n"
	    "inactive_file 0\n");
	return opendir_fd(scratch);
}

Test(scratch, optional_controllers_absent, .fini = scratch_rm)
{
	struct cg_reader	*r;
	struct cg_sample	 s;
	int			 root, proc;

	root = scratch_v2();
	proc = opendir_fd(FIXTURES "/proc");
	cr_assert_eq(cg_detect(root), CG_V2);
	r = cg_open(root, CG_V2, proc, ID_V2, 0);
	cr_assert_not_null(r, "no io.stat, no pids.current: %s",
	    strerror(errno));
	cr_assert_eq(cg_read(r, proc, &s), 0);
	cr_expect_eq(s.cpu_usage_ns, 10000);
	cr_expect_eq(s.mem_usage, 4096);
	cr_expect_eq(s.pids, 0);
	cr_expect_eq(s.blk_read + s.blk_write, 0);
	cg_close(r);
	close(root);
	close(proc);
}

Test(scratch, rewritten_file_is_reread, .fini = scratch_rm)
{
	struct cg_reader	*r;
	struct cg_sample	 s;
	int			 root, proc;

	root = scratch_v2();
	proc = opendir_fd(FIXTURES "/proc");
	r = cg_open(root, CG_V2, proc, ID_V2, 0);
	cr_assert_not_null(r);
	cr_assert_eq(cg_read(r, proc, &s), 0);
	cr_assert_eq(s.mem_usage, 4096);
	/* Same inode, new content: pread from offset 0 sees it. */
	put("docker/" ID_V2 "/memory.current", "1073741824\n");
	put("docker/" ID_V2 "/memory.max", "536870912\n");
	put("docker/" ID_V2 "/cpu.stat", "usage_usec 2000000\n");
	cr_assert_eq(cg_read(r, proc, &s), 0);
	cr_expect_eq(s.mem_usage, 1073741824);
	cr_expect_eq(s.mem_limit, 536870912);
	cr_expect_eq(s.cpu_usage_ns, 2000000000ULL);
	cg_close(r);
	close(root);
	close(proc);
}

Test(scratch, garbage_file_reads_as_zero, .fini = scratch_rm)
{
	struct cg_reader	*r;
	struct cg_sample	 s;
	int			 root, proc;

	root = scratch_v2();
	proc = opendir_fd(FIXTURES "/proc");
	put("docker/" ID_V2 "/memory.current", "not a number\n");
	put("docker/" ID_V2 "/io.stat", "8:0 rbytes=zzz\n");
	r = cg_open(root, CG_V2, proc, ID_V2, 0);
	cr_assert_not_null(r);
	cr_assert_eq(cg_read(r, proc, &s), 0, "garbage is not a vanished "
	    "container");
	cr_expect_eq(s.mem_usage, 0);
	cr_expect_eq(s.blk_read, 0);
	cr_expect_eq(s.cpu_usage_ns, 10000);
	cg_close(r);
	close(root);
	close(proc);
}

Test(scratch, failing_pread_is_minus_one, .fini = scratch_rm)
{
	struct cg_reader	*r;
	struct cg_sample	 s;
	char			 path[256];
	int			 root, proc;

	root = scratch_v2();
	proc = opendir_fd(FIXTURES "/proc");
	/* A directory opens read-only but pread fails (EISDIR), as pread
	 * on the file of a removed cgroup fails (ENODEV). */
	snprintf(path, sizeof(path), "%s/docker/%s/pids.current", scratch,
	    ID_V2);
	cr_assert_eq(mkdir(path, 0700), 0);
	r = cg_open(root, CG_V2, proc, ID_V2, 0);
	cr_assert_not_null(r);
	cr_assert_eq(cg_read(r, proc, &s), -1);
	cg_close(r);
	close(root);
	close(proc);
}

Test(scratch, required_file_missing, .fini = scratch_rm)
{
	char	path[256];
	int	root, proc;

	root = scratch_v2();
	proc = opendir_fd(FIXTURES "/proc");
	snprintf(path, sizeof(path), "%s/docker/%s/memory.stat", scratch,
	    ID_V2);
	cr_assert_eq(unlink(path), 0);
	errno = 0;
	cr_assert_null(cg_open(root, CG_V2, proc, ID_V2, 0));
	cr_assert_eq(errno, ENOENT);
	close(root);
	close(proc);
}

/* ------------------------------------------------------ arithmetic */

Test(arith, cpu_percent_one_busy_core_of_two)
{
	struct cg_sample a = { 0 }, b = { 0 };

	a.cpu_usage_ns = 5000000000ULL;
	a.system_usage_ns = 100000000000ULL;
	b.cpu_usage_ns = a.cpu_usage_ns + 1000000000ULL;	/* 1 s */
	b.system_usage_ns = a.system_usage_ns + 2000000000ULL;	/* 2 CPUs */
	b.online_cpus = 2;
	cr_assert_float_eq(cg_cpu_percent(&a, &b), 100.0, 1e-9);
	b.cpu_usage_ns = a.cpu_usage_ns + 250000000ULL;
	cr_assert_float_eq(cg_cpu_percent(&a, &b), 25.0, 1e-9);
	b.online_cpus = 8;
	b.cpu_usage_ns = a.cpu_usage_ns + 2000000000ULL;
	cr_assert_float_eq(cg_cpu_percent(&a, &b), 800.0, 1e-9);
}

Test(arith, cpu_percent_no_progress_or_reset)
{
	struct cg_sample a = { 0 }, b = { 0 };

	a.cpu_usage_ns = b.cpu_usage_ns = 7;
	a.system_usage_ns = 10;
	b.system_usage_ns = 20;
	b.online_cpus = 4;
	cr_assert_float_eq(cg_cpu_percent(&a, &b), 0.0, 1e-12);
	b.cpu_usage_ns = 3;	/* restarted cgroup */
	cr_assert_float_eq(cg_cpu_percent(&a, &b), 0.0, 1e-12);
	b.cpu_usage_ns = 9;
	b.system_usage_ns = 10;	/* no host time passed */
	cr_assert_float_eq(cg_cpu_percent(&a, &b), 0.0, 1e-12);
	cr_assert_float_eq(cg_cpu_percent(&b, &b), 0.0, 1e-12);
}

Test(arith, working_set)
{
	struct cg_sample s = { 0 };

	s.mem_usage = 157286400;
	s.mem_inactive_file = 67108864;
	cr_assert_eq(cg_working_set(&s), 90177536);
	s.mem_inactive_file = 0;
	cr_assert_eq(cg_working_set(&s), 157286400);
	/* The v1 usage is batched and may lag: docker stats keeps it. */
	s.mem_inactive_file = s.mem_usage;
	cr_assert_eq(cg_working_set(&s), 157286400);
	s.mem_inactive_file = UINT64_MAX;
	cr_assert_eq(cg_working_set(&s), 157286400);
	s.mem_usage = 0;
	cr_assert_eq(cg_working_set(&s), 0);
}
