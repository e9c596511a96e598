/*
 * The scheduler's jobs against the real Docker Engine, with the clock
 * the tests move (berthd run with BERTH_TEST_CLOCK=1, `berthctl clock`):
 * a container made by hand with berth's labels and a workspace id berth
 * has no record of is removed by orphaned-containers while an
 * unlabelled one is untouched; a tier with a 1-minute maximum stops a
 * workspace with session_limit; a due run while the last one goes on
 * is skipped and counted; a run missed while berthd was down runs once
 * at start; a deleted project's volume goes after the grace unless a
 * container mounts it; error-workspaces recovers a workspace whose
 * container runs again and removes the dead one; the jobs API is the admin's (user token 403, unknown job
 * 404); berthctl jobs, run-job, cleanup.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define ADMIN	"it-sched-admin-0123456789"
#define ALICE	"it-sched-alice-0123456789"
#define BOB	"it-sched-bob-0123456789ab"
#define LABEL	"it.berth.scheduler=1"

static const char config[] =
    "[docker]\nstop_timeout_s = 8\n"
    "[health]\nstartup_timeout_s = 600\n"
    "[auth]\nadmin_token = " ADMIN "\n"
    "[token.alice]\ntoken = " ALICE "\nuser = it-sched-alice\n"
    "tiers = free\n"
    "[token.bob]\ntoken = " BOB "\nuser = it-sched-bob\ntiers = free\n"
    "[job.orphaned-volumes]\ngrace_min = 1\n"
    "[tier.free]\nmax_session_min = 1\n"
    "[job.expired-sessions]\nenabled = false\n"
    "[type.demo]\nimage = berth/demo-workspace:latest\nport = 8080\n"
    "cpus = 0.5\nmemory_mb = 64\nmemory_reservation_mb = 32\n"
    "tiers = free\nnetwork = shared\n"
    "health_cmd = wget -q -O /dev/null http://127.0.0.1:{port}/healthz"
    " || exit 1\n"
    "health_interval_s = 1\nhealth_timeout_s = 2\nhealth_retries = 3\n"
    "health_start_period_s = 0\nvolume_path = /workspace\n"
    /* a workspace whose pid 1 ignores SIGTERM: a stop takes
     * stop_timeout_s, long enough to overlap */
    "[type.slow]\nimage = berth/demo-workspace:latest\nport = 8080\n"
    "command = trap '' TERM; sleep 600\ncpus = 0.5\nmemory_mb = 64\n"
    "tiers = free\nnetwork = shared\nhealth_cmd = true\n";

static const char *const test_clock[] = { "BERTH_TEST_CLOCK=1", NULL };
static struct berthd_run run;

static void
cleanup(void)
{
	harness_cleanup(&run);
	sh(NULL, "docker ps -aq --filter label=" LABEL " | xargs -r docker "
	    "rm -f >/dev/null 2>&1");
	sh(NULL, "docker ps -aq --filter label=berth.user=it-sched-alice "
	    "| xargs -r docker rm -f >/dev/null 2>&1");
	sh(NULL, "docker volume rm -f berth-project-itsp1 berth-project-itsp2 "
	    ">/dev/null 2>&1");
}

static void
setup(void)
{
	harness_require_engine();
	cleanup();
}

TestSuite(scheduler, .init = setup, .fini = cleanup, .timeout = 180);

/* ------------------------------------------------------------ helpers */

/* berthd up, and the scheduler's schedule started: it starts once the
 * engine's containers are adopted (no orphan before that). */
static void
start(const char *const *env)
{
	int	waited;

	harness_start(&run, config, env, (uid_t)-1);
	for (waited = 0; waited < 30000; waited += 100) {
		if (log_contains(&run, "containers listed and adopted"))
			return;
		sleep_ms(100);
	}
	cr_assert_fail("berthd never adopted the engine's containers");
}

static json_t *
call(const char *method, const char *path, const char *token, int expect)
{
	return harness_call(&run, method, path, token, NULL, expect);
}

/* The job as GET /api/monitoring/jobs shows it (json_decref it). */
static json_t *
job(const char *name)
{
	return harness_job(&run, ADMIN, name);
}

