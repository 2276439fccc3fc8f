//! Members out of contact (失去联系): dated events on the roster, with history (MEM-003).
//!
//! Recording a loss sets the member's category to 失联, so that the statistics count them as
//! the national table does, and remembers the category they had; recording the regain
//! restores it. A suspension of standing (停止党籍) is recorded within the episode.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use xianfeng_domain::contact::{may_record, ContactEvent, ContactKind};
use xianfeng_domain::dates::format_date;
use xianfeng_domain::scope::Scope;

use crate::audit::{Actor, AuditEvent};
use crate::{on_db, on_tx, Result, Store, StoreError};

/// One recorded event, as the member page lists it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ContactRow {
    pub id: i64,
    pub member_id: i64,
    pub kind: String,
    pub on_date: NaiveDate,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl ContactRow {
    pub fn kind_label(&self) -> &'static str {
        ContactKind::parse(&self.kind).map_or("", |k| k.label())
    }
    pub fn event(&self) -> Option<ContactEvent> {
        Some(ContactEvent {
            kind: ContactKind::parse(&self.kind)?,
            on: self.on_date,
        })
    }
}

const COLS: &str = "e.id, e.member_id, e.kind, e.on_date, e.note, e.created_at";

impl Store {
    /// A member's contact events, oldest first.
    pub async fn contact_events(&self, scope: &Scope, member_id: i64) -> Result<Vec<ContactRow>> {
        self.member_get(scope, member_id).await?;
        Ok(on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "SELECT {COLS} FROM member_contact_events e WHERE e.member_id = $1 ORDER BY \
                    e.on_date, e.id"
            ))
            .bind(member_id)
            .fetch_all(p)
            .await?
        }))
    }

    /// Records that contact was lost, regained, or that standing was suspended, on a day.
    pub async fn contact_record(
        &self,
        actor: &Actor,
        scope: &Scope,
        member_id: i64,
        kind: ContactKind,
        on: NaiveDate,
        note: Option<&str>,
    ) -> Result<()> {
        let m = self.member_get(scope, member_id).await?;
        if !scope.may_write_member(&m.path()) {
            return Err(StoreError::Forbidden);
        }
        if m.is_archived() {
            return Err(StoreError::invalid("kind", "已出库人员不能登记联系状态"));
        }
        if !xianfeng_domain::members::MemberStatus::parse(&m.status).is_some_and(|s| s.is_member())
        {
            return Err(StoreError::invalid(
                "kind",
                "只有党员（预备党员、正式党员）登记失去联系",
            ));
        }
        if on > self.clock.today() {
            return Err(StoreError::invalid("on_date", "日期不能晚于今天"));
        }
        if on <= m.birth_date {
            return Err(StoreError::invalid("on_date", "日期应晚于出生日期"));
        }
        let before = self.contact_events(scope, member_id).await?;
        let events: Vec<ContactEvent> = before.iter().filter_map(ContactRow::event).collect();
        may_record(&events, kind, on).map_err(|e| StoreError::invalid("kind", e))?;
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        // Again inside the transaction (writers queue on SQLite; the member row is locked on
        // PostgreSQL), so that two submissions at once cannot both record a loss.
        let (category, recorded): (String, Vec<(String, NaiveDate)>) = on_tx!(&mut tx, |c| {
            let lock = match self.engine() {
                crate::Engine::Postgres => " FOR UPDATE",
                crate::Engine::Sqlite => "",
            };
            let category: String =
                sqlx::query_scalar(&format!("SELECT category FROM members WHERE id = $1{lock}"))
                    .bind(member_id)
                    .fetch_one(&mut *c)
                    .await?;
            let recorded = sqlx::query_as(
                "SELECT kind, on_date FROM member_contact_events WHERE member_id = $1",
            )
            .bind(member_id)
            .fetch_all(&mut *c)
            .await?;
            (category, recorded)
        });
        let now_events: Vec<ContactEvent> = recorded
            .iter()
            .filter_map(|(k, on)| {
                Some(ContactEvent {
                    kind: ContactKind::parse(k)?,
                    on: *on,
                })
            })
            .collect();
        may_record(&now_events, kind, on).map_err(|e| StoreError::invalid("kind", e))?;
        // The category to restore on regain: the one before the loss, unless it was already 失联.
        let prev = Some(category).filter(|c| c != "lost_contact");
        match kind {
            ContactKind::Lost => {
                on_tx!(&mut tx, |c| {
                    sqlx::query(
                    "INSERT INTO member_contact_events (member_id, kind, on_date, prev_category, \
                        note, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(member_id).bind(kind.code()).bind(on).bind(&prev).bind(note)
                .bind(actor.account_id).bind(now).execute(&mut *c).await?;
                    sqlx::query(
                        "UPDATE members SET category = 'lost_contact', updated_at = $1, version = \
                    version + 1 WHERE id = $2",
                    )
                    .bind(now)
                    .bind(member_id)
                    .execute(&mut *c)
                    .await?;
                })
            }
            ContactKind::Regained => on_tx!(&mut tx, |c| {
                let prev: Option<String> = sqlx::query_scalar(
                    "SELECT prev_category FROM member_contact_events WHERE member_id = $1 \
                        AND kind = 'lost' ORDER BY on_date DESC, id DESC LIMIT 1",
                )
                .bind(member_id)
                .fetch_optional(&mut *c)
                .await?
                .flatten();
                // Unknown before (the roster already said 失联): 在职 for working age, 离退休 after.
                let back = prev.filter(|p| p != "lost_contact").unwrap_or_else(|| {
                    if m.age_on(on) >= 60 {
                        "retired".into()
                    } else {
                        "employed".into()
                    }
                });
                sqlx::query(
                    "INSERT INTO member_contact_events (member_id, kind, on_date, note, \
                        created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(member_id)
                .bind(kind.code())
                .bind(on)
                .bind(note)
                .bind(actor.account_id)
                .bind(now)
                .execute(&mut *c)
                .await?;
                sqlx::query(
                    "UPDATE members SET category = $1, updated_at = $2, version = version + 1 \
                    WHERE id = $3",
                )
                .bind(back)
                .bind(now)
                .bind(member_id)
                .execute(&mut *c)
                .await?;
            }),
            ContactKind::Suspended => on_tx!(&mut tx, |c| {
                sqlx::query(
                    "INSERT INTO member_contact_events (member_id, kind, on_date, note, \
                        created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(member_id)
                .bind(kind.code())
                .bind(on)
                .bind(note)
                .bind(actor.account_id)
                .bind(now)
                .execute(&mut *c)
                .await?;
            }),
        }
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "member.contact",
                format!(
                    "{} {}：{}{}",
                    m.name,
                    format_date(on),
                    kind.label(),
                    note.map(|n| format!("（{n}）")).unwrap_or_default()
                ),
            )
            .on("member", member_id),
        )
        .await?;
        tx.commit().await?;
        self.findings_refresh_members(&[member_id]).await;
        Ok(())
    }

    /// Contact events of the people of a subtree (`None`: all), or of some people, for the
    /// check.
    pub(crate) async fn contact_for_check(
        &self,
        range: Option<&crate::development::PathRange>,
        ids: Option<&[i64]>,
        on: Option<NaiveDate>,
    ) -> Result<HashMap<i64, Vec<ContactEvent>>> {
        let roster = crate::development::on_roster(on);
        let rows: Vec<ContactRow> = match ids {
            Some(ids) => {
                let mut out = Vec::new();
                for chunk in ids.chunks(500) {
                    let part: Vec<ContactRow> = on_db!(&self.db, |p| {
                        let mut q = sqlx::QueryBuilder::new(format!(
                            "SELECT {COLS} FROM member_contact_events e WHERE e.member_id IN ("
                        ));
                        let mut sep = q.separated(", ");
                        for id in chunk {
                            sep.push_bind(*id);
                        }
                        q.push(")");
                        q.build_query_as().fetch_all(p).await?
                    });
                    out.extend(part);
                }
                out
            }
            None => on_db!(&self.db, |p| {
                match range.filter(|r| !r.is_all() || r.ids.is_some()) {
                    Some(r) => {
                        let mut q = sqlx::QueryBuilder::new(format!(
                            "SELECT {COLS} FROM member_contact_events e JOIN members m ON m.id = \
                            e.member_id WHERE {roster}"
                        ));
                        r.push_paths(&mut q, "m.org_path");
                        r.push_ids(&mut q, "m.id");
                        r.push_ids(&mut q, "e.member_id");
                        q.build_query_as().fetch_all(p).await?
                    }
                    None => {
                        sqlx::query_as(&format!("SELECT {COLS} FROM member_contact_events e"))
                            .fetch_all(p)
                            .await?
                    }
                }
            }),
        };
        let mut out: HashMap<i64, Vec<ContactEvent>> = HashMap::new();
        for r in rows {
            if let Some(e) = r.event() {
                out.entry(r.member_id).or_default().push(e);
            }
        }
        Ok(out)
    }
}
