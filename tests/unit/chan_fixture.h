/*
 * The channel tests' fixture (test_chan.c, test_chan_fds.c): a channel
 * on one end of a socketpair and an event loop, what its callbacks saw,
 * and helpers to build, write and check frames and descriptors.
 */
#ifndef BERTH_CHAN_FIXTURE_H
#define BERTH_CHAN_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define MAXREC	256

struct chan;
struct event_base;

/* What one channel's callbacks saw. */
struct rec {
	struct chan	*c;
	struct msg	 msgs[MAXREC];
	int		 nmsgs;
	int		 nrejects;
	char		 reject[256];
	int		 ncloses;
	char		 close[256];
	int		 events;	/* callbacks of any kind */
	int		 free_on_msg;
	int		 free_on_close;
};

extern struct event_base	*base;
extern int			 sp[2];
extern int			 raw;	/* sp[1] when no channel owns it */
extern struct rec		 ra, rb;

/* The suite's .init and .fini: a channel on sp[0], sp[1] left raw. */
void	setup(void);
void	teardown(void);
/* Put a channel on the other end too. */
void	both_ends(void);

/* Run the loop until *counter reaches want or 5 seconds pass. */
int	run_until(const int *counter, int want);

void	ping(struct msg *m, unsigned type, uint32_t id, int64_t sent);
void	fd_pass_msg(struct msg *m, const char *purpose, int fd);
/* A message of a little over n bytes (n >= 4000). */
void	big_msg(struct msg *m, uint32_t id, size_t n);
/* The frame (length prefix and message) of m, in a new buffer. */
char	*frame_of(const struct msg *m, size_t *len);
void	write_all(int fd, const void *buf, size_t len);
/* Data written into fd comes out of rfd. */
void	assert_pipe_pair(int fd, int rfd, const char *word);

#endif
