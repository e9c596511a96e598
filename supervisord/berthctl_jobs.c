/*
 * berthctl's scheduler commands, over the admin socket (berthd asks
 * the scheduler as the admin):
 *   jobs [--json]		a table like systemctl list-timers
 *   run-job NAME [--json]	run one job now
 *   cleanup [--json]		every cleanup now, counts per kind
 *   clock +SECONDS		move the test clock (BERTH_TEST_CLOCK=1)
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "berthctl.h"
#include "codec.h"
#include "log.h"
#include "xmalloc.h"

#define JOBS_TIMEOUT_MS		10000
#define CLEANUP_TIMEOUT_MS	300000

int
ctl_jobs_command(const char *cmd)
{
	return strcmp(cmd, "jobs") == 0 || strcmp(cmd, "run-job") == 0 ||
	    strcmp(cmd, "cleanup") == 0 || strcmp(cmd, "clock") == 0;
}

static void
fmt_time(int64_t ms, char *buf, size_t len)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;

	if (ms <= 0 || gmtime_r(&t, &tm) == NULL)
		snprintf(buf, len, "-");
	else
		strftime(buf, len, "%a %Y-%m-%d %H:%M:%S UTC", &tm);
}

static void
fmt_span(int64_t ms, char *buf, size_t len)
{
	int64_t	s;

	if (ms == INT64_MIN) {
		snprintf(buf, len, "-");
		return;
	}
	s = (ms < 0 ? -ms : ms) / 1000;
	if (s < 60)
		snprintf(buf, len, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%lldmin %llds", (long long)(s / 60),
		    (long long)(s % 60));
	else if (s < 86400)
		snprintf(buf, len, "%lldh %lldmin", (long long)(s / 3600),
		    (long long)(s % 3600 / 60));
	else
		snprintf(buf, len, "%lldd %lldh", (long long)(s / 86400),
		    (long long)(s % 86400 / 3600));
}

static void
print_row(const struct job_item *j, int64_t now_ms)
{
	char	next[40], left[24], last[40], passed[24];
	int64_t	next_ms = j->nnext > 0 ? j->next[0].at_s * 1000 : 0;

	fmt_time(next_ms, next, sizeof(next));
	fmt_span(next_ms > 0 ? next_ms - now_ms : INT64_MIN, left,
	    sizeof(left));
	fmt_time(j->last_start_ms, last, sizeof(last));
	fmt_span(j->last_start_ms > 0 ? now_ms - j->last_start_ms :
	    INT64_MIN, passed, sizeof(passed));
	if (j->last_start_ms > 0)
		strncat(passed, " ago", sizeof(passed) - strlen(passed) - 1);
	printf("%-28s %-14s %-28s %-14s %-20s %s\n", next, left, last, passed,
	    j->name, !j->built ? "not built" : j->running ? "running" :
	    j->last_result[0] != '\0' ? j->last_result : "-");
}

static json_t *
job_json(const struct job_item *j)
{
	json_t	*next = json_array();
	size_t	 i;

	for (i = 0; i < j->nnext; i++)
		json_array_append_new(next, json_integer(j->next[i].at_s));
	return json_pack("{s:s,s:s,s:s,s:b,s:b,s:b,s:I,s:I,s:s,s:s,s:s,"
	    "s:I,s:I,s:I,s:o,s:I,s:I,s:I}", "name", j->name, "schedule",
	    j->schedule, "timezone", j->timezone[0] ? j->timezone : "UTC",
	    "enabled", j->enabled, "built", j->built, "running", j->running,
	    "lastStartMs", (json_int_t)j->last_start_ms, "lastDurationMs",
	    (json_int_t)j->last_duration_ms, "lastResult", j->built ?
	    j->last_result : "not built", "lastError", j->last_error,
	    "action", j->action, "lastChecked", (json_int_t)j->last_checked,
	    "lastActed", (json_int_t)j->last_acted, "lastFailed",
	    (json_int_t)j->last_failed, "nextRuns", next, "runs",
	    (json_int_t)j->runs, "skipped", (json_int_t)j->skipped,
	    "failures", (json_int_t)j->failures);
}

static void
print_jobs(const struct body_jobs *b, int json)
{
	json_t	*a;
	size_t	 i;

	if (json) {
		a = json_array();
		for (i = 0; i < b->nitems; i++)
			json_array_append_new(a, job_json(&b->items[i]));
		json_dumpf(a, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(a);
		return;
	}
	printf("%-28s %-14s %-28s %-14s %-20s %s\n", "NEXT", "LEFT", "LAST",
	    "PASSED", "JOB", "RESULT");
	for (i = 0; i < b->nitems; i++)
		print_row(&b->items[i], b->now_ms);
	printf("\n%zu jobs listed.\n", b->nitems);
}

static int
cmd_jobs(int fd, unsigned type, const char *name, int json)
{
	struct body_job_req	*q;
	struct msg		 m, reply;

	q = msg_init(&m, type, 1, PEER_PARENT);
	q->auth.token = xstrdup("");
	q->auth.caller = xstrdup("");
	q->name = xstrdup(name);
	call_for(fd, &m, &reply, JOBS_TIMEOUT_MS);
	if (reply.type != MSG_JOBS)
		fatalx("unexpected answer %s", msg_type_name(reply.type));
	print_jobs(reply.body, json);
	msg_clear(&m);
	msg_clear(&reply);
	return 0;
}

static void
print_count(const char *name, int64_t n, json_t *o)
{
	if (o != NULL)
		json_object_set_new(o, name, n < 0 ? json_null() :
		    json_integer(n));
	else if (n < 0)
		printf("%-20s not built\n", name);
	else
		printf("%-20s %lld\n", name, (long long)n);
}

static int
cmd_cleanup(int fd, int json)
{
	struct body_auth	*q;
	struct body_cleanup	*b;
	struct msg		 m, reply;
	json_t			*o = json ? json_object() : NULL;

	q = msg_init(&m, MSG_CLEANUP_REQ, 1, PEER_PARENT);
	q->auth.token = xstrdup("");
	q->auth.caller = xstrdup("");
	call_for(fd, &m, &reply, CLEANUP_TIMEOUT_MS);
	if (reply.type != MSG_CLEANUP)
		fatalx("unexpected answer %s", msg_type_name(reply.type));
	b = reply.body;
	print_count("inactiveContainers", b->inactive_containers, o);
	print_count("orphanedContainers", b->orphaned_containers, o);
	print_count("orphanedVolumes", b->orphaned_volumes, o);
	print_count("errorWorkspaces", b->error_workspaces, o);
	print_count("expiredSessions", b->expired_sessions, o);
	if (o != NULL) {
		json_object_set_new(o, "errors", b->errors[0] != '\0' ?
		    json_string(b->errors) : json_null());
		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
	} else if (b->errors[0] != '\0')
		printf("errors: %s\n", b->errors);
	msg_clear(&m);
	msg_clear(&reply);
	return 0;
}

static int
cmd_clock(int fd, const char *arg)
{
	struct body_clock_req	*q;
	struct msg		 m, reply;
	char			*end;
	long long		 d;

	d = strtoll(arg, &end, 10);
	if (end == arg || *end != '\0')
		usage();
	q = msg_init(&m, MSG_CLOCK_REQ, 1, PEER_PARENT);
	q->delta_s = d;
	call_for(fd, &m, &reply, JOBS_TIMEOUT_MS);
	if (reply.type != MSG_JOB_STATE)
		fatalx("unexpected answer %s", msg_type_name(reply.type));
	printf("clock offset %+llds\n", (long long)(((struct body_job_state *)
	    reply.body)->offset_ms / 1000));
	msg_clear(&m);
	msg_clear(&reply);
	return 0;
}

int
ctl_jobs(int fd, int argc, char **argv)
{
	int	json = argc > 1 && strcmp(argv[argc - 1], "--json") == 0;

	if (strcmp(argv[0], "jobs") == 0 && argc == 1 + json)
		return cmd_jobs(fd, MSG_JOBS_REQ, "", json);
	if (strcmp(argv[0], "run-job") == 0 && argc == 2 + json)
		return cmd_jobs(fd, MSG_JOB_RUN_REQ, argv[1], json);
	if (strcmp(argv[0], "cleanup") == 0 && argc == 1 + json)
		return cmd_cleanup(fd, json);
	if (strcmp(argv[0], "clock") == 0 && argc == 2)
		return cmd_clock(fd, argv[1]);
	usage();
}
