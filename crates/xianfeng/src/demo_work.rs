//! The work records of the demo district: who sponsors whom in the development files, the
//! files of the recently converted, a year of party dues, letters of transfer in and out, and
//! a realistic few of every fault the compliance check knows, so that each screen shows its
//! features on first start. Deterministic for a seed and a reference day.

use std::collections::HashMap;

use anyhow::Result;
use chrono::{Datelike, NaiveDate};
use xianfeng_domain::dates::add_months;
use xianfeng_domain::dues::{month_of, monthly_dues, DuesBase, DuesCategory};
use xianfeng_domain::org::{OrgPath, OrgType};
use xianfeng_domain::scope::Scope;
use xianfeng_store::audit::Actor;
use xianfeng_store::letters::Destination;
use xianfeng_store::{on_db, on_tx, Store};

use crate::demo::Rng;

fn at(d: NaiveDate, days: i64) -> NaiveDate {
    d.checked_add_signed(chrono::TimeDelta::days(days))
        .unwrap_or(d)
}

/// One person of the district as the work records need them.
#[derive(Debug, Clone, sqlx::FromRow)]
struct Person {
    id: i64,
    org_id: i64,
    name: String,
    status: String,
    category: String,
    birth_date: NaiveDate,
    application_date: Option<NaiveDate>,
    activist_date: Option<NaiveDate>,
    candidate_date: Option<NaiveDate>,
    admission_date: Option<NaiveDate>,
    conversion_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct OrgRow {
    id: i64,
    path: String,
    org_type: String,
    name: String,
}

async fn people(store: &Store, under: &OrgPath) -> Result<Vec<Person>> {
    Ok(on_db!(&store.db, |p| {
        sqlx::query_as(
            "SELECT id, org_id, name, status, category, birth_date, application_date, activist_date, \
             candidate_date, admission_date, conversion_date FROM members \
             WHERE org_path >= $1 AND org_path < $2 AND archived_at IS NULL ORDER BY id",
        )
        .bind(under.as_str())
        .bind(under.upper_bound())
        .fetch_all(p)
        .await?
    }))
}

async fn orgs(store: &Store, under: &OrgPath) -> Result<Vec<OrgRow>> {
    Ok(on_db!(&store.db, |p| {
        sqlx::query_as(
            "SELECT id, path, org_type, name FROM orgs WHERE path >= $1 AND path < $2 ORDER \
                BY path",
        )
        .bind(under.as_str())
        .bind(under.upper_bound())
        .fetch_all(p)
        .await?
    }))
}

/// Sponsors (contacts for activists, introducers for candidates and probationary members),
/// full members of the same branch on the day they were named; a few files with three
/// contacts or one introducer (DEV-005, DEV-008).
pub async fn sponsors(store: &Store, seed: u64, under: &OrgPath) -> Result<u64> {
    let all = people(store, under).await?;
    let mut full_by_org: HashMap<i64, Vec<&Person>> = HashMap::new();
    for p in all.iter().filter(|p| p.status == "full") {
        full_by_org.entry(p.org_id).or_default().push(p);
    }
    let mut r = Rng::new(seed.wrapping_mul(31).wrapping_add(5));
    // (member, role, sponsor, named on)
    let mut rows: Vec<(i64, &'static str, &Person, NaiveDate)> = Vec::new();
    let qualified = |list: &[&'_ Person], day: NaiveDate, r: &mut Rng, n: usize| {
        let ok: Vec<usize> = (0..list.len())
            .filter(|i| list[*i].conversion_date.is_some_and(|c| c <= day))
            .collect();
        let mut out = Vec::new();
        if ok.is_empty() {
            return out;
        }
        let start = r.below(ok.len() as u64) as usize;
        for k in 0..n.min(ok.len()) {
            out.push(ok[(start + k) % ok.len()]);
        }
        out
    };
    for p in &all {
        let Some(list) = full_by_org.get(&p.org_id) else {
            continue;
        };
        let in_pipeline = matches!(p.status.as_str(), "activist" | "candidate" | "probationary");
        if !in_pipeline {
            continue;
        }
        if let Some(act) = p.activist_date {
            let n = if r.chance(5) {
                3
            } else {
                1 + r.below(2) as usize
            };
            for i in qualified(list, act, &mut r, n) {
                rows.push((p.id, "contact", list[i], act));
            }
        }
        if let (Some(cand), true) = (p.candidate_date, p.status != "activist") {
            let n = if r.chance(6) { 1 } else { 2 };
            for i in qualified(list, cand, &mut r, n) {
                rows.push((p.id, "introducer", list[i], cand));
            }
        }
    }
    let now = store.clock.now();
    let mut tx = store.begin().await?;
    for chunk in rows.chunks(500) {
        on_tx!(&mut tx, |c| {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO dev_sponsors (member_id, role, name, sponsor_member_id, \
                    named_on, created_at) ",
            );
            q.push_values(chunk, |mut b, (m, role, s, d)| {
                b.push_bind(*m)
                    .push_bind(*role)
                    .push_bind(&s.name)
                    .push_bind(s.id)
                    .push_bind(*d)
                    .push_bind(now);
            });
            q.build().execute(&mut *c).await?;
        });
    }
    tx.commit().await?;
    Ok(rows.len() as u64)
}

/// Development files of members converted in the last year or so, with the conversion steps;
/// a few approved late (DEV-015) or with a probation extension out of range (DEV-016).
pub async fn conversions(
    store: &Store,
    seed: u64,
    today: NaiveDate,
    under: &OrgPath,
) -> Result<u64> {
    use xianfeng_domain::development::Step;
    let all = people(store, under).await?;
    let mut r = Rng::new(seed.wrapping_mul(131).wrapping_add(9));
    let window = (add_months(today, -22), add_months(today, -13));
    let picked: Vec<&Person> = all
        .iter()
        .filter(|p| {
            p.status == "full"
                && p.application_date.is_some()
                && p.activist_date.is_some()
                && p.candidate_date.is_some()
                && p.admission_date
                    .is_some_and(|a| a >= window.0 && a <= window.1)
        })
        .take(80)
        .collect();
    let now = store.clock.now();
    let cols: Vec<&str> = Step::ALL.iter().map(|s| s.field()).collect();
    let mut tx = store.begin().await?;
    let mut n = 0u64;
    for p in picked {
        let (app, act, cand, gm) = (
            p.application_date.unwrap(),
            p.activist_date.unwrap(),
            p.candidate_date.unwrap(),
            p.admission_date.unwrap(),
        );
        let mut d: HashMap<Step, NaiveDate> = HashMap::new();
        d.insert(Step::Application, app);
        d.insert(Step::Talk, at(app, 7 + r.below(20) as i64).min(act));
        d.insert(Step::Activist, act);
        d.insert(Step::ActivistFiled, at(act, 5).min(cand));
        d.insert(Step::Candidate, cand);
        d.insert(Step::CandidateFiled, at(cand, 4).min(gm));
        let span = (gm - cand).num_days().max(10);
        let step = |f: f64| at(cand, (span as f64 * f) as i64);
        d.insert(Step::PoliticalReview, step(0.2));
        d.insert(Step::TrainingStart, step(0.35));
        d.insert(Step::TrainingEnd, at(step(0.35), 2));
        d.insert(Step::CommitteeReview, step(0.6));
        d.insert(Step::Precheck, step(0.8));
        d.insert(Step::GeneralMeeting, gm);
        d.insert(Step::UpperTalk, at(gm, 10));
        let approval = at(gm, 30 + r.below(40) as i64);
        d.insert(Step::Approval, approval);
        d.insert(Step::Oath, at(approval, 7));
        let extension = if r.chance(40) { Some(4) } else { None };
        let end = add_months(gm, 12 + extension.unwrap_or(0));
        d.insert(
            Step::ConversionApplication,
            at(end, -(15 + r.below(10) as i64)),
        );
        let meeting = at(end, 5 + r.below(15) as i64);
        if meeting > today {
            continue;
        }
        d.insert(Step::ConversionMeeting, meeting);
        let approval2 = if r.chance(80) {
            at(meeting, 100 + r.below(30) as i64)
        } else {
            at(meeting, 15 + r.below(45) as i64)
        };
        if approval2 <= today {
            d.insert(Step::ConversionApproval, approval2);
        }
        let dates: Vec<Option<NaiveDate>> = Step::ALL.iter().map(|s| d.get(s).copied()).collect();
        on_tx!(&mut tx, |c| {
            let mut q = sqlx::QueryBuilder::new(format!(
                "INSERT INTO dev_files (member_id, source, {}, training_hours_x10, \
                    votes_entitled, votes_present, votes_for, probation_extension_months, \
                    extension_reason, created_at, updated_at) ",
                cols.join(", ")
            ));
            q.push_values([()], |mut b, _| {
                b.push_bind(p.id).push_bind("import");
                for v in &dates {
                    b.push_bind(*v);
                }
                b.push_bind(240)
                    .push_bind(12)
                    .push_bind(11)
                    .push_bind(11)
                    .push_bind(extension)
                    .push_bind(extension.map(|_| "预备期内表现不够突出，经支部大会讨论延长预备期"))
                    .push_bind(now)
                    .push_bind(now);
            });
            q.build().execute(&mut *c).await?;
            // Assessments every five months between the activist and the candidate.
            let mut a = add_months(act, 5);
            while a < cand {
                sqlx::query(
                    "INSERT INTO dev_assessments (member_id, assessed_on, created_at) VALUES \
                    ($1, $2, $3)",
                )
                .bind(p.id)
                .bind(a)
                .bind(now)
                .execute(&mut *c)
                .await?;
                a = add_months(a, 5);
            }
        });
        n += 1;
    }
    tx.commit().await?;
    Ok(n)
}

/// Faults on the roster and in the files that the generated history does not produce by
/// itself, a few of each: under-age application (DEV-001), political review after the
/// committee (DEV-009), a one-day training (DEV-010), upper talk after approval (DEV-012),
/// roster admission date other than the meeting's (DEV-014), approval by a general branch
/// (DEV-021), an ID number that does not agree with the record (MEM-001), dates out of order
/// (MEM-002), and two branches left with fewer than three full members (ORG-001).
pub async fn faults(store: &Store, seed: u64, under: &OrgPath) -> Result<()> {
    let all = people(store, under).await?;
    let org_rows = orgs(store, under).await?;
    let mut r = Rng::new(seed.wrapping_mul(977).wrapping_add(3));
    let pick = |status: &str, r: &mut Rng, k: usize, ok: &dyn Fn(&Person) -> bool| {
        let list: Vec<&Person> = all.iter().filter(|p| p.status == status && ok(p)).collect();
        let mut out = Vec::new();
        if list.is_empty() {
            return out;
        }
        let start = r.below(list.len() as u64) as usize;
        for i in 0..k.min(list.len()) {
            out.push(list[(start + i * 97) % list.len()].clone());
        }
        out
    };
    // DEV-001: applied at seventeen (the talk not yet recorded).
    let young = pick("applicant", &mut r, 3, &|p| p.birth_date.year() >= 2000);
    let mut tx = store.begin().await?;
    for p in &young {
        let day = at(add_months(p.birth_date, 12 * 17), 100);
        on_tx!(&mut tx, |c| {
            sqlx::query("UPDATE members SET application_date = $1 WHERE id = $2")
                .bind(day)
                .bind(p.id)
                .execute(&mut *c)
                .await?;
            sqlx::query(
                "UPDATE dev_files SET application_date = $1, talk_date = NULL WHERE member_id = $2",
            )
            .bind(day)
            .bind(p.id)
            .execute(&mut *c)
            .await?;
        });
    }
    // Files of probationary members with a recorded approval.
    let approved: Vec<(i64, NaiveDate, NaiveDate, NaiveDate)> = on_db!(&store.db, |p| {
        sqlx::query_as(
            "SELECT f.member_id, f.committee_review_date, f.approval_date, f.general_meeting_date FROM dev_files f \
             JOIN members m ON m.id = f.member_id \
             WHERE m.org_path >= $1 AND m.org_path < $2 AND m.status = 'probationary' \
             AND f.approval_date IS NOT NULL AND f.committee_review_date IS NOT NULL AND f.general_meeting_date IS NOT NULL \
             ORDER BY f.member_id",
        )
        .bind(under.as_str())
        .bind(under.upper_bound())
        .fetch_all(p)
        .await?
    });
    let nth = |k: usize| approved.get((k * 131 + seed as usize) % approved.len().max(1));
    let general = org_rows
        .iter()
        .find(|o| o.org_type == OrgType::GeneralBranch.code())
        .map(|o| o.id);
    for k in 0..2 {
        if let Some((id, committee, _, _)) = nth(k) {
            on_tx!(&mut tx, |c| {
                sqlx::query("UPDATE dev_files SET political_review_date = $1 WHERE member_id = $2")
                    .bind(at(*committee, 6))
                    .bind(*id)
                    .execute(&mut *c)
                    .await?;
            });
        }
        if let Some((id, _, approval, _)) = nth(k + 2) {
            on_tx!(&mut tx, |c| {
                sqlx::query("UPDATE dev_files SET upper_talk_date = $1 WHERE member_id = $2")
                    .bind(at(*approval, 3))
                    .bind(*id)
                    .execute(&mut *c)
                    .await?;
            });
        }
        if let Some((id, _, _, gm)) = nth(k + 4) {
            on_tx!(&mut tx, |c| {
                sqlx::query("UPDATE members SET admission_date = $1 WHERE id = $2")
                    .bind(at(*gm, 7))
                    .bind(*id)
                    .execute(&mut *c)
                    .await?;
            });
        }
        // DEV-010: a one-day training of eight class hours.
        if let Some((id, ..)) = nth(k + 8) {
            on_tx!(&mut tx, |c| {
                sqlx::query(
                    "UPDATE dev_files SET training_end = training_start, training_hours_x10 = 80 \
                    WHERE member_id = $1 AND training_start IS NOT NULL",
                )
                .bind(*id)
                .execute(&mut *c)
                .await?;
            });
        }
        if let (Some((id, ..)), Some(g)) = (nth(k + 6), general) {
            on_tx!(&mut tx, |c| {
                sqlx::query("UPDATE dev_files SET approval_org_id = $1 WHERE member_id = $2")
                    .bind(g)
                    .bind(*id)
                    .execute(&mut *c)
                    .await?;
            });
        }
    }
    // MEM-001: the record's gender is not the ID number's. MEM-002: activist before application.
    for p in pick("full", &mut r, 3, &|_| true) {
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "UPDATE members SET gender = CASE WHEN gender = 'male' THEN 'female' ELSE 'male' \
                END WHERE id = $1",
            )
            .bind(p.id)
            .execute(&mut *c)
            .await?;
        });
    }
    for p in pick("full", &mut r, 2, &|p| {
        p.application_date.is_some() && p.activist_date.is_some()
    }) {
        let app = p.application_date.unwrap_or(p.birth_date);
        on_tx!(&mut tx, |c| {
            sqlx::query("UPDATE members SET activist_date = $1 WHERE id = $2")
                .bind(at(app, -40))
                .bind(p.id)
                .execute(&mut *c)
                .await?;
        });
    }
    // ORG-001: two small branches keep two full members; the others moved to a sibling.
    let mut full_by_org: HashMap<i64, Vec<i64>> = HashMap::new();
    for p in all.iter().filter(|p| p.status == "full") {
        full_by_org.entry(p.org_id).or_default().push(p.id);
    }
    let branches: Vec<&OrgRow> = org_rows
        .iter()
        .filter(|o| o.org_type == OrgType::Branch.code())
        .collect();
    let mut small: Vec<(usize, &OrgRow)> = branches
        .iter()
        .map(|o| (full_by_org.get(&o.id).map_or(0, Vec::len), *o))
        .filter(|(n, _)| *n >= 3)
        .collect();
    small.sort_by_key(|(n, o)| (*n, o.id));
    for (_, o) in small.iter().take(2) {
        let parent = &o.path[..o.path[..o.path.len() - 1].rfind('/').unwrap_or(0) + 1];
        let Some(sibling) = branches
            .iter()
            .find(|s| s.id != o.id && s.path.starts_with(parent) && s.path.len() == o.path.len())
        else {
            continue;
        };
        let ids = &full_by_org[&o.id];
        for id in &ids[2..] {
            on_tx!(&mut tx, |c| {
                sqlx::query("UPDATE members SET org_id = $1, org_path = $2 WHERE id = $3")
                    .bind(sibling.id)
                    .bind(&sibling.path)
                    .bind(*id)
                    .execute(&mut *c)
                    .await?;
            });
        }
        tracing::debug!(branch = %o.name, "ORG-001 in the demo");
    }
    tx.commit().await?;
    Ok(())
}

