//! The JSON API under `/api/v1`, authenticated with bearer tokens (`xianfeng admin token`).
//! Every handler is registered through utoipa's router, so `/api/openapi.json` cannot miss one.
//! Scope rules are the store's, exactly as for the web pages.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xianfeng_domain::dates::parse_date;
use xianfeng_domain::members::{ArchiveReason, Category, MemberInput, MemberStatus};
use xianfeng_domain::org::{OrgInput, OrgType, Sector};
use xianfeng_domain::scope::Scope;
use xianfeng_domain::Gender;
use xianfeng_store::accounts::Account;
use xianfeng_store::audit::Actor;
use xianfeng_store::members::{Member, MemberFilter, MemberSort};
use xianfeng_store::orgs::{Org, OrgFilter, OrgNode};
use xianfeng_store::PageReq;

use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::session::ClientIp;
use crate::AppState;

mod development;
mod dues;
mod findings;
mod imports;
mod letters;
mod stats;

pub use crate::error::api::{ApiError, ApiResult, ErrorBody, ErrorDetail, FieldProblem};

/// The organisation a work request is about: the one named by id or code, or the root of the
/// caller's subtree. Member data (statistics, findings, dues, development files) is for work
/// roles only, exactly as on the pages.
async fn work_org(
    state: &AppState,
    auth: &ApiAuth,
    id: Option<i64>,
    code: Option<&str>,
) -> Result<Org, ApiError> {
    let Scope::Subtree { root_id, .. } = &auth.scope else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "该接口只对党务管理员、党务查询员开放",
        ));
    };
    match (id, code.map(str::trim).filter(|c| !c.is_empty())) {
        (Some(id), _) => Ok(state.store.org_get(&auth.scope, id).await?),
        (None, Some(code)) => Ok(state.store.org_by_code(&auth.scope, code).await?),
        (None, None) => Ok(state.store.org_get(&auth.scope, *root_id).await?),
    }
}

/// A date given in a query or body, or a 422 naming the field.
fn date_field(field: &str, value: &str) -> Result<NaiveDate, ApiError> {
    parse_date(value).map_err(|e| {
        ApiError::invalid(vec![FieldProblem {
            field: field.into(),
            message: e.to_string(),
        }])
    })
}

/// A 422 for one field.
fn invalid_field(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::invalid(vec![FieldProblem {
        field: field.into(),
        message: message.into(),
    }])
}

// ---------- authentication ----------

/// The caller of the API, from `Authorization: Bearer <token>`.
pub struct ApiAuth {
    pub account: Account,
    pub scope: Scope,
    pub actor: Actor,
}

impl FromRequestParts<AppState> for ApiAuth {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let unauthorized = || {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "缺少或无效的接口令牌",
            )
        };
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(unauthorized)?;
        let account = state
            .store
            .token_account(token)
            .await?
            .ok_or_else(unauthorized)?;
        let scope = state.store.scope_of(&account).await?;
        let ip = parts.extensions.get::<ClientIp>().and_then(|c| c.0.clone());
        let actor = Actor {
            account_id: Some(account.id),
            username: account.username.clone(),
            source_ip: ip,
        };
        Ok(ApiAuth {
            account,
            scope,
            actor,
        })
    }
}

// ---------- organisations ----------

#[derive(Serialize, ToSchema)]
pub struct OrgOut {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub code: String,
    pub name: String,
    /// committee, working_committee, general_branch, branch, joint_branch, temporary_branch, party_group
    pub org_type: String,
    pub sector: String,
    pub founded_on: Option<NaiveDate>,
    pub secretary: Option<String>,
    pub deputy_secretary: Option<String>,
    pub committee_members: Option<String>,
    pub term_start: Option<NaiveDate>,
    pub term_end: Option<NaiveDate>,
    pub contact_phone: Option<String>,
    /// 审批权 set on the organisation: true, false, or null (the default by type and position).
    pub approval_power: Option<bool>,
    pub archived: bool,
    pub archive_reason: Option<String>,
    pub version: i64,
    /// Active sub-organisations (lists only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub child_count: Option<i64>,
    /// Party members in the subtree (lists only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_count: Option<i64>,
}

