/*
 * The URLs berth posts notifications to: http:// or https://, a host
 * name, a numeric IPv4 address or a bracketed IPv6 one, an optional
 * port, and a path with its query.  No user information, no fragment,
 * nothing but printable ASCII.
 */
#ifndef BERTH_URL_H
#define BERTH_URL_H

#include <stddef.h>

#define URL_LIST_MAX	8	/* [alertmanager] urls */

struct url {
	int	tls;		/* https */
	char	host[254];	/* a name or a numeric address, no brackets */
	int	port;
	char	path[1024];	/* "/..." with the query; "/" if none */
};

/* Parse s into u; 0, or -1 with err set. */
int	url_parse(const char *s, struct url *u, char *err, size_t errlen);

/* Comma-separated URLs (blanks around each ignored) into at most max;
 * the count, or -1 with err set. */
int	url_list(const char *s, struct url *out, size_t max, char *err,
	    size_t errlen);

/* The Host header's value for u: the host, bracketed when IPv6, and
 * the port unless it is the scheme's own. */
void	url_authority(const struct url *u, char *out, size_t len);

#endif
