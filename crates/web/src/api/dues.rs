//! `/api/v1/dues`: a branch's month of party dues (who owes what, who paid), recording it, and
//! the collection of an upper organisation's sub-organisations. Amounts are in fen (分).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xianfeng_domain::dues::{month_label, month_of, yuan, DuesBase, DuesCategory, ReductionInput};
use xianfeng_domain::parse_year_month;
use xianfeng_store::dues::{DuesEntry, DuesLine, DuesRollup, ReductionRecord};
use xianfeng_store::orgs::Org;

use super::{
    date_field, invalid_field, work_org, ApiAuth, ApiError, ApiResult, ErrorBody, FieldProblem,
};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;

/// The largest amount accepted (100,000 yuan): larger figures are typing mistakes.
const MAX_FEN: i64 = 10_000_000;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_month, save_month))
        .routes(routes!(collection))
        .routes(routes!(list_reductions, add_reduction))
        .routes(routes!(withdraw_reduction))
}

#[derive(Serialize, ToSchema)]
pub struct DuesLineOut {
    pub member_id: i64,
    pub name: String,
    pub status: String,
    /// employed, retired, student, unemployed, farmer, relief; absent when no base is recorded.
    pub category: Option<String>,
    /// Monthly base income in fen (employed, retired).
    pub base_fen: Option<i64>,
    /// The amount a farmer pays, in fen.
    pub farmer_fen: Option<i64>,
    /// The amount owed this month in fen, when it can be computed …
    pub due_fen: Option<i64>,
    /// … or why it cannot.
    pub due_problem: Option<String>,
    pub paid_fen: Option<i64>,
    pub paid_on: Option<NaiveDate>,
    /// A reason for not paying or for paying less.
    pub reason: Option<String>,
    pub collector: Option<String>,
    /// Months before this one, since the branch began keeping dues here, with neither payment
    /// nor reason.
    pub unpaid_before: i32,
    /// The approved reduction or exemption covering the month, as text.
    pub reduction: Option<String>,
}

