//! Roster files written by a spreadsheet library, with the quirks of real ones.

use chrono::NaiveDate;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use xianfeng_domain::idnum::check_char;
use xianfeng_domain::members::MemberStatus;
use xianfeng_exchange::members::read_members;
use xianfeng_exchange::table::{read_table, Limits};

fn id(first17: &str) -> String {
    format!("{first17}{}", check_char(first17).unwrap())
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

#[test]
fn an_xlsx_roster_with_title_rows_merged_cells_and_every_date_spelling() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let date_fmt = Format::new().set_num_format("yyyy-mm-dd");
    let text = Format::new().set_num_format("@");
    ws.merge_range(
        0,
        0,
        0,
        7,
        "中共示范街道第一社区支部委员会党员花名册",
        &Format::new(),
    )
    .unwrap();
    ws.write_string(1, 0, "填报单位：第一社区党支部").unwrap();
    ws.write_string(1, 6, "填报日期：2026年11月").unwrap();
    // Headings in an unusual order, with marks and notes.
    let headings = [
        "序号",
        "公民身份号码",
        "姓 名",
        "性别",
        "民族",
        "入党时间",
        "转正日期",
        "出生年月",
        "联系电话",
        "所在党组织",
        "备注",
    ];
    for (c, h) in headings.iter().enumerate() {
        ws.write_string(2, c as u16, *h).unwrap();
    }
    let rows: Vec<(&str, String, &str, Option<&str>)> = vec![
        // (name, id, admission as text or None for a date cell, conversion)
        (
            "张三",
            id("11010519800501001"),
            "2001年7月",
            Some("2002-07-01"),
        ),
        ("李四", id("11010519850612002"), "2005.07", Some("2006/7/1")),
        ("王五", id("11010519900101003"), "", Some("2011.07.01")),
        ("赵六", id("11010519700707004"), "199507", None),
    ];
    for (i, (name, idn, adm, conv)) in rows.iter().enumerate() {
        let r = 3 + i as u32;
        ws.write_number(r, 0, (i + 1) as f64).unwrap();
        ws.write_string_with_format(r, 1, idn, &text).unwrap();
        ws.write_string(r, 2, *name).unwrap();
        ws.write_string(r, 4, "汉").unwrap();
        if adm.is_empty() {
            let d = ExcelDateTime::from_ymd(2010, 7, 1).unwrap();
            ws.write_datetime_with_format(r, 5, &d, &date_fmt).unwrap();
        } else if adm.chars().all(|c| c.is_ascii_digit()) {
            ws.write_number(r, 5, adm.parse::<f64>().unwrap()).unwrap();
        } else {
            ws.write_string(r, 5, *adm).unwrap();
        }
        if let Some(c) = conv {
            ws.write_string(r, 6, *c).unwrap();
        }
        ws.write_string(r, 9, "JD-01").unwrap();
    }
    ws.write_string(3, 7, "1980.05").unwrap();
    ws.write_string(4, 7, "1985年7月").unwrap(); // wrong month: the ID says June
    ws.write_string(5, 8, "１３８ ００１３ ８０００").unwrap(); // full-width digits and spaces
                                                                // Row 8: an ID typed as a number lost its last digits.
    ws.write_string(7, 2, "钱七").unwrap();
    ws.write_number(7, 1, 110105198001010017.0).unwrap();
    ws.write_string(7, 5, "2001-07-01").unwrap();
    // Row 9: the same person as row 4 again; row 10: a wrong check digit; row 11 blank; row 12 too young.
    ws.write_string(8, 2, "张三").unwrap();
    ws.write_string_with_format(8, 1, &rows[0].1, &text)
        .unwrap();
    ws.write_string(8, 5, "2001-07-01").unwrap();
    let mut bad = rows[1].1.clone();
    let last = if bad.ends_with('1') { "2" } else { "1" };
    bad.replace_range(17.., last);
    ws.write_string(9, 2, "孙九").unwrap();
    ws.write_string_with_format(9, 1, &bad, &text).unwrap();
    ws.write_string(9, 5, "2010-07-01").unwrap();
    ws.write_string(11, 2, "周十").unwrap();
    ws.write_string_with_format(11, 1, id("11010520100101005"), &text)
        .unwrap();
    ws.write_string(11, 5, "2026-01-01").unwrap();
    let bytes = wb.save_to_buffer().unwrap();

    let table = read_table(&bytes, Limits::default()).unwrap();
    let sheet = read_members(&table, today()).unwrap();
    // Reading row by row from the file gives the same sheet as reading it whole.
    let streamed =
        xianfeng_exchange::members::read_members_file(&bytes, Limits::default(), today()).unwrap();
    assert_eq!(format!("{streamed:?}"), format!("{sheet:?}"));
    assert_eq!(
        sheet.header_row, 3,
        "the header is the third row as Excel shows it"
    );
    assert_eq!(
        sheet.unknown_columns,
        vec!["序号".to_string(), "备注".to_string()]
    );
    assert_eq!(sheet.total, 8, "the blank row is skipped");

    let accepted: Vec<(usize, &str)> = sheet
        .accepted
        .iter()
        .map(|r| (r.row, r.fields.name.as_str()))
        .collect();
    assert_eq!(accepted, vec![(4, "张三"), (6, "王五"), (7, "赵六")]);
    let zhang = &sheet.accepted[0];
    assert_eq!(
        zhang.fields.admission_date,
        NaiveDate::from_ymd_opt(2001, 7, 1)
    );
    assert_eq!(
        zhang.fields.conversion_date,
        NaiveDate::from_ymd_opt(2002, 7, 1)
    );
    assert_eq!(zhang.fields.ethnicity, Some("汉族"));
    assert_eq!(zhang.org.as_deref(), Some("JD-01"));
    assert_eq!(zhang.fields.status, MemberStatus::Full);
    let wang = &sheet.accepted[1];
    assert_eq!(
        wang.fields.admission_date,
        NaiveDate::from_ymd_opt(2010, 7, 1),
        "an Excel date cell"
    );
    assert_eq!(
        wang.fields.phone.as_ref().map(|p| p.as_str()),
        Some("13800138000")
    );
    let zhao = &sheet.accepted[2];
    assert_eq!(
        zhao.fields.admission_date,
        NaiveDate::from_ymd_opt(1995, 7, 1),
        "199507 in a year-month column"
    );
    assert_eq!(
        zhao.fields.status,
        MemberStatus::Full,
        "admitted long ago without a conversion date: full"
    );

    let rejected: Vec<(usize, &str, &str)> = sheet
        .rejected
        .iter()
        .map(|e| (e.row, e.column.as_str(), e.reason.as_str()))
        .collect();
    let has = |row: usize, column: &str, words: &str| {
        rejected
            .iter()
            .any(|(r, c, why)| *r == row && *c == column && why.contains(words))
    };
    assert!(has(5, "出生年月", "出生年月与身份证号不符"), "{rejected:?}");
    assert!(has(8, "公民身份号码", "末几位已丢失"), "{rejected:?}");
    assert!(has(9, "公民身份号码", "与第 4 行重复"), "{rejected:?}");
    assert!(has(10, "公民身份号码", "校验位错误"), "{rejected:?}");
    assert!(has(12, "入党时间", "未满 18 周岁"), "{rejected:?}");
    assert_eq!(
        rejected
            .iter()
            .map(|(r, _, _)| *r)
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        5
    );
}

