/*
 * A user's activity on a workspace (issue 13, point 3):
 * POST /api/workspaces/{id}/heartbeat, .../extend {"minutes"} and
 * .../keepalive {"until"}.  The gateway checks the shape; berthd
 * decides whose workspace it is, the limits and the deadlines.
 */
#include <event2/http.h>
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "gateway.h"
#include "ipc.h"
#include "rfc3339.h"
#include "util.h"
#include "worker.h"
#include "wscheck.h"

/* Send the activity for the workspace in params[0]. */
static void
send_activity(struct worker *w, struct evhttp_request *req,
    const char *tok, const char *wsid, const char *action, int64_t minutes,
    int64_t until_ms)
{
	struct call	*c;

	c = api_call_new(w, req, api_done_workspace, NULL, NULL);
	api_call_sent(c, ipc_ws_activity(w, tok, wsid, action, minutes,
	    until_ms, api_ipc_done, c));
}

/* The token, once the id has the shape of one; NULL after answering. */
static const char *
checked(struct evhttp_request *req, const char *wsid)
{
	const char *tok;

	if ((tok = api_token(req)) == NULL)
		return NULL;
	if (!ws_valid_id(wsid, 0)) {
		http_error(req, 404, "not_found", "no such workspace");
		return NULL;
	}
	return tok;
}

static uint32_t
ipc_heartbeat(struct worker *w, const char *token, const char *id,
    ipc_cb cb, void *arg)
{
	return ipc_ws_activity(w, token, id, "heartbeat", 0, 0, cb, arg);
}

void
api_ws_heartbeat(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	api_ws_call(w, req, ipc_heartbeat, params[0], api_done_workspace);
}

void
api_ws_extend(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	const char	*tok;
	json_t		*o, *v;

	if ((tok = checked(req, params[0])) == NULL ||
	    (o = read_body(req)) == NULL)
		return;
	v = json_object_get(o, "minutes");
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > 7 * 24 * 60)
		http_error(req, 422, "invalid",
		    "minutes must be an integer from 1 to 10080");
	else
		send_activity(w, req, tok, params[0], "extend",
		    (int64_t)json_integer_value(v), 0);
	json_decref(o);
}

void
api_ws_keepalive(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	const char	*tok;
	json_t		*o, *v;
	int64_t		 ns;

	if ((tok = checked(req, params[0])) == NULL ||
	    (o = read_body(req)) == NULL)
		return;
	v = json_object_get(o, "until");
	if (!json_is_string(v) || rfc3339_ns(json_string_value(v),
	    strlen(json_string_value(v)), &ns) == -1)
		http_error(req, 422, "invalid",
		    "until must be an RFC 3339 time (2026-12-05T18:00:00Z)");
	else
		send_activity(w, req, tok, params[0], "keepalive", 0,
		    ns / 1000000);
	json_decref(o);
}
