/*
 * UTF-8 for messages that leave berth: texts cut on a character
 * boundary and made valid, so that jansson (which refuses invalid
 * UTF-8) always has something to encode.
 */
#ifndef BERTH_UTF8_H
#define BERTH_UTF8_H

#include <stdarg.h>
#include <stddef.h>

/* Length of the longest valid UTF-8 sequence at s[0..len), 0 if none. */
size_t	utf8_seqlen(const unsigned char *s, size_t len);
/* Make s valid UTF-8 in place: a sequence cut off at the end is
 * dropped, any other invalid byte becomes '?'.  Returns s. */
char	*utf8_fix(char *s);
/* vsnprintf into buf (size > 0), cut on a character boundary and made
 * valid with utf8_fix.  Returns buf. */
char	*utf8_vformat(char *buf, size_t size, const char *fmt, va_list)
	    __attribute__((format(printf, 3, 0)));
char	*utf8_format(char *buf, size_t size, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
