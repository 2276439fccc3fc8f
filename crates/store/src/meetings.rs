//! Meetings (组织生活): plan, notice, session with check-in, minutes and approval; attendance
//! fixed from the roster of the meeting day; votes refused without quorum; make-ups (补课)
//! that close an absence; action items decided at a meeting. Every write is audited, and the
//! meeting rules (MTG-001..006) of the organisation are re-judged after each.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::Serialize;
use sha2::Sha256;
use sqlx::{FromRow, QueryBuilder};
use xianfeng_domain::life::{
    checkin_step, has_quorum, Attendance, Expected, LifeConfig, MeetingFields, MeetingStatus,
    Standard, CHECKIN_STEP_SECONDS,
};
use xianfeng_domain::org::{OrgPath, OrgType};
use xianfeng_domain::scope::Scope;

use crate::audit::{Actor, AuditEvent};
use crate::orgs::Org;
use crate::posts::writes_life;
use crate::{lines, on_db, on_tx, text, Result, Store, StoreError, Tx};

/// A meeting as stored.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Meeting {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub group_id: Option<i64>,
    pub group_name: Option<String>,
    /// The joint-meeting system of a joint meeting.
    pub joint_id: Option<i64>,
    pub kind: String,
    pub meeting_date: NaiveDate,
    pub start_time: Option<String>,
    pub place: Option<String>,
    pub online: bool,
    pub topic: String,
    pub agenda: Option<String>,
    pub host_id: Option<i64>,
    pub host_name: Option<String>,
    pub recorder_id: Option<i64>,
    pub recorder_name: Option<String>,
    pub status: String,
    pub noticed_at: Option<DateTime<Utc>>,
    pub opened_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub minutes: Option<String>,
    pub decisions: Option<String>,
    pub minutes_at: Option<DateTime<Utc>>,
    pub approved_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub moved_from: Option<NaiveDate>,
    pub expected_count: Option<i64>,
    pub present_count: Option<i64>,
    pub leave_count: Option<i64>,
    pub source: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl Meeting {
    pub fn status(&self) -> MeetingStatus {
        MeetingStatus::parse(&self.status).unwrap_or(MeetingStatus::Planned)
    }
    pub fn status_label(&self) -> &'static str {
        self.status().label()
    }
}

/// One expected attendee.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Attendee {
    pub meeting_id: i64,
    pub member_id: i64,
    pub name: String,
    /// A full member on the meeting day (a vote of the general meeting counts only these).
    pub full_member: bool,
    pub status: String,
    pub reason: Option<String>,
    pub checked_in_at: Option<DateTime<Utc>>,
    /// `self` (scanned the code), `proxy` (代签 by the host) or `minutes` (ticked by the
    /// recorder).
    pub checked_by: Option<String>,
    pub makeup_on: Option<NaiveDate>,
    pub makeup_note: Option<String>,
    /// The roster's sort key of the name (pinyin order).
    #[serde(skip)]
    pub name_key: Option<String>,
}

impl Attendee {
    pub fn attendance(&self) -> Attendance {
        Attendance::parse(&self.status).unwrap_or(Attendance::Unknown)
    }
    pub fn status_label(&self) -> &'static str {
        self.attendance().label()
    }
    /// An absence or leave not yet made up.
    pub fn is_open(&self) -> bool {
        matches!(self.attendance(), Attendance::Absent | Attendance::Leave)
            && self.makeup_on.is_none()
    }
}

/// A vote taken at a meeting.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Vote {
    pub id: i64,
    pub meeting_id: i64,
    pub subject: String,
    pub voters: i64,
    pub voters_present: i64,
    pub yes: i64,
    pub no: i64,
    pub abstain: i64,
    pub recorded_at: DateTime<Utc>,
}

/// A decision to carry out.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct ActionItem {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub meeting_id: Option<i64>,
    pub meeting_topic: Option<String>,
    pub title: String,
    pub owner_id: i64,
    pub owner_name: String,
    pub due_date: NaiveDate,
    pub status: String,
    pub closing_note: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl ActionItem {
    pub fn is_open(&self) -> bool {
        self.status == "open"
    }
}

/// An absence or leave still open, with its meeting.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct OpenAbsence {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub attendee: Attendee,
    pub org_id: i64,
    pub kind: String,
    pub meeting_date: NaiveDate,
    pub topic: String,
}

/// What the recorder sets for one attendee.
#[derive(Debug, Clone)]
pub struct Mark {
    pub member_id: i64,
    pub status: Attendance,
    pub reason: Option<String>,
}

/// A list filter of meetings.
#[derive(Debug, Clone, Default)]
pub struct MeetingFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub kind: Option<String>,
    pub status: Option<MeetingStatus>,
}

/// Counts per sub-organisation and meeting kind in a period, for the upper organisation.
#[derive(Debug, Clone, Serialize)]
pub struct KindCounts {
    pub org: Org,
    pub counts: HashMap<String, i64>,
}

const MEETING_COLS: &str = "m.id, m.org_id, o.name AS org_name, m.group_id, g.name AS \
    group_name, m.joint_id, m.kind, m.meeting_date, m.start_time, m.place, m.online, m.topic, m.agenda, \
    m.host_id, h.name AS host_name, m.recorder_id, r.name AS recorder_name, m.status, \
    m.noticed_at, m.opened_at, m.closed_at, m.minutes, m.decisions, m.minutes_at, \
    m.approved_at, m.cancel_reason, m.moved_from, m.expected_count, m.present_count, \
    m.leave_count, m.source, m.created_at, m.updated_at, m.version";

const MEETING_FROM: &str = "FROM meetings m JOIN orgs o ON o.id = m.org_id LEFT JOIN orgs g ON \
    g.id = m.group_id LEFT JOIN members h ON h.id = m.host_id LEFT JOIN members r ON r.id = \
    m.recorder_id";

const ATTENDEE_COLS: &str = "a.meeting_id, a.member_id, a.name, a.full_member, a.status, \
    a.reason, a.checked_in_at, a.checked_by, a.makeup_on, a.makeup_note, (SELECT mm.name_key \
    FROM members mm WHERE mm.id = a.member_id) AS name_key";

const ITEM_COLS: &str = "i.id, i.org_id, o.name AS org_name, i.meeting_id, m.topic AS \
    meeting_topic, i.title, i.owner_id, i.owner_name, i.due_date, i.status, i.closing_note, \
    i.closed_at, i.created_at";

const ITEM_FROM: &str =
    "FROM action_items i JOIN orgs o ON o.id = i.org_id LEFT JOIN meetings m ON m.id = i.meeting_id";

/// The statuses that count as a meeting that took place, for SQL.
const TOOK_PLACE: &str = "('in_session', 'held', 'minuted', 'approved')";

type HmacSha256 = Hmac<Sha256>;

/// The check-in code of a meeting for one moment: the step it was shown in and a MAC over it.
pub fn checkin_code(secret: &[u8], meeting_id: i64, step: i64) -> String {
    let mut mac = HmacSha256::new_from_slice(secret).expect("any key length");
    mac.update(format!("checkin:{meeting_id}:{step}").as_bytes());
    let out = mac.finalize().into_bytes();
    out.iter().take(12).map(|b| format!("{b:02x}")).collect()
}