static long
total(json_t *j, const char *key)
{
	return (long)json_integer_value(json_object_get(json_object_get(j,
	    "totals"), key));
}

/* Wait until the job's totals.key reaches at least n. */
static json_t *
wait_total(const char *name, const char *key, long n, int timeout_ms)
{
	json_t	*j;
	int	 waited;

	for (waited = 0; waited < timeout_ms; waited += 200) {
		j = job(name);
		if (total(j, key) >= n && !json_is_true(json_object_get(j,
		    "running")))
			return j;
		if (strcmp(key, "skipped") == 0 && total(j, key) >= n)
			return j;
		json_decref(j);
		sleep_ms(200);
	}
	cr_assert_fail("job %s: totals.%s never reached %ld", name, key, n);
	return NULL;
}

/* Run the job now and wait for its nth run, which must end ok: its
 * count of key. */
static long
run_ok(const char *name, long n, const char *key)
{
	json_t	*j;
	long	 v;

	j = harness_run_job(&run, ADMIN, name, n);
	cr_expect_str_eq(harness_jstr(json_object_get(j, "lastRun"),
	    "result"), "ok", "%s", name);
	v = (long)json_integer_value(json_object_get(json_object_get(
	    json_object_get(j, "lastRun"), "counts"), key));
	json_decref(j);
	return v;
}

static void
clock_move(long s)
{
	harness_clock(&run, s);
}

/* A container made by hand; its id. */
static char *
container(const char *labels)
{
	char	*id;

	cr_assert_eq(sh(&id, "docker run -d --label " LABEL " %s "
	    "berth/demo-workspace:latest", labels), 0, "docker run: %s", id);
	id[strcspn(id, "\n")] = '\0';
	return id;
}

static int
exists(const char *id)
{
	return sh(NULL, "docker inspect %s >/dev/null 2>&1", id) == 0;
}

static const char *
last_result(json_t *j)
{
	return harness_jstr(json_object_get(j, "lastRun"), "result");
}

/* ------------------------------------------------------------ tests */

Test(scheduler, orphaned_containers_removes_only_berths_unknown_ones)
{
	char	*orphan, *plain, *text;
	json_t	*j, *counts;

	start(test_clock);
	orphan = container("--label berth.managed=true --label "
	    "berth.workspace=ws-nobody-knows --label berth.user=it-ghost");
	plain = container("");
	j = call("POST", "/api/monitoring/jobs/orphaned-containers/run",
	    ADMIN, 202);
	cr_expect_str_eq(harness_jstr(j, "name"), "orphaned-containers");
	json_decref(j);
	j = wait_total("orphaned-containers", "runs", 1, 30000);
	cr_expect_str_eq(last_result(j), "ok");
	counts = json_object_get(json_object_get(j, "lastRun"), "counts");
	cr_expect_geq(json_integer_value(json_object_get(counts, "removed")),
	    1);
	json_decref(j);
	cr_expect(!exists(orphan), "the orphan is still there");
	cr_expect(exists(plain), "an unlabelled container was touched");
	cr_expect(log_contains(&run, "removing orphaned container"));
	cr_expect(log_contains(&run, "ws-nobody-knows"));
	/* and on /api/metrics */
	cr_assert_eq(harness_request(&run, "GET", "/api/metrics", NULL, NULL,
	    &text), 200);
	cr_expect(strstr(text, "berth_job_runs_total{job=\"orphaned-"
	    "containers\",result=\"ok\"} 1\n") != NULL, "%s", text);
	cr_expect(strstr(text, "berth_job_last_success_timestamp_seconds{"
	    "job=\"orphaned-containers\"}") != NULL);
	cr_expect(strstr(text, "berth_job_duration_seconds_count{job=\""
	    "orphaned-containers\"} 1\n") != NULL);
	free(text);
	free(orphan);
	free(plain);
}

