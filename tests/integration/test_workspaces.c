/*
 * Workspaces on the real Docker Engine through berth's HTTP API: the
 * create -> healthy -> stats -> patch -> delete cycle checked against
 * `docker inspect`, ownership and tokens, bad input (and that nothing
 * reaches the engine for it), engine down, adoption across a berthd
 * restart, exits recorded as error or resource_limit, a container
 * removed behind berth's back, and the engine's state in /api/health.
 */
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define ADMIN	"it-admin-token-0123456789"
#define ALICE	"it-alice-token-0123456789"
#define BOB	"it-bob-token-0123456789ab"

static const char config[] =
    "http_max_body = 4096\n"
    "[docker]\nstop_timeout_s = 1\n"
    "[auth]\nadmin_token = " ADMIN "\n"
    "[token.alice]\ntoken = " ALICE "\nuser = it-alice\n"
    "[token.bob]\ntoken = " BOB "\nuser = it-bob\n"
    "[type.demo]\nimage = berth/demo-workspace:latest\nport = 8080\n"
    "cpus = 0.5\nmemory_mb = 64\nmemory_reservation_mb = 32\n"
    "max_cpus = 2\nmax_memory_mb = 512\n"
    "health_cmd = wget -q -O /dev/null http://127.0.0.1:{port}/healthz"
    " || exit 1\n"
    "health_interval_s = 1\nhealth_timeout_s = 2\nhealth_retries = 3\n"
    "health_start_period_s = 0\nvolume_path = /workspace\n";

static struct berthd_run run;

static void
cleanup(void)
{
	harness_cleanup(&run);
	sh(NULL, "docker ps -aq --filter label=berth.user=it-alice "
	    "--filter label=berth.managed=true | xargs -r docker rm -f "
	    ">/dev/null 2>&1");
	sh(NULL, "docker ps -aq --filter label=berth.user=it-bob "
	    "--filter label=berth.managed=true | xargs -r docker rm -f "
	    ">/dev/null 2>&1");
	sh(NULL, "docker volume ls -q --filter label=berth.user=it-alice | "
	    "xargs -r docker volume rm >/dev/null 2>&1");
}

static void
setup(void)
{
	cr_assert_eq(sh(NULL, "docker info >/dev/null 2>&1"), 0,
	    "these tests need a running Docker Engine "
	    "(contrib/start-dockerd.sh)");
	cr_assert_eq(sh(NULL, "docker image inspect berth/demo-workspace "
	    ">/dev/null 2>&1 || sh %s/contrib/demo-image.sh >/dev/null",
	    BERTH_SRCDIR), 0, "cannot build the demo image");
	cleanup();
}

TestSuite(workspaces, .init = setup, .fini = cleanup, .timeout = 180);

/* ------------------------------------------------------------ helpers */

static json_t *
call(const char *method, const char *path, const char *token,
    const char *body, int expect)
{
	return harness_call(&run, method, path, token, body, expect);
}

static json_t *
create(const char *token, const char *body)
{
	return call("POST", "/api/workspaces", token, body, 201);
}

static char *
inspect(const char *cid, const char *fmt)
{
	char	*out;

	cr_assert_eq(sh(&out, "docker inspect -f '%s' %s", fmt, cid), 0,
	    "docker inspect %s failed", cid);
	return out;
}

static void
expect_inspect(const char *cid, const char *fmt, const char *want)
{
	char *got = inspect(cid, fmt);

	cr_expect_str_eq(got, want, "%s: %s != %s", fmt, got, want);
	free(got);
}

/* Poll GET /api/workspaces/{id} until key == want. */
static json_t *
wait_field(const char *id, const char *token, const char *key,
    const char *want, int timeout_ms)
{
	char	 path[128];
	json_t	*j = NULL;
	int	 waited;

	snprintf(path, sizeof(path), "/api/workspaces/%s", id);
	for (waited = 0; waited < timeout_ms; waited += 250) {
		json_decref(j);
		j = call("GET", path, token, NULL, 200);
		if (strcmp(harness_jstr(j, key), want) == 0)
			return j;
		sleep_ms(250);
	}
	cr_assert_fail("workspace %s: %s is %s, not %s", id, key,
	    harness_jstr(j, key), want);
	return NULL;
}

