/*
 * Internals of berthd's Docker client shared by docker.c (requests and
 * streams) and docker_check.c (the engine check).  Not for use outside
 * supervisord/docker*.c.
 */
#ifndef BERTH_DOCKER_INT_H
#define BERTH_DOCKER_INT_H

#include <jansson.h>

#include "docker.h"

/* docker_call, with or without the /vX.Y prefix (versioned 0: for
 * /_ping and /version, which any engine answers); body is taken. */
void		 docker_call_start(const char *method, const char *path,
		    json_t *body, long timeout_ms, int versioned, docker_cb cb,
		    void *arg);
/* The engine's socket as docker_init was given it; NULL before. */
const char	*docker_sockpath(void);

#endif
