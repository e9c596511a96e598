/*
 * Unit tests for the configuration (common/config.c): defaults, the
 * file, environment overrides, derived values, every kind of error, the
 * example file in contrib/, and the key table itself.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "xmalloc.h"

#define EXAMPLE	BERTH_SRCDIR "/contrib/berth.conf.example"

/* Write text to a new file under /tmp; the caller unlinks and frees. */
static char *
write_tmp(const char *text)
{
	char	path[] = "/tmp/berth-test-config-XXXXXX";
	size_t	len = strlen(text);
	int	fd;

	fd = mkstemp(path);
	cr_assert_neq(fd, -1, "mkstemp");
	cr_assert_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	return xstrdup(path);
}

/* Load text as a file; returns the number of errors. */
static int
load_text(struct berth_config *cfg, const char *text,
    struct config_errors *errs)
{
	char	*path = write_tmp(text);
	int	 n;

	n = config_load_file(cfg, path, errs);
	unlink(path);
	free(path);
	return n;
}

static int
has_error(const struct config_errors *errs, const char *needle)
{
	size_t	i;

	for (i = 0; i < errs->n; i++) {
		if (strstr(errs->lines[i], needle) != NULL)
			return 1;
	}
	return 0;
}

static void
dump_errors(const struct config_errors *errs)
{
	size_t	i;

	for (i = 0; i < errs->n; i++)
		cr_log_info("error: %s", errs->lines[i]);
}

/* The file text must give exactly one error, containing each needle. */
static void
expect_file_error(const char *text, const char *n1, const char *n2)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };

	config_init(&cfg);
	load_text(&cfg, text, &errs);
	dump_errors(&errs);
	cr_assert_eq(errs.n, 1, "want one error for: %s", text);
	cr_assert(strstr(errs.lines[0], n1) != NULL, "\"%s\" lacks \"%s\"",
	    errs.lines[0], n1);
	if (n2 != NULL)
		cr_assert(strstr(errs.lines[0], n2) != NULL,
		    "\"%s\" lacks \"%s\"", errs.lines[0], n2);
	config_errors_free(&errs);
	config_free(&cfg);
}

/* Setting the environment variable must give one error with needle. */
static void
expect_env_error(const char *var, const char *value, const char *needle)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };

	config_init(&cfg);
	cr_assert_eq(setenv(var, value, 1), 0);
	config_load_env(&cfg, &errs);
	unsetenv(var);
	dump_errors(&errs);
	cr_assert_eq(errs.n, 1, "want one error for %s=%s", var, value);
	cr_assert(strncmp(errs.lines[0], var, strlen(var)) == 0);
	cr_assert(strstr(errs.lines[0], needle) != NULL, "\"%s\" lacks \"%s\"",
	    errs.lines[0], needle);
	config_errors_free(&errs);
	config_free(&cfg);
}

static const struct config_key *
key_named(const char *section, const char *name)
{
	const struct config_key	*keys;
	size_t			 i, n;

	keys = config_keys(&n);
	for (i = 0; i < n; i++) {
		if (strcmp(keys[i].section, section) == 0 &&
		    strcmp(keys[i].name, name) == 0)
			return &keys[i];
	}
	cr_assert_fail("no key [%s] %s", section, name);
	return NULL;
}

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

/* ------------------------------------------------------------ example */

Test(config, example_parses)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };

	config_init(&cfg);
	config_load_file(&cfg, EXAMPLE, &errs);
	config_finish(&cfg, &errs);
	dump_errors(&errs);
	cr_assert_eq(errs.n, 0);
	config_free(&cfg);
}

/* Every key appears in its section as "# name = default", with its
 * environment variable mentioned. */
Test(config, example_documents_every_key)
{
	const struct config_key	*keys, *k;
	FILE			*f;
	char			*text, want[256], *sect, *next;
	long			 len;
	size_t			 i, n;

	f = fopen(EXAMPLE, "r");
	cr_assert_not_null(f, "%s", EXAMPLE);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = xcalloc(1, (size_t)len + 1);
	cr_assert_eq(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);

	keys = config_keys(&n);
	for (i = 0; i < n; i++) {
		k = &keys[i];
		snprintf(want, sizeof(want), "\n[%s]\n", k->section);
		cr_assert_not_null(sect = strstr(text, want), "%s", want);
		next = strstr(sect + 1, "\n[");
		snprintf(want, sizeof(want), "\n# %s =%s%s\n", k->name,
		    k->defval != NULL ? " " : "",
		    k->defval != NULL ? k->defval : "");
		if (k->defval == NULL && strcmp(k->name, "admin_socket") == 0)
			snprintf(want, sizeof(want), "\n# admin_socket = "
			    "/var/lib/berth/admin.sock\n");
		sect = strstr(sect, want);
		cr_assert(sect != NULL && (next == NULL || sect < next),
		    "[%s] lacks \"%s\"", k->section, want + 1);
		cr_assert_not_null(strstr(text, k->env), "%s", k->env);
	}
	free(text);
}