#[test]
fn a_gbk_csv_with_a_bom_free_header() {
    let text = format!(
        "姓名,身份证号,政治面貌,入党日期\n张三,{},中共预备党员,2026-03-01\n",
        id("11010519800501001")
    );
    let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
    let table = read_table(&bytes, Limits::default()).unwrap();
    let sheet = read_members(&table, today()).unwrap();
    assert_eq!(sheet.accepted.len(), 1);
    assert_eq!(sheet.accepted[0].fields.status, MemberStatus::Probationary);
    assert_eq!(sheet.accepted[0].row, 2);
}

#[test]
fn a_file_without_a_header_says_so() {
    let table = read_table("a,b\n1,2\n".as_bytes(), Limits::default()).unwrap();
    let err = read_members(&table, today()).unwrap_err();
    assert!(err.to_string().contains("找不到表头"));
}

#[test]
fn an_archive_that_unpacks_too_large_or_into_too_many_parts_is_refused_before_reading() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    // A column of repeated text compresses very well: small file, larger unpacked.
    for r in 0..2000 {
        ws.write_string(r, 0, "重复的内容重复的内容重复的内容")
            .unwrap();
    }
    let bytes = wb.save_to_buffer().unwrap();
    assert!(read_table(&bytes, Limits::default()).is_ok());
    let tight = Limits {
        max_unpacked_bytes: 64 * 1024,
        ..Limits::default()
    };
    let err = read_table(&bytes, tight).unwrap_err().to_string();
    assert!(err.contains("解压后"), "{err}");
    let few = Limits {
        max_entries: 3,
        ..Limits::default()
    };
    let err = read_table(&bytes, few).unwrap_err().to_string();
    assert!(err.contains("部件"), "{err}");
}
