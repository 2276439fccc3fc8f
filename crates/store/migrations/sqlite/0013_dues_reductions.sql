-- Approved reductions and exemptions of party dues (少交、免交党费): discussed by the branch and
-- approved by the committee above, on a day; they cover a run of months. Withdrawn records are
-- kept with the reason (a record entered in error), never deleted.
CREATE TABLE dues_reductions (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id),
    kind TEXT NOT NULL,
    amount_fen BIGINT,
    from_month DATE NOT NULL,
    to_month DATE,
    approval_org_id INTEGER NOT NULL REFERENCES orgs(id),
    approved_on DATE NOT NULL,
    document_no TEXT,
    reason TEXT NOT NULL,
    created_by BIGINT,
    created_at TIMESTAMP NOT NULL,
    withdrawn_at TIMESTAMP,
    withdrawn_reason TEXT
);
CREATE INDEX dues_reductions_member ON dues_reductions (member_id);
