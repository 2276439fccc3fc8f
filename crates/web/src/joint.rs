//! Joint-meeting systems (联席会议制度): the list of an organisation's systems, setting one up,
//! and a system's page with its conveners, member units, meetings per month against the
//! minimum, inspection items and periodic summaries.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use xianfeng_domain::dates::{add_months, parse_date};
use xianfeng_domain::scope::{Role, Scope};
use xianfeng_store::joint::{Convener, Inspection, JointInput, JointSystem, Summary, Unit};
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
        .get("/joint", index)
        .get("/joint/new", new_form)
        .post("/joint", create)
        .get("/joint/{id}", show)
        .post("/joint/{id}/inspections", inspection_add)
        .post("/joint/inspections/{id}/result", inspection_result)
        .post("/joint/{id}/summaries", summary_draft)
        .post("/joint/summaries/{id}", summary_save)
}

fn writes(auth: &Auth, org: &Org) -> bool {
    matches!(auth.scope, Scope::Subtree { .. })
        && auth.role() == Some(Role::OrgAdmin)
        && auth.scope.may_write_org(&org.org_path())
        && !org.is_archived()
}

fn message(e: StoreError) -> Result<String, AppError> {
    match e {
        StoreError::Invalid { message, .. } => Ok(message),
        e => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
struct OrgQuery {
    org: Option<i64>,
}

#[derive(Template)]
#[template(path = "joint/index.html")]
struct IndexPage {
    ctx: PageCtx,
    tree: Tree,
    org: Org,
    systems: Vec<JointSystem>,
    can_write: bool,
}

async fn index(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<OrgQuery>,
) -> PageResult {
    let org = target_org(&state, &auth, q.org).await?;
    let systems = state.store.joint_list(&auth.scope, &org).await?;
    let ctx = PageCtx::new(
        &auth,
        &headers,
        "/meetings",
        format!("{} · 联席会议", org.name),
    );
    let had = ctx.flash.is_some();
    render(
        &IndexPage {
            ctx,
            tree: tree(&state.store, &auth.scope, Some(org.id), "/joint?org=").await?,
            can_write: writes(&auth, &org),
            org,
            systems,
        },
        had,
    )
}

#[derive(Deserialize, Default, Clone)]
struct JointForm {
    #[serde(default)]
    org: Option<i64>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    duties: String,
    #[serde(default)]
    min_per_month: String,
    #[serde(default)]
    started_on: String,
    #[serde(default)]
    chief: String,
    /// 召集人: `convener_N` (roster id) with `title_N`; units: repeated `unit` (org ids) and
    /// `outside` (one name a line).
    #[serde(skip)]
    conveners: Vec<(String, String)>,
    #[serde(skip)]
    units: Vec<String>,
    #[serde(default)]
    outside: String,
}

#[derive(Template)]
#[template(path = "joint/form.html")]
struct FormPage {
    ctx: PageCtx,
    org: Org,
    form: JointForm,
    errors: Errors,
    people: Vec<Candidate>,
    orgs: Vec<Org>,
}

impl FormPage {
    fn convener(&self, i: &usize) -> (&str, &str) {
        self.form
            .conveners
            .get(*i)
            .map_or(("", ""), |(a, b)| (a.as_str(), b.as_str()))
    }
    fn unit_chosen(&self, id: &i64) -> bool {
        self.form.units.iter().any(|u| u == &id.to_string())
    }
}

async fn form_page(
    state: &AppState,
    auth: &Auth,
    headers: &HeaderMap,
    org: Org,
    form: JointForm,
    errors: Errors,
) -> PageResult {
    let people = state.store.meeting_people(&auth.scope, org.id).await?;
    let path = org.org_path();
    let orgs = state
        .store
        .org_all(&auth.scope)
        .await?
        .into_iter()
        .filter(|o| o.id != org.id && path.contains(&o.org_path()) && !o.is_archived())
        .filter(|o| o.kind() != Some(xianfeng_domain::org::OrgType::PartyGroup))
        .take(500)
        .collect();
    let ctx = PageCtx::new(auth, headers, "/meetings", "建立联席会议制度");
    render(
        &FormPage {
            ctx,
            org,
            form,
            errors,
            people,
            orgs,
        },
        false,
    )
}

async fn new_form(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<OrgQuery>,
) -> PageResult {
    let org = target_org(&state, &auth, q.org).await?;
    if !writes(&auth, &org) {
        return Err(AppError::Forbidden);
    }
    let form = JointForm {
        org: Some(org.id),
        min_per_month: "2".into(),
        started_on: state
            .store
            .clock
            .today()
            .with_day(1)
            .unwrap_or_default()
            .to_string(),
        ..Default::default()
    };
    form_page(&state, &auth, &headers, org, form, Errors::new()).await
}

async fn create(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut form = JointForm {
        org: get("org").parse().ok(),
        name: get("name"),
        duties: get("duties"),
        min_per_month: get("min_per_month"),
        started_on: get("started_on"),
        chief: get("chief"),
        outside: get("outside"),
        ..Default::default()
    };
    for i in 0..6 {
        form.conveners
            .push((get(&format!("convener_{i}")), get(&format!("title_{i}"))));
    }
    form.units = pairs
        .iter()
        .filter(|(k, _)| k == "unit")
        .map(|(_, v)| v.clone())
        .collect();
    let org = target_org(&state, &auth, form.org).await?;
    let mut errors = Errors::new();
    let min = form.min_per_month.trim().parse::<i64>().unwrap_or(0);
    let started = parse_date(&form.started_on).map_err(|e| e.to_string());
    if let Err(e) = &started {
        errors.add("started_on", e);
    }
    let chief = form.chief.trim().parse::<i64>().ok();
    if chief.is_none() {
        errors.add("chief", "请选择总召集人");
    }
    if errors.is_empty() {
        let input = JointInput {
            name: form.name.clone(),
            duties: form.duties.clone(),
            min_per_month: min,
            started_on: started.clone().unwrap_or_default(),
            chief: chief.unwrap_or(0),
            conveners: form
                .conveners
                .iter()
                .filter_map(|(m, t)| m.trim().parse::<i64>().ok().map(|m| (m, t.clone())))
                .collect(),
            unit_orgs: form.units.iter().filter_map(|u| u.parse().ok()).collect(),
            outside_units: form.outside.lines().map(str::to_string).collect(),
        };
        match state
            .store
            .joint_create(&auth.actor(), &auth.scope, org.id, &input)
            .await
        {
            Ok(j) => {
                return Ok(redirect_with(
                    &format!("/joint/{}", j.id),
                    "ok",
                    "已建立联席会议制度",
                ))
            }
            Err(StoreError::Invalid { field, message }) => errors.add(field, &message),
            Err(e) => return Err(e.into()),
        }
    }
    form_page(&state, &auth, &headers, org, form, errors).await
}

/// One month of a system: how many meetings took place against the minimum.
pub struct MonthCount {
    pub month: NaiveDate,
    pub held: usize,
}

#[derive(Template)]
#[template(path = "joint/show.html")]
struct ShowPage {
    ctx: PageCtx,
    j: JointSystem,
    org: Org,
    conveners: Vec<Convener>,
    units: Vec<Unit>,
    meetings: Vec<Meeting>,
    months: Vec<MonthCount>,
    inspections: Vec<Inspection>,
    summaries: Vec<Summary>,
    can_write: bool,
    today: NaiveDate,
    month_start: NaiveDate,
}

async fn show(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin, Role::OrgViewer])?;
    let j = state.store.joint_get(&auth.scope, id).await?;
    let org = state.store.org_get(&auth.scope, j.org_id).await?;
    let today = state.store.clock.today();
    let month_start = today.with_day(1).unwrap_or(today);
    let from = add_months(month_start, -11).max(j.started_on.with_day(1).unwrap_or(j.started_on));
    let mut meetings = state
        .store
        .meetings_of(
            &auth.scope,
            org.id,
            &MeetingFilter {
                from: Some(from),
                to: Some(add_months(today, 2)),
                ..Default::default()
            },
        )
        .await?;
    meetings.retain(|m| m.joint_id == Some(id));
    let mut months = Vec::new();
    let mut m = month_start;
    while m >= from {
        let end = add_months(m, 1);
        months.push(MonthCount {
            month: m,
            held: meetings
                .iter()
                .filter(|x| x.status().took_place() && x.meeting_date >= m && x.meeting_date < end)
                .count(),
        });
        m = add_months(m, -1);
    }
    let ctx = PageCtx::new(&auth, &headers, "/meetings", j.name.clone());
    let had = ctx.flash.is_some();
    render(
        &ShowPage {
            ctx,
            conveners: state.store.joint_conveners(&auth.scope, id).await?,
            units: state.store.joint_units(&auth.scope, id).await?,
            inspections: state.store.joint_inspections(&auth.scope, id).await?,
            summaries: state.store.joint_summaries(&auth.scope, id).await?,
            can_write: writes(&auth, &org),
            j,
            org,
            meetings,
            months,
            today,
            month_start,
        },
        had,
    )
}

