//! The organisational life of the demo: office holders chosen from each organisation's own
//! full members (a few kept as names to resolve, a few with a predecessor), and a year of
//! meetings of the first district with realistic gaps, moves, cancellations, absences and
//! make-ups, so that the meeting rules report findings somewhere. Deterministic for a seed and
//! a reference day.

use std::collections::HashMap;

use anyhow::Result;
use chrono::NaiveDate;
use xianfeng_domain::dates::add_months;
use xianfeng_domain::org::OrgType;
use xianfeng_store::{on_db, on_tx, Store};

use crate::demo::Rng;

/// Office holders for every organisation, then the summaries of `orgs`.
pub async fn posts(store: &Store, seed: u64) -> Result<u64> {
    let mut rng = Rng::new(seed ^ 0x5057);
    let orgs: Vec<(i64, String, String, Option<NaiveDate>)> = on_db!(&store.db, |p| {
        sqlx::query_as("SELECT id, path, org_type, term_start FROM orgs ORDER BY path")
            .fetch_all(p)
            .await?
    });
    // The first full members of each organisation, and its party members in all.
    let firsts: Vec<(i64, i64, String)> = on_db!(&store.db, |p| {
        sqlx::query_as(
            "SELECT org_id, id, name FROM (SELECT org_id, id, name, ROW_NUMBER() OVER \
             (PARTITION BY org_id ORDER BY id) AS k FROM members WHERE status = 'full' AND \
             archived_at IS NULL) x WHERE k <= 6 ORDER BY org_id, id",
        )
        .fetch_all(p)
        .await?
    });
    let sizes: HashMap<i64, i64> = on_db!(&store.db, |p| {
        sqlx::query_as::<_, (i64, i64)>(
            "SELECT org_id, COUNT(*) FROM members WHERE status IN ('probationary', 'full') AND \
             archived_at IS NULL GROUP BY org_id",
        )
        .fetch_all(p)
        .await?
    })
    .into_iter()
    .collect();
    let mut pools: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
    for (org, id, name) in firsts {
        pools.entry(org).or_default().push((id, name));
    }
    struct Row {
        org: i64,
        post: &'static str,
        member: Option<i64>,
        name: String,
        start: Option<NaiveDate>,
        end: Option<NaiveDate>,
        elected: Option<NaiveDate>,
        reason: Option<&'static str>,
        source: &'static str,
    }
    let mut rows: Vec<Row> = Vec::new();
    let now = store.clock.now();
    for (i, (id, path, kind, term_start)) in orgs.iter().enumerate() {
        let kind = OrgType::parse(kind).unwrap_or(OrgType::Branch);
        if kind == OrgType::PartyGroup {
            continue;
        }
        // An organisation without members of its own takes its team from the first
        // organisation below it that has some (a committee's secretary sits in a branch).
        let pool = match pools.get(id) {
            Some(p) => p.clone(),
            None => orgs[i + 1..]
                .iter()
                .take_while(|(_, p, ..)| p.starts_with(path.as_str()))
                .find_map(|(o, ..)| pools.get(o).cloned())
                .unwrap_or_default(),
        };
        if pool.is_empty() || id % 97 == 5 {
            continue;
        }
        let size = sizes.get(id).copied().unwrap_or(0);
        let mut add = |post: &'static str, k: usize, rng: &mut Rng| {
            let Some((m, name)) = pool.get(k) else { return };
            // One in fifty kept as a name written by hand, to be linked to the roster.
            let (member, source) = if rng.chance(20) {
                (None, "migrated")
            } else {
                (Some(*m), "elected")
            };
            rows.push(Row {
                org: *id,
                post,
                member,
                name: name.clone(),
                start: *term_start,
                end: None,
                elected: *term_start,
                reason: None,
                source,
            });
        };
        add("secretary", 0, &mut rng);
        if !kind.is_branch() || size > 40 {
            add("deputy", 1, &mut rng);
        }
        if kind.is_branch() && size >= 7 && id % 53 != 7 {
            add("organisation", 2, &mut rng);
            add("propaganda", 3, &mut rng);
            add("discipline", 4, &mut rng);
        }
        // One in ten had another secretary before this term.
        if let (Some(start), true) = (term_start, rng.chance(100)) {
            if let Some((m, name)) = pool.get(5).or(pool.last()) {
                let years = kind.term_years(xianfeng_domain::org::Sector::Other);
                let before = add_months(*start, -12 * years);
                rows.push(Row {
                    org: *id,
                    post: "secretary",
                    member: Some(*m),
                    name: name.clone(),
                    start: Some(before),
                    end: Some(*start),
                    elected: Some(before),
                    reason: Some("换届"),
                    source: "elected",
                });
            }
        }
    }
    let mut tx = store.begin().await?;
    for chunk in rows.chunks(1000) {
        on_tx!(&mut tx, |c| {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO org_posts (org_id, post, member_id, holder_name, start_date, \
                 end_date, elected_on, end_reason, source, recorded_at) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.org)
                    .push_bind(r.post)
                    .push_bind(r.member)
                    .push_bind(r.name.clone())
                    .push_bind(r.start)
                    .push_bind(r.end)
                    .push_bind(r.elected)
                    .push_bind(r.reason)
                    .push_bind(r.source)
                    .push_bind(now);
            });
            q.build().execute(&mut *c).await?;
        });
    }
    tx.commit().await?;
    store.posts_summarise_all().await?;
    Ok(rows.len() as u64)
}
