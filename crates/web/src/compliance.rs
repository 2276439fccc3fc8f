//! Compliance (合规检查): counts by rule for a subtree, organisations ranked, the findings
//! behind each count and their export; the development lists and each person's file.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use xianfeng_domain::dates::format_date;
use xianfeng_domain::development::Step;

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
