//! Development files: an imported sheet written by a spreadsheet library gives exactly the
//! findings its history deserves, person by person; unreadable rows stop the whole import;
//! the stored findings follow the check; the daily job runs once per day.

use std::collections::BTreeMap;

use rust_xlsxwriter::{Format, Workbook};
use serde_json::Value;
use xianfeng_domain::members::MemberInput;
use xianfeng_domain::scope::Scope;
use xianfeng_store::audit::Actor;

use crate::helpers::*;

/// The template's headings: the columns the issue lists, then the optional ones.
const HEAD: [&str; 32] = xianfeng_exchange::development::TEMPLATE_HEADINGS;

/// A row as column → value; the sheet writes dates as real Excel dates, counts as numbers.
fn row(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn sheet(rows: &[BTreeMap<String, String>]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    ws.write_string(0, 0, "示范区发展党员工作台账").unwrap();
    for (c, h) in HEAD.iter().enumerate() {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    for (r, values) in rows.iter().enumerate() {
        let r = r as u32 + 2;
        for (c, h) in HEAD.iter().enumerate() {
            let Some(v) = values.get(*h) else { continue };
            let c = c as u16;
            if let Ok(d) = v.parse::<chrono::NaiveDate>() {
                let dt = rust_xlsxwriter::ExcelDateTime::parse_from_str(&d.to_string()).unwrap();
                ws.write_datetime_with_format(r, c, &dt, &date).unwrap();
            } else if let Ok(n) = v.parse::<f64>() {
                if h.contains("身份") {
                    ws.write_string(r, c, v).unwrap();
                } else {
                    ws.write_number(r, c, n).unwrap();
                }
            } else {
                ws.write_string(r, c, v).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

fn full_history(name: &str, id: &str) -> BTreeMap<String, String> {
    row(&[
        ("姓名", name),
        ("公民身份号码", id),
        ("所在党组织", "第一社区党支部"),
        ("申请入党日期", "2021-03-01"),
        ("谈话日期", "2021-03-15"),
        ("确定积极分子日期", "2021-06-01"),
        ("积极分子备案日期", "2021-06-10"),
        ("考察日期", "2021-12-01、2022-05-20"),
        ("确定发展对象日期", "2022-06-10"),
        ("发展对象备案日期", "2022-06-15"),
        ("政治审查日期", "2022-07-01"),
        ("集中培训开始日期", "2022-07-05"),
        ("集中培训结束日期", "2022-07-07"),
        ("集中培训学时", "24"),
        ("支委会审查日期", "2022-07-20"),
        ("上级党委预审日期", "2022-08-01"),
        ("支部大会日期", "2022-08-15"),
        ("应到会有表决权人数", "10"),
        ("实到会有表决权人数", "8"),
        ("赞成票数", "8"),
        ("上级党委谈话日期", "2022-08-25"),
        ("上级党委审批日期", "2022-09-10"),
        ("入党宣誓日期", "2022-09-20"),
        ("转正申请日期", "2023-07-20"),
        ("转正支部大会日期", "2023-08-15"),
        ("转正审批日期", "2023-09-01"),
    ])
}

/// (name → sorted rules) from `xianfeng check --format json`.
fn by_person(json: &Value) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in json["findings"].as_array().unwrap() {
        if f["subject"]["type"] == "person" {
            out.entry(f["subject"]["name"].as_str().unwrap().to_string())
                .or_default()
                .push(f["rule"].as_str().unwrap().to_string());
        }
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

#[tokio::test]
async fn an_imported_sheet_gives_each_person_exactly_their_findings() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    // Already on the roster: admitted on a day other than the general meeting.
    let sun_id = id_number("1990-02-02", 61);
    let sun = app
        .person(
            d.a,
            MemberInput {
                name: "孙六".into(),
                id_number: sun_id.clone(),
                status: "probationary".into(),
                category: "在职".into(),
                admission_date: "2025-11-01".into(),
                ..Default::default()
            },
        )
        .await;

    let rows = vec![
        full_history("张一", &id_number("1995-04-04", 11)),
        // Under 18 on the application date (born 2008-06-01), talked to late.
        row(&[
            ("姓名", "李二"),
            ("公民身份号码", &id_number("2008-06-01", 22)),
            ("所在党组织", "JD-01"),
            ("申请入党日期", "2026-05-01"),
            ("谈话日期", "2026-06-05"),
        ]),
        // Talked to before applying; no assessment since 2024-08-01.
        row(&[
            ("姓名", "王三"),
            ("公民身份号码", &id_number("1990-03-03", 33)),
            ("所在党组织", "第一社区党支部"),
            ("申请入党日期", "2024-01-10"),
            ("谈话日期", "2024-01-05"),
            ("确定积极分子日期", "2024-03-01"),
            ("积极分子备案日期", "2024-03-05"),
            ("考察日期", "2024-08-01"),
        ]),
        // Candidate too early, training too short, exactly half the votes, approval overdue.
        row(&[
            ("姓名", "赵四"),
            ("公民身份号码", &id_number("1992-07-07", 44)),
            ("所在党组织", "第二社区党支部"),
            ("申请入党日期", "2024-01-01"),
            ("谈话日期", "2024-01-10"),
            ("确定积极分子日期", "2024-03-01"),
            ("积极分子备案日期", "2024-03-10"),
            ("考察日期", "2024-08-20"),
            ("确定发展对象日期", "2025-01-15"),
            ("发展对象备案日期", "2025-01-20"),
            ("政治审查日期", "2025-02-01"),
            ("集中培训开始日期", "2025-02-10"),
            ("集中培训结束日期", "2025-02-11"),
            ("集中培训学时", "16"),
            ("支委会审查日期", "2025-03-01"),
            ("上级党委预审日期", "2025-03-10"),
            ("支部大会日期", "2025-04-01"),
            ("应到会有表决权人数", "10"),
            ("实到会有表决权人数", "5"),
            ("赞成票数", "5"),
        ]),
        // Approved without the upper committee's talk; probation ends in 17 days.
        row(&[
            ("姓名", "钱五"),
            ("公民身份号码", &id_number("1993-09-09", 55)),
            ("所在党组织", "第一社区党支部"),
            ("申请入党日期", "2023-05-01"),
            ("谈话日期", "2023-05-10"),
            ("确定积极分子日期", "2023-07-01"),
            ("积极分子备案日期", "2023-07-05"),
            ("考察日期", "2023-12-20、2024-06-10、2024-11-20"),
            ("确定发展对象日期", "2024-12-01"),
            ("发展对象备案日期", "2024-12-05"),
            ("政治审查日期", "2025-01-10"),
            ("集中培训开始日期", "2025-03-01"),
            ("集中培训结束日期", "2025-03-03"),
            ("支委会审查日期", "2025-10-20"),
            ("上级党委预审日期", "2025-11-01"),
            ("支部大会日期", "2025-12-10"),
            ("应到会有表决权人数", "9"),
            ("实到会有表决权人数", "7"),
            ("赞成票数", "7"),
            ("上级党委审批日期", "2026-01-20"),
            ("入党宣誓日期", "2026-02-01"),
        ]),
        // On the roster with admission 2025-11-01; the meeting was 2025-10-25.
        row(&[
            ("姓名", "孙六"),
            ("公民身份号码", &sun_id),
            ("所在党组织", "第一社区党支部"),
            ("申请入党日期", "2023-01-05"),
            ("谈话日期", "2023-01-20"),
            ("确定积极分子日期", "2023-04-01"),
            ("积极分子备案日期", "2023-04-05"),
            ("考察日期", "2023-09-15、2024-03-10"),
            ("确定发展对象日期", "2024-04-10"),
            ("发展对象备案日期", "2024-04-15"),
            ("政治审查日期", "2024-05-01"),
            ("集中培训开始日期", "2024-05-10"),
            ("集中培训结束日期", "2024-05-12"),
            ("支委会审查日期", "2025-09-01"),
            ("上级党委预审日期", "2025-09-20"),
            ("支部大会日期", "2025-10-25"),
            ("应到会有表决权人数", "12"),
            ("实到会有表决权人数", "10"),
            ("赞成票数", "9"),
            ("上级党委谈话日期", "2025-11-10"),
            ("上级党委审批日期", "2025-12-01"),
            ("入党宣誓日期", "2025-12-10"),
        ]),
    ];
    let dir = tempfile_dir();
    let path = dir.join("发展台账.xlsx");
    std::fs::write(&path, sheet(&rows)).unwrap();
    let out = app.cli(&[
        "import",
        "development",
        path.to_str().unwrap(),
        "--org",
        "QW",
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["committed"], true, "{report}");
    assert_eq!(report["created"], 5);
    assert_eq!(report["updated"], 1);

    // The binary reads the real clock; the check names the test's day.
    let out = app.cli(&[
        "check",
        "--org",
        "QW",
        "--rule",
        "DEV",
        "--as-of",
        "2026-11-23",
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["as_of"], "2026-11-23");
    let got = by_person(&json);
    let want: BTreeMap<String, Vec<String>> = [
        ("李二", vec!["DEV-001", "DEV-002"]),
        ("王三", vec!["DEV-003", "DEV-018"]),
        (
            "赵四",
            vec!["DEV-007", "DEV-010", "DEV-011", "DEV-011", "DEV-013"],
        ),
        ("钱五", vec!["DEV-012", "DEV-019"]),
        // Probation from the meeting of 2025-10-25 ended on 2026-10-25 with no conversion
        // meeting on record.
        ("孙六", vec!["DEV-014", "DEV-022"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(got, want);
    // The finding's shape.
    let f = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "DEV-003")
        .unwrap();
    assert_eq!(f["severity"], "error");
    assert_eq!(f["org"], "JD-01");
    assert_eq!(f["dates"]["talk_date"], "2024-01-05");
    assert_eq!(f["dates"]["application_date"], "2024-01-10");
    assert!(f["message"].as_str().unwrap().contains("谈话日期"));
    assert!(f["subject"]["id"].as_i64().unwrap() > 0);

    // The roster follows the files: 张一 a full member from the end of probation, 孙六's
    // stored admission kept (so the check can say it is wrong).
    let list = app
        .store
        .member_list(
            &Scope::Subtree {
                root_id: d.root,
                path: app
                    .store
                    .org_get(&Scope::Structure, d.root)
                    .await
                    .unwrap()
                    .org_path(),
                write: false,
            },
            &Default::default(),
            xianfeng_store::PageReq::new(None, Some(50)),
        )
        .await
        .unwrap();
    let zhang = list.items.iter().find(|m| m.name == "张一").unwrap();
    assert_eq!(zhang.status, "full");
    assert_eq!(zhang.admission_date, Some("2022-08-15".parse().unwrap()));
    assert_eq!(zhang.conversion_date, Some("2023-08-15".parse().unwrap()));
    let zhao = list.items.iter().find(|m| m.name == "赵四").unwrap();
    assert_eq!(zhao.status, "candidate");
    let sun_row = list.items.iter().find(|m| m.id == sun).unwrap();
    assert_eq!(sun_row.admission_date, Some("2025-11-01".parse().unwrap()));

    // The stored findings (kept current on write) agree with the check.
    let stored = app
        .store
        .findings_of(&Scope::whole_tree(), "person", zhao.id)
        .await
        .unwrap();
    let mut rules: Vec<&str> = stored.iter().map(|f| f.rule.as_str()).collect();
    rules.sort();
    assert_eq!(
        rules,
        ["DEV-007", "DEV-010", "DEV-011", "DEV-011", "DEV-013"]
    );

    // As of a past day, steps recorded later had not happened: on 2025-03-15 赵四 had no
    // general meeting yet, so only the early designation and the short training... not yet
    // judged (training is judged at the meeting): DEV-007 alone.
    let out = app.cli(&[
        "check",
        "--org",
        "JD-02",
        "--rule",
        "DEV",
        "--as-of",
        "2025-03-15",
        "--format",
        "json",
    ]);
    let past: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        by_person(&past).get("赵四"),
        Some(&vec!["DEV-007".to_string()])
    );
}

#[tokio::test]
async fn an_unreadable_row_stops_the_whole_import() {
    let app = TestApp::spawn().await;
    app.district().await;
    let rows = vec![
        full_history("张一", &id_number("1995-04-04", 11)),
        row(&[
            ("姓名", "错行"),
            ("公民身份号码", "110105199001010000"),
            ("所在党组织", "第一社区党支部"),
            ("申请入党日期", "2021-02-30"),
        ]),
    ];
    let dir = tempfile_dir();
    let path = dir.join("bad.xlsx");
    std::fs::write(&path, sheet(&rows)).unwrap();
    let out = app.cli(&[
        "import",
        "development",
        path.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(!out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["committed"], false);
    let columns: Vec<&str> = report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["column"].as_str().unwrap())
        .collect();
    assert_eq!(columns, ["公民身份号码", "申请入党日期"]);
    assert_eq!(
        app.store.member_count(&Scope::Structure).await.unwrap_or(0),
        0
    );
    let out = app.cli(&["check", "--format", "json", "--rule", "DEV"]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["findings"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn the_daily_check_runs_once_a_day_and_closes_what_is_fixed() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let today = app.clock.today();
    let first = app.store.daily_check_once(today).await.unwrap().unwrap();
    // Organisations without secretaries and branches without members are findings, stored
    // already when the organisations were created: the daily run finds nothing new.
    assert!(first.seen > 0);
    assert_eq!(first.opened, 0);
    assert_eq!(first.closed, 0);
    assert!(app.store.daily_check_once(today).await.unwrap().is_none());
    // A second copy on the same database does not run it again either.
    let again = xianfeng::open_store(
        &app.database_url,
        xianfeng_store::Keys::from_master(&app.keys_master),
        app.clock.clone(),
    )
    .await
    .unwrap();
    assert!(again.daily_check_once(today).await.unwrap().is_none());
    let open = app
        .store
        .findings_of(&Scope::whole_tree(), "org", d.a)
        .await
        .unwrap();
    assert!(open.iter().any(|f| f.rule == "ORG-005"), "{open:?}");
    // Appointing a secretary closes ORG-005 on the write itself.
    let zhou = app.member(d.a, "周书记", 901).await;
    app.store
        .post_appoint(
            &Actor::cli("test"),
            &Scope::whole_tree(),
            d.a,
            &xianfeng_store::posts::Appointment {
                post: "secretary".into(),
                member_id: zhou,
            },
            today,
        )
        .await
        .unwrap();
    let open = app
        .store
        .findings_of(&Scope::whole_tree(), "org", d.a)
        .await
        .unwrap();
    assert!(!open.iter().any(|f| f.rule == "ORG-005"), "{open:?}");
    // The next day runs again.
    let tomorrow = today.succ_opt().unwrap();
    assert!(again.daily_check_once(tomorrow).await.unwrap().is_some());
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "xianfeng-dev-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

#[tokio::test]
async fn the_file_page_records_steps_refuses_what_is_forbidden_and_shows_findings() {
    use reqwest::StatusCode;
    use xianfeng_domain::scope::Role;
    let app = TestApp::spawn().await;
    let d = app.district().await;
    // A probationary member (as introducer: refused) and a full member (accepted).
    let a_row = app.store.org_get(&Scope::Structure, d.a).await.unwrap();
    let scope_a = Scope::Subtree {
        root_id: d.a,
        path: a_row.org_path(),
        write: true,
    };
    let add = |name: &str, id: String, status: &str, adm: &str, conv: &str| MemberInput {
        name: name.into(),
        id_number: id,
        status: status.into(),
        category: "在职".into(),
        admission_date: adm.into(),
        conversion_date: conv.into(),
        ..Default::default()
    };
    let prob = add(
        "预备甲",
        id_number("1988-01-01", 71),
        "probationary",
        "2026-01-10",
        "",
    );
    let full = add(
        "正式乙",
        id_number("1970-01-01", 73),
        "full",
        "2000-07-01",
        "2001-07-01",
    );
    let person = add("申请丙", id_number("1996-02-02", 75), "applicant", "", "");
    let mut ids = Vec::new();
    for m in [prob, full, person] {
        ids.push(app.person(d.a, m).await);
    }
    let person = ids[2];
    let c = app
        .login_as("jd_admin", Role::OrgAdmin, Some(d.street), None)
        .await;
    let r = app
        .get_with(&c, &format!("/members/{person}/development"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("申请丙的发展档案") && html.contains("第1阶段 申请入党"));

    // Application and a late talk: saved (history is recorded as it was), and found.
    let r = app
        .post_form(
            &c,
            &format!("/members/{person}/development"),
            &[
                ("application_date", "2026-09-01"),
                ("talk_date", "2026-10-15"),
                ("talker", "周谈话"),
                ("activist_date", "2026-10-20"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = app
        .get_with(&c, &format!("/members/{person}/development"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("DEV-002") && html.contains("周谈话"),
        "{html}"
    );
    // An assessment of the activist stage is recorded; one "during probation" is refused
    // before the person is admitted.
    app.post_form(
        &c,
        &format!("/members/{person}/development/assessment"),
        &[("assessed_on", "2026-11-20"), ("stage", "activist")],
    )
    .await;
    app.post_form(
        &c,
        &format!("/members/{person}/development/assessment"),
        &[("assessed_on", "2026-11-21"), ("stage", "probation")],
    )
    .await;
    let rec = app.store.dev_record(&scope_a, person).await.unwrap();
    assert_eq!(rec.assessments.len(), 1);
    assert_eq!(rec.file.assessments, vec!["2026-11-20".parse().unwrap()]);
    // The roster follows: now an activist.
    let m = app.store.member_get(&scope_a, person).await.unwrap();
    assert_eq!(m.status, "activist");
    assert_eq!(m.activist_date, Some("2026-10-20".parse().unwrap()));
    // A future date is refused outright, with the message at the field.
    let r = app
        .post_form(
            &c,
            &format!("/members/{person}/development"),
            &[
                ("application_date", "2026-09-01"),
                ("talk_date", "2027-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("谈话日期不能晚于今天"));

    // A probationary member cannot be named a cultivation contact; a full member can.
    let prob_id = id_number("1988-01-01", 71);
    let r = app
        .post_form(
            &c,
            &format!("/members/{person}/development/sponsor"),
            &[
                ("role", "contact"),
                ("id_number", prob_id.as_str()),
                ("named_on", "2026-10-20"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(app
        .store
        .dev_record(&scope_a, person)
        .await
        .unwrap()
        .sponsors
        .is_empty());
    let full_id = id_number("1970-01-01", 73);
    app.post_form(
        &c,
        &format!("/members/{person}/development/sponsor"),
        &[
            ("role", "contact"),
            ("id_number", full_id.as_str()),
            ("named_on", "2026-10-20"),
        ],
    )
    .await;
    let rec = app.store.dev_record(&scope_a, person).await.unwrap();
    assert_eq!(rec.sponsors.len(), 1);
    assert_eq!(rec.sponsors[0].sponsor.name, "正式乙");

    // The compliance page counts it, the list links to the file, the export downloads.
    let html = app
        .get_with(&c, &format!("/compliance?org={}", d.street))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("DEV-002") && html.contains(&format!("/members/{person}/development")));
    let r = app
        .get_with(
            &c,
            &format!("/compliance/export.xlsx?org={}&rule=DEV-002", d.street),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let table =
        xianfeng_exchange::read_table(&r.bytes().await.unwrap(), Default::default()).unwrap();
    assert!(table
        .rows
        .iter()
        .any(|row| row.iter().any(|c| c.text() == "申请丙")));
    // The activists list shows the next step (filing within 30 days) and its deadline.
    let html = app
        .get_with(
            &c,
            &format!("/development?org={}&status=activist", d.street),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("申请丙") && html.contains("积极分子备案") && html.contains("2026-11-19"),
        "{html}"
    );
    // Someone outside the subtree sees nothing of it.
    let other = app
        .login_as("zx_admin", Role::OrgAdmin, Some(d.other), None)
        .await;
    assert_eq!(
        app.get_with(&other, &format!("/members/{person}/development"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn deadline_findings_reach_the_home_page_and_notify_once() {
    use xianfeng_domain::scope::Role;
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let c = app
        .login_as("a_admin", Role::OrgAdmin, Some(d.a), None)
        .await;
    // Probation ends in 20 days without a conversion application (DEV-019).
    app.person(
        d.a,
        MemberInput {
            name: "将满".into(),
            id_number: id_number("1990-05-05", 81),
            status: "probationary".into(),
            category: "在职".into(),
            admission_date: "2025-12-13".into(),
            ..Default::default()
        },
    )
    .await;
    let html = app.get_with(&c, "/").await.text().await.unwrap();
    assert!(
        html.contains("待办") && html.contains("将满") && html.contains("2026-12-13"),
        "{html}"
    );
    assert!(html.contains("新提醒"));
    let account = app
        .store
        .account_by_username("a_admin")
        .await
        .unwrap()
        .unwrap();
    let (unread, _) = app.store.inbox(account.id, true, 10).await.unwrap();
    assert_eq!(unread, 1);
    // The daily run does not notify again for the same finding.
    app.store.daily_check_once(app.clock.today()).await.unwrap();
    assert_eq!(app.store.inbox(account.id, true, 10).await.unwrap().0, 1);
    app.post_form(&c, "/notices/read", &[]).await;
    assert_eq!(app.store.inbox(account.id, true, 10).await.unwrap().0, 0);
}

#[tokio::test]
async fn the_upload_page_imports_a_development_sheet_all_or_nothing() {
    use xianfeng_domain::scope::Role;
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let c = app
        .login_as("jd_admin", Role::OrgAdmin, Some(d.street), None)
        .await;
    let tpl = app
        .get_with(&c, "/imports/development/template.xlsx")
        .await
        .bytes()
        .await
        .unwrap();
    let table = xianfeng_exchange::read_table(&tpl, Default::default()).unwrap();
    assert!(table
        .rows
        .iter()
        .any(|r| r.iter().any(|c| c.text() == "转正审批日期")));
    let org = d.street.to_string();
    let upload = |bytes: Vec<u8>| async {
        app.upload(
            &c,
            "/imports/development",
            &[("org", org.as_str())],
            "台账.xlsx",
            bytes,
        )
        .await
        .text()
        .await
        .unwrap()
    };
    // One unreadable date: nothing can be imported, not even the good row.
    let bad = row(&[
        ("姓名", "坏行"),
        ("公民身份号码", &id_number("1990-01-01", 91)),
        ("所在党组织", "JD-01"),
        ("申请入党日期", "2021-02-30"),
    ]);
    let html = upload(sheet(&[
        full_history("张一", &id_number("1995-04-04", 11)),
        bad,
    ]))
    .await;
    assert!(html.contains("整个文件都不会导入"), "{html}");
    assert!(!html.contains("确认导入"));
    // A clean sheet: checked, then committed; findings are the check's business.
    let late = row(&[
        ("姓名", "晚谈"),
        ("公民身份号码", &id_number("1990-01-01", 93)),
        ("所在党组织", "第二社区党支部"),
        ("申请入党日期", "2026-01-05"),
        ("谈话日期", "2026-03-01"),
    ]);
    let html = upload(sheet(&[
        full_history("张一", &id_number("1995-04-04", 11)),
        late,
    ]))
    .await;
    assert!(html.contains("确认导入 2 份档案"), "{html}");
    let token = extract(&html, "name=\"token\" value=\"", "\"").unwrap();
    let r = app
        .post_form(
            &c,
            "/imports/development/commit",
            &[("token", token.as_str()), ("org", &d.street.to_string())],
        )
        .await;
    assert!(r.status().is_success() || r.status().is_redirection());
    let street = app
        .store
        .org_get(&Scope::Structure, d.street)
        .await
        .unwrap();
    let scope = Scope::Subtree {
        root_id: d.street,
        path: street.org_path(),
        write: false,
    };
    assert_eq!(app.store.member_count(&scope).await.unwrap(), 2);
    let html = app
        .get_with(&c, &format!("/compliance?org={}&rule=DEV-002", d.street))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("晚谈"), "{html}");
}
