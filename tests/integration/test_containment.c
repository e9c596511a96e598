/*
 * Workspaces that cannot hurt the host or each other (issue 12), on
 * the real Docker Engine: the containment of every container as
 * `docker inspect` shows it and as it works inside (capabilities,
 * no-new-privileges, init, ulimits, read-only root, capped log); a
 * fork bomb stopped by PidsLimit while berthd and other containers
 * answer; berth's bridge network with inter-container traffic off
 * (two running workspaces cannot reach each other, but do reach a
 * server outside it), the DOCKER-USER rule that keeps them from
 * 169.254.0.0/16 (gone once berthd stops), and what /api/health says
 * when the isolated network cannot be had or the rule not installed.
 *
 * The "outside" is the test's own: a network namespace joined to the
 * host by a veth pair, serving HTTP on 10.199.77.2 and on
 * 169.254.169.254 (the host routes that one address into the
 * namespace while the test runs), so nothing leaves this machine even
 * when the rule is missing.
 */
#include <sys/mount.h>
#include <sys/time.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define ADMIN		"it-admin-token-0123456789"
#define IMAGE		"berth/demo-workspace:contain-it"
#define NETWORK		"berth-it-contain"
#define NS		"berth-it-ns"
#define VETH		"bit-c0"
#define VETH_NS		"bit-c1"
#define NS_HOST		"10.199.77.1"
#define NS_ADDR		"10.199.77.2"
#define METADATA	"169.254.169.254"
#define WWW		"/tmp/berth-it-www"
#define USER		"it-contain"

/* interval: of the engine's health check; a long one leaves the first
 * answer to healthmon's probe from the host. */
#define DEMO_TYPE(name, interval)					\
    "[type." name "]\nimage = " IMAGE "\nport = 8080\n"			\
    "cpus = 0.5\nmemory_mb = 256\nmax_memory_mb = 512\n"		\
    "health_cmd = wget -q -O /dev/null http://127.0.0.1:{port}/healthz" \
    " || exit 1\n"							\
    "health_interval_s = " interval "\nhealth_timeout_s = 2\n"		\
    "health_retries = 3\n"						\
    "health_start_period_s = 0\nvolume_path = /workspace\n"

static const char config[] =
    "[docker]\nstop_timeout_s = 1\nisolated_network = " NETWORK "\n"
    "[auth]\nadmin_token = " ADMIN "\n"
    DEMO_TYPE("demo", "300")
    DEMO_TYPE("tight", "1")
    "read_only_rootfs = true\ncap_add = CHOWN,SETUID\npids_limit = 64\n"
    "ulimit_nofile = 256\nulimit_nproc = 128\nlog_max_size_mb = 1\n"
    "log_max_files = 2\nnetwork = none\n";

/* The isolated network is the engine's default bridge (icc on). */
static const char config_icc_on[] =
    "[docker]\nstop_timeout_s = 1\nisolated_network = bridge\n"
    "[auth]\nadmin_token = " ADMIN "\n"
    DEMO_TYPE("demo", "300")
    DEMO_TYPE("open", "300")
    "network = shared\n";

static struct berthd_run run;

static void
cleanup(void)
{
	harness_cleanup(&run);
	sh(NULL, "docker ps -aq --filter label=berth.user=" USER
	    " --filter label=berth.managed=true | xargs -r docker rm -f "
	    ">/dev/null 2>&1");
	sh(NULL, "docker network rm " NETWORK " >/dev/null 2>&1");
}

/* Once, before every test: the demo image (with ping and timeout)
 * under a tag of its own, built afresh from the script. */
ReportHook(PRE_ALL)(struct criterion_test_set *tests)
{
	(void)tests;
	if (system("docker info >/dev/null 2>&1 && sh " BERTH_SRCDIR
	    "/contrib/demo-image.sh " IMAGE " >/dev/null") != 0)
		fprintf(stderr, "cannot build " IMAGE "\n");
}

static void
setup(void)
{
	cr_assert_eq(sh(NULL, "docker info >/dev/null 2>&1"), 0,
	    "these tests need a running Docker Engine "
	    "(contrib/start-dockerd.sh)");
	cr_assert_eq(sh(NULL, "docker image inspect " IMAGE " >/dev/null "
	    "2>&1"), 0, "no image " IMAGE);
	cleanup();
}

TestSuite(containment, .init = setup, .fini = cleanup, .timeout = 90);

/* ------------------------------------------------------------ helpers */

