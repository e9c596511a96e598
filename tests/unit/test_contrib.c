/*
 * Unit tests for the monitoring files in contrib/: the Prometheus
 * configuration, the alert rules and their promtool unit tests (checked
 * by promtool, Debian package prometheus), the Alertmanager
 * configuration and its routes (amtool, prometheus-alertmanager), and
 * the Grafana dashboard (loaded with jansson).  Every berth_ metric
 * name in a dashboard query or an alert expression must be one of the
 * families berthd exports at GET /api/metrics, listed below.  A missing
 * promtool or amtool fails the test: it is never skipped.
 */
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONTRIB		BERTH_SRCDIR "/contrib"
#define PROM_CONFIG	CONTRIB "/prometheus/prometheus.yml"
#define PROM_RULES	CONTRIB "/prometheus/berth-alerts.yml"
#define PROM_TESTS	CONTRIB "/prometheus/berth-alerts.test.yml"
#define AM_CONFIG	CONTRIB "/alertmanager/alertmanager.yml"
#define DASHBOARD	CONTRIB "/grafana/berth-dashboard.json"
#define DASH_UID	"berth-overview"
#define DS_INPUT	"DS_PROMETHEUS"
#define DS_UID		"${" DS_INPUT "}"
#define MAXITEMS	256

/* The metric families of GET /api/metrics (the contract). */
static const struct family {
	const char	*name;
	int		 histogram;	/* only _bucket, _sum, _count */
} families[] = {
	/* workspaces */
	{ "berth_workspaces", 0 },
	{ "berth_workspace_startup_seconds", 1 },
	{ "berth_workspace_shutdowns_total", 0 },
	/* per running container */
	{ "berth_container_cpu_seconds_total", 0 },
	{ "berth_container_memory_usage_bytes", 0 },
	{ "berth_container_memory_working_set_bytes", 0 },
	{ "berth_container_memory_limit_bytes", 0 },
	{ "berth_container_network_receive_bytes_total", 0 },
	{ "berth_container_network_transmit_bytes_total", 0 },
	{ "berth_container_block_read_bytes_total", 0 },
	{ "berth_container_block_write_bytes_total", 0 },
	{ "berth_container_pids", 0 },
	/* host */
	{ "berth_system_cpu_usage_ratio", 0 },
	{ "berth_system_memory_bytes", 0 },
	{ "berth_system_memory_usage_ratio", 0 },
	{ "berth_system_load_average", 0 },
	/* HTTP API */
	{ "berth_http_requests_total", 0 },
	{ "berth_http_request_duration_seconds", 1 },
	/* berth's own processes and workers */
	{ "berth_worker_up", 0 },
	{ "berth_worker_restarts_total", 0 },
	{ "berth_process_cpu_seconds_total", 0 },
	{ "berth_process_resident_memory_bytes", 0 },
	/* health service */
	{ "berth_health_check_up", 0 },
	{ "berth_health_check_degraded", 0 },
	{ "berth_health_circuit_breaker_open", 0 },
	{ "berth_database_up", 0 },
	/* jobs and alerts */
	{ "berth_job_runs_total", 0 },
	{ "berth_job_duration_seconds", 1 },
	{ "berth_job_last_success_timestamp_seconds", 0 },
	{ "berth_alerts_active", 0 },
	/* statswriter queue and spool */
	{ "berth_writer_queue_depth", 0 },
	{ "berth_writer_spool_bytes", 0 },
	{ "berth_writer_spool_records", 0 },
	{ "berth_writer_records_written_total", 0 },
	{ "berth_writer_records_dropped_total", 0 },
	/* log streaming, sampling */
	{ "berth_sse_clients", 0 },
	{ "berth_sampling_interval_seconds", 0 },
	/* business */
	{ "berth_user_activity_total", 0 },
	{ "berth_feature_usage_total", 0 },
	{ "berth_active_users", 0 },
	{ "berth_resource_usage_cpu_seconds_total", 0 },
	{ "berth_resource_usage_memory_byte_seconds_total", 0 },
	{ "berth_resource_cost_total", 0 },
};
#define NFAMILIES	(sizeof(families) / sizeof(families[0]))

static const char *hist_suffix[] = { "_bucket", "_sum", "_count" };

/* Strings read from a file: rule expressions or alert names. */
struct items {
	char	*v[MAXITEMS];
	size_t	 n;
};

