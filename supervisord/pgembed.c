/*
 * The embedded PostgreSQL, supervised like a worker but in its own file.
 *
 * Every step is a child reaped asynchronously (berthd owns waitpid and
 * hands us our pids through pgembed_reaped):
 *   initdb (first start only) -> postgres -> pg_isready every 100 ms
 *   until it answers -> psql creating database "berth" if missing ->
 *   on_ready(conninfo).
 * postgres exiting unexpectedly calls on_down and starts again after the
 * backoff delay.  Children run as the configured uid (PostgreSQL refuses
 * root) in a session of their own, with stdin /dev/null and stdout and
 * stderr appended to <state dir>/postgres.log.
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostcheck.h"
#include "log.h"
#include "pgembed.h"
#include "util.h"
#include "xmalloc.h"

#define PG_PORT		"5432"	/* only names the socket file */
#define PG_DBNAME	"berth"
#define POLL_MS		100
#define SLOW_MS		30000	/* warn once when not ready by then */
#define CREATEDB_RETRY_MS 1000
#define MAX_ARGS	16

enum pg_phase {
	PG_IDLE, PG_INITDB, PG_STARTING, PG_CREATEDB, PG_UP, PG_BACKOFF,
	PG_STOPPING
};

static struct {
	struct event_base	*base;
	struct pgembed_opts	 o;
	char			 bindir[PATH_MAX];
	char			*state_dir, *datadir, *sockdir, *sockfile;
	char			*logpath, *user, *conninfo;
	char			*client;	/* the statswriter's role */
	int			 logfd;
	enum pg_phase		 phase;
	pid_t			 pg_pid, initdb_pid, isready_pid, createdb_pid;
	struct event		*poll_ev, *restart_ev;
	uint64_t		 started_ms;	/* postgres or initdb */
	int			 warned_slow;
	unsigned		 restarts;
	int			 stopping;
	struct backoff		 bo;
} pg = { .logfd = -1 };

static void	begin(void);

/* ------------------------------------------------------------ children */

/* In the child.  Not root: we already are the uid (checked at start). */
static int
drop_privileges(void)
{
	uid_t	ru, eu, su;
	gid_t	rg, eg, sg, gid = pg.o.gid;

	if (geteuid() != 0)
		return 0;
	if (setgroups(1, &gid) == -1 ||
	    setresgid(pg.o.gid, pg.o.gid, pg.o.gid) == -1 ||
	    setresuid(pg.o.uid, pg.o.uid, pg.o.uid) == -1)
		return -1;
	if (getresgid(&rg, &eg, &sg) == -1 || getresuid(&ru, &eu, &su) == -1)
		return -1;
	if (rg != pg.o.gid || eg != pg.o.gid || sg != pg.o.gid ||
	    ru != pg.o.uid || eu != pg.o.uid || su != pg.o.uid)
		return -1;
	if (setuid(0) != -1)
		return -1;
	return 0;
}

static void __attribute__((noreturn))
child_exec(const char *path, char *const argv[], int infd, pid_t parent)
{
	char *const	 envp[] = { "PATH=/usr/bin:/bin", "LC_ALL=C",
			    "TZ=UTC", NULL };
	sigset_t	 none;
	int		 sig, nullfd;

	if ((nullfd = open("/dev/null", O_RDWR)) == -1)
		_exit(126);
	if (dup2(infd != -1 ? infd : nullfd, 0) == -1 ||
	    dup2(pg.logfd, 1) == -1 || dup2(pg.logfd, 2) == -1)
		_exit(126);
	close_from(3);
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);	/* berthd ignores SIGPIPE */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();			/* a terminal's ^C is berthd's */
	if (drop_privileges() == -1) {
		dprintf(2, "berthd: cannot become uid %u\n",
		    (unsigned)pg.o.uid);
		_exit(126);
	}
	/* After the uid change, which clears it; berthd gone: shut down. */
	if (prctl(PR_SET_PDEATHSIG, SIGINT) == -1 || getppid() != parent)
		_exit(126);
	if (chdir(pg.datadir) == -1)
		_exit(126);
	execve(path, argv, envp);
	dprintf(2, "berthd: exec %s: %s\n", path, strerror(errno));
	_exit(127);
}

