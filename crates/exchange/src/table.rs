//! Reading a worksheet or a CSV file into rows of typed cells, keeping Excel's row numbers.

use std::io::Cursor;

use calamine::{Data, Reader};
use chrono::NaiveDate;
use xianfeng_domain::dates::excel_serial_to_date;

/// One cell as the file holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Bool(bool),
}

impl Cell {
    /// The cell as text, the way a person reads it (numbers without a trailing ".0").
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => d.to_string(),
            Cell::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        }
    }
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }
}

/// A sheet: rows of cells, and the Excel row number (1-based) of the first row.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub first_row: usize,
    pub rows: Vec<Vec<Cell>>,
    pub sheet: String,
}

impl Table {
    /// The row number Excel shows for the row at `index`.
    pub fn excel_row(&self, index: usize) -> usize {
        self.first_row + index
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("文件为空")]
    Empty,
    #[error("文件过大（{size} 字节，上限 {limit} 字节）")]
    TooLarge { size: usize, limit: usize },
    #[error("无法读取电子表格：{0}")]
    Spreadsheet(String),
    #[error("无法读取 CSV 文件：{0}")]
    Csv(String),
    #[error("表格行数过多（{rows} 行，上限 {limit} 行）")]
    TooManyRows { rows: usize, limit: usize },
    #[error("文件解压后过大或结构异常（{0}），请在 Excel 中另存为普通 .xlsx 文件后再上传")]
    Unpacked(String),
}

/// Limits on what a single file may hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_bytes: usize,
    pub max_rows: usize,
    /// An XLSX file is a zip archive: the sum of its parts' unpacked sizes may not exceed this,
    /// so that a small file cannot unpack into gigabytes.
    pub max_unpacked_bytes: u64,
    /// Nor may it hold more parts than this.
    pub max_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 50 * 1024 * 1024,
            max_rows: 300_000,
            max_unpacked_bytes: 256 * 1024 * 1024,
            max_entries: 10_000,
        }
    }
}

/// Checks an XLSX archive's directory before anything is unpacked.
fn check_archive(bytes: &[u8], limits: Limits) -> Result<(), TableError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| TableError::Spreadsheet(e.to_string()))?;
    if zip.len() > limits.max_entries {
        return Err(TableError::Unpacked(format!(
            "包含 {} 个部件，上限 {}",
            zip.len(),
            limits.max_entries
        )));
    }
    // The sizes the directory declares; nothing is decompressed here.
    let mut unpacked: u64 = 0;
    for i in 0..zip.len() {
        let part = zip
            .by_index_raw(i)
            .map_err(|e| TableError::Spreadsheet(e.to_string()))?;
        unpacked = unpacked.saturating_add(part.size());
    }
    if unpacked > limits.max_unpacked_bytes {
        return Err(TableError::Unpacked(format!(
            "解压后约 {} MB，上限 {} MB",
            unpacked / (1024 * 1024),
            limits.max_unpacked_bytes / (1024 * 1024)
        )));
    }
    Ok(())
}

/// Hands the rows of the first worksheet (or of a CSV file) to `each` one at a time, with the
/// row number Excel shows, without holding the sheet: an XLSX sheet is read cell by cell from
/// its XML. Rows with no cells may be skipped. Returns the sheet's name.
pub fn read_rows(
    bytes: &[u8],
    limits: Limits,
    each: &mut dyn FnMut(usize, Vec<Cell>),
) -> Result<String, TableError> {
    check_size(bytes, limits)?;
    if !bytes.starts_with(b"PK\x03\x04") {
        // Legacy XLS and CSV files are small: read whole, then handed on.
        let table = read_table(bytes, limits)?;
        for (i, row) in table.rows.into_iter().enumerate() {
            each(table.first_row + i, row);
        }
        return Ok(table.sheet);
    }
    check_archive(bytes, limits)?;
    let spreadsheet = |e: calamine::XlsxError| TableError::Spreadsheet(e.to_string());
    let mut book: calamine::Xlsx<_> =
        calamine::Xlsx::new(Cursor::new(bytes)).map_err(spreadsheet)?;
    let sheet = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| TableError::Spreadsheet("工作簿中没有工作表".into()))?;
    let mut cells = book.worksheet_cells_reader(&sheet).map_err(spreadsheet)?;
    let mut current: Option<(u32, Vec<Cell>)> = None;
    let mut count = 0usize;
    while let Some(cell) = cells.next_cell().map_err(spreadsheet)? {
        let (r, c) = cell.get_position();
        if current.as_ref().is_some_and(|(row, _)| *row != r) {
            if let Some((row, values)) = current.take() {
                each(row as usize + 1, values);
            }
        }
        let (_, values) = current.get_or_insert_with(|| {
            count += 1;
            (r, Vec::new())
        });
        if count > limits.max_rows {
            return Err(TableError::TooManyRows {
                rows: count,
                limit: limits.max_rows,
            });
        }
        let c = c as usize;
        if values.len() <= c {
            values.resize(c + 1, Cell::Empty);
        }
        values[c] = cell_of(&Data::from(cell.get_value().clone()));
    }
    if let Some((row, values)) = current {
        each(row as usize + 1, values);
    }
    Ok(sheet)
}

