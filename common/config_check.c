/*
 * Cross-key checks and derived values of the named sections, run by
 * config_finish() once every value has been parsed: a type's bounds
 * against each other (memory, swap and their ceilings) and the tiers it
 * names; tokens unique, their tiers configured, their default tier.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_int.h"
#include "xmalloc.h"

/* The name of [tier.NAME], NAME being the len bytes at name, or NULL. */
static const char *
tier_named(const struct berth_config *cfg, const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < cfg->ntiers; i++) {
		if (strlen(cfg->tiers[i].name) == len &&
		    strncmp(cfg->tiers[i].name, name, len) == 0)
			return cfg->tiers[i].name;
	}
	return NULL;
}

static void
check_type_tiers(const struct berth_config *cfg, const struct ws_type *t,
    struct config_errors *errs)
{
	const char	*p = t->tiers, *item;
	size_t		 len;

	while (config_next_item(&p, &item, &len)) {
		if (config_valid_name(item, len) &&	/* else reported */
		    tier_named(cfg, item, len) == NULL)
			config_errors_add(errs, "[type.%s] tiers: no [tier.%.*s]",
			    t->name, (int)len, item);
	}
}

/*
 * The ceilings a type leaves at 0 get their value: max_cpus is cpus,
 * max_memory_mb memory_mb, max_memory_swap_mb twice max_memory_mb.
 * The bounds of the keys keep these far from overflowing, but values
 * set behind config_set's back are only reported, so check anyway.
 */
static void
derive_type(struct ws_type *t)
{
	if (t->max_cpus == 0)
		t->max_cpus = t->cpus;
	if (t->max_memory_mb == 0)
		t->max_memory_mb = t->memory_mb;
	if (t->max_memory_swap_mb == 0)
		t->max_memory_swap_mb = t->max_memory_mb > LONG_MAX / 2 ?
		    LONG_MAX : 2 * t->max_memory_mb;
}

/* Swap of a type against its memory and its ceilings (derived). */
static void
check_type_swap(const struct ws_type *t, struct config_errors *errs)
{
	if (t->memory_swap_mb == -1 && !t->allow_unlimited_swap)
		config_errors_add(errs, "[type.%s] memory_swap_mb: -1 "
		    "(unlimited) needs allow_unlimited_swap = true", t->name);
	if (t->memory_swap_mb > 0 && t->memory_swap_mb < t->memory_mb)
		config_errors_add(errs, "[type.%s] memory_swap_mb: %ld is "
		    "below memory_mb %ld (-1 unlimited, 0 the same)", t->name,
		    t->memory_swap_mb, t->memory_mb);
	if (t->memory_swap_mb > t->max_memory_swap_mb)
		config_errors_add(errs, "[type.%s] memory_swap_mb: %ld is "
		    "above max_memory_swap_mb %ld", t->name,
		    t->memory_swap_mb, t->max_memory_swap_mb);
	if (t->max_memory_swap_mb < t->max_memory_mb)
		config_errors_add(errs, "[type.%s] max_memory_swap_mb: %ld is "
		    "below max_memory_mb %ld", t->name, t->max_memory_swap_mb,
		    t->max_memory_mb);
}

/* Cross-key checks of a type; the ceilings left at 0 are derived. */
static void
check_type(const struct berth_config *cfg, struct ws_type *t,
    struct config_errors *errs)
{
	if (t->memory_reservation_mb > t->memory_mb)
		config_errors_add(errs, "[type.%s] memory_reservation_mb: %ld "
		    "is above memory_mb %ld", t->name,
		    t->memory_reservation_mb, t->memory_mb);
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
	derive_type(t);
	check_type_swap(t, errs);
}

