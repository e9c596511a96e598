/*
 * Unit tests for the named sections of the configuration
 * (common/config_sections.c, common/config_lookup.c): [type.NAME],
 * [tier.NAME] and [token.NAME] from the file, the environment and
 * config_set, their errors and cross-checks, and their lookups.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_fixture.h"

/* ------------------------------------------------------------ named */


/* config_set must fail with needle and leave the value as it was. */
static void
expect_set_error(const char *key, const char *value, const char *needle)
{
	struct berth_config	cfg;
	char			err[256];
	size_t			ntypes, ntiers, ntokens;

	config_init(&cfg);
	ntypes = cfg.ntypes;
	ntiers = cfg.ntiers;
	ntokens = cfg.ntokens;
	cr_assert_eq(config_set(&cfg, key, value, err, sizeof(err)), -1,
	    "%s = %s", key, value);
	cr_assert(strstr(err, needle) != NULL, "%s = %s: \"%s\" lacks \"%s\"",
	    key, value, err, needle);
	cr_assert_eq(cfg.ntypes, ntypes);
	cr_assert_eq(cfg.ntiers, ntiers);
	cr_assert_eq(cfg.ntokens, ntokens);
	config_free(&cfg);
}

static void
assert_seed_type(const struct ws_type *t, double cpus, long mem, long res,
    double max_cpus, long max_mem)
{
	cr_assert_not_null(t);
	cr_assert(t->enabled);
	cr_assert_str_eq(t->image, "codercom/code-server:latest");
	cr_assert_str_eq(t->command, "");
	cr_assert_eq(t->port, 8080);
	cr_assert_str_eq(t->env, "");
	cr_assert_float_eq(t->cpus, cpus, 1e-9);
	cr_assert_eq(t->memory_mb, mem);
	cr_assert_eq(t->memory_swap_mb, 0);
	cr_assert_eq(t->memory_reservation_mb, res);
	cr_assert_float_eq(t->max_cpus, max_cpus, 1e-9);
	cr_assert_eq(t->max_memory_mb, max_mem);
	cr_assert_str_eq(t->health_cmd,
	    "curl -f http://localhost:{port}/healthz || exit 1");
	cr_assert_eq(t->health_interval_s, 30);
	cr_assert_eq(t->health_timeout_s, 10);
	cr_assert_eq(t->health_retries, 3);
	cr_assert_eq(t->health_start_period_s, 60);
	cr_assert_str_eq(t->volume_path, "/home/coder/project");
	cr_assert_str_eq(t->tiers, "free,basic,pro");
}

Test(config_sections, builtin_types_and_tiers)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };

	config_init(&cfg);
	cr_assert_eq(config_finish(&cfg, &errs), 0);
	cr_assert_eq(cfg.ntypes, 2);
	cr_assert_eq(cfg.ntiers, 3);
	cr_assert_eq(cfg.ntokens, 0);
	assert_seed_type(config_type(&cfg, "vscode"), 2, 2048, 512, 4, 8192);
	assert_seed_type(config_type(&cfg, "spreadsheet"), 1.5, 1536, 384, 3,
	    6144);
	cr_assert_eq(config_tier(&cfg, "free")->max_session_min, 60);
	cr_assert_eq(config_tier(&cfg, "basic")->max_session_min, 480);
	cr_assert_eq(config_tier(&cfg, "pro")->max_session_min, 1440);
	cr_assert_null(config_type(&cfg, "demo"));
	cr_assert_null(config_type(&cfg, "VSCODE"));
	cr_assert_null(config_tier(&cfg, "gold"));
	config_free(&cfg);
	cr_assert_eq(cfg.ntypes, 0);
	cr_assert_null(cfg.types[0].name);
	cr_assert_null(cfg.types[0].image);
}

