//! Party dues (党费): a branch's month (who owes what, who paid), batch entry of a month's
//! payments, the collection rate of the branches under an organisation, and the dues facts
//! the compliance check reads.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::QueryBuilder;
use xianfeng_domain::dates::add_months;
use xianfeng_domain::dues::{
    month_label, month_of, monthly_dues, yuan, DuesBase, DuesCategory, DuesNumbers, MonthRecord,
};
use xianfeng_domain::org::OrgPath;
use xianfeng_domain::scope::Scope;

use crate::audit::{Actor, AuditEvent};
use crate::orgs::Org;
use crate::{on_db, on_tx, Result, Store, StoreError};

/// One member's line of a branch's month.
#[derive(Debug, Clone, Serialize)]
pub struct DuesLine {
    pub member_id: i64,
    pub name: String,
    pub status: String,
    pub base: Option<DuesBase>,
    /// The amount owed this month, or why it cannot be computed.
    pub due: std::result::Result<i64, String>,
    pub record: Option<MonthRecord>,
    pub collector: Option<String>,
    /// Months before this one, since the branch began keeping dues, with neither payment nor reason.
    pub unpaid_before: i32,
}

impl DuesLine {
    pub fn due_text(&self) -> String {
        match &self.due {
            Ok(f) => yuan(*f),
            Err(_) => String::new(),
        }
    }
    pub fn paid_text(&self) -> String {
        self.record
            .as_ref()
            .filter(|r| r.paid_on.is_some())
            .map(|r| yuan(r.amount))
            .unwrap_or_default()
    }
}

/// A month's entry for one member, from the batch form.
#[derive(Debug, Clone)]
pub struct DuesEntry {
    pub member_id: i64,
    pub base: DuesBase,
    /// Paid amount in fen and the day, or nothing paid.
    pub paid: Option<(i64, NaiveDate)>,
    pub reason: Option<String>,
    pub collector: Option<String>,
}

/// A branch's collection in a month.
#[derive(Debug, Clone, Serialize)]
pub struct BranchDues {
    pub org_id: i64,
    pub name: String,
    pub code: String,
    /// Whether the branch keeps dues here (since when).
    pub since: Option<NaiveDate>,
    pub members: i64,
    pub paid: i64,
    pub paid_fen: i64,
    /// Members with months unpaid without a reason before this month.
    pub in_arrears: i64,
}

impl BranchDues {
    pub fn rate(&self) -> String {
        if self.members == 0 {
            String::new()
        } else {
            format!("{:.1}%", self.paid as f64 * 100.0 / self.members as f64)
        }
    }
    pub fn paid_yuan(&self) -> String {
        yuan(self.paid_fen)
    }
}

/// The dues of the members of a subtree, as the check reads them.
#[derive(Debug, Default)]
pub(crate) struct DuesData {
    pub books: HashMap<i64, NaiveDate>,
    pub bases: HashMap<i64, Vec<(NaiveDate, DuesBase)>>,
    pub months: HashMap<i64, Vec<MonthRecord>>,
}

fn base_of(category: &str, base: Option<i64>, farmer: Option<i64>) -> Option<DuesBase> {
    Some(DuesBase {
        category: DuesCategory::parse(category)?,
        base,
        farmer_amount: farmer,
    })
}