impl From<DuesLine> for DuesLineOut {
    fn from(l: DuesLine) -> Self {
        let paid = l.record.as_ref().filter(|r| r.paid_on.is_some());
        DuesLineOut {
            member_id: l.member_id,
            name: l.name,
            status: l.status,
            category: l.base.map(|b| b.category.code().to_string()),
            base_fen: l.base.and_then(|b| b.base),
            farmer_fen: l.base.and_then(|b| b.farmer_amount),
            due_fen: l.due.clone().ok(),
            due_problem: l.due.err(),
            paid_fen: paid.map(|r| r.amount),
            paid_on: paid.and_then(|r| r.paid_on),
            reason: l.record.as_ref().and_then(|r| r.reason.clone()),
            collector: l.collector,
            unpaid_before: l.unpaid_before,
            reduction: l.reduction.as_ref().map(|r| r.describe()),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DuesMonthOut {
    pub org_id: i64,
    /// 2026-05
    pub month: String,
    pub lines: Vec<DuesLineOut>,
}

async fn branch_month(
    state: &AppState,
    auth: &ApiAuth,
    org_id: i64,
    month: &str,
) -> Result<(Org, NaiveDate), ApiError> {
    let org = work_org(state, auth, Some(org_id), None).await?;
    if !org.kind().is_some_and(|k| k.is_branch()) {
        return Err(invalid_field(
            "org",
            "党费按党支部登记：请给出党支部，上级组织请用 collection 查看收缴情况",
        ));
    }
    let month = month_value(state, month)?;
    Ok((org, month))
}

fn month_value(state: &AppState, text: &str) -> Result<NaiveDate, ApiError> {
    let m =
        month_of(parse_year_month(text.trim()).map_err(|e| invalid_field("month", e.to_string()))?);
    if m > month_of(state.store.clock.today()) {
        return Err(invalid_field("month", "不能查看或登记以后月份的党费"));
    }
    Ok(m)
}

async fn month_out(
    state: &AppState,
    auth: &ApiAuth,
    org: &Org,
    month: NaiveDate,
) -> Result<DuesMonthOut, ApiError> {
    let lines = state.store.dues_month(&auth.scope, org, month).await?;
    Ok(DuesMonthOut {
        org_id: org.id,
        month: month_label(month),
        lines: lines.into_iter().map(Into::into).collect(),
    })
}

/// The members of a branch owing dues in a month, with what they owe and what is recorded.
#[utoipa::path(get, path = "/api/v1/dues/{org_id}/{month}", tag = "dues",
    params(("org_id" = i64, Path, description = "党支部"), ("month" = String, Path, description = "月份，如 2026-05")),
    responses((status = 200, body = DuesMonthOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn get_month(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiPath((org_id, month)): ApiPath<(i64, String)>,
) -> ApiResult<DuesMonthOut> {
    let (org, month) = branch_month(&state, &auth, org_id, &month).await?;
    Ok(Json(month_out(&state, &auth, &org, month).await?))
}

/// One member's entry for the month.
#[derive(Deserialize, ToSchema)]
pub struct DuesEntryIn {
    pub member_id: i64,
    /// employed, retired, student, unemployed, farmer, relief.
    pub category: String,
    /// Monthly base income in fen (employed, retired).
    #[serde(default)]
    pub base_fen: Option<i64>,
    /// What a farmer pays, in fen.
    #[serde(default)]
    pub farmer_fen: Option<i64>,
    /// Paid: the amount in fen and the day.
    #[serde(default)]
    pub paid_fen: Option<i64>,
    #[serde(default)]
    pub paid_on: Option<String>,
    /// Why nothing or less was paid (an approved reduction, a deferral).
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct DuesMonthIn {
    pub entries: Vec<DuesEntryIn>,
}

/// Records the month's entries (all or none); the check re-runs for those members.
#[utoipa::path(put, path = "/api/v1/dues/{org_id}/{month}", tag = "dues",
    params(("org_id" = i64, Path, description = "党支部"), ("month" = String, Path, description = "月份，如 2026-05")),
    request_body = DuesMonthIn,
    responses((status = 200, body = DuesMonthOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn save_month(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiPath((org_id, month)): ApiPath<(i64, String)>,
    ApiJson(body): ApiJson<DuesMonthIn>,
) -> ApiResult<DuesMonthOut> {
    let (org, month) = branch_month(&state, &auth, org_id, &month).await?;
    let mut problems = Vec::new();
    let mut entries = Vec::new();
    for (i, e) in body.entries.iter().enumerate() {
        let mut bad = |field: &str, message: String| {
            problems.push(FieldProblem {
                field: format!("entries[{i}].{field}"),
                message,
            })
        };
        let Some(category) = DuesCategory::parse(e.category.trim()) else {
            bad(
                "category",
                "计算类别应为 employed、retired、student、unemployed、farmer 或 relief".into(),
            );
            continue;
        };
        let fen_ok = |v: Option<i64>| v.is_none_or(|f| (0..=MAX_FEN).contains(&f));
        if !fen_ok(e.base_fen) || !fen_ok(e.farmer_fen) || !fen_ok(e.paid_fen) {
            bad("paid_fen", "金额应为 0 到 10000000 分之间".into());
            continue;
        }
        let paid = match (e.paid_fen, e.paid_on.as_deref().map(str::trim)) {
            (None, None | Some("")) => None,
            (Some(a), Some(d)) if !d.is_empty() => match date_field("paid_on", d) {
                Ok(on) => Some((a, on)),
                Err(_) => {
                    bad("paid_on", "缴纳日期无法识别".into());
                    continue;
                }
            },
            _ => {
                bad("paid_on", "实缴金额和缴纳日期应同时填写".into());
                continue;
            }
        };
        let reason = match xianfeng_domain::text::optional(e.reason.as_deref().unwrap_or(""), 100) {
            Ok(r) => r,
            Err(_) => {
                bad("reason", "原因最多 100 字".into());
                continue;
            }
        };
        entries.push(DuesEntry {
            member_id: e.member_id,
            base: DuesBase {
                category,
                base: if category == DuesCategory::Farmer {
                    None
                } else {
                    e.base_fen
                },
                farmer_amount: if category == DuesCategory::Farmer {
                    e.farmer_fen
                } else {
                    None
                },
            },
            paid,
            reason,
            collector: Some(auth.account.display_name.clone()),
        });
    }
    if !problems.is_empty() {
        return Err(ApiError::invalid(problems));
    }
    state
        .store
        .dues_save_month(&auth.actor, &auth.scope, &org, month, &entries)
        .await?;
    Ok(Json(month_out(&state, &auth, &org, month).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct CollectionQuery {
    /// Organisation id (default: the root of the caller's subtree).
    org: Option<i64>,
    /// Or its code.
    code: Option<String>,
    /// Month, e.g. 2026-05 (default: this month).
    month: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CollectionRow {
    pub org_id: i64,
    pub code: String,
    pub name: String,
    pub is_branch: bool,
    /// Branches in the sub-organisation's subtree, and how many keep dues here by the month.
    pub branches: i64,
    pub keeping: i64,
    pub members: i64,
    pub paid: i64,
    pub paid_fen: i64,
    /// Members six months or more in arrears without a reason (DUES-002).
    pub in_arrears: i64,
}

impl From<DuesRollup> for CollectionRow {
    fn from(r: DuesRollup) -> Self {
        CollectionRow {
            org_id: r.org_id,
            code: r.code,
            name: r.name,
            is_branch: r.is_branch,
            branches: r.branches,
            keeping: r.keeping,
            members: r.members,
            paid: r.paid,
            paid_fen: r.paid_fen,
            in_arrears: r.in_arrears,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CollectionOut {
    pub org_id: i64,
    pub month: String,
    /// One row per direct sub-organisation, rolled up over its subtree.
    pub rows: Vec<CollectionRow>,
}

/// The month's collection of an organisation's direct sub-organisations, each rolled up over
/// its subtree.
#[utoipa::path(get, path = "/api/v1/dues/collection", tag = "dues", params(CollectionQuery),
    responses((status = 200, body = CollectionOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn collection(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiQuery(q): ApiQuery<CollectionQuery>,
) -> ApiResult<CollectionOut> {
    let org = work_org(&state, &auth, q.org, q.code.as_deref()).await?;
    let month = match q.month.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => month_value(&state, m)?,
        None => month_of(state.store.clock.today()),
    };
    let rows = state.store.dues_rollup(&auth.scope, &org, month).await?;
    Ok(Json(CollectionOut {
        org_id: org.id,
        month: month_label(month),
        rows: rows.into_iter().map(Into::into).collect(),
    }))
}

/// An approved reduction or exemption (少交、免交党费).
#[derive(Serialize, ToSchema)]
pub struct ReductionOut {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    /// reduce (减交) or exempt (免交).
    pub kind: String,
    /// For a reduction: the monthly amount approved, in fen.
    pub amount_fen: Option<i64>,
    /// First and last month covered (2026-03); no last month: until withdrawn.
    pub from_month: String,
    pub to_month: Option<String>,
    pub approval_org_id: i64,
    pub approval_org_name: String,
    pub approved_on: NaiveDate,
    pub document_no: Option<String>,
    pub reason: String,
    /// Why it was withdrawn, when it was (it then excuses nothing).
    pub withdrawn_reason: Option<String>,
}

impl From<ReductionRecord> for ReductionOut {
    fn from(r: ReductionRecord) -> Self {
        ReductionOut {
            id: r.id,
            member_id: r.member_id,
            member_name: r.member_name,
            kind: r.reduction.kind.code().to_string(),
            amount_fen: r.reduction.amount,
            from_month: month_label(r.reduction.from),
            to_month: r.reduction.to.map(month_label),
            approval_org_id: r.approval_org_id,
            approval_org_name: r.reduction.approver,
            approved_on: r.reduction.approved_on,
            document_no: r.document_no,
            reason: r.reason,
            withdrawn_reason: r.withdrawn_reason,
        }
    }
}

async fn branch(state: &AppState, auth: &ApiAuth, org_id: i64) -> Result<Org, ApiError> {
    let org = work_org(state, auth, Some(org_id), None).await?;
    if !org.kind().is_some_and(|k| k.is_branch()) {
        return Err(invalid_field("org", "减免党费按党支部登记：请给出党支部"));
    }
    Ok(org)
}

/// The reductions and exemptions recorded for the members of a branch, withdrawn ones
/// included.
#[utoipa::path(get, path = "/api/v1/dues/{org_id}/reductions", tag = "dues",
    params(("org_id" = i64, Path, description = "党支部")),
    responses((status = 200, body = Vec<ReductionOut>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn list_reductions(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiPath(org_id): ApiPath<i64>,
) -> ApiResult<Vec<ReductionOut>> {
    let org = branch(&state, &auth, org_id).await?;
    let rows = state.store.dues_reductions(&auth.scope, &org).await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

/// A reduction or exemption approved by a committee above the branch.
#[derive(Deserialize, ToSchema)]
pub struct ReductionIn {
    pub member_id: i64,
    /// reduce (减交) or exempt (免交).
    pub kind: String,
    /// For a reduction: the monthly amount approved, in fen.
    #[serde(default)]
    pub amount_fen: Option<i64>,
    /// First month covered, e.g. 2026-03.
    pub from_month: String,
    /// Last month covered; absent: until withdrawn.
    #[serde(default)]
    pub to_month: Option<String>,
    /// The approving committee (上一级党委 or above).
    pub approval_org_id: i64,
    pub approved_on: String,
    #[serde(default)]
    pub document_no: Option<String>,
    pub reason: String,
}

/// Records an approved reduction or exemption; the check re-runs for the member.
#[utoipa::path(post, path = "/api/v1/dues/{org_id}/reductions", tag = "dues",
    params(("org_id" = i64, Path, description = "党支部")),
    request_body = ReductionIn,
    responses((status = 201, body = ReductionOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn add_reduction(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiPath(org_id): ApiPath<i64>,
    ApiJson(body): ApiJson<ReductionIn>,
) -> Result<(StatusCode, Json<ReductionOut>), ApiError> {
    let org = branch(&state, &auth, org_id).await?;
    if body.amount_fen.is_some_and(|f| !(0..=MAX_FEN).contains(&f)) {
        return Err(invalid_field("amount_fen", "金额应为 0 到 10000000 分之间"));
    }
    let input = ReductionInput {
        member_id: body.member_id,
        kind: body.kind,
        amount: body.amount_fen.map(yuan).unwrap_or_default(),
        from_month: body.from_month,
        to_month: body.to_month.unwrap_or_default(),
        approval_org_id: body.approval_org_id,
        approved_on: body.approved_on,
        document_no: body.document_no.unwrap_or_default(),
        reason: body.reason,
    };
    let fields = input
        .parse(state.store.clock.today())
        .map_err(|(field, message)| invalid_field(field, message))?;
    let id = state
        .store
        .dues_reduction_add(&auth.actor, &auth.scope, &org, &fields)
        .await?;
    let row = state
        .store
        .dues_reductions(&auth.scope, &org)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(ApiError::from(xianfeng_store::StoreError::NotFound(
            "没有这条减免记录",
        )))?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

#[derive(Deserialize, ToSchema)]
pub struct WithdrawIn {
    /// Why it is withdrawn (for example, entered in error).
    pub reason: String,
}

/// Withdraws a reduction entered in error: it is kept, marked, and excuses nothing more.
#[utoipa::path(post, path = "/api/v1/dues/reductions/{id}/withdraw", tag = "dues", params(("id" = i64, Path)),
    request_body = WithdrawIn,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn withdraw_reduction(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<WithdrawIn>,
) -> Result<StatusCode, ApiError> {
    state
        .store
        .dues_reduction_withdraw(&auth.actor, &auth.scope, id, &body.reason)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
