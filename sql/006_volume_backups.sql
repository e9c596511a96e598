-- berth schema, migration 6: project volume backups as berthd records
-- them (issue 16).  The table of migration 1 gets berth's own id (a
-- replayed record updates its row), what the backup holds and how it
-- ended; 'running' and 'done' join its statuses.

ALTER TABLE volume_backups
    ADD COLUMN backup_id TEXT UNIQUE,
    ADD COLUMN owner TEXT,
    ADD COLUMN compression TEXT,
    ADD COLUMN consistency TEXT,
    ADD COLUMN sha256 TEXT,
    ADD COLUMN bytes BIGINT,
    ADD COLUMN entries BIGINT,
    ADD COLUMN finished_at TIMESTAMPTZ,
    ADD COLUMN error TEXT;
ALTER TABLE volume_backups DROP CONSTRAINT volume_backups_status_check;
ALTER TABLE volume_backups ADD CONSTRAINT volume_backups_status_check
    CHECK (status IN ('pending', 'running', 'done', 'complete', 'failed'));
