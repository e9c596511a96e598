/*
 * Project volume backups against the real engine and a real berthd:
 * a backup streamed from a never-started helper container round-trips
 * the volume's content (zstd and gzip), its manifest and sha256 say
 * what the file holds, no helper is left behind, another user's
 * project or backup is not found, bad values are 422, and the volume's
 * size is measured.  consistency stop stops the running workspace and
 * starts it again; berthctl backs up, lists and restores.  Clones are
 * in test_clone.c; the users, alice's project volume and berthd are
 * volumes_fixture.c's.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

#include "harness.h"
#include "volumes_fixture.h"

TestSuite(volumes, .init = volumes_setup, .fini = volumes_cleanup,
    .timeout = 180);

static json_t *
wait_backup(const char *bid)
{
	char	 path[192];

	snprintf(path, sizeof(path), "/api/projects/itvp1/backups/%s", bid);
	return wait_over(path);
}

static json_t *
backup(const char *body)
{
	json_t	*b, *done;

	b = harness_call(&run, "POST", "/api/projects/itvp1/backup", ALICE,
	    body, 202);
	cr_assert_str_eq(harness_jstr(b, "status"), "running");
	done = wait_backup(harness_jstr(b, "backupId"));
	json_decref(b);
	cr_assert_str_eq(harness_jstr(done, "status"), "done", "error: %s",
	    harness_jstr(done, "error"));
	return done;
}

/* The archive's listing by the tools of the host, and its sha256. */
static void
check_file(json_t *b, const char *unpack)
{
	char	*out = NULL, file[256];

	snprintf(file, sizeof(file), "%s/backups/%s", run.dir,
	    harness_jstr(b, "file"));
	cr_assert_eq(sh(&out, "sha256sum %s | cut -c1-64", file), 0);
	cr_expect(strncmp(out, harness_jstr(b, "sha256"), 64) == 0);
	free(out);
	cr_assert_eq(sh(&out, "%s < %s | tar -xOf - volume/a.txt", unpack,
	    file), 0);
	cr_expect_str_eq(out, "hello");
	free(out);
	cr_assert_eq(sh(&out, "%s < %s | tar -xOf - volume/sub/deep/numbers "
	    "| tail -1", unpack, file), 0);
	cr_expect_str_eq(out, "100000");
	free(out);
	cr_assert_eq(sh(&out, "%s < %s | tar -tvf - volume/link", unpack,
	    file), 0);
	cr_expect(strstr(out, "-> a.txt") != NULL, "%s", out);
	free(out);
}

Test(volumes, a_backup_round_trips_the_volumes_content)
{
	char	*out = NULL, path[256];
	json_t	*b, *m;

	b = backup("{}");
	cr_expect_str_eq(harness_jstr(b, "compression"), "zstd");
	/* volume/, a.txt, sub/, sub/deep/, numbers, link */
	cr_expect_eq(json_integer_value(json_object_get(b, "entries")), 6);
	cr_expect(json_integer_value(json_object_get(b, "bytes")) > 588895);
	check_file(b, "zstd -dc");
	/* the manifest beside it */
	snprintf(path, sizeof(path), "%s/backups/%s.json", run.dir,
	    harness_jstr(b, "backupId"));
	m = json_load_file(path, 0, NULL);
	cr_assert_not_null(m);
	cr_expect_str_eq(harness_jstr(m, "sha256"), harness_jstr(b, "sha256"));
	cr_expect_str_eq(harness_jstr(m, "volume"), VOL);
	cr_expect_str_eq(harness_jstr(json_object_get(m, "labels"),
	    "berth.owner"), "it-vol-alice");
	cr_expect(harness_jstr(m, "berthVersion")[0] != '\0');
	json_decref(m);
	json_decref(b);
	/* gzip, and the listing shows both */
	b = backup("{\"compression\":\"gzip\",\"consistency\":\"pause\"}");
	check_file(b, "gzip -dc");
	json_decref(b);
	b = harness_call(&run, "GET", "/api/projects/itvp1/backups", ALICE,
	    NULL, 200);
	cr_expect_eq(json_integer_value(json_object_get(b, "count")), 2);
	json_decref(b);
	/* no helper container left */
	cr_assert_eq(sh(&out, "docker ps -aq --filter "
	    "label=berth.helper=volume"), 0);
	cr_expect_str_eq(out, "");
	free(out);
}

