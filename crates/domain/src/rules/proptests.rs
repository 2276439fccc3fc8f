//! Properties of every rule over random configurations and random facts: no rule panics for
//! any number (zero, negative, huge, out of range); a finding names a rule that is switched on
//! and belongs to the kind of facts judged; and, for numbers that pass validation and facts
//! that could be on record, no finding is dated before the facts it is based on and no
//! deadline falls before the event it counts from.

use proptest::collection::vec;
use proptest::prelude::*;

use super::*;
use crate::contact::{ContactEvent, ContactKind};
use crate::dates::add_days;
use crate::development::{Approver, Sponsor, SponsorRole, Standing, Votes};
use crate::dues::{
    month_of, Bracket, DuesBase, DuesCategory, MonthRecord, Reduction, ReductionKind,
};
use crate::org::{OrgType, Sector};

fn day0() -> NaiveDate {
    NaiveDate::from_ymd_opt(1950, 1, 1).expect("valid date")
}

/// A day between 1950 and 2100.
fn date() -> impl Strategy<Value = NaiveDate> {
    (0i64..55_000).prop_map(|n| add_days(day0(), n))
}

fn opt_date() -> impl Strategy<Value = Option<NaiveDate>> {
    proptest::option::of(date())
}

/// Any integer, with the edges and small values drawn often.
fn wild() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(0i64),
        Just(-1),
        Just(1),
        Just(i64::MIN),
        Just(i64::MAX),
        Just(i64::from(i32::MIN)),
        Just(i64::from(i32::MAX)),
        -40i64..400,
        any::<i64>(),
    ]
}

fn wild_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0),
        Just(-1.0),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        -10.0f64..100.0,
        any::<f64>(),
    ]
}

fn to_i32(x: i64) -> i32 {
    i32::try_from(x).unwrap_or(if x < 0 { i32::MIN } else { i32::MAX })
}

fn to_usize(x: i64) -> usize {
    usize::try_from(x.unsigned_abs()).unwrap_or(usize::MAX)
}

fn pick<T: Copy + std::fmt::Debug>(all: &[T]) -> impl Strategy<Value = T> + '_ {
    (0..all.len()).prop_map(move |i| all[i])
}

fn brackets(v: Vec<(Option<i64>, i64)>) -> Vec<Bracket> {
    v.into_iter()
        .map(|(up_to, rate_bp)| Bracket { up_to, rate_bp })
        .collect()
}

/// Numbers of any value: from 40 integers, a float and two lists of brackets.
fn any_numbers() -> impl Strategy<Value = Numbers> {
    (
        vec(wild(), 40),
        wild_f64(),
        vec((proptest::option::of(wild()), wild()), 0..4),
        vec((proptest::option::of(wild()), wild()), 0..4),
    )
        .prop_map(|(x, hours, employed, retired)| {
            let mut n = Numbers::default();
            let d = &mut n.development;
            d.min_age = to_i32(x[0]);
            d.talk_within_months = to_i32(x[1]);
            d.filing_days = x[2];
            d.contacts_min = to_usize(x[3]);
            d.contacts_max = to_usize(x[4]);
            d.assessment_months = to_i32(x[5]);
            d.candidate_after_months = to_i32(x[6]);
            d.introducers = to_usize(x[7]);
            d.training_days = x[8];
            d.training_hours = hours;
            d.approval_months = to_i32(x[9]);
            d.approval_extended_months = to_i32(x[10]);
            d.probation_months = to_i32(x[11]);
            d.conversion_approval_months = to_i32(x[12]);
            d.extension_min_months = to_i32(x[13]);
            d.extension_max_months = to_i32(x[14]);
            d.conversion_meeting_days = x[15];
            d.probation_warning_days = x[16];
            d.approval_warning_days = x[17];
            let o = &mut n.organisation;
            o.branch_min_full = x[18];
            o.branch_committee_from = x[19];
            o.branch_max_members = x[20];
            o.committee_suggested_from = x[21];
            o.term_warning_days = x[22];
            o.term_postpone_months = to_i32(x[23]);
            n.member.lost_contact_months = to_i32(x[24]);
            n.member.lost_contact_removal_months = to_i32(x[25]);
            let u = &mut n.dues;
            u.employed = brackets(employed);
            u.retired = brackets(retired);
            u.fixed = x[26];
            u.farmer_min = x[27];
            u.farmer_max = x[28];
            u.unpaid_months = to_i32(x[29]);
            u.back_pay_months = to_i32(x[30]);
            n.meetings.meetings_lookback_months = x[31];
            n.meetings.meetings_warning_days = x[32];
            n
        })
}

