//! Each rule on both sides of its threshold, with leap years and month ends.

use super::*;
use crate::development::{Approver, Sponsor, SponsorRole, Standing, Votes};
use crate::org::{OrgType, Sector};

fn d(s: &str) -> NaiveDate {
    crate::parse_date(s).unwrap()
}

fn cfg() -> RuleConfig {
    RuleConfig::default()
}

/// A person born 1990-05-10 (female) with a file built by `f`.
fn person_hits(status: MemberStatus, as_of: &str, f: impl FnOnce(&mut DevFile)) -> Vec<Hit> {
    let mut file = DevFile {
        sponsors_known: true,
        ..Default::default()
    };
    f(&mut file);
    let p = PersonFacts {
        birth_date: d("1990-05-10"),
        gender: "female",
        id_number: None,
        status,
        application: file.get(Step::Application),
        activist: file.get(Step::Activist),
        candidate: file.get(Step::Candidate),
        admission: file
            .get(Step::GeneralMeeting)
            .filter(|_| file.get(Step::Approval).is_some()),
        conversion: None,
        file: Some(&file),
    };
    check_person(&cfg(), d(as_of), &p)
}

fn rules_of(hits: &[Hit], prefix: &str) -> Vec<String> {
    hits.iter()
        .filter(|h| h.rule == prefix)
        .map(|h| h.key.clone())
        .collect()
}

fn has(hits: &[Hit], rule: &str) -> bool {
    hits.iter().any(|h| h.rule == rule)
}

fn full_sponsor(role: SponsorRole, name: &str, on: &str) -> Sponsor {
    Sponsor {
        role,
        name: name.into(),
        member_id: Some(1),
        named_on: d(on),
        standing: Standing::Full,
    }
}

#[test]
fn dev_001_age_on_the_application_date() {
    // Born 1990-05-10: 18 on 2008-05-10.
    let h = person_hits(MemberStatus::Applicant, "2008-05-20", |f| {
        f.set(Step::Application, Some(d("2008-05-09")));
        f.set(Step::Talk, Some(d("2008-05-19")));
    });
    assert!(has(&h, "DEV-001"));
    let h = person_hits(MemberStatus::Applicant, "2008-05-20", |f| {
        f.set(Step::Application, Some(d("2008-05-10")));
        f.set(Step::Talk, Some(d("2008-05-19")));
    });
    assert!(!has(&h, "DEV-001"), "{h:?}");
}

#[test]
fn dev_001_leap_day_birthday_turns_eighteen_on_first_of_march() {
    let file = DevFile {
        dates: [(Step::Application, d("2018-02-28"))].into_iter().collect(),
        ..Default::default()
    };
    let mut p = PersonFacts {
        birth_date: d("2000-02-29"),
        gender: "male",
        id_number: None,
        status: MemberStatus::Applicant,
        application: None,
        activist: None,
        candidate: None,
        admission: None,
        conversion: None,
        file: Some(&file),
    };
    assert!(has(&check_person(&cfg(), d("2018-03-01"), &p), "DEV-001"));
    let file2 = DevFile {
        dates: [(Step::Application, d("2018-03-01"))].into_iter().collect(),
        ..Default::default()
    };
    p.file = Some(&file2);
    assert!(!has(&check_person(&cfg(), d("2018-03-02"), &p), "DEV-001"));
}

#[test]
fn dev_002_talk_within_a_month_month_end_clamped() {
    // 31 January + 1 month = 28 February (29 in a leap year).
    let ok = person_hits(MemberStatus::Applicant, "2025-03-10", |f| {
        f.set(Step::Application, Some(d("2025-01-31")));
        f.set(Step::Talk, Some(d("2025-02-28")));
    });
    assert!(!has(&ok, "DEV-002"));
    let late = person_hits(MemberStatus::Applicant, "2025-03-10", |f| {
        f.set(Step::Application, Some(d("2025-01-31")));
        f.set(Step::Talk, Some(d("2025-03-01")));
    });
    assert!(has(&late, "DEV-002"));
    let leap_ok = person_hits(MemberStatus::Applicant, "2024-03-10", |f| {
        f.set(Step::Application, Some(d("2024-01-31")));
        f.set(Step::Talk, Some(d("2024-02-29")));
    });
    assert!(!has(&leap_ok, "DEV-002"));
    // No talk yet: overdue only after the month has passed.
    let pending = |as_of| {
        person_hits(MemberStatus::Applicant, as_of, |f| {
            f.set(Step::Application, Some(d("2025-01-15")));
        })
    };
    assert!(!has(&pending("2025-02-15"), "DEV-002"));
    assert!(has(&pending("2025-02-16"), "DEV-002"));
}

