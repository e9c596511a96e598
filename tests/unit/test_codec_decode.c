/*
 * Tests of the decoder on bytes packed by hand: what it accepts, and
 * every malformed input it must refuse is refused with a reason.
 * Malformed inputs are built with msgpack_packer so each test says
 * exactly which bytes it sends.  The round trips through the encoder
 * are in test_codec.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <msgpack.h>

#include "codec.h"
#include "codec_fixture.h"
#include "proto.h"
#include "xmalloc.h"

/* ---------------------------------------------------------------- helpers */

static msgpack_sbuffer	sb;
static msgpack_packer	pk;

static void
begin(void)
{
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
}

static void
envelope(uint64_t version, uint64_t type, uint64_t id, uint64_t peer,
    uint64_t flags)
{
	msgpack_pack_array(&pk, 6);
	msgpack_pack_uint64(&pk, version);
	msgpack_pack_uint64(&pk, type);
	msgpack_pack_uint64(&pk, id);
	msgpack_pack_uint64(&pk, peer);
	msgpack_pack_uint64(&pk, flags);
}

static void
env(unsigned type)
{
	envelope(PROTO_VERSION, type, 7, PEER_GATEWAY, 0);
}

static void
str(const char *s)
{
	msgpack_pack_str_with_body(&pk, s, strlen(s));
}

static void
kv_str(const char *k, const char *v)
{
	str(k);
	str(v);
}

static void
kv_int(const char *k, int64_t v)
{
	str(k);
	msgpack_pack_int64(&pk, v);
}

/* A complete, valid MSG_PING body. */
static void
ping_body(void)
{
	msgpack_pack_map(&pk, 1);
	kv_int("sent_ms", 12345);
}

/* One complete, valid worker_status map with its name. */
static void
worker_status_map(const char *name)
{
	msgpack_pack_map(&pk, 5);
	kv_str("name", name);
	kv_int("pid", 1);
	kv_str("state", "up");
	kv_int("uptime_ms", 2);
	kv_int("restarts", 0);
}

/* Start a status body whose workers array has n elements. */
static void
status_body_head(uint32_t n)
{
	env(MSG_STATUS);
	msgpack_pack_map(&pk, 5);
	kv_str("version", "0.1.0");
	kv_int("uptime_ms", 1);
	kv_int("pid", 1);
	str("all_up");
	msgpack_pack_true(&pk);
	str("workers");
	msgpack_pack_array(&pk, n);
}

static void
decode_buf_fails(const char *buf, size_t len, const char *why)
{
	struct msg	m;
	char		err[256] = "";

	cr_assert_eq(msg_decode(buf, len, &m, err, sizeof(err)), -1,
	    "decoded although it should not (%s)", why);
	cr_assert_neq(err[0], '\0', "no reason given");
	cr_assert_null(m.body);
	cr_assert_eq(m.fd, -1);
	cr_assert_not_null(strstr(err, why), "reason \"%s\" lacks \"%s\"",
	    err, why);
}

/* The packed buffer must be refused with a reason containing why. */
static void
rejects(const char *why)
{
	decode_buf_fails(sb.data, sb.size, why);
	msgpack_sbuffer_destroy(&sb);
}

/* ---------------------------------------------------------------- decode ok */

Test(decode, keys_in_any_order_and_small_ints)
{
	struct msg		 m;
	struct body_hello	*b;
	char			 err[256];

	begin();
	env(MSG_HELLO);
	msgpack_pack_map(&pk, 4);
	kv_int("seccomp", 2);
	str("uid");
	msgpack_pack_int8(&pk, -5);
	kv_str("worker", "healthmon");
	str("pid");
	msgpack_pack_uint64(&pk, INT64_MAX);
	cr_assert_eq(msg_decode(sb.data, sb.size, &m, err, sizeof(err)), 0,
	    "%s", err);
	msgpack_sbuffer_destroy(&sb);
	b = m.body;
	cr_assert_str_eq(b->worker, "healthmon");
	cr_assert_eq(b->pid, INT64_MAX);
	cr_assert_eq(b->uid, -5);
	cr_assert_eq(m.peer, PEER_GATEWAY);
	cr_assert_eq(m.id, 7);
	msg_clear(&m);
}

