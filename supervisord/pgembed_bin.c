/*
 * Where the embedded PostgreSQL's programs are (pgembed.h): a directory
 * holding postgres, initdb, pg_isready and psql, from `pg_config
 * --bindir` or the highest /usr/lib/postgresql/N/bin.
 */
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pgembed.h"

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

/* Runs before the loop matters; pg_config answers at once. */
static int
pg_config_bindir(char *out, size_t len)
{
	FILE	*f;
	char	 line[PATH_MAX];
	int	 ok = 0;

	if ((f = popen("pg_config --bindir 2>/dev/null", "re")) == NULL)
		return -1;
	if (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		ok = line[0] == '/' && pgembed_bindir_ok(line) &&
		    (size_t)snprintf(out, len, "%s", line) < len;
	}
	pclose(f);
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

