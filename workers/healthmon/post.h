/*
 * healthmon's notification posts for berthd (post.c).
 */
#ifndef BERTH_POST_H
#define BERTH_POST_H

#include "proto.h"

struct worker;

/* The TLS context and its roots; before confinement. */
void	post_init(void);
/* Make the POST of b; MSG_NOTIFY_DONE answers, whatever happens. */
void	post_send(struct worker *, const struct body_notify_send *b);

#endif
