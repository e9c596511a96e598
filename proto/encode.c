/*
 * Encoding half of the generic codec: a struct msg and its body are
 * packed to msgpack by walking the schema tables, and checked against
 * them and the protocol limits on the way, so nothing off-schema is
 * ever sent.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "codec.h"
#include "codec_int.h"
#include "log.h"
#include "xmalloc.h"

/* Growable output for the packer; stops growing past PROTO_MAX_MSG. */
struct wbuf {
	char	*data;
	size_t	 len;
	size_t	 size;
	size_t	 room;		/* bytes reserved before the message */
	int	 overflow;
};

/* ---------------------------------------------------------------- encode */

static int
wbuf_write(void *data, const char *buf, size_t len)
{
	struct wbuf	*w = data;
	size_t		 size;

	if (w->overflow || len > PROTO_MAX_MSG + w->room - w->len) {
		w->overflow = 1;
		return 0;
	}
	if (w->len + len > w->size) {
		size = w->size == 0 ? 256 : w->size;
		while (size < w->len + len)
			size *= 2;
		w->data = xreallocarray(w->data, 1, size);
		w->size = size;
	}
	memcpy(w->data + w->len, buf, len);
	w->len += len;
	return 0;
}

static void
pack_key(msgpack_packer *pk, const char *name)
{
	msgpack_pack_str_with_body(pk, name, strlen(name));
}

static int	encode_fields(msgpack_packer *, const struct schema *,
		    const void *, const char *, char *, size_t);

static int
encode_str(msgpack_packer *pk, const struct field *f, const char *s,
    const char *name, char *err, size_t errlen)
{
	size_t	len;

	len = strlen(s);
	if (len > field_max(f)) {
		seterr(err, errlen, "field %s: string of %zu bytes, limit %zu",
		    name, len, field_max(f));
		return -1;
	}
	pack_key(pk, f->name);
	msgpack_pack_str_with_body(pk, s, len);
	return 0;
}

static int
encode_array(msgpack_packer *pk, const struct field *f, const void *base,
    const char *name, char *err, size_t errlen)
{
	const char	*items = *FIELD_CPTR(base, f, char *);
	size_t		 i, n = *COUNT_CPTR(base, f);
	char		 path[128];

	if (n > field_max(f)) {
		seterr(err, errlen, "field %s: %zu elements, limit %zu",
		    name, n, field_max(f));
		return -1;
	}
	if (n > 0 && items == NULL) {
		seterr(err, errlen, "field %s: %zu elements but no array",
		    name, n);
		return -1;
	}
	pack_key(pk, f->name);
	msgpack_pack_array(pk, n);
	for (i = 0; i < n; i++) {
		elem_path(path, sizeof(path), name, i);
		if (encode_fields(pk, f->elem, items + i * f->elem->size,
		    path, err, errlen) == -1)
			return -1;
	}
	return 0;
}

static int
encode_field(msgpack_packer *pk, const struct field *f, const void *base,
    const char *name, char *err, size_t errlen)
{
	const char	*s;

	switch (f->type) {
	case FT_STR:
		if ((s = *FIELD_CPTR(base, f, char *)) == NULL)
			return 0;	/* optional, left out */
		return encode_str(pk, f, s, name, err, errlen);
	case FT_INT:
		pack_key(pk, f->name);
		msgpack_pack_int64(pk, *FIELD_CPTR(base, f, int64_t));
		return 0;
	case FT_BOOL:
		pack_key(pk, f->name);
		if (*FIELD_CPTR(base, f, int))
			msgpack_pack_true(pk);
		else
			msgpack_pack_false(pk);
		return 0;
	case FT_DOUBLE:
		pack_key(pk, f->name);
		msgpack_pack_double(pk, *FIELD_CPTR(base, f, double));
		return 0;
	case FT_ARRAY:
		return encode_array(pk, f, base, name, err, errlen);
	}
	seterr(err, errlen, "field %s: bad schema type %d", name, f->type);
	return -1;
}

/* How many keys the body map gets: NULL optional strings are left out. */
static int
count_fields(const struct schema *s, const void *base, const char *path,
    size_t *n, char *err, size_t errlen)
{
	const struct field	*f;
	size_t			 k;
	char			 name[160];

	*n = 0;
	for (k = 0; k < s->nfields; k++) {
		f = &s->fields[k];
		if (f->type == FT_STR && *FIELD_CPTR(base, f, char *) == NULL) {
			if (f->required) {
				seterr(err, errlen, "field %s: required "
				    "string is NULL", field_path(name,
				    sizeof(name), path, f));
				return -1;
			}
			continue;
		}
		(*n)++;
	}
	return 0;
}

static int
encode_fields(msgpack_packer *pk, const struct schema *s, const void *base,
    const char *path, char *err, size_t errlen)
{
	const struct field	*f;
	size_t			 k;
	char			 name[160];
	size_t			 n;

	if (count_fields(s, base, path, &n, err, errlen) == -1)
		return -1;
	msgpack_pack_map(pk, n);
	for (k = 0; k < s->nfields; k++) {
		f = &s->fields[k];
		field_path(name, sizeof(name), path, f);
		if (encode_field(pk, f, base, name, err, errlen) == -1)
			return -1;
	}
	return 0;
}

static int
encode_check(const struct msg *m, const struct schema *s, char *err,
    size_t errlen)
{
	if (s == NULL) {
		seterr(err, errlen, "unknown message type %u", m->type);
		return -1;
	}
	if (m->peer >= PEER_MAX) {
		seterr(err, errlen, "bad peer %u", m->peer);
		return -1;
	}
	if (m->flags & ~MSGF_ALL) {
		seterr(err, errlen, "unknown flags 0x%x", m->flags);
		return -1;
	}
	if (m->body == NULL && s->nfields > 0) {
		seterr(err, errlen, "%s message without a body",
		    msg_type_name(m->type));
		return -1;
	}
	return 0;
}

/* m->version is not consulted: berth speaks only PROTO_VERSION. */
int
msg_encode(const struct msg *m, char **buf, size_t *len, char *err,
    size_t errlen)
{
	return msg_encode_room(m, 0, buf, len, err, errlen);
}

/* msg_encode with room bytes left free before the message (a frame's
 * length), so that the frame is written once; *len counts them. */
int
msg_encode_room(const struct msg *m, size_t room, char **buf, size_t *len,
    char *err, size_t errlen)
{
	const struct schema	*s = msg_schema(m->type);
	struct wbuf		 w = { NULL, room, 0, room, 0 };
	msgpack_packer		 pk;

	*buf = NULL;
	*len = 0;
	if (encode_check(m, s, err, errlen) == -1)
		return -1;
	w.size = 512;
	w.data = xmalloc(w.size);
	msgpack_packer_init(&pk, &w, wbuf_write);
	msgpack_pack_array(&pk, 6);
	msgpack_pack_uint8(&pk, PROTO_VERSION);
	msgpack_pack_uint16(&pk, m->type);
	msgpack_pack_uint32(&pk, m->id);
	msgpack_pack_uint8(&pk, m->peer);
	msgpack_pack_uint8(&pk, m->flags);
	if (s->nfields == 0)
		msgpack_pack_map(&pk, 0);
	else if (encode_fields(&pk, s, m->body, "", err, errlen) == -1) {
		free(w.data);
		return -1;
	}
	if (w.overflow) {
		seterr(err, errlen, "%s message larger than %d bytes",
		    msg_type_name(m->type), PROTO_MAX_MSG);
		free(w.data);
		return -1;
	}
	*buf = w.data;
	*len = w.len;
	return 0;
}

