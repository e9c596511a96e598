/*
 * The statswriter's mirror of berthd's project registry (the projects
 * table).
 */
#ifndef BERTH_SW_PROJECTS_H
#define BERTH_SW_PROJECTS_H

#include "proto.h"

struct event_base;
struct store;

void	projects_init(struct event_base *, struct store *);
void	projects_rec(const struct body_projects *);

#endif
