//! Organisational life (组织生活): the month calendar and list of an organisation's meetings,
//! planning and recording a meeting, the meeting page with its flow, check-in, attendance,
//! minutes, votes, make-ups and decisions, and the views built from them (register, attendance
//! rates, open absences, the upper organisation's overview, action items).

mod detail;
mod views;

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use xianfeng_domain::life::{Expected, LifeConfig, MeetingInput};
use xianfeng_domain::org::OrgType;
use xianfeng_domain::scope::{Role, Scope};
use xianfeng_store::meetings::{Meeting, MeetingFilter};
use xianfeng_store::orgs::Org;
use xianfeng_store::posts::Candidate;
use xianfeng_store::StoreError;

use crate::error::{AppError, PageResult};
use crate::extract::{Form, Path, Query};
use crate::forms::Errors;
use crate::page::{redirect_with, render, PageCtx};
use crate::routes::Routes;
use crate::session::Auth;
use crate::widgets::target::target_org;
use crate::widgets::tree::{tree, Tree};
use crate::AppState;

pub fn router() -> Routes {
    Routes::new()
        .get("/meetings", index)
        .get("/meetings/new", new_form)
        .post("/meetings", create)
        .get("/meetings/{id}/edit", edit_form)
        .post("/meetings/{id}/edit", update)
        .merge(detail::router())
        .merge(views::router())
}

#[derive(Deserialize, Default)]
pub struct MonthQuery {
    org: Option<i64>,
    /// 2026-03
    month: Option<String>,
    kind: Option<String>,
}

/// The first day of the month asked for (this month when absent or malformed).
pub(crate) fn month_of(s: &Option<String>, today: NaiveDate) -> NaiveDate {
    s.as_deref()
        .and_then(|m| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok())
        .unwrap_or_else(|| today.with_day(1).unwrap_or(today))
}

pub(crate) fn month_end(first: NaiveDate) -> NaiveDate {
    xianfeng_domain::dates::add_months(first, 1)
        .pred_opt()
        .unwrap_or(first)
}

pub(crate) fn ym(d: NaiveDate) -> String {
    format!("{}-{:02}", d.year(), d.month())
}

/// One day cell of the month calendar.
pub struct Day {
    pub date: Option<NaiveDate>,
    pub today: bool,
    pub meetings: Vec<Meeting>,
}

#[derive(Template)]
#[template(path = "meetings/index.html")]
struct IndexPage {
    ctx: PageCtx,
    tree: Tree,
    org: Org,
    life: LifeConfig,
    month: NaiveDate,
    prev: String,
    next: String,
    weeks: Vec<Vec<Day>>,
    list: Vec<Meeting>,
    kind: String,
    can_write: bool,
    /// A party group records its meetings in its branch.
    is_group: bool,
}

impl IndexPage {
    fn kind_label<'a>(&'a self, m: &'a Meeting) -> &'a str {
        self.life.kind_label(&m.kind)
    }
}

pub(crate) fn can_write(auth: &Auth, org: &Org) -> bool {
    matches!(auth.scope, Scope::Subtree { .. })
        && auth.scope.may_write_org(&org.org_path())
        && auth.role() == Some(Role::OrgAdmin)
        && !org.is_archived()
}

