//! Party dues (党费): DUES-001 (paid in full by the standard, less only with an approval) and
//! DUES-002 (no six months in a row unpaid, back pay of at most six months) over one member's
//! months. The arithmetic (brackets, amounts, months) is in `crate::dues`.

use chrono::{Datelike, NaiveDate};

use super::{in_range, Check, Family, Hit, RuleConfig, RuleEntry, Severity};
use crate::dates::add_months;
use crate::dues::{
    month_label, month_of, monthly_dues, yuan, Bracket, DuesBase, DuesNumbers, MonthRecord,
    Reduction, ReductionKind,
};

/// The most a month's fixed or farmer's amount may be set to, in fen.
const MAX_AMOUNT: i64 = 100_000;

impl DuesNumbers {
    /// The first number out of its allowed range, in words for the person who set it.
    pub fn validate(&self) -> Result<(), String> {
        brackets(&self.employed, "在职党员", "employed")?;
        brackets(&self.retired, "离退休党员", "retired")?;
        in_range(self.fixed, 0, MAX_AMOUNT, "固定缴纳额（分）", "dues.fixed")?;
        in_range(
            self.farmer_min,
            0,
            MAX_AMOUNT,
            "农民党员最低缴纳额（分）",
            "dues.farmer_min",
        )?;
        in_range(
            self.farmer_max,
            0,
            MAX_AMOUNT,
            "农民党员最高缴纳额（分）",
            "dues.farmer_max",
        )?;
        if self.farmer_min > self.farmer_max {
            return Err(format!(
                "农民党员最低缴纳额（dues.farmer_min）须不大于最高缴纳额（dues.farmer_max {}），现为 {}",
                self.farmer_max, self.farmer_min
            ));
        }
        in_range(self.unpaid_months, 1, 24, "欠交月数", "dues.unpaid_months")?;
        in_range(
            self.back_pay_months,
            0,
            60,
            "补缴月数",
            "dues.back_pay_months",
        )
    }
}

/// Brackets: at least one, limits rising, the last without a limit, rates 0 to 100%.
fn brackets(list: &[Bracket], who: &str, key: &str) -> Result<(), String> {
    if list.is_empty() {
        return Err(format!("{who}党费比例（dues.{key}）至少需要一档"));
    }
    let mut below: i64 = 0;
    for (i, b) in list.iter().enumerate() {
        in_range(
            b.rate_bp,
            0,
            10_000,
            &format!("{who}第 {} 档的比例（万分之一）", i + 1),
            &format!("dues.{key}[{i}].rate_bp"),
        )?;
        match b.up_to {
            Some(u) if u <= below => {
                return Err(format!(
                "{who}第 {} 档的上限（dues.{key}[{i}].up_to）须大于前一档的上限 {below}，现为 {u}",
                i + 1
            ))
            }
            Some(_) if i + 1 == list.len() => {
                return Err(format!(
                    "{who}最后一档（dues.{key}[{i}].up_to）须不设上限（null）"
                ))
            }
            Some(u) => below = u,
            None if i + 1 < list.len() => {
                return Err(format!(
                    "{who}只有最后一档可以不设上限（dues.{key}[{i}].up_to）"
                ))
            }
            None => {}
        }
    }
    Ok(())
}

/// What the check knows of one member's dues.
#[derive(Debug, Clone)]
pub struct DuesFacts<'a> {
    /// The month dues are owed from: the later of the admission month and the month the
    /// branch began keeping dues in the system.
    pub from: NaiveDate,
    /// Bases by the month they take effect, oldest first.
    pub bases: &'a [(NaiveDate, DuesBase)],
    pub months: &'a [MonthRecord],
    /// Approved reductions and exemptions in force (withdrawn ones left out).
    pub reductions: &'a [Reduction],
}

impl DuesFacts<'_> {
    fn base_for(&self, m: NaiveDate) -> Option<DuesBase> {
        self.bases
            .iter()
            .rfind(|(from, _)| *from <= m)
            .map(|(_, b)| *b)
    }

    /// The months judged as of `as_of` that were paid by then and have a base: the month,
    /// the day it was paid, the base.
    fn paid_months(
        &self,
        as_of: NaiveDate,
    ) -> impl Iterator<Item = (&MonthRecord, NaiveDate, DuesBase)> + '_ {
        self.months
            .iter()
            .filter(move |r| r.month >= self.from && r.month <= as_of)
            .filter_map(move |r| {
                let paid_on = r.paid_on.filter(|p| *p <= as_of)?;
                Some((r, paid_on, self.base_for(r.month)?))
            })
    }
}

