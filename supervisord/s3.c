/*
 * berthd's S3 client ([volumes.s3]): a file put (one PUT, or a
 * multipart upload when it is larger than one part), a get into a new
 * file, a delete.  libcurl signs each request (CURLOPT_AWS_SIGV4, the
 * payload UNSIGNED-PAYLOAD) and curlev.c runs it on the loop.  Bodies
 * are streamed from and to files, never held whole.  The endpoint and
 * bucket come from the configuration and the keys from names berth
 * made (s3util.c); the secret stays in this file's memory.
 *
 * A put is verified: each part's ETag against the MD5 of what was sent
 * (when the ETag is an MD5, as S3's is without KMS), then a HEAD of
 * the object against the file's size.  A multipart upload that fails
 * is aborted.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <nettle/md5.h>

#include "berthd.h"
#include "log.h"
#include "s3util.h"
#include "util.h"
#include "xmalloc.h"

#define RESP_MAX	16384	/* an XML answer kept, at most */

enum s3_step { ST_PUT, ST_CREATE, ST_PART, ST_COMPLETE, ST_ABORT, ST_HEAD,
    ST_GET, ST_DELETE };

struct s3_op {
	enum s3_step	 step;
	char		 key[160];
	s3_done_cb	 done;
	void		*arg;
	int		 fd;		/* the file sent or written */
	int		 dirfd;
	char		 file[64];	/* a get's, removed on failure */
	int64_t		 size, off, left;	/* what is being sent */
	int64_t		 part_size;
	struct md5_ctx	 md5;
	char		*xml;
	size_t		 xmllen, xmlpos;
	char		 upload_id[256];
	char		 (*etags)[S3_ETAG_MAX];
	size_t		 nparts, part;
	char		 etag[S3_ETAG_MAX];
	char		 resp[RESP_MAX];
	size_t		 resplen;
	long		 status;	/* of the answer being read */
	CURL		*easy;
	struct curl_slist *hdrs;
	char		 curlerr[CURL_ERROR_SIZE];
	char		 err[320];
};

static struct s3_creds	creds;
static int		enabled;

static void	start(struct s3_op *, const char *method, const char *query);
static void	with_upload(struct s3_op *, const char *method,
		    const char *extra);

/* ------------------------------------------------------------ setup */

static int
load_creds(const struct berth_config *cfg, struct s3_creds *c, char *err,
    size_t errlen)
{
	const char	*what = "[volumes.s3] credentials_file";
	char		 text[S3_CREDS_MAX], why[256];
	int		 rc = 0;

	if (secret_file_read(what, cfg->volumes_s3_credentials_file, text,
	    sizeof(text), err, errlen) == -1)
		return -1;
	if (s3_creds_parse(text, c, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s %s: %s", what,
		    cfg->volumes_s3_credentials_file, why);
		rc = -1;
	}
	explicit_bzero(text, sizeof(text));
	return rc;
}

/* berthd -n: the credentials file of a [volumes.s3] that is set;
 * the number of errors, printed. */
int
s3_check(const struct berth_config *cfg)
{
	struct s3_creds	c;
	char		err[512];
	int		rc;

	if (cfg->volumes_s3_endpoint == NULL ||
	    cfg->volumes_s3_endpoint[0] == '\0')
		return 0;
	if ((rc = load_creds(cfg, &c, err, sizeof(err))) == -1)
		printf("%s\n", err);
	explicit_bzero(&c, sizeof(c));
	return rc == -1;
}

/* [volumes.s3] set and its credentials readable: 1, else 0 (logged). */
int
s3_init(void)
{
	const struct berth_config	*cfg = &env->cfg;
	char				 err[512];

	if (cfg->volumes_s3_endpoint == NULL ||
	    cfg->volumes_s3_endpoint[0] == '\0')
		return 0;
	if (load_creds(cfg, &creds, err, sizeof(err)) == -1) {
		log_warnx("remote storage disabled: %s", err);
		return 0;
	}
	curlev_init();
	enabled = 1;
	log_info("remote storage: %s, bucket %s", cfg->volumes_s3_endpoint,
	    cfg->volumes_s3_bucket);
	return 1;
}

int
s3_enabled(void)
{
	return enabled;
}

/* ------------------------------------------------------------ the end */

