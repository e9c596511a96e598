/*
 * Validation of workspace requests: identifiers, free text, environment
 * variables, workspace type and tier, and resource limits against the
 * type's ceiling.  Pure functions of the request and the configuration.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wscheck.h"
#include "xmalloc.h"

int
ws_valid_id(const char *s, int empty_ok)
{
	size_t	i, n = strlen(s);

	if (n == 0)
		return empty_ok;
	if (n > WS_ID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("._@-", s[i]) ==
		    NULL)
			return 0;
	return 1;
}

int
ws_valid_text(const char *s, size_t max)
{
	size_t	i, n = strlen(s);

	if (n > max)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int
valid_env_key(const char *k)
{
	size_t	i;

	if (k[0] == '\0' || strlen(k) > 128 || isdigit((unsigned char)k[0]))
		return 0;
	for (i = 0; k[i] != '\0'; i++)
		if (!isalnum((unsigned char)k[i]) && k[i] != '_')
			return 0;
	return 1;
}

int
ws_check_limits(const struct ws_type *t, double cpus, int64_t mem,
    int64_t swap, int64_t resv, char *err, size_t errlen)
{
	if (cpus < 0 || cpus > t->max_cpus || (cpus != 0 && cpus < 0.01)) {
		snprintf(err, errlen, "cpus must be between 0.01 and %g for "
		    "type %s", t->max_cpus, t->name);
		return -1;
	}
	if (mem < 0 || mem > t->max_memory_mb || (mem != 0 && mem < 6)) {
		snprintf(err, errlen, "memory must be between 6 and %ld MB "
		    "for type %s", t->max_memory_mb, t->name);
		return -1;
	}
	if (swap < -1 || (swap > 0 && mem > 0 && swap < mem)) {
		snprintf(err, errlen, "memorySwap must be -1 (unlimited) or "
		    "at least memory");
		return -1;
	}
	if (resv < 0 || (mem > 0 && resv > mem)) {
		snprintf(err, errlen, "memoryReservation must be between 0 "
		    "and memory");
		return -1;
	}
	return 0;
}

static int
check_strings(struct body_ws_create *b, char *err, size_t errlen)
{
	size_t	i;

	if (!ws_valid_id(b->owner, 0) || !ws_valid_id(b->project_id, 1) ||
	    !ws_valid_id(b->s3_bucket, 1)) {
		snprintf(err, errlen, "userId, projectId and s3Bucket take "
		    "1 to %d of A-Z a-z 0-9 . _ @ -", WS_ID_MAX);
		return -1;
	}
	for (i = 0; i < b->nenv; i++) {
		if (!valid_env_key(b->env[i].key) ||
		    !ws_valid_text(b->env[i].value, 4096)) {
			snprintf(err, errlen, "env: bad variable name or "
			    "value (no control characters)");
			return -1;
		}
	}
	return 0;
}

int
ws_check_create(const struct berth_config *cfg, struct body_ws_create *b,
    char *err, size_t errlen)
{
	const struct ws_type	*t;

	if ((t = config_type(cfg, b->type)) == NULL) {
		snprintf(err, errlen, "unknown workspace type");
		return -1;
	}
	if (b->tier[0] == '\0') {
		free(b->tier);
		b->tier = xstrdup("free");
	}
	if (config_tier(cfg, b->tier) == NULL ||
	    !config_type_allows_tier(t, b->tier)) {
		snprintf(err, errlen, "tier not allowed for type %s", t->name);
		return -1;
	}
	if (check_strings(b, err, errlen) == -1)
		return -1;
	return ws_check_limits(t, b->cpus, b->memory_mb, b->memory_swap_mb,
	    b->memory_reservation_mb, err, errlen);
}
