//! Office holders (班子成员): the current team and its history, appointment, end of a post,
//! an election (换届) that replaces the team, and the posts kept only as names (from the free
//! text of earlier versions or an import) that a person links to the roster.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use chrono::NaiveDate;
use serde::Deserialize;
use xianfeng_domain::dates::parse_date;
use xianfeng_domain::life::{LifeConfig, PostRole};
use xianfeng_domain::scope::{Role, Scope};
use xianfeng_store::orgs::Org;
use xianfeng_store::posts::{Appointment, Candidate, Post, UnresolvedPost};
use xianfeng_store::StoreError;

use crate::error::{AppError, PageResult};
use crate::extract::{Form, Path};
use crate::page::{redirect_with, render, PageCtx};
use crate::routes::Routes;
use crate::session::Auth;
use crate::AppState;

pub fn router() -> Routes {
    Routes::new()
        .get("/orgs/{id}/team", index)
        .post("/orgs/{id}/team/appoint", appoint)
        .post("/orgs/{id}/team/elect", elect)
        .post("/posts/{id}/end", end)
        .post("/posts/{id}/resolve", resolve)
        .get("/team/unresolved", unresolved)
}

/// One row of the election form: a post and how many people it takes.
pub struct Seat {
    pub code: String,
    pub label: String,
    pub index: usize,
}

#[derive(Template)]
#[template(path = "team/index.html")]
struct IndexPage {
    ctx: PageCtx,
    org: Org,
    life: LifeConfig,
    current: Vec<Post>,
    history: Vec<Post>,
    candidates: Vec<Candidate>,
    seats: Vec<Seat>,
    can_write: bool,
    today: NaiveDate,
}

impl IndexPage {
    fn label<'a>(&'a self, p: &'a Post) -> &'a str {
        self.life.post_label(&p.post)
    }
}

/// The seats of an election: each configured post once, and three more of the last
/// committee post (委员).
fn seats(life: &LifeConfig) -> Vec<Seat> {
    let mut out: Vec<Seat> = Vec::new();
    for p in &life.posts {
        out.push(Seat {
            code: p.code.clone(),
            label: p.label.clone(),
            index: out.len(),
        });
    }
    if let Some(last) = life
        .posts
        .iter()
        .rev()
        .find(|p| p.role == PostRole::Committee)
    {
        for _ in 0..3 {
            out.push(Seat {
                code: last.code.clone(),
                label: last.label.clone(),
                index: out.len(),
            });
        }
    }
    out
}

async fn index(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin, Role::OrgViewer])?;
    let org = state.store.org_get(&auth.scope, id).await?;
    let life = state.store.life_config().await?;
    let posts = state.store.posts_of(&auth.scope, id).await?;
    let (current, history): (Vec<Post>, Vec<Post>) =
        posts.into_iter().partition(|p| p.is_current());
    let can_write = matches!(auth.scope, Scope::Subtree { .. })
        && auth.scope.may_write_org(&org.org_path())
        && !org.is_archived();
    let candidates = if can_write {
        state.store.post_candidates(&auth.scope, id).await?
    } else {
        Vec::new()
    };
    let ctx = PageCtx::new(&auth, &headers, "/orgs", format!("{} · 班子成员", org.name));
    let had = ctx.flash.is_some();
    render(
        &IndexPage {
            ctx,
            seats: seats(&life),
            org,
            life,
            current,
            history,
            candidates,
            can_write,
            today: state.store.clock.today(),
        },
        had,
    )
}

/// A refusal to show on the page; absent records are 404 pages.
fn message(e: StoreError) -> Result<String, AppError> {
    match e {
        StoreError::Invalid { message, .. } => Ok(message),
        StoreError::Conflict => Ok("记录已被他人改动，请刷新后重试".into()),
        e => Err(e.into()),
    }
}

fn member_id(s: &str) -> Option<i64> {
    s.trim().parse::<i64>().ok().filter(|n| *n > 0)
}

#[derive(Deserialize)]
struct AppointForm {
    post: String,
    member_id: String,
    start_date: String,
}

