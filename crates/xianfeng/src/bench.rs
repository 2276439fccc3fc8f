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
use xianfeng_store::{on_db, on_tx, PageReq, Store};

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "建国", "志强", "海燕", "红梅",
    "文", "斌",
];

fn org_fields(code: &str, name: &str, kind: OrgType) -> OrgFields {
    OrgFields {
        code: OrgCode::parse(code).expect("valid code"),
        name: name.into(),
        org_type: kind,
        sector: Sector::Community,
        founded_on: None,
        secretary: None,
        term_start: None,
        term_end: None,
        contact_phone: None,
        approval_power: None,
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
    let mut rng = crate::demo::Rng::new(2026);
    let mut tx = store.begin().await?;
    let mut sample_id = String::new();
    let mut seen = std::collections::HashSet::new();
    for i in 0..members {
        let year = 1950 + rng.below(50) as i32;
        let month = 1 + rng.below(12) as u32;
        let day = 1 + rng.below(28) as u32;
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
        let adm = year + 25 + rng.below(10) as i32;
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
    store.analyze().await?;
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
            let _rows: Vec<(i64, String)> = on_db!(&store.db, |p| {
                sqlx::query_as(
                    "SELECT id, name FROM members WHERE org_path >= $1 AND org_path < $2 AND \
                    archived_at IS NULL ORDER BY name_key, id LIMIT 20",
                )
                .bind(lo)
                .bind(hi)
                .fetch_all(p)
                .await?
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

/// Removes the people (not the organisations) so that each import run starts from the same
/// state. Audit entries stay: the log is append-only.
async fn clear_people(store: &Store) -> Result<()> {
    let mut tx = store.begin().await?;
    xianfeng_store::on_tx!(&mut tx, |c| {
        for table in [
            "member_placements",
            "member_transfers",
            "member_archive_events",
            "members",
        ] {
            sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&mut *c)
                .await?;
        }
    });
    tx.commit().await?;
    Ok(())
}

/// The baseline import, the tightest write of the same rows we can make: the sheet read by
/// calamine, no checks, no encryption, into a bare copy of the roster table (no index, key or
/// trigger), in one transaction; on SQLite 500 rows per prepared multi-row INSERT, on
/// PostgreSQL one COPY.
async fn baseline_import(store: &Store, bytes: &[u8]) -> Result<usize> {
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec()))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| anyhow::anyhow!("no sheet"))??;
    let orgs: Vec<(i64, String, String)> = on_db!(&store.db, |p| {
        sqlx::query_as("SELECT id, path, code FROM orgs")
            .fetch_all(p)
            .await?
    });
    let by_code: std::collections::HashMap<&str, (i64, &str)> = orgs
        .iter()
        .map(|(id, path, code)| (code.as_str(), (*id, path.as_str())))
        .collect();
    let cell = |d: &Data| -> Option<String> {
        match d {
            Data::Empty => None,
            Data::DateTime(dt) => {
                xianfeng_domain::dates::excel_serial_to_date(dt.as_f64()).map(|d| d.to_string())
            }
            other => Some(other.to_string()),
        }
    };
    // Text columns in table order, then the five dates.
    struct Row {
        org_id: i64,
        text: [Option<String>; 13],
        dates: [Option<chrono::NaiveDate>; 5],
    }
    let mut rows = Vec::new();
    for row in range.rows().skip(2) {
        let v: Vec<Option<String>> = row.iter().map(cell).collect();
        let get = |i: usize| v.get(i).cloned().flatten();
        let Some((org_id, path)) = get(13).and_then(|c| by_code.get(c.as_str()).copied()) else {
            continue;
        };
        let date = |i: usize| get(i).and_then(|s| s.parse::<chrono::NaiveDate>().ok());
        let id = get(1);
        rows.push(Row {
            org_id,
            text: [
                Some(path.to_string()),
                get(0),
                get(0),
                get(2),
                get(3),
                get(4),
                id.clone(),
                id,
                get(5),
                get(6),
                get(7),
                get(14),
                get(15),
            ],
            dates: [date(8), date(9), date(10), date(11), date(12)],
        });
    }
    const COLUMNS: &str = "org_id, org_path, name, name_key, gender, ethnicity, birth_date, \
        id_hash, id_masked, education, status, category, phone, work_unit, application_date, \
        activist_date, candidate_date, admission_date, conversion_date, id_cipher, created_at, \
        updated_at";
    let now = store.clock.now();
    let mut tx = store.begin().await?;
    match &mut tx {
        xianfeng_store::Tx::Sqlite(t) => {
            for chunk in rows.chunks(500) {
                let mut q = sqlx::QueryBuilder::new(format!("INSERT INTO bench_bare ({COLUMNS}) "));
                q.push_values(chunk, |mut b, r| {
                    b.push_bind(r.org_id);
                    for t in &r.text {
                        b.push_bind(t.clone());
                    }
                    for d in &r.dates {
                        b.push_bind(*d);
                    }
                    b.push_bind(r.text[6].clone().unwrap_or_default().into_bytes())
                        .push_bind(now)
                        .push_bind(now);
                });
                q.build().execute(&mut **t).await?;
            }
        }
        xianfeng_store::Tx::Postgres(t) => {
            // COPY's text format: tab-separated, \N for NULL, backslash escapes.
            let esc = |s: &str| {
                s.replace('\\', "\\\\")
                    .replace('\t', "\\t")
                    .replace('\n', "\\n")
                    .replace('\r', "\\r")
            };
            let stamp = now.to_rfc3339();
            let mut data = String::with_capacity(rows.len() * 200);
            for r in &rows {
                data.push_str(&r.org_id.to_string());
                for t in &r.text {
                    data.push('\t');
                    match t {
                        Some(v) => data.push_str(&esc(v)),
                        None => data.push_str("\\N"),
                    }
                }
                for d in &r.dates {
                    data.push('\t');
                    match d {
                        Some(v) => data.push_str(&v.to_string()),
                        None => data.push_str("\\N"),
                    }
                }
                let hex: String = r.text[6]
                    .as_deref()
                    .unwrap_or_default()
                    .bytes()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                data.push_str(&format!("\t\\\\x{hex}\t{stamp}\t{stamp}\n"));
            }
            let mut copy = t
                .copy_in_raw(&format!("COPY bench_bare ({COLUMNS}) FROM STDIN"))
                .await?;
            copy.send(data.into_bytes()).await?;
            copy.finish().await?;
        }
    }
    tx.commit().await?;
    Ok(rows.len())
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// Import of a district roster of `rows` rows: the product's import (checks, encryption,
/// placements, audit) against the calamine-and-insert baseline.
pub async fn import(store: &Store, rows: usize, runs: u32) -> Result<()> {
    crate::demo::fill_district_orgs(store, 1).await?;
    let bytes = crate::demo::district_roster_xlsx(store, 1, rows)?;
    println!(
        "数据准备：先锋区 968 个组织；名册 {rows} 行，文件 {:.1} MB",
        bytes.len() as f64 / 1e6
    );
    let mut base = Vec::new();
    let mut product = Vec::new();
    let mut recheck = Vec::new();
    let actor = Actor::cli("bench");
    // The baseline writes a bare copy of the roster table: the same columns, no index, no
    // key, no trigger.
    let mut tx = store.begin().await?;
    on_tx!(&mut tx, |c| {
        sqlx::query("CREATE TABLE IF NOT EXISTS bench_bare AS SELECT * FROM members WHERE 1 = 0")
            .execute(&mut *c)
            .await?;
    });
    tx.commit().await?;
    for run in 0..=runs {
        clear_people(store).await?;
        let mut tx = store.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query("DELETE FROM bench_bare")
                .execute(&mut *c)
                .await?;
        });
        tx.commit().await?;
        let t = Instant::now();
        let n = baseline_import(store, &bytes).await?;
        let b = t.elapsed();
        if n != rows {
            anyhow::bail!("baseline inserted {n} rows");
        }
        clear_people(store).await?;
        let t = Instant::now();
        let report = xianfeng_web::imports::import_members(
            store,
            &actor,
            &bytes,
            &xianfeng_web::imports::MemberImport {
                within: Some("XF".into()),
                dry_run: false,
                accept_valid: false,
                source: "bench.xlsx".into(),
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        let p = t.elapsed();
        if !report.committed || report.accepted != rows {
            anyhow::bail!(
                "import did not commit all rows: {:?}",
                report.rejected.first()
            );
        }
        // The part of it that re-checks the district after the commit, run again alone on
        // the same data.
        let root: String = on_db!(&store.db, |c| {
            sqlx::query_scalar("SELECT path FROM orgs WHERE parent_id IS NULL ORDER BY id LIMIT 1")
                .fetch_one(c)
                .await?
        });
        let t = Instant::now();
        store
            .findings_refresh_subtree(&xianfeng_domain::org::OrgPath::from_stored(root))
            .await;
        let r = t.elapsed();
        if run > 0 {
            // The first round warms caches.
            base.push(b);
            product.push(p);
            recheck.push(r);
        }
    }
    let (b, p, r) = (median(base), median(product), median(recheck));
    println!();
    println!(
        "| 导入（{:?}，{rows} 行，{runs} 次取中位数） | 用时 | 与基线之比 |",
        store.engine()
    );
    println!("|---|---|---|");
    println!(
        "| 基线：calamine 读取，{}写入无索引、无键、无触发器的同列表，一个事务 | {} | 1.0 |",
        match store.engine() {
            xianfeng_store::Engine::Sqlite => "每条预编译 INSERT 500 行",
            xianfeng_store::Engine::Postgres => "COPY ",
        },
        secs(b)
    );
    println!(
        "| 先锋导入：逐行校验、加密、去重、落位记录、审计，一个事务 | {} | {:.2} |",
        secs(p),
        p.as_secs_f64() / b.as_secs_f64()
    );
    println!(
        "| 其中：提交后对全区的合规复查（单独再跑一次） | {} | {:.2} |",
        secs(r),
        r.as_secs_f64() / b.as_secs_f64()
    );
    Ok(())
}

/// The hand-written grouped queries the statistics answer, for the `sqlite3` / `psql` shell.
fn baseline_sql(lo: &str, hi: &str) -> String {
    let w = format!("archived_at IS NULL AND org_path >= '{lo}' AND org_path < '{hi}'");
    format!(
        "SELECT status, gender, ethnicity, education, category, COUNT(*) FROM members WHERE {w} GROUP BY 1, 2, 3, 4, 5;\n\
         SELECT birth_date, COUNT(*) FROM members WHERE {w} AND status IN ('full', 'probationary') GROUP BY 1;\n\
         SELECT admission_date, COUNT(*) FROM members WHERE {w} AND status IN ('full', 'probationary') GROUP BY 1;\n\
         SELECT org_id, status, gender, COUNT(*) FROM members WHERE {w} GROUP BY 1, 2, 3;\n\
         SELECT org_type, sector, COUNT(*) FROM orgs WHERE path >= '{lo}' AND path < '{hi}' GROUP BY 1, 2;\n"
    )
}

/// Times the baseline through the database's own shell (`sqlite3` or `psql`), as a user would.
fn shell_time(url: &str, sql: &str) -> Result<Duration> {
    let (program, args): (&str, Vec<String>) = if let Some(path) = url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap_or(path);
        ("sqlite3", vec![path.to_string()])
    } else {
        ("psql", vec!["-q".into(), "-X".into(), url.to_string()])
    };
    use std::io::Write;
    let t = Instant::now();
    let mut child = std::process::Command::new(program)
        .args(&args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .map_err(|e| anyhow::anyhow!("{program}: {e}（基线需要数据库命令行工具）"))?;
    child
        .stdin
        .take()
        .ok_or_else(|| anyhow::anyhow!("stdin"))?
        .write_all(sql.as_bytes())?;
    let status = child.wait()?;
    if !status.success() {
        anyhow::bail!("{program} failed");
    }
    Ok(t.elapsed())
}

/// The statistics table of the whole demo district or province, today and a year ago,
/// against the hand-written GROUP BY in the database's shell.
pub async fn stats(store: &Store, url: &str, scale: crate::demo::Scale, runs: u32) -> Result<()> {
    let existing: i64 = on_db!(&store.db, |p| {
        sqlx::query_scalar("SELECT COUNT(*) FROM orgs")
            .fetch_one(p)
            .await?
    });
    if existing == 0 {
        let t = Instant::now();
        let f = crate::demo::fill(store, scale, 1).await?;
        println!(
            "数据准备：{} 个组织，{} 名党员，用时 {:.0} 秒",
            f.orgs,
            f.members,
            t.elapsed().as_secs_f64()
        );
    } else {
        println!("使用库中已有数据：{existing} 个组织");
    }
    let root: (i64, String) = on_db!(&store.db, |p| {
        sqlx::query_as("SELECT id, path FROM orgs WHERE parent_id IS NULL ORDER BY id LIMIT 1")
            .fetch_one(p)
            .await?
    });
    let path = xianfeng_domain::org::OrgPath::from_stored(root.1.clone());
    let scope = Scope::Subtree {
        root_id: root.0,
        path: path.clone(),
        write: false,
    };
    let today = store.clock.today();
    let year_ago = xianfeng_domain::dates::add_months(today, -12);
    let sql = baseline_sql(path.as_str(), &path.upper_bound());
    shell_time(url, &sql)?; // warm up
    let mut v = Vec::new();
    for _ in 0..runs {
        v.push(shell_time(url, &sql)?);
    }
    let baseline = median(v);
    let now = time(runs, || {
        let scope = scope.clone();
        async move {
            store.stats_report(&scope, root.0, today).await?;
            Ok(())
        }
    })
    .await?;
    let past = time(runs, || {
        let scope = scope.clone();
        async move {
            store.stats_report(&scope, root.0, year_ago).await?;
            Ok(())
        }
    })
    .await?;
    let r = store.stats_report(&scope, root.0, today).await?;
    let b = baseline.as_secs_f64();
    println!();
    println!(
        "| 党内统计（{:?}，{} 个组织，{} 名党员，{runs} 次取中位数） | 用时 | 与基线之比 |",
        store.engine(),
        r.organizations.total,
        r.members.counts.total
    );
    println!("|---|---|---|");
    println!(
        "| 基线：数据库命令行执行手写 GROUP BY（含启动） | {} | 1.0 |",
        ms(baseline)
    );
    println!(
        "| 全表统计，截至今天 | {} | {:.2} |",
        ms(now),
        now.as_secs_f64() / b
    );
    println!(
        "| 全表统计，截至一年前（按当日所在组织与身份） | {} | {:.2} |",
        ms(past),
        past.as_secs_f64() / b
    );
    Ok(())
}

/// The least any full check must do: read every active record the rules look at and decrypt
/// its ID number.
async fn check_baseline(store: &Store) -> Result<u64> {
    use futures_util::TryStreamExt;
    use sqlx::Row;
    let mut n = 0u64;
    on_db!(&store.db, |p| {
        let mut rows = sqlx::query(
            "SELECT m.id, m.org_id, m.name, m.gender, m.birth_date, m.id_cipher, m.status, \
             m.application_date, m.activist_date, m.candidate_date, m.admission_date, m.conversion_date \
             FROM members m WHERE m.archived_at IS NULL",
        )
        .fetch(p);
        while let Some(row) = rows.try_next().await? {
            let cipher: Vec<u8> = row.try_get(5)?;
            if store.keys.decrypt_id(&cipher).is_ok() {
                n += 1;
            }
        }
    });
    Ok(n)
}

/// `bench check`: the whole check (every person and organisation), and the daily job's store
/// of its findings when nothing changed since the last run, against [`check_baseline`].
pub async fn check(store: &Store, scale: crate::demo::Scale, runs: u32) -> Result<()> {
    let existing: i64 = on_db!(&store.db, |p| {
        sqlx::query_scalar("SELECT COUNT(*) FROM orgs")
            .fetch_one(p)
            .await?
    });
    if existing == 0 {
        let t = Instant::now();
        let f = crate::demo::fill(store, scale, 1).await?;
        println!(
            "数据准备：{} 个组织，{} 名党员，{} 份发展档案，用时 {:.0} 秒",
            f.orgs,
            f.members,
            f.dev_files,
            t.elapsed().as_secs_f64()
        );
    } else {
        println!("使用库中已有数据：{existing} 个组织");
    }
    let today = store.clock.today();
    let baseline = time(runs, || async {
        check_baseline(store).await?;
        Ok(())
    })
    .await?;
    let records = check_baseline(store).await?;
    let full = time(runs, || async {
        store.check_each(None, today, None, |_| Ok(())).await?;
        Ok(())
    })
    .await?;
    let mut found = 0;
    store
        .check_each(None, today, None, |f| {
            found += f.len();
            Ok(())
        })
        .await?;
    // Findings are stored already (by the demo or an earlier run): the daily job's steady state.
    store.findings_full_run().await?;
    let steady = time(runs, || async {
        store.findings_full_run().await?;
        Ok(())
    })
    .await?;
    let b = baseline.as_secs_f64();
    println!();
    println!(
        "| 合规检查（{:?}，{records} 条在册记录，发现 {found} 条，{runs} 次取中位数） | 用时 | 与基线之比 |",
        store.engine()
    );
    println!("|---|---|---|");
    println!(
        "| 基线：读取全部在册记录并解密身份证号 | {} | 1.0 |",
        ms(baseline)
    );
    println!(
        "| 全部规则检查（xianfeng check） | {} | {:.2} |",
        ms(full),
        full.as_secs_f64() / b
    );
    println!(
        "| 每日检查（与上次相同，无新增） | {} | {:.2} |",
        ms(steady),
        steady.as_secs_f64() / b
    );
    Ok(())
}

/// Deadline surge: `submissions` half-monthly reports sent at once (64 at a time) by the
/// branches of the demo district, each to two receiving organisations, through the same store
/// call the report page makes; checked for none lost and none doubled; against a bare insert
/// of the same receipt rows at the same concurrency into a table without indexes.
pub async fn surge(store: &Store, submissions: usize, runs: u32) -> Result<()> {
    use std::collections::BTreeMap;
    use std::sync::Arc;
    use xianfeng_domain::reports::{Field, FieldKind, Schedule, Value};
    let existing: i64 = on_db!(&store.db, |p| {
        sqlx::query_scalar("SELECT COUNT(*) FROM orgs")
            .fetch_one(p)
            .await?
    });
    if existing == 0 {
        crate::demo::fill_district_orgs(store, 1).await?;
    }
    let root: (i64, String) = on_db!(&store.db, |p| {
        sqlx::query_as("SELECT id, path FROM orgs WHERE parent_id IS NULL ORDER BY id LIMIT 1")
            .fetch_one(p)
            .await?
    });
    let second: i64 = on_db!(&store.db, |p| {
        sqlx::query_scalar(
            "SELECT id FROM orgs WHERE parent_id = $1 AND org_type IN ('committee', \
             'working_committee') ORDER BY id LIMIT 1",
        )
        .bind(root.0)
        .fetch_one(p)
        .await?
    });
    let actor = Actor::cli("bench");
    let scope = Scope::whole_tree();
    let today = store.clock.today();
    let starts = xianfeng_domain::dates::add_months(today, -30);
    let mut times: Vec<(Duration, Duration)> = Vec::new();
    let mut latencies_all: Vec<Duration> = Vec::new();
    for run in 0..runs {
        let t = store
            .report_template_create(
                &actor,
                &scope,
                root.0,
                &xianfeng_store::reports::TemplateInput {
                    name: format!("半月记实（基准 {run}）"),
                    schedule: Schedule::default(),
                    submit_root: root.0,
                    submit_sector: None,
                    submit_type: Some(OrgType::Branch),
                    receivers: vec![root.0, second],
                    grace_days: 3,
                    starts_on: starts,
                    fields: vec![Field {
                        key: "f1".into(),
                        label: "主要工作".into(),
                        kind: FieldKind::LongText,
                        required: true,
                        options: vec![],
                        columns: vec![],
                        source: Default::default(),
                    }],
                },
            )
            .await?;
        let branches = store.report_submitters(&t).await?;
        let periods: Vec<String> = t
            .schedule()
            .periods_between(starts, today)
            .into_iter()
            .filter(|p| p.to >= starts && p.from <= today)
            .map(|p| p.key)
            .collect();
        let mut work: Vec<(i64, String)> = Vec::new();
        'fill: for p in &periods {
            for b in &branches {
                work.push((b.id, p.clone()));
                if work.len() == submissions {
                    break 'fill;
                }
            }
        }
        let n = work.len();
        let queue = Arc::new(std::sync::Mutex::new(work));
        let lat = Arc::new(std::sync::Mutex::new(Vec::with_capacity(n)));
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..64 {
            let store = store.clone();
            let queue = queue.clone();
            let lat = lat.clone();
            let actor = actor.clone();
            let scope = scope.clone();
            let receivers = [root.0, second];
            let tid = t.id;
            tasks.push(tokio::spawn(async move {
                loop {
                    let Some((org, period)) = queue.lock().expect("queue").pop() else {
                        return Ok::<(), anyhow::Error>(());
                    };
                    let mut v = BTreeMap::new();
                    v.insert("f1".to_string(), Value::Text(format!("{period} 工作记实")));
                    let t0 = Instant::now();
                    let problems = store
                        .report_save(&actor, &scope, tid, &period, org, &v, &receivers)
                        .await?;
                    anyhow::ensure!(problems.is_empty(), "refused: {problems:?}");
                    lat.lock().expect("lat").push(t0.elapsed());
                }
            }));
        }
        for t in tasks {
            t.await??;
        }
        let surge_time = started.elapsed();
        let (rows, distinct): (i64, i64) = on_db!(&store.db, |p| {
            sqlx::query_as(
                "SELECT COUNT(*), COUNT(DISTINCT period_key || ':' || org_id || ':' || \
                 receiver_id) FROM report_receipts WHERE template_id = $1",
            )
            .bind(t.id)
            .fetch_one(p)
            .await?
        });
        anyhow::ensure!(
            rows == 2 * n as i64 && distinct == rows,
            "lost or doubled: {rows} rows, {distinct} distinct, {} expected",
            2 * n
        );
        // The baseline: the same rows, one statement a submission, same concurrency, no
        // indexes, no checks, no audit.
        let mut tx = store.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query("DROP TABLE IF EXISTS surge_baseline")
                .execute(&mut *c)
                .await?;
            sqlx::query(
                "CREATE TABLE surge_baseline (template_id BIGINT, period_key TEXT, org_id \
                 BIGINT, receiver_id BIGINT, body TEXT, submitted_at TEXT)",
            )
            .execute(&mut *c)
            .await?;
        });
        tx.commit().await?;
        let rows_of: Vec<(String, i64)> = on_db!(&store.db, |p| {
            sqlx::query_as(
                "SELECT period_key, org_id FROM report_receipts WHERE template_id = $1 AND \
                 receiver_id = $2",
            )
            .bind(t.id)
            .bind(root.0)
            .fetch_all(p)
            .await?
        });
        let queue = Arc::new(std::sync::Mutex::new(rows_of));
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..64 {
            let store = store.clone();
            let queue = queue.clone();
            let receivers = [root.0, second];
            let tid = t.id;
            tasks.push(tokio::spawn(async move {
                loop {
                    let Some((period, org)) = queue.lock().expect("queue").pop() else {
                        return Ok::<(), anyhow::Error>(());
                    };
                    let body = format!("{{\"f1\":\"{period} 工作记实\"}}");
                    let mut tx = store.begin().await?;
                    on_tx!(&mut tx, |c| {
                        sqlx::query(
                            "INSERT INTO surge_baseline VALUES ($1, $2, $3, $4, $5, 'now'), \
                             ($1, $2, $3, $6, $5, 'now')",
                        )
                        .bind(tid)
                        .bind(&period)
                        .bind(org)
                        .bind(receivers[0])
                        .bind(&body)
                        .bind(receivers[1])
                        .execute(&mut *c)
                        .await?;
                    });
                    tx.commit().await?;
                }
            }));
        }
        for t in tasks {
            t.await??;
        }
        let baseline = started.elapsed();
        let mut tx = store.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query("DROP TABLE surge_baseline")
                .execute(&mut *c)
                .await?;
        });
        tx.commit().await?;
        println!(
            "第 {} 次：{n} 份报送（{} 条接收记录，无丢失、无重复）用时 {}，基线 {}",
            run + 1,
            rows,
            ms(surge_time),
            ms(baseline)
        );
        times.push((surge_time, baseline));
        latencies_all.extend(lat.lock().expect("lat").iter().copied());
    }
    times.sort_by_key(|t| t.0);
    let (surge_med, base_med) = times[times.len() / 2];
    latencies_all.sort();
    let pct = |q: f64| latencies_all[((latencies_all.len() as f64 - 1.0) * q) as usize];
    println!();
    println!(
        "| 截止前集中报送（{:?}，{submissions} 份、每份报送两个接收单位，64 路并发，{runs} 次取中位数） | 用时 | 与基线之比 |",
        store.engine()
    );
    println!("|---|---|---|");
    println!(
        "| 基线：同样的行逐份插入无索引的表（64 路并发） | {} | 1.0 |",
        ms(base_med)
    );
    println!(
        "| 报送（检查、草稿、两条接收记录、审计，一个事务） | {} | {:.1} |",
        ms(surge_med),
        surge_med.as_secs_f64() / base_med.as_secs_f64()
    );
    println!(
        "| 单份报送的延迟 p50 / p99 | {} / {} | — |",
        ms(pct(0.5)),
        ms(pct(0.99))
    );
    Ok(())
}
