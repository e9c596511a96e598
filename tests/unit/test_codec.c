/*
 * Tests of the generic codec from the struct side: every message type
 * survives a round trip, the encoder refuses what it must not send, and
 * msg_init and msg_clear leave a message clean.  What the decoder makes
 * of bytes packed by hand is tested in test_codec_decode.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "codec.h"
#include "codec_fixture.h"
#include "proto.h"
#include "xmalloc.h"

/* ---------------------------------------------------------------- helpers */

static void
encode_fails(const struct msg *m, const char *why)
{
	char	*buf = (char *)0x1, err[256] = "";
	size_t	 len = 1;

	cr_assert_eq(msg_encode(m, &buf, &len, err, sizeof(err)), -1,
	    "encoded although it should not (%s)", why);
	cr_assert_null(buf);
	cr_assert_eq(len, 0);
	cr_assert_neq(err[0], '\0');
	cr_assert_not_null(strstr(err, why), "reason \"%s\" lacks \"%s\"",
	    err, why);
}

/* Encode in, decode into out; both envelopes must match. */
static void
roundtrip(const struct msg *in, struct msg *out)
{
	char	*buf, err[256] = "";
	size_t	 len;

	cr_assert_eq(msg_encode(in, &buf, &len, err, sizeof(err)), 0,
	    "encode: %s", err);
	cr_assert_leq(len, PROTO_MAX_MSG);
	cr_assert_eq(msg_decode(buf, len, out, err, sizeof(err)), 0,
	    "decode: %s", err);
	free(buf);
	cr_assert_eq(out->version, PROTO_VERSION);
	cr_assert_eq(out->type, in->type);
	cr_assert_eq(out->id, in->id);
	cr_assert_eq(out->peer, in->peer);
	cr_assert_eq(out->flags, in->flags);
	cr_assert_eq(out->fd, -1);
	cr_assert_not_null(out->body);
}

static void
fill_config(struct body_config *b, size_t n, size_t vlen)
{
	char	key[32];
	size_t	i;

	b->nentries = n;
	b->entries = xcalloc(n, sizeof(*b->entries));
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "section.key%zu", i);
		b->entries[i].key = xstrdup(key);
		b->entries[i].value = xmalloc(vlen + 1);
		memset(b->entries[i].value, 'a' + i % 26, vlen);
		b->entries[i].value[vlen] = '\0';
	}
}

/* ---------------------------------------------------------------- round trip */

Test(roundtrip, hello)
{
	struct msg		 in, out;
	struct body_hello	*b, *o;

	b = msg_init(&in, MSG_HELLO, 42, PEER_PARENT);
	b->worker = xstrdup("gateway");
	b->pid = 4242;
	b->uid = 65534;
	b->seccomp = 2;
	roundtrip(&in, &out);
	o = out.body;
	cr_assert_str_eq(o->worker, "gateway");
	cr_assert_eq(o->pid, 4242);
	cr_assert_eq(o->uid, 65534);
	cr_assert_eq(o->seccomp, 2);
	msg_clear(&in);
	msg_clear(&out);
}

Test(roundtrip, config)
{
	struct msg		 in, out;
	struct body_config	*b, *o;
	size_t			 i;

	b = msg_init(&in, MSG_CONFIG, 1, PEER_SCHEDULER);
	fill_config(b, 40, 100);
	b->entries[3].value[0] = '\0';		/* an empty value */
	roundtrip(&in, &out);
	o = out.body;
	cr_assert_eq(o->nentries, 40);
	for (i = 0; i < 40; i++) {
		cr_assert_str_eq(o->entries[i].key, b->entries[i].key);
		cr_assert_str_eq(o->entries[i].value, b->entries[i].value);
	}
	cr_assert_str_eq(o->entries[3].value, "");
	msg_clear(&in);
	msg_clear(&out);
}

Test(roundtrip, config_empty)
{
	struct msg		 in, out;
	struct body_config	*o;

	msg_init(&in, MSG_CONFIG, 1, PEER_SCHEDULER);
	roundtrip(&in, &out);
	o = out.body;
	cr_assert_eq(o->nentries, 0);
	cr_assert_null(o->entries);
	msg_clear(&in);
	msg_clear(&out);
}

Test(roundtrip, empty_bodies)
{
	static const unsigned	types[] = { MSG_SHUTDOWN, MSG_OK,
				    MSG_STATUS_REQ };
	struct msg		in, out;
	size_t			i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		msg_init(&in, types[i], 9 + i, PEER_LOGSTREAMER);
		in.flags = MSGF_REPLY;
		roundtrip(&in, &out);
		msg_clear(&in);
		msg_clear(&out);
	}
}

Test(roundtrip, error)
{
	struct msg		 in, out;
	struct body_error	*b, *o;

	b = msg_init(&in, MSG_ERROR, 77, PEER_GATEWAY);
	in.flags = MSGF_REPLY;
	b->code = xstrdup("unavailable");
	b->message = xstrdup("worker \"scheduler\" is restarting \xc3\xa9");
	roundtrip(&in, &out);
	o = out.body;
	cr_assert_str_eq(o->code, b->code);
	cr_assert_str_eq(o->message, b->message);
	msg_clear(&in);
	msg_clear(&out);
}

