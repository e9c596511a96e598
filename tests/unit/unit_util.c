/*
 * Helpers the unit tests share (unit_util.h).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit_util.h"

uint64_t
tick(void)
{
	return 1000000000ULL / (uint64_t)sysconf(_SC_CLK_TCK);
}

int
opendir_fd(const char *path)
{
	int fd;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_neq(fd, -1, "open %s: %s", path, strerror(errno));
	return fd;
}

char scratch[64];

void
scratch_rm(void)
{
	char cmd[128];

	if (scratch[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
		if (system(cmd) != 0)
			cr_log_warn("could not remove %s", scratch);
		scratch[0] = '\0';
	}
}

void
put(const char *rel, const char *text)
{
	char	 path[256];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", scratch, rel);
	cr_assert_not_null(f = fopen(path, "w"), "%s", path);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}
