//! Rule fixes from boundary testing: history kept as imported never blocks later saves.

use xianfeng_domain::development::Step;
use xianfeng_domain::members::MemberInput;
use xianfeng_domain::scope::Scope;
use xianfeng_store::development::DevInput;
use xianfeng_store::{Actor, StoreError};

use crate::helpers::*;

fn d(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

#[tokio::test]
async fn an_imported_sponsor_who_did_not_qualify_blocks_no_later_save_and_can_be_removed() {
    let app = TestApp::spawn().await;
    let dist = app.district().await;
    // 王介绍 was a probationary member until 2025-01-01.
    app.person(
        dist.a,
        MemberInput {
            name: "王介绍".into(),
            id_number: id_number("1985-01-01", 3),
            status: "full".into(),
            admission_date: "2024-01-01".into(),
            conversion_date: "2025-01-01".into(),
            ..Default::default()
        },
    )
    .await;
    let dir = std::env::temp_dir().join(format!("xf-fix-{}-{}", std::process::id(), dist.a));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("dev.csv");
    std::fs::write(
        &csv,
        format!(
            "姓名,公民身份号码,所在党组织,申请入党日期,谈话日期,确定积极分子日期,确定发展对象日期,入党介绍人\n张对象,{},JD-01,2023-01-10,2023-01-20,2023-03-01,2024-06-01,王介绍\n",
            id_number("1998-08-08", 21)
        ),
    )
    .unwrap();
    let out = app.cli(&["import", "development", csv.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let o = app.store.org_get(&Scope::Structure, dist.a).await.unwrap();
    let scope = Scope::Subtree {
        root_id: dist.a,
        path: o.org_path(),
        write: true,
    };
    let idn = xianfeng_domain::IdNumber::parse(&id_number("1998-08-08", 21)).unwrap();
    let y = app
        .store
        .member_find_by_id_number(&scope, &idn)
        .await
        .unwrap()
        .unwrap()
        .id;
    let rules = |app: &TestApp| {
        let store = app.store.clone();
        async move {
            store
                .findings_of(&Scope::whole_tree(), "person", y)
                .await
                .unwrap()
                .into_iter()
                .map(|f| f.rule)
                .collect::<Vec<_>>()
        }
    };
    assert!(rules(&app).await.contains(&"DEV-008".to_string()));
    // A later save that adds nothing forbidden goes through; the check keeps reporting.
    let step = DevInput {
        dates: vec![(Step::PoliticalReview, Some(d("2024-07-01")))],
        ..Default::default()
    };
    app.store
        .dev_save(&Actor::cli("test"), &scope, y, None, &step)
        .await
        .expect("the stored sponsor does not block the save");
    assert!(rules(&app).await.contains(&"DEV-008".to_string()));
    // What the save adds is still refused.
    let future = DevInput {
        dates: vec![(Step::TrainingStart, Some(d("2099-01-01")))],
        ..Default::default()
    };
    let r = app
        .store
        .dev_save(&Actor::cli("test"), &scope, y, None, &future)
        .await;
    assert!(matches!(r, Err(StoreError::Invalid { .. })), "{r:?}");
    // The sponsor is removed (audited) and the finding closes.
    let rec = app.store.dev_record(&scope, y).await.unwrap();
    let sid = rec.sponsors[0].id;
    let c = app
        .login_as(
            "jd_adm",
            xianfeng_domain::scope::Role::OrgAdmin,
            Some(dist.street),
            None,
        )
        .await;
    let r = app
        .post_form(
            &c,
            &format!("/members/{y}/development/sponsor/{sid}/remove"),
            &[],
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    assert!(app
        .store
        .dev_record(&scope, y)
        .await
        .unwrap()
        .sponsors
        .is_empty());
    let audit = app.store.audit_export(&Default::default()).await.unwrap();
    assert!(audit
        .iter()
        .any(|e| e.event == "dev.sponsor.remove" && e.summary.contains("王介绍")));
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn an_imported_sheet_records_the_approving_organisation_and_the_extension() {
    let app = TestApp::spawn().await;
    let dist = app.district().await;
    let dir = std::env::temp_dir().join(format!("xf-fix2-{}-{}", std::process::id(), dist.a));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("dev.csv");
    let head = "姓名,公民身份号码,所在党组织,申请入党日期,谈话日期,确定积极分子日期,确定发展对象日期,支部大会日期,上级党委谈话日期,上级党委审批日期,审批组织,延长预备期月数";
    // Approved by the street working committee, which sits under the district committee and
    // so holds no approval power; probation extended by three months.
    let good = format!(
        "{head}\n预备甲,{},JD-01,2023-01-10,2023-01-20,2023-03-01,2024-06-01,2025-03-01,2025-03-10,2025-04-01,JD,3\n",
        id_number("1997-07-07", 31)
    );
    std::fs::write(&csv, &good).unwrap();
    let out = app.cli(&[
        "import",
        "development",
        csv.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let json = app.cli(&["check", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let of = |rule: &str| {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule && f["subject"]["name"] == "预备甲")
            .map(|f| f["message"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let dev021 = of("DEV-021");
    assert!(
        dev021.len() == 1 && dev021[0].contains("应由中共示范区委员会审批"),
        "{dev021:?}"
    );
    assert_eq!(of("DEV-016").len(), 1);
    // An approving organisation that is not above the branch is a row error; nothing written.
    let bad = format!(
        "{head}\n预备乙,{},JD-01,2023-01-10,2023-01-20,2023-03-01,2024-06-01,2025-03-01,2025-03-10,2025-04-01,ZX,\n",
        id_number("1997-07-07", 33)
    );
    std::fs::write(&csv, &bad).unwrap();
    let out = app.cli(&[
        "import",
        "development",
        csv.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(!out.status.success());
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["rejected"][0]["column"], "审批组织", "{r}");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn dues_follow_the_rules_of_their_month_and_the_day_judged() {
    use xianfeng_domain::dues::{DuesBase, DuesCategory};
    use xianfeng_domain::rules::{Numbers, RuleConfig, RuleVersion};
    use xianfeng_store::dues::DuesEntry;
    let app = TestApp::spawn().await;
    let dist = app.district().await;
    let m = app.member(dist.a, "缴费人", 5).await;
    // From July 2026 the lowest bracket is 1% instead of 0.5%.
    let mut july = Numbers::default();
    july.dues.employed[0].rate_bp = 100;
    let mut cfg = RuleConfig::default();
    cfg.versions.push(RuleVersion {
        effective: d("2026-07-01"),
        numbers: july,
    });
    app.store
        .set_rules_config(&Actor::cli("test"), &cfg)
        .await
        .unwrap();
    let branch = app.store.org_get(&Scope::Structure, dist.a).await.unwrap();
    let scope = Scope::Subtree {
        root_id: dist.a,
        path: branch.org_path(),
        write: true,
    };
    let base = DuesBase {
        category: DuesCategory::Employed,
        base: Some(250_000),
        farmer_amount: None,
    };
    // January to June at 12.50 (right then), July at 12.50 (short from July), August nothing.
    for (month, paid) in [
        ("2026-01-01", Some(1_250)),
        ("2026-02-01", Some(1_250)),
        ("2026-03-01", Some(1_250)),
        ("2026-04-01", Some(1_250)),
        ("2026-05-01", Some(1_250)),
        ("2026-06-01", Some(1_250)),
        ("2026-07-01", Some(1_250)),
    ] {
        let entry = DuesEntry {
            member_id: m,
            base,
            paid: paid.map(|a| (a, d(month) + chrono::Duration::days(9))),
            reason: None,
            collector: None,
        };
        app.store
            .dues_save_month(&Actor::cli("test"), &scope, &branch, d(month), &[entry])
            .await
            .unwrap();
    }
    let check = |as_of: &str| messages(&check_cli(&app, "DUES", as_of, None));
    let now = check("2026-11-23");
    assert_eq!(now.len(), 1, "only July is short: {now:?}");
    assert!(
        now[0].contains("2026-07") && now[0].contains("25.00"),
        "{now:?}"
    );
    // Judged as of 5 July, July's payment (10 July) had not been made: nothing yet.
    assert!(check("2026-07-05").is_empty(), "{:?}", check("2026-07-05"));
}

#[tokio::test]
async fn a_past_day_is_judged_on_what_had_happened_by_then() {
    use xianfeng_domain::scope::Role;
    let app = TestApp::spawn().await;
    let dist = app.district().await;
    app.member(dist.a, "甲", 1).await;
    app.member(dist.a, "乙", 2).await;
    let moved = app.member(dist.b, "丙", 3).await;
    let c = app
        .login_as("jd_admin2", Role::OrgAdmin, Some(dist.street), None)
        .await;
    // 丙 moves from branch B to branch A on 1 June 2026.
    let r = app
        .post_form(
            &c,
            &format!("/members/{moved}/transfer"),
            &[("target", "JD-01"), ("date", "2026-06-01")],
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let org001 = |as_of: &str| {
        let mut codes: Vec<String> = check_cli(&app, "ORG-001", as_of, None)
            .iter()
            .map(|f| f["org"].as_str().unwrap().to_string())
            .collect();
        codes.sort();
        codes
    };
    // Today A has three full members, B none; on 1 January A had two and B one.
    assert!(!org001("2026-11-23").contains(&"JD-01".to_string()));
    let then = org001("2026-01-01");
    assert!(then.contains(&"JD-01".to_string()), "{then:?}");

    // A letter to branch B issued in May, valid to 1 August, used on 1 September: as of 15
    // August the person had not reported and the letter had expired; today it was used late.
    let letter = app
        .post_form(
            &c,
            &format!("/members/{moved}/letters"),
            &[
                ("letter_no", "组转〔2026〕9号"),
                ("to_code", "JD-02"),
                ("issued_on", "2026-05-01"),
            ],
        )
        .await;
    assert_eq!(letter.status(), reqwest::StatusCode::SEE_OTHER);
    let id: i64 = app
        .store
        .letters_of(
            &Scope::Subtree {
                root_id: dist.root,
                path: xianfeng_domain::org::OrgPath::root(dist.root),
                write: false,
            },
            moved,
        )
        .await
        .unwrap()[0]
        .id;
    let r = app
        .post_form(
            &c,
            &format!("/letters/{id}/report"),
            &[("reported_on", "2026-09-01")],
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let mem004 = |as_of: &str| messages(&check_cli(&app, "MEM-004", as_of, None));
    let before = mem004("2026-08-15");
    assert!(
        before.len() == 1 && before[0].contains("尚未报到"),
        "{before:?}"
    );
    assert!(mem004("2026-04-30").is_empty(), "not issued yet");
    let now = mem004("2026-11-23");
    assert!(now.len() == 1 && now[0].contains("才报到"), "{now:?}");
}

#[tokio::test]
async fn terms_keep_their_history_and_a_past_day_is_judged_by_the_term_then() {
    let app = TestApp::spawn().await;
    let dist = app.district().await;
    let set_term = |start: &'static str, end: &'static str| {
        let app = &app;
        async move {
            let o = app.store.org_get(&Scope::Structure, dist.a).await.unwrap();
            let mut f = org_fields(&o.code, &o.name, "branch");
            f.term_start = Some(d(start));
            f.term_end = Some(d(end));
            app.store
                .org_update(&Actor::cli("test"), &Scope::Structure, dist.a, None, &f)
                .await
                .unwrap();
        }
    };
    // A community branch (five-year terms) elected in 2017, late to re-elect, re-elected in
    // March 2022.
    set_term("2017-01-01", "2022-01-01").await;
    set_term("2022-03-01", "2025-03-01").await;
    let terms = app.store.org_terms(dist.a).await.unwrap();
    assert_eq!(terms.len(), 2);
    assert_eq!(terms[0].term_start, d("2022-03-01"));
    let org004 = |as_of: &str| messages(&check_cli(&app, "ORG-004", as_of, Some("JD-01")));
    // In February 2022 the 2019 term had expired and no election was on record yet.
    let then = org004("2022-02-01");
    assert!(
        then.len() == 1 && then[0].contains("2017-01-01"),
        "{then:?}"
    );
    // In mid-2021 it was still running, more than 180 days from its end.
    assert!(org004("2021-06-01").is_empty());
    // Today the 2022 term is judged: it ends within 180 days.
    let now = org004("2026-11-23");
    assert!(now.len() == 1 && now[0].contains("2027-03-01"), "{now:?}");
}

#[tokio::test]
async fn a_past_day_checks_people_who_left_the_roster_after_it() {
    use xianfeng_domain::scope::Role;
    let app = TestApp::spawn().await;
    let dist = app.district().await;
    let gone = app.member(dist.a, "丁", 4).await;
    let c = app
        .login_as("jd_admin3", Role::OrgAdmin, Some(dist.street), None)
        .await;
    // A letter to an organisation outside the system, issued in May and valid to 1 August;
    // the person reported there on 1 September and left the roster that day.
    let r = app
        .post_form(
            &c,
            &format!("/members/{gone}/letters"),
            &[
                ("letter_no", "组转〔2026〕12号"),
                ("to_outside", "外省某县委组织部"),
                ("issued_on", "2026-05-01"),
            ],
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let scope = Scope::Subtree {
        root_id: dist.root,
        path: xianfeng_domain::org::OrgPath::root(dist.root),
        write: false,
    };
    let id = app.store.letters_of(&scope, gone).await.unwrap()[0].id;
    let r = app
        .post_form(
            &c,
            &format!("/letters/{id}/report"),
            &[("reported_on", "2026-09-01")],
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let m = app.store.member_get(&scope, gone).await.unwrap();
    assert!(m.is_archived(), "reported outside: left the roster");
    let mem004 = |as_of: &str| messages(&check_cli(&app, "MEM-004", as_of, None));
    // On 15 August the person was still on the roster, with an expired letter not reported.
    let then = mem004("2026-08-15");
    assert!(then.len() == 1 && then[0].contains("尚未报到"), "{then:?}");
    // Today the person has left: nothing is judged.
    assert!(mem004("2026-11-23").is_empty());
}

/// A rule number out of its range is refused when set, with the field and the range named;
/// what is stored keeps working.
#[tokio::test]
async fn rule_numbers_are_checked_when_set() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let mut cfg = app.store.rules_config().await.unwrap();
    let before = cfg.clone();
    cfg.versions[0].numbers.dues.unpaid_months = 0;
    match app
        .store
        .set_rules_config(&xianfeng_store::Actor::cli("test"), &cfg)
        .await
    {
        Err(xianfeng_store::StoreError::Invalid { message, .. }) => {
            assert!(
                message.contains("dues.unpaid_months") && message.contains("1 到 24"),
                "{message}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let stored = app.store.rules_config().await.unwrap();
    assert_eq!(
        serde_json::to_string(&stored).unwrap(),
        serde_json::to_string(&before).unwrap(),
        "nothing stored"
    );
    // Writes re-check as before.
    app.member(d.a, "照常", 91).await;
}
