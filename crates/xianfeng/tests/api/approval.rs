//! DEV-021: approval power is the organisation's, by default by type and position in the tree:
//! a township committee approves its villages' members; a committee under a township does not,
//! and the finding names who should approve.

use xianfeng_domain::development::Step;
use xianfeng_domain::members::MemberInput;
use xianfeng_domain::org::Sector;
use xianfeng_domain::scope::Scope;
use xianfeng_store::development::DevInput;
use xianfeng_store::Actor;

use crate::helpers::*;

async fn org_in(
    app: &TestApp,
    parent: Option<i64>,
    code: &str,
    name: &str,
    kind: &str,
    sector: Sector,
) -> i64 {
    let mut f = org_fields(code, name, kind);
    f.sector = sector;
    app.store
        .org_create(&Actor::cli("test"), &Scope::Structure, parent, &f)
        .await
        .unwrap()
        .id
}

/// A probationary member of `branch` whose admission was approved by `approver`.
async fn approved_by(app: &TestApp, branch: i64, seq: u32, approver: i64) -> i64 {
    let id = app
        .person(
            branch,
            MemberInput {
                name: format!("预备{seq}"),
                id_number: id_number("1996-06-06", seq),
                status: "probationary".into(),
                application_date: "2023-03-01".into(),
                activist_date: "2023-05-01".into(),
                candidate_date: "2024-06-01".into(),
                admission_date: "2026-03-01".into(),
                ..Default::default()
            },
        )
        .await;
    let o = app.store.org_get(&Scope::Structure, branch).await.unwrap();
    let scope = Scope::Subtree {
        root_id: branch,
        path: o.org_path(),
        write: true,
    };
    let input = DevInput {
        dates: vec![
            (Step::GeneralMeeting, Some(d("2026-03-01"))),
            (Step::UpperTalk, Some(d("2026-03-10"))),
            (Step::Approval, Some(d("2026-04-01"))),
        ],
        approval_org_id: Some(approver),
        ..Default::default()
    };
    app.store
        .dev_save(&Actor::cli("test"), &scope, id, None, &input)
        .await
        .unwrap();
    id
}

fn d(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

async fn dev021(app: &TestApp, member: i64) -> Vec<String> {
    app.store
        .findings_of(&Scope::whole_tree(), "person", member)
        .await
        .unwrap()
        .into_iter()
        .filter(|f| f.rule == "DEV-021")
        .map(|f| f.message)
        .collect()
}

#[tokio::test]
async fn township_committees_approve_and_committees_under_them_do_not() {
    let app = TestApp::spawn().await;
    let county = org_in(
        &app,
        None,
        "XQ",
        "中共先锋区委员会",
        "committee",
        Sector::Organ,
    )
    .await;
    let town = org_in(
        &app,
        Some(county),
        "XQ-01",
        "中共兴隆乡委员会",
        "committee",
        Sector::Rural,
    )
    .await;
    let village = org_in(
        &app,
        Some(town),
        "XQ-01-01",
        "马场村党支部",
        "branch",
        Sector::Rural,
    )
    .await;
    let firm = org_in(
        &app,
        Some(town),
        "XQ-01-50",
        "兴隆化工有限公司党委",
        "committee",
        Sector::NonPublic,
    )
    .await;
    let workshop = org_in(
        &app,
        Some(firm),
        "XQ-01-50-01",
        "一车间党支部",
        "branch",
        Sector::NonPublic,
    )
    .await;
    let street = org_in(
        &app,
        Some(county),
        "XQ-02",
        "西岭街道党工委",
        "working_committee",
        Sector::Community,
    )
    .await;
    let community = org_in(
        &app,
        Some(street),
        "XQ-02-01",
        "西岭社区党支部",
        "branch",
        Sector::Community,
    )
    .await;
    // One organisation's power, read alone (the organisation page), is the same as in the
    // whole list.
    let all = app.store.approval_powers().await.unwrap();
    for id in [county, town, village, firm, workshop, street, community] {
        let o = app.store.org_get(&Scope::Structure, id).await.unwrap();
        let alone = app.store.approval_power_of(&o).await.unwrap();
        assert_eq!(alone, all.get(&id).is_some_and(|p| p.1), "{}", o.code);
    }

    // The township approves its village's member; the street its community's.
    let a = approved_by(&app, village, 11, town).await;
    assert!(
        dev021(&app, a).await.is_empty(),
        "{:?}",
        dev021(&app, a).await
    );
    let b = approved_by(&app, community, 13, street).await;
    assert!(dev021(&app, b).await.is_empty());
    // The enterprise committee inside the township has no approval power: the finding names
    // the township committee.
    let c = approved_by(&app, workshop, 15, firm).await;
    let f = dev021(&app, c).await;
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(f[0].contains("应由中共兴隆乡委员会审批"), "{f:?}");
    // Power set on the organisation overrides the default, and the files are judged again.
    let o = app.store.org_get(&Scope::Structure, firm).await.unwrap();
    let mut fields = org_fields(&o.code, &o.name, "committee");
    fields.sector = Sector::NonPublic;
    fields.approval_power = Some(true);
    app.store
        .org_update(&Actor::cli("test"), &Scope::Structure, firm, None, &fields)
        .await
        .unwrap();
    assert!(dev021(&app, c).await.is_empty());
    // And taken away from the township: its village's file is reported, naming the county.
    let t = app.store.org_get(&Scope::Structure, town).await.unwrap();
    let mut fields = org_fields(&t.code, &t.name, "committee");
    fields.sector = Sector::Rural;
    fields.approval_power = Some(false);
    app.store
        .org_update(&Actor::cli("test"), &Scope::Structure, town, None, &fields)
        .await
        .unwrap();
    let f = dev021(&app, a).await;
    assert!(
        f.len() == 1 && f[0].contains("应由中共先锋区委员会审批"),
        "{f:?}"
    );
    // The organisation page says so.
    let viewer = app
        .login_as(
            "xq_view",
            xianfeng_domain::scope::Role::OrgViewer,
            Some(county),
            None,
        )
        .await;
    let page = app.html(&viewer, &format!("/orgs/{street}")).await;
    assert!(page.contains("审批权</dt><dd>有"), "{page}");
}
