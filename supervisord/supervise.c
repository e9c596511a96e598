/*
 * Supervision: start every worker, notice when one exits (SIGCHLD is a
 * libevent event), log why, and start it again after a backoff delay;
 * past the burst limit the worker is marked failed and retried later.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "berthd.h"
#include "chan.h"
#include "codec.h"
#include "log.h"
#include "pgembed.h"
#include "util.h"

static const char *const state_names[] = {
	"stopped", "starting", "up", "backoff", "failed", "stopping"
};

static int	stop_requested;

const char *
wstate_name(enum wstate s)
{
	return state_names[s];
}

void
supervise_policy(struct backoff_policy *p)
{
	const struct berth_config *c = &env->cfg;

	p->min_ms = (uint64_t)c->restart_min_ms;
	p->max_ms = (uint64_t)c->restart_max_ms;
	p->reset_ms = (uint64_t)c->restart_reset_s * 1000;
	p->burst = (unsigned)c->restart_burst;
	p->window_ms = (uint64_t)c->restart_window_s * 1000;
	p->failed_ms = (uint64_t)c->restart_failed_s * 1000;
}

static void
start_worker(struct wproc *wp)
{
	wp->state = WS_STARTING;
	wp->started_ms = now_ms();
	wp->up_ms = 0;
	wp->rejects = 0;
	wp->gen++;		/* answers meant for the last run are dropped */
	backoff_started(&wp->bo, wp->started_ms);
	if (proc_spawn(wp) == -1) {
		/* Treated like an immediate exit: backoff applies. */
		snprintf(wp->last_exit, sizeof(wp->last_exit), "spawn failed");
		wp->pid = 0;
		return;
	}
	log_info("worker %s started (pid %d)", wp->def->name, (int)wp->pid);
}

static void
restart_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct wproc *wp = arg;

	if (env->shutting_down || wp->pid != 0)
		return;
	wp->restarts++;
	log_info("worker %s restarting (restart %u)", wp->def->name,
	    wp->restarts);
	start_worker(wp);
}

void
supervise_init(void)
{
	struct wproc	*wp;
	size_t		 i;

	for (i = 0; i < NWORKERS; i++) {
		wp = &env->workers[i];
		memset(wp, 0, sizeof(*wp));
		wp->def = &worker_defs[i];
		wp->errfd = -1;
		wp->timer = evtimer_new(env->base, restart_cb, wp);
		backoff_reset(&wp->bo);
	}
}

void
supervise_start_all(void)
{
	size_t	i;

	for (i = 0; i < NWORKERS; i++)
		start_worker(&env->workers[i]);
}

static void
schedule_restart(struct wproc *wp)
{
	struct backoff_policy	pol;
	struct timeval		tv;
	uint64_t		delay;

	supervise_policy(&pol);
	if (wp->restart_now) {
		wp->restart_now = 0;
		backoff_reset(&wp->bo);
		delay = 0;
		wp->state = WS_BACKOFF;
	} else {
		delay = backoff_exited(&wp->bo, &pol, wp->started_ms,
		    now_ms());
		wp->state = wp->bo.failed ? WS_FAILED : WS_BACKOFF;
	}
	if (wp->state == WS_FAILED)
		event_emit("worker.failed", "critical", NULL, "worker %s "
		    "restarted %u times within %lds: marked failed, next try "
		    "in %llus", wp->def->name,
		    pol.burst, env->cfg.restart_window_s,
		    (unsigned long long)(delay / 1000));
	else
		log_info("worker %s will restart in %llu ms", wp->def->name,
		    (unsigned long long)delay);
	tv.tv_sec = (time_t)(delay / 1000);
	tv.tv_usec = (suseconds_t)(delay % 1000) * 1000;
	evtimer_add(wp->timer, &tv);
}

static void
describe_exit(struct wproc *wp, int status)
{
	if (WIFSIGNALED(status))
		snprintf(wp->last_exit, sizeof(wp->last_exit), "%s%s",
		    signal_name(WTERMSIG(status)), WTERMSIG(status) == SIGSYS ?
		    " (seccomp violation)" : "");
	else
		snprintf(wp->last_exit, sizeof(wp->last_exit), "exit %d",
		    WEXITSTATUS(status));
}

