//! A member roster sheet (党员花名册) read into member records, each row checked by the same
//! parsers as the web form; problems reported by Excel row number, column and reason.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use xianfeng_domain::dates::{add_months, excel_serial_to_date, parse_year_month};
use xianfeng_domain::members::{field_label, MemberFields, MemberInput, MemberStatus};
use xianfeng_domain::IdNumber;

use crate::header::{find_header, Column, Header};
use crate::table::{Cell, Table};

/// The columns of a roster, with the headings seen in real files.
pub const MEMBER_COLUMNS: &[Column] = &[
    Column {
        key: "name",
        names: &["姓名"],
        year_month: false,
    },
    Column {
        key: "id_number",
        names: &[
            "身份证号",
            "公民身份号码",
            "身份证号码",
            "身份证",
            "公民身份证号码",
            "身份证件号码",
        ],
        year_month: false,
    },
    Column {
        key: "gender",
        names: &["性别"],
        year_month: false,
    },
    Column {
        key: "ethnicity",
        names: &["民族"],
        year_month: false,
    },
    Column {
        key: "birth_date",
        names: &["出生日期", "出生年月", "出生年月日"],
        year_month: true,
    },
    Column {
        key: "education",
        names: &["学历", "文化程度", "最高学历"],
        year_month: false,
    },
    Column {
        key: "category",
        names: &["人员类别", "党员类别"],
        year_month: false,
    },
    Column {
        key: "status",
        names: &["人员状态", "党员状态", "政治面貌", "党籍状态"],
        year_month: false,
    },
    Column {
        key: "application_date",
        names: &["申请入党日期", "申请入党时间"],
        year_month: true,
    },
    Column {
        key: "activist_date",
        names: &[
            "确定积极分子日期",
            "确定为入党积极分子日期",
            "确定入党积极分子日期",
            "确定积极分子时间",
            "积极分子日期",
        ],
        year_month: true,
    },
    Column {
        key: "candidate_date",
        names: &[
            "确定发展对象日期",
            "确定为发展对象日期",
            "确定发展对象时间",
            "发展对象日期",
        ],
        year_month: true,
    },
    Column {
        key: "admission_date",
        names: &["入党日期", "入党时间", "入党年月"],
        year_month: true,
    },
    Column {
        key: "conversion_date",
        names: &["转正日期", "转正时间", "转正年月"],
        year_month: true,
    },
    Column {
        key: "org",
        names: &[
            "所在党组织",
            "所在党支部",
            "所在支部",
            "党组织",
            "所属党组织",
            "党支部",
        ],
        year_month: false,
    },
    Column {
        key: "org_code",
        names: &["组织代码", "党组织代码", "所在党组织代码"],
        year_month: false,
    },
    Column {
        key: "phone",
        names: &["联系电话", "手机号码", "手机号", "手机", "电话", "联系方式"],
        year_month: false,
    },
    Column {
        key: "work_unit",
        names: &["工作单位及职务", "工作单位", "单位"],
        year_month: false,
    },
    Column {
        key: "post",
        names: &["职务", "现任职务"],
        year_month: false,
    },
];

/// One problem with one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// The row number Excel shows (1-based, counting title rows).
    pub row: usize,
    pub column: String,
    pub reason: String,
}

/// A row that passed every check.
#[derive(Debug, Clone)]
pub struct MemberRow {
    pub row: usize,
    /// The organisation as the file names it (code or name), if the file has the column.
    pub org: Option<String>,
    pub fields: MemberFields,
}

