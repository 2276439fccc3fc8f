//! Findings as pages show them: the panels on the home page, an organisation, a person and a
//! development file, and the compliance lists.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use xianfeng_domain::dates::format_date;
use xianfeng_domain::development::Step;
use xianfeng_store::compliance::StoredFinding;

/// Chinese name of a date a finding carries.
pub fn date_label(key: &str) -> &str {
    if let Some(s) = Step::parse_field(key) {
        return s.label();
    }
    match key {
        "birth_date" => "出生日期",
        "admission_date" => "入党日期",
        "conversion_date" => "转正日期",
        "probation_end" => "预备期满",
        "last_assessment" => "上次考察",
        "named_on" => "确定日期",
        "from" => "起",
        "to" => "止",
        "due" => "期限",
        "term_start" => "任期开始",
        "issued_on" => "开具日期",
        "reported_on" => "报到日期",
        "month" => "所缴月份",
        "paid_on" => "缴纳日期",
        other => other,
    }
}

/// `申请入党日期 2025-01-01；期限 2025-02-01`.
pub fn dates_text<K: AsRef<str>>(dates: &BTreeMap<K, NaiveDate>) -> String {
    dates
        .iter()
        .map(|(k, d)| format!("{} {}", date_label(k.as_ref()), format_date(*d)))
        .collect::<Vec<_>>()
        .join("；")
}

/// A finding as a row of the page.
pub struct FindingView {
    pub f: StoredFinding,
    pub dates: String,
    pub href: String,
}

impl FindingView {
    /// Whether the deadline of the finding has passed.
    pub fn overdue_on(&self, today: &NaiveDate) -> bool {
        self.f.due_date.is_some_and(|d| d < *today)
    }

    pub fn of(f: StoredFinding) -> FindingView {
        let dates: BTreeMap<String, NaiveDate> = serde_json::from_str(&f.dates).unwrap_or_default();
        let href = if f.subject_type == "org" {
            format!("/orgs/{}", f.subject_id)
        } else if f.rule.starts_with("DEV") {
            format!("/members/{}/development", f.subject_id)
        } else {
            format!("/members/{}", f.subject_id)
        };
        FindingView {
            dates: dates_text(&dates),
            href,
            f,
        }
    }
}
