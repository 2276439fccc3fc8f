//! Development files (发展档案): reading and writing the dated steps, the assessments and the
//! people named; stage changes carried to the roster; import of existing files.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::{QueryBuilder, Row};
use xianfeng_domain::dates::format_date;
use xianfeng_domain::development::{
    Approver, DevFile, Sponsor, SponsorRole, Standing, Step, Votes,
};
use xianfeng_domain::members::{Category, MemberFields, MemberStatus};
use xianfeng_domain::org::{OrgPath, OrgType, Sector};
use xianfeng_domain::rules::{next_step, NextStep, PersonFacts, RuleConfig};
use xianfeng_domain::scope::Scope;
use xianfeng_domain::IdNumber;

use crate::audit::{Actor, AuditEvent};
use crate::members::Member;
use crate::orgs::Org;
use crate::{on_db, on_tx, Page, PageReq, Result, Store, StoreError, Tx};

/// A range of organisation paths, `lo <= path < hi` (a subtree or the whole tree), and
/// optionally a range of ids `lo <= id < hi` of the subjects judged within it (people for the
/// people's facts, organisations for the organisations'): a slice the check takes at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathRange {
    pub lo: String,
    pub hi: String,
    pub ids: Option<(i64, i64)>,
}

impl PathRange {
    /// Every path: they all start with '/', and '0' follows '/' in byte order.
    pub fn all() -> PathRange {
        PathRange {
            lo: "/".into(),
            hi: "0".into(),
            ids: None,
        }
    }
    pub fn subtree(root: &OrgPath) -> PathRange {
        PathRange {
            lo: root.as_str().to_string(),
            hi: root.upper_bound(),
            ids: None,
        }
    }
    /// The subtree of `root`, or everything.
    pub fn of(root: Option<&OrgPath>) -> PathRange {
        root.map_or_else(PathRange::all, PathRange::subtree)
    }
    /// Whether the path range is the whole tree (whatever the ids).
    pub fn is_all(&self) -> bool {
        self.lo == "/" && self.hi == "0"
    }
    /// Appends ` AND {column} >= lo AND {column} < hi` for the path range unless it is the
    /// whole tree.
    pub fn push_paths<'a, DB: sqlx::Database>(&self, q: &mut QueryBuilder<'a, DB>, column: &str)
    where
        String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    {
        if !self.is_all() {
            q.push(format!(" AND {column} >= "))
                .push_bind(self.lo.clone())
                .push(format!(" AND {column} < "))
                .push_bind(self.hi.clone());
        }
    }
    /// The same paths, subjects with ids in `lo..hi` only.
    pub fn with_ids(&self, lo: i64, hi: i64) -> PathRange {
        PathRange {
            ids: Some((lo, hi)),
            ..self.clone()
        }
    }
    /// Appends ` AND {column} >= lo AND {column} < hi` for the id range, if any. Callers name
    /// the id column of the table they read (a fact table's `member_id`), so that the database
    /// reads that table's index over the range instead of joining it whole.
    pub fn push_ids<'a, DB: sqlx::Database>(&self, q: &mut QueryBuilder<'a, DB>, column: &str)
    where
        i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    {
        if let Some((lo, hi)) = self.ids {
            q.push(format!(" AND {column} >= "))
                .push_bind(lo)
                .push(format!(" AND {column} < "))
                .push_bind(hi);
        }
    }
}

/// Which files to load.
#[derive(Debug, Clone)]
pub(crate) enum FileCond {
    Members(Vec<i64>),
    /// The roster placed in a range of organisations: the active roster, or with a past day
    /// the roster of that day (people who left after it included).
    Range(PathRange, Option<NaiveDate>),
}

/// The condition on `members m` for who is on the roster: today the active roster; on a past
/// day also those who left the roster after it. The day is a date, never user text.
pub(crate) fn on_roster(on: Option<NaiveDate>) -> String {
    match on {
        None => "m.archived_at IS NULL".into(),
        Some(d) => format!("(m.archived_at IS NULL OR m.archive_date > '{d}')"),
    }
}

/// A file as stored, with what the page shows besides the rules' facts.
#[derive(Debug, Clone, Serialize)]
pub struct DevRecord {
    pub member: Member,
    /// Whether a file is on record (otherwise the roster's dates are shown).
    pub exists: bool,
    pub source: Option<String>,
    pub file: DevFile,
    pub approval_org_id: Option<i64>,
    pub conversion_approval_org_id: Option<i64>,
    pub note: Option<String>,
    pub version: i64,
    pub assessments: Vec<Assessment>,
    pub sponsors: Vec<SponsorRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    pub on: NaiveDate,
    pub note: Option<String>,
    /// `activist` (培养考察) or `probation` (预备期考察).
    pub stage: String,
}

