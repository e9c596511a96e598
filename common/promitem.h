/*
 * Building lists of metric samples (struct prom_item of proto.h) for
 * MSG_PROM: berthd and the statswriter each add what they measure.
 */
#ifndef BERTH_PROMITEM_H
#define BERTH_PROMITEM_H

#include <stddef.h>

#include "proto.h"

struct prom_list {
	struct prom_item	*items;
	size_t			 n, cap;
};

/* Add name{k1="v1",k2="v2",k3="v3"} = value; NULL keys end the labels. */
void	prom_add(struct prom_list *, const char *name, double value,
	    const char *k1, const char *v1, const char *k2, const char *v2,
	    const char *k3, const char *v3);
/* Items [page * per, (page + 1) * per) into b (the rest freed with the
 * list); b->more when there are more. */
void	prom_page(struct prom_list *, struct body_prom *b, size_t page,
	    size_t per);
/* Move the items of a decoded body into the list, without copying. */
void	prom_take(struct prom_list *, struct body_prom *b);
void	prom_free(struct prom_list *);

#endif
