//! Dates as they are really written in Chinese spreadsheets and forms.
//!
//! Accepted spellings (after normalisation: trimming, removing spaces, full-width to
//! half-width): `2001-07-01`, `2001-7-1`, `2001/7/1`, `2001.07.01`, `2001年7月1日`,
//! `20010701`, optionally followed by a time part (`2001-07-01 00:00:00`, `2001/7/1 0:00`)
//! which is ignored. Year-month columns additionally accept `200107`, `2001-07`,
//! `2001/7`, `2001.7` and `2001年7月`.

use chrono::{Datelike, Months, NaiveDate, TimeDelta};

/// Smallest year accepted by the parsers.
pub const MIN_YEAR: i32 = 1900;
/// Largest year accepted by the parsers.
pub const MAX_YEAR: i32 = 2100;

/// Longest excerpt of the user's input quoted back in an error message.
const QUOTE_MAX_CHARS: usize = 40;

/// Largest Excel serial number (9999-12-31 in the 1900 date system).
const EXCEL_MAX_SERIAL: f64 = 2_958_465.0;

/// Why a date could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("日期不能为空")]
    Empty,
    #[error("无法识别的日期“{input}”，请写成 2001-07-01 或 2001年7月1日")]
    Format { input: String },
    #[error("日期“{input}”不存在")]
    Invalid { input: String },
    #[error("日期“{input}”超出 1900–2100 年的范围")]
    Range { input: String },
}

/// Maps one character to its half-width form: full-width ASCII (U+FF01..U+FF5E) becomes
/// ASCII, the ideographic space (U+3000) and the no-break space (U+00A0) become a space.
pub(crate) fn to_half_width(c: char) -> char {
    match c {
        '\u{3000}' | '\u{00A0}' | '\u{202F}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Invisible characters that spreadsheets and copy-paste leave behind.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
    )
}

/// Half-width form of `input` with invisible characters dropped and the ends trimmed;
/// inner white space is kept (as plain characters) so that callers can still split on it.
fn half_width_trimmed(input: &str) -> String {
    let mapped: String = input
        .chars()
        .filter(|c| !is_invisible(*c))
        .map(to_half_width)
        .collect();
    mapped.trim().to_string()
}

/// The normalisation shared by the parsers of this crate: full-width ASCII to
/// half-width, and every kind of white space (including U+3000 and NBSP) removed,
/// which also trims the ends.
pub(crate) fn normalize_input(input: &str) -> String {
    input
        .chars()
        .filter(|c| !is_invisible(*c))
        .map(to_half_width)
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// The user's input as it is quoted back in an error message (trimmed, shortened).
fn quote(input: &str) -> String {
    let trimmed = input.trim();
    let mut chars = trimmed.chars();
    let head: String = chars.by_ref().take(QUOTE_MAX_CHARS).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

/// Year, month and optional day as written, each a non-empty run of ASCII digits.
struct Parts<'a> {
    year: &'a str,
    month: &'a str,
    day: Option<&'a str>,
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Splits a compact date (no white space, no time) into its parts; `None` when the
/// spelling is not one of the accepted ones.
fn split_parts(s: &str) -> Option<Parts<'_>> {
    if all_digits(s) {
        return match s.len() {
            8 => Some(Parts {
                year: s.get(0..4)?,
                month: s.get(4..6)?,
                day: Some(s.get(6..8)?),
            }),
            6 => Some(Parts {
                year: s.get(0..4)?,
                month: s.get(4..6)?,
                day: None,
            }),
            _ => None,
        };
    }
    let parts = if s.contains('年') {
        split_chinese(s)?
    } else {
        split_separated(s)?
    };
    let year_ok = parts.year.len() == 4 && all_digits(parts.year);
    let month_ok = (1..=2).contains(&parts.month.len()) && all_digits(parts.month);
    let day_ok = parts
        .day
        .is_none_or(|d| (1..=2).contains(&d.len()) && all_digits(d));
    (year_ok && month_ok && day_ok).then_some(parts)
}

/// `2001年7月1日`, `2001年7月1号`, `2001年7月1`, `2001年7月`.
fn split_chinese(s: &str) -> Option<Parts<'_>> {
    let (year, rest) = s.split_once('年')?;
    let (month, rest) = rest.split_once('月')?;
    if rest.is_empty() {
        return Some(Parts {
            year,
            month,
            day: None,
        });
    }
    let day = rest
        .strip_suffix('日')
        .or_else(|| rest.strip_suffix('号'))
        .unwrap_or(rest);
    Some(Parts {
        year,
        month,
        day: Some(day),
    })
}

