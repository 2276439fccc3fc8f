//! Development of party members (发展党员): the pipeline of a subtree by status, and each
//! person's development file with its assessments, contacts and introducers.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Deserialize;
use xianfeng_domain::dates::parse_date;
use xianfeng_domain::development::{SponsorRole, Step, SPONSOR_NOT_ON_ROSTER, STAGES};
use xianfeng_domain::members::MemberStatus;
use xianfeng_domain::scope::{Role, Scope};
use xianfeng_store::development::{DevInput, DevRecord, PipelineRow};
use xianfeng_store::orgs::Org;
use xianfeng_store::{Page, PageReq, StoreError};

use crate::error::{AppError, PageResult};
use crate::extract::{Form, Path, Query};
use crate::forms::{clean_param, query, Errors};
use crate::page::{page_numbers, redirect_with, render, PageCtx};
use crate::routes::Routes;
use crate::session::Auth;
use crate::widgets::findings::FindingView;
use crate::widgets::target::target_org;
use crate::widgets::tree::{tree, Tree};
use crate::AppState;

pub fn router() -> Routes {
    Routes::new()
        .get("/development", pipeline)
        .get("/members/{id}/development", file_page)
        .post("/members/{id}/development", file_save)
        .post("/members/{id}/development/assessment", assessment_add)
        .post("/members/{id}/development/sponsor", sponsor_add)
        .post(
            "/members/{id}/development/sponsor/{sid}/remove",
            sponsor_remove,
        )
}

const READ_ROLES: &[Role] = &[Role::OrgAdmin, Role::OrgViewer];

#[derive(Deserialize, Default)]
pub struct PipelineQuery {
    org: Option<i64>,
    status: Option<String>,
    page: Option<u32>,
}

#[derive(Template)]
#[template(path = "compliance/pipeline.html")]
struct PipelinePage {
    ctx: PageCtx,
    tree: Tree,
    org: Org,
    status: MemberStatus,
    statuses: Vec<MemberStatus>,
    results: Page<PipelineRow>,
    pages: Vec<Option<u32>>,
    base_query: String,
    can_write: bool,
}

impl PipelinePage {
    fn since_label(&self) -> &'static str {
        match self.status {
            MemberStatus::Applicant => "申请入党日期",
            MemberStatus::Activist => "确定积极分子日期",
            MemberStatus::Candidate => "确定发展对象日期",
            _ => "入党日期",
        }
    }
}

async fn pipeline(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<PipelineQuery>,
) -> PageResult {
    let org = target_org(&state, &auth, q.org).await?;
    let status = clean_param(&q.status)
        .and_then(|s| MemberStatus::parse(&s))
        .filter(|s| *s != MemberStatus::Full)
        .unwrap_or(MemberStatus::Activist);
    let scope = Scope::Subtree {
        root_id: org.id,
        path: org.org_path(),
        write: false,
    };
    let results = state
        .store
        .dev_pipeline(&scope, status, PageReq::new(q.page, Some(50)))
        .await?;
    let base_query = query(&[
        ("org", org.id.to_string()),
        ("status", status.code().to_string()),
    ]);
    let ctx = PageCtx::new(&auth, &headers, "/development", "发展党员");
    let had = ctx.flash.is_some();
    render(
        &PipelinePage {
            ctx,
            can_write: auth.scope.may_write_member(&org.org_path()),
            tree: tree(&state.store, &auth.scope, Some(org.id), "/development?org=").await?,
            org,
            status,
            statuses: MemberStatus::ALL
                .iter()
                .copied()
                .filter(|s| *s != MemberStatus::Full)
                .collect(),
            pages: page_numbers(results.page, results.pages()),
            results,
            base_query,
        },
        had,
    )
}

/// One step on the file page.
pub struct StepView {
    pub step: Step,
    pub date: String,
}

pub struct StageView {
    pub number: usize,
    pub name: &'static str,
    pub steps: Vec<StepView>,
}

#[derive(Template)]
#[template(path = "compliance/file.html")]
struct FilePage {
    ctx: PageCtx,
    r: DevRecord,
    stages: Vec<StageView>,
    findings: Vec<FindingView>,
    can_write: bool,
    errors: Errors,
    /// Organisations above the branch, and whether each is the default (holds approval power).
    approvers: Vec<(Org, bool)>,
    f: DevForm,
    today: String,
    contact_role: &'static str,
    introducer_role: &'static str,
}

