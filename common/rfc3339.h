/*
 * Times to nanoseconds since the epoch: RFC 3339 (Z or an offset, up
 * to nine fraction digits) and Unix seconds with a fraction.
 */
#ifndef BERTH_RFC3339_H
#define BERTH_RFC3339_H

#include <stddef.h>
#include <stdint.h>

/* s[0..len): 0, or -1 when it is not that form. */
int	rfc3339_ns(const char *s, size_t len, int64_t *ns);
/* A NUL-terminated "SECONDS[.FRACTION]"; 0 or -1. */
int	unix_ns(const char *s, int64_t *ns);

#endif
