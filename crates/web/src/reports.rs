//! Periodic reports (报表): the reports an organisation owns, receives and submits; the
//! template builder; the submitter's form, filled in from what the system holds; the
//! receiver's live view of a period (late list, return with comments, accept) and its export.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::HeaderMap;
use chrono::NaiveDate;
use serde::Deserialize;
use xianfeng_domain::dates::parse_date;
use xianfeng_domain::org::{OrgType, Sector};
use xianfeng_domain::reports::{
    receipt_state, Cadence, Field, FieldKind, Period, ReceiptState, Schedule, Source, Value,
};
use xianfeng_domain::scope::{Role, Scope};
use xianfeng_exchange::export::{xlsx, Out, Sheet};
use xianfeng_store::orgs::Org;
use xianfeng_store::reports::{ReceiptRow, Standing, Template, TemplateInput};
use xianfeng_store::StoreError;

use crate::error::{AppError, PageResult};
use crate::extract::{Form, Path, Query};
use crate::forms::Errors;
use crate::page::{redirect_with, render, PageCtx};
use crate::routes::Routes;
use crate::session::Auth;
use crate::widgets::download::download;
use crate::widgets::target::target_org;
use crate::widgets::tree::{tree, Tree};
use crate::AppState;

pub fn router() -> Routes {
    Routes::new()
        .get("/reports", index)
        .get("/reports/templates/new", new_form)
        .post("/reports/templates", create)
        .get("/reports/templates/{id}/edit", edit_form)
        .post("/reports/templates/{id}/edit", update)
        .get("/reports/templates/{id}", receiver_view)
        .get("/reports/templates/{id}/export.xlsx", export)
        .route(
            "/reports/templates/{id}/fill",
            &["GET", "POST"],
            axum::routing::get(fill_form)
                .post(fill)
                .layer(axum::extract::DefaultBodyLimit::max(MAX_FORM)),
        )
        .post("/reports/templates/{id}/review", review)
        .get("/reports/files/{id}", file)
}

/// A fill form with its files: ten files of 10 MB each, and the typed values.
const MAX_FORM: usize = 101 * 1024 * 1024;

/// The files of an attachment field's value: (id, name).
fn files_of(v: Option<&Value>) -> Vec<(String, String)> {
    match v {
        Some(Value::Rows(rows)) => rows
            .iter()
            .filter_map(|r| Some((r.first()?.clone(), r.get(1).cloned().unwrap_or_default())))
            .collect(),
        _ => Vec::new(),
    }
}

fn writes(auth: &Auth, org: &Org) -> bool {
    matches!(auth.scope, Scope::Subtree { .. })
        && auth.role() == Some(Role::OrgAdmin)
        && auth.scope.may_write_org(&org.org_path())
        && !org.is_archived()
}

