//! The upload page: a roster file is checked first (nothing written), the report shown, and
//! only then, on confirmation, imported — by the same code as `xianfeng import members`.

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use xianfeng_domain::scope::{Role, Scope};
use xianfeng_exchange::export::{xlsx, Out, Sheet};
use xianfeng_store::audit::AuditEvent;
use xianfeng_store::orgs::Org;

use crate::auth::Auth;
use crate::error::{AppError, PageResult};
use crate::extract::{Form, Query};
use crate::imports::{import_members, ImportError, ImportReport, MemberImport};
use crate::page::{redirect_with, render, PageCtx};
use crate::AppState;

const MAX_UPLOAD: usize = 20 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/imports/members",
            get(page)
                .post(check)
                .layer(DefaultBodyLimit::max(MAX_UPLOAD + 64 * 1024)),
        )
        .route("/imports/members/commit", post(commit))
        .route("/imports/members/template.xlsx", get(template))
        .route("/imports/members/errors.xlsx", get(errors_xlsx))
}

#[derive(Deserialize)]
struct ErrorsQuery {
    token: String,
    org: i64,
}

/// The checked file back as a workbook with a 错误说明 column beside every refused row.
async fn errors_xlsx(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ErrorsQuery>,
) -> PageResult {
    let org = target_org(&state, &auth, Some(q.org)).await?;
    let Some((file_name, bytes)) = state
        .store
        .stash_take(auth.account.id, "members", &q.token)
        .await?
    else {
        return Err(AppError::NotFound(
            "上传的文件已过期（超过 1 小时）或已导入，请重新上传检查".into(),
        ));
    };
    let opts = MemberImport {
        within: Some(org.code.clone()),
        dry_run: true,
        accept_valid: false,
        source: file_name.clone(),
    };
    let report = match import_members(&state.store, &auth.actor(), &bytes, &opts).await {
        Ok(r) => r,
        Err(ImportError::File(m)) => return Err(AppError::Invalid(m)),
        Err(ImportError::Store(e)) => return Err(e.into()),
    };
    let table =
        xianfeng_exchange::table::read_table(&bytes, xianfeng_exchange::table::Limits::default())
            .map_err(|e| AppError::Invalid(e.to_string()))?;
    let header_row = xianfeng_exchange::members::read_members(&table, state.store.clock.today())
        .map(|s| s.header_row)
        .unwrap_or(1);
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
    Ok(crate::members::download(
        out,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{stem}_错误报告.xlsx"),
    ))
}

#[derive(Deserialize, Default)]
struct PageQuery {
    org: Option<i64>,
}

#[derive(Template)]
#[template(path = "imports/members.html")]
struct UploadPage {
    ctx: PageCtx,
    org: Org,
    report: Option<ImportReport>,
    token: String,
    file_name: String,
    error: Option<String>,
}

async fn target_org(state: &AppState, auth: &Auth, id: Option<i64>) -> Result<Org, AppError> {
    auth.require(&[Role::OrgAdmin])?;
    let root = match &auth.scope {
        Scope::Subtree { root_id, .. } => *root_id,
        _ => return Err(AppError::Forbidden),
    };
    let org = state.store.org_get(&auth.scope, id.unwrap_or(root)).await?;
    if !auth.scope.may_write_member(&org.org_path()) {
        return Err(AppError::Forbidden);
    }
    Ok(org)
}

async fn page(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let org = target_org(&state, &auth, q.org).await?;
    let ctx = PageCtx::new(&auth, &headers, "/members", "导入党员名册");
    let had = ctx.flash.is_some();
    render(
        &UploadPage {
            ctx,
            org,
            report: None,
            token: String::new(),
            file_name: String::new(),
            error: None,
        },
        had,
    )
}

