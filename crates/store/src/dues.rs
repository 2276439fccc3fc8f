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
    Reduction, ReductionFields, ReductionKind,
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
    /// The approved reduction or exemption covering this month, if any.
    pub reduction: Option<Reduction>,
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

/// The dues of the members of a subtree, as the check reads them.
#[derive(Debug, Default)]
pub(crate) struct DuesData {
    pub books: HashMap<i64, NaiveDate>,
    pub bases: HashMap<i64, Vec<(NaiveDate, DuesBase)>>,
    pub months: HashMap<i64, Vec<MonthRecord>>,
    /// Approved reductions and exemptions not withdrawn.
    pub reductions: HashMap<i64, Vec<Reduction>>,
}

/// An approved reduction or exemption as stored, with what the page shows.
#[derive(Debug, Clone, Serialize)]
pub struct ReductionRecord {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub reduction: Reduction,
    pub approval_org_id: i64,
    pub document_no: Option<String>,
    pub reason: String,
    /// Why it was withdrawn (a record entered in error), if it was.
    pub withdrawn_reason: Option<String>,
}

impl ReductionRecord {
    /// `2026-03 至 2026-12`, or `2026-03 起`.
    pub fn months_text(&self) -> String {
        match self.reduction.to {
            Some(t) => format!("{} 至 {}", month_label(self.reduction.from), month_label(t)),
            None => format!("{} 起", month_label(self.reduction.from)),
        }
    }
    pub fn amount_text(&self) -> String {
        match self.reduction.kind {
            ReductionKind::Exempt => "免交".into(),
            ReductionKind::Reduce => {
                format!("每月 {} 元", yuan(self.reduction.amount.unwrap_or(0)))
            }
        }
    }
}

type ReductionRow = (
    i64,
    i64,
    String,
    String,
    Option<i64>,
    NaiveDate,
    Option<NaiveDate>,
    i64,
    String,
    NaiveDate,
    Option<String>,
    String,
    Option<String>,
);

fn reduction_record(r: ReductionRow) -> Option<ReductionRecord> {
    let (id, member_id, member_name, kind, amount, from, to, org_id, approver, on, doc, reason, w) =
        r;
    Some(ReductionRecord {
        id,
        member_id,
        member_name,
        reduction: Reduction {
            kind: ReductionKind::parse(&kind)?,
            amount,
            from,
            to,
            approver,
            approved_on: on,
        },
        approval_org_id: org_id,
        document_no: doc,
        reason,
        withdrawn_reason: w,
    })
}