impl Assessment {
    pub fn is_probation(&self) -> bool {
        self.stage == "probation"
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SponsorRow {
    pub id: i64,
    pub sponsor: Sponsor,
}

/// What a form or an import writes into a file.
#[derive(Debug, Clone, Default)]
pub struct DevInput {
    pub dates: Vec<(Step, Option<NaiveDate>)>,
    pub training_hours: Option<f64>,
    pub votes: Option<Votes>,
    pub approval_org_id: Option<i64>,
    pub conversion_approval_org_id: Option<i64>,
    pub extension_reason: Option<String>,
    pub probation_extension_months: Option<i32>,
    pub note: Option<String>,
    pub talker: Option<String>,
    pub upper_talker: Option<String>,
}

/// A person in the pipeline with the next step due.
#[derive(Debug, Clone, Serialize)]
pub struct PipelineRow {
    pub id: i64,
    pub name: String,
    pub org_id: i64,
    pub org_name: String,
    pub status: String,
    pub status_label: &'static str,
    pub since: Option<NaiveDate>,
    pub next: Option<String>,
    pub due: Option<NaiveDate>,
    pub overdue: bool,
}

const FILE_EXTRA: &str = "df.member_id, df.source, df.training_hours_x10, df.votes_entitled, \
    df.votes_present, df.votes_for, df.approval_org_id, df.conversion_approval_org_id, \
    df.extension_reason, df.probation_extension_months, df.note, df.version, df.talker, \
    df.upper_talker, \
    m.org_path AS member_path, \
    ao.name AS ap_name, ao.org_type AS ap_type, ao.sector AS ap_sector, \
    co.name AS cp_name, co.org_type AS cp_type, co.sector AS cp_sector";

fn file_cols() -> String {
    let mut s = String::new();
    for st in Step::ALL {
        s.push_str("df.");
        s.push_str(st.field());
        s.push_str(", ");
    }
    s.push_str(FILE_EXTRA);
    s
}

/// The stored file row, before assessments and sponsors are attached.
struct FileRow {
    member_id: i64,
    member_path: String,
    source: String,
    file: DevFile,
    approval_org_id: Option<i64>,
    conversion_approval_org_id: Option<i64>,
    note: Option<String>,
    version: i64,
}

fn approver(
    name: Option<String>,
    kind: Option<String>,
    sector: Option<String>,
) -> Option<Approver> {
    Some(Approver {
        name: name?,
        kind: OrgType::parse(&kind?)?,
        sector: Sector::parse(&sector?).unwrap_or(Sector::Other),
        // Filled in from the tree once the files are loaded.
        power: false,
    })
}

macro_rules! file_row {
    ($row:expr) => {{
        let row = $row;
        let mut file = DevFile::default();
        for st in Step::ALL {
            let d: Option<NaiveDate> = row.try_get(st.field())?;
            file.set(st, d);
        }
        let hours: Option<i32> = row.try_get("training_hours_x10")?;
        file.training_hours = hours.map(|h| f64::from(h) / 10.0);
        let e: Option<i32> = row.try_get("votes_entitled")?;
        let p: Option<i32> = row.try_get("votes_present")?;
        let f: Option<i32> = row.try_get("votes_for")?;
        file.votes = match (e, p, f) {
            (Some(entitled), Some(present), Some(in_favour)) => Some(Votes {
                entitled,
                present,
                in_favour,
            }),
            _ => None,
        };
        file.extension_reason = row.try_get("extension_reason")?;
        file.talker = row.try_get("talker")?;
        file.upper_talker = row.try_get("upper_talker")?;
        file.probation_extension_months = row.try_get("probation_extension_months")?;
        file.approver = approver(
            row.try_get("ap_name")?,
            row.try_get("ap_type")?,
            row.try_get("ap_sector")?,
        );
        file.conversion_approver = approver(
            row.try_get("cp_name")?,
            row.try_get("cp_type")?,
            row.try_get("cp_sector")?,
        );
        let source: String = row.try_get("source")?;
        file.sponsors_known = source != "import";
        FileRow {
            member_id: row.try_get("member_id")?,
            member_path: row.try_get("member_path")?,
            source,
            file,
            approval_org_id: row.try_get("approval_org_id")?,
            conversion_approval_org_id: row.try_get("conversion_approval_org_id")?,
            note: row.try_get("note")?,
            version: row.try_get("version")?,
        }
    }};
}

/// Appends the condition on `members m` for a [`FileCond`]; `$fact` is the member id column of
/// the table read beside `members`.
macro_rules! push_cond {
    ($q:expr, $cond:expr, $fact:expr) => {
        match $cond {
            FileCond::Members(ids) => {
                $q.push(" WHERE m.id IN (");
                let mut sep = $q.separated(", ");
                for id in ids {
                    sep.push_bind(*id);
                }
                $q.push(")");
            }
            FileCond::Range(range, on) => {
                $q.push(" WHERE ").push(on_roster(*on));
                range.push_paths(&mut $q, "m.org_path");
                range.push_ids(&mut $q, "m.id");
                range.push_ids(&mut $q, $fact);
            }
        }
    };
}

/// Source, approving organisations, note and version of a stored file.
pub(crate) type FileMeta = (String, Option<i64>, Option<i64>, Option<String>, i64);

/// Sponsors found on the roster by name: id, admission and conversion dates.
type NamedMembers = HashMap<String, Vec<(i64, Option<NaiveDate>, Option<NaiveDate>)>>;

pub(crate) struct LoadedFiles {
    pub files: HashMap<i64, DevFile>,
    pub meta: HashMap<i64, FileMeta>,
    pub assessments: HashMap<i64, Vec<Assessment>>,
    pub sponsors: HashMap<i64, Vec<SponsorRow>>,
}

impl Store {
    /// Loads the files matching `cond`, with assessments, sponsors (their standing on the day
    /// named, from the roster) and approving organisations.
    pub(crate) async fn dev_files_load(&self, cond: &FileCond) -> Result<LoadedFiles> {
        if let FileCond::Members(ids) = cond {
            if ids.is_empty() {
                return Ok(LoadedFiles {
                    files: HashMap::new(),
                    meta: HashMap::new(),
                    assessments: HashMap::new(),
                    sponsors: HashMap::new(),
                });
            }
        }
        let mut rows: Vec<FileRow> = Vec::new();
        let mut assessments: HashMap<i64, Vec<Assessment>> = HashMap::new();
        let mut sponsors: HashMap<i64, Vec<SponsorRow>> = HashMap::new();
        on_db!(&self.db, |p| {
            use futures_util::TryStreamExt;
            let mut q = QueryBuilder::new(format!(
                "SELECT {} FROM dev_files df JOIN members m ON m.id = df.member_id \
                 LEFT JOIN orgs ao ON ao.id = df.approval_org_id \
                 LEFT JOIN orgs co ON co.id = df.conversion_approval_org_id",
                file_cols()
            ));
            push_cond!(q, cond, "df.member_id");
            let mut s = q.build().fetch(p);
            while let Some(row) = s.try_next().await? {
                rows.push(file_row!(&row));
            }
            drop(s);

            let mut q = QueryBuilder::new(
                "SELECT a.member_id, a.assessed_on, a.note, a.stage FROM dev_assessments a \
                    JOIN members m ON m.id = a.member_id",
            );
            push_cond!(q, cond, "a.member_id");
            q.push(" ORDER BY a.member_id, a.assessed_on");
            let mut s = q.build().fetch(p);
            while let Some(row) = s.try_next().await? {
                let id: i64 = row.try_get(0)?;
                assessments.entry(id).or_default().push(Assessment {
                    on: row.try_get(1)?,
                    note: row.try_get(2)?,
                    stage: row.try_get(3)?,
                });
            }
            drop(s);

            let mut q = QueryBuilder::new(
                "SELECT s.member_id, s.id, s.role, s.name, s.sponsor_member_id, s.named_on, \
                 sm.admission_date, sm.conversion_date FROM dev_sponsors s \
                 JOIN members m ON m.id = s.member_id LEFT JOIN members sm ON sm.id = \
                 s.sponsor_member_id",
            );
            push_cond!(q, cond, "s.member_id");
            q.push(" ORDER BY s.member_id, s.id");
            let mut s = q.build().fetch(p);
            while let Some(row) = s.try_next().await? {
                let id: i64 = row.try_get(0)?;
                let role: String = row.try_get(2)?;
                let sponsor_member: Option<i64> = row.try_get(4)?;
                let named_on: NaiveDate = row.try_get(5)?;
                let standing = match sponsor_member {
                    Some(_) => Standing::on(named_on, row.try_get(6)?, row.try_get(7)?),
                    None => Standing::Unknown,
                };
                sponsors.entry(id).or_default().push(SponsorRow {
                    id: row.try_get(1)?,
                    sponsor: Sponsor {
                        role: SponsorRole::parse(&role).unwrap_or(SponsorRole::Contact),
                        name: row.try_get(3)?,
                        member_id: sponsor_member,
                        named_on,
                        standing,
                    },
                });
            }
        });
        let mut files = HashMap::with_capacity(rows.len());
        let mut meta = HashMap::with_capacity(rows.len());
        let powers = if rows.is_empty() {
            HashMap::new()
        } else {
            self.approval_powers().await?
        };
        for mut r in rows {
            // Approval power from the tree (DEV-021), and who should approve.
            for (approver, org) in [
                (&mut r.file.approver, r.approval_org_id),
                (
                    &mut r.file.conversion_approver,
                    r.conversion_approval_org_id,
                ),
            ] {
                if let (Some(a), Some(id)) = (approver.as_mut(), org) {
                    a.power = powers.get(&id).is_some_and(|p| p.1);
                }
            }
            r.file.expected_approver = OrgPath::from_stored(r.member_path.clone())
                .ids()
                .into_iter()
                .rev()
                .skip(1)
                .find_map(|id| powers.get(&id).filter(|p| p.1).map(|p| p.0.clone()));
            // The activist-stage assessments are the ones the rules time (DEV-006, DEV-018).
            r.file.assessments = assessments
                .get(&r.member_id)
                .map(|v| {
                    v.iter()
                        .filter(|a| !a.is_probation())
                        .map(|a| a.on)
                        .collect()
                })
                .unwrap_or_default();
            // An imported file is judged on a role's count only once somebody of that role is
            // on record (a blank cell is not “nobody”); files kept here are always judged.
            if let Some(s) = sponsors.get(&r.member_id) {
                r.file.sponsors = s.iter().map(|s| s.sponsor.clone()).collect();
            }
            meta.insert(
                r.member_id,
                (
                    r.source,
                    r.approval_org_id,
                    r.conversion_approval_org_id,
                    r.note,
                    r.version,
                ),
            );
            files.insert(r.member_id, r.file);
        }
        Ok(LoadedFiles {
            files,
            meta,
            assessments,
            sponsors,
        })
    }

    /// A person's development file as the page shows it.
    pub async fn dev_record(&self, scope: &Scope, member_id: i64) -> Result<DevRecord> {
        let member = self.member_get(scope, member_id).await?;
        let mut loaded = self
            .dev_files_load(&FileCond::Members(vec![member_id]))
            .await?;
        let exists = loaded.files.contains_key(&member_id);
        let file = loaded.files.remove(&member_id).unwrap_or_else(|| {
            let mut f = DevFile::default();
            f.set(Step::Application, member.application_date);
            f.set(Step::Activist, member.activist_date);
            f.set(Step::Candidate, member.candidate_date);
            f
        });
        let (source, approval_org_id, conversion_approval_org_id, note, version) = loaded
            .meta
            .remove(&member_id)
            .map(|(s, a, c, n, v)| (Some(s), a, c, n, v))
            .unwrap_or((None, None, None, None, 0));
        Ok(DevRecord {
            member,
            exists,
            source,
            file,
            approval_org_id,
            conversion_approval_org_id,
            note,
            version,
            assessments: loaded.assessments.remove(&member_id).unwrap_or_default(),
            sponsors: loaded.sponsors.remove(&member_id).unwrap_or_default(),
        })
    }

    /// Every committee, working committee and general branch with its name and whether it holds
    /// approval power: the power set on it, or the default by type and position
    /// ([`xianfeng_domain::org::default_approval_power`]). Branches never hold it.
    pub async fn approval_powers(&self) -> Result<HashMap<i64, (String, bool)>> {
        type Row = (i64, String, String, String, String, Option<bool>);
        let rows: Vec<Row> = on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT id, path, name, org_type, sector, approval_power FROM orgs \
                 WHERE org_type IN ('committee', 'working_committee', 'general_branch')",
            )
            .fetch_all(p)
            .await?
        });
        let kinds: HashMap<i64, (OrgType, Sector)> = rows
            .iter()
            .filter_map(|(id, _, _, t, s, _)| {
                Some((
                    *id,
                    (
                        OrgType::parse(t)?,
                        Sector::parse(s).unwrap_or(Sector::Other),
                    ),
                ))
            })
            .collect();
        Ok(rows
            .into_iter()
            .map(|(id, path, name, t, _, set)| {
                let kind = OrgType::parse(&t).unwrap_or(OrgType::Branch);
                let above: Vec<(OrgType, Sector)> = OrgPath::from_stored(path)
                    .ids()
                    .into_iter()
                    .filter(|a| *a != id)
                    .filter_map(|a| kinds.get(&a).copied())
                    .collect();
                let power = set
                    .unwrap_or_else(|| xianfeng_domain::org::default_approval_power(kind, &above));
                (id, (name, power))
            })
            .collect())
    }

    /// Whether one organisation holds approval power (the rule of [`Store::approval_powers`]),
    /// reading only it and its ancestors.
    pub async fn approval_power_of(&self, org: &crate::orgs::Org) -> Result<bool> {
        let ids = org.org_path().ids();
        let rows: Vec<(i64, String, String, Option<bool>)> = on_db!(&self.db, |p| {
            let mut q = QueryBuilder::new(
                "SELECT id, org_type, sector, approval_power FROM orgs WHERE org_type IN \
                 ('committee', 'working_committee', 'general_branch') AND id IN (",
            );
            let mut sep = q.separated(", ");
            for id in &ids {
                sep.push_bind(*id);
            }
            q.push(")");
            q.build_query_as().fetch_all(p).await?
        });
        let Some((_, t, _, set)) = rows.iter().find(|r| r.0 == org.id) else {
            return Ok(false);
        };
        let kind = OrgType::parse(t).unwrap_or(OrgType::Branch);
        let above: Vec<(OrgType, Sector)> = rows
            .iter()
            .filter(|r| r.0 != org.id)
            .filter_map(|(_, t, s, _)| {
                Some((
                    OrgType::parse(t)?,
                    Sector::parse(s).unwrap_or(Sector::Other),
                ))
            })
            .collect();
        Ok(set.unwrap_or_else(|| xianfeng_domain::org::default_approval_power(kind, &above)))
    }

    /// The organisations above a member's branch that may be named as approvers.
    pub async fn dev_approver_choices(&self, member: &Member) -> Result<Vec<Org>> {
        let ids = member.path().ids();
        let mut out = Vec::new();
        for id in ids.into_iter().rev().skip(1) {
            let org = self.org_get(&Scope::Structure, id).await?;
            if matches!(
                org.kind(),
                Some(OrgType::Committee | OrgType::WorkingCommittee | OrgType::GeneralBranch)
            ) {
                out.push(org);
            }
        }
        Ok(out)
    }

    /// The default approver: the nearest organisation above the branch that holds approval
    /// power.
    pub async fn dev_default_approver(&self, member: &Member) -> Result<Option<i64>> {
        let powers = self.approval_powers().await?;
        Ok(self
            .dev_approver_choices(member)
            .await?
            .into_iter()
            .find(|o| powers.get(&o.id).is_some_and(|p| p.1))
            .map(|o| o.id))
    }

    /// Saves a file from the form: refuses what the rules forbid outright, carries stage
    /// changes to the roster (admission on the general-meeting day, full membership from the
    /// end of probation) and re-checks the person.
    pub async fn dev_save(
        &self,
        actor: &Actor,
        scope: &Scope,
        member_id: i64,
        version: Option<i64>,
        input: &DevInput,
    ) -> Result<()> {
        let before = self.dev_record(scope, member_id).await?;
        if !scope.may_write_member(&before.member.path()) {
            return Err(StoreError::Forbidden);
        }
        if before.member.is_archived() {
            return Err(StoreError::invalid(
                "member",
                "该人员已移出名册，不能修改发展档案",
            ));
        }
        let mut file = before.file.clone();
        for (step, d) in &input.dates {
            file.set(*step, *d);
        }
        file.training_hours = input.training_hours;
        file.votes = input.votes;
        file.extension_reason = input.extension_reason.clone();
        file.probation_extension_months = input.probation_extension_months;
        file.talker = input.talker.clone();
        file.upper_talker = input.upper_talker.clone();
        let allowed = self.dev_approver_choices(&before.member).await?;
        for id in [input.approval_org_id, input.conversion_approval_org_id]
            .into_iter()
            .flatten()
        {
            if !allowed.iter().any(|o| o.id == id) {
                return Err(StoreError::invalid(
                    "approval_org_id",
                    "审批组织应为本支部的上级党组织",
                ));
            }
        }
        // Only what this save adds is refused: history kept as recorded (an imported sponsor
        // who did not qualify, say) must not block every later save; the check reports it.
        let today = self.clock.today();
        let already = before.file.refusals(today);
        if let Some((field, message)) = file
            .refusals(today)
            .into_iter()
            .find(|r| !already.contains(r))
        {
            return Err(StoreError::invalid(field, message));
        }
        if before.exists && version.is_some_and(|v| v != before.version) {
            return Err(StoreError::Conflict);
        }
        let cfg = self.rules_config().await?;
        let mut tx = self.begin().await?;
        self.dev_write_file(&mut tx, member_id, "system", &file, input, before.exists)
            .await?;
        let changes = file_changes(&before.file, &file);
        let status = self
            .dev_carry_to_roster(&mut tx, actor, &before.member, &file, &cfg, true)
            .await?;
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "development.save",
                format!(
                    "{}：{}{}",
                    before.member.name,
                    if changes.is_empty() {
                        "无日期变化".into()
                    } else {
                        changes
                    },
                    status
                        .map(|s| format!("；人员状态改为{}", s.label()))
                        .unwrap_or_default()
                ),
            )
            .on("member", member_id),
        )
        .await?;
        tx.commit().await?;
        self.findings_refresh_members(&[member_id]).await;
        Ok(())
    }

    /// Opens a file for a person who has none yet (from the roster's dates).
    async fn dev_ensure_file(&self, tx: &mut Tx, rec: &DevRecord) -> Result<()> {
        if rec.exists {
            return Ok(());
        }
        self.dev_write_file(
            tx,
            rec.member.id,
            "system",
            &rec.file,
            &DevInput::default(),
            false,
        )
        .await
    }

    /// Inserts or replaces the file row.
    async fn dev_write_file(
        &self,
        tx: &mut Tx,
        member_id: i64,
        source: &str,
        file: &DevFile,
        input: &DevInput,
        exists: bool,
    ) -> Result<()> {
        let now = self.clock.now();
        let fields: Vec<&str> = Step::ALL.iter().map(|s| s.field()).collect();
        let sql = if exists {
            let mut sets: Vec<String> = fields
                .iter()
                .enumerate()
                .map(|(i, f)| format!("{f} = ${}", i + 1))
                .collect();
            let n = fields.len();
            sets.push(format!("training_hours_x10 = ${}", n + 1));
            sets.push(format!("votes_entitled = ${}", n + 2));
            sets.push(format!("votes_present = ${}", n + 3));
            sets.push(format!("votes_for = ${}", n + 4));
            sets.push(format!("approval_org_id = ${}", n + 5));
            sets.push(format!("conversion_approval_org_id = ${}", n + 6));
            sets.push(format!("extension_reason = ${}", n + 7));
            sets.push(format!("probation_extension_months = ${}", n + 8));
            sets.push(format!("note = ${}", n + 9));
            sets.push(format!("updated_at = ${}", n + 10));
            // A file keeps where it came from: an imported file stays one when edited.
            sets.push(format!("source = COALESCE(source, ${})", n + 12));
            sets.push(format!("talker = ${}", n + 13));
            sets.push(format!("upper_talker = ${}", n + 14));
            format!(
                "UPDATE dev_files SET {}, version = version + 1 WHERE member_id = ${}",
                sets.join(", "),
                n + 11
            )
        } else {
            let n = fields.len();
            let cols = fields.join(", ");
            let binds: Vec<String> = (1..=n + 12).map(|i| format!("${i}")).collect();
            format!(
                "INSERT INTO dev_files ({cols}, training_hours_x10, votes_entitled, \
                    votes_present, votes_for, \
                 approval_org_id, conversion_approval_org_id, extension_reason, \
                 probation_extension_months, \
                 note, updated_at, member_id, source, talker, upper_talker, created_at) VALUES \
                 ({}, ${}, ${}, ${})",
                binds.join(", "),
                n + 13,
                n + 14,
                n + 10
            )
        };
        on_tx!(tx, |c| {
            let mut q = sqlx::query(&sql);
            for st in Step::ALL {
                q = q.bind(file.get(st));
            }
            q = q
                .bind(file.training_hours.map(|h| (h * 10.0).round() as i32))
                .bind(file.votes.map(|v| v.entitled))
                .bind(file.votes.map(|v| v.present))
                .bind(file.votes.map(|v| v.in_favour))
                // An approving organisation is recorded with its approval only.
                .bind(
                    input
                        .approval_org_id
                        .filter(|_| file.get(Step::Approval).is_some()),
                )
                .bind(
                    input
                        .conversion_approval_org_id
                        .filter(|_| file.get(Step::ConversionApproval).is_some()),
                )
                .bind(file.extension_reason.clone())
                .bind(file.probation_extension_months)
                .bind(input.note.clone())
                .bind(now)
                .bind(member_id)
                .bind(source)
                .bind(file.talker.clone())
                .bind(file.upper_talker.clone());
            q.execute(&mut *c).await?;
        });
        Ok(())
    }

    /// Carries the file's stage to the roster. With `authoritative` (the form) admission and
    /// conversion dates follow the file; an import keeps dates the roster already has, so the
    /// check can report a roster that disagrees with its file. Returns the new status if it
    /// changed.
    async fn dev_carry_to_roster(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        member: &Member,
        file: &DevFile,
        cfg: &RuleConfig,
        authoritative: bool,
    ) -> Result<Option<MemberStatus>> {
        let current = MemberStatus::parse(&member.status).unwrap_or(MemberStatus::Applicant);
        let rank = |s: MemberStatus| MemberStatus::ALL.iter().position(|x| *x == s);
        let status = if rank(file.status()) > rank(current) {
            file.status()
        } else {
            current
        };
        let gm = file.get(Step::GeneralMeeting);
        let mut admission = member.admission_date;
        if file.get(Step::Approval).is_some() && (authoritative || admission.is_none()) {
            admission = gm.or(admission);
        }
        let mut conversion = member.conversion_date;
        if file.get(Step::ConversionApproval).is_some() && (authoritative || conversion.is_none()) {
            if let Some(gm) = gm {
                conversion = file.probation_end(cfg.at(gm).development.probation_months);
            }
        }
        let now = self.clock.now();
        on_tx!(tx, |c| {
            sqlx::query(
                "UPDATE members SET application_date = $1, activist_date = $2, candidate_date = \
                    $3, \
                 admission_date = $4, conversion_date = $5, status = $6, updated_at = $7, version \
                 = version + 1 \
                 WHERE id = $8",
            )
            .bind(file.get(Step::Application).or(member.application_date))
            .bind(file.get(Step::Activist).or(member.activist_date))
            .bind(file.get(Step::Candidate).or(member.candidate_date))
            .bind(admission)
            .bind(conversion)
            .bind(status.code())
            .bind(now)
            .bind(member.id)
            .execute(&mut *c)
            .await?;
        });
        if status == current {
            return Ok(None);
        }
        let day = match status {
            MemberStatus::Full => conversion,
            MemberStatus::Probationary => admission,
            MemberStatus::Candidate => file.get(Step::Candidate),
            MemberStatus::Activist => file.get(Step::Activist),
            MemberStatus::Applicant => file.get(Step::Application),
        }
        .unwrap_or_else(|| self.clock.today());
        on_tx!(tx, |c| {
            sqlx::query(
                "INSERT INTO member_archive_events (member_id, action, reason, event_date, note, \
                created_by, created_at) VALUES ($1, 'status', $2, $3, $4, $5, $6)",
            )
            .bind(member.id)
            .bind(status.code())
            .bind(day)
            .bind(member.status.as_str())
            .bind(actor.account_id)
            .bind(now)
            .execute(&mut *c)
            .await?;
        });
        Ok(Some(status))
    }

    /// Records an assessment (考察): of an activist, or of a probationary member.
    #[allow(clippy::too_many_arguments)]
    pub async fn dev_assessment_add(
        &self,
        actor: &Actor,
        scope: &Scope,
        member_id: i64,
        on: NaiveDate,
        note: Option<String>,
        probation: bool,
    ) -> Result<()> {
        let rec = self.dev_record(scope, member_id).await?;
        if !scope.may_write_member(&rec.member.path()) {
            return Err(StoreError::Forbidden);
        }
        if on > self.clock.today() {
            return Err(StoreError::invalid("assessed_on", "考察日期不能晚于今天"));
        }
        if rec
            .assessments
            .iter()
            .any(|a| a.on == on && a.is_probation() == probation)
        {
            return Err(StoreError::invalid("assessed_on", "该日期的考察已登记"));
        }
        if probation {
            let start = rec
                .file
                .get(Step::GeneralMeeting)
                .or(rec.member.admission_date);
            if start.is_none_or(|s| on < s) {
                return Err(StoreError::invalid(
                    "assessed_on",
                    "预备期考察应在接收为预备党员（支部大会）之后",
                ));
            }
        }
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        self.dev_ensure_file(&mut tx, &rec).await?;
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO dev_assessments (member_id, assessed_on, note, stage, created_at) \
                VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(member_id)
            .bind(on)
            .bind(&note)
            .bind(if probation { "probation" } else { "activist" })
            .bind(now)
            .execute(&mut *c)
            .await?;
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "development.assessment",
                format!("{}：考察 {}", rec.member.name, format_date(on)),
            )
            .on("member", member_id),
        )
        .await?;
        tx.commit().await?;
        self.findings_refresh_members(&[member_id]).await;
        Ok(())
    }

    /// Removes a cultivation contact or an introducer from a file (to correct or replace one,
    /// an imported one that did not qualify included); audited, and the person is checked again.
    pub async fn dev_sponsor_remove(
        &self,
        actor: &Actor,
        scope: &Scope,
        member_id: i64,
        sponsor_id: i64,
    ) -> Result<()> {
        let rec = self.dev_record(scope, member_id).await?;
        if !scope.may_write_member(&rec.member.path()) {
            return Err(StoreError::Forbidden);
        }
        let Some(s) = rec.sponsors.iter().find(|s| s.id == sponsor_id) else {
            return Err(StoreError::NotFound("该档案中没有这条记录"));
        };
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query("DELETE FROM dev_sponsors WHERE id = $1 AND member_id = $2")
                .bind(sponsor_id)
                .bind(member_id)
                .execute(&mut *c)
                .await?;
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "dev.sponsor.remove",
                format!(
                    "{} 的发展档案：删除{} {}（{} 确定）",
                    rec.member.name,
                    s.sponsor.role.label(),
                    s.sponsor.name,
                    format_date(s.sponsor.named_on)
                ),
            )
            .on("member", member_id),
        )
        .await?;
        tx.commit().await?;
        self.findings_refresh_members(&[member_id]).await;
        Ok(())
    }

    /// Names a cultivation contact or an introducer: a roster member, who must have been a full
    /// member on the day named (refused otherwise), or by name only for someone outside the
    /// system.
    #[allow(clippy::too_many_arguments)]
    pub async fn dev_sponsor_add(
        &self,
        actor: &Actor,
        scope: &Scope,
        member_id: i64,
        role: SponsorRole,
        sponsor_member_id: Option<i64>,
        name: &str,
        named_on: NaiveDate,
    ) -> Result<()> {
        let rec = self.dev_record(scope, member_id).await?;
        if !scope.may_write_member(&rec.member.path()) {
            return Err(StoreError::Forbidden);
        }
        if named_on > self.clock.today() {
            return Err(StoreError::invalid("named_on", "确定日期不能晚于今天"));
        }
        let (name, standing) = match sponsor_member_id {
            Some(id) => {
                if id == member_id {
                    return Err(StoreError::invalid("sponsor", "不能指定本人"));
                }
                // The sponsor may belong to another branch of the caller's subtree; only the
                // dates are read, and someone the caller may not see answers as absent.
                let row: Option<(String, String, Option<NaiveDate>, Option<NaiveDate>)> =
                    on_db!(&self.db, |p| {
                        sqlx::query_as(
                            "SELECT name, org_path, admission_date, conversion_date FROM members \
                            WHERE id = $1 AND archived_at IS NULL",
                        )
                        .bind(id)
                        .fetch_optional(p)
                        .await?
                    });
                let (n, _, a, c) = row
                    .filter(|(_, path, _, _)| {
                        scope.sees_member(id, &OrgPath::from_stored(path.clone()))
                    })
                    .ok_or(StoreError::NotFound("找不到该党员"))?;
                (n, Standing::on(named_on, a, c))
            }
            None => {
                let n = xianfeng_domain::text::clean(name);
                if n.is_empty() || n.chars().count() > 50 {
                    return Err(StoreError::invalid("name", "请填写姓名（最多 50 个字）"));
                }
                (n, Standing::Unknown)
            }
        };
        if matches!(standing, Standing::Probationary | Standing::NotMember) {
            return Err(StoreError::invalid(
                "sponsor",
                format!(
                    "{}须为正式党员：{}在 {} 时为{}",
                    role.label(),
                    name,
                    format_date(named_on),
                    standing.label()
                ),
            ));
        }
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        self.dev_ensure_file(&mut tx, &rec).await?;
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO dev_sponsors (member_id, role, name, sponsor_member_id, named_on, \
                created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(member_id)
            .bind(role.code())
            .bind(&name)
            .bind(sponsor_member_id)
            .bind(named_on)
            .bind(now)
            .execute(&mut *c)
            .await?;
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "development.sponsor",
                format!(
                    "{}：{} {}（{}）",
                    rec.member.name,
                    role.label(),
                    name,
                    format_date(named_on)
                ),
            )
            .on("member", member_id),
        )
        .await?;
        tx.commit().await?;
        self.findings_refresh_members(&[member_id]).await;
        Ok(())
    }

    /// People of one status in a subtree, each with the next step and its deadline.
    pub async fn dev_pipeline(
        &self,
        scope: &Scope,
        status: MemberStatus,
        page: PageReq,
    ) -> Result<Page<PipelineRow>> {
        let Scope::Subtree { path, .. } = scope else {
            return Err(StoreError::Forbidden);
        };
        let (total, members): (i64, Vec<Member>) = on_db!(&self.db, |p| {
            let total: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM members m WHERE m.archived_at IS NULL AND m.status = \
                    $1 AND m.org_path >= $2 AND m.org_path < $3",
            )
            .bind(status.code())
            .bind(path.as_str())
            .bind(path.upper_bound())
            .fetch_one(p)
            .await?;
            let members: Vec<Member> = sqlx::query_as(&format!(
                "SELECT {} FROM members m JOIN orgs o ON o.id = m.org_id LEFT JOIN orgs g ON g.id \
                    = m.party_group_id \
                 WHERE m.archived_at IS NULL AND m.status = $1 AND m.org_path >= $2 AND \
                 m.org_path < $3 \
                 ORDER BY m.org_path, m.name_key, m.id LIMIT $4 OFFSET $5",
                crate::members::MEMBER_COLS
            ))
            .bind(status.code())
            .bind(path.as_str())
            .bind(path.upper_bound())
            .bind(i64::from(page.per_page))
            .bind(page.offset())
            .fetch_all(p)
            .await?;
            (total, members)
        });
        let loaded = self
            .dev_files_load(&FileCond::Members(members.iter().map(|m| m.id).collect()))
            .await?;
        let cfg = self.rules_config().await?;
        let today = self.clock.today();
        let items = members
            .into_iter()
            .map(|m| {
                let file = loaded.files.get(&m.id);
                let facts = member_facts(&m, None, file);
                let next: Option<NextStep> = next_step(&cfg, &facts);
                let since = match status {
                    MemberStatus::Applicant => m.application_date,
                    MemberStatus::Activist => m.activist_date,
                    MemberStatus::Candidate => m.candidate_date,
                    MemberStatus::Probationary => m.admission_date,
                    MemberStatus::Full => m.conversion_date,
                };
                PipelineRow {
                    id: m.id,
                    status_label: status.label(),
                    status: m.status.clone(),
                    name: m.name,
                    org_id: m.org_id,
                    org_name: m.org_name,
                    since,
                    overdue: next.as_ref().and_then(|n| n.due).is_some_and(|d| d < today),
                    due: next.as_ref().and_then(|n| n.due),
                    next: next.map(|n| n.label().to_string()),
                }
            })
            .collect();
        Ok(Page {
            items,
            total,
            page: page.page,
            per_page: page.per_page,
        })
    }
}

