/*
 * Unit tests for the configuration (common/config.c): defaults, the
 * file, environment overrides, derived values and every kind of error
 * of the static keys.  The key table, config_foreach and the example
 * file are in test_config_keys.c; the named sections [type.NAME],
 * [tier.NAME], [token.NAME] in test_config_sections.c.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_fixture.h"

/* ------------------------------------------------------------ values */

Test(config, defaults)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };

	config_init(&cfg);
	cr_assert_eq(config_finish(&cfg, &errs), 0);
	cr_assert_str_eq(cfg.http_listen, "127.0.0.1:8080");
	cr_assert_str_eq(cfg.state_dir, "/var/lib/berth");
	cr_assert_str_eq(cfg.admin_socket, "/var/lib/berth/admin.sock");
	cr_assert_str_eq(cfg.user, "berth");
	cr_assert_str_eq(cfg.log_level, "info");
	cr_assert_eq(cfg.http_max_body, 1048576);
	cr_assert_eq(cfg.request_timeout_ms, 5000);
	cr_assert_eq(cfg.unconfined, 0);
	cr_assert_str_eq(cfg.docker_socket, "/var/run/docker.sock");
	cr_assert_str_eq(cfg.docker_network, "bridge");
	cr_assert_eq(cfg.docker_stop_timeout_s, 10);
	cr_assert_str_eq(cfg.database_url, "");
	cr_assert_str_eq(cfg.admin_token, "");
	cr_assert_eq(cfg.restart_min_ms, 100);
	cr_assert_eq(cfg.restart_max_ms, 30000);
	cr_assert_eq(cfg.restart_reset_s, 30);
	cr_assert_eq(cfg.restart_burst, 5);
	cr_assert_eq(cfg.restart_window_s, 10);
	cr_assert_eq(cfg.restart_failed_s, 60);
	cr_assert_eq(cfg.shutdown_timeout_ms, 4000);
	config_free(&cfg);
	cr_assert_null(cfg.http_listen);
}

Test(config, file_sets_values)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };

	config_init(&cfg);
	cr_assert_eq(load_text(&cfg,
	    "; a comment\n"
	    "[server]\n"
	    "http_listen = [::1]:9090\n"
	    "log_level = debug\n"
	    "http_max_body = 2048\n"
	    "unconfined = Yes\n"
	    "\n"
	    "[database]\n"
	    "url = postgresql://berth@db/berth\n"
	    "[auth]\n"
	    "admin_token = 0123456789abcdef\n"
	    "[supervisor]\n"
	    "restart_min_ms = 250   ; inline comment\n"
	    "restart_burst = 32\n", &errs), 0);
	cr_assert_eq(config_finish(&cfg, &errs), 0);
	cr_assert_str_eq(cfg.http_listen, "[::1]:9090");
	cr_assert_str_eq(cfg.log_level, "debug");
	cr_assert_eq(cfg.http_max_body, 2048);
	cr_assert_eq(cfg.unconfined, 1);
	cr_assert_str_eq(cfg.database_url, "postgresql://berth@db/berth");
	cr_assert_str_eq(cfg.admin_token, "0123456789abcdef");
	cr_assert_eq(cfg.restart_min_ms, 250);
	cr_assert_eq(cfg.restart_burst, 32);
	cr_assert_str_eq(cfg.state_dir, "/var/lib/berth");
	config_free(&cfg);
}

Test(config, bools)
{
	static const char *const yes[] = { "true", "TRUE", "yes", "On", "1" };
	static const char *const no[] = { "false", "No", "off", "OFF", "0" };
	struct berth_config	cfg;
	char			err[256];
	size_t			i;

	config_init(&cfg);
	for (i = 0; i < 5; i++) {
		cr_assert_eq(config_set(&cfg, "server.unconfined", yes[i],
		    err, sizeof(err)), 0, "%s", yes[i]);
		cr_assert_eq(cfg.unconfined, 1, "%s", yes[i]);
		cr_assert_eq(config_set(&cfg, "server.unconfined", no[i],
		    err, sizeof(err)), 0, "%s", no[i]);
		cr_assert_eq(cfg.unconfined, 0, "%s", no[i]);
	}
	config_free(&cfg);
}

