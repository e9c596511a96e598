/*
 * Validation of workspace requests, shared by the gateway (before it
 * asks berthd) and berthd (which checks again: it trusts no worker).
 */
#ifndef BERTH_WSCHECK_H
#define BERTH_WSCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "proto.h"

#define WS_ID_MAX	64
#define WS_CPUS_MIN	0.01
#define WS_MEMORY_MIN_MB 6		/* the engine's own minimum */
#define WS_MB		INT64_C(1048576)

/* [A-Za-z0-9._@-], 1..WS_ID_MAX; "" allowed only if empty_ok. */
int	ws_valid_id(const char *s, int empty_ok);
/* No control characters, at most max bytes. */
int	ws_valid_text(const char *s, size_t max);

/* The env of a create request: valid names and values, none of PORT,
 * BERTH_* or a variable type t defines in its env key (t may be NULL:
 * then only the first two).  0, or -1 with err naming the variable. */
int	ws_check_env(const struct ws_type *t, const struct config_entry *env,
	    size_t nenv, char *err, size_t errlen);

/* Fill defaults (tier "free", type limits) and check a create request
 * against the configuration.  0, or -1 with a reason in err. */
int	ws_check_create(const struct berth_config *, struct body_ws_create *,
	    char *err, size_t errlen);
/*
 * Check limits asked for a workspace of type t, in MB; 0 leaves one as
 * it is (the type's at create, the workspace's at PATCH), except swap,
 * where 0 means no swap (memory plus swap = memory).
 *   cpus	0, or finite in [WS_CPUS_MIN, t->max_cpus]
 *   mem	0, or [WS_MEMORY_MIN_MB, t->max_memory_mb]
 *   swap	0; -1 if t->allow_unlimited_swap; or
 *		[memory in force, t->max_memory_swap_mb]
 *   resv	[0, memory in force]
 * The memory in force is mem, or cur_mem when mem is 0: the type's
 * memory_mb at create, the workspace's current memory at PATCH.
 * Every int64_t is safe (no arithmetic).  0, or -1 with err naming the
 * field and its bounds.
 */
int	ws_check_limits(const struct ws_type *t, double cpus, int64_t mem,
	    int64_t swap, int64_t resv, int64_t cur_mem, char *err,
	    size_t errlen);

/* MB to bytes for the engine: -1 stays -1 (unlimited swap).  -1 when mb
 * is below -1 or mb * 1048576 would overflow. */
int	ws_mb_to_bytes(int64_t mb, int64_t *bytes);

#endif
