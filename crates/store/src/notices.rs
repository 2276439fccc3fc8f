//! The notification centre: every event becomes one notice (deduplicated by its key), lands in
//! the in-app inbox of the accounts concerned, and is queued in the outbox for each channel
//! outside the application (e-mail to accounts that asked for it, the webhooks of the
//! organisation). Nothing is sent from inside a request: a worker claims outbox rows, one
//! server copy per row, and records each as sent or failed with the reason, retrying with
//! backoff in between.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::Serialize;
use sqlx::{FromRow, QueryBuilder};
use xianfeng_domain::scope::Scope;

use crate::audit::{Actor, AuditEvent};
use crate::orgs::Org;
use crate::{on_db, on_tx, Result, Store, StoreError, Tx};

/// A notice as an account sees it.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Notice {
    pub id: i64,
    pub kind: String,
    pub org_id: Option<i64>,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

impl Notice {
    pub fn kind_label(&self) -> &'static str {
        kind_label(&self.kind)
    }
}

pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "finding" => "合规期限",
        "meeting_notice" => "会议通知",
        "meeting_change" => "会议变更",
        "meeting_soon" => "会议提醒",
        "item_due" => "事项到期",
        "report_open" => "报表开始报送",
        "report_returned" => "报表退回",
        "test" => "测试",
        _ => "提醒",
    }
}

/// A new event.
#[derive(Debug, Clone)]
pub struct NewNotice {
    pub kind: &'static str,
    pub org_id: Option<i64>,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    /// Two events with one key are one notice (a reminder sent once).
    pub key: String,
}

/// An account's channels.
#[derive(Debug, Clone, Default, FromRow, Serialize)]
pub struct Prefs {
    pub email: Option<String>,
    pub email_on: bool,
}

/// A webhook of an organisation.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Webhook {
    pub id: i64,
    pub org_id: i64,
    /// `dingtalk`, `wecom` or `json`.
    pub kind: String,
    pub url: String,
    pub secret: Option<String>,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
}

impl Webhook {
    pub fn kind_label(&self) -> &'static str {
        match self.kind.as_str() {
            "dingtalk" => "钉钉群机器人",
            "wecom" => "企业微信群机器人",
            _ => "JSON",
        }
    }
    /// The address without its query (tokens live there), for pages.
    pub fn url_shown(&self) -> String {
        match self.url.split_once('?') {
            Some((a, _)) => format!("{a}?…"),
            None => self.url.clone(),
        }
    }
}

/// One delivery to make, as the worker claims it.
#[derive(Debug, Clone, FromRow)]
pub struct Delivery {
    pub id: i64,
    pub channel: String,
    pub target: String,
    pub attempts: i64,
    pub notice_id: i64,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub org_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// A delivery as the administrator sees it.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct OutboxRow {
    pub id: i64,
    pub channel: String,
    pub target: String,
    pub status: String,
    pub attempts: i64,
    pub next_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub title: String,
    pub created_at: DateTime<Utc>,
}

impl OutboxRow {
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "sent" => "已发送",
            "failed" => "发送失败",
            _ => "待发送",
        }
    }
}

/// Attempts before a delivery is marked failed.
pub const MAX_ATTEMPTS: i64 = 5;

/// The wait before attempt `n + 1`: 1, 2, 4, 8 … minutes.
pub fn backoff(attempts: i64) -> TimeDelta {
    TimeDelta::minutes(1i64 << attempts.clamp(0, 10))
}

fn valid_email(s: &str) -> bool {
    let s = s.trim();
    s.len() <= 200
        && s.split_once('@').is_some_and(|(a, b)| {
            !a.is_empty() && b.contains('.') && !b.starts_with('.') && !b.ends_with('.')
        })
        && !s.chars().any(|c| c.is_whitespace() || c == ',' || c == ';')
}