fn check_size(bytes: &[u8], limits: Limits) -> Result<(), TableError> {
    if bytes.is_empty() {
        return Err(TableError::Empty);
    }
    if bytes.len() > limits.max_bytes {
        return Err(TableError::TooLarge {
            size: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    Ok(())
}

/// Reads the first worksheet of an XLSX/XLS file, or a CSV file, recognised by content.
pub fn read_table(bytes: &[u8], limits: Limits) -> Result<Table, TableError> {
    check_size(bytes, limits)?;
    let table = if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
    {
        if bytes.starts_with(b"PK") {
            check_archive(bytes, limits)?;
        }
        read_workbook(bytes, limits)?
    } else {
        read_csv(bytes)?
    };
    if table.rows.len() > limits.max_rows {
        return Err(TableError::TooManyRows {
            rows: table.rows.len(),
            limit: limits.max_rows,
        });
    }
    Ok(table)
}

fn read_workbook(bytes: &[u8], limits: Limits) -> Result<Table, TableError> {
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e| TableError::Spreadsheet(e.to_string()))?;
    let names = book.sheet_names();
    let sheet = names.first().cloned().unwrap_or_default();
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| TableError::Spreadsheet("工作簿中没有工作表".into()))?
        .map_err(|e| TableError::Spreadsheet(e.to_string()))?;
    // Refused before the rows are copied out of the sheet.
    if range.height() > limits.max_rows {
        return Err(TableError::TooManyRows {
            rows: range.height(),
            limit: limits.max_rows,
        });
    }
    let (first_row, first_col) = range
        .start()
        .map(|(r, c)| (r as usize, c as usize))
        .unwrap_or((0, 0));
    let rows = range
        .rows()
        .map(|row| {
            let mut cells: Vec<Cell> = vec![Cell::Empty; first_col];
            cells.extend(row.iter().map(cell_of));
            cells
        })
        .collect();
    Ok(Table {
        first_row: first_row + 1,
        rows,
        sheet,
    })
}

fn cell_of(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => match excel_serial_to_date(dt.as_f64()) {
            Some(d) => Cell::Date(d),
            None => Cell::Number(dt.as_f64()),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Text(format!("#{e:?}")),
    }
}

/// UTF-8 (with or without BOM) or GB18030/GBK, recognised by whether the bytes are valid UTF-8.
pub fn decode_text(bytes: &[u8]) -> String {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(s) => s.to_string(),
        Err(_) => {
            let (text, _, _) = encoding_rs::GB18030.decode(body);
            text.into_owned()
        }
    }
}

fn read_csv(bytes: &[u8]) -> Result<Table, TableError> {
    let text = decode_text(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| TableError::Csv(e.to_string()))?;
        rows.push(
            record
                .iter()
                .map(|s| {
                    if s.is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(s.to_string())
                    }
                })
                .collect(),
        );
    }
    Ok(Table {
        first_row: 1,
        rows,
        sheet: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_in_both_encodings() {
        let utf8 = "\u{feff}姓名,身份证号\n张三,110105194912310029\n";
        let t = read_table(utf8.as_bytes(), Limits::default()).unwrap();
        assert_eq!(t.rows[0][0], Cell::Text("姓名".into()));
        assert_eq!(t.rows[1][0], Cell::Text("张三".into()));
        let (gbk, _, _) = encoding_rs::GB18030.encode("姓名,民族\n李四,汉族\n");
        let t = read_table(&gbk, Limits::default()).unwrap();
        assert_eq!(t.rows[1][1], Cell::Text("汉族".into()));
        assert_eq!(t.excel_row(1), 2);
    }

    #[test]
    fn limits() {
        assert!(matches!(
            read_table(b"", Limits::default()),
            Err(TableError::Empty)
        ));
        let l = Limits {
            max_bytes: 3,
            max_rows: 10,
            ..Limits::default()
        };
        assert!(matches!(
            read_table(b"a,b\n", l),
            Err(TableError::TooLarge { .. })
        ));
        let l = Limits {
            max_bytes: 100,
            max_rows: 1,
            ..Limits::default()
        };
        assert!(matches!(
            read_table(b"a\nb\n", l),
            Err(TableError::TooManyRows { .. })
        ));
        assert!(matches!(
            read_table(b"PK\x03\x04garbage", Limits::default()),
            Err(TableError::Spreadsheet(_))
        ));
    }

    #[test]
    fn cell_text() {
        assert_eq!(Cell::Number(13800138000.0).text(), "13800138000");
        assert_eq!(Cell::Number(1.5).text(), "1.5");
        assert!(Cell::Text("  ".into()).is_empty());
    }
}
