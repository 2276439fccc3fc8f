//! The roster through the web pages: validation at the edge, search, paging, archive, transfer.

use reqwest::StatusCode;
use xianfeng_domain::scope::Role;

use crate::helpers::*;

fn form<'a>(org: &'a str, name: &'a str, id: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("org_id", org),
        ("name", name),
        ("id_number", id),
        ("status", "full"),
        ("category", "employed"),
        ("ethnicity", "汉族"),
        ("application_date", "2003-03-01"),
        ("admission_date", "2004-07-01"),
        ("conversion_date", "2005-07-01"),
    ]
}

#[tokio::test]
async fn the_form_checks_every_rule_and_says_what_is_wrong_in_chinese() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let c = app
        .login_as("adm_a1", Role::OrgAdmin, Some(d.a), None)
        .await;
    let org = d.a.to_string();
    let good = id_number("1980-05-01", 11);
    let mut bad_check = good.clone();
    let last = if good.ends_with('1') { "2" } else { "1" };
    bad_check.replace_range(17.., last);

    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("id_number", bad_check.as_str())], "校验位错误"),
        (vec![("id_number", "11010519800501")], "应为18位"),
        (vec![("gender", "female")], "性别与身份证号不符"),
        (vec![("birth_date", "1980-05-02")], "出生日期与身份证号不符"),
        (
            vec![("conversion_date", "2004-06-30")],
            "转正日期不能早于入党日期",
        ),
        (
            vec![("admission_date", "2027-01-01"), ("conversion_date", "")],
            "不能晚于今天",
        ),
        (vec![("application_date", "1998-04-30")], "未满 18 周岁"),
        (vec![("phone", "1381234")], "联系电话格式不正确"),
        (vec![("status", "probationary")], "预备党员不应有转正日期"),
        (vec![("name", "")], "请填写姓名"),
    ];
    for (changes, expected) in cases {
        let mut f = form(&org, "张三", &good);
        for (k, v) in &changes {
            f.retain(|(fk, _)| fk != k);
            f.push((k, v));
        }
        let r = app.post_form(&c, "/members/new", &f).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{changes:?}");
        let html = r.text().await.unwrap();
        assert!(html.contains(expected), "{changes:?} should say {expected}");
        assert!(
            html.contains("class=\"invalid\"") || html.contains("invalid"),
            "inline error"
        );
    }
    // Lower-case x is accepted; the record is created.
    let with_x = (0..1000)
        .map(|s| id_number("1970-01-01", s))
        .find(|i| i.ends_with('X'))
        .unwrap();
    let lower = with_x.to_lowercase();
    let r = app
        .post_form(&c, "/members/new", &form(&org, "赵六", &lower))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // One person per ID.
    let r = app
        .post_form(&c, "/members/new", &form(&org, "赵六", &with_x))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("该身份证号已登记"));
}

#[tokio::test]
async fn id_numbers_are_encrypted_at_rest_and_masked_in_lists() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let c = app
        .login_as("adm_a1", Role::OrgAdmin, Some(d.a), None)
        .await;
    let id = id_number("1975-12-31", 21);
    let r = app
        .post_form(&c, "/members/new", &form(&d.a.to_string(), "钱七", &id))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let member: i64 = location(&r)
        .trim_start_matches("/members/")
        .parse()
        .unwrap();
    let list = app
        .get_with(&c, &format!("/members?org={}", d.a))
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("钱七"));
    assert!(
        !list.contains(&id),
        "the full number never appears in the list"
    );
    assert!(list.contains(&format!("{}********{}", &id[..6], &id[14..])));
    // Nothing in the database holds the plain number.
    let raw: Vec<(Vec<u8>, String, String)> = xianfeng_store::on_db!(&app.store.db, |p| {
        sqlx::query_as("SELECT id_cipher, id_hash, id_masked FROM members")
            .fetch_all(p)
            .await
            .unwrap()
    });
    for (cipher, hash, masked) in raw {
        assert!(!String::from_utf8_lossy(&cipher).contains(&id));
        assert_ne!(hash, id);
        assert!(!masked.contains(&id[6..14]));
    }
    // Search by the whole number finds the person; a reveal is audited.
    let found = app
        .get_with(&c, &format!("/members?org={}&q={id}", d.a))
        .await
        .text()
        .await
        .unwrap();
    assert!(found.contains("钱七") && found.contains("共 1 人"));
    let r = app
        .post_form(&c, &format!("/members/{member}/reveal"), &[])
        .await;
    assert!(r.text().await.unwrap().contains(&id));
    let audit = app.store.audit_export(&Default::default()).await.unwrap();
    assert!(audit
        .iter()
        .any(|a| a.event == "member.reveal_id"
            && a.object_id.as_deref() == Some(&member.to_string())));
    assert!(
        audit.iter().all(|a| !a.summary.contains(&id)),
        "the audit log holds no full ID number"
    );
}