#[test]
fn dev_003_names_both_steps() {
    let h = person_hits(MemberStatus::Activist, "2025-06-01", |f| {
        f.set(Step::Application, Some(d("2025-03-01")));
        f.set(Step::Talk, Some(d("2025-02-28")));
        f.set(Step::Activist, Some(d("2025-03-01")));
        f.set(Step::ActivistFiled, Some(d("2025-03-02")));
    });
    assert_eq!(rules_of(&h, "DEV-003"), vec!["talk_date<application_date"]);
    let msg = &h.iter().find(|x| x.rule == "DEV-003").unwrap().message;
    assert!(
        msg.contains("谈话日期") && msg.contains("申请入党日期"),
        "{msg}"
    );
    // The same day is not out of order.
    let h = person_hits(MemberStatus::Activist, "2025-06-01", |f| {
        f.set(Step::Application, Some(d("2025-03-01")));
        f.set(Step::Talk, Some(d("2025-03-01")));
    });
    assert!(!has(&h, "DEV-003"));
    // Through a step not recorded: the oath before the general meeting when approval is blank.
    let h = person_hits(MemberStatus::Probationary, "2025-06-01", |f| {
        f.set(Step::GeneralMeeting, Some(d("2025-03-01")));
        f.set(Step::Oath, Some(d("2025-02-01")));
    });
    assert_eq!(
        rules_of(&h, "DEV-003"),
        vec!["oath_date<general_meeting_date"]
    );
    // Designated activist before the talk (steps 2, 3); the talk on the day is in order.
    let h = person_hits(MemberStatus::Activist, "2025-06-01", |f| {
        f.set(Step::Application, Some(d("2025-03-01")));
        f.set(Step::Talk, Some(d("2025-03-20")));
        f.set(Step::Activist, Some(d("2025-03-10")));
    });
    assert_eq!(rules_of(&h, "DEV-003"), vec!["activist_date<talk_date"]);
    let h = person_hits(MemberStatus::Activist, "2025-06-01", |f| {
        f.set(Step::Application, Some(d("2025-03-01")));
        f.set(Step::Talk, Some(d("2025-03-10")));
        f.set(Step::Activist, Some(d("2025-03-10")));
    });
    assert!(!has(&h, "DEV-003"));
    // Concentrated training before the designation as candidate (steps 7, 11), and the
    // committee's review before the training ended (steps 11, 12).
    let h = person_hits(MemberStatus::Candidate, "2025-06-01", |f| {
        f.set(Step::Activist, Some(d("2024-03-01")));
        f.set(Step::TrainingStart, Some(d("2025-02-01")));
        f.set(Step::TrainingEnd, Some(d("2025-02-03")));
        f.set(Step::Candidate, Some(d("2025-03-10")));
        f.set(Step::CommitteeReview, Some(d("2025-03-20")));
    });
    assert_eq!(
        rules_of(&h, "DEV-003"),
        vec!["training_start<candidate_date"]
    );
    let h = person_hits(MemberStatus::Candidate, "2025-06-01", |f| {
        f.set(Step::Candidate, Some(d("2025-03-10")));
        f.set(Step::TrainingStart, Some(d("2025-04-01")));
        f.set(Step::TrainingEnd, Some(d("2025-04-03")));
        f.set(Step::CommitteeReview, Some(d("2025-04-02")));
    });
    assert_eq!(
        rules_of(&h, "DEV-003"),
        vec!["committee_review_date<training_end"]
    );
}

#[test]
fn dev_004_filing_within_thirty_days_or_before_the_next_stage() {
    let h = |as_of, filed: Option<&str>| {
        person_hits(MemberStatus::Activist, as_of, |f| {
            f.set(Step::Application, Some(d("2025-01-01")));
            f.set(Step::Talk, Some(d("2025-01-10")));
            f.set(Step::Activist, Some(d("2025-03-01")));
            f.set(Step::ActivistFiled, filed.map(d));
        })
    };
    assert!(!has(&h("2025-03-31", None), "DEV-004"));
    assert!(has(&h("2025-04-01", None), "DEV-004"));
    assert!(!has(&h("2025-04-01", Some("2025-03-05")), "DEV-004"));
}

#[test]
fn dev_005_and_008_sponsors() {
    let base = |f: &mut DevFile| {
        f.set(Step::Application, Some(d("2023-01-01")));
        f.set(Step::Talk, Some(d("2023-01-10")));
        f.set(Step::Activist, Some(d("2023-03-01")));
        f.set(Step::ActivistFiled, Some(d("2023-03-05")));
        f.assessments = vec![d("2023-08-01"), d("2024-01-15")];
        f.set(Step::Candidate, Some(d("2024-03-01")));
        f.set(Step::CandidateFiled, Some(d("2024-03-05")));
    };
    let none = person_hits(MemberStatus::Candidate, "2024-03-10", base);
    assert_eq!(rules_of(&none, "DEV-005"), vec!["count"]);
    assert_eq!(rules_of(&none, "DEV-008"), vec!["count"]);
    let ok = person_hits(MemberStatus::Candidate, "2024-03-10", |f| {
        base(f);
        f.sponsors = vec![
            full_sponsor(SponsorRole::Contact, "甲", "2023-03-01"),
            full_sponsor(SponsorRole::Introducer, "乙", "2024-03-01"),
            full_sponsor(SponsorRole::Introducer, "丙", "2024-03-01"),
        ];
    });
    assert!(!has(&ok, "DEV-005") && !has(&ok, "DEV-008"), "{ok:?}");
    let three_contacts_one_probationary = person_hits(MemberStatus::Candidate, "2024-03-10", |f| {
        base(f);
        f.sponsors = vec![
            full_sponsor(SponsorRole::Contact, "甲", "2023-03-01"),
            full_sponsor(SponsorRole::Contact, "丁", "2023-03-01"),
            full_sponsor(SponsorRole::Contact, "戊", "2023-03-01"),
            full_sponsor(SponsorRole::Introducer, "乙", "2024-03-01"),
            Sponsor {
                standing: Standing::Probationary,
                ..full_sponsor(SponsorRole::Introducer, "丙", "2024-03-01")
            },
        ];
    });
    assert_eq!(
        rules_of(&three_contacts_one_probationary, "DEV-005"),
        vec!["count"]
    );
    assert_eq!(
        rules_of(&three_contacts_one_probationary, "DEV-008"),
        vec!["person:丙"]
    );
    // An imported file that names nobody is not judged on names.
    let imported = person_hits(MemberStatus::Candidate, "2024-03-10", |f| {
        base(f);
        f.sponsors_known = false;
    });
    assert!(!has(&imported, "DEV-005") && !has(&imported, "DEV-008"));
    // An imported file that names introducers but leaves the contacts blank: the introducers'
    // count is judged, the blank contacts are not “zero contacts”.
    let one_introducer = person_hits(MemberStatus::Candidate, "2024-03-10", |f| {
        base(f);
        f.sponsors_known = false;
        f.sponsors = vec![full_sponsor(SponsorRole::Introducer, "乙", "2024-03-01")];
    });
    assert!(!has(&one_introducer, "DEV-005"), "{one_introducer:?}");
    assert_eq!(rules_of(&one_introducer, "DEV-008"), vec!["count"]);
    let two_introducers = person_hits(MemberStatus::Candidate, "2024-03-10", |f| {
        base(f);
        f.sponsors_known = false;
        f.sponsors = vec![
            full_sponsor(SponsorRole::Introducer, "乙", "2024-03-01"),
            full_sponsor(SponsorRole::Introducer, "丙", "2024-03-01"),
        ];
    });
    assert!(!has(&two_introducers, "DEV-005") && !has(&two_introducers, "DEV-008"));
}

