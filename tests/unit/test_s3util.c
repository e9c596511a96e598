/*
 * Unit tests for the pure parts of the S3 client (common/s3util.c):
 * the credentials file, bucket and endpoint checks, the object keys
 * and URLs berth builds, and the XML it reads and writes.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "s3util.h"

Test(s3util, credentials)
{
	struct s3_creds	c;
	char		err[256];

	cr_assert_eq(s3_creds_parse("# berth's\n\naccess_key_id = AKIA1\n"
	    "  secret_access_key=s3cr:et/+x \r\n", &c, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_str_eq(c.key_id, "AKIA1");
	cr_assert_str_eq(c.secret, "s3cr:et/+x");
	cr_assert_eq(s3_creds_parse("access_key_id = A\nsecret_access_key = "
	    "B", &c, err, sizeof(err)), 0);
	cr_assert_str_eq(c.secret, "B");
}

Test(s3util, credentials_refused)
{
	static const char *const bad[] = {
		"",
		"access_key_id = A\n",
		"secret_access_key = B\n",
		"access_key_id = A\nsecret_access_key =\n",
		"access_key_id = A:B\nsecret_access_key = C\n",
		"access_key_id = A\nsecret_access_key = two words\n",
		"access_key_id = A\nsecret_access_key = TOPSECRET\nregion = x\n",
		"access_key_id = A\nTOPSECRET\n",
		"[default]\naws_access_key_id = A\n",
	};
	struct s3_creds	c;
	char		err[256];
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		cr_assert_eq(s3_creds_parse(bad[i], &c, err, sizeof(err)), -1,
		    "%s", bad[i]);
		cr_assert_neq(err[0], '\0');
		cr_assert_null(strstr(err, "TOPSECRET"), "%s", err);
		cr_assert_eq(c.secret[0], '\0');
	}
}

Test(s3util, buckets_and_endpoints)
{
	char	err[256];

	cr_assert(s3_bucket_valid("berth-backups"));
	cr_assert(s3_bucket_valid("a.b"));
	cr_assert_not(s3_bucket_valid("ab"));
	cr_assert_not(s3_bucket_valid("Upper"));
	cr_assert_not(s3_bucket_valid("-dash"));
	cr_assert_not(s3_bucket_valid("a/b"));
	cr_assert_eq(s3_endpoint_valid("http://127.0.0.1:9000", err,
	    sizeof(err)), 0, "%s", err);
	cr_assert_eq(s3_endpoint_valid("https://s3.example.net/", err,
	    sizeof(err)), 0, "%s", err);
	cr_assert_eq(s3_endpoint_valid("https://s3.example.net/bucket", err,
	    sizeof(err)), -1);
	cr_assert_eq(s3_endpoint_valid("ftp://x", err, sizeof(err)), -1);
	cr_assert_eq(s3_endpoint_valid("http://u:p@x/", err, sizeof(err)),
	    -1);
}

Test(s3util, keys_and_urls)
{
	char	key[160], url[512];

	cr_assert_eq(s3_object_key(key, sizeof(key), "demo-1",
	    "0f8c.tar.zst"), 0);
	cr_assert_str_eq(key, "demo-1/0f8c.tar.zst");
	cr_assert_eq(s3_object_key(key, sizeof(key), "..", "x"), -1);
	cr_assert_eq(s3_object_key(key, sizeof(key), "a/b", "x"), -1);
	cr_assert_eq(s3_object_key(key, sizeof(key), "a", "../x"), -1);
	cr_assert_eq(s3_object_key(key, sizeof(key), "a", "x?y"), -1);
	cr_assert_eq(s3_object_key(key, sizeof(key), "a", ""), -1);
	cr_assert_eq(s3_object_key(key, 4, "abc", "d"), -1);
	cr_assert_eq(s3_url(url, sizeof(url), "http://h:9000/", "bk",
	    "p/x.tar", NULL), 0);
	cr_assert_str_eq(url, "http://h:9000/bk/p/x.tar");
	cr_assert_eq(s3_url(url, sizeof(url), "https://h", "bk", "p/x",
	    "uploads="), 0);
	cr_assert_str_eq(url, "https://h/bk/p/x?uploads=");
	cr_assert_eq(s3_url(url, 10, "https://h", "bk", "p/x", NULL), -1);
}

Test(s3util, xml)
{
	char	out[64], *body;
	char	etags[2][S3_ETAG_MAX] = { "aa", "bb" };

	cr_assert_eq(s3_xml_text("<?xml?><R><Bucket>b</Bucket><UploadId>"
	    "u-1.x</UploadId></R>", "UploadId", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "u-1.x");
	cr_assert_eq(s3_xml_text("<R><UploadId>open", "UploadId", out,
	    sizeof(out)), -1);
	cr_assert_eq(s3_xml_text("<R></R>", "UploadId", out, sizeof(out)),
	    -1);
	cr_assert_eq(s3_xml_text("<C>0123456789</C>", "C", out, 5), -1);
	body = s3_complete_body((const char (*)[S3_ETAG_MAX])etags, 2);
	cr_assert_str_eq(body, "<CompleteMultipartUpload><Part><PartNumber>"
	    "1</PartNumber><ETag>\"aa\"</ETag></Part><Part><PartNumber>2"
	    "</PartNumber><ETag>\"bb\"</ETag></Part>"
	    "</CompleteMultipartUpload>");
	free(body);
}

Test(s3util, etag)
{
	char	out[S3_ETAG_MAX];

	cr_assert_eq(s3_etag(" \"0123abcd\"\r\n", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "0123abcd");
	cr_assert_eq(s3_etag("plain\r\n", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "plain");
	cr_assert_eq(s3_etag("\"\"\r\n", out, sizeof(out)), -1);
	cr_assert_eq(s3_etag("\"a<b\"", out, sizeof(out)), -1);
	cr_assert_eq(s3_etag("\"abcdef\"", out, 4), -1);
}
