/*
 * The [health] dependencies list (depspec.h), checked when the
 * configuration is read and parsed again by healthmon.
 */
#include <sys/socket.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "depspec.h"

static int
valid_name(const char *s, size_t n)
{
	size_t	i;

	if (n == 0 || n >= sizeof(((struct dep *)0)->name) ||
	    s[0] < 'a' || s[0] > 'z')
		return 0;
	for (i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyz0123456789_-", s[i]) ==
		    NULL)
			return 0;
	return 1;
}

/* The port: all of p..end, decimal, 1 to 65535; -1 if not. */
static int
parse_port(const char *p, const char *end)
{
	long	port = 0;

	if (p == end || end - p > 5)
		return -1;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		port = port * 10 + (*p - '0');
	}
	return port >= 1 && port <= 65535 ? (int)port : -1;
}

/* "HOST:PORT" or "[V6]:PORT" of len bytes at p into d. */
static int
parse_hostport(const char *p, size_t len, struct dep *d)
{
	const char	*end = p + len, *h = p, *hend, *colon;
	unsigned char	 addr[16];
	size_t		 hl;

	if (len > 0 && p[0] == '[') {
		h = p + 1;
		if ((hend = memchr(h, ']', (size_t)(end - h))) == NULL ||
		    hend + 1 == end || hend[1] != ':')
			return -1;
		colon = hend + 1;
	} else if ((colon = memchr(p, ':', len)) == NULL)
		return -1;
	else
		hend = colon;
	hl = (size_t)(hend - h);
	if (hl == 0 || hl >= sizeof(d->host))
		return -1;
	memcpy(d->host, h, hl);
	d->host[hl] = '\0';
	if (inet_pton(AF_INET, d->host, addr) != 1 &&
	    inet_pton(AF_INET6, d->host, addr) != 1)
		return -1;
	return (d->port = parse_port(colon + 1, end)) == -1 ? -1 : 0;
}

/* "http://HOSTPORT/path" of len bytes into d. */
static int
parse_url(const char *p, size_t len, struct dep *d)
{
	const char	*slash, *end = p + len, *c;

	if (len < 8 || strncmp(p, "http://", 7) != 0)
		return -1;
	p += 7;
	if ((slash = memchr(p, '/', (size_t)(end - p))) == NULL)
		slash = end;
	if (parse_hostport(p, (size_t)(slash - p), d) == -1)
		return -1;
	if (slash == end) {
		strcpy(d->path, "/");
		return 0;
	}
	if ((size_t)(end - slash) >= sizeof(d->path))
		return -1;
	for (c = slash; c < end; c++)
		if (*c <= ' ' || *c >= 0x7f)
			return -1;
	memcpy(d->path, slash, (size_t)(end - slash));
	d->path[end - slash] = '\0';
	return 0;
}

static int
parse_item(const char *p, size_t len, struct dep *d, char *err,
    size_t errlen)
{
	const char	*eq = memchr(p, '=', len);

	memset(d, 0, sizeof(*d));
	if (eq == NULL || !valid_name(p, (size_t)(eq - p))) {
		snprintf(err, errlen, "expected name=http://host:port/path, "
		    "name of [a-z0-9_-]");
		return -1;
	}
	memcpy(d->name, p, (size_t)(eq - p));
	if (parse_url(eq + 1, len - (size_t)(eq + 1 - p), d) == -1) {
		snprintf(err, errlen, "%s: expected http://HOST:PORT/path "
		    "with a numeric host", d->name);
		return -1;
	}
	return 0;
}

int
dep_parse(const char *s, struct dep *out, size_t max, char *err,
    size_t errlen)
{
	const char	*p = s, *comma;
	size_t		 n = 0, len;

	while (*p != '\0') {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (n == max) {
			snprintf(err, errlen, "more than %zu dependencies", max);
			return -1;
		}
		if (parse_item(p, len, &out[n], err, errlen) == -1)
			return -1;
		n++;
		p += len;
		if (*p == ',' && *++p == '\0') {
			snprintf(err, errlen, "trailing comma");
			return -1;
		}
	}
	return (int)n;
}
