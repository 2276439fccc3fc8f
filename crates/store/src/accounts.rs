//! Accounts, roles, sessions, bearer tokens and the one-time set-up link.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sqlx::FromRow;
use xianfeng_domain::password::PasswordPolicy;
use xianfeng_domain::scope::{Role, Scope};

use crate::audit::{Actor, AuditEvent};
use crate::crypto::{dummy_verify, hash_password, random_token, sha256_hex, verify_password};
use crate::{on_db, on_tx, Result, Store, StoreError, Tx};

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    #[serde(skip)]
    pub password_hash: String,
    pub role: Option<String>,
    pub org_id: Option<i64>,
    pub member_id: Option<i64>,
    pub must_change_password: bool,
    pub disabled: bool,
    pub locked_until: Option<DateTime<Utc>>,
    pub password_changed_at: DateTime<Utc>,
    /// The second factor's secret, encrypted (see [`crate::Keys::encrypt_secret`]).
    #[serde(skip)]
    pub totp_cipher: Option<Vec<u8>>,
    pub totp_enabled: bool,
    /// The last time step whose code was accepted: a code is accepted once.
    #[serde(skip)]
    pub totp_last_step: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Account {
    pub fn role(&self) -> Option<Role> {
        self.role.as_deref().and_then(Role::parse)
    }
    pub fn role_label(&self) -> &'static str {
        self.role().map(|r| r.label()).unwrap_or("未分配角色")
    }
    pub fn is_locked(&self, now: DateTime<Utc>) -> bool {
        self.locked_until.is_some_and(|t| t > now)
    }
}

/// An account with the names of its organisation and member, for the account list.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct AccountRow {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub account: Account,
    pub org_name: Option<String>,
    pub member_name: Option<String>,
}

const ACCOUNT_COLS: &str = "a.id, a.username, a.display_name, a.password_hash, a.role, a.org_id, \
    a.member_id, a.must_change_password, a.disabled, a.locked_until, a.password_changed_at, \
    a.totp_cipher, a.totp_enabled, a.totp_last_step, a.created_at, a.updated_at";

/// The result of a login attempt. Callers show one message for every failure.
#[derive(Debug)]
pub enum LoginOutcome {
    Success(Box<Account>),
    Failed,
}

/// A live session.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub account: Account,
    pub csrf_token: String,
    pub totp_pending: bool,
    pub created_at: DateTime<Utc>,
}

/// account, CSRF token, created, last seen, second factor pending
type SessionRow = (i64, String, DateTime<Utc>, DateTime<Utc>, bool);

/// A user name: 3–32 letters, digits, '.', '_' or '-'.
pub fn parse_username(input: &str) -> Result<String> {
    let s = input.trim().to_lowercase();
    if s.len() < 3
        || s.len() > 32
        || !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(StoreError::invalid(
            "username",
            "用户名应为 3–32 位字母、数字或 . _ -",
        ));
    }
    Ok(s)
}

pub fn parse_display_name(input: &str) -> Result<String> {
    let s = xianfeng_domain::text::clean(input);
    if s.is_empty() || s.chars().count() > 50 {
        return Err(StoreError::invalid(
            "display_name",
            "请填写姓名（最多 50 个字）",
        ));
    }
    Ok(s)
}

/// New role and its binding, checked against the role's needs.
#[derive(Debug, Clone, Copy)]
pub struct RoleGrant {
    pub role: Option<Role>,
    pub org_id: Option<i64>,
    pub member_id: Option<i64>,
}

impl Store {
    pub async fn account_count(&self) -> Result<i64> {
        Ok(on_db!(&self.db, |p| {
            sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
                .fetch_one(p)
                .await?
        }))
    }