Test(config_sections, file_adds_named_sections)
{
	struct berth_config	 cfg;
	const struct ws_type	*t;
	const struct api_token	*tok;

	load_ok(&cfg,
	    "[type.demo]\n"
	    "image = example/demo:1\n"
	    "command = /usr/bin/demo --port 9000\n"
	    "port = 9000\n"
	    "env = A=1;B_2=x=y;_c=\n"
	    "cpus = 0.5\n"
	    "memory_mb = 512\n"
	    "memory_swap_mb = -1\n"
	    "allow_unlimited_swap = true\n"
	    "health_cmd = true\n"
	    "health_retries = 100\n"
	    "volume_path = /data\n"
	    "tiers = pro\n"
	    "[type.vscode]\n"
	    "enabled = false\n"
	    "image =\n"
	    "[tier.pro]\n"
	    "max_session_min = 0\n"
	    "[tier.gold]\n"
	    "[token.alice]\n"
	    "token = alice-token-0123456789\n"
	    "user = alice@example.com\n"
	    "role = admin\n"
	    "[type.bare]\n");
	cr_assert_eq(cfg.ntypes, 4);
	cr_assert_not_null(t = config_type(&cfg, "demo"));
	cr_assert_str_eq(t->name, "demo");
	cr_assert_str_eq(t->image, "example/demo:1");
	cr_assert_str_eq(t->command, "/usr/bin/demo --port 9000");
	cr_assert_eq(t->port, 9000);
	cr_assert_str_eq(t->env, "A=1;B_2=x=y;_c=");
	cr_assert_float_eq(t->cpus, 0.5, 1e-9);
	cr_assert_eq(t->memory_mb, 512);
	cr_assert_eq(t->memory_swap_mb, -1);
	/* max_* of 0 are filled in by config_finish */
	cr_assert_float_eq(t->max_cpus, 0.5, 1e-9);
	cr_assert_eq(t->max_memory_mb, 512);
	cr_assert_str_eq(t->health_cmd, "true");
	cr_assert_eq(t->health_retries, 100);
	cr_assert_eq(t->health_interval_s, 30);
	cr_assert_str_eq(t->volume_path, "/data");
	cr_assert(config_type_allows_tier(t, "pro"));
	cr_assert(!config_type_allows_tier(t, "free"));
	/* A disabled type is not found, and may lack an image. */
	cr_assert_null(config_type(&cfg, "vscode"));
	cr_assert_not_null(config_type(&cfg, "spreadsheet"));
	/* A header alone makes a section with the defaults. */
	cr_assert_not_null(t = config_type(&cfg, "bare"));
	cr_assert_float_eq(t->cpus, 1, 1e-9);
	cr_assert_eq(t->memory_mb, 1024);
	cr_assert_eq(t->max_memory_mb, 1024);
	cr_assert_eq(config_tier(&cfg, "pro")->max_session_min, 0);
	cr_assert_eq(config_tier(&cfg, "gold")->max_session_min, 0);
	cr_assert_eq(cfg.ntokens, 1);
	cr_assert_not_null(tok = config_token(&cfg, "alice-token-0123456789"));
	cr_assert_str_eq(tok->name, "alice");
	cr_assert_str_eq(tok->user, "alice@example.com");
	cr_assert_str_eq(tok->role, "admin");
	config_free(&cfg);
}

Test(config_sections, env_named_sections)
{
	struct berth_config	 cfg;
	struct config_errors	 errs = { NULL, 0 };
	const struct ws_type	*t;

	config_init(&cfg);
	cr_assert_eq(load_text(&cfg, "[token.alice]\n"
	    "token = from-the-file-0123456789\nuser = alice\n", &errs), 0);
	setenv("BERTH_TYPE_DEMO_IMAGE", "example/demo:2", 1);
	setenv("BERTH_TYPE_MY_TYPE_CPUS", "2.5", 1);
	setenv("BERTH_TYPE_MY_TYPE_MAX_CPUS", "3", 1);
	setenv("BERTH_TYPE_VSCODE_MEMORY_MB", "4096", 1);
	setenv("BERTH_TYPE_SPREADSHEET_ENABLED", "false", 1);
	setenv("BERTH_TIER_FREE_MAX_SESSION_MIN", "30", 1);
	setenv("BERTH_TOKEN_ALICE_TOKEN", "from-the-env-0123456789", 1);
	setenv("BERTH_TOKEN_BOB2_TOKEN", "bob-token-0123456789", 1);
	setenv("BERTH_TOKEN_BOB2_USER", "bob", 1);
	cr_assert_eq(config_load_env(&cfg, &errs), 0);
	unsetenv("BERTH_TYPE_DEMO_IMAGE");
	unsetenv("BERTH_TYPE_MY_TYPE_CPUS");
	unsetenv("BERTH_TYPE_MY_TYPE_MAX_CPUS");
	unsetenv("BERTH_TYPE_VSCODE_MEMORY_MB");
	unsetenv("BERTH_TYPE_SPREADSHEET_ENABLED");
	unsetenv("BERTH_TIER_FREE_MAX_SESSION_MIN");
	unsetenv("BERTH_TOKEN_ALICE_TOKEN");
	unsetenv("BERTH_TOKEN_BOB2_TOKEN");
	unsetenv("BERTH_TOKEN_BOB2_USER");
	cr_assert_eq(config_finish(&cfg, &errs), 0);
	dump_errors(&errs);
	cr_assert_not_null(t = config_type(&cfg, "demo"));
	cr_assert_str_eq(t->image, "example/demo:2");
	cr_assert_eq(t->port, 8080);
	cr_assert_not_null(t = config_type(&cfg, "my-type"));
	cr_assert_float_eq(t->cpus, 2.5, 1e-9);
	cr_assert_float_eq(t->max_cpus, 3, 1e-9);
	cr_assert_eq(config_type(&cfg, "vscode")->memory_mb, 4096);
	cr_assert_null(config_type(&cfg, "spreadsheet"));
	cr_assert_eq(config_tier(&cfg, "free")->max_session_min, 30);
	cr_assert_null(config_token(&cfg, "from-the-file-0123456789"));
	cr_assert_str_eq(config_token(&cfg, "from-the-env-0123456789")->name,
	    "alice");
	cr_assert_str_eq(config_token(&cfg, "bob-token-0123456789")->user,
	    "bob");
	cr_assert_str_eq(config_token(&cfg, "bob-token-0123456789")->role,
	    "user");
	config_free(&cfg);
}

