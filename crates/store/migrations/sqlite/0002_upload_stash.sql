-- Uploaded files waiting between the check and the confirmation of an import.
CREATE TABLE upload_stash (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    data BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX upload_stash_created ON upload_stash (created_at);