/// A year of dues for every branch of the district: bases by category, monthly payments on
/// the collection days, mobile members paying by the quarter, a few reductions with the upper
/// approval, back pay after a few missed months, a few exemptions with reasons, members who
/// lost contact paying nothing (DUES-002), and a few underpaid without a reason (DUES-001).
pub async fn dues(store: &Store, seed: u64, today: NaiveDate, under: &OrgPath) -> Result<u64> {
    let all = people(store, under).await?;
    let org_rows = orgs(store, under).await?;
    let cfg = store.rules_config().await?;
    let this_month = month_of(today);
    let start = add_months(this_month, -12);
    let now = store.clock.now();
    let mut r = Rng::new(seed.wrapping_mul(7_877).wrapping_add(1));
    let mut tx = store.begin().await?;
    let branch_ids: Vec<i64> = org_rows
        .iter()
        .filter(|o| OrgType::parse(&o.org_type).is_some_and(|t| t.is_branch()))
        .map(|o| o.id)
        .collect();
    for chunk in branch_ids.chunks(500) {
        on_tx!(&mut tx, |c| {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO dues_books (org_id, start_month, created_at) ",
            );
            q.push_values(chunk, |mut b, id| {
                b.push_bind(*id).push_bind(start).push_bind(now);
            });
            q.build().execute(&mut *c).await?;
        });
    }
    // (member, effective month, base)
    let mut bases: Vec<(i64, NaiveDate, DuesBase)> = Vec::new();
    // (member, month, amount, paid on, reason)
    type Pay = (i64, NaiveDate, i64, Option<NaiveDate>, Option<&'static str>);
    let mut pays: Vec<Pay> = Vec::new();
    // The committee above each branch (上一级党委), which approves reductions.
    let kinds: std::collections::HashMap<i64, (&str, &str)> = org_rows
        .iter()
        .map(|o| (o.id, (o.org_type.as_str(), o.name.as_str())))
        .collect();
    let committee_of = |org: i64| -> Option<i64> {
        let row = org_rows.iter().find(|o| o.id == org)?;
        OrgPath::from_stored(row.path.clone())
            .ids()
            .into_iter()
            .rev()
            .skip(1)
            .find(|id| {
                kinds.get(id).is_some_and(|(t, _)| {
                    matches!(
                        OrgType::parse(t),
                        Some(OrgType::Committee | OrgType::WorkingCommittee)
                    )
                })
            })
    };
    let mut committees: std::collections::HashMap<i64, Option<i64>> = Default::default();
    // (member, approved monthly amount, month, approving committee, approved on)
    let mut reductions: Vec<(i64, i64, NaiveDate, i64, NaiveDate)> = Vec::new();
    for p in all
        .iter()
        .filter(|p| p.status == "full" || p.status == "probationary")
    {
        let Some(adm) = p.admission_date else {
            continue;
        };
        let from = month_of(adm).max(start);
        let yuan = |lo: u64, hi: u64, r: &mut Rng| ((lo + r.below(hi - lo)) * 100) as i64;
        let base = match p.category.as_str() {
            "retired" => DuesBase {
                category: DuesCategory::Retired,
                base: Some(yuan(2_200, 7_800, &mut r)),
                farmer_amount: None,
            },
            "farmer" => DuesBase {
                category: DuesCategory::Farmer,
                base: None,
                farmer_amount: Some(*r.pick(&[20, 50, 100])),
            },
            "student" => DuesBase {
                category: DuesCategory::Student,
                base: None,
                farmer_amount: None,
            },
            "unemployed" | "lost_contact" => DuesBase {
                category: if r.chance(300) {
                    DuesCategory::Relief
                } else {
                    DuesCategory::Unemployed
                },
                base: None,
                farmer_amount: None,
            },
            _ => DuesBase {
                category: DuesCategory::Employed,
                base: Some(yuan(2_600, 16_000, &mut r)),
                farmer_amount: None,
            },
        };
        bases.push((p.id, from, base));
        // A pay rise half-way through the year for some of the employed.
        let mut raise = None;
        if base.category == DuesCategory::Employed && r.chance(60) {
            let m = add_months(start, 6).max(from);
            let b = DuesBase {
                base: base.base.map(|x| x + 50_000),
                ..base
            };
            bases.push((p.id, m, b));
            raise = Some((m, b));
        }
        if p.category == "lost_contact" {
            continue;
        }
        let quarterly = p.category == "mobile";
        let exempt = r.chance(2);
        let underpay = r.chance(4);
        let reduced = r.chance(10);
        let late = r.chance(5);
        let mut m = from;
        let mut k = 0;
        while m <= this_month {
            let b = match raise {
                Some((rm, rb)) if m >= rm => rb,
                _ => base,
            };
            let due = monthly_dues(&cfg.at(m).dues, &b).unwrap_or(0);
            let day = |m: NaiveDate, r: &mut Rng| at(m, 4 + r.below(20) as i64);
            let current = m == this_month;
            let mut paid_on = if quarterly {
                // Paid in the quarter's last month.
                let q_end = add_months(m, (2 - (m.month0() % 3)) as i32);
                day(q_end, &mut r)
            } else {
                day(m, &mut r)
            };
            if late && (3..6).contains(&k) {
                // Three months missed, paid together later.
                paid_on = day(add_months(m, 6 - k), &mut r);
            }
            let mut amount = due;
            let mut reason = None;
            if exempt && (4..7).contains(&k) {
                pays.push((
                    p.id,
                    m,
                    0,
                    None,
                    Some("长期患病住院，经支部委员会研究暂缓缴纳"),
                ));
                m = add_months(m, 1);
                k += 1;
                continue;
            }
            if reduced && k == 2 {
                amount = due / 2;
                let committee = *committees
                    .entry(p.org_id)
                    .or_insert_with(|| committee_of(p.org_id));
                // Most with the approval on record; a few with only a reason typed in
                // (DUES-001: a reason is not an approval).
                match committee {
                    Some(c) if !r.chance(4) => {
                        reason = Some("家庭遭遇重大变故，经上级党委批准减缴");
                        reductions.push((p.id, amount, m, c, at(m, 2)));
                    }
                    _ => reason = Some("家庭困难，支部同意少交"),
                }
            } else if underpay && k == 5 && due >= 200 {
                amount = due * 7 / 10;
            }
            if paid_on <= today && !(current && r.chance(500)) {
                pays.push((p.id, m, amount, Some(paid_on), reason));
            }
            m = add_months(m, 1);
            k += 1;
        }
    }
    for chunk in bases.chunks(500) {
        on_tx!(&mut tx, |c| {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO dues_bases (member_id, effective_month, category, base_fen, \
                    farmer_fen, created_at) ",
            );
            q.push_values(chunk, |mut b, (id, m, base)| {
                b.push_bind(*id)
                    .push_bind(*m)
                    .push_bind(base.category.code())
                    .push_bind(base.base)
                    .push_bind(base.farmer_amount)
                    .push_bind(now);
            });
            q.build().execute(&mut *c).await?;
        });
    }
    let collectors = ["组织委员", "支部书记", "党小组长"];
    for chunk in pays.chunks(500) {
        on_tx!(&mut tx, |c| {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO dues_payments (member_id, month, amount_fen, paid_on, \
                    collector, reason, created_at, updated_at) ",
            );
            q.push_values(chunk, |mut b, (id, m, amount, on, reason)| {
                b.push_bind(*id)
                    .push_bind(*m)
                    .push_bind(*amount)
                    .push_bind(*on)
                    .push_bind(on.map(|_| collectors[(*id % 3) as usize]))
                    .push_bind(*reason)
                    .push_bind(now)
                    .push_bind(now);
            });
            q.build().execute(&mut *c).await?;
        });
    }
    for chunk in reductions.chunks(500) {
        on_tx!(&mut tx, |c| {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO dues_reductions (member_id, kind, amount_fen, from_month, to_month, approval_org_id, approved_on, \
                 document_no, reason, created_at) ",
            );
            q.push_values(chunk, |mut b, (id, amount, m, org, on)| {
                b.push_bind(*id)
                    .push_bind("reduce")
                    .push_bind(*amount)
                    .push_bind(*m)
                    .push_bind(*m)
                    .push_bind(*org)
                    .push_bind(*on)
                    .push_bind(format!("组字〔{}〕{}号", on.year(), 10 + id % 90))
                    .push_bind("家庭遭遇重大变故，经济确有困难")
                    .push_bind(now);
            });
            q.build().execute(&mut *c).await?;
        });
    }
    tx.commit().await?;
    Ok(pays.len() as u64)
}