    pub async fn account_get(&self, id: i64) -> Result<Account> {
        let a: Option<Account> = on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "SELECT {ACCOUNT_COLS} FROM accounts a WHERE a.id = $1"
            ))
            .bind(id)
            .fetch_optional(p)
            .await?
        });
        a.ok_or(StoreError::NotFound("账号不存在"))
    }

    pub async fn account_by_username(&self, username: &str) -> Result<Option<Account>> {
        let name = username.trim().to_lowercase();
        Ok(on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "SELECT {ACCOUNT_COLS} FROM accounts a WHERE a.username = $1"
            ))
            .bind(name)
            .fetch_optional(p)
            .await?
        }))
    }

    pub async fn account_list(&self) -> Result<Vec<AccountRow>> {
        Ok(on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "SELECT {ACCOUNT_COLS}, o.name AS org_name, m.name AS member_name FROM accounts a \
                 LEFT JOIN orgs o ON o.id = a.org_id LEFT JOIN members m ON m.id = a.member_id \
                 ORDER BY a.username"
            ))
            .fetch_all(p)
            .await?
        }))
    }

    /// The scope an account's role gives it.
    pub async fn scope_of(&self, account: &Account) -> Result<Scope> {
        Ok(match account.role() {
            Some(Role::SystemAdmin) => Scope::Structure,
            Some(Role::OrgAdmin) | Some(Role::OrgViewer) => match account.org_id {
                Some(org_id) => {
                    let org = self.org_get(&Scope::Structure, org_id).await?;
                    Scope::Subtree {
                        root_id: org.id,
                        path: org.org_path(),
                        write: account.role() == Some(Role::OrgAdmin),
                    }
                }
                None => Scope::Nothing,
            },
            Some(Role::Member) => match account.member_id {
                Some(member_id) => Scope::Own { member_id },
                None => Scope::Nothing,
            },
            Some(Role::SecurityAdmin) | Some(Role::AuditAdmin) | None => Scope::Nothing,
        })
    }

    async fn check_grant(&self, grant: &RoleGrant) -> Result<()> {
        match grant.role {
            Some(r) if r.needs_org() => match grant.org_id {
                Some(id) => {
                    self.org_get(&Scope::Structure, id)
                        .await
                        .map_err(|_| StoreError::invalid("org_id", "所选组织不存在"))?;
                }
                None => return Err(StoreError::invalid("org_id", "党务角色须指定管理的组织")),
            },
            Some(r) if r.needs_member() => match grant.member_id {
                Some(id) => {
                    let exists: Option<i64> = on_db!(&self.db, |p| {
                        sqlx::query_scalar("SELECT id FROM members WHERE id = $1")
                            .bind(id)
                            .fetch_optional(p)
                            .await?
                    });
                    if exists.is_none() {
                        return Err(StoreError::invalid("member_id", "所选党员不存在"));
                    }
                }
                None => {
                    return Err(StoreError::invalid(
                        "member_id",
                        "党员角色须关联本人的党员档案",
                    ))
                }
            },
            _ => {}
        }
        Ok(())
    }

    /// Creates an account with a temporary password that must be changed at first login.
    pub async fn account_create(
        &self,
        actor: &Actor,
        username: &str,
        display_name: &str,
        password: &str,
        grant: RoleGrant,
    ) -> Result<Account> {
        let username = parse_username(username)?;
        let display_name = parse_display_name(display_name)?;
        PasswordPolicy::default()
            .check(password, &username)
            .map_err(|e| StoreError::invalid("password", e.to_string()))?;
        self.check_grant(&grant).await?;
        let mut tx = self.begin().await?;
        let id = self
            .account_insert(&mut tx, &username, &display_name, password, grant, true)
            .await?;
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "account.create",
                format!(
                    "新建账号 {username}（{display_name}），角色：{}",
                    grant.role.map(|r| r.label()).unwrap_or("未分配")
                ),
            )
            .on("account", id),
        )
        .await?;
        tx.commit().await?;
        self.account_get(id).await
    }

    async fn account_insert(
        &self,
        tx: &mut Tx,
        username: &str,
        display_name: &str,
        password: &str,
        grant: RoleGrant,
        must_change: bool,
    ) -> Result<i64> {
        let now = self.clock.now();
        let hash = hash_password(password);
        let inserted: std::result::Result<i64, sqlx::Error> = on_tx!(tx, |c| {
            sqlx::query_scalar(
                "INSERT INTO accounts (username, display_name, password_hash, role, org_id, \
                    member_id, \
                 must_change_password, disabled, password_changed_at, totp_enabled, created_at, \
                 updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9, $9) RETURNING id",
            )
            .bind(username)
            .bind(display_name)
            .bind(&hash)
            .bind(grant.role.map(|r| r.code()))
            .bind(
                grant
                    .org_id
                    .filter(|_| grant.role.is_some_and(|r| r.needs_org())),
            )
            .bind(
                grant
                    .member_id
                    .filter(|_| grant.role.is_some_and(|r| r.needs_member())),
            )
            .bind(must_change)
            .bind(false)
            .bind(now)
            .bind(false)
            .fetch_one(&mut *c)
            .await
        });
        let id = match inserted {
            Ok(id) => id,
            Err(e) => {
                let e = StoreError::from(e);
                if e.is_unique_violation() {
                    return Err(StoreError::invalid(
                        "username",
                        format!("用户名 {username} 已被使用"),
                    ));
                }
                return Err(e);
            }
        };
        on_tx!(tx, |c| {
            sqlx::query(
                "INSERT INTO password_history (account_id, password_hash, created_at) VALUES \
                ($1, $2, $3)",
            )
            .bind(id)
            .bind(&hash)
            .bind(now)
            .execute(&mut *c)
            .await?;
        });
        Ok(id)
    }

    /// Security administrator: changes an account's role and scope. Ends its sessions, so the
    /// new privileges start with a fresh session.
    pub async fn account_set_role(&self, actor: &Actor, id: i64, grant: RoleGrant) -> Result<()> {
        let before = self.account_get(id).await?;
        if actor.account_id == Some(id) {
            return Err(StoreError::invalid("role", "不能修改自己的角色"));
        }
        self.check_grant(&grant).await?;
        let binding = match (grant.role, grant.org_id, grant.member_id) {
            (Some(r), Some(oid), _) if r.needs_org() => {
                let o = self.org_get(&Scope::Structure, oid).await?;
                format!("，管理范围：{}（{}）", o.name, o.code)
            }
            (Some(r), _, Some(mid)) if r.needs_member() => format!("，关联党员档案编号 {mid}"),
            _ => String::new(),
        };
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "UPDATE accounts SET role = $1, org_id = $2, member_id = $3, updated_at = $4 \
                WHERE id = $5",
            )
            .bind(grant.role.map(|r| r.code()))
            .bind(
                grant
                    .org_id
                    .filter(|_| grant.role.is_some_and(|r| r.needs_org())),
            )
            .bind(
                grant
                    .member_id
                    .filter(|_| grant.role.is_some_and(|r| r.needs_member())),
            )
            .bind(now)
            .bind(id)
            .execute(&mut *c)
            .await?;
            sqlx::query("DELETE FROM sessions WHERE account_id = $1")
                .bind(id)
                .execute(&mut *c)
                .await?;
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "account.role",
                format!(
                    "{} 的角色由“{}”改为“{}”{}",
                    before.username,
                    before.role_label(),
                    grant.role.map(|r| r.label()).unwrap_or("未分配角色"),
                    binding
                ),
            )
            .on("account", id),
        )
        .await?;
        tx.commit().await
    }

    pub async fn account_set_disabled(&self, actor: &Actor, id: i64, disabled: bool) -> Result<()> {
        let acc = self.account_get(id).await?;
        if actor.account_id == Some(id) {
            return Err(StoreError::invalid("disabled", "不能停用自己的账号"));
        }
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query("UPDATE accounts SET disabled = $1, updated_at = $2 WHERE id = $3")
                .bind(disabled)
                .bind(now)
                .bind(id)
                .execute(&mut *c)
                .await?;
            if disabled {
                sqlx::query("DELETE FROM sessions WHERE account_id = $1")
                    .bind(id)
                    .execute(&mut *c)
                    .await?;
                sqlx::query(
                    "UPDATE api_tokens SET revoked_at = $1 WHERE account_id = $2 AND revoked_at \
                    IS NULL",
                )
                .bind(now)
                .bind(id)
                .execute(&mut *c)
                .await?;
            }
        });
        let (ev, verb) = if disabled {
            ("account.disable", "停用")
        } else {
            ("account.enable", "启用")
        };
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(ev, format!("{verb}账号 {}", acc.username)).on("account", id),
        )
        .await?;
        tx.commit().await
    }

    /// Sets a temporary password that must be changed at next login; unlocks the account.
    pub async fn account_reset_password(
        &self,
        actor: &Actor,
        id: i64,
        temporary: &str,
    ) -> Result<()> {
        let acc = self.account_get(id).await?;
        PasswordPolicy::default()
            .check(temporary, &acc.username)
            .map_err(|e| StoreError::invalid("password", e.to_string()))?;
        let now = self.clock.now();
        let hash = hash_password(temporary);
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "UPDATE accounts SET password_hash = $1, must_change_password = $2, locked_until \
                = NULL, password_changed_at = $3, updated_at = $3 WHERE id = $4",
            )
            .bind(&hash)
            .bind(true)
            .bind(now)
            .bind(id)
            .execute(&mut *c)
            .await?;
            sqlx::query(
                "INSERT INTO password_history (account_id, password_hash, created_at) VALUES \
                ($1, $2, $3)",
            )
            .bind(id)
            .bind(&hash)
            .bind(now)
            .execute(&mut *c)
            .await?;
            sqlx::query("DELETE FROM sessions WHERE account_id = $1")
                .bind(id)
                .execute(&mut *c)
                .await?;
            sqlx::query("DELETE FROM login_failures WHERE account_id = $1")
                .bind(id)
                .execute(&mut *c)
                .await?;
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "account.reset_password",
                format!("重置 {} 的密码（须在下次登录时修改）", acc.username),
            )
            .on("account", id),
        )
        .await?;
        tx.commit().await
    }

    pub async fn account_unlock(&self, actor: &Actor, id: i64) -> Result<()> {
        let acc = self.account_get(id).await?;
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query("UPDATE accounts SET locked_until = NULL WHERE id = $1")
                .bind(id)
                .execute(&mut *c)
                .await?;
            sqlx::query("DELETE FROM login_failures WHERE account_id = $1")
                .bind(id)
                .execute(&mut *c)
                .await?;
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok("account.unlock", format!("解锁账号 {}", acc.username))
                .on("account", id),
        )
        .await?;
        tx.commit().await
    }

    /// Checks a user name and password, applying the lockout policy. Every outcome is audited.
    pub async fn login(
        &self,
        ip: Option<String>,
        username: &str,
        password: &str,
    ) -> Result<LoginOutcome> {
        let now = self.clock.now();
        let actor = Actor {
            account_id: None,
            username: username.trim().chars().take(64).collect(),
            source_ip: ip.clone(),
        };
        let Some(acc) = self.account_by_username(username).await? else {
            dummy_verify(password);
            self.audit_now(&actor, AuditEvent::failed("auth.login", "用户名或密码错误"))
                .await?;
            return Ok(LoginOutcome::Failed);
        };
        let actor = Actor {
            account_id: Some(acc.id),
            username: acc.username.clone(),
            source_ip: ip,
        };
        if acc.is_locked(now) {
            dummy_verify(password);
            self.audit_now(
                &actor,
                AuditEvent::failed("auth.login", "账号锁定期间尝试登录").on("account", acc.id),
            )
            .await?;
            return Ok(LoginOutcome::Failed);
        }
        if acc.locked_until.is_some() {
            // The lock has run out: record the unlock.
            let mut tx = self.begin().await?;
            on_tx!(&mut tx, |c| {
                sqlx::query("UPDATE accounts SET locked_until = NULL WHERE id = $1")
                    .bind(acc.id)
                    .execute(&mut *c)
                    .await?;
                sqlx::query("DELETE FROM login_failures WHERE account_id = $1")
                    .bind(acc.id)
                    .execute(&mut *c)
                    .await?;
            });
            self.audit(
                &mut tx,
                &actor,
                AuditEvent::ok("account.unlock", "锁定期满自动解锁").on("account", acc.id),
            )
            .await?;
            tx.commit().await?;
        }
        if !verify_password(password, &acc.password_hash) || acc.disabled {
            let reason = if acc.disabled {
                "账号已停用"
            } else {
                "密码错误"
            };
            let mut tx = self.begin().await?;
            self.auth_failure(&mut tx, &actor, &acc, "auth.login", reason)
                .await?;
            tx.commit().await?;
            return Ok(LoginOutcome::Failed);
        }
        let mut tx = self.begin().await?;
        // With a second factor the count starts over only once the code is right too, so that
        // signing in again with the password does not buy fresh guesses at the code.
        if !acc.totp_enabled {
            on_tx!(&mut tx, |c| {
                sqlx::query("DELETE FROM login_failures WHERE account_id = $1")
                    .bind(acc.id)
                    .execute(&mut *c)
                    .await?;
            });
        }
        self.audit(
            &mut tx,
            &actor,
            AuditEvent::ok("auth.login", "登录成功").on("account", acc.id),
        )
        .await?;
        tx.commit().await?;
        Ok(LoginOutcome::Success(Box::new(acc)))
    }

    /// Records a failed password or second-factor attempt, audited, and locks the account when
    /// the failures within the policy's window reach its threshold (passwords and codes count
    /// together). Returns whether the account is now locked.
    async fn auth_failure(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        acc: &Account,
        event: &'static str,
        reason: &str,
    ) -> Result<bool> {
        // Attempts at the same account are counted one after the other, so that guesses sent
        // in parallel cannot each see fewer failures than there are.
        Self::lock_account(tx, acc.id).await?;
        let policy = self.policy().await?;
        let now = self.clock.now();
        let since = now - Duration::minutes(policy.lockout_window_minutes);
        let failures: i64 = on_tx!(tx, |c| {
            sqlx::query("INSERT INTO login_failures (account_id, at) VALUES ($1, $2)")
                .bind(acc.id)
                .bind(now)
                .execute(&mut *c)
                .await?;
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM login_failures WHERE account_id = $1 AND at > $2",
            )
            .bind(acc.id)
            .bind(since)
            .fetch_one(&mut *c)
            .await?
        });
        self.audit(
            tx,
            actor,
            AuditEvent::failed(event, reason).on("account", acc.id),
        )
        .await?;
        if failures < policy.lockout_threshold || acc.disabled {
            return Ok(false);
        }
        let until = now + Duration::minutes(policy.lockout_minutes);
        on_tx!(tx, |c| {
            sqlx::query("UPDATE accounts SET locked_until = $1 WHERE id = $2")
                .bind(until)
                .bind(acc.id)
                .execute(&mut *c)
                .await?;
            // A session still waiting for its second factor ends with the lock.
            sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND totp_pending = $2")
                .bind(acc.id)
                .bind(true)
                .execute(&mut *c)
                .await?;
        });
        self.audit(
            tx,
            actor,
            AuditEvent::ok(
                "account.lock",
                format!(
                    "{} 分钟内登录失败 {failures} 次，锁定 {} 分钟",
                    policy.lockout_window_minutes, policy.lockout_minutes
                ),
            )
            .on("account", acc.id),
        )
        .await?;
        Ok(true)
    }

    /// Takes the account's row lock for the rest of `tx` and returns its lock time as it now
    /// stands (a lock another attempt has just set included).
    async fn lock_account(tx: &mut Tx, id: i64) -> Result<Option<DateTime<Utc>>> {
        Ok(on_tx!(tx, |c| {
            sqlx::query_scalar(
                "UPDATE accounts SET locked_until = locked_until WHERE id = $1 RETURNING \
                    locked_until",
            )
            .bind(id)
            .fetch_one(&mut *c)
            .await?
        }))
    }

    /// Starts a session; returns the cookie token (only its hash is stored).
    pub async fn session_create(
        &self,
        account_id: i64,
        ip: Option<String>,
        totp_pending: bool,
    ) -> Result<(String, String)> {
        let token = random_token();
        let csrf = random_token();
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO sessions (id_hash, account_id, csrf_token, created_at, \
                last_seen_at, totp_pending, source_ip) VALUES ($1, $2, $3, $4, $4, $5, $6)",
            )
            .bind(sha256_hex(token.as_bytes()))
            .bind(account_id)
            .bind(&csrf)
            .bind(now)
            .bind(totp_pending)
            .bind(ip)
            .execute(&mut *c)
            .await?;
        });
        tx.commit().await?;
        Ok((token, csrf))
    }

    /// Looks a session up, enforcing idle and absolute timeouts; touches it.
    pub async fn session_get(&self, token: &str) -> Result<Option<SessionInfo>> {
        let policy = self.policy().await?;
        let now = self.clock.now();
        let hash = sha256_hex(token.as_bytes());
        let row: Option<SessionRow> = on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT account_id, csrf_token, created_at, last_seen_at, totp_pending FROM \
                sessions WHERE id_hash = $1",
            )
            .bind(&hash)
            .fetch_optional(p)
            .await?
        });
        let Some((account_id, csrf, created, seen, totp_pending)) = row else {
            return Ok(None);
        };
        let idle = now - seen > Duration::minutes(policy.idle_timeout_minutes);
        let old = now - created > Duration::hours(policy.absolute_timeout_hours);
        let account = self.account_get(account_id).await?;
        if idle || old || account.disabled {
            self.session_end(token).await?;
            return Ok(None);
        }
        if now - seen > Duration::seconds(30) {
            let mut tx = self.begin().await?;
            on_tx!(&mut tx, |c| {
                sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
                    .bind(now)
                    .bind(&hash)
                    .execute(&mut *c)
                    .await?;
            });
            tx.commit().await?;
        }
        Ok(Some(SessionInfo {
            account,
            csrf_token: csrf,
            totp_pending,
            created_at: created,
        }))
    }

    pub async fn session_end(&self, token: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                .bind(sha256_hex(token.as_bytes()))
                .execute(&mut *c)
                .await?;
        });
        tx.commit().await
    }

    /// Changes one's own password: checks the current one, the policy and the last five.
    pub async fn password_change(
        &self,
        actor: &Actor,
        id: i64,
        current: &str,
        new: &str,
    ) -> Result<()> {
        let acc = self.account_get(id).await?;
        if !verify_password(current, &acc.password_hash) {
            self.audit_now(
                actor,
                AuditEvent::failed("account.password", "当前密码错误").on("account", id),
            )
            .await?;
            return Err(StoreError::invalid("current", "当前密码错误"));
        }
        let policy = PasswordPolicy::default();
        policy
            .check(new, &acc.username)
            .map_err(|e| StoreError::invalid("new", e.to_string()))?;
        let history: Vec<String> = on_db!(&self.db, |p| {
            sqlx::query_scalar(
                "SELECT password_hash FROM password_history WHERE account_id = $1 ORDER BY \
                created_at DESC, id DESC LIMIT $2",
            )
            .bind(id)
            .bind(policy.history as i64)
            .fetch_all(p)
            .await?
        });
        if verify_password(new, &acc.password_hash)
            || history.iter().any(|h| verify_password(new, h))
        {
            return Err(StoreError::invalid(
                "new",
                format!("新密码不能与最近 {} 次使用过的密码相同", policy.history),
            ));
        }
        let now = self.clock.now();
        let hash = hash_password(new);
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "UPDATE accounts SET password_hash = $1, must_change_password = $2, \
                password_changed_at = $3, updated_at = $3 WHERE id = $4",
            )
            .bind(&hash)
            .bind(false)
            .bind(now)
            .bind(id)
            .execute(&mut *c)
            .await?;
            sqlx::query(
                "INSERT INTO password_history (account_id, password_hash, created_at) VALUES \
                ($1, $2, $3)",
            )
            .bind(id)
            .bind(&hash)
            .bind(now)
            .execute(&mut *c)
            .await?;
            sqlx::query("DELETE FROM sessions WHERE account_id = $1")
                .bind(id)
                .execute(&mut *c)
                .await?;
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok("account.password", "修改密码").on("account", id),
        )
        .await?;
        tx.commit().await
    }

    /// Whether the password has expired under the policy.
    pub async fn password_expired(&self, acc: &Account) -> Result<bool> {
        let policy = self.policy().await?;
        Ok(policy.password_expiry_days > 0
            && self.clock.now() - acc.password_changed_at
                > Duration::days(policy.password_expiry_days))
    }

    // ---- second factor (TOTP) ----

    /// Makes a new secret for an account that has not confirmed one yet; stored encrypted.
    /// Returns it in the base32 form the authenticator app takes.
    pub async fn totp_begin(&self, id: i64) -> Result<String> {
        let secret = crate::crypto::totp_new_secret();
        let acc = self.account_get(id).await?;
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "UPDATE accounts SET totp_cipher = $1, totp_secret = NULL, totp_enabled = $2, \
                totp_last_step = NULL WHERE id = $3",
            )
            .bind(self.keys.encrypt_secret(&secret))
            .bind(false)
            .bind(id)
            .execute(&mut *c)
            .await?;
        });
        let actor = Actor {
            account_id: Some(id),
            username: acc.username.clone(),
            source_ip: None,
        };
        self.audit(
            &mut tx,
            &actor,
            AuditEvent::ok("account.totp_begin", "生成两步验证密钥（待确认）").on("account", id),
        )
        .await?;
        tx.commit().await?;
        Ok(crate::crypto::totp_encoded(&secret))
    }

    /// The secret an account is enrolling with (not yet confirmed), for the enrolment page;
    /// nothing once the second factor is on.
    pub fn totp_pending_secret(&self, acc: &Account) -> Result<Option<String>> {
        match (&acc.totp_cipher, acc.totp_enabled) {
            (Some(c), false) => Ok(Some(crate::crypto::totp_encoded(
                &self.keys.decrypt_secret(c)?,
            ))),
            _ => Ok(None),
        }
    }

    /// The step of a code for this account, or `None`: a wrong code, a code already used, or
    /// an account without a secret.
    fn totp_step(&self, acc: &Account, code: &str) -> Result<Option<i64>> {
        let Some(cipher) = &acc.totp_cipher else {
            return Ok(None);
        };
        let secret = self.keys.decrypt_secret(cipher)?;
        Ok(crate::crypto::totp_step_of(
            &secret,
            code,
            self.clock.now().timestamp(),
            acc.totp_last_step,
        ))
    }

    /// Marks a step used inside `tx`; false when another request used it (or a later one) first.
    async fn totp_use_step(tx: &mut Tx, id: i64, step: i64) -> Result<bool> {
        Ok(on_tx!(tx, |c| {
            sqlx::query(
                "UPDATE accounts SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS \
                NULL OR totp_last_step < $1)",
            )
            .bind(step)
            .bind(id)
            .execute(&mut *c)
            .await?
            .rows_affected()
                == 1
        }))
    }

    pub async fn totp_confirm(&self, actor: &Actor, id: i64, code: &str) -> Result<()> {
        let acc = self.account_get(id).await?;
        if acc.totp_cipher.is_none() {
            return Err(StoreError::invalid("code", "请先生成密钥"));
        }
        let mut tx = self.begin().await?;
        Self::lock_account(&mut tx, id).await?;
        let step = self.totp_step(&acc, code)?;
        let used = match step {
            Some(step) => Self::totp_use_step(&mut tx, id, step).await?,
            None => false,
        };
        if !used {
            self.auth_failure(&mut tx, actor, &acc, "account.totp_enable", "验证码不正确")
                .await?;
            tx.commit().await?;
            return Err(StoreError::invalid("code", "验证码不正确"));
        }
        on_tx!(&mut tx, |c| {
            sqlx::query("UPDATE accounts SET totp_enabled = $1 WHERE id = $2")
                .bind(true)
                .bind(id)
                .execute(&mut *c)
                .await?;
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok("account.totp_enable", "启用两步验证").on("account", id),
        )
        .await?;
        tx.commit().await
    }

    /// Security administrator: removes a lost second factor.
    pub async fn totp_reset(&self, actor: &Actor, id: i64) -> Result<()> {
        let acc = self.account_get(id).await?;
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "UPDATE accounts SET totp_secret = NULL, totp_cipher = NULL, totp_last_step = \
                NULL, totp_enabled = $1 WHERE id = $2",
            )
            .bind(false)
            .bind(id)
            .execute(&mut *c)
            .await?;
            sqlx::query("DELETE FROM sessions WHERE account_id = $1")
                .bind(id)
                .execute(&mut *c)
                .await?;
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "account.totp_reset",
                format!("清除 {} 的两步验证", acc.username),
            )
            .on("account", id),
        )
        .await?;
        tx.commit().await
    }

    /// Completes a login that waits for the second factor. A wrong or reused code counts
    /// toward the lockout like a wrong password; a locked account is refused whatever the
    /// code, and the lock ends the waiting session.
    pub async fn session_totp(&self, actor: &Actor, token: &str, code: &str) -> Result<bool> {
        let Some(s) = self.session_get(token).await? else {
            return Ok(false);
        };
        let acc = s.account;
        let mut tx = self.begin().await?;
        let locked_until = Self::lock_account(&mut tx, acc.id).await?;
        if locked_until.is_some_and(|t| t > self.clock.now()) {
            self.audit(
                &mut tx,
                actor,
                AuditEvent::failed("auth.totp", "账号锁定期间输入验证码").on("account", acc.id),
            )
            .await?;
            on_tx!(&mut tx, |c| {
                sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                    .bind(sha256_hex(token.as_bytes()))
                    .execute(&mut *c)
                    .await?;
            });
            tx.commit().await?;
            return Ok(false);
        }
        let ok = match self.totp_step(&acc, code)? {
            Some(step) => Self::totp_use_step(&mut tx, acc.id, step).await?,
            None => false,
        };
        if ok {
            let settled = on_tx!(&mut tx, |c| {
                sqlx::query(
                    "UPDATE sessions SET totp_pending = $1 WHERE id_hash = $2 AND \
                    totp_pending = $3",
                )
                .bind(false)
                .bind(sha256_hex(token.as_bytes()))
                .bind(true)
                .execute(&mut *c)
                .await?
                .rows_affected()
            });
            if settled != 1 {
                // The waiting session ended meanwhile (a lock): nothing is recorded.
                return Ok(false);
            }
            on_tx!(&mut tx, |c| {
                sqlx::query("DELETE FROM login_failures WHERE account_id = $1")
                    .bind(acc.id)
                    .execute(&mut *c)
                    .await?;
            });
            self.audit(
                &mut tx,
                actor,
                AuditEvent::ok("auth.totp", "两步验证通过").on("account", acc.id),
            )
            .await?;
        } else {
            self.auth_failure(&mut tx, actor, &acc, "auth.totp", "两步验证码错误或已用过")
                .await?;
        }
        tx.commit().await?;
        Ok(ok)
    }

    /// Encrypts second-factor secrets that older versions kept in plain text; run at start-up
    /// once the key has been checked against the database. Returns how many were sealed.
    pub async fn totp_seal_plain(&self) -> Result<u64> {
        let plain: Vec<(i64, String)> = on_db!(&self.db, |p| {
            sqlx::query_as("SELECT id, totp_secret FROM accounts WHERE totp_secret IS NOT NULL")
                .fetch_all(p)
                .await?
        });
        if plain.is_empty() {
            return Ok(0);
        }
        let mut tx = self.begin().await?;
        let (mut sealed, mut unreadable) = (0u64, Vec::new());
        for (id, encoded) in &plain {
            // Guarded on the text read: a secret enrolled again meanwhile is left alone.
            let decoded = crate::crypto::totp_decoded(encoded);
            let readable = decoded.is_some();
            let changed = match decoded {
                Some(secret) => on_tx!(&mut tx, |c| {
                    sqlx::query(
                        "UPDATE accounts SET totp_cipher = $1, totp_secret = NULL \
                         WHERE id = $2 AND totp_secret = $3",
                    )
                    .bind(self.keys.encrypt_secret(&secret))
                    .bind(*id)
                    .bind(encoded)
                    .execute(&mut *c)
                    .await?
                    .rows_affected()
                }),
                // Text that is no secret at all: the second factor is switched off (the
                // account enrols again) rather than kept unusable.
                None => on_tx!(&mut tx, |c| {
                    sqlx::query(
                        "UPDATE accounts SET totp_cipher = NULL, totp_secret = NULL, totp_enabled \
                            = $1 \
                         WHERE id = $2 AND totp_secret = $3",
                    )
                    .bind(false)
                    .bind(*id)
                    .bind(encoded)
                    .execute(&mut *c)
                    .await?
                    .rows_affected()
                }),
            };
            match (changed, readable) {
                (1, true) => sealed += 1,
                (1, false) => unreadable.push(*id),
                _ => {}
            }
        }
        self.audit(
            &mut tx,
            &Actor::cli("start"),
            AuditEvent::ok(
                "account.totp_seal",
                format!("{sealed} 个两步验证密钥改为加密保存"),
            ),
        )
        .await?;
        for id in &unreadable {
            self.audit(
                &mut tx,
                &Actor::cli("start"),
                AuditEvent::ok(
                    "account.totp_reset",
                    "旧版本保存的两步验证密钥无法读取，已停用两步验证，须重新启用",
                )
                .on("account", id),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(sealed + unreadable.len() as u64)
    }

    // ---- bearer tokens for the JSON API ----

    /// Issues a bearer token for an account; only its hash is kept.
    pub async fn token_issue(
        &self,
        actor: &Actor,
        account_id: i64,
        label: &str,
        days: Option<i64>,
    ) -> Result<String> {
        let acc = self.account_get(account_id).await?;
        let token = format!("xf_{}", random_token());
        let now = self.clock.now();
        let expires = days.map(|d| now + Duration::days(d));
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
                "INSERT INTO api_tokens (account_id, token_hash, label, created_at, expires_at) \
                VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(account_id)
            .bind(sha256_hex(token.as_bytes()))
            .bind(label)
            .bind(now)
            .bind(expires)
            .fetch_one(&mut *c)
            .await?
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "token.issue",
                format!("为 {} 签发接口令牌“{label}”", acc.username),
            )
            .on("api_token", id),
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    pub async fn token_account(&self, token: &str) -> Result<Option<Account>> {
        let now = self.clock.now();
        let row: Option<(i64, i64)> = on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT id, account_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS \
                NULL AND (expires_at IS NULL OR expires_at > $2)",
            )
            .bind(sha256_hex(token.as_bytes()))
            .bind(now)
            .fetch_optional(p)
            .await?
        });
        let Some((_, account_id)) = row else {
            return Ok(None);
        };
        let acc = self.account_get(account_id).await?;
        Ok(Some(acc).filter(|a| !a.disabled))
    }

    // ---- the one-time set-up link ----

    /// When no account exists, makes a new set-up token (older ones stop working).
    pub async fn setup_token_create(&self) -> Result<Option<String>> {
        if self.account_count().await? > 0 {
            return Ok(None);
        }
        let token = random_token();
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query("UPDATE setup_tokens SET used_at = $1 WHERE used_at IS NULL")
                .bind(now)
                .execute(&mut *c)
                .await?;
            sqlx::query("INSERT INTO setup_tokens (token_hash, created_at) VALUES ($1, $2)")
                .bind(sha256_hex(token.as_bytes()))
                .bind(now)
                .execute(&mut *c)
                .await?;
        });
        tx.commit().await?;
        Ok(Some(token))
    }

    pub async fn setup_token_valid(&self, token: &str) -> Result<bool> {
        let since = self.clock.now() - Duration::hours(24);
        let n: i64 = on_db!(&self.db, |p| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM setup_tokens WHERE token_hash = $1 AND used_at IS NULL AND \
                created_at > $2",
            )
            .bind(sha256_hex(token.as_bytes()))
            .bind(since)
            .fetch_one(p)
            .await?
        });
        Ok(n > 0 && self.account_count().await? == 0)
    }

    /// Uses the set-up token to create the first system administrator.
    pub async fn setup_complete(
        &self,
        ip: Option<String>,
        token: &str,
        username: &str,
        display_name: &str,
        password: &str,
    ) -> Result<Account> {
        let username = parse_username(username)?;
        let display_name = parse_display_name(display_name)?;
        PasswordPolicy::default()
            .check(password, &username)
            .map_err(|e| StoreError::invalid("password", e.to_string()))?;
        let now = self.clock.now();
        let since = now - Duration::hours(24);
        let mut tx = self.begin().await?;
        let used = on_tx!(&mut tx, |c| {
            sqlx::query(
                "UPDATE setup_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL \
                AND created_at > $3",
            )
            .bind(now)
            .bind(sha256_hex(token.as_bytes()))
            .bind(since)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        let existing: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
                .fetch_one(&mut *c)
                .await?
        });
        if used == 0 || existing > 0 {
            return Err(StoreError::invalid("token", "设置链接无效或已使用"));
        }
        let grant = RoleGrant {
            role: Some(Role::SystemAdmin),
            org_id: None,
            member_id: None,
        };
        let id = self
            .account_insert(&mut tx, &username, &display_name, password, grant, false)
            .await?;
        let actor = Actor {
            account_id: Some(id),
            username: username.clone(),
            source_ip: ip,
        };
        self.audit(
            &mut tx,
            &actor,
            AuditEvent::ok(
                "setup.complete",
                format!("通过设置链接创建首个系统管理员 {username}"),
            )
            .on("account", id),
        )
        .await?;
        tx.commit().await?;
        self.account_get(id).await
    }

    /// Command line: creates an account directly (for recovery and scripted set-up).
    pub async fn account_create_cli(
        &self,
        username: &str,
        display_name: &str,
        password: &str,
        grant: RoleGrant,
        must_change: bool,
    ) -> Result<Account> {
        let username = parse_username(username)?;
        let display_name = parse_display_name(display_name)?;
        PasswordPolicy::default()
            .check(password, &username)
            .map_err(|e| StoreError::invalid("password", e.to_string()))?;
        self.check_grant(&grant).await?;
        let mut tx = self.begin().await?;
        let id = self
            .account_insert(
                &mut tx,
                &username,
                &display_name,
                password,
                grant,
                must_change,
            )
            .await?;
        self.audit(
            &mut tx,
            &Actor::cli("admin create-user"),
            AuditEvent::ok(
                "account.create",
                format!(
                    "命令行新建账号 {username}，角色：{}",
                    grant.role.map(|r| r.label()).unwrap_or("未分配")
                ),
            )
            .on("account", id),
        )
        .await?;
        tx.commit().await?;
        self.account_get(id).await
    }
}

