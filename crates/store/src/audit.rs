//! The append-only, hash-chained audit log (安全审计).
//!
//! Each entry carries the hash of the previous one; an entry is written in the same transaction
//! as the change it records, so a write and its audit entry stand or fall together.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{FromRow, QueryBuilder};

use crate::crypto::sha256_hex;
use crate::{on_db, on_tx, Page, PageReq, Result, Store, StoreError, Tx};

/// Who did it and from where.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub account_id: Option<i64>,
    pub username: String,
    pub source_ip: Option<String>,
}

impl Actor {
    /// The operator at the command line.
    pub fn cli(what: &str) -> Actor {
        Actor {
            account_id: None,
            username: format!("命令行:{what}"),
            source_ip: None,
        }
    }
    pub fn anonymous(ip: Option<String>) -> Actor {
        Actor {
            account_id: None,
            username: String::new(),
            source_ip: ip,
        }
    }
}

/// One entry to append.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub event: &'static str,
    pub object_type: Option<&'static str>,
    pub object_id: Option<String>,
    pub success: bool,
    pub summary: String,
}

impl AuditEvent {
    pub fn ok(event: &'static str, summary: impl Into<String>) -> Self {
        AuditEvent {
            event,
            object_type: None,
            object_id: None,
            success: true,
            summary: summary.into(),
        }
    }
    pub fn failed(event: &'static str, summary: impl Into<String>) -> Self {
        AuditEvent {
            success: false,
            ..AuditEvent::ok(event, summary)
        }
    }
    pub fn on(mut self, object_type: &'static str, id: impl ToString) -> Self {
        self.object_type = Some(object_type);
        self.object_id = Some(id.to_string());
        self
    }
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct AuditRow {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub account_id: Option<i64>,
    pub username: Option<String>,
    pub source_ip: Option<String>,
    pub event: String,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub result: String,
    pub summary: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRow {
    /// The hash of an entry: SHA-256 over an unambiguous JSON encoding of every field and the
    /// previous hash.
    pub fn compute_hash(&self) -> String {
        let canonical = serde_json::to_string(&(
            self.seq,
            self.at.timestamp_micros(),
            self.account_id,
            &self.username,
            &self.source_ip,
            &self.event,
            &self.object_type,
            &self.object_id,
            &self.result,
            &self.summary,
            &self.prev_hash,
        ))
        .expect("serialising plain values");
        sha256_hex(canonical.as_bytes())
    }
}

/// Filters for the audit administrator.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub username: Option<String>,
    pub event: Option<String>,
    pub failures_only: bool,
}

/// The first broken link found by [`Store::audit_verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Intact { entries: i64 },
    Broken { seq: i64, reason: String },
}

/// Pushes the WHERE clause of an [`AuditFilter`] onto a query builder (either engine).
macro_rules! audit_where {
    ($q:expr, $f:expr) => {{
        let f: &AuditFilter = $f;
        $q.push(" WHERE 1=1");
        if let Some(from) = f.from {
            $q.push(" AND at >= ").push_bind(china_midnight(from));
        }
        if let Some(to) = f.to {
            $q.push(" AND at < ")
                .push_bind(china_midnight(to.succ_opt().unwrap_or(to)));
        }
        if let Some(u) = &f.username {
            $q.push(" AND username = ").push_bind(u.clone());
        }
        if let Some(e) = &f.event {
            $q.push(" AND event LIKE ")
                .push_bind(format!("{}%", crate::like_escape(e)))
                .push(" ESCAPE '\\'");
        }
        if f.failures_only {
            $q.push(" AND result = 'failure'");
        }
    }};
}

/// The instant a calendar day starts in China.
pub fn china_midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_local_timezone(xianfeng_domain::clock::china())
        .single()
        .expect("fixed offset")
        .with_timezone(&Utc)
}

const SELECT: &str = "SELECT seq, at, account_id, username, source_ip, event, object_type, \
                      object_id, result, summary, prev_hash, hash FROM audit_log";

