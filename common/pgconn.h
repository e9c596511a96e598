/*
 * Reading a PostgreSQL connection string without libpq, for berthd
 * (which links no libpq) and berthd --check-config: both of libpq's
 * forms, the URI (postgresql://user:pw@host:port/db?k=v) and the
 * keyword list (host=... dbname='a b'), into keyword/value pairs, with
 * libpq's own rules for quoting and percent-encoding.  berthd needs it
 * to know, before the statswriter confines itself, which host to
 * resolve and which files and socket directory to give it.  The values
 * may hold a password: nothing here logs them.
 */
#ifndef BERTH_PGCONN_H
#define BERTH_PGCONN_H

#include <stddef.h>

#define PGCONN_MAX	48

struct pgconn {
	size_t	 n;
	char	*keys[PGCONN_MAX];
	char	*vals[PGCONN_MAX];
};

/* 0, or -1 with err set (the string is not quoted in it). */
int		 pgconn_parse(const char *s, struct pgconn *, char *err,
		    size_t errlen);
/* The last value of key, or NULL. */
const char	*pgconn_get(const struct pgconn *, const char *key);
void		 pgconn_free(struct pgconn *);

/* Keywords whose value names a file or directory the client reads. */
extern const char *const pgconn_file_keys[];

#endif
