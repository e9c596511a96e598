/*
 * The containers' series of /api/metrics as exposition text, rendered
 * once per sampling cycle (exposition.c).
 */
#ifndef BERTH_EXPOSITION_H
#define BERTH_EXPOSITION_H

#include <stddef.h>

#include "proto.h"

struct sampler;

/* Page page of the texts (PROTO_PROM_TEXTS a page) into b, with or
 * without the user label; 1 when more pages follow. */
int	expo_page(const struct sampler *, int users, size_t page,
	    struct body_prom *b);

#endif