impl Store {
    /// Keeps an uploaded file for an hour, until its owner confirms the import; returns a token.
    pub async fn stash_put(
        &self,
        account_id: i64,
        kind: &str,
        file_name: &str,
        data: &[u8],
    ) -> Result<String> {
        let token = random_token();
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query("DELETE FROM upload_stash WHERE created_at < $1")
                .bind(now - Duration::hours(1))
                .execute(&mut *c)
                .await?;
            sqlx::query(
                "INSERT INTO upload_stash (token_hash, account_id, kind, file_name, data, \
                created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(sha256_hex(token.as_bytes()))
            .bind(account_id)
            .bind(kind)
            .bind(file_name)
            .bind(data)
            .bind(now)
            .execute(&mut *c)
            .await?;
        });
        tx.commit().await?;
        Ok(token)
    }

    /// Takes a stashed file back (only its owner, within the hour).
    pub async fn stash_take(
        &self,
        account_id: i64,
        kind: &str,
        token: &str,
    ) -> Result<Option<(String, Vec<u8>)>> {
        let since = self.clock.now() - Duration::hours(1);
        let row: Option<(String, Vec<u8>)> = on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT file_name, data FROM upload_stash WHERE token_hash = $1 AND account_id = \
                $2 AND kind = $3 AND created_at > $4",
            )
            .bind(sha256_hex(token.as_bytes()))
            .bind(account_id)
            .bind(kind)
            .bind(since)
            .fetch_optional(p)
            .await?
        });
        Ok(row)
    }

    pub async fn stash_drop(&self, token: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query("DELETE FROM upload_stash WHERE token_hash = $1")
                .bind(sha256_hex(token.as_bytes()))
                .execute(&mut *c)
                .await?;
        });
        tx.commit().await
    }
}

