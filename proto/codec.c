/*
 * The one generic codec: a struct msg and its body are unpacked from
 * msgpack by walking the schema tables of schema.c (encode.c packs
 * them the same way), plus the helpers both directions share.
 *
 * Decoding trusts nothing: the bytes come from confined workers and
 * from any local user of the admin socket.  Before msgpack-c sees the
 * input, skim() checks every container header against the remaining
 * input and the protocol limits, because msgpack-c allocates room for a
 * container's elements when it reads the header: five bytes claiming
 * 2^32 elements would otherwise ask for 100 GB.  The object tree is then
 * checked field by field while the body struct is filled in.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <msgpack.h>

#include "codec.h"
#include "codec_int.h"
#include "log.h"
#include "xmalloc.h"

#define SKIM_MAX_DEPTH	8	/* the schema needs 4: envelope, body,
				 * array, element */
_Static_assert(PROTO_MAX_FIELDS <= 64, "fields are tracked in a uint64_t");

/* Input position for skim(). */
struct rbuf {
	const unsigned char	*p;
	size_t			 left;
};

/* Append s to buf[0..n), cut to fit len with its NUL; the new length.
 * Paths are made for every field decoded: no printf here. */
static size_t
put(char *buf, size_t len, size_t n, const char *s)
{
	size_t	k = strlen(s);

	if (n + k >= len)
		k = len - 1 - n;
	memcpy(buf + n, s, k);
	buf[n + k] = '\0';
	return n + k;
}

/* The name of field f for messages: "key" or "entries[3].key". */
const char *
field_path(char *buf, size_t len, const char *path, const struct field *f)
{
	size_t	n = 0;

	if (*path != '\0') {
		n = put(buf, len, 0, path);
		n = put(buf, len, n, ".");
	}
	put(buf, len, n, f->name);
	return buf;
}

/* The name of element i of array name: "entries[3]".  Long names are
 * cut short; they only ever appear in error messages. */
const char *
elem_path(char *buf, size_t len, const char *name, size_t i)
{
	char	num[24], *p = num + sizeof(num);
	size_t	n;

	*--p = '\0';
	*--p = ']';
	do
		*--p = (char)('0' + i % 10);
	while ((i /= 10) != 0);
	*--p = '[';
	n = put(buf, len, 0, name);
	put(buf, len, n, p);
	return buf;
}

size_t
field_max(const struct field *f)
{
	size_t	cap;

	cap = f->type == FT_ARRAY ? PROTO_MAX_ARRAY : PROTO_MAX_STR;
	if (f->max == 0 || f->max > cap)
		return cap;
	return f->max;
}


/* ---------------------------------------------------------------- free */

static void
fields_free(const struct schema *s, void *base)
{
	const struct field	*f;
	char			*items;
	size_t			 i, k, n;

	for (k = 0; k < s->nfields; k++) {
		f = &s->fields[k];
		if (f->type == FT_STR) {
			free(*FIELD_PTR(base, f, char *));
			*FIELD_PTR(base, f, char *) = NULL;
		} else if (f->type == FT_ARRAY) {
			items = *FIELD_PTR(base, f, char *);
			n = *COUNT_PTR(base, f);
			for (i = 0; items != NULL && i < n; i++)
				fields_free(f->elem, items + i * f->elem->size);
			free(items);
			*FIELD_PTR(base, f, char *) = NULL;
			*COUNT_PTR(base, f) = 0;
		}
	}
}

void
body_free(const struct schema *s, void *body)
{
	if (body == NULL)
		return;
	if (s != NULL)
		fields_free(s, body);
	free(body);
}

void
msg_clear(struct msg *m)
{
	body_free(msg_schema(m->type), m->body);
	if (m->fd >= 0)
		close(m->fd);
	memset(m, 0, sizeof(*m));
	m->fd = -1;
}

