/*
 * The one generic msgpack codec: struct msg <-> bytes, checked against
 * the schema of the message type (types, required fields, unknown
 * fields, string and array limits, total size).
 */
#ifndef BERTH_CODEC_H
#define BERTH_CODEC_H

#include <stddef.h>

#include "proto.h"

/* Encode m (body per its schema) into a new buffer; the 4-byte length
 * prefix is NOT included.  Returns 0, or -1 if m does not fit its schema
 * or the limits (err says why). */
int	msg_encode(const struct msg *m, char **buf, size_t *len,
	    char *err, size_t errlen);

/* Decode one message body of exactly len bytes.  On success m->body is
 * allocated and m->fd is -1.  Returns 0, or -1 and a reason in err. */
int	msg_decode(const char *buf, size_t len, struct msg *m,
	    char *err, size_t errlen);

/* Free m->body (and everything it owns) and close m->fd if set. */
void	msg_clear(struct msg *m);

/* Start a message of the given type with a zeroed body to fill in. */
void	*msg_init(struct msg *m, unsigned type, uint32_t id, unsigned peer);

/* Free a body decoded or built for schema s. */
void	body_free(const struct schema *s, void *body);

#endif
