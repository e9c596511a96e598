/*
 * The schema tables: for every message type, the fields of its body
 * struct with their wire names, types, limits and whether they must be
 * present.  codec.c encodes and decodes from these tables alone, so a
 * new message type or field is one entry here plus its struct in
 * proto.h.
 */
#include <stddef.h>

#include "proto.h"

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

/* String limits, in bytes. */
#define MAX_NAME	32	/* worker names */
#define MAX_WORD	64	/* states, codes, versions, purposes */
#define MAX_KEY		256	/* "section.name" */
#define MAX_TEXT	1024	/* human-readable messages */
#define MAX_VALUE	4096	/* configuration values, arguments */

/* Array limits, in elements. */
#define MAX_ENTRIES	256	/* configuration entries */
#define MAX_WORKERS	16	/* rows of the worker table */

#define STR(s, f, req, max) \
	{ #f, FT_STR, offsetof(struct s, f), req, max, NULL, 0 }
#define INT(s, f, req) \
	{ #f, FT_INT, offsetof(struct s, f), req, 0, NULL, 0 }
#define BOOL(s, f, req) \
	{ #f, FT_BOOL, offsetof(struct s, f), req, 0, NULL, 0 }
#define ARRAY(s, f, req, max, el, cnt) \
	{ #f, FT_ARRAY, offsetof(struct s, f), req, max, el, \
	    offsetof(struct s, cnt) }
#define SCHEMA(n, s, fl) \
	{ n, sizeof(struct s), fl, NITEMS(fl) }

static const struct schema schema_empty[] = {
	{ "empty", sizeof(struct body_empty), NULL, 0 }
};

static const struct field hello_fields[] = {
	STR(body_hello, worker, 1, MAX_NAME),
	INT(body_hello, pid, 1),
	INT(body_hello, uid, 1),
	INT(body_hello, seccomp, 1),
};
static const struct schema schema_hello[] = {
	SCHEMA("hello", body_hello, hello_fields)
};

static const struct field config_entry_fields[] = {
	STR(config_entry, key, 1, MAX_KEY),
	STR(config_entry, value, 1, MAX_VALUE),
};
static const struct schema schema_config_entry[] = {
	SCHEMA("config_entry", config_entry, config_entry_fields)
};

static const struct field config_fields[] = {
	ARRAY(body_config, entries, 1, MAX_ENTRIES, schema_config_entry,
	    nentries),
};
static const struct schema schema_config[] = {
	SCHEMA("config", body_config, config_fields)
};

static const struct field error_fields[] = {
	STR(body_error, code, 1, MAX_WORD),
	STR(body_error, message, 1, MAX_TEXT),
};
static const struct schema schema_error[] = {
	SCHEMA("error", body_error, error_fields)
};

static const struct field worker_status_fields[] = {
	STR(worker_status, name, 1, MAX_NAME),
	INT(worker_status, pid, 1),
	STR(worker_status, state, 1, MAX_WORD),
	INT(worker_status, uptime_ms, 1),
	INT(worker_status, restarts, 1),
	STR(worker_status, last_exit, 0, MAX_WORD),
	INT(worker_status, uid, 0),
	INT(worker_status, seccomp, 0),
};
static const struct schema schema_worker_status[] = {
	SCHEMA("worker_status", worker_status, worker_status_fields)
};

static const struct field status_fields[] = {
	STR(body_status, version, 1, MAX_WORD),
	INT(body_status, uptime_ms, 1),
	INT(body_status, pid, 1),
	BOOL(body_status, all_up, 1),
	ARRAY(body_status, workers, 1, MAX_WORKERS, schema_worker_status,
	    nworkers),
};
static const struct schema schema_status[] = {
	SCHEMA("status", body_status, status_fields)
};

static const struct field restart_req_fields[] = {
	STR(body_restart_req, worker, 1, MAX_NAME),
};
static const struct schema schema_restart_req[] = {
	SCHEMA("restart_req", body_restart_req, restart_req_fields)
};

static const struct field ping_fields[] = {
	INT(body_ping, sent_ms, 1),
};
static const struct schema schema_ping[] = {
	SCHEMA("ping", body_ping, ping_fields)
};

static const struct field fd_pass_fields[] = {
	STR(body_fd_pass, purpose, 1, MAX_WORD),
	STR(body_fd_pass, arg, 0, MAX_VALUE),
};
static const struct schema schema_fd_pass[] = {
	SCHEMA("fd_pass", body_fd_pass, fd_pass_fields)
};

static const struct {
	const char		*name;
	const struct schema	*schema;
} msg_types[MSG_TYPE_MAX] = {
	[MSG_NONE] =		{ "none", NULL },
	[MSG_HELLO] =		{ "hello", schema_hello },
	[MSG_CONFIG] =		{ "config", schema_config },
	[MSG_SHUTDOWN] =	{ "shutdown", schema_empty },
	[MSG_OK] =		{ "ok", schema_empty },
	[MSG_ERROR] =		{ "error", schema_error },
	[MSG_STATUS_REQ] =	{ "status_req", schema_empty },
	[MSG_STATUS] =		{ "status", schema_status },
	[MSG_RESTART_REQ] =	{ "restart_req", schema_restart_req },
	[MSG_PING] =		{ "ping", schema_ping },
	[MSG_PONG] =		{ "pong", schema_ping },
	[MSG_FD_PASS] =		{ "fd_pass", schema_fd_pass },
};

static const char *const peer_names[PEER_MAX] = {
	[PEER_PARENT] =		"berthd",
	[PEER_GATEWAY] =	"gateway",
	[PEER_SCHEDULER] =	"scheduler",
	[PEER_HEALTHMON] =	"healthmon",
	[PEER_STATSWRITER] =	"statswriter",
	[PEER_LOGSTREAMER] =	"logstreamer",
};

const struct schema *
msg_schema(unsigned type)
{
	if (type >= MSG_TYPE_MAX)
		return NULL;
	return msg_types[type].schema;
}

const char *
msg_type_name(unsigned type)
{
	if (type >= MSG_TYPE_MAX || msg_types[type].schema == NULL)
		return "unknown";
	return msg_types[type].name;
}

const char *
peer_name(unsigned peer)
{
	if (peer >= PEER_MAX)
		return "unknown";
	return peer_names[peer];
}
