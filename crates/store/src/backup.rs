//! Consistent online backup and restore, in one portable format for both engines.
//!
//! A backup is a text file: a header line, then for each table a line naming its columns and
//! one JSON array per row. It is read from a single snapshot (a read transaction on SQLite,
//! `REPEATABLE READ` on PostgreSQL), so it is consistent while the server keeps writing, and it
//! restores into either engine (a SQLite deployment can move to PostgreSQL this way).
//!
//! Rows are streamed in both directions: a table is never held in memory, only the row being
//! written or read. Binary values (ciphertexts, uploaded files, attachments) are written in
//! base64 (format version 2); version 1 files, which wrote them in hex, still restore.

use std::io::{BufRead, Write};

use base64::Engine as _;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::Row;

use crate::{on_tx, Db, Result, Store, StoreError, Tx};

/// Tables in restore order (parents before children). Every table of the schema is listed;
/// a test checks this against the migrated schema.
pub const TABLES: &[&str] = &[
    "orgs",
    "org_ancestors",
    "org_terms",
    "members",
    "member_transfers",
    "member_archive_events",
    "member_placements",
    "member_contact_events",
    "accounts",
    "password_history",
    "login_failures",
    "sessions",
    "api_tokens",
    "setup_tokens",
    "settings",
    "audit_head",
    "audit_log",
    "job_runs",
    "upload_stash",
    "dev_files",
    "dev_assessments",
    "dev_sponsors",
    "findings",
    "dues_books",
    "dues_bases",
    "dues_payments",
    "dues_reductions",
    "transfer_letters",
    "org_posts",
    "joint_systems",
    "joint_conveners",
    "joint_units",
    "joint_inspections",
    "joint_summaries",
    "meetings",
    "meeting_attendees",
    "meeting_votes",
    "action_items",
    "meeting_attachments",
    "report_templates",
    "report_template_versions",
    "report_receivers",
    "report_drafts",
    "report_receipts",
    "report_files",
    "notices",
    "notice_inbox",
    "notice_prefs",
    "org_webhooks",
    "outbox",
    "org_counts",
    "stat_day",
    "stat_bands",
    "stat_counts",
    "finding_counts",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Int,
    Text,
    Date,
    Timestamp,
    Bool,
    Bytes,
}

impl Kind {
    fn of_declared(t: &str) -> Option<Kind> {
        let t = t.to_ascii_lowercase();
        Some(match t.as_str() {
            "integer" | "bigint" | "int" | "smallint" => Kind::Int,
            "text" | "character varying" => Kind::Text,
            "date" => Kind::Date,
            "timestamp" | "timestamp with time zone" | "timestamptz" => Kind::Timestamp,
            "boolean" | "bool" => Kind::Bool,
            "blob" | "bytea" => Kind::Bytes,
            _ => return None,
        })
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
    created_at: DateTime<Utc>,
    engine: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct TableHeader {
    table: String,
    columns: Vec<(String, Kind)>,
    rows: u64,
}

const FORMAT: &str = "xianfeng-backup";
/// 1: binary values in hex; 2: in base64.
const VERSION: u32 = 2;

/// Counts of what a backup or restore moved.
#[derive(Debug, Default, Clone)]
pub struct BackupReport {
    pub tables: usize,
    pub rows: u64,
}

fn bad(msg: impl Into<String>) -> StoreError {
    StoreError::Config(format!("备份文件格式错误：{}", msg.into()))
}

macro_rules! get_value {
    ($row:expr, $i:expr, $kind:expr) => {{
        let row = $row;
        let i = $i;
        match $kind {
            Kind::Int => row.try_get::<Option<i64>, _>(i)?.map(Value::from),
            Kind::Text => row.try_get::<Option<String>, _>(i)?.map(Value::from),
            Kind::Date => row
                .try_get::<Option<NaiveDate>, _>(i)?
                .map(|d| Value::from(d.to_string())),
            Kind::Timestamp => row
                .try_get::<Option<DateTime<Utc>>, _>(i)?
                .map(|d| Value::from(d.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))),
            Kind::Bool => row.try_get::<Option<bool>, _>(i)?.map(Value::from),
            Kind::Bytes => row
                .try_get::<Option<Vec<u8>>, _>(i)?
                .map(|b| Value::from(base64::engine::general_purpose::STANDARD.encode(b))),
        }
        .unwrap_or(Value::Null)
    }};
}

macro_rules! bind_value {
    ($q:expr, $v:expr, $kind:expr, $version:expr) => {{
        let v: &Value = $v;
        match $kind {
            Kind::Int => $q.bind(v.as_i64()),
            Kind::Text => $q.bind(v.as_str().map(str::to_string)),
            Kind::Date => $q.bind(match v.as_str() {
                Some(s) => Some(s.parse::<NaiveDate>().map_err(|_| bad("日期"))?),
                None => None,
            }),
            Kind::Timestamp => $q.bind(match v.as_str() {
                Some(s) => Some(
                    DateTime::parse_from_rfc3339(s)
                        .map_err(|_| bad("时间"))?
                        .with_timezone(&Utc),
                ),
                None => None,
            }),
            Kind::Bool => $q.bind(v.as_bool()),
            Kind::Bytes => $q.bind(match v.as_str() {
                Some(s) if $version == 1 => Some(hex::decode(s).map_err(|_| bad("二进制"))?),
                Some(s) => Some(
                    base64::engine::general_purpose::STANDARD
                        .decode(s)
                        .map_err(|_| bad("二进制"))?,
                ),
                None => None,
            }),
        }
    }};
}

impl Store {
    /// Columns and their kinds, read from the database catalogue.
    pub async fn table_columns(&self, tx: &mut Tx, table: &str) -> Result<Vec<(String, Kind)>> {
        let raw: Vec<(String, String)> =
            match tx {
                Tx::Sqlite(t) => {
                    sqlx::query_as(
                        "SELECT name, type FROM pragma_table_info($1) ORDER \
                BY cid",
                    )
                    .bind(table)
                    .fetch_all(&mut **t)
                    .await?
                }
                Tx::Postgres(t) => sqlx::query_as(
                    "SELECT column_name::text, data_type::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 ORDER BY \
                 ordinal_position",
                )
                .bind(table)
                .fetch_all(&mut **t)
                .await?,
            };
        raw.into_iter()
            .map(|(name, t)| {
                Kind::of_declared(&t)
                    .map(|k| (name.clone(), k))
                    .ok_or_else(|| StoreError::Config(format!("未知列类型 {table}.{name}: {t}")))
            })
            .collect()
    }

