-- Maintained counts: every organisation's ancestors (itself included), and the active people of
-- each organisation's subtree by status, kept by triggers in the same transaction as the change
-- to the roster, so that they always equal a count over `members`. `xianfeng admin
-- repair-counts` rebuilds both from the tree and the roster.
CREATE TABLE org_ancestors (
    org_id BIGINT NOT NULL,
    ancestor_id BIGINT NOT NULL,
    PRIMARY KEY (org_id, ancestor_id)
);
CREATE INDEX org_ancestors_ancestor ON org_ancestors (ancestor_id);

CREATE TABLE org_counts (
    org_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (org_id, status)
);

INSERT INTO org_ancestors (org_id, ancestor_id)
WITH RECURSIVE up (org_id, ancestor_id) AS (
    SELECT id, id FROM orgs
    UNION ALL
    SELECT up.org_id, o.parent_id FROM up JOIN orgs o ON o.id = up.ancestor_id
    WHERE o.parent_id IS NOT NULL
)
SELECT org_id, ancestor_id FROM up;

INSERT INTO org_counts (org_id, status, n)
SELECT a.ancestor_id, m.status, COUNT(*) FROM members m JOIN org_ancestors a ON a.org_id = m.org_id
WHERE m.archived_at IS NULL GROUP BY a.ancestor_id, m.status;

CREATE FUNCTION orgs_ancestors() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO org_ancestors (org_id, ancestor_id)
        SELECT NEW.id, ancestor_id FROM org_ancestors WHERE org_id = NEW.parent_id;
    INSERT INTO org_ancestors (org_id, ancestor_id) VALUES (NEW.id, NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER orgs_ancestors AFTER INSERT ON orgs FOR EACH ROW EXECUTE FUNCTION orgs_ancestors();

-- Inserts count once per statement, so that a batched import adds each subtree's count once.
CREATE FUNCTION members_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO org_counts (org_id, status, n)
        SELECT a.ancestor_id, m.status, COUNT(*) FROM added m
        JOIN org_ancestors a ON a.org_id = m.org_id
        WHERE m.archived_at IS NULL GROUP BY a.ancestor_id, m.status ORDER BY 1, 2
        ON CONFLICT (org_id, status) DO UPDATE SET n = org_counts.n + EXCLUDED.n;
    RETURN NULL;
END $$;
CREATE TRIGGER members_counted AFTER INSERT ON members REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION members_counted();

CREATE FUNCTION members_uncounted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE org_counts SET n = n - 1 WHERE status = OLD.status
        AND org_id IN (SELECT ancestor_id FROM org_ancestors WHERE org_id = OLD.org_id);
    RETURN NULL;
END $$;
CREATE TRIGGER members_uncounted AFTER DELETE ON members FOR EACH ROW
    WHEN (OLD.archived_at IS NULL) EXECUTE FUNCTION members_uncounted();

CREATE FUNCTION members_recounted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.archived_at IS NULL THEN
        UPDATE org_counts SET n = n - 1 WHERE status = OLD.status
            AND org_id IN (SELECT ancestor_id FROM org_ancestors WHERE org_id = OLD.org_id);
    END IF;
    IF NEW.archived_at IS NULL THEN
        INSERT INTO org_counts (org_id, status, n)
            SELECT ancestor_id, NEW.status, 1 FROM org_ancestors WHERE org_id = NEW.org_id
            ORDER BY 1
            ON CONFLICT (org_id, status) DO UPDATE SET n = org_counts.n + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER members_recounted AFTER UPDATE OF org_id, status, archived_at ON members
    FOR EACH ROW WHEN (OLD.org_id IS DISTINCT FROM NEW.org_id
        OR OLD.status IS DISTINCT FROM NEW.status
        OR (OLD.archived_at IS NULL) <> (NEW.archived_at IS NULL))
    EXECUTE FUNCTION members_recounted();
