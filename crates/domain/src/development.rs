//! The member-development file (发展档案): the dated steps of the five stages and 25 steps of
//! the 《中国共产党发展党员工作细则》, the people named in it and the votes taken.
//!
//! A file records what happened; it does not refuse history. What the rules forbid is found by
//! [`crate::compliance`], except the few things a form refuses outright (see
//! [`DevFile::refusals`]).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::dates::add_months;
use crate::members::MemberStatus;
use crate::org::{OrgType, Sector};

/// The dated steps that the file keeps, in procedure order, with their number among the
/// 25 steps and their Chinese name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Application,
    Talk,
    Activist,
    ActivistFiled,
    Candidate,
    CandidateFiled,
    PoliticalReview,
    TrainingStart,
    TrainingEnd,
    CommitteeReview,
    Precheck,
    GeneralMeeting,
    UpperTalk,
    Approval,
    UpperFiled,
    Oath,
    ConversionApplication,
    ConversionMeeting,
    ConversionApproval,
    Archived,
}

impl Step {
    pub const ALL: [Step; 20] = [
        Step::Application,
        Step::Talk,
        Step::Activist,
        Step::ActivistFiled,
        Step::Candidate,
        Step::CandidateFiled,
        Step::PoliticalReview,
        Step::TrainingStart,
        Step::TrainingEnd,
        Step::CommitteeReview,
        Step::Precheck,
        Step::GeneralMeeting,
        Step::UpperTalk,
        Step::Approval,
        Step::UpperFiled,
        Step::Oath,
        Step::ConversionApplication,
        Step::ConversionMeeting,
        Step::ConversionApproval,
        Step::Archived,
    ];

    /// Field name in forms, JSON and the database (`…_date`).
    pub fn field(self) -> &'static str {
        match self {
            Step::Application => "application_date",
            Step::Talk => "talk_date",
            Step::Activist => "activist_date",
            Step::ActivistFiled => "activist_filed_date",
            Step::Candidate => "candidate_date",
            Step::CandidateFiled => "candidate_filed_date",
            Step::PoliticalReview => "political_review_date",
            Step::TrainingStart => "training_start",
            Step::TrainingEnd => "training_end",
            Step::CommitteeReview => "committee_review_date",
            Step::Precheck => "precheck_date",
            Step::GeneralMeeting => "general_meeting_date",
            Step::UpperTalk => "upper_talk_date",
            Step::Approval => "approval_date",
            Step::UpperFiled => "upper_filed_date",
            Step::Oath => "oath_date",
            Step::ConversionApplication => "conversion_application_date",
            Step::ConversionMeeting => "conversion_meeting_date",
            Step::ConversionApproval => "conversion_approval_date",
            Step::Archived => "archived_files_date",
        }
    }

    /// Name as in the template sheet and on the file page.
    pub fn label(self) -> &'static str {
        match self {
            Step::Application => "申请入党日期",
            Step::Talk => "谈话日期",
            Step::Activist => "确定积极分子日期",
            Step::ActivistFiled => "积极分子备案日期",
            Step::Candidate => "确定发展对象日期",
            Step::CandidateFiled => "发展对象备案日期",
            Step::PoliticalReview => "政治审查日期",
            Step::TrainingStart => "集中培训开始日期",
            Step::TrainingEnd => "集中培训结束日期",
            Step::CommitteeReview => "支委会审查日期",
            Step::Precheck => "上级党委预审日期",
            Step::GeneralMeeting => "支部大会日期",
            Step::UpperTalk => "上级党委谈话日期",
            Step::Approval => "上级党委审批日期",
            Step::UpperFiled => "再上级党委备案日期",
            Step::Oath => "入党宣誓日期",
            Step::ConversionApplication => "转正申请日期",
            Step::ConversionMeeting => "转正支部大会日期",
            Step::ConversionApproval => "转正审批日期",
            Step::Archived => "材料归档日期",
        }
    }

    /// Number among the 25 steps of the 细则.
    pub fn number(self) -> u8 {
        match self {
            Step::Application => 1,
            Step::Talk => 2,
            Step::Activist => 3,
            Step::ActivistFiled => 4,
            Step::Candidate => 7,
            Step::CandidateFiled => 8,
            Step::PoliticalReview => 10,
            Step::TrainingStart | Step::TrainingEnd => 11,
            Step::CommitteeReview => 12,
            Step::Precheck => 13,
            Step::GeneralMeeting => 15,
            Step::UpperTalk => 16,
            Step::Approval => 17,
            Step::UpperFiled => 18,
            Step::Oath => 20,
            Step::ConversionApplication => 22,
            Step::ConversionMeeting => 23,
            Step::ConversionApproval => 24,
            Step::Archived => 25,
        }
    }

    /// Stage (1–5) of the procedure.
    pub fn stage(self) -> u8 {
        match self.number() {
            1..=2 => 1,
            3..=6 => 2,
            7..=11 => 3,
            12..=18 => 4,
            _ => 5,
        }
    }

    /// The step this one depends on: it may not come earlier (DEV-003).
    pub fn depends_on(self) -> Option<Step> {
        Some(match self {
            Step::Application => return None,
            Step::Talk => Step::Application,
            // The talk (step 2) comes before the designation as activist (step 3).
            Step::Activist => Step::Talk,
            Step::ActivistFiled => Step::Activist,
            Step::Candidate => Step::Activist,
            Step::CandidateFiled => Step::Candidate,
            Step::PoliticalReview => Step::Candidate,
            // Concentrated training is for candidates (step 11 after step 7), and the branch
            // committee reviews them after it (step 12).
            Step::TrainingStart => Step::Candidate,
            Step::TrainingEnd => Step::TrainingStart,
            Step::CommitteeReview => Step::TrainingEnd,
            Step::Precheck => Step::CommitteeReview,
            Step::GeneralMeeting => Step::Precheck,
            Step::UpperTalk => Step::GeneralMeeting,
            Step::Approval => Step::GeneralMeeting,
            Step::UpperFiled => Step::Approval,
            Step::Oath => Step::Approval,
            Step::ConversionApplication => Step::GeneralMeeting,
            Step::ConversionMeeting => Step::ConversionApplication,
            Step::ConversionApproval => Step::ConversionMeeting,
            Step::Archived => Step::ConversionApproval,
        })
    }

    pub fn parse_field(s: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|st| st.field() == s)
    }
}

