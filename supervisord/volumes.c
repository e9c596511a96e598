/*
 * Project volumes: backups (POST /api/projects/{id}/backup, GET
 * .../backups[/{bid}]) and size (GET .../volume-size).  berthd decides
 * who may touch a project (projects.c: its owner or the admin; another
 * user's is not found), keeps the records, and writes each one as a
 * manifest beside its archive in backup_dir, under names it makes
 * (<uuid>.tar.zst and <uuid>.json).  A manifest still "running" when
 * berthd starts is a backup berthd did not finish: it is marked failed
 * and its partial archive removed; its helper container goes when the
 * engine is first listed (volumes_clean_helpers).  backup.c runs one.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <uuid/uuid.h>

#include "berthd.h"
#include "codec.h"
#include "config.h"
#include "docker.h"
#include "log.h"
#include "util.h"
#include "wscheck.h"
#include "xmalloc.h"

#define BACKUPS_MAX	10000
#define MANIFEST_MAX	(64 * 1024)
#define SIZE_TTL_MS	60000

static struct vol_backup	*backups;
static size_t			 nbackups;
static int			 dirfd_ = -1;

/* ------------------------------------------------------------ backup_dir */

static int
backup_dir(void)
{
	char	path[4096];

	if (dirfd_ != -1)
		return dirfd_;
	if (env->cfg.volumes_backup_dir != NULL &&
	    env->cfg.volumes_backup_dir[0] != '\0')
		snprintf(path, sizeof(path), "%s", env->cfg.volumes_backup_dir);
	else
		snprintf(path, sizeof(path), "%s/backups", env->cfg.state_dir);
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		log_warn("backups: mkdir %s", path);
	if ((dirfd_ = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		log_warn("backups: %s", path);
	return dirfd_;
}

/* ------------------------------------------------------------ manifests */

static json_t *
manifest(const struct vol_backup *b)
{
	json_t	*m;

	m = json_pack("{s:s,s:s,s:s,s:s,s:{s:s,s:s,s:s},s:s,s:s,s:s,"
	    "s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:s,s:s}",
	    "id", b->id, "projectId", b->project, "owner", b->owner,
	    "volume", b->volume, "labels", "berth.managed", "true",
	    "berth.project", b->project, "berth.owner", b->owner,
	    "status", b->status, "compression", b->compression,
	    "consistency", b->consistency, "file", b->file,
	    "sha256", b->sha256, "error", b->error,
	    "bytes", (json_int_t)b->bytes,
	    "storedBytes", (json_int_t)b->stored_bytes,
	    "entries", (json_int_t)b->entries,
	    "startedMs", (json_int_t)b->started_ms,
	    "finishedMs", (json_int_t)b->finished_ms,
	    "berthVersion", PACKAGE_VERSION, "helperImage", b->image);
	if (m != NULL && b->remote_state[0] != '\0')
		json_object_set_new(m, "remote", json_pack("{s:s,s:s,s:s}",
		    "state", b->remote_state, "key", b->remote_key, "error",
		    b->remote_error));
	return m;
}

static void
save(const struct vol_backup *b)
{
	char	 name[64], tmp[72];
	json_t	*m = manifest(b);
	int	 fd, dfd = backup_dir();

	snprintf(name, sizeof(name), "%s.json", b->id);
	snprintf(tmp, sizeof(tmp), "%s.new", name);
	if (dfd == -1 || m == NULL)
		goto out;
	if ((fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1) {
		log_warn("backup %s: manifest", b->id);
		goto out;
	}
	if (json_dumpfd(m, fd, JSON_INDENT(2)) == -1 || fsync(fd) == -1 ||
	    close(fd) == -1 || renameat(dfd, tmp, dfd, name) == -1) {
		log_warn("backup %s: cannot write its manifest", b->id);
		unlinkat(dfd, tmp, 0);
	}
out:
	json_decref(m);
}

static void
copy_str(char *dst, size_t len, json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	snprintf(dst, len, "%s", s != NULL ? s : "");
}

static int64_t
get_int(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static struct vol_backup *
from_manifest(json_t *o)
{
	struct vol_backup	*b = xcalloc(1, sizeof(*b));
	json_t			*r;

	copy_str(b->id, sizeof(b->id), o, "id");
	copy_str(b->project, sizeof(b->project), o, "projectId");
	copy_str(b->owner, sizeof(b->owner), o, "owner");
	copy_str(b->volume, sizeof(b->volume), o, "volume");
	copy_str(b->status, sizeof(b->status), o, "status");
	copy_str(b->compression, sizeof(b->compression), o, "compression");
	copy_str(b->consistency, sizeof(b->consistency), o, "consistency");
	copy_str(b->file, sizeof(b->file), o, "file");
	copy_str(b->sha256, sizeof(b->sha256), o, "sha256");
	copy_str(b->error, sizeof(b->error), o, "error");
	copy_str(b->image, sizeof(b->image), o, "helperImage");
	b->bytes = get_int(o, "bytes");
	b->stored_bytes = get_int(o, "storedBytes");
	b->entries = get_int(o, "entries");
	b->started_ms = get_int(o, "startedMs");
	b->finished_ms = get_int(o, "finishedMs");
	r = json_object_get(o, "remote");
	copy_str(b->remote_state, sizeof(b->remote_state), r, "state");
	copy_str(b->remote_key, sizeof(b->remote_key), r, "key");
	copy_str(b->remote_error, sizeof(b->remote_error), r, "error");
	if (!ws_valid_id(b->id, 0) || !ws_valid_id(b->project, 0) ||
	    strchr(b->file, '/') != NULL) {
		free(b);
		return NULL;
	}
	return b;
}

static void	record(const struct vol_backup *);

/* A backup berthd did not finish (it stopped or died meanwhile). */
static void
interrupted(struct vol_backup *b, int dfd)
{
	snprintf(b->status, sizeof(b->status), "failed");
	snprintf(b->error, sizeof(b->error), "berthd stopped during the "
	    "backup");
	b->finished_ms = (int64_t)wall_ms();
	if (b->file[0] != '\0' && unlinkat(dfd, b->file, 0) == -1 &&
	    errno != ENOENT)
		log_warn("backup %s: %s", b->id, b->file);
	save(b);
	record(b);
	log_warnx("backup %s of project %s marked failed: berthd stopped "
	    "during it", b->id, b->project);
}

static void
load_one(int dfd, const char *name)
{
	struct vol_backup	*b;
	json_error_t		 jerr;
	json_t			*o;
	int			 fd;

	if ((fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return;
	o = json_loadfd(fd, 0, &jerr);
	close(fd);
	if (o == NULL || (b = from_manifest(o)) == NULL) {
		log_warnx("backups: %s unreadable, skipped", name);
		json_decref(o);
		return;
	}
	json_decref(o);
	if (strcmp(b->status, "running") == 0)
		interrupted(b, dfd);
	b->next = backups;
	backups = b;
	nbackups++;
}

void
volumes_load(void)
{
	struct dirent	*de;
	DIR		*d;
	size_t		 n;
	int		 dfd = backup_dir(), fd;

	if (dfd == -1 || (fd = dup(dfd)) == -1 || (d = fdopendir(fd)) ==
	    NULL)
		return;
	while ((de = readdir(d)) != NULL && nbackups < BACKUPS_MAX) {
		n = strlen(de->d_name);
		if (n > 5 && strcmp(de->d_name + n - 5, ".json") == 0)
			load_one(dfd, de->d_name);
		else if (n > 6 && strcmp(de->d_name + n - 6, ".fetch") == 0 &&
		    unlinkat(dfd, de->d_name, 0) == 0)
			log_info("backups: %s, a download for a restore that "
			    "did not end, removed", de->d_name);
	}
	rewinddir(d);
	closedir(d);
	log_info("%zu backups known", nbackups);
	remote_start();
}

void
vol_backup_changed(const struct vol_backup *b)
{
	save(b);
	record(b);
}

struct vol_backup *
vol_backups_first(void)
{
	return backups;
}

int
vol_backup_dir(void)
{
	return backup_dir();
}

/* ------------------------------------------------------------ records */

static void
item(const struct vol_backup *b, struct backup_item *it)
{
	it->id = xstrdup(b->id);
	it->project_id = xstrdup(b->project);
	it->owner = xstrdup(b->owner);
	it->volume = xstrdup(b->volume);
	it->status = xstrdup(b->status);
	it->compression = xstrdup(b->compression);
	it->consistency = xstrdup(b->consistency);
	it->file = xstrdup(b->file);
	it->sha256 = xstrdup(b->sha256);
	it->error = xstrdup(b->error);
	it->bytes = b->bytes;
	it->stored_bytes = b->stored_bytes;
	it->entries = b->entries;
	it->started_ms = b->started_ms;
	it->finished_ms = b->finished_ms;
	it->remote_state = xstrdup(b->remote_state);
	it->remote_key = xstrdup(b->remote_key);
	it->remote_error = xstrdup(b->remote_error);
}

/* For volume_backups, through the outbox (kept until written or
 * spooled by the statswriter). */
static void
record(const struct vol_backup *b)
{
	struct body_vol_backups	*r;
	struct msg		 m;
	char			 what[96];

	r = msg_init(&m, MSG_VOL_REC, 0, PEER_PARENT);
	r->items = xcalloc(1, sizeof(*r->items));
	item(b, &r->items[r->nitems++]);
	snprintf(what, sizeof(what), "backup %s %s", b->id, b->status);
	facts_push(&m, what);
	msg_clear(&m);
}

void
vol_reply_backup(const struct caller *c, const struct vol_backup *b)
{
	struct body_vol_backups	*r;
	struct msg		 m;

	r = msg_init(&m, MSG_VOL_BACKUPS, 0, PEER_PARENT);
	r->items = xcalloc(1, sizeof(*r->items));
	item(b, &r->items[r->nitems++]);
	caller_reply(c, &m);
	msg_clear(&m);
}

/* ------------------------------------------------------------ requests */

/* A running workspace of the project, or NULL. */
static struct workspace *
running_ws(const char *project)
{
	struct workspace *ws;

	for (ws = ws_first(); ws != NULL; ws = ws->next)
		if (strcmp(ws->project, project) == 0 &&
		    ws->status == WSS_RUNNING && ws->container[0] != '\0')
			return ws;
	return NULL;
}

/* The images the helper may use, best first: the type of the
 * project's latest workspace, then every type enabled.  The first one
 * the engine has is used (nothing is pulled). */
size_t
vol_helper_images(const char *project, const char **out, size_t max)
{
	const struct ws_type	*t;
	struct workspace	*ws;
	size_t			 i, n = 0;

	for (ws = ws_first(); ws != NULL; ws = ws->next)
		if (strcmp(ws->project, project) == 0 &&
		    (t = config_type(&env->cfg, ws->type)) != NULL) {
			out[n++] = t->image;
			break;
		}
	for (i = 0; i < env->cfg.ntypes && n < max; i++)
		if (env->cfg.types[i].enabled && (n == 0 ||
		    strcmp(out[0], env->cfg.types[i].image) != 0))
			out[n++] = env->cfg.types[i].image;
	return n;
}

/* Forget b: its archive and manifest go. */
static void
drop(struct vol_backup *b)
{
	struct vol_backup	**p;
	char			  name[64];

	for (p = &backups; *p != NULL; p = &(*p)->next)
		if (*p == b) {
			*p = b->next;
			break;
		}
	nbackups--;
	remote_forget(b);
	snprintf(name, sizeof(name), "%s.json", b->id);
	if ((unlinkat(dirfd_, b->file, 0) == -1 && errno != ENOENT) ||
	    (unlinkat(dirfd_, name, 0) == -1 && errno != ENOENT))
		log_warn("backup %s: cannot remove its files", b->id);
	log_info("backup %s of project %s removed by rotation", b->id,
	    b->project);
	free(b);
}

/* [volumes] keep_last and keep_days, after a backup of project that
 * worked (the newest is never removed).  Not while a restore of the
 * project reads one of them; not one whose upload is waiting or
 * under way (the next rotation takes it). */
static void
rotate(const char *project)
{
	struct vol_backup	*b, *next;
	int64_t			 oldest = (int64_t)wall_ms() -
	    env->cfg.volumes_keep_days * 86400000LL;
	long			 kept = 0;

	if (restore_busy(project))
		return;
	for (b = backups; b != NULL; b = next) {
		next = b->next;
		if (strcmp(b->project, project) != 0 ||
		    strcmp(b->status, "running") == 0)
			continue;
		if (remote_busy(b)) {
			kept += strcmp(b->status, "done") == 0;
			continue;
		}
		if (strcmp(b->status, "done") == 0 && kept++ == 0)
			continue;	/* the newest */
		if ((env->cfg.volumes_keep_last > 0 &&
		    kept > env->cfg.volumes_keep_last) ||
		    (env->cfg.volumes_keep_days > 0 &&
		    b->started_ms < oldest))
			drop(b);
	}
}

static void
backup_done(struct vol_backup *b, const char *err, void *arg)
{
	b->finished_ms = (int64_t)wall_ms();
	if (err != NULL) {
		snprintf(b->status, sizeof(b->status), "failed");
		snprintf(b->error, sizeof(b->error), "%s", err);
		b->stored_bytes = 0;
		event_emit("backup.failed", "error", NULL, "backup %s of "
		    "project %s failed: %s", b->id, b->project, err);
	} else {
		snprintf(b->status, sizeof(b->status), "done");
		event_emit("backup.done", "info", NULL, "backup %s of project "
		    "%s: %lld entries, %lld bytes", b->id, b->project,
		    (long long)b->entries, (long long)b->stored_bytes);
	}
	save(b);
	record(b);
	if (err == NULL) {
		remote_upload(b);
		rotate(b->project);
	}
}

static const char *
suffix(const char *compression)
{
	if (strcmp(compression, "zstd") == 0)
		return ".tar.zst";
	if (strcmp(compression, "gzip") == 0)
		return ".tar.gz";
	return ".tar";
}

static struct vol_backup *
backup_new(const char *project, const char *owner, const char *compression,
    const char *consistency)
{
	struct vol_backup	*b = xcalloc(1, sizeof(*b));
	uuid_t			 u;

	uuid_generate_random(u);
	uuid_unparse_lower(u, b->id);
	snprintf(b->project, sizeof(b->project), "%s", project);
	snprintf(b->owner, sizeof(b->owner), "%s", owner);
	snprintf(b->volume, sizeof(b->volume), "berth-project-%s", project);
	snprintf(b->status, sizeof(b->status), "running");
	snprintf(b->compression, sizeof(b->compression), "%s", compression);
	snprintf(b->consistency, sizeof(b->consistency), "%s", consistency);
	snprintf(b->file, sizeof(b->file), "%s%s", b->id,
	    suffix(compression));
	b->started_ms = (int64_t)wall_ms();
	b->next = backups;
	backups = b;
	nbackups++;
	return b;
}

static int
valid_choice(const char *s, const char *a, const char *b2, const char *c)
{
	return strcmp(s, a) == 0 || strcmp(s, b2) == 0 || strcmp(s, c) == 0;
}

/* POST /api/projects/{id}/backup */
void
vol_h_backup(const struct caller *c, struct msg *m)
{
	struct body_vol_req	*q = m->body;
	const char		*comp, *cons, *owner;
	const char		*images[CONFIG_MAX_TYPES];
	size_t			 nimages;
	struct workspace	*ws;
	struct vol_backup	*b;
	int			 dfd;

	comp = q->compression[0] != '\0' ? q->compression : "zstd";
	cons = q->consistency[0] != '\0' ? q->consistency : "live";
	if ((owner = project_owned(c, q->project_id)) == NULL)
		return;
	if (!valid_choice(comp, "zstd", "gzip", "none") ||
	    !valid_choice(cons, "live", "pause", "stop")) {
		caller_error(c, "invalid", "compression is zstd, gzip or none; "
		    "consistency live, pause or stop");
		return;
	}
	if (!engine_up()) {
		caller_error(c, "unavailable", "the engine is unavailable");
		return;
	}
	if ((nimages = vol_helper_images(q->project_id, images,
	    CONFIG_MAX_TYPES)) == 0 ||
	    (dfd = backup_dir()) == -1 || nbackups >= BACKUPS_MAX) {
		caller_error(c, "unavailable", "backups cannot be made here: "
		    "see berthd's log");
		return;
	}
	ws = strcmp(cons, "live") != 0 ? running_ws(q->project_id) : NULL;
	b = backup_new(q->project_id, owner, comp, cons);
	log_info("backup %s of project %s started by %s", b->id, b->project,
	    c->who.user);
	save(b);
	record(b);
	vol_reply_backup(c, b);
	backup_run(b, dfd, images, nimages, ws, backup_done, NULL);
}

/* GET /api/projects/{id}/backups[/{bid}]: newest first. */
void
vol_h_backups(const struct caller *c, struct msg *m)
{
	struct body_vol_req	*q = m->body;
	struct body_vol_backups	*r;
	struct vol_backup	*b;
	struct msg		 rm;

	if (project_owned(c, q->project_id) == NULL)
		return;
	r = msg_init(&rm, MSG_VOL_BACKUPS, 0, PEER_PARENT);
	r->items = xcalloc(1000, sizeof(*r->items));
	for (b = backups; b != NULL && r->nitems < 1000; b = b->next)
		if (strcmp(b->project, q->project_id) == 0 &&
		    (q->backup_id[0] == '\0' ||
		    strcmp(b->id, q->backup_id) == 0))
			item(b, &r->items[r->nitems++]);
	if (q->backup_id[0] != '\0' && r->nitems == 0)
		caller_error(c, "not_found", "no such backup");
	else
		caller_reply(c, &rm);
	msg_clear(&rm);
}

/* POST /api/projects/{id}/restore {backupId}: a finished backup of the
 * same project, no workspace of it running, no other restore of it. */
void
vol_h_restore(const struct caller *c, struct msg *m)
{
	struct body_vol_req	*q = m->body;
	struct vol_backup	*b;
	int			 dfd;

	if (project_owned(c, q->project_id) == NULL)
		return;
	for (b = backups; b != NULL; b = b->next)
		if (strcmp(b->project, q->project_id) == 0 &&
		    strcmp(b->id, q->backup_id) == 0)
			break;
	if (b == NULL) {
		caller_error(c, "not_found", "no such backup");
		return;
	}
	if (strcmp(b->status, "done") != 0 || b->image[0] == '\0') {
		caller_error(c, "invalid", "the backup did not finish");
		return;
	}
	if (project_busy(q->project_id) || restore_busy(q->project_id)) {
		caller_error(c, "conflict", "a workspace of the project runs, "
		    "or a restore of it is under way: stop it first");
		return;
	}
	if (!engine_up() || (dfd = backup_dir()) == -1) {
		caller_error(c, "unavailable", "the engine is unavailable");
		return;
	}
	restore_start(c, b, dfd, b->image);
}

/* Why no workspace may start on project now, or NULL. */
const char *
vol_busy(const char *project)
{
	if (restore_busy(project))
		return "the project's volume is being restored";
	if (clone_busy(project))
		return "the project's volume is being cloned into";
	if (hold_busy(project))
		return "the project's workspace is stopped for a backup";
	return NULL;
}

/* ------------------------------------------------------------ size */

struct size_wait {
	struct size_wait	*next;
	struct caller		 c;
	char			 project[WS_ID_MAX + 1];
};

static json_t		*df_cache;	/* the engine's last /system/df */
static int64_t		 df_ms;
static struct size_wait	*waiting;	/* one measurement at a time */
static int		 measuring;

static void
size_answer(struct size_wait *w)
{
	struct body_vol_size	*r;
	struct msg		 m;
	char			 vol[128];
	json_t			*v;
	size_t			 i;

	snprintf(vol, sizeof(vol), "berth-project-%s", w->project);
	r = msg_init(&m, MSG_VOL_SIZE, 0, PEER_PARENT);
	r->project_id = xstrdup(w->project);
	r->measured_ms = df_ms;
	r->size_bytes = -1;
	json_array_foreach(json_object_get(df_cache, "Volumes"), i, v)
		if (json_is_string(json_object_get(v, "Name")) &&
		    strcmp(json_string_value(json_object_get(v, "Name")),
		    vol) == 0)
			r->size_bytes = json_integer_value(json_object_get(
			    json_object_get(v, "UsageData"), "Size"));
	if (r->size_bytes < 0)
		caller_error(&w->c, "not_found", "the project has no volume");
	else
		caller_reply(&w->c, &m);
	msg_clear(&m);
}

static void
df_done(const struct docker_reply *rep, void *arg)
{
	struct size_wait	*w;

	measuring = 0;
	if (rep->status == 200 && rep->json != NULL) {
		json_decref(df_cache);
		df_cache = json_incref(rep->json);
		df_ms = (int64_t)wall_ms();
	}
	while ((w = waiting) != NULL) {
		waiting = w->next;
		if (df_cache == NULL)
			caller_error(&w->c, "unavailable", "the engine did not "
			    "measure its volumes");
		else
			size_answer(w);
		free(w);
	}
}

/* GET /api/projects/{id}/volume-size: from the engine's /system/df,
 * kept a minute; callers meanwhile wait for the one measurement. */
void
vol_h_size(const struct caller *c, struct msg *m)
{
	struct body_vol_req	*q = m->body;
	struct size_wait	*w;

	if (project_owned(c, q->project_id) == NULL)
		return;
	w = xcalloc(1, sizeof(*w));
	w->c = *c;
	snprintf(w->project, sizeof(w->project), "%s", q->project_id);
	if (df_cache != NULL && (int64_t)wall_ms() - df_ms < SIZE_TTL_MS) {
		size_answer(w);
		free(w);
		return;
	}
	w->next = waiting;
	waiting = w;
	if (!measuring) {
		measuring = 1;
		eng_system_df(df_done, NULL);
	}
}

/* ------------------------------------------------------------ helpers */

static void
helper_removed(const struct docker_reply *r, void *arg)
{
	if (r->status != 204 && r->status != 404)
		log_warnx("volume helper not removed: HTTP %ld", r->status);
}

static void
helpers_listed(const struct docker_reply *r, void *arg)
{
	const char	*id;
	json_t		*c;
	size_t		 i;

	if (r->status != 200)
		return;
	json_array_foreach(r->json, i, c) {
		if ((id = json_string_value(json_object_get(c, "Id"))) ==
		    NULL)
			continue;
		log_info("removing volume helper %.12s left by an earlier "
		    "berthd", id);
		eng_container_remove(id, helper_removed, NULL);
	}
}

/* At each engine listing: helpers of backups and restores that did not
 * end (none is in flight then). */
void
volumes_clean_helpers(void)
{
	struct vol_backup *b;

	if (restore_busy(NULL) || clone_busy(NULL))
		return;
	clones_recover();
	for (b = backups; b != NULL; b = b->next)
		if (strcmp(b->status, "running") == 0)
			return;		/* ours, in flight */
	eng_container_list("berth.helper=volume", helpers_listed, NULL);
}