Test(decode, optional_fields_missing)
{
	struct msg		 m;
	struct body_status	*b;
	char			 err[256];

	begin();
	status_body_head(1);
	worker_status_map("gateway");
	cr_assert_eq(msg_decode(sb.data, sb.size, &m, err, sizeof(err)), 0,
	    "%s", err);
	msgpack_sbuffer_destroy(&sb);
	b = m.body;
	cr_assert_eq(b->nworkers, 1);
	cr_assert_null(b->workers[0].last_exit);
	cr_assert_eq(b->workers[0].uid, 0);
	msg_clear(&m);
}

/* ---------------------------------------------------------------- reject */

Test(reject, trailing_bytes)
{
	begin();
	env(MSG_PING);
	ping_body();
	msgpack_pack_nil(&pk);
	rejects("trailing");
}

Test(reject, too_long)
{
	char	*buf = xcalloc(1, PROTO_MAX_MSG + 1);

	decode_buf_fails(buf, PROTO_MAX_MSG + 1, "limit");
	free(buf);
}

Test(reject, empty)
{
	decode_buf_fails("", 0, "limit");
}

Test(reject, truncated)
{
	begin();
	env(MSG_PING);
	ping_body();
	sb.size -= 1;
	rejects("truncated");
}

Test(reject, invalid_byte)
{
	static const char	buf[] = { (char)0xc1 };

	decode_buf_fails(buf, sizeof(buf), "invalid");
}

Test(reject, envelope_not_array)
{
	begin();
	msgpack_pack_map(&pk, 1);
	kv_int("version", 1);
	rejects("envelope");
}

Test(reject, envelope_five)
{
	begin();
	msgpack_pack_array(&pk, 5);
	msgpack_pack_uint8(&pk, PROTO_VERSION);
	msgpack_pack_uint8(&pk, MSG_OK);
	msgpack_pack_uint8(&pk, 1);
	msgpack_pack_uint8(&pk, 0);
	msgpack_pack_map(&pk, 0);
	rejects("envelope");
}

Test(reject, envelope_seven)
{
	begin();
	msgpack_pack_array(&pk, 7);
	msgpack_pack_uint8(&pk, PROTO_VERSION);
	msgpack_pack_uint8(&pk, MSG_OK);
	msgpack_pack_uint8(&pk, 1);
	msgpack_pack_uint8(&pk, 0);
	msgpack_pack_uint8(&pk, 0);
	msgpack_pack_map(&pk, 0);
	msgpack_pack_nil(&pk);
	rejects("envelope");
}

Test(reject, wrong_version)
{
	begin();
	envelope(PROTO_VERSION + 1, MSG_OK, 1, 0, 0);
	msgpack_pack_map(&pk, 0);
	rejects("version");
}

Test(reject, version_not_int)
{
	begin();
	msgpack_pack_array(&pk, 6);
	str("1");
	msgpack_pack_uint8(&pk, MSG_OK);
	msgpack_pack_uint8(&pk, 1);
	msgpack_pack_uint8(&pk, 0);
	msgpack_pack_uint8(&pk, 0);
	msgpack_pack_map(&pk, 0);
	rejects("version");
}

Test(reject, type_none)
{
	begin();
	envelope(PROTO_VERSION, MSG_NONE, 1, 0, 0);
	msgpack_pack_map(&pk, 0);
	rejects("unknown message type");
}

Test(reject, type_unknown)
{
	begin();
	envelope(PROTO_VERSION, MSG_TYPE_MAX, 1, 0, 0);
	msgpack_pack_map(&pk, 0);
	rejects("unknown message type");
}

Test(reject, type_out_of_range)
{
	begin();
	envelope(PROTO_VERSION, 0x10000 + MSG_OK, 1, 0, 0);
	msgpack_pack_map(&pk, 0);
	rejects("type");
}