/// Numbers that pass validation: each inside its range, lower limits not above upper ones.
fn valid_numbers() -> impl Strategy<Value = Numbers> {
    (
        (
            14i32..=40,
            1i32..=12,
            1i64..=365,
            1usize..=10,
            1usize..=10,
            1i32..=24,
        ),
        (
            1i32..=60,
            1usize..=10,
            1i64..=60,
            1.0f64..500.0,
            1i32..=24,
            1i32..=24,
        ),
        (
            1i32..=36,
            1i32..=24,
            1i32..=24,
            1i32..=24,
            0i64..=365,
            0i64..=365,
        ),
        (
            0i64..=365,
            1i64..=50,
            1i64..=100,
            1i64..=1000,
            1i64..=100_000,
            0i64..=730,
        ),
        (
            0i32..=60,
            1i32..=60,
            1i32..=120,
            1i32..=24,
            0i32..=60,
            0i64..=100_000,
        ),
    )
        .prop_map(|(a, b, c, e, f)| {
            let mut n = Numbers::default();
            let d = &mut n.development;
            d.min_age = a.0;
            d.talk_within_months = a.1;
            d.filing_days = a.2;
            d.contacts_min = a.3.min(a.4);
            d.contacts_max = a.3.max(a.4);
            d.assessment_months = a.5;
            d.candidate_after_months = b.0;
            d.introducers = b.1;
            d.training_days = b.2;
            d.training_hours = b.3;
            d.approval_months = b.4.min(b.5);
            d.approval_extended_months = b.4.max(b.5);
            d.probation_months = c.0;
            d.conversion_approval_months = c.1;
            d.extension_min_months = c.2.min(c.3);
            d.extension_max_months = c.2.max(c.3);
            d.conversion_meeting_days = c.4;
            d.probation_warning_days = c.5;
            d.approval_warning_days = e.0;
            let o = &mut n.organisation;
            o.branch_min_full = e.1;
            o.branch_committee_from = e.2;
            o.branch_max_members = e.3;
            o.committee_suggested_from = e.4;
            o.term_warning_days = e.5;
            o.term_postpone_months = f.0;
            n.member.lost_contact_months = f.1;
            n.member.lost_contact_removal_months = f.2;
            n.dues.unpaid_months = f.3;
            n.dues.back_pay_months = f.4;
            n.dues.fixed = f.5;
            n
        })
}

/// Up to three versions of the numbers and a few rules switched off.
fn config(numbers: impl Strategy<Value = Numbers>) -> impl Strategy<Value = RuleConfig> {
    (
        vec((date(), numbers), 1..4),
        vec(0usize..33, 0..4),
        any::<bool>(),
    )
        .prop_map(|(versions, off, keep_first)| {
            let ids: Vec<&str> = catalogue().map(|e| e.id).collect();
            let mut versions: Vec<RuleVersion> = versions
                .into_iter()
                .map(|(effective, numbers)| RuleVersion { effective, numbers })
                .collect();
            versions.sort_by_key(|v| v.effective);
            versions.dedup_by_key(|v| v.effective);
            if keep_first {
                versions[0].effective = day0();
            }
            RuleConfig {
                versions,
                disabled: off
                    .into_iter()
                    .map(|i| ids[i % ids.len()].to_string())
                    .collect(),
            }
        })
}

/// Facts as they may be on record: extensions of probation of whole positive months, letters
/// valid from the day they are issued.
#[derive(Debug, Clone, Copy)]
struct Shape {
    sane: bool,
}

