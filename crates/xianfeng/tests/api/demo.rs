//! The demo district fills every screen: people at every stage, a year of dues, letters, and
//! findings of every implemented rule.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::Value;
use xianfeng_domain::scope::Role;

use crate::helpers::*;

#[tokio::test]
async fn the_demo_district_shows_every_feature_on_first_start() {
    let app = TestApp::spawn().await;
    let out = app.cli(&["demo", "--seed", "3"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("入党申请人 2826 名") && text.contains("发展对象 350 名"),
        "{text}"
    );

    // The demo's bulk writes keep the maintained counts.
    let out = app.cli(&["admin", "repair-counts", "--check"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Every rule the check implements has findings in the demo.
    let out = app.cli(&["check", "--format", "json"]);
    assert!(out.status.success());
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: BTreeSet<String> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    let missing: Vec<&str> = xianfeng_domain::rules::catalogue()
        .map(|e| e.id)
        .filter(|id| !found.contains(*id))
        .collect();
    assert!(missing.is_empty(), "rules without a finding: {missing:?}");

    // The daily check judges the tree slice by slice: cut into a hundred slices it stores
    // exactly what a run in one or two slices stored (the command line ran on another day).
    let whole = app.store.findings_full_run().await.unwrap();
    let open_before: i64 = sqlx_scalar(
        &app,
        "SELECT COUNT(*) FROM findings WHERE resolved_at IS NULL",
    )
    .await;
    assert_eq!(whole.seen as i64, open_before);
    let mut sliced = app.store.clone();
    sliced.check_slice_people = 400;
    let r = sliced.findings_full_run().await.unwrap();
    assert_eq!((r.seen, r.opened, r.closed), (whole.seen, 0, 0), "{r:?}");
    // A finding stored under the wrong place (a move whose re-check failed) moves back to its
    // subject's place instead of being closed and opened again; one its subject no longer has
    // is closed.
    let (moved, path): (i64, String) = {
        let id = sqlx_scalar(
            &app,
            "SELECT MIN(id) FROM findings WHERE resolved_at IS NULL AND subject_type = 'person'",
        )
        .await;
        let path: String = app
            .scalar(&format!("SELECT org_path FROM findings WHERE id = {id}"))
            .await;
        (id, path)
    };
    let far: String = app
        .scalar("SELECT MAX(path) FROM orgs WHERE archived_at IS NULL")
        .await;
    assert_ne!(far, path);
    app.execute(&format!(
        "UPDATE findings SET org_path = '{far}' WHERE id = {moved}"
    ))
    .await;
    let gone = sqlx_scalar(
        &app,
        &format!(
            "SELECT MIN(id) FROM findings WHERE resolved_at IS NULL AND subject_type = 'person' \
             AND id > {moved} AND org_path <> '{path}' AND org_path <> '{far}'"
        ),
    )
    .await;
    app.execute(&format!(
        "INSERT INTO findings (fkey, rule, severity, org_id, org_path, subject_type, subject_id, \
         subject_name, message, dates, due_date, first_seen_at, last_seen_at) SELECT \
         fkey || ':gone', rule, severity, org_id, '{far}', subject_type, subject_id, subject_name, \
         message, dates, due_date, first_seen_at, last_seen_at FROM findings WHERE id = {gone}"
    ))
    .await;
    let r = sliced.findings_full_run().await.unwrap();
    assert_eq!((r.opened, r.closed), (0, 1), "{r:?}");
    let (open, back): (bool, String) = (
        sqlx_scalar(
            &app,
            &format!("SELECT COUNT(*) FROM findings WHERE id = {moved} AND resolved_at IS NULL"),
        )
        .await
            == 1,
        app.scalar(&format!("SELECT org_path FROM findings WHERE id = {moved}"))
            .await,
    );
    assert!(open);
    assert_eq!(back, path);

    // The district's administrator sees applicants and candidates on the home page, the
    // dues of the sub-organisations and a branch's month, and letters.
    let root: i64 = app
        .store
        .org_by_code(&xianfeng_domain::scope::Scope::Structure, "XF")
        .await
        .unwrap()
        .id;
    let c = app
        .login_as("xf_admin", Role::OrgAdmin, Some(root), None)
        .await;
    let home = app.html(&c, "/").await;
    for label in ["入党申请人", "发展对象"] {
        let i = home
            .find(&format!("<span class=\"stat-label\">{label}"))
            .unwrap();
        let value = home[..i].rsplit("stat-value\">").next().unwrap();
        let n: i64 = value.split('<').next().unwrap().parse().unwrap();
        assert!(n > 0, "{label} on the home page: {n}");
    }
    let r = app.get_with(&c, &format!("/dues?org={root}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let dues = r.text().await.unwrap();
    assert!(
        dues.contains("已在系统中登记党费") && dues.contains("%"),
        "{dues}"
    );
    let branch: i64 = sqlx_scalar(
        &app,
        "SELECT org_id FROM dues_books ORDER BY org_id LIMIT 1",
    )
    .await;
    let month =
        xianfeng_domain::dues::month_label(chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap());
    let html = app
        .html(&c, &format!("/dues?org={branch}&month={month}"))
        .await;
    assert!(
        html.contains("已缴") && !html.contains("没有应缴党费的党员"),
        "{html}"
    );
    let letters: i64 = sqlx_scalar(&app, "SELECT COUNT(*) FROM transfer_letters").await;
    assert!(letters >= 30, "{letters}");
}

async fn sqlx_scalar(app: &TestApp, sql: &str) -> i64 {
    match &app.store.db {
        xianfeng_store::Db::Sqlite { read, .. } => {
            sqlx::query_scalar(sql).fetch_one(read).await.unwrap()
        }
        xianfeng_store::Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
    }
}
