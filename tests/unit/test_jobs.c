/*
 * Unit tests for the scheduler's job table (workers/scheduler/jobs.c):
 * the jobs and their defaults, next fire times (jitter, a zone), a run
 * never overlapping itself (the due fire is skipped and counted), one
 * run for a jump of the clock, a run missed while berth was down made
 * up for once at start (bounded), results and totals.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "jobs.h"

/* Sat 2026-12-05 07:53:00 UTC */
#define T0	1796457180LL

static struct jobs	js;
static struct berth_config cfg;

static void
setup(void)
{
	memset(&js, 0, sizeof(js));
	config_init(&cfg);
	jobs_configure(&js, &cfg, T0);
}

static void
teardown(void)
{
	config_free(&cfg);
}

TestSuite(jobs, .init = setup, .fini = teardown);

static void
set(const char *key, const char *value)
{
	char	err[256];

	cr_assert_eq(config_set(&cfg, key, value, err, sizeof(err)), 0,
	    "%s: %s", key, err);
}

Test(jobs, every_job_of_the_issue_with_the_seeds_defaults)
{
	static const char *const want[][2] = {
		{ "expired-sessions", "*/15 * * * *" },
		{ "monitoring", "*/5 * * * *" },
		{ "orphaned-machines", "0 * * * *" },
		{ "session-timeouts", "*/10 * * * *" },
		{ "metrics", "* * * * *" },
		{ "inactive-containers", "0 * * * *" },
		{ "orphaned-containers", "0 */6 * * *" },
		{ "orphaned-volumes", "0 2 * * *" },
		{ "error-workspaces", "*/30 * * * *" },
		{ "retention", "0 * * * *" },
	};
	struct job	*j;
	size_t		 i;

	cr_assert_eq(js.n, 10);
	for (i = 0; i < 10; i++) {
		cr_assert_not_null(j = jobs_find(&js, want[i][0]));
		cr_expect_str_eq(j->schedule, want[i][1]);
		cr_expect(j->enabled);
		cr_expect_str_empty(j->error);
		cr_expect_eq(j->timeout_s, 300);
	}
	cr_expect_eq(jobs_find(&js, "orphaned-machines")->age_min, 30);
	cr_expect_eq(jobs_find(&js, "inactive-containers")->age_min, 1440);
	cr_expect_eq(jobs_find(&js, "orphaned-volumes")->grace_min, 1440);
	/* built ones act; the others are listed and never run */
	cr_expect_not_null(jobs_find(&js, "orphaned-containers")->fn);
	cr_expect_not_null(jobs_find(&js, "session-timeouts")->fn);
	cr_expect_not_null(jobs_find(&js, "monitoring")->fn);
	cr_expect_not_null(jobs_find(&js, "metrics")->fn);
	cr_expect_null(jobs_find(&js, "nonesuch"));
}

Test(jobs, an_unknown_job_section_is_an_error)
{
	struct config_errors	errs = { NULL, 0 };

	set("job.nonesuch.schedule", "* * * * *");
	cr_expect_gt(config_finish(&cfg, &errs), 0);
	cr_expect(strstr(errs.lines[errs.n - 1], "no such job") != NULL);
	config_errors_free(&errs);
}

Test(jobs, next_fire_times)
{
	struct job *j = jobs_find(&js, "session-timeouts");

	cr_expect_eq(j->next_s, T0 + 7 * 60);		/* 08:00 */
	cr_expect_eq(job_next_after(j, T0 + 7 * 60), T0 + 17 * 60);
	j = jobs_find(&js, "orphaned-containers");
	cr_expect_eq(j->next_s, T0 + 4 * 3600 + 7 * 60);	/* 12:00 */
}

Test(jobs, jitter_is_stable_and_within_bounds)
{
	struct job	*j;
	long		 off = cron_jitter("session-timeouts", 120);

	set("job.session-timeouts.jitter_s", "120");
	jobs_configure(&js, &cfg, T0);
	j = jobs_find(&js, "session-timeouts");
	cr_assert(off >= 0 && off < 120);
	cr_expect_eq(j->jitter, off);
	cr_expect_eq(job_next_after(j, T0), T0 + 7 * 60 + off);
}

Test(jobs, a_schedule_in_a_zone)
{
	struct job *j;

	jobs_load_zones(&js, "Europe/Berlin", NULL);
	cr_assert_eq(js.nzones, 1);
	set("job.orphaned-volumes.timezone", "Europe/Berlin");
	jobs_configure(&js, &cfg, T0);
	j = jobs_find(&js, "orphaned-volumes");
	cr_expect_str_empty(j->error);
	/* 02:00 in Berlin in December is 01:00 UTC, the next day */
	cr_expect_eq(j->next_s, T0 - 7 * 3600 - 53 * 60 + 86400 + 3600);
	tz_free(js.zones[0].tz);
}

Test(jobs, a_zone_not_loaded_at_start_is_an_error_not_utc)
{
	struct job *j;

	set("job.orphaned-volumes.timezone", "America/New_York");
	jobs_configure(&js, &cfg, T0);
	j = jobs_find(&js, "orphaned-volumes");
	cr_expect(strstr(j->error, "not loaded") != NULL);
	cr_expect_eq(j->next_s, 0);
	cr_expect_eq(job_due(j, T0 + 86400), 0);
}

Test(jobs, a_bad_schedule_is_refused_by_the_configuration)
{
	char	err[256];

	cr_expect_eq(config_set(&cfg, "job.session-timeouts.schedule",
	    "61 * * * *", err, sizeof(err)), -1);
	cr_expect(strstr(err, "minute") != NULL, "%s", err);
	cr_expect_eq(config_set(&cfg, "job.session-timeouts.timezone",
	    "../../etc/passwd", err, sizeof(err)), -1);
	cr_expect_eq(config_set(&cfg, "job.session-timeouts.timezone",
	    "/etc/localtime", err, sizeof(err)), -1);
	cr_expect_str_eq(config_job(&cfg, "session-timeouts")->schedule,
	    "*/10 * * * *");
}

