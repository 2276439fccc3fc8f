-- Joint-meeting systems (联席会议制度, seed 002): an owning organisation, a chief convener and
-- conveners (roster people), member units (organisations of the tree or outside bodies by name),
-- a minimum of meetings a month, inspection items assigned to member units, and periodic
-- summaries drafted from the period's meetings and approved by a person. A joint meeting is a
-- meeting of the owning organisation that names its system.
CREATE TABLE joint_systems (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    duties TEXT,
    min_per_month INTEGER NOT NULL DEFAULT 2,
    started_on DATE NOT NULL,
    ended_on DATE,
    created_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX joint_systems_org ON joint_systems (org_id);

CREATE TABLE joint_conveners (
    system_id INTEGER NOT NULL REFERENCES joint_systems(id),
    member_id INTEGER NOT NULL REFERENCES members(id),
    name TEXT NOT NULL,
    chief BOOLEAN NOT NULL,
    title TEXT,
    PRIMARY KEY (system_id, member_id)
);

CREATE TABLE joint_units (
    id INTEGER PRIMARY KEY,
    system_id INTEGER NOT NULL REFERENCES joint_systems(id),
    org_id INTEGER REFERENCES orgs(id),
    name TEXT NOT NULL
);
CREATE INDEX joint_units_system ON joint_units (system_id);

CREATE TABLE joint_inspections (
    id INTEGER PRIMARY KEY,
    system_id INTEGER NOT NULL REFERENCES joint_systems(id),
    unit_id INTEGER NOT NULL REFERENCES joint_units(id),
    item TEXT NOT NULL,
    due_date DATE,
    result TEXT,
    checked_on DATE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX joint_inspections_system ON joint_inspections (system_id);

CREATE TABLE joint_summaries (
    id INTEGER PRIMARY KEY,
    system_id INTEGER NOT NULL REFERENCES joint_systems(id),
    period_from DATE NOT NULL,
    period_to DATE NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft',
    approved_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (system_id, period_from, period_to)
);

ALTER TABLE meetings ADD COLUMN joint_id INTEGER REFERENCES joint_systems(id);
CREATE INDEX meetings_joint ON meetings (joint_id, meeting_date);
