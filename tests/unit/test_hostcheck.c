/*
 * Unit tests for supervisord/hostcheck.c: the configuration file that
 * holds tokens (owner and mode, on temporary files), whether the HTTP
 * listener is on loopback, the state directory's and the worker
 * programs' owner and mode, and
 * that a directory is fixed through a descriptor, never a link.
 */
#include <criterion/criterion.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostcheck.h"

static char	dir[] = "/tmp/berth-hostcheck-XXXXXX";
static char	path[64];

static void
write_conf(const char *text, mode_t mode)
{
	FILE	*f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/berth.conf", dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	cr_assert_eq(chmod(path, mode), 0);
}

static void
cleanup(void)
{
	if (path[0] != '\0')
		unlink(path);
	rmdir(dir);
}

/* What berthd and --check-config say about the file: their errors. */
static int
load(struct config_errors *errs)
{
	struct berth_config	cfg;
	int			n;

	config_init(&cfg);
	n = config_load_file(&cfg, path, errs);
	hostcheck_config_file(&cfg, path, geteuid(), errs);
	config_free(&cfg);
	return (int)errs->n - n;
}

static const char admin_conf[] =
    "[auth]\nadmin_token = 0123456789abcdef0123\n";
static const char token_conf[] =
    "[token.alice]\ntoken = alice-token-0123456789\n"
    "user = alice@example.com\n";

Test(hostcheck, token_file_0644_refused, .fini = cleanup)
{
	struct config_errors	errs = { NULL, 0 };
	char			want[128];

	write_conf(admin_conf, 0644);
	cr_assert_eq(load(&errs), 1);
	snprintf(want, sizeof(want), "run chmod 600 %s", path);
	cr_expect_not_null(strstr(errs.lines[errs.n - 1], want), "%s",
	    errs.lines[errs.n - 1]);
	cr_expect_not_null(strstr(errs.lines[errs.n - 1],
	    "readable by group or others"));
	config_errors_free(&errs);
}

Test(hostcheck, named_token_0640_refused, .fini = cleanup)
{
	struct config_errors	errs = { NULL, 0 };

	write_conf(token_conf, 0640);
	cr_assert_eq(load(&errs), 1);
	cr_expect_not_null(strstr(errs.lines[errs.n - 1], "chmod 600"));
	config_errors_free(&errs);
}

Test(hostcheck, token_file_0600_accepted, .fini = cleanup)
{
	struct config_errors	errs = { NULL, 0 };

	write_conf(token_conf, 0600);
	cr_expect_eq(load(&errs), 0);
	config_errors_free(&errs);
	errs.n = 0;
	errs.lines = NULL;
	cr_assert_eq(chmod(path, 0400), 0);
	cr_expect_eq(load(&errs), 0);
	config_errors_free(&errs);
}

Test(hostcheck, no_tokens_0644_accepted, .fini = cleanup)
{
	struct config_errors	errs = { NULL, 0 };

	write_conf("[server]\nuser = berth\n", 0644);
	cr_expect_eq(load(&errs), 0);
	config_errors_free(&errs);
}

Test(hostcheck, owner_other_refused, .fini = cleanup)
{
	char	err[512];

	write_conf(admin_conf, 0600);
	/* Owned by root (the test runs as root or not): as seen by a
	 * berthd of another uid, root is still accepted... */
	if (geteuid() == 0) {
		cr_expect_eq(config_file_safe(path, 1234, err, sizeof(err)), 0);
		/* ...and a file of uid 4321 is not, for either. */
		cr_assert_eq(chown(path, 4321, (gid_t)-1), 0);
		cr_expect_eq(config_file_safe(path, 0, err, sizeof(err)), -1);
		cr_expect_not_null(strstr(err, "chown root"), "%s", err);
		cr_expect_eq(config_file_safe(path, 1234, err, sizeof(err)),
		    -1);
		cr_expect_not_null(strstr(err, "chown 1234"), "%s", err);
		cr_expect_eq(config_file_safe(path, 4321, err, sizeof(err)), 0);
	} else {
		cr_expect_eq(config_file_safe(path, geteuid(), err,
		    sizeof(err)), 0);
		cr_expect_eq(config_file_safe(path, geteuid() + 1, err,
		    sizeof(err)), -1);
	}
}

