/*
 * What a notification says (issue 14 point 4): seed 001's payload
 * ("berth"), Alertmanager's webhook v4 payload ("alertmanager", so
 * receivers written for Alertmanager work), the alerts of POST
 * /api/v2/alerts, and the Standard Webhooks signature.  Pure
 * functions of their arguments; notify.c sends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <nettle/base64.h>
#include <nettle/hmac.h>

#include "berthd.h"
#include "util.h"
#include "xmalloc.h"

#define ZERO_TIME	"0001-01-01T00:00:00Z"	/* Go's zero, "no end" */

static json_t *
stamp(int64_t ms)
{
	char	buf[40];

	return json_string(iso8601_ms((uint64_t)(ms > 0 ? ms : 0), buf,
	    sizeof(buf)));
}

void
notify_alert_key(const struct alert_item *it, char *out, size_t len)
{
	snprintf(out, len, "berthd:%lld:%lld", (long long)it->boot_ms,
	    (long long)it->id);
}

static json_t *
labels(const struct alert_item *it)
{
	json_t	*l = json_pack("{s:s,s:s,s:s}", "alertname", it->rule,
	    "severity", it->severity, "service", "berth");

	if (it->workspace_id[0] != '\0')
		json_object_set_new(l, "workspace", json_string(
		    it->workspace_id));
	if (it->user_id[0] != '\0')
		json_object_set_new(l, "user", json_string(it->user_id));
	return l;
}

static json_t *
annotations(const struct alert_item *it)
{
	json_t	*a = json_pack("{s:s}", "summary", it->message);

	if (it->resolution[0] != '\0')
		json_object_set_new(a, "resolution", json_string(
		    it->resolution));
	return a;
}

/* Alertmanager's fingerprint is a hash of the label set; any stable
 * one serves a receiver: FNV-1a over the sorted pairs. */
