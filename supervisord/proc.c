/*
 * Process mechanics, all of them, in one place.  berthd spawns each
 * worker with fork+exec of its own binary (a fresh address space), as
 * "berthd: NAME -W NAME ...", with exactly these descriptors:
 *   0 /dev/null, 1 and 2 berthd's (or a pipe berthd relays to syslog),
 *   3 the IPC socket, 4 the HTTP listener (gateway) or the spool
 *   directory (statswriter).
 * The child then confines itself in this order: descriptors closed,
 * signals reset, loop and channel set up, the job's own opens, chroot,
 * groups and uids dropped (and verified), rlimits, no-new-privs, the
 * seccomp filter; only then does the worker's code run.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <grp.h>
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
#include "worker.h"
#include "xmalloc.h"

#define IPC_FD		3
#define EXTRA_FD	4	/* listener or spool directory */

static void	parent_on_msg(struct chan *, struct msg *, void *);
static void	parent_on_reject(struct chan *, const char *, void *);
static void	parent_on_close(struct chan *, const char *, void *);

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

/* In the forked child: arrange descriptors 0-4 and exec. */
static void __attribute__((noreturn))
exec_worker(struct wproc *wp, int ipc, int errw)
{
	const struct worker_def	*def = wp->def;
	char			*argv[16], title[64], uid[16], gid[16];
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
	argv[a++] = "-W";
	argv[a++] = (char *)def->name;
	argv[a++] = "-u"; argv[a++] = uid;
	argv[a++] = "-g"; argv[a++] = gid;
	argv[a++] = "-r"; argv[a++] = env->empty_dir;
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
#ifdef BERTH_SANITIZE
	/* LeakSanitizer's exit-time thread is not in any allowlist. */
	xasprintf(&envp[e++], "ASAN_OPTIONS=%s%sdetect_leaks=0",
	    getenv("ASAN_OPTIONS") ? getenv("ASAN_OPTIONS") : "",
	    getenv("ASAN_OPTIONS") ? ":" : "");
#endif
	envp[e] = NULL;
	execve(env->self_exe, argv, envp);
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

/* ------------------------------------------------------------ child side */

struct child_opts {
	uid_t		 uid;
	gid_t		 gid;
	const char	*root;
	const char	*level;
	int		 unconfined;
	int		 trap;
};

static void
child_opts(int argc, char **argv, struct child_opts *o)
{
	int	i;

	memset(o, 0, sizeof(*o));
	o->level = "info";
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-U") == 0)
			o->unconfined = 1;
		else if (strcmp(argv[i], "-T") == 0)
			o->trap = 1;
		else if (i + 1 >= argc)
			fatalx("worker: bad arguments");
		else if (strcmp(argv[i], "-u") == 0)
			o->uid = (uid_t)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "-g") == 0)
			o->gid = (gid_t)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "-r") == 0)
			o->root = argv[++i];
		else if (strcmp(argv[i], "-l") == 0)
			o->level = argv[++i];
		else
			fatalx("worker: unknown argument %s", argv[i]);
	}
}

static void
drop_privileges(const struct worker_def *def, const struct child_opts *o)
{
	uid_t	ru, eu, su;
	gid_t	rg, eg, sg;

	if (getuid() != 0)
		return;	/* berthd is unprivileged: keep its uid */
	if ((def->flags & WF_CHROOT) && o->root != NULL) {
		if (chroot(o->root) == -1)
			fatal("chroot %s", o->root);
		if (chdir("/") == -1)
			fatal("chdir /");
	}
	if (setgroups(1, &o->gid) == -1 ||
	    setresgid(o->gid, o->gid, o->gid) == -1 ||
	    setresuid(o->uid, o->uid, o->uid) == -1)
		fatal("cannot drop privileges to %u:%u", (unsigned)o->uid,
		    (unsigned)o->gid);
	if (getresgid(&rg, &eg, &sg) == -1 || getresuid(&ru, &eu, &su) == -1 ||
	    rg != o->gid || eg != o->gid || sg != o->gid ||
	    ru != o->uid || eu != o->uid || su != o->uid)
		fatalx("privileges were not dropped");
	if (setuid(0) != -1)
		fatalx("could regain root after dropping it");
}

static void
set_limits(void)
{
	struct rlimit	zero = { 0, 0 };

	/* No new processes, no core files with secrets in them. */
	if (setrlimit(RLIMIT_NPROC, &zero) == -1)
		fatal("setrlimit RLIMIT_NPROC");
	if (setrlimit(RLIMIT_CORE, &zero) == -1)
		fatal("setrlimit RLIMIT_CORE");
}

void
proc_child_main(const char *name, int argc, char **argv)
{
	const struct worker_def	*def;
	struct child_opts	 o;
	struct worker		*w;
	enum log_level		 lvl = LOG_LVL_INFO;
	int			 xfd;

	child_opts(argc, argv, &o);
	log_parse_level(o.level, &lvl);
	log_init(name, 1, lvl);
	if ((def = worker_def_by_name(name)) == NULL)
		fatalx("unknown worker %s", name);
	log_setident(def->name);
	prctl(PR_SET_NAME, def->name, 0, 0, 0);
	xfd = (def->flags & (WF_LISTENER | WF_SPOOL)) ? EXTRA_FD : -1;
	close_from(xfd != -1 ? EXTRA_FD + 1 : IPC_FD + 1);
	w = xcalloc(1, sizeof(*w));
	worker_setup(w, def->name, def->id, def->ops, IPC_FD, xfd);
	if (def->ops->init != NULL)
		def->ops->init(w);
	if (o.unconfined) {
		log_warnx("UNCONFINED: running without chroot, uid drop and "
		    "seccomp");
		worker_run(w);
	}
	drop_privileges(def, &o);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	set_limits();
	if (sandbox_apply(def->policy, o.trap) == -1)
		fatalx("cannot load the seccomp filter; refusing to run "
		    "unconfined");
	worker_run(w);
}
