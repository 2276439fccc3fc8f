//! Development of members (发展党员): DEV-001..022 over a person's roster dates and
//! development file, and the next step due in the procedure.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{
    days_left, fd, in_range, Check, Family, Hit, PersonFacts, RuleConfig, RuleEntry, Severity,
};
use crate::dates::{add_days, add_months, years_between};
use crate::development::{SponsorRole, Standing, Step};
use crate::members::MemberStatus;

/// The numbers of the development rules. Defaults are the national texts; fields marked
/// *local* are common local practice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DevelopmentNumbers {
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
    /// DEV-018..020 (and MEM-003): how far ahead warnings start.
    pub probation_warning_days: i64,
    pub approval_warning_days: i64,
}

impl Default for DevelopmentNumbers {
    fn default() -> Self {
        DevelopmentNumbers {
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
            conversion_meeting_days: 30,
            probation_warning_days: 30,
            approval_warning_days: 14,
        }
    }
}

impl DevelopmentNumbers {
    /// The first number out of its allowed range, in words for the person who set it.
    pub fn validate(&self) -> Result<(), String> {
        in_range(self.min_age, 14, 40, "申请入党的最低年龄", "min_age")?;
        in_range(
            self.talk_within_months,
            1,
            12,
            "谈话期限月数",
            "talk_within_months",
        )?;
        in_range(self.filing_days, 1, 365, "备案期限天数", "filing_days")?;
        in_range(
            self.contacts_min,
            1,
            10,
            "培养联系人最少人数",
            "contacts_min",
        )?;
        in_range(
            self.contacts_max,
            1,
            10,
            "培养联系人最多人数",
            "contacts_max",
        )?;
        if self.contacts_min > self.contacts_max {
            return Err(format!(
                "培养联系人最少人数（contacts_min）须不大于最多人数（contacts_max {}），现为 {}",
                self.contacts_max, self.contacts_min
            ));
        }
        in_range(
            self.assessment_months,
            1,
            24,
            "考察间隔月数",
            "assessment_months",
        )?;
        in_range(
            self.candidate_after_months,
            1,
            60,
            "确定发展对象前的培养月数",
            "candidate_after_months",
        )?;
        in_range(self.introducers, 1, 10, "入党介绍人人数", "introducers")?;
        in_range(self.training_days, 1, 60, "集中培训天数", "training_days")?;
        if !(self.training_hours > 0.0 && self.training_hours <= 500.0) {
            return Err(format!(
                "集中培训学时（training_hours）须为大于 0、不超过 500 的数，现为 {}",
                self.training_hours
            ));
        }
        in_range(
            self.approval_months,
            1,
            24,
            "审批期限月数",
            "approval_months",
        )?;
        in_range(
            self.approval_extended_months,
            1,
            24,
            "延长后的审批期限月数",
            "approval_extended_months",
        )?;
        if self.approval_months > self.approval_extended_months {
            return Err(format!(
                "审批期限月数（approval_months）须不大于延长后的审批期限月数（approval_extended_months {}），现为 {}",
                self.approval_extended_months, self.approval_months
            ));
        }
        in_range(
            self.probation_months,
            1,
            36,
            "预备期月数",
            "probation_months",
        )?;
        in_range(
            self.conversion_approval_months,
            1,
            24,
            "转正审批期限月数",
            "conversion_approval_months",
        )?;
        in_range(
            self.extension_min_months,
            1,
            24,
            "延长预备期最少月数",
            "extension_min_months",
        )?;
        in_range(
            self.extension_max_months,
            1,
            24,
            "延长预备期最多月数",
            "extension_max_months",
        )?;
        if self.extension_min_months > self.extension_max_months {
            return Err(format!(
                "延长预备期最少月数（extension_min_months）须不大于最多月数（extension_max_months {}），现为 {}",
                self.extension_max_months, self.extension_min_months
            ));
        }
        in_range(
            self.conversion_meeting_days,
            0,
            365,
            "预备期满后讨论转正的天数",
            "conversion_meeting_days",
        )?;
        in_range(
            self.probation_warning_days,
            0,
            365,
            "预备期届满提前提醒天数",
            "probation_warning_days",
        )?;
        in_range(
            self.approval_warning_days,
            0,
            365,
            "审批期限提前提醒天数",
            "approval_warning_days",
        )
    }
}

/// The development numbers in force on `day`.
fn numbers(cfg: &RuleConfig, day: NaiveDate) -> &DevelopmentNumbers {
    &cfg.at(day).development
}

const fn entry(
    id: &'static str,
    severity: Severity,
    title: &'static str,
    check: Check,
) -> RuleEntry {
    RuleEntry {
        id,
        severity,
        title,
        family: Family::Development,
        check,
    }
}

