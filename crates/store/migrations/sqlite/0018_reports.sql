-- Periodic reports (报表): templates built by an upper organisation, versioned (a submission
-- keeps the version it was made on); the organisations that submit (a subtree, optionally one
-- sector or type) and the receiving organisations; each submitter's working copy of a period,
-- and what each receiver received and did with it.
CREATE TABLE report_templates (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    cadence TEXT NOT NULL,
    first_due_day INTEGER NOT NULL DEFAULT 12,
    due_days INTEGER NOT NULL DEFAULT 5,
    once_due DATE,
    submit_root INTEGER NOT NULL REFERENCES orgs(id),
    submit_sector TEXT,
    submit_type TEXT,
    grace_days INTEGER NOT NULL DEFAULT 3,
    starts_on DATE NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    fields TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    archived_at TIMESTAMP
);
CREATE INDEX report_templates_root ON report_templates (submit_root);

CREATE TABLE report_template_versions (
    template_id INTEGER NOT NULL REFERENCES report_templates(id),
    version INTEGER NOT NULL,
    fields TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (template_id, version)
);

CREATE TABLE report_receivers (
    template_id INTEGER NOT NULL REFERENCES report_templates(id),
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    PRIMARY KEY (template_id, org_id)
);

CREATE TABLE report_drafts (
    template_id INTEGER NOT NULL REFERENCES report_templates(id),
    period_key TEXT NOT NULL,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (template_id, period_key, org_id)
);

CREATE TABLE report_receipts (
    template_id INTEGER NOT NULL REFERENCES report_templates(id),
    period_key TEXT NOT NULL,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    receiver_id INTEGER NOT NULL REFERENCES orgs(id),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    returned_at TIMESTAMP,
    return_comment TEXT,
    resubmitted_at TIMESTAMP,
    accepted_at TIMESTAMP,
    PRIMARY KEY (template_id, period_key, org_id, receiver_id)
);
CREATE INDEX report_receipts_receiver ON report_receipts (receiver_id, template_id, period_key);
CREATE INDEX report_receipts_org ON report_receipts (org_id, template_id, period_key);
