//! A sheet of past meetings (会议记录登记表): one row per meeting with its day, kind, topic and
//! attendance counts, so that a branch's history can be loaded on its first day.

use chrono::NaiveDate;
use xianfeng_domain::life::{LifeConfig, Standard};
use xianfeng_domain::parse_date;

use crate::header::{find_header, Column};
use crate::members::{date_text, RowError, SheetError};
use crate::table::{Cell, Table};

macro_rules! col {
    ($key:expr, $($name:expr),+) => {
        Column { key: $key, names: &[$($name),+], year_month: false }
    };
}

const COLUMNS: &[Column] = &[
    col!("date", "会议日期", "日期", "召开日期", "时间"),
    col!("kind", "会议类型", "会议类别", "类型", "会议形式"),
    col!("topic", "会议主题", "主题", "议题", "会议内容摘要"),
    col!("org", "所在党组织", "党组织", "所在党支部", "组织代码"),
    col!("group", "党小组"),
    col!("place", "会议地点", "地点"),
    col!("expected", "应到人数", "应到"),
    col!("present", "实到人数", "实到"),
    col!("leave", "请假人数", "请假"),
    col!("minutes", "会议记录", "主要内容", "会议纪要", "备注"),
];

/// Template headings in order.
pub const TEMPLATE_HEADINGS: [&str; 10] = [
    "会议日期",
    "会议类型",
    "会议主题",
    "所在党组织",
    "党小组",
    "会议地点",
    "应到人数",
    "实到人数",
    "请假人数",
    "主要内容",
];

/// The example row of the template.
pub const TEMPLATE_EXAMPLE: [&str; 10] = [
    "2026-03-20",
    "支部党员大会",
    "学习贯彻全会精神",
    "组织代码或全称（不填则为导入的组织）",
    "（党小组会填写党小组名称）",
    "党员活动室",
    "12",
    "10",
    "1",
    "传达学习、讨论发言",
];

