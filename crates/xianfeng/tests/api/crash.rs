//! Killing the server (SIGKILL) during a stream of writes loses nothing that was acknowledged
//! and leaves the database consistent. The real binary runs as a child process.

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use xianfeng_domain::scope::{Role, Scope};
use xianfeng_domain::Clock;
use xianfeng_store::audit::{AuditFilter, Verdict};
use xianfeng_store::Keys;

use crate::helpers::*;

const KEY: [u8; 32] = [42; 32];

fn key_hex() -> String {
    KEY.iter().map(|b| format!("{b:02x}")).collect()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(url: &str, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_xianfeng"))
        .args([
            "serve",
            "--database-url",
            url,
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env("XIANFENG_SECRET_KEY", key_hex())
        .env("XIANFENG_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits until the server answers (bounded: 20 seconds).
async fn ready(port: u16) {
    let c = reqwest::Client::new();
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    for _ in 0..400 {
        tick.tick().await;
        if let Ok(r) = c
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
        {
            if r.status().is_success() {
                return;
            }
        }
    }
    panic!("server on port {port} did not start");
}

#[tokio::test]
async fn sigkill_during_writes_loses_no_acknowledged_write() {
    let url = fresh_database_url().await;
    let (org_id, token) = {
        let store = xianfeng::open_store(&url, Keys::from_master(&KEY), Clock::system())
            .await
            .unwrap();
        let actor = xianfeng_store::audit::Actor::cli("test");
        let fields = xianfeng_store::orgs::OrgFields {
            code: xianfeng_domain::org::OrgCode::parse("K1").unwrap(),
            name: "压力测试党支部".into(),
            org_type: xianfeng_domain::org::OrgType::Branch,
            sector: xianfeng_domain::org::Sector::Other,
            founded_on: None,
            secretary: None,
            term_start: None,
            term_end: None,
            contact_phone: None,
            approval_power: None,
        };
        let org = store
            .org_create(&actor, &Scope::Structure, None, &fields)
            .await
            .unwrap();
        let acc = store
            .account_create_cli(
                "writer",
                "写入者",
                PASSWORD,
                xianfeng_store::accounts::RoleGrant {
                    role: Some(Role::OrgAdmin),
                    org_id: Some(org.id),
                    member_id: None,
                },
                false,
            )
            .await
            .unwrap();
        let token = store
            .token_issue(&actor, acc.id, "crash", None)
            .await
            .unwrap();
        store.close().await;
        (org.id, token)
    };

    let acknowledged: Arc<Mutex<Vec<(i64, String)>>> = Arc::new(Mutex::new(Vec::new()));
    let mut seq = 0u32;
    for round in 0..3 {
        let port = free_port();
        let mut child = start(&url, port);
        ready(port).await;
        // Four writers, each sending creates until the server dies.
        let mut tasks = Vec::new();
        for w in 0..4 {
            let ack = acknowledged.clone();
            let token = token.clone();
            let start_seq = seq + w * 1000;
            tasks.push(tokio::spawn(async move {
                let c = reqwest::Client::new();
                for i in 0..1000 {
                    let id_number = unique_id(start_seq + i);
                    let body = json!({"org_id": org_id, "name": format!("写入{round}-{w}-{i}"), "id_number": id_number, "status": "applicant", "application_date": "2026-01-05"});
                    match c.post(format!("http://127.0.0.1:{port}/api/v1/members")).bearer_auth(&token).json(&body).send().await {
                        Ok(r) if r.status() == reqwest::StatusCode::CREATED => {
                            let v: serde_json::Value = match r.json().await {
                                Ok(v) => v,
                                Err(_) => break,
                            };
                            ack.lock().unwrap().push((v["id"].as_i64().unwrap(), id_number));
                        }
                        Ok(r) => panic!("unexpected status {}: {}", r.status(), r.text().await.unwrap_or_default()),
                        Err(_) => break,
                    }
                }
            }));
        }
        seq += 4000;
        // Kill once enough writes were acknowledged in this round.
        let target = (round + 1) * 40;
        let mut tick = tokio::time::interval(Duration::from_millis(10));
        for _ in 0..6000 {
            tick.tick().await;
            if acknowledged.lock().unwrap().len() >= target as usize {
                break;
            }
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        for t in tasks {
            t.await.unwrap();
        }
    }

    // Restart once more and check everything from the outside and the inside.
    let port = free_port();
    let mut child = start(&url, port);
    ready(port).await;
    let store = xianfeng::open_store(&url, Keys::from_master(&KEY), Clock::system())
        .await
        .unwrap();
    let org = store.org_get(&Scope::Structure, org_id).await.unwrap();
    let scope = Scope::Subtree {
        root_id: org_id,
        path: org.org_path(),
        write: false,
    };
    let acked = acknowledged.lock().unwrap().clone();
    assert!(
        acked.len() >= 120,
        "writes were acknowledged before each kill ({})",
        acked.len()
    );
    for (id, _) in &acked {
        store
            .member_get(&scope, *id)
            .await
            .unwrap_or_else(|_| panic!("acknowledged member {id} is missing"));
    }
    // Consistent: every member has its audit entry and the chain is whole.
    let members = store.member_count(&scope).await.unwrap();
    let created = store
        .audit_export(&AuditFilter {
            event: Some("member.create".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .len() as i64;
    assert_eq!(members, created);
    // The maintained counts were written with each member: they agree with the roster.
    let wrong = store.counts_differences().await.unwrap();
    assert!(wrong.is_empty(), "{wrong:?}");
    assert!(matches!(
        store.audit_verify().await.unwrap(),
        Verdict::Intact { .. }
    ));
    // The restarted server answers for the same data.
    let c = reqwest::Client::new();
    let list: serde_json::Value = c
        .get(format!("http://127.0.0.1:{port}/api/v1/members?per_page=1"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"].as_i64().unwrap(), members);
    child.kill().unwrap();
    child.wait().unwrap();
}
