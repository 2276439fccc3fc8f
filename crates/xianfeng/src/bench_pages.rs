//! The pages benchmark: the real server started as a child process on an existing database
//! (the demo district or province), the pages an organisation department opens measured at
//! several connection counts against `/healthz` measured in the same run.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use xianfeng_domain::scope::Role;
use xianfeng_store::accounts::RoleGrant;
use xianfeng_store::audit::Actor;
use xianfeng_store::{on_db, Store};

/// What one page gave at one connection count.
pub struct Measured {
    pub requests: usize,
    pub errors: usize,
    pub per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Sends `GET path` on `connections` connections for `seconds`, each as soon as the last
/// answered.
async fn load(
    base: &str,
    path: &str,
    headers: &reqwest::header::HeaderMap,
    connections: usize,
    seconds: f64,
) -> Result<Measured> {
    let client = reqwest::Client::builder()
        .default_headers(headers.clone())
        .pool_max_idle_per_host(connections)
        .timeout(Duration::from_secs(60))
        .build()?;
    let url = Arc::new(format!("{base}{path}"));
    let until = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (client, url) = (client.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let mut errors = 0usize;
            while Instant::now() < until {
                let t = Instant::now();
                match client.get(url.as_str()).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        times.push(t.elapsed());
                    }
                    _ => errors += 1,
                }
            }
            (times, errors)
        }));
    }
    let mut times = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (mut v, e) = t.await?;
        times.append(&mut v);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    times.sort();
    let at = |q: f64| {
        times
            .get(((times.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    Ok(Measured {
        requests: times.len(),
        errors,
        per_second: times.len() as f64 / elapsed,
        p50: at(0.5),
        p99: at(0.99),
    })
}

/// Runs the benchmark: `org` (a code) or the first top-level organisation as the pages' root.
pub async fn pages(
    store: &Store,
    url: &str,
    key_file: &std::path::Path,
    org: Option<&str>,
    connections: &[usize],
    seconds: f64,
) -> Result<()> {
    let root: Option<(i64, String)> = match org {
        Some(code) => on_db!(&store.db, |p| {
            sqlx::query_as("SELECT id, name FROM orgs WHERE code = $1")
                .bind(code)
                .fetch_optional(p)
                .await?
        }),
        None => on_db!(&store.db, |p| {
            sqlx::query_as("SELECT id, name FROM orgs WHERE parent_id IS NULL ORDER BY id LIMIT 1")
                .fetch_optional(p)
                .await?
        }),
    };
    let Some((root, name)) = root else {
        bail!("库中没有组织：请先运行 xianfeng demo（--scale district 或 province）");
    };
    let members: i64 = on_db!(&store.db, |p| {
        sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE archived_at IS NULL")
            .fetch_one(p)
            .await?
    });
    println!("页面：{name}（在册 {members} 人的库）");
    // A党务 account of the root, with a session and an API token of its own.
    let username = format!("bench_{root}");
    let account = match store.account_by_username(&username).await? {
        Some(a) => a,
        None => {
            let password = format!("Bench-{}-Pw9!", xianfeng_store::crypto::random_token());
            store
                .account_create_cli(
                    &username,
                    "基准测试",
                    &password,
                    RoleGrant {
                        role: Some(Role::OrgAdmin),
                        org_id: Some(root),
                        member_id: None,
                    },
                    false,
                )
                .await?
        }
    };
    let (session, _) = store.session_create(account.id, None, false).await?;
    let token = store
        .token_issue(&Actor::cli("bench pages"), account.id, "基准测试", Some(1))
        .await?;
    // The real server, as a child process.
    let port = free_port()?;
    let _server = Server(
        Command::new(std::env::current_exe()?)
            .args([
                "serve",
                "--database-url",
                url,
                "--key-file",
                &key_file.display().to_string(),
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .env("XIANFENG_LOG", "error")
            // The pages are measured without the daily check running beside them (it would
            // start at once if today's run is not recorded yet).
            .env("XIANFENG_DAILY_CHECK_HOUR", "23")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .context("无法启动服务")?,
    );
    let base = format!("http://127.0.0.1:{port}");
    let probe = reqwest::Client::new();
    let started = Instant::now();
    loop {
        if let Ok(r) = probe.get(format!("{base}/healthz")).send().await {
            if r.status().is_success() {
                break;
            }
        }
        if started.elapsed() > Duration::from_secs(300) {
            bail!("服务 5 分钟内没有启动");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!("服务启动用时 {:.1} 秒", started.elapsed().as_secs_f64());
    let mut cookie = reqwest::header::HeaderMap::new();
    cookie.insert(
        reqwest::header::COOKIE,
        format!("xf_session={session}").parse()?,
    );
    let mut bearer = reqwest::header::HeaderMap::new();
    bearer.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse()?,
    );
    let pages: Vec<(String, &reqwest::header::HeaderMap)> = vec![
        ("/healthz".into(), &cookie),
        (format!("/members?org={root}"), &cookie),
        (format!("/orgs/{root}"), &cookie),
        (format!("/compliance?org={root}"), &cookie),
        (format!("/stats?org={root}"), &cookie),
        (format!("/api/v1/members?org_id={root}"), &bearer),
    ];
    // Warm: each page once.
    for (p, h) in &pages {
        load(&base, p, h, 1, 0.01).await?;
    }
    println!("| 页面 | 连接数 | 请求/秒 | 与 /healthz 之比 | p50 | p99 | 出错 |");
    println!("|---|---|---|---|---|---|---|");
    for &c in connections {
        let mut healthz = 0.0;
        for (p, h) in &pages {
            let m = load(&base, p, h, c, seconds).await?;
            if p == "/healthz" {
                healthz = m.per_second;
            }
            println!(
                "| `{}` | {c} | {:.0} | {:.1}% | {:.1} ms | {:.1} ms | {} |",
                p.split('?').next().unwrap_or(p),
                m.per_second,
                if healthz > 0.0 {
                    m.per_second / healthz * 100.0
                } else {
                    0.0
                },
                m.p50.as_secs_f64() * 1000.0,
                m.p99.as_secs_f64() * 1000.0,
                m.errors
            );
        }
    }
    Ok(())
}
