//! Helpers for forms and templates: inline field errors, dates and times in Chinese style.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use xianfeng_domain::members::FieldError;

/// Field errors for inline display beside each input.
#[derive(Debug, Default, Clone)]
pub struct Errors(HashMap<String, String>);

impl Errors {
    pub fn new() -> Self {
        Errors::default()
    }
    pub fn from_fields(list: &[FieldError]) -> Self {
        let mut e = Errors::new();
        for f in list {
            e.add(f.field, &f.message);
        }
        e
    }
    pub fn add(&mut self, field: &str, message: &str) {
        self.0
            .entry(field.to_string())
            .and_modify(|m| {
                m.push('；');
                m.push_str(message);
            })
            .or_insert_with(|| message.to_string());
    }
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

/// An instant as a reader in China sees it: `2026-11-23 18:40`.
pub fn local_time(t: &DateTime<Utc>) -> String {
    t.with_timezone(&xianfeng_domain::clock::china())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

pub fn local_time_opt(t: &Option<DateTime<Utc>>) -> String {
    t.as_ref().map(local_time).unwrap_or_default()
}

pub fn date(d: &Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

pub fn opt(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("")
}

/// Keeps a query-string value short and free of control characters.
pub fn clean_param(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(|v| {
            v.chars()
                .filter(|c| !c.is_control())
                .take(100)
                .collect::<String>()
        })
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Builds a query string from pairs, skipping empty values.
pub fn query(pairs: &[(&str, String)]) -> String {
    let kept: Vec<(&str, &str)> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    serde_urlencoded::to_string(kept).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_merge() {
        let mut e = Errors::new();
        e.add("name", "a");
        e.add("name", "b");
        assert_eq!(e.get("name"), Some("a；b"));
        assert!(e.get("x").is_none());
    }

    #[test]
    fn times_in_china() {
        let t: DateTime<Utc> = "2026-11-23T16:30:00Z".parse().unwrap();
        assert_eq!(local_time(&t), "2026-11-24 00:30");
    }

    #[test]
    fn queries() {
        assert_eq!(
            query(&[("q", "张 三".into()), ("page", String::new())]),
            "q=%E5%BC%A0+%E4%B8%89"
        );
        assert_eq!(clean_param(&Some("  ".into())), None);
    }
}
