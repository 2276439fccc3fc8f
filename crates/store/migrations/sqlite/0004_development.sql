-- Development files (发展档案): the dated steps of the procedure, one file per person; the
-- assessments of an activist and the people named (contacts, introducers) in their own tables.
CREATE TABLE dev_files (
    member_id INTEGER PRIMARY KEY REFERENCES members(id),
    source TEXT NOT NULL,
    application_date DATE,
    talk_date DATE,
    activist_date DATE,
    activist_filed_date DATE,
    candidate_date DATE,
    candidate_filed_date DATE,
    political_review_date DATE,
    training_start DATE,
    training_end DATE,
    committee_review_date DATE,
    precheck_date DATE,
    general_meeting_date DATE,
    upper_talk_date DATE,
    approval_date DATE,
    upper_filed_date DATE,
    oath_date DATE,
    conversion_application_date DATE,
    conversion_meeting_date DATE,
    conversion_approval_date DATE,
    archived_files_date DATE,
    training_hours_x10 INTEGER,
    votes_entitled INTEGER,
    votes_present INTEGER,
    votes_for INTEGER,
    approval_org_id INTEGER REFERENCES orgs(id),
    conversion_approval_org_id INTEGER REFERENCES orgs(id),
    extension_reason TEXT,
    probation_extension_months INTEGER,
    note TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE dev_assessments (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id),
    assessed_on DATE NOT NULL,
    note TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX dev_assessments_member ON dev_assessments (member_id, assessed_on);

CREATE TABLE dev_sponsors (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id),
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    sponsor_member_id INTEGER REFERENCES members(id),
    named_on DATE NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX dev_sponsors_member ON dev_sponsors (member_id);

-- Findings of the compliance check as last seen: the daily job and every relevant write keep
-- them current; a finding that is no longer seen is closed, never deleted.
CREATE TABLE findings (
    id INTEGER PRIMARY KEY,
    fkey TEXT NOT NULL UNIQUE,
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    org_path TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id INTEGER NOT NULL,
    subject_name TEXT NOT NULL,
    message TEXT NOT NULL,
    dates TEXT NOT NULL,
    due_date DATE,
    first_seen_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP
);
CREATE INDEX findings_open_path ON findings (org_path, rule, severity) WHERE resolved_at IS NULL;
CREATE INDEX findings_subject ON findings (subject_type, subject_id);

-- In-app notifications: one per account and finding, when a deadline finding first appears.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    finding_id INTEGER NOT NULL REFERENCES findings(id),
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP
);
CREATE INDEX notifications_account ON notifications (account_id, read_at);