void *
msg_init(struct msg *m, unsigned type, uint32_t id, unsigned peer)
{
	const struct schema	*s;

	if ((s = msg_schema(type)) == NULL)
		fatalx("msg_init: unknown message type %u", type);
	memset(m, 0, sizeof(*m));
	m->version = PROTO_VERSION;
	m->type = type;
	m->id = id;
	m->peer = peer;
	m->flags = 0;
	m->fd = -1;
	m->body = xcalloc(1, s->size);
	return m->body;
}

/* ---------------------------------------------------------------- skim */

static int
rbuf_skip(struct rbuf *r, uint64_t n)
{
	if (n > r->left)
		return -1;
	r->p += n;
	r->left -= n;
	return 0;
}

static int
rbuf_be(struct rbuf *r, size_t n, uint64_t *v)
{
	size_t	i;

	if (n > r->left)
		return -1;
	for (*v = 0, i = 0; i < n; i++)
		*v = (*v << 8) | r->p[i];
	return rbuf_skip(r, n);
}

static int	skim_obj(struct rbuf *, int, char *, size_t);

static int
skim_container(struct rbuf *r, int depth, uint64_t n, int map, char *err,
    size_t errlen)
{
	uint64_t	i;

	if (depth >= SKIM_MAX_DEPTH) {
		seterr(err, errlen, "nested deeper than %d", SKIM_MAX_DEPTH);
		return -1;
	}
	if (map && n > PROTO_MAX_FIELDS) {
		seterr(err, errlen, "map of %llu keys, limit %d",
		    (unsigned long long)n, PROTO_MAX_FIELDS);
		return -1;
	}
	if (!map && n > PROTO_MAX_ARRAY) {
		seterr(err, errlen, "array of %llu elements, limit %d",
		    (unsigned long long)n, PROTO_MAX_ARRAY);
		return -1;
	}
	if (map)
		n *= 2;
	if (n > r->left) {
		seterr(err, errlen, "truncated: %llu objects in %zu bytes",
		    (unsigned long long)n, r->left);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (skim_obj(r, depth + 1, err, errlen) == -1)
			return -1;
	}
	return 0;
}

/* Skip a str, bin or ext whose length takes lenbytes (ext: + type). */
static int
skim_blob(struct rbuf *r, size_t lenbytes, int ext)
{
	uint64_t	n;

	if (rbuf_be(r, lenbytes, &n) == -1)
		return -1;
	return rbuf_skip(r, n + (ext ? 1 : 0));
}

static int
skim_header(struct rbuf *r, unsigned b, int depth, char *err, size_t errlen)
{
	uint64_t	n;

	if (b >= 0x80 && b <= 0x8f)
		return skim_container(r, depth, b & 0x0f, 1, err, errlen);
	if (b >= 0x90 && b <= 0x9f)
		return skim_container(r, depth, b & 0x0f, 0, err, errlen);
	if (b >= 0xa0 && b <= 0xbf)
		return rbuf_skip(r, b & 0x1f);
	if (b >= 0xca && b <= 0xd3) {
		static const unsigned char widths[] =
		    { 4, 8, 1, 2, 4, 8, 1, 2, 4, 8 };
		return rbuf_skip(r, widths[b - 0xca]);
	}
	if (b >= 0xd4 && b <= 0xd8)
		return rbuf_skip(r, 1 + (1 << (b - 0xd4)));
	switch (b) {
	case 0xc4: case 0xd9: return skim_blob(r, 1, 0);
	case 0xc5: case 0xda: return skim_blob(r, 2, 0);
	case 0xc6: case 0xdb: return skim_blob(r, 4, 0);
	case 0xc7: return skim_blob(r, 1, 1);
	case 0xc8: return skim_blob(r, 2, 1);
	case 0xc9: return skim_blob(r, 4, 1);
	case 0xdc: case 0xdd: case 0xde: case 0xdf:
		if (rbuf_be(r, b & 1 ? 4 : 2, &n) == -1)
			return -1;
		return skim_container(r, depth, n, b >= 0xde, err, errlen);
	}
	seterr(err, errlen, "invalid msgpack byte 0x%02x", b);
	return -1;
}

