/*
 * Where the embedded PostgreSQL's programs are (pgembed.h): a directory
 * holding postgres, initdb, pg_isready and psql, from `/usr/bin/pg_config
 * --bindir` (never one found in PATH) or the highest
 * /usr/lib/postgresql/N/bin.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pgembed.h"

#define PG_CONFIG	"/usr/bin/pg_config"

int
pgembed_bindir_ok(const char *dir)
{
	const char *const	 need[] = { "postgres", "initdb", "pg_isready",
				    "psql", NULL };
	char			 path[PATH_MAX];
	int			 i;

	for (i = 0; need[i] != NULL; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    need[i]) >= sizeof(path) || access(path, X_OK) == -1)
			return 0;
	}
	return 1;
}

/* Runs before the loop matters; pg_config answers at once.  By its
 * absolute path with an empty environment: berthd is privileged, and
 * neither PATH nor anything else of its caller's chooses what it runs. */
static int
pg_config_bindir(char *out, size_t len)
{
	char *const	 argv[] = { "pg_config", "--bindir", NULL };
	char *const	 envp[] = { NULL };
	char		 line[PATH_MAX];
	FILE		*f;
	pid_t		 pid;
	int		 p[2], ok = 0;

	if (access(PG_CONFIG, X_OK) == -1 || pipe2(p, O_CLOEXEC) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		if (dup2(p[1], STDOUT_FILENO) == -1)
			_exit(127);
		execve(PG_CONFIG, argv, envp);
		_exit(127);
	}
	close(p[1]);
	if ((f = fdopen(p[0], "r")) == NULL)
		close(p[0]);
	else {
		if (fgets(line, sizeof(line), f) != NULL) {
			line[strcspn(line, "\n")] = '\0';
			ok = line[0] == '/' && pgembed_bindir_ok(line) &&
			    (size_t)snprintf(out, len, "%s", line) < len;
		}
		fclose(f);
	}
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		;
	return ok ? 0 : -1;
}

/* The highest major version under /usr/lib/postgresql. */
static int
glob_bindir(char *out, size_t len)
{
	glob_t	 g;
	size_t	 i;
	long	 v, best = -1;
	char	*p;

	if (glob("/usr/lib/postgresql/*/bin", GLOB_ONLYDIR, NULL, &g) != 0)
		return -1;
	for (i = 0; i < g.gl_pathc; i++) {
		p = g.gl_pathv[i] + strlen("/usr/lib/postgresql/");
		v = strtol(p, NULL, 10);
		if (v > best && pgembed_bindir_ok(g.gl_pathv[i]) &&
		    (size_t)snprintf(out, len, "%s", g.gl_pathv[i]) < len)
			best = v;
	}
	globfree(&g);
	return best == -1 ? -1 : 0;
}

int
pgembed_find_bindir(char *out, size_t len)
{
	if (pg_config_bindir(out, len) == 0)
		return 0;
	return glob_bindir(out, len);
}

