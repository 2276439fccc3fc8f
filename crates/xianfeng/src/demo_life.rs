//! The organisational life of the demo: office holders chosen from each organisation's own
//! full members (a few kept as names to resolve, a few with a predecessor), and a year of
//! meetings of the first district with realistic gaps, moves, cancellations, absences and
//! make-ups, so that the meeting rules report findings somewhere. Deterministic for a seed and
//! a reference day.

use std::collections::HashMap;

use anyhow::Result;
use chrono::{Datelike, NaiveDate};
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

/// What the demo's meetings made.
#[derive(Debug, Default, Clone, Copy)]
pub struct Made {
    pub groups: u64,
    pub meetings: u64,
    pub attendees: u64,
    pub items: u64,
}

struct MeetingRow {
    id: i64,
    org: i64,
    group: Option<i64>,
    kind: &'static str,
    date: NaiveDate,
    time: &'static str,
    topic: String,
    host: Option<i64>,
    recorder: Option<i64>,
    status: &'static str,
    minutes: Option<String>,
    cancel: Option<&'static str>,
    moved_from: Option<NaiveDate>,
    counts: Option<(i64, i64, i64)>,
    source: &'static str,
    joint: Option<i64>,
}

const TOPICS: &[&str] = &[
    "学习贯彻党的二十届三中全会精神",
    "学习《中国共产党纪律处分条例》",
    "传达上级党组织会议精神",
    "讨论年度党建工作要点",
    "开展“我为群众办实事”实践活动",
    "学习《中国共产党支部工作条例（试行）》",
    "讨论发展党员工作",
    "党费收缴情况通报",
    "结对帮扶工作推进",
    "安全生产和社区治理专题学习",
];

