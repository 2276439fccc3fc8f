//! The roster: people in the pipeline and party members, scoped to an organisation subtree.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{FromRow, QueryBuilder};
use xianfeng_domain::members::{ArchiveReason, Category, Education, MemberFields, MemberStatus};
use xianfeng_domain::org::{OrgPath, OrgType};
use xianfeng_domain::scope::Scope;
use xianfeng_domain::text::{name_key, NAME_KEY_VERSION};
use xianfeng_domain::{Gender, IdNumber};

use crate::audit::{Actor, AuditEvent};
use crate::orgs::Org;
use crate::{on_db, on_tx, Page, PageReq, Result, Store, StoreError, Tx};

/// A roster row. The ID number is only ever here in masked form.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Member {
    pub id: i64,
    pub org_id: i64,
    #[serde(skip)]
    pub org_path: String,
    pub org_name: String,
    pub org_code: String,
    /// Party group (党小组) inside the branch, if assigned.
    pub party_group_id: Option<i64>,
    pub party_group_name: Option<String>,
    pub name: String,
    pub gender: String,
    pub ethnicity: Option<String>,
    pub birth_date: NaiveDate,
    #[serde(rename = "id_number_masked")]
    pub id_masked: String,
    pub education: Option<String>,
    pub status: String,
    pub category: String,
    pub phone: Option<String>,
    pub work_unit: Option<String>,
    pub post: Option<String>,
    pub application_date: Option<NaiveDate>,
    pub activist_date: Option<NaiveDate>,
    pub candidate_date: Option<NaiveDate>,
    pub admission_date: Option<NaiveDate>,
    pub conversion_date: Option<NaiveDate>,
    pub archived_at: Option<DateTime<Utc>>,
    pub archive_reason: Option<String>,
    pub archive_date: Option<NaiveDate>,
    pub archive_note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl Member {
    pub fn path(&self) -> OrgPath {
        OrgPath::from_stored(self.org_path.clone())
    }
    pub fn status_label(&self) -> &'static str {
        MemberStatus::parse(&self.status)
            .map(|s| s.label())
            .unwrap_or("")
    }
    pub fn category_label(&self) -> &'static str {
        Category::parse(&self.category)
            .map(|s| s.label())
            .unwrap_or("")
    }
    pub fn gender_label(&self) -> &'static str {
        Gender::from_code(&self.gender)
            .map(|g| g.label())
            .unwrap_or("")
    }
    pub fn education_label(&self) -> &'static str {
        self.education
            .as_deref()
            .and_then(Education::parse)
            .map(|e| e.label())
            .unwrap_or("")
    }
    pub fn archive_reason_label(&self) -> &'static str {
        self.archive_reason
            .as_deref()
            .and_then(ArchiveReason::parse)
            .map(|e| e.label())
            .unwrap_or("")
    }
    pub fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
    pub fn age_on(&self, day: NaiveDate) -> i32 {
        xianfeng_domain::dates::years_between(self.birth_date, day)
    }
}

/// date, from, to, note, recorded at
type TransferRow = (NaiveDate, String, String, Option<String>, DateTime<Utc>);

/// date, action, reason, note, recorded at
type ArchiveEventRow = (
    NaiveDate,
    String,
    Option<String>,
    Option<String>,
    DateTime<Utc>,
);

/// A dated event in a member's history.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    pub date: NaiveDate,
    pub what: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MemberSort {
    #[default]
    Name,
    NameDesc,
    Admission,
    AdmissionDesc,
    Birth,
    BirthDesc,
    Org,
}

impl MemberSort {
    pub fn parse(s: &str) -> Self {
        match s {
            "-name" => MemberSort::NameDesc,
            "admission" => MemberSort::Admission,
            "-admission" => MemberSort::AdmissionDesc,
            "birth" => MemberSort::Birth,
            "-birth" => MemberSort::BirthDesc,
            "org" => MemberSort::Org,
            _ => MemberSort::Name,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            MemberSort::Name => "name",
            MemberSort::NameDesc => "-name",
            MemberSort::Admission => "admission",
            MemberSort::AdmissionDesc => "-admission",
            MemberSort::Birth => "birth",
            MemberSort::BirthDesc => "-birth",
            MemberSort::Org => "org",
        }
    }
    fn sql(self) -> &'static str {
        match self {
            MemberSort::Name => "m.name_key, m.id",
            MemberSort::NameDesc => "m.name_key DESC, m.id DESC",
            // Empty dates last in both directions, the same on both engines.
            MemberSort::Admission => {
                "(m.admission_date IS NULL), m.admission_date, m.name_key, m.id"
            }
            MemberSort::AdmissionDesc => {
                "(m.admission_date IS NULL), m.admission_date DESC, m.name_key, m.id"
            }
            MemberSort::Birth => "m.birth_date, m.name_key, m.id",
            MemberSort::BirthDesc => "m.birth_date DESC, m.name_key, m.id",
            MemberSort::Org => "m.org_path, m.name_key, m.id",
        }
    }
}

/// Roster filters. `archived`: None = active only, Some(true) = archived only.
#[derive(Debug, Clone, Default)]
pub struct MemberFilter {
    pub q: Option<String>,
    pub status: Option<MemberStatus>,
    /// Probationary and full members only (党员).
    pub party_only: bool,
    pub category: Option<Category>,
    pub gender: Option<Gender>,
    pub sector: Option<xianfeng_domain::org::Sector>,
    pub under: Option<i64>,
    pub archived: bool,
    pub sort: MemberSort,
}

pub(crate) const MEMBER_COLS: &str = "m.id, m.org_id, m.org_path, o.name AS org_name, o.code AS \
    org_code, \
    m.party_group_id, g.name AS party_group_name, m.name, \
    m.gender, m.ethnicity, m.birth_date, m.id_masked, m.education, m.status, m.category, m.phone, \
    m.work_unit, m.post, m.application_date, m.activist_date, m.candidate_date, m.admission_date, \
    m.conversion_date, m.archived_at, m.archive_reason, m.archive_date, m.archive_note, \
    m.created_at, \
    m.updated_at, m.version";

/// Restricts a query on `members m` to the scope.
macro_rules! member_scope {
    ($q:expr, $scope:expr) => {
        match $scope {
            Scope::Subtree { path, .. } => {
                $q.push(" AND m.org_path >= ")
                    .push_bind(path.as_str().to_string())
                    .push(" AND m.org_path < ")
                    .push_bind(path.upper_bound());
            }
            Scope::Own { member_id } => {
                $q.push(" AND m.id = ").push_bind(*member_id);
            }
            Scope::Structure | Scope::Nothing => {
                $q.push(" AND 1=0");
            }
        }
    };
}

