//! Organisation tree pages: browse, search, create, edit, move, archive and restore.

use crate::extract::Form;
use crate::extract::{Path, Query};
use crate::routes::Routes;
use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Deserialize;
use xianfeng_domain::org::{OrgInput, OrgType, Sector};
use xianfeng_domain::scope::{Role, Scope};
use xianfeng_store::orgs::{Org, OrgFields, OrgFilter, OrgNode};
use xianfeng_store::{Page, PageReq, StoreError};

use crate::error::{AppError, PageResult};
use crate::forms::{clean_param, query, Errors};
use crate::page::{page_numbers, redirect_with, render, PageCtx};
use crate::session::Auth;
use crate::widgets::findings::FindingView;
use crate::widgets::tree::{tree, Tree};
use crate::AppState;

pub fn router() -> Routes {
    Routes::new()
        .get("/orgs", index)
        .get("/orgs/new", new_page)
        .post("/orgs/new", new_submit)
        .get("/orgs/{id}", show)
        .get("/orgs/{id}/edit", edit_page)
        .post("/orgs/{id}/edit", edit_submit)
        .get("/orgs/{id}/move", move_page)
        .post("/orgs/{id}/move", move_submit)
        .post("/orgs/{id}/archive", archive)
        .post("/orgs/{id}/restore", restore)
}

const ORG_ROLES: &[Role] = &[Role::SystemAdmin, Role::OrgAdmin, Role::OrgViewer];

#[derive(Deserialize, Default)]
pub struct IndexQuery {
    q: Option<String>,
    #[serde(rename = "type")]
    org_type: Option<String>,
    sector: Option<String>,
    archived: Option<String>,
    page: Option<u32>,
}

#[derive(Template)]
#[template(path = "orgs/index.html")]
struct IndexPage {
    ctx: PageCtx,
    tree: Tree,
    results: Page<OrgNode>,
    q: String,
    org_type: String,
    sector: String,
    archived: bool,
    pages: Vec<Option<u32>>,
    base_query: String,
    can_create_root: bool,
    types: &'static [OrgType],
    sectors: &'static [Sector],
}

async fn index(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<IndexQuery>,
) -> PageResult {
    auth.require(ORG_ROLES)?;
    let text = clean_param(&q.q);
    let org_type = clean_param(&q.org_type).and_then(|t| OrgType::parse(&t));
    let sector = clean_param(&q.sector).and_then(|t| Sector::parse(&t));
    let archived = q.archived.as_deref() == Some("1");
    let filter = OrgFilter {
        q: text.clone(),
        org_type,
        sector,
        under: None,
        include_archived: archived,
    };
    let results = state
        .store
        .org_list(&auth.scope, &filter, PageReq::new(q.page, Some(50)))
        .await?;
    let ctx = PageCtx::new(&auth, &headers, "/orgs", "组织架构");
    let had = ctx.flash.is_some();
    let pages = page_numbers(results.page, results.pages());
    let base_query = query(&[
        ("q", text.clone().unwrap_or_default()),
        (
            "type",
            org_type.map(|t| t.code().to_string()).unwrap_or_default(),
        ),
        (
            "sector",
            sector.map(|t| t.code().to_string()).unwrap_or_default(),
        ),
        (
            "archived",
            if archived { "1".into() } else { String::new() },
        ),
    ]);
    let page = IndexPage {
        ctx,
        tree: tree(&state.store, &auth.scope, None, "/orgs/").await?,
        results,
        q: text.unwrap_or_default(),
        org_type: org_type.map(|t| t.code().to_string()).unwrap_or_default(),
        sector: sector.map(|t| t.code().to_string()).unwrap_or_default(),
        archived,
        pages,
        base_query,
        can_create_root: auth.scope == Scope::Structure,
        types: OrgType::ALL,
        sectors: Sector::ALL,
    };
    render(&page, had)
}

#[derive(Template)]
#[template(path = "orgs/show.html")]
struct ShowPage {
    ctx: PageCtx,
    tree: Tree,
    node: OrgNode,
    ancestors: Vec<Org>,
    children: Vec<OrgNode>,
    can_write: bool,
    is_scope_root: bool,
    can_see_members: bool,
    term_years: i32,
    active_children: usize,
    findings: Vec<FindingView>,
    /// Whether it approves admissions and conversions, and whether that is set on it.
    approval_power: bool,
    /// Terms of office on record, newest first.
    terms: Vec<xianfeng_store::orgs::Term>,
    /// The current team (post label, post); how many posts the history holds.
    team: Vec<(String, xianfeng_store::posts::Post)>,
    past_posts: usize,
}

