//! Maintained counts: `org_ancestors` (each organisation with every ancestor, itself included)
//! and `org_counts` (the active people of each organisation's subtree, by status). Triggers on
//! `orgs` and `members` keep them in the transaction of every change to the roster; a move of
//! a subtree shifts them here. The reference is always the count over `members`:
//! [`Store::counts_differences`] compares the two and [`Store::counts_rebuild`] rebuilds the
//! tables from the tree and the roster.
//!
//! `stat_counts` keeps the rest of the statistics table the same way (members by gender,
//! ethnicity, education, category, age and standing band; organisations by type and sector),
//! with the bands of the day in `stat_day`/`stat_bands`: [`Store::stat_advance`] moves the
//! people whose birth or admission date crossed a band threshold when the day changes.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use xianfeng_domain::scope::Scope;
use xianfeng_domain::stats::{band_thresholds, dim, AGE_BANDS, STANDING_BANDS};

use crate::{on_db, on_tx, Result, Store, Tx};

/// A party member counted in `stat_counts`.
const COUNTED: &str = "m.archived_at IS NULL AND m.status IN ('probationary', 'full')";

/// The band a date column falls in, by the thresholds in `stat_bands` (as text).
fn band_key(d: &str, column: &str) -> String {
    format!(
        "CAST((SELECT COUNT(*) FROM stat_bands b WHERE b.dim = '{d}' AND {column} <= b.after) \
         AS TEXT)"
    )
}

/// One SELECT per dimension giving (org_id, dim, key, n) for every organisation's subtree,
/// from the roster and the tree: the fill of `stat_counts` and the reference it is checked
/// against. Members are grouped per organisation first, then rolled up to the ancestors.
fn stat_selects() -> Vec<String> {
    let standing = format!(
        "CASE WHEN m.admission_date IS NULL THEN '' ELSE {} END",
        band_key(dim::STANDING, "m.admission_date")
    );
    let members = [
        (dim::GENDER, "m.gender".to_string()),
        (dim::ETHNICITY, "COALESCE(m.ethnicity, '')".into()),
        (dim::EDUCATION, "COALESCE(m.education, '')".into()),
        (dim::CATEGORY, "m.category".into()),
        (dim::AGE, band_key(dim::AGE, "m.birth_date")),
        (dim::STANDING, standing),
    ];
    let mut out: Vec<String> = members
        .iter()
        .map(|(d, expr)| {
            format!(
                "SELECT a.ancestor_id AS org_id, '{d}' AS dim, x.k AS key, CAST(SUM(x.n) AS \
                 BIGINT) AS n FROM (SELECT m.org_id AS org_id, {expr} AS k, COUNT(*) AS n FROM \
                 members m WHERE {COUNTED} GROUP BY 1, 2) x JOIN org_ancestors a ON a.org_id = \
                 x.org_id GROUP BY a.ancestor_id, x.k"
            )
        })
        .collect();
    for (d, column) in [(dim::ORG_TYPE, "org_type"), (dim::SECTOR, "sector")] {
        out.push(format!(
            "SELECT a.ancestor_id AS org_id, '{d}' AS dim, o.{column} AS key, COUNT(*) AS n FROM \
             orgs o JOIN org_ancestors a ON a.org_id = o.id WHERE o.archived_at IS NULL \
             GROUP BY a.ancestor_id, o.{column}"
        ));
    }
    out
}

/// The statement that stores the band thresholds of `day` (after `DELETE FROM stat_bands`).
/// The values are dates and fixed keys, written as literals.
fn bands_insert(day: NaiveDate) -> String {
    let rows: Vec<String> = thresholds(day)
        .into_iter()
        .map(|(d, band, after)| format!("('{d}', {band}, '{after}')"))
        .collect();
    format!(
        "INSERT INTO stat_bands (dim, band, after) VALUES {}",
        rows.join(", ")
    )
}

/// The band thresholds of `day`, as `stat_bands` holds them: (dimension, band, date).
fn thresholds(day: NaiveDate) -> Vec<(&'static str, i64, NaiveDate)> {
    let mut out = Vec::new();
    for (d, bands) in [(dim::AGE, AGE_BANDS), (dim::STANDING, STANDING_BANDS)] {
        for (i, t) in band_thresholds(bands, day).into_iter().enumerate() {
            out.push((d, i as i64, t));
        }
    }
    out
}

/// Statuses counted as party members (the tree's member count).
pub const MEMBER_STATUSES: &str = "('probationary', 'full')";

