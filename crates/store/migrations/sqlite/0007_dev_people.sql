-- Who held the talks of a development file, and assessments during probation (预备期考察)
-- beside those of the activist stage.
ALTER TABLE dev_files ADD COLUMN talker TEXT;
ALTER TABLE dev_files ADD COLUMN upper_talker TEXT;
ALTER TABLE dev_assessments ADD COLUMN stage TEXT NOT NULL DEFAULT 'activist';
