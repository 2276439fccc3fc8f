//! Transfers of membership with letters (组织关系转接): issue, record a receipt or an arrival,
//! cancel; and the letters leaving and arriving in a subtree.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use chrono::NaiveDate;
use serde::Deserialize;
use xianfeng_domain::dates::parse_date;
use xianfeng_domain::scope::{Role, Scope};
use xianfeng_store::letters::{Destination, Letter};
use xianfeng_store::orgs::Org;
use xianfeng_store::StoreError;

use crate::error::{AppError, PageResult};
use crate::extract::{Form, Path, Query};
use crate::page::{redirect_with, render, PageCtx};
use crate::routes::Routes;
use crate::session::Auth;
use crate::widgets::target::target_org;
use crate::widgets::tree::{tree, Tree};
use crate::AppState;

pub fn router() -> Routes {
    Routes::new()
        .get("/transfers", index)
        .post("/members/{id}/letters", issue)
        .post("/members/{id}/letters/in", receive)
        .post("/letters/{id}/report", report)
        .post("/letters/{id}/cancel", cancel)
}

#[derive(Deserialize, Default)]
pub struct OrgQuery {
    org: Option<i64>,
}

#[derive(Template)]
#[template(path = "letters/index.html")]
struct IndexPage {
    ctx: PageCtx,
    tree: Tree,
    org: Org,
    letters: Vec<Letter>,
    today: NaiveDate,
    /// Organisation ids the caller may write to (to confirm arrivals).
    writable: Vec<i64>,
    /// Organisation ids the caller sees (whose people the caller may open).
    visible: Vec<i64>,
    /// Organisation ids of the subtree shown.
    here: Vec<i64>,
}

impl IndexPage {
    /// Arriving in or leaving the subtree shown.
    fn direction(&self, l: &Letter) -> &'static str {
        match l.to_org_id {
            Some(t) if self.here.contains(&t) => "转入",
            _ if l.direction == "in" => "转入",
            _ => "转出",
        }
    }
    /// Whether the caller may open the person's page (where the person is now).
    fn may_view(&self, l: &Letter) -> bool {
        let now = match (l.status.as_str(), l.to_org_id) {
            ("reported", Some(t)) => Some(t),
            _ => l.from_org_id.or(l.to_org_id),
        };
        now.is_some_and(|o| self.visible.contains(&o))
    }
    fn may_confirm(&self, l: &Letter) -> bool {
        l.status == "open"
            && match l.to_org_id {
                Some(t) => self.writable.contains(&t),
                None => l.from_org_id.is_some_and(|f| self.writable.contains(&f)),
            }
    }
}

async fn index(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<OrgQuery>,
) -> PageResult {
    let org = target_org(&state, &auth, q.org).await?;
    let letters = state.store.letters_in(&auth.scope, &org.org_path()).await?;
    let all = state.store.org_all(&auth.scope).await?;
    let writable = all
        .iter()
        .filter(|o| auth.scope.may_write_member(&o.org_path()))
        .map(|o| o.id)
        .collect();
    let visible = all.iter().map(|o| o.id).collect();
    let path = org.org_path();
    let here = all
        .iter()
        .filter(|o| path.contains(&o.org_path()))
        .map(|o| o.id)
        .collect();
    let ctx = PageCtx::new(&auth, &headers, "/transfers", "组织关系转接");
    let had = ctx.flash.is_some();
    render(
        &IndexPage {
            ctx,
            tree: tree(&state.store, &auth.scope, Some(org.id), "/transfers?org=").await?,
            org,
            letters,
            today: state.store.clock.today(),
            writable,
            visible,
            here,
        },
        had,
    )
}

#[derive(Deserialize)]
struct IssueForm {
    letter_no: String,
    #[serde(default)]
    to_code: String,
    #[serde(default)]
    to_outside: String,
    issued_on: String,
    #[serde(default)]
    valid_until: String,
}

fn optional_date(s: &str, label: &str) -> Result<Option<NaiveDate>, String> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        parse_date(s).map(Some).map_err(|e| format!("{label}：{e}"))
    }
}

/// A refusal to show on the page; a letter or person that is absent (or out of scope, which
/// answers alike) is a 404 page instead.
fn message(e: StoreError) -> Result<String, AppError> {
    match e {
        StoreError::Invalid { message, .. } => Ok(message),
        e => Err(e.into()),
    }
}

