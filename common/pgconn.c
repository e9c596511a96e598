/*
 * PostgreSQL connection strings without libpq (pgconn.h): the URI form
 * (RFC 3986 as libpq reads it: postgresql:// or postgres://, then
 * [user[:password]@][host][:port][/dbname][?k=v&...], each part
 * percent-decoded, an IPv6 host in brackets, "ssl=true" meaning
 * sslmode=require) and the keyword form (k=v separated by white space,
 * values in single quotes with backslash escapes).  Keywords are
 * checked against libpq 15's list, as libpq itself would refuse them.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgconn.h"
#include "xmalloc.h"

static const char *const known[] = {
	"host", "hostaddr", "port", "dbname", "user", "password", "passfile",
	"channel_binding", "connect_timeout", "client_encoding", "options",
	"application_name", "fallback_application_name", "keepalives",
	"keepalives_idle", "keepalives_interval", "keepalives_count",
	"tcp_user_timeout", "replication", "gssencmode", "sslmode",
	"requiressl", "sslcompression", "sslcert", "sslkey", "sslpassword",
	"sslrootcert", "sslcrl", "sslcrldir", "sslsni", "requirepeer",
	"ssl_min_protocol_version", "ssl_max_protocol_version", "krbsrvname",
	"gsslib", "service", "target_session_attrs", NULL
};

const char *const pgconn_file_keys[] = {
	"sslrootcert", "sslcert", "sslkey", "sslcrl", "sslcrldir", "passfile",
	NULL
};

static int
is_known(const char *k)
{
	size_t	i;

	for (i = 0; known[i] != NULL; i++)
		if (strcmp(known[i], k) == 0)
			return 1;
	return 0;
}

static int
add(struct pgconn *c, const char *k, size_t klen, char *v, char *err,
    size_t errlen)
{
	char	*key = xstrndup(k, klen);

	if (!is_known(key)) {
		snprintf(err, errlen, "invalid connection option \"%.64s\"",
		    key);
		free(key);
		free(v);
		return -1;
	}
	if (c->n == PGCONN_MAX) {
		snprintf(err, errlen, "too many connection options");
		free(key);
		free(v);
		return -1;
	}
	c->keys[c->n] = key;
	c->vals[c->n++] = v;
	return 0;
}

/* ------------------------------------------------------------ URI */

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* s[0..n) percent-decoded, or NULL (bad escape or %00). */
static char *
decode(const char *s, size_t n, char *err, size_t errlen)
{
	char	*out = xmalloc(n + 1), *o = out;
	size_t	 i;
	int	 hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] != '%') {
			*o++ = s[i];
			continue;
		}
		if (i + 2 >= n) {
			free(out);
			snprintf(err, errlen, "invalid percent-encoded token");
			return NULL;
		}
		hi = hexval((unsigned char)s[i + 1]);
		lo = hexval((unsigned char)s[i + 2]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
			free(out);
			snprintf(err, errlen, "invalid percent-encoded token");
			return NULL;
		}
		*o++ = (char)(hi * 16 + lo);
		i += 2;
	}
	*o = '\0';
	return out;
}

static int
add_decoded(struct pgconn *c, const char *k, const char *v, size_t vlen,
    char *err, size_t errlen)
{
	char	*d;

	if ((d = decode(v, vlen, err, errlen)) == NULL)
		return -1;
	return add(c, k, strlen(k), d, err, errlen);
}

/* user[:password] */
static int
uri_userinfo(struct pgconn *c, const char *p, size_t n, char *err,
    size_t errlen)
{
	const char	*colon = memchr(p, ':', n);
	size_t		 ulen = colon != NULL ? (size_t)(colon - p) : n;

	if (ulen > 0 && add_decoded(c, "user", p, ulen, err, errlen) == -1)
		return -1;
	if (colon != NULL && add_decoded(c, "password", colon + 1,
	    n - ulen - 1, err, errlen) == -1)
		return -1;
	return 0;
}

static void
cat(char *buf, const char *s, size_t size)
{
	size_t	n = strlen(buf);

	if (n < size)
		snprintf(buf + n, size - n, "%s", s);
}

/* host[:port][,host[:port]...], hosts in brackets when IPv6; the
 * lists are kept as libpq keeps them, comma-separated. */
static int
uri_hosts(struct pgconn *c, const char *p, size_t n, char *err,
    size_t errlen)
{
	char		 hosts[1024] = "", ports[256] = "", *d;
	const char	*end = p + n, *h, *he;
	int		 anyport = 0, first = 1;

	while (p <= end) {
		if (*p == '[') {
			h = p + 1;
			if ((he = memchr(h, ']', (size_t)(end - h))) == NULL) {
				snprintf(err, errlen, "missing \"]\" in IPv6 "
				    "host address");
				return -1;
			}
			p = he + 1;
		} else {
			h = p;
			for (he = h; he < end && *he != ':' && *he != ',';)
				he++;
			p = he;
		}
		if ((d = decode(h, (size_t)(he - h), err, errlen)) == NULL)
			return -1;
		cat(hosts, first ? "" : ",", sizeof(hosts));
		cat(hosts, d, sizeof(hosts));
		free(d);
		cat(ports, first ? "" : ",", sizeof(ports));
		if (p < end && *p == ':') {
			for (h = ++p; p < end && *p != ','; p++)
				;
			if ((d = decode(h, (size_t)(p - h), err,
			    errlen)) == NULL)
				return -1;
			cat(ports, d, sizeof(ports));
			anyport |= d[0] != '\0';
			free(d);
		}
		first = 0;
		if (p >= end)
			break;
		if (*p != ',') {
			snprintf(err, errlen, "unexpected character in host");
			return -1;
		}
		p++;
	}
	if (hosts[0] != '\0' && strcmp(hosts, ",") != 0 &&
	    add(c, "host", 4, xstrdup(hosts), err, errlen) == -1)
		return -1;
	return anyport ? add(c, "port", 4, xstrdup(ports), err, errlen) : 0;
}

