/*
 * The projects API: GET /api/projects (the caller's projects, every
 * one for the admin), PUT /api/projects/{id}/owner (the admin gives
 * a project to a user) and DELETE /api/projects/{id} (its owner or the
 * admin; its volume goes later, with orphaned-volumes).  berthd keeps the registry and decides.
 */
#include <event2/http.h>
#include <stdio.h>
#include <string.h>

#include "codec.h"
#include "gateway.h"
#include "ipc.h"
#include "worker.h"
#include "wscheck.h"

static json_t *
project_json(const struct project_item *p)
{
	return json_pack("{s:s,s:o,s:s,s:o,s:o}", "projectId", p->project_id,
	    "ownerId", p->owner[0] != '\0' ? json_string(p->owner) :
	    json_null(), "volume", p->volume, "createdAt",
	    time_json(p->created_ms), "deletedAt", time_json(p->deleted_ms));
}

static void
done_list(struct worker *w, struct evhttp_request *req, struct msg *m,
    void *arg)
{
	struct body_projects	*b = m->body;
	json_t			*a = json_array();
	size_t			 i;

	for (i = 0; i < b->nitems; i++)
		json_array_append_new(a, project_json(&b->items[i]));
	http_reply_json(req, 200, json_pack("{s:o,s:I}", "projects", a,
	    "count", (json_int_t)b->nitems));
}

static void
done_owner(struct worker *w, struct evhttp_request *req, struct msg *m,
    void *arg)
{
	struct body_projects *b = m->body;

	if (b->nitems != 1) {
		http_error(req, 502, "internal", "unexpected answer");
		return;
	}
	http_reply_json(req, 200, project_json(&b->items[0]));
}

void
api_project_delete(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	const char	*tok;
	struct call	*c;

	if ((tok = api_token(req)) == NULL)
		return;
	if (!ws_valid_id(params[0], 0)) {
		http_error(req, 404, "not_found", "no such project");
		return;
	}
	c = api_call_new(w, req, done_owner, NULL, NULL);
	api_call_sent(c, ipc_project_delete(w, tok, params[0], api_ipc_done,
	    c));
}

void
api_projects_list(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	const char	*tok;
	struct call	*c;

	if ((tok = api_token(req)) == NULL)
		return;
	c = api_call_new(w, req, done_list, NULL, NULL);
	api_call_sent(c, ipc_projects(w, tok, api_ipc_done, c));
}

void
api_project_owner(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	const char	*tok, *user;
	struct call	*c;
	json_t		*o;

	if ((tok = api_token(req)) == NULL || (o = read_body(req)) == NULL)
		return;
	user = json_string_value(json_object_get(o, "userId"));
	if (!ws_valid_id(params[0], 0))
		http_error(req, 404, "not_found", "no such project");
	else if (json_object_size(o) != 1 || user == NULL ||
	    !ws_valid_id(user, 0))
		http_error(req, 422, "invalid", "the body is {\"userId\"}: 1 "
		    "to %d of A-Z a-z 0-9 . _ @ -", WS_ID_MAX);
	else {
		c = api_call_new(w, req, done_owner, NULL, NULL);
		api_call_sent(c, ipc_project_owner(w, tok, params[0], user,
		    api_ipc_done, c));
	}
	json_decref(o);
}