/// Letters of transfer through the store's own procedure: moves between branches of the
/// district (reported, a few still open, a few expired: MEM-004), letters to organisations
/// outside (received and still open), and people who arrived from outside with their letters
/// (one of them late: MEM-004).
pub async fn letters(
    store: &Store,
    seed: u64,
    today: NaiveDate,
    root_id: i64,
    under: &OrgPath,
) -> Result<u64> {
    let scope = Scope::Subtree {
        root_id,
        path: under.clone(),
        write: true,
    };
    let actor = Actor::cli("demo");
    let all = people(store, under).await?;
    let branches: Vec<OrgRow> = orgs(store, under)
        .await?
        .into_iter()
        .filter(|o| o.org_type == OrgType::Branch.code())
        .collect();
    let mut r = Rng::new(seed.wrapping_mul(5_003).wrapping_add(77));
    let members: Vec<&Person> = all.iter().filter(|p| p.status == "full").collect();
    if members.is_empty() || branches.len() < 2 {
        return Ok(0);
    }
    let mut n = 0u64;
    let year = today.year();
    let mut used = std::collections::HashSet::new();
    let mut next_person = |r: &mut Rng| loop {
        let p = members[r.below(members.len() as u64) as usize];
        if used.insert(p.id) {
            return p;
        }
    };
    let outside = [
        "中共杭州市西湖区委组织部",
        "中共宁波市鄞州区首南街道工作委员会",
        "中共上海市浦东新区张江镇委员会",
        "中共温州市鹿城区五马街道委员会",
    ];
    for k in 0..26u64 {
        let p = next_person(&mut r);
        let issued = at(today, -(10 + r.below(150) as i64));
        let no = format!("先锋组转〔{year}〕{:03}号", k + 1);
        let to = if k < 20 {
            let b = loop {
                let b = &branches[r.below(branches.len() as u64) as usize];
                if b.id != p.org_id {
                    break b;
                }
            };
            Destination::Org(b.id)
        } else {
            Destination::Outside(outside[(k as usize) % outside.len()].to_string())
        };
        let id = store
            .letter_issue(&actor, &scope, p.id, &no, to, issued, None)
            .await?;
        n += 1;
        // Most report within a month; some letters are still open, a few of them expired.
        let reported = at(issued, 3 + r.below(25) as i64);
        let open = k % 5 == 4 || k == 23;
        if !open && reported <= today {
            store.letter_report(&actor, &scope, id, reported).await?;
        }
    }
    for k in 0..10u64 {
        let p = next_person(&mut r);
        let issued = at(today, -(20 + r.below(300) as i64));
        let reported = if k == 0 {
            at(add_months(issued, 3), 20)
        } else {
            at(issued, 2 + r.below(20) as i64)
        };
        if reported > today {
            continue;
        }
        store
            .letter_receive(
                &actor,
                &scope,
                p.id,
                &format!("组转〔{year}〕{:03}号", 40 + k),
                outside[(k as usize) % outside.len()],
                issued,
                None,
                reported,
            )
            .await?;
        n += 1;
    }
    Ok(n)
}

