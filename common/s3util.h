/*
 * The pure parts of berth's S3 client (common/s3util.c): the
 * credentials file, object keys and URLs berth builds, and the bits of
 * S3's XML it reads and writes.  supervisord/s3.c does the requests.
 */
#ifndef BERTH_S3UTIL_H
#define BERTH_S3UTIL_H

#include <stddef.h>

#define S3_KEY_ID_MAX	128
#define S3_SECRET_MAX	128
#define S3_CREDS_MAX	4096	/* the credentials file, at most */
#define S3_ETAG_MAX	80
#define S3_PARTS_MAX	10000	/* S3's own limit */

struct s3_creds {
	char	key_id[S3_KEY_ID_MAX + 1];
	char	secret[S3_SECRET_MAX + 1];
};

/* The credentials file's text: "access_key_id = ..." and
 * "secret_access_key = ..." lines, blank lines and # comments.  0, or
 * -1 with err set (never quoting the secret). */
int	s3_creds_parse(const char *text, struct s3_creds *, char *err,
	    size_t errlen);

/* A bucket name as S3 allows it: [a-z0-9.-], 3 to 63, starting and
 * ending with a letter or digit. */
int	s3_bucket_valid(const char *);

/* The endpoint: an http or https URL with no path but "/". */
int	s3_endpoint_valid(const char *, char *err, size_t errlen);

/* "<project>/<file>": both names berth made ([A-Za-z0-9._-], not
 * starting with a dot).  0, or -1 if either is not such a name. */
int	s3_object_key(char *out, size_t len, const char *project,
	    const char *file);

/* endpoint/bucket/key[?query], path style.  0, or -1 if too long. */
int	s3_url(char *out, size_t len, const char *endpoint,
	    const char *bucket, const char *key, const char *query);

/* The text of the first <tag>...</tag> of xml into out: 0, or -1 if
 * there is none or it does not fit. */
int	s3_xml_text(const char *xml, const char *tag, char *out, size_t len);

/* CompleteMultipartUpload's body for n parts (etags[i] of part i + 1);
 * to be freed. */
char	*s3_complete_body(const char (*etags)[S3_ETAG_MAX], size_t n);

/* An ETag header's value unquoted into out: 0, or -1. */
int	s3_etag(const char *header_value, char *out, size_t len);

#endif
