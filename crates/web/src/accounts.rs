//! Account administration, split by the three administrator roles (三员分立):
//! the system administrator creates accounts (and the administrator accounts' roles), resets
//! passwords and disables accounts; the security administrator grants work roles and scopes,
//! unlocks accounts, clears second factors and sets the security policy.

use crate::extract::Form;
use crate::extract::Path;
use crate::routes::Routes;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use xianfeng_domain::password::PasswordPolicy;
use xianfeng_domain::scope::{Role, Scope};
use xianfeng_domain::IdNumber;
use xianfeng_store::accounts::{parse_display_name, parse_username, AccountRow, RoleGrant};
use xianfeng_store::settings::Policy;
use xianfeng_store::StoreError;

use crate::error::{AppError, PageResult};
use crate::forms::Errors;
use crate::page::{redirect_with, render, PageCtx};
use crate::session::Auth;
use crate::AppState;

pub fn router() -> Routes {
    Routes::new()
        .get("/admin/accounts", list)
        .get("/admin/accounts/new", new_page)
        .post("/admin/accounts/new", new_submit)
        .get("/admin/accounts/{id}/role", role_page)
        .post("/admin/accounts/{id}/role", role_submit)
        .post("/admin/accounts/{id}/disable", disable)
        .post("/admin/accounts/{id}/enable", enable)
        .post("/admin/accounts/{id}/reset", reset)
        .post("/admin/accounts/{id}/unlock", unlock)
        .post("/admin/accounts/{id}/totp-reset", totp_reset)
        .get("/admin/policy", policy_page)
        .post("/admin/policy", policy_submit)
}

/// Roles the system administrator may give at creation: the administrator roles.
const ADMIN_ROLES: &[Role] = &[Role::SystemAdmin, Role::SecurityAdmin, Role::AuditAdmin];
/// Roles the security administrator grants.
const WORK_ROLES: &[Role] = &[Role::OrgAdmin, Role::OrgViewer, Role::Member];

#[derive(Template)]
#[template(path = "admin/accounts.html")]
struct ListPage {
    ctx: PageCtx,
    accounts: Vec<AccountRow>,
    is_system: bool,
    is_security: bool,
    now: chrono::DateTime<chrono::Utc>,
    me: i64,
}

async fn list(State(state): State<AppState>, auth: Auth, headers: HeaderMap) -> PageResult {
    auth.require(&[Role::SystemAdmin, Role::SecurityAdmin])?;
    let accounts = state.store.account_list().await?;
    let ctx = PageCtx::new(&auth, &headers, "/admin/accounts", "账号管理");
    let had = ctx.flash.is_some();
    render(
        &ListPage {
            ctx,
            accounts,
            is_system: auth.role() == Some(Role::SystemAdmin),
            is_security: auth.role() == Some(Role::SecurityAdmin),
            now: state.store.clock.now(),
            me: auth.account.id,
        },
        had,
    )
}

#[derive(Deserialize, Default, Clone)]
struct NewForm {
    username: String,
    display_name: String,
    password: String,
    #[serde(default)]
    role: String,
}

#[derive(Template)]
#[template(path = "admin/account_new.html")]
struct NewPage {
    ctx: PageCtx,
    f: NewForm,
    errors: Errors,
    roles: &'static [Role],
    hint: String,
}

async fn new_page(auth: Auth, headers: HeaderMap) -> PageResult {
    auth.require(&[Role::SystemAdmin])?;
    let ctx = PageCtx::new(&auth, &headers, "/admin/accounts", "新建账号");
    render(
        &NewPage {
            ctx,
            f: NewForm::default(),
            errors: Errors::new(),
            roles: ADMIN_ROLES,
            hint: PasswordPolicy::default().describe(),
        },
        false,
    )
}