/* One set behind config_set's back (a value the scheduler receives). */
Test(jobs, a_bad_schedule_never_fires)
{
	struct job_cfg	*c;
	struct job	*j;

	c = (struct job_cfg *)config_job(&cfg, "session-timeouts");
	free(c->schedule);
	c->schedule = strdup("61 * * * *");
	jobs_configure(&js, &cfg, T0);
	j = jobs_find(&js, "session-timeouts");
	cr_expect_str_neq(j->error, "");
	cr_expect_eq(job_due(j, T0 + 3600), 0);
}

Test(jobs, a_due_fire_while_it_runs_is_skipped_and_counted)
{
	struct job *j = jobs_find(&js, "session-timeouts");

	jobs_restored(&js, T0);
	cr_expect_eq(job_due(j, T0 + 60), 0);		/* not yet */
	cr_assert_eq(job_due(j, T0 + 7 * 60), 1);	/* 08:00 */
	job_begin(j, (T0 + 7 * 60) * 1000);
	cr_expect_eq(job_due(j, T0 + 17 * 60), 0);	/* 08:10: runs */
	cr_expect_eq(j->skipped, 1);
	job_end(j, (T0 + 18 * 60) * 1000, "ok", NULL, 3, 1, 0);
	cr_expect_eq(j->runs, 1);
	cr_expect_eq(j->last.duration_ms, 11 * 60 * 1000);
	cr_expect_eq(j->last.acted, 1);
	cr_expect_eq(j->last_success_ms, (T0 + 18 * 60) * 1000);
	cr_expect_eq(job_due(j, T0 + 27 * 60), 1);	/* 08:20 */
	cr_expect_eq(j->skipped, 1);
}

Test(jobs, a_jump_of_the_clock_is_one_run)
{
	struct job *j = jobs_find(&js, "session-timeouts");

	jobs_restored(&js, T0);
	cr_expect_eq(job_due(j, T0 + 5 * 3600), 1);
	cr_expect_eq(job_due(j, T0 + 5 * 3600), 0);
	cr_expect_eq(j->skipped, 0);
	cr_expect_eq(j->next_s, T0 + 5 * 3600 + 7 * 60);
}

Test(jobs, a_run_missed_while_down_runs_once_at_start)
{
	struct job *j = jobs_find(&js, "orphaned-machines");
	struct job *k = jobs_find(&js, "session-timeouts");

	/* fired at 06:00; 07:00 passed while berth was down */
	jobs_restore(&js, "orphaned-machines", T0 - 53 * 60 - 3600, T0);
	/* fired at 07:50: nothing missed */
	jobs_restore(&js, "session-timeouts", T0 - 3 * 60, T0);
	jobs_restored(&js, T0);
	cr_expect_eq(job_due(j, T0), 1);
	cr_expect_eq(job_due(j, T0 + 1), 0);
	cr_expect_eq(j->next_s, T0 + 7 * 60);		/* 08:00 */
	cr_expect_eq(job_due(k, T0), 0);
	cr_expect_eq(k->next_s, T0 + 7 * 60);
}

Test(jobs, a_run_missed_too_long_ago_is_not_made_up_for)
{
	struct job *j = jobs_find(&js, "orphaned-machines");

	jobs_restore(&js, "orphaned-machines", T0 - JOBS_CATCHUP_S - 7200,
	    T0);
	jobs_restored(&js, T0);
	cr_expect_eq(job_due(j, T0), 0);
}

Test(jobs, a_disabled_job_is_not_due)
{
	struct job *j;

	set("job.orphaned-machines.enabled", "false");
	jobs_configure(&js, &cfg, T0);
	j = jobs_find(&js, "orphaned-machines");
	jobs_restore(&js, "orphaned-machines", T0 - 7200, T0);
	jobs_restored(&js, T0);
	cr_expect_eq(job_due(j, T0), 0);
	cr_expect_eq(job_due(j, T0 + 86400), 0);
}

Test(jobs, results_and_totals)
{
	struct job *j = jobs_find(&js, "orphaned-containers");

	job_begin(j, 1000);
	job_end(j, 3000, "timeout", "timed out", 2, 0, 0);
	job_begin(j, 4000);
	job_end(j, 4500, "failed", "engine down", 0, 0, 0);
	job_begin(j, 5000);
	job_end(j, 5100, "ok", NULL, 5, 2, 0);
	cr_expect_eq(j->runs, 3);
	cr_expect_eq(j->failures, 2);
	cr_expect_eq(j->timeouts, 1);
	cr_expect_eq(j->failed, 1);
	cr_expect_eq(j->ok, 1);
	cr_expect_str_eq(j->last.result, "ok");
	cr_expect_str_empty(j->last.error);
	cr_expect_eq(j->last_success_ms, 5100);
	cr_expect(!j->running);
}

Test(jobs, a_reload_keeps_the_counters)
{
	struct job *j = jobs_find(&js, "orphaned-containers");

	job_begin(j, 1000);
	job_end(j, 2000, "ok", NULL, 1, 1, 0);
	set("job.orphaned-containers.schedule", "@hourly");
	jobs_configure(&js, &cfg, T0);
	cr_expect_eq(jobs_find(&js, "orphaned-containers"), j);
	cr_expect_eq(j->runs, 1);
	cr_expect_eq(j->next_s, T0 + 7 * 60);
}
