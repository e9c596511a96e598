/*
 * Unit tests for the statswriter's on-disk spool
 * (common/spool.c), each in its own scratch directory:
 * records of every size read back in order, commit and rewind, reopen,
 * the cutting of torn tails and corrupt records, the max_bytes bound,
 * refused lengths, a short write, and a writer killed with SIGKILL
 * mid-append.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool.h"

#define NAME	"spool"
#define HDR	12	/* bytes of a record's header on disk */

static char	scratch[64];
static int	dfd = -1;

/* Record i of a run is len bytes of pattern from a place that depends
 * on i: no two neighbours are alike, and making one costs nothing. */
static unsigned char	pattern[2 * SPOOL_MAX_RECORD];

static void
make_pattern(void)
{
	uint32_t	x = 2463534242U;
	size_t		j;

	for (j = 0; j < sizeof(pattern); j++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		pattern[j] = (unsigned char)x;
	}
}

static const unsigned char *
rec(uint64_t i)
{
	return pattern + i * 4099 % SPOOL_MAX_RECORD;
}

static void
setup(void)
{
	strcpy(scratch, "/tmp/berth-spool-XXXXXX");
	cr_assert_not_null(mkdtemp(scratch), "mkdtemp: %s", strerror(errno));
	dfd = open(scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_neq(dfd, -1, "open %s: %s", scratch, strerror(errno));
	make_pattern();
}

static void
teardown(void)
{
	if (dfd != -1) {
		unlinkat(dfd, NAME, 0);
		close(dfd);
		dfd = -1;
	}
	if (scratch[0] != '\0' && rmdir(scratch) == -1)
		cr_log_warn("could not remove %s: %s", scratch,
		    strerror(errno));
	scratch[0] = '\0';
}

TestSuite(spool, .init = setup, .fini = teardown, .timeout = 60);

/* ---------------------------------------------------------- helpers */

static struct spool *
open_spool(uint64_t max_bytes)
{
	struct spool	*sp;
	char		 err[256];

	sp = spool_open(dfd, NAME, max_bytes, err, sizeof(err));
	cr_assert_not_null(sp, "spool_open: %s", err);
	return sp;
}

static void
append(struct spool *sp, size_t len, uint64_t i)
{
	cr_assert_eq(spool_append(sp, rec(i), len), 0, "append %zu bytes: %s",
	    len, strerror(errno));
}

/* The next record must be record i of len bytes. */
static void
expect(struct spool *sp, size_t len, uint64_t i)
{
	void	*buf = NULL;
	size_t	 got = 0;

	cr_assert_eq(spool_next(sp, &buf, &got), 1, "record %ju missing",
	    (uintmax_t)i);
	cr_assert_eq(got, len, "record %ju: %zu bytes, not %zu",
	    (uintmax_t)i, got, len);
	cr_assert_arr_eq(buf, rec(i), len, "record %ju differs", (uintmax_t)i);
	free(buf);
}

static void
expect_end(struct spool *sp)
{
	void	*buf = NULL;
	size_t	 len = 0;

	cr_assert_eq(spool_next(sp, &buf, &len), 0);
}

static uint64_t
file_size(void)
{
	struct stat st;

	cr_assert_eq(fstatat(dfd, NAME, &st, 0), 0);
	return (uint64_t)st.st_size;
}

static void
truncate_file(uint64_t size)
{
	int fd;

	cr_assert_neq(fd = openat(dfd, NAME, O_WRONLY | O_CLOEXEC), -1);
	cr_assert_eq(ftruncate(fd, (off_t)size), 0);
	close(fd);
}

static void
overwrite(uint64_t off, const void *p, size_t len)
{
	int fd;

	cr_assert_neq(fd = openat(dfd, NAME, O_WRONLY | O_CLOEXEC), -1);
	cr_assert_eq(pwrite(fd, p, len, (off_t)off), (ssize_t)len);
	close(fd);
}

/* Flip one bit of the byte at off. */
static void
flip(uint64_t off)
{
	unsigned char	b;
	int		fd;

	cr_assert_neq(fd = openat(dfd, NAME, O_RDWR | O_CLOEXEC), -1);
	cr_assert_eq(pread(fd, &b, 1, (off_t)off), 1);
	b ^= 0x10;
	cr_assert_eq(pwrite(fd, &b, 1, (off_t)off), 1);
	close(fd);
}

/* Four records of 100, 200, 300 and 400 bytes; their offsets in off[]. */
static void
four_records(uint64_t off[4])
{
	struct spool	*sp;
	int		 i;

	sp = open_spool(0);
	for (i = 0; i < 4; i++) {
		off[i] = spool_bytes(sp);
		append(sp, (size_t)(i + 1) * 100, (uint64_t)i);
	}
	cr_assert_eq(spool_bytes(sp), 1000 + 4 * HDR);
	cr_assert_eq(spool_sync(sp), 0);
	spool_close(sp);
}

/* Reopen after damage: exactly the first n of four_records() are left,
 * the file is cut at off, and appending goes on after them. */
static void
expect_cut(uint64_t off, int n)
{
	struct spool	*sp;
	int		 i;

	sp = open_spool(0);
	cr_assert_eq(spool_records(sp), (uint64_t)n);
	cr_assert_eq(spool_bytes(sp), off);
	cr_assert_eq(file_size(), off);
	append(sp, 50, 99);
	for (i = 0; i < n; i++)
		expect(sp, (size_t)(i + 1) * 100, (uint64_t)i);
	expect(sp, 50, 99);
	expect_end(sp);
	spool_close(sp);
}

/* ------------------------------------------------------- round trip */

static const size_t sizes[] = {
	1, 2, 11, 12, 13, 255, 4095, 4096, 4097, 32767, 32768, 32769,
	65536, 100000, SPOOL_MAX_RECORD - 1, SPOOL_MAX_RECORD
};
#define NSIZES	(sizeof(sizes) / sizeof(sizes[0]))
#define NSMALL	1000

static size_t
size_of(uint64_t i)
{
	return i < NSIZES ? sizes[i] : 1 + (size_t)(i * 7919 % 3000);
}

Test(spool, round_trip_in_order)
{
	struct spool	*sp;
	uint64_t	 i, bytes = 0;

	sp = open_spool(0);
	cr_assert_eq(spool_bytes(sp), 0);
	cr_assert_eq(spool_records(sp), 0);
	expect_end(sp);
	for (i = 0; i < NSIZES + NSMALL; i++) {
		append(sp, size_of(i), i);
		bytes += HDR + size_of(i);
	}
	cr_assert_eq(spool_records(sp), NSIZES + NSMALL);
	cr_assert_eq(spool_bytes(sp), bytes);
	cr_assert_eq(file_size(), bytes);
	for (i = 0; i < NSIZES + NSMALL; i++)
		expect(sp, size_of(i), i);
	expect_end(sp);
	spool_commit(sp);
	cr_assert_eq(spool_records(sp), 0);
	cr_assert_eq(spool_bytes(sp), 0);
	cr_assert_eq(file_size(), 0);
	spool_close(sp);
}

Test(spool, commit_truncates_then_appends_at_zero)
{
	struct spool	*sp;

	sp = open_spool(0);
	append(sp, 10, 0);
	append(sp, 20, 1);
	expect(sp, 10, 0);
	expect(sp, 20, 1);
	spool_commit(sp);
	cr_assert_eq(file_size(), 0);
	cr_assert_eq(spool_bytes(sp), 0);
	append(sp, 30, 2);
	cr_assert_eq(file_size(), HDR + 30);
	cr_assert_eq(spool_bytes(sp), HDR + 30);
	cr_assert_eq(spool_records(sp), 1);
	expect(sp, 30, 2);
	expect_end(sp);
	cr_assert_eq(spool_sync(sp), 0);
	spool_close(sp);

	/* The record written at offset 0 is what a restart finds. */
	sp = open_spool(0);
	cr_assert_eq(spool_records(sp), 1);
	expect(sp, 30, 2);
	spool_close(sp);
}

Test(spool, partial_commit_keeps_the_file)
{
	struct spool	*sp;
	uint64_t	 i, bytes;

	sp = open_spool(0);
	for (i = 0; i < 10; i++)
		append(sp, 40 + i, i);
	bytes = spool_bytes(sp);
	for (i = 0; i < 4; i++)
		expect(sp, 40 + i, i);
	spool_commit(sp);
	cr_assert_eq(spool_records(sp), 6);
	cr_assert_eq(spool_bytes(sp), bytes);
	cr_assert_eq(file_size(), bytes);
	/* Appended while reading: still read in order, after the rest. */
	append(sp, 50, 10);
	for (i = 4; i < 11; i++)
		expect(sp, 40 + i, i);
	expect_end(sp);
	cr_assert_eq(spool_records(sp), 7);
	spool_close(sp);

	/* The commit point is not on disk: a restart replays it all. */
	sp = open_spool(0);
	cr_assert_eq(spool_records(sp), 11);
	spool_close(sp);
}

Test(spool, rewind_replays_since_commit)
{
	struct spool	*sp;
	uint64_t	 i;

	sp = open_spool(0);
	for (i = 0; i < 10; i++)
		append(sp, 100 + i, i);
	for (i = 0; i < 4; i++)
		expect(sp, 100 + i, i);
	spool_rewind(sp);
	cr_assert_eq(spool_records(sp), 10);
	for (i = 0; i < 6; i++)
		expect(sp, 100 + i, i);
	spool_commit(sp);
	cr_assert_eq(spool_records(sp), 4);
	expect(sp, 106, 6);
	expect(sp, 107, 7);
	spool_rewind(sp);
	cr_assert_eq(spool_records(sp), 4);
	for (i = 6; i < 10; i++)
		expect(sp, 100 + i, i);
	expect_end(sp);
	spool_commit(sp);
	cr_assert_eq(spool_records(sp), 0);
	cr_assert_eq(file_size(), 0);
	spool_close(sp);
}

Test(spool, reopen_keeps_records)
{
	struct spool	*sp;
	uint64_t	 i, bytes;

	sp = open_spool(0);
	for (i = 0; i < 50; i++)
		append(sp, size_of(i + NSIZES), i);
	bytes = spool_bytes(sp);
	cr_assert_eq(spool_sync(sp), 0);
	spool_close(sp);

	sp = open_spool(0);
	cr_assert_eq(spool_records(sp), 50);
	cr_assert_eq(spool_bytes(sp), bytes);
	cr_assert_eq(file_size(), bytes);
	append(sp, 7, 50);
	for (i = 0; i < 50; i++)
		expect(sp, size_of(i + NSIZES), i);
	expect(sp, 7, 50);
	expect_end(sp);
	spool_close(sp);
}

Test(spool, created_0600)
{
	struct spool	*sp;
	struct stat	 st;

	sp = open_spool(0);
	cr_assert_eq(fstatat(dfd, NAME, &st, 0), 0);
	cr_assert_eq(st.st_mode & 07777, 0600);
	spool_close(sp);
}

Test(spool, symlink_refused)
{
	char	err[256] = "";

	cr_assert_eq(symlinkat("/dev/null", dfd, NAME), 0);
	cr_assert_null(spool_open(dfd, NAME, 0, err, sizeof(err)));
	cr_assert_neq(err[0], '\0');
}

/* berthd appends as root: a hard link to some other file (here one
 * in the same directory) must not be written through. */
Test(spool, hard_link_refused)
{
	char	err[256] = "";
	int	fd;

	cr_assert_geq(fd = openat(dfd, "other", O_WRONLY | O_CREAT, 0600), 0);
	close(fd);
	cr_assert_eq(linkat(dfd, "other", dfd, NAME, 0), 0);
	cr_assert_null(spool_open(dfd, NAME, 0, err, sizeof(err)));
	cr_assert_not_null(strstr(err, "one link"), "%s", err);
	unlinkat(dfd, "other", 0);
}

Test(spool, chown_gives_the_file_away)
{
	struct spool	*sp;
	struct stat	 st;

	cr_assert_eq(geteuid(), 0, "run as root (CI does)");
	sp = open_spool(0);
	cr_assert_eq(spool_chown(sp, 65534, 65534), 0);
	cr_assert_eq(fstatat(dfd, NAME, &st, 0), 0);
	cr_assert_eq(st.st_uid, 65534);
	cr_assert_eq(st.st_gid, 65534);
	spool_close(sp);
}

/* ------------------------------------------------------ torn tails */

Test(spool, torn_header_cut)
{
	uint64_t off[4];

	four_records(off);
	truncate_file(off[3] + 5);
	expect_cut(off[3], 3);
}

Test(spool, torn_payload_cut)
{
	uint64_t off[4];

	four_records(off);
	truncate_file(off[3] + HDR + 200);
	expect_cut(off[3], 3);
}

Test(spool, garbage_tail_cut)
{
	static const char	junk[] = "not a record";
	uint64_t		off[4];

	four_records(off);
	overwrite(file_size(), junk, sizeof(junk));
	expect_cut(off[3] + HDR + 400, 4);
}

Test(spool, flipped_payload_byte_cut)
{
	uint64_t off[4];

	four_records(off);
	flip(off[1] + HDR + 150);
	expect_cut(off[1], 1);
}

Test(spool, flipped_crc_byte_cut)
{
	uint64_t off[4];

	four_records(off);
	flip(off[3] + 8);
	expect_cut(off[3], 3);
}

Test(spool, bad_magic_cut)
{
	uint64_t off[4];

	four_records(off);
	overwrite(off[2], "BSP2", 4);
	expect_cut(off[2], 2);
}

Test(spool, bad_length_cut)
{
	static const unsigned char	zero[4] = { 0, 0, 0, 0 };
	static const unsigned char	huge[4] = { 0, 0x10, 0, 1 };
	uint64_t			off[4];

	four_records(off);
	overwrite(off[3] + 4, huge, 4);	/* SPOOL_MAX_RECORD + 1 */
	expect_cut(off[3], 3);
	truncate_file(0);
	four_records(off);
	overwrite(off[0] + 4, zero, 4);
	expect_cut(0, 0);
}

Test(spool, only_torn_record_cut_to_empty)
{
	struct spool	*sp;

	sp = open_spool(0);
	append(sp, 1000, 0);
	spool_close(sp);
	truncate_file(HDR + 999);
	sp = open_spool(0);
	cr_assert_eq(spool_records(sp), 0);
	cr_assert_eq(spool_bytes(sp), 0);
	cr_assert_eq(file_size(), 0);
	expect_end(sp);
	spool_close(sp);
}

/* ----------------------------------------------------------- limits */

Test(spool, max_bytes_refuses_with_efbig)
{
	struct spool	*sp;
	int		 i;

	sp = open_spool(3 * (HDR + 100));
	for (i = 0; i < 3; i++)
		append(sp, 100, 0);
	errno = 0;
	cr_assert_eq(spool_append(sp, rec(0), 1), -1);
	cr_assert_eq(errno, EFBIG);
	cr_assert_eq(spool_records(sp), 3);
	cr_assert_eq(spool_bytes(sp), 3 * (HDR + 100));
	cr_assert_eq(file_size(), 3 * (HDR + 100));

	/* Reading alone frees nothing; a commit that empties the file does. */
	expect(sp, 100, 0);
	cr_assert_eq(spool_append(sp, rec(0), 1), -1);
	cr_assert_eq(errno, EFBIG);
	expect(sp, 100, 0);
	expect(sp, 100, 0);
	spool_commit(sp);
	cr_assert_eq(spool_bytes(sp), 0);
	append(sp, 100, 1);
	cr_assert_eq(spool_records(sp), 1);
	spool_close(sp);
}

Test(spool, max_bytes_counts_the_header)
{
	struct spool	*sp;

	sp = open_spool(HDR + 10);
	cr_assert_eq(spool_append(sp, rec(0), 11), -1);
	cr_assert_eq(errno, EFBIG);
	append(sp, 10, 0);
	cr_assert_eq(spool_bytes(sp), HDR + 10);
	spool_close(sp);

	/* A file already past a smaller bound takes nothing more. */
	sp = open_spool(5);
	cr_assert_eq(spool_records(sp), 1);
	cr_assert_eq(spool_append(sp, rec(0), 1), -1);
	cr_assert_eq(errno, EFBIG);
	spool_close(sp);
}

Test(spool, bad_lengths_einval)
{
	struct spool	*sp;
	unsigned char	*big;

	big = calloc(1, SPOOL_MAX_RECORD + 1);
	cr_assert_not_null(big);
	sp = open_spool(0);
	errno = 0;
	cr_assert_eq(spool_append(sp, big, 0), -1);
	cr_assert_eq(errno, EINVAL);
	errno = 0;
	cr_assert_eq(spool_append(sp, big, SPOOL_MAX_RECORD + 1), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(spool_bytes(sp), 0);
	cr_assert_eq(spool_records(sp), 0);
	cr_assert_eq(file_size(), 0);
	cr_assert_eq(spool_append(sp, big, SPOOL_MAX_RECORD), 0);
	cr_assert_eq(spool_bytes(sp), HDR + SPOOL_MAX_RECORD);
	spool_close(sp);
	free(big);
}

/* RLIMIT_FSIZE makes write() take only part of a record, as a full
 * disk would; the part must be cut back. */
Test(spool, short_write_cut_back)
{
	struct spool	*sp;
	struct rlimit	 rl, low;

	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &rl), 0);
	signal(SIGXFSZ, SIG_IGN);
	sp = open_spool(0);
	append(sp, 100, 0);
	low = rl;
	low.rlim_cur = 2 * (HDR + 100);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &low), 0);
	errno = 0;
	cr_assert_eq(spool_append(sp, rec(1), 200), -1);
	cr_assert_eq(errno, ENOSPC, "errno %d", errno);
	cr_assert_eq(spool_bytes(sp), HDR + 100);
	cr_assert_eq(file_size(), HDR + 100);
	cr_assert_eq(spool_records(sp), 1);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	append(sp, 200, 1);
	spool_close(sp);

	sp = open_spool(0);
	cr_assert_eq(spool_records(sp), 2);
	expect(sp, 100, 0);
	expect(sp, 200, 1);
	expect_end(sp);
	spool_close(sp);
}

