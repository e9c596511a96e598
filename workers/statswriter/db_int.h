/*
 * Internals shared by the statswriter's database files: db.c (the
 * migrations, metric batches and retention), db_conn.c (the
 * connection), db_records.c (lifecycle facts and other records) and
 * db_query.c (the reads).  Not for use outside workers/statswriter/db*.c.
 */
#ifndef BERTH_DB_INT_H
#define BERTH_DB_INT_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

/* "YYYY-MM-DD HH:MM:SS.mmm+00" and its NUL (room for any int). */
#define TS_LEN		80

struct db {
	PGconn		*conn;
	unsigned	 staged;	/* a bit per staging table made */
};

void		 db_seterr(char *err, size_t errlen, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
int		 db_exec(struct db *, const char *sql, int nparams,
		    const char *const *p, char *err, size_t errlen);
PGresult	*db_query(struct db *, const char *sql, int nparams,
		    const char *const *p, char *err, size_t errlen);
void		 db_rollback(struct db *);
int		 db_fmt_ts(int64_t ms, char *out, size_t len);

#endif