Test(scheduler, the_jobs_api_is_the_admins)
{
	json_t	*j, *all, *next;
	char	*out;

	start(NULL);
	json_decref(call("GET", "/api/monitoring/jobs", ALICE, 403));
	json_decref(call("POST", "/api/monitoring/jobs/orphaned-containers/run",
	    ALICE, 403));
	json_decref(call("POST", "/api/monitoring/cleanup", ALICE, 403));
	json_decref(call("POST", "/api/workspaces/cleanup", ALICE, 403));
	json_decref(call("GET", "/api/monitoring/jobs", NULL, 401));
	json_decref(call("POST", "/api/monitoring/jobs/nonesuch/run", ADMIN,
	    404));
	json_decref(call("POST", "/api/monitoring/jobs/..%2Fx/run", ADMIN,
	    404));
	/* every job of the issue is built */
	all = call("GET", "/api/monitoring/jobs", ADMIN, 200);
	cr_expect_eq(json_integer_value(json_object_get(all, "count")), 10);
	json_decref(all);
	j = job("monitoring");
	cr_expect(json_is_true(json_object_get(j, "built")));
	cr_expect_str_eq(harness_jstr(j, "schedule"), "*/5 * * * *");
	cr_expect_eq(json_array_size(json_object_get(j, "nextRuns")), 5);
	json_decref(j);
	j = job("session-timeouts");
	cr_expect_str_eq(harness_jstr(j, "schedule"), "*/10 * * * *");
	cr_expect_str_eq(harness_jstr(j, "timezone"), "UTC");
	next = json_object_get(j, "nextRuns");
	cr_expect_eq(json_array_size(next), 5);
	cr_expect(strstr(json_string_value(json_array_get(next, 0)), "0:00")
	    != NULL, "%s", json_string_value(json_array_get(next, 0)));
	json_decref(j);
	/* cleanup: a count for every kind (all of them are built) */
	j = call("POST", "/api/workspaces/cleanup", ADMIN, 200);
	cr_expect(json_is_integer(json_object_get(json_object_get(j,
	    "counts"), "orphanedContainers")));
	cr_expect(json_is_integer(json_object_get(json_object_get(j,
	    "counts"), "orphanedVolumes")));
	cr_expect(json_is_integer(json_object_get(json_object_get(j,
	    "counts"), "errorWorkspaces")));
	cr_expect(json_is_integer(json_object_get(json_object_get(j,
	    "counts"), "inactiveContainers")));
	json_decref(j);
	/* retention: the statswriter's, asked (no database: nothing) */
	cr_expect_eq(run_ok("retention", 1, "removed"), 0);
	/* berthctl, over the admin socket */
	cr_expect_eq(sh(&out, "%s/berthctl -s %s jobs", BERTH_BUILDDIR,
	    run.sock), 0);
	cr_expect(strstr(out, "NEXT") != NULL && strstr(out,
	    "orphaned-containers") != NULL, "%s", out);
	free(out);
	cr_expect_eq(sh(&out, "%s/berthctl -s %s run-job orphaned-machines "
	    "--json", BERTH_BUILDDIR, run.sock), 0);
	cr_expect(strstr(out, "\"orphaned-machines\"") != NULL, "%s", out);
	free(out);
	cr_expect_eq(sh(&out, "%s/berthctl -s %s cleanup --json",
	    BERTH_BUILDDIR, run.sock), 0);
	cr_expect(strstr(out, "\"orphanedContainers\"") != NULL, "%s", out);
	free(out);
	/* no test clock unless berthd runs with BERTH_TEST_CLOCK=1 */
	cr_expect_neq(sh(&out, "%s/berthctl -s %s clock +60 2>&1",
	    BERTH_BUILDDIR, run.sock), 0);
	cr_expect(strstr(out, "BERTH_TEST_CLOCK") != NULL, "%s", out);
	free(out);
}

/* A workspace of a tier with max_session_min = 1, still starting (it
 * never answers), whose pid 1 ignores SIGTERM: a stop takes
 * stop_timeout_s. */
static char *
long_session(void)
{
	json_t	*ws;
	char	*id;

	ws = harness_call(&run, "POST", "/api/workspaces", ALICE,
	    "{\"type\":\"slow\",\"tier\":\"free\"}", 201);
	id = strdup(harness_jstr(ws, "id"));
	json_decref(ws);
	return id;
}