Test(reject, id_out_of_range)
{
	begin();
	envelope(PROTO_VERSION, MSG_OK, (uint64_t)UINT32_MAX + 1, 0, 0);
	msgpack_pack_map(&pk, 0);
	rejects("id");
}

Test(reject, id_negative)
{
	begin();
	msgpack_pack_array(&pk, 6);
	msgpack_pack_uint8(&pk, PROTO_VERSION);
	msgpack_pack_uint8(&pk, MSG_OK);
	msgpack_pack_int8(&pk, -1);
	msgpack_pack_uint8(&pk, 0);
	msgpack_pack_uint8(&pk, 0);
	msgpack_pack_map(&pk, 0);
	rejects("id");
}

Test(reject, peer_out_of_range)
{
	begin();
	envelope(PROTO_VERSION, MSG_OK, 1, PEER_MAX, 0);
	msgpack_pack_map(&pk, 0);
	rejects("peer");
}

Test(reject, peer_huge)
{
	begin();
	envelope(PROTO_VERSION, MSG_OK, 1, 256 + PEER_GATEWAY, 0);
	msgpack_pack_map(&pk, 0);
	rejects("peer");
}

Test(reject, flags_unknown_bits)
{
	begin();
	envelope(PROTO_VERSION, MSG_OK, 1, 0, 0x04 | MSGF_REPLY);
	msgpack_pack_map(&pk, 0);
	rejects("flags");
}

Test(reject, flags_huge)
{
	begin();
	envelope(PROTO_VERSION, MSG_OK, 1, 0, 0x100 | MSGF_REPLY);
	msgpack_pack_map(&pk, 0);
	rejects("flags");
}

Test(reject, body_not_map)
{
	begin();
	env(MSG_OK);
	msgpack_pack_array(&pk, 0);
	rejects("not a map");
}

Test(reject, body_nil)
{
	begin();
	env(MSG_OK);
	msgpack_pack_nil(&pk);
	rejects("not a map");
}

Test(reject, too_many_keys)
{
	char	key[16];
	int	i;

	begin();
	env(MSG_PING);
	msgpack_pack_map(&pk, PROTO_MAX_FIELDS + 1);
	for (i = 0; i <= PROTO_MAX_FIELDS; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		kv_int(key, i);
	}
	rejects("keys");
}

Test(reject, non_string_key)
{
	begin();
	env(MSG_PING);
	msgpack_pack_map(&pk, 1);
	msgpack_pack_uint8(&pk, 1);
	msgpack_pack_int64(&pk, 5);
	rejects("key is not a string");
}

Test(reject, bin_key)
{
	begin();
	env(MSG_PING);
	msgpack_pack_map(&pk, 1);
	msgpack_pack_bin_with_body(&pk, "sent_ms", 7);
	msgpack_pack_int64(&pk, 5);
	rejects("key is not a string");
}

Test(reject, duplicate_key)
{
	begin();
	env(MSG_PING);
	msgpack_pack_map(&pk, 2);
	kv_int("sent_ms", 1);
	kv_int("sent_ms", 2);
	rejects("duplicate");
}

Test(reject, duplicate_string_key_no_leak)
{
	begin();
	env(MSG_ERROR);
	msgpack_pack_map(&pk, 3);
	kv_str("code", "a");
	kv_str("message", "b");
	kv_str("code", "c");
	rejects("duplicate");
}

Test(reject, unknown_field)
{
	begin();
	env(MSG_PING);
	msgpack_pack_map(&pk, 2);
	kv_int("sent_ms", 1);
	kv_int("received_ms", 2);
	rejects("unknown field");
}

Test(reject, unknown_field_in_empty_body)
{
	begin();
	env(MSG_SHUTDOWN);
	msgpack_pack_map(&pk, 1);
	kv_int("now", 1);
	rejects("unknown field");
}

