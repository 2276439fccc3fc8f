//! Compliance (合规检查): counts by rule for a subtree, organisations ranked, the findings
//! behind each count and their export.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use chrono::NaiveDate;
use serde::Deserialize;
use xianfeng_domain::rules::{catalogue, is_rule, rule_title, Severity};
use xianfeng_store::audit::AuditEvent;
use xianfeng_store::compliance::{FindingFilter, OrgRank};
use xianfeng_store::orgs::Org;
use xianfeng_store::{Page, PageReq};

use crate::error::{AppError, PageResult};
use crate::extract::Query;
use crate::forms::{clean_param, query};
use crate::page::{page_numbers, render, PageCtx};
use crate::routes::Routes;
use crate::session::Auth;
use crate::widgets::download::download;
use crate::widgets::findings::FindingView;
use crate::widgets::target::target_org;
use crate::widgets::tree::{tree, Tree};
use crate::AppState;

pub fn router() -> Routes {
    Routes::new()
        .get("/compliance", index)
        .get("/compliance/export.xlsx", export_xlsx)
}

#[derive(Deserialize, Default)]
pub struct CheckQuery {
    org: Option<i64>,
    /// `1`: only the deadline rules (the home page's to-do list in full).
    deadlines: Option<String>,
    rule: Option<String>,
    severity: Option<String>,
    page: Option<u32>,
}

fn filter_of(q: &CheckQuery) -> FindingFilter {
    FindingFilter {
        rule: clean_param(&q.rule).filter(|r| is_rule(r)),
        severity: clean_param(&q.severity).filter(|s| Severity::parse(s).is_some()),
        deadlines: clean_param(&q.deadlines).is_some(),
    }
}

/// One line of the by-rule table.
pub struct RuleLine {
    pub rule: &'static str,
    pub title: &'static str,
    pub errors: i64,
    pub warnings: i64,
}

#[derive(Template)]
#[template(path = "compliance/index.html")]
struct IndexPage {
    ctx: PageCtx,
    tree: Tree,
    org: Org,
    lines: Vec<RuleLine>,
    total_errors: i64,
    total_warnings: i64,
    ranking: Vec<OrgRank>,
    results: Page<FindingView>,
    pages: Vec<Option<u32>>,
    base_query: String,
    keep: String,
    rule: String,
    severity: String,
    deadlines: bool,
    today: NaiveDate,
}

async fn index(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<CheckQuery>,
) -> PageResult {
    let org = target_org(&state, &auth, q.org).await?;
    let store = &state.store;
    let counts = store.findings_summary(&auth.scope, &org).await?;
    let mut lines: Vec<RuleLine> = Vec::new();
    for (rule, title) in catalogue().map(|e| (e.id, e.title)) {
        let n = |sev: &str| {
            counts
                .iter()
                .filter(|c| c.rule == rule && c.severity == sev)
                .map(|c| c.count)
                .sum::<i64>()
        };
        let (errors, warnings) = (n("error"), n("warning"));
        if errors + warnings > 0 {
            lines.push(RuleLine {
                rule,
                title,
                errors,
                warnings,
            });
        }
    }
    let total_errors = lines.iter().map(|l| l.errors).sum();
    let total_warnings = lines.iter().map(|l| l.warnings).sum();
    let f = filter_of(&q);
    let ranking = store.findings_ranking(&auth.scope, &org, &f).await?;
    let page = store
        .findings_list(&auth.scope, &org, &f, PageReq::new(q.page, Some(50)))
        .await?;
    let results = Page {
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        items: page.items.into_iter().map(FindingView::of).collect(),
    };
    let rule = f.rule.clone().unwrap_or_default();
    let severity = f.severity.clone().unwrap_or_default();
    let deadlines = f.deadlines;
    let base_query = query(&[
        ("org", org.id.to_string()),
        ("rule", rule.clone()),
        ("severity", severity.clone()),
        (
            "deadlines",
            if deadlines { "1".into() } else { String::new() },
        ),
    ]);
    let ctx = PageCtx::new(&auth, &headers, "/compliance", "合规检查");
    let had = ctx.flash.is_some();
    render(
        &IndexPage {
            ctx,
            tree: tree(store, &auth.scope, Some(org.id), "/compliance?org=").await?,
            keep: query(&[("org", org.id.to_string())]),
            org,
            lines,
            total_errors,
            total_warnings,
            ranking,
            pages: page_numbers(results.page, results.pages()),
            results,
            base_query,
            rule,
            severity,
            deadlines,
            today: store.clock.today(),
        },
        had,
    )
}

async fn export_xlsx(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<CheckQuery>,
) -> PageResult {
    let org = target_org(&state, &auth, q.org).await?;
    let f = filter_of(&q);
    let mut rows = Vec::new();
    let mut page = 1;
    // At most 100,000 rows in one workbook (500 pages of 200).
    while page <= 500 {
        let p = state
            .store
            .findings_list(&auth.scope, &org, &f, PageReq::new(Some(page), Some(200)))
            .await?;
        let n = p.items.len();
        let total = p.total;
        for s in p.items {
            let v = FindingView::of(s);
            rows.push(xianfeng_exchange::compliance::FindingRow {
                rule: v.f.rule.clone(),
                severity: v.f.severity_label().to_string(),
                org_code: v.f.org_code.clone(),
                org_name: v.f.org_name.clone(),
                subject_kind: if v.f.subject_type == "org" {
                    "组织"
                } else {
                    "人员"
                },
                subject_name: v.f.subject_name.clone(),
                message: v.f.message.clone(),
                dates: v.dates,
            });
        }
        if n == 0 || rows.len() as i64 >= total {
            break;
        }
        page += 1;
    }
    let today = state.store.clock.today();
    let bytes = xianfeng_exchange::compliance::findings_xlsx(today, &rows)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    state
        .store
        .audit_now(
            &auth.actor(),
            AuditEvent::ok(
                "compliance.export",
                format!("导出“{}”合规检查结果 {} 条", org.name, rows.len()),
            )
            .on("org", org.id),
        )
        .await?;
    Ok(download(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{}合规检查_{}.xlsx", org.name, today),
    )
    .into_response())
}

/// Title of a rule, for templates.
pub fn title(rule: &str) -> &'static str {
    rule_title(rule)
}

/// Every implemented rule: id, title, severity label.
pub fn rule_list() -> Vec<(&'static str, &'static str, &'static str)> {
    catalogue()
        .map(|e| (e.id, e.title, e.severity.label()))
        .collect()
}
