//! The web interface (Simplified Chinese pages) and the JSON API under `/api/v1`.
//!
//! One module per feature, each with `fn router() -> Routes`; merged in [`page_routes`].
//! Features never import each other: what several of them use lives in the shared modules
//! (`session`, `page`, `error`, `extract`, `forms`, `widgets`, `imports`, `assets`), which
//! `tests/module_imports.rs` checks.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use xianfeng_store::Store;

pub mod accounts;
pub mod api;
pub mod assets;
pub mod audit;
pub mod compliance;
pub mod development;
pub mod dues;
pub mod error;
pub mod extract;
pub mod forms;
pub mod home;
pub mod imports;
pub mod joint;
pub mod letters;
pub mod login;
pub mod meetings;
pub mod members;
pub mod notices;
pub mod orgs;
pub mod page;
pub mod reports;
pub mod routes;
pub mod session;
pub mod stats;
pub mod team;
pub mod trace;
pub mod uploads;
pub mod widgets;

pub use error::AppError;
use routes::Routes;

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Cookies get `Secure` and responses carry HSTS (served over HTTPS, here or at a proxy).
    pub secure: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_proxy: bool,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure: false,
            trust_proxy: false,
            body_limit: 2 * 1024 * 1024,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<WebConfig>,
}

/// Every page: the sign-in pages and the work pages, all behind the session layer. A new
/// feature adds its router here (and one navigation entry).
pub fn page_routes() -> Routes {
    Routes::new()
        .merge(login::router())
        .merge(home::router())
        .merge(orgs::router())
        .merge(members::router())
        .merge(stats::router())
        .merge(compliance::router())
        .merge(development::router())
        .merge(dues::router())
        .merge(letters::router())
        .merge(team::router())
        .merge(meetings::router())
        .merge(joint::router())
        .merge(reports::router())
        .merge(notices::router())
        .merge(accounts::router())
        .merge(audit::router())
        .merge(uploads::router())
}

/// What answers without a session: the health check and static files, and — the only place
/// for them — pages meant for people without an account (ballots, the public notice board).
/// The session layer never wraps these, and a session cookie sent to them is not read.
pub fn public_routes() -> Routes {
    Routes::new()
        .merge(assets::router())
        .get("/healthz", healthz)
}

/// The whole application: pages, API, public routes and the middleware around them.
pub fn app(store: Store, config: WebConfig) -> Router {
    let limit = config.body_limit;
    let state = AppState {
        store,
        config: Arc::new(config),
    };
    let pages = page_routes()
        .into_router()
        .layer(middleware::from_fn_with_state(
            state.clone(),
            session::session_layer,
        ));
    Router::new()
        .merge(pages)
        .merge(api::router())
        .merge(public_routes().into_router())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            session::client_ip_layer,
        ))
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn(trace::layer))
        .with_state(state)
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response(),
    }
}

async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return api::not_found();
    }
    AppError::NotFound("页面不存在".into()).into_response()
}

/// Security headers on every response; HSTS when served over HTTPS.
async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    if !is_static && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.config.secure {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    res
}

/// The client's address: the socket peer, or the first `X-Forwarded-For` hop behind a proxy.
pub fn client_ip(
    req_headers: &axum::http::HeaderMap,
    peer: Option<SocketAddr>,
    trust_proxy: bool,
) -> Option<String> {
    if trust_proxy {
        if let Some(v) = req_headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
        {
            if let Some(first) = v.split(',').next().map(str::trim).filter(|s| !s.is_empty()) {
                return Some(first.chars().take(64).collect());
            }
        }
    }
    peer.map(|p| p.ip().to_string())
}

pub(crate) fn peer_of(req: &Request) -> Option<SocketAddr> {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0)
}

pub(crate) fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}
