/*
 * The schemas of the monitoring messages (proto_monitor.h): events,
 * the monitoring job, metric points, alerts, notifications, silences.
 */
#include "schema_int.h"

static const struct field events_req_fields[] = {
	AUTH_FIELDS(body_events_req),
	STR(body_events_req, type, 1, MAX_KEY),
	STR(body_events_req, severity, 1, MAX_WORD),
	INT(body_events_req, since_ms, 1),
	INT(body_events_req, limit, 1),
};
const struct schema schema_events_req[] = {
	SCHEMA_AUTH("events_req", body_events_req, events_req_fields)
};
static const struct field event_item_fields[] = {
	INT(event_item, id, 1),
	INT(event_item, time_ms, 1),
	INT(event_item, last_ms, 1),
	INT(event_item, count, 1),
	STR(event_item, type, 1, MAX_KEY),
	STR(event_item, severity, 1, MAX_WORD),
	STR(event_item, message, 1, MAX_VALUE),
	STR(event_item, workspace_id, 1, MAX_ID),
	STR(event_item, user_id, 1, MAX_ID),
};
const struct schema schema_event_item[] = {
	SCHEMA("event_item", event_item, event_item_fields)
};
static const struct field events_fields[] = {
	ARRAY(body_events, items, 1, MAX_ITEMS, schema_event_item, nitems),
};
const struct schema schema_events[] = {
	SCHEMA("events", body_events, events_fields)
};

static const struct field monitor_run_fields[] = {
	STR(body_monitor_run, what, 1, MAX_WORD),
};
const struct schema schema_monitor_run[] = {
	SCHEMA("monitor_run", body_monitor_run, monitor_run_fields)
};
static const struct field monitor_done_fields[] = {
	INT(body_monitor_done, points, 1),
	INT(body_monitor_done, firing, 1),
	INT(body_monitor_done, pending, 1),
	INT(body_monitor_done, changed, 1),
};
const struct schema schema_monitor_done[] = {
	SCHEMA("monitor_done", body_monitor_done, monitor_done_fields)
};

static const struct field mpoints_req_fields[] = {
	AUTH_FIELDS(body_mpoints_req),
	STR(body_mpoints_req, name, 1, MAX_KEY),
	INT(body_mpoints_req, limit, 1),
};
const struct schema schema_mpoints_req[] = {
	SCHEMA_AUTH("mpoints_req", body_mpoints_req, mpoints_req_fields)
};

static const struct field alerts_req_fields[] = {
	AUTH_FIELDS(body_alerts_req),
	BOOL(body_alerts_req, all, 1),
};
const struct schema schema_alerts_req[] = {
	SCHEMA_AUTH("alerts_req", body_alerts_req, alerts_req_fields)
};
static const struct field alert_resolve_fields[] = {
	AUTH_FIELDS(body_alert_resolve),
	INT(body_alert_resolve, id, 1),
	STR(body_alert_resolve, resolution, 1, MAX_TEXT),
};
const struct schema schema_alert_resolve[] = {
	SCHEMA_AUTH("alert_resolve", body_alert_resolve, alert_resolve_fields)
};
static const struct field alert_item_fields[] = {
	INT(alert_item, id, 1),
	STR(alert_item, rule, 1, MAX_NAME),
	STR(alert_item, severity, 1, MAX_WORD),
	STR(alert_item, state, 1, MAX_WORD),
	STR(alert_item, message, 1, MAX_TEXT),
	STR(alert_item, metric, 1, MAX_WORD),
	DOUBLE(alert_item, value, 1),
	DOUBLE(alert_item, threshold, 1),
	STR(alert_item, workspace_id, 1, MAX_ID),
	STR(alert_item, user_id, 1, MAX_ID),
	INT(alert_item, since_ms, 1),
	INT(alert_item, fired_ms, 1),
	INT(alert_item, resolved_ms, 1),
	STR(alert_item, resolved_by, 1, MAX_ID),
	STR(alert_item, resolution, 1, MAX_TEXT),
	INT(alert_item, boot_ms, 1),
	STR(alert_item, silenced_by, 0, MAX_WORD),
};
static const struct schema schema_alert_item[] = {
	SCHEMA("alert_item", alert_item, alert_item_fields)
};
static const struct field alerts_fields[] = {
	ARRAY(body_alerts, items, 1, MAX_ITEMS, schema_alert_item, nitems),
};
const struct schema schema_alerts[] = {
	SCHEMA("alerts", body_alerts, alerts_fields)
};
static const struct field notify_send_fields[] = {
	INT(body_notify_send, seq, 1),
	BOOL(body_notify_send, tls, 1),
	STR(body_notify_send, host, 1, MAX_KEY),
	STR(body_notify_send, addr, 1, MAX_WORD),
	INT(body_notify_send, port, 1),
	STR(body_notify_send, path, 1, MAX_VALUE),
	STR(body_notify_send, headers, 1, MAX_VALUE),
	STR(body_notify_send, body, 1, MAX_PAYLOAD),
	INT(body_notify_send, timeout_ms, 1),
};
const struct schema schema_notify_send[] = {
	SCHEMA("notify_send", body_notify_send, notify_send_fields)
};
static const struct field notify_done_fields[] = {
	INT(body_notify_done, seq, 1),
	INT(body_notify_done, status, 1),
	INT(body_notify_done, retry_after_s, 1),
	STR(body_notify_done, error, 1, MAX_TEXT),
};
const struct schema schema_notify_done[] = {
	SCHEMA("notify_done", body_notify_done, notify_done_fields)
};
static const struct field notify_req_fields[] = {
	AUTH_FIELDS(body_notify_req),
	INT(body_notify_req, limit, 1),
};
const struct schema schema_notify_req[] = {
	SCHEMA_AUTH("notify_req", body_notify_req, notify_req_fields)
};
static const struct field notify_item_fields[] = {
	INT(notify_item, seq, 1),
	STR(notify_item, id, 1, MAX_WORD),
	STR(notify_item, receiver, 1, MAX_NAME),
	STR(notify_item, alert, 1, MAX_WORD),
	STR(notify_item, event, 1, MAX_WORD),
	STR(notify_item, state, 1, MAX_WORD),
	INT(notify_item, attempts, 1),
	INT(notify_item, status, 1),
	STR(notify_item, error, 1, MAX_TEXT),
	INT(notify_item, created_ms, 1),
	INT(notify_item, next_ms, 1),
	INT(notify_item, done_ms, 1),
};
static const struct schema schema_notify_item[] = {
	SCHEMA("notify_item", notify_item, notify_item_fields)
};
static const struct field notifies_fields[] = {
	ARRAY(body_notifies, items, 1, MAX_ITEMS, schema_notify_item, nitems),
};
const struct schema schema_notifies[] = {
	SCHEMA("notifies", body_notifies, notifies_fields)
};