impl Store {
    /// The members of a branch owing dues in `month` (on the roster as party members by the
    /// month's end), with their bases and the month's record.
    pub async fn dues_month(
        &self,
        scope: &Scope,
        branch: &Org,
        month: NaiveDate,
    ) -> Result<Vec<DuesLine>> {
        if !scope.sees_member(0, &branch.org_path()) {
            return Err(StoreError::Forbidden);
        }
        let month = month_of(month);
        let end = add_months(month, 1);
        let members: Vec<(i64, String, String)> = on_db!(&self.db, p => {
            sqlx::query_as(
                "SELECT id, name, status FROM members WHERE org_id = $1 AND archived_at IS NULL \
                 AND status IN ('probationary', 'full') AND (admission_date IS NULL OR admission_date < $2) ORDER BY name_key, id",
            )
            .bind(branch.id).bind(end).fetch_all(p).await?
        });
        let ids: Vec<i64> = members.iter().map(|m| m.0).collect();
        let data = self.dues_data_for(&ids).await?;
        let cfg = self.rules_config().await?;
        let n: &DuesNumbers = &cfg.at(month).dues;
        let book = self.dues_book(branch.id).await?;
        let collectors = self.dues_collectors(&ids, month).await?;
        Ok(members
            .into_iter()
            .map(|(id, name, status)| {
                let base = data
                    .bases
                    .get(&id)
                    .and_then(|v| v.iter().rfind(|(m, _)| *m <= month))
                    .map(|(_, b)| *b);
                let due = match &base {
                    Some(b) => monthly_dues(n, b).map_err(|e| e.to_string()),
                    None => Err("未登记缴费基数".to_string()),
                };
                let months = data.months.get(&id);
                let record = months.and_then(|v| v.iter().find(|r| r.month == month).cloned());
                let unpaid_before = match book {
                    Some(start) => {
                        let mut k = 0;
                        let mut m = add_months(month, -1);
                        while m >= start {
                            let settled = months.is_some_and(|v| {
                                v.iter().any(|r| {
                                    r.month == m && (r.paid_on.is_some() || r.reason.is_some())
                                })
                            });
                            if settled {
                                break;
                            }
                            k += 1;
                            m = add_months(m, -1);
                        }
                        k
                    }
                    None => 0,
                };
                DuesLine {
                    member_id: id,
                    name,
                    status,
                    base,
                    due,
                    record,
                    collector: collectors.get(&id).cloned().flatten(),
                    unpaid_before,
                }
            })
            .collect())
    }

    async fn dues_book(&self, org_id: i64) -> Result<Option<NaiveDate>> {
        Ok(on_db!(&self.db, p => {
            sqlx::query_scalar("SELECT start_month FROM dues_books WHERE org_id = $1")
                .bind(org_id).fetch_optional(p).await?
        }))
    }

