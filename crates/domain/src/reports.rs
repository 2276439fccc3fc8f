//! Periodic reports (报表, seed 001's 半月报): typed fields, cadences with their due windows,
//! and the state of each (period, submitter, receiver).
//!
//! Windows are in Beijing time. A half-monthly record has two periods a month: the first is due
//! from the 1st to the `first_due_day` (default the 12th, inclusive, until 23:59:59); the
//! second within the last three days of the month, which move with its length (26–28
//! February, 27–29 in a leap year, 28–30 in a 30-day month, 29–31 otherwise). Monthly,
//! quarterly and yearly reports cover their calendar period and are due from its first day
//! until `due_days` after its last. A one-off report is due by its date. A submission made
//! before a window opens counts as on time: the window only closes.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::clock::china;
use crate::dates::add_months;

/// How often a report is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    HalfMonthly,
    Monthly,
    Quarterly,
    Yearly,
    Once,
}

impl Cadence {
    pub const ALL: [Cadence; 5] = [
        Cadence::HalfMonthly,
        Cadence::Monthly,
        Cadence::Quarterly,
        Cadence::Yearly,
        Cadence::Once,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Cadence::HalfMonthly => "half_monthly",
            Cadence::Monthly => "monthly",
            Cadence::Quarterly => "quarterly",
            Cadence::Yearly => "yearly",
            Cadence::Once => "once",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Cadence::HalfMonthly => "半月报（每月两次）",
            Cadence::Monthly => "月报",
            Cadence::Quarterly => "季报",
            Cadence::Yearly => "年报",
            Cadence::Once => "一次性",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == s)
    }
}

/// When a template's reports are due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub cadence: Cadence,
    /// Half-monthly: the first window closes at the end of this day (default 12).
    pub first_due_day: u32,
    /// Monthly, quarterly, yearly: days after the period's end the window stays open.
    pub due_days: i64,
    /// One-off: the due day.
    pub once_due: Option<NaiveDate>,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            cadence: Cadence::HalfMonthly,
            first_due_day: 12,
            due_days: 5,
            once_due: None,
        }
    }
}

/// One period a report is due for, and its window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    /// `2026-03-1`, `2026-03-2` (half-monthly), `2026-03`, `2026-Q1`, `2026`, `once`.
    pub key: String,
    pub label: String,
    /// The days the report covers.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The window (Beijing days, inclusive).
    pub opens: NaiveDate,
    pub closes: NaiveDate,
}

impl Period {
    /// The last moment a submission counts as on time: the end of `closes`, Beijing time.
    pub fn deadline(&self) -> DateTime<Utc> {
        end_of_day(self.closes)
    }
    /// Whether a submission at `t` is late.
    pub fn is_late(&self, t: DateTime<Utc>) -> bool {
        t > self.deadline()
    }
}

/// The end of a Beijing day (23:59:59.999999) as a UTC instant.
pub fn end_of_day(d: NaiveDate) -> DateTime<Utc> {
    let next = d.succ_opt().unwrap_or(d);
    china()
        .from_local_datetime(&next.and_time(NaiveTime::MIN))
        .single()
        .map(|t| t.with_timezone(&Utc) - chrono::TimeDelta::microseconds(1))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn last_day(year: i32, month: u32) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(NaiveDate::MIN);
    add_months(first, 1).pred_opt().unwrap_or(first)
}

