//! Roles and scopes: what an account may see and change.
//!
//! Every store read and write takes a [`Scope`]; there is no way to read members without one.

use crate::org::{code_enum, OrgPath};

code_enum! {
    /// Roles (角色). The three administrator roles are kept apart (三权分立) and none of them
    /// reads member data by virtue of that role.
    Role {
        SystemAdmin = "system_admin", "系统管理员";
        SecurityAdmin = "security_admin", "安全管理员";
        AuditAdmin = "audit_admin", "审计管理员";
        OrgAdmin = "org_admin", "党务管理员";
        OrgViewer = "org_viewer", "党务查询员";
        Member = "member", "党员";
    }
}

impl Role {
    pub fn is_administrator(self) -> bool {
        matches!(
            self,
            Role::SystemAdmin | Role::SecurityAdmin | Role::AuditAdmin
        )
    }
    /// Work roles are bound to an organisation subtree.
    pub fn needs_org(self) -> bool {
        matches!(self, Role::OrgAdmin | Role::OrgViewer)
    }
    pub fn needs_member(self) -> bool {
        self == Role::Member
    }
}

/// What the caller may act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// An organisation subtree (the root and everything below it).
    Subtree {
        root_id: i64,
        path: OrgPath,
        write: bool,
    },
    /// A member's own record.
    Own { member_id: i64 },
    /// The organisation tree's structure, without member data (system administrator).
    Structure,
    /// Nothing of the organisation data.
    Nothing,
}

impl Scope {
    /// Every organisation of every top-level tree, with writes: what the command line speaks
    /// for when it is given no organisation (an import whose rows name their organisations).
    pub fn whole_tree() -> Scope {
        Scope::Subtree {
            root_id: 0,
            path: OrgPath::from_stored("/".into()),
            write: true,
        }
    }

    /// The subtree this scope covers for organisation reads, if any; `None` with `Structure`
    /// means the whole tree.
    pub fn sees_org(&self, path: &OrgPath) -> bool {
        match self {
            Scope::Subtree { path: root, .. } => root.contains(path),
            Scope::Structure => true,
            _ => false,
        }
    }
    pub fn may_write_org(&self, path: &OrgPath) -> bool {
        match self {
            Scope::Subtree {
                path: root, write, ..
            } => *write && root.contains(path),
            Scope::Structure => true,
            _ => false,
        }
    }
    /// Member data: only work roles over a subtree, or the member's own record.
    pub fn sees_member(&self, member_id: i64, org_path: &OrgPath) -> bool {
        match self {
            Scope::Subtree { path: root, .. } => root.contains(org_path),
            Scope::Own { member_id: own } => *own == member_id,
            _ => false,
        }
    }
    pub fn may_write_member(&self, org_path: &OrgPath) -> bool {
        match self {
            Scope::Subtree {
                path: root, write, ..
            } => *write && root.contains(org_path),
            _ => false,
        }
    }
    pub fn reads_members(&self) -> bool {
        matches!(self, Scope::Subtree { .. } | Scope::Own { .. })
    }
    /// What a member does in person on their own records — checking in to a meeting, keeping
    /// their commitments, writing their self-assessment: only the member themself. An
    /// administrator who records it on someone's behalf (代签, 补录) writes through
    /// [`Scope::may_write_member`] instead, and that is audited as done on their behalf.
    pub fn acts_as(&self, member_id: i64) -> bool {
        matches!(self, Scope::Own { member_id: own } if *own == member_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> OrgPath {
        OrgPath::from_stored(s.into())
    }

    #[test]
    fn scope_table() {
        let branch_admin = Scope::Subtree {
            root_id: 5,
            path: p("/1/5/"),
            write: true,
        };
        let viewer = Scope::Subtree {
            root_id: 1,
            path: p("/1/"),
            write: false,
        };
        let own = Scope::Own { member_id: 7 };
        // (scope, org path, sees org, writes org, sees member 7, writes member)
        let table: Vec<(&Scope, &str, bool, bool, bool, bool)> = vec![
            (&branch_admin, "/1/5/", true, true, true, true),
            (&branch_admin, "/1/5/9/", true, true, true, true),
            (&branch_admin, "/1/", false, false, false, false),
            (&branch_admin, "/1/50/", false, false, false, false),
            (&viewer, "/1/50/", true, false, true, false),
            (&own, "/1/5/", false, false, true, false),
            (&Scope::Structure, "/1/5/", true, true, false, false),
            (&Scope::Nothing, "/1/5/", false, false, false, false),
        ];
        for (scope, path, so, wo, sm, wm) in table {
            let path = p(path);
            assert_eq!(scope.sees_org(&path), so, "{scope:?} sees org {path:?}");
            assert_eq!(
                scope.may_write_org(&path),
                wo,
                "{scope:?} writes org {path:?}"
            );
            assert_eq!(
                scope.sees_member(7, &path),
                sm,
                "{scope:?} sees member {path:?}"
            );
            assert_eq!(
                scope.may_write_member(&path),
                wm,
                "{scope:?} writes member {path:?}"
            );
        }
        assert!(!own.sees_member(8, &p("/1/5/")));
        // Acting in person: only the member themself, not even the administrator of the branch.
        assert!(own.acts_as(7));
        assert!(!own.acts_as(8));
        assert!(!branch_admin.acts_as(7));
        assert!(!Scope::Structure.acts_as(7));
    }

    #[test]
    fn roles() {
        assert!(Role::AuditAdmin.is_administrator());
        assert!(!Role::OrgAdmin.is_administrator());
        assert!(Role::OrgViewer.needs_org());
        assert!(Role::Member.needs_member());
        assert_eq!(Role::parse("org_admin"), Some(Role::OrgAdmin));
    }
}
