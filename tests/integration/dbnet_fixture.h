/*
 * A real PostgreSQL 15 reachable every usual way, for the tests of
 * external databases (test_dbnet.c, test_dbnet_errors.c):
 * tests/start-pg-net.sh starts one cluster for the whole run of a
 * program (a report hook) on a free port, with its unix socket in a
 * directory of its own, TCP on 127.0.0.1 with TLS (a throwaway CA) and
 * SCRAM-SHA-256, and role berth_app (not a superuser) owning database
 * berth.  A cluster that cannot start fails every test; nothing is
 * skipped.
 */
#ifndef BERTH_DBNET_FIXTURE_H
#define BERTH_DBNET_FIXTURE_H

#include "harness.h"

#define ADMIN_TOKEN	"dbnet-admin-token-0123456789"

/* Fails the test when the cluster did not start. */
void		 net_setup(void);
const char	*net_dir(void);		/* its directory (socket, certs) */
int		 net_port(void);
const char	*net_password(void);	/* berth_app's */

/* Stop the cluster / start it again (fails the test on error). */
void		 net_stop(void);
void		 net_resume(void);

/* berthd with BERTH_SANDBOX_TRAP=1 and [database] lines (url = ...),
 * samples every second, health rounds every second. */
void		 net_berthd(struct berthd_run *, const char *db_ini,
		    const char *const *env);
/* /api/metrics/current's writer (json_decref it). */
json_t		*net_writer(struct berthd_run *);
/* Wait until the writer's databaseUp is want (1 or 0): 0, or -1. */
int		 net_wait_up(struct berthd_run *, int want, int timeout_ms);
/* Rows of system_metrics in database berth. */
long		 net_rows(void);
/* No worker trapped on a system call or died, the statswriter never
 * restarted, and the password is nowhere in the log. */
void		 net_assert_clean(struct berthd_run *);

#endif