/// "字段：旧 → 新" for what an edit changes (the ID number only as masked).
fn member_changes(before: &Member, f: &MemberFields) -> String {
    let d = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let o = |s: &Option<String>| s.clone().unwrap_or_default();
    let edu = |e: Option<Education>| e.map(|e| e.label().to_string()).unwrap_or_default();
    crate::changes(vec![
        ("姓名", before.name.clone(), f.name.clone()),
        ("身份证号", before.id_masked.clone(), f.id_number.masked()),
        (
            "性别",
            before.gender_label().to_string(),
            f.gender.label().to_string(),
        ),
        (
            "民族",
            o(&before.ethnicity),
            f.ethnicity.unwrap_or_default().to_string(),
        ),
        (
            "出生日期",
            before.birth_date.to_string(),
            f.birth_date.to_string(),
        ),
        (
            "学历",
            before.education_label().to_string(),
            edu(f.education),
        ),
        (
            "人员状态",
            before.status_label().to_string(),
            f.status.label().to_string(),
        ),
        (
            "人员类别",
            before.category_label().to_string(),
            f.category.label().to_string(),
        ),
        (
            "联系电话",
            o(&before.phone),
            f.phone
                .as_ref()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default(),
        ),
        ("工作单位", o(&before.work_unit), o(&f.work_unit)),
        ("职务", o(&before.post), o(&f.post)),
        (
            "申请入党日期",
            d(before.application_date),
            d(f.application_date),
        ),
        (
            "确定积极分子日期",
            d(before.activist_date),
            d(f.activist_date),
        ),
        (
            "确定发展对象日期",
            d(before.candidate_date),
            d(f.candidate_date),
        ),
        ("入党日期", d(before.admission_date), d(f.admission_date)),
        ("转正日期", d(before.conversion_date), d(f.conversion_date)),
    ])
}

fn summary(f: &MemberFields) -> String {
    format!(
        "姓名={} 身份证号={} 状态={} 类别={}",
        f.name,
        f.id_number.masked(),
        f.status.label(),
        f.category.label()
    )
}

impl Store {
    async fn member_org_for_write(&self, scope: &Scope, org_id: i64) -> Result<Org> {
        let org = self.org_get(scope, org_id).await?;
        if !scope.may_write_member(&org.org_path()) {
            return Err(StoreError::Forbidden);
        }
        if org.is_archived() {
            return Err(StoreError::invalid("org_id", "该组织已撤销，不能接收人员"));
        }
        // Every member belongs to a branch (党章 art. 8); party groups sit inside branches.
        if !org.kind().is_some_and(|k| k.is_branch()) {
            return Err(StoreError::invalid(
                "org_id",
                format!(
                    "人员须编入党支部（含联合党支部、临时党支部），“{}”是{}",
                    org.name,
                    org.type_label()
                ),
            ));
        }
        Ok(org)
    }

