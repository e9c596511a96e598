/*
 * The first thing every worker program does: confine itself, then run
 * the worker.  berthd (supervisord/proc.c) exec'd it with exactly these
 * descriptors: 0 /dev/null, 1 and 2 berthd's (or a pipe to syslog),
 * 3 the IPC socket, and with -x also 4, the HTTP listener (gateway) or
 * the spool directory (statswriter).  The order: descriptors closed,
 * signals reset, loop and channel set up, a root of its own (-m ROOT
 * with -b PATH..., rootfs.c: the statswriter), the job's own opens,
 * chroot (-r), groups and uids dropped (and verified), not dumpable,
 * rlimits, no-new-privs, the seccomp filter; only then does the
 * worker's code run.
 *
 * What to do comes from berthd's worker table, as arguments: a worker
 * program is started by berthd only (it needs fd 3).
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <errno.h>
#include <sched.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"
#include "util.h"
#include "worker.h"
#include "xmalloc.h"

#define IPC_FD		3
#define EXTRA_FD	4
#define MAX_BINDS	16

struct child_opts {
	uid_t		 uid;
	gid_t		 gid;
	const char	*root;		/* chroot here, if set */
	const char	*own_root;	/* a root of its own here (rootfs.c) */
	char		*binds[MAX_BINDS];	/* holding these paths */
	size_t		 nbinds;
	const char	*level;
	int		 extra;		/* fd 4 is ours */
	unsigned	 net;		/* SANDBOX_NET_*: socket domains */
	int		 unconfined;
	int		 trap;
};

/* -N unix, inet or unix,inet: the socket domains berthd allows. */
static unsigned
net_arg(const char *arg)
{
	if (strcmp(arg, "unix") == 0)
		return SANDBOX_NET_UNIX;
	if (strcmp(arg, "inet") == 0)
		return SANDBOX_NET_INET;
	if (strcmp(arg, "unix,inet") == 0)
		return SANDBOX_NET_ALL;
	fatalx("worker: bad -N %s", arg);
}

static void
child_opts(int argc, char **argv, struct child_opts *o)
{
	int	i;

	memset(o, 0, sizeof(*o));
	o->level = "info";
	o->net = SANDBOX_NET_ALL;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-U") == 0)
			o->unconfined = 1;
		else if (strcmp(argv[i], "-T") == 0)
			o->trap = 1;
		else if (strcmp(argv[i], "-x") == 0)
			o->extra = 1;
		else if (i + 1 >= argc)
			fatalx("worker: bad arguments");
		else if (strcmp(argv[i], "-u") == 0)
			o->uid = (uid_t)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "-g") == 0)
			o->gid = (gid_t)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "-r") == 0)
			o->root = argv[++i];
		else if (strcmp(argv[i], "-m") == 0)
			o->own_root = argv[++i];
		else if (strcmp(argv[i], "-b") == 0 && o->nbinds < MAX_BINDS)
			o->binds[o->nbinds++] = argv[++i];
		else if (strcmp(argv[i], "-N") == 0)
			o->net = net_arg(argv[++i]);
		else if (strcmp(argv[i], "-l") == 0)
			o->level = argv[++i];
		else
			fatalx("worker: unknown argument %s", argv[i]);
	}
}

static void
drop_privileges(const struct child_opts *o)
{
	uid_t	ru, eu, su;
	gid_t	rg, eg, sg;

	if (getuid() != 0) {
		/* berthd is unprivileged: keep its uid.  Its supplementary
		 * groups go only with CAP_SETGID (EPERM otherwise: see
		 * server.allow_docker_group). */
		if (setgroups(1, &o->gid) == -1 && errno != EPERM)
			fatal("setgroups");
		return;
	}
	if (o->root != NULL) {
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

/* A worker that may open Unix sockets only gets a network namespace
 * of its own with nothing in it: abstract Unix sockets (which have no
 * path for a mount namespace to hide) are per network namespace, and
 * socket files are still reached through its root. */
static void
empty_network(void)
{
	if (unshare(CLONE_NEWNET) == -1)
		fatal("unshare CLONE_NEWNET");
}

void
confine_root(int argc, char **argv, int xfd)
{
	struct child_opts	o;

	child_opts(argc, argv, &o);
	if (o.unconfined || getuid() != 0)
		return;
	if (o.net == SANDBOX_NET_UNIX)
		empty_network();
	if (o.own_root != NULL)
		rootfs_enter(o.own_root, o.binds, o.nbinds, xfd);
}

void
confine_lock(int argc, char **argv, const struct sandbox_policy *policy)
{
	struct child_opts	o;

	child_opts(argc, argv, &o);
	if (o.unconfined)
		return;
	drop_privileges(&o);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* No ptrace, no /proc/PID/{mem,fd,root} for any same-uid process
	 * (another worker, the embedded server). */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("prctl PR_SET_DUMPABLE");
	set_limits();
	if (sandbox_apply_net(policy, o.trap, o.net) == -1)
		fatalx("cannot load the seccomp filter; refusing to run "
		    "unconfined");
}

void
worker_main(enum peer_id id, const char *name, const struct worker_ops *ops,
    const struct sandbox_policy *policy, int argc, char **argv)
{
	struct child_opts	 o;
	struct worker		*w;
	enum log_level		 lvl = LOG_LVL_INFO;
	int			 xfd;

	child_opts(argc, argv, &o);
	log_parse_level(o.level, &lvl);
	log_init(name, 1, lvl);
	prctl(PR_SET_NAME, name, 0, 0, 0);
	xfd = o.extra ? EXTRA_FD : -1;
	close_from(xfd != -1 ? EXTRA_FD + 1 : IPC_FD + 1);
	w = xcalloc(1, sizeof(*w));
	worker_setup(w, name, id, ops, IPC_FD, xfd);
	/* Before the job's own opens, so that none leads outside. */
	confine_root(argc, argv, xfd);
	if (ops->init != NULL)
		ops->init(w);
	if (o.unconfined) {
		log_warnx("UNCONFINED: running without chroot, uid drop and "
		    "seccomp");
		worker_run(w);
	}
	confine_lock(argc, argv, policy);
	worker_run(w);
}
