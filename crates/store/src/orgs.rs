//! Organisations: the tree, kept as materialised paths so a subtree is one range scan.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{FromRow, QueryBuilder};
use std::collections::HashMap;
use xianfeng_domain::org::{OrgCode, OrgError, OrgPath, OrgType, Sector};
use xianfeng_domain::scope::Scope;

use crate::audit::{Actor, AuditEvent};
use crate::{on_db, on_tx, Page, PageReq, Result, Store, StoreError, Tx};

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Org {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub path: String,
    pub code: String,
    pub name: String,
    pub org_type: String,
    pub sector: String,
    pub founded_on: Option<NaiveDate>,
    pub secretary: Option<String>,
    pub deputy_secretary: Option<String>,
    pub committee_members: Option<String>,
    pub term_start: Option<NaiveDate>,
    pub term_end: Option<NaiveDate>,
    pub contact_phone: Option<String>,
    /// Approval power set on the organisation (`None`: the default by type and position).
    pub approval_power: Option<bool>,
    pub archived_at: Option<DateTime<Utc>>,
    pub archive_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl Org {
    pub fn org_path(&self) -> OrgPath {
        OrgPath::from_stored(self.path.clone())
    }
    pub fn kind(&self) -> Option<OrgType> {
        OrgType::parse(&self.org_type)
    }
    pub fn type_label(&self) -> &'static str {
        self.kind().map(|t| t.label()).unwrap_or("")
    }
    pub fn sector_label(&self) -> &'static str {
        Sector::parse(&self.sector).map(|t| t.label()).unwrap_or("")
    }
    pub fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

/// An organisation with the size of its subtree, for the tree and lists.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct OrgNode {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub org: Org,
    pub child_count: i64,
    pub member_count: i64,
}

/// Fields of an organisation, parsed at the edge.
pub use xianfeng_domain::org::OrgFields;

#[derive(Debug, Clone, Default)]
pub struct OrgFilter {
    pub q: Option<String>,
    pub org_type: Option<OrgType>,
    pub sector: Option<Sector>,
    pub under: Option<i64>,
    pub include_archived: bool,
}

pub(crate) const ORG_COLS: &str =
    "o.id, o.parent_id, o.path, o.code, o.name, o.org_type, o.sector, \
    o.founded_on, o.secretary, o.deputy_secretary, o.committee_members, o.term_start, o.term_end, \
    o.contact_phone, o.approval_power, o.archived_at, o.archive_reason, o.created_at, \
    o.updated_at, o.version";

fn node_select() -> String {
    format!(
        "SELECT {ORG_COLS}, \
         (SELECT COUNT(*) FROM orgs c WHERE c.parent_id = o.id AND c.archived_at IS NULL) AS \
         child_count, \
         (SELECT CAST(COALESCE(SUM(k.n), 0) AS BIGINT) FROM org_counts k WHERE k.org_id = \
            o.id AND k.status IN {}) AS member_count \
         FROM orgs o",
        crate::counts::MEMBER_STATUSES
    )
}

fn audit_fields(f: &OrgFields) -> String {
    format!(
        "代码={} 名称={} 类别={} 领域={}",
        f.code.as_str(),
        f.name,
        f.org_type.label(),
        f.sector.label()
    )
}

/// Restricts a query on `orgs o` to what the scope may see.
macro_rules! org_scope {
    ($q:expr, $scope:expr) => {
        match $scope {
            Scope::Subtree { path, .. } => {
                $q.push(" AND o.path >= ")
                    .push_bind(path.as_str().to_string())
                    .push(" AND o.path < ")
                    .push_bind(path.upper_bound());
            }
            Scope::Structure => {}
            Scope::Own { .. } | Scope::Nothing => {
                $q.push(" AND 1=0");
            }
        }
    };
}

impl Store {
    pub async fn org_get(&self, scope: &Scope, id: i64) -> Result<Org> {
        let org: Option<Org> = on_db!(&self.db, |p| {
            sqlx::query_as(&format!("SELECT {ORG_COLS} FROM orgs o WHERE o.id = $1"))
                .bind(id)
                .fetch_optional(p)
                .await?
        });
        match org {
            Some(o) if scope.sees_org(&o.org_path()) => Ok(o),
            // Out of scope answers as absent, so that ids cannot be probed.
            _ => Err(StoreError::NotFound("组织不存在")),
        }
    }

