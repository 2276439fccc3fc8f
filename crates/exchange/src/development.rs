//! A development sheet (发展党员工作台账): one row per person with the dates of the steps.
//! History is read as it was: a rule broken in the file is a finding of the check, not an
//! error here; only values that cannot be read are refused.

use std::collections::HashMap;

use chrono::NaiveDate;
use xianfeng_domain::development::{DevFile, Step, Votes};
use xianfeng_domain::{parse_date, IdNumber};

use crate::header::{find_header, Column, Header};
use crate::members::{date_text, RowError, SheetError};
use crate::table::{Cell, Table};

macro_rules! col {
    ($key:expr, $($name:expr),+) => {
        Column { key: $key, names: &[$($name),+], year_month: false }
    };
}

/// The columns of the template, in template order, with the headings seen in real files.
pub const DEV_COLUMNS: &[Column] = &[
    col!("name", "姓名"),
    col!(
        "id_number",
        "公民身份号码",
        "身份证号",
        "身份证号码",
        "身份证"
    ),
    col!("org", "所在党组织", "所在党支部", "党组织", "组织代码"),
    col!("application_date", "申请入党日期", "申请入党时间"),
    col!("talk_date", "谈话日期", "谈话时间"),
    col!(
        "activist_date",
        "确定积极分子日期",
        "确定入党积极分子日期",
        "确定为入党积极分子日期"
    ),
    col!("activist_filed_date", "积极分子备案日期"),
    col!("assessments", "考察日期", "培养考察日期"),
    col!("candidate_date", "确定发展对象日期", "确定为发展对象日期"),
    col!("candidate_filed_date", "发展对象备案日期"),
    col!("political_review_date", "政治审查日期", "政审日期"),
    col!("training_start", "集中培训开始日期"),
    col!("training_end", "集中培训结束日期"),
    col!("training_hours", "集中培训学时", "培训学时"),
    col!("committee_review_date", "支委会审查日期"),
    col!("precheck_date", "上级党委预审日期", "预审日期"),
    col!("general_meeting_date", "支部大会日期", "支部大会讨论日期"),
    col!("votes_entitled", "应到会有表决权人数"),
    col!("votes_present", "实到会有表决权人数"),
    col!("votes_for", "赞成票数"),
    col!("upper_talk_date", "上级党委谈话日期"),
    col!("approval_date", "上级党委审批日期", "审批日期"),
    col!("extension_reason", "延长审批原因"),
    col!("approval_org", "审批组织", "上级党委审批组织", "审批党委"),
    col!("oath_date", "入党宣誓日期"),
    col!("conversion_application_date", "转正申请日期"),
    col!("conversion_meeting_date", "转正支部大会日期"),
    col!("conversion_approval_date", "转正审批日期"),
    col!(
        "extension_months",
        "延长预备期月数",
        "延长预备期（月）",
        "延长预备期"
    ),
    col!("conversion_approval_org", "转正审批组织", "转正审批党委"),
    col!("contacts", "培养联系人"),
    col!("introducers", "入党介绍人"),
];

/// Template headings in order (the template download writes these).
pub const TEMPLATE_HEADINGS: [&str; 32] = [
    "姓名",
    "公民身份号码",
    "所在党组织",
    "申请入党日期",
    "谈话日期",
    "确定积极分子日期",
    "积极分子备案日期",
    "考察日期",
    "确定发展对象日期",
    "发展对象备案日期",
    "政治审查日期",
    "集中培训开始日期",
    "集中培训结束日期",
    "集中培训学时",
    "支委会审查日期",
    "上级党委预审日期",
    "支部大会日期",
    "应到会有表决权人数",
    "实到会有表决权人数",
    "赞成票数",
    "上级党委谈话日期",
    "上级党委审批日期",
    "延长审批原因",
    "审批组织",
    "入党宣誓日期",
    "转正申请日期",
    "转正支部大会日期",
    "转正审批日期",
    "延长预备期月数",
    "转正审批组织",
    "培养联系人",
    "入党介绍人",
];