fn dev_file(shape: Shape) -> impl Strategy<Value = DevFile> {
    let extension = if shape.sane {
        proptest::option::of(0i64..=24).boxed()
    } else {
        proptest::option::of(wild()).boxed()
    };
    let approver = || {
        proptest::option::of(
            (pick(OrgType::ALL), pick(Sector::ALL), any::<bool>()).prop_map(
                |(kind, sector, power)| Approver {
                    name: "中共示范街道工作委员会".into(),
                    kind,
                    sector,
                    power,
                },
            ),
        )
    };
    (
        vec(opt_date(), Step::ALL.len()),
        vec(date(), 0..4),
        vec((any::<bool>(), 0usize..4, date()), 0..4),
        proptest::option::of(wild_f64()),
        proptest::option::of((wild(), wild(), wild())),
        (approver(), approver()),
        extension,
        (proptest::option::of("[a-z原因 ]{0,4}"), any::<bool>()),
    )
        .prop_map(
            |(
                dates,
                assessments,
                sponsors,
                hours,
                votes,
                (approver, conversion_approver),
                ext,
                (reason, known),
            )| {
                let mut f = DevFile {
                    assessments,
                    training_hours: hours,
                    votes: votes.map(|(e, p, i)| Votes {
                        entitled: to_i32(e),
                        present: to_i32(p),
                        in_favour: to_i32(i),
                    }),
                    approver,
                    conversion_approver,
                    expected_approver: Some("中共示范区委员会".into()),
                    extension_reason: reason,
                    probation_extension_months: ext.map(to_i32),
                    sponsors_known: known,
                    ..DevFile::default()
                };
                for (step, d) in Step::ALL.iter().zip(dates) {
                    f.set(*step, d);
                }
                f.sponsors = sponsors
                    .into_iter()
                    .enumerate()
                    .map(|(i, (contact, standing, named_on))| Sponsor {
                        role: if contact {
                            SponsorRole::Contact
                        } else {
                            SponsorRole::Introducer
                        },
                        name: format!("介绍人{i}"),
                        member_id: None,
                        named_on,
                        standing: [
                            Standing::Full,
                            Standing::Probationary,
                            Standing::NotMember,
                            Standing::Unknown,
                        ][standing],
                    })
                    .collect();
                f
            },
        )
}

/// The owned parts of a person's facts.
#[derive(Debug, Clone)]
struct Person {
    birth: NaiveDate,
    gender: &'static str,
    id_number: Option<&'static str>,
    status: MemberStatus,
    roster: [Option<NaiveDate>; 5],
    file: Option<DevFile>,
}

impl Person {
    fn facts(&self) -> PersonFacts<'_> {
        let [application, activist, candidate, admission, conversion] = self.roster;
        PersonFacts {
            birth_date: self.birth,
            gender: self.gender,
            id_number: self.id_number,
            status: self.status,
            application,
            activist,
            candidate,
            admission,
            conversion,
            file: self.file.as_ref(),
        }
    }

    fn dates(&self) -> Vec<NaiveDate> {
        let mut out = vec![self.birth];
        out.extend(self.roster.iter().flatten());
        if let Some(f) = &self.file {
            out.extend(f.dates.values());
            out.extend(&f.assessments);
            out.extend(f.sponsors.iter().map(|s| s.named_on));
        }
        out
    }
}

fn person(shape: Shape) -> impl Strategy<Value = Person> {
    (
        date(),
        pick(&["male", "female", ""]),
        pick(&[
            None,
            Some("11010519491231002X"),
            Some("110105194912310021"),
            Some("x"),
        ]),
        pick(MemberStatus::ALL),
        [opt_date(), opt_date(), opt_date(), opt_date(), opt_date()],
        proptest::option::of(dev_file(shape)),
    )
        .prop_map(|(birth, gender, id_number, status, roster, file)| Person {
            birth,
            gender,
            id_number,
            status,
            roster,
            file,
        })
}

#[derive(Debug, Clone)]
struct Org {
    kind: OrgType,
    sector: Sector,
    secretary: Option<&'static str>,
    deputies: usize,
    committee: usize,
    term: (Option<NaiveDate>, Option<NaiveDate>),
    members: (i64, i64),
}

impl Org {
    fn facts(&self) -> OrgFacts<'_> {
        OrgFacts {
            kind: self.kind,
            sector: self.sector,
            secretary: self.secretary,
            deputies: self.deputies,
            committee_members: self.committee,
            term_start: self.term.0,
            term_end: self.term.1,
            members: self.members.0,
            full_members: self.members.1,
        }
    }
    fn dates(&self) -> Vec<NaiveDate> {
        [self.term.0, self.term.1].into_iter().flatten().collect()
    }
}

fn org() -> impl Strategy<Value = Org> {
    (
        pick(OrgType::ALL),
        pick(Sector::ALL),
        pick(&[None, Some(""), Some("张三")]),
        (0usize..4, 0usize..9),
        (opt_date(), opt_date()),
        (wild(), wild()),
    )
        .prop_map(
            |(kind, sector, secretary, (deputies, committee), term, members)| Org {
                kind,
                sector,
                secretary,
                deputies,
                committee,
                term,
                members,
            },
        )
}

fn contact_events() -> impl Strategy<Value = Vec<ContactEvent>> {
    vec(
        (pick(ContactKind::ALL), date()).prop_map(|(kind, on)| ContactEvent { kind, on }),
        0..5,
    )
}

#[derive(Debug, Clone)]
struct Letter {
    id: i64,
    issued_on: NaiveDate,
    valid_until: NaiveDate,
    reported_on: Option<NaiveDate>,
    status: LetterStatus,
}