    async fn dues_collectors(
        &self,
        ids: &[i64],
        month: NaiveDate,
    ) -> Result<HashMap<i64, Option<String>>> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(500) {
            let rows: Vec<(i64, Option<String>)> = on_db!(&self.db, p => {
                let mut q = QueryBuilder::new("SELECT member_id, collector FROM dues_payments WHERE month = ");
                q.push_bind(month).push(" AND member_id IN (");
                let mut sep = q.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                q.push(")");
                q.build_query_as().fetch_all(p).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }

    /// Bases and month records of these members.
    pub(crate) async fn dues_data_for(&self, ids: &[i64]) -> Result<DuesData> {
        let mut data = DuesData::default();
        for chunk in ids.chunks(500) {
            type BaseRow = (i64, NaiveDate, String, Option<i64>, Option<i64>);
            type PayRow = (i64, NaiveDate, i64, Option<NaiveDate>, Option<String>);
            let (bases, pays): (Vec<BaseRow>, Vec<PayRow>) = on_db!(&self.db, p => {
                let mut q = QueryBuilder::new("SELECT member_id, effective_month, category, base_fen, farmer_fen FROM dues_bases WHERE member_id IN (");
                let mut sep = q.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                q.push(") ORDER BY member_id, effective_month, id");
                let bases = q.build_query_as().fetch_all(p).await?;
                let mut q = QueryBuilder::new("SELECT member_id, month, amount_fen, paid_on, reason FROM dues_payments WHERE member_id IN (");
                let mut sep = q.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                q.push(") ORDER BY member_id, month");
                let pays = q.build_query_as().fetch_all(p).await?;
                (bases, pays)
            });
            for (id, m, c, b, f) in bases {
                if let Some(base) = base_of(&c, b, f) {
                    data.bases.entry(id).or_default().push((m, base));
                }
            }
            for (id, month, amount, paid_on, reason) in pays {
                data.months.entry(id).or_default().push(MonthRecord {
                    month,
                    amount,
                    paid_on,
                    reason,
                });
            }
        }
        Ok(data)
    }

    /// Dues of every member of a subtree (`None`: all) for the check: only branches that keep
    /// dues here are read.
    pub(crate) async fn dues_data_subtree(&self, root: Option<&OrgPath>) -> Result<DuesData> {
        let books: Vec<(i64, NaiveDate)> = on_db!(&self.db, p => {
            sqlx::query_as("SELECT org_id, start_month FROM dues_books").fetch_all(p).await?
        });
        if books.is_empty() {
            return Ok(DuesData::default());
        }
        let mut ids: Vec<i64> = Vec::new();
        for (org, _) in &books {
            let rows: Vec<(i64, String)> = on_db!(&self.db, p => {
                sqlx::query_as("SELECT id, org_path FROM members WHERE org_id = $1 AND archived_at IS NULL")
                    .bind(*org).fetch_all(p).await?
            });
            ids.extend(
                rows.into_iter()
                    .filter(|(_, path)| {
                        root.is_none_or(|r| r.contains(&OrgPath::from_stored(path.clone())))
                    })
                    .map(|(id, _)| id),
            );
        }
        let mut data = self.dues_data_for(&ids).await?;
        data.books = books.into_iter().collect();
        Ok(data)
    }

    /// Saves a branch's month from the batch form, all in one transaction: bases that changed
    /// take effect from this month; payments and reasons are written or replaced.
    pub async fn dues_save_month(
        &self,
        actor: &Actor,
        scope: &Scope,
        branch: &Org,
        month: NaiveDate,
        entries: &[DuesEntry],
    ) -> Result<usize> {
        if !scope.may_write_member(&branch.org_path()) {
            return Err(StoreError::Forbidden);
        }
        let month = month_of(month);
        let today = self.clock.today();
        if month > month_of(today) {
            return Err(StoreError::invalid("month", "不能登记以后月份的党费"));
        }
        let lines = self.dues_month(scope, branch, month).await?;
        let cfg = self.rules_config().await?;
        let n = &cfg.at(month).dues;
        for e in entries {
            if !lines.iter().any(|l| l.member_id == e.member_id) {
                return Err(StoreError::invalid(
                    "member",
                    "名单中有不属于本支部本月应缴党费的人员，请刷新后重试",
                ));
            }
            if let Err(err) = monthly_dues(n, &e.base) {
                let name = lines
                    .iter()
                    .find(|l| l.member_id == e.member_id)
                    .map(|l| l.name.as_str())
                    .unwrap_or("");
                return Err(StoreError::invalid("base", format!("{name}：{err}")));
            }
            if let Some((_, on)) = e.paid {
                if on > today {
                    return Err(StoreError::invalid("paid_on", "缴纳日期不能晚于今天"));
                }
            }
        }
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => {
            let start: Option<NaiveDate> = sqlx::query_scalar("SELECT start_month FROM dues_books WHERE org_id = $1")
                .bind(branch.id).fetch_optional(&mut *c).await?;
            match start {
                None => {
                    sqlx::query("INSERT INTO dues_books (org_id, start_month, created_at) VALUES ($1, $2, $3)")
                        .bind(branch.id).bind(month).bind(now).execute(&mut *c).await?;
                }
                Some(s) if s > month => {
                    sqlx::query("UPDATE dues_books SET start_month = $1 WHERE org_id = $2")
                        .bind(month).bind(branch.id).execute(&mut *c).await?;
                }
                _ => {}
            }
        });
        let mut written = 0;
        for e in entries {
            let line = lines.iter().find(|l| l.member_id == e.member_id);
            if line.and_then(|l| l.base) != Some(e.base) {
                on_tx!(&mut tx, c => {
                    sqlx::query("DELETE FROM dues_bases WHERE member_id = $1 AND effective_month = $2")
                        .bind(e.member_id).bind(month).execute(&mut *c).await?;
                    sqlx::query("INSERT INTO dues_bases (member_id, effective_month, category, base_fen, farmer_fen, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                        .bind(e.member_id).bind(month).bind(e.base.category.code()).bind(e.base.base).bind(e.base.farmer_amount)
                        .bind(actor.account_id).bind(now).execute(&mut *c).await?;
                });
            }
            let reason = e.reason.clone().filter(|r| !r.trim().is_empty());
            if e.paid.is_none() && reason.is_none() {
                continue;
            }
            let (amount, paid_on) = match e.paid {
                Some((a, d)) => (a, Some(d)),
                None => (0, None),
            };
            on_tx!(&mut tx, c => {
                sqlx::query(
                    "INSERT INTO dues_payments (member_id, month, amount_fen, paid_on, collector, reason, created_by, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
                     ON CONFLICT (member_id, month) DO UPDATE SET amount_fen = excluded.amount_fen, paid_on = excluded.paid_on, \
                     collector = excluded.collector, reason = excluded.reason, updated_at = excluded.updated_at",
                )
                .bind(e.member_id).bind(month).bind(amount).bind(paid_on).bind(&e.collector).bind(&reason)
                .bind(actor.account_id).bind(now).execute(&mut *c).await?;
            });
            written += 1;
        }
        let total: i64 = entries.iter().filter_map(|e| e.paid.map(|p| p.0)).sum();
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "dues.month",
                format!(
                    "{} {} 党费：登记 {} 人，合计 {} 元",
                    branch.name,
                    month_label(month),
                    written,
                    yuan(total)
                ),
            )
            .on("org", branch.id),
        )
        .await?;
        tx.commit().await?;
        let ids: Vec<i64> = entries.iter().map(|e| e.member_id).collect();
        self.findings_refresh_members(&ids).await;
        Ok(written)
    }

