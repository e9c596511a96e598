/*
 * A backup record (proto's backup_item) as JSON: the same object for
 * the API (GET /api/projects/{id}/backups) and berthctl's --json.
 */
#include <stdint.h>

#include <jansson.h>

#include "codec.h"
#include "util.h"
#include "volrec.h"

static json_t *
when(int64_t ms)
{
	char buf[40];

	if (ms <= 0)
		return json_null();
	return json_string(iso8601_ms((uint64_t)ms, buf, sizeof(buf)));
}

static json_t *
text_or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

/* {state, key, error}, or null when it has no remote copy. */
static json_t *
remote(const struct backup_item *b)
{
	if (b->remote_state == NULL || b->remote_state[0] == '\0')
		return json_null();
	return json_pack("{s:s,s:o,s:o}", "state", b->remote_state, "key",
	    text_or_null(b->remote_key), "error",
	    text_or_null(b->remote_error));
}

json_t *
backup_item_json(const struct backup_item *b)
{
	json_t	*o = json_object();
	double	 dur = b->finished_ms > 0 ? (double)(b->finished_ms -
	    b->started_ms) / 1000.0 : -1;

	json_object_set_new(o, "backupId", json_string(b->id));
	json_object_set_new(o, "projectId", json_string(b->project_id));
	json_object_set_new(o, "volume", json_string(b->volume));
	json_object_set_new(o, "status", json_string(b->status));
	json_object_set_new(o, "compression", json_string(b->compression));
	json_object_set_new(o, "consistency", json_string(b->consistency));
	json_object_set_new(o, "file", json_string(b->file));
	json_object_set_new(o, "bytes", json_integer(b->bytes));
	json_object_set_new(o, "storedBytes", json_integer(b->stored_bytes));
	json_object_set_new(o, "entries", json_integer(b->entries));
	json_object_set_new(o, "sha256", text_or_null(b->sha256));
	json_object_set_new(o, "startedAt", when(b->started_ms));
	json_object_set_new(o, "finishedAt", when(b->finished_ms));
	json_object_set_new(o, "durationS", dur >= 0 ? json_real(dur) :
	    json_null());
	json_object_set_new(o, "error", text_or_null(b->error));
	json_object_set_new(o, "remote", remote(b));
	return o;
}
