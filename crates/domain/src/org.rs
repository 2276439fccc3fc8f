//! Party organisations (党组织): types, sectors and the materialised path of the tree.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::dates::parse_date;
use crate::members::FieldError;
use crate::phone::Phone;

macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Stable English code used in the database, the API and exports.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// Chinese label shown to users.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// Accepts the code or the Chinese label.
            pub fn parse(input: &str) -> Option<Self> {
                let s = input.trim();
                $(if s == $code || s == $label { return Some($name::$variant); })+
                None
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}
pub(crate) use code_enum;

code_enum! {
    /// Organisation type (组织类别).
    OrgType {
        Committee = "committee", "党委";
        WorkingCommittee = "working_committee", "党工委";
        GeneralBranch = "general_branch", "党总支";
        Branch = "branch", "党支部";
        JointBranch = "joint_branch", "联合党支部";
        TemporaryBranch = "temporary_branch", "临时党支部";
        PartyGroup = "party_group", "党小组";
    }
}

/// A township committee (乡镇党委) or a street working committee (街道党工委): a committee of the
/// rural or community sector.
pub fn is_township_or_street(kind: OrgType, sector: Sector) -> bool {
    matches!(kind, OrgType::Committee | OrgType::WorkingCommittee)
        && matches!(sector, Sector::Rural | Sector::Community)
}

/// Whether an organisation approves admissions and conversions when nothing is set on it
/// (〔细则〕第二十三条): grassroots party committees and working committees do, township
/// committees and street working committees included (village and community members are
/// approved by them); committees *under* a township or street committee (an enterprise
/// committee inside a township, a village committee) do not, nor do general branches and
/// branches. `ancestors` are the organisations above, in any order.
pub fn default_approval_power(kind: OrgType, ancestors: &[(OrgType, Sector)]) -> bool {
    matches!(kind, OrgType::Committee | OrgType::WorkingCommittee)
        && !ancestors.iter().any(|(k, s)| is_township_or_street(*k, *s))
}

impl OrgType {
    /// Branch-level organisations that hold members directly.
    pub fn is_branch(self) -> bool {
        matches!(
            self,
            OrgType::Branch | OrgType::JointBranch | OrgType::TemporaryBranch
        )
    }

    /// Whether an organisation of this type may be placed under `parent`.
    pub fn may_sit_under(self, parent: OrgType) -> bool {
        match parent {
            OrgType::PartyGroup => false,
            OrgType::Branch | OrgType::JointBranch | OrgType::TemporaryBranch => {
                self == OrgType::PartyGroup
            }
            OrgType::GeneralBranch => self.is_branch(),
            OrgType::Committee | OrgType::WorkingCommittee => self != OrgType::PartyGroup,
        }
    }

    /// Usual committee term in years (换届): 3 for branches, 5 for committees.
    pub fn term_years(self, sector: Sector) -> i32 {
        match self {
            OrgType::Committee | OrgType::WorkingCommittee => 5,
            _ if matches!(sector, Sector::Rural | Sector::Community) => 5,
            _ => 3,
        }
    }
}

code_enum! {
    /// Sector (领域): campaigns give each sector its own theme.
    Sector {
        Rural = "rural", "农村";
        Community = "community", "街道社区";
        Organ = "organ", "机关";
        School = "school", "学校";
        Institution = "institution", "事业单位";
        NonPublic = "non_public", "非公企业和社会组织";
        StateOwned = "state_owned", "国有企业";
        Other = "other", "其他";
    }
}

impl Sector {
    /// Accepts the spellings seen in real files as well.
    pub fn parse_loose(input: &str) -> Option<Self> {
        let s: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if let Some(v) = Sector::parse(&s) {
            return Some(v);
        }
        Some(match s.as_str() {
            "农村村" | "村" | "乡镇" | "农村村级" => Sector::Rural,
            "社区" | "街道" | "城市社区" => Sector::Community,
            "党政机关" | "机关单位" => Sector::Organ,
            "学校" | "中小学" | "高校" | "教育" => Sector::School,
            "事业" | "事业单位（不含学校）" => Sector::Institution,
            "非公企业" | "社会组织" | "非公有制企业" | "两新组织" | "非公企业/社会组织" => {
                Sector::NonPublic
            }
            "国企" | "国有企业" | "国有控股企业" => Sector::StateOwned,
            _ => return None,
        })
    }
}