#[test]
fn dev_006_every_six_months_and_dev_018_warning() {
    let h = |assessments: &[&str], candidate: Option<&str>, as_of: &str| {
        let a: Vec<NaiveDate> = assessments.iter().map(|s| d(s)).collect();
        person_hits(
            if candidate.is_some() {
                MemberStatus::Candidate
            } else {
                MemberStatus::Activist
            },
            as_of,
            move |f| {
                f.set(Step::Activist, Some(d("2023-08-31")));
                f.assessments = a;
                f.set(Step::Candidate, candidate.map(d));
            },
        )
    };
    // 31 August + 6 months = 29 February 2024.
    assert!(!has(
        &h(
            &["2024-02-29", "2024-08-29"],
            Some("2024-09-01"),
            "2024-09-02"
        ),
        "DEV-006"
    ));
    assert_eq!(
        rules_of(
            &h(
                &["2024-03-01", "2024-08-29"],
                Some("2024-09-01"),
                "2024-09-02"
            ),
            "DEV-006"
        ),
        vec!["gap:2023-08-31"]
    );
    // Still an activist: a warning, not an error.
    let open = h(&["2024-02-29"], None, "2024-08-29");
    assert!(!has(&open, "DEV-018"));
    let open = h(&["2024-02-29"], None, "2024-08-30");
    assert!(has(&open, "DEV-018") && !has(&open, "DEV-006"));
}

#[test]
fn dev_007_a_full_year_364_and_365_days() {
    let h = |cand: &str| {
        person_hits(MemberStatus::Candidate, cand, |f| {
            f.set(Step::Activist, Some(d("2023-03-01")));
            f.set(Step::Candidate, Some(d(cand)));
        })
    };
    // 2023-03-01 + 365 days = 2024-02-29 (leap year): one year is 2024-03-01 (366 days).
    assert!(has(&h("2024-02-29"), "DEV-007"));
    assert!(!has(&h("2024-03-01"), "DEV-007"));
    let h = |cand: &str| {
        person_hits(MemberStatus::Candidate, cand, |f| {
            f.set(Step::Activist, Some(d("2024-03-01")));
            f.set(Step::Candidate, Some(d(cand)));
        })
    };
    // 364 days later is early; 365 days later (2025-03-01) is exactly one year.
    assert!(has(&h("2025-02-28"), "DEV-007"));
    assert!(!has(&h("2025-03-01"), "DEV-007"));
}

#[test]
fn dev_009_political_review_first() {
    let h = |pr: Option<&str>| {
        person_hits(MemberStatus::Candidate, "2025-06-01", |f| {
            f.set(Step::Candidate, Some(d("2025-01-01")));
            f.set(Step::PoliticalReview, pr.map(d));
            f.set(Step::CommitteeReview, Some(d("2025-05-01")));
        })
    };
    assert!(has(&h(None), "DEV-009"));
    assert!(has(&h(Some("2025-05-02")), "DEV-009"));
    assert!(!has(&h(Some("2025-05-01")), "DEV-009"));
}

