//! Party dues (党费): a branch's month with batch entry, the collection sheet (党费收缴表),
//! and the collection of the branches under an organisation.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use chrono::NaiveDate;
use serde::Deserialize;
use xianfeng_domain::dates::parse_date;
use xianfeng_domain::dues::{
    month_label, month_of, parse_yuan, yuan, DuesBase, DuesCategory, ReductionInput, ReductionKind,
};
use xianfeng_domain::members::MemberStatus;
use xianfeng_domain::parse_year_month;
use xianfeng_domain::scope::Role;
use xianfeng_exchange::export::{xlsx, Out, Sheet};
use xianfeng_store::audit::AuditEvent;
use xianfeng_store::dues::{DuesEntry, DuesLine, DuesRollup, ReductionRecord};
use xianfeng_store::orgs::Org;
use xianfeng_store::StoreError;
use xianfeng_store::{Page, PageReq};

use crate::error::{AppError, PageResult};
use crate::extract::{Form, Query};
use crate::forms::clean_param;
use crate::page::{page_numbers, redirect_with, render, PageCtx};
use crate::routes::Routes;
use crate::session::Auth;
use crate::widgets::download::download;
use crate::widgets::target::target_org;
use crate::widgets::tree::{tree, Tree};
use crate::AppState;

pub fn router() -> Routes {
    Routes::new()
        .get("/dues", index)
        .post("/dues", save)
        .get("/dues/sheet.xlsx", sheet)
        .post("/dues/import", import)
        .post("/dues/reductions", reduction_add)
        .post("/dues/reductions/{id}/withdraw", reduction_withdraw)
}

/// The largest monthly payment accepted (100,000 yuan): larger figures are typing mistakes.
const MAX_FEN: i64 = 10_000_000;

#[derive(Deserialize, Default)]
pub struct DuesQuery {
    org: Option<i64>,
    month: Option<String>,
    /// Order of the sub-organisations: code (default), rate (lowest first), arrears (most
    /// first), unpaid (most first).
    sort: Option<String>,
    /// Only the sub-organisations with members in arrears.
    arrears: Option<String>,
    page: Option<u32>,
}

/// Sub-organisations per page.
const ROWS_PER_PAGE: u32 = 30;

/// Orders the rows as asked; ties by code.
fn sort_rows(rows: &mut [DuesRollup], sort: &str) {
    rows.sort_by(|a, b| {
        let by = match sort {
            // Lowest first; sub-organisations where nobody owes go last.
            "rate" => (a.members == 0).cmp(&(b.members == 0)).then(
                a.rate_value()
                    .partial_cmp(&b.rate_value())
                    .unwrap_or(std::cmp::Ordering::Equal),
            ),
            "arrears" => b.in_arrears.cmp(&a.in_arrears),
            "unpaid" => (b.members - b.paid).cmp(&(a.members - a.paid)),
            _ => std::cmp::Ordering::Equal,
        };
        by.then_with(|| a.code.cmp(&b.code))
    });
}

async fn target(
    state: &AppState,
    auth: &Auth,
    org: Option<i64>,
    month: &Option<String>,
) -> Result<(Org, NaiveDate), AppError> {
    let org = target_org(state, auth, org).await?;
    let this = month_of(state.store.clock.today());
    let month = match clean_param(month) {
        None => this,
        Some(s) => {
            month_of(parse_year_month(&s).map_err(|e| AppError::Invalid(format!("月份：{e}")))?)
        }
    };
    if month > this {
        return Err(AppError::Invalid("不能查看以后月份的党费".into()));
    }
    Ok((org, month))
}

