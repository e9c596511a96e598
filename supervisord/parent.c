/*
 * The supervisor's main loop: configuration, the listening sockets
 * (bound here so that workers never bind), signals as libevent events,
 * readiness, reload on SIGHUP and the orderly exit on SIGTERM.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <event2/util.h>
#include <grp.h>
#include <limits.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berthd.h"
#include "hostcheck.h"
#include "log.h"
#include "pgembed.h"
#include "spool.h"
#include "util.h"
#include "xmalloc.h"

struct berthd	*env;

static struct event	*ev_sigterm, *ev_sigint, *ev_sighup, *ev_sigchld;
static struct event	*ev_shutdown_timer;

/*
 * Defaults, then the file, then BERTH_* variables.  With print set, each
 * error goes to stdout (for --check-config), otherwise to the log.
 */
int
parent_load_config(struct berth_config *cfg, const char *path, int print)
{
	struct config_errors	errs = { NULL, 0 };
	size_t			i;
	int			n;

	config_init(cfg);
	if (path != NULL) {
		config_load_file(cfg, path, &errs);
		hostcheck_config_file(cfg, path, geteuid(), &errs);
	}
	config_load_env(cfg, &errs);
	config_finish(cfg, &errs);
	for (i = 0; i < errs.n; i++) {
		if (print)
			printf("%s\n", errs.lines[i]);
		else
			log_warnx("config: %s", errs.lines[i]);
	}
	n = (int)errs.n;
	config_errors_free(&errs);
	return n;
}

/*
 * Not root, but in the docker group: root on the host through the
 * socket anyway, and the workers (same uid, and setgroups needs
 * CAP_SETGID) would keep the group.  Refused unless allowed.
 */
static void
check_docker_group(void)
{
	gid_t	gid;

	if (!docker_group_member(env->cfg.docker_socket, &gid))
		return;
	if (!env->cfg.allow_docker_group)
		fatalx("berthd runs as uid %u, a member of the docker group "
		    "(gid %u): its workers could not be taken out of it and "
		    "would reach the Docker socket; run berthd as root, or "
		    "set [server] allow_docker_group = true to accept that",
		    (unsigned)geteuid(), (unsigned)gid);
	log_warnx("DOCKER GROUP: berthd and its workers keep the docker "
	    "group (gid %u; server.allow_docker_group is set): a "
	    "compromised worker can reach the Docker socket", (unsigned)gid);
}

static void
resolve_user(void)
{
	struct passwd	*pw;

	env->privileged = (geteuid() == 0);
	if (!env->privileged) {
		check_docker_group();
		env->worker_uid = geteuid();
		env->worker_gid = getegid();
		log_warnx("not running as root: workers keep uid %u, are not "
		    "chrooted, and are still confined by seccomp",
		    (unsigned)env->worker_uid);
		return;
	}
	if ((pw = getpwnam(env->cfg.user)) == NULL)
		fatalx("user \"%s\" does not exist; create it with: useradd "
		    "--system --no-create-home --shell /usr/sbin/nologin %s",
		    env->cfg.user, env->cfg.user);
	if (pw->pw_uid == 0)
		fatalx("user \"%s\" is root; workers need an unprivileged "
		    "user", env->cfg.user);
	env->worker_uid = pw->pw_uid;
	env->worker_gid = pw->pw_gid;
}

/* <state dir>/spool, the statswriter's (0700, the workers' user), held
 * open: the worker gets the descriptor, never a path. */
static void
make_spool_dir(void)
{
	char	*path;

	xasprintf(&path, "%s/spool", env->cfg.state_dir);
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		fatal("mkdir %s", path);
	env->spool_fd = dir_own_nofollow(path, env->privileged ?
	    env->worker_uid : (uid_t)-1, env->worker_gid, 0700);
	if (env->spool_fd == -1)
		fatal("%s (a directory, not a link)", path);
	/* An older statswriter made its file as root: the workers' now. */
	if (env->privileged && fchownat(env->spool_fd, SPOOL_STATSWRITER,
	    env->worker_uid, env->worker_gid, AT_SYMLINK_NOFOLLOW) == -1 &&
	    errno != ENOENT)
		log_warn("chown %s/%s", path, SPOOL_STATSWRITER);
	free(path);
}

