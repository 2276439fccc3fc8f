//! Organisational life (组织生活): MTG-001..006 and MTG-008, meetings held on their cadence,
//! counted per organisation (and per joint-meeting system) over calendar periods.
//!
//! A period is judged only once it has ended (a branch is not late for March on March 10); in
//! the last days of a period that has no meeting yet, a warning counts down to its end. Periods
//! are judged back to `lookback_months` before the check date, and never before the
//! organisation's founding (a period it did not live through whole is not judged). A meeting
//! counts when it took place (opened, held, minuted or approved) on or before the check date.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{days_left, in_range, Check, Family, Hit, RuleConfig, RuleEntry, Severity};
use crate::dates::add_months;
use crate::life::{in_force, Standard};
use crate::org::OrgType;

/// The numbers of the meeting rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MeetingNumbers {
    /// How far back ended periods are judged.
    pub meetings_lookback_months: i64,
    /// Warning this many days before a period ends without its meeting.
    pub meetings_warning_days: i64,
}

impl Default for MeetingNumbers {
    fn default() -> Self {
        MeetingNumbers {
            meetings_lookback_months: 12,
            meetings_warning_days: 7,
        }
    }
}

impl MeetingNumbers {
    pub fn validate(&self) -> Result<(), String> {
        in_range(
            self.meetings_lookback_months,
            1,
            60,
            "组织生活检查回溯月数",
            "meetings_lookback_months",
        )?;
        in_range(
            self.meetings_warning_days,
            0,
            31,
            "组织生活提前提醒天数",
            "meetings_warning_days",
        )
    }
}

/// What the meeting rules know of one organisation.
#[derive(Debug, Clone, Copy)]
pub struct MeetingFacts<'a> {
    pub kind: OrgType,
    /// The founding date: periods before it are not judged.
    pub founded_on: Option<NaiveDate>,
    /// Committee posts (委员) of the organisation: (start, end) of each.
    pub committee: &'a [(Option<NaiveDate>, Option<NaiveDate>)],
    /// Meetings that took place: what each counts as, and its day. For a party group, the
    /// meetings held for it.
    pub held: &'a [(Standard, NaiveDate)],
    /// The joint-meeting systems the organisation runs (MTG-008).
    pub joints: &'a [JointFacts<'a>],
}

/// One joint-meeting system (联席会议制度) and the days its meetings took place.
#[derive(Debug, Clone, Copy)]
pub struct JointFacts<'a> {
    pub id: i64,
    pub name: &'a str,
    /// Meetings a month, at least (seed 002: 2).
    pub min_per_month: i64,
    /// Months before the one it started in are not judged, nor the month it started in
    /// unless it started on the first.
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub held: &'a [NaiveDate],
}

const fn entry(
    id: &'static str,
    severity: Severity,
    title: &'static str,
    check: fn(&RuleConfig, NaiveDate, &MeetingFacts<'_>, &mut Vec<Hit>),
) -> RuleEntry {
    RuleEntry {
        id,
        severity,
        title,
        family: Family::Meetings,
        check: Check::Meetings(check),
    }
}

pub(super) const RULES: &[RuleEntry] = &[
    entry(
        "MTG-001",
        Severity::Error,
        "每季度至少召开一次支部党员大会",
        mtg_001,
    ),
    entry(
        "MTG-002",
        Severity::Error,
        "设委员会的党支部每月至少召开一次支部委员会",
        mtg_002,
    ),
    entry(
        "MTG-003",
        Severity::Error,
        "党小组每月至少召开一次党小组会",
        mtg_003,
    ),
    entry(
        "MTG-004",
        Severity::Warning,
        "每季度至少上一次党课（地方做法）",
        mtg_004,
    ),
    entry("MTG-005", Severity::Warning, "每月开展主题党日", mtg_005),
    entry(
        "MTG-006",
        Severity::Error,
        "每年至少召开一次组织生活会",
        mtg_006,
    ),
    entry(
        "MTG-008",
        Severity::Error,
        "联席会议每月不少于规定次数（默认两次）",
        mtg_008,
    ),
];

/// A calendar period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cadence {
    Month,
    Quarter,
    Year,
}

impl Cadence {
    fn months(self) -> i32 {
        match self {
            Cadence::Month => 1,
            Cadence::Quarter => 3,
            Cadence::Year => 12,
        }
    }

    /// The first day of the period holding `day`.
    pub fn start_of(self, day: NaiveDate) -> NaiveDate {
        let m0 = day.month0() as i32;
        let first = m0 - m0 % self.months();
        NaiveDate::from_ymd_opt(day.year(), first as u32 + 1, 1).unwrap_or(day)
    }