#[derive(Template)]
#[template(path = "dues/index.html")]
struct IndexPage {
    ctx: PageCtx,
    tree: Tree,
    org: Org,
    month: String,
    month_value: String,
    is_branch: bool,
    can_write: bool,
    lines: Vec<DuesLine>,
    /// The page of sub-organisations shown.
    results: Page<DuesRollup>,
    pages: Vec<Option<u32>>,
    /// The query without the page, for the pager.
    base_query: String,
    sort: String,
    arrears_only: bool,
    /// Sub-organisations before the filter.
    children: usize,
    categories: &'static [DuesCategory],
    today: String,
    this_month: String,
    due_total: String,
    paid_total: String,
    paid_count: usize,
    /// Totals over every sub-organisation: members owing, paid, amount, in arrears, rate,
    /// branches, branches keeping dues here.
    totals: (i64, i64, String, i64, String, i64, i64),
    /// A branch: the reductions and exemptions on record, and who may approve them.
    reductions: Vec<ReductionRecord>,
    approvers: Vec<Org>,
    reduction_kinds: &'static [ReductionKind],
}

impl IndexPage {
    fn status_label(&self, s: &str) -> &'static str {
        MemberStatus::parse(s).map_or("", |s| s.label())
    }
    fn cat_selected(&self, l: &DuesLine, c: &DuesCategory) -> bool {
        l.base.is_some_and(|b| b.category == *c)
    }
    fn base_text(&self, l: &DuesLine) -> String {
        l.base
            .and_then(|b| b.base.or(b.farmer_amount))
            .map(yuan)
            .unwrap_or_default()
    }
    fn amount_text(&self, l: &DuesLine) -> String {
        match &l.record {
            Some(r) if r.paid_on.is_some() => yuan(r.amount),
            _ => l.due_text(),
        }
    }
    fn paid_on_text(&self, l: &DuesLine) -> String {
        l.record
            .as_ref()
            .and_then(|r| r.paid_on)
            .map(|d| d.to_string())
            .unwrap_or_default()
    }
    fn reason_text(&self, l: &DuesLine) -> String {
        l.record
            .as_ref()
            .and_then(|r| r.reason.clone())
            .unwrap_or_default()
    }
    fn is_paid(&self, l: &DuesLine) -> bool {
        l.record.as_ref().is_some_and(|r| r.paid_on.is_some())
    }
    fn reduction_text(&self, l: &DuesLine) -> String {
        l.reduction
            .as_ref()
            .map(|r| r.describe())
            .unwrap_or_default()
    }
    fn due_error(&self, l: &DuesLine) -> String {
        l.due.clone().err().unwrap_or_default()
    }
    /// The address of this view with another order (first page).
    fn sort_href(&self, sort: &str) -> String {
        let mut q = format!("/dues?org={}&month={}&sort={sort}", self.org.id, self.month);
        if self.arrears_only {
            q.push_str("&arrears=1");
        }
        q
    }
}

