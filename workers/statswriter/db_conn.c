/*
 * The statswriter's connection to PostgreSQL (db.h): libpq's connection
 * string as configured, plus what the statswriter adds itself.  Before
 * the URL (so that the URL's own value wins): connect_timeout 5 and
 * gssencmode=disable, since GSSAPI would have Kerberos read files and
 * directories that the confined worker cannot (and need not) reach.
 * After it (so that they win): the addresses berthd resolved for the
 * URL's host name, as hostaddr with the name repeated as host (libpq
 * tries each address in turn and still checks a certificate against
 * the name), and the password of [database] password_file.  Nothing
 * here logs the connection string or a password.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_int.h"
#include "log.h"
#include "xmalloc.h"

#define MAX_ADDRS	16

static void
db_notice(void *arg, const char *msg)
{
	(void)arg;
	log_debug("postgres: %.*s", (int)strcspn(msg, "\n"), msg);
}

/* The URL's host name, repeated once per address of hostaddr. */
static char *
repeat_host(const char *conninfo, const char *hostaddr)
{
	PQconninfoOption	*opts, *o;
	const char		*host = NULL, *p;
	char			*out = NULL, *next;
	size_t			 n = 1;

	if ((opts = PQconninfoParse(conninfo, NULL)) == NULL)
		return NULL;
	for (o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, "host") == 0)
			host = o->val;
	for (p = hostaddr; (p = strchr(p, ',')) != NULL && n < MAX_ADDRS;
	    p++)
		n++;
	for (; host != NULL && n > 0; n--) {
		xasprintf(&next, "%s%s%s", out ? out : "", out ? "," : "",
		    host);
		free(out);
		out = next;
	}
	PQconninfoFree(opts);
	return out;
}

static void
warn_superuser(PGconn *conn)
{
	static int	 warned;
	PGresult	*res;

	if (warned)
		return;
	res = PQexec(conn, "SELECT rolsuper FROM pg_roles "
	    "WHERE rolname = current_user");
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
	    strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
		log_warnx("database role %s is a superuser: berth needs only "
		    "to own its tables (see the README's grants)",
		    PQuser(conn));
		warned = 1;
	}
	PQclear(res);
}

struct db *
db_connect(const char *conninfo, const char *hostaddr, const char *password,
    char *err, size_t errlen)
{
	const char	*keys[8], *vals[8];
	char		*hosts = NULL;
	struct db	*db;
	PGconn		*conn;
	int		 n = 0;

	keys[n] = "connect_timeout", vals[n++] = "5";
	keys[n] = "gssencmode", vals[n++] = "disable";
	keys[n] = "dbname", vals[n++] = conninfo;
	if (hostaddr != NULL && hostaddr[0] != '\0' &&
	    (hosts = repeat_host(conninfo, hostaddr)) != NULL) {
		keys[n] = "host", vals[n++] = hosts;
		keys[n] = "hostaddr", vals[n++] = hostaddr;
	}
	if (password != NULL && password[0] != '\0')
		keys[n] = "password", vals[n++] = password;
	keys[n] = vals[n] = NULL;
	conn = PQconnectdbParams(keys, vals, 1);
	free(hosts);
	if (conn == NULL) {
		db_seterr(err, errlen, "out of memory");
		return NULL;
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		db_seterr(err, errlen, "%s", PQerrorMessage(conn));
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeProcessor(conn, db_notice, NULL);
	warn_superuser(conn);
	db = xcalloc(1, sizeof *db);
	db->conn = conn;
	return db;
}

struct db *
db_open(const char *conninfo, char *err, size_t errlen)
{
	return db_connect(conninfo, NULL, NULL, err, errlen);
}

int
db_ok(struct db *db)
{
	return db != NULL && db->conn != NULL &&
	    PQstatus(db->conn) == CONNECTION_OK;
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	PQfinish(db->conn);
	free(db);
}
