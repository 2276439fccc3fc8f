//! Start-up shared by the command line and the tests: configuration, keys, the store.

pub mod bench;
pub mod demo;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use xianfeng_domain::Clock;
use xianfeng_store::{Keys, Store};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://xianfeng.db";
pub const DEFAULT_KEY_FILE: &str = "xianfeng.key";

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

/// The master key: from `XIANFENG_SECRET_KEY`, or from the key file, which is created with a
/// new random key (readable by the owner only) when it does not exist yet.
pub fn load_keys(secret: Option<&str>, key_file: &Path) -> Result<Keys> {
    if let Some(s) = secret.filter(|s| !s.trim().is_empty()) {
        let master = Keys::parse_master(s).context("XIANFENG_SECRET_KEY")?;
        return Ok(Keys::from_master(&master));
    }
    if key_file.exists() {
        let text = std::fs::read_to_string(key_file)
            .with_context(|| format!("读取密钥文件 {} 失败", key_file.display()))?;
        let master = Keys::parse_master(&text)
            .with_context(|| format!("密钥文件 {} 格式错误", key_file.display()))?;
        return Ok(Keys::from_master(&master));
    }
    let master = Keys::generate_master();
    write_private(key_file, &hex_string(&master))
        .with_context(|| format!("创建密钥文件 {} 失败", key_file.display()))?;
    tracing::warn!(
        file = %key_file.display(),
        "已生成新的数据加密密钥文件：请与数据库备份分开妥善保管，丢失后身份证号将无法解密"
    );
    Ok(Keys::from_master(&master))
}

fn hex_string(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(content.as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()
}

/// Connects and migrates.
pub async fn open_store(url: &str, keys: Keys, clock: Clock) -> Result<Store> {
    let store = Store::connect(url, keys, clock)
        .await
        .with_context(|| format!("连接数据库 {} 失败", xianfeng_store::redact_url(url)))?;
    store.migrate().await.context("数据库迁移失败")?;
    Ok(store)
}

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
            dates: xianfeng_web::compliance::dates_text(&f.dates),
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

    #[test]
    fn key_file_is_created_once() {
        let dir = std::env::temp_dir().join(format!("xf-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("k.key");
        let _ = std::fs::remove_file(&path);
        let a = load_keys(None, &path).unwrap();
        let b = load_keys(None, &path).unwrap();
        assert_eq!(a.id_lookup("x"), b.id_lookup("x"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        let c = load_keys(Some(&"11".repeat(32)), &path).unwrap();
        assert_ne!(c.id_lookup("x"), a.id_lookup("x"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
