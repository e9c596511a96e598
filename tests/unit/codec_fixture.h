/*
 * Helpers the codec's tests share (test_codec.c, test_codec_decode.c).
 */
#ifndef BERTH_CODEC_FIXTURE_H
#define BERTH_CODEC_FIXTURE_H

#include <stddef.h>

/* n copies of c, NUL-terminated, from xmalloc: a string at or just past
 * a field's limit. */
char	*repeat(char c, size_t n);

#endif
