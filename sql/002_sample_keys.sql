-- berth schema, migration 2: samples are keyed by what makes them one
-- sample.  The surrogate ids of container_metrics and system_metrics
-- served no query and cost every written row a sequence value and an
-- index entry (bench/RESULTS.md); (container_id, ts) and
-- (name, ts, tags) become the primary keys.

ALTER TABLE container_metrics DROP COLUMN id;
ALTER TABLE container_metrics DROP CONSTRAINT container_metrics_key,
    ADD CONSTRAINT container_metrics_pkey PRIMARY KEY (container_id, ts);

ALTER TABLE system_metrics DROP COLUMN id;
ALTER TABLE system_metrics DROP CONSTRAINT system_metrics_key,
    ADD CONSTRAINT system_metrics_pkey PRIMARY KEY (name, ts, tags);
