//! Party statistics (党内统计): the bands of the statistics table and the report that is
//! rolled up from grouped counts. The database does the counting; this module decides what
//! the groups mean.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::dates::add_months;
use crate::members::{Category, Education, MemberStatus};
use crate::org::{OrgType, Sector};

/// A band of completed years (age or party standing), upper bound inclusive.
#[derive(Debug, Clone, Copy)]
pub struct Band {
    pub key: &'static str,
    pub label: &'static str,
    /// Highest number of completed years in the band; `None` for the open last band.
    pub max_years: Option<i32>,
}

/// Age bands of the statistics table.
pub const AGE_BANDS: &[Band] = &[
    band("up_to_30", "30岁及以下", Some(30)),
    band("31_to_35", "31至35岁", Some(35)),
    band("36_to_40", "36至40岁", Some(40)),
    band("41_to_45", "41至45岁", Some(45)),
    band("46_to_50", "46至50岁", Some(50)),
    band("51_to_55", "51至55岁", Some(55)),
    band("56_to_60", "56至60岁", Some(60)),
    band("61_to_70", "61至70岁", Some(70)),
    band("71_to_80", "71至80岁", Some(80)),
    band("81_and_over", "81岁及以上", None),
];

/// Bands of party standing (党龄), counted from admission.
pub const STANDING_BANDS: &[Band] = &[
    band("up_to_5", "5年及以下", Some(5)),
    band("6_to_10", "6至10年", Some(10)),
    band("11_to_20", "11至20年", Some(20)),
    band("21_to_30", "21至30年", Some(30)),
    band("31_to_40", "31至40年", Some(40)),
    band("41_to_50", "41至50年", Some(50)),
    band("51_and_over", "51年及以上", None),
];

const fn band(key: &'static str, label: &'static str, max_years: Option<i32>) -> Band {
    Band {
        key,
        label,
        max_years,
    }
}

/// For each closed band, the date after which a start date (birth, admission) falls in that
/// band or a younger one on `as_of`: band `i` holds the dates `d` with `d > t[i]` and
/// `d <= t[i-1]`. With the anniversary rule of [`crate::dates::years_between`],
/// `years_between(d, as_of) <= max` exactly when `d > as_of - (max + 1) years`.
pub fn band_thresholds(bands: &[Band], as_of: NaiveDate) -> Vec<NaiveDate> {
    bands
        .iter()
        .filter_map(|b| b.max_years)
        .map(|max| add_months(as_of, -12 * (max + 1)))
        .collect()
}

/// Index of the band a start date falls in on `as_of` (the same rule the SQL applies).
pub fn band_of(bands: &[Band], start: NaiveDate, as_of: NaiveDate) -> usize {
    band_thresholds(bands, as_of)
        .iter()
        .position(|t| start > *t)
        .unwrap_or(bands.len() - 1)
}

/// The key used for people whose ethnicity, education, ... was never recorded.
pub const UNKNOWN: &str = "unknown";
pub const UNKNOWN_LABEL: &str = "未填写";
pub const HAN: &str = "汉族";

/// One bucket of a breakdown: a stable key, the Chinese label, the count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bucket {
    pub key: String,
    pub label: String,
    pub count: i64,
}

/// An ordered breakdown; in JSON an object `{key: count}` in table order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Buckets(pub Vec<Bucket>);

impl Buckets {
    fn fixed(items: impl IntoIterator<Item = (&'static str, &'static str)>) -> Self {
        Buckets(
            items
                .into_iter()
                .map(|(key, label)| Bucket {
                    key: key.into(),
                    label: label.into(),
                    count: 0,
                })
                .collect(),
        )
    }
    fn add(&mut self, key: &str, label: &str, n: i64) {
        match self.0.iter_mut().find(|b| b.key == key) {
            Some(b) => b.count += n,
            None => self.0.push(Bucket {
                key: key.into(),
                label: label.into(),
                count: n,
            }),
        }
    }
    pub fn get(&self, key: &str) -> i64 {
        self.0
            .iter()
            .find(|b| b.key == key)
            .map(|b| b.count)
            .unwrap_or(0)
    }
    pub fn total(&self) -> i64 {
        self.0.iter().map(|b| b.count).sum()
    }
}

