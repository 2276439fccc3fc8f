//! Chinese resident identity numbers (公民身份号码, GB 11643-1999).
//!
//! An [`IdNumber`] that exists has 18 characters, a valid province code, a real birth date
//! and a correct check character. Its [`Display`](std::fmt::Display) shows the masked form
//! so that it is never printed in full by accident; [`IdNumber::expose`] gives the whole
//! number where it is really needed.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::dates::normalize_input;

/// Length of an identity number.
pub const ID_LEN: usize = 18;

/// Weights of the first 17 digits in the GB 11643 check sum.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// Check character for each value of the weighted sum modulo 11.
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Earliest birth year accepted.
const MIN_BIRTH_YEAR: i32 = 1900;

/// Gender, as recorded in member files and encoded in the identity number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    /// Chinese label: "男" or "女".
    pub fn label(&self) -> &'static str {
        match self {
            Gender::Male => "男",
            Gender::Female => "女",
        }
    }

    /// Stable code for storage and forms: "male" or "female".
    pub fn code(&self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
        }
    }

    /// Reads "male"/"female", "男"/"女" or "M"/"F" (surrounding space and ASCII case are
    /// ignored); anything else gives `None`.
    pub fn from_code(code: &str) -> Option<Gender> {
        let code = code.trim();
        if code == "男" || code.eq_ignore_ascii_case("male") || code.eq_ignore_ascii_case("m") {
            Some(Gender::Male)
        } else if code == "女"
            || code.eq_ignore_ascii_case("female")
            || code.eq_ignore_ascii_case("f")
        {
            Some(Gender::Female)
        } else {
            None
        }
    }
}

impl fmt::Display for Gender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Why an identity number was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("身份证号不能为空")]
    Empty,
    #[error("身份证号应为18位，当前为{len}位")]
    Length { len: usize },
    #[error("15位旧身份证号无法校验，请填写18位身份证号")]
    Old15,
    #[error("身份证号只能由数字和末位X组成")]
    Chars,
    #[error("身份证号前两位“{code}”不是有效的省级行政区划代码")]
    Region { code: String },
    #[error("身份证号中的出生日期无效")]
    BirthDate,
    #[error("身份证号校验位错误：按前17位计算应为{expected}，请核对")]
    CheckDigit { expected: char },
}

/// A validated 18-character resident identity number (digits, last character a digit or
/// `X`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

/// Whether the first two digits name a province-level division (or 91, used for
/// residents abroad in some registers).
fn is_province_code(code: u32) -> bool {
    matches!(
        code,
        11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81..=83 | 91
    )
}

/// The GB 11643 check character of the first 17 digits; `None` unless `first17` is
/// exactly 17 ASCII digits.
pub fn check_char(first17: &str) -> Option<char> {
    if first17.len() != WEIGHTS.len() || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    // sum % 11 is below 11, the length of the table.
    CHECK_CHARS.get((sum % 11) as usize).copied()
}