static void
fingerprint(json_t *l, char out[17])
{
	const char	*keys[8], *k, *t;
	json_t		*v;
	uint64_t	 h = 1469598103934665603ULL;
	size_t		 n = 0, i, j;

	json_object_foreach(l, k, v)
		if (n < 8)
			keys[n++] = k;
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
			t = keys[j];
			keys[j] = keys[j - 1];
			keys[j - 1] = t;
		}
	for (i = 0; i < n; i++) {
		for (t = keys[i]; *t != '\0'; t++)
			h = (h ^ (unsigned char)*t) * 1099511628211ULL;
		for (t = json_string_value(json_object_get(l, keys[i]));
		    t != NULL && *t != '\0'; t++)
			h = (h ^ (unsigned char)*t) * 1099511628211ULL;
		h = (h ^ 0xff) * 1099511628211ULL;
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

static const char *
status_of(const struct alert_item *it)
{
	return strcmp(it->state, "resolved") == 0 ? "resolved" : "firing";
}

/* Seed 001's: the alert's id, type, message, severity, time, its data
 * and the service. */
static json_t *
body_berth(const struct alert_item *it, const char *event, const char *id)
{
	char	key[64];

	notify_alert_key(it, key, sizeof(key));
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:{s:s,s:s,s:s,s:f,s:f,"
	    "s:s,s:s,s:o,s:o,s:s,s:s},s:s}",
	    "id", id, "alertId", key, "type", event, "message", it->message,
	    "severity", it->severity, "timestamp", stamp(strcmp(event,
	    "alert.resolved") == 0 ? it->resolved_ms : it->fired_ms),
	    "data", "rule", it->rule, "state", status_of(it), "metric",
	    it->metric, "value", it->value, "threshold", it->threshold,
	    "workspaceId", it->workspace_id, "userId", it->user_id,
	    "startsAt", stamp(it->fired_ms > 0 ? it->fired_ms :
	    it->since_ms), "resolvedAt", it->resolved_ms > 0 ?
	    stamp(it->resolved_ms) : json_null(), "resolvedBy",
	    it->resolved_by, "resolution", it->resolution,
	    "service", "berth");
}

/* Alertmanager's webhook v4: one group of one alert. */
static json_t *
body_v4(const struct alert_item *it, const char *receiver)
{
	json_t	*l = labels(it), *alert;
	char	 fp[17], gk[160];
	int	 resolved = strcmp(status_of(it), "resolved") == 0;

	fingerprint(l, fp);
	snprintf(gk, sizeof(gk), "{}:{alertname=\"%s\"}", it->rule);
	alert = json_pack("{s:s,s:O,s:o,s:o,s:s,s:s,s:s}", "status",
	    status_of(it), "labels", l, "annotations", annotations(it),
	    "startsAt", stamp(it->fired_ms > 0 ? it->fired_ms :
	    it->since_ms), "endsAt", resolved ? "" : ZERO_TIME,
	    "generatorURL", "", "fingerprint", fp);
	if (resolved)
		json_object_set_new(alert, "endsAt", stamp(it->resolved_ms));
	return json_pack("{s:s,s:s,s:i,s:s,s:s,s:{s:s},s:o,s:o,s:s,s:[o]}",
	    "version", "4", "groupKey", gk, "truncatedAlerts", 0,
	    "status", status_of(it), "receiver", receiver,
	    "groupLabels", "alertname", it->rule, "commonLabels", l,
	    "commonAnnotations", annotations(it), "externalURL", "",
	    "alerts", alert);
}

char *
notify_body(const struct alert_item *it, const char *format,
    const char *event, const char *receiver, const char *id)
{
	json_t	*j;
	char	*s;

	j = strcmp(format, "alertmanager") == 0 ? body_v4(it, receiver) :
	    body_berth(it, event, id);
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return s;
}

/* POST /api/v2/alerts: each firing alert ends four re-sends ahead
 * unless sent again; a resolved one ends when it was resolved. */
char *
notify_am_body(const struct alert_item *items, size_t n, int64_t now_ms,
    long resend_s)
{
	json_t	*arr = json_array(), *a;
	char	*s;
	size_t	 i;

	for (i = 0; i < n; i++) {
		const struct alert_item *it = &items[i];
		int64_t end = strcmp(status_of(it), "resolved") == 0 ?
		    (it->resolved_ms < now_ms ? it->resolved_ms : now_ms) :
		    now_ms + 4 * 1000 * (int64_t)resend_s;

		a = json_pack("{s:o,s:o,s:o,s:o}", "labels", labels(it),
		    "annotations", annotations(it), "startsAt",
		    stamp(it->fired_ms > 0 ? it->fired_ms : it->since_ms),
		    "endsAt", stamp(end));
		json_array_append_new(arr, a);
	}
	s = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	return s;
}

/*
 * Standard Webhooks: "v1," and the base64 HMAC-SHA256 of
 * "id.timestamp.body" under the secret (the bytes after "whsec_"
 * base64-decoded, else the secret's own bytes).
 */
void
notify_sign(const char *secret, const char *id, long long ts,
    const char *body, char *out, size_t len)
{
	struct hmac_sha256_ctx		 h;
	struct base64_decode_ctx	 dc;
	uint8_t				 key[512], mac[SHA256_DIGEST_SIZE];
	char				 b64[BASE64_ENCODE_RAW_LENGTH(
					    SHA256_DIGEST_SIZE) + 1], tsbuf[24];
	size_t				 klen = sizeof(key);

	if (strncmp(secret, "whsec_", 6) == 0) {
		base64_decode_init(&dc);
		if (!base64_decode_update(&dc, &klen, key, strlen(secret + 6),
		    secret + 6) || !base64_decode_final(&dc))
			klen = 0;
	} else {
		klen = strlen(secret) < sizeof(key) ? strlen(secret) :
		    sizeof(key);
		memcpy(key, secret, klen);
	}
	snprintf(tsbuf, sizeof(tsbuf), "%lld", ts);
	hmac_sha256_set_key(&h, klen, key);
	hmac_sha256_update(&h, strlen(id), (const uint8_t *)id);
	hmac_sha256_update(&h, 1, (const uint8_t *)".");
	hmac_sha256_update(&h, strlen(tsbuf), (const uint8_t *)tsbuf);
	hmac_sha256_update(&h, 1, (const uint8_t *)".");
	hmac_sha256_update(&h, strlen(body), (const uint8_t *)body);
	hmac_sha256_digest(&h, sizeof(mac), mac);
	base64_encode_raw(b64, sizeof(mac), mac);
	b64[sizeof(b64) - 1] = '\0';
	snprintf(out, len, "v1,%s", b64);
	explicit_bzero(key, sizeof(key));
}
