-- berth schema, migration 3: projects and their owners.  berthd keeps
-- the registry (its own file in the state directory and the volumes'
-- berth.owner labels) and sends every change here; this table mirrors
-- it for operators and queries.

CREATE TABLE projects (
    project_id TEXT PRIMARY KEY,
    owner_id TEXT,                 -- NULL: nobody's (admin only)
    volume TEXT NOT NULL,
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX projects_owner ON projects (owner_id);