static int
managed_containers(void)
{
	char	*out;
	int	 n;

	sh(&out, "docker ps -aq --filter label=berth.managed=true "
	    "--filter label=berth.user=it-alice | wc -l");
	n = atoi(out);
	free(out);
	return n;
}

/* ------------------------------------------------------------ tests */

Test(workspaces, full_cycle_checked_against_the_engine)
{
	json_t		*ws, *h, *st, *p;
	const char	*id, *cid;
	char		 path[160], *vol;

	harness_start(&run, config, NULL, (uid_t)-1);
	ws = create(ALICE, "{\"type\":\"demo\",\"projectId\":\"itp1\","
	    "\"s3Bucket\":\"bucket-1\",\"tier\":\"basic\"}");
	id = harness_jstr(ws, "id");
	cid = harness_jstr(ws, "containerId");
	cr_assert_eq(strlen(cid), 64, "containerId %s", cid);
	cr_expect_str_eq(harness_jstr(ws, "userId"), "it-alice");
	cr_expect_str_eq(harness_jstr(ws, "type"), "demo");
	cr_expect_str_eq(harness_jstr(ws, "tier"), "basic");
	cr_expect_str_eq(harness_jstr(ws, "s3Bucket"), "bucket-1");
	cr_expect(strncmp(harness_jstr(ws, "url"), "http://", 7) == 0);
	cr_expect(json_is_string(json_object_get(ws, "createdAt")));

	/* The engine's own view. */
	expect_inspect(cid, "{{index .Config.Labels \"berth.managed\"}}",
	    "true");
	expect_inspect(cid, "{{index .Config.Labels \"berth.workspace\"}}",
	    id);
	expect_inspect(cid, "{{index .Config.Labels \"berth.user\"}}",
	    "it-alice");
	expect_inspect(cid, "{{.HostConfig.NanoCpus}}", "500000000");
	expect_inspect(cid, "{{.HostConfig.Memory}}", "67108864");
	expect_inspect(cid, "{{.HostConfig.MemoryReservation}}", "33554432");
	expect_inspect(cid, "{{.State.Running}}", "true");
	expect_inspect(cid, "{{(index .Mounts 0).Name}}", "berth-project-itp1");

	/* Healthy by the engine's health check. */
	json_decref(wait_field(id, ALICE, "health", "healthy", 30000));
	json_decref(wait_field(id, ALICE, "status", "running", 5000));
	snprintf(path, sizeof(path), "/api/workspaces/%s/health", id);
	h = call("GET", path, ALICE, NULL, 200);
	cr_expect(json_is_true(json_object_get(h, "healthy")));
	cr_expect_str_eq(harness_jstr(h, "status"), "healthy");
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(h,
	    "lastCheck"), "exitCode")), 0);
	json_decref(h);

	/* Current usage from the cgroup fast path. */
	snprintf(path, sizeof(path), "/api/workspaces/%s/stats", id);
	st = call("GET", path, ALICE, NULL, 200);
	cr_expect_str_eq(harness_jstr(st, "source"), "cgroup");
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(st,
	    "memory"), "limit")), 67108864);
	cr_expect_gt(json_integer_value(json_object_get(json_object_get(st,
	    "memory"), "usage")), 0);
	cr_expect(json_is_number(json_object_get(json_object_get(st, "cpu"),
	    "percent")));
	cr_expect(json_is_object(json_object_get(st, "network")));
	cr_expect(json_is_object(json_object_get(st, "blockIO")));
	json_decref(st);

	/* Limits changed live. */
	snprintf(path, sizeof(path), "/api/workspaces/%s/resources", id);
	p = call("PATCH", path, ALICE, "{\"cpus\":1,\"memory\":128}", 200);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(p,
	    "resources"), "memory")), 128);
	json_decref(p);
	expect_inspect(cid, "{{.HostConfig.NanoCpus}}", "1000000000");
	expect_inspect(cid, "{{.HostConfig.Memory}}", "134217728");

	/* Stopped and removed; the volume stays. */
	snprintf(path, sizeof(path), "/api/workspaces/%s", id);
	p = call("DELETE", path, ALICE, NULL, 200);
	cr_expect_str_eq(harness_jstr(p, "status"), "stopped");
	cr_expect_str_eq(harness_jstr(p, "shutdownReason"), "manual");
	json_decref(p);
	cr_expect_neq(sh(NULL, "docker inspect %s >/dev/null 2>&1", cid), 0,
	    "container not removed");
	cr_expect_eq(sh(&vol, "docker volume inspect -f '{{.Name}}' "
	    "berth-project-itp1"), 0);
	free(vol);
	json_decref(ws);
}