impl Store {
    /// Records an event for `recipients` (account ids): one notice per key, the inbox rows, and
    /// the outbox rows of the channels. Returns the notice's id when it is new.
    pub(crate) async fn notice_emit(
        &self,
        tx: &mut Tx,
        n: &NewNotice,
        recipients: &[i64],
    ) -> Result<Option<i64>> {
        let now = self.clock.now();
        let id: Option<i64> = on_tx!(tx, |c| {
            sqlx::query_scalar(
                "INSERT INTO notices (kind, org_id, title, body, link, dedup_key, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (dedup_key) DO NOTHING \
                 RETURNING id",
            )
            .bind(n.kind)
            .bind(n.org_id)
            .bind(&n.title)
            .bind(&n.body)
            .bind(&n.link)
            .bind(&n.key)
            .bind(now)
            .fetch_optional(&mut *c)
            .await?
        });
        let Some(id) = id else { return Ok(None) };
        let mut who = recipients.to_vec();
        who.sort_unstable();
        who.dedup();
        on_tx!(tx, |c| {
            for a in &who {
                sqlx::query(
                    "INSERT INTO notice_inbox (account_id, notice_id, created_at) VALUES ($1, \
                     $2, $3) ON CONFLICT DO NOTHING",
                )
                .bind(*a)
                .bind(id)
                .bind(now)
                .execute(&mut *c)
                .await?;
            }
        });
        // E-mail to the recipients who asked for it.
        if !who.is_empty() {
            let emails: Vec<String> = on_tx!(tx, |c| {
                let mut q = QueryBuilder::new(
                    "SELECT DISTINCT email FROM notice_prefs WHERE email_on = TRUE AND email IS \
                     NOT NULL AND account_id IN (",
                );
                let mut sep = q.separated(", ");
                for a in &who {
                    sep.push_bind(*a);
                }
                q.push(")");
                q.build_query_scalar().fetch_all(&mut *c).await?
            });
            for e in emails {
                Self::outbox_add(tx, id, "email", &e, now).await?;
            }
        }
        // The webhooks of the organisation concerned.
        if let Some(org) = n.org_id {
            let hooks: Vec<i64> = on_tx!(tx, |c| {
                sqlx::query_scalar(
                    "SELECT id FROM org_webhooks WHERE org_id = $1 AND enabled = TRUE",
                )
                .bind(org)
                .fetch_all(&mut *c)
                .await?
            });
            for h in hooks {
                Self::outbox_add(tx, id, "webhook", &h.to_string(), now).await?;
            }
        }
        Ok(Some(id))
    }

    async fn outbox_add(
        tx: &mut Tx,
        notice: i64,
        channel: &str,
        target: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        on_tx!(tx, |c| {
            sqlx::query(
                "INSERT INTO outbox (notice_id, channel, target, next_at, created_at) VALUES \
                 ($1, $2, $3, $4, $4) ON CONFLICT DO NOTHING",
            )
            .bind(notice)
            .bind(channel)
            .bind(target)
            .bind(now)
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }

    /// The party-work accounts (administrators and readers) of these organisations.
    pub(crate) async fn accounts_of_orgs(tx: &mut Tx, orgs: &[i64]) -> Result<Vec<i64>> {
        if orgs.is_empty() {
            return Ok(Vec::new());
        }
        Ok(on_tx!(tx, |c| {
            let mut q = QueryBuilder::new(
                "SELECT id FROM accounts WHERE disabled = FALSE AND role IN ('org_admin', \
                 'org_viewer') AND org_id IN (",
            );
            let mut sep = q.separated(", ");
            for o in orgs {
                sep.push_bind(*o);
            }
            q.push(")");
            q.build_query_scalar().fetch_all(&mut *c).await?
        }))
    }

    /// The accounts bound to these roster people.
    pub(crate) async fn accounts_of_members(tx: &mut Tx, members: &[i64]) -> Result<Vec<i64>> {
        if members.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for chunk in members.chunks(500) {
            let ids: Vec<i64> = on_tx!(tx, |c| {
                let mut q = QueryBuilder::new(
                    "SELECT id FROM accounts WHERE disabled = FALSE AND member_id IN (",
                );
                let mut sep = q.separated(", ");
                for m in chunk {
                    sep.push_bind(*m);
                }
                q.push(")");
                q.build_query_scalar().fetch_all(&mut *c).await?
            });
            out.extend(ids);
        }
        Ok(out)
    }

    /// Unread notices of an account.
    pub async fn unread_count(&self, account: i64) -> Result<i64> {
        Ok(on_db!(&self.db, |p| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM notice_inbox WHERE account_id = $1 AND read_at IS NULL",
            )
            .bind(account)
            .fetch_one(p)
            .await?
        }))
    }