/// `2001-07-01`, `2001/7/1`, `2001.07.01`, `2001-07`: one separator, used consistently.
fn split_separated(s: &str) -> Option<Parts<'_>> {
    let sep = s.chars().find(|c| !c.is_ascii_digit())?;
    if !matches!(sep, '-' | '/' | '.') {
        return None;
    }
    let mut pieces = s.split(sep);
    let year = pieces.next()?;
    let month = pieces.next()?;
    let day = pieces.next();
    if pieces.next().is_some() {
        return None;
    }
    Some(Parts { year, month, day })
}

/// Removes a trailing time part (`00:00:00`, `0:00`, `T08:30`) from a half-width,
/// trimmed input and then every remaining space. `None` when a `:` is present but no
/// recognisable time follows the date.
fn strip_time(s: &str) -> Option<String> {
    let date_part = match s.find(':') {
        None => s,
        Some(colon) => {
            let before = s.get(..colon)?;
            let split = before.rfind(|c: char| c.is_whitespace() || c == 'T')?;
            let sep_len = before.get(split..)?.chars().next()?.len_utf8();
            let time = s.get(split + sep_len..)?;
            let time_ok = time.chars().any(|c| c.is_ascii_digit())
                && time
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, ':' | '.') || c.is_whitespace());
            if !time_ok {
                return None;
            }
            s.get(..split)?
        }
    };
    Some(date_part.chars().filter(|c| !c.is_whitespace()).collect())
}

/// Turns checked parts into a date, reporting range before calendar validity.
fn build(parts: &Parts<'_>, input: &str) -> Result<NaiveDate, DateError> {
    let format_err = || DateError::Format {
        input: quote(input),
    };
    // All parts are at most four ASCII digits, so these parses cannot overflow.
    let year: i32 = parts.year.parse().map_err(|_| format_err())?;
    let month: u32 = parts.month.parse().map_err(|_| format_err())?;
    let day: u32 = match parts.day {
        Some(d) => d.parse().map_err(|_| format_err())?,
        None => 1,
    };
    if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        return Err(DateError::Range {
            input: quote(input),
        });
    }
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| DateError::Invalid {
        input: quote(input),
    })
}

/// Normalises and splits `input`; shared by [`parse_date`] and [`parse_year_month`].
fn parse_parts(input: &str) -> Result<(NaiveDate, bool), DateError> {
    let half = half_width_trimmed(input);
    if half.chars().all(char::is_whitespace) {
        return Err(DateError::Empty);
    }
    let format_err = || DateError::Format {
        input: quote(input),
    };
    let compact = strip_time(&half).ok_or_else(format_err)?;
    let parts = split_parts(&compact).ok_or_else(format_err)?;
    let has_day = parts.day.is_some();
    Ok((build(&parts, input)?, has_day))
}

/// Reads a full date (year, month and day) in any of the spellings listed in the module
/// documentation. Years must lie in 1900..=2100 and the date must exist.
pub fn parse_date(input: &str) -> Result<NaiveDate, DateError> {
    match parse_parts(input)? {
        (date, true) => Ok(date),
        (_, false) => Err(DateError::Format {
            input: quote(input),
        }),
    }
}

/// Reads a year-month column (`200107`, `2001-07`, `2001年7月`, ...) and returns the first
/// day of that month. A full date is accepted too and returned unchanged.
pub fn parse_year_month(input: &str) -> Result<NaiveDate, DateError> {
    parse_parts(input).map(|(date, _)| date)
}

