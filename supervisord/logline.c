/*
 * Lines out of the engine's log stream: frames demultiplexed (or the
 * TTY stream split at newlines), each "TIMESTAMP SP text", pieces of a
 * long line joined per stream, cut at LOGLINE_MAX, cleaned to UTF-8.
 * Pure: no engine, no loop; berthd's log sessions feed it.
 */
#include <stdlib.h>
#include <string.h>

#include "logline.h"
#include "rfc3339.h"
#include "utf8.h"
#include "xmalloc.h"

#define REPLACEMENT	"\xef\xbf\xbd"		/* U+FFFD */
#define TTY_MAX		(LOGLINE_MAX + LOGLINE_TSLEN + 2)

void
logline_init(struct logline_asm *a, logline_cb cb, void *arg)
{
	memset(a, 0, sizeof(*a));
	a->cb = cb;
	a->arg = arg;
	a->out = xmalloc(LOGLINE_MAX + 1);
}

void
logline_free(struct logline_asm *a)
{
	int	i;

	docker_demux_free(&a->demux);
	for (i = 0; i < 3; i++)
		free(a->part[i].buf);
	free(a->raw);
	free(a->out);
	memset(a, 0, sizeof(*a));
}

size_t
logline_clean(char *dst, const char *src, size_t len, int *cut)
{
	const unsigned char	*s = (const unsigned char *)src;
	size_t			 room = LOGLINE_MAX - strlen(LOGLINE_MARKER);
	size_t			 i = 0, o = 0, n;
	const char		*add;

	*cut = 0;
	while (i < len) {
		n = utf8_seqlen(s + i, len - i);
		if (n == 0 || s[i] == '\0') {
			add = REPLACEMENT;
			n = n == 0 ? 1 : n;
		} else
			add = NULL;
		if (o + (add != NULL ? 3 : n) > room) {
			*cut = 1;
			break;
		}
		memcpy(dst + o, add != NULL ? add : src + i,
		    add != NULL ? 3 : n);
		o += add != NULL ? 3 : n;
		i += n;
	}
	if (*cut) {
		memcpy(dst + o, LOGLINE_MARKER, strlen(LOGLINE_MARKER));
		o += strlen(LOGLINE_MARKER);
	}
	dst[o] = '\0';
	return o;
}

/* A whole line (or the first LOGLINE_MAX bytes of one) out. */
static void
emit(struct logline_asm *a, int stream, struct logline_part *p, int cut)
{
	struct logline	l;
	int		clean_cut;

	memset(&l, 0, sizeof(l));
	l.stream = stream == 2 ? 2 : 1;
	memcpy(l.ts, p->ts, sizeof(l.ts));
	l.ns = p->ns;
	if (l.ns != 0 && l.ns == a->last_ns)
		a->nth++;
	else
		a->nth = 0;
	a->last_ns = l.ns;
	l.nth = a->nth;
	l.len = logline_clean(a->out, p->buf != NULL ? p->buf : "", p->len,
	    &clean_cut);
	l.cut = cut || clean_cut;
	if (cut && !clean_cut) {
		memcpy(a->out + l.len, LOGLINE_MARKER, strlen(LOGLINE_MARKER));
		l.len += strlen(LOGLINE_MARKER);
		a->out[l.len] = '\0';
	}
	l.text = a->out;
	p->len = 0;
	p->busy = 0;
	a->cb(&l, a->arg);
}

/* The timestamp of a piece: its text starts after it. */
static size_t
piece_ts(struct logline_part *p, const char *buf, size_t len)
{
	const char	*sp = memchr(buf, ' ', len < LOGLINE_TSLEN ? len :
			    LOGLINE_TSLEN);
	size_t		 n;

	p->ts[0] = '\0';
	p->ns = 0;
	if (sp == NULL || rfc3339_ns(buf, (size_t)(sp - buf),
	    &p->ns) == -1)
		return 0;
	n = (size_t)(sp - buf);
	memcpy(p->ts, buf, n);
	p->ts[n] = '\0';
	return n + 1;
}

