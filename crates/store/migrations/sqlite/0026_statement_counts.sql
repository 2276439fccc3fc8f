-- PostgreSQL counts changes and deletions of people and findings once per statement from this
-- version on (see its migration). SQLite updates a row in place however often a transaction
-- changes it, so its row triggers stay as they are.
SELECT 1;