/// Members whose category is 失联 lost contact on a recorded day; those out of contact for
/// long mostly had their standing suspended six or seven months later (MEM-003 finds the
/// rest, and those suspended two years ago).
pub async fn lost_contact(
    store: &Store,
    seed: u64,
    today: NaiveDate,
    under: &OrgPath,
) -> Result<u64> {
    let all = people(store, under).await?;
    let mut r = Rng::new(seed.wrapping_mul(613).wrapping_add(29));
    let now = store.clock.now();
    let mut tx = store.begin().await?;
    let mut n = 0;
    for p in all.iter().filter(|p| {
        p.category == "lost_contact" && (p.status == "full" || p.status == "probationary")
    }) {
        let floor = p.admission_date.unwrap_or(p.birth_date);
        let lost = add_months(today, -(1 + r.below(36) as i32))
            .max(at(floor, 1))
            .min(today);
        let suspended = add_months(lost, 6 + r.below(2) as i32);
        let age_then = lost.year() - p.birth_date.year();
        let prev = if age_then >= 60 {
            "retired"
        } else {
            "employed"
        };
        let suspend = suspended <= today && r.chance(900);
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO member_contact_events (member_id, kind, on_date, prev_category, \
                    note, created_at) VALUES ($1, 'lost', $2, $3, $4, $5)",
            )
            .bind(p.id)
            .bind(lost)
            .bind(prev)
            .bind("电话无法接通，外出地址不详")
            .bind(now)
            .execute(&mut *c)
            .await?;
            if suspend {
                sqlx::query(
                    "INSERT INTO member_contact_events (member_id, kind, on_date, note, \
                        created_at) VALUES ($1, 'suspended', $2, $3, $4)",
                )
                .bind(p.id)
                .bind(suspended)
                .bind("经支部大会讨论，停止其党籍")
                .bind(now)
                .execute(&mut *c)
                .await?;
            }
        });
        n += 1;
    }
    tx.commit().await?;
    Ok(n)
}