static void
items_add(struct items *it, const char *s, size_t len)
{
	cr_assert_lt(it->n, MAXITEMS, "more than %d items", MAXITEMS);
	it->v[it->n] = strndup(s, len);
	cr_assert_not_null(it->v[it->n]);
	it->n++;
}

static void
items_free(struct items *it)
{
	size_t i;

	for (i = 0; i < it->n; i++)
		free(it->v[i]);
	it->n = 0;
}

/* Fail unless name is an executable in PATH; pkg is its Debian package. */
static void
require_tool(const char *name, const char *pkg)
{
	char	 path[1024], *dirs, *dir, *save;
	int	 found = 0;

	dirs = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	cr_assert_not_null(dirs);
	for (dir = strtok_r(dirs, ":", &save); dir != NULL && !found;
	    dir = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		found = access(path, X_OK) == 0;
	}
	free(dirs);
	cr_assert(found, "%s not found in PATH: install the Debian package "
	    "%s (apt-get install %s)", name, pkg, pkg);
}

/* Run cmd through sh with stderr joined; its output into *out. */
static int
run(const char *cmd, char **out)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 len = 0, n;
	int	 st;

	f = popen(cmd, "r");
	cr_assert_not_null(f, "popen %s", cmd);
	do {
		buf = realloc(buf, len + 4096 + 1);
		cr_assert_not_null(buf);
		n = fread(buf + len, 1, 4096, f);
		len += n;
	} while (n > 0);
	buf[len] = '\0';
	st = pclose(f);
	cr_assert_neq(st, -1, "pclose %s", cmd);
	*out = buf;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* Run "tool args" and require exit 0; the output into *out or freed. */
static void
run_ok(const char *tool, const char *pkg, const char *args, char **out)
{
	char	 cmd[2048], *o;
	int	 rc;

	require_tool(tool, pkg);
	snprintf(cmd, sizeof(cmd), "%s %s 2>&1", tool, args);
	rc = run(cmd, &o);
	if (rc != 0) {
		/* Free before the assertion ends the test: no leak report. */
		cr_expect_eq(rc, 0, "%s: exit %d\n%s", cmd, rc, o);
		free(o);
		cr_assert_fail("%s failed", tool);
	}
	if (out != NULL)
		*out = o;
	else
		free(o);
}

static int
is_name_char(int c)
{
	return isalnum((unsigned char)c) || c == '_' || c == ':';
}

/* Is the metric name tok (len bytes) an exported series name? */
static int
family_index(const char *tok, size_t len)
{
	const struct family	*f;
	size_t			 i, j, fl;

	for (i = 0; i < NFAMILIES; i++) {
		f = &families[i];
		fl = strlen(f->name);
		if (len < fl || strncmp(tok, f->name, fl) != 0)
			continue;
		if (!f->histogram && len == fl)
			return (int)i;
		if (!f->histogram)
			continue;
		for (j = 0; j < 3; j++)
			if (len - fl == strlen(hist_suffix[j]) &&
			    strncmp(tok + fl, hist_suffix[j], len - fl) == 0)
				return (int)i;
	}
	return -1;
}

/*
 * Check every berth_ name in expr (from where) and mark the families
 * met in used (may be NULL).  Returns the number of names.
 */
static int
check_names(const char *where, const char *expr, int *used)
{
	const char	*p = expr, *e;
	int		 n = 0, i;

	while ((p = strstr(p, "berth_")) != NULL) {
		if (p > expr && is_name_char(p[-1])) {
			p++;
			continue;
		}
		for (e = p; is_name_char(*e); e++)
			;
		i = family_index(p, (size_t)(e - p));
		cr_expect_geq(i, 0, "%s: unknown metric %.*s in: %s", where,
		    (int)(e - p), p, expr);
		if (i >= 0 && used != NULL)
			used[i] = 1;
		n++;
		p = e;
	}
	return n;
}

static size_t
indent(const char *s)
{
	size_t n = 0;

	while (s[n] == ' ')
		n++;
	return n;
}

/* The value of "key:" on line, after indent and a "- ", or NULL. */
static const char *
yaml_value(const char *line, const char *key)
{
	const char	*p = line + indent(line);
	size_t		 kl = strlen(key);

	if (strncmp(p, "- ", 2) == 0)
		p += 2;
	if (strncmp(p, key, kl) != 0 || p[kl] != ':')
		return NULL;
	p += kl + 1;
	while (*p == ' ')
		p++;
	return p;
}

