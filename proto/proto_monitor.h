/*
 * The monitoring messages (seed 001, issue 14): recent events, the
 * metrics and monitoring job, recorded metric points, alerts,
 * notifications and silences.  Included by proto.h after struct
 * req_auth; schema_monitor.c holds their schemas.
 */
#ifndef BERTH_PROTO_MONITOR_H
#define BERTH_PROTO_MONITOR_H

/* Recent events (MSG_EVENTS_REQ): "" matches any type or severity. */
struct body_events_req {
	struct req_auth	 auth;
	char	*type;
	char	*severity;
	int64_t	 since_ms;
	int64_t	 limit;			/* 1-1000 */
};

struct event_item {
	int64_t	 id;
	int64_t	 time_ms;		/* first seen (berthd's clock) */
	int64_t	 last_ms;		/* last seen, when merged */
	int64_t	 count;
	char	*type;
	char	*severity;		/* info warning error critical */
	char	*message;
	char	*workspace_id;		/* "" none */
	char	*user_id;
};

struct body_events {			/* MSG_EVENTS, newest first */
	struct event_item	*items;
	size_t			 nitems;
};

/* A run of the metrics or monitoring job (MSG_MONITOR_RUN). */
struct body_monitor_run {
	char	*what;			/* "metrics" or "monitoring" */
};
struct body_monitor_done {
	int64_t	 points;		/* metric points recorded */
	int64_t	 firing;		/* alerts firing after the evaluation */
	int64_t	 pending;
	int64_t	 changed;		/* alerts that changed state */
};

/* Recorded metric points (seed 001), newest first. */
struct body_mpoints_req {
	struct req_auth	 auth;
	char	*name;			/* "" every name */
	int64_t	 limit;			/* 1-1000 */
};
/* MSG_MPOINTS and MSG_MPOINT_REC are a body_sysmetrics (times on
 * berthd's clock). */

/* Alerts (MSG_ALERTS_REQ): active ones, or every one kept. */
struct body_alerts_req {
	struct req_auth	 auth;
	int		 all;
};
struct body_alert_resolve {
	struct req_auth	 auth;
	int64_t	 id;
	char	*resolution;		/* why, as the admin wrote it */
};
struct alert_item {
	int64_t	 id;
	char	*rule;			/* [alert.NAME] */
	char	*severity;
	char	*state;			/* pending, firing, resolved */
	char	*message;
	char	*metric;
	double	 value;			/* the last value evaluated */
	double	 threshold;
	char	*workspace_id;		/* "" for a rule of the system */
	char	*user_id;
	int64_t	 since_ms;		/* pending since */
	int64_t	 fired_ms;		/* 0: never fired */
	int64_t	 resolved_ms;		/* 0: not resolved */
	char	*resolved_by;		/* "auto" or the user who did */
	char	*resolution;
	int64_t	 boot_ms;		/* berthd's start: part of the key */
	char	*silenced_by;		/* the silence muting it; "" none */
};
struct body_alerts {			/* MSG_ALERTS, MSG_ALERT_REC (one) */
	struct alert_item	*items;
	size_t			 nitems;
};

/* Notifications (issue 14 point 4).  berthd resolves the host, signs
 * and builds everything; healthmon only makes the POST. */
struct body_notify_send {		/* MSG_NOTIFY_SEND */
	int64_t	 seq;			/* berthd's attempt number */
	int	 tls;
	char	*host;			/* Host header, SNI, certificate name */
	char	*addr;			/* numeric address to connect to */
	int64_t	 port;
	char	*path;			/* request target */
	char	*headers;		/* "Name: value" lines, '\n' ended */
	char	*body;			/* JSON */
	int64_t	 timeout_ms;
};
struct body_notify_done {		/* MSG_NOTIFY_DONE */
	int64_t	 seq;
	int64_t	 status;		/* HTTP status; 0 no answer */
	int64_t	 retry_after_s;		/* Retry-After in seconds; -1 none */
	char	*error;			/* why there was no answer */
};
struct body_notify_req {		/* MSG_NOTIFY_REQ */
	struct req_auth	 auth;
	int64_t		 limit;
};
struct notify_item {
	int64_t	 seq;
	char	*id;			/* webhook-id, the same every retry */
	char	*receiver;		/* [notify.NAME] */
	char	*alert;			/* the alert's key */
	char	*event;			/* alert.firing, alert.resolved */
	char	*state;			/* pending, delivered, failed */
	int64_t	 attempts;
	int64_t	 status;		/* the last answer's; 0 none */
	char	*error;			/* the last failure */
	int64_t	 created_ms, next_ms, done_ms;
};
struct body_notifies {			/* MSG_NOTIFIES */
	struct notify_item	*items;
	size_t			 nitems;
};

/* Silences (issue 14 point 3): matchers on an alert's labels mute its
 * notifications between starts and ends; the alert itself goes on. */
struct silence_matcher {
	char	*name;			/* alertname severity service ... */
	char	*value;
	int	 is_regex;		/* POSIX ERE, anchored */
	int	 is_equal;		/* 0: the match is negated */
};
struct silence_item {
	char			*id;
	struct silence_matcher	*matchers;
	size_t			 nmatchers;
	int64_t			 starts_ms, ends_ms;
	char			*created_by;	/* as the creator wrote it */
	char			*author;	/* the token berthd resolved */
	char			*comment;
	int64_t			 updated_ms;
	char			*state;		/* pending active expired */
};
struct body_silence_add {		/* MSG_SILENCE_ADD */
	struct req_auth		 auth;
	struct silence_matcher	*matchers;
	size_t			 nmatchers;
	int64_t			 starts_ms;	/* 0: now */
	int64_t			 ends_ms;
	char			*created_by;
	char			*comment;
};
struct body_silence_ref {		/* MSG_SILENCES_REQ, _EXPIRE */
	struct req_auth	 auth;
	char		*id;		/* "" every one (a list) */
};
struct body_silences {			/* MSG_SILENCES */
	struct silence_item	*items;
	size_t			 nitems;
};

/* One workspace's recent samples (GET /api/monitoring/sessions/{id}/
 * metrics): berthd checks the caller may see it and asks the
 * statswriter for its container's. */
struct body_ws_metrics_req {		/* MSG_WS_METRICS_REQ */
	struct req_auth	 auth;
	char		*id;
	int64_t		 since_ms;
	int64_t		 limit;		/* 1-1000 */
};

/* A health check's circuit breaker moved (an event in berthd). */
struct body_breaker {			/* MSG_BREAKER */
	char	*check;
	char	*from, *to;		/* closed, open, half_open */
	int64_t	 failures;
	int	 required;
	char	*error;			/* the check's last */
};

#endif /* BERTH_PROTO_MONITOR_H */
