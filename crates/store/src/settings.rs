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
    pub fn validate(&self) -> Result<()> {
        let check = |field: &'static str, v: i64, lo: i64, hi: i64| {
            if v < lo || v > hi {
                Err(StoreError::invalid(
                    field,
                    format!("取值应在 {lo} 到 {hi} 之间"),
                ))
            } else {
                Ok(())
            }
        };
        check("lockout_threshold", self.lockout_threshold, 3, 10)?;
        check(
            "lockout_window_minutes",
            self.lockout_window_minutes,
            1,
            1440,
        )?;
        check("lockout_minutes", self.lockout_minutes, 1, 1440)?;
        check("idle_timeout_minutes", self.idle_timeout_minutes, 5, 30)?;
        check("absolute_timeout_hours", self.absolute_timeout_hours, 1, 24)?;
        check("password_expiry_days", self.password_expiry_days, 0, 365)?;
        Ok(())
    }
}

impl Store {
    pub async fn policy(&self) -> Result<Policy> {
        let v: Option<String> = on_db!(&self.db, p => {
            sqlx::query_scalar("SELECT value FROM settings WHERE key = 'policy'").fetch_optional(p).await?
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
        on_tx!(&mut tx, c => {
            sqlx::query("INSERT INTO settings (key, value, updated_at) VALUES ('policy', $1, $2) \
                         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
                .bind(&value).bind(now).execute(&mut *c).await?;
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
