/*
 * Restoring a backup into its project's volume, so that a failed
 * restore loses nothing.  Before anything is written: the file's
 * SHA-256 against its manifest, then every entry (tarcheck.c; a bad
 * one is 422 naming it).  Then: a new volume, a helper container
 * mounting it, PUT /containers/{id}/archive with the tar streamed from
 * the file (decompressed as the engine takes it); only when that
 * worked is the old volume removed and made again from the same
 * archive, and the new one dropped.  A workspace of the project cannot
 * start meanwhile (restore_busy); a running one makes it 409.
 *
 * The checks run in a child of berthd (so that its loop goes on), the
 * decompression in berthd, on a file berth wrote and whose hash it
 * recorded; libarchive reads headers only.
 *
 * A backup whose local archive is gone but which was uploaded
 * ([volumes.s3] keep_local = false) is downloaded first (remote.c) to
 * <backupId>.fetch in backup_dir, checked and restored the same way,
 * and that file removed at the end.
 */
#include <sys/prctl.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <jansson.h>
#include <nettle/sha2.h>
#include <zlib.h>
#include <zstd.h>

#include "berthd.h"
#include "docker.h"
#include "log.h"
#include "tarcheck.h"
#include "util.h"
#include "xmalloc.h"

#define CHUNK		(128 * 1024)
#define MAX_ENTRY	((int64_t)64 << 30)	/* one file: 64 GiB */
#define MAX_TOTAL	((int64_t)1 << 40)	/* the archive: 1 TiB */
#define UPLOAD_MS	(3600 * 1000)

struct restore {
	struct restore		*next;
	struct caller		 c;
	struct vol_backup	*b;
	const char		*image;
	char			 tmpvol[64];
	char			 helper[72];
	int			 stage;		/* 0 the new volume, 1 the old */
	int			 dirfd, fd;
	ZSTD_DCtx		*zd;
	z_stream		 zs;
	int			 zs_on;
	unsigned char		*in;
	ZSTD_inBuffer		 zin;
	int			 eof;
	char			 fetched[64];	/* downloaded: removed at the end */
	struct event		*check_ev;	/* the check child's pipe */
};

static struct restore	*restores;

static void	restore_free(struct restore *);

/* A restore of project runs (NULL: any restore). */
int
restore_busy(const char *project)
{
	struct restore *r;

	for (r = restores; r != NULL; r = r->next)
		if (project == NULL || strcmp(r->b->project, project) == 0)
			return 1;
	return 0;
}

static void
unlink_restore(struct restore *r)
{
	struct restore **p;

	for (p = &restores; *p != NULL; p = &(*p)->next)
		if (*p == r) {
			*p = r->next;
			break;
		}
}

static void
restore_end(struct restore *r, const char *code, const char *msg)
{
	unlink_restore(r);
	if (code != NULL) {
		caller_error(&r->c, code, "%s", msg);
		event_emit("restore.failed", "error", NULL, "restore of backup "
		    "%s into project %s failed: %s", r->b->id, r->b->project,
		    msg);
	} else {
		vol_reply_backup(&r->c, r->b);
		event_emit("restore.done", "info", NULL, "backup %s restored "
		    "into project %s", r->b->id, r->b->project);
	}
	restore_free(r);
}

static void
restore_free(struct restore *r)
{
	if (r->fd != -1)
		close(r->fd);
	if (r->fetched[0] != '\0' && unlinkat(r->dirfd, r->fetched, 0) ==
	    -1 && errno != ENOENT)
		log_warn("restore: cannot remove %s", r->fetched);
	ZSTD_freeDCtx(r->zd);
	if (r->zs_on)
		inflateEnd(&r->zs);
	free(r->in);
	free(r);
}

/* ------------------------------------------------------------ the source */

static int
source_open(struct restore *r)
{
	if (lseek(r->fd, 0, SEEK_SET) == -1)
		return -1;
	ZSTD_freeDCtx(r->zd);
	r->zd = NULL;
	if (r->zs_on)
		inflateEnd(&r->zs);
	r->zs_on = 0;
	r->eof = 0;
	r->zin.src = r->in;
	r->zin.size = r->zin.pos = 0;
	memset(&r->zs, 0, sizeof(r->zs));
	if (strcmp(r->b->compression, "zstd") == 0 &&
	    (r->zd = ZSTD_createDCtx()) == NULL)
		fatalx("ZSTD_createDCtx: out of memory");
	if (strcmp(r->b->compression, "gzip") == 0) {
		if (inflateInit2(&r->zs, 15 + 16) != Z_OK)
			return -1;
		r->zs_on = 1;
	}
	return 0;
}

/* Refill the compressed input; -1 on a read error. */
static int
refill(struct restore *r)
{
	ssize_t n;

	if ((n = read(r->fd, r->in, CHUNK)) == -1)
		return -1;
	r->eof = n == 0;
	r->zin.size = (size_t)n;
	r->zin.pos = 0;
	r->zs.next_in = r->in;
	r->zs.avail_in = (uInt)n;
	return 0;
}

