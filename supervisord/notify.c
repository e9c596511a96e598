/*
 * Notifications (issue 14 point 4): firing and resolved alerts posted
 * to the webhooks of [notify.NAME] and to Alertmanager.
 *
 * Webhooks go through a durable outbox: a delivery is written to
 * <state_dir>/notify.outbox before its first attempt and rewritten at
 * every change, so one pending when berthd stops is made after it
 * starts again (no database involved).  A delivery keeps its
 * webhook-id across retries.  An attempt that gets no answer, a 5xx,
 * 408 or 429 is retried after an exponential delay with jitter (at
 * least the Retry-After asked for, at most an hour); another 4xx, or
 * notify.max_attempts attempts, mark it failed and raise an event.
 *
 * Alertmanager keeps no state of ours: the firing alerts are sent at
 * each change and every alertmanager.resend_s with endsAt four
 * intervals ahead, and the resolved ones for 15 minutes.
 *
 * berthd resolves the host (evdns, afresh each attempt), builds and
 * signs the request; healthmon only makes the POST (MSG_NOTIFY_SEND,
 * answered by MSG_NOTIFY_DONE) and never sees a secret.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>
#include <jansson.h>

#include "berthd.h"
#include "chan.h"
#include "codec.h"
#include "log.h"
#include "url.h"
#include "utf8.h"
#include "util.h"
#include "xmalloc.h"

#define OUTBOX_FILE	"notify.outbox"	/* in the state directory */
#define OUTBOX_MAX	1000	/* deliveries pending at once */
#define DONE_KEPT	200	/* finished ones, for the list */
#define RETRY_AFTER_MAX	3600	/* seconds: a receiver asks no more */
#define AM_RESOLVED_S	900	/* resolved alerts sent this long */
#define AM_ALERTS_MAX	1000
#define ANSWER_GRACE_MS	5000	/* healthmon's answer, past the timeout */

enum dstate { D_PENDING, D_SENDING, D_DELIVERED, D_FAILED };
static const char *const dstate_names[] = { "pending", "pending",
    "delivered", "failed" };

struct attempt;

struct delivery {
	TAILQ_ENTRY(delivery)	 entry;
	int64_t			 seq;
	char			 id[64];	/* webhook-id */
	char			 receiver[33];
	char			 alert[64];
	char			 event[24];
	char			*body;
	enum dstate		 state;
	int			 attempts;
	int			 status;
	char			 error[256];
	int64_t			 created_ms, next_ms, done_ms;
	struct event		*timer;
	struct attempt		*at;		/* in flight */
};
TAILQ_HEAD(deliveries, delivery);

/* One POST: a delivery's, or one to an Alertmanager (d NULL). */
struct attempt {
	TAILQ_ENTRY(attempt)	 entry;
	int64_t			 seq;
	struct delivery		*d;
	struct url		 u;
	char			*headers, *body;
	struct evdns_base	*dns;
	struct event		*guard;		/* healthmon never answered */
};
TAILQ_HEAD(attempts, attempt);

static struct deliveries outbox = TAILQ_HEAD_INITIALIZER(outbox);
static struct deliveries done = TAILQ_HEAD_INITIALIZER(done);
static struct attempts	 flying = TAILQ_HEAD_INITIALIZER(flying);
static size_t		 npending, ndone;
static int64_t		 last_seq, last_attempt;
static struct event	*am_timer;

static void	attempt_start(struct attempt *);
static void	delivery_result(struct delivery *, int status,
		    long retry_after, const char *error);

/* ------------------------------------------------------------ the file */

static json_t *
delivery_json(const struct delivery *d)
{
	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:i,s:i,s:s,s:I,s:I}",
	    "seq", (json_int_t)d->seq, "id", d->id, "receiver", d->receiver,
	    "alert", d->alert, "event", d->event, "body", d->body,
	    "attempts", d->attempts, "status", d->status, "error", d->error,
	    "created", (json_int_t)d->created_ms, "next",
	    (json_int_t)d->next_ms);
}

/* The pending deliveries, whole, in place of the file's. */
static void
outbox_save(void)
{
	struct delivery	*d;
	json_t		*arr = json_array();

	TAILQ_FOREACH(d, &outbox, entry)
		json_array_append_new(arr, delivery_json(d));
	if (statefile_save(OUTBOX_FILE, arr) == -1)
		log_warnx("notify: pending deliveries would not survive a "
		    "restart");
	json_decref(arr);
}

static void
copy(char *dst, size_t len, json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	snprintf(dst, len, "%s", v != NULL ? v : "");
}

