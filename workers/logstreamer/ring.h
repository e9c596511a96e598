/*
 * The logstreamer's pure parts: a per-workspace ring of recent lines,
 * bounded in bytes, that a resuming client is replayed from, and the
 * Server-Sent Events framing of a line.
 */
#ifndef BERTH_RING_H
#define BERTH_RING_H

#include <stddef.h>
#include <stdint.h>

struct log_item;

struct ring_line {
	int64_t	 ns, nth;		/* the cursor: (ns, nth) */
	char	*event;			/* the SSE event, framed */
	size_t	 len;
	uint64_t at;			/* events' bytes pushed before it */
};

struct ring {
	struct ring_line	*v;
	size_t			 cap, head, n;	/* a circular array */
	size_t			 bytes, max;
	uint64_t		 dropped;	/* lines pushed out: the
						   oldest's number */
	uint64_t		 total;		/* events' bytes ever pushed */
	int64_t			 gone_ns, gone_nth; /* the newest of them */
};

void	ring_init(struct ring *, size_t max_bytes);
void	ring_free(struct ring *);
/* Keep a line (its event framed here); the oldest go past max. */
const struct ring_line *ring_push(struct ring *, const struct log_item *);
const struct ring_line *ring_at(const struct ring *, size_t i);
/* Lines are numbered as pushed, from 0: the one numbered seq, or NULL
 * when it is pushed out or not pushed yet; the next number. */
const struct ring_line *ring_seq(const struct ring *, uint64_t seq);
uint64_t ring_next(const struct ring *);
/* The index of the first line after cursor (ns, nth); *lost set when
 * lines after the cursor were pushed out. */
size_t	ring_after(const struct ring *, int64_t ns, int64_t nth, int *lost);
int	cursor_after(int64_t ns, int64_t nth, int64_t cns, int64_t cnth);

/* "id: NS-NTH\ndata: {"t","stream","line"}\n\n" (allocated), or NULL
 * when the line cannot be encoded. */
char	*sse_event(const struct log_item *, size_t *len);

#endif