/* Check one object's headers; -1 with err set, or with err empty if the
 * input is merely truncated (reported by the caller). */
static int
skim_obj(struct rbuf *r, int depth, char *err, size_t errlen)
{
	unsigned	b;

	if (r->left == 0)
		return -1;
	b = *r->p;
	rbuf_skip(r, 1);
	if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
		return 0;
	return skim_header(r, b, depth, err, errlen);
}

static int
skim(const char *buf, size_t len, char *err, size_t errlen)
{
	struct rbuf	 r = { (const unsigned char *)buf, len };
	char		 why[128] = "";

	if (skim_obj(&r, 0, why, sizeof(why)) == -1) {
		if (why[0] == '\0')
			seterr(err, errlen, "truncated message");
		else
			seterr(err, errlen, "%s", why);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- decode */

static int	decode_fields(const struct schema *, const msgpack_object *,
		    void *, const char *, char *, size_t);

static int
decode_str(const struct field *f, const msgpack_object *o, void *base,
    const char *name, char *err, size_t errlen)
{
	char	*s;

	if (o->type != MSGPACK_OBJECT_STR) {
		seterr(err, errlen, "field %s: not a string", name);
		return -1;
	}
	if (o->via.str.size > field_max(f)) {
		seterr(err, errlen, "field %s: string of %u bytes, limit %zu",
		    name, o->via.str.size, field_max(f));
		return -1;
	}
	if (memchr(o->via.str.ptr, '\0', o->via.str.size) != NULL) {
		seterr(err, errlen, "field %s: string contains NUL", name);
		return -1;
	}
	s = xmalloc(o->via.str.size + 1);
	memcpy(s, o->via.str.ptr, o->via.str.size);
	s[o->via.str.size] = '\0';
	*FIELD_PTR(base, f, char *) = s;
	return 0;
}

static int
decode_int(const struct field *f, const msgpack_object *o, void *base,
    const char *name, char *err, size_t errlen)
{
	if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		*FIELD_PTR(base, f, int64_t) = o->via.i64;
		return 0;
	}
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
		seterr(err, errlen, "field %s: not an integer", name);
		return -1;
	}
	if (o->via.u64 > INT64_MAX) {
		seterr(err, errlen, "field %s: integer out of range", name);
		return -1;
	}
	*FIELD_PTR(base, f, int64_t) = (int64_t)o->via.u64;
	return 0;
}

static int
decode_double(const struct field *f, const msgpack_object *o, void *base,
    const char *name, char *err, size_t errlen)
{
	double	*d = FIELD_PTR(base, f, double);

	switch (o->type) {
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		*d = o->via.f64;
		return 0;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		*d = (double)o->via.u64;
		return 0;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		*d = (double)o->via.i64;
		return 0;
	default:
		seterr(err, errlen, "field %s: not a number", name);
		return -1;
	}
}

static int
decode_array(const struct field *f, const msgpack_object *o, void *base,
    const char *name, char *err, size_t errlen)
{
	char	*items;
	char	 path[128];
	size_t	 i, n;

	if (o->type != MSGPACK_OBJECT_ARRAY) {
		seterr(err, errlen, "field %s: not an array", name);
		return -1;
	}
	if ((n = o->via.array.size) > field_max(f)) {
		seterr(err, errlen, "field %s: %zu elements, limit %zu",
		    name, n, field_max(f));
		return -1;
	}
	if (n == 0)
		return 0;
	/* Owned by the body at once, so body_free() cleans up on error. */
	items = xcalloc(n, f->elem->size);
	*FIELD_PTR(base, f, char *) = items;
	*COUNT_PTR(base, f) = n;
	for (i = 0; i < n; i++) {
		elem_path(path, sizeof(path), name, i);
		if (decode_fields(f->elem, &o->via.array.ptr[i],
		    items + i * f->elem->size, path, err, errlen) == -1)
			return -1;
	}
	return 0;
}