/* Poll alice's workspace until key is want. */
static json_t *
wait_ws(const char *id, const char *key, const char *want)
{
	char	 path[160];
	json_t	*ws = NULL;
	int	 waited;

	snprintf(path, sizeof(path), "/api/workspaces/%s", id);
	for (waited = 0; waited < 60000; waited += 250) {
		json_decref(ws);
		ws = call("GET", path, ALICE, 200);
		if (strcmp(harness_jstr(ws, key), want) == 0)
			return ws;
		sleep_ms(250);
	}
	cr_assert_fail("workspace %s: %s is %s, not %s", id, key,
	    harness_jstr(ws, key), want);
	return NULL;
}

static json_t *
wait_stopped(const char *id)
{
	return wait_ws(id, "status", "stopped");
}

Test(scheduler, a_session_past_the_tiers_maximum_stops_and_an_overlap_skips)
{
	json_t	*j, *ws;
	char	*id;

	start(test_clock);
	id = long_session();
	/* past the next fire (every 10 min) and the 1-minute maximum */
	clock_move(11 * 60);
	for (j = job("session-timeouts"); !json_is_true(json_object_get(j,
	    "running")); j = job("session-timeouts")) {
		cr_assert_eq(total(j, "runs"), 0, "the run ended already");
		json_decref(j);
		sleep_ms(100);
	}
	json_decref(j);
	/* while it stops the workspace: asked again, and due again */
	json_decref(call("POST", "/api/monitoring/jobs/session-timeouts/run",
	    ADMIN, 409));
	clock_move(10 * 60);
	j = wait_total("session-timeouts", "skipped", 1, 5000);
	cr_expect_eq(total(j, "runs"), 0, "the skip came after the run");
	json_decref(j);
	ws = wait_stopped(id);
	cr_expect_str_eq(harness_jstr(ws, "shutdownReason"), "session_limit");
	json_decref(ws);
	j = wait_total("session-timeouts", "runs", 1, 30000);
	cr_expect_str_eq(last_result(j), "ok");
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(
	    json_object_get(j, "lastRun"), "counts"), "stopped")), 1);
	cr_expect_eq(total(j, "skipped"), 1);
	json_decref(j);
	cr_expect(log_contains(&run, "reason session_limit"));
	/* the run that acted is an event */
	j = call("GET", "/api/monitoring/events?type=job.ok", ADMIN, 200);
	ws = json_array_get(json_object_get(j, "events"), 0);
	cr_expect(strstr(harness_jstr(ws, "message"), "job session-timeouts:")
	    != NULL && strstr(harness_jstr(ws, "message"), ", 1 stopped, 0 "
	    "failed") != NULL, "%s", harness_jstr(ws, "message"));
	json_decref(j);
	free(id);
}

