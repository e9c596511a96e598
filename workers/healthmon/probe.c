/*
 * Workspace endpoint prober for the health monitor: measures when a
 * freshly started workspace first answers HTTP.  For each key it
 * connects again and again to a numeric address (never a name: the
 * confined worker has no resolver), sends "GET <path> HTTP/1.0" and
 * reads only the status line; 200-399 means up, as with curl -f.
 * Attempts are dense at first and then back off (schedule[]), one at
 * a time per key, each abandoned after ATTEMPT_MS.  Each key has one
 * timer, armed for whichever comes first of its next attempt, the
 * timeout of the attempt in flight and its own deadline.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "log.h"
#include "probe.h"
#include "util.h"
#include "xmalloc.h"

#define PROBE_KEYSZ	128	/* key and its NUL */
#define PROBE_PATHSZ	256	/* path and its NUL */
#define STATUS_MAX	1024	/* status line, line end included */
#define ATTEMPT_MS	1000	/* how long one attempt may take */

/* Time between the starts of two attempts, by how long the key had been
 * probed when the earlier one started: most workspaces come up within
 * seconds, so look closely then and back off for the slow ones. */
static const struct {
	uint64_t	until_ms;
	uint64_t	gap_ms;
} schedule[] = {
	{ 5000, 20 },
	{ 15000, 50 },
	{ 60000, 250 },
	{ UINT64_MAX, 1000 },
};

/* Where to send the request, checked and formatted once. */
struct probe_addr {
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	char			 hostport[INET6_ADDRSTRLEN + 8]; /* Host: */
	char			 path[PROBE_PATHSZ];
};

struct probe {
	TAILQ_ENTRY(probe)	 entry;
	struct probe_set	*set;
	char			 key[PROBE_KEYSZ];
	struct probe_addr	 addr;
	/* Monotonic: probe_start, give up, latest and next attempt. */
	uint64_t		 start_ms, deadline_ms;
	uint64_t		 attempt_ms, next_ms;
	unsigned		 attempts;
	int			 once;		/* one attempt decides */
	struct bufferevent	*bev;		/* in flight, or NULL */
	struct event		*timer;
	char			 why[64];	/* the last failure */
};
TAILQ_HEAD(probeq, probe);

struct probe_set {
	struct event_base	*base;
	probe_ok_cb		 ok;
	probe_fail_cb		 fail;
	void			*arg;
	struct probeq		 probes;
	size_t			 n;
};

static void	attempt_failed(struct probe *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	probe_up(struct probe *, uint64_t);
static int	probe_add(struct probe_set *, const char *, const char *, int,
		    const char *, uint64_t, int);

static uint64_t
gap_ms(uint64_t elapsed)
{
	size_t	i;

	for (i = 0; elapsed >= schedule[i].until_ms; i++)
		;
	return schedule[i].gap_ms;
}

static struct probe *
probe_find(const struct probe_set *s, const char *key)
{
	struct probe	*p;

	TAILQ_FOREACH(p, &s->probes, entry)
		if (strcmp(p->key, key) == 0)
			return p;
	return NULL;
}

/* ------------------------------------------------------------ arguments */

static int
valid_path(const char *path)
{
	size_t	i;

	if (path[0] != '/')
		return 0;
	for (i = 0; path[i] != '\0'; i++)
		if (i >= PROBE_PATHSZ - 1 || path[i] <= ' ' || path[i] > '~')
			return 0;
	return 1;
}

/* Fill a from numeric host, port and path; NULL, or what is wrong.
 * The Host header gets the address as inet_ntop writes it. */
static const char *
addr_parse(struct probe_addr *a, const char *host, int port,
    const char *path)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&a->ss;
	char			 ip[INET6_ADDRSTRLEN];

	if (port < 1 || port > 65535)
		return "port out of range";
	if (path == NULL || !valid_path(path))
		return "bad path";
	memset(a, 0, sizeof(*a));
	if (host == NULL)
		return "no host";
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		a->sslen = sizeof(*sin);
		inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
		snprintf(a->hostport, sizeof(a->hostport), "%s:%d", ip, port);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		a->sslen = sizeof(*sin6);
		inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
		/* RFC 7230: an IPv6 literal goes in brackets. */
		snprintf(a->hostport, sizeof(a->hostport), "[%s]:%d", ip,
		    port);
	} else
		return "host is not a numeric IPv4 or IPv6 address";
	memcpy(a->path, path, strlen(path) + 1);	/* valid_path: fits */
	return NULL;
}

/* ------------------------------------------------------------- attempts */

/* Wake up for the timeout of the attempt in flight, or else for the
 * next attempt; for the deadline if that comes first. */
