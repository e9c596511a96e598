/*
 * The job table's bookkeeping (jobs.h): configuration into jobs, fire
 * times from cron, overlaps skipped and counted, runs missed while
 * berth was down made up for once, results and totals.
 */
#include <stdio.h>
#include <string.h>

#include "jobs.h"
#include "log.h"

void
jobs_load_zones(struct jobs *js, const char *list, const char *dir)
{
	const char	*p = list;
	size_t		 len;
	struct tz	*tz;

	while (p != NULL && *p != '\0' && js->nzones < JOBS_ZONES) {
		len = strcspn(p, ",");
		if (len > 0 && len < sizeof(js->zones[0].name)) {
			snprintf(js->zones[js->nzones].name,
			    sizeof(js->zones[0].name), "%.*s", (int)len, p);
			if ((tz = tz_load(dir, js->zones[js->nzones].name)) ==
			    NULL)
				log_warn("time zone %s",
				    js->zones[js->nzones].name);
			else
				js->zones[js->nzones++].tz = tz;
		}
		p += len + (p[len] == ',');
	}
}

static const struct tz *
zone_named(const struct jobs *js, const char *name)
{
	size_t	i;

	for (i = 0; i < js->nzones; i++)
		if (strcmp(js->zones[i].name, name) == 0)
			return js->zones[i].tz;
	return NULL;
}

struct job *
jobs_find(struct jobs *js, const char *name)
{
	size_t	i;

	for (i = 0; i < js->n; i++)
		if (strcmp(js->job[i].name, name) == 0)
			return &js->job[i];
	return NULL;
}

/* One job's configuration; its schedule state starts again when its
 * schedule or zone changed. */
static void
configure_one(struct jobs *js, struct job *j, const struct job_cfg *c,
    int64_t now_s)
{
	int	changed;

	changed = strcmp(j->schedule, c->schedule) != 0 ||
	    strcmp(j->tzname, c->timezone) != 0 || j->next_s == 0;
	j->enabled = c->enabled;
	snprintf(j->schedule, sizeof(j->schedule), "%s", c->schedule);
	snprintf(j->tzname, sizeof(j->tzname), "%s", c->timezone);
	j->jitter = cron_jitter(j->name, c->jitter_s);
	j->timeout_s = c->timeout_s;
	j->age_min = c->age_min;
	j->grace_min = c->grace_min;
	j->error[0] = '\0';
	j->tz = NULL;
	if (cron_parse(j->schedule, &j->spec, j->error, sizeof(j->error)) ==
	    -1) {
		log_warnx("job %s: schedule \"%s\": %s", j->name, j->schedule,
		    j->error);
	} else if (j->tzname[0] != '\0' &&
	    (j->tz = zone_named(js, j->tzname)) == NULL) {
		snprintf(j->error, sizeof(j->error), "time zone %s not loaded "
		    "(restart the scheduler)", j->tzname);
		log_warnx("job %s: %s", j->name, j->error);
	}
	if (changed)
		j->next_s = job_next_after(j, j->last_s > 0 ? j->last_s :
		    now_s);
}

void
jobs_configure(struct jobs *js, const struct berth_config *cfg,
    int64_t now_s)
{
	const char *const	*n;
	const struct job_cfg	*c;
	struct job_cfg		 dflt = { NULL, 1, "0 * * * *", "", 0, 300,
				    30, 1440 };
	struct job		*j;

	for (n = config_job_names(); *n != NULL; n++) {
		if ((j = jobs_find(js, *n)) == NULL) {
			if (js->n == JOBS_MAX)
				break;
			j = &js->job[js->n++];
			memset(j, 0, sizeof(*j));
			snprintf(j->name, sizeof(j->name), "%s", *n);
			j->fn = jobs_fn(j->name, &j->action);
		}
		c = config_job(cfg, *n);
		configure_one(js, j, c != NULL ? c : &dflt, now_s);
	}
}

