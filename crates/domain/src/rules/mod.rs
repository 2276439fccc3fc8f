//! The compliance rules of `RULES.md` as functions over plain facts, one file per family:
//!
//! | family | file | rules | facts | numbers |
//! |---|---|---|---|---|
//! | development of members | [`development`] | DEV-001..022 | [`PersonFacts`] | [`DevelopmentNumbers`] |
//! | organisation | [`organisation`] | ORG-001..005 | [`OrgFacts`] | [`OrganisationNumbers`] |
//! | member records | [`member`] | MEM-001..003 | [`PersonFacts`], [`ContactFacts`] | [`MemberNumbers`] |
//! | transfer letters | [`letters`] | MEM-004 | [`LetterFacts`] | — |
//! | party dues | [`dues`] | DUES-001, DUES-002 | [`DuesFacts`] | [`DuesNumbers`] |
//! | organisational life | [`meetings`] | MTG-001..006, MTG-008 | [`MeetingFacts`] | [`MeetingNumbers`] |
//! | periodic reports | [`reports`] | RPT-001, RPT-002 | [`ReportFacts`] | [`ReportNumbers`] |
//!
//! Each rule is one function `fn(&RuleConfig, NaiveDate, &Facts, &mut Vec<Hit>)`: it reads the
//! numbers of the version in force on the date of the event it judges ([`RuleConfig::at`]) and
//! pushes the findings ([`Hit`]) it sees. Each family lists its rules in a table of
//! [`RuleEntry`]s (id, severity, title, function); the [`registry`] joins the tables, finds a
//! rule by its id and runs the rules a check asks for ([`Ask`]). The store gathers the facts;
//! the web and the command line show the findings.
//!
//! Numbers are validated when a configuration is set ([`RuleConfig::problems`], which calls
//! each family's `validate`); the rule functions still never panic on a stored configuration
//! that predates the validation (saturating arithmetic, no unwrapping of date arithmetic).
//!
//! # Adding a family
//!
//! Families still to come (campaigns) are added the same way:
//!
//! 1. a file `rules/<family>.rs` with the family's facts, its numbers (a struct with
//!    `#[serde(default)]`, a `Default` holding the national texts and a `validate` returning
//!    a Chinese message that names the field and its allowed range), its rule functions and
//!    `pub(super) const RULES: &[RuleEntry]`;
//! 2. a variant of [`Family`], and a variant of [`Facts`] and [`Check`] when its rules read a
//!    new kind of facts;
//! 3. its numbers as a field of [`Numbers`] with `#[serde(default)]` (so that configurations
//!    saved before it still load) and its `validate` in [`Numbers::validate`];
//! 4. its table in `FAMILIES` below;
//! 5. in the store, a loader of its facts called only when [`Ask::wants_family`] says so.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::dates::format_date;
use crate::development::{DevFile, Step};
use crate::members::MemberStatus;

pub mod development;
pub mod dues;
pub mod letters;
pub mod meetings;
pub mod member;
pub mod organisation;
pub mod reports;

pub use crate::dues::DuesNumbers;
pub use development::{next_step, DevelopmentNumbers, NextStep};
pub use dues::DuesFacts;
pub use letters::{LetterFacts, LetterStatus};
pub use meetings::{JointFacts, MeetingFacts, MeetingNumbers};
pub use member::{ContactFacts, MemberNumbers};
pub use organisation::{OrgFacts, OrganisationNumbers};
pub use reports::{Delivery, ReportFacts, ReportNumbers};

/// Severity of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn code(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "违规",
            Severity::Warning => "预警",
            Severity::Info => "提示",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }
}

/// One rule broken or one deadline near, about one subject.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub rule: &'static str,
    pub severity: Severity,
    /// Tells apart two findings of one rule about one subject (e.g. the two steps of DEV-003).
    pub key: String,
    pub message: String,
    pub dates: BTreeMap<&'static str, NaiveDate>,
    /// The deadline a warning counts down to.
    pub due: Option<NaiveDate>,
}

impl Hit {
    pub(crate) fn new(rule: &'static str, severity: Severity, message: String) -> Hit {
        Hit {
            rule,
            severity,
            key: String::new(),
            message,
            dates: BTreeMap::new(),
            due: None,
        }
    }
    pub(crate) fn key(mut self, key: impl Into<String>) -> Hit {
        self.key = key.into();
        self
    }
    pub(crate) fn date(mut self, name: &'static str, d: NaiveDate) -> Hit {
        self.dates.insert(name, d);
        self
    }
    pub(crate) fn step(self, step: Step, d: NaiveDate) -> Hit {
        self.date(step.field(), d)
    }
    pub(crate) fn due(mut self, d: NaiveDate) -> Hit {
        self.due = Some(d);
        self.date("due", d)
    }
}

