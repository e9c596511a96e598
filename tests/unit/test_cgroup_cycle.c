/*
 * The slow files of a sampling cycle (common/cgroup.c): memory.stat and
 * the memory limit, which cg_read_shared reads less often, on copies
 * of the fixture trees rewritten under an open reader, cgroup v1 and
 * v2: kept until the CG_SLOW_CYCLES-th cycle, re-read at once when the
 * usage moves, renewed by a full read, spread by cg_stagger.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "cgroup_fixture.h"

/* A fixture tree copied to a scratch directory, to be rewritten under
 * an open reader; the memory files of its container, relative to it. */
struct tree {
	const char	*name;
	enum cg_version	 v;
	const char	*id;
	const char	*cpu, *usage, *limit, *stat, *pids;
	uint64_t	 mem_usage, mem_limit, cache, inactive;
	/* Usage moves that keep memory.stat and that re-read it: 1 MiB is
	 * the slack of the small v1 container, usage/64 (2.34 MiB) that of
	 * the 150 MiB v2 one. */
	uint64_t	 keep, reread;
};

#define V1MEM	"memory/docker/" ID_V1 "/"
#define V2MEM	"docker/" ID_V2 "/"

static const struct tree tree_v1 = {
	"v1", CG_V1, ID_V1, "cpuacct/docker/" ID_V1 "/cpuacct.usage",
	V1MEM "memory.usage_in_bytes",
	V1MEM "memory.limit_in_bytes", V1MEM "memory.stat",
	"pids/docker/" ID_V1 "/pids.current",
	14077952, 256 << 20, 13209600, 6512640,
	1 << 20, (1 << 20) + 4096
};
static const struct tree tree_v2 = {
	"v2", CG_V2, ID_V2, V2MEM "cpu.stat", V2MEM "memory.current",
	V2MEM "memory.max",
	V2MEM "memory.stat", V2MEM "pids.current",
	157286400, 268435456, 100663296, 67108864,
	2 << 20, 3 << 20
};

struct cycle {
	struct cg_reader	*r;
	struct cg_sample	 host, s;
	int			 root, proc;
};

static void
put_u64(const char *rel, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)v);
	put(rel, buf);
}

static void
put_cpu_s(const struct tree *t, uint64_t secs)
{
	char buf[64];

	snprintf(buf, sizeof(buf), t->v == CG_V1 ? "%llu000000000\n" :
	    "usage_usec %llu000000\n", (unsigned long long)secs);
	put(t->cpu, buf);
}

/* memory.stat in the version's keys, other counters left out. */
static void
put_mstat(const struct tree *t, uint64_t cache, uint64_t inactive)
{
	char buf[256];

	if (t->v == CG_V1)
		snprintf(buf, sizeof(buf), "cache %llu\nrss 0\n"
		    "inactive_file %llu\ntotal_cache %llu\n"
		    "total_inactive_file %llu\n", (unsigned long long)cache,
		    (unsigned long long)inactive, (unsigned long long)cache,
		    (unsigned long long)inactive);
	else
		snprintf(buf, sizeof(buf), "anon 0\nfile %llu\n"
		    "inactive_file %llu\n", (unsigned long long)cache,
		    (unsigned long long)inactive);
	put(t->stat, buf);
}

/* Copy tree t (never rewrite tests/fixtures), open its container with
 * cg_stagger's phase (0: none) and read the first sample of a cycle,
 * which reads every file. */
static void
cycle_open_phase(const struct tree *t, struct cycle *c, unsigned phase)
{
	char cmd[512];

	strcpy(scratch, "/tmp/berth-cg-XXXXXX");
	cr_assert_not_null(mkdtemp(scratch));
	snprintf(cmd, sizeof(cmd), "cp -R '%s/cgroup/%s/.' '%s' && "
	    "cp -R '%s/proc' '%s/proc'", FIXTURES, t->name, scratch,
	    FIXTURES, scratch);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	c->root = opendir_fd(scratch);
	snprintf(cmd, sizeof(cmd), "%s/proc", scratch);
	c->proc = opendir_fd(cmd);
	c->r = cg_open(c->root, t->v, c->proc, t->id, FIX_PID);
	cr_assert_not_null(c->r, "cg_open %s: %s", t->name, strerror(errno));
	cg_stagger(c->r, phase);
	cr_assert_eq(cg_read_host(c->r, &c->host), 0);
	cr_assert_eq(cg_read_shared(c->r, &c->host, &c->s), 0);
	cr_assert_eq(c->s.mem_usage, t->mem_usage);
}

