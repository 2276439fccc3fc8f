-- Maintained counts of the open findings of every organisation's subtree by rule and severity,
-- kept by triggers in the transaction that opens, moves or closes a finding, like
-- `org_counts`. The compliance page's totals and rankings read them.
CREATE TABLE finding_counts (
    org_id INTEGER NOT NULL,
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (org_id, rule, severity)
) WITHOUT ROWID;

INSERT INTO finding_counts (org_id, rule, severity, n)
SELECT a.ancestor_id, x.rule, x.severity, SUM(x.n) FROM (
    SELECT org_id, rule, severity, COUNT(*) AS n FROM findings WHERE resolved_at IS NULL
    GROUP BY 1, 2, 3
) x JOIN org_ancestors a ON a.org_id = x.org_id GROUP BY 1, 2, 3;

CREATE TRIGGER findings_counted AFTER INSERT ON findings WHEN NEW.resolved_at IS NULL BEGIN
    INSERT INTO finding_counts (org_id, rule, severity, n)
        SELECT ancestor_id, NEW.rule, NEW.severity, 1 FROM org_ancestors WHERE org_id = NEW.org_id
        ON CONFLICT (org_id, rule, severity) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER findings_uncounted AFTER DELETE ON findings WHEN OLD.resolved_at IS NULL BEGIN
    UPDATE finding_counts SET n = n - 1 WHERE rule = OLD.rule AND severity = OLD.severity
        AND org_id IN (SELECT ancestor_id FROM org_ancestors WHERE org_id = OLD.org_id);
END;

CREATE TRIGGER findings_recounted AFTER UPDATE OF org_id, rule, severity, resolved_at ON findings
WHEN OLD.org_id IS NOT NEW.org_id OR OLD.rule IS NOT NEW.rule OR OLD.severity IS NOT NEW.severity
    OR (OLD.resolved_at IS NULL) <> (NEW.resolved_at IS NULL)
BEGIN
    UPDATE finding_counts SET n = n - 1 WHERE OLD.resolved_at IS NULL AND rule = OLD.rule
        AND severity = OLD.severity
        AND org_id IN (SELECT ancestor_id FROM org_ancestors WHERE org_id = OLD.org_id);
    INSERT INTO finding_counts (org_id, rule, severity, n)
        SELECT ancestor_id, NEW.rule, NEW.severity, 1 FROM org_ancestors
        WHERE org_id = NEW.org_id AND NEW.resolved_at IS NULL
        ON CONFLICT (org_id, rule, severity) DO UPDATE SET n = n + 1;
END;