/* argv[0] names a program in bindir.  Returns the pid, or 0. */
static pid_t
spawn(char *const argv[], int infd)
{
	char	 path[PATH_MAX], *av[MAX_ARGS];
	pid_t	 pid, self = getpid();
	size_t	 i;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", pg.bindir,
	    argv[0]) >= sizeof(path)) {
		log_warnx("postgres: %s/%s: path too long", pg.bindir,
		    argv[0]);
		return 0;
	}
	/* A full argv[0]: initdb finds postgres beside itself by it. */
	av[0] = path;
	for (i = 1; argv[i] != NULL && i < MAX_ARGS - 1; i++)
		av[i] = argv[i];
	av[i] = NULL;
	if ((pid = fork()) == -1) {
		log_warn("postgres: fork %s", argv[0]);
		return 0;
	}
	if (pid == 0)
		child_exec(path, av, infd, self);
	return pid;
}

static void
describe_exit(char *buf, size_t len, int status)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "%s", signal_name(WTERMSIG(status)));
	else
		snprintf(buf, len, "exit %d", WEXITSTATUS(status));
}

/* ------------------------------------------------------------ restarts */

static void
restart_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd, (void)ev, (void)arg;
	if (pg.stopping || pg.pg_pid != 0 || pg.initdb_pid != 0)
		return;
	pg.restarts++;
	log_info("postgres: restarting (restart %u)", pg.restarts);
	begin();
}

static void
schedule_restart(void)
{
	const struct backoff_policy	*pol = &pg.o.policy;
	struct timeval			 tv;
	uint64_t			 delay;

	delay = backoff_exited(&pg.bo, pol, pg.started_ms, now_ms());
	pg.phase = PG_BACKOFF;
	if (pg.bo.failed)
		log_warnx("postgres: restarted %u times within %llus: marked "
		    "failed, next try in %llus", pol->burst,
		    (unsigned long long)(pol->window_ms / 1000),
		    (unsigned long long)(delay / 1000));
	else
		log_info("postgres: will restart in %llu ms",
		    (unsigned long long)delay);
	tv.tv_sec = (time_t)(delay / 1000);
	tv.tv_usec = (suseconds_t)(delay % 1000) * 1000;
	evtimer_add(pg.restart_ev, &tv);
}

/* ------------------------------------------------------------ readiness */

static void
poll_arm(uint64_t ms)
{
	struct timeval	tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(pg.poll_ev, &tv);
}

static void
start_isready(void)
{
	char *const	argv[] = { "pg_isready", "-q", "-h", pg.sockdir,
			    "-p", PG_PORT, "-d", "postgres", NULL };

	pg.isready_pid = spawn(argv, -1);
}

static void
poll_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct stat	st;

	(void)fd, (void)ev, (void)arg;
	if (pg.phase != PG_STARTING)
		return;
	if (!pg.warned_slow && now_ms() - pg.started_ms >= SLOW_MS) {
		pg.warned_slow = 1;
		log_warnx("postgres: not ready after %us (see %s)",
		    SLOW_MS / 1000, pg.logpath);
	}
	if (pg.isready_pid == 0 && stat(pg.sockfile, &st) == 0)
		start_isready();
	poll_arm(POLL_MS);
}

/* The client's role (a login, not a superuser) and database "berth",
 * which it owns, unless they exist: psql reads the statements from a
 * pipe, which holds them whole, so the write never blocks.  The role's
 * name is a user name, checked to need no quoting beyond "". */