static void	delivery_arm(struct delivery *);

static void
outbox_add_loaded(json_t *o)
{
	struct delivery	*d;
	const char	*body = json_string_value(json_object_get(o, "body"));

	if (body == NULL || npending == OUTBOX_MAX)
		return;
	d = xcalloc(1, sizeof(*d));
	d->seq = json_integer_value(json_object_get(o, "seq"));
	copy(d->id, sizeof(d->id), o, "id");
	copy(d->receiver, sizeof(d->receiver), o, "receiver");
	copy(d->alert, sizeof(d->alert), o, "alert");
	copy(d->event, sizeof(d->event), o, "event");
	copy(d->error, sizeof(d->error), o, "error");
	d->body = xstrdup(body);
	d->attempts = (int)json_integer_value(json_object_get(o, "attempts"));
	d->status = (int)json_integer_value(json_object_get(o, "status"));
	d->created_ms = json_integer_value(json_object_get(o, "created"));
	d->next_ms = (int64_t)wall_ms();	/* at once */
	if (d->seq > last_seq)
		last_seq = d->seq;
	TAILQ_INSERT_TAIL(&outbox, d, entry);
	npending++;
	delivery_arm(d);
}

static void
outbox_load(void)
{
	json_t	*arr, *o;
	size_t	 i;

	if ((arr = statefile_load(OUTBOX_FILE)) == NULL)
		return;
	if (!json_is_array(arr))
		log_warnx("notify: %s is not a list; its deliveries are lost",
		    OUTBOX_FILE);
	json_array_foreach(arr, i, o)
		outbox_add_loaded(o);
	json_decref(arr);
	if (npending > 0)
		log_info("notify: %zu deliveries pending from before the "
		    "restart", npending);
}

/* ------------------------------------------------------------ deliveries */

static const struct notify_cfg *
receiver(const char *name)
{
	size_t	i;

	for (i = 0; i < env->cfg.nnotify; i++)
		if (strcmp(env->cfg.notify[i].name, name) == 0)
			return &env->cfg.notify[i];
	return NULL;
}

static void
delivery_fire(evutil_socket_t fd, short ev, void *arg)
{
	struct delivery		*d = arg;
	const struct notify_cfg	*r = receiver(d->receiver);
	struct attempt		*a;
	char			 sig[128];
	long long		 ts = (long long)time(NULL);
	char			 err[200];

	if (r == NULL || !r->enabled || r->url[0] == '\0') {
		delivery_result(d, -1, -1, "the receiver is no longer "
		    "configured");
		return;
	}
	a = xcalloc(1, sizeof(*a));
	if (url_parse(r->url, &a->u, err, sizeof(err)) == -1) {
		free(a);
		delivery_result(d, -1, -1, err);
		return;
	}
	a->d = d;
	d->at = a;
	d->state = D_SENDING;
	a->body = xstrdup(d->body);
	sig[0] = '\0';
	if (r->secret[0] != '\0')
		notify_sign(r->secret, d->id, ts, d->body, sig, sizeof(sig));
	xasprintf(&a->headers, "Content-Type: application/json\n"
	    "User-Agent: berth/%s\nwebhook-id: %s\nwebhook-timestamp: %lld\n"
	    "%s%s%s", PACKAGE_VERSION, d->id, ts, sig[0] != '\0' ?
	    "webhook-signature: " : "", sig, sig[0] != '\0' ? "\n" : "");
	attempt_start(a);
}

static void
delivery_arm(struct delivery *d)
{
	struct timeval	tv;
	int64_t		wait = d->next_ms - (int64_t)wall_ms();

	if (wait < 0)
		wait = 0;
	if (d->timer == NULL)
		d->timer = evtimer_new(env->base, delivery_fire, d);
	tv.tv_sec = wait / 1000;
	tv.tv_usec = (wait % 1000) * 1000;
	evtimer_add(d->timer, &tv);
}

static void
keep_done(struct delivery *d)
{
	struct delivery	*old;

	TAILQ_REMOVE(&outbox, d, entry);
	npending--;
	if (d->timer != NULL)
		event_free(d->timer);
	d->timer = NULL;
	free(d->body);
	d->body = NULL;
	d->done_ms = (int64_t)wall_ms();
	TAILQ_INSERT_TAIL(&done, d, entry);
	if (++ndone > DONE_KEPT) {
		old = TAILQ_FIRST(&done);
		TAILQ_REMOVE(&done, old, entry);
		free(old);
		ndone--;
	}
}