#[test]
fn dev_010_training_three_days_or_24_hours_before_the_meeting() {
    let h = |start: &str, end: &str, hours: Option<f64>, gm: &str| {
        person_hits(MemberStatus::Candidate, "2025-12-01", |f| {
            f.set(Step::TrainingStart, Some(d(start)));
            f.set(Step::TrainingEnd, Some(d(end)));
            f.training_hours = hours;
            f.set(Step::GeneralMeeting, Some(d(gm)));
        })
    };
    assert!(!has(
        &h("2025-02-27", "2025-03-01", None, "2025-04-01"),
        "DEV-010"
    )); // 3 days over a month end
    assert_eq!(
        rules_of(
            &h("2025-02-28", "2025-03-01", None, "2025-04-01"),
            "DEV-010"
        ),
        vec!["length"]
    );
    assert!(!has(
        &h("2025-03-01", "2025-03-01", Some(24.0), "2025-04-01"),
        "DEV-010"
    ));
    assert!(has(
        &h("2025-03-01", "2025-03-01", Some(23.5), "2025-04-01"),
        "DEV-010"
    ));
    assert_eq!(
        rules_of(
            &h("2025-03-01", "2025-04-01", None, "2025-04-01"),
            "DEV-010"
        ),
        vec!["order"]
    );
}

#[test]
fn dev_011_more_than_half_exactly_half_fails() {
    let h = |entitled, present, in_favour| {
        person_hits(MemberStatus::Candidate, "2025-05-01", |f| {
            f.set(Step::GeneralMeeting, Some(d("2025-04-01")));
            f.votes = Some(Votes {
                entitled,
                present,
                in_favour,
            });
        })
    };
    assert!(!has(&h(10, 6, 6), "DEV-011"));
    assert_eq!(rules_of(&h(10, 5, 5), "DEV-011"), vec!["quorum", "votes"]);
    assert_eq!(rules_of(&h(10, 8, 5), "DEV-011"), vec!["votes"]);
    assert!(!has(&h(9, 5, 5), "DEV-011"));
    assert!(has(&h(9, 4, 4), "DEV-011"));
}

#[test]
fn dev_012_upper_talk_before_approval() {
    let h = |talk: Option<&str>| {
        person_hits(MemberStatus::Probationary, "2025-06-01", |f| {
            f.set(Step::GeneralMeeting, Some(d("2025-03-01")));
            f.set(Step::UpperTalk, talk.map(d));
            f.set(Step::Approval, Some(d("2025-04-01")));
        })
    };
    assert!(has(&h(None), "DEV-012"));
    assert!(!has(&h(Some("2025-04-01")), "DEV-012"));
    assert!(has(&h(Some("2025-04-02")), "DEV-012"));
}

#[test]
fn dev_013_three_months_six_with_a_reason() {
    let h = |ap: Option<&str>, reason: Option<&str>, as_of: &str| {
        person_hits(MemberStatus::Candidate, as_of, |f| {
            f.set(Step::GeneralMeeting, Some(d("2024-11-30")));
            f.set(Step::Approval, ap.map(d));
            f.extension_reason = reason.map(String::from);
        })
    };
    // 30 November + 3 months = 28 February 2025.
    assert!(!has(&h(Some("2025-02-28"), None, "2025-06-01"), "DEV-013"));
    assert!(has(&h(Some("2025-03-01"), None, "2025-06-01"), "DEV-013"));
    assert!(!has(
        &h(Some("2025-05-30"), Some("审查材料补充"), "2025-06-01"),
        "DEV-013"
    ));
    assert!(has(
        &h(Some("2025-05-31"), Some("审查材料补充"), "2025-06-01"),
        "DEV-013"
    ));
    // Pending: overdue from the day after the limit.
    assert!(!has(&h(None, None, "2025-02-28"), "DEV-013"));
    assert!(has(&h(None, None, "2025-03-01"), "DEV-013"));
}

#[test]
fn dev_014_admission_is_the_meeting_day() {
    let file = DevFile {
        dates: [
            (Step::GeneralMeeting, d("2024-06-01")),
            (Step::UpperTalk, d("2024-06-10")),
            (Step::Approval, d("2024-07-01")),
        ]
        .into_iter()
        .collect(),
        ..Default::default()
    };
    let mut p = PersonFacts {
        birth_date: d("1990-01-01"),
        gender: "male",
        id_number: None,
        status: MemberStatus::Probationary,
        application: None,
        activist: None,
        candidate: None,
        admission: Some(d("2024-07-01")),
        conversion: None,
        file: Some(&file),
    };
    assert!(has(&check_person(&cfg(), d("2024-08-01"), &p), "DEV-014"));
    p.admission = Some(d("2024-06-01"));
    assert!(!has(&check_person(&cfg(), d("2024-08-01"), &p), "DEV-014"));
}

#[test]
fn dev_015_conversion_after_probation_and_approved_in_three_months() {
    let h = |cm: &str, ca: Option<&str>, as_of: &str| {
        person_hits(MemberStatus::Probationary, as_of, |f| {
            f.set(Step::GeneralMeeting, Some(d("2024-02-29")));
            f.set(Step::UpperTalk, Some(d("2024-03-10")));
            f.set(Step::Approval, Some(d("2024-03-20")));
            f.set(Step::ConversionApplication, Some(d("2025-02-01")));
            f.set(Step::ConversionMeeting, Some(d(cm)));
            f.set(Step::ConversionApproval, ca.map(d));
        })
    };
    // Probation from 2024-02-29 ends 2025-02-28.
    assert_eq!(
        rules_of(
            &h("2025-02-27", Some("2025-03-05"), "2025-04-01"),
            "DEV-015"
        ),
        vec!["early"]
    );
    assert!(!has(
        &h("2025-02-28", Some("2025-05-28"), "2025-06-01"),
        "DEV-015"
    ));
    assert_eq!(
        rules_of(
            &h("2025-02-28", Some("2025-05-29"), "2025-06-01"),
            "DEV-015"
        ),
        vec!["late"]
    );
    assert!(!has(&h("2025-02-28", None, "2025-05-28"), "DEV-015"));
    assert!(has(&h("2025-02-28", None, "2025-05-29"), "DEV-015"));
}

