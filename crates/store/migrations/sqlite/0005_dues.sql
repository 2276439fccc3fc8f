-- Party dues (党费): what each member's dues are computed from (a change applies from its
-- month), the month's payments or recorded reasons, and the month each branch began keeping
-- dues here (the checks start from it).
CREATE TABLE dues_books (
    org_id INTEGER PRIMARY KEY REFERENCES orgs(id),
    start_month DATE NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE dues_bases (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id),
    effective_month DATE NOT NULL,
    category TEXT NOT NULL,
    base_fen BIGINT,
    farmer_fen BIGINT,
    created_by BIGINT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX dues_bases_member ON dues_bases (member_id, effective_month);

CREATE TABLE dues_payments (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id),
    month DATE NOT NULL,
    amount_fen BIGINT NOT NULL,
    paid_on DATE,
    collector TEXT,
    reason TEXT,
    created_by BIGINT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (member_id, month)
);
