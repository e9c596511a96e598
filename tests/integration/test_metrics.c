/*
 * Observability end to end, with a real berthd, the real Docker Engine
 * and real tools: /api/metrics passes `promtool check metrics` and has
 * every family the contrib/ dashboard and alert rules use; a real
 * Prometheus server scrapes it and answers queries about a running
 * workspace; /api/metrics/current has the sampling intervals and
 * berth's own overhead; business metrics price usage with the tiers'
 * prices; the health service's circuit breaker opens on a dependency
 * that keeps failing and closes once it answers; a required component
 * down makes /ready 503.
 */
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <ctype.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define ADMIN	"mt-admin-token-0123456789"
#define ALICE	"mt-alice-token-0123456789"

static const char config[] =
    "[docker]\nstop_timeout_s = 1\n"
    "[auth]\nadmin_token = " ADMIN "\n"
    "[token.alice]\ntoken = " ALICE "\nuser = mt-alice\n"
    "[metrics]\napp_interval_ms = 1000\nsystem_interval_ms = 1000\n"
    "business_interval_ms = 1000\n"
    "[tier.free]\nprice_cpu_second = 0.5\nprice_gb_hour = 1000\n"
    "[type.demo]\nimage = berth/demo-workspace:latest\nport = 8080\n"
    "cpus = 0.5\nmemory_mb = 64\nmemory_reservation_mb = 32\n"
    "health_cmd = wget -q -O /dev/null http://127.0.0.1:{port}/healthz"
    " || exit 1\n"
    "health_interval_s = 30\nhealth_start_period_s = 0\n"
    "volume_path = /workspace\n";

static struct berthd_run run;
static pid_t		 helper;	/* prometheus or an HTTP server */
static char		 tmpdir[64];

static void
cleanup(void)
{
	if (helper > 0) {
		kill(helper, SIGTERM);
		waitpid(helper, NULL, 0);
	}
	helper = 0;
	harness_cleanup(&run);
	sh(NULL, "docker ps -aq --filter label=berth.user=mt-alice "
	    "--filter label=berth.managed=true | xargs -r docker rm -f "
	    ">/dev/null 2>&1");
	if (tmpdir[0] != '\0')
		sh(NULL, "rm -rf %s", tmpdir);
	tmpdir[0] = '\0';
}

