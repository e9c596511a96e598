/*
 * The restore's entry checks (supervisord/tarcheck.c) on archives made
 * here with libarchive's writer: a clean one passes, compressed too;
 * each evil entry (absolute path, "..", outside volume/, device node,
 * FIFO, set-uid, symbolic or hard link outside, past the size cap) is
 * refused naming it; garbage is unreadable.
 */
#include <criterion/criterion.h>
#include <sys/stat.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "tarcheck.h"

#define CAP	(64 * 1024)

static char	buf[256 * 1024];
static size_t	used;

static struct archive *
start(int zstd)
{
	struct archive *a = archive_write_new();

	archive_write_set_format_pax_restricted(a);
	if (zstd)
		archive_write_add_filter_zstd(a);
	cr_assert_eq(archive_write_open_memory(a, buf, sizeof(buf), &used),
	    ARCHIVE_OK);
	return a;
}

static void
add(struct archive *a, const char *path, mode_t type, mode_t perm,
    const char *link, int hard, size_t size)
{
	struct archive_entry	*e = archive_entry_new();
	static char		 data[4096];

	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_size(e, type == AE_IFREG ? (la_int64_t)size : 0);
	if (link != NULL && hard)
		archive_entry_set_hardlink(e, link);
	else if (link != NULL)
		archive_entry_set_symlink(e, link);
	if (type == AE_IFCHR)
		archive_entry_set_rdev(e, 0x0103);
	cr_assert_eq(archive_write_header(a, e), ARCHIVE_OK, "%s",
	    archive_error_string(a));
	while (type == AE_IFREG && size > 0) {
		size_t n = size < sizeof(data) ? size : sizeof(data);

		cr_assert_eq(archive_write_data(a, data, n), (la_ssize_t)n);
		size -= n;
	}
	archive_entry_free(e);
}

static void
clean(struct archive *a)
{
	add(a, "volume/", AE_IFDIR, 0755, NULL, 0, 0);
	add(a, "volume/a.txt", AE_IFREG, 0644, NULL, 0, 100);
	add(a, "volume/sub/", AE_IFDIR, 0755, NULL, 0, 0);
	add(a, "volume/sub/link", AE_IFLNK, 0777, "../a.txt", 0, 0);
	add(a, "volume/sub/hard", AE_IFREG, 0644, "volume/a.txt", 1, 0);
}

static int
check(struct archive *a, struct tarcheck *tc)
{
	archive_write_close(a);
	archive_write_free(a);
	return tarcheck_mem(buf, used, CAP, 10 * CAP, tc);
}

Test(tarcheck, a_clean_archive_passes_plain_or_zstd)
{
	struct tarcheck	tc;
	struct archive	*a;

	a = start(0);
	clean(a);
	cr_expect_eq(check(a, &tc), 0, "%s", tc.bad);
	cr_expect_eq(tc.entries, 5);
	a = start(1);
	clean(a);
	cr_expect_eq(check(a, &tc), 0, "%s", tc.bad);
}

static void
refused(const char *path, mode_t type, mode_t perm, const char *link,
    int hard, size_t size, const char *why)
{
	struct tarcheck	tc;
	struct archive	*a = start(0);
	char		want[512];

	clean(a);
	add(a, path, type, perm, link, hard, size);
	add(a, "volume/after", AE_IFREG, 0644, NULL, 0, 1);
	cr_expect_eq(check(a, &tc), 1, "%s accepted", path);
	snprintf(want, sizeof(want), "%s: ", path);
	cr_expect(strncmp(tc.bad, want, strlen(want)) == 0, "%s", tc.bad);
	cr_expect(strstr(tc.bad, why) != NULL, "%s", tc.bad);
	cr_expect_eq(tc.entries, 6, "stops at the first bad entry");
}

Test(tarcheck, each_evil_entry_is_refused_by_name)
{
	refused("/etc/passwd", AE_IFREG, 0644, NULL, 0, 1, "absolute");
	refused("volume/../../etc/x", AE_IFREG, 0644, NULL, 0, 1, "..");
	refused("volume/a/../b", AE_IFREG, 0644, NULL, 0, 1, "..");
	refused("other/x", AE_IFREG, 0644, NULL, 0, 1, "outside volume/");
	refused("volume/dev", AE_IFCHR, 0644, NULL, 0, 0, "device");
	refused("volume/fifo", AE_IFIFO, 0644, NULL, 0, 0, "FIFO");
	refused("volume/suid", AE_IFREG, 04755, NULL, 0, 1, "set-uid");
	refused("volume/sgid", AE_IFREG, 02755, NULL, 0, 1, "set-gid");
	refused("volume/up", AE_IFLNK, 0777, "../../etc/shadow", 0, 0,
	    "symbolic link");
	refused("volume/abs", AE_IFLNK, 0777, "/etc/shadow", 0, 0,
	    "symbolic link");
	refused("volume/h", AE_IFREG, 0644, "etc/passwd", 1, 0, "hard link");
	refused("volume/big", AE_IFREG, 0644, NULL, 0, CAP + 1, "size cap");
}

Test(tarcheck, garbage_is_unreadable)
{
	struct tarcheck	tc;

	memset(buf, 'x', 4096);
	cr_expect_eq(tarcheck_mem(buf, 4096, CAP, CAP, &tc), -1);
	cr_expect(strstr(tc.bad, "unreadable") != NULL, "%s", tc.bad);
}

Test(tarcheck, links_inside_and_out)
{
	cr_expect(tarcheck_link_inside("volume/a/l", "../b"));
	cr_expect(tarcheck_link_inside("volume/a/l", "./c/../d"));
	cr_expect(!tarcheck_link_inside("volume/a/l", "../../b"));
	cr_expect(!tarcheck_link_inside("volume/l", "../volume/x"));
	cr_expect(!tarcheck_link_inside("volume/l", "/x"));
	cr_expect(!tarcheck_link_inside("volume/l", ""));
}
