/*
 * The remote copies of the backups ([volumes.s3]): after a backup
 * works its archive and then its manifest are uploaded to
 * <bucket>/<projectId>/<file>, one backup at a time, in order.  The
 * record's remote state goes pending, uploading, then uploaded or
 * failed (event backup.upload_failed; the local archive is kept
 * whatever keep_local says).  Once uploaded and verified (s3.c), the
 * local archive is removed when keep_local is false; a restore then
 * downloads it (remote_fetch).  Rotation deletes the remote objects.
 *
 * A berthd restart during an upload: at start the records still
 * pending or uploading are uploaded again from the start (the
 * archive is still there: it is removed only after an upload), or
 * marked failed when remote storage is no longer set up or the
 * archive is gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berthd.h"
#include "log.h"
#include "s3util.h"
#include "xmalloc.h"

#define QUEUE_MAX	10000	/* BACKUPS_MAX of volumes.c */

static struct vol_backup	*queue[QUEUE_MAX];
static size_t			 nqueue;
static struct vol_backup	*current;	/* being uploaded */

static void	next_upload(void);

/* "<project>/<id>.json", the manifest's key. */
static int
manifest_key(const struct vol_backup *b, char *out, size_t len)
{
	char	name[64];

	snprintf(name, sizeof(name), "%s.json", b->id);
	return s3_object_key(out, len, b->project, name);
}

static void
set_state(struct vol_backup *b, const char *state, const char *err)
{
	snprintf(b->remote_state, sizeof(b->remote_state), "%s", state);
	snprintf(b->remote_error, sizeof(b->remote_error), "%s",
	    err != NULL ? err : "");
	vol_backup_changed(b);
}

static void
upload_failed(struct vol_backup *b, const char *err)
{
	set_state(b, "failed", err);
	event_emit("backup.upload_failed", "warning", NULL, "backup %s of "
	    "project %s not uploaded (the local copy is kept): %s", b->id,
	    b->project, err);
}

/* Verified: keep_local false removes the local archive now. */
static void
uploaded(struct vol_backup *b)
{
	if (!env->cfg.volumes_s3_keep_local) {
		if (unlinkat(vol_backup_dir(), b->file, 0) == -1 &&
		    errno != ENOENT)
			log_warn("backup %s: cannot remove %s", b->id,
			    b->file);
		else
			log_info("backup %s: local archive removed "
			    "(keep_local = false)", b->id);
	}
	set_state(b, "uploaded", NULL);
	event_emit("backup.uploaded", "info", NULL, "backup %s of project "
	    "%s uploaded to %s", b->id, b->project, b->remote_key);
}

static void
manifest_sent(const char *err, void *arg)
{
	struct vol_backup *b = arg;

	current = NULL;
	if (err != NULL)
		upload_failed(b, err);
	else
		uploaded(b);
	next_upload();
}

static void
archive_sent(const char *err, void *arg)
{
	struct vol_backup	*b = arg;
	char			 key[160], name[64];

	if (err != NULL || manifest_key(b, key, sizeof(key)) == -1) {
		current = NULL;
		upload_failed(b, err != NULL ? err : "no key for the manifest");
		next_upload();
		return;
	}
	snprintf(name, sizeof(name), "%s.json", b->id);
	s3_put_file(key, vol_backup_dir(), name, manifest_sent, b);
}

static void
next_upload(void)
{
	struct vol_backup *b;

	if (current != NULL || nqueue == 0)
		return;
	b = current = queue[0];
	memmove(queue, queue + 1, --nqueue * sizeof(*queue));
	if (s3_object_key(b->remote_key, sizeof(b->remote_key), b->project,
	    b->file) == -1) {
		current = NULL;
		upload_failed(b, "no object key can be made of its names");
		next_upload();
		return;
	}
	set_state(b, "uploading", NULL);
	log_info("backup %s: uploading to %s", b->id, b->remote_key);
	s3_put_file(b->remote_key, vol_backup_dir(), b->file, archive_sent,
	    b);
}

void
remote_upload(struct vol_backup *b)
{
	if (!s3_enabled())
		return;
	if (nqueue == QUEUE_MAX) {
		upload_failed(b, "too many uploads waiting");
		return;
	}
	queue[nqueue++] = b;
	set_state(b, "pending", NULL);
	next_upload();
}

int
remote_busy(const struct vol_backup *b)
{
	return strcmp(b->remote_state, "pending") == 0 ||
	    strcmp(b->remote_state, "uploading") == 0;
}

/* ------------------------------------------------------------ deletes */

static void
deleted(const char *err, void *arg)
{
	char *key = arg;

	if (err != NULL)
		log_warnx("remote object %s not removed: %s", key, err);
	else
		log_info("remote object %s removed by rotation", key);
	free(key);
}

void
remote_forget(const struct vol_backup *b)
{
	char	key[160];

	if (!s3_enabled() || b->remote_key[0] == '\0')
		return;
	s3_delete(b->remote_key, deleted, xstrdup(b->remote_key));
	if (manifest_key(b, key, sizeof(key)) == 0)
		s3_delete(key, deleted, xstrdup(key));
}

/* ------------------------------------------------------------ restores */

void
remote_fetch(const struct vol_backup *b, int dirfd, const char *tmp,
    remote_fetch_cb done, void *arg)
{
	if (!s3_enabled()) {
		done("remote storage is not set up", arg);
		return;
	}
	log_info("backup %s: downloading %s for a restore", b->id,
	    b->remote_key);
	s3_get_file(b->remote_key, dirfd, tmp, done, arg);
}

/* ------------------------------------------------------------ start */

void
remote_start(void)
{
	struct vol_backup	*b;
	int			 on = s3_init();

	for (b = vol_backups_first(); b != NULL; b = b->next) {
		if (!remote_busy(b))
			continue;
		if (!on)
			upload_failed(b, "berthd stopped during the upload, "
			    "and remote storage is not set up now");
		else if (faccessat(vol_backup_dir(), b->file, F_OK,
		    AT_SYMLINK_NOFOLLOW) == -1)
			upload_failed(b, "berthd stopped during the upload, "
			    "and the archive is gone");
		else {
			log_info("backup %s: upload cut by a restart, "
			    "started again", b->id);
			remote_upload(b);
		}
	}
}
