/*
 * A real EventSource in headless Chromium (tests/browser/eventsource.mjs,
 * playwright-core from tests/browser/node_modules, Debian's chromium)
 * on a workspace's log stream opened by ticket: it receives lines,
 * survives the server cutting it (the logstreamer restarted under it)
 * and resumes by itself with Last-Event-ID, with no duplicate and no
 * gap.  Without Chromium or playwright-core the test fails: install
 * them with contrib/install-deps.sh.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define ALICE	"br-alice-token-0123456789"
#define IMAGE	"berth/demo-workspace:logs"

static const char config[] =
    "[docker]\nstop_timeout_s = 1\n"
    "[auth]\nadmin_token = br-admin-token-0123456789\n"
    "[token.alice]\ntoken = " ALICE "\nuser = br-alice\n"
    "[type.demo]\nimage = " IMAGE "\nport = 8080\n"
    "cpus = 0.5\nmemory_mb = 64\nmemory_reservation_mb = 32\n"
    "volume_path = /workspace\n";

static struct berthd_run run;

static void
cleanup(void)
{
	harness_cleanup(&run);
	sh(NULL, "docker ps -aq --filter label=berth.user=br-alice "
	    "--filter label=berth.managed=true | xargs -r docker rm -f "
	    ">/dev/null 2>&1");
	sh(NULL, "docker volume ls -q --filter label=berth.user=br-alice | "
	    "xargs -r docker volume rm >/dev/null 2>&1");
}

static void
setup(void)
{
	harness_require_engine();
	cr_assert_eq(sh(NULL, "sh %s/contrib/demo-image.sh %s >/dev/null",
	    BERTH_SRCDIR, IMAGE), 0, "cannot build %s", IMAGE);
	cr_assert_eq(sh(NULL, "test -x /usr/bin/chromium && test -d "
	    "%s/tests/browser/node_modules/playwright-core", BERTH_SRCDIR), 0,
	    "no /usr/bin/chromium or playwright-core in tests/browser: run "
	    "contrib/install-deps.sh");
	cleanup();
}

TestSuite(browser, .init = setup, .fini = cleanup, .timeout = 240);

Test(browser, eventsource_resumes_after_a_cut)
{
	char	 path[256], *out;
	json_t	*j;
	char	*id, *tk;
	int	 rc;

	harness_start(&run, config, NULL, (uid_t)-1);
	j = harness_call(&run, "POST", "/api/workspaces", ALICE,
	    "{\"type\":\"demo\",\"env\":{\"DEMO_LOG_INTERVAL\":\"0.1\"}}", 201);
	id = strdup(harness_jstr(j, "id"));
	json_decref(j);
	snprintf(path, sizeof(path), "/api/workspaces/%s/logs/ticket", id);
	j = harness_call(&run, "POST", path, ALICE, NULL, 200);
	tk = strdup(harness_jstr(j, "ticket"));
	json_decref(j);
	rc = sh(&out, "cd %s/tests/browser && BERTH_URL=http://127.0.0.1:%d "
	    "BERTH_WS=%s BERTH_TICKET=%s BERTH_CUT='%s/berthctl -s %s restart "
	    "logstreamer >/dev/null' node eventsource.mjs 2>&1", BERTH_SRCDIR,
	    run.port, id, tk, BERTH_BUILDDIR, run.sock);
	cr_log_info("%s", out);
	cr_expect_eq(rc, 0, "the EventSource in Chromium: %s", out);
	cr_expect(strstr(out, "\"ok\":true") != NULL, "%s", out);
	free(out);
	free(tk);
	free(id);
}