Test(config_sections, error_named_env)
{
	expect_env_error("BERTH_TYPE_DEMO_IMGAE", "x", "unknown key");
	expect_env_error("BERTH_TYPE_IMAGE", "x", "unknown key");
	expect_env_error("BERTH_TYPE__IMAGE", "x", "unknown key");
	expect_env_error("BERTH_TYPE_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456_IMAGE",
	    "x", "bad name");
	expect_env_error("BERTH_TYPE_9X_IMAGE", "x", "bad name");
	expect_env_error("BERTH_TYPE_demo_IMAGE", "x", "bad name");
	expect_env_error("BERTH_TYPE_D.MO_IMAGE", "x", "bad name");
	expect_env_error("BERTH_TYPE_DEMO_PORT", "0",
	    "0 is below the minimum 1");
	expect_env_error("BERTH_TIER_GOLD_MAX_SESSION_MIN", "x",
	    "not an integer");
	expect_env_error("BERTH_TOKEN_ALICE_TOKEN", "hunter2",
	    "shorter than 16");
	expect_env_error("BERTH_TOKEN_ALICE_ROLE", "root", "not admin or user");
}

Test(config_sections, error_named_file)
{
	expect_file_error("[type.Demo]\n", ":1: [type.Demo]: ", "bad name");
	expect_file_error("[type.]\n", "[type.]: ", "bad name");
	expect_file_error("[type]\n", "[type]: ", "bad name");
	expect_file_error("[tier.9]\n", "[tier.9]: ", "bad name");
	expect_file_error("[token.a_b]\n", "[token.a_b]: ", "bad name");
	expect_file_error("[type.abcdefghijklmnopqrstuvwxyz0123456]\n",
	    "[type.abcdefghijklmnopqrstuvwxyz0123456]: ", "bad name");
	expect_file_error("[types.x]\n", ":1: ", "unknown section [types.x]");
	expect_file_error("[type.demo]\nimagee = x\n",
	    ":2: [type.demo] imagee: ", "unknown key");
	expect_file_error("[type.demo]\nport = 1\n[type.demo]\nport = 2\n",
	    ":4: [type.demo] port: ", "set twice (first set on line 2)");
	expect_file_error("[type.demo]\nport = 0\n",
	    ":2: [type.demo] port: ", "0 is below the minimum 1");
	/* The keys of a bad section are not reported again. */
	expect_file_error("[type.X]\nport = 0\nnope = 1\n", ":1: ", "bad name");
}