static void
fill_worker(struct worker_status *w, int i)
{
	char	name[16];

	snprintf(name, sizeof(name), "worker%d", i);
	w->name = xstrdup(name);
	w->pid = 1000 + i;
	w->state = xstrdup(i % 2 ? "up" : "backoff");
	w->uptime_ms = INT64_MAX - i;
	w->restarts = i;
	w->last_exit = i == 0 ? NULL : xstrdup("SIGSYS");
	w->uid = -i;
	w->seccomp = 2;
}

Test(roundtrip, status)
{
	struct msg		 in, out;
	struct body_status	*b, *o;
	struct worker_status	*w;
	int			 i;

	b = msg_init(&in, MSG_STATUS, UINT32_MAX, PEER_PARENT);
	in.flags = MSGF_REPLY;
	b->version = xstrdup("0.1.0");
	b->uptime_ms = 123456789;
	b->pid = 1;
	b->all_up = 1;
	b->nworkers = NWORKERS;
	b->workers = xcalloc(NWORKERS, sizeof(*b->workers));
	for (i = 0; i < NWORKERS; i++)
		fill_worker(&b->workers[i], i);
	roundtrip(&in, &out);
	o = out.body;
	cr_assert_str_eq(o->version, "0.1.0");
	cr_assert_eq(o->uptime_ms, 123456789);
	cr_assert_eq(o->pid, 1);
	cr_assert_eq(o->all_up, 1);
	cr_assert_eq(o->nworkers, NWORKERS);
	for (i = 0; i < NWORKERS; i++) {
		w = &o->workers[i];
		cr_assert_str_eq(w->name, b->workers[i].name);
		cr_assert_eq(w->pid, 1000 + i);
		cr_assert_str_eq(w->state, b->workers[i].state);
		cr_assert_eq(w->uptime_ms, INT64_MAX - i);
		cr_assert_eq(w->restarts, i);
		if (i == 0)
			cr_assert_null(w->last_exit);
		else
			cr_assert_str_eq(w->last_exit, "SIGSYS");
		cr_assert_eq(w->uid, -i);
		cr_assert_eq(w->seccomp, 2);
	}
	msg_clear(&in);
	msg_clear(&out);
}

Test(roundtrip, status_all_down)
{
	struct msg		 in, out;
	struct body_status	*b, *o;

	b = msg_init(&in, MSG_STATUS, 3, PEER_PARENT);
	b->version = xstrdup("");
	b->all_up = 0;
	roundtrip(&in, &out);
	o = out.body;
	cr_assert_eq(o->all_up, 0);
	cr_assert_eq(o->nworkers, 0);
	cr_assert_str_eq(o->version, "");
	msg_clear(&in);
	msg_clear(&out);
}

Test(roundtrip, restart_req)
{
	struct msg		 in, out;
	struct body_restart_req	*b, *o;

	b = msg_init(&in, MSG_RESTART_REQ, 5, PEER_PARENT);
	b->worker = repeat('w', 32);		/* exactly the limit */
	roundtrip(&in, &out);
	o = out.body;
	cr_assert_str_eq(o->worker, b->worker);
	msg_clear(&in);
	msg_clear(&out);
}

Test(roundtrip, ping_pong)
{
	static const int64_t	 values[] = { 0, 1, -1, 127, -32, -33, 128,
				    INT64_MAX, INT64_MIN, 1700000000000LL };
	struct msg		 in, out;
	struct body_ping	*b;
	size_t			 i;

	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		b = msg_init(&in, i % 2 ? MSG_PONG : MSG_PING, i + 1,
		    PEER_HEALTHMON);
		b->sent_ms = values[i];
		roundtrip(&in, &out);
		cr_assert_eq(((struct body_ping *)out.body)->sent_ms,
		    values[i]);
		msg_clear(&in);
		msg_clear(&out);
	}
}

Test(roundtrip, fd_pass)
{
	struct msg		 in, out;
	struct body_fd_pass	*b, *o;

	b = msg_init(&in, MSG_FD_PASS, 8, PEER_STATSWRITER);
	in.flags = MSGF_FD;
	b->purpose = xstrdup("log");
	b->arg = repeat('x', 4096);
	roundtrip(&in, &out);
	o = out.body;
	cr_assert_str_eq(o->purpose, "log");
	cr_assert_str_eq(o->arg, b->arg);
	msg_clear(&in);
	msg_clear(&out);
}

Test(roundtrip, optional_string_absent)
{
	struct msg		 in, out;
	struct body_fd_pass	*b;

	b = msg_init(&in, MSG_FD_PASS, 8, PEER_STATSWRITER);
	b->purpose = xstrdup("listen");
	roundtrip(&in, &out);
	cr_assert_null(((struct body_fd_pass *)out.body)->arg);
	msg_clear(&in);
	msg_clear(&out);
}