/// Names of the five stages.
pub const STAGES: [&str; 5] = [
    "申请入党",
    "入党积极分子的确定和培养教育",
    "发展对象的确定和考察",
    "预备党员的接收",
    "预备党员的教育考察和转正",
];

/// Role of a person named in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SponsorRole {
    /// 培养联系人 (step 5).
    Contact,
    /// 入党介绍人 (step 9).
    Introducer,
}

impl SponsorRole {
    pub fn code(self) -> &'static str {
        match self {
            SponsorRole::Contact => "contact",
            SponsorRole::Introducer => "introducer",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            SponsorRole::Contact => "培养联系人",
            SponsorRole::Introducer => "入党介绍人",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "contact" | "培养联系人" => Some(SponsorRole::Contact),
            "introducer" | "入党介绍人" => Some(SponsorRole::Introducer),
            _ => None,
        }
    }
}

/// The answer when a sponsor's ID number names nobody the caller may see: the same whether the
/// person is elsewhere in the system or nowhere, so that ID numbers cannot be probed.
pub const SPONSOR_NOT_ON_ROSTER: &str =
    "您管理范围内的名册中没有该身份证号的党员；其他组织或系统外的人员请只填姓名";

/// Party standing of a named person on the day they were named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    Full,
    Probationary,
    /// Not (yet) a party member on that day.
    NotMember,
    /// Named by name only: not on the roster of this system, so not verifiable here.
    Unknown,
}

impl Standing {
    /// Standing on `day` of a roster member with these dates.
    pub fn on(day: NaiveDate, admission: Option<NaiveDate>, conversion: Option<NaiveDate>) -> Self {
        match (admission, conversion) {
            (_, Some(c)) if c <= day => Standing::Full,
            (Some(a), _) if a <= day => Standing::Probationary,
            _ => Standing::NotMember,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Standing::Full => "正式党员",
            Standing::Probationary => "预备党员",
            Standing::NotMember => "非党员",
            Standing::Unknown => "系统外人员",
        }
    }
}

/// A cultivation contact or introducer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sponsor {
    pub role: SponsorRole,
    pub name: String,
    pub member_id: Option<i64>,
    pub named_on: NaiveDate,
    pub standing: Standing,
}