#[derive(Deserialize)]
struct InspectionForm {
    unit_id: i64,
    item: String,
    #[serde(default)]
    due_date: String,
}

async fn inspection_add(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<InspectionForm>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let back = format!("/joint/{id}");
    let due = match f.due_date.trim() {
        "" => None,
        s => match parse_date(s) {
            Ok(d) => Some(d),
            Err(e) => return Ok(redirect_with(&back, "error", &format!("期限：{e}"))),
        },
    };
    match state
        .store
        .joint_inspection_add(&auth.actor(), &auth.scope, id, f.unit_id, &f.item, due)
        .await
    {
        Ok(()) => Ok(redirect_with(&back, "ok", "已布置检查事项")),
        Err(e) => Ok(redirect_with(&back, "error", &message(e)?)),
    }
}

#[derive(Deserialize)]
struct ResultForm {
    result: String,
    checked_on: String,
    system: i64,
}

async fn inspection_result(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<ResultForm>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let back = format!("/joint/{}", f.system);
    let on = match parse_date(&f.checked_on) {
        Ok(d) => d,
        Err(e) => return Ok(redirect_with(&back, "error", &format!("检查日期：{e}"))),
    };
    match state
        .store
        .joint_inspection_result(&auth.actor(), &auth.scope, id, &f.result, on)
        .await
    {
        Ok(system) => Ok(redirect_with(
            &format!("/joint/{system}"),
            "ok",
            "已登记检查结果",
        )),
        Err(e) => Ok(redirect_with(&back, "error", &message(e)?)),
    }
}

