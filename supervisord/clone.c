/*
 * Cloning a project's volume into a new project, archive to archive:
 * GET /containers/{a}/archive of a helper mounting the source volume
 * read-only goes straight into PUT /containers/{b}/archive (chunked)
 * of a helper mounting the new volume, with no file between; the GET
 * is paused while the PUT lags, so memory stays flat.  The target must
 * be new to the registry and to the engine; it is registered at once
 * for the caller (nothing else can take it meanwhile), and a clone
 * that fails removes the volume it made and forgets the project.
 * Both helpers go in every case.  No workspace starts on the target,
 * nor is it deleted, while a clone into it runs (clone_busy).  The
 * records are kept in memory, the newest CLONES_MAX; the clones in
 * flight are also in <state_dir>/clones, so that one cut by a stop of
 * berthd is undone at the next start (clones_recover): its target
 * forgotten and the volume it made (labelled berth.clone with its id,
 * never another) removed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <jansson.h>
#include <uuid/uuid.h>

#include "berthd.h"
#include "codec.h"
#include "config.h"
#include "docker.h"
#include "log.h"
#include "tarwalk.h"
#include "util.h"
#include "wscheck.h"
#include "xmalloc.h"

#define CLONES_MAX	1000
#define PIPE_HIGH	(1024 * 1024)	/* the GET pauses above */
#define PIPE_LOW	(256 * 1024)	/* and reads again below */
#define FILL_MAX	(128 * 1024)
#define CLONE_MS	(6 * 3600 * 1000)
#define INFLIGHT_FILE	"clones"		/* in the state directory */
#define CUT_TRIES	20		/* a cut clone's volume, 0.5 s apart */

struct clone {
	struct clone		*next;
	struct caller		 c;		/* answered once it runs */
	int			 answered;
	int			 busy;		/* until its cleanup is over */
	char			 id[40];
	char			 source[WS_ID_MAX + 1];
	char			 target[WS_ID_MAX + 1];
	char			 owner[WS_ID_MAX + 1];
	char			 volume[96];	/* the target's */
	char			 status[12];	/* running, done, failed */
	char			 error[256];
	int64_t			 started_ms, finished_ms;
	/* while it runs */
	char			 images[CONFIG_MAX_TYPES][256];
	size_t			 nimages, image;
	char			 helper[2][72];	/* 0 reads, 1 writes */
	int			 made_volume;
	struct docker_stream	*get, *put;
	struct evbuffer		*pipe;
	int			 got_all;
	struct tarwalk		 tw;
};

static struct clone	*clones;
static size_t		 nclones;

static void	create_helper(struct clone *, int side);

/* ------------------------------------------------------------ records */

static void
item(const struct clone *k, struct clone_item *it)
{
	it->id = xstrdup(k->id);
	it->source_id = xstrdup(k->source);
	it->project_id = xstrdup(k->target);
	it->owner = xstrdup(k->owner);
	it->status = xstrdup(k->status);
	it->error = xstrdup(k->error);
	it->bytes = (int64_t)k->tw.bytes;
	it->entries = (int64_t)k->tw.entries;
	it->started_ms = k->started_ms;
	it->finished_ms = k->finished_ms;
}

static void
reply(const struct caller *c, const struct clone *k)
{
	struct body_vol_clones	*r;
	struct msg		 m;

	r = msg_init(&m, MSG_VOL_CLONES, 0, PEER_PARENT);
	r->items = xcalloc(1, sizeof(*r->items));
	item(k, &r->items[r->nitems++]);
	caller_reply(c, &m);
	msg_clear(&m);
}

/* Keep the newest CLONES_MAX: the oldest finished one goes. */
static void
trim(void)
{
	struct clone	**pp, **old = NULL;

	if (nclones < CLONES_MAX)
		return;
	for (pp = &clones; *pp != NULL; pp = &(*pp)->next)
		if (!(*pp)->busy)
			old = pp;
	if (old != NULL) {
		struct clone *k = *old;

		*old = k->next;
		free(k);
		nclones--;
	}
}

int
clone_busy(const char *project)
{
	struct clone *k;

	for (k = clones; k != NULL; k = k->next)
		if (k->busy && (project == NULL ||
		    strcmp(k->target, project) == 0))
			return 1;
	return 0;
}

/* ------------------------------------------------------------ in flight */

static void
inflight_save(void)
{
	struct clone	*k;
	json_t		*arr = json_array();

	for (k = clones; k != NULL; k = k->next)
		if (k->busy)
			json_array_append_new(arr, json_pack("{s:s,s:s}", "id",
			    k->id, "target", k->target));
	if (statefile_save(INFLIGHT_FILE, arr) == -1)
		log_warnx("clones: one cut by a restart would leave its "
		    "target behind");
	json_decref(arr);
}

