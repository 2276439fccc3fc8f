//! Sign-in, sessions, CSRF, the one-time set-up link, password changes and the second factor.

use std::sync::Arc;

use crate::extract::Form;
use crate::extract::Query;
use askama::Template;
use axum::body::{to_bytes, Body};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use xianfeng_domain::password::PasswordPolicy;
use xianfeng_domain::scope::{Role, Scope};
use xianfeng_store::accounts::{parse_display_name, parse_username, Account, LoginOutcome};
use xianfeng_store::audit::{Actor, AuditEvent};
use xianfeng_store::StoreError;

use crate::error::{AppError, PageResult};
use crate::forms::Errors;
use crate::page::{redirect_with, render, PageCtx};
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

fn session_cookie(token: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{secure}"
    ))
    .expect("token is url-safe")
}

fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static("xf_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

fn forbidden(msg: &str) -> Response {
    (StatusCode::FORBIDDEN, msg.to_string()).into_response()
}

/// Paths a session may use while it still owes a password change or a second factor.
fn always_allowed(path: &str) -> bool {
    path == "/logout" || path.starts_with("/static/") || path == "/healthz"
}

/// Loads the session, checks Origin and CSRF on every state-changing request, and sends a
/// session that owes a password change or a second factor to the page that settles it.
pub async fn session_layer(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let ip = client_ip(req.headers(), peer_of(&req), state.config.trust_proxy);
    req.extensions_mut().insert(ClientIp(ip.clone()));
    let path = req.uri().path().to_string();
    if path.starts_with("/api/") {
        return next.run(req).await;
    }
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
    let auth = Auth {
        token: token.unwrap_or_default(),
        account: session.account,
        scope,
        csrf: session.csrf_token,
        ip,
        totp_pending: session.totp_pending,
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

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login_submit))
        .route("/login/totp", get(totp_page).post(totp_submit))
        .route("/logout", axum::routing::post(logout))
        .route("/setup", get(setup_page).post(setup_submit))
        .route("/password", get(password_page).post(password_submit))
        .route("/account", get(account_page))
        .route(
            "/account/totp",
            get(totp_enrol_page).post(totp_enrol_submit),
        )
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    username: String,
    error: Option<String>,
    needs_setup: bool,
    notice: Option<crate::page::Flash>,
}

async fn login_page(
    State(state): State<AppState>,
    auth: Option<Auth>,
    headers: HeaderMap,
) -> PageResult {
    if auth.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    let needs_setup = state.store.account_count().await? == 0;
    let notice = crate::page::read_flash(&headers);
    let had = notice.is_some();
    render(
        &LoginPage {
            username: String::new(),
            error: None,
            needs_setup,
            notice,
        },
        had,
    )
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

async fn login_submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Form(f): Form<LoginForm>,
) -> PageResult {
    let username: String = f.username.chars().take(64).collect();
    let password: String = f.password.chars().take(256).collect();
    match state.store.login(ip.clone(), &username, &password).await? {
        LoginOutcome::Success(acc) => {
            let pending = acc.totp_enabled;
            let (token, _) = state.store.session_create(acc.id, ip, pending).await?;
            let to = if pending {
                "/login/totp"
            } else if acc.must_change_password {
                "/password"
            } else {
                "/"
            };
            let mut res = Redirect::to(to).into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                session_cookie(&token, state.config.secure),
            );
            Ok(res)
        }
        LoginOutcome::Failed => {
            let p = state.store.policy().await?;
            let page = LoginPage {
                username,
                error: Some(format!(
                    "用户名或密码错误。连续失败 {} 次后账号将锁定 {} 分钟。",
                    p.lockout_threshold, p.lockout_minutes
                )),
                needs_setup: false,
                notice: None,
            };
            let mut res = render(&page, false)?;
            *res.status_mut() = StatusCode::UNAUTHORIZED;
            Ok(res)
        }
    }
}

async fn logout(State(state): State<AppState>, auth: Auth) -> PageResult {
    state.store.session_end(&auth.token).await?;
    state
        .store
        .audit_now(
            &auth.actor(),
            AuditEvent::ok("auth.logout", "退出登录").on("account", auth.account.id),
        )
        .await?;
    let mut res = redirect_with("/login", "ok", "您已安全退出");
    res.headers_mut().append(header::SET_COOKIE, clear_cookie());
    Ok(res)
}

