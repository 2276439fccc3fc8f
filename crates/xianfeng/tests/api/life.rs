//! Organisational life: office holders as posts of roster people, meetings with check-in,
//! proxy check-in, quorum, make-ups and decisions, and the meeting rules MTG-001..006.

use reqwest::StatusCode;
use xianfeng_domain::life::MeetingInput;
use xianfeng_domain::members::MemberInput;
use xianfeng_domain::scope::{Role, Scope};
use xianfeng_store::audit::AuditFilter;
use xianfeng_store::posts::Appointment;
use xianfeng_store::Actor;

use crate::helpers::*;

async fn full(app: &TestApp, org: i64, name: &str, seq: u32) -> i64 {
    app.member(org, name, seq).await
}

async fn probationary(app: &TestApp, org: i64, name: &str, seq: u32) -> i64 {
    app.person(
        org,
        MemberInput {
            name: name.into(),
            id_number: id_number("1995-03-03", seq),
            status: "probationary".into(),
            admission_date: "2026-06-01".into(),
            ..Default::default()
        },
    )
    .await
}

async fn events(app: &TestApp, event: &str) -> Vec<String> {
    app.store
        .audit_export(&AuditFilter {
            event: Some(event.into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.summary)
        .collect()
}

#[tokio::test]
async fn office_holders_are_posts_of_roster_people() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let zhang = full(&app, d.a, "张三", 1).await;
    let wang1 = full(&app, d.a, "王五", 2).await;
    let _wang2 = full(&app, d.a, "王五", 3).await;
    let zhao = full(&app, d.a, "赵六", 4).await;
    let li = probationary(&app, d.a, "李七", 5).await;
    // Free text of an earlier version: one name matches one person, one nobody, one two.
    app.execute(&format!(
        "UPDATE orgs SET secretary = '张三', committee_members = '李四、王五' WHERE id = {}",
        d.a
    ))
    .await;
    assert_eq!(app.store.posts_from_text().await.unwrap(), 1);
    assert_eq!(app.store.posts_from_text().await.unwrap(), 0, "once");
    let posts = app.store.posts_of(&Scope::whole_tree(), d.a).await.unwrap();
    let linked: Vec<(&str, Option<i64>)> = posts
        .iter()
        .map(|p| (p.holder_name.as_str(), p.member_id))
        .collect();
    assert_eq!(
        linked,
        vec![("张三", Some(zhang)), ("李四", None), ("王五", None)]
    );
    let org = app.store.org_get(&Scope::Structure, d.a).await.unwrap();
    assert_eq!(org.secretary.as_deref(), Some("张三"));
    assert_eq!(org.committee_members.as_deref(), Some("李四、王五"));

    let adm = app
        .login_as("adm_life", Role::OrgAdmin, Some(d.a), None)
        .await;
    let html = app.html(&adm, "/team/unresolved").await;
    assert!(html.contains("李四") && html.contains("王五"), "{html}");
    // The ambiguous name is linked by a person.
    let wang_post = posts.iter().find(|p| p.holder_name == "王五").unwrap().id;
    let r = app
        .post_form(
            &adm,
            &format!("/posts/{wang_post}/resolve"),
            &[("member_id", &wang1.to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", flash(&r));
    assert!(flash(&r).starts_with("ok:"), "{}", flash(&r));
    // A probationary member cannot hold a post; nor can a second secretary be appointed.
    let r = app
        .post_form(
            &adm,
            &format!("/orgs/{}/team/appoint", d.a),
            &[
                ("post", "member"),
                ("member_id", &li.to_string()),
                ("start_date", "2026-11-01"),
            ],
        )
        .await;
    assert!(flash(&r).contains("预备党员没有被选举权"), "{}", flash(&r));
    let r = app
        .post_form(
            &adm,
            &format!("/orgs/{}/team/appoint", d.a),
            &[
                ("post", "secretary"),
                ("member_id", &zhao.to_string()),
                ("start_date", "2026-11-01"),
            ],
        )
        .await;
    assert!(flash(&r).contains("已有现任书记"), "{}", flash(&r));
    // An election replaces the team and records the term, in one step.
    let r = app
        .post_form(
            &adm,
            &format!("/orgs/{}/team/elect", d.a),
            &[
                ("elected_on", "2026-11-10"),
                ("term_end", "2029-11-09"),
                ("post_0", "secretary"),
                ("seat_0", &zhao.to_string()),
                ("post_2", "organisation"),
                ("seat_2", &wang1.to_string()),
                ("post_3", "propaganda"),
                ("seat_3", ""),
            ],
        )
        .await;
    assert!(flash(&r).starts_with("ok:"), "{}", flash(&r));
    let posts = app.store.posts_of(&Scope::whole_tree(), d.a).await.unwrap();
    let current: Vec<(&str, &str)> = posts
        .iter()
        .filter(|p| p.is_current())
        .map(|p| (p.post.as_str(), p.holder_name.as_str()))
        .collect();
    assert_eq!(
        current,
        vec![("secretary", "赵六"), ("organisation", "王五")]
    );
    let ended: Vec<_> = posts.iter().filter(|p| !p.is_current()).collect();
    assert_eq!(ended.len(), 3);
    assert!(ended
        .iter()
        .all(|p| p.end_date == Some("2026-11-10".parse().unwrap())
            && p.end_reason.as_deref() == Some("换届")));
    let org = app.store.org_get(&Scope::Structure, d.a).await.unwrap();
    assert_eq!(org.secretary.as_deref(), Some("赵六"));
    assert_eq!(org.term_start, Some("2026-11-10".parse().unwrap()));
    assert_eq!(org.term_end, Some("2029-11-09".parse().unwrap()));
    assert_eq!(events(&app, "org.election").await.len(), 1);
    // The organisation page shows the team; the history is on the team page.
    let html = app.html(&adm, &format!("/orgs/{}", d.a)).await;
    assert!(html.contains("班子成员") && html.contains("赵六"), "{html}");
    let html = app.html(&adm, &format!("/orgs/{}/team", d.a)).await;
    assert!(html.contains("历任") && html.contains("张三"), "{html}");
    // ORG-005 reads the posts: ending the only secretary opens it.
    let sec = posts
        .iter()
        .find(|p| p.is_current() && p.post == "secretary")
        .unwrap()
        .id;
    let r = app
        .post_form(
            &adm,
            &format!("/posts/{sec}/end"),
            &[("end_date", "2026-11-20"), ("reason", "工作调动")],
        )
        .await;
    assert!(flash(&r).starts_with("ok:"), "{}", flash(&r));
    let open = app
        .store
        .findings_of(&Scope::whole_tree(), "org", d.a)
        .await
        .unwrap();
    assert!(open.iter().any(|f| f.rule == "ORG-005"), "{open:?}");
}

fn plan(kind: &str, date: &str, topic: &str) -> MeetingInput {
    MeetingInput {
        kind: kind.into(),
        date: date.into(),
        topic: topic.into(),
        place: "党员活动室".into(),
        ..Default::default()
    }
}

async fn held(app: &TestApp, org: i64, kind: &str, date: &str) -> i64 {
    let cfg = app.store.life_config().await.unwrap();
    app.store
        .meeting_create(
            &Actor::cli("test"),
            &Scope::whole_tree(),
            org,
            &plan(kind, date, "学习").parse(&cfg).unwrap(),
            &[],
            true,
        )
        .await
        .unwrap()
        .id
}

fn keys(findings: &[serde_json::Value], rule: &str) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn meeting_rules_judge_periods_once_ended() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    // A branch of seven full members with a committee, founded at the start of 2026.
    let seven = app
        .org(Some(d.street), "JD-07", "第七社区党支部", "branch")
        .await;
    let mut people = Vec::new();
    for k in 0..7 {
        people.push(full(&app, seven, &format!("七支{k}"), 100 + k).await);
    }
    app.store
        .posts_elect(
            &Actor::cli("test"),
            &Scope::whole_tree(),
            seven,
            "2025-12-20".parse().unwrap(),
            None,
            &[
                Appointment {
                    post: "secretary".into(),
                    member_id: people[0],
                },
                Appointment {
                    post: "organisation".into(),
                    member_id: people[1],
                },
                Appointment {
                    post: "propaganda".into(),
                    member_id: people[2],
                },
            ],
        )
        .await
        .unwrap();
    // A branch of five without a committee.
    let five = app
        .org(Some(d.street), "JD-05", "第五社区党支部", "branch")
        .await;
    for k in 0..5 {
        full(&app, five, &format!("五支{k}"), 200 + k).await;
    }
    app.execute("UPDATE orgs SET founded_on = '2026-01-01' WHERE code IN ('JD-07', 'JD-05')")
        .await;
    held(&app, seven, "committee", "2026-01-15").await;
    held(&app, seven, "committee", "2026-03-10").await;

    let f = check_cli(&app, "MTG", "2026-04-01", Some("JD-07"));
    assert_eq!(
        keys(&f, "MTG-001"),
        vec!["2026 年第一季度未召开支部党员大会（每季度至少一次）"]
    );
    assert_eq!(
        keys(&f, "MTG-002"),
        vec!["2026 年 2 月未召开支部委员会（每月至少一次）"]
    );
    // On 10 March, March is not late; February is.
    let f = check_cli(&app, "MTG-00", "2026-03-10", Some("JD-07"));
    assert!(keys(&f, "MTG-001").is_empty(), "{f:?}");
    assert_eq!(keys(&f, "MTG-002").len(), 1);
    // No committee, no MTG-002.
    let f = check_cli(&app, "MTG-002", "2026-04-01", Some("JD-05"));
    assert!(f.is_empty(), "{f:?}");
    // The stored findings (judged today) hold the first quarter until a general meeting of
    // 20 March is recorded — through the page, as the secretary would.
    let q1 = |v: &Vec<xianfeng_store::compliance::StoredFinding>| {
        v.iter()
            .any(|f| f.rule == "MTG-001" && f.message.contains("2026 年第一季度"))
    };
    let stored = app
        .store
        .findings_of(&Scope::whole_tree(), "org", seven)
        .await
        .unwrap();
    assert!(q1(&stored), "{stored:?}");
    let adm = app
        .login_as("adm7", Role::OrgAdmin, Some(seven), None)
        .await;
    let r = app
        .post_form(
            &adm,
            "/meetings",
            &[
                ("org", &seven.to_string()),
                ("kind", "general"),
                ("date", "2026-03-20"),
                ("topic", "发展党员表决"),
                ("place", "会议室"),
                ("held", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", flash(&r));
    let stored = app
        .store
        .findings_of(&Scope::whole_tree(), "org", seven)
        .await
        .unwrap();
    assert!(!q1(&stored), "cleared on the write: {stored:?}");
    let f = check_cli(&app, "MTG-001", "2026-04-01", Some("JD-07"));
    assert!(f.is_empty(), "{f:?}");
    // The calendar of March shows the meeting.
    let html = app
        .html(&adm, &format!("/meetings?org={seven}&month=2026-03"))
        .await;
    assert!(
        html.contains("支部党员大会") && html.contains("发展党员表决"),
        "{html}"
    );
}

#[tokio::test]
async fn check_in_proxy_quorum_and_make_ups() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let mut people = Vec::new();
    for k in 0..7 {
        people.push(full(&app, d.a, &format!("党员{k}"), 300 + k).await);
    }
    let prob = probationary(&app, d.a, "预备甲", 320).await;
    let outsider = full(&app, d.b, "外支部", 330).await;
    let adm = app
        .login_as("adm_life", Role::OrgAdmin, Some(d.a), None)
        .await;
    let me = app
        .login_as("member0", Role::Member, None, Some(people[0]))
        .await;
    let other = app
        .login_as("outsider", Role::Member, None, Some(outsider))
        .await;
    let today = app.clock.today().to_string();
    let r = app
        .post_form(
            &adm,
            "/meetings",
            &[
                ("org", &d.a.to_string()),
                ("kind", "general"),
                ("date", &today),
                ("start_time", "14:30"),
                ("topic", "接收预备党员"),
                ("place", "会议室"),
                ("host_id", &people[0].to_string()),
                ("recorder_id", &people[1].to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", flash(&r));
    let id: i64 = location(&r).rsplit('/').next().unwrap().parse().unwrap();
    let attendees = app
        .store
        .meeting_attendees(&Scope::whole_tree(), id)
        .await
        .unwrap();
    assert_eq!(attendees.len(), 8, "probationary members are expected too");
    assert_eq!(attendees.iter().filter(|a| a.full_member).count(), 7);
    assert!(flash(
        &app.post_form(&adm, &format!("/meetings/{id}/step/notice"), &[])
            .await
    )
    .starts_with("ok:"));
    let r = app
        .post_form(&adm, &format!("/meetings/{id}/step/open"), &[])
        .await;
    assert_eq!(location(&r), format!("/meetings/{id}/qr"));
    let qr = app.html(&adm, &format!("/meetings/{id}/qr")).await;
    assert!(
        qr.contains("<svg") && qr.contains("http-equiv=\"refresh\""),
        "{qr}"
    );
    let (step, code) = app
        .store
        .meeting_checkin_code(&Scope::whole_tree(), id)
        .await
        .unwrap();
    assert!(qr.contains(&code));
    // Someone not expected is refused; an expected attendee checks in.
    let url = format!("/meetings/{id}/checkin?s={step}&c={code}");
    let r = app.get_with(&other, &url).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("不在本次会议的应到名单中"));
    let r = app.get_with(&me, &url).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("签到成功"));
    // A code older than 30 seconds is refused.
    app.clock.advance(chrono::Duration::seconds(31));
    let r = app.get_with(&me, &url).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("已过期"));
    let r = app
        .get_with(
            &me,
            &format!("/meetings/{id}/checkin?s={step}&c=000000000000000000000000"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The host checks someone in on their behalf: audited with the reason.
    let r = app
        .post_form(
            &adm,
            &format!("/meetings/{id}/proxy"),
            &[
                ("member_id", &people[1].to_string()),
                ("note", "手机没电，本人在场"),
            ],
        )
        .await;
    assert!(flash(&r).starts_with("ok:"), "{}", flash(&r));
    let proxy = events(&app, "meeting.proxy_checkin").await;
    assert!(
        proxy.len() == 1 && proxy[0].contains("代签") && proxy[0].contains("手机没电"),
        "{proxy:?}"
    );
    // Two of seven full members present: a vote is refused and nothing recorded.
    let vote = [
        ("subject", "接收预备甲为预备党员"),
        ("yes", "2"),
        ("no", "0"),
        ("abstain", "0"),
    ];
    let r = app
        .post_form(&adm, &format!("/meetings/{id}/vote"), &vote)
        .await;
    assert!(flash(&r).contains("不足法定人数"), "{}", flash(&r));
    assert!(app
        .store
        .meeting_votes(&Scope::whole_tree(), id)
        .await
        .unwrap()
        .is_empty());
    // Closed; the recorder ticks the rest on the minutes form.
    app.post_form(&adm, &format!("/meetings/{id}/step/close"), &[])
        .await;
    let st = |k: usize| format!("st_{}", people[k]);
    let why = |k: usize| format!("why_{}", people[k]);
    let (s2, s3, s4, s5, s6, w5) = (st(2), st(3), st(4), st(5), st(6), why(5));
    let sp = format!("st_{prob}");
    // A leave without its reason is refused: the page comes back with everything typed.
    let r = app
        .post_form(
            &adm,
            &format!("/meetings/{id}/minutes"),
            &[("minutes", "第一段。\n第二段。"), (&s5, "leave")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("党员5请假，须填写事由") && html.contains("第一段。\n第二段。"),
        "{html}"
    );
    let r = app
        .post_form(
            &adm,
            &format!("/meetings/{id}/minutes"),
            &[
                ("minutes", "讨论接收预备党员。"),
                ("decisions", "走访困难党员\r\n整理党员档案"),
                (&s2, "present"),
                (&s3, "present"),
                (&s4, "absent"),
                (&s5, "leave"),
                (&w5, "出差"),
                (&s6, "absent"),
                (&sp, "present"),
            ],
        )
        .await;
    assert!(flash(&r).starts_with("ok:"), "{}", flash(&r));
    // Four of seven full members (the probationary member has no vote): quorum.
    let r = app
        .post_form(
            &adm,
            &format!("/meetings/{id}/vote"),
            &[
                ("subject", "接收预备甲为预备党员"),
                ("yes", "4"),
                ("no", "0"),
                ("abstain", "0"),
            ],
        )
        .await;
    assert!(flash(&r).starts_with("ok:"), "{}", flash(&r));
    let votes = app
        .store
        .meeting_votes(&Scope::whole_tree(), id)
        .await
        .unwrap();
    assert_eq!((votes[0].voters, votes[0].voters_present), (7, 4));
    // Absences stay open until a make-up.
    let open = |v: &Vec<xianfeng_store::meetings::OpenAbsence>| {
        let mut n: Vec<i64> = v.iter().map(|a| a.attendee.member_id).collect();
        n.sort();
        n
    };
    let absences = app
        .store
        .open_absences(&Scope::whole_tree(), d.a)
        .await
        .unwrap();
    assert_eq!(open(&absences), vec![people[4], people[5], people[6]]);
    let r = app
        .post_form(
            &adm,
            &format!("/meetings/{id}/makeup"),
            &[
                ("member_id", &people[4].to_string()),
                ("makeup_on", &today),
                ("note", "自学会议精神并交流"),
            ],
        )
        .await;
    assert!(flash(&r).starts_with("ok:"), "{}", flash(&r));
    let absences = app
        .store
        .open_absences(&Scope::whole_tree(), d.a)
        .await
        .unwrap();
    assert_eq!(open(&absences), vec![people[5], people[6]]);
    let html = app
        .html(&adm, &format!("/meetings/attendance?org={}", d.a))
        .await;
    assert!(html.contains("待补课（2）"), "{html}");
    // A decision reaches its owner, who closes it.
    let r = app
        .post_form(
            &adm,
            &format!("/meetings/{id}/items"),
            &[
                ("title", "走访困难党员"),
                ("owner_id", &people[0].to_string()),
                ("due_date", "2026-12-31"),
            ],
        )
        .await;
    assert!(flash(&r).starts_with("ok:"), "{}", flash(&r));
    let home = app.html(&me, "/").await;
    assert!(home.contains("走访困难党员"), "{home}");
    let item = app.store.items_owned(people[0]).await.unwrap()[0].id;
    let r = app
        .post_form(
            &me,
            &format!("/items/{item}/close"),
            &[("note", "已走访 3 户"), ("back", "/")],
        )
        .await;
    assert!(flash(&r).starts_with("ok:"), "{}", flash(&r));
    assert!(app.store.items_owned(people[0]).await.unwrap().is_empty());
    // The host approves the minutes; the register prints one page per meeting.
    app.post_form(&adm, &format!("/meetings/{id}/step/approve"), &[])
        .await;
    let m = app
        .store
        .meeting_get(&Scope::whole_tree(), id)
        .await
        .unwrap();
    assert_eq!(m.status, "approved");
    assert_eq!(
        m.decisions.as_deref(),
        Some("走访困难党员\n整理党员档案"),
        "lines kept"
    );
    let reg = app
        .html(&adm, &format!("/meetings/register?org={}", d.a))
        .await;
    assert!(reg.contains("主持人签字") && reg.contains("出差"), "{reg}");
    let x = app
        .get_with(&adm, &format!("/meetings/register.xlsx?org={}", d.a))
        .await;
    assert_eq!(x.status(), StatusCode::OK);
    let bytes = x.bytes().await.unwrap();
    let rows = read_xlsx(&bytes);
    assert!(
        rows.iter().any(|r| r.iter().any(|c| c == "接收预备党员")),
        "{rows:?}"
    );
}

/// Every cell of the first sheet, as text.
fn read_xlsx(bytes: &[u8]) -> Vec<Vec<String>> {
    use calamine::{Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[tokio::test]
async fn a_joint_meeting_system_meets_twice_a_month() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let chief = full(&app, d.a, "总召集", 401).await;
    let convener = full(&app, d.b, "召集人", 402).await;
    let other = full(&app, d.a, "非召集", 403).await;
    let adm = app
        .login_as("adm_street", Role::OrgAdmin, Some(d.street), None)
        .await;
    let r = app
        .post_form(
            &adm,
            "/joint",
            &[
                ("org", &d.street.to_string()),
                ("name", "党群共建创先争优联席会议"),
                ("min_per_month", "2"),
                ("started_on", "2026-03-01"),
                ("chief", &chief.to_string()),
                ("convener_0", &convener.to_string()),
                ("title_0", "街道总工会主席"),
                ("unit", &d.a.to_string()),
                ("unit", &d.b.to_string()),
                ("outside", "街道总工会\n团工委\n妇联"),
            ],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let joint: i64 = location(&r).rsplit('/').next().unwrap().parse().unwrap();
    let units = app
        .store
        .joint_units(&Scope::whole_tree(), joint)
        .await
        .unwrap();
    assert_eq!(units.len(), 5);
    let meet = |host: i64, date: &'static str| {
        let host = host.to_string();
        let street = d.street.to_string();
        let joint = joint.to_string();
        let adm = &adm;
        let app = &app;
        async move {
            app.post_form(
                adm,
                "/meetings",
                &[
                    ("org", &street),
                    ("kind", "joint"),
                    ("joint_id", &joint),
                    ("date", date),
                    ("topic", "研究党群共建工作"),
                    ("place", "街道会议室"),
                    ("host_id", &host),
                    ("held", "1"),
                ],
            )
            .await
        }
    };
    // A host who is not a convener is refused, and nothing is recorded.
    let r = meet(other, "2026-03-05").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("不是本联席会议的召集人"));
    assert_eq!(
        app.scalar::<i64>("SELECT COUNT(*) FROM meetings WHERE joint_id IS NOT NULL")
            .await,
        0
    );
    let r = meet(chief, "2026-03-05").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", flash(&r));
    let id: i64 = location(&r).rsplit('/').next().unwrap().parse().unwrap();
    // The conveners are its attendees unless others are chosen.
    let who = app
        .store
        .meeting_attendees(&Scope::whole_tree(), id)
        .await
        .unwrap();
    assert_eq!(who.len(), 2);
    let f = check_cli(&app, "MTG-008", "2026-04-01", Some("JD"));
    assert_eq!(
        keys(&f, "MTG-008"),
        vec!["联席会议“党群共建创先争优联席会议”2026 年 3 月召开 1 次，少于每月 2 次"]
    );
    let r = meet(convener, "2026-03-19").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", flash(&r));
    let f = check_cli(&app, "MTG-008", "2026-04-01", Some("JD"));
    assert!(f.is_empty(), "{f:?}");
    // Inspection of a member unit, then a summary drafted from the period's meetings.
    let r = app
        .post_form(
            &adm,
            &format!("/joint/{joint}/inspections"),
            &[
                ("unit_id", &units[0].id.to_string()),
                ("item", "贯彻落实党群共建工作规划的情况"),
            ],
        )
        .await;
    assert!(flash(&r).starts_with("ok:"), "{}", flash(&r));
    let ins = app
        .store
        .joint_inspections(&Scope::whole_tree(), joint)
        .await
        .unwrap()[0]
        .id;
    let r = app
        .post_form(
            &adm,
            &format!("/joint/inspections/{ins}/result"),
            &[
                ("result", "规划已分解到各社区"),
                ("checked_on", "2026-03-25"),
                ("system", &joint.to_string()),
            ],
        )
        .await;
    assert!(flash(&r).starts_with("ok:"), "{}", flash(&r));
    let r = app
        .post_form(
            &adm,
            &format!("/joint/{joint}/summaries"),
            &[("period", "2026-03")],
        )
        .await;
    assert!(flash(&r).starts_with("ok:"), "{}", flash(&r));
    let s = &app
        .store
        .joint_summaries(&Scope::whole_tree(), joint)
        .await
        .unwrap()[0];
    assert!(
        s.body.contains("本期共召开联席会议 2 次") && s.body.contains("规划已分解到各社区"),
        "{}",
        s.body
    );
    let body = format!("{}\n经验：每月按时召开。", s.body);
    let r = app
        .post_form(
            &adm,
            &format!("/joint/summaries/{}", s.id),
            &[("body", &body), ("approve", "1")],
        )
        .await;
    assert!(flash(&r).starts_with("ok:"), "{}", flash(&r));
    let r = app
        .post_form(
            &adm,
            &format!("/joint/summaries/{}", s.id),
            &[("body", "改")],
        )
        .await;
    assert!(flash(&r).contains("已审定"), "{}", flash(&r));
    let html = app.html(&adm, &format!("/joint/{joint}")).await;
    assert!(
        html.contains("经验：每月按时召开") && html.contains("2026-03</b> 2 次"),
        "{html}"
    );
}

#[tokio::test]
async fn half_monthly_reports_reach_every_receiver_in_their_windows() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    // The district's committee builds a half-monthly record: its branches report to the street
    // (as the city) and to the town (as the county).
    let root = app
        .login_as("adm_root", Role::OrgAdmin, Some(d.root), None)
        .await;
    let r = app
        .post_form(
            &root,
            "/reports/templates",
            &[
                ("org", &d.root.to_string()),
                ("name", "党建工作半月记实表"),
                ("cadence", "half_monthly"),
                ("first_due_day", "12"),
                ("starts_on", "2024-01-01"),
                ("grace_days", "3"),
                ("submit_root", "QW"),
                ("submit_type", "branch"),
                ("receivers", "JD、ZX"),
                ("label_0", "本期组织生活"),
                ("kind_0", "table"),
                ("extra_0", "日期:date、会议类型、主题、出席/应到"),
                ("source_0", "meetings"),
                ("label_1", "主要工作"),
                ("kind_1", "long_text"),
                ("required_1", "1"),
            ],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let tid: i64 = location(&r).rsplit('/').next().unwrap().parse().unwrap();
    // February's second window: 26–28 in 2025, 27–29 in 2024.
    let late = |f: &[serde_json::Value]| keys(f, "RPT-001");
    let f = check_cli(&app, "RPT-001", "2025-02-28", Some("JD-01"));
    assert!(
        late(&f)
            .iter()
            .all(|m| !m.contains("2025 年 2 月下半月未在")),
        "{f:?}"
    );
    let f = check_cli(&app, "RPT-001", "2025-03-01", Some("JD-01"));
    let feb: Vec<String> = late(&f)
        .into_iter()
        .filter(|m| m.contains("2025 年 2 月下半月"))
        .collect();
    assert_eq!(feb.len(), 2, "one per receiver: {feb:?}");
    assert!(feb[0].contains("2025-02-28"), "{feb:?}");
    let f = check_cli(&app, "RPT-001", "2024-03-01", Some("JD-01"));
    assert!(
        late(&f)
            .iter()
            .any(|m| m.contains("2024 年 2 月下半月") && m.contains("2024-02-29")),
        "{f:?}"
    );
    let f = check_cli(&app, "RPT-001", "2024-02-29", Some("JD-01"));
    assert!(
        !late(&f)
            .iter()
            .any(|m| m.contains("2024 年 2 月下半月未在")),
        "{f:?}"
    );

    // A meeting of the period is filled in for the branch.
    held(&app, d.a, "theme_day", "2026-11-20").await;
    app.account("adm_a", Role::OrgAdmin, Some(d.a), None).await;
    // 28 November: the window of the second half opens (sessions idle that long end).
    app.clock.advance(chrono::Duration::days(5));
    let adm = app.login("adm_a", PASSWORD).await;
    let fill = format!("/reports/templates/{tid}/fill?org={}&period=2026-11-2", d.a);
    let r = app.get_with(&adm, &fill).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("2026-11-20") && html.contains("主题党日") && html.contains("学习"),
        "pre-filled: {html}"
    );
    // Sent to the street only.
    let street = d.street.to_string();
    let send = |adm: reqwest::Client, to: String| {
        let app = &app;
        let a = d.a.to_string();
        async move {
            app.post_form(
                &adm,
                &format!("/reports/templates/{tid}/fill"),
                &[
                    ("org", &a),
                    ("period", "2026-11-2"),
                    ("f1__0__0", "2026-11-20"),
                    ("f1__0__1", "主题党日"),
                    ("f1__0__2", "学习"),
                    ("f1__0__3", "7/8"),
                    ("f2", "开展主题党日。"),
                    ("action", "submit"),
                    ("send_to", &to),
                ],
            )
            .await
        }
    };
    let r = send(adm.clone(), street.clone()).await;
    assert!(flash(&r).starts_with("ok:"), "{}", flash(&r));
    // 1 December: on time for the street, missing for the town.
    app.clock.advance(chrono::Duration::days(3));
    let root = app.login("adm_root", PASSWORD).await;
    let adm = app.login("adm_a", PASSWORD).await;
    let view =
        |receiver: i64| format!("/reports/templates/{tid}?period=2026-11-2&receiver={receiver}");
    let html = app.html(&root, &view(d.street)).await;
    let late_of = |html: &str| extract(html, "id=\"late-h\"", "</section>").unwrap_or_default();
    assert!(!late_of(&html).contains("第一社区党支部"), "{html}");
    let html = app.html(&root, &view(d.other)).await;
    assert!(late_of(&html).contains("第一社区党支部"), "{html}");
    // The street returns it with comments: it reopens for the branch.
    let r = app
        .post_form(
            &root,
            &format!("/reports/templates/{tid}/review"),
            &[
                ("period", "2026-11-2"),
                ("org", &d.a.to_string()),
                ("receiver", &d.street.to_string()),
                ("action", "return"),
                ("comment", "请补充主题党日的出席人数"),
            ],
        )
        .await;
    assert!(flash(&r).starts_with("ok:"), "{}", flash(&r));
    let html = app.html(&adm, &fill).await;
    assert!(
        html.contains("已退回修改") && html.contains("请补充主题党日的出席人数"),
        "{html}"
    );
    // Not resent within three days: RPT-002.
    let f = check_cli(&app, "RPT-002", "2026-12-05", Some("JD-01"));
    assert_eq!(keys(&f, "RPT-002").len(), 1, "{f:?}");
    let r = send(adm.clone(), street).await;
    assert!(flash(&r).starts_with("ok:"), "{}", flash(&r));
    let f = check_cli(&app, "RPT-002", "2026-12-05", Some("JD-01"));
    assert!(f.is_empty(), "{f:?}");
    let html = app.html(&root, &view(d.street)).await;
    assert!(html.contains("已重新报送"), "{html}");
    // The street's export of the period: a row per branch, a column per field.
    let x = app
        .get_with(
            &root,
            &format!(
                "/reports/templates/{tid}/export.xlsx?period=2026-11-2&receiver={}",
                d.street
            ),
        )
        .await;
    assert_eq!(x.status(), StatusCode::OK);
    let rows = read_xlsx(&x.bytes().await.unwrap());
    assert!(
        rows.iter().any(|r| r.iter().any(|c| c == "开展主题党日。")),
        "{rows:?}"
    );
}

/// A receiver of webhooks: `/ok` records each body and answers 200, `/fail` answers 500.
async fn capture() -> (
    String,
    std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
) {
    use axum::routing::post;
    let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let keep = got.clone();
    let app = axum::Router::new()
        .route(
            "/ok",
            post(move |axum::Json(v): axum::Json<serde_json::Value>| {
                let keep = keep.clone();
                async move {
                    keep.lock().unwrap().push(v);
                    "ok"
                }
            }),
        )
        .route(
            "/fail",
            post(|| async { (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "down") }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), got)
}

#[tokio::test]
async fn reminders_reach_each_webhook_once_across_two_copies_and_failures_are_retried() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let (base, got) = capture().await;
    let scope = Scope::whole_tree();
    let actor = Actor::cli("test");
    app.store
        .webhook_add(&actor, &scope, d.a, "json", &format!("{base}/ok"), "k1")
        .await
        .unwrap();
    app.store
        .webhook_add(&actor, &scope, d.b, "dingtalk", &format!("{base}/fail"), "")
        .await
        .unwrap();
    for org in [d.a, d.b] {
        full(&app, org, "参会人", 600 + org as u32).await;
    }
    let adm = app
        .login_as("adm_notice", Role::OrgAdmin, Some(d.a), None)
        .await;
    let acc = app
        .store
        .account_by_username("adm_notice")
        .await
        .unwrap()
        .unwrap()
        .id;
    app.store
        .set_prefs(&Actor::cli("test"), acc, "secretary@example.cn", true)
        .await
        .unwrap();
    // Tomorrow's meetings of both branches, and a notice of one.
    let cfg = app.store.life_config().await.unwrap();
    let tomorrow = (app.clock.today() + chrono::TimeDelta::days(1)).to_string();
    let mut ids = Vec::new();
    for org in [d.a, d.b] {
        let m = app
            .store
            .meeting_create(
                &actor,
                &scope,
                org,
                &plan("theme_day", &tomorrow, "主题党日")
                    .parse(&cfg)
                    .unwrap(),
                &[],
                false,
            )
            .await
            .unwrap();
        ids.push(m.id);
    }
    app.post_form(&adm, &format!("/meetings/{}/step/notice", ids[0]), &[])
        .await;
    // Two server copies on one database, both sweeping and delivering at once.
    let other = xianfeng::open_store(
        &app.database_url,
        xianfeng_store::Keys::from_master(&app.keys_master),
        app.clock.clone(),
    )
    .await
    .unwrap();
    let today = app.clock.today();
    let (x, y) = tokio::join!(
        app.store.reminders_sweep(today),
        other.reminders_sweep(today)
    );
    assert_eq!(x.unwrap() + y.unwrap(), 2, "each reminder made once");
    // The capture server listens on this machine: first refused as an inside address.
    let strict = xianfeng::outbox::OutboxConfig {
        public_url: "https://xf.example.cn".into(),
        ..Default::default()
    };
    xianfeng::outbox::run_once(&app.store, &strict, "copy-1")
        .await
        .unwrap();
    let webhooks: i64 = app
        .scalar("SELECT COUNT(*) FROM outbox WHERE channel = 'webhook'")
        .await;
    let refused: i64 = app
        .scalar(
            "SELECT COUNT(*) FROM outbox WHERE channel = 'webhook' AND status = 'failed' AND \
             last_error LIKE '%内部网络%'",
        )
        .await;
    assert!(
        webhooks > 0 && refused == webhooks,
        "{refused} of {webhooks}"
    );
    assert!(got.lock().unwrap().is_empty());
    app.execute(
        "UPDATE outbox SET status = 'pending', attempts = 0, last_error = NULL, claimed_by = \
         NULL, claimed_until = NULL, next_at = created_at WHERE channel = 'webhook'",
    )
    .await;
    let out = xianfeng::outbox::OutboxConfig {
        public_url: "https://xf.example.cn".into(),
        allow_private: true,
        ..Default::default()
    };
    for _ in 0..3 {
        let (a, b) = tokio::join!(
            xianfeng::outbox::run_once(&app.store, &out, "copy-1"),
            xianfeng::outbox::run_once(&other, &out, "copy-2")
        );
        a.unwrap();
        b.unwrap();
    }
    let bodies = got.lock().unwrap().clone();
    let mut kinds: Vec<String> = bodies
        .iter()
        .map(|b| b["kind"].as_str().unwrap().to_string())
        .collect();
    kinds.sort();
    assert_eq!(kinds, vec!["meeting_notice", "meeting_soon"], "{bodies:?}");
    assert!(bodies.iter().all(|b| b["link"]
        .as_str()
        .unwrap()
        .starts_with("https://xf.example.cn/meetings/")));
    // The account's inbox and its header count.
    let html = app.html(&adm, "/notices").await;
    assert!(
        html.contains("明天主题党日") && html.contains("会议通知"),
        "{html}"
    );
    assert!(html.contains("class=\"badge\""), "{html}");
    // E-mail without a mail server: failed attempts say why.
    let why: String = app
        .scalar("SELECT last_error FROM outbox WHERE channel = 'email' ORDER BY id LIMIT 1")
        .await;
    assert!(why.contains("未配置发信服务器"), "{why}");
    let mail: String = app
        .scalar("SELECT status FROM outbox WHERE channel = 'email' ORDER BY id LIMIT 1")
        .await;
    assert_eq!(mail, "failed", "a missing mail server is not retried");
    // A notice is sent once: a second press is refused.
    let r = app
        .post_form(&adm, &format!("/meetings/{}/step/notice", ids[0]), &[])
        .await;
    assert!(flash(&r).contains("会议通知已发出"), "{}", flash(&r));
    // The failing receiver: retried with backoff, then marked failed with the reason.
    let failing =
        "SELECT status FROM outbox WHERE channel = 'webhook' AND target = (SELECT CAST(id AS TEXT) FROM org_webhooks WHERE kind = 'dingtalk')";
    let status: String = app.scalar(failing).await;
    assert_eq!(status, "pending");
    for _ in 0..8 {
        app.clock.advance(chrono::Duration::minutes(20));
        xianfeng::outbox::run_once(&other, &out, "copy-2")
            .await
            .unwrap();
    }
    let status: String = app.scalar(failing).await;
    assert_eq!(status, "failed");
    let (attempts, reason): (i64, String) = xianfeng_store::on_db!(&app.store.db, |p| {
        sqlx::query_as(
            "SELECT attempts, last_error FROM outbox WHERE channel = 'webhook' AND status = 'failed'",
        )
        .fetch_one(p)
        .await
        .unwrap()
    });
    assert_eq!(attempts, xianfeng_store::notices::MAX_ATTEMPTS);
    assert!(reason.contains("HTTP 500"), "{reason}");
    assert_eq!(got.lock().unwrap().len(), 2, "nothing sent twice");
}

#[tokio::test]
async fn attachments_are_checked_by_content_and_served_as_downloads() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let id = held(&app, d.a, "general", "2026-11-20").await;
    let adm = app
        .login_as("adm_files", Role::OrgAdmin, Some(d.a), None)
        .await;
    let other = app
        .login_as("adm_other", Role::OrgAdmin, Some(d.other), None)
        .await;
    let upload = |name: &'static str, bytes: Vec<u8>| {
        let app = &app;
        let adm = &adm;
        async move {
            let form = reqwest::multipart::Form::new()
                .text("_csrf", app.csrf(adm).await)
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(bytes).file_name(name),
                );
            adm.post(app.url(&format!("/meetings/{id}/attachments")))
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    let pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n".to_vec();
    let r = upload("会议记录扫描件.pdf", pdf.clone()).await;
    assert!(flash(&r).starts_with("ok:"), "{}", flash(&r));
    // A program renamed to .pdf, and a picture named as a PDF, are refused by their content.
    let r = upload("记录.pdf", b"MZ\x90\x00\x03".to_vec()).await;
    assert!(flash(&r).contains("不是有效的 .pdf 文件"), "{}", flash(&r));
    let r = upload("照片.pdf", b"\x89PNG\r\n\x1a\n0000".to_vec()).await;
    assert!(flash(&r).contains("不符"), "{}", flash(&r));
    let list = app
        .store
        .attachments_of(&Scope::whole_tree(), id)
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    let html = app.html(&adm, &format!("/meetings/{id}")).await;
    assert!(html.contains("会议记录扫描件.pdf"), "{html}");
    let r = app
        .get_with(&adm, &format!("/attachments/{}", list[0].id))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert_eq!(r.bytes().await.unwrap().to_vec(), pdf);
    // Another committee's administrator: as if absent.
    let r = app
        .get_with(&other, &format!("/attachments/{}", list[0].id))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn past_meetings_are_imported_from_a_sheet_all_or_nothing() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    for k in 0..4 {
        full(&app, d.a, &format!("一支{k}"), 300 + k).await;
    }
    let group = app
        .org(Some(d.a), "JD-01-G1", "第一党小组", "party_group")
        .await;
    app.execute("UPDATE orgs SET founded_on = '2026-01-01' WHERE code = 'JD-01'")
        .await;
    let adm = app
        .login_as("jd_life", Role::OrgAdmin, Some(d.street), None)
        .await;
    let tpl = app
        .get_with(
            &adm,
            &format!("/imports/meetings/template.xlsx?org={}", d.a),
        )
        .await
        .bytes()
        .await
        .unwrap();
    let table = xianfeng_exchange::read_table(&tpl, Default::default()).unwrap();
    assert!(table
        .rows
        .iter()
        .any(|r| r.iter().any(|c| c.text() == "实到人数")));
    let org = d.a.to_string();
    let upload = |csv: String| async {
        app.upload(
            &adm,
            "/imports/meetings",
            &[("org", org.as_str())],
            "会议登记.csv",
            csv.into_bytes(),
        )
        .await
        .text()
        .await
        .unwrap()
    };
    let head = "会议日期,会议类型,会议主题,所在党组织,党小组,应到人数,实到人数,请假人数\n";
    let good = "2026-03-20,党员大会,学习全会精神,,,4,3,1\n\
                2026-02-10,支委会,研究年度计划,,,3,3,0\n\
                2026-03-05,党小组会,读书交流,,第一党小组,2,2,0\n";
    let meetings = || async {
        app.scalar::<i64>(&format!(
            "SELECT COUNT(*) FROM meetings WHERE org_id = {} AND source = 'imported'",
            d.a
        ))
        .await
    };
    // One unreadable row (a kind nobody knows, a day not yet come) stops the whole file, and
    // so does a row naming an organisation outside the page's organisation.
    let html = upload(format!(
        "{head}{good}2027-01-01,茶话会,迎新,,,3,2,0\n2026-03-01,党课,党课,ZX-01,,5,5,0\n"
    ))
    .await;
    assert!(html.contains("整个文件都不会导入"), "{html}");
    assert!(html.contains("无法识别的会议类型"), "{html}");
    assert!(html.contains("找不到所在党组织"), "{html}");
    assert!(!html.contains("确认导入"));
    assert_eq!(meetings().await, 0);
    // Before the import the first quarter is missing its general meeting.
    let f = check_cli(&app, "MTG-001", "2026-04-01", Some("JD-01"));
    assert_eq!(keys(&f, "MTG-001").len(), 1, "{f:?}");
    let html = upload(format!("{head}{good}")).await;
    assert!(html.contains("确认导入 3 次会议"), "{html}");
    let token = extract(&html, "name=\"token\" value=\"", "\"").unwrap();
    let r = app
        .post_form(
            &adm,
            "/imports/meetings/commit",
            &[("token", token.as_str()), ("org", &d.a.to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(flash(&r).contains("新增 3 次会议"), "{}", flash(&r));
    assert_eq!(meetings().await, 3);
    assert_eq!(
        app.scalar::<i64>(&format!(
            "SELECT COUNT(*) FROM meetings WHERE group_id = {group} AND kind = 'group' AND \
             status = 'approved' AND present_count = 2"
        ))
        .await,
        1
    );
    let audited = events(&app, "meeting.import").await;
    assert!(
        audited.contains(&"第一社区党支部：从 会议登记.csv 导入历史会议 3 次".to_string()),
        "{audited:?}"
    );
    // The imported general meeting counts for the rules, on the write and in the check.
    let stored = app
        .store
        .findings_of(&Scope::whole_tree(), "org", d.a)
        .await
        .unwrap();
    assert!(
        !stored
            .iter()
            .any(|f| f.rule == "MTG-001" && f.message.contains("2026 年第一季度")),
        "{stored:?}"
    );
    assert!(check_cli(&app, "MTG-001", "2026-04-01", Some("JD-01"))
        .iter()
        .all(|f| !f["message"].as_str().unwrap().contains("第一季度")));
    // The meeting page shows the counts as imported.
    let id = app
        .scalar::<i64>(&format!(
            "SELECT id FROM meetings WHERE org_id = {} AND kind = 'general'",
            d.a
        ))
        .await;
    let html = app.html(&adm, &format!("/meetings/{id}")).await;
    assert!(html.contains("应到 4 人，实到 3 人，请假 1 人"), "{html}");
    assert!(
        !html.contains("会议通知") && !html.contains("表决"),
        "{html}"
    );
    // The same file again is refused: nothing is counted twice.
    let html = upload(format!("{head}{good}")).await;
    assert!(html.contains("系统中已有这次会议"), "{html}");
    assert!(!html.contains("确认导入"));
    assert_eq!(meetings().await, 3);
    // A meeting imported by mistake is cancelled with a reason and kept; the quarter is
    // missing its general meeting again.
    let r = app
        .post_form(
            &adm,
            &format!("/meetings/{id}/cancel"),
            &[("reason", "导入时日期填错")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", flash(&r));
    let status: String = app
        .scalar(&format!("SELECT status FROM meetings WHERE id = {id}"))
        .await;
    assert_eq!(status, "cancelled");
    let stored = app
        .store
        .findings_of(&Scope::whole_tree(), "org", d.a)
        .await
        .unwrap();
    assert!(stored
        .iter()
        .any(|f| f.rule == "MTG-001" && f.message.contains("2026 年第一季度")));
    // A viewer cannot import.
    let viewer = app
        .login_as("jd_view", Role::OrgViewer, Some(d.street), None)
        .await;
    let r = app
        .get_with(&viewer, &format!("/imports/meetings?org={}", d.a))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn report_files_are_checked_kept_and_shown_to_receivers_only() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let root = app
        .login_as("adm_root", Role::OrgAdmin, Some(d.root), None)
        .await;
    let r = app
        .post_form(
            &root,
            "/reports/templates",
            &[
                ("org", &d.root.to_string()),
                ("name", "主题党日记实"),
                ("cadence", "monthly"),
                ("due_days", "5"),
                ("starts_on", "2026-01-01"),
                ("grace_days", "3"),
                ("submit_root", "JD"),
                ("submit_type", "branch"),
                ("receivers", "JD"),
                ("label_0", "活动情况"),
                ("kind_0", "long_text"),
                ("label_1", "活动照片"),
                ("kind_1", "attachment"),
                ("required_1", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", flash(&r));
    let tid: i64 = location(&r).rsplit('/').next().unwrap().parse().unwrap();
    let adm = app.login_as("adm_a", Role::OrgAdmin, Some(d.a), None).await;
    let a = d.a.to_string();
    let path = format!("/reports/templates/{tid}/fill");
    let html = app
        .html(&adm, &format!("{path}?org={a}&period=2026-11"))
        .await;
    assert!(html.contains("name=\"f2__file\""), "{html}");
    let send = |fields: Vec<(&'static str, String)>, file: Option<(&'static str, Vec<u8>)>| {
        let app = &app;
        let adm = adm.clone();
        let path = path.clone();
        async move {
            let mut form = reqwest::multipart::Form::new().text("_csrf", app.csrf(&adm).await);
            for (k, v) in fields {
                form = form.text(k, v);
            }
            if let Some((name, bytes)) = file {
                form = form.part(
                    "f2__file",
                    reqwest::multipart::Part::bytes(bytes).file_name(name),
                );
            }
            adm.post(app.url(&path))
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    let base = || {
        vec![
            ("org", a.clone()),
            ("period", "2026-11".to_string()),
            ("f1", "组织参观学习".to_string()),
        ]
    };
    // A required attachment missing: not sent.
    let mut submit = base();
    submit.push(("action", "submit".into()));
    submit.push(("send_to", d.street.to_string()));
    let r = send(submit.clone(), None).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("请上传“活动照片”"));
    // Content that does not match its name is refused, and nothing typed is lost.
    let r = send(
        submit.clone(),
        Some(("照片.jpg", b"%PDF-1.4 not a photo".to_vec())),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("文件内容与扩展名"), "{html}");
    assert!(html.contains("组织参观学习"));
    // A real photo is kept with the report and sent.
    let png = [
        &[0x89u8, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..],
        &[0u8; 64][..],
    ]
    .concat();
    let r = send(submit.clone(), Some(("参观.png", png.clone()))).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", flash(&r));
    assert_eq!(flash(&r), "ok:已报送");
    let fid: i64 = app
        .scalar("SELECT id FROM report_files WHERE name = '参观.png'")
        .await;
    // The submitter and the receiver download it; an organisation elsewhere does not.
    let got = app.get_with(&adm, &format!("/reports/files/{fid}")).await;
    assert_eq!(got.status(), StatusCode::OK);
    assert!(got.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(got.bytes().await.unwrap().to_vec(), png);
    let street = app
        .login_as("adm_jd", Role::OrgAdmin, Some(d.street), None)
        .await;
    let html = app
        .html(
            &street,
            &format!(
                "/reports/templates/{tid}?period=2026-11&receiver={}",
                d.street
            ),
        )
        .await;
    assert!(html.contains(&format!("/reports/files/{fid}")) && html.contains("参观.png"));
    let got = app
        .get_with(&street, &format!("/reports/files/{fid}"))
        .await;
    assert_eq!(got.status(), StatusCode::OK);
    let elsewhere = app.login_as("adm_c", Role::OrgAdmin, Some(d.c), None).await;
    let got = app
        .get_with(&elsewhere, &format!("/reports/files/{fid}"))
        .await;
    assert_eq!(got.status(), StatusCode::NOT_FOUND);
    // Another organisation's file cannot be named in a value.
    let b = app.login_as("adm_b", Role::OrgAdmin, Some(d.b), None).await;
    let r = app
        .post_form(
            &b,
            &path,
            &[
                ("org", &d.b.to_string()),
                ("period", "2026-11"),
                ("f1", "借用"),
                ("f2__0__0", &fid.to_string()),
                ("f2__0__1", "参观.png"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("无效的文件"));
    // The receiver's export names the file.
    let x = app
        .get_with(
            &street,
            &format!(
                "/reports/templates/{tid}/export.xlsx?period=2026-11&receiver={}",
                d.street
            ),
        )
        .await
        .bytes()
        .await
        .unwrap();
    let rows = read_xlsx(&x);
    assert!(
        rows.iter().any(|r| r.iter().any(|c| c == "参观.png")),
        "{rows:?}"
    );
}