static void
op_end(struct s3_op *op)
{
	if (op->fd != -1)
		close(op->fd);
	if (op->step == ST_GET && op->err[0] != '\0' &&
	    unlinkat(op->dirfd, op->file, 0) == -1 && errno != ENOENT)
		log_warn("s3: cannot remove %s", op->file);
	op->done(op->err[0] != '\0' ? op->err : NULL, op->arg);
	free(op->etags);
	free(op->xml);
	free(op);
}

/* The first error is kept; a multipart upload begun is aborted. */
static void
op_fail(struct s3_op *op, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
op_fail(struct s3_op *op, const char *fmt, ...)
{
	va_list	ap;

	if (op->err[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(op->err, sizeof(op->err), fmt, ap);
		va_end(ap);
	}
	if (op->upload_id[0] != '\0' && op->step != ST_ABORT) {
		op->step = ST_ABORT;
		with_upload(op, "DELETE", NULL);
		return;
	}
	op_end(op);
}

/* ------------------------------------------------------------ callbacks */

static size_t
read_cb(char *buf, size_t size, size_t n, void *arg)
{
	struct s3_op	*op = arg;
	size_t		 want = size * n;
	ssize_t		 got;

	if (op->xml != NULL) {
		if (want > op->xmllen - op->xmlpos)
			want = op->xmllen - op->xmlpos;
		memcpy(buf, op->xml + op->xmlpos, want);
		op->xmlpos += want;
		return want;
	}
	if ((int64_t)want > op->left)
		want = (size_t)op->left;
	if (want == 0)
		return 0;
	if ((got = pread(op->fd, buf, want, op->off)) <= 0) {
		snprintf(op->err, sizeof(op->err), "reading the archive: %s",
		    got == 0 ? "it shrank" : strerror(errno));
		return CURL_READFUNC_ABORT;
	}
	md5_update(&op->md5, (size_t)got, (const uint8_t *)buf);
	op->off += got;
	op->left -= got;
	return (size_t)got;
}

static size_t
write_cb(char *buf, size_t size, size_t n, void *arg)
{
	struct s3_op	*op = arg;
	size_t		 len = size * n, left = len;
	ssize_t		 w;

	curl_easy_getinfo(op->easy, CURLINFO_RESPONSE_CODE, &op->status);
	if (op->step == ST_GET && op->status == 200) {
		for (; left > 0; buf += w, left -= (size_t)w)
			if ((w = write(op->fd, buf, left)) == -1) {
				snprintf(op->err, sizeof(op->err), "writing "
				    "%s: %s", op->file, strerror(errno));
				return 0;
			}
		return len;
	}
	if (len > RESP_MAX - 1 - op->resplen)
		len = RESP_MAX - 1 - op->resplen;
	memcpy(op->resp + op->resplen, buf, len);
	op->resplen += len;
	op->resp[op->resplen] = '\0';
	return size * n;
}

static size_t
header_cb(char *buf, size_t size, size_t n, void *arg)
{
	struct s3_op	*op = arg;
	size_t		 len = size * n;
	char		 line[256];

	if (len >= 5 && len < sizeof(line) && strncasecmp(buf, "etag:",
	    5) == 0) {
		memcpy(line, buf + 5, len - 5);
		line[len - 5] = '\0';
		if (s3_etag(line, op->etag, sizeof(op->etag)) == -1)
			op->etag[0] = '\0';
	}
	return len;
}

/* ------------------------------------------------------------ requests */

static void	step_done(void *, int, long, void *);

/* The options every request has: the URL, the signature, limits. */
static CURL *
easy_new(struct s3_op *op, const char *method, const char *query)
{
	const struct berth_config	*cfg = &env->cfg;
	char				 url[2048], sig[128];
	CURL				*e;

	if ((e = curl_easy_init()) == NULL)
		fatalx("s3: curl_easy_init");
	if (s3_url(url, sizeof(url), cfg->volumes_s3_endpoint,
	    cfg->volumes_s3_bucket, op->key, query) == -1)
		fatalx("s3: the URL of %s does not fit", op->key);
	snprintf(sig, sizeof(sig), "aws:amz:%s:s3", cfg->volumes_s3_region);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_AWS_SIGV4, sig);
	curl_easy_setopt(e, CURLOPT_USERNAME, creds.key_id);
	curl_easy_setopt(e, CURLOPT_PASSWORD, creds.secret);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, op->curlerr);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, op);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, op);
	if (strcmp(method, "GET") != 0 && strcmp(method, "PUT") != 0)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	return e;
}

