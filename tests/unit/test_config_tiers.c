/*
 * Unit tests for the tiers of a token ([token.NAME] tiers and
 * default_tier; config_token_allows_tier, config_token_default_tier):
 * file, environment, errors, the default config_finish computes, and
 * the admin token that may use every tier.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_fixture.h"

#define ALICE	"[token.alice]\ntoken = alice-token-0123456789\nuser = alice\n"
#define ADMIN	"[auth]\nadmin_token = admin-token-0123456789\n"


static const struct api_token *
alice(const struct berth_config *cfg)
{
	const struct api_token	*t;

	cr_assert_not_null(t = config_token(cfg, "alice-token-0123456789"));
	return t;
}

/* ------------------------------------------------------------ allowed */

Test(config_tiers, default_every_tier)
{
	struct berth_config	 cfg;
	const struct api_token	*t;

	load_ok(&cfg, ALICE "[tier.gold]\n");
	t = alice(&cfg);
	cr_assert_str_eq(t->tiers, "");
	cr_assert(config_token_allows_tier(t, "free"));
	cr_assert(config_token_allows_tier(t, "basic"));
	cr_assert(config_token_allows_tier(t, "pro"));
	cr_assert(config_token_allows_tier(t, "gold"));
	cr_assert_str_eq(config_token_default_tier(t), "free");
	cr_assert_str_eq(t->default_tier, "free");	/* ready to read */
	config_free(&cfg);
}

Test(config_tiers, listed_tiers_only)
{
	struct berth_config	 cfg;
	const struct api_token	*t;

	load_ok(&cfg, ALICE "tiers = basic,gold\n[tier.gold]\n");
	t = alice(&cfg);
	cr_assert(config_token_allows_tier(t, "basic"));
	cr_assert(config_token_allows_tier(t, "gold"));
	cr_assert_not(config_token_allows_tier(t, "free"));
	cr_assert_not(config_token_allows_tier(t, "pro"));
	/* Whole names only. */
	cr_assert_not(config_token_allows_tier(t, "gol"));
	cr_assert_not(config_token_allows_tier(t, "golden"));
	cr_assert_not(config_token_allows_tier(t, "basic,gold"));
	cr_assert_not(config_token_allows_tier(t, ""));
	config_free(&cfg);
}

Test(config_tiers, default_computed)
{
	struct berth_config	cfg;

	/* free when allowed, wherever it is in the list */
	load_ok(&cfg, ALICE "tiers = pro,free\n");
	cr_assert_str_eq(config_token_default_tier(alice(&cfg)), "free");
	config_free(&cfg);
	/* else the first of its tiers */
	load_ok(&cfg, ALICE "tiers = pro,basic\n");
	cr_assert_str_eq(config_token_default_tier(alice(&cfg)), "pro");
	cr_assert_str_eq(alice(&cfg)->default_tier, "pro");
	config_free(&cfg);
	load_ok(&cfg, ALICE "tiers = gold\n[tier.gold]\n");
	cr_assert_str_eq(config_token_default_tier(alice(&cfg)), "gold");
	config_free(&cfg);
	/* set, and allowed */
	load_ok(&cfg, ALICE "tiers = free,pro\ndefault_tier = pro\n");
	cr_assert_str_eq(config_token_default_tier(alice(&cfg)), "pro");
	config_free(&cfg);
	load_ok(&cfg, ALICE "default_tier = basic\n");
	cr_assert_str_eq(config_token_default_tier(alice(&cfg)), "basic");
	config_free(&cfg);
}

Test(config_tiers, admin_any_tier)
{
	struct berth_config	 cfg;
	const struct api_token	*t;

	load_ok(&cfg, ADMIN "[tier.gold]\n"
	    "[token.boss]\ntoken = boss-token-0123456789\nuser = boss\n"
	    "role = admin\ndefault_tier = pro\n");
	/* [auth] admin_token: every tier, default free */
	cr_assert_not_null(t = config_token(&cfg, "admin-token-0123456789"));
	cr_assert_str_eq(t->role, "admin");
	cr_assert_str_eq(t->tiers, "");
	cr_assert(config_token_allows_tier(t, "free"));
	cr_assert(config_token_allows_tier(t, "pro"));
	cr_assert(config_token_allows_tier(t, "gold"));
	cr_assert_str_eq(config_token_default_tier(t), "free");
	/* a [token.NAME] with role admin: every tier, its default */
	cr_assert_not_null(t = config_token(&cfg, "boss-token-0123456789"));
	cr_assert(config_token_allows_tier(t, "free"));
	cr_assert(config_token_allows_tier(t, "gold"));
	cr_assert_str_eq(config_token_default_tier(t), "pro");
	config_free(&cfg);
}