impl Schedule {
    /// What is wrong with a schedule, in words.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !(1..=28).contains(&self.first_due_day) {
            out.push("半月报第一次报送截止日须为每月 1 到 28 日".into());
        }
        if !(0..=60).contains(&self.due_days) {
            out.push("报送期限须为期末后 0 到 60 天".into());
        }
        if self.cadence == Cadence::Once && self.once_due.is_none() {
            out.push("一次性报表请填写报送截止日期".into());
        }
        out
    }

    /// The periods of the month holding `day` (half-monthly: two), or the one period holding
    /// it.
    fn periods_at(&self, day: NaiveDate) -> Vec<Period> {
        let (y, m) = (day.year(), day.month());
        let first = NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(day);
        match self.cadence {
            Cadence::HalfMonthly => {
                let last = last_day(y, m);
                let mid =
                    NaiveDate::from_ymd_opt(y, m, self.first_due_day.clamp(1, 28)).unwrap_or(first);
                let late_open = last - chrono::TimeDelta::days(2);
                vec![
                    Period {
                        key: format!("{y}-{m:02}-1"),
                        label: format!("{y} 年 {m} 月上半月"),
                        from: first,
                        to: NaiveDate::from_ymd_opt(y, m, 15).unwrap_or(first),
                        opens: first,
                        closes: mid,
                    },
                    Period {
                        key: format!("{y}-{m:02}-2"),
                        label: format!("{y} 年 {m} 月下半月"),
                        from: NaiveDate::from_ymd_opt(y, m, 16).unwrap_or(first),
                        to: last,
                        opens: late_open,
                        closes: last,
                    },
                ]
            }
            Cadence::Monthly => {
                let last = last_day(y, m);
                vec![Period {
                    key: format!("{y}-{m:02}"),
                    label: format!("{y} 年 {m} 月"),
                    from: first,
                    to: last,
                    opens: first,
                    closes: last + chrono::TimeDelta::days(self.due_days.clamp(0, 60)),
                }]
            }
            Cadence::Quarterly => {
                let q = (m - 1) / 3;
                let start = NaiveDate::from_ymd_opt(y, q * 3 + 1, 1).unwrap_or(first);
                let last = add_months(start, 3).pred_opt().unwrap_or(start);
                vec![Period {
                    key: format!("{y}-Q{}", q + 1),
                    label: format!("{y} 年第{}季度", ["一", "二", "三", "四"][q as usize % 4]),
                    from: start,
                    to: last,
                    opens: start,
                    closes: last + chrono::TimeDelta::days(self.due_days.clamp(0, 60)),
                }]
            }
            Cadence::Yearly => {
                let start = NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or(first);
                let last = NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or(first);
                vec![Period {
                    key: format!("{y}"),
                    label: format!("{y} 年度"),
                    from: start,
                    to: last,
                    opens: start,
                    closes: last + chrono::TimeDelta::days(self.due_days.clamp(0, 60)),
                }]
            }
            Cadence::Once => self
                .once_due
                .map(|d| Period {
                    key: "once".into(),
                    label: format!("{} 截止", crate::dates::format_date(d)),
                    from: d,
                    to: d,
                    opens: NaiveDate::MIN,
                    closes: d,
                })
                .into_iter()
                .collect(),
        }
    }

    /// The period with this key, if the schedule has one.
    pub fn period(&self, key: &str) -> Option<Period> {
        if self.cadence == Cadence::Once {
            return self
                .periods_at(NaiveDate::MIN)
                .into_iter()
                .find(|p| p.key == key);
        }
        let (y, rest) = key.split_once('-').unwrap_or((key, ""));
        let y: i32 = y.parse().ok()?;
        let month = match (self.cadence, rest) {
            (Cadence::Yearly, "") => 1,
            (Cadence::Quarterly, q) => {
                let q: u32 = q.strip_prefix('Q')?.parse().ok()?;
                (q.checked_sub(1)? % 4) * 3 + 1
            }
            (_, r) => r.get(..2)?.parse().ok()?,
        };
        let day = NaiveDate::from_ymd_opt(y, month, 1)?;
        self.periods_at(day).into_iter().find(|p| p.key == key)
    }

    /// The periods whose window has closed on or after `from` and opened on or before `to`, in
    /// time order (the periods a check between those days looks at).
    pub fn periods_between(&self, from: NaiveDate, to: NaiveDate) -> Vec<Period> {
        if self.cadence == Cadence::Once {
            return self
                .periods_at(from)
                .into_iter()
                .filter(|p| p.closes >= from && p.opens <= to)
                .collect();
        }
        let step = match self.cadence {
            Cadence::Quarterly => 3,
            Cadence::Yearly => 12,
            _ => 1,
        };
        let mut out = Vec::new();
        // Start early enough for windows that close after their period ends.
        let mut day = add_months(from.with_day(1).unwrap_or(from), -14);
        while day <= to {
            for p in self.periods_at(day) {
                if p.closes >= from && p.opens <= to && !out.contains(&p) {
                    out.push(p);
                }
            }
            day = add_months(day, step);
        }
        out.sort_by_key(|p| (p.closes, p.key.clone()));
        out
    }

    /// The period whose window holds `day`, or else the next to open.
    pub fn current(&self, day: NaiveDate) -> Option<Period> {
        let around = self.periods_between(day, add_months(day, 13));
        around
            .iter()
            .find(|p| p.opens <= day && day <= p.closes)
            .or(around.first())
            .cloned()
    }
}