/* ------------------------------------------------------------ table */

/* A valid value other than the default for each string key. */
static const char *
sample(const struct config_key *k)
{
	static const char *const samples[][2] = {
		{ "http_listen",	"[::1]:9000" },
		{ "state_dir",		"/srv/berth" },
		{ "admin_socket",	"/run/berth/admin.sock" },
		{ "user",		"_berth" },
		{ "log_level",		"debug" },
		{ "socket",		"/run/docker.sock" },
		{ "url",		"postgresql://u@h:5432/db?x=y" },
		{ "admin_token",	"0123456789abcdef0123" },
	};
	size_t	i;

	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		if (strcmp(samples[i][0], k->name) == 0)
			return samples[i][1];
	}
	cr_assert_fail("no sample value for [%s] %s", k->section, k->name);
	return NULL;
}

static void
roundtrip(struct berth_config *cfg, const struct config_key *k,
    const char *v)
{
	char	name[128], err[256], *got;

	snprintf(name, sizeof(name), "%s.%s", k->section, k->name);
	cr_assert_eq(config_set(cfg, name, v, err, sizeof(err)), 0,
	    "%s = %s: %s", name, v, err);
	got = config_get(cfg, k);
	cr_assert_str_eq(got, v, "%s", name);
	free(got);
}

Test(config, get_set_roundtrip_every_key)
{
	const struct config_key	*keys, *k;
	struct berth_config	 cfg;
	char			*v, num[32];
	size_t			 i, n;

	config_init(&cfg);
	keys = config_keys(&n);
	for (i = 0; i < n; i++) {
		k = &keys[i];
		v = config_get(&cfg, k);	/* the default */
		roundtrip(&cfg, k, v);
		free(v);
		switch (k->type) {
		case CT_STRING:
			roundtrip(&cfg, k, sample(k));
			break;
		case CT_INT:
			snprintf(num, sizeof(num), "%ld", k->min);
			roundtrip(&cfg, k, num);
			snprintf(num, sizeof(num), "%ld", k->max);
			roundtrip(&cfg, k, num);
			break;
		case CT_BOOL:
			roundtrip(&cfg, k, "true");
			roundtrip(&cfg, k, "false");
			break;
		}
	}
	config_free(&cfg);
}

Test(config, secret_keys_flagged)
{
	const struct config_key	*keys;
	size_t			 i, n;
	int			 secret;

	keys = config_keys(&n);
	for (i = 0; i < n; i++) {
		secret = strcmp(keys[i].name, "url") == 0 ||
		    strcmp(keys[i].name, "admin_token") == 0;
		cr_assert_eq(keys[i].secret != 0, secret, "[%s] %s",
		    keys[i].section, keys[i].name);
	}
	cr_assert(key_named("database", "url")->secret);
	cr_assert(key_named("auth", "admin_token")->secret);
}

Test(config, reloadable_keys_flagged)
{
	static const char *const fixed[] = { "http_listen", "state_dir",
	    "admin_socket", "user", "unconfined", "socket", "url",
	    "shutdown_timeout_ms" };
	const struct config_key	*keys;
	size_t			 i, j, n;
	int			 reloadable;

	keys = config_keys(&n);
	for (i = 0; i < n; i++) {
		reloadable = 1;
		for (j = 0; j < sizeof(fixed) / sizeof(fixed[0]); j++) {
			if (strcmp(keys[i].name, fixed[j]) == 0)
				reloadable = 0;
		}
		cr_assert_eq(keys[i].reloadable != 0, reloadable, "[%s] %s",
		    keys[i].section, keys[i].name);
	}
}

Test(config, table_is_sane)
{
	const struct config_key	*keys;
	size_t			 i, j, n;

	keys = config_keys(&n);
	cr_assert_eq(n, 18);
	for (i = 0; i < n; i++) {
		cr_assert(strncmp(keys[i].env, "BERTH_", 6) == 0);
		cr_assert_not_null(keys[i].help);
		cr_assert_gt(strlen(keys[i].help), 10);
		cr_assert(keys[i].type == CT_STRING ||
		    keys[i].defval != NULL);
		for (j = 0; j < i; j++) {
			cr_assert_neq(keys[i].offset, keys[j].offset);
			cr_assert_str_neq(keys[i].env, keys[j].env);
		}
	}
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
