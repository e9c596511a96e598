/*
 * berth configuration: one table of keys, filled from defaults, an INI
 * file (inih) and BERTH_* environment variables, in that order.
 *
 * Every value, whatever its source (default, file, environment, admin
 * IPC), is parsed by config_value_set() and so by config_set(): numbers
 * are bounds-checked, booleans take true/false/yes/no/on/off/1/0,
 * strings may not hold control characters and some have a format check
 * (see check_string()).  Cross-key checks and derived defaults belong to
 * config_finish(), which also re-checks every value.
 *
 * The file is read in config_file.c.
 *
 * The named sections ([type.NAME], [tier.NAME], [token.NAME]) have key
 * tables of their own in config_sections.c; their values go through the
 * same config_value_set(), with the struct of the section as base.
 *
 * String fields are never NULL between config_init() and config_free():
 * an unset string is "".  Error messages never repeat a string value
 * (it may be secret or hold escape sequences), only parsed numbers.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "config_int.h"
#include "depspec.h"
#include "s3util.h"
#include "url.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define SUN_PATH_MAX	107	/* sizeof(sun_path) less the NUL */
#define ADMIN_TOKEN_MIN	16
#define HOST_MAX	256

#define OFF(f)		offsetof(struct berth_config, f)
#define DOUBLE_DIGITS	6	/* significant digits of "%g" */
#define keys		config_static_keys
#define NKEYS		config_nstatic_keys

/* The field of key k in base, a struct berth_config or named section. */
static void *
field(void *base, const struct config_key *k)
{
	return (char *)base + k->offset;
}

static int
is_static(const struct config_key *k)
{
	size_t	i;

	for (i = 0; i < NKEYS; i++) {
		if (k == &keys[i])
			return 1;
	}
	return 0;
}

const struct config_key *
config_find_key(const char *section, size_t seclen, const char *name)
{
	size_t	i;

	for (i = 0; i < NKEYS; i++) {
		if (strlen(keys[i].section) == seclen &&
		    strncmp(keys[i].section, section, seclen) == 0 &&
		    strcmp(keys[i].name, name) == 0)
			return &keys[i];
	}
	return NULL;
}

/* ------------------------------------------------------------ values */

static int
parse_int(const struct config_key *k, const char *v, long *out,
    char *err, size_t errlen)
{
	char	*end;
	long	 n;

	if (*v == '\0') {
		snprintf(err, errlen, "empty; expected an integer");
		return -1;
	}
	if (*v != '-' && !isdigit((unsigned char)*v)) {
		snprintf(err, errlen, "not an integer");
		return -1;
	}
	errno = 0;
	n = strtol(v, &end, 10);
	if (*end != '\0') {
		snprintf(err, errlen, "not an integer");
		return -1;
	}
	if (errno == ERANGE) {
		snprintf(err, errlen, "out of range %ld..%ld", k->min, k->max);
		return -1;
	}
	if (n < k->min) {
		snprintf(err, errlen, "%ld is below the minimum %ld", n, k->min);
		return -1;
	}
	if (n > k->max) {
		snprintf(err, errlen, "%ld is above the maximum %ld", n, k->max);
		return -1;
	}
	*out = n;
	return 0;
}

static int
parse_bool(const char *v, int *out, char *err, size_t errlen)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t	i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	snprintf(err, errlen, "%s; expected true or false",
	    *v == '\0' ? "empty" : "not a boolean");
	return -1;
}

/*
 * A decimal number: no blanks, hex, inf or nan; finite; within bounds;
 * and printed back the same by "%g", so that config_get() round trips.
 */