static void
start_createdb(void)
{
	char			*sql;
	char *const		 argv[] = { "psql", "-X", "-q", "-v",
				    "ON_ERROR_STOP=1", "-h", pg.sockdir, "-p",
				    PG_PORT, "-d", "postgres", NULL };
	int			 p[2];
	size_t			 n;

	xasprintf(&sql, "SELECT 'CREATE ROLE \"%s\" LOGIN' WHERE NOT EXISTS "
	    "(SELECT FROM pg_roles WHERE rolname = '%s')\\gexec\n"
	    "SELECT 'CREATE DATABASE " PG_DBNAME " OWNER \"%s\"' WHERE NOT "
	    "EXISTS (SELECT FROM pg_database WHERE datname = '" PG_DBNAME
	    "')\\gexec\n", pg.client, pg.client, pg.client);
	n = strlen(sql);
	pg.phase = PG_CREATEDB;
	if (pipe2(p, O_CLOEXEC) == -1) {
		free(sql);
		log_warn("postgres: pipe");
		pg.phase = PG_STARTING;
		poll_arm(CREATEDB_RETRY_MS);
		return;
	}
	if (write(p[1], sql, n) != (ssize_t)n)
		log_warn("postgres: write to psql");
	free(sql);
	close(p[1]);
	pg.createdb_pid = spawn(argv, p[0]);
	close(p[0]);
	if (pg.createdb_pid == 0) {
		pg.phase = PG_STARTING;
		poll_arm(CREATEDB_RETRY_MS);
	}
}

static void
became_ready(void)
{
	pg.phase = PG_UP;
	log_info("postgres: ready after %llu ms (pid %d, socket %s)",
	    (unsigned long long)(now_ms() - pg.started_ms), (int)pg.pg_pid,
	    pg.sockfile);
	if (pg.o.on_ready != NULL)
		pg.o.on_ready(pg.conninfo, pg.o.arg);
}

/* ------------------------------------------------------------ start */

/* A lock file naming a live process that is not a postgres (its pid was
 * reused after a crash, common in containers) would keep postgres from
 * starting: remove it.  A dead pid postgres handles itself. */
static void
clear_reused_lock(const char *path)
{
	char	 buf[64], comm[64];
	FILE	*f;
	long	 pid;
	size_t	 n;

	if ((f = fopen(path, "re")) == NULL)
		return;
	pid = fgets(buf, sizeof(buf), f) != NULL ? strtol(buf, NULL, 10) : 0;
	fclose(f);
	if (pid <= 0 || pid == (long)getpid() || (kill((pid_t)pid, 0) == -1 &&
	    errno == ESRCH))
		return;
	snprintf(buf, sizeof(buf), "/proc/%ld/comm", pid);
	if ((f = fopen(buf, "re")) == NULL)
		return;
	n = fread(comm, 1, sizeof(comm) - 1, f);
	fclose(f);
	comm[n] = '\0';
	if (strncmp(comm, "postgres", 8) == 0) {
		log_warnx("postgres: %s names pid %ld, a postgres still "
		    "running; it must stop first", path, pid);
		return;
	}
	log_warnx("postgres: %s names pid %ld, now another program; "
	    "removing it", path, pid);
	if (unlink(path) == -1)
		log_warn("postgres: unlink %s", path);
}

static void
start_server(void)
{
	/* Who reaches the socket is its directory's business (the
	 * server's, group the workers', 0750: the server is in no group
	 * of berth's); peer authentication decides as whom. */
	char *const	argv[] = { "postgres", "-D", pg.datadir, "-k",
			    pg.sockdir, "-p", PG_PORT, "-c",
			    "listen_addresses=", "-c",
			    "unix_socket_permissions=0777", NULL };
	char		lock[PATH_MAX];

	snprintf(lock, sizeof(lock), "%s/postmaster.pid", pg.datadir);
	clear_reused_lock(lock);
	snprintf(lock, sizeof(lock), "%s.lock", pg.sockfile);
	clear_reused_lock(lock);
	pg.started_ms = now_ms();
	pg.warned_slow = 0;
	backoff_started(&pg.bo, pg.started_ms);
	pg.phase = PG_STARTING;
	if ((pg.pg_pid = spawn(argv, -1)) == 0) {
		schedule_restart();
		return;
	}
	log_info("postgres: started (pid %d, data %s)", (int)pg.pg_pid,
	    pg.datadir);
	poll_arm(POLL_MS);
}

