/*
 * berthctl's monitoring commands, over the admin socket (berthd answers
 * them itself, as the admin):
 *   events [-f] [--json]		the last events; -f: and new ones as
 *					they come (asked every 2 s)
 *   alerts [--all] [--json]		active alerts (--all: and resolved)
 *   resolve ID -m TEXT [--json]	resolve an alert by hand
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "berthctl.h"
#include "codec.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define CALL_TIMEOUT_MS	10000
#define FOLLOW_S	2

int
ctl_alerts_command(const char *cmd)
{
	return strcmp(cmd, "events") == 0 || strcmp(cmd, "alerts") == 0 ||
	    strcmp(cmd, "resolve") == 0;
}

static void
auth_init(struct req_auth *a)
{
	a->token = xstrdup("");
	a->caller = xstrdup("");
}

/* ------------------------------------------------------------ events */

static void
print_event(const struct event_item *e, int json)
{
	char	t[32];
	json_t	*o;

	iso8601_ms((uint64_t)e->time_ms, t, sizeof(t));
	if (!json) {
		printf("%s %-8s %-24s %s", t, e->severity, e->type, e->message);
		if (e->count > 1)
			printf(" (x%lld)", (long long)e->count);
		putchar('\n');
		return;
	}
	o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:I}", "id",
	    (json_int_t)e->id, "time", t, "type", e->type, "severity",
	    e->severity, "message", e->message, "workspaceId",
	    e->workspace_id, "userId", e->user_id, "count",
	    (json_int_t)e->count);
	json_dumpf(o, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(o);
}

/* Events with an id above *last, oldest first; *last moves on. */
static void
events_once(int fd, int json, int64_t *last)
{
	struct body_events_req	*q;
	struct body_events	*b;
	struct msg		 m, reply;
	size_t			 i;

	q = msg_init(&m, MSG_EVENTS_REQ, 1, PEER_PARENT);
	auth_init(&q->auth);
	q->type = xstrdup("");
	q->severity = xstrdup("");
	q->limit = 1000;
	call_for(fd, &m, &reply, CALL_TIMEOUT_MS);
	if (reply.type != MSG_EVENTS)
		fatalx("unexpected answer %s", msg_type_name(reply.type));
	b = reply.body;
	for (i = b->nitems; i-- > 0; ) {
		if (b->items[i].id <= *last)
			continue;
		print_event(&b->items[i], json);
		*last = b->items[i].id;
	}
	fflush(stdout);
	msg_clear(&m);
	msg_clear(&reply);
}

static int
cmd_events(int fd, int follow, int json)
{
	int64_t	last = 0;

	events_once(fd, json, &last);
	while (follow) {
		sleep(FOLLOW_S);
		events_once(fd, json, &last);
	}
	return 0;
}

/* ------------------------------------------------------------ alerts */

static json_t *
alert_json(const struct alert_item *a)
{
	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:f,s:s,s:s,s:s,s:s}", "id",
	    (json_int_t)a->id, "rule", a->rule, "severity", a->severity,
	    "state", a->state, "message", a->message, "value", a->value,
	    "workspace", a->workspace_id, "user", a->user_id, "resolvedBy",
	    a->resolved_by, "resolution", a->resolution);
}

static void
print_alerts(const struct body_alerts *b, int json)
{
	json_t	*arr;
	size_t	 i;

	if (json) {
		arr = json_array();
		for (i = 0; i < b->nitems; i++)
			json_array_append_new(arr, alert_json(&b->items[i]));
		json_dumpf(arr, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(arr);
		return;
	}
	printf("%-6s %-9s %-9s %-22s %s\n", "ID", "STATE", "SEVERITY", "RULE",
	    "MESSAGE");
	for (i = 0; i < b->nitems; i++)
		printf("%-6lld %-9s %-9s %-22s %s\n",
		    (long long)b->items[i].id, b->items[i].state,
		    b->items[i].severity, b->items[i].rule,
		    b->items[i].message);
}

/* Send m (freed), print the alerts that answer it. */
static int
call_alerts(int fd, struct msg *m, int json)
{
	struct msg	reply;

	call_for(fd, m, &reply, CALL_TIMEOUT_MS);
	if (reply.type != MSG_ALERTS)
		fatalx("unexpected answer %s", msg_type_name(reply.type));
	print_alerts(reply.body, json);
	msg_clear(m);
	msg_clear(&reply);
	return 0;
}

static int
cmd_alerts(int fd, int all, int json)
{
	struct body_alerts_req	*q;
	struct msg		 m;

	q = msg_init(&m, MSG_ALERTS_REQ, 1, PEER_PARENT);
	auth_init(&q->auth);
	q->all = all;
	return call_alerts(fd, &m, json);
}

static int
cmd_resolve(int fd, const char *id, const char *why, int json)
{
	struct body_alert_resolve	*q;
	struct msg			 m;
	char				*end;
	long long			 n;

	n = strtoll(id, &end, 10);
	if (end == id || *end != '\0' || n < 1 || why[0] == '\0')
		usage();
	q = msg_init(&m, MSG_ALERT_RESOLVE, 1, PEER_PARENT);
	auth_init(&q->auth);
	q->id = n;
	q->resolution = xstrdup(why);
	return call_alerts(fd, &m, json);
}

int
ctl_alerts(int fd, int argc, char **argv)
{
	int	json = argc > 1 && strcmp(argv[argc - 1], "--json") == 0;
	int	flag = argc > 1 + json && argv[1][0] == '-';

	argc -= json;
	if (strcmp(argv[0], "events") == 0 && (argc == 1 || (argc == 2 &&
	    strcmp(argv[1], "-f") == 0)))
		return cmd_events(fd, flag, json);
	if (strcmp(argv[0], "alerts") == 0 && (argc == 1 || (argc == 2 &&
	    strcmp(argv[1], "--all") == 0)))
		return cmd_alerts(fd, flag, json);
	if (strcmp(argv[0], "resolve") == 0 && argc == 4 &&
	    strcmp(argv[2], "-m") == 0)
		return cmd_resolve(fd, argv[1], argv[3], json);
	usage();
}
