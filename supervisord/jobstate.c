/*
 * What berthd keeps for the scheduler: when each job last fired (a
 * small file, <state dir>/scheduler.state, "name unix-seconds" a line,
 * at most JOBSTATE_MAX lines), so that a run missed while berth was
 * down runs once at start; and the test clock, an offset added to the
 * scheduler's wall clock, moved only by `berthctl clock` when berthd
 * runs with BERTH_TEST_CLOCK=1.  Also the time zones the jobs name,
 * which the scheduler reads before it confines itself (BERTH_ZONES).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berthd.h"
#include "chan.h"
#include "codec.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define JOBSTATE_MAX	32

static struct {
	char	name[CONFIG_NAME_MAX + 1];
	int64_t	last_s;
} last[JOBSTATE_MAX];
static size_t	nlast;
static int64_t	offset_ms;

static void
path_of(char *buf, size_t len, const char *suffix)
{
	snprintf(buf, len, "%s/scheduler.state%s", env->cfg.state_dir, suffix);
}

static void
set_last(const char *name, int64_t s)
{
	size_t	i, len = strlen(name);

	/* from the scheduler or the file: a name as the configuration
	 * spells it, nothing that could break a line */
	if (len == 0 || len > CONFIG_NAME_MAX || s < 0 || strspn(name,
	    "abcdefghijklmnopqrstuvwxyz0123456789-") != len)
		return;
	for (i = 0; i < nlast; i++)
		if (strcmp(last[i].name, name) == 0) {
			last[i].last_s = s;
			return;
		}
	if (nlast == JOBSTATE_MAX)
		return;
	snprintf(last[nlast].name, sizeof(last[0].name), "%s", name);
	last[nlast++].last_s = s;
}

void
jobstate_load(void)
{
	char		 path[4096], line[128], name[CONFIG_NAME_MAX + 1];
	long long	 s;
	FILE		*f;
	int		 fd;

	path_of(path, sizeof(path), "");
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		if (errno != ENOENT)
			log_warn("scheduler state: %s", path);
		return;
	}
	if ((f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL && nlast < JOBSTATE_MAX)
		if (sscanf(line, "%32s %lld", name, &s) == 2)
			set_last(name, s);
	fclose(f);
}

static void
save(void)
{
	char	 path[4096], tmp[4096];
	FILE	*f;
	size_t	 i;
	int	 fd;

	path_of(path, sizeof(path), "");
	path_of(tmp, sizeof(tmp), ".new");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1 || (f = fdopen(fd, "w")) == NULL) {
		log_warn("scheduler state: %s", tmp);
		if (fd != -1)
			close(fd);
		return;
	}
	for (i = 0; i < nlast; i++)
		fprintf(f, "%s %lld\n", last[i].name,
		    (long long)last[i].last_s);
	if (fflush(f) != 0 || fsync(fd) != 0 || fclose(f) != 0) {
		log_warn("scheduler state: cannot write %s", tmp);
		unlink(tmp);
		return;
	}
	if (rename(tmp, path) == -1)
		log_warn("scheduler state: rename to %s", path);
}

/* The scheduler's last fires, after each one. */
void
jobstate_h_save(const struct caller *c, struct msg *m)
{
	struct body_job_state	*b = m->body;
	size_t			 i;

	for (i = 0; i < b->nitems; i++)
		set_last(b->items[i].name, b->items[i].last_s);
	save();
}

/* To a scheduler that has just come up, when the engine's containers
 * are adopted, and when the clock moves. */
void
jobstate_send(struct wproc *wp)
{
	struct body_job_state	*b;
	struct msg		 m;
	size_t			 i;

	/* Not before the engine's containers are adopted: a run made up
	 * for at start would see every container as an orphan. */
	if (wp->chan == NULL || wp->state != WS_UP || !engine_adopted())
		return;
	b = msg_init(&m, MSG_JOB_STATE, 0, PEER_PARENT);
	b->offset_ms = offset_ms;
	b->items = xcalloc(nlast + 1, sizeof(*b->items));
	for (i = 0; i < nlast; i++) {
		b->items[b->nitems].name = xstrdup(last[i].name);
		b->items[b->nitems++].last_s = last[i].last_s;
	}
	chan_send(wp->chan, &m);
	msg_clear(&m);
}

int64_t
jobstate_now_ms(void)
{
	return (int64_t)wall_ms() + offset_ms;
}

int
jobstate_clock_allowed(void)
{
	const char *v = getenv("BERTH_TEST_CLOCK");

	return v != NULL && strcmp(v, "1") == 0;
}

/* berthctl clock +S: 0, or -1 when berthd is not a test instance. */
int
jobstate_clock_move(int64_t delta_s)
{
	if (!jobstate_clock_allowed() || delta_s < -3650LL * 86400 ||
	    delta_s > 3650LL * 86400)
		return -1;
	offset_ms += delta_s * 1000;
	log_warnx("test clock moved by %+lld s (offset now %+lld s)",
	    (long long)delta_s, (long long)(offset_ms / 1000));
	jobstate_send(wproc_by_peer(PEER_SCHEDULER));
	return 0;
}

int64_t
jobstate_offset_ms(void)
{
	return offset_ms;
}

static int
listed(const char *list, const char *name)
{
	size_t	len = strlen(name);

	while (*list != '\0') {
		if (strncmp(list, name, len) == 0 &&
		    (list[len] == ',' || list[len] == '\0'))
			return 1;
		list += strcspn(list, ",");
		list += *list == ',';
	}
	return 0;
}

/* The distinct zones of the jobs, "A,B" (at most 8, for BERTH_ZONES). */
void
jobstate_zones(char *buf, size_t len)
{
	const struct job_cfg	*j;
	size_t			 i, n = 0, used = 0;

	buf[0] = '\0';
	for (i = 0; i < env->cfg.njobs && n < 8; i++) {
		j = &env->cfg.jobs[i];
		if (j->timezone[0] == '\0' || listed(buf, j->timezone))
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
		    n > 0 ? "," : "", j->timezone);
		if (used >= len) {
			buf[0] = '\0';
			return;
		}
		n++;
	}
}
