/*
 * Validation of workspace requests, shared by the gateway (before it
 * asks berthd) and berthd (which checks again: it trusts no worker).
 */
#ifndef BERTH_WSCHECK_H
#define BERTH_WSCHECK_H

#include <stddef.h>

#include "config.h"
#include "proto.h"

#define WS_ID_MAX	64

/* [A-Za-z0-9._@-], 1..WS_ID_MAX; "" allowed only if empty_ok. */
int	ws_valid_id(const char *s, int empty_ok);
/* No control characters, at most max bytes. */
int	ws_valid_text(const char *s, size_t max);

/* Fill defaults (tier "free", type limits) and check a create request
 * against the configuration.  0, or -1 with a reason in err. */
int	ws_check_create(const struct berth_config *, struct body_ws_create *,
	    char *err, size_t errlen);
/* Check new limits for a workspace of type t (0 = keep current). */
int	ws_check_limits(const struct ws_type *t, double cpus, int64_t mem,
	    int64_t swap, int64_t resv, char *err, size_t errlen);

#endif