/// Converts an Excel serial day number (1900 date system) to a date.
///
/// Serial 1 is 1900-01-01; serial 60 is Excel's non-existent 1900-02-29 and gives `None`;
/// serial 61 is 1900-03-01. The fractional part (time of day) is ignored. Serials below 1,
/// above 2958465 (9999-12-31) or not finite give `None`.
pub fn excel_serial_to_date(serial: f64) -> Option<NaiveDate> {
    if !serial.is_finite() {
        return None;
    }
    let whole = serial.floor();
    if !(1.0..=EXCEL_MAX_SERIAL).contains(&whole) {
        return None;
    }
    // In range 1..=2958465, so the conversion is exact.
    let days = whole as i64;
    let base = match days {
        60 => return None,
        d if d < 60 => NaiveDate::from_ymd_opt(1899, 12, 31)?,
        _ => NaiveDate::from_ymd_opt(1899, 12, 30)?,
    };
    base.checked_add_signed(chrono::TimeDelta::try_days(days)?)
}

/// `2001-07-01`.
pub fn format_date(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// `2001年7月1日`.
pub fn format_date_cn(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// Month and day of an anniversary of `d` in `year`: a 29 February anniversary falls on
/// 1 March in years without one.
fn anniversary_in(d: NaiveDate, year: i32) -> (u32, u32) {
    let (month, day) = (d.month(), d.day());
    if month == 2 && day == 29 && NaiveDate::from_ymd_opt(year, 2, 29).is_none() {
        (3, 1)
    } else {
        (month, day)
    }
}

/// Completed years from `from` to `to` (age, years of party standing, ...).
///
/// The count goes up on the anniversary; an anniversary on 29 February is reached on
/// 1 March in common years. When `to` is before `from` the result is the negated count
/// from `to` to `from`.
pub fn years_between(from: NaiveDate, to: NaiveDate) -> i32 {
    if to < from {
        return -years_between(to, from);
    }
    let mut years = to.year() - from.year();
    if (to.month(), to.day()) < anniversary_in(from, to.year()) {
        years -= 1;
    }
    years
}

/// `d` moved by `months` calendar months, clamped to the last day of the target month
/// (31 January + 1 month = 28 or 29 February). Results beyond the range chrono can
/// represent saturate at [`NaiveDate::MIN`] / [`NaiveDate::MAX`].
pub fn add_months(d: NaiveDate, months: i32) -> NaiveDate {
    let moved = if months < 0 {
        d.checked_sub_months(Months::new(months.unsigned_abs()))
    } else {
        d.checked_add_months(Months::new(months.unsigned_abs()))
    };
    moved.unwrap_or(if months < 0 {
        NaiveDate::MIN
    } else {
        NaiveDate::MAX
    })
}

/// `d` moved by `days` days, saturating at [`NaiveDate::MIN`] / [`NaiveDate::MAX`].
pub fn add_days(d: NaiveDate, days: i64) -> NaiveDate {
    TimeDelta::try_days(days)
        .and_then(|t| d.checked_add_signed(t))
        .unwrap_or(if days < 0 {
            NaiveDate::MIN
        } else {
            NaiveDate::MAX
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn format_err(input: &str) -> DateError {
        DateError::Format {
            input: input.to_string(),
        }
    }

    #[test]
    fn accepts_all_date_spellings() {
        let expected = ymd(2001, 7, 1);
        for input in [
            "2001-07-01",
            "2001-7-1",
            "2001/7/1",
            "2001/07/01",
            "2001.07.01",
            "2001.7.1",
            "2001年7月1日",
            "2001年07月01日",
            "2001年7月1号",
            "2001年7月1",
            "20010701",
            "2001-07-01 00:00:00",
            "2001/7/1 0:00",
            "2001-07-01T08:30:00",
            "2001-07-01 08:30:00.000",
            "2001年7月1日 0:00",
        ] {
            assert_eq!(parse_date(input), Ok(expected), "{input}");
        }
    }

    #[test]
    fn normalises_before_parsing() {
        let expected = ymd(2001, 7, 1);
        for input in [
            "  2001-07-01  ",
            "\t2001-07-01\n",
            "２００１－０７－０１",
            "２００１／７／１",
            "２００１．７．１",
            "２００１年７月１日",
            "2001 年 7 月 1 日",
            "2001\u{3000}年7月1日",
            "\u{3000}2001-07-01\u{00A0}",
            "\u{FEFF}2001-07-01",
            "2001 - 07 - 01",
            "２００１－０７－０１\u{3000}００：００：００",
        ] {
            assert_eq!(parse_date(input), Ok(expected), "{input:?}");
        }
    }

    #[test]
    fn empty_inputs() {
        for input in ["", "   ", "\u{3000}", "\u{00A0}\t", "\u{FEFF}"] {
            assert_eq!(parse_date(input), Err(DateError::Empty), "{input:?}");
            assert_eq!(parse_year_month(input), Err(DateError::Empty), "{input:?}");
        }
    }

    #[test]
    fn rejects_unknown_formats() {
        for input in [
            "abc",
            "2001",
            "200107",
            "2001-07",
            "2001年7月",
            "01-07-2001",
            "1-7-01",
            "2001-07-01-02",
            "2001-07/01",
            "2001_07_01",
            "2001--07-01",
            "2001-07-",
            "-2001-07-01",
            "2001-007-01",
            "2001-07-001",
            "20010701a",
            "2001070",
            "200107011",
            "2001年",
            "2001年7日",
            "2001年7月1日x",
            "2001年7月1日日",
            "年月日",
            "2001-07-01 abc",
            "2001-07-01:00",
            "2001-07-01 00:0a",
            "2001-07-01 :",
            "十月一日",
            "36708",
            "+2001-07-01",
        ] {
            assert_eq!(parse_date(input), Err(format_err(input)), "{input}");
        }
    }

    #[test]
    fn format_error_quotes_trimmed_and_shortened_input() {
        assert_eq!(parse_date("  abc  "), Err(format_err("abc")));
        let long = "x".repeat(100);
        let expected = format!("{}…", "x".repeat(QUOTE_MAX_CHARS));
        assert_eq!(
            parse_date(&long),
            Err(DateError::Format { input: expected })
        );
        let exactly = "y".repeat(QUOTE_MAX_CHARS);
        assert_eq!(parse_date(&exactly), Err(format_err(&exactly)));
    }

    #[test]
    fn rejects_dates_that_do_not_exist() {
        for input in [
            "2001-02-29",
            "2001年2月29日",
            "20010229",
            "1900-02-29",
            "2100-02-29",
            "2001-04-31",
            "2001-13-01",
            "2001-00-10",
            "2001-01-00",
            "2001-01-32",
            "20011301",
        ] {
            assert_eq!(
                parse_date(input),
                Err(DateError::Invalid {
                    input: input.to_string()
                }),
                "{input}"
            );
        }
    }

    #[test]
    fn leap_days() {
        assert_eq!(parse_date("2000-02-29"), Ok(ymd(2000, 2, 29)));
        assert_eq!(parse_date("2024/2/29"), Ok(ymd(2024, 2, 29)));
        assert_eq!(parse_date("19960229"), Ok(ymd(1996, 2, 29)));
    }

    #[test]
    fn year_range() {
        assert_eq!(parse_date("1900-01-01"), Ok(ymd(1900, 1, 1)));
        assert_eq!(parse_date("2100-12-31"), Ok(ymd(2100, 12, 31)));
        for input in [
            "1899-12-31",
            "2101-01-01",
            "0000-01-01",
            "9999-12-31",
            "18990101",
        ] {
            assert_eq!(
                parse_date(input),
                Err(DateError::Range {
                    input: input.to_string()
                }),
                "{input}"
            );
        }
        // Range is reported before calendar validity.
        assert_eq!(
            parse_date("2101-02-30"),
            Err(DateError::Range {
                input: "2101-02-30".into()
            })
        );
    }

    #[test]
    fn year_month_spellings() {
        let expected = ymd(2001, 7, 1);
        for input in [
            "200107",
            "2001-07",
            "2001-7",
            "2001/07",
            "2001/7",
            "2001.07",
            "2001.7",
            "2001年7月",
            "2001年07月",
            "２００１年７月",
            " 2001 - 07 ",
            "2001-07 00:00",
        ] {
            assert_eq!(parse_year_month(input), Ok(expected), "{input}");
        }
        assert_eq!(parse_year_month("2001.12"), Ok(ymd(2001, 12, 1)));
        assert_eq!(parse_year_month("190001"), Ok(ymd(1900, 1, 1)));
        assert_eq!(parse_year_month("210012"), Ok(ymd(2100, 12, 1)));
    }

    #[test]
    fn year_month_accepts_full_dates_unchanged() {
        assert_eq!(parse_year_month("2001-07-15"), Ok(ymd(2001, 7, 15)));
        assert_eq!(parse_year_month("2001年7月15日"), Ok(ymd(2001, 7, 15)));
        assert_eq!(parse_year_month("20010715"), Ok(ymd(2001, 7, 15)));
        assert_eq!(parse_year_month("2001/7/15 0:00"), Ok(ymd(2001, 7, 15)));
    }

    #[test]
    fn year_month_rejections() {
        for input in [
            "2001",
            "2001-",
            "2001-123",
            "20017",
            "2001年",
            "2001年月",
            "07-2001",
        ] {
            assert_eq!(parse_year_month(input), Err(format_err(input)), "{input}");
        }
        for input in ["2001-13", "200100", "2001年0月", "2001-02-30"] {
            assert_eq!(
                parse_year_month(input),
                Err(DateError::Invalid {
                    input: input.to_string()
                }),
                "{input}"
            );
        }
        for input in ["189912", "2101-01"] {
            assert_eq!(
                parse_year_month(input),
                Err(DateError::Range {
                    input: input.to_string()
                }),
                "{input}"
            );
        }
    }

    #[test]
    fn error_messages_are_chinese() {
        assert_eq!(DateError::Empty.to_string(), "日期不能为空");
        assert_eq!(
            format_err("abc").to_string(),
            "无法识别的日期“abc”，请写成 2001-07-01 或 2001年7月1日"
        );
        assert_eq!(
            DateError::Invalid {
                input: "2001-02-29".into()
            }
            .to_string(),
            "日期“2001-02-29”不存在"
        );
        assert_eq!(
            DateError::Range {
                input: "1800-01-01".into()
            }
            .to_string(),
            "日期“1800-01-01”超出 1900–2100 年的范围"
        );
    }

    #[test]
    fn excel_serials() {
        assert_eq!(excel_serial_to_date(1.0), Some(ymd(1900, 1, 1)));
        assert_eq!(excel_serial_to_date(59.0), Some(ymd(1900, 2, 28)));
        assert_eq!(excel_serial_to_date(60.0), None);
        assert_eq!(excel_serial_to_date(60.9), None);
        assert_eq!(excel_serial_to_date(61.0), Some(ymd(1900, 3, 1)));
        assert_eq!(excel_serial_to_date(36708.0), Some(ymd(2000, 7, 1)));
        assert_eq!(excel_serial_to_date(37073.0), Some(ymd(2001, 7, 1)));
        assert_eq!(excel_serial_to_date(45000.0), Some(ymd(2023, 3, 15)));
        assert_eq!(excel_serial_to_date(45000.75), Some(ymd(2023, 3, 15)));
        assert_eq!(excel_serial_to_date(1.5), Some(ymd(1900, 1, 1)));
        assert_eq!(excel_serial_to_date(2_958_465.0), Some(ymd(9999, 12, 31)));
        assert_eq!(excel_serial_to_date(2_958_465.9), Some(ymd(9999, 12, 31)));
        for serial in [
            0.0,
            0.99,
            -1.0,
            2_958_466.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            f64::MIN,
        ] {
            assert_eq!(excel_serial_to_date(serial), None, "{serial}");
        }
    }

    #[test]
    fn formatting() {
        assert_eq!(format_date(ymd(2001, 7, 1)), "2001-07-01");
        assert_eq!(format_date(ymd(1921, 12, 31)), "1921-12-31");
        assert_eq!(format_date_cn(ymd(2001, 7, 1)), "2001年7月1日");
        assert_eq!(format_date_cn(ymd(1921, 12, 31)), "1921年12月31日");
        // Round trip through the parser.
        let d = ymd(1949, 10, 1);
        assert_eq!(parse_date(&format_date(d)), Ok(d));
        assert_eq!(parse_date(&format_date_cn(d)), Ok(d));
    }

    #[test]
    fn years_between_counts_completed_years() {
        let birth = ymd(1990, 6, 15);
        assert_eq!(years_between(birth, ymd(1990, 6, 15)), 0);
        assert_eq!(years_between(birth, ymd(2020, 6, 14)), 29);
        assert_eq!(years_between(birth, ymd(2020, 6, 15)), 30);
        assert_eq!(years_between(birth, ymd(2020, 12, 31)), 30);
        assert_eq!(years_between(birth, ymd(2021, 1, 1)), 30);
        assert_eq!(years_between(birth, ymd(1991, 6, 14)), 0);
        assert_eq!(years_between(birth, ymd(1991, 6, 15)), 1);
    }

    #[test]
    fn years_between_leap_day_birthdays() {
        let birth = ymd(2000, 2, 29);
        assert_eq!(years_between(birth, ymd(2001, 2, 28)), 0);
        assert_eq!(years_between(birth, ymd(2001, 3, 1)), 1);
        assert_eq!(years_between(birth, ymd(2003, 2, 28)), 2);
        assert_eq!(years_between(birth, ymd(2004, 2, 28)), 3);
        assert_eq!(years_between(birth, ymd(2004, 2, 29)), 4);
        assert_eq!(years_between(birth, ymd(2004, 3, 1)), 4);
        assert_eq!(years_between(birth, ymd(2100, 2, 28)), 99);
        assert_eq!(years_between(birth, ymd(2100, 3, 1)), 100);
        // 28 February and 1 March birthdays are unaffected.
        assert_eq!(years_between(ymd(2001, 2, 28), ymd(2004, 2, 28)), 3);
        assert_eq!(years_between(ymd(2001, 3, 1), ymd(2004, 2, 29)), 2);
    }

    #[test]
    fn years_between_reversed_is_negated() {
        assert_eq!(years_between(ymd(2020, 6, 15), ymd(1990, 6, 15)), -30);
        assert_eq!(years_between(ymd(2020, 6, 14), ymd(1990, 6, 15)), -29);
        assert_eq!(years_between(ymd(2000, 1, 2), ymd(2000, 1, 1)), 0);
    }

    #[test]
    fn years_between_extremes_do_not_panic() {
        let span = years_between(NaiveDate::MIN, NaiveDate::MAX);
        assert!(span > 0);
        assert_eq!(years_between(NaiveDate::MAX, NaiveDate::MIN), -span);
    }

    #[test]
    fn add_months_clamps_to_month_end() {
        assert_eq!(add_months(ymd(2001, 1, 31), 1), ymd(2001, 2, 28));
        assert_eq!(add_months(ymd(2000, 1, 31), 1), ymd(2000, 2, 29));
        assert_eq!(add_months(ymd(2001, 3, 31), 1), ymd(2001, 4, 30));
        assert_eq!(add_months(ymd(2001, 3, 31), -1), ymd(2001, 2, 28));
        assert_eq!(add_months(ymd(2000, 2, 29), 12), ymd(2001, 2, 28));
        assert_eq!(add_months(ymd(2000, 2, 29), 48), ymd(2004, 2, 29));
        assert_eq!(add_months(ymd(2001, 7, 15), 0), ymd(2001, 7, 15));
    }

    #[test]
    fn add_months_crosses_years() {
        assert_eq!(add_months(ymd(2001, 12, 15), 1), ymd(2002, 1, 15));
        assert_eq!(add_months(ymd(2001, 1, 15), -1), ymd(2000, 12, 15));
        assert_eq!(add_months(ymd(2001, 1, 15), -13), ymd(1999, 12, 15));
        assert_eq!(add_months(ymd(2001, 7, 1), 120), ymd(2011, 7, 1));
        assert_eq!(add_months(ymd(2001, 7, 1), -24), ymd(1999, 7, 1));
        assert_eq!(add_months(ymd(2001, 11, 30), 3), ymd(2002, 2, 28));
    }

    #[test]
    fn add_months_around_the_end_of_february() {
        // 31 January: to the last day of February, 28 or 29 days.
        assert_eq!(add_months(ymd(2023, 1, 31), 1), ymd(2023, 2, 28));
        assert_eq!(add_months(ymd(2024, 1, 31), 1), ymd(2024, 2, 29));
        assert_eq!(add_months(ymd(2024, 1, 30), 1), ymd(2024, 2, 29));
        assert_eq!(add_months(ymd(2024, 1, 29), 1), ymd(2024, 2, 29));
        assert_eq!(add_months(ymd(2024, 1, 28), 1), ymd(2024, 2, 28));
        // 29 February: the same day in leap years, the 28th in others, either way.
        assert_eq!(add_months(ymd(2024, 2, 29), 12), ymd(2025, 2, 28));
        assert_eq!(add_months(ymd(2024, 2, 29), -12), ymd(2023, 2, 28));
        assert_eq!(add_months(ymd(2024, 2, 29), -48), ymd(2020, 2, 29));
        assert_eq!(add_months(ymd(2024, 2, 29), 1), ymd(2024, 3, 29));
        assert_eq!(add_months(ymd(2024, 3, 31), -1), ymd(2024, 2, 29));
        // Clamping does not carry over: two single months are not one move of two.
        assert_eq!(
            add_months(add_months(ymd(2024, 1, 31), 1), 1),
            ymd(2024, 3, 29)
        );
        assert_eq!(add_months(ymd(2024, 1, 31), 2), ymd(2024, 3, 31));
    }

    #[test]
    fn add_days_saturates() {
        assert_eq!(add_days(ymd(2024, 2, 28), 1), ymd(2024, 2, 29));
        assert_eq!(add_days(ymd(2024, 3, 1), -1), ymd(2024, 2, 29));
        assert_eq!(add_days(ymd(2001, 7, 1), i64::MAX), NaiveDate::MAX);
        assert_eq!(add_days(ymd(2001, 7, 1), i64::MIN), NaiveDate::MIN);
        assert_eq!(add_days(NaiveDate::MAX, 1), NaiveDate::MAX);
        assert_eq!(add_days(NaiveDate::MIN, -1), NaiveDate::MIN);
    }

    #[test]
    fn add_months_saturates() {
        assert_eq!(add_months(ymd(2001, 7, 1), i32::MAX), NaiveDate::MAX);
        assert_eq!(add_months(ymd(2001, 7, 1), i32::MIN), NaiveDate::MIN);
        assert_eq!(add_months(NaiveDate::MAX, 1), NaiveDate::MAX);
        assert_eq!(add_months(NaiveDate::MIN, -1), NaiveDate::MIN);
    }

    #[test]
    fn normalize_input_rules() {
        assert_eq!(normalize_input("  a b\u{3000}c\u{00A0}d\t"), "abcd");
        assert_eq!(normalize_input("ＡＢＣ１２３！～"), "ABC123!~");
        assert_eq!(normalize_input("党员"), "党员");
        assert_eq!(normalize_input("\u{200B}1\u{FEFF}2"), "12");
        assert_eq!(normalize_input(""), "");
        assert_eq!(to_half_width('\u{FF01}'), '!');
        assert_eq!(to_half_width('\u{FF5E}'), '~');
        assert_eq!(to_half_width('\u{FF00}'), '\u{FF00}');
        assert_eq!(to_half_width('\u{FF5F}'), '\u{FF5F}');
    }

    #[test]
    fn never_panics_on_odd_input() {
        for input in [
            ":",
            " :",
            "T:",
            "年",
            "月",
            "年月",
            "2001年7月1日:",
            "😀-😀-😀",
            "２００１年７月😀日",
            "\u{0}",
            "9999999999999999999999",
            "2001-07-01 T 00:00",
            "2001-99999999999999999999-01",
        ] {
            let _ = parse_date(input);
            let _ = parse_year_month(input);
        }
    }
}