    /// An account's notices, newest first (`unread`: only those not read).
    pub async fn inbox(
        &self,
        account: i64,
        unread: bool,
        limit: i64,
    ) -> Result<(i64, Vec<Notice>)> {
        let count = self.unread_count(account).await?;
        let list = on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "SELECT n.id, n.kind, n.org_id, n.title, n.body, n.link, n.created_at, i.read_at \
                 FROM notice_inbox i JOIN notices n ON n.id = i.notice_id WHERE i.account_id = \
                 $1{} ORDER BY i.id DESC LIMIT $2",
                if unread { " AND i.read_at IS NULL" } else { "" }
            ))
            .bind(account)
            .bind(limit)
            .fetch_all(p)
            .await?
        });
        Ok((count, list))
    }

    /// Marks one notice (or all) read for an account; audited.
    pub async fn inbox_mark_read(
        &self,
        actor: &Actor,
        account: i64,
        notice: Option<i64>,
    ) -> Result<u64> {
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, |c| {
            let mut q = QueryBuilder::new("UPDATE notice_inbox SET read_at = ");
            q.push_bind(now)
                .push(" WHERE account_id = ")
                .push_bind(account)
                .push(" AND read_at IS NULL");
            if let Some(id) = notice {
                q.push(" AND notice_id = ").push_bind(id);
            }
            q.build().execute(&mut *c).await?.rows_affected()
        });
        if n > 0 {
            self.audit(
                &mut tx,
                actor,
                AuditEvent::ok("notification.read", format!("{n} 条提醒标为已读"))
                    .on("account", account),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(n)
    }

    pub async fn prefs(&self, account: i64) -> Result<Prefs> {
        Ok(on_db!(&self.db, |p| {
            sqlx::query_as("SELECT email, email_on FROM notice_prefs WHERE account_id = $1")
                .bind(account)
                .fetch_optional(p)
                .await?
        })
        .unwrap_or_default())
    }

    /// Sets an account's e-mail channel.
    pub async fn set_prefs(
        &self,
        actor: &Actor,
        account: i64,
        email: &str,
        email_on: bool,
    ) -> Result<()> {
        let email = email.trim();
        if !email.is_empty() && !valid_email(email) {
            return Err(StoreError::invalid("email", "电子邮箱地址格式不对"));
        }
        if email_on && email.is_empty() {
            return Err(StoreError::invalid("email", "接收邮件提醒请填写电子邮箱"));
        }
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO notice_prefs (account_id, email, email_on, updated_at) VALUES ($1, \
                 $2, $3, $4) ON CONFLICT (account_id) DO UPDATE SET email = excluded.email, \
                 email_on = excluded.email_on, updated_at = excluded.updated_at",
            )
            .bind(account)
            .bind((!email.is_empty()).then_some(email))
            .bind(email_on)
            .bind(now)
            .execute(&mut *c)
            .await?;
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "notification.prefs",
                format!("邮件提醒{}", if email_on { "开启" } else { "关闭" }),
            )
            .on("account", account),
        )
        .await?;
        tx.commit().await
    }

    fn webhook_writes(scope: &Scope, org: &Org) -> bool {
        crate::posts::writes_life(scope, &org.org_path())
    }

    pub async fn webhooks_of(&self, scope: &Scope, org: &Org) -> Result<Vec<Webhook>> {
        if !Self::webhook_writes(scope, org) {
            return Err(StoreError::Forbidden);
        }
        Ok(on_db!(&self.db, |p| {
            sqlx::query_as("SELECT * FROM org_webhooks WHERE org_id = $1 ORDER BY id")
                .bind(org.id)
                .fetch_all(p)
                .await?
        }))
    }

    /// Adds a webhook to an organisation (its administrators).
    pub async fn webhook_add(
        &self,
        actor: &Actor,
        scope: &Scope,
        org_id: i64,
        kind: &str,
        url: &str,
        secret: &str,
    ) -> Result<Webhook> {
        let org = self.org_get(scope, org_id).await?;
        if !Self::webhook_writes(scope, &org) {
            return Err(StoreError::Forbidden);
        }
        if !matches!(kind, "dingtalk" | "wecom" | "json") {
            return Err(StoreError::invalid("kind", "请选择类型"));
        }
        let url = url.trim();
        if !(url.starts_with("https://") || url.starts_with("http://"))
            || url.len() > 1000
            || url.chars().any(char::is_whitespace)
        {
            return Err(StoreError::invalid(
                "url",
                "地址须以 https:// 或 http:// 开头",
            ));
        }
        let secret = secret.trim();
        if secret.len() > 200 {
            return Err(StoreError::invalid("secret", "密钥最多 200 个字符"));
        }
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
                "INSERT INTO org_webhooks (org_id, kind, url, secret, created_at) VALUES ($1, \
                 $2, $3, $4, $5) RETURNING id",
            )
            .bind(org.id)
            .bind(kind)
            .bind(url)
            .bind((!secret.is_empty()).then_some(secret))
            .bind(now)
            .fetch_one(&mut *c)
            .await?
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "notification.webhook",
                format!(
                    "{}：添加提醒推送地址（{kind}）{}",
                    org.name,
                    url.split('?').next().unwrap_or("")
                ),
            )
            .on("org", org.id),
        )
        .await?;
        let w: Webhook = on_tx!(&mut tx, |c| {
            sqlx::query_as("SELECT * FROM org_webhooks WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *c)
                .await?
        });
        tx.commit().await?;
        Ok(w)
    }

    /// Switches a webhook on or off.
    pub async fn webhook_enable(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        enabled: bool,
    ) -> Result<i64> {
        let org_id: Option<i64> = on_db!(&self.db, |p| {
            sqlx::query_scalar("SELECT org_id FROM org_webhooks WHERE id = $1")
                .bind(id)
                .fetch_optional(p)
                .await?
        });
        let Some(org_id) = org_id else {
            return Err(StoreError::NotFound("推送地址不存在"));
        };
        let org = self.org_get(scope, org_id).await?;
        if !Self::webhook_writes(scope, &org) {
            return Err(StoreError::Forbidden);
        }
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query("UPDATE org_webhooks SET enabled = $1 WHERE id = $2")
                .bind(enabled)
                .bind(id)
                .execute(&mut *c)
                .await?;
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "notification.webhook",
                format!(
                    "{}：推送地址 {id} {}",
                    org.name,
                    if enabled { "启用" } else { "停用" }
                ),
            )
            .on("org", org.id),
        )
        .await?;
        tx.commit().await?;
        Ok(org_id)
    }

    /// Sends a test notice to an organisation's channels (its webhooks and accounts).
    pub async fn notice_test(&self, actor: &Actor, scope: &Scope, org_id: i64) -> Result<()> {
        let org = self.org_get(scope, org_id).await?;
        if !Self::webhook_writes(scope, &org) {
            return Err(StoreError::Forbidden);
        }
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        let who = Self::accounts_of_orgs(&mut tx, &[org.id]).await?;
        self.notice_emit(
            &mut tx,
            &NewNotice {
                kind: "test",
                org_id: Some(org.id),
                title: format!("{}：提醒推送测试", org.name),
                body: "这是一条测试提醒。收到即说明推送设置正确。".into(),
                link: Some("/notices".into()),
                key: format!("test:{}:{}", org.id, now.timestamp_micros()),
            },
            &who,
        )
        .await?;
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok("notification.test", format!("{}：发送测试提醒", org.name))
                .on("org", org.id),
        )
        .await?;
        tx.commit().await
    }

    /// The deliveries of an organisation's notices, newest first.
    pub async fn outbox_of(&self, scope: &Scope, org: &Org, limit: i64) -> Result<Vec<OutboxRow>> {
        if !Self::webhook_writes(scope, org) {
            return Err(StoreError::Forbidden);
        }
        Ok(on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT o.id, o.channel, o.target, o.status, o.attempts, o.next_at, \
                 o.last_error, o.sent_at, n.title, o.created_at FROM outbox o JOIN notices n ON \
                 n.id = o.notice_id WHERE n.org_id = $1 ORDER BY o.id DESC LIMIT $2",
            )
            .bind(org.id)
            .bind(limit)
            .fetch_all(p)
            .await?
        }))
    }

    /// Claims up to `limit` deliveries that are due for this worker: each row is taken by one
    /// worker only (a conditional update), for `hold` seconds.
    pub async fn outbox_claim(&self, worker: &str, limit: i64, hold: i64) -> Result<Vec<Delivery>> {
        let now = self.clock.now();
        let due: Vec<i64> = on_db!(&self.db, |p| {
            sqlx::query_scalar(
                "SELECT id FROM outbox WHERE status = 'pending' AND next_at <= $1 AND \
                 (claimed_until IS NULL OR claimed_until < $1) ORDER BY next_at, id LIMIT $2",
            )
            .bind(now)
            .bind(limit)
            .fetch_all(p)
            .await?
        });
        let until = now + TimeDelta::seconds(hold);
        let mut mine = Vec::new();
        for id in due {
            let mut tx = self.begin().await?;
            let n = on_tx!(&mut tx, |c| {
                sqlx::query(
                    "UPDATE outbox SET claimed_by = $1, claimed_until = $2 WHERE id = $3 AND \
                     status = 'pending' AND (claimed_until IS NULL OR claimed_until < $4)",
                )
                .bind(worker)
                .bind(until)
                .bind(id)
                .bind(now)
                .execute(&mut *c)
                .await?
                .rows_affected()
            });
            tx.commit().await?;
            if n == 1 {
                mine.push(id);
            }
        }
        let mut out = Vec::new();
        for id in mine {
            let d: Delivery = on_db!(&self.db, |p| {
                sqlx::query_as(
                    "SELECT o.id, o.channel, o.target, o.attempts, n.id AS notice_id, n.kind, \
                     n.title, n.body, n.link, n.org_id, n.created_at FROM outbox o JOIN notices \
                     n ON n.id = o.notice_id WHERE o.id = $1",
                )
                .bind(id)
                .fetch_one(p)
                .await?
            });
            out.push(d);
        }
        Ok(out)
    }

    pub async fn webhook_get(&self, id: i64) -> Result<Option<Webhook>> {
        Ok(on_db!(&self.db, |p| {
            sqlx::query_as("SELECT * FROM org_webhooks WHERE id = $1")
                .bind(id)
                .fetch_optional(p)
                .await?
        }))
    }

    /// Records a delivery made by `worker`.
    pub async fn outbox_sent(&self, id: i64, worker: &str) -> Result<()> {
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1, \
                 claimed_until = NULL, last_error = NULL WHERE id = $2 AND claimed_by = $3",
            )
            .bind(now)
            .bind(id)
            .bind(worker)
            .execute(&mut *c)
            .await?;
        });
        tx.commit().await
    }

    /// Records a failed attempt: retried after a backoff, marked failed after the last.
    pub async fn outbox_failed(
        &self,
        id: i64,
        worker: &str,
        attempts: i64,
        error: &str,
    ) -> Result<()> {
        let now = self.clock.now();
        let tried = attempts + 1;
        let (status, next) = if tried >= MAX_ATTEMPTS {
            ("failed", now)
        } else {
            ("pending", now + backoff(tried - 1))
        };
        let error: String = error.chars().take(500).collect();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "UPDATE outbox SET status = $1, attempts = $2, next_at = $3, claimed_until = \
                 NULL, last_error = $4 WHERE id = $5 AND claimed_by = $6",
            )
            .bind(status)
            .bind(tried)
            .bind(next)
            .bind(&error)
            .bind(id)
            .bind(worker)
            .execute(&mut *c)
            .await?;
        });
        tx.commit().await
    }

    /// The reminders of a day (run by the daily job): meetings tomorrow, decisions due within
    /// two days or overdue, report windows opening today. Each is sent once (its key).
    pub async fn reminders_sweep(&self, today: NaiveDate) -> Result<usize> {
        let tomorrow = today + TimeDelta::days(1);
        let mut n = 0;
        let life = self.life_config().await?;
        let meetings: Vec<(i64, i64, String, String, Option<String>)> = on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT id, org_id, kind, topic, start_time FROM meetings WHERE status = \
                 'planned' AND meeting_date = $1",
            )
            .bind(tomorrow)
            .fetch_all(p)
            .await?
        });
        for (id, org, kind, topic, time) in meetings {
            let mut tx = self.begin().await?;
            let people: Vec<i64> = on_tx!(&mut tx, |c| {
                sqlx::query_scalar("SELECT member_id FROM meeting_attendees WHERE meeting_id = $1")
                    .bind(id)
                    .fetch_all(&mut *c)
                    .await?
            });
            let mut who = Self::accounts_of_members(&mut tx, &people).await?;
            who.extend(Self::accounts_of_orgs(&mut tx, &[org]).await?);
            if self
                .notice_emit(
                    &mut tx,
                    &NewNotice {
                        kind: "meeting_soon",
                        org_id: Some(org),
                        title: format!("明天{}：{topic}", life.kind_label(&kind)),
                        body: format!(
                            "{tomorrow}{} 召开{}「{topic}」。",
                            time.map(|t| format!(" {t}")).unwrap_or_default(),
                            life.kind_label(&kind)
                        ),
                        link: Some(format!("/meetings/{id}")),
                        key: format!("meeting_soon:{id}:{tomorrow}"),
                    },
                    &who,
                )
                .await?
                .is_some()
            {
                n += 1;
            }
            tx.commit().await?;
        }
        let soon = today + TimeDelta::days(2);
        let items: Vec<(i64, i64, String, i64, NaiveDate)> = on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT id, org_id, title, owner_id, due_date FROM action_items WHERE status = \
                 'open' AND due_date <= $1",
            )
            .bind(soon)
            .fetch_all(p)
            .await?
        });
        for (id, org, title, owner, due) in items {
            let overdue = due < today;
            let mut tx = self.begin().await?;
            let mut who = Self::accounts_of_members(&mut tx, &[owner]).await?;
            who.extend(Self::accounts_of_orgs(&mut tx, &[org]).await?);
            if self
                .notice_emit(
                    &mut tx,
                    &NewNotice {
                        kind: "item_due",
                        org_id: Some(org),
                        title: format!(
                            "决定事项{}：{title}",
                            if overdue { "已逾期" } else { "即将到期" }
                        ),
                        body: format!("完成期限 {due}。"),
                        link: Some(format!("/meetings/items?org={org}")),
                        key: format!("item_due:{id}:{}", if overdue { "overdue" } else { "soon" }),
                    },
                    &who,
                )
                .await?
                .is_some()
            {
                n += 1;
            }
            tx.commit().await?;
        }
        n += self.report_window_notices(today).await?;
        Ok(n)
    }
}
