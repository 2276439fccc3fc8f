//! The organisation a work page (compliance, development, dues, letters) is about.

use xianfeng_domain::scope::{Role, Scope};
use xianfeng_store::orgs::Org;

use crate::error::AppError;
use crate::session::Auth;
use crate::AppState;

const READ_ROLES: &[Role] = &[Role::OrgAdmin, Role::OrgViewer];

/// The organisation a work page is about: the one asked for, or the top of the caller's
/// subtree; work roles only.
pub async fn target_org(state: &AppState, auth: &Auth, org: Option<i64>) -> Result<Org, AppError> {
    auth.require(READ_ROLES)?;
    let root = match &auth.scope {
        Scope::Subtree { root_id, .. } => *root_id,
        _ => return Err(AppError::Forbidden),
    };
    Ok(state
        .store
        .org_get(&auth.scope, org.unwrap_or(root))
        .await?)
}
