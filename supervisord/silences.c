/*
 * Silences (issue 14, point 3): the admin mutes the notifications of
 * the alerts whose labels match, from a start to an end, as
 * Alertmanager does.  The alerts themselves go on (the API lists them,
 * with the silence that mutes them).  Labels: alertname (the rule),
 * severity, service (berth), workspace, user, metric; an alert without
 * a workspace has the empty one.  A matcher is name=value, name!=value,
 * name=~regex or name!~regex (POSIX extended, anchored at both ends);
 * every matcher of a silence must hold, and at least one of them must
 * not match the empty string, so that no silence mutes everything by
 * mistake.
 *
 * Kept in <state_dir>/silences (statefile.c), expired ones for a day.
 * When a silence starts or ends, alerts.c looks again at what fires
 * (a timer at the next such moment).
 */
#include <sys/types.h>

#include <event2/event.h>
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "berthd.h"
#include "codec.h"
#include "log.h"
#include "utf8.h"
#include "util.h"
#include "xmalloc.h"

#define SILENCES_FILE	"silences"
#define SILENCES_MAX	256
#define MATCHERS_MAX	16
#define VALUE_MAX	256
#define NAME_MAX_LEN	64		/* createdBy */
#define COMMENT_MAX	1024
#define SPAN_MAX_MS	(366LL * 86400 * 1000)
#define EXPIRED_KEPT_MS	(86400LL * 1000)

struct matcher {
	char		 name[16];
	char		 value[VALUE_MAX + 1];
	int		 is_regex, is_equal;
	regex_t		 re;
};

struct silence {
	char		 id[37];
	struct matcher	 m[MATCHERS_MAX];
	size_t		 nm;
	int64_t		 starts_ms, ends_ms, updated_ms;
	char		 created_by[NAME_MAX_LEN + 1];
	char		 author[65];
	char		 comment[COMMENT_MAX + 1];
};

static const char *const label_names[] = { "alertname", "severity",
    "service", "workspace", "user", "metric", NULL };

static struct silence	*silences[SILENCES_MAX];
static size_t		 nsilences;
static struct event	*edge_timer;

static void	edge_arm(void);

/* ------------------------------------------------------------ matching */

static const char *
label_value(const struct alert_labels *l, const char *name)
{
	if (strcmp(name, "alertname") == 0)
		return l->alertname;
	if (strcmp(name, "severity") == 0)
		return l->severity;
	if (strcmp(name, "service") == 0)
		return "berth";
	if (strcmp(name, "workspace") == 0)
		return l->workspace;
	if (strcmp(name, "user") == 0)
		return l->user;
	return l->metric;
}

static int
matcher_holds(const struct matcher *m, const char *v)
{
	int	hit = m->is_regex ? regexec(&m->re, v, 0, NULL, 0) == 0 :
	    strcmp(m->value, v) == 0;

	return hit == m->is_equal;
}

static const char *
state_of(const struct silence *s, int64_t now)
{
	if (now < s->starts_ms)
		return "pending";
	return now < s->ends_ms ? "active" : "expired";
}

const char *
silence_muting(const struct alert_labels *l)
{
	int64_t	now = jobstate_now_ms();
	size_t	i, j;

	for (i = 0; i < nsilences; i++) {
		if (strcmp(state_of(silences[i], now), "active") != 0)
			continue;
		for (j = 0; j < silences[i]->nm; j++)
			if (!matcher_holds(&silences[i]->m[j],
			    label_value(l, silences[i]->m[j].name)))
				break;
		if (j == silences[i]->nm)
			return silences[i]->id;
	}
	return NULL;
}

/* ------------------------------------------------------------ checks */

static int
text_ok(const char *s, size_t max)
{
	size_t	n, len = strlen(s), i = 0;

	if (len > max)
		return 0;
	while (i < len) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
		if ((n = utf8_seqlen((const unsigned char *)s + i, len - i)) ==
		    0)
			return 0;
		i += n;
	}
	return 1;
}

static int
label_known(const char *name)
{
	const char *const	*l;

	for (l = label_names; *l != NULL; l++)
		if (strcmp(*l, name) == 0)
			return 1;
	return 0;
}