async fn show(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult {
    auth.require(ORG_ROLES)?;
    let node = state.store.org_node(&auth.scope, id).await?;
    let ancestors = state.store.org_ancestors(&auth.scope, &node.org).await?;
    let children = state.store.org_children(&auth.scope, id, true).await?;
    let active_children = children.iter().filter(|c| !c.org.is_archived()).count();
    let can_write = auth.scope.may_write_org(&node.org.org_path());
    let is_scope_root = matches!(auth.scope, Scope::Subtree { root_id, .. } if root_id == id);
    let ctx = PageCtx::new(&auth, &headers, "/orgs", node.org.name.clone());
    let had = ctx.flash.is_some();
    let term_years = node
        .org
        .kind()
        .map(|k| k.term_years(Sector::parse(&node.org.sector).unwrap_or(Sector::Other)))
        .unwrap_or(3);
    let findings = state
        .store
        .findings_of(&auth.scope, "org", id)
        .await?
        .into_iter()
        .map(FindingView::of)
        .collect();
    let approval_power = state.store.approval_power_of(&node.org).await?;
    let terms = state.store.org_terms(id).await?;
    let life = state.store.life_config().await?;
    let posts = state.store.posts_of(&auth.scope, id).await?;
    let past_posts = posts.iter().filter(|p| !p.is_current()).count();
    let team = posts
        .into_iter()
        .filter(|p| p.is_current())
        .map(|p| (life.post_label(&p.post).to_string(), p))
        .collect();
    render(
        &ShowPage {
            ctx,
            team,
            past_posts,
            findings,
            approval_power,
            terms,
            tree: tree(&state.store, &auth.scope, Some(id), "/orgs/").await?,
            node,
            ancestors,
            children,
            can_write,
            is_scope_root,
            can_see_members: auth.scope.reads_members(),
            term_years,
            active_children,
        },
        had,
    )
}

/// The organisation form as typed.
#[derive(Deserialize, Default, Clone)]
pub struct OrgForm {
    #[serde(default)]
    pub parent_id: Option<String>,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub org_type: String,
    #[serde(default)]
    pub sector: String,
    #[serde(default)]
    pub founded_on: String,
    #[serde(default)]
    pub term_start: String,
    #[serde(default)]
    pub term_end: String,
    #[serde(default)]
    pub contact_phone: String,
    /// 审批权: "" (by default), "yes" or "no".
    #[serde(default)]
    pub approval_power: String,
    #[serde(default)]
    pub version: Option<i64>,
}

impl OrgForm {
    pub fn from_org(o: &Org) -> Self {
        let d = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        OrgForm {
            parent_id: o.parent_id.map(|p| p.to_string()),
            code: o.code.clone(),
            name: o.name.clone(),
            org_type: o.org_type.clone(),
            sector: o.sector.clone(),
            founded_on: d(o.founded_on),
            term_start: d(o.term_start),
            term_end: d(o.term_end),
            contact_phone: o.contact_phone.clone().unwrap_or_default(),
            approval_power: match o.approval_power {
                None => String::new(),
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
            },
            version: Some(o.version),
        }
    }

    /// The fields as the domain parses them.
    pub fn input(&self) -> OrgInput {
        OrgInput {
            code: self.code.clone(),
            name: self.name.clone(),
            org_type: self.org_type.clone(),
            sector: self.sector.clone(),
            founded_on: self.founded_on.clone(),
            term_start: self.term_start.clone(),
            term_end: self.term_end.clone(),
            contact_phone: self.contact_phone.clone(),
            approval_power: self.approval_power.clone(),
        }
    }

    /// Parses every field; all problems at once, by field.
    pub fn parse(&self, today: chrono::NaiveDate) -> Result<OrgFields, Errors> {
        self.input()
            .parse(today)
            .map_err(|list| Errors::from_fields(&list))
    }
}

#[derive(Template)]
#[template(path = "orgs/form.html")]
struct FormPage {
    ctx: PageCtx,
    form: OrgForm,
    errors: Errors,
    action: String,
    heading: String,
    parent: Option<Org>,
    types: &'static [OrgType],
    sectors: &'static [Sector],
}

#[derive(Deserialize)]
struct NewQuery {
    parent: Option<i64>,
}

async fn new_page(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<NewQuery>,
) -> PageResult {
    auth.require(&[Role::SystemAdmin, Role::OrgAdmin])?;
    let parent = match q.parent {
        Some(id) => Some(state.store.org_get(&auth.scope, id).await?),
        None if auth.scope == Scope::Structure => None,
        None => return Err(AppError::Invalid("请从上级组织页面新建下级组织".into())),
    };
    if let Some(p) = &parent {
        if !auth.scope.may_write_org(&p.org_path()) {
            return Err(AppError::Forbidden);
        }
    }
    let mut form = OrgForm::default();
    if let Some(p) = &parent {
        form.sector = p.sector.clone();
        form.org_type = "branch".into();
        form.parent_id = Some(p.id.to_string());
    } else {
        form.org_type = "committee".into();
    }
    let heading = match &parent {
        Some(p) => format!("在“{}”下新建组织", p.name),
        None => "新建顶层党组织".into(),
    };
    let ctx = PageCtx::new(&auth, &headers, "/orgs", heading.clone());
    render(
        &FormPage {
            ctx,
            form,
            errors: Errors::new(),
            action: "/orgs/new".into(),
            heading,
            parent,
            types: OrgType::ALL,
            sectors: Sector::ALL,
        },
        false,
    )
}

/// Adds "code in use" to other form errors, so that every problem shows at once.
async fn code_taken(state: &AppState, code: &str, except: Option<i64>, errors: &mut Errors) {
    if errors.has("code") || code.trim().is_empty() {
        return;
    }
    if let Ok(o) = state.store.org_by_code(&Scope::Structure, code).await {
        if Some(o.id) != except {
            errors.add("code", &format!("组织代码 {} 已被使用", o.code));
        }
    }
}

fn store_error_into(errors: &mut Errors, e: StoreError) -> Result<(), AppError> {
    match e {
        StoreError::Invalid { field, message } => {
            errors.add(field, &message);
            Ok(())
        }
        other => Err(other.into()),
    }
}

async fn new_submit(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Form(form): Form<OrgForm>,
) -> PageResult {
    auth.require(&[Role::SystemAdmin, Role::OrgAdmin])?;
    let parent_id = form
        .parent_id
        .as_deref()
        .and_then(|p| p.parse::<i64>().ok());
    let parent = match parent_id {
        Some(id) => Some(state.store.org_get(&auth.scope, id).await?),
        None => None,
    };
    let mut errors = Errors::new();
    match form.parse(state.store.clock.today()) {
        Ok(fields) => match state
            .store
            .org_create(&auth.actor(), &auth.scope, parent_id, &fields)
            .await
        {
            Ok(org) => {
                return Ok(redirect_with(
                    &format!("/orgs/{}", org.id),
                    "ok",
                    &format!("已新建组织“{}”", org.name),
                ))
            }
            Err(e) => store_error_into(&mut errors, e)?,
        },
        Err(mut e) => {
            code_taken(&state, &form.code, None, &mut e).await;
            errors = e;
        }
    }
    let heading = match &parent {
        Some(p) => format!("在“{}”下新建组织", p.name),
        None => "新建顶层党组织".into(),
    };
    let ctx = PageCtx::new(&auth, &headers, "/orgs", heading.clone());
    let mut res = render(
        &FormPage {
            ctx,
            form,
            errors,
            action: "/orgs/new".into(),
            heading,
            parent,
            types: OrgType::ALL,
            sectors: Sector::ALL,
        },
        false,
    )?;
    *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

async fn edit_page(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult {
    auth.require(&[Role::SystemAdmin, Role::OrgAdmin])?;
    let org = state.store.org_get(&auth.scope, id).await?;
    if !auth.scope.may_write_org(&org.org_path()) {
        return Err(AppError::Forbidden);
    }
    let heading = format!("编辑“{}”", org.name);
    let ctx = PageCtx::new(&auth, &headers, "/orgs", heading.clone());
    render(
        &FormPage {
            ctx,
            form: OrgForm::from_org(&org),
            errors: Errors::new(),
            action: format!("/orgs/{id}/edit"),
            heading,
            parent: None,
            types: OrgType::ALL,
            sectors: Sector::ALL,
        },
        false,
    )
}

async fn edit_submit(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<OrgForm>,
) -> PageResult {
    auth.require(&[Role::SystemAdmin, Role::OrgAdmin])?;
    let org = state.store.org_get(&auth.scope, id).await?;
    let mut errors = Errors::new();
    match form.parse(state.store.clock.today()) {
        Ok(fields) => match state
            .store
            .org_update(&auth.actor(), &auth.scope, id, form.version, &fields)
            .await
        {
            Ok(o) => {
                return Ok(redirect_with(
                    &format!("/orgs/{id}"),
                    "ok",
                    &format!("已保存“{}”", o.name),
                ))
            }
            Err(StoreError::Conflict) => {
                errors.add("name", "记录已被他人修改，请刷新页面后重新编辑")
            }
            Err(e) => store_error_into(&mut errors, e)?,
        },
        Err(mut e) => {
            code_taken(&state, &form.code, Some(id), &mut e).await;
            errors = e;
        }
    }
    let heading = format!("编辑“{}”", org.name);
    let ctx = PageCtx::new(&auth, &headers, "/orgs", heading.clone());
    let mut res = render(
        &FormPage {
            ctx,
            form,
            errors,
            action: format!("/orgs/{id}/edit"),
            heading,
            parent: None,
            types: OrgType::ALL,
            sectors: Sector::ALL,
        },
        false,
    )?;
    *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

#[derive(Template)]
#[template(path = "orgs/move.html")]
struct MovePage {
    ctx: PageCtx,
    org: Org,
    target: String,
    error: Option<String>,
}

async fn move_page(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult {
    auth.require(&[Role::SystemAdmin, Role::OrgAdmin])?;
    let org = state.store.org_get(&auth.scope, id).await?;
    if !auth.scope.may_write_org(&org.org_path()) {
        return Err(AppError::Forbidden);
    }
    let ctx = PageCtx::new(
        &auth,
        &headers,
        "/orgs",
        format!("调整“{}”的隶属关系", org.name),
    );
    render(
        &MovePage {
            ctx,
            org,
            target: String::new(),
            error: None,
        },
        false,
    )
}

#[derive(Deserialize)]
struct MoveForm {
    target: String,
}

async fn move_submit(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<MoveForm>,
) -> PageResult {
    auth.require(&[Role::SystemAdmin, Role::OrgAdmin])?;
    let org = state.store.org_get(&auth.scope, id).await?;
    let result = match state.store.org_by_code(&auth.scope, &f.target).await {
        Ok(target) => state
            .store
            .org_move(&auth.actor(), &auth.scope, id, target.id)
            .await
            .map(|_| target),
        Err(StoreError::NotFound(_)) | Err(StoreError::Forbidden) => Err(StoreError::invalid(
            "target",
            "找不到该组织代码（或不在您的管理范围内）",
        )),
        Err(e) => Err(e),
    };
    match result {
        Ok(target) => Ok(redirect_with(
            &format!("/orgs/{id}"),
            "ok",
            &format!("已将“{}”调整到“{}”之下", org.name, target.name),
        )),
        Err(StoreError::Invalid { message, .. }) => {
            let ctx = PageCtx::new(
                &auth,
                &headers,
                "/orgs",
                format!("调整“{}”的隶属关系", org.name),
            );
            let mut res = render(
                &MovePage {
                    ctx,
                    org,
                    target: f.target,
                    error: Some(message),
                },
                false,
            )?;
            *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct ArchiveForm {
    reason: String,
}

async fn archive(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<ArchiveForm>,
) -> PageResult {
    auth.require(&[Role::SystemAdmin, Role::OrgAdmin])?;
    match state
        .store
        .org_archive(&auth.actor(), &auth.scope, id, &f.reason)
        .await
    {
        Ok(()) => Ok(redirect_with(
            &format!("/orgs/{id}"),
            "ok",
            "组织已撤销，历史记录仍保留",
        )),
        Err(StoreError::Invalid { message, .. }) => {
            Ok(redirect_with(&format!("/orgs/{id}"), "error", &message))
        }
        Err(e) => Err(e.into()),
    }
}

async fn restore(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> PageResult {
    auth.require(&[Role::SystemAdmin, Role::OrgAdmin])?;
    match state
        .store
        .org_restore(&auth.actor(), &auth.scope, id)
        .await
    {
        Ok(()) => Ok(redirect_with(&format!("/orgs/{id}"), "ok", "组织已恢复")),
        Err(StoreError::Invalid { message, .. }) => {
            Ok(redirect_with(&format!("/orgs/{id}"), "error", &message))
        }
        Err(e) => Err(e.into()),
    }
}
