//! The master key bound to its database.
//!
//! The database keeps a fingerprint of the key its ID numbers are encrypted with (a one-way
//! derivation, see [`Keys::fingerprint`]), under `settings.key_fingerprint`. Every command and the
//! server compare the key in use with it before anything is written, so a command run with
//! another key (a key file generated in another directory, a mistyped variable) is refused
//! instead of encrypting new data with a key the server does not have. A database from before
//! the binding has no fingerprint: its data is decrypted with the key in use once, and the
//! fingerprint recorded when that works.

use crate::audit::{Actor, AuditEvent};
use crate::{on_db, on_tx, Db, Keys, Result, Store, StoreError, Tx};

const SETTING: &str = "key_fingerprint";
/// How many of the oldest (and of the newest) encrypted values are tried on a database that
/// records no fingerprint yet.
const SAMPLE: i64 = 16;

/// What the database says about the key in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyState {
    /// The database records this key's fingerprint.
    Bound,
    /// The database records the fingerprint of another key.
    Differs,
    /// No fingerprint and no encrypted data yet: a new database, any key may be bound to it.
    Empty,
    /// No fingerprint yet (a database from before the binding); the oldest encrypted values
    /// decrypt with this key. `recent_failures` of the newest sample do not.
    Unbound { recent_failures: usize },
    /// No fingerprint, and the stored data does not decrypt with this key.
    Undecryptable,
}

impl KeyState {
    /// Whether the key in use may be used with this database (and recorded for it).
    pub fn usable(&self) -> bool {
        matches!(
            self,
            KeyState::Bound | KeyState::Empty | KeyState::Unbound { .. }
        )
    }
}

