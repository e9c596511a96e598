/*
 * The notification tests' webhook receiver (receiver.h): libevent's
 * HTTP server, with an OpenSSL bufferevent for HTTPS, in a thread.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <openssl/ssl.h>

#include "harness.h"
#include "receiver.h"
#include "util.h"

struct receiver {
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	struct event_base	*base;
	struct evhttp		*http;
	SSL_CTX			*ctx;
	int			 port;
	int			 script[16], nscript, next, dflt;
	struct rcv_hit		 hits[RCV_MAX];
	int			 nhits;
};

static void
copy_header(struct evhttp_request *req, const char *name, char *out,
    size_t len)
{
	const char *v = evhttp_find_header(evhttp_request_get_input_headers(
	    req), name);

	snprintf(out, len, "%s", v != NULL ? v : "");
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct receiver	*r = arg;
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	struct rcv_hit	*h;
	size_t		 n = evbuffer_get_length(in);
	int		 status;

	pthread_mutex_lock(&r->lock);
	status = r->next < r->nscript ? r->script[r->next++] : r->dflt;
	if (r->nhits < RCV_MAX) {
		h = &r->hits[r->nhits++];
		snprintf(h->path, sizeof(h->path), "%s",
		    evhttp_request_get_uri(req));
		copy_header(req, "webhook-id", h->id, sizeof(h->id));
		copy_header(req, "webhook-timestamp", h->ts, sizeof(h->ts));
		copy_header(req, "webhook-signature", h->sig, sizeof(h->sig));
		h->body = calloc(1, n + 1);
		evbuffer_copyout(in, h->body, n);
		h->status = status;
		h->at_ms = now_ms();
	}
	pthread_mutex_unlock(&r->lock);
	if (status == 429)
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", "1");
	evhttp_send_reply(req, status, status < 300 ? "OK" : "Not now",
	    NULL);
}

static struct bufferevent *
tls_bev(struct event_base *base, void *arg)
{
	struct receiver *r = arg;

	return bufferevent_openssl_socket_new(base, -1, SSL_new(r->ctx),
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
}

static void *
loop(void *arg)
{
	struct receiver *r = arg;

	event_base_dispatch(r->base);
	return NULL;
}

struct receiver *
rcv_start(const char *cert, const char *key)
{
	struct receiver	*r = calloc(1, sizeof(*r));

	evthread_use_pthreads();
	pthread_mutex_init(&r->lock, NULL);
	r->dflt = 200;
	cr_assert_not_null(r->base = event_base_new());
	cr_assert_not_null(r->http = evhttp_new(r->base));
	if (cert != NULL) {
		cr_assert_not_null(r->ctx = SSL_CTX_new(TLS_server_method()));
		cr_assert_eq(SSL_CTX_use_certificate_chain_file(r->ctx, cert),
		    1, "%s", cert);
		cr_assert_eq(SSL_CTX_use_PrivateKey_file(r->ctx, key,
		    SSL_FILETYPE_PEM), 1, "%s", key);
		evhttp_set_bevcb(r->http, tls_bev, r);
	}
	evhttp_set_gencb(r->http, on_request, r);
	r->port = harness_free_port();
	cr_assert_eq(evhttp_bind_socket(r->http, "127.0.0.1",
	    (uint16_t)r->port), 0);
	(void)evhttp_bind_socket(r->http, "::1", (uint16_t)r->port);
	cr_assert_eq(pthread_create(&r->thread, NULL, loop, r), 0);
	return r;
}

int
rcv_port(struct receiver *r)
{
	return r->port;
}

void
rcv_script(struct receiver *r, const int *statuses, int n, int dflt)
{
	pthread_mutex_lock(&r->lock);
	if (n > 0)
		memcpy(r->script, statuses, (size_t)n * sizeof(*statuses));
	r->nscript = n;
	r->next = 0;
	r->dflt = dflt;
	pthread_mutex_unlock(&r->lock);
}

int
rcv_hit(struct receiver *r, int i, struct rcv_hit *out)
{
	int	ok;

	pthread_mutex_lock(&r->lock);
	if ((ok = i < r->nhits)) {
		*out = r->hits[i];
		out->body = strdup(r->hits[i].body);
	}
	pthread_mutex_unlock(&r->lock);
	return ok;
}

int
rcv_count(struct receiver *r)
{
	int	n;

	pthread_mutex_lock(&r->lock);
	n = r->nhits;
	pthread_mutex_unlock(&r->lock);
	return n;
}

int
rcv_wait(struct receiver *r, int n, int timeout_ms)
{
	int	waited;

	for (waited = 0; rcv_count(r) < n && waited < timeout_ms;
	    waited += 100)
		sleep_ms(100);
	return rcv_count(r);
}

void
rcv_stop(struct receiver *r)
{
	int	i;

	event_base_loopexit(r->base, NULL);
	pthread_join(r->thread, NULL);
	evhttp_free(r->http);
	event_base_free(r->base);
	if (r->ctx != NULL)
		SSL_CTX_free(r->ctx);
	for (i = 0; i < r->nhits; i++)
		free(r->hits[i].body);
	free(r);
}
