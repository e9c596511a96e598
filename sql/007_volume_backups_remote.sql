-- berth schema, migration 7: the remote copy of a volume backup
-- ([volumes.s3], issue 16 point 5): its state (pending, uploading,
-- uploaded, failed; NULL none), the archive's object key in the
-- bucket, and why its upload failed.

ALTER TABLE volume_backups
    ADD COLUMN remote_state TEXT
        CHECK (remote_state IN ('pending', 'uploading', 'uploaded',
            'failed')),
    ADD COLUMN remote_key TEXT,
    ADD COLUMN remote_error TEXT;