Test(workspaces, tokens_and_ownership)
{
	json_t		*ws, *l;
	const char	*id;
	char		 path[160];

	harness_start(&run, config, NULL, (uid_t)-1);
	cr_expect_eq(harness_request(&run, "GET", "/api/workspaces", NULL,
	    NULL, NULL), 401);
	cr_expect_eq(harness_request(&run, "GET", "/api/workspaces",
	    "not-a-token-at-all-xxxx", NULL, NULL), 401);
	cr_expect_eq(harness_request(&run, "GET", "/api/workspaces",
	    ALICE "x", NULL, NULL), 401);
	ws = create(ALICE, "{\"type\":\"demo\"}");
	id = harness_jstr(ws, "id");
	snprintf(path, sizeof(path), "/api/workspaces/%s", id);
	/* Bob sees nothing of it, and cannot touch it. */
	json_decref(call("GET", path, BOB, NULL, 404));
	json_decref(call("DELETE", path, BOB, NULL, 404));
	l = call("GET", "/api/workspaces", BOB, NULL, 200);
	cr_expect_eq(json_integer_value(json_object_get(l, "count")), 0);
	json_decref(l);
	/* Nor may he start one in Alice's name. */
	json_decref(call("POST", "/api/workspaces", BOB,
	    "{\"type\":\"demo\",\"userId\":\"it-alice\"}", 403));
	/* The admin sees everything. */
	l = call("GET", "/api/workspaces", ADMIN, NULL, 200);
	cr_expect_geq(json_integer_value(json_object_get(l, "count")), 1);
	json_decref(l);
	json_decref(call("GET", path, ADMIN, NULL, 200));
	json_decref(call("DELETE", path, ALICE, NULL, 200));
	cr_expect(!log_contains(&run, ALICE), "a token reached the log");
	json_decref(ws);
}

Test(workspaces, bad_input_is_rejected_before_the_engine)
{
	char	big[6000];
	int	before;

	harness_start(&run, config, NULL, (uid_t)-1);
	before = managed_containers();
	json_decref(call("POST", "/api/workspaces", ALICE, "{\"type\":",
	    400));
	json_decref(call("POST", "/api/workspaces", ALICE, "[1,2]", 422));
	json_decref(call("POST", "/api/workspaces", ALICE, "{\"type\":5}",
	    422));
	json_decref(call("POST", "/api/workspaces", ALICE,
	    "{\"type\":\"nosuch\"}", 422));
	json_decref(call("POST", "/api/workspaces", ALICE,
	    "{\"type\":\"demo\",\"cpus\":3}", 422));
	json_decref(call("POST", "/api/workspaces", ALICE,
	    "{\"type\":\"demo\",\"resources\":{\"memory\":1024}}", 422));
	json_decref(call("POST", "/api/workspaces", ALICE,
	    "{\"type\":\"demo\",\"memory\":\"64\"}", 422));
	json_decref(call("POST", "/api/workspaces", ALICE,
	    "{\"type\":\"demo\",\"projectId\":\"a\\nb\"}", 422));
	json_decref(call("POST", "/api/workspaces", ALICE,
	    "{\"type\":\"demo\",\"projectId\":\"../etc\"}", 422));
	json_decref(call("POST", "/api/workspaces", ALICE,
	    "{\"type\":\"demo\",\"env\":{\"A\":\"x\\u0001y\"}}", 422));
	json_decref(call("POST", "/api/workspaces", ALICE,
	    "{\"type\":\"demo\",\"env\":{\"1A\":\"x\"}}", 422));
	json_decref(call("POST", "/api/workspaces", ALICE,
	    "{\"type\":\"demo\",\"tier\":\"gold\"}", 422));
	json_decref(call("POST", "/api/workspaces", ALICE,
	    "{\"type\":\"demo\",\"bogus\":1}", 422));
	memset(big, ' ', sizeof(big) - 1);
	big[0] = '{';
	big[sizeof(big) - 2] = '}';
	big[sizeof(big) - 1] = '\0';
	cr_expect_eq(harness_request(&run, "POST", "/api/workspaces", ALICE,
	    big, NULL), 413);
	json_decref(call("GET", "/api/workspaces/no-such-id", ALICE, NULL,
	    404));
	json_decref(call("PATCH", "/api/workspaces/no-such-id/resources",
	    ALICE, "{\"cpus\":1}", 404));
	cr_expect_eq(managed_containers(), before,
	    "a rejected request created a container");
}