/// Parses an ASCII digit string of at most nine digits.
fn digits_value(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Birth date encoded in characters 7..15 of a checked 18-character number.
fn birth_date_of(number: &str) -> Option<NaiveDate> {
    let year = i32::try_from(digits_value(number.get(6..10)?)?).ok()?;
    let month = digits_value(number.get(10..12)?)?;
    let day = digits_value(number.get(12..14)?)?;
    if year < MIN_BIRTH_YEAR {
        return None;
    }
    NaiveDate::from_ymd_opt(year, month, day)
}

impl IdNumber {
    /// Validates an identity number as typed or pasted: surrounding and inner spaces,
    /// full-width characters and a lower-case `x` are accepted.
    pub fn parse(input: &str) -> Result<IdNumber, IdError> {
        let s = normalize_input(input).to_ascii_uppercase();
        if s.is_empty() {
            return Err(IdError::Empty);
        }
        if !s.chars().all(|c| c.is_ascii_digit() || c == 'X') {
            return Err(IdError::Chars);
        }
        // Only ASCII from here on, so byte length equals character count.
        let len = s.len();
        if len == 15 && s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdError::Old15);
        }
        if len != ID_LEN {
            return Err(IdError::Length { len });
        }
        let first17 = s.get(..17).ok_or(IdError::Chars)?;
        if !first17.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdError::Chars);
        }
        let province = s.get(..2).and_then(digits_value).ok_or(IdError::Chars)?;
        if !is_province_code(province) {
            return Err(IdError::Region {
                code: s.get(..2).unwrap_or_default().to_string(),
            });
        }
        if birth_date_of(&s).is_none() {
            return Err(IdError::BirthDate);
        }
        let expected = check_char(first17).ok_or(IdError::Chars)?;
        if !s.ends_with(expected) {
            return Err(IdError::CheckDigit { expected });
        }
        Ok(IdNumber(s))
    }

    /// The full number.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The full number; a deliberately visible name for places that really need it.
    pub fn expose(&self) -> &str {
        self.as_str()
    }

    /// The birth date encoded in the number.
    pub fn birth_date(&self) -> NaiveDate {
        // Checked in `parse`; the fallback is never reached.
        birth_date_of(&self.0).unwrap_or(NaiveDate::MIN)
    }

    /// Gender from the 17th digit: odd is male, even is female.
    pub fn gender(&self) -> Gender {
        // b'0' is even, so an ASCII digit's byte has the parity of the digit.
        let odd = self.0.as_bytes().get(16).is_some_and(|b| b % 2 == 1);
        if odd {
            Gender::Male
        } else {
            Gender::Female
        }
    }

    /// First six characters, eight asterisks, last four: `110105********002X`.
    pub fn masked(&self) -> String {
        let head = self.0.get(..6).unwrap_or_default();
        let tail = self.0.get(ID_LEN - 4..).unwrap_or_default();
        format!("{head}********{tail}")
    }

    /// The six-digit administrative division code of the place of first registration.
    pub fn region_code(&self) -> &str {
        self.0.get(..6).unwrap_or_default()
    }
}

impl fmt::Display for IdNumber {
    /// Shows the masked form; use [`IdNumber::expose`] for the full number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl FromStr for IdNumber {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IdNumber::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid number built from its first 17 digits.
    fn valid(first17: &str) -> String {
        let c = check_char(first17).expect("17 digits");
        format!("{first17}{c}")
    }

    /// The same number with a wrong check character.
    fn with_wrong_check(first17: &str) -> (String, char) {
        let expected = check_char(first17).expect("17 digits");
        let wrong = if expected == '0' { '1' } else { '0' };
        (format!("{first17}{wrong}"), expected)
    }

    #[test]
    fn check_char_matches_the_standard_example() {
        // The worked example of GB 11643-1999.
        assert_eq!(check_char("11010519491231002"), Some('X'));
        assert_eq!(valid("11010519491231002"), "11010519491231002X");
    }

    #[test]
    fn check_char_by_hand() {
        // 4*7 + 4*9 + 0*10 + 1*5 + 0*8 + 6*4 + 1*2 + 9*1 + 8*6 + 0*3 + 0*7 + 1*9
        // + 0*10 + 1*5 + 0*8 + 1*4 + 3*2 = 176; 176 % 11 = 0 -> '1'.
        assert_eq!(check_char("44010619800101013"), Some('1'));
        // All zeros: sum 0 -> '1'.
        assert_eq!(check_char("00000000000000000"), Some('1'));
        // 1 in position 8 (weight 1): sum 1 -> '0'.
        assert_eq!(check_char("00000001000000000"), Some('0'));
        // 2 in position 8: sum 2 -> 'X'.
        assert_eq!(check_char("00000002000000000"), Some('X'));
    }

    #[test]
    fn check_char_rejects_bad_input() {
        assert_eq!(check_char(""), None);
        assert_eq!(check_char("1101051949123100"), None);
        assert_eq!(check_char("110105194912310021"), None);
        assert_eq!(check_char("1101051949123100X"), None);
        assert_eq!(check_char("１１０１０５１９４９１２３１００２"), None);
        assert_eq!(check_char("1101051949123100 "), None);
    }

