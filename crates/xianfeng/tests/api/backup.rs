//! Backup and restore: a consistent copy that restores into a new database and verifies.

use std::io::BufReader;

use reqwest::StatusCode;
use xianfeng_domain::scope::{Role, Scope};
use xianfeng_domain::Clock;
use xianfeng_store::audit::Verdict;
use xianfeng_store::Keys;

use crate::helpers::*;

#[tokio::test]
async fn a_backup_restores_into_a_new_database_with_everything() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    for i in 0..25 {
        app.member(
            if i % 2 == 0 { d.a } else { d.c },
            &format!("党员{i}"),
            500 + i,
        )
        .await;
    }
    let moved = app.member(d.a, "转接者", 600).await;
    let jd = app
        .login_as("jd_admin", Role::OrgAdmin, Some(d.street), None)
        .await;
    app.post_form(
        &jd,
        &format!("/members/{moved}/transfer"),
        &[("target", "JD-02"), ("date", "2026-11-01")],
    )
    .await;
    // An upload of several megabytes travels as one streamed row.
    let owner = app
        .account("bk_owner", Role::OrgAdmin, Some(d.a), None)
        .await;
    let big: Vec<u8> = (0..6 * 1024 * 1024u32)
        .map(|i| (i * 7 % 251) as u8)
        .collect();
    let stash = app
        .store
        .stash_put(owner, "members", "大文件.xlsx", &big)
        .await
        .unwrap();
    let mut buf = Vec::new();
    let report = app.store.backup_to(&mut buf).await.unwrap();
    assert!(report.rows > 30);
    assert!(
        buf.len() < big.len() * 14 / 10,
        "binary values are not written in hex: {} bytes",
        buf.len()
    );

    let url = fresh_database_url().await;
    let restored = xianfeng::open_store(
        &url,
        Keys::from_master(&app.keys_master),
        Clock::fixed(start_time()),
    )
    .await
    .unwrap();
    let back = restored
        .restore_from(BufReader::new(&buf[..]))
        .await
        .unwrap();
    assert_eq!(back.rows, report.rows);
    let (_, data) = restored
        .stash_take(owner, "members", &stash)
        .await
        .unwrap()
        .unwrap();
    assert!(data == big, "the upload comes back byte for byte");
    assert_eq!(
        restored.audit_verify().await.unwrap(),
        app.store.audit_verify().await.unwrap()
    );
    assert!(matches!(
        restored.audit_verify().await.unwrap(),
        Verdict::Intact { .. }
    ));
    let root = restored.org_get(&Scope::Structure, d.root).await.unwrap();
    let scope = Scope::Subtree {
        root_id: d.root,
        path: root.org_path(),
        write: true,
    };
    assert_eq!(
        restored.member_count(&scope).await.unwrap(),
        app.store.member_count(&scope).await.unwrap()
    );
    // Encrypted ID numbers still decrypt with the same key; history is there.
    let m = restored
        .member_list(
            &scope,
            &Default::default(),
            xianfeng_store::PageReq::new(None, None),
        )
        .await
        .unwrap();
    let any = m.items.first().unwrap().id;
    restored
        .member_reveal_id(&xianfeng_store::audit::Actor::cli("test"), &scope, any)
        .await
        .unwrap();
    let h = restored.member_history(&scope, moved).await.unwrap();
    assert_eq!(h.len(), 1);
    // New rows get fresh ids after the restored ones.
    let new_org = restored
        .org_create(
            &xianfeng_store::audit::Actor::cli("test"),
            &scope,
            Some(d.street),
            &xianfeng_store::orgs::OrgFields {
                code: xianfeng_domain::org::OrgCode::parse("NEW").unwrap(),
                name: "新支部".into(),
                org_type: xianfeng_domain::org::OrgType::Branch,
                sector: xianfeng_domain::org::Sector::Community,
                founded_on: None,
                secretary: None,
                term_start: None,
                term_end: None,
                contact_phone: None,
                approval_power: None,
            },
        )
        .await
        .unwrap();
    assert!(new_org.id > d.c);
    // Restoring again into a database that has data is refused.
    assert!(restored
        .restore_from(BufReader::new(&buf[..]))
        .await
        .is_err());
    // Every table of the schema is in the backup.
    let mut tables = restored.schema_tables().await.unwrap();
    tables.sort();
    let mut listed: Vec<String> = xianfeng_store::backup::TABLES
        .iter()
        .map(|s| s.to_string())
        .collect();
    listed.sort();
    assert_eq!(tables, listed);
}

