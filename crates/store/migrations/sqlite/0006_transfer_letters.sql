-- Letters of transfer of membership (组织关系介绍信): out to another organisation in the
-- system or outside it, or in from outside; a letter stays open until the person reports.
CREATE TABLE transfer_letters (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id),
    direction TEXT NOT NULL,
    letter_no TEXT NOT NULL,
    from_org_id INTEGER REFERENCES orgs(id),
    from_text TEXT,
    to_org_id INTEGER REFERENCES orgs(id),
    to_text TEXT,
    issued_on DATE NOT NULL,
    valid_until DATE NOT NULL,
    reported_on DATE,
    status TEXT NOT NULL,
    note TEXT,
    created_by BIGINT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX transfer_letters_member ON transfer_letters (member_id);
CREATE INDEX transfer_letters_to ON transfer_letters (to_org_id, status);
CREATE INDEX transfer_letters_from ON transfer_letters (from_org_id, status);
