/*
 * The embedded PostgreSQL that berthd runs when no database URL is
 * configured: initdb into <state dir>/pgdata on first start, a server on
 * a unix socket in <state dir>/pgsock only, readiness polled without
 * blocking the loop, and restarts with the supervisor's backoff.  The
 * caller owns waitpid(): every child it reaps goes to pgembed_reaped().
 */
#ifndef BERTH_PGEMBED_H
#define BERTH_PGEMBED_H

#include <stddef.h>
#include <sys/types.h>

#include "backoff.h"

struct event_base;

struct pgembed_opts {
	const char		*state_dir;
	uid_t			 uid;		/* initdb and postgres run as */
	gid_t			 gid;
	/* the statswriter's user: its name is the role (not a superuser)
	 * that owns database berth; its group may reach the socket.  0:
	 * uid's (the server's own superuser, as before). */
	uid_t			 client_uid;
	gid_t			 client_gid;
	const char		*bindir;	/* NULL: pgembed_find_bindir() */
	/* conninfo: "host=<sockdir> port=5432 dbname=berth user=<client>" */
	void			(*on_ready)(const char *conninfo, void *arg);
	/* an unexpected exit (not after pgembed_stop); a restart follows */
	void			(*on_down)(const char *why, void *arg);
	void			*arg;
	struct backoff_policy	 policy;
};

/* A directory holding postgres, initdb, pg_isready and psql: that of
 * `pg_config --bindir`, else the highest /usr/lib/postgresql/N/bin.
 * 0, or -1 when there is none. */
int		 pgembed_find_bindir(char *out, size_t len);
/* dir holds all four (pgembed_bin.c). */
int		 pgembed_bindir_ok(const char *dir);

/* 0 when the server is on its way, -1 when it cannot be (logged). */
int		 pgembed_start(struct event_base *, const struct pgembed_opts *);
/* First call: fast shutdown (SIGINT), no restart.  Later calls while it
 * still runs: immediate shutdown (SIGQUIT). */
void		 pgembed_stop(void);
/* 1 when pid was one of ours (and is now handled), else 0. */
int		 pgembed_reaped(pid_t pid, int status);
/* Any child of ours (postgres, initdb, pg_isready, psql) alive. */
int		 pgembed_running(void);
pid_t		 pgembed_pid(void);		/* postgres, or 0 */
const char	*pgembed_conninfo(void);	/* NULL until ready */
/* For an operator's psql: the server's socket directory and its own
 * user (the superuser's role, by peer authentication); NULL until
 * ready. */
const char	*pgembed_sockdir(void);
const char	*pgembed_superuser(void);
/* Forget everything; only once pgembed_running() is 0. */
void		 pgembed_free(void);

#endif