/// An import of the JSON API: the stashed file with its options, state and last report.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ImportJob {
    pub kind: String,
    pub file_name: String,
    pub state: String,
    pub options: String,
    pub report: String,
    pub created_at: DateTime<Utc>,
}

impl Store {
    /// Keeps an upload checked through the API for an hour, with its options, state and report;
    /// returns its id (a random token, shown to its owner only).
    #[allow(clippy::too_many_arguments)]
    pub async fn import_job_create(
        &self,
        account_id: i64,
        kind: &str,
        file_name: &str,
        data: &[u8],
        state: &str,
        options: &str,
        report: &str,
    ) -> Result<String> {
        let token = self.stash_put(account_id, kind, file_name, data).await?;
        self.import_job_update(&token, state, report, Some(options), false)
            .await?;
        Ok(token)
    }

    /// The owner's import (within the hour), without the file.
    pub async fn import_job_get(&self, account_id: i64, token: &str) -> Result<Option<ImportJob>> {
        let since = self.clock.now() - Duration::hours(1);
        Ok(on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT kind, file_name, state, options, report, created_at FROM upload_stash \
                 WHERE token_hash = $1 AND account_id = $2 AND created_at > $3 AND state IS NOT \
                 NULL",
            )
            .bind(sha256_hex(token.as_bytes()))
            .bind(account_id)
            .bind(since)
            .fetch_optional(p)
            .await?
        }))
    }

    /// The stashed file of the owner's import.
    pub async fn import_job_file(&self, account_id: i64, token: &str) -> Result<Option<Vec<u8>>> {
        let since = self.clock.now() - Duration::hours(1);
        Ok(on_db!(&self.db, |p| {
            sqlx::query_scalar(
                "SELECT data FROM upload_stash WHERE token_hash = $1 AND account_id = $2 AND \
                    created_at > $3 AND state IS NOT NULL",
            )
            .bind(sha256_hex(token.as_bytes()))
            .bind(account_id)
            .bind(since)
            .fetch_optional(p)
            .await?
        }))
    }

    /// Sets an import's state and report (and options); `drop_file` empties the stashed file
    /// once it is no longer needed.
    pub async fn import_job_update(
        &self,
        token: &str,
        state: &str,
        report: &str,
        options: Option<&str>,
        drop_file: bool,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "UPDATE upload_stash SET state = $1, report = $2, options = COALESCE($3, \
                    options) WHERE token_hash = $4",
            )
            .bind(state)
            .bind(report)
            .bind(options)
            .bind(sha256_hex(token.as_bytes()))
            .execute(&mut *c)
            .await?;
            if drop_file {
                sqlx::query("UPDATE upload_stash SET data = $1 WHERE token_hash = $2")
                    .bind(Vec::<u8>::new())
                    .bind(sha256_hex(token.as_bytes()))
                    .execute(&mut *c)
                    .await?;
            }
        });
        tx.commit().await
    }

    /// Marks an import as being committed, once: false when another request got there first
    /// or it is not ready.
    pub async fn import_job_claim(&self, token: &str, from: &[&str]) -> Result<bool> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, |c| {
            let mut q = sqlx::QueryBuilder::new(
                "UPDATE upload_stash SET state = 'committing' WHERE token_hash = ",
            );
            q.push_bind(sha256_hex(token.as_bytes()))
                .push(" AND state IN (");
            let mut sep = q.separated(", ");
            for s in from {
                sep.push_bind(s.to_string());
            }
            q.push(")");
            q.build().execute(&mut *c).await?.rows_affected()
        });
        tx.commit().await?;
        Ok(n == 1)
    }
}
