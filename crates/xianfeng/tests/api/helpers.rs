//! `TestApp::spawn()`: a real server on a random port with a fresh database, and a client that
//! keeps cookies and does not follow redirects (so tests can see them).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, Utc};
use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};
use xianfeng_domain::idnum::check_char;
use xianfeng_domain::scope::{Role, Scope};
use xianfeng_domain::Clock;
use xianfeng_store::accounts::RoleGrant;
use xianfeng_store::audit::Actor;
use xianfeng_store::{Keys, Store};

pub const PASSWORD: &str = "Test#Pass2026";

static COUNTER: AtomicU32 = AtomicU32::new(0);
static PG_TEMPLATE: tokio::sync::Mutex<Option<String>> = tokio::sync::Mutex::const_new(None);

/// The engine under test, from `XIANFENG_TEST_DB`.
pub fn pg_admin_url() -> Option<String> {
    std::env::var("XIANFENG_TEST_DB")
        .ok()
        .filter(|v| v.starts_with("postgres"))
}

fn with_db(url: &str, db: &str) -> String {
    // Replace the database name (last path segment) of a postgres URL.
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let cut = base.rfind('/').expect("postgres URL with a database");
    format!("{}/{db}{query}", &base[..cut])
}

/// A fresh database URL: a SQLite temp file, or a PostgreSQL database cloned from a template.
pub async fn fresh_database_url() -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let pid = std::process::id();
    match pg_admin_url() {
        None => {
            let dir = std::env::temp_dir().join(format!("xianfeng-tests-{pid}"));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join(format!("t{n}.db"));
            let _ = std::fs::remove_file(&path);
            format!("sqlite://{}", path.display())
        }
        Some(admin) => {
            use sqlx::Connection;
            let mut guard = PG_TEMPLATE.lock().await;
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .expect("connect to PostgreSQL for tests");
            if guard.is_none() {
                // Leftovers of earlier runs go first.
                let old: Vec<String> = sqlx::query_scalar(
                    "SELECT datname FROM pg_database WHERE datname LIKE 'xf\\_t\\_%'",
                )
                .fetch_all(&mut conn)
                .await
                .unwrap();
                for d in old {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{d}\" WITH (FORCE)"))
                        .execute(&mut conn)
                        .await;
                }
                let template = format!("xf_t_template_{pid}");
                sqlx::query(&format!("CREATE DATABASE \"{template}\""))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                let store = Store::connect(
                    &with_db(&admin, &template),
                    Keys::from_master(&[1; 32]),
                    Clock::system(),
                )
                .await
                .unwrap();
                store.migrate().await.unwrap();
                store.close().await;
                *guard = Some(template);
            }
            let template = guard.clone().unwrap();
            let name = format!("xf_t_{pid}_{n}");
            sqlx::query(&format!(
                "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""
            ))
            .execute(&mut conn)
            .await
            .unwrap();
            conn.close().await.ok();
            with_db(&admin, &name)
        }
    }
}

pub fn start_time() -> DateTime<Utc> {
    "2026-11-23T02:00:00Z".parse().unwrap()
}

pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub clock: Clock,
    pub client: Client,
    pub database_url: String,
    pub keys_master: [u8; 32],
}

/// A valid resident ID number for a birth date and a sequence (odd = male).
pub fn id_number(birth: &str, seq: u32) -> String {
    let first17 = format!("110105{}{:03}", birth.replace('-', ""), seq % 1000);
    format!("{first17}{}", check_char(&first17).unwrap())
}

/// A distinct valid ID number for every `n` (birth dates spread from 1960).
pub fn unique_id(n: u32) -> String {
    let birth = chrono::NaiveDate::from_ymd_opt(1960, 1, 1).unwrap()
        + chrono::Duration::days(i64::from(n / 1000));
    id_number(&birth.to_string(), n % 1000)
}

