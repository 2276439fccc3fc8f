//! One meeting: its page, the steps of its flow, the host's check-in code, an attendee's
//! check-in, attendance and minutes, votes, make-ups, a check-in on someone's behalf and the
//! decisions to carry out.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use chrono::NaiveDate;
use serde::Deserialize;
use xianfeng_domain::dates::parse_date;
use xianfeng_domain::life::{Attendance, LifeConfig, MeetingStatus, Standard};
use xianfeng_domain::scope::Role;
use xianfeng_store::meetings::{ActionItem, Attendee, Mark, Meeting, Vote};
use xianfeng_store::orgs::Org;
use xianfeng_store::posts::Candidate;

use super::{back_to, can_write, message, redirect_result};
use crate::error::{AppError, PageResult};
use crate::extract::{Form, Path, Query};
use crate::page::{redirect_with, render, PageCtx};
use crate::routes::Routes;
use crate::session::Auth;
use crate::AppState;

pub fn router() -> Routes {
    Routes::new()
        .get("/meetings/{id}", show)
        .post("/meetings/{id}/step/{step}", step)
        .post("/meetings/{id}/cancel", cancel)
        .post("/meetings/{id}/minutes", minutes)
        .post("/meetings/{id}/vote", vote)
        .post("/meetings/{id}/makeup", makeup)
        .post("/meetings/{id}/proxy", proxy)
        .post("/meetings/{id}/items", item_create)
        .post("/items/{id}/close", item_close)
        .get("/meetings/{id}/qr", qr)
        .get("/meetings/{id}/checkin", checkin)
        .route(
            "/meetings/{id}/attachments",
            &["POST"],
            axum::routing::post(attach).layer(axum::extract::DefaultBodyLimit::max(
                xianfeng_store::meetings::MAX_ATTACHMENT + 64 * 1024,
            )),
        )
        .get("/attachments/{id}", attachment)
}

#[derive(Template)]
#[template(path = "meetings/show.html")]
struct ShowPage {
    ctx: PageCtx,
    m: Meeting,
    org: Org,
    life: LifeConfig,
    attendees: Vec<Attendee>,
    votes: Vec<Vote>,
    items: Vec<ActionItem>,
    attachments: Vec<xianfeng_store::meetings::Attachment>,
    people: Vec<Candidate>,
    can_write: bool,
    today: NaiveDate,
    present: usize,
    leave: usize,
    absent: usize,
    /// Whether votes are recorded at this kind of meeting.
    votes_here: bool,
    /// What was typed on a minutes form that was refused, shown again with the reason.
    draft: Option<Draft>,
}

/// A refused minutes form, as typed.
pub struct Draft {
    pub error: String,
    pub minutes: String,
    pub decisions: String,
    pub marks: std::collections::HashMap<i64, (String, String)>,
}

impl ShowPage {
    fn status(&self) -> MeetingStatus {
        self.m.status()
    }
    fn is(&self, code: &str) -> bool {
        self.m.status == code
    }
    /// Loaded from a register sheet: counts only, no attendee list, notice or votes.
    fn imported(&self) -> bool {
        self.m.source == "imported"
    }
    fn took_place(&self) -> bool {
        self.status().took_place()
    }
    fn checked_label(&self, a: &Attendee) -> &'static str {
        match a.checked_by.as_deref() {
            Some("self") => "扫码签到",
            Some("proxy") => "代签",
            Some("minutes") => "记录登记",
            _ => "",
        }
    }
    /// The attendance to show on the minutes form: as typed, as recorded, or present for
    /// someone not yet recorded.
    fn mark_of<'a>(&'a self, a: &'a Attendee) -> &'a str {
        if let Some((st, _)) = self.draft.as_ref().and_then(|d| d.marks.get(&a.member_id)) {
            return st;
        }
        if a.status == "unknown" {
            "present"
        } else {
            &a.status
        }
    }
    fn reason_of<'a>(&'a self, a: &'a Attendee) -> &'a str {
        match self.draft.as_ref().and_then(|d| d.marks.get(&a.member_id)) {
            Some((_, r)) => r,
            None => a.reason.as_deref().unwrap_or(""),
        }
    }
    fn minutes_text(&self) -> &str {
        match &self.draft {
            Some(d) => &d.minutes,
            None => self.m.minutes.as_deref().unwrap_or(""),
        }
    }
    fn decisions_text(&self) -> &str {
        match &self.draft {
            Some(d) => &d.decisions,
            None => self.m.decisions.as_deref().unwrap_or(""),
        }
    }
    fn rate(&self) -> String {
        let n = self.attendees.len();
        if n == 0 || !self.took_place() {
            return "—".into();
        }
        format!("{:.0}%", self.present as f64 * 100.0 / n as f64)
    }
}

