/*
 * libFuzzer target for berthd's router: the input is a sequence of
 * frames, each [sender byte][2-byte big-endian length][message], fed
 * to the real router, request table and handlers as if that worker had
 * sent it (tests/unit/router_fixture.c: no processes, the engine
 * down).  Whatever a worker sends, berthd must neither crash nor leak,
 * and what it answers must decode.  Built by 'make fuzz'; run as
 * ./tests/fuzz/fuzz_router CORPUS_DIR.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berthd.h"
#include "codec.h"
#include "router_fixture.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	ready;

static void
feed(unsigned from, const uint8_t *buf, size_t len)
{
	struct msg	m;
	char		err[256];

	if (msg_decode((const char *)buf, len, &m, err, sizeof(err)) == -1)
		return;
	if (m.flags & MSGF_FD)
		m.flags &= ~MSGF_FD;	/* no descriptor came with it */
	rf_send(from, &m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t		off = 0, len;
	unsigned	from, p;

	if (!ready) {
		rf_setup();
		ready = 1;
	}
	while (off + 3 <= size) {
		from = 1 + data[off] % NWORKERS;
		len = (size_t)data[off + 1] << 8 | data[off + 2];
		off += 3;
		if (len > size - off)
			len = size - off;
		feed(from, data + off, len);
		off += len;
	}
	rf_drain();
	for (p = 1; p < PEER_MAX; p++) {
		rf_worker(p)->rejects = 0;	/* no kill in the fixture */
		rf_worker(p)->state = WS_UP;
	}
	return 0;
}
