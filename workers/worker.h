/*
 * The worker side of berth: what every confined worker shares (its
 * channel to berthd, configuration, request/reply matching) and the
 * entry points each worker folder supplies.  Confinement (chroot, uid
 * drop, seccomp) is confine.c's, before a worker's code runs; fork and
 * exec are berthd's (supervisord/proc.c).
 */
#ifndef BERTH_WORKER_H
#define BERTH_WORKER_H

#include <stdint.h>

#include "config.h"
#include "proto.h"
#include "sandbox.h"

struct event_base;
struct chan;
struct worker;

struct worker_ops {
	/* Before confinement: open what the job needs (optional). */
	void	(*init)(struct worker *);
	/* After confinement, before the loop: set up the job. */
	void	(*start)(struct worker *);
	/* A request or notice from berthd or a peer that worker.c does
	 * not handle itself.  Return 0 if handled, -1 if unknown (fatal). */
	int	(*dispatch)(struct worker *, struct msg *);
	/* Configuration arrived or changed (optional). */
	void	(*configure)(struct worker *);
	/* Stop taking work and finish what is in flight; call
	 * worker_exit() when done (optional: default exits at once). */
	void	(*drain)(struct worker *);
};

struct worker {
	const char		*name;
	enum peer_id		 id;
	struct event_base	*base;
	struct chan		*parent;
	struct berth_config	 cfg;
	int			 configured;	/* first MSG_CONFIG seen */
	int			 extra_fd;	/* fd 4: the gateway's HTTP
						 * listener, the statswriter's
						 * spool directory; else -1 */
	int			 draining;
	const struct worker_ops	*ops;
	void			*priv;		/* the worker's own state */
};

/* Called with the reply, or with NULL when the request failed in
 * transport (timeout, berthd gone).  An MSG_ERROR reply is a reply. */
typedef void (*worker_reply_cb)(struct worker *, struct msg *reply,
    void *arg);

/* Send a notice or a reply (fills nothing in). */
int	 worker_send(struct worker *, const struct msg *);
/* Send request m (its id is assigned here) and call cb with the reply.
 * Returns the id, usable with worker_cancel(); 0 if sending failed (cb
 * is then not called). */
uint32_t worker_request(struct worker *, struct msg *m, worker_reply_cb cb,
	    void *arg);
/* A request of the given type with an empty body to peer. */
uint32_t worker_ask(struct worker *, unsigned type, unsigned peer,
	    worker_reply_cb cb, void *arg);
/* The same with its own timeout (requests known to take long). */
/* All MAX_CALLS requests are in flight (a request now gets 0). */
int	 worker_calls_full(void);
uint32_t worker_request_for(struct worker *, struct msg *m, long timeout_ms,
	    worker_reply_cb cb, void *arg);
void	 worker_cancel(struct worker *, uint32_t id);
/* Answer request req with an MSG_ERROR. */
void	 worker_reply_error(struct worker *, const struct msg *req,
	    const char *code, const char *message);
void	 worker_exit(struct worker *) __attribute__((noreturn));

/* A worker program's whole life (confine.c): confine itself as its
 * arguments from berthd say, then run.  Never returns. */
void	 worker_main(enum peer_id, const char *name, const struct worker_ops *,
	    const struct sandbox_policy *, int argc, char **argv)
	    __attribute__((noreturn));
/* confine.c, for worker_main and the tests: a worker's confinement as
 * berthd's arguments ask, in two halves.  Before the job's own opens:
 * its own root (-m, -b), fd 4 (xfd, or -1) reopened inside.  After
 * them: chroot (-r), uids, not dumpable, rlimits, seccomp. */
void	 confine_root(int argc, char **argv, int xfd);
void	 confine_lock(int argc, char **argv, const struct sandbox_policy *);
/* rootfs.c: a mount namespace whose root holds only paths (read-only)
 * and the spool directory spool_fd (read-write, reopened inside), and
 * chroot there.  Root only; fatal when it cannot be done. */
void	 rootfs_enter(const char *root, char *const *paths, size_t n,
	    int spool_fd);
/* Run by worker_main once the worker is confined. */
void	 worker_run(struct worker *) __attribute__((noreturn));
/* Set up loop and channel before confinement (signals, fd 3). */
void	 worker_setup(struct worker *, const char *name, enum peer_id id,
	    const struct worker_ops *ops, int ipc_fd, int extra_fd);

/* Each worker folder supplies its operations and its allowlist. */
extern const struct worker_ops		gateway_ops, scheduler_ops,
					healthmon_ops, statswriter_ops,
					logstreamer_ops;
extern const struct sandbox_policy	gateway_policy, scheduler_policy,
					healthmon_policy, statswriter_policy,
					logstreamer_policy;

#endif