/* The state directory (0755, ours: refused when someone else's or
 * writable by others) and an empty root for chroots. */
static void
make_dirs(void)
{
	struct stat	st;
	char		err[2 * PATH_MAX + 128];

	if (mkdir(env->cfg.state_dir, 0755) == -1 && errno != EEXIST)
		fatal("mkdir %s", env->cfg.state_dir);
	if (state_dir_safe(env->cfg.state_dir, geteuid(), err,
	    sizeof(err)) == -1)
		fatalx("%s", err);
	xasprintf(&env->empty_dir, "%s/empty", env->cfg.state_dir);
	if (mkdir(env->empty_dir, 0755) == -1 && errno != EEXIST)
		fatal("mkdir %s", env->empty_dir);
	if (lstat(env->empty_dir, &st) == -1)
		fatal("stat %s", env->empty_dir);
	if (!S_ISDIR(st.st_mode))
		fatalx("%s is not a directory (a link?)", env->empty_dir);
	if (env->privileged && (st.st_uid != 0 || (st.st_mode & 022)))
		fatalx("%s must be owned by root and not writable by others",
		    env->empty_dir);
	make_spool_dir();
}

static int
http_listen(const char *hostport)
{
	struct evutil_addrinfo	 hints, *res = NULL;
	char			 host[256], port[8];
	unsigned short		 p;
	int			 fd, on = 1, r;

	if (parse_hostport(hostport, host, sizeof(host), &p) == -1)
		fatalx("http_listen: bad address %s", hostport);
	snprintf(port, sizeof(port), "%u", p);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((r = evutil_getaddrinfo(host, port, &hints, &res)) != 0)
		fatalx("http_listen %s: %s", hostport, evutil_gai_strerror(r));
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0);
	if (fd == -1)
		fatal("http_listen: socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, res->ai_addr, res->ai_addrlen) == -1)
		fatal("http_listen: bind %s", hostport);
	if (listen(fd, 128) == -1)
		fatal("http_listen: listen");
	evutil_freeaddrinfo(res);
	log_info("HTTP API on %s", hostport);
	return fd;
}

/* ------------------------------------------------------------ readiness */

void
parent_worker_up(struct wproc *wp)
{
	log_info("worker %s up (pid %d)", wp->def->name, (int)wp->pid);
	if (wp->def->subscribe & SUB_FACTS) {
		facts_flush();
		projects_send(wp);
	}
	if (wp->def->subscribe & SUB_ROSTER)
		roster_send(wp);
	if (wp->def->subscribe & SUB_JOBS)
		jobstate_send(wp);
	if (!supervise_all_up())
		return;
	if (!env->ready) {
		env->ready = 1;
		log_info("all %d workers up", NWORKERS);
		sdnotify("READY=1\nSTATUS=all %d workers up", NWORKERS);
	} else
		sdnotify("STATUS=all %d workers up", NWORKERS);
}

void
parent_worker_down(struct wproc *wp)
{
	if (env->shutting_down) {
		if (supervise_all_down())
			event_base_loopexit(env->base, NULL);
		return;
	}
	sdnotify("STATUS=worker %s %s", wp->def->name, wstate_name(wp->state));
}

/* ------------------------------------------------------------ database */

static void
pg_ready(const char *conninfo, void *arg)
{
	struct wproc *wp = wproc_by_peer(PEER_STATSWRITER);

	log_info("embedded PostgreSQL ready");
	free(env->pg_conninfo);
	env->pg_conninfo = xstrdup(conninfo);
	proc_send_config(wp);
}

static void
pg_down(const char *why, void *arg)
{
	sdnotify("STATUS=embedded PostgreSQL down: %s", why);
}

/* The server runs as [database] pg_user, the statswriter logs in as
 * the workers' user; without that user (or without root), the server
 * runs as the workers' user, as its superuser, and berthd says so. */
