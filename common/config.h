/*
 * berth configuration: an INI file (inih) with every key overridable by
 * an environment variable.  The key table in config.c is the single
 * list of keys: their section, name, environment variable, type, bounds
 * and default.  contrib/berth.conf.example documents each one.
 */
#ifndef BERTH_CONFIG_H
#define BERTH_CONFIG_H

#include <stddef.h>

struct berth_config {
	/* [server] */
	char	*http_listen;		/* BERTH_HTTP_LISTEN host:port */
	char	*state_dir;		/* BERTH_STATE_DIR */
	char	*admin_socket;		/* BERTH_ADMIN_SOCKET */
	char	*user;			/* BERTH_USER */
	char	*log_level;		/* BERTH_LOG_LEVEL */
	long	 http_max_body;		/* BERTH_HTTP_MAX_BODY bytes */
	long	 request_timeout_ms;	/* BERTH_REQUEST_TIMEOUT_MS */
	int	 unconfined;		/* BERTH_UNCONFINED (dangerous) */
	/* [docker] */
	char	*docker_socket;		/* BERTH_DOCKER_SOCKET */
	/* [database] */
	char	*database_url;		/* BERTH_DATABASE_URL */
	/* [auth] */
	char	*admin_token;		/* BERTH_ADMIN_TOKEN */
	/* [supervisor] */
	long	 restart_min_ms;	/* BERTH_RESTART_MIN_MS */
	long	 restart_max_ms;	/* BERTH_RESTART_MAX_MS */
	long	 restart_reset_s;	/* BERTH_RESTART_RESET_S */
	long	 restart_burst;		/* BERTH_RESTART_BURST */
	long	 restart_window_s;	/* BERTH_RESTART_WINDOW_S */
	long	 restart_failed_s;	/* BERTH_RESTART_FAILED_S */
	long	 shutdown_timeout_ms;	/* BERTH_SHUTDOWN_TIMEOUT_MS */
};

/* Error lines collected while loading or checking. */
struct config_errors {
	char	**lines;
	size_t	  n;
};

enum config_type { CT_STRING, CT_INT, CT_BOOL };

struct config_key {
	const char		*section;
	const char		*name;
	const char		*env;
	enum config_type	 type;
	size_t			 offset;
	const char		*defval;	/* NULL: unset (empty) */
	long			 min, max;	/* CT_INT bounds */
	int			 secret;	/* never logged */
	int			 reloadable;	/* applied on SIGHUP */
	const char		*help;
};

/* Defaults into cfg.  admin_socket's default depends on state_dir and is
 * filled in by config_finish(). */
void	config_init(struct berth_config *cfg);

/* Read an INI file; unknown sections/keys and bad values are errors.
 * Returns the number of errors added. */
int	config_load_file(struct berth_config *cfg, const char *path,
	    struct config_errors *errs);

/* Apply BERTH_* environment variables.  Returns errors added. */
int	config_load_env(struct berth_config *cfg, struct config_errors *errs);

/* Derived defaults and cross-key checks (admin_socket, paths absolute,
 * http_listen parses, ...).  Returns errors added. */
int	config_finish(struct berth_config *cfg, struct config_errors *errs);

/* Set one key by "section.name"; value is parsed and bounds-checked.
 * Returns 0, or -1 with a reason in err. */
int	config_set(struct berth_config *cfg, const char *key,
	    const char *value, char *err, size_t errlen);

/* The key table, for serialising to workers and for documentation. */
const struct config_key	*config_keys(size_t *n);
/* The value of key k as a string (allocated). */
char	*config_get(const struct berth_config *cfg,
	    const struct config_key *k);

void	config_free(struct berth_config *cfg);
void	config_errors_add(struct config_errors *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	config_errors_free(struct config_errors *);

#endif
