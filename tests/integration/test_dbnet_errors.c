/*
 * berthd with an external PostgreSQL it cannot use (dbnet_fixture.h):
 * a URL that does not parse, a host that does not resolve, a TLS
 * certificate that does not verify, a wrong password, a database that
 * does not exist, a password file others may read.  berthd
 * --check-config names what it can without connecting; at run time
 * /api/health shows the database unhealthy with libpq's reason (never
 * the password), records wait in the spool, and berthd and its workers
 * keep running, with BERTH_SANDBOX_TRAP=1.  And a host name is resolved
 * again at every attempt: a changed /etc/hosts is followed.
 */
#include <sys/stat.h>

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dbnet_fixture.h"

#define HOSTS		"/etc/hosts"

static struct berthd_run	run;
static char			hostname_[64];

static void
setup(void)
{
	memset(&run, 0, sizeof(run));
	net_setup();
}

/* /etc/hosts without our line, written in place (it may be a bind
 * mount that rename cannot replace). */
static void
hosts_set(const char *addr)
{
	char	*s = read_file(HOSTS), *line, *save = NULL;
	FILE	*f;

	cr_assert_not_null(s);
	cr_assert_not_null(f = fopen(HOSTS, "w"));
	for (line = strtok_r(s, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (hostname_[0] == '\0' || strstr(line, hostname_) == NULL)
			fprintf(f, "%s\n", line);
	}
	if (addr != NULL)
		fprintf(f, "%s\t%s\n", addr, hostname_);
	fclose(f);
	free(s);
}

static void
teardown(void)
{
	harness_cleanup(&run);
	if (hostname_[0] != '\0')
		hosts_set(NULL);
}

TestSuite(dbnet_errors, .init = setup, .fini = teardown, .timeout = 90);

/* /api/health until its database check is unhealthy and the body holds
 * want; the body (free it). */
static char *
wait_health(const char *want, int timeout_ms)
{
	char	*body = NULL;
	int	 waited;

	for (waited = 0; waited < timeout_ms; waited += 250) {
		free(body);
		body = NULL;
		harness_request(&run, "GET", "/api/health", ADMIN_TOKEN, NULL,
		    &body);
		if (body != NULL && strstr(body, want) != NULL &&
		    strstr(body, "\"unhealthy\"") != NULL)
			return body;
		sleep_ms(250);
	}
	cr_assert_fail("/api/health never said \"%s\": %s", want,
	    body ? body : "(nothing)");
	return NULL;
}

/* Unusable: reported, spooled, nobody dies. */
static void
refused(const char *db_ini, const char *want)
{
	char	*body;
	json_t	*w;

	net_berthd(&run, db_ini, NULL);
	body = wait_health(want, 15000);
	cr_expect_null(strstr(body, net_password()), "password in %s", body);
	free(body);
	sleep_ms(1500);
	w = net_writer(&run);
	cr_expect_eq(json_number_value(json_object_get(w, "databaseUp")), 0);
	cr_expect_gt(json_number_value(json_object_get(w, "spoolRecords")),
	    0, "records not spooled");
	json_decref(w);
	cr_expect_eq(kill(run.pid, 0), 0, "berthd is gone");
	net_assert_clean(&run);
}

/* berthd --check-config on [database] db_ini: its exit and output. */
static int
check_config(const char *db_ini, char **out)
{
	char	path[128];
	FILE	*f;

	snprintf(path, sizeof path, "%s/check.conf", net_dir());
	cr_assert_not_null(f = fopen(path, "w"));
	fprintf(f, "[database]\n%s\n", db_ini);
	fclose(f);
	return sh(out, "%s/berthd --check-config -c %s 2>&1",
	    getenv("BERTH_BUILDDIR") ? getenv("BERTH_BUILDDIR") :
	    BERTH_BUILDDIR, path);
}

static void
url(char *ini, size_t len, const char *user, const char *host,
    const char *db, const char *query)
{
	snprintf(ini, len, "url = postgresql://%s@%s:%d/%s%s", user, host,
	    net_port(), db, query);
}

Test(dbnet_errors, url_that_does_not_parse)
{
	char	ini[1024], *out = NULL;

	snprintf(ini, sizeof ini, "url = postgresql://berth_app:%s@"
	    "127.0.0.1:%d/berth?nosuchoption=1", net_password(), net_port());
	cr_expect_eq(check_config(ini, &out), 1);
	cr_expect(strstr(out, "database.url: does not parse") != NULL, "%s",
	    out);
	cr_expect_null(strstr(out, net_password()));
	free(out);
	refused(ini, "invalid URI query parameter");
}

Test(dbnet_errors, host_that_does_not_resolve)
{
	char	ini[1024], up[256];

	snprintf(up, sizeof up, "berth_app:%s", net_password());
	url(ini, sizeof ini, up, "no-such-host.invalid", "berth", "");
	refused(ini, "could not translate host name");
}

Test(dbnet_errors, certificate_that_does_not_verify)
{
	char	ini[1024], up[256], q[256];

	snprintf(up, sizeof up, "berth_app:%s", net_password());
	snprintf(q, sizeof q, "?sslmode=verify-full&sslrootcert=%s/"
	    "server.crt", net_dir());
	url(ini, sizeof ini, up, "localhost", "berth", q);
	refused(ini, "certificate verify failed");
}

Test(dbnet_errors, wrong_password)
{
	char	ini[1024];

	url(ini, sizeof ini, "berth_app:not-the-password", "localhost",
	    "berth", "");
	refused(ini, "password authentication failed");
	cr_expect(!log_contains(&run, "not-the-password"));
}

Test(dbnet_errors, database_that_does_not_exist)
{
	char	ini[1024], up[256];

	snprintf(up, sizeof up, "berth_app:%s", net_password());
	url(ini, sizeof ini, up, "127.0.0.1", "nosuchdb", "");
	refused(ini, "does not exist");
}

Test(dbnet_errors, password_file_others_may_read)
{
	char	ini[1024], path[256], *out = NULL;
	FILE	*f;

	snprintf(path, sizeof path, "%s/password.open", net_dir());
	cr_assert_not_null(f = fopen(path, "w"));
	fprintf(f, "%s\n", net_password());
	fclose(f);
	cr_assert_eq(chmod(path, 0644), 0);
	url(ini, sizeof ini, "berth_app", "localhost", "berth", "");
	snprintf(ini + strlen(ini), sizeof ini - strlen(ini),
	    "\npassword_file = %s", path);
	cr_expect_eq(check_config(ini, &out), 1);
	cr_expect(strstr(out, "must be 0600 or stricter") != NULL, "%s", out);
	free(out);
	refused(ini, "must be 0600 or stricter");
}

/* Resolved again at every attempt: first to an address where nothing
 * listens, then, /etc/hosts changed, to the server's. */
Test(dbnet_errors, host_name_is_resolved_again)
{
	char	ini[1024], up[256], *body;

	snprintf(hostname_, sizeof hostname_, "berth-db-%ld.test",
	    (long)getpid());
	hosts_set("127.0.0.3");
	snprintf(up, sizeof up, "berth_app:%s", net_password());
	url(ini, sizeof ini, up, hostname_, "berth", "");
	net_berthd(&run, ini, NULL);
	body = wait_health("127.0.0.3", 15000);
	free(body);
	hosts_set("127.0.0.1");
	cr_assert_eq(net_wait_up(&run, 1, 15000), 0, "the new address was "
	    "not followed (see %s)", run.log);
	net_assert_clean(&run);
}
