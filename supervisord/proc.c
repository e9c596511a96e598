/*
 * Starting workers: berthd spawns each with fork+exec of its program
 * (berth-NAME in env->libexec_dir), titled "berthd: NAME", with exactly
 * these descriptors:
 *   0 /dev/null, 1 and 2 berthd's (or a pipe berthd relays to syslog),
 *   3 the IPC socket, 4 the HTTP listener (gateway) or the spool
 *   directory (statswriter).
 * The arguments carry what the worker table says of its confinement
 * (-r: chroot there, -x: fd 4 is given, -u/-g: the ids to drop to);
 * the program confines itself (workers/confine.c) before it runs.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berthd.h"
#include "chan.h"
#include "codec.h"
#include "log.h"
#include "sandbox.h"
#include "util.h"
#include "xmalloc.h"

#define IPC_FD		3
#define EXTRA_FD	4	/* listener or spool directory */
#define MAX_ROOT_PATHS	12	/* socket directory, TLS files, passfile */

/*
 * Bounds on what berthd queues for one worker (chan_set_limits).  A
 * frame is at most PROTO_MAX_MSG (1 MiB): above 4 of the largest
 * berthd stops reading the worker's requests, whose replies are most
 * of what it is sent.  Routed replies from other workers and berthd's
 * own notices still arrive while it is paused (the router allows 1024
 * requests in flight), hence the room up to the hard limit; a worker
 * that lets 32 MiB pile up is not reading at all and is restarted.
 */
#define WORKER_CHAN_HIGH	(4 * PROTO_MAX_MSG)
#define WORKER_CHAN_HARD	(32 * PROTO_MAX_MSG)

static void	parent_on_msg(struct chan *, struct msg *, void *);
static void	parent_on_reject(struct chan *, const char *, void *);
static void	parent_on_close(struct chan *, const char *, void *);
static void	parent_on_overflow(struct chan *, size_t, void *);

/* ------------------------------------------------------------ parent side */

/* Worker stderr relayed line by line to syslog when daemonised. */
static void
relay_stderr(evutil_socket_t fd, short ev, void *arg)
{
	struct wproc	*wp = arg;
	char		 buf[2048], *line, *save = NULL;
	ssize_t		 n;

	if ((n = read(fd, buf, sizeof(buf) - 1)) <= 0) {
		event_free(wp->errev);
		wp->errev = NULL;
		close(wp->errfd);
		wp->errfd = -1;
		return;
	}
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		log_info("%s: %s", wp->def->name, line);
}

/* -N's argument by SANDBOX_NET_* value. */
static char *const net_names[] = {
	"unix", "unix", "inet", "unix,inet"
};

/* The statswriter's own root (workers/confine.c builds it): -m ROOT,
 * then -b PATH for each thing it holds, all read-only but the spool;
 * -N, the socket domains its database needs. */

static int
root_args(char **argv, int a, int max)
{
	char	*paths[MAX_ROOT_PATHS];
	size_t	 i, n;

	argv[a++] = "-m";
	argv[a++] = env->empty_dir;
	argv[a++] = "-b";
	argv[a++] = "/proc";
	argv[a++] = "-b";
	argv[a++] = "/sys/fs/cgroup";
	n = dbprep_paths(&env->cfg, paths, MAX_ROOT_PATHS);
	for (i = 0; i < n && a + 2 < max; i++) {
		argv[a++] = "-b";
		argv[a++] = paths[i];
	}
	argv[a++] = "-N";
	argv[a++] = net_names[dbprep_net(&env->cfg)];
	return a;
}

