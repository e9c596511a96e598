/*
 * What the kernel-file readers (cgroup.c, sysstat.c) share: reading a
 * file held open with pread, and scanning its numbers strictly.
 */
#ifndef BERTH_SCAN_H
#define BERTH_SCAN_H

#include <stddef.h>
#include <stdint.h>

/* The blanks (spaces, tabs) at p skipped. */
const char	*scan_blanks(const char *p);
/* A decimal at *pp, advancing *pp past it; -1 on no digit or overflow. */
int		 scan_u64(const char **pp, uint64_t *out);
/* The whole of fd (from offset 0) into buf of len bytes, NUL-terminated
 * and cut after its last complete line if it filled buf; -1 (errno set)
 * when pread fails. */
int		 scan_file(int fd, char *buf, size_t len);

#endif
