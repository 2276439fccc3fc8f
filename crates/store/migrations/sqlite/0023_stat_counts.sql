-- Maintained statistics: for every organisation's subtree, the party members (probationary and
-- full, on the roster) by gender ('g'), ethnicity ('e', '' unrecorded), education ('d', ''
-- unrecorded), category ('c'), age band ('a') and standing band ('t', '' without an admission
-- date), and the organisations on the roster by type ('ot') and sector ('os'). People by status
-- are in `org_counts`. Kept by triggers in the transaction of every change, like `org_counts`.
--
-- The age and standing bands depend on the day: `stat_bands` holds the band thresholds of the
-- day in `stat_day` (a date falls in band i when exactly i thresholds are on or after it), and
-- moving to a new day moves the people whose date crossed a threshold (`Store::stat_advance`).
-- The first start after this migration fills both tables (`Store::stat_ensure`).
CREATE TABLE stat_day (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    day DATE NOT NULL,
    -- 1 while a batched insert counts its rows itself (SQLite has no statement triggers).
    bulk INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE stat_bands (
    dim TEXT NOT NULL,
    band INTEGER NOT NULL,
    after DATE NOT NULL,
    PRIMARY KEY (dim, band)
) WITHOUT ROWID;

CREATE TABLE stat_counts (
    org_id INTEGER NOT NULL,
    dim TEXT NOT NULL,
    key TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (org_id, dim, key)
) WITHOUT ROWID;

-- Replaced by the maintained counts.
DROP INDEX members_stat_dims;
DROP INDEX members_stat_org;

-- New organisations get their ancestors, then count in them by type and sector.
DROP TRIGGER orgs_ancestors;
CREATE TRIGGER orgs_ancestors AFTER INSERT ON orgs BEGIN
    INSERT INTO org_ancestors (org_id, ancestor_id)
        SELECT NEW.id, ancestor_id FROM org_ancestors WHERE org_id = NEW.parent_id;
    INSERT INTO org_ancestors (org_id, ancestor_id) VALUES (NEW.id, NEW.id);
    INSERT INTO stat_counts (org_id, dim, key, n)
        SELECT a.ancestor_id, k.dim, k.key, 1 FROM org_ancestors a,
            (SELECT 'ot' AS dim, NEW.org_type AS key UNION ALL SELECT 'os', NEW.sector) k
        WHERE a.org_id = NEW.id AND NEW.archived_at IS NULL
        ON CONFLICT (org_id, dim, key) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER orgs_stat_changed AFTER UPDATE OF org_type, sector, archived_at ON orgs
WHEN OLD.org_type IS NOT NEW.org_type OR OLD.sector IS NOT NEW.sector
    OR (OLD.archived_at IS NULL) <> (NEW.archived_at IS NULL)
BEGIN
    UPDATE stat_counts SET n = n - 1 WHERE OLD.archived_at IS NULL
        AND org_id IN (SELECT ancestor_id FROM org_ancestors WHERE org_id = OLD.id)
        AND (dim, key) IN (SELECT 'ot', OLD.org_type UNION ALL SELECT 'os', OLD.sector);
    INSERT INTO stat_counts (org_id, dim, key, n)
        SELECT a.ancestor_id, k.dim, k.key, 1 FROM org_ancestors a,
            (SELECT 'ot' AS dim, NEW.org_type AS key UNION ALL SELECT 'os', NEW.sector) k
        WHERE a.org_id = NEW.id AND NEW.archived_at IS NULL
        ON CONFLICT (org_id, dim, key) DO UPDATE SET n = n + 1;
END;

-- People by status: a batched insert counts its rows itself.
DROP TRIGGER members_counted;
CREATE TRIGGER members_counted AFTER INSERT ON members
WHEN NEW.archived_at IS NULL AND (SELECT bulk FROM stat_day) IS NOT 1
BEGIN
    INSERT INTO org_counts (org_id, status, n)
        SELECT ancestor_id, NEW.status, 1 FROM org_ancestors WHERE org_id = NEW.org_id
        ON CONFLICT (org_id, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER members_stat_counted AFTER INSERT ON members
WHEN NEW.archived_at IS NULL AND NEW.status IN ('probationary', 'full')
    AND (SELECT bulk FROM stat_day) IS NOT 1
BEGIN
    INSERT INTO stat_counts (org_id, dim, key, n)
        SELECT a.ancestor_id, k.dim, k.key, 1 FROM org_ancestors a, (
            SELECT 'g' AS dim, NEW.gender AS key
            UNION ALL SELECT 'e', COALESCE(NEW.ethnicity, '')
            UNION ALL SELECT 'd', COALESCE(NEW.education, '')
            UNION ALL SELECT 'c', NEW.category
            UNION ALL SELECT 'a', CAST((SELECT COUNT(*) FROM stat_bands b
                WHERE b.dim = 'a' AND NEW.birth_date <= b.after) AS TEXT)
            UNION ALL SELECT 't', CASE WHEN NEW.admission_date IS NULL THEN '' ELSE
                CAST((SELECT COUNT(*) FROM stat_bands b
                WHERE b.dim = 't' AND NEW.admission_date <= b.after) AS TEXT) END
        ) k
        WHERE a.org_id = NEW.org_id
        ON CONFLICT (org_id, dim, key) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER members_stat_uncounted AFTER DELETE ON members
WHEN OLD.archived_at IS NULL AND OLD.status IN ('probationary', 'full')
BEGIN
    UPDATE stat_counts SET n = n - 1
        WHERE org_id IN (SELECT ancestor_id FROM org_ancestors WHERE org_id = OLD.org_id)
        AND (dim, key) IN (
            SELECT 'g', OLD.gender
            UNION ALL SELECT 'e', COALESCE(OLD.ethnicity, '')
            UNION ALL SELECT 'd', COALESCE(OLD.education, '')
            UNION ALL SELECT 'c', OLD.category
            UNION ALL SELECT 'a', CAST((SELECT COUNT(*) FROM stat_bands b
                WHERE b.dim = 'a' AND OLD.birth_date <= b.after) AS TEXT)
            UNION ALL SELECT 't', CASE WHEN OLD.admission_date IS NULL THEN '' ELSE
                CAST((SELECT COUNT(*) FROM stat_bands b
                WHERE b.dim = 't' AND OLD.admission_date <= b.after) AS TEXT) END);
END;

CREATE TRIGGER members_stat_recounted AFTER UPDATE OF org_id, status, archived_at, gender,
    ethnicity, education, category, birth_date, admission_date ON members
WHEN ((OLD.archived_at IS NULL AND OLD.status IN ('probationary', 'full'))
        OR (NEW.archived_at IS NULL AND NEW.status IN ('probationary', 'full')))
    AND (OLD.org_id IS NOT NEW.org_id OR OLD.status IS NOT NEW.status
        OR (OLD.archived_at IS NULL) <> (NEW.archived_at IS NULL)
        OR OLD.gender IS NOT NEW.gender OR OLD.ethnicity IS NOT NEW.ethnicity
        OR OLD.education IS NOT NEW.education OR OLD.category IS NOT NEW.category
        OR OLD.birth_date IS NOT NEW.birth_date OR OLD.admission_date IS NOT NEW.admission_date)
BEGIN
    UPDATE stat_counts SET n = n - 1
        WHERE OLD.archived_at IS NULL AND OLD.status IN ('probationary', 'full')
        AND org_id IN (SELECT ancestor_id FROM org_ancestors WHERE org_id = OLD.org_id)
        AND (dim, key) IN (
            SELECT 'g', OLD.gender
            UNION ALL SELECT 'e', COALESCE(OLD.ethnicity, '')
            UNION ALL SELECT 'd', COALESCE(OLD.education, '')
            UNION ALL SELECT 'c', OLD.category
            UNION ALL SELECT 'a', CAST((SELECT COUNT(*) FROM stat_bands b
                WHERE b.dim = 'a' AND OLD.birth_date <= b.after) AS TEXT)
            UNION ALL SELECT 't', CASE WHEN OLD.admission_date IS NULL THEN '' ELSE
                CAST((SELECT COUNT(*) FROM stat_bands b
                WHERE b.dim = 't' AND OLD.admission_date <= b.after) AS TEXT) END);
    INSERT INTO stat_counts (org_id, dim, key, n)
        SELECT a.ancestor_id, k.dim, k.key, 1 FROM org_ancestors a, (
            SELECT 'g' AS dim, NEW.gender AS key
            UNION ALL SELECT 'e', COALESCE(NEW.ethnicity, '')
            UNION ALL SELECT 'd', COALESCE(NEW.education, '')
            UNION ALL SELECT 'c', NEW.category
            UNION ALL SELECT 'a', CAST((SELECT COUNT(*) FROM stat_bands b
                WHERE b.dim = 'a' AND NEW.birth_date <= b.after) AS TEXT)
            UNION ALL SELECT 't', CASE WHEN NEW.admission_date IS NULL THEN '' ELSE
                CAST((SELECT COUNT(*) FROM stat_bands b
                WHERE b.dim = 't' AND NEW.admission_date <= b.after) AS TEXT) END
        ) k
        WHERE a.org_id = NEW.org_id AND NEW.archived_at IS NULL
            AND NEW.status IN ('probationary', 'full')
        ON CONFLICT (org_id, dim, key) DO UPDATE SET n = n + 1;
END;
