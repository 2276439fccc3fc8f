//! `/api/v1/members`: party members and people in the pipeline — list, read, create, update,
//! archive, restore and transfer.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xianfeng_domain::dates::parse_date;
use xianfeng_domain::members::{ArchiveReason, Category, MemberInput, MemberStatus};
use xianfeng_domain::org::Sector;
use xianfeng_domain::Gender;
use xianfeng_store::members::{Member, MemberFilter, MemberSort};
use xianfeng_store::PageReq;

use super::{ApiAuth, ApiError, ApiResult, ErrorBody, FieldProblem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_members, create_member))
        .routes(routes!(get_member, update_member))
        .routes(routes!(archive_member))
        .routes(routes!(restore_member))
        .routes(routes!(transfer_member))
}

#[derive(Serialize, ToSchema)]
pub struct MemberOut {
    pub id: i64,
    pub org_id: i64,
    pub org_code: String,
    pub org_name: String,
    /// Party group (党小组) inside the branch.
    pub party_group_id: Option<i64>,
    pub party_group_name: Option<String>,
    pub name: String,
    /// male or female
    pub gender: String,
    pub ethnicity: Option<String>,
    pub birth_date: NaiveDate,
    /// Masked: `110105********002X`.
    pub id_number_masked: String,
    pub education: Option<String>,
    /// applicant, activist, candidate, probationary, full
    pub status: String,
    pub category: String,
    pub phone: Option<String>,
    pub work_unit: Option<String>,
    pub post: Option<String>,
    pub application_date: Option<NaiveDate>,
    pub activist_date: Option<NaiveDate>,
    pub candidate_date: Option<NaiveDate>,
    pub admission_date: Option<NaiveDate>,
    pub conversion_date: Option<NaiveDate>,
    pub archived: bool,
    pub archive_reason: Option<String>,
    pub archive_date: Option<NaiveDate>,
    pub version: i64,
}