static void
probe_arm(struct probe *p)
{
	struct timeval	tv;
	uint64_t	when, now = now_ms();

	when = p->bev != NULL ? p->attempt_ms + ATTEMPT_MS : p->next_ms;
	if (when > p->deadline_ms)
		when = p->deadline_ms;
	when = when > now ? when - now : 0;
	tv.tv_sec = (time_t)(when / 1000);
	tv.tv_usec = (suseconds_t)(when % 1000) * 1000;
	evtimer_add(p->timer, &tv);
}

static void
attempt_close(struct probe *p)
{
	if (p->bev != NULL)
		bufferevent_free(p->bev);
	p->bev = NULL;
}

/* The attempt failed: remember why and wait for the next one. */
static void
attempt_failed(struct probe *p, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(p->why, sizeof(p->why), fmt, ap);
	va_end(ap);
	attempt_close(p);
	if (p->once)
		p->deadline_ms = now_ms();	/* down at the next tick */
	probe_arm(p);
}

/* Short lower-case words for the usual errors, strerror for the rest. */
static void
attempt_error(struct probe *p, int e)
{
	switch (e) {
	case ECONNREFUSED:
		attempt_failed(p, "connection refused");
		break;
	case ECONNRESET:
		attempt_failed(p, "connection reset");
		break;
	case 0:
		attempt_failed(p, "connection failed");
		break;
	default:
		attempt_failed(p, "%s", strerror(e));
		break;
	}
}

/* "HTTP/1.x NNN" and then a space or the end: NNN, else -1. */
static int
parse_status(const char *line, size_t len)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len < 12 || memcmp(line, "HTTP/1.", 7) != 0 ||
	    line[7] < '0' || line[7] > '9' || line[8] != ' ')
		return -1;
	if (line[9] < '1' || line[9] > '9' || line[10] < '0' ||
	    line[10] > '9' || line[11] < '0' || line[11] > '9')
		return -1;
	if (len > 12 && line[12] != ' ')
		return -1;
	return (line[9] - '0') * 100 + (line[10] - '0') * 10 + line[11] - '0';
}

/* Called on each read; the high watermark keeps the input at STATUS_MAX
 * at most.  A lone LF ends the line too, as curl allows. */
static void
attempt_read(struct bufferevent *bev, void *arg)
{
	struct probe	*p = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	uint64_t	 at = wall_ms();
	size_t		 len = evbuffer_get_length(in);
	const char	*buf, *eol;
	int		 code;

	buf = (const char *)evbuffer_pullup(in, -1);
	if (buf == NULL || (eol = memchr(buf, '\n', len)) == NULL) {
		if (len >= STATUS_MAX)
			attempt_failed(p, "status line too long");
		return;
	}
	if ((code = parse_status(buf, (size_t)(eol - buf))) == -1)
		attempt_failed(p, "bad status line");
	else if (code < 200 || code > 399)
		attempt_failed(p, "HTTP %d", code);
	else
		probe_up(p, at);
}

static void
attempt_event(struct bufferevent *bev, short what, void *arg)
{
	struct probe	*p = arg;
	int		 e = errno;	/* as the failing call left it */

	if (what & BEV_EVENT_CONNECTED)
		return;
	if (what & BEV_EVENT_EOF)
		attempt_failed(p, "connection closed");
	else
		attempt_error(p, e);
}

static void
attempt_start(struct probe *p, uint64_t now)
{
	struct bufferevent	*bev;
	int			 e;

	p->attempt_ms = now;
	p->next_ms = now + gap_ms(now - p->start_ms);
	p->attempts++;
	bev = bufferevent_socket_new(p->set->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		log_warnx("probe: %s: bufferevent_socket_new failed", p->key);
		attempt_failed(p, "out of memory");
		return;
	}
	/* Callbacks only once the connect is under way: a connect that
	 * fails at once may run the event callback from within
	 * bufferevent_socket_connect(); it is handled here instead. */
	if (bufferevent_socket_connect(bev, (struct sockaddr *)&p->addr.ss,
	    (int)p->addr.sslen) == -1) {
		e = errno;
		bufferevent_free(bev);
		attempt_error(p, e);
		return;
	}
	bufferevent_setcb(bev, attempt_read, NULL, attempt_event, p);
	bufferevent_setwatermark(bev, EV_READ, 0, STATUS_MAX);
	evbuffer_add_printf(bufferevent_get_output(bev),
	    "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: berth-healthmon\r\n"
	    "Connection: close\r\n\r\n", p->addr.path, p->addr.hostport);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	p->bev = bev;
}

/* ----------------------------------------------------------------- keys */

static void
probe_drop(struct probe_set *s, struct probe *p)
{
	TAILQ_REMOVE(&s->probes, p, entry);
	s->n--;
	attempt_close(p);
	event_free(p->timer);
	free(p);
}