static void
pg_embed_user(struct pgembed_opts *o)
{
	struct passwd	*pw;

	o->uid = o->client_uid = env->worker_uid;
	o->gid = o->client_gid = env->worker_gid;
	if (!env->privileged)
		return;
	if ((pw = getpwnam(env->cfg.pg_user)) == NULL || pw->pw_uid == 0) {
		log_warnx("database.pg_user %s %s: the embedded PostgreSQL "
		    "runs as the workers' user", env->cfg.pg_user, pw == NULL ?
		    "does not exist" : "is root");
		return;
	}
	o->uid = pw->pw_uid;
	o->gid = pw->pw_gid;
}

/* No database configured: run our own, or say loudly there is none. */
static void
pg_embed_start(void)
{
	struct pgembed_opts	o;

	if (env->cfg.database_url[0] != '\0')
		return;
	if (!env->cfg.database_embedded) {
		log_warnx("no database and database.embedded is false: "
		    "running WITHOUT PERSISTENCE");
		return;
	}
	memset(&o, 0, sizeof(o));
	o.state_dir = env->cfg.state_dir;
	if (env->cfg.pg_bindir[0] != '\0')
		o.bindir = env->cfg.pg_bindir;
	pg_embed_user(&o);
	o.on_ready = pg_ready;
	o.on_down = pg_down;
	supervise_policy(&o.policy);
	if (pgembed_start(env->base, &o) == -1) {
		log_warnx("no database configured and no embedded PostgreSQL: "
		    "running WITHOUT PERSISTENCE (recent data in memory only)");
		env->pg_failed = 1;
	}
}

/* ------------------------------------------------------------ signals */

static void
shutdown_timeout(evutil_socket_t fd, short ev, void *arg)
{
	log_warnx("workers did not stop in time; killing them");
	supervise_stop_all();	/* second call escalates to SIGKILL */
	pgembed_stop();		/* second call: immediate shutdown */
	event_base_loopexit(env->base, NULL);
}

static void
on_terminate(evutil_socket_t sig, short ev, void *arg)
{
	struct timeval	tv;

	if (env->shutting_down)
		return;
	env->shutting_down = 1;
	log_info("%s: stopping workers (workspaces keep running)",
	    signal_name((int)sig));
	sdnotify("STOPPING=1");
	admin_stop();
	supervise_stop_all();
	pgembed_stop();
	if (supervise_all_down()) {
		event_base_loopexit(env->base, NULL);
		return;
	}
	tv.tv_sec = env->cfg.shutdown_timeout_ms / 1000;
	tv.tv_usec = (env->cfg.shutdown_timeout_ms % 1000) * 1000;
	ev_shutdown_timer = evtimer_new(env->base, shutdown_timeout, NULL);
	evtimer_add(ev_shutdown_timer, &tv);
}

/* Types, tiers and tokens are replaced as a whole: next gets the old
 * ones, freed with it. */
static void
swap_named(struct berth_config *a, struct berth_config *b)
{
	struct berth_config t;

	memcpy(t.types, a->types, sizeof(t.types));
	memcpy(a->types, b->types, sizeof(a->types));
	memcpy(b->types, t.types, sizeof(b->types));
	t.ntypes = a->ntypes, a->ntypes = b->ntypes, b->ntypes = t.ntypes;
	memcpy(t.tiers, a->tiers, sizeof(t.tiers));
	memcpy(a->tiers, b->tiers, sizeof(a->tiers));
	memcpy(b->tiers, t.tiers, sizeof(b->tiers));
	t.ntiers = a->ntiers, a->ntiers = b->ntiers, b->ntiers = t.ntiers;
	memcpy(t.tokens, a->tokens, sizeof(t.tokens));
	memcpy(a->tokens, b->tokens, sizeof(a->tokens));
	memcpy(b->tokens, t.tokens, sizeof(b->tokens));
	t.ntokens = a->ntokens, a->ntokens = b->ntokens, b->ntokens = t.ntokens;
}