Test(config_sections, error_type_values)
{
	expect_set_error("type.demo.image", "a b", "contains a blank");
	expect_set_error("type.demo.port", "65536", "above the maximum 65535");
	expect_set_error("type.demo.env", "A=1;B", "item 2 is not K=V");
	expect_set_error("type.demo.env", ";A=1", "item 1 is not K=V");
	expect_set_error("type.demo.env", "=1", "item 1: variable name");
	expect_set_error("type.demo.env", "1A=2", "item 1: variable name");
	expect_set_error("type.demo.env", "A-B=1", "item 1: variable name");
	expect_set_error("type.demo.cpus", "0.001", "below the minimum 0.01");
	expect_set_error("type.demo.cpus", "0", "0 is below the minimum 0.01");
	expect_set_error("type.demo.cpus", "-1",
	    "-1 is below the minimum 0.01");
	expect_set_error("type.demo.cpus", "300", "above the maximum 256");
	expect_set_error("type.demo.max_cpus", "-1", "below the minimum 0");
	expect_set_error("type.demo.memory_mb", "5", "below the minimum 6");
	expect_set_error("type.demo.memory_swap_mb", "-2",
	    "below the minimum -1");
	expect_set_error("type.demo.memory_reservation_mb", "-1",
	    "below the minimum 0");
	expect_set_error("type.demo.health_interval_s", "0",
	    "below the minimum 1");
	expect_set_error("type.demo.health_timeout_s", "3601",
	    "above the maximum 3600");
	expect_set_error("type.demo.health_retries", "101",
	    "above the maximum 100");
	expect_set_error("type.demo.health_start_period_s", "-1",
	    "below the minimum 0");
	expect_set_error("type.demo.volume_path", "home", "not an absolute");
	expect_set_error("type.demo.probe_path", "healthz", "starting with /");
	expect_set_error("type.demo.probe_path", "", "starting with /");
	expect_set_error("type.demo.probe_path", "/a b", "blank or non-ASCII");
	expect_set_error("type.demo.probe_path", "/\xc3\xa9", "non-ASCII");
	expect_set_error("database.pg_bindir", "usr/bin", "not an absolute");
	expect_set_error("metrics.app_interval_ms", "999",
	    "below the minimum 1000");
	expect_set_error("metrics.retention_hours", "0",
	    "below the minimum 1");
	expect_set_error("health.startup_timeout_s", "3601",
	    "above the maximum 3600");
	expect_set_error("health.dependencies", "a=http://localhost:1/",
	    "numeric host");
	expect_set_error("health.dependencies", "A=http://127.0.0.1:1/",
	    "name=http://");
	expect_set_error("tier.gold.price_cpu_second", "-1",
	    "below the minimum 0");
	expect_set_error("type.demo.tiers", "free,,pro", "tier names");
	expect_set_error("type.demo.tiers", "free,", "tier names");
	expect_set_error("type.demo.tiers", "Free", "tier names");
	expect_set_error("type.demo.tiers", "free, pro", "tier names");
	expect_set_error("type.demo.tiers", "", "tier names");
	expect_set_error("type.demo.enabled", "maybe", "not a boolean");
	expect_set_error("type.demo.command", "a\nb", "control character");
	expect_set_error("tier.gold.max_session_min", "525601",
	    "above the maximum 525600");
	expect_set_error("type.demo.nope", "1", "unknown key");
	expect_set_error("type.Demo.port", "1", "bad name");
	expect_set_error("type..port", "1", "bad name");
	expect_set_error("kind.demo.port", "1", "unknown key");
	expect_set_error("type.demo.port.x", "1", "unknown key");
}

Test(config_sections, error_token_values)
{
	char	user[80];

	expect_set_error("token.alice.token", "0123456789abcde",
	    "shorter than 16");
	expect_set_error("token.alice.token", "0123456789 abcdef",
	    "contains a blank");
	expect_set_error("token.alice.token", "", "empty");
	expect_set_error("token.alice.user", "", "empty");
	expect_set_error("token.alice.user", "alice smith", "not 1 to 64");
	expect_set_error("token.alice.user", "a/b", "not 1 to 64");
	memset(user, 'u', 65);
	user[65] = '\0';
	expect_set_error("token.alice.user", user, "not 1 to 64");
	user[64] = '\0';
	{
		struct berth_config	cfg;
		char			err[256];

		config_init(&cfg);
		cr_assert_eq(config_set(&cfg, "token.alice.user", user, err,
		    sizeof(err)), 0, "%s", err);
		config_free(&cfg);
	}
	expect_set_error("token.alice.role", "root", "not admin or user");
	expect_set_error("token.alice.role", "Admin", "not admin or user");
	expect_set_error("token.alice.role", "", "not admin or user");
}