async fn index(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<DuesQuery>,
) -> PageResult {
    let (org, month) = target(&state, &auth, q.org, &q.month).await?;
    let is_branch = org.kind().is_some_and(|k| k.is_branch());
    let (lines, rows) = if is_branch {
        (
            state.store.dues_month(&auth.scope, &org, month).await?,
            Vec::new(),
        )
    } else {
        (
            Vec::new(),
            state.store.dues_rollup(&auth.scope, &org, month).await?,
        )
    };
    let (reductions, approvers) = if is_branch {
        (
            state.store.dues_reductions(&auth.scope, &org).await?,
            state.store.dues_approvers(&org).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let due_total: i64 = lines.iter().filter_map(|l| l.due.clone().ok()).sum();
    let paid: Vec<i64> = lines
        .iter()
        .filter_map(|l| {
            l.record
                .as_ref()
                .filter(|r| r.paid_on.is_some())
                .map(|r| r.amount)
        })
        .collect();
    let totals = {
        let members: i64 = rows.iter().map(|b| b.members).sum();
        let paid: i64 = rows.iter().map(|b| b.paid).sum();
        let fen: i64 = rows.iter().map(|b| b.paid_fen).sum();
        let arrears: i64 = rows.iter().map(|b| b.in_arrears).sum();
        let rate = if members == 0 {
            String::new()
        } else {
            format!("{:.1}%", paid as f64 * 100.0 / members as f64)
        };
        let branches: i64 = rows.iter().map(|b| b.branches).sum();
        let keeping: i64 = rows.iter().map(|b| b.keeping).sum();
        (members, paid, yuan(fen), arrears, rate, branches, keeping)
    };
    let sort = match clean_param(&q.sort).as_deref() {
        Some(s @ ("rate" | "arrears" | "unpaid")) => s.to_string(),
        _ => "code".to_string(),
    };
    let arrears_only = clean_param(&q.arrears).is_some_and(|v| v == "1");
    let children = rows.len();
    let mut rows: Vec<DuesRollup> = rows
        .into_iter()
        .filter(|r| !arrears_only || r.in_arrears > 0)
        .collect();
    sort_rows(&mut rows, &sort);
    let req = PageReq::new(q.page, Some(ROWS_PER_PAGE));
    let total = rows.len() as i64;
    let results = Page {
        items: rows
            .into_iter()
            .skip(req.offset() as usize)
            .take(req.per_page as usize)
            .collect(),
        total,
        page: req.page,
        per_page: req.per_page,
    };
    let mut base_query = format!("org={}&month={}&sort={sort}", org.id, month_label(month));
    if arrears_only {
        base_query.push_str("&arrears=1");
    }
    let ctx = PageCtx::new(&auth, &headers, "/dues", "党费");
    let had = ctx.flash.is_some();
    render(
        &IndexPage {
            ctx,
            tree: tree(&state.store, &auth.scope, Some(org.id), "/dues?org=").await?,
            can_write: is_branch && auth.scope.may_write_member(&org.org_path()),
            month: month_label(month),
            month_value: month_label(month),
            is_branch,
            lines,
            pages: page_numbers(results.page, results.pages()),
            results,
            base_query,
            sort,
            arrears_only,
            children,
            categories: DuesCategory::ALL,
            today: state.store.clock.today().to_string(),
            this_month: month_label(state.store.clock.today()),
            due_total: yuan(due_total),
            paid_total: yuan(paid.iter().sum()),
            paid_count: paid.len(),
            totals,
            reductions,
            approvers,
            reduction_kinds: ReductionKind::ALL,
            org,
        },
        had,
    )
}

#[derive(Deserialize)]
struct ReductionForm {
    org: i64,
    month: String,
    #[serde(default)]
    member_id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    from_month: String,
    #[serde(default)]
    to_month: String,
    #[serde(default)]
    approval_org_id: String,
    #[serde(default)]
    approved_on: String,
    #[serde(default)]
    document_no: String,
    #[serde(default)]
    reason: String,
}

/// The branch a reduction form is for, and the address of its section to go back to.
async fn reductions_target(
    state: &AppState,
    auth: &Auth,
    org: i64,
    month: &str,
) -> Result<(Org, String), AppError> {
    auth.require(&[Role::OrgAdmin])?;
    let (org, month) = target(state, auth, Some(org), &Some(month.to_string())).await?;
    let back = format!(
        "/dues?org={}&month={}#reductions",
        org.id,
        month_label(month)
    );
    Ok((org, back))
}

/// Records an approved reduction or exemption (减免党费批准) for a member of the branch.
async fn reduction_add(
    State(state): State<AppState>,
    auth: Auth,
    Form(f): Form<ReductionForm>,
) -> PageResult {
    let (org, back) = reductions_target(&state, &auth, f.org, &f.month).await?;
    let input = ReductionInput {
        // A missing choice reads as 0, which the store refuses with its message.
        member_id: f.member_id.trim().parse().unwrap_or(0),
        kind: f.kind,
        amount: f.amount,
        from_month: f.from_month,
        to_month: f.to_month,
        approval_org_id: f.approval_org_id.trim().parse().unwrap_or(0),
        approved_on: f.approved_on,
        document_no: f.document_no,
        reason: f.reason,
    };
    let fields = match input.parse(state.store.clock.today()) {
        Ok(x) => x,
        Err((_, message)) => return Ok(redirect_with(&back, "error", &message)),
    };
    match state
        .store
        .dues_reduction_add(&auth.actor(), &auth.scope, &org, &fields)
        .await
    {
        Ok(_) => Ok(redirect_with(
            &back,
            "ok",
            "已登记减免批准，党费检查已按批准重新判断",
        )),
        Err(StoreError::Invalid { message, .. }) => Ok(redirect_with(&back, "error", &message)),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct WithdrawForm {
    org: i64,
    month: String,
    #[serde(default)]
    reason: String,
}

/// Withdraws a reduction entered in error (kept, marked, audited).
async fn reduction_withdraw(
    State(state): State<AppState>,
    auth: Auth,
    crate::extract::Path(id): crate::extract::Path<i64>,
    Form(f): Form<WithdrawForm>,
) -> PageResult {
    let (_, back) = reductions_target(&state, &auth, f.org, &f.month).await?;
    match state
        .store
        .dues_reduction_withdraw(&auth.actor(), &auth.scope, id, &f.reason)
        .await
    {
        Ok(()) => Ok(redirect_with(&back, "ok", "已撤销这条减免记录（记录保留）")),
        Err(StoreError::Invalid { message, .. }) => Ok(redirect_with(&back, "error", &message)),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
struct SaveForm {
    #[serde(flatten)]
    fields: HashMap<String, String>,
}

impl SaveForm {
    fn get(&self, id: i64, key: &str) -> &str {
        self.fields
            .get(&format!("m{id}_{key}"))
            .map(|s| s.trim())
            .unwrap_or("")
    }
}

async fn save(State(state): State<AppState>, auth: Auth, Form(f): Form<SaveForm>) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let org_id = f.fields.get("org").and_then(|s| s.parse().ok());
    let month_text = f.fields.get("month").cloned();
    let (org, month) = target(&state, &auth, org_id, &month_text).await?;
    let back = format!("/dues?org={}&month={}", org.id, month_label(month));
    let lines = state.store.dues_month(&auth.scope, &org, month).await?;
    let today = state.store.clock.today();
    let mut entries = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    for l in &lines {
        let id = l.member_id;
        let Some(category) = DuesCategory::parse(f.get(id, "cat")) else {
            if f.get(id, "paid") == "1" {
                problems.push(format!("{}：请选择计算类别", l.name));
            }
            continue;
        };
        let money = f.get(id, "base");
        let amount = if money.is_empty() {
            None
        } else {
            parse_yuan(money)
        };
        if !money.is_empty() && amount.is_none() {
            problems.push(format!("{}：“{money}”不是金额", l.name));
            continue;
        }
        let base = match category {
            DuesCategory::Farmer => DuesBase {
                category,
                base: None,
                farmer_amount: amount,
            },
            _ => DuesBase {
                category,
                base: amount,
                farmer_amount: None,
            },
        };
        let paid = if f.get(id, "paid") == "1" {
            let raw = f.get(id, "amount");
            let a = match parse_yuan(raw) {
                _ if raw.is_empty() => {
                    problems.push(format!("{}：请填写实缴金额", l.name));
                    continue;
                }
                Some(a) if a <= MAX_FEN => a,
                Some(_) => {
                    problems.push(format!("{}：实缴金额“{raw}”过大，请核对", l.name));
                    continue;
                }
                None => {
                    problems.push(format!("{}：实缴金额“{raw}”不是金额", l.name));
                    continue;
                }
            };
            let on = match parse_date(f.get(id, "on")) {
                Ok(d) if d > today => {
                    problems.push(format!("{}：缴纳日期不能晚于今天", l.name));
                    continue;
                }
                Ok(d) => d,
                Err(_) => {
                    problems.push(format!("{}：请填写缴纳日期", l.name));
                    continue;
                }
            };
            Some((a, on))
        } else {
            None
        };
        let reason = xianfeng_domain::text::optional(f.get(id, "reason"), 100)
            .map_err(|_| AppError::Invalid(format!("{}：原因最多 100 字", l.name)))?;
        entries.push(DuesEntry {
            member_id: id,
            base,
            paid,
            reason,
            collector: Some(auth.account.display_name.clone()),
        });
    }
    if !problems.is_empty() {
        return Ok(redirect_with(&back, "error", &problems.join("；")));
    }
    match state
        .store
        .dues_save_month(&auth.actor(), &auth.scope, &org, month, &entries)
        .await
    {
        Ok(n) => Ok(redirect_with(
            &back,
            "ok",
            &format!(
                "已保存 {} 的党费：登记缴纳或未缴原因 {n} 人，缴费基数已更新",
                month_label(month)
            ),
        )),
        Err(StoreError::Invalid { message, .. }) => Ok(redirect_with(&back, "error", &message)),
        Err(e) => Err(e.into()),
    }
}

/// 党费收缴表: the branch's month as a workbook.
async fn sheet(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<DuesQuery>,
) -> PageResult {
    let (org, month) = target(&state, &auth, q.org, &q.month).await?;
    if !org.kind().is_some_and(|k| k.is_branch()) {
        return Err(AppError::Invalid(
            "党费收缴表按党支部导出，请先选择党支部".into(),
        ));
    }
    let lines = state.store.dues_month(&auth.scope, &org, month).await?;
    let money = |f: Option<i64>| f.map_or(Out::Empty, |f| Out::Number(f as f64 / 100.0));
    let mut rows: Vec<Vec<Out>> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let r = l.record.as_ref();
            let paid = r.filter(|r| r.paid_on.is_some());
            vec![
                Out::Number((i + 1) as f64),
                Out::text(l.name.clone()),
                Out::text(MemberStatus::parse(&l.status).map_or("", |s| s.label())),
                Out::text(l.base.map_or("", |b| b.category.label())),
                money(l.base.and_then(|b| b.base.or(b.farmer_amount))),
                money(l.due.clone().ok()),
                money(paid.map(|r| r.amount)),
                Out::date(paid.and_then(|r| r.paid_on)),
                Out::text(paid.and(l.collector.clone()).unwrap_or_default()),
                Out::text(r.and_then(|r| r.reason.clone()).unwrap_or_default()),
            ]
        })
        .collect();
    let due: i64 = lines.iter().filter_map(|l| l.due.clone().ok()).sum();
    let paid: i64 = lines
        .iter()
        .filter_map(|l| {
            l.record
                .as_ref()
                .filter(|r| r.paid_on.is_some())
                .map(|r| r.amount)
        })
        .sum();
    rows.push(vec![
        Out::Empty,
        Out::text("合计"),
        Out::Empty,
        Out::Empty,
        Out::Empty,
        money(Some(due)),
        money(Some(paid)),
        Out::Empty,
        Out::Empty,
        Out::Empty,
    ]);
    let title = format!("{}党费收缴表（{}）", org.name, month_label(month));
    let bytes = xlsx(&Sheet {
        name: "党费收缴表",
        title: &title,
        as_of: state.store.clock.today(),
        headings: &[
            "序号",
            "姓名",
            "党员类别",
            "计算类别",
            "月收入基数或农民缴纳额（元）",
            "应缴（元）",
            "实缴（元）",
            "缴纳日期",
            "收缴人",
            "备注（减免缓交原因）",
        ],
        rows: &rows,
    })
    .map_err(|e| AppError::Internal(e.to_string()))?;
    state
        .store
        .audit_now(
            &auth.actor(),
            AuditEvent::ok(
                "dues.export",
                format!("导出“{}”{} 党费收缴表", org.name, month_label(month)),
            )
            .on("org", org.id),
        )
        .await?;
    Ok(download(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{}党费收缴表_{}.xlsx", org.name, month_label(month)),
    )
    .into_response())
}

/// Imports a filled-in collection sheet for the branch and month: all rows or none.
async fn import(
    State(state): State<AppState>,
    auth: Auth,
    mut form: axum::extract::Multipart,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let mut org_id = None;
    let mut month = None;
    let mut bytes: Option<Vec<u8>> = None;
    let failed = || AppError::Invalid("上传失败：文件过大或传输中断".into());
    while let Some(field) = form.next_field().await.map_err(|_| failed())? {
        match field.name() {
            Some("org") => org_id = field.text().await.ok().and_then(|t| t.trim().parse().ok()),
            Some("month") => month = field.text().await.ok(),
            Some("file") => bytes = Some(field.bytes().await.map_err(|_| failed())?.to_vec()),
            _ => {}
        }
    }
    let (org, month) = target(&state, &auth, org_id, &month).await?;
    let back = format!("/dues?org={}&month={}", org.id, month_label(month));
    let Some(bytes) = bytes.filter(|b| !b.is_empty()) else {
        return Ok(redirect_with(&back, "error", "请选择要导入的党费收缴表"));
    };
    let table = match xianfeng_exchange::table::read_table(&bytes, Default::default()) {
        Ok(t) => t,
        Err(e) => return Ok(redirect_with(&back, "error", &e.to_string())),
    };
    let sheet = match xianfeng_exchange::dues::read_dues(&table) {
        Ok(s) => s,
        Err(e) => return Ok(redirect_with(&back, "error", &e.to_string())),
    };
    let lines = state.store.dues_month(&auth.scope, &org, month).await?;
    let mut problems: Vec<String> = sheet
        .rejected
        .iter()
        .map(|e| format!("第 {} 行 {}：{}", e.row, e.column, e.reason))
        .collect();
    let mut entries = Vec::new();
    for r in &sheet.rows {
        let named: Vec<&DuesLine> = lines.iter().filter(|l| l.name == r.name).collect();
        let line = match named.as_slice() {
            [one] => *one,
            [] => {
                problems.push(format!(
                    "第 {} 行：{}不在本支部 {} 应缴党费的名单中",
                    r.row,
                    r.name,
                    month_label(month)
                ));
                continue;
            }
            _ => {
                problems.push(format!(
                    "第 {} 行：本支部有多人名为{}，请在页面上逐人登记",
                    r.row, r.name
                ));
                continue;
            }
        };
        // A row with nothing paid, no reason and no base says nothing about the month.
        if r.paid.is_none() && r.reason.is_none() && r.category.is_none() && r.base.is_none() {
            continue;
        }
        let category = match r.category.or(line.base.map(|b| b.category)) {
            Some(c) => c,
            None => {
                problems.push(format!(
                    "第 {} 行：{}未填写计算类别（本人尚未登记缴费基数）",
                    r.row, r.name
                ));
                continue;
            }
        };
        let amount = r
            .base
            .or(line.base.and_then(|b| b.base.or(b.farmer_amount)));
        let base = match category {
            DuesCategory::Farmer => DuesBase {
                category,
                base: None,
                farmer_amount: amount,
            },
            _ => DuesBase {
                category,
                base: amount,
                farmer_amount: None,
            },
        };
        entries.push(DuesEntry {
            member_id: line.member_id,
            base,
            paid: r.paid,
            reason: r.reason.clone(),
            collector: Some(auth.account.display_name.clone()),
        });
    }
    if !problems.is_empty() {
        let n = problems.len();
        problems.truncate(20);
        return Ok(redirect_with(
            &back,
            "error",
            &format!("未导入（共 {n} 处问题）：{}", problems.join("；")),
        ));
    }
    match state
        .store
        .dues_save_month(&auth.actor(), &auth.scope, &org, month, &entries)
        .await
    {
        Ok(n) => Ok(redirect_with(
            &back,
            "ok",
            &format!("已从收缴表导入 {n} 人的党费登记"),
        )),
        Err(StoreError::Invalid { message, .. }) => Ok(redirect_with(&back, "error", &message)),
        Err(e) => Err(e.into()),
    }
}
