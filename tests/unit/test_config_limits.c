/*
 * Unit tests for the keys that bound what workspaces may take: the
 * quotas ([server] max_workspaces, [tier.NAME] max_workspaces_per_user),
 * the cap on concurrent engine calls ([docker] max_concurrent_calls)
 * and the swap bounds of a type ([type.NAME] max_memory_swap_mb,
 * allow_unlimited_swap): defaults, file, environment, errors.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_fixture.h"

/* ------------------------------------------------------------ quotas */

Test(config_limits, quota_defaults)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };

	config_init(&cfg);
	cr_assert_eq(config_finish(&cfg, &errs), 0);
	cr_assert_eq(cfg.max_workspaces, 200);
	cr_assert_eq(cfg.docker_max_concurrent_calls, 16);
	cr_assert_eq(config_tier(&cfg, "free")->max_workspaces_per_user, 2);
	cr_assert_eq(config_tier(&cfg, "basic")->max_workspaces_per_user, 5);
	cr_assert_eq(config_tier(&cfg, "pro")->max_workspaces_per_user, 10);
	config_free(&cfg);
}

Test(config_limits, quota_file)
{
	struct berth_config	cfg;

	load_ok(&cfg,
	    "[server]\nmax_workspaces = 0\n"
	    "[docker]\nmax_concurrent_calls = 256\n"
	    "[tier.free]\nmax_workspaces_per_user = 0\n"
	    "[tier.gold]\nmax_workspaces_per_user = 10000\n"
	    "[tier.tin]\n");
	cr_assert_eq(cfg.max_workspaces, 0);
	cr_assert_eq(cfg.docker_max_concurrent_calls, 256);
	cr_assert_eq(config_tier(&cfg, "free")->max_workspaces_per_user, 0);
	cr_assert_eq(config_tier(&cfg, "basic")->max_workspaces_per_user, 5);
	cr_assert_eq(config_tier(&cfg, "gold")->max_workspaces_per_user,
	    10000);
	/* A tier that is not built in has no quota. */
	cr_assert_eq(config_tier(&cfg, "tin")->max_workspaces_per_user, 0);
	config_free(&cfg);

	load_ok(&cfg, "[server]\nmax_workspaces = 1000000\n"
	    "[docker]\nmax_concurrent_calls = 1\n");
	cr_assert_eq(cfg.max_workspaces, 1000000);
	cr_assert_eq(cfg.docker_max_concurrent_calls, 1);
	config_free(&cfg);
}

Test(config_limits, quota_env)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };

	config_init(&cfg);
	cr_assert_eq(load_text(&cfg, "[server]\nmax_workspaces = 7\n"
	    "[docker]\nmax_concurrent_calls = 8\n"
	    "[tier.basic]\nmax_workspaces_per_user = 9\n", &errs), 0);
	setenv("BERTH_MAX_WORKSPACES", "50", 1);
	setenv("BERTH_DOCKER_MAX_CONCURRENT_CALLS", "4", 1);
	setenv("BERTH_TIER_BASIC_MAX_WORKSPACES_PER_USER", "3", 1);
	setenv("BERTH_TIER_MY_TIER_MAX_WORKSPACES_PER_USER", "1", 1);
	cr_assert_eq(config_load_env(&cfg, &errs), 0);
	unsetenv("BERTH_MAX_WORKSPACES");
	unsetenv("BERTH_DOCKER_MAX_CONCURRENT_CALLS");
	unsetenv("BERTH_TIER_BASIC_MAX_WORKSPACES_PER_USER");
	unsetenv("BERTH_TIER_MY_TIER_MAX_WORKSPACES_PER_USER");
	cr_assert_eq(config_finish(&cfg, &errs), 0);
	dump_errors(&errs);
	cr_assert_eq(cfg.max_workspaces, 50);
	cr_assert_eq(cfg.docker_max_concurrent_calls, 4);
	cr_assert_eq(config_tier(&cfg, "basic")->max_workspaces_per_user, 3);
	cr_assert_eq(config_tier(&cfg, "my-tier")->max_workspaces_per_user, 1);
	config_free(&cfg);
}

Test(config_limits, quota_errors)
{
	expect_file_error("[server]\n\nmax_workspaces = -1\n",
	    ":3: [server] max_workspaces:", "-1 is below the minimum 0");
	expect_file_error("[server]\nmax_workspaces = 1000001\n",
	    ":2: [server] max_workspaces:", "above the maximum 1000000");
	expect_file_error("[server]\nmax_workspaces = ten\n",
	    "[server] max_workspaces:", "not an integer");
	expect_file_error("[docker]\nmax_concurrent_calls = 0\n",
	    ":2: [docker] max_concurrent_calls:", "0 is below the minimum 1");
	expect_file_error("[docker]\nmax_concurrent_calls = 257\n",
	    "[docker] max_concurrent_calls:", "257 is above the maximum 256");
	expect_file_error("[tier.free]\nmax_workspaces_per_user = -1\n",
	    ":2: [tier.free] max_workspaces_per_user:",
	    "-1 is below the minimum 0");
	expect_file_error("[tier.gold]\nmax_workspaces_per_user = 10001\n",
	    "[tier.gold] max_workspaces_per_user:",
	    "above the maximum 10000");
	expect_env_error("BERTH_MAX_WORKSPACES", "-5", "below the minimum 0");
	expect_env_error("BERTH_DOCKER_MAX_CONCURRENT_CALLS", "1000",
	    "above the maximum 256");
	expect_env_error("BERTH_TIER_PRO_MAX_WORKSPACES_PER_USER", "x",
	    "not an integer");
}

/* A value set behind config_set's back is caught by config_finish. */
Test(config_limits, quota_recheck)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };

	config_init(&cfg);
	cfg.docker_max_concurrent_calls = 0;
	cfg.max_workspaces = -1;
	cfg.tiers[0].max_workspaces_per_user = -1;
	cr_assert_eq(config_finish(&cfg, &errs), 3);
	cr_assert(has_error(&errs, "[docker] max_concurrent_calls: 0 is "
	    "below the minimum 1"));
	cr_assert(has_error(&errs, "[server] max_workspaces: -1 is below"));
	cr_assert(has_error(&errs, "[tier.free] max_workspaces_per_user: -1 "
	    "is below"));
	config_errors_free(&errs);
	config_free(&cfg);
}