static const struct field silence_matcher_fields[] = {
	STR(silence_matcher, name, 1, MAX_WORD),
	STR(silence_matcher, value, 1, MAX_KEY),
	BOOL(silence_matcher, is_regex, 1),
	BOOL(silence_matcher, is_equal, 1),
};
static const struct schema schema_silence_matcher[] = {
	SCHEMA("silence_matcher", silence_matcher, silence_matcher_fields)
};
static const struct field silence_item_fields[] = {
	STR(silence_item, id, 1, MAX_WORD),
	ARRAY(silence_item, matchers, 1, MAX_MATCHERS, schema_silence_matcher,
	    nmatchers),
	INT(silence_item, starts_ms, 1),
	INT(silence_item, ends_ms, 1),
	STR(silence_item, created_by, 1, MAX_WORD),
	STR(silence_item, author, 1, MAX_ID),
	STR(silence_item, comment, 1, MAX_TEXT),
	INT(silence_item, updated_ms, 1),
	STR(silence_item, state, 1, MAX_WORD),
};
static const struct schema schema_silence_item[] = {
	SCHEMA("silence_item", silence_item, silence_item_fields)
};
static const struct field silence_add_fields[] = {
	AUTH_FIELDS(body_silence_add),
	ARRAY(body_silence_add, matchers, 1, MAX_MATCHERS,
	    schema_silence_matcher, nmatchers),
	INT(body_silence_add, starts_ms, 1),
	INT(body_silence_add, ends_ms, 1),
	STR(body_silence_add, created_by, 1, MAX_WORD),
	STR(body_silence_add, comment, 1, MAX_TEXT),
};
const struct schema schema_silence_add[] = {
	SCHEMA_AUTH("silence_add", body_silence_add, silence_add_fields)
};
static const struct field silence_ref_fields[] = {
	AUTH_FIELDS(body_silence_ref),
	STR(body_silence_ref, id, 1, MAX_WORD),
};
const struct schema schema_silence_ref[] = {
	SCHEMA_AUTH("silence_ref", body_silence_ref, silence_ref_fields)
};
static const struct field silences_fields[] = {
	ARRAY(body_silences, items, 1, MAX_SILENCES, schema_silence_item,
	    nitems),
};
const struct schema schema_silences[] = {
	SCHEMA("silences", body_silences, silences_fields)
};

static const struct field ws_metrics_req_fields[] = {
	AUTH_FIELDS(body_ws_metrics_req),
	STR(body_ws_metrics_req, id, 1, MAX_ID),
	INT(body_ws_metrics_req, since_ms, 1),
	INT(body_ws_metrics_req, limit, 1),
};
const struct schema schema_ws_metrics_req[] = {
	SCHEMA_AUTH("ws_metrics_req", body_ws_metrics_req,
	    ws_metrics_req_fields)
};

static const struct field breaker_fields[] = {
	STR(body_breaker, check, 1, MAX_WORD),
	STR(body_breaker, from, 1, MAX_WORD),
	STR(body_breaker, to, 1, MAX_WORD),
	INT(body_breaker, failures, 1),
	BOOL(body_breaker, required, 1),
	STR(body_breaker, error, 1, MAX_TEXT),
};
const struct schema schema_breaker[] = {
	SCHEMA("breaker", body_breaker, breaker_fields)
};
