/*
 * berthd with an external PostgreSQL reached every usual way (a real
 * PostgreSQL 15 with TCP, TLS and SCRAM: dbnet_fixture.h), each with
 * BERTH_SANDBOX_TRAP=1: the statswriter connects, writes, reconnects
 * after the server restarts with nothing dropped, and no worker traps
 * on a system call, dies or logs the password.  The host name given is
 * resolved again at every attempt (a changed /etc/hosts is followed).
 */
#include <sys/stat.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dbnet_fixture.h"

static struct berthd_run	run;

static void
setup(void)
{
	memset(&run, 0, sizeof(run));
	net_setup();
}

static void
teardown(void)
{
	harness_cleanup(&run);
}

TestSuite(dbnet, .init = setup, .fini = teardown, .timeout = 90);

/* Up, writing, through a server restart, with nothing dropped. */
static void
mode(const char *db_ini, const char *const *env)
{
	struct stat	 st;
	json_t		*w;
	char		 spool[256];
	long		 before;

	net_berthd(&run, db_ini, env);
	cr_assert_eq(net_wait_up(&run, 1, 15000), 0, "database never up "
	    "(see %s)", run.log);
	sleep_ms(1000);
	before = net_rows();
	cr_assert_gt(before, 0, "no host samples written");
	net_stop();
	cr_assert_eq(net_wait_up(&run, 0, 10000), 0, "outage not noticed");
	sleep_ms(1000);		/* samples go to the spool meanwhile */
	net_resume();
	cr_assert_eq(net_wait_up(&run, 1, 15000), 0, "no reconnection "
	    "(see %s)", run.log);
	sleep_ms(1000);
	w = net_writer(&run);
	cr_expect_eq(json_number_value(json_object_get(w, "dropped")), 0);
	cr_expect_eq(json_number_value(json_object_get(w, "spoolRecords")),
	    0, "spool not replayed");
	json_decref(w);
	cr_expect_gt(net_rows(), before, "nothing written after the restart");
	snprintf(spool, sizeof spool, "%s/spool/statswriter.spool", run.dir);
	cr_assert_eq(stat(spool, &st), 0, "%s", spool);
	cr_expect_eq(st.st_uid, berth_uid(), "the spool is not the workers'");
	net_assert_clean(&run);
}

/* tmpl with PW, PORT and DIR replaced. */
static void
expand(const char *tmpl, char *out, size_t len)
{
	char		port[16];
	const char	*p = tmpl, *v;
	size_t		n = 0, k;

	snprintf(port, sizeof port, "%d", net_port());
	while (*p != '\0' && n < len - 1) {
		if (strncmp(p, "PW", 2) == 0)
			v = net_password(), k = 2;
		else if (strncmp(p, "PORT", 4) == 0)
			v = port, k = 4;
		else if (strncmp(p, "DIR", 3) == 0)
			v = net_dir(), k = 3;
		else {
			out[n++] = *p++;
			continue;
		}
		n += (size_t)snprintf(out + n, len - n, "%s", v);
		p += k;
	}
	out[n < len ? n : len - 1] = '\0';
}

/* "url = " tmpl expanded, then extra lines. */
static void
url_mode(const char *tmpl, const char *extra, const char *const *env)
{
	char	ini[2048], url[1024];

	expand(tmpl, url, sizeof url);
	snprintf(ini, sizeof ini, "url = %s\n%s", url, extra);
	mode(ini, env);
}

Test(dbnet, numeric_address)
{
	url_mode("postgresql://berth_app:PW@127.0.0.1:PORT/berth", "", NULL);
}

Test(dbnet, host_name)
{
	url_mode("postgresql://berth_app:PW@localhost:PORT/berth", "", NULL);
}

Test(dbnet, tls_require)
{
	url_mode("postgresql://berth_app:PW@localhost:PORT/berth?"
	    "sslmode=require", "", NULL);
}

Test(dbnet, tls_verify_full)
{
	url_mode("postgresql://berth_app:PW@localhost:PORT/berth?"
	    "sslmode=verify-full&sslrootcert=DIR/ca.crt", "", NULL);
}

