/*
 * The format checks of the named sections' values ([type.NAME],
 * [token.NAME], [job.NAME], [alert.NAME], [notify.NAME]): what
 * config_value_set() asks after the table's own type and bounds.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_int.h"
#include "cron.h"
#include "url.h"

#define TOKEN_MIN	16
#define USER_MAX	64
#define CPUS_MIN	0.01

/* "K=V;K2=V2"; a trailing ';' is allowed. */
static int
check_env(const char *v, char *err, size_t errlen)
{
	const char	*p;
	size_t		 klen;
	int		 item;

	for (p = v, item = 1; *p != '\0'; item++) {
		klen = strcspn(p, "=;");
		if (p[klen] != '=') {
			snprintf(err, errlen, "item %d is not K=V", item);
			return -1;
		}
		if (klen == 0 || isdigit((unsigned char)*p) ||
		    strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
		    "vwxyz0123456789_") != klen) {
			snprintf(err, errlen, "item %d: variable name is not "
			    "[A-Za-z_][A-Za-z0-9_]*", item);
			return -1;
		}
		p += strcspn(p, ";");
		if (*p == ';')
			p++;
	}
	return 0;
}

/* Tier names separated by commas. */
static int
check_tiers(const char *v, char *err, size_t errlen)
{
	size_t	len;

	for (;;) {
		len = strcspn(v, ",");
		if (!config_valid_name(v, len)) {
			snprintf(err, errlen, "not a comma separated list of "
			    "tier names");
			return -1;
		}
		if (v[len] == '\0')
			return 0;
		v += len + 1;
	}
}

/* What healthmon puts in its request line: "/..." of printable ASCII,
 * no blanks, at most 255 bytes. */
static int
check_probe_path(const char *v, char *err, size_t errlen)
{
	const char	*p;

	if (*v != '/' || strlen(v) > 255) {
		snprintf(err, errlen, "not a path of 1 to 255 bytes starting "
		    "with /");
		return -1;
	}
	for (p = v; *p != '\0'; p++) {
		if (*p <= ' ' || *p >= 0x7f) {
			snprintf(err, errlen, "blank or non-ASCII character");
			return -1;
		}
	}
	return 0;
}

static int
check_type_string(size_t off, const char *v, char *err, size_t errlen)
{
	if (off == offsetof(struct ws_type, image) && strchr(v, ' ')) {
		snprintf(err, errlen, "contains a blank");
		return -1;
	}
	if (off == offsetof(struct ws_type, env))
		return check_env(v, err, errlen);
	if (off == offsetof(struct ws_type, volume_path) && *v != '/') {
		snprintf(err, errlen, "not an absolute path");
		return -1;
	}
	if (off == offsetof(struct ws_type, tiers))
		return check_tiers(v, err, errlen);
	if (off == offsetof(struct ws_type, probe_path) ||
	    (off == offsetof(struct ws_type, heartbeat_path) && *v != '\0'))
		return check_probe_path(v, err, errlen);
	if (off == offsetof(struct ws_type, cap_add))
		return config_check_caps(v, err, errlen);
	if (off == offsetof(struct ws_type, network) &&
	    strcmp(v, "isolated") != 0 && strcmp(v, "shared") != 0 &&
	    strcmp(v, "none") != 0) {
		snprintf(err, errlen, "not isolated, shared or none");
		return -1;
	}
	return 0;
}