int64_t
job_next_after(const struct job *j, int64_t t)
{
	int64_t	next;

	if (j->error[0] != '\0')
		return 0;
	/* fires are cron times plus the jitter */
	if ((next = cron_next(&j->spec, j->tz, t - j->jitter)) == -1)
		return 0;
	return next + j->jitter;
}

void
jobs_restore(struct jobs *js, const char *name, int64_t last_s,
    int64_t now_s)
{
	struct job	*j;
	int64_t		 missed;

	if ((j = jobs_find(js, name)) == NULL || last_s <= 0 || last_s > now_s)
		return;
	j->last_s = last_s;
	missed = job_next_after(j, last_s);
	j->next_s = job_next_after(j, now_s);
	if (missed == 0 || missed > now_s || !j->enabled)
		return;
	if (now_s - missed > JOBS_CATCHUP_S) {
		log_info("job %s: missed the run due at %lld, too long ago "
		    "to make up for", j->name, (long long)missed);
		return;
	}
	log_info("job %s: missed the run due at %lld while down; runs now",
	    j->name, (long long)missed);
	j->catchup = 1;
}

/* Jobs berthd had no memory of start counting from now. */
void
jobs_restored(struct jobs *js, int64_t now_s)
{
	size_t	i;

	for (i = 0; i < js->n; i++)
		if (js->job[i].last_s == 0) {
			js->job[i].last_s = now_s;
			js->job[i].next_s = job_next_after(&js->job[i], now_s);
		}
	js->restored = 1;
}

int
job_due(struct job *j, int64_t now_s)
{
	if (!j->enabled || j->error[0] != '\0')
		return 0;
	if (!j->catchup && (j->next_s == 0 || j->next_s > now_s))
		return 0;
	/* Fires missed in a jump of the clock are one fire. */
	j->catchup = 0;
	j->last_s = now_s;
	j->next_s = job_next_after(j, now_s);
	if (j->running) {
		j->skipped++;
		log_info("job %s: due while its last run goes on; skipped",
		    j->name);
		return 0;
	}
	return 1;
}

const double jobs_bucket_le[JOBS_BUCKETS] = {
	0.1, 0.5, 1, 5, 15, 60, 300, 1800
};

static void
observe(struct job *j, double s)
{
	size_t	i;

	for (i = 0; i < JOBS_BUCKETS; i++)
		if (s <= jobs_bucket_le[i])
			j->buckets[i]++;
}

void
job_begin(struct job *j, int64_t now_ms)
{
	j->running = 1;
	j->run_start_ms = now_ms;
}

void
job_end(struct job *j, int64_t now_ms, const char *result,
    const char *error, long checked, long acted, long failed)
{
	struct job_last_run	*l = &j->last;

	j->running = 0;
	l->start_ms = j->run_start_ms;
	l->duration_ms = now_ms > j->run_start_ms ? now_ms - j->run_start_ms :
	    0;
	snprintf(l->result, sizeof(l->result), "%s", result);
	snprintf(l->error, sizeof(l->error), "%s", error != NULL ? error : "");
	l->checked = checked;
	l->acted = acted;
	l->failed = failed;
	j->runs++;
	j->duration_sum_s += (double)l->duration_ms / 1000.0;
	observe(j, (double)l->duration_ms / 1000.0);
	if (strcmp(result, "ok") == 0) {
		j->ok++;
		j->last_success_ms = now_ms;
	} else {
		j->failures++;
		if (strcmp(result, "timeout") == 0)
			j->timeouts++;
		else
			j->failed++;
	}
	log_info("job %s: %s in %lld ms: %ld checked, %ld %s, %ld failed%s%s",
	    j->name, result, (long long)l->duration_ms, checked, acted,
	    j->action != NULL ? j->action : "acted on", failed,
	    l->error[0] != '\0' ? ": " : "", l->error);
}
