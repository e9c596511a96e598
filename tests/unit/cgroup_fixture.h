/*
 * The recorded cgroup and /proc fixture trees (tests/fixtures) that the
 * cgroup reader's tests share (test_cgroup.c, test_cgroup_parse.c,
 * test_cgroup_cycle.c).
 */
#ifndef BERTH_CGROUP_FIXTURE_H
#define BERTH_CGROUP_FIXTURE_H

#include <stdint.h>

#define FIXTURES	BERTH_SRCDIR "/tests/fixtures"

#define ID_V1 \
	"0acb207213faeeb0c97832fe5adb4828de1c1a35c3abdebbcbde3a42403bc5ca"
#define ID_V1S \
	"e194cb88e5f8670a495786a2b31fae6a1d7af8c588dacd8e0eac1896e842772a"
#define ID_V2 \
	"a03f8538108dd95315203b3dded3249ea2802158cb3c656bdfaad2a485ae4091"
#define ID_V2S \
	"d3ead27a03370480fdef1a5e1e05722459830db6f16d8b75053a3dc5dd4a8888"
#define FIX_PID	4242

/* tests/fixtures/proc/stat: the first seven fields of "cpu", 4 CPUs. */
#define FIX_TICKS	(1204833ULL + 1520 + 351244 + 38120044 + 20931 + 0 + \
			    8812)
#define FIX_NCPU	4
/* tests/fixtures/proc/4242/net/dev: eth0 and eth1, not lo. */
#define FIX_RX		(1234567890ULL + 4096)
#define FIX_TX		(98765432ULL + 1024)

#include "unit_util.h"

#endif
