/*
 * Notification posts for berthd (MSG_NOTIFY_SEND): one HTTP or HTTPS
 * POST to a numeric address berthd resolved, with the headers and body
 * berthd built and signed; the status and any Retry-After go back in
 * MSG_NOTIFY_DONE.  libevent's HTTP client over an OpenSSL
 * bufferevent; the TLS roots (the system's bundle and
 * BERTH_NOTIFY_CA_FILE) are loaded by post_init() before healthmon
 * confines itself, and each certificate is checked against the URL's
 * host name.  Nothing here waits: every post has its own deadline.
 */
#include <sys/types.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "codec.h"
#include "log.h"
#include "post.h"
#include "url.h"
#include "utf8.h"
#include "worker.h"
#include "xmalloc.h"

#define SYSTEM_ROOTS	"/etc/ssl/certs/ca-certificates.crt"
#define MAX_ANSWER	65536	/* a receiver's answer is not read further */

struct post {
	struct worker			*w;
	int64_t				 seq;
	struct evhttp_connection	*evcon;
	SSL				*ssl;		/* https: the bev's */
	char				 error[200];
};

static SSL_CTX	*ctx;

void
post_init(void)
{
	const char	*ca = getenv("BERTH_NOTIFY_CA_FILE");

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		log_warnx("notify: no TLS context; https receivers fail");
		return;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_load_verify_locations(ctx, SYSTEM_ROOTS, NULL) != 1)
		log_debug("notify: no system TLS roots in %s", SYSTEM_ROOTS);
	if (ca != NULL && *ca != '\0' &&
	    SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1)
		log_warnx("notify: cannot load TLS roots from %s", ca);
	ERR_clear_error();
}

static void
answer(struct post *p, int status, long retry_after, const char *error)
{
	struct body_notify_done	*b;
	struct msg		 m;

	b = msg_init(&m, MSG_NOTIFY_DONE, 0, PEER_PARENT);
	b->seq = p->seq;
	b->status = status;
	b->retry_after_s = retry_after;
	b->error = xstrdup(error != NULL ? error : "");
	worker_send(p->w, &m);
	msg_clear(&m);
}

/* Retry-After: seconds, or an HTTP date; -1 when absent or neither. */
static long
retry_after(struct evhttp_request *req)
{
	const char	*v;
	struct tm	 tm;
	char		*end;
	long		 n;
	time_t		 t;

	v = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Retry-After");
	if (v == NULL)
		return -1;
	n = strtol(v, &end, 10);
	if (end != v && *end == '\0' && n >= 0)
		return n;
	memset(&tm, 0, sizeof(tm));
	if (strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm) == NULL)
		return -1;
	t = timegm(&tm) - time(NULL);
	return t > 0 ? (long)t : 0;
}

static void
on_error(enum evhttp_request_error e, void *arg)
{
	struct post		*p = arg;
	struct bufferevent	*bev = evhttp_connection_get_bufferevent(
				    p->evcon);
	unsigned long		 ssl = bev != NULL && p->ssl != NULL ?
				    bufferevent_get_openssl_error(bev) : 0;
	long			 v = p->ssl != NULL ?
				    SSL_get_verify_result(p->ssl) : X509_V_OK;

	if (v != X509_V_OK)
		snprintf(p->error, sizeof(p->error), "TLS: the receiver's "
		    "certificate: %s", X509_verify_cert_error_string(v));
	else if (ssl != 0)
		snprintf(p->error, sizeof(p->error), "TLS: %s",
		    ERR_reason_error_string(ssl) != NULL ?
		    ERR_reason_error_string(ssl) : "handshake failed");
	else
		snprintf(p->error, sizeof(p->error), "%s",
		    e == EVREQ_HTTP_TIMEOUT ? "timed out" :
		    e == EVREQ_HTTP_EOF ? "connection closed without an "
		    "answer" : e == EVREQ_HTTP_INVALID_HEADER ?
		    "malformed answer" : e == EVREQ_HTTP_DATA_TOO_LONG ?
		    "answer too long" : "connection failed");
	ERR_clear_error();
}

static void
on_response(struct evhttp_request *req, void *arg)
{
	struct post	*p = arg;
	int		 code = req != NULL ?
			    evhttp_request_get_response_code(req) : 0;

	if (code == 0)
		answer(p, 0, -1, p->error[0] != '\0' ? p->error :
		    "connection failed");
	else
		answer(p, code, retry_after(req), NULL);
	free(p);	/* the connection frees itself (on completion) */
}