Test(volumes, another_users_project_or_backup_is_not_found)
{
	char	 path[192];
	json_t	*b;

	b = backup("{\"compression\":\"none\"}");
	snprintf(path, sizeof(path), "/api/projects/itvp1/backups/%s",
	    harness_jstr(b, "backupId"));
	json_decref(harness_call(&run, "GET", path, BOB, NULL, 404));
	json_decref(harness_call(&run, "GET", path, ADMIN, NULL, 200));
	json_decref(harness_call(&run, "POST", "/api/projects/itvp1/backup",
	    BOB, "{}", 404));
	json_decref(harness_call(&run, "GET", "/api/projects/itvp1/backups",
	    BOB, NULL, 404));
	json_decref(harness_call(&run, "GET", "/api/projects/itvp1/"
	    "volume-size", BOB, NULL, 404));
	json_decref(harness_call(&run, "POST", "/api/projects/nope/backup",
	    ALICE, "{}", 404));
	json_decref(harness_call(&run, "GET", "/api/projects/itvp1/backups/"
	    "00000000-0000-0000-0000-000000000000", ALICE, NULL, 404));
	json_decref(b);
}

Test(volumes, bad_values_are_422_and_nothing_is_made)
{
	json_t *b;

	json_decref(harness_call(&run, "POST", "/api/projects/itvp1/backup",
	    ALICE, "{\"compression\":\"lzma\"}", 422));
	json_decref(harness_call(&run, "POST", "/api/projects/itvp1/backup",
	    ALICE, "{\"consistency\":1}", 422));
	json_decref(harness_call(&run, "POST", "/api/projects/itvp1/backup",
	    ALICE, "{\"other\":\"x\"}", 422));
	b = harness_call(&run, "GET", "/api/projects/itvp1/backups", ALICE,
	    NULL, 200);
	cr_expect_eq(json_integer_value(json_object_get(b, "count")), 0);
	json_decref(b);
}

Test(volumes, the_volume_size_is_measured)
{
	json_t *s;

	s = harness_call(&run, "GET", "/api/projects/itvp1/volume-size",
	    ALICE, NULL, 200);
	cr_expect(json_integer_value(json_object_get(s, "sizeBytes")) >=
	    588895);
	cr_expect(json_is_real(json_object_get(s, "sizeMB")));
	cr_expect(json_is_string(json_object_get(s, "measuredAt")));
	json_decref(s);
}

/* ------------------------------------------------------------ restore */

static char *
vol_cat(const char *file)
{
	char *out = NULL;

	sh(&out, "docker run --rm --network none -v " VOL ":/d " IMAGE
	    " sh -c 'cat /d/%s 2>&1; ls /d'", file);
	return out;
}

