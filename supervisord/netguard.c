/*
 * The workspaces' network, set up whenever berthd connects to the
 * engine: berth's own bridge network ([docker] isolated_network) with
 * inter-container traffic off, created if missing and refused if it
 * exists with icc on; and, for each bridge berth's workspaces use, a
 * rule in the DOCKER-USER chain that drops what they send to
 * 169.254.0.0/16 (the link-local range of cloud metadata services),
 * removed when berthd exits.  iptables runs as a child with a clean
 * environment, reaped through berthd's SIGCHLD path (netguard_reaped),
 * one at a time; what could not be done is logged and reported
 * (netguard_problem, a detail of /api/health's docker check).
 */
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "berthd.h"
#include "docker.h"
#include "log.h"
#include "util.h"

#define LINK_LOCAL	"169.254.0.0/16"
#define ICC_OPTION	"com.docker.network.bridge.enable_icc"
#define NAME_OPTION	"com.docker.network.bridge.name"
#define MAX_RULES	2	/* the isolated and the shared bridge */

enum rstate { R_WANTED, R_CHECKING, R_INSERTING, R_IN, R_FAILED };

struct rule {
	char		iface[16];	/* IFNAMSIZ */
	enum rstate	state;
};

static struct rule	 rules[MAX_RULES];
static size_t		 nrules;
static pid_t		 child;		/* the iptables running, or 0 */
static struct rule	*child_rule;
static int		 iso_ready, iso_pending;
static void		(*iso_done)(void);	/* netguard_start's caller */
static char		 iso_problem[256], rule_problem[256];
static char		 problem[520];

static const char *const iptables_paths[] = {
	"/usr/sbin/iptables", "/sbin/iptables",
};

/* ------------------------------------------------------------ iptables */

static const char *
iptables(void)
{
	size_t	i;

	for (i = 0; i < sizeof(iptables_paths) / sizeof(*iptables_paths); i++)
		if (access(iptables_paths[i], X_OK) == 0)
			return iptables_paths[i];
	return NULL;
}

/* stderr stays berthd's (the log when it runs in the foreground)
 * except for -C, whose "Bad rule" only means "not there yet". */
static void __attribute__((noreturn))
child_exec(const char *path, char *const argv[], int quiet)
{
	char *const	envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
			    "LC_ALL=C", NULL };
	sigset_t	none;
	int		sig, nullfd;

	if ((nullfd = open("/dev/null", O_RDWR)) == -1 ||
	    dup2(nullfd, 0) == -1 || dup2(nullfd, 1) == -1 ||
	    (quiet && dup2(nullfd, 2) == -1))
		_exit(126);
	close_from(3);
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);	/* berthd ignores SIGPIPE */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(path, argv, envp);
	_exit(127);
}

/* iptables -w 5 OP DOCKER-USER -i IFACE -d 169.254.0.0/16 ... -j DROP;
 * op is "-C", "-I" or "-D".  Returns the pid, or 0. */
static pid_t
rule_spawn(const char *op, const struct rule *r)
{
	const char	*path = iptables();
	char		 comment[128];
	char		*argv[] = { "iptables", "-w", "5", (char *)op,
			    "DOCKER-USER", "-i", (char *)r->iface, "-d",
			    LINK_LOCAL, "-m", "comment", "--comment", comment,
			    "-j", "DROP", NULL };
	pid_t		 pid;

	/* Each berthd (by its state directory) owns its rule: another
	 * one on the same engine exiting leaves it in place. */
	snprintf(comment, sizeof(comment), "berth %.100s",
	    env->cfg.state_dir);

	if (path == NULL) {
		snprintf(rule_problem, sizeof(rule_problem), "no iptables "
		    "(%s): link-local addresses are not blocked for "
		    "workspaces", iptables_paths[0]);
		log_warnx("netguard: %s", rule_problem);
		return 0;
	}
	if ((pid = fork()) == -1) {
		log_warn("netguard: fork");
		return 0;
	}
	if (pid == 0)
		child_exec(path, argv, strcmp(op, "-C") == 0);
	return pid;
}

