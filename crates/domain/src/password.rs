//! Password policy: length, character classes, no user name, no single repeated character.
//!
//! Passwords are checked exactly as typed: unlike other fields they are not trimmed or
//! normalised, because that would silently change the secret.

/// Longest password accepted, in characters.
pub const MAX_PASSWORD_LEN: usize = 128;

/// Number of character classes (upper-case, lower-case, digit, symbol).
const CLASS_COUNT: usize = 4;

/// User names shorter than this (in characters) are not searched for in passwords.
const MIN_USERNAME_CHECK_LEN: usize = 3;

/// Rules a new password must follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Minimum length in characters.
    pub min_len: usize,
    /// Minimum number of character classes among upper-case letters, lower-case letters,
    /// digits and symbols (values above 4 are treated as 4).
    pub min_classes: usize,
    /// How many previous passwords may not be reused (enforced where the hashes are kept).
    pub history: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            min_len: 8,
            min_classes: 3,
            history: 5,
        }
    }
}

/// Why a password was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("密码不能为空")]
    Empty,
    #[error("密码至少需要 {min} 个字符")]
    TooShort { min: usize },
    #[error("密码过长（最多 {max} 个字符）")]
    TooLong { max: usize },
    #[error("密码不能全部由同一个字符组成")]
    Repeated,
    #[error("密码需包含大写字母、小写字母、数字、符号中的至少 {min} 类")]
    TooFewClasses { min: usize },
    #[error("密码不能包含用户名")]
    ContainsUsername,
}

/// Number of character classes present in `password`: upper-case letters, lower-case
/// letters, digits, and symbols (any other character that is not white space).
pub fn char_classes(password: &str) -> usize {
    let (mut upper, mut lower, mut digit, mut symbol) = (false, false, false, false);
    for c in password.chars() {
        if c.is_uppercase() {
            upper = true;
        } else if c.is_lowercase() {
            lower = true;
        } else if c.is_numeric() {
            digit = true;
        } else if !c.is_whitespace() {
            symbol = true;
        }
    }
    [upper, lower, digit, symbol]
        .into_iter()
        .filter(|b| *b)
        .count()
}

/// Whether every character of a non-empty `password` is the same.
fn is_single_repeated_char(password: &str) -> bool {
    let mut chars = password.chars();
    match chars.next() {
        Some(first) => chars.all(|c| c == first),
        None => false,
    }
}

/// Whether `password` contains `username` ignoring case; user names shorter than three
/// characters (after trimming) are not checked.
fn contains_username(password: &str, username: &str) -> bool {
    let username = username.trim();
    if username.chars().count() < MIN_USERNAME_CHECK_LEN {
        return false;
    }
    password
        .to_lowercase()
        .contains(username.to_lowercase().as_str())
}

impl PasswordPolicy {
    /// The class requirement actually applied (at most 4).
    fn required_classes(&self) -> usize {
        self.min_classes.min(CLASS_COUNT)
    }

    /// Checks `password` for the account `username`, reporting the first rule broken in
    /// this order: empty, too short, too long, one repeated character, too few character
    /// classes, contains the user name.
    pub fn check(&self, password: &str, username: &str) -> Result<(), PasswordError> {
        if password.is_empty() {
            return Err(PasswordError::Empty);
        }
        let len = password.chars().count();
        if len < self.min_len {
            return Err(PasswordError::TooShort { min: self.min_len });
        }
        if len > MAX_PASSWORD_LEN {
            return Err(PasswordError::TooLong {
                max: MAX_PASSWORD_LEN,
            });
        }
        if len > 1 && is_single_repeated_char(password) {
            return Err(PasswordError::Repeated);
        }
        let required = self.required_classes();
        if char_classes(password) < required {
            return Err(PasswordError::TooFewClasses { min: required });
        }
        if contains_username(password, username) {
            return Err(PasswordError::ContainsUsername);
        }
        Ok(())
    }

