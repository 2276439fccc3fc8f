-- Changes and deletions of people and findings count once per statement, like inserts. A row
-- trigger updated the top organisations' counts once per changed row, and a row updated many
-- times in one transaction grows a chain of versions that every later update walks: deleting
-- or changing tens of thousands of rows in one transaction slowed down quadratically.
-- Each statement subtracts the old rows and adds the new ones, grouped by organisation and key;
-- rows whose counted columns did not change cancel out and are skipped first.
DROP TRIGGER members_uncounted ON members;
DROP TRIGGER members_recounted ON members;
DROP FUNCTION members_uncounted();
DROP FUNCTION members_recounted();
DROP TRIGGER members_stat_uncounted ON members;
DROP TRIGGER members_stat_recounted ON members;
DROP FUNCTION members_stat_recounted();
DROP TRIGGER findings_uncounted ON findings;
DROP TRIGGER findings_recounted ON findings;
DROP FUNCTION findings_recounted();

-- In each statement `gone` holds the changed rows as they were and `come` as they are.
CREATE FUNCTION members_counts_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM stat_day FOR SHARE;
    WITH changed AS (
        SELECT o.id FROM old_rows o JOIN new_rows w ON w.id = o.id
        WHERE (o.org_id, o.status, o.archived_at IS NULL, o.gender, o.ethnicity, o.education,
            o.category, o.birth_date, o.admission_date)
            IS DISTINCT FROM (w.org_id, w.status, w.archived_at IS NULL, w.gender, w.ethnicity,
            w.education, w.category, w.birth_date, w.admission_date)
    ),
    gone AS (SELECT o.* FROM old_rows o WHERE o.id IN (SELECT id FROM changed)),
    come AS (SELECT w.* FROM new_rows w WHERE w.id IN (SELECT id FROM changed))
    INSERT INTO org_counts (org_id, status, n)
        SELECT a.ancestor_id, d.status, SUM(d.n) FROM (
            SELECT org_id, status, -1 AS n FROM gone WHERE archived_at IS NULL
            UNION ALL SELECT org_id, status, 1 FROM come WHERE archived_at IS NULL
        ) d JOIN org_ancestors a ON a.org_id = d.org_id
        GROUP BY 1, 2 HAVING SUM(d.n) <> 0 ORDER BY 1, 2
        ON CONFLICT (org_id, status) DO UPDATE SET n = org_counts.n + EXCLUDED.n;
    WITH changed AS (
        SELECT o.id FROM old_rows o JOIN new_rows w ON w.id = o.id
        WHERE (o.org_id, o.status, o.archived_at IS NULL, o.gender, o.ethnicity, o.education,
            o.category, o.birth_date, o.admission_date)
            IS DISTINCT FROM (w.org_id, w.status, w.archived_at IS NULL, w.gender, w.ethnicity,
            w.education, w.category, w.birth_date, w.admission_date)
    ),
    gone AS (SELECT o.* FROM old_rows o WHERE o.id IN (SELECT id FROM changed)),
    come AS (SELECT w.* FROM new_rows w WHERE w.id IN (SELECT id FROM changed))
    INSERT INTO stat_counts (org_id, dim, key, n)
        SELECT a.ancestor_id, k.k_dim, k.k_key, SUM(d.n) FROM (
            SELECT org_id, gender, ethnicity, education, category, birth_date, admission_date,
                -1 AS n FROM gone
                WHERE archived_at IS NULL AND status IN ('probationary', 'full')
            UNION ALL SELECT org_id, gender, ethnicity, education, category, birth_date,
                admission_date, 1 FROM come
                WHERE archived_at IS NULL AND status IN ('probationary', 'full')
        ) d JOIN org_ancestors a ON a.org_id = d.org_id
        CROSS JOIN LATERAL member_stat_keys(d.gender, d.ethnicity, d.education, d.category,
            d.birth_date, d.admission_date) k
        GROUP BY 1, 2, 3 HAVING SUM(d.n) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (org_id, dim, key) DO UPDATE SET n = stat_counts.n + EXCLUDED.n;
    RETURN NULL;
