//! Party dues (党费): the monthly amount by the brackets of DUES-001, and the checks of
//! DUES-001 and DUES-002 over a member's months. Money is in fen (分), never floating point.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::compliance::{Hit, RuleConfig, Severity};
use crate::dates::add_months;
use crate::org::code_enum;

code_enum! {
    /// What the dues are computed from (党费计算类别).
    DuesCategory {
        Employed = "employed", "在职";
        Retired = "retired", "离退休";
        Student = "student", "学生";
        Unemployed = "unemployed", "下岗失业";
        Farmer = "farmer", "农民";
        Relief = "relief", "低保或救济";
    }
}

/// A bracket: up to `up_to` fen of the base (inclusive; `None` = no limit), this rate in basis
/// points (1% = 100).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bracket {
    pub up_to: Option<i64>,
    pub rate_bp: i64,
}

/// The dues numbers of DUES-001 and DUES-002 (part of the rule configuration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DuesNumbers {
    /// Employed: the fixed part of after-tax monthly pay.
    pub employed: Vec<Bracket>,
    /// Retired: the basic pension without allowances.
    pub retired: Vec<Bracket>,
    /// Students, the unemployed and people on relief pay this fixed amount.
    pub fixed: i64,
    /// Farmers pay between these amounts.
    pub farmer_min: i64,
    pub farmer_max: i64,
    /// DUES-002: months in a row without payment or a recorded reason.
    pub unpaid_months: i32,
    /// DUES-002: how many months back a payment may cover.
    pub back_pay_months: i32,
}

impl Default for DuesNumbers {
    fn default() -> Self {
        let b = |up_to: Option<i64>, rate_bp| Bracket { up_to, rate_bp };
        DuesNumbers {
            employed: vec![
                b(Some(300_000), 50),
                b(Some(500_000), 100),
                b(Some(1_000_000), 150),
                b(None, 200),
            ],
            retired: vec![b(Some(500_000), 50), b(None, 100)],
            fixed: 20,
            farmer_min: 20,
            farmer_max: 100,
            unpaid_months: 6,
            back_pay_months: 6,
        }
    }
}

/// What the monthly amount is computed from, as of a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DuesBase {
    pub category: DuesCategory,
    /// Monthly base income in fen (employed, retired).
    pub base: Option<i64>,
    /// The amount a farmer pays, in fen.
    pub farmer_amount: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DuesError {
    #[error("{0}须填写月收入（基数）")]
    NoBase(&'static str),
    #[error("收入不能为负数")]
    Negative,
    #[error("农民党员每月缴纳 {min} 至 {max}（元）")]
    FarmerRange { min: String, max: String },
}

/// Fen as yuan with two decimals: 9750 → "97.50".
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let f = fen.abs();
    format!("{sign}{}.{:02}", f / 100, f % 100)
}

/// Reads "97.5", "97.50", "6500", "6,500.00" as fen.
pub fn parse_yuan(input: &str) -> Option<i64> {
    let s: String = input
        .trim()
        .chars()
        .map(crate::text::half_width)
        .filter(|c| *c != ',' && *c != '，' && *c != '元' && !c.is_whitespace())
        .collect();
    if s.is_empty() || s.starts_with('-') {
        return None;
    }
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let w: i64 = whole.parse().ok()?;
    let f: i64 = format!("{frac:0<2}").parse().ok()?;
    w.checked_mul(100)?.checked_add(f)
}

fn by_brackets(base: i64, brackets: &[Bracket]) -> i64 {
    let rate = brackets
        .iter()
        .find(|b| b.up_to.is_none_or(|u| base <= u))
        .map(|b| b.rate_bp)
        .unwrap_or(0);
    // One rate on the whole base (not progressive), rounded half up to the fen.
    (base * rate + 5_000) / 10_000
}

/// The monthly dues in fen (DUES-001).
pub fn monthly_dues(n: &DuesNumbers, b: &DuesBase) -> Result<i64, DuesError> {
    match b.category {
        DuesCategory::Employed | DuesCategory::Retired => {
            let base = b.base.ok_or(DuesError::NoBase(b.category.label()))?;
            if base < 0 {
                return Err(DuesError::Negative);
            }
            let brackets = if b.category == DuesCategory::Employed {
                &n.employed
            } else {
                &n.retired
            };
            Ok(by_brackets(base, brackets))
        }
        DuesCategory::Student | DuesCategory::Unemployed | DuesCategory::Relief => Ok(n.fixed),
        DuesCategory::Farmer => {
            let a = b.farmer_amount.unwrap_or(n.farmer_min);
            if a < n.farmer_min || a > n.farmer_max {
                return Err(DuesError::FarmerRange {
                    min: yuan(n.farmer_min),
                    max: yuan(n.farmer_max),
                });
            }
            Ok(a)
        }
    }
}