Test(volumes, a_restore_brings_the_backup_back_in_place)
{
	char	 body[160], *out;
	json_t	*b, *r;

	b = backup("{}");
	/* change the volume after the backup */
	cr_assert_eq(sh(NULL, "docker run --rm --network none -v " VOL ":/d "
	    IMAGE " sh -c 'rm /d/a.txt && echo junk > /d/junk'"), 0);
	snprintf(body, sizeof(body), "{\"backupId\":\"%s\"}",
	    harness_jstr(b, "backupId"));
	json_decref(harness_call(&run, "POST", "/api/projects/itvp1/restore",
	    BOB, body, 404));
	json_decref(harness_call(&run, "POST", "/api/projects/itvp1/restore",
	    ALICE, "{\"backupId\":\"00000000-0000-0000-0000-000000000000\"}",
	    404));
	json_decref(harness_call(&run, "POST", "/api/projects/itvp1/restore",
	    ALICE, "{\"backupId\":1}", 422));
	r = harness_call(&run, "POST", "/api/projects/itvp1/restore", ALICE,
	    body, 200);
	json_decref(r);
	out = vol_cat("a.txt");
	cr_expect(strncmp(out, "hello\n", 6) == 0, "%s", out);
	cr_expect(strstr(out, "junk") == NULL, "%s", out);
	cr_expect(strstr(out, "link") != NULL, "%s", out);
	free(out);
	cr_assert_eq(sh(&out, "docker volume inspect -f "
	    "'{{index .Labels \"berth.owner\"}}' " VOL), 0);
	cr_expect_str_eq(out, "it-vol-alice");
	free(out);
	/* no helper, no staging volume left */
	cr_assert_eq(sh(&out, "docker ps -aq --filter "
	    "label=berth.helper=volume; docker volume ls -q --filter "
	    "label=berth.helper=volume"), 0);
	cr_expect_str_eq(out, "");
	free(out);
	json_decref(b);
}

/* A backup file of berth's name with a manifest that says it is done,
 * as an attacker who could write the archive would leave it. */
static void
plant(const char *id, const char *py)
{
	char	*sum = NULL, path[256];
	FILE	*f;

	cr_assert_eq(sh(NULL, "cd %s/backups && python3 -c \"import tarfile,"
	    "io\nt=tarfile.open('%s.tar','w')\ndef add(n,**k):\n i=tarfile."
	    "TarInfo(n)\n [setattr(i,a,v) for a,v in k.items()]\n t.addfile(i,"
	    "io.BytesIO(b'x'*i.size))\nadd('volume/',type=tarfile.DIRTYPE)\n"
	    "add('volume/ok',size=1)\n%s\nt.close()\"", run.dir, id, py), 0);
	cr_assert_eq(sh(&sum, "sha256sum %s/backups/%s.tar | cut -c1-64",
	    run.dir, id), 0);
	snprintf(path, sizeof(path), "%s/backups/%s.json", run.dir, id);
	cr_assert_not_null(f = fopen(path, "w"));
	fprintf(f, "{\"id\":\"%s\",\"projectId\":\"itvp1\",\"owner\":"
	    "\"it-vol-alice\",\"volume\":\"" VOL "\",\"status\":\"done\","
	    "\"compression\":\"none\",\"consistency\":\"live\",\"file\":"
	    "\"%s.tar\",\"sha256\":\"%s\",\"error\":\"\",\"bytes\":10240,"
	    "\"entries\":3,\"startedMs\":1,\"finishedMs\":2,\"helperImage\":"
	    "\"" IMAGE "\"}", id, id, sum);
	fclose(f);
	free(sum);
}

static void
refused(const char *id, const char *entry)
{
	char	 body[128];
	json_t	*e;

	snprintf(body, sizeof(body), "{\"backupId\":\"%s\"}", id);
	e = harness_call(&run, "POST", "/api/projects/itvp1/restore", ALICE,
	    body, 422);
	cr_expect(strstr(json_string_value(json_object_get(json_object_get(e,
	    "error"), "message")), entry) != NULL, "%s: %s", id,
	    json_dumps(e, 0));
	json_decref(e);
}

Test(volumes, an_evil_archive_is_refused_naming_its_entry_and_nothing_changes)
{
	char *out;

	plant("e1", "add('volume/../escape',size=1)");
	plant("e2", "add('/etc/evil',size=1)");
	plant("e3", "add('volume/dev',type=tarfile.CHRTYPE,devmajor=1,"
	    "devminor=3)");
	plant("e4", "add('volume/suid',size=1,mode=0o4755)");
	plant("e5", "add('volume/up',type=tarfile.SYMTYPE,"
	    "linkname='../../etc/shadow')");
	cr_assert_neq(harness_stop(&run, SIGTERM, 10000), -1);
	harness_restart(&run, NULL);
	refused("e1", "volume/../escape");
	refused("e2", "/etc/evil");
	refused("e3", "volume/dev");
	refused("e4", "volume/suid");
	refused("e5", "volume/up");
	out = vol_cat("a.txt");
	cr_expect(strncmp(out, "hello\n", 6) == 0, "%s", out);
	cr_expect(strstr(out, "ok") == NULL, "%s", out);
	free(out);
}

