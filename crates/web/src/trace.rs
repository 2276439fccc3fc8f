//! Request tracing: every request gets a short id. Log lines the request causes carry it (they
//! are written inside a span that names it), the response carries it in `X-Request-Id`, and an
//! error page shows it as its "编号", so that a user's report leads to the log.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The response header that carries the id.
pub const HEADER: &str = "x-request-id";

/// A new id: twelve hexadecimal digits.
fn new_id() -> String {
    use rand::Rng;
    format!(
        "{:012X}",
        rand::thread_rng().gen::<u64>() & 0xFFFF_FFFF_FFFF
    )
}

/// The id of the request being served, if any.
pub fn current() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// The id of the request being served, or a fresh one outside a request.
pub fn current_or_new() -> String {
    current().unwrap_or_else(new_id)
}

/// Gives the request its id and serves it inside a span named by it.
pub async fn layer(req: Request, next: Next) -> Response {
    let id = new_id();
    let span = tracing::info_span!(
        "request",
        id = %id,
        method = %req.method(),
        path = %req.uri().path()
    );
    let started = std::time::Instant::now();
    let mut res = REQUEST_ID
        .scope(id.clone(), next.run(req).instrument(span.clone()))
        .await;
    span.in_scope(|| {
        let status = res.status().as_u16();
        let ms = started.elapsed().as_millis() as u64;
        if status >= 500 {
            tracing::warn!(status, ms, "request failed");
        } else {
            tracing::debug!(status, ms, "request served");
        }
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(HEADER, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::response::IntoResponse;

    #[tokio::test]
    async fn an_error_page_shows_the_request_id_as_its_reference() {
        let id = "ABCDEF012345".to_string();
        let res = REQUEST_ID
            .scope(id.clone(), async {
                assert_eq!(current().as_deref(), Some("ABCDEF012345"));
                crate::AppError::Internal("boom".into()).into_response()
            })
            .await;
        assert_eq!(res.status(), 500);
        let body = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        let html = String::from_utf8(body.to_vec()).unwrap();
        assert!(html.contains("编号 ABCDEF012345"), "{html}");
        assert_eq!(current(), None, "outside a request");
        assert_eq!(current_or_new().len(), 12);
    }
}
