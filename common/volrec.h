/*
 * A backup record as JSON (common/volrec.c).
 */
#ifndef BERTH_VOLREC_H
#define BERTH_VOLREC_H

#include <jansson.h>

struct backup_item;

json_t	*backup_item_json(const struct backup_item *);

#endif