#[derive(Deserialize)]
struct DraftForm {
    /// 2026-03 (a month) or 2026-Q1 (a quarter).
    period: String,
}

async fn summary_draft(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<DraftForm>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let back = format!("/joint/{id}");
    let p = f.period.trim();
    let range = if let Some((y, q)) = p.split_once("-Q") {
        match (y.parse::<i32>(), q.parse::<u32>()) {
            (Ok(y), Ok(q)) if (1..=4).contains(&q) => {
                NaiveDate::from_ymd_opt(y, (q - 1) * 3 + 1, 1).map(|s| (s, add_months(s, 3)))
            }
            _ => None,
        }
    } else {
        NaiveDate::parse_from_str(&format!("{p}-01"), "%Y-%m-%d")
            .ok()
            .map(|s| (s, add_months(s, 1)))
    };
    let Some((from, next)) = range else {
        return Ok(redirect_with(
            &back,
            "error",
            "期间格式应为 2026-03（月）或 2026-Q1（季度）",
        ));
    };
    let to = next.pred_opt().unwrap_or(next);
    match state
        .store
        .joint_summary_draft(&auth.actor(), &auth.scope, id, from, to)
        .await
    {
        Ok(s) => Ok(redirect_with(
            &format!("/joint/{id}#s{}", s.id),
            "ok",
            "已根据本期会议和检查结果起草总结，请修改后审定",
        )),
        Err(e) => Ok(redirect_with(&back, "error", &message(e)?)),
    }
}

#[derive(Deserialize)]
struct SaveForm {
    body: String,
    #[serde(default)]
    approve: Option<String>,
}

async fn summary_save(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<SaveForm>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let s = state.store.joint_summary_get(&auth.scope, id).await?;
    let back = format!("/joint/{}#s{id}", s.system_id);
    let approve = f.approve.is_some();
    match state
        .store
        .joint_summary_save(&auth.actor(), &auth.scope, id, &f.body, approve)
        .await
    {
        Ok(_) => Ok(redirect_with(
            &back,
            "ok",
            if approve {
                "总结已审定"
            } else {
                "已保存总结"
            },
        )),
        Err(e) => Ok(redirect_with(&back, "error", &message(e)?)),
    }
}