static int
decode_field(const struct field *f, const msgpack_object *o, void *base,
    const char *name, char *err, size_t errlen)
{
	switch (f->type) {
	case FT_STR:
		return decode_str(f, o, base, name, err, errlen);
	case FT_INT:
		return decode_int(f, o, base, name, err, errlen);
	case FT_BOOL:
		if (o->type != MSGPACK_OBJECT_BOOLEAN) {
			seterr(err, errlen, "field %s: not a boolean", name);
			return -1;
		}
		*FIELD_PTR(base, f, int) = o->via.boolean ? 1 : 0;
		return 0;
	case FT_DOUBLE:
		return decode_double(f, o, base, name, err, errlen);
	case FT_ARRAY:
		return decode_array(f, o, base, name, err, errlen);
	}
	seterr(err, errlen, "field %s: bad schema type %d", name, f->type);
	return -1;
}

/* Copy untrusted bytes for an error message: short and printable. */
static void
printable(char *dst, size_t dstlen, const char *src, size_t len)
{
	size_t	i;

	for (i = 0; i < len && i + 1 < dstlen; i++)
		dst[i] = isprint((unsigned char)src[i]) ? src[i] : '?';
	dst[i] = '\0';
}

/* The field named by key, or NULL with err set. */
static const struct field *
find_field(const struct schema *s, const msgpack_object *key,
    const char *path, char *err, size_t errlen)
{
	const struct field	*f;
	const char		*where = *path == '\0' ? "body" : path;
	char			 shown[33];
	size_t			 k, len;

	if (key->type != MSGPACK_OBJECT_STR) {
		seterr(err, errlen, "%s: key is not a string", where);
		return NULL;
	}
	len = key->via.str.size;
	for (k = 0; k < s->nfields; k++) {
		f = &s->fields[k];
		if (strlen(f->name) == len &&
		    memcmp(f->name, key->via.str.ptr, len) == 0)
			return f;
	}
	printable(shown, sizeof(shown), key->via.str.ptr, len);
	seterr(err, errlen, "%s: unknown field \"%s\"", where, shown);
	return NULL;
}

static int
check_required(const struct schema *s, uint64_t seen, const char *path,
    char *err, size_t errlen)
{
	char	name[160];
	size_t	i;

	for (i = 0; i < s->nfields; i++) {
		if (s->fields[i].required && !(seen & (1ULL << i))) {
			seterr(err, errlen, "field %s: required but missing",
			    field_path(name, sizeof(name), path,
			    &s->fields[i]));
			return -1;
		}
	}
	return 0;
}

static int
decode_fields(const struct schema *s, const msgpack_object *o, void *base,
    const char *path, char *err, size_t errlen)
{
	const struct field	*f;
	size_t			 k;
	const msgpack_object_kv	*kv;
	const char		*where = *path == '\0' ? "body" : path;
	char			 name[160];
	uint64_t		 seen = 0, bit;

	if (o->type != MSGPACK_OBJECT_MAP) {
		seterr(err, errlen, "%s: not a map", where);
		return -1;
	}
	if (o->via.map.size > PROTO_MAX_FIELDS) {
		seterr(err, errlen, "%s: %u keys, limit %d", where,
		    o->via.map.size, PROTO_MAX_FIELDS);
		return -1;
	}
	for (k = 0; k < o->via.map.size; k++) {
		kv = &o->via.map.ptr[k];
		if ((f = find_field(s, &kv->key, path, err, errlen)) == NULL)
			return -1;
		field_path(name, sizeof(name), path, f);
		bit = 1ULL << (f - s->fields);
		if (seen & bit) {
			seterr(err, errlen, "field %s: duplicate key", name);
			return -1;
		}
		seen |= bit;
		if (decode_field(f, &kv->val, base, name, err, errlen) == -1)
			return -1;
	}
	return check_required(s, seen, path, err, errlen);
}