/* In the forked child: arrange descriptors 0-4 and exec. */
static void __attribute__((noreturn))
exec_worker(struct wproc *wp, int ipc, int errw)
{
	const struct worker_def	*def = wp->def;
	char			*argv[24 + 2 * MAX_ROOT_PATHS], title[64];
	char			 uid[16], gid[16], zones[600];
	char			 path[PATH_MAX];
	char			*envp[8];
	const char		*keep[] = { "UBSAN_OPTIONS", NULL };
	sigset_t		 all;
	int			 i, a = 0, e = 0, nullfd, xfd = -1;

	/* Move what we keep above the target numbers first. */
	ipc = fcntl(ipc, F_DUPFD_CLOEXEC, 10);
	if (def->flags & WF_LISTENER)
		xfd = fcntl(env->http_fd, F_DUPFD_CLOEXEC, 10);
	else if (def->flags & WF_SPOOL)
		xfd = fcntl(env->spool_fd, F_DUPFD_CLOEXEC, 10);
	if ((nullfd = open("/dev/null", O_RDWR)) == -1)
		_exit(127);
	if (ipc == -1 || dup2(nullfd, 0) == -1 || dup2(ipc, IPC_FD) == -1 ||
	    (xfd != -1 && dup2(xfd, EXTRA_FD) == -1) ||
	    (errw != -1 && dup2(errw, 2) == -1))
		_exit(127);
	close_from(xfd != -1 ? EXTRA_FD + 1 : IPC_FD + 1);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);

	snprintf(title, sizeof(title), "berthd: %s", def->name);
	snprintf(uid, sizeof(uid), "%u", (unsigned)env->worker_uid);
	snprintf(gid, sizeof(gid), "%u", (unsigned)env->worker_gid);
	argv[a++] = title;
	argv[a++] = "-u"; argv[a++] = uid;
	argv[a++] = "-g"; argv[a++] = gid;
	if (def->flags & WF_CHROOT) {
		argv[a++] = "-r"; argv[a++] = env->empty_dir;
	}
	if (def->flags & WF_DBROOT)
		a = root_args(argv, a, (int)(sizeof(argv) / sizeof(argv[0])) -
		    12);
	if (xfd != -1)
		argv[a++] = "-x";
	argv[a++] = "-l"; argv[a++] = env->cfg.log_level;
	if (env->cfg.unconfined)
		argv[a++] = "-U";
	if (getenv("BERTH_SANDBOX_TRAP") != NULL)
		argv[a++] = "-T";
	argv[a] = NULL;
	for (i = 0; keep[i] != NULL; i++) {
		char *v = getenv(keep[i]);
		if (v != NULL)
			xasprintf(&envp[e++], "%s=%s", keep[i], v);
	}
	/* Workers speak UTC only; a set TZ keeps glibc from re-reading
	 * /etc/localtime, which no worker may open. */
	envp[e++] = "TZ=UTC";
	/* The zones the scheduler's jobs use, read before it confines
	 * itself (its root has no /usr/share/zoneinfo). */
	if (def->subscribe & SUB_JOBS) {
		jobstate_zones(zones, sizeof(zones));
		xasprintf(&envp[e++], "BERTH_ZONES=%s", zones);
	}
	/* Extra TLS roots for notification receivers, which healthmon
	 * loads before it confines itself. */
	if ((def->flags & WF_TLSROOTS) && env->cfg.notify_ca_file[0] != '\0')
		xasprintf(&envp[e++], "BERTH_NOTIFY_CA_FILE=%s",
		    env->cfg.notify_ca_file);
	/* libpq's passfile, when the URL names none (it is in the root). */
	if ((def->flags & WF_DBROOT) && getenv("PGPASSFILE") != NULL)
		xasprintf(&envp[e++], "PGPASSFILE=%s", getenv("PGPASSFILE"));
#ifdef BERTH_SANITIZE
	/* LeakSanitizer's exit-time thread is not in any allowlist. */
	xasprintf(&envp[e++], "ASAN_OPTIONS=%s%sdetect_leaks=0",
	    getenv("ASAN_OPTIONS") ? getenv("ASAN_OPTIONS") : "",
	    getenv("ASAN_OPTIONS") ? ":" : "");
#endif
	envp[e] = NULL;
	snprintf(path, sizeof(path), "%s/%s", env->libexec_dir, def->program);
	execve(path, argv, envp);
	dprintf(2, "berthd: cannot run %s: %s\n", path, strerror(errno));
	_exit(127);
}

