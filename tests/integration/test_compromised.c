/*
 * A compromised gateway (rawgw, driven by the test, in place of
 * berth-gateway) against a real berthd and engine: whatever it puts in
 * a message, authority comes from the token berthd resolves — bob's
 * token with alice's user id or an admin flag reaches nothing of
 * alice's.  And a gateway that restarts during a slow create does not
 * get the old run's answer for its own request with the same id.
 */
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec.h"
#include "harness.h"
#include "rawgw_client.h"
#include "xmalloc.h"

#define ADMIN	"cg-admin-token-0123456789"
#define ALICE	"cg-alice-token-0123456789"
#define BOB	"cg-bob-token-0123456789ab"

static const char config[] =
    "[docker]\nstop_timeout_s = 1\n"
    "[auth]\nadmin_token = " ADMIN "\n"
    "[token.alice]\ntoken = " ALICE "\nuser = cg-alice\n"
    "[token.bob]\ntoken = " BOB "\nuser = cg-bob\n"
    "[type.demo]\nimage = berth/demo-workspace:latest\nport = 8080\n"
    "cpus = 0.5\nmemory_mb = 64\nmemory_reservation_mb = 32\n"
    "health_cmd = true\nhealth_interval_s = 30\nhealth_timeout_s = 2\n"
    "health_retries = 3\nhealth_start_period_s = 0\n"
    "volume_path = /workspace\n";

static struct berthd_run run;
static int		 gw = -1;

static void
cleanup(void)
{
	if (gw != -1)
		close(gw);
	gw = -1;
	sh(NULL, "pkill -CONT -x dockerd");
	harness_cleanup(&run);
	sh(NULL, "docker ps -aq --filter label=berth.user=cg-alice | "
	    "xargs -r docker rm -f >/dev/null 2>&1");
	sh(NULL, "docker ps -aq --filter label=berth.user=cg-bob | "
	    "xargs -r docker rm -f >/dev/null 2>&1");
	sh(NULL, "docker volume ls -q | grep '^berth-project-cg' | "
	    "xargs -r docker volume rm -f >/dev/null 2>&1");
}

static void
setup(void)
{
	harness_require_engine();
	cleanup();
	harness_start_rawgw(&run, config);
	cr_assert((gw = rawgw_connect(run.port)) != -1);
}

TestSuite(compromised, .init = setup, .fini = cleanup, .timeout = 120);

/* ------------------------------------------------------------ helpers */

static void *
request(struct msg *m, unsigned type, uint32_t id, const char *token)
{
	struct req_auth	*a;
	void		*b = msg_init(m, type, id, PEER_PARENT);

	a = msg_auth(m);
	a->token = xstrdup(token);
	a->caller = xstrdup("");
	return b;
}

/* Send m (cleared) and wait for the answer with its id. */
static void
ask(struct msg *m, struct msg *reply)
{
	uint32_t id = m->id;

	cr_assert_eq(rawgw_send(gw, m, 5000), 0);
	msg_clear(m);
	for (;;) {
		cr_assert_eq(rawgw_recv(gw, reply, 60000), 0, "no answer");
		if (reply->id == id && (reply->flags & MSGF_REPLY))
			return;
		msg_clear(reply);
	}
}

static void
expect_error(struct msg *reply, const char *code)
{
	cr_expect_eq(reply->type, MSG_ERROR, "got %s",
	    msg_type_name(reply->type));
	if (reply->type == MSG_ERROR)
		cr_expect_str_eq(((struct body_error *)reply->body)->code,
		    code);
	msg_clear(reply);
}

static struct body_ws_create *
create_body(struct msg *m, uint32_t id, const char *token, const char *owner,
    const char *project)
{
	struct body_ws_create *c = request(m, MSG_WS_CREATE, id, token);

	c->type = xstrdup("demo");
	c->owner = xstrdup(owner);
	c->project_id = xstrdup(project);
	c->s3_bucket = xstrdup("");
	c->tier = xstrdup("");
	return c;
}

/* alice's workspace on her project, created through rawgw. */
static char *
alice_workspace(uint32_t id)
{
	struct msg	m, r;
	char		*wsid;

	create_body(&m, id, ALICE, "", "cg-secret");
	ask(&m, &r);
	cr_assert_eq(r.type, MSG_WORKSPACE, "create failed: %s",
	    r.type == MSG_ERROR ? ((struct body_error *)r.body)->message :
	    msg_type_name(r.type));
	wsid = xstrdup(((struct workspace_info *)r.body)->id);
	msg_clear(&r);
	return wsid;
}

static int
containers_of(const char *user)
{
	char	*out;
	int	 n;

	sh(&out, "docker ps -aq --filter label=berth.user=%s | wc -l", user);
	n = atoi(out);
	free(out);
	return n;
}