impl Store {
    /// A meeting the scope sees (out of scope answers as absent).
    pub async fn meeting_get(&self, scope: &Scope, id: i64) -> Result<Meeting> {
        let m: Option<Meeting> = on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "SELECT {MEETING_COLS} {MEETING_FROM} WHERE m.id = $1"
            ))
            .bind(id)
            .fetch_optional(p)
            .await?
        });
        let Some(m) = m else {
            return Err(StoreError::NotFound("会议不存在"));
        };
        match self.org_get(scope, m.org_id).await {
            Ok(_) if matches!(scope, Scope::Subtree { .. }) => Ok(m),
            Ok(_) => Err(StoreError::NotFound("会议不存在")),
            Err(StoreError::NotFound(_)) | Err(StoreError::Forbidden) => {
                Err(StoreError::NotFound("会议不存在"))
            }
            Err(e) => Err(e),
        }
    }

    /// A meeting the caller may write: the organisation's administrators.
    async fn meeting_for_write(&self, scope: &Scope, id: i64) -> Result<(Meeting, Org)> {
        let m = self.meeting_get(scope, id).await?;
        let org = self.org_get(scope, m.org_id).await?;
        if !writes_life(scope, &org.org_path()) {
            return Err(StoreError::Forbidden);
        }
        Ok((m, org))
    }

    /// Meetings of an organisation (and, for the party-group meetings, of its groups).
    pub async fn meetings_of(
        &self,
        scope: &Scope,
        org_id: i64,
        f: &MeetingFilter,
    ) -> Result<Vec<Meeting>> {
        let org = self.org_get(scope, org_id).await?;
        if !matches!(scope, Scope::Subtree { .. }) {
            return Err(StoreError::Forbidden);
        }
        Ok(on_db!(&self.db, |p| {
            let mut q = QueryBuilder::new(format!(
                "SELECT {MEETING_COLS} {MEETING_FROM} WHERE (m.org_id = "
            ));
            q.push_bind(org.id)
                .push(" OR m.group_id = ")
                .push_bind(org.id)
                .push(")");
            if let Some(d) = f.from {
                q.push(" AND m.meeting_date >= ").push_bind(d);
            }
            if let Some(d) = f.to {
                q.push(" AND m.meeting_date <= ").push_bind(d);
            }
            if let Some(k) = &f.kind {
                q.push(" AND m.kind = ").push_bind(k.clone());
            }
            if let Some(s) = f.status {
                q.push(" AND m.status = ").push_bind(s.code());
            }
            q.push(" ORDER BY m.meeting_date DESC, m.start_time DESC, m.id DESC LIMIT 1000");
            q.build_query_as().fetch_all(p).await?
        }))
    }

    /// Party members (probationary and full) an organisation works with, its own roster
    /// first, then the office holders of it and of the organisations below: hosts, recorders,
    /// chosen attendees and owners of decisions.
    pub async fn meeting_people(
        &self,
        scope: &Scope,
        org_id: i64,
    ) -> Result<Vec<crate::posts::Candidate>> {
        self.org_get(scope, org_id).await?;
        if !matches!(scope, Scope::Subtree { .. }) {
            return Err(StoreError::Forbidden);
        }
        Ok(on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "{} ORDER BY (m.org_id <> $1), m.name_key, m.id",
                crate::posts::PEOPLE_OF_ORG
            ))
            .bind(org_id)
            .fetch_all(p)
            .await?
        }))
    }

    /// The expected attendees of a meeting of `kind` in `org` on `day`: the roster of that day
    /// (placements), the party group's members, the posts in force, or the chosen people.
    async fn expected_on(
        tx: &mut Tx,
        cfg: &LifeConfig,
        org: &Org,
        kind: &str,
        group_id: Option<i64>,
        day: NaiveDate,
        chosen: &[i64],
    ) -> Result<Vec<(i64, String, bool)>> {
        let expected = cfg.kind(kind).map_or(Expected::Chosen, |k| k.expected);
        let year_before = xianfeng_domain::dates::add_months(day, -12);
        let status = crate::stats::STATUS_ON_DAY;
        let placed = format!(
            "SELECT m.id, m.name, ({status}) AS st FROM member_placements p JOIN members m ON \
             m.id = p.member_id WHERE p.org_id = $3 AND (p.from_date IS NULL OR p.from_date <= \
             $1) AND (p.to_date IS NULL OR p.to_date > $1)"
        );
        let rows: Vec<(i64, String, Option<String>)> = match expected {
            Expected::AllMembers => on_tx!(tx, |c| {
                sqlx::query_as(&placed)
                    .bind(day)
                    .bind(year_before)
                    .bind(org.id)
                    .fetch_all(&mut *c)
                    .await?
            }),
            Expected::PartyGroup => on_tx!(tx, |c| {
                sqlx::query_as(&format!("{placed} AND m.party_group_id = $4"))
                    .bind(day)
                    .bind(year_before)
                    .bind(org.id)
                    .bind(group_id.unwrap_or(0))
                    .fetch_all(&mut *c)
                    .await?
            }),
            Expected::Committee => on_tx!(tx, |c| {
                sqlx::query_as(&format!(
                    "SELECT m.id, m.name, ({status}) AS st FROM org_posts p JOIN members m ON \
                     m.id = p.member_id WHERE p.org_id = $3 AND (p.start_date IS NULL OR \
                     p.start_date <= $1) AND (p.end_date IS NULL OR p.end_date > $1)"
                ))
                .bind(day)
                .bind(year_before)
                .bind(org.id)
                .fetch_all(&mut *c)
                .await?
            }),
            Expected::Chosen => {
                let mut out = Vec::new();
                let path = org.org_path();
                for id in chosen {
                    let r: Option<(i64, String, Option<String>, String)> = on_tx!(tx, |c| {
                        sqlx::query_as(&format!(
                            "SELECT m.id, m.name, ({status}) AS st, m.org_path FROM members m \
                             WHERE m.id = $3 AND m.archived_at IS NULL"
                        ))
                        .bind(day)
                        .bind(year_before)
                        .bind(*id)
                        .fetch_optional(&mut *c)
                        .await?
                    });
                    match r {
                        Some((id, name, st, p))
                            if path.contains(&OrgPath::from_stored(p.clone())) =>
                        {
                            out.push((id, name, st))
                        }
                        _ => {
                            return Err(StoreError::invalid(
                                "attendee_ids",
                                "参会人员须是本组织（含下级）名册中的人员",
                            ))
                        }
                    }
                }
                out
            }
        };
        let mut out: Vec<(i64, String, bool)> = rows
            .into_iter()
            .filter(|(_, _, st)| {
                expected == Expected::Chosen
                    || matches!(st.as_deref(), Some("probationary") | Some("full"))
            })
            .map(|(id, name, st)| (id, name, st.as_deref() == Some("full")))
            .collect();
        out.sort_by_key(|(id, ..)| *id);
        out.dedup_by_key(|(id, ..)| *id);
        Ok(out)
    }

    /// Fixes the attendee list from the roster of the meeting day: new ones added, people
    /// no longer expected removed unless their attendance was recorded.
    async fn attendees_fix(
        &self,
        tx: &mut Tx,
        cfg: &LifeConfig,
        org: &Org,
        m: &Meeting,
        chosen: Option<&[i64]>,
    ) -> Result<()> {
        let chosen_now: Vec<i64> = match chosen {
            Some(c) => c.to_vec(),
            None => on_tx!(tx, |c| {
                sqlx::query_scalar("SELECT member_id FROM meeting_attendees WHERE meeting_id = $1")
                    .bind(m.id)
                    .fetch_all(&mut *c)
                    .await?
            }),
        };
        let people = Self::expected_on(
            tx,
            cfg,
            org,
            &m.kind,
            m.group_id,
            m.meeting_date,
            &chosen_now,
        )
        .await?;
        let keep: Vec<i64> = people.iter().map(|(id, ..)| *id).collect();
        on_tx!(tx, |c| {
            let mut q = QueryBuilder::new("DELETE FROM meeting_attendees WHERE meeting_id = ");
            q.push_bind(m.id).push(" AND status = 'unknown'");
            if !keep.is_empty() {
                q.push(" AND member_id NOT IN (");
                let mut sep = q.separated(", ");
                for id in &keep {
                    sep.push_bind(*id);
                }
                q.push(")");
            }
            q.build().execute(&mut *c).await?;
            for (id, name, full) in &people {
                sqlx::query(
                    "INSERT INTO meeting_attendees (meeting_id, member_id, name, full_member) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (meeting_id, member_id) DO UPDATE SET \
                     full_member = excluded.full_member",
                )
                .bind(m.id)
                .bind(*id)
                .bind(name)
                .bind(*full)
                .execute(&mut *c)
                .await?;
            }
        });
        Ok(())
    }

    /// Checks that host and recorder are on the organisation's roster (subtree) and that a
    /// party group belongs to it.
    async fn meeting_people_check(
        &self,
        tx: &mut Tx,
        org: &Org,
        f: &MeetingFields,
        cfg: &LifeConfig,
    ) -> Result<()> {
        let path = org.org_path();
        for (field, id) in [("host_id", f.host_id), ("recorder_id", f.recorder_id)] {
            let Some(id) = id else { continue };
            let p: Option<String> = on_tx!(tx, |c| {
                sqlx::query_scalar(
                    "SELECT org_path FROM members WHERE id = $1 AND archived_at IS NULL",
                )
                .bind(id)
                .fetch_optional(&mut *c)
                .await?
            });
            if !p.is_some_and(|p| path.contains(&OrgPath::from_stored(p))) {
                return Err(StoreError::invalid(
                    field,
                    "须是本组织（含下级）名册中的人员",
                ));
            }
        }
        let expected = cfg.kind(&f.kind).map(|k| k.expected);
        match (expected, f.group_id) {
            (Some(Expected::PartyGroup), Some(g)) => {
                let ok: Option<String> = on_tx!(tx, |c| {
                    sqlx::query_scalar(
                        "SELECT org_type FROM orgs WHERE id = $1 AND parent_id = $2 AND \
                         archived_at IS NULL",
                    )
                    .bind(g)
                    .bind(org.id)
                    .fetch_optional(&mut *c)
                    .await?
                });
                if ok.as_deref() != Some(OrgType::PartyGroup.code()) {
                    return Err(StoreError::invalid("group_id", "请选择本支部的党小组"));
                }
            }
            (Some(Expected::PartyGroup), None) => {
                return Err(StoreError::invalid("group_id", "党小组会请选择党小组"))
            }
            _ => {}
        }
        if let Some(j) = f.joint_id {
            Self::joint_host_check(tx, j, org.id, f.host_id).await?;
        }
        Ok(())
    }

    /// Plans a meeting (or records one already held, when `held` is set and its day has
    /// come). `chosen`: the attendees of a kind whose attendees are chosen.
    pub async fn meeting_create(
        &self,
        actor: &Actor,
        scope: &Scope,
        org_id: i64,
        f: &MeetingFields,
        chosen: &[i64],
        held: bool,
    ) -> Result<Meeting> {
        let org = self.org_get(scope, org_id).await?;
        if !writes_life(scope, &org.org_path()) {
            return Err(StoreError::Forbidden);
        }
        if org.kind() == Some(OrgType::PartyGroup) {
            return Err(StoreError::invalid(
                "kind",
                "党小组会请在所属党支部下登记，并选择党小组",
            ));
        }
        let cfg = self.life_config().await?;
        if held && f.date > self.clock.today() {
            return Err(StoreError::invalid(
                "date",
                "会议日期还没到，不能登记为已召开",
            ));
        }
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        self.meeting_people_check(&mut tx, &org, f, &cfg).await?;
        let status = if held {
            MeetingStatus::Held
        } else {
            MeetingStatus::Planned
        };
        let chosen: Vec<i64> = match f.joint_id {
            Some(j) if chosen.is_empty() => Self::joint_convener_ids(&mut tx, j).await?,
            _ => chosen.to_vec(),
        };
        let id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
                "INSERT INTO meetings (org_id, group_id, kind, meeting_date, start_time, place, \
                 online, topic, agenda, host_id, recorder_id, status, closed_at, created_at, \
                 updated_at, joint_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
                 $12, $13, $14, $14, $15) RETURNING id",
            )
            .bind(org.id)
            .bind(f.group_id)
            .bind(&f.kind)
            .bind(f.date)
            .bind(f.start_time.map(|t| t.format("%H:%M").to_string()))
            .bind(&f.place)
            .bind(f.online)
            .bind(&f.topic)
            .bind(&f.agenda)
            .bind(f.host_id)
            .bind(f.recorder_id)
            .bind(status.code())
            .bind(held.then_some(now))
            .bind(now)
            .bind(f.joint_id)
            .fetch_one(&mut *c)
            .await?
        });
        let m = Self::meeting_in(&mut tx, id).await?;
        self.attendees_fix(&mut tx, &cfg, &org, &m, Some(&chosen))
            .await?;
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "meeting.create",
                format!(
                    "{}：{} {}「{}」（{}）",
                    org.name,
                    f.date,
                    cfg.kind_label(&f.kind),
                    f.topic,
                    status.label()
                ),
            )
            .on("meeting", id),
        )
        .await?;
        tx.commit().await?;
        self.meeting_refresh(&m).await;
        self.meeting_get(scope, id).await
    }

    /// Changes a planned meeting; a change of day is recorded as a move (改期).
    pub async fn meeting_update(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        version: i64,
        f: &MeetingFields,
        chosen: &[i64],
    ) -> Result<Meeting> {
        let (before, org) = self.meeting_for_write(scope, id).await?;
        if before.status() != MeetingStatus::Planned {
            return Err(StoreError::invalid("status", "只有计划中的会议可以修改"));
        }
        let cfg = self.life_config().await?;
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        self.meeting_people_check(&mut tx, &org, f, &cfg).await?;
        let moved_from = if f.date != before.meeting_date {
            Some(before.moved_from.unwrap_or(before.meeting_date))
        } else {
            before.moved_from
        };
        let n = on_tx!(&mut tx, |c| {
            sqlx::query(
                "UPDATE meetings SET group_id = $1, kind = $2, meeting_date = $3, start_time = \
                 $4, place = $5, online = $6, topic = $7, agenda = $8, host_id = $9, \
                 recorder_id = $10, moved_from = $11, updated_at = $12, version = version + 1, \
                 joint_id = $15 WHERE id = $13 AND version = $14 AND status = 'planned'",
            )
            .bind(f.group_id)
            .bind(&f.kind)
            .bind(f.date)
            .bind(f.start_time.map(|t| t.format("%H:%M").to_string()))
            .bind(&f.place)
            .bind(f.online)
            .bind(&f.topic)
            .bind(&f.agenda)
            .bind(f.host_id)
            .bind(f.recorder_id)
            .bind(moved_from)
            .bind(now)
            .bind(id)
            .bind(version)
            .bind(f.joint_id)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::Conflict);
        }
        let m = Self::meeting_in(&mut tx, id).await?;
        let keep_chosen =
            (cfg.kind(&f.kind).map(|k| k.expected) == Some(Expected::Chosen)).then_some(chosen);
        self.attendees_fix(&mut tx, &cfg, &org, &m, keep_chosen.or(Some(&[])))
            .await?;
        if f.date != before.meeting_date && before.noticed_at.is_some() {
            self.meeting_notice(&mut tx, &m, &cfg, "meeting_change", "会议改期")
                .await?;
        }
        let moved = if f.date != before.meeting_date {
            format!("，改期：{} → {}", before.meeting_date, f.date)
        } else {
            String::new()
        };
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "meeting.update",
                format!("{}：{}「{}」{moved}", org.name, f.date, f.topic),
            )
            .on("meeting", id),
        )
        .await?;
        tx.commit().await?;
        self.meeting_refresh(&m).await;
        self.meeting_get(scope, id).await
    }

    /// Moves a meeting along its flow: `notice`, `open`, `close`, `approve`.
    pub async fn meeting_step(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        step: &str,
    ) -> Result<Meeting> {
        let (m, org) = self.meeting_for_write(scope, id).await?;
        let today = self.clock.today();
        let now = self.clock.now();
        let status = m.status();
        let (from, to, what): (&[MeetingStatus], MeetingStatus, &str) = match step {
            "notice" => {
                if m.noticed_at.is_some() {
                    return Err(StoreError::invalid(
                        "status",
                        "会议通知已发出；改期、取消时系统会另行通知",
                    ));
                }
                (
                    &[MeetingStatus::Planned],
                    MeetingStatus::Planned,
                    "发出会议通知",
                )
            }
            "open" => {
                if m.meeting_date != today {
                    return Err(StoreError::invalid(
                        "status",
                        format!(
                            "会议日期是 {}，只能在当天开始会议；已开过的会议请登记为已召开",
                            m.meeting_date
                        ),
                    ));
                }
                (
                    &[MeetingStatus::Planned],
                    MeetingStatus::InSession,
                    "开始会议",
                )
            }
            "close" => {
                if m.meeting_date > today {
                    return Err(StoreError::invalid(
                        "status",
                        "会议日期还没到，不能登记为已召开",
                    ));
                }
                (
                    &[MeetingStatus::Planned, MeetingStatus::InSession],
                    MeetingStatus::Held,
                    "会议结束",
                )
            }
            "approve" => (
                &[MeetingStatus::Minuted],
                MeetingStatus::Approved,
                "审定会议记录",
            ),
            _ => return Err(StoreError::invalid("step", "没有这一步")),
        };
        if !from.contains(&status) {
            return Err(StoreError::invalid(
                "status",
                format!("会议{}，不能{what}", status.label()),
            ));
        }
        let cfg = self.life_config().await?;
        let mut tx = self.begin().await?;
        let secret: Option<Vec<u8>> = (step == "open").then(|| {
            let mut k = vec![0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut k);
            k
        });
        let n = on_tx!(&mut tx, |c| {
            let sql = match step {
                "notice" => {
                    "UPDATE meetings SET noticed_at = $1, updated_at = $1, version = \
                             version + 1 WHERE id = $2 AND status = $3 AND noticed_at IS NULL"
                }
                "open" => {
                    "UPDATE meetings SET status = 'in_session', opened_at = $1, \
                           checkin_secret = $4, updated_at = $1, version = version + 1 WHERE id \
                           = $2 AND status = $3"
                }
                "close" => {
                    "UPDATE meetings SET status = 'held', closed_at = $1, checkin_secret \
                            = NULL, updated_at = $1, version = version + 1 WHERE id = $2 AND \
                            status = $3"
                }
                _ => {
                    "UPDATE meetings SET status = 'approved', approved_at = $1, updated_at = \
                      $1, version = version + 1 WHERE id = $2 AND status = $3"
                }
            };
            let mut q = sqlx::query(sql).bind(now).bind(id).bind(status.code());
            if step == "open" {
                q = q.bind(secret.clone());
            }
            q.execute(&mut *c).await?.rows_affected()
        });
        if n == 0 {
            return Err(StoreError::Conflict);
        }
        let after = Self::meeting_in(&mut tx, id).await?;
        if step == "notice" {
            self.meeting_notice(&mut tx, &after, &cfg, "meeting_notice", "会议通知")
                .await?;
        }
        if matches!(step, "open" | "close") {
            // The roster of the meeting day.
            self.attendees_fix(&mut tx, &cfg, &org, &after, None)
                .await?;
        }
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "meeting.step",
                format!(
                    "{}：{} {}「{}」{what}（{}）",
                    org.name,
                    m.meeting_date,
                    cfg.kind_label(&m.kind),
                    m.topic,
                    to.label()
                ),
            )
            .on("meeting", id),
        )
        .await?;
        tx.commit().await?;
        self.meeting_refresh(&after).await;
        self.meeting_get(scope, id).await
    }

    /// Cancels a meeting not yet held; it is kept, with the reason.
    pub async fn meeting_cancel(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        reason: &str,
    ) -> Result<Meeting> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 200 {
            return Err(StoreError::invalid(
                "reason",
                "请填写取消原因（最多 200 个字）",
            ));
        }
        let (m, org) = self.meeting_for_write(scope, id).await?;
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, |c| {
            sqlx::query(
                "UPDATE meetings SET status = 'cancelled', cancel_reason = $1, checkin_secret = \
                 NULL, updated_at = $2, version = version + 1 WHERE id = $3 AND (status IN \
                 ('planned', 'in_session') OR (source = 'imported' AND status <> 'cancelled'))",
            )
            .bind(reason)
            .bind(now)
            .bind(id)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::invalid(
                "status",
                format!("会议{}，不能取消", m.status_label()),
            ));
        }
        if m.noticed_at.is_some() {
            let cfg = self.life_config().await?;
            let after = Self::meeting_in(&mut tx, id).await?;
            self.meeting_notice(&mut tx, &after, &cfg, "meeting_change", "会议取消")
                .await?;
        }
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "meeting.cancel",
                format!(
                    "{}：{}「{}」取消，原因：{reason}",
                    org.name, m.meeting_date, m.topic
                ),
            )
            .on("meeting", id),
        )
        .await?;
        tx.commit().await?;
        self.meeting_refresh(&m).await;
        self.meeting_get(scope, id).await
    }

    /// Writes the minutes (and the attendance ticked on the minutes form); the meeting waits
    /// for the host's approval.
    pub async fn meeting_minutes(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        minutes: &str,
        decisions: &str,
        marks: &[Mark],
    ) -> Result<Meeting> {
        let (m, org) = self.meeting_for_write(scope, id).await?;
        if !matches!(m.status(), MeetingStatus::Held | MeetingStatus::Minuted) {
            return Err(StoreError::invalid(
                "status",
                format!("会议{}，不能填写会议记录", m.status_label()),
            ));
        }
        let minutes = lines("minutes", minutes, 20_000)?
            .ok_or_else(|| StoreError::invalid("minutes", "请填写会议记录"))?;
        let decisions = lines("decisions", decisions, 4000)?;
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        self.marks_apply(&mut tx, id, marks, "minutes", now).await?;
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "UPDATE meetings SET minutes = $1, decisions = $2, minutes_at = $3, status = \
                 'minuted', updated_at = $3, version = version + 1 WHERE id = $4",
            )
            .bind(&minutes)
            .bind(&decisions)
            .bind(now)
            .bind(id)
            .execute(&mut *c)
            .await?;
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "meeting.minutes",
                format!(
                    "{}：{}「{}」会议记录（{} 字），登记出勤 {} 人",
                    org.name,
                    m.meeting_date,
                    m.topic,
                    minutes.chars().count(),
                    marks.len()
                ),
            )
            .on("meeting", id),
        )
        .await?;
        tx.commit().await?;
        self.meeting_get(scope, id).await
    }

    async fn marks_apply(
        &self,
        tx: &mut Tx,
        id: i64,
        marks: &[Mark],
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        for mk in marks {
            let reason = match mk.status {
                Attendance::Leave => {
                    let r = mk.reason.as_deref().unwrap_or("").trim();
                    if r.is_empty() {
                        let name: Option<String> = on_tx!(tx, |c| {
                            sqlx::query_scalar(
                                "SELECT name FROM meeting_attendees WHERE meeting_id = $1 AND \
                                 member_id = $2",
                            )
                            .bind(id)
                            .bind(mk.member_id)
                            .fetch_optional(&mut *c)
                            .await?
                        });
                        return Err(StoreError::invalid(
                            "reason",
                            format!("{}请假，须填写事由", name.unwrap_or_default()),
                        ));
                    }
                    Some(r.chars().take(200).collect::<String>())
                }
                Attendance::Absent => mk.reason.clone(),
                _ => None,
            };
            let n = on_tx!(tx, |c| {
                sqlx::query(
                    "UPDATE meeting_attendees SET status = $1, reason = $2, checked_by = CASE \
                     WHEN $1 = 'present' THEN COALESCE(checked_by, $3) ELSE NULL END, \
                     checked_in_at = CASE WHEN $1 = 'present' THEN COALESCE(checked_in_at, $4) \
                     ELSE NULL END WHERE meeting_id = $5 AND member_id = $6",
                )
                .bind(mk.status.code())
                .bind(&reason)
                .bind(by)
                .bind(now)
                .bind(id)
                .bind(mk.member_id)
                .execute(&mut *c)
                .await?
                .rows_affected()
            });
            if n == 0 {
                return Err(StoreError::invalid(
                    "member_id",
                    "此人不在本次会议的应到名单中",
                ));
            }
        }
        Ok(())
    }

    /// The attendees of a meeting, in name order.
    pub async fn meeting_attendees(&self, scope: &Scope, id: i64) -> Result<Vec<Attendee>> {
        self.meeting_get(scope, id).await?;
        Ok(on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "SELECT {ATTENDEE_COLS} FROM meeting_attendees a JOIN members mm ON mm.id = \
                 a.member_id WHERE a.meeting_id = $1 ORDER BY mm.name_key, a.member_id"
            ))
            .bind(id)
            .fetch_all(p)
            .await?
        }))
    }

    /// The secret of a meeting in session, for the host's code.
    async fn checkin_secret(&self, id: i64) -> Result<Option<Vec<u8>>> {
        Ok(on_db!(&self.db, |p| {
            sqlx::query_scalar(
                "SELECT checkin_secret FROM meetings WHERE id = $1 AND status = 'in_session'",
            )
            .bind(id)
            .fetch_optional(p)
            .await?
            .flatten()
        }))
    }

    /// The code the host shows now (it changes every 30 seconds), with its step.
    pub async fn meeting_checkin_code(&self, scope: &Scope, id: i64) -> Result<(i64, String)> {
        let _ = self.meeting_for_write(scope, id).await?;
        let Some(secret) = self.checkin_secret(id).await? else {
            return Err(StoreError::invalid("status", "会议未在进行中，不能签到"));
        };
        let step = checkin_step(self.clock.now().timestamp());
        Ok((step, checkin_code(&secret, id, step)))
    }

    /// A logged-in attendee's check-in with the code they scanned: refused when the meeting
    /// is not in session, the code is not this meeting's or is older than 30 seconds, or the
    /// person is not expected.
    pub async fn meeting_checkin(
        &self,
        actor: &Actor,
        member_id: Option<i64>,
        id: i64,
        step: i64,
        code: &str,
    ) -> Result<String> {
        let Some(member_id) = member_id else {
            return Err(StoreError::invalid(
                "member_id",
                "您的账号没有关联名册中的人员，不能扫码签到，请主持人代签。",
            ));
        };
        let Some(secret) = self.checkin_secret(id).await? else {
            return Err(StoreError::invalid("code", "会议不在进行中，签到码已失效"));
        };
        let now = self.clock.now();
        let shown = step.saturating_mul(CHECKIN_STEP_SECONDS);
        let age = now.timestamp() - shown;
        let want = checkin_code(&secret, id, step);
        if !crate::crypto::same_secret(&want, code) {
            return Err(StoreError::invalid("code", "签到码无效"));
        }
        // The code of a step is shown from its first second; it is refused 30 seconds after.
        if !(0..=CHECKIN_STEP_SECONDS).contains(&age) {
            return Err(StoreError::invalid(
                "code",
                "签到码已过期（超过 30 秒），请重新扫描主持人屏幕上的二维码",
            ));
        }
        let mut tx = self.begin().await?;
        let name: Option<String> = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
                "UPDATE meeting_attendees SET status = 'present', reason = NULL, checked_in_at = \
                 COALESCE(checked_in_at, $1), checked_by = COALESCE(checked_by, 'self') WHERE \
                 meeting_id = $2 AND member_id = $3 RETURNING name",
            )
            .bind(now)
            .bind(id)
            .bind(member_id)
            .fetch_optional(&mut *c)
            .await?
        });
        let Some(name) = name else {
            return Err(StoreError::invalid(
                "member_id",
                "您不在本次会议的应到名单中",
            ));
        };
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok("meeting.checkin", format!("{name} 扫码签到")).on("meeting", id),
        )
        .await?;
        tx.commit().await?;
        Ok(name)
    }

    /// A check-in recorded by the host on someone's behalf (代签 during the meeting, 补签
    /// after it), audited with the reason.
    pub async fn meeting_proxy_checkin(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        member_id: i64,
        note: &str,
    ) -> Result<()> {
        let (m, org) = self.meeting_for_write(scope, id).await?;
        if !matches!(
            m.status(),
            MeetingStatus::InSession | MeetingStatus::Held | MeetingStatus::Minuted
        ) {
            return Err(StoreError::invalid(
                "status",
                format!("会议{}，不能代签", m.status_label()),
            ));
        }
        let note = note.trim();
        if note.is_empty() || note.chars().count() > 200 {
            return Err(StoreError::invalid(
                "note",
                "请写明代签（补签）的原因（最多 200 个字）",
            ));
        }
        let label = if m.status() == MeetingStatus::InSession {
            "代签"
        } else {
            "补签"
        };
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        let name: Option<String> = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
                "UPDATE meeting_attendees SET status = 'present', reason = NULL, checked_in_at = \
                 $1, checked_by = 'proxy' WHERE meeting_id = $2 AND member_id = $3 RETURNING \
                 name",
            )
            .bind(now)
            .bind(id)
            .bind(member_id)
            .fetch_optional(&mut *c)
            .await?
        });
        let Some(name) = name else {
            return Err(StoreError::invalid(
                "member_id",
                "此人不在本次会议的应到名单中",
            ));
        };
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "meeting.proxy_checkin",
                format!(
                    "{}：{}「{}」为 {name} {label}，原因：{note}",
                    org.name, m.meeting_date, m.topic
                ),
            )
            .on("meeting", id),
        )
        .await?;
        tx.commit().await
    }

    /// Records a make-up (补课) for an absence or leave, which closes it.
    pub async fn meeting_makeup(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        member_id: i64,
        on: NaiveDate,
        note: &str,
    ) -> Result<()> {
        let (m, org) = self.meeting_for_write(scope, id).await?;
        if on < m.meeting_date || on > self.clock.today() {
            return Err(StoreError::invalid(
                "makeup_on",
                "补课日期应在会议之后、今天之前",
            ));
        }
        let note = text("makeup_note", note, 500)?
            .ok_or_else(|| StoreError::invalid("makeup_note", "请写明补课的方式和内容"))?;
        let mut tx = self.begin().await?;
        let name: Option<String> = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
                "UPDATE meeting_attendees SET makeup_on = $1, makeup_note = $2 WHERE meeting_id \
                 = $3 AND member_id = $4 AND status IN ('absent', 'leave') AND makeup_on IS \
                 NULL RETURNING name",
            )
            .bind(on)
            .bind(&note)
            .bind(id)
            .bind(member_id)
            .fetch_optional(&mut *c)
            .await?
        });
        let Some(name) = name else {
            return Err(StoreError::invalid(
                "member_id",
                "此人在本次会议没有待补课的缺席或请假",
            ));
        };
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "meeting.makeup",
                format!(
                    "{}：{name} 补课（{}「{}」），{on}：{note}",
                    org.name, m.meeting_date, m.topic
                ),
            )
            .on("meeting", id),
        )
        .await?;
        tx.commit().await
    }

    /// How many absences and leaves are not yet made up in an organisation's subtree, how many
    /// meetings that took place wait for their minutes, and how many decisions are overdue.
    pub async fn life_todo(&self, scope: &Scope, org_id: i64) -> Result<(i64, i64, i64)> {
        let org = self.org_get(scope, org_id).await?;
        if !matches!(scope, Scope::Subtree { .. }) {
            return Err(StoreError::Forbidden);
        }
        let path = org.org_path();
        let today = self.clock.today();
        Ok(on_db!(&self.db, |p| {
            let absences: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM meeting_attendees a JOIN meetings m ON m.id = \
                 a.meeting_id JOIN orgs o ON o.id = m.org_id WHERE a.status IN ('absent', \
                 'leave') AND a.makeup_on IS NULL AND m.status <> 'cancelled' AND o.path >= $1 \
                 AND o.path < $2",
            )
            .bind(path.as_str())
            .bind(path.upper_bound())
            .fetch_one(p)
            .await?;
            let minutes: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM meetings m JOIN orgs o ON o.id = m.org_id WHERE m.status \
                 IN ('in_session', 'held') AND o.path >= $1 AND o.path < $2",
            )
            .bind(path.as_str())
            .bind(path.upper_bound())
            .fetch_one(p)
            .await?;
            let overdue: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM action_items i JOIN orgs o ON o.id = i.org_id WHERE \
                 i.status = 'open' AND i.due_date < $3 AND o.path >= $1 AND o.path < $2",
            )
            .bind(path.as_str())
            .bind(path.upper_bound())
            .bind(today)
            .fetch_one(p)
            .await?;
            (absences, minutes, overdue)
        }))
    }

    /// Absences and leaves not yet made up in an organisation's subtree (the latest 2000).
    pub async fn open_absences(&self, scope: &Scope, org_id: i64) -> Result<Vec<OpenAbsence>> {
        let org = self.org_get(scope, org_id).await?;
        if !matches!(scope, Scope::Subtree { .. }) {
            return Err(StoreError::Forbidden);
        }
        let path = org.org_path();
        Ok(on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "SELECT {ATTENDEE_COLS}, m.org_id, m.kind, m.meeting_date, m.topic FROM \
                 meeting_attendees a JOIN meetings m ON m.id = a.meeting_id JOIN orgs o ON o.id \
                 = m.org_id WHERE a.status IN ('absent', 'leave') AND a.makeup_on IS NULL AND \
                 m.status <> 'cancelled' AND o.path >= $1 AND o.path < $2 ORDER BY \
                 m.meeting_date DESC, a.name LIMIT 2000"
            ))
            .bind(path.as_str())
            .bind(path.upper_bound())
            .fetch_all(p)
            .await?
        }))
    }

    /// Records a vote: refused without quorum (党员大会: more than half of the full members
    /// with a vote present; 支委会: more than half of the committee).
    #[allow(clippy::too_many_arguments)] // a vote's numbers
    pub async fn meeting_vote(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        subject: &str,
        yes: i64,
        no: i64,
        abstain: i64,
    ) -> Result<Vote> {
        let (m, org) = self.meeting_for_write(scope, id).await?;
        let cfg = self.life_config().await?;
        let standard = cfg.counts_as(&m.kind);
        if !matches!(standard, Standard::GeneralMeeting | Standard::Committee) {
            return Err(StoreError::invalid(
                "subject",
                "只有支部党员大会和支部委员会登记表决",
            ));
        }
        if !m.status().took_place() {
            return Err(StoreError::invalid(
                "status",
                format!("会议{}，不能登记表决", m.status_label()),
            ));
        }
        let subject = text("subject", subject, 200)?
            .ok_or_else(|| StoreError::invalid("subject", "请填写表决事项"))?;
        if yes < 0 || no < 0 || abstain < 0 {
            return Err(StoreError::invalid("yes", "票数不能为负数"));
        }
        let attendees = self.meeting_attendees(scope, id).await?;
        let (voters, present) = if standard == Standard::GeneralMeeting {
            let v: Vec<&Attendee> = attendees.iter().filter(|a| a.full_member).collect();
            let p = v
                .iter()
                .filter(|a| a.attendance() == Attendance::Present)
                .count();
            (v.len(), p)
        } else {
            let p = attendees
                .iter()
                .filter(|a| a.attendance() == Attendance::Present)
                .count();
            (attendees.len(), p)
        };
        let who = if standard == Standard::GeneralMeeting {
            "有表决权的正式党员"
        } else {
            "支部委员"
        };
        if !has_quorum(present, voters) {
            return Err(StoreError::invalid(
                "subject",
                format!(
                    "到会{who} {present} 人，未超过应到 {voters} 人的半数，不足法定人数，不能表决"
                ),
            ));
        }
        if yes + no + abstain > present as i64 {
            return Err(StoreError::invalid(
                "yes",
                format!("赞成、反对、弃权合计不能多于到会{who} {present} 人"),
            ));
        }
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        let vid: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
                "INSERT INTO meeting_votes (meeting_id, subject, voters, voters_present, yes, \
                 no, abstain, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(id)
            .bind(&subject)
            .bind(voters as i64)
            .bind(present as i64)
            .bind(yes)
            .bind(no)
            .bind(abstain)
            .bind(now)
            .fetch_one(&mut *c)
            .await?
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "meeting.vote",
                format!(
                    "{}：{}「{}」表决「{subject}」：应到 {voters}，实到 {present}，赞成 {yes}，反对 \
                     {no}，弃权 {abstain}",
                    org.name, m.meeting_date, m.topic
                ),
            )
            .on("meeting", id),
        )
        .await?;
        tx.commit().await?;
        Ok(on_db!(&self.db, |p| {
            sqlx::query_as("SELECT * FROM meeting_votes WHERE id = $1")
                .bind(vid)
                .fetch_one(p)
                .await?
        }))
    }

    pub async fn meeting_votes(&self, scope: &Scope, id: i64) -> Result<Vec<Vote>> {
        self.meeting_get(scope, id).await?;
        Ok(on_db!(&self.db, |p| {
            sqlx::query_as("SELECT * FROM meeting_votes WHERE meeting_id = $1 ORDER BY id")
                .bind(id)
                .fetch_all(p)
                .await?
        }))
    }

    /// A decision of a meeting to carry out, with its owner (on the roster) and deadline.
    pub async fn action_item_create(
        &self,
        actor: &Actor,
        scope: &Scope,
        meeting_id: i64,
        title: &str,
        owner_id: i64,
        due: NaiveDate,
    ) -> Result<ActionItem> {
        let (m, org) = self.meeting_for_write(scope, meeting_id).await?;
        let title =
            text("title", title, 200)?.ok_or_else(|| StoreError::invalid("title", "请填写事项"))?;
        if due < m.meeting_date {
            return Err(StoreError::invalid("due_date", "完成期限不能早于会议日期"));
        }
        let owner: Option<(String, String)> = on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT name, org_path FROM members WHERE id = $1 AND archived_at IS NULL",
            )
            .bind(owner_id)
            .fetch_optional(p)
            .await?
        });
        let Some((owner_name, path)) = owner else {
            return Err(StoreError::invalid("owner_id", "请选择责任人"));
        };
        if !org.org_path().contains(&OrgPath::from_stored(path)) {
            return Err(StoreError::invalid(
                "owner_id",
                "责任人须是本组织（含下级）名册中的人员",
            ));
        }
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
                "INSERT INTO action_items (org_id, meeting_id, title, owner_id, owner_name, \
                 due_date, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(org.id)
            .bind(meeting_id)
            .bind(&title)
            .bind(owner_id)
            .bind(&owner_name)
            .bind(due)
            .bind(now)
            .fetch_one(&mut *c)
            .await?
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "action.create",
                format!(
                    "{}：会议「{}」决定事项「{title}」，责任人 {owner_name}，期限 {due}",
                    org.name, m.topic
                ),
            )
            .on("action_item", id),
        )
        .await?;
        tx.commit().await?;
        self.action_item_get(scope, id).await
    }

    pub async fn action_item_get(&self, scope: &Scope, id: i64) -> Result<ActionItem> {
        let i: Option<ActionItem> = on_db!(&self.db, |p| {
            sqlx::query_as(&format!("SELECT {ITEM_COLS} {ITEM_FROM} WHERE i.id = $1"))
                .bind(id)
                .fetch_optional(p)
                .await?
        });
        let Some(i) = i else {
            return Err(StoreError::NotFound("事项不存在"));
        };
        let own = scope.acts_as(i.owner_id);
        match self.org_get(scope, i.org_id).await {
            Ok(_) if matches!(scope, Scope::Subtree { .. }) => Ok(i),
            _ if own => Ok(i),
            _ => Err(StoreError::NotFound("事项不存在")),
        }
    }

    /// Closes an action item with a note (its owner or the organisation's administrators).
    pub async fn action_item_close(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        note: &str,
    ) -> Result<ActionItem> {
        let item = self.action_item_get(scope, id).await?;
        let own = scope.acts_as(item.owner_id);
        if !own {
            let org = self.org_get(scope, item.org_id).await?;
            if !writes_life(scope, &org.org_path()) {
                return Err(StoreError::Forbidden);
            }
        }
        let note = lines("closing_note", note, 1000)?
            .ok_or_else(|| StoreError::invalid("closing_note", "请写明完成情况"))?;
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, |c| {
            sqlx::query(
                "UPDATE action_items SET status = 'done', closing_note = $1, closed_at = $2 \
                 WHERE id = $3 AND status = 'open'",
            )
            .bind(&note)
            .bind(now)
            .bind(id)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::Conflict);
        }
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "action.close",
                format!("{}：事项「{}」完成：{note}", item.org_name, item.title),
            )
            .on("action_item", id),
        )
        .await?;
        tx.commit().await?;
        self.action_item_get(scope, id).await
    }

    /// Action items of a meeting.
    pub async fn meeting_items(&self, scope: &Scope, meeting_id: i64) -> Result<Vec<ActionItem>> {
        self.meeting_get(scope, meeting_id).await?;
        Ok(on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "SELECT {ITEM_COLS} {ITEM_FROM} WHERE i.meeting_id = $1 ORDER BY i.id"
            ))
            .bind(meeting_id)
            .fetch_all(p)
            .await?
        }))
    }

    /// Open action items of an organisation's subtree (`open_only`), or all, by deadline.
    pub async fn org_items(
        &self,
        scope: &Scope,
        org_id: i64,
        open_only: bool,
    ) -> Result<Vec<ActionItem>> {
        let org = self.org_get(scope, org_id).await?;
        if !matches!(scope, Scope::Subtree { .. }) {
            return Err(StoreError::Forbidden);
        }
        let path = org.org_path();
        Ok(on_db!(&self.db, |p| {
            let mut q =
                QueryBuilder::new(format!("SELECT {ITEM_COLS} {ITEM_FROM} WHERE o.path >= "));
            q.push_bind(path.as_str().to_string())
                .push(" AND o.path < ")
                .push_bind(path.upper_bound());
            if open_only {
                q.push(" AND i.status = 'open'");
            }
            q.push(" ORDER BY i.status DESC, i.due_date, i.id LIMIT 1000");
            q.build_query_as().fetch_all(p).await?
        }))
    }

    /// Open action items owned by a roster person (their to-do list).
    pub async fn items_owned(&self, member_id: i64) -> Result<Vec<ActionItem>> {
        Ok(on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "SELECT {ITEM_COLS} {ITEM_FROM} WHERE i.owner_id = $1 AND i.status = 'open' \
                 ORDER BY i.due_date, i.id"
            ))
            .bind(member_id)
            .fetch_all(p)
            .await?
        }))
    }

    /// Meetings that took place per direct sub-organisation (its subtree counted) and kind,
    /// between two days, for the upper organisation's view.
    pub async fn meetings_by_child(
        &self,
        scope: &Scope,
        org_id: i64,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<KindCounts>> {
        let org = self.org_get(scope, org_id).await?;
        if !matches!(scope, Scope::Subtree { .. }) {
            return Err(StoreError::Forbidden);
        }
        let children = self.org_children(scope, org.id, false).await?;
        let rows: Vec<(String, String, i64)> = on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "SELECT o.path, m.kind, COUNT(*) FROM meetings m JOIN orgs o ON o.id = \
                 COALESCE(m.group_id, m.org_id) WHERE m.status IN {TOOK_PLACE} AND \
                 m.meeting_date >= $1 AND m.meeting_date <= $2 AND o.path >= $3 AND o.path < \
                 $4 GROUP BY o.path, m.kind"
            ))
            .bind(from)
            .bind(to)
            .bind(org.path.clone())
            .bind(org.org_path().upper_bound())
            .fetch_all(p)
            .await?
        });
        let mut out: Vec<KindCounts> = children
            .into_iter()
            .map(|c| KindCounts {
                org: c.org,
                counts: HashMap::new(),
            })
            .collect();
        for (path, kind, n) in rows {
            let p = OrgPath::from_stored(path);
            if let Some(k) = out.iter_mut().find(|k| k.org.org_path().contains(&p)) {
                *k.counts.entry(kind).or_default() += n;
            }
        }
        Ok(out)
    }

    /// Meetings that took place, per organisation they count for (a party-group meeting for
    /// its group), for the meeting rules.
    pub(crate) async fn meetings_for_check(
        &self,
        cfg: &LifeConfig,
        range: &crate::development::PathRange,
    ) -> Result<HashMap<i64, Vec<(Standard, NaiveDate)>>> {
        // Two halves, each read through its own index over the range: the meetings of a
        // party group count for the group, the others for their organisation.
        let rows: Vec<(i64, String, NaiveDate)> = on_db!(&self.db, |p| {
            let mut q = QueryBuilder::new("");
            for (i, (owner, cond)) in [
                ("m.org_id", "m.group_id IS NULL"),
                ("m.group_id", "m.group_id IS NOT NULL"),
            ]
            .into_iter()
            .enumerate()
            {
                if i > 0 {
                    q.push(" UNION ALL ");
                }
                q.push(format!(
                    "SELECT {owner}, m.kind, m.meeting_date FROM meetings m JOIN orgs o ON \
                     o.id = {owner} WHERE {cond} AND m.status IN {TOOK_PLACE}"
                ));
                range.push_paths(&mut q, "o.path");
                range.push_ids(&mut q, owner);
            }
            q.build_query_as().fetch_all(p).await?
        });
        let mut out: HashMap<i64, Vec<(Standard, NaiveDate)>> = HashMap::new();
        for (org, kind, day) in rows {
            out.entry(org)
                .or_default()
                .push((cfg.counts_as(&kind), day));
        }
        Ok(out)
    }

    /// A notice of a meeting (its notice, a move, a cancellation) to its attendees' accounts
    /// and the organisation's.
    async fn meeting_notice(
        &self,
        tx: &mut Tx,
        m: &Meeting,
        cfg: &LifeConfig,
        kind: &'static str,
        what: &str,
    ) -> Result<()> {
        let people: Vec<i64> = on_tx!(tx, |c| {
            sqlx::query_scalar("SELECT member_id FROM meeting_attendees WHERE meeting_id = $1")
                .bind(m.id)
                .fetch_all(&mut *c)
                .await?
        });
        let mut who = Self::accounts_of_members(tx, &people).await?;
        who.extend(Self::accounts_of_orgs(tx, &[m.org_id]).await?);
        let when = format!(
            "{}{}",
            m.meeting_date,
            m.start_time
                .as_deref()
                .map(|t| format!(" {t}"))
                .unwrap_or_default()
        );
        let place = if m.online {
            "线上".to_string()
        } else {
            m.place.clone().unwrap_or_default()
        };
        let body = match (kind, &m.cancel_reason) {
            (_, Some(r)) if m.status == "cancelled" => format!("原定 {when} 的会议已取消：{r}"),
            _ => format!("时间：{when}；地点：{place}；主题：{}", m.topic),
        };
        self.notice_emit(
            tx,
            &crate::notices::NewNotice {
                kind,
                org_id: Some(m.org_id),
                title: format!("{what}：{}「{}」", cfg.kind_label(&m.kind), m.topic),
                body,
                link: Some(format!("/meetings/{}", m.id)),
                key: format!("{kind}:{}:{}:{}", m.id, m.version, m.status),
            },
            &who,
        )
        .await?;
        Ok(())
    }

    async fn meeting_in(tx: &mut Tx, id: i64) -> Result<Meeting> {
        Ok(on_tx!(tx, |c| {
            sqlx::query_as(&format!(
                "SELECT {MEETING_COLS} {MEETING_FROM} WHERE m.id = $1"
            ))
            .bind(id)
            .fetch_one(&mut *c)
            .await?
        }))
    }

    /// Re-judges the organisation a meeting counts for (and the branch of a group meeting).
    async fn meeting_refresh(&self, m: &Meeting) {
        let mut ids = vec![m.org_id];
        ids.extend(m.group_id);
        self.findings_refresh_orgs(&ids).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_differ_by_step_meeting_and_secret() {
        let a = checkin_code(b"k1", 1, 100);
        assert_eq!(a.len(), 24);
        assert_eq!(a, checkin_code(b"k1", 1, 100));
        assert_ne!(a, checkin_code(b"k1", 1, 101));
        assert_ne!(a, checkin_code(b"k1", 2, 100));
        assert_ne!(a, checkin_code(b"k2", 1, 100));
    }
}

