/*
 * Internal to the configuration: what config.c (static keys, values,
 * environment), config_file.c (the file) and config_sections.c (the
 * named sections [type.NAME], [tier.NAME], [token.NAME]) share.  Not
 * for other users of config.h.
 */
#ifndef BERTH_CONFIG_INT_H
#define BERTH_CONFIG_INT_H

#include "config.h"

/* config_keys.c: the static keys, one table. */
extern const struct config_key	config_static_keys[];
extern const size_t		config_nstatic_keys;

/* config.c: the static key [section] name (section seclen bytes). */
const struct config_key *config_find_key(const char *section, size_t seclen,
	    const char *name);
/* config.c: one value of a struct (base) described by key k. */
int	 config_value_set(void *base, const struct config_key *k,
	    const char *v, char *err, size_t errlen);
char	*config_value_get(const void *base, const struct config_key *k);
void	 config_value_defaults(void *base, const struct config_key *keys,
	    size_t n);
void	 config_value_free(void *base, const struct config_key *keys,
	    size_t n);
void	 config_value_recheck(const void *base, size_t size,
	    const struct config_key *keys, size_t n, const char *label,
	    struct config_errors *errs);

/* config_sections.c */
int	 config_valid_name(const char *s, size_t len);	/* [a-z][a-z0-9-]* */
int	 config_named_check_string(const struct config_key *k,
	    const char *v, char *err, size_t errlen);
int	 config_named_check_double(const struct config_key *k, double d,
	    char *err, size_t errlen);
int	 config_named_header(struct berth_config *cfg, const char *section,
	    size_t len, char *err, size_t errlen);
long	 config_named_key(struct berth_config *cfg, const char *section,
	    const char *name, void **base, const struct config_key **k);
size_t	 config_named_nids(void);
int	 config_named_set(struct berth_config *cfg, const char *key,
	    const char *value, char *err, size_t errlen);
void	 config_named_init(struct berth_config *cfg);
void	 config_named_free(struct berth_config *cfg);
int	 config_named_load_env(struct berth_config *cfg,
	    struct config_errors *errs);
void	 config_named_finish(struct berth_config *cfg,
	    struct config_errors *errs);
/* config_check.c: cross-key checks and derived values of the named
 * sections, after each value has been rechecked. */
void	 config_named_check(struct berth_config *cfg,
	    struct config_errors *errs);
/* config_caps.c: cap_add's list of capability names. */
int	 config_check_caps(const char *v, char *err, size_t errlen);
/* The next item of the comma list at *p, in *item and *len; 0 at the
 * end. */
int	 config_next_item(const char **p, const char **item, size_t *len);

#endif