Test(config_sections, error_named_cross_checks)
{
	expect_finish_error("[type.demo]\nmemory_mb = 512\n"
	    "memory_reservation_mb = 513\n", "[type.demo] "
	    "memory_reservation_mb: 513 is above memory_mb 512");
	expect_finish_error("[type.demo]\nmemory_swap_mb = 100\n",
	    "[type.demo] memory_swap_mb: 100 is below memory_mb 1024");
	expect_finish_error("[type.vscode]\nmax_cpus = 1.5\n",
	    "[type.vscode] max_cpus: 1.5 is below cpus 2");
	expect_finish_error("[type.demo]\nmax_memory_mb = 1023\n",
	    "[type.demo] max_memory_mb: 1023 is below memory_mb 1024");
	expect_finish_error("[type.demo]\ntiers = free,gold\n",
	    "[type.demo] tiers: no [tier.gold]");
	expect_finish_error("[type.demo]\nimage =\n",
	    "[type.demo] image: empty in an enabled type");
	expect_finish_error("[token.alice]\ntoken = 0123456789abcdef\n"
	    "user = alice\n[token.bob]\ntoken = 0123456789abcdef\nuser = bob\n",
	    "[token.bob] token: the same as [token.alice]");
	expect_finish_error("[auth]\nadmin_token = 0123456789abcdef\n"
	    "[token.alice]\ntoken = 0123456789abcdef\nuser = alice\n",
	    "[token.alice] token: the same as [auth] admin_token");
	expect_finish_error("[token.alice]\ntoken = 0123456789abcdef\n",
	    "[token.alice] user: empty");
	expect_finish_error("[token.alice]\nuser = alice\n",
	    "[token.alice] token: empty");
	/* The limits themselves are fine. */
	{
		struct berth_config	cfg;

		load_ok(&cfg, "[type.demo]\nmemory_mb = 512\n"
		    "memory_reservation_mb = 512\nmemory_swap_mb = 512\n"
		    "max_memory_mb = 512\ncpus = 2\nmax_cpus = 2\n"
		    "[type.other]\nmemory_swap_mb = -1\n"
		    "allow_unlimited_swap = yes\n"
		    "[type.off]\nenabled = false\nimage =\ntiers = gold\n"
		    "[tier.gold]\n");
		config_free(&cfg);
	}
}

/* A value set behind config_set's back is caught by config_finish. */
Test(config_sections, error_named_recheck)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };

	config_init(&cfg);
	cfg.types[0].port = 0;
	cfg.tiers[0].max_session_min = -5;
	cr_assert_eq(config_finish(&cfg, &errs), 2);
	dump_errors(&errs);
	cr_assert(has_error(&errs, "[type.vscode] port: 0 is below the "
	    "minimum 1"));
	cr_assert(has_error(&errs, "[tier.free] max_session_min: -5 is below "
	    "the minimum 0"));
	config_errors_free(&errs);
	config_free(&cfg);
}

/* [events] persist is errors or all. */
Test(config_sections, events_persist_is_errors_or_all)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };
	char			err[256];

	config_init(&cfg);
	cr_assert_str_eq(cfg.events_persist, "errors");
	cr_assert_eq(config_set(&cfg, "events.persist", "all", err,
	    sizeof(err)), 0, "%s", err);
	cr_assert_eq(config_finish(&cfg, &errs), 0);
	cr_assert_eq(config_set(&cfg, "events.persist", "some", err,
	    sizeof(err)), 0, "%s", err);
	cr_assert_eq(config_finish(&cfg, &errs), 1);
	cr_assert(has_error(&errs, "[events] persist: not errors or all"));
	config_errors_free(&errs);
	config_free(&cfg);
}

/* Fill a kind up to its limit with config_set; one more must fail. */
static void
fill_to_limit(const char *fmt, const char *v, size_t limit,
    const char *needle)
{
	struct berth_config	cfg;
	char			key[64], err[256];
	size_t			i, *count;

	config_init(&cfg);
	count = strncmp(fmt, "type", 4) == 0 ? &cfg.ntypes :
	    strncmp(fmt, "tier", 4) == 0 ? &cfg.ntiers : &cfg.ntokens;
	for (i = 0; *count < limit; i++) {
		snprintf(key, sizeof(key), fmt, i);
		cr_assert_eq(config_set(&cfg, key, v, err, sizeof(err)), 0,
		    "%s: %s", key, err);
	}
	snprintf(key, sizeof(key), fmt, i);
	cr_assert_eq(config_set(&cfg, key, v, err, sizeof(err)), -1);
	cr_assert_str_eq(err, needle);
	cr_assert_eq(*count, limit);
	config_free(&cfg);
}