static void
cycle_open(const struct tree *t, struct cycle *c)
{
	cycle_open_phase(t, c, 0);
}

static void
cycle_next(struct cycle *c)
{
	cr_assert_eq(cg_read_shared(c->r, &c->host, &c->s), 0);
}

static void
cycle_close(struct cycle *c)
{
	cg_close(c->r);
	close(c->root);
	close(c->proc);
}

static void
first_read_reads_every_file(const struct tree *t)
{
	struct cycle c;

	cycle_open(t, &c);
	cr_expect_eq(c.s.mem_limit, t->mem_limit);
	cr_expect_eq(c.s.mem_cache, t->cache);
	cr_expect_eq(c.s.mem_inactive_file, t->inactive);
	cr_expect_eq(c.s.system_usage_ns, FIX_TICKS * tick());
	cycle_close(&c);
}

Test(cycle, v1_first_read_reads_every_file, .fini = scratch_rm)
{
	first_read_reads_every_file(&tree_v1);
}

Test(cycle, v2_first_read_reads_every_file, .fini = scratch_rm)
{
	first_read_reads_every_file(&tree_v2);
}

/* memory.stat changes, the usage stays: the cached values until the
 * CG_SLOW_CYCLES-th cycle after the read; the usage itself and the CPU
 * time are read every cycle. */
static void
memory_stat_kept_until_kth_cycle(const struct tree *t)
{
	struct cycle	c;
	int		k;

	cycle_open(t, &c);
	put_mstat(t, 3 << 20, 1 << 20);
	for (k = 1; k < CG_SLOW_CYCLES; k++) {
		put_u64(t->usage, t->mem_usage + (uint64_t)k * 4096);
		put_cpu_s(t, (uint64_t)k);
		cycle_next(&c);
		cr_assert_eq(c.s.cpu_usage_ns, (uint64_t)k * 1000000000ULL,
		    "cycle %d", k);
		cr_assert_eq(c.s.mem_usage, t->mem_usage + (uint64_t)k * 4096,
		    "cycle %d", k);
		cr_assert_eq(c.s.mem_inactive_file, t->inactive, "cycle %d", k);
		cr_assert_eq(c.s.mem_cache, t->cache, "cycle %d", k);
	}
	cycle_next(&c);
	cr_expect_eq(c.s.mem_inactive_file, 1 << 20, "cycle %d", k);
	cr_expect_eq(c.s.mem_cache, 3 << 20);
	/* And again CG_SLOW_CYCLES cycles later, not sooner. */
	put_mstat(t, 5 << 20, 2 << 20);
	for (k = 1; k < CG_SLOW_CYCLES; k++) {
		cycle_next(&c);
		cr_assert_eq(c.s.mem_inactive_file, 1 << 20, "cycle %d", k);
	}
	cycle_next(&c);
	cr_expect_eq(c.s.mem_inactive_file, 2 << 20);
	cycle_close(&c);
}

Test(cycle, v1_memory_stat_kept_until_kth_cycle, .fini = scratch_rm)
{
	memory_stat_kept_until_kth_cycle(&tree_v1);
}

Test(cycle, v2_memory_stat_kept_until_kth_cycle, .fini = scratch_rm)
{
	memory_stat_kept_until_kth_cycle(&tree_v2);
}

/* A move within the slack keeps memory.stat; one past it, up or down
 * from the usage of the last read, re-reads it at once. */