/// Where one (period, submitter, receiver) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptState {
    /// The window has not opened.
    NotYetDue,
    /// Open, nothing sent.
    Open,
    /// The window closed with nothing sent.
    Missing,
    SubmittedOnTime,
    SubmittedLate,
    /// Returned by the receiver with comments.
    Returned,
    Resubmitted,
    Accepted,
}

impl ReceiptState {
    pub fn code(self) -> &'static str {
        match self {
            ReceiptState::NotYetDue => "not_yet_due",
            ReceiptState::Open => "open",
            ReceiptState::Missing => "missing",
            ReceiptState::SubmittedOnTime => "on_time",
            ReceiptState::SubmittedLate => "late",
            ReceiptState::Returned => "returned",
            ReceiptState::Resubmitted => "resubmitted",
            ReceiptState::Accepted => "accepted",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ReceiptState::NotYetDue => "未到报送期",
            ReceiptState::Open => "待报送",
            ReceiptState::Missing => "逾期未报",
            ReceiptState::SubmittedOnTime => "按时报送",
            ReceiptState::SubmittedLate => "逾期报送",
            ReceiptState::Returned => "已退回修改",
            ReceiptState::Resubmitted => "已重新报送",
            ReceiptState::Accepted => "已接收",
        }
    }
    /// On the receiver's late list.
    pub fn is_late(self) -> bool {
        matches!(self, ReceiptState::Missing | ReceiptState::SubmittedLate)
    }
}

/// What is recorded of one (period, submitter, receiver).
#[derive(Debug, Clone, Copy, Default)]
pub struct Receipt {
    pub submitted_at: Option<DateTime<Utc>>,
    pub returned_at: Option<DateTime<Utc>>,
    pub resubmitted_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
}

/// The state of a receipt at `now`.
pub fn receipt_state(p: &Period, r: &Receipt, now: DateTime<Utc>) -> ReceiptState {
    let seen = |t: Option<DateTime<Utc>>| t.filter(|t| *t <= now);
    if seen(r.accepted_at).is_some() {
        return ReceiptState::Accepted;
    }
    match (seen(r.returned_at), seen(r.resubmitted_at)) {
        (Some(ret), Some(re)) if re >= ret => return ReceiptState::Resubmitted,
        (Some(_), _) => return ReceiptState::Returned,
        _ => {}
    }
    match seen(r.submitted_at) {
        Some(t) if p.is_late(t) => ReceiptState::SubmittedLate,
        Some(_) => ReceiptState::SubmittedOnTime,
        None if now > p.deadline() => ReceiptState::Missing,
        None if now < end_of_day(p.opens.pred_opt().unwrap_or(p.opens)) => ReceiptState::NotYetDue,
        None => ReceiptState::Open,
    }
}

/// A field's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    LongText,
    Number,
    Date,
    Choice,
    Table,
    /// Files (scans, photos, documents), kept with the report.
    Attachment,
}