/* Keys that need a restart of berthd keep their running value. */
static void
apply_reload(struct berth_config *next)
{
	const struct config_key	*keys, *k;
	size_t			 i, n;
	char			*oldv, *newv, name[128], err[256];

	keys = config_keys(&n);
	for (i = 0; i < n; i++) {
		k = &keys[i];
		oldv = config_get(&env->cfg, k);
		newv = config_get(next, k);
		snprintf(name, sizeof(name), "%s.%s", k->section, k->name);
		if (strcmp(oldv, newv) == 0)
			;
		else if (!k->reloadable)
			log_warnx("reload: %s changed; restart berthd to "
			    "apply it", name);
		else if (config_set(&env->cfg, name, newv, err,
		    sizeof(err)) == -1)
			log_warnx("reload: %s: %s", name, err);
		free(oldv);
		free(newv);
	}
	swap_named(&env->cfg, next);
}

static void
on_hup(evutil_socket_t sig, short ev, void *arg)
{
	struct berth_config	next;
	enum log_level		lvl;
	size_t			i;

	sdnotify("RELOADING=1");
	if (parent_load_config(&next, env->config_path, 0) != 0) {
		log_warnx("reload: configuration has errors; keeping the "
		    "running one");
		config_free(&next);
		sdnotify("READY=1");
		return;
	}
	apply_reload(&next);
	config_free(&next);
	if (log_parse_level(env->cfg.log_level, &lvl) == 0)
		log_setlevel(lvl);
	for (i = 0; i < NWORKERS; i++)
		proc_send_config(&env->workers[i]);
	log_info("configuration reloaded");
	sdnotify("READY=1");
}

static void
on_chld(evutil_socket_t sig, short ev, void *arg)
{
	supervise_reap();
}

static void
signals_init(void)
{
	struct event_base *b = env->base;

	signal(SIGPIPE, SIG_IGN);
	ev_sigterm = evsignal_new(b, SIGTERM, on_terminate, NULL);
	ev_sigint = evsignal_new(b, SIGINT, on_terminate, NULL);
	ev_sighup = evsignal_new(b, SIGHUP, on_hup, NULL);
	ev_sigchld = evsignal_new(b, SIGCHLD, on_chld, NULL);
	evsignal_add(ev_sigterm, NULL);
	evsignal_add(ev_sigint, NULL);
	evsignal_add(ev_sighup, NULL);
	evsignal_add(ev_sigchld, NULL);
}

static void
signals_free(void)
{
	event_free(ev_sigterm);
	event_free(ev_sigint);
	event_free(ev_sighup);
	event_free(ev_sigchld);
	if (ev_shutdown_timer != NULL)
		event_free(ev_shutdown_timer);
}

/* ------------------------------------------------------------ main */

/*
 * The worker programs: beside berthd's own binary when they are there
 * (a build tree, or a copy), else in BERTH_LIBEXECDIR where make
 * install puts them.  All of them, executable, or berthd does not
 * start: a missing worker is an installation error, not a restart
 * loop.
 */
/* The first worker program missing (not executable) in dir, or NULL. */
static const char *
missing_worker(const char *dir)
{
	char	path[PATH_MAX + 64];
	int	i;

	for (i = 0; i < NWORKERS; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir,
		    worker_defs[i].program);
		if (access(path, X_OK) == -1)
			return worker_defs[i].program;
	}
	return NULL;
}

/* dir, when nobody but root (or berthd's uid) may change what it runs. */
static char *
safe_workers(const char *dir)
{
	const char	*names[NWORKERS + 1];
	char		 err[2 * PATH_MAX + 128];
	int		 i;

	for (i = 0; i < NWORKERS; i++)
		names[i] = worker_defs[i].program;
	names[NWORKERS] = NULL;
	if (programs_safe(dir, names, geteuid(), err, sizeof(err)) == -1)
		fatalx("%s", err);
	return xstrdup(dir);
}

