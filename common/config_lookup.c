/*
 * Lookups in a loaded configuration: workspace types and tiers by name,
 * whether a type allows a tier, the API token a bearer string is,
 * compared in constant time against every configured token, and the
 * tiers a token may use.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_int.h"

const struct ws_type *
config_type(const struct berth_config *cfg, const char *name)
{
	size_t	i;

	for (i = 0; i < cfg->ntypes; i++) {
		if (cfg->types[i].enabled &&
		    strcmp(cfg->types[i].name, name) == 0)
			return &cfg->types[i];
	}
	return NULL;
}

const struct tier *
config_tier(const struct berth_config *cfg, const char *name)
{
	size_t	i;

	for (i = 0; i < cfg->ntiers; i++) {
		if (strcmp(cfg->tiers[i].name, name) == 0)
			return &cfg->tiers[i];
	}
	return NULL;
}

const struct job_cfg *
config_job(const struct berth_config *cfg, const char *name)
{
	size_t	i;

	for (i = 0; i < cfg->njobs; i++) {
		if (strcmp(cfg->jobs[i].name, name) == 0)
			return &cfg->jobs[i];
	}
	return NULL;
}

int
config_type_allows_tier(const struct ws_type *t, const char *tier)
{
	const char	*p = t->tiers, *item;
	size_t		 len;

	while (config_next_item(&p, &item, &len)) {
		if (len == strlen(tier) && strncmp(item, tier, len) == 0)
			return 1;
	}
	return 0;
}

/*
 * 1 if secret equals bearer.  Every byte of bearer is looked at whatever
 * the lengths, and nothing depends on where the first difference is.
 */
static int
ct_equal(const char *secret, const char *bearer, size_t blen)
{
	volatile unsigned int	acc;
	size_t			slen = strlen(secret), i;
	unsigned char		c;

	acc = (slen != blen);
	for (i = 0; i < blen; i++) {
		c = i < slen ? (unsigned char)secret[i] : 0;
		acc |= c ^ (unsigned char)bearer[i];
	}
	return acc == 0 && slen != 0;
}

/* Every token is compared in full, the admin_token too. */
const struct api_token *
config_token(const struct berth_config *cfg, const char *bearer)
{
	static struct api_token	 admin;
	const struct api_token	*found = NULL;
	size_t			 i, blen;
	int			 eq;

	if (bearer == NULL || (blen = strlen(bearer)) == 0)
		return NULL;
	for (i = 0; i < cfg->ntokens; i++) {
		eq = ct_equal(cfg->tokens[i].token, bearer, blen);
		if (eq && found == NULL)
			found = &cfg->tokens[i];
	}
	eq = ct_equal(cfg->admin_token, bearer, blen);
	if (found != NULL || !eq)
		return found;
	admin.name = admin.user = admin.role = (char *)"admin";
	admin.token = cfg->admin_token;
	admin.tiers = (char *)"";		/* every tier */
	admin.default_tier = (char *)"free";	/* built in, never removed */
	return &admin;
}

/* In constant time; an unset scrape token admits every scrape. */
int
config_scrape_ok(const struct berth_config *cfg, const char *bearer)
{
	const char	*want = cfg->metrics_scrape_token;

	if (want == NULL || *want == '\0')
		return 1;
	if (bearer == NULL || *bearer == '\0')
		return 0;
	return ct_equal(want, bearer, strlen(bearer));
}

int
config_token_allows_tier(const struct api_token *t, const char *tier)
{
	const char	*p = t->tiers, *item;
	size_t		 len;

	if (strcmp(t->role, "admin") == 0 || p == NULL || *p == '\0')
		return 1;
	while (config_next_item(&p, &item, &len)) {
		if (len == strlen(tier) && strncmp(item, tier, len) == 0)
			return 1;
	}
	return 0;
}

const char *
config_token_default_tier(const struct api_token *t)
{
	if (t->default_tier == NULL || *t->default_tier == '\0')
		return "free";
	return t->default_tier;
}