/// First day of `d`'s month.
pub fn month_of(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// `2026-03`.
pub fn month_label(m: NaiveDate) -> String {
    format!("{:04}-{:02}", m.year(), m.month())
}

/// A month's record: paid (with amount and day), or not paid with a recorded reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthRecord {
    pub month: NaiveDate,
    pub amount: i64,
    pub paid_on: Option<NaiveDate>,
    /// A reason for not paying or for paying less (with the upper approval of a reduction).
    pub reason: Option<String>,
}

code_enum! {
    /// What an upper committee approved for a member in financial difficulty (经济确有困难).
    ReductionKind {
        Reduce = "reduce", "减交";
        Exempt = "exempt", "免交";
    }
}

/// An approved reduction or exemption (少交或免交党费): the branch discusses it and the
/// committee above approves it (《关于中国共产党党费收缴、使用和管理的规定》). Only such a record
/// excuses a month paid below the standard; a reason typed beside a payment does not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reduction {
    pub kind: ReductionKind,
    /// For a reduction: the monthly amount approved, in fen.
    pub amount: Option<i64>,
    /// The months covered (first days), the last one inclusive; `None`: until withdrawn.
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    /// The approving committee's name and the day of its approval.
    pub approver: String,
    pub approved_on: NaiveDate,
}

impl Reduction {
    /// Whether it covers `month` and had been approved by `as_of`.
    pub fn covers(&self, month: NaiveDate, as_of: NaiveDate) -> bool {
        self.approved_on <= as_of && self.from <= month && self.to.is_none_or(|t| month <= t)
    }

    /// The least a member may pay in a month it covers.
    pub fn minimum(&self) -> i64 {
        match self.kind {
            ReductionKind::Exempt => 0,
            ReductionKind::Reduce => self.amount.unwrap_or(0),
        }
    }

    /// `经中共某镇委员会 2026-03-01 批准减交，每月 1.00 元`.
    pub fn describe(&self) -> String {
        match self.kind {
            ReductionKind::Exempt => format!(
                "经{} {} 批准免交",
                self.approver,
                crate::dates::format_date(self.approved_on)
            ),
            ReductionKind::Reduce => format!(
                "经{} {} 批准减交，每月 {} 元",
                self.approver,
                crate::dates::format_date(self.approved_on),
                yuan(self.amount.unwrap_or(0))
            ),
        }
    }
}

/// A reduction as typed into the form or sent to the API, before it is checked.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReductionInput {
    pub member_id: i64,
    /// `reduce` or `exempt`.
    pub kind: String,
    /// For a reduction: the monthly amount in yuan (`1.50`).
    #[serde(default)]
    pub amount: String,
    /// `2026-03`.
    pub from_month: String,
    #[serde(default)]
    pub to_month: String,
    pub approval_org_id: i64,
    pub approved_on: String,
    #[serde(default)]
    pub document_no: String,
    pub reason: String,
}

/// A checked reduction, ready to store (the approving committee is checked against the tree
/// by the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReductionFields {
    pub member_id: i64,
    pub kind: ReductionKind,
    pub amount: Option<i64>,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    pub approval_org_id: i64,
    pub approved_on: NaiveDate,
    pub document_no: Option<String>,
    pub reason: String,
}

impl ReductionInput {
    /// Checks the input; a problem names its field and says what to do, in Chinese.
    pub fn parse(&self, today: NaiveDate) -> Result<ReductionFields, (&'static str, String)> {
        let kind = ReductionKind::parse(self.kind.trim())
            .ok_or(("kind", "请选择减交或免交".to_string()))?;
        let amount = match (kind, self.amount.trim()) {
            (ReductionKind::Exempt, _) => None,
            (ReductionKind::Reduce, "") => {
                return Err(("amount", "减交请填写批准的每月缴纳额".into()))
            }
            (ReductionKind::Reduce, a) => match parse_yuan(a) {
                Some(f) if f > 0 && f <= 10_000_000 => Some(f),
                Some(0) => return Err(("amount", "每月缴纳额为 0 的请选“免交”".into())),
                _ => return Err(("amount", format!("“{a}”不是有效的金额"))),
            },
        };
        let month = |field: &'static str, s: &str| {
            crate::parse_year_month(s.trim())
                .map_err(|_| (field, format!("“{}”不是有效的月份（如 2026-03）", s.trim())))
        };
        let from = month("from_month", &self.from_month)?;
        let to = match self.to_month.trim() {
            "" => None,
            t => Some(month("to_month", t)?),
        };
        if to.is_some_and(|t| t < from) {
            return Err(("to_month", "截止月份不能早于起始月份".into()));
        }
        let approved_on = crate::parse_date(self.approved_on.trim())
            .map_err(|_| ("approved_on", "请填写批准日期".to_string()))?;
        if approved_on > today {
            return Err(("approved_on", "批准日期不能晚于今天".into()));
        }
        let document_no = crate::text::optional(&self.document_no, 50)
            .map_err(|_| ("document_no", "批准文号最多 50 字".to_string()))?;
        let reason = match crate::text::optional(&self.reason, 100) {
            Ok(Some(r)) => r,
            Ok(None) => return Err(("reason", "请填写减免原因（如经济确有困难的情况）".into())),
            Err(_) => return Err(("reason", "减免原因最多 100 字".into())),
        };
        Ok(ReductionFields {
            member_id: self.member_id,
            kind,
            amount,
            from: month_of(from),
            to: to.map(month_of),
            approval_org_id: self.approval_org_id,
            approved_on,
            document_no,
            reason,
        })
    }
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