const FILL_ANCESTORS: &str = "INSERT INTO org_ancestors (org_id, ancestor_id) \
    WITH RECURSIVE up (org_id, ancestor_id) AS (SELECT id, id FROM orgs UNION ALL \
    SELECT up.org_id, o.parent_id FROM up JOIN orgs o ON o.id = up.ancestor_id \
    WHERE o.parent_id IS NOT NULL) SELECT org_id, ancestor_id FROM up";

/// Open findings of every subtree by rule and severity, from `findings` and the tree.
const FINDING_GROUPS: &str = "SELECT a.ancestor_id AS org_id, x.rule, x.severity, \
    CAST(SUM(x.n) AS BIGINT) AS n FROM (SELECT org_id, rule, severity, COUNT(*) AS n FROM \
    findings WHERE resolved_at IS NULL GROUP BY 1, 2, 3) x JOIN org_ancestors a ON a.org_id = \
    x.org_id GROUP BY 1, 2, 3";

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
                "UPDATE stat_counts SET n = n - COALESCE((SELECT s.n FROM stat_counts s WHERE \
                 s.org_id = $1 AND s.dim = stat_counts.dim AND s.key = stat_counts.key), 0) \
                 WHERE org_id IN (SELECT ancestor_id FROM org_ancestors WHERE org_id = $1 AND \
                 ancestor_id <> $1)",
            )
            .bind(id)
            .execute(&mut *c)
            .await?;
            sqlx::query(
                "UPDATE finding_counts SET n = n - COALESCE((SELECT s.n FROM finding_counts s \
                 WHERE s.org_id = $1 AND s.rule = finding_counts.rule AND s.severity = \
                 finding_counts.severity), 0) WHERE org_id IN (SELECT ancestor_id FROM \
                 org_ancestors WHERE org_id = $1 AND ancestor_id <> $1)",
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
            sqlx::query(
                "INSERT INTO stat_counts (org_id, dim, key, n) SELECT p.ancestor_id, s.dim, \
                 s.key, s.n FROM stat_counts s JOIN org_ancestors p ON p.org_id = $2 WHERE \
                 s.org_id = $1 AND s.n <> 0 ORDER BY 1, 2, 3 ON CONFLICT (org_id, dim, key) DO \
                 UPDATE SET n = stat_counts.n + excluded.n",
            )
            .bind(id)
            .bind(new_parent)
            .execute(&mut *c)
            .await?;
            sqlx::query(
                "INSERT INTO finding_counts (org_id, rule, severity, n) SELECT p.ancestor_id, \
                 s.rule, s.severity, s.n FROM finding_counts s JOIN org_ancestors p ON p.org_id \
                 = $2 WHERE s.org_id = $1 AND s.n <> 0 ORDER BY 1, 2, 3 ON CONFLICT (org_id, \
                 rule, severity) DO UPDATE SET n = finding_counts.n + excluded.n",
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
        Self::counts_rebuild_in(&mut tx, self.clock.today()).await?;
        tx.commit().await?;
        Ok(wrong)
    }

    /// Rebuilds every maintained table, with the bands of `today`. On PostgreSQL the roster
    /// and the tree are locked against writers meanwhile (SQLite has one writer anyway).
    pub(crate) async fn counts_rebuild_in(tx: &mut Tx, today: NaiveDate) -> Result<()> {
        if let Tx::Postgres(t) = tx {
            sqlx::query("LOCK TABLE orgs, members IN SHARE MODE")
                .execute(&mut **t)
                .await?;
        }
        on_tx!(tx, |c| {
            for sql in [
                "DELETE FROM org_counts",
                "DELETE FROM finding_counts",
                "DELETE FROM org_ancestors",
                FILL_ANCESTORS,
                FILL_COUNTS,
                &format!("INSERT INTO finding_counts (org_id, rule, severity, n) {FINDING_GROUPS}"),
            ] {
                sqlx::query(sql).execute(&mut *c).await?;
            }
        });
        Self::stat_rebuild_in(tx, today).await
    }

    /// Refills `stat_counts` with the bands of `today` (after `org_ancestors`).
    async fn stat_rebuild_in(tx: &mut Tx, today: NaiveDate) -> Result<()> {
        on_tx!(tx, |c| {
            sqlx::query(
                "INSERT INTO stat_day (id, day, bulk) VALUES (1, $1, 0) ON CONFLICT (id) DO \
                 UPDATE SET day = excluded.day, bulk = 0",
            )
            .bind(today)
            .execute(&mut *c)
            .await?;
            sqlx::query("DELETE FROM stat_bands")
                .execute(&mut *c)
                .await?;
            sqlx::query(&bands_insert(today)).execute(&mut *c).await?;
            sqlx::query("DELETE FROM stat_counts")
                .execute(&mut *c)
                .await?;
            for select in stat_selects() {
                sqlx::query(&format!(
                    "INSERT INTO stat_counts (org_id, dim, key, n) {select}"
                ))
                .execute(&mut *c)
                .await?;
            }
        });
        Ok(())
    }

    /// Makes the maintained statistics ready for today: filled on the first start after the
    /// migration that made them, moved to today's bands on a later day. Cheap when nothing
    /// is to do.
    pub async fn stat_ensure(&self) -> Result<()> {
        let today = self.clock.today();
        let day: Option<NaiveDate> = on_db!(&self.db, |p| {
            sqlx::query_scalar("SELECT day FROM stat_day WHERE id = 1")
                .fetch_optional(p)
                .await?
        });
        match day {
            None => {
                let mut tx = self.begin().await?;
                Self::stat_rebuild_in(&mut tx, today).await?;
                tx.commit().await?;
            }
            Some(d) if d < today => {
                self.stat_advance(today).await?;
            }
            Some(_) => {}
        }
        Ok(())
    }

    /// The day the maintained bands are for.
    pub(crate) async fn stat_day(&self) -> Result<Option<NaiveDate>> {
        Ok(on_db!(&self.db, |p| {
            sqlx::query_scalar("SELECT day FROM stat_day WHERE id = 1")
                .fetch_optional(p)
                .await?
        }))
    }

    /// Moves the maintained bands to `day`: the members whose birth or admission date lies
    /// between a threshold of the old day and the same threshold of `day` change band in every
    /// ancestor's counts. Once across server copies: the first to move the day does the work,
    /// the others find it done. Returns how many members changed band.
    pub async fn stat_advance(&self, day: NaiveDate) -> Result<i64> {
        let mut tx = self.begin().await?;
        let moved = on_tx!(&mut tx, |c| {
            // The day row's lock waits for writers counting with the old bands (PostgreSQL).
            let old: Option<NaiveDate> =
                sqlx::query_scalar("SELECT day FROM stat_day WHERE id = 1")
                    .fetch_optional(&mut *c)
                    .await?;
            let updated = sqlx::query("UPDATE stat_day SET day = $1 WHERE id = 1 AND day < $1")
                .bind(day)
                .execute(&mut *c)
                .await?
                .rows_affected();
            if old.is_none() || updated == 0 {
                0
            } else {
                let before: Vec<(String, i64, NaiveDate)> =
                    sqlx::query_as("SELECT dim, band, after FROM stat_bands ORDER BY dim, band")
                        .fetch_all(&mut *c)
                        .await?;
                let after = thresholds(day);
                let mut deltas: BTreeMap<(i64, &str, String), i64> = BTreeMap::new();
                let mut moved = 0i64;
                for (d, column) in [(dim::AGE, "birth_date"), (dim::STANDING, "admission_date")] {
                    let old_t: Vec<NaiveDate> =
                        before.iter().filter(|b| b.0 == d).map(|b| b.2).collect();
                    let new_t: Vec<NaiveDate> =
                        after.iter().filter(|b| b.0 == d).map(|b| b.2).collect();
                    for (o, n) in old_t.iter().zip(&new_t) {
                        if o == n {
                            continue;
                        }
                        let (lo, hi) = if o < n { (o, n) } else { (n, o) };
                        let rows: Vec<(i64, NaiveDate, i64)> = sqlx::query_as(&format!(
                            "SELECT m.org_id, m.{column}, COUNT(*) FROM members m WHERE \
                             {COUNTED} AND m.{column} > $1 AND m.{column} <= $2 GROUP BY 1, 2"
                        ))
                        .bind(*lo)
                        .bind(*hi)
                        .fetch_all(&mut *c)
                        .await?;
                        for (org, date, count) in rows {
                            let was = old_t.iter().filter(|t| date <= **t).count();
                            let now = new_t.iter().filter(|t| date <= **t).count();
                            if was == now {
                                continue;
                            }
                            moved += count;
                            *deltas.entry((org, d, was.to_string())).or_default() -= count;
                            *deltas.entry((org, d, now.to_string())).or_default() += count;
                        }
                    }
                }
                for ((org, d, key), delta) in deltas {
                    if delta == 0 {
                        continue;
                    }
                    sqlx::query(
                        "INSERT INTO stat_counts (org_id, dim, key, n) SELECT ancestor_id, $2, \
                         $3, $4 FROM org_ancestors WHERE org_id = $1 ORDER BY 1 ON CONFLICT \
                         (org_id, dim, key) DO UPDATE SET n = stat_counts.n + excluded.n",
                    )
                    .bind(org)
                    .bind(d)
                    .bind(key)
                    .bind(delta)
                    .execute(&mut *c)
                    .await?;
                }
                sqlx::query("DELETE FROM stat_bands")
                    .execute(&mut *c)
                    .await?;
                sqlx::query(&bands_insert(day)).execute(&mut *c).await?;
                moved
            }
        });
        tx.commit().await?;
        Ok(moved)
    }

    /// Turns the per-row counting of new members off for a batched insert on SQLite, where
    /// triggers fire per row; [`Store::counts_bulk_end`] then adds the batch by groups.
    /// PostgreSQL counts per statement already. Returns whether the counting was turned off.
    pub async fn counts_bulk_begin(tx: &mut Tx) -> Result<bool> {
        let Tx::Sqlite(t) = tx else { return Ok(false) };
        let done = sqlx::query("UPDATE stat_day SET bulk = 1 WHERE id = 1")
            .execute(&mut **t)
            .await?
            .rows_affected();
        Ok(done == 1)
    }

    /// Adds the members `ids` to `org_counts` and `stat_counts` by groups and turns the
    /// per-row counting back on (after [`Store::counts_bulk_begin`] returned true).
    pub async fn counts_bulk_end(tx: &mut Tx, ids: &[i64]) -> Result<()> {
        let Tx::Sqlite(t) = tx else { return Ok(()) };
        let c = &mut **t;
        sqlx::query("UPDATE stat_day SET bulk = 0 WHERE id = 1")
            .execute(&mut *c)
            .await?;
        if ids.is_empty() {
            return Ok(());
        }
        let list = ids
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        sqlx::query(&format!(
            "INSERT INTO org_counts (org_id, status, n) SELECT a.ancestor_id, x.status, \
             SUM(x.n) FROM (SELECT m.org_id, m.status, COUNT(*) AS n FROM members m WHERE m.id \
             IN ({list}) AND +m.archived_at IS NULL GROUP BY 1, 2) x JOIN org_ancestors a ON \
             a.org_id = x.org_id WHERE 1 GROUP BY a.ancestor_id, x.status ON CONFLICT (org_id, \
             status) DO UPDATE SET n = n + excluded.n"
        ))
        .execute(&mut *c)
        .await?;
        for select in stat_selects().into_iter().take(6) {
            // The batch by its keys: the unary `+` keeps SQLite off the status indexes (which
            // would walk every member of the status).
            let select = select.replace(
                COUNTED,
                &format!(
                    "m.id IN ({list}) AND +m.archived_at IS NULL AND +m.status IN {MEMBER_STATUSES}"
                ),
            );
            sqlx::query(&format!(
                "INSERT INTO stat_counts (org_id, dim, key, n) SELECT * FROM ({select}) WHERE 1 \
                 ON CONFLICT (org_id, dim, key) DO UPDATE SET n = n + excluded.n"
            ))
            .execute(&mut *c)
            .await?;
        }
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
        let mut all: BTreeMap<(i64, String), (i64, i64)> = Default::default();
        for (o, s, n) in kept {
            all.entry((o, s)).or_default().0 = n;
        }
        for (o, s, n) in counted {
            all.entry((o, s)).or_default().1 = n;
        }
        // The statistics, as `dim:key`, against the same groups over the roster (with the
        // bands of the day they are kept for).
        let kept: Vec<(i64, String, String, i64)> = on_db!(&self.db, |p| {
            sqlx::query_as("SELECT org_id, dim, key, n FROM stat_counts WHERE n <> 0")
                .fetch_all(p)
                .await?
        });
        let mut counted: Vec<(i64, String, String, i64)> = Vec::new();
        for select in stat_selects() {
            counted.extend(on_db!(&self.db, |p| {
                sqlx::query_as::<_, (i64, String, String, i64)>(&select)
                    .fetch_all(p)
                    .await?
            }));
        }
        for (o, d, k, n) in kept {
            all.entry((o, format!("{d}:{k}"))).or_default().0 = n;
        }
        for (o, d, k, n) in counted {
            all.entry((o, format!("{d}:{k}"))).or_default().1 = n;
        }
        // Open findings, as `finding:rule:severity`.
        type Row = (i64, String, String, i64);
        let (kept, counted): (Vec<Row>, Vec<Row>) = on_db!(&self.db, |p| {
            tokio::try_join!(
                sqlx::query_as("SELECT org_id, rule, severity, n FROM finding_counts WHERE n <> 0")
                    .fetch_all(p),
                sqlx::query_as(FINDING_GROUPS).fetch_all(p),
            )?
        });
        for (o, r, s, n) in kept {
            all.entry((o, format!("finding:{r}:{s}"))).or_default().0 = n;
        }
        for (o, r, s, n) in counted {
            all.entry((o, format!("finding:{r}:{s}"))).or_default().1 = n;
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