/* Up: drop the key first, so the callback may do anything. */
static void
probe_up(struct probe *p, uint64_t at)
{
	struct probe_set	*s = p->set;
	probe_ok_cb		 cb = s->ok;
	void			*arg = s->arg;
	char			 key[PROBE_KEYSZ];

	log_debug("probe: %s up after %u attempts, %llu ms", p->key,
	    p->attempts, (unsigned long long)(now_ms() - p->start_ms));
	memcpy(key, p->key, sizeof(key));
	probe_drop(s, p);
	cb(key, at, arg);
}

/* Out of time: likewise.  why is how the latest attempt to end failed,
 * "timeout" when none ended. */
static void
probe_down(struct probe *p)
{
	struct probe_set	*s = p->set;
	probe_fail_cb		 cb = s->fail;
	void			*arg = s->arg;
	char			 key[PROBE_KEYSZ], why[sizeof(p->why)];

	log_debug("probe: %s not up after %u attempts: %s", p->key,
	    p->attempts, p->why);
	memcpy(key, p->key, sizeof(key));
	memcpy(why, p->why, sizeof(why));
	probe_drop(s, p);
	cb(key, why, arg);
}

static void
probe_tick(evutil_socket_t fd, short events, void *arg)
{
	struct probe	*p = arg;
	uint64_t	 now = now_ms();

	if (now >= p->deadline_ms) {
		probe_down(p);
		return;
	}
	if (p->bev != NULL && now - p->attempt_ms >= ATTEMPT_MS)
		attempt_failed(p, "timeout");
	if (p->bev == NULL && now >= p->next_ms)
		attempt_start(p, now);
	probe_arm(p);
}

/* ----------------------------------------------------------------- API */

struct probe_set *
probe_set_new(struct event_base *base, probe_ok_cb ok, probe_fail_cb fail,
    void *arg)
{
	struct probe_set	*s;

	s = xcalloc(1, sizeof(*s));
	s->base = base;
	s->ok = ok;
	s->fail = fail;
	s->arg = arg;
	TAILQ_INIT(&s->probes);
	return s;
}

/* A key already probed keeps its start, attempt in flight and deadline
 * (timeout_ms is then ignored); its next attempt uses the new address. */
int
probe_start(struct probe_set *s, const char *key, const char *host,
    int port, const char *path, uint64_t timeout_ms)
{
	return probe_add(s, key, host, port, path, timeout_ms, 0);
}

int
probe_once(struct probe_set *s, const char *key, const char *host,
    int port, const char *path, uint64_t timeout_ms)
{
	return probe_add(s, key, host, port, path, timeout_ms, 1);
}

static int
probe_add(struct probe_set *s, const char *key, const char *host,
    int port, const char *path, uint64_t timeout_ms, int once)
{
	struct probe_addr	 a;
	struct probe		*p;
	const char		*errstr;
	uint64_t		 now = now_ms();

	if (key == NULL || key[0] == '\0' || strlen(key) >= PROBE_KEYSZ) {
		log_warnx("probe: key empty or over %d bytes",
		    PROBE_KEYSZ - 1);
		return -1;
	}
	if ((errstr = addr_parse(&a, host, port, path)) != NULL) {
		log_warnx("probe: %s: %s", key, errstr);
		return -1;
	}
	if ((p = probe_find(s, key)) != NULL) {
		p->addr = a;
		return 0;
	}
	if (s->n >= PROBE_MAX) {
		log_warnx("probe: %s: already %d keys", key, PROBE_MAX);
		return -1;
	}
	p = xcalloc(1, sizeof(*p));
	p->set = s;
	p->once = once;
	memcpy(p->key, key, strlen(key) + 1);
	p->addr = a;
	p->start_ms = p->next_ms = now;
	p->deadline_ms = timeout_ms > UINT64_MAX - now ? UINT64_MAX :
	    now + timeout_ms;
	/* Giving up before any attempt ended: the one in flight is late. */
	snprintf(p->why, sizeof(p->why), "timeout");
	if ((p->timer = evtimer_new(s->base, probe_tick, p)) == NULL)
		fatalx("probe: evtimer_new failed");
	TAILQ_INSERT_TAIL(&s->probes, p, entry);
	s->n++;
	probe_arm(p);
	return 0;
}

void
probe_stop(struct probe_set *s, const char *key)
{
	struct probe	*p;

	if ((p = probe_find(s, key)) != NULL)
		probe_drop(s, p);
}

size_t
probe_count(const struct probe_set *s)
{
	return s->n;
}

void
probe_set_free(struct probe_set *s)
{
	struct probe	*p;

	if (s == NULL)
		return;
	while ((p = TAILQ_FIRST(&s->probes)) != NULL)
		probe_drop(s, p);
	free(s);
}