static void
rule_failed(struct rule *r, const char *why)
{
	r->state = R_FAILED;
	snprintf(rule_problem, sizeof(rule_problem), "cannot add the "
	    "DOCKER-USER rule for %s (%s): link-local addresses are not "
	    "blocked for its workspaces", r->iface, why);
	log_warnx("netguard: %s", rule_problem);
}

/* The next rule wanted: is it there (-C), else insert it (-I). */
static void
run_next(void)
{
	size_t	i;

	if (child != 0 || env->shutting_down)
		return;
	for (i = 0; i < nrules; i++) {
		if (rules[i].state != R_WANTED)
			continue;
		if ((child = rule_spawn("-C", &rules[i])) == 0) {
			rule_failed(&rules[i], "iptables did not run");
			continue;
		}
		child_rule = &rules[i];
		child_rule->state = R_CHECKING;
		return;
	}
}

int
netguard_reaped(pid_t pid, int status)
{
	struct rule	*r = child_rule;
	int		 ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;

	if (pid == 0 || pid != child)
		return 0;
	child = 0;
	child_rule = NULL;
	if (ok) {
		if (r->state == R_INSERTING)
			log_info("netguard: %s may not reach %s (DOCKER-USER)",
			    r->iface, LINK_LOCAL);
		r->state = R_IN;
	} else if (r->state == R_CHECKING &&
	    (child = rule_spawn("-I", r)) != 0) {
		child_rule = r;
		r->state = R_INSERTING;
		return 1;
	} else
		rule_failed(r, WIFEXITED(status) ? "iptables failed" :
		    "iptables killed");
	run_next();
	return 1;
}

static void
rule_want(const char *iface)
{
	size_t	i;

	if (iface[0] == '\0' || strlen(iface) >= sizeof(rules[0].iface)) {
		snprintf(rule_problem, sizeof(rule_problem), "no bridge "
		    "interface name (\"%.20s\"): link-local addresses are not "
		    "blocked", iface);
		log_warnx("netguard: %s", rule_problem);
		return;
	}
	for (i = 0; i < nrules; i++)
		if (strcmp(rules[i].iface, iface) == 0)
			return;
	if (nrules == MAX_RULES)
		return;
	snprintf(rules[nrules].iface, sizeof(rules[nrules].iface), "%s",
	    iface);
	rules[nrules++].state = R_WANTED;
	run_next();
}

/* At exit, synchronously: berthd's event loop is over. */
static void
rule_remove(struct rule *r)
{
	pid_t	pid;
	int	status;

	if ((pid = rule_spawn("-D", r)) == 0)
		return;
	if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0)
		log_info("netguard: removed the DOCKER-USER rule for %s",
		    r->iface);
	else
		log_warnx("netguard: cannot remove the DOCKER-USER rule for "
		    "%s", r->iface);
}

void
netguard_stop(void)
{
	size_t	i;
	int	status;

	if (child != 0 && waitpid(child, &status, 0) == child &&
	    WIFEXITED(status) && WEXITSTATUS(status) == 0)
		child_rule->state = R_IN;	/* it is there */
	child = 0;
	iso_done = NULL;
	for (i = 0; i < nrules; i++)
		if (rules[i].state == R_IN)
			rule_remove(&rules[i]);
	nrules = 0;
}

/* ------------------------------------------------------------ networks */

/* The bridge's interface: its name option, else the engine's br-ID. */
static void
bridge_iface(json_t *net, char *buf, size_t len)
{
	const char *name = json_string_value(json_object_get(json_object_get(
	    net, "Options"), NAME_OPTION));
	const char *id = json_string_value(json_object_get(net, "Id"));

	buf[0] = '\0';
	if (name != NULL)
		snprintf(buf, len, "%s", name);
	else if (id != NULL && strlen(id) >= 12)
		snprintf(buf, len, "br-%.12s", id);
}

static int
is_bridge(json_t *net)
{
	const char *d = json_string_value(json_object_get(net, "Driver"));

	return d != NULL && strcmp(d, "bridge") == 0;
}

static void	iso_inspected(const struct docker_reply *, void *);

