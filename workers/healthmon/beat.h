/*
 * A workspace's own heartbeat (issue 13, point 3): healthmon asks each
 * running workspace of a type with heartbeat_path for its
 * {"lastHeartbeat": ms} (code-server's /healthz) and tells berthd
 * (MSG_WS_SEEN) when it moved.  Polling is not activity; a newer
 * heartbeat is.
 */
#ifndef BERTH_BEAT_H
#define BERTH_BEAT_H

#include <stddef.h>
#include <stdint.h>

struct body_roster;
struct worker;
struct beats;

struct beats	*beats_new(struct worker *);
/* Follow the running workspaces of the roster that have a path. */
void		 beats_roster(struct beats *, const struct body_roster *);
/* The lastHeartbeat of an answer's body, or -1. */
int64_t		 beat_parse(const char *body, size_t len);

#endif