static void
usage_move_rereads_memory_stat(const struct tree *t)
{
	struct cycle c;

	cycle_open(t, &c);
	put_mstat(t, 3 << 20, 1 << 20);
	put_u64(t->usage, t->mem_usage + t->keep);
	cycle_next(&c);
	cr_expect_eq(c.s.mem_inactive_file, t->inactive, "moved by the slack");
	put_u64(t->usage, t->mem_usage + t->reread);
	cycle_next(&c);
	cr_expect_eq(c.s.mem_inactive_file, 1 << 20, "moved past the slack");
	cr_expect_eq(c.s.mem_cache, 3 << 20);
	/* Back down past the slack from the usage of that read. */
	put_mstat(t, 5 << 20, 2 << 20);
	put_u64(t->usage, t->mem_usage);
	cycle_next(&c);
	cr_expect_eq(c.s.mem_inactive_file, 2 << 20, "moved down");
	cr_expect_eq(c.s.mem_usage, t->mem_usage);
	cycle_close(&c);
}

Test(cycle, v1_usage_move_rereads_memory_stat, .fini = scratch_rm)
{
	usage_move_rereads_memory_stat(&tree_v1);
}

Test(cycle, v2_usage_move_rereads_memory_stat, .fini = scratch_rm)
{
	usage_move_rereads_memory_stat(&tree_v2);
}

/* docker update: the new limit within CG_SLOW_CYCLES cycles, whatever
 * the usage does (a move re-reads memory.stat, not the limit). */
static void
limit_change_within_k_cycles(const struct tree *t)
{
	struct cycle	c;
	int		k;

	cycle_open(t, &c);
	put_u64(t->limit, 512 << 20);
	put_u64(t->usage, t->mem_usage + t->reread);
	for (k = 1; k < CG_SLOW_CYCLES; k++) {
		cycle_next(&c);
		cr_assert_eq(c.s.mem_limit, t->mem_limit, "cycle %d", k);
	}
	cycle_next(&c);
	cr_expect_eq(c.s.mem_limit, 512 << 20);
	cycle_close(&c);
}

Test(cycle, v1_limit_change_within_k_cycles, .fini = scratch_rm)
{
	limit_change_within_k_cycles(&tree_v1);
}

Test(cycle, v2_limit_change_within_k_cycles, .fini = scratch_rm)
{
	limit_change_within_k_cycles(&tree_v2);
}

/* cg_read reads every file each call and renews what the cycle
 * carries; cg_expire makes the next cycle read every file. */
static void
full_read_and_expire(const struct tree *t)
{
	struct cycle	c;
	struct cg_sample full;

	cycle_open(t, &c);
	put_mstat(t, 3 << 20, 1 << 20);
	put_u64(t->limit, 512 << 20);
	cr_assert_eq(cg_read(c.r, c.proc, &full), 0);
	cr_expect_eq(full.mem_inactive_file, 1 << 20);
	cr_expect_eq(full.mem_limit, 512 << 20);
	cycle_next(&c);
	cr_expect_eq(c.s.mem_inactive_file, 1 << 20);
	cr_expect_eq(c.s.mem_limit, 512 << 20);
	put_mstat(t, 5 << 20, 2 << 20);
	put_u64(t->limit, 128 << 20);
	cycle_next(&c);
	cr_expect_eq(c.s.mem_inactive_file, 1 << 20, "cached");
	cg_expire(c.r);
	cycle_next(&c);
	cr_expect_eq(c.s.mem_inactive_file, 2 << 20);
	cr_expect_eq(c.s.mem_cache, 5 << 20);
	cr_expect_eq(c.s.mem_limit, 128 << 20);
	cycle_close(&c);
}

Test(cycle, v1_full_read_and_expire, .fini = scratch_rm)
{
	full_read_and_expire(&tree_v1);
}

Test(cycle, v2_full_read_and_expire, .fini = scratch_rm)
{
	full_read_and_expire(&tree_v2);
}

/* Phase p: the second read of memory.stat and of the limit comes at
 * cycle CG_SLOW_CYCLES - p, then every CG_SLOW_CYCLES; so readers
 * opened together with phases 0..K-1 read them in different cycles. */
