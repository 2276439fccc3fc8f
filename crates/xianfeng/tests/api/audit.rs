//! The audit log: every write leaves an entry, the chain verifies, tampering is found.

use reqwest::StatusCode;
use xianfeng_domain::scope::Role;
use xianfeng_store::audit::Verdict;

use crate::helpers::*;

#[tokio::test]
async fn every_write_is_audited_and_the_chain_verifies() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let m = app.member(d.a, "审计对象", 1).await;
    let c = app
        .login_as("jd_admin", Role::OrgAdmin, Some(d.street), None)
        .await;
    app.post_form(
        &c,
        &format!("/members/{m}/transfer"),
        &[("target", "JD-02"), ("date", "2026-11-01")],
    )
    .await;
    app.post_form(
        &c,
        &format!("/members/{m}/archive"),
        &[("reason", "other"), ("date", "2026-11-02")],
    )
    .await;
    app.post_form(&c, &format!("/members/{m}/restore"), &[])
        .await;
    let rows = app.store.audit_export(&Default::default()).await.unwrap();
    let events: Vec<&str> = rows.iter().map(|r| r.event.as_str()).collect();
    for e in [
        "org.create",
        "member.create",
        "account.create",
        "auth.login",
        "member.transfer",
        "member.archive",
        "member.restore",
    ] {
        assert!(events.contains(&e), "{e} in {events:?}");
    }
    let t = rows.iter().find(|r| r.event == "member.transfer").unwrap();
    assert_eq!(t.username.as_deref(), Some("jd_admin"));
    assert_eq!(t.source_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(t.object_id.as_deref(), Some(m.to_string().as_str()));
    assert_eq!(
        app.store.audit_verify().await.unwrap(),
        Verdict::Intact {
            entries: rows.len() as i64
        }
    );
}

#[tokio::test]
async fn the_log_refuses_changes_and_verify_names_the_first_broken_link() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    app.member(d.a, "甲", 1).await;
    app.member(d.a, "乙", 2).await;
    // The database itself refuses an update.
    let refused = app
        .try_execute("UPDATE audit_log SET summary = 'x' WHERE seq = 3")
        .await;
    let message = refused.expect_err("append-only").to_string();
    assert!(!message.contains("readonly"), "{message}");
    // Someone with full database access drops the guard and edits entry 3.
    match &app.store.db {
        xianfeng_store::Db::Sqlite { write, .. } => {
            sqlx::query("DROP TRIGGER audit_log_no_update")
                .execute(write)
                .await
                .unwrap();
            sqlx::query("UPDATE audit_log SET summary = '篡改' WHERE seq = 3")
                .execute(write)
                .await
                .unwrap();
        }
        xianfeng_store::Db::Postgres(p) => {
            sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")
                .execute(p)
                .await
                .unwrap();
            sqlx::query("UPDATE audit_log SET summary = '篡改' WHERE seq = 3")
                .execute(p)
                .await
                .unwrap();
        }
    }
    match app.store.audit_verify().await.unwrap() {
        Verdict::Broken { seq, .. } => assert_eq!(seq, 3),
        v => panic!("expected a broken chain, got {v:?}"),
    }
    // The command line says the same and fails.
    let out = app.cli(&["audit", "verify"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("第 3 条"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn the_audit_administrator_filters_and_exports() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    app.member(d.a, "甲", 1).await;
    let bad = client();
    bad.post(app.url("/login"))
        .form(&[("username", "ghost"), ("password", "x")])
        .send()
        .await
        .unwrap();
    let c = app.login_as("aud", Role::AuditAdmin, None, None).await;
    let page = app
        .get_with(&c, "/audit?failures=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("ghost") && page.contains("失败"));
    assert!(!page.contains("member.create"));
    let page = app
        .get_with(&c, "/audit?event=member.")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("member.create"));
    let r = app.get_with(&c, "/audit/export.csv?event=member.").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}'));
    assert!(csv.contains("member.create"));
    // The export is itself audited.
    let rows = app.store.audit_export(&Default::default()).await.unwrap();
    assert!(rows
        .iter()
        .any(|r| r.event == "audit.export" && r.username.as_deref() == Some("aud")));
}
