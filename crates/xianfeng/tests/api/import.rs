//! Importing a roster from the command line: all-or-nothing, re-import updates, JSON report.

use rust_xlsxwriter::{Format, Workbook};
use serde_json::Value;
use xianfeng_domain::scope::Scope;

use crate::helpers::*;

fn roster(rows: &[(&str, String, &str, &str)]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let text = Format::new().set_num_format("@");
    ws.merge_range(0, 0, 0, 4, "党员花名册", &Format::new())
        .unwrap();
    for (c, h) in ["姓名", "公民身份号码", "入党日期", "转正日期", "所在党支部"]
        .iter()
        .enumerate()
    {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    for (i, (name, id, org, adm)) in rows.iter().enumerate() {
        let r = 2 + i as u32;
        ws.write_string(r, 0, *name).unwrap();
        ws.write_string_with_format(r, 1, id, &text).unwrap();
        ws.write_string(r, 2, *adm).unwrap();
        ws.write_string(r, 3, "2006-07-01").unwrap();
        ws.write_string(r, 4, *org).unwrap();
    }
    wb.save_to_buffer().unwrap()
}

fn run(app: &TestApp, file: &std::path::Path, extra: &[&str]) -> (bool, Value) {
    let mut args = vec![
        "import",
        "members",
        file.to_str().unwrap(),
        "--org",
        "JD",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let out = app.cli(&args);
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    (out.status.success(), json)
}

#[tokio::test]
async fn a_roster_imports_all_or_nothing_and_reimports_without_duplicates() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let dir = std::env::temp_dir().join(format!("xf-import-{}-{}", std::process::id(), d.root));
    std::fs::create_dir_all(&dir).unwrap();
    let good: Vec<(&str, String, &str, &str)> = vec![
        ("张三", unique_id(1), "JD-01", "2005-07-01"),
        ("李四", unique_id(2), "第二社区党支部", "2005.7.1"),
        ("王五", unique_id(3), "jd-01", "2005年7月1日"),
    ];
    let file = dir.join("good.xlsx");
    std::fs::write(&file, roster(&good)).unwrap();
    // A dry run writes nothing.
    let (ok, j) = run(&app, &file, &["--dry-run"]);
    assert!(ok, "{j}");
    assert_eq!(
        (
            j["total"].as_u64(),
            j["accepted"].as_u64(),
            j["committed"].as_bool()
        ),
        (Some(3), Some(3), Some(false))
    );
    let scope = Scope::Subtree {
        root_id: d.root,
        path: xianfeng_domain::org::OrgPath::root(d.root),
        write: false,
    };
    assert_eq!(app.store.member_count(&scope).await.unwrap(), 0);
    let (ok, j) = run(&app, &file, &[]);
    assert!(ok);
    assert_eq!(
        (j["committed"].as_bool(), j["created"].as_u64()),
        (Some(true), Some(3))
    );
    assert_eq!(app.store.member_count(&scope).await.unwrap(), 3);
    // The same file again updates the same people.
    let (_, j) = run(&app, &file, &[]);
    assert_eq!(
        (j["created"].as_u64(), j["updated"].as_u64()),
        (Some(0), Some(3))
    );
    assert_eq!(app.store.member_count(&scope).await.unwrap(), 3);

    // One bad row: nothing is written, the row is named as Excel numbers it.
    let mut bad = good.clone();
    bad.push(("赵六", unique_id(4), "ZX-01", "2005-07-01")); // outside JD
    bad.push(("钱七", "12345".into(), "JD-01", "2005-07-01"));
    bad.push(("孙八", unique_id(6), "JD-02", "2005-07-01"));
    let file = dir.join("bad.xlsx");
    std::fs::write(&file, roster(&bad)).unwrap();
    let (ok, j) = run(&app, &file, &[]);
    assert!(!ok);
    assert_eq!(j["committed"], false);
    let rejected: Vec<(u64, String)> = j["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap(),
                e["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(rejected.len(), 2, "{rejected:?}");
    assert_eq!(rejected[0].0, 6);
    assert!(rejected[0].1.contains("ZX-01"), "{rejected:?}");
    assert_eq!(rejected[1].0, 7);
    assert!(rejected[1].1.contains("应为18位"));
    assert_eq!(
        app.store.member_count(&scope).await.unwrap(),
        3,
        "all or nothing"
    );
    // The valid rows on request.
    let (ok, j) = run(&app, &file, &["--accept-valid"]);
    assert!(ok);
    assert_eq!(
        (
            j["committed"].as_bool(),
            j["created"].as_u64(),
            j["updated"].as_u64()
        ),
        (Some(true), Some(1), Some(3))
    );
    assert_eq!(app.store.member_count(&scope).await.unwrap(), 4);
    let rows = app.store.audit_export(&Default::default()).await.unwrap();
    assert_eq!(
        rows.iter().filter(|r| r.event == "member.import").count(),
        3,
        "each committed import is audited once"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn an_org_sheet_builds_the_tree_in_any_row_order() {
    let app = TestApp::spawn().await;
    let dir = std::env::temp_dir().join(format!("xf-import-orgs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.merge_range(0, 0, 0, 5, "组织信息采集表", &Format::new())
        .unwrap();
    let head = [
        "组织名称",
        "组织代码",
        "组织类别",
        "上级组织代码",
        "所属领域",
        "成立日期",
    ];
    let rows = [
        // children first: the parents come later in the file
        [
            "第一社区党支部",
            "JD-01",
            "党支部",
            "JD",
            "街道社区",
            "2001-07-01",
        ],
        [
            "示范街道党工委",
            "JD",
            "党工委",
            "QW",
            "街道社区",
            "1998年3月",
        ],
        ["中共示范区委员会", "QW", "党委", "", "机关", "1949-10-01"],
        ["孤儿支部", "X-01", "党支部", "NOPE", "社区", ""],
        ["错位党委", "JD-99", "党委", "JD-01", "社区", ""],
    ];
    for (c, h) in head.iter().enumerate() {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(2 + r as u32, c as u16, *v).unwrap();
        }
    }
    let file = dir.join("orgs.xlsx");
    std::fs::write(&file, wb.save_to_buffer().unwrap()).unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["import", "orgs", file.to_str().unwrap(), "--format", "json"];
        args.extend_from_slice(extra);
        let out = app.cli(&args);
        serde_json::from_slice::<Value>(&out.stdout)
            .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)))
    };
    let j = run(&[]);
    assert_eq!(j["committed"], false, "two bad rows: nothing is written");
    let rows: Vec<u64> = j["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["row"].as_u64().unwrap())
        .collect();
    assert_eq!(rows, vec![6, 7], "{j}");
    assert!(j["rejected"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("找不到上级组织代码 NOPE"));
    assert!(j["rejected"][1]["reason"]
        .as_str()
        .unwrap()
        .contains("党委不能设在党支部之下"));
    assert_eq!(app.store.org_count().await.unwrap(), 0);
    let j = run(&["--accept-valid"]);
    assert_eq!(
        (j["committed"].as_bool(), j["created"].as_u64()),
        (Some(true), Some(3)),
        "{j}"
    );
    let branch = app
        .store
        .org_by_code(&Scope::Structure, "JD-01")
        .await
        .unwrap();
    let root = app
        .store
        .org_by_code(&Scope::Structure, "QW")
        .await
        .unwrap();
    assert_eq!(branch.org_path().ids()[0], root.id);
    assert_eq!(
        app.store
            .org_by_code(&Scope::Structure, "JD")
            .await
            .unwrap()
            .founded_on,
        chrono::NaiveDate::from_ymd_opt(1998, 3, 1)
    );
    // Again: the same organisations are updated, none duplicated.
    let j = run(&["--accept-valid"]);
    assert_eq!(
        (j["created"].as_u64(), j["updated"].as_u64()),
        (Some(0), Some(3)),
        "{j}"
    );
    assert_eq!(app.store.org_count().await.unwrap(), 3);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn the_roster_exports_to_excel_and_csv_and_imports_back() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    for i in 0..5 {
        app.member(
            if i % 2 == 0 { d.a } else { d.b },
            &format!("导出{i}"),
            900 + i,
        )
        .await;
    }
    let c = app
        .login_as(
            "jd_admin",
            xianfeng_domain::scope::Role::OrgAdmin,
            Some(d.street),
            None,
        )
        .await;
    let r = app
        .get_with(&c, &format!("/members/export.xlsx?org={}", d.street))
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let bytes = r.bytes().await.unwrap();
    let table =
        xianfeng_exchange::table::read_table(&bytes, xianfeng_exchange::table::Limits::default())
            .unwrap();
    assert!(table.rows[0][0].text().contains("党员名册"));
    assert!(table.rows[1][0].text().starts_with("截至"));
    assert_eq!(table.rows.len(), 3 + 5);
    let id_col = table.rows[2]
        .iter()
        .position(|c| c.text() == "公民身份号码")
        .unwrap();
    assert!(
        table.rows[3][id_col].text().contains("********"),
        "masked by default"
    );
    // Full numbers for a writer, audited; the file imports into an empty database unchanged.
    let r = app
        .get_with(
            &c,
            &format!("/members/export.xlsx?org={}&ids=full", d.street),
        )
        .await;
    let full = r.bytes().await.unwrap();
    let t =
        xianfeng_exchange::table::read_table(&full, xianfeng_exchange::table::Limits::default())
            .unwrap();
    assert_eq!(t.rows[3][id_col].text().len(), 18);
    let rows = app.store.audit_export(&Default::default()).await.unwrap();
    assert!(rows
        .iter()
        .any(|r| r.event == "member.export" && r.summary.contains("含完整身份证号")));
    let sheet = xianfeng_exchange::members::read_members(&t, app.clock.today()).unwrap();
    assert_eq!(
        (sheet.accepted.len(), sheet.rejected.len()),
        (5, 0),
        "{:?}",
        sheet.rejected
    );
    // A viewer gets masked numbers only.
    let v = app
        .login_as(
            "viewer1",
            xianfeng_domain::scope::Role::OrgViewer,
            Some(d.street),
            None,
        )
        .await;
    assert_eq!(
        app.get_with(
            &v,
            &format!("/members/export.xlsx?org={}&ids=full", d.street)
        )
        .await
        .status(),
        reqwest::StatusCode::FORBIDDEN
    );
    let csv = app
        .get_with(&v, &format!("/members/export.csv?org={}&q=导出1", d.street))
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains("导出1") && !csv.contains("导出2"));
}

#[tokio::test]
async fn the_upload_page_checks_first_and_imports_on_confirmation() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let c = app
        .login_as(
            "jd_admin",
            xianfeng_domain::scope::Role::OrgAdmin,
            Some(d.street),
            None,
        )
        .await;
    assert_eq!(
        app.get_with(&c, &format!("/imports/members?org={}", d.street))
            .await
            .status(),
        reqwest::StatusCode::OK
    );
    let tpl = app
        .get_with(&c, "/imports/members/template.xlsx")
        .await
        .bytes()
        .await
        .unwrap();
    assert!(tpl.starts_with(b"PK"));
    let rows = vec![
        ("网页一", unique_id(11), "JD-01", "2005-07-01"),
        ("网页二", unique_id(12), "JD-02", "2005-07-01"),
        ("网页三", "110105".to_string(), "JD-02", "2005-07-01"),
    ];
    let upload = |bytes: Vec<u8>| {
        let csrf_c = c.clone();
        let url = app.url("/imports/members");
        let org = d.street.to_string();
        let app_ref = &app;
        async move {
            let csrf = app_ref.csrf(&csrf_c).await;
            let form = reqwest::multipart::Form::new().text("org", org).part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name("名册.xlsx"),
            );
            csrf_c
                .post(format!("{url}?_csrf={csrf}"))
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    let r = upload(roster(&rows)).await;
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("检查结果") && html.contains("应为18位"),
        "{html}"
    );
    assert!(html.contains("只导入正确的 2 行"));
    let scope = Scope::Subtree {
        root_id: d.root,
        path: xianfeng_domain::org::OrgPath::root(d.root),
        write: false,
    };
    assert_eq!(
        app.store.member_count(&scope).await.unwrap(),
        0,
        "checking writes nothing"
    );
    let token = extract(&html, "name=\"token\" value=\"", "\"").unwrap();
    // The error report: the file as uploaded with a 错误说明 column on the refused row.
    let r = app
        .get_with(
            &c,
            &format!(
                "/imports/members/errors.xlsx?token={token}&org={}",
                d.street
            ),
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let report = xianfeng_exchange::table::read_table(
        &r.bytes().await.unwrap(),
        xianfeng_exchange::table::Limits::default(),
    )
    .unwrap();
    let excel = |row: usize| &report.rows[row - report.first_row];
    let note = excel(2)
        .iter()
        .position(|c| c.text() == "错误说明")
        .unwrap();
    assert_eq!(excel(3)[0].text(), "网页一", "rows stay where they were");
    assert!(excel(3).get(note).is_none_or(|c| c.is_empty()));
    assert_eq!(excel(5)[0].text(), "网页三");
    assert!(excel(5)[note].text().contains("应为18位"), "{:?}", excel(5));
    let r = app
        .post_form(
            &c,
            "/imports/members/commit",
            &[
                ("token", &token),
                ("org", &d.street.to_string()),
                ("accept_valid", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    assert_eq!(app.store.member_count(&scope).await.unwrap(), 2);
    // The token is spent; someone else's token does nothing.
    let r = app
        .post_form(
            &c,
            "/imports/members/commit",
            &[("token", &token), ("org", &d.street.to_string())],
        )
        .await;
    assert!(location(&r).starts_with("/imports/members"));
    // Without the CSRF token the upload is refused.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(roster(&rows)).file_name("x.xlsx"),
    );
    let r = c
        .post(app.url("/imports/members"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_upload_page_imports_an_org_sheet_for_the_system_and_for_an_org_admin() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let sheet = |rows: &[[&str; 5]]| {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in [
            "组织名称",
            "组织代码",
            "组织类别",
            "上级组织代码",
            "所属领域",
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                ws.write_string(1 + r as u32, c as u16, *v).unwrap();
            }
        }
        wb.save_to_buffer().unwrap()
    };
    let upload = |c: reqwest::Client, org: String, bytes: Vec<u8>| {
        let url = app.url("/imports/orgs");
        let app_ref = &app;
        async move {
            let csrf = app_ref.csrf(&c).await;
            // As the page sends it: the token is the first field, not in the address.
            let form = reqwest::multipart::Form::new()
                .text("_csrf", csrf)
                .text("org", org)
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(bytes).file_name("组织.xlsx"),
                );
            c.post(url).multipart(form).send().await.unwrap()
        }
    };
    // An org admin of the street adds branches under it; a row pointing elsewhere is refused.
    let c = app
        .login_as(
            "jd_admin",
            xianfeng_domain::scope::Role::OrgAdmin,
            Some(d.street),
            None,
        )
        .await;
    let bytes = sheet(&[
        ["第三社区党支部", "JD-03", "党支部", "", "街道社区"],
        ["越权支部", "ZX-09", "党支部", "ZX", "农村"],
    ]);
    let r = upload(c.clone(), d.street.to_string(), bytes).await;
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("检查结果") && html.contains("只导入正确的 1 行"),
        "{html}"
    );
    assert!(app
        .store
        .org_by_code(&Scope::Structure, "JD-03")
        .await
        .is_err());
    let token = extract(&html, "name=\"token\" value=\"", "\"").unwrap();
    let r = app
        .get_with(
            &c,
            &format!("/imports/orgs/errors.xlsx?token={token}&org={}", d.street),
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let report = xianfeng_exchange::table::read_table(
        &r.bytes().await.unwrap(),
        xianfeng_exchange::table::Limits::default(),
    )
    .unwrap();
    assert_eq!(report.rows[0].last().unwrap().text(), "错误说明");
    assert!(!report.rows[2].last().unwrap().text().is_empty());
    let r = app
        .post_form(
            &c,
            "/imports/orgs/commit",
            &[
                ("token", &token),
                ("org", &d.street.to_string()),
                ("accept_valid", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let o = app
        .store
        .org_by_code(&Scope::Structure, "JD-03")
        .await
        .unwrap();
    assert_eq!(o.parent_id, Some(d.street));
    assert!(app
        .store
        .org_by_code(&Scope::Structure, "ZX-09")
        .await
        .is_err());
    // The system administrator imports a new top-level organisation.
    let sys = app
        .login_as(
            "sys_imp",
            xianfeng_domain::scope::Role::SystemAdmin,
            None,
            None,
        )
        .await;
    assert_eq!(
        app.get_with(&sys, "/imports/orgs").await.status(),
        reqwest::StatusCode::OK
    );
    let r = upload(
        sys.clone(),
        String::new(),
        sheet(&[["中共另一区委员会", "LQ", "党委", "", "机关"]]),
    )
    .await;
    let html = r.text().await.unwrap();
    let token = extract(&html, "name=\"token\" value=\"", "\"").unwrap();
    let r = app
        .post_form(
            &sys,
            "/imports/orgs/commit",
            &[("token", &token), ("org", "")],
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let lq = app
        .store
        .org_by_code(&Scope::Structure, "LQ")
        .await
        .unwrap();
    assert_eq!(lq.parent_id, None);
    // A viewer may not import.
    let v = app
        .login_as(
            "viewer_imp",
            xianfeng_domain::scope::Role::OrgViewer,
            Some(d.street),
            None,
        )
        .await;
    assert_eq!(
        app.get_with(&v, "/imports/orgs").await.status(),
        reqwest::StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get_with(&v, "/imports/nonsense").await.status(),
        reqwest::StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_upload_without_the_token_as_its_first_field_is_refused() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let c = app
        .login_as(
            "jd_admin",
            xianfeng_domain::scope::Role::OrgAdmin,
            Some(d.street),
            None,
        )
        .await;
    let csrf = app.csrf(&c).await;
    for form in [
        reqwest::multipart::Form::new().text("org", d.street.to_string()),
        reqwest::multipart::Form::new()
            .text("org", d.street.to_string())
            .text("_csrf", csrf.clone()),
        reqwest::multipart::Form::new().text("_csrf", "wrong".to_string()),
    ] {
        let r = c
            .post(app.url("/imports/members"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn rows_that_name_their_organisation_import_without_org_across_top_level_trees() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    // A second top-level organisation with a branch of the same name as one in the first tree.
    let school = app.org(None, "XX", "示范学校党委", "committee").await;
    app.org(Some(school), "XX-01", "第一社区党支部", "branch")
        .await;
    let dir = std::env::temp_dir().join(format!("xf-roots-{}-{}", std::process::id(), d.root));
    std::fs::create_dir_all(&dir).unwrap();
    let rows: Vec<(&str, String, &str, &str)> = vec![
        ("张三", unique_id(11), "JD-01", "2005-07-01"),
        ("李四", unique_id(12), "XX-01", "2005-07-01"),
        ("王五", unique_id(13), "中心村党支部", "2005-07-01"),
    ];
    let file = dir.join("roots.xlsx");
    std::fs::write(&file, roster(&rows)).unwrap();
    let path = file.to_str().unwrap();
    let out = app.cli(&["import", "members", path, "--format", "json"]);
    let j: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    assert!(out.status.success(), "{j}");
    assert_eq!(j["created"].as_u64(), Some(3), "{j}");
    assert_eq!(people_under(&app.store, d.root).await, 2);
    assert_eq!(people_under(&app.store, school).await, 1);

    // A name that several organisations carry is a row error listing their codes.
    let rows: Vec<(&str, String, &str, &str)> =
        vec![("赵六", unique_id(14), "第一社区党支部", "2005-07-01")];
    std::fs::write(&file, roster(&rows)).unwrap();
    let out = app.cli(&["import", "members", path, "--format", "json"]);
    assert!(!out.status.success());
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    let reason = j["rejected"][0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("JD-01") && reason.contains("XX-01"),
        "{reason}"
    );
    // --org still narrows: inside the school the name is unique.
    let out = app.cli(&["import", "members", path, "--org", "XX", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(people_under(&app.store, school).await, 2);
    // A row that names an organisation outside --org is refused.
    let rows: Vec<(&str, String, &str, &str)> =
        vec![("钱七", unique_id(15), "JD-01", "2005-07-01")];
    std::fs::write(&file, roster(&rows)).unwrap();
    let out = app.cli(&["import", "members", path, "--org", "XX", "--format", "json"]);
    assert!(!out.status.success());

    // Development files too.
    let dev = dir.join("dev.csv");
    std::fs::write(
        &dev,
        format!(
            "姓名,公民身份号码,所在党组织,申请入党日期\n申请甲,{},XX-01,2026-03-01\n申请乙,{},ZX-01,2026-03-02\n",
            id_number("1998-02-02", 21),
            id_number("1998-02-02", 23)
        ),
    )
    .unwrap();
    let out = app.cli(&[
        "import",
        "development",
        dev.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let j: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    assert!(out.status.success(), "{j}");
    assert_eq!(j["created"].as_u64(), Some(2), "{j}");
    std::fs::remove_dir_all(&dir).ok();
}