Test(hostcheck, loopback)
{
	cr_expect(listen_is_loopback("127.0.0.1:8080"));
	cr_expect(listen_is_loopback("127.1.2.3:80"));
	cr_expect(listen_is_loopback("[::1]:8080"));
	cr_expect(listen_is_loopback("[::ffff:127.0.0.1]:8080"));
	cr_expect(listen_is_loopback("localhost:8080"));
	cr_expect(!listen_is_loopback("0.0.0.0:8080"));
	cr_expect(!listen_is_loopback("[::]:8080"));
	cr_expect(!listen_is_loopback("10.0.0.1:8080"));
	cr_expect(!listen_is_loopback("[::ffff:10.0.0.1]:8080"));
	cr_expect(!listen_is_loopback("example.com:8080"));
	cr_expect(!listen_is_loopback("garbage"));
}

/* ------------------------------------------------------------ state dir */

Test(hostcheck, state_dir, .fini = cleanup)
{
	char	err[512];

	cr_assert_not_null(mkdtemp(dir));
	path[0] = '\0';
	cr_assert_eq(chmod(dir, 0755), 0);
	cr_expect_eq(state_dir_safe(dir, geteuid(), err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_eq(chmod(dir, 0775), 0);
	cr_expect_eq(state_dir_safe(dir, geteuid(), err, sizeof(err)), -1);
	cr_expect_not_null(strstr(err, "chmod go-w"), "%s", err);
	cr_assert_eq(chmod(dir, 0757), 0);
	cr_expect_eq(state_dir_safe(dir, geteuid(), err, sizeof(err)), -1);
	cr_assert_eq(chmod(dir, 0700), 0);
	if (geteuid() == 0) {
		cr_assert_eq(chown(dir, 4321, (gid_t)-1), 0);
		cr_expect_eq(state_dir_safe(dir, 0, err, sizeof(err)), -1);
		cr_expect_not_null(strstr(err, "owned by uid 4321"), "%s", err);
		cr_expect_eq(state_dir_safe(dir, 4321, err, sizeof(err)), 0);
	}
}

/* A link where a directory should be is refused, its target untouched. */
Test(hostcheck, dir_own_nofollow_link, .fini = cleanup)
{
	char		target[96];
	struct stat	st;
	int		fd;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(target, sizeof(target), "%s/target", dir);
	snprintf(path, sizeof(path), "%s/link", dir);
	cr_assert_eq(mkdir(target, 0755), 0);
	cr_assert_eq(symlink(target, path), 0);
	cr_expect_eq(dir_own_nofollow(path, 4321, 4321, 0700), -1);
	cr_assert_eq(stat(target, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0755, "the link was followed");
	cr_expect_eq(st.st_uid, geteuid(), "the link was followed");
	fd = dir_own_nofollow(target, (uid_t)-1, 0, 0700);
	cr_assert_neq(fd, -1);
	cr_assert_eq(fstat(fd, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0700);
	close(fd);
	if (geteuid() == 0) {
		fd = dir_own_nofollow(target, 4321, 4321, 0700);
		cr_assert_neq(fd, -1);
		cr_assert_eq(fstat(fd, &st), 0);
		cr_expect_eq(st.st_uid, 4321);
		close(fd);
	}
	rmdir(target);
}

/* ------------------------------------------------------------ programs */

Test(hostcheck, worker_programs, .fini = cleanup)
{
	const char	*names[] = { "berth-a", NULL };
	char		 err[512];
	int		 fd;

	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(chmod(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/berth-a", dir);
	cr_assert_neq(fd = open(path, O_CREAT | O_WRONLY, 0755), -1);
	close(fd);
	cr_assert_eq(chmod(path, 0755), 0);
	cr_expect_eq(programs_safe(dir, names, geteuid(), err, sizeof(err)),
	    0, "%s", err);
	cr_assert_eq(chmod(path, 0775), 0);
	cr_expect_eq(programs_safe(dir, names, geteuid(), err, sizeof(err)),
	    -1);
	cr_expect_not_null(strstr(err, "worker program"), "%s", err);
	cr_expect_not_null(strstr(err, "chmod go-w"), "%s", err);
	cr_assert_eq(chmod(path, 0755), 0);
	cr_assert_eq(chmod(dir, 0777), 0);
	cr_expect_eq(programs_safe(dir, names, geteuid(), err, sizeof(err)),
	    -1);
	cr_expect_not_null(strstr(err, "worker directory"), "%s", err);
	cr_assert_eq(chmod(dir, 0755), 0);
	if (geteuid() == 0) {
		cr_assert_eq(chown(path, 4321, (gid_t)-1), 0);
		cr_expect_eq(programs_safe(dir, names, 0, err, sizeof(err)),
		    -1);
		cr_expect_not_null(strstr(err, "owned by uid 4321"), "%s",
		    err);
	}
	/* A missing program is refused too (find_workers says which). */
	names[0] = "berth-b";
	cr_expect_eq(programs_safe(dir, names, geteuid(), err, sizeof(err)),
	    -1);
}
