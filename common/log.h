/*
 * Logging for berthd, its workers and berthctl: stderr in the foreground,
 * syslog otherwise.  fatal() and fatalx() end the process; the x variants
 * do not append errno.
 */
#ifndef BERTH_LOG_H
#define BERTH_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void	log_init(const char *ident, int foreground, enum log_level level);
void	log_setlevel(enum log_level level);
void	log_setident(const char *ident);
int	log_parse_level(const char *s, enum log_level *out);

void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
