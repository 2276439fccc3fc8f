//! Members out of contact (MEM-003): recorded on the member page with history, counted as 失联
//! in the statistics, warned before and reported after six months, then two years after the
//! suspension of standing.

use reqwest::StatusCode;
use xianfeng_domain::scope::{Role, Scope};

use crate::helpers::*;

async fn mem003(app: &TestApp, member: i64) -> Vec<String> {
    app.store
        .findings_of(&Scope::whole_tree(), "person", member)
        .await
        .unwrap()
        .into_iter()
        .filter(|f| f.rule == "MEM-003")
        .map(|f| f.message)
        .collect()
}

async fn lost_contact_count(app: &TestApp, root: i64) -> i64 {
    let o = app.store.org_get(&Scope::Structure, root).await.unwrap();
    let scope = Scope::Subtree {
        root_id: root,
        path: o.org_path(),
        write: false,
    };
    let r = app
        .store
        .stats_report(&scope, root, app.clock.today())
        .await
        .unwrap();
    r.members.by_category.get("lost_contact")
}

#[tokio::test]
async fn a_member_out_of_contact_is_recorded_counted_and_checked() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let m = app.member(d.a, "失联者", 1).await;
    let c = app
        .login_as("jd_admin", Role::OrgAdmin, Some(d.street), None)
        .await;
    let post = |kind: &'static str, date: &'static str, note: &'static str| {
        let app = &app;
        let c = &c;
        async move {
            let r = app
                .post_form(
                    c,
                    &format!("/members/{m}/contact"),
                    &[("kind", kind), ("date", date), ("note", note)],
                )
                .await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
            // The notice travels in a cookie to the page the redirect names.
            app.html(c, &location(&r)).await
        }
    };
    // Regaining contact that was never lost is refused with a reason.
    let to = post("regained", "2026-05-01", "").await;
    assert!(to.contains("没有登记失去联系"), "{to}");
    // Lost on 10 May 2026: the category becomes 失联 and the statistics count them.
    let to = post("lost", "2026-05-10", "电话停机，外出务工地址不详").await;
    assert!(to.contains("已登记"), "{to}");
    assert_eq!(lost_contact_count(&app, d.root).await, 1);
    let page = app.html(&c, &format!("/members/{m}")).await;
    assert!(
        page.contains("自 2026-05-10 起") && page.contains("电话停机"),
        "{page}"
    );
    // A second loss while out of contact is refused.
    let to = post("lost", "2026-06-01", "").await;
    assert!(to.contains("尚未恢复"), "{to}");
    // On 23 November 2026 six months have passed (due 10 November): MEM-003, a deadline.
    let f = mem003(&app, m).await;
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(f[0].contains("已满 6 个月"), "{f:?}");
    let home = app.html(&c, "/").await;
    assert!(home.contains("失去联系已满"), "on the to-do list");
    // Standing suspended: the warning goes until two years after the suspension.
    post("suspended", "2026-11-20", "支部大会决定停止党籍").await;
    assert!(mem003(&app, m).await.is_empty());
    // While standing is suspended no dues are owed: the branch keeps dues from June, nothing
    // was paid, yet DUES-002 says nothing two years on.
    app.store
        .dues_save_month(
            &xianfeng_store::Actor::cli("test"),
            &Scope::Subtree {
                root_id: d.a,
                path: xianfeng_domain::org::OrgPath::from_stored(
                    app.store
                        .org_get(&Scope::Structure, d.a)
                        .await
                        .unwrap()
                        .path,
                ),
                write: true,
            },
            &app.store.org_get(&Scope::Structure, d.a).await.unwrap(),
            chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
            &[],
        )
        .await
        .unwrap();
    app.clock.advance(chrono::Duration::days(365 * 2));
    app.store.findings_full_run().await.unwrap();
    let f = mem003(&app, m).await;
    assert!(f.len() == 1 && f[0].contains("予以除名"), "{f:?}");
    let dues: Vec<String> = app
        .store
        .findings_of(&Scope::whole_tree(), "person", m)
        .await
        .unwrap()
        .into_iter()
        .filter(|f| f.rule.starts_with("DUES"))
        .map(|f| f.message)
        .collect();
    assert!(dues.is_empty(), "{dues:?}");
    // Regained: the old category comes back, no finding, the history stays.
    app.clock.advance(-chrono::Duration::days(365 * 2));
    post("regained", "2026-11-22", "本人返乡后主动联系").await;
    assert!(mem003(&app, m).await.is_empty());
    assert_eq!(lost_contact_count(&app, d.root).await, 0);
    let person = app
        .store
        .member_get(
            &Scope::Subtree {
                root_id: d.root,
                path: xianfeng_domain::org::OrgPath::root(d.root),
                write: false,
            },
            m,
        )
        .await
        .unwrap();
    assert_eq!(person.category, "employed");
    let page = app.html(&c, &format!("/members/{m}")).await;
    for what in ["失去联系", "停止党籍", "恢复联系", "保持联系"] {
        assert!(page.contains(what), "{what}");
    }
    let audit = app.store.audit_export(&Default::default()).await.unwrap();
    assert_eq!(
        audit.iter().filter(|r| r.event == "member.contact").count(),
        3
    );
}