async fn issue(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<IssueForm>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let back = format!("/members/{id}");
    let to = match (f.to_code.trim(), f.to_outside.trim()) {
        ("", "") => {
            return Ok(redirect_with(
                &back,
                "error",
                "请填写转往的党支部代码或系统外党组织名称",
            ))
        }
        (code, "") => match state.store.org_by_code(&Scope::Structure, code).await {
            Ok(o) => Destination::Org(o.id),
            Err(_) => {
                return Ok(redirect_with(
                    &back,
                    "error",
                    &format!("找不到组织代码 {code}；系统外的党组织请填在“系统外党组织”"),
                ))
            }
        },
        ("", name) => Destination::Outside(name.to_string()),
        _ => {
            return Ok(redirect_with(
                &back,
                "error",
                "转往系统内党支部或系统外党组织，只填一项",
            ))
        }
    };
    let issued_on = match parse_date(&f.issued_on) {
        Ok(d) => d,
        Err(e) => return Ok(redirect_with(&back, "error", &format!("开具日期：{e}"))),
    };
    let valid_until = match optional_date(&f.valid_until, "有效期") {
        Ok(v) => v,
        Err(m) => return Ok(redirect_with(&back, "error", &m)),
    };
    match state
        .store
        .letter_issue(
            &auth.actor(),
            &auth.scope,
            id,
            &f.letter_no,
            to,
            issued_on,
            valid_until,
        )
        .await
    {
        Ok(_) => Ok(redirect_with(
            &back,
            "ok",
            "已开具介绍信；本人报到后由接收方确认",
        )),
        Err(e) => Ok(redirect_with(&back, "error", &message(e)?)),
    }
}

#[derive(Deserialize)]
struct ReceiveForm {
    letter_no: String,
    from: String,
    issued_on: String,
    #[serde(default)]
    valid_until: String,
    reported_on: String,
}

async fn receive(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<ReceiveForm>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let back = format!("/members/{id}");
    let dates = (
        parse_date(&f.issued_on),
        optional_date(&f.valid_until, "有效期"),
        parse_date(&f.reported_on),
    );
    let (issued_on, valid_until, reported_on) = match dates {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c),
        _ => {
            return Ok(redirect_with(
                &back,
                "error",
                "请正确填写开具日期和报到日期",
            ))
        }
    };
    match state
        .store
        .letter_receive(
            &auth.actor(),
            &auth.scope,
            id,
            &f.letter_no,
            &f.from,
            issued_on,
            valid_until,
            reported_on,
        )
        .await
    {
        Ok(_) => Ok(redirect_with(&back, "ok", "已登记转入介绍信")),
        Err(e) => Ok(redirect_with(&back, "error", &message(e)?)),
    }
}

#[derive(Deserialize)]
struct ReportForm {
    reported_on: String,
    #[serde(default)]
    back: String,
}

async fn report(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<ReportForm>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let back = if crate::page::is_local_path(&f.back) {
        f.back.clone()
    } else {
        "/transfers".into()
    };
    let on = match parse_date(&f.reported_on) {
        Ok(d) => d,
        Err(e) => return Ok(redirect_with(&back, "error", &format!("报到日期：{e}"))),
    };
    match state
        .store
        .letter_report(&auth.actor(), &auth.scope, id, on)
        .await
    {
        Ok(true) => Ok(redirect_with(
            &back,
            "ok",
            "已确认报到，组织关系已转入本支部",
        )),
        Ok(false) => Ok(redirect_with(
            &back,
            "ok",
            "已登记对方接收，该人员已转出（出库，档案保留）",
        )),
        Err(e) => Ok(redirect_with(&back, "error", &message(e)?)),
    }
}

#[derive(Deserialize)]
struct CancelForm {
    #[serde(default)]
    back: String,
}

async fn cancel(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<CancelForm>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let back = if crate::page::is_local_path(&f.back) {
        f.back.clone()
    } else {
        "/transfers".into()
    };
    match state
        .store
        .letter_cancel(&auth.actor(), &auth.scope, id)
        .await
    {
        Ok(()) => Ok(redirect_with(&back, "ok", "介绍信已作废（记录保留）")),
        Err(e) => Ok(redirect_with(&back, "error", &message(e)?)),
    }
}
