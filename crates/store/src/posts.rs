//! Office holders (班子成员): dated posts that point at roster people, with the election (换届)
//! that installed them. Nothing is deleted: a post ends with a date and a reason, and the
//! history stays. The free-text columns of `orgs` (`secretary`, `deputy_secretary`,
//! `committee_members`) are a summary of the current posts, written only here.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{FromRow, QueryBuilder};
use xianfeng_domain::life::{in_force, split_names, LifeConfig, PostRole};
use xianfeng_domain::org::OrgPath;
use xianfeng_domain::scope::Scope;

use crate::audit::{Actor, AuditEvent};
use crate::{on_db, on_tx, Result, Store, StoreError, Tx};

/// One post held (or once held) by one person.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Post {
    pub id: i64,
    pub org_id: i64,
    pub post: String,
    /// The roster person; `None` while the holder is only a name to be resolved.
    pub member_id: Option<i64>,
    pub holder_name: String,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub elected_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
    /// `entered`, `elected`, `migrated` (from the free text of earlier versions) or `imported`.
    pub source: String,
    pub recorded_at: DateTime<Utc>,
}

impl Post {
    pub fn is_current(&self) -> bool {
        self.end_date.is_none()
    }
    pub fn is_resolved(&self) -> bool {
        self.member_id.is_some()
    }
}

/// A post whose holder is only a name, with its organisation, for the list to resolve.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct UnresolvedPost {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub post: Post,
    pub org_name: String,
    pub org_code: String,
}

/// A roster person who may hold a post.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Candidate {
    pub id: i64,
    pub name: String,
    pub status: String,
    pub org_name: String,
    /// Tells two people of one name apart in a list.
    pub birth_date: NaiveDate,
}

/// The people an organisation chooses office holders, hosts and owners from: its own roster
/// and the current office holders of it and of the organisations directly below it (a
/// committee's members sit in its branches; their secretaries are whom it works with).
pub(crate) const PEOPLE_OF_ORG: &str = "SELECT m.id, m.name, m.status, o.name AS org_name, \
    m.birth_date FROM members m JOIN orgs o ON o.id = m.org_id WHERE m.archived_at IS NULL AND \
    m.status IN ('probationary', 'full') AND (m.org_id = $1 OR m.id IN (SELECT p.member_id FROM \
    org_posts p JOIN orgs po ON po.id = p.org_id WHERE p.end_date IS NULL AND p.member_id IS \
    NOT NULL AND (po.id = $1 OR po.parent_id = $1)))";

/// One post of an election or an appointment.
#[derive(Debug, Clone)]
pub struct Appointment {
    pub post: String,
    pub member_id: i64,
}

const POST_COLS: &str = "p.id, p.org_id, p.post, p.member_id, p.holder_name, p.start_date, \
    p.end_date, p.elected_on, p.end_reason, p.source, p.recorded_at";

/// Posts (code, start, end, holder) of organisations, for the checks.
pub(crate) type PostsByOrg =
    HashMap<i64, Vec<(String, Option<NaiveDate>, Option<NaiveDate>, String)>>;

/// An organisation's free text of earlier versions: id, secretary, deputies, committee, term.
type TextRow = (
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<NaiveDate>,
);

/// One post as the checks read it: organisation, post, start, end, holder.
type PostCheckRow = (i64, String, Option<NaiveDate>, Option<NaiveDate>, String);

/// What the organisation rules read of the posts in force on a day.
#[derive(Debug, Clone, Default)]
pub(crate) struct Team {
    pub secretary: Option<String>,
    pub deputies: usize,
    pub committee: usize,
}

