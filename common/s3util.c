/*
 * The pure parts of the S3 client (see s3util.h): nothing here does
 * I/O, so the unit tests cover it whole (tests/unit/test_s3util.c).
 * The secret is copied where it is asked for and never printed.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "s3util.h"
#include "url.h"
#include "xmalloc.h"

/* ------------------------------------------------------------ credentials */

/* [A-Za-z0-9] for the key id; printable ASCII but blanks for the
 * secret (curl splits "id:secret" at the first colon only). */
static int
creds_value_ok(const char *v, size_t len, int is_id)
{
	size_t	i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (is_id ? !isalnum((unsigned char)v[i]) :
		    (v[i] <= ' ' || v[i] >= 0x7f))
			return 0;
	return 1;
}

static const char *
trim(const char *s, const char *end, size_t *len)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r'))
		end--;
	*len = (size_t)(end - s);
	return s;
}

/* One "name = value" line; 0, 1 if it is neither of ours, -1 bad. */
static int
creds_line(const char *p, const char *eol, struct s3_creds *c, int lineno,
    char *err, size_t errlen)
{
	const char	*eq, *name, *v;
	size_t		 nlen, vlen, max;
	char		*dst;
	int		 is_id;

	if ((eq = memchr(p, '=', (size_t)(eol - p))) == NULL) {
		snprintf(err, errlen, "line %d: not name = value", lineno);
		return -1;
	}
	name = trim(p, eq, &nlen);
	v = trim(eq + 1, eol, &vlen);
	if (nlen == 13 && memcmp(name, "access_key_id", 13) == 0)
		is_id = 1;
	else if (nlen == 17 && memcmp(name, "secret_access_key", 17) == 0)
		is_id = 0;
	else {
		snprintf(err, errlen, "line %d: unknown name", lineno);
		return -1;
	}
	dst = is_id ? c->key_id : c->secret;
	max = is_id ? S3_KEY_ID_MAX : S3_SECRET_MAX;
	if (vlen > max || !creds_value_ok(v, vlen, is_id)) {
		snprintf(err, errlen, "line %d: %s is not a valid value",
		    lineno, is_id ? "access_key_id" : "secret_access_key");
		return -1;
	}
	memcpy(dst, v, vlen);
	dst[vlen] = '\0';
	return 0;
}

int
s3_creds_parse(const char *text, struct s3_creds *c, char *err,
    size_t errlen)
{
	const char	*p = text, *eol, *s;
	size_t		 len;
	int		 lineno = 0;

	memset(c, 0, sizeof(*c));
	for (; *p != '\0'; p = *eol != '\0' ? eol + 1 : eol) {
		lineno++;
		if ((eol = strchr(p, '\n')) == NULL)
			eol = p + strlen(p);
		s = trim(p, eol, &len);
		if (len == 0 || *s == '#')
			continue;
		if (creds_line(s, s + len, c, lineno, err, errlen) == -1) {
			memset(c, 0, sizeof(*c));
			return -1;
		}
	}
	if (c->key_id[0] == '\0' || c->secret[0] == '\0') {
		snprintf(err, errlen, "access_key_id or secret_access_key "
		    "missing");
		memset(c, 0, sizeof(*c));
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ names */

int
s3_bucket_valid(const char *b)
{
	size_t	n = strlen(b);

	return n >= 3 && n <= 63 && strspn(b,
	    "abcdefghijklmnopqrstuvwxyz0123456789.-") == n &&
	    isalnum((unsigned char)b[0]) && isalnum((unsigned char)b[n - 1]);
}

int
s3_endpoint_valid(const char *s, char *err, size_t errlen)
{
	struct url	u;

	if (url_parse(s, &u, err, errlen) == -1)
		return -1;
	if (strcmp(u.path, "/") != 0) {
		snprintf(err, errlen, "the endpoint has a path or a query: "
		    "give scheme://host[:port] only");
		return -1;
	}
	return 0;
}

static int
name_ok(const char *s)
{
	size_t	n = strlen(s);

	return n > 0 && n <= 100 && s[0] != '.' && strspn(s,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-") == n;
}

int
s3_object_key(char *out, size_t len, const char *project, const char *file)
{
	int	n;

	if (!name_ok(project) || !name_ok(file))
		return -1;
	n = snprintf(out, len, "%s/%s", project, file);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
s3_url(char *out, size_t len, const char *endpoint, const char *bucket,
    const char *key, const char *query)
{
	size_t	elen = strlen(endpoint);
	int	n;

	while (elen > 0 && endpoint[elen - 1] == '/')
		elen--;
	n = snprintf(out, len, "%.*s/%s/%s%s%s", (int)elen, endpoint, bucket,
	    key, query != NULL ? "?" : "", query != NULL ? query : "");
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* ------------------------------------------------------------ XML */

int
s3_xml_text(const char *xml, const char *tag, char *out, size_t len)
{
	char		 open[64], close_[64];
	const char	*s, *e;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close_, sizeof(close_), "</%s>", tag);
	if ((s = strstr(xml, open)) == NULL)
		return -1;
	s += strlen(open);
	if ((e = strstr(s, close_)) == NULL || (size_t)(e - s) >= len)
		return -1;
	memcpy(out, s, (size_t)(e - s));
	out[e - s] = '\0';
	return 0;
}

char *
s3_complete_body(const char (*etags)[S3_ETAG_MAX], size_t n)
{
	char	*body, *p;
	size_t	 i, cap = 128 + n * (S3_ETAG_MAX + 96);

	p = body = xmalloc(cap);
	p += snprintf(p, cap, "<CompleteMultipartUpload>");
	for (i = 0; i < n; i++)
		p += snprintf(p, cap - (size_t)(p - body), "<Part><PartNumber>"
		    "%zu</PartNumber><ETag>\"%s\"</ETag></Part>", i + 1,
		    etags[i]);
	snprintf(p, cap - (size_t)(p - body), "</CompleteMultipartUpload>");
	return body;
}

int
s3_etag(const char *v, char *out, size_t len)
{
	size_t	n;

	while (*v == ' ')
		v++;
	n = strcspn(v, "\r\n");
	while (n > 0 && v[n - 1] == ' ')
		n--;
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		v++;
		n -= 2;
	}
	if (n == 0 || n >= len || memchr(v, '"', n) != NULL ||
	    memchr(v, '<', n) != NULL || memchr(v, '&', n) != NULL)
		return -1;
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}