/* The delay before attempt n+1: 2^(n-1) s capped, jitter down to half,
 * and at least what Retry-After asked (capped at an hour). */
static int64_t
backoff_ms(int attempts, long retry_after)
{
	int64_t	cap = env->cfg.notify_backoff_max_s * 1000, d = 1000;
	int	i;

	for (i = 1; i < attempts && d < cap; i++)
		d *= 2;
	if (d > cap)
		d = cap;
	d = d / 2 + (int64_t)(arc4random_uniform((uint32_t)(d / 2 + 1)));
	if (retry_after > RETRY_AFTER_MAX)
		retry_after = RETRY_AFTER_MAX;
	if (retry_after >= 0 && retry_after * 1000 > d)
		d = retry_after * 1000;
	return d;
}

static int
retryable(int status)
{
	return status == 0 || status == 408 || status == 429 || status >= 500;
}

/* status -1: a failure no retry mends (no receiver, a bad URL). */
static void
delivery_result(struct delivery *d, int status, long retry_after,
    const char *error)
{
	d->at = NULL;
	d->attempts++;
	d->status = status > 0 ? status : 0;
	snprintf(d->error, sizeof(d->error), "%s", error != NULL ? error :
	    "");
	if (status >= 200 && status < 300) {
		d->state = D_DELIVERED;
		d->error[0] = '\0';
		log_info("notify: %s to %s delivered (%d, attempt %d)", d->id,
		    d->receiver, status, d->attempts);
	} else if (status == -1 || !retryable(status) ||
	    d->attempts >= env->cfg.notify_max_attempts) {
		d->state = D_FAILED;
		if (status > 0 && d->error[0] == '\0')
			snprintf(d->error, sizeof(d->error), "answered %d",
			    status);
		event_emit("notify.failed", "error", NULL, "notification %s "
		    "to %s failed after %d attempts: %s", d->id, d->receiver,
		    d->attempts, d->error);
	} else {
		d->state = D_PENDING;
		d->next_ms = (int64_t)wall_ms() + backoff_ms(d->attempts,
		    retry_after);
		if (status > 0)
			snprintf(d->error, sizeof(d->error), "answered %d",
			    status);
		log_info("notify: %s to %s: attempt %d %s; again in %lld ms",
		    d->id, d->receiver, d->attempts, d->error,
		    (long long)(d->next_ms - (int64_t)wall_ms()));
		delivery_arm(d);
	}
	if (d->state == D_DELIVERED || d->state == D_FAILED)
		keep_done(d);
	outbox_save();
}

static int
wanted(const struct notify_cfg *r, const char *severity)
{
	static const char *const order[] = { "info", "warning", "error",
	    "critical" };
	int	i, have = -1, least = 0;

	for (i = 0; i < 4; i++) {
		if (strcmp(order[i], severity) == 0)
			have = i;
		if (strcmp(order[i], r->severity) == 0)
			least = i;
	}
	return r->enabled && r->url[0] != '\0' && have >= least;
}

static void
enqueue(const struct notify_cfg *r, const struct alert_item *it,
    const char *event)
{
	struct delivery	*d;

	if (npending == OUTBOX_MAX) {
		event_emit("notify.failed", "error", NULL, "notification "
		    "outbox full (%d); %s of %s to %s dropped", OUTBOX_MAX,
		    event, it->rule, r->name);
		return;
	}
	d = xcalloc(1, sizeof(*d));
	d->seq = ++last_seq;
	notify_alert_key(it, d->alert, sizeof(d->alert));
	snprintf(d->id, sizeof(d->id), "msg_%lld_%lld_%s_%lld",
	    (long long)it->boot_ms, (long long)it->id, strcmp(event,
	    "alert.resolved") == 0 ? "resolved" : "firing",
	    (long long)d->seq);
	snprintf(d->receiver, sizeof(d->receiver), "%s", r->name);
	snprintf(d->event, sizeof(d->event), "%s", event);
	d->body = notify_body(it, r->format, event, r->name, d->id);
	d->created_ms = d->next_ms = (int64_t)wall_ms();
	TAILQ_INSERT_TAIL(&outbox, d, entry);
	npending++;
	delivery_arm(d);
}

/* ------------------------------------------------------------ attempts */

static void
attempt_free(struct attempt *a)
{
	if (a->guard != NULL)
		event_free(a->guard);
	if (a->dns != NULL)
		evdns_base_free(a->dns, 0);
	free(a->headers);
	free(a->body);
	free(a);
}

static void
attempt_free_cb(evutil_socket_t fd, short ev, void *arg)
{
	attempt_free(arg);
}

