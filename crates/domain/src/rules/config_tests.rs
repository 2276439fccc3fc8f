//! The stored form of the configuration and the validation of its numbers.

use super::*;

/// The default configuration as stored before the numbers were split by family: one flat
/// object per version, the dues numbers under `dues`.
const OLD_DEFAULT: &str = r#"{"versions":[{"effective":"1900-01-01","numbers":{"min_age":18,"talk_within_months":1,"filing_days":30,"contacts_min":1,"contacts_max":2,"assessment_months":6,"candidate_after_months":12,"introducers":2,"training_days":3,"training_hours":24.0,"approval_months":3,"approval_extended_months":6,"probation_months":12,"conversion_approval_months":3,"extension_min_months":6,"extension_max_months":12,"conversion_meeting_days":30,"probation_warning_days":30,"approval_warning_days":14,"branch_min_full":3,"branch_committee_from":7,"branch_max_members":50,"committee_suggested_from":100,"term_warning_days":180,"term_postpone_months":12,"lost_contact_months":6,"lost_contact_removal_months":24,"dues":{"employed":[{"up_to":300000,"rate_bp":50},{"up_to":500000,"rate_bp":100},{"up_to":1000000,"rate_bp":150},{"up_to":null,"rate_bp":200}],"retired":[{"up_to":500000,"rate_bp":50},{"up_to":null,"rate_bp":100}],"fixed":20,"farmer_min":20,"farmer_max":100,"unpaid_months":6,"back_pay_months":6}}}],"disabled":[]}"#;

#[test]
fn the_stored_form_is_unchanged() {
    // The meeting numbers came later: written after the others, absent from older forms.
    assert_eq!(
        serde_json::to_string(&RuleConfig::default()).unwrap(),
        OLD_DEFAULT.replace(
            r#""back_pay_months":6}}"#,
            r#""back_pay_months":6},"meetings_lookback_months":12,"meetings_warning_days":7,"report_warning_days":2,"report_lookback_months":12}"#
        )
    );
    let back: RuleConfig = serde_json::from_str(OLD_DEFAULT).unwrap();
    assert_eq!(back, RuleConfig::default());
}

#[test]
fn an_old_flat_configuration_loads_to_the_same_values() {
    // As an operator wrote it: two versions, a few numbers of each family changed, the rest
    // left out (defaults), a rule switched off.
    let old = r#"{"versions": [
        {"effective": "1900-01-01", "numbers": {}},
        {"effective": "2026-07-01", "numbers": {
            "talk_within_months": 2, "training_hours": 32, "probation_warning_days": 20,
            "branch_max_members": 60, "term_postpone_months": 6,
            "lost_contact_months": 5,
            "dues": {"unpaid_months": 4, "employed": [{"up_to": 300000, "rate_bp": 100}, {"up_to": null, "rate_bp": 200}]}
        }}],
        "disabled": ["DEV-004"]}"#;
    let cfg: RuleConfig = serde_json::from_str(old).unwrap();
    assert_eq!(cfg.disabled, vec!["DEV-004".to_string()]);
    assert_eq!(cfg.versions[0].numbers, Numbers::default());
    let n = &cfg.versions[1].numbers;
    let mut want = Numbers::default();
    want.development.talk_within_months = 2;
    want.development.training_hours = 32.0;
    want.development.probation_warning_days = 20;
    want.organisation.branch_max_members = 60;
    want.organisation.term_postpone_months = 6;
    want.member.lost_contact_months = 5;
    want.dues.unpaid_months = 4;
    want.dues.employed = vec![
        crate::dues::Bracket {
            up_to: Some(300_000),
            rate_bp: 100,
        },
        crate::dues::Bracket {
            up_to: None,
            rate_bp: 200,
        },
    ];
    assert_eq!(*n, want);
    assert!(cfg.problems().is_empty(), "{:?}", cfg.problems());
    // Written back, it keeps the flat form and reads the same.
    let text = serde_json::to_string(&cfg).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let numbers = &value["versions"][1]["numbers"];
    assert_eq!(numbers["talk_within_months"], 2);
    assert_eq!(numbers["branch_max_members"], 60);
    assert_eq!(numbers["lost_contact_months"], 5);
    assert_eq!(numbers["dues"]["unpaid_months"], 4);
    assert!(numbers.get("development").is_none());
    assert_eq!(serde_json::from_str::<RuleConfig>(&text).unwrap(), cfg);
}

#[test]
fn an_empty_or_partial_configuration_takes_the_defaults() {
    assert_eq!(
        serde_json::from_str::<RuleConfig>("{}").unwrap(),
        RuleConfig::default()
    );
    let cfg: RuleConfig = serde_json::from_str(r#"{"disabled": ["ORG-003"]}"#).unwrap();
    assert_eq!(cfg.versions, RuleConfig::default().versions);
    assert!(!cfg.enabled("ORG-003"));
}

#[test]
fn every_number_out_of_range_is_named_with_its_range() {
    assert_eq!(Numbers::default().validate(), Ok(()));
    let with = |f: &dyn Fn(&mut Numbers)| {
        let mut n = Numbers::default();
        f(&mut n);
        n.validate().unwrap_err()
    };
    assert_eq!(
        with(&|n| n.development.min_age = 0),
        "申请入党的最低年龄（min_age）须为 14 到 40 之间的整数，现为 0"
    );
    assert!(with(&|n| n.development.talk_within_months = -1).contains("talk_within_months"));
    assert!(with(&|n| n.development.filing_days = i64::MAX).contains("1 到 365"));
    assert!(with(&|n| n.development.contacts_min = 3).contains("contacts_max"));
    assert!(with(&|n| n.development.training_hours = f64::NAN).contains("training_hours"));
    assert!(with(&|n| n.development.training_hours = 0.0).contains("大于 0"));
    assert!(with(&|n| n.development.approval_months = 7).contains("approval_extended_months"));
    assert!(with(&|n| n.development.probation_months = 0).contains("probation_months"));
    assert!(with(&|n| n.development.extension_max_months = 5).contains("extension_min_months"));
    assert!(with(&|n| n.development.conversion_meeting_days = -1).contains("0 到 365"));
    assert!(with(&|n| n.organisation.branch_min_full = 0).contains("branch_min_full"));
    assert!(with(&|n| n.organisation.term_postpone_months = -1).contains("term_postpone_months"));
    assert!(with(&|n| n.member.lost_contact_months = 0).contains("lost_contact_months"));
    assert!(with(&|n| n.member.lost_contact_removal_months = 121).contains("1 到 120"));
    assert!(
        with(&|n| n.dues.unpaid_months = 0).contains("欠交月数（dues.unpaid_months）须为 1 到 24")
    );
    // The edges of a range are allowed.
    let mut n = Numbers::default();
    n.development.min_age = 14;
    n.development.talk_within_months = 12;
    n.organisation.term_postpone_months = 0;
    n.dues.unpaid_months = 24;
    assert_eq!(n.validate(), Ok(()));
}

#[test]
fn a_configuration_names_the_version_of_a_bad_number() {
    let mut c = RuleConfig::default();
    let mut later = Numbers::default();
    later.dues.unpaid_months = 0;
    c.versions.push(RuleVersion {
        effective: NaiveDate::from_ymd_opt(2026, 7, 1).unwrap(),
        numbers: later,
    });
    assert_eq!(
        c.problems(),
        vec![
            "2026-07-01 版本：欠交月数（dues.unpaid_months）须为 1 到 24 之间的整数，现为 0"
                .to_string()
        ]
    );
}