static size_t
trimmed_len(const char *s)
{
	size_t n = strlen(s);

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	return n;
}

/* Append line (a block scalar's continuation) to the last item. */
static void
items_append(struct items *it, const char *line)
{
	char	*s = it->v[it->n - 1];
	size_t	 l = strlen(s);

	s = realloc(s, l + 1 + strlen(line) + 1);
	cr_assert_not_null(s);
	snprintf(s + l, strlen(line) + 2, " %.*s", (int)trimmed_len(line),
	    line);
	it->v[it->n - 1] = s;
}

/*
 * Read the values of key from a YAML file written the way contrib's are:
 * "key: value" on one line, or "key: |" (or ">") and a block of more
 * indented lines.
 */
static void
yaml_values(const char *path, const char *key, struct items *it)
{
	FILE		*f;
	char		*line = NULL;
	const char	*v;
	size_t		 cap = 0, block = 0;
	int		 inblock = 0;

	f = fopen(path, "r");
	cr_assert_not_null(f, "open %s", path);
	while (getline(&line, &cap, f) != -1) {
		if (inblock && trimmed_len(line) == 0)
			continue;
		if (inblock && indent(line) > block) {
			items_append(it, line + indent(line));
			continue;
		}
		inblock = 0;
		if ((v = yaml_value(line, key)) == NULL)
			continue;
		if (*v == '|' || *v == '>') {
			items_add(it, "", 0);
			inblock = 1;
			block = indent(line);
		} else
			items_add(it, v, trimmed_len(v));
	}
	free(line);
	fclose(f);
}

/* How many keys "key" the file at path has (with that value if set). */
static size_t
count_lines(const char *path, const char *key, const char *value)
{
	struct items	 it = { .n = 0 };
	size_t		 i, n = 0;

	yaml_values(path, key, &it);
	for (i = 0; i < it.n; i++)
		if (value == NULL || strcmp(it.v[i], value) == 0)
			n++;
	items_free(&it);
	return n;
}

Test(contrib, family_names)
{
	static const struct {
		const char	*name;
		int		 ok;
	} t[] = {
		{ "berth_workspaces", 1 },
		{ "berth_workspace_startup_seconds_bucket", 1 },
		{ "berth_workspace_startup_seconds_sum", 1 },
		{ "berth_http_request_duration_seconds_count", 1 },
		{ "berth_resource_cost_total", 1 },
		{ "berth_workspace_startup_seconds", 0 },
		{ "berth_workspaces_total", 0 },
		{ "berth_workspace", 0 },
		{ "berth_container_pids_bucket", 0 },
		{ "berth_job_duration_seconds_buckets", 0 },
		{ "berth_up", 0 },
	};
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		cr_expect_eq(family_index(t[i].name, strlen(t[i].name)) >= 0,
		    t[i].ok, "%s", t[i].name);
	cr_expect_eq(check_names("t", "up{job=\"berth\"} + xberth_foo", NULL),
	    0);
	cr_expect_eq(check_names("t", "rate(berth_worker_restarts_total[5m])"
	    " / berth_worker_up", NULL), 2);
}

Test(contrib, prometheus_config)
{
	char	*out;

	run_ok("promtool", "prometheus", "check config '" PROM_CONFIG "'",
	    &out);
	cr_expect_not_null(strstr(out, "1 rule files found"), "%s", out);
	free(out);
}

Test(contrib, rules_check)
{
	struct items	 exprs = { .n = 0 };
	char		*out, *p;
	unsigned long	 n = 0;

	run_ok("promtool", "prometheus", "check rules '" PROM_RULES "'", &out);
	cr_expect_null(strcasestr(out, "warning"), "%s", out);
	if ((p = strstr(out, "SUCCESS: ")) != NULL)
		n = strtoul(p + 9, NULL, 10);
	cr_expect_not_null(p, "no rule count: %s", out);
	free(out);
	/* The reader below sees every rule promtool sees. */
	yaml_values(PROM_RULES, "expr", &exprs);
	cr_expect_eq(exprs.n, n, "promtool: %lu rules, read %zu", n,
	    exprs.n);
	cr_expect_eq(count_lines(PROM_RULES, "alert", NULL), n);
	items_free(&exprs);
}

