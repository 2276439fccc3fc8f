//! Views built from the meetings: the meeting register (会议记录簿) as printable pages and as
//! XLSX, attendance rates per meeting and per person with the open absences, the upper
//! organisation's overview by sub-organisation and kind, and the decisions still open.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use xianfeng_domain::life::{Attendance, LifeConfig, Standard};
use xianfeng_domain::scope::Role;
use xianfeng_exchange::export::{xlsx, Out, Sheet};
use xianfeng_store::meetings::{
    ActionItem, Attendee, KindCounts, Meeting, MeetingFilter, OpenAbsence,
};
use xianfeng_store::orgs::Org;

use super::{month_end, month_of, ym};
use crate::error::{AppError, PageResult};
use crate::extract::Query;
use crate::page::{render, PageCtx};
use crate::routes::Routes;
use crate::session::Auth;
use crate::widgets::download::download;
use crate::widgets::target::target_org;
use crate::widgets::tree::{tree, Tree};
use crate::AppState;

pub fn router() -> Routes {
    Routes::new()
        .get("/meetings/register", register)
        .get("/meetings/register.xlsx", register_xlsx)
        .get("/meetings/attendance", attendance)
        .get("/meetings/overview", overview)
        .get("/meetings/items", items)
}

#[derive(Deserialize, Default)]
pub struct RangeQuery {
    org: Option<i64>,
    /// A year (2026), for the register and the attendance.
    year: Option<i32>,
    /// A month (2026-03), for the overview.
    month: Option<String>,
    /// Show closed items too.
    all: Option<String>,
}

fn year_range(q: &RangeQuery, today: NaiveDate) -> (i32, NaiveDate, NaiveDate) {
    let y = q
        .year
        .filter(|y| (1921..=2200).contains(y))
        .unwrap_or(today.year());
    let from = NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or(today);
    let to = NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or(today);
    (y, from, to)
}

/// One meeting of the register with its attendance.
pub struct Entry {
    pub m: Meeting,
    pub attendees: Vec<Attendee>,
}

impl Entry {
    fn names(&self, s: Attendance) -> String {
        self.attendees
            .iter()
            .filter(|a| a.attendance() == s)
            .map(|a| match (&a.reason, s) {
                (Some(r), Attendance::Leave | Attendance::Absent) => format!("{}（{r}）", a.name),
                _ => a.name.clone(),
            })
            .collect::<Vec<_>>()
            .join("、")
    }
    fn count(&self, s: Attendance) -> usize {
        self.attendees
            .iter()
            .filter(|a| a.attendance() == s)
            .count()
    }
    /// Expected, present and on leave: counted from the attendees, or as imported.
    fn figures(&self) -> (i64, i64, i64) {
        if self.attendees.is_empty() {
            (
                self.m.expected_count.unwrap_or(0),
                self.m.present_count.unwrap_or(0),
                self.m.leave_count.unwrap_or(0),
            )
        } else {
            (
                self.attendees.len() as i64,
                self.count(Attendance::Present) as i64,
                self.count(Attendance::Leave) as i64,
            )
        }
    }
}