/* Up to cap bytes of tar into out: the count, 0 at the end, -1. */
static ssize_t
source_read(struct restore *r, unsigned char *out, size_t cap)
{
	ZSTD_outBuffer	o = { out, cap, 0 };
	size_t		rc;
	int		zr;

	if (r->zd == NULL && !r->zs_on)
		return read(r->fd, out, cap);
	while (o.pos == 0) {
		if ((r->zd != NULL ? r->zin.pos == r->zin.size :
		    r->zs.avail_in == 0) && (r->eof || refill(r) == -1 ||
		    r->eof))
			return r->eof ? 0 : -1;
		if (r->zd != NULL) {
			rc = ZSTD_decompressStream(r->zd, &o, &r->zin);
			if (ZSTD_isError(rc))
				return -1;
			continue;
		}
		r->zs.next_out = out;
		r->zs.avail_out = (uInt)cap;
		zr = inflate(&r->zs, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
			return -1;
		o.pos = cap - r->zs.avail_out;
		if (zr == Z_STREAM_END && o.pos == 0)
			return 0;
	}
	return (ssize_t)o.pos;
}

static int
fill(struct evbuffer *out, void *arg)
{
	struct restore	*r = arg;
	unsigned char	 buf[CHUNK];
	ssize_t		 n;

	if ((n = source_read(r, buf, sizeof(buf))) == -1)
		return -1;
	if (n == 0)
		return 1;
	return evbuffer_add(out, buf, (size_t)n) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------ the chain */

static void	stage_volume(struct restore *);
static void	old_removed(const struct docker_reply *, void *);

static void
ignored(const struct docker_reply *rep, void *arg)
{
	if (rep->status != 204 && rep->status != 404)
		log_warnx("restore: helper not removed: HTTP %ld", rep->status);
}

static void
tmp_removed(const struct docker_reply *rep, void *arg)
{
	struct restore *r = arg;

	if (rep->status != 204 && rep->status != 404)
		log_warnx("restore: volume %s not removed: HTTP %ld",
		    r->tmpvol, rep->status);
	restore_end(r, NULL, NULL);
}

static void
helper_gone(const struct docker_reply *rep, void *arg)
{
	struct restore *r = arg;

	if (rep->status != 204 && rep->status != 404)
		log_warnx("restore: helper %.12s not removed", r->helper);
	r->helper[0] = '\0';
	if (r->stage == 1) {
		eng_volume_remove(r->tmpvol, tmp_removed, r);
		return;
	}
	r->stage = 1;
	eng_volume_remove(r->b->volume, old_removed, r);
}

static void
uploaded(const struct docker_reply *rep, void *arg)
{
	struct restore	*r = arg;
	char		 msg[320];

	if (rep->status != 200) {
		snprintf(msg, sizeof(msg), "the engine refused the archive: "
		    "%s%s", rep->err != NULL ? rep->err : rep->raw, r->stage ?
		    "; the restored data is in volume " : "");
		if (r->stage)
			strncat(msg, r->tmpvol, sizeof(msg) - strlen(msg) - 1);
		eng_container_remove(r->helper, ignored, NULL);
		restore_end(r, "unavailable", msg);
		return;
	}
	eng_container_remove(r->helper, helper_gone, r);
}

static void
helper_made(const struct docker_reply *rep, void *arg)
{
	struct restore	*r = arg;
	const char	*id = json_string_value(json_object_get(rep->json,
	    "Id"));
	char		 path[160];

	if (rep->status != 201 || id == NULL || strlen(id) >= 72 ||
	    source_open(r) == -1) {
		restore_end(r, "unavailable", "cannot create the helper "
		    "container");
		return;
	}
	snprintf(r->helper, sizeof(r->helper), "%s", id);
	snprintf(path, sizeof(path), "/containers/%s/archive?path=%%2F", id);
	docker_upload(path, "application/x-tar", (uint64_t)r->b->bytes, fill,
	    UPLOAD_MS, uploaded, r);
}

static void
volume_made(const struct docker_reply *rep, void *arg)
{
	struct restore		*r = arg;
	char			 name[96];

	if (rep->status != 201) {
		restore_end(r, "unavailable", "cannot create the volume");
		return;
	}
	snprintf(name, sizeof(name), "berth-restore-%s-%d", r->b->id,
	    r->stage);
	eng_container_create(name, helper_spec(r->image, r->stage == 0 ?
	    r->tmpvol : r->b->volume, 0, r->b->project, "berth.restore",
	    r->b->id), helper_made, r);
}

static void
stage_volume(struct restore *r)
{
	json_t *labels;

	if (r->stage == 0)
		labels = json_pack("{s:s,s:s}", "berth.helper", "volume",
		    "berth.restore", r->b->id);
	else
		labels = json_pack("{s:s,s:s,s:s}", "berth.managed", "true",
		    "berth.project", r->b->project, "berth.owner",
		    r->b->owner);
	eng_volume_create(r->stage == 0 ? r->tmpvol : r->b->volume, labels,
	    volume_made, r);
}

static void
old_removed(const struct docker_reply *rep, void *arg)
{
	struct restore	*r = arg;
	char		 msg[256];

	if (rep->status != 204 && rep->status != 404) {
		snprintf(msg, sizeof(msg), "the project's volume cannot be "
		    "replaced (in use?); the restored data is in volume %s",
		    r->tmpvol);
		restore_end(r, "conflict", msg);
		return;
	}
	stage_volume(r);
}

/* ------------------------------------------------------------ checks */

/* The file is the one the manifest describes. */
static int
hash_ok(struct restore *r)
{
	struct sha256_ctx	 sha;
	uint8_t			 d[SHA256_DIGEST_SIZE];
	char			 got[2 * SHA256_DIGEST_SIZE + 1];
	ssize_t			 n;

	sha256_init(&sha);
	while ((n = read(r->fd, r->in, CHUNK)) > 0)
		sha256_update(&sha, (size_t)n, r->in);
	if (n == -1)
		return 0;
	sha256_digest(&sha, sizeof(d), d);
	hex_encode(d, sizeof(d), got);
	return strcmp(got, r->b->sha256) == 0;
}

/* The checks run in a child: a GiB of archive is seconds of reading,
 * which berthd's loop cannot spend.  It writes one line to wfd: "ok",
 * or why not. */
static void __attribute__((noreturn))
check_child(struct restore *r, int wfd)
{
	struct tarcheck	tc;
	char		msg[sizeof(((struct tarcheck *)0)->bad) + 64];
	int		rc = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (!hash_ok(r))
		snprintf(msg, sizeof(msg), "the backup's file does not match "
		    "its manifest (sha256)");
	else if (lseek(r->fd, 0, SEEK_SET) == -1 || (rc = tarcheck_fd(r->fd,
	    MAX_ENTRY, MAX_TOTAL, &tc)) != 0)
		snprintf(msg, sizeof(msg), "refused: %s", rc == 0 ?
		    strerror(errno) : tc.bad);
	else
		snprintf(msg, sizeof(msg), "ok");
	if (write(wfd, msg, strlen(msg)) == -1)
		_exit(1);
	_exit(0);
}

/* The child's line: the first volume, or answered and forgotten.  The
 * child itself is reaped by supervise_reap. */
static void
checked(evutil_socket_t fd, short ev, void *arg)
{
	struct restore	*r = arg;
	char		 msg[sizeof(((struct tarcheck *)0)->bad) + 64];
	ssize_t		 n;

	n = read(fd, msg, sizeof(msg) - 1);
	msg[n > 0 ? n : 0] = '\0';
	event_free(r->check_ev);
	r->check_ev = NULL;
	close(fd);
	if (strcmp(msg, "ok") == 0) {
		log_info("restoring backup %s into project %s (by %s)",
		    r->b->id, r->b->project, r->c.who.user);
		stage_volume(r);
		return;
	}
	caller_error(&r->c, n > 0 ? "invalid" : "unavailable", "%s", n > 0 ?
	    msg : "the archive's check ended without an answer");
	unlink_restore(r);
	restore_free(r);
}

/* The checks, then the first volume; else answered and forgotten. */
static void
begin(struct restore *r)
{
	int	p[2] = { -1, -1 };
	pid_t	pid = -1;

	r->fd = openat(r->dirfd, r->fetched[0] != '\0' ? r->fetched :
	    r->b->file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (r->fd == -1 || pipe2(p, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		if (r->fd == -1)
			caller_error(&r->c, "not_found", "the backup's file is "
			    "gone");
		else
			caller_error(&r->c, "unavailable", "cannot check the "
			    "archive: %s", strerror(errno));
		if (p[0] != -1) {
			close(p[0]);
			close(p[1]);
		}
		unlink_restore(r);
		restore_free(r);
		return;
	}
	if (pid == 0) {
		close(p[0]);
		check_child(r, p[1]);
	}
	close(p[1]);
	r->check_ev = event_new(env->base, p[0], EV_READ, checked, r);
	event_add(r->check_ev, NULL);
}

static void
fetched(const char *err, void *arg)
{
	struct restore *r = arg;

	if (err != NULL) {
		caller_error(&r->c, "unavailable", "cannot download the "
		    "backup: %s", err);
		unlink_restore(r);
		restore_free(r);
		return;
	}
	begin(r);
}

/* Registered at once: no workspace starts meanwhile (restore_busy). */
void
restore_start(const struct caller *c, struct vol_backup *b, int dirfd,
    const char *image)
{
	struct restore *r = xcalloc(1, sizeof(*r));

	r->c = *c;
	r->b = b;
	r->image = image;
	r->dirfd = dirfd;
	r->fd = -1;
	r->in = xmalloc(CHUNK);
	snprintf(r->tmpvol, sizeof(r->tmpvol), "berth-restore-%s", b->id);
	r->next = restores;
	restores = r;
	if (faccessat(dirfd, b->file, F_OK, AT_SYMLINK_NOFOLLOW) == -1 &&
	    errno == ENOENT && strcmp(b->remote_state, "uploaded") == 0) {
		snprintf(r->fetched, sizeof(r->fetched), "%s.fetch", b->id);
		remote_fetch(b, dirfd, r->fetched, fetched, r);
		return;
	}
	begin(r);
}
