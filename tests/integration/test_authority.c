/*
 * Who may make berthd act, through the real gateway and the real
 * engine: tiers bound to tokens (403), projects owned by their first
 * user (404 for another user, 409 for the admin until a transfer, an
 * unlabelled volume for the admin only), quotas (429), limits that
 * hold for any number (422, nothing created), and a workspace deleted
 * while the engine is still creating it, which never runs.
 */
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define ADMIN	"au-admin-token-0123456789"
#define ALICE	"au-alice-token-0123456789"
#define BOB	"au-bob-token-0123456789ab"
#define CAROL	"au-carol-token-0123456789"

static const char config[] =
    "[docker]\nstop_timeout_s = 1\n"
    "[auth]\nadmin_token = " ADMIN "\n"
    "[token.alice]\ntoken = " ALICE "\nuser = au-alice\n"
    "[token.bob]\ntoken = " BOB "\nuser = au-bob\n"
    "[token.carol]\ntoken = " CAROL "\nuser = au-carol\n"
    "tiers = basic,pro\ndefault_tier = basic\n"
    "[tier.free]\nmax_workspaces_per_user = 1\n"
    "[type.demo]\nimage = berth/demo-workspace:latest\nport = 8080\n"
    "cpus = 0.5\nmemory_mb = 64\nmemory_reservation_mb = 32\n"
    "max_cpus = 2\nmax_memory_mb = 512\n"
    "health_cmd = wget -q -O /dev/null http://127.0.0.1:{port}/healthz"
    " || exit 1\n"
    "health_interval_s = 30\nhealth_timeout_s = 2\nhealth_retries = 3\n"
    "health_start_period_s = 0\nvolume_path = /workspace\n";

static struct berthd_run run;

static void
cleanup(void)
{
	harness_cleanup(&run);
	sh(NULL, "pkill -CONT -x dockerd");
	sh(NULL, "docker ps -aq --filter label=berth.managed=true "
	    "--filter name=berth- | while read c; do docker inspect -f "
	    "'{{index .Config.Labels \"berth.user\"}} {{.Id}}' $c; done | "
	    "awk '$1 ~ /^au-|^admin$/ {print $2}' | xargs -r docker rm -f "
	    ">/dev/null 2>&1");
	sh(NULL, "docker volume ls -q | grep '^berth-project-au' | "
	    "xargs -r docker volume rm -f >/dev/null 2>&1");
}

static void
setup(void)
{
	harness_require_engine();
	cleanup();
	harness_start(&run, config, NULL, (uid_t)-1);
}

TestSuite(authority, .init = setup, .fini = cleanup, .timeout = 180);

/* ------------------------------------------------------------ helpers */

static json_t *
call(const char *method, const char *path, const char *token,
    const char *body, int expect)
{
	return harness_call(&run, method, path, token, body, expect);
}

static char *
create_id(const char *token, const char *body)
{
	json_t	*o = call("POST", "/api/workspaces", token, body, 201);
	char	*id = strdup(harness_jstr(o, "id"));

	json_decref(o);
	return id;
}

static void
delete_ws(const char *id)
{
	char path[128];

	snprintf(path, sizeof(path), "/api/workspaces/%s", id);
	json_decref(call("DELETE", path, ADMIN, NULL, 200));
}

/* Containers of berth's with label k=v. */
static int
containers(const char *label)
{
	char	*out;
	int	 n;

	sh(&out, "docker ps -aq --filter label=%s | wc -l", label);
	n = atoi(out);
	free(out);
	return n;
}

static const char *
error_code(json_t *o)
{
	return json_string_value(json_object_get(json_object_get(o, "error"),
	    "code"));
}

struct bg {
	const char	*body;
	int		 status;
	char		*out;
};

static void *
bg_create(void *arg)
{
	struct bg *b = arg;

	b->status = harness_request(&run, "POST", "/api/workspaces", ALICE,
	    b->body, &b->out);
	return NULL;
}

/* ------------------------------------------------------------ tiers */

