//! Findings of the compliance check written out: a text table for the terminal and an XLSX
//! sheet for inspectors.

use chrono::NaiveDate;

use crate::export::{xlsx, ExportError, Out, Sheet};

/// One finding as a row.
#[derive(Debug, Clone)]
pub struct FindingRow {
    pub rule: String,
    pub severity: String,
    pub org_code: String,
    pub org_name: String,
    /// 人员 or 组织.
    pub subject_kind: &'static str,
    pub subject_name: String,
    pub message: String,
    /// `名称 日期` pairs, joined.
    pub dates: String,
}

const HEADINGS: [&str; 8] = [
    "规则",
    "级别",
    "组织代码",
    "党组织",
    "对象类别",
    "对象",
    "问题及处理",
    "相关日期",
];

fn cells(r: &FindingRow) -> [&str; 8] {
    [
        &r.rule,
        &r.severity,
        &r.org_code,
        &r.org_name,
        r.subject_kind,
        &r.subject_name,
        &r.message,
        &r.dates,
    ]
}

/// An XLSX sheet of the findings (title, as-of date, headings, one row per finding).
pub fn findings_xlsx(as_of: NaiveDate, rows: &[FindingRow]) -> Result<Vec<u8>, ExportError> {
    let out: Vec<Vec<Out>> = rows
        .iter()
        .map(|r| cells(r).iter().map(|c| Out::text(*c)).collect())
        .collect();
    xlsx(&Sheet {
        name: "合规检查",
        title: "合规检查结果",
        as_of,
        headings: &HEADINGS,
        rows: &out,
    })
}

/// A plain-text table with a count line per rule at the end.
pub fn findings_text(as_of: NaiveDate, rows: &[FindingRow]) -> String {
    let mut s = format!("合规检查（截至 {as_of}）：共 {} 条\n", rows.len());
    if rows.is_empty() {
        s.push_str("未发现问题。\n");
        return s;
    }
    s.push_str(&HEADINGS[..7].join("\t"));
    s.push('\n');
    let mut counts: std::collections::BTreeMap<(&str, &str), usize> = Default::default();
    for r in rows {
        s.push_str(&cells(r)[..7].join("\t"));
        s.push('\n');
        *counts.entry((&r.rule, &r.severity)).or_default() += 1;
    }
    s.push_str("\n按规则统计：\n");
    for ((rule, sev), n) in counts {
        s.push_str(&format!("{rule}\t{sev}\t{n}\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_xlsx() {
        let rows = vec![FindingRow {
            rule: "DEV-002".into(),
            severity: "违规".into(),
            org_code: "B1".into(),
            org_name: "一支部".into(),
            subject_kind: "人员",
            subject_name: "李四".into(),
            message: "谈话超期".into(),
            dates: "申请入党日期 2025-01-01".into(),
        }];
        let day = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
        let t = findings_text(day, &rows);
        assert!(t.contains("共 1 条") && t.contains("DEV-002\t违规\t1"));
        let bytes = findings_xlsx(day, &rows).unwrap();
        let table = crate::read_table(&bytes, Default::default()).unwrap();
        assert!(table
            .rows
            .iter()
            .any(|r| r.iter().any(|c| c.text() == "谈话超期")));
        assert!(findings_text(day, &[]).contains("未发现问题"));
    }
}
