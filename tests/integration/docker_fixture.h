/*
 * What the two engine client programs share (test_docker.c against
 * the real dockerd, test_docker_fake.c against a fake engine): an
 * event loop with a watchdog, calls waited for, and callbacks that
 * record a check, a reply or a stream.  The callbacks break the loop;
 * run_until dispatches until their flag is set.
 */
#ifndef BERTH_DOCKER_FIXTURE_H
#define BERTH_DOCKER_FIXTURE_H

#include <stddef.h>

#include <event2/event.h>
#include <jansson.h>

#include "docker.h"

extern struct event_base	*base;
extern int			 timed_out;

/* docker_init on sock with a fresh loop and a watchdog; finish undoes
 * both. */
void	start(const char *sock);
void	finish(void);
/* Dispatch until *flag (set by a callback that breaks the loop). */
void	run_until(const int *flag);
/* Let the loop run ms more: whatever should not happen has a chance. */
void	linger(int ms);

struct sync {
	int	 done;
	long	 status;
	json_t	*json;
	char	*raw;
	char	*err;
};

void	sync_cb(const struct docker_reply *, void *);
void	sync_clear(struct sync *);
/* One call, waited for. */
void	call(struct sync *, const char *method, const char *path,
	    json_t *body, long timeout_ms);
/* A call without a body, waited for: its status. */
long	call_status(const char *method, const char *path);

struct checked {
	int	 done;
	int	 ok;
	char	*version;
	char	*api;
	char	*err;
};

void	check_cb(int ok, const char *version, const char *api,
	    const char *err, void *arg);
void	checked_clear(struct checked *);

/* A stream that records what it got and how it ended. */
struct rec {
	struct docker_stream	*stream;
	char			*data;
	size_t			 len;
	int			 calls;
	int			 ended;
	long			 status;
	char			*err;
};

void	rec_data(const char *buf, size_t len, void *arg);
void	rec_end(long status, const char *err, void *arg);
void	rec_clear(struct rec *);
struct docker_stream *rec_stream(struct rec *, const char *path);

/* A reply callback for a client that is not running: status 0, an
 * error, at once. */
void	not_running_cb(const struct docker_reply *, void *);

#endif