Test(workspaces, engine_down_answers_503)
{
	const char *const envv[] = {
	    "BERTH_DOCKER_SOCKET=/tmp/berth-no-engine.sock", NULL };

	json_t	*h, *c;

	/* The engine is required: never ready without it. */
	harness_start_unready(&run, config, envv, (uid_t)-1);
	json_decref(call("POST", "/api/workspaces", ALICE,
	    "{\"type\":\"demo\"}", 503));
	cr_expect(log_contains(&run, "Docker Engine unavailable"));
	sleep_ms(1500);		/* a round of health checks */
	h = call("GET", "/api/health", ADMIN, NULL, 200);
	cr_expect_str_eq(harness_jstr(h, "overall"), "unhealthy");
	c = json_array_get(json_object_get(h, "checks"), 0);
	cr_expect_str_eq(harness_jstr(c, "name"), "docker");
	cr_expect_str_eq(harness_jstr(c, "status"), "unhealthy");
	json_decref(h);
	h = call("GET", "/ready", NULL, NULL, 503);
	cr_expect_str_eq(harness_jstr(h, "status"), "not ready");
	json_decref(h);
	cr_expect_eq(harness_http(&run, "GET", "/live", NULL), 200,
	    "liveness is berth's own");
}

/* The engine appears after berthd: it reconnects by itself. */
Test(workspaces, reconnects_when_the_engine_appears)
{
	char		 var[160], sock[128], path[160];
	const char	*envv[2];
	json_t		*h, *ws;
	int		 waited, up = 0;

	snprintf(sock, sizeof(sock), "/tmp/berth-late-%d.sock", (int)getpid());
	unlink(sock);
	snprintf(var, sizeof(var), "BERTH_DOCKER_SOCKET=%s", sock);
	envv[0] = var;
	envv[1] = NULL;
	harness_start_unready(&run, config, envv, (uid_t)-1);
	json_decref(call("POST", "/api/workspaces", ALICE,
	    "{\"type\":\"demo\"}", 503));
	cr_assert_eq(symlink("/var/run/docker.sock", sock), 0);
	for (waited = 0; waited < 20000 && !up; waited += 250) {
		h = call("GET", "/api/health", ADMIN, NULL, 200);
		up = strcmp(harness_jstr(json_array_get(json_object_get(h,
		    "checks"), 0), "status"), "healthy") == 0;
		json_decref(h);
		sleep_ms(250);
	}
	cr_assert(up, "berthd did not reconnect to the engine");
	ws = create(ALICE, "{\"type\":\"demo\"}");
	snprintf(path, sizeof(path), "/api/workspaces/%s", harness_jstr(ws, "id"));
	json_decref(call("DELETE", path, ALICE, NULL, 200));
	json_decref(ws);
	unlink(sock);
}