/* k=v&k=v */
static int
uri_params(struct pgconn *c, const char *p, char *err, size_t errlen)
{
	const char	*amp, *eq;
	char		*k;
	size_t		 n;
	int		 rc;

	for (; *p != '\0'; p = *amp ? amp + 1 : amp) {
		amp = p + strcspn(p, "&");
		n = (size_t)(amp - p);
		if (n == 0)
			continue;
		if ((eq = memchr(p, '=', n)) == NULL) {
			snprintf(err, errlen, "missing key/value separator "
			    "\"=\" in URI query parameter");
			return -1;
		}
		if ((k = decode(p, (size_t)(eq - p), err, errlen)) == NULL)
			return -1;
		if (strcmp(k, "ssl") == 0) {
			rc = strncmp(eq + 1, "true", 4) == 0 ? add(c,
			    "sslmode", 7, xstrdup("require"), err, errlen) :
			    (snprintf(err, errlen, "invalid ssl value"), -1);
		} else
			rc = add_decoded(c, k, eq + 1, (size_t)(amp - eq - 1),
			    err, errlen);
		free(k);
		if (rc == -1)
			return -1;
	}
	return 0;
}

static int
parse_uri(const char *s, struct pgconn *c, char *err, size_t errlen)
{
	const char	*p, *end, *at;
	size_t		 n;

	p = strchr(s, ':') + 3;		/* after "://" */
	end = p + strcspn(p, "/?");
	if ((at = memchr(p, '@', (size_t)(end - p))) != NULL) {
		if (uri_userinfo(c, p, (size_t)(at - p), err, errlen) == -1)
			return -1;
		p = at + 1;
	}
	if (end > p && uri_hosts(c, p, (size_t)(end - p), err, errlen) == -1)
		return -1;
	p = end;
	if (*p == '/') {
		n = strcspn(++p, "?");
		if (n > 0 && add_decoded(c, "dbname", p, n, err, errlen) == -1)
			return -1;
		p += n;
	}
	if (*p == '?')
		return uri_params(c, p + 1, err, errlen);
	return 0;
}

/* ------------------------------------------------------------ keywords */

/* A value at *pp: quoted or bare, backslash escapes both. */
static char *
kw_value(const char **pp, char *err, size_t errlen)
{
	const char	*p = *pp;
	char		*out = xmalloc(strlen(p) + 1), *o = out;
	int		 quoted = *p == '\'';

	if (quoted)
		p++;
	for (; *p != '\0'; p++) {
		if (!quoted && isspace((unsigned char)*p))
			break;
		if (quoted && *p == '\'')
			break;
		if (*p == '\\' && p[1] != '\0')
			p++;
		*o++ = *p;
	}
	*o = '\0';
	if (quoted && *p++ != '\'') {
		snprintf(err, errlen, "unterminated quoted string in "
		    "connection info string");
		free(out);
		return NULL;
	}
	*pp = p;
	return out;
}

static int
parse_keywords(const char *p, struct pgconn *c, char *err, size_t errlen)
{
	const char	*k;
	char		*v;
	size_t		 klen;

	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			return 0;
		for (k = p; *p != '\0' && *p != '=' &&
		    !isspace((unsigned char)*p); p++)
			;
		klen = (size_t)(p - k);
		while (isspace((unsigned char)*p))
			p++;
		if (*p != '=') {
			/* Not quoted: a stray word may be half a password. */
			snprintf(err, errlen, "missing \"=\" after a word in "
			    "the connection info string");
			return -1;
		}
		for (p++; isspace((unsigned char)*p);)
			p++;
		if ((v = kw_value(&p, err, errlen)) == NULL)
			return -1;
		if (add(c, k, klen, v, err, errlen) == -1)
			return -1;
	}
}

/* ------------------------------------------------------------ public */

int
pgconn_parse(const char *s, struct pgconn *c, char *err, size_t errlen)
{
	int	rc;

	memset(c, 0, sizeof(*c));
	if (strncmp(s, "postgresql://", 13) == 0 ||
	    strncmp(s, "postgres://", 11) == 0)
		rc = parse_uri(s, c, err, errlen);
	else
		rc = parse_keywords(s, c, err, errlen);
	if (rc == -1)
		pgconn_free(c);
	return rc;
}

const char *
pgconn_get(const struct pgconn *c, const char *key)
{
	size_t	i;

	for (i = c->n; i > 0; i--)
		if (strcmp(c->keys[i - 1], key) == 0)
			return c->vals[i - 1];
	return NULL;
}

void
pgconn_free(struct pgconn *c)
{
	size_t	i;

	for (i = 0; i < c->n; i++) {
		free(c->keys[i]);
		if (c->vals[i] != NULL)
			explicit_bzero(c->vals[i], strlen(c->vals[i]));
		free(c->vals[i]);
	}
	memset(c, 0, sizeof(*c));
}
