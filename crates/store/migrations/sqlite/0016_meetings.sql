-- Meetings (组织生活): the plan, the flow (planned → in session → held → minuted → approved, or
-- cancelled with a reason), the expected attendees fixed from the roster of the meeting day,
-- votes with their quorum, and the action items decided. A meeting imported from a sheet of
-- past meetings carries the attendance counts only.
CREATE TABLE meetings (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    group_id INTEGER REFERENCES orgs(id),
    kind TEXT NOT NULL,
    meeting_date DATE NOT NULL,
    start_time TEXT,
    place TEXT,
    online BOOLEAN NOT NULL DEFAULT FALSE,
    topic TEXT NOT NULL,
    agenda TEXT,
    host_id INTEGER REFERENCES members(id),
    recorder_id INTEGER REFERENCES members(id),
    status TEXT NOT NULL,
    noticed_at TIMESTAMP,
    opened_at TIMESTAMP,
    closed_at TIMESTAMP,
    minutes TEXT,
    decisions TEXT,
    minutes_at TIMESTAMP,
    approved_at TIMESTAMP,
    cancel_reason TEXT,
    moved_from DATE,
    checkin_secret BLOB,
    expected_count INTEGER,
    present_count INTEGER,
    leave_count INTEGER,
    source TEXT NOT NULL DEFAULT 'entered',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX meetings_org_date ON meetings (org_id, meeting_date);
CREATE INDEX meetings_group ON meetings (group_id, meeting_date);

CREATE TABLE meeting_attendees (
    meeting_id INTEGER NOT NULL REFERENCES meetings(id),
    member_id INTEGER NOT NULL REFERENCES members(id),
    name TEXT NOT NULL,
    full_member BOOLEAN NOT NULL,
    status TEXT NOT NULL DEFAULT 'unknown',
    reason TEXT,
    checked_in_at TIMESTAMP,
    checked_by TEXT,
    makeup_on DATE,
    makeup_note TEXT,
    PRIMARY KEY (meeting_id, member_id)
);
CREATE INDEX meeting_attendees_member ON meeting_attendees (member_id);

CREATE TABLE meeting_votes (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings(id),
    subject TEXT NOT NULL,
    voters INTEGER NOT NULL,
    voters_present INTEGER NOT NULL,
    yes INTEGER NOT NULL,
    no INTEGER NOT NULL,
    abstain INTEGER NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX meeting_votes_meeting ON meeting_votes (meeting_id);

CREATE TABLE action_items (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    meeting_id INTEGER REFERENCES meetings(id),
    title TEXT NOT NULL,
    owner_id INTEGER NOT NULL REFERENCES members(id),
    owner_name TEXT NOT NULL,
    due_date DATE NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    closing_note TEXT,
    closed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX action_items_org ON action_items (org_id, status);
CREATE INDEX action_items_owner ON action_items (owner_id, status);
