-- Office holders (班子成员) as dated posts pointing at roster people. A post whose holder could
-- not be matched to one roster person (free text of earlier versions) keeps the name as
-- written, with no member, until a person resolves it. The free-text columns of `orgs` stay
-- as a summary of the current posts, written only from them.
CREATE TABLE org_posts (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    post TEXT NOT NULL,
    member_id INTEGER REFERENCES members(id),
    holder_name TEXT NOT NULL,
    start_date DATE,
    end_date DATE,
    elected_on DATE,
    end_reason TEXT,
    source TEXT NOT NULL DEFAULT 'entered',
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX org_posts_org ON org_posts (org_id, end_date);
CREATE INDEX org_posts_member ON org_posts (member_id);
