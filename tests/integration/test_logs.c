/*
 * Workspace logs on the real Docker Engine through a real berthd:
 * GET /api/workspaces/{id}/logs with tail, since, until, stream,
 * timestamps and format; bad parameters 400 (and nothing asked of
 * berthd); another user's workspace 404, the admin's view; lines the
 * engine split put back together, a line past 64 KiB cut, a tail that
 * begins inside a split line marked; berthctl logs; and 100 MB
 * of logs answered with flat memory in berthd and the gateway.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define ADMIN	"lg-admin-token-0123456789"
#define ALICE	"lg-alice-token-0123456789"
#define BOB	"lg-bob-token-0123456789ab"
#define IMAGE	"berth/demo-workspace:logs"

static const char config[] =
    "[docker]\nstop_timeout_s = 1\n"
    "[auth]\nadmin_token = " ADMIN "\n"
    "[token.alice]\ntoken = " ALICE "\nuser = lg-alice\n"
    "[token.bob]\ntoken = " BOB "\nuser = lg-bob\n"
    "[type.demo]\nimage = " IMAGE "\nport = 8080\n"
    "cpus = 0.5\nmemory_mb = 64\nmemory_reservation_mb = 32\n"
    "log_max_size_mb = 256\nlog_max_files = 1\n"
    "volume_path = /workspace\n";

static struct berthd_run run;

static void
cleanup(void)
{
	harness_cleanup(&run);
	sh(NULL, "docker ps -aq --filter label=berth.user=lg-alice "
	    "--filter label=berth.managed=true | xargs -r docker rm -f "
	    ">/dev/null 2>&1");
	sh(NULL, "docker volume ls -q --filter label=berth.user=lg-alice | "
	    "xargs -r docker volume rm >/dev/null 2>&1");
}

/* The demo image with the DEMO_LOG_* options, under a tag of its own
 * (built each run: the script is the test's input too). */
static void
setup(void)
{
	harness_require_engine();
	cr_assert_eq(sh(NULL, "sh %s/contrib/demo-image.sh %s >/dev/null",
	    BERTH_SRCDIR, IMAGE), 0, "cannot build %s", IMAGE);
	cleanup();
}

TestSuite(logs, .init = setup, .fini = cleanup, .timeout = 300);

/* ------------------------------------------------------------ helpers */

static void
start(void)
{
	static char	 asan[512];
	const char	*envv[] = { asan, NULL };

	/* A small quarantine, so that ASan's RSS follows live memory. */
	snprintf(asan, sizeof(asan), "ASAN_OPTIONS=%s%squarantine_size_mb=4",
	    getenv("ASAN_OPTIONS") ? getenv("ASAN_OPTIONS") : "",
	    getenv("ASAN_OPTIONS") ? ":" : "");
	harness_start(&run, config, envv, (uid_t)-1);
}

/* A workspace of alice's with env (a JSON object's members). */
static char *
create(const char *env)
{
	char	 body[512];
	json_t	*j;
	char	*id;

	snprintf(body, sizeof(body), "{\"type\":\"demo\",\"env\":{%s}}", env);
	j = harness_call(&run, "POST", "/api/workspaces", ALICE, body, 201);
	id = strdup(harness_jstr(j, "id"));
	json_decref(j);
	return id;
}

static int
logs(const char *id, const char *token, const char *query, char **out)
{
	char	path[512];

	snprintf(path, sizeof(path), "/api/workspaces/%s/logs%s%s", id,
	    query[0] != '\0' ? "?" : "", query);
	return harness_request(&run, "GET", path, token, NULL, out);
}

/* Wait until the workspace's logs hold needle. */
static void
wait_logs(const char *id, const char *needle)
{
	char	*out;
	int	 waited;

	for (waited = 0; waited < 60000; waited += 250) {
		out = NULL;
		if (logs(id, ALICE, "tail=3", &out) == 200 &&
		    strstr(out, needle) != NULL) {
			free(out);
			return;
		}
		free(out);
		sleep_ms(250);
	}
	cr_assert_fail("workspace %s never logged \"%s\"", id, needle);
}