Test(authority, a_token_uses_only_its_tiers)
{
	json_t	*o;
	char	*id;

	o = call("POST", "/api/workspaces", CAROL,
	    "{\"type\":\"demo\",\"tier\":\"free\"}", 403);
	cr_expect_str_eq(error_code(o), "forbidden");
	json_decref(o);
	/* No tier: the token's default. */
	o = call("POST", "/api/workspaces", CAROL, "{\"type\":\"demo\"}",
	    201);
	cr_expect_str_eq(harness_jstr(o, "tier"), "basic");
	id = strdup(harness_jstr(o, "id"));
	json_decref(o);
	delete_ws(id);
	free(id);
	/* The admin may use any tier. */
	id = create_id(ADMIN, "{\"type\":\"demo\",\"tier\":\"pro\"}");
	delete_ws(id);
	free(id);
	cr_expect_eq(containers("berth.user=au-carol"), 0);
}

/* ------------------------------------------------------------ projects */

Test(authority, a_project_belongs_to_its_first_user)
{
	json_t	*o, *p;
	char	*a, *b;
	size_t	 i;
	int	 seen = 0;

	a = create_id(ALICE, "{\"type\":\"demo\",\"projectId\":\"au-plans\"}");
	/* Bob may not name it: not found, nothing created or mounted. */
	o = call("POST", "/api/workspaces", BOB,
	    "{\"type\":\"demo\",\"projectId\":\"au-plans\"}", 404);
	json_decref(o);
	cr_expect_eq(containers("berth.user=au-bob"), 0);
	/* The admin starting one for bob: a conflict until a transfer. */
	o = call("POST", "/api/workspaces", ADMIN, "{\"type\":\"demo\","
	    "\"userId\":\"au-bob\",\"projectId\":\"au-plans\"}", 409);
	json_decref(o);
	cr_expect_eq(containers("berth.user=au-bob"), 0);
	/* No token: 401, for the list and the transfer alike. */
	json_decref(call("GET", "/api/projects", NULL, NULL, 401));
	json_decref(call("PUT", "/api/projects/au-plans/owner", NULL,
	    "{\"userId\":\"au-bob\"}", 401));
	/* Bob lists nothing; alice her project with its volume. */
	o = call("GET", "/api/projects", BOB, NULL, 200);
	cr_expect_eq(json_integer_value(json_object_get(o, "count")), 0);
	json_decref(o);
	o = call("GET", "/api/projects", ALICE, NULL, 200);
	json_array_foreach(json_object_get(o, "projects"), i, p)
		if (strcmp(harness_jstr(p, "projectId"), "au-plans") == 0) {
			seen = 1;
			cr_expect_str_eq(harness_jstr(p, "ownerId"), "au-alice");
			cr_expect_str_eq(harness_jstr(p, "volume"),
			    "berth-project-au-plans");
		}
	cr_expect(seen, "alice's project is not listed");
	json_decref(o);
	cr_expect_eq(sh(NULL, "test \"$(docker volume inspect -f "
	    "'{{index .Labels \"berth.owner\"}}' berth-project-au-plans)\" "
	    "= au-alice"), 0, "the volume has no owner label");
	/* Only the admin transfers it; then bob's workspace may start. */
	json_decref(call("PUT", "/api/projects/au-plans/owner", ALICE,
	    "{\"userId\":\"au-bob\"}", 403));
	json_decref(call("PUT", "/api/projects/au-nothing/owner", ADMIN,
	    "{\"userId\":\"au-bob\"}", 404));
	json_decref(call("PUT", "/api/projects/au-plans/owner", ADMIN,
	    "{\"userId\":\"bad id!\"}", 422));
	o = call("PUT", "/api/projects/au-plans/owner", ADMIN,
	    "{\"userId\":\"au-bob\"}", 200);
	cr_expect_str_eq(harness_jstr(o, "ownerId"), "au-bob");
	json_decref(o);
	delete_ws(a);
	b = create_id(BOB, "{\"type\":\"demo\",\"projectId\":\"au-plans\"}");
	json_decref(call("POST", "/api/workspaces", ALICE,
	    "{\"type\":\"demo\",\"projectId\":\"au-plans\"}", 404));
	delete_ws(b);
	free(a);
	free(b);
}