/// The facts of a roster member for the rules.
pub(crate) fn member_facts<'a>(
    m: &'a Member,
    id_number: Option<&'a str>,
    file: Option<&'a DevFile>,
) -> PersonFacts<'a> {
    PersonFacts {
        birth_date: m.birth_date,
        gender: &m.gender,
        id_number,
        status: MemberStatus::parse(&m.status).unwrap_or(MemberStatus::Applicant),
        application: m.application_date,
        activist: m.activist_date,
        candidate: m.candidate_date,
        admission: m.admission_date,
        conversion: m.conversion_date,
        file,
    }
}

/// "步骤：旧 → 新" for the dates a save changes.
fn file_changes(before: &DevFile, after: &DevFile) -> String {
    let d = |d: Option<NaiveDate>| d.map(format_date).unwrap_or_else(|| "空".into());
    let mut out = Vec::new();
    for st in Step::ALL {
        if before.get(st) != after.get(st) {
            out.push(format!(
                "{} {} → {}",
                st.label(),
                d(before.get(st)),
                d(after.get(st))
            ));
        }
    }
    if before.votes != after.votes {
        out.push("表决人数已更新".into());
    }
    out.join("，")
}

/// One readable row of a development sheet, for [`Store::dev_import`].
#[derive(Debug, Clone)]
pub struct DevImportItem {
    pub row: usize,
    pub name: String,
    pub id_number: IdNumber,
    /// The branch the row names (resolved by the caller inside the scope).
    pub org_id: i64,
    pub file: DevFile,
    pub contacts: Vec<String>,
    pub introducers: Vec<String>,
    /// The organisations that approved the admission and the conversion, found by the caller.
    pub approval_org_id: Option<i64>,
    pub conversion_approval_org_id: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DevImportOutcome {
    pub created: usize,
    pub updated: usize,
    /// Row-level problems that stop the import (nothing is written when there are any).
    pub errors: Vec<(usize, String)>,
}

impl Store {
    /// Imports development files, all or nothing. People not yet on the roster are added to
    /// the named branch with the status their steps give; people on it get their file and
    /// pipeline dates from the sheet, while admission and conversion dates already on the
    /// roster are kept (the check reports where they disagree with the file). Rules broken
    /// in the file are not import errors: the check finds them afterwards.
    pub async fn dev_import(
        &self,
        actor: &Actor,
        scope: &Scope,
        items: &[DevImportItem],
        dry_run: bool,
    ) -> Result<DevImportOutcome> {
        let Scope::Subtree {
            path, write: true, ..
        } = scope
        else {
            return Err(StoreError::Forbidden);
        };
        let mut out = DevImportOutcome::default();
        // The branches the rows name, checked against the scope.
        let orgs = self.org_all(scope).await?;
        let by_id: HashMap<i64, &Org> = orgs.iter().map(|o| (o.id, o)).collect();
        let cfg = self.rules_config().await?;
        let mut resolved: Vec<&Org> = Vec::with_capacity(items.len());
        for it in items {
            match by_id.get(&it.org_id) {
                None => out
                    .errors
                    .push((it.row, "所在党组织不在您的管理范围内".to_string())),
                Some(o) if !o.kind().is_some_and(|k| k.is_branch()) => out.errors.push((
                    it.row,
                    format!("“{}”是{}，人员须编入党支部", o.name, o.type_label()),
                )),
                Some(o) => resolved.push(o),
            }
        }
        // Roster members by ID number.
        let hashes: Vec<String> = items
            .iter()
            .map(|i| self.keys.id_lookup(i.id_number.as_str()))
            .collect();
        let mut existing: HashMap<String, Member> = HashMap::new();
        for chunk in hashes.chunks(500) {
            let found: Vec<(String, i64)> = on_db!(&self.db, |p| {
                let mut q = QueryBuilder::new("SELECT id_hash, id FROM members WHERE id_hash IN (");
                let mut sep = q.separated(", ");
                for h in chunk {
                    sep.push_bind(h.clone());
                }
                q.push(")");
                q.build_query_as().fetch_all(p).await?
            });
            for (h, id) in found {
                match self.member_get(scope, id).await {
                    Ok(m) => {
                        existing.insert(h, m);
                    }
                    Err(_) => out.errors.push((
                        0,
                        "文件中有人员已在您的管理范围之外登记，请联系上级组织核实".to_string(),
                    )),
                }
            }
        }
        for (it, h) in items.iter().zip(&hashes) {
            if let Some(m) = existing.get(h) {
                if m.is_archived() {
                    out.errors.push((
                        it.row,
                        format!(
                            "{}已移出名册（{}），请先恢复",
                            m.name,
                            m.archive_reason_label()
                        ),
                    ));
                }
            }
        }
        if !out.errors.is_empty() {
            out.errors.sort();
            return Ok(out);
        }
        // Names of contacts and introducers, matched on the roster of the subtree.
        let mut names: NamedMembers = HashMap::new();
        {
            let wanted: Vec<String> = items
                .iter()
                .flat_map(|i| i.contacts.iter().chain(&i.introducers).cloned())
                .collect();
            for chunk in wanted.chunks(500) {
                let found: Vec<(String, i64, Option<NaiveDate>, Option<NaiveDate>)> =
                    on_db!(&self.db, |p| {
                        let mut q = QueryBuilder::new(
                            "SELECT name, id, admission_date, conversion_date FROM members WHERE \
                            archived_at IS NULL AND org_path >= ",
                        );
                        q.push_bind(path.as_str().to_string())
                            .push(" AND org_path < ")
                            .push_bind(path.upper_bound())
                            .push(" AND name IN (");
                        let mut sep = q.separated(", ");
                        for n in chunk {
                            sep.push_bind(n.clone());
                        }
                        q.push(")");
                        q.build_query_as().fetch_all(p).await?
                    });
                for (n, id, a, c) in found {
                    names.entry(n).or_default().push((id, a, c));
                }
            }
        }
        if dry_run {
            out.created = items
                .iter()
                .zip(&hashes)
                .filter(|(_, h)| !existing.contains_key(*h))
                .count();
            out.updated = items.len() - out.created;
            return Ok(out);
        }
        let mut tx = self.begin().await?;
        let mut touched: Vec<i64> = Vec::with_capacity(items.len());
        let now = self.clock.now();
        for ((it, h), org) in items.iter().zip(&hashes).zip(&resolved) {
            let (member, exists_file) = match existing.get(h) {
                Some(m) => {
                    let has: Option<i64> = on_tx!(&mut tx, |c| {
                        sqlx::query_scalar("SELECT member_id FROM dev_files WHERE member_id = $1")
                            .bind(m.id)
                            .fetch_optional(&mut *c)
                            .await?
                    });
                    out.updated += 1;
                    (m.clone(), has.is_some())
                }
                None => {
                    let status = it.file.status();
                    let gm = it.file.get(Step::GeneralMeeting);
                    let admission = it.file.get(Step::Approval).and(gm);
                    let conversion = it
                        .file
                        .get(Step::ConversionApproval)
                        .and(gm)
                        .and_then(|gm| {
                            it.file
                                .probation_end(cfg.at(gm).development.probation_months)
                        });
                    let fields = MemberFields {
                        name: it.name.clone(),
                        id_number: it.id_number.clone(),
                        gender: it.id_number.gender(),
                        ethnicity: None,
                        birth_date: it.id_number.birth_date(),
                        education: None,
                        status,
                        category: Category::Employed,
                        phone: None,
                        work_unit: None,
                        post: None,
                        application_date: it.file.get(Step::Application),
                        activist_date: it.file.get(Step::Activist),
                        candidate_date: it.file.get(Step::Candidate),
                        admission_date: admission,
                        conversion_date: conversion,
                    };
                    let id = self.member_insert(&mut tx, org, &fields, h).await?;
                    out.created += 1;
                    let m = self.member_get_in(&mut tx, id).await?;
                    (m, false)
                }
            };
            let input = DevInput {
                approval_org_id: it.approval_org_id,
                conversion_approval_org_id: it.conversion_approval_org_id,
                ..Default::default()
            };
            self.dev_write_file(&mut tx, member.id, "import", &it.file, &input, exists_file)
                .await?;
            self.dev_carry_to_roster(&mut tx, actor, &member, &it.file, &cfg, false)
                .await?;
            for d in &it.file.assessments {
                on_tx!(&mut tx, |c| {
                    let n: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM dev_assessments WHERE member_id = $1 AND \
                        assessed_on = $2",
                    )
                    .bind(member.id)
                    .bind(*d)
                    .fetch_one(&mut *c)
                    .await?;
                    if n == 0 {
                        sqlx::query(
                            "INSERT INTO dev_assessments (member_id, assessed_on, note, \
                            created_at) VALUES ($1, $2, '导入', $3)",
                        )
                        .bind(member.id)
                        .bind(*d)
                        .bind(now)
                        .execute(&mut *c)
                        .await?;
                    }
                });
            }
            for (role, list, step) in [
                (SponsorRole::Contact, &it.contacts, Step::Activist),
                (SponsorRole::Introducer, &it.introducers, Step::Candidate),
            ] {
                let Some(named_on) = it.file.get(step) else {
                    continue;
                };
                for n in list {
                    // A name matched to exactly one roster member is linked; otherwise kept by name.
                    let linked = match names.get(n).map(|v| v.as_slice()) {
                        Some([(id, _, _)]) => Some(*id),
                        _ => None,
                    };
                    on_tx!(&mut tx, |c| {
                        let dup: i64 = sqlx::query_scalar(
                            "SELECT COUNT(*) FROM dev_sponsors WHERE member_id = $1 AND role = \
                            $2 AND name = $3",
                        )
                        .bind(member.id)
                        .bind(role.code())
                        .bind(n)
                        .fetch_one(&mut *c)
                        .await?;
                        if dup == 0 {
                            sqlx::query(
                                "INSERT INTO dev_sponsors (member_id, role, name, \
                                sponsor_member_id, named_on, created_at) VALUES ($1, $2, $3, \
                                $4, $5, $6)",
                            )
                            .bind(member.id)
                            .bind(role.code())
                            .bind(n)
                            .bind(linked)
                            .bind(named_on)
                            .bind(now)
                            .execute(&mut *c)
                            .await?;
                        }
                    });
                }
            }
            touched.push(member.id);
        }
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "development.import",
                format!(
                    "导入发展档案 {} 份：新增人员 {} 名，更新 {} 名",
                    items.len(),
                    out.created,
                    out.updated
                ),
            ),
        )
        .await?;
        tx.commit().await?;
        self.findings_refresh_members(&touched).await;
        Ok(out)
    }
}
