/*
 * libFuzzer target for the decoder: any input must be either refused
 * with a reason or decoded into a message that encodes again, and whose
 * encoding decodes and re-encodes to the very same bytes.  Built by
 * 'make fuzz'; run as ./tests/fuzz/fuzz_decode CORPUS_DIR.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fail(const char *what, const char *err)
{
	fprintf(stderr, "fuzz_decode: %s: %s\n", what, err);
	abort();
}

/* Encode m, decode the result and encode that again: same bytes. */
static void
check_stable(const struct msg *m)
{
	struct msg	 again;
	char		*buf1, *buf2, err[256];
	size_t		 len1, len2;

	if (msg_encode(m, &buf1, &len1, err, sizeof(err)) == -1)
		fail("re-encode", err);
	if (msg_decode(buf1, len1, &again, err, sizeof(err)) == -1)
		fail("decode of re-encoded message", err);
	if (msg_encode(&again, &buf2, &len2, err, sizeof(err)) == -1)
		fail("second re-encode", err);
	if (len1 != len2 || memcmp(buf1, buf2, len1) != 0)
		fail("round trip", "encodings differ");
	free(buf1);
	free(buf2);
	msg_clear(&again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg	m;
	char		err[256] = "";

	if (msg_decode((const char *)data, size, &m, err, sizeof(err)) == 0) {
		if (m.body == NULL || m.fd != -1)
			fail("decode", "no body or a descriptor");
		check_stable(&m);
	} else {
		if (err[0] == '\0')
			fail("decode", "refused without a reason");
		if (m.body != NULL || m.fd != -1)
			fail("decode", "refused but left a body");
	}
	msg_clear(&m);
	return 0;
}
