//! Periodic reports (报表): templates built by an upper organisation and versioned, the
//! submitting organisations' working copies, and what each receiving organisation received,
//! returned or accepted. RPT-001 and RPT-002 read the receipts.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;
use sqlx::FromRow;
use xianfeng_domain::org::{OrgPath, OrgType, Sector};
use xianfeng_domain::reports::{
    check_values, field_problems, receipt_state, Cadence, Field, FieldKind, Period, Receipt,
    ReceiptState, Schedule, Source, Value,
};
use xianfeng_domain::scope::Scope;

use crate::audit::{Actor, AuditEvent};
use crate::orgs::Org;
use crate::{on_db, on_tx, Result, Store, StoreError};

/// A template as stored (its current version).
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Template {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub name: String,
    pub cadence: String,
    pub first_due_day: i64,
    pub due_days: i64,
    pub once_due: Option<NaiveDate>,
    pub submit_root: i64,
    pub submit_root_name: String,
    pub submit_root_path: String,
    pub submit_sector: Option<String>,
    pub submit_type: Option<String>,
    pub grace_days: i64,
    pub starts_on: NaiveDate,
    pub version: i64,
    pub fields: String,
    pub created_at: DateTime<Utc>,
}

impl Template {
    pub fn schedule(&self) -> Schedule {
        Schedule {
            cadence: Cadence::parse(&self.cadence).unwrap_or(Cadence::Monthly),
            first_due_day: self.first_due_day.clamp(1, 28) as u32,
            due_days: self.due_days,
            once_due: self.once_due,
        }
    }
    pub fn field_list(&self) -> Vec<Field> {
        serde_json::from_str(&self.fields).unwrap_or_default()
    }
    pub fn cadence_label(&self) -> &'static str {
        Cadence::parse(&self.cadence).map_or("", |c| c.label())
    }
    /// Whether an organisation submits this report.
    pub fn applies_to(&self, o: &Org) -> bool {
        o.id != self.submit_root
            && !o.is_archived()
            && o.kind() != Some(OrgType::PartyGroup)
            && OrgPath::from_stored(self.submit_root_path.clone()).contains(&o.org_path())
            && self.submit_sector.as_ref().is_none_or(|s| *s == o.sector)
            && self.submit_type.as_ref().is_none_or(|t| *t == o.org_type)
    }
    /// The periods submitters see: from the start of the template to a month ahead.
    pub fn periods(&self, today: NaiveDate) -> Vec<Period> {
        let to = xianfeng_domain::dates::add_months(today, 1);
        self.schedule()
            .periods_between(self.starts_on, to)
            .into_iter()
            .filter(|p| p.to >= self.starts_on)
            .collect()
    }
}

/// A template as typed.
#[derive(Debug, Clone)]
pub struct TemplateInput {
    pub name: String,
    pub schedule: Schedule,
    pub submit_root: i64,
    pub submit_sector: Option<Sector>,
    pub submit_type: Option<OrgType>,
    pub receivers: Vec<i64>,
    pub grace_days: i64,
    pub starts_on: NaiveDate,
    pub fields: Vec<Field>,
}

/// What a receiver received from one submitter.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct ReceiptRow {
    pub template_id: i64,
    pub period_key: String,
    pub org_id: i64,
    pub receiver_id: i64,
    pub version: i64,
    pub body: String,
    pub submitted_at: DateTime<Utc>,
    pub returned_at: Option<DateTime<Utc>>,
    pub return_comment: Option<String>,
    pub resubmitted_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
}

impl ReceiptRow {
    pub fn receipt(&self) -> Receipt {
        Receipt {
            submitted_at: Some(self.submitted_at),
            returned_at: self.returned_at,
            resubmitted_at: self.resubmitted_at,
            accepted_at: self.accepted_at,
        }
    }
    pub fn values(&self) -> BTreeMap<String, Value> {
        serde_json::from_str(&self.body).unwrap_or_default()
    }
}

/// One submitter's standing with one receiver for a period.
#[derive(Debug, Clone, Serialize)]
pub struct Standing {
    pub org: Org,
    pub receiver_id: i64,
    pub receiver_name: String,
    pub state: ReceiptState,
    pub receipt: Option<ReceiptRow>,
}

const TEMPLATE_COLS: &str = "t.id, t.org_id, o.name AS org_name, t.name, t.cadence, \
    t.first_due_day, t.due_days, t.once_due, t.submit_root, r.name AS submit_root_name, r.path \
    AS submit_root_path, t.submit_sector, t.submit_type, t.grace_days, t.starts_on, t.version, \
    t.fields, t.created_at";

const TEMPLATE_FROM: &str = "FROM report_templates t JOIN orgs o ON o.id = t.org_id JOIN orgs r \
    ON r.id = t.submit_root";

const RECEIPT_COLS: &str = "template_id, period_key, org_id, receiver_id, version, body, \
    submitted_at, returned_at, return_comment, resubmitted_at, accepted_at";

fn writes(scope: &Scope, o: &Org) -> bool {
    crate::posts::writes_life(scope, &o.org_path())
}

