//! `/api/v1/members/{id}/development`: a person's development file (发展档案): read it, record
//! steps (only the fields sent change), assessments and sponsors. The store applies the same
//! refusals as the page (future dates, impossible votes, a sponsor who was not a full member)
//! and re-checks the person; the file's findings come back with it.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xianfeng_domain::development::{SponsorRole, Step, Votes, SPONSOR_NOT_ON_ROSTER};
use xianfeng_store::development::{DevInput, DevRecord};

use super::findings::FindingOut;
use super::{date_field, invalid_field, ApiAuth, ApiError, ApiResult, ErrorBody, FieldProblem};
use crate::extract::{ApiJson, ApiPath};
use crate::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_file, save_file))
        .routes(routes!(add_assessment))
        .routes(routes!(add_sponsor))
        .routes(routes!(remove_sponsor))
}

#[derive(Serialize, Deserialize, ToSchema, Clone, Copy)]
pub struct VotesOut {
    /// 应到会有表决权人数
    pub entitled: i32,
    /// 实到会有表决权人数
    pub present: i32,
    /// 赞成票数
    pub in_favour: i32,
}

#[derive(Serialize, ToSchema)]
pub struct AssessmentOut {
    pub on: NaiveDate,
    pub note: Option<String>,
    /// activist (培养考察) or probation (预备期考察).
    pub stage: String,
}

#[derive(Serialize, ToSchema)]
pub struct SponsorOut {
    pub id: i64,
    /// contact (培养联系人) or introducer (入党介绍人).
    pub role: String,
    pub name: String,
    pub member_id: Option<i64>,
    pub named_on: NaiveDate,
}

#[derive(Serialize, ToSchema)]
pub struct DevFileOut {
    pub member_id: i64,
    pub name: String,
    /// applicant, activist, candidate, probationary, full
    pub status: String,
    /// Whether a file is on record (otherwise the roster's dates are shown).
    pub exists: bool,
    /// The dated steps by field name (application_date, talk_date, activist_date, …).
    #[schema(value_type = Object)]
    pub steps: BTreeMap<&'static str, NaiveDate>,
    pub training_hours: Option<f64>,
    pub votes: Option<VotesOut>,
    pub approval_org_id: Option<i64>,
    pub conversion_approval_org_id: Option<i64>,
    pub extension_reason: Option<String>,
    pub probation_extension_months: Option<i32>,
    pub talker: Option<String>,
    pub upper_talker: Option<String>,
    pub note: Option<String>,
    /// Send it back when saving: a file changed by someone else in between is refused (409).
    pub version: i64,
    pub assessments: Vec<AssessmentOut>,
    pub sponsors: Vec<SponsorOut>,
    /// Open findings of the compliance check about this person.
    pub findings: Vec<FindingOut>,
}

async fn file_out(state: &AppState, auth: &ApiAuth, id: i64) -> Result<DevFileOut, ApiError> {
    let r: DevRecord = state.store.dev_record(&auth.scope, id).await?;
    let findings = state
        .store
        .findings_of(&auth.scope, "person", id)
        .await?
        .into_iter()
        .map(FindingOut::from)
        .collect();
    Ok(DevFileOut {
        member_id: r.member.id,
        name: r.member.name.clone(),
        status: r.member.status.clone(),
        exists: r.exists,
        steps: Step::ALL
            .iter()
            .filter_map(|s| r.file.get(*s).map(|d| (s.field(), d)))
            .collect(),
        training_hours: r.file.training_hours,
        votes: r.file.votes.map(|v| VotesOut {
            entitled: v.entitled,
            present: v.present,
            in_favour: v.in_favour,
        }),
        approval_org_id: r.approval_org_id,
        conversion_approval_org_id: r.conversion_approval_org_id,
        extension_reason: r.file.extension_reason.clone(),
        probation_extension_months: r.file.probation_extension_months,
        talker: r.file.talker.clone(),
        upper_talker: r.file.upper_talker.clone(),
        note: r.note.clone(),
        version: r.version,
        assessments: r
            .assessments
            .iter()
            .map(|a| AssessmentOut {
                on: a.on,
                note: a.note.clone(),
                stage: a.stage.clone(),
            })
            .collect(),
        sponsors: r
            .sponsors
            .iter()
            .map(|s| SponsorOut {
                id: s.id,
                role: s.sponsor.role.code().to_string(),
                name: s.sponsor.name.clone(),
                member_id: s.sponsor.member_id,
                named_on: s.sponsor.named_on,
            })
            .collect(),
        findings,
    })
}

