/*
 * Unit tests for the keys that bound what workspaces may take: the
 * quotas ([server] max_workspaces, [tier.NAME] max_workspaces_per_user),
 * the cap on concurrent engine calls ([docker] max_concurrent_calls)
 * and the swap bounds of a type ([type.NAME] max_memory_swap_mb,
 * allow_unlimited_swap): defaults, file, environment, errors.
 */
#include <criterion/criterion.h>
#include <limits.h>
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

/* ------------------------------------------------------------ swap */

Test(config_limits, swap_defaults)
{
	struct berth_config	 cfg;
	struct config_errors	 errs = { NULL, 0 };
	const struct ws_type	*t;

	config_init(&cfg);
	/* Before config_finish: 0, derived later. */
	cr_assert_eq(cfg.types[0].max_memory_swap_mb, 0);
	cr_assert_eq(cfg.types[0].allow_unlimited_swap, 0);
	cr_assert_eq(config_finish(&cfg, &errs), 0);
	t = config_type(&cfg, "vscode");
	cr_assert_eq(t->max_memory_swap_mb, 2 * 8192);
	cr_assert_eq(t->allow_unlimited_swap, 0);
	t = config_type(&cfg, "spreadsheet");
	cr_assert_eq(t->max_memory_swap_mb, 2 * 6144);
	config_free(&cfg);

	/* Twice max_memory_mb, itself memory_mb when unset. */
	load_ok(&cfg, "[type.a]\nmemory_mb = 100\n"
	    "[type.b]\nmemory_mb = 100\nmax_memory_mb = 300\n"
	    "[type.c]\nmemory_mb = 1048576\n");
	cr_assert_eq(config_type(&cfg, "a")->max_memory_swap_mb, 200);
	cr_assert_eq(config_type(&cfg, "b")->max_memory_swap_mb, 600);
	cr_assert_eq(config_type(&cfg, "c")->max_memory_swap_mb, 2097152);
	config_free(&cfg);
}

Test(config_limits, swap_file)
{
	struct berth_config	 cfg;
	const struct ws_type	*t;

	load_ok(&cfg, "[type.demo]\nmemory_mb = 512\nmax_memory_mb = 1024\n"
	    "max_memory_swap_mb = 1024\nmemory_swap_mb = 1024\n"
	    "[type.big]\nmax_memory_mb = 1048576\n"
	    "max_memory_swap_mb = 2097152\n"
	    "[type.free-swap]\nallow_unlimited_swap = true\n"
	    "memory_swap_mb = -1\n");
	t = config_type(&cfg, "demo");
	cr_assert_eq(t->max_memory_swap_mb, 1024);
	cr_assert_eq(t->memory_swap_mb, 1024);
	cr_assert_eq(t->allow_unlimited_swap, 0);
	cr_assert_eq(config_type(&cfg, "big")->max_memory_swap_mb, 2097152);
	t = config_type(&cfg, "free-swap");
	cr_assert_eq(t->allow_unlimited_swap, 1);
	cr_assert_eq(t->memory_swap_mb, -1);
	cr_assert_eq(t->max_memory_swap_mb, 2048);
	config_free(&cfg);
}

Test(config_limits, swap_env)
{
	struct berth_config	 cfg;
	struct config_errors	 errs = { NULL, 0 };
	const struct ws_type	*t;

	config_init(&cfg);
	cr_assert_eq(load_text(&cfg, "[type.demo]\nmax_memory_swap_mb = 4096\n",
	    &errs), 0);
	setenv("BERTH_TYPE_DEMO_MAX_MEMORY_SWAP_MB", "3000", 1);
	setenv("BERTH_TYPE_DEMO_ALLOW_UNLIMITED_SWAP", "yes", 1);
	setenv("BERTH_TYPE_DEMO_MEMORY_SWAP_MB", "-1", 1);
	cr_assert_eq(config_load_env(&cfg, &errs), 0);
	unsetenv("BERTH_TYPE_DEMO_MAX_MEMORY_SWAP_MB");
	unsetenv("BERTH_TYPE_DEMO_ALLOW_UNLIMITED_SWAP");
	unsetenv("BERTH_TYPE_DEMO_MEMORY_SWAP_MB");
	cr_assert_eq(config_finish(&cfg, &errs), 0);
	dump_errors(&errs);
	t = config_type(&cfg, "demo");
	cr_assert_eq(t->max_memory_swap_mb, 3000);
	cr_assert_eq(t->allow_unlimited_swap, 1);
	cr_assert_eq(t->memory_swap_mb, -1);
	config_free(&cfg);
}

