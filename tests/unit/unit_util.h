/*
 * Helpers the unit tests share: directory descriptors, scratch trees in
 * /tmp rewritten under a reader, the USER_HZ tick.
 */
#ifndef BERTH_UNIT_UTIL_H
#define BERTH_UNIT_UTIL_H

#include <stdint.h>

/* Nanoseconds of one USER_HZ tick. */
uint64_t	 tick(void);
/* A directory descriptor, or the test fails. */
int		 opendir_fd(const char *path);

/* The scratch directory of the running test (the test makes it):
 * scratch_rm, a .fini, removes it; put writes rel under it. */
extern char	 scratch[64];
void		 scratch_rm(void);
void		 put(const char *rel, const char *text);

#endif
