-- berth schema, migration 4: the scheduler's job runs (issue 13).  One
-- row per finished run, written through the statswriter's queue and
-- spool like every record; (job, started_at) makes a replay land once.

CREATE TABLE job_runs (
    job TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    duration_ms BIGINT NOT NULL,
    result TEXT NOT NULL,          -- ok, failed, timeout
    action TEXT NOT NULL,          -- what acted counts: removed, stopped
    checked INTEGER NOT NULL,      -- objects looked at
    acted INTEGER NOT NULL,
    failed INTEGER NOT NULL,       -- actions that failed
    error TEXT,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (job, started_at)
);
CREATE INDEX job_runs_started ON job_runs (started_at);