async fn index(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<MonthQuery>,
) -> PageResult {
    let org = target_org(&state, &auth, q.org).await?;
    let today = state.store.clock.today();
    let month = month_of(&q.month, today);
    let end = month_end(month);
    let kind = crate::forms::clean_param(&q.kind).unwrap_or_default();
    let list = state
        .store
        .meetings_of(
            &auth.scope,
            org.id,
            &MeetingFilter {
                from: Some(month),
                to: Some(end),
                kind: (!kind.is_empty()).then(|| kind.clone()),
                status: None,
            },
        )
        .await?;
    // The month's list in date order; the calendar reads it by day.
    let mut list = list;
    list.reverse();
    // Weeks from Monday.
    let mut weeks: Vec<Vec<Day>> = Vec::new();
    let lead = month.weekday().num_days_from_monday() as usize;
    let mut week: Vec<Day> = (0..lead)
        .map(|_| Day {
            date: None,
            today: false,
            meetings: Vec::new(),
        })
        .collect();
    let mut d = month;
    while d <= end {
        let on: Vec<Meeting> = list
            .iter()
            .filter(|m| m.meeting_date == d)
            .cloned()
            .collect();
        week.push(Day {
            date: Some(d),
            today: d == today,
            meetings: on,
        });
        if week.len() == 7 {
            weeks.push(std::mem::take(&mut week));
        }
        d = match d.succ_opt() {
            Some(n) => n,
            None => break,
        };
    }
    if !week.is_empty() {
        while week.len() < 7 {
            week.push(Day {
                date: None,
                today: false,
                meetings: Vec::new(),
            });
        }
        weeks.push(week);
    }
    let life = state.store.life_config().await?;
    let ctx = PageCtx::new(
        &auth,
        &headers,
        "/meetings",
        format!("{} · 组织生活", org.name),
    );
    let had = ctx.flash.is_some();
    render(
        &IndexPage {
            ctx,
            tree: tree(&state.store, &auth.scope, Some(org.id), "/meetings?org=").await?,
            can_write: can_write(&auth, &org),
            is_group: org.kind() == Some(OrgType::PartyGroup),
            prev: ym(xianfeng_domain::dates::add_months(month, -1)),
            next: ym(xianfeng_domain::dates::add_months(month, 1)),
            org,
            life,
            month,
            weeks,
            list,
            kind,
        },
        had,
    )
}

/// The meeting form as typed.
#[derive(Deserialize, Default, Clone)]
pub struct MeetingForm {
    #[serde(default)]
    pub org: Option<i64>,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub start_time: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub online: Option<String>,
    #[serde(default)]
    pub topic: String,
    #[serde(default)]
    pub agenda: String,
    #[serde(default)]
    pub host_id: String,
    #[serde(default)]
    pub recorder_id: String,
    #[serde(default)]
    pub group_id: String,
    #[serde(default)]
    pub joint_id: String,
    /// Roster ids of the chosen attendees (a kind with chosen attendees): the repeated
    /// `attendee_ids` fields of a multiple choice, gathered by [`MeetingForm::from_pairs`].
    #[serde(skip)]
    pub attendee_ids: Vec<String>,
    /// "1": the meeting has been held (recorded afterwards).
    #[serde(default)]
    pub held: Option<String>,
    #[serde(default)]
    pub version: Option<i64>,
}

impl MeetingForm {
    /// The form from its fields as posted (a multiple choice repeats its name).
    fn from_pairs(pairs: Vec<(String, String)>) -> Result<Self, AppError> {
        let bad = || AppError::Invalid("提交的内容不完整或格式有误，请返回重新填写".into());
        let ids: Vec<String> = pairs
            .iter()
            .filter(|(k, _)| k == "attendee_ids")
            .map(|(_, v)| v.clone())
            .collect();
        let rest: Vec<(String, String)> = pairs
            .into_iter()
            .filter(|(k, _)| k != "attendee_ids" && k != "_csrf")
            .collect();
        let text = serde_urlencoded::to_string(&rest).map_err(|_| bad())?;
        let mut f: MeetingForm = serde_urlencoded::from_str(&text).map_err(|_| bad())?;
        f.attendee_ids = ids;
        Ok(f)
    }