Test(contrib, rules_labels)
{
	size_t	n;

	n = count_lines(PROM_RULES, "alert", NULL);
	cr_assert_gt(n, 0);
	cr_expect_eq(count_lines(PROM_RULES, "severity", "warning") +
	    count_lines(PROM_RULES, "severity", "critical"), n,
	    "every alert needs severity warning or critical");
	cr_expect_eq(count_lines(PROM_RULES, "severity", NULL), n);
	cr_expect_eq(count_lines(PROM_RULES, "summary", NULL), n);
	cr_expect_eq(count_lines(PROM_RULES, "description", NULL), n);
}

Test(contrib, rules_metric_names)
{
	struct items	 exprs = { .n = 0 };
	size_t		 i;

	yaml_values(PROM_RULES, "expr", &exprs);
	cr_assert_gt(exprs.n, 0);
	for (i = 0; i < exprs.n; i++) {
		cr_expect_gt(strlen(exprs.v[i]), 0, "empty expr %zu", i);
		check_names(PROM_RULES, exprs.v[i], NULL);
	}
	items_free(&exprs);
}

Test(contrib, rules_unit_tests)
{
	run_ok("promtool", "prometheus", "test rules '" PROM_TESTS "'", NULL);
}

/*
 * Each "alertname: X" of the test file is followed by "exp_alerts: []"
 * (X stays silent) or "exp_alerts:" and a list (X fires).
 */
static void
tested_alerts(struct items *fires, struct items *silent)
{
	struct items	 names = { .n = 0 }, exp = { .n = 0 };
	size_t		 i;

	yaml_values(PROM_TESTS, "alertname", &names);
	yaml_values(PROM_TESTS, "exp_alerts", &exp);
	cr_assert_eq(names.n, exp.n, "%zu alertname, %zu exp_alerts",
	    names.n, exp.n);
	for (i = 0; i < names.n; i++) {
		if (strcmp(exp.v[i], "[]") == 0)
			items_add(silent, names.v[i], strlen(names.v[i]));
		else
			items_add(fires, names.v[i], strlen(names.v[i]));
	}
	items_free(&names);
	items_free(&exp);
}

static int
items_has(const struct items *it, const char *s)
{
	size_t i;

	for (i = 0; i < it->n; i++)
		if (strcmp(it->v[i], s) == 0)
			return 1;
	return 0;
}

Test(contrib, rules_all_tested)
{
	struct items	 alerts = { .n = 0 }, fires = { .n = 0 };
	struct items	 silent = { .n = 0 };
	size_t		 i;

	yaml_values(PROM_RULES, "alert", &alerts);
	tested_alerts(&fires, &silent);
	cr_assert_gt(alerts.n, 0);
	for (i = 0; i < alerts.n; i++) {
		cr_expect(items_has(&fires, alerts.v[i]),
		    "%s: no test where it fires", alerts.v[i]);
		cr_expect(items_has(&silent, alerts.v[i]),
		    "%s: no test where it stays silent", alerts.v[i]);
	}
	items_free(&alerts);
	items_free(&fires);
	items_free(&silent);
}

Test(contrib, alertmanager_config)
{
	char	*out;

	run_ok("amtool", "prometheus-alertmanager",
	    "check-config '" AM_CONFIG "'", &out);
	cr_expect_not_null(strstr(out, "SUCCESS"), "%s", out);
	free(out);
}

Test(contrib, alertmanager_routes)
{
	static const struct {
		const char	*labels, *receiver;
	} t[] = {
		{ "alertname=BerthDown severity=critical", "pager" },
		{ "alertname=BerthHostMemoryHigh severity=critical", "pager" },
		{ "alertname=BerthHostCpuHigh severity=warning", "chat" },
		{ "alertname=Other severity=info", "default" },
		{ "alertname=Other", "default" },
	};
	char	args[1024];
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(args, sizeof(args), "config routes test "
		    "--config.file='%s' --verify.receivers=%s %s", AM_CONFIG,
		    t[i].receiver, t[i].labels);
		run_ok("amtool", "prometheus-alertmanager", args, NULL);
	}
}

static json_t *
load_dashboard(void)
{
	json_error_t	 err;
	json_t		*d;

	d = json_load_file(DASHBOARD, 0, &err);
	cr_assert_not_null(d, "%s:%d: %s", DASHBOARD, err.line, err.text);
	cr_assert(json_is_object(d));
	return d;
}

