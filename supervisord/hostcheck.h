/*
 * The host side (hostcheck.c): what berthd checks of its surroundings
 * before it trusts them.
 */
#ifndef BERTH_HOSTCHECK_H
#define BERTH_HOSTCHECK_H

#include <sys/types.h>

#include "config.h"

int	 config_holds_tokens(const struct berth_config *);
int	 config_file_safe(const char *path, uid_t euid, char *err,
	    size_t errlen);
void	 hostcheck_config_file(const struct berth_config *, const char *path,
	    uid_t euid, struct config_errors *);
int	 listen_is_loopback(const char *hostport);
int	 state_dir_safe(const char *path, uid_t euid, char *err,
	    size_t errlen);
int	 programs_safe(const char *dir, const char *const *names,
	    uid_t euid, char *err, size_t errlen);
int	 docker_group_member(const char *docker_socket, gid_t *gid);
int	 dir_own_nofollow(const char *path, uid_t uid, gid_t gid,
	    mode_t mode);

#endif