/// An attachment of a meeting, without its bytes.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Attachment {
    pub id: i64,
    pub meeting_id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_at: DateTime<Utc>,
}

impl Attachment {
    pub fn size_label(&self) -> String {
        if self.size >= 1024 * 1024 {
            format!("{:.1} MB", self.size as f64 / 1024.0 / 1024.0)
        } else {
            format!("{} KB", (self.size + 1023) / 1024)
        }
    }
}

/// The largest attachment accepted.
pub const MAX_ATTACHMENT: usize = 10 * 1024 * 1024;
/// Attachments of one meeting, at most.
pub const MAX_ATTACHMENTS: i64 = 30;

/// An uploaded file's name as kept: no control characters, slashes or quotes, at most 100
/// characters, 附件 when nothing is left.
pub(crate) fn upload_name(name: &str) -> String {
    let name: String = name
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | '"'))
        .take(100)
        .collect();
    match name.trim() {
        "" => "附件".to_string(),
        t => t.to_string(),
    }
}

/// The type of a file by its content, checked against its name: PDF, JPEG, PNG, and the Word,
/// PowerPoint and Excel files of Office 2007 and later. Anything else, or content that does
/// not match the name, is refused.
pub fn sniff(name: &str, bytes: &[u8]) -> std::result::Result<&'static str, String> {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let kind = if bytes.starts_with(b"%PDF-") {
        Some(("application/pdf", &["pdf"][..]))
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("image/jpeg", &["jpg", "jpeg"][..]))
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some(("image/png", &["png"][..]))
    } else if bytes.starts_with(b"PK\x03\x04") {
        // An Office Open XML package names its main part in the first entries.
        let head = &bytes[..bytes.len().min(64 * 1024)];
        let has = |s: &[u8]| head.windows(s.len()).any(|w| w == s);
        if has(b"word/") {
            Some((
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                &["docx"][..],
            ))
        } else if has(b"ppt/") {
            Some((
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                &["pptx"][..],
            ))
        } else if has(b"xl/") {
            Some((
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                &["xlsx"][..],
            ))
        } else {
            None
        }
    } else {
        None
    };
    match kind {
        None if ["pdf", "jpg", "jpeg", "png", "docx", "pptx", "xlsx"].contains(&ext.as_str()) => {
            Err(format!(
                "文件内容不是有效的 .{ext} 文件（可能已损坏或只是改了扩展名）"
            ))
        }
        None => Err("只能上传 PDF、JPG、PNG 或 Word、PowerPoint、Excel（2007 及以后）文件".into()),
        Some((_, exts)) if !exts.contains(&ext.as_str()) => {
            Err(format!("文件内容与扩展名“.{ext}”不符，请检查文件"))
        }
        Some((mime, _)) => Ok(mime),
    }
}

