//! Maintained counts: `org_ancestors` (each organisation with every ancestor, itself included)
//! and `org_counts` (the active people of each organisation's subtree, by status). Triggers on
//! `orgs` and `members` keep them in the transaction of every change to the roster; a move of
//! a subtree shifts them here. The reference is always the count over `members`:
//! [`Store::counts_differences`] compares the two and [`Store::counts_rebuild`] rebuilds the
//! tables from the tree and the roster.

use xianfeng_domain::scope::Scope;

use crate::{on_db, on_tx, Result, Store, Tx};

/// Statuses counted as party members (the tree's member count).
pub const MEMBER_STATUSES: &str = "('probationary', 'full')";

const FILL_ANCESTORS: &str = "INSERT INTO org_ancestors (org_id, ancestor_id) \
    WITH RECURSIVE up (org_id, ancestor_id) AS (SELECT id, id FROM orgs UNION ALL \
    SELECT up.org_id, o.parent_id FROM up JOIN orgs o ON o.id = up.ancestor_id \
    WHERE o.parent_id IS NOT NULL) SELECT org_id, ancestor_id FROM up";

const FILL_COUNTS: &str = "INSERT INTO org_counts (org_id, status, n) \
    SELECT a.ancestor_id, m.status, COUNT(*) FROM members m JOIN org_ancestors a ON \
    a.org_id = m.org_id WHERE m.archived_at IS NULL GROUP BY a.ancestor_id, m.status";

/// The reference: each organisation's subtree counted over `members` by path.
const RECOUNT: &str = "SELECT o.id, m.status, COUNT(*) FROM orgs o JOIN members m ON \
    m.org_path >= o.path AND m.org_path < (substr(o.path, 1, length(o.path) - 1) || '0') \
    WHERE m.archived_at IS NULL GROUP BY o.id, m.status";

impl Store {
    /// Moves the subtree of `id` under `new_parent` in the maintained tables (inside the
    /// move's transaction): its counts leave the old ancestors and join the new ones.
    pub(crate) async fn counts_move(tx: &mut Tx, id: i64, new_parent: i64) -> Result<()> {
        on_tx!(tx, |c| {
            // Old ancestors lose the subtree's counts (the closure is still the old one).
            sqlx::query(
                "UPDATE org_counts SET n = n - COALESCE((SELECT s.n FROM org_counts s WHERE \
                 s.org_id = $1 AND s.status = org_counts.status), 0) WHERE org_id IN (SELECT \
                 ancestor_id FROM org_ancestors WHERE org_id = $1 AND ancestor_id <> $1)",
            )
            .bind(id)
            .execute(&mut *c)
            .await?;
            sqlx::query(
                "DELETE FROM org_ancestors WHERE org_id IN (SELECT org_id FROM org_ancestors \
                 WHERE ancestor_id = $1) AND ancestor_id NOT IN (SELECT org_id FROM \
                 org_ancestors WHERE ancestor_id = $1)",
            )
            .bind(id)
            .execute(&mut *c)
            .await?;
            sqlx::query(
                "INSERT INTO org_ancestors (org_id, ancestor_id) SELECT s.org_id, p.ancestor_id \
                 FROM org_ancestors s JOIN org_ancestors p ON p.org_id = $2 WHERE \
                 s.ancestor_id = $1",
            )
            .bind(id)
            .bind(new_parent)
            .execute(&mut *c)
            .await?;
            sqlx::query(
                "INSERT INTO org_counts (org_id, status, n) SELECT p.ancestor_id, s.status, s.n \
                 FROM org_counts s JOIN org_ancestors p ON p.org_id = $2 WHERE s.org_id = $1 \
                 ORDER BY 1, 2 ON CONFLICT (org_id, status) DO UPDATE SET n = org_counts.n + \
                 excluded.n",
            )
            .bind(id)
            .bind(new_parent)
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }

    /// Rebuilds the maintained tables from the tree and the roster, in one transaction.
    /// Returns how many (organisation, status) counts were wrong before.
    pub async fn counts_rebuild(&self) -> Result<usize> {
        let wrong = self.counts_differences().await?.len();
        let mut tx = self.begin().await?;
        Self::counts_rebuild_in(&mut tx).await?;
        tx.commit().await?;
        Ok(wrong)
    }

    pub(crate) async fn counts_rebuild_in(tx: &mut Tx) -> Result<()> {
        on_tx!(tx, |c| {
            for sql in [
                "DELETE FROM org_counts",
                "DELETE FROM org_ancestors",
                FILL_ANCESTORS,
                FILL_COUNTS,
            ] {
                sqlx::query(sql).execute(&mut *c).await?;
            }
        });
        Ok(())
    }

    /// Where the maintained counts differ from the count over `members`: (organisation,
    /// status, maintained, counted). Empty when they agree.
    pub async fn counts_differences(&self) -> Result<Vec<(i64, String, i64, i64)>> {
        let kept: Vec<(i64, String, i64)> = on_db!(&self.db, |p| {
            sqlx::query_as("SELECT org_id, status, n FROM org_counts WHERE n <> 0")
                .fetch_all(p)
                .await?
        });
        let counted: Vec<(i64, String, i64)> = on_db!(&self.db, |p| {
            sqlx::query_as(RECOUNT).fetch_all(p).await?
        });
        let mut all: std::collections::BTreeMap<(i64, String), (i64, i64)> = Default::default();
        for (o, s, n) in kept {
            all.entry((o, s)).or_default().0 = n;
        }
        for (o, s, n) in counted {
            all.entry((o, s)).or_default().1 = n;
        }
        Ok(all
            .into_iter()
            .filter(|(_, (a, b))| a != b)
            .map(|((o, s), (a, b))| (o, s, a, b))
            .collect())
    }

    /// Active people of an organisation's subtree by status, from the maintained counts
    /// (`0`: the whole tree, every top-level organisation's subtree).
    pub async fn subtree_counts(&self, org_id: i64) -> Result<Vec<(String, i64)>> {
        if org_id == 0 {
            return Ok(on_db!(&self.db, |p| {
                sqlx::query_as(
                    "SELECT k.status, CAST(SUM(k.n) AS BIGINT) FROM org_counts k JOIN orgs o ON \
                     o.id = k.org_id WHERE o.parent_id IS NULL GROUP BY k.status HAVING \
                     SUM(k.n) <> 0 ORDER BY k.status",
                )
                .fetch_all(p)
                .await?
            }));
        }
        Ok(on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT status, n FROM org_counts WHERE org_id = $1 AND n <> 0 ORDER BY status",
            )
            .bind(org_id)
            .fetch_all(p)
            .await?
        }))
    }

    /// The root organisation whose subtree a scope covers, when the maintained counts answer
    /// for it.
    pub(crate) fn counted_root(scope: &Scope) -> Option<i64> {
        match scope {
            Scope::Subtree { root_id, .. } => Some(*root_id),
            _ => None,
        }
    }
}