Test(volumes, a_backup_cut_by_a_restart_is_failed_and_its_helper_removed)
{
	char	 path[256], *out = NULL;
	json_t	*b;
	FILE	*f;

	cr_assert_neq(harness_stop(&run, SIGTERM, 10000), -1);
	snprintf(path, sizeof(path), "%s/backups/cut.json", run.dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fprintf(f, "{\"id\":\"cut\",\"projectId\":\"itvp1\",\"owner\":"
	    "\"it-vol-alice\",\"volume\":\"" VOL "\",\"status\":\"running\","
	    "\"compression\":\"zstd\",\"consistency\":\"live\",\"file\":"
	    "\"cut.tar.zst\",\"sha256\":\"\",\"error\":\"\",\"bytes\":0,"
	    "\"entries\":0,\"startedMs\":1,\"finishedMs\":0}");
	fclose(f);
	cr_assert_eq(sh(NULL, "echo partial > %s/backups/cut.tar.zst && "
	    "docker create --label berth.helper=volume --label "
	    "berth.backup=cut -v " VOL ":/volume:ro " IMAGE " true "
	    ">/dev/null", run.dir), 0);
	harness_restart(&run, NULL);
	b = harness_call(&run, "GET", "/api/projects/itvp1/backups/cut",
	    ALICE, NULL, 200);
	cr_expect_str_eq(harness_jstr(b, "status"), "failed");
	cr_expect(strstr(harness_jstr(b, "error"), "berthd stopped") != NULL);
	json_decref(b);
	snprintf(path, sizeof(path), "%s/backups/cut.tar.zst", run.dir);
	cr_expect(access(path, F_OK) == -1, "the partial file is removed");
	/* the helper goes once berthd has listed the engine */
	for (int i = 0; i < 100; i++) {
		free(out);
		sh(&out, "docker ps -aq --filter label=berth.backup=cut");
		if (out[0] == '\0')
			break;
		usleep(100 * 1000);
	}
	cr_expect_str_eq(out, "", "helper left behind");
	free(out);
}

Test(volumes, no_restore_while_a_workspace_of_the_project_runs)
{
	char	 body[160], path[160];
	json_t	*b, *ws;
	int	 i;

	b = backup("{}");
	ws = harness_call(&run, "POST", "/api/workspaces", ALICE,
	    "{\"type\":\"demo\",\"projectId\":\"itvp1\"}", 201);
	snprintf(body, sizeof(body), "{\"backupId\":\"%s\"}",
	    harness_jstr(b, "backupId"));
	json_decref(harness_call(&run, "POST", "/api/projects/itvp1/restore",
	    ALICE, body, 409));
	json_decref(b);
	b = NULL;
	/* a backup of a running project, the workspace paused meanwhile */
	json_decref(backup("{\"consistency\":\"pause\"}"));
	snprintf(path, sizeof(path), "/api/workspaces/%s",
	    harness_jstr(ws, "id"));
	json_decref(harness_call(&run, "DELETE", path, ALICE, NULL, 200));
	for (i = 0; i < 300; i++) {
		json_decref(b);
		b = harness_call(&run, "GET", path, ALICE, NULL, 200);
		if (strcmp(harness_jstr(b, "status"), "stopped") == 0)
			break;
		usleep(100 * 1000);
	}
	json_decref(b);
	b = harness_call(&run, "POST", "/api/projects/itvp1/restore", ALICE,
	    body, 200);
	cr_expect_str_eq(harness_jstr(b, "status"), "done");
	json_decref(b);
	json_decref(ws);
}

/* The workspace's container: running, started at, finished at. */
static char *
ws_state(json_t *ws)
{
	char *out = NULL;

	cr_assert_eq(sh(&out, "docker inspect -f '{{.State.Running}} "
	    "{{.State.StartedAt}} {{.State.FinishedAt}}' %s",
	    harness_jstr(ws, "containerId")), 0);
	return out;
}

Test(volumes, a_stop_backup_stops_the_workspace_and_starts_it_again)
{
	char	 path[160], *before, *after, *text;
	json_t	*b, *ws, *e;

	ws = harness_call(&run, "POST", "/api/workspaces", ALICE,
	    "{\"type\":\"demo\",\"projectId\":\"itvp1\"}", 201);
	before = ws_state(ws);
	cr_assert(strncmp(before, "true ", 5) == 0, "%s", before);
	cr_expect(strstr(before, " 0001-01-01") != NULL, "never stopped yet");
	b = backup("{\"consistency\":\"stop\"}");
	cr_expect_str_eq(harness_jstr(b, "consistency"), "stop");
	check_file(b, "zstd -dc");
	/* done only once the workspace runs again: the same container,
	 * stopped meanwhile and started after */
	after = ws_state(ws);
	cr_expect(strncmp(after, "true ", 5) == 0, "%s", after);
	cr_expect(strcmp(before, after) != 0, "%s / %s", before, after);
	cr_expect(strstr(after, " 0001-01-01") == NULL, "stopped: %s", after);
	snprintf(path, sizeof(path), "/api/workspaces/%s",
	    harness_jstr(ws, "id"));
	e = harness_call(&run, "GET", path, ALICE, NULL, 200);
	cr_expect_str_eq(harness_jstr(e, "status"), "running");
	json_decref(e);
	e = harness_call(&run, "GET", "/api/monitoring/events?type="
	    "workspace.stopped", ADMIN, NULL, 200);
	text = json_dumps(e, 0);
	cr_expect(strstr(text, "(backup)") != NULL, "%s", text);
	free(text);
	json_decref(e);
	json_decref(harness_call(&run, "DELETE", path, ALICE, NULL, 200));
	free(before);
	free(after);
	json_decref(b);
	json_decref(ws);
}

Test(volumes, only_the_last_three_backups_are_kept)
{
	char	 first[64], path[256];
	json_t	*b;
	int	 i;

	b = backup("{\"compression\":\"none\"}");
	snprintf(first, sizeof(first), "%s", harness_jstr(b, "backupId"));
	json_decref(b);
	for (i = 0; i < 3; i++)
		json_decref(backup("{\"compression\":\"none\"}"));
	b = harness_call(&run, "GET", "/api/projects/itvp1/backups", ALICE,
	    NULL, 200);
	cr_expect_eq(json_integer_value(json_object_get(b, "count")), 3);
	json_decref(b);
	snprintf(path, sizeof(path), "/api/projects/itvp1/backups/%s", first);
	json_decref(harness_call(&run, "GET", path, ALICE, NULL, 404));
	snprintf(path, sizeof(path), "%s/backups/%s.tar", run.dir, first);
	cr_expect(access(path, F_OK) == -1, "the oldest archive is removed");
	snprintf(path, sizeof(path), "%s/backups/%s.json", run.dir, first);
	cr_expect(access(path, F_OK) == -1, "and its manifest");
}

Test(volumes, a_full_disk_ends_the_backup_cleanly)
{
	char	 dir[192], *out = NULL;
	json_t	*b, *e;
	char	*text;
	FILE	*f;

	snprintf(dir, sizeof(dir), "%s/full", run.dir);
	cr_assert_eq(sh(NULL, "mkdir -p %s && mount -t tmpfs -o size=64k,"
	    "mode=0700 berth-it-full %s", dir, dir), 0);
	cr_assert_neq(harness_stop(&run, SIGTERM, 10000), -1);
	cr_assert_not_null(f = fopen(run.conf, "a"));
	fprintf(f, "\n[volumes]\nbackup_dir = %s\n", dir);
	fclose(f);
	harness_restart(&run, NULL);
	b = harness_call(&run, "POST", "/api/projects/itvp1/backup", ALICE,
	    "{\"compression\":\"none\"}", 202);
	e = wait_backup(harness_jstr(b, "backupId"));
	cr_expect_str_eq(harness_jstr(e, "status"), "failed");
	cr_expect(strstr(harness_jstr(e, "error"), "No space left") != NULL,
	    "%s", harness_jstr(e, "error"));
	json_decref(e);
	/* only the manifest is left, saying so */
	cr_assert_eq(sh(&out, "ls %s", dir), 0);
	cr_expect(strstr(out, ".tar") == NULL, "%s", out);
	free(out);
	e = harness_call(&run, "GET", "/api/monitoring/events?type=backup."
	    "failed", ADMIN, NULL, 200);
	text = json_dumps(e, 0);
	cr_expect(strstr(text, harness_jstr(b, "backupId")) != NULL, "%s",
	    text);
	free(text);
	json_decref(e);
	json_decref(b);
	harness_stop(&run, SIGTERM, 10000);
	sh(NULL, "umount %s", dir);
}

/* ------------------------------------------------------------ berthctl */

/* berthctl's output as JSON (its exit status 0). */
static json_t *
ctl_json(const char *fmt, const char *a, const char *b)
{
	char	 cmd[512], args[256], *out = NULL;
	json_t	*j;

	snprintf(args, sizeof(args), fmt, a, b);
	snprintf(cmd, sizeof(cmd), "%s/berthctl -s %s %s --json",
	    BERTH_BUILDDIR, run.sock, args);
	cr_assert_eq(sh(&out, "%s", cmd), 0, "%s: %s", cmd, out);
	j = json_loads(out, 0, NULL);
	cr_assert_not_null(j, "%s: %s", cmd, out);
	free(out);
	return j;
}

/* berthctl fails, saying why. */
static void
ctl_fails(const char *args, const char *why)
{
	char *out = NULL;

	cr_expect_neq(sh(&out, "%s/berthctl -s %s %s 2>&1", BERTH_BUILDDIR,
	    run.sock, args), 0, "%s", args);
	cr_expect(strstr(out, why) != NULL, "%s: %s", args, out);
	free(out);
}

Test(volumes, berthctl_backup_backups_and_restore)
{
	char	 bid[64], *out = NULL;
	json_t	*b, *l;

	/* backup waits for the end and prints the record */
	b = ctl_json("backup %s --compression gzip --consistency %s",
	    "itvp1", "pause");
	cr_assert_str_eq(harness_jstr(b, "status"), "done");
	cr_expect_str_eq(harness_jstr(b, "consistency"), "pause");
	check_file(b, "gzip -dc");
	snprintf(bid, sizeof(bid), "%s", harness_jstr(b, "backupId"));
	json_decref(b);
	l = ctl_json("backups %s%s", "itvp1", "");
	cr_assert_eq(json_array_size(l), 1);
	cr_expect_str_eq(harness_jstr(json_array_get(l, 0), "backupId"), bid);
	json_decref(l);
	cr_assert_eq(sh(&out, "%s/berthctl -s %s backups itvp1",
	    BERTH_BUILDDIR, run.sock), 0);
	cr_expect(strstr(out, bid) != NULL && strstr(out, " done ") != NULL,
	    "%s", out);
	free(out);
	/* restore brings a.txt back */
	cr_assert_eq(sh(NULL, "docker run --rm --network none -v " VOL ":/d "
	    IMAGE " sh -c 'rm /d/a.txt'"), 0);
	b = ctl_json("restore %s %s", "itvp1", bid);
	cr_expect_str_eq(harness_jstr(b, "backupId"), bid);
	json_decref(b);
	out = vol_cat("a.txt");
	cr_expect(strncmp(out, "hello\n", 6) == 0, "%s", out);
	free(out);
	ctl_fails("backup nope", "not_found");
	ctl_fails("backup itvp1 --consistency never", "invalid");
	ctl_fails("restore itvp1 00000000-0000-0000-0000-000000000000",
	    "not_found");
	ctl_fails("backups", "usage");
}