fn message(e: StoreError) -> Result<String, AppError> {
    match e {
        StoreError::Invalid { message, .. } => Ok(message),
        StoreError::Conflict => Ok("报表已被他人改动，请刷新后重试".into()),
        e => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
struct OrgQuery {
    org: Option<i64>,
}

/// A report the organisation submits, with its standing for the current period.
pub struct Owed {
    pub t: Template,
    pub period: Option<Period>,
    pub states: Vec<(String, ReceiptState)>,
}

#[derive(askama::Template)]
#[template(path = "reports/index.html")]
struct IndexPage {
    ctx: PageCtx,
    tree: Tree,
    org: Org,
    owned: Vec<Template>,
    receiving: Vec<Template>,
    owed: Vec<Owed>,
    can_write: bool,
}

async fn index(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<OrgQuery>,
) -> PageResult {
    let org = target_org(&state, &auth, q.org).await?;
    let (owned, receiving, submitting) =
        state.store.report_templates_for(&auth.scope, &org).await?;
    let today = state.store.clock.today();
    let now = state.store.clock.now();
    let mut owed = Vec::new();
    for t in submitting {
        let period = t.schedule().current(today);
        let mut states = Vec::new();
        if let Some(p) = &period {
            let got = state.store.report_receipts_of(t.id, &p.key, org.id).await?;
            for r in state.store.report_receivers(t.id).await? {
                let receipt = got
                    .iter()
                    .find(|x| x.receiver_id == r.id)
                    .map(|x| x.receipt())
                    .unwrap_or_default();
                states.push((r.name, receipt_state(p, &receipt, now)));
            }
        }
        owed.push(Owed { t, period, states });
    }
    let ctx = PageCtx::new(&auth, &headers, "/reports", format!("{} · 报表", org.name));
    let had = ctx.flash.is_some();
    render(
        &IndexPage {
            ctx,
            tree: tree(&state.store, &auth.scope, Some(org.id), "/reports?org=").await?,
            can_write: writes(&auth, &org),
            org,
            owned,
            receiving,
            owed,
        },
        had,
    )
}

/// One row of the builder: a field as typed.
#[derive(Debug, Clone, Default)]
pub struct FieldRow {
    pub label: String,
    pub kind: String,
    pub required: bool,
    /// Choice options or table columns, 、-separated; a column may say its type: 日期:date.
    pub extra: String,
    pub source: String,
}

#[derive(Debug, Clone, Default)]
struct TemplateForm {
    org: Option<i64>,
    name: String,
    cadence: String,
    first_due_day: String,
    due_days: String,
    once_due: String,
    submit_root: String,
    submit_sector: String,
    submit_type: String,
    receivers: String,
    grace_days: String,
    starts_on: String,
    rows: Vec<FieldRow>,
    version: Option<i64>,
}

const ROWS: usize = 10;

impl TemplateForm {
    fn from_pairs(pairs: &[(String, String)]) -> Self {
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let rows = (0..ROWS)
            .map(|i| FieldRow {
                label: get(&format!("label_{i}")),
                kind: get(&format!("kind_{i}")),
                required: !get(&format!("required_{i}")).is_empty(),
                extra: get(&format!("extra_{i}")),
                source: get(&format!("source_{i}")),
            })
            .collect();
        TemplateForm {
            org: get("org").parse().ok(),
            name: get("name"),
            cadence: get("cadence"),
            first_due_day: get("first_due_day"),
            due_days: get("due_days"),
            once_due: get("once_due"),
            submit_root: get("submit_root"),
            submit_sector: get("submit_sector"),
            submit_type: get("submit_type"),
            receivers: get("receivers"),
            grace_days: get("grace_days"),
            starts_on: get("starts_on"),
            rows,
            version: get("version").parse().ok(),
        }
    }

    fn from_template(t: &Template, receivers: &[Org], root_code: &str) -> Self {
        let mut rows: Vec<FieldRow> = t
            .field_list()
            .into_iter()
            .map(|f| FieldRow {
                label: f.label,
                kind: f.kind.code().into(),
                required: f.required,
                extra: if f.kind == FieldKind::Table {
                    f.columns
                        .iter()
                        .map(|(l, k)| match k {
                            FieldKind::Text => l.clone(),
                            k => format!("{l}:{}", k.code()),
                        })
                        .collect::<Vec<_>>()
                        .join("、")
                } else {
                    f.options.join("、")
                },
                source: f.source.code().into(),
            })
            .collect();
        rows.resize(ROWS.max(rows.len()), FieldRow::default());
        TemplateForm {
            org: Some(t.org_id),
            name: t.name.clone(),
            cadence: t.cadence.clone(),
            first_due_day: t.first_due_day.to_string(),
            due_days: t.due_days.to_string(),
            once_due: t.once_due.map(|d| d.to_string()).unwrap_or_default(),
            submit_root: root_code.into(),
            submit_sector: t.submit_sector.clone().unwrap_or_default(),
            submit_type: t.submit_type.clone().unwrap_or_default(),
            receivers: receivers
                .iter()
                .map(|o| o.code.clone())
                .collect::<Vec<_>>()
                .join("、"),
            grace_days: t.grace_days.to_string(),
            starts_on: t.starts_on.to_string(),
            rows,
            version: Some(t.version),
        }
    }

    /// The fields typed (rows without a name are skipped), keys kept by position.
    fn fields(&self, errors: &mut Errors) -> Vec<Field> {
        let mut out = Vec::new();
        for (i, r) in self.rows.iter().enumerate() {
            if r.label.trim().is_empty() {
                continue;
            }
            let Some(kind) = FieldKind::parse(&r.kind) else {
                errors.add(&format!("label_{i}"), "请选择类型");
                continue;
            };
            let parts: Vec<String> = r
                .extra
                .split(['、', ',', '，', ';', '；'])
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            let columns = if kind == FieldKind::Table {
                parts
                    .iter()
                    .map(|p| match p.split_once([':', '：']) {
                        Some((l, k)) => (
                            l.trim().to_string(),
                            FieldKind::parse(k.trim())
                                .filter(|k| matches!(k, FieldKind::Number | FieldKind::Date))
                                .unwrap_or(FieldKind::Text),
                        ),
                        None => (p.clone(), FieldKind::Text),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            out.push(Field {
                key: format!("f{}", i + 1),
                label: r.label.trim().to_string(),
                kind,
                required: r.required,
                options: if kind == FieldKind::Choice {
                    parts
                } else {
                    Vec::new()
                },
                columns,
                source: Source::parse(&r.source).unwrap_or_default(),
            });
        }
        out
    }
}

#[derive(askama::Template)]
#[template(path = "reports/form.html")]
struct FormPage {
    ctx: PageCtx,
    org: Org,
    form: TemplateForm,
    errors: Errors,
    template_id: Option<i64>,
}

impl FormPage {
    fn cadences(&self) -> [Cadence; 5] {
        Cadence::ALL
    }
    fn kinds(&self) -> [FieldKind; 7] {
        FieldKind::ALL
    }
    fn sources(&self) -> [Source; 5] {
        Source::ALL
    }
    fn sectors(&self) -> &'static [Sector] {
        Sector::ALL
    }
    fn row_error(&self, i: &usize) -> Option<&str> {
        self.errors.get(&format!("label_{i}"))
    }
    fn types(&self) -> &'static [OrgType] {
        OrgType::ALL
    }
}

async fn new_form(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<OrgQuery>,
) -> PageResult {
    let org = target_org(&state, &auth, q.org).await?;
    if !writes(&auth, &org) {
        return Err(AppError::Forbidden);
    }
    let mut rows = vec![FieldRow::default(); ROWS];
    rows[0] = FieldRow {
        label: "本期组织生活".into(),
        kind: "table".into(),
        extra: "日期:date、会议类型、主题、出席/应到".into(),
        source: "meetings".into(),
        ..Default::default()
    };
    rows[1] = FieldRow {
        label: "主要工作".into(),
        kind: "long_text".into(),
        required: true,
        ..Default::default()
    };
    let form = TemplateForm {
        org: Some(org.id),
        cadence: "half_monthly".into(),
        first_due_day: "12".into(),
        due_days: "5".into(),
        grace_days: "3".into(),
        submit_root: org.code.clone(),
        receivers: org.code.clone(),
        starts_on: state.store.clock.today().to_string(),
        rows,
        ..Default::default()
    };
    let ctx = PageCtx::new(&auth, &headers, "/reports", "建立报表");
    render(
        &FormPage {
            ctx,
            org,
            form,
            errors: Errors::new(),
            template_id: None,
        },
        false,
    )
}

/// The template input from the form, or the field errors.
async fn input_of(
    state: &AppState,
    auth: &Auth,
    form: &TemplateForm,
) -> Result<Result<TemplateInput, Errors>, AppError> {
    let mut errors = Errors::new();
    let cadence = Cadence::parse(&form.cadence);
    if cadence.is_none() {
        errors.add("cadence", "请选择报送周期");
    }
    let num = |s: &str, d: i64| s.trim().parse::<i64>().unwrap_or(d);
    let once_due = match form.once_due.trim() {
        "" => None,
        s => match parse_date(s) {
            Ok(d) => Some(d),
            Err(e) => {
                errors.add("once_due", &e.to_string());
                None
            }
        },
    };
    let starts_on = match parse_date(&form.starts_on) {
        Ok(d) => d,
        Err(e) => {
            errors.add("starts_on", &e.to_string());
            state.store.clock.today()
        }
    };
    let root = match state
        .store
        .org_by_code(&auth.scope, form.submit_root.trim())
        .await
    {
        Ok(o) => Some(o.id),
        Err(_) => {
            errors.add("submit_root", "请填写您管理范围内的组织代码");
            None
        }
    };
    let mut receivers = Vec::new();
    for code in form
        .receivers
        .split(['、', ',', '，', ' ', ';', '；'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        match state.store.org_by_code(&Scope::Structure, code).await {
            Ok(o) => receivers.push(o.id),
            Err(_) => errors.add("receivers", &format!("找不到组织代码 {code}")),
        }
    }
    let fields = form.fields(&mut errors);
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    Ok(Ok(TemplateInput {
        name: form.name.clone(),
        schedule: Schedule {
            cadence: cadence.unwrap_or(Cadence::Monthly),
            first_due_day: num(&form.first_due_day, 12).clamp(0, 99) as u32,
            due_days: num(&form.due_days, 5),
            once_due,
        },
        submit_root: root.unwrap_or(0),
        submit_sector: Sector::parse(&form.submit_sector),
        submit_type: OrgType::parse(&form.submit_type),
        receivers,
        grace_days: num(&form.grace_days, 3),
        starts_on,
        fields,
    }))
}

async fn create(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let form = TemplateForm::from_pairs(&pairs);
    let org = target_org(&state, &auth, form.org).await?;
    let errors = match input_of(&state, &auth, &form).await? {
        Ok(input) => match state
            .store
            .report_template_create(&auth.actor(), &auth.scope, org.id, &input)
            .await
        {
            Ok(t) => {
                return Ok(redirect_with(
                    &format!("/reports/templates/{}", t.id),
                    "ok",
                    "已建立报表",
                ))
            }
            Err(StoreError::Invalid { field, message }) => {
                let mut e = Errors::new();
                e.add(field, &message);
                e
            }
            Err(e) => return Err(e.into()),
        },
        Err(e) => e,
    };
    let ctx = PageCtx::new(&auth, &headers, "/reports", "建立报表");
    render(
        &FormPage {
            ctx,
            org,
            form,
            errors,
            template_id: None,
        },
        false,
    )
}

async fn edit_form(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let t = state.store.report_template_get(&auth.scope, id).await?;
    let org = state.store.org_get(&auth.scope, t.org_id).await?;
    if !writes(&auth, &org) {
        return Err(AppError::Forbidden);
    }
    let receivers = state.store.report_receivers(id).await?;
    let root = state.store.org_get(&auth.scope, t.submit_root).await?;
    let form = TemplateForm::from_template(&t, &receivers, &root.code);
    let ctx = PageCtx::new(&auth, &headers, "/reports", "修改报表");
    render(
        &FormPage {
            ctx,
            org,
            form,
            errors: Errors::new(),
            template_id: Some(id),
        },
        false,
    )
}

async fn update(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let t = state.store.report_template_get(&auth.scope, id).await?;
    let org = state.store.org_get(&auth.scope, t.org_id).await?;
    let form = TemplateForm::from_pairs(&pairs);
    let errors = match input_of(&state, &auth, &form).await? {
        Ok(input) => match state
            .store
            .report_template_update(&auth.actor(), &auth.scope, id, &input)
            .await
        {
            Ok(t) => {
                return Ok(redirect_with(
                    &format!("/reports/templates/{id}"),
                    "ok",
                    &format!("已保存为第 {} 版；已报送的报表不受影响", t.version),
                ))
            }
            Err(StoreError::Invalid { field, message }) => {
                let mut e = Errors::new();
                e.add(field, &message);
                e
            }
            Err(e) => return Err(e.into()),
        },
        Err(e) => e,
    };
    let ctx = PageCtx::new(&auth, &headers, "/reports", "修改报表");
    render(
        &FormPage {
            ctx,
            org,
            form,
            errors,
            template_id: Some(id),
        },
        false,
    )
}

#[derive(Deserialize, Default)]
struct ViewQuery {
    period: Option<String>,
    receiver: Option<i64>,
}

#[derive(askama::Template)]
#[template(path = "reports/receiver.html")]
struct ReceiverPage {
    ctx: PageCtx,
    t: Template,
    fields: Vec<Field>,
    periods: Vec<Period>,
    period: Period,
    receivers: Vec<Org>,
    receiver: Option<Org>,
    standings: Vec<Standing>,
    can_review: bool,
    can_edit: bool,
}

impl ReceiverPage {
    fn late(&self) -> Vec<&Standing> {
        self.standings
            .iter()
            .filter(|s| s.state.is_late())
            .collect()
    }
    /// Sent after the window closed (whatever happened since).
    fn was_late(&self, s: &Standing) -> bool {
        s.receipt
            .as_ref()
            .is_some_and(|r| self.period.is_late(r.submitted_at))
    }
    fn text(&self, r: &ReceiptRow, f: &Field) -> String {
        field_text(f, r.values().get(&f.key))
    }
    fn files(&self, r: &ReceiptRow, f: &Field) -> Vec<(String, String)> {
        files_of(r.values().get(&f.key))
    }
}

/// A value as one cell of text; an attachment field: the files' names.
fn field_text(f: &Field, v: Option<&Value>) -> String {
    if f.kind == FieldKind::Attachment {
        return files_of(v)
            .into_iter()
            .map(|(_, name)| name)
            .collect::<Vec<_>>()
            .join("、");
    }
    value_text(v)
}

fn value_text(v: Option<&Value>) -> String {
    match v {
        None => String::new(),
        Some(Value::Text(s)) => s.clone(),
        Some(Value::Rows(rows)) => rows
            .iter()
            .map(|r| r.join(" | "))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

fn choose_period(
    t: &Template,
    asked: &Option<String>,
    today: NaiveDate,
) -> Result<Period, AppError> {
    match asked.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(k) => t
            .schedule()
            .period(k)
            .ok_or_else(|| AppError::NotFound("没有这一期".into())),
        None => t
            .schedule()
            .current(today)
            .ok_or_else(|| AppError::NotFound("没有报送期".into())),
    }
}

/// The receiver's live view of a period: who is late, what was sent.
async fn receiver_view(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<ViewQuery>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin, Role::OrgViewer])?;
    let t = state.store.report_template_get(&auth.scope, id).await?;
    let today = state.store.clock.today();
    let period = choose_period(&t, &q.period, today)?;
    let receivers: Vec<Org> = state
        .store
        .report_receivers(id)
        .await?
        .into_iter()
        .filter(|r| auth.scope.sees_org(&r.org_path()))
        .collect();
    let receiver = match q.receiver {
        Some(r) => receivers.iter().find(|x| x.id == r).cloned(),
        None => receivers.first().cloned(),
    };
    let standings = match &receiver {
        Some(r) => {
            state
                .store
                .report_standings(&auth.scope, &t, &period, r)
                .await?
        }
        None => Vec::new(),
    };
    let can_review = receiver.as_ref().is_some_and(|r| writes(&auth, r));
    let owner = state.store.org_get(&Scope::Structure, t.org_id).await?;
    let mut periods = t.periods(today);
    periods.reverse();
    let ctx = PageCtx::new(&auth, &headers, "/reports", t.name.clone());
    let had = ctx.flash.is_some();
    render(
        &ReceiverPage {
            ctx,
            fields: t.field_list(),
            can_edit: writes(&auth, &owner),
            t,
            periods,
            period,
            receivers,
            receiver,
            standings,
            can_review,
        },
        had,
    )
}

async fn export(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<ViewQuery>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin, Role::OrgViewer])?;
    let t = state.store.report_template_get(&auth.scope, id).await?;
    let period = choose_period(&t, &q.period, state.store.clock.today())?;
    let receivers = state.store.report_receivers(id).await?;
    let Some(receiver) = receivers
        .into_iter()
        .filter(|r| auth.scope.sees_org(&r.org_path()))
        .find(|r| q.receiver.is_none_or(|x| x == r.id))
    else {
        return Err(AppError::NotFound("接收单位不在您的管理范围内".into()));
    };
    let standings = state
        .store
        .report_standings(&auth.scope, &t, &period, &receiver)
        .await?;
    let fields = t.field_list();
    let mut headings: Vec<String> = vec![
        "组织".into(),
        "组织代码".into(),
        "状态".into(),
        "报送时间".into(),
    ];
    headings.extend(fields.iter().map(|f| f.label.clone()));
    let rows: Vec<Vec<Out>> = standings
        .iter()
        .map(|s| {
            let mut row = vec![
                Out::text(s.org.name.clone()),
                Out::text(s.org.code.clone()),
                Out::text(s.state.label()),
                Out::text(
                    s.receipt
                        .as_ref()
                        .map(|r| crate::forms::local_time(&r.submitted_at))
                        .unwrap_or_default(),
                ),
            ];
            let values = s.receipt.as_ref().map(|r| r.values()).unwrap_or_default();
            row.extend(
                fields
                    .iter()
                    .map(|f| Out::text(field_text(f, values.get(&f.key)))),
            );
            row
        })
        .collect();
    let title = format!("{}（{}，{}）", t.name, period.label, receiver.name);
    let heads: Vec<&str> = headings.iter().map(String::as_str).collect();
    let bytes = xlsx(&Sheet {
        name: "报表",
        title: &title,
        as_of: state.store.clock.today(),
        headings: &heads,
        rows: &rows,
    })
    .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(download(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{title}.xlsx"),
    ))
}

#[derive(askama::Template)]
#[template(path = "reports/fill.html")]
struct FillPage {
    ctx: PageCtx,
    t: Template,
    org: Org,
    period: Period,
    periods: Vec<Period>,
    fields: Vec<Field>,
    values: BTreeMap<String, Value>,
    prefilled: bool,
    receipts: Vec<(Org, ReceiptState, Option<ReceiptRow>)>,
    can_write: bool,
    errors: Vec<(String, String)>,
}

impl FillPage {
    fn text(&self, f: &Field) -> String {
        match self.values.get(&f.key) {
            Some(Value::Text(s)) => s.clone(),
            _ => String::new(),
        }
    }
    /// The table's rows, and three blank rows to add to.
    fn rows(&self, f: &Field) -> Vec<Vec<String>> {
        let mut rows = match self.values.get(&f.key) {
            Some(Value::Rows(r)) => r.clone(),
            _ => Vec::new(),
        };
        for _ in 0..3 {
            rows.push(vec![String::new(); f.columns.len()]);
        }
        rows
    }
    /// The files an attachment field carries: (id, name).
    fn files(&self, f: &Field) -> Vec<(String, String)> {
        files_of(self.values.get(&f.key))
    }
    fn cell<'a>(&self, row: &'a [String], i: &usize) -> &'a str {
        row.get(*i).map_or("", String::as_str)
    }
    fn error(&self, f: &Field) -> String {
        self.errors
            .iter()
            .filter(|(k, _)| *k == f.key)
            .map(|(_, m)| m.clone())
            .collect::<Vec<_>>()
            .join("；")
    }
    /// Whether the form may still be sent to someone (not yet sent, or returned).
    fn sendable(&self) -> bool {
        self.receipts.iter().any(|(_, s, _)| {
            !matches!(
                s,
                ReceiptState::SubmittedOnTime
                    | ReceiptState::SubmittedLate
                    | ReceiptState::Resubmitted
                    | ReceiptState::Accepted
            )
        })
    }
}