Test(config_limits, swap_errors)
{
	expect_file_error("[type.demo]\nmax_memory_swap_mb = -1\n",
	    ":2: [type.demo] max_memory_swap_mb:", "-1 is below the minimum 0");
	expect_file_error("[type.demo]\n\nmax_memory_swap_mb = 2097153\n",
	    ":3: [type.demo] max_memory_swap_mb:",
	    "2097153 is above the maximum 2097152");
	expect_file_error("[type.demo]\nallow_unlimited_swap = maybe\n",
	    ":2: [type.demo] allow_unlimited_swap:", "not a boolean");
	expect_env_error("BERTH_TYPE_DEMO_MAX_MEMORY_SWAP_MB", "lots",
	    "not an integer");
	expect_env_error("BERTH_TYPE_DEMO_ALLOW_UNLIMITED_SWAP", "",
	    "empty; expected true or false");
}

Test(config_limits, swap_cross_checks)
{
	/* -1 only with allow_unlimited_swap. */
	expect_finish_error("[type.demo]\nmemory_swap_mb = -1\n",
	    "[type.demo] memory_swap_mb: -1 (unlimited) needs "
	    "allow_unlimited_swap = true");
	expect_finish_error("[type.demo]\nmemory_swap_mb = -1\n"
	    "allow_unlimited_swap = false\n",
	    "[type.demo] memory_swap_mb: -1 (unlimited) needs");
	/* The type's own swap within its ceiling, derived or not. */
	expect_finish_error("[type.demo]\nmemory_mb = 100\n"
	    "memory_swap_mb = 201\n",
	    "[type.demo] memory_swap_mb: 201 is above max_memory_swap_mb 200");
	expect_finish_error("[type.demo]\nmemory_mb = 100\n"
	    "max_memory_swap_mb = 150\nmemory_swap_mb = 151\n",
	    "[type.demo] memory_swap_mb: 151 is above max_memory_swap_mb 150");
	/* The ceiling of swap is not below the ceiling of memory. */
	expect_finish_error("[type.demo]\nmemory_mb = 100\nmax_memory_mb = 200\n"
	    "max_memory_swap_mb = 199\n",
	    "[type.demo] max_memory_swap_mb: 199 is below max_memory_mb 200");
}

Test(config_limits, swap_bounds_ok)
{
	struct berth_config	cfg;

	/* Each at its edge: swap = ceiling, ceiling = max memory. */
	load_ok(&cfg, "[type.demo]\nmemory_mb = 100\nmemory_swap_mb = 200\n"
	    "[type.edge]\nmemory_mb = 100\nmax_memory_mb = 200\n"
	    "max_memory_swap_mb = 200\nmemory_swap_mb = 100\n");
	cr_assert_eq(config_type(&cfg, "demo")->memory_swap_mb, 200);
	cr_assert_eq(config_type(&cfg, "edge")->max_memory_swap_mb, 200);
	config_free(&cfg);
}

/* max_memory_mb set behind config_set's back: reported, no overflow. */
Test(config_limits, swap_derive_no_overflow)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };

	config_init(&cfg);
	cfg.types[0].max_memory_mb = LONG_MAX;
	cr_assert_geq(config_finish(&cfg, &errs), 1);
	cr_assert(has_error(&errs, "[type.vscode] max_memory_mb:"));
	cr_assert_eq(cfg.types[0].max_memory_swap_mb, LONG_MAX);
	config_errors_free(&errs);
	config_free(&cfg);
}
