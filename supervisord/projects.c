/*
 * Projects and their owners.  A project belongs to the user it was
 * first used for; berthd decides, from this registry, whose workspace
 * may mount a project's volume.  The registry is berthd's own file
 * (<state dir>/projects, replaced atomically on every change), filled
 * at start from it and from the engine's volumes: the volume berthd
 * creates carries a berth.owner label, which is what a registry that
 * lost its file falls back on (labels cannot change, so a transfer
 * lives in the file).  A volume with no owner label (made before
 * owners, or by hand) is nobody's: only the admin's workspaces mount
 * it until the admin gives it an owner.  Every change is sent to the
 * statswriter for the projects table (all of them again when it
 * starts).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "berthd.h"
#include "codec.h"
#include "log.h"
#include "util.h"
#include "wscheck.h"
#include "xmalloc.h"

#define PROJECTS_MAX	100000

struct project {
	struct project	*next;
	char		 id[WS_ID_MAX + 1];
	char		 owner[WS_ID_MAX + 1];	/* "" nobody's */
	uint64_t	 created_ms;
	int64_t		 deleted_ms;	/* 0: not deleted */
	int		 confirmed;	/* its owner is settled: from the file,
					 * the volume's labels or berth */
};

static struct project	*projects;
static size_t		 nprojects;

static struct project *
find(const char *id)
{
	struct project *p;

	for (p = projects; p != NULL; p = p->next)
		if (strcmp(p->id, id) == 0)
			return p;
	return NULL;
}

static struct project *
add(const char *id, const char *owner, uint64_t created_ms)
{
	struct project *p;

	if (nprojects >= PROJECTS_MAX || !ws_valid_id(id, 0) ||
	    !ws_valid_id(owner, 1))
		return NULL;
	p = xcalloc(1, sizeof(*p));
	snprintf(p->id, sizeof(p->id), "%s", id);
	snprintf(p->owner, sizeof(p->owner), "%s", owner);
	p->created_ms = created_ms;
	p->next = projects;
	projects = p;
	nprojects++;
	return p;
}

/* ------------------------------------------------------------ the file */

static void
path_of(char *buf, size_t len, const char *suffix)
{
	snprintf(buf, len, "%s/projects%s", env->cfg.state_dir, suffix);
}

static void
save(void)
{
	struct project	*p;
	char		 path[4096], tmp[4096];
	FILE		*f;
	int		 fd;

	path_of(path, sizeof(path), "");
	path_of(tmp, sizeof(tmp), ".new");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1 || (f = fdopen(fd, "w")) == NULL) {
		log_warn("projects: %s", tmp);
		if (fd != -1)
			close(fd);
		return;
	}
	for (p = projects; p != NULL; p = p->next)
		fprintf(f, "%s %s %llu %lld\n", p->id, p->owner[0] != '\0' ?
		    p->owner : "-", (unsigned long long)p->created_ms,
		    (long long)p->deleted_ms);
	if (fflush(f) != 0 || fsync(fd) != 0 || fclose(f) != 0) {
		log_warn("projects: cannot write %s", tmp);
		unlink(tmp);
		return;
	}
	if (rename(tmp, path) == -1)
		log_warn("projects: rename to %s", path);
}

void
projects_load(void)
{
	char			 path[4096], line[256], id[128], owner[128];
	unsigned long long	 ms;
	long long		 del;
	struct project		*p;
	FILE			*f;
	int			 fd;

	path_of(path, sizeof(path), "");
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		if (errno != ENOENT)
			log_warn("projects: %s", path);
		return;
	}
	if ((f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		del = 0;	/* a file of an older berth has 3 fields */
		if (sscanf(line, "%127s %127s %llu %lld", id, owner, &ms,
		    &del) < 3 || find(id) != NULL)
			continue;
		if ((p = add(id, strcmp(owner, "-") == 0 ? "" : owner,
		    ms)) != NULL) {
			p->confirmed = 1;
			p->deleted_ms = del > 0 ? del : 0;
		}
	}
	fclose(f);
	log_info("%zu projects known", nprojects);
}

/* ------------------------------------------------------------ records */

/* Nothing waits on the answer: a statswriter that missed a record
 * gets every project again when it next comes up (projects_send). */
static void
recorded(struct msg *reply, void *arg)
{
}

static void
item(const struct project *p, struct project_item *it)
{
	char vol[128];

	snprintf(vol, sizeof(vol), "berth-project-%s", p->id);
	it->project_id = xstrdup(p->id);
	it->owner = xstrdup(p->owner);
	it->volume = xstrdup(vol);
	it->created_ms = (int64_t)p->created_ms;
	it->deleted_ms = p->deleted_ms;
}