/// A family of rules: one file of this module, one struct of numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    Development,
    Organisation,
    Member,
    Letters,
    Dues,
    Meetings,
    Reports,
}

impl Family {
    pub const ALL: [Family; 7] = [
        Family::Development,
        Family::Organisation,
        Family::Member,
        Family::Letters,
        Family::Dues,
        Family::Meetings,
        Family::Reports,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Family::Development => "发展党员",
            Family::Organisation => "组织设置",
            Family::Member => "党员信息",
            Family::Letters => "组织关系转接",
            Family::Dues => "党费",
            Family::Meetings => "组织生活",
            Family::Reports => "报表报送",
        }
    }
}

/// What a check knows of a person: the roster row (the stored dates) and the development
/// file, if one is on record. Read by the development family and by MEM-001 and MEM-002.
#[derive(Debug, Clone)]
pub struct PersonFacts<'a> {
    pub birth_date: NaiveDate,
    /// `male` / `female`.
    pub gender: &'a str,
    /// The stored ID number (decrypted), when the check should look at it.
    pub id_number: Option<&'a str>,
    pub status: MemberStatus,
    pub application: Option<NaiveDate>,
    pub activist: Option<NaiveDate>,
    pub candidate: Option<NaiveDate>,
    pub admission: Option<NaiveDate>,
    pub conversion: Option<NaiveDate>,
    pub file: Option<&'a DevFile>,
}

impl PersonFacts<'_> {
    /// A step's date: from the file when there is one, else from the roster where it keeps it.
    pub(crate) fn step(&self, step: Step) -> Option<NaiveDate> {
        if let Some(f) = self.file {
            return f.get(step);
        }
        match step {
            Step::Application => self.application,
            Step::Activist => self.activist,
            Step::Candidate => self.candidate,
            _ => None,
        }
    }
}

/// The facts one rule reads, by kind.
#[derive(Debug, Clone, Copy)]
pub enum Facts<'a> {
    Person(&'a PersonFacts<'a>),
    Org(&'a OrgFacts<'a>),
    Contact(&'a ContactFacts<'a>),
    Letter(&'a LetterFacts<'a>),
    Dues(&'a DuesFacts<'a>),
    Meetings(&'a MeetingFacts<'a>),
    Reports(&'a ReportFacts<'a>),
}

