//! Sign-in, the set-up link, lockout, sessions, CSRF and security headers.

use chrono::Duration;
use reqwest::StatusCode;
use xianfeng_domain::scope::Role;

use crate::helpers::*;

#[tokio::test]
async fn first_start_has_no_account_and_a_one_time_setup_link() {
    let app = TestApp::spawn().await;
    let r = app.get("/login").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("一次性设置链接"));
    // No default password anywhere.
    for (u, p) in [("admin", "admin"), ("admin", "123456"), ("root", "root")] {
        let r = app
            .client
            .post(app.url("/login"))
            .form(&[("username", u), ("password", p)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let token = app.store.setup_token_create().await.unwrap().unwrap();
    assert_eq!(
        app.get("/setup?token=wrong").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.get(&format!("/setup?token={token}")).await.status(),
        StatusCode::OK
    );
    // A weak password is refused with a Chinese message and the form keeps the input.
    let r = app
        .client
        .post(app.url("/setup"))
        .form(&[
            ("token", token.as_str()),
            ("username", "sysadmin"),
            ("display_name", "系统管理员"),
            ("password", "weak"),
            ("password2", "weak"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("密码至少需要"), "{html}");
    assert!(html.contains("value=\"sysadmin\""));
    let r = app
        .client
        .post(app.url("/setup"))
        .form(&[
            ("token", token.as_str()),
            ("username", "sysadmin"),
            ("display_name", "系统管理员"),
            ("password", PASSWORD),
            ("password2", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Signed in as the system administrator.
    let home = app.get("/").await.text().await.unwrap();
    assert!(home.contains("初始化清单"), "{home}");
    // The link is spent: the system is set up, the page sends people to log in.
    let again = client()
        .get(app.url(&format!("/setup?token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&again), "/login");
    let r = client()
        .post(app.url("/setup"))
        .form(&[
            ("token", token.as_str()),
            ("username", "intruder"),
            ("display_name", "x"),
            ("password", PASSWORD),
            ("password2", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app
        .store
        .account_by_username("intruder")
        .await
        .unwrap()
        .is_none());
    assert!(app.store.setup_token_create().await.unwrap().is_none());
    let c = app.login("sysadmin", PASSWORD).await;
    assert_eq!(
        app.get_with(&c, "/admin/accounts").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn five_failures_lock_for_fifteen_minutes_and_both_are_audited() {
    let app = TestApp::spawn().await;
    app.account("alice", Role::AuditAdmin, None, None).await;
    let c = client();
    for _ in 0..5 {
        let r = c
            .post(app.url("/login"))
            .form(&[("username", "alice"), ("password", "Wrong#Pass1")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let html = r.text().await.unwrap();
        assert!(html.contains("用户名或密码错误"));
    }
    // Locked: even the right password fails, with the same message as an unknown user.
    let r = c
        .post(app.url("/login"))
        .form(&[("username", "alice"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let flash = |html: String| extract(&html, "role=\"alert\">", "<").unwrap();
    let locked = flash(r.text().await.unwrap());
    let r = c
        .post(app.url("/login"))
        .form(&[("username", "nobody"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        flash(r.text().await.unwrap()),
        locked,
        "the message does not reveal whether the user exists"
    );
    app.clock.advance(Duration::minutes(14));
    let r = c
        .post(app.url("/login"))
        .form(&[("username", "alice"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    app.clock.advance(Duration::minutes(2));
    let r = c
        .post(app.url("/login"))
        .form(&[("username", "alice"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let events: Vec<String> = app
        .store
        .audit_export(&Default::default())
        .await
        .unwrap()
        .into_iter()
        .map(|r| format!("{}:{}", r.event, r.result))
        .collect();
    assert!(
        events.contains(&"account.lock:success".to_string()),
        "{events:?}"
    );
    assert!(
        events.contains(&"account.unlock:success".to_string()),
        "{events:?}"
    );
    assert_eq!(
        events.iter().filter(|e| *e == "auth.login:failure").count(),
        8
    );
}

#[tokio::test]
async fn first_password_must_be_changed_and_history_is_kept() {
    let app = TestApp::spawn().await;
    app.store
        .account_create_cli(
            "bob",
            "鲍勃",
            PASSWORD,
            xianfeng_store::accounts::RoleGrant {
                role: Some(Role::AuditAdmin),
                org_id: None,
                member_id: None,
            },
            true,
        )
        .await
        .unwrap();
    let c = app.login("bob", PASSWORD).await;
    let r = app.get_with(&c, "/audit").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/password");
    // Same password again, then one without enough character classes.
    let csrf = {
        let html = app.get_with(&c, "/password").await.text().await.unwrap();
        extract(&html, "name=\"csrf-token\" content=\"", "\"").unwrap()
    };
    let r = c
        .post(app.url("/password"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("current", PASSWORD),
            ("new", PASSWORD),
            ("new2", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("最近 5 次"));
    let r = c
        .post(app.url("/password"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("current", PASSWORD),
            ("new", "alllowercase"),
            ("new2", "alllowercase"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = c
        .post(app.url("/password"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("current", PASSWORD),
            ("new", "New#Pass2027"),
            ("new2", "New#Pass2027"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The session was renewed: the client holds the new cookie and proceeds.
    assert_eq!(app.get_with(&c, "/audit").await.status(), StatusCode::OK);
    assert_eq!(
        app.login("bob", "New#Pass2027")
            .await
            .get(app.url("/audit"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn sessions_end_after_idle_timeout_absolute_timeout_and_logout() {
    let app = TestApp::spawn().await;
    let c = app.login_as("carol", Role::AuditAdmin, None, None).await;
    assert_eq!(app.get_with(&c, "/audit").await.status(), StatusCode::OK);
    app.clock.advance(Duration::minutes(29));
    assert_eq!(app.get_with(&c, "/audit").await.status(), StatusCode::OK);
    app.clock.advance(Duration::minutes(31));
    let r = app.get_with(&c, "/audit").await;
    assert_eq!(location(&r), "/login", "idle for more than 30 minutes");

    // Absolute: active every 20 minutes, still ends after 12 hours.
    let c = app.login("carol", PASSWORD).await;
    for _ in 0..35 {
        app.clock.advance(Duration::minutes(20));
        assert_eq!(app.get_with(&c, "/audit").await.status(), StatusCode::OK);
    }
    app.clock.advance(Duration::minutes(21));
    assert_eq!(
        location(&app.get_with(&c, "/audit").await),
        "/login",
        "more than 12 hours after login"
    );

    // Logout ends the session on the server: the old cookie no longer works.
    let c = app.login("carol", PASSWORD).await;
    assert_eq!(app.get_with(&c, "/audit").await.status(), StatusCode::OK);
    let r = app.post_form(&c, "/logout", &[]).await;
    assert_eq!(location(&r), "/login");
    assert_eq!(location(&app.get_with(&c, "/audit").await), "/login");
}

#[tokio::test]
async fn logout_invalidates_a_stolen_cookie() {
    let app = TestApp::spawn().await;
    app.account("dave", Role::AuditAdmin, None, None).await;
    let r = client()
        .post(app.url("/login"))
        .form(&[("username", "dave"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let set = r
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_string();
    let raw = client();
    let ok = raw
        .get(app.url("/audit"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let html = ok.text().await.unwrap();
    let csrf = extract(&html, "name=\"csrf-token\" content=\"", "\"").unwrap();
    let out = raw
        .post(app.url("/logout"))
        .header("cookie", &cookie)
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let again = raw
        .get(app.url("/audit"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(location(&again), "/login");
}

#[tokio::test]
async fn state_changes_need_the_csrf_token_and_same_origin() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let c = app
        .login_as("erin", Role::OrgAdmin, Some(d.street), None)
        .await;
    let id = app.member(d.a, "张三", 1).await;
    // No token.
    let r = c
        .post(app.url(&format!("/members/{id}/archive")))
        .form(&[("reason", "died"), ("date", "2026-11-01")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A token from elsewhere.
    let r = c
        .post(app.url(&format!("/members/{id}/archive")))
        .form(&[
            ("reason", "died"),
            ("date", "2026-11-01"),
            ("_csrf", "forged"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The right token from another site's page.
    let csrf = app.csrf(&c).await;
    let r = c
        .post(app.url(&format!("/members/{id}/archive")))
        .header("origin", "http://evil.example")
        .form(&[
            ("reason", "died"),
            ("date", "2026-11-01"),
            ("_csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let m = app
        .store
        .member_get(&xianfeng_domain::scope::Scope::Own { member_id: id }, id)
        .await
        .unwrap();
    assert!(m.archived_at.is_none(), "nothing changed");
    let r = app
        .post_form(
            &c,
            &format!("/members/{id}/archive"),
            &[("reason", "died"), ("date", "2026-11-01")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    for path in ["/login", "/nowhere", "/api/v1/orgs", "/api/openapi.json"] {
        let r = app.get(path).await;
        let h = r.headers();
        let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(h.get("referrer-policy").unwrap(), "same-origin");
    }
    assert_eq!(app.get("/nowhere").await.status(), StatusCode::NOT_FOUND);
    // Pages need a session.
    for path in ["/", "/members", "/orgs", "/audit", "/admin/accounts", "/me"] {
        assert_eq!(location(&app.get(path).await), "/login", "{path}");
    }
}

#[tokio::test]
async fn every_response_carries_its_request_id() {
    let app = TestApp::spawn().await;
    let ids: Vec<String> = futures_util::future::join_all(
        ["/login", "/healthz", "/api/v1/orgs", "/no-such-page"].map(|p| app.get(p)),
    )
    .await
    .iter()
    .map(|r| {
        r.headers()
            .get("x-request-id")
            .expect("an id on every response")
            .to_str()
            .unwrap()
            .to_string()
    })
    .collect();
    for id in &ids {
        assert_eq!(id.len(), 12, "{id}");
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
    }
    let distinct: std::collections::BTreeSet<_> = ids.iter().collect();
    assert_eq!(distinct.len(), ids.len());
}