/* A client certificate too (the server checks it against its CA). */
Test(dbnet, tls_client_certificate)
{
	char		 env[1100], *out = NULL;
	const char *const envv[] = { env, NULL };

	/* In the environment: the file's lines are at most 197 bytes. */
	snprintf(env, sizeof env, "BERTH_DATABASE_URL=");
	expand("postgresql://berth_app:PW@localhost:PORT/berth?"
	    "sslmode=verify-full&sslrootcert=DIR/ca.crt&"
	    "sslcert=DIR/client.crt&sslkey=DIR/client.key", env + strlen(env),
	    sizeof env - strlen(env));
	mode("", envv);
	cr_assert_eq(sh(&out, "psql -X -Atq 'host=%s port=%d dbname=berth "
	    "user=berth' -c \"SELECT count(*) FROM pg_stat_ssl s JOIN "
	    "pg_stat_activity a USING (pid) WHERE a.usename = 'berth_app' "
	    "AND s.client_dn = '/CN=berth_app'\" 2>&1", net_dir(),
	    net_port()), 0, "psql: %s", out);
	cr_expect_gt(atoi(out), 0, "no connection showed its certificate");
	free(out);
}

Test(dbnet, gssencmode_given)
{
	url_mode("postgresql://berth_app:PW@localhost:PORT/berth?"
	    "gssencmode=prefer", "", NULL);
}

Test(dbnet, password_file)
{
	char	extra[512];

	snprintf(extra, sizeof extra, "password_file = %s/password",
	    net_dir());
	url_mode("postgresql://berth_app@localhost:PORT/berth?"
	    "sslmode=verify-full&sslrootcert=DIR/ca.crt", extra, NULL);
}

/* libpq's own passfile, readable by the workers' user. */
static void
write_passfile(char *path, size_t len)
{
	FILE	*f;

	snprintf(path, len, "%s/pgpass", run.dir[0] ? run.dir : net_dir());
	cr_assert_not_null(f = fopen(path, "w"));
	fprintf(f, "localhost:%d:berth:berth_app:%s\n", net_port(),
	    net_password());
	fclose(f);
	cr_assert_eq(chown(path, berth_uid(), berth_gid()), 0);
	cr_assert_eq(chmod(path, 0600), 0);
}

Test(dbnet, passfile_in_url)
{
	char	path[256], url[512];

	write_passfile(path, sizeof path);
	snprintf(url, sizeof url, "postgresql://berth_app@localhost:PORT/"
	    "berth?passfile=%s", path);
	url_mode(url, "", NULL);
}

Test(dbnet, pgpassfile_environment)
{
	char	path[256], env[300];
	const char *const envv[] = { env, NULL };

	write_passfile(path, sizeof path);
	snprintf(env, sizeof env, "PGPASSFILE=%s", path);
	url_mode("postgresql://berth_app@localhost:PORT/berth", "", envv);
}

Test(dbnet, unix_socket_directory)
{
	url_mode("host=DIR port=PORT dbname=berth user=berth_app", "", NULL);
	cr_expect(!log_contains(&run, "is a superuser"));
}

/* berthctl db: psql with the configured URL and password file. */
Test(dbnet, berthctl_db_uses_the_url)
{
	char	ini[1024], *out = NULL;

	snprintf(ini, sizeof ini, "url = postgresql://berth_app@localhost:%d/"
	    "berth?sslmode=verify-full&sslrootcert=%s/ca.crt\n"
	    "password_file = %s/password", net_port(), net_dir(), net_dir());
	net_berthd(&run, ini, NULL);
	cr_assert_eq(sh(&out, "BERTH_ADMIN_SOCKET=%s %s/berthctl db -XAtc "
	    "'SELECT current_user, ssl FROM pg_stat_ssl WHERE pid = "
	    "pg_backend_pid()' 2>&1", run.sock, getenv("BERTH_BUILDDIR") ?
	    getenv("BERTH_BUILDDIR") : BERTH_BUILDDIR), 0, "%s", out);
	cr_expect_str_eq(out, "berth_app|t");
	free(out);
}

/* berthd says so when its role is a superuser. */
Test(dbnet, superuser_role_is_warned_about)
{
	char	ini[512];

	snprintf(ini, sizeof ini, "url = host=%s port=%d dbname=berth_su "
	    "user=berth", net_dir(), net_port());
	net_berthd(&run, ini, NULL);
	cr_assert_eq(net_wait_up(&run, 1, 15000), 0);
	cr_expect(log_contains(&run, "role berth is a superuser"));
	net_assert_clean(&run);
}
