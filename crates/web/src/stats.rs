//! Party statistics (党内统计): the table of a subtree on any day, charts drawn as SVG, the
//! list behind every number, and the XLSX export.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use chrono::NaiveDate;
use serde::Deserialize;
use xianfeng_domain::dates::parse_date;
use xianfeng_domain::scope::{Role, Scope};
use xianfeng_domain::stats::{Buckets, Drill, Report, HAN};
use xianfeng_store::orgs::Org;
use xianfeng_store::stats::StatPerson;
use xianfeng_store::{Page, PageReq};

use crate::error::{AppError, PageResult};
use crate::extract::Query;
use crate::forms::{clean_param, query};
use crate::page::{page_numbers, render, PageCtx};
use crate::routes::Routes;
use crate::session::Auth;
use crate::widgets::charts::{bars, stack, Bar};
use crate::widgets::download::download;
use crate::widgets::tree::{tree, Tree};
use crate::AppState;
use xianfeng_store::audit::AuditEvent;

pub fn router() -> Routes {
    Routes::new()
        .get("/stats", index)
        .get("/stats/people", people)
        .get("/stats/export.xlsx", export_xlsx)
}

const READ_ROLES: &[Role] = &[Role::OrgAdmin, Role::OrgViewer];

#[derive(Deserialize, Default)]
pub struct StatsQuery {
    org: Option<i64>,
    as_of: Option<String>,
    dim: Option<String>,
    value: Option<String>,
    page: Option<u32>,
}

/// The organisation and day a request asks for, checked.
struct Target {
    org: Org,
    day: NaiveDate,
    /// `org=…&as_of=…` for links that keep the selection.
    keep: String,
}

async fn target(state: &AppState, auth: &Auth, q: &StatsQuery) -> Result<Target, AppError> {
    auth.require(READ_ROLES)?;
    let root = match &auth.scope {
        Scope::Subtree { root_id, .. } => *root_id,
        _ => return Err(AppError::Forbidden),
    };
    let org = state
        .store
        .org_get(&auth.scope, q.org.unwrap_or(root))
        .await?;
    let today = state.store.clock.today();
    let day = match clean_param(&q.as_of) {
        None => today,
        Some(s) => parse_date(&s).map_err(|e| AppError::Invalid(format!("统计日期：{e}")))?,
    };
    if day > today {
        return Err(AppError::Invalid("统计日期不能晚于今天".into()));
    }
    let keep = query(&[
        ("org", org.id.to_string()),
        (
            "as_of",
            if day == today {
                String::new()
            } else {
                day.to_string()
            },
        ),
    ]);
    Ok(Target { org, day, keep })
}

/// One line of the members table, linked to its list.
pub struct Line {
    pub section: &'static str,
    pub label: String,
    pub count: i64,
    pub share: String,
    pub href: String,
}

pub struct Chart {
    pub title: &'static str,
    pub svg: String,
}

#[derive(Template)]
#[template(path = "stats/index.html")]
struct IndexPage {
    ctx: PageCtx,
    tree: Tree,
    org: Org,
    r: Report,
    day: String,
    is_today: bool,
    keep: String,
    lines: Vec<Line>,
    charts: Vec<Chart>,
}

fn share(part: i64, whole: i64) -> String {
    if whole == 0 {
        String::new()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / whole as f64)
    }
}

fn drill(keep: &str, dim: &str, value: &str) -> String {
    let mut q = format!("/stats/people?{keep}&dim={dim}");
    if !value.is_empty() {
        q.push_str("&value=");
        q.push_str(&crate::forms::query(&[("v", value.to_string())])[2..]);
    }
    q
}

fn bucket_bars(b: &Buckets, keep: &str, dim: &str) -> Vec<Bar> {
    b.0.iter()
        .map(|x| Bar {
            label: x.label.clone(),
            value: x.count,
            href: Some(drill(keep, dim, &x.key)),
        })
        .collect()
}