    pub async fn org_node(&self, scope: &Scope, id: i64) -> Result<OrgNode> {
        let node: Option<OrgNode> = on_db!(&self.db, |p| {
            sqlx::query_as(&format!("{} WHERE o.id = $1", node_select()))
                .bind(id)
                .fetch_optional(p)
                .await?
        });
        match node {
            Some(n) if scope.sees_org(&n.org.org_path()) => Ok(n),
            // Out of scope answers as absent, so that ids cannot be probed.
            _ => Err(StoreError::NotFound("组织不存在")),
        }
    }

    pub async fn org_by_code(&self, scope: &Scope, code: &str) -> Result<Org> {
        let code = OrgCode::parse(code).map_err(|e| StoreError::invalid("code", e.to_string()))?;
        let org: Option<Org> = on_db!(&self.db, |p| {
            sqlx::query_as(&format!("SELECT {ORG_COLS} FROM orgs o WHERE o.code = $1"))
                .bind(code.as_str())
                .fetch_optional(p)
                .await?
        });
        match org {
            Some(o) if scope.sees_org(&o.org_path()) => Ok(o),
            // Out of scope answers as absent, so that ids cannot be probed.
            _ => Err(StoreError::NotFound("组织不存在")),
        }
    }

    /// The organisations a scope starts from: its root, or every top-level organisation.
    pub async fn org_roots(&self, scope: &Scope) -> Result<Vec<OrgNode>> {
        match scope {
            Scope::Subtree { root_id, .. } => Ok(vec![self.org_node(scope, *root_id).await?]),
            Scope::Structure => Ok(on_db!(&self.db, |p| {
                sqlx::query_as(&format!(
                    "{} WHERE o.parent_id IS NULL AND o.archived_at IS NULL ORDER BY o.code",
                    node_select()
                ))
                .fetch_all(p)
                .await?
            })),
            _ => Ok(vec![]),
        }
    }

    /// Children of an organisation, with their subtree sizes.
    pub async fn org_children(
        &self,
        scope: &Scope,
        parent_id: i64,
        include_archived: bool,
    ) -> Result<Vec<OrgNode>> {
        self.org_get(scope, parent_id).await?;
        let archived = if include_archived {
            ""
        } else {
            " AND o.archived_at IS NULL"
        };
        Ok(on_db!(&self.db, |p| {
            sqlx::query_as(&format!(
                "{} WHERE o.parent_id = $1{archived} ORDER BY o.code",
                node_select()
            ))
            .bind(parent_id)
            .fetch_all(p)
            .await?
        }))
    }

