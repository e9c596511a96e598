/*
 * The local admin socket used by berthctl.  The socket is 0660 with the
 * group of the worker user; on top of the file mode, SO_PEERCRED admits
 * root, berthd's own uid and members of that group, and never the
 * workers' uid.  Requests use the same framed msgpack as the workers.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berthd.h"
#include "chan.h"
#include "codec.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define ADMIN_MAX_CLIENTS	16
/* A client that stops reading its replies is paused above ADMIN_HIGH
 * bytes queued and closed past ADMIN_HARD; replies are small, and one
 * taken before the pause is at most PROTO_MAX_MSG. */
#define ADMIN_HIGH		PROTO_MAX_MSG
#define ADMIN_HARD		(4 * PROTO_MAX_MSG)

static struct event	*admin_ev;
static int		 admin_fd = -1;
static struct chan	*clients[ADMIN_MAX_CLIENTS];

int
admin_listen(const char *path, uid_t uid, gid_t gid)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	mode_t			 old;
	int			 fd, r;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		fatalx("admin socket path too long: %s", path);
	strcpy(sun.sun_path, path);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			fatalx("%s exists and is not a socket", path);
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		fatal("admin socket");
	/* Made 0660 by the umask, owned with lchown: no call that
	 * follows a link the path might have become since the bind. */
	old = umask(0117);
	r = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (r == -1)
		fatal("bind %s", path);
	if (getuid() == 0 && lchown(path, uid, gid) == -1)
		fatal("chown %s", path);
	if (listen(fd, 16) == -1)
		fatal("listen %s", path);
	log_info("admin socket on %s", path);
	return fd;
}

/* Supplementary groups of the peer, from the kernel's view of it. */
static int
peer_in_group(pid_t pid, gid_t gid)
{
	char	 path[64], line[1024], *p, *end;
	FILE	*f;
	int	 found = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "Groups:", 7) != 0)
			continue;
		for (p = line + 7; *p != '\0' && !found; p = end) {
			unsigned long g = strtoul(p, &end, 10);
			if (end == p)
				break;
			found = (g == gid);
		}
	}
	fclose(f);
	return found;
}

/* A worker's pid: berthd run as another user shares its uid (and
 * groups) with the workers, so only the pid tells them apart. */
static int
peer_is_worker(pid_t pid)
{
	size_t	i;

	for (i = 0; i < NWORKERS; i++)
		if (env->workers[i].pid > 0 && env->workers[i].pid == pid)
			return 1;
	return 0;
}

static int
peer_allowed(int fd)
{
	struct ucred	cred;
	socklen_t	len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		log_warn("admin: SO_PEERCRED");
		return 0;
	}
	if (peer_is_worker(cred.pid)) {
		log_warnx("admin: refused a worker (pid %d, uid %u)",
		    (int)cred.pid, (unsigned)cred.uid);
		return 0;
	}
	if (cred.uid == 0 || cred.uid == geteuid())
		return 1;
	if (cred.uid == env->worker_uid) {
		log_warnx("admin: refused the workers' uid %u (pid %d)",
		    (unsigned)cred.uid, (int)cred.pid);
		return 0;
	}
	if (cred.gid == env->worker_gid ||
	    peer_in_group(cred.pid, env->worker_gid))
		return 1;
	log_warnx("admin: refused uid %u (pid %d)", (unsigned)cred.uid,
	    (int)cred.pid);
	return 0;
}

static void
client_drop(struct chan *c)
{
	size_t	i;

	logs_admin_gone(c);
	for (i = 0; i < ADMIN_MAX_CLIENTS; i++)
		if (clients[i] == c)
			clients[i] = NULL;
	chan_free(c);
}

static int	client_alive(const struct chan *);

void
admin_error(struct chan *c, uint32_t id, const char *code, const char *msg)
{
	struct body_error	*e;
	struct msg		 r;

	if (!client_alive(c))
		return;		/* it went while its request ran */

	e = msg_init(&r, MSG_ERROR, id, PEER_PARENT);
	r.flags = MSGF_REPLY;
	e->code = xstrdup(code);
	e->message = xstrdup(msg);
	chan_send(c, &r);
	msg_clear(&r);
}

void
admin_reply(struct chan *c, uint32_t id, struct msg *m)
{
	if (!client_alive(c))
		return;
	m->id = id;
	m->peer = PEER_PARENT;
	m->flags |= MSGF_REPLY;
	chan_send(c, m);
}

