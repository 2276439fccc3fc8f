//! Contact telephone numbers: mainland mobile numbers, landlines with area code, and
//! 400/800 service numbers.
//!
//! Stored forms: `13812345678`, `010-12345678`, `0571-8765432-123`, `400-123-4567`.

use std::fmt;
use std::str::FromStr;

use crate::dates::normalize_input;

/// Why a telephone number was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("联系电话不能为空")]
    Empty,
    #[error("联系电话格式不正确：手机号应为11位，座机应为“区号-号码”，如 010-12345678")]
    Invalid,
}

/// What sort of number a [`Phone`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhoneKind {
    /// `1[3-9]` followed by nine digits.
    Mobile,
    /// Area code, local number of 7 or 8 digits, optional extension.
    Landline,
    /// 400 or 800 followed by seven digits.
    Service,
}

/// A validated telephone number in its normalised form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

/// Longest extension accepted.
const MAX_EXTENSION_LEN: usize = 6;

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The digits of `s` when it is one or more non-empty digit groups joined by single
/// dashes (`138-1234-5678`); `None` otherwise.
fn dash_groups(s: &str) -> Option<String> {
    let mut digits = String::with_capacity(s.len());
    for group in s.split('-') {
        if !all_digits(group) {
            return None;
        }
        digits.push_str(group);
    }
    Some(digits)
}

/// `1[3-9]` followed by nine digits.
fn is_mobile(digits: &str) -> bool {
    let b = digits.as_bytes();
    b.len() == 11
        && all_digits(digits)
        && b.first() == Some(&b'1')
        && b.get(1).is_some_and(|d| (b'3'..=b'9').contains(d))
}

/// A mobile number, possibly written with dashes and a `+86`, `0086` or `86` prefix.
fn parse_mobile(s: &str) -> Option<String> {
    if let Some(digits) = dash_groups(s).filter(|d| is_mobile(d)) {
        return Some(digits);
    }
    for prefix in ["+86", "0086", "86"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            let rest = rest.strip_prefix('-').unwrap_or(rest);
            if let Some(digits) = dash_groups(rest).filter(|d| is_mobile(d)) {
                return Some(digits);
            }
        }
    }
    None
}

/// `4001234567`, `400-123-4567`, `800-1234567`: normalised to `400-123-4567`.
fn parse_service(s: &str) -> Option<String> {
    let digits = dash_groups(s)?;
    if digits.len() != 10 || !(digits.starts_with("400") || digits.starts_with("800")) {
        return None;
    }
    Some(format!(
        "{}-{}-{}",
        digits.get(..3)?,
        digits.get(3..6)?,
        digits.get(6..)?
    ))
}

/// Length an area code starting like `digits` must have: 3 for 010 and 020..029, 4 for
/// 03xx..09xx; `None` when no area code can start like this.
fn area_code_len(digits: &str) -> Option<usize> {
    let b = digits.as_bytes();
    match (b.first(), b.get(1), b.get(2)) {
        (Some(b'0'), Some(b'1'), Some(b'0')) => Some(3),
        (Some(b'0'), Some(b'2'), Some(_)) => Some(3),
        (Some(b'0'), Some(b'3'..=b'9'), Some(_)) => Some(4),
        _ => None,
    }
}

fn is_area_code(s: &str) -> bool {
    all_digits(s) && area_code_len(s) == Some(s.len())
}

/// A local number: 7 or 8 digits, not starting with 0.
fn is_local_number(s: &str) -> bool {
    all_digits(s) && matches!(s.len(), 7 | 8) && !s.starts_with('0')
}

fn is_extension(s: &str) -> bool {
    all_digits(s) && s.len() <= MAX_EXTENSION_LEN
}

/// Splits an area code glued to its local number (`01012345678`).
fn split_glued(s: &str) -> Option<(&str, &str)> {
    if !all_digits(s) {
        return None;
    }
    let len = area_code_len(s)?;
    Some((s.get(..len)?, s.get(len..)?))
}

