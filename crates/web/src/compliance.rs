//! Compliance (合规检查): counts by rule for a subtree, organisations ranked, the findings
//! behind each count and their export; the development lists and each person's file.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use xianfeng_domain::dates::format_date;
use xianfeng_domain::development::Step;

/// Chinese name of a date a finding carries.
pub fn date_label(key: &str) -> &str {
    if let Some(s) = Step::parse_field(key) {
        return s.label();
    }
    match key {
        "birth_date" => "出生日期",
        "admission_date" => "入党日期",
        "conversion_date" => "转正日期",
        "probation_end" => "预备期满",
        "last_assessment" => "上次考察",
        "named_on" => "确定日期",
        "from" => "起",
        "to" => "止",
        "due" => "期限",
        "term_start" => "任期开始",
        "issued_on" => "开具日期",
        "reported_on" => "报到日期",
        "month" => "所缴月份",
        "paid_on" => "缴纳日期",
        other => other,
    }
}

/// `申请入党日期 2025-01-01；期限 2025-02-01`.
pub fn dates_text<K: AsRef<str>>(dates: &BTreeMap<K, NaiveDate>) -> String {
    dates
        .iter()
        .map(|(k, d)| format!("{} {}", date_label(k.as_ref()), format_date(*d)))
        .collect::<Vec<_>>()
        .join("；")
}

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use xianfeng_domain::dates::parse_date;
use xianfeng_domain::development::{SponsorRole, STAGES};
use xianfeng_domain::members::MemberStatus;
use xianfeng_domain::rules::{catalogue, is_rule, rule_title, Severity};
use xianfeng_domain::scope::{Role, Scope};
use xianfeng_store::audit::AuditEvent;
use xianfeng_store::compliance::{FindingFilter, OrgRank, StoredFinding};
use xianfeng_store::development::{DevInput, DevRecord, PipelineRow};
use xianfeng_store::orgs::Org;
use xianfeng_store::{Page, PageReq, StoreError};

use crate::session::Auth;
use crate::error::{AppError, PageResult};
use crate::extract::{Form, Path, Query};
use crate::forms::{clean_param, query, Errors};
use crate::orgs::{tree, Tree};
use crate::page::{page_numbers, redirect_with, render, PageCtx};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/compliance", get(index))
        .route("/compliance/export.xlsx", get(export_xlsx))
        .route("/development", get(pipeline))
        .route("/members/{id}/development", get(file_page).post(file_save))
        .route("/members/{id}/development/assessment", post(assessment_add))
        .route("/members/{id}/development/sponsor", post(sponsor_add))
        .route(
            "/members/{id}/development/sponsor/{sid}/remove",
            post(sponsor_remove),
        )
        .route("/notifications/read", post(notifications_read))
}

const READ_ROLES: &[Role] = &[Role::OrgAdmin, Role::OrgViewer];

#[derive(Deserialize, Default)]
pub struct CheckQuery {
    org: Option<i64>,
    /// `1`: only the deadline rules (the home page's to-do list in full).
    deadlines: Option<String>,
    rule: Option<String>,
    severity: Option<String>,
    status: Option<String>,
    page: Option<u32>,
}

/// The organisation a work page is about: the one asked for, or the top of the caller's
/// subtree; work roles only.
pub(crate) async fn target_org(
    state: &AppState,
    auth: &Auth,
    org: Option<i64>,
) -> Result<Org, AppError> {
    auth.require(READ_ROLES)?;
    let root = match &auth.scope {
        Scope::Subtree { root_id, .. } => *root_id,
        _ => return Err(AppError::Forbidden),
    };
    Ok(state
        .store
        .org_get(&auth.scope, org.unwrap_or(root))
        .await?)
}

fn filter_of(q: &CheckQuery) -> FindingFilter {
    FindingFilter {
        rule: clean_param(&q.rule).filter(|r| is_rule(r)),
        severity: clean_param(&q.severity).filter(|s| Severity::parse(s).is_some()),
        deadlines: clean_param(&q.deadlines).is_some(),
    }
}

/// One line of the by-rule table.
pub struct RuleLine {
    pub rule: &'static str,
    pub title: &'static str,
    pub errors: i64,
    pub warnings: i64,
}

/// A finding as a row of the page.
pub struct FindingView {
    pub f: StoredFinding,
    pub dates: String,
    pub href: String,
}

impl FindingView {
    /// Whether the deadline of the finding has passed.
    pub fn overdue_on(&self, today: &NaiveDate) -> bool {
        self.f.due_date.is_some_and(|d| d < *today)
    }

    pub fn of(f: StoredFinding) -> FindingView {
        let dates: BTreeMap<String, NaiveDate> = serde_json::from_str(&f.dates).unwrap_or_default();
        let href = if f.subject_type == "org" {
            format!("/orgs/{}", f.subject_id)
        } else if f.rule.starts_with("DEV") {
            format!("/members/{}/development", f.subject_id)
        } else {
            format!("/members/{}", f.subject_id)
        };
        FindingView {
            dates: dates_text(&dates),
            href,
            f,
        }
    }
}

