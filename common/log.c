/*
 * Logging: one line per call, prefixed with the process identity
 * ("berthd", "gateway", ...).  Workers always log to stderr; berthd
 * relays their stderr to syslog when it is not in the foreground.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char	*log_ident = "berth";
static int		 log_foreground = 1;
static enum log_level	 log_level = LOG_LVL_INFO;

static const char *const level_names[] = { "error", "warn", "info", "debug" };
static const int syslog_prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

void
log_init(const char *ident, int foreground, enum log_level level)
{
	log_ident = ident;
	log_foreground = foreground;
	log_level = level;
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_setlevel(enum log_level level)
{
	log_level = level;
}

void
log_setident(const char *ident)
{
	log_ident = ident;
}

int
log_parse_level(const char *s, enum log_level *out)
{
	size_t i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

static void
vlog(enum log_level lvl, int errnum, const char *fmt, va_list ap)
{
	char	 msg[1024];
	int	 n;

	if (lvl > log_level)
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		return;
	if (errnum != 0 && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(errnum));
	if (log_foreground) {
		/* One write per line keeps lines from processes apart. */
		char	line[1200];
		int	len;

		len = snprintf(line, sizeof(line), "%s[%d]: %s: %s\n",
		    log_ident, (int)getpid(), level_names[lvl], msg);
		if (len > 0) {
			if ((size_t)len >= sizeof(line))
				len = sizeof(line) - 1;
			(void)write(STDERR_FILENO, line, (size_t)len);
		}
	} else
		syslog(syslog_prio[lvl], "%s", msg);
}

#define LOGFN(name, lvl, witherr)				\
void								\
name(const char *fmt, ...)					\
{								\
	int saved = errno;					\
	va_list ap;						\
	va_start(ap, fmt);					\
	vlog(lvl, witherr ? saved : 0, fmt, ap);		\
	va_end(ap);						\
	errno = saved;						\
}

LOGFN(log_warn, LOG_LVL_WARN, 1)
LOGFN(log_warnx, LOG_LVL_WARN, 0)
LOGFN(log_info, LOG_LVL_INFO, 0)
LOGFN(log_debug, LOG_LVL_DEBUG, 0)

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERR, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
