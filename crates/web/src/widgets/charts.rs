//! Charts drawn on the server as SVG: no script, readable without colour (every bar carries
//! its number), each bar a link to the people behind it.

use std::fmt::Write;

/// One bar: label, value, and where clicking it leads (the drill-down list).
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub href: Option<String>,
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Display width of a label in 12px text: CJK characters are about one em, others half.
fn text_width(s: &str) -> f64 {
    s.chars()
        .map(|c| if (c as u32) >= 0x1100 { 14.0 } else { 8.0 })
        .sum()
}

/// A horizontal bar chart; `title` names it for screen readers.
pub fn bars(title: &str, bars: &[Bar]) -> String {
    let row = 28.0;
    let label_w = bars
        .iter()
        .map(|b| text_width(&b.label))
        .fold(48.0_f64, f64::max)
        + 10.0;
    let width = 400.0;
    let value_w = 72.0;
    let plot = width - label_w - value_w;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1) as f64;
    let total: i64 = bars.iter().map(|b| b.value).sum();
    let height = row * bars.len() as f64 + 4.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg"><title>{}</title>"#,
        esc(title),
        esc(title)
    );
    for (i, b) in bars.iter().enumerate() {
        let y = i as f64 * row + 2.0;
        let w = if b.value > 0 {
            (b.value as f64 / max * plot).max(1.5)
        } else {
            0.0
        };
        let share = if total > 0 {
            format!("，{:.1}%", b.value as f64 * 100.0 / total as f64)
        } else {
            String::new()
        };
        let open = match &b.href {
            Some(h) => format!(r#"<a href="{}">"#, esc(h)),
            None => String::new(),
        };
        let close = if b.href.is_some() { "</a>" } else { "" };
        let _ = write!(
            s,
            r#"{open}<g class="bar"><title>{}：{}{}</title><text class="label" x="{}" y="{}" text-anchor="end">{}</text><rect x="{label_w}" y="{}" width="{w:.1}" height="{}" rx="2"/><text class="value" x="{}" y="{}">{}</text></g>{close}"#,
            esc(&b.label),
            b.value,
            share,
            label_w - 8.0,
            y + 18.0,
            esc(&b.label),
            y + 4.0,
            row - 8.0,
            label_w + w + 6.0,
            y + 18.0,
            b.value,
        );
    }
    s.push_str("</svg>");
    s
}

/// A single stacked bar of parts of a whole (full / probationary, men / women), with a legend.
pub fn stack(title: &str, parts: &[Bar]) -> String {
    let width = 420.0;
    let total: i64 = parts.iter().map(|p| p.value).sum();
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart stack" viewBox="0 0 {width} 58" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg"><title>{}</title>"#,
        esc(title),
        esc(title)
    );
    let mut x = 0.0;
    for (i, p) in parts.iter().enumerate() {
        let w = if total > 0 {
            p.value as f64 / total as f64 * width
        } else {
            0.0
        };
        let share = if total > 0 {
            p.value as f64 * 100.0 / total as f64
        } else {
            0.0
        };
        let open = match &p.href {
            Some(h) => format!(r#"<a href="{}">"#, esc(h)),
            None => String::new(),
        };
        let close = if p.href.is_some() { "</a>" } else { "" };
        let lx = i as f64 * (width / parts.len().max(1) as f64);
        let _ = write!(
            s,
            r#"{open}<g class="part p{i}"><title>{}：{}（{share:.1}%）</title><rect x="{x:.1}" y="0" width="{w:.1}" height="22"/><rect class="key" x="{lx:.1}" y="34" width="12" height="12"/><text x="{:.1}" y="45">{} {}（{share:.1}%）</text></g>{close}"#,
            esc(&p.label),
            p.value,
            lx + 18.0,
            esc(&p.label),
            p.value,
        );
        x += w;
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_escape_labels_and_link() {
        let svg = bars(
            "年龄",
            &[
                Bar {
                    label: "<x>".into(),
                    value: 3,
                    href: Some("/stats/people?a=1&b=2".into()),
                },
                Bar {
                    label: "空".into(),
                    value: 0,
                    href: None,
                },
            ],
        );
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("&lt;x&gt;"));
        assert!(!svg.contains("<x>"));
        assert!(svg.contains("a=1&amp;b=2"));
        assert!(svg.ends_with("</svg>"));
    }

    #[test]
    fn stack_handles_an_empty_whole() {
        let svg = stack(
            "性别",
            &[Bar {
                label: "男".into(),
                value: 0,
                href: None,
            }],
        );
        assert!(svg.contains("0.0%"));
    }
}