    /// The chain from the top of the caller's scope down to the organisation (breadcrumbs).
    pub async fn org_ancestors(&self, scope: &Scope, org: &Org) -> Result<Vec<Org>> {
        let ids = org.org_path().ids();
        let mut out = Vec::new();
        for id in ids {
            if id == org.id {
                break;
            }
            match self.org_get(scope, id).await {
                Ok(o) => out.push(o),
                Err(StoreError::NotFound(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Search and list organisations in scope.
    pub async fn org_list(
        &self,
        scope: &Scope,
        f: &OrgFilter,
        page: PageReq,
    ) -> Result<Page<OrgNode>> {
        let under = match f.under {
            Some(id) => Some(self.org_get(scope, id).await?.org_path()),
            None => None,
        };
        macro_rules! filters {
            ($q:expr) => {{
                org_scope!($q, scope);
                if let Some(u) = &under {
                    $q.push(" AND o.path >= ")
                        .push_bind(u.as_str().to_string())
                        .push(" AND o.path < ")
                        .push_bind(u.upper_bound());
                }
                if !f.include_archived {
                    $q.push(" AND o.archived_at IS NULL");
                }
                if let Some(t) = f.org_type {
                    $q.push(" AND o.org_type = ").push_bind(t.code());
                }
                if let Some(s) = f.sector {
                    $q.push(" AND o.sector = ").push_bind(s.code());
                }
                if let Some(text) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                    let pat = format!("%{}%", crate::like_escape(text));
                    $q.push(" AND (o.name LIKE ")
                        .push_bind(pat.clone())
                        .push(" ESCAPE '\\' OR o.code LIKE ")
                        .push_bind(pat.to_uppercase())
                        .push(" ESCAPE '\\')");
                }
            }};
        }
        let (items, total) = on_db!(&self.db, |p| {
            let mut q = QueryBuilder::new(format!("{} WHERE 1=1", node_select()));
            filters!(q);
            q.push(" ORDER BY o.path LIMIT ")
                .push_bind(i64::from(page.per_page))
                .push(" OFFSET ")
                .push_bind(page.offset());
            let items: Vec<OrgNode> = q.build_query_as().fetch_all(p).await?;
            let mut c = QueryBuilder::new("SELECT COUNT(*) FROM orgs o WHERE 1=1");
            filters!(c);
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

    /// Every organisation in scope (exports, pickers), ordered by path.
    /// The organisations on the roster whose paths lie in `range`, in path order.
    pub(crate) async fn orgs_in_range(
        &self,
        range: &crate::development::PathRange,
    ) -> Result<Vec<Org>> {
        Ok(on_db!(&self.db, |p| {
            let mut q = QueryBuilder::new(format!(
                "SELECT {ORG_COLS} FROM orgs o WHERE o.archived_at IS NULL AND o.path >= "
            ));
            q.push_bind(range.lo.clone())
                .push(" AND o.path < ")
                .push_bind(range.hi.clone());
            range.push_ids(&mut q, "o.id");
            q.push(" ORDER BY o.path");
            q.build_query_as().fetch_all(p).await?
        }))
    }

    pub async fn org_all(&self, scope: &Scope) -> Result<Vec<Org>> {
        Ok(on_db!(&self.db, |p| {
            let mut q = QueryBuilder::new(format!(
                "SELECT {ORG_COLS} FROM orgs o WHERE o.archived_at IS NULL"
            ));
            org_scope!(q, scope);
            q.push(" ORDER BY o.path");
            q.build_query_as().fetch_all(p).await?
        }))
    }

    async fn check_code_free(
        &self,
        tx: &mut Tx,
        code: &OrgCode,
        except: Option<i64>,
    ) -> Result<()> {
        let taken: Option<i64> = on_tx!(tx, |c| {
            sqlx::query_scalar("SELECT id FROM orgs WHERE code = $1")
                .bind(code.as_str())
                .fetch_optional(&mut *c)
                .await?
        });
        match taken {
            Some(id) if Some(id) != except => Err(StoreError::invalid(
                "code",
                format!("组织代码 {} 已被使用", code.as_str()),
            )),
            _ => Ok(()),
        }
    }

    async fn check_name_free(
        &self,
        tx: &mut Tx,
        parent_id: Option<i64>,
        name: &str,
        except: Option<i64>,
    ) -> Result<()> {
        let taken: Option<(i64, String)> = on_tx!(tx, |c| {
            match parent_id {
                Some(pid) => {
                    sqlx::query_as(
                        "SELECT id, code FROM orgs WHERE parent_id = $1 AND name = $2 AND \
                    archived_at IS NULL",
                    )
                    .bind(pid)
                    .bind(name)
                    .fetch_optional(&mut *c)
                    .await?
                }
                None => {
                    sqlx::query_as(
                        "SELECT id, code FROM orgs WHERE parent_id IS NULL AND name = $1 AND \
                    archived_at IS NULL",
                    )
                    .bind(name)
                    .fetch_optional(&mut *c)
                    .await?
                }
            }
        });
        match taken {
            Some((id, code)) if Some(id) != except => Err(StoreError::invalid(
                "name",
                format!("同一上级组织下已有同名组织（代码 {code}）"),
            )),
            _ => Ok(()),
        }
    }

    /// An organisation as the open transaction sees it.
    pub async fn org_get_in(&self, tx: &mut Tx, id: i64) -> Result<Org> {
        let org: Option<Org> = on_tx!(tx, |c| {
            sqlx::query_as(&format!("SELECT {ORG_COLS} FROM orgs o WHERE o.id = $1"))
                .bind(id)
                .fetch_optional(&mut *c)
                .await?
        });
        org.ok_or(StoreError::NotFound("组织不存在"))
    }

    /// An organisation by code, as the open transaction sees it.
    pub async fn org_by_code_in(&self, tx: &mut Tx, code: &OrgCode) -> Result<Option<Org>> {
        Ok(on_tx!(tx, |c| {
            sqlx::query_as(&format!("SELECT {ORG_COLS} FROM orgs o WHERE o.code = $1"))
                .bind(code.as_str())
                .fetch_optional(&mut *c)
                .await?
        }))
    }

    /// Creates an organisation under `parent_id` (or a top-level one, structure scope only).
    pub async fn org_create(
        &self,
        actor: &Actor,
        scope: &Scope,
        parent_id: Option<i64>,
        f: &OrgFields,
    ) -> Result<Org> {
        let mut tx = self.begin().await?;
        let org = self
            .org_create_in(&mut tx, actor, scope, parent_id, f)
            .await?;
        tx.commit().await?;
        self.findings_refresh_orgs(&[org.id]).await;
        Ok(org)
    }

    pub async fn org_create_in(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        scope: &Scope,
        parent_id: Option<i64>,
        f: &OrgFields,
    ) -> Result<Org> {
        let parent = match parent_id {
            Some(pid) => {
                // Read through the transaction: the parent may have been created in it.
                let parent = self.org_get_in(tx, pid).await?;
                if !scope.sees_org(&parent.org_path()) {
                    // Answered as an absent parent, so that ids cannot be probed.
                    return Err(StoreError::NotFound("组织不存在"));
                }
                if !scope.may_write_org(&parent.org_path()) {
                    return Err(StoreError::Forbidden);
                }
                if parent.is_archived() {
                    return Err(StoreError::invalid(
                        "parent_id",
                        "上级组织已撤销，不能在其下新建组织",
                    ));
                }
                let pt = parent.kind().unwrap_or(OrgType::Committee);
                if !f.org_type.may_sit_under(pt) {
                    return Err(StoreError::invalid(
                        "org_type",
                        OrgError::Placement {
                            child: f.org_type.label(),
                            parent: pt.label(),
                        }
                        .to_string(),
                    ));
                }
                Some(parent)
            }
            None => {
                if *scope != Scope::Structure {
                    return Err(StoreError::Forbidden);
                }
                None
            }
        };
        check_term(f)?;
        self.check_code_free(tx, &f.code, None).await?;
        self.check_name_free(tx, parent_id, &f.name, None).await?;
        let now = self.clock.now();
        let id: i64 = on_tx!(tx, |c| {
            sqlx::query_scalar(
                "INSERT INTO orgs (parent_id, path, code, name, org_type, sector, founded_on, \
                 term_start, term_end, contact_phone, approval_power, created_at, updated_at) \
                 VALUES ($1, '/', $2, $3, $4, $5, $6, $7, $8, $9, $11, $10, $10) RETURNING id",
            )
            .bind(parent_id)
            .bind(f.code.as_str())
            .bind(&f.name)
            .bind(f.org_type.code())
            .bind(f.sector.code())
            .bind(f.founded_on)
            .bind(f.term_start)
            .bind(f.term_end)
            .bind(&f.contact_phone)
            .bind(now)
            .bind(f.approval_power)
            .fetch_one(&mut *c)
            .await?
        });
        let path = match &parent {
            Some(p) => p.org_path().child(id),
            None => OrgPath::root(id),
        };
        on_tx!(tx, |c| {
            sqlx::query("UPDATE orgs SET path = $1 WHERE id = $2")
                .bind(path.as_str())
                .bind(id)
                .execute(&mut *c)
                .await?;
        });
        Self::term_record(tx, id, f.term_start, f.term_end, now).await?;
        if let Some(name) = &f.secretary {
            let cfg = self.life_config().await?;
            Self::posts_adopt_text(
                tx,
                &cfg,
                id,
                xianfeng_domain::life::PostRole::Secretary,
                name,
                f.term_start,
                "imported",
                now,
            )
            .await?;
            self.posts_summarise(tx, &cfg, id).await?;
        }
        self.audit(
            tx,
            actor,
            AuditEvent::ok("org.create", audit_fields(f)).on("org", id),
        )
        .await?;
        let org: Org = on_tx!(tx, |c| {
            sqlx::query_as(&format!("SELECT {ORG_COLS} FROM orgs o WHERE o.id = $1"))
                .bind(id)
                .fetch_one(&mut *c)
                .await?
        });
        Ok(org)
    }

    /// Updates an organisation's fields; `version` guards against lost updates.
    pub async fn org_update(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        version: Option<i64>,
        f: &OrgFields,
    ) -> Result<Org> {
        let before = self.org_get(scope, id).await?;
        if !scope.may_write_org(&before.org_path()) {
            return Err(StoreError::Forbidden);
        }
        if let Some(pid) = before.parent_id {
            let parent: Option<String> = on_db!(&self.db, |p| {
                sqlx::query_scalar("SELECT org_type FROM orgs WHERE id = $1")
                    .bind(pid)
                    .fetch_optional(p)
                    .await?
            });
            if let Some(pt) = parent.as_deref().and_then(OrgType::parse) {
                if !f.org_type.may_sit_under(pt) {
                    return Err(StoreError::invalid(
                        "org_type",
                        OrgError::Placement {
                            child: f.org_type.label(),
                            parent: pt.label(),
                        }
                        .to_string(),
                    ));
                }
            }
        }
        check_term(f)?;
        let child_types: Vec<String> = on_db!(&self.db, |p| {
            sqlx::query_scalar(
                "SELECT DISTINCT org_type FROM orgs WHERE parent_id = $1 AND archived_at IS NULL",
            )
            .bind(id)
            .fetch_all(p)
            .await?
        });
        for ct in child_types.iter().filter_map(|t| OrgType::parse(t)) {
            if !ct.may_sit_under(f.org_type) {
                return Err(StoreError::invalid(
                    "org_type",
                    format!("该组织下设有{}，不能改为{}", ct.label(), f.org_type.label()),
                ));
            }
        }
        let mut tx = self.begin().await?;
        self.check_code_free(&mut tx, &f.code, Some(id)).await?;
        self.check_name_free(&mut tx, before.parent_id, &f.name, Some(id))
            .await?;
        let now = self.clock.now();
        let n = on_tx!(&mut tx, |c| {
            sqlx::query(
                "UPDATE orgs SET code = $1, name = $2, org_type = $3, sector = $4, founded_on = \
                 $5, term_start = $6, term_end = $7, contact_phone = $8, updated_at = $9, \
                 version = version + 1, approval_power = $12 WHERE id = $10 AND version = $11",
            )
            .bind(f.code.as_str())
            .bind(&f.name)
            .bind(f.org_type.code())
            .bind(f.sector.code())
            .bind(f.founded_on)
            .bind(f.term_start)
            .bind(f.term_end)
            .bind(&f.contact_phone)
            .bind(now)
            .bind(id)
            .bind(version.unwrap_or(before.version))
            .bind(f.approval_power)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::Conflict);
        }
        if (before.term_start, before.term_end) != (f.term_start, f.term_end) {
            Self::term_record(&mut tx, id, f.term_start, f.term_end, now).await?;
        }
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "org.update",
                format!(
                    "{}（{}）：{}",
                    before.name,
                    before.code,
                    org_changes(&before, f)
                ),
            )
            .on("org", id),
        )
        .await?;
        tx.commit().await?;
        self.findings_refresh_orgs(&[id]).await;
        // Approval power (its own, and by default that of the organisations below) follows
        // the type, the sector and the setting: the files approved in the subtree are judged
        // again (DEV-021).
        if before.approval_power != f.approval_power
            || before.org_type != f.org_type.code()
            || before.sector != f.sector.code()
        {
            self.findings_refresh_subtree(&before.org_path()).await;
        }
        self.org_get(scope, id).await
    }

    /// Moves an organisation and its whole subtree under a new parent. Refuses cycles.
    pub async fn org_move(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        new_parent_id: i64,
    ) -> Result<Org> {
        let org = self.org_get(scope, id).await?;
        let parent = self.org_get(scope, new_parent_id).await?;
        if !scope.may_write_org(&org.org_path()) || !scope.may_write_org(&parent.org_path()) {
            return Err(StoreError::Forbidden);
        }
        if let Scope::Subtree { root_id, .. } = scope {
            if *root_id == id {
                return Err(StoreError::Forbidden);
            }
        }
        if org.org_path().contains(&parent.org_path()) {
            return Err(StoreError::invalid(
                "parent_id",
                OrgError::Cycle.to_string(),
            ));
        }
        if parent.is_archived() {
            return Err(StoreError::invalid("parent_id", "目标上级组织已撤销"));
        }
        let (kind, pk) = (
            org.kind().unwrap_or(OrgType::Branch),
            parent.kind().unwrap_or(OrgType::Committee),
        );
        if !kind.may_sit_under(pk) {
            return Err(StoreError::invalid(
                "parent_id",
                OrgError::Placement {
                    child: kind.label(),
                    parent: pk.label(),
                }
                .to_string(),
            ));
        }
        let old = org.org_path();
        let new = parent.org_path().child(id);
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        let keep = i64::try_from(old.as_str().len()).unwrap_or(0) + 1;
        Self::counts_move(&mut tx, id, new_parent_id).await?;
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "UPDATE orgs SET parent_id = $1, updated_at = $2, version = version + 1 WHERE id \
                = $3",
            )
            .bind(new_parent_id)
            .bind(now)
            .bind(id)
            .execute(&mut *c)
            .await?;
            sqlx::query(
                "UPDATE orgs SET path = $1 || substr(path, CAST($2 AS INTEGER)) WHERE path >= $3 \
                AND path < $4",
            )
            .bind(new.as_str())
            .bind(keep)
            .bind(old.as_str())
            .bind(old.upper_bound())
            .execute(&mut *c)
            .await?;
            sqlx::query(
                "UPDATE members SET org_path = $1 || substr(org_path, CAST($2 AS INTEGER)) WHERE \
                org_path >= $3 AND org_path < $4",
            )
            .bind(new.as_str())
            .bind(keep)
            .bind(old.as_str())
            .bind(old.upper_bound())
            .execute(&mut *c)
            .await?;
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "org.move",
                format!(
                    "{}（{}）移至 {}（{}）之下",
                    org.name, org.code, parent.name, parent.code
                ),
            )
            .on("org", id),
        )
        .await?;
        tx.commit().await?;
        self.findings_refresh_orgs(&[id]).await;
        self.org_get(&Scope::Structure, id).await
    }

    /// Archives (撤销) an organisation with a reason. It must have no active members or
    /// sub-organisations left: those are transferred or archived first.
    pub async fn org_archive(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        reason: &str,
    ) -> Result<()> {
        let node = self.org_node(scope, id).await?;
        let org = &node.org;
        if !scope.may_write_org(&org.org_path()) {
            return Err(StoreError::Forbidden);
        }
        if let Scope::Subtree { root_id, .. } = scope {
            if *root_id == id {
                return Err(StoreError::Forbidden);
            }
        }
        if org.is_archived() {
            return Err(StoreError::invalid("reason", "该组织已撤销"));
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::invalid("reason", "请填写撤销原因"));
        }
        if reason.chars().count() > 200 {
            return Err(StoreError::invalid("reason", "撤销原因过长（最多 200 字）"));
        }
        if node.child_count > 0 {
            return Err(StoreError::invalid(
                "reason",
                format!(
                    "该组织下还有 {} 个下级组织，请先撤销或移走",
                    node.child_count
                ),
            ));
        }
        let people: i64 = on_db!(&self.db, |p| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM members WHERE org_id = $1 AND archived_at IS NULL",
            )
            .bind(id)
            .fetch_one(p)
            .await?
        });
        if people > 0 {
            return Err(StoreError::invalid(
                "reason",
                format!("该组织还有 {people} 名在册人员，请先转接组织关系"),
            ));
        }
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "UPDATE orgs SET archived_at = $1, archive_reason = $2, updated_at = $1, version \
                = version + 1 WHERE id = $3",
            )
            .bind(now)
            .bind(reason)
            .bind(id)
            .execute(&mut *c)
            .await?;
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "org.archive",
                format!("撤销 {}（{}），原因：{reason}", org.name, org.code),
            )
            .on("org", id),
        )
        .await?;
        tx.commit().await?;
        self.findings_refresh_orgs(&[id]).await;
        Ok(())
    }

    /// Restores an archived organisation (its parent must be active).
    pub async fn org_restore(&self, actor: &Actor, scope: &Scope, id: i64) -> Result<()> {
        let org = self.org_get(scope, id).await?;
        if !scope.may_write_org(&org.org_path()) {
            return Err(StoreError::Forbidden);
        }
        if !org.is_archived() {
            return Ok(());
        }
        if let Some(pid) = org.parent_id {
            let parent = self.org_get(&Scope::Structure, pid).await?;
            if parent.is_archived() {
                return Err(StoreError::invalid(
                    "parent_id",
                    "上级组织已撤销，请先恢复上级组织",
                ));
            }
        }
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "UPDATE orgs SET archived_at = NULL, archive_reason = NULL, updated_at = $1, \
                version = version + 1 WHERE id = $2",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *c)
            .await?;
        });
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok("org.restore", format!("恢复 {}（{}）", org.name, org.code))
                .on("org", id),
        )
        .await?;
        tx.commit().await?;
        self.findings_refresh_orgs(&[id]).await;
        Ok(())
    }

    pub async fn org_count(&self) -> Result<i64> {
        Ok(on_db!(&self.db, |p| {
            sqlx::query_scalar("SELECT COUNT(*) FROM orgs WHERE archived_at IS NULL")
                .fetch_one(p)
                .await?
        }))
    }
}

