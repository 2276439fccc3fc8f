//! The audit administrator's view of the audit log: filter, page and export (CSV).

use crate::extract::Query;
use crate::routes::Routes;
use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::IntoResponse;
use serde::Deserialize;
use xianfeng_domain::dates::parse_date;
use xianfeng_domain::scope::Role;
use xianfeng_store::audit::{AuditEvent, AuditFilter, AuditRow};
use xianfeng_store::{Page, PageReq};

use crate::error::PageResult;
use crate::forms::{clean_param, query};
use crate::page::{page_numbers, render, PageCtx};
use crate::session::Auth;
use crate::AppState;

pub fn router() -> Routes {
    Routes::new()
        .get("/audit", index)
        .get("/audit/export.csv", export)
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

/// The Chinese name of an audit event code.
pub fn event_label(code: &str) -> &'static str {
    match code {
        "auth.login" => "登录",
        "auth.logout" => "退出登录",
        "auth.totp" => "两步验证",
        "account.create" => "新建账号",
        "account.role" => "调整角色",
        "account.disable" => "停用账号",
        "account.enable" => "启用账号",
        "account.reset_password" => "重置密码",
        "account.password" => "修改密码",
        "account.lock" => "锁定账号",
        "account.unlock" => "解锁账号",
        "account.totp_begin" => "生成两步验证密钥",
        "account.totp_enable" => "启用两步验证",
        "account.totp_reset" => "清除两步验证",
        "org.create" => "新建组织",
        "org.update" => "修改组织",
        "org.move" => "调整隶属",
        "org.archive" => "撤销组织",
        "org.restore" => "恢复组织",
        "member.create" => "登记人员",
        "member.update" => "修改人员",
        "member.archive" => "人员出库",
        "member.restore" => "恢复在册",
        "member.transfer" => "转接组织关系",
        "member.party_group" => "调整党小组",
        "member.export" => "导出名册",
        "member.import" => "导入名册",
        "member.import_check" => "检查导入文件",
        "org.import_check" => "检查组织导入文件",
        "stats.export" => "导出党内统计",
        "demo.fill" => "生成演示数据",
        "org.import" => "导入组织",
        "member.reveal_id" => "查看完整身份证号",
        "config.policy" => "修改安全策略",
        "token.issue" => "签发接口令牌",
        "audit.export" => "导出审计日志",
        "setup.complete" => "系统初始化",
        "backup.create" => "备份",
        "backup.restore" => "恢复备份",
        _ => "其他",
    }
}

/// The Chinese name of an audited object type.
pub fn object_label(code: &str) -> &'static str {
    match code {
        "account" => "账号",
        "member" => "人员",
        "org" => "组织",
        "api_token" => "接口令牌",
        _ => "",
    }
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
    warning: Option<String>,
}

async fn index(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    auth.require(&[Role::AuditAdmin])?;
    let (f, pairs) = filter_of(&q);
    let bad: Vec<&str> = [(&q.from, "起始日期"), (&q.to, "截止日期")]
        .iter()
        .filter(|(v, _)| clean_param(v).is_some_and(|s| parse_date(&s).is_err()))
        .map(|(_, label)| *label)
        .collect();
    let warning = (!bad.is_empty()).then(|| {
        format!(
            "{}格式不正确（应为 2026-01-31 这样的日期），该条件未生效",
            bad.join("、")
        )
    });
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
            warning,
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
            format!("{}（{}）", event_label(&r.event), r.event),
            r.object_type
                .as_deref()
                .map(object_label)
                .unwrap_or_default()
                .to_string(),
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