/* The attempt's end: a delivery learns how it went; an Alertmanager
 * post is only logged (the next re-send mends it). */
static void
attempt_end(struct attempt *a, int status, long retry_after,
    const char *error)
{
	if (a->seq != 0)
		TAILQ_REMOVE(&flying, a, entry);
	if (a->d != NULL)
		delivery_result(a->d, status, retry_after, error);
	else if (status <= 0)
		log_warnx("notify: alertmanager %s: %s", a->u.host, error);
	else if (status >= 300)
		log_warnx("notify: alertmanager %s answered %d", a->u.host,
		    status);
	/* Not from inside evdns's callback, which still holds it. */
	event_base_once(env->base, -1, EV_TIMEOUT, attempt_free_cb, a, NULL);
}

static void
guard_fired(evutil_socket_t fd, short ev, void *arg)
{
	attempt_end(arg, 0, -1, "no answer from healthmon");
}

static void
send_to(struct attempt *a, const char *addr)
{
	struct wproc			*wp = wproc_by_peer(PEER_HEALTHMON);
	struct body_notify_send		*b;
	struct msg			 m;
	struct timeval			 tv;
	long				 t = env->cfg.notify_timeout_ms;

	if (wp == NULL || wp->chan == NULL || wp->state != WS_UP) {
		attempt_end(a, 0, -1, "healthmon is not running");
		return;
	}
	b = msg_init(&m, MSG_NOTIFY_SEND, 0, PEER_PARENT);
	b->seq = a->seq = ++last_attempt;
	b->tls = a->u.tls;
	b->host = xstrdup(a->u.host);
	b->addr = xstrdup(addr);
	b->port = a->u.port;
	b->path = xstrdup(a->u.path);
	b->headers = xstrdup(a->headers);
	b->body = xstrdup(a->body);
	b->timeout_ms = t;
	if (chan_send(wp->chan, &m) == -1) {
		msg_clear(&m);
		a->seq = 0;
		attempt_end(a, 0, -1, "cannot reach healthmon");
		return;
	}
	msg_clear(&m);
	TAILQ_INSERT_TAIL(&flying, a, entry);
	a->guard = evtimer_new(env->base, guard_fired, a);
	tv.tv_sec = (t + ANSWER_GRACE_MS) / 1000;
	tv.tv_usec = ((t + ANSWER_GRACE_MS) % 1000) * 1000;
	evtimer_add(a->guard, &tv);
}

static void
resolved(int code, struct evutil_addrinfo *res, void *arg)
{
	struct attempt	*a = arg;
	char		 addr[64], err[300];

	if (code != 0 || res == NULL) {
		snprintf(err, sizeof(err), "cannot resolve %s: %s", a->u.host,
		    code != 0 ? evutil_gai_strerror(code) : "no address");
		if (res != NULL)
			evutil_freeaddrinfo(res);
		attempt_end(a, 0, -1, err);
		return;
	}
	if (res->ai_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)
		    res->ai_addr)->sin6_addr, addr, sizeof(addr));
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)
		    res->ai_addr)->sin_addr, addr, sizeof(addr));
	evutil_freeaddrinfo(res);
	send_to(a, addr);
}

/* A numeric host is used as it is; a name is resolved afresh (a new
 * resolver each time: /etc/hosts and resolv.conf as they are now). */
static void
attempt_start(struct attempt *a)
{
	unsigned char	buf[16];

	if (inet_pton(AF_INET, a->u.host, buf) == 1 ||
	    inet_pton(AF_INET6, a->u.host, buf) == 1) {
		send_to(a, a->u.host);
		return;
	}
	if ((a->dns = dns_lookup_tcp(a->u.host, resolved, a)) == NULL)
		attempt_end(a, 0, -1, "cannot set up the resolver "
		    "(/etc/resolv.conf)");
}

/* MSG_NOTIFY_DONE from healthmon. */
void
notify_h_done(const struct caller *c, struct msg *m)
{
	struct body_notify_done	*b = m->body;
	struct attempt		*a;
	char			 err[256];

	TAILQ_FOREACH(a, &flying, entry)
		if (a->seq == b->seq)
			break;
	if (a == NULL)
		return;		/* the guard was first */
	event_free(a->guard);
	a->guard = NULL;
	utf8_format(err, sizeof(err), "%s", b->error);
	attempt_end(a, (int)b->status, (long)b->retry_after_s, err);
}

/* ------------------------------------------------------------ Alertmanager */