/// Votes of the branch general meeting on an admission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Votes {
    /// 应到会有表决权的党员人数.
    pub entitled: i32,
    /// 实到会有表决权的党员人数.
    pub present: i32,
    /// 赞成票数.
    pub in_favour: i32,
}

/// The organisation that approved an admission or a conversion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Approver {
    pub name: String,
    pub kind: OrgType,
    pub sector: Sector,
    /// Whether it holds approval power (set on the organisation, or its default by type and
    /// position in the tree: [`crate::org::default_approval_power`]).
    pub power: bool,
}

impl Approver {
    /// DEV-021: only organisations holding approval power approve.
    pub fn holds_approval_power(&self) -> bool {
        self.power
    }
}

/// Where a file came from: typed in this system, or imported from an existing file (whose
/// template carries no names of contacts and introducers unless the optional columns are used).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    System,
    Import,
}

/// One development file.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DevFile {
    pub dates: std::collections::BTreeMap<Step, NaiveDate>,
    /// Dates of the half-yearly assessments (考察) while an activist (step 6).
    pub assessments: Vec<NaiveDate>,
    pub sponsors: Vec<Sponsor>,
    pub training_hours: Option<f64>,
    pub votes: Option<Votes>,
    pub approver: Option<Approver>,
    pub conversion_approver: Option<Approver>,
    /// The nearest organisation above the person's branch that holds approval power: who
    /// should approve (named by DEV-021).
    pub expected_approver: Option<String>,
    /// Recorded reason for approving later than three months after the general meeting.
    pub extension_reason: Option<String>,
    /// Months by which probation was extended (延长预备期), if it was.
    pub probation_extension_months: Option<i32>,
    /// Whether the file says who the contacts and introducers were (see [`Source`]): files
    /// kept in the system do; an imported file says it only for a role somebody of which is on
    /// record, so DEV-005 and DEV-008 judge each role's count separately.
    pub sponsors_known: bool,
    /// Who talked with the applicant (step 2) and, for the upper committee, with the candidate
    /// (step 16).
    pub talker: Option<String>,
    pub upper_talker: Option<String>,
}

impl DevFile {
    pub fn get(&self, step: Step) -> Option<NaiveDate> {
        self.dates.get(&step).copied()
    }

    pub fn set(&mut self, step: Step, date: Option<NaiveDate>) {
        match date {
            Some(d) => {
                self.dates.insert(step, d);
            }
            None => {
                self.dates.remove(&step);
            }
        }
    }

    pub fn sponsors(&self, role: SponsorRole) -> impl Iterator<Item = &Sponsor> {
        self.sponsors.iter().filter(move |s| s.role == role)
    }

    /// Last day of probation's year: the anniversary of the general meeting, moved by any
    /// extension. Party standing counts from this day (DEV-017).
    pub fn probation_end(&self, probation_months: i32) -> Option<NaiveDate> {
        self.get(Step::GeneralMeeting).map(|gm| {
            add_months(
                gm,
                probation_months.saturating_add(self.probation_extension_months.unwrap_or(0)),
            )
        })
    }

    /// The status the recorded steps give: the furthest stage reached.
    pub fn status(&self) -> MemberStatus {
        if self.get(Step::ConversionApproval).is_some() {
            MemberStatus::Full
        } else if self.get(Step::Approval).is_some() {
            MemberStatus::Probationary
        } else if self.get(Step::Candidate).is_some() {
            MemberStatus::Candidate
        } else if self.get(Step::Activist).is_some() {
            MemberStatus::Activist
        } else {
            MemberStatus::Applicant
        }
    }

