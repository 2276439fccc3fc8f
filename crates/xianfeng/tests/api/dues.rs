//! Party dues: a branch's month entered in one form, the amount by the brackets, the
//! collection sheet, the collection of the branches, and DUES-001/002 in the check.

use reqwest::StatusCode;
use xianfeng_domain::members::MemberInput;
use xianfeng_domain::scope::Role;

use crate::helpers::*;

#[tokio::test]
async fn a_month_of_dues_is_entered_exported_summed_and_checked() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let mut ids = Vec::new();
    for (name, seq) in [("在职甲", 11), ("学生乙", 13)] {
        let input = MemberInput {
            name: name.into(),
            id_number: id_number("1985-01-01", seq),
            status: "full".into(),
            category: "在职".into(),
            admission_date: "2010-07-01".into(),
            conversion_date: "2011-07-01".into(),
            ..Default::default()
        };
        ids.push(app.person(d.a, input).await);
    }
    let c = app
        .login_as("jd_admin", Role::OrgAdmin, Some(d.street), None)
        .await;
    // May 2026: 在职甲 earns 6,500 a month and pays 97.50; 学生乙 pays 0.20.
    let (a, b) = (ids[0].to_string(), ids[1].to_string());
    let k = |id: &str, f: &str| format!("m{id}_{f}");
    let fields = vec![
        ("org".to_string(), d.a.to_string()),
        ("month".to_string(), "2026-05".to_string()),
        (k(&a, "cat"), "employed".to_string()),
        (k(&a, "base"), "6500".to_string()),
        (k(&a, "paid"), "1".to_string()),
        (k(&a, "amount"), "97.50".to_string()),
        (k(&a, "on"), "2026-05-10".to_string()),
        (k(&b, "cat"), "student".to_string()),
        (k(&b, "paid"), "1".to_string()),
        (k(&b, "amount"), "0.2".to_string()),
        (k(&b, "on"), "2026-05-12".to_string()),
    ];
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let r = app.post_form(&c, "/dues", &refs).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = app
        .html(&c, &format!("/dues?org={}&month=2026-05", d.a))
        .await;
    assert!(
        html.contains("97.50") && html.contains("已缴 2 人，97.70 元"),
        "{html}"
    );
    // The collection sheet.
    let r = app
        .get_with(&c, &format!("/dues/sheet.xlsx?org={}&month=2026-05", d.a))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let t = xianfeng_exchange::read_table(&r.bytes().await.unwrap(), Default::default()).unwrap();
    assert!(t
        .rows
        .iter()
        .any(|row| row.iter().any(|c| c.text() == "97.5")));
    assert!(t
        .rows
        .iter()
        .any(|row| row.iter().any(|c| c.text() == "合计")));
    // The street sees both branches; A collected 2 of 2 in May.
    let html = app
        .html(&c, &format!("/dues?org={}&month=2026-05", d.street))
        .await;
    assert!(html.contains("100.0%") && html.contains("1（1）"), "{html}");
    assert!(
        html.contains("合计（2 个直属下级组织）")
            && html.contains("2 个党支部（1 个已在系统中登记党费）")
            && html.contains("应缴 2 人，已缴 2 人"),
        "{html}"
    );
    // The district rolls the street's branches up into one row, with drill-down.
    let root = app
        .login_as("qw_admin", Role::OrgAdmin, Some(d.root), None)
        .await;
    let html = app
        .html(
            &root,
            &format!("/dues?org={}&month=2026-05&sort=rate", d.root),
        )
        .await;
    assert!(
        html.contains(&format!("/dues?org={}&amp;month=2026-05", d.street))
            && html.contains("示范街道党工委")
            && html.contains("中心镇党委")
            && html.contains("合计（2 个直属下级组织）"),
        "{html}"
    );
    let street_row = html
        .split(&format!("/dues?org={}&amp;month=2026-05", d.street))
        .nth(1)
        .unwrap();
    let street_row = street_row.split("</tr>").next().unwrap();
    assert!(street_row.contains("2（1）"), "{street_row}");
    // Only those in arrears: nobody yet.
    let html = app
        .html(
            &root,
            &format!("/dues?org={}&month=2026-05&arrears=1", d.root),
        )
        .await;
    assert!(html.contains("没有符合条件的下级组织"), "{html}");
    // June: 在职甲 pays 50.00 without a recorded approval (DUES-001). From June nobody pays
    // again: on 2026-11-23 five months (June–October) have ended unpaid for 学生乙, not yet six.
    let fields = [
        ("org".to_string(), d.a.to_string()),
        ("month".to_string(), "2026-06".to_string()),
        (k(&a, "cat"), "employed".to_string()),
        (k(&a, "base"), "6500".to_string()),
        (k(&a, "paid"), "1".to_string()),
        (k(&a, "amount"), "50".to_string()),
        (k(&a, "on"), "2026-06-10".to_string()),
        (k(&b, "cat"), "student".to_string()),
    ];
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    app.post_form(&c, "/dues", &refs).await;
    let rules = |f: Vec<xianfeng_store::compliance::StoredFinding>| {
        let mut v: Vec<String> = f
            .into_iter()
            .map(|f| f.rule)
            .filter(|r| r.starts_with("DUES"))
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        rules(app.store.findings_of("person", ids[0]).await.unwrap()),
        ["DUES-001"]
    );
    assert!(rules(app.store.findings_of("person", ids[1]).await.unwrap()).is_empty());
    // On 2027-01-05, June to December (seven months) have ended unpaid for 学生乙.
    let out = app.cli(&[
        "check",
        "--org",
        "JD-01",
        "--rule",
        "DUES",
        "--as-of",
        "2027-01-05",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let got: Vec<(String, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["subject"]["name"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        got.contains(&("学生乙".into(), "DUES-002".into())),
        "{got:?}"
    );
    assert!(
        got.contains(&("在职甲".into(), "DUES-001".into())),
        "{got:?}"
    );
    // July from a filled-in collection sheet (all rows or none).
    let sheet = |rows: &[(&str, &str, &str, &str, &str)]| {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "第一社区党支部党费收缴表（2026-07）")
            .unwrap();
        for (c, h) in [
            "姓名",
            "计算类别",
            "月收入基数（元）",
            "实缴（元）",
            "缴纳日期",
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(1, c as u16, *h).unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in [row.0, row.1, row.2, row.3, row.4].iter().enumerate() {
                ws.write_string(r as u32 + 2, c as u16, *v).unwrap();
            }
        }
        wb.save_to_buffer().unwrap()
    };
    let upload = |bytes: Vec<u8>| {
        let c = c.clone();
        let app = &app;
        let org = d.a.to_string();
        async move {
            let csrf = app.csrf(&c).await;
            let form = reqwest::multipart::Form::new()
                .text("_csrf", csrf)
                .text("org", org)
                .text("month", "2026-07")
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(bytes).file_name("收缴表.xlsx"),
                );
            c.post(app.url("/dues/import"))
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    let r = upload(sheet(&[
        ("在职甲", "在职", "6500", "97.50", "2026-07-08"),
        ("无此人", "学生", "", "0.2", "2026-07-08"),
    ]))
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = app
        .html(&c, &format!("/dues?org={}&month=2026-07", d.a))
        .await;
    assert!(
        html.contains("未导入") && html.contains("已缴 0 人"),
        "{html}"
    );
    upload(sheet(&[
        ("在职甲", "在职", "6500", "97.50", "2026-07-08"),
        ("学生乙", "学生", "", "0.2", "2026-07-09"),
    ]))
    .await;
    let html = app
        .html(&c, &format!("/dues?org={}&month=2026-07", d.a))
        .await;
    assert!(html.contains("已缴 2 人，97.70 元"), "{html}");
    // A future month cannot be entered.
    let r = app
        .post_form(
            &c,
            "/dues",
            &[("org", &d.a.to_string()), ("month", "2027-01")],
        )
        .await;
    assert_ne!(r.status(), StatusCode::SEE_OTHER);
}
