/*
 * The router and the request table: who may send what, identities
 * resolved by berthd alone, replies that must answer a request of the
 * right type, answers dropped for a worker that restarted, and every
 * refusal counted as misbehaviour.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "berthd.h"
#include "codec.h"
#include "router_fixture.h"
#include "xmalloc.h"

TestSuite(router, .init = rf_setup, .fini = rf_teardown, .timeout = 20);

/* The next answer to gateway: its type, and an error's code. */
static unsigned
answer(unsigned peer, uint32_t id, char *code, size_t len)
{
	struct msg	m;
	unsigned	type;

	cr_assert_eq(rf_recv(peer, &m, 2000), 0, "no answer");
	cr_assert_eq(m.id, id, "answer to %u, not %u", m.id, id);
	cr_assert(m.flags & MSGF_REPLY);
	type = m.type;
	if (code != NULL)
		snprintf(code, len, "%s", type == MSG_ERROR ?
		    ((struct body_error *)m.body)->code : "");
	msg_clear(&m);
	return type;
}

static void
expect_error(unsigned peer, uint32_t id, const char *code)
{
	char got[64];

	cr_assert_eq(answer(peer, id, got, sizeof(got)), MSG_ERROR);
	cr_assert_str_eq(got, code);
}

static void
list_as(const char *token, uint32_t id)
{
	struct msg m;

	((struct body_ws_ref *)rf_request(&m, MSG_WS_LIST, PEER_PARENT, id,
	    token))->id = xstrdup("");
	rf_send(PEER_GATEWAY, &m);
}

Test(router, every_row_names_its_schema_and_replies)
{
	const struct request_row	*r;
	const struct schema		*s;
	size_t				 n, i, k;

	r = request_rows(&n);
	for (i = 0; i < n; i++) {
		s = msg_schema(r[i].type);
		cr_assert_not_null(s, "row %zu: unknown type", i);
		/* A token to resolve needs the auth block, and the reverse. */
		cr_expect_eq(!!(r[i].flags & RQ_TOKEN), s->auth,
		    "%s: RQ_TOKEN and the schema's auth block disagree",
		    msg_type_name(r[i].type));
		cr_expect((r[i].handler != NULL) ==
		    !!(r[i].to & PEER_BIT(PEER_PARENT)),
		    "%s: a row to berthd needs a handler",
		    msg_type_name(r[i].type));
		for (k = 0; k < RQ_MAX_REPLIES && r[i].replies[k]; k++)
			cr_expect_not_null(msg_schema(r[i].replies[k]));
	}
}

Test(router, a_token_is_resolved_by_berthd)
{
	char code[64];

	list_as(RF_ALICE, 7);
	cr_expect_eq(answer(PEER_GATEWAY, 7, NULL, 0), MSG_WS_ITEMS);
	list_as("not-a-token-of-anyone-at-all", 8);
	expect_error(PEER_GATEWAY, 8, "unauthorized");
	list_as("", 9);
	cr_expect_eq(answer(PEER_GATEWAY, 9, code, sizeof(code)), MSG_ERROR);
	cr_expect_str_eq(code, "unauthorized");
	cr_expect_eq(rf_rejects(PEER_GATEWAY), 0, "a bad token is not "
	    "the gateway's fault");
}

/* A compromised gateway sets the identity itself: refused, counted. */
Test(router, an_identity_set_by_the_sender_is_refused)
{
	struct msg		 m;
	struct body_ws_ref	*r;

	r = rf_request(&m, MSG_WS_LIST, PEER_PARENT, 3, RF_BOB);
	r->id = xstrdup("");
	r->auth.admin = 1;
	rf_send(PEER_GATEWAY, &m);
	expect_error(PEER_GATEWAY, 3, "forbidden");
	r = rf_request(&m, MSG_WS_GET, PEER_PARENT, 4, RF_BOB);
	r->id = xstrdup("x");
	free(r->auth.caller);
	r->auth.caller = xstrdup("alice");
	rf_send(PEER_GATEWAY, &m);
	expect_error(PEER_GATEWAY, 4, "forbidden");
	cr_expect_eq(rf_rejects(PEER_GATEWAY), 2);
}