#[test]
fn dev_016_extension_between_six_and_twelve_months() {
    let h = |m| {
        person_hits(MemberStatus::Probationary, "2025-01-01", |f| {
            f.set(Step::GeneralMeeting, Some(d("2024-01-01")));
            f.probation_extension_months = Some(m);
        })
    };
    assert!(has(&h(5), "DEV-016"));
    assert!(!has(&h(6), "DEV-016"));
    assert!(!has(&h(12), "DEV-016"));
    assert!(has(&h(13), "DEV-016"));
}

#[test]
fn dev_017_standing_from_the_end_of_probation() {
    let file = DevFile {
        dates: [(Step::GeneralMeeting, d("2023-06-30"))]
            .into_iter()
            .collect(),
        probation_extension_months: Some(6),
        ..Default::default()
    };
    let mut p = PersonFacts {
        birth_date: d("1990-01-01"),
        gender: "male",
        id_number: None,
        status: MemberStatus::Full,
        application: None,
        activist: None,
        candidate: None,
        admission: Some(d("2023-06-30")),
        conversion: Some(d("2024-12-30")),
        file: Some(&file),
    };
    assert!(!has(&check_person(&cfg(), d("2025-06-01"), &p), "DEV-017"));
    p.conversion = Some(d("2025-01-15"));
    assert!(has(&check_person(&cfg(), d("2025-06-01"), &p), "DEV-017"));
    // Roster only: a year, or 18 to 24 months with an extension.
    p.file = None;
    p.admission = Some(d("2023-06-30"));
    for (conv, bad) in [
        ("2024-06-30", false),
        ("2024-07-01", true),
        ("2024-12-30", false),
        ("2025-06-30", false),
        ("2025-07-01", true),
    ] {
        p.conversion = Some(d(conv));
        assert_eq!(
            has(&check_person(&cfg(), d("2025-08-01"), &p), "DEV-017"),
            bad,
            "{conv}"
        );
    }
}

#[test]
fn dev_019_thirty_days_before_probation_ends() {
    let h = |as_of: &str, applied: bool| {
        person_hits(MemberStatus::Probationary, as_of, |f| {
            f.set(Step::GeneralMeeting, Some(d("2024-12-31")));
            if applied {
                f.set(Step::ConversionApplication, Some(d("2025-12-01")));
            }
        })
    };
    // Ends 2025-12-31.
    assert!(!has(&h("2025-11-30", false), "DEV-019"));
    assert!(has(&h("2025-12-01", false), "DEV-019"));
    assert!(has(&h("2025-12-31", false), "DEV-019"));
    assert!(!has(&h("2026-01-01", false), "DEV-019"));
    assert!(!has(&h("2025-12-15", true), "DEV-019"));
}

#[test]
fn dev_020_fourteen_days_before_an_approval_deadline() {
    let h = |as_of: &str| {
        person_hits(MemberStatus::Candidate, as_of, |f| {
            f.set(Step::GeneralMeeting, Some(d("2025-01-31")));
        })
    };
    // Deadline 2025-04-30.
    assert!(!has(&h("2025-04-15"), "DEV-020"));
    let w = h("2025-04-16");
    assert_eq!(rules_of(&w, "DEV-020"), vec!["admission"]);
    assert_eq!(
        w.iter().find(|x| x.rule == "DEV-020").unwrap().due,
        Some(d("2025-04-30"))
    );
    assert!(has(&h("2025-04-30"), "DEV-020"));
    let after = h("2025-05-01");
    assert!(!has(&after, "DEV-020") && has(&after, "DEV-013"));
}

#[test]
fn dev_021_approval_power() {
    let h = |kind, sector, power| {
        person_hits(MemberStatus::Probationary, "2025-06-01", |f| {
            f.set(Step::GeneralMeeting, Some(d("2025-03-01")));
            f.set(Step::UpperTalk, Some(d("2025-03-10")));
            f.set(Step::Approval, Some(d("2025-04-01")));
            f.approver = Some(Approver {
                name: "某党组织".into(),
                kind,
                sector,
                power,
            });
            f.expected_approver = Some("中共兴隆乡委员会".into());
        })
    };
    // A township committee (rural) with its approval power: no finding.
    assert!(!has(&h(OrgType::Committee, Sector::Rural, true), "DEV-021"));
    assert!(!has(&h(OrgType::Committee, Sector::Organ, true), "DEV-021"));
    // A general branch, or a committee under a township: the finding names who approves.
    let hits = h(OrgType::GeneralBranch, Sector::Organ, false);
    let f = hits.iter().find(|x| x.rule == "DEV-021").expect("DEV-021");
    assert!(
        f.message.contains("应由中共兴隆乡委员会审批"),
        "{}",
        f.message
    );
    assert!(has(&h(OrgType::Committee, Sector::Rural, false), "DEV-021"));
}

