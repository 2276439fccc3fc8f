//! Party dues: a branch's month entered in one form, the amount by the brackets, the
//! collection sheet, the collection of the branches, and DUES-001/002 in the check.

use reqwest::StatusCode;
use xianfeng_domain::members::MemberInput;
use xianfeng_domain::scope::{Role, Scope};

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
        rules(
            app.store
                .findings_of(&Scope::whole_tree(), "person", ids[0])
                .await
                .unwrap()
        ),
        ["DUES-001"]
    );
    assert!(rules(
        app.store
            .findings_of(&Scope::whole_tree(), "person", ids[1])
            .await
            .unwrap()
    )
    .is_empty());
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
    let org = d.a.to_string();
    let upload = |bytes: Vec<u8>| async {
        app.upload(
            &c,
            "/dues/import",
            &[("org", org.as_str()), ("month", "2026-07")],
            "收缴表.xlsx",
            bytes,
        )
        .await
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

#[tokio::test]
async fn a_payment_below_the_standard_counts_only_with_the_committees_approval() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let input = MemberInput {
        name: "困难丙".into(),
        id_number: id_number("1975-03-03", 31),
        status: "full".into(),
        category: "在职".into(),
        admission_date: "2000-07-01".into(),
        conversion_date: "2001-07-01".into(),
        ..Default::default()
    };
    let id = app.person(d.a, input).await;
    let c = app
        .login_as("jd_dues", Role::OrgAdmin, Some(d.street), None)
        .await;
    // September: 4,000 a month owes 40.00; 10.00 paid with a reason typed in.
    let m = id.to_string();
    let k = |f: &str| format!("m{m}_{f}");
    let fields = [
        ("org".to_string(), d.a.to_string()),
        ("month".to_string(), "2026-09".to_string()),
        (k("cat"), "employed".to_string()),
        (k("base"), "4000".to_string()),
        (k("paid"), "1".to_string()),
        (k("amount"), "10".to_string()),
        (k("on"), "2026-09-10".to_string()),
        (k("reason"), "家庭困难，经批准减缴".to_string()),
    ];
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let r = app.post_form(&c, "/dues", &refs).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let dues001 = |as_of: &str| messages(&check_cli(&app, "DUES-001", as_of, None));
    let now = dues001("2026-11-23");
    assert!(
        now.len() == 1 && now[0].contains("没有上级党委的批准"),
        "a reason is not an approval: {now:?}"
    );
    let page = format!("/dues?org={}&month=2026-09", d.a);
    let reduction = |org: i64, on: &'static str| {
        vec![
            ("org", d.a.to_string()),
            ("month", "2026-09".to_string()),
            ("member_id", id.to_string()),
            ("kind", "reduce".to_string()),
            ("amount", "10".to_string()),
            ("from_month", "2026-09".to_string()),
            ("to_month", "2026-12".to_string()),
            ("approval_org_id", org.to_string()),
            ("approved_on", on.to_string()),
            ("document_no", "街工委〔2026〕8号".to_string()),
            ("reason", "家庭遭遇重大变故".to_string()),
        ]
    };
    let post = |fields: Vec<(&'static str, String)>, path: String| {
        let c = &c;
        let app = &app;
        async move {
            let refs: Vec<(&str, &str)> = fields.iter().map(|(a, b)| (*a, b.as_str())).collect();
            let r = app.post_form(c, &path, &refs).await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
            app.html(c, &location(&r)).await
        }
    };
    // A committee that is not above the branch cannot approve.
    let html = post(reduction(d.other, "2026-09-20"), "/dues/reductions".into()).await;
    assert!(html.contains("批准组织应是本支部的上级党委"), "{html}");
    assert!(html.contains("本支部没有登记减免批准"), "{html}");
    // The street working committee approves on 20 September.
    let html = post(reduction(d.street, "2026-09-20"), "/dues/reductions".into()).await;
    assert!(html.contains("已登记减免批准"), "{html}");
    assert!(
        html.contains("示范街道党工委 2026-09-20 批准减交，每月 10.00 元"),
        "{html}"
    );
    assert!(html.contains("街工委〔2026〕8号"), "{html}");
    assert!(dues001("2026-11-23").is_empty());
    // On 15 September the approval was not yet given.
    assert_eq!(dues001("2026-09-15").len(), 1);
    // The stored findings follow at once.
    let open = || async {
        app.html(&c, &format!("/compliance?org={}&rule=DUES-001", d.a))
            .await
            .contains("困难丙")
    };
    assert!(!open().await);

    // Withdrawn as entered in error: kept, marked, and the month is judged again.
    let o = app
        .store
        .org_get(&xianfeng_domain::scope::Scope::Structure, d.a)
        .await
        .unwrap();
    let branch_scope = xianfeng_domain::scope::Scope::Subtree {
        root_id: d.a,
        path: o.org_path(),
        write: false,
    };
    let rid = app.store.dues_reductions(&branch_scope, &o).await.unwrap()[0].id;
    let withdraw = format!("/dues/reductions/{rid}/withdraw");
    let base = vec![("org", d.a.to_string()), ("month", "2026-09".to_string())];
    let html = post(base.clone(), withdraw.clone()).await;
    assert!(html.contains("请填写撤销原因"), "{html}");
    let mut with_reason = base.clone();
    with_reason.push(("reason", "登记有误".to_string()));
    let html = post(with_reason.clone(), withdraw.clone()).await;
    assert!(html.contains("已撤销：登记有误"), "{html}");
    assert_eq!(dues001("2026-11-23").len(), 1);
    assert!(open().await);
    let html = post(with_reason, withdraw).await;
    assert!(html.contains("这条减免记录已经撤销"), "{html}");
    let html = app.html(&c, &page).await;
    assert!(!html.contains("批准减交，每月 10.00 元</span>"), "{html}");

    // The API: the same records and the same refusals.
    let admin = app
        .account("api_dues", Role::OrgAdmin, Some(d.street), None)
        .await;
    let t = app.token(admin).await;
    let http = reqwest::Client::new();
    let url = app.url(&format!("/api/v1/dues/{}/reductions", d.a));
    let list: serde_json::Value = http
        .get(&url)
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["withdrawn_reason"], "登记有误", "{list}");
    let body = |org: i64| {
        serde_json::json!({
            "member_id": id, "kind": "exempt", "from_month": "2026-10",
            "approval_org_id": org, "approved_on": "2026-10-08", "reason": "重病住院"
        })
    };
    let send = |org: i64| http.post(&url).bearer_auth(&t).json(&body(org)).send();
    let r = send(d.other).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = send(d.root).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let made: serde_json::Value = r.json().await.unwrap();
    assert_eq!(made["kind"], "exempt");
    assert_eq!(made["approval_org_name"], "中共示范区委员会");
    // Exempt from October on: September (paid 10.00 before it) is still short.
    let left = dues001("2026-11-23");
    assert!(
        left.len() == 1 && left[0].starts_with("2026-09"),
        "{left:?}"
    );
    let events: Vec<String> = app
        .store
        .audit_export(&Default::default())
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.event)
        .collect();
    assert_eq!(events.iter().filter(|e| *e == "dues.reduction").count(), 2);
    assert!(events.iter().any(|e| e == "dues.reduction.withdraw"));
}
