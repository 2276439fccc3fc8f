-- Maintained statistics: for every organisation's subtree, the party members (probationary and
-- full, on the roster) by gender ('g'), ethnicity ('e', '' unrecorded), education ('d', ''
-- unrecorded), category ('c'), age band ('a') and standing band ('t', '' without an admission
-- date), and the organisations on the roster by type ('ot') and sector ('os'). People by status
-- are in `org_counts`. Kept by triggers in the transaction of every change, like `org_counts`.
--
-- The age and standing bands depend on the day: `stat_bands` holds the band thresholds of the
-- day in `stat_day` (a date falls in band i when exactly i thresholds are on or after it), and
-- moving to a new day moves the people whose date crossed a threshold (`Store::stat_advance`).
-- Writers take a share lock on the `stat_day` row, so that a move to a new day waits for them
-- and they count with the new thresholds once it has committed.
-- The first start after this migration fills both tables (`Store::stat_ensure`).
CREATE TABLE stat_day (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    day DATE NOT NULL,
    -- Used on SQLite only (no statement triggers there).
    bulk BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE stat_bands (
    dim TEXT NOT NULL,
    band BIGINT NOT NULL,
    after DATE NOT NULL,
    PRIMARY KEY (dim, band)
);

CREATE TABLE stat_counts (
    org_id BIGINT NOT NULL,
    dim TEXT NOT NULL,
    key TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (org_id, dim, key)
);

-- Replaced by the maintained counts.
DROP INDEX members_stat_dims;
DROP INDEX members_stat_org;

-- The keys a party member counts under.
CREATE FUNCTION member_stat_keys(g TEXT, e TEXT, d TEXT, c TEXT, birth DATE, admission DATE)
RETURNS TABLE (k_dim TEXT, k_key TEXT) LANGUAGE sql STABLE AS $$
    SELECT 'g', g
    UNION ALL SELECT 'e', COALESCE(e, '')
    UNION ALL SELECT 'd', COALESCE(d, '')
    UNION ALL SELECT 'c', c
    UNION ALL SELECT 'a', CAST((SELECT COUNT(*) FROM stat_bands b
        WHERE b.dim = 'a' AND birth <= b.after) AS TEXT)
    UNION ALL SELECT 't', CASE WHEN admission IS NULL THEN '' ELSE
        CAST((SELECT COUNT(*) FROM stat_bands b
        WHERE b.dim = 't' AND admission <= b.after) AS TEXT) END
$$;

-- New organisations count by type and sector once per statement: a row trigger would update
-- the root's rows once per organisation, and a row updated many times in one transaction
-- grows a chain of versions that every later update walks.
CREATE FUNCTION orgs_stat_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stat_counts (org_id, dim, key, n)
        SELECT a.ancestor_id, k.dim, k.key, COUNT(*) FROM added o
        JOIN org_ancestors a ON a.org_id = o.id
        CROSS JOIN LATERAL (VALUES ('ot', o.org_type), ('os', o.sector)) AS k (dim, key)
        WHERE o.archived_at IS NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (org_id, dim, key) DO UPDATE SET n = stat_counts.n + EXCLUDED.n;
    RETURN NULL;
END $$;
-- Runs after the row triggers of the statement, which give each new organisation its ancestors.
CREATE TRIGGER orgs_stat_counted AFTER INSERT ON orgs REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION orgs_stat_counted();

CREATE FUNCTION orgs_stat_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.archived_at IS NULL THEN
        UPDATE stat_counts SET n = n - 1
            WHERE org_id IN (SELECT ancestor_id FROM org_ancestors WHERE org_id = OLD.id)
            AND (dim, key) IN (VALUES ('ot', OLD.org_type), ('os', OLD.sector));
    END IF;
    IF NEW.archived_at IS NULL THEN
        INSERT INTO stat_counts (org_id, dim, key, n)
            SELECT a.ancestor_id, k.dim, k.key, 1 FROM org_ancestors a,
                (VALUES ('ot', NEW.org_type), ('os', NEW.sector)) AS k (dim, key)
            WHERE a.org_id = NEW.id ORDER BY 1, 2, 3
            ON CONFLICT (org_id, dim, key) DO UPDATE SET n = stat_counts.n + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER orgs_stat_changed AFTER UPDATE OF org_type, sector, archived_at ON orgs
    FOR EACH ROW WHEN (OLD.org_type IS DISTINCT FROM NEW.org_type
        OR OLD.sector IS DISTINCT FROM NEW.sector
        OR (OLD.archived_at IS NULL) <> (NEW.archived_at IS NULL))
    EXECUTE FUNCTION orgs_stat_changed();

-- Inserts count once per statement, so that a batched import adds each group once.
CREATE FUNCTION members_stat_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM stat_day FOR SHARE;
    INSERT INTO stat_counts (org_id, dim, key, n)
        SELECT a.ancestor_id, k.k_dim, k.k_key, COUNT(*) FROM added m
        JOIN org_ancestors a ON a.org_id = m.org_id
        CROSS JOIN LATERAL member_stat_keys(m.gender, m.ethnicity, m.education, m.category,
            m.birth_date, m.admission_date) k
        WHERE m.archived_at IS NULL AND m.status IN ('probationary', 'full')
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (org_id, dim, key) DO UPDATE SET n = stat_counts.n + EXCLUDED.n;
    RETURN NULL;
END $$;
CREATE TRIGGER members_stat_counted AFTER INSERT ON members REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION members_stat_counted();

CREATE FUNCTION members_stat_recounted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM stat_day FOR SHARE;
    IF OLD.archived_at IS NULL AND OLD.status IN ('probationary', 'full') THEN
        UPDATE stat_counts SET n = n - 1
            WHERE org_id IN (SELECT ancestor_id FROM org_ancestors WHERE org_id = OLD.org_id)
            AND (dim, key) IN (SELECT k_dim, k_key FROM member_stat_keys(OLD.gender,
                OLD.ethnicity, OLD.education, OLD.category, OLD.birth_date, OLD.admission_date));
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF NEW.archived_at IS NULL AND NEW.status IN ('probationary', 'full') THEN
            INSERT INTO stat_counts (org_id, dim, key, n)
                SELECT a.ancestor_id, k.k_dim, k.k_key, 1 FROM org_ancestors a,
                    member_stat_keys(NEW.gender, NEW.ethnicity, NEW.education, NEW.category,
                        NEW.birth_date, NEW.admission_date) k
                WHERE a.org_id = NEW.org_id ORDER BY 1, 2, 3
                ON CONFLICT (org_id, dim, key) DO UPDATE SET n = stat_counts.n + 1;
        END IF;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER members_stat_uncounted AFTER DELETE ON members FOR EACH ROW
    WHEN (OLD.archived_at IS NULL AND OLD.status IN ('probationary', 'full'))
    EXECUTE FUNCTION members_stat_recounted();
CREATE TRIGGER members_stat_recounted AFTER UPDATE OF org_id, status, archived_at, gender,
    ethnicity, education, category, birth_date, admission_date ON members FOR EACH ROW
    WHEN (((OLD.archived_at IS NULL AND OLD.status IN ('probationary', 'full'))
            OR (NEW.archived_at IS NULL AND NEW.status IN ('probationary', 'full')))
        AND (OLD.org_id IS DISTINCT FROM NEW.org_id OR OLD.status IS DISTINCT FROM NEW.status
            OR (OLD.archived_at IS NULL) <> (NEW.archived_at IS NULL)
            OR OLD.gender IS DISTINCT FROM NEW.gender
            OR OLD.ethnicity IS DISTINCT FROM NEW.ethnicity
            OR OLD.education IS DISTINCT FROM NEW.education
            OR OLD.category IS DISTINCT FROM NEW.category
            OR OLD.birth_date IS DISTINCT FROM NEW.birth_date
            OR OLD.admission_date IS DISTINCT FROM NEW.admission_date))
    EXECUTE FUNCTION members_stat_recounted();