pub fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        let database_url = fresh_database_url().await;
        let clock = Clock::fixed(start_time());
        let master = Keys::generate_master();
        let store = xianfeng::open_store(&database_url, Keys::from_master(&master), clock.clone())
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = xianfeng_web::app(store.clone(), xianfeng_web::WebConfig::default());
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        });
        TestApp {
            base: format!("http://{addr}"),
            store,
            clock,
            client: client(),
            database_url,
            keys_master: master,
        }
    }

    /// Runs the real binary on this app's database, with its key, quietly logging.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        let key: String = self
            .keys_master
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        std::process::Command::new(env!("CARGO_BIN_EXE_xianfeng"))
            .args(args)
            .args(["--database-url", &self.database_url])
            .env("XIANFENG_SECRET_KEY", key)
            .env("XIANFENG_LOG", "warn")
            .output()
            .unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Runs one statement as someone with full database access would (on SQLite through the
    /// writer: the read pool is read-only).
    pub async fn try_execute(&self, sql: &str) -> Result<u64, sqlx::Error> {
        match &self.store.db {
            xianfeng_store::Db::Sqlite { write, .. } => sqlx::query(sql)
                .execute(write)
                .await
                .map(|r| r.rows_affected()),
            xianfeng_store::Db::Postgres(p) => {
                sqlx::query(sql).execute(p).await.map(|r| r.rows_affected())
            }
        }
    }

    pub async fn execute(&self, sql: &str) -> u64 {
        self.try_execute(sql).await.unwrap()
    }

    /// One value read directly from the database.
    pub async fn scalar<T>(&self, sql: &str) -> T
    where
        T: Send
            + Unpin
            + for<'r> sqlx::Decode<'r, sqlx::Sqlite>
            + sqlx::Type<sqlx::Sqlite>
            + for<'r> sqlx::Decode<'r, sqlx::Postgres>
            + sqlx::Type<sqlx::Postgres>,
    {
        xianfeng_store::on_db!(&self.store.db, |p| {
            sqlx::query_scalar(sql).fetch_one(p).await.unwrap()
        })
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn get_with(&self, c: &Client, path: &str) -> Response {
        c.get(self.url(path)).send().await.unwrap()
    }

    /// The text of a page fetched with a client.
    pub async fn html(&self, c: &Client, path: &str) -> String {
        self.get_with(c, path).await.text().await.unwrap()
    }

    /// Posts a form with the session's CSRF token.
    pub async fn post_form(&self, c: &Client, path: &str, fields: &[(&str, &str)]) -> Response {
        let csrf = self.csrf(c).await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("_csrf", csrf.as_str()));
        c.post(self.url(path)).form(&all).send().await.unwrap()
    }

    /// The CSRF token of the client's session, read from a page.
    pub async fn csrf(&self, c: &Client) -> String {
        let r = c.get(self.url("/account")).send().await.unwrap();
        let html = if r.status().is_redirection() {
            // A session that owes a password change or a second factor: read that page.
            let to = location(&r);
            c.get(self.url(&to))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        } else {
            r.text().await.unwrap()
        };
        extract(&html, "name=\"csrf-token\" content=\"", "\"")
            .or_else(|| extract(&html, "name=\"_csrf\" value=\"", "\""))
            .unwrap_or_default()
    }

    /// Posts a file the way an upload page does: the form's text fields, then the file.
    pub async fn upload(
        &self,
        c: &Client,
        path: &str,
        fields: &[(&str, &str)],
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Response {
        let mut form = reqwest::multipart::Form::new().text("_csrf", self.csrf(c).await);
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        let part = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string());
        c.post(self.url(path))
            .multipart(form.part("file", part))
            .send()
            .await
            .unwrap()
    }

    /// Creates an account directly in the store (no password change required).
    pub async fn account(
        &self,
        username: &str,
        role: Role,
        org: Option<i64>,
        member: Option<i64>,
    ) -> i64 {
        self.store
            .account_create_cli(
                username,
                username,
                PASSWORD,
                RoleGrant {
                    role: Some(role),
                    org_id: org,
                    member_id: member,
                },
                false,
            )
            .await
            .unwrap()
            .id
    }

    /// A logged-in client for an account.
    pub async fn login(&self, username: &str, password: &str) -> Client {
        let c = client();
        let r = c
            .post(self.url("/login"))
            .form(&[("username", username), ("password", password)])
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "login of {username} failed"
        );
        c
    }

    pub async fn login_as(
        &self,
        username: &str,
        role: Role,
        org: Option<i64>,
        member: Option<i64>,
    ) -> Client {
        self.account(username, role, org, member).await;
        self.login(username, PASSWORD).await
    }

    pub async fn token(&self, account_id: i64) -> String {
        self.store
            .token_issue(&Actor::cli("test"), account_id, "test", None)
            .await
            .unwrap()
    }

    /// Builds an organisation directly in the store (as the system administrator would).
    pub async fn org(&self, parent: Option<i64>, code: &str, name: &str, kind: &str) -> i64 {
        self.store
            .org_create(
                &Actor::cli("test"),
                &Scope::Structure,
                parent,
                &org_fields(code, name, kind),
            )
            .await
            .unwrap()
            .id
    }

    /// A member directly in the store; `seq` makes the ID number unique.
    pub async fn member(&self, org: i64, name: &str, seq: u32) -> i64 {
        let input = xianfeng_domain::members::MemberInput {
            name: name.into(),
            id_number: id_number("1980-05-01", seq),
            status: "full".into(),
            admission_date: "2005-07-01".into(),
            conversion_date: "2006-07-01".into(),
            ..Default::default()
        };
        let fields = input.parse(self.clock.today()).unwrap();
        let org_row = self.store.org_get(&Scope::Structure, org).await.unwrap();
        let scope = Scope::Subtree {
            root_id: org,
            path: org_row.org_path(),
            write: true,
        };
        self.store
            .member_create(&Actor::cli("test"), &scope, org, &fields)
            .await
            .unwrap()
    }

    /// Adds a person to the roster of `org` as its administrator would (checked input).
    pub async fn person(&self, org: i64, input: xianfeng_domain::members::MemberInput) -> i64 {
        let fields = input.parse(self.clock.today()).unwrap();
        let o = self.store.org_get(&Scope::Structure, org).await.unwrap();
        let scope = Scope::Subtree {
            root_id: org,
            path: o.org_path(),
            write: true,
        };
        self.store
            .member_create(&Actor::cli("test"), &scope, org, &fields)
            .await
            .unwrap()
    }

    /// A district with two branches under a street working committee:
    /// root (QW) → street (JD) → branch A (JD-01), branch B (JD-02); and a second street (ZX).
    pub async fn district(&self) -> District {
        let root = self.org(None, "QW", "中共示范区委员会", "committee").await;
        let street = self
            .org(Some(root), "JD", "示范街道党工委", "working_committee")
            .await;
        let a = self
            .org(Some(street), "JD-01", "第一社区党支部", "branch")
            .await;
        let b = self
            .org(Some(street), "JD-02", "第二社区党支部", "branch")
            .await;
        let other = self.org(Some(root), "ZX", "中心镇党委", "committee").await;
        let c = self
            .org(Some(other), "ZX-01", "中心村党支部", "branch")
            .await;
        District {
            root,
            street,
            a,
            b,
            other,
            c,
        }
    }
}

