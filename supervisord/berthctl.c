/*
 * berthctl: the operator's client of berthd's local admin socket.
 *   berthctl [-s socket] status [--json]
 *   berthctl [-s socket] restart WORKER
 *   berthctl [-s socket] db [psql arguments]
 *   berthctl [-s socket] jobs [--json] | run-job NAME [--json] |
 *       cleanup [--json] | clock +SECONDS (berthctl_jobs.c)
 *   berthctl [-s socket] events [-f] [--json] | alerts [--all] [--json] |
 *       resolve ID -m TEXT [--json] (berthctl_alerts.c)
 *   berthctl [-s socket] silence add|list|expire ... [--json]
 *       (berthctl_silences.c)
 *   berthctl [-s socket] logs [-f] [--since TIME] [--tail N] WORKSPACE
 *       (berthctl_logs.c)
 *   berthctl [-s socket] backup PROJECT [--compression X]
 *       [--consistency Y] [--json] | backups PROJECT [--json] |
 *       restore PROJECT BACKUP [--json] (berthctl_volumes.c)
 * The socket is -s PATH, else $BERTH_ADMIN_SOCKET, else the default
 * under the state directory.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <grp.h>
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berthctl.h"
#include "chan.h"
#include "codec.h"
#include "log.h"
#include "xmalloc.h"

#define DEFAULT_SOCKET	BERTH_LOCALSTATEDIR "/lib/berth/admin.sock"
#define TIMEOUT_MS	10000

void
usage(void)
{
	fprintf(stderr,
	    "usage: berthctl [-s socket] status [--json]\n"
	    "       berthctl [-s socket] restart WORKER\n"
	    "       berthctl [-s socket] db [psql arguments]\n"
	    "       berthctl [-s socket] jobs [--json]\n"
	    "       berthctl [-s socket] run-job NAME [--json]\n"
	    "       berthctl [-s socket] cleanup [--json]\n"
	    "       berthctl [-s socket] events [-f] [--json]\n"
	    "       berthctl [-s socket] alerts [--all] [--json]\n"
	    "       berthctl [-s socket] resolve ID -m TEXT [--json]\n"
	    "       berthctl [-s socket] silence add -c COMMENT [-d DURATION] "
	    "[-a AUTHOR] MATCHER... [--json]\n"
	    "       berthctl [-s socket] silence list [--json]\n"
	    "       berthctl [-s socket] silence expire ID [--json]\n"
	    "       berthctl [-s socket] clock +SECONDS\n"
	    "       berthctl [-s socket] logs [-f] [--since TIME] [--tail N] "
	    "WORKSPACE\n"
	    "       berthctl [-s socket] backup PROJECT [--compression "
	    "zstd|gzip|none]\n"
	    "           [--consistency live|pause|stop] [--json]\n"
	    "       berthctl [-s socket] backups PROJECT [--json]\n"
	    "       berthctl [-s socket] restore PROJECT BACKUP [--json]\n");
	exit(2);
}

static int
connect_admin(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		fatalx("socket path too long: %s", path);
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		fatal("socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fatal("cannot reach berthd at %s", path);
	return fd;
}

/* Send m and wait for its reply; an MSG_ERROR reply is fatal. */
void
call_for(int fd, struct msg *m, struct msg *reply, long timeout_ms)
{
	struct body_error *e;

	if (msg_write_fd(fd, m) == -1)
		fatal("send to berthd");
	if (msg_read_fd(fd, reply, timeout_ms) == -1)
		fatal("no answer from berthd");
	if (reply->type == MSG_ERROR) {
		e = reply->body;
		fatalx("%s: %s", e->code, e->message);
	}
}

static void
call(int fd, struct msg *m, struct msg *reply)
{
	call_for(fd, m, reply, TIMEOUT_MS);
}

static void
fmt_uptime(int64_t ms, char *buf, size_t len)
{
	int64_t s = ms / 1000;

	if (ms <= 0)
		snprintf(buf, len, "-");
	else if (s < 60)
		snprintf(buf, len, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%02llds", (long long)(s / 60),
		    (long long)(s % 60));
	else
		snprintf(buf, len, "%lldh%02lldm", (long long)(s / 3600),
		    (long long)(s % 3600 / 60));
}

static void
print_table(const struct body_status *st)
{
	const struct worker_status	*ws;
	char				 up[32];
	size_t				 i;

	printf("berthd %s, pid %lld, %s\n", st->version, (long long)st->pid,
	    st->all_up ? "all workers up" : "NOT all workers up");
	printf("%-12s %7s %-9s %9s %8s %6s %7s  %s\n", "WORKER", "PID",
	    "STATE", "UPTIME", "RESTARTS", "UID", "SECCOMP", "LAST EXIT");
	for (i = 0; i < st->nworkers; i++) {
		ws = &st->workers[i];
		fmt_uptime(ws->uptime_ms, up, sizeof(up));
		printf("%-12s %7lld %-9s %9s %8lld %6lld %7lld  %s\n",
		    ws->name, (long long)ws->pid, ws->state, up,
		    (long long)ws->restarts, (long long)ws->uid,
		    (long long)ws->seccomp,
		    ws->last_exit[0] ? ws->last_exit : "-");
	}
}

