//! The compliance rules of `RULES.md` as functions over plain facts: each rule is one function,
//! its numbers come from [`RuleConfig`] (versioned by effective date), and it returns the
//! findings ([`Hit`]) it sees. The store gathers the facts; the web and the command line show
//! the findings.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::dates::{add_months, format_date, years_between};
use crate::development::{DevFile, SponsorRole, Standing, Step};
use crate::idnum::{IdError, IdNumber};
use crate::members::MemberStatus;
use crate::org::{OrgType, Sector};

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

/// The numbers of the rules, as in force from one effective date. Defaults are the national
/// texts; fields marked *local* are common local practice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Numbers {
    /// DEV-001: minimum age on the application date.
    pub min_age: i32,
    /// DEV-002: months within which the talk follows the application.
    pub talk_within_months: i32,
    /// DEV-004 (local): days after a designation by which it is reported (备案).
    pub filing_days: i64,
    /// DEV-005: cultivation contacts, at least and at most.
    pub contacts_min: usize,
    pub contacts_max: usize,
    /// DEV-006 / DEV-018: months between assessments of an activist.
    pub assessment_months: i32,
    /// DEV-007: months from activist designation to candidate designation, at least.
    pub candidate_after_months: i32,
    /// DEV-008: introducers.
    pub introducers: usize,
    /// DEV-010: concentrated training, days or class hours, at least.
    pub training_days: i64,
    pub training_hours: f64,
    /// DEV-013: months from the general meeting to approval; with a recorded reason.
    pub approval_months: i32,
    pub approval_extended_months: i32,
    /// DEV-014: probation.
    pub probation_months: i32,
    /// DEV-015: months from the conversion meeting to its approval.
    pub conversion_approval_months: i32,
    /// DEV-016: an extension of probation, at least and at most.
    pub extension_min_months: i32,
    pub extension_max_months: i32,
    /// DEV-022: days after the end of probation by which the branch general meeting discusses
    /// the conversion (〔党章〕第七条 “及时讨论”; local practice).
    pub conversion_meeting_days: i64,
    /// DEV-018..020: how far ahead warnings start.
    pub probation_warning_days: i64,
    pub approval_warning_days: i64,
    /// ORG-001..003.
    pub branch_min_full: i64,
    pub branch_committee_from: i64,
    pub branch_max_members: i64,
    pub committee_suggested_from: i64,
    /// ORG-004: warning before a term ends; the longest approved postponement.
    pub term_warning_days: i64,
    pub term_postpone_months: i32,
    /// MEM-003: months out of contact before standing is suspended; months after the
    /// suspension before removal.
    pub lost_contact_months: i32,
    pub lost_contact_removal_months: i32,
    /// DUES-001 and DUES-002.
    pub dues: crate::dues::DuesNumbers,
}

impl Default for Numbers {
    fn default() -> Self {
        Numbers {
            min_age: 18,
            talk_within_months: 1,
            filing_days: 30,
            contacts_min: 1,
            contacts_max: 2,
            assessment_months: 6,
            candidate_after_months: 12,
            introducers: 2,
            training_days: 3,
            training_hours: 24.0,
            approval_months: 3,
            approval_extended_months: 6,
            probation_months: 12,
            conversion_approval_months: 3,
            extension_min_months: 6,
            extension_max_months: 12,
            probation_warning_days: 30,
            approval_warning_days: 14,
            conversion_meeting_days: 30,
            branch_min_full: 3,
            branch_committee_from: 7,
            branch_max_members: 50,
            committee_suggested_from: 100,
            term_warning_days: 180,
            term_postpone_months: 12,
            lost_contact_months: 6,
            lost_contact_removal_months: 24,
            dues: crate::dues::DuesNumbers::default(),
        }
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
                effective: NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid date"),
                numbers: Numbers::default(),
            }],
            disabled: Vec::new(),
        }
    }
}

impl RuleConfig {
    /// The numbers in force on `day` (the earliest version for days before all of them).
    pub fn at(&self, day: NaiveDate) -> &Numbers {
        static DEFAULT: std::sync::OnceLock<Numbers> = std::sync::OnceLock::new();
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

    /// What is wrong with a configuration, in words for the person who wrote it.
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
            if !RULES.iter().any(|(id, _, _)| id == r) {
                out.push(format!("没有编号为 {r} 的规则"));
            }
        }
        for v in &self.versions {
            let n = &v.numbers;
            let positive = [
                n.min_age,
                n.talk_within_months,
                n.assessment_months,
                n.candidate_after_months,
                n.approval_months,
                n.approval_extended_months,
                n.probation_months,
                n.conversion_approval_months,
                n.extension_min_months,
                n.extension_max_months,
            ];
            if positive.iter().any(|x| *x <= 0)
                || n.training_days <= 0
                || n.training_hours <= 0.0
                || n.contacts_min > n.contacts_max
                || n.extension_min_months > n.extension_max_months
                || n.approval_months > n.approval_extended_months
            {
                out.push(format!(
                    "{} 版本的数值不合理（应为正数，下限不大于上限）",
                    v.effective
                ));
            }
        }
        out
    }

    pub fn enabled(&self, rule: &str) -> bool {
        !self.disabled.iter().any(|d| d == rule)
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
    fn new(rule: &'static str, severity: Severity, message: String) -> Hit {
        Hit {
            rule,
            severity,
            key: String::new(),
            message,
            dates: BTreeMap::new(),
            due: None,
        }
    }
    fn key(mut self, key: impl Into<String>) -> Hit {
        self.key = key.into();
        self
    }
    fn date(mut self, name: &'static str, d: NaiveDate) -> Hit {
        self.dates.insert(name, d);
        self
    }
    fn step(self, step: Step, d: NaiveDate) -> Hit {
        self.date(step.field(), d)
    }
    fn due(mut self, d: NaiveDate) -> Hit {
        self.due = Some(d);
        self.date("due", d)
    }
}