/* An admin token allows every tier even if tiers was forced. */
Test(config_tiers, admin_role_wins)
{
	struct api_token	t = { (char *)"x", (char *)"secret",
	    (char *)"u", (char *)"admin", (char *)"pro", (char *)"" };

	cr_assert(config_token_allows_tier(&t, "free"));
	t.role = (char *)"user";
	cr_assert_not(config_token_allows_tier(&t, "free"));
	cr_assert(config_token_allows_tier(&t, "pro"));
	/* not finished: the default is free */
	cr_assert_str_eq(config_token_default_tier(&t), "free");
	t.default_tier = NULL;
	cr_assert_str_eq(config_token_default_tier(&t), "free");
}

Test(config_tiers, env)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };

	config_init(&cfg);
	cr_assert_eq(load_text(&cfg, ALICE "tiers = free\n", &errs), 0);
	setenv("BERTH_TOKEN_ALICE_TIERS", "basic,pro", 1);
	setenv("BERTH_TOKEN_ALICE_DEFAULT_TIER", "pro", 1);
	setenv("BERTH_TOKEN_BOB_TOKEN", "bob-token-0123456789", 1);
	setenv("BERTH_TOKEN_BOB_USER", "bob", 1);
	setenv("BERTH_TOKEN_BOB_TIERS", "basic", 1);
	cr_assert_eq(config_load_env(&cfg, &errs), 0);
	unsetenv("BERTH_TOKEN_ALICE_TIERS");
	unsetenv("BERTH_TOKEN_ALICE_DEFAULT_TIER");
	unsetenv("BERTH_TOKEN_BOB_TOKEN");
	unsetenv("BERTH_TOKEN_BOB_USER");
	unsetenv("BERTH_TOKEN_BOB_TIERS");
	cr_assert_eq(config_finish(&cfg, &errs), 0);
	dump_errors(&errs);
	cr_assert_str_eq(alice(&cfg)->tiers, "basic,pro");
	cr_assert_not(config_token_allows_tier(alice(&cfg), "free"));
	cr_assert_str_eq(config_token_default_tier(alice(&cfg)), "pro");
	cr_assert_str_eq(config_token_default_tier(config_token(&cfg,
	    "bob-token-0123456789")), "basic");
	config_free(&cfg);
}

/* ------------------------------------------------------------ errors */

Test(config_tiers, error_values)
{
	expect_file_error(ALICE "tiers = free,,pro\n",
	    ":4: [token.alice] tiers:", "not a comma separated list");
	expect_file_error(ALICE "tiers = Free\n", "[token.alice] tiers:",
	    "not a comma separated list");
	expect_file_error(ALICE "tiers = free,\n", "[token.alice] tiers:",
	    "not a comma separated list");
	expect_file_error(ALICE "default_tier = Pro\n",
	    ":4: [token.alice] default_tier:", "not a tier name");
	expect_file_error(ALICE "default_tier = free,pro\n",
	    "[token.alice] default_tier:", "not a tier name");
	expect_env_error("BERTH_TOKEN_ALICE_TIERS", "free pro",
	    "not a comma separated list");
	expect_env_error("BERTH_TOKEN_ALICE_DEFAULT_TIER", "-x",
	    "not a tier name");
}

Test(config_tiers, error_cross_checks)
{
	expect_finish_error(ALICE "tiers = free,gold\n",
	    "[token.alice] tiers: no [tier.gold]");
	expect_finish_error(ALICE "default_tier = gold\n",
	    "[token.alice] default_tier: no [tier.gold]");
	expect_finish_error(ALICE "tiers = basic,pro\ndefault_tier = free\n",
	    "[token.alice] default_tier: free is not one of its tiers");
	expect_finish_error("[token.boss]\ntoken = boss-token-0123456789\n"
	    "user = boss\nrole = admin\ntiers = pro\n",
	    "[token.boss] tiers: an admin token may use every tier");
}

/* The computed default survives a round trip through config_foreach. */
static void
set_into(const char *key, const char *value, const struct config_key *k,
    void *arg)
{
	char	err[256];

	cr_assert_eq(config_set(arg, key, value, err, sizeof(err)), 0,
	    "%s = %s: %s", key, value, err);
}

Test(config_tiers, foreach_roundtrip)
{
	struct berth_config	cfg, copy;
	struct config_errors	errs = { NULL, 0 };

	load_ok(&cfg, ALICE "tiers = pro,basic\n");
	config_init(&copy);
	config_foreach(&cfg, set_into, &copy);
	cr_assert_eq(config_finish(&copy, &errs), 0);
	cr_assert_str_eq(copy.tokens[0].tiers, "pro,basic");
	cr_assert_str_eq(copy.tokens[0].default_tier, "pro");
	config_free(&cfg);
	config_free(&copy);
}
