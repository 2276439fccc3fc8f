//! The organisation tree beside the lists: the caller's roots, opened down to the selected
//! organisation.

use xianfeng_domain::scope::Scope;
use xianfeng_store::{Store, StoreError};

/// One line of the organisation tree beside the lists.
pub struct TreeItem {
    pub id: i64,
    pub name: String,
    pub code: String,
    pub depth: usize,
    pub count: i64,
    pub selected: bool,
    pub open: bool,
    pub has_children: bool,
    pub archived: bool,
}

pub struct Tree {
    pub items: Vec<TreeItem>,
    /// Where a tree line links to: `/orgs/` or `/members?org=`.
    pub link: &'static str,
}

impl Tree {
    pub fn href(&self, id: &i64) -> String {
        format!("{}{id}", self.link)
    }
}

/// The caller's roots, the chain down to the selected organisation, and the children of each
/// organisation on that chain.
pub async fn tree(
    store: &Store,
    scope: &Scope,
    selected: Option<i64>,
    link: &'static str,
) -> Result<Tree, StoreError> {
    let roots = store.org_roots(scope).await?;
    let chain: Vec<i64> = match selected {
        Some(id) => store.org_get(scope, id).await?.org_path().ids(),
        None => vec![],
    };
    let mut items = Vec::new();
    for root in &roots {
        let pos = chain.iter().position(|id| *id == root.org.id);
        let open = pos.is_some() || roots.len() == 1;
        items.push(TreeItem {
            id: root.org.id,
            name: root.org.name.clone(),
            code: root.org.code.clone(),
            depth: 0,
            count: root.member_count,
            selected: Some(root.org.id) == selected,
            open,
            has_children: root.child_count > 0,
            archived: root.org.is_archived(),
        });
        if open {
            let rest: &[i64] = match pos {
                Some(p) => &chain[p + 1..],
                None => &[],
            };
            items.extend(subtree_chain(store, scope, root.org.id, 1, rest, selected).await?);
        }
    }
    Ok(Tree { items, link })
}

/// Lists the children of `parent` at `depth`, opening the next organisation of the chain.
async fn subtree_chain(
    store: &Store,
    scope: &Scope,
    parent: i64,
    depth: usize,
    chain: &[i64],
    selected: Option<i64>,
) -> Result<Vec<TreeItem>, StoreError> {
    let children = store.org_children(scope, parent, false).await?;
    let mut out = Vec::new();
    for c in &children {
        let open = chain.first() == Some(&c.org.id);
        out.push(TreeItem {
            id: c.org.id,
            name: c.org.name.clone(),
            code: c.org.code.clone(),
            depth,
            count: c.member_count,
            selected: Some(c.org.id) == selected,
            open,
            has_children: c.child_count > 0,
            archived: c.org.is_archived(),
        });
        if open {
            let sub = Box::pin(subtree_chain(
                store,
                scope,
                c.org.id,
                depth + 1,
                &chain[1..],
                selected,
            ))
            .await?;
            out.extend(sub);
        }
    }
    Ok(out)
}