/// A row that could be read.
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingRow {
    pub row: usize,
    pub date: NaiveDate,
    /// The configured kind's code.
    pub kind: String,
    pub topic: String,
    /// The organisation as written (code or name), if the row names one.
    pub org: Option<String>,
    /// The party group as written, for a group meeting.
    pub group: Option<String>,
    pub place: Option<String>,
    pub expected: i64,
    pub present: i64,
    pub leave: i64,
    pub minutes: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct MeetingSheet {
    pub total: usize,
    pub accepted: Vec<MeetingRow>,
    pub rejected: Vec<RowError>,
    pub unknown_columns: Vec<String>,
    pub header_row: usize,
}

/// The kind a cell names: its label as configured, or its code.
fn kind_of(cfg: &LifeConfig, text: &str) -> Option<(String, Standard)> {
    let t: String = text.split_whitespace().collect();
    cfg.meeting_kinds
        .iter()
        .find(|k| k.label == t || k.code == t)
        .or_else(|| {
            // 党员大会 for 支部党员大会, 支委会 for 支部委员会, as registers write them.
            let alias = match t.as_str() {
                "党员大会" => "支部党员大会",
                "支委会" => "支部委员会",
                _ => return None,
            };
            cfg.meeting_kinds.iter().find(|k| k.label == alias)
        })
        .map(|k| (k.code.clone(), k.counts_as))
}

/// Reads the sheet; nothing is written. A row is refused when a value cannot be read, the
/// day lies after `today`, or the counts do not add up.
pub fn read_meetings(
    table: &Table,
    today: NaiveDate,
    cfg: &LifeConfig,
) -> Result<MeetingSheet, SheetError> {
    let header = find_header(table, COLUMNS)
        .ok_or(SheetError::NoHeaderOf("“会议日期”“会议类型”“会议主题”"))?;
    for (key, label) in [
        ("date", "会议日期"),
        ("kind", "会议类型"),
        ("topic", "会议主题"),
        ("expected", "应到人数"),
        ("present", "实到人数"),
    ] {
        if header.col(key).is_none() {
            return Err(SheetError::MissingColumn(label));
        }
    }
    let mut out = MeetingSheet {
        unknown_columns: header.unknown.clone(),
        header_row: table.excel_row(header.row),
        ..Default::default()
    };
    let kinds: Vec<&str> = cfg
        .meeting_kinds
        .iter()
        .filter(|k| k.counts_as != Standard::Joint)
        .map(|k| k.label.as_str())
        .collect();
    for (i, row) in table.rows.iter().enumerate().skip(header.row + 1) {
        if row.iter().all(Cell::is_empty) {
            continue;
        }
        out.total += 1;
        let excel_row = table.excel_row(i);
        let cell = |k: &str| {
            header
                .col(k)
                .and_then(|c| row.get(c))
                .unwrap_or(&Cell::Empty)
        };
        let text = |k: &str| xianfeng_domain::text::clean(&cell(k).text());
        let optional = |k: &str| Some(text(k)).filter(|t| !t.is_empty());
        let mut problems: Vec<(&str, String)> = Vec::new();
        let date = match date_text(cell("date"), false) {
            Ok(s) if s.trim().is_empty() => {
                problems.push(("会议日期", "会议日期不能为空".into()));
                None
            }
            Ok(s) => match parse_date(&s) {
                Ok(d) if d > today => {
                    problems.push(("会议日期", format!("{d} 还没到，只能导入已召开的会议")));
                    None
                }
                Ok(d) => Some(d),
                Err(e) => {
                    problems.push(("会议日期", e.to_string()));
                    None
                }
            },
            Err(e) => {
                problems.push(("会议日期", e));
                None
            }
        };
        let kind_text = text("kind");
        let kind = match kind_of(cfg, &kind_text) {
            _ if kind_text.is_empty() => {
                problems.push(("会议类型", "会议类型不能为空".into()));
                None
            }
            Some((_, Standard::Joint)) => {
                problems.push((
                    "会议类型",
                    "联席会议请在联席会议页面登记（须由召集人主持）".into(),
                ));
                None
            }
            Some((code, _)) => Some(code),
            None => {
                problems.push((
                    "会议类型",
                    format!(
                        "无法识别的会议类型“{kind_text}”（可填：{}）",
                        kinds.join("、")
                    ),
                ));
                None
            }
        };
        let topic = text("topic");
        if topic.is_empty() {
            problems.push(("会议主题", "会议主题不能为空".into()));
        } else if topic.chars().count() > 200 {
            problems.push(("会议主题", "会议主题不能超过 200 字".into()));
        }
        let place = optional("place");
        if place.as_ref().is_some_and(|p| p.chars().count() > 100) {
            problems.push(("会议地点", "会议地点不能超过 100 字".into()));
        }
        let minutes = optional("minutes");
        if minutes.as_ref().is_some_and(|p| p.chars().count() > 10_000) {
            problems.push(("主要内容", "主要内容不能超过 10000 字".into()));
        }
        let mut count = |key: &str, label: &'static str, required: bool| -> Option<i64> {
            let v = match cell(key) {
                Cell::Number(n) if n.fract() == 0.0 && *n >= 0.0 && *n <= 100_000.0 => {
                    Some(*n as i64)
                }
                Cell::Empty if !required => Some(0),
                c => {
                    let t = xianfeng_domain::text::clean(&c.text());
                    let t = t.trim_end_matches('人');
                    match t.parse::<i64>() {
                        Ok(n) if (0..=100_000).contains(&n) => Some(n),
                        _ if t.is_empty() && !required => Some(0),
                        _ if t.is_empty() => {
                            problems.push((label, format!("{label}不能为空")));
                            return None;
                        }
                        _ => {
                            problems.push((label, format!("“{t}”不是人数")));
                            return None;
                        }
                    }
                }
            };
            v
        };
        let expected = count("expected", "应到人数", true);
        let present = count("present", "实到人数", true);
        let leave = count("leave", "请假人数", false);
        if let (Some(e), Some(p), Some(l)) = (expected, present, leave) {
            if e == 0 {
                problems.push(("应到人数", "应到人数不能为 0".into()));
            } else if p + l > e {
                problems.push((
                    "实到人数",
                    format!("实到 {p} 人加请假 {l} 人超过应到 {e} 人"),
                ));
            }
        }
        match (problems.is_empty(), date, kind, expected, present, leave) {
            (true, Some(date), Some(kind), Some(expected), Some(present), Some(leave)) => {
                out.accepted.push(MeetingRow {
                    row: excel_row,
                    date,
                    kind,
                    topic,
                    org: optional("org"),
                    group: optional("group"),
                    place,
                    expected,
                    present,
                    leave,
                    minutes,
                })
            }
            _ => {
                for (column, reason) in problems {
                    out.rejected.push(RowError {
                        row: excel_row,
                        column: column.to_string(),
                        reason,
                    });
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }

    #[test]
    fn reads_rows_and_refuses_what_cannot_be_read() {
        let table = Table {
            first_row: 1,
            sheet: "会议".into(),
            rows: vec![
                vec![t("某支部 2026 年会议登记")],
                vec![
                    t("会议日期"),
                    t("会议类型"),
                    t("会议主题"),
                    t("应到人数"),
                    t("实到人数"),
                    t("请假人数"),
                    t("签到方式"),
                ],
                vec![
                    Cell::Date(NaiveDate::from_ymd_opt(2026, 3, 20).unwrap()),
                    t("党员大会"),
                    t("学习全会精神"),
                    Cell::Number(12.0),
                    Cell::Number(10.0),
                    Cell::Number(1.0),
                ],
                vec![
                    t("2026年4月3日"),
                    t("支委会"),
                    t("研究发展"),
                    t("5"),
                    t("5人"),
                ],
                vec![t("2027-01-01"), t("茶话会"), t(""), t("3"), t("5"), t("")],
                vec![t("2026-05-01"), t("联席会议"), t("议题"), t("3"), t("2")],
                vec![],
            ],
        };
        let today = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let s = read_meetings(&table, today, &LifeConfig::default()).unwrap();
        assert_eq!(s.total, 4);
        assert_eq!(s.unknown_columns, vec!["签到方式".to_string()]);
        assert_eq!(s.accepted.len(), 2);
        assert_eq!(s.accepted[0].kind, "general");
        assert_eq!((s.accepted[0].expected, s.accepted[0].present), (12, 10));
        assert_eq!(s.accepted[1].kind, "committee");
        assert_eq!(s.accepted[1].leave, 0);
        assert_eq!(s.accepted[1].row, 4);
        let row5: Vec<&str> = s
            .rejected
            .iter()
            .filter(|e| e.row == 5)
            .map(|e| e.column.as_str())
            .collect();
        assert_eq!(row5, vec!["会议日期", "会议类型", "会议主题", "实到人数"]);
        assert!(s
            .rejected
            .iter()
            .any(|e| e.row == 6 && e.reason.contains("联席会议")));
    }

    #[test]
    fn a_sheet_without_the_headings_is_refused() {
        let table = Table {
            first_row: 1,
            sheet: "x".into(),
            rows: vec![vec![t("姓名"), t("身份证号")]],
        };
        let today = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let e = read_meetings(&table, today, &LifeConfig::default()).unwrap_err();
        assert!(e.to_string().contains("会议日期"));
    }
}
