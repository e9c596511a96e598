/*
 * libcurl's multi interface driven by berthd's libevent loop, so that
 * an HTTP transfer (s3.c's) never blocks the supervisor: curl tells
 * which sockets to watch (CURLMOPT_SOCKETFUNCTION) and when to wake it
 * (CURLMOPT_TIMERFUNCTION); each event is handed back with
 * curl_multi_socket_action, and a finished transfer's callback runs
 * from here, outside any curl callback, so it may start another.
 */
#include <stdlib.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "berthd.h"
#include "log.h"
#include "xmalloc.h"

struct curlev_sock {
	struct event	*ev;
};

struct curlev_req {			/* the easy handle's CURLOPT_PRIVATE */
	curlev_done_cb	 done;
	void		*arg;
};

static CURLM		*multi;
static struct event	*timer;

static void
finished(void)
{
	struct curlev_req	*r;
	CURLMsg			*msg;
	CURLcode		 rc;
	CURL			*easy;
	long			 status;
	int			 left;

	while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		easy = msg->easy_handle;
		rc = msg->data.result;
		status = 0;
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&r);
		curl_multi_remove_handle(multi, easy);
		r->done(easy, (int)rc, status, r->arg);
		free(r);
	}
}

static void
sock_ready(evutil_socket_t fd, short what, void *arg)
{
	int	running, action = 0;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(multi, fd, action, &running);
	finished();
}

static void
timer_fired(evutil_socket_t fd, short what, void *arg)
{
	int	running;

	curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
	finished();
}

static int
sock_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *sockp)
{
	struct curlev_sock	*cs = sockp;
	short			 kind = EV_PERSIST;

	if (cs != NULL) {
		event_free(cs->ev);
		cs->ev = NULL;
	}
	if (what == CURL_POLL_REMOVE) {
		free(cs);
		curl_multi_assign(multi, s, NULL);
		return 0;
	}
	if (cs == NULL) {
		cs = xcalloc(1, sizeof(*cs));
		curl_multi_assign(multi, s, cs);
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if ((cs->ev = event_new(env->base, s, kind, sock_ready, NULL)) ==
	    NULL || event_add(cs->ev, NULL) == -1)
		fatalx("curlev: cannot watch a socket");
	return 0;
}

static int
timer_cb(CURLM *m, long ms, void *userp)
{
	struct timeval	tv;

	if (ms < 0) {
		evtimer_del(timer);
		return 0;
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(timer, &tv);
	return 0;
}

void
curlev_init(void)
{
	if (multi != NULL)
		return;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (multi = curl_multi_init()) == NULL)
		fatalx("curlev: cannot start libcurl");
	if ((timer = evtimer_new(env->base, timer_fired, NULL)) == NULL)
		fatalx("curlev: evtimer_new");
	curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, timer_cb);
}

/* Start easy on the loop; done gets it back when it ends (removed
 * from the loop, the caller's to clean up). */
void
curlev_add(void *easy, curlev_done_cb done, void *arg)
{
	struct curlev_req	*r = xcalloc(1, sizeof(*r));
	CURLMcode		 rc;

	r->done = done;
	r->arg = arg;
	curl_easy_setopt(easy, CURLOPT_PRIVATE, r);
	if ((rc = curl_multi_add_handle(multi, easy)) != CURLM_OK)
		fatalx("curlev: curl_multi_add_handle: %s",
		    curl_multi_strerror(rc));
}