static int
parse_double(const struct config_key *k, const char *v, double *out,
    char *err, size_t errlen)
{
	char	*end, buf[64];
	double	 d;

	if (*v == '\0') {
		snprintf(err, errlen, "empty; expected a number");
		return -1;
	}
	errno = 0;
	d = strtod(v, &end);
	if (strspn(v, "0123456789.eE+-") != strlen(v) ||
	    strchr("+eE", *v) != NULL || end == v || *end != '\0') {
		snprintf(err, errlen, "not a number");
		return -1;
	}
	if (errno == ERANGE || !isfinite(d)) {
		snprintf(err, errlen, "out of range %ld..%ld", k->min, k->max);
		return -1;
	}
	if (!is_static(k) &&
	    config_named_check_double(k, d, err, errlen) == -1)
		return -1;
	if (d < (double)k->min) {
		snprintf(err, errlen, "%g is below the minimum %ld", d, k->min);
		return -1;
	}
	if (d > (double)k->max) {
		snprintf(err, errlen, "%g is above the maximum %ld", d, k->max);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%g", d);
	if (strtod(buf, NULL) != d) {
		snprintf(err, errlen, "more than %d significant digits",
		    DOUBLE_DIGITS);
		return -1;
	}
	*out = d;
	return 0;
}

static int
check_abspath(const char *v, size_t maxlen, char *err, size_t errlen)
{
	if (*v != '/') {
		snprintf(err, errlen, "not an absolute path");
		return -1;
	}
	if (maxlen != 0 && strlen(v) > maxlen) {
		snprintf(err, errlen, "longer than %zu bytes (the limit of a "
		    "Unix socket path)", maxlen);
		return -1;
	}
	return 0;
}

static int
check_listen(const char *v, char *err, size_t errlen)
{
	char		host[HOST_MAX];
	unsigned short	port;

	if (parse_hostport(v, host, sizeof(host), &port) == -1) {
		snprintf(err, errlen, "not host:port");
		return -1;
	}
	return 0;
}

static int
check_network(const char *v, char *err, size_t errlen)
{
	if (*v == '\0') {
		snprintf(err, errlen, "empty");
		return -1;
	}
	/* The host's network stack, or another container's: a workspace
	 * would reach the host's loopback (berthd's API) and more. */
	if (strcmp(v, "host") == 0 || strncmp(v, "container:", 10) == 0) {
		snprintf(err, errlen, "\"%s\" shares a network namespace with "
		    "the %s; use a bridge network", v, v[0] == 'h' ? "host" :
		    "container");
		return -1;
	}
	if (strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_.-") != strlen(v)) {
		snprintf(err, errlen, "not a network name ([A-Za-z0-9_.-])");
		return -1;
	}
	return 0;
}

/* Per-key format checks, after the control character check. */
static int
check_string(const struct config_key *k, const char *v, char *err,
    size_t errlen)
{
	struct dep	deps[DEP_MAX];
	struct url	ams[URL_LIST_MAX];
	enum log_level	lvl;
	size_t		off = k->offset;

	if (!is_static(k))
		return config_named_check_string(k, v, err, errlen);
	if (off == OFF(http_listen))
		return check_listen(v, err, errlen);
	if (off == OFF(state_dir) || off == OFF(docker_socket))
		return check_abspath(v, 0, err, errlen);
	if ((off == OFF(pg_bindir) || off == OFF(db_password_file)) &&
	    *v != '\0')
		return check_abspath(v, 0, err, errlen);
	if (off == OFF(health_dependencies))
		return dep_parse(v, deps, DEP_MAX, err, errlen) == -1 ? -1 : 0;
	if (off == OFF(alertmanager_urls))
		return url_list(v, ams, URL_LIST_MAX, err, errlen) == -1 ?
		    -1 : 0;
	if (off == OFF(notify_ca_file) && *v != '\0')
		return check_abspath(v, 0, err, errlen);
	if (off == OFF(volumes_s3_credentials_file) && *v != '\0')
		return check_abspath(v, 0, err, errlen);
	if (off == OFF(volumes_s3_endpoint) && *v != '\0')
		return s3_endpoint_valid(v, err, errlen);
	if (off == OFF(volumes_s3_bucket) && *v != '\0' &&
	    !s3_bucket_valid(v)) {
		snprintf(err, errlen, "not a bucket name ([a-z0-9.-], 3 to 63)");
		return -1;
	}
	if (off == OFF(volumes_s3_region) && (*v == '\0' || strspn(v,
	    "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(v))) {
		snprintf(err, errlen, "not a region ([a-z0-9-])");
		return -1;
	}
	if (off == OFF(docker_network) ||
	    off == OFF(docker_isolated_network))
		return check_network(v, err, errlen);
	if (off == OFF(admin_socket) && *v != '\0')
		return check_abspath(v, SUN_PATH_MAX, err, errlen);
	if ((off == OFF(user) || off == OFF(pg_user)) && *v == '\0') {
		snprintf(err, errlen, "empty");
		return -1;
	}
	if (off == OFF(log_level) && log_parse_level(v, &lvl) == -1) {
		snprintf(err, errlen, "not one of error, warn, info, debug");
		return -1;
	}
	if ((off == OFF(admin_token) || off == OFF(metrics_scrape_token)) &&
	    *v != '\0' && strlen(v) < ADMIN_TOKEN_MIN) {
		snprintf(err, errlen, "shorter than %d characters",
		    ADMIN_TOKEN_MIN);
		return -1;
	}
	return 0;
}

static int
parse_string(const struct config_key *k, const char *v, char *err,
    size_t errlen)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(err, errlen, "contains a control character");
			return -1;
		}
	}
	return check_string(k, v, err, errlen);
}