/// Every rule this module implements, with its severity and short title.
pub const RULES: &[(&str, Severity, &str)] = &[
    ("DEV-001", Severity::Error, "申请入党时年满十八周岁"),
    ("DEV-002", Severity::Error, "收到入党申请一个月内派人谈话"),
    ("DEV-003", Severity::Error, "发展步骤按程序顺序进行"),
    (
        "DEV-004",
        Severity::Error,
        "积极分子、发展对象报上级党委备案",
    ),
    (
        "DEV-005",
        Severity::Error,
        "积极分子有一至两名正式党员作培养联系人",
    ),
    ("DEV-006", Severity::Error, "积极分子每半年至少考察一次"),
    (
        "DEV-007",
        Severity::Error,
        "确定积极分子满一年方可确定为发展对象",
    ),
    (
        "DEV-008",
        Severity::Error,
        "发展对象有两名正式党员作入党介绍人",
    ),
    ("DEV-009", Severity::Error, "支委会审查前完成政治审查"),
    (
        "DEV-010",
        Severity::Error,
        "集中培训不少于三天或二十四学时，且在支部大会前结束",
    ),
    (
        "DEV-011",
        Severity::Error,
        "支部大会到会人数、赞成票均超过应到会有表决权人数的半数",
    ),
    ("DEV-012", Severity::Error, "审批前上级党委派人谈话"),
    (
        "DEV-013",
        Severity::Error,
        "支部大会后三个月内审批（有原因的最长六个月）",
    ),
    (
        "DEV-014",
        Severity::Error,
        "预备期自支部大会通过之日起计算一年",
    ),
    (
        "DEV-015",
        Severity::Error,
        "预备期满后讨论转正，三个月内审批",
    ),
    (
        "DEV-016",
        Severity::Error,
        "延长预备期不少于半年、不超过一年",
    ),
    ("DEV-017", Severity::Error, "党龄自预备期满之日起计算"),
    ("DEV-018", Severity::Warning, "积极分子超过半年未考察"),
    (
        "DEV-019",
        Severity::Warning,
        "预备期即将届满尚未提出转正申请",
    ),
    ("DEV-020", Severity::Warning, "审批期限即将届满"),
    ("DEV-021", Severity::Error, "由有审批权的基层党委审批"),
    ("DEV-022", Severity::Warning, "预备期满及时讨论转正"),
    ("ORG-001", Severity::Error, "党支部正式党员不少于三人"),
    (
        "ORG-002",
        Severity::Warning,
        "七人以上设支委会，不足七人设书记（可设一名副书记）",
    ),
    ("ORG-003", Severity::Warning, "党支部党员不超过五十人"),
    ("ORG-004", Severity::Error, "按期换届"),
    ("ORG-005", Severity::Warning, "配备书记"),
    (
        "MEM-001",
        Severity::Error,
        "身份证号校验位正确，出生日期、性别与记录一致",
    ),
    ("MEM-002", Severity::Error, "各日期先后顺序正确"),
    (
        "MEM-003",
        Severity::Warning,
        "失去联系满六个月停止党籍，停止党籍满两年仍无联系的除名",
    ),
    (
        "MEM-004",
        Severity::Warning,
        "持组织关系介绍信在有效期内报到",
    ),
    ("DUES-001", Severity::Error, "按标准足额缴纳党费"),
    (
        "DUES-002",
        Severity::Error,
        "不连续六个月不缴党费，补缴不超过六个月",
    ),
];

/// Title of a rule, for page headings.
pub fn rule_title(rule: &str) -> &'static str {
    RULES
        .iter()
        .find(|(r, _, _)| *r == rule)
        .map(|(_, _, t)| *t)
        .unwrap_or("")
}

