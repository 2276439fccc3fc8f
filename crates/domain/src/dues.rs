//! Party dues (党费): the monthly amount by the brackets of DUES-001, months, reductions and
//! money. Money is in fen (分), never floating point. The rules DUES-001 and DUES-002 over a
//! member's months are in `rules::dues`.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

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
    let f = fen.unsigned_abs();
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
    base.saturating_mul(rate).saturating_add(5_000) / 10_000
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
