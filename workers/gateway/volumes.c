/*
 * The volumes API of a project: POST /api/projects/{id}/backup (202
 * with the backup's record; it runs on in berthd), GET .../backups and
 * .../backups/{backupId}, GET .../volume-size, POST .../restore
 * (answered when the restore is over), POST .../clone (202 with the
 * clone's record) and GET .../clone (the newest clone into it).  The
 * gateway checks the shape of ids and values; berthd decides whose
 * project it is.
 */
#include <event2/buffer.h>
#include <event2/http.h>
#include <stdio.h>
#include <string.h>

#include "codec.h"
#include "gateway.h"
#include "ipc.h"
#include "volrec.h"
#include "worker.h"
#include "wscheck.h"

static void
done_one(struct worker *w, struct evhttp_request *req, struct msg *m,
    void *arg)
{
	struct body_vol_backups *b = m->body;

	if (b->nitems != 1) {
		http_error(req, 502, "internal", "unexpected answer");
		return;
	}
	http_reply_json(req, arg != NULL ? 202 : 200,
	    backup_item_json(&b->items[0]));
}

static void
done_clone(struct worker *w, struct evhttp_request *req, struct msg *m,
    void *arg)
{
	struct body_vol_clones	*b = m->body;
	struct clone_item	*k;
	double			 dur;

	if (b->nitems != 1) {
		http_error(req, 502, "internal", "unexpected answer");
		return;
	}
	k = &b->items[0];
	dur = k->finished_ms > 0 ? (double)(k->finished_ms - k->started_ms) /
	    1000.0 : -1;
	http_reply_json(req, arg != NULL ? 202 : 200, json_pack("{s:s,s:s,"
	    "s:s,s:s,s:I,s:I,s:o,s:o,s:o,s:o}", "cloneId", k->id,
	    "sourceProjectId", k->source_id, "projectId", k->project_id,
	    "status", k->status, "bytes", (json_int_t)k->bytes, "entries",
	    (json_int_t)k->entries, "startedAt", time_json(k->started_ms),
	    "finishedAt", time_json(k->finished_ms), "durationS", dur >= 0 ?
	    json_real(dur) : json_null(), "error", k->error[0] != '\0' ?
	    json_string(k->error) : json_null()));
}

static void
done_list(struct worker *w, struct evhttp_request *req, struct msg *m,
    void *arg)
{
	struct body_vol_backups	*b = m->body;
	json_t			*a = json_array();
	size_t			 i;

	for (i = 0; i < b->nitems; i++)
		json_array_append_new(a, backup_item_json(&b->items[i]));
	http_reply_json(req, 200, json_pack("{s:o,s:I}", "backups", a,
	    "count", (json_int_t)b->nitems));
}

static void
done_size(struct worker *w, struct evhttp_request *req, struct msg *m,
    void *arg)
{
	struct body_vol_size	*b = m->body;
	double			 mb = (double)b->size_bytes / 1048576.0;

	http_reply_json(req, 200, json_pack("{s:s,s:I,s:f,s:f,s:o}",
	    "projectId", b->project_id, "sizeBytes", (json_int_t)b->size_bytes,
	    "sizeMB", mb, "sizeGB", mb / 1024.0, "measuredAt",
	    time_json(b->measured_ms)));
}

/* Send q as type for project params[0]; done answers. */
static void
send_vol(struct worker *w, struct evhttp_request *req, const char *tok,
    unsigned type, struct body_vol_req *q, api_done_cb done, void *arg)
{
	struct call *c;

	c = api_call_new(w, req, done, arg, NULL);
	api_call_sent(c, ipc_vol(w, type, tok, q, api_ipc_done, c));
}

static int
one_of(const char *s, const char *const *ok)
{
	for (; *ok != NULL; ok++)
		if (strcmp(s, *ok) == 0)
			return 1;
	return 0;
}

