/*
 * Unit tests for the exposition's sample lines (common/promtext.c):
 * labels and their escapes, the user label left out, values as
 * Prometheus reads them, a buffer that grows past its first size, and
 * the check of the statswriter's texts (promtext_of_family) and how
 * they are cut (promtext_fit).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "promtext.h"

static char *
line(const char *name, const char *k0, const char *v0, const char *k1,
    const char *v1, double value, int users)
{
	static char		 out[256];
	const char *const	 k[3] = { k0, k1, NULL };
	const char *const	 v[3] = { v0, v1, NULL };
	struct ptbuf		 b = { NULL, 0, 0 };

	promtext_sample(&b, name, k, v, value, users);
	cr_assert_lt(b.len, sizeof(out));
	memcpy(out, b.p, b.len);
	out[b.len] = '\0';
	ptbuf_free(&b);
	return out;
}

Test(promtext, labels_and_escapes)
{
	cr_expect_str_eq(line("m", NULL, NULL, NULL, NULL, 3, 1), "m 3\n");
	cr_expect_str_eq(line("m", "a", "x", "b", "y", 1, 1),
	    "m{a=\"x\",b=\"y\"} 1\n");
	cr_expect_str_eq(line("m", "a", "q\"b\\s\nn", NULL, NULL, 0, 1),
	    "m{a=\"q\\\"b\\\\s\\nn\"} 0\n");
	cr_expect_str_eq(line("m", "", "x", NULL, NULL, 2, 1), "m 2\n");
}

Test(promtext, the_user_label_can_be_left_out)
{
	cr_expect_str_eq(line("m", "user", "alice", "tier", "free", 1, 0),
	    "m{tier=\"free\"} 1\n");
	cr_expect_str_eq(line("m", "user", "alice", NULL, NULL, 1, 0),
	    "m 1\n");
	cr_expect_str_eq(line("m", "user", "alice", NULL, NULL, 1, 1),
	    "m{user=\"alice\"} 1\n");
}

Test(promtext, values)
{
	cr_expect_str_eq(line("m", NULL, NULL, NULL, NULL, -42, 1),
	    "m -42\n");
	cr_expect_str_eq(line("m", NULL, NULL, NULL, NULL, 0.5, 1),
	    "m 0.5\n");
	cr_expect_str_eq(line("m", NULL, NULL, NULL, NULL, -0.0, 1),
	    "m -0\n");
	cr_expect_str_eq(line("m", NULL, NULL, NULL, NULL, 1e300, 1),
	    "m 1.0000000000000001e+300\n");
	cr_expect_str_eq(line("m", NULL, NULL, NULL, NULL, NAN, 1),
	    "m NaN\n");
	cr_expect_str_eq(line("m", NULL, NULL, NULL, NULL, -INFINITY, 1),
	    "m -Inf\n");
	cr_expect_str_eq(line("m", NULL, NULL, NULL, NULL, 123456789012345,
	    1), "m 123456789012345\n");
}

Test(promtext, the_buffer_grows)
{
	const char *const	k[3] = { "workspace", NULL, NULL };
	const char *const	v[3] = { "ws-1", NULL, NULL };
	struct ptbuf		b = { NULL, 0, 0 };
	size_t			i;

	for (i = 0; i < 10000; i++)
		promtext_sample(&b, "berth_container_pids", k, v, 7, 1);
	cr_assert_eq(b.len, 10000 * strlen(
	    "berth_container_pids{workspace=\"ws-1\"} 7\n"));
	cr_expect_eq(memcmp(b.p + b.len - 7, "-1\"} 7\n", 7), 0);
	ptbuf_free(&b);
	cr_expect_null(b.p);
}

/* What the gateway takes from the statswriter: only samples of the
 * family named, every line complete. */
Test(promtext, a_text_holds_only_its_family)
{
	const char	*f = "berth_container_pids";

	cr_assert(promtext_of_family(f,
	    "berth_container_pids{workspace=\"a\"} 3\n"
	    "berth_container_pids 4\n"));
	cr_assert_not(promtext_of_family(f, ""));
	cr_assert_not(promtext_of_family("", "x 1\n"));
	/* another family, or one that only starts with this name */
	cr_assert_not(promtext_of_family(f,
	    "berth_container_pids 1\nberth_workspaces 2\n"));
	cr_assert_not(promtext_of_family(f,
	    "berth_container_pids_evil{a=\"b\"} 1\n"));
	cr_assert_not(promtext_of_family(f, "berth_container_pids\n"));
	/* a comment, an empty line, a line without its newline */
	cr_assert_not(promtext_of_family(f,
	    "# HELP berth_container_pids x\nberth_container_pids 1\n"));
	cr_assert_not(promtext_of_family(f, "berth_container_pids 1\n\n"));
	cr_assert_not(promtext_of_family(f, "berth_container_pids 1"));
	/* a newline inside a label value makes a line of its own */
	cr_assert_not(promtext_of_family(f,
	    "berth_container_pids{a=\"x\n# TYPE evil counter\"} 1\n"));
}

/* The statswriter cuts its lines into texts a message can carry: each
 * piece ends after a newline, and a line longer than a text is found
 * (0), so that it can be left out rather than sent broken. */
Test(promtext, a_cut_ends_after_a_line)
{
	const char	*t = "a 1\nbb 2\nccc 3\n";	/* lines of 4, 5, 6 */
	char		 big[64];

	cr_assert_eq(promtext_fit(t, 15, 15), 15);
	cr_assert_eq(promtext_fit(t, 15, 100), 15);
	cr_assert_eq(promtext_fit(t, 15, 14), 9);
	cr_assert_eq(promtext_fit(t, 15, 9), 9);
	cr_assert_eq(promtext_fit(t, 15, 8), 4);
	cr_assert_eq(promtext_fit(t, 15, 4), 4);
	cr_assert_eq(promtext_fit(t, 15, 3), 0);
	cr_assert_eq(promtext_fit(t + 4, 11, 4), 0);
	/* a first line longer than a text, then short ones */
	memset(big, 'x', 40);
	memcpy(big + 40, " 1\ny 2\n", 7);
	cr_assert_eq(promtext_fit(big, 47, 42), 0);
	cr_assert_eq(promtext_fit(big, 47, 43), 43);
	cr_assert_eq(promtext_fit(big + 43, 4, 4), 4);
}