/* berthctl logs: a log session as the admin's, answered on c (which
 * ends its sessions when it closes). */
static void
admin_logs(struct chan *c, struct msg *m)
{
	struct caller	k;

	memset(&k, 0, sizeof(k));
	k.peer = PEER_PARENT;
	k.id = m->id;
	k.type = m->type;
	k.admin = c;
	k.who.admin = 1;
	snprintf(k.who.user, sizeof(k.who.user), "berthctl");
	if (m->type == MSG_LOGS_REQ)
		logs_h_open(&k, m);
	else if (m->type == MSG_LOGS_NEXT)
		logs_h_next(&k, m);
	else
		logs_h_close(&k, m);
}

static void
admin_restart(struct chan *c, struct msg *m)
{
	struct body_restart_req	*req = m->body;
	struct wproc		*wp;
	struct msg		 r;

	if ((wp = wproc_by_name(req->worker)) == NULL) {
		admin_error(c, m->id, "not_found", "no such worker");
		return;
	}
	log_info("admin: restart of %s requested", wp->def->name);
	supervise_restart(wp);
	msg_init(&r, MSG_OK, m->id, PEER_PARENT);
	r.flags = MSGF_REPLY;
	chan_send(c, &r);
	msg_clear(&r);
}

/* berthctl db: the callers admitted here (root, berthd's uid, the
 * workers' group) may see the database's URL and password. */
static void
admin_db_info(struct chan *c, struct msg *m)
{
	struct body_db_info	*b;
	struct msg		 r;
	char			 err[512];

	b = msg_init(&r, MSG_DB_INFO, m->id, PEER_PARENT);
	r.flags = MSGF_REPLY;
	if (dbprep_info(b, err, sizeof(err)) == -1) {
		msg_clear(&r);
		admin_error(c, m->id, "unavailable", err);
		return;
	}
	log_info("admin: database access handed out");
	chan_send(c, &r);
	explicit_bzero(b->password, strlen(b->password));
	msg_clear(&r);
}

/* ------------------------------------------------------------ jobs */

/* A request of berthctl forwarded to the scheduler, answered when it
 * answers (if the client is still there). */
struct relay {
	struct chan	*c;
	uint32_t	 id;
};

static int
client_alive(const struct chan *c)
{
	size_t	i;

	for (i = 0; i < ADMIN_MAX_CLIENTS; i++)
		if (clients[i] == c)
			return 1;
	return 0;
}

static void
relayed(struct msg *reply, void *arg)
{
	struct relay	*rl = arg;

	if (client_alive(rl->c)) {
		if (reply == NULL)
			admin_error(rl->c, rl->id, "unavailable",
			    "the scheduler is not running");
		else {
			reply->id = rl->id;
			reply->peer = PEER_PARENT;
			chan_send(rl->c, reply);
		}
	}
	free(rl);
}

/* berthctl jobs, run-job, cleanup: as the admin, to the scheduler. */
static void
admin_jobs(struct chan *c, struct msg *m)
{
	struct req_auth	*a = msg_auth(m);
	struct relay	*rl;
	uint32_t	 id = m->id;

	free(a->caller);
	a->caller = xstrdup("berthctl");
	a->admin = 1;
	rl = xmalloc(sizeof(*rl));
	rl->c = c;
	rl->id = id;
	if (parent_call(wproc_by_peer(PEER_SCHEDULER), m, relayed, rl) ==
	    -1) {
		free(rl);
		admin_error(c, id, "unavailable", "the scheduler is not "
		    "running");
	}
}

/* berthctl events, alerts, resolve, backup, backups, restore:
 * berthd's own handlers, as the admin.  A restore answers when it is
 * over: the answer is dropped if c has gone meanwhile. */
static void
admin_local(struct chan *c, struct msg *m, request_fn *fn)
{
	struct caller	cl;

	memset(&cl, 0, sizeof(cl));
	cl.peer = PEER_PARENT;
	cl.id = m->id;
	cl.type = m->type;
	cl.admin = c;
	cl.who.admin = 1;
	snprintf(cl.who.user, sizeof(cl.who.user), "berthctl");
	fn(&cl, m);
}

