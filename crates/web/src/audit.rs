//! The audit administrator's view of the audit log: filter, page and export (CSV).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use xianfeng_domain::dates::parse_date;
use xianfeng_domain::scope::Role;
use xianfeng_store::audit::{AuditEvent, AuditFilter, AuditRow};
use xianfeng_store::{Page, PageReq};

use crate::auth::Auth;
use crate::error::PageResult;
use crate::forms::{clean_param, query};
use crate::page::{page_numbers, render, PageCtx};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/audit", get(index))
        .route("/audit/export.csv", get(export))
}

#[derive(Deserialize, Default)]
struct AuditQuery {
    from: Option<String>,
    to: Option<String>,
    user: Option<String>,
    event: Option<String>,
    failures: Option<String>,
    page: Option<u32>,
}

fn filter_of(q: &AuditQuery) -> (AuditFilter, Vec<(&'static str, String)>) {
    let from = clean_param(&q.from).and_then(|s| parse_date(&s).ok());
    let to = clean_param(&q.to).and_then(|s| parse_date(&s).ok());
    let user = clean_param(&q.user);
    let event = clean_param(&q.event);
    let failures = q.failures.as_deref() == Some("1");
    let pairs = vec![
        ("from", from.map(|d| d.to_string()).unwrap_or_default()),
        ("to", to.map(|d| d.to_string()).unwrap_or_default()),
        ("user", user.clone().unwrap_or_default()),
        ("event", event.clone().unwrap_or_default()),
        (
            "failures",
            if failures { "1".into() } else { String::new() },
        ),
    ];
    (
        AuditFilter {
            from,
            to,
            username: user,
            event,
            failures_only: failures,
        },
        pairs,
    )
}

pub const EVENT_KINDS: &[(&str, &str)] = &[
    ("auth.", "登录与退出"),
    ("account.", "账号与角色"),
    ("org.", "组织"),
    ("member.", "人员"),
    ("config.", "配置"),
    ("token.", "接口令牌"),
    ("audit.", "审计导出"),
    ("setup.", "系统初始化"),
];

#[derive(Template)]
#[template(path = "audit/index.html")]
struct IndexPage {
    ctx: PageCtx,
    results: Page<AuditRow>,
    from: String,
    to: String,
    user: String,
    event: String,
    failures: bool,
    pages: Vec<Option<u32>>,
    base_query: String,
    kinds: &'static [(&'static str, &'static str)],
}

async fn index(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    auth.require(&[Role::AuditAdmin])?;
    let (f, pairs) = filter_of(&q);
    let results = state
        .store
        .audit_list(&f, PageReq::new(q.page, Some(50)))
        .await?;
    let ctx = PageCtx::new(&auth, &headers, "/audit", "审计日志");
    let had = ctx.flash.is_some();
    let pages = page_numbers(results.page, results.pages());
    render(
        &IndexPage {
            ctx,
            results,
            from: pairs[0].1.clone(),
            to: pairs[1].1.clone(),
            user: pairs[2].1.clone(),
            event: pairs[3].1.clone(),
            failures: f.failures_only,
            pages,
            base_query: query(&pairs),
            kinds: EVENT_KINDS,
        },
        had,
    )
}

fn csv_field(s: &str) -> String {
    // Cells that a spreadsheet would run as a formula are prefixed with a quote.
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

async fn export(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    auth.require(&[Role::AuditAdmin])?;
    let (f, pairs) = filter_of(&q);
    let rows = state.store.audit_export(&f).await?;
    state
        .store
        .audit_now(
            &auth.actor(),
            AuditEvent::ok(
                "audit.export",
                format!("导出审计日志 {} 条，条件：{}", rows.len(), query(&pairs)),
            ),
        )
        .await?;
    let mut out =
        String::from("\u{feff}序号,时间,账号,来源地址,事件,对象,对象编号,结果,摘要,哈希\r\n");
    for r in rows {
        let line = [
            r.seq.to_string(),
            crate::forms::local_time(&r.at),
            r.username.unwrap_or_default(),
            r.source_ip.unwrap_or_default(),
            r.event,
            r.object_type.unwrap_or_default(),
            r.object_id.unwrap_or_default(),
            if r.result == "success" {
                "成功".into()
            } else {
                "失败".into()
            },
            r.summary,
            r.hash,
        ]
        .iter()
        .map(|s| csv_field(s))
        .collect::<Vec<_>>()
        .join(",");
        out.push_str(&line);
        out.push_str("\r\n");
    }
    let name = format!("audit-{}.csv", state.store.clock.today());
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        out,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_quoting() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
        assert_eq!(csv_field("plain"), "plain");
    }
}