async fn show(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin, Role::OrgViewer])?;
    render_show(&state, &auth, &headers, id, None).await
}

async fn render_show(
    state: &AppState,
    auth: &Auth,
    headers: &HeaderMap,
    id: i64,
    draft: Option<Draft>,
) -> PageResult {
    let m = state.store.meeting_get(&auth.scope, id).await?;
    let org = state.store.org_get(&auth.scope, m.org_id).await?;
    let attendees = state.store.meeting_attendees(&auth.scope, id).await?;
    let votes = state.store.meeting_votes(&auth.scope, id).await?;
    let items = state.store.meeting_items(&auth.scope, id).await?;
    let attachments = state.store.attachments_of(&auth.scope, id).await?;
    let writable = can_write(auth, &org);
    let people = if writable {
        state.store.meeting_people(&auth.scope, org.id).await?
    } else {
        Vec::new()
    };
    let life = state.store.life_config().await?;
    let count = |s: Attendance| attendees.iter().filter(|a| a.attendance() == s).count();
    let votes_here = matches!(
        life.counts_as(&m.kind),
        Standard::GeneralMeeting | Standard::Committee
    );
    let ctx = PageCtx::new(
        auth,
        headers,
        "/meetings",
        format!("{} · {}", life.kind_label(&m.kind), m.topic),
    );
    let had = ctx.flash.is_some();
    render(
        &ShowPage {
            ctx,
            draft,
            present: count(Attendance::Present),
            leave: count(Attendance::Leave),
            absent: count(Attendance::Absent),
            m,
            org,
            life,
            attendees,
            votes,
            items,
            attachments,
            people,
            can_write: writable,
            today: state.store.clock.today(),
            votes_here,
        },
        had,
    )
}

async fn step(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, step)): Path<(i64, String)>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let ok = match step.as_str() {
        "notice" => "已发出会议通知",
        "open" => "会议已开始：请在会场展示签到二维码",
        "close" => "会议已结束：请登记出勤并填写会议记录",
        "approve" => "会议记录已审定",
        _ => return Err(AppError::NotFound("页面不存在".into())),
    };
    let r = state
        .store
        .meeting_step(&auth.actor(), &auth.scope, id, &step)
        .await;
    if step == "open" && r.is_ok() {
        return Ok(redirect_with(&format!("/meetings/{id}/qr"), "ok", ok));
    }
    redirect_result(id, r, ok).await
}

#[derive(Deserialize)]
struct ReasonForm {
    reason: String,
}

async fn cancel(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<ReasonForm>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let r = state
        .store
        .meeting_cancel(&auth.actor(), &auth.scope, id, &f.reason)
        .await;
    redirect_result(id, r, "会议已取消（记录保留）").await
}