    /// Every table in the schema (excluding the migration bookkeeping).
    pub async fn schema_tables(&self) -> Result<Vec<String>> {
        let mut tx = self.begin().await?;
        let t: Vec<String> =
            match &mut tx {
                Tx::Sqlite(t) => {
                    sqlx::query_scalar(
                        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE \
                    'sqlite_%' AND name NOT LIKE '_sqlx%' ORDER BY name",
                    )
                    .fetch_all(&mut **t)
                    .await?
                }
                Tx::Postgres(t) => sqlx::query_scalar(
                    "SELECT table_name::text FROM information_schema.tables WHERE table_schema = \
                    current_schema() \
                 AND table_type = 'BASE TABLE' AND table_name NOT LIKE '\\_sqlx%' ORDER BY \
                 table_name",
                )
                .fetch_all(&mut **t)
                .await?,
            };
        tx.commit().await?;
        Ok(t)
    }

    /// Writes a consistent backup to `out`.
    pub async fn backup_to<W: Write>(&self, out: &mut W) -> Result<BackupReport> {
        let io = |e: std::io::Error| StoreError::Config(format!("写入备份文件失败：{e}"));
        // One snapshot for every table.
        let mut tx = match &self.db {
            Db::Sqlite { read, .. } => {
                let mut t = read.begin().await?;
                // A read in a deferred transaction fixes the WAL snapshot.
                sqlx::query("SELECT COUNT(*) FROM audit_head")
                    .execute(&mut *t)
                    .await?;
                Tx::Sqlite(t)
            }
            Db::Postgres(p) => {
                let mut t = p.begin().await?;
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .execute(&mut *t)
                    .await?;
                Tx::Postgres(t)
            }
        };
        let header = Header {
            format: FORMAT.into(),
            version: VERSION,
            created_at: self.clock.now(),
            engine: format!("{:?}", self.engine()).to_lowercase(),
        };
        writeln!(out, "{}", serde_json::to_string(&header).expect("header")).map_err(io)?;
        let mut report = BackupReport::default();
        for table in TABLES {
            let columns = self.table_columns(&mut tx, table).await?;
            let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
            let order = if *table == "orgs" {
                "length(path), id"
            } else {
                "1"
            };
            let sql = format!("SELECT {} FROM {table} ORDER BY {order}", names.join(", "));
            let count: i64 = on_tx!(&mut tx, |c| {
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                    .fetch_one(&mut *c)
                    .await?
            });
            let th = TableHeader {
                table: table.to_string(),
                columns: columns.clone(),
                rows: count as u64,
            };
            writeln!(out, "{}", serde_json::to_string(&th).expect("table header")).map_err(io)?;
            let mut written = 0u64;
            on_tx!(&mut tx, |c| {
                use futures_util::TryStreamExt;
                let mut rows = sqlx::query(&sql).fetch(&mut *c);
                while let Some(row) = rows.try_next().await? {
                    let values: Vec<Value> = columns
                        .iter()
                        .enumerate()
                        .map(|(i, (_, k))| -> Result<Value> { Ok(get_value!(&row, i, *k)) })
                        .collect::<Result<_>>()?;
                    writeln!(out, "{}", Value::Array(values)).map_err(io)?;
                    written += 1;
                }
            });
            if written != count as u64 {
                return Err(StoreError::Config(format!("表 {table} 读取行数与计数不符")));
            }
            report.tables += 1;
            report.rows += written;
        }
        writeln!(
            out,
            "{}",
            serde_json::json!({"end": true, "rows": report.rows})
        )
        .map_err(io)?;
        out.flush().map_err(io)?;
        tx.commit().await?;
        Ok(report)
    }