impl Store {
    /// Whether a table exists (the binding is checked before migrations, on a database that
    /// may be new).
    async fn table_exists(&self, name: &str) -> Result<bool> {
        Ok(match &self.db {
            Db::Sqlite { read, .. } => {
                sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
                )
                .bind(name)
                .fetch_one(read)
                .await?
                    > 0
            }
            Db::Postgres(p) => {
                sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name = $1",
                )
                .bind(name)
                .fetch_one(p)
                .await?
                    > 0
            }
        })
    }

    /// The fingerprint the database records, if any.
    pub async fn key_fingerprint_recorded(&self) -> Result<Option<String>> {
        if !self.table_exists("settings").await? {
            return Ok(None);
        }
        Ok(on_db!(&self.db, |p| {
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(SETTING)
                .fetch_optional(p)
                .await?
        }))
    }

    /// Whether the database holds organisations or people (reads only; false for a new one).
    pub async fn holds_data(&self) -> Result<bool> {
        if !self.table_exists("members").await? {
            return Ok(false);
        }
        let n: i64 = on_db!(&self.db, |p| {
            sqlx::query_scalar(
                "SELECT (SELECT COUNT(*) FROM orgs) + (SELECT COUNT(*) FROM members)",
            )
            .fetch_one(p)
            .await?
        });
        Ok(n > 0)
    }

    /// Compares the key in use with the database; reads only, so it can run before migrations.
    pub async fn key_state(&self) -> Result<KeyState> {
        if let Some(fp) = self.key_fingerprint_recorded().await? {
            return Ok(if fp == self.keys.fingerprint() {
                KeyState::Bound
            } else {
                KeyState::Differs
            });
        }
        if !self.table_exists("members").await? {
            return Ok(KeyState::Empty);
        }
        let (oldest, newest): (Vec<Vec<u8>>, Vec<Vec<u8>>) = on_db!(&self.db, |p| {
            let a = sqlx::query_scalar("SELECT id_cipher FROM members ORDER BY id LIMIT $1")
                .bind(SAMPLE)
                .fetch_all(p)
                .await?;
            let b = sqlx::query_scalar("SELECT id_cipher FROM members ORDER BY id DESC LIMIT $1")
                .bind(SAMPLE)
                .fetch_all(p)
                .await?;
            (a, b)
        });
        if oldest.is_empty() {
            return Ok(KeyState::Empty);
        }
        if oldest.iter().any(|c| self.keys.decrypt_id(c).is_err()) {
            return Ok(KeyState::Undecryptable);
        }
        let recent_failures = newest
            .iter()
            .filter(|c| self.keys.decrypt_id(c).is_err())
            .count();
        Ok(KeyState::Unbound { recent_failures })
    }

    /// Records the key in use for this (migrated) database unless a fingerprint is recorded
    /// already; refuses when the recorded one is another key's (a copy that started at the same
    /// moment with another key).
    pub async fn key_bind(&self) -> Result<()> {
        let mut tx = self.begin().await?;
        let now = self.clock.now();
        let recorded: String = on_tx!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (key) DO NOTHING",
            )
            .bind(SETTING)
            .bind(self.keys.fingerprint())
            .bind(now)
            .execute(&mut *c)
            .await?;
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(SETTING)
                .fetch_one(&mut *c)
                .await?
        });
        if recorded != self.keys.fingerprint() {
            return Err(StoreError::KeyMismatch);
        }
        tx.commit().await
    }

    /// Checks, inside a transaction that has just written a restored copy, that the key in use
    /// is the copy's key (its recorded fingerprint, or else a sample that decrypts), and records
    /// it. An error leaves the transaction to be rolled back.
    pub(crate) async fn key_bind_in(&self, tx: &mut Tx) -> Result<()> {
        let recorded: Option<String> = on_tx!(tx, |c| {
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(SETTING)
                .fetch_optional(&mut *c)
                .await?
        });
        match recorded {
            Some(fp) if fp != self.keys.fingerprint() => return Err(StoreError::KeyMismatch),
            Some(_) => return Ok(()),
            None => {}
        }
        let sample: Vec<Vec<u8>> = on_tx!(tx, |c| {
            sqlx::query_scalar("SELECT id_cipher FROM members ORDER BY id LIMIT $1")
                .bind(SAMPLE)
                .fetch_all(&mut *c)
                .await?
        });
        if sample.iter().any(|c| self.keys.decrypt_id(c).is_err()) {
            return Err(StoreError::KeyMismatch);
        }
        let now = self.clock.now();
        on_tx!(tx, |c| {
            sqlx::query("INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)")
                .bind(SETTING)
                .bind(self.keys.fingerprint())
                .bind(now)
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// Re-encrypts every ID number with `new` and recomputes every look-up key, records the new
    /// key's fingerprint (so the old key is refused from then on) and audits it, all in one
    /// transaction. Returns how many values were re-encrypted.
    pub async fn key_rotate(&self, actor: &Actor, new: &Keys) -> Result<u64> {
        if new.fingerprint() == self.keys.fingerprint() {
            return Err(StoreError::Config(
                "新密钥与当前密钥相同：请给出另一个密钥".into(),
            ));
        }
        let mut tx = self.begin().await?;
        let recorded: Option<String> = on_tx!(&mut tx, |c| {
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(SETTING)
                .fetch_optional(&mut *c)
                .await?
        });
        if recorded.as_deref() != Some(self.keys.fingerprint()) {
            return Err(StoreError::KeyMismatch);
        }
        // The audit entry comes first: it takes the audit head's lock, so every other write
        // waits behind the rotation and is then refused by the fingerprint check in `audit`.
        let total: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar("SELECT COUNT(*) FROM members")
                .fetch_one(&mut *c)
                .await?
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "key.rotate",
                format!(
                    "更换数据加密密钥：重新加密 {total} 个身份证号并重算检索键；密钥指纹 {}… → {}…",
                    &self.keys.fingerprint()[..8],
                    &new.fingerprint()[..8]
                ),
            ),
        )
        .await?;
        let mut done = 0u64;
        let mut after = 0i64;
        loop {
            let batch: Vec<(i64, Vec<u8>)> = on_tx!(&mut tx, |c| {
                sqlx::query_as(
                    "SELECT id, id_cipher FROM members WHERE id > $1 ORDER BY id LIMIT 2000",
                )
                .bind(after)
                .fetch_all(&mut *c)
                .await?
            });
            let Some(last) = batch.last() else { break };
            after = last.0;
            for (id, cipher) in batch {
                let plain = self.keys.decrypt_id(&cipher).map_err(|_| {
                    StoreError::Config(format!(
                        "第 {id} 号人员的身份证号无法用当前密钥解密：未做任何改动"
                    ))
                })?;
                on_tx!(&mut tx, |c| {
                    sqlx::query("UPDATE members SET id_cipher = $1, id_hash = $2 WHERE id = $3")
                        .bind(new.encrypt_id(&plain))
                        .bind(new.id_lookup(&plain))
                        .bind(id)
                        .execute(&mut *c)
                        .await?;
                });
                done += 1;
            }
        }
        // Second-factor secrets are under the same master key.
        let secrets: Vec<(i64, Vec<u8>)> = on_tx!(&mut tx, |c| {
            sqlx::query_as("SELECT id, totp_cipher FROM accounts WHERE totp_cipher IS NOT NULL")
                .fetch_all(&mut *c)
                .await?
        });
        for (id, cipher) in secrets {
            let plain = self.keys.decrypt_secret(&cipher).map_err(|_| {
                StoreError::Config(format!(
                    "第 {id} 号账号的两步验证密钥无法用当前密钥解密：未做任何改动"
                ))
            })?;
            on_tx!(&mut tx, |c| {
                sqlx::query("UPDATE accounts SET totp_cipher = $1 WHERE id = $2")
                    .bind(new.encrypt_secret(&plain))
                    .bind(id)
                    .execute(&mut *c)
                    .await?;
            });
        }
        let now = self.clock.now();
        on_tx!(&mut tx, |c| {
            sqlx::query("UPDATE settings SET value = $1, updated_at = $2 WHERE key = $3")
                .bind(new.fingerprint())
                .bind(now)
                .bind(SETTING)
                .execute(&mut *c)
                .await?;
        });
        tx.commit().await?;
        Ok(done)
    }
}
