/*
 * One backup of a project volume, as a chain of engine calls ending in
 * one callback: create a helper container that is never started (the
 * workspace type's own image, the volume mounted read-only, no
 * network), pause or stop the project's running workspace if asked
 * (stop: hold.c), stream GET /containers/{id}/archive through the tar
 * walker (entries), the compressor (zstd, gzip or none) and SHA-256
 * into a file of backup_dir, then unpause it or start it again, and
 * remove the helper; the callback comes once the workspace runs
 * again.  Memory stays flat: each chunk of the engine's answer is
 * compressed and written before the next is read.  Nothing here parses more of the archive than its
 * 512-byte headers (common/tarwalk.c).
 *
 * A write that fails (the disk full) ends the backup: the partial file
 * is removed, the helper too, and the callback gets the reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <nettle/sha2.h>
#include <zlib.h>
#include <zstd.h>

#include "berthd.h"
#include "docker.h"
#include "log.h"
#include "tarwalk.h"
#include "util.h"
#include "xmalloc.h"

#define OUT_CHUNK	(128 * 1024)

struct backup_job {
	struct vol_backup	*rec;
	backup_done_cb		 done;
	void			*arg;
	char			 helper[72];	/* engine id of the helper */
	char			 images[CONFIG_MAX_TYPES][256];
	size_t			 nimages, image;	/* tried in turn */
	char			 paused[72];	/* the container to pause */
	char			 held[40];	/* the workspace to stop */
	int			 did_pause, did_hold;
	struct docker_stream	*stream;
	int			 dirfd, fd;
	ZSTD_CCtx		*zc;
	z_stream		 zs;
	int			 zs_on;
	struct sha256_ctx	 sha;
	struct tarwalk		 tw;
	unsigned char		*out;
	char			 err[256];
};

static void	job_end(struct backup_job *);
static void	create_helper(struct backup_job *);

/* ------------------------------------------------------------ output */

