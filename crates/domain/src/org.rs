//! Party organisations (党组织): types, sectors and the materialised path of the tree.

use serde::{Deserialize, Serialize};

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
}
