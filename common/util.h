/*
 * Small helpers shared by every berth process: clocks, descriptors,
 * signal names.
 */
#ifndef BERTH_UTIL_H
#define BERTH_UTIL_H

#include <stddef.h>
#include <stdint.h>

uint64_t	 now_ms(void);		/* monotonic milliseconds */
uint64_t	 wall_ms(void);		/* milliseconds since the epoch */
/* "2026-12-05T08:30:00.000Z" of a wall clock time, in buf. */
char		*iso8601_ms(uint64_t wall_ms, char *buf, size_t len);
int		 set_nonblock(int fd);
int		 set_cloexec(int fd, int on);
void		 close_from(int lowfd);	/* close every fd >= lowfd */
/* Close each of fds[0..n) that is not -1. */
void		 close_fds(const int *fds, size_t n);
/* Format an error into err (nothing when err is NULL or errlen 0). */
void		 seterr(char *err, size_t errlen, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
const char	*signal_name(int sig);	/* "SIGKILL", or "signal N" */
int		 parse_hostport(const char *s, char *host, size_t hostlen,
		    unsigned short *port);
/* len bytes as 2 * len lowercase hex digits and a NUL into out. */
void		 hex_encode(const uint8_t *in, size_t len, char *out);
/* A file holding a secret: regular, mode 0600 or stricter.  0, or -1
 * with err ("<what> <path>: ...") set. */
int		 secret_file_check(const char *what, const char *path,
		    char *err, size_t errlen);
/* Its text (checked as above) into out, NUL-terminated: 0, or -1 with
 * err set (also when it is empty or does not fit). */
int		 secret_file_read(const char *what, const char *path,
		    char *out, size_t len, char *err, size_t errlen);

#endif