    /// The last day of the period starting on `start`.
    pub fn end_of(self, start: NaiveDate) -> NaiveDate {
        add_months(start, self.months()).pred_opt().unwrap_or(start)
    }

    /// The period's name: 2026 年 3 月, 2026 年第一季度, 2026 年度.
    pub fn name(self, start: NaiveDate) -> String {
        match self {
            Cadence::Month => format!("{} 年 {} 月", start.year(), start.month()),
            Cadence::Quarter => {
                let q = ["一", "二", "三", "四"][(start.month0() / 3) as usize % 4];
                format!("{} 年第{q}季度", start.year())
            }
            Cadence::Year => format!("{} 年度", start.year()),
        }
    }

    /// The key that tells apart two findings of one rule about one organisation.
    pub fn key(self, start: NaiveDate) -> String {
        match self {
            Cadence::Month => format!("{}-{:02}", start.year(), start.month()),
            Cadence::Quarter => format!("{}-Q{}", start.year(), start.month0() / 3 + 1),
            Cadence::Year => format!("{}", start.year()),
        }
    }
}

/// Judges one cadence: an error for each ended period in the window without a meeting of
/// `standard`, a warning for the current period near its end. `applies` says whether the
/// period is judged at all (MTG-002: a committee on its last day).
#[allow(clippy::too_many_arguments)] // one rule's whole description
fn judge(
    cfg: &RuleConfig,
    as_of: NaiveDate,
    o: &MeetingFacts,
    rule: &'static str,
    severity: Severity,
    cadence: Cadence,
    standard: Standard,
    what: &str,
    applies: &dyn Fn(NaiveDate, NaiveDate) -> bool,
    out: &mut Vec<Hit>,
) {
    let held_in = |start: NaiveDate, end: NaiveDate| {
        o.held
            .iter()
            .any(|(s, d)| *s == standard && *d >= start && *d <= end && *d <= as_of)
    };
    let n = &cfg.at(as_of).meetings;
    let window_start = add_months(as_of, -(n.meetings_lookback_months.clamp(0, 600) as i32));
    let current = cadence.start_of(as_of);
    // Ended periods, newest first, back to the window.
    let mut start = add_months(current, -cadence.months());
    loop {
        let end = cadence.end_of(start);
        if end < window_start || o.founded_on.is_some_and(|f| f > start) {
            break;
        }
        if applies(start, end) && !held_in(start, end) {
            out.push(
                Hit::new(
                    rule,
                    severity,
                    format!("{}未召开{what}", cadence.name(start)),
                )
                .key(cadence.key(start))
                .date("period_start", start)
                .date("period_end", end),
            );
        }
        let before = add_months(start, -cadence.months());
        if before >= start {
            break;
        }
        start = before;
    }
    // The current period, near its end.
    let end = cadence.end_of(current);
    let left = (end - as_of).num_days();
    let lead = cfg.at(as_of).meetings.meetings_warning_days;
    if left <= lead
        && o.founded_on.is_none_or(|f| f <= current)
        && applies(current, end)
        && !held_in(current, end)
    {
        out.push(
            Hit::new(
                rule,
                Severity::Warning,
                format!(
                    "{}尚未召开{what}，本期将于 {} 结束（{}）",
                    cadence.name(current),
                    super::fd(end),
                    days_left(left)
                ),
            )
            .key(cadence.key(current))
            .date("period_start", current)
            .due(end),
        );
    }
}

fn always(_: NaiveDate, _: NaiveDate) -> bool {
    true
}

fn mtg_001(cfg: &RuleConfig, as_of: NaiveDate, o: &MeetingFacts, out: &mut Vec<Hit>) {
    if o.kind.is_branch() {
        judge(
            cfg,
            as_of,
            o,
            "MTG-001",
            Severity::Error,
            Cadence::Quarter,
            Standard::GeneralMeeting,
            "支部党员大会（每季度至少一次）",
            &always,
            out,
        );
    }
}

fn mtg_002(cfg: &RuleConfig, as_of: NaiveDate, o: &MeetingFacts, out: &mut Vec<Hit>) {
    if !o.kind.is_branch() {
        return;
    }
    let committee =
        |_start: NaiveDate, end: NaiveDate| o.committee.iter().any(|(s, e)| in_force(*s, *e, end));
    judge(
        cfg,
        as_of,
        o,
        "MTG-002",
        Severity::Error,
        Cadence::Month,
        Standard::Committee,
        "支部委员会（每月至少一次）",
        &committee,
        out,
    );
}

fn mtg_003(cfg: &RuleConfig, as_of: NaiveDate, o: &MeetingFacts, out: &mut Vec<Hit>) {
    if o.kind == OrgType::PartyGroup {
        judge(
            cfg,
            as_of,
            o,
            "MTG-003",
            Severity::Error,
            Cadence::Month,
            Standard::PartyGroup,
            "党小组会（每月至少一次）",
            &always,
            out,
        );
    }
}