/// What the check knows of a person: the roster row (the stored dates) and the development
/// file, if one is on record.
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
    fn step(&self, step: Step) -> Option<NaiveDate> {
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

fn fd(d: NaiveDate) -> String {
    format_date(d)
}

/// “还有 3 天”, or “今日到期” on the day itself.
fn days_left(left: i64) -> String {
    if left <= 0 {
        "今日到期".to_string()
    } else {
        format!("还有 {left} 天")
    }
}

/// All person rules as of `as_of`.
pub fn check_person(cfg: &RuleConfig, as_of: NaiveDate, p: &PersonFacts) -> Vec<Hit> {
    let mut out = Vec::new();
    mem_001(p, &mut out);
    mem_002(p, &mut out);
    dev_001(cfg, p, &mut out);
    dev_002(cfg, as_of, p, &mut out);
    dev_003(p, &mut out);
    dev_004(cfg, as_of, p, &mut out);
    dev_005(cfg, p, &mut out);
    dev_006(cfg, as_of, p, &mut out);
    dev_007(cfg, p, &mut out);
    dev_008(cfg, p, &mut out);
    dev_009(p, &mut out);
    dev_010(cfg, p, &mut out);
    dev_011(p, &mut out);
    dev_012(p, &mut out);
    dev_013(cfg, as_of, p, &mut out);
    dev_014(p, &mut out);
    dev_015(cfg, as_of, p, &mut out);
    dev_016(cfg, p, &mut out);
    dev_017(cfg, p, &mut out);
    dev_018(cfg, as_of, p, &mut out);
    dev_019(cfg, as_of, p, &mut out);
    dev_020(cfg, as_of, p, &mut out);
    dev_021(p, &mut out);
    dev_022(cfg, as_of, p, &mut out);
    out.retain(|h| cfg.enabled(h.rule));
    // Nothing is reported about days after the check date.
    out
}

fn mem_001(p: &PersonFacts, out: &mut Vec<Hit>) {
    let Some(raw) = p.id_number else { return };
    match IdNumber::parse(raw) {
        Err(IdError::CheckDigit { expected }) => out.push(
            Hit::new(
                "MEM-001",
                Severity::Error,
                format!("身份证号校验位错误（应为 {expected}），请核对证件后更正"),
            )
            .key("check_digit"),
        ),
        Err(e) => out.push(
            Hit::new(
                "MEM-001",
                Severity::Error,
                format!("身份证号无效：{e}，请核对证件后更正"),
            )
            .key("invalid"),
        ),
        Ok(id) => {
            if id.birth_date() != p.birth_date {
                out.push(
                    Hit::new(
                        "MEM-001",
                        Severity::Error,
                        format!(
                            "出生日期 {} 与身份证号中的 {} 不一致，请核对更正",
                            fd(p.birth_date),
                            fd(id.birth_date())
                        ),
                    )
                    .key("birth")
                    .date("birth_date", p.birth_date),
                );
            }
            if id.gender().code() != p.gender {
                out.push(
                    Hit::new(
                        "MEM-001",
                        Severity::Error,
                        format!(
                            "性别与身份证号（第 17 位表示{}）不一致，请核对更正",
                            id.gender().label()
                        ),
                    )
                    .key("gender"),
                );
            }
        }
    }
}

fn mem_002(p: &PersonFacts, out: &mut Vec<Hit>) {
    let chain = [
        ("application_date", "申请入党日期", p.application),
        ("activist_date", "确定积极分子日期", p.activist),
        ("candidate_date", "确定发展对象日期", p.candidate),
        ("admission_date", "入党日期", p.admission),
        ("conversion_date", "转正日期", p.conversion),
    ];
    for (field, label, d) in chain {
        if let Some(d) = d {
            if d <= p.birth_date {
                out.push(
                    Hit::new(
                        "MEM-002",
                        Severity::Error,
                        format!(
                            "{label} {} 不晚于出生日期 {}，请核对更正",
                            fd(d),
                            fd(p.birth_date)
                        ),
                    )
                    .key(format!("birth<{field}"))
                    .date("birth_date", p.birth_date)
                    .date(field, d),
                );
            }
        }
    }
    let mut prev: Option<(&'static str, &'static str, NaiveDate)> = None;
    for (field, label, d) in chain {
        let Some(d) = d else { continue };
        if let Some((pf, pl, pd)) = prev {
            if d < pd {
                out.push(
                    Hit::new(
                        "MEM-002",
                        Severity::Error,
                        format!("{label} {} 早于{pl} {}，请核对更正", fd(d), fd(pd)),
                    )
                    .key(format!("{pf}>{field}"))
                    .date(pf, pd)
                    .date(field, d),
                );
            }
        }
        prev = Some((field, label, d));
    }
}

fn dev_001(cfg: &RuleConfig, p: &PersonFacts, out: &mut Vec<Hit>) {
    let Some(app) = p.step(Step::Application) else {
        return;
    };
    let min = cfg.at(app).min_age;
    let age = years_between(p.birth_date, app);
    if app > p.birth_date && age < min {
        let advice = match p.status {
            MemberStatus::Applicant => "申请不应受理，请待年满后重新提出申请",
            MemberStatus::Activist | MemberStatus::Candidate => {
                "申请时不符合条件，请核实申请日期；如确属未满年龄时申请，应在年满后重新提出申请并重新履行程序"
            }
            _ => "已入党的，请核实档案中的申请日期，确属违规的按有关规定处理并在档案中说明",
        };
        out.push(
            Hit::new(
                "DEV-001",
                Severity::Error,
                format!(
                    "申请入党时（{}）未满 {min} 周岁（{age} 周岁）：{advice}",
                    fd(app)
                ),
            )
            .date("birth_date", p.birth_date)
            .step(Step::Application, app),
        );
    }
}

fn dev_002(cfg: &RuleConfig, as_of: NaiveDate, p: &PersonFacts, out: &mut Vec<Hit>) {
    let Some(f) = p.file else { return };
    let Some(app) = f.get(Step::Application) else {
        return;
    };
    let months = cfg.at(app).talk_within_months;
    let due = add_months(app, months);
    match f.get(Step::Talk) {
        Some(t) if t > due => out.push(
            Hit::new(
                "DEV-002",
                Severity::Error,
                format!(
                    "谈话日期 {} 超过收到申请后 {months} 个月（应不晚于 {}）",
                    fd(t),
                    fd(due)
                ),
            )
            .step(Step::Application, app)
            .step(Step::Talk, t),
        ),
        None if as_of > due => out.push(
            Hit::new(
                "DEV-002",
                Severity::Error,
                format!(
                    "收到入党申请已超过 {months} 个月（{} 前应谈话），尚无谈话记录，请尽快派人谈话并登记",
                    fd(due)
                ),
            )
            .step(Step::Application, app)
            .due(due),
        ),
        _ => {}
    }
}

fn dev_003(p: &PersonFacts, out: &mut Vec<Hit>) {
    let Some(f) = p.file else { return };
    for step in Step::ALL {
        let (Some(d), Some(dep)) = (f.get(step), step.depends_on()) else {
            continue;
        };
        // The nearest earlier recorded step it depends on, through unrecorded ones.
        let mut cur = Some(dep);
        while let Some(c) = cur {
            if let Some(dd) = f.get(c) {
                if d < dd {
                    out.push(
                        Hit::new(
                            "DEV-003",
                            Severity::Error,
                            format!(
                                "第{}步“{}”（{}）早于第{}步“{}”（{}），步骤顺序颠倒，请核实",
                                step.number(),
                                step.label(),
                                fd(d),
                                c.number(),
                                c.label(),
                                fd(dd)
                            ),
                        )
                        .key(format!("{}<{}", step.field(), c.field()))
                        .step(c, dd)
                        .step(step, d),
                    );
                }
                break;
            }
            cur = c.depends_on();
        }
    }
}

fn dev_004(cfg: &RuleConfig, as_of: NaiveDate, p: &PersonFacts, out: &mut Vec<Hit>) {
    let Some(f) = p.file else { return };
    for (designated, filed, next, what) in [
        (
            Step::Activist,
            Step::ActivistFiled,
            Step::Candidate,
            "确定入党积极分子",
        ),
        (
            Step::Candidate,
            Step::CandidateFiled,
            Step::CommitteeReview,
            "确定发展对象",
        ),
    ] {
        let Some(d) = f.get(designated) else { continue };
        if f.get(filed).is_some() {
            continue;
        }
        let days = cfg.at(d).filing_days;
        let due = d + chrono::TimeDelta::days(days);
        if f.get(next).is_some() || as_of > due {
            out.push(
                Hit::new(
                    "DEV-004",
                    Severity::Error,
                    format!(
                        "{what}（{}）后未报上级党委备案，请补报并登记备案日期",
                        fd(d)
                    ),
                )
                .key(filed.field())
                .step(designated, d),
            );
        }
    }
}

fn dev_005(cfg: &RuleConfig, p: &PersonFacts, out: &mut Vec<Hit>) {
    sponsors_rule(
        cfg,
        p,
        out,
        "DEV-005",
        SponsorRole::Contact,
        Step::Activist,
        |n| (n.contacts_min, n.contacts_max),
    );
}

fn dev_008(cfg: &RuleConfig, p: &PersonFacts, out: &mut Vec<Hit>) {
    sponsors_rule(
        cfg,
        p,
        out,
        "DEV-008",
        SponsorRole::Introducer,
        Step::Candidate,
        |n| (n.introducers, n.introducers),
    );
}

fn sponsors_rule(
    cfg: &RuleConfig,
    p: &PersonFacts,
    out: &mut Vec<Hit>,
    rule: &'static str,
    role: SponsorRole,
    step: Step,
    range: impl Fn(&Numbers) -> (usize, usize),
) {
    let Some(f) = p.file else { return };
    let Some(d) = f.get(step) else { return };
    let named: Vec<_> = f.sponsors(role).collect();
    // An imported file that names nobody says nothing about them (see `Source`).
    if !f.sponsors_known && named.is_empty() {
        return;
    }
    let (lo, hi) = range(cfg.at(d));
    let n = named.len();
    if n < lo || n > hi {
        let want = if lo == hi {
            format!("{lo} 名")
        } else {
            format!("{lo} 至 {hi} 名")
        };
        out.push(
            Hit::new(
                rule,
                Severity::Error,
                format!(
                    "{}（{} {}时确定）应为 {want}，现登记 {n} 名，请补充或核实",
                    role.label(),
                    fd(d),
                    step.label().trim_end_matches("日期")
                ),
            )
            .key("count")
            .step(step, d),
        );
    }
    for s in named {
        if matches!(s.standing, Standing::Probationary | Standing::NotMember) {
            out.push(
                Hit::new(
                    rule,
                    Severity::Error,
                    format!(
                        "{}{}在 {} 时为{}，不能担任{}，请另行确定",
                        role.label(),
                        s.name,
                        fd(s.named_on),
                        s.standing.label(),
                        role.label()
                    ),
                )
                .key(format!("person:{}", s.name))
                .date("named_on", s.named_on),
            );
        }
    }
}

fn dev_006(cfg: &RuleConfig, as_of: NaiveDate, p: &PersonFacts, out: &mut Vec<Hit>) {
    let Some(f) = p.file else { return };
    let Some(start) = f.get(Step::Activist) else {
        return;
    };
    let Some(end) = f.get(Step::Candidate) else {
        // Still an activist: the open gap is DEV-018's warning.
        let _ = as_of;
        return;
    };
    let mut points: Vec<NaiveDate> = f
        .assessments
        .iter()
        .copied()
        .filter(|d| *d > start && *d < end)
        .collect();
    points.sort();
    points.insert(0, start);
    points.push(end);
    for w in points.windows(2) {
        let (a, b) = (w[0], w[1]);
        let months = cfg.at(a).assessment_months;
        let limit = add_months(a, months);
        if b > limit {
            out.push(
                Hit::new(
                    "DEV-006",
                    Severity::Error,
                    format!(
                        "{} 至 {} 之间超过 {months} 个月没有考察记录（应在 {} 前考察）",
                        fd(a),
                        fd(b),
                        fd(limit)
                    ),
                )
                .key(format!("gap:{}", fd(a)))
                .date("from", a)
                .date("to", b),
            );
        }
    }
}

fn dev_007(cfg: &RuleConfig, p: &PersonFacts, out: &mut Vec<Hit>) {
    let (Some(a), Some(c)) = (p.step(Step::Activist), p.step(Step::Candidate)) else {
        return;
    };
    let months = cfg.at(c).candidate_after_months;
    let earliest = add_months(a, months);
    if c < earliest {
        out.push(
            Hit::new(
                "DEV-007",
                Severity::Error,
                format!(
                    "确定为发展对象（{}）时培养考察不满 {months} 个月（最早 {}）：请核实日期；确属提前的，应由党组织按规定说明情况并补足培养考察",
                    fd(c),
                    fd(earliest)
                ),
            )
            .step(Step::Activist, a)
            .step(Step::Candidate, c),
        );
    }
}

/// A step (`first`) that must be on record, and not later, once `then` is recorded.
fn required_before(
    p: &PersonFacts,
    out: &mut Vec<Hit>,
    rule: &'static str,
    first: Step,
    then: Step,
    missing: impl Fn(NaiveDate) -> String,
    late: impl Fn(NaiveDate, NaiveDate) -> String,
) {
    let Some(f) = p.file else { return };
    let Some(t) = f.get(then) else { return };
    match f.get(first) {
        None => out.push(Hit::new(rule, Severity::Error, missing(t)).step(then, t)),
        Some(d) if d > t => out.push(
            Hit::new(rule, Severity::Error, late(d, t))
                .step(first, d)
                .step(then, t),
        ),
        _ => {}
    }
}

fn dev_009(p: &PersonFacts, out: &mut Vec<Hit>) {
    required_before(
        p,
        out,
        "DEV-009",
        Step::PoliticalReview,
        Step::CommitteeReview,
        |t| format!("支委会审查（{}）前没有政治审查记录", fd(t)),
        |d, t| {
            format!(
                "政治审查（{}）晚于支委会审查（{}），应先完成政治审查",
                fd(d),
                fd(t)
            )
        },
    );
}

fn dev_010(cfg: &RuleConfig, p: &PersonFacts, out: &mut Vec<Hit>) {
    let Some(f) = p.file else { return };
    let Some(gm) = f.get(Step::GeneralMeeting) else {
        return;
    };
    let (start, end) = (f.get(Step::TrainingStart), f.get(Step::TrainingEnd));
    let n = cfg.at(gm);
    let Some(end) = end else {
        out.push(
            Hit::new(
                "DEV-010",
                Severity::Error,
                format!("支部大会（{}）前没有集中培训记录", fd(gm)),
            )
            .key("missing")
            .step(Step::GeneralMeeting, gm),
        );
        return;
    };
    let days = start.map(|s| (end - s).num_days() + 1);
    let long_enough = days.is_some_and(|d| d >= n.training_days)
        || f.training_hours.is_some_and(|h| h >= n.training_hours);
    if !long_enough {
        let mut hit = Hit::new(
            "DEV-010",
            Severity::Error,
            format!(
                "集中培训{}{}，不足 {} 天或 {} 学时",
                days.map(|d| format!(" {d} 天")).unwrap_or_default(),
                f.training_hours
                    .map(|h| format!(" {h} 学时"))
                    .unwrap_or_default(),
                n.training_days,
                n.training_hours
            ),
        )
        .key("length")
        .step(Step::TrainingEnd, end);
        if let Some(s) = start {
            hit = hit.step(Step::TrainingStart, s);
        }
        out.push(hit);
    }
    if end >= gm {
        out.push(
            Hit::new(
                "DEV-010",
                Severity::Error,
                format!(
                    "集中培训结束（{}）不早于支部大会（{}），应在讨论接收前完成培训",
                    fd(end),
                    fd(gm)
                ),
            )
            .key("order")
            .step(Step::TrainingEnd, end)
            .step(Step::GeneralMeeting, gm),
        );
    }
}

fn dev_011(p: &PersonFacts, out: &mut Vec<Hit>) {
    let Some(f) = p.file else { return };
    let Some(gm) = f.get(Step::GeneralMeeting) else {
        return;
    };
    let Some(v) = f.votes else {
        out.push(
            Hit::new(
                "DEV-011",
                Severity::Error,
                format!("支部大会（{}）没有表决人数记录，无法确认会议有效", fd(gm)),
            )
            .key("missing")
            .step(Step::GeneralMeeting, gm),
        );
        return;
    };
    if v.present * 2 <= v.entitled {
        out.push(
            Hit::new(
                "DEV-011",
                Severity::Error,
                format!(
                    "实到会有表决权的党员 {} 人，未超过应到 {} 人的半数，会议不能进行表决",
                    v.present, v.entitled
                ),
            )
            .key("quorum")
            .step(Step::GeneralMeeting, gm),
        );
    }
    if v.in_favour * 2 <= v.entitled {
        out.push(
            Hit::new(
                "DEV-011",
                Severity::Error,
                format!(
                    "赞成票 {} 张，未超过应到会有表决权党员 {} 人的半数，不能通过接收",
                    v.in_favour, v.entitled
                ),
            )
            .key("votes")
            .step(Step::GeneralMeeting, gm),
        );
    }
}

fn dev_012(p: &PersonFacts, out: &mut Vec<Hit>) {
    required_before(
        p,
        out,
        "DEV-012",
        Step::UpperTalk,
        Step::Approval,
        |t| {
            format!(
                "上级党委审批（{}）前没有派人谈话的记录：请补登谈话日期，确未谈话的应由上级党委补办谈话",
                fd(t)
            )
        },
        |d, t| {
            format!(
                "上级党委谈话（{}）晚于审批（{}）：请核实日期，确属审批后谈话的应在档案中说明",
                fd(d),
                fd(t)
            )
        },
    );
}

fn dev_013(cfg: &RuleConfig, as_of: NaiveDate, p: &PersonFacts, out: &mut Vec<Hit>) {
    let Some(f) = p.file else { return };
    let Some(gm) = f.get(Step::GeneralMeeting) else {
        return;
    };
    let n = cfg.at(gm);
    let normal = add_months(gm, n.approval_months);
    let extended = add_months(gm, n.approval_extended_months);
    let reason = f.extension_reason.as_deref().is_some_and(|r| !r.is_empty());
    let limit = if reason { extended } else { normal };
    let approval = f.get(Step::Approval);
    let late = match approval {
        Some(a) => a > limit,
        None => as_of > limit,
    };
    if !late {
        return;
    }
    let how = if reason {
        format!(
            "超过延长后的 {} 个月期限（{}）",
            n.approval_extended_months,
            fd(extended)
        )
    } else {
        format!(
            "超过 {} 个月期限（{}），且未登记延长审批原因",
            n.approval_months,
            fd(normal)
        )
    };
    let mut hit = match approval {
        Some(a) => Hit::new(
            "DEV-013",
            Severity::Error,
            format!("支部大会（{}）后至审批（{}）{how}", fd(gm), fd(a)),
        )
        .step(Step::Approval, a),
        None => Hit::new(
            "DEV-013",
            Severity::Error,
            format!(
                "支部大会（{}）通过接收后尚未审批，已{how}，请上级党委尽快审批",
                fd(gm)
            ),
        ),
    }
    .step(Step::GeneralMeeting, gm);
    hit.due = Some(limit);
    out.push(hit);
}

fn dev_014(p: &PersonFacts, out: &mut Vec<Hit>) {
    let Some(f) = p.file else { return };
    let (Some(gm), Some(_), Some(adm)) = (
        f.get(Step::GeneralMeeting),
        f.get(Step::Approval),
        p.admission,
    ) else {
        return;
    };
    if adm != gm {
        out.push(
            Hit::new(
                "DEV-014",
                Severity::Error,
                format!(
                    "入党日期记为 {}，应为支部大会通过之日 {}（预备期自该日起计算），请更正",
                    fd(adm),
                    fd(gm)
                ),
            )
            .date("admission_date", adm)
            .step(Step::GeneralMeeting, gm),
        );
    }
}

fn dev_015(cfg: &RuleConfig, as_of: NaiveDate, p: &PersonFacts, out: &mut Vec<Hit>) {
    let Some(f) = p.file else { return };
    let Some(gm) = f.get(Step::GeneralMeeting) else {
        return;
    };
    let n = cfg.at(gm);
    let Some(end) = f.probation_end(n.probation_months) else {
        return;
    };
    if let Some(cm) = f.get(Step::ConversionMeeting) {
        if cm < end {
            out.push(
                Hit::new(
                    "DEV-015",
                    Severity::Error,
                    format!(
                        "转正支部大会（{}）早于预备期满（{}）：请核实日期；确属提前讨论的，应在预备期满后重新讨论",
                        fd(cm),
                        fd(end)
                    ),
                )
                .key("early")
                .step(Step::ConversionMeeting, cm)
                .date("probation_end", end),
            );
        }
        let months = cfg.at(cm).conversion_approval_months;
        let limit = add_months(cm, months);
        match f.get(Step::ConversionApproval) {
            Some(a) if a > limit => out.push(
                Hit::new(
                    "DEV-015",
                    Severity::Error,
                    format!(
                        "转正审批（{}）超过转正支部大会后 {months} 个月（{}）",
                        fd(a),
                        fd(limit)
                    ),
                )
                .key("late")
                .step(Step::ConversionMeeting, cm)
                .step(Step::ConversionApproval, a),
            ),
            None if as_of > limit => out.push(
                Hit::new(
                    "DEV-015",
                    Severity::Error,
                    format!(
                        "转正支部大会（{}）后已超过 {months} 个月尚未审批，请上级党委尽快审批",
                        fd(cm)
                    ),
                )
                .key("late")
                .step(Step::ConversionMeeting, cm)
                .due(limit),
            ),
            _ => {}
        }
    }
}

fn dev_016(cfg: &RuleConfig, p: &PersonFacts, out: &mut Vec<Hit>) {
    let Some(f) = p.file else { return };
    let (Some(m), Some(gm)) = (f.probation_extension_months, f.get(Step::GeneralMeeting)) else {
        return;
    };
    let n = cfg.at(gm);
    if m < n.extension_min_months || m > n.extension_max_months {
        out.push(
            Hit::new(
                "DEV-016",
                Severity::Error,
                format!(
                    "预备期延长 {m} 个月，应不少于 {} 个月、不超过 {} 个月：请核实支部大会的决定，按规定期限更正",
                    n.extension_min_months, n.extension_max_months
                ),
            )
            .step(Step::GeneralMeeting, gm),
        );
    }
}

fn dev_017(cfg: &RuleConfig, p: &PersonFacts, out: &mut Vec<Hit>) {
    let Some(conv) = p.conversion else { return };
    match p
        .file
        .and_then(|f| f.get(Step::GeneralMeeting).map(|gm| (f, gm)))
    {
        Some((f, gm)) => {
            let Some(end) = f.probation_end(cfg.at(gm).probation_months) else {
                return;
            };
            if conv != end {
                out.push(
                    Hit::new(
                        "DEV-017",
                        Severity::Error,
                        format!(
                            "转正日期（党龄起算日）记为 {}，应为预备期满之日 {}，请更正",
                            fd(conv),
                            fd(end)
                        ),
                    )
                    .date("conversion_date", conv)
                    .date("probation_end", end),
                );
            }
        }
        None => {
            // Roster only: a year after admission, or 18–24 months with an extension.
            let Some(adm) = p.admission else { return };
            let n = cfg.at(adm);
            let year = add_months(adm, n.probation_months);
            let ext_lo = add_months(adm, n.probation_months + n.extension_min_months);
            let ext_hi = add_months(adm, n.probation_months + n.extension_max_months);
            if conv != year && !(conv >= ext_lo && conv <= ext_hi) {
                out.push(
                    Hit::new(
                        "DEV-017",
                        Severity::Error,
                        format!(
                            "转正日期（党龄起算日）记为 {}，与入党日期 {} 不符：应为预备期满之日 {}（延长预备期的为延长期满之日）",
                            fd(conv),
                            fd(adm),
                            fd(year)
                        ),
                    )
                    .date("admission_date", adm)
                    .date("conversion_date", conv),
                );
            }
        }
    }
}

fn dev_018(cfg: &RuleConfig, as_of: NaiveDate, p: &PersonFacts, out: &mut Vec<Hit>) {
    if p.status != MemberStatus::Activist || p.step(Step::Candidate).is_some() {
        return;
    }
    let Some(a) = p.step(Step::Activist) else {
        return;
    };
    let last = p
        .file
        .and_then(|f| f.assessments.iter().copied().filter(|d| *d <= as_of).max())
        .map_or(a, |x| x.max(a));
    let months = cfg.at(last).assessment_months;
    let due = add_months(last, months);
    if as_of > due {
        out.push(
            Hit::new(
                "DEV-018",
                Severity::Warning,
                format!(
                    "入党积极分子上次考察（或确定）为 {}，已超过 {months} 个月，请及时考察并登记",
                    fd(last)
                ),
            )
            .date("last_assessment", last)
            .due(due),
        );
    }
}

fn dev_019(cfg: &RuleConfig, as_of: NaiveDate, p: &PersonFacts, out: &mut Vec<Hit>) {
    if p.status != MemberStatus::Probationary {
        return;
    }
    let (start, ext) = match p
        .file
        .and_then(|f| f.get(Step::GeneralMeeting).map(|gm| (f, gm)))
    {
        Some((f, gm)) => {
            if f.get(Step::ConversionApplication).is_some() {
                return;
            }
            (gm, f.probation_extension_months.unwrap_or(0))
        }
        None => match p.admission {
            Some(a) => (a, 0),
            None => return,
        },
    };
    let n = cfg.at(start);
    let end = add_months(start, n.probation_months + ext);
    let left = (end - as_of).num_days();
    if (0..=n.probation_warning_days).contains(&left) {
        out.push(
            Hit::new(
                "DEV-019",
                Severity::Warning,
                format!(
                    "预备期将于 {} 届满（{}），尚未登记转正申请，请提醒本人及时提出",
                    fd(end),
                    days_left(left)
                ),
            )
            .due(end),
        );
    }
}

/// DEV-022: probation has ended and the branch general meeting has not discussed the
/// conversion: reported from the end of probation, with the deadline `conversion_meeting_days`
/// later (〔党章〕第七条: 预备期满，党的支部应当及时讨论他能否转为正式党员).
fn dev_022(cfg: &RuleConfig, as_of: NaiveDate, p: &PersonFacts, out: &mut Vec<Hit>) {
    if p.status != MemberStatus::Probationary {
        return;
    }
    let (start, ext) = match p
        .file
        .and_then(|f| f.get(Step::GeneralMeeting).map(|gm| (f, gm)))
    {
        Some((f, gm)) => {
            if f.get(Step::ConversionMeeting).is_some() {
                return;
            }
            (gm, f.probation_extension_months.unwrap_or(0))
        }
        None => match p.admission {
            Some(a) => (a, 0),
            None => return,
        },
    };
    let n = cfg.at(start);
    let end = add_months(start, n.probation_months + ext);
    if as_of <= end {
        return;
    }
    let due = end + chrono::Duration::days(n.conversion_meeting_days);
    let message = if as_of > due {
        format!(
            "预备期已于 {} 届满，超过 {} 天仍未召开支部大会讨论转正，请尽快讨论（能否转正、延长预备期或取消预备党员资格）",
            fd(end),
            n.conversion_meeting_days
        )
    } else {
        format!(
            "预备期已于 {} 届满，支部大会应在 {} 前讨论其能否转为正式党员",
            fd(end),
            fd(due)
        )
    };
    out.push(
        Hit::new("DEV-022", Severity::Warning, message)
            .key("conversion_meeting")
            .date("probation_end", end)
            .due(due),
    );
}

fn dev_020(cfg: &RuleConfig, as_of: NaiveDate, p: &PersonFacts, out: &mut Vec<Hit>) {
    let Some(f) = p.file else { return };
    let mut warn = |key: &str, what: &str, from: NaiveDate, limit: NaiveDate, days: i64| {
        let left = (limit - as_of).num_days();
        if (0..=days).contains(&left) {
            out.push(
                Hit::new(
                    "DEV-020",
                    Severity::Warning,
                    format!(
                        "{what}（{}）的审批期限为 {}（{}），请上级党委及时审批",
                        fd(from),
                        fd(limit),
                        days_left(left)
                    ),
                )
                .key(key.to_string())
                .due(limit),
            );
        }
    };
    if let (Some(gm), None) = (f.get(Step::GeneralMeeting), f.get(Step::Approval)) {
        let n = cfg.at(gm);
        let reason = f.extension_reason.as_deref().is_some_and(|r| !r.is_empty());
        let months = if reason {
            n.approval_extended_months
        } else {
            n.approval_months
        };
        warn(
            "admission",
            "接收预备党员的支部大会",
            gm,
            add_months(gm, months),
            n.approval_warning_days,
        );
    }
    if let (Some(cm), None) = (
        f.get(Step::ConversionMeeting),
        f.get(Step::ConversionApproval),
    ) {
        let n = cfg.at(cm);
        warn(
            "conversion",
            "讨论转正的支部大会",
            cm,
            add_months(cm, n.conversion_approval_months),
            n.approval_warning_days,
        );
    }
}

fn dev_021(p: &PersonFacts, out: &mut Vec<Hit>) {
    let Some(f) = p.file else { return };
    for (key, step, approver, what) in [
        ("admission", Step::Approval, &f.approver, "接收预备党员"),
        (
            "conversion",
            Step::ConversionApproval,
            &f.conversion_approver,
            "预备党员转正",
        ),
    ] {
        let (Some(d), Some(a)) = (f.get(step), approver) else {
            continue;
        };
        if !a.holds_approval_power() {
            let who = match &f.expected_approver {
                Some(e) => format!("应由{e}审批"),
                None => "应由具有审批权的基层党委审批".to_string(),
            };
            out.push(
                Hit::new(
                    "DEV-021",
                    Severity::Error,
                    format!(
                        "{what}由{}（{}）审批，该组织没有审批权，{who}；请核实审批手续，由有审批权的党委补办或确认",
                        a.name,
                        a.kind.label()
                    ),
                )
                .key(key)
                .step(step, d),
            );
        }
    }
}

/// The next step due in a person's procedure, with its deadline where the rules set one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NextStep {
    pub step: Step,
    pub due: Option<NaiveDate>,
}