    /// What a form refuses outright, field by field (the rest is reported by the check):
    /// dates in the future, votes that cannot be, a training that ends before it starts, and
    /// contacts or introducers who were not full members on the day they were named.
    pub fn refusals(&self, today: NaiveDate) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        for (step, d) in &self.dates {
            if *d > today {
                out.push((step.field(), format!("{}不能晚于今天", step.label())));
            }
        }
        for d in &self.assessments {
            if *d > today {
                out.push(("assessments", "考察日期不能晚于今天".to_string()));
            }
        }
        if let Some(v) = self.votes {
            if v.entitled < 0 || v.present < 0 || v.in_favour < 0 {
                out.push(("votes", "人数不能为负数".to_string()));
            } else if v.present > v.entitled {
                out.push(("votes", "实到人数不能多于应到人数".to_string()));
            } else if v.in_favour > v.present {
                out.push(("votes", "赞成票数不能多于实到人数".to_string()));
            }
        }
        if let (Some(s), Some(e)) = (self.get(Step::TrainingStart), self.get(Step::TrainingEnd)) {
            if e < s {
                out.push((
                    Step::TrainingEnd.field(),
                    "集中培训结束日期不能早于开始日期".to_string(),
                ));
            }
        }
        if let Some(h) = self.training_hours {
            if !(0.0..=1000.0).contains(&h) {
                out.push(("training_hours", "学时应在 0 到 1000 之间".to_string()));
            }
        }
        if let Some(m) = self.probation_extension_months {
            if !(1..=12).contains(&m) {
                out.push((
                    "probation_extension_months",
                    "延长预备期应为 1 到 12 个月（没有延长的请留空）".to_string(),
                ));
            }
        }
        for s in &self.sponsors {
            if matches!(s.standing, Standing::Probationary | Standing::NotMember) {
                out.push((
                    "sponsors",
                    format!(
                        "{}须为正式党员：{}在 {} 时为{}",
                        s.role.label(),
                        s.name,
                        crate::dates::format_date(s.named_on),
                        s.standing.label()
                    ),
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        crate::parse_date(s).unwrap()
    }

    #[test]
    fn every_step_depends_on_an_earlier_one() {
        for s in Step::ALL {
            if let Some(dep) = s.depends_on() {
                assert!(dep < s, "{s:?} depends on {dep:?}");
            }
            assert_eq!(Step::parse_field(s.field()), Some(s));
        }
    }

    #[test]
    fn standing_on_a_day() {
        let a = Some(d("2020-07-01"));
        let c = Some(d("2021-07-01"));
        assert_eq!(Standing::on(d("2020-06-30"), a, c), Standing::NotMember);
        assert_eq!(Standing::on(d("2020-07-01"), a, c), Standing::Probationary);
        assert_eq!(Standing::on(d("2021-06-30"), a, c), Standing::Probationary);
        assert_eq!(Standing::on(d("2021-07-01"), a, c), Standing::Full);
    }

    #[test]
    fn probation_end_moves_with_an_extension() {
        let mut f = DevFile::default();
        f.set(Step::GeneralMeeting, Some(d("2024-02-29")));
        assert_eq!(f.probation_end(12), Some(d("2025-02-28")));
        f.probation_extension_months = Some(6);
        assert_eq!(f.probation_end(12), Some(d("2025-08-29")));
    }

    #[test]
    fn status_is_the_furthest_step() {
        let mut f = DevFile::default();
        assert_eq!(f.status(), MemberStatus::Applicant);
        f.set(Step::Activist, Some(d("2020-01-01")));
        assert_eq!(f.status(), MemberStatus::Activist);
        f.set(Step::Approval, Some(d("2022-01-01")));
        assert_eq!(f.status(), MemberStatus::Probationary);
        f.set(Step::ConversionApproval, Some(d("2023-02-01")));
        assert_eq!(f.status(), MemberStatus::Full);
    }

    #[test]
    fn refusals() {
        let mut f = DevFile {
            votes: Some(Votes {
                entitled: 10,
                present: 11,
                in_favour: 3,
            }),
            ..Default::default()
        };
        f.set(Step::Talk, Some(d("2030-01-01")));
        f.sponsors.push(Sponsor {
            role: SponsorRole::Introducer,
            name: "张三".into(),
            member_id: Some(1),
            named_on: d("2020-01-01"),
            standing: Standing::Probationary,
        });
        let r = f.refusals(d("2026-01-01"));
        let fields: Vec<_> = r.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, vec!["talk_date", "votes", "sponsors"]);
        assert!(r[2].1.contains("入党介绍人须为正式党员"));
    }

    #[test]
    fn approval_power_is_the_organisations() {
        let a = |power| Approver {
            name: "x".into(),
            kind: OrgType::Committee,
            sector: Sector::Rural,
            power,
        };
        assert!(
            a(true).holds_approval_power(),
            "a township committee that has it"
        );
        assert!(!a(false).holds_approval_power());
    }
}