async fn entries(
    state: &AppState,
    auth: &Auth,
    org: &Org,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Entry>, AppError> {
    let mut list = state
        .store
        .meetings_of(
            &auth.scope,
            org.id,
            &MeetingFilter {
                from: Some(from),
                to: Some(to),
                ..Default::default()
            },
        )
        .await?;
    list.retain(|m| m.status().took_place());
    list.reverse();
    let mut out = Vec::new();
    for m in list {
        let attendees = state.store.meeting_attendees(&auth.scope, m.id).await?;
        out.push(Entry { m, attendees });
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "meetings/register.html")]
struct RegisterPage {
    ctx: PageCtx,
    org: Org,
    life: LifeConfig,
    year: i32,
    entries: Vec<Entry>,
}

/// The register as printable pages: one meeting per page, with signature lines.
async fn register(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<RangeQuery>,
) -> PageResult {
    let org = target_org(&state, &auth, q.org).await?;
    let (year, from, to) = year_range(&q, state.store.clock.today());
    let entries = entries(&state, &auth, &org, from, to).await?;
    let life = state.store.life_config().await?;
    let ctx = PageCtx::new(
        &auth,
        &headers,
        "/meetings",
        format!("{} {year} 年会议记录簿", org.name),
    );
    render(
        &RegisterPage {
            ctx,
            org,
            life,
            year,
            entries,
        },
        false,
    )
}

async fn register_xlsx(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<RangeQuery>,
) -> PageResult {
    let org = target_org(&state, &auth, q.org).await?;
    let today = state.store.clock.today();
    let (year, from, to) = year_range(&q, today);
    let entries = entries(&state, &auth, &org, from, to).await?;
    let life = state.store.life_config().await?;
    let rows: Vec<Vec<Out>> = entries
        .iter()
        .map(|e| {
            let (expected, present, leave) = e.figures();
            vec![
                Out::Date(e.m.meeting_date),
                Out::text(e.m.start_time.clone().unwrap_or_default()),
                Out::text(life.kind_label(&e.m.kind)),
                Out::text(e.m.group_name.clone().unwrap_or_default()),
                Out::text(e.m.topic.clone()),
                Out::text(if e.m.online {
                    "线上".to_string()
                } else {
                    e.m.place.clone().unwrap_or_default()
                }),
                Out::text(e.m.host_name.clone().unwrap_or_default()),
                Out::text(e.m.recorder_name.clone().unwrap_or_default()),
                Out::Number(expected as f64),
                Out::Number(present as f64),
                Out::Number(leave as f64),
                Out::text(e.names(Attendance::Leave)),
                Out::text(e.names(Attendance::Absent)),
                Out::text(e.m.agenda.clone().unwrap_or_default()),
                Out::text(e.m.minutes.clone().unwrap_or_default()),
                Out::text(e.m.decisions.clone().unwrap_or_default()),
                Out::text(e.m.status_label()),
            ]
        })
        .collect();
    let title = format!("{} {year} 年会议记录簿", org.name);
    let bytes = xlsx(&Sheet {
        name: "会议记录簿",
        title: &title,
        as_of: today,
        headings: &[
            "日期",
            "时间",
            "会议类型",
            "党小组",
            "主题",
            "地点",
            "主持人",
            "记录人",
            "应到",
            "实到",
            "请假",
            "请假人员",
            "缺席人员",
            "议程",
            "会议记录",
            "决定事项",
            "状态",
        ],
        rows: &rows,
    })
    .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(download(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{title}.xlsx"),
    ))
}

/// One person's attendance over the meetings they were expected at.
pub struct PersonRate {
    pub member_id: i64,
    pub name: String,
    key: String,
    pub expected: usize,
    pub present: usize,
    pub leave: usize,
    pub absent: usize,
}

impl PersonRate {
    fn rate(&self) -> String {
        if self.expected == 0 {
            return "—".into();
        }
        format!("{:.0}%", self.present as f64 * 100.0 / self.expected as f64)
    }
}

#[derive(Template)]
#[template(path = "meetings/attendance.html")]
struct AttendancePage {
    ctx: PageCtx,
    tree: Tree,
    org: Org,
    life: LifeConfig,
    year: i32,
    entries: Vec<Entry>,
    people: Vec<PersonRate>,
    absences: Vec<OpenAbsence>,
}

impl AttendancePage {
    fn rate(&self, e: &Entry) -> String {
        let (expected, present, _) = e.figures();
        if expected == 0 {
            return "—".into();
        }
        format!("{:.0}%", present as f64 * 100.0 / expected as f64)
    }
}

/// Attendance per meeting and per person (present ÷ expected, leave apart; people in name
/// order, never ranked), and the absences not yet made up.
async fn attendance(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<RangeQuery>,
) -> PageResult {
    let org = target_org(&state, &auth, q.org).await?;
    let (year, from, to) = year_range(&q, state.store.clock.today());
    let entries = entries(&state, &auth, &org, from, to).await?;
    let mut by: BTreeMap<i64, PersonRate> = BTreeMap::new();
    let mut order: Vec<i64> = Vec::new();
    for e in &entries {
        for a in &e.attendees {
            let r = by.entry(a.member_id).or_insert_with(|| {
                order.push(a.member_id);
                PersonRate {
                    member_id: a.member_id,
                    name: a.name.clone(),
                    key: a.name_key.clone().unwrap_or_else(|| a.name.clone()),
                    expected: 0,
                    present: 0,
                    leave: 0,
                    absent: 0,
                }
            });
            r.expected += 1;
            match a.attendance() {
                Attendance::Present => r.present += 1,
                Attendance::Leave => r.leave += 1,
                Attendance::Absent => r.absent += 1,
                Attendance::Unknown => {}
            }
        }
    }
    let mut people: Vec<PersonRate> = by.into_values().collect();
    people.sort_by(|a, b| a.key.cmp(&b.key).then(a.member_id.cmp(&b.member_id)));
    let absences = state.store.open_absences(&auth.scope, org.id).await?;
    let life = state.store.life_config().await?;
    let ctx = PageCtx::new(&auth, &headers, "/meetings", format!("{} · 出勤", org.name));
    render(
        &AttendancePage {
            ctx,
            tree: tree(
                &state.store,
                &auth.scope,
                Some(org.id),
                "/meetings/attendance?org=",
            )
            .await?,
            org,
            life,
            year,
            entries,
            people,
            absences,
        },
        false,
    )
}

#[derive(Template)]
#[template(path = "meetings/overview.html")]
struct OverviewPage {
    ctx: PageCtx,
    tree: Tree,
    org: Org,
    month: NaiveDate,
    /// The first day of this month: months from it on have not ended.
    current: NaiveDate,
    prev: String,
    next: String,
    rows: Vec<KindCounts>,
    /// The kinds shown as columns: those the rules count monthly or quarterly.
    kinds: Vec<(String, String, Standard)>,
}

impl OverviewPage {
    fn count(&self, r: &KindCounts, kind: &str) -> i64 {
        r.counts.get(kind).copied().unwrap_or(0)
    }
    /// A cell to mark: a branch without the monthly meetings of its kind.
    fn missing(&self, r: &KindCounts, kind: &str, standard: &Standard) -> bool {
        // The month must have ended.
        if self.month >= self.current {
            return false;
        }
        let branch = r.org.kind().is_some_and(|k| k.is_branch());
        let monthly = matches!(standard, Standard::Committee | Standard::ThemeDay);
        branch && monthly && self.count(r, kind) == 0
    }
}

/// Each sub-organisation's meetings by kind in a month, the missing monthly ones marked; each
/// row drills down to that organisation's calendar.
async fn overview(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<RangeQuery>,
) -> PageResult {
    let org = target_org(&state, &auth, q.org).await?;
    let today = state.store.clock.today();
    let month = month_of(&q.month, today);
    let current = month_of(&None, today);
    let rows = state
        .store
        .meetings_by_child(&auth.scope, org.id, month, month_end(month))
        .await?;
    let life = state.store.life_config().await?;
    let kinds = life
        .meeting_kinds
        .iter()
        .filter(|k| !matches!(k.counts_as, Standard::Other | Standard::Joint))
        .map(|k| (k.code.clone(), k.label.clone(), k.counts_as))
        .collect();
    let ctx = PageCtx::new(
        &auth,
        &headers,
        "/meetings",
        format!("{} · 下级组织生活", org.name),
    );
    render(
        &OverviewPage {
            ctx,
            tree: tree(
                &state.store,
                &auth.scope,
                Some(org.id),
                "/meetings/overview?org=",
            )
            .await?,
            prev: ym(xianfeng_domain::dates::add_months(month, -1)),
            next: ym(xianfeng_domain::dates::add_months(month, 1)),
            org,
            month,
            current,
            rows,
            kinds,
        },
        false,
    )
}

#[derive(Template)]
#[template(path = "meetings/items.html")]
struct ItemsPage {
    ctx: PageCtx,
    tree: Tree,
    org: Org,
    items: Vec<ActionItem>,
    all: bool,
    can_write: bool,
    today: NaiveDate,
}

/// The decisions of the subtree's meetings: open ones by deadline (closed ones on request).
async fn items(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<RangeQuery>,
) -> PageResult {
    let org = target_org(&state, &auth, q.org).await?;
    let all = q.all.is_some();
    let items = state.store.org_items(&auth.scope, org.id, !all).await?;
    let ctx = PageCtx::new(
        &auth,
        &headers,
        "/meetings",
        format!("{} · 决定事项", org.name),
    );
    let had = ctx.flash.is_some();
    render(
        &ItemsPage {
            ctx,
            tree: tree(
                &state.store,
                &auth.scope,
                Some(org.id),
                "/meetings/items?org=",
            )
            .await?,
            can_write: super::can_write(&auth, &org) && auth.role() == Some(Role::OrgAdmin),
            org,
            items,
            all,
            today: state.store.clock.today(),
        },
        had,
    )
}
