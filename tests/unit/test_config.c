/*
 * Unit tests for the configuration (common/config.c and
 * common/config_sections.c): defaults, the file, environment overrides,
 * derived values, every kind of error, the example file in contrib/, the
 * key table itself, and the named sections [type.NAME], [tier.NAME],
 * [token.NAME] with their lookups.
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
		{ "network",		"berth_net-1.a" },
		{ "url",		"postgresql://u@h:5432/db?x=y" },
		{ "admin_token",	"0123456789abcdef0123" },
		{ "pg_bindir",		"/usr/lib/postgresql/15/bin" },
		{ "dependencies",	"auth=http://127.0.0.1:9000/health" },
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
		case CT_DOUBLE:
			snprintf(num, sizeof(num), "%ld", k->max);
			roundtrip(&cfg, k, num);
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
	    "shutdown_timeout_ms", "embedded", "pg_bindir", "buffer_size" };
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
	cr_assert_eq(n, 40);
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

/* ------------------------------------------------------------ named */

/* Load text with no error and finish; the caller frees cfg. */
static void
load_ok(struct berth_config *cfg, const char *text)
{
	struct config_errors	errs = { NULL, 0 };

	config_init(cfg);
	load_text(cfg, text, &errs);
	config_finish(cfg, &errs);
	dump_errors(&errs);
	cr_assert_eq(errs.n, 0, "errors for: %s", text);
}

/* The text loads cleanly; config_finish gives one error with needle. */
static void
expect_finish_error(const char *text, const char *needle)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };

	config_init(&cfg);
	cr_assert_eq(load_text(&cfg, text, &errs), 0, "file: %s", text);
	config_finish(&cfg, &errs);
	dump_errors(&errs);
	cr_assert_eq(errs.n, 1, "want one error for: %s", text);
	cr_assert(strstr(errs.lines[0], needle) != NULL, "\"%s\" lacks \"%s\"",
	    errs.lines[0], needle);
	config_errors_free(&errs);
	config_free(&cfg);
}

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

Test(config, builtin_types_and_tiers)
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

Test(config, file_adds_named_sections)
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

Test(config, env_named_sections)
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

Test(config, error_named_env)
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

Test(config, error_named_file)
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

Test(config, error_type_values)
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

Test(config, error_token_values)
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

Test(config, error_named_cross_checks)
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
		    "[type.off]\nenabled = false\nimage =\ntiers = gold\n"
		    "[tier.gold]\n");
		config_free(&cfg);
	}
}

/* A value set behind config_set's back is caught by config_finish. */
Test(config, error_named_recheck)
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

Test(config, error_too_many)
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

/* ------------------------------------------------------------ foreach */

struct kv {
	char	**lines;
	size_t	  n;
	size_t	  named;	/* of which are named section keys */
};

static void
collect(const char *key, const char *value, const struct config_key *k,
    void *arg)
{
	struct kv	*kv = arg;
	char		 want[128];
	const char	*p;
	size_t		 i;

	kv->lines = xreallocarray(kv->lines, kv->n + 1, sizeof(*kv->lines));
	xasprintf(&kv->lines[kv->n++], "%s=%s", key, value);
	if (strchr(strchr(key, '.') + 1, '.') == NULL)
		return;
	kv->named++;
	/* key is section.NAME.name, env BERTH_SECTION_<NAME>_NAME */
	cr_assert(strncmp(key, k->section, strlen(k->section)) == 0);
	cr_assert_str_eq(strrchr(key, '.') + 1, k->name);
	cr_assert(k->reloadable, "%s", key);
	cr_assert_eq(k->secret != 0, strcmp(k->section, "token") == 0);
	i = (size_t)snprintf(want, sizeof(want), "BERTH_%s_<NAME>_",
	    k->section);
	for (p = k->name; *p != '\0'; p++)
		want[i++] = *p;
	want[i] = '\0';
	for (i = 0; want[i] != '\0'; i++)
		if (want[i] >= 'a' && want[i] <= 'z')
			want[i] = (char)(want[i] - 'a' + 'A');
	cr_assert_str_eq(k->env, want);
	cr_assert_not_null(k->help);
}

