//! Route × role matrix: nobody reads or writes outside their scope, by URL or by id in a body.

use reqwest::{Client, StatusCode};
use serde_json::json;
use xianfeng_domain::scope::Role;

use crate::helpers::*;

/// who, path, form fields
type Attempt<'a> = (&'a Client, String, Vec<(&'static str, String)>);

struct Cast {
    adm_a_id: i64,
    sys: Client,
    sec: Client,
    aud: Client,
    adm_a: Client,
    view_street: Client,
    adm_zx: Client,
    mem: Client,
}

async fn cast(app: &TestApp, d: &District, m_a: i64) -> Cast {
    let adm_a = app.login_as("adm_a", Role::OrgAdmin, Some(d.a), None).await;
    Cast {
        adm_a_id: app
            .store
            .account_by_username("adm_a")
            .await
            .unwrap()
            .unwrap()
            .id,
        sys: app.login_as("sys", Role::SystemAdmin, None, None).await,
        sec: app.login_as("sec", Role::SecurityAdmin, None, None).await,
        aud: app.login_as("aud", Role::AuditAdmin, None, None).await,
        adm_a,
        view_street: app
            .login_as("view_street", Role::OrgViewer, Some(d.street), None)
            .await,
        adm_zx: app
            .login_as("adm_zx", Role::OrgAdmin, Some(d.other), None)
            .await,
        mem: app.login_as("mem", Role::Member, None, Some(m_a)).await,
    }
}

#[tokio::test]
async fn every_page_route_as_every_role() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let m_a = app.member(d.a, "甲", 1).await;
    let m_b = app.member(d.b, "乙", 2).await;
    let m_c = app.member(d.c, "丙", 3).await;
    let who = cast(&app, &d, m_a).await;
    let life = life_records(&app, &d).await;
    let meeting_a = life.meeting_a;
    let joint_c = life.joint_c;
    let tc = life.template_c;
    const OK: u16 = 200;
    const NO: u16 = 403;
    // Out of the caller's scope: answered as if absent, so that ids cannot be probed.
    const HID: u16 = 404;
    const GONE: u16 = 303; // redirected elsewhere
                           // columns: sys, sec, aud, adm_a, view_street, adm_zx, mem
    let rows: Vec<(String, [u16; 7])> = vec![
        ("/".into(), [OK, OK, OK, OK, OK, OK, OK]),
        ("/account".into(), [OK, OK, OK, OK, OK, OK, OK]),
        ("/members".into(), [NO, NO, NO, OK, OK, OK, GONE]),
        (
            format!("/members?org={}", d.a),
            [NO, NO, NO, OK, OK, HID, GONE],
        ),
        (
            format!("/members?org={}", d.c),
            [NO, NO, NO, HID, HID, OK, GONE],
        ),
        (format!("/members/{m_a}"), [NO, NO, NO, OK, OK, HID, OK]),
        (format!("/members/{m_b}"), [NO, NO, NO, HID, OK, HID, HID]),
        (format!("/members/{m_c}"), [NO, NO, NO, HID, HID, OK, HID]),
        (
            format!("/members/{m_a}/edit"),
            [NO, NO, NO, OK, NO, HID, NO],
        ),
        (
            format!("/members/{m_a}/transfer"),
            [NO, NO, NO, OK, NO, HID, NO],
        ),
        (
            format!("/members/new?org={}", d.a),
            [NO, NO, NO, OK, NO, HID, NO],
        ),
        (
            format!("/members/new?org={}", d.b),
            [NO, NO, NO, HID, NO, HID, NO],
        ),
        ("/me".into(), [404, 404, 404, 404, 404, 404, OK]),
        (format!("/orgs/{}", d.a), [OK, NO, NO, OK, OK, HID, NO]),
        (format!("/orgs/{}", d.c), [OK, NO, NO, HID, HID, OK, NO]),
        (format!("/orgs/{}/edit", d.a), [OK, NO, NO, OK, NO, HID, NO]),
        (
            format!("/orgs/{}/edit", d.b),
            [OK, NO, NO, HID, NO, HID, NO],
        ),
        (
            format!("/orgs/new?parent={}", d.street),
            [OK, NO, NO, HID, NO, HID, NO],
        ),
        (
            format!("/orgs/{}/move", d.street),
            [OK, NO, NO, HID, NO, HID, NO],
        ),
        (
            format!("/imports/members?org={}", d.a),
            [NO, NO, NO, OK, NO, HID, NO],
        ),
        (
            format!("/imports/members?org={}", d.c),
            [NO, NO, NO, HID, NO, OK, NO],
        ),
        (
            format!("/imports/meetings?org={}", d.a),
            [NO, NO, NO, OK, NO, HID, NO],
        ),
        (
            format!("/imports/meetings?org={}", d.c),
            [NO, NO, NO, HID, NO, OK, NO],
        ),
        (
            "/imports/meetings/template.xlsx".into(),
            [NO, NO, NO, OK, OK, OK, NO],
        ),
        (
            format!("/members/export.csv?org={}", d.a),
            [NO, NO, NO, OK, OK, HID, NO],
        ),
        (
            format!("/members/export.csv?org={}", d.c),
            [NO, NO, NO, HID, HID, OK, NO],
        ),
        ("/admin/accounts".into(), [OK, OK, NO, NO, NO, NO, NO]),
        ("/admin/accounts/new".into(), [OK, NO, NO, NO, NO, NO, NO]),
        ("/admin/policy".into(), [NO, OK, NO, NO, NO, NO, NO]),
        ("/audit".into(), [NO, NO, OK, NO, NO, NO, NO]),
        ("/audit/export.csv".into(), [NO, NO, OK, NO, NO, NO, NO]),
        // Signed in already: the sign-in pages send one home; every account may change its
        // password and enrol a second factor.
        ("/login".into(), [GONE; 7]),
        ("/login/totp".into(), [GONE; 7]),
        ("/setup".into(), [GONE; 7]),
        ("/password".into(), [OK; 7]),
        ("/account/totp".into(), [OK; 7]),
        (
            format!("/admin/accounts/{}/role", who.adm_a_id),
            [NO, OK, NO, NO, NO, NO, NO],
        ),
        ("/orgs".into(), [OK, NO, NO, OK, OK, OK, NO]),
        // Work pages of a subtree: one's own, and another committee's.
        ("/stats".into(), [NO, NO, NO, OK, OK, OK, NO]),
        (
            format!("/stats?org={}", d.c),
            [NO, NO, NO, HID, HID, OK, NO],
        ),
        (
            format!("/stats/people?org={}&dim=gender&value=female", d.a),
            [NO, NO, NO, OK, OK, HID, NO],
        ),
        (
            format!("/stats/export.xlsx?org={}", d.a),
            [NO, NO, NO, OK, OK, HID, NO],
        ),
        ("/compliance".into(), [NO, NO, NO, OK, OK, OK, NO]),
        (
            format!("/compliance?org={}", d.c),
            [NO, NO, NO, HID, HID, OK, NO],
        ),
        (
            format!("/compliance/export.xlsx?org={}", d.a),
            [NO, NO, NO, OK, OK, HID, NO],
        ),
        ("/development".into(), [NO, NO, NO, OK, OK, OK, NO]),
        (
            format!("/development?org={}", d.c),
            [NO, NO, NO, HID, HID, OK, NO],
        ),
        (
            format!("/members/{m_a}/development"),
            [NO, NO, NO, OK, OK, HID, NO],
        ),
        (
            format!("/members/{m_c}/development"),
            [NO, NO, NO, HID, HID, OK, NO],
        ),
        (format!("/dues?org={}", d.a), [NO, NO, NO, OK, OK, HID, NO]),
        (format!("/dues?org={}", d.c), [NO, NO, NO, HID, HID, OK, NO]),
        (
            format!("/dues/sheet.xlsx?org={}&month=2026-10", d.a),
            [NO, NO, NO, OK, OK, HID, NO],
        ),
        (
            format!("/dues/sheet.xlsx?org={}&month=2026-10", d.c),
            [NO, NO, NO, HID, HID, OK, NO],
        ),
        ("/transfers".into(), [NO, NO, NO, OK, OK, OK, NO]),
        (
            format!("/transfers?org={}", d.c),
            [NO, NO, NO, HID, HID, OK, NO],
        ),
        (
            format!("/members/export.xlsx?org={}", d.a),
            [NO, NO, NO, OK, OK, HID, NO],
        ),
        (
            // A blank template: for every work role.
            "/imports/members/template.xlsx".into(),
            [NO, NO, NO, OK, OK, OK, NO],
        ),
        // Organisational life: the subtree's meetings, one meeting and its host's code.
        ("/meetings".into(), [NO, NO, NO, OK, OK, OK, NO]),
        (
            format!("/meetings?org={}", d.c),
            [NO, NO, NO, HID, HID, OK, NO],
        ),
        (
            format!("/meetings/new?org={}", d.a),
            [NO, NO, NO, OK, NO, HID, NO],
        ),
        (
            format!("/meetings/{meeting_a}"),
            [NO, NO, NO, OK, OK, HID, NO],
        ),
        (
            format!("/meetings/{meeting_a}/edit"),
            [NO, NO, NO, OK, NO, HID, NO],
        ),
        // Not in session: the host is sent back to the meeting.
        (
            format!("/meetings/{meeting_a}/qr"),
            [NO, NO, NO, GONE, NO, HID, NO],
        ),
        // A stale or wrong code is refused for everyone.
        (format!("/meetings/{meeting_a}/checkin?s=1&c=x"), [422; 7]),
        (
            format!("/meetings/register?org={}", d.a),
            [NO, NO, NO, OK, OK, HID, NO],
        ),
        (
            format!("/meetings/register.xlsx?org={}", d.a),
            [NO, NO, NO, OK, OK, HID, NO],
        ),
        (
            format!("/meetings/attendance?org={}", d.a),
            [NO, NO, NO, OK, OK, HID, NO],
        ),
        (
            format!("/meetings/overview?org={}", d.street),
            [NO, NO, NO, HID, OK, HID, NO],
        ),
        (
            format!("/meetings/items?org={}", d.c),
            [NO, NO, NO, HID, HID, OK, NO],
        ),
        (format!("/orgs/{}/team", d.a), [NO, NO, NO, OK, OK, HID, NO]),
        (
            format!("/orgs/{}/team", d.c),
            [NO, NO, NO, HID, HID, OK, NO],
        ),
        ("/team/unresolved".into(), [NO, NO, NO, OK, OK, OK, NO]),
        (format!("/joint?org={}", d.a), [NO, NO, NO, OK, OK, HID, NO]),
        (
            format!("/joint/new?org={}", d.a),
            [NO, NO, NO, OK, NO, HID, NO],
        ),
        (format!("/joint/{joint_c}"), [NO, NO, NO, HID, HID, OK, NO]),
        ("/reports".into(), [NO, NO, NO, OK, OK, OK, NO]),
        ("/notices".into(), [OK; 7]),
        (
            format!("/attachments/{}", life.attachment_c),
            [NO, NO, NO, HID, HID, OK, NO],
        ),
        (
            format!("/reports/files/{}", life.report_file_c),
            [NO, NO, NO, HID, HID, OK, NO],
        ),
        (
            format!("/notices/channels?org={}", d.a),
            [NO, NO, NO, OK, NO, HID, NO],
        ),
        (
            format!("/reports?org={}", d.c),
            [NO, NO, NO, HID, HID, OK, NO],
        ),
        (
            format!("/reports/templates/new?org={}", d.a),
            [NO, NO, NO, OK, NO, HID, NO],
        ),
        (
            format!("/reports/templates/{tc}"),
            [NO, NO, NO, HID, HID, OK, NO],
        ),
        (
            format!("/reports/templates/{tc}/edit"),
            [NO, NO, NO, HID, NO, OK, NO],
        ),
        (
            format!("/reports/templates/{tc}/export.xlsx"),
            [NO, NO, NO, HID, HID, OK, NO],
        ),
        (
            format!("/reports/templates/{tc}/fill?org={}", d.c),
            [NO, NO, NO, HID, HID, OK, NO],
        ),
        // A report that is not the caller's (or does not exist) is not found.
        (
            "/imports/members/errors.xlsx?token=nothing".into(),
            [NO, NO, NO, 404, NO, 404, NO],
        ),
    ];
    let clients = [
        &who.sys,
        &who.sec,
        &who.aud,
        &who.adm_a,
        &who.view_street,
        &who.adm_zx,
        &who.mem,
    ];
    let names = ["sys", "sec", "aud", "adm_a", "view_street", "adm_zx", "mem"];
    let mut failures = Vec::new();
    for (path, expected) in &rows {
        for (i, c) in clients.iter().enumerate() {
            let got = app.get_with(c, path).await.status().as_u16();
            if got != expected[i] {
                failures.push(format!(
                    "{} GET {path}: expected {}, got {got}",
                    names[i], expected[i]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every page a GET reaches is in the table above: the list comes from the router.
    let missing: Vec<String> = xianfeng_web::page_routes()
        .table()
        .into_iter()
        .filter(|r| r.method == "GET" && !rows.iter().any(|(p, _)| r.matches(p)))
        .map(|r| r.path.to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "page routes without a row in the route × role table: {missing:#?}"
    );
}

/// The fields of the dues reduction form.
fn reduction(org: i64, member: i64, approver: i64) -> Vec<(&'static str, String)> {
    vec![
        ("org", org.to_string()),
        ("month", "2026-09".into()),
        ("member_id", member.to_string()),
        ("kind", "exempt".into()),
        ("from_month", "2026-09".into()),
        ("approval_org_id", approver.to_string()),
        ("approved_on", "2026-09-01".into()),
        ("reason", "困难".into()),
    ]
}

/// Writes that are not about organisation data, each with the test that covers who may use it.
const WRITES_TESTED_ELSEWHERE: &[(&str, &str)] = &[
    (
        "/login",
        "auth::five_failures_lock_for_fifteen_minutes_and_both_are_audited",
    ),
    (
        "/login/totp",
        "accounts::second_factor_guesses_lock_the_account_like_passwords",
    ),
    ("/logout", "auth::logout_invalidates_a_stolen_cookie"),
    (
        "/setup",
        "auth::first_start_has_no_account_and_a_one_time_setup_link",
    ),
    (
        "/password",
        "auth::first_password_must_be_changed_and_history_is_kept",
    ),
    (
        "/account/totp",
        "accounts::administrators_can_enrol_a_second_factor",
    ),
    (
        "/notices/read",
        "development::deadline_findings_reach_the_home_page_and_notify_once (one's own only)",
    ),
    (
        "/notices/prefs",
        "life::reminders_reach_each_webhook_once_across_two_copies_and_failures_are_retried (one's own only)",
    ),
];

#[tokio::test]
async fn writes_outside_scope_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let m_a = app.member(d.a, "甲", 1).await;
    let m_c = app.member(d.c, "丙", 3).await;
    let who = cast(&app, &d, m_a).await;
    let life = life_records(&app, &d).await;
    let (meeting_c, item_c, post_c) = (life.meeting_c, life.item_c, life.post_c);
    let (joint_c, inspection_c, summary_c) = (life.joint_c, life.inspection_c, life.summary_c);
    let tc = life.template_c;
    // A letter of the other committee's member, to report or cancel from outside.
    let letter_c = app
        .store
        .letter_issue(
            &xianfeng_store::Actor::cli("test"),
            &xianfeng_domain::scope::Scope::whole_tree(),
            m_c,
            "他组转〔2026〕1号",
            xianfeng_store::letters::Destination::Outside("外单位".into()),
            "2026-11-01".parse().unwrap(),
            None,
        )
        .await
        .unwrap();
    let before = app
        .store
        .audit_export(&Default::default())
        .await
        .unwrap()
        .len();
    let account = |action: &str| format!("/admin/accounts/{}/{action}", who.adm_a_id);
    let attempts: Vec<Attempt> = vec![
        // Account administration is for the administrators only.
        (&who.adm_a, account("disable"), vec![]),
        (&who.adm_a, account("enable"), vec![]),
        (
            &who.adm_a,
            account("reset"),
            vec![("password", PASSWORD.into())],
        ),
        (&who.adm_a, account("unlock"), vec![]),
        (&who.adm_a, account("totp-reset"), vec![]),
        (
            &who.sys,
            account("role"),
            vec![("role", "org_admin".into()), ("org_code", "ZX".into())],
        ),
        (
            &who.sys,
            "/admin/policy".into(),
            vec![
                ("lockout_threshold", "100".into()),
                ("lockout_window_minutes", "15".into()),
                ("lockout_minutes", "1".into()),
                ("idle_timeout_minutes", "30".into()),
                ("absolute_timeout_hours", "12".into()),
                ("password_expiry_days", "0".into()),
            ],
        ),
        // Another committee's dues, imports, letters, development files and organisations.
        (
            &who.adm_a,
            "/dues".into(),
            vec![("org", d.c.to_string()), ("month", "2026-10".into())],
        ),
        (
            &who.view_street,
            "/imports/members/commit".into(),
            vec![("org", d.a.to_string()), ("token", "x".into())],
        ),
        (
            &who.adm_a,
            format!("/letters/{letter_c}/report"),
            vec![("reported_on", "2026-11-10".into())],
        ),
        (&who.adm_a, format!("/letters/{letter_c}/cancel"), vec![]),
        (
            &who.adm_a,
            format!("/members/{m_c}/letters"),
            vec![
                ("letter_no", "x".into()),
                ("to_outside", "外".into()),
                ("issued_on", "2026-11-01".into()),
            ],
        ),
        (
            &who.adm_a,
            format!("/members/{m_c}/letters/in"),
            vec![
                ("letter_no", "x".into()),
                ("from", "外".into()),
                ("issued_on", "2026-10-01".into()),
                ("reported_on", "2026-10-05".into()),
            ],
        ),
        (
            &who.adm_a,
            format!("/members/{m_c}/development"),
            vec![("application_date", "2026-10-01".into())],
        ),
        (
            &who.adm_a,
            format!("/members/{m_c}/development/assessment"),
            vec![("assessed_on", "2026-10-01".into()), ("note", "x".into())],
        ),
        (
            &who.adm_a,
            format!("/members/{m_c}/development/sponsor"),
            vec![
                ("role", "contact".into()),
                ("name", "某".into()),
                ("named_on", "2026-10-01".into()),
            ],
        ),
        (&who.adm_a, format!("/members/{m_c}/reveal"), vec![]),
        (
            &who.adm_a,
            format!("/orgs/{}/move", d.c),
            vec![("target", "JD-01".into())],
        ),
        (&who.adm_a, format!("/orgs/{}/restore", d.c), vec![]),
        (
            &who.adm_a,
            format!("/members/{m_c}/archive"),
            vec![("reason", "died".into()), ("date", "2026-11-01".into())],
        ),
        (&who.adm_a, format!("/members/{m_c}/restore"), vec![]),
        (
            &who.adm_a,
            format!("/members/{m_c}/development/sponsor/1/remove"),
            vec![],
        ),
        (
            &who.adm_a,
            format!("/members/{m_c}/contact"),
            vec![("kind", "lost".into()), ("date", "2026-11-01".into())],
        ),
        (
            &who.view_street,
            format!("/members/{m_a}/contact"),
            vec![("kind", "lost".into()), ("date", "2026-11-01".into())],
        ),
        (
            &who.mem,
            format!("/members/{m_a}/contact"),
            vec![("kind", "lost".into()), ("date", "2026-11-01".into())],
        ),
        (
            &who.adm_a,
            format!("/members/{m_c}/edit"),
            vec![("name", "改".into()), ("status", "full".into())],
        ),
        (
            &who.adm_a,
            format!("/orgs/{}/archive", d.c),
            vec![("reason", "x".into())],
        ),
        (
            &who.adm_a,
            format!("/orgs/{}/edit", d.c),
            vec![("name", "改".into()), ("code", "ZX-01".into())],
        ),
        (
            &who.adm_a,
            "/orgs/new".into(),
            vec![
                ("parent_id", d.c.to_string()),
                ("code", "N1".into()),
                ("name", "新".into()),
                ("org_type", "branch".into()),
                ("sector", "rural".into()),
            ],
        ),
        // A form aimed at one's own page but naming another organisation in the body.
        (
            &who.adm_a,
            "/members/new".into(),
            vec![
                ("org_id", d.c.to_string()),
                ("name", "混入".into()),
                ("id_number", id_number("1988-08-08", 7)),
                ("status", "applicant".into()),
            ],
        ),
        (
            &who.view_street,
            format!("/members/{m_a}/archive"),
            vec![("reason", "died".into()), ("date", "2026-11-01".into())],
        ),
        (
            &who.view_street,
            format!("/orgs/{}/archive", d.b),
            vec![("reason", "x".into())],
        ),
        (
            &who.mem,
            format!("/members/{m_a}/archive"),
            vec![("reason", "died".into()), ("date", "2026-11-01".into())],
        ),
        (
            &who.sys,
            format!("/members/{m_a}/archive"),
            vec![("reason", "died".into()), ("date", "2026-11-01".into())],
        ),
        (
            &who.sec,
            format!("/orgs/{}/archive", d.b),
            vec![("reason", "x".into())],
        ),
        (
            &who.aud,
            "/admin/accounts/new".into(),
            vec![
                ("username", "x1".into()),
                ("display_name", "x".into()),
                ("password", PASSWORD.into()),
            ],
        ),
        (
            &who.adm_zx,
            format!("/members/{m_a}/transfer"),
            vec![("target", "ZX-01".into()), ("date", "2026-11-01".into())],
        ),
        // Another committee's meetings, decisions and office holders; a reader's write.
        (
            &who.adm_a,
            "/meetings".into(),
            vec![
                ("org", d.c.to_string()),
                ("kind", "general".into()),
                ("date", "2026-11-20".into()),
                ("topic", "混入".into()),
                ("online", "1".into()),
            ],
        ),
        (
            &who.view_street,
            "/meetings".into(),
            vec![
                ("org", d.a.to_string()),
                ("kind", "general".into()),
                ("date", "2026-11-20".into()),
                ("topic", "读者".into()),
                ("online", "1".into()),
            ],
        ),
        (
            &who.adm_a,
            format!("/meetings/{meeting_c}/edit"),
            vec![
                ("kind", "general".into()),
                ("date", "2026-11-20".into()),
                ("topic", "改".into()),
                ("online", "1".into()),
            ],
        ),
        (
            &who.adm_a,
            format!("/meetings/{meeting_c}/step/notice"),
            vec![],
        ),
        (
            &who.adm_a,
            format!("/meetings/{meeting_c}/cancel"),
            vec![("reason", "x".into())],
        ),
        (
            &who.adm_a,
            format!("/meetings/{meeting_c}/minutes"),
            vec![("minutes", "x".into())],
        ),
        (
            &who.adm_a,
            format!("/meetings/{meeting_c}/vote"),
            vec![
                ("subject", "x".into()),
                ("yes", "1".into()),
                ("no", "0".into()),
                ("abstain", "0".into()),
            ],
        ),
        (
            &who.adm_a,
            format!("/meetings/{meeting_c}/makeup"),
            vec![
                ("member_id", m_c.to_string()),
                ("makeup_on", "2026-11-20".into()),
                ("note", "x".into()),
            ],
        ),
        (
            &who.adm_a,
            format!("/meetings/{meeting_c}/proxy"),
            vec![("member_id", m_c.to_string()), ("note", "x".into())],
        ),
        (
            &who.adm_a,
            format!("/meetings/{meeting_c}/items"),
            vec![
                ("title", "x".into()),
                ("owner_id", m_c.to_string()),
                ("due_date", "2026-12-20".into()),
            ],
        ),
        (
            &who.adm_a,
            format!("/items/{item_c}/close"),
            vec![("note", "x".into())],
        ),
        (
            &who.mem,
            format!("/items/{item_c}/close"),
            vec![("note", "x".into())],
        ),
        (
            &who.adm_a,
            format!("/orgs/{}/team/appoint", d.c),
            vec![
                ("post", "member".into()),
                ("member_id", m_c.to_string()),
                ("start_date", "2026-11-01".into()),
            ],
        ),
        (
            &who.adm_a,
            format!("/orgs/{}/team/elect", d.c),
            vec![
                ("elected_on", "2026-11-01".into()),
                ("post_0", "secretary".into()),
                ("seat_0", m_c.to_string()),
            ],
        ),
        (
            &who.adm_a,
            format!("/posts/{post_c}/end"),
            vec![("end_date", "2026-11-01".into()), ("reason", "x".into())],
        ),
        (
            &who.adm_a,
            format!("/posts/{post_c}/resolve"),
            vec![("member_id", m_c.to_string())],
        ),
        (
            &who.adm_a,
            "/joint".into(),
            vec![
                ("org", d.other.to_string()),
                ("name", "混入".into()),
                ("min_per_month", "2".into()),
                ("started_on", "2026-11-01".into()),
                ("chief", m_c.to_string()),
            ],
        ),
        (
            &who.adm_a,
            format!("/joint/{joint_c}/inspections"),
            vec![("unit_id", "1".into()), ("item", "x".into())],
        ),
        (
            &who.adm_a,
            format!("/joint/inspections/{inspection_c}/result"),
            vec![
                ("result", "x".into()),
                ("checked_on", "2026-11-01".into()),
                ("system", joint_c.to_string()),
            ],
        ),
        (
            &who.adm_a,
            format!("/joint/{joint_c}/summaries"),
            vec![("period", "2026-10".into())],
        ),
        (
            &who.adm_a,
            format!("/joint/summaries/{summary_c}"),
            vec![("body", "x".into())],
        ),
        (
            &who.adm_a,
            "/notices/webhooks".into(),
            vec![
                ("org", d.c.to_string()),
                ("kind", "json".into()),
                ("url", "https://example.cn/x".into()),
            ],
        ),
        (
            &who.adm_a,
            format!("/notices/webhooks/{}/enable", life.webhook_c),
            vec![("enabled", "0".into())],
        ),
        (
            &who.adm_a,
            "/notices/test".into(),
            vec![("org", d.c.to_string())],
        ),
        (
            &who.adm_a,
            "/reports/templates".into(),
            vec![
                ("org", d.c.to_string()),
                ("name", "混入".into()),
                ("cadence", "monthly".into()),
            ],
        ),
        (
            &who.adm_a,
            format!("/reports/templates/{tc}/edit"),
            vec![("name", "改".into())],
        ),
        (
            &who.adm_a,
            format!("/reports/templates/{tc}/fill"),
            vec![
                ("org", d.c.to_string()),
                ("period", "2026-11-2".into()),
                ("f1", "x".into()),
            ],
        ),
        (
            &who.adm_a,
            format!("/reports/templates/{tc}/review"),
            vec![
                ("period", "2026-11-1".into()),
                ("org", d.c.to_string()),
                ("receiver", d.other.to_string()),
                ("action", "accept".into()),
            ],
        ),
        // Dues reductions: another branch's member, and a reader.
        (
            &who.adm_a,
            "/dues/reductions".into(),
            reduction(d.c, m_c, d.other),
        ),
        (
            &who.view_street,
            "/dues/reductions".into(),
            reduction(d.a, m_a, d.street),
        ),
        (
            &who.view_street,
            "/dues/reductions/1/withdraw".into(),
            vec![
                ("org", d.a.to_string()),
                ("month", "2026-09".into()),
                ("reason", "x".into()),
            ],
        ),
    ];
    // Uploads (multipart, the token as the first field) into another committee, or by a reader.
    let uploads: Vec<Attempt> = vec![
        (
            &who.adm_a,
            format!("/meetings/{meeting_c}/attachments"),
            vec![],
        ),
        (
            &who.view_street,
            format!("/meetings/{meeting_c}/attachments"),
            vec![],
        ),
        (
            &who.adm_a,
            "/dues/import".into(),
            vec![("org", d.c.to_string()), ("month", "2026-10".into())],
        ),
        (
            &who.view_street,
            "/imports/members".into(),
            vec![("org", d.a.to_string())],
        ),
        (
            &who.adm_a,
            "/imports/members".into(),
            vec![("org", d.c.to_string())],
        ),
    ];
    for (c, path, fields) in &uploads {
        let mut form = reqwest::multipart::Form::new().text("_csrf", app.csrf(c).await);
        for (k, v) in fields {
            form = form.text(*k, v.clone());
        }
        let form = form.part(
            "file",
            reqwest::multipart::Part::bytes(b"a,b\n1,2\n".to_vec()).file_name("表.csv"),
        );
        let r = c.post(app.url(path)).multipart(form).send().await.unwrap();
        let expected = if std::ptr::eq(*c, &who.adm_a) {
            404
        } else {
            403
        };
        assert_eq!(r.status().as_u16(), expected, "upload to {path}");
    }
    // Every write a page accepts is attempted here, or named with the test that covers it.
    let missing: Vec<String> = xianfeng_web::page_routes()
        .table()
        .into_iter()
        .filter(|r| {
            r.method == "POST"
                && !attempts
                    .iter()
                    .chain(&uploads)
                    .any(|(_, p, _)| r.matches(p))
                && !WRITES_TESTED_ELSEWHERE.iter().any(|(p, _)| *p == r.path)
        })
        .map(|r| r.path.to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "page writes without an out-of-scope attempt: {missing:#?}"
    );
    for (c, path, fields) in &attempts {
        let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = app.post_form(c, path, &f).await;
        // 404 where the record is out of the caller's scope altogether (exactly as an absent
        // one), 403 where the role may not do this at all or sees the record but may not
        // write it.
        let out_of_scope = (std::ptr::eq(*c, &who.adm_a) || std::ptr::eq(*c, &who.adm_zx))
            && !path.starts_with("/admin/")
            // A member may close only the decisions they own: another's is not found.
            || (std::ptr::eq(*c, &who.mem) && path.starts_with("/items/"));
        let expected = if out_of_scope { 404 } else { 403 };
        assert_eq!(r.status().as_u16(), expected, "POST {path}");
    }
    // Members cannot see the full ID of others, administrators cannot reveal out of scope.
    let r = app
        .post_form(&who.adm_a, &format!("/members/{m_c}/reveal"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let after = app.store.audit_export(&Default::default()).await.unwrap();
    let writes: Vec<_> = after[before..]
        .iter()
        .filter(|a| !a.event.starts_with("auth."))
        .collect();
    assert!(writes.is_empty(), "nothing was written: {writes:?}");
}

#[tokio::test]
async fn the_api_applies_the_same_scope_by_url_and_by_body() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let m_a = app.member(d.a, "甲", 1).await;
    let m_c = app.member(d.c, "丙", 3).await;
    let adm_a = app.account("api_a", Role::OrgAdmin, Some(d.a), None).await;
    let sys = app.account("api_sys", Role::SystemAdmin, None, None).await;
    let mem = app.account("api_mem", Role::Member, None, Some(m_a)).await;
    let t = app.token(adm_a).await;
    let c = client();
    let get = |path: String, token: String| {
        let c = c.clone();
        let url = app.url(&path);
        async move {
            c.get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(get(format!("/api/v1/members/{m_a}"), t.clone()).await, 200);
    assert_eq!(get(format!("/api/v1/members/{m_c}"), t.clone()).await, 404);
    assert_eq!(get("/api/v1/members/999999".into(), t.clone()).await, 404);
    assert_eq!(get(format!("/api/v1/orgs/{}", d.c), t.clone()).await, 404);
    assert_eq!(
        get(format!("/api/v1/members?org_id={}", d.c), t.clone()).await,
        404
    );
    assert_eq!(
        get(format!("/api/v1/members/{m_a}"), app.token(sys).await).await,
        403,
        "no member data for administrators"
    );
    assert_eq!(
        get(format!("/api/v1/members/{m_a}"), app.token(mem).await).await,
        200
    );
    let tm = app.token(mem).await;
    assert_eq!(get(format!("/api/v1/members/{m_c}"), tm.clone()).await, 404);
    let list: serde_json::Value = c
        .get(app.url("/api/v1/members"))
        .bearer_auth(&tm)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1, "a member lists only themself");

    // Ids in the JSON body outside the scope answer as absent ones.
    let body = json!({"org_id": d.c, "name": "混入", "id_number": id_number("1988-08-08", 9), "status": "applicant"});
    let r = c
        .post(app.url("/api/v1/members"))
        .bearer_auth(&t)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = c
        .post(app.url(&format!("/api/v1/members/{m_a}/transfer")))
        .bearer_auth(&t)
        .json(&json!({"to_org_id": d.c, "date": "2026-11-01"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = c.post(app.url("/api/v1/orgs")).bearer_auth(&t).json(&json!({"parent_id": d.c, "code": "N2", "name": "新", "org_type": "party_group", "sector": "rural"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = c.put(app.url(&format!("/api/v1/members/{m_c}"))).bearer_auth(&t).json(&json!({"name": "改", "id_number": id_number("1980-05-01", 3), "status": "full", "admission_date": "2005-07-01"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = c
        .post(app.url(&format!("/api/v1/orgs/{}/move", d.a)))
        .bearer_auth(&t)
        .json(&json!({"parent_id": d.other}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Without a token, or with a session cookie only: refused.
    assert_eq!(
        client()
            .get(app.url("/api/v1/orgs"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let browser = app.login("api_a", PASSWORD).await;
    assert_eq!(
        browser
            .get(app.url("/api/v1/orgs"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

/// Pages for people without an account go through the public router only: nothing is exempted
/// from the session layer one route at a time.
#[tokio::test]
async fn without_a_session_only_the_public_router_and_the_sign_in_pages_answer() {
    let app = TestApp::spawn().await;
    let public: Vec<(&str, &str)> = xianfeng_web::public_routes()
        .table()
        .into_iter()
        .map(|r| (r.method, r.path))
        .collect();
    assert_eq!(
        public,
        vec![("GET", "/healthz"), ("GET", "/static/{version}/{*name}")],
        "a new public route is a decision: add it here with its own test"
    );
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    let css = app.get("/static/0/app.css").await;
    assert_eq!(css.status(), StatusCode::OK);
    assert!(css.headers().get("set-cookie").is_none());
    // Every page but the sign-in pages sends a visitor without a session to sign in.
    const SIGN_IN: &[&str] = &["/login", "/setup"];
    let mut wrong = Vec::new();
    for r in xianfeng_web::page_routes().table() {
        if r.method != "GET" || SIGN_IN.contains(&r.path) {
            continue;
        }
        let path = r
            .path
            .replace("{id}", "1")
            .replace("{kind}", "members")
            .replace("{sid}", "1");
        let res = app.get(&path).await;
        if res.status() != StatusCode::SEE_OTHER || location(&res) != "/login" {
            wrong.push(format!("{path}: {}", res.status()));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    for p in SIGN_IN {
        assert_ne!(app.get(p).await.status(), StatusCode::SEE_OTHER, "{p}");
    }
}

/// Every operation of the JSON API, read from the document the router generates, refuses a
/// caller without a token, and answers a work token for another committee's ids as absent.
#[tokio::test]
async fn every_api_operation_needs_a_token_and_keeps_to_the_scope() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let m_c = app.member(d.c, "丙", 3).await;
    let adm_a = app
        .account("api_scope_a", Role::OrgAdmin, Some(d.a), None)
        .await;
    let t = app.token(adm_a).await;
    let (_, doc) = xianfeng_web::api::openapi_router();
    let c = client();
    let mut operations = 0;
    let mut wrong = Vec::new();
    for (path, item) in &doc.paths.paths {
        let methods = [
            ("GET", item.get.is_some()),
            ("POST", item.post.is_some()),
            ("PUT", item.put.is_some()),
            ("DELETE", item.delete.is_some()),
        ];
        for (method, present) in methods {
            if !present {
                continue;
            }
            operations += 1;
            // The ids in the path belong to the other committee (an organisation or a person).
            let concrete = path
                .replace("{org_id}", &d.c.to_string())
                .replace(
                    "{id}",
                    &if path.starts_with("/api/v1/orgs") {
                        d.c
                    } else {
                        m_c
                    }
                    .to_string(),
                )
                .replace("{sponsor_id}", "1")
                .replace("{month}", "2026-10");
            assert!(
                !concrete.contains('{'),
                "a path parameter to fill in: {concrete}"
            );
            let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let anonymous = c
                .request(m.clone(), app.url(&concrete))
                .json(&json!({}))
                .send()
                .await
                .unwrap()
                .status();
            if anonymous != StatusCode::UNAUTHORIZED {
                wrong.push(format!("{method} {concrete} without a token: {anonymous}"));
            }
            if concrete.contains(&format!("/{}", d.c)) || concrete.contains(&format!("/{m_c}")) {
                let s = c
                    .request(m, app.url(&concrete))
                    .bearer_auth(&t)
                    .json(&json!({}))
                    .send()
                    .await
                    .unwrap()
                    .status();
                // Absent (404) or, for a body the operation cannot take, refused before it
                // looks anything up (422, 400) — never 200 nor a 403 that tells the id exists.
                if !matches!(s.as_u16(), 404 | 422 | 400) {
                    wrong.push(format!("{method} {concrete} out of scope: {s}"));
                }
            }
        }
    }
    assert!(operations > 30, "{operations} operations");
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Records of organisational life for the route tables: a planned meeting of branch A; a
/// meeting, a decision, a post of 中心村党支部 (C) and a joint-meeting system of 中心镇党委 with
/// an inspection item and a summary.
struct Life {
    meeting_a: i64,
    meeting_c: i64,
    item_c: i64,
    post_c: i64,
    joint_c: i64,
    inspection_c: i64,
    summary_c: i64,
    template_c: i64,
    webhook_c: i64,
    attachment_c: i64,
    report_file_c: i64,
}

async fn life_records(app: &TestApp, d: &District) -> Life {
    use xianfeng_domain::life::MeetingInput;
    use xianfeng_domain::scope::Scope;
    let actor = xianfeng_store::Actor::cli("test");
    let cfg = app.store.life_config().await.unwrap();
    let plan = |topic: &str, date: &str| MeetingInput {
        kind: "general".into(),
        date: date.into(),
        topic: topic.into(),
        online: true,
        ..Default::default()
    };
    let scope = Scope::whole_tree();
    let a = app
        .store
        .meeting_create(
            &actor,
            &scope,
            d.a,
            &plan("计划", "2026-12-01").parse(&cfg).unwrap(),
            &[],
            false,
        )
        .await
        .unwrap();
    let c = app
        .store
        .meeting_create(
            &actor,
            &scope,
            d.c,
            &plan("已开", "2026-11-20").parse(&cfg).unwrap(),
            &[],
            true,
        )
        .await
        .unwrap();
    let m_c: i64 = app
        .scalar(&format!(
            "SELECT MIN(id) FROM members WHERE org_id = {}",
            d.c
        ))
        .await;
    let item = app
        .store
        .action_item_create(
            &actor,
            &scope,
            c.id,
            "落实",
            m_c,
            "2026-12-20".parse().unwrap(),
        )
        .await
        .unwrap();
    let post = app
        .store
        .post_appoint(
            &actor,
            &scope,
            d.c,
            &xianfeng_store::posts::Appointment {
                post: "secretary".into(),
                member_id: m_c,
            },
            "2026-11-01".parse().unwrap(),
        )
        .await
        .unwrap();
    let joint = app
        .store
        .joint_create(
            &actor,
            &scope,
            d.other,
            &xianfeng_store::joint::JointInput {
                name: "党群联席会议".into(),
                min_per_month: 2,
                started_on: "2026-10-01".parse().unwrap(),
                chief: m_c,
                unit_orgs: vec![d.c],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let unit = app.store.joint_units(&scope, joint.id).await.unwrap()[0].id;
    app.store
        .joint_inspection_add(&actor, &scope, joint.id, unit, "检查", None)
        .await
        .unwrap();
    let inspection = app.store.joint_inspections(&scope, joint.id).await.unwrap()[0].id;
    let summary = app
        .store
        .joint_summary_draft(
            &actor,
            &scope,
            joint.id,
            "2026-10-01".parse().unwrap(),
            "2026-10-31".parse().unwrap(),
        )
        .await
        .unwrap()
        .id;
    let template = app
        .store
        .report_template_create(
            &actor,
            &scope,
            d.other,
            &xianfeng_store::reports::TemplateInput {
                name: "半月记实".into(),
                schedule: Default::default(),
                submit_root: d.other,
                submit_sector: None,
                submit_type: None,
                receivers: vec![d.other],
                grace_days: 3,
                starts_on: "2026-11-01".parse().unwrap(),
                fields: vec![
                    xianfeng_domain::reports::Field {
                        key: "f1".into(),
                        label: "主要工作".into(),
                        kind: xianfeng_domain::reports::FieldKind::LongText,
                        required: true,
                        options: vec![],
                        columns: vec![],
                        source: Default::default(),
                    },
                    xianfeng_domain::reports::Field {
                        key: "f2".into(),
                        label: "照片".into(),
                        kind: xianfeng_domain::reports::FieldKind::Attachment,
                        required: false,
                        options: vec![],
                        columns: vec![],
                        source: Default::default(),
                    },
                ],
            },
        )
        .await
        .unwrap();
    let org_c = app.store.org_get(&scope, d.c).await.unwrap();
    let report_file = app
        .store
        .report_file_add(
            &actor,
            &scope,
            &template,
            "2026-11-1",
            &org_c,
            &template.field_list()[1],
            "记录.pdf",
            b"%PDF-1.4\n%test\n",
        )
        .await
        .unwrap();
    let webhook = app
        .store
        .webhook_add(&actor, &scope, d.c, "json", "https://example.cn/hook", "")
        .await
        .unwrap();
    let attachment = app
        .store
        .attachment_add(&actor, &scope, c.id, "记录.pdf", b"%PDF-1.4\n%test\n")
        .await
        .unwrap();
    Life {
        report_file_c: report_file.id,
        attachment_c: attachment.id,
        webhook_c: webhook.id,
        template_c: template.id,
        meeting_a: a.id,
        meeting_c: c.id,
        item_c: item.id,
        post_c: post.id,
        joint_c: joint.id,
        inspection_c: inspection,
        summary_c: summary,
    }
}
