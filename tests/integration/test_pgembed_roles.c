/*
 * Least privilege for the embedded PostgreSQL (a real berthd): the
 * server runs as [database] pg_user (berth-pg, made by
 * contrib/install-deps.sh), not as the workers' user; the statswriter
 * logs in as the workers' user's role, which owns berth's tables and is
 * no superuser, so COPY ... TO PROGRAM and the server's files are out
 * of its reach; berthd gives no superuser warning.  berthctl db opens
 * psql on it as the server's own role.
 */
#include <sys/stat.h>

#include <criterion/criterion.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static struct berthd_run	run;

static void
teardown(void)
{
	harness_cleanup(&run);
}

TestSuite(pgembed_roles, .fini = teardown, .timeout = 90);

/* psql on the embedded server as OS user `user`; its exit, output. */
static int
psql_as(const char *user, const char *sql, char **out)
{
	return sh(out, "runuser -u %s -- psql -X -Atq -h %s/pgsock -d berth "
	    "-c \"%s\" 2>&1", user, run.dir, sql);
}

Test(pgembed_roles, least_privilege_and_berthctl_db)
{
	const char *const	 envv[] = { "BERTH_DATABASE_EMBEDDED=true",
				    NULL };
	struct passwd		*pw;
	struct stat		 st;
	char			 path[256], *out = NULL;
	int			 waited;

	cr_assert_eq(geteuid(), 0, "needs root, as berthd's users do");
	cr_assert_not_null(pw = getpwnam("berth-pg"), "no user berth-pg "
	    "(contrib/install-deps.sh makes it)");
	harness_start_unready(&run, NULL, envv, (uid_t)-1);
	for (waited = 0; waited < 60000 && !log_contains(&run,
	    "database ready"); waited += 250)
		sleep_ms(250);
	cr_assert(log_contains(&run, "database ready"), "see %s", run.log);

	snprintf(path, sizeof path, "%s/pgdata", run.dir);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_uid, pw->pw_uid, "pgdata is not berth-pg's");
	cr_expect_neq(pw->pw_uid, berth_uid());
	cr_expect_eq(sh(&out, "ps -o user= -C postgres | grep -c berth-pg"),
	    0, "no postgres runs as berth-pg");
	free(out);

	cr_assert_eq(psql_as("berth-pg", "SELECT rolsuper FROM pg_roles "
	    "WHERE rolname = 'berth'", &out), 0, "%s", out);
	cr_expect_str_eq(out, "f", "role berth is a superuser");
	free(out);
	cr_assert_eq(psql_as("berth-pg", "SELECT tableowner FROM pg_tables "
	    "WHERE tablename = 'container_metrics'", &out), 0, "%s", out);
	cr_expect_str_eq(out, "berth");
	free(out);
	cr_expect_neq(psql_as("berth", "COPY (SELECT 1) TO PROGRAM 'true'",
	    &out), 0, "role berth may run programs: %s", out);
	cr_expect(strstr(out, "must be superuser") != NULL, "%s", out);
	free(out);
	cr_expect_neq(psql_as("berth", "SELECT pg_read_file('PG_VERSION')",
	    &out), 0, "role berth may read the server's files: %s", out);
	free(out);
	cr_expect(!log_contains(&run, "is a superuser"));

	/* berthctl db: psql through the socket as the server's own role,
	 * which reads everything; berthctl needs only the admin socket. */
	cr_assert_eq(sh(&out, "cd / && BERTH_ADMIN_SOCKET=%s %s/berthctl db "
	    "-XAtc 'SELECT current_user, count(*) >= 0 FROM "
	    "container_metrics' 2>&1", run.sock, getenv("BERTH_BUILDDIR") ?
	    getenv("BERTH_BUILDDIR") : BERTH_BUILDDIR), 0, "%s", out);
	cr_expect_str_eq(out, "berth-pg|t");
	free(out);
}