/*
 * The one place a value is parsed, checked and stored: into base, the
 * struct berth_config for static keys or the section's struct.
 */
int
config_value_set(void *base, const struct config_key *k, const char *v,
    char *err, size_t errlen)
{
	char	**sp;
	double	  d;
	long	  n;
	int	  b;

	switch (k->type) {
	case CT_STRING:
		if (parse_string(k, v, err, errlen) == -1)
			return -1;
		sp = field(base, k);
		free(*sp);
		*sp = xstrdup(v);
		return 0;
	case CT_INT:
		if (parse_int(k, v, &n, err, errlen) == -1)
			return -1;
		*(long *)field(base, k) = n;
		return 0;
	case CT_BOOL:
		if (parse_bool(v, &b, err, errlen) == -1)
			return -1;
		*(int *)field(base, k) = b;
		return 0;
	case CT_DOUBLE:
		if (parse_double(k, v, &d, err, errlen) == -1)
			return -1;
		*(double *)field(base, k) = d;
		return 0;
	}
	snprintf(err, errlen, "bad key type");
	return -1;
}

char *
config_value_get(const void *base, const struct config_key *k)
{
	const char	*p = (const char *)base + k->offset;
	const char	*s;
	char		*v;

	switch (k->type) {
	case CT_STRING:
		s = *(char *const *)(const void *)p;
		return xstrdup(s != NULL ? s : "");
	case CT_INT:
		xasprintf(&v, "%ld", *(const long *)(const void *)p);
		return v;
	case CT_BOOL:
		return xstrdup(*(const int *)(const void *)p ?
		    "true" : "false");
	case CT_DOUBLE:
		xasprintf(&v, "%g", *(const double *)(const void *)p);
		return v;
	}
	return xstrdup("");
}

/* Each key's default into base; an unset string is "". */
void
config_value_defaults(void *base, const struct config_key *kt, size_t n)
{
	char	err[256];
	size_t	i;

	for (i = 0; i < n; i++) {
		if (kt[i].defval == NULL && kt[i].type == CT_STRING) {
			*(char **)field(base, &kt[i]) = xstrdup("");
			continue;
		}
		if (config_value_set(base, &kt[i], kt[i].defval, err,
		    sizeof(err)) == -1)
			fatalx("config: default of [%s] %s: %s",
			    kt[i].section, kt[i].name, err);
	}
}

void
config_value_free(void *base, const struct config_key *kt, size_t n)
{
	char	**sp;
	size_t	  i;

	for (i = 0; i < n; i++) {
		if (kt[i].type != CT_STRING)
			continue;
		sp = field(base, &kt[i]);
		free(*sp);
		*sp = NULL;
	}
}

/*
 * Values may have been set behind config_set's back: parse each again
 * into a scratch struct of the same size.  label is the section as
 * errors show it, or NULL for each key's own.
 */
void
config_value_recheck(const void *base, size_t size,
    const struct config_key *kt, size_t n, const char *label,
    struct config_errors *errs)
{
	void	*scratch = xcalloc(1, size);
	char	*v, err[256];
	size_t	 i;

	for (i = 0; i < n; i++) {
		v = config_value_get(base, &kt[i]);
		if (config_value_set(scratch, &kt[i], v, err,
		    sizeof(err)) == -1)
			config_errors_add(errs, "[%s] %s: %s", label != NULL ?
			    label : kt[i].section, kt[i].name, err);
		free(v);
	}
	config_value_free(scratch, kt, n);
	free(scratch);
}

/* ------------------------------------------------------------ public */

const struct config_key *
config_keys(size_t *n)
{
	if (n != NULL)
		*n = NKEYS;
	return keys;
}

/* Static keys only: a named section's key needs its section's name. */
char *
config_get(const struct berth_config *cfg, const struct config_key *k)
{
	if (!is_static(k))
		fatalx("config_get: [%s] %s is not a static key", k->section,
		    k->name);
	return config_value_get(cfg, k);
}

/* "section.name" (section may be "volumes.s3"), or "type.NAME.name"
 * (and tier, token). */
int
config_set(struct berth_config *cfg, const char *key, const char *value,
    char *err, size_t errlen)
{
	const struct config_key	*k;
	const char		*dot;

	/* A static key first: its section may hold a dot ([volumes.s3]). */
	if ((dot = strrchr(key, '.')) != NULL &&
	    (k = config_find_key(key, (size_t)(dot - key), dot + 1)) != NULL)
		return config_value_set(cfg, k, value, err, errlen);
	if ((dot = strchr(key, '.')) != NULL && strchr(dot + 1, '.') != NULL)
		return config_named_set(cfg, key, value, err, errlen);
	snprintf(err, errlen, "unknown key");
	return -1;
}

