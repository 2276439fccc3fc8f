-- Terms of office kept as history (ORG-004 judges a past day by the term in force then). A
-- term is keyed by its start; a later edit of its end (an approved postponement) updates it.
CREATE TABLE org_terms (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    term_start DATE NOT NULL,
    term_end DATE,
    recorded_at TIMESTAMP NOT NULL,
    UNIQUE (org_id, term_start)
);
INSERT INTO org_terms (org_id, term_start, term_end, recorded_at)
    SELECT id, term_start, term_end, updated_at FROM orgs WHERE term_start IS NOT NULL;