/// Area code, local number and optional extension of a landline as written:
/// `010-12345678`, `01012345678`, `(010)12345678`, `0571-8765432-123`, `057187654321-123`.
fn landline_parts(s: &str) -> Option<(&str, &str, Option<&str>)> {
    if let Some(after_paren) = s.strip_prefix('(') {
        let (area, rest) = after_paren.split_once(')')?;
        let rest = rest.strip_prefix('-').unwrap_or(rest);
        let mut groups = rest.split('-');
        let number = groups.next()?;
        let ext = groups.next();
        if groups.next().is_some() {
            return None;
        }
        return Some((area, number, ext));
    }
    let mut groups = s.split('-');
    let first = groups.next()?;
    let second = groups.next();
    let third = groups.next();
    if groups.next().is_some() {
        return None;
    }
    match (second, third) {
        (None, _) => {
            let (area, number) = split_glued(first)?;
            Some((area, number, None))
        }
        (Some(second), None) if first.len() <= 4 => Some((first, second, None)),
        (Some(ext), None) => {
            let (area, number) = split_glued(first)?;
            Some((area, number, Some(ext)))
        }
        (Some(number), Some(ext)) => Some((first, number, Some(ext))),
    }
}

fn parse_landline(s: &str) -> Option<String> {
    let (area, number, ext) = landline_parts(s)?;
    if !is_area_code(area) || !is_local_number(number) {
        return None;
    }
    match ext {
        None => Some(format!("{area}-{number}")),
        Some(ext) if is_extension(ext) => Some(format!("{area}-{number}-{ext}")),
        Some(_) => None,
    }
}

/// Dash-like characters people type between digit groups.
fn unify_dashes(c: char) -> char {
    match c {
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE63}' => '-',
        _ => c,
    }
}

/// `n` asterisks.
fn stars(n: usize) -> String {
    "*".repeat(n)
}

/// All but the last two characters of `s` as asterisks.
fn keep_last_two(s: &str) -> String {
    let len = s.len();
    let tail = s.get(len.saturating_sub(2)..).unwrap_or_default();
    format!("{}{tail}", stars(len.saturating_sub(2)))
}

impl Phone {
    /// Validates a telephone number as typed or pasted. Spaces (including full-width
    /// ones) are ignored and full-width characters accepted.
    pub fn parse(input: &str) -> Result<Phone, PhoneError> {
        let s: String = normalize_input(input).chars().map(unify_dashes).collect();
        if s.is_empty() {
            return Err(PhoneError::Empty);
        }
        if !s.is_ascii() {
            return Err(PhoneError::Invalid);
        }
        parse_mobile(&s)
            .or_else(|| parse_service(&s))
            .or_else(|| parse_landline(&s))
            .map(Phone)
            .ok_or(PhoneError::Invalid)
    }

    /// The normalised number.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Mobile, landline or service number.
    pub fn kind(&self) -> PhoneKind {
        if self.0.starts_with('1') {
            PhoneKind::Mobile
        } else if self.0.starts_with('0') {
            PhoneKind::Landline
        } else {
            PhoneKind::Service
        }
    }

    /// Whether this is a mobile number.
    pub fn is_mobile(&self) -> bool {
        self.kind() == PhoneKind::Mobile
    }

    /// The area code of a landline (`010`, `0571`); `None` for other numbers.
    pub fn area_code(&self) -> Option<&str> {
        match self.kind() {
            PhoneKind::Landline => self.0.split('-').next(),
            _ => None,
        }
    }

