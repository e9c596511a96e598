/*
 * The systemd notification protocol without libsystemd: datagrams to
 * $NOTIFY_SOCKET (a path, or an abstract name starting with '@'), and
 * WATCHDOG=1 at half of $WATCHDOG_USEC while the loop runs.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berthd.h"
#include "log.h"

static struct event	*watchdog_ev;

void
sdnotify(const char *fmt, ...)
{
	struct sockaddr_un	 sun;
	const char		*path = getenv("NOTIFY_SOCKET");
	char			 buf[512];
	socklen_t		 len;
	va_list			 ap;
	int			 fd, n;

	if (path == NULL || path[0] == '\0')
		return;
	if ((path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof(sun.sun_path))
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	if (sendto(fd, buf, (size_t)n, MSG_NOSIGNAL, (struct sockaddr *)&sun,
	    len) == -1)
		log_debug("sd_notify: sendto %s failed", path);
	close(fd);
}

static void
watchdog_cb(evutil_socket_t fd, short ev, void *arg)
{
	sdnotify("WATCHDOG=1");
}

void
sdnotify_watchdog_start(struct event_base *base)
{
	const char		*usec = getenv("WATCHDOG_USEC");
	const char		*pid = getenv("WATCHDOG_PID");
	unsigned long long	 us;
	struct timeval		 tv;

	if (usec == NULL || (us = strtoull(usec, NULL, 10)) == 0)
		return;
	if (pid != NULL && (pid_t)strtol(pid, NULL, 10) != getpid())
		return;
	us /= 2;
	tv.tv_sec = (time_t)(us / 1000000);
	tv.tv_usec = (suseconds_t)(us % 1000000);
	watchdog_ev = event_new(base, -1, EV_PERSIST, watchdog_cb, NULL);
	event_add(watchdog_ev, &tv);
	log_info("systemd watchdog every %llu ms", us / 1000);
	sdnotify("WATCHDOG=1");
}

void
sdnotify_watchdog_stop(void)
{
	if (watchdog_ev != NULL)
		event_free(watchdog_ev);
	watchdog_ev = NULL;
}