Test(config, env_overrides_file)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };

	config_init(&cfg);
	cr_assert_eq(load_text(&cfg,
	    "[server]\nhttp_max_body = 2048\nuser = fromfile\n"
	    "[database]\nurl = postgresql://file\n", &errs), 0);
	setenv("BERTH_HTTP_MAX_BODY", "4096", 1);
	setenv("BERTH_UNCONFINED", "on", 1);
	setenv("BERTH_DATABASE_URL", "", 1);
	cr_assert_eq(config_load_env(&cfg, &errs), 0);
	unsetenv("BERTH_HTTP_MAX_BODY");
	unsetenv("BERTH_UNCONFINED");
	unsetenv("BERTH_DATABASE_URL");
	cr_assert_eq(config_finish(&cfg, &errs), 0);
	cr_assert_eq(cfg.http_max_body, 4096);
	cr_assert_eq(cfg.unconfined, 1);
	cr_assert_str_eq(cfg.user, "fromfile");
	/* An empty variable sets a string to empty. */
	cr_assert_str_eq(cfg.database_url, "");
	config_free(&cfg);
}

Test(config, admin_socket_derived_from_state_dir)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };
	char			err[256];

	config_init(&cfg);
	cr_assert_eq(config_set(&cfg, "server.state_dir", "/srv/berth/", err,
	    sizeof(err)), 0);
	cr_assert_eq(config_finish(&cfg, &errs), 0);
	cr_assert_str_eq(cfg.admin_socket, "/srv/berth/admin.sock");
	config_free(&cfg);

	/* An explicit admin_socket is kept. */
	config_init(&cfg);
	cr_assert_eq(load_text(&cfg, "[server]\nstate_dir = /srv/b\n"
	    "admin_socket = /run/berth.sock\n", &errs), 0);
	cr_assert_eq(config_finish(&cfg, &errs), 0);
	cr_assert_str_eq(cfg.admin_socket, "/run/berth.sock");
	config_free(&cfg);
}

Test(config, admin_socket_derived_too_long)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };
	char			dir[120], err[256];

	memset(dir, 'd', sizeof(dir) - 1);
	dir[0] = '/';
	dir[sizeof(dir) - 1] = '\0';
	config_init(&cfg);
	cr_assert_eq(config_set(&cfg, "server.state_dir", dir, err,
	    sizeof(err)), 0);
	cr_assert_eq(config_finish(&cfg, &errs), 1);
	cr_assert(has_error(&errs, "[server] admin_socket: longer than 107"));
	config_errors_free(&errs);
	config_free(&cfg);
}

/* ------------------------------------------------------------ errors */

Test(config, error_unknown_section)
{
	expect_file_error("[server]\nuser = x\n[bogus]\nfoo = 1\n",
	    ":3: ", "unknown section [bogus]");
	expect_file_error("[empty]\n", ":1: ", "unknown section [empty]");
}

Test(config, error_unknown_key)
{
	expect_file_error("[server]\n\nhttp_lisen = 1.2.3.4:80\n",
	    ":3: ", "[server] http_lisen: unknown key");
	expect_file_error("user = x\n", ":1: ", "outside any [section]");
}

Test(config, error_bad_int)
{
	expect_file_error("[server]\nhttp_max_body = 12k\n",
	    ":2: [server] http_max_body: ", "not an integer");
	expect_file_error("[server]\nhttp_max_body = 0x400\n",
	    "http_max_body", "not an integer");
	expect_file_error("[server]\nhttp_max_body = "
	    "99999999999999999999999\n", "http_max_body", "out of range");
	expect_env_error("BERTH_RESTART_BURST", "", "empty");
	expect_env_error("BERTH_RESTART_BURST", " 5", "not an integer");
}

Test(config, error_out_of_bounds)
{
	expect_file_error("[server]\nhttp_max_body = 12\n",
	    ":2: [server] http_max_body: 12 is below the minimum 1024", NULL);
	expect_file_error("[supervisor]\nrestart_burst = 33\n",
	    "restart_burst: 33 is above the maximum 32", NULL);
	expect_env_error("BERTH_REQUEST_TIMEOUT_MS", "-1",
	    "-1 is below the minimum 100");
}

Test(config, error_bad_bool)
{
	expect_file_error("[server]\nunconfined = maybe\n",
	    ":2: [server] unconfined: ", "not a boolean");
	expect_env_error("BERTH_UNCONFINED", "", "empty");
}

Test(config, error_bad_listen)
{
	expect_file_error("[server]\nhttp_listen = localhost\n",
	    "http_listen", "not host:port");
	expect_file_error("[server]\nhttp_listen = 127.0.0.1:99999\n",
	    "http_listen", "not host:port");
	expect_env_error("BERTH_HTTP_LISTEN", ":8080", "not host:port");
	expect_env_error("BERTH_HTTP_LISTEN", "", "not host:port");
}

