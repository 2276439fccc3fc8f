-- Maintained counts of the open findings of every organisation's subtree by rule and severity,
-- kept by triggers in the transaction that opens, moves or closes a finding, like
-- `org_counts`. The compliance page's totals and rankings read them.
CREATE TABLE finding_counts (
    org_id BIGINT NOT NULL,
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (org_id, rule, severity)
);

INSERT INTO finding_counts (org_id, rule, severity, n)
SELECT a.ancestor_id, x.rule, x.severity, SUM(x.n) FROM (
    SELECT org_id, rule, severity, COUNT(*) AS n FROM findings WHERE resolved_at IS NULL
    GROUP BY 1, 2, 3
) x JOIN org_ancestors a ON a.org_id = x.org_id GROUP BY 1, 2, 3;

-- Inserts count once per statement (a sync inserts its new findings in batches).
CREATE FUNCTION findings_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO finding_counts (org_id, rule, severity, n)
        SELECT a.ancestor_id, f.rule, f.severity, COUNT(*) FROM added f
        JOIN org_ancestors a ON a.org_id = f.org_id
        WHERE f.resolved_at IS NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (org_id, rule, severity) DO UPDATE SET n = finding_counts.n + EXCLUDED.n;
    RETURN NULL;
END $$;
CREATE TRIGGER findings_counted AFTER INSERT ON findings REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION findings_counted();

CREATE FUNCTION findings_recounted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.resolved_at IS NULL THEN
        UPDATE finding_counts SET n = n - 1 WHERE rule = OLD.rule AND severity = OLD.severity
            AND org_id IN (SELECT ancestor_id FROM org_ancestors WHERE org_id = OLD.org_id);
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.resolved_at IS NULL THEN
        INSERT INTO finding_counts (org_id, rule, severity, n)
            SELECT ancestor_id, NEW.rule, NEW.severity, 1 FROM org_ancestors
            WHERE org_id = NEW.org_id ORDER BY 1
            ON CONFLICT (org_id, rule, severity) DO UPDATE SET n = finding_counts.n + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER findings_uncounted AFTER DELETE ON findings FOR EACH ROW
    WHEN (OLD.resolved_at IS NULL) EXECUTE FUNCTION findings_recounted();
CREATE TRIGGER findings_recounted AFTER UPDATE OF org_id, rule, severity, resolved_at ON findings
    FOR EACH ROW WHEN (OLD.org_id IS DISTINCT FROM NEW.org_id OR OLD.rule IS DISTINCT FROM NEW.rule
        OR OLD.severity IS DISTINCT FROM NEW.severity
        OR (OLD.resolved_at IS NULL) <> (NEW.resolved_at IS NULL))
    EXECUTE FUNCTION findings_recounted();
