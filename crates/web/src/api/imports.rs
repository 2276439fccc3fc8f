//! `/api/v1/imports`: importing a spreadsheet as one resource with a state, the way the upload
//! pages do it: the file is uploaded and checked (nothing written), the report is read, then
//! the import is confirmed. The same code as the pages and the command line runs each step.
//!
//! States: `checked` (every row passed; ready to commit), `rejected` (rows failed; for rosters
//! and organisation sheets it can still be committed with `accept_valid`, writing the valid
//! rows), `committing`, `committed`, `failed` (the commit found problems and wrote nothing).

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xianfeng_domain::scope::Scope;

use super::{invalid_field, ApiAuth, ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiPath, ApiQuery};
use crate::imports::{
    import_development, import_members, import_orgs, DevImport, ImportError, ImportReport,
    MemberImport, OrgImport,
};
use crate::AppState;

/// The largest file accepted, as on the upload pages.
const MAX_FILE: usize = 20 * 1024 * 1024;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(get_import))
        .routes(routes!(commit))
        .layer(DefaultBodyLimit::max(MAX_FILE + 64 * 1024))
}

#[derive(Deserialize, IntoParams)]
pub struct CreateQuery {
    /// members (党员名册), development (发展党员台账) or orgs (组织).
    kind: String,
    /// The organisation the rows go under (id); default: the root of the caller's subtree
    /// (for orgs sheets of the system administrator: the top level).
    org: Option<i64>,
    /// Members and organisations: commit the valid rows even when others fail.
    accept_valid: Option<bool>,
    /// The file's name, for the audit log (the type is read from the content).
    file_name: Option<String>,
}

/// What the import was asked to do, kept with the file.
#[derive(Serialize, Deserialize, Clone)]
struct Options {
    within: Option<String>,
    accept_valid: bool,
}

#[derive(Serialize, ToSchema)]
pub struct RowErrorOut {
    /// The row number Excel shows.
    pub row: usize,
    pub column: String,
    pub reason: String,
}

#[derive(Serialize, Deserialize, ToSchema, Default)]
pub struct ReportOut {
    pub total: usize,
    pub accepted: usize,
    #[schema(value_type = Vec<RowErrorOut>)]
    pub rejected: Vec<serde_json::Value>,
    pub committed: bool,
    pub created: usize,
    pub updated: usize,
    pub unknown_columns: Vec<String>,
}