/// Errors in organisation input, with messages for users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrgError {
    #[error("组织名称不能为空")]
    NameEmpty,
    #[error("组织名称过长（最多 100 个字）")]
    NameTooLong,
    #[error("组织代码只能由字母、数字和“-”组成，长度 1–32")]
    Code,
    #[error("{child}不能设在{parent}之下")]
    Placement {
        child: &'static str,
        parent: &'static str,
    },
    #[error("不能把组织移到它自己或它的下级组织之下")]
    Cycle,
    #[error("换届日期不能早于任期开始日期")]
    TermOrder,
}

/// Organisation code (组织代码): letters, digits and hyphens.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrgCode(String);

impl OrgCode {
    pub fn parse(input: &str) -> Result<Self, OrgError> {
        let s: String = input
            .trim()
            .chars()
            .map(crate::text::half_width)
            .collect::<String>()
            .to_uppercase();
        if s.is_empty() || s.len() > 32 || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(OrgError::Code);
        }
        Ok(OrgCode(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An organisation name, trimmed, 1..=100 characters.
pub fn parse_org_name(input: &str) -> Result<String, OrgError> {
    let s = crate::text::clean(input);
    if s.is_empty() {
        return Err(OrgError::NameEmpty);
    }
    if s.chars().count() > 100 {
        return Err(OrgError::NameTooLong);
    }
    Ok(s)
}

/// Materialised path of an organisation: `/1/5/23/` lists the ids from the root.
/// A subtree is every path with the same prefix, which both databases answer with a range scan.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrgPath(String);

impl OrgPath {
    pub fn root(id: i64) -> Self {
        OrgPath(format!("/{id}/"))
    }
    pub fn child(&self, id: i64) -> Self {
        OrgPath(format!("{}{id}/", self.0))
    }
    pub fn from_stored(s: String) -> Self {
        OrgPath(s)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Exclusive upper bound of the subtree range: '/' is followed by '0' in byte order.
    pub fn upper_bound(&self) -> String {
        let mut s = self.0.clone();
        s.pop();
        s.push('0');
        s
    }
    pub fn contains(&self, other: &OrgPath) -> bool {
        other.0.starts_with(&self.0)
    }
    pub fn ids(&self) -> Vec<i64> {
        self.0
            .split('/')
            .filter(|p| !p.is_empty())
            .filter_map(|p| p.parse().ok())
            .collect()
    }
    pub fn depth(&self) -> usize {
        self.ids().len()
    }
}

/// An organisation record as typed by a person (a form or a JSON body).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OrgInput {
    pub code: String,
    pub name: String,
    pub org_type: String,
    pub sector: String,
    pub founded_on: String,
    pub term_start: String,
    pub term_end: String,
    pub contact_phone: String,
    /// 审批权: "" (by default), "yes" or "no".
    pub approval_power: String,
}

/// Fields of an organisation, parsed at the edge.
#[derive(Debug, Clone)]
pub struct OrgFields {
    pub code: OrgCode,
    pub name: String,
    pub org_type: OrgType,
    pub sector: Sector,
    pub founded_on: Option<NaiveDate>,
    /// A secretary's name given by an organisation import: it becomes a post (matched to the
    /// roster where one person has the name). Forms set posts on their own page.
    pub secretary: Option<String>,
    pub term_start: Option<NaiveDate>,
    pub term_end: Option<NaiveDate>,
    pub contact_phone: Option<String>,
    /// 审批权 set on the organisation; `None` follows the default (DEV-021).
    pub approval_power: Option<bool>,
}

impl OrgInput {
    /// Parses every field; all problems at once, by field. `today` is the injected clock: no
    /// date except the end of the term may be later than it.
    pub fn parse(&self, today: NaiveDate) -> Result<OrgFields, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut err = |field: &'static str, message: String| {
            errors.push(FieldError { field, message });
        };
        let code = OrgCode::parse(&self.code)
            .map_err(|x| err("code", x.to_string()))
            .ok();
        let name = parse_org_name(&self.name)
            .map_err(|x| err("name", x.to_string()))
            .ok();
        let org_type = OrgType::parse(&self.org_type);
        if org_type.is_none() {
            err("org_type", "请选择组织类别".into());
        }
        let sector = Sector::parse_loose(&self.sector);
        if sector.is_none() {
            err("sector", "请选择所属领域".into());
        }
        let mut date = |field: &'static str, v: &str| -> Option<NaiveDate> {
            if v.trim().is_empty() {
                return None;
            }
            match parse_date(v) {
                Ok(d) if field != "term_end" && d > today => {
                    err(field, "日期不能晚于今天".into());
                    None
                }
                Ok(d) => Some(d),
                Err(x) => {
                    err(field, x.to_string());
                    None
                }
            }
        };
        let founded_on = date("founded_on", &self.founded_on);
        let term_start = date("term_start", &self.term_start);
        let term_end = date("term_end", &self.term_end);
        if let (Some(s), Some(t)) = (term_start, term_end) {
            if t < s {
                err("term_end", "任期届满日期不能早于任期开始日期".into());
            }
        }
        let contact_phone = if self.contact_phone.trim().is_empty() {
            None
        } else {
            match Phone::parse(&self.contact_phone) {
                Ok(p) => Some(p.as_str().to_string()),
                Err(x) => {
                    err("contact_phone", x.to_string());
                    None
                }
            }
        };
        let approval_power = match self.approval_power.trim() {
            "" => None,
            "yes" => Some(true),
            "no" => Some(false),
            _ => {
                err("approval_power", "请选择审批权：按默认、有或无".into());
                None
            }
        };
        match (errors.is_empty(), code, name, org_type, sector) {
            (true, Some(code), Some(name), Some(org_type), Some(sector)) => Ok(OrgFields {
                code,
                name,
                org_type,
                sector,
                founded_on,
                secretary: None,
                term_start,
                term_end,
                contact_phone,
                approval_power,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_round_trip() {
        for t in OrgType::ALL {
            assert_eq!(OrgType::parse(t.code()), Some(*t));
            assert_eq!(OrgType::parse(t.label()), Some(*t));
        }
        assert_eq!(OrgType::parse("支部"), None);
    }

    #[test]
    fn placement() {
        assert!(OrgType::Branch.may_sit_under(OrgType::Committee));
        assert!(OrgType::Branch.may_sit_under(OrgType::GeneralBranch));
        assert!(OrgType::PartyGroup.may_sit_under(OrgType::Branch));
        assert!(!OrgType::Committee.may_sit_under(OrgType::Branch));
        assert!(!OrgType::GeneralBranch.may_sit_under(OrgType::GeneralBranch));
        assert!(!OrgType::Branch.may_sit_under(OrgType::PartyGroup));
        assert!(!OrgType::PartyGroup.may_sit_under(OrgType::Committee));
    }

    #[test]
    fn sectors() {
        assert_eq!(Sector::parse_loose("社区"), Some(Sector::Community));
        assert_eq!(Sector::parse_loose(" 学校 "), Some(Sector::School));
        assert_eq!(Sector::parse_loose("国企"), Some(Sector::StateOwned));
        assert_eq!(Sector::parse_loose("火星"), None);
    }

    #[test]
    fn codes() {
        assert_eq!(OrgCode::parse(" ab-01 ").unwrap().as_str(), "AB-01");
        assert_eq!(OrgCode::parse("ＡＢ０１").unwrap().as_str(), "AB01");
        assert!(OrgCode::parse("").is_err());
        assert!(OrgCode::parse("a b").is_err());
        assert!(OrgCode::parse("党委").is_err());
        assert!(OrgCode::parse(&"A".repeat(33)).is_err());
    }

    #[test]
    fn names() {
        assert_eq!(parse_org_name("  第一党支部 ").unwrap(), "第一党支部");
        assert_eq!(parse_org_name("   "), Err(OrgError::NameEmpty));
        assert_eq!(
            parse_org_name(&"党".repeat(101)),
            Err(OrgError::NameTooLong)
        );
    }

    #[test]
    fn paths() {
        let root = OrgPath::root(1);
        let child = root.child(5);
        let grandchild = child.child(23);
        assert_eq!(grandchild.as_str(), "/1/5/23/");
        assert_eq!(child.upper_bound(), "/1/50");
        assert!(child.contains(&grandchild));
        assert!(!grandchild.contains(&child));
        // "/1/50/" is not inside "/1/5/" and sorts at the excluded bound
        let other = root.child(50);
        assert!(!child.contains(&other));
        assert!(other.as_str() >= child.upper_bound().as_str());
        assert!(grandchild.as_str() < child.upper_bound().as_str());
        assert_eq!(grandchild.ids(), vec![1, 5, 23]);
        assert_eq!(grandchild.depth(), 3);
    }

    #[test]
    fn approval_power_by_default() {
        use OrgType::*;
        let county = (Committee, Sector::Organ);
        let township = (Committee, Sector::Rural);
        let street = (WorkingCommittee, Sector::Community);
        // The township and street committees approve for their villages and communities.
        assert!(default_approval_power(Committee, &[county]));
        assert!(default_approval_power(WorkingCommittee, &[county]));
        assert!(default_approval_power(Committee, &[]));
        // Committees under them do not (an enterprise committee in a township, a village
        // committee), nor do general branches and branches anywhere.
        assert!(!default_approval_power(Committee, &[county, township]));
        assert!(!default_approval_power(Committee, &[county, street]));
        assert!(!default_approval_power(GeneralBranch, &[county]));
        assert!(!default_approval_power(Branch, &[]));
        // A system committee of the organs under the county keeps it.
        assert!(default_approval_power(
            Committee,
            &[county, (WorkingCommittee, Sector::Organ)]
        ));
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    fn branch() -> OrgInput {
        OrgInput {
            code: "a-1".into(),
            name: " 第一支部 ".into(),
            org_type: "branch".into(),
            sector: "school".into(),
            ..Default::default()
        }
    }

    fn problems(input: &OrgInput) -> Vec<(&'static str, String)> {
        input
            .parse(today())
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect()
    }

    #[test]
    fn a_valid_organisation() {
        let mut input = branch();
        input.founded_on = "2001年7月1日".into();
        input.term_start = "2024-01-01".into();
        input.term_end = "2029-01-01".into();
        input.approval_power = "no".into();
        let f = input.parse(today()).unwrap();
        assert_eq!(f.code.as_str(), "A-1");
        assert_eq!(f.name, "第一支部");
        assert_eq!(f.org_type, OrgType::Branch);
        assert_eq!(f.founded_on, NaiveDate::from_ymd_opt(2001, 7, 1));
        assert_eq!(f.term_end, NaiveDate::from_ymd_opt(2029, 1, 1));
        assert_eq!(f.secretary, None, "posts are set on their own page");
        assert_eq!(f.contact_phone, None);
        assert_eq!(f.approval_power, Some(false));
    }

    #[test]
    fn every_problem_at_once_with_its_message() {
        let input = OrgInput {
            code: "中文".into(),
            org_type: "支部".into(),
            sector: "nowhere".into(),
            approval_power: "maybe".into(),
            ..Default::default()
        };
        assert_eq!(
            problems(&input),
            vec![
                (
                    "code",
                    "组织代码只能由字母、数字和“-”组成，长度 1–32".to_string()
                ),
                ("name", "组织名称不能为空".to_string()),
                ("org_type", "请选择组织类别".to_string()),
                ("sector", "请选择所属领域".to_string()),
                ("approval_power", "请选择审批权：按默认、有或无".to_string()),
            ]
        );
    }

    #[test]
    fn dates_are_checked_against_today_and_each_other() {
        let mut input = branch();
        input.founded_on = "2027-01-01".into();
        input.term_start = "2025-01-01".into();
        input.term_end = "2024-01-01".into();
        assert_eq!(
            problems(&input),
            vec![
                ("founded_on", "日期不能晚于今天".to_string()),
                ("term_end", "任期届满日期不能早于任期开始日期".to_string()),
            ]
        );
        // The end of the term may lie ahead.
        let mut input = branch();
        input.term_start = "2025-01-01".into();
        input.term_end = "2030-01-01".into();
        assert!(input.parse(today()).is_ok());
        let mut input = branch();
        input.term_start = "不是日期".into();
        let p = problems(&input);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].0, "term_start");
    }

    #[test]
    fn the_phone_is_checked() {
        let mut input = branch();
        input.contact_phone = "12".into();
        let p = problems(&input);
        assert_eq!(p[0].0, "contact_phone");
        assert_eq!(p[0].1, crate::Phone::parse("12").unwrap_err().to_string());
    }
}
