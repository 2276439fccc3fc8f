//! Text normalisation shared by the parsers: full-width to half-width, stray spaces.

/// Full-width ASCII (U+FF01..U+FF5E) to half-width; the ideographic space to a space.
pub fn half_width(c: char) -> char {
    match c {
        '\u{3000}' | '\u{00A0}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Trims and collapses runs of white space (including full-width spaces) into one space.
pub fn clean(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut space = false;
    for c in input.chars() {
        let c = if c == '\u{3000}' || c == '\u{00A0}' {
            ' '
        } else {
            c
        };
        if c.is_whitespace() {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

/// Limits a free-text field to `max` characters after cleaning; `None` when empty.
pub fn optional(input: &str, max: usize) -> Result<Option<String>, usize> {
    let s = clean(input);
    if s.is_empty() {
        return Ok(None);
    }
    if s.chars().count() > max {
        return Err(max);
    }
    Ok(Some(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths() {
        assert_eq!(half_width('１'), '1');
        assert_eq!(half_width('Ｘ'), 'X');
        assert_eq!(half_width('\u{3000}'), ' ');
        assert_eq!(half_width('党'), '党');
    }

    #[test]
    fn cleaning() {
        assert_eq!(clean("  张\u{3000}三  "), "张 三");
        assert_eq!(clean("a \t\n b"), "a b");
        assert_eq!(clean(""), "");
        assert_eq!(optional("  ", 5), Ok(None));
        assert_eq!(optional("abcdef", 5), Err(5));
        assert_eq!(optional(" ab ", 5), Ok(Some("ab".into())));
    }
}

/// Sort key of a Chinese name: its pinyin syllables, then the name itself to break ties.
/// Stored beside the name so that both databases sort names the way readers expect.
pub fn name_key(name: &str) -> String {
    use pinyin::ToPinyin;
    let mut key = String::with_capacity(name.len() * 3);
    for (c, p) in name.chars().zip(name.to_pinyin()) {
        if !key.is_empty() {
            key.push(' ');
        }
        match p {
            Some(p) => key.push_str(p.plain()),
            None => key.extend(c.to_lowercase()),
        }
    }
    key.push('\t');
    key.push_str(name);
    key
}

#[cfg(test)]
mod name_key_tests {
    use super::name_key;

    #[test]
    fn pinyin_order() {
        let mut names = vec!["张三", "李四", "王五", "安然", "Zoe"];
        names.sort_by_key(|n| name_key(n));
        assert_eq!(names, vec!["安然", "李四", "王五", "Zoe", "张三"]);
        assert!(name_key("张三").starts_with("zhang san\t"));
    }
}