/// DUES-001 and DUES-002 for one member as of `as_of` (months that have ended). Each month
/// is judged with the numbers in force in that month; nothing after `as_of` (months, payments)
/// is seen.
pub fn check_dues(cfg: &RuleConfig, as_of: NaiveDate, f: &DuesFacts) -> Vec<Hit> {
    let mut out = Vec::new();
    let base_for = |m: NaiveDate| {
        f.bases
            .iter()
            .rfind(|(from, _)| *from <= m)
            .map(|(_, b)| *b)
    };
    for r in f.months {
        if r.month < f.from || r.month > as_of {
            continue;
        }
        let d = &cfg.at(r.month).dues;
        let paid_on = r.paid_on.filter(|p| *p <= as_of);
        if let (Some(paid_on), Some(b)) = (paid_on, base_for(r.month)) {
            if let Ok(due) = monthly_dues(d, &b) {
                // Paying more than the standard is allowed; less needs the approval of the
                // committee above, on record by the day judged.
                let approval = f
                    .reductions
                    .iter()
                    .filter(|x| x.covers(r.month, as_of))
                    .min_by_key(|x| x.minimum());
                let short = match approval {
                    Some(x) => r.amount < x.minimum().min(due),
                    None => r.amount < due,
                };
                if short {
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
            let covered = (paid_on.year() - r.month.year()) * 12 + paid_on.month() as i32
                - r.month.month() as i32;
            if covered > d.back_pay_months {
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
    }
    // Runs of months with neither a payment (made by the check date) nor a reason, up to the
    // last ended month: the one still open, and any earlier one that later payments ended.
    let unpaid_months = cfg.at(as_of).dues.unpaid_months;
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
        m = add_months(m, 1);
    }
    for closed in runs.iter().filter(|r| r.len() as i32 >= unpaid_months) {
        let (first, end) = (closed[0], closed[closed.len() - 1]);
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
    if run.len() as i32 >= unpaid_months {
        let first = run[0];
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
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn one_rate_on_the_whole_base() {
        let n = DuesNumbers::default();
        let due = |c, b| monthly_dues(&n, &base(c, b)).unwrap();
        // 6,500 × 1.5% = 97.50, not progressive.
        assert_eq!(due(DuesCategory::Employed, 650_000), 9_750);
        // Both sides of each bracket.
        assert_eq!(due(DuesCategory::Employed, 300_000), 1_500);
        assert_eq!(due(DuesCategory::Employed, 300_001), 3_000);
        assert_eq!(due(DuesCategory::Employed, 500_000), 5_000);
        assert_eq!(due(DuesCategory::Employed, 500_001), 7_500);
        assert_eq!(due(DuesCategory::Employed, 1_000_000), 15_000);
        assert_eq!(due(DuesCategory::Employed, 1_000_001), 20_000);
        assert_eq!(due(DuesCategory::Retired, 500_000), 2_500);
        assert_eq!(due(DuesCategory::Retired, 500_001), 5_000);
        // Rounded half up to the fen: 2,345.67 × 0.5% = 11.72835.
        assert_eq!(due(DuesCategory::Employed, 234_567), 1_173);
        assert_eq!(due(DuesCategory::Student, 0), 20);
        assert_eq!(due(DuesCategory::Relief, 0), 20);
    }

    #[test]
    fn farmers_pay_between_two_jiao_and_one_yuan() {
        let n = DuesNumbers::default();
        let f = |a| {
            monthly_dues(
                &n,
                &DuesBase {
                    category: DuesCategory::Farmer,
                    base: None,
                    farmer_amount: a,
                },
            )
        };
        assert_eq!(f(None), Ok(20));
        assert_eq!(f(Some(100)), Ok(100));
        assert!(f(Some(101)).is_err());
        assert!(f(Some(19)).is_err());
        assert!(matches!(
            monthly_dues(
                &n,
                &DuesBase {
                    category: DuesCategory::Employed,
                    base: None,
                    farmer_amount: None
                }
            ),
            Err(DuesError::NoBase(_))
        ));
    }

    #[test]
    fn money_reads_and_writes() {
        assert_eq!(parse_yuan("97.5"), Some(9_750));
        assert_eq!(parse_yuan("6,500"), Some(650_000));
        assert_eq!(parse_yuan("0.2"), Some(20));
        assert_eq!(parse_yuan("５０００"), Some(500_000));
        assert_eq!(parse_yuan("1.234"), None);
        assert_eq!(parse_yuan("-1"), None);
        assert_eq!(parse_yuan("abc"), None);
        assert_eq!(yuan(9_750), "97.50");
        assert_eq!(yuan(20), "0.20");
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
        use crate::compliance::{Numbers, RuleVersion};
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
}