impl Store {
    /// Adds an attachment (the meeting's administrators); checked by size and content.
    pub async fn attachment_add(
        &self,
        actor: &Actor,
        scope: &Scope,
        meeting_id: i64,
        name: &str,
        bytes: &[u8],
    ) -> Result<Attachment> {
        let (m, org) = self.meeting_for_write(scope, meeting_id).await?;
        if bytes.is_empty() {
            return Err(StoreError::invalid("file", "请选择文件"));
        }
        if bytes.len() > MAX_ATTACHMENT {
            return Err(StoreError::invalid("file", "文件不能超过 10 MB"));
        }
        let name = crate::meetings::upload_name(name);
        let mime = sniff(&name, bytes).map_err(|e| StoreError::invalid("file", e))?;
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        let count: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar("SELECT COUNT(*) FROM meeting_attachments WHERE meeting_id = $1")
                .bind(meeting_id)
                .fetch_one(&mut *c)
                .await?
        });
        if count >= MAX_ATTACHMENTS {
            return Err(StoreError::invalid(
                "file",
                format!("每次会议最多 {MAX_ATTACHMENTS} 个附件"),
            ));
        }
        let id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
                "INSERT INTO meeting_attachments (meeting_id, name, content_type, size, data, \
                 uploaded_at, uploaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(meeting_id)
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
                "meeting.attachment",
                format!(
                    "{}：{}「{}」上传附件 {name}（{} 字节）",
                    org.name,
                    m.meeting_date,
                    m.topic,
                    bytes.len()
                ),
            )
            .on("meeting", meeting_id),
        )
        .await?;
        tx.commit().await?;
        Ok(Attachment {
            id,
            meeting_id,
            name,
            content_type: mime.to_string(),
            size: bytes.len() as i64,
            uploaded_at: now,
        })
    }

    pub async fn attachments_of(&self, scope: &Scope, meeting_id: i64) -> Result<Vec<Attachment>> {
        self.meeting_get(scope, meeting_id).await?;
        Ok(on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT id, meeting_id, name, content_type, size, uploaded_at FROM \
                 meeting_attachments WHERE meeting_id = $1 ORDER BY id",
            )
            .bind(meeting_id)
            .fetch_all(p)
            .await?
        }))
    }

    /// An attachment with its bytes, under the same scope as its meeting.
    pub async fn attachment_get(&self, scope: &Scope, id: i64) -> Result<(Attachment, Vec<u8>)> {
        #[derive(FromRow)]
        struct Row {
            #[sqlx(flatten)]
            a: Attachment,
            data: Vec<u8>,
        }
        let row: Option<Row> = on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT id, meeting_id, name, content_type, size, uploaded_at, data FROM \
                 meeting_attachments WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(p)
            .await?
        });
        let Some(Row { a, data }) = row else {
            return Err(StoreError::NotFound("附件不存在"));
        };
        match self.meeting_get(scope, a.meeting_id).await {
            Ok(_) => Ok((a, data)),
            Err(StoreError::NotFound(_)) => Err(StoreError::NotFound("附件不存在")),
            Err(e) => Err(e),
        }
    }
}

