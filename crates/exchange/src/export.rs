//! Writing tables out: XLSX with typed cells (text stays text, dates are dates), a title row and
//! the as-of date; CSV (UTF-8 with BOM, so that Excel opens it in Chinese) for rosters.

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook};

/// One output cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Empty,
}

impl Out {
    pub fn text(s: impl Into<String>) -> Out {
        let s = s.into();
        if s.is_empty() {
            Out::Empty
        } else {
            Out::Text(s)
        }
    }
    pub fn date(d: Option<NaiveDate>) -> Out {
        d.map(Out::Date).unwrap_or(Out::Empty)
    }
    fn csv(&self) -> String {
        match self {
            Out::Text(s) => s.clone(),
            Out::Number(n) if n.fract() == 0.0 => format!("{}", *n as i64),
            Out::Number(n) => n.to_string(),
            Out::Date(d) => d.to_string(),
            Out::Empty => String::new(),
        }
    }
}

/// A sheet to write: a title line, the as-of date, headings and rows.
pub struct Sheet<'a> {
    pub name: &'a str,
    pub title: &'a str,
    pub as_of: NaiveDate,
    pub headings: &'a [&'a str],
    pub rows: &'a [Vec<Out>],
}

#[derive(Debug, thiserror::Error)]
#[error("生成 Excel 文件失败：{0}")]
pub struct ExportError(String);

/// Writes one worksheet: row 1 the title (merged), row 2 the as-of date, row 3 the headings.
pub fn xlsx(sheet: &Sheet) -> Result<Vec<u8>, ExportError> {
    xlsx_book(std::slice::from_ref(sheet))
}

/// Writes a workbook of several worksheets laid out as [`xlsx`] does.
pub fn xlsx_book(sheets: &[Sheet]) -> Result<Vec<u8>, ExportError> {
    let e = |x: rust_xlsxwriter::XlsxError| ExportError(x.to_string());
    let mut wb = Workbook::new();
    for sheet in sheets {
        write_sheet(wb.add_worksheet(), sheet).map_err(e)?;
    }
    wb.save_to_buffer().map_err(e)
}

fn write_sheet(
    ws: &mut rust_xlsxwriter::Worksheet,
    sheet: &Sheet,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    ws.set_name(sheet.name)?;
    let cols = sheet.headings.len().max(1) as u16;
    let title = Format::new()
        .set_bold()
        .set_font_size(14)
        .set_align(FormatAlign::Center);
    let head = Format::new()
        .set_bold()
        .set_background_color("#F2F2F2")
        .set_border(FormatBorder::Thin)
        .set_text_wrap();
    let text = Format::new()
        .set_num_format("@")
        .set_border(FormatBorder::Thin);
    let date = Format::new()
        .set_num_format("yyyy-mm-dd")
        .set_border(FormatBorder::Thin);
    let number = Format::new().set_border(FormatBorder::Thin);
    if cols > 1 {
        ws.merge_range(0, 0, 0, cols - 1, sheet.title, &title)?;
    } else {
        ws.write_string_with_format(0, 0, sheet.title, &title)?;
    }
    let d = sheet.as_of;
    ws.write_string(
        1,
        0,
        format!("截至 {}年{}月{}日", d.year(), d.month(), d.day()),
    )?;
    // Column widths fit the longest text (CJK characters count double), within limits.
    let width = |s: &str| -> f64 {
        s.chars()
            .map(|c| if (c as u32) >= 0x1100 { 2.1 } else { 1.1 })
            .sum()
    };
    for (c, h) in sheet.headings.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, *h, &head)?;
        let longest = sheet
            .rows
            .iter()
            .filter_map(|r| match r.get(c) {
                Some(Out::Text(s)) => Some(width(s)),
                _ => None,
            })
            .fold(width(h), f64::max);
        ws.set_column_width(c as u16, longest.clamp(10.0, 48.0) + 1.0)?;
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        let r = 3 + r as u32;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Out::Text(s) => {
                    ws.write_string_with_format(r, c, s, &text)?;
                }
                Out::Number(n) => {
                    ws.write_number_with_format(r, c, *n, &number)?;
                }
                Out::Date(day) => {
                    let dt = ExcelDateTime::from_ymd(
                        day.year() as u16,
                        day.month() as u8,
                        day.day() as u8,
                    )?;
                    ws.write_datetime_with_format(r, c, &dt, &date)?;
                }
                Out::Empty => {
                    ws.write_blank(r, c, &number)?;
                }
            }
        }
    }
    ws.set_freeze_panes(3, 0)?;
    Ok(())
}