pub(super) const RULES: &[RuleEntry] = &[
    entry(
        "DEV-001",
        Severity::Error,
        "申请入党时年满十八周岁",
        Check::Person(dev_001),
    ),
    entry(
        "DEV-002",
        Severity::Error,
        "收到入党申请一个月内派人谈话",
        Check::Person(dev_002),
    ),
    entry(
        "DEV-003",
        Severity::Error,
        "发展步骤按程序顺序进行",
        Check::Person(dev_003),
    ),
    entry(
        "DEV-004",
        Severity::Error,
        "积极分子、发展对象报上级党委备案",
        Check::Person(dev_004),
    ),
    entry(
        "DEV-005",
        Severity::Error,
        "积极分子有一至两名正式党员作培养联系人",
        Check::Person(dev_005),
    ),
    entry(
        "DEV-006",
        Severity::Error,
        "积极分子每半年至少考察一次",
        Check::Person(dev_006),
    ),
    entry(
        "DEV-007",
        Severity::Error,
        "确定积极分子满一年方可确定为发展对象",
        Check::Person(dev_007),
    ),
    entry(
        "DEV-008",
        Severity::Error,
        "发展对象有两名正式党员作入党介绍人",
        Check::Person(dev_008),
    ),
    entry(
        "DEV-009",
        Severity::Error,
        "支委会审查前完成政治审查",
        Check::Person(dev_009),
    ),
    entry(
        "DEV-010",
        Severity::Error,
        "集中培训不少于三天或二十四学时，且在支部大会前结束",
        Check::Person(dev_010),
    ),
    entry(
        "DEV-011",
        Severity::Error,
        "支部大会到会人数、赞成票均超过应到会有表决权人数的半数",
        Check::Person(dev_011),
    ),
    entry(
        "DEV-012",
        Severity::Error,
        "审批前上级党委派人谈话",
        Check::Person(dev_012),
    ),
    entry(
        "DEV-013",
        Severity::Error,
        "支部大会后三个月内审批（有原因的最长六个月）",
        Check::Person(dev_013),
    ),
    entry(
        "DEV-014",
        Severity::Error,
        "预备期自支部大会通过之日起计算一年",
        Check::Person(dev_014),
    ),
    entry(
        "DEV-015",
        Severity::Error,
        "预备期满后讨论转正，三个月内审批",
        Check::Person(dev_015),
    ),
    entry(
        "DEV-016",
        Severity::Error,
        "延长预备期不少于半年、不超过一年",
        Check::Person(dev_016),
    ),
    entry(
        "DEV-017",
        Severity::Error,
        "党龄自预备期满之日起计算",
        Check::Person(dev_017),
    ),
    entry(
        "DEV-018",
        Severity::Warning,
        "积极分子超过半年未考察",
        Check::Person(dev_018),
    ),
    entry(
        "DEV-019",
        Severity::Warning,
        "预备期即将届满尚未提出转正申请",
        Check::Person(dev_019),
    ),
    entry(
        "DEV-020",
        Severity::Warning,
        "审批期限即将届满",
        Check::Person(dev_020),
    ),
    entry(
        "DEV-021",
        Severity::Error,
        "由有审批权的基层党委审批",
        Check::Person(dev_021),
    ),
    entry(
        "DEV-022",
        Severity::Warning,
        "预备期满及时讨论转正",
        Check::Person(dev_022),
    ),
];