Test(config, error_relative_path)
{
	expect_file_error("[server]\nstate_dir = var/lib/berth\n",
	    "[server] state_dir", "not an absolute path");
	expect_file_error("[server]\nadmin_socket = admin.sock\n",
	    "[server] admin_socket", "not an absolute path");
	expect_file_error("[docker]\nsocket = docker.sock\n",
	    "[docker] socket", "not an absolute path");
	expect_env_error("BERTH_STATE_DIR", "", "not an absolute path");
}

Test(config, error_admin_socket_too_long)
{
	char	text[256];

	snprintf(text, sizeof(text), "[server]\nadmin_socket = /%0107d\n", 0);
	expect_file_error(text, "admin_socket", "longer than 107 bytes");
	snprintf(text, sizeof(text), "[server]\nadmin_socket = /%0106d\n", 0);
	{
		struct berth_config	cfg;
		struct config_errors	errs = { NULL, 0 };

		config_init(&cfg);
		cr_assert_eq(load_text(&cfg, text, &errs), 0);
		config_free(&cfg);
	}
}

Test(config, error_control_char)
{
	expect_file_error("[server]\nuser = ber\tth\n",
	    "[server] user", "control character");
	expect_env_error("BERTH_DATABASE_URL", "postgresql://x\ny",
	    "control character");
	expect_env_error("BERTH_USER", "a\x7f", "control character");
}

Test(config, error_secret_not_echoed)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };

	config_init(&cfg);
	setenv("BERTH_ADMIN_TOKEN", "hunter2", 1);
	cr_assert_eq(config_load_env(&cfg, &errs), 1);
	unsetenv("BERTH_ADMIN_TOKEN");
	cr_assert(!has_error(&errs, "hunter2"));
	config_errors_free(&errs);
	config_free(&cfg);
}

Test(config, error_short_admin_token)
{
	expect_file_error("[auth]\nadmin_token = 0123456789abcde\n",
	    ":2: [auth] admin_token: ", "shorter than 16");
	expect_env_error("BERTH_ADMIN_TOKEN", "short", "shorter than 16");
}

Test(config, empty_admin_token_allowed)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };

	config_init(&cfg);
	setenv("BERTH_ADMIN_TOKEN", "", 1);
	cr_assert_eq(config_load_env(&cfg, &errs), 0);
	unsetenv("BERTH_ADMIN_TOKEN");
	cr_assert_str_eq(cfg.admin_token, "");
	config_free(&cfg);
}

Test(config, error_bad_log_level)
{
	expect_file_error("[server]\nlog_level = verbose\n",
	    "[server] log_level", "error, warn, info, debug");
}

Test(config, error_restart_max_below_min)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };

	config_init(&cfg);
	cr_assert_eq(load_text(&cfg, "[supervisor]\nrestart_min_ms = 5000\n"
	    "restart_max_ms = 1000\n", &errs), 0);
	cr_assert_eq(config_finish(&cfg, &errs), 1);
	dump_errors(&errs);
	cr_assert(has_error(&errs, "restart_max_ms: 1000 is below "
	    "restart_min_ms 5000"));
	config_errors_free(&errs);
	config_free(&cfg);
}

Test(config, error_missing_file)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };

	config_init(&cfg);
	cr_assert_eq(config_load_file(&cfg, "/nonexistent/berth.conf",
	    &errs), 1);
	cr_assert(has_error(&errs, "cannot open /nonexistent/berth.conf: "
	    "No such file or directory"));
	config_errors_free(&errs);
	config_free(&cfg);
}

Test(config, error_directory_as_file)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };

	config_init(&cfg);
	cr_assert_eq(config_load_file(&cfg, "/tmp", &errs), 1);
	dump_errors(&errs);
	cr_assert(has_error(&errs, "/tmp"));
	config_errors_free(&errs);
	config_free(&cfg);
}

Test(config, error_syntax)
{
	expect_file_error("[server]\nuser = x\njust words\n", ":3: ",
	    "syntax error");
}

Test(config, error_duplicate_key)
{
	expect_file_error("[server]\nuser = a\nuser = b\n", ":3: ",
	    "set twice (first set on line 2)");
	expect_file_error("[server]\nuser = a\n  state_dir = /x\n", ":3: ",
	    "indented line");
}

