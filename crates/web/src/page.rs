//! What every page shares: the signed-in person, the sidebar for their role, the CSRF token
//! and a one-time notice carried across a redirect.

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{Html, IntoResponse, Redirect, Response};
use xianfeng_domain::scope::Role;

use crate::session::Auth;

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub icon: &'static str,
    pub active: bool,
}

pub struct PageCtx {
    pub title: String,
    pub user: String,
    pub role: &'static str,
    pub csrf: String,
    pub nav: Vec<NavItem>,
    pub flash: Option<Flash>,
    /// Unread notices of the account.
    pub unread: i64,
}

pub struct Flash {
    pub kind: &'static str,
    pub text: String,
}

impl PageCtx {
    pub fn new(auth: &Auth, headers: &HeaderMap, active: &str, title: impl Into<String>) -> Self {
        let role = auth.account.role();
        let mut nav = Vec::new();
        let mut add = |href: &'static str, label: &'static str, icon: &'static str| {
            nav.push(NavItem {
                href,
                label,
                icon,
                active: href == active,
            })
        };
        add("/", "工作台", "⌂");
        match role {
            Some(Role::OrgAdmin) | Some(Role::OrgViewer) => {
                add("/members", "党员名册", "☰");
                add("/stats", "党内统计", "▤");
                add("/development", "发展党员", "↗");
                add("/compliance", "合规检查", "✓");
                add("/dues", "党费", "¥");
                add("/transfers", "关系转接", "⇄");
                add("/meetings", "组织生活", "◷");
                add("/reports", "报表", "✉");
                add("/orgs", "组织架构", "⊞");
            }
            Some(Role::SystemAdmin) => {
                add("/orgs", "组织架构", "⊞");
                add("/admin/accounts", "账号管理", "⚙");
            }
            Some(Role::SecurityAdmin) => {
                add("/admin/accounts", "账号与角色", "⚙");
                add("/admin/policy", "安全策略", "◆");
            }
            Some(Role::AuditAdmin) => {
                add("/audit", "审计日志", "✎");
            }
            Some(Role::Member) => {
                add("/me", "我的档案", "☺");
            }
            None => {}
        }
        add("/account", "个人设置", "✱");
        PageCtx {
            title: title.into(),
            user: auth.account.display_name.clone(),
            role: auth.account.role_label(),
            csrf: auth.csrf.clone(),
            nav,
            flash: read_flash(headers),
            unread: auth.unread,
        }
    }
}

const FLASH_COOKIE: &str = "xf_flash";

pub fn read_flash(headers: &HeaderMap) -> Option<Flash> {
    let raw = crate::session::cookie(headers, FLASH_COOKIE)?;
    let (kind, text) = raw.split_once(':')?;
    let text = percent_decode(text);
    let kind = if kind == "error" { "error" } else { "ok" };
    Some(Flash { kind, text })
}

fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes (the flash cookie's text).
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Redirects with a notice shown once on the next page.
pub fn redirect_with(to: &str, kind: &'static str, text: &str) -> Response {
    let mut res = Redirect::to(to).into_response();
    let v = format!(
        "{FLASH_COOKIE}={kind}:{}; Path=/; HttpOnly; SameSite=Lax; Max-Age=60",
        percent_encode(text)
    );
    if let Ok(v) = HeaderValue::from_str(&v) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// Renders a page and clears a notice that it has shown.
pub fn render(t: &impl askama::Template, had_flash: bool) -> Result<Response, crate::AppError> {
    let html = t.render()?;
    let mut res = Html(html).into_response();
    if had_flash {
        res.headers_mut().append(
            header::SET_COOKIE,
            HeaderValue::from_static("xf_flash=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
        );
    }
    Ok(res)
}

/// Page numbers around the current one, with gaps as `None`.
pub fn page_numbers(current: u32, pages: u32) -> Vec<Option<u32>> {
    let mut out = Vec::new();
    let mut last = 0;
    for p in 1..=pages {
        if p == 1 || p == pages || (p + 2 >= current && p <= current + 2) {
            if last + 1 < p {
                out.push(None);
            }
            out.push(Some(p));
            last = p;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flash_round_trip() {
        let enc = percent_encode("已保存：张三 100%");
        assert_eq!(percent_decode(&enc), "已保存：张三 100%");
        assert_eq!(percent_decode("%E"), "%E");
    }

    #[test]
    fn paging() {
        assert_eq!(page_numbers(1, 1), vec![Some(1)]);
        assert_eq!(
            page_numbers(5, 10),
            vec![
                Some(1),
                None,
                Some(3),
                Some(4),
                Some(5),
                Some(6),
                Some(7),
                None,
                Some(10)
            ]
        );
    }
}

/// Whether a "back" address from a form stays on this site: a path, not `//host` or `/\host`
/// (which browsers read as another site).
pub fn is_local_path(p: &str) -> bool {
    p.starts_with('/') && !p.starts_with("//") && !p.starts_with("/\\") && !p.contains(['\r', '\n'])
}

#[cfg(test)]
mod local_path_tests {
    use super::is_local_path;

    #[test]
    fn only_paths_on_this_site_are_local() {
        assert!(is_local_path("/transfers"));
        assert!(is_local_path("/members/3?tab=letters"));
        assert!(!is_local_path("//evil.example/x"));
        assert!(!is_local_path("/\\evil.example"));
        assert!(!is_local_path("https://evil.example"));
        assert!(!is_local_path("/x\r\nSet-Cookie: a=b"));
    }
}
