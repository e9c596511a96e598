/*
 * The containers' series of /api/metrics as exposition text, rendered
 * once per sampling cycle (exposition.c).
 */
#ifndef BERTH_EXPOSITION_H
#define BERTH_EXPOSITION_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct sampler;

/* Page page of the texts (PROTO_PROM_TEXTS a page) into b, with or
 * without the user label, and their generation; none, and b->same
 * set, when the asker's known generation is current.  1 when more
 * pages follow. */
int	expo_page(const struct sampler *, int users, int64_t known,
	    size_t page, struct body_prom *b);

#endif
