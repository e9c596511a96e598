/*
 * Lists of metric samples for MSG_PROM (promitem.h).
 */
#include <stdlib.h>
#include <string.h>

#include "promitem.h"
#include "xmalloc.h"

static char *
dup0(const char *s)
{
	return xstrdup(s != NULL ? s : "");
}

void
prom_add(struct prom_list *l, const char *name, double value,
    const char *k1, const char *v1, const char *k2, const char *v2,
    const char *k3, const char *v3)
{
	struct prom_item	*it;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->items = xreallocarray(l->items, l->cap, sizeof(*l->items));
	}
	it = &l->items[l->n++];
	it->name = xstrdup(name);
	it->k1 = dup0(k1);
	it->v1 = dup0(k1 != NULL ? v1 : NULL);
	it->k2 = dup0(k1 != NULL ? k2 : NULL);
	it->v2 = dup0(k1 != NULL && k2 != NULL ? v2 : NULL);
	it->k3 = dup0(k1 != NULL && k2 != NULL ? k3 : NULL);
	it->v3 = dup0(k1 != NULL && k2 != NULL && k3 != NULL ? v3 : NULL);
	it->value = value;
}

/* Move b's items to the end of l: b keeps empty slots (all NULL). */
void
prom_take(struct prom_list *l, struct body_prom *b)
{
	size_t	i;

	if (l->n + b->nitems > l->cap) {
		l->cap = l->n + b->nitems + 64;
		l->items = xreallocarray(l->items, l->cap, sizeof(*l->items));
	}
	for (i = 0; i < b->nitems; i++) {
		l->items[l->n++] = b->items[i];
		memset(&b->items[i], 0, sizeof(b->items[i]));
	}
}

static void
item_free(struct prom_item *it)
{
	free(it->name);
	free(it->k1);
	free(it->v1);
	free(it->k2);
	free(it->v2);
	free(it->k3);
	free(it->v3);
}

void
prom_page(struct prom_list *l, struct body_prom *b, size_t page, size_t per)
{
	size_t	first = page * per, i;

	b->items = xcalloc(per + 1, sizeof(*b->items));
	for (i = first; i < l->n && b->nitems < per; i++) {
		b->items[b->nitems++] = l->items[i];
		memset(&l->items[i], 0, sizeof(l->items[i]));
	}
	b->more = i < l->n;
}

void
prom_free(struct prom_list *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (l->items[i].name != NULL)
			item_free(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}