static json_t *
create(const char *type)
{
	char body[128];

	snprintf(body, sizeof(body), "{\"type\":\"%s\",\"userId\":\"" USER
	    "\"}", type);
	return harness_call(&run, "POST", "/api/workspaces", ADMIN, body,
	    201);
}

/* Wait until the workspace is running; its container id. */
static char *
running(json_t *ws)
{
	char	 path[128];
	json_t	*j = NULL;
	char	*cid;
	int	 waited;

	snprintf(path, sizeof(path), "/api/workspaces/%s",
	    harness_jstr(ws, "id"));
	for (waited = 0; waited < 30000; waited += 200) {
		json_decref(j);
		j = harness_call(&run, "GET", path, ADMIN, NULL, 200);
		if (strcmp(harness_jstr(j, "status"), "running") == 0)
			break;
		sleep_ms(200);
	}
	cr_assert_str_eq(harness_jstr(j, "status"), "running",
	    "workspace %s never ran", harness_jstr(ws, "id"));
	cid = strdup(harness_jstr(j, "containerId"));
	json_decref(j);
	return cid;
}

static void
expect_inspect(const char *cid, const char *fmt, const char *want)
{
	char *got;

	cr_assert_eq(sh(&got, "docker inspect -f '%s' %s", fmt, cid), 0);
	cr_expect_str_eq(got, want, "%s: %s, not %s", fmt, got, want);
	free(got);
}

/* docker exec CID sh -c CMD: its exit status, output in *out. */
static int
dexec(char **out, const char *cid, const char *cmd)
{
	return sh(out, "docker exec %s sh -c '%s' 2>&1", cid, cmd);
}

static char *
container_ip(const char *cid)
{
	char *ip;

	cr_assert_eq(sh(&ip, "docker inspect -f '{{range .NetworkSettings."
	    "Networks}}{{.IPAddress}}{{end}}' %s", cid), 0);
	cr_assert(ip[0] != '\0', "container %.12s has no address", cid);
	return ip;
}

static long
elapsed_ms(const struct timeval *t0)
{
	struct timeval t1;

	gettimeofday(&t1, NULL);
	return (t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_usec - t0->tv_usec) / 1000;
}

/* A number in the container's pids cgroup file (v1, cgroupfs), skip
 * bytes in ("max N" of pids.events); -1 if unreadable. */
static long
cgroup_pids(const char *cid, const char *file, size_t skip)
{
	char	path[256], *s;
	long	n = -1;

	snprintf(path, sizeof(path), "/sys/fs/cgroup/pids/docker/%s/%s",
	    cid, file);
	if ((s = read_file(path)) != NULL && strlen(s) >= skip)
		n = atol(s + skip);
	free(s);
	return n;
}

/* The docker check of /api/health. */
static json_t *
docker_check(void)
{
	json_t	*h, *c;
	size_t	 i;

	h = harness_call(&run, "GET", "/api/health", ADMIN, NULL, 200);
	json_array_foreach(json_object_get(h, "checks"), i, c) {
		if (strcmp(harness_jstr(c, "name"), "docker") == 0) {
			json_incref(c);
			json_decref(h);
			return c;
		}
	}
	cr_assert_fail("no docker check");
	return NULL;
}

/* ------------------------------------------------------------ outside */

static void
outside_down(void)
{
	sh(NULL, "ip netns pids " NS " 2>/dev/null | xargs -r kill");
	sh(NULL, "ip route del " METADATA "/32 via " NS_ADDR
	    " >/dev/null 2>&1");
	sh(NULL, "ip link del " VETH " >/dev/null 2>&1");
	sh(NULL, "ip netns del " NS " >/dev/null 2>&1");
	sh(NULL, "rm -rf " WWW);
}

/* An HTTP server on NS_ADDR:8099 and METADATA:8099, in a namespace of
 * the test's own; METADATA routed there from the host. */