/// One past meeting to import, its organisation found by the caller.
#[derive(Debug, Clone)]
pub struct MeetingImportItem {
    /// The row of the sheet, for messages.
    pub row: usize,
    pub org_id: i64,
    pub group_id: Option<i64>,
    pub kind: String,
    pub date: NaiveDate,
    pub topic: String,
    pub place: Option<String>,
    pub expected: i64,
    pub present: i64,
    pub leave: i64,
    pub minutes: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct MeetingImportOutcome {
    pub created: usize,
    /// Row-level problems that stop the import (nothing is written when there are any).
    pub errors: Vec<(usize, String)>,
}

impl Store {
    /// Imports past meetings, all or nothing: each becomes an approved meeting with the
    /// attendance counts of the sheet (no attendee list), marked as imported. A meeting
    /// already recorded (same organisation, day, kind and topic) is refused, so that a file
    /// loaded twice is not counted twice.
    pub async fn meetings_import(
        &self,
        actor: &Actor,
        scope: &Scope,
        items: &[MeetingImportItem],
        source: &str,
        dry_run: bool,
    ) -> Result<MeetingImportOutcome> {
        if !matches!(scope, Scope::Subtree { write: true, .. }) {
            return Err(StoreError::Forbidden);
        }
        let cfg = self.life_config().await?;
        let today = self.clock.today();
        let orgs = self.org_all(scope).await?;
        let by_id: HashMap<i64, &Org> = orgs.iter().map(|o| (o.id, o)).collect();
        let mut out = MeetingImportOutcome::default();
        let mut seen: HashMap<(i64, NaiveDate, &str, &str), usize> = HashMap::new();
        for it in items {
            let Some(org) = by_id.get(&it.org_id) else {
                out.errors
                    .push((it.row, "所在党组织不在您的管理范围内".into()));
                continue;
            };
            if !writes_life(scope, &org.org_path()) {
                out.errors
                    .push((it.row, format!("您不能登记{}的会议", org.name)));
                continue;
            }
            if org.kind() == Some(OrgType::PartyGroup) {
                out.errors.push((
                    it.row,
                    format!("“{}”是党小组，会议请登记在所属党支部下", org.name),
                ));
                continue;
            }
            if it.date > today {
                out.errors
                    .push((it.row, "会议日期还没到，只能导入已召开的会议".into()));
                continue;
            }
            let Some(kind) = cfg.kind(&it.kind) else {
                out.errors
                    .push((it.row, format!("没有会议类型“{}”", it.kind)));
                continue;
            };
            if kind.counts_as == Standard::Joint {
                out.errors
                    .push((it.row, "联席会议请在联席会议页面登记".into()));
                continue;
            }
            match (kind.expected, it.group_id) {
                (Expected::PartyGroup, None) => {
                    out.errors.push((it.row, "党小组会请填写党小组".into()));
                    continue;
                }
                (Expected::PartyGroup, Some(g)) => {
                    let ok = by_id.get(&g).is_some_and(|o| {
                        o.parent_id == Some(org.id) && o.kind() == Some(OrgType::PartyGroup)
                    });
                    if !ok {
                        out.errors
                            .push((it.row, format!("党小组须是{}下的党小组", org.name)));
                        continue;
                    }
                }
                (_, Some(_)) => {
                    out.errors.push((
                        it.row,
                        format!("只有党小组会填写党小组（本行是{}）", kind.label),
                    ));
                    continue;
                }
                (_, None) => {}
            }
            if let Some(first) = seen.insert(
                (it.org_id, it.date, it.kind.as_str(), it.topic.as_str()),
                it.row,
            ) {
                out.errors.push((
                    it.row,
                    format!("与第 {first} 行重复（同一组织、日期、类型和主题）"),
                ));
            }
        }
        // Meetings already recorded.
        if let (Some(from), Some(to)) = (
            items.iter().map(|i| i.date).min(),
            items.iter().map(|i| i.date).max(),
        ) {
            let mut ids: Vec<i64> = items.iter().map(|i| i.org_id).collect();
            ids.sort_unstable();
            ids.dedup();
            let mut have: std::collections::HashSet<(i64, NaiveDate, String, String)> =
                Default::default();
            for chunk in ids.chunks(500) {
                let found: Vec<(i64, NaiveDate, String, String)> = on_db!(&self.db, |p| {
                    let mut q = QueryBuilder::new(
                        "SELECT org_id, meeting_date, kind, topic FROM meetings WHERE \
                         status <> 'cancelled' AND meeting_date >= ",
                    );
                    q.push_bind(from)
                        .push(" AND meeting_date <= ")
                        .push_bind(to)
                        .push(" AND org_id IN (");
                    let mut sep = q.separated(", ");
                    for id in chunk {
                        sep.push_bind(*id);
                    }
                    q.push(")");
                    q.build_query_as().fetch_all(p).await?
                });
                have.extend(found);
            }
            for it in items {
                if have.contains(&(it.org_id, it.date, it.kind.clone(), it.topic.clone())) {
                    out.errors.push((
                        it.row,
                        "系统中已有这次会议（同一组织、日期、类型和主题），不再重复导入".into(),
                    ));
                }
            }
        }
        if !out.errors.is_empty() || dry_run {
            out.errors.sort();
            out.errors.dedup();
            if out.errors.is_empty() {
                out.created = items.len();
            }
            return Ok(out);
        }
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        for chunk in items.chunks(400) {
            on_tx!(&mut tx, |c| {
                let mut q = QueryBuilder::new(
                    "INSERT INTO meetings (org_id, group_id, kind, meeting_date, place, online, \
                     topic, status, minutes, minutes_at, approved_at, closed_at, \
                     expected_count, present_count, leave_count, source, created_at, \
                     updated_at) ",
                );
                q.push_values(chunk, |mut b, it| {
                    b.push_bind(it.org_id)
                        .push_bind(it.group_id)
                        .push_bind(it.kind.clone())
                        .push_bind(it.date)
                        .push_bind(it.place.clone())
                        .push_bind(false)
                        .push_bind(it.topic.clone())
                        .push_bind(MeetingStatus::Approved.code())
                        .push_bind(it.minutes.clone())
                        .push_bind(it.minutes.as_ref().map(|_| now))
                        .push_bind(now)
                        .push_bind(now)
                        .push_bind(it.expected)
                        .push_bind(it.present)
                        .push_bind(it.leave)
                        .push_bind("imported")
                        .push_bind(now)
                        .push_bind(now);
                });
                q.build().execute(&mut *c).await?;
            });
        }
        // One audit entry per organisation, with its count and the file.
        let mut per_org: std::collections::BTreeMap<i64, usize> = Default::default();
        for it in items {
            *per_org.entry(it.org_id).or_default() += 1;
        }
        for (org_id, n) in &per_org {
            let name = by_id.get(org_id).map(|o| o.name.as_str()).unwrap_or("");
            self.audit(
                &mut tx,
                actor,
                AuditEvent::ok(
                    "meeting.import",
                    format!("{name}：从 {source} 导入历史会议 {n} 次"),
                )
                .on("org", *org_id),
            )
            .await?;
        }
        tx.commit().await?;
        out.created = items.len();
        let mut refresh: Vec<i64> = per_org.keys().copied().collect();
        refresh.extend(items.iter().filter_map(|i| i.group_id));
        refresh.sort_unstable();
        refresh.dedup();
        self.findings_refresh_orgs(&refresh).await;
        Ok(out)
    }
}
