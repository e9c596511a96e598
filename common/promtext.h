/*
 * Prometheus text exposition (version 0.0.4): sample lines written into
 * a growing buffer.  The gateway writes every scrape with it; the
 * statswriter writes its containers' series with it once per sampling
 * cycle (doc/design.md, "Metrics").
 */
#ifndef BERTH_PROMTEXT_H
#define BERTH_PROMTEXT_H

#include <stddef.h>

struct ptbuf {
	char	*p;
	size_t	 len, cap;
};

void	ptbuf_add(struct ptbuf *, const char *, size_t);
void	ptbuf_free(struct ptbuf *);

/* name{k[0]="v[0]",...} value\n: label values escaped, keys "" or NULL
 * end the labels; users 0 leaves out a label named "user". */
void	promtext_sample(struct ptbuf *, const char *name,
	    const char *const k[3], const char *const v[3], double value,
	    int users);

/* Are lines (non-empty) only samples of family: each line the family's
 * name then '{' or ' ', and ending with a newline?  What the gateway
 * asks of a text from the statswriter, which may not add a family, a
 * comment or a broken line to the exposition. */
int	promtext_of_family(const char *family, const char *lines);

/* How many of the first len bytes of p (whole lines) fit in max bytes
 * and end after a newline: the first piece of a cut into texts.  0 when
 * the first line alone is longer than max. */
size_t	promtext_fit(const char *p, size_t len, size_t max);

#endif