int
proc_spawn(struct wproc *wp)
{
	int	sv[2], errp[2] = { -1, -1 };
	pid_t	pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("%s: socketpair", wp->def->name);
		return -1;
	}
	if (!env->foreground && pipe2(errp, O_CLOEXEC) == -1) {
		log_warn("%s: pipe", wp->def->name);
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if ((pid = fork()) == -1) {
		log_warn("%s: fork", wp->def->name);
		close(sv[0]);
		close(sv[1]);
		if (errp[0] != -1) {
			close(errp[0]);
			close(errp[1]);
		}
		return -1;
	}
	if (pid == 0)
		exec_worker(wp, sv[1], errp[1]);
	close(sv[1]);
	wp->pid = pid;
	set_nonblock(sv[0]);
	wp->chan = chan_new(env->base, sv[0], parent_on_msg,
	    parent_on_reject, parent_on_close, wp);
	if (wp->chan != NULL)
		chan_set_limits(wp->chan, WORKER_CHAN_HIGH, WORKER_CHAN_HARD,
		    parent_on_overflow);
	if (errp[0] != -1) {
		close(errp[1]);
		wp->errfd = errp[0];
		wp->errev = event_new(env->base, errp[0], EV_READ | EV_PERSIST,
		    relay_stderr, wp);
		event_add(wp->errev, NULL);
	}
	proc_send_config(wp);
	return 0;
}

/* Parent-only keys never leave berthd; secrets only where listed
 * ("token.*" lists a whole kind of named section). */
static int
key_for_worker(const struct worker_def *def, const char *key,
    const struct config_key *k)
{
	const char	*sec;
	size_t		 i, n;

	if (strcmp(k->section, "docker") == 0 &&
	    strcmp(k->name, "socket") == 0)
		return 0;
	if (!k->secret)
		return 1;
	for (i = 0; def->secrets != NULL && def->secrets[i] != NULL; i++) {
		sec = def->secrets[i];
		n = strlen(sec);
		if (strcmp(sec, key) == 0 || (n > 2 &&
		    strcmp(sec + n - 2, ".*") == 0 &&
		    strncmp(sec, key, n - 1) == 0))
			return 1;
	}
	return 0;
}

struct config_out {
	const struct worker_def	*def;
	struct body_config	*b;
	size_t			 cap;
};

static void
add_entry(const char *key, const char *value, const struct config_key *k,
    void *arg)
{
	struct config_out	*o = arg;
	struct body_config	*b = o->b;

	if (!key_for_worker(o->def, key, k))
		return;
	/* The embedded database stands in for an unset database.url;
	 * without one (no server binaries) there is no database at all. */
	if (strcmp(key, "database.url") == 0 && value[0] == '\0' &&
	    env->pg_conninfo != NULL)
		value = env->pg_conninfo;
	if (strcmp(key, "database.embedded") == 0 && env->pg_failed)
		value = "false";
	if (b->nentries == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 64;
		b->entries = xreallocarray(b->entries, o->cap,
		    sizeof(*b->entries));
	}
	b->entries[b->nentries].key = xstrdup(key);
	b->entries[b->nentries++].value = xstrdup(value);
}

void
proc_send_config(struct wproc *wp)
{
	struct config_out	o = { wp->def, NULL, 0 };
	struct msg		m;

	if (wp->chan == NULL)
		return;
	o.b = msg_init(&m, MSG_CONFIG, 0, PEER_PARENT);
	config_foreach(&env->cfg, add_entry, &o);
	if (chan_send(wp->chan, &m) == -1)
		log_warnx("%s: configuration does not fit one message",
		    wp->def->name);
	msg_clear(&m);
}

static void
parent_on_msg(struct chan *c, struct msg *m, void *arg)
{
	router_dispatch(arg, m);
	msg_clear(m);
}

/* A worker that keeps sending garbage is treated as compromised. */
static void
parent_on_reject(struct chan *c, const char *reason, void *arg)
{
	struct wproc *wp = arg;

	log_warnx("%s: malformed message: %s", wp->def->name, reason);
	if (++wp->rejects >= 3) {
		log_warnx("%s: too many malformed messages; restarting it",
		    wp->def->name);
		kill(wp->pid, SIGKILL);
	}
}

static void
parent_on_close(struct chan *c, const char *reason, void *arg)
{
	struct wproc *wp = arg;

	log_debug("%s: channel closed: %s", wp->def->name, reason);
	router_worker_gone(wp);
	chan_free(wp->chan);
	wp->chan = NULL;
}

/* The worker does not read what it is sent: kill it, and supervision
 * starts it again after the usual backoff. */
static void
parent_on_overflow(struct chan *c, size_t queued, void *arg)
{
	struct wproc *wp = arg;

	log_warnx("worker %s (pid %d) does not read its channel: %zu bytes "
	    "queued for it; killing it", wp->def->name, (int)wp->pid, queued);
	if (wp->pid > 0)
		kill(wp->pid, SIGKILL);
}