/// The file form as typed.
#[derive(Deserialize, Default, Clone)]
pub struct DevForm {
    #[serde(flatten)]
    dates: std::collections::HashMap<String, String>,
}

impl DevForm {
    pub fn get(&self, key: &str) -> &str {
        self.dates.get(key).map(|s| s.as_str()).unwrap_or("")
    }
    fn of(r: &DevRecord) -> DevForm {
        let mut m = std::collections::HashMap::new();
        for st in Step::ALL {
            if let Some(d) = r.file.get(st) {
                m.insert(st.field().to_string(), d.to_string());
            }
        }
        let mut put = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                m.insert(k.to_string(), v);
            }
        };
        put(
            "training_hours",
            r.file.training_hours.map(|h| h.to_string()),
        );
        put(
            "votes_entitled",
            r.file.votes.map(|v| v.entitled.to_string()),
        );
        put("votes_present", r.file.votes.map(|v| v.present.to_string()));
        put("votes_for", r.file.votes.map(|v| v.in_favour.to_string()));
        put("approval_org_id", r.approval_org_id.map(|v| v.to_string()));
        put(
            "conversion_approval_org_id",
            r.conversion_approval_org_id.map(|v| v.to_string()),
        );
        put("extension_reason", r.file.extension_reason.clone());
        put(
            "probation_extension_months",
            r.file.probation_extension_months.map(|v| v.to_string()),
        );
        put("note", r.note.clone());
        put("talker", r.file.talker.clone());
        put("upper_talker", r.file.upper_talker.clone());
        put("version", Some(r.version.to_string()));
        DevForm { dates: m }
    }

    /// Parses the form; problems by field.
    fn parse(&self) -> Result<DevInput, Errors> {
        let mut errors = Errors::new();
        let mut input = DevInput::default();
        for st in Step::ALL {
            let raw = self.get(st.field()).trim();
            if raw.is_empty() {
                input.dates.push((st, None));
                continue;
            }
            match parse_date(raw) {
                Ok(d) => input.dates.push((st, Some(d))),
                Err(e) => errors.add(st.field(), &e.to_string()),
            }
        }
        let mut int = |key: &str, label: &str, max: i32| -> Option<i32> {
            let raw = self.get(key).trim();
            if raw.is_empty() {
                return None;
            }
            match raw.parse::<i32>() {
                Ok(v) if (0..=max).contains(&v) => Some(v),
                _ => {
                    errors.add(key, &format!("{label}应为 0 到 {max} 之间的整数"));
                    None
                }
            }
        };
        let votes = [
            int("votes_entitled", "应到人数", 100000),
            int("votes_present", "实到人数", 100000),
            int("votes_for", "赞成票数", 100000),
        ];
        // One range and one message for every wrong value (0 and 13 alike), as the store's.
        let raw = self.get("probation_extension_months").trim();
        input.probation_extension_months = if raw.is_empty() {
            None
        } else {
            match raw.parse::<i32>() {
                Ok(v) if (1..=12).contains(&v) => Some(v),
                _ => {
                    errors.add(
                        "probation_extension_months",
                        "延长预备期应为 1 到 12 个月（没有延长的请留空）",
                    );
                    None
                }
            }
        };
        input.approval_org_id = self.get("approval_org_id").trim().parse().ok();
        input.conversion_approval_org_id =
            self.get("conversion_approval_org_id").trim().parse().ok();
        match votes {
            [Some(entitled), Some(present), Some(in_favour)] => {
                input.votes = Some(xianfeng_domain::development::Votes {
                    entitled,
                    present,
                    in_favour,
                })
            }
            [None, None, None] => {}
            _ => errors.add("votes_entitled", "应到、实到人数和赞成票数应同时填写"),
        }
        let hours = self.get("training_hours").trim();
        if !hours.is_empty() {
            match hours.parse::<f64>() {
                Ok(h) if (0.0..=1000.0).contains(&h) => input.training_hours = Some(h),
                _ => errors.add("training_hours", "学时应为 0 到 1000 之间的数字"),
            }
        }
        match xianfeng_domain::text::optional(self.get("extension_reason"), 200) {
            Ok(v) => input.extension_reason = v,
            Err(_) => errors.add("extension_reason", "延长审批原因最多 200 字"),
        }
        match xianfeng_domain::text::optional(self.get("note"), 500) {
            Ok(v) => input.note = v,
            Err(_) => errors.add("note", "备注最多 500 字"),
        }
        for (key, label) in [("talker", "谈话人"), ("upper_talker", "上级党委谈话人")] {
            match xianfeng_domain::text::optional(self.get(key), 50) {
                Ok(v) if key == "talker" => input.talker = v,
                Ok(v) => input.upper_talker = v,
                Err(_) => errors.add(key, &format!("{label}最多 50 字")),
            }
        }
        if errors.is_empty() {
            Ok(input)
        } else {
            Err(errors)
        }
    }
}