static void
stagger_spreads_the_slow_reads(const struct tree *t)
{
	struct cycle	c;
	unsigned	p;
	int		k, due;

	for (p = 0; p < CG_SLOW_CYCLES + 1; p++) {
		cycle_open_phase(t, &c, p);
		put_mstat(t, 3 << 20, 1 << 20);
		put_u64(t->limit, 64 << 20);
		due = CG_SLOW_CYCLES - (int)(p % CG_SLOW_CYCLES);
		for (k = 1; k < due; k++) {
			cycle_next(&c);
			cr_assert_eq(c.s.mem_inactive_file, t->inactive,
			    "phase %u, cycle %d", p, k);
			cr_assert_eq(c.s.mem_limit, t->mem_limit,
			    "phase %u, cycle %d", p, k);
		}
		cycle_next(&c);
		cr_assert_eq(c.s.mem_inactive_file, 1 << 20, "phase %u", p);
		cr_assert_eq(c.s.mem_limit, 64 << 20, "phase %u", p);
		/* From then on every CG_SLOW_CYCLES, the offset kept. */
		put_mstat(t, 5 << 20, 2 << 20);
		for (k = 1; k < CG_SLOW_CYCLES; k++) {
			cycle_next(&c);
			cr_assert_eq(c.s.mem_inactive_file, 1 << 20,
			    "phase %u, cycle %d", p, due + k);
		}
		cycle_next(&c);
		cr_assert_eq(c.s.mem_inactive_file, 2 << 20, "phase %u", p);
		cycle_close(&c);
		scratch_rm();
	}
}

Test(cycle, v1_stagger_spreads_the_slow_reads, .fini = scratch_rm)
{
	stagger_spreads_the_slow_reads(&tree_v1);
}

Test(cycle, v2_stagger_spreads_the_slow_reads, .fini = scratch_rm)
{
	stagger_spreads_the_slow_reads(&tree_v2);
}

/* net/dev with eth0's counters set (lo is not counted). */
static void
put_net(uint64_t rx, uint64_t tx)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "Inter-|   Receive |  Transmit\n"
	    " face |bytes    packets|bytes    packets\n"
	    "    lo:  885260    9215    0    0    0     0          0         0"
	    "   885260    9215    0    0    0     0       0          0\n"
	    "  eth0:%llu  926153    0    0    0     0          0         0 "
	    "%llu  612944    0    0    0     0       0          0\n",
	    (unsigned long long)rx, (unsigned long long)tx);
	put("proc/4242/net/dev", buf);
}

/* pids and net/dev change, the CPU time does not: kept until the
 * CG_SLOW_CYCLES-th cycle; then the CPU time moves and they are read
 * in that very cycle. */
static void
activity_follows_the_cpu_time(const struct tree *t)
{
	struct cycle	c;
	int		k;

	cycle_open(t, &c);
	cr_assert_eq(c.s.net_rx, FIX_RX);
	put_u64(t->pids, 77);
	put_net(5000, 6000);
	for (k = 1; k < CG_SLOW_CYCLES; k++) {
		cycle_next(&c);
		cr_assert_neq(c.s.pids, 77, "cycle %d: read while idle", k);
		cr_assert_eq(c.s.net_rx, FIX_RX, "cycle %d", k);
		cr_assert_eq(c.s.net_tx, FIX_TX, "cycle %d", k);
	}
	cycle_next(&c);
	cr_expect_eq(c.s.pids, 77, "not read by the K-th cycle");
	cr_expect_eq(c.s.net_rx, 5000);
	cr_expect_eq(c.s.net_tx, 6000);
	/* Now it runs: the next cycle reads them at once. */
	put_u64(t->pids, 78);
	put_net(7000, 8000);
	cycle_next(&c);
	cr_expect_eq(c.s.pids, 77, "read while the CPU time stayed");
	put_cpu_s(t, 42);
	cycle_next(&c);
	cr_expect_eq(c.s.pids, 78, "not read when the CPU time moved");
	cr_expect_eq(c.s.net_rx, 7000);
	cr_expect_eq(c.s.net_tx, 8000);
	cycle_close(&c);
}

Test(cycle, v1_activity_follows_the_cpu_time, .fini = scratch_rm)
{
	activity_follows_the_cpu_time(&tree_v1);
}

Test(cycle, v2_activity_follows_the_cpu_time, .fini = scratch_rm)
{
	activity_follows_the_cpu_time(&tree_v2);
}
