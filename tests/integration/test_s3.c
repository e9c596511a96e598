/*
 * Remote copies of project volume backups ([volumes.s3]) against a
 * real berthd, the real engine and a local S3: s3rver from npm
 * (tests/s3, contrib/install-deps.sh), started by the suite, which
 * checks every request's AWS Signature Version 4 against the
 * credentials S3RVER/S3RVER.  Without node or s3rver the test fails.
 *
 * An archive and its manifest are uploaded after a backup (the bytes
 * read back by a signed GET have the record's sha256); one larger than
 * a part goes as a multipart upload; keep_local = false removes the
 * local archive and a restore downloads it and round-trips the
 * content; with the storage down the record says failed, an event
 * says so and the local archive stays; rotation deletes the remote
 * objects; an upload cut by a restart is done again.
 */
#include <criterion/criterion.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

#define ADMIN	"it-s3-admin-0123456789abc"
#define ALICE	"it-s3-alice-0123456789abc"
#define VOL	"berth-project-its3"
#define IMAGE	"berth/demo-workspace:latest"
#define BUCKET	"berth-it"
#define SIGN	"--aws-sigv4 aws:amz:us-east-1:s3 --user S3RVER:S3RVER " \
		"-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD'"

static struct berthd_run	run;
static char			s3dir[64];
static int			s3port;
static int			s3pid;

static void
s3_stop(void)
{
	if (s3pid > 0) {
		kill(s3pid, SIGTERM);
		s3pid = 0;
		sleep_ms(300);
	}
}

/* s3rver on a free port with the bucket, or the test fails. */
static void
s3_start(void)
{
	char	*out = NULL;
	int	 i;

	s3port = harness_free_port();
	cr_assert_eq(sh(&out, "cd %s/tests/s3 && test -x node_modules/.bin/"
	    "s3rver && (node node_modules/.bin/s3rver -d %s/data -a 127.0.0.1 "
	    "-p %d --configure-bucket " BUCKET " > %s/log 2>&1 & echo $!)",
	    BERTH_SRCDIR, s3dir, s3port, s3dir), 0,
	    "no node or s3rver: run contrib/install-deps.sh (npm install in "
	    "tests/s3)");
	s3pid = atoi(out);
	free(out);
	for (i = 0; i < 100; i++) {
		if (sh(NULL, "curl -sf -o /dev/null " SIGN " http://127.0.0.1:%d/"
		    BUCKET "/", s3port) == 0)
			return;
		sleep_ms(100);
	}
	cr_assert_fail("s3rver did not answer on port %d", s3port);
}

static void
cleanup(void)
{
	harness_cleanup(&run);
	s3_stop();
	if (s3dir[0] != '\0')
		sh(NULL, "rm -rf %s", s3dir);
	sh(NULL, "docker ps -aq --filter label=berth.helper=volume | xargs -r "
	    "docker rm -f >/dev/null 2>&1");
	sh(NULL, "docker volume rm -f " VOL " >/dev/null 2>&1");
}

