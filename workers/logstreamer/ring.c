/*
 * A ring of recent log lines in bytes, and the SSE framing of one.
 * Each line is framed once, when it arrives, and the same bytes go to
 * every client and to the ring.  The data is JSON, so a carriage
 * return, a line that looks like "data:" or anything else in a line
 * survives the framing.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "ring.h"
#include "xmalloc.h"

#define RING_ENTRY	64	/* bytes counted per line besides its event */

void
ring_init(struct ring *r, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->max = max;
}

void
ring_free(struct ring *r)
{
	size_t	i;

	for (i = 0; i < r->n; i++)
		free(r->v[(r->head + i) % r->cap].event);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

const struct ring_line *
ring_at(const struct ring *r, size_t i)
{
	return &r->v[(r->head + i) % r->cap];
}

const struct ring_line *
ring_seq(const struct ring *r, uint64_t seq)
{
	if (seq < r->dropped || seq - r->dropped >= r->n)
		return NULL;
	return ring_at(r, (size_t)(seq - r->dropped));
}

uint64_t
ring_next(const struct ring *r)
{
	return r->dropped + r->n;
}

static void
ring_grow(struct ring *r)
{
	struct ring_line	*v;
	size_t			 i, cap = r->cap == 0 ? 64 : r->cap * 2;

	v = xcalloc(cap, sizeof(*v));
	for (i = 0; i < r->n; i++)
		v[i] = r->v[(r->head + i) % r->cap];
	free(r->v);
	r->v = v;
	r->cap = cap;
	r->head = 0;
}

static void
ring_drop(struct ring *r)
{
	struct ring_line	*l = &r->v[r->head];

	r->bytes -= l->len + RING_ENTRY;
	r->gone_ns = l->ns;
	r->gone_nth = l->nth;
	r->dropped++;
	free(l->event);
	l->event = NULL;
	r->head = (r->head + 1) % r->cap;
	r->n--;
}

const struct ring_line *
ring_push(struct ring *r, const struct log_item *it)
{
	struct ring_line	 l;

	if ((l.event = sse_event(it, &l.len)) == NULL)
		return NULL;
	l.ns = it->ns;
	l.nth = it->nth;
	l.at = r->total;
	r->total += l.len;
	if (r->n == r->cap)
		ring_grow(r);
	r->v[(r->head + r->n) % r->cap] = l;
	r->n++;
	r->bytes += l.len + RING_ENTRY;
	while (r->n > 1 && r->bytes > r->max)
		ring_drop(r);
	return ring_at(r, r->n - 1);
}

/* Is (ns, nth) after (cns, cnth)? */
int
cursor_after(int64_t ns, int64_t nth, int64_t cns, int64_t cnth)
{
	return ns > cns || (ns == cns && nth > cnth);
}

size_t
ring_after(const struct ring *r, int64_t ns, int64_t nth, int *lost)
{
	size_t	lo = 0, hi = r->n, mid;
	const struct ring_line *l;

	*lost = r->dropped > 0 && cursor_after(r->gone_ns, r->gone_nth, ns,
	    nth);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		l = ring_at(r, mid);
		if (cursor_after(l->ns, l->nth, ns, nth))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

char *
sse_event(const struct log_item *it, size_t *len)
{
	json_t	*j;
	char	*data, *ev;
	int	 n;

	j = json_pack("{s:s,s:s,s:s}", "t", it->ts, "stream",
	    it->stream == 2 ? "stderr" : "stdout", "line", it->line);
	if (j == NULL || (data = json_dumps(j, JSON_COMPACT)) == NULL) {
		json_decref(j);
		return NULL;
	}
	json_decref(j);
	n = asprintf(&ev, "id: %" PRId64 "-%" PRId64 "\ndata: %s\n\n",
	    it->ns, it->nth, data);
	free(data);
	if (n < 0)
		return NULL;
	*len = (size_t)n;
	return ev;
}