static void
print_json(const struct body_status *st)
{
	const struct worker_status	*ws;
	json_t				*root, *arr;
	size_t				 i;

	arr = json_array();
	for (i = 0; i < st->nworkers; i++) {
		ws = &st->workers[i];
		json_array_append_new(arr, json_pack(
		    "{s:s,s:I,s:s,s:I,s:I,s:s,s:I,s:I}", "name", ws->name,
		    "pid", (json_int_t)ws->pid, "state", ws->state,
		    "uptimeMs", (json_int_t)ws->uptime_ms,
		    "restarts", (json_int_t)ws->restarts,
		    "lastExit", ws->last_exit, "uid", (json_int_t)ws->uid,
		    "seccomp", (json_int_t)ws->seccomp));
	}
	root = json_pack("{s:s,s:I,s:I,s:b,s:o}", "version", st->version,
	    "pid", (json_int_t)st->pid, "uptimeMs", (json_int_t)st->uptime_ms,
	    "allUp", st->all_up, "workers", arr);
	json_dumpf(root, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(root);
}

static int
cmd_status(int fd, int argc, char **argv)
{
	struct msg	m, reply;
	int		json = 0;

	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		json = 1;
	else if (argc != 1)
		usage();
	msg_init(&m, MSG_STATUS_REQ, 1, PEER_PARENT);
	call(fd, &m, &reply);
	if (reply.type != MSG_STATUS)
		fatalx("unexpected answer %s", msg_type_name(reply.type));
	json ? print_json(reply.body) : print_table(reply.body);
	msg_clear(&m);
	msg_clear(&reply);
	return 0;
}

static int
cmd_restart(int fd, int argc, char **argv)
{
	struct body_restart_req	*r;
	struct msg		 m, reply;

	if (argc != 2)
		usage();
	r = msg_init(&m, MSG_RESTART_REQ, 1, PEER_PARENT);
	r->worker = xstrdup(argv[1]);
	call(fd, &m, &reply);
	printf("restarting %s\n", argv[1]);
	msg_clear(&m);
	msg_clear(&reply);
	return 0;
}

/* The embedded server authenticates by peer: psql runs as its user. */
static void
become(const char *name)
{
	struct passwd	*pw;

	if ((pw = getpwnam(name)) == NULL)
		fatalx("no user %s", name);
	if (geteuid() == pw->pw_uid)
		return;
	if (geteuid() != 0)
		fatalx("berth's embedded database admits its own user %s by "
		    "peer authentication: run berthctl db as root", name);
	if (setgroups(0, NULL) == -1 || setgid(pw->pw_gid) == -1 ||
	    setuid(pw->pw_uid) == -1)
		fatal("cannot become %s", name);
	setenv("HOME", pw->pw_dir, 1);
	if (chdir("/") == -1)
		fatal("chdir /");
}

/* psql on berth's database, where berthd says it is. */
static int
cmd_db(int fd, int argc, char **argv)
{
	struct body_db_info	*b;
	struct msg		 m, reply;
	char			**av;
	int			 i;

	msg_init(&m, MSG_DB_INFO_REQ, 1, PEER_PARENT);
	call(fd, &m, &reply);
	if (reply.type != MSG_DB_INFO)
		fatalx("unexpected answer %s", msg_type_name(reply.type));
	close(fd);
	b = reply.body;
	if (b->osuser[0] != '\0')
		become(b->osuser);
	if (b->password[0] != '\0')
		setenv("PGPASSWORD", b->password, 1);
	av = xcalloc((size_t)argc + 2, sizeof(*av));
	av[0] = "psql";
	xasprintf(&av[1], "--dbname=%s", b->conninfo);
	for (i = 1; i < argc; i++)
		av[i + 1] = argv[i];
	execvp("psql", av);
	fatal("cannot run psql");
}

int
main(int argc, char *argv[])
{
	const char	*path = getenv("BERTH_ADMIN_SOCKET");
	int		 ch, fd, r;

	log_init("berthctl", 1, LOG_LVL_INFO);
	while ((ch = getopt(argc, argv, "+s:")) != -1) {
		if (ch != 's')
			usage();
		path = optarg;
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	if (path == NULL || path[0] == '\0')
		path = DEFAULT_SOCKET;
	if (strcmp(argv[0], "status") != 0 &&
	    strcmp(argv[0], "restart") != 0 && strcmp(argv[0], "db") != 0 &&
	    !ctl_jobs_command(argv[0]) && !ctl_alerts_command(argv[0]) &&
	    !ctl_logs_command(argv[0]) && !ctl_silences_command(argv[0]) &&
	    !ctl_volumes_command(argv[0]))
		usage();
	fd = connect_admin(path);
	if (strcmp(argv[0], "db") == 0)
		return cmd_db(fd, argc, argv);
	if (strcmp(argv[0], "status") == 0)
		r = cmd_status(fd, argc, argv);
	else if (strcmp(argv[0], "restart") == 0)
		r = cmd_restart(fd, argc, argv);
	else if (ctl_alerts_command(argv[0]))
		r = ctl_alerts(fd, argc, argv);
	else if (ctl_silences_command(argv[0]))
		r = ctl_silences(fd, argc, argv);
	else if (ctl_logs_command(argv[0]))
		r = ctl_logs(fd, argc, argv);
	else if (ctl_volumes_command(argv[0]))
		r = ctl_volumes(fd, argc, argv);
	else
		r = ctl_jobs(fd, argc, argv);
	close(fd);
	return r;
}
