-- berth schema, migration 5: alerts of rules with label sets (issue 14).
-- One alert per rule and workspace while it fires, so a rule's name is
-- no longer unique among active rows; key (berthd's start and the
-- alert's id) makes a replay land once and later states update it.

DROP INDEX IF EXISTS system_alerts_active_idx;
ALTER TABLE system_alerts
    ADD COLUMN key TEXT UNIQUE,
    ADD COLUMN labels JSONB NOT NULL DEFAULT '{}'::jsonb,
    ADD COLUMN resolved_by TEXT,       -- "auto", "berthd" or a user id
    ADD COLUMN resolution TEXT;        -- why, as it was resolved
CREATE INDEX system_alerts_active_idx ON system_alerts (name, created_at)
    WHERE status = 'active';
