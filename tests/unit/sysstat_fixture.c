/*
 * Helpers the host reader's tests share (sysstat_fixture.h): the
 * recorded fixture files and what their samples must hold.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sysstat.h"
#include "sysstat_fixture.h"

/* Fixture file rel (under tests/fixtures/sysstat) into buf. */
void
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
struct sys_cpu
cpu_of(uint64_t user, uint64_t nice, uint64_t sys, uint64_t idle,
    uint64_t iowait, uint64_t irq, uint64_t softirq, uint64_t steal)
{
	struct sys_cpu c;

	c.busy = user + nice + sys + irq + softirq + steal;
	c.total = c.busy + idle + iowait;
	return c;
}

void
expect_cpu(const struct sys_cpu *got, struct sys_cpu want, const char *what)
{
	cr_expect_eq(got->busy, want.busy, "%s busy %llu, want %llu", what,
	    (unsigned long long)got->busy, (unsigned long long)want.busy);
	cr_expect_eq(got->total, want.total, "%s total %llu, want %llu",
	    what, (unsigned long long)got->total,
	    (unsigned long long)want.total);
}

int
cpu_is_zero(const struct sys_cpu *c)
{
	return c->busy == 0 && c->total == 0;
}

/* The fixtures' numbers; guest (3120 on two-cpu) is not added. */
void
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
void
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

void
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

void
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