static void
record(const struct project *p)
{
	struct wproc		*wp = wproc_by_peer(PEER_STATSWRITER);
	struct body_projects	*b;
	struct msg		 m;

	b = msg_init(&m, MSG_PROJECT_REC, 0, PEER_PARENT);
	b->items = xcalloc(1, sizeof(*b->items));
	item(p, &b->items[b->nitems++]);
	parent_call(wp, &m, recorded, NULL);	/* up again: projects_send */
	msg_clear(&m);
}

/* Every project, in pages, to a statswriter that has just come up. */
void
projects_send(struct wproc *wp)
{
	struct body_projects	*b = NULL;
	struct project		*p;
	struct msg		 m;

	for (p = projects; p != NULL; p = p->next) {
		if (b == NULL) {
			b = msg_init(&m, MSG_PROJECT_REC, 0, PEER_PARENT);
			b->items = xcalloc(1000, sizeof(*b->items));
		}
		item(p, &b->items[b->nitems++]);
		if (b->nitems == 1000 || p->next == NULL) {
			parent_call(wp, &m, recorded, NULL);
			msg_clear(&m);
			b = NULL;
		}
	}
}

static void
changed(struct project *p)
{
	p->confirmed = 1;
	save();
	record(p);
}

/* ------------------------------------------------------------ decisions */

static const char *
label(json_t *v, const char *name)
{
	const char *s = json_string_value(json_object_get(json_object_get(v,
	    "Labels"), name));

	return s != NULL ? s : "";
}

int
project_claim(const char *id, const char *owner, const struct ident *who,
    const char **code, const char **msg)
{
	struct project *p = find(id);

	if (p == NULL) {
		if ((p = add(id, owner, wall_ms())) == NULL) {
			*code = "invalid";
			*msg = "cannot record the project";
			return -1;
		}
		save();
		record(p);
		return 0;	/* confirmed when the engine has its volume */
	}
	if (p->deleted_ms > 0 && (strcmp(p->owner, owner) == 0 ||
	    who->admin)) {
		*code = "conflict";
		*msg = "the project is deleted; its volume goes after "
		    "orphaned-volumes' grace";
		return -1;
	}
	if (strcmp(p->owner, owner) == 0 || (p->owner[0] == '\0' &&
	    who->admin))
		return 0;
	if (!who->admin) {
		*code = "not_found";
		*msg = "no such project";
		return -1;
	}
	*code = "conflict";
	*msg = p->owner[0] != '\0' ? "the project belongs to another user: "
	    "give it to this one first (PUT /api/projects/{id}/owner)" :
	    "the project has no owner yet";
	return -1;
}

const char *
project_volume_seen(const char *id, json_t *v, const char *owner,
    int by_admin)
{
	struct project *p = find(id);

	if (p == NULL && (p = add(id, label(v, "berth.owner"), 0)) == NULL)
		return "not_found";
	if (!p->confirmed) {
		/* The volume was there before the registry knew of it. */
		snprintf(p->owner, sizeof(p->owner), "%s",
		    ws_valid_id(label(v, "berth.owner"), 0) ?
		    label(v, "berth.owner") : "");
		changed(p);
	}
	if (strcmp(p->owner, owner) == 0 || (p->owner[0] == '\0' &&
	    by_admin))
		return NULL;
	log_warnx("project %s: volume of %s refused to a workspace of %s",
	    id, p->owner[0] != '\0' ? p->owner : "nobody", owner);
	return by_admin ? "conflict" : "not_found";
}

/* A volume of the engine's listing (berth.project label). */
void
project_adopt(json_t *v)
{
	const char	*id = label(v, "berth.project");
	const char	*owner = label(v, "berth.owner");
	struct project	*p = find(id);

	if (!ws_valid_id(id, 0))
		return;
	if (p == NULL && (p = add(id, ws_valid_id(owner, 0) ? owner : "",
	    0)) == NULL)
		return;
	if (!p->confirmed) {
		snprintf(p->owner, sizeof(p->owner), "%s",
		    ws_valid_id(owner, 0) ? owner : "");
		changed(p);
	}
}

/* ------------------------------------------------------------ requests */