/// CSV in UTF-8 with a BOM; cells a spreadsheet would run as formulas are prefixed with '.
pub fn csv(headings: &[&str], rows: &[Vec<Out>]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let guard = |s: String| {
        if s.starts_with(['=', '+', '-', '@']) {
            format!("'{s}")
        } else {
            s
        }
    };
    let _ = w.write_record(headings);
    for row in rows {
        let _ = w.write_record(row.iter().map(|c| guard(c.csv())));
    }
    let mut out = b"\xEF\xBB\xBF".to_vec();
    out.extend(w.into_inner().unwrap_or_default());
    out
}

/// The error report of an import: a copy of the sheet as read, with a 错误说明 column that
/// gives each refused row its reasons, so that people fix the rows in their own file.
/// `header_row` and the errors' rows are Excel row numbers (1-based).
pub fn error_report_xlsx(
    table: &crate::table::Table,
    header_row: usize,
    errors: &[(usize, String)],
) -> Result<Vec<u8>, ExportError> {
    use crate::table::Cell;
    let e = |x: rust_xlsxwriter::XlsxError| ExportError(x.to_string());
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let name: String = if table.sheet.is_empty() {
        "导入错误报告".into()
    } else {
        table.sheet.chars().take(31).collect()
    };
    ws.set_name(&name).map_err(e)?;
    let text = Format::new().set_num_format("@");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let wrong = Format::new().set_font_color("#B00020").set_text_wrap();
    let head = Format::new().set_bold().set_background_color("#FDE2E1");
    let note_col = table.rows.iter().map(|r| r.len()).max().unwrap_or(0) as u16;
    let mut reasons: std::collections::BTreeMap<usize, Vec<&str>> = Default::default();
    for (row, reason) in errors {
        reasons.entry(*row).or_default().push(reason);
    }
    for (i, row) in table.rows.iter().enumerate() {
        let r = (table.excel_row(i) - 1) as u32;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Empty => {}
                Cell::Text(s) => {
                    ws.write_string_with_format(r, c, s, &text).map_err(e)?;
                }
                Cell::Number(n) => {
                    ws.write_number(r, c, *n).map_err(e)?;
                }
                Cell::Date(d) => {
                    let dt =
                        ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
                            .map_err(e)?;
                    ws.write_datetime_with_format(r, c, &dt, &date).map_err(e)?;
                }
                Cell::Bool(b) => {
                    ws.write_boolean(r, c, *b).map_err(e)?;
                }
            }
        }
    }
    ws.write_string_with_format((header_row.max(1) - 1) as u32, note_col, "错误说明", &head)
        .map_err(e)?;
    ws.set_column_width(note_col, 60).map_err(e)?;
    for (row, list) in &reasons {
        ws.write_string_with_format((row.max(&1) - 1) as u32, note_col, list.join("；"), &wrong)
            .map_err(e)?;
    }
    if header_row > 0 {
        ws.set_freeze_panes(header_row as u32, 0).map_err(e)?;
    }
    wb.save_to_buffer().map_err(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{read_table, Cell, Limits};

    #[test]
    fn xlsx_round_trips_with_types() {
        let rows = vec![vec![
            Out::text("张三"),
            Out::text("110105194912310029"),
            Out::Date(NaiveDate::from_ymd_opt(2001, 7, 1).unwrap()),
            Out::Number(3.0),
        ]];
        let bytes = xlsx(&Sheet {
            name: "党员名册",
            title: "党员名册",
            as_of: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            headings: &["姓名", "公民身份号码", "入党日期", "序号"],
            rows: &rows,
        })
        .unwrap();
        let t = read_table(&bytes, Limits::default()).unwrap();
        assert_eq!(t.rows[1][0], Cell::Text("截至 2026年11月23日".into()));
        assert_eq!(
            t.rows[3][1],
            Cell::Text("110105194912310029".into()),
            "IDs stay text"
        );
        assert_eq!(
            t.rows[3][2],
            Cell::Date(NaiveDate::from_ymd_opt(2001, 7, 1).unwrap()),
            "dates are dates"
        );
    }

    #[test]
    fn csv_has_a_bom_and_guards_formulas() {
        let out = csv(&["a"], &[vec![Out::text("=1+1")]]);
        assert!(out.starts_with(b"\xEF\xBB\xBF"));
        assert!(String::from_utf8(out).unwrap().contains("'=1+1"));
    }
}