static int
put(struct backup_job *j, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	sha256_update(&j->sha, len, buf);
	j->rec->stored_bytes += (int64_t)len;
	while (len > 0) {
		if ((n = write(j->fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(j->err, sizeof(j->err), "writing %s: %s",
			    j->rec->file, strerror(errno));
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
zstd_push(struct backup_job *j, const void *buf, size_t len, int last)
{
	ZSTD_inBuffer	in = { buf, len, 0 };
	ZSTD_outBuffer	out;
	size_t		left;

	do {
		out.dst = j->out;
		out.size = OUT_CHUNK;
		out.pos = 0;
		left = ZSTD_compressStream2(j->zc, &out, &in,
		    last ? ZSTD_e_end : ZSTD_e_continue);
		if (ZSTD_isError(left)) {
			snprintf(j->err, sizeof(j->err), "zstd: %s",
			    ZSTD_getErrorName(left));
			return -1;
		}
		if (put(j, j->out, out.pos) == -1)
			return -1;
	} while (last ? left != 0 : in.pos < in.size);
	return 0;
}

static int
gzip_push(struct backup_job *j, const void *buf, size_t len, int last)
{
	int	rc;

	j->zs.next_in = (unsigned char *)(uintptr_t)buf;
	j->zs.avail_in = (uInt)len;
	do {
		j->zs.next_out = j->out;
		j->zs.avail_out = OUT_CHUNK;
		rc = deflate(&j->zs, last ? Z_FINISH : Z_NO_FLUSH);
		if (rc == Z_STREAM_ERROR) {
			snprintf(j->err, sizeof(j->err), "gzip: deflate");
			return -1;
		}
		if (put(j, j->out, OUT_CHUNK - j->zs.avail_out) == -1)
			return -1;
	} while (j->zs.avail_out == 0 || (last && rc != Z_STREAM_END));
	return 0;
}

/* Compress and write len bytes of tar (last: and end the stream). */
static int
push(struct backup_job *j, const void *buf, size_t len, int last)
{
	if (j->zc != NULL)
		return zstd_push(j, buf, len, last);
	if (j->zs_on)
		return gzip_push(j, buf, len, last);
	return len > 0 ? put(j, buf, len) : 0;
}

static int
compressor_init(struct backup_job *j)
{
	if (strcmp(j->rec->compression, "zstd") == 0) {
		if ((j->zc = ZSTD_createCCtx()) == NULL)
			fatalx("ZSTD_createCCtx: out of memory");
		ZSTD_CCtx_setParameter(j->zc, ZSTD_c_compressionLevel, 3);
	} else if (strcmp(j->rec->compression, "gzip") == 0) {
		if (deflateInit2(&j->zs, 6, Z_DEFLATED, 15 + 16, 8,
		    Z_DEFAULT_STRATEGY) != Z_OK)
			return -1;
		j->zs_on = 1;
	}
	return 0;
}

/* ------------------------------------------------------------ the end */

static void
removed(const struct docker_reply *r, void *arg)
{
	if (r->status != 204 && r->status != 404)
		log_warnx("backup helper %.12s not removed: HTTP %ld %s",
		    (char *)arg, r->status, r->err != NULL ? r->err : "");
	free(arg);
}

static void
unpaused(const struct docker_reply *r, void *arg)
{
	if (r->status != 204)
		log_warnx("workspace container %.12s not unpaused: HTTP %ld",
		    (char *)arg, r->status);
	free(arg);
}

static void
released(struct workspace *ws, const char *code, const char *msg,
    void *arg)
{
	struct backup_job *j = arg;

	if (code != NULL)
		event_emit("backup.restart_failed", "error", ws, "workspace "
		    "%s stopped for backup %s: %s", j->held, j->rec->id, msg);
	job_end(j);
}

/* Everything the job holds goes; the file stays only when it worked.
 * A workspace stopped for it is started again first. */
static void
job_end(struct backup_job *j)
{
	if (j->did_hold) {
		j->did_hold = 0;
		hold_release(j->held, released, j);
		return;
	}
	if (j->did_pause)
		eng_container_pause(j->paused, 0, unpaused,
		    xstrdup(j->paused));
	if (j->helper[0] != '\0')
		eng_container_remove(j->helper, removed, xstrdup(j->helper));
	if (j->fd != -1) {
		close(j->fd);
		if (j->err[0] != '\0' && unlinkat(j->dirfd, j->rec->file,
		    0) == -1 && errno != ENOENT)
			log_warn("backup %s: cannot remove %s", j->rec->id,
			    j->rec->file);
	}
	ZSTD_freeCCtx(j->zc);
	if (j->zs_on)
		deflateEnd(&j->zs);
	free(j->out);
	j->done(j->rec, j->err[0] != '\0' ? j->err : NULL, j->arg);
	free(j);
}

static void
fail(struct backup_job *j, const char *fmt, const char *what)
{
	if (j->err[0] == '\0')
		snprintf(j->err, sizeof(j->err), fmt, what);
	job_end(j);
}

static void
sha_hex(struct backup_job *j)
{
	uint8_t	d[SHA256_DIGEST_SIZE];

	sha256_digest(&j->sha, sizeof(d), d);
	hex_encode(d, sizeof(d), j->rec->sha256);
}

/* ------------------------------------------------------------ the stream */

static void
data_cb(const char *buf, size_t len, void *arg)
{
	struct backup_job *j = arg;

	if (j->err[0] != '\0')
		return;
	if (tarwalk_feed(&j->tw, buf, len) == -1)
		snprintf(j->err, sizeof(j->err), "the engine's archive: %s",
		    j->tw.err);
	else if (push(j, buf, len, 0) == 0) {
		j->rec->bytes = (int64_t)j->tw.bytes;
		j->rec->entries = (int64_t)j->tw.entries;
		return;
	}
	docker_stream_cancel(j->stream);
	j->stream = NULL;
	job_end(j);
}

static void
end_cb(long status, const char *err, void *arg)
{
	struct backup_job *j = arg;

	j->stream = NULL;
	if (status != 200) {
		fail(j, "reading the volume: %s", err != NULL ? err :
		    "the engine refused");
		return;
	}
	if (tarwalk_end(&j->tw) == -1) {
		fail(j, "the engine's archive: %s", j->tw.err);
		return;
	}
	if (push(j, NULL, 0, 1) == -1 || fsync(j->fd) == -1) {
		fail(j, "%s", j->err[0] != '\0' ? j->err :
		    strerror(errno));
		return;
	}
	sha_hex(j);
	j->rec->entries = (int64_t)j->tw.entries;
	job_end(j);
}

static void
read_volume(struct backup_job *j)
{
	j->stream = eng_container_archive(j->helper, "/volume", data_cb,
	    end_cb, j);
}

static void
paused_cb(const struct docker_reply *r, void *arg)
{
	struct backup_job *j = arg;

	if (r->status != 204) {
		fail(j, "cannot pause the workspace: %s", r->err !=
		    NULL ? r->err : "the engine refused");
		return;
	}
	j->did_pause = 1;
	read_volume(j);
}

static void
held_cb(struct workspace *ws, const char *code, const char *msg, void *arg)
{
	struct backup_job *j = arg;

	if (code != NULL) {
		fail(j, "cannot stop the workspace: %s", msg);
		return;
	}
	read_volume(j);
}

/* Pause or stop the workspace (if any), then read. */
static void
quiesce(struct backup_job *j)
{
	struct workspace *ws;

	if (j->paused[0] != '\0')
		eng_container_pause(j->paused, 1, paused_cb, j);
	else if (j->held[0] != '\0' && (ws = ws_find(j->held)) != NULL &&
	    ws->status == WSS_RUNNING) {
		j->did_hold = 1;	/* released at the end, even failed */
		hold_stop(ws, held_cb, j);
	} else
		read_volume(j);
}

static void
created(const struct docker_reply *r, void *arg)
{
	struct backup_job	*j = arg;
	const char		*id = json_string_value(json_object_get(r->json,
	    "Id"));

	if (r->status == 404 && ++j->image < j->nimages) {
		create_helper(j);	/* that image is not on this host */
		return;
	}
	if (r->status != 201 || id == NULL || strlen(id) >= sizeof(j->helper)) {
		fail(j, "cannot create the helper container: %s",
		    r->err != NULL ? r->err : r->raw);
		return;
	}
	snprintf(j->helper, sizeof(j->helper), "%s", id);
	snprintf(j->rec->image, sizeof(j->rec->image), "%s",
	    j->images[j->image]);
	quiesce(j);
}

static void
create_helper(struct backup_job *j)
{
	char	name[96];

	snprintf(name, sizeof(name), "berth-backup-%s", j->rec->id);
	eng_container_create(name, helper_spec(j->images[j->image],
	    j->rec->volume, 1, j->rec->project, "berth.backup", j->rec->id),
	    created, j);
}

/* A helper mounting volume at /volume: never started, so its command
 * only has to exist.  Labelled berth.helper=volume, the project, and
 * job=id (berth.backup, berth.restore, berth.clone). */
json_t *
helper_spec(const char *image, const char *volume, int ro,
    const char *project, const char *job, const char *id)
{
	char	bind[256];

	snprintf(bind, sizeof(bind), "%s:/volume%s", volume, ro ? ":ro" : "");
	return json_pack("{s:s,s:[s],s:b,s:{s:s,s:s,s:s},s:{s:[s],s:s}}",
	    "Image", image, "Cmd", "/berth-volume-helper", "NetworkDisabled",
	    1, "Labels", "berth.helper", "volume", "berth.project", project,
	    job, id, "HostConfig", "Binds", bind, "NetworkMode", "none");
}

void
backup_run(struct vol_backup *rec, int dirfd, const char *const *images,
    size_t nimages, const struct workspace *ws, backup_done_cb done,
    void *arg)
{
	struct backup_job	*j = xcalloc(1, sizeof(*j));

	j->rec = rec;
	j->done = done;
	j->arg = arg;
	j->dirfd = dirfd;
	j->out = xmalloc(OUT_CHUNK);
	tarwalk_init(&j->tw);
	sha256_init(&j->sha);
	if (ws != NULL && strcmp(rec->consistency, "pause") == 0)
		snprintf(j->paused, sizeof(j->paused), "%s", ws->container);
	if (ws != NULL && strcmp(rec->consistency, "stop") == 0)
		snprintf(j->held, sizeof(j->held), "%s", ws->id);
	j->fd = openat(dirfd, rec->file, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (j->fd == -1) {
		fail(j, "cannot create the file: %s", strerror(errno));
		return;
	}
	if (compressor_init(j) == -1) {
		fail(j, "%s", "cannot start the compressor");
		return;
	}
	for (; j->nimages < nimages && j->nimages < CONFIG_MAX_TYPES;
	    j->nimages++)
		snprintf(j->images[j->nimages], sizeof(j->images[0]), "%s",
		    images[j->nimages]);
	create_helper(j);
}