const REDUCTION_COLS: &str = "r.id, r.member_id, m.name, r.kind, r.amount_fen, r.from_month, \
    r.to_month, \
     r.approval_org_id, o.name, r.approved_on, r.document_no, r.reason, r.withdrawn_reason \
     FROM dues_reductions r JOIN members m ON m.id = r.member_id JOIN orgs o ON o.id = \
     r.approval_org_id";

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
        let members: Vec<(i64, String, String)> =
            on_db!(&self.db, |p| {
                sqlx::query_as(
                "SELECT id, name, status FROM members WHERE org_id = $1 AND archived_at IS NULL \
                 AND status IN ('probationary', 'full') AND (admission_date IS NULL OR \
                 admission_date < $2) ORDER BY name_key, id",
            )
            .bind(branch.id).bind(end).fetch_all(p).await?
            });
        let ids: Vec<i64> = members.iter().map(|m| m.0).collect();
        let data = self.dues_data_for(&ids).await?;
        let cfg = self.rules_config().await?;
        let n: &DuesNumbers = &cfg.at(month).dues;
        let book = self.dues_book(branch.id).await?;
        let collectors = self.dues_collectors(&ids, month).await?;
        let today = self.clock.today();
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
                let reduction = data.reductions.get(&id).and_then(|v| {
                    v.iter()
                        .filter(|x| x.covers(month, today))
                        .min_by_key(|x| x.minimum())
                        .cloned()
                });
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
                    reduction,
                }
            })
            .collect())
    }

    async fn dues_book(&self, org_id: i64) -> Result<Option<NaiveDate>> {
        Ok(on_db!(&self.db, |p| {
            sqlx::query_scalar("SELECT start_month FROM dues_books WHERE org_id = $1")
                .bind(org_id)
                .fetch_optional(p)
                .await?
        }))
    }

    async fn dues_collectors(
        &self,
        ids: &[i64],
        month: NaiveDate,
    ) -> Result<HashMap<i64, Option<String>>> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(500) {
            let rows: Vec<(i64, Option<String>)> = on_db!(&self.db, |p| {
                let mut q = QueryBuilder::new(
                    "SELECT member_id, collector FROM dues_payments WHERE month = ",
                );
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
            let (bases, pays): (Vec<BaseRow>, Vec<PayRow>) = on_db!(&self.db, |p| {
                let mut q = QueryBuilder::new(
                    "SELECT member_id, effective_month, category, base_fen, farmer_fen FROM \
                    dues_bases WHERE member_id IN (",
                );
                let mut sep = q.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                q.push(") ORDER BY member_id, effective_month, id");
                let bases = q.build_query_as().fetch_all(p).await?;
                let mut q = QueryBuilder::new(
                    "SELECT member_id, month, amount_fen, paid_on, reason FROM dues_payments \
                    WHERE member_id IN (",
                );
                let mut sep = q.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                q.push(") ORDER BY member_id, month");
                let pays = q.build_query_as().fetch_all(p).await?;
                (bases, pays)
            });
            let reductions: Vec<ReductionRow> = on_db!(&self.db, |p| {
                let mut q = QueryBuilder::new(format!(
                    "SELECT {REDUCTION_COLS} WHERE r.withdrawn_at IS NULL AND r.member_id IN ("
                ));
                let mut sep = q.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                q.push(") ORDER BY r.member_id, r.from_month, r.id");
                q.build_query_as().fetch_all(p).await?
            });
            for r in reductions.into_iter().filter_map(reduction_record) {
                data.reductions
                    .entry(r.member_id)
                    .or_default()
                    .push(r.reduction);
            }
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
    pub(crate) async fn dues_data_subtree(
        &self,
        range: &crate::development::PathRange,
        on: Option<NaiveDate>,
    ) -> Result<DuesData> {
        let roster = crate::development::on_roster(on);
        let books: Vec<(i64, NaiveDate)> = on_db!(&self.db, |p| {
            sqlx::query_as("SELECT org_id, start_month FROM dues_books")
                .fetch_all(p)
                .await?
        });
        if books.is_empty() {
            return Ok(DuesData::default());
        }
        // The people of the range placed in a branch with a book, in one statement. The range
        // is read first (materialised): joined directly, PostgreSQL walks the whole roster in
        // organisation order to meet the few books.
        let ids: Vec<i64> = on_db!(&self.db, |p| {
            let mut q = sqlx::QueryBuilder::new(format!(
                "WITH r AS MATERIALIZED (SELECT m.id, m.org_id FROM members m WHERE {roster}"
            ));
            range.push_paths(&mut q, "m.org_path");
            range.push_ids(&mut q, "m.id");
            q.push(") SELECT r.id FROM r JOIN dues_books b ON b.org_id = r.org_id");
            q.build_query_scalar().fetch_all(p).await?
        });
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
        on_tx!(&mut tx, |c| {
            let start: Option<NaiveDate> =
                sqlx::query_scalar("SELECT start_month FROM dues_books WHERE org_id = $1")
                    .bind(branch.id)
                    .fetch_optional(&mut *c)
                    .await?;
            match start {
                None => {
                    sqlx::query(
                        "INSERT INTO dues_books (org_id, start_month, created_at) VALUES ($1, \
                        $2, $3)",
                    )
                    .bind(branch.id)
                    .bind(month)
                    .bind(now)
                    .execute(&mut *c)
                    .await?;
                }
                Some(s) if s > month => {
                    sqlx::query("UPDATE dues_books SET start_month = $1 WHERE org_id = $2")
                        .bind(month)
                        .bind(branch.id)
                        .execute(&mut *c)
                        .await?;
                }
                _ => {}
            }
        });
        let mut written = 0;
        for e in entries {
            let line = lines.iter().find(|l| l.member_id == e.member_id);
            if line.and_then(|l| l.base) != Some(e.base) {
                on_tx!(&mut tx, |c| {
                    sqlx::query(
                        "DELETE FROM dues_bases WHERE member_id = $1 AND effective_month = $2",
                    )
                    .bind(e.member_id)
                    .bind(month)
                    .execute(&mut *c)
                    .await?;
                    sqlx::query(
                        "INSERT INTO dues_bases (member_id, effective_month, category, base_fen, \
                        farmer_fen, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(e.member_id)
                    .bind(month)
                    .bind(e.base.category.code())
                    .bind(e.base.base)
                    .bind(e.base.farmer_amount)
                    .bind(actor.account_id)
                    .bind(now)
                    .execute(&mut *c)
                    .await?;
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
            on_tx!(&mut tx, |c| {
                sqlx::query(
                    "INSERT INTO dues_payments (member_id, month, amount_fen, paid_on, collector, \
                        reason, created_by, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
                     ON CONFLICT (member_id, month) DO UPDATE SET amount_fen = \
                     excluded.amount_fen, paid_on = excluded.paid_on, \
                     collector = excluded.collector, reason = excluded.reason, updated_at = \
                     excluded.updated_at",
                )
                .bind(e.member_id)
                .bind(month)
                .bind(amount)
                .bind(paid_on)
                .bind(&e.collector)
                .bind(&reason)
                .bind(actor.account_id)
                .bind(now)
                .execute(&mut *c)
                .await?;
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

    /// The direct sub-organisations of `org`, each with the month's collection rolled up over
    /// its whole subtree (like the statistics' sub-organisation rows), so that an upper
    /// organisation's page has one row per child however large the tree below. Every count is
    /// grouped by the members' organisation path in the database; the rows are summed here.
    pub async fn dues_rollup(
        &self,
        scope: &Scope,
        org: &Org,
        month: NaiveDate,
    ) -> Result<Vec<DuesRollup>> {
        if !scope.sees_member(0, &org.org_path()) {
            return Err(StoreError::Forbidden);
        }
        let month = month_of(month);
        let path = org.org_path();
        let (lo, hi) = (path.as_str().to_string(), path.upper_bound());
        let end = add_months(month, 1);
        type Child = (i64, String, String, String, String);
        type Counts = (
            Vec<(String, String, Option<NaiveDate>)>,
            Vec<(String, i64)>,
            Vec<(String, i64, i64)>,
            Vec<(String, i64)>,
        );
        let (children, (orgs, members, paid, arrears)): (Vec<Child>, Counts) =
            on_db!(&self.db, |p| {
                let children = sqlx::query_as(
                    "SELECT id, name, code, org_type, path FROM orgs WHERE parent_id = $1 AND \
                    archived_at IS NULL ORDER BY code",
                )
                .bind(org.id)
                .fetch_all(p)
                .await?;
                let orgs = sqlx::query_as(
                "SELECT o.path, o.org_type, b.start_month FROM orgs o LEFT JOIN dues_books b ON \
                    b.org_id = o.id \
                 WHERE o.path > $1 AND o.path < $2 AND o.archived_at IS NULL",
            )
            .bind(&lo).bind(&hi).fetch_all(p).await?;
                let members = sqlx::query_as(
                "SELECT org_path, COUNT(*) FROM members WHERE org_path > $1 AND org_path < $2 AND \
                    archived_at IS NULL \
                 AND status IN ('probationary', 'full') AND (admission_date IS NULL OR \
                 admission_date < $3) GROUP BY org_path",
            )
            .bind(&lo).bind(&hi).bind(end).fetch_all(p).await?;
                let paid = sqlx::query_as(
                    "SELECT m.org_path, COUNT(*), CAST(SUM(d.amount_fen) AS BIGINT) FROM \
                    dues_payments d JOIN members m ON m.id = d.member_id \
                 WHERE d.month = $1 AND d.paid_on IS NOT NULL AND m.archived_at IS NULL AND \
                 m.org_path > $2 AND m.org_path < $3 \
                 GROUP BY m.org_path",
                )
                .bind(month)
                .bind(&lo)
                .bind(&hi)
                .fetch_all(p)
                .await?;
                let arrears = sqlx::query_as(
                "SELECT org_path, COUNT(DISTINCT subject_id) FROM findings WHERE resolved_at IS \
                    NULL AND rule = 'DUES-002' \
                 AND org_path > $1 AND org_path < $2 GROUP BY org_path",
            )
            .bind(&lo).bind(&hi).fetch_all(p).await?;
                (children, (orgs, members, paid, arrears))
            });
        let mut rows: Vec<DuesRollup> = children
            .into_iter()
            .map(|(id, name, code, kind, path)| DuesRollup {
                org_id: id,
                name,
                code,
                is_branch: xianfeng_domain::org::OrgType::parse(&kind)
                    .is_some_and(|k| k.is_branch()),
                path,
                branches: 0,
                keeping: 0,
                members: 0,
                paid: 0,
                paid_fen: 0,
                in_arrears: 0,
            })
            .collect();
        // The child a path lies under: its own path is a prefix.
        let index: HashMap<String, usize> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.path.clone(), i))
            .collect();
        let child_of = |p: &str| -> Option<usize> {
            let rest = p.get(lo.len()..)?;
            let seg = rest.find('/')?;
            index.get(&p[..lo.len() + seg + 1]).copied()
        };
        for (p, kind, start) in &orgs {
            if let Some(i) = child_of(p) {
                if xianfeng_domain::org::OrgType::parse(kind).is_some_and(|k| k.is_branch()) {
                    rows[i].branches += 1;
                    if start.is_some_and(|s| s <= month) {
                        rows[i].keeping += 1;
                    }
                }
            }
        }
        for (p, n) in members {
            if let Some(i) = child_of(&p) {
                rows[i].members += n;
            }
        }
        for (p, n, fen) in paid {
            if let Some(i) = child_of(&p) {
                rows[i].paid += n;
                rows[i].paid_fen += fen;
            }
        }
        for (p, n) in arrears {
            if let Some(i) = child_of(&p) {
                rows[i].in_arrears += n;
            }
        }
        Ok(rows)
    }
}

impl Store {
    /// The committees above a branch that may approve a reduction (上一级党委, and the
    /// committees above it), nearest first.
    pub async fn dues_approvers(&self, branch: &Org) -> Result<Vec<Org>> {
        let mut out: Vec<Org> = self
            .org_ancestors(&Scope::Structure, branch)
            .await?
            .into_iter()
            .filter(|o| {
                matches!(
                    o.kind(),
                    Some(xianfeng_domain::org::OrgType::Committee)
                        | Some(xianfeng_domain::org::OrgType::WorkingCommittee)
                ) && o.archived_at.is_none()
            })
            .collect();
        out.reverse();
        Ok(out)
    }

    /// The reductions and exemptions recorded for the members of a branch on its roster,
    /// withdrawn ones included, newest first.
    pub async fn dues_reductions(
        &self,
        scope: &Scope,
        branch: &Org,
    ) -> Result<Vec<ReductionRecord>> {
        if !scope.sees_member(0, &branch.org_path()) {
            return Err(StoreError::Forbidden);
        }
        let rows: Vec<ReductionRow> = on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "SELECT {REDUCTION_COLS} WHERE m.org_id = $1 AND m.archived_at IS NULL \
                 ORDER BY r.withdrawn_at IS NOT NULL, r.from_month DESC, r.id DESC"
            ))
            .bind(branch.id)
            .fetch_all(p)
            .await?
        });
        Ok(rows.into_iter().filter_map(reduction_record).collect())
    }

    /// Records an approved reduction or exemption for a member of the branch; the approving
    /// organisation must be a committee above the branch.
    pub async fn dues_reduction_add(
        &self,
        actor: &Actor,
        scope: &Scope,
        branch: &Org,
        f: &ReductionFields,
    ) -> Result<i64> {
        if !scope.may_write_member(&branch.org_path()) {
            return Err(StoreError::Forbidden);
        }
        let member: Option<(String, String)> = on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT name, status FROM members WHERE id = $1 AND org_id = $2 AND archived_at \
                IS NULL",
            )
            .bind(f.member_id)
            .bind(branch.id)
            .fetch_optional(p)
            .await?
        });
        let Some((name, status)) = member else {
            return Err(StoreError::invalid("member_id", "请选择本支部在册的党员"));
        };
        if !matches!(status.as_str(), "probationary" | "full") {
            return Err(StoreError::invalid(
                "member_id",
                format!("{name}不是党员，不缴纳党费"),
            ));
        }
        let approvers = self.dues_approvers(branch).await?;
        let Some(approver) = approvers.iter().find(|o| o.id == f.approval_org_id) else {
            return Err(StoreError::invalid(
                "approval_org_id",
                "批准组织应是本支部的上级党委（党工委）",
            ));
        };
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        let id: i64 =
            on_tx!(&mut tx, |c| {
                sqlx::query_scalar(
                "INSERT INTO dues_reductions (member_id, kind, amount_fen, from_month, to_month, \
                    approval_org_id, approved_on, \
                 document_no, reason, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, \
                 $8, $9, $10, $11) RETURNING id",
            )
            .bind(f.member_id).bind(f.kind.code()).bind(f.amount).bind(f.from).bind(f.to)
            .bind(approver.id).bind(f.approved_on).bind(&f.document_no).bind(&f.reason)
            .bind(actor.account_id).bind(now)
            .fetch_one(&mut *c).await?
            });
        let r = Reduction {
            kind: f.kind,
            amount: f.amount,
            from: f.from,
            to: f.to,
            approver: approver.name.clone(),
            approved_on: f.approved_on,
        };
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "dues.reduction",
                format!(
                    "{name}：{}，{}{}；原因：{}",
                    r.describe(),
                    match f.to {
                        Some(t) => format!("{} 至 {}", month_label(f.from), month_label(t)),
                        None => format!("{} 起", month_label(f.from)),
                    },
                    f.document_no
                        .as_deref()
                        .map(|d| format!("，{d}"))
                        .unwrap_or_default(),
                    f.reason
                ),
            )
            .on("member", f.member_id),
        )
        .await?;
        tx.commit().await?;
        self.findings_refresh_members(&[f.member_id]).await;
        Ok(id)
    }

    /// Withdraws a reduction recorded in error: it is kept, marked, and no longer excuses
    /// anything. A second withdrawal is refused.
    pub async fn dues_reduction_withdraw(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        reason: &str,
    ) -> Result<()> {
        let row: Option<(i64, String, String)> = on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT r.member_id, m.org_path, m.name FROM dues_reductions r JOIN members m ON \
                m.id = r.member_id WHERE r.id = $1",
            )
            .bind(id)
            .fetch_optional(p)
            .await?
        });
        let Some((member_id, path, name)) = row.filter(|(member_id, path, _)| {
            scope.sees_member(*member_id, &OrgPath::from_stored(path.clone()))
        }) else {
            // Out of scope answers as absent.
            return Err(StoreError::NotFound("没有这条减免记录"));
        };
        if !scope.may_write_member(&OrgPath::from_stored(path)) {
            return Err(StoreError::Forbidden);
        }
        let reason = match xianfeng_domain::text::optional(reason, 100) {
            Ok(Some(r)) => r,
            Ok(None) => return Err(StoreError::invalid("reason", "请填写撤销原因")),
            Err(_) => return Err(StoreError::invalid("reason", "撤销原因最多 100 字")),
        };
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, |c| {
            sqlx::query(
                "UPDATE dues_reductions SET withdrawn_at = $1, withdrawn_reason = $2 WHERE id = \
                $3 AND withdrawn_at IS NULL",
            )
            .bind(now)
            .bind(&reason)
            .bind(id)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::invalid("id", "这条减免记录已经撤销"));
        }
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "dues.reduction.withdraw",
                format!("{name}：撤销减免记录 {id}；原因：{reason}"),
            )
            .on("member", member_id),
        )
        .await?;
        tx.commit().await?;
        self.findings_refresh_members(&[member_id]).await;
        Ok(())
    }
}

/// A direct sub-organisation's collection in a month, over its whole subtree.
#[derive(Debug, Clone, Serialize)]
pub struct DuesRollup {
    pub org_id: i64,
    pub name: String,
    pub code: String,
    pub path: String,
    pub is_branch: bool,
    /// Branches in the subtree (the organisation itself included) and how many of them keep
    /// dues here by the month.
    pub branches: i64,
    pub keeping: i64,
    pub members: i64,
    pub paid: i64,
    pub paid_fen: i64,
    /// Members with six months in a row unpaid without a reason (open DUES-002 findings).
    pub in_arrears: i64,
}

impl DuesRollup {
    /// Paid as a share of those owing (0 when nobody owes).
    pub fn rate_value(&self) -> f64 {
        if self.members == 0 {
            0.0
        } else {
            self.paid as f64 / self.members as f64
        }
    }
    pub fn rate(&self) -> String {
        if self.members == 0 {
            String::new()
        } else {
            format!("{:.1}%", self.rate_value() * 100.0)
        }
    }
    pub fn paid_yuan(&self) -> String {
        yuan(self.paid_fen)
    }
}
