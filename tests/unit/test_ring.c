/*
 * Unit tests for the logstreamer's ring and SSE framing
 * (workers/logstreamer/ring.c): the event of a line (its id, JSON data
 * that keeps a carriage return and a "data:" inside the line), the
 * ring bounded in bytes, the index after a cursor, and lines lost.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "ring.h"

static struct log_item
item(int64_t ns, int64_t nth, const char *line)
{
	struct log_item	it;

	memset(&it, 0, sizeof(it));
	it.ts = (char *)"2026-12-05T07:40:00.000000001Z";
	it.ns = ns;
	it.nth = nth;
	it.stream = 1;
	it.line = (char *)line;
	return it;
}

Test(ring, event_framing)
{
	struct log_item	 it = item(1796456400000000001LL, 2,
			    "50%\r75%\ndata: x");
	size_t		 len;
	char		*ev = sse_event(&it, &len);
	json_t		*j;
	const char	*data;

	cr_assert_not_null(ev);
	cr_expect_eq(strlen(ev), len);
	cr_assert(strncmp(ev, "id: 1796456400000000001-2\ndata: ", 32) == 0,
	    "%s", ev);
	cr_expect_str_eq(ev + len - 2, "\n\n");
	cr_expect_eq(strchr(ev + 32, '\n'), ev + len - 2,
	    "one data line: no raw newline or CR inside");
	cr_expect_null(strchr(ev, '\r'));
	data = ev + 32;
	j = json_loadb(data, strlen(data) - 2, 0, NULL);
	cr_assert_not_null(j);
	cr_expect_str_eq(json_string_value(json_object_get(j, "line")),
	    "50%\r75%\ndata: x");
	cr_expect_str_eq(json_string_value(json_object_get(j, "stream")),
	    "stdout");
	cr_expect_str_eq(json_string_value(json_object_get(j, "t")),
	    "2026-12-05T07:40:00.000000001Z");
	json_decref(j);
	free(ev);
}

Test(ring, bounded_in_bytes_and_resumed_after_a_cursor)
{
	struct ring		r;
	struct log_item		it;
	char			line[64];
	size_t			i;
	int			lost, n;

	ring_init(&r, 4096);
	for (n = 0; n < 100; n++) {
		snprintf(line, sizeof(line), "line %d", n);
		it = item(1000 + n / 2, n % 2, line);
		cr_assert_not_null(ring_push(&r, &it));
	}
	cr_expect_leq(r.bytes, 4096);
	cr_assert_gt(r.dropped, 0);
	cr_expect_eq(r.dropped + r.n, 100);
	/* The first line held is the one after the last dropped. */
	cr_expect(cursor_after(ring_at(&r, 0)->ns, ring_at(&r, 0)->nth,
	    r.gone_ns, r.gone_nth));
	/* A cursor inside the ring: the next line exactly, none lost. */
	i = ring_after(&r, 1045, 0, &lost);
	cr_expect_eq(lost, 0);
	cr_assert_lt(i, r.n);
	cr_expect_eq(ring_at(&r, i)->ns, 1045);
	cr_expect_eq(ring_at(&r, i)->nth, 1);
	i = ring_after(&r, 1045, 1, &lost);
	cr_expect_eq(ring_at(&r, i)->ns, 1046);
	cr_expect_eq(ring_at(&r, i)->nth, 0);
	/* At the end: nothing more. */
	cr_expect_eq(ring_after(&r, 1049, 1, &lost), r.n);
	cr_expect_eq(lost, 0);
	/* Before what the ring holds: lost. */
	i = ring_after(&r, 1000, 0, &lost);
	cr_expect_eq(lost, 1);
	cr_expect_eq(i, 0);
	ring_free(&r);
}

Test(ring, a_line_larger_than_the_ring_is_kept_alone)
{
	struct ring	r;
	struct log_item	it;
	char		big[2048];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ring_init(&r, 1024);
	it = item(1, 0, "small");
	ring_push(&r, &it);
	it = item(2, 0, big);
	ring_push(&r, &it);
	cr_expect_eq(r.n, 1);
	cr_expect_eq(ring_at(&r, 0)->ns, 2);
	ring_free(&r);
}

/* Lines are numbered as pushed: a client keeps the number of the next
 * line it is owed, finds it while the ring holds it, and learns from
 * NULL below the count dropped that it was pushed out; "at" counts the
 * bytes before each line, so a client's owed bytes are total minus its
 * line's at. */
Test(ring, lines_are_numbered_as_pushed)
{
	struct ring		 r;
	struct log_item		 it;
	const struct ring_line	*l;
	char			 line[64];
	uint64_t		 at = 0, seq;
	int			 n;

	ring_init(&r, 4096);
	cr_expect_eq(ring_next(&r), 0);
	cr_expect_null(ring_seq(&r, 0));
	for (n = 0; n < 100; n++) {
		snprintf(line, sizeof(line), "line %d", n);
		it = item(1000 + n, 0, line);
		cr_assert_not_null(l = ring_push(&r, &it));
		cr_expect_eq(l->at, at);
		at += l->len;
	}
	cr_expect_eq(r.total, at);
	cr_expect_eq(ring_next(&r), 100);
	cr_assert_gt(r.dropped, 0, "nothing pushed out: a bigger test needed");
	cr_expect_eq(ring_seq(&r, r.dropped), ring_at(&r, 0),
	    "the oldest line kept is numbered by the lines pushed out");
	cr_expect_null(ring_seq(&r, r.dropped - 1), "a line pushed out");
	cr_expect_null(ring_seq(&r, 100), "a line not pushed yet");
	for (seq = r.dropped; seq < 100; seq++) {
		cr_assert_not_null(l = ring_seq(&r, seq));
		cr_expect_eq(l->ns, 1000 + (int64_t)seq);
	}
	cr_expect_eq(r.total - ring_seq(&r, 99)->at, ring_seq(&r, 99)->len);
	ring_free(&r);
}