static const char *
str_at(json_t *o, const char *key)
{
	const char *s;

	s = json_string_value(json_object_get(o, key));
	return s != NULL ? s : "";
}

Test(contrib, dashboard_valid)
{
	json_t	*d, *in;
	size_t	 i;
	int	 found = 0;

	d = load_dashboard();
	cr_expect_str_eq(str_at(d, "uid"), DASH_UID);
	cr_expect_gt(strlen(str_at(d, "title")), 0);
	cr_expect_geq(json_integer_value(json_object_get(d, "schemaVersion")),
	    36);
	cr_expect(json_is_array(json_object_get(d, "panels")));
	json_array_foreach(json_object_get(d, "__inputs"), i, in)
		if (strcmp(str_at(in, "name"), DS_INPUT) == 0 &&
		    strcmp(str_at(in, "type"), "datasource") == 0 &&
		    strcmp(str_at(in, "pluginId"), "prometheus") == 0)
			found = 1;
	cr_expect(found, "no datasource input " DS_INPUT);
	json_decref(d);
}

/* A panel's or target's datasource must be the input. */
static void
check_datasource(const char *title, json_t *o)
{
	json_t *ds;

	ds = json_object_get(o, "datasource");
	cr_expect_str_eq(str_at(ds, "uid"), DS_UID, "%s: datasource", title);
	cr_expect_str_eq(str_at(ds, "type"), "prometheus", "%s: datasource",
	    title);
}

/* Check one panel that is not a row; mark the families it uses. */
static void
check_panel(json_t *p, int *used)
{
	const char	*title = str_at(p, "title"), *expr;
	json_t		*targets, *t;
	size_t		 i;

	cr_expect_gt(strlen(title), 0, "panel %lld without a title",
	    (long long)json_integer_value(json_object_get(p, "id")));
	check_datasource(title, p);
	targets = json_object_get(p, "targets");
	cr_expect_gt(json_array_size(targets), 0, "%s: no targets", title);
	json_array_foreach(targets, i, t) {
		expr = str_at(t, "expr");
		cr_expect_gt(strlen(expr), 0, "%s: target %zu without expr",
		    title, i);
		check_datasource(title, t);
		check_names(title, expr, used);
	}
}

/* Check the panels of list, and those of (collapsed) rows within. */
static void
check_panels(json_t *list, int *used, size_t *npanels, char *ids)
{
	json_t		*p;
	json_int_t	 id;
	size_t		 i;

	json_array_foreach(list, i, p) {
		id = json_integer_value(json_object_get(p, "id"));
		cr_expect(id > 0 && id < MAXITEMS && !ids[id],
		    "%s: id %lld missing or not unique", str_at(p, "title"),
		    (long long)id);
		if (id > 0 && id < MAXITEMS)
			ids[id] = 1;
		if (strcmp(str_at(p, "type"), "row") == 0) {
			check_panels(json_object_get(p, "panels"), used,
			    npanels, ids);
			continue;
		}
		check_panel(p, used);
		(*npanels)++;
	}
}

/* Template variable queries: a string or an object with "query". */
static void
check_templating(json_t *d, int *used)
{
	json_t		*v, *q;
	size_t		 i;

	json_array_foreach(json_object_get(json_object_get(d, "templating"),
	    "list"), i, v) {
		q = json_object_get(v, "query");
		if (json_is_object(q))
			q = json_object_get(q, "query");
		if (json_is_string(q))
			check_names(str_at(v, "name"), json_string_value(q),
			    used);
	}
}

Test(contrib, dashboard_exprs)
{
	json_t	*d;
	char	 ids[MAXITEMS] = { 0 };
	int	 used[NFAMILIES] = { 0 };
	size_t	 n = 0;

	d = load_dashboard();
	check_panels(json_object_get(d, "panels"), used, &n, ids);
	check_templating(d, used);
	cr_expect_gt(n, 0, "no panels");
	json_decref(d);
}

/* Every exported family is on the dashboard somewhere. */
Test(contrib, dashboard_coverage)
{
	json_t	*d;
	char	 ids[MAXITEMS] = { 0 };
	int	 used[NFAMILIES] = { 0 };
	size_t	 i, n = 0;

	d = load_dashboard();
	check_panels(json_object_get(d, "panels"), used, &n, ids);
	for (i = 0; i < NFAMILIES; i++)
		cr_expect(used[i], "%s is on no panel", families[i].name);
	json_decref(d);
}
