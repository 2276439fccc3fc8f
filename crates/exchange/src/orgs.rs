//! An organisation sheet (组织名称, 组织代码, 组织类别, 上级组织代码, 所属领域, 成立日期) read
//! into organisation records; problems reported by Excel row number, column and reason.

use std::collections::HashMap;

use chrono::NaiveDate;
use xianfeng_domain::dates::parse_year_month;
use xianfeng_domain::org::{parse_org_name, OrgCode, OrgType, Sector};

use crate::header::{find_header, Column, Header};
use crate::members::{RowError, SheetError};
use crate::table::{Cell, Table};

pub const ORG_COLUMNS: &[Column] = &[
    Column {
        key: "name",
        names: &["组织名称", "党组织名称", "名称", "党组织全称"],
        year_month: false,
    },
    Column {
        key: "code",
        names: &["组织代码", "党组织代码", "代码", "组织编码"],
        year_month: false,
    },
    Column {
        key: "org_type",
        names: &["组织类别", "组织类型", "党组织类别", "类别"],
        year_month: false,
    },
    Column {
        key: "parent_code",
        names: &["上级组织代码", "上级党组织代码", "上级代码", "上级组织编码"],
        year_month: false,
    },
    Column {
        key: "sector",
        names: &["所属领域", "领域", "单位类别"],
        year_month: false,
    },
    Column {
        key: "founded_on",
        names: &["成立日期", "成立时间", "建立日期"],
        year_month: true,
    },
    Column {
        key: "secretary",
        names: &["书记", "党组织书记", "支部书记"],
        year_month: false,
    },
];

#[derive(Debug, Clone)]
pub struct OrgRecord {
    pub row: usize,
    pub code: OrgCode,
    pub name: String,
    pub org_type: OrgType,
    pub sector: Sector,
    pub founded_on: Option<NaiveDate>,
    pub parent_code: Option<OrgCode>,
    pub secretary: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct OrgSheet {
    pub total: usize,
    pub accepted: Vec<OrgRecord>,
    pub rejected: Vec<RowError>,
    pub unknown_columns: Vec<String>,
    /// The Excel row number of the header.
    pub header_row: usize,
}

/// Type names of real files.
fn org_type(text: &str) -> Option<OrgType> {
    let s: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    OrgType::parse(&s).or(match s.as_str() {
        "基层党委" | "党委员会" | "委员会" => Some(OrgType::Committee),
        "工委" | "党的工作委员会" => Some(OrgType::WorkingCommittee),
        "总支" | "党总支部" | "总支部委员会" => Some(OrgType::GeneralBranch),
        "支部" | "党支部委员会" | "支部委员会" => Some(OrgType::Branch),
        "联合支部" => Some(OrgType::JointBranch),
        "临时支部" => Some(OrgType::TemporaryBranch),
        "小组" => Some(OrgType::PartyGroup),
        _ => None,
    })
}

fn heading(h: &Header, key: &str) -> String {
    h.heading(key)
        .map(str::to_string)
        .unwrap_or_else(|| key.to_string())
}

pub fn read_orgs(table: &Table, today: NaiveDate) -> Result<OrgSheet, SheetError> {
    let header = find_header(table, ORG_COLUMNS).ok_or(SheetError::NoHeader)?;
    for (key, label) in [
        ("name", "组织名称"),
        ("code", "组织代码"),
        ("org_type", "组织类别"),
    ] {
        if header.col(key).is_none() {
            return Err(SheetError::MissingColumn(label));
        }
    }
    let mut sheet = OrgSheet {
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
        let cell = |key: &str| {
            header
                .col(key)
                .and_then(|c| row.get(c))
                .cloned()
                .unwrap_or(Cell::Empty)
        };
        let mut errors: Vec<(&str, String)> = Vec::new();
        let code = OrgCode::parse(&cell("code").text())
            .map_err(|e| errors.push(("code", e.to_string())))
            .ok();
        let name = parse_org_name(&cell("name").text())
            .map_err(|e| errors.push(("name", e.to_string())))
            .ok();
        let kind = org_type(&cell("org_type").text());
        if kind.is_none() {
            errors.push((
                "org_type",
                format!("无法识别的组织类别“{}”", cell("org_type").text()),
            ));
        }
        let sector_text = cell("sector").text();
        let sector = if sector_text.trim().is_empty() {
            Some(Sector::Other)
        } else {
            Sector::parse_loose(&sector_text)
        };
        if sector.is_none() {
            errors.push(("sector", format!("无法识别的领域“{sector_text}”")));
        }
        let founded_on = match cell("founded_on") {
            Cell::Empty => None,
            Cell::Date(d) => Some(d),
            Cell::Number(n) => match xianfeng_domain::dates::excel_serial_to_date(n) {
                Some(d) => Some(d),
                None => {
                    errors.push(("founded_on", format!("无法识别的日期“{n}”")));
                    None
                }
            },
            other => match parse_year_month(&other.text()) {
                Ok(d) => Some(d),
                Err(e) => {
                    errors.push(("founded_on", e.to_string()));
                    None
                }
            },
        };
        if founded_on.is_some_and(|d| d > today) {
            errors.push(("founded_on", "成立日期不能晚于今天".into()));
        }
        let parent_text = cell("parent_code").text();
        let parent_code = if parent_text.trim().is_empty() {
            None
        } else {
            match OrgCode::parse(&parent_text) {
                Ok(c) => Some(c),
                Err(e) => {
                    errors.push(("parent_code", e.to_string()));
                    None
                }
            }
        };
        let secretary =
            xianfeng_domain::text::optional(&cell("secretary").text(), 50).unwrap_or(None);
        if let Some(c) = &code {
            if let Some(first) = seen.get(c.as_str()) {
                errors.push(("code", format!("组织代码与第 {first} 行重复")));
            }
        }
        match (errors.is_empty(), code, name, kind, sector) {
            (true, Some(code), Some(name), Some(org_type), Some(sector)) => {
                seen.insert(code.as_str().to_string(), excel_row);
                sheet.accepted.push(OrgRecord {
                    row: excel_row,
                    code,
                    name,
                    org_type,
                    sector,
                    founded_on,
                    parent_code,
                    secretary,
                });
            }
            _ => {
                for (key, reason) in errors {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{read_table, Limits};

    #[test]
    fn an_org_sheet() {
        let csv = "组织名称,组织代码,组织类别,上级组织代码,所属领域,成立日期\n\
                   示范区委,QW,党委,,机关,1949-10-01\n\
                   第一支部,QW-01,支部,QW,社区,2001.07\n\
                   坏行,QW-01,党支部,QW,火星,2001-02-30\n";
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let sheet = read_orgs(
            &read_table(csv.as_bytes(), Limits::default()).unwrap(),
            today,
        )
        .unwrap();
        assert_eq!(sheet.total, 3);
        assert_eq!(sheet.accepted.len(), 2);
        assert_eq!(sheet.accepted[1].org_type, OrgType::Branch);
        assert_eq!(sheet.accepted[1].sector, Sector::Community);
        assert_eq!(
            sheet.accepted[1].founded_on,
            NaiveDate::from_ymd_opt(2001, 7, 1)
        );
        assert_eq!(
            sheet.accepted[1].parent_code.as_ref().map(|c| c.as_str()),
            Some("QW")
        );
        let reasons: Vec<String> = sheet
            .rejected
            .iter()
            .map(|e| format!("{}:{}", e.row, e.column))
            .collect();
        assert_eq!(reasons, vec!["4:所属领域", "4:成立日期", "4:组织代码"]);
    }
}