    /// The message for an ID number that is already on record; names the record only when the
    /// caller may see it.
    async fn duplicate_message(&self, scope: &Scope, hash: &str) -> String {
        let existing: Option<(i64, String, String, String)> = on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT m.id, m.name, m.org_path, o.name FROM members m JOIN orgs o ON o.id = \
                m.org_id WHERE m.id_hash = $1",
            )
            .bind(hash)
            .fetch_optional(p)
            .await
            .ok()
            .flatten()
        });
        match existing {
            Some((id, name, path, org))
                if scope.sees_member(id, &OrgPath::from_stored(path.clone())) =>
            {
                format!("该身份证号已登记：{name}（{org}），一人只能登记一次")
            }
            _ => "该身份证号已在系统中登记（在您的管理范围之外），请联系上级组织核实".into(),
        }
    }

    /// Adds a person to the roster of `org_id`.
    pub async fn member_create(
        &self,
        actor: &Actor,
        scope: &Scope,
        org_id: i64,
        f: &MemberFields,
    ) -> Result<i64> {
        let org = self.member_org_for_write(scope, org_id).await?;
        let hash = self.keys.id_lookup(f.id_number.as_str());
        let mut tx = self.begin().await?;
        let id = match self.member_insert(&mut tx, &org, f, &hash).await {
            Ok(id) => id,
            Err(e) if e.is_unique_violation() => {
                drop(tx);
                return Err(StoreError::invalid(
                    "id_number",
                    self.duplicate_message(scope, &hash).await,
                ));
            }
            Err(e) => return Err(e),
        };
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "member.create",
                format!("{}，组织={}", summary(f), org.code),
            )
            .on("member", id),
        )
        .await?;
        tx.commit().await?;
        self.findings_refresh_members(&[id]).await;
        Ok(id)
    }

    /// Inserts inside an open transaction, with the placement that puts the person on the roster.
    pub async fn member_insert(
        &self,
        tx: &mut Tx,
        org: &Org,
        f: &MemberFields,
        hash: &str,
    ) -> Result<i64> {
        let id = self.member_insert_row(tx, org, f, hash).await?;
        Self::placements_open_many(tx, &[(id, org.id)]).await?;
        Ok(id)
    }

    /// Inserts the record only; the caller opens the placements (see [`Self::placements_open_many`]).
    async fn member_insert_row(
        &self,
        tx: &mut Tx,
        org: &Org,
        f: &MemberFields,
        hash: &str,
    ) -> Result<i64> {
        let now = self.clock.now();
        let cipher = self.keys.encrypt_id(f.id_number.as_str());
        Ok(on_tx!(tx, |c| {
            sqlx::query_scalar(
                "INSERT INTO members (org_id, org_path, name, name_key, gender, ethnicity, \
                    birth_date, \
                 id_cipher, id_hash, id_masked, education, status, category, phone, work_unit, \
                 post, \
                 application_date, activist_date, candidate_date, admission_date, conversion_date, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
                 $12, $13, \
                 $14, $15, $16, $17, $18, $19, $20, $21, $22, $22) RETURNING id",
            )
            .bind(org.id)
            .bind(&org.path)
            .bind(&f.name)
            .bind(name_key(&f.name))
            .bind(f.gender.code())
            .bind(f.ethnicity)
            .bind(f.birth_date)
            .bind(cipher)
            .bind(hash)
            .bind(f.id_number.masked())
            .bind(f.education.map(|e| e.code()))
            .bind(f.status.code())
            .bind(f.category.code())
            .bind(f.phone.as_ref().map(|p| p.as_str().to_string()))
            .bind(&f.work_unit)
            .bind(&f.post)
            .bind(f.application_date)
            .bind(f.activist_date)
            .bind(f.candidate_date)
            .bind(f.admission_date)
            .bind(f.conversion_date)
            .bind(now)
            .fetch_one(&mut *c)
            .await?
        }))
    }

    /// Inserts new records many rows per statement (an import); returns each one's id by its
    /// ID hash.
    async fn members_insert_many(
        &self,
        tx: &mut Tx,
        rows: &[(&Org, &MemberFields, &str)],
    ) -> Result<Vec<(String, i64)>> {
        let now = self.clock.now();
        let mut out = Vec::with_capacity(rows.len());
        if rows.is_empty() {
            return Ok(out);
        }
        let bulk = Self::counts_bulk_begin(tx).await?;
        for chunk in rows.chunks(500) {
            let ciphers: Vec<Vec<u8>> = chunk
                .iter()
                .map(|(_, f, _)| self.keys.encrypt_id(f.id_number.as_str()))
                .collect();
            let got: Vec<(String, i64)> = on_tx!(tx, |c| {
                let mut q = QueryBuilder::new(
                    "INSERT INTO members (org_id, org_path, name, name_key, gender, ethnicity, \
                     birth_date, id_cipher, id_hash, id_masked, education, status, category, \
                     phone, work_unit, post, application_date, activist_date, candidate_date, \
                     admission_date, conversion_date, created_at, updated_at) ",
                );
                q.push_values(
                    chunk.iter().zip(&ciphers),
                    |mut b, ((org, f, hash), cipher)| {
                        b.push_bind(org.id)
                            .push_bind(org.path.clone())
                            .push_bind(f.name.clone())
                            .push_bind(name_key(&f.name))
                            .push_bind(f.gender.code())
                            .push_bind(f.ethnicity)
                            .push_bind(f.birth_date)
                            .push_bind(cipher.clone())
                            .push_bind(hash.to_string())
                            .push_bind(f.id_number.masked())
                            .push_bind(f.education.map(|e| e.code()))
                            .push_bind(f.status.code())
                            .push_bind(f.category.code())
                            .push_bind(f.phone.as_ref().map(|p| p.as_str().to_string()))
                            .push_bind(f.work_unit.clone())
                            .push_bind(f.post.clone())
                            .push_bind(f.application_date)
                            .push_bind(f.activist_date)
                            .push_bind(f.candidate_date)
                            .push_bind(f.admission_date)
                            .push_bind(f.conversion_date)
                            .push_bind(now)
                            .push_bind(now);
                    },
                );
                q.push(" RETURNING id_hash, id");
                q.build_query_as().fetch_all(&mut *c).await?
            });
            if bulk {
                let ids: Vec<i64> = got.iter().map(|r| r.1).collect();
                Self::counts_bulk_end(tx, &ids).await?;
                if out.len() + got.len() < rows.len() {
                    Self::counts_bulk_begin(tx).await?;
                }
            }
            out.extend(got);
        }
        Ok(out)
    }

    /// Opens placements of unknown start for new records, many rows per statement.
    async fn placements_open_many(tx: &mut Tx, rows: &[(i64, i64)]) -> Result<()> {
        for chunk in rows.chunks(1000) {
            on_tx!(tx, |c| {
                let mut q = QueryBuilder::new("INSERT INTO member_placements (member_id, org_id) ");
                q.push_values(chunk, |mut b, (member, org)| {
                    b.push_bind(*member).push_bind(*org);
                });
                q.build().execute(&mut *c).await?;
            });
        }
        Ok(())
    }

    /// Closes the open placement of a member on `date` and, when `to_org` is given and the
    /// member was on the roster, opens one there from the same day.
    pub(crate) async fn placement_move(
        tx: &mut Tx,
        member_id: i64,
        to_org: Option<i64>,
        date: NaiveDate,
    ) -> Result<()> {
        on_tx!(tx, |c| {
            // A closing date before the opening one would make a negative interval: the
            // interval then closes where it opened and counts on no day.
            let closed = sqlx::query(
                "UPDATE member_placements SET to_date = CASE WHEN from_date > $1 THEN from_date \
                    ELSE $1 END \
                 WHERE member_id = $2 AND to_date IS NULL",
            )
            .bind(date)
            .bind(member_id)
            .execute(&mut *c)
            .await?
            .rows_affected();
            if let (Some(org), true) = (to_org, closed > 0) {
                sqlx::query(
                    "INSERT INTO member_placements (member_id, org_id, from_date, to_date) \
                    VALUES ($1, $2, $3, NULL)",
                )
                .bind(member_id)
                .bind(org)
                .bind(date)
                .execute(&mut *c)
                .await?;
            }
        });
        Ok(())
    }

    /// Opens a placement from `date` (restoring a person to the roster).
    pub(crate) async fn placement_open(
        tx: &mut Tx,
        member_id: i64,
        org_id: i64,
        date: NaiveDate,
    ) -> Result<()> {
        on_tx!(tx, |c| {
            sqlx::query(
                "INSERT INTO member_placements (member_id, org_id, from_date, to_date) VALUES \
                ($1, $2, $3, NULL)",
            )
            .bind(member_id)
            .bind(org_id)
            .bind(date)
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }

    /// A record inside an open transaction (after inserting it), without a scope check.
    pub(crate) async fn member_get_in(&self, tx: &mut Tx, id: i64) -> Result<Member> {
        Ok(on_tx!(tx, |c| {
            sqlx::query_as(&format!(
                "SELECT {MEMBER_COLS} FROM members m JOIN orgs o ON o.id = m.org_id LEFT JOIN \
                orgs g ON g.id = m.party_group_id WHERE m.id = $1"
            ))
            .bind(id)
            .fetch_one(&mut *c)
            .await?
        }))
    }

    pub async fn member_get(&self, scope: &Scope, id: i64) -> Result<Member> {
        let m: Option<Member> = on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "SELECT {MEMBER_COLS} FROM members m JOIN orgs o ON o.id = m.org_id LEFT JOIN \
                orgs g ON g.id = m.party_group_id WHERE m.id = $1"
            ))
            .bind(id)
            .fetch_optional(p)
            .await?
        });
        match m {
            Some(m) if scope.sees_member(m.id, &m.path()) => Ok(m),
            // Out of scope answers as absent, so that ids cannot be probed.
            _ => Err(StoreError::NotFound("人员不存在")),
        }
    }

    /// The full ID number: only for callers who may write the record; every reveal is audited.
    pub async fn member_reveal_id(&self, actor: &Actor, scope: &Scope, id: i64) -> Result<String> {
        let m = self.member_get(scope, id).await?;
        let own = scope.acts_as(id);
        if !own && !scope.may_write_member(&m.path()) {
            return Err(StoreError::Forbidden);
        }
        let cipher: Vec<u8> = on_db!(&self.db, |p| {
            sqlx::query_scalar("SELECT id_cipher FROM members WHERE id = $1")
                .bind(id)
                .fetch_one(p)
                .await?
        });
        let plain = self.keys.decrypt_id(&cipher)?;
        self.audit_now(
            actor,
            AuditEvent::ok(
                "member.reveal_id",
                format!("查看 {} 的完整身份证号", m.name),
            )
            .on("member", id),
        )
        .await?;
        Ok(plain)
    }

    /// The stored ID number for a writer who keeps it unchanged in an edit; not shown to anyone,
    /// so not audited as a reveal.
    pub async fn member_stored_id_number(&self, scope: &Scope, id: i64) -> Result<String> {
        let m = self.member_get(scope, id).await?;
        if !scope.may_write_member(&m.path()) {
            return Err(StoreError::Forbidden);
        }
        let cipher: Vec<u8> = on_db!(&self.db, |p| {
            sqlx::query_scalar("SELECT id_cipher FROM members WHERE id = $1")
                .bind(id)
                .fetch_one(p)
                .await?
        });
        self.keys.decrypt_id(&cipher)
    }

    /// The record id for an ID number, to bind a member account to its record (security
    /// administrator); returns nothing else about the person.
    pub async fn member_id_for_binding(&self, id_number: &IdNumber) -> Result<Option<i64>> {
        let hash = self.keys.id_lookup(id_number.as_str());
        Ok(on_db!(&self.db, |p| {
            sqlx::query_scalar("SELECT id FROM members WHERE id_hash = $1")
                .bind(hash)
                .fetch_optional(p)
                .await?
        }))
    }

    /// Finds a member by full ID number within scope (search by ID).
    pub async fn member_find_by_id_number(
        &self,
        scope: &Scope,
        id_number: &IdNumber,
    ) -> Result<Option<Member>> {
        let hash = self.keys.id_lookup(id_number.as_str());
        let m: Option<Member> = on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "SELECT {MEMBER_COLS} FROM members m JOIN orgs o ON o.id = m.org_id LEFT JOIN \
                orgs g ON g.id = m.party_group_id WHERE m.id_hash = $1"
            ))
            .bind(hash)
            .fetch_optional(p)
            .await?
        });
        Ok(m.filter(|m| scope.sees_member(m.id, &m.path())))
    }

    pub async fn member_list(
        &self,
        scope: &Scope,
        f: &MemberFilter,
        page: PageReq,
    ) -> Result<Page<Member>> {
        let under = match f.under {
            Some(id) => Some(self.org_get(scope, id).await?.org_path()),
            None => None,
        };
        // A query that is a whole valid ID number searches by the keyed hash.
        let q = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let id_hash = q
            .and_then(|s| IdNumber::parse(s).ok())
            .map(|id| self.keys.id_lookup(id.as_str()));
        macro_rules! filters {
            ($q:expr) => {{
                member_scope!($q, scope);
                if let Some(u) = &under {
                    $q.push(" AND m.org_path >= ")
                        .push_bind(u.as_str().to_string())
                        .push(" AND m.org_path < ")
                        .push_bind(u.upper_bound());
                }
                if f.archived {
                    $q.push(" AND m.archived_at IS NOT NULL");
                } else {
                    $q.push(" AND m.archived_at IS NULL");
                }
                if let Some(s) = f.status {
                    $q.push(" AND m.status = ").push_bind(s.code());
                }
                if f.party_only {
                    $q.push(" AND m.status IN ('probationary', 'full')");
                }
                if let Some(c) = f.category {
                    $q.push(" AND m.category = ").push_bind(c.code());
                }
                if let Some(g) = f.gender {
                    $q.push(" AND m.gender = ").push_bind(g.code());
                }
                if let Some(s) = f.sector {
                    $q.push(" AND o.sector = ").push_bind(s.code());
                }
                if let Some(h) = &id_hash {
                    $q.push(" AND m.id_hash = ").push_bind(h.clone());
                } else if let Some(text) = q {
                    let pat = format!("%{}%", crate::like_escape(text));
                    $q.push(" AND (m.name LIKE ")
                        .push_bind(pat.clone())
                        .push(" ESCAPE '\\' OR m.phone LIKE ")
                        .push_bind(pat.clone())
                        .push(" ESCAPE '\\' OR m.work_unit LIKE ")
                        .push_bind(pat)
                        .push(" ESCAPE '\\')");
                }
            }};
        }
        // The page's ids come from the narrow index first; only those rows are read in full.
        let join = if f.sector.is_some() {
            " JOIN orgs o ON o.id = m.org_id"
        } else {
            ""
        };
        // On SQLite the page in name order comes from an index in that order: the roster's
        // name index for a subtree holding a tenth of the people or more (its first entries
        // are the subtree's), the subtree's path range otherwise (sorted, it is small).
        // PostgreSQL's planner makes the same choice from its statistics.
        let by_name = matches!(f.sort, MemberSort::Name | MemberSort::NameDesc)
            && !f.archived
            && id_hash.is_none()
            && matches!(self.db, crate::Db::Sqlite { .. });
        let hint = if by_name {
            let people = |c: Vec<(String, i64)>| c.into_iter().map(|(_, n)| n).sum::<i64>();
            let large = match f.under.or(Self::counted_root(scope)) {
                Some(root) => {
                    people(self.subtree_counts(root).await?) * 10
                        >= people(self.subtree_counts(0).await?)
                }
                None => true,
            };
            if large {
                " INDEXED BY members_active_name"
            } else {
                " INDEXED BY members_active_path_name"
            }
        } else {
            ""
        };
        // Active people of one subtree, by status at most: the maintained counts answer.
        let counted_root = match (f.under, Self::counted_root(scope)) {
            (Some(u), Some(_)) => Some(u),
            (None, root) => root,
            _ => None,
        }
        .filter(|_| {
            !f.archived
                && q.is_none()
                && f.category.is_none()
                && f.gender.is_none()
                && f.sector.is_none()
        });
        let counted = match counted_root {
            Some(root) => Some(
                self.subtree_counts(root)
                    .await?
                    .into_iter()
                    .filter(|(s, _)| match (f.status, f.party_only) {
                        (Some(want), _) => s == want.code(),
                        (None, true) => s == "probationary" || s == "full",
                        (None, false) => true,
                    })
                    .map(|(_, n)| n)
                    .sum::<i64>(),
            ),
            None => None,
        };
        let (items, total) = on_db!(&self.db, |p| {
            let mut q = QueryBuilder::new(format!(
                "SELECT {MEMBER_COLS} FROM members m JOIN orgs o ON o.id = m.org_id LEFT \
                    JOIN orgs g ON g.id = m.party_group_id WHERE m.id IN (SELECT m.id FROM \
                    members m{hint}{join} WHERE 1=1"
            ));
            filters!(q);
            q.push(" ORDER BY ")
                .push(f.sort.sql())
                .push(" LIMIT ")
                .push_bind(i64::from(page.per_page))
                .push(" OFFSET ")
                .push_bind(page.offset())
                .push(") ORDER BY ")
                .push(f.sort.sql());
            let items: Vec<Member> = q.build_query_as().fetch_all(p).await?;
            let total: i64 = match counted {
                Some(n) => n,
                None => {
                    let mut c = QueryBuilder::new(format!(
                        "SELECT COUNT(*) FROM members m{join} WHERE 1=1"
                    ));
                    filters!(c);
                    c.build_query_scalar().fetch_one(p).await?
                }
            };
            (items, total)
        });
        Ok(Page {
            items,
            total,
            page: page.page,
            per_page: page.per_page,
        })
    }

    /// Edits a member's record; `version` guards against lost updates.
    pub async fn member_update(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        version: Option<i64>,
        f: &MemberFields,
    ) -> Result<()> {
        let before = self.member_get(scope, id).await?;
        if !scope.may_write_member(&before.path()) {
            return Err(StoreError::Forbidden);
        }
        let hash = self.keys.id_lookup(f.id_number.as_str());
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        let result = on_tx!(&mut tx, |c| {
            sqlx::query(
                "UPDATE members SET name = $1, name_key = $2, gender = $3, ethnicity = $4, \
                    birth_date = $5, \
                 id_cipher = $6, id_hash = $7, id_masked = $8, education = $9, status = $10, \
                 category = $11, \
                 phone = $12, work_unit = $13, post = $14, application_date = $15, activist_date \
                 = $16, \
                 candidate_date = $17, admission_date = $18, conversion_date = $19, updated_at = \
                 $20, \
                 version = version + 1 WHERE id = $21 AND version = $22",
            )
            .bind(&f.name)
            .bind(name_key(&f.name))
            .bind(f.gender.code())
            .bind(f.ethnicity)
            .bind(f.birth_date)
            .bind(self.keys.encrypt_id(f.id_number.as_str()))
            .bind(&hash)
            .bind(f.id_number.masked())
            .bind(f.education.map(|e| e.code()))
            .bind(f.status.code())
            .bind(f.category.code())
            .bind(f.phone.as_ref().map(|p| p.as_str().to_string()))
            .bind(&f.work_unit)
            .bind(&f.post)
            .bind(f.application_date)
            .bind(f.activist_date)
            .bind(f.candidate_date)
            .bind(f.admission_date)
            .bind(f.conversion_date)
            .bind(now)
            .bind(id)
            .bind(version.unwrap_or(before.version))
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
        });
        let n = match result {
            Ok(n) => n,
            Err(e) => {
                let e = StoreError::from(e);
                if e.is_unique_violation() {
                    drop(tx);
                    return Err(StoreError::invalid(
                        "id_number",
                        self.duplicate_message(scope, &hash).await,
                    ));
                }
                return Err(e);
            }
        };
        if n == 0 {
            return Err(StoreError::Conflict);
        }
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "member.update",
                format!("{}：{}", before.name, member_changes(&before, f)),
            )
            .on("member", id),
        )
        .await?;
        if before.status != f.status.code() {
            let now = self.clock.now();
            // Dated by the milestone that made the change, where the record has it.
            let today = match f.status {
                MemberStatus::Full => f.conversion_date,
                MemberStatus::Probationary => f.admission_date,
                MemberStatus::Candidate => f.candidate_date,
                MemberStatus::Activist => f.activist_date,
                MemberStatus::Applicant => f.application_date,
            }
            .unwrap_or_else(|| self.clock.today());
            on_tx!(&mut tx, |c| {
                sqlx::query(
                    "INSERT INTO member_archive_events (member_id, action, reason, event_date, \
                    note, created_by, created_at) VALUES ($1, 'status', $2, $3, $4, $5, $6)",
                )
                .bind(id)
                .bind(f.status.code())
                .bind(today)
                .bind(before.status.as_str())
                .bind(actor.account_id)
                .bind(now)
                .execute(&mut *c)
                .await?;
            });
        }
        tx.commit().await?;
        self.findings_refresh_members(&[id]).await;
        Ok(())
    }

    /// Party groups (党小组) a member of `org_id` may be placed in.
    pub async fn party_groups(&self, scope: &Scope, org_id: i64) -> Result<Vec<Org>> {
        Ok(self
            .org_children(scope, org_id, false)
            .await?
            .into_iter()
            .map(|n| n.org)
            .filter(|o| o.kind() == Some(OrgType::PartyGroup))
            .collect())
    }

    /// Places a member in a party group of their branch, or in none.
    pub async fn member_set_party_group(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        group: Option<i64>,
    ) -> Result<()> {
        let m = self.member_get(scope, id).await?;
        if !scope.may_write_member(&m.path()) {
            return Err(StoreError::Forbidden);
        }
        if m.party_group_id == group {
            return Ok(());
        }
        let name = match group {
            Some(g) => {
                let o = self.org_get(scope, g).await?;
                if o.kind() != Some(OrgType::PartyGroup)
                    || o.parent_id != Some(m.org_id)
                    || o.is_archived()
                {
                    return Err(StoreError::invalid(
                        "party_group_id",
                        "只能编入本支部下设的党小组",
                    ));
                }
                o.name
            }
            None => "（无）".into(),
        };
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "UPDATE members SET party_group_id = $1, updated_at = $2, version = version + 1 \
                WHERE id = $3",
            )
            .bind(group)
            .bind(now)
            .bind(id)
            .execute(&mut *c)
            .await?;
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "member.party_group",
                format!(
                    "{} 的党小组：{} → {name}",
                    m.name,
                    m.party_group_name.as_deref().unwrap_or("（无）")
                ),
            )
            .on("member", id),
        )
        .await?;
        tx.commit().await
    }

    /// Archives a person with a reason (never deletes).
    pub async fn member_archive(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        reason: ArchiveReason,
        date: NaiveDate,
        note: Option<&str>,
    ) -> Result<()> {
        let m = self.member_archive_check(scope, id, reason, date).await?;
        let mut tx = self.begin().await?;
        self.archive_in(&mut tx, actor, &m, reason, date, note)
            .await?;
        tx.commit().await?;
        self.findings_refresh_members(&[id]).await;
        self.findings_refresh_orgs(&[m.org_id]).await;
        Ok(())
    }

    /// What must hold before a person leaves the roster; returns the record as read.
    pub(crate) async fn member_archive_check(
        &self,
        scope: &Scope,
        id: i64,
        reason: ArchiveReason,
        date: NaiveDate,
    ) -> Result<Member> {
        let m = self.member_get(scope, id).await?;
        if !scope.may_write_member(&m.path()) {
            return Err(StoreError::Forbidden);
        }
        if m.is_archived() {
            return Err(StoreError::invalid("reason", "该人员已出库"));
        }
        let is_member = MemberStatus::parse(&m.status).is_some_and(|s| s.is_member());
        if !is_member
            && matches!(
                reason,
                ArchiveReason::Left
                    | ArchiveReason::Expelled
                    | ArchiveReason::Removed
                    | ArchiveReason::Stopped
            )
        {
            return Err(StoreError::invalid(
                "reason",
                format!(
                    "{}不是党员，不能以“{}”出库",
                    m.status_label(),
                    reason.label()
                ),
            ));
        }
        if date > self.clock.today() {
            return Err(StoreError::invalid("date", "日期不能晚于今天"));
        }
        if date < m.birth_date {
            return Err(StoreError::invalid("date", "日期不能早于出生日期"));
        }
        Ok(m)
    }

    /// Takes a person off the roster inside `tx`, audited. The update is guarded: when
    /// another request archived the person first, nothing is written and the call is refused.
    pub(crate) async fn archive_in(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        m: &Member,
        reason: ArchiveReason,
        date: NaiveDate,
        note: Option<&str>,
    ) -> Result<()> {
        let now = self.clock.now();
        let id = m.id;
        let changed = on_tx!(tx, |c| {
            sqlx::query(
                "UPDATE members SET archived_at = $1, archive_reason = $2, archive_date = $3, \
                    archive_note = $4, \
                 updated_at = $1, version = version + 1 WHERE id = $5 AND archived_at IS NULL",
            )
            .bind(now)
            .bind(reason.code())
            .bind(date)
            .bind(note)
            .bind(id)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        if changed != 1 {
            return Err(StoreError::invalid("reason", "该人员已出库"));
        }
        on_tx!(tx, |c| {
            sqlx::query(
                "INSERT INTO member_archive_events (member_id, action, reason, event_date, note, \
                    created_by, created_at) \
                 VALUES ($1, 'archive', $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(reason.code())
            .bind(date)
            .bind(note)
            .bind(actor.account_id)
            .bind(now)
            .execute(&mut *c)
            .await?;
        });
        Self::placement_move(tx, id, None, date).await?;
        self.audit(
            tx,
            actor,
            AuditEvent::ok(
                "member.archive",
                format!("{} 出库，原因：{}，日期：{date}", m.name, reason.label()),
            )
            .on("member", id),
        )
        .await
    }

    pub async fn member_restore(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        note: Option<&str>,
    ) -> Result<()> {
        let m = self.member_get(scope, id).await?;
        if !scope.may_write_member(&m.path()) {
            return Err(StoreError::Forbidden);
        }
        if !m.is_archived() {
            return Err(StoreError::invalid("reason", "该人员在册，无需恢复"));
        }
        let org = self.org_get(&Scope::Structure, m.org_id).await?;
        if org.is_archived() {
            return Err(StoreError::invalid(
                "org_id",
                "原所在组织已撤销，请先恢复组织或转接到其他组织",
            ));
        }
        let now = self.clock.now();
        let today = self.clock.today();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            let changed = sqlx::query(
                "UPDATE members SET archived_at = NULL, archive_reason = NULL, archive_date = \
                    NULL, archive_note = NULL, \
                 updated_at = $1, version = version + 1 WHERE id = $2 AND archived_at IS NOT NULL",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *c)
            .await?
            .rows_affected();
            if changed != 1 {
                return Err(StoreError::invalid("reason", "该人员在册，无需恢复"));
            }
            sqlx::query(
                "INSERT INTO member_archive_events (member_id, action, reason, event_date, note, \
                created_by, created_at) VALUES ($1, 'restore', NULL, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(today)
            .bind(note)
            .bind(actor.account_id)
            .bind(now)
            .execute(&mut *c)
            .await?;
        });
        Self::placement_open(&mut tx, id, m.org_id, today).await?;
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok("member.restore", format!("{} 恢复在册", m.name)).on("member", id),
        )
        .await?;
        tx.commit().await?;
        self.findings_refresh_members(&[id]).await;
        Ok(())
    }

    /// Transfers a member to another organisation in the caller's scope, keeping the dated history.
    pub async fn member_transfer(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        to_org_id: i64,
        date: NaiveDate,
        note: Option<&str>,
    ) -> Result<()> {
        let m = self.member_get(scope, id).await?;
        if !scope.may_write_member(&m.path()) {
            return Err(StoreError::Forbidden);
        }
        if m.is_archived() {
            return Err(StoreError::invalid(
                "to_org_id",
                "已出库人员不能转接，请先恢复在册",
            ));
        }
        let to = self.member_org_for_write(scope, to_org_id).await?;
        if to.id == m.org_id {
            return Err(StoreError::invalid(
                "to_org_id",
                "转入组织与当前所在组织相同",
            ));
        }
        if date > self.clock.today() {
            return Err(StoreError::invalid("date", "转接日期不能晚于今天"));
        }
        let mut tx = self.begin().await?;
        Self::transfer_in(&mut tx, actor, &m, &to, date, note, self.clock.now()).await?;
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "member.transfer",
                format!(
                    "{} 由 {} 转至 {}，日期：{date}",
                    m.name, m.org_code, to.code
                ),
            )
            .on("member", id),
        )
        .await?;
        tx.commit().await?;
        self.findings_refresh_members(&[id]).await;
        self.findings_refresh_orgs(&[m.org_id]).await;
        Ok(())
    }

    /// Moves a person from the organisation `m` was read in to `to` on `date`, inside `tx`: the
    /// one transfer the roster and the letters share. The update is guarded on the organisation
    /// read and on the person being on the roster, so that a second submission of the same
    /// move (a double click, two tabs) records nothing and is refused.
    pub(crate) async fn transfer_in(
        tx: &mut Tx,
        actor: &Actor,
        m: &Member,
        to: &Org,
        date: NaiveDate,
        note: Option<&str>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let moved = on_tx!(tx, |c| {
            sqlx::query(
                "UPDATE members SET org_id = $1, org_path = $2, party_group_id = NULL, updated_at \
                    = $3, version = version + 1 \
                 WHERE id = $4 AND org_id = $5 AND archived_at IS NULL",
            )
            .bind(to.id)
            .bind(&to.path)
            .bind(now)
            .bind(m.id)
            .bind(m.org_id)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        if moved != 1 {
            return Err(StoreError::Conflict);
        }
        // A person holding a letter moves by that letter (a letter being reported is closed
        // before this runs).
        let open_letters: i64 = on_tx!(tx, |c| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM transfer_letters WHERE member_id = $1 AND status = \
                    'open'                  AND direction = 'out'",
            )
            .bind(m.id)
            .fetch_one(&mut *c)
            .await?
        });
        if open_letters > 0 {
            return Err(StoreError::invalid(
                "to_org_id",
                "该人员有待报到的组织关系介绍信：请凭介绍信报到，或先作废介绍信再转接",
            ));
        }
        let last: Option<NaiveDate> = on_tx!(tx, |c| {
            sqlx::query_scalar(
                "SELECT MAX(transfer_date) FROM member_transfers WHERE member_id = $1",
            )
            .bind(m.id)
            .fetch_one(&mut *c)
            .await?
        });
        if let Some(last) = last.filter(|last| date < *last) {
            return Err(StoreError::invalid(
                "date",
                format!("转接日期不能早于上一次转接（{last}）"),
            ));
        }
        on_tx!(tx, |c| {
            sqlx::query(
                "INSERT INTO member_transfers (member_id, from_org_id, to_org_id, transfer_date, \
                    note, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(m.id)
            .bind(m.org_id)
            .bind(to.id)
            .bind(date)
            .bind(note)
            .bind(actor.account_id)
            .bind(now)
            .execute(&mut *c)
            .await?;
        });
        Self::placement_move(tx, m.id, Some(to.id), date).await
    }

    /// Recomputes every stored name sort key when they were computed by another version of
    /// the reading ([`NAME_KEY_VERSION`]); run at start-up. Returns how many keys changed.
    pub async fn name_keys_refresh(&self) -> Result<u64> {
        const SETTING: &str = "name_key_version";
        let version = NAME_KEY_VERSION.to_string();
        let recorded: Option<String> = on_db!(&self.db, |p| {
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(SETTING)
                .fetch_optional(p)
                .await?
        });
        if recorded.as_deref() == Some(version.as_str()) {
            return Ok(0);
        }
        let mut changed = 0u64;
        let mut after = 0i64;
        let mut tx = self.begin().await?;
        loop {
            let batch: Vec<(i64, String, String)> = on_tx!(&mut tx, |c| {
                sqlx::query_as(
                    "SELECT id, name, name_key FROM members WHERE id > $1 ORDER BY id LIMIT 5000",
                )
                .bind(after)
                .fetch_all(&mut *c)
                .await?
            });
            let Some(last) = batch.last() else { break };
            after = last.0;
            for (id, name, old) in batch {
                let key = name_key(&name);
                if key != old {
                    on_tx!(&mut tx, |c| {
                        sqlx::query("UPDATE members SET name_key = $1 WHERE id = $2")
                            .bind(&key)
                            .bind(id)
                            .execute(&mut *c)
                            .await?;
                    });
                    changed += 1;
                }
            }
        }
        let now = self.clock.now();
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT \
                (key) DO UPDATE SET value = $2, updated_at = $3",
            )
            .bind(SETTING)
            .bind(&version)
            .bind(now)
            .execute(&mut *c)
            .await?;
        });
        if changed > 0 {
            self.audit(
                &mut tx,
                &Actor::cli("start"),
                AuditEvent::ok(
                    "member.name_keys",
                    format!("按新的姓氏读音重算 {changed} 个姓名排序键"),
                ),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Transfers and archive events of a member, oldest first.
    pub async fn member_history(&self, scope: &Scope, id: i64) -> Result<Vec<HistoryEntry>> {
        self.member_get(scope, id).await?;
        let transfers: Vec<TransferRow> = on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT t.transfer_date, f.name, o.name, t.note, t.created_at FROM \
                member_transfers t JOIN orgs f ON f.id = t.from_org_id JOIN orgs o ON o.id = \
                t.to_org_id WHERE t.member_id = $1",
            )
            .bind(id)
            .fetch_all(p)
            .await?
        });
        let events: Vec<ArchiveEventRow> = on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT event_date, action, reason, note, created_at FROM member_archive_events \
                WHERE member_id = $1",
            )
            .bind(id)
            .fetch_all(p)
            .await?
        });
        let mut out: Vec<HistoryEntry> = transfers
            .into_iter()
            .map(|(date, from, to, note, at)| HistoryEntry {
                date,
                what: format!(
                    "组织关系由“{from}”转至“{to}”{}",
                    note.map(|n| format!("（{n}）")).unwrap_or_default()
                ),
                at,
            })
            .chain(events.into_iter().map(|(date, action, reason, note, at)| {
                let status = |s: &Option<String>| {
                    s.as_deref()
                        .and_then(MemberStatus::parse)
                        .map(|s| s.label())
                        .unwrap_or("")
                };
                let what = match action.as_str() {
                    "status" => format!("人员状态由“{}”变为“{}”", status(&note), status(&reason)),
                    "archive" => {
                        let why = reason
                            .as_deref()
                            .and_then(ArchiveReason::parse)
                            .map(|r| r.label())
                            .unwrap_or("");
                        let note = note.map(|n| format!("（{n}）")).unwrap_or_default();
                        format!("出库：{why}{note}")
                    }
                    _ => format!(
                        "恢复在册{}",
                        note.map(|n| format!("（{n}）")).unwrap_or_default()
                    ),
                };
                HistoryEntry { date, what, at }
            }))
            .collect();
        out.sort_by_key(|e| (e.date, e.at));
        Ok(out)
    }

    /// Every person matching the filter, in the filter's order, read a page at a time.
    pub async fn member_export(&self, scope: &Scope, f: &MemberFilter) -> Result<Vec<Member>> {
        let mut out = Vec::new();
        let mut page = 1;
        loop {
            let p = self
                .member_list(
                    scope,
                    f,
                    PageReq {
                        page,
                        per_page: 200,
                    },
                )
                .await?;
            let n = p.items.len();
            out.extend(p.items);
            if n < 200 {
                break;
            }
            page += 1;
        }
        Ok(out)
    }

    /// Full ID numbers for an export by someone who may write these records; the caller audits.
    pub async fn member_id_numbers(
        &self,
        scope: &Scope,
        members: &[Member],
    ) -> Result<std::collections::HashMap<i64, String>> {
        let mut out = std::collections::HashMap::new();
        for m in members {
            if !scope.may_write_member(&m.path()) {
                return Err(StoreError::Forbidden);
            }
            let cipher: Vec<u8> = on_db!(&self.db, |p| {
                sqlx::query_scalar("SELECT id_cipher FROM members WHERE id = $1")
                    .bind(m.id)
                    .fetch_one(p)
                    .await?
            });
            out.insert(m.id, self.keys.decrypt_id(&cipher)?);
        }
        Ok(out)
    }

    pub async fn member_count(&self, scope: &Scope) -> Result<i64> {
        if let Some(root) = Self::counted_root(scope) {
            return Ok(self
                .subtree_counts(root)
                .await?
                .iter()
                .map(|(_, n)| n)
                .sum());
        }
        Ok(on_db!(&self.db, |p| {
            let mut q =
                QueryBuilder::new("SELECT COUNT(*) FROM members m WHERE m.archived_at IS NULL");
            member_scope!(q, scope);
            q.build_query_scalar().fetch_one(p).await?
        }))
    }

    /// Counts of active people by status within scope (home page).
    pub async fn member_status_counts(&self, scope: &Scope) -> Result<Vec<(String, i64)>> {
        if let Some(root) = Self::counted_root(scope) {
            return self.subtree_counts(root).await;
        }
        Ok(on_db!(&self.db, |p| {
            let mut q = QueryBuilder::new(
                "SELECT m.status, COUNT(*) FROM members m WHERE m.archived_at IS NULL",
            );
            member_scope!(q, scope);
            q.push(" GROUP BY m.status");
            q.build_query_as().fetch_all(p).await?
        }))
    }
}