/* ------------------------------------------------------------ tests */

Test(compromised, bobs_token_reaches_nothing_of_alices)
{
	struct body_ws_ref	*r;
	struct body_ws_create	*c;
	struct body_ws_items	*items;
	struct msg		 m, rep;
	char			*wsid = alice_workspace(1);
	size_t			 i;

	/* Her workspace by id, with bob's token: not found. */
	r = request(&m, MSG_WS_GET, 2, BOB);
	r->id = xstrdup(wsid);
	ask(&m, &rep);
	expect_error(&rep, "not_found");
	r = request(&m, MSG_WS_DELETE, 3, BOB);
	r->id = xstrdup(wsid);
	ask(&m, &rep);
	expect_error(&rep, "not_found");
	/* alice's user id in the body, bob's token: refused. */
	create_body(&m, 4, BOB, "cg-alice", "");
	ask(&m, &rep);
	expect_error(&rep, "forbidden");
	/* The identity stamped by the sender, or an admin flag: refused. */
	c = create_body(&m, 5, BOB, "cg-alice", "");
	free(c->auth.caller);
	c->auth.caller = xstrdup("cg-alice");
	ask(&m, &rep);
	expect_error(&rep, "forbidden");
	r = request(&m, MSG_WS_GET, 6, BOB);
	r->id = xstrdup(wsid);
	r->auth.admin = 1;
	ask(&m, &rep);
	expect_error(&rep, "forbidden");
	/* Her project, with bob's token: not found, nothing mounted. */
	create_body(&m, 7, BOB, "", "cg-secret");
	ask(&m, &rep);
	expect_error(&rep, "not_found");
	/* Bob's list has nothing of hers. */
	r = request(&m, MSG_WS_LIST, 8, BOB);
	r->id = xstrdup("");
	ask(&m, &rep);
	cr_assert_eq(rep.type, MSG_WS_ITEMS);
	items = rep.body;
	for (i = 0; i < items->nitems; i++)
		cr_expect_str_neq(items->items[i].user_id, "cg-alice");
	msg_clear(&rep);
	/* Operator queries with bob's token: forbidden; they never reach
	 * the statswriter. */
	request(&m, MSG_CSTATS_REQ, 9, BOB);
	m.peer = PEER_STATSWRITER;
	ask(&m, &rep);
	expect_error(&rep, "forbidden");
	cr_expect_eq(containers_of("cg-bob"), 0, "bob got a container");
	/* Hers still runs, untouched. */
	r = request(&m, MSG_WS_GET, 10, ALICE);
	r->id = xstrdup(wsid);
	ask(&m, &rep);
	cr_assert_eq(rep.type, MSG_WORKSPACE);
	cr_expect_str_neq(((struct workspace_info *)rep.body)->status,
	    "stopped");
	msg_clear(&rep);
	free(wsid);
}

/* The engine is held while a create waits; the gateway restarts and
 * its new run asks with the same id: it gets its own answer only. */
Test(compromised, an_answer_for_a_restarted_gateway_is_dropped)
{
	struct msg	m, rep;
	pid_t		old;
	char		first[40] = "", *out;

	old = harness_worker_pid(&run, "gateway");
	cr_assert_eq(sh(NULL, "pkill -STOP -x dockerd"), 0);
	create_body(&m, 7, ALICE, "", "");
	cr_assert_eq(rawgw_send(gw, &m, 5000), 0);
	msg_clear(&m);
	usleep(300000);
	close(gw);
	kill(old, SIGKILL);
	harness_wait_new_pid(&run, "gateway", old, 15000);
	cr_assert((gw = rawgw_connect(run.port)) != -1);
	create_body(&m, 7, ALICE, "", "");
	cr_assert_eq(rawgw_send(gw, &m, 5000), 0);
	msg_clear(&m);
	usleep(300000);
	sh(NULL, "pkill -CONT -x dockerd");
	cr_assert_eq(rawgw_recv(gw, &rep, 60000), 0);
	cr_assert_eq(rep.type, MSG_WORKSPACE);
	cr_assert_eq(rep.id, 7);
	snprintf(first, sizeof(first), "%s",
	    ((struct workspace_info *)rep.body)->id);
	msg_clear(&rep);
	/* No second answer to id 7 (the first run's create). */
	cr_expect_neq(rawgw_recv(gw, &rep, 3000), 0,
	    "a second answer came: %s", msg_type_name(rep.type));
	/* Both workspaces exist: the first was created, its answer
	 * dropped. */
	sh(&out, "docker ps -q --filter label=berth.user=cg-alice | wc -l");
	cr_expect_eq(atoi(out), 2, "%s", out);
	free(out);
}