    fn input(&self) -> MeetingInput {
        MeetingInput {
            kind: self.kind.clone(),
            date: self.date.clone(),
            start_time: self.start_time.clone(),
            place: self.place.clone(),
            online: self.online.is_some(),
            topic: self.topic.clone(),
            agenda: self.agenda.clone(),
            host_id: self.host_id.clone(),
            recorder_id: self.recorder_id.clone(),
            group_id: self.group_id.clone(),
            joint_id: self.joint_id.clone(),
        }
    }
    fn chosen(&self) -> Vec<i64> {
        self.attendee_ids
            .iter()
            .filter_map(|s| s.trim().parse::<i64>().ok())
            .collect()
    }
    fn from_meeting(m: &Meeting, chosen: Vec<i64>) -> Self {
        MeetingForm {
            org: Some(m.org_id),
            kind: m.kind.clone(),
            date: m.meeting_date.to_string(),
            start_time: m.start_time.clone().unwrap_or_default(),
            place: m.place.clone().unwrap_or_default(),
            online: m.online.then(|| "1".into()),
            topic: m.topic.clone(),
            agenda: m.agenda.clone().unwrap_or_default(),
            host_id: m.host_id.map(|i| i.to_string()).unwrap_or_default(),
            recorder_id: m.recorder_id.map(|i| i.to_string()).unwrap_or_default(),
            group_id: m.group_id.map(|i| i.to_string()).unwrap_or_default(),
            joint_id: m.joint_id.map(|i| i.to_string()).unwrap_or_default(),
            attendee_ids: chosen.into_iter().map(|i| i.to_string()).collect(),
            held: None,
            version: Some(m.version),
        }
    }
}

#[derive(Template)]
#[template(path = "meetings/form.html")]
struct FormPage {
    ctx: PageCtx,
    org: Org,
    life: LifeConfig,
    form: MeetingForm,
    errors: Errors,
    people: Vec<Candidate>,
    groups: Vec<Org>,
    /// The joint-meeting systems of the organisation.
    joints: Vec<xianfeng_store::joint::JointSystem>,
    /// `None`: a new meeting.
    meeting_id: Option<i64>,
    today: NaiveDate,
}