Test(reject, unknown_field_unprintable)
{
	begin();
	env(MSG_PING);
	msgpack_pack_map(&pk, 1);
	msgpack_pack_str_with_body(&pk, "a\nb\0c", 5);
	msgpack_pack_int64(&pk, 5);
	rejects("unknown field \"a?b?c\"");
}

Test(reject, missing_required)
{
	begin();
	env(MSG_HELLO);
	msgpack_pack_map(&pk, 3);
	kv_str("worker", "gateway");
	kv_int("pid", 1);
	kv_int("uid", 1);
	rejects("seccomp");
}

Test(reject, missing_required_empty_map)
{
	begin();
	env(MSG_RESTART_REQ);
	msgpack_pack_map(&pk, 0);
	rejects("missing");
}

Test(reject, int_given_string)
{
	begin();
	env(MSG_PING);
	msgpack_pack_map(&pk, 1);
	kv_str("sent_ms", "12");
	rejects("not an integer");
}

Test(reject, int_given_float)
{
	begin();
	env(MSG_PING);
	msgpack_pack_map(&pk, 1);
	str("sent_ms");
	msgpack_pack_double(&pk, 1.0);
	rejects("not an integer");
}

Test(reject, int_given_bool)
{
	begin();
	env(MSG_PING);
	msgpack_pack_map(&pk, 1);
	str("sent_ms");
	msgpack_pack_true(&pk);
	rejects("not an integer");
}

Test(reject, int_given_nil)
{
	begin();
	env(MSG_PING);
	msgpack_pack_map(&pk, 1);
	str("sent_ms");
	msgpack_pack_nil(&pk);
	rejects("not an integer");
}

Test(reject, int_too_big)
{
	begin();
	env(MSG_PING);
	msgpack_pack_map(&pk, 1);
	str("sent_ms");
	msgpack_pack_uint64(&pk, (uint64_t)INT64_MAX + 1);
	rejects("out of range");
}

Test(reject, string_given_int)
{
	begin();
	env(MSG_RESTART_REQ);
	msgpack_pack_map(&pk, 1);
	kv_int("worker", 1);
	rejects("not a string");
}

Test(reject, string_given_bin)
{
	begin();
	env(MSG_RESTART_REQ);
	msgpack_pack_map(&pk, 1);
	str("worker");
	msgpack_pack_bin_with_body(&pk, "gateway", 7);
	rejects("not a string");
}

Test(reject, string_given_ext)
{
	begin();
	env(MSG_RESTART_REQ);
	msgpack_pack_map(&pk, 1);
	str("worker");
	msgpack_pack_ext_with_body(&pk, "gateway", 7, 1);
	rejects("not a string");
}

Test(reject, bool_given_int)
{
	begin();
	env(MSG_STATUS);
	msgpack_pack_map(&pk, 5);
	kv_str("version", "0.1.0");
	kv_int("uptime_ms", 1);
	kv_int("pid", 1);
	kv_int("all_up", 1);
	str("workers");
	msgpack_pack_array(&pk, 0);
	rejects("not a boolean");
}

Test(reject, array_given_map)
{
	begin();
	env(MSG_CONFIG);
	msgpack_pack_map(&pk, 1);
	str("entries");
	msgpack_pack_map(&pk, 0);
	rejects("not an array");
}

Test(reject, string_over_field_max)
{
	char	*name = repeat('n', 33);

	begin();
	env(MSG_RESTART_REQ);
	msgpack_pack_map(&pk, 1);
	kv_str("worker", name);
	free(name);
	rejects("limit 32");
}

Test(reject, string_over_value_max)
{
	char	*value = repeat('v', 4097);

	begin();
	env(MSG_CONFIG);
	msgpack_pack_map(&pk, 1);
	str("entries");
	msgpack_pack_array(&pk, 1);
	msgpack_pack_map(&pk, 2);
	kv_str("key", "a.b");
	kv_str("value", value);
	free(value);
	rejects("entries[0].value");
}