static void
start_initdb(void)
{
	char		 user[128];
	char *const	 argv[] = { "initdb", "-D", pg.datadir, "-U", user,
			    "--auth-local=peer", "--auth-host=reject",
			    "-E", "UTF8", "--locale=C", NULL };

	snprintf(user, sizeof(user), "%s", pg.user);
	pg.started_ms = now_ms();
	backoff_started(&pg.bo, pg.started_ms);
	pg.phase = PG_INITDB;
	if ((pg.initdb_pid = spawn(argv, -1)) == 0) {
		schedule_restart();
		return;
	}
	log_info("postgres: initdb of %s as %s (pid %d)", pg.datadir, pg.user,
	    (int)pg.initdb_pid);
}

/* initdb unless the data directory holds a cluster already. */
static void
begin(void)
{
	char		path[PATH_MAX];
	struct stat	st;

	snprintf(path, sizeof(path), "%s/PG_VERSION", pg.datadir);
	if (stat(path, &st) == 0)
		start_server();
	else
		start_initdb();
}

/* ------------------------------------------------------------ reaping */

static void
initdb_exited(int status)
{
	char	why[48];

	pg.initdb_pid = 0;
	if (pg.stopping) {
		pg.phase = PG_IDLE;
		return;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		log_info("postgres: initdb done in %llu ms",
		    (unsigned long long)(now_ms() - pg.started_ms));
		start_server();
		return;
	}
	describe_exit(why, sizeof(why), status);
	log_warnx("postgres: initdb failed: %s (see %s)", why, pg.logpath);
	schedule_restart();
}

static void
isready_exited(int status)
{
	pg.isready_pid = 0;
	if (pg.phase == PG_STARTING && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0)
		start_createdb();
}

static void
createdb_exited(int status)
{
	char	why[48];

	pg.createdb_pid = 0;
	if (pg.phase != PG_CREATEDB)
		return;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		became_ready();
		return;
	}
	describe_exit(why, sizeof(why), status);
	log_warnx("postgres: creating database %s failed: %s (see %s); "
	    "trying again", PG_DBNAME, why, pg.logpath);
	pg.phase = PG_STARTING;
	poll_arm(CREATEDB_RETRY_MS);
}

static void
server_exited(int status)
{
	char	why[96], how[48];
	pid_t	pid = pg.pg_pid;

	pg.pg_pid = 0;
	evtimer_del(pg.poll_ev);
	describe_exit(how, sizeof(how), status);
	if (pg.stopping) {
		log_info("postgres: (pid %d) stopped: %s", (int)pid, how);
		pg.phase = PG_IDLE;
		return;
	}
	snprintf(why, sizeof(why), "postgres (pid %d) %s: %s", (int)pid,
	    pg.phase == PG_UP ? "died" : "failed to start", how);
	log_warnx("%s (see %s)", why, pg.logpath);
	if (pg.o.on_down != NULL)
		pg.o.on_down(why, pg.o.arg);
	schedule_restart();
}

int
pgembed_reaped(pid_t pid, int status)
{
	if (pid <= 0)
		return 0;
	if (pid == pg.pg_pid)
		server_exited(status);
	else if (pid == pg.initdb_pid)
		initdb_exited(status);
	else if (pid == pg.isready_pid)
		isready_exited(status);
	else if (pid == pg.createdb_pid)
		createdb_exited(status);
	else
		return 0;
	return 1;
}

/* ------------------------------------------------------------ setup */

/* A directory of ours, owned by uid:gid with exactly mode. */
static int
own_dir(const char *path, mode_t mode, gid_t gid)
{
	int	fd;

	if (mkdir(path, mode) == -1 && errno != EEXIST) {
		log_warn("postgres: mkdir %s", path);
		return -1;
	}
	/* Through a descriptor: a link planted there is never followed. */
	if ((fd = dir_own_nofollow(path, pg.o.uid, gid, mode)) == -1) {
		log_warn("postgres: %s (a directory, not a link)", path);
		return -1;
	}
	close(fd);
	return 0;
}

static int
open_log(void)
{
	pg.logfd = open(pg.logpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0640);
	if (pg.logfd == -1) {
		log_warn("postgres: %s", pg.logpath);
		return -1;
	}
	if (fchown(pg.logfd, pg.o.uid, pg.o.gid) == -1)
		log_warn("postgres: chown %s", pg.logpath);
	return 0;
}