/* Token values are unique; only lengths and names are reported. */
static void
check_tokens(const struct berth_config *cfg, struct config_errors *errs)
{
	const struct api_token	*t;
	size_t			 i, j;

	/* The gateway holds the scrape token: it must open nothing else. */
	if (cfg->metrics_scrape_token != NULL &&
	    *cfg->metrics_scrape_token != '\0' &&
	    config_token(cfg, cfg->metrics_scrape_token) != NULL)
		config_errors_add(errs, "[metrics] scrape_token: the same as "
		    "an API token");
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

/* Each tier of a token's tiers is configured; an admin's is empty. */
static void
check_token_tiers(const struct berth_config *cfg, const struct api_token *t,
    struct config_errors *errs)
{
	const char	*p = t->tiers, *item;
	size_t		 len;

	if (strcmp(t->role, "admin") == 0 && *t->tiers != '\0')
		config_errors_add(errs, "[token.%s] tiers: an admin token may "
		    "use every tier; leave tiers empty", t->name);
	while (config_next_item(&p, &item, &len)) {
		if (config_valid_name(item, len) &&	/* else reported */
		    tier_named(cfg, item, len) == NULL)
			config_errors_add(errs, "[token.%s] tiers: no "
			    "[tier.%.*s]", t->name, (int)len, item);
	}
}

/*
 * default_tier, when set, is a configured tier the token may use; when
 * empty it becomes "free" if the token may use it, else the first of
 * its tiers that exists.
 */
static void
check_token_default(const struct berth_config *cfg, struct api_token *t,
    struct config_errors *errs)
{
	const char	*p = t->tiers, *item, *def = NULL;
	size_t		 len;

	if (*t->default_tier != '\0') {
		if (!config_valid_name(t->default_tier,
		    strlen(t->default_tier)))
			return;		/* reported */
		if (config_tier(cfg, t->default_tier) == NULL)
			config_errors_add(errs, "[token.%s] default_tier: no "
			    "[tier.%s]", t->name, t->default_tier);
		else if (!config_token_allows_tier(t, t->default_tier))
			config_errors_add(errs, "[token.%s] default_tier: %s is "
			    "not one of its tiers", t->name, t->default_tier);
		return;
	}
	if (config_tier(cfg, "free") != NULL &&
	    config_token_allows_tier(t, "free"))
		def = "free";
	while (def == NULL && config_next_item(&p, &item, &len))
		def = tier_named(cfg, item, len);
	if (def == NULL && *t->tiers == '\0' && cfg->ntiers > 0)
		def = cfg->tiers[0].name;
	if (def == NULL)
		return;		/* none of its tiers exists: reported */
	free(t->default_tier);
	t->default_tier = xstrdup(def);
}

/* A job the scheduler does not have is a typo. */
static void
check_job(const struct job_cfg *j, struct config_errors *errs)
{
	const char *const	*n;

	for (n = config_job_names(); *n != NULL; n++)
		if (strcmp(*n, j->name) == 0)
			return;
	config_errors_add(errs, "[job.%s]: no such job", j->name);
}

void
config_named_check(struct berth_config *cfg, struct config_errors *errs)
{
	size_t	i;

	for (i = 0; i < cfg->ntypes; i++)
		check_type(cfg, &cfg->types[i], errs);
	check_tokens(cfg, errs);
	if (cfg->events_persist != NULL &&
	    strcmp(cfg->events_persist, "errors") != 0 &&
	    strcmp(cfg->events_persist, "all") != 0)
		config_errors_add(errs, "[events] persist: not errors or all");
	for (i = 0; i < cfg->ntokens; i++) {
		check_token_tiers(cfg, &cfg->tokens[i], errs);
		check_token_default(cfg, &cfg->tokens[i], errs);
	}
	for (i = 0; i < cfg->njobs; i++)
		check_job(&cfg->jobs[i], errs);
	for (i = 0; i < cfg->nnotify; i++)
		if (cfg->notify[i].enabled && cfg->notify[i].url[0] == '\0')
			config_errors_add(errs, "[notify.%s] url: not set",
			    cfg->notify[i].name);
}
