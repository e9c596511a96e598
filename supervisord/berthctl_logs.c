/*
 * berthctl logs [-f] [--since TIME] [--tail N] WORKSPACE: a
 * workspace's logs over the admin socket, read by berthd from the
 * engine a chunk at a time (the admin's log session, logs.c):
 * stdout's lines to stdout, stderr's to stderr, as `docker logs`
 * does.  TIME is RFC 3339 or Unix seconds; -f follows until the
 * workspace is over or berthctl is interrupted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berthctl.h"
#include "codec.h"
#include "log.h"
#include "rfc3339.h"
#include "xmalloc.h"

#define LOGS_TIMEOUT_MS	30000	/* berthd answers a follow in 2 s */
#define LOGS_TAIL_MAX	1000000

int
ctl_logs_command(const char *cmd)
{
	return strcmp(cmd, "logs") == 0;
}

static int64_t
parse_tail(const char *v)
{
	char		*end;
	long long	 n;

	if (strcmp(v, "all") == 0)
		return -1;
	n = strtoll(v, &end, 10);
	if (end == v || *end != '\0' || n < 0 || n > LOGS_TAIL_MAX)
		fatalx("--tail: a number of lines (0-%d) or all",
		    LOGS_TAIL_MAX);
	return n;
}

static int64_t
parse_since(const char *v)
{
	int64_t	ns;

	if (unix_ns(v, &ns) == -1 && rfc3339_ns(v, strlen(v), &ns) == -1)
		fatalx("--since: RFC 3339 or Unix seconds");
	return ns;
}

/* argv into q; the workspace id last. */
static void
parse_args(int argc, char **argv, struct body_logs_req *q)
{
	int	i;

	q->tail = -1;
	q->out = q->err = 1;
	for (i = 1; i < argc - 1; i++) {
		if (strcmp(argv[i], "-f") == 0 ||
		    strcmp(argv[i], "--follow") == 0)
			q->follow = 1;
		else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc - 1)
			q->since_ns = parse_since(argv[++i]);
		else if (strcmp(argv[i], "--tail") == 0 && i + 1 < argc - 1)
			q->tail = parse_tail(argv[++i]);
		else
			usage();
	}
	if (argc < 2 || argv[argc - 1][0] == '-')
		usage();
	q->id = xstrdup(argv[argc - 1]);
}

/* Print a chunk's lines; 1 when it was the last. */
static int
print_chunk(const struct body_log_chunk *b)
{
	size_t	i;

	for (i = 0; i < b->nlines; i++)
		fprintf(b->lines[i].stream == 2 ? stderr : stdout, "%s\n",
		    b->lines[i].line);
	fflush(stdout);
	if (b->done && b->error[0] != '\0')
		fatalx("%s", b->error);
	return b->done;
}

int
ctl_logs(int fd, int argc, char **argv)
{
	struct body_logs_req	*q;
	struct body_logs_next	*n;
	struct msg		 m, reply;
	int64_t			 session;
	uint32_t		 id = 1;

	q = msg_init(&m, MSG_LOGS_REQ, id, PEER_PARENT);
	q->auth.token = xstrdup("");
	q->auth.caller = xstrdup("");
	parse_args(argc, argv, q);
	for (;;) {
		call_for(fd, &m, &reply, LOGS_TIMEOUT_MS);
		msg_clear(&m);
		if (reply.type != MSG_LOG_CHUNK)
			fatalx("unexpected answer %s",
			    msg_type_name(reply.type));
		session = ((struct body_log_chunk *)reply.body)->session;
		if (print_chunk(reply.body)) {
			msg_clear(&reply);
			return 0;
		}
		msg_clear(&reply);
		n = msg_init(&m, MSG_LOGS_NEXT, ++id, PEER_PARENT);
		n->session = session;
	}
}
