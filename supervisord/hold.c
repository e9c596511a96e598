/*
 * A backup's consistency "stop": the project's running workspace is
 * stopped while the archive is read (its container kept, the workspace
 * shown stopped with reason "backup") and started again afterwards,
 * whether the backup worked or not.  A delete of the workspace
 * meanwhile ends the hold (container_remove): it is not started again.
 * While a hold lasts no workspace of the project starts (hold_busy),
 * and the workspace is not forgotten (ws_trim).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "berthd.h"
#include "docker.h"
#include "log.h"
#include "xmalloc.h"

struct hold {
	char		 wsid[40];
	ws_done_cb	 done;
	void		*arg;
};

static struct hold *
hold_new(const char *wsid, ws_done_cb done, void *arg)
{
	struct hold *h = xcalloc(1, sizeof(*h));

	snprintf(h->wsid, sizeof(h->wsid), "%s", wsid);
	h->done = done;
	h->arg = arg;
	return h;
}

static void
hold_end(struct hold *h, const char *code, const char *msg)
{
	h->done(ws_find(h->wsid), code, msg, h->arg);
	free(h);
}

/* The workspace is still held (not deleted, not forgotten). */
static struct workspace *
held(struct hold *h)
{
	struct workspace *ws = ws_find(h->wsid);

	return ws != NULL && ws->held ? ws : NULL;
}

static void
stopped(const struct docker_reply *r, void *arg)
{
	struct hold		*h = arg;
	struct workspace	*ws;

	if (r->status != 204 && r->status != 304) {
		hold_end(h, "engine_error", r->err != NULL ? r->err :
		    "the engine did not stop the workspace");
		return;
	}
	if ((ws = held(h)) != NULL)
		container_stopped(ws, "backup");
	hold_end(h, NULL, NULL);
}

/* Stop ws's container (it stays); done when it is stopped. */
void
hold_stop(struct workspace *ws, ws_done_cb done, void *arg)
{
	ws->held = 1;
	ws->stop_requested = 1;
	ws->status = WSS_STOPPING;
	snprintf(ws->stop_reason, sizeof(ws->stop_reason), "backup");
	eng_container_stop(ws->container, env->cfg.docker_stop_timeout_s,
	    "backup", stopped, hold_new(ws->id, done, arg));
}

static void
inspected(const struct docker_reply *r, void *arg)
{
	struct hold		*h = arg;
	struct workspace	*ws;

	if ((ws = held(h)) == NULL) {
		hold_end(h, NULL, NULL);	/* deleted meanwhile */
		return;
	}
	ws->held = 0;
	if (r->status != 200 || !json_is_true(json_object_get(
	    json_object_get(r->json, "State"), "Running"))) {
		hold_end(h, "engine_error", "the workspace does not run "
		    "again");
		return;
	}
	ws->died = 0;		/* the die was berth's own */
	container_running_again(ws, r->json, "started again", "after a "
	    "backup");
	hold_end(h, NULL, NULL);
}

static void
started(const struct docker_reply *r, void *arg)
{
	struct hold		*h = arg;
	struct workspace	*ws;

	if ((ws = held(h)) == NULL) {
		hold_end(h, NULL, NULL);
		return;
	}
	if (r->status != 204 && r->status != 304) {
		ws->held = 0;
		hold_end(h, "engine_error", r->err != NULL ? r->err :
		    "the engine did not start the workspace");
		return;
	}
	eng_container_inspect(ws->container, inspected, h);
}

/* Start the held workspace wsid again; done when it runs (or not). */
void
hold_release(const char *wsid, ws_done_cb done, void *arg)
{
	struct hold		*h = hold_new(wsid, done, arg);
	struct workspace	*ws;

	if ((ws = held(h)) == NULL) {
		hold_end(h, NULL, NULL);
		return;
	}
	eng_container_start(ws->container, started, h);
}

/* A workspace of project is held for a backup. */
int
hold_busy(const char *project)
{
	struct workspace *ws;

	for (ws = ws_first(); ws != NULL; ws = ws->next)
		if (ws->held && strcmp(ws->project, project) == 0)
			return 1;
	return 0;
}