static int
count_lines(const char *s)
{
	int	n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* The last line of s (without its newline), in buf. */
static const char *
last_line(const char *s, char *buf, size_t len)
{
	size_t	n = strlen(s);
	size_t	b;

	if (n > 0 && s[n - 1] == '\n')
		n--;
	for (b = n; b > 0 && s[b - 1] != '\n'; b--)
		;
	snprintf(buf, len, "%.*s", (int)(n - b), s + b);
	return buf;
}

static void
expect_400(const char *id, const char *query)
{
	char	*out = NULL;
	json_t	*j;
	int	 code = logs(id, ALICE, query, &out);

	cr_expect_eq(code, 400, "?%s: %d, not 400", query, code);
	j = json_loads(out != NULL ? out : "", 0, NULL);
	cr_expect_str_eq(harness_jstr(json_object_get(j, "error"), "code"),
	    "bad_request", "?%s: %s", query, out);
	json_decref(j);
	free(out);
}

/* ------------------------------------------------------------ tests */

Test(logs, recent_lines_tail_stream_format)
{
	char	*id, *out = NULL, buf[256];
	json_t	*j;
	int	 code;

	start();
	id = create("\"DEMO_LOG_STDERR\":\"an error line\","
	    "\"DEMO_LOG_BURST_LINES\":\"300\",\"DEMO_LOG_BURST_WIDTH\":\"10\"");
	wait_logs(id, "listening on");

	cr_assert_eq(logs(id, ALICE, "", &out), 200);
	cr_expect_eq(count_lines(out), 100, "tail defaults to 100");
	cr_expect_str_eq(last_line(out, buf, sizeof(buf)),
	    "demo workspace listening on 8080");
	free(out);

	cr_assert_eq(logs(id, ALICE, "tail=3&stream=stdout", &out), 200);
	cr_expect_str_eq(out, "xxxxxxxxxx\nburst done\n"
	    "demo workspace listening on 8080\n");
	free(out);

	cr_assert_eq(logs(id, ALICE, "stream=stderr&tail=10000", &out), 200);
	cr_expect_str_eq(out, "an error line\n");
	free(out);

	cr_assert_eq(logs(id, ALICE, "tail=1&timestamps=true", &out), 200);
	cr_expect(strlen(out) > 31 && out[4] == '-' && out[10] == 'T' &&
	    strstr(out, "Z demo workspace listening on 8080\n") != NULL,
	    "timestamps: %s", out);
	free(out);

	cr_assert_eq(logs(id, ALICE, "tail=10000&stream=stderr&format=ndjson",
	    &out), 200);
	j = json_loads(out, JSON_DISABLE_EOF_CHECK, NULL);
	cr_assert_not_null(j, "ndjson: %s", out);
	cr_expect_str_eq(harness_jstr(j, "stream"), "stderr");
	cr_expect_str_eq(harness_jstr(j, "line"), "an error line");
	cr_expect_eq(strlen(harness_jstr(j, "t")), 30, "t: %s",
	    harness_jstr(j, "t"));
	json_decref(j);
	free(out);

	/* Nothing after a time in the future; everything since 2000. */
	cr_assert_eq(logs(id, ALICE, "since=4102444800", &out), 200);
	cr_expect_str_eq(out, "");
	free(out);
	cr_assert_eq(logs(id, ALICE, "since=2000-01-01T00:00:00Z&tail=10000"
	    "&until=4102444800.5", &out), 200);
	cr_expect_eq(count_lines(out), 304, "%d lines", count_lines(out));
	free(out);

	code = logs(id, ADMIN, "tail=1", &out);
	cr_expect_eq(code, 200, "the admin reads any workspace's logs");
	free(out);
	free(id);
}

Test(logs, bad_parameters_400)
{
	char	*id;

	start();
	id = create("");
	expect_400(id, "tail=abc");
	expect_400(id, "tail=10001");
	expect_400(id, "tail=-1");
	expect_400(id, "since=yesterday");
	expect_400(id, "until=2026-13-01T00:00:00Z");
	expect_400(id, "since=200&until=100");
	expect_400(id, "timestamps=maybe");
	expect_400(id, "stream=stdin");
	expect_400(id, "format=xml");
	expect_400(id, "follow=1");
	free(id);
}

Test(logs, not_yours_404)
{
	char	*id, *out = NULL;

	start();
	id = create("");
	cr_expect_eq(logs(id, BOB, "", &out), 404);
	cr_expect(out != NULL && strstr(out, "not_found") != NULL, "%s", out);
	free(out);
	cr_expect_eq(logs("00000000-0000-4000-8000-000000000000", ALICE, "",
	    &out), 404);
	free(out);
	cr_expect_eq(logs(id, NULL, "", &out), 401);
	free(out);
	free(id);
}

/* The engine keeps a line in pieces of 16 KiB: one line comes out, up
 * to 64 KiB; past that it is cut with the marker. */
Test(logs, long_lines_joined_and_cut)
{
	char	*a, *b, *out = NULL, *nl;
	size_t	 i;

	start();
	a = create("\"DEMO_LOG_BURST_LINES\":\"1\","
	    "\"DEMO_LOG_BURST_WIDTH\":\"40000\"");
	b = create("\"DEMO_LOG_BURST_LINES\":\"1\","
	    "\"DEMO_LOG_BURST_WIDTH\":\"100000\"");
	wait_logs(a, "listening on");
	wait_logs(b, "listening on");

	cr_assert_eq(logs(a, ALICE, "tail=10000&format=text", &out), 200);
	nl = strchr(out, '\n');
	cr_assert_not_null(nl);
	out = memmove(out, nl + 1, strlen(nl + 1) + 1);	/* "starting" */
	cr_assert_eq(strcspn(out, "\n"), 40000, "%zu bytes",
	    strcspn(out, "\n"));
	for (i = 0; i < 40000; i++)
		cr_assert_eq(out[i], 'x');
	cr_expect_str_eq(out + 40001, "burst done\n"
	    "demo workspace listening on 8080\n");
	free(out);

	/* a tail that begins inside the split line: its end is marked;
	 * one that begins with it is the whole line */
	cr_assert_eq(logs(a, ALICE, "tail=4", &out), 200);
	cr_expect(strncmp(out, "[line begun before the tail] xxx", 32) == 0,
	    "%.40s", out);
	cr_expect_eq(strcspn(out, "\n"), 29 + 40000 - 16384, "%zu bytes",
	    strcspn(out, "\n"));
	free(out);
	cr_assert_eq(logs(a, ALICE, "tail=5", &out), 200);
	cr_expect_eq(strcspn(out, "\n"), 40000, "%zu bytes",
	    strcspn(out, "\n"));
	free(out);

	cr_assert_eq(logs(b, ALICE, "tail=10000", &out), 200);
	nl = strchr(out, '\n');
	cr_assert_not_null(nl);
	cr_assert_eq(strcspn(nl + 1, "\n"), 65536, "%zu bytes",
	    strcspn(nl + 1, "\n"));
	cr_expect(strncmp(nl + 1 + 65536 - 21, " [line cut at 64 KiB]\n",
	    22) == 0, "the marker ends the line");
	cr_expect_str_eq(nl + 1 + 65537, "burst done\n"
	    "demo workspace listening on 8080\n");
	free(out);
	free(a);
	free(b);
}

/* 100 MB of logs (the last 10000 of 10000-byte lines) answered, and the
 * peak memory of berthd and the gateway grows by far less than that. */
Test(logs, hundred_mb_flat_memory)
{
	char	*id, *out = NULL;
	pid_t	 gw;
	long	 b0, g0, b1, g1;
	int	 code;
	long	 size;

	start();
	id = create("\"DEMO_LOG_BURST_LINES\":\"10000\","
	    "\"DEMO_LOG_BURST_WIDTH\":\"10000\"");
	wait_logs(id, "burst done");
	gw = harness_worker_pid(&run, "gateway");
	b0 = proc_field(run.pid, "VmHWM:");
	g0 = proc_field(gw, "VmHWM:");
	cr_assert(b0 > 0 && g0 > 0);
	cr_assert_eq(sh(&out, "curl -s -o /dev/null -w '%%{http_code} "
	    "%%{size_download}' -H 'Authorization: Bearer %s' "
	    "'http://127.0.0.1:%d/api/workspaces/%s/logs?tail=10000'",
	    ALICE, run.port, id), 0);
	cr_assert_eq(sscanf(out, "%d %ld", &code, &size), 2, "%s", out);
	cr_expect_eq(code, 200);
	cr_expect_geq(size, 9997L * 10001, "%ld bytes", size);
	free(out);
	b1 = proc_field(run.pid, "VmHWM:");
	g1 = proc_field(gw, "VmHWM:");
	cr_expect_lt(b1 - b0, 24 * 1024, "berthd grew %ld kB", b1 - b0);
	cr_expect_lt(g1 - g0, 24 * 1024, "the gateway grew %ld kB", g1 - g0);
	free(id);
}

/* berthctl logs over the admin socket: --tail, stderr's lines on
 * stderr, --since, -f following until the workspace is deleted, an
 * unknown workspace and a bad --tail refused. */
Test(logs, berthctl_logs)
{
	char	*id, *out, *rc, path[256], ctl[512];
	json_t	*j;
	int	 i;

	start();
	id = create("\"DEMO_LOG_INTERVAL\":\"0.1\",\"DEMO_LOG_STDERR\":"
	    "\"on stderr\"");
	wait_logs(id, "tick 5");
	snprintf(ctl, sizeof(ctl), "%s/berthctl -s %s logs", BERTH_BUILDDIR,
	    run.sock);
	cr_assert_eq(sh(&out, "%s --tail 3 %s 2>/dev/null", ctl, id), 0);
	cr_expect_eq(count_lines(out), 2, "3 lines: %s", out);
	cr_expect(strncmp(out, "tick ", 5) == 0, "%s", out);
	free(out);
	cr_assert_eq(sh(&out, "%s %s 2>&1 >/dev/null", ctl, id), 0);
	cr_expect_str_eq(out, "on stderr");
	free(out);
	cr_assert_eq(sh(&out, "%s --since %s %s 2>/dev/null", ctl,
	    "2000-01-01T00:00:00Z",
	    id), 0);
	cr_expect(strstr(out, "demo workspace starting") != NULL, "%s", out);
	free(out);
	/* a second on, the current second is past the first line's */
	sleep(1);
	cr_assert_eq(sh(&out, "%s --since $(date +%%s) %s 2>/dev/null", ctl,
	    id), 0);
	cr_expect(strstr(out, "demo workspace starting") == NULL, "%s", out);
	free(out);

	/* -f: new lines until the workspace is deleted, then it ends */
	sh(NULL, "(%s -f --tail 0 %s >%s/f.out 2>&1; echo $? >%s/f.rc) "
	    ">/dev/null 2>&1 &", ctl, id, run.dir, run.dir);
	snprintf(path, sizeof(path), "%s/f.out", run.dir);
	for (i = 0; i < 100 && ((out = read_file(path)) == NULL ||
	    strstr(out, "tick ") == NULL); i++) {
		free(out);
		sleep_ms(200);
	}
	cr_assert(out != NULL && strstr(out, "tick ") != NULL,
	    "berthctl logs -f printed no tick");
	free(out);
	snprintf(path, sizeof(path), "/api/workspaces/%s", id);
	j = harness_call(&run, "DELETE", path, ALICE, NULL, 200);
	json_decref(j);
	snprintf(path, sizeof(path), "%s/f.rc", run.dir);
	for (i = 0; i < 150 && (rc = read_file(path)) == NULL; i++)
		sleep_ms(200);
	cr_assert_not_null(rc, "berthctl logs -f did not end with the "
	    "workspace");
	cr_expect_eq(atoi(rc), 0, "berthctl logs -f ended with %s", rc);
	free(rc);

	cr_expect_neq(sh(&out, "%s 00000000-0000-4000-8000-000000000000 2>&1",
	    ctl), 0);
	cr_expect(strstr(out, "not_found") != NULL, "%s", out);
	free(out);
	cr_expect_neq(sh(&out, "%s --tail -3 %s 2>&1", ctl, id), 0);
	cr_expect(strstr(out, "--tail") != NULL, "%s", out);
	free(out);
	free(id);
}