impl Store {
    fn template_checks(&self, f: &TemplateInput) -> Result<()> {
        if f.name.trim().is_empty() || f.name.chars().count() > 100 {
            return Err(StoreError::invalid(
                "name",
                "请填写报表名称（最多 100 个字）",
            ));
        }
        if let Some(p) = f.schedule.problems().into_iter().next() {
            return Err(StoreError::invalid("cadence", p));
        }
        if let Some(p) = field_problems(&f.fields).into_iter().next() {
            return Err(StoreError::invalid("fields", p));
        }
        if f.receivers.is_empty() {
            return Err(StoreError::invalid("receivers", "请至少指定一个接收单位"));
        }
        if !(0..=60).contains(&f.grace_days) {
            return Err(StoreError::invalid(
                "grace_days",
                "退回后重新报送的期限须为 0 到 60 天",
            ));
        }
        Ok(())
    }

    /// Builds a template owned by `org_id` (an upper organisation the caller administers).
    pub async fn report_template_create(
        &self,
        actor: &Actor,
        scope: &Scope,
        org_id: i64,
        f: &TemplateInput,
    ) -> Result<Template> {
        let owner = self.org_get(scope, org_id).await?;
        if !writes(scope, &owner) {
            return Err(StoreError::Forbidden);
        }
        self.template_checks(f)?;
        let root = match self.org_get(scope, f.submit_root).await {
            Ok(r) => r,
            Err(StoreError::NotFound(_)) | Err(StoreError::Forbidden) => {
                return Err(StoreError::invalid(
                    "submit_root",
                    "报送范围须是您管理范围内的组织",
                ))
            }
            Err(e) => return Err(e),
        };
        let fields = serde_json::to_string(&f.fields).expect("plain struct");
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        for r in &f.receivers {
            let ok: i64 = on_tx!(&mut tx, |c| {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM orgs WHERE id = $1 AND archived_at IS NULL",
                )
                .bind(*r)
                .fetch_one(&mut *c)
                .await?
            });
            if ok == 0 {
                return Err(StoreError::invalid("receivers", "接收单位不存在"));
            }
        }
        let id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
                "INSERT INTO report_templates (org_id, name, cadence, first_due_day, due_days, \
                 once_due, submit_root, submit_sector, submit_type, grace_days, starts_on, \
                 fields, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
                 $13) RETURNING id",
            )
            .bind(owner.id)
            .bind(f.name.trim())
            .bind(f.schedule.cadence.code())
            .bind(i64::from(f.schedule.first_due_day))
            .bind(f.schedule.due_days)
            .bind(f.schedule.once_due)
            .bind(root.id)
            .bind(f.submit_sector.map(|s| s.code()))
            .bind(f.submit_type.map(|t| t.code()))
            .bind(f.grace_days)
            .bind(f.starts_on)
            .bind(&fields)
            .bind(now)
            .fetch_one(&mut *c)
            .await?
        });
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO report_template_versions (template_id, version, fields, created_at) \
                 VALUES ($1, 1, $2, $3)",
            )
            .bind(id)
            .bind(&fields)
            .bind(now)
            .execute(&mut *c)
            .await?;
            for r in &f.receivers {
                sqlx::query("INSERT INTO report_receivers (template_id, org_id) VALUES ($1, $2)")
                    .bind(id)
                    .bind(*r)
                    .execute(&mut *c)
                    .await?;
            }
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "report.template",
                format!(
                    "{}：建立报表《{}》（{}，{} 个填报项，报送范围 {}，接收单位 {} 个）",
                    owner.name,
                    f.name.trim(),
                    f.schedule.cadence.label(),
                    f.fields.len(),
                    root.name,
                    f.receivers.len()
                ),
            )
            .on("report_template", id),
        )
        .await?;
        tx.commit().await?;
        self.findings_refresh_subtree(&root.org_path()).await;
        self.report_template_get(scope, id).await
    }

    /// Changes a template: a new version; what was submitted keeps the version it was made on.
    pub async fn report_template_update(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        f: &TemplateInput,
    ) -> Result<Template> {
        let t = self.report_template_get(scope, id).await?;
        let owner = self.org_get(scope, t.org_id).await?;
        if !writes(scope, &owner) {
            return Err(StoreError::Forbidden);
        }
        self.template_checks(f)?;
        if self.org_get(scope, f.submit_root).await.is_err() {
            return Err(StoreError::invalid(
                "submit_root",
                "报送范围须是您管理范围内的组织",
            ));
        }
        let fields = serde_json::to_string(&f.fields).expect("plain struct");
        let now = self.clock.now();
        let version = t.version + 1;
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, |c| {
            let n = sqlx::query(
                "UPDATE report_templates SET name = $1, cadence = $2, first_due_day = $3, \
                 due_days = $4, once_due = $5, submit_root = $6, submit_sector = $7, \
                 submit_type = $8, grace_days = $9, starts_on = $10, fields = $11, version = $12 \
                 WHERE id = $13 AND version = $14",
            )
            .bind(f.name.trim())
            .bind(f.schedule.cadence.code())
            .bind(i64::from(f.schedule.first_due_day))
            .bind(f.schedule.due_days)
            .bind(f.schedule.once_due)
            .bind(f.submit_root)
            .bind(f.submit_sector.map(|s| s.code()))
            .bind(f.submit_type.map(|t| t.code()))
            .bind(f.grace_days)
            .bind(f.starts_on)
            .bind(&fields)
            .bind(version)
            .bind(id)
            .bind(t.version)
            .execute(&mut *c)
            .await?
            .rows_affected();
            if n == 1 {
                sqlx::query(
                    "INSERT INTO report_template_versions (template_id, version, fields, \
                     created_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(id)
                .bind(version)
                .bind(&fields)
                .bind(now)
                .execute(&mut *c)
                .await?;
                sqlx::query("DELETE FROM report_receivers WHERE template_id = $1")
                    .bind(id)
                    .execute(&mut *c)
                    .await?;
                for r in &f.receivers {
                    sqlx::query(
                        "INSERT INTO report_receivers (template_id, org_id) VALUES ($1, $2)",
                    )
                    .bind(id)
                    .bind(*r)
                    .execute(&mut *c)
                    .await?;
                }
            }
            n
        });
        if n == 0 {
            return Err(StoreError::Conflict);
        }
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "report.template",
                format!("报表《{}》改为第 {version} 版", f.name.trim()),
            )
            .on("report_template", id),
        )
        .await?;
        tx.commit().await?;
        self.findings_refresh_subtree(&OrgPath::from_stored(t.submit_root_path.clone()))
            .await;
        self.report_template_get(scope, id).await
    }

    /// A template the caller sees: its owner, its receivers and its submitters see it.
    pub async fn report_template_get(&self, scope: &Scope, id: i64) -> Result<Template> {
        let t: Option<Template> = on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "SELECT {TEMPLATE_COLS} {TEMPLATE_FROM} WHERE t.id = $1 AND t.archived_at IS NULL"
            ))
            .bind(id)
            .fetch_optional(p)
            .await?
        });
        let Some(t) = t else {
            return Err(StoreError::NotFound("报表不存在"));
        };
        let Scope::Subtree { path, .. } = scope else {
            return Err(StoreError::NotFound("报表不存在"));
        };
        let owner = self.org_get(&Scope::Structure, t.org_id).await?;
        let receivers = self.report_receivers(t.id).await?;
        let root = OrgPath::from_stored(t.submit_root_path.clone());
        let sees = path.contains(&owner.org_path())
            || receivers.iter().any(|r| path.contains(&r.org_path()))
            || root.contains(path)
            || path.contains(&root);
        if sees {
            Ok(t)
        } else {
            Err(StoreError::NotFound("报表不存在"))
        }
    }

    pub async fn report_receivers(&self, template: i64) -> Result<Vec<Org>> {
        Ok(on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "SELECT {} FROM report_receivers r JOIN orgs o ON o.id = r.org_id WHERE \
                 r.template_id = $1 ORDER BY o.path",
                crate::orgs::ORG_COLS
            ))
            .bind(template)
            .fetch_all(p)
            .await?
        }))
    }

    /// The fields of a version of a template.
    pub async fn report_fields(&self, template: i64, version: i64) -> Result<Vec<Field>> {
        let s: Option<String> = on_db!(&self.db, |p| {
            sqlx::query_scalar(
                "SELECT fields FROM report_template_versions WHERE template_id = $1 AND version \
                 = $2",
            )
            .bind(template)
            .bind(version)
            .fetch_optional(p)
            .await?
        });
        Ok(s.and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default())
    }

    /// Templates touching an organisation: those it (or its subtree) owns, those it receives,
    /// and those it submits.
    pub async fn report_templates_for(
        &self,
        scope: &Scope,
        org: &Org,
    ) -> Result<(Vec<Template>, Vec<Template>, Vec<Template>)> {
        if !matches!(scope, Scope::Subtree { .. }) || !scope.sees_org(&org.org_path()) {
            return Err(StoreError::NotFound("组织不存在"));
        }
        let all: Vec<Template> = on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "SELECT {TEMPLATE_COLS} {TEMPLATE_FROM} WHERE t.archived_at IS NULL ORDER BY t.id"
            ))
            .fetch_all(p)
            .await?
        });
        let received: Vec<i64> = on_db!(&self.db, |p| {
            sqlx::query_scalar("SELECT template_id FROM report_receivers WHERE org_id = $1")
                .bind(org.id)
                .fetch_all(p)
                .await?
        });
        let path = org.org_path();
        let mut owned = Vec::new();
        let mut receiving = Vec::new();
        let mut submitting = Vec::new();
        for t in all {
            let owner_path: Option<String> = on_db!(&self.db, |p| {
                sqlx::query_scalar("SELECT path FROM orgs WHERE id = $1")
                    .bind(t.org_id)
                    .fetch_optional(p)
                    .await?
            });
            if owner_path.is_some_and(|p| path.contains(&OrgPath::from_stored(p))) {
                owned.push(t.clone());
            }
            if received.contains(&t.id) {
                receiving.push(t.clone());
            }
            if t.applies_to(org) {
                submitting.push(t);
            }
        }
        Ok((owned, receiving, submitting))
    }

    /// The organisations that submit a template.
    pub async fn report_submitters(&self, t: &Template) -> Result<Vec<Org>> {
        let root = OrgPath::from_stored(t.submit_root_path.clone());
        let orgs: Vec<Org> = on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "SELECT {} FROM orgs o WHERE o.path >= $1 AND o.path < $2 AND o.archived_at IS \
                 NULL ORDER BY o.code",
                crate::orgs::ORG_COLS
            ))
            .bind(root.as_str())
            .bind(root.upper_bound())
            .fetch_all(p)
            .await?
        });
        Ok(orgs.into_iter().filter(|o| t.applies_to(o)).collect())
    }

    /// The working copy of a period (its version and values), or the values the system fills
    /// in from what it holds, on the template's current version.
    pub async fn report_draft(
        &self,
        scope: &Scope,
        t: &Template,
        period: &Period,
        org: &Org,
    ) -> Result<(i64, BTreeMap<String, Value>, bool)> {
        if !t.applies_to(org) || !scope.sees_org(&org.org_path()) {
            return Err(StoreError::NotFound("该组织不报送此报表"));
        }
        let row: Option<(i64, String)> = on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT version, body FROM report_drafts WHERE template_id = $1 AND period_key = \
                 $2 AND org_id = $3",
            )
            .bind(t.id)
            .bind(&period.key)
            .bind(org.id)
            .fetch_optional(p)
            .await?
        });
        if let Some((v, body)) = row {
            return Ok((v, serde_json::from_str(&body).unwrap_or_default(), false));
        }
        // Sent without a working copy kept here (loaded from elsewhere): what was sent.
        let sent: Option<(i64, String)> = on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT version, body FROM report_receipts WHERE template_id = $1 AND period_key \
                 = $2 AND org_id = $3 ORDER BY COALESCE(resubmitted_at, submitted_at) DESC LIMIT \
                 1",
            )
            .bind(t.id)
            .bind(&period.key)
            .bind(org.id)
            .fetch_optional(p)
            .await?
        });
        if let Some((v, body)) = sent {
            return Ok((v, serde_json::from_str(&body).unwrap_or_default(), false));
        }
        let fields = t.field_list();
        Ok((
            t.version,
            self.report_prefill(&fields, period, org).await?,
            true,
        ))
    }

    /// What the system already holds for a period, by field ("enter once").
    async fn report_prefill(
        &self,
        fields: &[Field],
        p: &Period,
        org: &Org,
    ) -> Result<BTreeMap<String, Value>> {
        let mut out = BTreeMap::new();
        if fields.iter().all(|f| f.source == Source::None) {
            return Ok(out);
        }
        let life = self.life_config().await?;
        let path = org.org_path();
        type Held = (
            NaiveDate,
            String,
            String,
            Option<String>,
            i64,
            i64,
            Option<i64>,
            Option<i64>,
        );
        let meetings: Vec<Held> = on_db!(&self.db, |pool| {
            sqlx::query_as(
                "SELECT m.meeting_date, m.kind, m.topic, m.decisions, (SELECT COUNT(*) FROM \
                 meeting_attendees a WHERE a.meeting_id = m.id), (SELECT COUNT(*) FROM \
                 meeting_attendees a WHERE a.meeting_id = m.id AND a.status = 'present'), \
                 m.expected_count, m.present_count FROM meetings m JOIN orgs o ON o.id = \
                 m.org_id WHERE o.path >= $1 AND o.path < $2 AND m.meeting_date >= $3 AND \
                 m.meeting_date <= $4 AND m.status IN ('in_session', 'held', 'minuted', \
                 'approved') ORDER BY m.meeting_date, m.id",
            )
            .bind(path.as_str())
            .bind(path.upper_bound())
            .bind(p.from)
            .bind(p.to)
            .fetch_all(pool)
            .await?
        });
        let attendance = |e: i64, pr: i64, ec: Option<i64>, pc: Option<i64>| {
            if e > 0 {
                format!("{pr}/{e}")
            } else {
                format!("{}/{}", pc.unwrap_or(0), ec.unwrap_or(0))
            }
        };
        for f in fields {
            let v = match f.source {
                Source::None => continue,
                Source::Meetings if f.kind == FieldKind::Table => Value::Rows(
                    meetings
                        .iter()
                        .map(|(d, k, topic, _, e, pr, ec, pc)| {
                            let cells = [
                                d.to_string(),
                                life.kind_label(k).to_string(),
                                topic.clone(),
                                attendance(*e, *pr, *ec, *pc),
                            ];
                            f.columns
                                .iter()
                                .enumerate()
                                .map(|(i, _)| cells.get(i).cloned().unwrap_or_default())
                                .collect()
                        })
                        .collect(),
                ),
                Source::Meetings => Value::Text(
                    meetings
                        .iter()
                        .map(|(d, k, topic, _, e, pr, ec, pc)| {
                            format!(
                                "{d} {}「{topic}」，出席 {}",
                                life.kind_label(k),
                                attendance(*e, *pr, *ec, *pc)
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n"),
                ),
                Source::Decisions => Value::Text(
                    meetings
                        .iter()
                        .filter_map(|m| m.3.clone())
                        .collect::<Vec<_>>()
                        .join("\n"),
                ),
                Source::Development => {
                    let counts: (i64, i64, i64, i64, i64) = on_db!(&self.db, |pool| {
                        sqlx::query_as(
                            "SELECT COUNT(CASE WHEN application_date BETWEEN $3 AND $4 THEN 1 \
                             END), COUNT(CASE WHEN activist_date BETWEEN $3 AND $4 THEN 1 END), \
                             COUNT(CASE WHEN candidate_date BETWEEN $3 AND $4 THEN 1 END), \
                             COUNT(CASE WHEN admission_date BETWEEN $3 AND $4 THEN 1 END), \
                             COUNT(CASE WHEN conversion_date BETWEEN $3 AND $4 THEN 1 END) FROM \
                             members WHERE org_path >= $1 AND org_path < $2",
                        )
                        .bind(path.as_str())
                        .bind(path.upper_bound())
                        .bind(p.from)
                        .bind(p.to)
                        .fetch_one(pool)
                        .await?
                    });
                    Value::Text(format!(
                        "收到入党申请 {} 人，确定入党积极分子 {} 人，确定发展对象 {} 人，接收预备党员 {} 人，预备党员转正 {} 人",
                        counts.0, counts.1, counts.2, counts.3, counts.4
                    ))
                }
                Source::Dues => {
                    let fen: Option<i64> = on_db!(&self.db, |pool| {
                        sqlx::query_scalar(
                            "SELECT SUM(d.amount_fen) FROM dues_payments d JOIN members m ON m.id \
                             = d.member_id WHERE m.org_path >= $1 AND m.org_path < $2 AND \
                             d.paid_on IS NOT NULL AND d.month >= $3 AND d.month <= $4",
                        )
                        .bind(path.as_str())
                        .bind(path.upper_bound())
                        .bind(p.from.with_day0(0).unwrap_or(p.from))
                        .bind(p.to)
                        .fetch_one(pool)
                        .await?
                    });
                    let fen = fen.unwrap_or(0);
                    Value::Text(format!("{}.{:02}", fen / 100, fen % 100))
                }
            };
            out.insert(f.key.clone(), v);
        }
        Ok(out)
    }

    /// Saves the working copy; with `send_to`, sends it to those receivers (a first sending, or
    /// a resending of one returned). Sending checks every value against the fields.
    #[allow(clippy::too_many_arguments)] // who, which report, what, to whom
    pub async fn report_save(
        &self,
        actor: &Actor,
        scope: &Scope,
        template: i64,
        period_key: &str,
        org_id: i64,
        values: &BTreeMap<String, Value>,
        send_to: &[i64],
    ) -> Result<Vec<(String, String)>> {
        let t = self.report_template_get(scope, template).await?;
        let org = self.org_get(scope, org_id).await?;
        if !writes(scope, &org) {
            return Err(StoreError::Forbidden);
        }
        if !t.applies_to(&org) {
            return Err(StoreError::NotFound("该组织不报送此报表"));
        }
        let today = self.clock.today();
        let Some(period) = t.schedule().period(period_key).filter(|p| {
            p.to >= t.starts_on && p.from <= xianfeng_domain::dates::add_months(today, 1)
        }) else {
            return Err(StoreError::NotFound("没有这一期"));
        };
        let (version, _, _) = self.report_draft(scope, &t, &period, &org).await?;
        let fields = self.report_fields(t.id, version).await?;
        let receivers = self.report_receivers(t.id).await?;
        if send_to
            .iter()
            .any(|r| !receivers.iter().any(|x| x.id == *r))
        {
            return Err(StoreError::invalid("send_to", "只能报送给本报表的接收单位"));
        }
        if !send_to.is_empty() {
            let problems = check_values(&fields, values);
            if !problems.is_empty() {
                return Ok(problems);
            }
        }
        // A file named in a value must be one uploaded for this report of this organisation.
        let problems = self
            .report_files_check(t.id, &period.key, org.id, &fields, values)
            .await?;
        if !problems.is_empty() {
            return Ok(problems);
        }
        let body = serde_json::to_string(values).expect("plain values");
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO report_drafts (template_id, period_key, org_id, version, body, \
                 updated_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (template_id, \
                 period_key, org_id) DO UPDATE SET body = excluded.body, updated_at = \
                 excluded.updated_at",
            )
            .bind(t.id)
            .bind(&period.key)
            .bind(org.id)
            .bind(version)
            .bind(&body)
            .bind(now)
            .execute(&mut *c)
            .await?;
        });
        let mut sent = Vec::new();
        for r in send_to {
            let existing: Option<ReceiptRow> = on_tx!(&mut tx, |c| {
                sqlx::query_as(&format!(
                    "SELECT {RECEIPT_COLS} FROM report_receipts WHERE template_id = $1 AND \
                     period_key = $2 AND org_id = $3 AND receiver_id = $4"
                ))
                .bind(t.id)
                .bind(&period.key)
                .bind(org.id)
                .bind(*r)
                .fetch_optional(&mut *c)
                .await?
            });
            let name = receivers
                .iter()
                .find(|x| x.id == *r)
                .map(|x| x.name.clone())
                .unwrap_or_default();
            match existing {
                None => {
                    on_tx!(&mut tx, |c| {
                        sqlx::query(
                            "INSERT INTO report_receipts (template_id, period_key, org_id, \
                             receiver_id, version, body, submitted_at) VALUES ($1, $2, $3, $4, \
                             $5, $6, $7) ON CONFLICT DO NOTHING",
                        )
                        .bind(t.id)
                        .bind(&period.key)
                        .bind(org.id)
                        .bind(*r)
                        .bind(version)
                        .bind(&body)
                        .bind(now)
                        .execute(&mut *c)
                        .await?;
                    });
                }
                Some(rc)
                    if receipt_state(&period, &rc.receipt(), now) == ReceiptState::Returned =>
                {
                    on_tx!(&mut tx, |c| {
                        sqlx::query(
                            "UPDATE report_receipts SET body = $1, resubmitted_at = $2 WHERE \
                             template_id = $3 AND period_key = $4 AND org_id = $5 AND \
                             receiver_id = $6",
                        )
                        .bind(&body)
                        .bind(now)
                        .bind(t.id)
                        .bind(&period.key)
                        .bind(org.id)
                        .bind(*r)
                        .execute(&mut *c)
                        .await?;
                    });
                }
                Some(_) => {
                    return Err(StoreError::invalid(
                        "send_to",
                        format!("已报送{name}；需要修改请联系{name}退回"),
                    ))
                }
            }
            sent.push(name);
        }
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                if sent.is_empty() {
                    "report.save"
                } else {
                    "report.submit"
                },
                format!(
                    "{}：《{}》{}{}",
                    org.name,
                    t.name,
                    period.label,
                    if sent.is_empty() {
                        "保存草稿".to_string()
                    } else {
                        format!("报送{}", sent.join("、"))
                    }
                ),
            )
            .on("report_template", t.id),
        )
        .await?;
        tx.commit().await?;
        if !sent.is_empty() {
            self.findings_refresh_orgs(&[org.id]).await;
        }
        Ok(Vec::new())
    }

    /// A receiver returns a report with comments, or accepts it.
    #[allow(clippy::too_many_arguments)] // which report of whom, and what
    pub async fn report_review(
        &self,
        actor: &Actor,
        scope: &Scope,
        template: i64,
        period_key: &str,
        submitter: i64,
        receiver: i64,
        comment: Option<&str>,
    ) -> Result<()> {
        let t = self.report_template_get(scope, template).await?;
        let recv = self.org_get(scope, receiver).await?;
        if !writes(scope, &recv) {
            return Err(StoreError::Forbidden);
        }
        if !self
            .report_receivers(t.id)
            .await?
            .iter()
            .any(|r| r.id == receiver)
        {
            return Err(StoreError::NotFound("不是本报表的接收单位"));
        }
        let now = self.clock.now();
        let comment = match comment {
            Some(c) => Some(
                xianfeng_domain::text::optional_lines(c, 1000)
                    .map_err(|_| StoreError::invalid("comment", "退回意见最多 1000 个字"))?
                    .ok_or_else(|| StoreError::invalid("comment", "请写明退回修改的意见"))?,
            ),
            None => None,
        };
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, |c| {
            let q = match &comment {
                Some(_) => sqlx::query(
                    "UPDATE report_receipts SET returned_at = $1, return_comment = $2, \
                     resubmitted_at = NULL WHERE template_id = $3 AND period_key = $4 AND org_id \
                     = $5 AND receiver_id = $6 AND accepted_at IS NULL",
                ),
                None => sqlx::query(
                    "UPDATE report_receipts SET accepted_at = $1, return_comment = COALESCE($2, \
                     return_comment) WHERE template_id = $3 AND period_key = $4 AND org_id = $5 \
                     AND receiver_id = $6 AND accepted_at IS NULL AND (returned_at IS NULL OR \
                     resubmitted_at >= returned_at)",
                ),
            };
            q.bind(now)
                .bind(&comment)
                .bind(t.id)
                .bind(period_key)
                .bind(submitter)
                .bind(receiver)
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::invalid(
                "comment",
                "该报表尚未报送、已接收，或已退回等待重新报送",
            ));
        }
        let who = self.org_get(&Scope::Structure, submitter).await?;
        if let Some(c) = &comment {
            let accounts = Self::accounts_of_orgs(&mut tx, &[submitter]).await?;
            self.notice_emit(
                &mut tx,
                &crate::notices::NewNotice {
                    kind: "report_returned",
                    org_id: Some(submitter),
                    title: format!("《{}》（{period_key}）被{}退回修改", t.name, recv.name),
                    body: format!("退回意见：{c}"),
                    link: Some(format!(
                        "/reports/templates/{}/fill?org={submitter}&period={period_key}",
                        t.id
                    )),
                    key: format!(
                        "report_returned:{}:{period_key}:{submitter}:{receiver}:{}",
                        t.id,
                        now.timestamp_micros()
                    ),
                },
                &accounts,
            )
            .await?;
        }
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                if comment.is_some() {
                    "report.return"
                } else {
                    "report.accept"
                },
                format!(
                    "{}：{}的《{}》（{}）{}",
                    recv.name,
                    who.name,
                    t.name,
                    period_key,
                    match &comment {
                        Some(c) => format!("退回修改：{c}"),
                        None => "已接收".into(),
                    }
                ),
            )
            .on("report_template", t.id),
        )
        .await?;
        tx.commit().await?;
        self.findings_refresh_orgs(&[submitter]).await;
        Ok(())
    }

    /// What one submitter sent for a period, by receiver.
    pub async fn report_receipts_of(
        &self,
        template: i64,
        period_key: &str,
        org_id: i64,
    ) -> Result<Vec<ReceiptRow>> {
        Ok(on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "SELECT {RECEIPT_COLS} FROM report_receipts WHERE template_id = $1 AND \
                 period_key = $2 AND org_id = $3 ORDER BY receiver_id"
            ))
            .bind(template)
            .bind(period_key)
            .bind(org_id)
            .fetch_all(p)
            .await?
        }))
    }

    /// Every submitter's standing with one receiver for a period (the receiver's live view).
    pub async fn report_standings(
        &self,
        scope: &Scope,
        t: &Template,
        period: &Period,
        receiver: &Org,
    ) -> Result<Vec<Standing>> {
        if !scope.sees_org(&receiver.org_path()) {
            return Err(StoreError::NotFound("组织不存在"));
        }
        let rows: Vec<ReceiptRow> = on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "SELECT {RECEIPT_COLS} FROM report_receipts WHERE template_id = $1 AND \
                 period_key = $2 AND receiver_id = $3"
            ))
            .bind(t.id)
            .bind(&period.key)
            .bind(receiver.id)
            .fetch_all(p)
            .await?
        });
        let mut by: HashMap<i64, ReceiptRow> = rows.into_iter().map(|r| (r.org_id, r)).collect();
        let now = self.clock.now();
        Ok(self
            .report_submitters(t)
            .await?
            .into_iter()
            .map(|o| {
                let receipt = by.remove(&o.id);
                let state = receipt_state(
                    period,
                    &receipt.as_ref().map(|r| r.receipt()).unwrap_or_default(),
                    now,
                );
                Standing {
                    org: o,
                    receiver_id: receiver.id,
                    receiver_name: receiver.name.clone(),
                    state,
                    receipt,
                }
            })
            .collect())
    }

    /// The deliveries each submitting organisation owes (RPT-001, RPT-002's facts), for the
    /// organisations of a subtree (`None`: all).
    pub(crate) async fn reports_for_check(
        &self,
        orgs: &[Org],
        ids: Option<(i64, i64)>,
        as_of: NaiveDate,
    ) -> Result<HashMap<i64, Vec<ReportDue>>> {
        let templates: Vec<Template> = on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "SELECT {TEMPLATE_COLS} {TEMPLATE_FROM} WHERE t.archived_at IS NULL"
            ))
            .fetch_all(p)
            .await?
        });
        let mut out: HashMap<i64, Vec<ReportDue>> = HashMap::new();
        if templates.is_empty() {
            return Ok(out);
        }
        let lookback = xianfeng_domain::dates::add_months(as_of, -60);
        for t in &templates {
            let subs: Vec<&Org> = orgs.iter().filter(|o| t.applies_to(o)).collect();
            if subs.is_empty() {
                continue;
            }
            let receivers = self.report_receivers(t.id).await?;
            let periods: Vec<Period> = t
                .schedule()
                .periods_between(
                    lookback.max(t.starts_on),
                    as_of + chrono::TimeDelta::days(31),
                )
                .into_iter()
                .filter(|p| p.to >= t.starts_on && p.opens <= as_of)
                .collect();
            // A few organisations (a re-check after a write): only their receipts; a slice of
            // the check: those of its span of ids.
            let few: Option<Vec<i64>> =
                (subs.len() <= 200).then(|| subs.iter().map(|o| o.id).collect());
            let rows: Vec<ReceiptRow> = on_db!(&self.db, |p| {
                let mut q = sqlx::QueryBuilder::new(format!(
                    "SELECT {RECEIPT_COLS} FROM report_receipts WHERE template_id = "
                ));
                q.push_bind(t.id);
                if let Some(ids) = &few {
                    q.push(" AND org_id IN (");
                    let mut sep = q.separated(", ");
                    for id in ids {
                        sep.push_bind(*id);
                    }
                    q.push(")");
                } else if let Some((lo, hi)) = ids {
                    q.push(" AND org_id >= ")
                        .push_bind(lo)
                        .push(" AND org_id < ")
                        .push_bind(hi);
                }
                q.build_query_as().fetch_all(p).await?
            });
            let mut got: HashMap<(i64, String, i64), Receipt> = HashMap::new();
            for r in rows {
                got.insert((r.org_id, r.period_key.clone(), r.receiver_id), r.receipt());
            }
            for o in subs {
                for p in &periods {
                    for r in &receivers {
                        let receipt = got
                            .get(&(o.id, p.key.clone(), r.id))
                            .copied()
                            .unwrap_or_default();
                        out.entry(o.id).or_default().push(ReportDue {
                            template_id: t.id,
                            template: t.name.clone(),
                            period: p.clone(),
                            receiver_id: r.id,
                            receiver: r.name.clone(),
                            receipt,
                            grace_days: t.grace_days,
                        });
                    }
                }
            }
        }
        Ok(out)
    }
}