Test(config_sections, error_too_many)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };
	char			text[2048];
	size_t			i, len = 0;

	fill_to_limit("type.t%zu.command", "", CONFIG_MAX_TYPES,
	    "too many types (at most 16)");
	fill_to_limit("tier.t%zu.max_session_min", "1", CONFIG_MAX_TIERS,
	    "too many tiers (at most 8)");
	fill_to_limit("token.t%zu.role", "user", CONFIG_MAX_TOKENS,
	    "too many tokens (at most 64)");

	/* In a file: the header of the 15th new type. */
	for (i = 0; i < CONFIG_MAX_TYPES - 1; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "[type.t%zu]\nport = 1\n", i);
	config_init(&cfg);
	cr_assert_eq(load_text(&cfg, text, &errs), 1);
	dump_errors(&errs);
	cr_assert(has_error(&errs, ":29: [type.t14]: too many types (at most "
	    "16)"));
	cr_assert_eq(cfg.ntypes, CONFIG_MAX_TYPES);
	config_errors_free(&errs);
	config_free(&cfg);
}

/* ------------------------------------------------------------ lookups */

Test(config_sections, token_lookup)
{
	struct berth_config	 cfg;
	const struct api_token	*t;

	load_ok(&cfg, "[auth]\nadmin_token = admin-token-0123456789\n"
	    "[token.alice]\ntoken = alice-token-0123456789\nuser = alice\n"
	    "[token.bob]\ntoken = bob-token-0123456789\nuser = bob\n"
	    "role = admin\n");
	cr_assert_not_null(t = config_token(&cfg, "alice-token-0123456789"));
	cr_assert_eq(t, &cfg.tokens[0]);
	cr_assert_str_eq(t->role, "user");
	cr_assert_not_null(t = config_token(&cfg, "bob-token-0123456789"));
	cr_assert_str_eq(t->name, "bob");
	cr_assert_str_eq(t->role, "admin");
	cr_assert_not_null(t = config_token(&cfg, "admin-token-0123456789"));
	cr_assert_str_eq(t->name, "admin");
	cr_assert_str_eq(t->user, "admin");
	cr_assert_str_eq(t->role, "admin");
	cr_assert_eq(t->token, cfg.admin_token);

	cr_assert_null(config_token(&cfg, "alice-token-012345678"));
	cr_assert_null(config_token(&cfg, "alice-token-01234567890"));
	cr_assert_null(config_token(&cfg, "alice-token-0123456788"));
	cr_assert_null(config_token(&cfg, "ALICE-TOKEN-0123456789"));
	cr_assert_null(config_token(&cfg, "admin-token"));
	cr_assert_null(config_token(&cfg, "a"));
	cr_assert_null(config_token(&cfg, ""));
	cr_assert_null(config_token(&cfg, NULL));
	config_free(&cfg);

	/* No admin_token: nothing matches it, not even "". */
	load_ok(&cfg, "[token.alice]\ntoken = alice-token-0123456789\n"
	    "user = alice\n");
	cr_assert_str_eq(cfg.admin_token, "");
	cr_assert_null(config_token(&cfg, ""));
	cr_assert_null(config_token(&cfg, "admin"));
	cr_assert_not_null(config_token(&cfg, "alice-token-0123456789"));
	config_free(&cfg);
}

Test(config_sections, type_allows_tier)
{
	struct ws_type	t;

	memset(&t, 0, sizeof(t));
	t.tiers = (char *)"free,pro";
	cr_assert(config_type_allows_tier(&t, "free"));
	cr_assert(config_type_allows_tier(&t, "pro"));
	cr_assert(!config_type_allows_tier(&t, "basic"));
	cr_assert(!config_type_allows_tier(&t, "fre"));
	cr_assert(!config_type_allows_tier(&t, "pr"));
	cr_assert(!config_type_allows_tier(&t, "free,pro"));
	cr_assert(!config_type_allows_tier(&t, ""));
	t.tiers = (char *)"basic";
	cr_assert(config_type_allows_tier(&t, "basic"));
	cr_assert(!config_type_allows_tier(&t, "basics"));
}

