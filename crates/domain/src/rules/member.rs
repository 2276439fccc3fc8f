//! Member records (党员信息): MEM-001 (the ID number agrees with the record), MEM-002 (the
//! dates of the record in order) and MEM-003 (members out of contact: standing suspended after
//! six months, removal two years after the suspension).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{fd, in_range, Check, Family, Hit, PersonFacts, RuleConfig, RuleEntry, Severity};
use crate::contact::{lost_on, ContactEvent};
use crate::dates::{add_days, add_months, format_date};
use crate::idnum::{IdError, IdNumber};
use crate::members::MemberStatus;

/// The numbers of the member rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MemberNumbers {
    /// MEM-003: months out of contact before standing is suspended; months after the
    /// suspension before removal. The warning before the suspension starts as far ahead as
    /// the development family's `probation_warning_days`.
    pub lost_contact_months: i32,
    pub lost_contact_removal_months: i32,
}

impl Default for MemberNumbers {
    fn default() -> Self {
        MemberNumbers {
            lost_contact_months: 6,
            lost_contact_removal_months: 24,
        }
    }
}

impl MemberNumbers {
    /// The first number out of its allowed range, in words for the person who set it.
    pub fn validate(&self) -> Result<(), String> {
        in_range(
            self.lost_contact_months,
            1,
            60,
            "失去联系后停止党籍的月数",
            "lost_contact_months",
        )?;
        in_range(
            self.lost_contact_removal_months,
            1,
            120,
            "停止党籍后除名的月数",
            "lost_contact_removal_months",
        )
    }
}

/// What MEM-003 knows of a person: the status on the day judged and the dated contact events.
#[derive(Debug, Clone, Copy)]
pub struct ContactFacts<'a> {
    pub status: MemberStatus,
    pub events: &'a [ContactEvent],
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
        family: Family::Member,
        check,
    }
}

pub(super) const RULES: &[RuleEntry] = &[
    entry(
        "MEM-001",
        Severity::Error,
        "身份证号校验位正确，出生日期、性别与记录一致",
        Check::Person(mem_001),
    ),
    entry(
        "MEM-002",
        Severity::Error,
        "各日期先后顺序正确",
        Check::Person(mem_002),
    ),
    entry(
        "MEM-003",
        Severity::Warning,
        "失去联系满六个月停止党籍，停止党籍满两年仍无联系的除名",
        Check::Contact(mem_003),
    ),
];

fn mem_001(_cfg: &RuleConfig, _as_of: NaiveDate, p: &PersonFacts, out: &mut Vec<Hit>) {
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

fn mem_002(_cfg: &RuleConfig, _as_of: NaiveDate, p: &PersonFacts, out: &mut Vec<Hit>) {
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

/// MEM-003 for one person as of `as_of`: warned ahead and reported after six months out of
/// contact without a suspension; reported two years after a suspension while still out of
/// contact (the removal is due).
fn mem_003(cfg: &RuleConfig, as_of: NaiveDate, c: &ContactFacts, out: &mut Vec<Hit>) {
    if !c.status.is_member() {
        return;
    }
    let Some(lost) = lost_on(c.events, as_of) else {
        return;
    };
    let numbers = cfg.at(as_of);
    let n = &numbers.member;
    let mut dates = std::collections::BTreeMap::new();
    dates.insert("lost_since", lost.since);
    match lost.suspended_on {
        None => {
            let due = add_months(lost.since, n.lost_contact_months);
            let warn_from = add_days(
                due,
                numbers.development.probation_warning_days.saturating_neg(),
            );
            if as_of >= warn_from {
                let message = if as_of >= due {
                    format!(
                        "自 {} 失去联系已满 {} 个月，应按规定停止其党籍并登记",
                        format_date(lost.since),
                        n.lost_contact_months
                    )
                } else {
                    format!(
                        "自 {} 失去联系，{} 满 {} 个月，届时仍无法联系的应停止其党籍",
                        format_date(lost.since),
                        format_date(due),
                        n.lost_contact_months
                    )
                };
                out.push(Hit {
                    rule: "MEM-003",
                    severity: Severity::Warning,
                    key: format!("suspend:{}", lost.since),
                    message,
                    dates,
                    due: Some(due),
                });
            }
        }
        Some(s) => {
            let due = add_months(s, n.lost_contact_removal_months);
            if as_of >= due {
                dates.insert("suspended_on", s);
                out.push(Hit {
                    rule: "MEM-003",
                    severity: Severity::Warning,
                    key: format!("remove:{}", lost.since),
                    message: format!(
                        "{} 停止党籍已满 {} 个月仍无法取得联系，应按规定予以除名",
                        format_date(s),
                        n.lost_contact_removal_months
                    ),
                    dates,
                    due: Some(due),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contact::ContactKind;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }
    fn ev(kind: ContactKind, on: &str) -> ContactEvent {
        ContactEvent { kind, on: d(on) }
    }
    fn hits(
        cfg: &RuleConfig,
        as_of: &str,
        status: MemberStatus,
        events: &[ContactEvent],
    ) -> Vec<Hit> {
        super::super::check_contact(cfg, d(as_of), &ContactFacts { status, events })
    }

    #[test]
    fn six_months_out_of_contact_then_two_years_suspended() {
        let n = RuleConfig::default();
        let full = MemberStatus::Full;
        let lost = [ev(ContactKind::Lost, "2026-01-31")];
        // 31 January + 6 months = 31 July; warned from 1 July (30 days before).
        assert!(hits(&n, "2026-06-30", full, &lost).is_empty());
        let h = hits(&n, "2026-07-01", full, &lost);
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].due, Some(d("2026-07-31")));
        assert!(h[0].message.contains("届时"), "{}", h[0].message);
        let h = hits(&n, "2026-07-31", full, &lost);
        assert!(h[0].message.contains("已满 6 个月"), "{}", h[0].message);
        // Not for people who are not members yet.
        assert!(hits(&n, "2026-08-01", MemberStatus::Activist, &lost).is_empty());
        // Suspended: nothing until two years after the suspension.
        let suspended = [
            ev(ContactKind::Lost, "2024-01-31"),
            ev(ContactKind::Suspended, "2024-08-15"),
        ];
        assert!(hits(&n, "2026-08-14", full, &suspended).is_empty());
        let h = hits(&n, "2026-08-15", full, &suspended);
        assert_eq!(h.len(), 1);
        assert!(h[0].key.starts_with("remove:"));
        // Regained: nothing.
        let back = [
            ev(ContactKind::Lost, "2024-01-31"),
            ev(ContactKind::Regained, "2024-03-01"),
        ];
        assert!(hits(&n, "2026-08-15", full, &back).is_empty());
        // Switched off: nothing.
        let mut off = RuleConfig::default();
        off.disabled.push("MEM-003".into());
        assert!(hits(&off, "2026-07-31", full, &lost).is_empty());
    }

    #[test]
    fn the_warning_starts_as_far_ahead_as_the_probation_warning() {
        let mut cfg = RuleConfig::default();
        cfg.versions[0].numbers.development.probation_warning_days = 10;
        let lost = [ev(ContactKind::Lost, "2026-01-31")];
        assert!(hits(&cfg, "2026-07-20", MemberStatus::Full, &lost).is_empty());
        assert_eq!(hits(&cfg, "2026-07-21", MemberStatus::Full, &lost).len(), 1);
    }
}