static void
kv_free(struct kv *kv)
{
	size_t	i;

	for (i = 0; i < kv->n; i++)
		free(kv->lines[i]);
	free(kv->lines);
}

static int
kv_has(const struct kv *kv, const char *line)
{
	size_t	i;

	for (i = 0; i < kv->n; i++)
		if (strcmp(kv->lines[i], line) == 0)
			return 1;
	return 0;
}

Test(config, foreach_lists_every_key)
{
	struct berth_config	cfg;
	struct kv		kv = { NULL, 0, 0 };
	size_t			n;

	config_init(&cfg);
	config_keys(&n);
	config_foreach(&cfg, collect, &kv);
	cr_assert_eq(kv.n, n + 2 * 19 + 3 * 3);
	cr_assert_eq(kv.named, 2 * 19 + 3 * 3);
	cr_assert_str_eq(kv.lines[0], "server.http_listen=127.0.0.1:8080");
	cr_assert(kv_has(&kv, "docker.network=bridge"));
	cr_assert(kv_has(&kv, "type.vscode.image=codercom/code-server:latest"));
	cr_assert(kv_has(&kv, "type.spreadsheet.cpus=1.5"));
	cr_assert(kv_has(&kv, "type.vscode.enabled=true"));
	cr_assert(kv_has(&kv, "type.vscode.command="));
	cr_assert(kv_has(&kv, "tier.pro.max_session_min=1440"));
	kv_free(&kv);
	config_free(&cfg);
}

static void
set_into(const char *key, const char *value, const struct config_key *k,
    void *arg)
{
	char	err[256];

	cr_assert_eq(config_set(arg, key, value, err, sizeof(err)), 0,
	    "%s = %s: %s", key, value, err);
}

Test(config, foreach_roundtrip)
{
	struct berth_config	cfg, copy;
	struct config_errors	errs = { NULL, 0 };
	struct kv		a = { NULL, 0, 0 }, b = { NULL, 0, 0 };
	size_t			i;

	load_ok(&cfg, "[auth]\nadmin_token = admin-token-0123456789\n"
	    "[type.demo]\nimage = x/y:1\ncpus = 0.25\nenv = A=1;B=2\n"
	    "tiers = gold\nmemory_swap_mb = -1\n[type.vscode]\nenabled = no\n"
	    "[tier.gold]\nmax_session_min = 5\n"
	    "[token.alice]\ntoken = alice-token-0123456789\nuser = alice\n"
	    "[token.bob]\ntoken = bob-token-0123456789\nuser = bob\n"
	    "role = admin\n");
	config_init(&copy);
	config_foreach(&cfg, set_into, &copy);
	cr_assert_eq(config_finish(&copy, &errs), 0);
	config_foreach(&cfg, collect, &a);
	config_foreach(&copy, collect, &b);
	cr_assert_eq(a.n, b.n);
	for (i = 0; i < a.n; i++)
		cr_assert_str_eq(a.lines[i], b.lines[i]);
	cr_assert(kv_has(&a, "type.demo.cpus=0.25"));
	cr_assert(kv_has(&a, "type.demo.max_cpus=0.25"));
	cr_assert(kv_has(&a, "token.bob.role=admin"));
	cr_assert_eq(copy.ntokens, 2);
	cr_assert_null(config_type(&copy, "vscode"));
	kv_free(&a);
	kv_free(&b);
	config_free(&cfg);
	config_free(&copy);
}

/* ------------------------------------------------------------ lookups */

Test(config, token_lookup)
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

Test(config, type_allows_tier)
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

/* ------------------------------------------------------------ doubles */