static void
worker_exited(struct wproc *wp, int status)
{
	describe_exit(wp, status);
	if (env->shutting_down || wp->restart_now)
		log_info("worker %s (pid %d) stopped: %s", wp->def->name,
		    (int)wp->pid, wp->last_exit);
	else
		event_emit("worker.died", "error", NULL, "worker %s (pid %d) "
		    "died: %s", wp->def->name, (int)wp->pid, wp->last_exit);
	wp->pid = 0;
	if (wp->chan != NULL) {
		router_worker_gone(wp);
		chan_free(wp->chan);
		wp->chan = NULL;
	}
	if (env->shutting_down)
		wp->state = WS_STOPPED;
	else
		schedule_restart(wp);
	parent_worker_down(wp);
}

void
supervise_reap(void)
{
	struct wproc	*wp;
	pid_t		 pid;
	int		 status;
	size_t		 i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0, wp = NULL; i < NWORKERS; i++)
			if (env->workers[i].pid == pid)
				wp = &env->workers[i];
		if (wp != NULL)
			worker_exited(wp, status);
		else if (netguard_reaped(pid, status))
			continue;
		else if (pgembed_reaped(pid, status)) {
			if (env->shutting_down && supervise_all_down())
				event_base_loopexit(env->base, NULL);
		} else
			log_debug("reaped unknown child %d", (int)pid);
	}
}

/* Asked by an operator: stop it now and start it again at once. */
void
supervise_restart(struct wproc *wp)
{
	struct msg	m;

	if (wp->pid == 0) {
		evtimer_del(wp->timer);
		backoff_reset(&wp->bo);
		wp->restarts++;
		start_worker(wp);
		return;
	}
	wp->restart_now = 1;
	wp->state = WS_STOPPING;
	if (wp->chan != NULL) {
		msg_init(&m, MSG_SHUTDOWN, 0, PEER_PARENT);
		chan_send(wp->chan, &m);
		msg_clear(&m);
	}
	kill(wp->pid, SIGTERM);
}

/* First call: ask every worker to drain.  Second call: SIGKILL. */
void
supervise_stop_all(void)
{
	struct wproc	*wp;
	struct msg	 m;
	size_t		 i;

	for (i = 0; i < NWORKERS; i++) {
		wp = &env->workers[i];
		evtimer_del(wp->timer);
		if (wp->pid == 0) {
			wp->state = WS_STOPPED;
			continue;
		}
		if (stop_requested) {
			kill(wp->pid, SIGKILL);
			continue;
		}
		wp->state = WS_STOPPING;
		if (wp->chan != NULL) {
			msg_init(&m, MSG_SHUTDOWN, 0, PEER_PARENT);
			chan_send(wp->chan, &m);
			msg_clear(&m);
		}
	}
	stop_requested = 1;
}

int
supervise_all_up(void)
{
	size_t	i;

	for (i = 0; i < NWORKERS; i++)
		if (env->workers[i].state != WS_UP)
			return 0;
	return 1;
}

int
supervise_all_down(void)
{
	size_t	i;

	if (pgembed_running())
		return 0;
	for (i = 0; i < NWORKERS; i++)
		if (env->workers[i].pid != 0)
			return 0;
	return 1;
}

struct wproc *
wproc_by_name(const char *name)
{
	size_t	i;

	for (i = 0; i < NWORKERS; i++)
		if (strcmp(env->workers[i].def->name, name) == 0)
			return &env->workers[i];
	return NULL;
}

struct wproc *
wproc_subscribed(int sub, struct wproc *after)
{
	size_t	i = after != NULL ? (size_t)(after - env->workers) + 1 : 0;

	for (; i < NWORKERS; i++)
		if (env->workers[i].def->subscribe & sub)
			return &env->workers[i];
	return NULL;
}

struct wproc *
wproc_by_peer(unsigned peer)
{
	if (peer == PEER_PARENT || peer >= PEER_MAX)
		return NULL;
	return &env->workers[peer - 1];
}