/* One log entry: "TS text\n", or a piece of a long line without the
 * newline. */
static void
piece(struct logline_asm *a, int stream, const char *buf, size_t len)
{
	struct logline_part	*p = &a->part[stream == 2 ? 2 : 1];
	struct logline_part	 ts;
	size_t			 skip, room, n;
	int			 nl;

	skip = piece_ts(&ts, buf, len);
	buf += skip;
	len -= skip;
	if ((nl = len > 0 && buf[len - 1] == '\n'))
		len--;
	if (nl && a->mode == 2 && len > 0 && buf[len - 1] == '\r')
		len--;
	if (p->dropping) {
		p->dropping = !nl;
		return;
	}
	if (!p->busy) {
		memcpy(p->ts, ts.ts, sizeof(p->ts));
		p->ns = ts.ns;
		p->busy = 1;
	}
	if (p->buf == NULL)
		p->buf = xmalloc(LOGLINE_MAX);
	room = LOGLINE_MAX - strlen(LOGLINE_MARKER) - p->len;
	n = len < room ? len : room;
	memcpy(p->buf + p->len, buf, n);
	p->len += n;
	if (n < len) {
		emit(a, stream, p, 1);
		p->dropping = !nl;
	} else if (nl)
		emit(a, stream, p, 0);
}

static void
frame_cb(int stream, const char *buf, size_t len, void *arg)
{
	piece(arg, stream, buf, len);
}

/* TTY: one stream of "TS text\r\n" lines. */
static void
tty_feed(struct logline_asm *a, const char *buf, size_t len)
{
	const char	*nl;
	size_t		 n;

	if (a->raw == NULL)
		a->raw = xmalloc(TTY_MAX);
	while (len > 0) {
		nl = memchr(buf, '\n', len);
		n = nl != NULL ? (size_t)(nl - buf) + 1 : len;
		if (a->rawlen + n > TTY_MAX) {
			/* Longer than a line may be: what is held goes as
			 * a piece, and the rest of it is dropped. */
			n = TTY_MAX - a->rawlen;
			memcpy(a->raw + a->rawlen, buf, n);
			piece(a, 1, a->raw, TTY_MAX);
			a->part[1].dropping = 1;
			a->rawlen = 0;
		} else {
			memcpy(a->raw + a->rawlen, buf, n);
			a->rawlen += n;
			if (nl != NULL) {
				piece(a, 1, a->raw, a->rawlen);
				a->rawlen = 0;
			}
		}
		buf += n;
		len -= n;
	}
}

int
logline_feed(struct logline_asm *a, const char *buf, size_t len)
{
	if (a->failed)
		return -1;
	if (len == 0)
		return 0;
	if (a->mode == 0)
		a->mode = (unsigned char)buf[0] <= 2 ? 1 : 2;
	if (a->mode == 2) {
		tty_feed(a, buf, len);
		return 0;
	}
	if (docker_demux_feed(&a->demux, buf, len, frame_cb, a) == -1) {
		a->failed = 1;
		return -1;
	}
	return 0;
}

void
logline_finish(struct logline_asm *a)
{
	int	i;

	if (a->mode == 2 && a->rawlen > 0) {
		piece(a, 1, a->raw, a->rawlen);
		a->rawlen = 0;
	}
	for (i = 1; i < 3; i++)
		if (a->part[i].busy && !a->part[i].dropping)
			emit(a, i, &a->part[i], 0);
}

int
logline_tail_partial(const char *first, const char *whole)
{
	size_t	a = strlen(first), b = strlen(whole);

	if (a < b)
		return 1;
	/* Both cut at LOGLINE_MAX: only the text tells them apart (a
	 * line that repeats itself cannot be told). */
	return a == b && strcmp(first, whole) != 0;
}