struct cut {
	char		 id[40];
	char		 target[WS_ID_MAX + 1];
	char		 volume[96];
	int		 tries;
	struct event	*timer;
};

static void	cut_removed(const struct docker_reply *, void *);

static void
cut_retry(evutil_socket_t fd, short ev, void *arg)
{
	struct cut	*u = arg;

	eng_volume_remove(u->volume, cut_removed, u);
}

/* 409: a helper of the cut clone still mounts it (they are removed at
 * the same listing); asked again a little later. */
static void
cut_removed(const struct docker_reply *r, void *arg)
{
	struct cut	*u = arg;
	struct timeval	 tv = { 0, 500 * 1000 };

	if (r->status == 409 && ++u->tries < CUT_TRIES) {
		if (u->timer == NULL)
			u->timer = evtimer_new(env->base, cut_retry, u);
		evtimer_add(u->timer, &tv);
		return;
	}
	if (r->status != 204 && r->status != 404)
		log_warnx("clone %s: volume %s not removed: HTTP %ld", u->id,
		    u->volume, r->status);
	else	/* again: a listing meanwhile may have adopted it */
		project_forget(u->target);
	if (u->timer != NULL)
		event_free(u->timer);
	free(u);
}

/* The target's volume: gone (the target is forgotten), made by this
 * clone (removed too), or another's (left alone, and the target). */
static void
cut_inspected(const struct docker_reply *r, void *arg)
{
	struct cut	*u = arg;
	const char	*by = NULL;

	if (r->status == 200)
		by = json_string_value(json_object_get(json_object_get(r->json,
		    "Labels"), "berth.clone"));
	if (r->status != 404 && (by == NULL || strcmp(by, u->id) != 0)) {
		free(u);
		return;
	}
	event_emit("clone.failed", "error", NULL, "clone %s into %s was cut "
	    "by a stop of berthd: the target is removed", u->id, u->target);
	project_forget(u->target);
	if (r->status == 404)
		free(u);
	else
		eng_volume_remove(u->volume, cut_removed, u);
}

/* Once, at the first engine listing: undo the clones a stop cut. */
void
clones_recover(void)
{
	static int	 done;
	json_t		*arr, *o;
	const char	*id, *target;
	struct cut	*u;
	size_t		 i;

	if (done)
		return;
	done = 1;
	if ((arr = statefile_load(INFLIGHT_FILE)) == NULL)
		return;
	json_array_foreach(arr, i, o) {
		id = json_string_value(json_object_get(o, "id"));
		target = json_string_value(json_object_get(o, "target"));
		if (id == NULL || target == NULL || !ws_valid_id(target, 0) ||
		    strlen(id) >= sizeof(u->id))
			continue;
		u = xcalloc(1, sizeof(*u));
		snprintf(u->id, sizeof(u->id), "%s", id);
		snprintf(u->target, sizeof(u->target), "%s", target);
		snprintf(u->volume, sizeof(u->volume), "berth-project-%s",
		    target);
		eng_volume_inspect(u->volume, cut_inspected, u);
	}
	json_decref(arr);
	inflight_save();
}

/* ------------------------------------------------------------ the end */

static void
finished(struct clone *k)
{
	k->busy = 0;
	inflight_save();
	if (strcmp(k->status, "failed") == 0)
		project_forget(k->target);
	log_info("clone %s of project %s into %s: %s%s%s", k->id, k->source,
	    k->target, k->status, k->error[0] != '\0' ? ": " : "", k->error);
}

static void
volume_gone(const struct docker_reply *r, void *arg)
{
	struct clone *k = arg;

	if (r->status != 204 && r->status != 404)
		log_warnx("clone %s: volume %s not removed: HTTP %ld", k->id,
		    k->volume, r->status);
	finished(k);
}

/* The writing helper is gone: the volume may go (a failed clone). */
static void
writer_gone(const struct docker_reply *r, void *arg)
{
	struct clone *k = arg;

	if (r && r->status != 204 && r->status != 404)
		log_warnx("clone %s: helper %.12s not removed", k->id,
		    k->helper[1]);
	if (strcmp(k->status, "failed") == 0 && k->made_volume)
		eng_volume_remove(k->volume, volume_gone, k);
	else
		finished(k);
}

static void
reader_gone(const struct docker_reply *r, void *arg)
{
	if (r->status != 204 && r->status != 404)
		log_warnx("clone helper not removed: HTTP %ld", r->status);
}

