//! A dues collection sheet (党费收缴表) read back: the exported sheet, filled in, imports the
//! month's payments of a branch.

use chrono::NaiveDate;
use xianfeng_domain::dues::{parse_yuan, DuesCategory};
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
    col!("name", "姓名"),
    col!("id_number", "公民身份号码", "身份证号", "身份证号码"),
    col!("category", "计算类别", "缴费类别"),
    col!(
        "base",
        "月收入基数",
        "月收入基数或农民缴纳额",
        "缴费基数",
        "基数"
    ),
    col!("paid", "实缴", "实缴金额", "缴纳金额"),
    col!("paid_on", "缴纳日期", "缴费日期"),
    col!("reason", "备注", "原因"),
];

/// One row of the sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct DuesRow {
    pub row: usize,
    pub name: String,
    pub id_number: Option<String>,
    pub category: Option<DuesCategory>,
    /// Base (or a farmer's amount) in fen.
    pub base: Option<i64>,
    pub paid: Option<(i64, NaiveDate)>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct DuesSheet {
    pub rows: Vec<DuesRow>,
    pub rejected: Vec<RowError>,
}

/// Reads the sheet; a row is refused when a value cannot be read.
pub fn read_dues(table: &Table) -> Result<DuesSheet, SheetError> {
    let header = find_header(table, COLUMNS).ok_or(SheetError::NoHeader)?;
    if header.col("name").is_none() {
        return Err(SheetError::MissingColumn("姓名"));
    }
    let mut out = DuesSheet::default();
    for (i, row) in table.rows.iter().enumerate().skip(header.row + 1) {
        if row.iter().all(Cell::is_empty) {
            continue;
        }
        let excel_row = table.excel_row(i);
        let cell = |k: &str| {
            header
                .col(k)
                .and_then(|c| row.get(c))
                .unwrap_or(&Cell::Empty)
        };
        let text = |k: &str| xianfeng_domain::text::clean(&cell(k).text());
        let mut bad = |column: &str, reason: String| {
            out.rejected.push(RowError {
                row: excel_row,
                column: column.to_string(),
                reason,
            })
        };
        let name = text("name");
        if name == "合计" {
            continue;
        }
        if name.is_empty() {
            bad("姓名", "姓名不能为空".into());
            continue;
        }
        let money = |k: &str| -> Result<Option<i64>, String> {
            match cell(k) {
                Cell::Empty => Ok(None),
                Cell::Number(n) if *n >= 0.0 => Ok(Some((n * 100.0).round() as i64)),
                c => {
                    let t = xianfeng_domain::text::clean(&c.text());
                    if t.is_empty() {
                        Ok(None)
                    } else {
                        parse_yuan(&t).map(Some).ok_or(format!("“{t}”不是金额"))
                    }
                }
            }
        };
        let category = match text("category") {
            t if t.is_empty() => None,
            t => match DuesCategory::parse(&t) {
                Some(c) => Some(c),
                None => {
                    bad("计算类别", format!("无法识别的计算类别“{t}”"));
                    continue;
                }
            },
        };
        let base = match money("base") {
            Ok(v) => v,
            Err(e) => {
                bad("月收入基数", e);
                continue;
            }
        };
        let paid_amount = match money("paid") {
            Ok(v) => v,
            Err(e) => {
                bad("实缴", e);
                continue;
            }
        };
        let paid_on = match date_text(cell("paid_on"), false) {
            Ok(s) if s.trim().is_empty() => None,
            Ok(s) => match parse_date(&s) {
                Ok(d) => Some(d),
                Err(e) => {
                    bad("缴纳日期", e.to_string());
                    continue;
                }
            },
            Err(e) => {
                bad("缴纳日期", e);
                continue;
            }
        };
        let paid = match (paid_amount, paid_on) {
            (Some(a), Some(d)) => Some((a, d)),
            (None, None) => None,
            _ => {
                bad("实缴", "实缴金额和缴纳日期应同时填写".into());
                continue;
            }
        };
        let reason = Some(text("reason")).filter(|r| !r.is_empty());
        let id_number = Some(text("id_number")).filter(|r| !r.is_empty());
        out.rows.push(DuesRow {
            row: excel_row,
            name,
            id_number,
            category,
            base,
            paid,
            reason,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_exported_sheet_back() {
        let t = |s: &str| Cell::Text(s.to_string());
        let table = Table {
            first_row: 1,
            sheet: "党费收缴表".into(),
            rows: vec![
                vec![t("某支部党费收缴表（2026-05）")],
                vec![t("截至 2026-05-31")],
                vec![
                    t("序号"),
                    t("姓名"),
                    t("计算类别"),
                    t("月收入基数（元）"),
                    t("应缴（元）"),
                    t("实缴（元）"),
                    t("缴纳日期"),
                    t("备注（减免缓交原因）"),
                ],
                vec![
                    Cell::Number(1.0),
                    t("甲"),
                    t("在职"),
                    t("6500.00"),
                    t("97.50"),
                    Cell::Number(97.5),
                    Cell::Date(NaiveDate::from_ymd_opt(2026, 5, 10).unwrap()),
                    Cell::Empty,
                ],
                vec![
                    Cell::Number(2.0),
                    t("乙"),
                    t("学生"),
                    Cell::Empty,
                    t("0.20"),
                    Cell::Empty,
                    Cell::Empty,
                    t("出国，经批准缓交"),
                ],
                vec![Cell::Number(3.0), t("丙"), t("外星"), Cell::Empty],
            ],
        };
        let s = read_dues(&table).unwrap();
        assert_eq!(s.rows.len(), 2);
        assert_eq!(s.rows[0].base, Some(650_000));
        assert_eq!(
            s.rows[0].paid,
            Some((9_750, NaiveDate::from_ymd_opt(2026, 5, 10).unwrap()))
        );
        assert_eq!(s.rows[1].reason.as_deref(), Some("出国，经批准缓交"));
        assert_eq!(s.rejected.len(), 1);
        assert_eq!(s.rejected[0].row, 6);
    }
}
