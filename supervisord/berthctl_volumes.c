/*
 * berthctl's project volume commands, over the admin socket (berthd
 * answers them itself, as the admin):
 *   backup PROJECT [--compression zstd|gzip|none]
 *       [--consistency live|pause|stop] [--json]
 *				back it up and wait for the end (exit 1
 *				when it failed)
 *   backups PROJECT [--json]	its backups, newest first
 *   restore PROJECT BACKUP [--json]
 *				restore one (answered when over)
 * --json prints the records as the API shows them.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berthctl.h"
#include "codec.h"
#include "log.h"
#include "util.h"
#include "volrec.h"
#include "xmalloc.h"

#define CALL_TIMEOUT_MS		10000
#define RESTORE_TIMEOUT_MS	(3600 * 1000)
#define POLL_MS			500

int
ctl_volumes_command(const char *cmd)
{
	return strcmp(cmd, "backup") == 0 || strcmp(cmd, "backups") == 0 ||
	    strcmp(cmd, "restore") == 0;
}

/* Send one vol_req and return the records that answer it. */
static void
vol_call(int fd, unsigned type, const char *project, const char *bid,
    const char *comp, const char *cons, struct msg *reply, long timeout_ms)
{
	struct body_vol_req	*q;
	struct msg		 m;

	q = msg_init(&m, type, 1, PEER_PARENT);
	q->auth.token = xstrdup("");
	q->auth.caller = xstrdup("");
	q->project_id = xstrdup(project);
	q->backup_id = xstrdup(bid);
	q->compression = xstrdup(comp);
	q->consistency = xstrdup(cons);
	q->target_id = xstrdup("");
	call_for(fd, &m, reply, timeout_ms);
	msg_clear(&m);
	if (reply->type != MSG_VOL_BACKUPS)
		fatalx("unexpected answer %s", msg_type_name(reply->type));
}

static void
print_row(const struct backup_item *b)
{
	char	t[32];

	iso8601_ms((uint64_t)b->started_ms, t, sizeof(t));
	printf("%-36s %-8s %-5s %-6s %12lld %8lld %s%s%s\n", b->id, b->status,
	    b->compression, b->consistency, (long long)b->bytes,
	    (long long)b->entries, t, b->error[0] != '\0' ? " " : "",
	    b->error);
}

static void
print_items(const struct body_vol_backups *b, int json, int list)
{
	json_t	*a;
	size_t	 i;

	if (json) {
		a = json_array();
		for (i = 0; i < b->nitems; i++)
			json_array_append_new(a, backup_item_json(&b->items[i]));
		json_dumpf(list ? a : json_array_get(a, 0), stdout,
		    JSON_INDENT(2));
		putchar('\n');
		json_decref(a);
		return;
	}
	printf("%-36s %-8s %-5s %-6s %12s %8s %s\n", "BACKUP", "STATUS",
	    "COMP", "CONS", "BYTES", "ENTRIES", "STARTED");
	for (i = 0; i < b->nitems; i++)
		print_row(&b->items[i]);
}

/* The answer holds one record: 0 when it is done, 1 when not. */
static int
print_one(struct msg *reply, int json)
{
	struct body_vol_backups	*b = reply->body;
	int			 rc;

	if (b->nitems != 1)
		fatalx("unexpected answer: %zu records", b->nitems);
	print_items(b, json, 0);
	rc = strcmp(b->items[0].status, "done") != 0;
	msg_clear(reply);
	return rc;
}

static int
cmd_backup(int fd, const char *project, const char *comp, const char *cons,
    int json)
{
	struct body_vol_backups	*b;
	struct msg		 reply;
	char			 bid[64];

	vol_call(fd, MSG_VOL_BACKUP, project, "", comp, cons, &reply,
	    CALL_TIMEOUT_MS);
	b = reply.body;
	if (b->nitems != 1)
		fatalx("unexpected answer: %zu records", b->nitems);
	snprintf(bid, sizeof(bid), "%s", b->items[0].id);
	while (strcmp(b->items[0].status, "running") == 0) {
		msg_clear(&reply);
		usleep(POLL_MS * 1000);
		vol_call(fd, MSG_VOL_BACKUPS_REQ, project, bid, "", "",
		    &reply, CALL_TIMEOUT_MS);
		if ((b = reply.body)->nitems != 1)
			fatalx("backup %s is gone", bid);
	}
	return print_one(&reply, json);
}

static int
cmd_backups(int fd, const char *project, int json)
{
	struct msg	reply;

	vol_call(fd, MSG_VOL_BACKUPS_REQ, project, "", "", "", &reply,
	    CALL_TIMEOUT_MS);
	print_items(reply.body, json, 1);
	msg_clear(&reply);
	return 0;
}

static int
cmd_restore(int fd, const char *project, const char *bid, int json)
{
	struct msg	reply;

	vol_call(fd, MSG_VOL_RESTORE, project, bid, "", "", &reply,
	    RESTORE_TIMEOUT_MS);
	return print_one(&reply, json);
}

/* backup's options: --compression X, --consistency Y. */
static int
backup_args(int fd, int argc, char **argv, int json)
{
	const char	*comp = "", *cons = "";
	int		 i;

	for (i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--compression") == 0)
			comp = argv[i + 1];
		else if (strcmp(argv[i], "--consistency") == 0)
			cons = argv[i + 1];
		else
			usage();
	}
	if (i != argc)
		usage();
	return cmd_backup(fd, argv[1], comp, cons, json);
}

int
ctl_volumes(int fd, int argc, char **argv)
{
	int	json = argc > 1 && strcmp(argv[argc - 1], "--json") == 0;

	argc -= json;
	if (strcmp(argv[0], "backup") == 0 && argc >= 2)
		return backup_args(fd, argc, argv, json);
	if (strcmp(argv[0], "backups") == 0 && argc == 2)
		return cmd_backups(fd, argv[1], json);
	if (strcmp(argv[0], "restore") == 0 && argc == 3)
		return cmd_restore(fd, argv[1], argv[2], json);
	usage();
}