/* A conninfo value, quoted when it has to be. */
static void
conn_append(char **out, const char *key, const char *val)
{
	char		*q, *next;
	size_t		 i, n = 0;

	q = xmalloc(strlen(val) * 2 + 3);
	if (val[0] == '\0' || strpbrk(val, " \t'\\") != NULL) {
		q[n++] = '\'';
		for (i = 0; val[i] != '\0'; i++) {
			if (val[i] == '\'' || val[i] == '\\')
				q[n++] = '\\';
			q[n++] = val[i];
		}
		q[n++] = '\'';
	} else
		n = (size_t)snprintf(q, strlen(val) + 1, "%s", val);
	q[n] = '\0';
	xasprintf(&next, "%s%s%s=%s", *out, **out ? " " : "", key, q);
	free(q);
	free(*out);
	*out = next;
}

static void
make_conninfo(void)
{
	pg.conninfo = xstrdup("");
	conn_append(&pg.conninfo, "host", pg.sockdir);
	conn_append(&pg.conninfo, "port", PG_PORT);
	conn_append(&pg.conninfo, "dbname", PG_DBNAME);
	conn_append(&pg.conninfo, "user", pg.client);
}

/* The statswriter's role: the name of the workers' user, who may
 * reach the socket through the group of its directory. */