/// A year of meetings for the branches under `under`: older ones carry counts only (as
/// loaded from a sheet of past meetings), the last three months full attendance, a few
/// meetings ahead, and the realistic gaps the meeting rules find. Two party groups in each
/// large branch.
pub async fn meetings(
    store: &Store,
    seed: u64,
    today: NaiveDate,
    under: &xianfeng_domain::org::OrgPath,
) -> Result<Made> {
    use xianfeng_domain::dates::add_days;
    let mut rng = Rng::new(seed ^ 0x4d54);
    let mut made = Made::default();
    let branches: Vec<(i64, String, String)> = on_db!(&store.db, |p| {
        sqlx::query_as(
            "SELECT id, code, path FROM orgs WHERE path >= $1 AND path < $2 AND org_type IN \
             ('branch', 'joint_branch', 'temporary_branch') AND archived_at IS NULL ORDER BY id",
        )
        .bind(under.as_str())
        .bind(under.upper_bound())
        .fetch_all(p)
        .await?
    });
    let people: Vec<(i64, i64, String, String)> = on_db!(&store.db, |p| {
        sqlx::query_as(
            "SELECT org_id, id, name, status FROM members WHERE org_path >= $1 AND org_path < \
             $2 AND archived_at IS NULL AND status IN ('probationary', 'full') ORDER BY org_id, \
             id",
        )
        .bind(under.as_str())
        .bind(under.upper_bound())
        .fetch_all(p)
        .await?
    });
    let mut roster: HashMap<i64, Vec<(i64, String, bool)>> = HashMap::new();
    for (org, id, name, status) in people {
        roster
            .entry(org)
            .or_default()
            .push((id, name, status == "full"));
    }
    let posts: Vec<(i64, String, Option<i64>)> = on_db!(&store.db, |p| {
        sqlx::query_as(
            "SELECT org_id, post, member_id FROM org_posts WHERE end_date IS NULL ORDER BY id",
        )
        .fetch_all(p)
        .await?
    });
    let mut secretary: HashMap<i64, i64> = HashMap::new();
    let mut committee: HashMap<i64, Vec<i64>> = HashMap::new();
    for (org, post, member) in posts {
        let Some(m) = member else { continue };
        if post == "secretary" {
            secretary.insert(org, m);
        }
        committee.entry(org).or_default().push(m);
    }
    // Party groups in the large branches.
    let actor = xianfeng_store::audit::Actor::cli("demo");
    let mut groups: HashMap<i64, Vec<i64>> = HashMap::new();
    for (b, code, _) in &branches {
        let n = roster.get(b).map_or(0, |r| r.len());
        if n < 45 {
            continue;
        }
        for k in 1..=2 {
            let f = xianfeng_domain::org::OrgFields {
                code: xianfeng_domain::org::OrgCode::parse(&format!("{code}-G{k}"))
                    .map_err(|e| anyhow::anyhow!("{e}"))?,
                name: format!("第{}党小组", ["一", "二"][k - 1]),
                org_type: OrgType::PartyGroup,
                sector: xianfeng_domain::org::Sector::Other,
                founded_on: None,
                secretary: None,
                term_start: None,
                term_end: None,
                contact_phone: None,
                approval_power: None,
            };
            let g = store
                .org_create(
                    &actor,
                    &xianfeng_domain::scope::Scope::Structure,
                    Some(*b),
                    &f,
                )
                .await?;
            groups.entry(*b).or_default().push(g.id);
            made.groups += 1;
        }
        let gs = groups[b].clone();
        let mut tx = store.begin().await?;
        on_tx!(&mut tx, |c| {
            for (k, g) in gs.iter().enumerate() {
                sqlx::query(
                    "UPDATE members SET party_group_id = $1 WHERE org_id = $2 AND archived_at IS \
                     NULL AND id % 2 = $3",
                )
                .bind(*g)
                .bind(*b)
                .bind(k as i64)
                .execute(&mut *c)
                .await?;
            }
        });
        tx.commit().await?;
    }

    let first_id: i64 = on_db!(&store.db, |p| {
        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM meetings")
            .fetch_one(p)
            .await?
    });
    let mut next_id = first_id;
    let mut rows: Vec<MeetingRow> = Vec::new();
    let start = add_months(today.with_day0(0).unwrap_or(today), -12);
    let recent = add_months(today, -3);
    let day_in = |rng: &mut Rng, first: NaiveDate| add_days(first, rng.below(25) as i64 + 1);
    for (b, _, _) in &branches {
        let members = roster.get(b).cloned().unwrap_or_default();
        if members.is_empty() {
            continue;
        }
        let host = secretary.get(b).copied().or(Some(members[0].0));
        let has_committee = committee.get(b).is_some_and(|c| c.len() >= 3);
        let recorder = committee
            .get(b)
            .and_then(|c| c.get(1))
            .copied()
            .or(members.get(1).map(|m| m.0));
        // One branch in twelve keeps poor records: more gaps.
        let lax = rng.chance(85);
        let skip = |rng: &mut Rng, usual: u64| rng.chance(if lax { usual * 4 } else { usual });
        let push = |rng: &mut Rng,
                    rows: &mut Vec<MeetingRow>,
                    kind: &'static str,
                    group: Option<i64>,
                    date: NaiveDate,
                    expected: i64| {
            if date > add_days(today, 20) {
                return;
            }
            let topic = rng.pick(TOPICS).to_string();
            let (status, counts, source, minutes) = if date > today {
                ("planned", None, "entered", None)
            } else if date < recent {
                let present = expected - rng.below((expected / 5 + 1) as u64) as i64;
                let leave = ((expected - present) / 2).max(0);
                (
                    "approved",
                    Some((expected, present, leave)),
                    "imported",
                    Some(format!("{topic}。与会党员结合工作实际交流了学习体会。")),
                )
            } else {
                let st = if rng.chance(150) { "held" } else { "approved" };
                (
                    st,
                    None,
                    "entered",
                    (st == "approved")
                        .then(|| format!("{topic}。与会党员结合工作实际交流了学习体会。")),
                )
            };
            rows.push(MeetingRow {
                id: 0,
                org: *b,
                group,
                kind,
                date,
                time: ["09:00", "14:30", "19:00"][rng.below(3) as usize],
                topic,
                host,
                recorder,
                status,
                minutes,
                cancel: None,
                moved_from: None,
                counts,
                source,
                joint: None,
            });
        };
        let n = members.len() as i64;
        // Last year's organisational life meeting, held in January.
        if !skip(&mut rng, 40) {
            let jan = NaiveDate::from_ymd_opt(start.year(), 1, 1).unwrap_or(start);
            if jan < start {
                let d = day_in(&mut rng, jan);
                push(&mut rng, &mut rows, "life", None, d, n);
            }
        }
        let mut month = start;
        while month <= add_days(today, 20) {
            if has_committee && !skip(&mut rng, 40) {
                let d = day_in(&mut rng, month);
                push(&mut rng, &mut rows, "committee", None, d, 3);
            }
            if !skip(&mut rng, 60) {
                let d = day_in(&mut rng, month);
                push(&mut rng, &mut rows, "theme_day", None, d, n);
            }
            for g in groups.get(b).cloned().unwrap_or_default() {
                if !skip(&mut rng, 70) {
                    let d = day_in(&mut rng, month);
                    push(&mut rng, &mut rows, "group", Some(g), d, n / 2);
                }
            }
            let m0 = month.month0();
            if m0 % 3 == 1 {
                if !skip(&mut rng, 50) {
                    let d = day_in(&mut rng, month);
                    push(&mut rng, &mut rows, "general", None, d, n);
                }
                if !skip(&mut rng, 90) {
                    let d = day_in(&mut rng, month);
                    push(&mut rng, &mut rows, "lecture", None, d, n);
                }
            }
            if m0 == 0 && !skip(&mut rng, 40) {
                let d = day_in(&mut rng, month);
                push(&mut rng, &mut rows, "life", None, d, n);
            }
            month = add_months(month, 1);
        }
    }
    // A joint-meeting system of the first working committee (seed 002): twice a month, with
    // a few months short of it.
    let joint = joint_system(store, under, &secretary, &mut rng).await?;
    if let Some((jid, org, conveners)) = &joint {
        let mut month = start;
        let mut k = 0;
        while month <= today {
            k += 1;
            for day in [8, 22] {
                let date = month.with_day(day).unwrap_or(month);
                // Two months had only one meeting.
                if date > today || (day == 22 && (k == 4 || k == 9)) {
                    continue;
                }
                let recent = date >= recent;
                rows.push(MeetingRow {
                    id: 0,
                    org: *org,
                    group: None,
                    kind: "joint",
                    date,
                    time: "15:00",
                    topic: rng.pick(JOINT_TOPICS).to_string(),
                    host: conveners.first().map(|c| c.0),
                    recorder: conveners.get(1).map(|c| c.0),
                    status: "approved",
                    minutes: Some("各成员单位通报工作进展，研究下一步安排。".into()),
                    cancel: None,
                    moved_from: None,
                    counts: (!recent).then_some((
                        conveners.len() as i64,
                        conveners.len() as i64,
                        0,
                    )),
                    source: if recent { "entered" } else { "imported" },
                    joint: Some(*jid),
                });
            }
            month = add_months(month, 1);
        }
    }
    // A few moved and cancelled meetings among those ahead.
    for r in rows.iter_mut().filter(|r| r.status == "planned") {
        if rng.chance(80) {
            r.status = "cancelled";
            r.cancel = Some("与上级党委专题会议时间冲突，另行安排");
        } else if rng.chance(80) {
            r.moved_from = Some(add_days(r.date, -3));
        }
    }
    for r in &mut rows {
        r.id = next_id;
        next_id += 1;
    }
    let now = store.clock.now();
    let mut tx = store.begin().await?;
    for chunk in rows.chunks(500) {
        on_tx!(&mut tx, |c| {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO meetings (id, org_id, group_id, kind, meeting_date, start_time, \
                 place, online, topic, host_id, recorder_id, status, minutes, minutes_at, \
                 approved_at, closed_at, cancel_reason, moved_from, expected_count, \
                 present_count, leave_count, source, created_at, updated_at, joint_id) ",
            );
            q.push_values(chunk, |mut b, r| {
                let done = matches!(r.status, "held" | "approved");
                b.push_bind(r.id)
                    .push_bind(r.org)
                    .push_bind(r.group)
                    .push_bind(r.kind)
                    .push_bind(r.date)
                    .push_bind(r.time)
                    .push_bind("党员活动室")
                    .push_bind(false)
                    .push_bind(r.topic.clone())
                    .push_bind(r.host)
                    .push_bind(r.recorder)
                    .push_bind(r.status)
                    .push_bind(r.minutes.clone())
                    .push_bind(r.minutes.as_ref().map(|_| now))
                    .push_bind((r.status == "approved").then_some(now))
                    .push_bind(done.then_some(now))
                    .push_bind(r.cancel)
                    .push_bind(r.moved_from)
                    .push_bind(r.counts.map(|c| c.0))
                    .push_bind(r.counts.map(|c| c.1))
                    .push_bind(r.counts.map(|c| c.2))
                    .push_bind(r.source)
                    .push_bind(now)
                    .push_bind(now)
                    .push_bind(r.joint);
            });
            q.build().execute(&mut *c).await?;
        });
    }
    // Attendance of the recent meetings that took place: most present, some on leave, a few
    // absent; a third of those made up since.
    struct Att {
        meeting: i64,
        member: i64,
        name: String,
        full: bool,
        status: &'static str,
        reason: Option<&'static str>,
        makeup: Option<NaiveDate>,
    }
    let mut atts: Vec<Att> = Vec::new();
    for r in rows
        .iter()
        .filter(|r| r.source == "entered" && r.status != "cancelled")
    {
        let members = roster.get(&r.org).cloned().unwrap_or_default();
        let expected: Vec<(i64, String, bool)> = match r.kind {
            "joint" => joint
                .as_ref()
                .map(|(_, _, c)| c.iter().map(|(id, n)| (*id, n.clone(), true)).collect())
                .unwrap_or_default(),
            "committee" => members
                .iter()
                .filter(|m| committee.get(&r.org).is_some_and(|c| c.contains(&m.0)))
                .cloned()
                .collect(),
            "group" => {
                let k = groups
                    .get(&r.org)
                    .and_then(|g| g.iter().position(|x| Some(*x) == r.group))
                    .unwrap_or(0) as i64;
                members.iter().filter(|m| m.0 % 2 == k).cloned().collect()
            }
            _ => members,
        };
        for (id, name, full) in expected {
            let (status, reason) = if r.status == "planned" {
                ("unknown", None)
            } else if rng.chance(860) {
                ("present", None)
            } else if rng.chance(600) {
                (
                    "leave",
                    Some(*rng.pick(&["出差", "病假", "外出务工", "照顾家人"])),
                )
            } else {
                ("absent", None)
            };
            let makeup = (matches!(status, "absent" | "leave") && rng.chance(350))
                .then(|| add_days(r.date, 7).min(today));
            atts.push(Att {
                meeting: r.id,
                member: id,
                name,
                full,
                status,
                reason,
                makeup,
            });
        }
    }
    for chunk in atts.chunks(1000) {
        on_tx!(&mut tx, |c| {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO meeting_attendees (meeting_id, member_id, name, full_member, \
                 status, reason, checked_in_at, checked_by, makeup_on, makeup_note) ",
            );
            q.push_values(chunk, |mut b, a| {
                let present = a.status == "present";
                b.push_bind(a.meeting)
                    .push_bind(a.member)
                    .push_bind(a.name.clone())
                    .push_bind(a.full)
                    .push_bind(a.status)
                    .push_bind(a.reason)
                    .push_bind(present.then_some(now))
                    .push_bind(present.then_some("minutes"))
                    .push_bind(a.makeup)
                    .push_bind(a.makeup.map(|_| "个人自学会议精神，向支部书记汇报"));
            });
            q.build().execute(&mut *c).await?;
        });
    }
    // Decisions of the recent general meetings, a few overdue.
    let mut items = 0u64;
    for r in rows
        .iter()
        .filter(|r| r.kind == "general" && r.source == "entered" && r.status == "approved")
    {
        let Some(owner) = r.recorder.or(r.host) else {
            continue;
        };
        let name = roster
            .get(&r.org)
            .and_then(|m| m.iter().find(|x| x.0 == owner))
            .map(|x| x.1.clone())
            .unwrap_or_default();
        let due = add_days(r.date, 30);
        let done = due < today && rng.chance(700);
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO action_items (org_id, meeting_id, title, owner_id, owner_name, \
                 due_date, status, closing_note, closed_at, created_at) VALUES ($1, $2, $3, $4, \
                 $5, $6, $7, $8, $9, $10)",
            )
            .bind(r.org)
            .bind(r.id)
            .bind("走访慰问困难党员和群众")
            .bind(owner)
            .bind(&name)
            .bind(due)
            .bind(if done { "done" } else { "open" })
            .bind(done.then_some("已走访 5 户，解决实际困难 2 件"))
            .bind(done.then_some(now))
            .bind(now)
            .execute(&mut *c)
            .await?;
        });
        items += 1;
    }
    if let xianfeng_store::Tx::Postgres(t) = &mut tx {
        sqlx::query(
            "SELECT setval(pg_get_serial_sequence('meetings', 'id'), (SELECT MAX(id) FROM \
             meetings))",
        )
        .execute(&mut **t)
        .await?;
    }
    tx.commit().await?;
    // The last ended quarter's summary of the joint meetings, drafted and approved.
    if let Some((jid, ..)) = &joint {
        let scope = xianfeng_domain::scope::Scope::whole_tree();
        let q0 = today.month0() / 3 * 3;
        let this_q = NaiveDate::from_ymd_opt(today.year(), q0 + 1, 1).unwrap_or(today);
        let from = add_months(this_q, -3);
        let to = this_q.pred_opt().unwrap_or(this_q);
        let s = store
            .joint_summary_draft(&actor, &scope, *jid, from, to)
            .await?;
        let body = s.body.replace(
            "（请补充）",
            "成员单位按月沟通情况，“两新”组织党群共建示范点建设有序推进；下一步加强检查督促。",
        );
        store
            .joint_summary_save(&actor, &scope, s.id, &body, true)
            .await?;
    }
    made.meetings = rows.len() as u64;
    made.attendees = atts.len() as u64;
    made.items = items;
    Ok(made)
}