/// "字段：旧 → 新" for every field an update changes.
fn org_changes(before: &Org, f: &OrgFields) -> String {
    let d = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let o = |s: &Option<String>| s.clone().unwrap_or_default();
    let pairs: Vec<(&str, String, String)> = vec![
        ("代码", before.code.clone(), f.code.as_str().to_string()),
        ("名称", before.name.clone(), f.name.clone()),
        (
            "类别",
            before.type_label().to_string(),
            f.org_type.label().to_string(),
        ),
        (
            "领域",
            before.sector_label().to_string(),
            f.sector.label().to_string(),
        ),
        ("成立日期", d(before.founded_on), d(f.founded_on)),
        ("任期开始", d(before.term_start), d(f.term_start)),
        ("任期届满", d(before.term_end), d(f.term_end)),
        ("联系电话", o(&before.contact_phone), o(&f.contact_phone)),
        (
            "审批权",
            power_label(before.approval_power).into(),
            power_label(f.approval_power).into(),
        ),
    ];
    crate::changes(pairs)
}

fn check_term(f: &OrgFields) -> Result<()> {
    if let (Some(s), Some(e)) = (f.term_start, f.term_end) {
        if e < s {
            return Err(StoreError::invalid(
                "term_end",
                OrgError::TermOrder.to_string(),
            ));
        }
    }
    Ok(())
}