#[test]
fn mem_001_and_002() {
    let p = |id: &'static str, birth: &str, gender: &'static str| PersonFacts {
        birth_date: d(birth),
        gender,
        id_number: Some(id),
        status: MemberStatus::Full,
        application: Some(d("2010-01-01")),
        activist: Some(d("2009-01-01")),
        candidate: None,
        admission: None,
        conversion: None,
        file: None,
    };
    // 11010519491231002X: born 1949-12-31, female.
    let ok = check_person(
        &cfg(),
        d("2025-01-01"),
        &p("11010519491231002X", "1949-12-31", "female"),
    );
    assert_eq!(rules_of(&ok, "MEM-001"), Vec::<String>::new());
    assert_eq!(
        rules_of(&ok, "MEM-002"),
        vec!["application_date>activist_date"]
    );
    let bad = check_person(
        &cfg(),
        d("2025-01-01"),
        &p("110105194912310021", "1949-12-30", "male"),
    );
    assert_eq!(rules_of(&bad, "MEM-001"), vec!["check_digit"]);
    let mismatch = check_person(
        &cfg(),
        d("2025-01-01"),
        &p("11010519491231002X", "1949-12-30", "male"),
    );
    assert_eq!(rules_of(&mismatch, "MEM-001"), vec!["birth", "gender"]);
}

fn branch(members: i64, full: i64) -> OrgFacts<'static> {
    OrgFacts {
        kind: OrgType::Branch,
        sector: Sector::Organ,
        secretary: Some("张三"),
        deputies: 0,
        committee_members: 0,
        term_start: None,
        term_end: None,
        members,
        full_members: full,
    }
}

#[test]
fn org_001_to_003_sizes() {
    let c = cfg();
    let day = d("2025-01-01");
    assert!(check_org(&c, day, &branch(3, 2))
        .iter()
        .any(|h| h.rule == "ORG-001"));
    assert!(check_org(&c, day, &branch(3, 3)).is_empty());
    assert!(check_org(&c, day, &branch(6, 6)).is_empty());
    let seven = check_org(&c, day, &branch(7, 7));
    assert_eq!(rules_of(&seven, "ORG-002"), vec!["committee"]);
    // Full members count (支部条例 art. 20): 3 full + 4 probationary, or 6 full + 1, need no
    // committee; one on record there is reported.
    assert!(check_org(&c, day, &branch(7, 3)).is_empty());
    assert!(check_org(&c, day, &branch(7, 6)).is_empty());
    let committee_too_early = OrgFacts {
        committee_members: 3,
        ..branch(7, 6)
    };
    assert_eq!(
        rules_of(&check_org(&c, day, &committee_too_early), "ORG-002"),
        vec!["no_committee"]
    );
    assert_eq!(
        rules_of(&check_org(&c, day, &branch(8, 7)), "ORG-002"),
        vec!["committee"]
    );
    let with_committee = OrgFacts {
        committee_members: 3,
        ..branch(7, 7)
    };
    assert!(check_org(&c, day, &with_committee).is_empty());
    let two_deputies = OrgFacts {
        deputies: 2,
        ..branch(5, 5)
    };
    assert_eq!(
        rules_of(&check_org(&c, day, &two_deputies), "ORG-002"),
        vec!["no_committee"]
    );
    let big = OrgFacts {
        committee_members: 5,
        ..branch(50, 50)
    };
    assert!(check_org(&c, day, &big).is_empty());
    let bigger = OrgFacts {
        committee_members: 5,
        ..branch(51, 51)
    };
    assert!(check_org(&c, day, &bigger)[0].message.contains("党总支"));
    let huge = OrgFacts {
        committee_members: 5,
        ..branch(100, 100)
    };
    assert!(check_org(&c, day, &huge)[0].message.contains("基层党委"));
}

#[test]
fn org_004_term_and_005_secretary() {
    let c = cfg();
    let o = |start: &str, end: Option<&str>, kind, sector| OrgFacts {
        kind,
        sector,
        term_start: Some(d(start)),
        term_end: end.map(d),
        ..branch(5, 5)
    };
    let b = o("2022-03-01", None, OrgType::Branch, Sector::Organ);
    // Three years: ends 2025-03-01; warnings from 180 days before.
    assert!(check_org(&c, d("2024-09-01"), &b).is_empty());
    assert_eq!(
        rules_of(&check_org(&c, d("2024-09-02"), &b), "ORG-004"),
        vec!["expiring"]
    );
    assert_eq!(
        rules_of(&check_org(&c, d("2025-03-01"), &b), "ORG-004"),
        vec!["expiring"]
    );
    let expired = check_org(&c, d("2025-03-02"), &b);
    assert_eq!(rules_of(&expired, "ORG-004"), vec!["expired"]);
    assert_eq!(expired[0].severity, Severity::Error);
    // Village branches and committees serve five years.
    let v = o("2021-03-01", None, OrgType::Branch, Sector::Rural);
    assert!(!check_org(&c, d("2025-12-01"), &v)
        .iter()
        .any(|h| h.severity == Severity::Error));
    // An approved postponement of up to a year.
    let p = o(
        "2022-03-01",
        Some("2026-03-01"),
        OrgType::Branch,
        Sector::Organ,
    );
    assert!(!check_org(&c, d("2025-06-01"), &p)
        .iter()
        .any(|h| h.rule == "ORG-004"));
    let too_long = o(
        "2022-03-01",
        Some("2026-03-02"),
        OrgType::Branch,
        Sector::Organ,
    );
    assert_eq!(
        rules_of(&check_org(&c, d("2025-06-01"), &too_long), "ORG-004"),
        vec!["postponement"]
    );
    let no_secretary = OrgFacts {
        secretary: None,
        ..branch(5, 5)
    };
    assert_eq!(
        rules_of(&check_org(&c, d("2025-01-01"), &no_secretary), "ORG-005"),
        vec![""]
    );
}