static int
check_client(void)
{
	struct passwd	*pw;

	if ((pw = getpwuid(pg.o.client_uid)) == NULL) {
		log_warnx("postgres: uid %u has no name",
		    (unsigned)pg.o.client_uid);
		return -1;
	}
	if (strspn(pw->pw_name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != strlen(pw->pw_name)) {
		log_warnx("postgres: user name %s is not a plain role name",
		    pw->pw_name);
		return -1;
	}
	pg.client = xstrdup(pw->pw_name);
	return 0;
}

/* A cluster an older berth made belongs to the workers' user: it keeps
 * running as its owner, said once. */
static void
adopt_owner(const struct pgembed_opts *o)
{
	struct stat	st;
	char		path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/pgdata/PG_VERSION", o->state_dir);
	if (stat(path, &st) == -1 || st.st_uid == pg.o.uid)
		return;
	log_warnx("postgres: %s/pgdata belongs to uid %u, not %u: it runs "
	    "as its owner (move it away to start afresh as %u)",
	    o->state_dir, (unsigned)st.st_uid, (unsigned)pg.o.uid,
	    (unsigned)pg.o.uid);
	pg.o.uid = st.st_uid;
	pg.o.gid = st.st_gid;
}

/* Who the children run as, before anything else: initdb needs it. */
static int
check_user(const struct pgembed_opts *o)
{
	struct passwd	*pw;

	if (o->uid == 0) {
		log_warnx("postgres: refusing to run it as root");
		return -1;
	}
	if (geteuid() != 0 && o->uid != geteuid()) {
		log_warnx("postgres: not root, so it can only run as uid %u, "
		    "not %u", (unsigned)geteuid(), (unsigned)o->uid);
		return -1;
	}
	if ((pw = getpwuid(o->uid)) == NULL) {
		log_warnx("postgres: uid %u has no name", (unsigned)o->uid);
		return -1;
	}
	pg.user = xstrdup(pw->pw_name);
	return check_client();
}

static int
make_paths(const struct pgembed_opts *o)
{
	struct sockaddr_un	sun;

	if (o->bindir != NULL)
		snprintf(pg.bindir, sizeof(pg.bindir), "%s", o->bindir);
	else if (pgembed_find_bindir(pg.bindir, sizeof(pg.bindir)) == -1) {
		log_warnx("postgres: no PostgreSQL server binaries found "
		    "(pg_config --bindir, /usr/lib/postgresql/*/bin)");
		return -1;
	}
	if (!pgembed_bindir_ok(pg.bindir)) {
		log_warnx("postgres: %s lacks postgres, initdb, pg_isready "
		    "or psql", pg.bindir);
		return -1;
	}
	pg.state_dir = xstrdup(o->state_dir);
	xasprintf(&pg.datadir, "%s/pgdata", o->state_dir);
	xasprintf(&pg.sockdir, "%s/pgsock", o->state_dir);
	xasprintf(&pg.sockfile, "%s/.s.PGSQL.%s", pg.sockdir, PG_PORT);
	xasprintf(&pg.logpath, "%s/postgres.log", o->state_dir);
	if (strlen(pg.sockfile) + sizeof(".lock") > sizeof(sun.sun_path)) {
		log_warnx("postgres: socket path %s too long", pg.sockfile);
		return -1;
	}
	return 0;
}

int
pgembed_start(struct event_base *base, const struct pgembed_opts *o)
{
	if (pg.base != NULL)
		fatalx("pgembed_start: already started");
	memset(&pg, 0, sizeof(pg));
	pg.logfd = -1;
	pg.o = *o;
	if (pg.o.client_uid == 0) {
		pg.o.client_uid = o->uid;
		pg.o.client_gid = o->gid;
	}
	adopt_owner(o);
	if (check_user(&pg.o) == -1 || make_paths(o) == -1)
		goto fail;
	if ((mkdir(o->state_dir, 0755) == -1 && errno != EEXIST) ||
	    own_dir(pg.datadir, 0700, pg.o.gid) == -1 ||
	    own_dir(pg.sockdir, 0750, pg.o.client_gid) == -1 ||
	    open_log() == -1)
		goto fail;
	make_conninfo();
	pg.base = base;
	pg.o.state_dir = pg.state_dir;
	pg.o.bindir = pg.bindir;
	pg.poll_ev = evtimer_new(base, poll_cb, NULL);
	pg.restart_ev = evtimer_new(base, restart_cb, NULL);
	backoff_reset(&pg.bo);
	log_info("postgres: embedded server from %s in %s, log %s",
	    pg.bindir, pg.state_dir, pg.logpath);
	begin();
	return 0;
fail:
	pgembed_free();
	return -1;
}

/* ------------------------------------------------------------ stop */

static void
kill_helper(pid_t pid)
{
	if (pid != 0)
		kill(pid, SIGTERM);
}

void
pgembed_stop(void)
{
	if (pg.base == NULL)
		return;
	if (pg.stopping) {
		if (pg.pg_pid != 0) {
			log_warnx("postgres: (pid %d) still running: "
			    "immediate shutdown", (int)pg.pg_pid);
			kill(pg.pg_pid, SIGQUIT);
		}
		return;
	}
	pg.stopping = 1;
	pg.phase = PG_STOPPING;
	evtimer_del(pg.poll_ev);
	evtimer_del(pg.restart_ev);
	kill_helper(pg.initdb_pid);	/* initdb removes what it made */
	kill_helper(pg.isready_pid);
	kill_helper(pg.createdb_pid);
	if (pg.pg_pid != 0) {
		log_info("postgres: stopping (pid %d)", (int)pg.pg_pid);
		kill(pg.pg_pid, SIGINT);	/* fast shutdown */
	}
	if (!pgembed_running())
		pg.phase = PG_IDLE;
}

int
pgembed_running(void)
{
	return pg.pg_pid != 0 || pg.initdb_pid != 0 || pg.isready_pid != 0 ||
	    pg.createdb_pid != 0;
}

pid_t
pgembed_pid(void)
{
	return pg.pg_pid;
}

const char *
pgembed_conninfo(void)
{
	return pg.phase == PG_UP ? pg.conninfo : NULL;
}

const char *
pgembed_sockdir(void)
{
	return pg.phase == PG_UP ? pg.sockdir : NULL;
}

const char *
pgembed_superuser(void)
{
	return pg.phase == PG_UP ? pg.user : NULL;
}

void
pgembed_free(void)
{
	if (pgembed_running())
		fatalx("pgembed_free: children still running");
	if (pg.poll_ev != NULL)
		event_free(pg.poll_ev);
	if (pg.restart_ev != NULL)
		event_free(pg.restart_ev);
	if (pg.logfd != -1)
		close(pg.logfd);
	free(pg.state_dir);
	free(pg.datadir);
	free(pg.sockdir);
	free(pg.sockfile);
	free(pg.logpath);
	free(pg.user);
	free(pg.client);
	free(pg.conninfo);
	memset(&pg, 0, sizeof(pg));
	pg.logfd = -1;
}
