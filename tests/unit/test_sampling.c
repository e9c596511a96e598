/*
 * Adaptive sampling of the host (seed 002): 10 s while the CPU is idle,
 * stretching toward 30 s as it fills up.
 */
#include <criterion/criterion.h>
#include <math.h>

#include "sampler.h"

Test(sampling, idle_host_gets_the_shortest_interval)
{
	cr_assert_eq(sampler_adapt(10000, 30000, 0.0), 10000);
	cr_assert_eq(sampler_adapt(10000, 30000, 50.0), 10000);
	cr_assert_eq(sampler_adapt(10000, 30000, NAN), 10000);
}

Test(sampling, busy_host_gets_the_longest)
{
	cr_assert_eq(sampler_adapt(10000, 30000, 90.0), 30000);
	cr_assert_eq(sampler_adapt(10000, 30000, 100.0), 30000);
}

Test(sampling, linear_between)
{
	cr_assert_eq(sampler_adapt(10000, 30000, 70.0), 20000);
	cr_assert_eq(sampler_adapt(10000, 30000, 60.0), 15000);
	cr_assert_eq(sampler_adapt(10000, 30000, 80.0), 25000);
	cr_assert(sampler_adapt(10000, 30000, 55.0) <
	    sampler_adapt(10000, 30000, 56.0));
}

Test(sampling, fixed_when_min_is_max)
{
	cr_assert_eq(sampler_adapt(1000, 1000, 95.0), 1000);
}
