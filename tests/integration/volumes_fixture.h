/*
 * What test_volumes.c and test_clone.c share: the users, alice's
 * project volume (made as berthd makes it, with content), berthd
 * started on it, and the wait for a backup, restore or clone record.
 */
#ifndef BERTH_VOLUMES_FIXTURE_H
#define BERTH_VOLUMES_FIXTURE_H

#include <jansson.h>

#include "harness.h"

#define ADMIN	"it-vol-admin-0123456789ab"
#define ALICE	"it-vol-alice-0123456789ab"
#define BOB	"it-vol-bob-0123456789abcd"
#define VOL	"berth-project-itvp1"
#define VOL2	"berth-project-itvp2"
#define VOL3	"berth-project-itvp3"
#define IMAGE	"berth/demo-workspace:latest"

extern struct berthd_run run;

void	 volumes_setup(void);
void	 volumes_cleanup(void);
/* The record at path once it is no longer running. */
json_t	*wait_over(const char *path);

#endif
