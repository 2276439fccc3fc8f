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

/// A multi-line text (minutes, an agenda): each line cleaned as [`clean`] does, line breaks
/// kept (CR LF as LF), runs of blank lines cut to one, blank lines at the ends dropped; limited
/// to `max` characters; `None` when empty.
pub fn optional_lines(input: &str, max: usize) -> Result<Option<String>, usize> {
    let mut lines: Vec<String> = Vec::new();
    for line in input.replace("\r\n", "\n").replace('\r', "\n").split('\n') {
        let l = clean(line);
        if l.is_empty() && lines.last().is_none_or(|p| p.is_empty()) {
            continue;
        }
        lines.push(l);
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    let s = lines.join("\n");
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
    fn lines_are_kept() {
        assert_eq!(
            optional_lines("\r\n 第一项 \r\n\r\n\r\n第二项\n\n", 100),
            Ok(Some("第一项\n\n第二项".to_string()))
        );
        assert_eq!(optional_lines(" \n \n", 100), Ok(None));
        assert_eq!(optional_lines("一\n二", 2), Err(2));
    }

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

/// Compound surnames (复姓), read as one unit: the surname sorts as a whole before the given
/// name (欧凯 before 欧阳娜娜), with the reading the surname has.
const COMPOUND_SURNAMES: &[(&str, &str)] = &[
    ("欧阳", "ouyang"),
    ("司马", "sima"),
    ("诸葛", "zhuge"),
    ("尉迟", "yuchi"),
    ("上官", "shangguan"),
    ("皇甫", "huangfu"),
    ("东方", "dongfang"),
    ("独孤", "dugu"),
    ("慕容", "murong"),
    ("长孙", "zhangsun"),
    ("宇文", "yuwen"),
    ("司徒", "situ"),
    ("夏侯", "xiahou"),
    ("公孙", "gongsun"),
    ("令狐", "linghu"),
    ("轩辕", "xuanyuan"),
    ("万俟", "moqi"),
    ("端木", "duanmu"),
    ("澹台", "tantai"),
    ("呼延", "huyan"),
    ("司空", "sikong"),
    ("西门", "ximen"),
    ("南宫", "nangong"),
    ("钟离", "zhongli"),
    ("宗政", "zongzheng"),
    ("百里", "baili"),
    ("东郭", "dongguo"),
    ("闻人", "wenren"),
    ("太史", "taishi"),
    ("申屠", "shentu"),
    ("赫连", "helian"),
    ("公冶", "gongye"),
    ("濮阳", "puyang"),
    ("淳于", "chunyu"),
    ("单于", "chanyu"),
    ("拓跋", "tuoba"),
    ("第五", "diwu"),
    ("左丘", "zuoqiu"),
    ("亓官", "qiguan"),
    ("司寇", "sikou"),
    ("巫马", "wuma"),
    ("公西", "gongxi"),
    ("漆雕", "qidiao"),
    ("乐正", "yuezheng"),
    ("壤驷", "rangsi"),
    ("公良", "gongliang"),
    ("谷梁", "guliang"),
    ("段干", "duangan"),
    ("仲孙", "zhongsun"),
    ("叔孙", "shusun"),
    ("季孙", "jisun"),
];

/// Surnames read otherwise than the character's most common reading.
const SURNAME_READINGS: &[(char, &str)] = &[
    ('曾', "zeng"),
    ('单', "shan"),
    ('解', "xie"),
    ('仇', "qiu"),
    ('区', "ou"),
    ('查', "zha"),
    ('朴', "piao"),
    ('盖', "ge"),
    ('覃', "qin"),
    ('乐', "yue"),
    ('缪', "miao"),
    ('召', "shao"),
    ('秘', "bi"),
    ('种', "chong"),
    ('翟', "zhai"),
    ('谌', "chen"),
    ('句', "gou"),
    ('员', "yun"),
    ('繁', "po"),
    ('能', "nai"),
    ('宓', "fu"),
    ('隗', "wei"),
    ('阚', "kan"),
    ('折', "she"),
    ('柏', "bai"),
    ('薄', "bo"),
    ('重', "chong"),
    ('祭', "zhai"),
    ('黑', "he"),
    ('尉', "wei"),
    ('长', "chang"),
    ('都', "du"),
];

/// The first syllable of a name read as a surname, and the characters after the surname: a
/// compound surname when the name goes on after it, else the first character with its
/// surname reading where it has one.
fn surname_reading(name: &str) -> Option<(String, &str)> {
    for (surname, reading) in COMPOUND_SURNAMES {
        if let Some(rest) = name.strip_prefix(surname) {
            if !rest.trim().is_empty() {
                return Some(((*reading).to_string(), rest));
            }
        }
    }
    let first = name.chars().next()?;
    let (_, reading) = SURNAME_READINGS.iter().find(|(c, _)| *c == first)?;
    Some(((*reading).to_string(), &name[first.len_utf8()..]))
}

/// The version of [`name_key`]'s reading. Raised whenever the key of some name changes, so that
/// the store recomputes the stored keys at the next start.
pub const NAME_KEY_VERSION: u32 = 2;

/// Sort key of a Chinese name: its pinyin syllables, the surname read as a surname (曾 zeng,
/// 单 shan, a compound surname as one unit), then the name itself to break ties. Stored beside
/// the name so that both databases sort names the way readers expect.
pub fn name_key(name: &str) -> String {
    use pinyin::ToPinyin;
    let mut key = String::with_capacity(name.len() * 3);
    let rest = match surname_reading(name) {
        Some((surname, rest)) => {
            key.push_str(&surname);
            rest
        }
        None => name,
    };
    for (c, p) in rest.chars().zip(rest.to_pinyin()) {
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

    fn sorted(names: &[&'static str]) -> Vec<&'static str> {
        let mut v = names.to_vec();
        v.sort_by_key(|n| name_key(n));
        v
    }

    fn reading(name: &str) -> String {
        let k = name_key(name);
        k.split('\t').next().unwrap_or_default().to_string()
    }

    #[test]
    fn surnames_read_as_surnames() {
        for (name, key) in [
            ("曾敏", "zeng min"),
            ("单平", "shan ping"),
            ("解放", "xie fang"),
            ("仇明", "qiu ming"),
            ("区华", "ou hua"),
            ("查理", "zha li"),
            ("朴正", "piao zheng"),
            ("盖军", "ge jun"),
            ("覃林", "qin lin"),
            ("乐山", "yue shan"),
            ("缪文", "miao wen"),
            ("召南", "shao nan"),
            ("秘书", "bi shu"),
            ("种田", "chong tian"),
            ("尉迟恭", "yuchi gong"),
            ("万俟卨", "moqi xie"),
            ("长孙无忌", "zhangsun wu ji"),
            ("令狐冲", "linghu chong"),
            ("欧阳娜娜", "ouyang na na"),
            ("诸葛亮", "zhuge liang"),
        ] {
            assert_eq!(reading(name), key, "{name}");
        }
        // Only the surname: the same character in a given name keeps its common reading.
        assert_eq!(reading("单单"), "shan dan");
        assert_eq!(reading("王单"), "wang dan");
        assert_eq!(reading("王曾"), "wang ceng");
        // A compound surname needs a given name after it: 司马 alone is 司 with the name 马.
        assert_eq!(reading("司马"), "si ma");
    }

    #[test]
    fn surnames_sort_by_their_reading() {
        // 曾 among the z's (zang < zeng < zhang), not the c's.
        assert_eq!(
            sorted(&["张三", "曾敏", "陈红", "臧克"]),
            vec!["陈红", "臧克", "曾敏", "张三"]
        );
        // 单 among the sh's, not the d's.
        assert_eq!(
            sorted(&["邵峰", "单平", "邓林", "沙宁"]),
            vec!["邓林", "沙宁", "单平", "邵峰"]
        );
        // 欧阳 as one unit: after every 欧, before 潘.
        assert_eq!(
            sorted(&["潘石", "欧阳娜娜", "欧哲", "欧凯"]),
            vec!["欧凯", "欧哲", "欧阳娜娜", "潘石"]
        );
        // 长孙 among the zh's after 张, 万俟 among the m's, 尉迟 among the y's.
        assert_eq!(
            sorted(&[
                "长孙无忌",
                "张三",
                "倪红",
                "万俟卨",
                "马力",
                "尉迟恭",
                "杨明"
            ]),
            vec![
                "马力",
                "万俟卨",
                "倪红",
                "杨明",
                "尉迟恭",
                "张三",
                "长孙无忌"
            ]
        );
        // 仇 after 钱 (qian < qiu), 解 among the x's.
        assert_eq!(
            sorted(&["解放", "仇明", "钱进", "谢安"]),
            vec!["钱进", "仇明", "谢安", "解放"]
        );
    }
}
