//! The route table: routers built through [`Routes`] remember every method and path they
//! register, so that tests walk the real table (the route × role test fails for a route without
//! an entry) instead of a list kept by hand.

use axum::handler::Handler;
use axum::routing::{get, post, MethodRouter};
use axum::Router;

use crate::AppState;

/// One registered route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
}

impl Route {
    /// Whether a concrete path (`/members/12/edit?x=1`) is an instance of this route's pattern
    /// (`/members/{id}/edit`); `{*rest}` matches the rest of the path.
    pub fn matches(&self, concrete: &str) -> bool {
        let concrete = concrete.split(['?', '#']).next().unwrap_or("");
        let mut want = self.path.split('/');
        let mut have = concrete.split('/');
        loop {
            match (want.next(), have.next()) {
                (None, None) => return true,
                (Some(w), Some(_)) if w.starts_with("{*") => return true,
                (Some(w), Some(h)) if w.starts_with('{') && w.ends_with('}') => {
                    if h.is_empty() {
                        return false;
                    }
                }
                (Some(w), Some(h)) if w == h => {}
                _ => return false,
            }
        }
    }
}

/// A router and the table of what it serves.
pub struct Routes {
    router: Router<AppState>,
    table: Vec<Route>,
}

impl Default for Routes {
    fn default() -> Self {
        Self::new()
    }
}

impl Routes {
    pub fn new() -> Self {
        Routes {
            router: Router::new(),
            table: Vec::new(),
        }
    }

    pub fn get<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(path, get(handler));
        self.table.push(Route {
            method: "GET",
            path,
        });
        self
    }

    pub fn post<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(path, post(handler));
        self.table.push(Route {
            method: "POST",
            path,
        });
        self
    }

    /// A route whose method router needs more than one handler (a layer on it, say): `methods`
    /// names what it serves, for the table.
    pub fn route(
        mut self,
        path: &'static str,
        methods: &[&'static str],
        method_router: MethodRouter<AppState>,
    ) -> Self {
        self.router = self.router.route(path, method_router);
        self.table
            .extend(methods.iter().map(|&method| Route { method, path }));
        self
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.table.extend(other.table);
        self
    }

    /// What this router serves, sorted.
    pub fn table(&self) -> Vec<Route> {
        let mut t = self.table.clone();
        t.sort();
        t
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

#[cfg(test)]
mod tests {
    use super::Route;

    #[test]
    fn patterns_match_concrete_paths() {
        let r = Route {
            method: "GET",
            path: "/members/{id}/edit",
        };
        assert!(r.matches("/members/12/edit"));
        assert!(r.matches("/members/12/edit?x=1"));
        assert!(!r.matches("/members//edit"));
        assert!(!r.matches("/members/12"));
        assert!(!r.matches("/members/12/edit/more"));
        let s = Route {
            method: "GET",
            path: "/static/{version}/{*name}",
        };
        assert!(s.matches("/static/abc/css/app.css"));
        let root = Route {
            method: "GET",
            path: "/",
        };
        assert!(root.matches("/"));
        assert!(!root.matches("/x"));
    }
}