impl Store {
    /// Appends an entry inside an open transaction.
    pub async fn audit(&self, tx: &mut Tx, actor: &Actor, ev: AuditEvent) -> Result<()> {
        let at = self.clock.now();
        // The UPDATE takes the head row's lock, so concurrent writers append one at a time.
        let (seq, prev_hash): (i64, String) = on_tx!(tx, |c| {
            sqlx::query_as(
                "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, last_hash",
            )
            .fetch_one(&mut *c)
            .await?
        });
        // Every write is audited in its own transaction, after the head row's lock: a write made
        // with a key the database no longer records (a copy still running after `key rotate`)
        // is refused here and rolled back. A separate statement, so that on PostgreSQL it sees
        // a rotation that committed while this one waited for the lock.
        let recorded: Option<String> = on_tx!(tx, |c| {
            sqlx::query_scalar("SELECT value FROM settings WHERE key = 'key_fingerprint'")
                .fetch_optional(&mut *c)
                .await?
        });
        if recorded.is_some_and(|fp| fp != self.keys.fingerprint()) {
            return Err(StoreError::KeyMismatch);
        }
        let mut row = AuditRow {
            seq,
            at,
            account_id: actor.account_id,
            username: Some(actor.username.clone()).filter(|s| !s.is_empty()),
            source_ip: actor.source_ip.clone(),
            event: ev.event.to_string(),
            object_type: ev.object_type.map(str::to_string),
            object_id: ev.object_id,
            result: if ev.success { "success" } else { "failure" }.to_string(),
            summary: ev.summary.chars().take(2000).collect(),
            prev_hash,
            hash: String::new(),
        };
        row.hash = row.compute_hash();
        on_tx!(tx, |c| {
            sqlx::query(
                "INSERT INTO audit_log (seq, at, account_id, username, source_ip, event, \
                    object_type, \
                 object_id, result, summary, prev_hash, hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(row.seq)
            .bind(row.at)
            .bind(row.account_id)
            .bind(&row.username)
            .bind(&row.source_ip)
            .bind(&row.event)
            .bind(&row.object_type)
            .bind(&row.object_id)
            .bind(&row.result)
            .bind(&row.summary)
            .bind(&row.prev_hash)
            .bind(&row.hash)
            .execute(&mut *c)
            .await?;
            sqlx::query("UPDATE audit_head SET last_hash = $1 WHERE id = 1")
                .bind(&row.hash)
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// Appends an entry in a transaction of its own (logins, exports, failures).
    pub async fn audit_now(&self, actor: &Actor, ev: AuditEvent) -> Result<()> {
        let mut tx = self.begin().await?;
        self.audit(&mut tx, actor, ev).await?;
        tx.commit().await
    }

    /// Newest first, filtered and paginated.
    pub async fn audit_list(&self, f: &AuditFilter, page: PageReq) -> Result<Page<AuditRow>> {
        let (items, total) = on_db!(&self.db, |p| {
            let mut q = QueryBuilder::new(SELECT);
            audit_where!(q, f);
            q.push(" ORDER BY seq DESC LIMIT ")
                .push_bind(i64::from(page.per_page))
                .push(" OFFSET ")
                .push_bind(page.offset());
            let items: Vec<AuditRow> = q.build_query_as().fetch_all(p).await?;
            let mut c = QueryBuilder::new("SELECT COUNT(*) FROM audit_log");
            audit_where!(c, f);
            let total: i64 = c.build_query_scalar().fetch_one(p).await?;
            (items, total)
        });
        Ok(Page {
            items,
            total,
            page: page.page,
            per_page: page.per_page,
        })
    }

    /// All matching entries in order, in batches (export).
    pub async fn audit_export(&self, f: &AuditFilter) -> Result<Vec<AuditRow>> {
        let mut out = Vec::new();
        let mut after = 0i64;
        loop {
            let batch: Vec<AuditRow> = on_db!(&self.db, |p| {
                let mut q = QueryBuilder::new(SELECT);
                audit_where!(q, f);
                q.push(" AND seq > ")
                    .push_bind(after)
                    .push(" ORDER BY seq LIMIT 5000");
                q.build_query_as().fetch_all(p).await?
            });
            match batch.last() {
                Some(last) => after = last.seq,
                None => break,
            }
            out.extend(batch);
        }
        Ok(out)
    }

    /// Walks the whole chain and names the first entry whose hash or link does not match.
    pub async fn audit_verify(&self) -> Result<Verdict> {
        let mut expected_prev =
            "0000000000000000000000000000000000000000000000000000000000000000".to_string();
        let mut expected_seq = 1i64;
        let mut after = 0i64;
        loop {
            let batch: Vec<AuditRow> = on_db!(&self.db, |p| {
                sqlx::query_as(&format!("{SELECT} WHERE seq > $1 ORDER BY seq LIMIT 5000"))
                    .bind(after)
                    .fetch_all(p)
                    .await?
            });
            if batch.is_empty() {
                break;
            }
            for row in batch {
                if row.seq != expected_seq {
                    return Ok(Verdict::Broken {
                        seq: expected_seq,
                        reason: format!(
                            "第 {expected_seq} 条记录缺失（下一条为第 {} 条）",
                            row.seq
                        ),
                    });
                }
                if row.prev_hash != expected_prev {
                    return Ok(Verdict::Broken {
                        seq: row.seq,
                        reason: format!("第 {} 条记录的前序哈希与上一条不符", row.seq),
                    });
                }
                if row.compute_hash() != row.hash {
                    return Ok(Verdict::Broken {
                        seq: row.seq,
                        reason: format!("第 {} 条记录的内容与其哈希不符（记录被改动）", row.seq),
                    });
                }
                expected_prev = row.hash;
                expected_seq += 1;
                after = row.seq;
            }
        }
        // The head must point at the last entry; a truncated tail shows here.
        let (seq, last): (i64, String) = on_db!(&self.db, |p| {
            sqlx::query_as("SELECT seq, last_hash FROM audit_head WHERE id = 1")
                .fetch_one(p)
                .await?
        });
        if seq != expected_seq - 1 || last != expected_prev {
            return Ok(Verdict::Broken {
                seq: expected_seq,
                reason: format!(
                    "日志末尾缺失：记录到第 {} 条，链头记为第 {seq} 条",
                    expected_seq - 1
                ),
            });
        }
        Ok(Verdict::Intact {
            entries: expected_seq - 1,
        })
    }
}
