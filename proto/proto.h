/*
 * The berth IPC protocol: peers, message types and the schema of every
 * message body, declared once.  The generic codec (codec.c) encodes and
 * decodes every message from these tables; nothing else packs or
 * unpacks msgpack by hand.
 *
 * Wire form of one message: a 4-byte big-endian length, then a msgpack
 * array [version, type, id, peer, flags, body] where body is a map from
 * field name to value.  A message with MSGF_FD set carries exactly one
 * descriptor (SCM_RIGHTS) sent with the first byte of its frame.
 */
#ifndef BERTH_PROTO_H
#define BERTH_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_VERSION		1
#define PROTO_MAX_MSG		(1024 * 1024)	/* bytes in one frame */
#define PROTO_MAX_STR		(64 * 1024)	/* bytes in one string */
#define PROTO_MAX_ARRAY		1024		/* elements in one array */
#define PROTO_MAX_FIELDS	64		/* keys in one body map */

/* Peers: berthd is 0, each worker its id.  A worker sets peer to the
 * destination; berthd rewrites it to the source when it forwards. */
enum peer_id {
	PEER_PARENT = 0,
	PEER_GATEWAY,
	PEER_SCHEDULER,
	PEER_HEALTHMON,
	PEER_STATSWRITER,
	PEER_LOGSTREAMER,
	PEER_MAX
};
#define NWORKERS	(PEER_MAX - 1)

#define MSGF_FD		0x01	/* a descriptor travels with the message */
#define MSGF_REPLY	0x02	/* answers the request with the same id */

enum msg_type {
	MSG_NONE = 0,
	MSG_HELLO,		/* worker -> berthd: up and confined */
	MSG_CONFIG,		/* berthd -> worker: configuration */
	MSG_SHUTDOWN,		/* berthd -> worker: drain and exit */
	MSG_OK,			/* reply: done */
	MSG_ERROR,		/* reply: failed, with code and message */
	MSG_STATUS_REQ,		/* -> berthd: worker table */
	MSG_STATUS,		/* reply to MSG_STATUS_REQ */
	MSG_RESTART_REQ,	/* admin -> berthd: restart one worker */
	MSG_PING,		/* any peer -> any peer, routed by berthd */
	MSG_PONG,		/* reply to MSG_PING */
	MSG_FD_PASS,		/* a descriptor handed from one peer to another */
	MSG_TYPE_MAX
};

/* ---------------------------------------------------------------- bodies */

struct body_empty {
	int	unused;
};

struct body_hello {
	char		*worker;	/* name, e.g. "gateway" */
	int64_t		 pid;
	int64_t		 uid;
	int64_t		 seccomp;	/* /proc/self/status Seccomp: value */
};

struct config_entry {
	char	*key;			/* "section.name" */
	char	*value;
};

struct body_config {
	struct config_entry	*entries;
	size_t			 nentries;
};

struct body_error {
	char	*code;			/* "unavailable", "bad_request", ... */
	char	*message;
};

struct worker_status {
	char	*name;
	int64_t	 pid;			/* 0 when not running */
	char	*state;			/* starting, up, backoff, failed, stopping */
	int64_t	 uptime_ms;
	int64_t	 restarts;
	char	*last_exit;		/* "exit 1", "SIGSYS", "" */
	int64_t	 uid;
	int64_t	 seccomp;
};

struct body_status {
	char			*version;
	int64_t			 uptime_ms;
	int64_t			 pid;
	int			 all_up;
	struct worker_status	*workers;
	size_t			 nworkers;
};

struct body_restart_req {
	char	*worker;
};

struct body_ping {
	int64_t	 sent_ms;		/* sender's monotonic clock */
};

struct body_fd_pass {
	char	*purpose;		/* what the receiver does with it */
	char	*arg;
};

/* ---------------------------------------------------------------- messages */

struct msg {
	uint8_t		 version;
	uint16_t	 type;
	uint32_t	 id;
	uint8_t		 peer;
	uint8_t		 flags;
	int		 fd;		/* -1 unless MSGF_FD */
	void		*body;		/* struct body_* of the type's schema */
};

/* ---------------------------------------------------------------- schema */

enum field_type {
	FT_STR,		/* char *, NUL-terminated, no embedded NUL */
	FT_INT,		/* int64_t */
	FT_BOOL,	/* int, 0 or 1 */
	FT_DOUBLE,	/* double */
	FT_ARRAY	/* T *items at offset, size_t count at count_offset */
};

struct schema;

struct field {
	const char		*name;
	enum field_type		 type;
	size_t			 offset;
	int			 required;
	size_t			 max;		/* FT_STR bytes, FT_ARRAY items */
	const struct schema	*elem;		/* FT_ARRAY element schema */
	size_t			 count_offset;	/* FT_ARRAY */
};

struct schema {
	const char		*name;
	size_t			 size;		/* sizeof the body struct */
	const struct field	*fields;
	size_t			 nfields;
};

const struct schema	*msg_schema(unsigned type);	/* NULL: unknown */
const char		*msg_type_name(unsigned type);
const char		*peer_name(unsigned peer);

#endif
