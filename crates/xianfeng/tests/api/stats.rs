//! Party statistics: people count where and as what they were on the day; the page, the list
//! behind a number, the exports, the command line; and the roster round trip.

use chrono::NaiveDate;
use reqwest::StatusCode;
use serde_json::Value;
use xianfeng_domain::members::{ArchiveReason, MemberInput};
use xianfeng_domain::scope::{Role, Scope};
use xianfeng_store::audit::Actor;

use crate::helpers::*;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn writer(app_org: i64, path: xianfeng_domain::org::OrgPath) -> Scope {
    Scope::Subtree {
        root_id: app_org,
        path,
        write: true,
    }
}

/// Adds a person to `org` with the given record.
async fn person(app: &TestApp, org: i64, input: MemberInput) -> i64 {
    let fields = input.parse(app.clock.today()).unwrap();
    let o = app.store.org_get(&Scope::Structure, org).await.unwrap();
    app.store
        .member_create(
            &Actor::cli("test"),
            &writer(o.id, o.org_path()),
            org,
            &fields,
        )
        .await
        .unwrap()
}

fn full(name: &str, id: String, admission: &str, conversion: &str) -> MemberInput {
    MemberInput {
        name: name.into(),
        id_number: id,
        status: "full".into(),
        ethnicity: "汉族".into(),
        education: "大学本科".into(),
        category: "在职".into(),
        admission_date: admission.into(),
        conversion_date: conversion.into(),
        ..Default::default()
    }
}

/// A small district: five people with a dated history.
struct Story {
    d: District,
    probationary: i64,
}

async fn story(app: &TestApp) -> Story {
    let d = app.district().await;
    // Full member in A since 2005 (male: odd sequence).
    person(
        app,
        d.a,
        full(
            "甲",
            id_number("1980-05-01", 11),
            "2005-07-01",
            "2006-07-01",
        ),
    )
    .await;
    // Probationary member in A since 2026-03-01, a Hui woman.
    let probationary = person(
        app,
        d.a,
        MemberInput {
            name: "乙".into(),
            id_number: id_number("1998-02-03", 22),
            status: "probationary".into(),
            ethnicity: "回族".into(),
            category: "在职".into(),
            application_date: "2024-01-10".into(),
            activist_date: "2024-06-01".into(),
            candidate_date: "2025-09-01".into(),
            admission_date: "2026-03-01".into(),
            ..Default::default()
        },
    )
    .await;
    // An activist in B since 2025-05-01.
    person(
        app,
        d.b,
        MemberInput {
            name: "丙".into(),
            id_number: id_number("2000-09-09", 33),
            status: "activist".into(),
            category: "学生".into(),
            application_date: "2025-01-01".into(),
            activist_date: "2025-05-01".into(),
            ..Default::default()
        },
    )
    .await;
    // Full member in B, transferred to C (another committee) on 2026-06-01.
    let moved = person(
        app,
        d.b,
        full(
            "丁",
            id_number("1970-01-01", 41),
            "1995-07-01",
            "1996-07-01",
        ),
    )
    .await;
    let street = app.store.org_get(&Scope::Structure, d.root).await.unwrap();
    let all = writer(d.root, street.org_path());
    app.store
        .member_transfer(
            &Actor::cli("test"),
            &all,
            moved,
            d.c,
            day("2026-06-01"),
            None,
        )
        .await
        .unwrap();
    // Full member in A who died on 2026-01-10.
    let died = person(
        app,
        d.a,
        full(
            "戊",
            id_number("1940-03-03", 51),
            "1965-07-01",
            "1966-07-01",
        ),
    )
    .await;
    app.store
        .member_archive(
            &Actor::cli("test"),
            &all,
            died,
            ArchiveReason::Died,
            day("2026-01-10"),
            None,
        )
        .await
        .unwrap();
    Story { d, probationary }
}

async fn report(app: &TestApp, org: i64, on: &str) -> xianfeng_domain::stats::Report {
    let o = app.store.org_get(&Scope::Structure, org).await.unwrap();
    app.store
        .stats_report(&writer(org, o.org_path()), org, day(on))
        .await
        .unwrap()
}