END $$;
CREATE TRIGGER members_counts_updated AFTER UPDATE ON members
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION members_counts_updated();

CREATE FUNCTION members_counts_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM stat_day FOR SHARE;
    WITH gone AS (SELECT * FROM old_rows),
    come AS (SELECT * FROM old_rows WHERE FALSE)
    INSERT INTO org_counts (org_id, status, n)
        SELECT a.ancestor_id, d.status, SUM(d.n) FROM (
            SELECT org_id, status, -1 AS n FROM gone WHERE archived_at IS NULL
            UNION ALL SELECT org_id, status, 1 FROM come WHERE archived_at IS NULL
        ) d JOIN org_ancestors a ON a.org_id = d.org_id
        GROUP BY 1, 2 HAVING SUM(d.n) <> 0 ORDER BY 1, 2
        ON CONFLICT (org_id, status) DO UPDATE SET n = org_counts.n + EXCLUDED.n;
    WITH gone AS (SELECT * FROM old_rows),
    come AS (SELECT * FROM old_rows WHERE FALSE)
    INSERT INTO stat_counts (org_id, dim, key, n)
        SELECT a.ancestor_id, k.k_dim, k.k_key, SUM(d.n) FROM (
            SELECT org_id, gender, ethnicity, education, category, birth_date, admission_date,
                -1 AS n FROM gone
                WHERE archived_at IS NULL AND status IN ('probationary', 'full')
            UNION ALL SELECT org_id, gender, ethnicity, education, category, birth_date,
                admission_date, 1 FROM come
                WHERE archived_at IS NULL AND status IN ('probationary', 'full')
        ) d JOIN org_ancestors a ON a.org_id = d.org_id
        CROSS JOIN LATERAL member_stat_keys(d.gender, d.ethnicity, d.education, d.category,
            d.birth_date, d.admission_date) k
        GROUP BY 1, 2, 3 HAVING SUM(d.n) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (org_id, dim, key) DO UPDATE SET n = stat_counts.n + EXCLUDED.n;
    RETURN NULL;
END $$;
CREATE TRIGGER members_counts_deleted AFTER DELETE ON members
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION members_counts_deleted();

CREATE FUNCTION findings_counts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO finding_counts (org_id, rule, severity, n)
            SELECT a.ancestor_id, o.rule, o.severity, -COUNT(*) FROM old_rows o
            JOIN org_ancestors a ON a.org_id = o.org_id WHERE o.resolved_at IS NULL
            GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            ON CONFLICT (org_id, rule, severity) DO UPDATE SET n = finding_counts.n + EXCLUDED.n;
        RETURN NULL;
    END IF;
    INSERT INTO finding_counts (org_id, rule, severity, n)
        SELECT a.ancestor_id, d.rule, d.severity, SUM(d.n) FROM (
            SELECT o.org_id, o.rule, o.severity, -1 AS n FROM old_rows o
                JOIN new_rows w ON w.id = o.id
                WHERE o.resolved_at IS NULL AND (o.org_id, o.rule, o.severity, w.resolved_at IS NULL)
                    IS DISTINCT FROM (w.org_id, w.rule, w.severity, TRUE)
            UNION ALL SELECT w.org_id, w.rule, w.severity, 1 FROM new_rows w
                JOIN old_rows o ON o.id = w.id
                WHERE w.resolved_at IS NULL AND (w.org_id, w.rule, w.severity, o.resolved_at IS NULL)
                    IS DISTINCT FROM (o.org_id, o.rule, o.severity, TRUE)
        ) d JOIN org_ancestors a ON a.org_id = d.org_id
        GROUP BY 1, 2, 3 HAVING SUM(d.n) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (org_id, rule, severity) DO UPDATE SET n = finding_counts.n + EXCLUDED.n;
    RETURN NULL;
END $$;
CREATE TRIGGER findings_counts_updated AFTER UPDATE ON findings
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION findings_counts_changed();
CREATE TRIGGER findings_counts_deleted AFTER DELETE ON findings
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION findings_counts_changed();