async fn index(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<StatsQuery>,
) -> PageResult {
    let t = target(&state, &auth, &q).await?;
    let r = state
        .store
        .stats_report(&auth.scope, t.org.id, t.day)
        .await?;
    let m = &r.members;
    let total = m.counts.total;
    let k = t.keep.as_str();
    let lines: Vec<Line> = r
        .member_lines()
        .into_iter()
        .map(|l| Line {
            share: if l.of_members {
                share(l.count, total)
            } else {
                String::new()
            },
            href: drill(k, l.dim, &l.value),
            section: l.section,
            label: l.label,
            count: l.count,
        })
        .collect();
    let minorities = Buckets(
        m.by_ethnicity
            .0
            .iter()
            .filter(|b| b.key != HAN)
            .cloned()
            .collect(),
    );
    let mut charts = vec![
        Chart {
            title: "正式党员与预备党员",
            svg: stack(
                "正式党员与预备党员",
                &[
                    Bar {
                        label: "正式党员".into(),
                        value: m.counts.full,
                        href: Some(drill(k, "status", "full")),
                    },
                    Bar {
                        label: "预备党员".into(),
                        value: m.counts.probationary,
                        href: Some(drill(k, "status", "probationary")),
                    },
                ],
            ),
        },
        Chart {
            title: "性别",
            svg: stack(
                "性别",
                &[
                    Bar {
                        label: "男".into(),
                        value: m.counts.by_gender.male,
                        href: Some(drill(k, "gender", "male")),
                    },
                    Bar {
                        label: "女".into(),
                        value: m.counts.by_gender.female,
                        href: Some(drill(k, "gender", "female")),
                    },
                ],
            ),
        },
        Chart {
            title: "年龄",
            svg: bars("年龄", &bucket_bars(&m.by_age, k, "age")),
        },
        Chart {
            title: "党龄",
            svg: bars("党龄", &bucket_bars(&m.by_standing, k, "standing")),
        },
        Chart {
            title: "学历",
            svg: bars("学历", &bucket_bars(&m.by_education, k, "education")),
        },
        Chart {
            title: "人员类别",
            svg: bars("人员类别", &bucket_bars(&m.by_category, k, "category")),
        },
    ];
    if !minorities.0.is_empty() {
        charts.push(Chart {
            title: "少数民族党员",
            svg: bars("少数民族党员", &bucket_bars(&minorities, k, "ethnicity")),
        });
    }
    charts.push(Chart {
        title: "党组织类别",
        svg: bars(
            "党组织类别",
            &r.organizations
                .by_type
                .0
                .iter()
                .map(|b| Bar {
                    label: b.label.clone(),
                    value: b.count,
                    href: None,
                })
                .collect::<Vec<_>>(),
        ),
    });
    charts.push(Chart {
        title: "党组织所属领域",
        svg: bars(
            "党组织所属领域",
            &r.organizations
                .by_sector
                .0
                .iter()
                .map(|b| Bar {
                    label: b.label.clone(),
                    value: b.count,
                    href: None,
                })
                .collect::<Vec<_>>(),
        ),
    });
    let ctx = PageCtx::new(&auth, &headers, "/stats", "党内统计");
    let had = ctx.flash.is_some();
    let today = state.store.clock.today();
    let page = IndexPage {
        ctx,
        tree: tree(&state.store, &auth.scope, Some(t.org.id), "/stats?org=").await?,
        org: t.org,
        day: t.day.to_string(),
        is_today: t.day == today,
        keep: t.keep,
        r,
        lines,
        charts,
    };
    render(&page, had)
}

#[derive(Template)]
#[template(path = "stats/people.html")]
struct PeoplePage {
    ctx: PageCtx,
    org: Org,
    day: String,
    keep: String,
    what: String,
    results: Page<StatPerson>,
    pages: Vec<Option<u32>>,
    base_query: String,
}

async fn people(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<StatsQuery>,
) -> PageResult {
    let t = target(&state, &auth, &q).await?;
    let dim = clean_param(&q.dim).unwrap_or_default();
    let value = q.value.clone().unwrap_or_default();
    let d = Drill::parse(&dim, value.trim())
        .ok_or_else(|| AppError::Invalid("统计项不正确，请从统计表中点击进入".into()))?;
    let results = state
        .store
        .stats_people(
            &auth.scope,
            t.org.id,
            t.day,
            &d,
            PageReq::new(q.page, Some(50)),
        )
        .await?;
    let base_query = format!(
        "{}&{}",
        t.keep,
        query(&[("dim", dim), ("value", value.trim().to_string())])
    );
    let pages = page_numbers(results.page, results.pages());
    let ctx = PageCtx::new(&auth, &headers, "/stats", "党内统计");
    let had = ctx.flash.is_some();
    render(
        &PeoplePage {
            ctx,
            what: d.describe(),
            org: t.org,
            day: t.day.to_string(),
            keep: t.keep,
            results,
            pages,
            base_query,
        },
        had,
    )
}

async fn export_xlsx(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<StatsQuery>,
) -> PageResult {
    let t = target(&state, &auth, &q).await?;
    let r = state
        .store
        .stats_report(&auth.scope, t.org.id, t.day)
        .await?;
    let bytes =
        xianfeng_exchange::stats::report_xlsx(&r).map_err(|e| AppError::Internal(e.to_string()))?;
    state
        .store
        .audit_now(
            &auth.actor(),
            AuditEvent::ok(
                "stats.export",
                format!("导出“{}”党内统计（截至 {}）", t.org.name, t.day),
            )
            .on("org", t.org.id),
        )
        .await?;
    Ok(download(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{}党内统计_{}.xlsx", t.org.name, t.day),
    )
    .into_response())
}
