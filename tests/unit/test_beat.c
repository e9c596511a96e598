/*
 * beat_parse (workers/healthmon/beat.c): code-server's /healthz answer
 * {"status", "lastHeartbeat"} as healthmon reads it.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "beat.h"

static int64_t
parse(const char *s)
{
	return beat_parse(s, strlen(s));
}

Test(beat, reads_last_heartbeat)
{
	cr_expect_eq(parse("{\"status\":\"alive\",\"lastHeartbeat\":"
	    "1796459400250}"), 1796459400250LL);
	cr_expect_eq(parse("{\"status\":\"expired\",\"lastHeartbeat\":"
	    "1796459400250.0}"), 1796459400250LL);
	cr_expect_eq(parse("{\"lastHeartbeat\":7}"), 7);
}

Test(beat, refuses_anything_else)
{
	cr_expect_eq(parse(""), -1);
	cr_expect_eq(parse("ok\n"), -1);
	cr_expect_eq(parse("{\"status\":\"alive\"}"), -1);
	cr_expect_eq(parse("{\"lastHeartbeat\":\"1796459400250\"}"), -1);
	cr_expect_eq(parse("{\"lastHeartbeat\":0}"), -1);
	cr_expect_eq(parse("{\"lastHeartbeat\":-5}"), -1);
	cr_expect_eq(parse("{\"lastHeartbeat\":1e300}"), -1);
	cr_expect_eq(parse("[1796459400250]"), -1);
	cr_expect_eq(beat_parse("{\"lastHeartbeat\":12}", 5), -1);
}