fn dev_001(cfg: &RuleConfig, _as_of: NaiveDate, p: &PersonFacts, out: &mut Vec<Hit>) {
    let Some(app) = p.step(Step::Application) else {
        return;
    };
    let min = numbers(cfg, app).min_age;
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
    let months = numbers(cfg, app).talk_within_months;
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

fn dev_003(_cfg: &RuleConfig, _as_of: NaiveDate, p: &PersonFacts, out: &mut Vec<Hit>) {
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
        let days = numbers(cfg, d).filing_days;
        let due = add_days(d, days);
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

fn dev_005(cfg: &RuleConfig, _as_of: NaiveDate, p: &PersonFacts, out: &mut Vec<Hit>) {
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

fn dev_008(cfg: &RuleConfig, _as_of: NaiveDate, p: &PersonFacts, out: &mut Vec<Hit>) {
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
    range: impl Fn(&DevelopmentNumbers) -> (usize, usize),
) {
    let Some(f) = p.file else { return };
    let Some(d) = f.get(step) else { return };
    let named: Vec<_> = f.sponsors(role).collect();
    // An imported file that names nobody says nothing about them (see `Source`).
    if !f.sponsors_known && named.is_empty() {
        return;
    }
    let (lo, hi) = range(numbers(cfg, d));
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

fn dev_006(cfg: &RuleConfig, _as_of: NaiveDate, p: &PersonFacts, out: &mut Vec<Hit>) {
    let Some(f) = p.file else { return };
    let Some(start) = f.get(Step::Activist) else {
        return;
    };
    let Some(end) = f.get(Step::Candidate) else {
        // Still an activist: the open gap is DEV-018's warning.
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
        let months = numbers(cfg, a).assessment_months;
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

fn dev_007(cfg: &RuleConfig, _as_of: NaiveDate, p: &PersonFacts, out: &mut Vec<Hit>) {
    let (Some(a), Some(c)) = (p.step(Step::Activist), p.step(Step::Candidate)) else {
        return;
    };
    let months = numbers(cfg, c).candidate_after_months;
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

fn dev_009(_cfg: &RuleConfig, _as_of: NaiveDate, p: &PersonFacts, out: &mut Vec<Hit>) {
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

fn dev_010(cfg: &RuleConfig, _as_of: NaiveDate, p: &PersonFacts, out: &mut Vec<Hit>) {
    let Some(f) = p.file else { return };
    let Some(gm) = f.get(Step::GeneralMeeting) else {
        return;
    };
    let (start, end) = (f.get(Step::TrainingStart), f.get(Step::TrainingEnd));
    let n = numbers(cfg, gm);
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

fn dev_011(_cfg: &RuleConfig, _as_of: NaiveDate, p: &PersonFacts, out: &mut Vec<Hit>) {
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
    if i64::from(v.present) * 2 <= i64::from(v.entitled) {
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
    if i64::from(v.in_favour) * 2 <= i64::from(v.entitled) {
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

fn dev_012(_cfg: &RuleConfig, _as_of: NaiveDate, p: &PersonFacts, out: &mut Vec<Hit>) {
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
    let n = numbers(cfg, gm);
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

fn dev_014(_cfg: &RuleConfig, _as_of: NaiveDate, p: &PersonFacts, out: &mut Vec<Hit>) {
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
    let n = numbers(cfg, gm);
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
        let months = numbers(cfg, cm).conversion_approval_months;
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

fn dev_016(cfg: &RuleConfig, _as_of: NaiveDate, p: &PersonFacts, out: &mut Vec<Hit>) {
    let Some(f) = p.file else { return };
    let (Some(m), Some(gm)) = (f.probation_extension_months, f.get(Step::GeneralMeeting)) else {
        return;
    };
    let n = numbers(cfg, gm);
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

fn dev_017(cfg: &RuleConfig, _as_of: NaiveDate, p: &PersonFacts, out: &mut Vec<Hit>) {
    let Some(conv) = p.conversion else { return };
    match p
        .file
        .and_then(|f| f.get(Step::GeneralMeeting).map(|gm| (f, gm)))
    {
        Some((f, gm)) => {
            let Some(end) = f.probation_end(numbers(cfg, gm).probation_months) else {
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
            let n = numbers(cfg, adm);
            let year = add_months(adm, n.probation_months);
            let ext_lo = add_months(
                adm,
                n.probation_months.saturating_add(n.extension_min_months),
            );
            let ext_hi = add_months(
                adm,
                n.probation_months.saturating_add(n.extension_max_months),
            );
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
    let months = numbers(cfg, last).assessment_months;
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
    let n = numbers(cfg, start);
    let end = add_months(start, n.probation_months.saturating_add(ext));
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
    let n = numbers(cfg, start);
    let end = add_months(start, n.probation_months.saturating_add(ext));
    if as_of <= end {
        return;
    }
    let due = add_days(end, n.conversion_meeting_days);
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
        let n = numbers(cfg, gm);
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
        let n = numbers(cfg, cm);
        warn(
            "conversion",
            "讨论转正的支部大会",
            cm,
            add_months(cm, n.conversion_approval_months),
            n.approval_warning_days,
        );
    }
}

fn dev_021(_cfg: &RuleConfig, _as_of: NaiveDate, p: &PersonFacts, out: &mut Vec<Hit>) {
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
                let due = app.map(|a| add_months(a, numbers(cfg, a).talk_within_months));
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
                    Some(add_days(a, numbers(cfg, a).filing_days)),
                );
            }
            let last = file
                .and_then(|f| f.assessments.iter().copied().max())
                .map_or(a, |x| x.max(a));
            next(
                Step::Candidate,
                Some(add_months(last, numbers(cfg, last).assessment_months)),
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
                            Some(add_days(c, numbers(cfg, c).filing_days))
                        }
                        _ => None,
                    };
                    return next(step, due);
                }
            }
            let gm = f.get(Step::GeneralMeeting)?;
            let n = numbers(cfg, gm);
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
            let n = numbers(cfg, start);
            let ext = file.and_then(|f| f.probation_extension_months).unwrap_or(0);
            let end = add_months(start, n.probation_months.saturating_add(ext));
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
                    Some(add_months(cm, numbers(cfg, cm).conversion_approval_months)),
                ),
            }
        }
        MemberStatus::Full => None,
    }
}
