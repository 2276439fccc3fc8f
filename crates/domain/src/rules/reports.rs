//! Periodic reports (报表): RPT-001, each report reaches each of its receivers inside its due
//! window; RPT-002, a report returned for correction is sent again within the grace period.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{days_left, fd, in_range, Check, Family, Hit, RuleConfig, RuleEntry, Severity};
use crate::reports::{end_of_day, receipt_state, Period, Receipt, ReceiptState};

/// The numbers of the report rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportNumbers {
    /// Warning this many days before a window closes with nothing sent (default 2).
    pub report_warning_days: i64,
    /// How far back closed windows are judged.
    pub report_lookback_months: i64,
}

impl Default for ReportNumbers {
    fn default() -> Self {
        ReportNumbers {
            report_warning_days: 2,
            report_lookback_months: 12,
        }
    }
}

impl ReportNumbers {
    pub fn validate(&self) -> Result<(), String> {
        in_range(
            self.report_warning_days,
            0,
            31,
            "报表截止前提醒天数",
            "report_warning_days",
        )?;
        in_range(
            self.report_lookback_months,
            1,
            60,
            "报表检查回溯月数",
            "report_lookback_months",
        )
    }
}

/// One (period, receiver) a submitting organisation owes a report to.
#[derive(Debug, Clone)]
pub struct Delivery<'a> {
    pub template_id: i64,
    pub template: &'a str,
    pub period: Period,
    pub receiver_id: i64,
    pub receiver: &'a str,
    pub receipt: Receipt,
    /// RPT-002: days a returned report has to be sent again.
    pub grace_days: i64,
}

/// What the report rules know of one submitting organisation.
#[derive(Debug, Clone, Copy)]
pub struct ReportFacts<'a> {
    pub deliveries: &'a [Delivery<'a>],
}

pub(super) const RULES: &[RuleEntry] = &[
    RuleEntry {
        id: "RPT-001",
        severity: Severity::Error,
        title: "报表在报送期内报送每一个接收单位",
        family: Family::Reports,
        check: Check::Reports(rpt_001),
    },
    RuleEntry {
        id: "RPT-002",
        severity: Severity::Warning,
        title: "退回修改的报表在规定期限内重新报送",
        family: Family::Reports,
        check: Check::Reports(rpt_002),
    },
];

fn key(d: &Delivery) -> String {
    format!("rpt:{}:{}:{}", d.template_id, d.period.key, d.receiver_id)
}

/// The instant a check as of `as_of` stands at: the end of that day, Beijing time.
fn instant(as_of: NaiveDate) -> DateTime<Utc> {
    end_of_day(as_of)
}

fn rpt_001(cfg: &RuleConfig, as_of: NaiveDate, o: &ReportFacts, out: &mut Vec<Hit>) {
    let n = &cfg.at(as_of).reports;
    let now = instant(as_of);
    let window_start =
        crate::dates::add_months(as_of, -(n.report_lookback_months.clamp(0, 600) as i32));
    for d in o.deliveries {
        if d.period.closes < window_start {
            continue;
        }
        let p = &d.period;
        match receipt_state(p, &d.receipt, now) {
            ReceiptState::Missing => out.push(
                Hit::new(
                    "RPT-001",
                    Severity::Error,
                    format!(
                        "《{}》{}未在 {} 前报送{}",
                        d.template,
                        p.label,
                        fd(p.closes),
                        d.receiver
                    ),
                )
                .key(key(d))
                .date("opens", p.opens)
                .date("closes", p.closes),
            ),
            ReceiptState::SubmittedLate => {
                let sent = d
                    .receipt
                    .submitted_at
                    .map(|t| t.with_timezone(&crate::clock::china()).date_naive());
                out.push(
                    Hit::new(
                        "RPT-001",
                        Severity::Error,
                        format!(
                            "《{}》{}于 {} 报送{}，晚于报送期（{} 截止）",
                            d.template,
                            p.label,
                            sent.map(fd).unwrap_or_default(),
                            d.receiver,
                            fd(p.closes)
                        ),
                    )
                    .key(key(d))
                    .date("opens", p.opens)
                    .date("closes", p.closes),
                )
            }
            ReceiptState::Open => {
                let left = (p.closes - as_of).num_days();
                if left <= n.report_warning_days {
                    out.push(
                        Hit::new(
                            "RPT-001",
                            Severity::Warning,
                            format!(
                                "《{}》{}尚未报送{}，报送期 {} 截止（{}）",
                                d.template,
                                p.label,
                                d.receiver,
                                fd(p.closes),
                                days_left(left)
                            ),
                        )
                        .key(key(d))
                        .date("opens", p.opens)
                        .due(p.closes),
                    );
                }
            }
            _ => {}
        }
    }
}

fn rpt_002(_cfg: &RuleConfig, as_of: NaiveDate, o: &ReportFacts, out: &mut Vec<Hit>) {
    let now = instant(as_of);
    for d in o.deliveries {
        if receipt_state(&d.period, &d.receipt, now) != ReceiptState::Returned {
            continue;
        }
        let Some(returned) = d.receipt.returned_at else {
            continue;
        };
        let day = returned.with_timezone(&crate::clock::china()).date_naive();
        let due = day + chrono::TimeDelta::days(d.grace_days.clamp(0, 365));
        if as_of > due {
            out.push(
                Hit::new(
                    "RPT-002",
                    Severity::Warning,
                    format!(
                        "《{}》{}于 {} 被{}退回修改，超过 {} 天仍未重新报送",
                        d.template,
                        d.period.label,
                        fd(day),
                        d.receiver,
                        d.grace_days
                    ),
                )
                .key(key(d))
                .date("returned_on", day)
                .due(due),
            );
        }
    }
}
