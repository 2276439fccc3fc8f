//! Members out of contact (失去联系的党员): the dated events and the open episode; rule
//! MEM-003 over them is in `rules::member`.
//!
//! The roster keeps dated events: contact lost, contact regained, party standing suspended
//! (停止党籍). A member out of contact for six months or more has their standing suspended;
//! still unreachable two years after the suspension, they are removed from the party
//! (《中国共产党党员教育管理工作条例》2019). The check reads the events up to its day.

use chrono::NaiveDate;
use serde::Serialize;

use crate::dates::format_date;
use crate::org::code_enum;

code_enum! {
    /// What happened to a member's contact with the organisation.
    ContactKind {
        Lost = "lost", "失去联系";
        Regained = "regained", "恢复联系";
        Suspended = "suspended", "停止党籍";
    }
}

/// One dated event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ContactEvent {
    pub kind: ContactKind,
    pub on: NaiveDate,
}

/// The episode of lost contact open on `day`: since when, and when standing was suspended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LostContact {
    pub since: NaiveDate,
    pub suspended_on: Option<NaiveDate>,
}

/// The open episode on `day` from events in any order: the last loss on or before the day with
/// no later regain on or before the day.
pub fn lost_on(events: &[ContactEvent], day: NaiveDate) -> Option<LostContact> {
    let mut sorted: Vec<&ContactEvent> = events.iter().filter(|e| e.on <= day).collect();
    sorted.sort_by_key(|e| (e.on, e.kind != ContactKind::Lost));
    let mut open: Option<LostContact> = None;
    for e in sorted {
        match e.kind {
            ContactKind::Lost => {
                if open.is_none() {
                    open = Some(LostContact {
                        since: e.on,
                        suspended_on: None,
                    });
                }
            }
            ContactKind::Regained => open = None,
            ContactKind::Suspended => {
                if let Some(o) = open.as_mut() {
                    o.suspended_on.get_or_insert(e.on);
                }
            }
        }
    }
    open
}

/// What may be recorded next, given the events so far: a loss only while in contact, a regain
/// or a suspension only while out of contact (a suspension once per episode), never before
/// the open episode began.
pub fn may_record(events: &[ContactEvent], kind: ContactKind, on: NaiveDate) -> Result<(), String> {
    let last = events.iter().map(|e| e.on).max();
    if last.is_some_and(|l| on < l) {
        return Err(format!(
            "日期不能早于最近一次登记的 {}",
            format_date(last.unwrap_or(on))
        ));
    }
    let open = lost_on(events, NaiveDate::MAX);
    match (kind, open) {
        (ContactKind::Lost, Some(o)) => Err(format!(
            "已于 {} 登记失去联系，尚未恢复",
            format_date(o.since)
        )),
        (ContactKind::Regained | ContactKind::Suspended, None) => {
            Err("没有登记失去联系，无需登记此项".into())
        }
        (ContactKind::Suspended, Some(o)) if o.suspended_on.is_some() => {
            Err("本次失去联系已登记停止党籍".into())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }
    fn ev(kind: ContactKind, on: &str) -> ContactEvent {
        ContactEvent { kind, on: d(on) }
    }

    #[test]
    fn the_open_episode_follows_the_events_up_to_the_day() {
        let events = [
            ev(ContactKind::Lost, "2024-01-10"),
            ev(ContactKind::Regained, "2024-05-01"),
            ev(ContactKind::Lost, "2025-02-01"),
            ev(ContactKind::Suspended, "2025-09-01"),
        ];
        assert_eq!(lost_on(&events, d("2023-12-31")), None);
        assert_eq!(
            lost_on(&events, d("2024-03-01")).map(|l| l.since),
            Some(d("2024-01-10"))
        );
        assert_eq!(lost_on(&events, d("2024-05-01")), None, "regained that day");
        assert_eq!(
            lost_on(&events, d("2026-01-01")),
            Some(LostContact {
                since: d("2025-02-01"),
                suspended_on: Some(d("2025-09-01"))
            })
        );
    }

    #[test]
    fn only_what_follows_may_be_recorded() {
        let none: [ContactEvent; 0] = [];
        assert!(may_record(&none, ContactKind::Lost, d("2026-01-01")).is_ok());
        assert!(may_record(&none, ContactKind::Regained, d("2026-01-01")).is_err());
        let lost = [ev(ContactKind::Lost, "2026-01-01")];
        assert!(may_record(&lost, ContactKind::Lost, d("2026-02-01")).is_err());
        assert!(may_record(&lost, ContactKind::Suspended, d("2025-12-01")).is_err());
        assert!(may_record(&lost, ContactKind::Suspended, d("2026-07-01")).is_ok());
        let suspended = [lost[0], ev(ContactKind::Suspended, "2026-07-01")];
        assert!(may_record(&suspended, ContactKind::Suspended, d("2026-08-01")).is_err());
        assert!(may_record(&suspended, ContactKind::Regained, d("2026-08-01")).is_ok());
    }
}
