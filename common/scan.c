/*
 * Strict scanning of kernel files held open (scan.h): one pread of the
 * whole file into the caller's buffer, and numbers that must be digits
 * and must fit.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "scan.h"

const char *
scan_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

int
scan_u64(const char **pp, uint64_t *out)
{
	const char	*p = *pp;
	uint64_t	 v = 0, d;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		d = (uint64_t)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*pp = p;
	*out = v;
	return 0;
}

int
scan_file(int fd, char *buf, size_t len)
{
	ssize_t	 n;
	char	*nl;

	do
		n = pread(fd, buf, len - 1, 0);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	buf[n] = '\0';
	if ((size_t)n == len - 1 && (nl = strrchr(buf, '\n')) != NULL)
		nl[1] = '\0';
	return 0;
}