/* m from the wire into out, compiled; NULL or why not. */
static const char *
matcher_make(const struct silence_matcher *m, struct matcher *out)
{
	char	*anchored;
	int	 rc;

	if (!label_known(m->name))
		return "a matcher's name is one of alertname, severity, "
		    "service, workspace, user, metric";
	if (!text_ok(m->value, VALUE_MAX))
		return "a matcher's value is at most 256 bytes of text";
	snprintf(out->name, sizeof(out->name), "%s", m->name);
	snprintf(out->value, sizeof(out->value), "%s", m->value);
	out->is_regex = m->is_regex != 0;
	out->is_equal = m->is_equal != 0;
	if (!out->is_regex)
		return NULL;
	xasprintf(&anchored, "^(%s)$", m->value);
	rc = regcomp(&out->re, anchored, REG_EXTENDED | REG_NOSUB);
	free(anchored);
	return rc == 0 ? NULL : "a matcher's regular expression does not "
	    "compile (POSIX extended)";
}

static void
silence_free(struct silence *s)
{
	size_t	i;

	for (i = 0; i < s->nm; i++)
		if (s->m[i].is_regex)
			regfree(&s->m[i].re);
	free(s);
}

/* The matchers into s; NULL or why they are refused. */
static const char *
matchers_make(struct silence *s, const struct silence_matcher *m, size_t n)
{
	const char	*why;
	size_t		 i;
	int		 narrow = 0;

	if (n == 0 || n > MATCHERS_MAX)
		return "a silence has 1 to 16 matchers";
	for (i = 0; i < n; i++) {
		if ((why = matcher_make(&m[i], &s->m[i])) != NULL)
			return why;
		s->nm = i + 1;
		if (!matcher_holds(&s->m[i], ""))
			narrow = 1;
	}
	return narrow ? NULL : "at least one matcher must not match the "
	    "empty string";
}

static const char *
times_check(int64_t starts, int64_t ends, int64_t now)
{
	if (starts < 0 || ends <= starts)
		return "endsAt must be after startsAt";
	if (ends <= now)
		return "endsAt must be in the future";
	if (ends - starts > SPAN_MAX_MS)
		return "a silence lasts at most 366 days";
	return NULL;
}

/* ------------------------------------------------------------ the file */

static json_t *
silence_json(const struct silence *s)
{
	json_t	*ms = json_array();
	size_t	 i;

	for (i = 0; i < s->nm; i++)
		json_array_append_new(ms, json_pack("{s:s,s:s,s:b,s:b}",
		    "name", s->m[i].name, "value", s->m[i].value, "isRegex",
		    s->m[i].is_regex, "isEqual", s->m[i].is_equal));
	return json_pack("{s:s,s:o,s:I,s:I,s:I,s:s,s:s,s:s}", "id", s->id,
	    "matchers", ms, "starts", (json_int_t)s->starts_ms, "ends",
	    (json_int_t)s->ends_ms, "updated", (json_int_t)s->updated_ms,
	    "createdBy", s->created_by, "author", s->author, "comment",
	    s->comment);
}

static void
save(void)
{
	json_t	*arr = json_array();
	size_t	 i;

	for (i = 0; i < nsilences; i++)
		json_array_append_new(arr, silence_json(silences[i]));
	if (statefile_save(SILENCES_FILE, arr) == -1)
		log_warnx("silences: the change would not survive a restart");
	json_decref(arr);
}

static const char *
str_of(json_t *o, const char *key)
{
	const char	*v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "";
}

/* One silence from the file, checked as a new one is (but its end may
 * have passed). */
static void
load_one(json_t *o)
{
	struct silence_matcher	 wire[MATCHERS_MAX];
	struct silence		*s = xcalloc(1, sizeof(*s));
	json_t			*ms = json_object_get(o, "matchers"), *m;
	size_t			 i, n = json_array_size(ms);

	for (i = 0; i < n && i < MATCHERS_MAX; i++) {
		m = json_array_get(ms, i);
		wire[i].name = (char *)str_of(m, "name");
		wire[i].value = (char *)str_of(m, "value");
		wire[i].is_regex = json_is_true(json_object_get(m, "isRegex"));
		wire[i].is_equal = json_is_true(json_object_get(m, "isEqual"));
	}
	snprintf(s->id, sizeof(s->id), "%s", str_of(o, "id"));
	s->starts_ms = json_integer_value(json_object_get(o, "starts"));
	s->ends_ms = json_integer_value(json_object_get(o, "ends"));
	s->updated_ms = json_integer_value(json_object_get(o, "updated"));
	snprintf(s->created_by, sizeof(s->created_by), "%s",
	    str_of(o, "createdBy"));
	snprintf(s->author, sizeof(s->author), "%s", str_of(o, "author"));
	snprintf(s->comment, sizeof(s->comment), "%s", str_of(o, "comment"));
	if (nsilences == SILENCES_MAX || s->id[0] == '\0' ||
	    matchers_make(s, wire, n) != NULL || s->ends_ms <= s->starts_ms) {
		log_warnx("silences: %s: a silence that is not valid is "
		    "dropped", s->id);
		silence_free(s);
		return;
	}
	silences[nsilences++] = s;
}

