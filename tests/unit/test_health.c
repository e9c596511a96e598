/*
 * The health service's pure parts: the circuit breaker (closed, open
 * after three failures, half-open trial after the cooldown) and the
 * [health] dependencies list.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "breaker.h"
#include "depspec.h"

Test(breaker, opens_after_threshold_failures)
{
	struct breaker	b;

	breaker_init(&b, 3, 30000);
	cr_assert(breaker_allow(&b, 0));
	breaker_record(&b, 0, 0);
	breaker_record(&b, 0, 10);
	cr_assert_eq(b.state, BRK_CLOSED);
	cr_assert(breaker_allow(&b, 20));
	breaker_record(&b, 0, 20);
	cr_assert_eq(b.state, BRK_OPEN);
	cr_assert_str_eq(breaker_name(b.state), "open");
	cr_assert_not(breaker_allow(&b, 20));
	cr_assert_not(breaker_allow(&b, 20 + 29999));
}

Test(breaker, a_success_resets_the_count)
{
	struct breaker	b;

	breaker_init(&b, 3, 30000);
	breaker_record(&b, 0, 0);
	breaker_record(&b, 0, 1);
	breaker_record(&b, 1, 2);
	breaker_record(&b, 0, 3);
	breaker_record(&b, 0, 4);
	cr_assert_eq(b.state, BRK_CLOSED);
	cr_assert_eq(b.failures, 2);
}

Test(breaker, half_open_trial_closes_or_reopens)
{
	struct breaker	b;

	breaker_init(&b, 3, 30000);
	breaker_record(&b, 0, 0);
	breaker_record(&b, 0, 0);
	breaker_record(&b, 0, 1000);
	cr_assert(breaker_allow(&b, 31000), "cooldown over: a trial");
	cr_assert_eq(b.state, BRK_HALF_OPEN);
	cr_assert_str_eq(breaker_name(b.state), "half_open");
	breaker_record(&b, 0, 31000);
	cr_assert_eq(b.state, BRK_OPEN, "one failed trial opens it again");
	cr_assert_not(breaker_allow(&b, 31000 + 29999));
	cr_assert(breaker_allow(&b, 61000));
	breaker_record(&b, 1, 61000);
	cr_assert_eq(b.state, BRK_CLOSED);
	cr_assert_eq(b.failures, 0);
}

Test(depspec, parses_a_list)
{
	struct dep	d[DEP_MAX];
	char		err[128];

	cr_assert_eq(dep_parse("auth=http://127.0.0.1:9000/health,"
	    "s3-gw=http://[::1]:8081,x_1=http://10.0.0.7:80/a/b?c=d", d,
	    DEP_MAX, err, sizeof(err)), 3, "%s", err);
	cr_assert_str_eq(d[0].name, "auth");
	cr_assert_str_eq(d[0].host, "127.0.0.1");
	cr_assert_eq(d[0].port, 9000);
	cr_assert_str_eq(d[0].path, "/health");
	cr_assert_str_eq(d[1].host, "::1");
	cr_assert_eq(d[1].port, 8081);
	cr_assert_str_eq(d[1].path, "/");
	cr_assert_str_eq(d[2].path, "/a/b?c=d");
	cr_assert_eq(dep_parse("", d, DEP_MAX, err, sizeof(err)), 0);
}

Test(depspec, refuses_what_healthmon_cannot_check)
{
	static const char *const bad[] = {
		"auth=http://localhost:9000/", "auth=https://127.0.0.1:1/",
		"auth=http://127.0.0.1/", "auth=http://127.0.0.1:0/",
		"auth=http://127.0.0.1:65536/", "auth=http://127.0.0.1:9x/",
		"Auth=http://127.0.0.1:1/", "=http://127.0.0.1:1/",
		"auth http://127.0.0.1:1/", "auth=http://[::1:1/",
		"auth=http://::1:80/", "auth=http://127.0.0.1:1/a b",
		"a=http://127.0.0.1:1/,", "a=http://1.2.3.4:1/,,b=http://1.2.3.4:1/",
		"auth=http://127.0.0.1:1/\x01",
	};
	struct dep	d[DEP_MAX];
	char		err[128];
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(dep_parse(bad[i], d, DEP_MAX, err, sizeof(err)),
		    -1, "%s accepted", bad[i]);
	cr_assert_eq(dep_parse("a=http://1.2.3.4:1/,b=http://1.2.3.4:1/", d,
	    1, err, sizeof(err)), -1);
}
