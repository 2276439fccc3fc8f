//! Our own CSS and JavaScript, compiled into the binary and served with a content fingerprint
//! so that browsers may cache them for good.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

use crate::routes::Routes;

#[derive(RustEmbed)]
#[folder = "static/"]
struct Static;

fn fingerprints() -> &'static HashMap<String, String> {
    static F: OnceLock<HashMap<String, String>> = OnceLock::new();
    F.get_or_init(|| {
        Static::iter()
            .filter_map(|name| {
                let file = Static::get(&name)?;
                let h = hex::encode(Sha256::digest(&file.data));
                Some((name.to_string(), h[..12].to_string()))
            })
            .collect()
    })
}

/// The fingerprinted address of a static file, for templates.
pub fn url(name: &str) -> String {
    match fingerprints().get(name) {
        Some(v) => format!("/static/{v}/{name}"),
        None => format!("/static/0/{name}"),
    }
}

pub fn router() -> Routes {
    Routes::new().get("/static/{version}/{*name}", serve)
}

async fn serve(Path((version, name)): Path<(String, String)>) -> Response {
    let Some(file) = Static::get(&name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mime = match name.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    };
    let cache = if fingerprints().get(&name) == Some(&version) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(mime)),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        file.data.into_owned(),
    )
        .into_response()
}