impl Letter {
    fn facts(&self) -> LetterFacts<'_> {
        LetterFacts {
            id: self.id,
            letter_no: "JD-001",
            to_name: "第二社区党支部",
            issued_on: self.issued_on,
            valid_until: self.valid_until,
            reported_on: self.reported_on,
            status: self.status,
        }
    }
}

fn letter(shape: Shape) -> impl Strategy<Value = Letter> {
    (
        wild(),
        date(),
        date(),
        opt_date(),
        pick(&[
            LetterStatus::Open,
            LetterStatus::Reported,
            LetterStatus::Cancelled,
        ]),
    )
        .prop_map(move |(id, issued_on, until, reported_on, status)| Letter {
            id,
            issued_on,
            valid_until: if shape.sane {
                until.max(issued_on)
            } else {
                until
            },
            reported_on,
            status,
        })
}

#[derive(Debug, Clone)]
struct Dues {
    from: NaiveDate,
    bases: Vec<(NaiveDate, DuesBase)>,
    months: Vec<MonthRecord>,
    reductions: Vec<Reduction>,
}

impl Dues {
    fn facts(&self) -> DuesFacts<'_> {
        DuesFacts {
            from: self.from,
            bases: &self.bases,
            months: &self.months,
            reductions: &self.reductions,
        }
    }
    fn dates(&self) -> Vec<NaiveDate> {
        let mut out = vec![self.from];
        out.extend(self.bases.iter().map(|b| b.0));
        for m in &self.months {
            out.push(m.month);
            out.extend(m.paid_on);
        }
        out
    }
}

/// A member's dues over a few decades at most: a day between 1990 and 2040.
fn dues_date() -> impl Strategy<Value = NaiveDate> {
    (14_600i64..33_000).prop_map(|n| add_days(day0(), n))
}

fn dues() -> impl Strategy<Value = Dues> {
    let base = (
        dues_date(),
        pick(DuesCategory::ALL),
        proptest::option::of(wild()),
        proptest::option::of(wild()),
    )
        .prop_map(|(from, category, base, farmer_amount)| {
            (
                month_of(from),
                DuesBase {
                    category,
                    base,
                    farmer_amount,
                },
            )
        });
    let month = (
        dues_date(),
        wild(),
        proptest::option::of(dues_date()),
        proptest::option::of(pick(&["", " ", "出国留学，经批准缓交"])),
    )
        .prop_map(|(m, amount, paid_on, reason)| MonthRecord {
            month: month_of(m),
            amount,
            paid_on,
            reason: reason.map(str::to_string),
        });
    let reduction = (
        pick(ReductionKind::ALL),
        proptest::option::of(wild()),
        dues_date(),
        proptest::option::of(dues_date()),
        dues_date(),
    )
        .prop_map(|(kind, amount, from, to, approved_on)| Reduction {
            kind,
            amount,
            from: month_of(from),
            to: to.map(month_of),
            approver: "中共示范街道工作委员会".into(),
            approved_on,
        });
    (
        dues_date(),
        vec(base, 0..3),
        vec(month, 0..8),
        vec(reduction, 0..2),
    )
        .prop_map(|(from, mut bases, months, reductions)| {
            bases.sort_by_key(|b| b.0);
            Dues {
                from,
                bases,
                months,
                reductions,
            }
        })
}

/// What holds of every finding, whatever the numbers: its rule is registered, switched on and
/// of a family that reads these facts, and it says something.
fn check_findings(
    cfg: &RuleConfig,
    hits: &[Hit],
    families: &[Family],
) -> Result<(), TestCaseError> {
    for h in hits {
        let e = registry().get(h.rule);
        prop_assert!(e.is_some(), "unregistered rule {}", h.rule);
        prop_assert!(
            families.contains(&e.map_or(Family::Dues, |e| e.family)),
            "{h:?}"
        );
        prop_assert!(cfg.enabled(h.rule), "{} is switched off: {h:?}", h.rule);
        prop_assert!(!h.message.is_empty(), "{h:?}");
    }
    Ok(())
}

