//! The encryption key bound to its database: a key from elsewhere is refused by every command
//! and the server before anything is written; rotation re-encrypts everything and retires the
//! old key.

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use xianfeng_domain::idnum::IdNumber;
use xianfeng_domain::scope::{Role, Scope};
use xianfeng_domain::Clock;
use xianfeng_store::{Keys, StoreError};

use crate::helpers::*;

fn hex(master: &[u8; 32]) -> String {
    master.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new empty working directory, like a shell opened somewhere else.
fn elsewhere(tag: &str) -> PathBuf {
    let n = rand_suffix();
    let dir = std::env::temp_dir().join(format!("xf-keys-{}-{tag}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::SeqCst)
}

/// Runs the binary in `cwd` on `url` with the given environment and no key variable unless given.
fn run_in(cwd: &Path, url: &str, args: &[&str], secret: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_xianfeng"));
    c.current_dir(cwd)
        .args(args)
        .args(["--database-url", url])
        .env_remove("XIANFENG_SECRET_KEY")
        .env_remove("XIANFENG_KEY_FILE")
        .env("XIANFENG_LOG", "warn")
        .env("RUST_BACKTRACE", "1");
    if let Some(s) = secret {
        c.env("XIANFENG_SECRET_KEY", s);
    }
    c.output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A refusal: non-zero exit, one Chinese sentence naming the key in use, no stack trace.
fn assert_refused(o: &Output, names: &str) {
    let err = stderr(o);
    assert!(!o.status.success(), "should be refused: {err}");
    assert!(err.contains(names), "names the key in use ({names}): {err}");
    assert!(
        err.contains("未做任何改动"),
        "says nothing was written: {err}"
    );
    assert!(
        !err.contains("stack backtrace") && !err.contains("panicked"),
        "{err}"
    );
    assert_eq!(
        err.trim().lines().count(),
        1,
        "one sentence, nothing else: {err}"
    );
}

async fn people(app: &TestApp, root: i64) -> i64 {
    people_under(&app.store, root).await
}

fn roster_csv(dir: &Path) -> PathBuf {
    let path = dir.join("roster.csv");
    let mut text = String::from("姓名,公民身份号码,入党日期,转正日期,所在党组织\n");
    for i in 0..3 {
        text.push_str(&format!(
            "导入{i},{},2005-07-01,2006-07-01,JD-01\n",
            unique_id(900 + i)
        ));
    }
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test]
async fn a_command_run_elsewhere_does_not_make_a_new_key_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    app.member(d.a, "原有党员", 1).await;
    let before = people(&app, d.root).await;
    let cwd = elsewhere("scenario");
    let file = roster_csv(&cwd);
    let file = file.to_str().unwrap();

    // The observed scenario: another working directory, no key given.
    let o = run_in(
        &cwd,
        &app.database_url,
        &["import", "members", file, "--org", "JD"],
        None,
    );
    assert_refused(&o, "不存在");
    assert!(stderr(&o).contains("xianfeng.key"), "{}", stderr(&o));
    assert!(!cwd.join("xianfeng.key").exists(), "no key file generated");
    if let Some(db) = xianfeng::sqlite_path(&app.database_url) {
        let beside = db.parent().unwrap().join("xianfeng.key");
        assert!(
            !beside.exists(),
            "no key file generated beside the database"
        );
    }
    assert_eq!(people(&app, d.root).await, before);

    // A key file that exists but is another key.
    let other = cwd.join("other.key");
    std::fs::write(&other, hex(&Keys::generate_master())).unwrap();
    let o = run_in(
        &cwd,
        &app.database_url,
        &["import", "members", file, "--key-file", "other.key"],
        None,
    );
    assert_refused(&o, "密钥文件 other.key");
    assert_eq!(people(&app, d.root).await, before);

    // Another key in the variable.
    let o = run_in(
        &cwd,
        &app.database_url,
        &["import", "members", file, "--org", "JD"],
        Some(&hex(&Keys::generate_master())),
    );
    assert_refused(&o, "XIANFENG_SECRET_KEY");
    assert_eq!(people(&app, d.root).await, before);

    // An installation of an older version kept the key in the working directory: it is found
    // there and used (the database proves it is its key), and nothing new is generated.
    let legacy = elsewhere("legacy");
    std::fs::write(legacy.join("xianfeng.key"), hex(&app.keys_master)).unwrap();
    let o = run_in(&legacy, &app.database_url, &["stats", "--org", "QW"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    if let Some(db) = xianfeng::sqlite_path(&app.database_url) {
        assert!(!db.parent().unwrap().join("xianfeng.key").exists());
    }
    std::fs::remove_dir_all(&legacy).ok();

    // The right key imports.
    let o = run_in(
        &cwd,
        &app.database_url,
        &["import", "members", file, "--org", "JD"],
        Some(&hex(&app.keys_master)),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(people(&app, d.root).await, before + 3);
    std::fs::remove_dir_all(&cwd).ok();
}

/// Waits for a process that should stop by itself; kills it and fails if it does not.
fn wait_exit(mut child: std::process::Child) -> Output {
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().ok();
            panic!("the server started with a wrong key");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test]
async fn a_wrong_key_is_refused_by_the_server_and_every_command() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    app.member(d.a, "甲", 1).await;
    let before = people(&app, d.root).await;
    let cwd = elsewhere("wrong");
    let wrong = hex(&Keys::generate_master());
    let url = app.database_url.clone();

    let serve = Command::new(env!("CARGO_BIN_EXE_xianfeng"))
        .current_dir(&cwd)
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", &url])
        .env("XIANFENG_SECRET_KEY", &wrong)
        .env("XIANFENG_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let o = wait_exit(serve);
    assert_refused(&o, "XIANFENG_SECRET_KEY");
    assert!(!String::from_utf8_lossy(&o.stdout).contains("setup?token="));

    let file = roster_csv(&cwd);
    let backup = cwd.join("b.xfbak");
    for args in [
        vec!["import", "members", file.to_str().unwrap(), "--org", "JD"],
        vec!["stats", "--org", "QW"],
        vec!["check"],
        vec!["migrate"],
        vec!["backup", backup.to_str().unwrap()],
        vec!["admin", "token", "--user", "nobody"],
    ] {
        let o = run_in(&cwd, &url, &args, Some(&wrong));
        assert_refused(&o, "XIANFENG_SECRET_KEY");
    }
    assert!(!backup.exists(), "no backup written with a wrong key");
    assert_eq!(people(&app, d.root).await, before);

    // Restore: a good backup, restored with another key into a new database, is refused and
    // the new database stays empty.
    let o = app.cli(&["backup", backup.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let target = fresh_database_url().await;
    let o = run_in(
        &cwd,
        &target,
        &["restore", backup.to_str().unwrap()],
        Some(&wrong),
    );
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains("未恢复任何数据") && err.contains("XIANFENG_SECRET_KEY"),
        "{err}"
    );
    // Nothing was bound or written: the same database takes the restore with the right key,
    // and a key file that does not exist is refused without generating one.
    let o = run_in(&cwd, &target, &["restore", backup.to_str().unwrap()], None);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("不存在"), "{}", stderr(&o));
    if let Some(db) = xianfeng::sqlite_path(&target) {
        assert!(!db.parent().unwrap().join("xianfeng.key").exists());
    }
    let o = run_in(
        &cwd,
        &target,
        &["restore", backup.to_str().unwrap()],
        Some(&hex(&app.keys_master)),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let t = xianfeng::open_store(
        &target,
        Keys::from_master(&app.keys_master),
        app.clock.clone(),
    )
    .await
    .unwrap();
    assert_eq!(people_under(&t, d.root).await, before);
    t.close().await;
    // A database that holds data is refused before anything is written.
    let o = run_in(
        &cwd,
        &target,
        &["restore", backup.to_str().unwrap()],
        Some(&hex(&app.keys_master)),
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("已有数据"), "{}", stderr(&o));
    // `key status` reads without writing and names both fingerprints on a mismatch.
    let o = run_in(&cwd, &target, &["key", "status"], Some(&wrong));
    assert!(!o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("数据库记录的指纹")
            && out.contains(Keys::from_master(&app.keys_master).fingerprint()),
        "{out}"
    );
    let o = run_in(
        &cwd,
        &target,
        &["key", "status"],
        Some(&hex(&app.keys_master)),
    );
    assert!(o.status.success() && String::from_utf8_lossy(&o.stdout).contains("相符"));
    std::fs::remove_dir_all(&cwd).ok();
}

#[tokio::test]
async fn a_database_from_before_the_binding_is_checked_by_decrypting_and_then_bound() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    app.member(d.a, "甲", 1).await;
    let delete = "DELETE FROM settings WHERE key = 'key_fingerprint'";
    match &app.store.db {
        xianfeng_store::Db::Sqlite { write, .. } => {
            sqlx::query(delete).execute(write).await.unwrap();
        }
        xianfeng_store::Db::Postgres(p) => {
            sqlx::query(delete).execute(p).await.unwrap();
        }
    }
    assert_eq!(app.store.key_fingerprint_recorded().await.unwrap(), None);
    // Another key does not decrypt the data: refused, still nothing recorded.
    let err = xianfeng::open_store(
        &app.database_url,
        Keys::from_master(&Keys::generate_master()),
        Clock::fixed(start_time()),
    )
    .await
    .expect_err("refused");
    assert!(err.to_string().contains("不是数据库"), "{err}");
    assert_eq!(app.store.key_fingerprint_recorded().await.unwrap(), None);
    // The key in use decrypts it: accepted and recorded.
    let s = xianfeng::open_store(
        &app.database_url,
        Keys::from_master(&app.keys_master),
        Clock::fixed(start_time()),
    )
    .await
    .unwrap();
    s.close().await;
    assert_eq!(
        app.store
            .key_fingerprint_recorded()
            .await
            .unwrap()
            .as_deref(),
        Some(app.store.keys.fingerprint())
    );
}

#[tokio::test]
async fn rotation_keeps_every_id_findable_and_retires_the_old_key() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let mut ids = Vec::new();
    for i in 0..12u32 {
        app.member(
            if i % 2 == 0 { d.a } else { d.c },
            &format!("党员{i}"),
            100 + i,
        )
        .await;
        ids.push(id_number("1980-05-01", 100 + i));
    }
    // An account enrolling a second factor: its secret is under the same key.
    let admin = app
        .account("rot_sec", Role::SecurityAdmin, None, None)
        .await;
    let secret = app.store.totp_begin(admin).await.unwrap();
    let cwd = elsewhere("rotate");
    let new_file = cwd.join("new.key");
    let o = app.cli(&[
        "key",
        "rotate",
        "--new-key-file",
        new_file.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("重新加密 12 个身份证号"), "{out}");
    assert!(new_file.exists());

    // Every ID is found and decrypts with the new key.
    let new_master = xianfeng::read_key_file(&new_file).unwrap();
    let s = xianfeng::open_store(
        &app.database_url,
        Keys::from_master(&new_master),
        Clock::fixed(start_time()),
    )
    .await
    .unwrap();
    let root = s.org_get(&Scope::Structure, d.root).await.unwrap();
    let scope = Scope::Subtree {
        root_id: d.root,
        path: root.org_path(),
        write: true,
    };
    for id in &ids {
        let parsed = IdNumber::parse(id).unwrap();
        let m = s
            .member_find_by_id_number(&scope, &parsed)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{id} is found after rotation"));
        let plain = s
            .member_reveal_id(&xianfeng_store::Actor::cli("test"), &scope, m.id)
            .await
            .unwrap();
        assert_eq!(&plain, id);
    }
    let audit = s
        .audit_list(
            &xianfeng_store::audit::AuditFilter {
                event: Some("key.rotate".into()),
                ..Default::default()
            },
            xianfeng_store::PageReq::new(None, None),
        )
        .await
        .unwrap();
    assert_eq!(audit.total, 1);
    let acc = s.account_get(admin).await.unwrap();
    assert_eq!(s.totp_pending_secret(&acc).unwrap(), Some(secret));
    s.close().await;

    // The old key is refused from then on: by commands, and by a copy still running with it.
    let o = app.cli(&["stats", "--org", "QW"]);
    assert_refused(&o, "XIANFENG_SECRET_KEY");
    let o = run_in(
        &cwd,
        &app.database_url,
        &["stats", "--org", "QW", "--key-file", "new.key"],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let still_running = app
        .store
        .org_create(
            &xianfeng_store::Actor::cli("test"),
            &Scope::Structure,
            Some(d.root),
            &org_fields("LATE", "旧密钥写入", "branch"),
        )
        .await;
    assert!(
        matches!(still_running, Err(StoreError::KeyMismatch)),
        "a write with the old key is refused: {still_running:?}"
    );
    // Rotating to the same key is refused.
    let o = run_in(
        &cwd,
        &app.database_url,
        &[
            "key",
            "rotate",
            "--new-key-file",
            "new.key",
            "--key-file",
            "new.key",
        ],
        None,
    );
    assert!(!o.status.success());
    std::fs::remove_dir_all(&cwd).ok();
}

#[tokio::test]
async fn a_restored_copy_must_decrypt_with_the_key_in_use() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    app.member(d.a, "甲", 1).await;
    let mut buf = Vec::new();
    app.store.backup_to(&mut buf).await.unwrap();
    let url = fresh_database_url().await;
    let other = xianfeng::open_store(
        &url,
        Keys::from_master(&Keys::generate_master()),
        Clock::fixed(start_time()),
    )
    .await
    .unwrap();
    let r = other.restore_from(BufReader::new(&buf[..])).await;
    assert!(matches!(r, Err(StoreError::KeyMismatch)), "{r:?}");
    assert!(other
        .schema_tables()
        .await
        .unwrap()
        .contains(&"members".to_string()));
    other.close().await;
}