async fn minutes(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let mut marks = Vec::new();
    for (k, v) in &pairs {
        let Some(member) = k.strip_prefix("st_").and_then(|s| s.parse::<i64>().ok()) else {
            continue;
        };
        let Some(status) = Attendance::parse(v) else {
            continue;
        };
        if status == Attendance::Unknown {
            continue;
        }
        let why = get(&format!("why_{member}")).trim().to_string();
        marks.push(Mark {
            member_id: member,
            status,
            reason: (!why.is_empty()).then_some(why),
        });
    }
    let r = state
        .store
        .meeting_minutes(
            &auth.actor(),
            &auth.scope,
            id,
            get("minutes"),
            get("decisions"),
            &marks,
        )
        .await;
    match r {
        Ok(_) => Ok(redirect_with(
            &back_to(id),
            "ok",
            "已保存会议记录和出勤，请主持人审定",
        )),
        // Refused: the page again, with everything typed and the reason beside the button.
        Err(xianfeng_store::StoreError::Invalid { message, .. }) => {
            let draft = Draft {
                error: message,
                minutes: get("minutes").to_string(),
                decisions: get("decisions").to_string(),
                marks: marks
                    .iter()
                    .map(|m| {
                        (
                            m.member_id,
                            (
                                m.status.code().to_string(),
                                m.reason.clone().unwrap_or_default(),
                            ),
                        )
                    })
                    .collect(),
            };
            let mut res = render_show(&state, &auth, &headers, id, Some(draft)).await?;
            *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct VoteForm {
    subject: String,
    yes: String,
    no: String,
    abstain: String,
}

async fn vote(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<VoteForm>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let n = |s: &str| s.trim().parse::<i64>();
    let (Ok(yes), Ok(no), Ok(abstain)) = (n(&f.yes), n(&f.no), n(&f.abstain)) else {
        return Ok(redirect_with(
            &back_to(id),
            "error",
            "赞成、反对、弃权票数须为整数",
        ));
    };
    let r = state
        .store
        .meeting_vote(&auth.actor(), &auth.scope, id, &f.subject, yes, no, abstain)
        .await;
    redirect_result(id, r, "已登记表决结果").await
}

#[derive(Deserialize)]
struct MakeupForm {
    member_id: i64,
    makeup_on: String,
    note: String,
}

async fn makeup(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<MakeupForm>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let on = match parse_date(&f.makeup_on) {
        Ok(d) => d,
        Err(e) => {
            return Ok(redirect_with(
                &back_to(id),
                "error",
                &format!("补课日期：{e}"),
            ))
        }
    };
    let r = state
        .store
        .meeting_makeup(&auth.actor(), &auth.scope, id, f.member_id, on, &f.note)
        .await;
    redirect_result(id, r, "已登记补课").await
}

#[derive(Deserialize)]
struct ProxyForm {
    member_id: i64,
    note: String,
}

async fn proxy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<ProxyForm>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let r = state
        .store
        .meeting_proxy_checkin(&auth.actor(), &auth.scope, id, f.member_id, &f.note)
        .await;
    redirect_result(id, r, "已代为签到（记入审计日志）").await
}

#[derive(Deserialize)]
struct ItemForm {
    title: String,
    owner_id: String,
    due_date: String,
}

async fn item_create(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<ItemForm>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let Ok(owner) = f.owner_id.trim().parse::<i64>() else {
        return Ok(redirect_with(&back_to(id), "error", "请选择责任人"));
    };
    let due = match parse_date(&f.due_date) {
        Ok(d) => d,
        Err(e) => {
            return Ok(redirect_with(
                &back_to(id),
                "error",
                &format!("完成期限：{e}"),
            ))
        }
    };
    let r = state
        .store
        .action_item_create(&auth.actor(), &auth.scope, id, &f.title, owner, due)
        .await;
    redirect_result(id, r, "已登记决定事项，列入责任人的待办").await
}

#[derive(Deserialize)]
struct CloseForm {
    note: String,
    #[serde(default)]
    back: String,
}

async fn item_close(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<CloseForm>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin, Role::Member])?;
    let item = state.store.action_item_get(&auth.scope, id).await?;
    // Back where the form was, if it is one of ours.
    let back = if f.back.starts_with('/') && !f.back.starts_with("//") {
        f.back.clone()
    } else {
        item.meeting_id
            .map(back_to)
            .unwrap_or_else(|| format!("/meetings/items?org={}", item.org_id))
    };
    match state
        .store
        .action_item_close(&auth.actor(), &auth.scope, id, &f.note)
        .await
    {
        Ok(_) => Ok(redirect_with(&back, "ok", "事项已办结")),
        Err(e) => Ok(redirect_with(&back, "error", &message(e)?)),
    }
}

