-- Where each person was on the roster, as dated intervals [from_date, to_date): the statistics
-- of any past day count people where they were then. An open interval has no to_date; an
-- unknown start (records that predate the system) has no from_date.
CREATE TABLE member_placements (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id),
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    from_date DATE,
    to_date DATE
);
CREATE INDEX member_placements_org ON member_placements (org_id, member_id);
CREATE INDEX member_placements_member ON member_placements (member_id);

-- The statistics of today group the active roster by these columns; with the columns of a
-- group in index order SQLite aggregates during the scan instead of sorting every row.
CREATE INDEX members_stat_dims ON members (status, gender, ethnicity, education, category, org_path) WHERE archived_at IS NULL;
CREATE INDEX members_stat_birth ON members (status, birth_date, org_path) WHERE archived_at IS NULL;
CREATE INDEX members_stat_admission ON members (status, admission_date, org_path) WHERE archived_at IS NULL;
CREATE INDEX members_stat_org ON members (org_path, status, gender, ethnicity) WHERE archived_at IS NULL;
-- The roster of people who left is its own partial index, so that the whole-roster index
-- above is the one that orders the active roster by organisation.
DROP INDEX members_path_name;
CREATE INDEX members_archived_path_name ON members (org_path, name_key, id) WHERE archived_at IS NOT NULL;

-- Existing records: the interval before the first transfer, then one per transfer; the last
-- closes on the archive date when the person has left the roster.
INSERT INTO member_placements (member_id, org_id, from_date, to_date)
SELECT m.id,
       COALESCE((SELECT t.from_org_id FROM member_transfers t WHERE t.member_id = m.id
                 ORDER BY t.transfer_date, t.id LIMIT 1), m.org_id),
       NULL,
       COALESCE((SELECT MIN(t.transfer_date) FROM member_transfers t WHERE t.member_id = m.id),
                CASE WHEN m.archived_at IS NOT NULL THEN m.archive_date END)
FROM members m;

INSERT INTO member_placements (member_id, org_id, from_date, to_date)
SELECT t.member_id, t.to_org_id, t.transfer_date,
       COALESCE((SELECT n.transfer_date FROM member_transfers n WHERE n.member_id = t.member_id
                 AND (n.transfer_date > t.transfer_date OR (n.transfer_date = t.transfer_date AND n.id > t.id))
                 ORDER BY n.transfer_date, n.id LIMIT 1),
                CASE WHEN m.archived_at IS NOT NULL THEN m.archive_date END)
FROM member_transfers t JOIN members m ON m.id = t.member_id;