/* The registry outlives berthd: its file, not the volume's label. */
Test(authority, a_transfer_survives_a_restart)
{
	char	*a;

	a = create_id(ALICE, "{\"type\":\"demo\",\"projectId\":\"au-moved\"}");
	delete_ws(a);
	free(a);
	json_decref(call("PUT", "/api/projects/au-moved/owner", ADMIN,
	    "{\"userId\":\"au-bob\"}", 200));
	cr_assert_eq(harness_stop(&run, SIGTERM, 8000) >= 0, 1);
	harness_restart(&run, NULL);
	json_decref(call("POST", "/api/workspaces", ALICE,
	    "{\"type\":\"demo\",\"projectId\":\"au-moved\"}", 404));
	a = create_id(BOB, "{\"type\":\"demo\",\"projectId\":\"au-moved\"}");
	delete_ws(a);
	free(a);
}

/* A volume made by hand (or before owners) is nobody's. */
Test(authority, an_unlabelled_volume_is_for_the_admin_only)
{
	json_t	*o;
	char	*a;

	cr_assert_eq(sh(NULL, "docker volume create berth-project-au-legacy "
	    ">/dev/null"), 0);
	o = call("POST", "/api/workspaces", ALICE,
	    "{\"type\":\"demo\",\"projectId\":\"au-legacy\"}", 404);
	json_decref(o);
	cr_expect_eq(containers("berth.project=au-legacy"), 0);
	a = create_id(ADMIN, "{\"type\":\"demo\",\"projectId\":\"au-legacy\"}");
	delete_ws(a);
	free(a);
	json_decref(call("PUT", "/api/projects/au-legacy/owner", ADMIN,
	    "{\"userId\":\"au-alice\"}", 200));
	a = create_id(ALICE, "{\"type\":\"demo\",\"projectId\":\"au-legacy\"}");
	delete_ws(a);
	free(a);
}

/* ------------------------------------------------------------ quotas */

Test(authority, over_a_quota_is_429_with_the_limit_named)
{
	json_t	*o;
	char	*a;
	const char *msg;

	a = create_id(ALICE, "{\"type\":\"demo\"}");
	o = call("POST", "/api/workspaces", ALICE, "{\"type\":\"demo\"}",
	    429);
	cr_expect_str_eq(error_code(o), "quota");
	msg = json_string_value(json_object_get(json_object_get(o, "error"),
	    "message"));
	cr_expect(msg != NULL && strstr(msg, "max_workspaces_per_user") !=
	    NULL, "%s", msg ? msg : "(none)");
	json_decref(o);
	cr_expect_eq(containers("berth.user=au-alice"), 1);
	/* Another tier of the same user has its own count. */
	delete_ws(a);
	free(a);
	a = create_id(ALICE, "{\"type\":\"demo\"}");	/* room again */
	delete_ws(a);
	free(a);
}

/* The server's cap counts every user's workspaces (berthd adopts any
 * running container of berth's on the engine: those count too). */
Test(authority, over_the_servers_cap_is_429)
{
	const char	*envv[2] = { NULL, NULL };
	char		 var[64], *out;
	json_t		*o;
	char		*a;

	cr_assert_eq(harness_stop(&run, SIGTERM, 8000) >= 0, 1);
	sh(&out, "docker ps -q --filter label=berth.managed=true | wc -l");
	snprintf(var, sizeof(var), "BERTH_MAX_WORKSPACES=%d", atoi(out) + 1);
	free(out);
	envv[0] = var;
	harness_restart(&run, envv);
	a = create_id(ALICE, "{\"type\":\"demo\"}");
	o = call("POST", "/api/workspaces", BOB, "{\"type\":\"demo\"}",
	    429);
	cr_expect(strstr(json_string_value(json_object_get(json_object_get(o,
	    "error"), "message")), "max_workspaces") != NULL);
	json_decref(o);
	cr_expect_eq(containers("berth.user=au-bob"), 0);
	delete_ws(a);
	free(a);
}