/* ---------------------------------------------------------- SIGKILL */

#define KILL_ROUNDS	12
#define KILL_AFTER	20	/* new records the parent waits for */

/* Up to 256 KiB, so the kill often lands inside a write. */
static size_t
kill_size(uint64_t i)
{
	return 1 + (size_t)(i * 104729 % (256 * 1024));
}

/* The child: reopen the spool (cutting what the last kill tore) and
 * append records from the count found on, reporting the count after
 * each one.  It never returns into the test runner. */
static void __attribute__((noreturn))
writer(int wfd)
{
	struct spool	*sp;
	uint32_t	 n;
	char		 err[256];

	if ((sp = spool_open(dfd, NAME, 0, err, sizeof(err))) == NULL)
		_exit(2);
	for (n = (uint32_t)spool_records(sp);; ) {
		if (spool_append(sp, rec(n), kill_size(n)) == -1)
			_exit(3);
		n++;
		if (write(wfd, &n, sizeof(n)) != sizeof(n))
			_exit(4);
	}
}

/* Read counts from the child until one reaches want (want 0: until it
 * is gone); the last count seen, or 0. */
static uint32_t
read_counts(int rfd, uint32_t want)
{
	uint32_t	n, last = 0;
	ssize_t		r;

	while ((r = read(rfd, &n, sizeof(n))) == sizeof(n)) {
		last = n;
		if (want != 0 && last >= want)
			break;
	}
	cr_assert(r == sizeof(n) || r == 0, "pipe read: %zd", r);
	return last;
}

