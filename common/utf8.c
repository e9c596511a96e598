/*
 * UTF-8 for messages that leave berth (HTTP error texts, MSG_ERROR):
 * a text cut to fit its buffer is cut on a character boundary, and
 * anything that is not UTF-8 is replaced, never passed to jansson.
 */
#include <stdio.h>
#include <string.h>

#include "utf8.h"

/* RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF. */
size_t
utf8_seqlen(const unsigned char *s, size_t len)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		n, i;

	if (len == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* Whether s[0..len) is the start of a valid sequence cut short. */
static int
cut_short(const unsigned char *s, size_t len)
{
	unsigned char	buf[4];
	size_t		i;

	if (len == 0 || len >= 4)
		return 0;
	memcpy(buf, s, len);
	for (i = len; i < 4; i++)		/* complete it plausibly */
		buf[i] = i == 1 && s[0] == 0xf4 ? 0x80 :
		    i == 1 && (s[0] == 0xe0 || s[0] == 0xf0) ? 0xa0 : 0x80;
	return utf8_seqlen(buf, 4) > len;
}

char *
utf8_fix(char *s)
{
	unsigned char	*p = (unsigned char *)s;
	size_t		 len = strlen(s), i = 0, n;

	while (i < len) {
		if ((n = utf8_seqlen(p + i, len - i)) > 0) {
			i += n;
			continue;
		}
		if (cut_short(p + i, len - i)) {
			p[i] = '\0';
			break;
		}
		p[i++] = '?';
	}
	return s;
}

char *
utf8_vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
	if (vsnprintf(buf, size, fmt, ap) < 0)
		buf[0] = '\0';
	return utf8_fix(buf);
}

char *
utf8_format(char *buf, size_t size, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	utf8_vformat(buf, size, fmt, ap);
	va_end(ap);
	return buf;
}