/* With the engine held, the one engine call allowed is in flight: the
 * next create is told to come back (429, Retry-After). */
Test(authority, a_busy_engine_is_429_with_retry_after)
{
	const char *const envv[] = { "BERTH_DOCKER_MAX_CONCURRENT_CALLS=1",
	    NULL };
	struct bg	 b = { "{\"type\":\"demo\"}", 0, NULL };
	pthread_t	 t;
	char		*out = NULL, *hdr;
	int		 i, status = 0;

	cr_assert_eq(harness_stop(&run, SIGTERM, 8000) >= 0, 1);
	harness_restart(&run, envv);
	cr_assert_eq(sh(NULL, "pkill -STOP -x dockerd"), 0);
	pthread_create(&t, NULL, bg_create, &b);
	for (i = 0; i < 50 && status != 429; i++) {
		usleep(100000);
		free(out);
		status = sh(&out, "curl -s -i -o - -X POST -H 'Authorization: "
		    "Bearer %s' -d '{\"type\":\"demo\"}' "
		    "http://127.0.0.1:%d/api/workspaces | tr -d '\\r' | "
		    "awk 'NR==1 {print $2} /^Retry-After/ {print}'", BOB,
		    run.port) == 0 ? atoi(out) : 0;
	}
	sh(NULL, "pkill -CONT -x dockerd");
	pthread_join(t, NULL);
	cr_expect_eq(status, 429, "%s", out);
	hdr = out != NULL ? strstr(out, "Retry-After") : NULL;
	cr_expect_not_null(hdr, "no Retry-After: %s", out);
	free(out);
	cr_expect_eq(b.status, 201, "the first create: %d %s", b.status,
	    b.out);
	free(b.out);
	cr_expect_eq(containers("berth.user=au-bob"), 0);
}

/* ------------------------------------------------------------ limits */

Test(authority, limits_hold_for_any_number)
{
	static const char *const bad[] = {
		"{\"type\":\"demo\",\"resources\":{\"memorySwap\":-1}}",
		"{\"type\":\"demo\",\"resources\":{\"memory\":17592186044416}}",
		"{\"type\":\"demo\",\"resources\":{\"memory\":"
		    "9223372036854775807}}",
		"{\"type\":\"demo\",\"resources\":{\"memory\":"
		    "-9223372036854775808}}",
		"{\"type\":\"demo\",\"resources\":{\"memoryReservation\":"
		    "9223372036854775807}}",
		"{\"type\":\"demo\",\"resources\":{\"memorySwap\":"
		    "9223372036854775807}}",
		"{\"type\":\"demo\",\"resources\":{\"memory\":64.5}}",
		"{\"type\":\"demo\",\"resources\":{\"cpus\":1e308}}",
		"{\"type\":\"demo\",\"resources\":{\"memory\":128,"
		    "\"memorySwap\":64}}",
		"{\"type\":\"demo\",\"resources\":{\"memory\":128,"
		    "\"memoryReservation\":256}}",
	};
	size_t	i;
	char	*out;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(harness_request(&run, "POST", "/api/workspaces",
		    ADMIN, bad[i], &out), 422, "%s: %s", bad[i], out);
		free(out);
	}
	cr_expect_eq(containers("berth.user=admin"), 0,
	    "a rejected request reached the engine");
	cr_expect_eq(sh(NULL, "grep -q 'runtime error' %s", run.log), 1,
	    "UBSan spoke in berthd");
}

/* ------------------------------------------------------------ cancel */

/* The id of alice's workspace that is starting, or NULL. */
static char *
starting_id(void)
{
	json_t	*o = call("GET", "/api/workspaces", ALICE, NULL, 200), *w;
	char	*id = NULL;
	size_t	 i;

	json_array_foreach(json_object_get(o, "workspaces"), i, w)
		if (strcmp(harness_jstr(w, "status"), "starting") == 0)
			id = strdup(harness_jstr(w, "id"));
	json_decref(o);
	return id;
}