impl FormPage {
    fn chosen(&self, id: &i64) -> bool {
        self.form.attendee_ids.iter().any(|s| s == &id.to_string())
    }
    fn chosen_kinds(&self) -> String {
        self.life
            .meeting_kinds
            .iter()
            .filter(|k| k.expected == Expected::Chosen)
            .map(|k| k.code.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[derive(Deserialize, Default)]
struct NewQuery {
    org: Option<i64>,
    date: Option<String>,
    held: Option<String>,
    kind: Option<String>,
    joint: Option<i64>,
}

async fn people_of(
    state: &AppState,
    auth: &Auth,
    org: &Org,
) -> Result<(Vec<Candidate>, Vec<Org>), AppError> {
    let people = state.store.meeting_people(&auth.scope, org.id).await?;
    let groups = state
        .store
        .org_children(&auth.scope, org.id, false)
        .await?
        .into_iter()
        .map(|n| n.org)
        .filter(|o| o.kind() == Some(OrgType::PartyGroup))
        .collect();
    Ok((people, groups))
}

async fn new_form(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<NewQuery>,
) -> PageResult {
    let org = target_org(&state, &auth, q.org).await?;
    if !can_write(&auth, &org) {
        return Err(AppError::Forbidden);
    }
    let today = state.store.clock.today();
    let form = MeetingForm {
        org: Some(org.id),
        kind: crate::forms::clean_param(&q.kind).unwrap_or_default(),
        date: crate::forms::clean_param(&q.date).unwrap_or_else(|| today.to_string()),
        held: q.held.filter(|h| h == "1"),
        joint_id: q.joint.map(|j| j.to_string()).unwrap_or_default(),
        ..Default::default()
    };
    form_page(&state, &auth, &headers, org, form, Errors::new(), None).await
}

fn errors_of(list: Vec<(&'static str, String)>) -> Errors {
    let mut e = Errors::new();
    for (f, m) in list {
        e.add(f, &m);
    }
    e
}

/// A store refusal as field errors for the form, or the error to answer with.
fn refused(e: StoreError) -> Result<Errors, AppError> {
    match e {
        StoreError::Invalid { field, message } => Ok(errors_of(vec![(field, message)])),
        StoreError::Conflict => Ok(errors_of(vec![(
            "topic",
            "会议已被他人改动或已不在计划中，请返回会议页面查看".into(),
        )])),
        e => Err(e.into()),
    }
}

/// The form page, new (`meeting_id` none) or for a meeting, with what was typed.
async fn form_page(
    state: &AppState,
    auth: &Auth,
    headers: &HeaderMap,
    org: Org,
    form: MeetingForm,
    errors: Errors,
    meeting_id: Option<i64>,
) -> PageResult {
    let (people, groups) = people_of(state, auth, &org).await?;
    let joints = state
        .store
        .joint_list(&auth.scope, &org)
        .await?
        .into_iter()
        .filter(|j| j.org_id == org.id && j.ended_on.is_none())
        .collect();
    let life = state.store.life_config().await?;
    let title = match (meeting_id, form.held.is_some()) {
        (Some(_), _) => "修改会议安排",
        (None, true) => "登记已召开的会议",
        (None, false) => "安排会议",
    };
    let ctx = PageCtx::new(auth, headers, "/meetings", title);
    render(
        &FormPage {
            ctx,
            org,
            life,
            form,
            errors,
            people,
            groups,
            joints,
            meeting_id,
            today: state.store.clock.today(),
        },
        false,
    )
}

async fn create(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let form = MeetingForm::from_pairs(pairs)?;
    let org = target_org(&state, &auth, form.org).await?;
    let life = state.store.life_config().await?;
    let held = form.held.is_some();
    let errors = match form.input().parse(&life) {
        Ok(f) => match state
            .store
            .meeting_create(&auth.actor(), &auth.scope, org.id, &f, &form.chosen(), held)
            .await
        {
            Ok(m) => {
                return Ok(redirect_with(
                    &format!("/meetings/{}", m.id),
                    "ok",
                    if held {
                        "已登记会议，请登记出勤并填写会议记录"
                    } else {
                        "已安排会议；可发出会议通知"
                    },
                ))
            }
            Err(e) => refused(e)?,
        },
        Err(list) => errors_of(list),
    };
    form_page(&state, &auth, &headers, org, form, errors, None).await
}

async fn edit_form(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let m = state.store.meeting_get(&auth.scope, id).await?;
    let org = state.store.org_get(&auth.scope, m.org_id).await?;
    if !can_write(&auth, &org) {
        return Err(AppError::Forbidden);
    }
    let chosen = state
        .store
        .meeting_attendees(&auth.scope, id)
        .await?
        .into_iter()
        .map(|a| a.member_id)
        .collect();
    let form = MeetingForm::from_meeting(&m, chosen);
    form_page(&state, &auth, &headers, org, form, Errors::new(), Some(id)).await
}

async fn update(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let form = MeetingForm::from_pairs(pairs)?;
    let m = state.store.meeting_get(&auth.scope, id).await?;
    let org = state.store.org_get(&auth.scope, m.org_id).await?;
    let life = state.store.life_config().await?;
    let errors = match form.input().parse(&life) {
        Ok(f) => match state
            .store
            .meeting_update(
                &auth.actor(),
                &auth.scope,
                id,
                form.version.unwrap_or(m.version),
                &f,
                &form.chosen(),
            )
            .await
        {
            Ok(_) => {
                return Ok(redirect_with(
                    &format!("/meetings/{id}"),
                    "ok",
                    "已保存会议安排",
                ))
            }
            Err(e) => refused(e)?,
        },
        Err(list) => errors_of(list),
    };
    form_page(&state, &auth, &headers, org, form, errors, Some(id)).await
}

/// A refusal to show on the page; absent records are 404 pages.
pub(crate) fn message(e: StoreError) -> Result<String, AppError> {
    match e {
        StoreError::Invalid { message, .. } => Ok(message),
        StoreError::Conflict => Ok("记录已被他人改动，请刷新后重试".into()),
        e => Err(e.into()),
    }
}

pub(crate) fn back_to(id: i64) -> String {
    format!("/meetings/{id}")
}

pub(crate) async fn redirect_result<T>(id: i64, r: Result<T, StoreError>, ok: &str) -> PageResult {
    match r {
        Ok(_) => Ok(redirect_with(&back_to(id), "ok", ok)),
        Err(e) => Ok(redirect_with(&back_to(id), "error", &message(e)?)),
    }
}
