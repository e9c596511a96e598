/*
 * The JSON of monitoring items that both the HTTP API (the gateway) and
 * berthctl --json print, so that the two say the same.
 */
#ifndef BERTH_MONJSON_H
#define BERTH_MONJSON_H

#include <jansson.h>

#include "proto.h"

/* Alertmanager's shape: id, matchers, startsAt, endsAt, updatedAt,
 * createdBy, author, comment, status.state. */
json_t	*silence_json(const struct silence_item *);

#endif /* BERTH_MONJSON_H */