Test(config_sections, containment_keys)
{
	struct berth_config	 cfg;
	const struct ws_type	*t;
	char			 err[256];

	config_init(&cfg);
	t = config_type(&cfg, "vscode");
	cr_assert_eq(t->pids_limit, 512);
	cr_assert_str_eq(t->cap_add, "CHOWN,DAC_OVERRIDE,FOWNER,SETUID,"
	    "SETGID,KILL,NET_BIND_SERVICE");
	cr_assert_eq(t->ulimit_nofile, 4096);
	cr_assert_eq(t->ulimit_nproc, 1024);
	cr_assert_eq(t->read_only_rootfs, 0);
	cr_assert_eq(t->log_max_size_mb, 10);
	cr_assert_eq(t->log_max_files, 3);
	cr_assert_str_eq(t->network, "isolated");
	cr_assert_str_eq(cfg.docker_isolated_network, "berth-isolated");
	cr_assert_eq(config_set(&cfg, "type.vscode.cap_add", "", err,
	    sizeof(err)), 0, "%s", err);
	cr_assert_eq(config_set(&cfg, "type.vscode.cap_add", "NET_RAW,SYSLOG",
	    err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(config_set(&cfg, "type.vscode.network", "none", err,
	    sizeof(err)), 0, "%s", err);
	config_free(&cfg);

	expect_set_error("type.demo.cap_add", "ALL", "ALL is not a capability");
	expect_set_error("type.demo.cap_add", "CAP_CHOWN", "not a capability");
	expect_set_error("type.demo.cap_add", "chown", "not a capability");
	expect_set_error("type.demo.cap_add", "CHOWN,,KILL", "not a capab");
	expect_set_error("type.demo.cap_add", "CHOWN,", "ends with a comma");
	expect_set_error("type.demo.cap_add", "CHOWN, KILL", "not a capab");
	expect_set_error("type.demo.network", "host", "not isolated, shared");
	expect_set_error("type.demo.network", "", "not isolated, shared");
	expect_set_error("type.demo.pids_limit", "0", "below the minimum 16");
	expect_set_error("type.demo.ulimit_nofile", "1048577", "above the max");
	expect_set_error("type.demo.log_max_size_mb", "0", "below the minim");
	expect_set_error("type.demo.log_max_files", "101", "above the maxim");
	expect_set_error("docker.isolated_network", "a b", "not a network");
	expect_set_error("docker.isolated_network", "", "empty");
}

Test(config_sections, notify_receivers_and_alertmanager)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };

	load_ok(&cfg, "[notify.ops]\nurl = https://hooks.example.com/x\n"
	    "severity = error\nformat = alertmanager\nsecret = whsec_AAAA\n"
	    "[alertmanager]\nurls = http://127.0.0.1:9093, http://[::1]:9093\n");
	cr_assert_eq(cfg.nnotify, 1);
	cr_expect_str_eq(cfg.notify[0].format, "alertmanager");
	config_free(&cfg);
	expect_file_error("[notify.ops]\nurl = ftp://x/\n", "url",
	    "not http:// or https://");
	expect_file_error("[notify.ops]\nurl = http://u:p@x/\n", "url",
	    "user information");
	expect_file_error("[notify.ops]\nurl = http://x/\nseverity = loud\n",
	    "severity", NULL);
	expect_file_error("[notify.ops]\nurl = http://x/\nformat = slack\n",
	    "format", NULL);
	expect_file_error("[alertmanager]\nurls = http://a, gopher://b\n",
	    "gopher://b", NULL);
	expect_finish_error("[notify.ops]\nseverity = info\n",
	    "[notify.ops] url: not set");
	/* seed 001's variable: a receiver of critical alerts */
	config_init(&cfg);
	cr_assert_eq(setenv("MONITORING_WEBHOOK_URL",
	    "https://hooks.example.com/critical", 1), 0);
	cr_assert_eq(config_load_env(&cfg, &errs), 0);
	unsetenv("MONITORING_WEBHOOK_URL");
	cr_assert_eq(cfg.nnotify, 1);
	cr_expect_str_eq(cfg.notify[0].name, "monitoring");
	cr_expect_str_eq(cfg.notify[0].severity, "critical");
	config_free(&cfg);
	expect_env_error("MONITORING_WEBHOOK_URL", "hooks.example.com",
	    "not http:// or https://");
}