impl Serialize for Buckets {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for b in &self.0 {
            m.serialize_entry(&b.key, &b.count)?;
        }
        m.end()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ByGender {
    pub male: i64,
    pub female: i64,
}

/// Party members of a subtree on a day (probationary and full).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberCounts {
    pub total: i64,
    pub full: i64,
    pub probationary: i64,
    pub by_gender: ByGender,
    pub minority: i64,
}

/// The full breakdown of party members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberStats {
    #[serde(flatten)]
    pub counts: MemberCounts,
    pub han: i64,
    pub by_ethnicity: Buckets,
    pub by_age: Buckets,
    pub by_education: Buckets,
    pub by_category: Buckets,
    pub by_standing: Buckets,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgCounts {
    pub total: i64,
    pub by_type: Buckets,
    pub by_sector: Buckets,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgRef {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub org_type: String,
}

/// One direct sub-organisation's subtree in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChildRow {
    #[serde(flatten)]
    pub org: OrgRef,
    pub organizations: i64,
    pub members: MemberCounts,
    pub activists: i64,
    pub candidates: i64,
}

/// The statistics table of one subtree on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub org: OrgRef,
    pub as_of: NaiveDate,
    pub organizations: OrgCounts,
    pub members: MemberStats,
    /// People in the development pipeline on that day (not yet members).
    pub applicants: i64,
    pub activists: i64,
    pub candidates: i64,
    pub children: Vec<ChildRow>,
}

/// People grouped by status on the day and the categorical dimensions.
#[derive(Debug, Clone)]
pub struct PersonGroup {
    pub status: String,
    pub gender: String,
    pub ethnicity: Option<String>,
    pub education: Option<String>,
    pub category: String,
    pub count: i64,
}

/// Party members grouped by a start date (birth for age, admission for standing).
#[derive(Debug, Clone)]
pub struct DateGroup {
    pub date: Option<NaiveDate>,
    pub count: i64,
}

/// People of one organisation (by its path) on the day.
#[derive(Debug, Clone, Default)]
pub struct OrgGroup {
    pub path: String,
    pub full: i64,
    pub probationary: i64,
    pub male: i64,
    pub female: i64,
    pub minority: i64,
    pub activists: i64,
    pub candidates: i64,
}

/// An organisation of the subtree, with what is needed to count it on a day.
#[derive(Debug, Clone)]
pub struct OrgRow {
    pub id: i64,
    pub path: String,
    pub code: String,
    pub name: String,
    pub org_type: String,
    pub sector: String,
    /// Whether the organisation existed on the day (founded, not yet dissolved).
    pub existed: bool,
}

/// Whether an ethnicity counts as a minority (少数民族): recorded and not Han.
pub fn is_minority(ethnicity: Option<&str>) -> bool {
    ethnicity.is_some_and(|e| !e.is_empty() && e != HAN)
}

fn label_of<T: Copy>(
    code: Option<&str>,
    parse: impl Fn(&str) -> Option<T>,
    label: impl Fn(T) -> &'static str,
) -> (String, String) {
    match code.and_then(&parse) {
        Some(v) => (code.unwrap_or_default().to_string(), label(v).to_string()),
        None => (UNKNOWN.into(), UNKNOWN_LABEL.into()),
    }
}

/// Keys of a [`Tally`]: people by status, party members by gender, ethnicity (`""`
/// unrecorded), education (`""` unrecorded), category, age band and standing band (the band's
/// index; `""` without an admission date), organisations by type and sector. The maintained
/// tables use the same keys.
pub mod dim {
    pub const STATUS: &str = "s";
    pub const GENDER: &str = "g";
    pub const ETHNICITY: &str = "e";
    pub const EDUCATION: &str = "d";
    pub const CATEGORY: &str = "c";
    pub const AGE: &str = "a";
    pub const STANDING: &str = "t";
    pub const ORG_TYPE: &str = "ot";
    pub const SECTOR: &str = "os";
}

