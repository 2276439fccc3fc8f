//! The three administrators kept apart: accounts, roles, policy.

use reqwest::StatusCode;
use xianfeng_domain::scope::Role;

use crate::helpers::*;

#[tokio::test]
async fn system_creates_security_grants_and_a_role_change_ends_sessions() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let sys = app.login_as("sys", Role::SystemAdmin, None, None).await;
    let sec = app.login_as("sec", Role::SecurityAdmin, None, None).await;
    // The system administrator creates a work account without a role.
    let r = app
        .post_form(
            &sys,
            "/admin/accounts/new",
            &[
                ("username", "Branch1"),
                ("display_name", "支部书记"),
                ("password", "Temp#Pass2026"),
                ("role", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // …and may not give it a work role.
    let r = app
        .post_form(
            &sys,
            "/admin/accounts/new",
            &[
                ("username", "sneaky"),
                ("display_name", "x"),
                ("password", "Temp#Pass2026"),
                ("role", "org_admin"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let id = app
        .store
        .account_by_username("branch1")
        .await
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(
        app.post_form(
            &sys,
            &format!("/admin/accounts/{id}/role"),
            &[("role", "org_admin"), ("org_code", "JD")]
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
    // The person logs in: no role yet, must change the temporary password first.
    let b = app.login("branch1", "Temp#Pass2026").await;
    assert_eq!(location(&app.get_with(&b, "/").await), "/password");
    let r = app
        .post_form(
            &b,
            "/password",
            &[
                ("current", "Temp#Pass2026"),
                ("new", "Mine#Pass2026"),
                ("new2", "Mine#Pass2026"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(app
        .get_with(&b, "/")
        .await
        .text()
        .await
        .unwrap()
        .contains("尚未分配角色"));
    // The security administrator grants a scoped role; the old session ends.
    let r = app
        .post_form(
            &sec,
            &format!("/admin/accounts/{id}/role"),
            &[("role", "org_admin"), ("org_code", "NOPE")],
        )
        .await;
    assert!(r.text().await.unwrap().contains("找不到该组织代码"));
    let r = app
        .post_form(
            &sec,
            &format!("/admin/accounts/{id}/role"),
            &[("role", "org_admin"), ("org_code", "jd")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&app.get_with(&b, "/members").await),
        "/login",
        "renewed on privilege change"
    );
    let b = app.login("branch1", "Mine#Pass2026").await;
    assert_eq!(
        app.get_with(&b, &format!("/members?org={}", d.a))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get_with(&b, &format!("/members?org={}", d.c))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // Administrator roles cannot be handed out by the security administrator.
    let sys_id = app
        .store
        .account_by_username("sys")
        .await
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(
        app.post_form(
            &sec,
            &format!("/admin/accounts/{sys_id}/role"),
            &[("role", "org_admin"), ("org_code", "JD")]
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post_form(
            &sec,
            &format!("/admin/accounts/{id}/role"),
            &[("role", "audit_admin")]
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
    // Disabling ends the session at once.
    let r = app
        .post_form(&sys, &format!("/admin/accounts/{id}/disable"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&app.get_with(&b, "/members").await), "/login");
    let r = client()
        .post(app.url("/login"))
        .form(&[("username", "branch1"), ("password", "Mine#Pass2026")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_security_administrator_sets_the_policy_and_unlocks() {
    let app = TestApp::spawn().await;
    let sec = app.login_as("sec", Role::SecurityAdmin, None, None).await;
    let id = app.account("locked", Role::AuditAdmin, None, None).await;
    for _ in 0..3 {
        client()
            .post(app.url("/login"))
            .form(&[("username", "locked"), ("password", "bad")])
            .send()
            .await
            .unwrap();
    }
    let fields = [
        ("lockout_threshold", "3"),
        ("lockout_window_minutes", "15"),
        ("lockout_minutes", "30"),
        ("idle_timeout_minutes", "20"),
        ("absolute_timeout_hours", "8"),
        ("password_expiry_days", "90"),
    ];
    let r = app
        .post_form(
            &sec,
            "/admin/policy",
            &[
                ("lockout_threshold", "99"),
                ("lockout_window_minutes", "15"),
                ("lockout_minutes", "15"),
                ("idle_timeout_minutes", "30"),
                ("absolute_timeout_hours", "12"),
                ("password_expiry_days", "0"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.post_form(&sec, "/admin/policy", &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let p = app.store.policy().await.unwrap();
    assert_eq!(
        (
            p.lockout_threshold,
            p.idle_timeout_minutes,
            p.password_expiry_days
        ),
        (3, 20, 90)
    );
    // The next failure is the third within the window: locked.
    client()
        .post(app.url("/login"))
        .form(&[("username", "locked"), ("password", "bad")])
        .send()
        .await
        .unwrap();
    assert!(app
        .store
        .account_get(id)
        .await
        .unwrap()
        .is_locked(app.clock.now()));
    let r = app
        .post_form(&sec, &format!("/admin/accounts/{id}/unlock"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(!app
        .store
        .account_get(id)
        .await
        .unwrap()
        .is_locked(app.clock.now()));
    // Password expiry: 91 days on, the next page asks for a new password.
    let c = app.login("locked", PASSWORD).await;
    app.clock.advance(chrono::Duration::days(91));
    let c2 = app.login("locked", PASSWORD).await;
    assert_eq!(location(&app.get_with(&c2, "/audit").await), "/password");
    drop(c);
    let events: Vec<String> = app
        .store
        .audit_export(&Default::default())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.event)
        .collect();
    assert!(events.contains(&"config.policy".to_string()));
}

#[tokio::test]
async fn administrators_can_enrol_a_second_factor() {
    let app = TestApp::spawn().await;
    let c = app.login_as("aud2", Role::AuditAdmin, None, None).await;
    let page = app
        .get_with(&c, "/account/totp")
        .await
        .text()
        .await
        .unwrap();
    let secret = extract(&page, "<code>", "</code>").unwrap();
    let code = |t: i64| {
        let key = xianfeng_store::crypto::base32_decode(&secret).unwrap();
        xianfeng_store::crypto::totp_code(&key, (t / 30) as u64)
    };
    let r = app
        .post_form(&c, "/account/totp", &[("code", "000000")])
        .await;
    assert!(r.text().await.unwrap().contains("验证码不正确"));
    let now = app.clock.now().timestamp();
    let r = app
        .post_form(&c, "/account/totp", &[("code", &code(now))])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Next login waits for the code.
    let c = app.login("aud2", PASSWORD).await;
    assert_eq!(location(&app.get_with(&c, "/audit").await), "/login/totp");
    let r = app
        .post_form(&c, "/login/totp", &[("code", "123456")])
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = app
        .post_form(&c, "/login/totp", &[("code", &code(now))])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get_with(&c, "/audit").await.status(), StatusCode::OK);
}
