/*
 * The engine check of berthd's Docker client (docker.h): /_ping, then
 * /version, both without the version prefix so an engine too old for
 * berth is told apart from none; ok when its API is DOCKER_API_VERSION
 * or newer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker.h"
#include "docker_int.h"
#include "log.h"
#include "xmalloc.h"

#define DOCKER_CHECK_TIMEOUT_MS	10000
#define DOCKER_MIN_ENGINE	"20.10"		/* first with API 1.41 */

typedef void (*docker_check_cb)(int, const char *, const char *,
    const char *, void *);

struct docker_check {
	docker_check_cb	 cb;
	void		*arg;
	char		*path;
};

static void
check_done(struct docker_check *c, int ok, const char *version,
    const char *api, const char *err)
{
	if (!ok)
		log_debug("docker: engine check: %s", err);
	c->cb(ok, version, api, err, c->arg);
	free(c->path);
	free(c);
}

/* "1.41" into major and minor; -1 if it is not that shape. */
static int
api_parse(const char *s, unsigned long *major, unsigned long *minor)
{
	char	*end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	*major = strtoul(s, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		return -1;
	*minor = strtoul(end + 1, &end, 10);
	return *end == '\0' ? 0 : -1;
}

static int
api_older(unsigned long major, unsigned long minor)
{
	unsigned long	wmajor, wminor;

	if (api_parse(DOCKER_API_VERSION, &wmajor, &wminor) == -1)
		fatalx("bad DOCKER_API_VERSION");
	return major < wmajor || (major == wmajor && minor < wminor);
}

static void
check_unreachable(struct docker_check *c, const struct docker_reply *r,
    const char *what)
{
	char	err[1024];

	if (r->status == 0)
		snprintf(err, sizeof err, "cannot reach the engine at %s: %s",
		    c->path, r->err);
	else
		snprintf(err, sizeof err, "the engine at %s answered %s "
		    "with HTTP %ld", c->path, what, r->status);
	check_done(c, 0, NULL, NULL, err);
}

static void
check_version(const struct docker_reply *r, void *arg)
{
	struct docker_check	*c = arg;
	const char		*api, *version;
	unsigned long		 major, minor;
	char			 err[1024];

	if (r->status != 200 || !json_is_object(r->json)) {
		check_unreachable(c, r, "GET /version");
		return;
	}
	api = json_string_value(json_object_get(r->json, "ApiVersion"));
	version = json_string_value(json_object_get(r->json, "Version"));
	if (version == NULL)
		version = "unknown";
	if (api_parse(api, &major, &minor) == -1) {
		snprintf(err, sizeof err, "the engine at %s reports an "
		    "unreadable API version \"%s\"", c->path,
		    api != NULL ? api : "");
		check_done(c, 0, version, api, err);
	} else if (api_older(major, minor)) {
		snprintf(err, sizeof err, "Docker API %s is older than %s "
		    "(Docker %s)", api, DOCKER_API_VERSION, DOCKER_MIN_ENGINE);
		check_done(c, 0, version, api, err);
	} else
		check_done(c, 1, version, api, NULL);
}

static void
check_ping(const struct docker_reply *r, void *arg)
{
	struct docker_check	*c = arg;

	if (r->status != 200 || r->len != 2 || memcmp(r->raw, "OK", 2) != 0) {
		check_unreachable(c, r, "GET /_ping");
		return;
	}
	docker_call_start("GET", "/version", NULL, DOCKER_CHECK_TIMEOUT_MS, 0,
	    check_version, c);
}

/* /_ping and /version go without the version prefix: any engine
 * answers those, so an old one can be told apart from none. */
void
docker_check(docker_check_cb cb, void *arg)
{
	struct docker_check	*c;

	c = xcalloc(1, sizeof *c);
	c->cb = cb;
	c->arg = arg;
	c->path = xstrdup(docker_sockpath() != NULL ? docker_sockpath() :
	    "(none)");
	docker_call_start("GET", "/_ping", NULL, DOCKER_CHECK_TIMEOUT_MS, 0,
	    check_ping, c);
}
