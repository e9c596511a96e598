/*
 * Sample lines of the Prometheus text exposition (promtext.h).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promtext.h"
#include "xmalloc.h"

void
ptbuf_add(struct ptbuf *b, const char *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = b->cap ? b->cap : 4096;
		while (b->len + n > b->cap)
			b->cap *= 2;
		b->p = xreallocarray(b->p, b->cap, 1);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

void
ptbuf_free(struct ptbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static void
ptbuf_str(struct ptbuf *b, const char *s)
{
	ptbuf_add(b, s, strlen(s));
}

static void
escape(struct ptbuf *b, const char *v)
{
	size_t	n;

	for (;;) {
		n = strcspn(v, "\\\"\n");
		ptbuf_add(b, v, n);
		if (v[n] == '\0')
			return;
		ptbuf_add(b, v[n] == '\n' ? "\\n" : v[n] == '"' ? "\\\"" :
		    "\\\\", 2);
		v += n + 1;
	}
}

/* The value as %.17g writes it, integers without printf. */
static void
value(struct ptbuf *b, double v)
{
	char		num[40], *p = num + sizeof(num);
	uint64_t	u;

	if (isnan(v))
		ptbuf_str(b, " NaN\n");
	else if (isinf(v))
		ptbuf_str(b, v > 0 ? " +Inf\n" : " -Inf\n");
	else if (v == floor(v) && fabs(v) < 1e15 && !(v == 0 && signbit(v))) {
		u = (uint64_t)fabs(v);
		*--p = '\n';
		do
			*--p = (char)('0' + u % 10);
		while ((u /= 10) != 0);
		if (v < 0)
			*--p = '-';
		*--p = ' ';
		ptbuf_add(b, p, (size_t)(num + sizeof(num) - p));
	} else {
		snprintf(num, sizeof(num), " %.17g\n", v);
		ptbuf_str(b, num);
	}
}

void
promtext_sample(struct ptbuf *b, const char *name, const char *const k[3],
    const char *const v[3], double val, int users)
{
	int	i, n = 0;

	ptbuf_str(b, name);
	for (i = 0; i < 3 && k[i] != NULL && k[i][0] != '\0'; i++) {
		if (!users && strcmp(k[i], "user") == 0)
			continue;
		ptbuf_add(b, n++ == 0 ? "{" : ",", 1);
		ptbuf_str(b, k[i]);
		ptbuf_add(b, "=\"", 2);
		escape(b, v[i]);
		ptbuf_add(b, "\"", 1);
	}
	if (n > 0)
		ptbuf_add(b, "}", 1);
	value(b, val);
}

int
promtext_of_family(const char *family, const char *lines)
{
	const char	*p = lines, *nl;
	size_t		 n = strlen(family);

	if (n == 0 || *p == '\0')
		return 0;
	for (; *p != '\0'; p = nl + 1) {
		if (strncmp(p, family, n) != 0 ||
		    (p[n] != '{' && p[n] != ' ') ||
		    (nl = strchr(p, '\n')) == NULL)
			return 0;
	}
	return 1;
}

size_t
promtext_fit(const char *p, size_t len, size_t max)
{
	size_t	n = len;

	if (n <= max)
		return n;
	for (n = max; n > 0 && p[n - 1] != '\n'; n--)
		;
	return n;
}
