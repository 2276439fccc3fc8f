//! The compliance check over stored data: every person and organisation of a subtree judged by
//! the rules of `xianfeng_domain::rules`, and the findings kept current in the `findings`
//! table (by the daily job and after every relevant write) for pages, to-do lists and
//! notifications.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{FromRow, QueryBuilder, Row};
use xianfeng_domain::contact::ContactEvent;
use xianfeng_domain::development::DevFile;
use xianfeng_domain::life::PostRole;
use xianfeng_domain::members::MemberStatus;
use xianfeng_domain::org::{OrgPath, Sector};
use xianfeng_domain::rules::{
    registry, Ask, ContactFacts, Delivery, DuesFacts, Facts, Family, Hit, JointFacts, MeetingFacts,
    OrgFacts, PersonFacts, ReportFacts, RuleConfig, Severity,
};
use xianfeng_domain::scope::Scope;

use crate::audit::{Actor, AuditEvent};
use crate::development::{FileCond, PathRange};
use crate::dues::DuesData;
use crate::letters::Letter;
use crate::orgs::Org;
use crate::{on_db, on_tx, Page, PageReq, Result, Store, StoreError};

/// Rules whose findings are deadlines for the people responsible (to-do list, notifications).
pub const DEADLINE_RULES: &[&str] = &[
    "DEV-018", "DEV-019", "DEV-020", "DEV-022", "ORG-004", "MEM-003", "MEM-004", "MTG-001",
    "MTG-002", "MTG-003", "MTG-005", "MTG-006", "MTG-008", "RPT-001", "RPT-002",
];

/// Who or what a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Subject {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: i64,
    pub name: String,
}

/// A finding: a rule, its subject, where it is and what to do.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    /// Organisation code.
    pub org: String,
    pub org_name: String,
    #[serde(skip)]
    pub org_id: i64,
    #[serde(skip)]
    pub org_path: String,
    pub subject: Subject,
    pub message: String,
    pub dates: BTreeMap<&'static str, NaiveDate>,
    #[serde(skip)]
    pub due: Option<NaiveDate>,
    #[serde(skip)]
    pub key: String,
}

impl Finding {
    fn from_hit(h: Hit, org: &OrgInfo, subject: Subject) -> Finding {
        Finding {
            rule: h.rule,
            severity: h.severity,
            org: org.code.clone(),
            org_name: org.name.clone(),
            org_id: org.id,
            org_path: org.path.clone(),
            subject,
            message: h.message,
            dates: h.dates,
            due: h.due,
            key: h.key,
        }
    }
    /// Identity of a finding across runs.
    pub fn fkey(&self) -> String {
        format!(
            "{}|{}:{}|{}",
            self.rule, self.subject.kind, self.subject.id, self.key
        )
    }
}

/// A stored finding (open or closed).
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct StoredFinding {
    pub id: i64,
    pub rule: String,
    pub severity: String,
    pub org_id: i64,
    pub org_path: String,
    pub org_name: String,
    pub org_code: String,
    pub subject_type: String,
    pub subject_id: i64,
    pub subject_name: String,
    pub message: String,
    pub dates: String,
    pub due_date: Option<NaiveDate>,
    pub first_seen_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

impl StoredFinding {
    pub fn severity_label(&self) -> &'static str {
        Severity::parse(&self.severity).map_or("", |s| s.label())
    }
    pub fn rule_title(&self) -> &'static str {
        xianfeng_domain::rules::rule_title(&self.rule)
    }
}

#[derive(Debug, Clone)]
struct OrgInfo {
    id: i64,
    code: String,
    name: String,
    path: String,
}

/// Per-rule counts of open findings.
#[derive(Debug, Clone, Serialize)]
pub struct RuleCount {
    pub rule: String,
    pub severity: String,
    pub count: i64,
}

/// An organisation ranked by its subtree's open findings.
#[derive(Debug, Clone, Serialize)]
pub struct OrgRank {
    pub org_id: i64,
    pub name: String,
    pub errors: i64,
    pub warnings: i64,
}

#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    pub rule: Option<String>,
    pub severity: Option<String>,
    /// Only the rules whose findings are deadlines.
    pub deadlines: bool,
}

/// Which stored findings a set of fresh ones replaces.
#[derive(Debug, Clone, Copy)]
enum SyncScope<'a> {
    Subjects(&'a str, &'a [i64]),
    /// The findings about subjects of one kind whose ids lie in the slice's id range (and whose
    /// place lies in its path range): a slice of the daily check.
    Slice(&'a str, &'a PathRange),
    /// Every finding about subjects of this kind.
    Kind(&'a str),
}

/// What a full run did to the stored findings.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncReport {
    pub seen: usize,
    pub opened: usize,
    pub closed: usize,
    pub notified: usize,
}

impl SyncReport {
    fn add(&mut self, other: SyncReport) {
        self.seen += other.seen;
        self.opened += other.opened;
        self.closed += other.closed;
        self.notified += other.notified;
    }
}

/// How many people the check judges at once (a span of ids; organisations go 25 times fewer
/// at once): a slice's facts and findings are all it holds in memory, so a province costs what its
/// largest slice does.
pub(crate) const SLICE_PEOPLE: i64 = 25_000;

/// Organisation order: place, kind of subject, name, then rule.
fn sort_findings(found: &mut [Finding]) {
    // Findings with equal keys are the same finding: the unstable sort is deterministic.
    found.sort_unstable_by(|a, b| {
        (
            a.org_path.as_str(),
            a.subject.kind,
            &a.subject.name,
            a.subject.id,
            a.rule,
            &a.key,
        )
            .cmp(&(
                b.org_path.as_str(),
                b.subject.kind,
                &b.subject.name,
                b.subject.id,
                b.rule,
                &b.key,
            ))
    });
}

/// An open finding as the sync compares it.
#[derive(FromRow)]
struct OpenRow {
    id: i64,
    fkey: String,
    message: String,
    dates: String,
    org_path: String,
}

/// One slice of the check: the organisations, or the people, of a path range whose ids lie in
/// one span.
struct Slice {
    people: bool,
    range: PathRange,
}

/// A file as it stood on `day`: steps recorded later had not happened yet.
fn file_on(f: &DevFile, day: NaiveDate) -> DevFile {
    let mut f = f.clone();
    f.dates.retain(|_, d| *d <= day);
    f.assessments.retain(|d| *d <= day);
    f.sponsors.retain(|s| s.named_on <= day);
    f
}

