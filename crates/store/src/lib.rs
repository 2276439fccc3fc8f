//! The database: one store over SQLite (embedded default) and PostgreSQL (scale-out).
//!
//! Every query is written once in the SQL both engines share (`$1` placeholders, `RETURNING`,
//! `ON CONFLICT`); the [`on_db!`] and [`on_tx!`] macros expand the same body for each pool.
//! Reads and writes of organisation data take the caller's [`Scope`](xianfeng_domain::scope::Scope).

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use xianfeng_domain::Clock;

pub mod accounts;
pub mod audit;
pub mod backup;
pub mod compliance;
pub mod contact;
pub mod counts;
pub mod crypto;
pub mod development;
pub mod dues;
pub mod joint;
pub mod keybind;
pub mod letters;
pub mod meetings;
pub mod members;
pub mod notices;
pub mod orgs;
pub mod posts;
pub mod reports;
pub mod settings;
pub mod stats;

pub use audit::{Actor, AuditEvent};
pub use crypto::Keys;

/// Errors of the store. User-facing variants carry a Chinese message.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("数据库错误: {0}")]
    Db(#[from] sqlx::Error),
    #[error("数据库迁移失败: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    NotFound(&'static str),
    #[error("无权操作")]
    Forbidden,
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("记录已被他人修改，请刷新后重试")]
    Conflict,
    #[error("{0}")]
    Config(String),
    #[error("加解密失败")]
    Crypto,
    /// The key in use is not the key the database's data is encrypted with.
    #[error("数据加密密钥与数据库不符")]
    KeyMismatch,
}

impl StoreError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        StoreError::Invalid {
            field,
            message: message.into(),
        }
    }
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Db(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which engine a database URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn of_url(url: &str) -> Option<Engine> {
        if url.starts_with("sqlite:") {
            Some(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Engine::Postgres)
        } else {
            None
        }
    }
}

#[derive(Clone, Debug)]
pub enum Db {
    /// SQLite keeps one writer connection so that writes queue instead of failing on lock upgrade.
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
    },
    Postgres(PgPool),
}

/// A write transaction on either engine.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// Runs the same body against whichever pool the store holds (reads). Written like a closure,
/// `on_db!(&self.db, |p| …)`, so that rustfmt formats the body.
#[macro_export]
macro_rules! on_db {
    ($db:expr, |$conn:ident| $body:expr) => {
        match $db {
            $crate::Db::Sqlite { read: $conn, .. } => $body,
            $crate::Db::Postgres($conn) => $body,
        }
    };
}

/// Runs the same body against whichever transaction is open.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::Tx::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}

/// The store: pools, keys for sensitive fields and the injected clock.
#[derive(Clone)]
pub struct Store {
    pub db: Db,
    pub keys: Keys,
    pub clock: Clock,
    /// How many people the daily check judges at once (see `compliance`); tests set it small
    /// to cut a small tree into many slices.
    pub check_slice_people: i64,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("engine", &self.engine())
            .finish()
    }
}