/* "Name: value" lines into the request's headers; 0, or -1. */
static int
add_headers(struct evkeyvalq *h, const char *lines)
{
	char	*copy = xstrdup(lines), *line, *next, *colon;
	int	 rc = 0;

	for (line = copy; rc == 0 && *line != '\0'; line = next) {
		next = line + strcspn(line, "\n");
		if (*next == '\n')
			*next++ = '\0';
		if ((colon = strchr(line, ':')) == NULL || colon == line ||
		    strchr(line, '\r') != NULL) {
			rc = -1;
			break;
		}
		*colon++ = '\0';
		colon += strspn(colon, " ");
		rc = evhttp_add_header(h, line, colon);
	}
	free(copy);
	return rc;
}

static struct bufferevent *
tls_bev(struct event_base *base, const char *host)
{
	struct bufferevent	*bev;
	unsigned char		 ip[16];
	SSL			*ssl;

	if (ctx == NULL || (ssl = SSL_new(ctx)) == NULL)
		return NULL;
	if (inet_pton(AF_INET, host, ip) == 1 ||
	    inet_pton(AF_INET6, host, ip) == 1)
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host);
	else {
		SSL_set_tlsext_host_name(ssl, host);
		X509_VERIFY_PARAM_set1_host(SSL_get0_param(ssl), host, 0);
	}
	bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE |
	    BEV_OPT_DEFER_CALLBACKS);
	if (bev == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

static void
fail(struct worker *w, int64_t seq, const char *why)
{
	struct post	p = { w, seq, NULL, NULL, "" };

	answer(&p, 0, -1, why);
}

void
post_send(struct worker *w, const struct body_notify_send *b)
{
	struct evhttp_request	*req;
	struct bufferevent	*bev = NULL;
	struct post		*p;
	struct timeval		 tv;
	struct url		 u;
	char			 authority[300];

	if (b->port < 1 || b->port > 65535 || b->path[0] != '/') {
		fail(w, b->seq, "bad request from berthd");
		return;
	}
	if (b->tls && (bev = tls_bev(w->base, b->host)) == NULL) {
		fail(w, b->seq, "cannot set up TLS");
		return;
	}
	p = xcalloc(1, sizeof(*p));
	p->w = w;
	p->seq = b->seq;
	p->ssl = bev != NULL ? bufferevent_openssl_get_ssl(bev) : NULL;
	p->evcon = evhttp_connection_base_bufferevent_new(w->base, NULL, bev,
	    b->addr, (unsigned short)b->port);
	if (p->evcon == NULL) {
		if (bev != NULL)
			bufferevent_free(bev);
		free(p);
		fail(w, b->seq, "cannot set up the connection");
		return;
	}
	tv.tv_sec = b->timeout_ms / 1000;
	tv.tv_usec = (b->timeout_ms % 1000) * 1000;
	evhttp_connection_set_timeout_tv(p->evcon, &tv);
	evhttp_connection_set_retries(p->evcon, 0);
	evhttp_connection_set_max_body_size(p->evcon, MAX_ANSWER);
	evhttp_connection_free_on_completion(p->evcon);
	req = evhttp_request_new(on_response, p);
	evhttp_request_set_error_cb(req, on_error);
	memset(&u, 0, sizeof(u));
	u.tls = b->tls;
	u.port = (int)b->port;
	snprintf(u.host, sizeof(u.host), "%s", b->host);
	url_authority(&u, authority, sizeof(authority));
	if (evhttp_add_header(evhttp_request_get_output_headers(req), "Host",
	    authority) == -1 || add_headers(evhttp_request_get_output_headers(
	    req), b->headers) == -1) {
		evhttp_request_free(req);
		evhttp_connection_free(p->evcon);
		free(p);
		fail(w, b->seq, "bad headers from berthd");
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Connection", "close");
	evbuffer_add(evhttp_request_get_output_buffer(req), b->body,
	    strlen(b->body));
	if (evhttp_make_request(p->evcon, req, EVHTTP_REQ_POST, b->path) ==
	    -1) {
		/* evhttp freed the request; the connection goes with it. */
		free(p);
		fail(w, b->seq, "cannot send the request");
	}
}
