-- One notification centre for every event: a notice (deduplicated by its key), the in-app
-- inbox of each account, each account's channel preferences, the webhooks of organisations
-- (DingTalk and WeCom group robots, plain JSON), and the outbox through which every delivery
-- outside the application goes: one row per (notice, channel, target), claimed by one server
-- copy at a time, retried with backoff, marked sent or failed with the reason.
CREATE TABLE notices (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    org_id INTEGER REFERENCES orgs(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT,
    dedup_key TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX notices_org ON notices (org_id, created_at);

CREATE TABLE notice_inbox (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    notice_id INTEGER NOT NULL REFERENCES notices(id),
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP,
    UNIQUE (account_id, notice_id)
);
CREATE INDEX notice_inbox_account ON notice_inbox (account_id, read_at);

CREATE TABLE notice_prefs (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id),
    email TEXT,
    email_on BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE org_webhooks (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    kind TEXT NOT NULL,
    url TEXT NOT NULL,
    secret TEXT,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX org_webhooks_org ON org_webhooks (org_id);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    notice_id INTEGER NOT NULL REFERENCES notices(id),
    channel TEXT NOT NULL,
    target TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at TIMESTAMP NOT NULL,
    claimed_by TEXT,
    claimed_until TIMESTAMP,
    last_error TEXT,
    sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (notice_id, channel, target)
);
CREATE INDEX outbox_due ON outbox (status, next_at);

-- The deadline notifications of earlier versions become notices of the centre.
INSERT INTO notices (kind, org_id, title, body, link, dedup_key, created_at)
    SELECT 'finding', f.org_id, f.rule, f.message, '/compliance?org=' || f.org_id,
           'finding:' || f.id, MIN(n.created_at)
    FROM notifications n JOIN findings f ON f.id = n.finding_id
    GROUP BY f.id, f.org_id, f.rule, f.message;
INSERT INTO notice_inbox (account_id, notice_id, created_at, read_at)
    SELECT n.account_id, x.id, n.created_at, n.read_at
    FROM notifications n JOIN notices x ON x.dedup_key = 'finding:' || n.finding_id;
DROP TABLE notifications;