impl NextStep {
    pub fn label(&self) -> &'static str {
        match self.step {
            Step::Activist => "确定入党积极分子",
            Step::Candidate => "培养考察（半年一次）",
            Step::TrainingEnd => "集中培训",
            s => s.label().trim_end_matches("日期"),
        }
    }
}

/// The next step for a person in the pipeline (applicants to probationary members).
pub fn next_step(cfg: &RuleConfig, p: &PersonFacts) -> Option<NextStep> {
    let at = |s: Step| p.step(s);
    let missing = |s: Step| at(s).is_none();
    let next = |step, due| Some(NextStep { step, due });
    let file = p.file;
    match p.status {
        MemberStatus::Applicant => {
            let app = at(Step::Application);
            if missing(Step::Talk) {
                let due = app.map(|a| add_months(a, cfg.at(a).talk_within_months));
                next(Step::Talk, due)
            } else {
                next(Step::Activist, None)
            }
        }
        MemberStatus::Activist => {
            let a = at(Step::Activist)?;
            if file.is_some() && missing(Step::ActivistFiled) {
                return next(
                    Step::ActivistFiled,
                    Some(a + chrono::TimeDelta::days(cfg.at(a).filing_days)),
                );
            }
            let last = file
                .and_then(|f| f.assessments.iter().copied().max())
                .map_or(a, |x| x.max(a));
            next(
                Step::Candidate,
                Some(add_months(last, cfg.at(last).assessment_months)),
            )
        }
        MemberStatus::Candidate => {
            let f = file?;
            let c = f.get(Step::Candidate);
            for step in [
                Step::CandidateFiled,
                Step::PoliticalReview,
                Step::TrainingEnd,
                Step::CommitteeReview,
                Step::Precheck,
                Step::GeneralMeeting,
                Step::UpperTalk,
            ] {
                if missing(step) {
                    let due = match (step, c) {
                        (Step::CandidateFiled, Some(c)) => {
                            Some(c + chrono::TimeDelta::days(cfg.at(c).filing_days))
                        }
                        _ => None,
                    };
                    return next(step, due);
                }
            }
            let gm = f.get(Step::GeneralMeeting)?;
            let n = cfg.at(gm);
            let reason = f.extension_reason.as_deref().is_some_and(|r| !r.is_empty());
            let months = if reason {
                n.approval_extended_months
            } else {
                n.approval_months
            };
            next(Step::Approval, Some(add_months(gm, months)))
        }
        MemberStatus::Probationary => {
            let start = file
                .and_then(|f| f.get(Step::GeneralMeeting))
                .or(p.admission)?;
            let n = cfg.at(start);
            let ext = file.and_then(|f| f.probation_extension_months).unwrap_or(0);
            let end = add_months(start, n.probation_months + ext);
            // On the roster as probationary, but the file has no approval yet.
            if let Some(f) = file.filter(|f| f.get(Step::GeneralMeeting).is_some()) {
                let reason = f.extension_reason.as_deref().is_some_and(|r| !r.is_empty());
                let months = if reason {
                    n.approval_extended_months
                } else {
                    n.approval_months
                };
                let due = Some(add_months(start, months));
                if missing(Step::UpperTalk) {
                    return next(Step::UpperTalk, due);
                }
                if missing(Step::Approval) {
                    return next(Step::Approval, due);
                }
            }
            if file.is_some() && missing(Step::Oath) {
                return next(Step::Oath, None);
            }
            if missing(Step::ConversionApplication) {
                return next(Step::ConversionApplication, Some(end));
            }
            match at(Step::ConversionMeeting) {
                None => next(Step::ConversionMeeting, Some(end)),
                Some(cm) => next(
                    Step::ConversionApproval,
                    Some(add_months(cm, cfg.at(cm).conversion_approval_months)),
                ),
            }
        }
        MemberStatus::Full => None,
    }
}

