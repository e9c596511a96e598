/*
 * Unit tests for common/utf8.c (messages cut on a character boundary,
 * invalid UTF-8 replaced) and for the env rules of common/wscheck.c
 * (ws_check_env: PORT, BERTH_* and the type's own variables refused,
 * by name).
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "utf8.h"
#include "wscheck.h"

/* "é" is c3 a9, "€" e2 82 ac, "😀" f0 9f 98 80. */
Test(utf8, cut_inside_two_byte_character)
{
	char	buf[6];

	/* "abcdé" needs 7 bytes with the NUL: vsnprintf keeps "abcd\xc3". */
	utf8_format(buf, sizeof(buf), "%s", "abcd\xc3\xa9");
	cr_assert_str_eq(buf, "abcd");
}

Test(utf8, cut_inside_three_and_four_byte_characters)
{
	char	buf[8];
	json_t	*j;
	size_t	n;

	for (n = 2; n <= sizeof(buf); n++) {
		utf8_format(buf, n, "x%s%s", "\xe2\x82\xac", "\xf0\x9f\x98\x80");
		cr_assert(strcmp(buf, "x") == 0 || strcmp(buf, "") == 0 ||
		    strcmp(buf, "x\xe2\x82\xac") == 0, "cut at %zu: %s", n,
		    buf);
		cr_assert_not_null(j = json_string(buf), "cut at %zu", n);
		json_decref(j);
	}
	utf8_format(buf, sizeof(buf), "x%s", "\xf0\x9f\x98\x80");
	cr_assert_str_eq(buf, "x\xf0\x9f\x98\x80");
}

Test(utf8, whole_characters_kept)
{
	char	buf[64];

	utf8_format(buf, sizeof(buf), "%s", "d\xc3\xa9j\xc3\xa0 \xe2\x82\xac");
	cr_assert_str_eq(buf, "d\xc3\xa9j\xc3\xa0 \xe2\x82\xac");
}

Test(utf8, invalid_bytes_replaced_so_jansson_accepts)
{
	static const char *const bad[] = {
		"\xff", "a\x80z", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80",
		"\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "\xc3(",
	};
	char	buf[32];
	json_t	*j;
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_null(json_string(bad[i]));
		utf8_format(buf, sizeof(buf), "%s", bad[i]);
		cr_assert(buf[0] != '\0', "case %zu emptied", i);
		cr_assert_not_null(j = json_string(buf), "case %zu: %s", i,
		    buf);
		json_decref(j);
	}
	utf8_format(buf, sizeof(buf), "%s", "a\x80z");
	cr_assert_str_eq(buf, "a?z");
}

Test(utf8, seqlen)
{
	cr_assert_eq(utf8_seqlen((const unsigned char *)"A", 1), 1);
	cr_assert_eq(utf8_seqlen((const unsigned char *)"\xc3\xa9", 2), 2);
	cr_assert_eq(utf8_seqlen((const unsigned char *)"\xc3", 1), 0);
	cr_assert_eq(utf8_seqlen((const unsigned char *)"\xf0\x9f\x98\x80",
	    4), 4);
}

/* ------------------------------------------------------------ env */

static struct ws_type
env_type(void)
{
	struct ws_type	t;

	memset(&t, 0, sizeof(t));
	t.name = (char *)"demo";
	t.env = (char *)"EDITOR=vim;LANG=C.UTF-8;EMPTY=";
	return t;
}

static int
check_one(const struct ws_type *t, const char *key, char *err, size_t len)
{
	struct config_entry e = { (char *)key, (char *)"v" };

	err[0] = '\0';
	return ws_check_env(t, &e, 1, err, len);
}

Test(wscheck_env, reserved_names_refused_by_name)
{
	static const char *const refused[] = { "PORT", "BERTH_TOKEN",
	    "BERTH_", "EDITOR", "LANG", "EMPTY" };
	struct ws_type	t = env_type();
	char		err[256];
	size_t		i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		cr_assert_eq(check_one(&t, refused[i], err, sizeof(err)), -1,
		    "%s accepted", refused[i]);
		cr_assert_not_null(strstr(err, refused[i]), "%s not named: %s",
		    refused[i], err);
	}
}

Test(wscheck_env, others_accepted)
{
	static const char *const ok[] = { "PORTS", "XPORT", "BERTHX",
	    "berth_x", "EDIT", "LAN", "EDITORS", "MY_VAR" };
	struct ws_type	t = env_type();
	char		err[256];
	size_t		i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		cr_assert_eq(check_one(&t, ok[i], err, sizeof(err)), 0,
		    "%s refused: %s", ok[i], err);
	/* Without a type (the gateway does not know it): PORT and BERTH_*
	 * only. */
	cr_assert_eq(check_one(NULL, "EDITOR", err, sizeof(err)), 0);
	cr_assert_eq(check_one(NULL, "PORT", err, sizeof(err)), -1);
}

Test(wscheck_env, create_checks_env_against_the_type)
{
	struct berth_config	cfg;
	struct config_errors	errs = { NULL, 0 };
	struct body_ws_create	b;
	struct config_entry	e = { (char *)"LANG", (char *)"fr" };
	char			err[256] = "";

	config_init(&cfg);
	cr_assert_eq(config_set(&cfg, "type.vscode.env", "LANG=C", err,
	    sizeof(err)), 0, "%s", err);
	cr_assert_eq(config_finish(&cfg, &errs), 0);
	memset(&b, 0, sizeof(b));
	b.type = (char *)"vscode";
	b.owner = (char *)"alice";
	b.project_id = b.s3_bucket = (char *)"";
	b.tier = strdup("");
	b.env = &e;
	b.nenv = 1;
	cr_assert_eq(ws_check_create(&cfg, &b, err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, "LANG"), "%s", err);
	free(b.tier);
	config_errors_free(&errs);
	config_free(&cfg);
}
