//! The statistics table (党内统计) as rows: the same tables feed the XLSX export, the
//! command line's text output and the page.

use xianfeng_domain::org::OrgType;
use xianfeng_domain::stats::Report;

use crate::export::{xlsx_book, ExportError, Out, Sheet};

/// One table of the statistics: a sheet name, a title and rows under headings.
pub struct Table {
    pub name: &'static str,
    pub title: String,
    pub headings: Vec<&'static str>,
    pub rows: Vec<Vec<Out>>,
}

fn n(v: i64) -> Out {
    Out::Number(v as f64)
}

fn share(part: i64, whole: i64) -> Out {
    if whole == 0 {
        Out::Empty
    } else {
        Out::Text(format!("{:.1}%", part as f64 * 100.0 / whole as f64))
    }
}

/// The tables of a report: members, organisations, sub-organisations.
pub fn report_tables(r: &Report) -> Vec<Table> {
    let total = r.members.counts.total;
    let rows: Vec<Vec<Out>> = r
        .member_lines()
        .into_iter()
        .map(|l| {
            vec![
                Out::text(l.section),
                Out::text(l.label),
                n(l.count),
                if l.of_members {
                    share(l.count, total)
                } else {
                    Out::Empty
                },
            ]
        })
        .collect();

    let mut org_rows = vec![vec![
        Out::text("合计"),
        Out::text("党组织总数"),
        n(r.organizations.total),
    ]];
    for b in &r.organizations.by_type.0 {
        org_rows.push(vec![
            Out::text("组织类别"),
            Out::text(b.label.clone()),
            n(b.count),
        ]);
    }
    for b in &r.organizations.by_sector.0 {
        org_rows.push(vec![
            Out::text("所属领域"),
            Out::text(b.label.clone()),
            n(b.count),
        ]);
    }

    let child_rows = r
        .children
        .iter()
        .map(|c| {
            vec![
                Out::text(c.org.name.clone()),
                Out::text(c.org.code.clone()),
                Out::text(
                    OrgType::parse(&c.org.org_type)
                        .map(|t| t.label())
                        .unwrap_or(""),
                ),
                n(c.organizations),
                n(c.members.total),
                n(c.members.full),
                n(c.members.probationary),
                n(c.members.by_gender.male),
                n(c.members.by_gender.female),
                n(c.members.minority),
                n(c.activists),
                n(c.candidates),
            ]
        })
        .collect();

    vec![
        Table {
            name: "党员统计",
            title: format!("{} 党员统计表", r.org.name),
            headings: vec!["项目", "分类", "人数", "占党员总数"],
            rows,
        },
        Table {
            name: "党组织统计",
            title: format!("{} 党组织统计表", r.org.name),
            headings: vec!["项目", "分类", "个数"],
            rows: org_rows,
        },
        Table {
            name: "下级组织",
            title: format!("{} 下级组织党员情况", r.org.name),
            headings: vec![
                "组织名称",
                "组织代码",
                "组织类别",
                "党组织数",
                "党员总数",
                "正式党员",
                "预备党员",
                "男",
                "女",
                "少数民族",
                "入党积极分子",
                "发展对象",
            ],
            rows: child_rows,
        },
    ]
}

/// The statistics of a report as an XLSX workbook, one sheet per table.
pub fn report_xlsx(r: &Report) -> Result<Vec<u8>, ExportError> {
    let tables = report_tables(r);
    let headings: Vec<Vec<&str>> = tables.iter().map(|t| t.headings.clone()).collect();
    let sheets: Vec<Sheet> = tables
        .iter()
        .zip(&headings)
        .map(|(t, h)| Sheet {
            name: t.name,
            title: &t.title,
            as_of: r.as_of,
            headings: h,
            rows: &t.rows,
        })
        .collect();
    xlsx_book(&sheets)
}

/// Plain-text rendering of the tables for a terminal, columns aligned by display width.
pub fn report_text(r: &Report) -> String {
    let mut out = format!(
        "{}（{}）党内统计，截至 {}\n",
        r.org.name, r.org.code, r.as_of
    );
    for t in report_tables(r) {
        out.push('\n');
        out.push_str(&format!("【{}】\n", t.name));
        let cells: Vec<Vec<String>> =
            std::iter::once(t.headings.iter().map(|h| h.to_string()).collect())
                .chain(t.rows.iter().map(|row| row.iter().map(cell_text).collect()))
                .collect();
        let cols = t.headings.len();
        let widths: Vec<usize> = (0..cols)
            .map(|c| {
                cells
                    .iter()
                    .map(|r| width(r.get(c).map(String::as_str).unwrap_or("")))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for row in &cells {
            let mut line = String::new();
            for (c, w) in widths.iter().enumerate() {
                let s = row.get(c).map(String::as_str).unwrap_or("");
                line.push_str(s);
                if c + 1 < cols {
                    line.push_str(&" ".repeat(w - width(s) + 2));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out
}

fn cell_text(c: &Out) -> String {
    match c {
        Out::Text(s) => s.clone(),
        Out::Number(n) => format!("{}", *n as i64),
        Out::Date(d) => d.to_string(),
        Out::Empty => String::new(),
    }
}

/// Terminal width: CJK characters take two columns.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
        .sum()
}
