/*
 * Helpers the configuration's tests share (test_config.c,
 * test_config_sections.c, test_config_keys.c): a text loaded as a file,
 * and the errors it gives.
 */
#ifndef BERTH_CONFIG_FIXTURE_H
#define BERTH_CONFIG_FIXTURE_H

#include "config.h"

/* Load text as a file; returns the number of errors. */
int	load_text(struct berth_config *cfg, const char *text,
	    struct config_errors *errs);
/* Load text with no error and finish; the caller frees cfg. */
void	load_ok(struct berth_config *cfg, const char *text);

/* Whether an error line contains needle; log every line. */
int	has_error(const struct config_errors *errs, const char *needle);
void	dump_errors(const struct config_errors *errs);

/* The file text must give exactly one error, containing each needle
 * (n2 may be NULL). */
void	expect_file_error(const char *text, const char *n1, const char *n2);
/* The text loads cleanly; config_finish gives one error with needle. */
void	expect_finish_error(const char *text, const char *needle);
/* Setting the environment variable must give one error with needle. */
void	expect_env_error(const char *var, const char *value,
	    const char *needle);

#endif