/// The example row of the template.
pub const TEMPLATE_EXAMPLE: [&str; 32] = [
    "张三",
    "（18位，末位可为X）",
    "组织代码或全称",
    "2023-03-01",
    "2023-03-20",
    "2023-06-01",
    "2023-06-10",
    "2023-12-01、2024-05-20",
    "2024-06-10",
    "2024-06-15",
    "2024-07-01",
    "2024-07-05",
    "2024-07-07",
    "24",
    "2024-07-20",
    "2024-08-01",
    "2024-08-15",
    "10",
    "8",
    "8",
    "2024-08-25",
    "2024-09-10",
    "",
    "组织代码或全称",
    "2024-09-20",
    "2025-07-20",
    "2025-08-15",
    "2025-09-01",
    "",
    "组织代码或全称",
    "李四",
    "王五、赵六",
];

/// A row that could be read.
#[derive(Debug, Clone)]
pub struct DevRow {
    pub row: usize,
    pub name: String,
    pub id_number: IdNumber,
    pub org: String,
    pub file: DevFile,
    pub contacts: Vec<String>,
    pub introducers: Vec<String>,
    /// The organisations that approved the admission and the conversion, as written (code or
    /// name), for the importer to find.
    pub approval_org: Option<String>,
    pub conversion_approval_org: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct DevSheet {
    pub total: usize,
    pub accepted: Vec<DevRow>,
    pub rejected: Vec<RowError>,
    pub unknown_columns: Vec<String>,
    pub header_row: usize,
}

fn label(key: &str) -> &'static str {
    DEV_COLUMNS
        .iter()
        .find(|c| c.key == key)
        .map(|c| c.names[0])
        .unwrap_or("")
}

fn heading(header: &Header, key: &str) -> String {
    header
        .heading(key)
        .map(str::to_string)
        .unwrap_or_else(|| label(key).to_string())
}

/// Reads a development sheet. Nothing is written.
pub fn read_development(table: &Table, today: NaiveDate) -> Result<DevSheet, SheetError> {
    let header = find_header(table, DEV_COLUMNS).ok_or(SheetError::NoHeader)?;
    for key in ["name", "id_number", "org"] {
        if header.col(key).is_none() {
            return Err(SheetError::MissingColumn(label(key)));
        }
    }
    let mut sheet = DevSheet {
        unknown_columns: header.unknown.clone(),
        header_row: table.excel_row(header.row),
        ..Default::default()
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, row) in table.rows.iter().enumerate().skip(header.row + 1) {
        if row.iter().all(Cell::is_empty) {
            continue;
        }
        sheet.total += 1;
        let excel_row = table.excel_row(i);
        match read_row(row, &header, today) {
            Ok(mut r) => {
                r.row = excel_row;
                let id = r.id_number.as_str().to_string();
                if let Some(first) = seen.get(&id) {
                    sheet.rejected.push(RowError {
                        row: excel_row,
                        column: heading(&header, "id_number"),
                        reason: format!("公民身份号码与第 {first} 行重复"),
                    });
                    continue;
                }
                seen.insert(id, excel_row);
                sheet.accepted.push(r);
            }
            Err(problems) => {
                for (key, reason) in problems {
                    sheet.rejected.push(RowError {
                        row: excel_row,
                        column: heading(&header, key),
                        reason,
                    });
                }
            }
        }
    }
    Ok(sheet)
}