pub(crate) fn team_on(
    cfg: &LifeConfig,
    posts: &[(String, Option<NaiveDate>, Option<NaiveDate>, String)],
    day: NaiveDate,
) -> Team {
    let mut t = Team::default();
    for (code, start, end, name) in posts {
        if !in_force(*start, *end, day) {
            continue;
        }
        match cfg.post_role(code) {
            PostRole::Secretary => {
                t.secretary.get_or_insert_with(|| name.clone());
            }
            PostRole::Deputy => t.deputies += 1,
            PostRole::Committee => t.committee += 1,
        }
    }
    t
}

/// Whether the scope may write the organisational life of an organisation: an
/// organisation's own administrators (not the structure administrator, who sees no people).
pub(crate) fn writes_life(scope: &Scope, path: &OrgPath) -> bool {
    matches!(scope, Scope::Subtree { .. }) && scope.may_write_org(path)
}

impl Store {
    /// The configured lists of organisational life (posts, meeting kinds).
    pub async fn life_config(&self) -> Result<LifeConfig> {
        let v: Option<String> = on_db!(&self.db, |p| {
            sqlx::query_scalar("SELECT value FROM settings WHERE key = 'life'")
                .fetch_optional(p)
                .await?
        });
        Ok(v.and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default())
    }

    /// Sets the lists; a post or kind still in use may be renamed but not removed.
    pub async fn set_life_config(&self, actor: &Actor, cfg: &LifeConfig) -> Result<()> {
        if let Some(p) = cfg.problems().into_iter().next() {
            return Err(StoreError::invalid("life", p));
        }
        let used_posts: Vec<String> = on_db!(&self.db, |p| {
            sqlx::query_scalar("SELECT DISTINCT post FROM org_posts")
                .fetch_all(p)
                .await?
        });
        if let Some(gone) = used_posts.iter().find(|c| cfg.post(c).is_none()) {
            return Err(StoreError::invalid(
                "life",
                format!("职务“{gone}”已有任职记录，不能删除（可以改名）"),
            ));
        }
        let used_kinds: Vec<String> = on_db!(&self.db, |p| {
            sqlx::query_scalar("SELECT DISTINCT kind FROM meetings")
                .fetch_all(p)
                .await?
        });
        if let Some(gone) = used_kinds.iter().find(|c| cfg.kind(c).is_none()) {
            return Err(StoreError::invalid(
                "life",
                format!("会议类型“{gone}”已有会议记录，不能删除（可以改名）"),
            ));
        }
        let value = serde_json::to_string(cfg).expect("plain struct");
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO settings (key, value, updated_at) VALUES ('life', $1, $2) ON \
                 CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = \
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
            AuditEvent::ok("config.life", format!("组织生活配置改为 {value}")),
        )
        .await?;
        tx.commit().await?;
        self.findings_refresh_all_orgs().await;
        Ok(())
    }

    /// Every post of an organisation: current ones first (by the order of the configured
    /// posts), then the history, newest first.
    pub async fn posts_of(&self, scope: &Scope, org_id: i64) -> Result<Vec<Post>> {
        self.org_get(scope, org_id).await?;
        let cfg = self.life_config().await?;
        let mut posts: Vec<Post> = on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "SELECT {POST_COLS} FROM org_posts p WHERE p.org_id = $1 ORDER BY p.id"
            ))
            .bind(org_id)
            .fetch_all(p)
            .await?
        });
        let rank = |code: &str| {
            cfg.posts
                .iter()
                .position(|p| p.code == code)
                .unwrap_or(usize::MAX)
        };
        posts.sort_by(|a, b| {
            (a.end_date.is_some(), std::cmp::Reverse(a.end_date))
                .cmp(&(b.end_date.is_some(), std::cmp::Reverse(b.end_date)))
                .then(rank(&a.post).cmp(&rank(&b.post)))
                .then(a.id.cmp(&b.id))
        });
        Ok(posts)
    }

    /// Full members who may be elected or appointed (预备党员 have no right to be elected):
    /// the organisation's roster and the office holders of it and the organisations below.
    pub async fn post_candidates(&self, scope: &Scope, org_id: i64) -> Result<Vec<Candidate>> {
        self.org_get(scope, org_id).await?;
        if !matches!(scope, Scope::Subtree { .. }) {
            return Err(StoreError::Forbidden);
        }
        Ok(on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "{PEOPLE_OF_ORG} AND m.status = 'full' ORDER BY (m.org_id <> $1), m.name_key, \
                 m.id"
            ))
            .bind(org_id)
            .fetch_all(p)
            .await?
        }))
    }

    /// A roster person who may hold a post of `org_path`: active, a full member, in the
    /// subtree.
    async fn holder_check(tx: &mut Tx, org_path: &OrgPath, member_id: i64) -> Result<String> {
        let row: Option<(String, String, String, bool)> = on_tx!(tx, |c| {
            sqlx::query_as(
                "SELECT name, status, org_path, archived_at IS NOT NULL FROM members WHERE id = \
                 $1",
            )
            .bind(member_id)
            .fetch_optional(&mut *c)
            .await?
        });
        let Some((name, status, path, archived)) = row else {
            return Err(StoreError::invalid("member_id", "名册中没有此人"));
        };
        if archived || !org_path.contains(&OrgPath::from_stored(path)) {
            return Err(StoreError::invalid(
                "member_id",
                format!("{name}不在本组织（含下级）的党员名册中"),
            ));
        }
        if status != "full" {
            return Err(StoreError::invalid(
                "member_id",
                format!("{name}不是正式党员：预备党员没有被选举权，不能担任班子成员"),
            ));
        }
        Ok(name)
    }

    /// Appoints one person to one post from `start` (补选 or 调整 between elections).
    pub async fn post_appoint(
        &self,
        actor: &Actor,
        scope: &Scope,
        org_id: i64,
        a: &Appointment,
        start: NaiveDate,
    ) -> Result<Post> {
        let org = self.org_get(scope, org_id).await?;
        if !writes_life(scope, &org.org_path()) {
            return Err(StoreError::Forbidden);
        }
        let cfg = self.life_config().await?;
        let Some(kind) = cfg.post(&a.post) else {
            return Err(StoreError::invalid("post", "请选择职务"));
        };
        if start > self.clock.today() {
            return Err(StoreError::invalid("start_date", "任职日期不能晚于今天"));
        }
        let mut tx = self.begin().await?;
        Self::org_lock(&mut tx, org_id).await?;
        let name = Self::holder_check(&mut tx, &org.org_path(), a.member_id).await?;
        let current: Vec<Post> = Self::current_posts(&mut tx, org_id).await?;
        if current
            .iter()
            .any(|p| p.member_id == Some(a.member_id) && p.post == a.post)
        {
            return Err(StoreError::invalid(
                "member_id",
                format!("{name}已担任{}", kind.label),
            ));
        }
        if kind.role == PostRole::Secretary
            && current
                .iter()
                .any(|p| cfg.post_role(&p.post) == PostRole::Secretary)
        {
            return Err(StoreError::invalid(
                "post",
                "已有现任书记：请先结束其任职，再任命新书记",
            ));
        }
        let id = Self::post_insert(
            &mut tx,
            org_id,
            &a.post,
            Some(a.member_id),
            &name,
            Some(start),
            None,
            "entered",
            self.clock.now(),
        )
        .await?;
        self.posts_summarise(&mut tx, &cfg, org_id).await?;
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "org.post",
                format!(
                    "{}（{}）：{} 任{}，自 {start}",
                    org.name, org.code, name, kind.label
                ),
            )
            .on("org", org_id),
        )
        .await?;
        let post = Self::post_in(&mut tx, id).await?;
        tx.commit().await?;
        self.findings_refresh_orgs(&[org_id]).await;
        Ok(post)
    }

    /// Ends a post on `end` (离任、调动、免职 …) with a reason.
    pub async fn post_end(
        &self,
        actor: &Actor,
        scope: &Scope,
        post_id: i64,
        end: NaiveDate,
        reason: &str,
    ) -> Result<Post> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 100 {
            return Err(StoreError::invalid(
                "reason",
                "请填写离任原因（最多 100 个字）",
            ));
        }
        let before = self.post_get(scope, post_id).await?;
        let org = self.org_get(scope, before.org_id).await?;
        if !writes_life(scope, &org.org_path()) {
            return Err(StoreError::Forbidden);
        }
        if before.start_date.is_some_and(|s| end < s) {
            return Err(StoreError::invalid("end_date", "离任日期不能早于任职日期"));
        }
        if end > self.clock.today() {
            return Err(StoreError::invalid("end_date", "离任日期不能晚于今天"));
        }
        let cfg = self.life_config().await?;
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, |c| {
            sqlx::query(
                "UPDATE org_posts SET end_date = $1, end_reason = $2 WHERE id = $3 AND end_date \
                 IS NULL",
            )
            .bind(end)
            .bind(reason)
            .bind(post_id)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::Conflict);
        }
        self.posts_summarise(&mut tx, &cfg, before.org_id).await?;
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "org.post_end",
                format!(
                    "{}（{}）：{} 不再担任{}，{end}，原因：{reason}",
                    org.name,
                    org.code,
                    before.holder_name,
                    cfg.post_label(&before.post)
                ),
            )
            .on("org", before.org_id),
        )
        .await?;
        let post = Self::post_in(&mut tx, post_id).await?;
        tx.commit().await?;
        self.findings_refresh_orgs(&[before.org_id]).await;
        Ok(post)
    }

    /// Links a post kept as a name to the roster person it means.
    pub async fn post_resolve(
        &self,
        actor: &Actor,
        scope: &Scope,
        post_id: i64,
        member_id: i64,
    ) -> Result<Post> {
        let before = self.post_get(scope, post_id).await?;
        let org = self.org_get(scope, before.org_id).await?;
        if !writes_life(scope, &org.org_path()) {
            return Err(StoreError::Forbidden);
        }
        let cfg = self.life_config().await?;
        let mut tx = self.begin().await?;
        let name = Self::holder_check(&mut tx, &org.org_path(), member_id).await?;
        let n = on_tx!(&mut tx, |c| {
            sqlx::query(
                "UPDATE org_posts SET member_id = $1, holder_name = $2 WHERE id = $3 AND \
                 member_id IS NULL",
            )
            .bind(member_id)
            .bind(&name)
            .bind(post_id)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::Conflict);
        }
        self.posts_summarise(&mut tx, &cfg, before.org_id).await?;
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "org.post_resolve",
                format!(
                    "{}（{}）：{}“{}”关联到名册中的 {name}",
                    org.name,
                    org.code,
                    cfg.post_label(&before.post),
                    before.holder_name
                ),
            )
            .on("org", before.org_id),
        )
        .await?;
        let post = Self::post_in(&mut tx, post_id).await?;
        tx.commit().await?;
        self.findings_refresh_orgs(&[before.org_id]).await;
        Ok(post)
    }

    /// An election (换届): the current team ends on `elected_on`, the elected team starts on
    /// it, and the new term is recorded — in one transaction.
    pub async fn posts_elect(
        &self,
        actor: &Actor,
        scope: &Scope,
        org_id: i64,
        elected_on: NaiveDate,
        term_end: Option<NaiveDate>,
        team: &[Appointment],
    ) -> Result<Vec<Post>> {
        let org = self.org_get(scope, org_id).await?;
        if !writes_life(scope, &org.org_path()) {
            return Err(StoreError::Forbidden);
        }
        if elected_on > self.clock.today() {
            return Err(StoreError::invalid("elected_on", "选举日期不能晚于今天"));
        }
        if term_end.is_some_and(|e| e <= elected_on) {
            return Err(StoreError::invalid(
                "term_end",
                "任期届满日期应晚于选举日期",
            ));
        }
        let cfg = self.life_config().await?;
        if team.is_empty() {
            return Err(StoreError::invalid("team", "请至少选出一名书记"));
        }
        let secretaries = team
            .iter()
            .filter(|a| cfg.post_role(&a.post) == PostRole::Secretary)
            .count();
        if secretaries != 1 {
            return Err(StoreError::invalid("team", "新一届班子须有且只有一名书记"));
        }
        for a in team {
            if cfg.post(&a.post).is_none() {
                return Err(StoreError::invalid("team", "请选择职务"));
            }
        }
        let mut people: Vec<i64> = team.iter().map(|a| a.member_id).collect();
        people.sort_unstable();
        if people.windows(2).any(|w| w[0] == w[1]) {
            return Err(StoreError::invalid("team", "同一人在名单中出现了两次"));
        }
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        Self::org_lock(&mut tx, org_id).await?;
        let mut names = Vec::new();
        for a in team {
            names.push(Self::holder_check(&mut tx, &org.org_path(), a.member_id).await?);
        }
        let open_start: Option<NaiveDate> = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
                "SELECT MAX(start_date) FROM org_posts WHERE org_id = $1 AND end_date IS NULL",
            )
            .bind(org_id)
            .fetch_one(&mut *c)
            .await?
        });
        if open_start.is_some_and(|s| s > elected_on) {
            return Err(StoreError::invalid(
                "elected_on",
                "现任班子成员的任职日期晚于此选举日期",
            ));
        }
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "UPDATE org_posts SET end_date = $1, end_reason = '换届' WHERE org_id = $2 AND \
                 end_date IS NULL",
            )
            .bind(elected_on)
            .bind(org_id)
            .execute(&mut *c)
            .await?;
        });
        let mut ids = Vec::new();
        for (a, name) in team.iter().zip(&names) {
            ids.push(
                Self::post_insert(
                    &mut tx,
                    org_id,
                    &a.post,
                    Some(a.member_id),
                    name,
                    Some(elected_on),
                    Some(elected_on),
                    "elected",
                    now,
                )
                .await?,
            );
        }
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "UPDATE orgs SET term_start = $1, term_end = $2, updated_at = $3, version = \
                 version + 1 WHERE id = $4",
            )
            .bind(elected_on)
            .bind(term_end)
            .bind(now)
            .bind(org_id)
            .execute(&mut *c)
            .await?;
        });
        Self::term_record(&mut tx, org_id, Some(elected_on), term_end, now).await?;
        self.posts_summarise(&mut tx, &cfg, org_id).await?;
        let list: Vec<String> = team
            .iter()
            .zip(&names)
            .map(|(a, n)| format!("{} {n}", cfg.post_label(&a.post)))
            .collect();
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "org.election",
                format!(
                    "{}（{}）{elected_on} 换届：{}",
                    org.name,
                    org.code,
                    list.join("、")
                ),
            )
            .on("org", org_id),
        )
        .await?;
        let mut posts = Vec::new();
        for id in ids {
            posts.push(Self::post_in(&mut tx, id).await?);
        }
        tx.commit().await?;
        self.findings_refresh_orgs(&[org_id]).await;
        Ok(posts)
    }

    /// Current posts kept only as names, in the caller's scope, for a person to resolve.
    pub async fn posts_unresolved(&self, scope: &Scope) -> Result<Vec<UnresolvedPost>> {
        Ok(on_db!(&self.db, |p| {
            let mut q = QueryBuilder::new(format!(
                "SELECT {POST_COLS}, o.name AS org_name, o.code AS org_code FROM org_posts p \
                 JOIN orgs o ON o.id = p.org_id WHERE p.member_id IS NULL AND p.end_date IS \
                 NULL AND o.archived_at IS NULL"
            ));
            if let Scope::Subtree { path, .. } = scope {
                q.push(" AND o.path >= ")
                    .push_bind(path.as_str().to_string())
                    .push(" AND o.path < ")
                    .push_bind(path.upper_bound());
            } else if !matches!(scope, Scope::Structure) {
                q.push(" AND 1 = 0");
            }
            q.push(" ORDER BY o.path, p.id LIMIT 500");
            q.build_query_as().fetch_all(p).await?
        }))
    }

    pub async fn post_get(&self, scope: &Scope, post_id: i64) -> Result<Post> {
        let p: Option<Post> = on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "SELECT {POST_COLS} FROM org_posts p WHERE p.id = $1"
            ))
            .bind(post_id)
            .fetch_optional(p)
            .await?
        });
        let Some(p) = p else {
            return Err(StoreError::NotFound("任职记录不存在"));
        };
        // Out of scope answers as absent.
        match self.org_get(scope, p.org_id).await {
            Ok(_) => Ok(p),
            Err(StoreError::NotFound(_)) | Err(StoreError::Forbidden) => {
                Err(StoreError::NotFound("任职记录不存在"))
            }
            Err(e) => Err(e),
        }
    }

    async fn post_in(tx: &mut Tx, id: i64) -> Result<Post> {
        Ok(on_tx!(tx, |c| {
            sqlx::query_as(&format!(
                "SELECT {POST_COLS} FROM org_posts p WHERE p.id = $1"
            ))
            .bind(id)
            .fetch_one(&mut *c)
            .await?
        }))
    }

    async fn current_posts(tx: &mut Tx, org_id: i64) -> Result<Vec<Post>> {
        Ok(on_tx!(tx, |c| {
            sqlx::query_as(&format!(
                "SELECT {POST_COLS} FROM org_posts p WHERE p.org_id = $1 AND p.end_date IS NULL \
                 ORDER BY p.id"
            ))
            .bind(org_id)
            .fetch_all(&mut *c)
            .await?
        }))
    }

    /// Serialises writers of one organisation's team (two appointments of a secretary at once
    /// give one).
    async fn org_lock(tx: &mut Tx, org_id: i64) -> Result<()> {
        on_tx!(tx, |c| {
            sqlx::query("UPDATE orgs SET version = version WHERE id = $1")
                .bind(org_id)
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    #[allow(clippy::too_many_arguments)] // one row's columns
    async fn post_insert(
        tx: &mut Tx,
        org_id: i64,
        post: &str,
        member_id: Option<i64>,
        holder_name: &str,
        start: Option<NaiveDate>,
        elected_on: Option<NaiveDate>,
        source: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        Ok(on_tx!(tx, |c| {
            sqlx::query_scalar(
                "INSERT INTO org_posts (org_id, post, member_id, holder_name, start_date, \
                 elected_on, source, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 RETURNING id",
            )
            .bind(org_id)
            .bind(post)
            .bind(member_id)
            .bind(holder_name)
            .bind(start)
            .bind(elected_on)
            .bind(source)
            .bind(now)
            .fetch_one(&mut *c)
            .await?
        }))
    }

    /// Rewrites the summary columns of `orgs` from the current posts.
    pub(crate) async fn posts_summarise(
        &self,
        tx: &mut Tx,
        cfg: &LifeConfig,
        org_id: i64,
    ) -> Result<()> {
        let current = Self::current_posts(tx, org_id).await?;
        let join = |role: PostRole| {
            let names: Vec<&str> = current
                .iter()
                .filter(|p| cfg.post_role(&p.post) == role)
                .map(|p| p.holder_name.as_str())
                .collect();
            (!names.is_empty()).then(|| names.join("、"))
        };
        on_tx!(tx, |c| {
            sqlx::query(
                "UPDATE orgs SET secretary = $1, deputy_secretary = $2, committee_members = $3 \
                 WHERE id = $4",
            )
            .bind(join(PostRole::Secretary))
            .bind(join(PostRole::Deputy))
            .bind(join(PostRole::Committee))
            .bind(org_id)
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }

    /// Rewrites the summary columns of every organisation from the current posts, in batches
    /// (after a bulk load of posts).
    pub async fn posts_summarise_all(&self) -> Result<u64> {
        let cfg = self.life_config().await?;
        let rows: Vec<(i64, String, String)> = on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT org_id, post, holder_name FROM org_posts WHERE end_date IS NULL ORDER BY \
                 org_id, id",
            )
            .fetch_all(p)
            .await?
        });
        let mut by_org: std::collections::BTreeMap<i64, [Vec<String>; 3]> = Default::default();
        for (org, post, name) in rows {
            let i = match cfg.post_role(&post) {
                PostRole::Secretary => 0,
                PostRole::Deputy => 1,
                PostRole::Committee => 2,
            };
            by_org.entry(org).or_default()[i].push(name);
        }
        let all: Vec<(i64, [Option<String>; 3])> = by_org
            .into_iter()
            .map(|(id, lists)| (id, lists.map(|l| (!l.is_empty()).then(|| l.join("、")))))
            .collect();
        let mut tx = self.begin().await?;
        for chunk in all.chunks(200) {
            on_tx!(&mut tx, |c| {
                let mut q = QueryBuilder::new("UPDATE orgs SET ");
                for (k, col) in ["secretary", "deputy_secretary", "committee_members"]
                    .iter()
                    .enumerate()
                {
                    if k > 0 {
                        q.push(", ");
                    }
                    q.push(*col).push(" = CASE id");
                    for (id, v) in chunk {
                        q.push(" WHEN ")
                            .push_bind(*id)
                            .push(" THEN ")
                            .push_bind(v[k].clone());
                    }
                    q.push(" END");
                }
                q.push(" WHERE id IN (");
                let mut sep = q.separated(", ");
                for (id, _) in chunk {
                    sep.push_bind(*id);
                }
                q.push(")");
                q.build().execute(&mut *c).await?;
            });
        }
        tx.commit().await?;
        Ok(all.len() as u64)
    }

    /// Turns names written as text into posts of the first post of `role`: each name matched
    /// to one active party member of the organisation where exactly one has it, otherwise
    /// kept as a name to resolve. Returns how many posts were made.
    #[allow(clippy::too_many_arguments)] // where, what, from when, and by which path
    pub(crate) async fn posts_adopt_text(
        tx: &mut Tx,
        cfg: &LifeConfig,
        org_id: i64,
        role: PostRole,
        text: &str,
        start: Option<NaiveDate>,
        source: &str,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let Some(kind) = cfg.first_of(role) else {
            return Ok(0);
        };
        let mut n = 0;
        for name in split_names(text) {
            let found: Vec<i64> = on_tx!(tx, |c| {
                sqlx::query_scalar(
                    "SELECT id FROM members WHERE org_id = $1 AND name = $2 AND archived_at IS \
                     NULL AND status IN ('probationary', 'full') LIMIT 2",
                )
                .bind(org_id)
                .bind(&name)
                .fetch_all(&mut *c)
                .await?
            });
            let member = match found.as_slice() {
                [one] => Some(*one),
                _ => None,
            };
            Self::post_insert(
                tx, org_id, &kind.code, member, &name, start, None, source, now,
            )
            .await?;
            n += 1;
        }
        Ok(n)
    }

    /// Makes posts of the free text kept by earlier versions, for organisations that have
    /// text and no posts; run at every start (it finds nothing once done). Returns the
    /// number of organisations converted.
    pub async fn posts_from_text(&self) -> Result<u64> {
        let rows: Vec<TextRow> = on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT o.id, o.secretary, o.deputy_secretary, o.committee_members, \
                     o.term_start FROM orgs o WHERE (COALESCE(o.secretary, '') <> '' OR \
                     COALESCE(o.deputy_secretary, '') <> '' OR COALESCE(o.committee_members, \
                     '') <> '') AND NOT EXISTS (SELECT 1 FROM org_posts p WHERE p.org_id = o.id)",
            )
            .fetch_all(p)
            .await?
        });
        if rows.is_empty() {
            return Ok(0);
        }
        let cfg = self.life_config().await?;
        let now = self.clock.now();
        let mut done = 0;
        for chunk in rows.chunks(500) {
            let mut tx = self.begin().await?;
            for (org_id, sec, dep, com, start) in chunk {
                // Another server copy may have converted it meanwhile.
                Self::org_lock(&mut tx, *org_id).await?;
                let has: i64 = on_tx!(&mut tx, |c| {
                    sqlx::query_scalar("SELECT COUNT(*) FROM org_posts WHERE org_id = $1")
                        .bind(*org_id)
                        .fetch_one(&mut *c)
                        .await?
                });
                if has > 0 {
                    continue;
                }
                for (role, text) in [
                    (PostRole::Secretary, sec),
                    (PostRole::Deputy, dep),
                    (PostRole::Committee, com),
                ] {
                    if let Some(t) = text {
                        Self::posts_adopt_text(
                            &mut tx, &cfg, *org_id, role, t, *start, "migrated", now,
                        )
                        .await?;
                    }
                }
                self.posts_summarise(&mut tx, &cfg, *org_id).await?;
                done += 1;
            }
            self.audit(
                &mut tx,
                &Actor::cli("posts"),
                AuditEvent::ok(
                    "org.post_migrate",
                    format!("{} 个组织的书记、委员文字记录转为任职记录", chunk.len()),
                ),
            )
            .await?;
            tx.commit().await?;
        }
        Ok(done)
    }

    /// Replaces the current secretary with the name given by an import, when it differs.
    pub(crate) async fn posts_import_secretary(
        &self,
        tx: &mut Tx,
        org_id: i64,
        name: &str,
        day: NaiveDate,
    ) -> Result<bool> {
        let cfg = self.life_config().await?;
        let current = Self::current_posts(tx, org_id).await?;
        let secretaries: Vec<&Post> = current
            .iter()
            .filter(|p| cfg.post_role(&p.post) == PostRole::Secretary)
            .collect();
        if secretaries.iter().any(|p| p.holder_name == name) {
            return Ok(false);
        }
        on_tx!(tx, |c| {
            for p in &secretaries {
                sqlx::query(
                    "UPDATE org_posts SET end_date = $1, end_reason = '导入更新书记' WHERE id = \
                     $2",
                )
                .bind(day)
                .bind(p.id)
                .execute(&mut *c)
                .await?;
            }
        });
        Self::posts_adopt_text(
            tx,
            &cfg,
            org_id,
            PostRole::Secretary,
            name,
            Some(day),
            "imported",
            self.clock.now(),
        )
        .await?;
        self.posts_summarise(tx, &cfg, org_id).await?;
        Ok(true)
    }

    /// Every post of the organisations in a subtree (`None`: all), for the checks.
    pub(crate) async fn posts_for_check(
        &self,
        range: &crate::development::PathRange,
    ) -> Result<PostsByOrg> {
        let rows: Vec<PostCheckRow> = on_db!(&self.db, |p| {
            let mut q = QueryBuilder::new(
                "SELECT p.org_id, p.post, p.start_date, p.end_date, p.holder_name FROM \
                     org_posts p",
            );
            q.push(" JOIN orgs o ON o.id = p.org_id WHERE o.path >= ")
                .push_bind(range.lo.clone())
                .push(" AND o.path < ")
                .push_bind(range.hi.clone());
            range.push_ids(&mut q, "p.org_id");
            q.build_query_as().fetch_all(p).await?
        });
        let mut out: PostsByOrg = HashMap::new();
        for (org, post, s, e, name) in rows {
            out.entry(org).or_default().push((post, s, e, name));
        }
        Ok(out)
    }
}