Test(reject, string_with_nul)
{
	begin();
	env(MSG_RESTART_REQ);
	msgpack_pack_map(&pk, 1);
	str("worker");
	msgpack_pack_str_with_body(&pk, "gate\0way", 8);
	rejects("NUL");
}

Test(reject, array_over_field_max)
{
	int	i;

	begin();
	status_body_head(17);
	for (i = 0; i < 17; i++)
		worker_status_map("w");
	rejects("limit 16");
}

Test(reject, array_over_proto_max)
{
	int	i;

	begin();
	env(MSG_CONFIG);
	msgpack_pack_map(&pk, 1);
	str("entries");
	msgpack_pack_array(&pk, PROTO_MAX_ARRAY + 1);
	for (i = 0; i <= PROTO_MAX_ARRAY; i++)
		msgpack_pack_nil(&pk);
	rejects("limit");
}

Test(reject, array_header_claims_too_much)
{
	/* Five bytes asking msgpack-c for 2^32 elements. */
	begin();
	env(MSG_CONFIG);
	msgpack_pack_map(&pk, 1);
	str("entries");
	msgpack_pack_array(&pk, UINT32_MAX);
	rejects("array of");
}

Test(reject, array_header_past_end)
{
	begin();
	env(MSG_CONFIG);
	msgpack_pack_map(&pk, 1);
	str("entries");
	msgpack_pack_array(&pk, 100);
	msgpack_pack_nil(&pk);
	rejects("truncated");
}

Test(reject, map_header_claims_too_much)
{
	begin();
	env(MSG_PING);
	msgpack_pack_map(&pk, UINT32_MAX);
	rejects("keys");
}

Test(reject, nested_too_deep)
{
	int	i;

	begin();
	env(MSG_PING);
	msgpack_pack_map(&pk, 1);
	str("sent_ms");
	for (i = 0; i < 40; i++)
		msgpack_pack_array(&pk, 1);
	msgpack_pack_nil(&pk);
	rejects("nested");
}

Test(reject, element_not_map)
{
	begin();
	env(MSG_CONFIG);
	msgpack_pack_map(&pk, 1);
	str("entries");
	msgpack_pack_array(&pk, 2);
	msgpack_pack_map(&pk, 2);
	kv_str("key", "a.b");
	kv_str("value", "c");
	msgpack_pack_int8(&pk, 3);
	rejects("entries[1]: not a map");
}

Test(reject, element_unknown_field)
{
	begin();
	env(MSG_CONFIG);
	msgpack_pack_map(&pk, 1);
	str("entries");
	msgpack_pack_array(&pk, 1);
	msgpack_pack_map(&pk, 3);
	kv_str("key", "a.b");
	kv_str("value", "c");
	kv_str("comment", "d");
	rejects("unknown field");
}

Test(reject, element_missing_required)
{
	begin();
	status_body_head(2);
	worker_status_map("gateway");
	msgpack_pack_map(&pk, 1);
	kv_str("name", "scheduler");
	rejects("workers[1].pid");
}

Test(reject, element_wrong_type)
{
	begin();
	status_body_head(1);
	msgpack_pack_map(&pk, 5);
	kv_str("name", "gateway");
	kv_str("pid", "1");
	kv_str("state", "up");
	kv_int("uptime_ms", 2);
	kv_int("restarts", 0);
	rejects("workers[0].pid");
}

Test(reject, envelope_kept_on_body_error)
{
	struct msg	m;
	char		err[256];

	begin();
	envelope(PROTO_VERSION, MSG_FD_PASS, 9, PEER_GATEWAY, MSGF_FD);
	msgpack_pack_map(&pk, 0);
	cr_assert_eq(msg_decode(sb.data, sb.size, &m, err, sizeof(err)), -1);
	msgpack_sbuffer_destroy(&sb);
	cr_assert_eq(m.flags, MSGF_FD);
	cr_assert_eq(m.type, MSG_FD_PASS);
	cr_assert_null(m.body);
	cr_assert_eq(m.fd, -1);
	msg_clear(&m);
}
