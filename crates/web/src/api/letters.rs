//! `/api/v1/…/letters`: letters of transfer of membership (组织关系介绍信), with the same
//! procedure as the pages: issue, confirm the report, cancel, record a letter from outside.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xianfeng_domain::scope::Scope;
use xianfeng_store::letters::{Destination, Letter};

use super::{date_field, invalid_field, work_org, ApiAuth, ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(of_member, issue))
        .routes(routes!(receive))
        .routes(routes!(report))
        .routes(routes!(cancel))
        .routes(routes!(of_org))
}

#[derive(Serialize, ToSchema)]
pub struct LetterOut {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    /// out (issued here) or in (from outside the system).
    pub direction: String,
    pub letter_no: String,
    pub from_org_id: Option<i64>,
    pub from_name: Option<String>,
    pub to_org_id: Option<i64>,
    pub to_name: Option<String>,
    pub issued_on: NaiveDate,
    pub valid_until: NaiveDate,
    pub reported_on: Option<NaiveDate>,
    /// open, reported or cancelled.
    pub status: String,
    /// The status in words (待报到, 已报到, 已作废, …).
    pub status_label: String,
    pub created_at: DateTime<Utc>,
}

impl From<Letter> for LetterOut {
    fn from(l: Letter) -> Self {
        LetterOut {
            status_label: l.status_label().to_string(),
            id: l.id,
            member_id: l.member_id,
            member_name: l.member_name,
            direction: l.direction,
            letter_no: l.letter_no,
            from_org_id: l.from_org_id,
            from_name: l.from_name,
            to_org_id: l.to_org_id,
            to_name: l.to_name,
            issued_on: l.issued_on,
            valid_until: l.valid_until,
            reported_on: l.reported_on,
            status: l.status,
            created_at: l.created_at,
        }
    }
}

async fn letter(
    state: &AppState,
    auth: &ApiAuth,
    member_id: i64,
    id: i64,
) -> Result<LetterOut, ApiError> {
    state
        .store
        .letters_of(&auth.scope, member_id)
        .await?
        .into_iter()
        .find(|l| l.id == id)
        .map(LetterOut::from)
        .ok_or_else(|| ApiError::not_found("找不到该介绍信"))
}

/// A person's letters, newest first.
#[utoipa::path(get, path = "/api/v1/members/{id}/letters", tag = "letters", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<LetterOut>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn of_member(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Vec<LetterOut>> {
    Ok(Json(
        state
            .store
            .letters_of(&auth.scope, id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct IssueIn {
    pub letter_no: String,
    /// A branch in the system, by code …
    #[serde(default)]
    pub to_code: Option<String>,
    /// … or an organisation outside it, by name.
    #[serde(default)]
    pub to_outside: Option<String>,
    pub issued_on: String,
    /// Default: three months after issue.
    #[serde(default)]
    pub valid_until: Option<String>,
}

fn optional_date(field: &str, v: &Option<String>) -> Result<Option<NaiveDate>, ApiError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Ok(Some(date_field(field, s)?)),
        None => Ok(None),
    }
}

/// Issues a letter for a person leaving their branch.
#[utoipa::path(post, path = "/api/v1/members/{id}/letters", tag = "letters", params(("id" = i64, Path)),
    request_body = IssueIn,
    responses((status = 201, body = LetterOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn issue(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<IssueIn>,
) -> Result<(StatusCode, Json<LetterOut>), ApiError> {
    let to_code = body.to_code.as_deref().map(str::trim).unwrap_or("");
    let to_outside = body.to_outside.as_deref().map(str::trim).unwrap_or("");
    let to = match (to_code.is_empty(), to_outside.is_empty()) {
        (true, true) => {
            return Err(invalid_field(
                "to_code",
                "请填写转往的系统内党支部代码或系统外党组织名称",
            ))
        }
        (false, false) => {
            return Err(invalid_field(
                "to_code",
                "系统内党支部代码和系统外党组织名称只填一项",
            ))
        }
        (false, true) => match state.store.org_by_code(&Scope::Structure, to_code).await {
            Ok(o) => Destination::Org(o.id),
            Err(_) => {
                return Err(invalid_field(
                    "to_code",
                    format!("找不到组织代码 {to_code}"),
                ))
            }
        },
        (true, false) => Destination::Outside(to_outside.to_string()),
    };
    let issued_on = date_field("issued_on", &body.issued_on)?;
    let valid_until = optional_date("valid_until", &body.valid_until)?;
    let letter_id = state
        .store
        .letter_issue(
            &auth.actor,
            &auth.scope,
            id,
            &body.letter_no,
            to,
            issued_on,
            valid_until,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(letter(&state, &auth, id, letter_id).await?),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ReceiveIn {
    pub letter_no: String,
    /// The organisation outside the system that issued it.
    pub from: String,
    pub issued_on: String,
    #[serde(default)]
    pub valid_until: Option<String>,
    pub reported_on: String,
}

/// Records the letter of a person who came from outside the system (already on the roster).
#[utoipa::path(post, path = "/api/v1/members/{id}/letters/in", tag = "letters", params(("id" = i64, Path)),
    request_body = ReceiveIn,
    responses((status = 201, body = LetterOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn receive(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ReceiveIn>,
) -> Result<(StatusCode, Json<LetterOut>), ApiError> {
    let issued_on = date_field("issued_on", &body.issued_on)?;
    let reported_on = date_field("reported_on", &body.reported_on)?;
    let valid_until = optional_date("valid_until", &body.valid_until)?;
    let letter_id = state
        .store
        .letter_receive(
            &auth.actor,
            &auth.scope,
            id,
            &body.letter_no,
            &body.from,
            issued_on,
            valid_until,
            reported_on,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(letter(&state, &auth, id, letter_id).await?),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ReportIn {
    pub reported_on: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReportOut {
    /// true: the person moved to the receiving branch; false: a letter to outside the system,
    /// the person left the roster (转出).
    pub moved: bool,
}

/// The person has reported: inside the system the receiving side confirms it and the person
/// moves there; for a letter to outside, the issuing side records the receipt.
#[utoipa::path(post, path = "/api/v1/letters/{id}/report", tag = "letters", params(("id" = i64, Path)),
    request_body = ReportIn,
    responses((status = 200, body = ReportOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn report(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ReportIn>,
) -> ApiResult<ReportOut> {
    let on = date_field("reported_on", &body.reported_on)?;
    let moved = state
        .store
        .letter_report(&auth.actor, &auth.scope, id, on)
        .await?;
    Ok(Json(ReportOut { moved }))
}

/// Cancels an open letter (lost, expired and reissued): kept, marked cancelled.
#[utoipa::path(post, path = "/api/v1/letters/{id}/cancel", tag = "letters", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn cancel(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    state
        .store
        .letter_cancel(&auth.actor, &auth.scope, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
pub struct OrgLettersQuery {
    /// true: open letters only.
    open: Option<bool>,
}

/// Letters into and out of an organisation's subtree, open ones first (the page “关系转接”).
#[utoipa::path(get, path = "/api/v1/orgs/{id}/letters", tag = "letters", params(("id" = i64, Path), OrgLettersQuery),
    responses((status = 200, body = Vec<LetterOut>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn of_org(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<OrgLettersQuery>,
) -> ApiResult<Vec<LetterOut>> {
    let org = work_org(&state, &auth, Some(id), None).await?;
    let open_only = q.open.unwrap_or(false);
    Ok(Json(
        state
            .store
            .letters_in(&auth.scope, &org.org_path())
            .await?
            .into_iter()
            .filter(|l| !open_only || l.status == "open")
            .map(Into::into)
            .collect(),
    ))
}
