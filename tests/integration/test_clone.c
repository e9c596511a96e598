/*
 * Project clones against the real engine and a real berthd: a clone
 * copies alice's project volume into a new project of the caller's,
 * bad input makes nothing, no workspace starts on a clone's target
 * meanwhile, and a clone cut by a restart leaves no target.
 */
#include <criterion/criterion.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "volumes_fixture.h"

TestSuite(clone, .init = volumes_setup, .fini = volumes_cleanup,
    .timeout = 180);

static json_t *
wait_clone(const char *target)
{
	char	 path[160];

	snprintf(path, sizeof(path), "/api/projects/%s/clone", target);
	return wait_over(path);
}

static char *
helpers_and(const char *volume)
{
	char *out = NULL;

	sh(&out, "docker ps -aq --filter label=berth.helper=volume; docker "
	    "volume ls -q --filter name=%s", volume);
	return out;
}

Test(clone, a_clone_copies_the_volume_into_a_new_project_of_the_caller)
{
	char	*out = NULL;
	json_t	*k, *l;

	k = harness_call(&run, "POST", "/api/projects/itvp1/clone", ALICE,
	    "{\"targetProjectId\":\"itvp2\"}", 202);
	cr_expect_str_eq(harness_jstr(k, "sourceProjectId"), "itvp1");
	cr_expect_str_eq(harness_jstr(k, "projectId"), "itvp2");
	json_decref(k);
	k = wait_clone("itvp2");
	cr_assert_str_eq(harness_jstr(k, "status"), "done", "%s",
	    harness_jstr(k, "error"));
	cr_expect_eq(json_integer_value(json_object_get(k, "entries")), 6);
	json_decref(k);
	cr_assert_eq(sh(&out, "docker run --rm --network none -v " VOL2
	    ":/d " IMAGE " sh -c 'cat /d/a.txt; tail -1 /d/sub/deep/numbers; "
	    "readlink /d/link'"), 0);
	cr_expect_str_eq(out, "hello\n100000\na.txt");
	free(out);
	cr_assert_eq(sh(&out, "docker volume inspect -f '{{index .Labels "
	    "\"berth.owner\"}} {{index .Labels \"berth.project\"}}' " VOL2),
	    0);
	cr_expect_str_eq(out, "it-vol-alice itvp2");
	free(out);
	/* the caller's project now: listed, not bob's */
	l = harness_call(&run, "GET", "/api/projects", ALICE, NULL, 200);
	out = json_dumps(l, 0);
	cr_expect(strstr(out, "\"itvp2\"") != NULL, "%s", out);
	free(out);
	json_decref(l);
	json_decref(harness_call(&run, "GET", "/api/projects/itvp2/backups",
	    ALICE, NULL, 200));
	json_decref(harness_call(&run, "GET", "/api/projects/itvp2/clone",
	    BOB, NULL, 404));
	out = helpers_and("nothing-of-this-name");
	cr_expect_str_eq(out, "", "helpers left: %s", out);
	free(out);
	/* the target must be new */
	json_decref(harness_call(&run, "POST", "/api/projects/itvp1/clone",
	    ALICE, "{\"targetProjectId\":\"itvp2\"}", 409));
	json_decref(harness_call(&run, "POST", "/api/projects/itvp1/clone",
	    ALICE, "{\"targetProjectId\":\"itvp1\"}", 409));
}

Test(clone, a_clone_of_bad_input_makes_nothing)
{
	char	*out;

	/* another user's source, an unknown one */
	json_decref(harness_call(&run, "POST", "/api/projects/itvp1/clone",
	    BOB, "{\"targetProjectId\":\"itvp3\"}", 404));
	json_decref(harness_call(&run, "POST", "/api/projects/nope/clone",
	    ALICE, "{\"targetProjectId\":\"itvp3\"}", 404));
	/* a bad target id */
	json_decref(harness_call(&run, "POST", "/api/projects/itvp1/clone",
	    ALICE, "{\"targetProjectId\":\"../x\"}", 422));
	json_decref(harness_call(&run, "POST", "/api/projects/itvp1/clone",
	    ALICE, "{\"targetProjectId\":\"\"}", 422));
	json_decref(harness_call(&run, "POST", "/api/projects/itvp1/clone",
	    ALICE, "{\"targetProjectId\":3}", 422));
	json_decref(harness_call(&run, "POST", "/api/projects/itvp1/clone",
	    ALICE, "{}", 422));
	/* a volume of that name the registry does not know: 409, and it is
	 * left as it was */
	cr_assert_eq(sh(NULL, "docker volume create " VOL3 " >/dev/null && "
	    "docker run --rm --network none -v " VOL3 ":/d " IMAGE
	    " sh -c 'echo mine > /d/keep'"), 0);
	json_decref(harness_call(&run, "POST", "/api/projects/itvp1/clone",
	    ALICE, "{\"targetProjectId\":\"itvp3\"}", 409));
	cr_assert_eq(sh(&out, "docker run --rm --network none -v " VOL3
	    ":/d " IMAGE " ls /d"), 0);
	cr_expect_str_eq(out, "keep");
	free(out);
	out = helpers_and("nothing-of-this-name");
	cr_expect_str_eq(out, "", "helpers left: %s", out);
	free(out);
	/* and the failed target is not a project of alice's */
	json_decref(harness_call(&run, "GET", "/api/projects/itvp3/backups",
	    ALICE, NULL, 404));
}

