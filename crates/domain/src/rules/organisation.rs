//! Organisation (组织设置): ORG-001..005 over an organisation and its member counts.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{days_left, fd, in_range, Check, Family, Hit, RuleConfig, RuleEntry, Severity};
use crate::dates::add_months;
use crate::org::{OrgType, Sector};

/// The numbers of the organisation rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrganisationNumbers {
    /// ORG-001: full members of a branch, at least.
    pub branch_min_full: i64,
    /// ORG-002: full members from which a branch has a committee.
    pub branch_committee_from: i64,
    /// ORG-003: members of a branch, at most; from how many a committee is suggested.
    pub branch_max_members: i64,
    pub committee_suggested_from: i64,
    /// ORG-004: warning before a term ends; the longest approved postponement.
    pub term_warning_days: i64,
    pub term_postpone_months: i32,
}

impl Default for OrganisationNumbers {
    fn default() -> Self {
        OrganisationNumbers {
            branch_min_full: 3,
            branch_committee_from: 7,
            branch_max_members: 50,
            committee_suggested_from: 100,
            term_warning_days: 180,
            term_postpone_months: 12,
        }
    }
}

impl OrganisationNumbers {
    /// The first number out of its allowed range, in words for the person who set it.
    pub fn validate(&self) -> Result<(), String> {
        in_range(
            self.branch_min_full,
            1,
            50,
            "党支部正式党员最少人数",
            "branch_min_full",
        )?;
        in_range(
            self.branch_committee_from,
            1,
            100,
            "设立支委会的正式党员人数",
            "branch_committee_from",
        )?;
        in_range(
            self.branch_max_members,
            1,
            1000,
            "党支部党员最多人数",
            "branch_max_members",
        )?;
        in_range(
            self.committee_suggested_from,
            1,
            100_000,
            "可成立基层党委的党员人数",
            "committee_suggested_from",
        )?;
        in_range(
            self.term_warning_days,
            0,
            730,
            "换届提前提醒天数",
            "term_warning_days",
        )?;
        in_range(
            self.term_postpone_months,
            0,
            60,
            "换届最多延期月数",
            "term_postpone_months",
        )
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
        family: Family::Organisation,
        check,
    }
}

pub(super) const RULES: &[RuleEntry] = &[
    entry(
        "ORG-001",
        Severity::Error,
        "党支部正式党员不少于三人",
        Check::Org(org_001),
    ),
    entry(
        "ORG-002",
        Severity::Warning,
        "七人以上设支委会，不足七人设书记（可设一名副书记）",
        Check::Org(org_002),
    ),
    entry(
        "ORG-003",
        Severity::Warning,
        "党支部党员不超过五十人",
        Check::Org(org_003),
    ),
    entry("ORG-004", Severity::Error, "按期换届", Check::Org(org_004)),
    entry(
        "ORG-005",
        Severity::Warning,
        "配备书记",
        Check::Org(org_005),
    ),
];

/// The organisation numbers in force on `day`.
fn numbers(cfg: &RuleConfig, day: NaiveDate) -> &OrganisationNumbers {
    &cfg.at(day).organisation
}

fn org_001(cfg: &RuleConfig, as_of: NaiveDate, o: &OrgFacts, out: &mut Vec<Hit>) {
    let n = numbers(cfg, as_of);
    if o.kind.is_branch() && o.full_members < n.branch_min_full {
        out.push(Hit::new(
            "ORG-001",
            Severity::Error,
            format!(
                "党支部只有 {} 名正式党员，不足 {} 名，应与其他单位联合成立党支部或调整设置",
                o.full_members, n.branch_min_full
            ),
        ));
    }
}

/// 〔支部条例〕第二十条: a committee where there are seven or more *full* members.
fn org_002(cfg: &RuleConfig, as_of: NaiveDate, o: &OrgFacts, out: &mut Vec<Hit>) {
    if !o.kind.is_branch() {
        return;
    }
    let n = numbers(cfg, as_of);
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
}

fn org_003(cfg: &RuleConfig, as_of: NaiveDate, o: &OrgFacts, out: &mut Vec<Hit>) {
    let n = numbers(cfg, as_of);
    if o.kind.is_branch() && o.members > n.branch_max_members {
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

fn org_004(cfg: &RuleConfig, as_of: NaiveDate, o: &OrgFacts, out: &mut Vec<Hit>) {
    if o.kind == OrgType::PartyGroup {
        return;
    }
    let n = numbers(cfg, as_of);
    let Some(start) = o.term_start else { return };
    let years = o.kind.term_years(o.sector);
    let due = add_months(start, years.saturating_mul(12));
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

fn org_005(_cfg: &RuleConfig, _as_of: NaiveDate, o: &OrgFacts, out: &mut Vec<Hit>) {
    if o.kind != OrgType::PartyGroup && o.secretary.is_none_or(|s| s.trim().is_empty()) {
        out.push(Hit::new(
            "ORG-005",
            Severity::Warning,
            "未登记书记，请在组织信息中登记".to_string(),
        ));
    }
}
