//! Sessions: the signed-in person (`Auth`), the client address, the session cookie, and the
//! layer that loads the session, checks Origin and CSRF on every state-changing request and
//! sends a session that owes a password change or a second factor to the page that settles it.

use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use xianfeng_domain::scope::{Role, Scope};
use xianfeng_store::accounts::Account;
use xianfeng_store::audit::Actor;

use crate::error::AppError;
use crate::page::redirect_with;
use crate::{client_ip, is_unsafe, peer_of, AppState};

pub const SESSION_COOKIE: &str = "xf_session";

/// The signed-in person, put in the request by [`session_layer`].
#[derive(Clone)]
pub struct Auth {
    pub token: String,
    pub account: Account,
    pub scope: Scope,
    pub csrf: String,
    pub ip: Option<String>,
    pub totp_pending: bool,
    /// Unread notices, for the header.
    pub unread: i64,
}

impl Auth {
    pub fn actor(&self) -> Actor {
        Actor {
            account_id: Some(self.account.id),
            username: self.account.username.clone(),
            source_ip: self.ip.clone(),
        }
    }
    pub fn role(&self) -> Option<Role> {
        self.account.role()
    }
    /// Refuses unless the account holds one of the roles.
    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        match self.role() {
            Some(r) if roles.contains(&r) => Ok(()),
            _ => Err(AppError::Forbidden),
        }
    }
    pub fn may_write(&self) -> bool {
        matches!(
            self.scope,
            Scope::Subtree { write: true, .. } | Scope::Structure
        )
    }
}

/// The client address, put in every request.
#[derive(Clone, Debug)]
pub struct ClientIp(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        parts
            .extensions
            .get::<Arc<Auth>>()
            .map(|a| (**a).clone())
            .ok_or(AppError::Login)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<ClientIp>()
            .cloned()
            .unwrap_or(ClientIp(None)))
    }
}

/// Reads one cookie from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

pub(crate) fn session_cookie(token: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{secure}"
    ))
    .expect("token is url-safe")
}

