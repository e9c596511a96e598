/*
 * Unit tests for the parsers of the container resource reader
 * (common/cgroup_parse.c): cg_parse_kv, cg_parse_net_dev,
 * cg_parse_v1_blkio, cg_parse_v2_io and cg_parse_proc_stat on real
 * kernel formats and on empty, garbage and overflowing input.  The
 * reader on the fixture trees is test_cgroup.c's.
 */
#include <criterion/criterion.h>
#include <stdint.h>

#include "cgroup.h"

#include "cgroup_fixture.h"

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