impl Store {
    /// Notices to the submitters of every report whose window opens today.
    pub(crate) async fn report_window_notices(&self, today: NaiveDate) -> Result<usize> {
        let templates: Vec<Template> = on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "SELECT {TEMPLATE_COLS} {TEMPLATE_FROM} WHERE t.archived_at IS NULL"
            ))
            .fetch_all(p)
            .await?
        });
        let mut n = 0;
        for t in templates {
            let opening: Vec<Period> = t
                .schedule()
                .periods_between(today, today)
                .into_iter()
                .filter(|p| p.opens == today && p.to >= t.starts_on)
                .collect();
            if opening.is_empty() {
                continue;
            }
            let subs = self.report_submitters(&t).await?;
            for p in &opening {
                let mut tx = self.begin().await?;
                for o in &subs {
                    let who = Self::accounts_of_orgs(&mut tx, &[o.id]).await?;
                    if self
                        .notice_emit(
                            &mut tx,
                            &crate::notices::NewNotice {
                                kind: "report_open",
                                org_id: Some(o.id),
                                title: format!("《{}》{}开始报送", t.name, p.label),
                                body: format!("报送期 {} 至 {}。", p.opens, p.closes),
                                link: Some(format!(
                                    "/reports/templates/{}/fill?org={}&period={}",
                                    t.id, o.id, p.key
                                )),
                                key: format!("report_open:{}:{}:{}", t.id, p.key, o.id),
                            },
                            &who,
                        )
                        .await?
                        .is_some()
                    {
                        n += 1;
                    }
                }
                tx.commit().await?;
            }
        }
        Ok(n)
    }
}