impl From<Org> for OrgOut {
    fn from(o: Org) -> Self {
        OrgOut {
            archived: o.archived_at.is_some(),
            id: o.id,
            parent_id: o.parent_id,
            code: o.code,
            name: o.name,
            org_type: o.org_type,
            sector: o.sector,
            founded_on: o.founded_on,
            secretary: o.secretary,
            deputy_secretary: o.deputy_secretary,
            committee_members: o.committee_members,
            term_start: o.term_start,
            term_end: o.term_end,
            contact_phone: o.contact_phone,
            approval_power: o.approval_power,
            archive_reason: o.archive_reason,
            version: o.version,
            child_count: None,
            member_count: None,
        }
    }
}

impl From<OrgNode> for OrgOut {
    fn from(n: OrgNode) -> Self {
        let (c, m) = (n.child_count, n.member_count);
        let mut o = OrgOut::from(n.org);
        o.child_count = Some(c);
        o.member_count = Some(m);
        o
    }
}

#[derive(Serialize, ToSchema)]
pub struct OrgPage {
    pub items: Vec<OrgOut>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

#[derive(Deserialize, IntoParams)]
pub struct OrgListQuery {
    /// Name or code contains.
    q: Option<String>,
    #[serde(rename = "type")]
    #[param(rename = "type")]
    org_type: Option<String>,
    sector: Option<String>,
    /// Only this organisation's subtree.
    under: Option<i64>,
    include_archived: Option<bool>,
    page: Option<u32>,
    per_page: Option<u32>,
}

/// Organisation fields. Dates accept the usual spellings (2001-07-01, 2001年7月1日, …).
#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct OrgIn {
    /// Parent organisation (required except for a top-level organisation).
    pub parent_id: Option<i64>,
    pub code: String,
    pub name: String,
    pub org_type: String,
    pub sector: String,
    pub founded_on: String,
    pub secretary: String,
    pub deputy_secretary: String,
    pub committee_members: String,
    pub term_start: String,
    pub term_end: String,
    pub contact_phone: String,
    /// 审批权: true, false, or absent/null for the default by type and position.
    pub approval_power: Option<bool>,
    /// For updates: the version read; a stale version is refused with 409.
    pub version: Option<i64>,
}

impl OrgIn {
    fn parse(&self, today: NaiveDate) -> Result<xianfeng_store::orgs::OrgFields, ApiError> {
        let input = OrgInput {
            code: self.code.clone(),
            name: self.name.clone(),
            org_type: self.org_type.clone(),
            sector: self.sector.clone(),
            founded_on: self.founded_on.clone(),
            secretary: self.secretary.clone(),
            deputy_secretary: self.deputy_secretary.clone(),
            committee_members: self.committee_members.clone(),
            term_start: self.term_start.clone(),
            term_end: self.term_end.clone(),
            contact_phone: self.contact_phone.clone(),
            approval_power: match self.approval_power {
                None => String::new(),
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
            },
        };
        input.parse(today).map_err(|list| {
            let fields = [
                "code",
                "name",
                "org_type",
                "sector",
                "founded_on",
                "secretary",
                "deputy_secretary",
                "committee_members",
                "term_start",
                "term_end",
                "contact_phone",
            ]
            .iter()
            .filter_map(|f| {
                let messages: Vec<&str> = list
                    .iter()
                    .filter(|e| e.field == *f)
                    .map(|e| e.message.as_str())
                    .collect();
                (!messages.is_empty()).then(|| FieldProblem {
                    field: f.to_string(),
                    message: messages.join("；"),
                })
            })
            .collect();
            ApiError::invalid(fields)
        })
    }
}

#[derive(Deserialize, ToSchema)]
pub struct ReasonIn {
    pub reason: String,
}

#[derive(Deserialize, ToSchema)]
pub struct MoveIn {
    pub parent_id: i64,
}

