/*
 * The containers' series as text for /api/metrics (exposition.h).
 * They change once per sampling cycle, yet a scrape used to carry each
 * of them as an item of seven strings through malloc, encode, decode
 * and free, and the gateway formatted them again every time.  Now they
 * are rendered once per cycle (sampler_gen) and label setting (users),
 * cut at line ends into texts a message can carry, and every scrape
 * until the next cycle gets copies of the same texts.
 */
#include <stdlib.h>
#include <string.h>

#include "exposition.h"
#include "log.h"
#include "promtext.h"
#include "sampler.h"
#include "xmalloc.h"

#define TEXT_MAX	(PROTO_MAX_STR - 1)	/* a text's bytes */

struct text {
	const char	*family;
	char		*lines;
};

static struct {
	int		 valid;
	uint64_t	 gen;
	int		 users;
	struct text	*t;
	size_t		 n, cap;
} cache;

static void
cache_clear(void)
{
	size_t	i;

	for (i = 0; i < cache.n; i++)
		free(cache.t[i].lines);
	cache.n = 0;
	cache.valid = 0;
}

static void
add_text(const char *family, const char *p, size_t len)
{
	if (cache.n == cache.cap) {
		cache.cap = cache.cap ? cache.cap * 2 : 16;
		cache.t = xreallocarray(cache.t, cache.cap, sizeof(*cache.t));
	}
	cache.t[cache.n].family = family;
	cache.t[cache.n].lines = xstrndup(p, len);
	cache.n++;
}

/* One family's lines in texts of at most TEXT_MAX bytes, each cut
 * after a newline.  A line is far shorter than a text (label values are
 * bounded); one that is not is left out, and said so. */
static void
cut(const char *family, const struct ptbuf *b)
{
	const char	*nl;
	size_t		 off = 0, n;

	while (off < b->len) {
		n = promtext_fit(b->p + off, b->len - off,
		    TEXT_MAX);
		if (n == 0) {
			log_warnx("metrics: a line of %s over %d bytes left out",
			    family, TEXT_MAX);
			if ((nl = memchr(b->p + off, '\n', b->len - off)) == NULL)
				return;
			off = (size_t)(nl - b->p) + 1;
			continue;
		}
		add_text(family, b->p + off, n);
		off += n;
	}
}

static void
build(const struct sampler *sp, int users)
{
	struct ptbuf	b[SAMPLER_NFAM];
	size_t		f;

	cache_clear();
	memset(b, 0, sizeof(b));
	sampler_text(sp, users, b);
	for (f = 0; f < SAMPLER_NFAM; f++) {
		cut(sampler_families[f], &b[f]);
		ptbuf_free(&b[f]);
	}
	cache.gen = sampler_gen(sp);
	cache.users = users;
	cache.valid = 1;
}

int
expo_page(const struct sampler *sp, int users, int64_t known, size_t page,
    struct body_prom *b)
{
	size_t	first = page * PROTO_PROM_TEXTS, i;

	if (!cache.valid || cache.gen != sampler_gen(sp) ||
	    cache.users != users)
		build(sp, users);
	b->gen = (int64_t)cache.gen;
	if (known != 0 && known == b->gen) {
		b->same = 1;		/* the asker has them */
		return 0;
	}
	b->texts = xcalloc(PROTO_PROM_TEXTS, sizeof(*b->texts));
	for (i = first; i < cache.n && b->ntexts < PROTO_PROM_TEXTS; i++) {
		b->texts[b->ntexts].family = xstrdup(cache.t[i].family);
		b->texts[b->ntexts].lines = xstrdup(cache.t[i].lines);
		b->ntexts++;
	}
	return i < cache.n;
}
