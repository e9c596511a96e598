/*
 * The gateway worker: serves the HTTP API with evhttp on the listening
 * socket berthd bound for it.  It validates requests and answers them,
 * asking berthd over IPC for anything it does not own.  Chrooted, no
 * socket creation, no connect, no file opening.
 */
#include <sys/socket.h>
#include <sys/ioctl.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/util.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "gateway.h"
#include "log.h"
#include "util.h"
#include "worker.h"
#include "xmalloc.h"

static const int gateway_syscalls[] = {
	/* HTTP connections on the listener berthd handed over */
	SCMP_SYS(accept), SCMP_SYS(accept4), SCMP_SYS(getsockname),
	SCMP_SYS(getpeername), SCMP_SYS(setsockopt), SCMP_SYS(getsockopt),
};
static const struct sandbox_arg_rule gateway_rules[] = {
	SANDBOX_ARG(SCMP_SYS(ioctl), 1, FIONREAD),	/* evbuffer_read */
	/* /dev/null over an SSE client's socket once it is handed over
	 * (conns_handoff): only from descriptor 0 */
	SANDBOX_ARG(SCMP_SYS(dup2), 0, 0),
	SANDBOX_ARG(SCMP_SYS(dup3), 0, 0),
};
const struct sandbox_policy gateway_policy = {
	"gateway", gateway_syscalls, SANDBOX_NELEM(gateway_syscalls),
	gateway_rules, SANDBOX_NELEM(gateway_rules)
};

struct gateway {
	struct evhttp	*http;
	uint64_t	 started_wall_ms;
};

/* ------------------------------------------------------------ routes */

static void
h_health(struct worker *w, struct evhttp_request *req, char params[][128])
{
	http_reply_json(req, 200, json_pack("{s:s}", "status", "ok"));
}

static void
h_live(struct worker *w, struct evhttp_request *req, char params[][128])
{
	http_reply_json(req, 200, json_pack("{s:s}", "status", "alive"));
}

static void
h_ready(struct worker *w, struct evhttp_request *req, char params[][128])
{
	health_ready(w, req);
}

static void
h_api_health(struct worker *w, struct evhttp_request *req,
    char params[][128])
{
	health_api(w, req);
}

/* The routes; feature names what berth_feature_usage_total counts.
 * auth is what conns.c checks before a body is read (the handlers
 * check again). */