async fn new_submit(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Form(f): Form<NewForm>,
) -> PageResult {
    auth.require(&[Role::SystemAdmin])?;
    let role = match f.role.as_str() {
        "" => None,
        r => match Role::parse(r) {
            Some(r) if ADMIN_ROLES.contains(&r) => Some(r),
            _ => return Err(AppError::Forbidden),
        },
    };
    let grant = RoleGrant {
        role,
        org_id: None,
        member_id: None,
    };
    // Every problem at once, before the store checks them again.
    let mut pre = Errors::new();
    if let Err(StoreError::Invalid { field, message }) = parse_username(&f.username) {
        pre.add(field, &message);
    }
    if let Err(StoreError::Invalid { field, message }) = parse_display_name(&f.display_name) {
        pre.add(field, &message);
    }
    if let Err(e) = PasswordPolicy::default().check(&f.password, f.username.trim()) {
        pre.add("password", &e.to_string());
    }
    if !pre.is_empty() {
        let ctx = PageCtx::new(&auth, &headers, "/admin/accounts", "新建账号");
        let page = NewPage {
            ctx,
            f: NewForm {
                password: String::new(),
                ..f
            },
            errors: pre,
            roles: ADMIN_ROLES,
            hint: PasswordPolicy::default().describe(),
        };
        let mut res = render(&page, false)?;
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(res);
    }
    match state
        .store
        .account_create(
            &auth.actor(),
            &f.username,
            &f.display_name,
            &f.password,
            grant,
        )
        .await
    {
        Ok(a) => Ok(redirect_with(
            "/admin/accounts",
            "ok",
            &format!(
                "已新建账号 {}，请将临时密码当面告知本人，首次登录须修改。{}",
                a.username,
                if role.is_none() {
                    "党务角色由安全管理员分配。"
                } else {
                    ""
                }
            ),
        )),
        Err(StoreError::Invalid { field, message }) => {
            let mut errors = Errors::new();
            errors.add(field, &message);
            let ctx = PageCtx::new(&auth, &headers, "/admin/accounts", "新建账号");
            let mut res = render(
                &NewPage {
                    ctx,
                    f: NewForm {
                        password: String::new(),
                        ..f
                    },
                    errors,
                    roles: ADMIN_ROLES,
                    hint: PasswordPolicy::default().describe(),
                },
                false,
            )?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default, Clone)]
struct RoleForm {
    role: String,
    #[serde(default)]
    org_code: String,
    #[serde(default)]
    member_id_number: String,
}

#[derive(Template)]
#[template(path = "admin/account_role.html")]
struct RolePage {
    ctx: PageCtx,
    orgs: Vec<xianfeng_store::orgs::Org>,
    row: AccountRow,
    f: RoleForm,
    errors: Errors,
    roles: &'static [Role],
}

async fn find_row(state: &AppState, id: i64) -> Result<AccountRow, AppError> {
    state
        .store
        .account_list()
        .await?
        .into_iter()
        .find(|a| a.account.id == id)
        .ok_or_else(|| AppError::NotFound("账号不存在".into()))
}

async fn role_page(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult {
    auth.require(&[Role::SecurityAdmin])?;
    let row = find_row(&state, id).await?;
    if row.account.role().is_some_and(|r| r.is_administrator()) {
        return Err(AppError::Invalid("管理员账号的角色不在此调整".into()));
    }
    let org_code = match row.account.org_id {
        Some(oid) => state
            .store
            .org_get(&Scope::Structure, oid)
            .await
            .map(|o| o.code)
            .unwrap_or_default(),
        None => String::new(),
    };
    let f = RoleForm {
        role: row.account.role.clone().unwrap_or_default(),
        org_code,
        member_id_number: String::new(),
    };
    let ctx = PageCtx::new(&auth, &headers, "/admin/accounts", "分配角色");
    render(
        &RolePage {
            ctx,
            orgs: org_choices(&state).await?,
            row,
            f,
            errors: Errors::new(),
            roles: WORK_ROLES,
        },
        false,
    )
}

async fn role_submit(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<RoleForm>,
) -> PageResult {
    auth.require(&[Role::SecurityAdmin])?;
    let row = find_row(&state, id).await?;
    if row.account.role().is_some_and(|r| r.is_administrator()) {
        return Err(AppError::Forbidden);
    }
    let mut errors = Errors::new();
    let role = match f.role.as_str() {
        "" => None,
        r => match Role::parse(r) {
            Some(r) if WORK_ROLES.contains(&r) => Some(r),
            _ => return Err(AppError::Forbidden),
        },
    };
    let mut grant = RoleGrant {
        role,
        org_id: None,
        member_id: None,
    };
    if role.is_some_and(|r| r.needs_org()) && f.org_code.trim().is_empty() {
        errors.add("org_code", "党务角色须填写管理的组织代码");
    } else if role.is_some_and(|r| r.needs_org()) {
        match state
            .store
            .org_by_code(&Scope::Structure, &f.org_code)
            .await
        {
            Ok(o) => grant.org_id = Some(o.id),
            Err(_) => errors.add("org_code", "找不到该组织代码"),
        }
    }
    if role == Some(Role::Member) && f.member_id_number.trim().is_empty() {
        errors.add(
            "member_id_number",
            "党员角色须填写本人身份证号，以关联本人档案",
        );
    } else if role == Some(Role::Member) {
        match IdNumber::parse(&f.member_id_number) {
            Ok(idn) => match state.store.member_id_for_binding(&idn).await? {
                Some(mid) => grant.member_id = Some(mid),
                None => errors.add("member_id_number", "系统中没有该身份证号的党员档案"),
            },
            Err(e) => errors.add("member_id_number", &e.to_string()),
        }
    }
    if errors.is_empty() {
        match state.store.account_set_role(&auth.actor(), id, grant).await {
            Ok(()) => {
                return Ok(redirect_with(
                    "/admin/accounts",
                    "ok",
                    &format!("已调整 {} 的角色", row.account.username),
                ))
            }
            Err(StoreError::Invalid { field, message }) => errors.add(field, &message),
            Err(e) => return Err(e.into()),
        }
    }
    let ctx = PageCtx::new(&auth, &headers, "/admin/accounts", "分配角色");
    let mut res = render(
        &RolePage {
            ctx,
            orgs: org_choices(&state).await?,
            row,
            f,
            errors,
            roles: WORK_ROLES,
        },
        false,
    )?;
    *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

/// Organisations to pick from (a list under the code field); capped for very large trees.
async fn org_choices(state: &AppState) -> Result<Vec<xianfeng_store::orgs::Org>, AppError> {
    let mut all = state.store.org_all(&Scope::Structure).await?;
    all.truncate(3000);
    Ok(all)
}

fn back(result: Result<(), StoreError>, ok: &str) -> PageResult {
    match result {
        Ok(()) => Ok(redirect_with("/admin/accounts", "ok", ok)),
        Err(StoreError::Invalid { message, .. }) => {
            Ok(redirect_with("/admin/accounts", "error", &message))
        }
        Err(e) => Err(e.into()),
    }
}

async fn disable(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> PageResult {
    auth.require(&[Role::SystemAdmin])?;
    back(
        state
            .store
            .account_set_disabled(&auth.actor(), id, true)
            .await,
        "账号已停用",
    )
}

async fn enable(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> PageResult {
    auth.require(&[Role::SystemAdmin])?;
    back(
        state
            .store
            .account_set_disabled(&auth.actor(), id, false)
            .await,
        "账号已启用",
    )
}

#[derive(Deserialize)]
struct ResetForm {
    password: String,
}

async fn reset(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<ResetForm>,
) -> PageResult {
    auth.require(&[Role::SystemAdmin])?;
    back(
        state
            .store
            .account_reset_password(&auth.actor(), id, &f.password)
            .await,
        "密码已重置为临时密码，本人下次登录须修改",
    )
}

async fn unlock(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> PageResult {
    auth.require(&[Role::SecurityAdmin])?;
    back(
        state.store.account_unlock(&auth.actor(), id).await,
        "账号已解锁",
    )
}

async fn totp_reset(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> PageResult {
    auth.require(&[Role::SecurityAdmin])?;
    back(
        state.store.totp_reset(&auth.actor(), id).await,
        "已清除两步验证，本人可重新绑定",
    )
}

#[derive(Template)]
#[template(path = "admin/policy.html")]
struct PolicyPage {
    ctx: PageCtx,
    p: Policy,
    errors: Errors,
}

async fn policy_page(State(state): State<AppState>, auth: Auth, headers: HeaderMap) -> PageResult {
    auth.require(&[Role::SecurityAdmin])?;
    let p = state.store.policy().await?;
    let ctx = PageCtx::new(&auth, &headers, "/admin/policy", "安全策略");
    let had = ctx.flash.is_some();
    render(
        &PolicyPage {
            ctx,
            p,
            errors: Errors::new(),
        },
        had,
    )
}

#[derive(Deserialize)]
struct PolicyForm {
    lockout_threshold: i64,
    lockout_window_minutes: i64,
    lockout_minutes: i64,
    idle_timeout_minutes: i64,
    absolute_timeout_hours: i64,
    password_expiry_days: i64,
    #[serde(default)]
    require_totp_for_admins: Option<String>,
}

async fn policy_submit(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Form(f): Form<PolicyForm>,
) -> PageResult {
    auth.require(&[Role::SecurityAdmin])?;
    let p = Policy {
        lockout_threshold: f.lockout_threshold,
        lockout_window_minutes: f.lockout_window_minutes,
        lockout_minutes: f.lockout_minutes,
        idle_timeout_minutes: f.idle_timeout_minutes,
        absolute_timeout_hours: f.absolute_timeout_hours,
        password_expiry_days: f.password_expiry_days,
        require_totp_for_admins: f.require_totp_for_admins.is_some(),
    };
    let problems = p.problems();
    if !problems.is_empty() {
        let mut errors = Errors::new();
        for (field, message) in problems {
            errors.add(field, &message);
        }
        let ctx = PageCtx::new(&auth, &headers, "/admin/policy", "安全策略");
        let mut res = render(&PolicyPage { ctx, p, errors }, false)?;
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(res);
    }
    state.store.set_policy(&auth.actor(), &p).await?;
    Ok(redirect_with("/admin/policy", "ok", "安全策略已保存"))
}
