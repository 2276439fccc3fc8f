//! Joint-meeting systems (联席会议制度, seed 002): who convenes, which units take part, how
//! often they meet (MTG-008), inspection items assigned to member units with their results, and
//! periodic summaries drafted from the period's meetings and approved by a person.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::FromRow;
use xianfeng_domain::org::OrgPath;
use xianfeng_domain::scope::Scope;

use crate::audit::{Actor, AuditEvent};
use crate::orgs::Org;
use crate::posts::writes_life;
use crate::{lines, on_db, on_tx, text, Result, Store, StoreError, Tx};

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct JointSystem {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub name: String,
    pub duties: Option<String>,
    pub min_per_month: i64,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Convener {
    pub member_id: i64,
    pub name: String,
    pub chief: bool,
    pub title: Option<String>,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Unit {
    pub id: i64,
    pub org_id: Option<i64>,
    pub name: String,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Inspection {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub item: String,
    pub due_date: Option<NaiveDate>,
    pub result: Option<String>,
    pub checked_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Summary {
    pub id: i64,
    pub system_id: i64,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub body: String,
    pub status: String,
    pub approved_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// A system as typed.
#[derive(Debug, Clone, Default)]
pub struct JointInput {
    pub name: String,
    pub duties: String,
    pub min_per_month: i64,
    pub started_on: NaiveDate,
    /// 总召集人
    pub chief: i64,
    /// 召集人, with their title (e.g. 总工会主席).
    pub conveners: Vec<(i64, String)>,
    /// Member units in the tree.
    pub unit_orgs: Vec<i64>,
    /// Member units outside the tree, by name.
    pub outside_units: Vec<String>,
}

/// What MTG-008 reads of one system.
#[derive(Debug, Clone)]
pub(crate) struct JointCheck {
    pub id: i64,
    pub name: String,
    pub min_per_month: i64,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub held: Vec<NaiveDate>,
}

const SYSTEM_COLS: &str = "j.id, j.org_id, o.name AS org_name, j.name, j.duties, \
    j.min_per_month, j.started_on, j.ended_on, j.created_at";

impl Store {
    /// Sets up a joint-meeting system of an organisation.
    pub async fn joint_create(
        &self,
        actor: &Actor,
        scope: &Scope,
        org_id: i64,
        f: &JointInput,
    ) -> Result<JointSystem> {
        let org = self.org_get(scope, org_id).await?;
        if !writes_life(scope, &org.org_path()) {
            return Err(StoreError::Forbidden);
        }
        let name = text("name", &f.name, 100)?
            .ok_or_else(|| StoreError::invalid("name", "请填写联席会议名称"))?;
        let duties = lines("duties", &f.duties, 2000)?;
        if !(1..=31).contains(&f.min_per_month) {
            return Err(StoreError::invalid(
                "min_per_month",
                "每月最少次数须为 1 到 31",
            ));
        }
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        let path = org.org_path();
        let mut people: Vec<(i64, bool, Option<String>)> = vec![(f.chief, true, None)];
        for (m, title) in &f.conveners {
            if *m != f.chief && !people.iter().any(|p| p.0 == *m) {
                people.push((*m, false, text("conveners", title, 50)?));
            }
        }
        let mut named = Vec::new();
        for (m, chief, title) in &people {
            let name = Self::roster_name(&mut tx, &path, *m, "chief").await?;
            named.push((*m, name, *chief, title.clone()));
        }
        let mut units: Vec<(Option<i64>, String)> = Vec::new();
        for o in &f.unit_orgs {
            let u = match self.org_get(scope, *o).await {
                Ok(u) => u,
                Err(StoreError::NotFound(_)) | Err(StoreError::Forbidden) => {
                    return Err(StoreError::invalid(
                        "unit_orgs",
                        "成员单位须是您管理范围内的组织",
                    ))
                }
                Err(e) => return Err(e),
            };
            units.push((Some(u.id), u.name));
        }
        for n in &f.outside_units {
            if let Some(n) = text("outside_units", n, 100)? {
                units.push((None, n));
            }
        }
        if units.is_empty() {
            return Err(StoreError::invalid("unit_orgs", "请至少列出一个成员单位"));
        }
        let id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
                "INSERT INTO joint_systems (org_id, name, duties, min_per_month, started_on, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(org.id)
            .bind(&name)
            .bind(&duties)
            .bind(f.min_per_month)
            .bind(f.started_on)
            .bind(now)
            .fetch_one(&mut *c)
            .await?
        });
        on_tx!(&mut tx, |c| {
            for (m, n, chief, title) in &named {
                sqlx::query(
                    "INSERT INTO joint_conveners (system_id, member_id, name, chief, title) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(*m)
                .bind(n)
                .bind(*chief)
                .bind(title)
                .execute(&mut *c)
                .await?;
            }
            for (o, n) in &units {
                sqlx::query(
                    "INSERT INTO joint_units (system_id, org_id, name) VALUES ($1, $2, $3)",
                )
                .bind(id)
                .bind(*o)
                .bind(n)
                .execute(&mut *c)
                .await?;
            }
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "joint.create",
                format!(
                    "{}：建立联席会议制度“{name}”，总召集人 {}，召集人 {} 人，成员单位 {} 个，每月不少于 {} 次",
                    org.name,
                    named[0].1,
                    named.len() - 1,
                    units.len(),
                    f.min_per_month
                ),
            )
            .on("joint", id),
        )
        .await?;
        tx.commit().await?;
        self.findings_refresh_orgs(&[org.id]).await;
        self.joint_get(scope, id).await
    }

    async fn roster_name(
        tx: &mut Tx,
        path: &OrgPath,
        member_id: i64,
        field: &'static str,
    ) -> Result<String> {
        let row: Option<(String, String)> = on_tx!(tx, |c| {
            sqlx::query_as(
                "SELECT name, org_path FROM members WHERE id = $1 AND archived_at IS NULL",
            )
            .bind(member_id)
            .fetch_optional(&mut *c)
            .await?
        });
        match row {
            Some((name, p)) if path.contains(&OrgPath::from_stored(p.clone())) => Ok(name),
            _ => Err(StoreError::invalid(
                field,
                "召集人须是本组织（含下级）名册中的人员",
            )),
        }
    }

    /// A system the scope sees (out of scope answers as absent).
    pub async fn joint_get(&self, scope: &Scope, id: i64) -> Result<JointSystem> {
        let j: Option<JointSystem> = on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "SELECT {SYSTEM_COLS} FROM joint_systems j JOIN orgs o ON o.id = j.org_id WHERE \
                 j.id = $1"
            ))
            .bind(id)
            .fetch_optional(p)
            .await?
        });
        let Some(j) = j else {
            return Err(StoreError::NotFound("联席会议制度不存在"));
        };
        match self.org_get(scope, j.org_id).await {
            Ok(_) if matches!(scope, Scope::Subtree { .. }) => Ok(j),
            Err(e) if !matches!(e, StoreError::NotFound(_) | StoreError::Forbidden) => Err(e),
            _ => Err(StoreError::NotFound("联席会议制度不存在")),
        }
    }

    /// The systems of an organisation's subtree.
    pub async fn joint_list(&self, scope: &Scope, org: &Org) -> Result<Vec<JointSystem>> {
        if !matches!(scope, Scope::Subtree { .. }) || !scope.sees_org(&org.org_path()) {
            return Err(StoreError::NotFound("组织不存在"));
        }
        let path = org.org_path();
        Ok(on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "SELECT {SYSTEM_COLS} FROM joint_systems j JOIN orgs o ON o.id = j.org_id WHERE \
                 o.path >= $1 AND o.path < $2 ORDER BY o.path, j.id"
            ))
            .bind(path.as_str())
            .bind(path.upper_bound())
            .fetch_all(p)
            .await?
        }))
    }

    pub async fn joint_conveners(&self, scope: &Scope, id: i64) -> Result<Vec<Convener>> {
        self.joint_get(scope, id).await?;
        Ok(on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT member_id, name, chief, title FROM joint_conveners WHERE system_id = $1 \
                 ORDER BY chief DESC, name",
            )
            .bind(id)
            .fetch_all(p)
            .await?
        }))
    }

    pub async fn joint_units(&self, scope: &Scope, id: i64) -> Result<Vec<Unit>> {
        self.joint_get(scope, id).await?;
        Ok(on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT id, org_id, name FROM joint_units WHERE system_id = $1 ORDER BY id",
            )
            .bind(id)
            .fetch_all(p)
            .await?
        }))
    }

    /// Whether a roster person convenes a system (a joint meeting's host must).
    pub(crate) async fn joint_host_check(
        tx: &mut Tx,
        system: i64,
        org_id: i64,
        host: Option<i64>,
    ) -> Result<()> {
        let owner: Option<i64> = on_tx!(tx, |c| {
            sqlx::query_scalar(
                "SELECT org_id FROM joint_systems WHERE id = $1 AND ended_on IS NULL",
            )
            .bind(system)
            .fetch_optional(&mut *c)
            .await?
        });
        if owner != Some(org_id) {
            return Err(StoreError::invalid(
                "joint_id",
                "请选择本组织的联席会议制度",
            ));
        }
        let Some(host) = host else {
            return Err(StoreError::invalid(
                "host_id",
                "联席会议须由召集人主持，请选择主持人",
            ));
        };
        let n: i64 = on_tx!(tx, |c| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM joint_conveners WHERE system_id = $1 AND member_id = $2",
            )
            .bind(system)
            .bind(host)
            .fetch_one(&mut *c)
            .await?
        });
        if n == 0 {
            return Err(StoreError::invalid(
                "host_id",
                "联席会议须由总召集人或召集人主持：所选主持人不是本联席会议的召集人",
            ));
        }
        Ok(())
    }

    /// The conveners of a system, as the default attendees of its meetings.
    pub(crate) async fn joint_convener_ids(tx: &mut Tx, system: i64) -> Result<Vec<i64>> {
        Ok(on_tx!(tx, |c| {
            sqlx::query_scalar("SELECT member_id FROM joint_conveners WHERE system_id = $1")
                .bind(system)
                .fetch_all(&mut *c)
                .await?
        }))
    }

    /// Assigns an inspection item to a member unit.
    pub async fn joint_inspection_add(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        unit_id: i64,
        item: &str,
        due: Option<NaiveDate>,
    ) -> Result<()> {
        let j = self.joint_for_write(scope, id).await?;
        let item = text("item", item, 300)?
            .ok_or_else(|| StoreError::invalid("item", "请填写检查内容"))?;
        let units = self.joint_units(scope, id).await?;
        let Some(unit) = units.iter().find(|u| u.id == unit_id) else {
            return Err(StoreError::invalid("unit_id", "请选择成员单位"));
        };
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO joint_inspections (system_id, unit_id, item, due_date, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(unit_id)
            .bind(&item)
            .bind(due)
            .bind(now)
            .execute(&mut *c)
            .await?;
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "joint.inspection",
                format!("“{}”：检查 {}：{item}", j.name, unit.name),
            )
            .on("joint", id),
        )
        .await?;
        tx.commit().await
    }

    /// Records the result of an inspection item.
    pub async fn joint_inspection_result(
        &self,
        actor: &Actor,
        scope: &Scope,
        inspection_id: i64,
        result: &str,
        on: NaiveDate,
    ) -> Result<i64> {
        let system: Option<i64> = on_db!(&self.db, |p| {
            sqlx::query_scalar("SELECT system_id FROM joint_inspections WHERE id = $1")
                .bind(inspection_id)
                .fetch_optional(p)
                .await?
        });
        let Some(system) = system else {
            return Err(StoreError::NotFound("检查事项不存在"));
        };
        let j = self.joint_for_write(scope, system).await?;
        let result = lines("result", result, 2000)?
            .ok_or_else(|| StoreError::invalid("result", "请填写检查结果"))?;
        if on > self.clock.today() {
            return Err(StoreError::invalid("checked_on", "检查日期不能晚于今天"));
        }
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query("UPDATE joint_inspections SET result = $1, checked_on = $2 WHERE id = $3")
                .bind(&result)
                .bind(on)
                .bind(inspection_id)
                .execute(&mut *c)
                .await?;
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "joint.inspection_result",
                format!("“{}”：检查结果（{on}）：{result}", j.name),
            )
            .on("joint", system),
        )
        .await?;
        tx.commit().await?;
        Ok(system)
    }

    pub async fn joint_inspections(&self, scope: &Scope, id: i64) -> Result<Vec<Inspection>> {
        self.joint_get(scope, id).await?;
        Ok(on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT i.id, i.unit_id, u.name AS unit_name, i.item, i.due_date, i.result, \
                 i.checked_on FROM joint_inspections i JOIN joint_units u ON u.id = i.unit_id \
                 WHERE i.system_id = $1 ORDER BY i.checked_on IS NOT NULL, i.due_date, i.id",
            )
            .bind(id)
            .fetch_all(p)
            .await?
        }))
    }

    async fn joint_for_write(&self, scope: &Scope, id: i64) -> Result<JointSystem> {
        let j = self.joint_get(scope, id).await?;
        let org = self.org_get(scope, j.org_id).await?;
        if !writes_life(scope, &org.org_path()) {
            return Err(StoreError::Forbidden);
        }
        Ok(j)
    }

    /// Drafts the summary of a period from its joint meetings (topics, attendance, decisions)
    /// and inspection results; an existing draft of the period is replaced, an approved one
    /// is kept.
    pub async fn joint_summary_draft(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Summary> {
        let j = self.joint_for_write(scope, id).await?;
        if to < from {
            return Err(StoreError::invalid("period_to", "结束日期不能早于开始日期"));
        }
        let meetings: Vec<(NaiveDate, String, Option<String>, i64, i64)> = on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT m.meeting_date, m.topic, m.decisions, (SELECT COUNT(*) FROM \
                 meeting_attendees a WHERE a.meeting_id = m.id), (SELECT COUNT(*) FROM \
                 meeting_attendees a WHERE a.meeting_id = m.id AND a.status = 'present') FROM \
                 meetings m WHERE m.joint_id = $1 AND m.meeting_date >= $2 AND m.meeting_date <= \
                 $3 AND m.status IN ('in_session', 'held', 'minuted', 'approved') ORDER BY \
                 m.meeting_date",
            )
            .bind(id)
            .bind(from)
            .bind(to)
            .fetch_all(p)
            .await?
        });
        let checks = self.joint_inspections(scope, id).await?;
        let mut body = format!(
            "{}（{from} 至 {to}）工作总结\n\n一、召开会议情况\n本期共召开联席会议 {} 次（制度要求每月不少于 {} 次）。\n",
            j.name,
            meetings.len(),
            j.min_per_month
        );
        for (d, topic, decisions, expected, present) in &meetings {
            body.push_str(&format!(
                "· {d}「{topic}」，应到 {expected} 人，实到 {present} 人。"
            ));
            if let Some(dec) = decisions {
                body.push_str(&format!("决定：{}", dec.replace('\n', "；")));
            }
            body.push('\n');
        }
        body.push_str("\n二、检查督促情况\n");
        let done: Vec<&Inspection> = checks
            .iter()
            .filter(|c| c.checked_on.is_some_and(|d| d >= from && d <= to))
            .collect();
        if done.is_empty() {
            body.push_str("本期没有登记检查结果。\n");
        }
        for c in done {
            body.push_str(&format!(
                "· {}：{}——{}\n",
                c.unit_name,
                c.item,
                c.result.clone().unwrap_or_default()
            ));
        }
        body.push_str("\n三、经验与下一步工作\n（请补充）\n");
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        let existing: Option<(i64, String)> = on_tx!(&mut tx, |c| {
            sqlx::query_as(
                "SELECT id, status FROM joint_summaries WHERE system_id = $1 AND period_from = $2 \
                 AND period_to = $3",
            )
            .bind(id)
            .bind(from)
            .bind(to)
            .fetch_optional(&mut *c)
            .await?
        });
        let sid = match existing {
            Some((_, s)) if s == "approved" => {
                return Err(StoreError::invalid(
                    "period_from",
                    "这一期的总结已审定，不再重新起草",
                ))
            }
            Some((sid, _)) => {
                on_tx!(&mut tx, |c| {
                    sqlx::query(
                        "UPDATE joint_summaries SET body = $1, updated_at = $2 WHERE id = $3",
                    )
                    .bind(&body)
                    .bind(now)
                    .bind(sid)
                    .execute(&mut *c)
                    .await?;
                });
                sid
            }
            None => on_tx!(&mut tx, |c| {
                sqlx::query_scalar(
                    "INSERT INTO joint_summaries (system_id, period_from, period_to, body, \
                     updated_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(id)
                .bind(from)
                .bind(to)
                .bind(&body)
                .bind(now)
                .fetch_one(&mut *c)
                .await?
            }),
        };
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "joint.summary_draft",
                format!("“{}”：起草 {from} 至 {to} 的总结", j.name),
            )
            .on("joint", id),
        )
        .await?;
        tx.commit().await?;
        self.joint_summary_get(scope, sid).await
    }

    pub async fn joint_summary_get(&self, scope: &Scope, sid: i64) -> Result<Summary> {
        let s: Option<Summary> = on_db!(&self.db, |p| {
            sqlx::query_as("SELECT * FROM joint_summaries WHERE id = $1")
                .bind(sid)
                .fetch_optional(p)
                .await?
        });
        let Some(s) = s else {
            return Err(StoreError::NotFound("总结不存在"));
        };
        self.joint_get(scope, s.system_id).await?;
        Ok(s)
    }

    pub async fn joint_summaries(&self, scope: &Scope, id: i64) -> Result<Vec<Summary>> {
        self.joint_get(scope, id).await?;
        Ok(on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT * FROM joint_summaries WHERE system_id = $1 ORDER BY period_from DESC",
            )
            .bind(id)
            .fetch_all(p)
            .await?
        }))
    }

    /// Saves an edited draft, or approves it (`approve`): an approved summary is kept as is.
    pub async fn joint_summary_save(
        &self,
        actor: &Actor,
        scope: &Scope,
        sid: i64,
        body: &str,
        approve: bool,
    ) -> Result<Summary> {
        let s = self.joint_summary_get(scope, sid).await?;
        let j = self.joint_for_write(scope, s.system_id).await?;
        let body = lines("body", body, 20_000)?
            .ok_or_else(|| StoreError::invalid("body", "总结不能为空"))?;
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, |c| {
            sqlx::query(
                "UPDATE joint_summaries SET body = $1, updated_at = $2, status = CASE WHEN $3 THEN \
                 'approved' ELSE status END, approved_at = CASE WHEN $3 THEN $2 ELSE approved_at \
                 END WHERE id = $4 AND status = 'draft'",
            )
            .bind(&body)
            .bind(now)
            .bind(approve)
            .bind(sid)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::invalid("body", "总结已审定，不能再修改"));
        }
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                if approve {
                    "joint.summary_approve"
                } else {
                    "joint.summary_save"
                },
                format!(
                    "“{}”：{} 至 {} 的总结{}",
                    j.name,
                    s.period_from,
                    s.period_to,
                    if approve { "审定" } else { "修改" }
                ),
            )
            .on("joint", s.system_id),
        )
        .await?;
        tx.commit().await?;
        self.joint_summary_get(scope, sid).await
    }

    /// The systems of a subtree (or all) with the days their meetings took place, by owning
    /// organisation, for MTG-008.
    pub(crate) async fn joints_for_check(
        &self,
        range: &crate::development::PathRange,
    ) -> Result<HashMap<i64, Vec<JointCheck>>> {
        type Row = (i64, i64, String, i64, NaiveDate, Option<NaiveDate>);
        let systems: Vec<Row> = on_db!(&self.db, |p| {
            let mut q = sqlx::QueryBuilder::new(
                "SELECT j.id, j.org_id, j.name, j.min_per_month, j.started_on, j.ended_on FROM \
                 joint_systems j JOIN orgs o ON o.id = j.org_id WHERE 1 = 1",
            );
            range.push_paths(&mut q, "o.path");
            range.push_ids(&mut q, "j.org_id");
            q.build_query_as().fetch_all(p).await?
        });
        if systems.is_empty() {
            return Ok(HashMap::new());
        }
        // The meetings of these systems only, through the index on the system (a slice of
        // the check holds a few of them).
        let mut days: Vec<(i64, NaiveDate)> = Vec::new();
        for chunk in systems.chunks(500) {
            let rows: Vec<(i64, NaiveDate)> = on_db!(&self.db, |p| {
                let mut q = sqlx::QueryBuilder::new(
                    "SELECT joint_id, meeting_date FROM meetings WHERE status IN ('in_session', \
                     'held', 'minuted', 'approved') AND joint_id IN (",
                );
                let mut sep = q.separated(", ");
                for s in chunk {
                    sep.push_bind(s.0);
                }
                q.push(")");
                q.build_query_as().fetch_all(p).await?
            });
            days.extend(rows);
        }
        let mut held: HashMap<i64, Vec<NaiveDate>> = HashMap::new();
        for (j, d) in days {
            held.entry(j).or_default().push(d);
        }
        let mut out: HashMap<i64, Vec<JointCheck>> = HashMap::new();
        for (id, org, name, min, started, ended) in systems {
            out.entry(org).or_default().push(JointCheck {
                id,
                name,
                min_per_month: min,
                started_on: started,
                ended_on: ended,
                held: held.remove(&id).unwrap_or_default(),
            });
        }
        Ok(out)
    }
}