    /// A form safe to show in lists: `138****5678` for mobiles; for landlines the area
    /// code and the last two digits of the number (`010-******78`, extension hidden as
    /// `-***`); for service numbers the prefix and the last two digits (`400-***-**67`).
    pub fn masked(&self) -> String {
        match self.kind() {
            PhoneKind::Mobile => {
                let head = self.0.get(..3).unwrap_or_default();
                let tail = self.0.get(7..).unwrap_or_default();
                format!("{head}****{tail}")
            }
            PhoneKind::Landline => {
                let mut groups = self.0.split('-');
                let area = groups.next().unwrap_or_default();
                let number = groups.next().unwrap_or_default();
                let mut out = format!("{area}-{}", keep_last_two(number));
                if let Some(ext) = groups.next() {
                    out.push('-');
                    out.push_str(&stars(ext.len()));
                }
                out
            }
            PhoneKind::Service => {
                let prefix = self.0.get(..3).unwrap_or_default();
                let tail = self.0.get(self.0.len().saturating_sub(2)..);
                format!("{prefix}-***-**{}", tail.unwrap_or_default())
            }
        }
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Phone {
    type Err = PhoneError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Phone::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &str) -> String {
        match Phone::parse(input) {
            Ok(p) => p.as_str().to_string(),
            Err(e) => panic!("{input:?} rejected: {e}"),
        }
    }

    fn invalid(input: &str) {
        assert_eq!(Phone::parse(input), Err(PhoneError::Invalid), "{input:?}");
    }

    #[test]
    fn mobile_numbers() {
        for prefix in ["13", "14", "15", "16", "17", "18", "19"] {
            let n = format!("{prefix}812345678");
            assert_eq!(ok(&n), n);
            assert_eq!(Phone::parse(&n).unwrap().kind(), PhoneKind::Mobile);
        }
        for input in [
            "13812345678",
            " 13812345678 ",
            "138 1234 5678",
            "138-1234-5678",
            "138\u{3000}1234\u{00A0}5678",
            "１３８１２３４５６７８",
            "１３８－１２３４－５６７８",
            "138—1234—5678",
            "\u{FEFF}13812345678",
        ] {
            assert_eq!(ok(input), "13812345678", "{input:?}");
        }
    }

    #[test]
    fn country_prefixes() {
        for input in [
            "+8613812345678",
            "+86 138 1234 5678",
            "+86-138-1234-5678",
            "8613812345678",
            "86-13812345678",
            "008613812345678",
            "＋８６１３８１２３４５６７８",
        ] {
            assert_eq!(ok(input), "13812345678", "{input:?}");
        }
    }

    #[test]
    fn country_prefix_only_before_a_mobile() {
        for input in [
            "+86",
            "86",
            "+8601012345678",
            "+86010-12345678",
            "+861381234567",
            "+8612812345678",
            "+86+8613812345678",
            "+8686",
            "+86--13812345678",
            "+1 13812345678",
            "86138123456789",
        ] {
            invalid(input);
        }
    }

    #[test]
    fn rejects_bad_mobiles() {
        for input in [
            "1381234567",
            "138123456789",
            "12812345678",
            "11812345678",
            "10812345678",
            "23812345678",
            "1381234567a",
            "138-1234-567",
            "-13812345678",
            "13812345678-",
            "138--12345678",
            "138.1234.5678",
            "138/1234/5678",
            "013812345678",
            "1",
        ] {
            invalid(input);
        }
    }

    #[test]
    fn landlines_with_three_digit_area_codes() {
        assert_eq!(ok("010-12345678"), "010-12345678");
        assert_eq!(ok("01012345678"), "010-12345678");
        assert_eq!(ok("010 1234 5678"), "010-12345678");
        assert_eq!(ok("(010)12345678"), "010-12345678");
        assert_eq!(ok("（010）12345678"), "010-12345678");
        assert_eq!(ok("(010)-12345678"), "010-12345678");
        assert_eq!(ok("０１０－１２３４５６７８"), "010-12345678");
        for area in [
            "020", "021", "022", "023", "024", "025", "027", "028", "029",
        ] {
            assert_eq!(ok(&format!("{area}87654321")), format!("{area}-87654321"));
        }
        assert_eq!(ok("021-6123456"), "021-6123456");
        assert_eq!(ok("0101234567"), "010-1234567");
    }

    #[test]
    fn landlines_with_four_digit_area_codes() {
        assert_eq!(ok("0571-87654321"), "0571-87654321");
        assert_eq!(ok("057187654321"), "0571-87654321");
        assert_eq!(ok("0571-8765432"), "0571-8765432");
        assert_eq!(ok("05718765432"), "0571-8765432");
        assert_eq!(ok("0311-86123456"), "0311-86123456");
        assert_eq!(ok("0991-1234567"), "0991-1234567");
        assert_eq!(ok("(0755)26123456"), "0755-26123456");
    }

    #[test]
    fn landline_extensions() {
        assert_eq!(ok("0571-8765432-123"), "0571-8765432-123");
        assert_eq!(ok("057187654321-1"), "0571-87654321-1");
        assert_eq!(ok("010-12345678-123456"), "010-12345678-123456");
        assert_eq!(ok("(010)12345678-8"), "010-12345678-8");
        assert_eq!(ok("01012345678-12"), "010-12345678-12");
        invalid("010-12345678-1234567");
        invalid("010-12345678-");
        invalid("010-12345678-12a");
        invalid("010-12345678-1-2");
        invalid("(010)12345678-1-2");
        invalid("(010)12345678-");
    }

    #[test]
    fn rejects_bad_landlines() {
        for input in [
            // Wrong area code lengths or codes that do not exist.
            "0101-2345678",
            "057-187654321",
            "05711-8765432",
            "0211-2345678",
            "0-12345678",
            "00-12345678",
            "0012345678",
            "001-12345678",
            "0111-2345678",
            "011-12345678",
            "0123-4567890",
            // Local number length and leading zero.
            "010-123456",
            "010-123456789",
            "0571-01234567",
            "0571-0876543",
            "010123456789",
            // No area code.
            "87654321",
            "8765432",
            "-010-12345678",
            "010--12345678",
            "(010)",
            "(010",
            "()12345678",
            "(0571)(0571)87654321",
            "(+86)13812345678",
            "010)12345678",
            "010 1234 5678 9",
        ] {
            invalid(input);
        }
    }

    #[test]
    fn service_numbers() {
        assert_eq!(ok("4001234567"), "400-123-4567");
        assert_eq!(ok("400-123-4567"), "400-123-4567");
        assert_eq!(ok("400-1234-567"), "400-123-4567");
        assert_eq!(ok("400 123 4567"), "400-123-4567");
        assert_eq!(ok("8008101234"), "800-810-1234");
        assert_eq!(ok("800-810-1234"), "800-810-1234");
        assert_eq!(ok("４００－１２３－４５６７"), "400-123-4567");
        assert_eq!(
            Phone::parse("4001234567").unwrap().kind(),
            PhoneKind::Service
        );
        for input in [
            "400123456",
            "40012345678",
            "500-123-4567",
            "401-123-4567",
            "400--123-4567",
            "400-123-4567-",
            "400-123-456a",
        ] {
            invalid(input);
        }
    }

    #[test]
    fn empty_and_garbage() {
        for input in ["", "   ", "\u{3000}", "\u{00A0}\t\n"] {
            assert_eq!(Phone::parse(input), Err(PhoneError::Empty), "{input:?}");
        }
        for input in [
            "abc",
            "电话",
            "138１２３４５６７８号",
            "-",
            "--",
            "()",
            "(",
            ")",
            "+",
            "😀",
            "13812345678😀",
            "tel:13812345678",
            "13812345678,13912345678",
        ] {
            invalid(input);
        }
    }

    #[test]
    fn kinds_and_area_codes() {
        let mobile = Phone::parse("13812345678").unwrap();
        assert!(mobile.is_mobile());
        assert_eq!(mobile.area_code(), None);
        let landline = Phone::parse("0571-8765432-123").unwrap();
        assert_eq!(landline.kind(), PhoneKind::Landline);
        assert!(!landline.is_mobile());
        assert_eq!(landline.area_code(), Some("0571"));
        assert_eq!(
            Phone::parse("01012345678").unwrap().area_code(),
            Some("010")
        );
        let service = Phone::parse("4001234567").unwrap();
        assert!(!service.is_mobile());
        assert_eq!(service.area_code(), None);
    }

    #[test]
    fn masking() {
        let masked = |s: &str| Phone::parse(s).unwrap().masked();
        assert_eq!(masked("13812345678"), "138****5678");
        assert_eq!(masked("010-12345678"), "010-******78");
        assert_eq!(masked("0571-8765432"), "0571-*****32");
        assert_eq!(masked("0571-8765432-123"), "0571-*****32-***");
        assert_eq!(masked("4001234567"), "400-***-**67");
        assert_eq!(masked("8008101234"), "800-***-**34");
    }

    #[test]
    fn display_and_from_str() {
        let p: Phone = "+86 138 1234 5678".parse().unwrap();
        assert_eq!(p.to_string(), "13812345678");
        assert_eq!(p.as_str(), "13812345678");
        assert_eq!("x".parse::<Phone>(), Err(PhoneError::Invalid));
        // Parsing a stored form gives the same value back.
        for s in [
            "13812345678",
            "010-12345678",
            "0571-8765432-123",
            "400-123-4567",
        ] {
            assert_eq!(ok(s), s);
        }
    }

    #[test]
    fn error_messages() {
        assert_eq!(PhoneError::Empty.to_string(), "联系电话不能为空");
        assert_eq!(
            PhoneError::Invalid.to_string(),
            "联系电话格式不正确：手机号应为11位，座机应为“区号-号码”，如 010-12345678"
        );
    }

    #[test]
    fn never_panics() {
        let long = "1".repeat(10_000);
        for input in [
            long.as_str(),
            "((((",
            "))))",
            "(0)",
            "(0",
            "0",
            "01",
            "02",
            "+",
            "+8",
            "(😀)12345678",
            "0😀",
        ] {
            let _ = Phone::parse(input);
        }
    }
}