/* The isolated network is known to be usable or not. */
static void
iso_known(void)
{
	void	(*done)(void) = iso_done;

	iso_pending = 0;
	iso_done = NULL;
	if (done != NULL)
		done();
}

static void
iso_fail(const char *fmt, const char *what)
{
	snprintf(iso_problem, sizeof(iso_problem), fmt,
	    env->cfg.docker_isolated_network, what);
	log_warnx("netguard: %s", iso_problem);
	iso_known();
}

static const char *
engine_why(const struct docker_reply *r)
{
	const char *m = json_string_value(json_object_get(r->json, "message"));

	if (r->err != NULL)
		return r->err;
	return m != NULL ? m : "engine error";
}

static void
iso_created(const struct docker_reply *r, void *arg)
{
	/* 409: another berthd on this engine made it meanwhile. */
	if (r->status != 201 && r->status != 409)
		return iso_fail("cannot create network %s: %s", engine_why(r));
	eng_network_inspect(env->cfg.docker_isolated_network, iso_inspected,
	    NULL);
}

static void
iso_inspected(const struct docker_reply *r, void *arg)
{
	const char	*icc;
	char		 iface[32];

	if (r->status == 404) {
		eng_network_create(env->cfg.docker_isolated_network,
		    json_pack("{s:s}", ICC_OPTION, "false"),
		    json_pack("{s:s}", "berth.managed", "true"), iso_created,
		    NULL);
		return;
	}
	if (r->status != 200)
		return iso_fail("cannot inspect network %s: %s",
		    engine_why(r));
	icc = json_string_value(json_object_get(json_object_get(r->json,
	    "Options"), ICC_OPTION));
	if (!is_bridge(r->json) || icc == NULL || strcmp(icc, "false") != 0)
		return iso_fail("network %s is not a bridge with %s=false: "
		    "isolated workspaces are refused", ICC_OPTION);
	iso_problem[0] = '\0';
	iso_ready = 1;
	bridge_iface(r->json, iface, sizeof(iface));
	rule_want(iface);
	iso_known();
}

static void
shared_inspected(const struct docker_reply *r, void *arg)
{
	char	iface[32];

	if (r->status != 200 || !is_bridge(r->json))
		return;		/* the create will say what is wrong */
	bridge_iface(r->json, iface, sizeof(iface));
	rule_want(iface);
}

static int
in_use(const char *network)
{
	size_t	i;

	for (i = 0; i < env->cfg.ntypes; i++)
		if (env->cfg.types[i].enabled &&
		    strcmp(env->cfg.types[i].network, network) == 0)
			return 1;
	return 0;
}

static void
iso_ensure(void)
{
	iso_pending = 1;
	eng_network_inspect(env->cfg.docker_isolated_network, iso_inspected,
	    NULL);
}

/* The engine answers: the networks, then done() (at once when no
 * type is isolated), so that no workspace is created before. */
void
netguard_start(void (*done)(void))
{
	size_t	i;

	rule_problem[0] = '\0';
	for (i = 0; i < nrules; i++)
		if (rules[i].state == R_FAILED)
			rules[i].state = R_WANTED;
	run_next();
	iso_ready = 0;
	if (in_use("shared"))
		eng_network_inspect(env->cfg.docker_network, shared_inspected,
		    NULL);
	if (!in_use("isolated"))
		return done();
	iso_done = done;
	iso_ensure();
}

/* ------------------------------------------------------------ public */

const char *
netguard_network(const struct ws_type *t)
{
	if (strcmp(t->network, "none") == 0)
		return "none";
	if (strcmp(t->network, "shared") == 0)
		return env->cfg.docker_network;
	if (!iso_ready && !iso_pending && engine_up())
		iso_ensure();	/* a type made isolated by a reload */
	return iso_ready ? env->cfg.docker_isolated_network : NULL;
}

const char *
netguard_problem(void)
{
	snprintf(problem, sizeof(problem), "%s%s%s", iso_problem,
	    iso_problem[0] != '\0' && rule_problem[0] != '\0' ? "; " : "",
	    rule_problem);
	return problem;
}