/// The counts of one subtree on one day by (dimension, key): everything the statistics table
/// is made of. The maintained counts give it directly; the reference scan's groups are rolled
/// into it; [`Report::from_tally`] builds the table from it either way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally(pub std::collections::BTreeMap<(String, String), i64>);

impl Tally {
    pub fn add(&mut self, dim: &str, key: &str, n: i64) {
        *self
            .0
            .entry((dim.to_string(), key.to_string()))
            .or_default() += n;
    }
    pub fn get(&self, dim: &str, key: &str) -> i64 {
        self.0
            .get(&(dim.to_string(), key.to_string()))
            .copied()
            .unwrap_or(0)
    }
    /// The non-zero keys of one dimension, in key order.
    pub fn keys<'a>(&'a self, d: &'a str) -> impl Iterator<Item = (&'a str, i64)> + 'a {
        self.0
            .iter()
            .filter(move |((x, _), n)| x == d && **n != 0)
            .map(|((_, k), n)| (k.as_str(), *n))
    }
    fn total(&self, d: &str) -> i64 {
        self.keys(d).map(|(_, n)| n).sum()
    }
    fn member_counts(&self) -> MemberCounts {
        let full = self.get(dim::STATUS, MemberStatus::Full.code());
        let probationary = self.get(dim::STATUS, MemberStatus::Probationary.code());
        MemberCounts {
            total: full + probationary,
            full,
            probationary,
            by_gender: ByGender {
                male: self.get(dim::GENDER, "male"),
                female: self.get(dim::GENDER, "female"),
            },
            minority: self
                .keys(dim::ETHNICITY)
                .filter(|(e, _)| is_minority(Some(e)))
                .map(|(_, n)| n)
                .sum(),
        }
    }
}

impl Report {
    /// Rolls the reference scan's grouped counts up into a [`Tally`] per subtree, then builds
    /// the table. `root` must be the first of `orgs`' subtree.
    pub fn assemble(
        root: &OrgRow,
        as_of: NaiveDate,
        orgs: &[OrgRow],
        people: &[PersonGroup],
        births: &[DateGroup],
        admissions: &[DateGroup],
        by_org: &[OrgGroup],
    ) -> Report {
        let mut total = Tally::default();
        for o in orgs.iter().filter(|o| o.existed) {
            total.add(dim::ORG_TYPE, &o.org_type, 1);
            total.add(dim::SECTOR, &o.sector, 1);
        }
        for g in people {
            total.add(dim::STATUS, &g.status, g.count);
            if matches!(
                MemberStatus::parse(&g.status),
                Some(MemberStatus::Probationary | MemberStatus::Full)
            ) {
                total.add(dim::GENDER, &g.gender, g.count);
                total.add(
                    dim::ETHNICITY,
                    g.ethnicity.as_deref().unwrap_or(""),
                    g.count,
                );
                total.add(
                    dim::EDUCATION,
                    g.education.as_deref().unwrap_or(""),
                    g.count,
                );
                total.add(dim::CATEGORY, &g.category, g.count);
            }
        }
        for (bands, groups, d) in [
            (AGE_BANDS, births, dim::AGE),
            (STANDING_BANDS, admissions, dim::STANDING),
        ] {
            let thresholds = band_thresholds(bands, as_of);
            for g in groups {
                let Some(date) = g.date else { continue };
                let i = thresholds.iter().filter(|t| date <= **t).count();
                total.add(d, &i.to_string(), g.count);
            }
        }

        // Direct sub-organisations: each organisation rolls up into the child whose path
        // prefixes its own.
        let depth = root.path.matches('/').count();
        let mut children: Vec<(OrgRow, Tally)> = orgs
            .iter()
            .filter(|o| o.path.matches('/').count() == depth + 1 && o.path.starts_with(&root.path))
            .map(|o| (o.clone(), Tally::default()))
            .collect();
        let mut path_child: HashMap<&str, usize> = HashMap::new();
        for o in orgs {
            if let Some(i) = children.iter().position(|c| o.path.starts_with(&c.0.path)) {
                path_child.insert(o.path.as_str(), i);
                if o.existed {
                    children[i].1.add(dim::ORG_TYPE, &o.org_type, 1);
                }
            }
        }
        for g in by_org {
            let Some(&i) = path_child.get(g.path.as_str()) else {
                continue;
            };
            let t = &mut children[i].1;
            t.add(dim::STATUS, MemberStatus::Full.code(), g.full);
            t.add(
                dim::STATUS,
                MemberStatus::Probationary.code(),
                g.probationary,
            );
            t.add(dim::STATUS, MemberStatus::Activist.code(), g.activists);
            t.add(dim::STATUS, MemberStatus::Candidate.code(), g.candidates);
            t.add(dim::GENDER, "male", g.male);
            t.add(dim::GENDER, "female", g.female);
            // Only the number of minority members is shown per sub-organisation.
            t.add(dim::ETHNICITY, "少数民族", g.minority);
        }
        Report::from_tally(root, as_of, &total, &children)
    }