static void
admin_clock(struct chan *c, struct msg *m)
{
	struct body_clock_req	*b = m->body;
	struct body_job_state	*st;
	struct msg		 r;

	if (jobstate_clock_move(b->delta_s) == -1) {
		admin_error(c, m->id, "forbidden", "the clock moves only "
		    "when berthd runs with BERTH_TEST_CLOCK=1 (tests)");
		return;
	}
	st = msg_init(&r, MSG_JOB_STATE, m->id, PEER_PARENT);
	r.flags = MSGF_REPLY;
	st->offset_ms = jobstate_offset_ms();
	chan_send(c, &r);
	msg_clear(&r);
}

static void
admin_on_msg(struct chan *c, struct msg *m, void *arg)
{
	struct msg	r;

	switch (m->type) {
	case MSG_STATUS_REQ:
		router_status(&r, m->id);
		r.flags = MSGF_REPLY;
		chan_send(c, &r);
		msg_clear(&r);
		break;
	case MSG_RESTART_REQ:
		admin_restart(c, m);
		break;
	case MSG_DB_INFO_REQ:
		admin_db_info(c, m);
		break;
	case MSG_JOBS_REQ:
	case MSG_JOB_RUN_REQ:
	case MSG_CLEANUP_REQ:
		admin_jobs(c, m);
		break;
	case MSG_CLOCK_REQ:
		admin_clock(c, m);
		break;
	case MSG_EVENTS_REQ:
		admin_local(c, m, events_h_list);
		break;
	case MSG_ALERTS_REQ:
		admin_local(c, m, alerts_h_list);
		break;
	case MSG_ALERT_RESOLVE:
		admin_local(c, m, alerts_h_resolve);
		break;
	case MSG_SILENCE_ADD:
		admin_local(c, m, silences_h_add);
		break;
	case MSG_SILENCES_REQ:
		admin_local(c, m, silences_h_list);
		break;
	case MSG_SILENCE_EXPIRE:
		admin_local(c, m, silences_h_expire);
		break;
	case MSG_VOL_BACKUP:
		admin_local(c, m, vol_h_backup);
		break;
	case MSG_VOL_BACKUPS_REQ:
		admin_local(c, m, vol_h_backups);
		break;
	case MSG_VOL_RESTORE:
		admin_local(c, m, vol_h_restore);
		break;
	case MSG_LOGS_REQ:
	case MSG_LOGS_NEXT:
	case MSG_LOGS_CLOSE:
		admin_logs(c, m);
		break;
	default:
		admin_error(c, m->id, "bad_request", "unknown admin request");
	}
	msg_clear(m);
}

static void
admin_on_reject(struct chan *c, const char *reason, void *arg)
{
	log_warnx("admin: malformed request: %s", reason);
	admin_error(c, 0, "bad_request", reason);
}

static void
admin_on_close(struct chan *c, const char *reason, void *arg)
{
	client_drop(c);
}

static void
admin_on_overflow(struct chan *c, size_t queued, void *arg)
{
	log_warnx("admin: client does not read its replies (%zu bytes "
	    "queued); closed", queued);
	client_drop(c);
}

static void
admin_accept(evutil_socket_t lfd, short ev, void *arg)
{
	size_t	i;
	int	fd;

	if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) ==
	    -1) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("admin: accept");
		return;
	}
	if (!peer_allowed(fd)) {
		close(fd);
		return;
	}
	for (i = 0; i < ADMIN_MAX_CLIENTS && clients[i] != NULL; i++)
		;
	if (i == ADMIN_MAX_CLIENTS) {
		log_warnx("admin: too many clients");
		close(fd);
		return;
	}
	clients[i] = chan_new(env->base, fd, admin_on_msg, admin_on_reject,
	    admin_on_close, NULL);
	if (clients[i] == NULL) {
		close(fd);
		return;
	}
	chan_set_limits(clients[i], ADMIN_HIGH, ADMIN_HARD,
	    admin_on_overflow);
}

void
admin_start(int fd)
{
	admin_fd = fd;
	admin_ev = event_new(env->base, fd, EV_READ | EV_PERSIST,
	    admin_accept, NULL);
	event_add(admin_ev, NULL);
}

void
admin_stop(void)
{
	size_t	i;

	if (admin_ev == NULL)
		return;
	event_free(admin_ev);
	admin_ev = NULL;
	close(admin_fd);
	unlink(env->cfg.admin_socket);
	for (i = 0; i < ADMIN_MAX_CLIENTS; i++)
		if (clients[i] != NULL)
			client_drop(clients[i]);
}
