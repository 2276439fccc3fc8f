-- Members out of contact (MEM-003): dated events, kept as history. A loss remembers the
-- category the member had, which a regain restores.
CREATE TABLE member_contact_events (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id),
    kind TEXT NOT NULL,
    on_date DATE NOT NULL,
    prev_category TEXT,
    note TEXT,
    created_by BIGINT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX member_contact_events_member ON member_contact_events (member_id, on_date);