    /// Restores a backup into this (migrated, empty) database in one transaction.
    pub async fn restore_from<R: BufRead>(&self, input: R) -> Result<BackupReport> {
        let mut lines = input.lines();
        let mut next_line = || -> Result<Option<String>> {
            lines
                .next()
                .transpose()
                .map_err(|e| StoreError::Config(format!("读取备份文件失败：{e}")))
        };
        let header: Header = serde_json::from_str(&next_line()?.ok_or_else(|| bad("文件为空"))?)
            .map_err(|_| bad("缺少文件头"))?;
        if header.format != FORMAT || !(1..=VERSION).contains(&header.version) {
            return Err(bad("不是本系统的备份文件或版本不受支持"));
        }
        let mut tx = self.begin().await?;
        for table in ["orgs", "members", "accounts", "audit_log"] {
            let n: i64 = on_tx!(&mut tx, |c| {
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                    .fetch_one(&mut *c)
                    .await?
            });
            if n > 0 {
                return Err(StoreError::Config(
                    "目标数据库已有数据：恢复只能写入新建的空数据库".into(),
                ));
            }
        }
        let mut report = BackupReport::default();
        let mut ended = false;
        while let Some(line) = next_line()? {
            let v: Value = serde_json::from_str(&line).map_err(|_| bad("无法解析的行"))?;
            if v.get("end").is_some() {
                ended = true;
                break;
            }
            let th: TableHeader = serde_json::from_value(v).map_err(|_| bad("缺少表头"))?;
            if !TABLES.contains(&th.table.as_str()) {
                return Err(bad(format!("未知的表 {}", th.table)));
            }
            let here = self.table_columns(&mut tx, &th.table).await?;
            for (name, kind) in &th.columns {
                if !here.iter().any(|(n, k)| n == name && k == kind) {
                    return Err(bad(format!("表 {} 的列 {name} 与当前数据库不符", th.table)));
                }
            }
            on_tx!(&mut tx, |c| {
                sqlx::query(&format!("DELETE FROM {}", th.table))
                    .execute(&mut *c)
                    .await
                    .ok();
            });
            let names: Vec<&str> = th.columns.iter().map(|(n, _)| n.as_str()).collect();
            let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "INSERT INTO {} ({}) VALUES ({})",
                th.table,
                names.join(", "),
                placeholders.join(", ")
            );
            for _ in 0..th.rows {
                let line =
                    next_line()?.ok_or_else(|| bad(format!("表 {} 的数据不完整", th.table)))?;
                let row: Vec<Value> =
                    serde_json::from_str(&line).map_err(|_| bad("无法解析的数据行"))?;
                if row.len() != th.columns.len() {
                    return Err(bad("数据行的列数不符"));
                }
                on_tx!(&mut tx, |c| {
                    let mut q = sqlx::query(&sql);
                    for (v, (_, kind)) in row.iter().zip(th.columns.iter()) {
                        q = bind_value!(q, v, *kind, header.version);
                    }
                    q.execute(&mut *c).await?;
                });
                report.rows += 1;
            }
            report.tables += 1;
        }
        if !ended {
            return Err(bad("文件不完整（缺少结束标记）"));
        }
        // The copy's data must be readable with the key in use: refused (and rolled back) when
        // the backup records another key or its ID numbers do not decrypt.
        self.key_bind_in(&mut tx).await?;
        // Derived from the tree and the roster: rebuilt, whatever the copy held.
        Self::counts_rebuild_in(&mut tx, self.clock.today()).await?;
        if let Tx::Postgres(t) = &mut tx {
            for table in TABLES {
                let has_identity: bool = sqlx::query_scalar(
                    "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = \
                        current_schema() \
                     AND table_name = $1 AND column_name = 'id' AND is_identity = 'YES')",
                )
                .bind(table)
                .fetch_one(&mut **t)
                .await?;
                if has_identity {
                    sqlx::query(&format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                            COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                    ))
                    .execute(&mut **t)
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(report)
    }
}
