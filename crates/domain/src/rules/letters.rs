//! Transfers of membership with a letter (组织关系介绍信): MEM-004, the person reports to the
//! receiving organisation while the letter is valid.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{Check, Family, Hit, RuleConfig, RuleEntry, Severity};
use crate::dates::format_date;

/// Where a letter stands in the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LetterStatus {
    /// Issued, the person has not reported yet.
    Open,
    /// The person reported (the day is `reported_on`).
    Reported,
    /// Withdrawn.
    Cancelled,
}

impl LetterStatus {
    /// Reads the stored code: `open`, `reported`; anything else is a letter no longer in use.
    pub fn parse(code: &str) -> LetterStatus {
        match code {
            "open" => LetterStatus::Open,
            "reported" => LetterStatus::Reported,
            _ => LetterStatus::Cancelled,
        }
    }
}

/// What MEM-004 knows of one letter.
#[derive(Debug, Clone, Copy)]
pub struct LetterFacts<'a> {
    /// The stored letter's id: tells two letters of one person apart.
    pub id: i64,
    pub letter_no: &'a str,
    /// The receiving organisation's name (empty when unknown).
    pub to_name: &'a str,
    pub issued_on: NaiveDate,
    pub valid_until: NaiveDate,
    pub reported_on: Option<NaiveDate>,
    pub status: LetterStatus,
}

pub(super) const RULES: &[RuleEntry] = &[RuleEntry {
    id: "MEM-004",
    severity: Severity::Warning,
    title: "持组织关系介绍信在有效期内报到",
    family: Family::Letters,
    check: Check::Letter(mem_004),
}];

/// MEM-004 for one letter as of `as_of`: still open after its validity, or reported after it.
/// As of a past day, a report made later has not happened yet, and a letter issued later is
/// not seen.
fn mem_004(_cfg: &RuleConfig, as_of: NaiveDate, l: &LetterFacts, out: &mut Vec<Hit>) {
    if l.issued_on > as_of {
        return;
    }
    let mut dates: BTreeMap<&'static str, NaiveDate> =
        [("issued_on", l.issued_on), ("due", l.valid_until)]
            .into_iter()
            .collect();
    let reported_on = l.reported_on.filter(|r| *r <= as_of);
    let status = match (l.status, reported_on) {
        (LetterStatus::Reported, None) => LetterStatus::Open,
        (s, _) => s,
    };
    match (status, reported_on) {
        (LetterStatus::Open, None) if as_of > l.valid_until => out.push(Hit {
            rule: "MEM-004",
            severity: Severity::Warning,
            key: format!("letter:{}", l.id),
            message: format!(
                "组织关系介绍信（{}，转往{}）已于 {} 过期，本人尚未报到；请联系本人，必要时重新开具",
                l.letter_no,
                l.to_name,
                format_date(l.valid_until)
            ),
            dates,
            due: Some(l.valid_until),
        }),
        (_, Some(r)) if r > l.valid_until => {
            dates.insert("reported_on", r);
            out.push(Hit {
                rule: "MEM-004",
                severity: Severity::Warning,
                key: format!("letter:{}", l.id),
                message: format!(
                    "组织关系介绍信（{}）有效期至 {}，{} 才报到，超过有效期",
                    l.letter_no,
                    format_date(l.valid_until),
                    format_date(r)
                ),
                dates,
                due: Some(l.valid_until),
            })
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// Issued 2026-07-01, valid to 2026-10-01.
    fn letter(status: LetterStatus, reported_on: Option<&str>) -> LetterFacts<'static> {
        LetterFacts {
            id: 7,
            letter_no: "JD-2026-001",
            to_name: "第二社区党支部",
            issued_on: d("2026-07-01"),
            valid_until: d("2026-10-01"),
            reported_on: reported_on.map(d),
            status,
        }
    }

    fn hits(l: &LetterFacts, as_of: &str) -> Vec<Hit> {
        super::super::check_letter(&RuleConfig::default(), d(as_of), l)
    }

    #[test]
    fn an_open_letter_is_reported_from_the_day_after_its_validity() {
        let open = letter(LetterStatus::Open, None);
        assert!(hits(&open, "2026-10-01").is_empty());
        let h = hits(&open, "2026-10-02");
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].key, "letter:7");
        assert_eq!(h[0].due, Some(d("2026-10-01")));
        assert_eq!(h[0].dates["issued_on"], d("2026-07-01"));
        assert!(
            h[0].message.contains("转往第二社区党支部")
                && h[0].message.contains("已于 2026-10-01 过期"),
            "{}",
            h[0].message
        );
        // A cancelled letter is not waited for.
        assert!(hits(&letter(LetterStatus::Cancelled, None), "2026-12-01").is_empty());
    }

    #[test]
    fn a_report_on_the_last_valid_day_is_in_time_and_one_day_later_is_not() {
        assert!(hits(
            &letter(LetterStatus::Reported, Some("2026-10-01")),
            "2026-12-01"
        )
        .is_empty());
        let late = hits(
            &letter(LetterStatus::Reported, Some("2026-10-02")),
            "2026-12-01",
        );
        assert_eq!(late.len(), 1);
        assert_eq!(late[0].dates["reported_on"], d("2026-10-02"));
        assert!(
            late[0].message.contains("2026-10-02 才报到"),
            "{}",
            late[0].message
        );
    }

    #[test]
    fn a_past_day_does_not_see_later_reports_or_letters() {
        // Reported late on 2026-11-01; as of 2026-10-15 the letter was still open and expired.
        let l = letter(LetterStatus::Reported, Some("2026-11-01"));
        let then = hits(&l, "2026-10-15");
        assert_eq!(then.len(), 1);
        assert!(then[0].message.contains("尚未报到"), "{}", then[0].message);
        // Before it was issued: nothing.
        assert!(hits(&letter(LetterStatus::Open, None), "2026-06-30").is_empty());
        // Switched off: nothing.
        let mut off = RuleConfig::default();
        off.disabled.push("MEM-004".into());
        assert!(super::super::check_letter(
            &off,
            d("2026-12-01"),
            &letter(LetterStatus::Open, None)
        )
        .is_empty());
    }
}
