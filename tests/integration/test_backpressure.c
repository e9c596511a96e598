/*
 * Bounded channels against a real berthd: the gateway is rawgw (the
 * stand-in a test drives over TCP), told to stop reading from berthd
 * and then flooded with requests whose replies berthd would have to
 * queue.  berthd must stop taking them (its resident memory stays
 * bounded), keep the gateway (paused, not killed) and keep answering
 * its admin socket.  An admin client that does not read its replies is
 * stopped the same way.
 *
 * The hard limit (the worker killed and restarted) is tested at unit
 * level only, in test_chan_limits.c: while berthd does not read the
 * gateway, only replies to requests already in flight reach its queue
 * (at most 1024, router.c), and no worker answers the gateway with
 * more than a few KiB, so nothing a gateway can ask takes the queue
 * from 4 MiB to 32 MiB.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "codec.h"
#include "harness.h"
#include "proto.h"
#include "rawgw_client.h"
#include "util.h"

TestSuite(backpressure, .timeout = 180);

/* berthd queues at most 32 MiB for the gateway and stops reading it at
 * 4 MiB; unbounded, either flood below queues well over 64 MiB (a
 * status reply is about 500 bytes, a metrics page from berthd 4 KiB). */
#define RSS_GROWTH_MAX_KB	(64 * 1024)
#define FLOOD_REQUESTS		200000
#define FLOOD_MS		15000
#define SETTLE_MS		40000

/* CPU time berthd has used, in clock ticks; -1 if it is gone. */
static long
cpu_ticks(pid_t pid)
{
	char	 path[64], *s, *p;
	long	 utime, stime;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((s = read_file(path)) == NULL)
		return -1;
	/* Fields 14 and 15, counted after the command's closing paren. */
	p = strrchr(s, ')');
	if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u "
	    "%*u %*u %ld %ld", &utime, &stime) != 2) {
		free(s);
		return -1;
	}
	free(s);
	return utime + stime;
}

/* Wait until berthd has taken whatever it will take of the flood: its
 * CPU time all but still for half a second (or SETTLE_MS pass). */
static void
wait_settled(pid_t pid)
{
	long	prev = cpu_ticks(pid), now;
	int	waited;

	for (waited = 0; waited < SETTLE_MS; waited += 500) {
		sleep_ms(500);
		now = cpu_ticks(pid);
		if (now - prev <= 2)
			return;
		prev = now;
	}
}

/* ASan keeps freed memory aside (its quarantine, 256 MiB by default),
 * which would count as berthd's growth: berthd gets none here. */
static void
no_quarantine(void)
{
	const char	*cur = getenv("ASAN_OPTIONS");
	char		 buf[512];

	snprintf(buf, sizeof(buf), "%s%squarantine_size_mb=0",
	    cur != NULL ? cur : "", cur != NULL && *cur != '\0' ? ":" : "");
	setenv("ASAN_OPTIONS", buf, 1);
}

/* Send type requests with increasing ids until max are sent, ms pass,
 * or rawgw stops taking them (berthd stopped reading it).  Returns the
 * number sent. */
static int
flood(int fd, unsigned type, int max, int ms)
{
	struct msg	m;
	uint64_t	end = now_ms() + (uint64_t)ms;
	int		sent, rv = 0;

	for (sent = 0; sent < max && rv == 0 && now_ms() < end; sent++) {
		msg_init(&m, type, (uint32_t)sent + 100, PEER_PARENT);
		rv = rawgw_send(fd, &m, 2000);
		msg_clear(&m);
	}
	if (rv == -1) {
		cr_assert_eq(errno, ETIMEDOUT, "send: %s", strerror(errno));
		sent--;
	}
	return sent;
}

/* The relay answers before anything else is tried. */
static void
assert_relay_works(int fd)
{
	struct msg	m, r;

	msg_init(&m, MSG_STATUS_REQ, 1, PEER_PARENT);
	cr_assert_eq(rawgw_send(fd, &m, 5000), 0);
	msg_clear(&m);
	cr_assert_eq(rawgw_recv(fd, &r, 5000), 0, "no reply through rawgw: "
	    "%s", strerror(errno));
	cr_assert_eq(r.type, MSG_STATUS);
	cr_assert_eq(r.id, 1u);
	cr_assert(r.flags & MSGF_REPLY);
	msg_clear(&r);
}

static void
flood_bounded(unsigned type)
{
	struct berthd_run	 r;
	struct msg		 st;
	pid_t			 gw;
	long			 before, after;
	int			 fd, sent;

	no_quarantine();
	harness_start_rawgw(&r, NULL);
	fd = rawgw_connect(r.port);
	cr_assert_neq(fd, -1, "cannot connect to rawgw");
	assert_relay_works(fd);
	gw = harness_worker_pid(&r, "gateway");
	before = proc_field(r.pid, "VmRSS:");
	cr_assert_gt(before, 0);

	cr_assert_eq(rawgw_stop_reading(fd, 5000), 0);
	sent = flood(fd, type, FLOOD_REQUESTS, FLOOD_MS);
	wait_settled(r.pid);
	after = proc_field(r.pid, "VmRSS:");
	cr_log_info("%s: %d requests sent; berthd VmRSS %ld kB -> %ld kB",
	    msg_type_name(type), sent, before, after);
	cr_assert_gt(sent, 1000, "rawgw took only %d requests", sent);
	cr_assert_lt(after - before, RSS_GROWTH_MAX_KB,
	    "berthd grew by %ld kB for %d requests", after - before, sent);

	/* Paused, not restarted; berthd still answers its admin socket. */
	harness_status(&r, &st);
	cr_assert_eq(harness_worker(&st, "gateway")->pid, gw,
	    "the paused gateway was restarted");
	cr_assert_str_eq(harness_worker(&st, "gateway")->state, "up");
	msg_clear(&st);
	close(fd);
	harness_cleanup(&r);
}

Test(backpressure, gateway_stops_reading_status_flood)
{
	flood_bounded(MSG_STATUS_REQ);
}

Test(backpressure, gateway_stops_reading_metrics_flood)
{
	flood_bounded(MSG_PROM_REQ);
}

/* An admin client that sends requests and never reads the replies:
 * berthd stops reading it (the client's writes block), stays bounded
 * and serves other clients. */
Test(backpressure, admin_client_stops_reading)
{
	struct berthd_run	 r;
	struct sockaddr_un	 sun;
	struct msg		 st;
	long			 before, after;
	int			 fd, sent;

	no_quarantine();
	harness_start_rawgw(&r, NULL);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, r.sock);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	before = proc_field(r.pid, "VmRSS:");

	/* The frames are the same on any stream: rawgw_send will do. */
	sent = flood(fd, MSG_STATUS_REQ, FLOOD_REQUESTS, FLOOD_MS);
	wait_settled(r.pid);
	after = proc_field(r.pid, "VmRSS:");
	cr_log_info("admin: %d requests sent; berthd VmRSS %ld kB -> %ld kB",
	    sent, before, after);
	cr_assert_lt(sent, FLOOD_REQUESTS, "berthd never stopped reading");
	cr_assert_lt(after - before, RSS_GROWTH_MAX_KB,
	    "berthd grew by %ld kB for %d requests", after - before, sent);
	harness_status(&r, &st);
	msg_clear(&st);
	close(fd);
	harness_cleanup(&r);
}
