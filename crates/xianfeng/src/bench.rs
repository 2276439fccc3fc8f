//! `xianfeng bench roster`: fills a database with one large subtree and measures the roster
//! queries, each as the median of several runs and as a ratio against a hand-written query
//! measured in the same run.

use std::time::{Duration, Instant};

use anyhow::Result;
use xianfeng_domain::members::MemberInput;
use xianfeng_domain::org::{OrgCode, OrgType, Sector};
use xianfeng_domain::scope::Scope;
use xianfeng_domain::IdNumber;
use xianfeng_store::audit::{Actor, AuditEvent};
use xianfeng_store::members::MemberFilter;
use xianfeng_store::orgs::OrgFields;
use xianfeng_store::{on_db, PageReq, Store};

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "建国", "志强", "海燕", "红梅",
    "文", "斌",
];

/// A small deterministic generator (no dependency needed for test data).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() as usize) % xs.len()]
    }
}

fn org_fields(code: &str, name: &str, kind: OrgType) -> OrgFields {
    OrgFields {
        code: OrgCode::parse(code).expect("valid code"),
        name: name.into(),
        org_type: kind,
        sector: Sector::Community,
        founded_on: None,
        secretary: None,
        deputy_secretary: None,
        committee_members: None,
        term_start: None,
        term_end: None,
        contact_phone: None,
    }
}

/// Creates one committee with `branches` branches and `members` members spread over them.
pub async fn seed(store: &Store, members: u32, branches: u32) -> Result<(i64, String)> {
    let actor = Actor::cli("bench");
    let root = store
        .org_create(
            &actor,
            &Scope::Structure,
            None,
            &org_fields("BENCH", "基准测试党委", OrgType::Committee),
        )
        .await?;
    let mut orgs = Vec::new();
    for b in 0..branches {
        let o = store
            .org_create(
                &actor,
                &Scope::Structure,
                Some(root.id),
                &org_fields(
                    &format!("BENCH-{b:03}"),
                    &format!("第{}党支部", b + 1),
                    OrgType::Branch,
                ),
            )
            .await?;
        orgs.push(o);
    }
    let today = store.clock.today();
    let mut rng = Lcg(2026);
    let mut tx = store.begin().await?;
    let mut sample_id = String::new();
    let mut seen = std::collections::HashSet::new();
    for i in 0..members {
        let year = 1950 + (rng.next() % 50) as i32;
        let month = 1 + (rng.next() % 12) as u32;
        let day = 1 + (rng.next() % 28) as u32;
        let seq = i % 1000;
        let first17 = format!("320102{year:04}{month:02}{day:02}{seq:03}");
        let Some(check) = xianfeng_domain::idnum::check_char(&first17) else {
            continue;
        };
        let id = format!("{first17}{check}");
        if IdNumber::parse(&id).is_err() || !seen.insert(id.clone()) {
            continue;
        }
        let name = format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN));
        let adm = year + 25 + (rng.next() % 10) as i32;
        let input = MemberInput {
            name,
            id_number: id.clone(),
            status: if i % 25 == 0 {
                "probationary".into()
            } else {
                "full".into()
            },
            admission_date: format!("{adm}-07-01"),
            conversion_date: if i % 25 == 0 {
                String::new()
            } else {
                format!("{}-07-01", adm + 1)
            },
            ethnicity: "汉族".into(),
            ..Default::default()
        };
        let Ok(fields) = input.parse(today) else {
            continue;
        };
        let org = &orgs[(i % branches) as usize];
        let hash = store.keys.id_lookup(fields.id_number.as_str());
        store.member_insert(&mut tx, org, &fields, &hash).await?;
        if sample_id.is_empty() {
            sample_id = id;
        }
    }
    store
        .audit(
            &mut tx,
            &actor,
            AuditEvent::ok(
                "bench.seed",
                format!("基准测试数据：{branches} 个支部，{members} 名党员"),
            ),
        )
        .await?;
    tx.commit().await?;
    // Planner statistics, as PostgreSQL's autovacuum (and SQLite's `PRAGMA optimize`) keep them.
    on_db!(&store.db, p => { sqlx::query("ANALYZE").execute(p).await?; });
    Ok((root.id, sample_id))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn time<F, Fut>(runs: u32, mut f: F) -> Result<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    f().await?; // warm up
    let mut v = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        f().await?;
        v.push(t.elapsed());
    }
    Ok(median(v))
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Seeds and measures; prints a table.
pub async fn roster(store: &Store, members: u32, runs: u32) -> Result<()> {
    let t = Instant::now();
    let (root, sample_id) = seed(store, members, 30).await?;
    println!(
        "数据准备：{members} 名党员、30 个支部，用时 {:.1} 秒",
        t.elapsed().as_secs_f64()
    );
    let org = store.org_get(&Scope::Structure, root).await?;
    let scope = Scope::Subtree {
        root_id: root,
        path: org.org_path(),
        write: false,
    };
    let path = org.org_path();

    let baseline = time(runs, || {
        let (lo, hi) = (path.as_str().to_string(), path.upper_bound());
        async move {
            let _rows: Vec<(i64, String)> = on_db!(&store.db, p => {
                sqlx::query_as("SELECT id, name FROM members WHERE org_path >= $1 AND org_path < $2 AND archived_at IS NULL ORDER BY name_key, id LIMIT 20")
                    .bind(lo).bind(hi).fetch_all(p).await?
            });
            Ok(())
        }
    })
    .await?;
    let first_page = time(runs, || {
        let scope = scope.clone();
        async move {
            store
                .member_list(
                    &scope,
                    &MemberFilter::default(),
                    PageReq::new(Some(1), Some(20)),
                )
                .await?;
            Ok(())
        }
    })
    .await?;
    let last_page = time(runs, || {
        let scope = scope.clone();
        async move {
            store
                .member_list(
                    &scope,
                    &MemberFilter::default(),
                    PageReq::new(Some(members / 20), Some(20)),
                )
                .await?;
            Ok(())
        }
    })
    .await?;
    let by_name = time(runs, || {
        let scope = scope.clone();
        async move {
            let f = MemberFilter {
                q: Some("张伟".into()),
                ..Default::default()
            };
            store
                .member_list(&scope, &f, PageReq::new(Some(1), Some(20)))
                .await?;
            Ok(())
        }
    })
    .await?;
    let by_id = time(runs, || {
        let scope = scope.clone();
        let q = sample_id.clone();
        async move {
            let f = MemberFilter {
                q: Some(q),
                ..Default::default()
            };
            store
                .member_list(&scope, &f, PageReq::new(Some(1), Some(20)))
                .await?;
            Ok(())
        }
    })
    .await?;
    let b = baseline.as_secs_f64();
    println!();
    println!(
        "| 查询（{:?}，{members} 人，{runs} 次取中位数） | 用时 | 与基线之比 |",
        store.engine()
    );
    println!("|---|---|---|");
    println!(
        "| 基线：手写 SQL 取首页 20 行（不计总数） | {} | 1.0 |",
        ms(baseline)
    );
    for (label, d) in [
        ("名册首页（含总数）", first_page),
        ("名册末页（含总数）", last_page),
        ("姓名检索“张伟”（含总数）", by_name),
        ("完整身份证号检索", by_id),
    ] {
        println!("| {label} | {} | {:.1} |", ms(d), d.as_secs_f64() / b);
    }
    Ok(())
}