Test(config, double_values)
{
	static const char *const bad[][2] = {
		{ "nan",	"not a number" },
		{ "NaN",	"not a number" },
		{ "inf",	"not a number" },
		{ "-inf",	"not a number" },
		{ "infinity",	"not a number" },
		{ "1e999",	"out of range" },
		{ "1e-999",	"out of range" },
		{ "2x",		"not a number" },
		{ "",		"empty" },
		{ " 2",		"not a number" },
		{ "2 ",		"not a number" },
		{ "0x2",	"not a number" },
		{ "+2",		"not a number" },
		{ "e2",		"not a number" },
		{ "-",		"not a number" },
		{ ".",		"not a number" },
		{ "1-2",	"not a number" },
		{ "256.001",	"256.001 is above the maximum 256" },
		{ "1.2345678",	"more than 6 significant digits" },
	};
	static const char *const good[][2] = {
		{ "2",		"2" },
		{ "1.50",	"1.5" },
		{ ".5",		"0.5" },
		{ "0.01",	"0.01" },
		{ "1e2",	"100" },
		{ "2.5E-1",	"0.25" },
		{ "256",	"256" },
		{ "123.456",	"123.456" },
	};
	struct berth_config	 cfg;
	struct kv		 kv;
	char			 err[256], want[64];
	size_t			 i;

	config_init(&cfg);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(config_set(&cfg, "type.vscode.cpus", bad[i][0],
		    err, sizeof(err)), -1, "\"%s\"", bad[i][0]);
		cr_assert(strstr(err, bad[i][1]) != NULL,
		    "\"%s\": \"%s\" lacks \"%s\"", bad[i][0], err, bad[i][1]);
		cr_assert_float_eq(cfg.types[0].cpus, 2, 1e-9);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cr_assert_eq(config_set(&cfg, "type.vscode.cpus", good[i][0],
		    err, sizeof(err)), 0, "\"%s\": %s", good[i][0], err);
		memset(&kv, 0, sizeof(kv));
		config_foreach(&cfg, collect, &kv);
		snprintf(want, sizeof(want), "type.vscode.cpus=%s", good[i][1]);
		cr_assert(kv_has(&kv, want), "%s", want);
		kv_free(&kv);
	}
	config_free(&cfg);
}

/* ------------------------------------------------------------ example */

/* The example shows each named key under "# [kind.NAME]" as
 * "# name = default", with its environment variable. */
static void
check_example_key(const char *key, const char *value,
    const struct config_key *k, void *arg)
{
	const char	*text = arg;
	char		 want[256];
	const char	*sect, *next;

	if (strchr(strchr(key, '.') + 1, '.') == NULL)
		return;
	snprintf(want, sizeof(want), "\n# [%s.NAME]\n", k->section);
	cr_assert_not_null(sect = strstr(text, want), "%s", want);
	next = strstr(sect + 1, "\n# [");
	snprintf(want, sizeof(want), "\n# %s =%s%s\n", k->name,
	    k->defval != NULL ? " " : "", k->defval != NULL ? k->defval : "");
	sect = strstr(sect, want);
	cr_assert(sect != NULL && (next == NULL || sect < next),
	    "[%s.NAME] lacks \"%s\"", k->section, want + 1);
	cr_assert_not_null(strstr(text, k->env), "%s", k->env);
}

Test(config, example_documents_named_keys)
{
	struct berth_config	 cfg;
	FILE			*f;
	char			*text, err[256];
	long			 len;

	f = fopen(EXAMPLE, "r");
	cr_assert_not_null(f, "%s", EXAMPLE);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = xcalloc(1, (size_t)len + 1);
	cr_assert_eq(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);

	config_init(&cfg);
	cr_assert_eq(config_set(&cfg, "token.t.role", "user", err,
	    sizeof(err)), 0);
	config_foreach(&cfg, check_example_key, text);
	config_free(&cfg);
	free(text);
}
