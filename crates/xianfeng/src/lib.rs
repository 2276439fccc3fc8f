//! Start-up shared by the command line and the tests: configuration, keys, the store.

pub mod bench;
pub mod bench_pages;
pub mod demo;
pub mod demo_life;
pub mod demo_work;
mod keyfile;
pub mod outbox;

use std::path::PathBuf;

use anyhow::{bail, Result};
use xianfeng_store::Store;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://xianfeng.db";

/// Every environment variable the program reads; others starting with `XIANFENG_` are warned about.
pub const KNOWN_ENV: &[&str] = &[
    "XIANFENG_DATABASE_URL",
    "XIANFENG_KEY_FILE",
    "XIANFENG_SECRET_KEY",
    "XIANFENG_LISTEN",
    "XIANFENG_PUBLIC_URL",
    "XIANFENG_SECURE",
    "XIANFENG_TRUST_PROXY",
    "XIANFENG_LOG",
    "XIANFENG_TEST_DB",
    "XIANFENG_DAILY_CHECK_HOUR",
];

/// Names of `XIANFENG_*` variables that the program does not know (likely typos).
pub fn unknown_env() -> Vec<String> {
    std::env::vars()
        .map(|(k, _)| k)
        .filter(|k| k.starts_with("XIANFENG_") && !KNOWN_ENV.contains(&k.as_str()))
        .collect()
}

pub use keyfile::*;

/// Turns `sqlite://PATH` into a path (for messages and backups).
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    Some(PathBuf::from(path))
}

pub fn check_url(url: &str) -> Result<()> {
    if xianfeng_store::Engine::of_url(url).is_none() {
        bail!("数据库地址应以 sqlite:// 或 postgres:// 开头，例如 sqlite://xianfeng.db 或 postgres://localhost/xianfeng");
    }
    if let Some(dir) = sqlite_path(url)
        .and_then(|p| p.parent().map(std::path::Path::to_path_buf))
        .filter(|d| !d.as_os_str().is_empty())
    {
        if !dir.is_dir() {
            bail!(
                "数据库文件所在的目录 {} 不存在：请先建立该目录，或检查 --database-url",
                dir.display()
            );
        }
    }
    Ok(())
}

/// The daily compliance check: every few minutes, once the day's hour (China time) has come,
/// tries to claim the day's run; across server copies on one database only one succeeds.
pub async fn daily_check_loop(store: Store, hour: u32) {
    use chrono::Timelike;
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(300));
    loop {
        tick.tick().await;
        let now = store
            .clock
            .now()
            .with_timezone(&xianfeng_domain::clock::china());
        if now.hour() < hour {
            continue;
        }
        match store.daily_check_once(now.date_naive()).await {
            Ok(Some(r)) => tracing::info!(
                seen = r.seen,
                opened = r.opened,
                closed = r.closed,
                notified = r.notified,
                "每日合规检查已完成"
            ),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "每日合规检查失败，稍后重试"),
        }
    }
}

/// Findings as rows for the text and XLSX writers.
fn finding_rows(
    findings: &[xianfeng_store::compliance::Finding],
) -> Vec<xianfeng_exchange::compliance::FindingRow> {
    findings
        .iter()
        .map(|f| xianfeng_exchange::compliance::FindingRow {
            rule: f.rule.to_string(),
            severity: f.severity.label().to_string(),
            org_code: f.org.clone(),
            org_name: f.org_name.clone(),
            subject_kind: if f.subject.kind == "org" {
                "组织"
            } else {
                "人员"
            },
            subject_name: f.subject.name.clone(),
            message: f.message.clone(),
            dates: xianfeng_web::widgets::findings::dates_text(&f.dates),
        })
        .collect()
}

/// `xianfeng check --format table`.
pub fn check_text(
    day: chrono::NaiveDate,
    findings: &[xianfeng_store::compliance::Finding],
) -> String {
    xianfeng_exchange::compliance::findings_text(day, &finding_rows(findings))
}

/// `xianfeng check --format xlsx`.
pub fn check_xlsx(
    day: chrono::NaiveDate,
    findings: &[xianfeng_store::compliance::Finding],
) -> Result<Vec<u8>> {
    Ok(xianfeng_exchange::compliance::findings_xlsx(
        day,
        &finding_rows(findings),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_paths() {
        assert_eq!(sqlite_path("sqlite://x.db"), Some(PathBuf::from("x.db")));
        assert_eq!(
            sqlite_path("sqlite:///tmp/x.db?mode=rwc"),
            Some(PathBuf::from("/tmp/x.db"))
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://h/db"), None);
    }
}