/// What the check knows of an organisation.
#[derive(Debug, Clone)]
pub struct OrgFacts<'a> {
    pub kind: OrgType,
    pub sector: Sector,
    pub secretary: Option<&'a str>,
    pub deputies: usize,
    /// Committee members on record (委员, besides the secretary and deputies).
    pub committee_members: usize,
    pub term_start: Option<NaiveDate>,
    /// End of term on record: a postponement approved by the upper organisation moves it.
    pub term_end: Option<NaiveDate>,
    /// Party members (probationary and full) on the roster today.
    pub members: i64,
    pub full_members: i64,
}

/// All organisation rules as of `as_of`.
pub fn check_org(cfg: &RuleConfig, as_of: NaiveDate, o: &OrgFacts) -> Vec<Hit> {
    let n = cfg.at(as_of);
    let mut out = Vec::new();
    if o.kind.is_branch() {
        if o.full_members < n.branch_min_full {
            out.push(Hit::new(
                "ORG-001",
                Severity::Error,
                format!(
                    "党支部只有 {} 名正式党员，不足 {} 名，应与其他单位联合成立党支部或调整设置",
                    o.full_members, n.branch_min_full
                ),
            ));
        }
        // 〔支部条例〕第二十条: a committee where there are seven or more *full* members.
        let has_committee = o.committee_members > 0;
        if o.full_members >= n.branch_committee_from && !has_committee {
            out.push(
                Hit::new(
                    "ORG-002",
                    Severity::Warning,
                    format!(
                        "正式党员 {} 人（{} 人以上），应设立支部委员会，请登记支委会成员",
                        o.full_members, n.branch_committee_from
                    ),
                )
                .key("committee"),
            );
        }
        if o.full_members < n.branch_committee_from && (has_committee || o.deputies > 1) {
            out.push(
                Hit::new(
                    "ORG-002",
                    Severity::Warning,
                    format!(
                        "正式党员 {} 人（不足 {} 人），不设支部委员会，设书记一名、必要时设副书记一名",
                        o.full_members, n.branch_committee_from
                    ),
                )
                .key("no_committee"),
            );
        }
        if o.members > n.branch_max_members {
            let advice = if o.members >= n.committee_suggested_from {
                "可成立基层党委"
            } else {
                "可成立党总支"
            };
            out.push(Hit::new(
                "ORG-003",
                Severity::Warning,
                format!(
                    "党支部有 {} 名党员，超过 {} 人，{advice}",
                    o.members, n.branch_max_members
                ),
            ));
        }
    }
    if o.kind != OrgType::PartyGroup {
        org_004(n, as_of, o, &mut out);
        if o.secretary.is_none_or(|s| s.trim().is_empty()) {
            out.push(Hit::new(
                "ORG-005",
                Severity::Warning,
                "未登记书记，请在组织信息中登记".to_string(),
            ));
        }
    }
    out.retain(|h| cfg.enabled(h.rule));
    out
}