impl From<&ImportReport> for ReportOut {
    fn from(r: &ImportReport) -> Self {
        ReportOut {
            total: r.total,
            accepted: r.accepted,
            rejected: r
                .rejected
                .iter()
                .map(|e| serde_json::json!({"row": e.row, "column": e.column, "reason": e.reason}))
                .collect(),
            committed: r.committed,
            created: r.created,
            updated: r.updated,
            unknown_columns: r.unknown_columns.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ImportOut {
    /// The import's id: keep it to read the report and commit (valid for an hour).
    pub id: String,
    pub kind: String,
    pub file_name: String,
    /// checked, rejected, committing, committed or failed.
    pub state: String,
    pub accept_valid: bool,
    pub report: ReportOut,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Members,
    Development,
    Orgs,
}

impl Kind {
    fn parse(s: &str) -> Option<Kind> {
        match s.trim() {
            "members" => Some(Kind::Members),
            "development" => Some(Kind::Development),
            "orgs" => Some(Kind::Orgs),
            _ => None,
        }
    }
    fn code(self) -> &'static str {
        match self {
            Kind::Members => "members",
            Kind::Development => "development",
            Kind::Orgs => "orgs",
        }
    }
}

/// Who may import what where: people for administrators of a subtree, organisations also for
/// the system administrator (at the top level or under any organisation).
async fn within(
    state: &AppState,
    auth: &ApiAuth,
    kind: Kind,
    org: Option<i64>,
) -> Result<Option<String>, ApiError> {
    let forbidden = || ApiError::new(StatusCode::FORBIDDEN, "forbidden", "无权导入到该组织");
    match (&auth.scope, kind) {
        (Scope::Structure, Kind::Orgs) => match org {
            Some(id) => Ok(Some(state.store.org_get(&auth.scope, id).await?.code)),
            None => Ok(None),
        },
        (Scope::Subtree { root_id, .. }, _) => {
            let o = state
                .store
                .org_get(&auth.scope, org.unwrap_or(*root_id))
                .await?;
            let allowed = match kind {
                Kind::Members | Kind::Development => auth.scope.may_write_member(&o.org_path()),
                Kind::Orgs => auth.scope.may_write_org(&o.org_path()),
            };
            if allowed {
                Ok(Some(o.code))
            } else {
                Err(forbidden())
            }
        }
        _ => Err(forbidden()),
    }
}

async fn run(
    state: &AppState,
    auth: &ApiAuth,
    kind: Kind,
    bytes: &[u8],
    opts: &Options,
    dry_run: bool,
    source: &str,
) -> Result<ImportReport, ApiError> {
    let r = match kind {
        Kind::Members => {
            import_members(
                &state.store,
                &auth.actor,
                bytes,
                &MemberImport {
                    within: opts.within.clone(),
                    dry_run,
                    accept_valid: opts.accept_valid,
                    source: source.to_string(),
                },
            )
            .await
        }
        Kind::Development => {
            import_development(
                &state.store,
                &auth.actor,
                bytes,
                &DevImport {
                    within: opts.within.clone(),
                    dry_run,
                },
            )
            .await
        }
        Kind::Orgs => {
            import_orgs(
                &state.store,
                &auth.actor,
                &auth.scope,
                bytes,
                &OrgImport {
                    within: opts.within.clone(),
                    dry_run,
                    accept_valid: opts.accept_valid,
                    source: source.to_string(),
                },
            )
            .await
        }
    };
    r.map_err(|e| match e {
        ImportError::File(m) => invalid_field("file", m),
        ImportError::Store(e) => e.into(),
    })
}

async fn out(state: &AppState, auth: &ApiAuth, id: &str) -> Result<ImportOut, ApiError> {
    let job = state
        .store
        .import_job_get(auth.account.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("导入不存在或已过期（一小时内有效）"))?;
    let options: Options = serde_json::from_str(&job.options)
        .map_err(|_| ApiError::not_found("导入不存在或已过期（一小时内有效）"))?;
    Ok(ImportOut {
        id: id.to_string(),
        kind: job.kind,
        file_name: job.file_name,
        state: job.state,
        accept_valid: options.accept_valid,
        report: serde_json::from_str(&job.report).unwrap_or_default(),
        created_at: job.created_at,
    })
}

/// Uploads a file (the request body: XLSX, XLS or CSV) and checks it; nothing is written yet.
#[utoipa::path(post, path = "/api/v1/imports", tag = "imports", params(CreateQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "文件内容（XLSX、XLS，或 UTF-8 / GB18030 编码的 CSV），最大 20 MB"),
    responses((status = 201, body = ImportOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn create(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiQuery(q): ApiQuery<CreateQuery>,
    body: Bytes,
) -> Result<(StatusCode, Json<ImportOut>), ApiError> {
    let kind = Kind::parse(&q.kind)
        .ok_or_else(|| invalid_field("kind", "应为 members、development 或 orgs"))?;
    if body.is_empty() {
        return Err(invalid_field("file", "请求中没有文件内容"));
    }
    let opts = Options {
        within: within(&state, &auth, kind, q.org).await?,
        accept_valid: q.accept_valid.unwrap_or(false) && kind != Kind::Development,
    };
    let file_name: String = q
        .file_name
        .as_deref()
        .map(xianfeng_domain::text::clean)
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "接口上传".into())
        .chars()
        .take(100)
        .collect();
    let report = run(&state, &auth, kind, &body, &opts, true, &file_name).await?;
    let job_state = if report.rejected.is_empty() {
        "checked"
    } else {
        "rejected"
    };
    let id = state
        .store
        .import_job_create(
            auth.account.id,
            kind.code(),
            &file_name,
            &body,
            job_state,
            &serde_json::to_string(&opts).unwrap_or_default(),
            &serde_json::to_string(&ReportOut::from(&report)).unwrap_or_default(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(out(&state, &auth, &id).await?)))
}

/// An import's state and its last report (the check's, or the commit's).
#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = "imports", params(("id" = String, Path)),
    responses((status = 200, body = ImportOut), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn get_import(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ImportOut> {
    Ok(Json(out(&state, &auth, &id).await?))
}

/// Commits a checked import, all or nothing (with `accept_valid`: the valid rows). The data is
/// checked again as it is now; if anything fails, nothing is written and the state is `failed`.
#[utoipa::path(post, path = "/api/v1/imports/{id}/commit", tag = "imports", params(("id" = String, Path)),
    responses((status = 200, body = ImportOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn commit(
    State(state): State<AppState>,
    auth: ApiAuth,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ImportOut> {
    let job = out(&state, &auth, &id).await?;
    let kind = Kind::parse(&job.kind).ok_or_else(|| ApiError::not_found("导入不存在"))?;
    let ready: &[&str] = if job.accept_valid {
        &["checked", "rejected"]
    } else {
        &["checked"]
    };
    if !ready.contains(&job.state.as_str()) {
        return Err(match job.state.as_str() {
            "rejected" => invalid_field(
                "state",
                "检查发现出错的行，不能导入：修正文件后重新上传（名册和组织可在上传时加 accept_valid=true 只导入正确的行）",
            ),
            "committed" => ApiError::new(StatusCode::CONFLICT, "conflict", "已经导入过"),
            "committing" => ApiError::new(StatusCode::CONFLICT, "conflict", "正在导入"),
            _ => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                "导入未能完成，请修正文件后重新上传",
            ),
        });
    }
    if !state.store.import_job_claim(&id, ready).await? {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            "正在导入或已经导入",
        ));
    }
    // The options the file was checked with; without them nothing runs (never the whole tree).
    let options: Option<Options> = state
        .store
        .import_job_get(auth.account.id, &id)
        .await?
        .and_then(|j| serde_json::from_str(&j.options).ok())
        .filter(|o: &Options| o.within.is_some() || matches!(auth.scope, Scope::Structure));
    let Some(options) = options else {
        state
            .store
            .import_job_update(&id, "failed", "{}", None, true)
            .await?;
        return Err(ApiError::not_found("导入不存在或已过期（一小时内有效）"));
    };
    let bytes = state
        .store
        .import_job_file(auth.account.id, &id)
        .await?
        .unwrap_or_default();
    let result = run(&state, &auth, kind, &bytes, &options, false, &job.file_name).await;
    match result {
        Ok(report) => {
            let new_state = if report.committed {
                "committed"
            } else {
                "failed"
            };
            state
                .store
                .import_job_update(
                    &id,
                    new_state,
                    &serde_json::to_string(&ReportOut::from(&report)).unwrap_or_default(),
                    None,
                    report.committed,
                )
                .await?;
        }
        Err(e) => {
            state
                .store
                .import_job_update(
                    &id,
                    "failed",
                    &serde_json::to_string(&job.report).unwrap_or_default(),
                    None,
                    false,
                )
                .await?;
            return Err(e);
        }
    }
    Ok(Json(out(&state, &auth, &id).await?))
}