/* One request of op's step; step_done gets its answer. */
static void
start(struct s3_op *op, const char *method, const char *query)
{
	int64_t	len = op->xml != NULL ? (int64_t)op->xmllen : op->left;

	op->easy = easy_new(op, method, query);
	op->resplen = 0;
	op->resp[0] = '\0';
	op->etag[0] = '\0';
	op->curlerr[0] = '\0';
	op->status = 0;
	op->hdrs = curl_slist_append(NULL,
	    "x-amz-content-sha256: UNSIGNED-PAYLOAD");
	if (op->step == ST_PUT || op->step == ST_PART ||
	    op->step == ST_COMPLETE) {
		md5_init(&op->md5);
		curl_easy_setopt(op->easy, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(op->easy, CURLOPT_READFUNCTION, read_cb);
		curl_easy_setopt(op->easy, CURLOPT_READDATA, op);
		curl_easy_setopt(op->easy, CURLOPT_INFILESIZE_LARGE,
		    (curl_off_t)len);
	}
	if (op->step == ST_HEAD)
		curl_easy_setopt(op->easy, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(op->easy, CURLOPT_HTTPHEADER, op->hdrs);
	curlev_add(op->easy, step_done, op);
}

/* ------------------------------------------------------------ steps */

/* What was sent is what the storage holds: its ETag, when an MD5. */
static int
etag_ok(struct s3_op *op)
{
	uint8_t	d[MD5_DIGEST_SIZE];
	char	want[2 * MD5_DIGEST_SIZE + 1];

	md5_digest(&op->md5, sizeof(d), d);
	hex_encode(d, sizeof(d), want);
	if (strlen(op->etag) != 32 || strspn(op->etag,
	    "0123456789abcdef") != 32)
		return op->etag[0] != '\0';	/* not an MD5 (KMS) */
	return strcmp(op->etag, want) == 0;
}

static void
verify(struct s3_op *op)
{
	op->step = ST_HEAD;
	op->upload_id[0] = '\0';
	start(op, "HEAD", NULL);
}

/* "uploadId=<id>" (the id checked URL-safe when it came). */
static void
with_upload(struct s3_op *op, const char *method, const char *extra)
{
	char	q[400];

	snprintf(q, sizeof(q), "%s%suploadId=%s", extra != NULL ? extra : "",
	    extra != NULL ? "&" : "", op->upload_id);
	start(op, method, q);
}

static void
complete(struct s3_op *op)
{
	op->step = ST_COMPLETE;
	op->xml = s3_complete_body((const char (*)[S3_ETAG_MAX])op->etags,
	    op->nparts);
	op->xmllen = strlen(op->xml);
	op->xmlpos = 0;
	with_upload(op, "POST", NULL);
}

static void
send_part(struct s3_op *op)
{
	char	q[64];

	op->step = ST_PART;
	op->off = (int64_t)op->part * op->part_size;
	op->left = op->size - op->off < op->part_size ? op->size - op->off :
	    op->part_size;
	snprintf(q, sizeof(q), "partNumber=%zu", op->part + 1);
	with_upload(op, "PUT", q);
}

static void
created(struct s3_op *op)
{
	const char *safe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._~-";

	if (s3_xml_text(op->resp, "UploadId", op->upload_id,
	    sizeof(op->upload_id)) == -1 || op->upload_id[0] == '\0' ||
	    strspn(op->upload_id, safe) != strlen(op->upload_id)) {
		op->upload_id[0] = '\0';
		op_fail(op, "the storage gave no usable UploadId");
		return;
	}
	op->part = 0;
	send_part(op);
}

static void
part_sent(struct s3_op *op)
{
	if (!etag_ok(op)) {
		op_fail(op, "part %zu: the storage's ETag does not match what "
		    "was sent", op->part + 1);
		return;
	}
	snprintf(op->etags[op->part], S3_ETAG_MAX, "%s", op->etag);
	if (++op->part < op->nparts)
		send_part(op);
	else
		complete(op);
}

static void
head_done(struct s3_op *op)
{
	curl_off_t	len = -1;

	curl_easy_getinfo(op->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
	if (len != (curl_off_t)op->size) {
		op_fail(op, "the stored object has %lld bytes, not %lld",
		    (long long)len, (long long)op->size);
		return;
	}
	op_end(op);
}

/* The answer was 2xx; on to the next step. */
static void
step_ok(struct s3_op *op)
{
	switch (op->step) {
	case ST_PUT:
		if (!etag_ok(op))
			op_fail(op, "the storage's ETag does not match what "
			    "was sent");
		else
			verify(op);
		break;
	case ST_CREATE:
		created(op);
		break;
	case ST_PART:
		part_sent(op);
		break;
	case ST_COMPLETE:
		/* S3 may answer 200 with an error in the body */
		if (strstr(op->resp, "<Error>") != NULL)
			op_fail(op, "completing the upload: %.200s", op->resp);
		else
			verify(op);
		break;
	case ST_HEAD:
		head_done(op);
		break;
	case ST_GET:
		if (fsync(op->fd) == -1)
			op_fail(op, "%s: %s", op->file, strerror(errno));
		else
			op_end(op);
		break;
	case ST_DELETE:
	case ST_ABORT:
		op_end(op);
		break;
	}
}

static void
step_done(void *easy, int rc, long status, void *arg)
{
	struct s3_op	*op = arg;
	char		 code[64] = "";

	curl_slist_free_all(op->hdrs);
	op->hdrs = NULL;
	if (rc != CURLE_OK && op->err[0] == '\0')
		snprintf(op->err, sizeof(op->err), "%s: %.150s", op->key,
		    op->curlerr[0] != '\0' ? op->curlerr :
		    curl_easy_strerror((CURLcode)rc));
	if (op->err[0] == '\0' && (status < 200 || status > 299) &&
	    !(op->step == ST_DELETE && status == 404)) {
		s3_xml_text(op->resp, "Code", code, sizeof(code));
		snprintf(op->err, sizeof(op->err), "%s: HTTP %ld%s%s",
		    op->key, status, code[0] != '\0' ? " " : "", code);
	}
	if (op->err[0] != '\0') {
		curl_easy_cleanup(easy);
		op->easy = NULL;
		op_fail(op, "%s", op->err);
		return;
	}
	step_ok(op);
	curl_easy_cleanup(easy);
}

/* ------------------------------------------------------------ operations */

static struct s3_op *
op_new(enum s3_step step, const char *key, s3_done_cb done, void *arg)
{
	struct s3_op *op = xcalloc(1, sizeof(*op));

	op->step = step;
	op->fd = -1;
	op->done = done;
	op->arg = arg;
	snprintf(op->key, sizeof(op->key), "%s", key);
	return op;
}

/* file of dirfd to key: one PUT, or multipart above part_size_mb. */
void
s3_put_file(const char *key, int dirfd, const char *file, s3_done_cb done,
    void *arg)
{
	struct s3_op	*op = op_new(ST_PUT, key, done, arg);
	struct stat	 st;

	op->part_size = env->cfg.volumes_s3_part_size_mb << 20;
	if ((op->fd = openat(dirfd, file, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || fstat(op->fd, &st) == -1) {
		op_fail(op, "%s: %s", file, strerror(errno));
		return;
	}
	op->size = op->left = st.st_size;
	if (op->size <= op->part_size) {
		start(op, "PUT", NULL);
		return;
	}
	op->nparts = (size_t)((op->size + op->part_size - 1) / op->part_size);
	if (op->nparts > S3_PARTS_MAX) {
		op_fail(op, "%s: more than %d parts: raise part_size_mb", file,
		    S3_PARTS_MAX);
		return;
	}
	op->etags = xcalloc(op->nparts, sizeof(*op->etags));
	log_info("s3: %s: %lld bytes in %zu parts", key,
	    (long long)op->size, op->nparts);
	op->step = ST_CREATE;
	op->left = 0;
	start(op, "POST", "uploads=");
}

/* key into a new file of dirfd (removed if the get fails). */
void
s3_get_file(const char *key, int dirfd, const char *file, s3_done_cb done,
    void *arg)
{
	struct s3_op *op = op_new(ST_GET, key, done, arg);

	op->dirfd = dirfd;
	snprintf(op->file, sizeof(op->file), "%s", file);
	if ((op->fd = openat(dirfd, file, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1) {
		snprintf(op->err, sizeof(op->err), "%s: %s", file,
		    strerror(errno));
		op->step = ST_DELETE;	/* nothing of ours to remove */
		op_end(op);
		return;
	}
	start(op, "GET", NULL);
}

/* key goes; one already gone is no error. */
void
s3_delete(const char *key, s3_done_cb done, void *arg)
{
	start(op_new(ST_DELETE, key, done, arg), "DELETE", NULL);
}