static const struct route {
	const char	*pattern;
	int		 methods;
	void		(*handler)(struct worker *, struct evhttp_request *,
			    char params[][128]);
	const char	*feature;
	enum route_auth	 auth;
} routes[] = {
	{ "/health", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, h_health, NULL,
	    ROUTE_NONE },
	{ "/live", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, h_live, NULL,
	    ROUTE_NONE },
	{ "/ready", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, h_ready, NULL,
	    ROUTE_NONE },
	{ "/api/health", EVHTTP_REQ_GET, h_api_health, "health",
	    ROUTE_OPTIONAL },
	{ "/api/metrics", EVHTTP_REQ_GET, api_metrics, NULL, ROUTE_SCRAPE },
	{ "/api/metrics/current", EVHTTP_REQ_GET, api_metrics_current,
	    "metrics_current", ROUTE_TOKEN },
	{ "/api/workspaces", EVHTTP_REQ_POST, api_ws_create,
	    "workspace_create", ROUTE_TOKEN },
	{ "/api/workspaces", EVHTTP_REQ_GET, api_ws_list, "workspace_list",
	    ROUTE_TOKEN },
	{ "/api/workspaces/cleanup", EVHTTP_REQ_POST, api_cleanup,
	    "cleanup", ROUTE_TOKEN },
	{ "/api/workspaces/:id", EVHTTP_REQ_GET, api_ws_get,
	    "workspace_get", ROUTE_TOKEN },
	{ "/api/workspaces/:id", EVHTTP_REQ_DELETE, api_ws_delete,
	    "workspace_stop", ROUTE_TOKEN },
	{ "/api/workspaces/:id/resources", EVHTTP_REQ_PATCH, api_ws_patch,
	    "workspace_resources", ROUTE_TOKEN },
	{ "/api/workspaces/:id/health", EVHTTP_REQ_GET, api_ws_health,
	    "workspace_health", ROUTE_TOKEN },
	{ "/api/workspaces/:id/stats", EVHTTP_REQ_GET, api_ws_stats,
	    "workspace_stats", ROUTE_TOKEN },
	{ "/api/workspaces/:id/heartbeat", EVHTTP_REQ_POST, api_ws_heartbeat,
	    "workspace_heartbeat", ROUTE_TOKEN },
	{ "/api/workspaces/:id/extend", EVHTTP_REQ_POST, api_ws_extend,
	    "workspace_extend", ROUTE_TOKEN },
	{ "/api/workspaces/:id/keepalive", EVHTTP_REQ_POST, api_ws_keepalive,
	    "workspace_keepalive", ROUTE_TOKEN },
	{ "/api/workspaces/:id/logs", EVHTTP_REQ_GET, api_ws_logs,
	    "workspace_logs", ROUTE_TOKEN },
	/* a token, or ?ticket= (a browser's EventSource sends no header):
	 * the handler requires one of them */
	{ "/api/workspaces/:id/logs/stream", EVHTTP_REQ_GET,
	    api_ws_logs_stream, "workspace_logs_stream", ROUTE_OPTIONAL },
	{ "/api/workspaces/:id/logs/ticket", EVHTTP_REQ_POST,
	    api_ws_logs_ticket, "workspace_logs_ticket", ROUTE_TOKEN },
	{ "/api/projects", EVHTTP_REQ_GET, api_projects_list,
	    "project_list", ROUTE_TOKEN },
	{ "/api/projects/:id/owner", EVHTTP_REQ_PUT, api_project_owner,
	    "project_owner", ROUTE_TOKEN },
	{ "/api/projects/:id", EVHTTP_REQ_DELETE, api_project_delete,
	    "project_delete", ROUTE_TOKEN },
	{ "/api/projects/:id/backup", EVHTTP_REQ_POST, api_vol_backup,
	    "volume_backup", ROUTE_TOKEN },
	{ "/api/projects/:id/backups", EVHTTP_REQ_GET, api_vol_backups,
	    "volume_backups", ROUTE_TOKEN },
	{ "/api/projects/:id/backups/:bid", EVHTTP_REQ_GET,
	    api_vol_backup_get, "volume_backups", ROUTE_TOKEN },
	{ "/api/projects/:id/restore", EVHTTP_REQ_POST, api_vol_restore,
	    "volume_restore", ROUTE_TOKEN },
	{ "/api/projects/:id/volume-size", EVHTTP_REQ_GET, api_vol_size,
	    "volume_size", ROUTE_TOKEN },
	{ "/api/projects/:id/clone", EVHTTP_REQ_POST, api_vol_clone,
	    "volume_clone", ROUTE_TOKEN },
	{ "/api/projects/:id/clone", EVHTTP_REQ_GET, api_vol_clone_get,
	    "volume_clone", ROUTE_TOKEN },
	{ "/api/containers/history", EVHTTP_REQ_GET, api_containers_history,
	    "container_history", ROUTE_TOKEN },
	{ "/api/containers/stats", EVHTTP_REQ_GET, api_containers_stats,
	    "container_stats", ROUTE_TOKEN },
	{ "/api/monitoring/jobs", EVHTTP_REQ_GET, api_jobs_list, "jobs",
	    ROUTE_TOKEN },
	{ "/api/monitoring/events", EVHTTP_REQ_GET, api_events, "events",
	    ROUTE_TOKEN },
	{ "/api/monitoring/jobs/:name/run", EVHTTP_REQ_POST, api_job_run,
	    "job_run", ROUTE_TOKEN },
	{ "/api/monitoring/cleanup", EVHTTP_REQ_POST, api_cleanup,
	    "cleanup", ROUTE_TOKEN },
	{ "/api/monitoring/monitor", EVHTTP_REQ_POST, api_monitor,
	    "monitor", ROUTE_TOKEN },
	{ "/api/monitoring/metrics", EVHTTP_REQ_GET, api_mpoints,
	    "monitoring_metrics", ROUTE_TOKEN },
	{ "/api/monitoring/alerts", EVHTTP_REQ_GET, api_alerts, "alerts",
	    ROUTE_TOKEN },
	{ "/api/monitoring/sessions", EVHTTP_REQ_GET, api_sessions,
	    "sessions", ROUTE_TOKEN },
	{ "/api/monitoring/sessions/:id/metrics", EVHTTP_REQ_GET,
	    api_session_metrics, "session_metrics", ROUTE_TOKEN },
	{ "/api/monitoring/health", EVHTTP_REQ_GET, api_mon_health,
	    "monitoring_health", ROUTE_TOKEN },
	{ "/api/monitoring/dashboard", EVHTTP_REQ_GET, api_dashboard,
	    "dashboard", ROUTE_TOKEN },
	{ "/api/monitoring/alerts/:id/resolve", EVHTTP_REQ_POST,
	    api_alert_resolve, "alert_resolve", ROUTE_TOKEN },
	{ "/api/monitoring/notifications", EVHTTP_REQ_GET,
	    api_notifications, "notifications", ROUTE_TOKEN },
	{ "/api/monitoring/silences", EVHTTP_REQ_POST, api_silence_add,
	    "silence_add", ROUTE_TOKEN },
	{ "/api/monitoring/silences", EVHTTP_REQ_GET, api_silences,
	    "silences", ROUTE_TOKEN },
	{ "/api/monitoring/silences/:id", EVHTTP_REQ_GET, api_silence_get,
	    "silences", ROUTE_TOKEN },
	{ "/api/monitoring/silences/:id", EVHTTP_REQ_DELETE,
	    api_silence_expire, "silence_expire", ROUTE_TOKEN },
};

