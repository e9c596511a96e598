/*
 * The log messages: chunks read from the engine, the logstreamer's
 * follows, SSE clients and tickets.  Included by proto.h; their schemas
 * are in schema_logs.c.
 */
#ifndef BERTH_PROTO_LOGS_H
#define BERTH_PROTO_LOGS_H

/* A workspace's logs read from the engine, a chunk at a time: the
 * first chunk answers MSG_LOGS_REQ, each next one MSG_LOGS_NEXT
 * {session}; MSG_LOGS_CLOSE {session} ends it early.  berthd reads
 * the engine only while the requester asks, so a slow reader pauses
 * the engine instead of filling berthd. */
struct body_logs_req {
	struct req_auth	 auth;
	char	*id;			/* the workspace */
	int64_t	 tail;			/* lines from the end, -1 all */
	int64_t	 since_ns;		/* 0: from the first line */
	int64_t	 until_ns;		/* 0: to the last */
	int	 out;			/* stdout */
	int	 err;			/* stderr */
	int	 follow;		/* wait for new lines */
};

/* The logstreamer follows a workspace for its clients (berthd checked
 * them): every stream, from since_ns on, then what comes. */
struct body_logs_follow {
	char	*id;
	int64_t	 since_ns;
};

struct body_logs_next {			/* MSG_LOGS_NEXT, MSG_LOGS_CLOSE */
	int64_t	 session;
};

/* One line: valid UTF-8 without NUL or newline, at most 64 KiB. */
struct log_item {
	char	*ts;			/* the engine's RFC 3339, ns */
	int64_t	 ns;			/* the same since the epoch */
	int64_t	 nth;			/* lines before it at this ns */
	int64_t	 stream;		/* 1 stdout, 2 stderr */
	char	*line;
};

struct body_log_chunk {
	int64_t		 session;
	struct log_item	*lines;
	size_t		 nlines;
	int		 done;		/* no chunk follows */
	char		*error;		/* "" unless it ended early */
};

/* An SSE client of /api/workspaces/{id}/logs/stream: the gateway
 * sends its socket (MSGF_FD) with the token; berthd checks the owner
 * and hands the socket to the logstreamer as MSG_SSE_CLIENT.  after:
 * the client's Last-Event-ID, lines after (after_ns, after_nth) only;
 * without it, lines from attach_ns on. */
struct body_logs_attach {
	struct req_auth	 auth;
	char	*id;
	int	 has_after;
	int64_t	 after_ns;
	int64_t	 after_nth;
};

/* A ticket: who may open one workspace's stream without a header (a
 * browser's EventSource sends none), for a short while. */
struct body_ticket {
	char	*ticket;		/* 32 hex digits */
	int64_t	 expires_ms;		/* wall clock */
};

/* MSG_LOGS_ATTACH_TICKET: the identity is the ticket's, in berthd. */
struct body_logs_attach_ticket {
	char	*ticket;
	char	*id;
	int	 has_after;
	int64_t	 after_ns;
	int64_t	 after_nth;
};

/* MSG_LOGS_STATE: the engine started, stopped or restarted a
 * workspace's container, or removed it.  final: no start can follow
 * (berth stopped it, or it is removed): the streams end once the
 * engine's last lines are out. */
struct body_logs_state {
	char	*workspace_id;
	char	*state;			/* started stopped restarted removed */
	int	 final;
	int64_t	 at_ns;			/* wall clock */
};

struct body_sse_client {
	char	*workspace_id;
	char	*user_id;		/* the caller, for the caps */
	int	 has_after;
	int64_t	 after_ns;
	int64_t	 after_nth;
	int64_t	 attach_ns;		/* berthd's wall clock */
};

#endif /* BERTH_PROTO_LOGS_H */
