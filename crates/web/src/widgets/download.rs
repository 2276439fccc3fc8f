//! A file sent as a download, its Chinese name kept (RFC 5987) beside a plain-ASCII fallback.

use axum::response::IntoResponse;

/// The plain-ASCII file name older clients fall back to: the extension kept.
fn ascii_fallback(name: &str) -> String {
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    let ext: String = ext.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    if ext.is_empty() {
        "export".into()
    } else {
        format!("export.{ext}")
    }
}

pub fn download(bytes: Vec<u8>, mime: &'static str, name: &str) -> axum::response::Response {
    // RFC 5987 encoding keeps the Chinese file name.
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'.' || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    (
        [
            (axum::http::header::CONTENT_TYPE, mime.to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}\"; filename*=UTF-8''{encoded}",
                    ascii_fallback(name)
                ),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The content type to send for a stored file's sniffed type (anything unknown as bytes).
pub fn mime_of(stored: &str) -> &'static str {
    const KNOWN: [&str; 6] = [
        "application/pdf",
        "image/jpeg",
        "image/png",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ];
    KNOWN
        .into_iter()
        .find(|k| *k == stored)
        .unwrap_or("application/octet-stream")
}