Test(router, a_message_outside_its_row_is_refused)
{
	struct msg		 m;
	struct body_ws_stop	*s;

	/* The gateway may not stop with a reason: the scheduler's row. */
	s = msg_init(&m, MSG_WS_STOP, 5, PEER_PARENT);
	s->id = xstrdup("w");
	s->reason = xstrdup("inactivity");
	rf_send(PEER_GATEWAY, &m);
	expect_error(PEER_GATEWAY, 5, "forbidden");
	/* Nor send lifecycle facts, nor talk to the scheduler. */
	msg_init(&m, MSG_LIFECYCLE, 6, PEER_STATSWRITER);
	rf_send(PEER_GATEWAY, &m);
	expect_error(PEER_GATEWAY, 6, "forbidden");
	cr_expect_eq(rf_rejects(PEER_GATEWAY), 2);
}

Test(router, refusals_are_counted_against_the_sender)
{
	struct msg m;
	int i;

	for (i = 0; i < 2; i++) {
		msg_init(&m, MSG_CONTAINERS_REQ, 20 + i, PEER_PARENT);
		rf_send(PEER_HEALTHMON, &m);
	}
	cr_expect_eq(rf_rejects(PEER_HEALTHMON), 2);
	cr_expect_eq(rf_rejects(PEER_SCHEDULER), 0);
}

Test(router, a_descriptor_where_none_may_travel_is_refused)
{
	struct msg m;

	list_as(RF_ALICE, 1);		/* as a baseline: allowed */
	cr_expect_eq(answer(PEER_GATEWAY, 1, NULL, 0), MSG_WS_ITEMS);
	((struct body_ws_ref *)rf_request(&m, MSG_WS_LIST, PEER_PARENT, 2,
	    RF_ALICE))->id = xstrdup("");
	m.flags |= MSGF_FD;
	m.fd = dup(0);
	rf_send(PEER_GATEWAY, &m);
	expect_error(PEER_GATEWAY, 2, "forbidden");
	cr_expect_eq(rf_rejects(PEER_GATEWAY), 1);
}

Test(router, admin_only_requests_need_the_admin_token)
{
	struct msg		 m;
	struct body_history_req	*h;

	h = rf_request(&m, MSG_HISTORY_REQ, PEER_STATSWRITER, 11, RF_ALICE);
	h->container_id = xstrdup("");
	h->before_cid = xstrdup("");
	rf_send(PEER_GATEWAY, &m);
	expect_error(PEER_GATEWAY, 11, "forbidden");
	/* Nothing reached the statswriter. */
	cr_expect_neq(rf_recv(PEER_STATSWRITER, &m, 100), 0);
}

/* berthd forwards with the identity it stamped, the token blanked. */
Test(router, a_forwarded_request_carries_berthds_stamp)
{
	struct msg		 m;
	struct body_history_req	*h;

	h = rf_request(&m, MSG_HISTORY_REQ, PEER_STATSWRITER, 12, RF_ADMIN);
	h->container_id = xstrdup("");
	h->before_cid = xstrdup("");
	rf_send(PEER_GATEWAY, &m);
	cr_assert_eq(rf_recv(PEER_STATSWRITER, &m, 2000), 0);
	h = m.body;
	cr_expect_eq(m.type, MSG_HISTORY_REQ);
	cr_expect_eq(m.peer, PEER_GATEWAY);
	cr_expect_str_eq(h->auth.token, "");
	cr_expect_str_eq(h->auth.caller, "admin");
	cr_expect(h->auth.admin);
	msg_clear(&m);
}

Test(router, a_reply_must_answer_a_request_of_its_type)
{
	struct msg	m;
	uint32_t	id = 13;

	/* No request in flight: refused. */
	msg_init(&m, MSG_DB_STATUS, id, PEER_GATEWAY);
	m.flags = MSGF_REPLY;
	rf_send(PEER_STATSWRITER, &m);
	cr_expect_eq(rf_rejects(PEER_STATSWRITER), 1);
	/* A request in flight, answered with the wrong type. */
	msg_init(&m, MSG_DB_STATUS_REQ, id, PEER_STATSWRITER);
	rf_send(PEER_GATEWAY, &m);
	cr_assert_eq(rf_recv(PEER_STATSWRITER, &m, 2000), 0);
	msg_clear(&m);
	msg_init(&m, MSG_HISTORY, id, PEER_GATEWAY);
	((struct body_metrics *)m.body)->source = xstrdup("");
	m.flags = MSGF_REPLY;
	rf_send(PEER_STATSWRITER, &m);
	cr_expect_eq(rf_rejects(PEER_STATSWRITER), 2);
	expect_error(PEER_GATEWAY, id, "unavailable");
	/* A reply to berthd that answers no call of berthd's. */
	msg_init(&m, MSG_OK, 99, PEER_PARENT);
	m.flags = MSGF_REPLY;
	rf_send(PEER_STATSWRITER, &m);
	cr_expect_eq(rf_rejects(PEER_STATSWRITER), 3);
}

