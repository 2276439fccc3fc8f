//! The maintained counts (each organisation's active people by status, its whole subtree, and
//! the statistics table's dimensions) equal the count over the roster after every step of a
//! random sequence of roster changes: people added (one by one and by import), status changes,
//! edits of every counted field, transfers, archiving and restoring, subtree moves, new
//! organisations, days passing that move people between age and standing bands, the daily
//! check opening and closing findings (counted per subtree by rule). After each
//! step the statistics table read from the maintained counts equals the reference recount.

use xianfeng_domain::members::{ArchiveReason, MemberInput};
use xianfeng_domain::scope::Scope;
use xianfeng_store::Actor;

use crate::helpers::*;

/// A small deterministic generator (the sequence is the same on every run and database).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

/// Someone of `people` still on the roster, at random.
fn pick_live(rng: &mut Lcg, people: &[(i64, u32, bool)], archived: &[i64]) -> Option<i64> {
    let live: Vec<i64> = people
        .iter()
        .map(|p| p.0)
        .filter(|id| !archived.contains(id))
        .collect();
    (!live.is_empty()).then(|| live[rng.below(live.len())])
}

fn applicant(name: &str, seq: u32) -> MemberInput {
    MemberInput {
        name: name.into(),
        id_number: id_number("1998-02-02", seq),
        status: "applicant".into(),
        application_date: "2026-01-05".into(),
        ..Default::default()
    }
}

/// A party member whose birth and admission dates lie a day or two after a band threshold
/// of today, so that the next days move them into the next band; with varied ethnicity,
/// education and category.
fn varied(rng: &mut Lcg, today: chrono::NaiveDate, seq: u32) -> MemberInput {
    use xianfeng_domain::dates::add_months;
    let years = [31, 36, 41, 61, 81, 25][rng.below(6)];
    let birth = add_months(today, -12 * years) + chrono::Duration::days(1 + rng.below(2) as i64);
    // Admitted at 19 or later.
    let fits: Vec<i32> = [6, 11, 21, 3]
        .into_iter()
        .filter(|s| *s <= years - 19)
        .collect();
    let standing = fits[rng.below(fits.len())];
    let admission =
        add_months(today, -12 * standing) + chrono::Duration::days(1 + rng.below(2) as i64);
    MemberInput {
        name: format!("党员{seq}"),
        id_number: id_number(&birth.to_string(), seq),
        status: "full".into(),
        ethnicity: ["汉族", "回族", "蒙古族", ""][rng.below(4)].into(),
        education: ["", "大学本科", "研究生", "高中"][rng.below(4)].into(),
        category: ["在职", "离退休", "农牧渔民"][rng.below(3)].into(),
        admission_date: admission.to_string(),
        conversion_date: add_months(admission, 12).to_string(),
        ..Default::default()
    }
}

async fn agree(app: &TestApp, step: &str, orgs: &[i64]) {
    let all = Scope::whole_tree();
    let today = app.clock.today();
    // The table read from the maintained counts (moving them to today's bands when the day
    // changed) equals the recount over the roster, for the root, a committee and a branch.
    for &org in orgs {
        let o = app.store.org_get(&all, org).await.unwrap();
        let scope = Scope::Subtree {
            root_id: org,
            path: o.org_path(),
            write: false,
        };
        let fast = app.store.stats_report(&scope, org, today).await.unwrap();
        let slow = app.store.stats_recount(&scope, org, today).await.unwrap();
        assert_eq!(fast, slow, "after {step}, organisation {}", o.code);
    }
    let wrong = app.store.counts_differences().await.unwrap();
    assert!(wrong.is_empty(), "after {step}: {wrong:?}");
}

