//! The roster (党员名册): search, filter, sort and page; add, edit, archive, restore and transfer.

use crate::extract::Form;
use crate::extract::{Path, Query};
use crate::routes::Routes;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use xianfeng_domain::dates::parse_date;
use xianfeng_domain::members::{
    ArchiveReason, Category, Education, MemberInput, MemberStatus, ETHNICITIES,
};
use xianfeng_domain::org::Sector;
use xianfeng_domain::scope::{Role, Scope};
use xianfeng_domain::Gender;
use xianfeng_store::members::{HistoryEntry, Member, MemberFilter, MemberSort};
use xianfeng_store::orgs::Org;
use xianfeng_store::{Page, PageReq, StoreError};

use crate::error::{AppError, PageResult};
use crate::forms::{clean_param, query, Errors};
use crate::page::{page_numbers, redirect_with, render, PageCtx};
use crate::session::Auth;
use crate::widgets::download::download;
use crate::widgets::findings::FindingView;
use crate::widgets::tree::{tree, Tree};
use crate::AppState;
use xianfeng_exchange::export::Out;
use xianfeng_store::audit::AuditEvent;

pub fn router() -> Routes {
    Routes::new()
        .get("/members", index)
        .get("/members/export.xlsx", export_xlsx)
        .get("/members/export.csv", export_csv)
        .get("/members/new", new_page)
        .post("/members/new", new_submit)
        .get("/members/{id}", show)
        .get("/members/{id}/edit", edit_page)
        .post("/members/{id}/edit", edit_submit)
        .post("/members/{id}/archive", archive)
        .post("/members/{id}/restore", restore)
        .post("/members/{id}/contact", contact)
        .get("/members/{id}/transfer", transfer_page)
        .post("/members/{id}/transfer", transfer_submit)
        .post("/members/{id}/reveal", reveal)
        .get("/me", me)
}

const READ_ROLES: &[Role] = &[Role::OrgAdmin, Role::OrgViewer];

#[derive(Deserialize, Default)]
pub struct RosterQuery {
    /// `full`: export full ID numbers (writers only, audited).
    ids: Option<String>,
    org: Option<i64>,
    q: Option<String>,
    status: Option<String>,
    category: Option<String>,
    gender: Option<String>,
    sector: Option<String>,
    archived: Option<String>,
    sort: Option<String>,
    page: Option<u32>,
    per_page: Option<u32>,
}

pub struct SortLink {
    pub label: &'static str,
    pub href: String,
    pub mark: &'static str,
}

#[derive(Template)]
#[template(path = "members/index.html")]
struct IndexPage {
    ctx: PageCtx,
    tree: Tree,
    org: Org,
    results: Page<Member>,
    q: String,
    status: String,
    category: String,
    gender: String,
    sector: String,
    archived: bool,
    pages: Vec<Option<u32>>,
    base_query: String,
    sorts: Vec<SortLink>,
    can_write: bool,
    filtered: bool,
    statuses: &'static [MemberStatus],
    categories: &'static [Category],
    sectors: &'static [Sector],
}

