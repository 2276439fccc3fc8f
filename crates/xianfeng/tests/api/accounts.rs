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

/// Enrols `who` (already signed in as `c`) and returns the secret's code for a moment.
async fn enrol(app: &TestApp, c: &reqwest::Client) -> impl Fn(i64) -> String {
    let page = app.get_with(c, "/account/totp").await.text().await.unwrap();
    let secret = extract(&page, "<code>", "</code>").unwrap();
    let key = xianfeng_store::crypto::totp_decoded(&secret).unwrap();
    let code = move |t: i64| xianfeng_store::crypto::totp_code(&key, t / 30);
    let r = app
        .post_form(c, "/account/totp", &[("code", "000000")])
        .await;
    assert!(r.text().await.unwrap().contains("验证码不正确"));
    let now = app.clock.now().timestamp();
    let r = app
        .post_form(c, "/account/totp", &[("code", &code(now))])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    code
}

#[tokio::test]
async fn administrators_can_enrol_a_second_factor() {
    let app = TestApp::spawn().await;
    let c = app.login_as("aud2", Role::AuditAdmin, None, None).await;
    let code = enrol(&app, &c).await;
    // Next login waits for the code.
    let c = app.login("aud2", PASSWORD).await;
    assert_eq!(location(&app.get_with(&c, "/audit").await), "/login/totp");
    let r = app
        .post_form(&c, "/login/totp", &[("code", "123456")])
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // The code that confirmed the enrolment has been used: it is refused.
    let now = app.clock.now().timestamp();
    let r = app
        .post_form(&c, "/login/totp", &[("code", &code(now))])
        .await;
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "a code is accepted once"
    );
    app.clock.advance(chrono::Duration::seconds(30));
    let now = app.clock.now().timestamp();
    let r = app
        .post_form(&c, "/login/totp", &[("code", &code(now))])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get_with(&c, "/audit").await.status(), StatusCode::OK);
    // Signing in again within the same step: the same code is refused, the next one works.
    let c2 = app.login("aud2", PASSWORD).await;
    let r = app
        .post_form(&c2, "/login/totp", &[("code", &code(now))])
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = app
        .post_form(&c2, "/login/totp", &[("code", &code(now + 30))])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "one step of drift");
}

#[tokio::test]
async fn second_factor_guesses_lock_the_account_like_passwords() {
    let app = TestApp::spawn().await;
    let c = app.login_as("aud3", Role::AuditAdmin, None, None).await;
    let code = enrol(&app, &c).await;
    app.clock.advance(chrono::Duration::seconds(60));
    let c = app.login("aud3", PASSWORD).await;
    // The enrolment's wrong code counted once; four more wrong codes reach the threshold (5).
    for guess in ["111111", "222222", "333333", "444444"] {
        let r = app.post_form(&c, "/login/totp", &[("code", guess)]).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    // Locked: the waiting session has ended, the right code no longer helps.
    let now = app.clock.now().timestamp();
    let r = app
        .post_form(&c, "/login/totp", &[("code", &code(now))])
        .await;
    assert_eq!(location(&r), "/login", "sent back to sign in, not let in");
    assert_eq!(location(&app.get_with(&c, "/audit").await), "/login");
    let acc = app
        .store
        .account_by_username("aud3")
        .await
        .unwrap()
        .unwrap();
    assert!(acc.is_locked(app.clock.now()));
    let events: Vec<String> = app
        .store
        .audit_export(&Default::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.object_id.as_deref() == Some(&acc.id.to_string()))
        .map(|r| r.event)
        .collect();
    assert!(events.contains(&"account.lock".to_string()), "{events:?}");
}

#[tokio::test]
async fn second_factor_secrets_are_stored_encrypted() {
    let app = TestApp::spawn().await;
    let c = app.login_as("aud4", Role::AuditAdmin, None, None).await;
    let page = app
        .get_with(&c, "/account/totp")
        .await
        .text()
        .await
        .unwrap();
    let secret = extract(&page, "<code>", "</code>").unwrap();
    let raw = xianfeng_store::crypto::totp_decoded(&secret).unwrap();
    let acc = app
        .store
        .account_by_username("aud4")
        .await
        .unwrap()
        .unwrap();
    let cipher = acc.totp_cipher.clone().unwrap();
    assert!(
        !cipher.windows(raw.len()).any(|w| w == raw.as_slice()),
        "the secret is not stored in the clear"
    );
    assert_eq!(app.store.keys.decrypt_secret(&cipher).unwrap(), raw);
    let plain: Option<String> = app
        .scalar("SELECT totp_secret FROM accounts WHERE username = 'aud4'")
        .await;
    assert_eq!(plain, None);
    // A secret an older version kept in plain text is sealed at start-up.
    app.execute("UPDATE accounts SET totp_secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', totp_cipher = NULL WHERE username = 'aud4'")
        .await;
    assert_eq!(app.store.totp_seal_plain().await.unwrap(), 1);
    let acc = app
        .store
        .account_by_username("aud4")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        app.store
            .keys
            .decrypt_secret(acc.totp_cipher.as_ref().unwrap())
            .unwrap(),
        b"12345678901234567890"
    );
    let plain: Option<String> = app
        .scalar("SELECT totp_secret FROM accounts WHERE username = 'aud4'")
        .await;
    assert_eq!(plain, None);
}

#[tokio::test]
async fn the_command_line_creates_a_member_account_bound_to_the_roster() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    app.member(d.a, "本人", 77).await;
    let out = app.cli(&[
        "admin",
        "create-user",
        "--username",
        "self77",
        "--name",
        "本人",
        "--role",
        "member",
        "--member-id-number",
        &id_number("1980-05-01", 77),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let acc = app
        .store
        .account_by_username("self77")
        .await
        .unwrap()
        .unwrap();
    assert!(acc.member_id.is_some());
    // An ID number on nobody's record is refused with one sentence.
    let out = app.cli(&[
        "admin",
        "create-user",
        "--username",
        "nobody",
        "--name",
        "无",
        "--role",
        "member",
        "--member-id-number",
        &id_number("1980-05-01", 78),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("名册中没有该身份证号"));
}