/* A reply for a worker that restarted meanwhile is dropped: the new
 * run's request with the same id must not get it. */
Test(router, an_answer_for_an_earlier_run_is_dropped)
{
	struct workspace	*ws;
	struct msg		 m;
	struct caller		 c;

	memset(&c, 0, sizeof(c));
	c.peer = PEER_GATEWAY;
	c.gen = rf_worker(PEER_GATEWAY)->gen;
	c.id = 42;
	c.type = MSG_WS_GET;
	rf_worker(PEER_GATEWAY)->gen++;		/* it restarted */
	msg_init(&m, MSG_WORKSPACE, 0, PEER_PARENT);
	caller_reply(&c, &m);
	msg_clear(&m);
	cr_expect_neq(rf_recv(PEER_GATEWAY, &m, 200), 0,
	    "an answer reached the new run");
	c.gen++;
	ws = ws_new(NULL);
	ws->user = xstrdup("alice");
	ws->project = xstrdup("");
	ws->type = xstrdup("demo");
	ws->tier = xstrdup("free");
	ws->s3 = xstrdup("");
	ws_info(ws, msg_init(&m, MSG_WORKSPACE, 0, PEER_PARENT));
	ws_forget(ws);
	caller_reply(&c, &m);
	msg_clear(&m);
	cr_expect_eq(answer(PEER_GATEWAY, 42, NULL, 0), MSG_WORKSPACE);
}

/* Forwarded requests: the answer for a requester that restarted is
 * dropped, without blaming the worker that answers. */
Test(router, a_forwarded_answer_for_an_earlier_run_is_dropped)
{
	struct msg m;

	msg_init(&m, MSG_DB_STATUS_REQ, 50, PEER_STATSWRITER);
	rf_send(PEER_GATEWAY, &m);
	cr_assert_eq(rf_recv(PEER_STATSWRITER, &m, 2000), 0);
	msg_clear(&m);
	rf_worker(PEER_GATEWAY)->gen++;
	router_worker_gone(rf_worker(PEER_GATEWAY));
	msg_init(&m, MSG_DB_STATUS, 50, PEER_GATEWAY);
	((struct body_db_status *)m.body)->state = xstrdup("up");
	((struct body_db_status *)m.body)->error = xstrdup("");
	m.flags = MSGF_REPLY;
	rf_send(PEER_STATSWRITER, &m);
	cr_expect_eq(rf_rejects(PEER_STATSWRITER), 0);
	cr_expect_neq(rf_recv(PEER_GATEWAY, &m, 200), 0);
}

/* The scheduler may stop with a reason and list what berth owns. */
Test(router, the_scheduler_asks_berthd_for_berth_itself)
{
	struct msg		 m;
	struct body_ws_stop	*s;

	s = msg_init(&m, MSG_WS_STOP, 60, PEER_PARENT);
	s->id = xstrdup("nope");
	s->reason = xstrdup("inactivity");
	rf_send(PEER_SCHEDULER, &m);
	expect_error(PEER_SCHEDULER, 60, "unavailable");	/* no engine */
	s = msg_init(&m, MSG_WS_STOP, 61, PEER_PARENT);
	s->id = xstrdup("nope");
	s->reason = xstrdup("because");
	rf_send(PEER_SCHEDULER, &m);
	expect_error(PEER_SCHEDULER, 61, "invalid");
	cr_expect_eq(rf_rejects(PEER_SCHEDULER), 0);
}

Test(router, tiers_and_identities_from_tokens)
{
	struct ident id;

	cr_assert_eq(ident_from_token(RF_ALICE, &id), 0);
	cr_expect_str_eq(id.user, "alice");
	cr_expect_not(id.admin);
	cr_assert_eq(ident_from_token(RF_ADMIN, &id), 0);
	cr_expect(id.admin);
	cr_expect(ident_allows_tier(&id, "pro"));
	cr_expect_eq(ident_from_token("rf-alice-token-012345678", &id), -1);
	memset(&id, 0, sizeof(id));
	strcpy(id.tiers, "free,basic");
	cr_expect(ident_allows_tier(&id, "free"));
	cr_expect(ident_allows_tier(&id, "basic"));
	cr_expect_not(ident_allows_tier(&id, "pro"));
	cr_expect_not(ident_allows_tier(&id, "fre"));
	cr_expect_not(ident_allows_tier(&id, "basi"));
}
