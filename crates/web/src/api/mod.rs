//! The JSON API under `/api/v1`, authenticated with bearer tokens (`xianfeng admin token`).
//! Every handler is registered through utoipa's router, so `/api/openapi.json` cannot miss one.
//! Scope rules are the store's, exactly as for the web pages.
//!
//! One submodule per resource; this one keeps the router, the OpenAPI document, bearer
//! authentication ([`ApiAuth`]) and the helpers the resources share.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use chrono::NaiveDate;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use xianfeng_domain::dates::parse_date;
use xianfeng_domain::scope::Scope;
use xianfeng_store::accounts::Account;
use xianfeng_store::audit::Actor;
use xianfeng_store::orgs::Org;

use crate::session::ClientIp;
use crate::AppState;

mod development;
mod dues;
mod findings;
mod imports;
mod letters;
mod members;
mod orgs;
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
        .merge(orgs::routes())
        .merge(members::routes())
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
