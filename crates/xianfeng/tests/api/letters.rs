//! Transfers of membership with letters: out to a branch of another subtree (the receiver
//! confirms), out of the system (the sender records the receipt), in from outside; MEM-004.

use reqwest::StatusCode;
use xianfeng_domain::members::MemberInput;
use xianfeng_domain::scope::{Role, Scope};

use crate::helpers::*;

async fn person(app: &TestApp, org: i64, name: &str, seq: u32) -> i64 {
    app.person(
        org,
        MemberInput {
            name: name.into(),
            id_number: id_number("1980-02-02", seq),
            status: "full".into(),
            category: "在职".into(),
            admission_date: "2005-07-01".into(),
            conversion_date: "2006-07-01".into(),
            ..Default::default()
        },
    )
    .await
}

#[tokio::test]
async fn letters_move_people_and_overdue_ones_are_found() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let a = app
        .login_as("a_admin", Role::OrgAdmin, Some(d.a), None)
        .await;
    let c = app
        .login_as("zx_admin", Role::OrgAdmin, Some(d.other), None)
        .await;
    let moving = person(&app, d.a, "转出甲", 21).await;
    let leaving = person(&app, d.a, "转外乙", 23).await;
    let late = person(&app, d.a, "逾期丙", 25).await;

    // Out to 中心村党支部 (another subtree): the letter is open until the receiver confirms.
    let r = app
        .post_form(
            &a,
            &format!("/members/{moving}/letters"),
            &[
                ("letter_no", "示组转〔2026〕1号"),
                ("to_code", "ZX-01"),
                ("issued_on", "2026-11-01"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = app.get_with(&c, "/transfers").await.text().await.unwrap();
    assert!(
        html.contains("转出甲") && html.contains("确认报到"),
        "{html}"
    );
    let letters = app.store.letters_of(&Scope::Structure, moving).await;
    assert!(letters.is_err(), "the structure scope reads no member data");
    let id = extract(&html, "action=\"/letters/", "/report").unwrap();
    let r = app
        .post_form(
            &c,
            &format!("/letters/{id}/report"),
            &[("reported_on", "2026-11-10")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let c_row = app.store.org_get(&Scope::Structure, d.c).await.unwrap();
    let scope_c = Scope::Subtree {
        root_id: d.c,
        path: c_row.org_path(),
        write: true,
    };
    let m = app.store.member_get(&scope_c, moving).await.unwrap();
    assert_eq!(m.org_id, d.c);
    // The sender cannot confirm in the receiver's place.
    app.post_form(
        &a,
        &format!("/members/{late}/letters"),
        &[
            ("letter_no", "示组转〔2026〕2号"),
            ("to_code", "ZX-01"),
            ("issued_on", "2026-07-01"),
        ],
    )
    .await;
    // Issued 2026-07-01, valid to 2026-10-01, not reported by 2026-11-23: MEM-004.
    let open = app
        .store
        .findings_of(&Scope::whole_tree(), "person", late)
        .await
        .unwrap();
    assert!(open.iter().any(|f| f.rule == "MEM-004"), "{open:?}");
    let html = app.get_with(&a, "/").await.text().await.unwrap();
    assert!(
        html.contains("逾期丙"),
        "the to-do list shows the overdue letter"
    );

    // Out of the system: the sender records the receipt and the person leaves the roster.
    app.post_form(
        &a,
        &format!("/members/{leaving}/letters"),
        &[
            ("letter_no", "示组转〔2026〕3号"),
            ("to_outside", "中共某省某市某区委员会组织部"),
            ("issued_on", "2026-11-02"),
        ],
    )
    .await;
    let html = app
        .get_with(&a, &format!("/members/{leaving}"))
        .await
        .text()
        .await
        .unwrap();
    let id = extract(&html, "action=\"/letters/", "/cancel").unwrap();
    let r = app
        .post_form(
            &a,
            &format!("/letters/{id}/report"),
            &[("reported_on", "2026-11-20")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let a_row = app.store.org_get(&Scope::Structure, d.a).await.unwrap();
    let scope_a = Scope::Subtree {
        root_id: d.a,
        path: a_row.org_path(),
        write: true,
    };
    let m = app.store.member_get(&scope_a, leaving).await.unwrap();
    assert_eq!(m.archive_reason.as_deref(), Some("transferred_out"));
    assert_eq!(m.archive_date, Some("2026-11-20".parse().unwrap()));

    // In from outside, reported after the letter's validity: MEM-004.
    let arrived = person(&app, d.a, "转入丁", 27).await;
    app.post_form(
        &a,
        &format!("/members/{arrived}/letters/in"),
        &[
            ("letter_no", "外组转〔2026〕9号"),
            ("from", "中共某县委组织部"),
            ("issued_on", "2026-06-01"),
            ("reported_on", "2026-09-15"),
        ],
    )
    .await;
    let rules: Vec<String> = app
        .store
        .findings_of(&Scope::whole_tree(), "person", arrived)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.rule)
        .collect();
    assert!(rules.contains(&"MEM-004".to_string()), "{rules:?}");
}

/// Sends the same request twice at once, as a double click or two tabs would, and returns
/// both statuses, sorted.
async fn twice(app: &TestApp, token: &str, path: &str, body: serde_json::Value) -> [u16; 2] {
    let c = client();
    let send = || c.post(app.url(path)).bearer_auth(token).json(&body).send();
    let (x, y) = tokio::join!(send(), send());
    let mut s = [x.unwrap().status().as_u16(), y.unwrap().status().as_u16()];
    s.sort();
    s
}

async fn transfers(app: &TestApp, id: i64) -> usize {
    app.store
        .member_history(&Scope::whole_tree(), id)
        .await
        .unwrap()
        .iter()
        .filter(|h| h.what.contains("转"))
        .count()
}

#[tokio::test]
async fn a_double_submission_records_one_transfer() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let street = app
        .account("dbl_street", Role::OrgAdmin, Some(d.street), None)
        .await;
    let zx = app
        .account("dbl_zx", Role::OrgAdmin, Some(d.other), None)
        .await;
    let (ts, tz) = (app.token(street).await, app.token(zx).await);
    let moving = person(&app, d.a, "双击甲", 31).await;
    let leaving = person(&app, d.a, "双击乙", 33).await;
    let roster = person(&app, d.a, "双击丙", 35).await;
    let c = client();
    let issue = |id: i64, body: serde_json::Value| {
        let (c, url, t) = (
            c.clone(),
            app.url(&format!("/api/v1/members/{id}/letters")),
            ts.clone(),
        );
        async move {
            let r = c.post(url).bearer_auth(t).json(&body).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::CREATED);
            r.json::<serde_json::Value>().await.unwrap()["id"]
                .as_i64()
                .unwrap()
        }
    };

    // Two letters for one person at once: one is issued.
    let both = twice(
        &app,
        &ts,
        &format!("/api/v1/members/{moving}/letters"),
        serde_json::json!({"letter_no": "双〔2026〕1号", "to_code": "ZX-01", "issued_on": "2026-11-01"}),
    )
    .await;
    assert_eq!(both[0], 201, "{both:?}");
    assert_ne!(both[1], 201, "{both:?}");
    let letters = app
        .store
        .letters_of(&Scope::whole_tree(), moving)
        .await
        .unwrap();
    assert_eq!(letters.len(), 1);

    // The receiving side confirms twice at once: the person moves once.
    let both = twice(
        &app,
        &tz,
        &format!("/api/v1/letters/{}/report", letters[0].id),
        serde_json::json!({"reported_on": "2026-11-10"}),
    )
    .await;
    assert_eq!(both[0], 200, "{both:?}");
    assert_eq!(both[1], 422, "{both:?}");
    assert_eq!(transfers(&app, moving).await, 1);
    let m = app
        .store
        .member_get(&Scope::whole_tree(), moving)
        .await
        .unwrap();
    assert_eq!(m.org_id, d.c);

    // A letter to outside reported twice: one archive, one audited receipt.
    let id = issue(
        leaving,
        serde_json::json!({"letter_no": "双〔2026〕2号", "to_outside": "中共某县委组织部", "issued_on": "2026-11-01"}),
    )
    .await;
    let both = twice(
        &app,
        &ts,
        &format!("/api/v1/letters/{id}/report"),
        serde_json::json!({"reported_on": "2026-11-12"}),
    )
    .await;
    assert_eq!(both, [200, 422]);
    let audit = app.store.audit_export(&Default::default()).await.unwrap();
    let n = |event: &str| {
        audit
            .iter()
            .filter(|a| a.event == event && a.result == "success" && a.summary.contains("双击乙"))
            .count()
    };
    assert_eq!(n("member.archive"), 1, "{audit:?}");
    assert_eq!(n("letter.report"), 1, "{audit:?}");
    let m = app
        .store
        .member_get(&Scope::whole_tree(), leaving)
        .await
        .unwrap();
    assert_eq!(m.archive_reason.as_deref(), Some("transferred_out"));

    // A roster transfer submitted twice: one move, the second refused as a conflict.
    let both = twice(
        &app,
        &ts,
        &format!("/api/v1/members/{roster}/transfer"),
        serde_json::json!({"to_org_id": d.b, "date": "2026-11-15"}),
    )
    .await;
    assert_eq!(both[0], 200, "{both:?}");
    assert!(both[1] == 409 || both[1] == 422, "{both:?}");
    assert_eq!(transfers(&app, roster).await, 1);
}

#[tokio::test]
async fn a_letter_and_the_roster_do_not_move_a_person_twice() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let street = app
        .account("lt_street", Role::OrgAdmin, Some(d.street), None)
        .await;
    let zx = app
        .account("lt_zx", Role::OrgAdmin, Some(d.other), None)
        .await;
    let (ts, tz) = (app.token(street).await, app.token(zx).await);
    let p = person(&app, d.a, "持信者", 41).await;
    let c = client();
    let post = |path: String, token: &str, body: serde_json::Value| {
        let r = c.post(app.url(&path)).bearer_auth(token).json(&body).send();
        async move { r.await.unwrap() }
    };
    let r = post(
        format!("/api/v1/members/{p}/letters"),
        &ts,
        serde_json::json!({"letter_no": "信〔2026〕7号", "to_code": "ZX-01", "issued_on": "2026-11-01"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let letter = r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    // While the letter is open the person moves by it, not by a roster transfer.
    let r = post(
        format!("/api/v1/members/{p}/transfer"),
        &ts,
        serde_json::json!({"to_org_id": d.b, "date": "2026-11-05"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("介绍信"));
    // Someone who may not report it learns nothing of it, open or closed.
    let r = post(
        format!("/api/v1/letters/{letter}/report"),
        &ts,
        serde_json::json!({"reported_on": "2026-11-10"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = post(
        format!("/api/v1/letters/{letter}/report"),
        &tz,
        serde_json::json!({"reported_on": "2026-11-10"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    for when in ["2026-11-10", "2099-01-01"] {
        let r = post(
            format!("/api/v1/letters/{letter}/report"),
            &ts,
            serde_json::json!({"reported_on": when}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{when}");
        let r = post(
            "/api/v1/letters/999999/report".into(),
            &ts,
            serde_json::json!({"reported_on": when}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{when}");
    }
    assert_eq!(transfers(&app, p).await, 1);
}