/// One organisation row of an import.
#[derive(Debug, Clone)]
pub struct OrgImportItem {
    pub row: usize,
    pub parent_code: Option<OrgCode>,
    pub fields: OrgFields,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct OrgImportOutcome {
    pub created: usize,
    pub updated: usize,
    pub refused: Vec<(usize, String)>,
    pub committed: bool,
}

impl Store {
    /// Imports organisations in one transaction, parents before children whatever the order of
    /// the rows. A row without a parent code goes under `within` (or to the top level when no
    /// `within` is given). An existing code is updated in place; its parent must not change.
    #[allow(clippy::too_many_arguments)] // mirrors members_import: who, where, what, how
    pub async fn orgs_import(
        &self,
        actor: &Actor,
        scope: &Scope,
        within: Option<i64>,
        items: &[OrgImportItem],
        source: &str,
        accept_valid: bool,
        dry_run: bool,
    ) -> Result<OrgImportOutcome> {
        let mut out = OrgImportOutcome::default();
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        let mut pending: Vec<&OrgImportItem> = items.iter().collect();
        let in_file: std::collections::HashSet<String> = items
            .iter()
            .map(|i| i.fields.code.as_str().to_string())
            .collect();
        loop {
            let mut deferred = Vec::new();
            let before = pending.len();
            for item in pending {
                let parent = match &item.parent_code {
                    None => within,
                    Some(code) => match self.org_by_code_in(&mut tx, code).await? {
                        Some(p) => Some(p.id),
                        None if in_file.contains(code.as_str()) => {
                            deferred.push(item);
                            continue;
                        }
                        None => {
                            out.refused
                                .push((item.row, format!("找不到上级组织代码 {}", code.as_str())));
                            continue;
                        }
                    },
                };
                match self.org_by_code_in(&mut tx, &item.fields.code).await? {
                    Some(existing) => {
                        if !scope.may_write_org(&existing.org_path()) {
                            out.refused
                                .push((item.row, "该组织代码已属于您管理范围之外的组织".into()));
                            continue;
                        }
                        if item.parent_code.is_some() && existing.parent_id != parent {
                            out.refused.push((
                                item.row,
                                "上级组织与系统中记录的不同：请在系统中“调整隶属”，不通过导入改变"
                                    .into(),
                            ));
                            continue;
                        }
                        let f = &item.fields;
                        on_tx!(&mut tx, |c| {
                            sqlx::query(
                                "UPDATE orgs SET name = $1, org_type = $2, sector = $3, \
                                founded_on = COALESCE($4, founded_on), updated_at = $5, \
                                version = version + 1 WHERE id = $6",
                            )
                            .bind(&f.name)
                            .bind(f.org_type.code())
                            .bind(f.sector.code())
                            .bind(f.founded_on)
                            .bind(now)
                            .bind(existing.id)
                            .execute(&mut *c)
                            .await?;
                        });
                        let new_secretary = match &f.secretary {
                            Some(name) => {
                                self.posts_import_secretary(
                                    &mut tx,
                                    existing.id,
                                    name,
                                    self.clock.today(),
                                )
                                .await?
                            }
                            None => false,
                        };
                        self.audit(
                            &mut tx,
                            actor,
                            AuditEvent::ok(
                                "org.update",
                                format!(
                                    "导入更新 {}（{}）：{}{}",
                                    existing.name,
                                    existing.code,
                                    org_changes(&existing, f),
                                    if new_secretary {
                                        format!(
                                            "；书记：{} → {}",
                                            existing.secretary.clone().unwrap_or_default(),
                                            f.secretary.clone().unwrap_or_default()
                                        )
                                    } else {
                                        String::new()
                                    }
                                ),
                            )
                            .on("org", existing.id),
                        )
                        .await?;
                        out.updated += 1;
                    }
                    None => match self
                        .org_create_in(&mut tx, actor, scope, parent, &item.fields)
                        .await
                    {
                        Ok(_) => out.created += 1,
                        Err(StoreError::Invalid { message, .. }) => {
                            out.refused.push((item.row, message))
                        }
                        Err(StoreError::Forbidden) | Err(StoreError::NotFound(_)) => out
                            .refused
                            .push((item.row, "上级组织不在您的管理范围内".into())),
                        Err(e) => return Err(e),
                    },
                }
            }
            if deferred.is_empty() || deferred.len() == before {
                for item in &deferred {
                    out.refused.push((
                        item.row,
                        "上级组织无法建立（上级行有错误或互为上级）".into(),
                    ));
                }
                break;
            }
            pending = deferred;
        }
        out.refused.sort();
        if dry_run || (!out.refused.is_empty() && !accept_valid) {
            drop(tx);
            return Ok(out);
        }
        self.audit(
            &mut tx,
            actor,
            AuditEvent::ok(
                "org.import",
                format!(
                    "导入 {source}：新建 {} 个组织，更新 {} 个，未导入 {} 行",
                    out.created,
                    out.updated,
                    out.refused.len()
                ),
            ),
        )
        .await?;
        tx.commit().await?;
        out.committed = true;
        if let Scope::Subtree { path, .. } = scope {
            self.findings_refresh_subtree(path).await;
        } else {
            self.findings_refresh_all_orgs().await;
        }
        Ok(out)
    }
}

/// How an approval-power setting reads in the audit log.
pub fn power_label(v: Option<bool>) -> &'static str {
    match v {
        None => "按默认",
        Some(true) => "有",
        Some(false) => "无",
    }
}

