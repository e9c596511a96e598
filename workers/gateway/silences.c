/*
 * Silences (issue 14, point 3), the admin's, in Alertmanager's shape:
 *   POST   /api/monitoring/silences	{"matchers": [{"name", "value",
 *		"isRegex"?, "isEqual"?}], "startsAt"?, "endsAt", "createdBy"?,
 *		"comment"}
 *   GET    /api/monitoring/silences[/{id}]
 *   DELETE /api/monitoring/silences/{id}	(expire it now)
 * The gateway checks the shape; berthd checks the rest (names, regular
 * expressions, times) and decides who may.
 */
#include <event2/http.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"
#include "ipc.h"
#include "monjson.h"
#include "rfc3339.h"
#include "util.h"
#include "worker.h"
#include "xmalloc.h"

#define MATCHERS_MAX	16
#define SILENCE_ID_MAX	36

static void
one_done(struct worker *w, struct evhttp_request *req, struct msg *m,
    void *arg)
{
	struct body_silences	*b = m->body;
	int			 code = (int)(intptr_t)arg;

	if (b->nitems != 1) {
		http_error(req, 502, "internal", "unexpected answer");
		return;
	}
	http_reply_json(req, code, silence_json(&b->items[0]));
}

static void
list_done(struct worker *w, struct evhttp_request *req, struct msg *m,
    void *arg)
{
	struct body_silences	*b = m->body;
	json_t			*a = json_array();
	size_t			 i;

	for (i = 0; i < b->nitems; i++)
		json_array_append_new(a, silence_json(&b->items[i]));
	http_reply_json(req, 200, json_pack("{s:o,s:I}", "silences", a,
	    "count", (json_int_t)b->nitems));
}

/* An RFC 3339 time of o's key in ms; 0 when absent, -1 when bad. */
static int64_t
time_of(json_t *o, const char *key)
{
	json_t		*v = json_object_get(o, key);
	const char	*s = json_string_value(v);
	int64_t		 ns;

	if (v == NULL)
		return 0;
	if (s == NULL || rfc3339_ns(s, strlen(s), &ns) == -1 || ns <= 0)
		return -1;
	return ns / 1000000;
}

static int
bool_of(json_t *o, const char *key, int dflt, int *out)
{
	json_t	*v = json_object_get(o, key);

	*out = v == NULL ? dflt : json_is_true(v);
	return v == NULL || json_is_boolean(v) ? 0 : -1;
}

static struct silence_matcher *
matchers_free(struct silence_matcher *ms, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(ms[i].name);
		free(ms[i].value);
	}
	free(ms);
	return NULL;
}

/* The matchers of a (a JSON array) as the message takes them; NULL
 * when their shape is wrong. */
static struct silence_matcher *
matchers_of(json_t *a, size_t *n)
{
	struct silence_matcher	*ms;
	json_t			*o;
	const char		*name, *value;
	size_t			 i;

	*n = json_array_size(a);
	if (!json_is_array(a) || *n == 0 || *n > MATCHERS_MAX)
		return NULL;
	ms = xcalloc(*n, sizeof(*ms));
	json_array_foreach(a, i, o) {
		name = json_string_value(json_object_get(o, "name"));
		value = json_string_value(json_object_get(o, "value"));
		ms[i].name = xstrdup(name != NULL ? name : "");
		ms[i].value = xstrdup(value != NULL ? value : "");
		if (name == NULL || value == NULL || strlen(name) > 63 ||
		    strlen(value) > 256 || bool_of(o, "isRegex", 0,
		    &ms[i].is_regex) == -1 || bool_of(o, "isEqual", 1,
		    &ms[i].is_equal) == -1) {
			*n = i + 1;
			return matchers_free(ms, *n);
		}
	}
	return ms;
}

void
api_silence_add(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	struct silence_matcher	*ms;
	const char		*tok, *by, *comment;
	json_t			*o;
	int64_t			 starts, ends;
	size_t			 n;
	struct call		*c;

	if ((tok = api_token(req)) == NULL || (o = read_body(req)) == NULL)
		return;
	by = json_string_value(json_object_get(o, "createdBy"));
	comment = json_string_value(json_object_get(o, "comment"));
	starts = time_of(o, "startsAt");
	ends = time_of(o, "endsAt");
	if (json_object_get(o, "id") != NULL)
		http_error(req, 422, "invalid", "a silence cannot be changed: "
		    "expire it and make another");
	else if ((ms = matchers_of(json_object_get(o, "matchers"), &n)) ==
	    NULL)
		http_error(req, 422, "invalid", "matchers: 1 to %d of {\"name\","
		    " \"value\" (at most 256 bytes), \"isRegex\"?, "
		    "\"isEqual\"?}", MATCHERS_MAX);
	else if (starts == -1 || ends <= 0 || comment == NULL ||
	    (json_object_get(o, "createdBy") != NULL && by == NULL)) {
		matchers_free(ms, n);
		http_error(req, 422, "invalid", "endsAt (RFC 3339) and comment "
		    "are needed; startsAt (RFC 3339) and createdBy may be "
		    "given");
	} else {
		c = api_call_new(w, req, one_done, (void *)(intptr_t)201, NULL);
		api_call_sent(c, ipc_silence_add(w, tok, ms, n, starts, ends,
		    by != NULL ? by : "", comment, api_ipc_done, c));
	}
	json_decref(o);
}

void
api_silences(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	const char	*tok;
	struct call	*c;

	if ((tok = api_token(req)) == NULL)
		return;
	c = api_call_new(w, req, list_done, NULL, NULL);
	api_call_sent(c, ipc_silences(w, tok, MSG_SILENCES_REQ, "",
	    api_ipc_done, c));
}

/* GET or DELETE /api/monitoring/silences/{id}. */
static void
silence_ref(struct worker *w, struct evhttp_request *req, unsigned type,
    const char *id)
{
	const char	*tok;
	struct call	*c;

	if ((tok = api_token(req)) == NULL)
		return;
	if (id[0] == '\0' || strlen(id) > SILENCE_ID_MAX ||
	    strspn(id, "0123456789abcdef-") != strlen(id)) {
		http_error(req, 404, "not_found", "no such silence");
		return;
	}
	c = api_call_new(w, req, one_done, (void *)(intptr_t)200, NULL);
	api_call_sent(c, ipc_silences(w, tok, type, id, api_ipc_done, c));
}

void
api_silence_get(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	silence_ref(w, req, MSG_SILENCES_REQ, params[0]);
}

void
api_silence_expire(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	silence_ref(w, req, MSG_SILENCE_EXPIRE, params[0]);
}
