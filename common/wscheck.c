/*
 * Validation of workspace requests: identifiers, free text, environment
 * variables, workspace type and tier, and resource limits against the
 * type's ceilings.  Pure functions of the request and the configuration.
 */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
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

/* 0 keeps the type's or the current CPUs; NaN and infinities fail. */
static int
check_cpus(const struct ws_type *t, double cpus, char *err, size_t errlen)
{
	if (cpus == 0)
		return 0;
	if (!isfinite(cpus) || cpus < WS_CPUS_MIN || cpus > t->max_cpus) {
		snprintf(err, errlen, "cpus must be 0 (unchanged) or between "
		    "%g and %g for type %s", WS_CPUS_MIN, t->max_cpus, t->name);
		return -1;
	}
	return 0;
}

static int
check_memory(const struct ws_type *t, int64_t mem, char *err,
    size_t errlen)
{
	if (mem == 0)
		return 0;
	if (mem < WS_MEMORY_MIN_MB || mem > t->max_memory_mb) {
		snprintf(err, errlen, "memory must be 0 (unchanged) or between "
		    "%d and %ld MB for type %s", WS_MEMORY_MIN_MB,
		    t->max_memory_mb, t->name);
		return -1;
	}
	return 0;
}

/* 0 is no swap; -1 unlimited if the type allows it; else at least the
 * memory in force (em) and at most the type's ceiling. */
static int
check_swap(const struct ws_type *t, int64_t swap, int64_t em, char *err,
    size_t errlen)
{
	if (swap == 0 || (swap == -1 && t->allow_unlimited_swap))
		return 0;
	if (swap == -1) {
		snprintf(err, errlen, "memorySwap -1 (unlimited) is not "
		    "allowed for type %s", t->name);
		return -1;
	}
	if (swap < em || swap > t->max_memory_swap_mb) {
		snprintf(err, errlen, "memorySwap must be 0 (no swap)%s or "
		    "between memory (%" PRId64 ") and %ld MB for type %s",
		    t->allow_unlimited_swap ? ", -1 (unlimited)" : "", em,
		    t->max_memory_swap_mb, t->name);
		return -1;
	}
	return 0;
}

static int
check_reservation(int64_t resv, int64_t em, char *err, size_t errlen)
{
	if (resv < 0 || resv > em) {
		snprintf(err, errlen, "memoryReservation must be between 0 "
		    "and memory (%" PRId64 " MB)", em);
		return -1;
	}
	return 0;
}

/*
 * Only comparisons, no arithmetic: any int64_t is safe.  The swap and
 * reservation bounds hold against the memory that will be in force:
 * mem if it is set, else cur_mem.
 */
int
ws_check_limits(const struct ws_type *t, double cpus, int64_t mem,
    int64_t swap, int64_t resv, int64_t cur_mem, char *err, size_t errlen)
{
	int64_t	em = mem != 0 ? mem : cur_mem;

	if (check_cpus(t, cpus, err, errlen) == -1 ||
	    check_memory(t, mem, err, errlen) == -1 ||
	    check_swap(t, swap, em, err, errlen) == -1 ||
	    check_reservation(resv, em, err, errlen) == -1)
		return -1;
	return 0;
}

int
ws_mb_to_bytes(int64_t mb, int64_t *bytes)
{
	if (mb < -1 || mb > INT64_MAX / WS_MB)
		return -1;
	*bytes = mb == -1 ? -1 : mb * WS_MB;
	return 0;
}

/* Whether the type's env ("K=V;K2=V2") defines key. */
static int
type_defines(const struct ws_type *t, const char *key)
{
	const char	*p, *eq;
	size_t		 n = strlen(key), len;

	if (t == NULL || t->env == NULL)
		return 0;
	for (p = t->env; *p != '\0'; p += len + (p[len] == ';')) {
		len = strcspn(p, ";");
		eq = memchr(p, '=', len);
		if (eq != NULL && (size_t)(eq - p) == n &&
		    strncmp(p, key, n) == 0)
			return 1;
	}
	return 0;
}

int
ws_check_env(const struct ws_type *t, const struct config_entry *env,
    size_t nenv, char *err, size_t errlen)
{
	const char	*k;
	size_t		 i;

	for (i = 0; i < nenv; i++) {
		k = env[i].key;
		if (!valid_env_key(k) || !ws_valid_text(env[i].value, 4096)) {
			snprintf(err, errlen, "env: bad variable name or "
			    "value (no control characters)");
			return -1;
		}
		if (strcmp(k, "PORT") == 0 || strncmp(k, "BERTH_", 6) == 0) {
			snprintf(err, errlen, "env: %s is reserved (PORT and "
			    "BERTH_* are berth's)", k);
			return -1;
		}
		if (type_defines(t, k)) {
			snprintf(err, errlen, "env: %s is set by type %s", k,
			    t->name);
			return -1;
		}
	}
	return 0;
}

static int
check_strings(const struct ws_type *t, struct body_ws_create *b, char *err,
    size_t errlen)
{

	if (!ws_valid_id(b->owner, 0) || !ws_valid_id(b->project_id, 1) ||
	    !ws_valid_id(b->s3_bucket, 1)) {
		snprintf(err, errlen, "userId, projectId and s3Bucket take "
		    "1 to %d of A-Z a-z 0-9 . _ @ -", WS_ID_MAX);
		return -1;
	}
	return ws_check_env(t, b->env, b->nenv, err, errlen);
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
	if (check_strings(t, b, err, errlen) == -1)
		return -1;
	return ws_check_limits(t, b->cpus, b->memory_mb, b->memory_swap_mb,
	    b->memory_reservation_mb, t->memory_mb, err, errlen);
}