#[derive(Debug, Clone, Default)]
pub struct MemberSheet {
    /// Data rows read (blank rows are skipped).
    pub total: usize,
    pub accepted: Vec<MemberRow>,
    pub rejected: Vec<RowError>,
    pub unknown_columns: Vec<String>,
    pub header_row: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    #[error("找不到表头：前 30 行中没有同时写有“姓名”“身份证号”等列名的一行")]
    NoHeader,
    #[error("表头中缺少“{0}”列")]
    MissingColumn(&'static str),
    /// No header of a sheet other than a roster; the text names the headings looked for.
    #[error("找不到表头：前 30 行中没有同时写有{0}等列名的一行")]
    NoHeaderOf(&'static str),
}

const LOST_DIGITS: &str = "身份证号被存成了数字，末几位已丢失（Excel 数字只保留 15 位有效数字）。请把该列设置为“文本”格式，重新录入身份证号后再导入";

/// Status words of real rosters.
fn status_code(text: &str) -> Option<&'static str> {
    let s: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    Some(match s.as_str() {
        "中共党员" | "正式党员" | "党员" | "正式" => "full",
        "中共预备党员" | "预备党员" | "预备" => "probationary",
        "发展对象" => "candidate",
        "入党积极分子" | "积极分子" => "activist",
        "入党申请人" | "申请人" => "applicant",
        other => return MemberStatus::parse(other).map(|s| s.code()),
    })
}

/// A date cell as text the domain parser reads; year-month columns become the month's first day.
pub(crate) fn date_text(cell: &Cell, year_month: bool) -> Result<String, String> {
    match cell {
        Cell::Empty => Ok(String::new()),
        Cell::Date(d) => Ok(d.to_string()),
        Cell::Number(n) if n.fract() == 0.0 => {
            let v = *n as i64;
            if (19000101..=21001231).contains(&v) {
                return Ok(v.to_string());
            }
            if year_month && (190001..=210012).contains(&v) {
                return Ok(format!("{}-{:02}-01", v / 100, v % 100));
            }
            excel_serial_to_date(*n)
                .map(|d| d.to_string())
                .ok_or_else(|| format!("无法识别的日期“{v}”"))
        }
        Cell::Number(n) => excel_serial_to_date(*n)
            .map(|d| d.to_string())
            .ok_or_else(|| format!("无法识别的日期“{n}”")),
        Cell::Text(s) if year_month => match parse_year_month(s) {
            Ok(d) => Ok(d.to_string()),
            Err(e) => Err(e.to_string()),
        },
        other => Ok(other.text()),
    }
}

/// Reads a roster sheet. Every data row is either accepted or reported; nothing is written.
pub fn read_members(table: &Table, today: NaiveDate) -> Result<MemberSheet, SheetError> {
    let header = find_header(table, MEMBER_COLUMNS).ok_or(SheetError::NoHeader)?;
    for key in ["name", "id_number"] {
        if header.col(key).is_none() {
            return Err(SheetError::MissingColumn(field_label(key)));
        }
    }
    let mut sheet = MemberSheet {
        unknown_columns: header.unknown.clone(),
        header_row: table.excel_row(header.row),
        ..Default::default()
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, row) in table.rows.iter().enumerate().skip(header.row + 1) {
        take_row(
            &mut sheet,
            &mut seen,
            &header,
            table.excel_row(i),
            row,
            today,
        );
    }
    Ok(sheet)
}

/// Checks one data row into the sheet: accepted, or refused with its reasons.
fn take_row(
    sheet: &mut MemberSheet,
    seen: &mut HashMap<String, usize>,
    header: &Header,
    excel_row: usize,
    row: &[Cell],
    today: NaiveDate,
) {
    if row.iter().all(Cell::is_empty) {
        return;
    }
    sheet.total += 1;
    match read_row(row, header, today) {
        Ok((org, fields)) => {
            let id = fields.id_number.as_str().to_string();
            if let Some(first) = seen.get(&id) {
                sheet.rejected.push(RowError {
                    row: excel_row,
                    column: heading(header, "id_number"),
                    reason: format!("身份证号与第 {first} 行重复"),
                });
                return;
            }
            seen.insert(id, excel_row);
            sheet.accepted.push(MemberRow {
                row: excel_row,
                org,
                fields,
            });
        }
        Err(errors) => {
            for (key, reason) in errors {
                sheet.rejected.push(RowError {
                    row: excel_row,
                    column: heading(header, key),
                    reason,
                });
            }
        }
    }
}

/// Why a roster file could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum RosterFileError {
    #[error(transparent)]
    Table(#[from] crate::table::TableError),
    #[error(transparent)]
    Sheet(#[from] SheetError),
}

/// Reads a roster file row by row: the header is found in the first rows, and every later row
/// is checked as it is read, so that only the checked records are kept, not the sheet.
pub fn read_members_file(
    bytes: &[u8],
    limits: crate::table::Limits,
    today: NaiveDate,
) -> Result<MemberSheet, RosterFileError> {
    /// Rows searched for the header, as [`find_header`] does.
    const PREFIX: usize = 30;
    struct State {
        prefix: Vec<(usize, Vec<Cell>)>,
        header: Option<Result<Header, SheetError>>,
        sheet: MemberSheet,
        seen: HashMap<String, usize>,
    }
    let mut st = State {
        prefix: Vec::new(),
        header: None,
        sheet: MemberSheet::default(),
        seen: HashMap::new(),
    };
    // Decides the header from the buffered first rows and checks the rows below it.
    fn settle(st: &mut State, today: NaiveDate) {
        if st.header.is_some() {
            return;
        }
        let first = st.prefix.first().map(|(r, _)| *r).unwrap_or(1);
        let last = st.prefix.last().map(|(r, _)| *r).unwrap_or(0);
        // A table of the first rows, gaps (rows without cells) filled.
        let mut rows: Vec<Vec<Cell>> = vec![Vec::new(); last.saturating_sub(first) + 1];
        for (r, cells) in &st.prefix {
            rows[r - first] = cells.clone();
        }
        let table = Table {
            first_row: first,
            rows,
            sheet: String::new(),
        };
        let found = find_header(&table, MEMBER_COLUMNS)
            .ok_or(SheetError::NoHeader)
            .and_then(|h| {
                for key in ["name", "id_number"] {
                    if h.col(key).is_none() {
                        return Err(SheetError::MissingColumn(field_label(key)));
                    }
                }
                Ok(h)
            });
        if let Ok(h) = &found {
            let header_row = table.excel_row(h.row);
            st.sheet.unknown_columns = h.unknown.clone();
            st.sheet.header_row = header_row;
            for (r, cells) in std::mem::take(&mut st.prefix) {
                if r > header_row {
                    take_row(&mut st.sheet, &mut st.seen, h, r, &cells, today);
                }
            }
        }
        st.header = Some(found);
    }
    crate::table::read_rows(bytes, limits, &mut |r, cells| match &st.header {
        None => {
            st.prefix.push((r, cells));
            if st.prefix.len() >= PREFIX {
                settle(&mut st, today);
            }
        }
        Some(Ok(h)) => take_row(&mut st.sheet, &mut st.seen, h, r, &cells, today),
        Some(Err(_)) => {}
    })?;
    settle(&mut st, today);
    match st.header {
        Some(Ok(_)) => Ok(st.sheet),
        Some(Err(e)) => Err(e.into()),
        None => Err(SheetError::NoHeader.into()),
    }
}

pub(crate) fn heading(header: &Header, key: &str) -> String {
    header
        .heading(key)
        .map(str::to_string)
        .unwrap_or_else(|| field_label(key).to_string())
}

type RowProblems = Vec<(&'static str, String)>;

fn read_row(
    row: &[Cell],
    header: &Header,
    today: NaiveDate,
) -> Result<(Option<String>, MemberFields), RowProblems> {
    let mut problems: RowProblems = Vec::new();
    let cell = |key: &str| -> &Cell {
        header
            .col(key)
            .and_then(|c| row.get(c))
            .unwrap_or(&Cell::Empty)
    };
    let text = |key: &str| cell(key).text();
    let mut date = |key: &'static str| -> String {
        let ym = crate::members::MEMBER_COLUMNS
            .iter()
            .any(|c| c.key == key && c.year_month);
        match date_text(cell(key), ym) {
            Ok(s) => s,
            Err(e) => {
                problems.push((key, e));
                String::new()
            }
        }
    };
    // A birth column may hold only the year and month: then it is checked against the ID's.
    let birth_raw = cell("birth_date").clone();
    let birth_is_month = match &birth_raw {
        Cell::Text(t) => xianfeng_domain::parse_date(t).is_err() && parse_year_month(t).is_ok(),
        Cell::Number(n) => n.fract() == 0.0 && (190001..=210012).contains(&(*n as i64)),
        _ => false,
    };
    let birth_date = date("birth_date");
    let application_date = date("application_date");
    let activist_date = date("activist_date");
    let candidate_date = date("candidate_date");
    let admission_date = date("admission_date");
    let conversion_date = date("conversion_date");

    let id_number = match cell("id_number") {
        Cell::Number(n) if *n >= 1e11 => {
            problems.push(("id_number", LOST_DIGITS.into()));
            String::new()
        }
        other => other.text(),
    };
    let birth_date = if birth_is_month {
        if let (Ok(id), Ok(month)) = (IdNumber::parse(&id_number), birth_date.parse::<NaiveDate>())
        {
            let b = id.birth_date();
            if (b.year(), b.month()) != (month.year(), month.month()) {
                problems.push((
                    "birth_date",
                    format!(
                        "出生年月与身份证号不符：身份证号显示为{}年{}月",
                        b.year(),
                        b.month()
                    ),
                ));
            }
        }
        String::new()
    } else {
        birth_date
    };
    // A 党员类别 column sometimes holds 正式/预备: read it as the status.
    let mut category = text("category");
    let mut status = match status_code(&text("status")) {
        Some(s) => s.to_string(),
        None => text("status"),
    };
    if status.trim().is_empty() {
        if let Some(s) = status_code(&category) {
            status = s.to_string();
            category = String::new();
        }
    }
    if status.trim().is_empty() {
        status = infer_status(&admission_date, &conversion_date, today).to_string();
    }
    let input = MemberInput {
        name: text("name"),
        id_number,
        gender: text("gender"),
        ethnicity: text("ethnicity"),
        birth_date,
        education: text("education"),
        status,
        category,
        phone: text("phone"),
        work_unit: text("work_unit"),
        post: text("post"),
        application_date,
        activist_date,
        candidate_date,
        admission_date,
        conversion_date,
    };
    // The code names one organisation; a name may be shared by branches of different parents.
    let org = Some(text("org_code"))
        .filter(|s| !s.trim().is_empty())
        .or_else(|| Some(text("org")))
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().to_string());
    match input.parse(today) {
        Ok(fields) if problems.is_empty() => Ok((org, fields)),
        Ok(_) => Err(problems),
        Err(list) => {
            for e in list {
                // An ID that lost its digits is reported once, by the clearer message.
                if e.field == "id_number" && problems.iter().any(|(k, _)| *k == "id_number") {
                    continue;
                }
                problems.push((e.field, e.message));
            }
            Err(problems)
        }
    }
}

/// Rosters without a status column: converted → full; admitted within the last year →
/// probationary; admitted earlier without a conversion date (old records) → full.
fn infer_status(admission: &str, conversion: &str, today: NaiveDate) -> &'static str {
    if !conversion.trim().is_empty() {
        return "full";
    }
    match xianfeng_domain::parse_date(admission) {
        Ok(a) if add_months(a, 12) > today => "probationary",
        Ok(_) => "full",
        Err(_) => "full",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_of_real_files() {
        assert_eq!(status_code("中共党员"), Some("full"));
        assert_eq!(status_code("中共预备党员"), Some("probationary"));
        assert_eq!(status_code("full"), Some("full"));
        assert_eq!(status_code("群众"), None);
    }

    #[test]
    fn date_cells() {
        assert_eq!(
            date_text(&Cell::Number(200107.0), true),
            Ok("2001-07-01".into())
        );
        assert_eq!(
            date_text(&Cell::Number(20010701.0), false),
            Ok("20010701".into())
        );
        assert_eq!(
            date_text(&Cell::Number(37073.0), false),
            Ok("2001-07-01".into())
        );
        assert_eq!(
            date_text(&Cell::Text("2001年7月".into()), true),
            Ok("2001-07-01".into())
        );
        assert!(date_text(&Cell::Text("7月".into()), true).is_err());
        assert_eq!(
            date_text(&Cell::Text("2001.07.01".into()), false),
            Ok("2001.07.01".into())
        );
    }

    #[test]
    fn inferred_status() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(infer_status("2026-01-01", "", today), "probationary");
        assert_eq!(infer_status("2020-01-01", "", today), "full");
        assert_eq!(infer_status("2025-01-01", "2026-01-01", today), "full");
    }
}
