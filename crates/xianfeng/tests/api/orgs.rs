//! The organisation tree through the web pages: create, validate, move, archive, restore.

use reqwest::StatusCode;
use xianfeng_domain::scope::{Role, Scope};

use crate::helpers::*;

#[tokio::test]
async fn the_system_administrator_builds_the_tree_with_inline_errors() {
    let app = TestApp::spawn().await;
    let c = app.login_as("sys", Role::SystemAdmin, None, None).await;
    let r = app
        .post_form(
            &c,
            "/orgs/new",
            &[
                ("code", "QW"),
                ("name", "中共示范区委员会"),
                ("org_type", "committee"),
                ("sector", "organ"),
                ("founded_on", "1949年10月1日"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let root: i64 = location(&r).trim_start_matches("/orgs/").parse().unwrap();
    let page = app
        .get_with(&c, &format!("/orgs/{root}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("中共示范区委员会") && page.contains("1949-10-01"));

    // Every problem is reported beside its field, and the input is kept.
    let r = app
        .post_form(
            &c,
            "/orgs/new",
            &[
                ("parent_id", &root.to_string()),
                ("code", "QW"),
                ("name", ""),
                ("org_type", "branch"),
                ("sector", "community"),
                ("founded_on", "2001-02-30"),
                ("contact_phone", "123"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("组织名称不能为空"), "{html}");
    assert!(html.contains("2001-02-30"), "input kept");
    assert!(html.contains("联系电话格式不正确"));
    let r = app
        .post_form(
            &c,
            "/orgs/new",
            &[
                ("parent_id", &root.to_string()),
                ("code", "qw"),
                ("name", "重复"),
                ("org_type", "branch"),
                ("sector", "community"),
            ],
        )
        .await;
    assert!(r.text().await.unwrap().contains("组织代码 QW 已被使用"));

    // A branch cannot hold a committee.
    let branch = app.org(Some(root), "ZB1", "机关第一党支部", "branch").await;
    let r = app
        .post_form(
            &c,
            "/orgs/new",
            &[
                ("parent_id", &branch.to_string()),
                ("code", "X1"),
                ("name", "下级党委"),
                ("org_type", "committee"),
                ("sector", "organ"),
            ],
        )
        .await;
    assert!(r.text().await.unwrap().contains("党委不能设在党支部之下"));

    // The system administrator sees the tree but no member data.
    let page = app
        .get_with(&c, &format!("/orgs/{branch}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("查看党员"));
    assert_eq!(
        app.get_with(&c, &format!("/members?org={branch}"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn moving_a_subtree_carries_its_members_and_refuses_cycles() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let m = app.member(d.a, "李四", 3).await;
    let c = app.login_as("sys", Role::SystemAdmin, None, None).await;
    // Street JD (with branch A and its member) moves under ZX.
    let r = app
        .post_form(&c, &format!("/orgs/{}/move", d.street), &[("target", "ZX")])
        .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let zx_scope = {
        let o = app.store.org_get(&Scope::Structure, d.other).await.unwrap();
        Scope::Subtree {
            root_id: o.id,
            path: o.org_path(),
            write: false,
        }
    };
    assert!(
        app.store.member_get(&zx_scope, m).await.is_ok(),
        "the member followed the subtree"
    );
    let a = app.store.org_get(&Scope::Structure, d.a).await.unwrap();
    assert_eq!(a.org_path().ids(), vec![d.root, d.other, d.street, d.a]);
    // Under its own descendant: refused.
    let r = app
        .post_form(
            &c,
            &format!("/orgs/{}/move", d.other),
            &[("target", "JD-01")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("不能把组织移到它自己或它的下级组织之下"));
    let r = app
        .post_form(&c, &format!("/orgs/{}/move", d.street), &[("target", "JD")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn archiving_needs_a_reason_and_an_empty_organisation_and_keeps_history() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let m = app.member(d.b, "王五", 5).await;
    let c = app
        .login_as("jd_admin", Role::OrgAdmin, Some(d.street), None)
        .await;
    let r = app
        .post_form(&c, &format!("/orgs/{}/archive", d.b), &[("reason", "  ")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = app.get_with(&c, &location(&r)).await.text().await.unwrap();
    assert!(page.contains("请填写撤销原因"), "{page}");
    let r = app
        .post_form(
            &c,
            &format!("/orgs/{}/archive", d.b),
            &[("reason", "社区撤并")],
        )
        .await;
    let page = app.get_with(&c, &location(&r)).await.text().await.unwrap();
    assert!(page.contains("1 名在册人员"), "{page}");
    // Move the member out, then archive.
    let r = app
        .post_form(
            &c,
            &format!("/members/{m}/transfer"),
            &[("target", "JD-01"), ("date", "2026-11-20")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app
        .post_form(
            &c,
            &format!("/orgs/{}/archive", d.b),
            &[("reason", "社区撤并")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let o = app.store.org_get(&Scope::Structure, d.b).await.unwrap();
    assert_eq!(o.archive_reason.as_deref(), Some("社区撤并"));
    // Gone from the tree, still readable, and the member's history names it.
    let tree = app
        .get_with(&c, &format!("/orgs/{}", d.street))
        .await
        .text()
        .await
        .unwrap();
    assert!(tree.contains("已撤销"));
    let hist = app
        .get_with(&c, &format!("/members/{m}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        hist.contains("第二社区党支部"),
        "transfer history keeps the archived organisation"
    );
    // Its own root cannot be archived by a scoped administrator.
    let r = app
        .post_form(
            &c,
            &format!("/orgs/{}/archive", d.street),
            &[("reason", "x")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .post_form(&c, &format!("/orgs/{}/restore", d.b), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(app
        .store
        .org_get(&Scope::Structure, d.b)
        .await
        .unwrap()
        .archived_at
        .is_none());
}

#[tokio::test]
async fn edits_keep_the_tree_valid_and_names_distinct() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let c = app.login_as("sys", Role::SystemAdmin, None, None).await;
    // The street holds branches: it cannot become a branch itself.
    let r = app
        .post_form(
            &c,
            &format!("/orgs/{}/edit", d.street),
            &[
                ("code", "JD"),
                ("name", "示范街道党工委"),
                ("org_type", "branch"),
                ("sector", "community"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("该组织下设有党支部，不能改为党支部"));
    // Two active siblings cannot share a name.
    let r = app
        .post_form(
            &c,
            "/orgs/new",
            &[
                ("parent_id", &d.street.to_string()),
                ("code", "JD-09"),
                ("name", "第一社区党支部"),
                ("org_type", "branch"),
                ("sector", "community"),
            ],
        )
        .await;
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("同一上级组织下已有同名组织（代码 JD-01）"));
    // Every problem of a form at once, including a code in use.
    let r = app
        .post_form(
            &c,
            "/orgs/new",
            &[
                ("parent_id", &d.street.to_string()),
                ("code", "JD-01"),
                ("name", ""),
                ("org_type", "branch"),
                ("sector", "community"),
            ],
        )
        .await;
    let html = r.text().await.unwrap();
    assert!(html.contains("组织名称不能为空") && html.contains("组织代码 JD-01 已被使用"));
    // An update's audit entry says what changed.
    let r = app
        .post_form(
            &c,
            &format!("/orgs/{}/edit", d.a),
            &[
                ("code", "JD-01"),
                ("name", "第一社区党支部"),
                ("org_type", "branch"),
                ("sector", "community"),
                ("contact_phone", "0571-88886666"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let rows = app.store.audit_export(&Default::default()).await.unwrap();
    let last = rows.iter().rev().find(|r| r.event == "org.update").unwrap();
    assert!(
        last.summary.contains("联系电话：（空） → 0571-88886666"),
        "{}",
        last.summary
    );
    // Malformed addresses get Chinese pages, not framework messages.
    let r = app.get_with(&c, "/orgs/abc").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.text().await.unwrap().contains("页面不存在"));
    let r = app.get_with(&c, "/orgs?page=-1").await;
    assert!(r.text().await.unwrap().contains("查询条件有误"));
    // Archived organisations leave the count on the home page.
    assert_eq!(app.store.org_count().await.unwrap(), 6);
    app.store
        .org_archive(
            &xianfeng_store::audit::Actor::cli("t"),
            &Scope::Structure,
            d.c,
            "撤并",
        )
        .await
        .unwrap();
    assert_eq!(app.store.org_count().await.unwrap(), 5);
}
