/*
 * berthd's reader of PostgreSQL connection strings (common/pgconn.c),
 * checked against libpq's own PQconninfoParse on the same strings: every
 * keyword libpq sets, pgconn must set to the same value, and a string
 * libpq refuses, pgconn must refuse too.
 */
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <string.h>

#include "pgconn.h"

static const char *const good[] = {
	"postgresql://postgres@127.0.0.1:5432/berth",
	"postgresql://postgres@127.0.0.1:5432/berth?gssencmode=disable",
	"postgres://u:p%40ss%3Aw@db.internal/berth?sslmode=verify-full&"
	    "sslrootcert=/etc/berth/ca.pem",
	"postgresql://[::1]:5433/berth?sslmode=require",
	"postgresql:///berth?host=/run/postgresql",
	"postgresql://%2Frun%2Fpostgresql/berth",
	"postgresql://a,b:5433/x",
	"postgresql://localhost/berth?ssl=true",
	"postgresql://localhost",
	"postgresql://",
	"host=/run/postgresql dbname=berth user=berth",
	"host = 127.0.0.1 port=5432 dbname = 'my db' password='it\\'s'",
	"host=db.internal sslmode=verify-full sslrootcert=/x/ca.pem "
	    "passfile=/x/pgpass",
	"",
};

static const char *const bad[] = {
	"postgresql://h/db?nosuchkey=1",
	"postgresql://h/db?sslmode",
	"postgresql://h/d%zzb",
	"postgresql://[::1/db",
	"host=a nosuchkey=b",
	"host",
	"host='unterminated",
};

static void
same_as_libpq(const char *s)
{
	PQconninfoOption	*opts, *o;
	struct pgconn		 c;
	char			 err[256], *perr = NULL;
	const char		*mine;

	opts = PQconninfoParse(s, &perr);
	cr_assert_not_null(opts, "libpq refuses %s: %s", s, perr);
	cr_assert_eq(pgconn_parse(s, &c, err, sizeof err), 0, "%s: %s", s,
	    err);
	for (o = opts; o->keyword != NULL; o++) {
		mine = pgconn_get(&c, o->keyword);
		if (o->val == NULL)
			cr_expect_null(mine, "%s: %s set to %s", s, o->keyword,
			    mine);
		else
			cr_expect(mine != NULL && strcmp(mine, o->val) == 0,
			    "%s: %s is %s, libpq says %s", s, o->keyword,
			    mine ? mine : "(unset)", o->val);
	}
	pgconn_free(&c);
	PQconninfoFree(opts);
}

Test(pgconn, reads_what_libpq_reads)
{
	size_t	i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		same_as_libpq(good[i]);
}

Test(pgconn, refuses_what_libpq_refuses)
{
	struct pgconn	 c;
	char		 err[256], *perr = NULL;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_null(PQconninfoParse(bad[i], &perr), "libpq takes "
		    "%s", bad[i]);
		PQfreemem(perr);
		perr = NULL;
		err[0] = '\0';
		cr_expect_eq(pgconn_parse(bad[i], &c, err, sizeof err), -1,
		    "pgconn takes %s", bad[i]);
		cr_expect(err[0] != '\0', "%s: no reason", bad[i]);
	}
}

Test(pgconn, never_quotes_a_password_in_its_errors)
{
	struct pgconn	c;
	char		err[256];

	cr_assert_eq(pgconn_parse("postgresql://u:s3cret@h/db?bogus=1", &c,
	    err, sizeof err), -1);
	cr_expect_null(strstr(err, "s3cret"), "%s", err);
}
