/*
 * The schemas of the log messages (proto_logs.h).
 */
#include "schema_int.h"

static const struct field logs_req_fields[] = {
	AUTH_FIELDS(body_logs_req),
	STR(body_logs_req, id, 1, MAX_ID),
	INT(body_logs_req, tail, 1),
	INT(body_logs_req, since_ns, 1),
	INT(body_logs_req, until_ns, 1),
	BOOL(body_logs_req, out, 1),
	BOOL(body_logs_req, err, 1),
	BOOL(body_logs_req, follow, 1),
};
const struct schema schema_logs_req[] = {
	SCHEMA_AUTH("logs_req", body_logs_req, logs_req_fields)
};

static const struct field logs_follow_fields[] = {
	STR(body_logs_follow, id, 1, MAX_ID),
	INT(body_logs_follow, since_ns, 1),
};
const struct schema schema_logs_follow[] = {
	SCHEMA("logs_follow", body_logs_follow, logs_follow_fields)
};

static const struct field logs_next_fields[] = {
	INT(body_logs_next, session, 1),
};
const struct schema schema_logs_next[] = {
	SCHEMA("logs_next", body_logs_next, logs_next_fields)
};

static const struct field log_item_fields[] = {
	STR(log_item, ts, 1, MAX_WORD),
	INT(log_item, ns, 1),
	INT(log_item, nth, 1),
	INT(log_item, stream, 1),
	STR(log_item, line, 1, PROTO_MAX_STR),
};
static const struct schema schema_log_item[] = {
	SCHEMA("log_item", log_item, log_item_fields)
};

static const struct field log_chunk_fields[] = {
	INT(body_log_chunk, session, 1),
	ARRAY(body_log_chunk, lines, 1, MAX_LOG_LINES, schema_log_item,
	    nlines),
	BOOL(body_log_chunk, done, 1),
	STR(body_log_chunk, error, 1, MAX_TEXT),
};
const struct schema schema_log_chunk[] = {
	SCHEMA("log_chunk", body_log_chunk, log_chunk_fields)
};

static const struct field logs_attach_fields[] = {
	AUTH_FIELDS(body_logs_attach),
	STR(body_logs_attach, id, 1, MAX_ID),
	BOOL(body_logs_attach, has_after, 1),
	INT(body_logs_attach, after_ns, 1),
	INT(body_logs_attach, after_nth, 1),
};
const struct schema schema_logs_attach[] = {
	SCHEMA_AUTH("logs_attach", body_logs_attach, logs_attach_fields)
};

static const struct field ticket_fields[] = {
	STR(body_ticket, ticket, 1, MAX_WORD),
	INT(body_ticket, expires_ms, 1),
};
const struct schema schema_ticket[] = {
	SCHEMA("ticket", body_ticket, ticket_fields)
};

static const struct field logs_attach_ticket_fields[] = {
	STR(body_logs_attach_ticket, ticket, 1, MAX_WORD),
	STR(body_logs_attach_ticket, id, 1, MAX_ID),
	BOOL(body_logs_attach_ticket, has_after, 1),
	INT(body_logs_attach_ticket, after_ns, 1),
	INT(body_logs_attach_ticket, after_nth, 1),
};
const struct schema schema_logs_attach_ticket[] = {
	SCHEMA("logs_attach_ticket", body_logs_attach_ticket,
	    logs_attach_ticket_fields)
};

static const struct field logs_state_fields[] = {
	STR(body_logs_state, workspace_id, 1, MAX_ID),
	STR(body_logs_state, state, 1, 16),
	BOOL(body_logs_state, final, 1),
	INT(body_logs_state, at_ns, 1),
};
const struct schema schema_logs_state[] = {
	SCHEMA("logs_state", body_logs_state, logs_state_fields)
};

static const struct field sse_client_fields[] = {
	STR(body_sse_client, workspace_id, 1, MAX_ID),
	STR(body_sse_client, user_id, 1, MAX_ID),
	BOOL(body_sse_client, has_after, 1),
	INT(body_sse_client, after_ns, 1),
	INT(body_sse_client, after_nth, 1),
	INT(body_sse_client, attach_ns, 1),
};
const struct schema schema_sse_client[] = {
	SCHEMA("sse_client", body_sse_client, sse_client_fields)
};