#[utoipa::path(get, path = "/api/v1/orgs", tag = "organisations", params(OrgListQuery),
    responses((status = 200, body = OrgPage), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
async fn list_orgs(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiQuery(q): ApiQuery<OrgListQuery>,
) -> ApiResult<OrgPage> {
    let filter = OrgFilter {
        q: q.q.clone(),
        org_type: q.org_type.as_deref().and_then(OrgType::parse),
        sector: q.sector.as_deref().and_then(Sector::parse),
        under: q.under,
        include_archived: q.include_archived.unwrap_or(false),
    };
    let page = state
        .store
        .org_list(&auth.scope, &filter, PageReq::new(q.page, q.per_page))
        .await?;
    Ok(Json(OrgPage {
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        items: page.items.into_iter().map(OrgOut::from).collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/orgs/{id}", tag = "organisations", params(("id" = i64, Path)),
    responses((status = 200, body = OrgOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
async fn get_org(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<OrgOut> {
    Ok(Json(state.store.org_node(&auth.scope, id).await?.into()))
}

#[utoipa::path(post, path = "/api/v1/orgs", tag = "organisations", request_body = OrgIn,
    responses((status = 201, body = OrgOut), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
async fn create_org(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiJson(body): ApiJson<OrgIn>,
) -> Result<(StatusCode, Json<OrgOut>), ApiError> {
    let fields = body.parse(state.store.clock.today())?;
    let org = state
        .store
        .org_create(&auth.actor, &auth.scope, body.parent_id, &fields)
        .await?;
    Ok((StatusCode::CREATED, Json(org.into())))
}

#[utoipa::path(put, path = "/api/v1/orgs/{id}", tag = "organisations", params(("id" = i64, Path)), request_body = OrgIn,
    responses((status = 200, body = OrgOut), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn update_org(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<OrgIn>,
) -> ApiResult<OrgOut> {
    let fields = body.parse(state.store.clock.today())?;
    Ok(Json(
        state
            .store
            .org_update(&auth.actor, &auth.scope, id, body.version, &fields)
            .await?
            .into(),
    ))
}

#[utoipa::path(post, path = "/api/v1/orgs/{id}/archive", tag = "organisations", params(("id" = i64, Path)), request_body = ReasonIn,
    responses((status = 200, body = OrgOut), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn archive_org(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ReasonIn>,
) -> ApiResult<OrgOut> {
    state
        .store
        .org_archive(&auth.actor, &auth.scope, id, &body.reason)
        .await?;
    Ok(Json(state.store.org_get(&auth.scope, id).await?.into()))
}

#[utoipa::path(post, path = "/api/v1/orgs/{id}/move", tag = "organisations", params(("id" = i64, Path)), request_body = MoveIn,
    responses((status = 200, body = OrgOut), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn move_org(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<MoveIn>,
) -> ApiResult<OrgOut> {
    Ok(Json(
        state
            .store
            .org_move(&auth.actor, &auth.scope, id, body.parent_id)
            .await?
            .into(),
    ))
}

// ---------- members ----------

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

// ---------- the document ----------

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("由 `xianfeng admin token --user NAME` 签发"))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "先锋 Xianfeng API", version = "1", description = "基层党建工作平台接口。权限范围与网页端一致：只能读写本人所辖组织及下级的数据。"),
    modifiers(&BearerAuth),
    tags(
        (name = "organisations", description = "党组织"),
        (name = "members", description = "党员与入党申请人"),
        (name = "statistics", description = "党内统计：任意组织、任意日期的统计表，每个数字可下钻到名单"),
        (name = "compliance", description = "合规检查结果：按规则、组织筛选的问题清单与计数"),
        (name = "development", description = "发展党员档案：读取、登记步骤、考察、培养联系人与入党介绍人"),
        (name = "dues", description = "党费：党支部某月的应缴与登记，上级组织的收缴情况"),
        (name = "letters", description = "组织关系介绍信"),
        (name = "imports", description = "导入电子表格：上传→检查报告→确认导入，与网页导入同一流程")
    )
)]
struct ApiDoc;

/// The API routes and the OpenAPI document built from them.
pub fn openapi_router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(list_orgs, create_org))
        .routes(routes!(get_org, update_org))
        .routes(routes!(archive_org))
        .routes(routes!(move_org))
        .routes(routes!(list_members, create_member))
        .routes(routes!(get_member, update_member))
        .routes(routes!(archive_member))
        .routes(routes!(restore_member))
        .routes(routes!(transfer_member))
        .merge(stats::routes())
        .merge(findings::routes())
        .merge(development::routes())
        .merge(dues::routes())
        .merge(letters::routes())
        .merge(imports::routes())
        .split_for_parts()
}

pub fn router() -> Router<AppState> {
    let (router, doc) = openapi_router();
    let json = doc.to_pretty_json().unwrap_or_else(|_| "{}".into());
    router.route(
        "/api/openapi.json",
        axum::routing::get(move || {
            let json = json.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], json) }
        }),
    )
}

/// JSON 404 for unknown API paths.
pub fn not_found() -> Response {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "接口不存在").into_response()
}