#[derive(Template)]
#[template(path = "totp_login.html")]
struct TotpLoginPage {
    csrf: String,
    error: Option<String>,
}

async fn totp_page(auth: Auth) -> PageResult {
    if !auth.totp_pending {
        return Ok(Redirect::to("/").into_response());
    }
    render(
        &TotpLoginPage {
            csrf: auth.csrf,
            error: None,
        },
        false,
    )
}

#[derive(Deserialize)]
struct CodeForm {
    code: String,
}

async fn totp_submit(
    State(state): State<AppState>,
    auth: Auth,
    Form(f): Form<CodeForm>,
) -> PageResult {
    if state
        .store
        .session_totp(&auth.actor(), &auth.token, &f.code)
        .await?
    {
        let to = if auth.account.must_change_password {
            "/password"
        } else {
            "/"
        };
        return Ok(Redirect::to(to).into_response());
    }
    let mut res = render(
        &TotpLoginPage {
            csrf: auth.csrf,
            error: Some("验证码不正确，请重新输入".into()),
        },
        false,
    )?;
    *res.status_mut() = StatusCode::UNAUTHORIZED;
    Ok(res)
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    token: String,
    username: String,
    display_name: String,
    errors: Errors,
    policy_hint: String,
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

async fn setup_page(State(state): State<AppState>, Query(q): Query<TokenQuery>) -> PageResult {
    if state.store.account_count().await? > 0 {
        return Ok(redirect_with(
            "/login",
            "ok",
            "系统已完成初始化，请直接登录",
        ));
    }
    let token = q.token.unwrap_or_default();
    if token.is_empty() || !state.store.setup_token_valid(&token).await? {
        return Err(AppError::Invalid(
            "设置链接无效或已过期。系统首次启动时会在终端打印一次性设置链接；如需新的链接，请重新启动服务。".into(),
        ));
    }
    render(
        &SetupPage {
            token,
            username: String::new(),
            display_name: String::new(),
            errors: Errors::new(),
            policy_hint: PasswordPolicy::default().describe(),
        },
        false,
    )
}

#[derive(Deserialize)]
struct SetupForm {
    token: String,
    username: String,
    display_name: String,
    password: String,
    password2: String,
}

async fn setup_submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Form(f): Form<SetupForm>,
) -> PageResult {
    // Every problem at once.
    let mut errors = Errors::new();
    if let Err(StoreError::Invalid { field, message }) = parse_username(&f.username) {
        errors.add(field, &message);
    }
    if let Err(StoreError::Invalid { field, message }) = parse_display_name(&f.display_name) {
        errors.add(field, &message);
    }
    if let Err(e) = PasswordPolicy::default().check(&f.password, f.username.trim()) {
        errors.add("password", &e.to_string());
    }
    if f.password != f.password2 {
        errors.add("password2", "两次输入的密码不一致");
    }
    if errors.is_empty() {
        match state
            .store
            .setup_complete(
                ip.clone(),
                &f.token,
                &f.username,
                &f.display_name,
                &f.password,
            )
            .await
        {
            Ok(acc) => {
                let (token, _) = state.store.session_create(acc.id, ip, false).await?;
                let mut res = redirect_with(
                    "/",
                    "ok",
                    "系统管理员账号已创建。下一步：建立组织架构，并创建安全管理员、审计管理员账号。",
                );
                res.headers_mut().append(
                    header::SET_COOKIE,
                    session_cookie(&token, state.config.secure),
                );
                return Ok(res);
            }
            Err(StoreError::Invalid { field, message }) => errors.add(field, &message),
            Err(e) => return Err(e.into()),
        }
    }
    let page = SetupPage {
        token: f.token.clone(),
        username: f.username.clone(),
        display_name: f.display_name.clone(),
        errors,
        policy_hint: PasswordPolicy::default().describe(),
    };
    let mut res = render(&page, false)?;
    *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    ctx: PageCtx,
    forced: bool,
    error: Option<String>,
    policy_hint: String,
}