/* ------------------------------------------------------------ keeping */

/* Drop what expired more than a day ago; with room, the oldest
 * expired too.  0 when there is room for one more. */
static int
prune(int need_room)
{
	int64_t	now = jobstate_now_ms();
	size_t	i, j, old = SIZE_MAX;

	for (i = j = 0; i < nsilences; i++) {
		if (silences[i]->ends_ms + EXPIRED_KEPT_MS <= now) {
			silence_free(silences[i]);
			continue;
		}
		silences[j++] = silences[i];
	}
	nsilences = j;
	if (!need_room || nsilences < SILENCES_MAX)
		return 0;
	for (i = 0; i < nsilences; i++)
		if (silences[i]->ends_ms <= now && (old == SIZE_MAX ||
		    silences[i]->ends_ms < silences[old]->ends_ms))
			old = i;
	if (old == SIZE_MAX)
		return -1;
	silence_free(silences[old]);
	silences[old] = silences[--nsilences];
	return 0;
}

/* The next start or end after now; 0 when none. */
static int64_t
next_edge(int64_t now)
{
	int64_t	next = 0, t;
	size_t	i;

	for (i = 0; i < nsilences; i++) {
		t = silences[i]->starts_ms > now ? silences[i]->starts_ms :
		    silences[i]->ends_ms;
		if (t > now && (next == 0 || t < next))
			next = t;
	}
	return next;
}

static void
edge_fire(evutil_socket_t fd, short ev, void *arg)
{
	alerts_silences_changed();
	edge_arm();
}

static void
edge_arm(void)
{
	int64_t		now = jobstate_now_ms(), next = next_edge(now), d;
	struct timeval	tv;

	if (edge_timer == NULL)
		return;
	evtimer_del(edge_timer);
	if (next == 0)
		return;
	d = next - now + 10;		/* past the edge, not on it */
	tv.tv_sec = d / 1000;
	tv.tv_usec = (d % 1000) * 1000;
	evtimer_add(edge_timer, &tv);
}

void
silences_start(void)
{
	json_t	*arr, *o;
	size_t	 i;

	if ((arr = statefile_load(SILENCES_FILE)) != NULL) {
		json_array_foreach(arr, i, o)
			load_one(o);
		json_decref(arr);
	}
	prune(0);
	if (nsilences > 0)
		log_info("silences: %zu kept from before the restart",
		    nsilences);
	edge_timer = evtimer_new(env->base, edge_fire, NULL);
	edge_arm();
}

void
silences_stop(void)
{
	if (edge_timer != NULL)
		event_free(edge_timer);
	edge_timer = NULL;
	while (nsilences > 0)
		silence_free(silences[--nsilences]);
}

/* ------------------------------------------------------------ requests */

static void
item_of(const struct silence *s, struct silence_item *it, int64_t now)
{
	size_t	i;

	it->id = xstrdup(s->id);
	it->matchers = xcalloc(s->nm, sizeof(*it->matchers));
	for (i = 0; i < s->nm; i++) {
		it->matchers[i].name = xstrdup(s->m[i].name);
		it->matchers[i].value = xstrdup(s->m[i].value);
		it->matchers[i].is_regex = s->m[i].is_regex;
		it->matchers[i].is_equal = s->m[i].is_equal;
	}
	it->nmatchers = s->nm;
	it->starts_ms = s->starts_ms;
	it->ends_ms = s->ends_ms;
	it->created_by = xstrdup(s->created_by);
	it->author = xstrdup(s->author);
	it->comment = xstrdup(s->comment);
	it->updated_ms = s->updated_ms;
	it->state = xstrdup(state_of(s, now));
}