static void
setup(void)
{
	char	path[128];
	FILE	*f;

	harness_require_engine();
	cleanup();
	snprintf(s3dir, sizeof(s3dir), "/tmp/berth-s3-XXXXXX");
	cr_assert_not_null(mkdtemp(s3dir));
	snprintf(path, sizeof(path), "%s/credentials", s3dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fprintf(f, "# s3rver's own\naccess_key_id = S3RVER\n"
	    "secret_access_key = S3RVER\n");
	fclose(f);
	chmod(path, 0600);
	s3_start();
	cr_assert_eq(sh(NULL, "docker volume create --label berth.managed=true "
	    "--label berth.project=its3 --label berth.owner=it-s3-alice "
	    VOL " >/dev/null"), 0);
	cr_assert_eq(sh(NULL, "docker run --rm --network none -v " VOL ":/d "
	    IMAGE " sh -c 'echo hello > /d/a.txt'"), 0);
}

TestSuite(s3, .init = setup, .fini = cleanup, .timeout = 240);

/* berthd with [volumes.s3] (and extra lines in it). */
static void
start(const char *extra)
{
	char	ini[2048];

	snprintf(ini, sizeof(ini), "[volumes]\nkeep_last = 5\n"
	    "[volumes.s3]\nendpoint = http://127.0.0.1:%d\nbucket = " BUCKET
	    "\ncredentials_file = %s/credentials\n%s"
	    "[auth]\nadmin_token = " ADMIN "\n"
	    "[token.alice]\ntoken = " ALICE "\nuser = it-s3-alice\n"
	    "[type.demo]\nimage = " IMAGE "\nport = 8080\n", s3port, s3dir,
	    extra);
	harness_start(&run, ini, NULL, (uid_t)-1);
}

static json_t *
get_backup(const char *bid)
{
	char	path[192];

	snprintf(path, sizeof(path), "/api/projects/its3/backups/%s", bid);
	return harness_call(&run, "GET", path, ALICE, NULL, 200);
}

static const char *
remote_state(json_t *b)
{
	json_t *r = json_object_get(b, "remote");

	return json_is_object(r) ? harness_jstr(r, "state") : "(none)";
}

/* A backup that worked, once its remote copy is settled. */
static json_t *
backup(const char *body)
{
	json_t	*b;
	char	 bid[64];
	int	 i;

	b = harness_call(&run, "POST", "/api/projects/its3/backup", ALICE,
	    body, 202);
	snprintf(bid, sizeof(bid), "%s", harness_jstr(b, "backupId"));
	json_decref(b);
	for (i = 0; i < 1200; i++) {
		b = get_backup(bid);
		if (strcmp(harness_jstr(b, "status"), "running") != 0 &&
		    strcmp(remote_state(b), "pending") != 0 &&
		    strcmp(remote_state(b), "uploading") != 0)
			break;
		json_decref(b);
		b = NULL;
		sleep_ms(100);
	}
	cr_assert_not_null(b, "backup %s never settled", bid);
	cr_assert_str_eq(harness_jstr(b, "status"), "done", "%s",
	    harness_jstr(b, "error"));
	return b;
}

static int
object_exists(const char *key)
{
	return sh(NULL, "curl -sf -o /dev/null " SIGN " -I "
	    "http://127.0.0.1:%d/" BUCKET "/%s", s3port, key) == 0;
}

/* The sha256 of an object as a signed GET reads it; "" if none. */
static char *
object_sha(const char *key)
{
	char *out = NULL;

	if (!object_exists(key))
		return strdup("");
	cr_assert_eq(sh(&out, "curl -sf " SIGN " http://127.0.0.1:%d/" BUCKET
	    "/%s | sha256sum | cut -c1-64", s3port, key), 0);
	return out;
}

static int
local_exists(const char *file)
{
	char	path[256];

	snprintf(path, sizeof(path), "%s/backups/%s", run.dir, file);
	return access(path, F_OK) == 0;
}

Test(s3, an_archive_and_its_manifest_are_uploaded_after_the_backup)
{
	char	 key[160], *sha, *m = NULL;
	json_t	*b, *r;

	start("");
	b = backup("{}");
	r = json_object_get(b, "remote");
	cr_assert_str_eq(remote_state(b), "uploaded", "%s",
	    harness_jstr(r, "error"));
	snprintf(key, sizeof(key), "its3/%s", harness_jstr(b, "file"));
	cr_expect_str_eq(harness_jstr(r, "key"), key);
	cr_expect(json_is_null(json_object_get(r, "error")));
	sha = object_sha(key);
	cr_expect_str_eq(sha, harness_jstr(b, "sha256"));
	free(sha);
	cr_assert_eq(sh(&m, "curl -sf " SIGN " http://127.0.0.1:%d/" BUCKET
	    "/its3/%s.json", s3port, harness_jstr(b, "backupId")), 0);
	cr_expect(strstr(m, harness_jstr(b, "sha256")) != NULL, "%s", m);
	free(m);
	cr_expect(local_exists(harness_jstr(b, "file")), "keep_local");
	json_decref(b);
}

/* A volume of 12 MiB that does not compress: three parts of 5 MiB. */
Test(s3, a_large_archive_goes_in_parts_and_comes_back_for_a_restore)
{
	char	 key[160], body[128], line[256], *sha, *log = NULL;
	char	*before = NULL, *after = NULL, *ls = NULL;
	json_t	*b;

	cr_assert_eq(sh(NULL, "docker run --rm --network none -v " VOL ":/d "
	    IMAGE " sh -c 'head -c 12582912 /dev/urandom > /d/big'"), 0);
	cr_assert_eq(sh(&before, "docker run --rm --network none -v " VOL
	    ":/d " IMAGE " busybox sha256sum /d/big"), 0);
	start("part_size_mb = 5\nkeep_local = false\n");
	b = backup("{\"compression\":\"none\"}");
	cr_assert_str_eq(remote_state(b), "uploaded", "%s",
	    harness_jstr(json_object_get(b, "remote"), "error"));
	cr_assert(json_integer_value(json_object_get(b, "storedBytes")) >
	    10 << 20);
	snprintf(key, sizeof(key), "its3/%s", harness_jstr(b, "file"));
	sha = object_sha(key);
	cr_expect_str_eq(sha, harness_jstr(b, "sha256"));
	free(sha);
	/* three parts, each signed and accepted by s3rver */
	snprintf(line, sizeof(line), "%s: %lld bytes in 3 parts", key,
	    (long long)json_integer_value(json_object_get(b, "storedBytes")));
	cr_expect(log_contains(&run, line), "%s", line);
	cr_assert_eq(sh(&log, "grep -c 'partNumber=[123]&uploadId=' %s/log",
	    s3dir), 0);
	cr_expect_str_eq(log, "3");
	free(log);
	cr_expect(!local_exists(harness_jstr(b, "file")),
	    "keep_local = false removes the local archive");
	/* change the volume, restore from the remote copy */
	cr_assert_eq(sh(NULL, "docker run --rm --network none -v " VOL ":/d "
	    IMAGE " sh -c 'rm /d/big; echo junk > /d/a.txt'"), 0);
	snprintf(body, sizeof(body), "{\"backupId\":\"%s\"}",
	    harness_jstr(b, "backupId"));
	json_decref(harness_call(&run, "POST", "/api/projects/its3/restore",
	    ALICE, body, 200));
	cr_assert_eq(sh(&after, "docker run --rm --network none -v " VOL
	    ":/d " IMAGE " sh -c 'busybox sha256sum /d/big; cat /d/a.txt'"), 0);
	cr_expect(strncmp(after, before, 64) == 0, "%s / %s", after, before);
	cr_expect(strstr(after, "hello") != NULL, "%s", after);
	cr_expect(!local_exists(harness_jstr(b, "file")), "nor after it");
	cr_assert_eq(sh(&ls, "ls %s/backups", run.dir), 0);
	cr_expect(strstr(ls, ".fetch") == NULL, "%s", ls);
	free(ls);
	free(before);
	free(after);
	json_decref(b);
	sh(NULL, "docker run --rm --network none -v " VOL ":/d " IMAGE
	    " sh -c 'rm -f /d/big'");
}

Test(s3, with_the_storage_down_the_upload_fails_and_the_local_copy_stays)
{
	char	*text;
	json_t	*b, *e;

	start("keep_local = false\n");
	s3_stop();
	b = backup("{}");
	cr_expect_str_eq(remote_state(b), "failed");
	cr_expect(harness_jstr(json_object_get(b, "remote"), "error")[0] !=
	    '\0');
	cr_expect(local_exists(harness_jstr(b, "file")),
	    "a failed upload keeps the local archive whatever keep_local");
	e = harness_call(&run, "GET", "/api/monitoring/events?type=backup."
	    "upload_failed", ADMIN, NULL, 200);
	text = json_dumps(e, 0);
	cr_expect(strstr(text, harness_jstr(b, "backupId")) != NULL, "%s",
	    text);
	cr_expect(strstr(text, "warning") != NULL, "%s", text);
	cr_expect(strstr(text, "S3RVER") == NULL, "no secret: %s", text);
	free(text);
	json_decref(e);
	json_decref(b);
	cr_expect(!log_contains(&run, "secret_access_key"));
}

Test(s3, rotation_deletes_the_remote_objects)
{
	char	 key[160], man[160], path[192];
	json_t	*a, *b;
	int	 i;

	start("");
	a = backup("{\"compression\":\"none\"}");
	cr_assert_str_eq(remote_state(a), "uploaded");
	snprintf(key, sizeof(key), "its3/%s", harness_jstr(a, "file"));
	snprintf(man, sizeof(man), "its3/%s.json", harness_jstr(a, "backupId"));
	cr_assert(object_exists(key) && object_exists(man));
	for (i = 0; i < 5; i++)
		json_decref(backup("{\"compression\":\"none\"}"));
	/* keep_last = 5: a is gone, here and there */
	snprintf(path, sizeof(path), "/api/projects/its3/backups/%s",
	    harness_jstr(a, "backupId"));
	json_decref(harness_call(&run, "GET", path, ALICE, NULL, 404));
	for (i = 0; i < 50 && (object_exists(key) || object_exists(man)); i++)
		sleep_ms(100);
	cr_expect(!object_exists(key), "%s still stored", key);
	cr_expect(!object_exists(man), "%s still stored", man);
	cr_expect(!local_exists(harness_jstr(a, "file")));
	b = harness_call(&run, "GET", "/api/projects/its3/backups", ALICE,
	    NULL, 200);
	cr_expect_eq(json_integer_value(json_object_get(b, "count")), 5);
	json_decref(b);
	json_decref(a);
}

/* A manifest left "uploading" by a berthd that stopped. */
Test(s3, an_upload_cut_by_a_restart_is_done_again)
{
	char	 path[256], *sha = NULL, *got;
	json_t	*b;
	FILE	*f;
	int	 i;

	start("");
	cr_assert_neq(harness_stop(&run, SIGTERM, 10000), -1);
	cr_assert_eq(sh(NULL, "echo cut-archive > %s/backups/"
	    "00000000-0000-4000-8000-00000000c0de.tar", run.dir), 0);
	cr_assert_eq(sh(&sha, "sha256sum %s/backups/00000000-0000-4000-8000-"
	    "00000000c0de.tar | cut -c1-64", run.dir), 0);
	snprintf(path, sizeof(path), "%s/backups/00000000-0000-4000-8000-"
	    "00000000c0de.json", run.dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fprintf(f, "{\"id\":\"00000000-0000-4000-8000-00000000c0de\","
	    "\"projectId\":\"its3\",\"owner\":\"it-s3-alice\",\"volume\":\""
	    VOL "\",\"status\":\"done\",\"compression\":\"none\","
	    "\"consistency\":\"live\",\"file\":\"00000000-0000-4000-8000-"
	    "00000000c0de.tar\",\"sha256\":\"%s\",\"error\":\"\",\"bytes\":"
	    "10240,\"entries\":1,\"startedMs\":1,\"finishedMs\":2,"
	    "\"helperImage\":\"" IMAGE "\",\"remote\":{\"state\":"
	    "\"uploading\",\"key\":\"its3/00000000-0000-4000-8000-"
	    "00000000c0de.tar\",\"error\":\"\"}}", sha);
	fclose(f);
	harness_restart(&run, NULL);
	for (i = 0; i < 100; i++) {
		b = get_backup("00000000-0000-4000-8000-00000000c0de");
		if (strcmp(remote_state(b), "uploaded") == 0)
			break;
		json_decref(b);
		b = NULL;
		sleep_ms(100);
	}
	cr_assert_not_null(b, "the cut upload was not done again");
	json_decref(b);
	got = object_sha("its3/00000000-0000-4000-8000-00000000c0de.tar");
	cr_expect_str_eq(got, sha);
	free(got);
	free(sha);
}
