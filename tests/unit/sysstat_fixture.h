/*
 * Helpers the host reader's tests share (test_sysstat.c,
 * test_sysstat_reader.c): the recorded kernel formats under
 * tests/fixtures/sysstat and the numbers their samples must hold.
 */
#ifndef BERTH_SYSSTAT_FIXTURE_H
#define BERTH_SYSSTAT_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "sysstat.h"

#define FIXTURES	BERTH_SRCDIR "/tests/fixtures/sysstat"
#define KB(x)		((uint64_t)(x) * 1024)

/* Fixture file rel (under tests/fixtures/sysstat) into buf. */
void	load(const char *rel, char *buf, size_t len);

/* What a cpu line with these fields holds. */
struct sys_cpu	cpu_of(uint64_t user, uint64_t nice, uint64_t sys,
		    uint64_t idle, uint64_t iowait, uint64_t irq,
		    uint64_t softirq, uint64_t steal);
void	expect_cpu(const struct sys_cpu *got, struct sys_cpu want,
	    const char *what);
int	cpu_is_zero(const struct sys_cpu *c);

/* Criterion expectations on the fixtures' samples: two-cpu (Linux
 * 6.1) and four-cpu-offline (cpu2 offline, no MemAvailable). */
void	expect_two_cpu_stat(const struct sys_sample *s);
void	expect_four_cpu_stat(const struct sys_sample *s);
void	expect_two_cpu_mem(const struct sys_sample *s);
void	expect_four_cpu_mem(const struct sys_sample *s);

#endif