const fn entry(
    id: &'static str,
    severity: Severity,
    title: &'static str,
    check: Check,
) -> RuleEntry {
    RuleEntry {
        id,
        severity,
        title,
        family: Family::Dues,
        check,
    }
}

pub(super) const RULES: &[RuleEntry] = &[
    entry(
        "DUES-001",
        Severity::Error,
        "按标准足额缴纳党费",
        Check::Dues(dues_001),
    ),
    entry(
        "DUES-002",
        Severity::Error,
        "不连续六个月不缴党费，补缴不超过六个月",
        Check::Dues(dues_002),
    ),
];

/// DUES-001: each month paid by `as_of` is judged with the numbers in force in that month;
/// paying more than the standard is allowed, less needs the approval of the committee above
/// on record by the day judged.
fn dues_001(cfg: &RuleConfig, as_of: NaiveDate, f: &DuesFacts, out: &mut Vec<Hit>) {
    for (r, paid_on, b) in f.paid_months(as_of) {
        let Ok(due) = monthly_dues(&cfg.at(r.month).dues, &b) else {
            continue;
        };
        let approval = f
            .reductions
            .iter()
            .filter(|x| x.covers(r.month, as_of))
            .min_by_key(|x| x.minimum());
        let short = match approval {
            Some(x) => r.amount < x.minimum().min(due),
            None => r.amount < due,
        };
        if !short {
            continue;
        }
        let what = match (approval, r.reason.as_deref().map(str::trim)) {
            (Some(x), _) => format!("{}，实缴低于批准的数额", x.describe()),
            (None, Some(reason)) if !reason.is_empty() => format!(
                "登记了原因“{reason}”，但没有上级党委的批准：少交或免交须由党支部研究、报上一级党委批准，请在“减免批准”中登记批准组织和日期"
            ),
            _ => "少交或免交须由党支部研究、报上一级党委批准，请在“减免批准”中登记批准组织和日期".to_string(),
        };
        out.push(Hit {
            rule: "DUES-001",
            severity: Severity::Error,
            key: format!("amount:{}", month_label(r.month)),
            message: format!(
                "{} 党费缴纳 {} 元，按标准应为 {} 元；{what}",
                month_label(r.month),
                yuan(r.amount),
                yuan(due)
            ),
            dates: [("month", r.month), ("paid_on", paid_on)]
                .into_iter()
                .collect(),
            due: None,
        });
    }
}

