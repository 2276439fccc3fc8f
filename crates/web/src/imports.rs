//! Importing spreadsheets: the one code path behind the command line and the upload page.

use serde::Serialize;
use xianfeng_domain::org::{OrgCode, OrgPath};
use xianfeng_domain::scope::Scope;
use xianfeng_exchange::members::RowError;
use xianfeng_exchange::table::{read_table, Limits};
use xianfeng_store::audit::Actor;
use xianfeng_store::members::ImportItem;
use xianfeng_store::orgs::Org;
use xianfeng_store::{Store, StoreError};

/// The report of an import, as `--format json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub total: usize,
    pub accepted: usize,
    pub rejected: Vec<RowError>,
    pub committed: bool,
    pub created: usize,
    pub updated: usize,
    pub unknown_columns: Vec<String>,
}

impl ImportReport {
    /// Joins the sheet's rejections with the rows the database refused, in row order.
    fn assemble(
        total: usize,
        mut rejected: Vec<RowError>,
        refused_column: &str,
        refused: &[(usize, String)],
        committed: bool,
        (created, updated): (usize, usize),
        unknown_columns: Vec<String>,
    ) -> ImportReport {
        for (row, reason) in refused {
            rejected.push(RowError {
                row: *row,
                column: refused_column.into(),
                reason: reason.clone(),
            });
        }
        rejected.sort_by(|a, b| (a.row, &a.column).cmp(&(b.row, &b.column)));
        let rejected_rows: std::collections::BTreeSet<usize> =
            rejected.iter().map(|e| e.row).collect();
        ImportReport {
            total,
            accepted: total - rejected_rows.len(),
            rejected,
            committed,
            created: if committed { created } else { 0 },
            updated: if committed { updated } else { 0 },
            unknown_columns,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    File(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Options of a member import.
#[derive(Debug, Clone, Default)]
pub struct MemberImport {
    /// The organisation the import works under; rows may name any organisation inside it.
    pub within: Option<String>,
    pub dry_run: bool,
    pub accept_valid: bool,
    /// A name for the audit log (the file name).
    pub source: String,
}

/// Finds the organisation a row names, by code first, then by unique name, inside the subtree.
fn resolve<'a>(orgs: &OrgIndex<'a>, text: &str) -> Result<&'a Org, String> {
    if let Ok(code) = OrgCode::parse(text) {
        if let Some(o) = orgs.by_code.get(code.as_str()) {
            return Ok(o);
        }
    }
    let name: String = text.split_whitespace().collect();
    let named: &[&Org] = orgs
        .by_name
        .get(name.as_str())
        .map_or(&[], |v| v.as_slice());
    match named.len() {
        1 => Ok(named[0]),
        0 => Err(format!("找不到所在党组织“{text}”（请填写组织代码或全称）")),
        n => {
            let codes: Vec<&str> = named.iter().map(|o| o.code.as_str()).collect();
            Err(format!(
                "有 {n} 个组织名为“{text}”（组织代码 {}），请改填其中一个组织代码",
                codes.join("、")
            ))
        }
    }
}

/// Organisations by code and by full name, for the rows of an import to name theirs.
struct OrgIndex<'a> {
    by_code: std::collections::HashMap<&'a str, &'a Org>,
    by_name: std::collections::HashMap<&'a str, Vec<&'a Org>>,
}

impl<'a> OrgIndex<'a> {
    fn new(orgs: &'a [Org]) -> Self {
        let mut by_code = std::collections::HashMap::new();
        let mut by_name: std::collections::HashMap<&str, Vec<&Org>> =
            std::collections::HashMap::new();
        for o in orgs {
            by_code.insert(o.code.as_str(), o);
            by_name.entry(o.name.as_str()).or_default().push(o);
        }
        OrgIndex { by_code, by_name }
    }
}

/// Where an import works: under one organisation (its rows may name any organisation inside
/// it, rows that name none go to it), or over the whole tree when it has several top-level
/// organisations and none was named (every row must name its organisation).
struct ImportRoot {
    org: Option<Org>,
    scope: Scope,
}

impl ImportRoot {
    /// The organisation a row goes to.
    fn place<'a>(&'a self, orgs: &OrgIndex<'a>, named: Option<&str>) -> Result<&'a Org, String> {
        match (named, &self.org) {
            (Some(text), _) => resolve(orgs, text),
            (None, Some(root)) => Ok(root),
            (None, None) => Err(
                "请填写所在党组织（系统中有多个顶层组织，或用 --org 指定导入到哪个组织之下）"
                    .into(),
            ),
        }
    }
}

/// The organisation an import works under: the one named, the only top-level one, or the
/// whole tree when there are several top-level organisations.
async fn import_root(store: &Store, within: Option<&str>) -> Result<ImportRoot, ImportError> {
    let org = match within {
        Some(code) => store
            .org_by_code(&Scope::Structure, code)
            .await
            .map_err(|_| ImportError::File(format!("找不到组织代码 {code}")))?,
        None => {
            let mut roots = store.org_roots(&Scope::Structure).await?;
            match roots.len() {
                0 => {
                    return Err(ImportError::File(
                        "还没有建立任何组织，请先建立组织架构".into(),
                    ))
                }
                1 => roots.remove(0).org,
                _ => {
                    return Ok(ImportRoot {
                        org: None,
                        scope: Scope::whole_tree(),
                    })
                }
            }
        }
    };
    Ok(ImportRoot {
        scope: Scope::Subtree {
            root_id: org.id,
            path: OrgPath::from_stored(org.path.clone()),
            write: true,
        },
        org: Some(org),
    })
}

/// Reads, checks and (unless told otherwise) commits a member roster file.
pub async fn import_members(
    store: &Store,
    actor: &Actor,
    bytes: &[u8],
    opts: &MemberImport,
) -> Result<ImportReport, ImportError> {
    // Row by row: only the checked records are kept, not the sheet.
    let sheet = xianfeng_exchange::members::read_members_file(
        bytes,
        Limits::default(),
        store.clock.today(),
    )
    .map_err(|e| ImportError::File(e.to_string()))?;
    let root = import_root(store, opts.within.as_deref()).await?;
    let scope = root.scope.clone();
    let orgs = store.org_all(&scope).await?;
    let orgs = OrgIndex::new(&orgs);
    let mut rejected = sheet.rejected.clone();
    let mut items = Vec::new();
    for row in &sheet.accepted {
        match root.place(&orgs, row.org.as_deref()) {
            Ok(o) => items.push(ImportItem {
                row: row.row,
                org_id: o.id,
                fields: row.fields.clone(),
            }),
            Err(reason) => rejected.push(RowError {
                row: row.row,
                column: "所在党组织".into(),
                reason,
            }),
        }
    }
    let commit_wanted = !opts.dry_run && (rejected.is_empty() || opts.accept_valid);
    let outcome = store
        .members_import(
            actor,
            &scope,
            &items,
            &opts.source,
            opts.accept_valid && !opts.dry_run,
            !commit_wanted,
        )
        .await?;
    Ok(ImportReport::assemble(
        sheet.total,
        rejected,
        "所在党组织",
        &outcome.refused,
        outcome.committed,
        (outcome.created, outcome.updated),
        sheet.unknown_columns,
    ))
}

/// Options of an organisation import.
#[derive(Debug, Clone, Default)]
pub struct OrgImport {
    /// Rows without a parent code go under this organisation (code); otherwise to the top level.
    pub within: Option<String>,
    pub dry_run: bool,
    pub accept_valid: bool,
    pub source: String,
}

/// Reads, checks and (unless told otherwise) commits an organisation sheet.
pub async fn import_orgs(
    store: &Store,
    actor: &Actor,
    scope: &Scope,
    bytes: &[u8],
    opts: &OrgImport,
) -> Result<ImportReport, ImportError> {
    let table =
        read_table(bytes, Limits::default()).map_err(|e| ImportError::File(e.to_string()))?;
    let sheet = xianfeng_exchange::orgs::read_orgs(&table, store.clock.today())
        .map_err(|e| ImportError::File(e.to_string()))?;
    let within = match &opts.within {
        Some(code) => Some(
            store
                .org_by_code(&Scope::Structure, code)
                .await
                .map_err(|_| ImportError::File(format!("找不到组织代码 {code}")))?
                .id,
        ),
        None => None,
    };
    let items: Vec<xianfeng_store::orgs::OrgImportItem> = sheet
        .accepted
        .iter()
        .map(|r| xianfeng_store::orgs::OrgImportItem {
            row: r.row,
            parent_code: r.parent_code.clone(),
            fields: xianfeng_store::orgs::OrgFields {
                code: r.code.clone(),
                name: r.name.clone(),
                org_type: r.org_type,
                sector: r.sector,
                founded_on: r.founded_on,
                secretary: r.secretary.clone(),
                term_start: None,
                term_end: None,
                contact_phone: None,
                approval_power: None,
            },
        })
        .collect();
    let rejected = sheet.rejected.clone();
    let commit_wanted = !opts.dry_run && (rejected.is_empty() || opts.accept_valid);
    let outcome = store
        .orgs_import(
            actor,
            scope,
            within,
            &items,
            &opts.source,
            opts.accept_valid && !opts.dry_run,
            !commit_wanted,
        )
        .await?;
    Ok(ImportReport::assemble(
        sheet.total,
        rejected,
        "组织",
        &outcome.refused,
        outcome.committed,
        (outcome.created, outcome.updated),
        sheet.unknown_columns,
    ))
}

/// Options of a development-file import.
#[derive(Debug, Clone, Default)]
pub struct DevImport {
    pub within: Option<String>,
    pub dry_run: bool,
}

/// Reads, checks and commits a development sheet, all or nothing: any unreadable row stops
/// the whole import. Rules broken in the file are not errors here; the check reports them.
pub async fn import_development(
    store: &Store,
    actor: &Actor,
    bytes: &[u8],
    opts: &DevImport,
) -> Result<ImportReport, ImportError> {
    let table =
        read_table(bytes, Limits::default()).map_err(|e| ImportError::File(e.to_string()))?;
    let sheet = xianfeng_exchange::development::read_development(&table, store.clock.today())
        .map_err(|e| ImportError::File(e.to_string()))?;
    let root = import_root(store, opts.within.as_deref()).await?;
    let scope = root.scope.clone();
    let orgs = store.org_all(&scope).await?;
    let orgs = OrgIndex::new(&orgs);
    // Approving organisations sit above the branch, possibly above the import's root.
    let everything: std::collections::HashMap<i64, Org> = store
        .org_all(&Scope::Structure)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let mut rejected = sheet.rejected.clone();
    let mut items = Vec::new();
    for row in &sheet.accepted {
        let branch = match root.place(&orgs, Some(&row.org)) {
            Ok(o) => o,
            Err(reason) => {
                rejected.push(RowError {
                    row: row.row,
                    column: "所在党组织".into(),
                    reason,
                });
                continue;
            }
        };
        let above: Vec<Org> = branch
            .org_path()
            .ids()
            .into_iter()
            .filter(|id| *id != branch.id)
            .filter_map(|id| everything.get(&id).cloned())
            .collect();
        let mut approver = |column: &str, text: &Option<String>| -> Option<i64> {
            let t = text.as_deref()?;
            match resolve(&OrgIndex::new(&above), t) {
                Ok(o) => Some(o.id),
                Err(_) => {
                    rejected.push(RowError {
                        row: row.row,
                        column: column.into(),
                        reason: format!(
                            "“{t}”不是{}的上级组织（请填写审批党委的组织代码或全称）",
                            branch.name
                        ),
                    });
                    None
                }
            }
        };
        let approval_org_id = approver("审批组织", &row.approval_org);
        let conversion_approval_org_id = approver("转正审批组织", &row.conversion_approval_org);
        items.push(xianfeng_store::development::DevImportItem {
            row: row.row,
            name: row.name.clone(),
            id_number: row.id_number.clone(),
            org_id: branch.id,
            file: row.file.clone(),
            contacts: row.contacts.clone(),
            introducers: row.introducers.clone(),
            approval_org_id,
            conversion_approval_org_id,
        });
    }
    let dry_run = opts.dry_run || !rejected.is_empty();
    let outcome = store.dev_import(actor, &scope, &items, dry_run).await?;
    let committed = !dry_run && outcome.errors.is_empty();
    Ok(ImportReport::assemble(
        sheet.total,
        rejected,
        "所在党组织",
        &outcome.errors,
        committed,
        (outcome.created, outcome.updated),
        sheet.unknown_columns,
    ))
}

/// Options of an import of past meetings.
#[derive(Debug, Clone, Default)]
pub struct MeetingImport {
    pub within: Option<String>,
    pub dry_run: bool,
    pub source: String,
}

/// Reads, checks and commits a sheet of past meetings, all or nothing. Rows without an
/// organisation go to the organisation imported under; a row may name a party group, which
/// places a 党小组会 in the group's branch.
pub async fn import_meetings(
    store: &Store,
    actor: &Actor,
    bytes: &[u8],
    opts: &MeetingImport,
) -> Result<ImportReport, ImportError> {
    let table =
        read_table(bytes, Limits::default()).map_err(|e| ImportError::File(e.to_string()))?;
    let cfg = store.life_config().await?;
    let sheet = xianfeng_exchange::meetings::read_meetings(&table, store.clock.today(), &cfg)
        .map_err(|e| ImportError::File(e.to_string()))?;
    let root = import_root(store, opts.within.as_deref()).await?;
    let scope = root.scope.clone();
    let orgs = store.org_all(&scope).await?;
    let index = OrgIndex::new(&orgs);
    let mut rejected = sheet.rejected.clone();
    let mut items = Vec::new();
    for row in &sheet.accepted {
        let mut org = match root.place(&index, row.org.as_deref()) {
            Ok(o) => o,
            Err(reason) => {
                rejected.push(RowError {
                    row: row.row,
                    column: "所在党组织".into(),
                    reason,
                });
                continue;
            }
        };
        let mut group_id = None;
        // A row that names a party group as its organisation holds a group meeting.
        if org.kind() == Some(xianfeng_domain::org::OrgType::PartyGroup) {
            if let Some(parent) = orgs.iter().find(|o| Some(o.id) == org.parent_id) {
                group_id = Some(org.id);
                org = parent;
            }
        }
        if let Some(g) = &row.group {
            let name: String = g.split_whitespace().collect();
            let found: Vec<&Org> = orgs
                .iter()
                .filter(|o| o.parent_id == Some(org.id) && (o.name == name || o.code == name))
                .collect();
            match found.as_slice() {
                [one] => group_id = Some(one.id),
                _ => {
                    rejected.push(RowError {
                        row: row.row,
                        column: "党小组".into(),
                        reason: format!("{}下没有名为“{g}”的党小组", org.name),
                    });
                    continue;
                }
            }
        }
        items.push(xianfeng_store::meetings::MeetingImportItem {
            row: row.row,
            org_id: org.id,
            group_id,
            kind: row.kind.clone(),
            date: row.date,
            topic: row.topic.clone(),
            place: row.place.clone(),
            expected: row.expected,
            present: row.present,
            leave: row.leave,
            minutes: row.minutes.clone(),
        });
    }
    let dry_run = opts.dry_run || !rejected.is_empty();
    let outcome = store
        .meetings_import(actor, &scope, &items, &opts.source, dry_run)
        .await?;
    let committed = !dry_run && outcome.errors.is_empty();
    Ok(ImportReport::assemble(
        sheet.total,
        rejected,
        "整行",
        &outcome.errors,
        committed,
        (outcome.created, 0),
        sheet.unknown_columns,
    ))
}