/// A rule's function, by the kind of facts it reads.
#[derive(Debug, Clone, Copy)]
pub enum Check {
    Person(fn(&RuleConfig, NaiveDate, &PersonFacts<'_>, &mut Vec<Hit>)),
    Org(fn(&RuleConfig, NaiveDate, &OrgFacts<'_>, &mut Vec<Hit>)),
    Contact(fn(&RuleConfig, NaiveDate, &ContactFacts<'_>, &mut Vec<Hit>)),
    Letter(fn(&RuleConfig, NaiveDate, &LetterFacts<'_>, &mut Vec<Hit>)),
    Dues(fn(&RuleConfig, NaiveDate, &DuesFacts<'_>, &mut Vec<Hit>)),
    Meetings(fn(&RuleConfig, NaiveDate, &MeetingFacts<'_>, &mut Vec<Hit>)),
    Reports(fn(&RuleConfig, NaiveDate, &ReportFacts<'_>, &mut Vec<Hit>)),
}

/// One rule of the catalogue: its id, the severity of its findings (a deadline rule may also
/// give warnings before the deadline), its short title, its family and its function.
#[derive(Debug, Clone, Copy)]
pub struct RuleEntry {
    pub id: &'static str,
    pub severity: Severity,
    pub title: &'static str,
    pub family: Family,
    pub check: Check,
}

impl RuleEntry {
    /// Runs this rule over `facts` as of `as_of`, adding its findings to `out`. Facts of
    /// another kind than the rule reads give nothing.
    pub fn run_into(&self, cfg: &RuleConfig, as_of: NaiveDate, facts: Facts, out: &mut Vec<Hit>) {
        match (self.check, facts) {
            (Check::Person(f), Facts::Person(p)) => f(cfg, as_of, p, out),
            (Check::Org(f), Facts::Org(o)) => f(cfg, as_of, o, out),
            (Check::Contact(f), Facts::Contact(c)) => f(cfg, as_of, c, out),
            (Check::Letter(f), Facts::Letter(l)) => f(cfg, as_of, l, out),
            (Check::Dues(f), Facts::Dues(d)) => f(cfg, as_of, d, out),
            (Check::Meetings(f), Facts::Meetings(m)) => f(cfg, as_of, m, out),
            (Check::Reports(f), Facts::Reports(r)) => f(cfg, as_of, r, out),
            _ => {}
        }
    }

    /// This rule's findings over `facts` as of `as_of` (switched off or not: the caller
    /// asked for it by name).
    pub fn run(&self, cfg: &RuleConfig, as_of: NaiveDate, facts: Facts) -> Vec<Hit> {
        let mut out = Vec::new();
        self.run_into(cfg, as_of, facts, &mut out);
        out
    }
}

/// The tables of the families, in catalogue order.
const FAMILIES: &[&[RuleEntry]] = &[
    development::RULES,
    organisation::RULES,
    member::RULES,
    letters::RULES,
    dues::RULES,
    meetings::RULES,
    reports::RULES,
];

/// Every rule by its id.
pub struct Registry {
    entries: Vec<&'static RuleEntry>,
    by_id: HashMap<&'static str, &'static RuleEntry>,
}

/// The registry of all rules.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let entries: Vec<&'static RuleEntry> = FAMILIES.iter().flat_map(|t| t.iter()).collect();
        let by_id = entries.iter().map(|e| (e.id, *e)).collect();
        Registry { entries, by_id }
    })
}

impl Registry {
    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&'static RuleEntry> {
        self.by_id.get(id).copied()
    }

    /// Every rule, in catalogue order.
    pub fn entries(&self) -> &[&'static RuleEntry] {
        &self.entries
    }

    /// The rules of one family, in catalogue order.
    pub fn family(&self, family: Family) -> impl Iterator<Item = &'static RuleEntry> + '_ {
        self.entries
            .iter()
            .copied()
            .filter(move |e| e.family == family)
    }

    /// The findings of the rules `ask` wants over `facts` as of `as_of`.
    pub fn check(&self, ask: &Ask, as_of: NaiveDate, facts: Facts) -> Vec<Hit> {
        let mut out = Vec::new();
        for e in &self.entries {
            if ask.wants(e.id) {
                e.run_into(ask.cfg, as_of, facts, &mut out);
            }
        }
        out
    }
}

/// Which rules a check asks for: those switched on whose id starts with the prefix.
#[derive(Debug, Clone, Copy)]
pub struct Ask<'a> {
    pub cfg: &'a RuleConfig,
    pub prefix: Option<&'a str>,
}

impl<'a> Ask<'a> {
    /// Every rule switched on.
    pub fn all(cfg: &'a RuleConfig) -> Self {
        Ask { cfg, prefix: None }
    }

    /// The rules switched on whose id starts with `prefix` (`None`: all).
    pub fn prefix(cfg: &'a RuleConfig, prefix: Option<&'a str>) -> Self {
        Ask { cfg, prefix }
    }

    pub fn wants(&self, rule: &str) -> bool {
        self.cfg.enabled(rule) && self.prefix.is_none_or(|p| rule.starts_with(p))
    }

    /// Whether any rule of the family is wanted: if none is, its facts need not be loaded.
    pub fn wants_family(&self, family: Family) -> bool {
        registry().family(family).any(|e| self.wants(e.id))
    }
}

/// Every catalogue entry, in order.
pub fn catalogue() -> impl Iterator<Item = &'static RuleEntry> {
    registry().entries().iter().copied()
}

/// Whether a rule of this id exists.
pub fn is_rule(rule: &str) -> bool {
    registry().get(rule).is_some()
}

/// Title of a rule, for page headings.
pub fn rule_title(rule: &str) -> &'static str {
    registry().get(rule).map_or("", |e| e.title)
}

/// The person rules switched on (development, MEM-001, MEM-002) as of `as_of`.
pub fn check_person(cfg: &RuleConfig, as_of: NaiveDate, p: &PersonFacts) -> Vec<Hit> {
    registry().check(&Ask::all(cfg), as_of, Facts::Person(p))
}

/// The organisation rules switched on as of `as_of`.
pub fn check_org(cfg: &RuleConfig, as_of: NaiveDate, o: &OrgFacts) -> Vec<Hit> {
    registry().check(&Ask::all(cfg), as_of, Facts::Org(o))
}

/// MEM-003, when switched on, as of `as_of`.
pub fn check_contact(cfg: &RuleConfig, as_of: NaiveDate, c: &ContactFacts) -> Vec<Hit> {
    registry().check(&Ask::all(cfg), as_of, Facts::Contact(c))
}

/// MEM-004 for one letter, when switched on, as of `as_of`.
pub fn check_letter(cfg: &RuleConfig, as_of: NaiveDate, l: &LetterFacts) -> Vec<Hit> {
    registry().check(&Ask::all(cfg), as_of, Facts::Letter(l))
}

/// DUES-001 and DUES-002 for one member, when switched on, as of `as_of`.
pub fn check_dues(cfg: &RuleConfig, as_of: NaiveDate, d: &DuesFacts) -> Vec<Hit> {
    registry().check(&Ask::all(cfg), as_of, Facts::Dues(d))
}

/// The meeting rules (MTG-001..006, MTG-008) switched on, as of `as_of`.
pub fn check_meetings(cfg: &RuleConfig, as_of: NaiveDate, m: &MeetingFacts) -> Vec<Hit> {
    registry().check(&Ask::all(cfg), as_of, Facts::Meetings(m))
}

/// The numbers of the rules, as in force from one effective date: one struct per family.
/// Defaults are the national texts; fields marked *local* are common local practice.
///
/// Stored as one flat object per version, as before the families were split: the fields of
/// development, organisation and member numbers side by side, and the dues numbers under
/// `dues`. A field left out takes its default.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Numbers {
    #[serde(flatten)]
    pub development: DevelopmentNumbers,
    #[serde(flatten)]
    pub organisation: OrganisationNumbers,
    #[serde(flatten)]
    pub member: MemberNumbers,
    /// DUES-001 and DUES-002.
    #[serde(default)]
    pub dues: DuesNumbers,
    /// MTG-001..006.
    #[serde(flatten)]
    pub meetings: MeetingNumbers,
    /// RPT-001, RPT-002.
    #[serde(flatten)]
    pub reports: ReportNumbers,
}

impl Numbers {
    /// The first number out of its allowed range, named in words for the person who set it.
    pub fn validate(&self) -> Result<(), String> {
        self.development.validate()?;
        self.organisation.validate()?;
        self.member.validate()?;
        self.dues.validate()?;
        self.meetings.validate()?;
        self.reports.validate()
    }
}

/// One version of the numbers and the day from which it applies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleVersion {
    pub effective: NaiveDate,
    pub numbers: Numbers,
}

/// The rule configuration of a deployment: versions of the numbers (an event is judged by the
/// version in force on the event's date) and the rules switched off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RuleConfig {
    pub versions: Vec<RuleVersion>,
    pub disabled: Vec<String>,
}

impl Default for RuleConfig {
    fn default() -> Self {
        RuleConfig {
            versions: vec![RuleVersion {
                effective: NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN),
                numbers: Numbers::default(),
            }],
            disabled: Vec::new(),
        }
    }
}

impl RuleConfig {
    /// The numbers in force on `day` (the earliest version for days before all of them).
    pub fn at(&self, day: NaiveDate) -> &Numbers {
        static DEFAULT: OnceLock<Numbers> = OnceLock::new();
        let mut chosen = self.versions.first();
        for v in &self.versions {
            if v.effective <= day && chosen.is_none_or(|c| v.effective >= c.effective) {
                chosen = Some(v);
            }
        }
        chosen
            .map(|v| &v.numbers)
            .unwrap_or_else(|| DEFAULT.get_or_init(Numbers::default))
    }

    /// What is wrong with a configuration, in words for the person who wrote it. A
    /// configuration is set only when this is empty.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.versions.is_empty() {
            out.push("至少需要一个版本（versions）".to_string());
        }
        let mut days: Vec<NaiveDate> = self.versions.iter().map(|v| v.effective).collect();
        days.sort();
        days.dedup();
        if days.len() != self.versions.len() {
            out.push("两个版本的生效日期（effective）相同".to_string());
        }
        for r in &self.disabled {
            if !is_rule(r) {
                out.push(format!("没有编号为 {r} 的规则"));
            }
        }
        for v in &self.versions {
            if let Err(e) = v.numbers.validate() {
                out.push(format!("{} 版本：{e}", format_date(v.effective)));
            }
        }
        out
    }

    pub fn enabled(&self, rule: &str) -> bool {
        !self.disabled.iter().any(|d| d == rule)
    }
}

/// Checks that an integer number lies in `lo..=hi`; the message names the field in words and
/// by its key in the configuration.
pub(crate) fn in_range<T>(value: T, lo: T, hi: T, name: &str, key: &str) -> Result<(), String>
where
    T: PartialOrd + std::fmt::Display,
{
    if value < lo || value > hi {
        return Err(format!(
            "{name}（{key}）须为 {lo} 到 {hi} 之间的整数，现为 {value}"
        ));
    }
    Ok(())
}

pub(crate) fn fd(d: NaiveDate) -> String {
    format_date(d)
}

/// “还有 3 天”, or “今日到期” on the day itself.
pub(crate) fn days_left(left: i64) -> String {
    if left <= 0 {
        "今日到期".to_string()
    } else {
        format!("还有 {left} 天")
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod config_tests;

#[cfg(test)]
mod proptests;
