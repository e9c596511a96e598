/*
 * Workspace endpoint prober: tells the health monitor when a freshly
 * started workspace first answers plain HTTP on its numeric address,
 * to a few tens of milliseconds, or that it never did in time.
 */
#ifndef BERTH_PROBE_H
#define BERTH_PROBE_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct probe_set;

/* The first answer with status 200-399; at_wall_ms is wall_ms() when
 * its status line arrived.  The key is no longer probed. */
typedef void (*probe_ok_cb)(const char *key, uint64_t at_wall_ms, void *arg);
/* No success within the timeout; why is short and says how the last
 * attempt failed ("connection refused", "HTTP 503", "timeout").  The
 * key is no longer probed. */
typedef void (*probe_fail_cb)(const char *key, const char *why, void *arg);

#define PROBE_MAX	1024	/* keys probed at once */

/* Callbacks run from the loop of base, never from within a probe_*
 * call.  The key is dropped before its callback runs, so a callback
 * may start or stop any key, its own included, and may even free the
 * set. */
struct probe_set *probe_set_new(struct event_base *, probe_ok_cb,
		    probe_fail_cb, void *arg);
/* Start probing http://host:port/path for key (at most 127 bytes).
 * host: numeric IPv4 or IPv6 only; port 1-65535; path starts with '/',
 * at most 255 bytes of printable ASCII without spaces.  A key already
 * being probed keeps its schedule (its address is updated).  0, or -1
 * (logged) for bad arguments or PROBE_MAX keys. */
int		  probe_start(struct probe_set *, const char *key,
		    const char *host, int port, const char *path,
		    uint64_t timeout_ms);
/* One attempt only (a health check): the first failure, or the
 * timeout, is the answer. */
int		  probe_once(struct probe_set *, const char *key,
		    const char *host, int port, const char *path,
		    uint64_t timeout_ms);
void		  probe_stop(struct probe_set *, const char *key);	/* no callback */
size_t		  probe_count(const struct probe_set *);
void		  probe_set_free(struct probe_set *);

#endif