/// DUES-002: back pay covering more months than allowed; runs of months with neither a
/// payment (made by the check date) nor a reason, up to the last ended month: the one still
/// open, and any earlier one that later payments ended. Nothing after `as_of` is seen.
fn dues_002(cfg: &RuleConfig, as_of: NaiveDate, f: &DuesFacts, out: &mut Vec<Hit>) {
    for (r, paid_on, _) in f.paid_months(as_of) {
        let d = &cfg.at(r.month).dues;
        let covered = (i64::from(paid_on.year()) - i64::from(r.month.year())) * 12
            + i64::from(paid_on.month())
            - i64::from(r.month.month());
        if covered > i64::from(d.back_pay_months) {
            out.push(Hit {
                rule: "DUES-002",
                severity: Severity::Error,
                key: format!("backpay:{}", month_label(r.month)),
                message: format!(
                    "{} 补缴了 {} 的党费，补缴超过 {} 个月",
                    crate::dates::format_date(paid_on),
                    month_label(r.month),
                    d.back_pay_months
                ),
                dates: [("month", r.month), ("paid_on", paid_on)]
                    .into_iter()
                    .collect(),
                due: None,
            });
        }
    }
    // A stored number below one month counts as one: a run is at least a month long.
    let unpaid_months = usize::try_from(cfg.at(as_of).dues.unpaid_months)
        .unwrap_or(0)
        .max(1);
    let last = add_months(month_of(as_of), -1);
    let mut m = month_of(f.from);
    let mut run: Vec<NaiveDate> = Vec::new();
    let mut runs: Vec<Vec<NaiveDate>> = Vec::new();
    while m <= last {
        let rec = f.months.iter().find(|r| r.month == m);
        let settled = rec.is_some_and(|r| {
            r.paid_on.is_some_and(|p| p <= as_of)
                || r.reason.as_deref().is_some_and(|s| !s.trim().is_empty())
        }) || f
            .reductions
            .iter()
            .any(|x| x.kind == ReductionKind::Exempt && x.covers(m, as_of));
        if settled {
            if !run.is_empty() {
                runs.push(std::mem::take(&mut run));
            }
        } else {
            run.push(m);
        }
        let next = add_months(m, 1);
        if next <= m {
            break;
        }
        m = next;
    }
    for closed in runs.iter().filter(|r| r.len() >= unpaid_months) {
        let (Some(&first), Some(&end)) = (closed.first(), closed.last()) else {
            continue;
        };
        out.push(Hit {
            rule: "DUES-002",
            severity: Severity::Error,
            key: format!("unpaid:{}", month_label(first)),
            message: format!(
                "{} 至 {} 连续 {} 个月未缴纳党费，也没有登记原因（其后已恢复缴纳）；请核实，确有正当理由的补登原因",
                month_label(first),
                month_label(end),
                closed.len()
            ),
            dates: [("from", first), ("to", end)].into_iter().collect(),
            due: None,
        });
    }
    if let (Some(&first), true) = (run.first(), run.len() >= unpaid_months) {
        out.push(Hit {
            rule: "DUES-002",
            severity: Severity::Error,
            key: "unpaid".into(),
            message: format!(
                "自 {} 起连续 {} 个月未缴纳党费，也没有登记原因，请了解情况、督促缴纳（连续六个月不交纳党费又无正当理由的，按党章第九条处理）",
                month_label(first),
                run.len()
            ),
            dates: [("from", first)].into_iter().collect(),
            due: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::{check_dues, Numbers, RuleVersion};
    use super::*;
    use crate::dues::DuesCategory;

    fn d(s: &str) -> NaiveDate {
        crate::parse_date(s).unwrap()
    }
    fn base(category: DuesCategory, base: i64) -> DuesBase {
        DuesBase {
            category,
            base: Some(base),
            farmer_amount: None,
        }
    }

    fn paid(month: &str, amount: i64, on: &str) -> MonthRecord {
        MonthRecord {
            month: d(month),
            amount,
            paid_on: Some(d(on)),
            reason: None,
        }
    }

    #[test]
    fn dues_001_amount_and_a_pay_change_from_its_month() {
        let n = RuleConfig::default();
        let bases = [
            (d("2026-01-01"), base(DuesCategory::Employed, 650_000)),
            (d("2026-03-01"), base(DuesCategory::Employed, 400_000)),
        ];
        let months = [
            paid("2026-01-01", 9_750, "2026-01-10"),
            paid("2026-02-01", 4_000, "2026-02-10"),
            paid("2026-03-01", 4_000, "2026-03-10"),
        ];
        let f = DuesFacts {
            from: d("2026-01-01"),
            bases: &bases,
            months: &months,
            reductions: &[],
        };
        // Paying more than due is no finding.
        let mut months = months.to_vec();
        months.push(paid("2026-05-01", 10_000, "2026-05-10"));
        let f = DuesFacts {
            months: &months,
            ..f
        };
        let hits = check_dues(&n, d("2026-06-15"), &f);
        let keys: Vec<_> = hits.iter().map(|h| (h.rule, h.key.as_str())).collect();
        assert_eq!(keys, vec![("DUES-001", "amount:2026-02")]);
    }

    #[test]
    fn a_month_below_the_standard_needs_an_approval_on_record_by_the_day_judged() {
        let n = RuleConfig::default();
        // Due 40.00 a month (4,000 yuan at 1%).
        let bases = [(d("2026-01-01"), base(DuesCategory::Employed, 400_000))];
        let reason = |m: MonthRecord, r: &str| MonthRecord {
            reason: Some(r.into()),
            ..m
        };
        let months = [
            reason(
                paid("2026-03-01", 1_000, "2026-03-10"),
                "家庭困难，经批准减缴",
            ),
            paid("2026-04-01", 1_000, "2026-04-10"),
            paid("2026-05-01", 500, "2026-05-10"),
            paid("2026-06-01", 0, "2026-06-10"),
        ];
        let reduce = Reduction {
            kind: ReductionKind::Reduce,
            amount: Some(1_000),
            from: d("2026-04-01"),
            to: Some(d("2026-05-01")),
            approver: "中共示范街道工作委员会".into(),
            approved_on: d("2026-04-20"),
        };
        let exempt = Reduction {
            kind: ReductionKind::Exempt,
            amount: None,
            from: d("2026-06-01"),
            to: None,
            approver: "中共示范街道工作委员会".into(),
            approved_on: d("2026-06-01"),
        };
        let reductions = [reduce, exempt];
        let hits = |as_of: &str| {
            let h = check_dues(
                &n,
                d(as_of),
                &DuesFacts {
                    from: d("2026-01-01"),
                    bases: &bases,
                    months: &months,
                    reductions: &reductions,
                },
            );
            h.into_iter()
                .filter(|h| h.rule == "DUES-001")
                .map(|h| (h.key, h.message))
                .collect::<Vec<_>>()
        };
        let now = hits("2026-07-15");
        let keys: Vec<&str> = now.iter().map(|(k, _)| k.as_str()).collect();
        // March: a reason typed beside the payment is no approval. April: the approved 10.00.
        // May: below the approved amount. June: exempt.
        assert_eq!(keys, vec!["amount:2026-03", "amount:2026-05"], "{now:?}");
        assert!(now[0].1.contains("没有上级党委的批准"), "{}", now[0].1);
        assert!(now[1].1.contains("批准减交，每月 10.00 元"), "{}", now[1].1);
        // On 15 April the approval of 20 April was not yet on record: April, paid on the
        // 10th, was judged by the standard.
        let then = hits("2026-04-15");
        let keys: Vec<&str> = then.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, vec!["amount:2026-03", "amount:2026-04"], "{then:?}");
        // The exemption settles months left unpaid too (DUES-002).
        let unpaid: Vec<MonthRecord> = Vec::new();
        let student = [(d("2026-01-01"), base(DuesCategory::Student, 0))];
        let run = |reductions: &[Reduction]| {
            check_dues(
                &n,
                d("2026-12-15"),
                &DuesFacts {
                    from: d("2026-06-01"),
                    bases: &student,
                    months: &unpaid,
                    reductions,
                },
            )
            .into_iter()
            .filter(|h| h.rule == "DUES-002")
            .count()
        };
        assert_eq!(run(&[]), 1);
        assert_eq!(run(&reductions[1..]), 0);
        // A reduction approved for other months excuses nothing.
        assert_eq!(run(&reductions[..1]), 1);
    }

    #[test]
    fn dues_002_six_months_in_a_row_and_back_pay() {
        let n = RuleConfig::default();
        let bases = [(d("2025-01-01"), base(DuesCategory::Student, 0))];
        let f = |months: &[MonthRecord], as_of: &str| {
            check_dues(
                &n,
                d(as_of),
                &DuesFacts {
                    from: d("2025-01-01"),
                    bases: &bases,
                    months,
                    reductions: &[],
                },
            )
        };
        let jan = [paid("2025-01-01", 20, "2025-01-05")];
        // February to July unpaid: six ended months on 1 August, five on 31 July.
        assert!(f(&jan, "2025-07-31").is_empty());
        let h = f(&jan, "2025-08-01");
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].dates["from"], d("2025-02-01"));
        // A recorded reason breaks the run.
        let with_reason = [
            jan[0].clone(),
            MonthRecord {
                month: d("2025-04-01"),
                amount: 0,
                paid_on: None,
                reason: Some("出国留学，经批准缓交".into()),
            },
        ];
        assert!(f(&with_reason, "2025-08-01").is_empty());
        // Paying July 2025's dues in February 2026 covers seven months back.
        let late = [paid("2025-07-01", 20, "2026-02-01")];
        let keys: Vec<String> = f(&late, "2026-02-15")
            .iter()
            .map(|h| h.key.clone())
            .collect();
        assert!(keys.contains(&"backpay:2025-07".to_string()));
        let ok = [paid("2025-08-01", 20, "2026-02-01")];
        assert!(!f(&ok, "2026-02-15")
            .iter()
            .any(|h| h.key.starts_with("backpay")));
    }

    #[test]
    fn each_month_is_judged_by_the_rules_of_that_month() {
        // From July 2026 the lowest bracket is 1% (a local revision).
        let mut july = Numbers::default();
        july.dues.employed[0].rate_bp = 100;
        let mut cfg = RuleConfig::default();
        cfg.versions.push(RuleVersion {
            effective: d("2026-07-01"),
            numbers: july,
        });
        let bases = [(d("2026-01-01"), base(DuesCategory::Employed, 250_000))];
        // 2,500 yuan: 12.50 under the old rate, 25.00 from July.
        let months = [
            paid("2026-01-01", 1_250, "2026-01-10"),
            paid("2026-06-01", 1_250, "2026-06-10"),
            paid("2026-07-01", 1_250, "2026-07-10"),
        ];
        let hits = check_dues(
            &cfg,
            d("2026-08-15"),
            &DuesFacts {
                from: d("2026-01-01"),
                bases: &bases,
                months: &months,
                reductions: &[],
            },
        );
        let under: Vec<_> = hits.iter().filter(|h| h.rule == "DUES-001").collect();
        assert_eq!(under.len(), 1, "{hits:?}");
        assert_eq!(under[0].key, "amount:2026-07");
        assert!(under[0].message.contains("25.00"), "{}", under[0].message);
    }

    #[test]
    fn a_run_that_later_payments_ended_is_reported_and_later_payments_are_not_seen_before() {
        let cfg = RuleConfig::default();
        let bases = [(d("2025-01-01"), base(DuesCategory::Student, 0))];
        let f = |months: &[MonthRecord], as_of: &str| {
            check_dues(
                &cfg,
                d(as_of),
                &DuesFacts {
                    from: d("2025-01-01"),
                    bases: &bases,
                    months,
                    reductions: &[],
                },
            )
        };
        // January paid, February to July unpaid, August paid.
        let months = [
            paid("2025-01-01", 20, "2025-01-05"),
            paid("2025-08-01", 20, "2025-08-05"),
        ];
        let h = f(&months, "2025-10-01");
        let keys: Vec<&str> = h.iter().map(|x| x.key.as_str()).collect();
        assert_eq!(keys, vec!["unpaid:2025-02"], "{h:?}");
        assert!(
            h[0].message.contains("2025-02 至 2025-07"),
            "{}",
            h[0].message
        );
        // Five months are not enough.
        let months = [
            paid("2025-01-01", 20, "2025-01-05"),
            paid("2025-07-01", 20, "2025-07-05"),
        ];
        assert!(f(&months, "2025-10-01").is_empty());
        // Judged as of 1 August, a back payment made in September is not seen yet.
        let late = [
            paid("2025-01-01", 20, "2025-01-05"),
            paid("2025-02-01", 20, "2025-09-01"),
        ];
        let h = f(&late, "2025-08-01");
        assert_eq!(
            h.iter().map(|x| x.key.as_str()).collect::<Vec<_>>(),
            vec!["unpaid"]
        );
        // Once it is made, February is settled: the open run starts in March.
        let after = f(&late, "2025-09-02");
        let open = after.iter().find(|x| x.key == "unpaid").expect("open run");
        assert_eq!(open.dates["from"], d("2025-03-01"));
    }

    #[test]
    fn numbers_out_of_range_do_not_panic() {
        let bases = [(d("2025-01-01"), base(DuesCategory::Student, 0))];
        let months = [paid("2025-01-01", 20, "2026-02-01")];
        for (unpaid, back) in [(0, 0), (-5, -5), (i32::MIN, i32::MIN), (i32::MAX, i32::MAX)] {
            let mut cfg = RuleConfig::default();
            cfg.versions[0].numbers.dues.unpaid_months = unpaid;
            cfg.versions[0].numbers.dues.back_pay_months = back;
            cfg.versions[0].numbers.dues.fixed = i64::MIN;
            let hits = check_dues(
                &cfg,
                d("2026-03-15"),
                &DuesFacts {
                    from: d("2025-01-01"),
                    bases: &bases,
                    months: &months,
                    reductions: &[],
                },
            );
            // Below one month counts as one: February 2025 to February 2026 is one open run.
            if unpaid <= 0 {
                assert!(hits.iter().any(|h| h.key == "unpaid"), "{hits:?}");
            }
        }
    }

    #[test]
    fn dues_numbers_are_validated_with_the_field_and_its_range() {
        assert_eq!(DuesNumbers::default().validate(), Ok(()));
        let with = |f: &dyn Fn(&mut DuesNumbers)| {
            let mut n = DuesNumbers::default();
            f(&mut n);
            n.validate().unwrap_err()
        };
        assert_eq!(
            with(&|n| n.unpaid_months = 0),
            "欠交月数（dues.unpaid_months）须为 1 到 24 之间的整数，现为 0"
        );
        assert!(with(&|n| n.unpaid_months = 25).contains("1 到 24"));
        assert!(with(&|n| n.back_pay_months = -1).contains("dues.back_pay_months"));
        assert!(with(&|n| n.farmer_min = 200).contains("dues.farmer_min"));
        assert!(with(&|n| n.employed.clear()).contains("至少需要一档"));
        assert!(with(&|n| n.employed[1].rate_bp = 10_001).contains("dues.employed[1].rate_bp"));
        assert!(with(&|n| n.employed[2].up_to = Some(100)).contains("dues.employed[2].up_to"));
        assert!(with(&|n| n.retired[1].up_to = Some(900_000)).contains("不设上限"));
        assert!(with(&|n| n.retired[0].up_to = None).contains("只有最后一档"));
    }
}
