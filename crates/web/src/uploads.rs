//! The upload pages: a roster, organisation, development or meeting sheet is checked first (nothing written),
//! the report shown, and only then, on confirmation, imported — by the same code as
//! `xianfeng import members` / `xianfeng import orgs`.

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use xianfeng_domain::scope::{Role, Scope};
use xianfeng_exchange::export::{xlsx, Out, Sheet};
use xianfeng_store::audit::AuditEvent;
use xianfeng_store::orgs::Org;

use crate::error::{AppError, PageResult};
use crate::extract::{Form, Path, Query};
use crate::imports::{
    import_members, import_orgs, ImportError, ImportReport, MemberImport, OrgImport,
};
use crate::page::{redirect_with, render, PageCtx};
use crate::routes::Routes;
use crate::session::Auth;
use crate::widgets::download::download;
use crate::AppState;

const MAX_UPLOAD: usize = 20 * 1024 * 1024;

pub fn router() -> Routes {
    Routes::new()
        .route(
            "/imports/{kind}",
            &["GET", "POST"],
            get(page)
                .post(check)
                .layer(DefaultBodyLimit::max(MAX_UPLOAD + 64 * 1024)),
        )
        .post("/imports/{kind}/commit", commit)
        .get("/imports/{kind}/template.xlsx", template)
        .get("/imports/{kind}/errors.xlsx", errors_xlsx)
}

/// Which sheet an upload page imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Members,
    Orgs,
    /// Development files (发展党员台账), all or nothing.
    Development,
    /// Past meetings (历史会议), all or nothing.
    Meetings,
}

impl Kind {
    fn parse(s: &str) -> Result<Kind, AppError> {
        match s {
            "members" => Ok(Kind::Members),
            "orgs" => Ok(Kind::Orgs),
            "development" => Ok(Kind::Development),
            "meetings" => Ok(Kind::Meetings),
            _ => Err(AppError::NotFound("页面不存在".into())),
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Kind::Members => "members",
            Kind::Orgs => "orgs",
            Kind::Development => "development",
            Kind::Meetings => "meetings",
        }
    }
    pub fn title(self) -> &'static str {
        match self {
            Kind::Members => "导入党员名册",
            Kind::Orgs => "导入组织",
            Kind::Development => "导入发展党员台账",
            Kind::Meetings => "导入历史会议",
        }
    }
    fn nav(self) -> &'static str {
        match self {
            Kind::Members => "/members",
            Kind::Orgs => "/orgs",
            Kind::Development => "/development",
            Kind::Meetings => "/meetings",
        }
    }
    /// How a count of accepted rows is read: “确认导入 12 人”.
    pub fn unit(self) -> &'static str {
        match self {
            Kind::Members => "人",
            Kind::Orgs => "个组织",
            Kind::Development => "份档案",
            Kind::Meetings => "次会议",
        }
    }
}

/// Where the rows go: for people an organisation is required; organisations may also go to
/// the top level (system administrator).
async fn target(
    state: &AppState,
    auth: &Auth,
    kind: Kind,
    id: Option<i64>,
) -> Result<Option<Org>, AppError> {
    match (kind, &auth.scope) {
        (Kind::Orgs, Scope::Structure) => {
            auth.require(&[Role::SystemAdmin])?;
            match id {
                Some(id) => Ok(Some(state.store.org_get(&auth.scope, id).await?)),
                None => Ok(None),
            }
        }
        (_, Scope::Subtree { root_id, .. }) => {
            auth.require(&[Role::OrgAdmin])?;
            let org = state
                .store
                .org_get(&auth.scope, id.unwrap_or(*root_id))
                .await?;
            let allowed = match kind {
                Kind::Members | Kind::Development => auth.scope.may_write_member(&org.org_path()),
                Kind::Orgs | Kind::Meetings => auth.scope.may_write_org(&org.org_path()),
            };
            if !allowed {
                return Err(AppError::Forbidden);
            }
            Ok(Some(org))
        }
        _ => Err(AppError::Forbidden),
    }
}