/// What was typed on a refused form, and the problems by field key.
type Typed = (BTreeMap<String, Value>, Vec<(String, String)>);

#[derive(Deserialize, Default)]
struct FillQuery {
    org: Option<i64>,
    period: Option<String>,
}

async fn fill_page(
    state: &AppState,
    auth: &Auth,
    headers: &HeaderMap,
    id: i64,
    org_id: Option<i64>,
    period_key: &Option<String>,
    typed: Option<Typed>,
) -> PageResult {
    let t = state.store.report_template_get(&auth.scope, id).await?;
    let org = target_org(state, auth, org_id).await?;
    let today = state.store.clock.today();
    let period = choose_period(&t, period_key, today)?;
    let (version, stored, prefilled) = state
        .store
        .report_draft(&auth.scope, &t, &period, &org)
        .await?;
    let fields = state.store.report_fields(t.id, version).await?;
    let now = state.store.clock.now();
    let got = state
        .store
        .report_receipts_of(t.id, &period.key, org.id)
        .await?;
    let receipts = state
        .store
        .report_receivers(t.id)
        .await?
        .into_iter()
        .map(|r| {
            let row = got.iter().find(|x| x.receiver_id == r.id).cloned();
            let st = receipt_state(
                &period,
                &row.as_ref().map(|x| x.receipt()).unwrap_or_default(),
                now,
            );
            (r, st, row)
        })
        .collect();
    let (values, errors) = typed.unwrap_or((stored, Vec::new()));
    let mut periods = t.periods(today);
    periods.reverse();
    let ctx = PageCtx::new(
        auth,
        headers,
        "/reports",
        format!("{} · {}", t.name, period.label),
    );
    let had = ctx.flash.is_some();
    let mut res = render(
        &FillPage {
            ctx,
            can_write: writes(auth, &org),
            t,
            org,
            period,
            periods,
            values,
            prefilled: prefilled && fields.iter().any(|f| f.source != Source::None),
            fields,
            receipts,
            errors: errors.clone(),
        },
        had,
    )?;
    if !errors.is_empty() {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn fill_form(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<FillQuery>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin, Role::OrgViewer])?;
    fill_page(&state, &auth, &headers, id, q.org, &q.period, None).await
}

