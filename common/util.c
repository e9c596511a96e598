/*
 * Small helpers shared by every berth process.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
set_nonblock(int fd)
{
	int flags;

	if ((flags = fcntl(fd, F_GETFL)) == -1)
		return -1;
	return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

int
set_cloexec(int fd, int on)
{
	int flags;

	if ((flags = fcntl(fd, F_GETFD)) == -1)
		return -1;
	flags = on ? (flags | FD_CLOEXEC) : (flags & ~FD_CLOEXEC);
	return fcntl(fd, F_SETFD, flags);
}

void
close_from(int lowfd)
{
#ifdef HAVE_CLOSE_RANGE
	if (close_range((unsigned)lowfd, ~0U, 0) == 0)
		return;
#endif
	for (int fd = lowfd; fd < 1024; fd++)
		close(fd);
}

const char *
signal_name(int sig)
{
	static char buf[32];
	const char *abbrev;

	if ((abbrev = sigabbrev_np(sig)) != NULL) {
		snprintf(buf, sizeof(buf), "SIG%s", abbrev);
		return buf;
	}
	snprintf(buf, sizeof(buf), "signal %d", sig);
	return buf;
}

/*
 * Split "host:port" or "[v6]:port".  Returns 0, or -1 when malformed.
 */
int
parse_hostport(const char *s, char *host, size_t hostlen,
    unsigned short *port)
{
	const char	*colon, *h = s;
	size_t		 hl;
	char		*end;
	long		 p;

	if ((colon = strrchr(s, ':')) == NULL || colon == s)
		return -1;
	hl = (size_t)(colon - s);
	if (s[0] == '[') {
		if (hl < 3 || s[hl - 1] != ']')
			return -1;
		h = s + 1;
		hl -= 2;
	}
	if (hl == 0 || hl >= hostlen)
		return -1;
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || end == colon + 1 || p < 1 ||
	    p > 65535)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	*port = (unsigned short)p;
	return 0;
}

void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void
close_fds(const int *fds, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (fds[i] != -1)
			close(fds[i]);
}

char *
iso8601_ms(uint64_t wall_ms, char *buf, size_t len)
{
	time_t		t = (time_t)(wall_ms / 1000);
	struct tm	tm;
	char		base[32];

	gmtime_r(&t, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03uZ", base, (unsigned)(wall_ms % 1000));
	return buf;
}

int
secret_file_check(const char *what, const char *path, char *err,
    size_t errlen)
{
	struct stat	st;

	if (stat(path, &st) == -1) {
		seterr(err, errlen, "%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		seterr(err, errlen, "%s %s: not a regular file", what, path);
		return -1;
	}
	if (st.st_mode & 077) {
		seterr(err, errlen, "%s %s: mode %04o, must be 0600 or "
		    "stricter", what, path, (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

int
secret_file_read(const char *what, const char *path, char *out,
    size_t len, char *err, size_t errlen)
{
	ssize_t	n;
	int	fd;

	if (secret_file_check(what, path, err, errlen) == -1)
		return -1;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		seterr(err, errlen, "%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	n = read(fd, out, len);
	close(fd);
	if (n <= 0 || (size_t)n == len) {
		seterr(err, errlen, "%s %s: %s", what, path, n == 0 ? "empty" :
		    n > 0 ? "too long" : strerror(errno));
		return -1;
	}
	out[n] = '\0';
	return 0;
}

void
hex_encode(const uint8_t *in, size_t len, char *out)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * len] = '\0';
}
