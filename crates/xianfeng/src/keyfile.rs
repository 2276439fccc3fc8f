//! The master key of a deployment and its binding to the database.
//!
//! The key comes from `XIANFENG_SECRET_KEY` or a key file (by default beside the SQLite file, or
//! `xianfeng.key` in the working directory for PostgreSQL). The database records the key's
//! fingerprint on first use; every command and the server compare before they write anything.
//! A new key is generated only for a database that holds no encrypted data yet.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use xianfeng_domain::Clock;
use xianfeng_store::keybind::KeyState;
use xianfeng_store::{Keys, Store, StoreError};

use crate::sqlite_path;

pub const DEFAULT_KEY_FILE: &str = "xianfeng.key";

/// Where the key in use comes from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `XIANFENG_SECRET_KEY`.
    Variable,
    /// A key file.
    File(PathBuf),
    /// Given by the caller (tests, benchmarks).
    Given,
}

impl KeySource {
    /// "密钥文件 /srv/xianfeng.key" or "环境变量 XIANFENG_SECRET_KEY".
    pub fn describe(&self) -> String {
        match self {
            KeySource::Variable => "环境变量 XIANFENG_SECRET_KEY 中的密钥".into(),
            KeySource::File(p) => format!("密钥文件 {} 中的密钥", p.display()),
            KeySource::Given => "所给的密钥".into(),
        }
    }
}

/// The key a command will use, read but not yet checked against the database. A key file that
/// does not exist yields a new random key, written only once the database proves to hold no
/// encrypted data.
pub struct KeyChoice {
    pub keys: Keys,
    pub source: KeySource,
    new_master: Option<[u8; 32]>,
}

impl KeyChoice {
    pub fn given(keys: Keys) -> KeyChoice {
        KeyChoice {
            keys,
            source: KeySource::Given,
            new_master: None,
        }
    }

    /// Whether the key is new (its file does not exist yet).
    pub fn is_new(&self) -> bool {
        self.new_master.is_some()
    }
}

/// The default key file of a database: beside the SQLite file (`/data/x.db` →
/// `/data/xianfeng.key`), or `xianfeng.key` in the working directory for PostgreSQL.
pub fn default_key_file(url: &str) -> PathBuf {
    sqlite_path(url)
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .filter(|d| !d.as_os_str().is_empty())
        .map(|d| d.join(DEFAULT_KEY_FILE))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_KEY_FILE))
}

/// Reads the master key: `XIANFENG_SECRET_KEY` first, then the key file. Writes nothing.
pub fn choose_key(secret: Option<&str>, key_file: &Path) -> Result<KeyChoice> {
    if let Some(s) = secret.filter(|s| !s.trim().is_empty()) {
        let master = Keys::parse_master(s)
            .map_err(|e| anyhow::anyhow!("环境变量 XIANFENG_SECRET_KEY 有误：{e}"))?;
        return Ok(KeyChoice {
            keys: Keys::from_master(&master),
            source: KeySource::Variable,
            new_master: None,
        });
    }
    if key_file.exists() {
        let master = read_key_file(key_file)?;
        return Ok(KeyChoice {
            keys: Keys::from_master(&master),
            source: KeySource::File(key_file.to_path_buf()),
            new_master: None,
        });
    }
    let master = Keys::generate_master();
    Ok(KeyChoice {
        keys: Keys::from_master(&master),
        source: KeySource::File(key_file.to_path_buf()),
        new_master: Some(master),
    })
}

/// Reads a key file (64 hex digits or base64).
pub fn read_key_file(path: &Path) -> Result<[u8; 32]> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("无法读取密钥文件 {}：{e}", path.display()))?;
    Keys::parse_master(&text).map_err(|e| anyhow::anyhow!("密钥文件 {} 有误：{e}", path.display()))
}