/// The fields of a community organisation with only its code, name and type.
pub fn org_fields(code: &str, name: &str, kind: &str) -> xianfeng_store::orgs::OrgFields {
    xianfeng_store::orgs::OrgFields {
        code: xianfeng_domain::org::OrgCode::parse(code).unwrap(),
        name: name.into(),
        org_type: xianfeng_domain::org::OrgType::parse(kind).unwrap(),
        sector: xianfeng_domain::org::Sector::Community,
        founded_on: None,
        secretary: None,
        term_start: None,
        term_end: None,
        contact_phone: None,
        approval_power: None,
    }
}

/// How many people are on the roster of an organisation's subtree.
pub async fn people_under(store: &Store, root: i64) -> i64 {
    let o = store.org_get(&Scope::Structure, root).await.unwrap();
    let scope = Scope::Subtree {
        root_id: root,
        path: o.org_path(),
        write: false,
    };
    store.member_count(&scope).await.unwrap()
}

pub struct District {
    pub root: i64,
    pub street: i64,
    pub a: i64,
    pub b: i64,
    pub other: i64,
    pub c: i64,
}

pub fn extract(html: &str, start: &str, end: &str) -> Option<String> {
    let i = html.find(start)? + start.len();
    let j = html[i..].find(end)? + i;
    Some(html[i..j].to_string())
}

pub fn location(r: &Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// The findings of `xianfeng check` for the rules starting with `rule`, as of `as_of`, over
/// the subtree of `org` (`None`: the whole tree).
pub fn check_cli(
    app: &TestApp,
    rule: &str,
    as_of: &str,
    org: Option<&str>,
) -> Vec<serde_json::Value> {
    let mut args = vec![
        "check", "--format", "json", "--rule", rule, "--as-of", as_of,
    ];
    if let Some(o) = org {
        args.extend(["--org", o]);
    }
    let out = app.cli(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["findings"].as_array().unwrap().clone()
}

/// The messages of [`check_cli`].
pub fn messages(findings: &[serde_json::Value]) -> Vec<String> {
    findings
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

/// The flash message a redirect carries (`ok:…` or `error:…`), decoded.
pub fn flash(r: &Response) -> String {
    let raw = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("xf_flash="))
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .to_string();
    xianfeng_web::page::percent_decode(&raw)
}