/// A person's development file with its findings.
#[utoipa::path(get, path = "/api/v1/members/{id}/development", tag = "development",
    params(("id" = i64, Path)),
    responses((status = 200, body = DevFileOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn get_file(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<DevFileOut> {
    Ok(Json(file_out(&state, &auth, id).await?))
}

/// What to record. Only the fields sent change; a step sent as an empty string is cleared.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct DevIn {
    /// The version read (recommended): a file changed since is refused with 409.
    pub version: Option<i64>,
    /// Steps by field name (application_date, talk_date, activist_date, activist_filed_date,
    /// candidate_date, candidate_filed_date, political_review_date, training_start,
    /// training_end, committee_review_date, precheck_date, general_meeting_date,
    /// upper_talk_date, approval_date, upper_filed_date, oath_date,
    /// conversion_application_date, conversion_meeting_date, conversion_approval_date,
    /// archived_files_date) → a date, or "" to clear.
    pub steps: BTreeMap<String, String>,
    pub training_hours: Option<f64>,
    pub votes: Option<VotesOut>,
    pub approval_org_id: Option<i64>,
    pub conversion_approval_org_id: Option<i64>,
    pub extension_reason: Option<String>,
    pub probation_extension_months: Option<i32>,
    pub talker: Option<String>,
    pub upper_talker: Option<String>,
    pub note: Option<String>,
}

impl DevIn {
    /// The input for the store: the current file with the fields sent applied.
    fn apply(&self, r: &DevRecord) -> Result<DevInput, ApiError> {
        let mut problems = Vec::new();
        let mut input = DevInput {
            dates: Vec::new(),
            training_hours: self.training_hours.or(r.file.training_hours),
            votes: self
                .votes
                .map(|v| Votes {
                    entitled: v.entitled,
                    present: v.present,
                    in_favour: v.in_favour,
                })
                .or(r.file.votes),
            approval_org_id: self.approval_org_id.or(r.approval_org_id),
            conversion_approval_org_id: self
                .conversion_approval_org_id
                .or(r.conversion_approval_org_id),
            extension_reason: self
                .extension_reason
                .clone()
                .or_else(|| r.file.extension_reason.clone()),
            probation_extension_months: self
                .probation_extension_months
                .or(r.file.probation_extension_months),
            note: self.note.clone().or_else(|| r.note.clone()),
            talker: self.talker.clone().or_else(|| r.file.talker.clone()),
            upper_talker: self
                .upper_talker
                .clone()
                .or_else(|| r.file.upper_talker.clone()),
        };
        for (field, value) in &self.steps {
            let Some(step) = Step::parse_field(field) else {
                problems.push(FieldProblem {
                    field: format!("steps.{field}"),
                    message: "没有这个步骤".into(),
                });
                continue;
            };
            if value.trim().is_empty() {
                input.dates.push((step, None));
                continue;
            }
            match date_field(field, value) {
                Ok(d) => input.dates.push((step, Some(d))),
                Err(_) => problems.push(FieldProblem {
                    field: format!("steps.{field}"),
                    message: format!("{}：日期无法识别", step.label()),
                }),
            }
        }
        if let Some(h) = input.training_hours {
            if !(0.0..=1000.0).contains(&h) || h.is_nan() {
                problems.push(FieldProblem {
                    field: "training_hours".into(),
                    message: "学时应为 0 到 1000 之间的数字".into(),
                });
            }
        }
        if let Some(v) = input.votes {
            if [v.entitled, v.present, v.in_favour]
                .iter()
                .any(|n| !(0..=100_000).contains(n))
            {
                problems.push(FieldProblem {
                    field: "votes".into(),
                    message: "人数和票数应为 0 到 100000 之间的整数".into(),
                });
            }
        }
        if let Some(m) = input.probation_extension_months {
            if !(1..=12).contains(&m) {
                problems.push(FieldProblem {
                    field: "probation_extension_months".into(),
                    message: "延长预备期应为 1 到 12 个月（没有延长的请留空）".into(),
                });
            }
        }
        for (field, value, max) in [
            ("extension_reason", &input.extension_reason, 200),
            ("note", &input.note, 500),
            ("talker", &input.talker, 50),
            ("upper_talker", &input.upper_talker, 50),
        ] {
            if value.as_ref().is_some_and(|v| v.chars().count() > max) {
                problems.push(FieldProblem {
                    field: field.into(),
                    message: format!("最多 {max} 字"),
                });
            }
        }
        if problems.is_empty() {
            Ok(input)
        } else {
            Err(ApiError::invalid(problems))
        }
    }
}

/// Records steps and the other fields sent; returns the file with its findings after the check.
#[utoipa::path(put, path = "/api/v1/members/{id}/development", tag = "development",
    params(("id" = i64, Path)), request_body = DevIn,
    responses((status = 200, body = DevFileOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn save_file(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<DevIn>,
) -> ApiResult<DevFileOut> {
    let r = state.store.dev_record(&auth.scope, id).await?;
    let input = body.apply(&r)?;
    state
        .store
        .dev_save(&auth.actor, &auth.scope, id, body.version, &input)
        .await?;
    Ok(Json(file_out(&state, &auth, id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct AssessmentIn {
    pub on: String,
    #[serde(default)]
    pub note: Option<String>,
    /// true for an assessment during probation (预备期考察).
    #[serde(default)]
    pub probation: bool,
}

/// Records an assessment (考察).
#[utoipa::path(post, path = "/api/v1/members/{id}/development/assessments", tag = "development",
    params(("id" = i64, Path)), request_body = AssessmentIn,
    responses((status = 201, body = DevFileOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn add_assessment(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AssessmentIn>,
) -> Result<(StatusCode, Json<DevFileOut>), ApiError> {
    let on = date_field("on", &body.on)?;
    let note = xianfeng_domain::text::optional(body.note.as_deref().unwrap_or(""), 200)
        .map_err(|_| invalid_field("note", "考察情况最多 200 字"))?;
    state
        .store
        .dev_assessment_add(&auth.actor, &auth.scope, id, on, note, body.probation)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(file_out(&state, &auth, id).await?),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct SponsorIn {
    /// contact (培养联系人) or introducer (入党介绍人).
    pub role: String,
    /// A roster member by resident ID number (must have been a full member on the day
    /// named) …
    #[serde(default)]
    pub id_number: Option<String>,
    /// … or, for someone outside the system, the name only.
    #[serde(default)]
    pub name: String,
    pub named_on: String,
}

/// Names a cultivation contact or an introducer.
#[utoipa::path(post, path = "/api/v1/members/{id}/development/sponsors", tag = "development",
    params(("id" = i64, Path)), request_body = SponsorIn,
    responses((status = 201, body = DevFileOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn add_sponsor(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<SponsorIn>,
) -> Result<(StatusCode, Json<DevFileOut>), ApiError> {
    let role = SponsorRole::parse(body.role.trim()).ok_or_else(|| {
        invalid_field(
            "role",
            "应为 contact（培养联系人）或 introducer（入党介绍人）",
        )
    })?;
    let named_on = date_field("named_on", &body.named_on)?;
    let sponsor_id = match body
        .id_number
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(raw) => {
            let idn = xianfeng_domain::IdNumber::parse(raw)
                .map_err(|e| invalid_field("id_number", e.to_string()))?;
            Some(
                state
                    .store
                    .member_find_by_id_number(&auth.scope, &idn)
                    .await?
                    .map(|m| m.id)
                    .ok_or_else(|| invalid_field("id_number", SPONSOR_NOT_ON_ROSTER))?,
            )
        }
    };
    state
        .store
        .dev_sponsor_add(
            &auth.actor,
            &auth.scope,
            id,
            role,
            sponsor_id,
            &body.name,
            named_on,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(file_out(&state, &auth, id).await?),
    ))
}

/// Removes a contact or an introducer (to correct or replace one); audited.
#[utoipa::path(delete, path = "/api/v1/members/{id}/development/sponsors/{sponsor_id}", tag = "development",
    params(("id" = i64, Path), ("sponsor_id" = i64, Path)),
    responses((status = 200, body = DevFileOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn remove_sponsor(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiPath((id, sponsor_id)): ApiPath<(i64, i64)>,
) -> ApiResult<DevFileOut> {
    state
        .store
        .dev_sponsor_remove(&auth.actor, &auth.scope, id, sponsor_id)
        .await?;
    Ok(Json(file_out(&state, &auth, id).await?))
}