    /// Builds the table from the counts of the subtree (`total`) and of each direct
    /// sub-organisation's subtree (organisations by type, people by status, members by gender
    /// and ethnicity are used there).
    pub fn from_tally(
        root: &OrgRow,
        as_of: NaiveDate,
        total: &Tally,
        children: &[(OrgRow, Tally)],
    ) -> Report {
        let mut organizations = OrgCounts {
            total: total.total(dim::ORG_TYPE),
            by_type: Buckets::fixed(OrgType::ALL.iter().map(|t| (t.code(), t.label()))),
            by_sector: Buckets::fixed(Sector::ALL.iter().map(|t| (t.code(), t.label()))),
        };
        for (k, n) in total.keys(dim::ORG_TYPE) {
            let (k, l) = label_of(Some(k), OrgType::parse, |t| t.label());
            organizations.by_type.add(&k, &l, n);
        }
        for (k, n) in total.keys(dim::SECTOR) {
            let (k, l) = label_of(Some(k), Sector::parse, |t| t.label());
            organizations.by_sector.add(&k, &l, n);
        }

        let mut members = MemberStats {
            counts: total.member_counts(),
            han: total.get(dim::ETHNICITY, HAN),
            by_ethnicity: Buckets::default(),
            by_age: Buckets::fixed(AGE_BANDS.iter().map(|b| (b.key, b.label))),
            by_education: Buckets::fixed(Education::ALL.iter().map(|e| (e.code(), e.label()))),
            by_category: Buckets::fixed(Category::ALL.iter().map(|e| (e.code(), e.label()))),
            by_standing: Buckets::fixed(STANDING_BANDS.iter().map(|b| (b.key, b.label))),
        };
        for (k, n) in total.keys(dim::EDUCATION) {
            let code = Some(k).filter(|k| !k.is_empty());
            let (k, l) = label_of(code, Education::parse, |e| e.label());
            members.by_education.add(&k, &l, n);
        }
        for (k, n) in total.keys(dim::CATEGORY) {
            let (k, l) = label_of(Some(k), Category::parse, |e| e.label());
            members.by_category.add(&k, &l, n);
        }
        for (bands, d, out) in [
            (AGE_BANDS, dim::AGE, &mut members.by_age),
            (STANDING_BANDS, dim::STANDING, &mut members.by_standing),
        ] {
            for (k, n) in total.keys(d) {
                let Ok(i) = k.parse::<usize>() else { continue };
                let b = &bands[i.min(bands.len() - 1)];
                out.add(b.key, b.label, n);
            }
        }
        // Ethnicities in the official order, then anything else, then unrecorded.
        let mut order: Vec<(&str, i64)> = total
            .keys(dim::ETHNICITY)
            .map(|(e, n)| (if e.is_empty() { UNKNOWN } else { e }, n))
            .collect();
        let rank = |e: &str| {
            crate::members::ETHNICITIES
                .iter()
                .position(|x| *x == e)
                .unwrap_or(if e == UNKNOWN { usize::MAX } else { 1000 })
        };
        order.sort_by(|a, b| rank(a.0).cmp(&rank(b.0)).then(a.0.cmp(b.0)));
        for (e, n) in order {
            let label = if e == UNKNOWN { UNKNOWN_LABEL } else { e };
            members.by_ethnicity.add(e, label, n);
        }

        let status = |s: MemberStatus| total.get(dim::STATUS, s.code());
        let mut children: Vec<ChildRow> = children
            .iter()
            .map(|(o, t)| ChildRow {
                org: o.as_ref(),
                organizations: t.total(dim::ORG_TYPE),
                members: t.member_counts(),
                activists: t.get(dim::STATUS, MemberStatus::Activist.code()),
                candidates: t.get(dim::STATUS, MemberStatus::Candidate.code()),
            })
            .collect();
        children.sort_by(|a, b| a.org.code.cmp(&b.org.code));
        Report {
            org: root.as_ref(),
            as_of,
            organizations,
            members,
            applicants: status(MemberStatus::Applicant),
            activists: status(MemberStatus::Activist),
            candidates: status(MemberStatus::Candidate),
            children,
        }
    }
}

