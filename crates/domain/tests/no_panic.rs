//! Every parser takes any text without panicking: a deterministic random sweep over inputs
//! built from the characters real spreadsheets and forms contain.

use chrono::NaiveDate;
use xianfeng_domain::members::MemberInput;
use xianfeng_domain::{parse_date, parse_year_month, IdNumber, Phone};

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

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

fn random_text(rng: &mut Lcg) -> String {
    let n = (rng.next() % 12) as usize;
    (0..n)
        .map(|_| PIECES[(rng.next() as usize) % PIECES.len()])
        .collect()
}

#[test]
fn parsers_never_panic() {
    let mut rng = Lcg(20261123);
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    for _ in 0..50_000 {
        let s = random_text(&mut rng);
        let _ = IdNumber::parse(&s);
        let _ = Phone::parse(&s);
        let _ = parse_date(&s);
        let _ = parse_year_month(&s);
        let _ = xianfeng_domain::org::OrgCode::parse(&s);
        let _ = xianfeng_domain::members::parse_ethnicity(&s);
        let _ = xianfeng_domain::password::PasswordPolicy::default().check(&s, &s);
        let _ = xianfeng_domain::text::name_key(&s);
    }
    // Whole records with random fields.
    for _ in 0..5_000 {
        let input = MemberInput {
            name: random_text(&mut rng),
            id_number: random_text(&mut rng),
            gender: random_text(&mut rng),
            birth_date: random_text(&mut rng),
            status: ["full", "probationary", "applicant", ""][(rng.next() % 4) as usize].into(),
            application_date: random_text(&mut rng),
            admission_date: random_text(&mut rng),
            conversion_date: random_text(&mut rng),
            phone: random_text(&mut rng),
            ..Default::default()
        };
        let _ = input.parse(today);
    }
    // Excel serials across and beyond the valid range.
    for i in -10..3_000_000i64 {
        if i % 997 == 0 {
            let _ = xianfeng_domain::dates::excel_serial_to_date(i as f64 + 0.5);
        }
    }
    let _ = xianfeng_domain::dates::excel_serial_to_date(f64::NAN);
    let _ = xianfeng_domain::dates::excel_serial_to_date(f64::INFINITY);
}

#[test]
fn valid_inputs_found_by_the_sweep_round_trip() {
    // Any ID number the parser accepts prints back to itself and masks to 18 characters.
    let mut rng = Lcg(7);
    let mut accepted = 0;
    for _ in 0..20_000 {
        let (m, d, seq) = (1 + rng.next() % 12, 1 + rng.next() % 28, rng.next() % 1000);
        let first17 = format!("1101051980{m:02}{d:02}{seq:03}");
        if let Some(c) = xianfeng_domain::idnum::check_char(&first17) {
            let s = format!("{first17}{c}");
            if let Ok(id) = IdNumber::parse(&s) {
                accepted += 1;
                assert_eq!(id.as_str(), s);
                assert_eq!(id.masked().chars().count(), 18);
            }
        }
    }
    assert!(accepted > 1000);
}