/* The engine is held (SIGSTOP) while the create is under way, so the
 * delete comes while berthd still waits for it: the container must be
 * removed without ever having started. */
Test(authority, deleted_while_starting_it_never_runs)
{
	struct bg	 b = { "{\"type\":\"demo\"}", 0, NULL };
	pthread_t	 t;
	char		*id = NULL, path[128], *out;
	json_t		*o;
	int		 i;
	time_t		 since = time(NULL);

	cr_assert_eq(sh(NULL, "pkill -STOP -x dockerd"), 0);
	pthread_create(&t, NULL, bg_create, &b);
	for (i = 0; i < 100 && id == NULL; i++) {
		usleep(50000);
		id = starting_id();
	}
	if (id == NULL)
		sh(NULL, "pkill -CONT -x dockerd");
	cr_assert_not_null(id, "the workspace never showed as starting");
	snprintf(path, sizeof(path), "/api/workspaces/%s", id);
	/* The delete waits for the create chain; let the engine go. */
	if (fork() == 0) {
		usleep(500000);
		execlp("pkill", "pkill", "-CONT", "-x", "dockerd", NULL);
		_exit(1);
	}
	o = call("DELETE", path, ALICE, NULL, 200);
	cr_expect_str_eq(harness_jstr(o, "status"), "stopped");
	cr_expect_str_eq(harness_jstr(o, "shutdownReason"), "manual");
	json_decref(o);
	pthread_join(t, NULL);
	wait(NULL);
	cr_expect_eq(b.status, 409, "the create answered %d: %s", b.status,
	    b.out);
	free(b.out);
	sleep(1);
	cr_expect_eq(containers("berth.user=au-alice"), 0,
	    "the container is still there");
	sh(&out, "docker events --since %lld --until %lld --filter "
	    "label=berth.workspace=%s --filter event=start | wc -l",
	    (long long)since, (long long)time(NULL), id);
	cr_expect_eq(atoi(out), 0, "the container started");
	free(out);
	free(id);
}

/* ------------------------------------------------------------ table */

static void
setup_db(void)
{
	const char *const envv[] = { "BERTH_DATABASE_EMBEDDED=true", NULL };

	harness_require_engine();
	cleanup();
	harness_start(&run, config, envv, (uid_t)-1);
}

/* The owner in the projects table, "" for none, NULL when no row. */
static char *
table_owner(const char *project)
{
	char	*out;
	int	 rc;

	rc = sh(&out, "runuser -u berth -- psql -h %s/pgsock -d berth -Atc "
	    "\"select coalesce(owner_id, '-') from projects where "
	    "project_id = '%s'\" 2>&1", run.dir, project);
	if (rc != 0 || out[0] == '\0') {
		free(out);
		return NULL;
	}
	out[strcspn(out, "\n")] = '\0';
	return out;
}

/* Wait until the table says want (the statswriter writes as soon as
 * the embedded database answers). */
static int
table_says(const char *project, const char *want)
{
	char	*got;
	int	 i, ok = 0;

	for (i = 0; i < 300 && !ok; i++) {
		if ((got = table_owner(project)) != NULL)
			ok = strcmp(got, want) == 0;
		free(got);
		if (!ok)
			usleep(100000);
	}
	return ok;
}

TestSuite(projects_table, .init = setup_db, .fini = cleanup,
    .timeout = 180);

Test(projects_table, every_owner_change_reaches_the_table)
{
	char *a;

	a = create_id(ALICE, "{\"type\":\"demo\",\"projectId\":\"au-tab\"}");
	cr_expect(table_says("au-tab", "au-alice"),
	    "the project's row never showed alice");
	delete_ws(a);
	free(a);
	json_decref(call("PUT", "/api/projects/au-tab/owner", ADMIN,
	    "{\"userId\":\"au-bob\"}", 200));
	cr_expect(table_says("au-tab", "au-bob"),
	    "the transfer never reached the table");
}