impl FilePage {
    fn activist_assessments(&self) -> Vec<&xianfeng_store::development::Assessment> {
        self.r
            .assessments
            .iter()
            .filter(|a| !a.is_probation())
            .collect()
    }
    fn probation_assessments(&self) -> Vec<&xianfeng_store::development::Assessment> {
        self.r
            .assessments
            .iter()
            .filter(|a| a.is_probation())
            .collect()
    }
    fn has_contacts(&self) -> bool {
        self.r
            .sponsors
            .iter()
            .any(|s| s.sponsor.role == SponsorRole::Contact)
    }
    fn has_introducers(&self) -> bool {
        self.r
            .sponsors
            .iter()
            .any(|s| s.sponsor.role == SponsorRole::Introducer)
    }
}

async fn file_view(
    state: &AppState,
    auth: &Auth,
    headers: &HeaderMap,
    id: i64,
    form: Option<(DevForm, Errors)>,
) -> PageResult {
    auth.require(READ_ROLES)?;
    let r = state.store.dev_record(&auth.scope, id).await?;
    let can_write = auth.scope.may_write_member(&r.member.path()) && !r.member.is_archived();
    let mut stages: Vec<StageView> = STAGES
        .iter()
        .enumerate()
        .map(|(i, name)| StageView {
            number: i + 1,
            name,
            steps: Vec::new(),
        })
        .collect();
    for st in Step::ALL {
        if let Some(s) = stages.get_mut(usize::from(st.stage()) - 1) {
            s.steps.push(StepView {
                step: st,
                date: r.file.get(st).map(|d| d.to_string()).unwrap_or_default(),
            });
        }
    }
    let findings = state
        .store
        .findings_of(&auth.scope, "person", id)
        .await?
        .into_iter()
        .map(FindingView::of)
        .collect();
    let powers = state.store.approval_powers().await?;
    let approvers = state
        .store
        .dev_approver_choices(&r.member)
        .await?
        .into_iter()
        .map(|o| {
            let power = powers.get(&o.id).is_some_and(|p| p.1);
            (o, power)
        })
        .collect();
    let (f, errors) = form.unwrap_or_else(|| (DevForm::of(&r), Errors::new()));
    let ctx = PageCtx::new(
        auth,
        headers,
        "/development",
        format!("{}的发展档案", r.member.name),
    );
    let had = ctx.flash.is_some();
    render(
        &FilePage {
            ctx,
            stages,
            findings,
            can_write,
            errors,
            approvers,
            f,
            today: state.store.clock.today().to_string(),
            contact_role: SponsorRole::Contact.code(),
            introducer_role: SponsorRole::Introducer.code(),
            r,
        },
        had,
    )
}