/// One line of the members table: its section, its label and count, and the drill-down
/// (`dim`, `value`, as [`Drill::parse`] reads them) that lists the people behind it.
/// Development lines (applicants, activists, candidates) carry no share of the members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub section: &'static str,
    pub label: String,
    pub count: i64,
    pub dim: &'static str,
    pub value: String,
    pub of_members: bool,
}

impl Report {
    /// The members table in its usual order, shared by the page and the exports.
    pub fn member_lines(&self) -> Vec<Line> {
        let m = &self.members;
        let mut out = Vec::new();
        let mut add = |section, label: &str, count, dim, value: &str, of_members| {
            out.push(Line {
                section,
                label: label.to_string(),
                count,
                dim,
                value: value.to_string(),
                of_members,
            })
        };
        add("党员", "党员总数", m.counts.total, "members", "", true);
        add("党员", "正式党员", m.counts.full, "status", "full", true);
        add(
            "党员",
            "预备党员",
            m.counts.probationary,
            "status",
            "probationary",
            true,
        );
        add(
            "性别",
            "男",
            m.counts.by_gender.male,
            "gender",
            "male",
            true,
        );
        add(
            "性别",
            "女",
            m.counts.by_gender.female,
            "gender",
            "female",
            true,
        );
        add("民族", HAN, m.han, "ethnicity", HAN, true);
        add("民族", "少数民族", m.counts.minority, "minority", "", true);
        for b in m.by_ethnicity.0.iter().filter(|b| b.key != HAN) {
            add("民族（分列）", &b.label, b.count, "ethnicity", &b.key, true);
        }
        for (section, dim, buckets) in [
            ("年龄", "age", &m.by_age),
            ("学历", "education", &m.by_education),
            ("人员类别", "category", &m.by_category),
            ("党龄", "standing", &m.by_standing),
        ] {
            for b in &buckets.0 {
                add(section, &b.label, b.count, dim, &b.key, true);
            }
        }
        add(
            "发展",
            "入党申请人",
            self.applicants,
            "status",
            "applicant",
            false,
        );
        add(
            "发展",
            "入党积极分子",
            self.activists,
            "status",
            "activist",
            false,
        );
        add(
            "发展",
            "发展对象",
            self.candidates,
            "status",
            "candidate",
            false,
        );
        out
    }
}