fn org_004(n: &Numbers, as_of: NaiveDate, o: &OrgFacts, out: &mut Vec<Hit>) {
    let Some(start) = o.term_start else { return };
    let years = o.kind.term_years(o.sector);
    let due = add_months(start, years * 12);
    let latest = add_months(due, n.term_postpone_months);
    let end = match o.term_end {
        Some(e) if e > due => e.min(latest),
        _ => due,
    };
    if o.term_end.is_some_and(|e| e > latest) {
        out.push(
            Hit::new(
                "ORG-004",
                Severity::Error,
                format!(
                    "换届延期至 {}，超过了任期届满（{}）后最多延期 {} 个月的限度",
                    fd(o.term_end.unwrap_or(latest)),
                    fd(due),
                    n.term_postpone_months
                ),
            )
            .key("postponement")
            .date("term_start", start)
            .due(latest),
        );
    }
    let left = (end - as_of).num_days();
    if left < 0 {
        out.push(
            Hit::new(
                "ORG-004",
                Severity::Error,
                format!(
                    "任期（{} 年，{} 起）已于 {} 届满，尚未换届，请按期换届或报上级批准延期",
                    years,
                    fd(start),
                    fd(end)
                ),
            )
            .key("expired")
            .date("term_start", start)
            .due(end),
        );
    } else if left <= n.term_warning_days {
        out.push(
            Hit::new(
                "ORG-004",
                Severity::Warning,
                format!(
                    "任期将于 {} 届满（{}），请做好换届准备",
                    fd(end),
                    days_left(left)
                ),
            )
            .key("expiring")
            .date("term_start", start)
            .due(end),
        );
    }
}

#[cfg(test)]
mod tests;