/// What holds of every finding under valid numbers: no date before the month of the earliest
/// fact, no deadline before the earliest other date the finding names.
fn check_dated(hits: &[Hit], facts: &[NaiveDate]) -> Result<(), TestCaseError> {
    let earliest = facts.iter().min().copied().map(month_of);
    for h in hits {
        for (name, d) in h
            .dates
            .iter()
            .map(|(k, v)| (*k, *v))
            .chain(h.due.map(|d| ("due", d)))
        {
            prop_assert!(
                earliest.is_some_and(|e| d >= e),
                "{name} {d} before the facts ({earliest:?}): {h:?}"
            );
        }
        if let Some(due) = h.due {
            let from = h
                .dates
                .iter()
                .filter(|(k, _)| **k != "due")
                .map(|(_, v)| *v)
                .min();
            if let Some(from) = from {
                prop_assert!(due >= from, "deadline {due} before {from}: {h:?}");
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    #[test]
    fn no_person_rule_panics(cfg in config(any_numbers()), p in person(Shape { sane: false }), as_of in date()) {
        let facts = p.facts();
        let hits = check_person(&cfg, as_of, &facts);
        check_findings(&cfg, &hits, &[Family::Development, Family::Member])?;
        let _ = next_step(&cfg, &facts);
    }

    #[test]
    fn no_organisation_rule_panics(cfg in config(any_numbers()), o in org(), as_of in date()) {
        let hits = check_org(&cfg, as_of, &o.facts());
        check_findings(&cfg, &hits, &[Family::Organisation])?;
    }

    #[test]
    fn no_contact_letter_or_dues_rule_panics(
        cfg in config(any_numbers()),
        status in pick(MemberStatus::ALL),
        events in contact_events(),
        l in letter(Shape { sane: false }),
        d in dues(),
        as_of in date(),
    ) {
        let hits = check_contact(&cfg, as_of, &ContactFacts { status, events: &events });
        check_findings(&cfg, &hits, &[Family::Member])?;
        let hits = check_letter(&cfg, as_of, &l.facts());
        check_findings(&cfg, &hits, &[Family::Letters])?;
        let hits = check_dues(&cfg, as_of, &d.facts());
        check_findings(&cfg, &hits, &[Family::Dues])?;
    }

    #[test]
    fn valid_numbers_pass_validation(cfg in config(valid_numbers())) {
        prop_assert!(cfg.problems().is_empty(), "{:?}", cfg.problems());
        for v in &cfg.versions {
            prop_assert_eq!(v.numbers.validate(), Ok(()));
        }
    }

    #[test]
    fn with_valid_numbers_findings_are_dated_after_their_facts(
        cfg in config(valid_numbers()),
        p in person(Shape { sane: true }),
        o in org(),
        status in pick(MemberStatus::ALL),
        events in contact_events(),
        l in letter(Shape { sane: true }),
        d in dues(),
        as_of in date(),
    ) {
        check_dated(&check_person(&cfg, as_of, &p.facts()), &p.dates())?;
        check_dated(&check_org(&cfg, as_of, &o.facts()), &o.dates())?;
        let on: Vec<NaiveDate> = events.iter().map(|e| e.on).collect();
        check_dated(&check_contact(&cfg, as_of, &ContactFacts { status, events: &events }), &on)?;
        check_dated(&check_letter(&cfg, as_of, &l.facts()), &[l.issued_on, l.valid_until])?;
        check_dated(&check_dues(&cfg, as_of, &d.facts()), &d.dates())?;
    }

    #[test]
    fn no_meeting_rule_panics(
        cfg in config(any_numbers()),
        kind in pick(OrgType::ALL),
        founded_on in opt_date(),
        committee in vec((opt_date(), opt_date()), 0..3),
        held in vec((pick(STANDARDS), date()), 0..12),
        joint in (wild(), date(), opt_date(), vec(date(), 0..6)),
        as_of in date(),
    ) {
        let joints = [JointFacts {
            id: 1,
            name: "联席会议",
            min_per_month: joint.0,
            started_on: joint.1,
            ended_on: joint.2,
            held: &joint.3,
        }];
        let facts = MeetingFacts { kind, founded_on, committee: &committee, held: &held, joints: &joints };
        let hits = check_meetings(&cfg, as_of, &facts);
        check_findings(&cfg, &hits, &[Family::Meetings])?;
        for h in &hits {
            // A period is judged once ended; only the current one is warned about.
            let end = h.dates.get("period_end").copied();
            prop_assert!(end.is_none_or(|e| e < as_of), "{h:?}");
            prop_assert!(h.severity != Severity::Error || end.is_some(), "{h:?}");
        }
    }
}

const STANDARDS: &[crate::life::Standard] = &[
    crate::life::Standard::GeneralMeeting,
    crate::life::Standard::Committee,
    crate::life::Standard::PartyGroup,
    crate::life::Standard::Lecture,
    crate::life::Standard::ThemeDay,
    crate::life::Standard::LifeMeeting,
    crate::life::Standard::Other,
];