    #[test]
    fn parses_the_standard_example() {
        let id = IdNumber::parse("11010519491231002X").expect("valid");
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.expose(), "11010519491231002X");
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert_eq!(id.gender(), Gender::Female);
        assert_eq!(id.region_code(), "110105");
        assert_eq!(id.masked(), "110105********002X");
    }

    #[test]
    fn display_is_masked() {
        let id = IdNumber::parse("11010519491231002X").expect("valid");
        assert_eq!(id.to_string(), "110105********002X");
        assert_eq!(format!("{id}"), "110105********002X");
        assert!(!id.to_string().contains("19491231"));
    }

    #[test]
    fn gender_from_17th_digit() {
        for (seventeenth, gender) in [
            ('0', Gender::Female),
            ('1', Gender::Male),
            ('2', Gender::Female),
            ('3', Gender::Male),
            ('8', Gender::Female),
            ('9', Gender::Male),
        ] {
            let first17 = format!("4401061980010101{seventeenth}");
            let id = IdNumber::parse(&valid(&first17)).expect("valid");
            assert_eq!(id.gender(), gender, "{first17}");
        }
    }

    #[test]
    fn normalises_input() {
        let expected = valid("11010519491231002");
        for input in [
            "11010519491231002x",
            " 11010519491231002X ",
            "110105 19491231 002X",
            "110105\u{3000}19491231\u{00A0}002X",
            "１１０１０５１９４９１２３１００２Ｘ",
            "１１０１０５１９４９１２３１００２ｘ",
            "\t11010519491231002X\n",
        ] {
            let id = IdNumber::parse(input).expect(input);
            assert_eq!(id.as_str(), expected, "{input:?}");
        }
        assert_eq!(
            "11010519491231002x"
                .parse::<IdNumber>()
                .map(|i| i.expose().to_string()),
            Ok(expected)
        );
    }

    #[test]
    fn empty() {
        for input in ["", "   ", "\u{3000}", "\u{00A0}"] {
            assert_eq!(IdNumber::parse(input), Err(IdError::Empty), "{input:?}");
        }
    }

    #[test]
    fn wrong_length() {
        assert_eq!(
            IdNumber::parse("1101051949123100"),
            Err(IdError::Length { len: 16 })
        );
        assert_eq!(
            IdNumber::parse("1101051949123100211"),
            Err(IdError::Length { len: 19 })
        );
        assert_eq!(IdNumber::parse("1"), Err(IdError::Length { len: 1 }));
        assert_eq!(
            IdNumber::parse("11010549123100X"),
            Err(IdError::Length { len: 15 })
        );
        assert_eq!(
            IdNumber::parse(&"1".repeat(1000)),
            Err(IdError::Length { len: 1000 })
        );
    }

    #[test]
    fn old_fifteen_digit_numbers() {
        assert_eq!(IdNumber::parse("110105491231002"), Err(IdError::Old15));
        assert_eq!(IdNumber::parse(" 110105 491231 002 "), Err(IdError::Old15));
        assert_eq!(
            IdNumber::parse("１１０１０５４９１２３１００２"),
            Err(IdError::Old15)
        );
    }

    #[test]
    fn bad_characters() {
        for input in [
            "11010519491231002Y",
            "1101051949123100-X",
            "11010519491231002*",
            "A1010519491231002X",
            "身份证",
            "1101051949123100２Ｘ😀",
            "110105194912310X2X",
            "X10105194912310021",
            "XXXXXXXXXXXXXXXXXX",
        ] {
            assert_eq!(IdNumber::parse(input), Err(IdError::Chars), "{input}");
        }
    }

    #[test]
    fn region_codes() {
        for code in [
            "11", "12", "13", "14", "15", "21", "22", "23", "31", "37", "41", "46", "50", "54",
            "61", "65", "71", "81", "82", "83", "91",
        ] {
            let first17 = format!("{code}010519491231002");
            assert!(IdNumber::parse(&valid(&first17)).is_ok(), "{code}");
        }
        for code in [
            "00", "10", "16", "20", "24", "30", "38", "40", "47", "49", "55", "60", "66", "70",
            "72", "80", "84", "90", "92", "99",
        ] {
            let first17 = format!("{code}010519491231002");
            assert_eq!(
                IdNumber::parse(&valid(&first17)),
                Err(IdError::Region {
                    code: code.to_string()
                }),
                "{code}"
            );
        }
    }

    #[test]
    fn birth_dates() {
        // Leap years.
        for date in ["20000229", "19960229", "20240229"] {
            let id = IdNumber::parse(&valid(&format!("110105{date}002"))).expect(date);
            assert_eq!(id.birth_date().format("%Y%m%d").to_string(), date);
        }
        // Not leap years, impossible dates, too early.
        for date in [
            "19000229", "20010229", "21000229", "19490230", "19491331", "19490001", "19490100",
            "19490132", "19490431", "18991231", "00000101",
        ] {
            assert_eq!(
                IdNumber::parse(&valid(&format!("110105{date}002"))),
                Err(IdError::BirthDate),
                "{date}"
            );
        }
        let first = IdNumber::parse(&valid("11010519000101002")).expect("1900-01-01");
        assert_eq!(
            first.birth_date(),
            NaiveDate::from_ymd_opt(1900, 1, 1).unwrap()
        );
    }

    #[test]
    fn wrong_check_digit() {
        let (number, expected) = with_wrong_check("11010519491231002");
        assert_eq!(expected, 'X');
        assert_eq!(
            IdNumber::parse(&number),
            Err(IdError::CheckDigit { expected: 'X' })
        );
        assert_eq!(
            IdNumber::parse("110105194912310021"),
            Err(IdError::CheckDigit { expected: 'X' })
        );
        assert_eq!(
            IdNumber::parse("44010619800101013X"),
            Err(IdError::CheckDigit { expected: '1' })
        );
        assert!(IdNumber::parse("440106198001010131").is_ok());
        // A single changed digit is always caught.
        let good = valid("44010619800101013");
        for pos in 0..17 {
            let mut bytes = good.clone().into_bytes();
            bytes[pos] = if bytes[pos] == b'9' {
                b'8'
            } else {
                bytes[pos] + 1
            };
            let changed = String::from_utf8(bytes).unwrap();
            assert!(IdNumber::parse(&changed).is_err(), "{changed}");
        }
    }

    #[test]
    fn masking() {
        let id = IdNumber::parse(&valid("44010619800101013")).expect("valid");
        assert_eq!(id.masked(), "440106********0131");
        assert_eq!(id.masked().chars().count(), 18);
        assert_eq!(id.region_code(), "440106");
    }

    #[test]
    fn error_messages() {
        assert_eq!(IdError::Empty.to_string(), "身份证号不能为空");
        assert_eq!(
            IdError::Length { len: 16 }.to_string(),
            "身份证号应为18位，当前为16位"
        );
        assert_eq!(
            IdError::Old15.to_string(),
            "15位旧身份证号无法校验，请填写18位身份证号"
        );
        assert_eq!(IdError::Chars.to_string(), "身份证号只能由数字和末位X组成");
        assert_eq!(
            IdError::Region { code: "99".into() }.to_string(),
            "身份证号前两位“99”不是有效的省级行政区划代码"
        );
        assert_eq!(IdError::BirthDate.to_string(), "身份证号中的出生日期无效");
        assert_eq!(
            IdError::CheckDigit { expected: 'X' }.to_string(),
            "身份证号校验位错误：按前17位计算应为X，请核对"
        );
    }

    #[test]
    fn gender_codes() {
        assert_eq!(Gender::Male.label(), "男");
        assert_eq!(Gender::Female.label(), "女");
        assert_eq!(Gender::Male.code(), "male");
        assert_eq!(Gender::Female.code(), "female");
        assert_eq!(Gender::Male.to_string(), "男");
        for (code, gender) in [
            ("male", Some(Gender::Male)),
            ("female", Some(Gender::Female)),
            ("男", Some(Gender::Male)),
            ("女", Some(Gender::Female)),
            ("M", Some(Gender::Male)),
            ("F", Some(Gender::Female)),
            ("m", Some(Gender::Male)),
            ("f", Some(Gender::Female)),
            ("Male", Some(Gender::Male)),
            (" 女 ", Some(Gender::Female)),
            ("", None),
            ("x", None),
            ("男性", None),
            ("ma", None),
        ] {
            assert_eq!(Gender::from_code(code), gender, "{code:?}");
        }
        for gender in [Gender::Male, Gender::Female] {
            assert_eq!(Gender::from_code(gender.code()), Some(gender));
            assert_eq!(Gender::from_code(gender.label()), Some(gender));
        }
    }

    #[test]
    fn never_panics() {
        for input in [
            "😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀",
            "ＸＸＸ",
            "\u{0}",
            "１",
            "99999999999999999999999999999999999",
        ] {
            let _ = IdNumber::parse(input);
        }
    }
}
