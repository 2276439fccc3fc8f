//! Transfers of membership with a letter (组织关系介绍信): issued by the branch the person
//! leaves, valid for a time (three months by default), closed when the person reports to the
//! receiving organisation — inside the system (the receiving side confirms, and the person
//! moves) or outside it (the issuing side records the receipt, and the person leaves the
//! roster). Letters of people coming from outside are recorded on arrival.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::FromRow;
use xianfeng_domain::dates::{add_months, format_date};
use xianfeng_domain::members::ArchiveReason;
use xianfeng_domain::org::OrgPath;
use xianfeng_domain::rules::{LetterFacts, LetterStatus};
use xianfeng_domain::scope::Scope;

use crate::audit::{Actor, AuditEvent};
use crate::{on_db, on_tx, Result, Store, StoreError, Tx};

/// A letter as stored, with the names the pages show.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Letter {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub direction: String,
    pub letter_no: String,
    pub from_org_id: Option<i64>,
    pub from_name: Option<String>,
    pub to_org_id: Option<i64>,
    pub to_name: Option<String>,
    pub issued_on: NaiveDate,
    pub valid_until: NaiveDate,
    pub reported_on: Option<NaiveDate>,
    pub status: String,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Letter {
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "open" if self.to_org_id.is_none() && self.direction == "out" => "待对方接收",
            "open" => "待报到",
            "reported" if self.to_org_id.is_none() && self.direction == "out" => {
                "已转出（对方已接收）"
            }
            "reported" => "已报到",
            "cancelled" => "已作废",
            _ => "",
        }
    }
    pub fn direction_label(&self) -> &'static str {
        if self.direction == "in" {
            "转入"
        } else {
            "转出"
        }
    }
    /// What MEM-004 judges of this letter.
    pub fn facts(&self) -> LetterFacts<'_> {
        LetterFacts {
            id: self.id,
            letter_no: &self.letter_no,
            to_name: self.to_name.as_deref().unwrap_or(""),
            issued_on: self.issued_on,
            valid_until: self.valid_until,
            reported_on: self.reported_on,
            status: LetterStatus::parse(&self.status),
        }
    }
    pub fn overdue_on(&self, day: &NaiveDate) -> bool {
        match self.reported_on {
            Some(r) => r > self.valid_until,
            None => self.status == "open" && *day > self.valid_until,
        }
    }
}

const LETTER_COLS: &str = "l.id, l.member_id, m.name AS member_name, l.direction, l.letter_no, \
    l.from_org_id, COALESCE(fo.name, l.from_text) AS from_name, l.to_org_id, \
    COALESCE(t.name, l.to_text) AS to_name, l.issued_on, l.valid_until, l.reported_on, l.status, \
    l.note, l.created_at";
const LETTER_FROM: &str = "FROM transfer_letters l JOIN members m ON m.id = l.member_id \
    LEFT JOIN orgs fo ON fo.id = l.from_org_id LEFT JOIN orgs t ON t.id = l.to_org_id";

/// Where a letter sends the person.
#[derive(Debug, Clone)]
pub enum Destination {
    /// A branch in the system.
    Org(i64),
    /// An organisation outside the system, by name.
    Outside(String),
}