Test(scheduler, a_run_missed_while_down_runs_once_at_start)
{
	char	 path[160];
	FILE	*f;
	json_t	*j;
	char	*state;
	time_t	 now = time(NULL);

	harness_prepare(&run, config);
	/* berthd's memory: orphaned-machines (hourly) last fired two hours
	 * ago, session-timeouts (every ten minutes) at its latest fire time,
	 * so that none of its fires was missed */
	snprintf(path, sizeof(path), "%s/scheduler.state", run.dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fprintf(f, "orphaned-machines %lld\nsession-timeouts %lld\n",
	    (long long)now - 7200, (long long)(now - now % 600));
	fclose(f);
	harness_exec(&run, NULL, (uid_t)-1);
	cr_assert_eq(harness_wait_ready(&run, 30000), 0);
	j = wait_total("orphaned-machines", "runs", 1, 30000);
	json_decref(j);
	sleep_ms(2500);		/* a few ticks: no second catch-up run */
	j = job("orphaned-machines");
	cr_expect_eq(total(j, "runs"), 1);
	json_decref(j);
	cr_expect(log_contains(&run, "job orphaned-machines: missed the run"));
	cr_expect(!log_contains(&run, "job session-timeouts: missed the run"));
	/* and the file has the new fire */
	state = read_file(path);
	cr_expect(state != NULL && strstr(state, "orphaned-machines") != NULL);
	free(state);
}

/* A stopped workspace of alice's on project, made and stopped. */
static void
used_project(const char *project)
{
	char	 body[160], path[160];
	json_t	*ws;

	snprintf(body, sizeof(body), "{\"type\":\"demo\",\"tier\":\"free\","
	    "\"projectId\":\"%s\"}", project);
	ws = harness_call(&run, "POST", "/api/workspaces", ALICE, body, 201);
	snprintf(path, sizeof(path), "/api/projects/%s", project);
	/* not while it runs; not another user's */
	json_decref(call("DELETE", path, ALICE, 409));
	json_decref(call("DELETE", path, BOB, 404));
	snprintf(path, sizeof(path), "/api/workspaces/%s",
	    harness_jstr(ws, "id"));
	json_decref(call("DELETE", path, ALICE, 200));
	json_decref(wait_stopped(harness_jstr(ws, "id")));
	json_decref(ws);
}

static int
volume_exists(const char *name)
{
	return sh(NULL, "docker volume inspect %s >/dev/null 2>&1", name) == 0;
}

Test(scheduler, a_deleted_projects_volume_goes_after_the_grace_unless_mounted)
{
	json_t	*j;
	char	*mounter;

	start(test_clock);
	used_project("itsp1");
	used_project("itsp2");
	j = call("DELETE", "/api/projects/itsp1", ALICE, 200);
	cr_expect(json_is_string(json_object_get(j, "deletedAt")));
	json_decref(j);
	json_decref(call("DELETE", "/api/projects/itsp1", ALICE, 404));
	json_decref(call("DELETE", "/api/projects/itsp2", ADMIN, 200));
	/* a deleted project is not started again */
	json_decref(harness_call(&run, "POST", "/api/workspaces", ALICE,
	    "{\"type\":\"demo\",\"projectId\":\"itsp1\"}", 409));
	/* itsp2's volume is mounted by a container made by hand */
	mounter = container("-v berth-project-itsp2:/data");
	/* within the grace: nothing goes */
	cr_expect_eq(run_ok("orphaned-volumes", 1, "removed"), 0);
	cr_expect(volume_exists("berth-project-itsp1"));
	/* past it: the unmounted one goes, the mounted one stays */
	clock_move(2 * 60);
	cr_expect_eq(run_ok("orphaned-volumes", 2, "removed"), 1);
	cr_expect(!volume_exists("berth-project-itsp1"));
	cr_expect(volume_exists("berth-project-itsp2"), "a mounted volume "
	    "was removed");
	cr_expect(log_contains(&run, "removing volume berth-project-itsp1"));
	cr_expect(log_contains(&run, "a container mounts it"));
	free(mounter);
}

/* A running workspace of alice's whose container is then killed
 * behind berth's back: it ends in error, its container left. */
static char *
died(char **cid)
{
	json_t	*ws;
	char	*id;

	ws = harness_call(&run, "POST", "/api/workspaces", ALICE,
	    "{\"type\":\"demo\",\"tier\":\"free\"}", 201);
	id = strdup(harness_jstr(ws, "id"));
	json_decref(ws);
	ws = wait_ws(id, "status", "running");
	*cid = strdup(harness_jstr(ws, "containerId"));
	json_decref(ws);
	cr_assert_eq(sh(NULL, "docker kill %s >/dev/null 2>&1", *cid), 0);
	json_decref(wait_ws(id, "shutdownReason", "error"));
	return id;
}

Test(scheduler, error_workspaces_recovers_or_cleans_up)
{
	char	*gone, *back, *gone_cid, *back_cid;

	start(NULL);
	gone = died(&gone_cid);
	back = died(&back_cid);
	/* one container runs again by hand: berthd sees the engine's
	 * start and the workspace runs again without the job */
	cr_assert_eq(sh(NULL, "docker start %s >/dev/null 2>&1", back_cid),
	    0);
	json_decref(wait_ws(back, "status", "running"));
	cr_expect(log_contains(&run, "restarted: its container"));
	/* the job settles the other: its dead container removed */
	cr_expect_eq(run_ok("error-workspaces", 1, "settled"), 1);
	cr_expect(!exists(gone_cid), "the dead container is still there");
	json_decref(wait_ws(gone, "status", "stopped"));
	cr_expect(log_contains(&run, "its container removed"));
	cr_expect(!log_contains(&run, "recovered: its container"));
	free(gone);
	free(back);
	free(gone_cid);
	free(back_cid);
}