/* The record is settled (err NULL: done); what was made goes. */
static void
clone_end(struct clone *k, const char *code, const char *err)
{
	docker_stream_cancel(k->get);
	docker_stream_cancel(k->put);
	k->get = k->put = NULL;
	if (k->pipe != NULL)
		evbuffer_free(k->pipe);
	k->pipe = NULL;
	k->finished_ms = (int64_t)wall_ms();
	snprintf(k->status, sizeof(k->status), "%s", err != NULL ? "failed" :
	    "done");
	snprintf(k->error, sizeof(k->error), "%s", err != NULL ? err : "");
	if (!k->answered)
		caller_error(&k->c, code, "%s", err);
	if (err != NULL && k->answered)
		event_emit("clone.failed", "error", NULL, "clone %s of project "
		    "%s into %s failed: %s", k->id, k->source, k->target, err);
	else if (err == NULL)
		event_emit("clone.done", "info", NULL, "project %s cloned into "
		    "%s: %lld entries, %lld bytes", k->source, k->target,
		    (long long)k->tw.entries, (long long)k->tw.bytes);
	if (k->helper[0][0] != '\0')
		eng_container_remove(k->helper[0], reader_gone, NULL);
	if (k->helper[1][0] != '\0')
		eng_container_remove(k->helper[1], writer_gone, k);
	else
		writer_gone(NULL, k);
}

static void
clone_fail(struct clone *k, const char *what, const struct docker_reply *r)
{
	char	msg[256];

	snprintf(msg, sizeof(msg), "%s: %s", what, r == NULL ? "" : r->err !=
	    NULL ? r->err : r->raw);
	clone_end(k, "unavailable", msg);
}

/* ------------------------------------------------------------ the copy */

static void
data_cb(const char *buf, size_t len, void *arg)
{
	struct clone *k = arg;

	if (tarwalk_feed(&k->tw, buf, len) == -1) {
		clone_end(k, "unavailable", k->tw.err);
		return;
	}
	if (evbuffer_add(k->pipe, buf, len) == -1)
		fatalx("evbuffer_add: out of memory");
	if (evbuffer_get_length(k->pipe) > PIPE_HIGH)
		docker_stream_pause(k->get, 1);
	docker_upload_more(k->put);
}

static void
end_cb(long status, const char *err, void *arg)
{
	struct clone *k = arg;

	k->get = NULL;
	if (status != 200 || tarwalk_end(&k->tw) == -1) {
		clone_end(k, "unavailable", status != 200 ? (err != NULL ?
		    err : "the engine did not read the volume") : k->tw.err);
		return;
	}
	k->got_all = 1;
	docker_upload_more(k->put);
}

/* The PUT's body: what the GET brought. */
static int
fill(struct evbuffer *out, void *arg)
{
	struct clone	*k = arg;
	size_t		 n = evbuffer_get_length(k->pipe);

	if (n > FILL_MAX)
		n = FILL_MAX;
	if (n > 0 && evbuffer_remove_buffer(k->pipe, out, n) == -1)
		return -1;
	if (evbuffer_get_length(k->pipe) < PIPE_LOW)
		docker_stream_pause(k->get, 0);
	if (evbuffer_get_length(k->pipe) > 0)
		return 0;
	if (k->got_all)
		return 1;
	return n > 0 ? 0 : 2;
}

static void
uploaded(const struct docker_reply *r, void *arg)
{
	struct clone *k = arg;

	k->put = NULL;
	if (r->status != 200 || !k->got_all) {
		clone_fail(k, "the engine refused the archive", r);
		return;
	}
	clone_end(k, NULL, NULL);
}

static void
copy(struct clone *k)
{
	char	path[160];

	if ((k->pipe = evbuffer_new()) == NULL)
		fatalx("evbuffer_new failed");
	tarwalk_init(&k->tw);
	snprintf(path, sizeof(path), "/containers/%s/archive?path=%%2F",
	    k->helper[1]);
	k->put = docker_upload(path, "application/x-tar",
	    DOCKER_LENGTH_UNKNOWN, fill, CLONE_MS, uploaded, k);
	if (k->put != NULL)
		k->get = eng_container_archive(k->helper[0], "/volume",
		    data_cb, end_cb, k);
}

/* ------------------------------------------------------------ the chain */

static void
helper_made(const struct docker_reply *r, void *arg)
{
	struct clone	*k = arg;
	const char	*id = json_string_value(json_object_get(r->json, "Id"));
	int		 side = k->helper[0][0] != '\0';

	if (r->status == 404 && side == 0 && ++k->image < k->nimages) {
		create_helper(k, 0);	/* that image is not on this host */
		return;
	}
	if (r->status != 201 || id == NULL || strlen(id) >= 72) {
		clone_fail(k, "cannot create a helper container", r);
		return;
	}
	snprintf(k->helper[side], sizeof(k->helper[side]), "%s", id);
	if (side == 0)
		create_helper(k, 1);
	else
		copy(k);
}