#[test]
fn numbers_by_effective_date_and_disabled_rules() {
    let mut c = cfg();
    let mut later = Numbers::default();
    later.development.talk_within_months = 2;
    c.versions.push(RuleVersion {
        effective: d("2026-01-01"),
        numbers: later,
    });
    let h = |c: &RuleConfig, app: &str, talk: &str| {
        let mut f = DevFile::default();
        f.set(Step::Application, Some(d(app)));
        f.set(Step::Talk, Some(d(talk)));
        let p = PersonFacts {
            birth_date: d("1990-01-01"),
            gender: "male",
            id_number: None,
            status: MemberStatus::Applicant,
            application: None,
            activist: None,
            candidate: None,
            admission: None,
            conversion: None,
            file: Some(&f),
        };
        check_person(c, d("2026-06-01"), &p)
    };
    // An application of 2025 is judged by the old version, one of 2026 by the new.
    assert!(has(&h(&c, "2025-10-01", "2025-11-15"), "DEV-002"));
    assert!(!has(&h(&c, "2026-01-01", "2026-02-15"), "DEV-002"));
    c.disabled.push("DEV-002".into());
    assert!(!has(&h(&c, "2025-10-01", "2025-11-15"), "DEV-002"));
}

#[test]
fn every_rule_is_listed() {
    let ids: Vec<&str> = catalogue().map(|e| e.id).collect();
    assert_eq!(ids.len(), 42);
    for e in catalogue() {
        assert!(!e.title.is_empty(), "{}", e.id);
        assert_eq!(rule_title(e.id), e.title);
        assert!(std::ptr::eq(registry().get(e.id).expect("registered"), e));
        assert_eq!(ids.iter().filter(|i| **i == e.id).count(), 1, "{}", e.id);
    }
    assert!(registry().get("DEV-999").is_none());
    assert_eq!(rule_title("DEV-999"), "");
}

#[test]
fn next_steps_through_the_procedure() {
    let c = cfg();
    let mut f = DevFile::default();
    f.set(Step::Application, Some(d("2025-01-31")));
    let facts = |f: &DevFile, status| {
        let f = f.clone();
        let p = PersonFacts {
            birth_date: d("1990-01-01"),
            gender: "male",
            id_number: None,
            status,
            application: None,
            activist: None,
            candidate: None,
            admission: None,
            conversion: None,
            file: Some(&f),
        };
        next_step(&c, &p)
    };
    let n = facts(&f, MemberStatus::Applicant).unwrap();
    assert_eq!((n.step, n.due), (Step::Talk, Some(d("2025-02-28"))));
    f.set(Step::Talk, Some(d("2025-02-10")));
    f.set(Step::Activist, Some(d("2025-03-01")));
    let n = facts(&f, MemberStatus::Activist).unwrap();
    assert_eq!(
        (n.step, n.due),
        (Step::ActivistFiled, Some(d("2025-03-31")))
    );
    f.set(Step::ActivistFiled, Some(d("2025-03-05")));
    f.assessments = vec![d("2025-08-31")];
    let n = facts(&f, MemberStatus::Activist).unwrap();
    assert_eq!((n.step, n.due), (Step::Candidate, Some(d("2026-02-28"))));
    f.set(Step::Candidate, Some(d("2026-03-01")));
    f.set(Step::CandidateFiled, Some(d("2026-03-02")));
    f.set(Step::PoliticalReview, Some(d("2026-04-01")));
    let n = facts(&f, MemberStatus::Candidate).unwrap();
    assert_eq!(n.step, Step::TrainingEnd);
    assert_eq!(n.label(), "集中培训");
    for s in [
        Step::TrainingEnd,
        Step::CommitteeReview,
        Step::Precheck,
        Step::UpperTalk,
    ] {
        f.set(s, Some(d("2026-05-01")));
    }
    f.set(Step::GeneralMeeting, Some(d("2026-05-10")));
    let n = facts(&f, MemberStatus::Candidate).unwrap();
    assert_eq!((n.step, n.due), (Step::Approval, Some(d("2026-08-10"))));
    f.set(Step::Approval, Some(d("2026-06-01")));
    assert_eq!(
        facts(&f, MemberStatus::Probationary).unwrap().step,
        Step::Oath
    );
    f.set(Step::Oath, Some(d("2026-06-05")));
    let n = facts(&f, MemberStatus::Probationary).unwrap();
    assert_eq!(
        (n.step, n.due),
        (Step::ConversionApplication, Some(d("2027-05-10")))
    );
    assert_eq!(facts(&f, MemberStatus::Full), None);
}

#[test]
fn configuration_problems() {
    assert!(cfg().problems().is_empty());
    let mut c = cfg();
    c.disabled.push("DEV-999".into());
    c.versions[0].numbers.development.extension_min_months = 13;
    let p = c.problems();
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(p[0].contains("DEV-999"));
}