/// Hides the password in a database URL for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl Store {
    /// Connects to the database named by `url` (`sqlite://PATH` or `postgres://…`), creating a
    /// SQLite file if absent. Does not migrate.
    pub async fn connect(url: &str, keys: Keys, clock: Clock) -> Result<Store> {
        let db = match Engine::of_url(url) {
            Some(Engine::Sqlite) => {
                let opts = SqliteConnectOptions::from_str(url)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(30))
                    .pragma("cache_size", "-65536")
                    .pragma("temp_store", "memory");
                let write = SqlitePoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(Duration::from_secs(60))
                    .connect_with(opts.clone())
                    .await?;
                let read = SqlitePoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(opts.create_if_missing(false).read_only(true))
                    .await?;
                Db::Sqlite { read, write }
            }
            Some(Engine::Postgres) => {
                let opts = PgConnectOptions::from_str(url)?;
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(opts)
                    .await?;
                Db::Postgres(pool)
            }
            None => {
                return Err(StoreError::Config(format!(
                    "无法识别的数据库地址“{}”：应以 sqlite:// 或 postgres:// 开头",
                    redact_url(url)
                )))
            }
        };
        Ok(Store {
            db,
            keys,
            clock,
            check_slice_people: compliance::SLICE_PEOPLE,
        })
    }

    pub fn engine(&self) -> Engine {
        match self.db {
            Db::Sqlite { .. } => Engine::Sqlite,
            Db::Postgres(_) => Engine::Postgres,
        }
    }

    /// Applies the migrations of the store's engine, then readies the maintained statistics
    /// for today (filled once after the migration that made them, otherwise moved to today's
    /// bands when the day has changed).
    pub async fn migrate(&self) -> Result<()> {
        match &self.db {
            Db::Sqlite { write, .. } => sqlx::migrate!("./migrations/sqlite").run(write).await?,
            Db::Postgres(p) => sqlx::migrate!("./migrations/postgres").run(p).await?,
        }
        self.stat_ensure().await
    }

    /// Opens a write transaction. On SQLite it starts `IMMEDIATE`, taking the write lock at once,
    /// so that concurrent writers (other processes too) wait instead of failing on upgrade.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match &self.db {
            Db::Sqlite { write, .. } => Tx::Sqlite(write.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    pub async fn close(&self) {
        match &self.db {
            Db::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Db::Postgres(p) => p.close().await,
        }
    }

    /// Refreshes the planner's statistics after a bulk load (as PostgreSQL's autovacuum and
    /// SQLite's `PRAGMA optimize` keep them); on SQLite through the writer.
    pub async fn analyze(&self) -> Result<()> {
        match &self.db {
            Db::Sqlite { write, .. } => {
                sqlx::query("ANALYZE").execute(write).await?;
            }
            Db::Postgres(p) => {
                sqlx::query("ANALYZE").execute(p).await?;
            }
        }
        Ok(())
    }

    /// A cheap query that proves the database answers.
    pub async fn ping(&self) -> Result<()> {
        on_db!(&self.db, |p| {
            sqlx::query("SELECT 1").execute(p).await?;
        });
        Ok(())
    }
}

/// "字段：旧 → 新" for the pairs that differ, for audit summaries.
pub(crate) fn changes(pairs: Vec<(&str, String, String)>) -> String {
    let shown = |s: &str| {
        if s.is_empty() {
            "（空）".to_string()
        } else {
            s.to_string()
        }
    };
    let changed: Vec<String> = pairs
        .into_iter()
        .filter(|(_, a, b)| a != b)
        .map(|(k, a, b)| format!("{k}：{} → {}", shown(&a), shown(&b)))
        .collect();
    if changed.is_empty() {
        "无变化".into()
    } else {
        changed.join("；")
    }
}

/// Escapes `%`, `_` and `\` for a LIKE pattern used with `ESCAPE '\'`.
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Page request and result for lists.
#[derive(Debug, Clone, Copy)]
pub struct PageReq {
    pub page: u32,
    pub per_page: u32,
}

impl PageReq {
    pub fn new(page: Option<u32>, per_page: Option<u32>) -> Self {
        PageReq {
            page: page.unwrap_or(1).max(1),
            per_page: per_page.unwrap_or(20).clamp(1, 200),
        }
    }
    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

impl<T> Page<T> {
    pub fn pages(&self) -> u32 {
        let per = i64::from(self.per_page.max(1));
        ((self.total + per - 1) / per).max(1) as u32
    }
}

/// A free-text field of a form: cleaned, at most `max` characters, `None` when empty.
pub(crate) fn text(field: &'static str, v: &str, max: usize) -> Result<Option<String>> {
    xianfeng_domain::text::optional(v, max)
        .map_err(|max| StoreError::invalid(field, format!("最多 {max} 个字")))
}

/// A multi-line text field: as [`text`], line breaks kept.
pub(crate) fn lines(field: &'static str, v: &str, max: usize) -> Result<Option<String>> {
    xianfeng_domain::text::optional_lines(v, max)
        .map_err(|max| StoreError::invalid(field, format!("最多 {max} 个字")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(redact_url("postgres://h/db"), "postgres://h/db");
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }

    #[test]
    fn like_escapes() {
        assert_eq!(like_escape("a%b_c\\"), "a\\%b\\_c\\\\");
    }

    #[test]
    fn pages() {
        let p = PageReq::new(Some(0), Some(1000));
        assert_eq!((p.page, p.per_page), (1, 200));
        assert_eq!(PageReq::new(Some(3), Some(20)).offset(), 40);
        let page: Page<u8> = Page {
            items: vec![],
            total: 41,
            page: 1,
            per_page: 20,
        };
        assert_eq!(page.pages(), 3);
    }
}