/* Answer with s alone, or (s NULL) with every silence, newest first. */
static void
reply(const struct caller *c, const struct silence *s)
{
	struct body_silences	*b;
	struct msg		 r;
	int64_t			 now = jobstate_now_ms();
	size_t			 i;

	b = msg_init(&r, MSG_SILENCES, 0, PEER_PARENT);
	b->items = xcalloc(s != NULL ? 1 : nsilences + 1, sizeof(*b->items));
	if (s != NULL)
		item_of(s, &b->items[b->nitems++], now);
	for (i = nsilences; s == NULL && i-- > 0; )
		item_of(silences[i], &b->items[b->nitems++], now);
	caller_reply(c, &r);
	msg_clear(&r);
}

static struct silence *
find(const char *id)
{
	size_t	i;

	for (i = 0; i < nsilences; i++)
		if (strcmp(silences[i]->id, id) == 0)
			return silences[i];
	return NULL;
}

/* MSG_SILENCE_ADD (the admin's): 422 for what is not valid, 409 when
 * SILENCES_MAX are active or pending. */
void
silences_h_add(const struct caller *c, struct msg *m)
{
	struct body_silence_add	*q = m->body;
	struct silence		*s = xcalloc(1, sizeof(*s));
	int64_t			 now = jobstate_now_ms();
	const char		*why;
	uuid_t			 u;

	s->starts_ms = q->starts_ms > 0 ? q->starts_ms : now;
	s->ends_ms = q->ends_ms;
	if ((why = matchers_make(s, q->matchers, q->nmatchers)) == NULL &&
	    (why = times_check(s->starts_ms, s->ends_ms, now)) == NULL &&
	    (q->comment[0] == '\0' || !text_ok(q->comment, COMMENT_MAX) ||
	    !text_ok(q->created_by, NAME_MAX_LEN)))
		why = "comment is 1 to 1024 bytes of text, createdBy at most "
		    "64";
	if (why != NULL) {
		caller_error(c, "invalid", "%s", why);
		silence_free(s);
		return;
	}
	if (prune(1) == -1) {
		caller_error(c, "conflict", "%d silences are active or "
		    "pending; expire one first", SILENCES_MAX);
		silence_free(s);
		return;
	}
	uuid_generate_random(u);
	uuid_unparse_lower(u, s->id);
	s->updated_ms = now;
	snprintf(s->author, sizeof(s->author), "%s", c->who.user[0] != '\0' ?
	    c->who.user : "admin");
	snprintf(s->created_by, sizeof(s->created_by), "%s",
	    q->created_by[0] != '\0' ? q->created_by : s->author);
	snprintf(s->comment, sizeof(s->comment), "%s", q->comment);
	silences[nsilences++] = s;
	save();
	event_emit("silence.created", "info", NULL, "silence %s by %s: %s",
	    s->id, s->author, s->comment);
	edge_arm();
	reply(c, s);
}

/* MSG_SILENCES_REQ (the admin's): one by id (404), or all. */
void
silences_h_list(const struct caller *c, struct msg *m)
{
	struct body_silence_ref	*q = m->body;
	struct silence		*s = NULL;

	prune(0);
	if (q->id[0] != '\0' && (s = find(q->id)) == NULL) {
		caller_error(c, "not_found", "no such silence");
		return;
	}
	reply(c, s);
}

/* MSG_SILENCE_EXPIRE (the admin's): it ends now; 404 for no such
 * silence, 409 for one already expired. */
void
silences_h_expire(const struct caller *c, struct msg *m)
{
	struct body_silence_ref	*q = m->body;
	struct silence		*s;
	int64_t			 now = jobstate_now_ms();

	if ((s = find(q->id)) == NULL) {
		caller_error(c, "not_found", "no such silence");
		return;
	}
	if (s->ends_ms <= now) {
		caller_error(c, "conflict", "silence %s has expired already",
		    s->id);
		return;
	}
	if (s->starts_ms > now)
		s->starts_ms = now;
	s->ends_ms = now;
	s->updated_ms = now;
	save();
	event_emit("silence.expired", "info", NULL, "silence %s expired by "
	    "%s", s->id, c->who.user[0] != '\0' ? c->who.user : "admin");
	edge_arm();
	alerts_silences_changed();
	reply(c, s);
}
