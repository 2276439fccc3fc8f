//! `/api/v1/stats`: the statistics table of any organisation on any day (the JSON of
//! `xianfeng stats`), and the people behind each number.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xianfeng_domain::stats::{Drill, Report};
use xianfeng_store::stats::StatPerson;
use xianfeng_store::PageReq;

use super::{date_field, invalid_field, work_org, ApiAuth, ApiError, ApiResult, ErrorBody};
use crate::extract::ApiQuery;
use crate::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(report))
        .routes(routes!(people))
}

#[derive(Deserialize, IntoParams)]
pub struct StatsQuery {
    /// Organisation id (default: the root of the caller's subtree).
    org: Option<i64>,
    /// Or the organisation code.
    code: Option<String>,
    /// The day (default today), e.g. 2025-12-31.
    as_of: Option<String>,
}

#[derive(Deserialize, IntoParams)]
pub struct PeopleQuery {
    org: Option<i64>,
    code: Option<String>,
    as_of: Option<String>,
    /// The number drilled into: members, status, gender, minority, ethnicity, age, standing,
    /// education, category.
    dim: String,
    /// Its value, as the report's keys give it (e.g. `male`, `回族`, `up_to_30`).
    value: Option<String>,
    page: Option<u32>,
    per_page: Option<u32>,
}

async fn day_of(state: &AppState, as_of: Option<&str>) -> Result<chrono::NaiveDate, ApiError> {
    let today = state.store.clock.today();
    let day = match as_of.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => date_field("as_of", s)?,
        None => today,
    };
    if day > today {
        return Err(invalid_field("as_of", "统计日期不能晚于今天"));
    }
    Ok(day)
}

/// The statistics table of an organisation and its subtree on a day: the same JSON as
/// `xianfeng stats --format json` (members by status, gender, ethnicity, education, category,
/// age and standing bands; organisations by type; the direct sub-organisations' rows).
#[utoipa::path(get, path = "/api/v1/stats", tag = "statistics", params(StatsQuery),
    responses((status = 200, body = Object, description = "统计表（键名见 README 中 stats --format json 的说明）"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn report(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> ApiResult<Report> {
    let org = work_org(&state, &auth, q.org, q.code.as_deref()).await?;
    let day = day_of(&state, q.as_of.as_deref()).await?;
    Ok(Json(
        state.store.stats_report(&auth.scope, org.id, day).await?,
    ))
}

/// A person behind a number of the table, with their status on the day.
#[derive(Serialize, ToSchema)]
pub struct StatPersonOut {
    pub id: i64,
    pub name: String,
    pub gender: String,
    pub ethnicity: Option<String>,
    pub birth_date: chrono::NaiveDate,
    pub education: Option<String>,
    pub category: String,
    pub admission_date: Option<chrono::NaiveDate>,
    /// Status on the day.
    pub status: String,
    pub org_code: String,
    pub org_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct StatPeoplePage {
    /// What the list is, in words (e.g. “女党员”).
    pub what: String,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
    pub items: Vec<StatPersonOut>,
}

impl From<StatPerson> for StatPersonOut {
    fn from(p: StatPerson) -> Self {
        StatPersonOut {
            id: p.id,
            name: p.name,
            gender: p.gender,
            ethnicity: p.ethnicity,
            birth_date: p.birth_date,
            education: p.education,
            category: p.category,
            admission_date: p.admission_date,
            status: p.st,
            org_code: p.org_code,
            org_name: p.org_name,
        }
    }
}

/// The people behind one number of the table, by name.
#[utoipa::path(get, path = "/api/v1/stats/people", tag = "statistics", params(PeopleQuery),
    responses((status = 200, body = StatPeoplePage), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn people(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiQuery(q): ApiQuery<PeopleQuery>,
) -> ApiResult<StatPeoplePage> {
    let org = work_org(&state, &auth, q.org, q.code.as_deref()).await?;
    let day = day_of(&state, q.as_of.as_deref()).await?;
    let value = q.value.as_deref().unwrap_or("").trim().to_string();
    let drill = Drill::parse(q.dim.trim(), &value)
        .ok_or_else(|| invalid_field("dim", "统计项或其取值不正确"))?;
    let page = state
        .store
        .stats_people(
            &auth.scope,
            org.id,
            day,
            &drill,
            PageReq::new(q.page, q.per_page),
        )
        .await?;
    Ok(Json(StatPeoplePage {
        what: drill.describe(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        items: page.items.into_iter().map(Into::into).collect(),
    }))
}