/// Files one attachment field may carry.
pub const MAX_FIELD_FILES: usize = 10;

impl FieldKind {
    pub const ALL: [FieldKind; 7] = [
        FieldKind::Text,
        FieldKind::LongText,
        FieldKind::Number,
        FieldKind::Date,
        FieldKind::Choice,
        FieldKind::Table,
        FieldKind::Attachment,
    ];
    pub fn code(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::LongText => "long_text",
            FieldKind::Number => "number",
            FieldKind::Date => "date",
            FieldKind::Choice => "choice",
            FieldKind::Table => "table",
            FieldKind::Attachment => "attachment",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            FieldKind::Text => "单行文字",
            FieldKind::LongText => "多行文字",
            FieldKind::Number => "数字",
            FieldKind::Date => "日期",
            FieldKind::Choice => "选择",
            FieldKind::Table => "表格",
            FieldKind::Attachment => "附件",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// What the system fills a field with before the submitter edits it ("enter once").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    #[default]
    None,
    /// Meetings that took place in the period: a table (date, kind, topic, present/expected)
    /// or a text, one meeting a line.
    Meetings,
    /// Decisions of the period's meetings.
    Decisions,
    /// Development steps recorded in the period.
    Development,
    /// Dues collected in the period's months (yuan).
    Dues,
}

impl Source {
    pub const ALL: [Source; 5] = [
        Source::None,
        Source::Meetings,
        Source::Decisions,
        Source::Development,
        Source::Dues,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Source::None => "none",
            Source::Meetings => "meetings",
            Source::Decisions => "decisions",
            Source::Development => "development",
            Source::Dues => "dues",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Source::None => "不预填",
            Source::Meetings => "本期召开的会议",
            Source::Decisions => "本期会议的决定事项",
            Source::Development => "本期发展党员工作",
            Source::Dues => "本期收缴党费（元）",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// One field of a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// Stable within a template's versions (`f1`, `f2`, …).
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    pub required: bool,
    /// Choice: the options.
    #[serde(default)]
    pub options: Vec<String>,
    /// Table: the columns (label, kind: text, number or date).
    #[serde(default)]
    pub columns: Vec<(String, FieldKind)>,
    #[serde(default)]
    pub source: Source,
}

/// A value typed for a field: text, or rows of a table (an attachment field: one row per
/// file, its id and its name).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Text(String),
    Rows(Vec<Vec<String>>),
}

/// Checks the values of a submission against its fields; every problem, by field key.
pub fn check_values(
    fields: &[Field],
    values: &std::collections::BTreeMap<String, Value>,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for f in fields {
        let v = values.get(&f.key);
        let empty = match v {
            None => true,
            Some(Value::Text(s)) => s.trim().is_empty(),
            Some(Value::Rows(r)) => r.iter().all(|row| row.iter().all(|c| c.trim().is_empty())),
        };
        if empty {
            if f.required {
                let verb = if f.kind == FieldKind::Attachment {
                    "上传"
                } else {
                    "填写"
                };
                out.push((f.key.clone(), format!("请{verb}“{}”", f.label)));
            }
            continue;
        }
        match (f.kind, v) {
            (FieldKind::Number, Some(Value::Text(s))) if s.trim().parse::<f64>().is_err() => {
                out.push((f.key.clone(), format!("“{}”须为数字", f.label)))
            }
            (FieldKind::Date, Some(Value::Text(s))) if crate::parse_date(s).is_err() => {
                out.push((f.key.clone(), format!("“{}”不是有效日期", f.label)))
            }
            (FieldKind::Choice, Some(Value::Text(s)))
                if !f.options.iter().any(|o| o == s.trim()) =>
            {
                out.push((f.key.clone(), format!("“{}”请从选项中选择", f.label)))
            }
            (FieldKind::Text, Some(Value::Text(s))) if s.chars().count() > 200 => {
                out.push((f.key.clone(), format!("“{}”最多 200 个字", f.label)))
            }
            (FieldKind::LongText, Some(Value::Text(s))) if s.chars().count() > 10_000 => {
                out.push((f.key.clone(), format!("“{}”最多 10000 个字", f.label)))
            }
            (FieldKind::Attachment, Some(Value::Rows(rows))) => {
                if rows.len() > MAX_FIELD_FILES {
                    out.push((
                        f.key.clone(),
                        format!("“{}”最多 {MAX_FIELD_FILES} 个文件", f.label),
                    ));
                }
                if rows
                    .iter()
                    .any(|r| r.first().is_none_or(|id| id.parse::<i64>().is_err()))
                {
                    out.push((f.key.clone(), format!("“{}”的文件无效", f.label)));
                }
            }
            (FieldKind::Attachment, Some(Value::Text(_))) => {
                out.push((f.key.clone(), format!("“{}”的文件无效", f.label)))
            }
            (FieldKind::Table, Some(Value::Rows(rows))) => {
                for (i, row) in rows.iter().enumerate() {
                    for ((label, kind), cell) in f.columns.iter().zip(row) {
                        let bad = match kind {
                            _ if cell.trim().is_empty() => false,
                            FieldKind::Number => cell.trim().parse::<f64>().is_err(),
                            FieldKind::Date => crate::parse_date(cell).is_err(),
                            _ => cell.chars().count() > 500,
                        };
                        if bad {
                            out.push((
                                f.key.clone(),
                                format!("“{}”第 {} 行“{label}”格式不对", f.label, i + 1),
                            ));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// What is wrong with a template's fields, in words.
pub fn field_problems(fields: &[Field]) -> Vec<String> {
    let mut out = Vec::new();
    if fields.is_empty() {
        out.push("请至少设置一个填报项".into());
    }
    let mut keys = std::collections::HashSet::new();
    for f in fields {
        if f.label.trim().is_empty() || f.label.chars().count() > 50 {
            out.push("填报项名称须为 1–50 个字".into());
        }
        if !keys.insert(f.key.as_str()) {
            out.push(format!("填报项“{}”重复", f.label));
        }
        if f.kind == FieldKind::Choice && f.options.len() < 2 {
            out.push(format!("选择项“{}”至少需要两个选项", f.label));
        }
        if f.kind == FieldKind::Attachment && f.source != Source::None {
            out.push(format!("附件“{}”不能由系统预填", f.label));
        }
        if f.kind == FieldKind::Table && f.columns.is_empty() {
            out.push(format!("表格“{}”至少需要一列", f.label));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn half_monthly_windows_move_with_february() {
        let s = Schedule::default();
        let p = s.period("2025-02-2").unwrap();
        assert_eq!((p.opens, p.closes), (d("2025-02-26"), d("2025-02-28")));
        // 1 March 00:00:01 Beijing time is late; 28 February 23:59:59 is not.
        assert!(p.is_late(t("2025-03-01T00:00:01+08:00")));
        assert!(!p.is_late(t("2025-02-28T23:59:59+08:00")));
        let p = s.period("2024-02-2").unwrap();
        assert_eq!((p.opens, p.closes), (d("2024-02-27"), d("2024-02-29")));
        let p = s.period("2026-03-2").unwrap();
        assert_eq!((p.opens, p.closes), (d("2026-03-29"), d("2026-03-31")));
        let p = s.period("2026-04-2").unwrap();
        assert_eq!((p.opens, p.closes), (d("2026-04-28"), d("2026-04-30")));
        let p = s.period("2026-03-1").unwrap();
        assert_eq!((p.opens, p.closes), (d("2026-03-01"), d("2026-03-12")));
        assert!(!p.is_late(t("2026-03-12T23:59:59+08:00")));
        assert!(p.is_late(t("2026-03-13T00:00:00+08:00")));
        // The boundary is configurable.
        let s10 = Schedule {
            first_due_day: 10,
            ..Schedule::default()
        };
        assert_eq!(s10.period("2026-03-1").unwrap().closes, d("2026-03-10"));
    }

    #[test]
    fn other_cadences() {
        let m = Schedule {
            cadence: Cadence::Monthly,
            ..Schedule::default()
        };
        let p = m.period("2026-02").unwrap();
        assert_eq!((p.to, p.closes), (d("2026-02-28"), d("2026-03-05")));
        let q = Schedule {
            cadence: Cadence::Quarterly,
            ..Schedule::default()
        };
        assert_eq!(q.period("2026-Q4").unwrap().closes, d("2027-01-05"));
        assert!(q.period("2026-Q5").is_none());
        let y = Schedule {
            cadence: Cadence::Yearly,
            due_days: 15,
            ..Schedule::default()
        };
        assert_eq!(y.period("2025").unwrap().closes, d("2026-01-15"));
        let between = Schedule::default().periods_between(d("2026-03-01"), d("2026-03-31"));
        let keys: Vec<&str> = between.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, vec!["2026-03-1", "2026-03-2"]);
        assert_eq!(
            Schedule::default().current(d("2026-03-20")).unwrap().key,
            "2026-03-2"
        );
    }

    #[test]
    fn states() {
        let p = Schedule::default().period("2025-02-2").unwrap();
        let none = Receipt::default();
        assert_eq!(
            receipt_state(&p, &none, t("2025-02-20T10:00:00+08:00")),
            ReceiptState::NotYetDue
        );
        assert_eq!(
            receipt_state(&p, &none, t("2025-02-26T00:00:00+08:00")),
            ReceiptState::Open
        );
        assert_eq!(
            receipt_state(&p, &none, t("2025-03-01T00:00:01+08:00")),
            ReceiptState::Missing
        );
        // Early counts as on time.
        let early = Receipt {
            submitted_at: Some(t("2025-02-20T10:00:00+08:00")),
            ..Receipt::default()
        };
        assert_eq!(
            receipt_state(&p, &early, t("2025-03-02T00:00:00+08:00")),
            ReceiptState::SubmittedOnTime
        );
        let late = Receipt {
            submitted_at: Some(t("2025-03-01T00:00:01+08:00")),
            ..Receipt::default()
        };
        assert_eq!(
            receipt_state(&p, &late, t("2025-03-02T00:00:00+08:00")),
            ReceiptState::SubmittedLate
        );
        let returned = Receipt {
            returned_at: Some(t("2025-03-02T09:00:00+08:00")),
            ..early
        };
        assert_eq!(
            receipt_state(&p, &returned, t("2025-03-03T00:00:00+08:00")),
            ReceiptState::Returned
        );
        let again = Receipt {
            resubmitted_at: Some(t("2025-03-02T10:00:00+08:00")),
            ..returned
        };
        assert_eq!(
            receipt_state(&p, &again, t("2025-03-03T00:00:00+08:00")),
            ReceiptState::Resubmitted
        );
    }

    #[test]
    fn values_are_checked_by_kind() {
        let fields = vec![
            Field {
                key: "f1".into(),
                label: "党员人数".into(),
                kind: FieldKind::Number,
                required: true,
                options: vec![],
                columns: vec![],
                source: Source::None,
            },
            Field {
                key: "f2".into(),
                label: "会议".into(),
                kind: FieldKind::Table,
                required: false,
                options: vec![],
                columns: vec![
                    ("日期".into(), FieldKind::Date),
                    ("主题".into(), FieldKind::Text),
                ],
                source: Source::Meetings,
            },
        ];
        let mut v = std::collections::BTreeMap::new();
        v.insert("f1".to_string(), Value::Text("三十".into()));
        v.insert(
            "f2".to_string(),
            Value::Rows(vec![vec!["2026-13-01".into(), "学习".into()]]),
        );
        let p = check_values(&fields, &v);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[1].1.contains("第 1 行“日期”"));
        assert!(check_values(&fields, &Default::default())[0]
            .1
            .contains("请填写"));
    }
}