impl OrgRow {
    fn as_ref(&self) -> OrgRef {
        OrgRef {
            id: self.id,
            code: self.code.clone(),
            name: self.name.clone(),
            org_type: self.org_type.clone(),
        }
    }
}

/// A dimension of the table a number can be drilled into: the list of people behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drill {
    /// Every party member.
    Members,
    Status(MemberStatus),
    Gender(&'static str),
    Minority,
    Ethnicity(String),
    Age(usize),
    Standing(usize),
    Education(Option<Education>),
    Category(Category),
}

impl Drill {
    /// Parses the `dim` and `value` of a drill-down link.
    pub fn parse(dim: &str, value: &str) -> Option<Drill> {
        Some(match dim {
            "members" | "" => Drill::Members,
            "status" => Drill::Status(MemberStatus::parse(value)?),
            "gender" => Drill::Gender(match value {
                "male" => "male",
                "female" => "female",
                _ => return None,
            }),
            "minority" => Drill::Minority,
            "ethnicity" => Drill::Ethnicity(value.to_string()),
            "age" => Drill::Age(AGE_BANDS.iter().position(|b| b.key == value)?),
            "standing" => Drill::Standing(STANDING_BANDS.iter().position(|b| b.key == value)?),
            "education" if value == UNKNOWN => Drill::Education(None),
            "education" => Drill::Education(Some(Education::parse(value)?)),
            "category" => Drill::Category(Category::parse(value)?),
            _ => return None,
        })
    }