async fn appoint(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<AppointForm>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let back = format!("/orgs/{id}/team");
    let Some(member) = member_id(&f.member_id) else {
        return Ok(redirect_with(&back, "error", "请选择任职人员"));
    };
    let start = match parse_date(&f.start_date) {
        Ok(d) => d,
        Err(e) => return Ok(redirect_with(&back, "error", &format!("任职日期：{e}"))),
    };
    let a = Appointment {
        post: f.post,
        member_id: member,
    };
    match state
        .store
        .post_appoint(&auth.actor(), &auth.scope, id, &a, start)
        .await
    {
        Ok(p) => Ok(redirect_with(
            &back,
            "ok",
            &format!("已任命 {}", p.holder_name),
        )),
        Err(e) => Ok(redirect_with(&back, "error", &message(e)?)),
    }
}

async fn elect(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let back = format!("/orgs/{id}/team");
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let elected_on = match parse_date(get("elected_on")) {
        Ok(d) => d,
        Err(e) => return Ok(redirect_with(&back, "error", &format!("选举日期：{e}"))),
    };
    let term_end = match get("term_end").trim() {
        "" => None,
        s => match parse_date(s) {
            Ok(d) => Some(d),
            Err(e) => return Ok(redirect_with(&back, "error", &format!("任期届满日期：{e}"))),
        },
    };
    let mut team = Vec::new();
    for (k, v) in &fields {
        let Some(i) = k.strip_prefix("seat_") else {
            continue;
        };
        let Some(member) = member_id(v) else { continue };
        let post = get(&format!("post_{i}")).to_string();
        team.push(Appointment {
            post,
            member_id: member,
        });
    }
    match state
        .store
        .posts_elect(&auth.actor(), &auth.scope, id, elected_on, term_end, &team)
        .await
    {
        Ok(posts) => Ok(redirect_with(
            &back,
            "ok",
            &format!(
                "已登记 {elected_on} 换届，新一届班子 {} 人，上届任职同日结束",
                posts.len()
            ),
        )),
        Err(e) => Ok(redirect_with(&back, "error", &message(e)?)),
    }
}

#[derive(Deserialize)]
struct EndForm {
    end_date: String,
    reason: String,
}

async fn end(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<EndForm>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let post = state.store.post_get(&auth.scope, id).await?;
    let back = format!("/orgs/{}/team", post.org_id);
    let day = match parse_date(&f.end_date) {
        Ok(d) => d,
        Err(e) => return Ok(redirect_with(&back, "error", &format!("离任日期：{e}"))),
    };
    match state
        .store
        .post_end(&auth.actor(), &auth.scope, id, day, &f.reason)
        .await
    {
        Ok(p) => Ok(redirect_with(
            &back,
            "ok",
            &format!("已登记 {} 离任", p.holder_name),
        )),
        Err(e) => Ok(redirect_with(&back, "error", &message(e)?)),
    }
}

#[derive(Deserialize)]
struct ResolveForm {
    member_id: String,
    #[serde(default)]
    back: String,
}

async fn resolve(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<ResolveForm>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let post = state.store.post_get(&auth.scope, id).await?;
    let back = if f.back == "/team/unresolved" {
        f.back.clone()
    } else {
        format!("/orgs/{}/team", post.org_id)
    };
    let Some(member) = member_id(&f.member_id) else {
        return Ok(redirect_with(&back, "error", "请选择名册中的人员"));
    };
    match state
        .store
        .post_resolve(&auth.actor(), &auth.scope, id, member)
        .await
    {
        Ok(p) => Ok(redirect_with(
            &back,
            "ok",
            &format!("已关联到名册中的 {}", p.holder_name),
        )),
        Err(e) => Ok(redirect_with(&back, "error", &message(e)?)),
    }
}

#[derive(Template)]
#[template(path = "team/unresolved.html")]
struct UnresolvedPage {
    ctx: PageCtx,
    life: LifeConfig,
    posts: Vec<UnresolvedPost>,
}

async fn unresolved(State(state): State<AppState>, auth: Auth, headers: HeaderMap) -> PageResult {
    auth.require(&[Role::OrgAdmin, Role::OrgViewer])?;
    let posts = state.store.posts_unresolved(&auth.scope).await?;
    let life = state.store.life_config().await?;
    let ctx = PageCtx::new(&auth, &headers, "/orgs", "待关联名册的班子成员");
    let had = ctx.flash.is_some();
    render(&UnresolvedPage { ctx, life, posts }, had)
}