const JOINT_TOPICS: &[&str] = &[
    "研究党建带工建、团建、妇建工作安排",
    "通报成员单位党群共建创先争优进展",
    "协调“两新”组织党群共建工作",
    "部署党群共建示范点建设",
];

/// The first working committee (or committee) below `under` gets a joint-meeting system: its
/// secretary as chief convener, two members of its subtree as conveners, three organisations
/// below it and three outside bodies as member units, inspection items and the last quarter's
/// approved summary. Returns the system, its organisation and its conveners.
async fn joint_system(
    store: &Store,
    under: &xianfeng_domain::org::OrgPath,
    secretary: &HashMap<i64, i64>,
    rng: &mut Rng,
) -> Result<Option<(i64, i64, Vec<(i64, String)>)>> {
    use xianfeng_domain::scope::Scope;
    let owner: Option<(i64, String)> = on_db!(&store.db, |p| {
        sqlx::query_as(
            "SELECT id, path FROM orgs WHERE path > $1 AND path < $2 AND org_type IN \
             ('working_committee', 'committee') ORDER BY org_type DESC, id LIMIT 1",
        )
        .bind(under.as_str())
        .bind(under.upper_bound())
        .fetch_optional(p)
        .await?
    });
    let Some((org, path)) = owner else {
        return Ok(None);
    };
    let path = xianfeng_domain::org::OrgPath::from_stored(path);
    let people: Vec<(i64, String)> = on_db!(&store.db, |p| {
        sqlx::query_as(
            "SELECT id, name FROM members WHERE org_path >= $1 AND org_path < $2 AND status = \
             'full' AND archived_at IS NULL ORDER BY id LIMIT 3",
        )
        .bind(path.as_str())
        .bind(path.upper_bound())
        .fetch_all(p)
        .await?
    });
    let chief = secretary.get(&org).copied().or(people.first().map(|p| p.0));
    let Some(chief) = chief else {
        return Ok(None);
    };
    let units: Vec<i64> = on_db!(&store.db, |p| {
        sqlx::query_scalar("SELECT id FROM orgs WHERE parent_id = $1 ORDER BY id LIMIT 3")
            .bind(org)
            .fetch_all(p)
            .await?
    });
    let today = store.clock.today();
    let started = add_months(today.with_day(1).unwrap_or(today), -12);
    let actor = xianfeng_store::audit::Actor::cli("demo");
    let scope = Scope::whole_tree();
    let j = store
        .joint_create(
            &actor,
            &scope,
            org,
            &xianfeng_store::joint::JointInput {
                name: "党群共建创先争优联席会议".into(),
                duties: "研究制定党群共建创先争优工作规划，明确工作目标；定期沟通情况，研究解决重大问题；协调各成员单位发挥自身优势，共同推进工作。".into(),
                min_per_month: 2,
                started_on: started,
                chief,
                conveners: people
                    .iter()
                    .filter(|p| p.0 != chief)
                    .zip(["组织委员", "总工会主席"])
                    .map(|(p, t)| (p.0, t.to_string()))
                    .collect(),
                unit_orgs: units,
                outside_units: vec!["街道总工会".into(), "团工委".into(), "妇联".into()],
            },
        )
        .await?;
    let units = store.joint_units(&scope, j.id).await?;
    for (k, u) in units.iter().enumerate() {
        store
            .joint_inspection_add(
                &actor,
                &scope,
                j.id,
                u.id,
                "贯彻落实党群共建创先争优工作规划的情况",
                Some(add_months(today, -1)),
            )
            .await?;
        if k % 2 == 0 || rng.chance(300) {
            let id: i64 = on_db!(&store.db, |p| {
                sqlx::query_scalar("SELECT MAX(id) FROM joint_inspections")
                    .fetch_one(p)
                    .await?
            });
            store
                .joint_inspection_result(
                    &actor,
                    &scope,
                    id,
                    "已制定年度计划，按月开展活动，台账齐全",
                    add_months(today, -1),
                )
                .await?;
        }
    }
    let conveners = store
        .joint_conveners(&scope, j.id)
        .await?
        .into_iter()
        .map(|c| (c.member_id, c.name))
        .collect();
    Ok(Some((j.id, org, conveners)))
}

