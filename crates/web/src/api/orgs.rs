//! `/api/v1/orgs`: organisations — list, read, create, update, archive and move.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xianfeng_domain::org::{OrgInput, OrgType, Sector};
use xianfeng_store::orgs::{Org, OrgFilter, OrgNode};
use xianfeng_store::PageReq;

use super::{ApiAuth, ApiError, ApiResult, ErrorBody, FieldProblem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_orgs, create_org))
        .routes(routes!(get_org, update_org))
        .routes(routes!(archive_org))
        .routes(routes!(move_org))
}

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
