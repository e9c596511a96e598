/*
 * Helpers the configuration's tests share (config_fixture.h).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "xmalloc.h"
#include "config_fixture.h"

/* Write text to a new file under /tmp; the caller unlinks and frees. */
static char *
write_tmp(const char *text)
{
	char	path[] = "/tmp/berth-test-config-XXXXXX";
	size_t	len = strlen(text);
	int	fd;

	fd = mkstemp(path);
	cr_assert_neq(fd, -1, "mkstemp");
	cr_assert_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	return xstrdup(path);
}

/* Load text as a file; returns the number of errors. */
int
load_text(struct berth_config *cfg, const char *text,
    struct config_errors *errs)
{
	char	*path = write_tmp(text);
	int	 n;

	n = config_load_file(cfg, path, errs);
	unlink(path);
	free(path);
	return n;
}

int
has_error(const struct config_errors *errs, const char *needle)
{
	size_t	i;

	for (i = 0; i < errs->n; i++) {
		if (strstr(errs->lines[i], needle) != NULL)
			return 1;
	}
	return 0;
}

void
dump_errors(const struct config_errors *errs)
{
	size_t	i;

	for (i = 0; i < errs->n; i++)
		cr_log_info("error: %s", errs->lines[i]);
}

/* The file text must give exactly one error, containing each needle. */
void
expect_file_error(const char *text, const char *n1, const char *n2)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };

	config_init(&cfg);
	load_text(&cfg, text, &errs);
	dump_errors(&errs);
	cr_assert_eq(errs.n, 1, "want one error for: %s", text);
	cr_assert(strstr(errs.lines[0], n1) != NULL, "\"%s\" lacks \"%s\"",
	    errs.lines[0], n1);
	if (n2 != NULL)
		cr_assert(strstr(errs.lines[0], n2) != NULL,
		    "\"%s\" lacks \"%s\"", errs.lines[0], n2);
	config_errors_free(&errs);
	config_free(&cfg);
}

/* Setting the environment variable must give one error with needle. */
void
expect_env_error(const char *var, const char *value, const char *needle)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };

	config_init(&cfg);
	cr_assert_eq(setenv(var, value, 1), 0);
	config_load_env(&cfg, &errs);
	unsetenv(var);
	dump_errors(&errs);
	cr_assert_eq(errs.n, 1, "want one error for %s=%s", var, value);
	cr_assert(strncmp(errs.lines[0], var, strlen(var)) == 0);
	cr_assert(strstr(errs.lines[0], needle) != NULL, "\"%s\" lacks \"%s\"",
	    errs.lines[0], needle);
	config_errors_free(&errs);
	config_free(&cfg);
}

/* Load text with no error and finish; the caller frees cfg. */
void
load_ok(struct berth_config *cfg, const char *text)
{
	struct config_errors	errs = { NULL, 0 };

	config_init(cfg);
	load_text(cfg, text, &errs);
	config_finish(cfg, &errs);
	dump_errors(&errs);
	cr_assert_eq(errs.n, 0, "errors for: %s", text);
}

/* The text loads cleanly; config_finish gives one error with needle. */
void
expect_finish_error(const char *text, const char *needle)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };

	config_init(&cfg);
	cr_assert_eq(load_text(&cfg, text, &errs), 0, "file: %s", text);
	config_finish(&cfg, &errs);
	dump_errors(&errs);
	cr_assert_eq(errs.n, 1, "want one error for: %s", text);
	cr_assert(strstr(errs.lines[0], needle) != NULL, "\"%s\" lacks \"%s\"",
	    errs.lines[0], needle);
	config_errors_free(&errs);
	config_free(&cfg);
}
