/*
 * The JSON of monitoring items shared by the gateway and berthctl.
 */
#include <jansson.h>
#include <stdint.h>

#include "monjson.h"
#include "util.h"

json_t *
silence_json(const struct silence_item *s)
{
	json_t	*ms = json_array();
	char	 t[3][32];
	size_t	 i;

	for (i = 0; i < s->nmatchers; i++)
		json_array_append_new(ms, json_pack("{s:s,s:s,s:b,s:b}",
		    "name", s->matchers[i].name, "value", s->matchers[i].value,
		    "isRegex", s->matchers[i].is_regex, "isEqual",
		    s->matchers[i].is_equal));
	return json_pack("{s:s,s:o,s:s,s:s,s:s,s:s,s:s,s:s,s:{s:s}}",
	    "id", s->id, "matchers", ms,
	    "startsAt", iso8601_ms((uint64_t)s->starts_ms, t[0], sizeof(t[0])),
	    "endsAt", iso8601_ms((uint64_t)s->ends_ms, t[1], sizeof(t[1])),
	    "updatedAt", iso8601_ms((uint64_t)s->updated_ms, t[2],
	    sizeof(t[2])),
	    "createdBy", s->created_by, "author", s->author,
	    "comment", s->comment, "status", "state", s->state);
}