/// Runs the import of `kind` with the shared command-line code.
#[allow(clippy::too_many_arguments)]
async fn run(
    state: &AppState,
    auth: &Auth,
    kind: Kind,
    org: Option<&Org>,
    bytes: &[u8],
    dry_run: bool,
    accept_valid: bool,
    source: &str,
) -> Result<ImportReport, ImportError> {
    let within = org.map(|o| o.code.clone());
    match kind {
        Kind::Members => {
            let opts = MemberImport {
                within,
                dry_run,
                accept_valid,
                source: source.to_string(),
            };
            import_members(&state.store, &auth.actor(), bytes, &opts).await
        }
        Kind::Orgs => {
            let opts = OrgImport {
                within,
                dry_run,
                accept_valid,
                source: source.to_string(),
            };
            import_orgs(&state.store, &auth.actor(), &auth.scope, bytes, &opts).await
        }
        Kind::Development => {
            let opts = crate::imports::DevImport { within, dry_run };
            crate::imports::import_development(&state.store, &auth.actor(), bytes, &opts).await
        }
        Kind::Meetings => {
            let opts = crate::imports::MeetingImport {
                within,
                dry_run,
                source: source.to_string(),
            };
            crate::imports::import_meetings(&state.store, &auth.actor(), bytes, &opts).await
        }
    }
}

/// An import that could not run at all: an unreadable file is the user's to fix.
fn page_error(e: ImportError) -> AppError {
    match e {
        ImportError::File(m) => AppError::Invalid(m),
        ImportError::Store(e) => e.into(),
    }
}

#[derive(Deserialize, Default)]
struct PageQuery {
    org: Option<i64>,
}

#[derive(Template)]
#[template(path = "imports/upload.html")]
struct UploadPage {
    ctx: PageCtx,
    kind: Kind,
    org: Option<Org>,
    report: Option<ImportReport>,
    token: String,
    file_name: String,
    error: Option<String>,
}

impl UploadPage {
    fn org_id(&self) -> String {
        self.org
            .as_ref()
            .map(|o| o.id.to_string())
            .unwrap_or_default()
    }
    fn back(&self) -> String {
        match (&self.kind, &self.org) {
            (Kind::Members, Some(o)) => format!("/members?org={}", o.id),
            (Kind::Orgs, Some(o)) => format!("/orgs/{}", o.id),
            (Kind::Development, Some(o)) => format!("/development?org={}", o.id),
            (Kind::Meetings, Some(o)) => format!("/meetings?org={}", o.id),
            (k, None) => k.nav().to_string(),
        }
    }
}

fn blank(ctx: PageCtx, kind: Kind, org: Option<Org>) -> UploadPage {
    UploadPage {
        ctx,
        kind,
        org,
        report: None,
        token: String::new(),
        file_name: String::new(),
        error: None,
    }
}

async fn page(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(kind): Path<String>,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let kind = Kind::parse(&kind)?;
    let org = target(&state, &auth, kind, q.org).await?;
    let ctx = PageCtx::new(&auth, &headers, kind.nav(), kind.title());
    let had = ctx.flash.is_some();
    render(&blank(ctx, kind, org), had)
}

