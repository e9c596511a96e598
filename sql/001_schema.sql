-- berth schema, migration 1: every table the statswriter owns.
-- Applied by db_migrate() inside one transaction together with its
-- schema_migrations row; compiled into the binary by sql/embed.sh.

CREATE TABLE IF NOT EXISTS schema_migrations (
	version		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL,
	applied_at	TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One row per workspace berth has created; survives berthd restarts.
CREATE TABLE workspaces (
	id			TEXT PRIMARY KEY,
	user_id			TEXT NOT NULL,
	project_id		TEXT NOT NULL,
	type			TEXT NOT NULL,
	tier			TEXT NOT NULL,
	s3_bucket		TEXT,
	container_id		TEXT,
	status			TEXT NOT NULL,
	created_at		TIMESTAMPTZ NOT NULL DEFAULT now(),
	started_at		TIMESTAMPTZ,
	stopped_at		TIMESTAMPTZ,
	shutdown_reason		TEXT CHECK (shutdown_reason IN
				    ('manual', 'inactivity', 'error',
				    'resource_limit')),
	cpus			DOUBLE PRECISION CHECK (cpus > 0),
	memory_mb		BIGINT CHECK (memory_mb > 0),
	memory_swap_mb		BIGINT,
	memory_reservation_mb	BIGINT CHECK (memory_reservation_mb >= 0),
	updated_at		TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX workspaces_user_idx ON workspaces (user_id);
CREATE INDEX workspaces_status_idx ON workspaces (status);

-- Lifecycle record of one container: exactly the columns of seed 000,
-- plus workspace_id and the create/start phase times.
CREATE TABLE container_stats (
	id			UUID PRIMARY KEY,
	container_id		TEXT NOT NULL,
	user_id			TEXT,
	s3_bucket		TEXT NOT NULL,
	request_received_at	TIMESTAMPTZ NOT NULL,
	code_server_available_at TIMESTAMPTZ,
	container_stopped_at	TIMESTAMPTZ,
	startup_time_ms		INTEGER,
	active_duration_ms	INTEGER,
	shutdown_reason		TEXT CHECK (shutdown_reason IN
				    ('manual', 'inactivity', 'error',
				    'resource_limit')),
	created_at		TIMESTAMPTZ NOT NULL DEFAULT NOW(),
	updated_at		TIMESTAMPTZ NOT NULL DEFAULT NOW(),
	workspace_id		TEXT,
	container_created_at	TIMESTAMPTZ,
	container_started_at	TIMESTAMPTZ
);
CREATE INDEX container_stats_container_idx ON container_stats (container_id);
CREATE INDEX container_stats_received_idx
    ON container_stats (request_received_at);
CREATE INDEX container_stats_workspace_idx ON container_stats (workspace_id);

-- Resource samples; (container_id, ts) is the idempotency key so a
-- replayed batch is written once.
CREATE TABLE container_metrics (
	id		BIGSERIAL PRIMARY KEY,
	ts		TIMESTAMPTZ NOT NULL,
	container_id	TEXT NOT NULL,
	container_name	TEXT,
	workspace_id	TEXT,
	status		TEXT,
	cpu_percent	DOUBLE PRECISION,
	cpu_seconds	DOUBLE PRECISION,
	memory_used	BIGINT,
	memory_limit	BIGINT,
	memory_cache	BIGINT,
	network_rx	BIGINT,
	network_tx	BIGINT,
	block_read	BIGINT,
	block_write	BIGINT,
	pids		BIGINT,
	CONSTRAINT container_metrics_key UNIQUE (container_id, ts)
);
-- The unique constraint is the (container_id, ts) index.
CREATE INDEX container_metrics_ts_idx ON container_metrics (ts);

-- Host-level samples; (name, ts, tags) is the idempotency key.
CREATE TABLE system_metrics (
	id		BIGSERIAL PRIMARY KEY,
	ts		TIMESTAMPTZ NOT NULL,
	name		TEXT NOT NULL,
	value		DOUBLE PRECISION NOT NULL,
	tags		JSONB NOT NULL DEFAULT '{}'::jsonb,
	CONSTRAINT system_metrics_key UNIQUE (name, ts, tags)
);
CREATE INDEX system_metrics_ts_idx ON system_metrics (ts);

-- Events; key is chosen by the writer so a replay is written once.
CREATE TABLE system_events (
	id		BIGSERIAL PRIMARY KEY,
	ts		TIMESTAMPTZ NOT NULL DEFAULT now(),
	type		TEXT NOT NULL,
	severity	TEXT NOT NULL CHECK (severity IN
			    ('info', 'warning', 'error', 'critical')),
	message		TEXT NOT NULL,
	details		JSONB,
	key		TEXT UNIQUE
);
CREATE INDEX system_events_ts_idx ON system_events (ts);
CREATE INDEX system_events_type_idx ON system_events (type, ts);

CREATE TABLE system_alerts (
	id		BIGSERIAL PRIMARY KEY,
	created_at	TIMESTAMPTZ NOT NULL DEFAULT now(),
	name		TEXT NOT NULL,
	severity	TEXT NOT NULL CHECK (severity IN
			    ('info', 'warning', 'error', 'critical')),
	message		TEXT NOT NULL,
	status		TEXT NOT NULL DEFAULT 'active'
			    CHECK (status IN ('active', 'resolved')),
	resolved_at	TIMESTAMPTZ,
	details		JSONB,
	CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
);
-- At most one active alert of a name.
CREATE UNIQUE INDEX system_alerts_active_idx
    ON system_alerts (name) WHERE status = 'active';

CREATE TABLE volume_backups (
	id		BIGSERIAL PRIMARY KEY,
	project_id	TEXT NOT NULL,
	volume		TEXT NOT NULL,
	path		TEXT NOT NULL,
	size_bytes	BIGINT CHECK (size_bytes >= 0),
	created_at	TIMESTAMPTZ NOT NULL DEFAULT now(),
	status		TEXT NOT NULL DEFAULT 'pending'
			    CHECK (status IN ('pending', 'complete', 'failed'))
);
CREATE INDEX volume_backups_project_idx
    ON volume_backups (project_id, created_at);
