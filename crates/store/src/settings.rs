//! Security policy settings kept in the database (changed by the security administrator),
//! so that every server copy applies the same policy.

use serde::{Deserialize, Serialize};

use crate::audit::{Actor, AuditEvent};
use crate::{on_db, on_tx, Result, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Failures within `lockout_window_minutes` that lock an account.
    pub lockout_threshold: i64,
    pub lockout_window_minutes: i64,
    pub lockout_minutes: i64,
    pub idle_timeout_minutes: i64,
    pub absolute_timeout_hours: i64,
    /// 0 = passwords never expire.
    pub password_expiry_days: i64,
    /// Administrators must use a second factor (TOTP).
    pub require_totp_for_admins: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            lockout_threshold: 5,
            lockout_window_minutes: 15,
            lockout_minutes: 15,
            idle_timeout_minutes: 30,
            absolute_timeout_hours: 12,
            password_expiry_days: 0,
            require_totp_for_admins: false,
        }
    }
}

impl Policy {
    /// Every field out of its range, with the allowed range.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        [
            ("lockout_threshold", self.lockout_threshold, 3, 10),
            (
                "lockout_window_minutes",
                self.lockout_window_minutes,
                1,
                1440,
            ),
            ("lockout_minutes", self.lockout_minutes, 1, 1440),
            ("idle_timeout_minutes", self.idle_timeout_minutes, 5, 30),
            ("absolute_timeout_hours", self.absolute_timeout_hours, 1, 24),
            ("password_expiry_days", self.password_expiry_days, 0, 365),
        ]
        .into_iter()
        .filter(|(_, v, lo, hi)| v < lo || v > hi)
        .map(|(f, _, lo, hi)| (f, format!("取值应在 {lo} 到 {hi} 之间")))
        .collect()
    }

    pub fn validate(&self) -> Result<()> {
        match self.problems().into_iter().next() {
            Some((field, message)) => Err(StoreError::invalid(field, message)),
            None => Ok(()),
        }
    }
}

impl Store {
    pub async fn policy(&self) -> Result<Policy> {
        let v: Option<String> = on_db!(&self.db, |p| {
            sqlx::query_scalar("SELECT value FROM settings WHERE key = 'policy'")
                .fetch_optional(p)
                .await?
        });
        Ok(v.and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default())
    }

    pub async fn set_policy(&self, actor: &Actor, policy: &Policy) -> Result<()> {
        policy.validate()?;
        let before = self.policy().await?;
        let value = serde_json::to_string(policy).expect("plain struct");
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO settings (key, value, updated_at) VALUES ('policy', $1, $2) \
                         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = \
                         excluded.updated_at",
            )
            .bind(&value)
            .bind(now)
            .execute(&mut *c)
            .await?;
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "config.policy",
                format!(
                    "安全策略由 {} 改为 {}",
                    serde_json::to_string(&before).unwrap_or_default(),
                    value
                ),
            ),
        )
        .await?;
        tx.commit().await
    }
}
