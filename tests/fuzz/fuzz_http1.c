/*
 * libFuzzer target for the engine client's response reader
 * (supervisord/http1.c): any input, fed whole and fed in pieces (the
 * first byte picks their size), must end the same way: the same state,
 * status, error, bytes used and body bytes; and never more body than
 * input.  Built by 'make fuzz'; run as ./tests/fuzz/fuzz_http1 CORPUS.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http1.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct out {
	uint8_t	*body;
	size_t	 len;
};

static void
fail(const char *what)
{
	fprintf(stderr, "fuzz_http1: %s\n", what);
	abort();
}

static void
body(const char *buf, size_t n, void *arg)
{
	struct out	*o = arg;

	memcpy(o->body + o->len, buf, n);
	o->len += n;
}

/* Feed in pieces of step bytes (0: all at once); bytes used or -1. */
static ssize_t
feed(struct http1_resp *p, const uint8_t *d, size_t n, size_t step,
    struct out *o)
{
	size_t	off = 0, k;
	ssize_t	r;

	http1_init(p, 0);
	while (off < n) {
		k = step == 0 || n - off < step ? n - off : step;
		if ((r = http1_feed(p, (const char *)d + off, k, body, o)) ==
		    -1)
			return -1;
		if ((size_t)r > k)
			fail("used more than it was given");
		off += (size_t)r;
		if ((size_t)r < k)
			break;
	}
	(void)http1_eof(p);
	return (ssize_t)off;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http1_resp	*a, *b;
	struct out		 oa, ob;
	ssize_t			 ra, rb;

	if (size < 1)
		return 0;
	a = malloc(sizeof(*a));
	b = malloc(sizeof(*b));
	oa.body = malloc(size);
	ob.body = malloc(size);
	oa.len = ob.len = 0;
	if (a == NULL || b == NULL || oa.body == NULL || ob.body == NULL)
		fail("out of memory");
	ra = feed(a, data + 1, size - 1, 0, &oa);
	rb = feed(b, data + 1, size - 1, (size_t)data[0] % 17 + 1, &ob);
	if (ra != rb || a->st != b->st || a->status != b->status ||
	    (a->err == NULL) != (b->err == NULL) ||
	    (a->err != NULL && strcmp(a->err, b->err) != 0))
		fail("whole and pieces end differently");
	if (oa.len != ob.len || memcmp(oa.body, ob.body, oa.len) != 0)
		fail("whole and pieces give different bodies");
	free(a);
	free(b);
	free(oa.body);
	free(ob.body);
	return 0;
}