static char *
find_workers(void)
{
	char		 self[PATH_MAX], *slash;
	const char	*beside, *installed;
	ssize_t		 n;

	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) == -1)
		fatal("readlink /proc/self/exe");
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) != NULL)
		*slash = '\0';
	if ((beside = missing_worker(self)) == NULL)
		return safe_workers(self);
	if ((installed = missing_worker(BERTH_LIBEXECDIR)) == NULL)
		return safe_workers(BERTH_LIBEXECDIR);
	fatalx("cannot find the worker programs: no %s beside berthd in %s, "
	    "no %s in %s", beside, self, installed, BERTH_LIBEXECDIR);
}

/* The statswriter keeps about 8 files open per running container (its
 * cgroup readers): the soft limit goes up to the hard one, inherited by
 * every worker. */
static void
raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		log_warn("setrlimit RLIMIT_NOFILE");
}

static void
setup(const char *config_path, int foreground, int debug)
{
	enum log_level	lvl = LOG_LVL_INFO;

	env = xcalloc(1, sizeof(*env));
	env->config_path = config_path;
	env->foreground = foreground;
	env->start_ms = now_ms();
	if (parent_load_config(&env->cfg, config_path, 0) != 0)
		fatalx("configuration has errors (berthd --check-config "
		    "lists them)");
	if (!debug && log_parse_level(env->cfg.log_level, &lvl) == -1)
		lvl = LOG_LVL_INFO;
	log_init("berthd", foreground, debug ? LOG_LVL_DEBUG : lvl);
	if (env->cfg.unconfined)
		log_warnx("UNCONFINED: workers run without seccomp and "
		    "chroot (server.unconfined is set)");
	if (!listen_is_loopback(env->cfg.http_listen))
		log_warnx("server.http_listen %s is not a loopback address: "
		    "the HTTP API is reachable from the network; put a TLS "
		    "proxy in front of it", env->cfg.http_listen);
	/* Said now; the statswriter then shows libpq's reason in health. */
	dbprep_check(&env->cfg, 0);
	env->libexec_dir = find_workers();
	raise_nofile();
	resolve_user();
	make_dirs();
	env->http_fd = http_listen(env->cfg.http_listen);
	env->admin_fd = admin_listen(env->cfg.admin_socket,
	    env->privileged ? 0 : geteuid(), env->worker_gid);
}

/* Lifecycle facts the statswriter has not answered go to its spool,
 * once it is gone (killed at the shutdown timeout: wait for it), unless
 * there is no database to replay them into. */
static void
save_facts(void)
{
	struct wproc	*wp = wproc_by_peer(PEER_STATSWRITER);

	if (facts_pending() == 0)
		return;
	if (env->cfg.database_url[0] == '\0' &&
	    (!env->cfg.database_embedded || env->pg_failed)) {
		log_info("%zu lifecycle facts not recorded (no database)",
		    facts_pending());
		return;
	}
	if (wp != NULL && wp->pid > 0 && waitpid(wp->pid, NULL, 0) > 0)
		wp->pid = 0;
	facts_save(env->spool_fd);
}

int
parent_main(const char *config_path, int foreground, int debug)
{
	setup(config_path, foreground, debug);
	if (!foreground && daemon(0, 0) == -1)
		fatal("daemon");
	if ((env->base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	log_info("berthd %s starting (pid %d)", PACKAGE_VERSION,
	    (int)getpid());
	signals_init();
	supervise_init();
	pg_embed_start();
	admin_start(env->admin_fd);
	sdnotify_watchdog_start(env->base);
	jobstate_load();
	supervise_start_all();
	projects_load();
	volumes_load();
	engine_start();
	metrics_start();
	monitor_start();
	alerts_boot();
	silences_start();
	notify_start();
	activity_start();
	event_base_dispatch(env->base);
	activity_stop();
	sdnotify_watchdog_stop();
	notify_stop();
	silences_stop();
	monitor_stop();
	metrics_stop();
	engine_stop();
	roster_free();
	supervise_reap();
	save_facts();
	if (!pgembed_running())
		pgembed_free();
	log_info("berthd exiting");
	signals_free();
	event_base_free(env->base);
	config_free(&env->cfg);
	return 0;
}
