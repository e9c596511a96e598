/*
 * Entry-by-entry checks of a backup before it is restored (see
 * tarcheck.h).  libarchive reads the headers and skips the data; names
 * are checked as components, so "a/../b" is refused even where it
 * would stay inside.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "tarcheck.h"

#define ROOT	"volume"

/* Components of a relative path: none empty but a trailing one, none
 * "." or "..". */
static int
clean_path(const char *p)
{
	const char	*c = p, *e;
	size_t		 n;

	if (*p == '/' || *p == '\0')
		return 0;
	for (;;) {
		e = strchr(c, '/');
		n = e != NULL ? (size_t)(e - c) : strlen(c);
		if ((n == 0 && e != NULL) || (n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		if (e == NULL || e[1] == '\0')
			return 1;
		c = e + 1;
	}
}

static int
under_root(const char *p)
{
	size_t n = strlen(ROOT);

	return strncmp(p, ROOT, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

int
tarcheck_link_inside(const char *path, const char *target)
{
	int		 depth = 0;
	const char	*c, *e;
	size_t		 n;

	if (*target == '/' || *target == '\0')
		return 0;
	/* The link's directory, counted below ROOT. */
	for (c = path; (e = strchr(c, '/')) != NULL && e[1] != '\0';
	    c = e + 1)
		depth++;
	for (c = target; *c != '\0'; c = e + 1) {
		e = strchr(c, '/');
		n = e != NULL ? (size_t)(e - c) : strlen(c);
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			if (--depth < 1)
				return 0;	/* leaves volume/ */
		} else if (n > 0 && !(n == 1 && c[0] == '.'))
			depth++;
		if (e == NULL)
			break;
	}
	return 1;
}

static const char *
entry_problem(struct archive_entry *e, int64_t max_entry)
{
	const char	*p = archive_entry_pathname(e);
	const char	*l;
	mode_t		 m = archive_entry_mode(e);
	mode_t		 t = archive_entry_filetype(e);

	if (p == NULL)
		return "no name";
	if (p[0] == '/')
		return "absolute path";
	if (!clean_path(p))
		return "\"..\", \".\" or an empty component in the path";
	if (!under_root(p))
		return "outside volume/";
	if (m & (S_ISUID | S_ISGID))
		return "set-uid or set-gid bit";
	if (archive_entry_size(e) > max_entry)
		return "larger than the size cap";
	/* A hard link has no type of its own in a tar header. */
	if ((l = archive_entry_hardlink(e)) != NULL)
		return clean_path(l) && under_root(l) ? NULL :
		    "a hard link outside the volume";
	if (t != AE_IFREG && t != AE_IFDIR && t != AE_IFLNK)
		return "a device node, FIFO or socket";
	if (t == AE_IFLNK && ((l = archive_entry_symlink(e)) == NULL ||
	    !tarcheck_link_inside(p, l)))
		return "a symbolic link leading outside the volume";
	return NULL;
}

static int
walk(struct archive *a, int64_t max_entry, int64_t max_total,
    struct tarcheck *tc)
{
	struct archive_entry	*e;
	const char		*why;
	int			 rc;

	while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		tc->entries++;
		why = entry_problem(e, max_entry);
		if (why == NULL && (tc->bytes += archive_entry_size(e)) >
		    max_total)
			why = "the archive passes the total size cap";
		if (why != NULL) {
			snprintf(tc->bad, sizeof(tc->bad), "%.400s: %s",
			    archive_entry_pathname(e) != NULL ?
			    archive_entry_pathname(e) : "?", why);
			return 1;
		}
	}
	if (rc != ARCHIVE_EOF) {
		snprintf(tc->bad, sizeof(tc->bad), "unreadable archive: %s",
		    archive_error_string(a) != NULL ?
		    archive_error_string(a) : "?");
		return -1;
	}
	return 0;
}

static struct archive *
reader(void)
{
	struct archive *a = archive_read_new();

	archive_read_support_format_tar(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_none(a);
	return a;
}

static int
run(struct archive *a, int rc, int64_t max_entry, int64_t max_total,
    struct tarcheck *tc)
{
	if (rc != ARCHIVE_OK) {
		snprintf(tc->bad, sizeof(tc->bad), "unreadable archive: %s",
		    archive_error_string(a) != NULL ?
		    archive_error_string(a) : "?");
		rc = -1;
	} else
		rc = walk(a, max_entry, max_total, tc);
	archive_read_free(a);
	return rc;
}

int
tarcheck_fd(int fd, int64_t max_entry, int64_t max_total,
    struct tarcheck *tc)
{
	struct archive *a = reader();

	memset(tc, 0, sizeof(*tc));
	return run(a, archive_read_open_fd(a, fd, 64 * 1024), max_entry,
	    max_total, tc);
}

int
tarcheck_mem(const void *buf, size_t len, int64_t max_entry,
    int64_t max_total, struct tarcheck *tc)
{
	struct archive *a = reader();

	memset(tc, 0, sizeof(*tc));
	return run(a, archive_read_open_memory(a, buf, len), max_entry,
	    max_total, tc);
}
