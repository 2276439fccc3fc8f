//! `/api/v1/findings`: the open findings of the compliance check for a subtree, filtered by
//! rule and severity, and their counts by rule and by direct sub-organisation.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xianfeng_domain::rules::{rule_title, Severity};
use xianfeng_store::compliance::{FindingFilter, StoredFinding};
use xianfeng_store::PageReq;

use super::{invalid_field, work_org, ApiAuth, ApiError, ApiResult, ErrorBody};
use crate::extract::ApiQuery;
use crate::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(counts))
}

#[derive(Deserialize, IntoParams)]
pub struct FindingQuery {
    /// Organisation id (default: the root of the caller's subtree); its whole subtree is listed.
    org: Option<i64>,
    /// Or the organisation code.
    code: Option<String>,
    /// A rule id, e.g. DEV-007.
    rule: Option<String>,
    /// error, warning or info.
    severity: Option<String>,
    /// true: only the findings that are deadlines (the to-do list).
    deadlines: Option<bool>,
    page: Option<u32>,
    per_page: Option<u32>,
}

fn filter(q: &FindingQuery) -> Result<FindingFilter, ApiError> {
    let rule = q
        .rule
        .as_deref()
        .map(|r| r.trim().to_ascii_uppercase())
        .filter(|r| !r.is_empty());
    if let Some(r) = &rule {
        if !xianfeng_domain::rules::is_rule(r) {
            return Err(invalid_field("rule", format!("没有编号为 {r} 的规则")));
        }
    }
    let severity = match q
        .severity
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(s) => Some(
            Severity::parse(s)
                .ok_or_else(|| invalid_field("severity", "级别应为 error、warning 或 info"))?
                .code()
                .to_string(),
        ),
        None => None,
    };
    Ok(FindingFilter {
        rule,
        severity,
        deadlines: q.deadlines.unwrap_or(false),
    })
}

#[derive(Serialize, ToSchema)]
pub struct FindingOut {
    pub id: i64,
    pub rule: String,
    pub rule_title: String,
    /// error, warning or info.
    pub severity: String,
    pub org_id: i64,
    pub org_code: String,
    pub org_name: String,
    /// person or org.
    pub subject_type: String,
    pub subject_id: i64,
    pub subject_name: String,
    pub message: String,
    /// The dates the finding is about, by name.
    #[schema(value_type = Object)]
    pub dates: serde_json::Value,
    /// The deadline, for findings that are deadlines.
    pub due_date: Option<NaiveDate>,
    pub first_seen_at: DateTime<Utc>,
}

impl From<StoredFinding> for FindingOut {
    fn from(f: StoredFinding) -> Self {
        FindingOut {
            rule_title: rule_title(&f.rule).to_string(),
            dates: serde_json::from_str(&f.dates).unwrap_or_else(|_| serde_json::json!({})),
            id: f.id,
            rule: f.rule,
            severity: f.severity,
            org_id: f.org_id,
            org_code: f.org_code,
            org_name: f.org_name,
            subject_type: f.subject_type,
            subject_id: f.subject_id,
            subject_name: f.subject_name,
            message: f.message,
            due_date: f.due_date,
            first_seen_at: f.first_seen_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct FindingPage {
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
    pub items: Vec<FindingOut>,
}

/// Open findings of the subtree, most severe and most urgent first.
#[utoipa::path(get, path = "/api/v1/findings", tag = "compliance", params(FindingQuery),
    responses((status = 200, body = FindingPage), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn list(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiQuery(q): ApiQuery<FindingQuery>,
) -> ApiResult<FindingPage> {
    let org = work_org(&state, &auth, q.org, q.code.as_deref()).await?;
    let f = filter(&q)?;
    let page = state
        .store
        .findings_list(&auth.scope, &org, &f, PageReq::new(q.page, q.per_page))
        .await?;
    Ok(Json(FindingPage {
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        items: page.items.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct RuleCountOut {
    pub rule: String,
    pub title: String,
    pub severity: String,
    pub count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct OrgCountOut {
    pub org_id: i64,
    pub name: String,
    pub errors: i64,
    pub warnings: i64,
}

#[derive(Serialize, ToSchema)]
pub struct FindingCounts {
    pub org_id: i64,
    /// Open findings of the subtree by rule.
    pub by_rule: Vec<RuleCountOut>,
    /// The direct sub-organisations with the open errors and warnings of their subtrees, most
    /// first (filtered like the list).
    pub by_org: Vec<OrgCountOut>,
}

/// Counts of open findings by rule and by direct sub-organisation.
#[utoipa::path(get, path = "/api/v1/findings/counts", tag = "compliance", params(FindingQuery),
    responses((status = 200, body = FindingCounts), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn counts(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiQuery(q): ApiQuery<FindingQuery>,
) -> ApiResult<FindingCounts> {
    let org = work_org(&state, &auth, q.org, q.code.as_deref()).await?;
    let f = filter(&q)?;
    let by_rule = state
        .store
        .findings_summary(&auth.scope, &org)
        .await?
        .into_iter()
        .filter(|c| f.rule.as_ref().is_none_or(|r| &c.rule == r))
        .filter(|c| f.severity.as_ref().is_none_or(|s| &c.severity == s))
        .map(|c| RuleCountOut {
            title: rule_title(&c.rule).to_string(),
            rule: c.rule,
            severity: c.severity,
            count: c.count,
        })
        .collect();
    let by_org = state
        .store
        .findings_ranking(&auth.scope, &org, &f)
        .await?
        .into_iter()
        .map(|r| OrgCountOut {
            org_id: r.org_id,
            name: r.name,
            errors: r.errors,
            warnings: r.warnings,
        })
        .collect();
    Ok(Json(FindingCounts {
        org_id: org.id,
        by_rule,
        by_org,
    }))
}