#[test]
fn dev_022_probation_ended_without_the_conversion_meeting() {
    let h = |as_of: &str, meeting: Option<&str>, ext: Option<i32>| {
        let meeting = meeting.map(d);
        person_hits(MemberStatus::Probationary, as_of, move |f| {
            f.set(Step::GeneralMeeting, Some(d("2025-03-01")));
            f.set(Step::ConversionMeeting, meeting);
            f.probation_extension_months = ext;
        })
    };
    // Probation ends 2026-03-01: nothing on that day, reported from the next.
    assert!(!has(&h("2026-03-01", None, None), "DEV-022"));
    let after = h("2026-03-02", None, None);
    let f = after.iter().find(|x| x.rule == "DEV-022").expect("DEV-022");
    assert_eq!(f.due, Some(d("2026-03-31")));
    assert!(f.message.contains("应在 2026-03-31 前"), "{}", f.message);
    let late = h("2026-04-01", None, None);
    assert!(late
        .iter()
        .any(|x| x.rule == "DEV-022" && x.message.contains("超过 30 天")));
    // A meeting on record, or an extension not yet over: nothing.
    assert!(!has(&h("2026-04-01", Some("2026-03-10"), None), "DEV-022"));
    assert!(!has(&h("2026-04-01", None, Some(6)), "DEV-022"));
    assert!(has(&h("2026-09-02", None, Some(6)), "DEV-022"));
}

#[test]
fn messages_say_what_to_do_and_when() {
    // DEV-020 on the deadline itself: “今日到期”, not “还有 0 天”.
    let on_the_day = person_hits(MemberStatus::Probationary, "2025-06-01", |f| {
        f.set(Step::GeneralMeeting, Some(d("2025-03-01")));
    });
    let w = on_the_day
        .iter()
        .find(|x| x.rule == "DEV-020")
        .expect("DEV-020");
    assert!(
        w.message.contains("今日到期") && !w.message.contains("0 天"),
        "{}",
        w.message
    );
    // DEV-001: an applicant's application is not to be accepted; a member's file is checked.
    let young = |status| {
        let facts = PersonFacts {
            birth_date: d("2008-05-01"),
            gender: "male",
            id_number: None,
            status,
            application: Some(d("2025-01-01")),
            activist: None,
            candidate: None,
            admission: None,
            conversion: None,
            file: None,
        };
        check_person(&cfg(), d("2026-01-01"), &facts)
            .into_iter()
            .find(|h| h.rule == "DEV-001")
            .expect("DEV-001")
            .message
    };
    assert!(young(MemberStatus::Applicant).contains("申请不应受理"));
    let member = young(MemberStatus::Full);
    assert!(
        !member.contains("不应受理") && member.contains("核实"),
        "{member}"
    );
    // DEV-008 on the count names the day the candidate was designated.
    let count = person_hits(MemberStatus::Candidate, "2024-03-10", |f| {
        f.set(Step::Activist, Some(d("2023-03-01")));
        f.set(Step::Candidate, Some(d("2024-03-01")));
    });
    let c = count.iter().find(|x| x.rule == "DEV-008").expect("DEV-008");
    assert!(c.message.contains("2024-03-01"), "{}", c.message);
}

#[test]
fn a_rule_is_found_by_its_id_and_runs_alone() {
    let mut f = DevFile::default();
    f.set(Step::Application, Some(d("2025-01-31")));
    let p = PersonFacts {
        birth_date: d("2010-01-01"),
        gender: "male",
        id_number: None,
        status: MemberStatus::Applicant,
        application: None,
        activist: None,
        candidate: None,
        admission: None,
        conversion: None,
        file: Some(&f),
    };
    // Under age and no talk a month after the application: DEV-001 and DEV-002.
    let all = check_person(&cfg(), d("2025-03-15"), &p);
    assert!(has(&all, "DEV-001") && has(&all, "DEV-002"), "{all:?}");
    let dev_002 = registry().get("DEV-002").expect("DEV-002");
    assert_eq!(dev_002.family, Family::Development);
    let alone = dev_002.run(&cfg(), d("2025-03-15"), Facts::Person(&p));
    assert_eq!(alone.len(), 1);
    assert_eq!(alone[0].rule, "DEV-002");
    assert_eq!(alone[0].due, Some(d("2025-02-28")));
    // Facts of another kind: nothing.
    let o = branch(1, 1);
    assert!(dev_002
        .run(&cfg(), d("2025-03-15"), Facts::Org(&o))
        .is_empty());
}

#[test]
fn a_check_asks_for_families_by_prefix_and_switches() {
    let mut c = cfg();
    let ask = Ask::prefix(&c, Some("DUES"));
    assert!(ask.wants_family(Family::Dues));
    assert!(!ask.wants_family(Family::Development));
    assert!(!ask.wants_family(Family::Letters));
    assert!(Ask::prefix(&c, Some("MEM-004")).wants_family(Family::Letters));
    assert!(!Ask::prefix(&c, Some("MEM-004")).wants_family(Family::Member));
    assert!(Ask::prefix(&c, Some("D")).wants_family(Family::Development));
    c.disabled = vec!["DUES-001".into(), "DUES-002".into()];
    assert!(!Ask::all(&c).wants_family(Family::Dues));
    assert!(Ask::all(&c).wants_family(Family::Organisation));
    let counts: Vec<usize> = Family::ALL
        .iter()
        .map(|f| registry().family(*f).count())
        .collect();
    assert_eq!(counts, vec![22, 5, 3, 1, 2, 7, 2]);
}
