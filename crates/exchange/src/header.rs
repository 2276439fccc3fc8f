//! Finding the header row (below title rows and merged cells) and matching columns by the
//! Chinese headings people actually use, in any order.

use crate::table::Table;

/// A column the importer knows: its key and the headings that name it.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub key: &'static str,
    pub names: &'static [&'static str],
    /// Year-month values (200107, 2001-07, 2001年7月) are accepted here.
    pub year_month: bool,
}

/// Where each known column is in the file.
#[derive(Debug, Clone)]
pub struct Header {
    /// Index into `Table::rows` of the header row.
    pub row: usize,
    /// (key, column index, heading as written in the file)
    pub columns: Vec<(&'static str, usize, String)>,
    /// Headings the importer does not know; ignored and listed in the report.
    pub unknown: Vec<String>,
}

impl Header {
    pub fn col(&self, key: &str) -> Option<usize> {
        self.columns
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, c, _)| *c)
    }
    /// The heading as the file writes it, for messages.
    pub fn heading(&self, key: &str) -> Option<&str> {
        self.columns
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, _, h)| h.as_str())
    }
}

/// A heading reduced to what identifies it: no spaces, no marks, no parenthesised notes.
pub fn normalise(heading: &str) -> String {
    let s: String = heading
        .chars()
        .map(xianfeng_domain::text::half_width)
        .filter(|c| !c.is_whitespace() && !matches!(c, '*' | '＊' | ':' | '：'))
        .collect();
    let cut = s.find(['(', '（', '[', '【']).unwrap_or(s.len());
    s[..cut].to_string()
}

/// Finds the header row among the first 30 rows: the row naming the most known columns
/// (at least two). Returns `None` when no row qualifies.
pub fn find_header(table: &Table, schema: &[Column]) -> Option<Header> {
    let mut best: Option<(usize, usize)> = None;
    for (i, row) in table.rows.iter().take(30).enumerate() {
        let hits = row
            .iter()
            .filter(|c| {
                let n = normalise(&c.text());
                !n.is_empty() && schema.iter().any(|col| col.names.contains(&n.as_str()))
            })
            .count();
        if hits >= 2 && best.is_none_or(|(_, h)| hits > h) {
            best = Some((i, hits));
        }
    }
    let (row, _) = best?;
    let mut columns = Vec::new();
    let mut unknown = Vec::new();
    for (c, cell) in table.rows[row].iter().enumerate() {
        let written = cell.text().trim().to_string();
        if written.is_empty() {
            continue;
        }
        let n = normalise(&written);
        match schema.iter().find(|col| col.names.contains(&n.as_str())) {
            Some(col) if !columns.iter().any(|(k, _, _)| *k == col.key) => {
                columns.push((col.key, c, written))
            }
            Some(_) => unknown.push(format!("{written}（重复的列，已忽略）")),
            None => unknown.push(written),
        }
    }
    Some(Header {
        row,
        columns,
        unknown,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Cell;

    const SCHEMA: &[Column] = &[
        Column {
            key: "name",
            names: &["姓名"],
            year_month: false,
        },
        Column {
            key: "id",
            names: &["身份证号", "公民身份号码"],
            year_month: false,
        },
        Column {
            key: "birth",
            names: &["出生日期", "出生年月"],
            year_month: true,
        },
    ];

    fn t(rows: Vec<Vec<&str>>) -> Table {
        Table {
            first_row: 1,
            sheet: String::new(),
            rows: rows
                .into_iter()
                .map(|r| {
                    r.into_iter()
                        .map(|s| {
                            if s.is_empty() {
                                Cell::Empty
                            } else {
                                Cell::Text(s.into())
                            }
                        })
                        .collect()
                })
                .collect(),
        }
    }

    #[test]
    fn header_below_title_rows_in_any_order() {
        let table = t(vec![
            vec!["某某党委党员花名册", "", ""],
            vec!["填报单位：第一支部", "", "2026年11月"],
            vec![
                "序号",
                "公民身份号码 *",
                "姓  名",
                "出生年月（年月）",
                "备注",
            ],
            vec!["1", "110105194912310029", "张三", "1949.12", ""],
        ]);
        let h = find_header(&table, SCHEMA).unwrap();
        assert_eq!(h.row, 2);
        assert_eq!(h.col("name"), Some(2));
        assert_eq!(h.col("id"), Some(1));
        assert_eq!(h.col("birth"), Some(3));
        assert_eq!(h.heading("id"), Some("公民身份号码 *"));
        assert_eq!(h.unknown, vec!["序号".to_string(), "备注".to_string()]);
    }

    #[test]
    fn no_header() {
        let table = t(vec![vec!["a", "b"], vec!["姓名", "x"]]);
        assert!(find_header(&table, SCHEMA).is_none());
        assert_eq!(normalise(" 出生日期（年月日）"), "出生日期");
    }
}
