/*
 * Helpers the codec's tests share (codec_fixture.h).
 */
#include <string.h>

#include "codec_fixture.h"
#include "xmalloc.h"

char *
repeat(char c, size_t n)
{
	char	*s = xmalloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}