/// The values of a fill form: text fields by key, table cells as `key__row__col` (the files an
/// attachment field keeps as `key__n__0` = id, `key__n__1` = name).
fn values_of(fields: &[Field], pairs: &[(String, String)]) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for f in fields {
        if f.kind == FieldKind::Attachment {
            let mut rows: BTreeMap<usize, [String; 2]> = BTreeMap::new();
            let prefix = format!("{}__", f.key);
            for (k, v) in pairs {
                let Some((r, c)) = k.strip_prefix(&prefix).and_then(|x| x.split_once("__")) else {
                    continue;
                };
                let (Ok(r), Ok(c)) = (r.parse::<usize>(), c.parse::<usize>()) else {
                    continue;
                };
                if r <= 100 && c < 2 {
                    rows.entry(r).or_default()[c] = v.trim().to_string();
                }
            }
            let rows: Vec<Vec<String>> = rows
                .into_values()
                .filter(|[id, _]| !id.is_empty())
                .map(|r| r.to_vec())
                .collect();
            out.insert(f.key.clone(), Value::Rows(rows));
        } else if f.kind == FieldKind::Table {
            let mut rows: BTreeMap<usize, Vec<String>> = BTreeMap::new();
            let prefix = format!("{}__", f.key);
            for (k, v) in pairs {
                let Some(rest) = k.strip_prefix(&prefix) else {
                    continue;
                };
                let Some((r, c)) = rest.split_once("__") else {
                    continue;
                };
                let (Ok(r), Ok(c)) = (r.parse::<usize>(), c.parse::<usize>()) else {
                    continue;
                };
                if r > 500 || c >= f.columns.len() {
                    continue;
                }
                let row = rows
                    .entry(r)
                    .or_insert_with(|| vec![String::new(); f.columns.len()]);
                row[c] = v.trim().to_string();
            }
            let rows: Vec<Vec<String>> = rows
                .into_values()
                .filter(|r| r.iter().any(|c| !c.is_empty()))
                .collect();
            out.insert(f.key.clone(), Value::Rows(rows));
        } else if let Some((_, v)) = pairs.iter().find(|(k, _)| *k == f.key) {
            out.insert(
                f.key.clone(),
                Value::Text(v.replace("\r\n", "\n").trim().to_string()),
            );
        }
    }
    out
}