/* Start a writer, let it append at least want records in all, then
 * SIGKILL it after delay microseconds; the last count it reported. */
static uint32_t
kill_writer(uint32_t want, useconds_t delay)
{
	uint32_t	reported, last;
	pid_t		pid;
	int		p[2], status;

	cr_assert_eq(pipe(p), 0);
	cr_assert_neq(pid = fork(), -1);
	if (pid == 0) {
		close(p[0]);
		writer(p[1]);
	}
	close(p[1]);
	reported = read_counts(p[0], want);
	cr_assert_geq(reported, want, "writer stopped at %u", reported);
	usleep(delay);
	cr_assert_eq(kill(pid, SIGKILL), 0);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	    "writer status %#x", status);
	if ((last = read_counts(p[0], 0)) > reported)
		reported = last;
	close(p[0]);
	return reported;
}

/*
 * Rounds of write, kill, reopen: after each, every record the writer
 * reported is there and intact, in order, plus at most the one it was
 * killed before reporting.  The kill comes at a different delay each
 * round, so some rounds tear a record mid-write and the next writer's
 * open has to cut it.
 */
Test(spool, sigkill_leaves_intact_records)
{
	struct spool	*sp;
	uint64_t	 i, count = 0, torn;
	uint32_t	 reported;
	int		 round, tears = 0;

	for (round = 0; round < KILL_ROUNDS; round++) {
		reported = kill_writer((uint32_t)count + KILL_AFTER,
		    (useconds_t)round * 300);
		torn = file_size();
		sp = open_spool(0);
		if (spool_bytes(sp) != torn)
			tears++;
		count = spool_records(sp);
		cr_assert(count == reported || count == reported + 1ULL,
		    "round %d: %ju records on disk, %u reported", round,
		    (uintmax_t)count, reported);
		cr_assert_eq(spool_bytes(sp), file_size());
		for (i = 0; i < count; i++)
			expect(sp, kill_size(i), i);
		expect_end(sp);
		spool_close(sp);
	}
	cr_log_info("%d of %d kills tore a record", tears, KILL_ROUNDS);
}