Test(workspaces, adopted_across_a_berthd_restart)
{
	json_t		*ws, *again;
	char		 path[160], *out, *id, *created;
	const char	*cid;
	int		 status;

	harness_start(&run, config, NULL, (uid_t)-1);
	ws = create(ALICE, "{\"type\":\"demo\",\"projectId\":\"itp2\"}");
	id = strdup(harness_jstr(ws, "id"));
	created = strdup(harness_jstr(ws, "createdAt"));
	cid = harness_jstr(ws, "containerId");
	status = harness_stop(&run, SIGTERM, 5000);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	expect_inspect(cid, "{{.State.Running}}", "true");
	harness_restart(&run, NULL);
	snprintf(path, sizeof(path), "/api/workspaces/%s", id);
	again = wait_field(id, ALICE, "containerId", cid, 10000);
	cr_expect_str_eq(harness_jstr(again, "createdAt"), created);
	cr_expect_str_eq(harness_jstr(again, "userId"), "it-alice");
	cr_expect_str_eq(harness_jstr(again, "projectId"), "itp2");
	cr_expect_str_neq(harness_jstr(again, "status"), "stopped");
	sh(&out, "docker ps -q --filter label=berth.workspace=%s | wc -l", id);
	cr_expect_str_eq(out, "1", "duplicate or missing container");
	free(out);
	json_decref(again);
	json_decref(ws);
	free(id);
	free(created);
}

Test(workspaces, unexpected_exit_is_error_and_oom_is_resource_limit)
{
	json_t		*ws, *hog, *j;
	const char	*cid;

	harness_start(&run, config, NULL, (uid_t)-1);
	ws = create(ALICE, "{\"type\":\"demo\"}");
	cid = harness_jstr(ws, "containerId");
	cr_assert_eq(sh(NULL, "docker kill %s >/dev/null", cid), 0);
	j = wait_field(harness_jstr(ws, "id"), ALICE, "status", "stopped", 15000);
	cr_expect_str_eq(harness_jstr(j, "shutdownReason"), "error");
	json_decref(j);
	json_decref(ws);

	/* Removed behind berth's back. */
	ws = create(ALICE, "{\"type\":\"demo\"}");
	cr_assert_eq(sh(NULL, "docker rm -f %s >/dev/null",
	    harness_jstr(ws, "containerId")), 0);
	j = wait_field(harness_jstr(ws, "id"), ALICE, "status", "stopped", 15000);
	cr_expect_str_eq(harness_jstr(j, "shutdownReason"), "error");
	json_decref(j);

	/* 200 MiB into a 16 MiB workspace without swap. */
	hog = create(ALICE, "{\"type\":\"demo\",\"memory\":16,"
	    "\"memoryReservation\":8,\"env\":{\"DEMO_ALLOC_MB\":\"200\"}}");
	j = wait_field(harness_jstr(hog, "id"), ALICE, "status", "stopped", 30000);
	cr_expect_str_eq(harness_jstr(j, "shutdownReason"), "resource_limit");
	json_decref(j);
	json_decref(hog);
	json_decref(ws);
}

/* Lifecycle rows in container_stats (seed 000) through the embedded
 * database (tests/integration/test_stats.c checks the startup time's
 * accuracy). */
Test(workspaces, lifecycle_rows_in_container_stats)
{
	const char *const envv[] = { "BERTH_DATABASE_EMBEDDED=true", NULL };
	json_t		*ws;
	char		 path[160], *out, *id;
	int		 waited;

	harness_start(&run, config, envv, (uid_t)-1);
	for (waited = 0; waited < 60000 && !log_contains(&run,
	    "database ready"); waited += 200)
		sleep_ms(200);
	cr_assert(log_contains(&run, "database ready"));
	ws = create(ALICE, "{\"type\":\"demo\",\"s3Bucket\":\"b-1\","
	    "\"env\":{\"DEMO_START_DELAY\":\"1\"}}");
	id = strdup(harness_jstr(ws, "id"));
	json_decref(wait_field(id, ALICE, "status", "running", 30000));
	snprintf(path, sizeof(path), "/api/workspaces/%s", id);
	json_decref(call("DELETE", path, ALICE, NULL, 200));
	sleep_ms(500);
	cr_assert_eq(sh(&out, "runuser -u berth -- psql -h %s/pgsock -d berth "
	    "-AtF' ' -c \"select user_id, s3_bucket, container_id <> '', "
	    "startup_time_ms >= 1000, container_created_at <= "
	    "container_started_at, container_started_at <= "
	    "code_server_available_at, active_duration_ms >= 0, "
	    "shutdown_reason from container_stats where id = '%s'\" 2>&1",
	    run.dir, id), 0);
	cr_expect_str_eq(out, "it-alice b-1 t t t t t manual", "%s", out);
	free(out);
	json_decref(ws);
	free(id);
}