void
config_init(struct berth_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	config_value_defaults(cfg, keys, NKEYS);
	config_named_init(cfg);
}

void
config_free(struct berth_config *cfg)
{
	config_value_free(cfg, keys, NKEYS);
	config_named_free(cfg);
}

void
config_errors_add(struct config_errors *errs, const char *fmt, ...)
{
	va_list	 ap;
	char	*line;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatalx("config_errors_add: bad format");
	line = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(line, (size_t)n + 1, fmt, ap);
	va_end(ap);

	errs->lines = xreallocarray(errs->lines, errs->n + 1,
	    sizeof(*errs->lines));
	errs->lines[errs->n++] = line;
}

void
config_errors_free(struct config_errors *errs)
{
	size_t	i;

	for (i = 0; i < errs->n; i++)
		free(errs->lines[i]);
	free(errs->lines);
	errs->lines = NULL;
	errs->n = 0;
}

/* ------------------------------------------------------------ env */

/* The static keys' variables, then BERTH_TYPE_<NAME>_<KEY> and such. */
int
config_load_env(struct berth_config *cfg, struct config_errors *errs)
{
	const char	*v;
	char		 err[256];
	size_t		 i, before = errs->n;

	for (i = 0; i < NKEYS; i++) {
		if ((v = getenv(keys[i].env)) == NULL)
			continue;
		if (config_value_set(cfg, &keys[i], v, err,
		    sizeof(err)) == -1)
			config_errors_add(errs, "%s: %s", keys[i].env, err);
	}
	config_named_load_env(cfg, errs);
	/* Seed 001's variable: a receiver of critical alerts. */
	if ((v = getenv("MONITORING_WEBHOOK_URL")) != NULL && *v != '\0' &&
	    (config_set(cfg, "notify.monitoring.url", v, err,
	    sizeof(err)) == -1 || config_set(cfg,
	    "notify.monitoring.severity", "critical", err, sizeof(err)) == -1))
		config_errors_add(errs, "MONITORING_WEBHOOK_URL: %s", err);
	return (int)(errs->n - before);
}

/* ------------------------------------------------------------ finish */

/* <state_dir>/admin.sock, without doubling a trailing slash. */
static void
derive_admin_socket(struct berth_config *cfg)
{
	size_t	len = strlen(cfg->state_dir);

	while (len > 1 && cfg->state_dir[len - 1] == '/')
		len--;
	free(cfg->admin_socket);
	xasprintf(&cfg->admin_socket, "%.*s%sadmin.sock", (int)len,
	    cfg->state_dir, cfg->state_dir[len - 1] == '/' ? "" : "/");
}

int
config_finish(struct berth_config *cfg, struct config_errors *errs)
{
	size_t	before = errs->n;

	if (cfg->admin_socket == NULL || *cfg->admin_socket == '\0') {
		if (cfg->state_dir != NULL && *cfg->state_dir != '\0')
			derive_admin_socket(cfg);
	}
	config_value_recheck(cfg, sizeof(*cfg), keys, NKEYS, NULL, errs);
	if (cfg->admin_socket == NULL || *cfg->admin_socket == '\0')
		config_errors_add(errs, "[server] admin_socket: unset and "
		    "state_dir is empty");
	if (cfg->metrics_system_interval_max_ms <
	    cfg->metrics_system_interval_ms)
		config_errors_add(errs, "[metrics] system_interval_max_ms: "
		    "%ld is below system_interval_ms %ld",
		    cfg->metrics_system_interval_max_ms,
		    cfg->metrics_system_interval_ms);
	if (cfg->restart_max_ms < cfg->restart_min_ms)
		config_errors_add(errs, "[supervisor] restart_max_ms: %ld is "
		    "below restart_min_ms %ld", cfg->restart_max_ms,
		    cfg->restart_min_ms);
	if (cfg->volumes_s3_endpoint != NULL &&
	    *cfg->volumes_s3_endpoint != '\0' &&
	    (*cfg->volumes_s3_bucket == '\0' ||
	    *cfg->volumes_s3_credentials_file == '\0'))
		config_errors_add(errs, "[volumes.s3] endpoint: bucket and "
		    "credentials_file are needed too");
	config_named_finish(cfg, errs);
	return (int)(errs->n - before);
}