/* One envelope element as an unsigned integer no larger than max. */
static int
envelope_uint(const msgpack_object *o, const char *what, uint64_t max,
    uint64_t *v, char *err, size_t errlen)
{
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
		seterr(err, errlen, "envelope %s: not an unsigned integer",
		    what);
		return -1;
	}
	if (o->via.u64 > max) {
		seterr(err, errlen, "envelope %s: %llu out of range", what,
		    (unsigned long long)o->via.u64);
		return -1;
	}
	*v = o->via.u64;
	return 0;
}

static int
envelope_check(const uint64_t v[5], char *err, size_t errlen)
{
	if (v[0] != PROTO_VERSION) {
		seterr(err, errlen, "unsupported version %llu",
		    (unsigned long long)v[0]);
		return -1;
	}
	if (msg_schema(v[1]) == NULL) {
		seterr(err, errlen, "unknown message type %llu",
		    (unsigned long long)v[1]);
		return -1;
	}
	if (v[3] >= PEER_MAX) {
		seterr(err, errlen, "unknown peer %llu",
		    (unsigned long long)v[3]);
		return -1;
	}
	if (v[4] & ~(uint64_t)MSGF_ALL) {
		seterr(err, errlen, "unknown flags 0x%llx",
		    (unsigned long long)v[4]);
		return -1;
	}
	return 0;
}

static int
decode_envelope(const msgpack_object *o, struct msg *m, char *err,
    size_t errlen)
{
	static const struct {
		const char	*name;
		uint64_t	 max;
	} elems[5] = {
		{ "version", UINT8_MAX }, { "type", UINT16_MAX },
		{ "id", UINT32_MAX }, { "peer", UINT8_MAX },
		{ "flags", UINT8_MAX }
	};
	uint64_t	v[5];
	size_t		i;

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 6) {
		seterr(err, errlen, "envelope is not an array of 6");
		return -1;
	}
	for (i = 0; i < 5; i++) {
		if (envelope_uint(&o->via.array.ptr[i], elems[i].name,
		    elems[i].max, &v[i], err, errlen) == -1)
			return -1;
	}
	if (envelope_check(v, err, errlen) == -1)
		return -1;
	m->version = v[0];
	m->type = v[1];
	m->id = v[2];
	m->peer = v[3];
	m->flags = v[4];
	return 0;
}

static int
decode_object(const msgpack_object *o, struct msg *m, char *err,
    size_t errlen)
{
	const struct schema	*s;

	if (decode_envelope(o, m, err, errlen) == -1)
		return -1;
	s = msg_schema(m->type);
	m->body = xcalloc(1, s->size);
	if (decode_fields(s, &o->via.array.ptr[5], m->body, "", err,
	    errlen) == -1) {
		body_free(s, m->body);
		m->body = NULL;
		return -1;
	}
	return 0;
}

/*
 * On failure m has no body and no descriptor, but keeps the envelope
 * fields if the envelope itself was good, so that a channel can tell a
 * rejected message that carried a descriptor.
 */
int
msg_decode(const char *buf, size_t len, struct msg *m, char *err,
    size_t errlen)
{
	msgpack_unpacked	 u;
	size_t			 off = 0;
	int			 ret, rv = -1;

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	if (len == 0 || len > PROTO_MAX_MSG) {
		seterr(err, errlen, "message of %zu bytes, limit %d", len,
		    PROTO_MAX_MSG);
		return -1;
	}
	if (skim(buf, len, err, errlen) == -1)
		return -1;
	msgpack_unpacked_init(&u);
	ret = msgpack_unpack_next(&u, buf, len, &off);
	if (ret != MSGPACK_UNPACK_SUCCESS)
		seterr(err, errlen, "malformed msgpack (%d)", ret);
	else if (off != len)
		seterr(err, errlen, "%zu trailing bytes", len - off);
	else
		rv = decode_object(&u.data, m, err, errlen);
	msgpack_unpacked_destroy(&u);
	return rv;
}
