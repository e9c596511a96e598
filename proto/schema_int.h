/*
 * What the schema tables share: the limits, the macros that write a
 * field or a schema, and the schemas defined outside schema.c (one file
 * per area of the protocol).  Only proto/schema*.c include this.
 */
#ifndef BERTH_SCHEMA_INT_H
#define BERTH_SCHEMA_INT_H

#include <stddef.h>

#include "proto.h"

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

/* String limits, in bytes. */
#define MAX_NAME	32	/* worker names */
#define MAX_WORD	64	/* states, codes, versions, purposes */
#define MAX_KEY		256	/* "section.name" */
#define MAX_TEXT	1024	/* human-readable messages */
#define MAX_VALUE	4096	/* configuration values, arguments */
#define MAX_TOKEN	256	/* a bearer token as presented */
#define MAX_PAYLOAD	262144	/* a notification's body */

/* Array limits, in elements. */
#define MAX_ENTRIES	1024	/* configuration entries */
#define MAX_WORKERS	16	/* rows of the worker table */
#define MAX_ENV		64	/* environment variables of a workspace */
#define MAX_ITEMS	1000	/* workspaces in one list */
#define MAX_ID		128	/* ids of workspaces, users, projects */
#define MAX_ROWS	1000	/* samples in one message */
#define MAX_RECENT	100	/* lifecycle rows in one reply */
#define MAX_CHECKS	32	/* health checks in one report */
#define MAX_PROM	1000	/* metric samples in one message */
#define MAX_JOBS	32	/* scheduler jobs */
#define MAX_LOG_LINES	1000	/* log lines in one chunk */
#define MAX_MATCHERS	16	/* matchers of one silence */
#define MAX_SILENCES	256	/* silences kept */

#define STR(s, f, req, max) \
	{ #f, FT_STR, offsetof(struct s, f), req, max, NULL, 0 }
#define INT(s, f, req) \
	{ #f, FT_INT, offsetof(struct s, f), req, 0, NULL, 0 }
#define BOOL(s, f, req) \
	{ #f, FT_BOOL, offsetof(struct s, f), req, 0, NULL, 0 }
#define DOUBLE(s, f, req) \
	{ #f, FT_DOUBLE, offsetof(struct s, f), req, 0, NULL, 0 }
#define ARRAY(s, f, req, max, el, cnt) \
	{ #f, FT_ARRAY, offsetof(struct s, f), req, max, el, \
	    offsetof(struct s, cnt) }
#define SCHEMA(n, s, fl) \
	{ n, sizeof(struct s), fl, NITEMS(fl), 0 }
/* A body that starts with struct req_auth (AUTH_FIELDS first). */
#define SCHEMA_AUTH(n, s, fl) \
	{ n, sizeof(struct s), fl, NITEMS(fl), 1 }
#define AUTH_FIELDS(s) \
	{ "token", FT_STR, offsetof(struct s, auth.token), 1, MAX_TOKEN, \
	    NULL, 0 }, \
	{ "caller", FT_STR, offsetof(struct s, auth.caller), 1, MAX_ID, \
	    NULL, 0 }, \
	{ "admin", FT_BOOL, offsetof(struct s, auth.admin), 1, 0, NULL, 0 }

/* schema_monitor.c */
extern const struct schema schema_events_req[];
extern const struct schema schema_events[];
extern const struct schema schema_event_item[];
extern const struct schema schema_monitor_run[];
extern const struct schema schema_monitor_done[];
extern const struct schema schema_mpoints_req[];
extern const struct schema schema_alerts_req[];
extern const struct schema schema_alerts[];
extern const struct schema schema_alert_resolve[];
extern const struct schema schema_notify_send[];
extern const struct schema schema_notify_done[];
extern const struct schema schema_notify_req[];
extern const struct schema schema_notifies[];
extern const struct schema schema_silence_add[];
extern const struct schema schema_silence_ref[];
extern const struct schema schema_silences[];
extern const struct schema schema_ws_metrics_req[];
extern const struct schema schema_breaker[];

/* schema_jobs.c */
extern const struct schema schema_job_state[];
extern const struct schema schema_clock_req[];
extern const struct schema schema_job_req[];
extern const struct schema schema_jobs[];
extern const struct schema schema_cleanup[];
extern const struct schema schema_container_rm[];
extern const struct schema schema_job_run[];
extern const struct schema schema_volume_rm[];
extern const struct schema schema_retention[];

/* schema_logs.c */
extern const struct schema schema_logs_req[];
extern const struct schema schema_logs_follow[];
extern const struct schema schema_logs_next[];
extern const struct schema schema_log_chunk[];
extern const struct schema schema_logs_attach[];
extern const struct schema schema_ticket[];
extern const struct schema schema_logs_attach_ticket[];
extern const struct schema schema_logs_state[];
extern const struct schema schema_sse_client[];

/* schema_volumes.c */
extern const struct schema schema_vol_req[];
extern const struct schema schema_vol_backups[];
extern const struct schema schema_vol_clones[];
extern const struct schema schema_vol_size[];

#endif /* BERTH_SCHEMA_INT_H */