/// Status given by roster dates on `day`.
fn status_on(
    day: NaiveDate,
    application: Option<NaiveDate>,
    activist: Option<NaiveDate>,
    candidate: Option<NaiveDate>,
    admission: Option<NaiveDate>,
    conversion: Option<NaiveDate>,
) -> Option<MemberStatus> {
    let on = |d: Option<NaiveDate>| d.is_some_and(|d| d <= day);
    Some(if on(conversion) {
        MemberStatus::Full
    } else if on(admission) {
        MemberStatus::Probationary
    } else if on(candidate) {
        MemberStatus::Candidate
    } else if on(activist) {
        MemberStatus::Activist
    } else if on(application) {
        MemberStatus::Applicant
    } else {
        return None;
    })
}

impl Store {
    /// The rule configuration (numbers by effective date, rules switched off).
    pub async fn rules_config(&self) -> Result<RuleConfig> {
        let v: Option<String> = on_db!(&self.db, |p| {
            sqlx::query_scalar("SELECT value FROM settings WHERE key = 'rules'")
                .fetch_optional(p)
                .await?
        });
        Ok(v.and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default())
    }

    pub async fn set_rules_config(&self, actor: &Actor, cfg: &RuleConfig) -> Result<()> {
        if let Some(p) = cfg.problems().into_iter().next() {
            return Err(StoreError::invalid("rules", p));
        }
        let value = serde_json::to_string(cfg).expect("plain struct");
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO settings (key, value, updated_at) VALUES ('rules', $1, $2) \
                         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = \
                         excluded.updated_at",
            )
            .bind(&value)
            .bind(now)
            .execute(&mut *c)
            .await?;
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok("config.rules", format!("检查规则配置改为 {value}")),
        )
        .await?;
        tx.commit().await
    }

    /// Runs the check over a subtree (`None`: the whole tree) as of `as_of`, keeping the
    /// findings whose rule starts with `prefix`. Findings come in organisation order.
    pub async fn check_run(
        &self,
        root: Option<&OrgPath>,
        as_of: NaiveDate,
        prefix: Option<&str>,
    ) -> Result<Vec<Finding>> {
        let mut out = Vec::new();
        self.check_each(root, as_of, prefix, |found| {
            out.extend(found);
            Ok(())
        })
        .await?;
        // Slices are spans of ids: the whole is put in organisation order again.
        sort_findings(&mut out);
        Ok(out)
    }

    /// [`Store::check_run`] a slice at a time: `each` receives the findings of one slice after
    /// another, each in organisation order, so that a caller writing them out holds one slice.
    pub async fn check_each(
        &self,
        root: Option<&OrgPath>,
        as_of: NaiveDate,
        prefix: Option<&str>,
        mut each: impl FnMut(Vec<Finding>) -> Result<()>,
    ) -> Result<()> {
        use futures_util::StreamExt;
        let mut judged = self
            .judge_slices(PathRange::of(root), as_of, prefix.map(str::to_string), true)
            .await?;
        while let Some(item) = judged.next().await {
            each(item?.1)?;
        }
        Ok(())
    }

    /// Judges the slices of `within` as of `as_of` on the runtime's threads and yields their
    /// findings in slice order (`sorted`: each slice's in organisation order). The next two
    /// slices are judged while the caller stores or writes the one before: the database reads
    /// one slice's facts while the rules run on another core, and at most three slices are
    /// held at once.
    async fn judge_slices(
        &self,
        within: PathRange,
        as_of: NaiveDate,
        prefix: Option<String>,
        sorted: bool,
    ) -> Result<futures_util::stream::BoxStream<'static, Result<(Slice, Vec<Finding>)>>> {
        use futures_util::StreamExt;
        let cfg = std::sync::Arc::new(self.rules_config().await?);
        let infos = std::sync::Arc::new(self.org_infos(&within).await?);
        let slices = self.check_slices(&within).await?;
        let prefix = prefix.map(std::sync::Arc::<str>::from);
        let store = self.clone();
        Ok(futures_util::stream::iter(slices)
            .map(move |slice| {
                let (store, cfg, infos, prefix) =
                    (store.clone(), cfg.clone(), infos.clone(), prefix.clone());
                tokio::spawn(async move {
                    let ask = Ask::prefix(&cfg, prefix.as_deref());
                    let mut found = store.check_slice(&ask, &infos, &slice, as_of).await?;
                    if sorted {
                        sort_findings(&mut found);
                    }
                    Ok((slice, found))
                })
            })
            .buffered(2)
            // A slice that panicked ends the run with an error, never a silent gap.
            .map(|joined| joined.map_err(|e| StoreError::Config(format!("合规检查中断：{e}")))?)
            .boxed())
    }

    /// The organisations on the roster in `within`, as findings name them.
    async fn org_infos(&self, within: &PathRange) -> Result<HashMap<i64, OrgInfo>> {
        let rows: Vec<(i64, String, String, String)> = on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT id, code, name, path FROM orgs WHERE archived_at IS NULL AND path >= $1 \
                 AND path < $2",
            )
            .bind(&within.lo)
            .bind(&within.hi)
            .fetch_all(p)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, code, name, path)| {
                (
                    id,
                    OrgInfo {
                        id,
                        code,
                        name,
                        path,
                    },
                )
            })
            .collect())
    }

    /// Cuts the check of `within` into slices: its organisations by spans of ids, then its
    /// people by spans of ids of `check_slice_people` (a subtree with fewer people is one
    /// slice). Each slice reads its facts through the fact tables' indexes on the owner's id
    /// over the span, so the whole check reads every table once however many slices it takes.
    async fn check_slices(&self, within: &PathRange) -> Result<Vec<Slice>> {
        let span = self.check_slice_people.max(1);
        type Bounds = (Option<i64>, Option<i64>);
        let (orgs, people): (Bounds, Bounds) = on_db!(&self.db, |p| {
            tokio::try_join!(
                sqlx::query_as("SELECT MIN(id), MAX(id) FROM orgs").fetch_one(p),
                sqlx::query_as("SELECT MIN(id), MAX(id) FROM members").fetch_one(p),
            )?
        });
        // The people of the subtree, from the maintained counts of its top organisations.
        let top = if within.is_all() {
            "SELECT CAST(COALESCE(SUM(k.n), 0) AS BIGINT) FROM org_counts k JOIN orgs o ON \
             o.id = k.org_id WHERE o.parent_id IS NULL"
                .to_string()
        } else {
            let id = OrgPath::from_stored(within.lo.clone())
                .ids()
                .last()
                .copied()
                .unwrap_or(0);
            format!(
                "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM org_counts WHERE org_id = {id}"
            )
        };
        let in_subtree: i64 = on_db!(&self.db, |p| {
            sqlx::query_scalar::<_, i64>(&top).fetch_one(p).await?
        });
        let spans = |(lo, hi): (Option<i64>, Option<i64>), span: i64, whole: bool| {
            let (Some(lo), Some(hi)) = (lo, hi) else {
                return vec![None];
            };
            if whole {
                return vec![None];
            }
            let mut out = Vec::new();
            let mut at = lo;
            while at <= hi {
                let end = at.saturating_add(span);
                out.push(Some((at, end)));
                at = end;
            }
            out
        };
        // An organisation weighs more than a person: its posts, meetings and every period of
        // every report it owes over the look-back.
        let org_span = (span / 25).max(1);
        let org_count: i64 = on_db!(&self.db, |p| {
            sqlx::query_scalar("SELECT COUNT(*) FROM orgs WHERE path >= $1 AND path < $2")
                .bind(&within.lo)
                .bind(&within.hi)
                .fetch_one(p)
                .await?
        });
        let mut slices = Vec::new();
        for ids in spans(orgs, org_span, org_count < org_span) {
            slices.push(Slice {
                people: false,
                range: match ids {
                    Some((lo, hi)) => within.with_ids(lo, hi),
                    None => within.clone(),
                },
            });
        }
        for ids in spans(people, span, in_subtree <= span) {
            slices.push(Slice {
                people: true,
                range: match ids {
                    Some((lo, hi)) => within.with_ids(lo, hi),
                    None => within.clone(),
                },
            });
        }
        Ok(slices)
    }

    /// The findings of one slice: its organisations', or its people's.
    async fn check_slice(
        &self,
        ask: &Ask<'_>,
        infos: &HashMap<i64, OrgInfo>,
        slice: &Slice,
        as_of: NaiveDate,
    ) -> Result<Vec<Finding>> {
        let mut out = if slice.people {
            let want_people = [
                Family::Development,
                Family::Member,
                Family::Letters,
                Family::Dues,
            ]
            .into_iter()
            .any(|f| ask.wants_family(f));
            if !want_people {
                return Ok(Vec::new());
            }
            self.check_people(
                ask,
                infos,
                &FileCond::Range(
                    slice.range.clone(),
                    (as_of < self.clock.today()).then_some(as_of),
                ),
                as_of,
            )
            .await?
        } else {
            let want_orgs = ask.wants_family(Family::Organisation)
                || ask.wants_family(Family::Meetings)
                || ask.wants_family(Family::Reports);
            if !want_orgs {
                return Ok(Vec::new());
            }
            let orgs = self.orgs_in_range(&slice.range).await?;
            self.check_org_findings(ask, &orgs, &slice.range, as_of)
                .await?
        };
        out.retain(|f| ask.wants(f.rule));
        Ok(out)
    }

    /// Organisation and meeting rules for `orgs`, with the member counts and the team of the
    /// day judged and the meetings held.
    async fn check_org_findings(
        &self,
        ask: &Ask<'_>,
        orgs: &[Org],
        range: &PathRange,
        as_of: NaiveDate,
    ) -> Result<Vec<Finding>> {
        let life = self.life_config().await?;
        let posts = self.posts_for_check(range).await?;
        let (held, joints) = if ask.wants_family(Family::Meetings) {
            (
                self.meetings_for_check(&life, range).await?,
                self.joints_for_check(range).await?,
            )
        } else {
            (HashMap::new(), HashMap::new())
        };
        let reports = if ask.wants_family(Family::Reports) {
            self.reports_for_check(orgs, range.ids, as_of).await?
        } else {
            HashMap::new()
        };
        let rules = registry();
        let mut counts: HashMap<i64, (i64, i64)> = HashMap::new();
        let rows: Vec<(i64, String, i64)> = if as_of < self.clock.today() {
            // A past day: who was where, and as what, from the dated placements (as the
            // statistics count it), not today's roster.
            let year_before = xianfeng_domain::dates::add_months(as_of, -12);
            let mut cond = String::new();
            if !range.is_all() {
                cond.push_str(" AND o.path >= $3 AND o.path < $4");
            }
            if let Some((lo, hi)) = range.ids {
                // Numbers, never user text.
                cond.push_str(&format!(" AND p.org_id >= {lo} AND p.org_id < {hi}"));
            }
            let sql = format!(
                "SELECT org_id, st, COUNT(*) FROM (SELECT p.org_id AS org_id, ({}) AS st \
                 FROM member_placements p JOIN members m ON m.id = p.member_id JOIN orgs o ON \
                 o.id = p.org_id \
                 WHERE (p.from_date IS NULL OR p.from_date <= $1) AND (p.to_date IS NULL OR \
                 p.to_date > $1){cond}) x \
                 WHERE st IN ('probationary', 'full') GROUP BY org_id, st",
                crate::stats::STATUS_ON_DAY
            );
            on_db!(&self.db, |p| {
                let mut q = sqlx::query_as(&sql).bind(as_of).bind(year_before);
                if !range.is_all() {
                    q = q.bind(range.lo.clone()).bind(range.hi.clone());
                }
                q.fetch_all(p).await?
            })
        } else {
            // Today: each organisation's own people are its maintained subtree count less
            // its children's (those of the range, and those below its last organisations that
            // lie beyond it). Two halves, each read through an index over the range: the
            // organisations of the range, and the children of its organisations (a row may be
            // in both).
            let subtree: Vec<(i64, Option<i64>, String, i64)> = on_db!(&self.db, |p| {
                let mut q = QueryBuilder::new("");
                let halves: &[(&str, &str)] = if range.is_all() && range.ids.is_none() {
                    &[("o", "o.id")]
                } else {
                    &[("o", "o.id"), ("u", "o.parent_id")]
                };
                for (i, (owner, id)) in halves.iter().enumerate() {
                    if i > 0 {
                        q.push(" UNION ALL ");
                    }
                    q.push(
                        "SELECT o.id, o.parent_id, k.status, k.n FROM org_counts k JOIN orgs o \
                         ON o.id = k.org_id",
                    );
                    if *owner == "u" {
                        q.push(" JOIN orgs u ON u.id = o.parent_id");
                    }
                    q.push(" WHERE k.status IN ('probationary', 'full') AND k.n <> 0");
                    range.push_paths(&mut q, &format!("{owner}.path"));
                    range.push_ids(&mut q, id);
                }
                q.build_query_as().fetch_all(p).await?
            });
            let mut seen = std::collections::HashSet::new();
            let subtree: Vec<_> = subtree
                .into_iter()
                .filter(|(id, _, status, _)| seen.insert((*id, status.clone())))
                .collect();
            let mut own: HashMap<(i64, String), i64> = HashMap::new();
            for (id, parent, status, n) in &subtree {
                *own.entry((*id, status.clone())).or_default() += n;
                if let Some(parent) = parent {
                    *own.entry((*parent, status.clone())).or_default() -= n;
                }
            }
            own.into_iter()
                .filter(|(_, n)| *n != 0)
                .map(|((id, status), n)| (id, status, n))
                .collect()
        };
        for (org, status, n) in rows {
            let e = counts.entry(org).or_default();
            e.0 += n;
            if status == "full" {
                e.1 += n;
            }
        }
        // A past day is judged by the term in force then.
        let terms = if as_of < self.clock.today() {
            Some(self.terms_on(as_of).await?)
        } else {
            None
        };
        let mut out = Vec::new();
        for o in orgs {
            let Some(kind) = o.kind() else { continue };
            let (members, full) = counts.get(&o.id).copied().unwrap_or_default();
            let (term_start, term_end) = match &terms {
                Some(t) => t
                    .get(&o.id)
                    .map_or((None, None), |t| (Some(t.term_start), t.term_end)),
                None => (o.term_start, o.term_end),
            };
            let org_posts = posts.get(&o.id).map(|v| v.as_slice()).unwrap_or(&[]);
            let team = crate::posts::team_on(&life, org_posts, as_of);
            let facts = OrgFacts {
                kind,
                sector: Sector::parse(&o.sector).unwrap_or(Sector::Other),
                secretary: team.secretary.as_deref(),
                deputies: team.deputies,
                committee_members: team.committee,
                term_start,
                term_end,
                members,
                full_members: full,
            };
            let info = OrgInfo {
                id: o.id,
                code: o.code.clone(),
                name: o.name.clone(),
                path: o.path.clone(),
            };
            let committee: Vec<(Option<NaiveDate>, Option<NaiveDate>)> = org_posts
                .iter()
                .filter(|(code, ..)| life.post_role(code) == PostRole::Committee)
                .map(|(_, s, e, _)| (*s, *e))
                .collect();
            let joint_facts: Vec<JointFacts> = joints
                .get(&o.id)
                .map(|v| v.as_slice())
                .unwrap_or(&[])
                .iter()
                .map(|j| JointFacts {
                    id: j.id,
                    name: &j.name,
                    min_per_month: j.min_per_month,
                    started_on: j.started_on,
                    ended_on: j.ended_on,
                    held: &j.held,
                })
                .collect();
            let meetings = MeetingFacts {
                kind,
                founded_on: o.founded_on,
                committee: &committee,
                held: held.get(&o.id).map(|v| v.as_slice()).unwrap_or(&[]),
                joints: &joint_facts,
            };
            let deliveries: Vec<Delivery> = reports
                .get(&o.id)
                .map(|v| v.as_slice())
                .unwrap_or(&[])
                .iter()
                .map(|d| Delivery {
                    template_id: d.template_id,
                    template: &d.template,
                    period: d.period.clone(),
                    receiver_id: d.receiver_id,
                    receiver: &d.receiver,
                    receipt: d.receipt,
                    grace_days: d.grace_days,
                })
                .collect();
            let mut hits = rules.check(ask, as_of, Facts::Org(&facts));
            hits.extend(rules.check(ask, as_of, Facts::Meetings(&meetings)));
            hits.extend(rules.check(
                ask,
                as_of,
                Facts::Reports(&ReportFacts {
                    deliveries: &deliveries,
                }),
            ));
            for h in hits {
                out.push(Finding::from_hit(
                    h,
                    &info,
                    Subject {
                        kind: "org",
                        id: o.id,
                        name: o.name.clone(),
                    },
                ));
            }
        }
        Ok(out)
    }

    /// The development files of the people matching `cond` (the development family's facts).
    async fn check_facts_development(&self, cond: &FileCond) -> Result<HashMap<i64, DevFile>> {
        Ok(self.dev_files_load(cond).await?.files)
    }

    /// The contact events of the people matching `cond` (MEM-003's facts; the dues rules read
    /// them too: a suspended member owes no dues).
    async fn check_facts_contact(
        &self,
        cond: &FileCond,
    ) -> Result<HashMap<i64, Vec<ContactEvent>>> {
        match cond {
            FileCond::Range(range, on) => self.contact_for_check(Some(range), None, *on).await,
            FileCond::Members(ids) => self.contact_for_check(None, Some(ids), None).await,
        }
    }

    /// The transfer letters of the people matching `cond`, by person (MEM-004's facts).
    async fn check_facts_letters(&self, cond: &FileCond) -> Result<HashMap<i64, Vec<Letter>>> {
        let letters = match cond {
            FileCond::Range(range, on) => self.letters_for_check(range, *on).await?,
            FileCond::Members(ids) => self.letters_for_members(ids).await?,
        };
        let mut letters_of: HashMap<i64, Vec<Letter>> = HashMap::new();
        for l in letters {
            letters_of.entry(l.member_id).or_default().push(l);
        }
        Ok(letters_of)
    }

    /// The dues books, bases, months and reductions of the people matching `cond` (the dues
    /// family's facts).
    async fn check_facts_dues(&self, cond: &FileCond) -> Result<DuesData> {
        Ok(match cond {
            FileCond::Range(range, on) => self.dues_data_subtree(range, *on).await?,
            FileCond::Members(ids) => {
                let mut d = self.dues_data_for(ids).await?;
                d.books = on_db!(&self.db, |p| {
                    sqlx::query_as::<_, (i64, NaiveDate)>(
                        "SELECT org_id, start_month FROM dues_books",
                    )
                    .fetch_all(p)
                    .await?
                })
                .into_iter()
                .collect();
                d
            }
        })
    }

    /// Person rules that `ask` wants for the active roster matching `cond`, reading it as a
    /// stream. Each family's facts are loaded only when one of its rules is wanted.
    async fn check_people(
        &self,
        ask: &Ask<'_>,
        infos: &HashMap<i64, OrgInfo>,
        cond: &FileCond,
        as_of: NaiveDate,
    ) -> Result<Vec<Finding>> {
        let today = self.clock.today();
        let past = as_of < today;
        let mut extra: HashMap<i64, OrgInfo> = HashMap::new();
        let want_dues = ask.wants_family(Family::Dues);
        let files = if ask.wants_family(Family::Development) {
            self.check_facts_development(cond).await?
        } else {
            HashMap::new()
        };
        let dues = if want_dues {
            self.check_facts_dues(cond).await?
        } else {
            DuesData::default()
        };
        let letters_of = if ask.wants_family(Family::Letters) {
            self.check_facts_letters(cond).await?
        } else {
            HashMap::new()
        };
        let contact = if ask.wants_family(Family::Member) || want_dues {
            self.check_facts_contact(cond).await?
        } else {
            HashMap::new()
        };
        let want_id = ask.wants("MEM-001");
        let rules = registry();
        let mut out = Vec::new();
        // A refresh of a few people: their organisations are read here.
        if let FileCond::Members(ids) = cond {
            let org_ids: Vec<i64> = on_db!(&self.db, |p| {
                let mut q = QueryBuilder::new("SELECT DISTINCT org_id FROM members WHERE id IN (");
                let mut sep = q.separated(", ");
                for id in ids {
                    sep.push_bind(*id);
                }
                q.push(")");
                q.build_query_scalar().fetch_all(p).await?
            });
            for id in org_ids {
                if infos.contains_key(&id) {
                    continue;
                }
                if let Ok(o) = self.org_get(&Scope::Structure, id).await {
                    extra.insert(
                        id,
                        OrgInfo {
                            id,
                            code: o.code,
                            name: o.name,
                            path: o.path,
                        },
                    );
                }
            }
        }
        struct Row {
            id: i64,
            org_id: i64,
            name: String,
            gender: String,
            birth: NaiveDate,
            cipher: Vec<u8>,
            status: String,
            dates: [Option<NaiveDate>; 5],
        }
        let judge = |r: Row, out: &mut Vec<Finding>| {
            let Some(info) = infos.get(&r.org_id).or_else(|| extra.get(&r.org_id)) else {
                return;
            };
            let id_number = if want_id {
                self.keys.decrypt_id(&r.cipher).ok()
            } else {
                None
            };
            let [application, activist, candidate, admission, conversion] = if past {
                r.dates.map(|d| d.filter(|d| *d <= as_of))
            } else {
                r.dates
            };
            let status = if past {
                match status_on(
                    as_of,
                    application,
                    activist,
                    candidate,
                    admission,
                    conversion,
                ) {
                    Some(s) => s,
                    None => return,
                }
            } else {
                MemberStatus::parse(&r.status).unwrap_or(MemberStatus::Applicant)
            };
            let file_then;
            let file = match files.get(&r.id) {
                Some(f) if past => {
                    file_then = file_on(f, as_of);
                    Some(&file_then)
                }
                other => other,
            };
            let facts = PersonFacts {
                birth_date: r.birth,
                gender: &r.gender,
                id_number: id_number.as_deref(),
                status,
                application,
                activist,
                candidate,
                admission,
                conversion,
                file,
            };
            let subject = Subject {
                kind: "person",
                id: r.id,
                name: r.name.clone(),
            };
            for h in rules.check(ask, as_of, Facts::Person(&facts)) {
                out.push(Finding::from_hit(h, info, subject.clone()));
            }
            if let Some(events) = contact.get(&r.id) {
                let facts = ContactFacts { status, events };
                for h in rules.check(ask, as_of, Facts::Contact(&facts)) {
                    out.push(Finding::from_hit(h, info, subject.clone()));
                }
            }
            for l in letters_of.get(&r.id).map(|v| v.as_slice()).unwrap_or(&[]) {
                for h in rules.check(ask, as_of, Facts::Letter(&l.facts())) {
                    out.push(Finding::from_hit(h, info, subject.clone()));
                }
            }
            // Dues, where the branch keeps them here, from the later of its first month and
            // the month of admission.
            // A member whose standing is suspended (停止党籍) owes no dues while it lasts.
            let suspended = contact
                .get(&r.id)
                .and_then(|e| xianfeng_domain::contact::lost_on(e, as_of))
                .is_some_and(|l| l.suspended_on.is_some());
            if let (Some(start), true) =
                (dues.books.get(&r.org_id), status.is_member() && !suspended)
            {
                let from = admission
                    .map(xianfeng_domain::dues::month_of)
                    .map_or(*start, |a| a.max(*start));
                let facts = DuesFacts {
                    from,
                    bases: dues.bases.get(&r.id).map(|v| v.as_slice()).unwrap_or(&[]),
                    months: dues.months.get(&r.id).map(|v| v.as_slice()).unwrap_or(&[]),
                    reductions: dues
                        .reductions
                        .get(&r.id)
                        .map(|v| v.as_slice())
                        .unwrap_or(&[]),
                };
                for h in rules.check(ask, as_of, Facts::Dues(&facts)) {
                    out.push(Finding::from_hit(h, info, subject.clone()));
                }
            }
        };
        on_db!(&self.db, |p| {
            use futures_util::TryStreamExt;
            let mut q = QueryBuilder::new(
                "SELECT m.id, m.org_id, m.name, m.gender, m.birth_date, m.id_cipher, m.status, \
                 m.application_date, m.activist_date, m.candidate_date, m.admission_date, \
                 m.conversion_date \
                 FROM members m",
            );
            match cond {
                FileCond::Members(ids) => {
                    q.push(" WHERE m.archived_at IS NULL AND m.id IN (");
                    let mut sep = q.separated(", ");
                    for id in ids {
                        sep.push_bind(*id);
                    }
                    q.push(")");
                }
                FileCond::Range(range, on) => {
                    q.push(" WHERE ").push(crate::development::on_roster(*on));
                    range.push_paths(&mut q, "m.org_path");
                    range.push_ids(&mut q, "m.id");
                }
            }
            let mut s = q.build().fetch(p);
            while let Some(row) = s.try_next().await? {
                let r = Row {
                    id: row.try_get(0)?,
                    org_id: row.try_get(1)?,
                    name: row.try_get(2)?,
                    gender: row.try_get(3)?,
                    birth: row.try_get(4)?,
                    cipher: row.try_get(5)?,
                    status: row.try_get(6)?,
                    dates: [
                        row.try_get(7)?,
                        row.try_get(8)?,
                        row.try_get(9)?,
                        row.try_get(10)?,
                        row.try_get(11)?,
                    ],
                };
                judge(r, &mut out);
            }
        });
        Ok(out)
    }

    /// Re-checks these people (after a write) and their organisations. A failure is logged,
    /// never returned: the write it follows has been committed.
    pub async fn findings_refresh_members(&self, ids: &[i64]) {
        if let Err(e) = self.findings_refresh_members_inner(ids).await {
            tracing::warn!(error = %e, "re-check after a write failed; the daily check will catch \
                up");
        }
    }

    async fn findings_refresh_members_inner(&self, ids: &[i64]) -> Result<()> {
        let today = self.clock.today();
        let cfg = self.rules_config().await?;
        for chunk in ids.chunks(500) {
            let findings = self
                .check_people(
                    &Ask::all(&cfg),
                    &HashMap::new(),
                    &FileCond::Members(chunk.to_vec()),
                    today,
                )
                .await?;
            self.findings_sync(findings, SyncScope::Subjects("person", chunk))
                .await?;
        }
        // Their organisations: member counts change with the roster.
        let org_ids: Vec<i64> = {
            let mut v: Vec<i64> = Vec::new();
            for chunk in ids.chunks(500) {
                let rows: Vec<i64> = on_db!(&self.db, |p| {
                    let mut q =
                        QueryBuilder::new("SELECT DISTINCT org_id FROM members WHERE id IN (");
                    let mut sep = q.separated(", ");
                    for id in chunk {
                        sep.push_bind(*id);
                    }
                    q.push(")");
                    q.build_query_scalar().fetch_all(p).await?
                });
                v.extend(rows);
            }
            v.sort_unstable();
            v.dedup();
            v
        };
        self.findings_refresh_orgs_inner(&org_ids).await
    }

    /// Re-checks these organisations (after an edit of the organisation or its roster).
    pub async fn findings_refresh_orgs(&self, ids: &[i64]) {
        if let Err(e) = self.findings_refresh_orgs_inner(ids).await {
            tracing::warn!(error = %e, "re-check of organisations failed; the daily check will \
                catch up");
        }
    }

    async fn findings_refresh_orgs_inner(&self, ids: &[i64]) -> Result<()> {
        let today = self.clock.today();
        let cfg = self.rules_config().await?;
        for &id in ids {
            let org = match self.org_get(&Scope::Structure, id).await {
                Ok(o) => o,
                Err(StoreError::NotFound(_)) => continue,
                Err(e) => return Err(e),
            };
            let path = org.org_path();
            let findings = if org.is_archived() {
                Vec::new()
            } else {
                self.check_org_findings(&Ask::all(&cfg), &[org], &PathRange::subtree(&path), today)
                    .await?
            };
            self.findings_sync(findings, SyncScope::Subjects("org", &[id]))
                .await?;
        }
        Ok(())
    }

    /// The full daily check: every finding of today, stored; what is no longer seen closed.
    /// The tree is judged slice by slice ([`Store::check_slices`]: organisations, then people,
    /// by spans of ids), each slice stored in its own transaction against the open findings of
    /// the same subjects, so memory stays that of one slice whatever the size of the tree.
    pub async fn findings_full_run(&self) -> Result<SyncReport> {
        self.findings_run(PathRange::all()).await
    }

    /// Judges everything in `within` and stores it, slice by slice.
    async fn findings_run(&self, within: PathRange) -> Result<SyncReport> {
        let today = self.clock.today();
        use futures_util::StreamExt;
        let mut judged = self.judge_slices(within, today, None, false).await?;
        let mut report = SyncReport::default();
        while let Some(item) = judged.next().await {
            let (slice, found) = item?;
            let kind = if slice.people { "person" } else { "org" };
            report.add(
                self.findings_sync(found, SyncScope::Slice(kind, &slice.range))
                    .await?,
            );
        }
        Ok(report)
    }

    /// Re-checks every organisation (after an import of the whole tree).
    pub async fn findings_refresh_all_orgs(&self) {
        let today = self.clock.today();
        let run = async {
            let cfg = self.rules_config().await?;
            let orgs = self.org_all(&Scope::Structure).await?;
            let findings = self
                .check_org_findings(&Ask::all(&cfg), &orgs, &PathRange::all(), today)
                .await?;
            self.findings_sync(findings, SyncScope::Kind("org")).await
        };
        if let Err(e) = run.await {
            tracing::warn!(error = %e, "re-check of organisations failed; the daily check will \
                catch up");
        }
    }

    /// Re-checks a whole subtree (after an import). Failures are logged, as for single writes.
    pub async fn findings_refresh_subtree(&self, path: &OrgPath) {
        if let Err(e) = self.findings_run(PathRange::subtree(path)).await {
            tracing::warn!(error = %e, "re-check of a subtree failed; the daily check will catch \
                up");
        }
    }

    /// Stores `findings` as the current truth for `subjects` (`None`: for everything): new
    /// ones are opened (with notifications for deadline rules), changed ones updated, and open
    /// ones no longer seen are closed.
    async fn findings_sync(
        &self,
        findings: Vec<Finding>,
        subjects: SyncScope<'_>,
    ) -> Result<SyncReport> {
        let now = self.clock.now();
        let mut report = SyncReport {
            seen: findings.len(),
            ..Default::default()
        };
        // Open findings of the same subjects.
        let open: Vec<OpenRow> = on_db!(&self.db, |p| {
            let mut q = QueryBuilder::new(
                "SELECT id, fkey, message, dates, org_path FROM findings WHERE resolved_at IS NULL",
            );
            match subjects {
                SyncScope::Subjects(kind, ids) => {
                    q.push(" AND subject_type = ")
                        .push_bind(kind.to_string())
                        .push(" AND subject_id IN (");
                    let mut sep = q.separated(", ");
                    for id in ids {
                        sep.push_bind(*id);
                    }
                    q.push(")");
                }
                SyncScope::Kind(kind) => {
                    q.push(" AND subject_type = ").push_bind(kind.to_string());
                }
                SyncScope::Slice(kind, range) => {
                    q.push(" AND subject_type = ").push_bind(kind.to_string());
                    range.push_ids(&mut q, "subject_id");
                    range.push_paths(&mut q, "org_path");
                }
            }
            q.build_query_as().fetch_all(p).await?
        });
        let mut open: HashMap<String, OpenRow> =
            open.into_iter().map(|r| (r.fkey.clone(), r)).collect();
        let mut inserts: Vec<(&Finding, String, String)> = Vec::new();
        let mut updates: Vec<(i64, &Finding, String)> = Vec::new();
        for f in &findings {
            let key = f.fkey();
            let dates = serde_json::to_string(&f.dates).unwrap_or_default();
            match open.remove(&key) {
                Some(r) => {
                    if r.message != f.message || r.dates != dates || r.org_path != f.org_path {
                        updates.push((r.id, f, dates));
                    }
                }
                None => inserts.push((f, key, dates)),
            }
        }
        let closing: Vec<i64> = open.into_values().map(|r| r.id).collect();
        let mut tx = self.begin().await?;
        for chunk in closing.chunks(1000) {
            on_tx!(&mut tx, |c| {
                let mut q = QueryBuilder::new("UPDATE findings SET resolved_at = ");
                q.push_bind(now).push(" WHERE id IN (");
                let mut sep = q.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                q.push(")");
                q.build().execute(&mut *c).await?;
            });
        }
        report.closed = closing.len();
        for (id, f, dates) in &updates {
            on_tx!(&mut tx, |c| {
                sqlx::query(
                    "UPDATE findings SET message = $1, dates = $2, due_date = $3, org_id = $4, \
                    org_path = $5, subject_name = $6, last_seen_at = $7 WHERE id = $8",
                )
                .bind(&f.message)
                .bind(dates)
                .bind(f.due)
                .bind(f.org_id)
                .bind(&f.org_path)
                .bind(&f.subject.name)
                .bind(now)
                .bind(*id)
                .execute(&mut *c)
                .await?;
            });
        }
        // A finding closed before and seen again is reopened under the same key.
        let mut new_deadlines: Vec<(String, i64, String)> = Vec::new();
        for chunk in inserts.chunks(500) {
            on_tx!(&mut tx, |c| {
                let keys: Vec<String> = chunk.iter().map(|(_, k, _)| k.clone()).collect();
                let mut q = QueryBuilder::new(
                    "UPDATE findings SET fkey = fkey || '#' || id WHERE resolved_at IS NOT NULL \
                    AND fkey IN (",
                );
                let mut sep = q.separated(", ");
                for k in &keys {
                    sep.push_bind(k.clone());
                }
                q.push(")");
                q.build().execute(&mut *c).await?;
                let mut q = QueryBuilder::new(
                    "INSERT INTO findings (fkey, rule, severity, org_id, org_path, subject_type, \
                        subject_id, \
                     subject_name, message, dates, due_date, first_seen_at, last_seen_at) ",
                );
                q.push_values(chunk, |mut b, (f, k, d)| {
                    b.push_bind(k.clone())
                        .push_bind(f.rule)
                        .push_bind(f.severity.code())
                        .push_bind(f.org_id)
                        .push_bind(f.org_path.clone())
                        .push_bind(f.subject.kind)
                        .push_bind(f.subject.id)
                        .push_bind(f.subject.name.clone())
                        .push_bind(f.message.clone())
                        .push_bind(d.clone())
                        .push_bind(f.due)
                        .push_bind(now)
                        .push_bind(now);
                });
                q.build().execute(&mut *c).await?;
            });
            for (f, k, _) in chunk {
                if DEADLINE_RULES.contains(&f.rule) {
                    new_deadlines.push((k.clone(), f.org_id, f.org_path.clone()));
                }
            }
        }
        report.opened = inserts.len();
        report.notified = self.notify(&mut tx, &new_deadlines).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Notifies the accounts of a new deadline finding's organisation and of the one above it,
    /// through the notification centre.
    async fn notify(&self, tx: &mut crate::Tx, new: &[(String, i64, String)]) -> Result<usize> {
        let mut n = 0;
        if new.is_empty() {
            return Ok(0);
        }
        // The organisations that have accounts at all (few): most findings notify nobody, and
        // a first check at province scale opens hundreds of thousands.
        let with_accounts: std::collections::HashSet<i64> = on_tx!(tx, |c| {
            sqlx::query_scalar::<_, i64>(
                "SELECT DISTINCT org_id FROM accounts WHERE disabled = FALSE AND role IN \
                 ('org_admin', 'org_viewer') AND org_id IS NOT NULL",
            )
            .fetch_all(&mut *c)
            .await?
            .into_iter()
            .collect()
        });
        for (key, org_id, path) in new {
            let ids = OrgPath::from_stored(path.clone()).ids();
            let parent = ids.len().checked_sub(2).and_then(|i| ids.get(i)).copied();
            let orgs: Vec<i64> = std::iter::once(*org_id)
                .chain(parent)
                .filter(|o| with_accounts.contains(o))
                .collect();
            let targets = Self::accounts_of_orgs(tx, &orgs).await?;
            if targets.is_empty() {
                continue;
            }
            let (fid, rule, message, subject): (i64, String, String, String) = on_tx!(tx, |c| {
                sqlx::query_as(
                    "SELECT id, rule, message, subject_name FROM findings WHERE fkey = $1",
                )
                .bind(key)
                .fetch_one(&mut *c)
                .await?
            });
            self.notice_emit(
                tx,
                &crate::notices::NewNotice {
                    kind: "finding",
                    org_id: Some(*org_id),
                    title: format!("{}：{}", subject, xianfeng_domain::rules::rule_title(&rule)),
                    body: message,
                    link: Some(format!("/compliance?org={org_id}")),
                    key: format!("finding:{fid}"),
                },
                &targets,
            )
            .await?;
            n += targets.len();
        }
        Ok(n)
    }

    /// Runs the daily check once for `day` across all server copies sharing the database: the
    /// copy that records the run first does it; a run left unfinished for two hours (a copy
    /// that stopped) is taken over. Returns whether this copy ran it.
    pub async fn daily_check_once(&self, day: NaiveDate) -> Result<Option<SyncReport>> {
        let key = day.to_string();
        let now = self.clock.now();
        let stale = now - chrono::TimeDelta::hours(2);
        let mut tx = self.begin().await?;
        let claimed = on_tx!(&mut tx, |c| {
            let inserted = sqlx::query(
                "INSERT INTO job_runs (job, run_key, started_at) VALUES ('daily_check', $1, $2) \
                ON CONFLICT (job, run_key) DO NOTHING",
            )
            .bind(&key)
            .bind(now)
            .execute(&mut *c)
            .await?
            .rows_affected();
            if inserted == 1 {
                true
            } else {
                sqlx::query(
                    "UPDATE job_runs SET started_at = $1 WHERE job = 'daily_check' AND run_key = \
                    $2 AND finished_at IS NULL AND started_at < $3",
                )
                .bind(now)
                .bind(&key)
                .bind(stale)
                .execute(&mut *c)
                .await?
                .rows_affected()
                    == 1
            }
        });
        tx.commit().await?;
        if !claimed {
            return Ok(None);
        }
        // The statistics' age and standing bands move to the new day (a no-op when a copy or a
        // reader already moved them).
        self.stat_advance(day).await?;
        let report = self.findings_full_run().await?;
        let reminders = self.reminders_sweep(day).await?;
        let done = self.clock.now();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            // Only the run this copy claimed: a copy whose run another took over marks nothing.
            sqlx::query(
                "UPDATE job_runs SET finished_at = $1 WHERE job = 'daily_check' AND run_key = $2 \
                 AND started_at = $3",
            )
            .bind(done)
            .bind(&key)
            .bind(now)
            .execute(&mut *c)
            .await?;
        });
        self.audit(
            &mut tx,
            &Actor::cli("daily-check"),
            AuditEvent::ok(
                "compliance.daily",
                format!(
                    "每日合规检查（{key}）：发现 {} 条，新增 {} 条，已纠正 {} 条，发出提醒 {} 条；会议、事项、报表提醒 {reminders} 条",
                    report.seen, report.opened, report.closed, report.notified
                ),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(report))
    }

    /// How many daily checks have been recorded (0 on a new database).
    pub async fn daily_check_runs(&self) -> Result<i64> {
        Ok(on_db!(&self.db, |p| {
            sqlx::query_scalar("SELECT COUNT(*) FROM job_runs WHERE job = 'daily_check'")
                .fetch_one(p)
                .await?
        }))
    }

    /// Open findings of a subtree counted by rule and severity.
    pub async fn findings_summary(&self, scope: &Scope, org: &Org) -> Result<Vec<RuleCount>> {
        if !scope.sees_org(&org.org_path()) {
            return Err(StoreError::Forbidden);
        }
        // The maintained counts of the subtree (`finding_counts`).
        let rows: Vec<(String, String, i64)> = on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT rule, severity, n FROM finding_counts WHERE org_id = $1 AND n <> 0 \
                 ORDER BY rule, severity",
            )
            .bind(org.id)
            .fetch_all(p)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(rule, severity, count)| RuleCount {
                rule,
                severity,
                count,
            })
            .collect())
    }

    /// Direct sub-organisations ranked by the open errors, then warnings, of their subtrees.
    pub async fn findings_ranking(
        &self,
        scope: &Scope,
        org: &Org,
        f: &FindingFilter,
    ) -> Result<Vec<OrgRank>> {
        if !scope.sees_org(&org.org_path()) {
            return Err(StoreError::Forbidden);
        }
        // Each child's subtree from the maintained counts.
        let rows: Vec<(i64, String, i64)> = on_db!(&self.db, |p| {
            let mut q = QueryBuilder::new(
                "SELECT k.org_id, k.severity, CAST(SUM(k.n) AS BIGINT) FROM finding_counts k \
                 WHERE k.org_id IN (SELECT id FROM orgs WHERE parent_id = ",
            );
            q.push_bind(org.id).push(")");
            if let Some(r) = &f.rule {
                q.push(" AND k.rule = ").push_bind(r.clone());
            }
            if let Some(s) = &f.severity {
                q.push(" AND k.severity = ").push_bind(s.clone());
            }
            q.push(" GROUP BY k.org_id, k.severity");
            q.build_query_as().fetch_all(p).await?
        });
        let children = self.org_children(scope, org.id, false).await?;
        let mut ranks: HashMap<i64, OrgRank> = children
            .iter()
            .map(|c| {
                (
                    c.org.id,
                    OrgRank {
                        org_id: c.org.id,
                        name: c.org.name.clone(),
                        errors: 0,
                        warnings: 0,
                    },
                )
            })
            .collect();
        for (child, sev, n) in rows {
            if let Some(r) = ranks.get_mut(&child) {
                match sev.as_str() {
                    "error" => r.errors += n,
                    "warning" => r.warnings += n,
                    _ => {}
                }
            }
        }
        let mut out: Vec<OrgRank> = ranks.into_values().collect();
        out.sort_by(|a, b| (b.errors, b.warnings, &a.name).cmp(&(a.errors, a.warnings, &b.name)));
        Ok(out)
    }

    /// Open findings of a subtree, most severe and most urgent first.
    pub async fn findings_list(
        &self,
        scope: &Scope,
        org: &Org,
        f: &FindingFilter,
        page: PageReq,
    ) -> Result<Page<StoredFinding>> {
        if !scope.sees_org(&org.org_path()) {
            return Err(StoreError::Forbidden);
        }
        let path = org.org_path();
        let (total, items) = on_db!(&self.db, |p| {
            // The rule, severity and deadline filters, on columns prefixed by `t`.
            let rules = |q: &mut QueryBuilder<'_, _>, t: &str| {
                if let Some(r) = &f.rule {
                    q.push(format!(" AND {t}rule = ")).push_bind(r.clone());
                }
                if let Some(s) = &f.severity {
                    q.push(format!(" AND {t}severity = ")).push_bind(s.clone());
                }
                if f.deadlines {
                    q.push(format!(" AND {t}rule IN ("));
                    let mut sep = q.separated(", ");
                    for r in DEADLINE_RULES {
                        sep.push_bind(r.to_string());
                    }
                    q.push(")");
                }
            };
            let filter = |q: &mut QueryBuilder<'_, _>| {
                q.push(" WHERE f.resolved_at IS NULL AND f.org_path >= ")
                    .push_bind(path.as_str().to_string())
                    .push(" AND f.org_path < ")
                    .push_bind(path.upper_bound());
                rules(q, "f.");
            };
            // The total from the maintained counts of the subtree, under the same filters.
            let mut q = QueryBuilder::new(
                "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM finding_counts WHERE org_id = ",
            );
            q.push_bind(org.id);
            rules(&mut q, "");
            let total: i64 = q.build_query_scalar().fetch_one(p).await?;
            let mut q = QueryBuilder::new(
                "SELECT f.id, f.rule, f.severity, f.org_id, f.org_path, o.name AS org_name, \
                    o.code AS org_code, f.subject_type, f.subject_id, \
                 f.subject_name, f.message, f.dates, f.due_date, f.first_seen_at, f.resolved_at \
                 FROM findings f JOIN orgs o ON o.id = f.org_id",
            );
            filter(&mut q);
            if f.deadlines {
                q.push(" ORDER BY f.due_date IS NULL, f.due_date, f.id");
            } else {
                q.push(
                    " ORDER BY f.severity, f.rule, f.due_date IS NULL, f.due_date, f.org_path, \
                    f.subject_name, f.id",
                );
            }
            q.push(" LIMIT ")
                .push_bind(i64::from(page.per_page))
                .push(" OFFSET ")
                .push_bind(page.offset());
            let items: Vec<StoredFinding> = q.build_query_as().fetch_all(p).await?;
            (total, items)
        });
        Ok(Page {
            items,
            total,
            page: page.page,
            per_page: page.per_page,
        })
    }

    /// Open findings about one person or organisation, those the caller may see.
    pub async fn findings_of(
        &self,
        scope: &Scope,
        kind: &str,
        id: i64,
    ) -> Result<Vec<StoredFinding>> {
        let mut rows: Vec<StoredFinding> = on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT f.id, f.rule, f.severity, f.org_id, f.org_path, o.name AS org_name, \
                    o.code AS org_code, f.subject_type, f.subject_id, \
                 f.subject_name, f.message, f.dates, f.due_date, f.first_seen_at, f.resolved_at \
                 FROM findings f JOIN orgs o ON o.id = f.org_id \
                 WHERE f.resolved_at IS NULL AND f.subject_type = $1 AND f.subject_id = $2 ORDER \
                 BY f.severity, f.rule, f.id",
            )
            .bind(kind)
            .bind(id)
            .fetch_all(p)
            .await?
        });
        rows.retain(|f| {
            let path = OrgPath::from_stored(f.org_path.clone());
            if kind == "person" {
                scope.sees_member(id, &path)
            } else {
                scope.sees_org(&path)
            }
        });
        Ok(rows)
    }
}