#[tokio::test]
async fn search_filter_sort_and_paginate() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    for i in 0..45 {
        let org = if i % 3 == 0 { d.b } else { d.a };
        app.member(org, &format!("成员{i:02}"), 100 + i).await;
    }
    app.member(d.a, "张三丰", 300).await;
    app.member(d.c, "外镇党员", 301).await;
    let c = app
        .login_as("jd_admin", Role::OrgViewer, Some(d.street), None)
        .await;
    let all = app.get_with(&c, "/members").await.text().await.unwrap();
    assert!(all.contains("共 46 人"), "the street's subtree only");
    assert!(!all.contains("外镇党员"));
    let p3 = app
        .get_with(&c, &format!("/members?org={}&page=3", d.street))
        .await
        .text()
        .await
        .unwrap();
    assert!(p3.contains("aria-current=\"page\">3<"));
    let only_b = app
        .get_with(&c, &format!("/members?org={}", d.b))
        .await
        .text()
        .await
        .unwrap();
    assert!(only_b.contains("共 15 人"));
    let q = app
        .get_with(&c, &format!("/members?org={}&q=三丰", d.street))
        .await
        .text()
        .await
        .unwrap();
    assert!(q.contains("张三丰") && q.contains("共 1 人"));
    let none = app
        .get_with(
            &c,
            &format!("/members?org={}&status=probationary", d.street),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(none.contains("没有符合条件的人员"));
    // Sorted by pinyin: 成员 (cheng) before 张 (zhang); descending puts 张三丰 first.
    let desc = app
        .get_with(&c, &format!("/members?org={}&sort=-name", d.street))
        .await
        .text()
        .await
        .unwrap();
    let first = desc.find("张三丰").unwrap();
    assert!(desc.find("成员").unwrap() > first);
    // A viewer cannot write.
    assert_eq!(
        app.get_with(&c, &format!("/members/new?org={}", d.a))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn archive_restore_and_transfer_keep_a_dated_history() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let m = app.member(d.a, "孙八", 40).await;
    let c = app
        .login_as("jd_admin", Role::OrgAdmin, Some(d.street), None)
        .await;
    let r = app
        .post_form(
            &c,
            &format!("/members/{m}/transfer"),
            &[
                ("target", "JD-02"),
                ("date", "2026-10-01"),
                ("note", "工作调动"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Outside the administrator's subtree: refused.
    let r = app
        .post_form(
            &c,
            &format!("/members/{m}/transfer"),
            &[("target", "ZX-01"), ("date", "2026-10-02")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Earlier than the last transfer: refused.
    let r = app
        .post_form(
            &c,
            &format!("/members/{m}/transfer"),
            &[("target", "JD-01"), ("date", "2026-09-01")],
        )
        .await;
    assert!(r.text().await.unwrap().contains("不能早于上一次转接"));
    let r = app
        .post_form(
            &c,
            &format!("/members/{m}/archive"),
            &[("reason", "died"), ("date", "2026-11-10"), ("note", "病故")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let list = app
        .get_with(&c, &format!("/members?org={}", d.street))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !list.contains("孙八"),
        "archived people leave the active roster"
    );
    let archived = app
        .get_with(&c, &format!("/members?org={}&archived=1", d.street))
        .await
        .text()
        .await
        .unwrap();
    assert!(archived.contains("孙八"));
    let r = app
        .post_form(&c, &format!("/members/{m}/restore"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = app
        .get_with(&c, &format!("/members/{m}"))
        .await
        .text()
        .await
        .unwrap();
    for s in [
        "2026-10-01",
        "组织关系由“第一社区党支部”转至“第二社区党支部”（工作调动）",
        "出库：去世（病故）",
        "恢复在册",
    ] {
        assert!(page.contains(s), "history shows {s}");
    }
}

#[tokio::test]
async fn edits_keep_the_stored_id_number_and_detect_conflicts() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let m = app.member(d.a, "周九", 50).await;
    let c = app
        .login_as("adm_a1", Role::OrgAdmin, Some(d.a), None)
        .await;
    let page = app
        .get_with(&c, &format!("/members/{m}/edit"))
        .await
        .text()
        .await
        .unwrap();
    let version = extract(&page, "name=\"version\" value=\"", "\"").unwrap();
    let org = d.a.to_string();
    let mut f = form(&org, "周九改", "");
    f.push(("version", &version));
    f.retain(|(k, _)| *k != "application_date");
    f.push(("application_date", ""));
    let r = app.post_form(&c, &format!("/members/{m}/edit"), &f).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let found = app
        .get_with(
            &c,
            &format!("/members?org={}&q={}", d.a, id_number("1980-05-01", 50)),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(found.contains("周九改"), "the ID number stayed");
    // The same stale version again: someone else changed it.
    let r = app.post_form(&c, &format!("/members/{m}/edit"), &f).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("已被他人修改"));
}

#[tokio::test]
async fn rules_of_membership_at_the_edge() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let c = app
        .login_as("jd_admin", Role::OrgAdmin, Some(d.street), None)
        .await;
    // People belong to branches, not to a working committee.
    let (street, branch) = (d.street.to_string(), d.a.to_string());
    let (id1, id2) = (id_number("1980-01-01", 61), id_number("1980-02-02", 63));
    let mut f = form(&street, "直属", &id1);
    let r = app.post_form(&c, "/members/new", &f).await;
    assert!(r.text().await.unwrap().contains("人员须编入党支部"));
    // An activist cannot be "expelled"; the reason must fit.
    f = form(&branch, "积极分子", &id2);
    f.retain(|(k, _)| !matches!(*k, "status" | "admission_date" | "conversion_date"));
    f.push(("status", "activist"));
    let r = app.post_form(&c, "/members/new", &f).await;
    let id: i64 = location(&r)
        .trim_start_matches("/members/")
        .parse()
        .unwrap();
    let r = app
        .post_form(
            &c,
            &format!("/members/{id}/archive"),
            &[("reason", "expelled"), ("date", "2026-11-01")],
        )
        .await;
    let page = app.get_with(&c, &location(&r)).await.text().await.unwrap();
    assert!(page.contains("不是党员，不能以“开除党籍”出库"), "{page}");
    // A status change shows in the history; the audit entry names the changed fields.
    let m = app.member(d.a, "状态变化", 65).await;
    let page = app
        .get_with(&c, &format!("/members/{m}/edit"))
        .await
        .text()
        .await
        .unwrap();
    let version = extract(&page, "name=\"version\" value=\"", "\"").unwrap();
    let org = d.a.to_string();
    let mut e = form(&org, "状态变化", "");
    e.retain(|(k, _)| !matches!(*k, "application_date" | "conversion_date" | "status"));
    e.push(("status", "probationary"));
    e.push(("phone", "13900001111"));
    e.push(("version", &version));
    let r = app.post_form(&c, &format!("/members/{m}/edit"), &e).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let page = app
        .get_with(&c, &format!("/members/{m}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("人员状态由“正式党员”变为“预备党员”"));
    let rows = app.store.audit_export(&Default::default()).await.unwrap();
    let upd = rows
        .iter()
        .rev()
        .find(|r| r.event == "member.update")
        .unwrap();
    assert!(
        upd.summary.contains("联系电话：（空） → 13900001111"),
        "{}",
        upd.summary
    );
    // Party members only: the home page's count and its list agree.
    let home = app.get_with(&c, "/").await.text().await.unwrap();
    assert!(home.contains("status=party"));
    let party = app
        .get_with(&c, &format!("/members?org={}&status=party", d.street))
        .await
        .text()
        .await
        .unwrap();
    assert!(party.contains("共 1 人"), "the activist is not counted");
}

#[tokio::test]
async fn members_are_placed_in_party_groups_of_their_branch() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let g1 = app
        .org(Some(d.a), "JD-01-G1", "第一党小组", "party_group")
        .await;
    let g_other = app
        .org(Some(d.b), "JD-02-G1", "二支部党小组", "party_group")
        .await;
    let m = app.member(d.a, "编组", 70).await;
    let c = app
        .login_as("jd_admin", Role::OrgAdmin, Some(d.street), None)
        .await;
    let page = app
        .get_with(&c, &format!("/members/{m}/edit"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("第一党小组") && !page.contains("二支部党小组"),
        "only the branch's own groups are offered"
    );
    let version = extract(&page, "name=\"version\" value=\"", "\"").unwrap();
    let org = d.a.to_string();
    let g = g1.to_string();
    let mut f = form(&org, "编组", "");
    f.retain(|(k, _)| *k != "application_date");
    f.push(("version", &version));
    f.push(("party_group_id", &g));
    let r = app.post_form(&c, &format!("/members/{m}/edit"), &f).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = app
        .get_with(&c, &format!("/members/{m}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("第一党小组"));
    // A group of another branch is refused by the store.
    let actor = xianfeng_store::audit::Actor::cli("t");
    let scope = xianfeng_domain::scope::Scope::Subtree {
        root_id: d.root,
        path: xianfeng_domain::org::OrgPath::root(d.root),
        write: true,
    };
    assert!(app
        .store
        .member_set_party_group(&actor, &scope, m, Some(g_other))
        .await
        .is_err());
    // A transfer leaves the group behind.
    app.post_form(
        &c,
        &format!("/members/{m}/transfer"),
        &[("target", "JD-02"), ("date", "2026-11-05")],
    )
    .await;
    let page = app
        .get_with(&c, &format!("/members/{m}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("未编入"));
}

#[tokio::test]
async fn stored_name_keys_follow_the_reading_of_surnames() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let zeng = app.member(d.a, "曾小明", 61).await;
    let key: String = app
        .scalar(&format!("SELECT name_key FROM members WHERE id = {zeng}"))
        .await;
    assert!(key.starts_with("zeng"), "{key}");
    // A database whose keys an older reading computed (曾 as céng) is brought up to date once.
    app.execute(&format!(
        "UPDATE members SET name_key = 'ceng xiao ming' WHERE id = {zeng}"
    ))
    .await;
    app.execute("DELETE FROM settings WHERE key = 'name_key_version'")
        .await;
    assert_eq!(app.store.name_keys_refresh().await.unwrap(), 1);
    let key: String = app
        .scalar(&format!("SELECT name_key FROM members WHERE id = {zeng}"))
        .await;
    assert!(key.starts_with("zeng"), "{key}");
    assert_eq!(app.store.name_keys_refresh().await.unwrap(), 0, "once");
}