async fn file_page(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult {
    file_view(&state, &auth, &headers, id, None).await
}

async fn file_save(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<DevForm>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let input = match form.parse() {
        Ok(i) => i,
        Err(errors) => return file_view(&state, &auth, &headers, id, Some((form, errors))).await,
    };
    let version = form.get("version").trim().parse().ok();
    match state
        .store
        .dev_save(&auth.actor(), &auth.scope, id, version, &input)
        .await
    {
        Ok(()) => {
            let open = state.store.findings_of(&auth.scope, "person", id).await?;
            let text = if open.is_empty() {
                "已保存，未发现问题".to_string()
            } else {
                format!(
                    "已保存；本档案有 {} 个问题待处理，见下方“检查结果”",
                    open.len()
                )
            };
            Ok(redirect_with(
                &format!("/members/{id}/development"),
                "ok",
                &text,
            ))
        }
        Err(StoreError::Invalid { field, message }) => {
            let mut errors = Errors::new();
            errors.add(field, &message);
            file_view(&state, &auth, &headers, id, Some((form, errors))).await
        }
        Err(StoreError::Conflict) => Ok(redirect_with(
            &format!("/members/{id}/development"),
            "error",
            "档案已被他人修改，请核对后重新填写",
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct AssessmentForm {
    assessed_on: String,
    #[serde(default)]
    note: String,
    /// `probation` for an assessment during probation.
    #[serde(default)]
    stage: String,
}

async fn assessment_add(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<AssessmentForm>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let back = format!("/members/{id}/development");
    let on = match parse_date(&f.assessed_on) {
        Ok(d) => d,
        Err(e) => return Ok(redirect_with(&back, "error", &format!("考察日期：{e}"))),
    };
    let note = xianfeng_domain::text::optional(&f.note, 200)
        .map_err(|_| AppError::Invalid("考察情况最多 200 字".into()))?;
    match state
        .store
        .dev_assessment_add(
            &auth.actor(),
            &auth.scope,
            id,
            on,
            note,
            f.stage == "probation",
        )
        .await
    {
        Ok(()) => Ok(redirect_with(&back, "ok", "已登记考察")),
        Err(StoreError::Invalid { message, .. }) => Ok(redirect_with(&back, "error", &message)),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct SponsorForm {
    role: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    name: String,
    named_on: String,
}

async fn sponsor_add(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<SponsorForm>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    // A person out of scope answers 404 like an absent one, not a message on their page.
    state.store.member_get(&auth.scope, id).await?;
    let back = format!("/members/{id}/development");
    let Some(role) = SponsorRole::parse(&f.role) else {
        return Ok(redirect_with(
            &back,
            "error",
            "请选择培养联系人或入党介绍人",
        ));
    };
    let named_on = match parse_date(&f.named_on) {
        Ok(d) => d,
        Err(e) => return Ok(redirect_with(&back, "error", &format!("确定日期：{e}"))),
    };
    // A roster member is named by ID number; someone outside the system by name only.
    let sponsor_id = if f.id_number.trim().is_empty() {
        None
    } else {
        let idn = match xianfeng_domain::IdNumber::parse(&f.id_number) {
            Ok(v) => v,
            Err(e) => return Ok(redirect_with(&back, "error", &e.to_string())),
        };
        match state
            .store
            .member_find_by_id_number(&auth.scope, &idn)
            .await?
        {
            Some(v) => Some(v.id),
            None => return Ok(redirect_with(&back, "error", SPONSOR_NOT_ON_ROSTER)),
        }
    };
    match state
        .store
        .dev_sponsor_add(
            &auth.actor(),
            &auth.scope,
            id,
            role,
            sponsor_id,
            &f.name,
            named_on,
        )
        .await
    {
        Ok(()) => Ok(redirect_with(
            &back,
            "ok",
            &format!("已登记{}", role.label()),
        )),
        Err(StoreError::Invalid { message, .. }) => Ok(redirect_with(&back, "error", &message)),
        Err(StoreError::NotFound(m)) => Ok(redirect_with(&back, "error", m)),
        Err(e) => Err(e.into()),
    }
}

/// Removes a contact or an introducer (to correct or replace one).
async fn sponsor_remove(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, sid)): Path<(i64, i64)>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    // A person out of scope answers 404 like an absent one, not a message on their page.
    state.store.member_get(&auth.scope, id).await?;
    let back = format!("/members/{id}/development");
    match state
        .store
        .dev_sponsor_remove(&auth.actor(), &auth.scope, id, sid)
        .await
    {
        Ok(()) => Ok(redirect_with(&back, "ok", "已删除，并重新检查")),
        Err(StoreError::NotFound(m)) => Ok(redirect_with(&back, "error", m)),
        Err(e) => Err(e.into()),
    }
}
