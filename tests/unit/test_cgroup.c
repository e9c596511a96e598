/*
 * Unit tests for the container resource reader (common/cgroup.c):
 * cg_detect, cg_open and cg_read on the recorded fixture trees under
 * tests/fixtures (cgroup v1 and v2, Docker's cgroupfs and systemd
 * layouts, /proc/<pid>/net/dev and /proc/stat); the refusal of bad ids;
 * scratch v2 trees with files missing, rewritten or garbled; and the
 * CPU percent and working set arithmetic.  The parsers are
 * test_cgroup_parse.c's, the slow files of a sampling cycle
 * test_cgroup_cycle.c's.
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