/// The fill form as sent: its fields, and the files chosen for attachment fields (the field
/// `key__file`). A form without files may also come URL-encoded.
async fn fill_parts(
    req: axum::extract::Request,
) -> Result<(Vec<(String, String)>, Vec<(String, String, Vec<u8>)>), AppError> {
    use axum::extract::FromRequest;
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let Form(pairs) = Form::<Vec<(String, String)>>::from_request(req, &()).await?;
        return Ok((pairs, Vec::new()));
    }
    let mut form = axum::extract::Multipart::from_request(req, &())
        .await
        .map_err(|_| AppError::Invalid("提交的内容格式有误，请返回重新填写".into()))?;
    let broken = || AppError::Invalid("上传失败：文件过大（单个上限 10 MB）或传输中断".into());
    let mut pairs = Vec::new();
    let mut files = Vec::new();
    while let Some(field) = form.next_field().await.map_err(|_| broken())? {
        let name = field.name().unwrap_or_default().to_string();
        if let Some(key) = name.strip_suffix("__file") {
            let file_name = field.file_name().unwrap_or_default().to_string();
            let bytes = field.bytes().await.map_err(|_| broken())?;
            if !bytes.is_empty() {
                files.push((key.to_string(), file_name, bytes.to_vec()));
            }
        } else {
            let text = field.text().await.map_err(|_| broken())?;
            pairs.push((name, text));
        }
    }
    Ok((pairs, files))
}