static void
setup(void)
{
	memset(&run, 0, sizeof(run));
	cr_assert_eq(sh(NULL, "docker info >/dev/null 2>&1"), 0,
	    "these tests need a running Docker Engine "
	    "(contrib/start-dockerd.sh)");
	cr_assert_eq(sh(NULL, "docker image inspect berth/demo-workspace "
	    ">/dev/null 2>&1 || sh %s/contrib/demo-image.sh >/dev/null",
	    BERTH_SRCDIR), 0, "cannot build the demo image");
	cr_assert_eq(sh(NULL, "command -v promtool >/dev/null && command -v "
	    "prometheus >/dev/null"), 0, "these tests need promtool and "
	    "prometheus (apt-get install prometheus)");
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/berth-mt-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

TestSuite(metrics, .init = setup, .fini = cleanup, .timeout = 180);

/* ------------------------------------------------------------ helpers */

static json_t *
call(const char *method, const char *path, const char *token,
    const char *body, int expect)
{
	return harness_call(&run, method, path, token, body, expect);
}

/* A running workspace of alice's; its id (free it). */
static char *
running_workspace(void)
{
	json_t	*j;
	char	*id, path[128];
	int	 waited;

	j = call("POST", "/api/workspaces", ALICE, "{\"type\":\"demo\"}", 201);
	id = strdup(harness_jstr(j, "id"));
	json_decref(j);
	snprintf(path, sizeof(path), "/api/workspaces/%s", id);
	for (waited = 0; waited < 20000; waited += 100) {
		j = call("GET", path, ALICE, NULL, 200);
		if (strcmp(harness_jstr(j, "status"), "running") == 0)
			waited = 20000;
		json_decref(j);
		sleep_ms(100);
	}
	return id;
}

static char *
exposition(void)
{
	char	*body;

	cr_assert_eq(harness_http(&run, "GET", "/api/metrics", &body), 200);
	return body;
}

/* The value of the first sample line that starts with prefix; NaN. */
static double
sample(const char *text, const char *prefix)
{
	const char	*p = text;
	size_t		 n = strlen(prefix);

	while ((p = strstr(p, prefix)) != NULL) {
		if ((p == text || p[-1] == '\n') && (p[n] == ' ' ||
		    p[n] == '{'))
			return atof(strchr(p, ' ') + 1);
		p += n;
	}
	return 0.0 / 0.0;
}

/* ------------------------------------------------------------ tests */

Test(metrics, exposition_passes_promtool)
{
	char	*id, *text, path[128], *out, want[256];
	FILE	*f;

	harness_start(&run, config, NULL, (uid_t)-1);
	id = running_workspace();
	sleep_ms(2500);
	text = exposition();
	snprintf(path, sizeof(path), "%s/metrics.txt", tmpdir);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	cr_assert_eq(sh(&out, "promtool check metrics < %s 2>&1", path), 0,
	    "promtool: %s", out);
	cr_expect_str_eq(out, "", "promtool has remarks: %s", out);
	free(out);
	snprintf(want, sizeof(want), "berth_container_memory_usage_bytes{"
	    "workspace=\"%s\",user=\"mt-alice\",tier=\"free\"} ", id);
	cr_expect_not_null(strstr(text, want), "no memory series of %s", id);
	/* At least ours: berthd adopts every managed container. */
	cr_expect_geq(sample(text, "berth_workspaces{status=\"running\"}"),
	    1);
	cr_expect_eq(sample(text, "berth_workspace_startup_seconds_count"), 1);
	cr_expect_gt(sample(text, "berth_system_memory_usage_ratio"), 0);
	cr_expect_eq(sample(text, "berth_worker_up{worker=\"healthmon\"}"), 1);
	cr_expect_gt(sample(text, "berth_process_resident_memory_bytes{"
	    "process=\"berthd\"}"), 0);
	cr_expect_not_null(strstr(text, "berth_http_requests_total{route="
	    "\"/api/workspaces\",method=\"POST\",code=\"201\"} 1"));
	cr_expect_eq(sample(text, "berth_user_activity_total{action="
	    "\"workspace_start\",tier=\"free\"}"), 1);
	free(text);
	free(id);
}

/*
 * The gateway keeps the statswriter's container lines between scrapes
 * and asks only whether a cycle made new ones: a workspace removed
 * leaves the exposition after a cycle, and a restarted statswriter
 * (its generations start anew) is not mistaken for the one the lines
 * came from.
 */
Test(metrics, kept_container_lines_follow_cycles_and_restarts)
{
	char	*a, *b, *text, path[128], want[256], cfg[2048];
	pid_t	 sw;
	json_t	*j;

	/* every scrape gathered: none answered from the snapshot */
	snprintf(cfg, sizeof(cfg), "%s[server]\nanonymous_cache_ms = 0\n",
	    config);
	harness_start(&run, cfg, NULL, (uid_t)-1);
	a = running_workspace();
	sleep_ms(2500);
	snprintf(want, sizeof(want), "berth_container_memory_usage_bytes{"
	    "workspace=\"%s\"", a);
	text = exposition();
	cr_expect_not_null(strstr(text, want), "no series of %s", a);
	free(text);
	text = exposition();	/* the same cycle: the kept lines */
	cr_expect_not_null(strstr(text, want), "kept lines lost %s", a);
	free(text);

	snprintf(path, sizeof(path), "/api/workspaces/%s", a);
	j = call("DELETE", path, ALICE, NULL, 200);
	json_decref(j);
	sleep_ms(2500);
	text = exposition();
	cr_expect_null(strstr(text, want), "%s removed, still exposed", a);
	free(text);

	sw = harness_worker_pid(&run, "statswriter");
	cr_assert_eq(kill(sw, SIGKILL), 0);
	harness_wait_new_pid(&run, "statswriter", sw, 10000);
	b = running_workspace();
	sleep_ms(2500);
	snprintf(want, sizeof(want), "berth_container_memory_usage_bytes{"
	    "workspace=\"%s\"", b);
	text = exposition();
	cr_expect_not_null(strstr(text, want), "no series of %s after the "
	    "statswriter's restart", b);
	free(text);
	free(a);
	free(b);
}

/* Every berth_ family the contrib/ dashboard and rules use is there. */
Test(metrics, contrib_uses_only_exported_families)
{
	static const char *const files[] = {
	    BERTH_SRCDIR "/contrib/grafana/berth-dashboard.json",
	    BERTH_SRCDIR "/contrib/prometheus/berth-alerts.yml" };
	char	*text, *src, *p, name[128], want[160];
	size_t	 i, n, checked = 0;

	harness_start(&run, config, NULL, (uid_t)-1);
	text = exposition();
	for (i = 0; i < 2; i++) {
		cr_assert_not_null(src = read_file(files[i]), "%s", files[i]);
		for (p = src; (p = strstr(p, "berth_")) != NULL; p += n) {
			n = strspn(p, "abcdefghijklmnopqrstuvwxyz_0123456789");
			if (n >= sizeof(name) || (p > src && (isalnum(
			    (unsigned char)p[-1]) || p[-1] == '_')))
				continue;
			memcpy(name, p, n);
			name[n] = '\0';
			snprintf(want, sizeof(want), "# TYPE %s ", name);
			if (strstr(text, want) == NULL &&
			    (n < 7 || (strcmp(name + n - 7, "_bucket") &&
			    strcmp(name + n - 4, "_sum") &&
			    strcmp(name + n - 6, "_count"))))
				cr_expect_fail("%s uses %s, not exported",
				    files[i], name);
			checked++;
		}
		free(src);
	}
	cr_expect_gt(checked, 40);
	free(text);
}

static void
start_prometheus(int port)
{
	char	conf[128], data[128], listen[32], cfg[512];
	FILE	*f;

	snprintf(conf, sizeof(conf), "%s/prometheus.yml", tmpdir);
	snprintf(data, sizeof(data), "--storage.tsdb.path=%s/data", tmpdir);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	snprintf(cfg, sizeof(cfg), "global:\n  scrape_interval: 1s\n"
	    "scrape_configs:\n  - job_name: berth\n"
	    "    metrics_path: /api/metrics\n    static_configs:\n"
	    "      - targets: ['127.0.0.1:%d']\n", run.port);
	cr_assert_not_null(f = fopen(conf, "w"));
	fputs(cfg, f);
	fclose(f);
	if ((helper = fork()) == 0) {
		freopen("/dev/null", "w", stdout);
		freopen("/dev/null", "w", stderr);
		execlp("prometheus", "prometheus", "--config.file", conf, data,
		    "--web.listen-address", listen, (char *)NULL);
		_exit(127);
	}
	cr_assert_gt(helper, 0);
}

/* Ask Prometheus; the number of series in the answer. */
static int
prom_query(int port, const char *query)
{
	char	*out;
	json_t	*j;
	int	 n;

	sh(&out, "curl -s -G --data-urlencode 'query=%s' "
	    "http://127.0.0.1:%d/api/v1/query", query, port);
	j = json_loads(out, 0, NULL);
	free(out);
	n = (int)json_array_size(json_object_get(json_object_get(j, "data"),
	    "result"));
	json_decref(j);
	return n;
}

static void
wait_query(int port, const char *query)
{
	int	waited;

	for (waited = 0; waited < 60000; waited += 500) {
		if (prom_query(port, query) > 0)
			return;
		sleep_ms(500);
	}
	cr_assert_fail("Prometheus has no data for %s", query);
}

Test(metrics, a_real_prometheus_scrapes_berth)
{
	char	*id, q[256];
	int	 port = harness_free_port();

	harness_start(&run, config, NULL, (uid_t)-1);
	id = running_workspace();
	start_prometheus(port);
	wait_query(port, "up{job=\"berth\"} == 1");
	snprintf(q, sizeof(q), "berth_container_memory_usage_bytes{workspace="
	    "\"%s\"} > 0", id);
	wait_query(port, q);
	wait_query(port, "berth_workspace_startup_seconds_count >= 1");
	wait_query(port, "histogram_quantile(0.95, "
	    "berth_workspace_startup_seconds_bucket) > 0");
	free(id);
}

Test(metrics, current_json_has_intervals_and_overhead)
{
	json_t	*j, *s, *p;

	harness_start(&run, config, NULL, (uid_t)-1);
	json_decref(call("GET", "/api/metrics/current", NULL, NULL, 401));
	json_decref(call("GET", "/api/metrics/current", ALICE, NULL, 403));
	sleep_ms(6000);		/* two measurements of berth's processes */
	j = call("GET", "/api/metrics/current", ADMIN, NULL, 200);
	s = json_object_get(j, "sampling");
	cr_expect_eq(json_integer_value(json_object_get(s, "appIntervalMs")),
	    1000);
	cr_expect_eq(json_integer_value(json_object_get(s,
	    "systemIntervalMinMs")), 1000);
	cr_expect_eq(json_integer_value(json_object_get(s,
	    "systemIntervalMaxMs")), 30000);
	cr_expect(json_is_true(json_object_get(s, "adaptive")));
	p = json_object_get(j, "performance");
	cr_expect(json_is_number(json_object_get(p, "cpuPercent")));
	cr_expect_gt(json_number_value(json_object_get(p, "residentBytes")),
	    1e6);
	cr_expect_str_neq(harness_jstr(p, "lastCollection"), "");
	cr_expect_eq(json_array_size(json_object_get(p, "processes")), 6);
	cr_expect(json_is_number(json_object_get(json_object_get(
	    json_object_get(j, "system"), "memory"), "totalBytes")));
	json_decref(j);
}

Test(metrics, business_metrics_price_usage_by_tier)
{
	char	*id, *text = NULL;
	double	 cost = 0;
	int	 waited;

	harness_start(&run, config, NULL, (uid_t)-1);
	id = running_workspace();
	for (waited = 0; waited < 15000 && !(cost > 0); waited += 500) {
		free(text);
		sleep_ms(500);
		text = exposition();
		cost = sample(text, "berth_resource_cost_total{tier=\"free\","
		    "resource=\"memory\"}");
	}
	cr_expect_gt(cost, 0, "no memory cost for tier free");
	cr_expect_gt(sample(text, "berth_resource_usage_memory_byte_seconds_"
	    "total{tier=\"free\"}"), 0);
	cr_expect_geq(sample(text, "berth_active_users"), 1);
	free(text);
	free(id);
}

/* The state, breaker and error of a health check. */
static void
check_state(const char *name, char *status, char *breaker, size_t len)
{
	json_t	*h = call("GET", "/api/health", ADMIN, NULL, 200), *c;
	size_t	 i;

	status[0] = breaker[0] = '\0';
	json_array_foreach(json_object_get(h, "checks"), i, c) {
		if (strcmp(harness_jstr(c, "name"), name) != 0)
			continue;
		snprintf(status, len, "%s", harness_jstr(c, "status"));
		snprintf(breaker, len, "%s", harness_jstr(json_object_get(c,
		    "breaker"), "state"));
	}
	json_decref(h);
}

static int
wait_check(const char *name, const char *status, const char *breaker,
    int timeout_ms)
{
	char	st[32], br[32];
	int	waited;

	for (waited = 0; waited < timeout_ms; waited += 200) {
		check_state(name, st, br, sizeof(st));
		if (strcmp(st, status) == 0 && strcmp(br, breaker) == 0)
			return 0;
		sleep_ms(200);
	}
	cr_log_error("%s: %s, breaker %s", name, st, br);
	return -1;
}

Test(metrics, breaker_opens_on_a_failing_dependency_and_closes)
{
	char	ini[4096], www[128];
	int	port = harness_free_port();

	snprintf(ini, sizeof(ini), "%s[health]\ncheck_interval_ms = 1000\n"
	    "breaker_failures = 2\nbreaker_cooldown_s = 2\n"
	    "dependencies = auth=http://127.0.0.1:%d/health\n", config, port);
	harness_start(&run, ini, NULL, (uid_t)-1);
	cr_assert_eq(wait_check("dep:auth", "unhealthy", "open", 8000), 0,
	    "the breaker did not open");
	/* Not required: berth stays ready. */
	cr_expect_eq(harness_http(&run, "GET", "/ready", NULL), 200);
	snprintf(www, sizeof(www), "%s/www", tmpdir);
	cr_assert_eq(sh(NULL, "mkdir -p %s && echo ok > %s/health", www, www),
	    0);
	snprintf(ini, sizeof(ini), "127.0.0.1:%d", port);
	if ((helper = fork()) == 0) {
		execlp("busybox", "busybox", "httpd", "-f", "-p", ini, "-h",
		    www, (char *)NULL);
		_exit(127);
	}
	cr_assert_eq(wait_check("dep:auth", "healthy", "closed", 10000), 0,
	    "the breaker did not close once the dependency answered");
}

Test(metrics, a_required_component_down_is_not_ready)
{
	char	ini[4096];
	json_t	*h;

	snprintf(ini, sizeof(ini), "%s[database]\nurl = host=/nonexistent "
	    "dbname=berth\n", config);
	harness_start_unready(&run, ini, NULL, (uid_t)-1);
	cr_assert_eq(wait_check("database", "unhealthy", "open", 10000), 0);
	h = call("GET", "/api/health", ADMIN, NULL, 200);
	cr_expect_str_eq(harness_jstr(h, "overall"), "unhealthy");
	cr_expect_str_eq(harness_jstr(h, "database"), "down");
	json_decref(h);
	json_decref(call("GET", "/ready", NULL, NULL, 503));
	cr_expect_eq(harness_http(&run, "GET", "/live", NULL), 200);
}