static void
create_helper(struct clone *k, int side)
{
	char	name[96], vol[96];

	snprintf(name, sizeof(name), "berth-clone-%s-%d", k->id, side);
	snprintf(vol, sizeof(vol), "berth-project-%s", k->source);
	eng_container_create(name, helper_spec(k->images[k->image], side ?
	    k->volume : vol, side == 0, side ? k->target : k->source,
	    "berth.clone", k->id), helper_made, k);
}

static void
volume_made(const struct docker_reply *r, void *arg)
{
	struct clone *k = arg;

	if (r->status != 201) {
		clone_fail(k, "cannot create the volume", r);
		return;
	}
	k->made_volume = 1;
	k->answered = 1;
	reply(&k->c, k);
	log_info("clone %s of project %s into %s started by %s", k->id,
	    k->source, k->target, k->c.who.user);
	create_helper(k, 0);
}

static void
source_checked(const struct docker_reply *r, void *arg)
{
	struct clone	*k = arg;
	json_t		*labels;

	if (r->status == 404) {
		clone_end(k, "not_found", "the project has no volume");
		return;
	}
	if (r->status != 200) {
		clone_fail(k, "cannot inspect the volume", r);
		return;
	}
	labels = json_pack("{s:s,s:s,s:s,s:s}", "berth.managed", "true",
	    "berth.project", k->target, "berth.owner", k->owner,
	    "berth.clone", k->id);
	eng_volume_create(k->volume, labels, volume_made, k);
}

static void
target_checked(const struct docker_reply *r, void *arg)
{
	struct clone	*k = arg;
	char		 vol[96];

	if (r->status == 200) {
		clone_end(k, "conflict", "the target's volume exists");
		return;
	}
	if (r->status != 404) {
		clone_fail(k, "cannot inspect the volume", r);
		return;
	}
	snprintf(vol, sizeof(vol), "berth-project-%s", k->source);
	eng_volume_inspect(vol, source_checked, k);
}

static struct clone *
clone_new(const struct caller *c, const char *source, const char *target,
    const char *const *images, size_t nimages)
{
	struct clone	*k = xcalloc(1, sizeof(*k));
	uuid_t		 u;

	uuid_generate_random(u);
	uuid_unparse_lower(u, k->id);
	k->c = *c;
	k->busy = 1;
	snprintf(k->source, sizeof(k->source), "%s", source);
	snprintf(k->target, sizeof(k->target), "%s", target);
	snprintf(k->owner, sizeof(k->owner), "%s", c->who.user);
	snprintf(k->volume, sizeof(k->volume), "berth-project-%s", target);
	snprintf(k->status, sizeof(k->status), "running");
	k->started_ms = (int64_t)wall_ms();
	for (; k->nimages < nimages && k->nimages < CONFIG_MAX_TYPES;
	    k->nimages++)
		snprintf(k->images[k->nimages], sizeof(k->images[0]), "%s",
		    images[k->nimages]);
	trim();
	k->next = clones;
	clones = k;
	nclones++;
	return k;
}

/* ------------------------------------------------------------ requests */

/* POST /api/projects/{id}/clone {targetProjectId}: the source is the
 * caller's (or the admin's any), the target new and the caller's. */
void
clone_h_start(const struct caller *c, struct msg *m)
{
	struct body_vol_req	*q = m->body;
	const char		*images[CONFIG_MAX_TYPES];
	size_t			 nimages;
	struct clone		*k;
	char			 vol[96];

	if (project_owned(c, q->project_id) == NULL)
		return;
	if (!ws_valid_id(q->target_id, 0)) {
		caller_error(c, "invalid", "targetProjectId takes 1 to %d of "
		    "A-Z a-z 0-9 . _ @ -", WS_ID_MAX);
		return;
	}
	if (!engine_up() || (nimages = vol_helper_images(q->project_id,
	    images, CONFIG_MAX_TYPES)) == 0) {
		caller_error(c, "unavailable", "the engine is unavailable");
		return;
	}
	if (project_new(q->target_id, c->who.user) == -1) {
		caller_error(c, "conflict", "project %s exists", q->target_id);
		return;
	}
	k = clone_new(c, q->project_id, q->target_id, images, nimages);
	inflight_save();
	snprintf(vol, sizeof(vol), "berth-project-%s", k->target);
	eng_volume_inspect(vol, target_checked, k);
}

/* GET /api/projects/{id}/clone: the newest clone into the project,
 * shown to whoever started it (or the admin), also when it failed and
 * the project is gone. */
void
clone_h_get(const struct caller *c, struct msg *m)
{
	struct body_vol_req	*q = m->body;
	struct clone		*k;

	for (k = clones; k != NULL; k = k->next)
		if (strcmp(k->target, q->project_id) == 0)
			break;
	if (k == NULL || (!c->who.admin && strcmp(k->owner,
	    c->who.user) != 0)) {
		caller_error(c, "not_found", "no clone into this project");
		return;
	}
	reply(c, k);
}