async fn fill(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    req: axum::extract::Request,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let (pairs, uploads) = fill_parts(req).await?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let org_id: Option<i64> = get("org").parse().ok();
    let period_key = Some(get("period"));
    let t = state.store.report_template_get(&auth.scope, id).await?;
    let org = target_org(&state, &auth, org_id).await?;
    let period = choose_period(&t, &period_key, state.store.clock.today())?;
    let (version, _, _) = state
        .store
        .report_draft(&auth.scope, &t, &period, &org)
        .await?;
    let fields = state.store.report_fields(t.id, version).await?;
    let mut values = values_of(&fields, &pairs);
    // Files chosen on the form are kept first and added to their fields; a refused file
    // stops the saving, with what was typed shown again.
    let mut refused = Vec::new();
    for (key, name, bytes) in &uploads {
        let Some(f) = fields.iter().find(|f| f.key == *key) else {
            continue;
        };
        match state
            .store
            .report_file_add(
                &auth.actor(),
                &auth.scope,
                &t,
                &period.key,
                &org,
                f,
                name,
                bytes,
            )
            .await
        {
            Ok(file) => {
                if let Some(Value::Rows(rows)) = values.get_mut(key) {
                    rows.push(vec![file.id.to_string(), file.name]);
                }
            }
            Err(StoreError::Invalid { message, .. }) => refused.push((key.clone(), message)),
            Err(e) => return Err(e.into()),
        }
    }
    if !refused.is_empty() {
        return fill_page(
            &state,
            &auth,
            &headers,
            id,
            Some(org.id),
            &period_key,
            Some((values, refused)),
        )
        .await;
    }
    let send_to: Vec<i64> = if get("action") == "submit" {
        pairs
            .iter()
            .filter(|(k, _)| k == "send_to")
            .filter_map(|(_, v)| v.parse().ok())
            .collect()
    } else {
        Vec::new()
    };
    let back = format!(
        "/reports/templates/{id}/fill?org={}&period={}",
        org.id, period.key
    );
    if get("action") == "submit" && send_to.is_empty() {
        return Ok(redirect_with(&back, "error", "请选择报送给哪些接收单位"));
    }
    match state
        .store
        .report_save(
            &auth.actor(),
            &auth.scope,
            id,
            &period.key,
            org.id,
            &values,
            &send_to,
        )
        .await
    {
        Ok(problems) if problems.is_empty() => Ok(redirect_with(
            &back,
            "ok",
            if send_to.is_empty() {
                "已保存草稿（尚未报送）"
            } else {
                "已报送"
            },
        )),
        Ok(problems) => {
            fill_page(
                &state,
                &auth,
                &headers,
                id,
                Some(org.id),
                &period_key,
                Some((values, problems)),
            )
            .await
        }
        Err(e) => Ok(redirect_with(&back, "error", &message(e)?)),
    }
}

#[derive(Deserialize)]
struct ReviewForm {
    period: String,
    org: i64,
    receiver: i64,
    action: String,
    #[serde(default)]
    comment: String,
}

async fn review(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<ReviewForm>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let back = format!(
        "/reports/templates/{id}?period={}&receiver={}",
        f.period, f.receiver
    );
    let comment = (f.action == "return").then_some(f.comment.as_str());
    match state
        .store
        .report_review(
            &auth.actor(),
            &auth.scope,
            id,
            &f.period,
            f.org,
            f.receiver,
            comment,
        )
        .await
    {
        Ok(()) => Ok(redirect_with(
            &back,
            "ok",
            if comment.is_some() {
                "已退回修改，报送单位将看到意见"
            } else {
                "已接收"
            },
        )),
        Err(e) => Ok(redirect_with(&back, "error", &message(e)?)),
    }
}

/// A report's file, always as a download: for the submitting organisation and for the
/// receivers it was sent to.
async fn file(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> PageResult {
    auth.require(&[Role::OrgAdmin, Role::OrgViewer])?;
    let (f, bytes) = state.store.report_file_get(&auth.scope, id).await?;
    Ok(download(
        bytes,
        crate::widgets::download::mime_of(&f.content_type),
        &f.name,
    ))
}