/// One term of office on record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Term {
    pub term_start: NaiveDate,
    pub term_end: Option<NaiveDate>,
}

impl Store {
    /// Keeps a term in the history: a new start adds a term; the same start updates its end
    /// (an approved postponement).
    pub(crate) async fn term_record(
        tx: &mut crate::Tx,
        org_id: i64,
        start: Option<NaiveDate>,
        end: Option<NaiveDate>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let Some(start) = start else { return Ok(()) };
        on_tx!(tx, |c| {
            sqlx::query(
                "INSERT INTO org_terms (org_id, term_start, term_end, recorded_at) VALUES ($1, \
                    $2, $3, $4) \
                 ON CONFLICT (org_id, term_start) DO UPDATE SET term_end = excluded.term_end, \
                 recorded_at = excluded.recorded_at",
            )
            .bind(org_id)
            .bind(start)
            .bind(end)
            .bind(now)
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }

    /// An organisation's terms, newest first.
    pub async fn org_terms(&self, org_id: i64) -> Result<Vec<Term>> {
        Ok(on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT term_start, term_end FROM org_terms WHERE org_id = $1 ORDER BY \
                term_start DESC",
            )
            .bind(org_id)
            .fetch_all(p)
            .await?
        }))
    }

    /// The term in force on `day` for each organisation that had one: the latest started by then.
    pub(crate) async fn terms_on(&self, day: NaiveDate) -> Result<HashMap<i64, Term>> {
        let rows: Vec<(i64, NaiveDate, Option<NaiveDate>)> = on_db!(&self.db, |p| {
            sqlx::query_as(
                "SELECT org_id, term_start, term_end FROM org_terms WHERE term_start <= $1 ORDER \
                BY org_id, term_start",
            )
            .bind(day)
            .fetch_all(p)
            .await?
        });
        let mut out = HashMap::new();
        for (org, term_start, term_end) in rows {
            out.insert(
                org,
                Term {
                    term_start,
                    term_end,
                },
            );
        }
        Ok(out)
    }
}
