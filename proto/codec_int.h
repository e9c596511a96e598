/*
 * What the two halves of the codec (codec.c decodes, encode.c encodes)
 * share.  Private to proto/.
 */
#ifndef BERTH_CODEC_INT_H
#define BERTH_CODEC_INT_H

#include <stddef.h>

#include "proto.h"
#include "util.h"	/* seterr */

#define MSGF_ALL	(MSGF_FD | MSGF_REPLY)

#define FIELD_PTR(base, f, T)	((T *)((char *)(base) + (f)->offset))
#define FIELD_CPTR(base, f, T)	((const T *)((const char *)(base) + \
				    (f)->offset))
#define COUNT_PTR(base, f)	((size_t *)((char *)(base) + \
				    (f)->count_offset))
#define COUNT_CPTR(base, f)	((const size_t *)((const char *)(base) + \
				    (f)->count_offset))

/* msg_encode leaving room bytes free before the message (chan.c puts
 * the frame's length there); *len counts them. */
int		 msg_encode_room(const struct msg *m, size_t room, char **buf,
		    size_t *len, char *err, size_t errlen);
/* "key" or "entries[3].key", for error messages. */
const char	*field_path(char *buf, size_t len, const char *path,
		    const struct field *f);
const char	*elem_path(char *buf, size_t len, const char *name, size_t i);
/* The largest string or array field f may hold. */
size_t		 field_max(const struct field *f);

#endif