/// One delivery owed, as the store loads it for the check.
#[derive(Debug, Clone)]
pub(crate) struct ReportDue {
    pub template_id: i64,
    pub template: String,
    pub period: Period,
    pub receiver_id: i64,
    pub receiver: String,
    pub receipt: Receipt,
    pub grace_days: i64,
}

/// A file attached to a report, without its bytes.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct ReportFile {
    pub id: i64,
    pub template_id: i64,
    pub period_key: String,
    pub org_id: i64,
    pub field_key: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_at: DateTime<Utc>,
}

/// The ids of the files a value of an attachment field names.
pub fn file_ids(v: Option<&Value>) -> Vec<i64> {
    match v {
        Some(Value::Rows(rows)) => rows
            .iter()
            .filter_map(|r| r.first().and_then(|id| id.parse().ok()))
            .collect(),
        _ => Vec::new(),
    }
}

impl Store {
    /// Problems with the files the values name: each must be one uploaded for this template,
    /// period and organisation, into the same field.
    async fn report_files_check(
        &self,
        template: i64,
        period_key: &str,
        org_id: i64,
        fields: &[Field],
        values: &BTreeMap<String, Value>,
    ) -> Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        for f in fields.iter().filter(|f| f.kind == FieldKind::Attachment) {
            let ids = file_ids(values.get(&f.key));
            if ids.is_empty() {
                continue;
            }
            let mine: Vec<i64> = on_db!(&self.db, |p| {
                sqlx::query_scalar(
                    "SELECT id FROM report_files WHERE template_id = $1 AND period_key = $2 \
                     AND org_id = $3 AND field_key = $4",
                )
                .bind(template)
                .bind(period_key)
                .bind(org_id)
                .bind(&f.key)
                .fetch_all(p)
                .await?
            });
            if ids.iter().any(|id| !mine.contains(id)) {
                out.push((f.key.clone(), format!("“{}”中有无效的文件", f.label)));
            }
        }
        Ok(out)
    }

    /// Keeps a file uploaded into an attachment field of a report (checked by size and
    /// content). The caller adds it to the field's value; until then it belongs to nothing.
    #[allow(clippy::too_many_arguments)] // which report of whom, which field, the file
    pub async fn report_file_add(
        &self,
        actor: &Actor,
        scope: &Scope,
        t: &Template,
        period_key: &str,
        org: &Org,
        field: &Field,
        name: &str,
        bytes: &[u8],
    ) -> Result<ReportFile> {
        if !writes(scope, org) {
            return Err(StoreError::Forbidden);
        }
        if !t.applies_to(org) {
            return Err(StoreError::NotFound("该组织不报送此报表"));
        }
        if field.kind != FieldKind::Attachment {
            return Err(StoreError::invalid("file", "该填报项不能上传文件"));
        }
        if bytes.len() > crate::meetings::MAX_ATTACHMENT {
            return Err(StoreError::invalid(
                "file",
                format!("“{}”的文件不能超过 10 MB", field.label),
            ));
        }
        let name = crate::meetings::upload_name(name);
        let mime = crate::meetings::sniff(&name, bytes)
            .map_err(|e| StoreError::invalid("file", format!("{name}：{e}")))?;
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
                "INSERT INTO report_files (template_id, period_key, org_id, field_key, name, \
                 content_type, size, data, uploaded_at, uploaded_by) VALUES ($1, $2, $3, $4, \
                 $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(t.id)
            .bind(period_key)
            .bind(org.id)
            .bind(&field.key)
            .bind(&name)
            .bind(mime)
            .bind(bytes.len() as i64)
            .bind(bytes)
            .bind(now)
            .bind(actor.account_id)
            .fetch_one(&mut *c)
            .await?
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "report.file",
                format!(
                    "{}：《{}》{period_key}“{}”上传文件 {name}（{} 字节）",
                    org.name,
                    t.name,
                    field.label,
                    bytes.len()
                ),
            )
            .on("report_template", t.id),
        )
        .await?;
        tx.commit().await?;
        Ok(ReportFile {
            id,
            template_id: t.id,
            period_key: period_key.to_string(),
            org_id: org.id,
            field_key: field.key.clone(),
            name,
            content_type: mime.to_string(),
            size: bytes.len() as i64,
            uploaded_at: now,
        })
    }

    /// A report's file with its bytes: for the submitting organisation's scope, and for a
    /// receiver the scope sees to which a report naming the file was sent.
    pub async fn report_file_get(&self, scope: &Scope, id: i64) -> Result<(ReportFile, Vec<u8>)> {
        #[derive(FromRow)]
        struct Row {
            #[sqlx(flatten)]
            f: ReportFile,
            data: Vec<u8>,
        }
        let row: Option<Row> = on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT id, template_id, period_key, org_id, field_key, name, content_type, \
                 size, uploaded_at, data FROM report_files WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(p)
            .await?
        });
        let Some(Row { f, data }) = row else {
            return Err(StoreError::NotFound("文件不存在"));
        };
        if !matches!(scope, Scope::Subtree { .. }) {
            return Err(StoreError::NotFound("文件不存在"));
        }
        let org = self.org_get(&Scope::Structure, f.org_id).await?;
        if scope.sees_org(&org.org_path()) {
            return Ok((f, data));
        }
        let sent: Vec<(String, String)> = on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT o.path, r.body FROM report_receipts r JOIN orgs o ON o.id = \
                 r.receiver_id WHERE r.template_id = $1 AND r.period_key = $2 AND r.org_id = $3",
            )
            .bind(f.template_id)
            .bind(&f.period_key)
            .bind(f.org_id)
            .fetch_all(p)
            .await?
        });
        let shown = sent.iter().any(|(path, body)| {
            scope.sees_org(&OrgPath::from_stored(path.clone()))
                && serde_json::from_str::<BTreeMap<String, Value>>(body)
                    .ok()
                    .is_some_and(|v| file_ids(v.get(&f.field_key)).contains(&f.id))
        });
        if shown {
            Ok((f, data))
        } else {
            Err(StoreError::NotFound("文件不存在"))
        }
    }
}
