-- Organisations, members, accounts, sessions and the audit log.
CREATE TABLE orgs (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES orgs(id),
    path TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    org_type TEXT NOT NULL,
    sector TEXT NOT NULL,
    founded_on DATE,
    secretary TEXT,
    deputy_secretary TEXT,
    committee_members TEXT,
    term_start DATE,
    term_end DATE,
    contact_phone TEXT,
    archived_at TIMESTAMP,
    archive_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX orgs_path ON orgs (path);
CREATE INDEX orgs_parent ON orgs (parent_id);

CREATE TABLE members (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    org_path TEXT NOT NULL,
    party_group_id INTEGER REFERENCES orgs(id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    gender TEXT NOT NULL,
    ethnicity TEXT,
    birth_date DATE NOT NULL,
    id_cipher BLOB NOT NULL,
    id_hash TEXT NOT NULL UNIQUE,
    id_masked TEXT NOT NULL,
    education TEXT,
    status TEXT NOT NULL,
    category TEXT NOT NULL,
    phone TEXT,
    work_unit TEXT,
    post TEXT,
    application_date DATE,
    activist_date DATE,
    candidate_date DATE,
    admission_date DATE,
    conversion_date DATE,
    archived_at TIMESTAMP,
    archive_reason TEXT,
    archive_date DATE,
    archive_note TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX members_path_name ON members (org_path, name_key, id);
-- The active roster of a subtree, covered: the first page is an index-only range scan.
CREATE INDEX members_active_path_name ON members (org_path, name_key, id, status) WHERE archived_at IS NULL;
CREATE INDEX members_org ON members (org_id);
CREATE INDEX members_name ON members (name);

CREATE TABLE member_transfers (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id),
    from_org_id INTEGER NOT NULL REFERENCES orgs(id),
    to_org_id INTEGER NOT NULL REFERENCES orgs(id),
    transfer_date DATE NOT NULL,
    note TEXT,
    created_by INTEGER,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX member_transfers_member ON member_transfers (member_id, transfer_date);

CREATE TABLE member_archive_events (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id),
    action TEXT NOT NULL,
    reason TEXT,
    event_date DATE NOT NULL,
    note TEXT,
    created_by INTEGER,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX member_archive_events_member ON member_archive_events (member_id);

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT,
    org_id INTEGER REFERENCES orgs(id),
    member_id INTEGER REFERENCES members(id),
    must_change_password BOOLEAN NOT NULL,
    disabled BOOLEAN NOT NULL,
    locked_until TIMESTAMP,
    password_changed_at TIMESTAMP NOT NULL,
    totp_secret TEXT,
    totp_enabled BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE password_history (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    password_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX password_history_account ON password_history (account_id, created_at);

CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_account ON login_failures (account_id, at);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    totp_pending BOOLEAN NOT NULL,
    source_ip TEXT
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    revoked_at TIMESTAMP,
    last_used_at TIMESTAMP
);

CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY,
    created_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY,
    seq BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, last_hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    account_id BIGINT,
    username TEXT,
    source_ip TEXT,
    event TEXT NOT NULL,
    object_type TEXT,
    object_id TEXT,
    result TEXT NOT NULL,
    summary TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_account ON audit_log (account_id, at);

-- Append-only: the database itself refuses changes to written audit rows.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE job_runs (
    job TEXT NOT NULL,
    run_key TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    PRIMARY KEY (job, run_key)
);