static void
outside_up(void)
{
	char *route;

	outside_down();
	sh(&route, "ip route show " METADATA "/32");
	cr_assert_str_empty(route, "the host routes " METADATA " already "
	    "(%s): not touching it", route);
	free(route);
	cr_assert_eq(sh(NULL, "set -e; mkdir -p " WWW "; echo outside > "
	    WWW "/index.html; ip netns add " NS "; ip link add " VETH
	    " type veth peer name " VETH_NS "; ip link set " VETH_NS
	    " netns " NS "; ip addr add " NS_HOST "/24 dev " VETH "; "
	    "ip link set " VETH " up; ip -n " NS " addr add " NS_ADDR
	    "/24 dev " VETH_NS "; ip -n " NS " addr add " METADATA
	    "/32 dev " VETH_NS "; ip -n " NS " link set " VETH_NS " up; "
	    "ip -n " NS " link set lo up; ip route add " METADATA
	    "/32 via " NS_ADDR "; ip netns exec " NS " busybox httpd -p "
	    "8099 -h " WWW " 2>&1"), 0, "cannot set up the outside server");
	/* From the host (not forwarded: no DOCKER-USER) both answer. */
	cr_assert_eq(sh(NULL, "curl -s -m 2 http://" NS_ADDR ":8099/ | "
	    "grep -q outside"), 0);
	cr_assert_eq(sh(NULL, "curl -s -m 2 http://" METADATA ":8099/ | "
	    "grep -q outside"), 0);
}

/* ------------------------------------------------------------ tests */

Test(containment, every_container_is_contained)
{
	json_t	*ws;
	char	*cid, *out;

	harness_start(&run, config, NULL, (uid_t)-1);
	ws = create("demo");
	cid = running(ws);	/* healthy with every capability dropped */
	expect_inspect(cid, "{{.HostConfig.PidsLimit}}", "512");
	expect_inspect(cid, "{{json .HostConfig.CapDrop}}", "[\"ALL\"]");
	expect_inspect(cid, "{{json .HostConfig.CapAdd}}", "[\"CHOWN\","
	    "\"DAC_OVERRIDE\",\"FOWNER\",\"SETUID\",\"SETGID\",\"KILL\","
	    "\"NET_BIND_SERVICE\"]");
	expect_inspect(cid, "{{json .HostConfig.SecurityOpt}}",
	    "[\"no-new-privileges\"]");
	expect_inspect(cid, "{{.HostConfig.Init}}", "true");
	expect_inspect(cid, "{{range .HostConfig.Ulimits}}{{.Name}}={{.Soft}}"
	    "/{{.Hard}} {{end}}", "nofile=4096/4096 nproc=1024/1024 ");
	expect_inspect(cid, "{{.HostConfig.LogConfig.Type}} {{index "
	    ".HostConfig.LogConfig.Config \"max-size\"}} {{index "
	    ".HostConfig.LogConfig.Config \"max-file\"}}",
	    "json-file 10m 3");
	expect_inspect(cid, "{{.HostConfig.NetworkMode}}", NETWORK);
	expect_inspect(cid, "{{.HostConfig.ReadonlyRootfs}}", "false");

	/* As it works inside. */
	cr_expect_neq(dexec(&out, cid, "ping -c 1 -W 1 127.0.0.1"), 0,
	    "ping (NET_RAW) worked: %s", out);
	cr_expect(strstr(out, "permission denied") != NULL, "%s", out);
	free(out);
	cr_expect_eq(dexec(&out, cid, "cat /proc/self/status"), 0);
	cr_expect(strstr(out, "CapEff:\t00000000000004eb") != NULL,
	    "%s", out);		/* the seven of cap_add's default */
	cr_expect(strstr(out, "NoNewPrivs:\t1") != NULL, "%s", out);
	free(out);
	cr_expect_eq(dexec(&out, cid, "cat /proc/1/comm"), 0);
	cr_expect_str_eq(out, "docker-init", "pid 1 is %s, no init", out);
	free(out);
	cr_expect_eq(dexec(&out, cid, "ulimit -n"), 0);
	cr_expect_str_eq(out, "4096");
	free(out);
	cr_expect_eq(sh(&out, "docker network inspect -f '{{.Driver}} {{index "
	    ".Options \"com.docker.network.bridge.enable_icc\"}} {{index "
	    ".Labels \"berth.managed\"}}' " NETWORK), 0);
	cr_expect_str_eq(out, "bridge false true");
	free(out);
	free(cid);
	json_decref(ws);
}

