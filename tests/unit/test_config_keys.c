/*
 * Unit tests for the keys of the configuration (common/config_keys.c,
 * config_get, config_set, config_foreach): the table itself, a round
 * trip of every key, how doubles read and print, and the example file
 * in contrib/, which must parse and document every key.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "xmalloc.h"
#include "config_fixture.h"

#define EXAMPLE	BERTH_SRCDIR "/contrib/berth.conf.example"

/* ------------------------------------------------------------ table */

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
		{ "isolated_network",	"berth_iso-2.b" },
		{ "url",		"postgresql://u@h:5432/db?x=y" },
		{ "admin_token",	"0123456789abcdef0123" },
		{ "scrape_token",	"scrape-0123456789abcdef" },
		{ "pg_bindir",		"/usr/lib/postgresql/15/bin" },
		{ "password_file",	"/etc/berth/db-password" },
		{ "pg_user",		"postgres" },
		{ "dependencies",	"auth=http://127.0.0.1:9000/health" },
		{ "persist",		"all" },
		{ "backup_dir",		"/srv/berth/backups" },
		{ "ca_file",		"/etc/berth/receivers-ca.pem" },
		{ "urls",		"http://127.0.0.1:9093, https://am/" },
		{ "endpoint",		"https://s3.example.net:9000" },
		{ "bucket",		"berth-backups.1" },
		{ "region",		"eu-west-3" },
		{ "credentials_file",	"/etc/berth/s3-credentials" },
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

Test(config_keys, get_set_roundtrip_every_key)
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

Test(config_keys, secret_keys_flagged)
{
	const struct config_key	*keys;
	size_t			 i, n;
	int			 secret;

	keys = config_keys(&n);
	for (i = 0; i < n; i++) {
		secret = strcmp(keys[i].name, "url") == 0 ||
		    strcmp(keys[i].name, "admin_token") == 0 ||
		    strcmp(keys[i].name, "scrape_token") == 0;
		cr_assert_eq(keys[i].secret != 0, secret, "[%s] %s",
		    keys[i].section, keys[i].name);
	}
	cr_assert(key_named("database", "url")->secret);
	cr_assert(key_named("auth", "admin_token")->secret);
	cr_assert(key_named("metrics", "scrape_token")->secret);
}

Test(config_keys, reloadable_keys_flagged)
{
	static const char *const fixed[] = { "http_listen", "state_dir",
	    "admin_socket", "user", "unconfined", "socket", "url",
	    "shutdown_timeout_ms", "embedded", "pg_bindir", "buffer_size",
	    "password_file", "pg_user", "isolated_network",
	    "allow_docker_group", "backup_dir", "ca_file", "endpoint",
	    "bucket", "region", "credentials_file", "keep_local",
	    "part_size_mb" };
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

Test(config_keys, table_is_sane)
{
	const struct config_key	*keys;
	size_t			 i, j, n;

	keys = config_keys(&n);
	cr_assert_eq(n, 73);
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

/* ------------------------------------------------------------ foreach */

/* key is "section.NAME.name", not a static "section.name" (whose
 * section may hold a dot: "volumes.s3.endpoint"). */
static int
named(const char *key, const struct config_key *k)
{
	return strlen(key) != strlen(k->section) + 1 + strlen(k->name);
}

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
	if (!named(key, k))
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

Test(config_keys, foreach_lists_every_key)
{
	struct berth_config	cfg;
	struct kv		kv = { NULL, 0, 0 };
	size_t			n;

	config_init(&cfg);
	config_keys(&n);
	config_foreach(&cfg, collect, &kv);
	/* 2 types of 33 keys, 3 tiers of 4, 10 jobs of 7, 7 alert rules
	 * of 7 */
	cr_assert_eq(kv.n, n + 2 * 33 + 3 * 4 + 10 * 7 + 7 * 7);
	cr_assert_eq(kv.named, 2 * 33 + 3 * 4 + 10 * 7 + 7 * 7);
	cr_assert_str_eq(kv.lines[0], "server.http_listen=127.0.0.1:8080");
	cr_assert(kv_has(&kv, "docker.network=bridge"));
	cr_assert(kv_has(&kv, "type.vscode.image=codercom/code-server:latest"));
	cr_assert(kv_has(&kv, "type.spreadsheet.cpus=1.5"));
	cr_assert(kv_has(&kv, "type.vscode.enabled=true"));
	cr_assert(kv_has(&kv, "type.vscode.command="));
	cr_assert(kv_has(&kv, "tier.pro.max_session_min=1440"));
	cr_assert(kv_has(&kv, "job.orphaned-containers.schedule=0 */6 * * *"));
	cr_assert(kv_has(&kv, "job.session-timeouts.schedule=*/10 * * * *"));
	cr_assert(kv_has(&kv, "job.inactive-containers.age_min=1440"));
	cr_assert(kv_has(&kv, "job.metrics.timezone="));
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

Test(config_keys, foreach_roundtrip)
{
	struct berth_config	cfg, copy;
	struct config_errors	errs = { NULL, 0 };
	struct kv		a = { NULL, 0, 0 }, b = { NULL, 0, 0 };
	size_t			i;

	load_ok(&cfg, "[auth]\nadmin_token = admin-token-0123456789\n"
	    "[type.demo]\nimage = x/y:1\ncpus = 0.25\nenv = A=1;B=2\n"
	    "tiers = gold\nmemory_swap_mb = -1\nallow_unlimited_swap = on\n"
	    "[type.vscode]\nenabled = no\n"
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

/* ------------------------------------------------------------ doubles */

Test(config_keys, double_values)
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

Test(config_keys, example_parses)
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
Test(config_keys, example_documents_every_key)
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

/* The example shows each named key under "# [kind.NAME]" as
 * "# name = default", with its environment variable. */
static void
check_example_key(const char *key, const char *value,
    const struct config_key *k, void *arg)
{
	const char	*text = arg;
	char		 want[256];
	const char	*sect, *next;

	if (!named(key, k))
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

Test(config_keys, example_documents_named_keys)
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