/// Receives the file, checks it without writing, and keeps it for the confirmation.
async fn check(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(kind): Path<String>,
    mut form: Multipart,
) -> PageResult {
    let kind = Kind::parse(&kind)?;
    let mut org_id = None;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|_| AppError::Invalid("上传失败：文件过大（上限 20 MB）或传输中断".into()))?
    {
        match field.name() {
            Some("org") => {
                org_id = field
                    .text()
                    .await
                    .ok()
                    .and_then(|t| t.trim().parse::<i64>().ok())
            }
            Some("file") => {
                let name = field
                    .file_name()
                    .unwrap_or("upload")
                    .chars()
                    .take(100)
                    .collect::<String>();
                let bytes = field.bytes().await.map_err(|_| {
                    AppError::Invalid("上传失败：文件过大（上限 20 MB）或传输中断".into())
                })?;
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    let org = target(&state, &auth, kind, org_id).await?;
    let ctx = PageCtx::new(&auth, &headers, kind.nav(), kind.title());
    let mut page = blank(ctx, kind, org);
    let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        page.error = Some("请选择要导入的文件".into());
        return render(&page, false);
    };
    page.file_name = file_name.clone();
    match run(
        &state,
        &auth,
        kind,
        page.org.as_ref(),
        &bytes,
        true,
        false,
        &file_name,
    )
    .await
    {
        Ok(report) => {
            let mut ev = AuditEvent::ok(
                match kind {
                    Kind::Orgs => "org.import_check",
                    Kind::Meetings => "meeting.import_check",
                    _ => "member.import_check",
                },
                format!(
                    "检查导入文件 {file_name}：{} 行，出错 {} 行",
                    report.total,
                    report.total - report.accepted
                ),
            );
            if let Some(o) = &page.org {
                ev = ev.on("org", o.id);
            }
            state.store.audit_now(&auth.actor(), ev).await?;
            page.token = state
                .store
                .stash_put(auth.account.id, kind.code(), &file_name, &bytes)
                .await?;
            page.report = Some(report);
            render(&page, false)
        }
        Err(ImportError::File(message)) => {
            page.error = Some(message);
            render(&page, false)
        }
        Err(ImportError::Store(e)) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct CommitForm {
    token: String,
    #[serde(default)]
    org: Option<String>,
    #[serde(default)]
    accept_valid: Option<String>,
}

fn org_param(s: &Option<String>) -> Option<i64> {
    s.as_deref().and_then(|v| v.trim().parse().ok())
}

async fn commit(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(kind): Path<String>,
    Form(f): Form<CommitForm>,
) -> PageResult {
    let kind = Kind::parse(&kind)?;
    let org = target(&state, &auth, kind, org_param(&f.org)).await?;
    let here = format!(
        "/imports/{}{}",
        kind.code(),
        org.as_ref()
            .map(|o| format!("?org={}", o.id))
            .unwrap_or_default()
    );
    let Some((file_name, bytes)) = state
        .store
        .stash_take(auth.account.id, kind.code(), &f.token)
        .await?
    else {
        return Ok(redirect_with(
            &here,
            "error",
            "上传的文件已过期（超过 1 小时），请重新上传",
        ));
    };
    let accept_valid = f.accept_valid.is_some();
    let report = run(
        &state,
        &auth,
        kind,
        org.as_ref(),
        &bytes,
        false,
        accept_valid,
        &file_name,
    )
    .await
    .map_err(page_error)?;
    let ctx = PageCtx::new(&auth, &headers, kind.nav(), kind.title());
    let mut page = blank(ctx, kind, org);
    if report.committed {
        state.store.stash_drop(&f.token).await?;
        let unit = kind.unit();
        return Ok(redirect_with(
            &page.back(),
            "ok",
            &format!(
                "已导入 {file_name}：新增 {} {unit}{}{}",
                report.created,
                if kind == Kind::Meetings {
                    String::new()
                } else {
                    format!("，更新 {} {unit}", report.updated)
                },
                if report.rejected.is_empty() {
                    String::new()
                } else {
                    format!("，{} 行出错未导入", report.total - report.accepted)
                }
            ),
        ));
    }
    page.report = Some(report);
    page.token = f.token;
    page.file_name = file_name;
    page.error = Some("文件中有出错的行，未写入任何数据".into());
    render(&page, false)
}

#[derive(Deserialize)]
struct ErrorsQuery {
    token: String,
    #[serde(default)]
    org: Option<String>,
}

/// The checked file back as a workbook with a 错误说明 column beside every refused row.
async fn errors_xlsx(
    State(state): State<AppState>,
    auth: Auth,
    Path(kind): Path<String>,
    Query(q): Query<ErrorsQuery>,
) -> PageResult {
    let kind = Kind::parse(&kind)?;
    let org = target(&state, &auth, kind, org_param(&q.org)).await?;
    let Some((file_name, bytes)) = state
        .store
        .stash_take(auth.account.id, kind.code(), &q.token)
        .await?
    else {
        return Err(AppError::NotFound(
            "上传的文件已过期（超过 1 小时）或已导入，请重新上传检查".into(),
        ));
    };
    let report = run(
        &state,
        &auth,
        kind,
        org.as_ref(),
        &bytes,
        true,
        false,
        &file_name,
    )
    .await
    .map_err(page_error)?;
    let table =
        xianfeng_exchange::table::read_table(&bytes, xianfeng_exchange::table::Limits::default())
            .map_err(|e| AppError::Invalid(e.to_string()))?;
    let today = state.store.clock.today();
    let header_row = match kind {
        Kind::Members => xianfeng_exchange::members::read_members(&table, today)
            .map(|s| s.header_row)
            .unwrap_or(1),
        Kind::Orgs => xianfeng_exchange::orgs::read_orgs(&table, today)
            .map(|s| s.header_row)
            .unwrap_or(1),
        Kind::Development => xianfeng_exchange::development::read_development(&table, today)
            .map(|s| s.header_row)
            .unwrap_or(1),
        Kind::Meetings => {
            let cfg = state.store.life_config().await?;
            xianfeng_exchange::meetings::read_meetings(&table, today, &cfg)
                .map(|s| s.header_row)
                .unwrap_or(1)
        }
    };
    let errors: Vec<(usize, String)> = report
        .rejected
        .iter()
        .map(|e| {
            (
                e.row,
                if e.column.is_empty() {
                    e.reason.clone()
                } else {
                    format!("{}：{}", e.column, e.reason)
                },
            )
        })
        .collect();
    let out = xianfeng_exchange::export::error_report_xlsx(&table, header_row, &errors)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let stem = file_name
        .rsplit_once('.')
        .map(|(s, _)| s)
        .unwrap_or(&file_name);
    Ok(xlsx_download(out, &format!("{stem}_错误报告.xlsx")))
}

fn xlsx_download(bytes: Vec<u8>, name: &str) -> Response {
    download(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        name,
    )
}

/// A blank sheet to fill in, with the headings the importer reads and one example row.
async fn template(
    State(state): State<AppState>,
    auth: Auth,
    Path(kind): Path<String>,
) -> PageResult {
    let kind = Kind::parse(&kind)?;
    let (name, headings, example): (&str, &[&str], Vec<&str>) = match kind {
        Kind::Members => {
            auth.require(&[Role::OrgAdmin, Role::OrgViewer])?;
            (
                "党员名册",
                &[
                    "姓名",
                    "公民身份号码",
                    "性别",
                    "民族",
                    "出生日期",
                    "学历",
                    "人员类别",
                    "政治面貌",
                    "申请入党日期",
                    "确定积极分子日期",
                    "确定发展对象日期",
                    "入党日期",
                    "转正日期",
                    "所在党组织",
                    "联系电话",
                    "工作单位",
                    "职务",
                ],
                vec![
                    "张三",
                    "（18位，末位可为X）",
                    "男",
                    "汉族",
                    "1980-05-01",
                    "大学本科",
                    "在职",
                    "中共党员",
                    "2001-03-01",
                    "2001-09-01",
                    "2002-03-01",
                    "2002-07-01",
                    "2003-07-01",
                    "组织代码或全称",
                    "13800138000",
                    "某某单位",
                    "科员",
                ],
            )
        }
        Kind::Development => {
            auth.require(&[Role::OrgAdmin, Role::OrgViewer])?;
            (
                "发展党员台账",
                &xianfeng_exchange::development::TEMPLATE_HEADINGS,
                xianfeng_exchange::development::TEMPLATE_EXAMPLE.to_vec(),
            )
        }
        Kind::Meetings => {
            auth.require(&[Role::OrgAdmin, Role::OrgViewer])?;
            (
                "历史会议",
                &xianfeng_exchange::meetings::TEMPLATE_HEADINGS,
                xianfeng_exchange::meetings::TEMPLATE_EXAMPLE.to_vec(),
            )
        }
        Kind::Orgs => {
            auth.require(&[Role::OrgAdmin, Role::SystemAdmin])?;
            (
                "组织",
                &[
                    "组织名称",
                    "组织代码",
                    "组织类别",
                    "上级组织代码",
                    "所属领域",
                    "成立日期",
                ],
                vec![
                    "第一党支部",
                    "XF-01-001",
                    "党支部",
                    "XF-01",
                    "农村",
                    "2010-07-01",
                ],
            )
        }
    };
    let example = vec![example.into_iter().map(Out::text).collect::<Vec<_>>()];
    let title = format!("{name}（导入模板，第 4 行为示例，导入前请删除）");
    let bytes = xlsx(&Sheet {
        name,
        title: &title,
        as_of: state.store.clock.today(),
        headings,
        rows: &example,
    })
    .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(xlsx_download(bytes, &format!("{name}导入模板.xlsx")).into_response())
}