fn mtg_004(cfg: &RuleConfig, as_of: NaiveDate, o: &MeetingFacts, out: &mut Vec<Hit>) {
    if o.kind.is_branch() {
        judge(
            cfg,
            as_of,
            o,
            "MTG-004",
            Severity::Warning,
            Cadence::Quarter,
            Standard::Lecture,
            "党课（每季度至少一次）",
            &always,
            out,
        );
    }
}

fn mtg_005(cfg: &RuleConfig, as_of: NaiveDate, o: &MeetingFacts, out: &mut Vec<Hit>) {
    if o.kind.is_branch() {
        judge(
            cfg,
            as_of,
            o,
            "MTG-005",
            Severity::Warning,
            Cadence::Month,
            Standard::ThemeDay,
            "主题党日活动（每月一次）",
            &always,
            out,
        );
    }
}

fn mtg_006(cfg: &RuleConfig, as_of: NaiveDate, o: &MeetingFacts, out: &mut Vec<Hit>) {
    if o.kind.is_branch() {
        judge(
            cfg,
            as_of,
            o,
            "MTG-006",
            Severity::Error,
            Cadence::Year,
            Standard::LifeMeeting,
            "组织生活会（每年至少一次）",
            &always,
            out,
        );
    }
}

/// MTG-008: each joint-meeting system meets at least `min_per_month` times in every ended month
/// of the window since it started; in the last days of the current month, a warning.
fn mtg_008(cfg: &RuleConfig, as_of: NaiveDate, o: &MeetingFacts, out: &mut Vec<Hit>) {
    let n = &cfg.at(as_of).meetings;
    let window_start = add_months(as_of, -(n.meetings_lookback_months.clamp(0, 600) as i32));
    for j in o.joints {
        let min = j.min_per_month.max(1);
        let count = |start: NaiveDate, end: NaiveDate| {
            j.held
                .iter()
                .filter(|d| **d >= start && **d <= end && **d <= as_of)
                .count() as i64
        };
        let judged = |start: NaiveDate, end: NaiveDate| {
            j.started_on <= start && j.ended_on.is_none_or(|e| e > end)
        };
        let current = Cadence::Month.start_of(as_of);
        let mut start = add_months(current, -1);
        loop {
            let end = Cadence::Month.end_of(start);
            if end < window_start || start < j.started_on {
                break;
            }
            let held = count(start, end);
            if judged(start, end) && held < min {
                out.push(
                    Hit::new(
                        "MTG-008",
                        Severity::Error,
                        format!(
                            "联席会议“{}”{}召开 {held} 次，少于每月 {min} 次",
                            j.name,
                            Cadence::Month.name(start)
                        ),
                    )
                    .key(format!("joint:{}:{}", j.id, Cadence::Month.key(start)))
                    .date("period_start", start)
                    .date("period_end", end),
                );
            }
            let before = add_months(start, -1);
            if before >= start {
                break;
            }
            start = before;
        }
        let end = Cadence::Month.end_of(current);
        let left = (end - as_of).num_days();
        let held = count(current, end);
        if left <= n.meetings_warning_days && judged(current, end) && held < min {
            out.push(
                Hit::new(
                    "MTG-008",
                    Severity::Warning,
                    format!(
                        "联席会议“{}”{}已召开 {held} 次，不足 {min} 次，本月将于 {} 结束（{}）",
                        j.name,
                        Cadence::Month.name(current),
                        super::fd(end),
                        days_left(left)
                    ),
                )
                .key(format!("joint:{}:{}", j.id, Cadence::Month.key(current)))
                .date("period_start", current)
                .due(end),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{registry, Ask, Facts};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn run(as_of: &str, o: &MeetingFacts) -> Vec<Hit> {
        let cfg = RuleConfig::default();
        registry().check(&Ask::all(&cfg), d(as_of), Facts::Meetings(o))
    }

    fn keys(hits: &[Hit], rule: &str) -> Vec<String> {
        hits.iter()
            .filter(|h| h.rule == rule)
            .map(|h| format!("{}:{}", h.key, h.severity.code()))
            .collect()
    }

    #[test]
    fn periods() {
        assert_eq!(Cadence::Quarter.start_of(d("2026-03-31")), d("2026-01-01"));
        assert_eq!(Cadence::Quarter.end_of(d("2026-01-01")), d("2026-03-31"));
        assert_eq!(Cadence::Month.end_of(d("2024-02-01")), d("2024-02-29"));
        assert_eq!(Cadence::Year.key(d("2026-01-01")), "2026");
        assert_eq!(Cadence::Quarter.name(d("2026-04-01")), "2026 年第二季度");
    }

    #[test]
    fn a_period_is_judged_once_ended_and_warned_near_its_end() {
        let committee = [(Some(d("2025-01-01")), None)];
        let held = vec![
            (Standard::Committee, d("2026-01-15")),
            (Standard::Committee, d("2026-03-15")),
        ];
        let o = MeetingFacts {
            kind: OrgType::Branch,
            founded_on: Some(d("2026-01-01")),
            committee: &committee,
            held: &held,
            joints: &[],
        };
        // 10 March: nothing of March is late; February is.
        let h = run("2026-03-10", &o);
        assert_eq!(keys(&h, "MTG-002"), vec!["2026-02:error"]);
        assert!(keys(&h, "MTG-001").is_empty(), "Q1 has not ended");
        // 1 April: Q1 without a general meeting.
        let h = run("2026-04-01", &o);
        assert_eq!(keys(&h, "MTG-001"), vec!["2026-Q1:error"]);
        assert_eq!(keys(&h, "MTG-002"), vec!["2026-02:error"]);
        // 26 March: the quarter ends within the warning days.
        let h = run("2026-03-26", &o);
        assert_eq!(keys(&h, "MTG-001"), vec!["2026-Q1:warning"]);
        let mut more = held.clone();
        more.push((Standard::GeneralMeeting, d("2026-03-20")));
        let o = MeetingFacts {
            held: &more,
            committee: &committee,
            ..o
        };
        assert!(keys(&run("2026-04-01", &o), "MTG-001").is_empty());
        // A meeting recorded for a later day does not count for an earlier check date.
        assert_eq!(
            keys(&run("2026-03-19", &o), "MTG-001"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn no_committee_no_mtg_002_and_groups_meet_monthly() {
        let o = MeetingFacts {
            kind: OrgType::Branch,
            founded_on: Some(d("2026-01-01")),
            committee: &[],
            held: &[],
            joints: &[],
        };
        let h = run("2026-04-01", &o);
        assert!(keys(&h, "MTG-002").is_empty());
        assert_eq!(keys(&h, "MTG-005").len(), 3);
        assert!(keys(&h, "MTG-003").is_empty(), "a branch is not a group");
        let g = MeetingFacts {
            kind: OrgType::PartyGroup,
            ..o
        };
        assert_eq!(
            keys(&run("2026-04-01", &g), "MTG-003"),
            vec!["2026-03:error", "2026-02:error", "2026-01:error"]
        );
    }

    #[test]
    fn a_committee_ended_in_a_month_is_not_judged_for_it() {
        let committee = [(Some(d("2025-01-01")), Some(d("2026-02-10")))];
        let o = MeetingFacts {
            kind: OrgType::Branch,
            founded_on: Some(d("2026-01-01")),
            committee: &committee,
            held: &[],
            joints: &[],
        };
        assert_eq!(
            keys(&run("2026-04-01", &o), "MTG-002"),
            vec!["2026-01:error"]
        );
    }

    #[test]
    fn the_window_limits_how_far_back() {
        let o = MeetingFacts {
            kind: OrgType::Branch,
            founded_on: None,
            committee: &[],
            held: &[],
            joints: &[],
        };
        let h = run("2026-04-01", &o);
        // Twelve months back: April 2025 to March 2026.
        assert_eq!(keys(&h, "MTG-005").len(), 12);
        assert_eq!(keys(&h, "MTG-006"), vec!["2025:error"]);
    }

    #[test]
    fn a_joint_system_meets_twice_a_month() {
        let one = [d("2026-03-05")];
        let two = [d("2026-03-05"), d("2026-03-19")];
        let j = |held| JointFacts {
            id: 4,
            name: "党群共建联席会议",
            min_per_month: 2,
            started_on: d("2026-03-01"),
            ended_on: None,
            held,
        };
        let joints = [j(&one[..])];
        let o = MeetingFacts {
            kind: OrgType::WorkingCommittee,
            founded_on: None,
            committee: &[],
            held: &[],
            joints: &joints,
        };
        assert_eq!(
            keys(&run("2026-04-01", &o), "MTG-008"),
            vec!["joint:4:2026-03:error"]
        );
        let joints = [j(&two[..])];
        let o = MeetingFacts {
            joints: &joints,
            ..o
        };
        assert!(keys(&run("2026-04-01", &o), "MTG-008").is_empty());
        // Late in April with none yet: a warning for April only.
        assert_eq!(
            keys(&run("2026-04-27", &o), "MTG-008"),
            vec!["joint:4:2026-04:warning"]
        );
    }
}
