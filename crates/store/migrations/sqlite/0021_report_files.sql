-- Files attached to a report (an attachment field): kept in the database like meeting
-- attachments, tied to the template, the period and the submitting organisation; a value of
-- the report lists the files it carries, so a file once sent stays as it was sent.
CREATE TABLE report_files (
    id INTEGER PRIMARY KEY,
    template_id INTEGER NOT NULL REFERENCES report_templates(id),
    period_key TEXT NOT NULL,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    field_key TEXT NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    data BLOB NOT NULL,
    uploaded_at TIMESTAMP NOT NULL,
    uploaded_by INTEGER
);
CREATE INDEX report_files_of ON report_files (template_id, period_key, org_id);