Test(config, error_long_line)
{
	char	text[1024];

	snprintf(text, sizeof(text), "[database]\nurl = postgresql://%0400d\n"
	    "[server]\nuser = x\n", 0);
	expect_file_error(text, ":2: ", "line longer than");
}

Test(config, errors_keep_previous_value)
{
	struct berth_config	cfg;
	char			err[256];

	config_init(&cfg);
	cr_assert_eq(config_set(&cfg, "server.http_max_body", "1", err,
	    sizeof(err)), -1);
	cr_assert_str_eq(err, "1 is below the minimum 1024");
	cr_assert_eq(cfg.http_max_body, 1048576);
	cr_assert_eq(config_set(&cfg, "server.nope", "1", err, sizeof(err)),
	    -1);
	cr_assert_eq(config_set(&cfg, "nodot", "1", err, sizeof(err)), -1);
	config_free(&cfg);
}

Test(config, all_errors_reported)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };

	config_init(&cfg);
	cr_assert_eq(load_text(&cfg, "[server]\nhttp_max_body = 1\n"
	    "unconfined = perhaps\n[nope]\n[docker]\nsocket = rel\n", &errs),
	    4);
	config_errors_free(&errs);
	config_free(&cfg);
}

Test(config, errors_list)
{
	struct config_errors	errs = { NULL, 0 };

	config_errors_add(&errs, "one %d", 1);
	config_errors_add(&errs, "%s", "two");
	cr_assert_eq(errs.n, 2);
	cr_assert_str_eq(errs.lines[0], "one 1");
	cr_assert_str_eq(errs.lines[1], "two");
	config_errors_free(&errs);
	cr_assert_eq(errs.n, 0);
	cr_assert_null(errs.lines);
}

Test(config, error_docker_keys)
{
	expect_file_error("[docker]\nnetwork = my net\n",
	    ":2: [docker] network: ", "not a network name");
	expect_file_error("[docker]\nnetwork = net/1\n",
	    "[docker] network", "not a network name");
	expect_env_error("BERTH_DOCKER_NETWORK", "", "empty");
	expect_file_error("[docker]\nstop_timeout_s = 601\n",
	    "[docker] stop_timeout_s: ", "601 is above the maximum 600");
	expect_env_error("BERTH_DOCKER_STOP_TIMEOUT_S", "-1",
	    "-1 is below the minimum 0");
}

/* The gateway holds the scrape token: it must be long and open nothing
 * else. */
Test(config, scrape_token_rules)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };
	char			err[256];

	expect_file_error("[metrics]\nscrape_token = short\n",
	    ":2: [metrics] scrape_token: ", "shorter than 16");
	config_init(&cfg);
	cr_assert_eq(config_set(&cfg, "auth.admin_token",
	    "same-token-0123456789", err, sizeof(err)), 0);
	cr_assert_eq(config_set(&cfg, "metrics.scrape_token",
	    "same-token-0123456789", err, sizeof(err)), 0);
	cr_assert_gt(config_finish(&cfg, &errs), 0);
	cr_assert(has_error(&errs, "scrape_token: the same as an API token"));
	cr_assert(!has_error(&errs, "same-token"));
	config_errors_free(&errs);
	config_free(&cfg);

	config_init(&cfg);
	cr_assert(config_scrape_ok(&cfg, NULL), "no scrape token: open");
	cr_assert_eq(config_set(&cfg, "metrics.scrape_token",
	    "scrape-token-0123456789", err, sizeof(err)), 0);
	cr_assert(!config_scrape_ok(&cfg, NULL));
	cr_assert(!config_scrape_ok(&cfg, "scrape-token-012345678"));
	cr_assert(!config_scrape_ok(&cfg, "scrape-token-01234567890"));
	cr_assert(config_scrape_ok(&cfg, "scrape-token-0123456789"));
	config_free(&cfg);
}

/* The host's network, or another container's, would let a workspace
 * reach the host's loopback: refused in the file and the environment. */
Test(config, error_docker_network_shared)
{
	struct berth_config	cfg;

	expect_file_error("[docker]\nnetwork = host\n",
	    "[docker] network: ", "shares a network namespace with the host");
	expect_file_error("[docker]\nnetwork = container:abc\n",
	    "[docker] network: ", "with the container");
	expect_env_error("BERTH_DOCKER_NETWORK", "host", "use a bridge");
	expect_env_error("BERTH_DOCKER_NETWORK", "container:x", "use a bridge");
	load_ok(&cfg, "[docker]\nnetwork = hostnet\n");
	config_free(&cfg);
}