Test(roundtrip, every_type_has_a_schema)
{
	unsigned	type;

	cr_assert_null(msg_schema(MSG_NONE));
	cr_assert_null(msg_schema(MSG_TYPE_MAX));
	cr_assert_str_eq(msg_type_name(MSG_NONE), "unknown");
	cr_assert_str_eq(msg_type_name(1000), "unknown");
	for (type = MSG_NONE + 1; type < MSG_TYPE_MAX; type++) {
		cr_assert_not_null(msg_schema(type), "type %u", type);
		cr_assert_str_neq(msg_type_name(type), "unknown");
	}
	cr_assert_str_eq(msg_type_name(MSG_STATUS_REQ), "status_req");
	cr_assert_str_eq(peer_name(PEER_GATEWAY), "gateway");
	cr_assert_str_eq(peer_name(PEER_MAX), "unknown");
}

/* ---------------------------------------------------------------- encode */

Test(encode, null_required_string)
{
	struct msg	m;

	msg_init(&m, MSG_HELLO, 1, PEER_PARENT);
	encode_fails(&m, "worker");
	msg_clear(&m);
}

Test(encode, null_required_nested_string)
{
	struct msg		 m;
	struct body_status	*b;

	b = msg_init(&m, MSG_STATUS, 1, PEER_PARENT);
	b->version = xstrdup("1");
	b->nworkers = 2;
	b->workers = xcalloc(2, sizeof(*b->workers));
	fill_worker(&b->workers[0], 0);
	b->workers[1].state = xstrdup("up");
	encode_fails(&m, "workers[1].name");
	msg_clear(&m);
}

Test(encode, string_too_long)
{
	struct msg		 m;
	struct body_restart_req	*b;

	b = msg_init(&m, MSG_RESTART_REQ, 1, PEER_PARENT);
	b->worker = repeat('w', 33);
	encode_fails(&m, "limit 32");
	msg_clear(&m);
}

Test(encode, array_too_long)
{
	struct msg		 m;
	struct body_config	*b;

	b = msg_init(&m, MSG_CONFIG, 1, PEER_GATEWAY);
	fill_config(b, 1025, 1);
	encode_fails(&m, "limit 1024");
	msg_clear(&m);
}

Test(encode, array_count_without_items)
{
	struct msg		 m;
	struct body_config	*b;

	b = msg_init(&m, MSG_CONFIG, 1, PEER_GATEWAY);
	b->nentries = 3;
	encode_fails(&m, "no array");
	b->nentries = 0;
	msg_clear(&m);
}

Test(encode, message_too_big)
{
	struct msg		 m;
	struct body_config	*b;

	b = msg_init(&m, MSG_CONFIG, 1, PEER_GATEWAY);
	fill_config(b, 256, 4096);
	encode_fails(&m, "larger than");
	msg_clear(&m);
}

Test(encode, unknown_type)
{
	struct msg	m;

	msg_init(&m, MSG_OK, 1, PEER_PARENT);
	m.type = MSG_NONE;
	encode_fails(&m, "unknown message type");
	m.type = MSG_TYPE_MAX;
	encode_fails(&m, "unknown message type");
	m.type = MSG_OK;
	msg_clear(&m);
}

Test(encode, bad_peer)
{
	struct msg	m;

	msg_init(&m, MSG_OK, 1, PEER_MAX);
	encode_fails(&m, "peer");
	msg_clear(&m);
}

Test(encode, bad_flags)
{
	struct msg	m;

	msg_init(&m, MSG_OK, 1, PEER_PARENT);
	m.flags = 0x80;
	encode_fails(&m, "flags");
	msg_clear(&m);
}

Test(encode, no_body)
{
	struct msg	m;

	msg_init(&m, MSG_PING, 1, PEER_PARENT);
	free(m.body);
	m.body = NULL;
	encode_fails(&m, "without a body");
	msg_clear(&m);
}

/* ---------------------------------------------------------------- lifecycle */

Test(lifecycle, init_and_clear)
{
	struct msg		 m;
	struct body_hello	*b;
	int			 p[2];

	b = msg_init(&m, MSG_HELLO, 3, PEER_SCHEDULER);
	cr_assert_eq(m.version, PROTO_VERSION);
	cr_assert_eq(m.type, MSG_HELLO);
	cr_assert_eq(m.id, 3);
	cr_assert_eq(m.peer, PEER_SCHEDULER);
	cr_assert_eq(m.flags, 0);
	cr_assert_eq(m.fd, -1);
	cr_assert_eq(m.body, b);
	cr_assert_null(b->worker);
	cr_assert_eq(b->pid, 0);
	b->worker = xstrdup("scheduler");
	cr_assert_eq(pipe(p), 0);
	m.fd = p[1];
	msg_clear(&m);
	cr_assert_null(m.body);
	cr_assert_eq(m.fd, -1);
	cr_assert_eq(m.type, MSG_NONE);
	/* The write end is closed: reading the pipe gives end of file. */
	cr_assert_eq(read(p[0], &b, 1), 0);
	close(p[0]);
	msg_clear(&m);			/* twice is harmless */
}

Test(lifecycle, body_free_null)
{
	body_free(msg_schema(MSG_STATUS), NULL);
}