impl Store {
    /// Letters of one person, newest first.
    pub async fn letters_of(&self, scope: &Scope, member_id: i64) -> Result<Vec<Letter>> {
        self.member_get(scope, member_id).await?;
        Ok(on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "SELECT {LETTER_COLS} {LETTER_FROM} WHERE l.member_id = $1 ORDER BY l.issued_on \
                DESC, l.id DESC"
            ))
            .bind(member_id)
            .fetch_all(p)
            .await?
        }))
    }

    /// Letters leaving or arriving in a subtree, open ones first.
    pub async fn letters_in(&self, scope: &Scope, path: &OrgPath) -> Result<Vec<Letter>> {
        if !scope.reads_members() || !scope.sees_member(0, path) {
            return Err(StoreError::NotFound("组织不存在"));
        }
        Ok(on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "SELECT {LETTER_COLS} {LETTER_FROM} WHERE (fo.path >= $1 AND fo.path < $2) OR \
                    (t.path >= $1 AND t.path < $2) \
                 ORDER BY CASE WHEN l.status = 'open' THEN 0 ELSE 1 END, l.valid_until, l.id \
                 LIMIT 500"
            ))
            .bind(path.as_str())
            .bind(path.upper_bound())
            .fetch_all(p)
            .await?
        }))
    }

    /// Letters of these people, for a re-check after a write.
    pub(crate) async fn letters_for_members(&self, ids: &[i64]) -> Result<Vec<Letter>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(500) {
            let rows: Vec<Letter> = on_db!(&self.db, |p| {
                let mut q = sqlx::QueryBuilder::new(format!(
                    "SELECT {LETTER_COLS} {LETTER_FROM} WHERE l.member_id IN ("
                ));
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

    /// Every letter that concerns people of a subtree (`None`: all) on the roster (of the past
    /// day `on`), for the check.
    pub(crate) async fn letters_for_check(
        &self,
        range: &crate::development::PathRange,
        on: Option<NaiveDate>,
    ) -> Result<Vec<Letter>> {
        let roster = crate::development::on_roster(on);
        Ok(on_db!(&self.db, |p| {
            match Some(range).filter(|r| !r.is_all() || r.ids.is_some()) {
                Some(r) => {
                    let mut q = sqlx::QueryBuilder::new(format!(
                        "SELECT {LETTER_COLS} {LETTER_FROM} WHERE {roster}"
                    ));
                    r.push_paths(&mut q, "m.org_path");
                    r.push_ids(&mut q, "m.id");
                    r.push_ids(&mut q, "l.member_id");
                    q.build_query_as().fetch_all(p).await?
                }
                None => {
                    sqlx::query_as(&format!(
                        "SELECT {LETTER_COLS} {LETTER_FROM} WHERE {roster}"
                    ))
                    .fetch_all(p)
                    .await?
                }
            }
        }))
    }

    /// Issues a letter for a person leaving their branch. Valid for three months unless
    /// `valid_until` says otherwise.
    #[allow(clippy::too_many_arguments)]
    pub async fn letter_issue(
        &self,
        actor: &Actor,
        scope: &Scope,
        member_id: i64,
        letter_no: &str,
        to: Destination,
        issued_on: NaiveDate,
        valid_until: Option<NaiveDate>,
    ) -> Result<i64> {
        let m = self.member_get(scope, member_id).await?;
        if !scope.may_write_member(&m.path()) {
            return Err(StoreError::Forbidden);
        }
        if m.is_archived() {
            return Err(StoreError::invalid("member", "已出库人员不能开具介绍信"));
        }
        let no = xianfeng_domain::text::clean(letter_no);
        if no.is_empty() || no.chars().count() > 40 {
            return Err(StoreError::invalid(
                "letter_no",
                "请填写介绍信编号（最多 40 字）",
            ));
        }
        if issued_on > self.clock.today() {
            return Err(StoreError::invalid("issued_on", "开具日期不能晚于今天"));
        }
        let valid_until = valid_until.unwrap_or_else(|| add_months(issued_on, 3));
        if valid_until < issued_on {
            return Err(StoreError::invalid("valid_until", "有效期不能早于开具日期"));
        }
        let (to_org, to_text) = match to {
            Destination::Org(id) => {
                let o = self.org_get(&Scope::Structure, id).await?;
                if !o.kind().is_some_and(|k| k.is_branch()) || o.is_archived() {
                    return Err(StoreError::invalid(
                        "to",
                        format!("“{}”不是在用的党支部，组织关系须转入党支部", o.name),
                    ));
                }
                if o.id == m.org_id {
                    return Err(StoreError::invalid("to", "转入组织与当前所在组织相同"));
                }
                (Some(o.id), None)
            }
            Destination::Outside(name) => {
                let n = xianfeng_domain::text::clean(&name);
                if n.is_empty() || n.chars().count() > 100 {
                    return Err(StoreError::invalid(
                        "to",
                        "请填写转往的党组织（最多 100 字）",
                    ));
                }
                (None, Some(n))
            }
        };
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        // The person's row is locked first, so that two letters issued at once are checked one
        // after the other; a person archived meanwhile gets none.
        let (on_roster, open): (u64, i64) = on_tx!(&mut tx, |c| {
            let on_roster = sqlx::query(
                "UPDATE members SET version = version WHERE id = $1 AND archived_at IS NULL",
            )
            .bind(member_id)
            .execute(&mut *c)
            .await?
            .rows_affected();
            let open = sqlx::query_scalar(
                "SELECT COUNT(*) FROM transfer_letters WHERE member_id = $1 AND status = 'open' \
                AND direction = 'out'",
            )
            .bind(member_id)
            .fetch_one(&mut *c)
            .await?;
            (on_roster, open)
        });
        if on_roster != 1 {
            return Err(StoreError::invalid("letter_no", "已出库人员不能开具介绍信"));
        }
        if open > 0 {
            return Err(StoreError::invalid(
                "letter_no",
                "该人员已有待报到的介绍信，请先作废或等待报到",
            ));
        }
        let id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
                "INSERT INTO transfer_letters (member_id, direction, letter_no, from_org_id, \
                    to_org_id, to_text, issued_on, valid_until, status, created_by, created_at, \
                    updated_at) \
                 VALUES ($1, 'out', $2, $3, $4, $5, $6, $7, 'open', $8, $9, $9) RETURNING id",
            )
            .bind(member_id)
            .bind(&no)
            .bind(m.org_id)
            .bind(to_org)
            .bind(&to_text)
            .bind(issued_on)
            .bind(valid_until)
            .bind(actor.account_id)
            .bind(now)
            .fetch_one(&mut *c)
            .await?
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "letter.issue",
                format!(
                    "{} 开具组织关系介绍信 {no}，有效期至 {}",
                    m.name,
                    format_date(valid_until)
                ),
            )
            .on("member", member_id),
        )
        .await?;
        tx.commit().await?;
        self.findings_refresh_members(&[member_id]).await;
        Ok(id)
    }

    /// The person has reported: inside the system the receiving side confirms and the person
    /// moves there on that day; for a letter to outside, the issuing side records the receipt
    /// and the person leaves the roster (转出) on that day. The letter is closed, the person
    /// moved or archived and both audited in one transaction; the letter's state is checked by
    /// a guarded update inside it, so a second submission records nothing.
    pub async fn letter_report(
        &self,
        actor: &Actor,
        scope: &Scope,
        letter_id: i64,
        reported_on: NaiveDate,
    ) -> Result<bool> {
        let l = self.letter_get(letter_id).await?;
        // Who may report it: the receiving side for a letter inside the system, the issuing
        // side for one to outside. Anyone else learns nothing of it, not even its state.
        let dest = match l.to_org_id {
            Some(to) => Some(self.org_get(&Scope::Structure, to).await?),
            None => None,
        };
        let answerable = match &dest {
            Some(org) => scope.may_write_member(&org.org_path()),
            None => self.member_get(scope, l.member_id).await.is_ok(),
        };
        if !answerable {
            return Err(StoreError::NotFound("找不到该介绍信"));
        }
        if l.status != "open" {
            return Err(StoreError::invalid("letter", "该介绍信已办结"));
        }
        if reported_on > self.clock.today() || reported_on < l.issued_on {
            return Err(StoreError::invalid(
                "reported_on",
                "报到日期应在开具日期之后、今天之前",
            ));
        }
        let now = self.clock.now();
        match dest {
            Some(org) => {
                // The receiving side confirms: the person is read whatever the caller's scope.
                let member = self.member_get(&Scope::whole_tree(), l.member_id).await?;
                if l.from_org_id.is_some_and(|from| from != member.org_id) || member.is_archived() {
                    return Err(StoreError::invalid(
                        "letter",
                        "该人员已不在开具介绍信的组织（已转接或出库），请由开具方作废此介绍信",
                    ));
                }
                if org.is_archived() {
                    return Err(StoreError::invalid(
                        "letter",
                        "接收组织已撤销，请由开具方作废此介绍信后重新开具",
                    ));
                }
                let mut tx = self.begin().await?;
                Self::letter_close_in(&mut tx, l.id, reported_on, now).await?;
                let note = format!("介绍信 {}", l.letter_no);
                Self::transfer_in(&mut tx, actor, &member, &org, reported_on, Some(&note), now)
                    .await?;
                self.audit(
                    &mut tx,
                    actor,
                    AuditEvent::ok(
                        "letter.report",
                        format!(
                            "{} 持介绍信 {} 于 {} 到{}报到",
                            member.name,
                            l.letter_no,
                            format_date(reported_on),
                            org.name
                        ),
                    )
                    .on("member", l.member_id),
                )
                .await?;
                tx.commit().await?;
                self.findings_refresh_members(&[l.member_id]).await;
                self.findings_refresh_orgs(&[member.org_id]).await;
                Ok(true)
            }
            None => {
                // Receipt confirmed by the organisation outside: the person leaves the roster.
                let reason = ArchiveReason::TransferredOut;
                let m = self
                    .member_archive_check(scope, l.member_id, reason, reported_on)
                    .await?;
                let note = format!(
                    "持介绍信 {} 转往{}",
                    l.letter_no,
                    l.to_name.clone().unwrap_or_default()
                );
                let mut tx = self.begin().await?;
                Self::letter_close_in(&mut tx, l.id, reported_on, now).await?;
                self.archive_in(&mut tx, actor, &m, reason, reported_on, Some(&note))
                    .await?;
                self.audit(
                    &mut tx,
                    actor,
                    AuditEvent::ok(
                        "letter.report",
                        format!(
                            "{} 持介绍信 {} 转往{}，对方于 {} 接收",
                            m.name,
                            l.letter_no,
                            l.to_name.clone().unwrap_or_default(),
                            format_date(reported_on)
                        ),
                    )
                    .on("member", l.member_id),
                )
                .await?;
                tx.commit().await?;
                self.findings_refresh_members(&[l.member_id]).await;
                self.findings_refresh_orgs(&[m.org_id]).await;
                Ok(false)
            }
        }
    }

    /// A letter by id, without a scope check: callers check the person or the destination.
    async fn letter_get(&self, letter_id: i64) -> Result<Letter> {
        let l: Option<Letter> = on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "SELECT {LETTER_COLS} {LETTER_FROM} WHERE l.id = $1"
            ))
            .bind(letter_id)
            .fetch_optional(p)
            .await?
        });
        l.ok_or(StoreError::NotFound("找不到该介绍信"))
    }

    /// Marks an open letter reported inside `tx`; refuses a letter another request closed.
    async fn letter_close_in(
        tx: &mut Tx,
        letter_id: i64,
        reported_on: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let closed = on_tx!(tx, |c| {
            sqlx::query(
                "UPDATE transfer_letters SET status = 'reported', reported_on = $1, updated_at = \
                $2 WHERE id = $3 AND status = 'open'",
            )
            .bind(reported_on)
            .bind(now)
            .bind(letter_id)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        if closed != 1 {
            return Err(StoreError::invalid("letter", "该介绍信已办结"));
        }
        Ok(())
    }

    /// Cancels an open letter (lost, expired and reissued): kept, marked 已作废.
    pub async fn letter_cancel(&self, actor: &Actor, scope: &Scope, letter_id: i64) -> Result<()> {
        let l = self.letter_get(letter_id).await?;
        let m = self
            .member_get(scope, l.member_id)
            .await
            .map_err(|_| StoreError::NotFound("找不到该介绍信"))?;
        if !scope.may_write_member(&m.path()) {
            return Err(StoreError::Forbidden);
        }
        if l.status != "open" {
            return Err(StoreError::invalid("letter", "该介绍信已办结"));
        }
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            let changed = sqlx::query(
                "UPDATE transfer_letters SET status = 'cancelled', updated_at = $1 WHERE id = $2 \
                AND status = 'open'",
            )
            .bind(now)
            .bind(l.id)
            .execute(&mut *c)
            .await?
            .rows_affected();
            if changed != 1 {
                return Err(StoreError::invalid("letter", "该介绍信已办结"));
            }
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "letter.cancel",
                format!("{} 的介绍信 {} 作废", m.name, l.letter_no),
            )
            .on("member", l.member_id),
        )
        .await?;
        tx.commit().await?;
        self.findings_refresh_members(&[l.member_id]).await;
        Ok(())
    }

    /// Records the letter of a person who came from outside the system (already on the roster).
    #[allow(clippy::too_many_arguments)]
    pub async fn letter_receive(
        &self,
        actor: &Actor,
        scope: &Scope,
        member_id: i64,
        letter_no: &str,
        from: &str,
        issued_on: NaiveDate,
        valid_until: Option<NaiveDate>,
        reported_on: NaiveDate,
    ) -> Result<i64> {
        let m = self.member_get(scope, member_id).await?;
        if !scope.may_write_member(&m.path()) {
            return Err(StoreError::Forbidden);
        }
        let no = xianfeng_domain::text::clean(letter_no);
        let from = xianfeng_domain::text::clean(from);
        if no.is_empty() || from.is_empty() {
            return Err(StoreError::invalid(
                "letter_no",
                "请填写介绍信编号和开具的党组织",
            ));
        }
        let valid_until = valid_until.unwrap_or_else(|| add_months(issued_on, 3));
        let today = self.clock.today();
        if issued_on > today || reported_on > today || reported_on < issued_on {
            return Err(StoreError::invalid(
                "reported_on",
                "日期有误：开具日期、报到日期不能晚于今天，报到不能早于开具",
            ));
        }
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
                "INSERT INTO transfer_letters (member_id, direction, letter_no, from_text, \
                    to_org_id, issued_on, valid_until, reported_on, status, created_by, \
                    created_at, updated_at) \
                 VALUES ($1, 'in', $2, $3, $4, $5, $6, $7, 'reported', $8, $9, $9) RETURNING id",
            )
            .bind(member_id)
            .bind(&no)
            .bind(&from)
            .bind(m.org_id)
            .bind(issued_on)
            .bind(valid_until)
            .bind(reported_on)
            .bind(actor.account_id)
            .bind(now)
            .fetch_one(&mut *c)
            .await?
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "letter.receive",
                format!(
                    "{} 持{from}介绍信 {no} 于 {} 报到",
                    m.name,
                    format_date(reported_on)
                ),
            )
            .on("member", member_id),
        )
        .await?;
        tx.commit().await?;
        self.findings_refresh_members(&[member_id]).await;
        Ok(id)
    }
}