void
project_h_list(const struct caller *c, struct msg *m)
{
	struct body_projects	*b;
	struct project		*p;
	struct msg		 r;

	b = msg_init(&r, MSG_PROJECTS, 0, PEER_PARENT);
	b->items = xcalloc(1000, sizeof(*b->items));
	for (p = projects; p != NULL && b->nitems < 1000; p = p->next)
		if (p->deleted_ms == 0 && (c->who.admin ||
		    strcmp(p->owner, c->who.user) == 0))
			item(p, &b->items[b->nitems++]);
	caller_reply(c, &r);
	msg_clear(&r);
}

static void
reply_project(const struct caller *c, const struct project *p)
{
	struct body_projects	*r;
	struct msg		 rm;

	r = msg_init(&rm, MSG_PROJECTS, 0, PEER_PARENT);
	r->items = xcalloc(1, sizeof(*r->items));
	item(p, &r->items[r->nitems++]);
	caller_reply(c, &rm);
	msg_clear(&rm);
}

/* The admin gives a project to a user (row: RQ_ADMIN). */
void
project_h_owner(const struct caller *c, struct msg *m)
{
	struct body_project_owner	*b = m->body;
	struct project			*p;

	if (!ws_valid_id(b->user_id, 0)) {
		caller_error(c, "invalid", "userId takes 1 to %d of A-Z a-z "
		    "0-9 . _ @ -", WS_ID_MAX);
		return;
	}
	if ((p = find(b->project_id)) == NULL) {
		caller_error(c, "not_found", "no such project");
		return;
	}
	log_info("project %s: owner %s -> %s (by %s)", p->id,
	    p->owner[0] != '\0' ? p->owner : "nobody", b->user_id,
	    c->who.user);
	snprintf(p->owner, sizeof(p->owner), "%s", b->user_id);
	changed(p);
	reply_project(c, p);
}

int64_t
project_deleted_ms(const char *id)
{
	struct project *p = find(id);

	return p != NULL ? p->deleted_ms : 0;
}

/* A workspace of the project starting, running or stopping. */
int
project_busy(const char *id)
{
	struct workspace *ws;

	for (ws = ws_first(); ws != NULL; ws = ws->next)
		if (strcmp(ws->project, id) == 0 &&
		    (ws->status == WSS_STARTING || ws->status == WSS_RUNNING ||
		    ws->status == WSS_STOPPING))
			return 1;
	return 0;
}

/* DELETE /api/projects/{id}: its owner or the admin (another user's
 * project is not found); refused while one of its workspaces runs.
 * The volume stays until orphaned-volumes' grace has passed. */
void
project_h_delete(const struct caller *c, struct msg *m)
{
	struct body_ws_ref	*b = m->body;
	struct project		*p;

	if ((p = find(b->id)) == NULL || p->deleted_ms > 0 ||
	    (!c->who.admin && strcmp(p->owner, c->who.user) != 0)) {
		caller_error(c, "not_found", "no such project");
		return;
	}
	if (project_busy(p->id) || vol_busy(p->id) != NULL) {
		caller_error(c, "conflict", "a workspace of the project runs, "
		    "or its volume is being restored or cloned into: wait");
		return;
	}
	p->deleted_ms = jobstate_now_ms();
	log_info("project %s of %s deleted by %s; its volume goes after "
	    "orphaned-volumes' grace", p->id, p->owner[0] != '\0' ?
	    p->owner : "nobody", c->who.user);
	changed(p);
	reply_project(c, p);
}

/* A new project of owner (a clone's target): 0, or -1 when the
 * registry knows that id already (deleted ones too). */
int
project_new(const char *id, const char *owner)
{
	struct project *p;

	if (find(id) != NULL || (p = add(id, owner, wall_ms())) == NULL)
		return -1;
	changed(p);
	return 0;
}

/* A project of project_new that came to nothing: the statswriter
 * keeps it as deleted, the registry forgets it. */
void
project_forget(const char *id)
{
	struct project	**pp, *p;

	for (pp = &projects; (p = *pp) != NULL; pp = &p->next)
		if (strcmp(p->id, id) == 0)
			break;
	if (p == NULL)
		return;
	p->deleted_ms = jobstate_now_ms();
	record(p);
	*pp = p->next;
	nprojects--;
	save();
	free(p);
}

const char *
project_owned(const struct caller *c, const char *id)
{
	struct project *p = find(id);

	if (p == NULL || p->deleted_ms > 0 || (!c->who.admin &&
	    strcmp(p->owner, c->who.user) != 0)) {
		caller_error(c, "not_found", "no such project");
		return NULL;
	}
	return p->owner;
}