    /// The branches under `org` (or `org` itself if it is a branch) with their month's
    /// collection.
    pub async fn dues_summary(
        &self,
        scope: &Scope,
        org: &Org,
        month: NaiveDate,
    ) -> Result<Vec<BranchDues>> {
        if !scope.sees_member(0, &org.org_path()) {
            return Err(StoreError::Forbidden);
        }
        let month = month_of(month);
        let path = org.org_path();
        let branches: Vec<Org> = self
            .org_all(scope)
            .await?
            .into_iter()
            .filter(|o| path.contains(&o.org_path()) && o.kind().is_some_and(|k| k.is_branch()))
            .collect();
        let books: HashMap<i64, NaiveDate> = on_db!(&self.db, p => {
            sqlx::query_as::<_, (i64, NaiveDate)>("SELECT org_id, start_month FROM dues_books").fetch_all(p).await?
        })
        .into_iter()
        .collect();
        let end = add_months(month, 1);
        let counts: HashMap<i64, i64> = on_db!(&self.db, p => {
            sqlx::query_as::<_, (i64, i64)>(
                "SELECT org_id, COUNT(*) FROM members WHERE archived_at IS NULL AND status IN ('probationary', 'full') \
                 AND (admission_date IS NULL OR admission_date < $1) AND org_path >= $2 AND org_path < $3 GROUP BY org_id",
            )
            .bind(end).bind(path.as_str()).bind(path.upper_bound()).fetch_all(p).await?
        })
        .into_iter()
        .collect();
        let paid: HashMap<i64, (i64, i64)> = on_db!(&self.db, p => {
            sqlx::query_as::<_, (i64, i64, i64)>(
                "SELECT m.org_id, COUNT(*), CAST(SUM(d.amount_fen) AS BIGINT) FROM dues_payments d JOIN members m ON m.id = d.member_id \
                 WHERE d.month = $1 AND d.paid_on IS NOT NULL AND m.archived_at IS NULL AND m.org_path >= $2 AND m.org_path < $3 GROUP BY m.org_id",
            )
            .bind(month).bind(path.as_str()).bind(path.upper_bound()).fetch_all(p).await?
        })
        .into_iter()
        .map(|(o, n, s)| (o, (n, s)))
        .collect();
        let arrears: HashMap<i64, i64> = on_db!(&self.db, p => {
            sqlx::query_as::<_, (i64, i64)>(
                "SELECT f.org_id, COUNT(DISTINCT f.subject_id) FROM findings f WHERE f.resolved_at IS NULL AND f.rule = 'DUES-002' \
                 AND f.org_path >= $1 AND f.org_path < $2 GROUP BY f.org_id",
            )
            .bind(path.as_str()).bind(path.upper_bound()).fetch_all(p).await?
        })
        .into_iter()
        .collect();
        let mut branches = branches;
        branches.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(branches
            .into_iter()
            .map(|b| {
                let (n, sum) = paid.get(&b.id).copied().unwrap_or((0, 0));
                BranchDues {
                    org_id: b.id,
                    since: books.get(&b.id).copied(),
                    members: counts.get(&b.id).copied().unwrap_or(0),
                    paid: n,
                    paid_fen: sum,
                    in_arrears: arrears.get(&b.id).copied().unwrap_or(0),
                    name: b.name,
                    code: b.code,
                }
            })
            .collect())
    }
}
