-- The first pages of large subtrees in their usual order, without sorting the subtree: the
-- roster by name over the active people, the open findings most severe and most urgent first.
-- Small subtrees still read their path range and sort it.
CREATE INDEX members_active_name ON members (name_key, id) WHERE archived_at IS NULL;
CREATE INDEX findings_open_order ON findings (severity, rule, (due_date IS NULL), due_date,
    org_path, subject_name, id) WHERE resolved_at IS NULL;
