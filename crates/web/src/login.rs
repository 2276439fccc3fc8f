//! Sign-in pages: login, the second factor at login, the one-time set-up link, password
//! changes, the account page and enrolling a second factor.

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use xianfeng_domain::password::PasswordPolicy;
use xianfeng_store::accounts::{parse_display_name, parse_username, Account, LoginOutcome};
use xianfeng_store::audit::AuditEvent;
use xianfeng_store::StoreError;

use crate::error::{AppError, PageResult};
use crate::extract::{Form, Query};
use crate::forms::Errors;
use crate::page::{redirect_with, render, PageCtx};
use crate::routes::Routes;
use crate::session::{clear_cookie, session_cookie, Auth, ClientIp};
use crate::AppState;

pub fn router() -> Routes {
    Routes::new()
        .get("/login", login_page)
        .post("/login", login_submit)
        .get("/login/totp", totp_page)
        .post("/login/totp", totp_submit)
        .post("/logout", logout)
        .get("/setup", setup_page)
        .post("/setup", setup_submit)
        .get("/password", password_page)
        .post("/password", password_submit)
        .get("/account", account_page)
        .get("/account/totp", totp_enrol_page)
        .post("/account/totp", totp_enrol_submit)
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
