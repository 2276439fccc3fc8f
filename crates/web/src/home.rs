//! The home page (工作台): what needs attention for the signed-in person's role.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use xianfeng_domain::scope::{Role, Scope};
use xianfeng_store::accounts::AccountRow;
use xianfeng_store::orgs::OrgNode;

use crate::error::PageResult;
use crate::page::{render, PageCtx};
use crate::routes::Routes;
use crate::session::Auth;
use crate::widgets::findings::FindingView;
use crate::AppState;

pub fn router() -> Routes {
    Routes::new().get("/", home)
}

pub struct Stat {
    pub label: &'static str,
    pub value: i64,
    pub href: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: PageCtx,
    stats: Vec<Stat>,
    roots: Vec<OrgNode>,
    checklist: Vec<(bool, &'static str, &'static str)>,
    role: Option<Role>,
    /// Deadlines in the caller's subtree, soonest first.
    todo: Vec<FindingView>,
    todo_total: i64,
    root_id: i64,
    /// Unread notifications and the newest of them.
    unread: i64,
    notices: Vec<xianfeng_store::notices::Notice>,
    today: chrono::NaiveDate,
    /// Decisions of meetings the caller's roster person is to carry out.
    my_items: Vec<xianfeng_store::meetings::ActionItem>,
    /// Organisational life in the caller's subtree: absences to make up, meetings waiting for
    /// their minutes, overdue decisions.
    life: (i64, i64, i64),
}

async fn home(State(state): State<AppState>, auth: Auth, headers: HeaderMap) -> PageResult {
    let store = &state.store;
    let ctx = PageCtx::new(&auth, &headers, "/", "工作台");
    let had = ctx.flash.is_some();
    let mut stats = Vec::new();
    let mut roots = Vec::new();
    let mut checklist = Vec::new();
    let mut todo = Vec::new();
    let mut todo_total = 0;
    let mut root = 0;
    let mut life = (0, 0, 0);
    let role = auth.role();
    let (unread, notices) = store.inbox(auth.account.id, true, 5).await?;
    let my_items = match auth.account.member_id {
        Some(m) => store.items_owned(m).await?,
        None => Vec::new(),
    };
    match &auth.scope {
        Scope::Subtree { root_id, .. } => {
            let counts = store.member_status_counts(&auth.scope).await?;
            let count = |s: &str| {
                counts
                    .iter()
                    .find(|(k, _)| k == s)
                    .map(|(_, n)| *n)
                    .unwrap_or(0)
            };
            let full = count("full");
            let prob = count("probationary");
            stats.push(Stat {
                label: "党员（正式+预备）",
                value: full + prob,
                href: format!("/members?org={root_id}&status=party"),
            });
            stats.push(Stat {
                label: "正式党员",
                value: full,
                href: format!("/members?org={root_id}&status=full"),
            });
            stats.push(Stat {
                label: "预备党员",
                value: prob,
                href: format!("/members?org={root_id}&status=probationary"),
            });
            stats.push(Stat {
                label: "入党积极分子",
                value: count("activist"),
                href: format!("/members?org={root_id}&status=activist"),
            });
            stats.push(Stat {
                label: "发展对象",
                value: count("candidate"),
                href: format!("/members?org={root_id}&status=candidate"),
            });
            stats.push(Stat {
                label: "入党申请人",
                value: count("applicant"),
                href: format!("/members?org={root_id}&status=applicant"),
            });
            roots = store.org_roots(&auth.scope).await?;
            root = *root_id;
            let org = store.org_get(&auth.scope, *root_id).await?;
            let page = store
                .findings_list(
                    &auth.scope,
                    &org,
                    &xianfeng_store::compliance::FindingFilter {
                        deadlines: true,
                        ..Default::default()
                    },
                    xianfeng_store::PageReq::new(None, Some(10)),
                )
                .await?;
            todo_total = page.total;
            life = store.life_todo(&auth.scope, *root_id).await?;
            todo = page.items.into_iter().map(FindingView::of).collect();
        }
        Scope::Structure => {
            roots = store.org_roots(&auth.scope).await?;
            let accounts: Vec<AccountRow> = store.account_list().await?;
            let has = |r: Role| {
                accounts
                    .iter()
                    .any(|a| a.account.role() == Some(r) && !a.account.disabled)
            };
            stats.push(Stat {
                label: "组织数",
                value: store.org_count().await?,
                href: "/orgs".into(),
            });
            stats.push(Stat {
                label: "账号数",
                value: accounts.len() as i64,
                href: "/admin/accounts".into(),
            });
            checklist.push((!roots.is_empty(), "建立顶层党组织", "/orgs/new"));
            checklist.push((
                has(Role::SecurityAdmin),
                "创建安全管理员账号",
                "/admin/accounts/new",
            ));
            checklist.push((
                has(Role::AuditAdmin),
                "创建审计管理员账号",
                "/admin/accounts/new",
            ));
            checklist.push((
                has(Role::OrgAdmin),
                "为各级党组织创建党务管理员账号",
                "/admin/accounts/new",
            ));
        }
        _ => {
            if role == Some(Role::SecurityAdmin) {
                let accounts = store.account_list().await?;
                let now = store.clock.now();
                stats.push(Stat {
                    label: "锁定中的账号",
                    value: accounts.iter().filter(|a| a.account.is_locked(now)).count() as i64,
                    href: "/admin/accounts".into(),
                });
                stats.push(Stat {
                    label: "未分配角色的账号",
                    value: accounts.iter().filter(|a| a.account.role.is_none()).count() as i64,
                    href: "/admin/accounts".into(),
                });
            }
        }
    }
    render(
        &HomePage {
            ctx,
            stats,
            roots,
            checklist,
            role,
            todo,
            todo_total,
            root_id: root,
            unread,
            notices,
            my_items,
            life,
            today: store.clock.today(),
        },
        had,
    )
}