Test(containment, type_keys_reach_the_container)
{
	json_t	*ws;
	char	*cid, *out;
	int	 i;

	harness_start(&run, config, NULL, (uid_t)-1);
	ws = create("tight");
	cid = running(ws);	/* no network: the engine's check says */
	expect_inspect(cid, "{{.HostConfig.PidsLimit}}", "64");
	expect_inspect(cid, "{{json .HostConfig.CapAdd}}",
	    "[\"CHOWN\",\"SETUID\"]");
	expect_inspect(cid, "{{range .HostConfig.Ulimits}}{{.Name}}={{.Soft}}"
	    "/{{.Hard}} {{end}}", "nofile=256/256 nproc=128/128 ");
	expect_inspect(cid, "{{index .HostConfig.LogConfig.Config "
	    "\"max-size\"}} {{index .HostConfig.LogConfig.Config "
	    "\"max-file\"}}", "1m 2");
	expect_inspect(cid, "{{.HostConfig.NetworkMode}}", "none");
	expect_inspect(cid, "{{.HostConfig.ReadonlyRootfs}}", "true");
	expect_inspect(cid, "{{json .HostConfig.Tmpfs}}",
	    "{\"/tmp\":\"rw,nosuid,nodev,size=64m\"}");
	cr_expect_neq(dexec(&out, cid, "echo x > /x"), 0,
	    "the root file system is writable");
	free(out);
	cr_expect_eq(dexec(&out, cid, "echo x > /tmp/x && cat /tmp/x"), 0,
	    "/tmp: %s", out);
	free(out);
	cr_expect_eq(dexec(&out, cid, "ulimit -n; ulimit -u"), 0);
	cr_expect_str_eq(out, "256\n128");
	free(out);

	/* A chatty workspace: 5 MB to its log keep 2 files of 1 MB.  The
	 * engine copies the output after the command is done: its log
	 * is looked at until it passes 1 MB (a loaded machine, seconds). */
	cr_expect_eq(dexec(&out, cid, "yes 0123456789abcdef0123456789abcdef"
	    " | head -c 5000000 > /proc/1/fd/1"), 0, "%s", out);
	free(out);
	out = NULL;
	for (i = 0; i < 100; i++) {
		free(out);
		cr_assert_eq(sh(&out, "du -cb $(docker inspect -f "
		    "'{{.LogPath}}' %s)* | tail -n 1", cid), 0);
		if (atol(out) > 1000000)
			break;
		usleep(100000);
	}
	cr_expect(atol(out) > 1000000 && atol(out) <= 2200000,
	    "%s bytes of log", out);
	free(out);
	free(cid);
	json_decref(ws);
}

Test(containment, fork_bomb_stops_at_pids_limit)
{
	json_t		*a, *b;
	char		*ca, *cb, *out;
	struct timeval	 t0;
	long		 pids = 0, now, refused = 0, ms;
	int		 i, after = 0;

	harness_start(&run, config, NULL, (uid_t)-1);
	a = create("demo");
	b = create("demo");
	ca = running(a);
	cb = running(b);
	cr_assert_eq(sh(NULL, "docker exec -d %s sh -c "
	    "'b() { b | b & }; b'", ca), 0);
	/* Until the kernel refused a fork at the limit, and a second
	 * more: the most processes seen (a bomb's processes die and are
	 * made again, so one look after the refusal may find fewer). */
	for (i = 0; i < 300 && (refused == 0 || after < 20); i++) {
		sleep_ms(50);
		if ((now = cgroup_pids(ca, "pids.current", 0)) > pids)
			pids = now;
		refused = cgroup_pids(ca, "pids.events", 4);
		after += refused > 0;
	}
	cr_expect_geq(pids, 400, "the bomb made only %ld pids", pids);
	cr_expect_gt(refused, 0, "no fork refused at the limit");
	cr_expect_eq(cgroup_pids(ca, "pids.max", 0), 512);

	/* berthd, the host and another workspace still answer. */
	gettimeofday(&t0, NULL);
	cr_expect_eq(harness_http(&run, "GET", "/health", NULL), 200);
	ms = elapsed_ms(&t0);
	cr_expect_lt(ms, 2000, "/health took %ld ms", ms);
	gettimeofday(&t0, NULL);
	cr_expect_eq(dexec(&out, cb, "echo alive"), 0, "%s", out);
	cr_expect_str_eq(out, "alive");
	free(out);
	ms = elapsed_ms(&t0);
	cr_expect_lt(ms, 10000, "docker exec took %ld ms", ms);
	cr_expect_eq(sh(NULL, "true"), 0);
	sh(NULL, "docker rm -f %s >/dev/null 2>&1", ca);
	free(ca);
	free(cb);
	json_decref(a);
	json_decref(b);
}

