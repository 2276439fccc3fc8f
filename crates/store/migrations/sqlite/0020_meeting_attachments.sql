-- Attachments of a meeting (minutes scans, photos, slides), kept in the database so that every
-- server copy serves them; never counted by any rule.
CREATE TABLE meeting_attachments (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings(id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    data BLOB NOT NULL,
    uploaded_at TIMESTAMP NOT NULL,
    uploaded_by INTEGER
);
CREATE INDEX meeting_attachments_meeting ON meeting_attachments (meeting_id);