struct bg {
	const char	*body;
	int		 status;
	char		*out;
};

static void *
bg_clone(void *arg)
{
	struct bg *b = arg;

	b->status = harness_request(&run, "POST", "/api/projects/itvp1/clone",
	    ALICE, b->body, &b->out);
	return NULL;
}

/* The engine is held (SIGSTOP) while the clone waits for it: the
 * target is taken and no workspace starts on it, nor is it deleted. */
Test(clone, no_workspace_starts_on_a_clones_target_meanwhile)
{
	struct bg	 b = { "{\"targetProjectId\":\"itvp2\"}", 0, NULL };
	pthread_t	 t;
	json_t		*k = NULL, *e;
	char		*text;
	int		 i, st = 0;

	cr_assert_eq(sh(NULL, "pkill -STOP -x dockerd"), 0);
	pthread_create(&t, NULL, bg_clone, &b);
	for (i = 0; i < 100 && st != 200; i++) {
		usleep(50 * 1000);
		st = harness_request(&run, "GET", "/api/projects/itvp2/clone",
		    ALICE, NULL, NULL);
	}
	e = st == 200 ? harness_call(&run, "POST", "/api/workspaces", ALICE,
	    "{\"type\":\"demo\",\"projectId\":\"itvp2\"}", 409) : NULL;
	if (st == 200)
		json_decref(harness_call(&run, "DELETE", "/api/projects/itvp2",
		    ALICE, NULL, 409));
	sh(NULL, "pkill -CONT -x dockerd");
	cr_assert_eq(st, 200, "the clone never showed");
	text = json_dumps(e, 0);
	cr_expect(strstr(text, "cloned into") != NULL, "%s", text);
	free(text);
	json_decref(e);
	pthread_join(t, NULL);
	cr_expect_eq(b.status, 202, "%d %s", b.status, b.out);
	free(b.out);
	k = wait_clone("itvp2");
	cr_expect_str_eq(harness_jstr(k, "status"), "done");
	json_decref(k);
	/* and now one does */
	k = harness_call(&run, "POST", "/api/workspaces", ALICE,
	    "{\"type\":\"demo\",\"projectId\":\"itvp2\"}", 201);
	json_decref(k);
}

/* berthd killed in the middle of a clone: at the next start the target
 * it made is removed and forgotten, with an event; nothing is left. */
Test(clone, a_clone_cut_by_a_restart_leaves_no_target)
{
	char	*out = NULL;
	json_t	*l;
	int	 i, gone = 0;

	/* a source whose copy takes seconds */
	cr_assert_eq(sh(NULL, "docker run --rm --network none -v " VOL ":/d "
	    IMAGE " dd if=/dev/zero of=/d/big bs=1048576 count=400 "
	    "2>/dev/null"), 0);
	json_decref(harness_call(&run, "POST", "/api/projects/itvp1/clone",
	    ALICE, "{\"targetProjectId\":\"itvp2\"}", 202));
	cr_assert_eq(sh(NULL, "pkill -STOP -x dockerd"), 0);
	i = harness_stop(&run, SIGKILL, 5000);
	sh(NULL, "pkill -CONT -x dockerd");
	cr_assert_geq(i, 0);
	cr_assert_eq(sh(&out, "docker volume inspect -f '{{index .Labels "
	    "\"berth.clone\"}}' " VOL2), 0, "the clone made no volume");
	cr_expect_gt(strlen(out), 30, "%s", out);
	free(out);
	harness_restart(&run, NULL);
	for (i = 0; i < 100 && !gone; i++) {
		gone = sh(NULL, "docker volume inspect " VOL2 " >/dev/null "
		    "2>&1") != 0;
		if (!gone)
			usleep(100 * 1000);
	}
	cr_expect(gone, "the cut clone's volume is still there");
	for (i = 0; i < 50; i++) {
		l = harness_call(&run, "GET", "/api/projects", ALICE, NULL,
		    200);
		out = json_dumps(l, 0);
		json_decref(l);
		if (strstr(out, "\"itvp2\"") == NULL)
			break;
		free(out);
		out = NULL;
		usleep(100 * 1000);
	}
	cr_expect_not_null(out, "the cut clone's target is still listed");
	free(out);
	l = harness_call(&run, "GET", "/api/monitoring/events?type="
	    "clone.failed", ADMIN, NULL, 200);
	cr_expect_eq(json_array_size(json_object_get(l, "events")), 1);
	json_decref(l);
	for (i = 0; i < 50; i++) {
		if (sh(&out, "docker ps -aq --filter label=berth.helper=volume")
		    == 0 && out[0] == '\0')
			break;
		free(out);
		out = NULL;
		usleep(100 * 1000);
	}
	cr_expect_str_eq(out != NULL ? out : "?", "", "helpers left");
	free(out);
	/* the target can be cloned into again */
	json_decref(harness_call(&run, "POST", "/api/projects/itvp1/clone",
	    ALICE, "{\"targetProjectId\":\"itvp2\"}", 202));
	l = wait_clone("itvp2");
	cr_expect_str_eq(harness_jstr(l, "status"), "done");
	json_decref(l);
}