static void
am_post(const struct alert_item *items, size_t n)
{
	struct url	 urls[URL_LIST_MAX];
	struct attempt	*a;
	char		 err[200];
	int		 i, nurls;

	if (n == 0 || (nurls = url_list(env->cfg.alertmanager_urls, urls,
	    URL_LIST_MAX, err, sizeof(err))) <= 0)
		return;
	for (i = 0; i < nurls; i++) {
		a = xcalloc(1, sizeof(*a));
		a->u = urls[i];
		snprintf(a->u.path, sizeof(a->u.path), "%s%sapi/v2/alerts",
		    urls[i].path, urls[i].path[strlen(urls[i].path) - 1] ==
		    '/' ? "" : "/");
		a->headers = xstrdup("Content-Type: application/json\n");
		a->body = notify_am_body(items, n, (int64_t)wall_ms(),
		    env->cfg.alertmanager_resend_s);
		attempt_start(a);
	}
}

static void
am_resend(evutil_socket_t fd, short ev, void *arg)
{
	struct body_alerts	*b;
	struct msg		 m;
	struct timeval		 tv;

	b = msg_init(&m, MSG_ALERTS, 0, PEER_PARENT);
	b->items = xcalloc(AM_ALERTS_MAX, sizeof(*b->items));
	b->nitems = alerts_for_alertmanager(b->items, AM_ALERTS_MAX,
	    jobstate_now_ms() - AM_RESOLVED_S * 1000);
	am_post(b->items, b->nitems);
	msg_clear(&m);
	tv.tv_sec = env->cfg.alertmanager_resend_s;
	tv.tv_usec = 0;
	evtimer_add(am_timer, &tv);
}

/* ------------------------------------------------------------ public */

void
notify_alert(const struct alert_item *it, const char *event)
{
	size_t	i, before = npending;

	for (i = 0; i < env->cfg.nnotify; i++)
		if (wanted(&env->cfg.notify[i], it->severity))
			enqueue(&env->cfg.notify[i], it, event);
	if (npending > before)
		outbox_save();	/* on disk before the first attempt */
	am_post(it, 1);
}

void
notify_start(void)
{
	outbox_load();
	am_timer = evtimer_new(env->base, am_resend, NULL);
	/* Soon after start: firing alerts again (none survive a restart
	 * of berthd, but its resolutions of them do). */
	event_active(am_timer, EV_TIMEOUT, 0);
}

void
notify_stop(void)
{
	struct delivery	*d;
	struct attempt	*a;

	if (am_timer != NULL)
		event_free(am_timer);
	am_timer = NULL;
	while ((a = TAILQ_FIRST(&flying)) != NULL) {
		TAILQ_REMOVE(&flying, a, entry);
		if (a->d != NULL)
			a->d->at = NULL;
		attempt_free(a);
	}
	while ((d = TAILQ_FIRST(&outbox)) != NULL) {
		TAILQ_REMOVE(&outbox, d, entry);
		if (d->timer != NULL)
			event_free(d->timer);
		free(d->body);
		free(d);
	}
	while ((d = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, d, entry);
		free(d);
	}
	npending = ndone = 0;
}

static void
item(const struct delivery *d, struct notify_item *it)
{
	it->seq = d->seq;
	it->id = xstrdup(d->id);
	it->receiver = xstrdup(d->receiver);
	it->alert = xstrdup(d->alert);
	it->event = xstrdup(d->event);
	it->state = xstrdup(dstate_names[d->state]);
	it->attempts = d->attempts;
	it->status = d->status;
	it->error = xstrdup(d->error);
	it->created_ms = d->created_ms;
	it->next_ms = d->state == D_PENDING ? d->next_ms : 0;
	it->done_ms = d->done_ms;
}

/* MSG_NOTIFY_REQ (the admin's): pending, then finished, newest first. */
void
notify_h_list(const struct caller *c, struct msg *m)
{
	struct body_notify_req	*q = m->body;
	struct body_notifies	*b;
	struct delivery		*d;
	struct msg		 r;
	size_t			 max = q->limit > 0 && q->limit <= 1000 ?
				    (size_t)q->limit : 100;

	b = msg_init(&r, MSG_NOTIFIES, 0, PEER_PARENT);
	b->items = xcalloc(max, sizeof(*b->items));
	TAILQ_FOREACH_REVERSE(d, &outbox, deliveries, entry)
		if (b->nitems < max)
			item(d, &b->items[b->nitems++]);
	TAILQ_FOREACH_REVERSE(d, &done, deliveries, entry)
		if (b->nitems < max)
			item(d, &b->items[b->nitems++]);
	caller_reply(c, &r);
	msg_clear(&r);
}