#[tokio::test]
async fn people_count_where_and_as_what_they_were_on_the_day() {
    let app = TestApp::spawn().await;
    let s = story(&app).await;
    let d = &s.d;
    let today = app.clock.today().to_string();

    let r = report(&app, d.root, &today).await;
    let m = &r.members.counts;
    assert_eq!((m.total, m.full, m.probationary), (3, 2, 1));
    assert_eq!(
        (m.by_gender.male, m.by_gender.female, m.minority),
        (2, 1, 1)
    );
    assert_eq!((r.activists, r.candidates, r.applicants), (1, 0, 0));
    assert_eq!(r.organizations.total, 6);
    assert_eq!(r.organizations.by_type.get("branch"), 3);
    assert_eq!(r.members.by_ethnicity.get("回族"), 1);
    assert_eq!(r.members.by_category.get("employed"), 3);
    assert_eq!(r.members.by_age.get("up_to_30"), 1, "乙 is 28");
    assert_eq!(r.members.by_standing.get("up_to_5"), 1);
    assert_eq!(r.members.by_standing.get("31_to_40"), 1, "丁: 31 years");
    // Children: the street holds 甲 and 乙; the other committee holds 丁 since June.
    let street = r.children.iter().find(|c| c.org.code == "JD").unwrap();
    let other = r.children.iter().find(|c| c.org.code == "ZX").unwrap();
    assert_eq!((street.members.total, street.activists), (2, 1));
    assert_eq!(other.members.total, 1);

    // On 2026-01-01: 乙 was a candidate, 丁 still in branch B, 戊 alive.
    let r = report(&app, d.street, "2026-01-01").await;
    let m = &r.members.counts;
    assert_eq!((m.total, m.full, m.probationary), (3, 3, 0));
    assert_eq!((r.activists, r.candidates), (1, 1));
    // On 2025-03-01: 丙 had applied but was not yet an activist.
    let r = report(&app, d.street, "2025-03-01").await;
    assert_eq!((r.applicants, r.activists, r.candidates), (1, 1, 0));
    // The other committee had nobody before the transfer, one after.
    assert_eq!(
        report(&app, d.other, "2026-05-31")
            .await
            .members
            .counts
            .total,
        0
    );
    assert_eq!(
        report(&app, d.other, "2026-06-01")
            .await
            .members
            .counts
            .total,
        1
    );
    // The day of death is the first day not counted.
    assert_eq!(
        report(&app, d.a, "2026-01-09").await.members.counts.total,
        2
    );
    assert_eq!(
        report(&app, d.a, "2026-01-10").await.members.counts.total,
        1
    );

    // A restored person counts again from the day of restoration.
    let o = app.store.org_get(&Scope::Structure, d.root).await.unwrap();
    let list = app
        .store
        .stats_people(
            &writer(d.root, o.org_path()),
            d.root,
            app.clock.today(),
            &xianfeng_domain::stats::Drill::Minority,
            xianfeng_store::PageReq::new(None, None),
        )
        .await
        .unwrap();
    assert_eq!(list.total, 1);
    assert_eq!(list.items[0].id, s.probationary);
    // A future day is refused.
    let err = app
        .store
        .stats_report(&writer(d.root, o.org_path()), d.root, day("2027-01-01"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("不能晚于今天"));
}

#[tokio::test]
async fn the_statistics_page_lists_charts_drills_down_and_exports() {
    let app = TestApp::spawn().await;
    let s = story(&app).await;
    let d = &s.d;
    let c = app
        .login_as("jd_admin", Role::OrgAdmin, Some(d.street), None)
        .await;
    let r = app.get_with(&c, "/stats").await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("党内统计") && html.contains("<svg"));
    assert!(html.contains("示范街道党工委"));
    // The list behind the number of women: 乙 only.
    let r = app
        .get_with(
            &c,
            &format!("/stats/people?org={}&dim=gender&value=female", d.street),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains(">乙<") && !html.contains(">甲<"), "{html}");
    // A past day: 戊 was still a member of branch A.
    let html = app
        .get_with(
            &c,
            &format!("/stats/people?org={}&as_of=2026-01-01&dim=members", d.a),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(">戊<"));
    // Errors are pages with reasons, not failures.
    for bad in [
        "/stats?as_of=abc",
        "/stats?as_of=2030-01-01",
        "/stats/people?dim=nope",
    ] {
        let r = app.get_with(&c, bad).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    // Another subtree is out of scope.
    let r = app.get_with(&c, &format!("/stats?org={}", d.other)).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // The export is a workbook with the three tables, audited.
    let r = app.get_with(&c, "/stats/export.xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    let table =
        xianfeng_exchange::table::read_table(&bytes, xianfeng_exchange::table::Limits::default())
            .unwrap();
    assert!(table.rows[0][0].text().contains("党员统计表"));
    assert!(table.rows[1][0].text().starts_with("截至"));
    let total_row = table
        .rows
        .iter()
        .find(|r| r.get(1).map(|c| c.text()) == Some("党员总数".into()))
        .unwrap();
    assert_eq!(total_row[2].text(), "2");
    let audit = app.store.audit_export(&Default::default()).await.unwrap();
    assert!(audit.iter().any(|e| e.event == "stats.export"));
    // The system administrator sees the tree but no member statistics.
    let sys = app.login_as("sys2", Role::SystemAdmin, None, None).await;
    assert_eq!(
        app.get_with(&sys, "/stats").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_stats_command_prints_json_tables_and_workbooks() {
    let app = TestApp::spawn().await;
    story(&app).await;
    let out = app.cli(&["stats", "--org", "QW", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    // The real clock's today is after the fixed clock's, and nothing changed in between.
    assert_eq!(v["members"]["total"], 3);
    assert_eq!(v["members"]["full"], 2);
    assert_eq!(v["members"]["probationary"], 1);
    assert_eq!(v["members"]["by_gender"]["male"], 2);
    assert_eq!(v["members"]["by_gender"]["female"], 1);
    assert_eq!(v["members"]["minority"], 1);
    assert_eq!(v["organizations"]["by_type"]["branch"], 3);
    assert_eq!(v["organizations"]["by_type"]["working_committee"], 1);
    assert_eq!(v["children"][0]["members"]["total"], 2);
    let out = app.cli(&[
        "stats",
        "--org",
        "JD",
        "--as-of",
        "2026-01-01",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["members"]["total"], 3);
    assert_eq!(v["candidates"], 1);
    let out = app.cli(&["stats", "--org", "QW"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("党员总数") && text.contains("下级组织"));
    let dir = std::env::temp_dir().join(format!("xf-stats-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("s.xlsx");
    let out = app.cli(&[
        "stats",
        "--org",
        "QW",
        "--format",
        "xlsx",
        "--output",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let t = xianfeng_exchange::table::read_table(
        &std::fs::read(&file).unwrap(),
        xianfeng_exchange::table::Limits::default(),
    )
    .unwrap();
    assert!(t.rows[0][0].text().contains("党员统计表"));
    // Unknown organisation and a date that is not one: clear messages, failure status.
    let out = app.cli(&["stats", "--org", "NOPE"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("组织"));
    let out = app.cli(&["stats", "--org", "QW", "--as-of", "2026-13-01"]);
    assert!(!out.status.success());
    std::fs::remove_dir_all(&dir).ok();
}

/// Exporting a roster and importing the export into an empty database gives the same table.
#[tokio::test]
async fn export_then_import_into_an_empty_database_gives_identical_statistics() {
    let source = TestApp::spawn().await;
    let s = story(&source).await;
    // A few more people with varied records.
    for i in 0..12u32 {
        let birth = format!("19{}-0{}-1{}", 60 + i * 3, 1 + i % 9, i % 9);
        let mut input = full(
            &format!("成员{i}"),
            id_number(&birth, 100 + i),
            &format!("20{:02}-07-01", 5 + i),
            &format!("20{:02}-07-01", 6 + i),
        );
        input.ethnicity = ["汉族", "满族", "壮族"][i as usize % 3].into();
        input.education = ["研究生", "大学专科", "高中", "初中"][i as usize % 4].into();
        input.category = ["在职", "离退休", "农牧渔民"][i as usize % 3].into();
        person(&source, [s.d.a, s.d.b, s.d.c][i as usize % 3], input).await;
    }
    let c = source
        .login_as("root_admin", Role::OrgAdmin, Some(s.d.root), None)
        .await;
    let bytes = source
        .get_with(
            &c,
            &format!("/members/export.xlsx?org={}&ids=full", s.d.root),
        )
        .await
        .bytes()
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!("xf-roundtrip-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("roster.xlsx");
    std::fs::write(&file, &bytes).unwrap();

    let target = TestApp::spawn().await;
    target.district().await;
    let out = target.cli(&[
        "import",
        "members",
        file.to_str().unwrap(),
        "--org",
        "QW",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(v["committed"], true, "{v}");

    let today = source.clock.today().to_string();
    let a = report(&source, s.d.root, &today).await;
    let b = report(&target, s.d.root, &today).await;
    assert_eq!(a.members, b.members);
    assert_eq!(
        (a.applicants, a.activists, a.candidates),
        (b.applicants, b.activists, b.candidates)
    );
    assert_eq!(a.organizations, b.organizations);
    let rows = |r: &xianfeng_domain::stats::Report| {
        r.children
            .iter()
            .map(|c| (c.org.code.clone(), c.members.clone(), c.activists))
            .collect::<Vec<_>>()
    };
    assert_eq!(rows(&a), rows(&b));
    assert_eq!(a.members.counts.total, 15);
    std::fs::remove_dir_all(&dir).ok();
}
