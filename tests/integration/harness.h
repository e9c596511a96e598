/*
 * Integration test harness: runs a real berthd (as root, or as another
 * user) with its own state directory, port and log file, and talks to
 * it over HTTP and the admin socket.
 */
#ifndef BERTH_HARNESS_H
#define BERTH_HARNESS_H

#include <sys/types.h>

#include <jansson.h>

#include "proto.h"

struct berthd_run {
	pid_t	pid;
	char	dir[64];		/* state directory */
	char	conf[128];
	char	log[128];
	char	sock[128];
	char	exe[128];
	int	port;
};

/* Write a config file (extra INI lines appended to [server], with
 * anonymous_cache_ms = 0 unless extra sets it), start
 * berthd -f with env (NULL-terminated "K=V" list) as uid (or -1 for
 * the caller), and wait until /ready answers 200.  Fails the test on
 * error. */
void	 harness_start(struct berthd_run *, const char *extra_ini,
	    const char *const *env, uid_t uid);
/* A running Docker Engine and the demo image (built when missing), or
 * the test fails: an integration test never skips. */
void	 harness_require_engine(void);
/* Start and wait until every worker is up, ready or not (a required
 * component such as the Docker Engine may be down on purpose). */
void	 harness_start_unready(struct berthd_run *, const char *extra_ini,
	    const char *const *env, uid_t uid);
/* Start with tests/integration/rawgw in place of berth-gateway (a test
 * plays the gateway through rawgw_client.h) and wait until every worker
 * is up, asking the admin socket (nothing serves HTTP). */
void	 harness_start_rawgw(struct berthd_run *, const char *extra_ini);
/* harness_spawn in two steps: the directory, configuration and copied
 * binaries; then berthd started on them. */
void	 harness_prepare(struct berthd_run *, const char *extra_ini);
void	 harness_exec(struct berthd_run *, const char *const *envv, uid_t);
/* Start without waiting for readiness. */
void	 harness_spawn(struct berthd_run *, const char *extra_ini,
	    const char *const *env, uid_t uid);
int	 harness_wait_ready(struct berthd_run *, int timeout_ms);
/* Send sig and wait up to timeout_ms; returns the wait status or -1. */
int	 harness_stop(struct berthd_run *, int sig, int timeout_ms);
void	 harness_cleanup(struct berthd_run *);

/* HTTP: returns the status code (0 on transport error); *body is
 * allocated (free it) when body is not NULL. */
int	 harness_http(struct berthd_run *, const char *method,
	    const char *path, char **body);

/* HTTP with a bearer token (or NULL) and a body (or NULL). */
int	 harness_request(struct berthd_run *, const char *method,
	    const char *path, const char *token, const char *body,
	    char **out);
/* harness_request whose status must be expect and whose body must be
 * JSON: the parsed body (json_decref it). */
json_t	*harness_call(struct berthd_run *, const char *method,
	    const char *path, const char *token, const char *body,
	    int expect);
/* A string member of o, "" when absent. */
const char *harness_jstr(json_t *o, const char *key);
/* The scheduler's job name as GET /api/monitoring/jobs shows it to
 * the admin token (json_decref it). */
json_t	*harness_job(struct berthd_run *, const char *admin, const char *name);
/* Run the job now and wait until its nth run is over: the job. */
json_t	*harness_run_job(struct berthd_run *, const char *admin,
	    const char *name, long n);
/* Move berthd's test clock by s seconds (BERTH_TEST_CLOCK=1). */
void	 harness_clock(struct berthd_run *, long s);
/* Start berthd again on the same state directory and configuration. */
void	 harness_restart(struct berthd_run *, const char *const *env);
/* Run a shell command; returns its exit status, output in *out. */
int	 sh(char **out, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Admin socket: the status reply (msg_clear it). */
void	 harness_status(struct berthd_run *, struct msg *reply);
const struct worker_status *harness_worker(const struct msg *status,
	    const char *name);
pid_t	 harness_worker_pid(struct berthd_run *, const char *name);
/* Wait until worker name is up with a pid other than old. */
pid_t	 harness_wait_new_pid(struct berthd_run *, const char *name,
	    pid_t old, int timeout_ms);
/* Wait until worker name is in state. */
int	 harness_wait_state(struct berthd_run *, const char *name,
	    const char *state, int timeout_ms);

/* "Field:" of /proc/pid/status as a number, or -1. */
long	 proc_field(pid_t pid, const char *field);
char	*read_file(const char *path);	/* allocated, or NULL */
int	 log_contains(struct berthd_run *, const char *needle);
uid_t	 berth_uid(void);
int	 harness_free_port(void);	/* a TCP port free on 127.0.0.1 */
gid_t	 berth_gid(void);
void	 sleep_ms(int ms);

#endif
