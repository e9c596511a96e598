/*
 * The projects table: a mirror of berthd's project registry.  berthd
 * sends every change (and everything when the statswriter starts); the
 * latest row of each project is kept here until it is written, and
 * written again after the database comes back, so an outage loses
 * nothing and a row written twice changes nothing (an upsert).
 */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "db.h"
#include "db_int.h"
#include "log.h"
#include "projects.h"
#include "store.h"
#include "xmalloc.h"

#define PROJECTS_MAX	100000
#define FLUSH_S		5

struct prow {
	struct prow	*next;
	char		*id, *owner, *volume;
	int64_t		 created_ms;
	int		 dirty;
};

static struct prow	*rows;
static size_t		 nrows, ndirty;
static struct event	*ev_flush;
static struct store	*store;

static const char upsert_sql[] =
    "INSERT INTO projects (project_id, owner_id, volume, created_at) "
    "VALUES ($1, NULLIF($2, ''), $3, CASE WHEN $4::bigint > 0 THEN "
    "to_timestamp($4::bigint / 1000.0) END) "
    "ON CONFLICT (project_id) DO UPDATE SET owner_id = EXCLUDED.owner_id, "
    "volume = EXCLUDED.volume, created_at = COALESCE(projects.created_at, "
    "EXCLUDED.created_at), updated_at = now()";

static struct prow *
row_for(const char *id)
{
	struct prow *r;

	for (r = rows; r != NULL; r = r->next)
		if (strcmp(r->id, id) == 0)
			return r;
	if (nrows >= PROJECTS_MAX)
		return NULL;
	r = xcalloc(1, sizeof(*r));
	r->id = xstrdup(id);
	r->next = rows;
	rows = r;
	nrows++;
	return r;
}

static int
write_row(struct db *db, const struct prow *r)
{
	char		 created[24], err[256];
	const char	*p[4];

	snprintf(created, sizeof(created), "%lld", (long long)r->created_ms);
	p[0] = r->id;
	p[1] = r->owner;
	p[2] = r->volume;
	p[3] = created;
	if (db_exec(db, upsert_sql, 4, p, err, sizeof(err)) == -1) {
		store_db_failed(store, err);
		return -1;
	}
	return 0;
}

static void
flush(void)
{
	struct db	*db;
	struct prow	*r;

	for (r = rows; r != NULL && ndirty > 0; r = r->next) {
		if (!r->dirty)
			continue;
		if ((db = store_db(store)) == NULL)
			return;		/* kept for the next try */
		if (write_row(db, r) == -1)
			return;
		r->dirty = 0;
		ndirty--;
	}
}

static void
flush_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct timeval tv = { FLUSH_S, 0 };

	if (ndirty > 0)
		flush();
	evtimer_add(ev_flush, &tv);
}

void
projects_init(struct event_base *base, struct store *s)
{
	struct timeval tv = { FLUSH_S, 0 };

	store = s;
	ev_flush = evtimer_new(base, flush_cb, NULL);
	evtimer_add(ev_flush, &tv);
}

/* berthd's records: kept, written now if the database is there. */
void
projects_rec(const struct body_projects *b)
{
	struct prow	*r;
	size_t		 i;

	for (i = 0; i < b->nitems; i++) {
		if ((r = row_for(b->items[i].project_id)) == NULL) {
			log_warnx("projects: more than %d; not mirrored",
			    PROJECTS_MAX);
			break;
		}
		free(r->owner);
		free(r->volume);
		r->owner = xstrdup(b->items[i].owner);
		r->volume = xstrdup(b->items[i].volume);
		r->created_ms = b->items[i].created_ms;
		if (!r->dirty)
			ndirty++;
		r->dirty = 1;
	}
	flush();
}