void
api_vol_backup(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	static const char *const comps[] = { "zstd", "gzip", "none", NULL };
	static const char *const conss[] = { "live", "pause", "stop", NULL };
	struct body_vol_req	 q = { .backup_id = "" };
	const char		*tok;
	json_t			*o;

	if ((tok = api_token(req)) == NULL)
		return;
	/* every field is optional: no body is {} */
	if (evbuffer_get_length(evhttp_request_get_input_buffer(req)) == 0)
		o = json_object();
	else if ((o = read_body(req)) == NULL)
		return;
	q.project_id = params[0];
	q.compression = (char *)json_string_value(json_object_get(o,
	    "compression"));
	q.consistency = (char *)json_string_value(json_object_get(o,
	    "consistency"));
	if (!ws_valid_id(params[0], 0))
		http_error(req, 404, "not_found", "no such project");
	else if ((json_object_get(o, "compression") != NULL &&
	    (q.compression == NULL || !one_of(q.compression, comps))) ||
	    (json_object_get(o, "consistency") != NULL &&
	    (q.consistency == NULL || !one_of(q.consistency, conss))) ||
	    json_object_size(o) > (size_t)(json_object_get(o,
	    "compression") != NULL) + (json_object_get(o, "consistency") !=
	    NULL))
		http_error(req, 422, "invalid", "the body is {\"compression\"?: "
		    "\"zstd\"|\"gzip\"|\"none\", \"consistency\"?: "
		    "\"live\"|\"pause\"|\"stop\"}");
	else {
		if (q.compression == NULL)
			q.compression = "";
		if (q.consistency == NULL)
			q.consistency = "";
		send_vol(w, req, tok, MSG_VOL_BACKUP, &q, done_one, req);
	}
	json_decref(o);
}

static void
backups(struct evhttp_request *req, struct worker *w, const char *project,
    const char *bid)
{
	struct body_vol_req	 q = { .compression = "", .consistency = "" };
	const char		*tok;

	if ((tok = api_token(req)) == NULL)
		return;
	if (!ws_valid_id(project, 0)) {
		http_error(req, 404, "not_found", "no such project");
		return;
	}
	if (bid != NULL && !ws_valid_id(bid, 0)) {
		http_error(req, 404, "not_found", "no such backup");
		return;
	}
	q.project_id = (char *)project;
	q.backup_id = (char *)(bid != NULL ? bid : "");
	send_vol(w, req, tok, MSG_VOL_BACKUPS_REQ, &q, bid != NULL ?
	    done_one : done_list, NULL);
}

void
api_vol_backups(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	backups(req, w, params[0], NULL);
}

void
api_vol_backup_get(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	backups(req, w, params[0], params[1]);
}

/* A GET about project that names nothing else. */
static void
project_get(struct worker *w, struct evhttp_request *req,
    const char *project, unsigned type, api_done_cb done)
{
	struct body_vol_req	 q = { .backup_id = "", .compression = "",
	    .consistency = "" };
	const char		*tok;

	if ((tok = api_token(req)) == NULL)
		return;
	if (!ws_valid_id(project, 0)) {
		http_error(req, 404, "not_found", "no such project");
		return;
	}
	q.project_id = (char *)project;
	send_vol(w, req, tok, type, &q, done, NULL);
}

void
api_vol_size(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	project_get(w, req, params[0], MSG_VOL_SIZE_REQ, done_size);
}

void
api_vol_restore(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	struct body_vol_req	 q = { .compression = "", .consistency = "" };
	const char		*tok, *bid;
	json_t			*o;

	if ((tok = api_token(req)) == NULL || (o = read_body(req)) == NULL)
		return;
	bid = json_string_value(json_object_get(o, "backupId"));
	if (!ws_valid_id(params[0], 0))
		http_error(req, 404, "not_found", "no such project");
	else if (json_object_size(o) != 1 || bid == NULL ||
	    !ws_valid_id(bid, 0))
		http_error(req, 422, "invalid", "the body is {\"backupId\"}");
	else {
		q.project_id = params[0];
		q.backup_id = (char *)bid;
		send_vol(w, req, tok, MSG_VOL_RESTORE, &q, done_one, NULL);
	}
	json_decref(o);
}

/* POST /api/projects/{id}/clone {"targetProjectId"} */
void
api_vol_clone(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	struct body_vol_req	 q = { .backup_id = "", .compression = "",
	    .consistency = "" };
	const char		*tok, *target;
	json_t			*o;

	if ((tok = api_token(req)) == NULL || (o = read_body(req)) == NULL)
		return;
	target = json_string_value(json_object_get(o, "targetProjectId"));
	if (!ws_valid_id(params[0], 0))
		http_error(req, 404, "not_found", "no such project");
	else if (json_object_size(o) != 1 || target == NULL ||
	    !ws_valid_id(target, 0))
		http_error(req, 422, "invalid", "the body is "
		    "{\"targetProjectId\"}: 1 to %d of A-Z a-z 0-9 . _ @ -",
		    WS_ID_MAX);
	else {
		q.project_id = params[0];
		q.target_id = (char *)target;
		send_vol(w, req, tok, MSG_VOL_CLONE, &q, done_clone, req);
	}
	json_decref(o);
}

/* GET /api/projects/{id}/clone: the newest clone into the project. */
void
api_vol_clone_get(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	project_get(w, req, params[0], MSG_VOL_CLONE_REQ, done_clone);
}
