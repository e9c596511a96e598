/*
 * berthctl's silences, over the admin socket (berthd answers them
 * itself, as the admin):
 *   silence add -c COMMENT [-d DURATION] [-a AUTHOR] MATCHER... [--json]
 *	MATCHER is name=value, name!=value, name=~regex or name!~regex;
 *	DURATION is a number and s, m, h or d (default 1h)
 *   silence list [--json]
 *   silence expire ID [--json]
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berthctl.h"
#include "codec.h"
#include "log.h"
#include "monjson.h"
#include "util.h"
#include "xmalloc.h"

#define CALL_TIMEOUT_MS	10000
#define MATCHERS_MAX	16

int
ctl_silences_command(const char *cmd)
{
	return strcmp(cmd, "silence") == 0;
}

/* name=value and the like into m; -1 when it is none of them. */
static int
matcher_parse(const char *arg, struct silence_matcher *m)
{
	static const struct {
		const char	*op;
		int		 is_regex, is_equal;
	} ops[] = { { "!~", 1, 0 }, { "=~", 1, 1 }, { "!=", 0, 0 },
	    { "=", 0, 1 } };
	const char	*at = NULL;
	size_t		 i, best = 0;

	/* the first operator in arg, the longest where two start there */
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		const char *p = strstr(arg, ops[i].op);

		if (p != NULL && (at == NULL || p < at)) {
			at = p;
			best = i;
		}
	}
	if (at == NULL || at == arg)
		return -1;
	m->name = xstrndup(arg, (size_t)(at - arg));
	m->value = xstrdup(at + strlen(ops[best].op));
	m->is_regex = ops[best].is_regex;
	m->is_equal = ops[best].is_equal;
	return 0;
}

/* "90s", "30m", "2h", "7d" in ms; -1 when not one. */
static int64_t
duration_ms(const char *s)
{
	char		*end;
	long long	 n = strtoll(s, &end, 10);
	int64_t		 unit;

	if (end == s || n <= 0 || n > 100000 || end[0] == '\0' ||
	    end[1] != '\0')
		return -1;
	switch (end[0]) {
	case 's': unit = 1000; break;
	case 'm': unit = 60 * 1000; break;
	case 'h': unit = 3600 * 1000; break;
	case 'd': unit = 86400 * 1000; break;
	default: return -1;
	}
	return (int64_t)n * unit;
}

static void
print_matchers(const struct silence_item *s)
{
	const struct silence_matcher	*m;
	size_t				 i;

	for (i = 0; i < s->nmatchers; i++) {
		m = &s->matchers[i];
		printf("%s%s%s%s", i > 0 ? "," : "", m->name, m->is_equal ?
		    (m->is_regex ? "=~" : "=") : (m->is_regex ? "!~" : "!="),
		    m->value);
	}
}

static void
print_silences(const struct body_silences *b, int json)
{
	json_t	*arr;
	char	 t[32];
	size_t	 i;

	if (json) {
		arr = json_array();
		for (i = 0; i < b->nitems; i++)
			json_array_append_new(arr, silence_json(&b->items[i]));
		json_dumpf(arr, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(arr);
		return;
	}
	printf("%-36s %-8s %-24s %-12s %s\n", "ID", "STATE", "ENDS",
	    "CREATED BY", "MATCHERS / COMMENT");
	for (i = 0; i < b->nitems; i++) {
		printf("%-36s %-8s %-24s %-12s ", b->items[i].id,
		    b->items[i].state, iso8601_ms((uint64_t)b->items[i].ends_ms,
		    t, sizeof(t)), b->items[i].created_by);
		print_matchers(&b->items[i]);
		printf(" / %s\n", b->items[i].comment);
	}
}

/* Send m (freed), print the silences that answer it. */
static int
call_silences(int fd, struct msg *m, int json)
{
	struct msg	reply;

	call_for(fd, m, &reply, CALL_TIMEOUT_MS);
	if (reply.type != MSG_SILENCES)
		fatalx("unexpected answer %s", msg_type_name(reply.type));
	print_silences(reply.body, json);
	msg_clear(m);
	msg_clear(&reply);
	return 0;
}

static void *
start(struct msg *m, unsigned type)
{
	struct req_auth	*a;

	a = msg_init(m, type, 1, PEER_PARENT);
	a->token = xstrdup("");
	a->caller = xstrdup("");
	return a;
}

static int
cmd_add(int fd, int argc, char **argv, int json)
{
	struct body_silence_add	*q;
	struct msg		 m;
	const char		*comment = NULL, *author = "";
	int64_t			 span = 3600 * 1000;
	int			 i;

	q = start(&m, MSG_SILENCE_ADD);
	q->matchers = xcalloc(MATCHERS_MAX, sizeof(*q->matchers));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-a") == 0 && i + 1 < argc)
			author = argv[++i];
		else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			comment = argv[++i];
		else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc) {
			if ((span = duration_ms(argv[++i])) == -1)
				usage();
		} else if (q->nmatchers == MATCHERS_MAX || matcher_parse(
		    argv[i], &q->matchers[q->nmatchers++]) == -1)
			fatalx("%s: a matcher is name=value, name!=value, "
			    "name=~regex or name!~regex (at most %d)", argv[i],
			    MATCHERS_MAX);
	}
	if (comment == NULL || q->nmatchers == 0)
		usage();
	q->starts_ms = (int64_t)wall_ms();
	q->ends_ms = q->starts_ms + span;
	q->created_by = xstrdup(author);
	q->comment = xstrdup(comment);
	return call_silences(fd, &m, json);
}

int
ctl_silences(int fd, int argc, char **argv)
{
	struct body_silence_ref	*q;
	struct msg		 m;
	int			 json = argc > 1 && strcmp(argv[argc - 1],
				    "--json") == 0;

	argc -= json;
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "add") == 0)
		return cmd_add(fd, argc - 1, argv + 1, json);
	if (strcmp(argv[1], "list") == 0 && argc == 2) {
		q = start(&m, MSG_SILENCES_REQ);
		q->id = xstrdup("");
		return call_silences(fd, &m, json);
	}
	if (strcmp(argv[1], "expire") == 0 && argc == 3) {
		q = start(&m, MSG_SILENCE_EXPIRE);
		q->id = xstrdup(argv[2]);
		return call_silences(fd, &m, json);
	}
	usage();
}
