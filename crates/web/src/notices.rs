//! The notification centre: every notice of the account (unread first to see), marking read,
//! the account's e-mail channel; for an organisation's administrators, its webhooks (DingTalk,
//! WeCom group robots, plain JSON), a test notice, and what the outbox delivered or failed to.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Deserialize;
use xianfeng_domain::scope::{Role, Scope};
use xianfeng_store::notices::{Notice, OutboxRow, Prefs, Webhook};
use xianfeng_store::orgs::Org;
use xianfeng_store::StoreError;

use crate::error::{AppError, PageResult};
use crate::extract::{Form, Path, Query};
use crate::page::{redirect_with, render, PageCtx};
use crate::routes::Routes;
use crate::session::Auth;
use crate::widgets::target::target_org;
use crate::AppState;

pub fn router() -> Routes {
    Routes::new()
        .get("/notices", index)
        .post("/notices/read", read)
        .post("/notices/prefs", prefs)
        .get("/notices/channels", channels)
        .post("/notices/webhooks", webhook_add)
        .post("/notices/webhooks/{id}/enable", webhook_enable)
        .post("/notices/test", test)
}

fn message(e: StoreError) -> Result<String, AppError> {
    match e {
        StoreError::Invalid { message, .. } => Ok(message),
        e => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
struct ListQuery {
    all: Option<String>,
}

#[derive(Template)]
#[template(path = "notices/index.html")]
struct IndexPage {
    ctx: PageCtx,
    notices: Vec<Notice>,
    unread: i64,
    all: bool,
    prefs: Prefs,
    admin_org: Option<i64>,
}

async fn index(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let all = q.all.is_some();
    let (unread, notices) = state.store.inbox(auth.account.id, !all, 200).await?;
    let prefs = state.store.prefs(auth.account.id).await?;
    let admin_org = match (&auth.scope, auth.role()) {
        (Scope::Subtree { root_id, .. }, Some(Role::OrgAdmin)) => Some(*root_id),
        _ => None,
    };
    let ctx = PageCtx::new(&auth, &headers, "/notices", "提醒");
    let had = ctx.flash.is_some();
    render(
        &IndexPage {
            ctx,
            notices,
            unread,
            all,
            prefs,
            admin_org,
        },
        had,
    )
}

#[derive(Deserialize)]
struct ReadForm {
    #[serde(default)]
    notice: Option<i64>,
    #[serde(default)]
    back: String,
}

async fn read(State(state): State<AppState>, auth: Auth, Form(f): Form<ReadForm>) -> PageResult {
    state
        .store
        .inbox_mark_read(&auth.actor(), auth.account.id, f.notice)
        .await?;
    let back = if f.back.starts_with('/') && !f.back.starts_with("//") {
        f.back
    } else {
        "/notices".into()
    };
    Ok(redirect_with(&back, "ok", "已标为已读"))
}

#[derive(Deserialize)]
struct PrefsForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    email_on: Option<String>,
}

async fn prefs(State(state): State<AppState>, auth: Auth, Form(f): Form<PrefsForm>) -> PageResult {
    match state
        .store
        .set_prefs(
            &auth.actor(),
            auth.account.id,
            &f.email,
            f.email_on.is_some(),
        )
        .await
    {
        Ok(()) => Ok(redirect_with("/notices", "ok", "已保存提醒方式")),
        Err(e) => Ok(redirect_with("/notices", "error", &message(e)?)),
    }
}

#[derive(Deserialize, Default)]
struct OrgQuery {
    org: Option<i64>,
}

#[derive(Template)]
#[template(path = "notices/channels.html")]
struct ChannelsPage {
    ctx: PageCtx,
    org: Org,
    hooks: Vec<Webhook>,
    outbox: Vec<OutboxRow>,
}

/// An organisation's webhooks and deliveries (its administrators).
async fn channels(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<OrgQuery>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let org = target_org(&state, &auth, q.org).await?;
    let hooks = state.store.webhooks_of(&auth.scope, &org).await?;
    let outbox = state.store.outbox_of(&auth.scope, &org, 200).await?;
    let ctx = PageCtx::new(
        &auth,
        &headers,
        "/notices",
        format!("{} · 提醒推送", org.name),
    );
    let had = ctx.flash.is_some();
    render(
        &ChannelsPage {
            ctx,
            org,
            hooks,
            outbox,
        },
        had,
    )
}

#[derive(Deserialize)]
struct HookForm {
    org: i64,
    kind: String,
    url: String,
    #[serde(default)]
    secret: String,
}

async fn webhook_add(
    State(state): State<AppState>,
    auth: Auth,
    Form(f): Form<HookForm>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let back = format!("/notices/channels?org={}", f.org);
    match state
        .store
        .webhook_add(
            &auth.actor(),
            &auth.scope,
            f.org,
            &f.kind,
            &f.url,
            &f.secret,
        )
        .await
    {
        Ok(_) => Ok(redirect_with(&back, "ok", "已添加推送地址")),
        Err(e) => Ok(redirect_with(&back, "error", &message(e)?)),
    }
}

#[derive(Deserialize)]
struct EnableForm {
    enabled: String,
}

async fn webhook_enable(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<EnableForm>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let org = state
        .store
        .webhook_enable(&auth.actor(), &auth.scope, id, f.enabled == "1")
        .await?;
    Ok(redirect_with(
        &format!("/notices/channels?org={org}"),
        "ok",
        if f.enabled == "1" {
            "已启用"
        } else {
            "已停用"
        },
    ))
}

#[derive(Deserialize)]
struct TestForm {
    org: i64,
}

async fn test(State(state): State<AppState>, auth: Auth, Form(f): Form<TestForm>) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    state
        .store
        .notice_test(&auth.actor(), &auth.scope, f.org)
        .await?;
    Ok(redirect_with(
        &format!("/notices/channels?org={}", f.org),
        "ok",
        "已生成测试提醒，稍后在下方查看发送结果",
    ))
}