/// The half-monthly record of seed 001 for the schools of the district's education committee:
/// sent to the committee and to the district committee, six months of it, mostly on time,
/// some late, some sent to one receiver only, a few returned and not sent again. Returns the
/// number of receipts.
pub async fn reports(
    store: &Store,
    seed: u64,
    today: NaiveDate,
    under: &xianfeng_domain::org::OrgPath,
) -> Result<u64> {
    use xianfeng_domain::reports::{Field, FieldKind, Schedule, Source};
    use xianfeng_domain::scope::Scope;
    let mut rng = Rng::new(seed ^ 0x5250);
    let owner: Option<(i64, String)> = on_db!(&store.db, |p| {
        sqlx::query_as(
            "SELECT o.id, o.path FROM orgs o WHERE o.path > $1 AND o.path < $2 AND o.org_type IN \
             ('committee', 'working_committee') ORDER BY (SELECT COUNT(*) FROM orgs c WHERE \
             c.path > o.path AND c.path < (substr(o.path, 1, length(o.path) - 1) || '0') AND \
             c.sector = 'school' AND c.org_type = 'branch') DESC, o.id LIMIT 1",
        )
        .bind(under.as_str())
        .bind(under.upper_bound())
        .fetch_optional(p)
        .await?
    });
    let Some((owner, _)) = owner else {
        return Ok(0);
    };
    let root_id = under.ids().last().copied().unwrap_or(owner);
    let starts_on = add_months(today.with_day(1).unwrap_or(today), -6);
    let scope = Scope::whole_tree();
    let actor = xianfeng_store::audit::Actor::cli("demo");
    let field = |key: &str, label: &str, kind, required, columns, source| Field {
        key: key.into(),
        label: label.into(),
        kind,
        required,
        options: vec![],
        columns,
        source,
    };
    let t = store
        .report_template_create(
            &actor,
            &scope,
            owner,
            &xianfeng_store::reports::TemplateInput {
                name: "学校党建工作半月记实表".into(),
                schedule: Schedule::default(),
                submit_root: owner,
                submit_sector: Some(xianfeng_domain::org::Sector::School),
                submit_type: Some(OrgType::Branch),
                receivers: vec![owner, root_id],
                grace_days: 3,
                starts_on,
                fields: vec![
                    field(
                        "f1",
                        "本期组织生活",
                        FieldKind::Table,
                        false,
                        vec![
                            ("日期".into(), FieldKind::Date),
                            ("会议类型".into(), FieldKind::Text),
                            ("主题".into(), FieldKind::Text),
                            ("出席/应到".into(), FieldKind::Text),
                        ],
                        Source::Meetings,
                    ),
                    field(
                        "f2",
                        "主要工作",
                        FieldKind::LongText,
                        true,
                        vec![],
                        Source::None,
                    ),
                    field(
                        "f3",
                        "开展活动次数",
                        FieldKind::Number,
                        true,
                        vec![],
                        Source::None,
                    ),
                ],
            },
        )
        .await?;
    let schools = store.report_submitters(&t).await?;
    let receivers = [owner, root_id];
    let periods: Vec<xianfeng_domain::reports::Period> = t
        .schedule()
        .periods_between(starts_on, today)
        .into_iter()
        .filter(|p| p.opens <= today)
        .collect();
    let now = store.clock.now();
    let at = |d: NaiveDate, hour: u32| {
        xianfeng_domain::reports::end_of_day(d.pred_opt().unwrap_or(d))
            + chrono::TimeDelta::hours(i64::from(hour))
    };
    struct Row {
        org: i64,
        period: String,
        receiver: i64,
        body: String,
        submitted: chrono::DateTime<chrono::Utc>,
        returned: Option<chrono::DateTime<chrono::Utc>>,
        accepted: Option<chrono::DateTime<chrono::Utc>>,
    }
    let mut rows = Vec::new();
    for s in &schools {
        // One school in ten is often late.
        let lax = rng.chance(100);
        for p in &periods {
            let body = serde_json::json!({
                "f2": format!("{}：组织党员学习，开展志愿服务。", p.label),
                "f3": format!("{}", 1 + rng.below(4)),
            })
            .to_string();
            let window = (p.closes - p.opens).num_days().max(0) as u64;
            let on_time = at(p.opens, 0)
                + chrono::TimeDelta::days(rng.below(window + 1) as i64)
                + chrono::TimeDelta::hours(16);
            // The window still open: most schools have sent already.
            let open = p.closes >= today;
            if open && (on_time > now || rng.chance(350)) {
                continue;
            }
            for r in receivers {
                let roll = rng.below(1000);
                let (late, missing) = if lax {
                    (roll < 250, roll >= 950)
                } else {
                    (roll < 40, roll >= 985)
                };
                if missing {
                    continue;
                }
                let submitted = if late && !open {
                    at(p.closes, 0)
                        + chrono::TimeDelta::days(1 + rng.below(3) as i64)
                        + chrono::TimeDelta::hours(10)
                } else {
                    on_time
                };
                // Nothing is returned or accepted before it happens.
                let returned = (r == owner && rng.chance(25))
                    .then(|| submitted + chrono::TimeDelta::days(1))
                    .filter(|t| *t <= now);
                let accepted = (returned.is_none() && rng.chance(800))
                    .then(|| submitted + chrono::TimeDelta::days(2))
                    .filter(|t| *t <= now);
                rows.push(Row {
                    org: s.id,
                    period: p.key.clone(),
                    receiver: r,
                    body: body.clone(),
                    submitted,
                    returned,
                    accepted,
                });
            }
        }
    }
    let mut tx = store.begin().await?;
    for chunk in rows.chunks(500) {
        on_tx!(&mut tx, |c| {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO report_receipts (template_id, period_key, org_id, receiver_id, \
                 version, body, submitted_at, returned_at, return_comment, accepted_at) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(t.id)
                    .push_bind(r.period.clone())
                    .push_bind(r.org)
                    .push_bind(r.receiver)
                    .push_bind(1i64)
                    .push_bind(r.body.clone())
                    .push_bind(r.submitted)
                    .push_bind(r.returned)
                    .push_bind(r.returned.map(|_| "请补充活动的参加人数和照片说明"))
                    .push_bind(r.accepted);
            });
            q.build().execute(&mut *c).await?;
        });
    }
    tx.commit().await?;
    Ok(rows.len() as u64)
}