/// Receives the file, checks it without writing, and keeps it for the confirmation.
async fn check(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    mut form: Multipart,
) -> PageResult {
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
    let org = target_org(&state, &auth, org_id).await?;
    let ctx = PageCtx::new(&auth, &headers, "/members", "导入党员名册");
    let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return render(
            &UploadPage {
                ctx,
                org,
                report: None,
                token: String::new(),
                file_name: String::new(),
                error: Some("请选择要导入的文件".into()),
            },
            false,
        );
    };
    let opts = MemberImport {
        within: Some(org.code.clone()),
        dry_run: true,
        accept_valid: false,
        source: file_name.clone(),
    };
    match import_members(&state.store, &auth.actor(), &bytes, &opts).await {
        Ok(report) => {
            state
                .store
                .audit_now(
                    &auth.actor(),
                    AuditEvent::ok(
                        "member.import_check",
                        format!(
                            "检查导入文件 {file_name}：{} 行，出错 {} 行",
                            report.total,
                            report.total - report.accepted
                        ),
                    )
                    .on("org", org.id),
                )
                .await?;
            let token = state
                .store
                .stash_put(auth.account.id, "members", &file_name, &bytes)
                .await?;
            render(
                &UploadPage {
                    ctx,
                    org,
                    report: Some(report),
                    token,
                    file_name,
                    error: None,
                },
                false,
            )
        }
        Err(ImportError::File(message)) => render(
            &UploadPage {
                ctx,
                org,
                report: None,
                token: String::new(),
                file_name,
                error: Some(message),
            },
            false,
        ),
        Err(ImportError::Store(e)) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct CommitForm {
    token: String,
    org: i64,
    #[serde(default)]
    accept_valid: Option<String>,
}

async fn commit(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Form(f): Form<CommitForm>,
) -> PageResult {
    let org = target_org(&state, &auth, Some(f.org)).await?;
    let Some((file_name, bytes)) = state
        .store
        .stash_take(auth.account.id, "members", &f.token)
        .await?
    else {
        return Ok(redirect_with(
            &format!("/imports/members?org={}", org.id),
            "error",
            "上传的文件已过期（超过 1 小时），请重新上传",
        ));
    };
    let opts = MemberImport {
        within: Some(org.code.clone()),
        dry_run: false,
        accept_valid: f.accept_valid.is_some(),
        source: file_name.clone(),
    };
    let report = match import_members(&state.store, &auth.actor(), &bytes, &opts).await {
        Ok(r) => r,
        Err(ImportError::File(m)) => return Err(AppError::Invalid(m)),
        Err(ImportError::Store(e)) => return Err(e.into()),
    };
    if report.committed {
        state.store.stash_drop(&f.token).await?;
        return Ok(redirect_with(
            &format!("/members?org={}", org.id),
            "ok",
            &format!(
                "已导入 {file_name}：新增 {} 人，更新 {} 人{}",
                report.created,
                report.updated,
                if report.rejected.is_empty() {
                    String::new()
                } else {
                    format!("，{} 行出错未导入", report.total - report.accepted)
                }
            ),
        ));
    }
    let ctx = PageCtx::new(&auth, &headers, "/members", "导入党员名册");
    render(
        &UploadPage {
            ctx,
            org,
            report: Some(report),
            token: f.token,
            file_name,
            error: Some("文件中有出错的行，未写入任何数据".into()),
        },
        false,
    )
}

/// A blank roster to fill in, with the headings the importer reads.
async fn template(State(state): State<AppState>, auth: Auth) -> PageResult {
    auth.require(&[Role::OrgAdmin, Role::OrgViewer])?;
    let headings = [
        "姓名",
        "公民身份号码",
        "性别",
        "民族",
        "出生日期",
        "学历",
        "人员类别",
        "政治面貌",
        "申请入党日期",
        "入党日期",
        "转正日期",
        "所在党组织",
        "联系电话",
        "工作单位",
        "职务",
    ];
    let example = vec![vec![
        Out::text("张三"),
        Out::text("（18位，末位可为X）"),
        Out::text("男"),
        Out::text("汉族"),
        Out::text("1980-05-01"),
        Out::text("大学本科"),
        Out::text("在职"),
        Out::text("中共党员"),
        Out::text("2001-03-01"),
        Out::text("2002-07-01"),
        Out::text("2003-07-01"),
        Out::text("组织代码或全称"),
        Out::text("13800138000"),
        Out::text("某某单位"),
        Out::text("科员"),
    ]];
    let bytes = xlsx(&Sheet {
        name: "党员名册",
        title: "党员名册（导入模板，第 4 行为示例，导入前请删除）",
        as_of: state.store.clock.today(),
        headings: &headings,
        rows: &example,
    })
    .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (axum::http::header::CONTENT_DISPOSITION, "attachment; filename=\"roster-template.xlsx\"; filename*=UTF-8''%E5%85%9A%E5%91%98%E5%90%8D%E5%86%8C%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"),
        ],
        bytes,
    )
        .into_response())
}