    /// A one-line hint for forms, e.g. "至少 8 个字符，包含大写字母、小写字母、数字、符号中的至少 3 类".
    pub fn describe(&self) -> String {
        let required = self.required_classes();
        if required == 0 {
            format!("至少 {} 个字符", self.min_len)
        } else {
            format!(
                "至少 {} 个字符，包含大写字母、小写字母、数字、符号中的至少 {} 类",
                self.min_len, required
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(password: &str, username: &str) -> Result<(), PasswordError> {
        PasswordPolicy::default().check(password, username)
    }

    #[test]
    fn defaults() {
        let p = PasswordPolicy::default();
        assert_eq!(p.min_len, 8);
        assert_eq!(p.min_classes, 3);
        assert_eq!(p.history, 5);
    }

    #[test]
    fn accepts_good_passwords() {
        for password in [
            "Abcdef12",
            "abcdef1!",
            "ABCDEF1!",
            "Abcdefg!",
            "Xianfeng#2024",
            "党建Abc123",
            "correct horse Battery 9",
            &"Ab1".repeat(42),
        ] {
            assert_eq!(check(password, "zhangsan"), Ok(()), "{password}");
        }
    }

    #[test]
    fn empty() {
        assert_eq!(check("", "zhangsan"), Err(PasswordError::Empty));
        let lax = PasswordPolicy {
            min_len: 0,
            min_classes: 0,
            history: 0,
        };
        assert_eq!(lax.check("", "zhangsan"), Err(PasswordError::Empty));
    }

    #[test]
    fn length_limits_count_characters() {
        assert_eq!(
            check("Ab1!xyz", "zhangsan"),
            Err(PasswordError::TooShort { min: 8 })
        );
        assert_eq!(check("Ab1!xyzw", "zhangsan"), Ok(()));
        // Seven Chinese characters are 21 bytes but only 7 characters.
        assert_eq!(
            check("党建A1b工作", "zhangsan"),
            Err(PasswordError::TooShort { min: 8 })
        );
        let max = format!("Ab1{}", "x".repeat(MAX_PASSWORD_LEN - 3));
        assert_eq!(max.chars().count(), 128);
        assert_eq!(check(&max, "zhangsan"), Ok(()));
        let over = format!("{max}y");
        assert_eq!(
            check(&over, "zhangsan"),
            Err(PasswordError::TooLong { max: 128 })
        );
        let wide = format!("Ab1{}", "党".repeat(MAX_PASSWORD_LEN - 3));
        assert_eq!(check(&wide, "zhangsan"), Ok(()));
        assert_eq!(
            check(&format!("{wide}党"), "zhangsan"),
            Err(PasswordError::TooLong { max: 128 })
        );
    }

    #[test]
    fn custom_min_len() {
        let policy = PasswordPolicy {
            min_len: 12,
            ..PasswordPolicy::default()
        };
        assert_eq!(
            policy.check("Abcdef12345", "zhangsan"),
            Err(PasswordError::TooShort { min: 12 })
        );
        assert_eq!(policy.check("Abcdef123456", "zhangsan"), Ok(()));
        assert_eq!(
            PasswordError::TooShort { min: 12 }.to_string(),
            "密码至少需要 12 个字符"
        );
    }

    #[test]
    fn repeated_single_character() {
        for password in [
            "aaaaaaaa",
            "11111111",
            "!!!!!!!!",
            "党党党党党党党党",
            "        ",
        ] {
            assert_eq!(
                check(password, "zhangsan"),
                Err(PasswordError::Repeated),
                "{password:?}"
            );
        }
        let lax = PasswordPolicy {
            min_len: 1,
            min_classes: 1,
            history: 0,
        };
        assert_eq!(lax.check("aa", "zhangsan"), Err(PasswordError::Repeated));
        // A single character is not "repeated".
        assert_eq!(lax.check("a", "zhangsan"), Ok(()));
        assert_eq!(lax.check("ab", "zhangsan"), Ok(()));
        assert_eq!(
            check("aaaaaaaA", "zhangsan"),
            Err(PasswordError::TooFewClasses { min: 3 })
        );
    }

    #[test]
    fn character_classes() {
        assert_eq!(char_classes(""), 0);
        assert_eq!(char_classes("   \t"), 0);
        assert_eq!(char_classes("abc"), 1);
        assert_eq!(char_classes("ABC"), 1);
        assert_eq!(char_classes("123"), 1);
        assert_eq!(char_classes("!@#"), 1);
        assert_eq!(char_classes("党建"), 1);
        assert_eq!(char_classes("aB"), 2);
        assert_eq!(char_classes("aB1"), 3);
        assert_eq!(char_classes("aB1!"), 4);
        assert_eq!(char_classes("a b"), 1);
        assert_eq!(char_classes("ÄÖü"), 2);
        for password in ["abcdefgh", "abcdef12", "ABCDEF12", "abcd!@#$", "abcd efgh"] {
            assert_eq!(
                check(password, "zhangsan"),
                Err(PasswordError::TooFewClasses { min: 3 }),
                "{password}"
            );
        }
    }

    #[test]
    fn class_requirement_is_configurable_and_capped() {
        let four = PasswordPolicy {
            min_classes: 4,
            ..PasswordPolicy::default()
        };
        assert_eq!(
            four.check("Abcdef12", "zhangsan"),
            Err(PasswordError::TooFewClasses { min: 4 })
        );
        assert_eq!(four.check("Abcdef1!", "zhangsan"), Ok(()));
        let impossible = PasswordPolicy {
            min_classes: 9,
            ..PasswordPolicy::default()
        };
        assert_eq!(impossible.check("Abcdef1!", "zhangsan"), Ok(()));
        assert_eq!(
            impossible.check("Abcdef12", "zhangsan"),
            Err(PasswordError::TooFewClasses { min: 4 })
        );
        let none = PasswordPolicy {
            min_classes: 0,
            ..PasswordPolicy::default()
        };
        assert_eq!(none.check("abcdefgh", "zhangsan"), Ok(()));
    }

    #[test]
    fn must_not_contain_username() {
        for password in ["Zhangsan123!", "xZHANGSANx1", "1!zhangsan", "ZhAnGsAn#9"] {
            assert_eq!(
                check(password, "zhangsan"),
                Err(PasswordError::ContainsUsername),
                "{password}"
            );
        }
        assert_eq!(
            check("Abc!1234", "ABC"),
            Err(PasswordError::ContainsUsername)
        );
        assert_eq!(
            check("Abc!1234", "  abc  "),
            Err(PasswordError::ContainsUsername)
        );
        assert_eq!(
            check("X张三丰a1!y", "张三丰"),
            Err(PasswordError::ContainsUsername)
        );
        // Short user names are not checked.
        assert_eq!(check("Ab!12345", "ab"), Ok(()));
        assert_eq!(check("Ab!12345", "  ab  "), Ok(()));
        assert_eq!(check("Ab!12345", ""), Ok(()));
        assert_eq!(check("X张三a1!yz", "张三"), Ok(()));
        // Partial matches are fine.
        assert_eq!(check("Zhang123!san", "zhangsan"), Ok(()));
    }

    #[test]
    fn rule_order() {
        // Too short wins over everything else.
        assert_eq!(check("aaa", "aaa"), Err(PasswordError::TooShort { min: 8 }));
        // Repeated wins over classes and user name.
        assert_eq!(check("aaaaaaaa", "aaa"), Err(PasswordError::Repeated));
        // Classes win over user name.
        assert_eq!(
            check("zhangsan1", "zhangsan"),
            Err(PasswordError::TooFewClasses { min: 3 })
        );
    }

    #[test]
    fn describe() {
        assert_eq!(
            PasswordPolicy::default().describe(),
            "至少 8 个字符，包含大写字母、小写字母、数字、符号中的至少 3 类"
        );
        let none = PasswordPolicy {
            min_len: 6,
            min_classes: 0,
            history: 0,
        };
        assert_eq!(none.describe(), "至少 6 个字符");
        let capped = PasswordPolicy {
            min_classes: 7,
            ..PasswordPolicy::default()
        };
        assert!(capped.describe().ends_with("至少 4 类"));
    }

    #[test]
    fn error_messages() {
        assert_eq!(PasswordError::Empty.to_string(), "密码不能为空");
        assert_eq!(
            PasswordError::TooShort { min: 8 }.to_string(),
            "密码至少需要 8 个字符"
        );
        assert_eq!(
            PasswordError::TooLong { max: 128 }.to_string(),
            "密码过长（最多 128 个字符）"
        );
        assert_eq!(
            PasswordError::Repeated.to_string(),
            "密码不能全部由同一个字符组成"
        );
        assert_eq!(
            PasswordError::TooFewClasses { min: 3 }.to_string(),
            "密码需包含大写字母、小写字母、数字、符号中的至少 3 类"
        );
        assert_eq!(
            PasswordError::ContainsUsername.to_string(),
            "密码不能包含用户名"
        );
    }

    #[test]
    fn never_panics() {
        let huge = "😀".repeat(100_000);
        let _ = check(&huge, &huge);
        let _ = check("\u{0}\u{0}", "\u{0}\u{0}\u{0}");
        let _ = check("İstanbul1!", "i̇st");
    }
}
