/*
 * Unit tests for workers/gateway/jsonw.c: what it writes is byte for
 * byte what json_pack + json_dumps(JSON_COMPACT) wrote before it (the
 * API's field names, types and order must not change), for strings
 * that need escapes, non-ASCII text, nulls, integers and reals; and a
 * string that is not UTF-8 fails as jansson's did.
 */
#include <criterion/criterion.h>
#include <event2/buffer.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/jsonw.h"
#include "util.h"

/* What j wrote, as a string (freed by the caller). */
static char *
written(struct jw *j)
{
	size_t	 n;
	char	*s;

	cr_assert_eq(jw_finish(j), 0);
	n = evbuffer_get_length(j->out);
	s = calloc(1, n + 1);
	evbuffer_remove(j->out, s, n);
	evbuffer_free(j->out);
	return s;
}

static void
same(struct jw *j, json_t *ref)
{
	char	*want, *got;

	cr_assert_not_null(ref);
	want = json_dumps(ref, JSON_COMPACT | JSON_ENCODE_ANY);
	got = written(j);
	cr_assert_str_eq(got, want);
	free(want);
	free(got);
	json_decref(ref);
}

static const char *const texts[] = {
	"", "plain", "quote\" back\\slash /slash", "\b\f\n\r\t", "\x01\x1f\x7f",
	"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "ws-0123_a.b@c",
};

Test(jsonw, strings_as_jansson)
{
	struct jw	j;
	size_t		i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		jw_start(&j, evbuffer_new());
		jw_open(&j, NULL, '{');
		jw_str(&j, texts[i], texts[i]);
		jw_nstr(&j, "n", texts[i]);
		jw_close(&j, '}');
		same(&j, json_pack("{s:s,s:o}", texts[i], texts[i], "n",
		    texts[i][0] != '\0' ? json_string(texts[i]) : json_null()));
	}
}

Test(jsonw, numbers_as_jansson)
{
	static const double reals[] = { 0, 0.5, 1, 2, -3, 0.1, 1.5, 1e20,
	    1e-5, 1.25e300, -2.5e-300, 123456789.125, 4.0 / 3 };
	static const int64_t ints[] = { 0, 1, -1, 512, INT64_MAX, INT64_MIN };
	struct jw	j;
	size_t		i;

	for (i = 0; i < sizeof(reals) / sizeof(reals[0]); i++) {
		jw_start(&j, evbuffer_new());
		jw_open(&j, NULL, '[');
		jw_real(&j, NULL, reals[i]);
		jw_close(&j, ']');
		same(&j, json_pack("[f]", reals[i]));
	}
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		jw_start(&j, evbuffer_new());
		jw_open(&j, NULL, '[');
		jw_int(&j, NULL, ints[i]);
		jw_bool(&j, NULL, (int)(i % 2));
		jw_null(&j, NULL);
		jw_close(&j, ']');
		same(&j, json_pack("[I,b,n]", (json_int_t)ints[i],
		    (int)(i % 2)));
	}
}

/* Nested objects and arrays, and more than the writer's buffer. */
Test(jsonw, nesting_and_long_answers)
{
	struct jw	 j;
	json_t		*a = json_array();
	char		 big[3000];
	int		 i;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	jw_start(&j, evbuffer_new());
	jw_open(&j, NULL, '{');
	jw_open(&j, "items", '[');
	for (i = 0; i < 20; i++) {
		jw_open(&j, NULL, '{');
		jw_str(&j, "big", big);
		jw_open(&j, "inner", '{');
		jw_int(&j, "i", i);
		jw_close(&j, '}');
		jw_open(&j, "empty", '[');
		jw_close(&j, ']');
		jw_close(&j, '}');
		json_array_append_new(a, json_pack("{s:s,s:{s:i},s:[]}",
		    "big", big, "inner", "i", i, "empty"));
	}
	jw_close(&j, ']');
	jw_int(&j, "count", 20);
	jw_close(&j, '}');
	same(&j, json_pack("{s:o,s:i}", "items", a, "count", 20));
}

Test(jsonw, not_utf8_or_not_finite_fails)
{
	static const char *const bad[] = { "\xff", "a\xc3", "\xed\xa0\x80",
	    "\xc0\xaf" };
	struct jw	j;
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_null(json_string(bad[i]));
		jw_start(&j, evbuffer_new());
		jw_str(&j, NULL, bad[i]);
		cr_assert_eq(jw_finish(&j), -1);
		evbuffer_free(j.out);
	}
	jw_start(&j, evbuffer_new());
	jw_real(&j, NULL, NAN);
	cr_assert_eq(jw_finish(&j), -1);
	evbuffer_free(j.out);
}

/* Times as iso8601_ms writes them: leap days, ends of years, 9999. */
Test(jsonw, times_as_iso8601_ms)
{
	static const int64_t at[] = { 1, 999, 86399999, 86400000,
	    951782400000, 951868799999, 978307199999, 1735689599123,
	    4107542400000, 253402300799999, 253402300800000 };
	struct jw	 j;
	char		 buf[40];
	int64_t		 ms;
	size_t		 i;

	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		jw_start(&j, evbuffer_new());
		jw_time(&j, NULL, at[i]);
		same(&j, json_string(iso8601_ms((uint64_t)at[i], buf,
		    sizeof(buf))));
	}
	for (ms = 7; ms < INT64_C(253402300800000); ms += 9876543217) {
		jw_start(&j, evbuffer_new());
		jw_time(&j, NULL, ms);
		same(&j, json_string(iso8601_ms((uint64_t)ms, buf,
		    sizeof(buf))));
	}
	jw_start(&j, evbuffer_new());
	jw_time(&j, NULL, 0);
	jw_time(&j, NULL, -5);
	cr_assert_eq(jw_finish(&j), 0);
	cr_assert_eq(evbuffer_get_length(j.out), 9);	/* null,null */
	evbuffer_free(j.out);
}