async fn password_page(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
) -> PageResult {
    let forced =
        auth.account.must_change_password || state.store.password_expired(&auth.account).await?;
    let ctx = PageCtx::new(&auth, &headers, "/account", "修改密码");
    let had = ctx.flash.is_some();
    render(
        &PasswordPage {
            ctx,
            forced,
            error: None,
            policy_hint: PasswordPolicy::default().describe(),
        },
        had,
    )
}

#[derive(Deserialize)]
struct PasswordForm {
    current: String,
    new: String,
    new2: String,
}

async fn password_submit(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Form(f): Form<PasswordForm>,
) -> PageResult {
    let result = if f.new != f.new2 {
        Err(StoreError::invalid("new2", "两次输入的新密码不一致"))
    } else {
        state
            .store
            .password_change(&auth.actor(), auth.account.id, &f.current, &f.new)
            .await
    };
    match result {
        Ok(()) => {
            // The old sessions are gone: start a fresh one (renewed on privilege change).
            let (token, _) = state
                .store
                .session_create(auth.account.id, auth.ip.clone(), false)
                .await?;
            let mut res = redirect_with("/", "ok", "密码已修改");
            res.headers_mut().append(
                header::SET_COOKIE,
                session_cookie(&token, state.config.secure),
            );
            Ok(res)
        }
        Err(StoreError::Invalid { message, .. }) => {
            let forced = auth.account.must_change_password;
            let ctx = PageCtx::new(&auth, &headers, "/account", "修改密码");
            let mut res = render(
                &PasswordPage {
                    ctx,
                    forced,
                    error: Some(message),
                    policy_hint: PasswordPolicy::default().describe(),
                },
                false,
            )?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    ctx: PageCtx,
    account: Account,
    is_admin: bool,
}

async fn account_page(auth: Auth, headers: HeaderMap) -> PageResult {
    let ctx = PageCtx::new(&auth, &headers, "/account", "个人设置");
    let had = ctx.flash.is_some();
    let is_admin = auth.role().is_some_and(|r| r.is_administrator());
    render(
        &AccountPage {
            ctx,
            account: auth.account.clone(),
            is_admin,
        },
        had,
    )
}

#[derive(Template)]
#[template(path = "totp_enrol.html")]
struct TotpEnrolPage {
    ctx: PageCtx,
    secret: String,
    uri: String,
    enabled: bool,
    error: Option<String>,
}

async fn totp_enrol_page(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
) -> PageResult {
    let ctx = PageCtx::new(&auth, &headers, "/account", "两步验证");
    let had = ctx.flash.is_some();
    let (secret, enabled) = if auth.account.totp_enabled {
        (String::new(), true)
    } else {
        (
            match state.store.totp_pending_secret(&auth.account)? {
                Some(s) => s,
                None => state.store.totp_begin(auth.account.id).await?,
            },
            false,
        )
    };
    let uri = format!(
        "otpauth://totp/Xianfeng:{}?secret={secret}&issuer=Xianfeng",
        auth.account.username
    );
    render(
        &TotpEnrolPage {
            ctx,
            secret,
            uri,
            enabled,
            error: None,
        },
        had,
    )
}

async fn totp_enrol_submit(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Form(f): Form<CodeForm>,
) -> PageResult {
    match state
        .store
        .totp_confirm(&auth.actor(), auth.account.id, &f.code)
        .await
    {
        Ok(()) => Ok(redirect_with(
            "/account",
            "ok",
            "两步验证已启用，下次登录时需输入验证器中的 6 位验证码",
        )),
        Err(StoreError::Invalid { message, .. }) => {
            let ctx = PageCtx::new(&auth, &headers, "/account", "两步验证");
            let secret = state
                .store
                .totp_pending_secret(&auth.account)?
                .unwrap_or_default();
            let uri = format!(
                "otpauth://totp/Xianfeng:{}?secret={secret}&issuer=Xianfeng",
                auth.account.username
            );
            render(
                &TotpEnrolPage {
                    ctx,
                    secret,
                    uri,
                    enabled: false,
                    error: Some(message),
                },
                false,
            )
        }
        Err(e) => Err(e.into()),
    }
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
