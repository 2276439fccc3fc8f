//! Errors as the caller sees them. Pages: user errors carry a Chinese message; internal errors
//! are logged with their cause and shown only as "系统错误" with a reference number. The API's
//! JSON errors are in [`api`].

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use xianfeng_store::StoreError;

pub mod api;

pub use api::ApiError;

#[derive(Debug)]
pub enum AppError {
    NotFound(String),
    Forbidden,
    /// Not signed in: pages redirect to the login page.
    Login,
    Invalid(String),
    Conflict,
    Internal(String),
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(m) => AppError::NotFound(m.into()),
            StoreError::Forbidden => AppError::Forbidden,
            StoreError::Invalid { message, .. } => AppError::Invalid(message),
            StoreError::Conflict => AppError::Conflict,
            StoreError::Config(m) => AppError::Invalid(m),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

/// The reference shown to users and written to the log beside the cause: the request's id
/// (see [`crate::trace`]), which every log line of the request carries too.
pub fn reference() -> String {
    crate::trace::current_or_new()
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, title, message) = match &self {
            AppError::Login => return Redirect::to("/login").into_response(),
            AppError::NotFound(m) => (StatusCode::NOT_FOUND, "未找到", m.clone()),
            AppError::Forbidden => (
                StatusCode::FORBIDDEN,
                "无权访问",
                "您没有访问此页面或此记录的权限。".to_string(),
            ),
            AppError::Invalid(m) => (StatusCode::UNPROCESSABLE_ENTITY, "操作未完成", m.clone()),
            AppError::Conflict => (
                StatusCode::CONFLICT,
                "记录已变更",
                "记录已被他人修改，请返回刷新后重试。".to_string(),
            ),
            AppError::Internal(cause) => {
                let r = reference();
                tracing::error!(reference = %r, cause = %cause, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "系统错误",
                    format!("系统错误，请稍后重试。如问题持续，请将编号 {r} 告知系统管理员。"),
                )
            }
        };
        let page = ErrorPage {
            title,
            message: &message,
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, message).into_response(),
        }
    }
}

pub type PageResult = Result<Response, AppError>;