#[derive(Template)]
#[template(path = "compliance/index.html")]
struct IndexPage {
    ctx: PageCtx,
    tree: Tree,
    org: Org,
    lines: Vec<RuleLine>,
    total_errors: i64,
    total_warnings: i64,
    ranking: Vec<OrgRank>,
    results: Page<FindingView>,
    pages: Vec<Option<u32>>,
    base_query: String,
    keep: String,
    rule: String,
    severity: String,
    deadlines: bool,
    today: NaiveDate,
}

async fn index(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<CheckQuery>,
) -> PageResult {
    let org = target_org(&state, &auth, q.org).await?;
    let store = &state.store;
    let counts = store.findings_summary(&auth.scope, &org).await?;
    let mut lines: Vec<RuleLine> = Vec::new();
    for (rule, title) in catalogue().map(|e| (e.id, e.title)) {
        let n = |sev: &str| {
            counts
                .iter()
                .filter(|c| c.rule == rule && c.severity == sev)
                .map(|c| c.count)
                .sum::<i64>()
        };
        let (errors, warnings) = (n("error"), n("warning"));
        if errors + warnings > 0 {
            lines.push(RuleLine {
                rule,
                title,
                errors,
                warnings,
            });
        }
    }
    let total_errors = lines.iter().map(|l| l.errors).sum();
    let total_warnings = lines.iter().map(|l| l.warnings).sum();
    let f = filter_of(&q);
    let ranking = store.findings_ranking(&auth.scope, &org, &f).await?;
    let page = store
        .findings_list(&auth.scope, &org, &f, PageReq::new(q.page, Some(50)))
        .await?;
    let results = Page {
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        items: page.items.into_iter().map(FindingView::of).collect(),
    };
    let rule = f.rule.clone().unwrap_or_default();
    let severity = f.severity.clone().unwrap_or_default();
    let deadlines = f.deadlines;
    let base_query = query(&[
        ("org", org.id.to_string()),
        ("rule", rule.clone()),
        ("severity", severity.clone()),
        (
            "deadlines",
            if deadlines { "1".into() } else { String::new() },
        ),
    ]);
    let ctx = PageCtx::new(&auth, &headers, "/compliance", "合规检查");
    let had = ctx.flash.is_some();
    render(
        &IndexPage {
            ctx,
            tree: tree(store, &auth.scope, Some(org.id), "/compliance?org=").await?,
            keep: query(&[("org", org.id.to_string())]),
            org,
            lines,
            total_errors,
            total_warnings,
            ranking,
            pages: page_numbers(results.page, results.pages()),
            results,
            base_query,
            rule,
            severity,
            deadlines,
            today: store.clock.today(),
        },
        had,
    )
}

async fn export_xlsx(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<CheckQuery>,
) -> PageResult {
    let org = target_org(&state, &auth, q.org).await?;
    let f = filter_of(&q);
    let mut rows = Vec::new();
    let mut page = 1;
    // At most 100,000 rows in one workbook (500 pages of 200).
    while page <= 500 {
        let p = state
            .store
            .findings_list(&auth.scope, &org, &f, PageReq::new(Some(page), Some(200)))
            .await?;
        let n = p.items.len();
        let total = p.total;
        for s in p.items {
            let v = FindingView::of(s);
            rows.push(xianfeng_exchange::compliance::FindingRow {
                rule: v.f.rule.clone(),
                severity: v.f.severity_label().to_string(),
                org_code: v.f.org_code.clone(),
                org_name: v.f.org_name.clone(),
                subject_kind: if v.f.subject_type == "org" {
                    "组织"
                } else {
                    "人员"
                },
                subject_name: v.f.subject_name.clone(),
                message: v.f.message.clone(),
                dates: v.dates,
            });
        }
        if n == 0 || rows.len() as i64 >= total {
            break;
        }
        page += 1;
    }
    let today = state.store.clock.today();
    let bytes = xianfeng_exchange::compliance::findings_xlsx(today, &rows)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    state
        .store
        .audit_now(
            &auth.actor(),
            AuditEvent::ok(
                "compliance.export",
                format!("导出“{}”合规检查结果 {} 条", org.name, rows.len()),
            )
            .on("org", org.id),
        )
        .await?;
    Ok(crate::members::download(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{}合规检查_{}.xlsx", org.name, today),
    )
    .into_response())
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
    Query(q): Query<CheckQuery>,
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

async fn notifications_read(State(state): State<AppState>, auth: Auth) -> PageResult {
    let n = state
        .store
        .notifications_mark_read(&auth.actor(), auth.account.id)
        .await?;
    Ok(redirect_with(
        "/",
        "ok",
        &format!("已将 {n} 条提醒标为已读"),
    ))
}

/// Title of a rule, for templates.
pub fn title(rule: &str) -> &'static str {
    rule_title(rule)
}

/// Every implemented rule: id, title, severity label.
pub fn rule_list() -> Vec<(&'static str, &'static str, &'static str)> {
    catalogue()
        .map(|e| (e.id, e.title, e.severity.label()))
        .collect()
}

/// The answer when an ID number names nobody the caller may see: the same whether the person
/// is elsewhere in the system or nowhere, so that ID numbers cannot be probed.
pub(crate) const SPONSOR_NOT_ON_ROSTER: &str =
    "您管理范围内的名册中没有该身份证号的党员；其他组织或系统外的人员请只填姓名";