/// Writes a new key file readable by its owner only; never overwrites one.
pub fn write_key_file(path: &Path, master: &[u8; 32]) -> Result<()> {
    let hex: String = master.iter().map(|x| format!("{x:02x}")).collect();
    write_private(path, &hex)
        .map_err(|e| anyhow::anyhow!("无法创建密钥文件 {}：{e}", path.display()))
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

/// The refusal when the key in use is not the database's.
pub fn key_mismatch_message(source: &KeySource, url: &str) -> String {
    format!(
        "{}不是数据库 {} 所用的数据加密密钥，未做任何改动：请用 --key-file 或 XIANFENG_SECRET_KEY 给出这个数据库原来的密钥（SQLite 数据库默认用数据库文件旁的 xianfeng.key；密钥更换过的，用更换后的新密钥）。",
        source.describe(),
        xianfeng_store::redact_url(url)
    )
}

/// The refusal when the key file is missing but the database already holds encrypted data.
pub fn key_missing_message(path: &Path, url: &str) -> String {
    let legacy = Path::new(DEFAULT_KEY_FILE);
    let hint = if path != legacy && legacy.exists() {
        "（当前目录下的 xianfeng.key 是旧版本的默认位置，可能就是它）"
    } else {
        ""
    };
    format!(
        "数据库 {} 中已有加密数据，但密钥文件 {} 不存在，未做任何改动，也不会为已有数据生成新密钥：请用 --key-file 或 XIANFENG_SECRET_KEY 给出这个数据库原来的密钥{hint}。",
        xianfeng_store::redact_url(url),
        path.display()
    )
}

/// Connects, checks that the key is the database's, migrates and binds the key (see
/// [`open_bound`]), with a key the caller holds.
pub async fn open_store(url: &str, keys: Keys, clock: Clock) -> Result<Store> {
    open_bound(url, KeyChoice::given(keys), clock).await
}

/// Connects and, before anything is written, compares the key with the database: a key whose
/// fingerprint differs from the recorded one, a key that does not decrypt the data of a database
/// from before the binding, or a new key for a database that already holds encrypted data are
/// refused with one sentence. Then migrates, writes a new key file if one was generated, and
/// records the key's fingerprint.
pub async fn open_bound(url: &str, choice: KeyChoice, clock: Clock) -> Result<Store> {
    open_bound_with(url, choice, None, clock).await
}

/// [`open_bound`] with a key file of an older version's default place (`xianfeng.key` in the
/// working directory) to fall back on when the chosen key file does not exist yet: it is used,
/// with a warning, only if it is the key of a database that already holds data.
pub async fn open_bound_with(
    url: &str,
    mut choice: KeyChoice,
    legacy: Option<KeyChoice>,
    clock: Clock,
) -> Result<Store> {
    let mut store = Store::connect(url, choice.keys.clone(), clock)
        .await
        .with_context(|| format!("连接数据库 {} 失败", xianfeng_store::redact_url(url)))?;
    let mut state = match store.key_state().await {
        Ok(s) => s,
        Err(e) => {
            store.close().await;
            bail!("读取数据库 {} 失败：{e}", xianfeng_store::redact_url(url));
        }
    };
    if let (true, Some(old)) = (choice.is_new() && state != KeyState::Empty, legacy) {
        store.keys = old.keys.clone();
        match store.key_state().await {
            Ok(s @ (KeyState::Bound | KeyState::Unbound { .. })) => {
                if let KeySource::File(p) = &old.source {
                    tracing::warn!(
                        file = %p.display(),
                        "数据库文件旁没有密钥文件，使用当前目录中的密钥文件（旧版本的默认位置）；请把它移到数据库文件旁，或用 --key-file 指定"
                    );
                }
                state = s;
                choice = old;
            }
            _ => store.keys = choice.keys.clone(),
        }
    }
    if choice.is_new() && state != KeyState::Empty {
        store.close().await;
        let KeySource::File(path) = &choice.source else {
            unreachable!("only a missing key file yields a new key")
        };
        bail!(key_missing_message(path, url));
    }
    if !state.usable() {
        store.close().await;
        bail!(key_mismatch_message(&choice.source, url));
    }
    if let KeyState::Unbound { recent_failures } = state {
        if recent_failures > 0 {
            tracing::warn!(
                count = recent_failures,
                "数据库中较新的记录有一部分无法用当前密钥解密：它们可能是用另一个密钥导入的，请核对"
            );
        }
        tracing::info!("已核对数据加密密钥，并在数据库中记录了它的指纹");
    }
    store.migrate().await.context("数据库迁移失败")?;
    if let (Some(master), KeySource::File(path)) = (&choice.new_master, &choice.source) {
        write_key_file(path, master)?;
        tracing::warn!(
            file = %path.display(),
            "已生成新的数据加密密钥文件：请与数据库备份分开妥善保管，丢失后身份证号将无法解密"
        );
    }
    match store.key_bind().await {
        Ok(()) => {
            let sealed = store
                .totp_seal_plain()
                .await
                .context("加密保存两步验证密钥失败")?;
            if sealed > 0 {
                tracing::info!(sealed, "旧版本明文保存的两步验证密钥已改为加密保存");
            }
            let rekeyed = store
                .name_keys_refresh()
                .await
                .context("重算姓名排序键失败")?;
            if rekeyed > 0 {
                tracing::info!(rekeyed, "已按新的姓氏读音重算姓名排序键");
            }
            let posts = store
                .posts_from_text()
                .await
                .context("书记、委员文字记录转为任职记录失败")?;
            if posts > 0 {
                tracing::info!(
                    orgs = posts,
                    "书记、委员的文字记录已转为任职记录；未能对应到名册中唯一人员的，列在“待关联名册的班子成员”中"
                );
            }
            Ok(store)
        }
        Err(StoreError::KeyMismatch) => {
            store.close().await;
            bail!(key_mismatch_message(&choice.source, url))
        }
        Err(e) => Err(e).context("记录密钥指纹失败"),
    }
}

/// Opens the (new, empty) database a backup is restored into. Nothing is bound here: the
/// restore itself checks the key against the copy and records it in the same transaction, so a
/// refused restore leaves no fingerprint and no key file behind, and can be retried with the
/// right key on the same database. A key file that does not exist is refused: a restore needs
/// the key the backup's data is encrypted with.
pub async fn open_for_restore(url: &str, choice: KeyChoice, clock: Clock) -> Result<Store> {
    if let (true, KeySource::File(path)) = (choice.is_new(), &choice.source) {
        bail!(
            "密钥文件 {} 不存在，未恢复任何数据：恢复需要做备份时数据库所用的密钥，请用 --key-file 或 XIANFENG_SECRET_KEY 给出。",
            path.display()
        );
    }
    let store = Store::connect(url, choice.keys.clone(), clock)
        .await
        .with_context(|| format!("连接数据库 {} 失败", xianfeng_store::redact_url(url)))?;
    if store.holds_data().await? {
        store.close().await;
        bail!(
            "目标数据库 {} 已有数据，未做任何改动：恢复只能写入新建的空数据库。",
            xianfeng_store::redact_url(url)
        );
    }
    store.migrate().await.context("数据库迁移失败")?;
    Ok(store)
}

/// What `key status` reports, read without writing anything.
pub struct KeyReport {
    pub in_use: String,
    pub recorded: Option<String>,
    pub state: KeyState,
}

/// Compares the key with the database without migrating, binding or creating a key file.
pub async fn key_report(url: &str, choice: &KeyChoice, clock: Clock) -> Result<KeyReport> {
    let store = Store::connect(url, choice.keys.clone(), clock)
        .await
        .with_context(|| format!("连接数据库 {} 失败", xianfeng_store::redact_url(url)))?;
    let state = store.key_state().await;
    let recorded = store.key_fingerprint_recorded().await;
    store.close().await;
    Ok(KeyReport {
        in_use: choice.keys.fingerprint().to_string(),
        recorded: recorded?,
        state: state?,
    })
}

/// Every `interval`, compares the key with the one the database records; returns when they
/// differ (the key was rotated while this copy ran), so that the server stops instead of
/// serving data it can no longer read.
pub async fn key_watch(store: Store, interval: std::time::Duration) {
    let mut tick = tokio::time::interval(interval);
    loop {
        tick.tick().await;
        if let Ok(Some(fp)) = store.key_fingerprint_recorded().await {
            if fp != store.keys.fingerprint() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_key_file_lives_beside_the_database() {
        assert_eq!(
            default_key_file("sqlite:///data/x.db"),
            PathBuf::from("/data/xianfeng.key")
        );
        assert_eq!(
            default_key_file("sqlite://xianfeng.db"),
            PathBuf::from("xianfeng.key")
        );
        assert_eq!(
            default_key_file("sqlite://sub/x.db?mode=rwc"),
            PathBuf::from("sub/xianfeng.key")
        );
        assert_eq!(
            default_key_file("postgres://h/db"),
            PathBuf::from("xianfeng.key")
        );
    }

    #[test]
    fn a_missing_key_file_is_not_written_by_choosing() {
        let dir = std::env::temp_dir().join(format!("xf-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("k.key");
        let _ = std::fs::remove_file(&path);
        let a = choose_key(None, &path).unwrap();
        assert!(a.is_new());
        assert!(!path.exists(), "choosing writes nothing");
        write_key_file(&path, &a.new_master.unwrap()).unwrap();
        let b = choose_key(None, &path).unwrap();
        assert!(!b.is_new());
        assert_eq!(a.keys.fingerprint(), b.keys.fingerprint());
        assert!(write_key_file(&path, &[0; 32]).is_err(), "never overwrites");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        let c = choose_key(Some(&"11".repeat(32)), &path).unwrap();
        assert_eq!(c.source, KeySource::Variable);
        assert_ne!(c.keys.fingerprint(), a.keys.fingerprint());
        assert!(choose_key(Some("short"), &path).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
