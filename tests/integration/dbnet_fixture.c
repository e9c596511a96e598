/*
 * The PostgreSQL of the external-database tests (dbnet_fixture.h).
 * Criterion runs each test in a process of its own, forked after the
 * report hooks: what the PRE_ALL hook learns reaches the tests through
 * the environment.
 */
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec.h"
#include "dbnet_fixture.h"

#define START_NET	BERTH_SRCDIR "/tests/start-pg-net.sh"
#define ENV_DIR		"BERTH_TEST_NET_DIR"
#define ENV_PORT	"BERTH_TEST_NET_PORT"
#define ENV_FAILURE	"BERTH_TEST_NET_FAILURE"

static char	 netdir[] = "/tmp/berth-test-net.XXXXXX";
static int	 started;
static char	 password[128];

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
	char	 cmd[512], port[16], msg[1024], *out = NULL;
	int	 rc;

	(void)set;
	if (mkdtemp(netdir) == NULL) {
		setenv(ENV_FAILURE, "mkdtemp failed", 1);
		return;
	}
	snprintf(port, sizeof port, "%d", harness_free_port());
	snprintf(cmd, sizeof cmd, "BERTH_PG_OPTS='-c fsync=off' sh %s %s %s "
	    "2>&1 >/dev/null", START_NET, netdir, port);
	rc = sh(&out, "%s", cmd);
	started = 1;
	if (rc != 0) {
		snprintf(msg, sizeof msg, "start-pg-net.sh: %s", out ? out :
		    "(no output)");
		setenv(ENV_FAILURE, msg, 1);
	}
	free(out);
	setenv(ENV_DIR, netdir, 1);
	setenv(ENV_PORT, port, 1);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
	char	*out = NULL;

	(void)stats;
	if (!started)
		return;
	if (sh(&out, "sh %s stop %s; rm -rf %s", START_NET, netdir,
	    netdir) != 0)
		fprintf(stderr, "dbnet_fixture: cleanup of %s failed: %s\n",
		    netdir, out ? out : "");
	free(out);
}

void
net_setup(void)
{
	const char	*fail = getenv(ENV_FAILURE);
	char		 path[256], *pw;

	cr_assert(fail == NULL, "PostgreSQL (TCP, TLS) cluster: %s", fail);
	cr_assert_not_null(getenv(ENV_DIR), "the cluster did not start");
	snprintf(path, sizeof path, "%s/password", net_dir());
	pw = read_file(path);
	cr_assert_not_null(pw, "no %s", path);
	pw[strcspn(pw, "\n")] = '\0';
	snprintf(password, sizeof password, "%s", pw);
	free(pw);
}

const char *
net_dir(void)
{
	return getenv(ENV_DIR);
}

int
net_port(void)
{
	return atoi(getenv(ENV_PORT));
}

const char *
net_password(void)
{
	return password;
}

void
net_stop(void)
{
	char	*out = NULL;

	cr_assert_eq(sh(&out, "sh %s stop %s 2>&1", START_NET, net_dir()), 0,
	    "stop: %s", out);
	free(out);
}

void
net_resume(void)
{
	char	*out = NULL;

	cr_assert_eq(sh(&out, "BERTH_PG_OPTS='-c fsync=off' sh %s resume %s "
	    "%d 2>&1", START_NET, net_dir(), net_port()), 0, "resume: %s",
	    out);
	free(out);
}

void
net_berthd(struct berthd_run *r, const char *db_ini, const char *const *env)
{
	const char	*base[8];
	char		 ini[4096];
	int		 i, n = 0;

	base[n++] = "BERTH_SANDBOX_TRAP=1";
	for (i = 0; env != NULL && env[i] != NULL && n < 7; i++)
		base[n++] = env[i];
	base[n] = NULL;
	snprintf(ini, sizeof ini, "[auth]\nadmin_token = " ADMIN_TOKEN "\n"
	    "[metrics]\nsystem_interval_ms = 1000\nsystem_interval_max_ms = 1000\n"
	    "[health]\ncheck_interval_ms = 1000\n"
	    "[database]\n%s\n", db_ini);
	harness_start_unready(r, ini, base, (uid_t)-1);
}

json_t *
net_writer(struct berthd_run *r)
{
	json_t	*j, *w;

	j = harness_call(r, "GET", "/api/metrics/current", ADMIN_TOKEN, NULL,
	    200);
	w = json_incref(json_object_get(j, "writer"));
	json_decref(j);
	cr_assert_not_null(w, "no writer in /api/metrics/current");
	return w;
}

int
net_wait_up(struct berthd_run *r, int want, int timeout_ms)
{
	json_t	*w;
	int	 waited, up;

	for (waited = 0; waited < timeout_ms; waited += 200) {
		w = net_writer(r);
		up = (int)json_number_value(json_object_get(w, "databaseUp"));
		json_decref(w);
		if (up == want)
			return 0;
		sleep_ms(200);
	}
	return -1;
}

long
net_rows(void)
{
	char	*out = NULL;
	long	 n;

	cr_assert_eq(sh(&out, "psql -X -Atq 'host=%s port=%d dbname=berth "
	    "user=berth_app' -c 'SELECT count(*) FROM system_metrics' 2>&1",
	    net_dir(), net_port()), 0, "psql: %s", out);
	n = strtol(out, NULL, 10);
	free(out);
	return n;
}

void
net_assert_clean(struct berthd_run *r)
{
	const struct worker_status	*ws;
	struct msg			 st;

	cr_expect(!log_contains(r, "forbidden system call"), "a worker "
	    "trapped on a system call (see %s)", r->log);
	cr_expect(!log_contains(r, ") died"), "a worker died (see %s)",
	    r->log);
	cr_expect(!log_contains(r, net_password()), "the password is in "
	    "the log (%s)", r->log);
	harness_status(r, &st);
	ws = harness_worker(&st, "statswriter");
	cr_assert_not_null(ws);
	cr_expect_eq(ws->restarts, 0, "statswriter restarted: %s",
	    ws->last_exit);
	cr_expect_str_eq(ws->state, "up");
	msg_clear(&st);
}