static int
check_token_string(size_t off, const char *v, char *err, size_t errlen)
{
	size_t	len = strlen(v);

	if (off == offsetof(struct api_token, tiers))
		return len == 0 ? 0 : check_tiers(v, err, errlen);
	if (off == offsetof(struct api_token, default_tier)) {
		if (len != 0 && !config_valid_name(v, len)) {
			snprintf(err, errlen, "not a tier name");
			return -1;
		}
		return 0;
	}
	if (off != offsetof(struct api_token, role) && len == 0) {
		snprintf(err, errlen, "empty");
		return -1;
	}
	if (off == offsetof(struct api_token, token) && strchr(v, ' ')) {
		snprintf(err, errlen, "contains a blank");
		return -1;
	}
	if (off == offsetof(struct api_token, token) && len < TOKEN_MIN) {
		snprintf(err, errlen, "shorter than %d characters", TOKEN_MIN);
		return -1;
	}
	if (off == offsetof(struct api_token, user) && (len > USER_MAX ||
	    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._@-") != len)) {
		snprintf(err, errlen, "not 1 to %d of [A-Za-z0-9._@-]",
		    USER_MAX);
		return -1;
	}
	if (off == offsetof(struct api_token, role) &&
	    strcmp(v, "admin") != 0 && strcmp(v, "user") != 0) {
		snprintf(err, errlen, "not admin or user");
		return -1;
	}
	return 0;
}

/* A job's schedule (as cron reads it) and time zone: printable, bounded, and a zone name that
 * cannot lead out of the zoneinfo directory. */
static int
check_job_string(size_t off, const char *v, char *err, size_t errlen)
{
	size_t			len = strlen(v);
	struct cron_spec	spec;

	if (off == offsetof(struct job_cfg, schedule) && (len == 0 ||
	    len > 100)) {
		snprintf(err, errlen, "not 1 to 100 characters");
		return -1;
	}
	if (off == offsetof(struct job_cfg, schedule))
		return cron_parse(v, &spec, err, errlen);
	if (off != offsetof(struct job_cfg, timezone) || len == 0)
		return 0;
	if (len > 64 || v[0] == '/' || strstr(v, "..") != NULL ||
	    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_+-/") != len) {
		snprintf(err, errlen, "not a zone name like Europe/Berlin");
		return -1;
	}
	return 0;
}

static int
severity_ok(const char *v)
{
	return strcmp(v, "info") == 0 || strcmp(v, "warning") == 0 ||
	    strcmp(v, "error") == 0 || strcmp(v, "critical") == 0;
}

/* An alert rule's metric, operator, resolve value and severity. */
static int
check_alert_string(size_t off, const char *v, char *err, size_t errlen)
{
	const char *const	*m;
	char			*end;

	if (off == offsetof(struct alert_cfg, metric)) {
		for (m = config_alert_metrics(); *m != NULL; m++)
			if (strcmp(*m, v) == 0)
				return 0;
		snprintf(err, errlen, "no such metric (see --help-config)");
		return -1;
	}
	if (off == offsetof(struct alert_cfg, op) && strcmp(v, ">=") != 0 &&
	    strcmp(v, ">") != 0 && strcmp(v, "<=") != 0 && strcmp(v, "<") != 0) {
		snprintf(err, errlen, "not >=, >, <= or <");
		return -1;
	}
	if (off == offsetof(struct alert_cfg, resolve) && v[0] != '\0') {
		(void)strtod(v, &end);
		if (*end != '\0' || strlen(v) > 32) {
			snprintf(err, errlen, "not a number");
			return -1;
		}
	}
	if (off == offsetof(struct alert_cfg, severity) && !severity_ok(v)) {
		snprintf(err, errlen, "not info, warning, error or critical");
		return -1;
	}
	return 0;
}

/* A receiver's URL (empty until set), severity and format. */
static int
check_notify_string(size_t off, const char *v, char *err, size_t errlen)
{
	struct url	u;

	if (off == offsetof(struct notify_cfg, url) && v[0] != '\0')
		return url_parse(v, &u, err, errlen);
	if (off == offsetof(struct notify_cfg, severity) && !severity_ok(v)) {
		snprintf(err, errlen, "not info, warning, error or critical");
		return -1;
	}
	if (off == offsetof(struct notify_cfg, format) &&
	    strcmp(v, "berth") != 0 && strcmp(v, "alertmanager") != 0) {
		snprintf(err, errlen, "not berth or alertmanager");
		return -1;
	}
	if (off == offsetof(struct notify_cfg, secret) && strlen(v) > 512) {
		snprintf(err, errlen, "longer than 512 characters");
		return -1;
	}
	return 0;
}

/* Format checks of a named key's string, after the control chars. */
int
config_named_check_string(const struct config_key *k, const char *v,
    char *err, size_t errlen)
{
	if (strcmp(k->section, "type") == 0)
		return check_type_string(k->offset, v, err, errlen);
	if (strcmp(k->section, "token") == 0)
		return check_token_string(k->offset, v, err, errlen);
	if (strcmp(k->section, "job") == 0)
		return check_job_string(k->offset, v, err, errlen);
	if (strcmp(k->section, "alert") == 0)
		return check_alert_string(k->offset, v, err, errlen);
	if (strcmp(k->section, "notify") == 0)
		return check_notify_string(k->offset, v, err, errlen);
	return 0;
}

/* Bounds finer than the table's whole numbers, checked before them. */
int
config_named_check_double(const struct config_key *k, double d,
    char *err, size_t errlen)
{
	if (strcmp(k->section, "type") == 0 &&
	    k->offset == offsetof(struct ws_type, cpus) && d < CPUS_MIN) {
		snprintf(err, errlen, "%g is below the minimum %g", d,
		    CPUS_MIN);
		return -1;
	}
	return 0;
}