    /// The description shown above the list.
    pub fn describe(&self) -> String {
        match self {
            Drill::Members => "全部党员".into(),
            Drill::Status(s) => s.label().into(),
            Drill::Gender("male") => "男性党员".into(),
            Drill::Gender(_) => "女性党员".into(),
            Drill::Minority => "少数民族党员".into(),
            Drill::Ethnicity(e) if e == UNKNOWN => format!("民族{UNKNOWN_LABEL}的党员"),
            Drill::Ethnicity(e) => format!("{e}党员"),
            Drill::Age(i) => format!("年龄{}的党员", AGE_BANDS[*i].label),
            Drill::Standing(i) => format!("党龄{}的党员", STANDING_BANDS[*i].label),
            Drill::Education(None) => format!("学历{UNKNOWN_LABEL}的党员"),
            Drill::Education(Some(e)) => format!("学历为{}的党员", e.label()),
            Drill::Category(c) => format!("{}党员", c.label()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::years_between;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn band_by_years(bands: &[Band], start: NaiveDate, as_of: NaiveDate) -> usize {
        let y = years_between(start, as_of);
        bands
            .iter()
            .position(|b| b.max_years.is_none_or(|m| y <= m))
            .unwrap()
    }

    #[test]
    fn thresholds_agree_with_completed_years_including_leap_days() {
        let days = [
            "2026-11-23",
            "2024-02-29",
            "2025-02-28",
            "2025-03-01",
            "2023-12-31",
        ];
        for as_of in days.map(d) {
            let mut start = d("1930-01-01");
            while start <= as_of {
                for bands in [AGE_BANDS, STANDING_BANDS] {
                    assert_eq!(
                        band_of(bands, start, as_of),
                        band_by_years(bands, start, as_of),
                        "start {start} as of {as_of}"
                    );
                }
                start = start.succ_opt().unwrap();
            }
        }
    }

    fn org(id: i64, path: &str, t: &str, existed: bool) -> OrgRow {
        OrgRow {
            id,
            path: path.into(),
            code: format!("C{id}"),
            name: format!("组织{id}"),
            org_type: t.into(),
            sector: "rural".into(),
            existed,
        }
    }

    fn people(status: &str, gender: &str, eth: Option<&str>, n: i64) -> PersonGroup {
        PersonGroup {
            status: status.into(),
            gender: gender.into(),
            ethnicity: eth.map(Into::into),
            education: None,
            category: "employed".into(),
            count: n,
        }
    }

    #[test]
    fn report_rolls_groups_up() {
        let orgs = vec![
            org(1, "/1/", "committee", true),
            org(2, "/1/2/", "general_branch", true),
            org(3, "/1/2/3/", "branch", true),
            org(4, "/1/4/", "branch", false),
        ];
        let groups = vec![
            people("full", "male", Some("汉族"), 10),
            people("probationary", "female", Some("回族"), 3),
            people("full", "female", None, 2),
            people("activist", "male", Some("汉族"), 4),
            people("candidate", "male", Some("汉族"), 1),
        ];
        let births = vec![
            DateGroup {
                date: Some(d("1990-01-01")),
                count: 14,
            },
            DateGroup {
                date: Some(d("1996-01-02")),
                count: 1,
            },
        ];
        let admissions = vec![DateGroup {
            date: Some(d("2025-06-01")),
            count: 15,
        }];
        let by_org = vec![
            OrgGroup {
                path: "/1/2/3/".into(),
                full: 10,
                probationary: 3,
                male: 10,
                female: 3,
                minority: 3,
                ..Default::default()
            },
            OrgGroup {
                path: "/1/4/".into(),
                activists: 4,
                ..Default::default()
            },
        ];
        let r = Report::assemble(
            &orgs[0],
            d("2026-01-01"),
            &orgs,
            &groups,
            &births,
            &admissions,
            &by_org,
        );
        assert_eq!(r.organizations.total, 3);
        assert_eq!(r.organizations.by_type.get("branch"), 1);
        assert_eq!(r.members.counts.total, 15);
        assert_eq!(r.members.counts.full, 12);
        assert_eq!(r.members.counts.probationary, 3);
        assert_eq!(
            r.members.counts.by_gender,
            ByGender {
                male: 10,
                female: 5
            }
        );
        assert_eq!(r.members.counts.minority, 3);
        assert_eq!(r.members.han, 10);
        assert_eq!(r.members.by_ethnicity.get(UNKNOWN), 2);
        assert_eq!(r.members.by_age.get("up_to_30"), 1);
        assert_eq!(r.members.by_age.get("36_to_40"), 14);
        assert_eq!(r.members.by_standing.get("up_to_5"), 15);
        assert_eq!(r.members.by_education.get(UNKNOWN), 15);
        assert_eq!((r.activists, r.candidates, r.applicants), (4, 1, 0));
        assert_eq!(r.children.len(), 2);
        assert_eq!(r.children[0].organizations, 2);
        assert_eq!(r.children[0].members.total, 13);
        assert_eq!(r.children[0].members.minority, 3);
        assert_eq!(r.children[1].organizations, 0);
        assert_eq!(r.children[1].activists, 4);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["members"]["total"], 15);
        assert_eq!(json["members"]["by_gender"]["female"], 5);
        assert_eq!(json["organizations"]["by_type"]["general_branch"], 1);
        assert_eq!(json["children"][0]["members"]["probationary"], 3);
    }

    #[test]
    fn every_line_of_the_members_table_drills_down() {
        let orgs = vec![org(1, "/1/", "committee", true)];
        let groups = vec![people("full", "male", Some("回族"), 2)];
        let r = Report::assemble(&orgs[0], d("2026-01-01"), &orgs, &groups, &[], &[], &[]);
        let lines = r.member_lines();
        assert_eq!(lines[0].count, 2);
        for l in &lines {
            assert!(Drill::parse(l.dim, &l.value).is_some(), "{l:?}");
        }
    }

    #[test]
    fn drill_links_parse() {
        assert_eq!(Drill::parse("age", "31_to_35"), Some(Drill::Age(1)));
        assert_eq!(
            Drill::parse("education", UNKNOWN),
            Some(Drill::Education(None))
        );
        assert_eq!(Drill::parse("status", "nonsense"), None);
        assert_eq!(Drill::parse("gender", "x"), None);
    }
}