impl From<Member> for MemberOut {
    fn from(m: Member) -> Self {
        MemberOut {
            archived: m.archived_at.is_some(),
            id: m.id,
            org_id: m.org_id,
            org_code: m.org_code,
            org_name: m.org_name,
            party_group_id: m.party_group_id,
            party_group_name: m.party_group_name,
            name: m.name,
            gender: m.gender,
            ethnicity: m.ethnicity,
            birth_date: m.birth_date,
            id_number_masked: m.id_masked,
            education: m.education,
            status: m.status,
            category: m.category,
            phone: m.phone,
            work_unit: m.work_unit,
            post: m.post,
            application_date: m.application_date,
            activist_date: m.activist_date,
            candidate_date: m.candidate_date,
            admission_date: m.admission_date,
            conversion_date: m.conversion_date,
            archive_reason: m.archive_reason,
            archive_date: m.archive_date,
            version: m.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MemberPage {
    pub items: Vec<MemberOut>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

#[derive(Deserialize, IntoParams)]
pub struct MemberListQuery {
    /// Name, phone or work unit contains; a whole valid ID number searches by ID.
    /// `status`: applicant, activist, candidate, probationary, full, or `party` (probationary and full).
    q: Option<String>,
    status: Option<String>,
    category: Option<String>,
    gender: Option<String>,
    sector: Option<String>,
    /// Only this organisation's subtree.
    org_id: Option<i64>,
    /// true: archived people only.
    archived: Option<bool>,
    /// name, -name, birth, -birth, admission, -admission, org
    sort: Option<String>,
    page: Option<u32>,
    per_page: Option<u32>,
}

/// A member record. Dates accept the usual spellings; the ID number is checked (GB 11643).
#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct MemberIn {
    /// Organisation (create only; use transfer to move).
    pub org_id: Option<i64>,
    pub name: String,
    pub id_number: String,
    pub gender: String,
    pub ethnicity: String,
    pub birth_date: String,
    pub education: String,
    pub status: String,
    pub category: String,
    pub phone: String,
    pub work_unit: String,
    pub post: String,
    pub application_date: String,
    pub activist_date: String,
    pub candidate_date: String,
    pub admission_date: String,
    pub conversion_date: String,
    /// For updates: the version read; a stale version is refused with 409.
    pub version: Option<i64>,
}

impl MemberIn {
    fn input(&self) -> MemberInput {
        MemberInput {
            name: self.name.clone(),
            id_number: self.id_number.clone(),
            gender: self.gender.clone(),
            ethnicity: self.ethnicity.clone(),
            birth_date: self.birth_date.clone(),
            education: self.education.clone(),
            status: self.status.clone(),
            category: self.category.clone(),
            phone: self.phone.clone(),
            work_unit: self.work_unit.clone(),
            post: self.post.clone(),
            application_date: self.application_date.clone(),
            activist_date: self.activist_date.clone(),
            candidate_date: self.candidate_date.clone(),
            admission_date: self.admission_date.clone(),
            conversion_date: self.conversion_date.clone(),
        }
    }
}

fn field_errors(list: Vec<xianfeng_domain::members::FieldError>) -> ApiError {
    ApiError::invalid(
        list.into_iter()
            .map(|e| FieldProblem {
                field: e.field.into(),
                message: e.message,
            })
            .collect(),
    )
}

#[derive(Deserialize, ToSchema)]
pub struct ArchiveIn {
    /// died, transferred_out, left, expelled, removed, stopped, other
    pub reason: String,
    pub date: String,
    pub note: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct TransferIn {
    pub to_org_id: i64,
    pub date: String,
    pub note: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/members", tag = "members", params(MemberListQuery),
    responses((status = 200, body = MemberPage), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
async fn list_members(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiQuery(q): ApiQuery<MemberListQuery>,
) -> ApiResult<MemberPage> {
    let filter = MemberFilter {
        q: q.q.clone(),
        status: q.status.as_deref().and_then(MemberStatus::parse),
        party_only: q.status.as_deref() == Some("party"),
        category: q.category.as_deref().and_then(Category::parse),
        gender: q.gender.as_deref().and_then(Gender::from_code),
        sector: q.sector.as_deref().and_then(Sector::parse),
        under: q.org_id,
        archived: q.archived.unwrap_or(false),
        sort: MemberSort::parse(q.sort.as_deref().unwrap_or("")),
    };
    let page = state
        .store
        .member_list(&auth.scope, &filter, PageReq::new(q.page, q.per_page))
        .await?;
    Ok(Json(MemberPage {
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        items: page.items.into_iter().map(MemberOut::from).collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/members/{id}", tag = "members", params(("id" = i64, Path)),
    responses((status = 200, body = MemberOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
async fn get_member(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<MemberOut> {
    if !auth.scope.reads_members() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "人员信息只对党务管理员、党务查询员和党员本人开放",
        ));
    }
    Ok(Json(state.store.member_get(&auth.scope, id).await?.into()))
}

#[utoipa::path(post, path = "/api/v1/members", tag = "members", request_body = MemberIn,
    responses((status = 201, body = MemberOut), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
async fn create_member(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiJson(body): ApiJson<MemberIn>,
) -> Result<(StatusCode, Json<MemberOut>), ApiError> {
    let org_id = body.org_id.ok_or_else(|| {
        ApiError::invalid(vec![FieldProblem {
            field: "org_id".into(),
            message: "请指定所在组织".into(),
        }])
    })?;
    let fields = body
        .input()
        .parse(state.store.clock.today())
        .map_err(field_errors)?;
    let id = state
        .store
        .member_create(&auth.actor, &auth.scope, org_id, &fields)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.member_get(&auth.scope, id).await?.into()),
    ))
}

#[utoipa::path(put, path = "/api/v1/members/{id}", tag = "members", params(("id" = i64, Path)), request_body = MemberIn,
    responses((status = 200, body = MemberOut), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn update_member(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<MemberIn>,
) -> ApiResult<MemberOut> {
    let fields = body
        .input()
        .parse(state.store.clock.today())
        .map_err(field_errors)?;
    state
        .store
        .member_update(&auth.actor, &auth.scope, id, body.version, &fields)
        .await?;
    Ok(Json(state.store.member_get(&auth.scope, id).await?.into()))
}

#[utoipa::path(post, path = "/api/v1/members/{id}/archive", tag = "members", params(("id" = i64, Path)), request_body = ArchiveIn,
    responses((status = 200, body = MemberOut), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn archive_member(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ArchiveIn>,
) -> ApiResult<MemberOut> {
    let reason = ArchiveReason::parse(&body.reason).ok_or_else(|| {
        ApiError::invalid(vec![FieldProblem {
            field: "reason".into(),
            message: "无法识别的出库原因".into(),
        }])
    })?;
    let date = parse_date(&body.date).map_err(|e| {
        ApiError::invalid(vec![FieldProblem {
            field: "date".into(),
            message: e.to_string(),
        }])
    })?;
    let note = body
        .note
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().take(200).collect::<String>());
    state
        .store
        .member_archive(&auth.actor, &auth.scope, id, reason, date, note.as_deref())
        .await?;
    Ok(Json(state.store.member_get(&auth.scope, id).await?.into()))
}

#[utoipa::path(post, path = "/api/v1/members/{id}/restore", tag = "members", params(("id" = i64, Path)),
    responses((status = 200, body = MemberOut), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn restore_member(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<MemberOut> {
    state
        .store
        .member_restore(&auth.actor, &auth.scope, id, None)
        .await?;
    Ok(Json(state.store.member_get(&auth.scope, id).await?.into()))
}

#[utoipa::path(post, path = "/api/v1/members/{id}/transfer", tag = "members", params(("id" = i64, Path)), request_body = TransferIn,
    responses((status = 200, body = MemberOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn transfer_member(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<TransferIn>,
) -> ApiResult<MemberOut> {
    let date = parse_date(&body.date).map_err(|e| {
        ApiError::invalid(vec![FieldProblem {
            field: "date".into(),
            message: e.to_string(),
        }])
    })?;
    let note = body
        .note
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().take(200).collect::<String>());
    state
        .store
        .member_transfer(
            &auth.actor,
            &auth.scope,
            id,
            body.to_org_id,
            date,
            note.as_deref(),
        )
        .await?;
    Ok(Json(state.store.member_get(&auth.scope, id).await?.into()))
}
