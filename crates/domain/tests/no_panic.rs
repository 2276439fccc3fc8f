//! Every parser takes any text without panicking: property tests over inputs built from the
//! characters real spreadsheets and forms contain, and over arbitrary text.

use chrono::NaiveDate;
use proptest::prelude::*;
use xianfeng_domain::members::MemberInput;
use xianfeng_domain::{parse_date, parse_year_month, IdNumber, Phone};

const PIECES: &[&str] = &[
    "0",
    "1",
    "2",
    "9",
    "x",
    "X",
    "Ｘ",
    "１",
    "２",
    "０",
    "-",
    "/",
    ".",
    " ",
    "\u{3000}",
    "年",
    "月",
    "日",
    "号",
    "+86",
    "86",
    "(",
    ")",
    "（",
    "）",
    "2001",
    "19",
    "20",
    "12",
    "31",
    "02",
    "29",
    "110105",
    "é",
    "\u{0}",
    "\n",
    "🙂",
    "00:00",
    ":",
    "T",
    "张",
    "党",
    "−",
    "—",
    "9999999999",
    "00",
    "1900",
    "2100",
];

/// Text made of up to twelve pieces that real inputs are made of.
fn form_text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..12).prop_map(|v| v.concat())
}

/// Either pieces of real inputs or any text at all.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![3 => form_text(), 1 => any::<String>()]
}

fn parse_everything(s: &str) {
    let _ = IdNumber::parse(s);
    let _ = Phone::parse(s);
    let _ = parse_date(s);
    let _ = parse_year_month(s);
    let _ = xianfeng_domain::org::OrgCode::parse(s);
    let _ = xianfeng_domain::members::parse_ethnicity(s);
    let _ = xianfeng_domain::password::PasswordPolicy::default().check(s, s);
    let _ = xianfeng_domain::text::name_key(s);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn parsers_never_panic(s in any_text()) {
        parse_everything(&s);
    }

    #[test]
    fn whole_records_never_panic(
        name in any_text(),
        id_number in any_text(),
        gender in any_text(),
        birth_date in any_text(),
        status in prop::sample::select(&["full", "probationary", "applicant", ""][..]),
        application_date in any_text(),
        admission_date in any_text(),
        conversion_date in any_text(),
        phone in any_text(),
    ) {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let input = MemberInput {
            name,
            id_number,
            gender,
            birth_date,
            status: status.into(),
            application_date,
            admission_date,
            conversion_date,
            phone,
            ..Default::default()
        };
        let _ = input.parse(today);
    }

    #[test]
    fn excel_serials_never_panic(x in any::<f64>()) {
        let _ = xianfeng_domain::dates::excel_serial_to_date(x);
    }

    /// Any ID number with a right check character parses, prints back to itself and masks to
    /// 18 characters.
    #[test]
    fn valid_id_numbers_round_trip(m in 1u32..=12, d in 1u32..=28, seq in 0u32..1000) {
        let first17 = format!("1101051980{m:02}{d:02}{seq:03}");
        let c = xianfeng_domain::idnum::check_char(&first17).unwrap();
        let s = format!("{first17}{c}");
        let id = IdNumber::parse(&s).unwrap();
        prop_assert_eq!(id.as_str(), s.as_str());
        prop_assert_eq!(id.masked().chars().count(), 18);
    }
}

#[test]
fn excel_serials_across_the_valid_range() {
    for i in (-10..3_000_000i64).step_by(997) {
        let _ = xianfeng_domain::dates::excel_serial_to_date(i as f64 + 0.5);
    }
    let _ = xianfeng_domain::dates::excel_serial_to_date(f64::NAN);
    let _ = xianfeng_domain::dates::excel_serial_to_date(f64::INFINITY);
}