async fn index(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<RosterQuery>,
) -> PageResult {
    if matches!(auth.scope, Scope::Own { .. }) {
        return Ok(Redirect::to("/me").into_response());
    }
    auth.require(READ_ROLES)?;
    let root = match &auth.scope {
        Scope::Subtree { root_id, .. } => *root_id,
        _ => return Err(AppError::Forbidden),
    };
    let org_id = q.org.unwrap_or(root);
    let org = state.store.org_get(&auth.scope, org_id).await?;
    let text = clean_param(&q.q);
    let party_only = q.status.as_deref() == Some("party");
    let status = clean_param(&q.status).and_then(|s| MemberStatus::parse(&s));
    let category = clean_param(&q.category).and_then(|s| Category::parse(&s));
    let gender = clean_param(&q.gender).and_then(|s| Gender::from_code(&s));
    let sector = clean_param(&q.sector).and_then(|s| Sector::parse(&s));
    let archived = q.archived.as_deref() == Some("1");
    let sort = MemberSort::parse(q.sort.as_deref().unwrap_or(""));
    let filter = MemberFilter {
        q: text.clone(),
        status,
        party_only,
        category,
        gender,
        sector,
        under: Some(org_id),
        archived,
        sort,
    };
    let results = state
        .store
        .member_list(&auth.scope, &filter, PageReq::new(q.page, q.per_page))
        .await?;
    let code = |o: Option<&'static str>| o.map(str::to_string).unwrap_or_default();
    let mut pairs = vec![
        ("org", org_id.to_string()),
        ("q", text.clone().unwrap_or_default()),
        (
            "status",
            if party_only {
                "party".into()
            } else {
                code(status.map(|s| s.code()))
            },
        ),
        ("category", code(category.map(|s| s.code()))),
        ("gender", code(gender.map(|s| s.code()))),
        ("sector", code(sector.map(|s| s.code()))),
        (
            "archived",
            if archived { "1".into() } else { String::new() },
        ),
    ];
    let filter_query = query(&pairs);
    let sorts = [
        ("姓名", "name"),
        ("出生日期", "birth"),
        ("入党日期", "admission"),
        ("所在组织", "org"),
    ]
    .iter()
    .map(|(label, key)| {
        let current = sort.code().trim_start_matches('-') == *key;
        let desc = sort.code().starts_with('-');
        let next = if current && !desc && *key != "org" {
            format!("-{key}")
        } else {
            key.to_string()
        };
        SortLink {
            label,
            href: format!("?{filter_query}&sort={next}"),
            mark: if !current {
                ""
            } else if desc {
                "↓"
            } else {
                "↑"
            },
        }
    })
    .collect();
    pairs.push((
        "sort",
        if sort == MemberSort::Name {
            String::new()
        } else {
            sort.code().to_string()
        },
    ));
    let base_query = query(&pairs);
    let pages = page_numbers(results.page, results.pages());
    let ctx = PageCtx::new(&auth, &headers, "/members", "党员名册");
    let had = ctx.flash.is_some();
    let filtered = text.is_some()
        || status.is_some()
        || category.is_some()
        || gender.is_some()
        || sector.is_some();
    let page = IndexPage {
        ctx,
        tree: tree(&state.store, &auth.scope, Some(org_id), "/members?org=").await?,
        can_write: auth.scope.may_write_member(&org.org_path()),
        org,
        results,
        q: text.unwrap_or_default(),
        status: if party_only {
            "party".into()
        } else {
            code(status.map(|s| s.code()))
        },
        category: code(category.map(|s| s.code())),
        gender: code(gender.map(|s| s.code())),
        sector: code(sector.map(|s| s.code())),
        archived,
        pages,
        base_query,
        sorts,
        filtered,
        statuses: MemberStatus::ALL,
        categories: Category::ALL,
        sectors: Sector::ALL,
    };
    render(&page, had)
}

#[derive(Template)]
#[template(path = "members/show.html")]
struct ShowPage {
    ctx: PageCtx,
    m: Member,
    history: Vec<HistoryEntry>,
    can_write: bool,
    own: bool,
    revealed: Option<String>,
    reasons: &'static [ArchiveReason],
    today: String,
    age: i32,
    findings: Vec<FindingView>,
    letters: Vec<xianfeng_store::letters::Letter>,
    /// Contact events, oldest first, and the episode open today.
    contact: Vec<xianfeng_store::contact::ContactRow>,
    lost: Option<xianfeng_domain::contact::LostContact>,
    /// What may be recorded next (for the form's choices).
    contact_choices: Vec<xianfeng_domain::contact::ContactKind>,
}

async fn show_page(
    state: &AppState,
    auth: &Auth,
    headers: &HeaderMap,
    id: i64,
    revealed: Option<String>,
) -> PageResult {
    let m = state.store.member_get(&auth.scope, id).await?;
    let history = state.store.member_history(&auth.scope, id).await?;
    let own = matches!(auth.scope, Scope::Own { member_id } if member_id == id);
    let active = if own { "/me" } else { "/members" };
    let ctx = PageCtx::new(auth, headers, active, m.name.clone());
    let had = ctx.flash.is_some();
    let today = state.store.clock.today();
    let findings = if own {
        Vec::new()
    } else {
        state
            .store
            .findings_of(&auth.scope, "person", id)
            .await?
            .into_iter()
            .map(FindingView::of)
            .collect()
    };
    let letters = if own {
        Vec::new()
    } else {
        state.store.letters_of(&auth.scope, id).await?
    };
    let contact = state.store.contact_events(&auth.scope, id).await?;
    let events: Vec<_> = contact
        .iter()
        .filter_map(xianfeng_store::contact::ContactRow::event)
        .collect();
    let lost = xianfeng_domain::contact::lost_on(&events, today);
    let contact_choices = xianfeng_domain::contact::ContactKind::ALL
        .iter()
        .copied()
        .filter(|k| xianfeng_domain::contact::may_record(&events, *k, today).is_ok())
        .collect();
    render(
        &ShowPage {
            ctx,
            findings,
            letters,
            contact,
            lost,
            contact_choices,
            can_write: auth.scope.may_write_member(&m.path()),
            age: m.age_on(today),
            m,
            history,
            own,
            revealed,
            reasons: ArchiveReason::ALL,
            today: today.to_string(),
        },
        had,
    )
}

