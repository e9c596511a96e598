/*
 * HTTP dependencies the health service checks ([health] dependencies):
 * "name=http://HOST:PORT/path" items separated by commas, HOST a
 * numeric IPv4 address or a bracketed IPv6 one (healthmon resolves no
 * names).
 */
#ifndef BERTH_DEPSPEC_H
#define BERTH_DEPSPEC_H

#include <stddef.h>

#define DEP_MAX		16

struct dep {
	char	name[33];	/* [a-z0-9_-], first a letter */
	char	host[46];	/* numeric, without brackets */
	int	port;
	char	path[256];	/* "/..." printable, no blanks */
};

/* Parse s into at most DEP_MAX deps; the count, or -1 with err set. */
int	dep_parse(const char *s, struct dep *out, size_t max, char *err,
	    size_t errlen);

#endif