#[derive(Template)]
#[template(path = "meetings/qr.html")]
struct QrPage {
    ctx: PageCtx,
    m: Meeting,
    life: LifeConfig,
    svg: String,
    url: String,
    present: usize,
    expected: usize,
}

/// The host's screen: a check-in code that changes every 30 seconds (the page reloads itself,
/// without script), and how many have checked in.
async fn qr(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let m = state.store.meeting_get(&auth.scope, id).await?;
    let (step, code) = match state.store.meeting_checkin_code(&auth.scope, id).await {
        Ok(c) => c,
        Err(e) => return Ok(redirect_with(&back_to(id), "error", &message(e)?)),
    };
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = if state.config.secure { "https" } else { "http" };
    let url = format!("{scheme}://{host}/meetings/{id}/checkin?s={step}&c={code}");
    let svg = qrcode::QrCode::new(url.as_bytes())
        .map(|c| {
            c.render::<qrcode::render::svg::Color>()
                .min_dimensions(280, 280)
                .build()
        })
        .map_err(|e| AppError::Internal(e.to_string()))?;
    // The XML prolog is not valid inside HTML.
    let svg = match svg.find("<svg") {
        Some(i) => svg[i..].to_string(),
        None => svg,
    };
    let attendees = state.store.meeting_attendees(&auth.scope, id).await?;
    let present = attendees
        .iter()
        .filter(|a| a.attendance() == Attendance::Present)
        .count();
    let life = state.store.life_config().await?;
    let ctx = PageCtx::new(&auth, &headers, "/meetings", "扫码签到");
    let had = ctx.flash.is_some();
    let mut res = render(
        &QrPage {
            ctx,
            m,
            life,
            svg,
            url,
            present,
            expected: attendees.len(),
        },
        had,
    )?;
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

#[derive(Deserialize)]
struct CheckinQuery {
    s: i64,
    c: String,
}

#[derive(Template)]
#[template(path = "meetings/checkin.html")]
struct CheckinPage {
    ctx: PageCtx,
    ok: bool,
    text: String,
}

/// An attendee's check-in: the scanned code, the signed-in account's roster person.
async fn checkin(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<CheckinQuery>,
) -> PageResult {
    let r = state
        .store
        .meeting_checkin(&auth.actor(), auth.account.member_id, id, q.s, &q.c)
        .await;
    let (ok, text) = match r {
        Ok(name) => (true, format!("{name}，签到成功。")),
        Err(e) => (false, message(e)?),
    };
    let ctx = PageCtx::new(&auth, &headers, "/", "会议签到");
    let mut res = render(&CheckinPage { ctx, ok, text }, false)?;
    if !ok {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res.into_response())
}

/// Receives one attachment (the `_csrf` field first, then `file`).
async fn attach(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    mut form: axum::extract::Multipart,
) -> PageResult {
    auth.require(&[Role::OrgAdmin])?;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|_| AppError::Invalid("上传失败：文件过大（上限 10 MB）或传输中断".into()))?
    {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("附件").to_string();
            let bytes = field.bytes().await.map_err(|_| {
                AppError::Invalid("上传失败：文件过大（上限 10 MB）或传输中断".into())
            })?;
            file = Some((name, bytes.to_vec()));
        }
    }
    let Some((name, bytes)) = file else {
        return Ok(redirect_with(&back_to(id), "error", "请选择文件"));
    };
    let r = state
        .store
        .attachment_add(&auth.actor(), &auth.scope, id, &name, &bytes)
        .await;
    redirect_result(id, r, "已上传附件").await
}

/// An attachment, always as a download, under the meeting's scope.
async fn attachment(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> PageResult {
    auth.require(&[Role::OrgAdmin, Role::OrgViewer])?;
    let (a, bytes) = state.store.attachment_get(&auth.scope, id).await?;
    Ok(crate::widgets::download::download(
        bytes,
        crate::widgets::download::mime_of(&a.content_type),
        &a.name,
    ))
}