fn split_list(s: &str) -> impl Iterator<Item = &str> {
    s.split(['、', ',', '，', ';', '；', '\n', ' ', '　'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
}

fn read_row(
    row: &[Cell],
    header: &Header,
    today: NaiveDate,
) -> Result<DevRow, Vec<(&'static str, String)>> {
    let mut problems: Vec<(&'static str, String)> = Vec::new();
    let cell = |key: &str| -> &Cell {
        header
            .col(key)
            .and_then(|c| row.get(c))
            .unwrap_or(&Cell::Empty)
    };
    let text = |key: &str| xianfeng_domain::text::clean(&cell(key).text());

    let name = text("name");
    if name.is_empty() {
        problems.push(("name", "姓名不能为空".into()));
    } else if name.chars().count() > 50 {
        problems.push(("name", "姓名过长（最多 50 个字）".into()));
    }
    let id_number = match cell("id_number") {
        Cell::Number(_) => {
            problems.push((
                "id_number",
                "公民身份号码被存成了数字，末几位已丢失。请把该列设置为“文本”格式后重新录入".into(),
            ));
            None
        }
        c => match IdNumber::parse(&c.text()) {
            Ok(id) => Some(id),
            Err(e) => {
                problems.push(("id_number", e.to_string()));
                None
            }
        },
    };
    let org = text("org");
    if org.is_empty() {
        problems.push(("org", "所在党组织不能为空".into()));
    }

    let mut file = DevFile::default();
    let mut date = |key: &'static str| -> Option<NaiveDate> {
        let raw = match date_text(cell(key), false) {
            Ok(s) => s,
            Err(e) => {
                problems.push((key, e));
                return None;
            }
        };
        if raw.trim().is_empty() {
            return None;
        }
        match parse_date(&raw) {
            Ok(d) if d > today => {
                problems.push((key, format!("日期 {d} 晚于今天")));
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                problems.push((key, e.to_string()));
                None
            }
        }
    };
    for step in Step::ALL {
        if header.col(step.field()).is_some() {
            let d = date(step.field());
            file.set(step, d);
        }
    }
    // Several assessment dates in one cell.
    let raw = cell("assessments");
    match raw {
        Cell::Empty => {}
        Cell::Date(d) => file.assessments.push(*d),
        Cell::Number(_) => match date_text(raw, false).map(|s| parse_date(&s)) {
            Ok(Ok(d)) => file.assessments.push(d),
            _ => problems.push(("assessments", format!("无法识别的考察日期“{}”", raw.text()))),
        },
        other => {
            for part in split_list(&other.text()) {
                match parse_date(part) {
                    Ok(d) if d > today => {
                        problems.push(("assessments", format!("考察日期 {d} 晚于今天")))
                    }
                    Ok(d) => file.assessments.push(d),
                    Err(e) => problems.push(("assessments", format!("考察日期“{part}”：{e}"))),
                }
            }
        }
    }
    file.assessments.sort();
    file.assessments.dedup();

    let mut number = |key: &'static str| -> Option<f64> {
        let c = cell(key);
        let v = match c {
            Cell::Empty => return None,
            Cell::Number(n) => *n,
            other => {
                let t = xianfeng_domain::text::clean(&other.text());
                if t.is_empty() {
                    return None;
                }
                match t.trim_end_matches(['人', '票', '张', '时']).parse::<f64>() {
                    Ok(v) => v,
                    Err(_) => {
                        problems.push((key, format!("“{t}”不是数字")));
                        return None;
                    }
                }
            }
        };
        if !(0.0..=100000.0).contains(&v) {
            problems.push((key, format!("数值 {v} 超出范围")));
            return None;
        }
        Some(v)
    };
    file.training_hours = number("training_hours");
    let extension = number("extension_months");
    let whole = |v: Option<f64>| v.map(|v| v.round() as i32);
    let votes = [
        whole(number("votes_entitled")),
        whole(number("votes_present")),
        whole(number("votes_for")),
    ];
    match votes {
        [Some(entitled), Some(present), Some(in_favour)] => {
            file.votes = Some(Votes {
                entitled,
                present,
                in_favour,
            })
        }
        [None, None, None] => {}
        _ => problems.push((
            "votes_entitled",
            "应到、实到人数和赞成票数应同时填写".into(),
        )),
    }
    if let Some(v) = file.votes {
        if v.present > v.entitled || v.in_favour > v.present {
            problems.push((
                "votes_present",
                "人数不合逻辑：实到不能多于应到，赞成票不能多于实到".into(),
            ));
        }
    }
    let reason = text("extension_reason");
    file.extension_reason = (!reason.is_empty()).then_some(reason);
    // Months of extended probation, as recorded (DEV-016 judges the range).
    file.probation_extension_months = match extension {
        Some(v) if v.fract() == 0.0 && v <= 60.0 => Some(v as i32),
        Some(v) => {
            problems.push(("extension_months", format!("延长预备期月数“{v}”应为整数")));
            None
        }
        None => None,
    };
    let optional_text = |key: &str| Some(text(key)).filter(|t| !t.is_empty());
    let approval_org = optional_text("approval_org");
    let conversion_approval_org = optional_text("conversion_approval_org");
    let contacts: Vec<String> = split_list(&text("contacts")).map(String::from).collect();
    let introducers: Vec<String> = split_list(&text("introducers")).map(String::from).collect();

    match (problems.is_empty(), id_number) {
        (true, Some(id_number)) => Ok(DevRow {
            row: 0,
            name,
            id_number,
            org,
            file,
            contacts,
            introducers,
            approval_org,
            conversion_approval_org,
        }),
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(rows: Vec<Vec<&str>>) -> Table {
        Table {
            first_row: 1,
            rows: rows
                .into_iter()
                .map(|r| {
                    r.into_iter()
                        .map(|s| {
                            if s.is_empty() {
                                Cell::Empty
                            } else {
                                Cell::Text(s.to_string())
                            }
                        })
                        .collect()
                })
                .collect(),
            sheet: "Sheet1".into(),
        }
    }

    #[test]
    fn reads_history_as_it_was() {
        let table = t(vec![
            vec!["发展党员工作台账"],
            vec![
                "姓名",
                "公民身份号码",
                "所在党组织",
                "申请入党日期",
                "谈话日期",
                "考察日期",
                "应到会有表决权人数",
                "实到会有表决权人数",
                "赞成票数",
                "集中培训学时",
            ],
            // Talk before the application: read as it is (a finding, not an error).
            vec![
                "李四",
                "11010519491231002X",
                "一支部",
                "2020-03-01",
                "2020-02-01",
                "2020-09-01、2021-03-01",
                "10",
                "6",
                "6",
                "24.5",
            ],
            vec![
                "王五",
                "110105194912310021",
                "一支部",
                "2020-13-01",
                "",
                "",
                "10",
                "",
                "",
                "",
            ],
            vec![],
        ]);
        let s = read_development(&table, NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()).unwrap();
        assert_eq!(s.header_row, 2);
        assert_eq!(s.total, 2);
        assert_eq!(s.accepted.len(), 1);
        let r = &s.accepted[0];
        assert_eq!(r.row, 3);
        assert_eq!(r.file.get(Step::Talk), NaiveDate::from_ymd_opt(2020, 2, 1));
        assert_eq!(r.file.assessments.len(), 2);
        assert_eq!(r.file.votes.unwrap().in_favour, 6);
        assert_eq!(r.file.training_hours, Some(24.5));
        let cols: Vec<_> = s
            .rejected
            .iter()
            .map(|e| (e.row, e.column.as_str()))
            .collect();
        assert_eq!(
            cols,
            vec![
                (4, "公民身份号码"),
                (4, "申请入党日期"),
                (4, "应到会有表决权人数")
            ]
        );
    }

    #[test]
    fn the_template_headings_are_the_first_names_of_the_columns() {
        let first: Vec<&str> = DEV_COLUMNS.iter().map(|c| c.names[0]).collect();
        assert_eq!(first, TEMPLATE_HEADINGS.to_vec());
    }

    #[test]
    fn needs_the_identifying_columns() {
        let table = t(vec![vec!["姓名", "申请入党日期", "谈话日期"]]);
        assert!(matches!(
            read_development(&table, NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()),
            Err(SheetError::MissingColumn(_))
        ));
    }
}
