//! The maintained counts (each organisation's active people by status, its whole subtree) equal
//! the count over the roster after every step of a random sequence of roster changes: people
//! added (one by one and by import), status changes, transfers, archiving and restoring,
//! subtree moves, new organisations, days passing.

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

async fn agree(app: &TestApp, step: &str) {
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
    agree(&app, "the start").await;
    for step in 0..70 {
        let op = rng.below(9);
        let label = match op {
            0 | 1 => {
                seq += 1;
                let org = branches[rng.below(branches.len())];
                if op == 0 {
                    let id = app.member(org, &format!("党员{seq}"), seq).await;
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
            _ => {
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
        };
        agree(&app, &format!("step {step} ({label})")).await;
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
    // Damage is found and repaired from the roster.
    app.execute("UPDATE org_counts SET n = n + 5 WHERE org_id = (SELECT MIN(id) FROM orgs)")
        .await;
    assert!(!app.store.counts_differences().await.unwrap().is_empty());
    assert!(app.store.counts_rebuild().await.unwrap() > 0);
    agree(&app, "the repair").await;
}