/// One row of an import, its organisation already resolved.
#[derive(Debug, Clone)]
pub struct ImportItem {
    pub row: usize,
    pub org_id: i64,
    pub fields: MemberFields,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportOutcome {
    pub created: usize,
    pub updated: usize,
    /// (row, reason) for rows the database refuses (out of scope, organisation not a branch…).
    pub refused: Vec<(usize, String)>,
    pub committed: bool,
}

impl Store {
    /// Imports people in one transaction: a person already on record (same ID number) is
    /// updated, and moved with a dated transfer if the file names another organisation; others
    /// are added. With refused rows nothing is committed unless `accept_valid`; a dry run
    /// commits nothing. One audit entry records the import.
    pub async fn members_import(
        &self,
        actor: &Actor,
        scope: &Scope,
        items: &[ImportItem],
        source: &str,
        accept_valid: bool,
        dry_run: bool,
    ) -> Result<ImportOutcome> {
        let mut out = ImportOutcome::default();
        // Each organisation is checked once; its verdict applies to all its rows.
        let mut orgs: std::collections::HashMap<i64, std::result::Result<Org, String>> =
            std::collections::HashMap::new();
        for item in items {
            if orgs.contains_key(&item.org_id) {
                continue;
            }
            let verdict = match self.member_org_for_write(scope, item.org_id).await {
                Ok(o) => Ok(o),
                Err(StoreError::Invalid { message, .. }) => Err(message),
                Err(StoreError::Forbidden) | Err(StoreError::NotFound(_)) => {
                    Err("所在党组织不在本次导入的范围内".to_string())
                }
                Err(e) => return Err(e),
            };
            orgs.insert(item.org_id, verdict);
        }
        let now = self.clock.now();
        let today = self.clock.today();
        let mut tx = self.begin().await?;
        // Who is already on record, looked up many ID numbers per query.
        let hashes: Vec<String> = items
            .iter()
            .map(|i| self.keys.id_lookup(i.fields.id_number.as_str()))
            .collect();
        let mut known: std::collections::HashMap<String, (i64, i64, String)> =
            std::collections::HashMap::new();
        for chunk in hashes.chunks(500) {
            let rows: Vec<(String, i64, i64, String)> = on_tx!(&mut tx, |c| {
                let mut q = QueryBuilder::new(
                    "SELECT id_hash, id, org_id, org_path FROM members WHERE id_hash IN (",
                );
                let mut sep = q.separated(", ");
                for h in chunk {
                    sep.push_bind(h.clone());
                }
                q.push(")");
                q.build_query_as().fetch_all(&mut *c).await?
            });
            for (h, id, org, path) in rows {
                known.insert(h, (id, org, path));
            }
        }
        let mut opened: Vec<(i64, i64)> = Vec::new();
        // New records wait here and go in many per statement; a repeated ID number later in
        // the file writes them first, then updates the record.
        let mut pending: Vec<(&Org, &MemberFields, &str)> = Vec::new();
        let mut waiting: std::collections::HashSet<&str> = std::collections::HashSet::new();
        macro_rules! flush {
            () => {
                if !pending.is_empty() {
                    let placed: std::collections::HashMap<&str, &Org> =
                        pending.iter().map(|(o, _, h)| (*h, *o)).collect();
                    for (h, id) in self.members_insert_many(&mut tx, &pending).await? {
                        if let Some(o) = placed.get(h.as_str()) {
                            opened.push((id, o.id));
                            known.insert(h, (id, o.id, o.path.clone()));
                        }
                    }
                    pending.clear();
                    waiting.clear();
                }
            };
        }
        for (item, hash) in items.iter().zip(&hashes) {
            let org = match orgs.get(&item.org_id) {
                Some(Ok(o)) => o,
                Some(Err(why)) => {
                    out.refused.push((item.row, why.clone()));
                    continue;
                }
                None => continue,
            };
            if waiting.contains(hash.as_str()) {
                flush!();
            }
            match known.get(hash).cloned() {
                None => {
                    pending.push((org, &item.fields, hash.as_str()));
                    waiting.insert(hash.as_str());
                    out.created += 1;
                    if pending.len() >= 500 {
                        flush!();
                    }
                }
                Some((id, old_org, path)) => {
                    if !scope.may_write_member(&OrgPath::from_stored(path)) {
                        out.refused.push((
                            item.row,
                            "该身份证号已在系统中登记（在您的管理范围之外）".into(),
                        ));
                        continue;
                    }
                    let f = &item.fields;
                    on_tx!(&mut tx, |c| {
                        sqlx::query(
                            "UPDATE members SET name = $1, name_key = $2, gender = $3, ethnicity \
                                = COALESCE($4, ethnicity), \
                             birth_date = $5, education = COALESCE($6, education), status = $7, \
                             category = $8, \
                             phone = COALESCE($9, phone), work_unit = COALESCE($10, work_unit), \
                             post = COALESCE($11, post), \
                             application_date = COALESCE($12, application_date), activist_date = \
                             COALESCE($13, activist_date), \
                             candidate_date = COALESCE($14, candidate_date), admission_date = \
                             COALESCE($15, admission_date), \
                             conversion_date = COALESCE($16, conversion_date), org_id = $17, \
                             org_path = $18, \
                             updated_at = $19, version = version + 1 WHERE id = $20",
                        )
                        .bind(&f.name)
                        .bind(name_key(&f.name))
                        .bind(f.gender.code())
                        .bind(f.ethnicity)
                        .bind(f.birth_date)
                        .bind(f.education.map(|e| e.code()))
                        .bind(f.status.code())
                        .bind(f.category.code())
                        .bind(f.phone.as_ref().map(|p| p.as_str().to_string()))
                        .bind(&f.work_unit)
                        .bind(&f.post)
                        .bind(f.application_date)
                        .bind(f.activist_date)
                        .bind(f.candidate_date)
                        .bind(f.admission_date)
                        .bind(f.conversion_date)
                        .bind(org.id)
                        .bind(&org.path)
                        .bind(now)
                        .bind(id)
                        .execute(&mut *c)
                        .await?;
                        if old_org != org.id {
                            sqlx::query(
                                "INSERT INTO member_transfers (member_id, from_org_id, \
                                to_org_id, transfer_date, note, created_by, created_at) VALUES \
                                ($1, $2, $3, $4, $5, $6, $7)",
                            )
                            .bind(id)
                            .bind(old_org)
                            .bind(org.id)
                            .bind(today)
                            .bind(format!("导入 {source}"))
                            .bind(actor.account_id)
                            .bind(now)
                            .execute(&mut *c)
                            .await?;
                        }
                    });
                    if old_org != org.id {
                        Self::placement_move(&mut tx, id, Some(org.id), today).await?;
                    }
                    out.updated += 1;
                }
            }
        }
        flush!();
        Self::placements_open_many(&mut tx, &opened).await?;
        out.refused.sort();
        if dry_run || (!out.refused.is_empty() && !accept_valid) {
            drop(tx); // rolls back
            return Ok(out);
        }
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "member.import",
                format!(
                    "导入 {source}：新增 {} 人，更新 {} 人，未导入 {} 行",
                    out.created,
                    out.updated,
                    out.refused.len()
                ),
            ),
        )
        .await?;
        tx.commit().await?;
        if let Scope::Subtree { path, .. } = scope {
            self.findings_refresh_subtree(path).await;
        }
        out.committed = true;
        Ok(out)
    }
}