async fn show(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin, Role::OrgViewer, Role::Member])?;
    show_page(&state, &auth, &headers, id, None).await
}

async fn me(State(state): State<AppState>, auth: Auth, headers: HeaderMap) -> PageResult {
    match auth.scope {
        Scope::Own { member_id } => show_page(&state, &auth, &headers, member_id, None).await,
        _ => Err(AppError::NotFound("您的账号未关联党员档案".into())),
    }
}

async fn reveal(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult {
    let full = state
        .store
        .member_reveal_id(&auth.actor(), &auth.scope, id)
        .await?;
    show_page(&state, &auth, &headers, id, Some(full)).await
}

/// The member form as typed, with the organisation and the version for edits.
#[derive(Deserialize, Default, Clone)]
struct MemberForm {
    #[serde(flatten)]
    input: MemberInput,
    #[serde(default)]
    org_id: Option<i64>,
    #[serde(default)]
    version: Option<i64>,
    /// Empty: no party group.
    #[serde(default)]
    party_group_id: String,
}

#[derive(Template)]
#[template(path = "members/form.html")]
struct FormPage {
    ctx: PageCtx,
    f: MemberInput,
    org: Org,
    groups: Vec<Org>,
    group: String,
    version: Option<i64>,
    errors: Errors,
    action: String,
    heading: String,
    id_hint: String,
    statuses: &'static [MemberStatus],
    categories: &'static [Category],
    educations: &'static [Education],
    ethnicities: &'static [&'static str],
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    auth: &Auth,
    headers: &HeaderMap,
    f: MemberInput,
    org: Org,
    groups: (Vec<Org>, String),
    version: Option<i64>,
    errors: Errors,
    action: String,
    heading: String,
    id_hint: String,
) -> PageResult {
    let ctx = PageCtx::new(auth, headers, "/members", heading.clone());
    let invalid = !errors.is_empty();
    let mut res = render(
        &FormPage {
            ctx,
            f,
            org,
            groups: groups.0,
            group: groups.1,
            version,
            errors,
            action,
            heading,
            id_hint,
            statuses: MemberStatus::ALL,
            categories: Category::ALL,
            educations: Education::ALL,
            ethnicities: ETHNICITIES,
        },
        false,
    )?;
    if invalid {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

#[derive(Deserialize)]
struct NewQuery {
    org: Option<i64>,
}

async fn new_page(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<NewQuery>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let org_id = match (&auth.scope, q.org) {
        (_, Some(id)) => id,
        (Scope::Subtree { root_id, .. }, None) => *root_id,
        _ => return Err(AppError::Forbidden),
    };
    let org = state.store.org_get(&auth.scope, org_id).await?;
    if !auth.scope.may_write_member(&org.org_path()) {
        return Err(AppError::Forbidden);
    }
    let f = MemberInput {
        status: "full".into(),
        category: "employed".into(),
        ethnicity: "汉族".into(),
        ..Default::default()
    };
    let groups = state.store.party_groups(&auth.scope, org.id).await?;
    let heading = format!("在“{}”登记人员", org.name);
    form_page(
        &auth,
        &headers,
        f,
        org,
        (groups, String::new()),
        None,
        Errors::new(),
        "/members/new".into(),
        heading,
        String::new(),
    )
}

fn collect(errors: &mut Errors, e: StoreError) -> Result<(), AppError> {
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
    Form(form): Form<MemberForm>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let org_id = form
        .org_id
        .ok_or_else(|| AppError::Invalid("缺少所在组织".into()))?;
    let org = state.store.org_get(&auth.scope, org_id).await?;
    let mut errors = Errors::new();
    match form.input.parse(state.store.clock.today()) {
        Ok(fields) => match state
            .store
            .member_create(&auth.actor(), &auth.scope, org_id, &fields)
            .await
        {
            Ok(id) => {
                if let Ok(g) = form.party_group_id.parse::<i64>() {
                    state
                        .store
                        .member_set_party_group(&auth.actor(), &auth.scope, id, Some(g))
                        .await?;
                }
                return Ok(redirect_with(
                    &format!("/members/{id}"),
                    "ok",
                    &format!("已登记 {}", fields.name),
                ));
            }
            Err(e) => collect(&mut errors, e)?,
        },
        Err(list) => errors = Errors::from_fields(&list),
    }
    let groups = state.store.party_groups(&auth.scope, org.id).await?;
    let heading = format!("在“{}”登记人员", org.name);
    form_page(
        &auth,
        &headers,
        form.input,
        org,
        (groups, form.party_group_id.clone()),
        None,
        errors,
        "/members/new".into(),
        heading,
        String::new(),
    )
}

async fn edit_page(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let m = state.store.member_get(&auth.scope, id).await?;
    if !auth.scope.may_write_member(&m.path()) {
        return Err(AppError::Forbidden);
    }
    let org = state.store.org_get(&auth.scope, m.org_id).await?;
    let d = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let f = MemberInput {
        name: m.name.clone(),
        id_number: String::new(),
        gender: m.gender.clone(),
        ethnicity: m.ethnicity.clone().unwrap_or_default(),
        birth_date: m.birth_date.to_string(),
        education: m.education.clone().unwrap_or_default(),
        status: m.status.clone(),
        category: m.category.clone(),
        phone: m.phone.clone().unwrap_or_default(),
        work_unit: m.work_unit.clone().unwrap_or_default(),
        post: m.post.clone().unwrap_or_default(),
        application_date: d(m.application_date),
        activist_date: d(m.activist_date),
        candidate_date: d(m.candidate_date),
        admission_date: d(m.admission_date),
        conversion_date: d(m.conversion_date),
    };
    let groups = state.store.party_groups(&auth.scope, org.id).await?;
    let heading = format!("编辑 {}", m.name);
    form_page(
        &auth,
        &headers,
        f,
        org,
        (
            groups,
            m.party_group_id.map(|g| g.to_string()).unwrap_or_default(),
        ),
        Some(m.version),
        Errors::new(),
        format!("/members/{id}/edit"),
        heading,
        m.id_masked,
    )
}

async fn edit_submit(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(mut form): Form<MemberForm>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let m = state.store.member_get(&auth.scope, id).await?;
    if !auth.scope.may_write_member(&m.path()) {
        return Err(AppError::Forbidden);
    }
    let org = state.store.org_get(&auth.scope, m.org_id).await?;
    // The ID number is shown masked; left blank it stays as stored.
    let kept_id = form.input.id_number.trim().is_empty();
    let mut input = form.input.clone();
    if kept_id {
        input.id_number = state.store.member_stored_id_number(&auth.scope, id).await?;
    }
    let mut errors = Errors::new();
    match input.parse(state.store.clock.today()) {
        Ok(fields) => match state
            .store
            .member_update(&auth.actor(), &auth.scope, id, form.version, &fields)
            .await
        {
            Ok(()) => {
                let group = form.party_group_id.parse::<i64>().ok();
                match state
                    .store
                    .member_set_party_group(&auth.actor(), &auth.scope, id, group)
                    .await
                {
                    Ok(()) => return Ok(redirect_with(&format!("/members/{id}"), "ok", "已保存")),
                    Err(StoreError::Invalid { message, .. }) => {
                        return Ok(redirect_with(
                            &format!("/members/{id}"),
                            "error",
                            &format!("已保存，但{message}"),
                        ))
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Err(StoreError::Conflict) => {
                errors.add("name", "记录已被他人修改，请刷新页面后重新编辑")
            }
            Err(e) => collect(&mut errors, e)?,
        },
        Err(list) => errors = Errors::from_fields(&list),
    }
    if kept_id {
        form.input.id_number = String::new();
    }
    let groups = state.store.party_groups(&auth.scope, org.id).await?;
    let heading = format!("编辑 {}", m.name);
    form_page(
        &auth,
        &headers,
        form.input,
        org,
        (groups, form.party_group_id.clone()),
        form.version,
        errors,
        format!("/members/{id}/edit"),
        heading,
        m.id_masked,
    )
}

#[derive(Deserialize)]
struct ContactForm {
    kind: String,
    date: String,
    #[serde(default)]
    note: String,
}

/// Records a loss of contact, its end, or a suspension of standing (MEM-003).
async fn contact(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<ContactForm>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let back = format!("/members/{id}#contact");
    let Some(kind) = xianfeng_domain::contact::ContactKind::parse(&f.kind) else {
        return Ok(redirect_with(&back, "error", "请选择登记事项"));
    };
    let date = match parse_date(&f.date) {
        Ok(d) => d,
        Err(e) => return Ok(redirect_with(&back, "error", &format!("日期：{e}"))),
    };
    let note = xianfeng_domain::text::optional(&f.note, 200)
        .map_err(|_| AppError::Invalid("说明最多 200 字".into()))?;
    match state
        .store
        .contact_record(&auth.actor(), &auth.scope, id, kind, date, note.as_deref())
        .await
    {
        Ok(()) => Ok(redirect_with(
            &back,
            "ok",
            &format!("已登记：{}", kind.label()),
        )),
        Err(StoreError::Invalid { message, .. }) => Ok(redirect_with(&back, "error", &message)),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct ArchiveForm {
    reason: String,
    date: String,
    #[serde(default)]
    note: String,
}

async fn archive(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<ArchiveForm>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let back = format!("/members/{id}");
    let Some(reason) = ArchiveReason::parse(&f.reason) else {
        return Ok(redirect_with(&back, "error", "请选择出库原因"));
    };
    let date = match parse_date(&f.date) {
        Ok(d) => d,
        Err(e) => return Ok(redirect_with(&back, "error", &e.to_string())),
    };
    let note = xianfeng_domain::text::optional(&f.note, 200)
        .map_err(|_| AppError::Invalid("备注最多 200 字".into()))?;
    match state
        .store
        .member_archive(
            &auth.actor(),
            &auth.scope,
            id,
            reason,
            date,
            note.as_deref(),
        )
        .await
    {
        Ok(()) => Ok(redirect_with(&back, "ok", "已出库（档案保留，可恢复）")),
        Err(StoreError::Invalid { message, .. }) => Ok(redirect_with(&back, "error", &message)),
        Err(e) => Err(e.into()),
    }
}

async fn restore(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let back = format!("/members/{id}");
    match state
        .store
        .member_restore(&auth.actor(), &auth.scope, id, None)
        .await
    {
        Ok(()) => Ok(redirect_with(&back, "ok", "已恢复在册")),
        Err(StoreError::Invalid { message, .. }) => Ok(redirect_with(&back, "error", &message)),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "members/transfer.html")]
struct TransferPage {
    ctx: PageCtx,
    m: Member,
    target: String,
    date: String,
    note: String,
    error: Option<String>,
}

async fn transfer_page(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let m = state.store.member_get(&auth.scope, id).await?;
    if !auth.scope.may_write_member(&m.path()) {
        return Err(AppError::Forbidden);
    }
    let ctx = PageCtx::new(
        &auth,
        &headers,
        "/members",
        format!("转接 {} 的组织关系", m.name),
    );
    let date = state.store.clock.today().to_string();
    render(
        &TransferPage {
            ctx,
            m,
            target: String::new(),
            date,
            note: String::new(),
            error: None,
        },
        false,
    )
}

#[derive(Deserialize)]
struct TransferForm {
    target: String,
    date: String,
    #[serde(default)]
    note: String,
}

async fn transfer_submit(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<TransferForm>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let m = state.store.member_get(&auth.scope, id).await?;
    let result = async {
        let date = parse_date(&f.date).map_err(|e| StoreError::invalid("date", e.to_string()))?;
        let note = xianfeng_domain::text::optional(&f.note, 200)
            .map_err(|_| StoreError::invalid("note", "备注最多 200 字"))?;
        let target = match state.store.org_by_code(&auth.scope, &f.target).await {
            Ok(t) => t,
            Err(StoreError::NotFound(_)) | Err(StoreError::Forbidden) => {
                return Err(StoreError::invalid(
                    "target",
                    "找不到该组织代码（或不在您的管理范围内）",
                ))
            }
            Err(e) => return Err(e),
        };
        state
            .store
            .member_transfer(
                &auth.actor(),
                &auth.scope,
                id,
                target.id,
                date,
                note.as_deref(),
            )
            .await?;
        Ok(target)
    }
    .await;
    match result {
        Ok(t) => Ok(redirect_with(
            &format!("/members/{id}"),
            "ok",
            &format!("组织关系已转至“{}”", t.name),
        )),
        Err(StoreError::Invalid { message, .. }) => {
            let ctx = PageCtx::new(
                &auth,
                &headers,
                "/members",
                format!("转接 {} 的组织关系", m.name),
            );
            let mut res = render(
                &TransferPage {
                    ctx,
                    m,
                    target: f.target,
                    date: f.date,
                    note: f.note,
                    error: Some(message),
                },
                false,
            )?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

/// The roster filter a query string describes.
fn roster_filter(q: &RosterQuery, org_id: i64) -> MemberFilter {
    MemberFilter {
        q: clean_param(&q.q),
        status: clean_param(&q.status).and_then(|s| MemberStatus::parse(&s)),
        party_only: q.status.as_deref() == Some("party"),
        category: clean_param(&q.category).and_then(|s| Category::parse(&s)),
        gender: clean_param(&q.gender).and_then(|s| Gender::from_code(&s)),
        sector: clean_param(&q.sector).and_then(|s| Sector::parse(&s)),
        under: Some(org_id),
        archived: q.archived.as_deref() == Some("1"),
        sort: MemberSort::parse(q.sort.as_deref().unwrap_or("")),
    }
}

const EXPORT_HEADINGS: &[&str] = &[
    "序号",
    "姓名",
    "性别",
    "民族",
    "出生日期",
    "公民身份号码",
    "学历",
    "人员状态",
    "人员类别",
    "申请入党日期",
    "确定积极分子日期",
    "确定发展对象日期",
    "入党日期",
    "转正日期",
    "所在党组织",
    "组织代码",
    "党小组",
    "联系电话",
    "工作单位",
    "职务",
];

/// The rows of a roster export; full ID numbers only when asked for by a writer (audited).
async fn export_rows(
    state: &AppState,
    auth: &Auth,
    q: &RosterQuery,
) -> Result<(String, Vec<Vec<Out>>), AppError> {
    auth.require(READ_ROLES)?;
    let root = match &auth.scope {
        Scope::Subtree { root_id, .. } => *root_id,
        _ => return Err(AppError::Forbidden),
    };
    let org = state
        .store
        .org_get(&auth.scope, q.org.unwrap_or(root))
        .await?;
    let filter = roster_filter(q, org.id);
    let members = state.store.member_export(&auth.scope, &filter).await?;
    let full = q.ids.as_deref() == Some("full");
    let ids = if full {
        state.store.member_id_numbers(&auth.scope, &members).await?
    } else {
        Default::default()
    };
    state
        .store
        .audit_now(
            &auth.actor(),
            AuditEvent::ok(
                "member.export",
                format!(
                    "导出“{}”名册 {} 人{}",
                    org.name,
                    members.len(),
                    if full {
                        "（含完整身份证号）"
                    } else {
                        "（身份证号脱敏）"
                    }
                ),
            )
            .on("org", org.id),
        )
        .await?;
    let rows = members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            vec![
                Out::Number((i + 1) as f64),
                Out::text(m.name.clone()),
                Out::text(m.gender_label()),
                Out::text(m.ethnicity.clone().unwrap_or_default()),
                Out::Date(m.birth_date),
                Out::text(
                    ids.get(&m.id)
                        .cloned()
                        .unwrap_or_else(|| m.id_masked.clone()),
                ),
                Out::text(m.education_label()),
                Out::text(m.status_label()),
                Out::text(m.category_label()),
                Out::date(m.application_date),
                Out::date(m.activist_date),
                Out::date(m.candidate_date),
                Out::date(m.admission_date),
                Out::date(m.conversion_date),
                Out::text(m.org_name.clone()),
                Out::text(m.org_code.clone()),
                Out::text(m.party_group_name.clone().unwrap_or_default()),
                Out::text(m.phone.clone().unwrap_or_default()),
                Out::text(m.work_unit.clone().unwrap_or_default()),
                Out::text(m.post.clone().unwrap_or_default()),
            ]
        })
        .collect();
    Ok((org.name, rows))
}

async fn export_xlsx(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<RosterQuery>,
) -> PageResult {
    let (org_name, rows) = export_rows(&state, &auth, &q).await?;
    let title = format!("{org_name}党员名册");
    let bytes = xianfeng_exchange::export::xlsx(&xianfeng_exchange::export::Sheet {
        name: "党员名册",
        title: &title,
        as_of: state.store.clock.today(),
        headings: EXPORT_HEADINGS,
        rows: &rows,
    })
    .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(download(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{title}-{}.xlsx", state.store.clock.today()),
    ))
}

async fn export_csv(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<RosterQuery>,
) -> PageResult {
    let (org_name, rows) = export_rows(&state, &auth, &q).await?;
    let bytes = xianfeng_exchange::export::csv(EXPORT_HEADINGS, &rows);
    Ok(download(
        bytes,
        "text/csv; charset=utf-8",
        &format!("{org_name}党员名册-{}.csv", state.store.clock.today()),
    ))
}