#[tokio::test]
async fn the_commands_back_up_a_running_server_and_restore() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    app.member(d.a, "命令行", 700).await;
    let dir = std::env::temp_dir().join(format!("xf-backup-{}-{}", std::process::id(), d.root));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("backup.xfb");
    let key = app
        .keys_master
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    let bin = env!("CARGO_BIN_EXE_xianfeng");
    let out = std::process::Command::new(bin)
        .args([
            "backup",
            file.to_str().unwrap(),
            "--database-url",
            &app.database_url,
        ])
        .env("XIANFENG_SECRET_KEY", &key)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("备份完成"));
    let target = fresh_database_url().await;
    let out = std::process::Command::new(bin)
        .args(["restore", file.to_str().unwrap(), "--database-url", &target])
        .env("XIANFENG_SECRET_KEY", &key)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let restored = xianfeng::open_store(
        &target,
        Keys::from_master(&app.keys_master),
        Clock::system(),
    )
    .await
    .unwrap();
    let org = restored.org_get(&Scope::Structure, d.a).await.unwrap();
    let scope = Scope::Subtree {
        root_id: d.a,
        path: org.org_path(),
        write: false,
    };
    assert_eq!(restored.member_count(&scope).await.unwrap(), 1);
    assert!(matches!(
        restored.audit_verify().await.unwrap(),
        Verdict::Intact { .. }
    ));
    // A truncated file is refused and leaves the database empty.
    let text = std::fs::read_to_string(&file).unwrap();
    let cut = dir.join("cut.xfb");
    let mut half = text.len() / 2;
    while !text.is_char_boundary(half) {
        half -= 1;
    }
    std::fs::write(&cut, &text[..half]).unwrap();
    let empty = fresh_database_url().await;
    let out = std::process::Command::new(bin)
        .args(["restore", cut.to_str().unwrap(), "--database-url", &empty])
        .env("XIANFENG_SECRET_KEY", &key)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let e = xianfeng::open_store(&empty, Keys::from_master(&app.keys_master), Clock::system())
        .await
        .unwrap();
    assert_eq!(e.org_count().await.unwrap(), 0);
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    std::fs::remove_dir_all(&dir).ok();
}

/// A backup written by an earlier version (format 1: binary values in hex) still restores.
#[tokio::test]
async fn a_backup_of_the_first_format_still_restores() {
    use base64::Engine as _;
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let m = app.member(d.a, "旧格式", 700).await;
    let mut buf = Vec::new();
    app.store.backup_to(&mut buf).await.unwrap();
    // Rewrite the copy as version 1 wrote it.
    let mut old = String::new();
    let mut kinds: Vec<String> = Vec::new();
    for line in String::from_utf8(buf).unwrap().lines() {
        let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v.get("format").is_some() {
            v["version"] = 1.into();
        } else if let Some(cols) = v.get("columns") {
            kinds = cols
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c[1].as_str().unwrap().to_string())
                .collect();
        } else if let Some(row) = v.as_array_mut() {
            for (cell, kind) in row.iter_mut().zip(&kinds) {
                if let (Some(b64), "bytes") = (cell.as_str(), kind.as_str()) {
                    let raw = base64::engine::general_purpose::STANDARD
                        .decode(b64)
                        .unwrap();
                    *cell = hex::encode(raw).into();
                }
            }
        }
        old.push_str(&v.to_string());
        old.push('\n');
    }
    let url = fresh_database_url().await;
    let restored = xianfeng::open_store(
        &url,
        Keys::from_master(&app.keys_master),
        Clock::fixed(start_time()),
    )
    .await
    .unwrap();
    restored
        .restore_from(BufReader::new(old.as_bytes()))
        .await
        .unwrap();
    let scope = Scope::whole_tree();
    let id = restored
        .member_reveal_id(&xianfeng_store::audit::Actor::cli("test"), &scope, m)
        .await
        .unwrap();
    assert_eq!(id, id_number("1980-05-01", 700));
}
