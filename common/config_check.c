/*
 * Cross-key checks and derived values of the named sections, run by
 * config_finish() once every value has been parsed: a type's bounds
 * against each other and the tiers it names, tokens unique.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_int.h"

/* Whether [tier.NAME] exists, NAME being the len bytes at name. */
static int
tier_exists(const struct berth_config *cfg, const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < cfg->ntiers; i++) {
		if (strlen(cfg->tiers[i].name) == len &&
		    strncmp(cfg->tiers[i].name, name, len) == 0)
			return 1;
	}
	return 0;
}

static void
check_type_tiers(const struct berth_config *cfg, const struct ws_type *t,
    struct config_errors *errs)
{
	const char	*p = t->tiers, *item;
	size_t		 len;

	while (config_next_item(&p, &item, &len)) {
		if (config_valid_name(item, len) &&	/* else reported */
		    !tier_exists(cfg, item, len))
			config_errors_add(errs, "[type.%s] tiers: no [tier.%.*s]",
			    t->name, (int)len, item);
	}
}

/* Cross-key checks of a type, then max_* of 0 become cpus, memory. */
static void
check_type(const struct berth_config *cfg, struct ws_type *t,
    struct config_errors *errs)
{
	if (t->memory_reservation_mb > t->memory_mb)
		config_errors_add(errs, "[type.%s] memory_reservation_mb: %ld "
		    "is above memory_mb %ld", t->name,
		    t->memory_reservation_mb, t->memory_mb);
	if (t->memory_swap_mb > 0 && t->memory_swap_mb < t->memory_mb)
		config_errors_add(errs, "[type.%s] memory_swap_mb: %ld is "
		    "below memory_mb %ld (-1 unlimited, 0 the same)", t->name,
		    t->memory_swap_mb, t->memory_mb);
	if (t->max_cpus != 0 && t->max_cpus < t->cpus)
		config_errors_add(errs, "[type.%s] max_cpus: %g is below cpus "
		    "%g", t->name, t->max_cpus, t->cpus);
	if (t->max_memory_mb != 0 && t->max_memory_mb < t->memory_mb)
		config_errors_add(errs, "[type.%s] max_memory_mb: %ld is below "
		    "memory_mb %ld", t->name, t->max_memory_mb, t->memory_mb);
	if (t->enabled && *t->image == '\0')
		config_errors_add(errs, "[type.%s] image: empty in an enabled "
		    "type", t->name);
	check_type_tiers(cfg, t, errs);
	if (t->max_cpus == 0)
		t->max_cpus = t->cpus;
	if (t->max_memory_mb == 0)
		t->max_memory_mb = t->memory_mb;
}

/* Token values are unique; only lengths and names are reported. */
static void
check_tokens(const struct berth_config *cfg, struct config_errors *errs)
{
	const struct api_token	*t;
	size_t			 i, j;

	for (i = 0; i < cfg->ntokens; i++) {
		t = &cfg->tokens[i];
		if (*t->token == '\0')
			continue;
		if (strcmp(t->token, cfg->admin_token) == 0)
			config_errors_add(errs, "[token.%s] token: the same as "
			    "[auth] admin_token", t->name);
		for (j = 0; j < i; j++) {
			if (strcmp(t->token, cfg->tokens[j].token) == 0)
				config_errors_add(errs, "[token.%s] token: the "
				    "same as [token.%s]", t->name,
				    cfg->tokens[j].name);
		}
	}
}

void
config_named_check(struct berth_config *cfg, struct config_errors *errs)
{
	size_t	i;

	for (i = 0; i < cfg->ntypes; i++)
		check_type(cfg, &cfg->types[i], errs);
	check_tokens(cfg, errs);
}