#[tokio::test]
async fn maintained_counts_equal_the_roster_after_every_change() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let actor = Actor::cli("test");
    let all = Scope::whole_tree();
    let mut branches = vec![d.a, d.b, d.c];
    let committees = [d.street, d.other];
    // (id, seq, applicant still)
    let mut people: Vec<(i64, u32, bool)> = Vec::new();
    let mut archived: Vec<i64> = Vec::new();
    let mut seq = 1000u32;
    let mut rng = Lcg(7);
    let watched = [d.root, d.street, d.a];
    agree(&app, "the start", &watched).await;
    let mut varied_people: Vec<(i64, MemberInput)> = Vec::new();
    for step in 0..90 {
        let op = rng.below(11);
        let label = match op {
            0 | 1 => {
                seq += 1;
                let org = branches[rng.below(branches.len())];
                if op == 0 {
                    let input = varied(&mut rng, app.clock.today(), seq);
                    let id = app.person(org, input.clone()).await;
                    varied_people.push((id, input));
                    people.push((id, seq, false));
                } else {
                    let id = app
                        .person(org, applicant(&format!("申请人{seq}"), seq))
                        .await;
                    people.push((id, seq, true));
                }
                "add"
            }
            2 => {
                // An applicant becomes an activist (an edit of the counted status).
                let Some(p) = people.iter_mut().find(|p| p.2 && !archived.contains(&p.0)) else {
                    continue;
                };
                let fields = MemberInput {
                    status: "activist".into(),
                    activist_date: "2026-06-01".into(),
                    ..applicant(&format!("申请人{}", p.1), p.1)
                }
                .parse(app.clock.today())
                .unwrap();
                app.store
                    .member_update(&actor, &all, p.0, None, &fields)
                    .await
                    .unwrap();
                p.2 = false;
                "status"
            }
            3 => {
                let Some(who) = pick_live(&mut rng, &people, &archived) else {
                    continue;
                };
                let to = branches[rng.below(branches.len())];
                let m = app.store.member_get(&all, who).await.unwrap();
                if m.org_id == to {
                    continue;
                }
                app.store
                    .member_transfer(&actor, &all, who, to, app.clock.today(), None)
                    .await
                    .unwrap();
                "transfer"
            }
            4 => {
                let Some(who) = pick_live(&mut rng, &people, &archived) else {
                    continue;
                };
                app.store
                    .member_archive(
                        &actor,
                        &all,
                        who,
                        ArchiveReason::Other,
                        app.clock.today(),
                        Some("测试"),
                    )
                    .await
                    .unwrap();
                archived.push(who);
                "archive"
            }
            5 => {
                let Some(who) = archived.pop() else { continue };
                app.store
                    .member_restore(&actor, &all, who, Some("恢复"))
                    .await
                    .unwrap();
                "restore"
            }
            6 => {
                // A branch moves to the other committee, with everyone in it.
                let b = branches[rng.below(branches.len())];
                let o = app.store.org_get(&all, b).await.unwrap();
                let to = if o.parent_id == Some(committees[0]) {
                    committees[1]
                } else {
                    committees[0]
                };
                app.store.org_move(&actor, &all, b, to).await.unwrap();
                "move"
            }
            7 => {
                let n = branches.len();
                let parent = committees[rng.below(2)];
                let code = format!("NB-{n:02}");
                let id = app
                    .org(Some(parent), &code, &format!("新建第{n}党支部"), "branch")
                    .await;
                branches.push(id);
                "new organisation"
            }
            8 => {
                // Import of two new people into a branch, by the command-line code.
                let b = branches[rng.below(branches.len())];
                let code = app.store.org_get(&all, b).await.unwrap().code;
                let mut csv =
                    "姓名,公民身份号码,政治面貌,入党日期,转正日期,所在党组织\n".to_string();
                for _ in 0..2 {
                    seq += 1;
                    csv.push_str(&format!(
                        "导入{seq},{},中共党员,2010-07-01,2011-07-01,{code}\n",
                        id_number("1985-08-08", seq)
                    ));
                }
                let report = xianfeng_web::imports::import_members(
                    &app.store,
                    &actor,
                    csv.as_bytes(),
                    &xianfeng_web::imports::MemberImport {
                        within: Some("QW".into()),
                        source: "测试.csv".into(),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
                assert!(report.committed, "{report:?}");
                app.clock.advance(chrono::Duration::days(1));
                "import, then a day passes"
            }
            9 => {
                // An edit of the counted fields: ethnicity, education, category, admission.
                if varied_people.is_empty() {
                    continue;
                }
                let i = rng.below(varied_people.len());
                let (id, before) = varied_people[i].clone();
                if archived.contains(&id) {
                    continue;
                }
                let birth = xianfeng_domain::parse_date(&before.birth_date)
                    .ok()
                    .or_else(|| {
                        let id = &before.id_number;
                        chrono::NaiveDate::parse_from_str(&id[6..14], "%Y%m%d").ok()
                    })
                    .unwrap();
                let at_19 = xianfeng_domain::dates::add_months(birth, 12 * 19);
                let admission = xianfeng_domain::dates::add_months(
                    app.clock.today(),
                    -12 * [2, 9, 30][rng.below(3)],
                )
                .max(at_19);
                let input = MemberInput {
                    ethnicity: ["汉族", "壮族", ""][rng.below(3)].into(),
                    education: ["初中及以下", "", "大学专科"][rng.below(3)].into(),
                    category: ["学生", "在职", "流动"][rng.below(3)].into(),
                    admission_date: admission.to_string(),
                    conversion_date: xianfeng_domain::dates::add_months(admission, 12)
                        .min(app.clock.today())
                        .to_string(),
                    ..before
                };
                let fields = input.parse(app.clock.today()).unwrap();
                app.store
                    .member_update(&actor, &all, id, None, &fields)
                    .await
                    .unwrap();
                varied_people[i].1 = input;
                "edit of counted fields"
            }
            _ => {
                // The day passes and the daily check opens and closes findings (counted per
                // subtree as well).
                app.clock.advance(chrono::Duration::days(1));
                app.store.findings_full_run().await.unwrap();
                "a day passes, with the daily check"
            }
        };
        agree(&app, &format!("step {step} ({label})"), &watched).await;
    }
    // The tree's and the roster page's totals come from the maintained counts.
    let root = app.store.org_node(&all, d.root).await.unwrap();
    let members: i64 = app
        .scalar(
            "SELECT COUNT(*) FROM members WHERE archived_at IS NULL AND status IN \
             ('probationary', 'full')",
        )
        .await;
    assert!(members > 10, "{members}");
    assert_eq!(root.member_count, members);
    let listed = app
        .store
        .member_list(
            &all,
            &xianfeng_store::members::MemberFilter {
                party_only: true,
                ..Default::default()
            },
            xianfeng_store::PageReq::new(None, None),
        )
        .await
        .unwrap();
    assert_eq!(listed.total, members);
    let open: i64 = app
        .scalar("SELECT COUNT(*) FROM findings WHERE resolved_at IS NULL")
        .await;
    assert!(open > 0, "the sequence opened findings");
    // Damage is found and repaired from the roster.
    app.execute("UPDATE org_counts SET n = n + 5 WHERE org_id = (SELECT MIN(id) FROM orgs)")
        .await;
    assert!(!app.store.counts_differences().await.unwrap().is_empty());
    assert!(app.store.counts_rebuild().await.unwrap() > 0);
    agree(&app, "the repair", &watched).await;
    app.execute("UPDATE stat_counts SET n = n + 1 WHERE dim = 'a'")
        .await;
    assert!(!app.store.counts_differences().await.unwrap().is_empty());
    assert!(app.store.counts_rebuild().await.unwrap() > 0);
    agree(&app, "the repair of the statistics", &watched).await;
}