Test(containment, workspaces_reach_out_but_not_each_other)
{
	json_t	*a, *b, *c;
	char	*ca, *cb, *ipb, *out, cmd[256], comment[128];

	outside_up();
	harness_start(&run, config, NULL, (uid_t)-1);
	a = create("demo");
	b = create("demo");
	ca = running(a);	/* healthmon's probe reached both */
	cb = running(b);
	ipb = container_ip(cb);

	/* Not each other, in either direction. */
	snprintf(cmd, sizeof(cmd), "timeout 2 wget -q -O - "
	    "http://%s:8080/healthz", ipb);
	cr_expect_neq(dexec(&out, ca, cmd), 0, "A reached B: %s", out);
	free(out);
	free(ipb);
	ipb = container_ip(ca);
	snprintf(cmd, sizeof(cmd), "timeout 2 wget -q -O - "
	    "http://%s:8080/healthz", ipb);
	cr_expect_neq(dexec(&out, cb, cmd), 0, "B reached A: %s", out);
	free(out);

	/* The outside, but no link-local address. */
	cr_expect_eq(dexec(&out, ca, "timeout 2 wget -q -O - "
	    "http://" NS_ADDR ":8099/"), 0, "%s", out);
	cr_expect_str_eq(out, "outside");
	free(out);
	cr_expect_neq(dexec(&out, ca, "timeout 2 wget -q -O - "
	    "http://" METADATA ":8099/"), 0, "reached " METADATA ": %s",
	    out);
	free(out);

	/* berthd's rule, and the health check's word on it. */
	snprintf(comment, sizeof(comment), "--comment \"berth %s\"", run.dir);
	cr_expect_eq(sh(&out, "iptables -S DOCKER-USER | grep -F -- '%s'",
	    comment), 0, "no rule with %s", comment);
	cr_expect(strstr(out, "-d 169.254.0.0/16 -i br-") != NULL &&
	    strstr(out, "-j DROP") != NULL, "%s", out);
	free(out);
	c = docker_check();
	cr_expect_str_eq(harness_jstr(c, "status"), "healthy");
	cr_expect_str_eq(harness_jstr(json_object_get(c, "details"),
	    "containment"), "ok");
	json_decref(c);

	cr_assert_eq(WEXITSTATUS(harness_stop(&run, SIGTERM, 10000)), 0);
	cr_expect_neq(sh(NULL, "iptables -S DOCKER-USER | grep -qF -- '%s'",
	    comment), 0, "the rule outlived berthd");
	outside_down();
	free(ipb);
	free(ca);
	free(cb);
	json_decref(a);
	json_decref(b);
}

Test(containment, no_isolated_network_is_said_and_refused)
{
	json_t	*ws, *c, *e;
	char	*cid;

	harness_start(&run, config_icc_on, NULL, (uid_t)-1);
	c = docker_check();
	cr_expect_str_eq(harness_jstr(c, "status"), "degraded");
	cr_expect(strstr(harness_jstr(json_object_get(c, "details"),
	    "containment"), "enable_icc=false") != NULL, "%s",
	    harness_jstr(json_object_get(c, "details"), "containment"));
	json_decref(c);
	cr_expect(log_contains(&run, "is not a bridge with"));
	e = harness_call(&run, "POST", "/api/workspaces", ADMIN,
	    "{\"type\":\"demo\",\"userId\":\"" USER "\"}", 503);
	json_decref(e);
	/* A shared type still runs, on the [docker] network. */
	ws = create("open");
	cid = running(ws);
	expect_inspect(cid, "{{.HostConfig.NetworkMode}}", "bridge");
	free(cid);
	json_decref(ws);
}

/* iptables that fails, in a mount namespace of this test's own (and
 * so of the berthd it starts): the rule cannot be installed. */
Test(containment, a_rule_that_cannot_be_installed_is_said)
{
	json_t	*c = NULL;
	int	 waited;

	cr_assert_eq(unshare(CLONE_NEWNS), 0);
	cr_assert_eq(mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	cr_assert_eq(mount("/bin/false", "/usr/sbin/iptables", NULL, MS_BIND,
	    NULL), 0);
	harness_start(&run, config, NULL, (uid_t)-1);
	/* healthmon asks berthd every round (10 s): the first may have
	 * come before iptables failed. */
	for (waited = 0; waited <= 12000; waited += 500) {
		json_decref(c);
		c = docker_check();
		if (strcmp(harness_jstr(c, "status"), "degraded") == 0)
			break;
		sleep_ms(500);
	}
	cr_expect_str_eq(harness_jstr(c, "status"), "degraded");
	cr_expect(strstr(harness_jstr(json_object_get(c, "details"),
	    "containment"), "cannot add the DOCKER-USER rule") != NULL, "%s",
	    harness_jstr(json_object_get(c, "details"), "containment"));
	json_decref(c);
	cr_expect(log_contains(&run, "link-local addresses are not blocked"));
}