pub(crate) fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static("xf_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

fn forbidden(msg: &str) -> Response {
    (StatusCode::FORBIDDEN, msg.to_string()).into_response()
}

/// Paths a session may use while it still owes a password change or a second factor.
fn always_allowed(path: &str) -> bool {
    path == "/logout"
}

/// Puts the client address in every request (pages, API and public routes alike).
pub async fn client_ip_layer(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let ip = client_ip(req.headers(), peer_of(&req), state.config.trust_proxy);
    req.extensions_mut().insert(ClientIp(ip));
    next.run(req).await
}

/// Loads the session, checks Origin and CSRF on every state-changing request, and sends a
/// session that owes a password change or a second factor to the page that settles it. It
/// wraps the pages only ([`crate::page_routes`]): the API authenticates by bearer token, and
/// the public routes ([`crate::public_routes`]) never see a session.
pub async fn session_layer(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let ip = req.extensions().get::<ClientIp>().and_then(|c| c.0.clone());
    let path = req.uri().path().to_string();
    if is_unsafe(req.method()) {
        // Cross-site form posts are refused by origin before anything else.
        if let (Some(origin), Some(host)) = (
            req.headers()
                .get(header::ORIGIN)
                .and_then(|v| v.to_str().ok()),
            req.headers()
                .get(header::HOST)
                .and_then(|v| v.to_str().ok()),
        ) {
            let origin_host = origin.split("://").nth(1).unwrap_or("");
            if origin_host != host {
                return forbidden("跨站请求已被拒绝");
            }
        }
    }
    let token = cookie(req.headers(), SESSION_COOKIE);
    let session = match &token {
        Some(t) => match state.store.session_get(t).await {
            Ok(s) => s,
            Err(e) => return AppError::from(e).into_response(),
        },
        None => None,
    };
    let Some(session) = session else {
        return next.run(req).await;
    };
    let scope = match state.store.scope_of(&session.account).await {
        Ok(s) => s,
        Err(e) => return AppError::from(e).into_response(),
    };
    let unread = state
        .store
        .unread_count(session.account.id)
        .await
        .unwrap_or(0);
    let auth = Auth {
        token: token.unwrap_or_default(),
        account: session.account,
        scope,
        csrf: session.csrf_token,
        ip,
        totp_pending: session.totp_pending,
        unread,
    };

    if is_unsafe(req.method()) {
        let (parts, body) = req.into_parts();
        let mut presented = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or_else(|| {
                parts.uri.query().and_then(|q| {
                    serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                        .ok()?
                        .into_iter()
                        .find(|(k, _)| k == "_csrf")
                        .map(|(_, v)| v)
                })
            });
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let is_form = content_type.starts_with("application/x-www-form-urlencoded");
        let is_multipart = content_type.starts_with("multipart/form-data");
        let body = if is_multipart && presented.is_none() {
            // Uploads carry the token as their first field, not in the address (where it
            // would end up in history and logs).
            let bytes = match to_bytes(body, MAX_MULTIPART).await {
                Ok(b) => b,
                Err(_) => {
                    return (StatusCode::PAYLOAD_TOO_LARGE, "文件过大（上限 20 MB）")
                        .into_response()
                }
            };
            presented = multipart_token(&bytes);
            Body::from(bytes)
        } else if is_form {
            let bytes = match to_bytes(body, state.config.body_limit).await {
                Ok(b) => b,
                Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "请求过大").into_response(),
            };
            if presented.is_none() {
                presented = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
                    .ok()
                    .and_then(|v| v.into_iter().find(|(k, _)| k == "_csrf").map(|(_, v)| v));
            }
            Body::from(bytes)
        } else {
            body
        };
        if !presented
            .as_deref()
            .is_some_and(|p| xianfeng_store::crypto::same_secret(p, &auth.csrf))
        {
            return forbidden("页面已失效（安全校验未通过），请刷新页面后重试");
        }
        req = Request::from_parts(parts, body);
    }

    if !always_allowed(&path) {
        if auth.totp_pending && path != "/login/totp" {
            return Redirect::to("/login/totp").into_response();
        }
        if !auth.totp_pending {
            let expired = state
                .store
                .password_expired(&auth.account)
                .await
                .unwrap_or(false);
            if (auth.account.must_change_password || expired) && path != "/password" {
                return Redirect::to("/password").into_response();
            }
            let is_admin = auth.role().is_some_and(|r| r.is_administrator());
            if is_admin
                && !auth.account.totp_enabled
                && path != "/account/totp"
                && path != "/password"
            {
                if let Ok(p) = state.store.policy().await {
                    if p.require_totp_for_admins {
                        return redirect_with(
                            "/account/totp",
                            "error",
                            "安全策略要求管理员启用两步验证",
                        );
                    }
                }
            }
        }
    }
    req.extensions_mut().insert(Arc::new(auth));
    next.run(req).await
}

/// Optional extractor: pages that work with and without a session.
impl<S: Send + Sync> axum::extract::OptionalFromRequestParts<S> for Auth {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<Arc<Auth>>().map(|a| (**a).clone()))
    }
}

/// The largest multipart body read here: the upload limit and room for the other fields.
const MAX_MULTIPART: usize = 20 * 1024 * 1024 + 64 * 1024;

/// The value of a multipart body's first field when that field is `_csrf`.
fn multipart_token(body: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(&body[..body.len().min(2048)]);
    let end_of_headers = head.find("\r\n\r\n")?;
    if !head[..end_of_headers].contains("name=\"_csrf\"") {
        return None;
    }
    let rest = &head[end_of_headers + 4..];
    Some(rest[..rest.find("\r\n")?].to_string())
}

#[cfg(test)]
mod multipart_tests {
    use super::multipart_token;

    #[test]
    fn the_token_is_read_from_the_first_field_only() {
        let body = b"--X\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\nabc123\r\n--X\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n1,2\r\n--X--\r\n";
        assert_eq!(multipart_token(body).as_deref(), Some("abc123"));
        let later = b"--X\r\nContent-Disposition: form-data; name=\"org\"\r\n\r\n5\r\n--X\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\nabc\r\n--X--\r\n";
        assert_eq!(multipart_token(later), None);
        assert_eq!(multipart_token(b""), None);
    }
}
