-- Imports through the JSON API are one resource with a state: the stashed upload keeps the
-- options it was checked with, its state (checked, rejected, committed, failed) and the last
-- report. Uploads of the pages leave these empty.
ALTER TABLE upload_stash ADD COLUMN state TEXT;
ALTER TABLE upload_stash ADD COLUMN options TEXT;
ALTER TABLE upload_stash ADD COLUMN report TEXT;
