//! The one clock. Tests and `--as-of` set "now"; nothing else asks the system for the time.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use std::sync::{Arc, Mutex};

/// China Standard Time: the calendar day users mean by "today".
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

#[derive(Clone, Debug)]
pub struct Clock {
    fixed: Option<Arc<Mutex<DateTime<Utc>>>>,
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl Clock {
    pub fn system() -> Self {
        Clock { fixed: None }
    }
    /// A clock that stands still until moved (tests, `--as-of`).
    pub fn fixed(at: DateTime<Utc>) -> Self {
        Clock {
            fixed: Some(Arc::new(Mutex::new(at))),
        }
    }
    /// Now, truncated to microseconds so that both databases store it exactly.
    pub fn now(&self) -> DateTime<Utc> {
        let t = match &self.fixed {
            Some(m) => *m.lock().unwrap_or_else(|p| p.into_inner()),
            None => Utc::now(),
        };
        DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
    }
    pub fn today(&self) -> NaiveDate {
        self.now().with_timezone(&china()).date_naive()
    }
    /// Moves a fixed clock forward; a system clock ignores it.
    pub fn advance(&self, by: Duration) {
        if let Some(m) = &self.fixed {
            let mut t = m.lock().unwrap_or_else(|p| p.into_inner());
            *t += by;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_chinese_calendar_day() {
        let c = Clock::fixed("2026-11-22T17:30:00Z".parse().unwrap());
        assert_eq!(c.today(), NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
        c.advance(Duration::hours(1));
        assert_eq!(c.now().to_rfc3339(), "2026-11-22T18:30:00+00:00");
    }
}