static void
dispatch(struct evhttp_request *req, void *arg)
{
	struct worker		*w = arg;
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	const char		*path = evhttp_uri_get_path(uri);
	char			 params[ROUTE_MAX_PARAMS][128];
	size_t			 i;
	int			 matched = 0;

	conns_dispatched(req);
	if (w->draining) {
		http_error(req, 503, "unavailable", "shutting down");
		return;
	}
	if (path == NULL || path[0] == '\0')
		path = "/";
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (route_match(routes[i].pattern, path, params,
		    ROUTE_MAX_PARAMS) == -1)
			continue;
		matched = 1;
		if (routes[i].methods & evhttp_request_get_command(req)) {
			httpstats_begin(req, routes[i].pattern,
			    routes[i].feature);
			routes[i].handler(w, req, params);
			return;
		}
	}
	httpstats_begin(req, matched ? "method_not_allowed" : "unmatched",
	    NULL);
	if (matched)
		http_error(req, 405, "method_not_allowed",
		    "method not allowed on %s", path);
	else
		http_error(req, 404, "not_found", "no such endpoint");
}

static const struct {
	const char	*name;
	int		 method;
} methods[] = {
	{ "GET", EVHTTP_REQ_GET }, { "HEAD", EVHTTP_REQ_HEAD },
	{ "POST", EVHTTP_REQ_POST }, { "PUT", EVHTTP_REQ_PUT },
	{ "DELETE", EVHTTP_REQ_DELETE }, { "PATCH", EVHTTP_REQ_PATCH },
};

/* What the route of method and path asks of its caller. */
enum route_auth
route_auth(const char *method, const char *path)
{
	char	params[ROUTE_MAX_PARAMS][128];
	size_t	i;
	int	m = 0;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(methods[i].name, method) == 0)
			m = methods[i].method;
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if ((routes[i].methods & m) && route_match(routes[i].pattern,
		    path, params, ROUTE_MAX_PARAMS) != -1)
			return routes[i].auth;
	return ROUTE_UNKNOWN;
}

/* ------------------------------------------------------------ worker */

static void
gateway_configure(struct worker *w)
{
	struct gateway *g = w->priv;

	evhttp_set_max_body_size(g->http, (ev_ssize_t)w->cfg.http_max_body);
}

/* Before confinement: jansson seeds its hashes from /dev/urandom. */
static void
gateway_init(struct worker *w)
{
	json_object_seed(0);
}

static void
gateway_start(struct worker *w)
{
	struct gateway	*g = xcalloc(1, sizeof(*g));

	w->priv = g;
	g->started_wall_ms = wall_ms();
	if ((g->http = evhttp_new(w->base)) == NULL)
		fatalx("evhttp_new failed");
	evhttp_set_allowed_methods(g->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST | EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH |
	    EVHTTP_REQ_PUT);
	evhttp_set_max_headers_size(g->http, 16 * 1024);
	evhttp_set_timeout(g->http, 30);
	evhttp_set_gencb(g->http, dispatch, w);
	conns_init(w, g->http);
	gateway_configure(w);
	if (evhttp_accept_socket(g->http, w->extra_fd) == -1)
		fatalx("cannot serve HTTP on the listener");
}

/* Stop accepting; answers in flight finish, then exit. */
static void
gateway_drain(struct worker *w)
{
	struct gateway *g = w->priv;

	if (g != NULL) {
		conns_shutdown();
		evhttp_free(g->http);
	}
	worker_exit(w);
}

const struct worker_ops gateway_ops = {
	.init = gateway_init,
	.start = gateway_start,
	.configure = gateway_configure,
	.drain = gateway_drain,
};
