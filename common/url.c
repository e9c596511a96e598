/*
 * Notification URLs (url.h), parsed by libevent's evhttp_uri in its
 * strict (RFC 3986) mode, then held to more: what berthd accepts here
 * ends up in a request line and a Host header, so only http and https,
 * a host of letters, digits, dots and dashes (or a bracketed IPv6
 * address), and no user information or fragment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "url.h"

#define HOST_CHARS	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
			"0123456789.-"
#define V6_CHARS	"0123456789abcdefABCDEF:."

static int
fail(char *err, size_t errlen, const char *why)
{
	snprintf(err, errlen, "%s", why);
	return -1;
}

static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* The host as evhttp_uri has it ("[v6]" keeps its brackets). */
static int
host_of(const char *h, struct url *u, char *err, size_t errlen)
{
	size_t	len = h != NULL ? strlen(h) : 0;

	if (len > 2 && h[0] == '[' && h[len - 1] == ']') {
		h++;
		len -= 2;
		if (strspn(h, V6_CHARS) < len)
			return fail(err, errlen, "bad IPv6 address");
	} else if (len == 0 || strspn(h, HOST_CHARS) < len)
		return fail(err, errlen, "bad host name");
	if (len >= sizeof(u->host))
		return fail(err, errlen, "host name too long");
	memcpy(u->host, h, len);
	u->host[len] = '\0';
	return 0;
}

static int
parts(const struct evhttp_uri *e, struct url *u, char *err, size_t errlen)
{
	const char	*scheme = evhttp_uri_get_scheme(e);
	const char	*path = evhttp_uri_get_path(e);
	const char	*query = evhttp_uri_get_query(e);
	int		 port = evhttp_uri_get_port(e);

	if (scheme == NULL || (strcmp(scheme, "https") != 0 &&
	    strcmp(scheme, "http") != 0))
		return fail(err, errlen, "not http:// or https://");
	u->tls = strcmp(scheme, "https") == 0;
	if (evhttp_uri_get_userinfo(e) != NULL)
		return fail(err, errlen, "user information is not allowed");
	if (evhttp_uri_get_fragment(e) != NULL)
		return fail(err, errlen, "a fragment is not allowed");
	if (host_of(evhttp_uri_get_host(e), u, err, errlen) == -1)
		return -1;
	if (port == 0 || port > 65535)
		return fail(err, errlen, "port not 1 to 65535");
	u->port = port > 0 ? port : u->tls ? 443 : 80;
	if (path == NULL || *path == '\0')
		path = "/";
	if ((size_t)snprintf(u->path, sizeof(u->path), "%s%s%s", path,
	    query != NULL ? "?" : "", query != NULL ? query : "") >=
	    sizeof(u->path))
		return fail(err, errlen, "path too long");
	return 0;
}

int
url_parse(const char *s, struct url *u, char *err, size_t errlen)
{
	struct evhttp_uri	*e;
	int			 rc;

	memset(u, 0, sizeof(*u));
	if (!printable(s))
		return fail(err, errlen, "blanks or control characters");
	if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
		return fail(err, errlen, "not http:// or https://");
	if ((e = evhttp_uri_parse(s)) == NULL)
		return fail(err, errlen, "not a valid URL");
	rc = parts(e, u, err, errlen);
	evhttp_uri_free(e);
	return rc;
}

void
url_authority(const struct url *u, char *out, size_t len)
{
	int	v6 = strchr(u->host, ':') != NULL;

	if (u->port == (u->tls ? 443 : 80))
		snprintf(out, len, "%s%s%s", v6 ? "[" : "", u->host,
		    v6 ? "]" : "");
	else
		snprintf(out, len, "%s%s%s:%d", v6 ? "[" : "", u->host,
		    v6 ? "]" : "", u->port);
}

int
url_list(const char *s, struct url *out, size_t max, char *err,
    size_t errlen)
{
	char	 one[1300], why[200];
	size_t	 n = 0, len;

	while (*s != '\0') {
		s += strspn(s, " \t");
		len = strcspn(s, ",");
		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		if (len > 0) {
			if (n == max)
				return fail(err, errlen, "too many URLs");
			if (len >= sizeof(one))
				return fail(err, errlen, "URL too long");
			memcpy(one, s, len);
			one[len] = '\0';
			if (url_parse(one, &out[n], why, sizeof(why)) == -1) {
				snprintf(err, errlen, "%s: %s", one, why);
				return -1;
			}
			n++;
		}
		s += strcspn(s, ",");
		if (*s == ',')
			s++;
	}
	return (int)n;
}
