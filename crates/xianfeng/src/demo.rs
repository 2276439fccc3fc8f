//! `xianfeng demo`: fills an empty database with realistic synthetic data.
//!
//! The district is the one of seed 004: 1 district committee, 30 grassroots committees, 2
//! secondary committees, 76 general branches and 859 branches (968 organisations), 34,921
//! members of whom 1,403 probationary, and 1,399 activists. The seed gives no figures for
//! applicants and candidates; they follow the national proportions of the in-party statistics
//! (about two applicants and a quarter of a candidate per activist): 2,826 applicants and 350
//! candidates. The province is 14 cities of districts built the same way: 104 districts,
//! 100,687 organisations, 3,000,000 members. The same seed and the same reference day give the
//! same data. The work records of a district (development files with their sponsors, a year of
//! dues, letters of transfer, and a realistic few of every fault the check knows) are in
//! [`work`](crate::demo_work).

use std::collections::HashSet;
use std::time::Instant;

use anyhow::{bail, Result};
use chrono::{Datelike, Days, NaiveDate};
use xianfeng_domain::dates::add_months;
use xianfeng_domain::idnum::check_char;
use xianfeng_domain::members::{Category, Education, MemberStatus, ETHNICITIES};
use xianfeng_domain::org::{OrgPath, OrgType, Sector};
use xianfeng_domain::text::name_key;
use xianfeng_domain::IdNumber;
use xianfeng_store::audit::{Actor, AuditEvent};
use xianfeng_store::{on_db, on_tx, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    District,
    Province,
}

/// What a fill produced.
#[derive(Debug, Default, Clone, Copy)]
pub struct Filled {
    pub orgs: u64,
    pub members: u64,
    pub probationary: u64,
    pub activists: u64,
    pub applicants: u64,
    pub candidates: u64,
    /// Development files of the people in the pipeline and of the recently converted.
    pub dev_files: u64,
    /// Months of dues recorded (payments and recorded reasons).
    pub dues_months: u64,
    pub letters: u64,
}

// District figures of seed 004.
pub const DISTRICT_MEMBERS: u64 = 34_921;
pub const DISTRICT_PROBATIONARY: u64 = 1_403;
pub const DISTRICT_ACTIVISTS: u64 = 1_399;
pub const DISTRICT_APPLICANTS: u64 = 2_826;
pub const DISTRICT_CANDIDATES: u64 = 350;
pub const PROVINCE_MEMBERS: u64 = 3_000_000;
const PROVINCE_CITIES: usize = 14;
const PROVINCE_DISTRICTS: usize = 104;

/// The demo's random numbers: ChaCha8 seeded from the demo's seed, so that a seed gives the
/// same district on every platform and version of the generator.
pub struct Rng(rand_chacha::ChaCha8Rng);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        use rand::SeedableRng;
        Rng(rand_chacha::ChaCha8Rng::seed_from_u64(seed))
    }
    pub fn next_u64(&mut self) -> u64 {
        rand::RngCore::next_u64(&mut self.0)
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        use rand::Rng as _;
        self.0.gen_range(0..n.max(1))
    }
    pub fn chance(&mut self, percent_tenths: u64) -> bool {
        self.below(1000) < percent_tenths
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
    /// An index chosen with the given weights.
    pub fn weighted(&mut self, weights: &[u64]) -> usize {
        let total: u64 = weights.iter().sum();
        let mut x = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

const SURNAMES: &[(&str, u64)] = &[
    ("王", 72),
    ("李", 71),
    ("张", 67),
    ("刘", 54),
    ("陈", 45),
    ("杨", 31),
    ("黄", 23),
    ("赵", 22),
    ("吴", 21),
    ("周", 20),
    ("徐", 16),
    ("孙", 15),
    ("马", 15),
    ("朱", 14),
    ("胡", 13),
    ("郭", 12),
    ("何", 12),
    ("高", 11),
    ("林", 11),
    ("罗", 11),
    ("郑", 10),
    ("梁", 10),
    ("谢", 8),
    ("宋", 7),
    ("唐", 7),
    ("许", 7),
    ("韩", 7),
    ("冯", 7),
    ("邓", 7),
    ("曹", 6),
    ("彭", 6),
    ("曾", 6),
    ("肖", 6),
    ("田", 5),
    ("董", 5),
    ("袁", 5),
    ("潘", 5),
    ("于", 5),
    ("蒋", 5),
    ("蔡", 5),
    ("余", 5),
    ("杜", 5),
    ("叶", 5),
    ("程", 5),
    ("苏", 4),
    ("魏", 4),
    ("吕", 4),
    ("丁", 4),
    ("任", 4),
    ("沈", 4),
    ("欧阳", 1),
    ("司马", 1),
];
const MALE_CHARS: &[&str] = &[
    "伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "刚", "平", "辉", "鹏", "华", "飞",
    "鑫", "波", "斌", "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "建", "国",
    "志", "文", "海", "峰", "振", "东", "春", "晓",
];
const FEMALE_CHARS: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "英", "兰", "玲", "燕", "红", "梅", "琳",
    "莉", "婷", "雪", "慧", "倩", "颖", "洁", "萍", "晶", "佳", "欣", "月", "凤", "华", "春", "晓",
];
const PLACES: &[&str] = &[
    "东风", "红旗", "青山", "柳河", "新华", "前进", "和平", "永安", "长青", "白杨", "清水", "石桥",
    "沙河", "桃源", "凤鸣", "龙泉", "金山", "银湖", "杏林", "槐树", "双塔", "三岔", "五里", "七星",
    "八角", "梨园", "稻香", "草原", "松林", "南湖", "北坡", "西岭", "东湾", "上庄", "下营", "马场",
    "高岗", "新村", "兴隆", "丰收", "向阳", "朝阳", "光明", "团结", "胜利", "幸福", "富民", "建设",
];
const MINORITIES: &[(&str, u64)] = &[
    ("回族", 30),
    ("满族", 25),
    ("蒙古族", 15),
    ("土家族", 8),
    ("苗族", 6),
    ("壮族", 6),
    ("朝鲜族", 4),
    ("彝族", 3),
    ("藏族", 2),
    ("维吾尔族", 1),
];

/// One organisation to insert; ids are given here (the database is empty).
struct OrgSpec {
    id: i64,
    parent: Option<i64>,
    path: String,
    code: String,
    name: String,
    kind: OrgType,
    sector: Sector,
    founded: NaiveDate,
    /// Relative size of the branch's membership (0 for non-branches).
    weight: u64,
    /// The unit a member of this branch works in.
    unit: String,
}

struct Builder<'a> {
    rng: &'a mut Rng,
    today: NaiveDate,
    next_id: i64,
    orgs: Vec<OrgSpec>,
}

impl Builder<'_> {
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        parent: Option<usize>,
        code: String,
        name: String,
        kind: OrgType,
        sector: Sector,
        weight: u64,
        unit: &str,
    ) -> usize {
        let id = self.next_id;
        self.next_id += 1;
        let (path, parent_id) = match parent {
            Some(p) => (
                OrgPath::from_stored(self.orgs[p].path.clone()).child(id),
                Some(self.orgs[p].id),
            ),
            None => (OrgPath::root(id), None),
        };
        let years = if kind.is_branch() { 40 } else { 60 };
        let founded = self
            .today
            .checked_sub_days(Days::new(365 * 3 + self.rng.below(365 * years)))
            .unwrap_or(self.today);
        // Jitter the size: some branches are twice the typical one, some half.
        let weight = if weight > 0 {
            weight * (50 + self.rng.below(100)) / 100 + 3
        } else {
            0
        };
        self.orgs.push(OrgSpec {
            id,
            parent: parent_id,
            path: path.as_str().to_string(),
            code,
            name,
            kind,
            sector,
            founded,
            weight,
            unit: unit.to_string(),
        });
        self.orgs.len() - 1
    }

    fn place(&mut self, used: &mut HashSet<&'static str>) -> &'static str {
        for _ in 0..PLACES.len() * 2 {
            let p = *self.rng.pick(PLACES);
            if used.insert(p) {
                return p;
            }
        }
        PLACES[used.len() % PLACES.len()]
    }

    /// The seed-004 district under `parent`: 968 organisations with `prefix` codes.
    fn district(&mut self, parent: Option<usize>, prefix: &str, name: &str) {
        let root = self.add(
            parent,
            prefix.to_string(),
            format!("中共{name}委员会"),
            OrgType::Committee,
            Sector::Organ,
            0,
            "",
        );
        let mut used = HashSet::new();
        let mut c = 0;
        let code = |c: &mut i32| {
            *c += 1;
            format!("{prefix}-{c:02}")
        };
        // 10 townships, 6 towns: villages, a government-office and an enterprise general branch.
        let villages_total = 289;
        for t in 0..16 {
            let place = self.place(&mut used);
            let town = if t < 10 { "乡" } else { "镇" };
            let tc = code(&mut c);
            let tw = self.add(
                Some(root),
                tc.clone(),
                format!("{place}{town}党委"),
                OrgType::Committee,
                Sector::Rural,
                0,
                "",
            );
            let villages = villages_total / 16 + usize::from(t < villages_total % 16);
            let mut vused = HashSet::new();
            for v in 0..villages {
                let vp = self.place(&mut vused);
                let vname = format!("{vp}村");
                let unit = format!("{place}{town}{vname}");
                self.add(
                    Some(tw),
                    format!("{tc}-{:03}", v + 1),
                    format!("{vname}党支部"),
                    OrgType::Branch,
                    Sector::Rural,
                    46,
                    &unit,
                );
            }
            for (g, (gname, sector, w)) in [
                ("机关党总支", Sector::Organ, 18),
                ("站所企业党总支", Sector::NonPublic, 14),
            ]
            .into_iter()
            .enumerate()
            {
                let gc = format!("{tc}-G{}", g + 1);
                let gb = self.add(
                    Some(tw),
                    gc.clone(),
                    format!("{place}{town}{gname}"),
                    OrgType::GeneralBranch,
                    sector,
                    0,
                    "",
                );
                for b in 0..3 {
                    let unit = format!("{place}{town}人民政府");
                    self.add(
                        Some(gb),
                        format!("{gc}-{:02}", b + 1),
                        format!("第{}党支部", cn_number(b + 1)),
                        OrgType::Branch,
                        sector,
                        w,
                        &unit,
                    );
                }
            }
        }
        // 2 streets: communities and two general branches.
        for (s, communities) in [(0, 10), (1, 9)] {
            let place = self.place(&mut used);
            let sc = code(&mut c);
            let st = self.add(
                Some(root),
                sc.clone(),
                format!("{place}街道党工委"),
                OrgType::WorkingCommittee,
                Sector::Community,
                0,
                "",
            );
            let mut cused = HashSet::new();
            for k in 0..communities {
                let cp = self.place(&mut cused);
                let unit = format!("{place}街道{cp}社区");
                self.add(
                    Some(st),
                    format!("{sc}-{:03}", k + 1),
                    format!("{cp}社区党支部"),
                    OrgType::Branch,
                    Sector::Community,
                    38 + s * 4,
                    &unit,
                );
            }
            for g in 0..2 {
                let gc = format!("{sc}-G{}", g + 1);
                let gname = if g == 0 {
                    "机关党总支"
                } else {
                    "离退休党总支"
                };
                let gb = self.add(
                    Some(st),
                    gc.clone(),
                    format!("{place}街道{gname}"),
                    OrgType::GeneralBranch,
                    Sector::Community,
                    0,
                    "",
                );
                for b in 0..3 {
                    let unit = format!("{place}街道办事处");
                    self.add(
                        Some(gb),
                        format!("{gc}-{:02}", b + 1),
                        format!("第{}党支部", cn_number(b + 1)),
                        OrgType::Branch,
                        Sector::Community,
                        if g == 0 { 16 } else { 30 },
                        &unit,
                    );
                }
            }
        }
        // 12 system committees and 2 secondary committees: 40 general branches of 5 branches
        // each, and 243 branches directly under the committees.
        let systems: [(&str, OrgType, Sector, &str); 12] = [
            (
                "区直机关工委",
                OrgType::WorkingCommittee,
                Sector::Organ,
                "局",
            ),
            (
                "教育工委",
                OrgType::WorkingCommittee,
                Sector::School,
                "学校",
            ),
            (
                "卫生健康系统党委",
                OrgType::Committee,
                Sector::Institution,
                "医院",
            ),
            (
                "国有企业党委",
                OrgType::Committee,
                Sector::StateOwned,
                "公司",
            ),
            (
                "非公有制经济组织党委",
                OrgType::Committee,
                Sector::NonPublic,
                "有限公司",
            ),
            (
                "社会组织党委",
                OrgType::Committee,
                Sector::NonPublic,
                "协会",
            ),
            ("公安分局党委", OrgType::Committee, Sector::Organ, "派出所"),
            (
                "农业农村系统党委",
                OrgType::Committee,
                Sector::Institution,
                "站",
            ),
            (
                "交通运输系统党委",
                OrgType::Committee,
                Sector::Institution,
                "所",
            ),
            (
                "城市管理系统党委",
                OrgType::Committee,
                Sector::Organ,
                "中队",
            ),
            (
                "文化旅游系统党委",
                OrgType::Committee,
                Sector::Institution,
                "馆",
            ),
            (
                "市场监管系统党委",
                OrgType::Committee,
                Sector::Organ,
                "市场监管所",
            ),
        ];
        let mut units: Vec<(usize, String, Sector, &str)> = Vec::new();
        for (sname, kind, sector, suffix) in systems {
            let cc = code(&mut c);
            let idx = self.add(
                Some(root),
                cc.clone(),
                format!("{name}{sname}"),
                kind,
                sector,
                0,
                "",
            );
            units.push((idx, cc, sector, suffix));
        }
        for (host, sname, sector) in [
            (1usize, "第一中学党委", Sector::School),
            (3, "城市建设投资集团党委", Sector::StateOwned),
        ] {
            let (hidx, hcode, _, suffix) = units[host].clone();
            let cc = format!("{hcode}-S1");
            let idx = self.add(
                Some(hidx),
                cc.clone(),
                format!("{name}{sname}"),
                OrgType::Committee,
                sector,
                0,
                "",
            );
            units.push((idx, cc, sector, suffix));
        }
        let mut direct_left = 243;
        let count = units.len();
        for (u, (idx, cc, sector, suffix)) in units.into_iter().enumerate() {
            let gbs = if u < 12 { 3 } else { 2 };
            let mut uused = HashSet::new();
            for g in 0..gbs {
                let place = self.place(&mut uused);
                let gc = format!("{cc}-G{}", g + 1);
                let unit = format!("{name}{place}{suffix}");
                let gb = self.add(
                    Some(idx),
                    gc.clone(),
                    format!("{unit}党总支"),
                    OrgType::GeneralBranch,
                    sector,
                    0,
                    "",
                );
                for b in 0..5 {
                    self.add(
                        Some(gb),
                        format!("{gc}-{:02}", b + 1),
                        format!("第{}党支部", cn_number(b + 1)),
                        OrgType::Branch,
                        sector,
                        24,
                        &unit,
                    );
                }
            }
            let direct = direct_left / (count - u);
            direct_left -= direct;
            for b in 0..direct {
                let place = self.place(&mut uused);
                let unit = format!("{name}{place}{suffix}");
                self.add(
                    Some(idx),
                    format!("{cc}-{:03}", b + 1),
                    format!("{unit}党支部"),
                    OrgType::Branch,
                    sector,
                    if sector == Sector::NonPublic { 12 } else { 30 },
                    &unit,
                );
            }
        }
    }
}

fn cn_number(n: usize) -> &'static str {
    ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]
        .get(n.wrapping_sub(1))
        .copied()
        .unwrap_or("十")
}

/// Splits `total` over `weights` exactly (largest remainder).
pub fn apportion(total: u64, weights: &[u64]) -> Vec<u64> {
    let sum: u64 = weights.iter().sum::<u64>().max(1);
    let mut out: Vec<u64> = weights
        .iter()
        .map(|w| (u128::from(total) * u128::from(*w) / u128::from(sum)) as u64)
        .collect();
    let mut rest: Vec<(u128, usize)> = weights
        .iter()
        .enumerate()
        .map(|(i, w)| ((u128::from(total) * u128::from(*w)) % u128::from(sum), i))
        .collect();
    rest.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut left = total - out.iter().sum::<u64>();
    for (_, i) in rest {
        if left == 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out
}

/// One person row, as stored.
struct PersonRow {
    id: String,
    org_code: String,
    org_id: i64,
    org_path: String,
    name: String,
    gender: &'static str,
    ethnicity: &'static str,
    birth: NaiveDate,
    cipher: Vec<u8>,
    hash: String,
    masked: String,
    education: &'static str,
    status: &'static str,
    category: &'static str,
    phone: String,
    work_unit: String,
    application: Option<NaiveDate>,
    activist: Option<NaiveDate>,
    candidate: Option<NaiveDate>,
    admission: Option<NaiveDate>,
    conversion: Option<NaiveDate>,
}

struct People<'a> {
    store: &'a Store,
    rng: Rng,
    today: NaiveDate,
    area: String,
    ids: HashSet<(NaiveDate, u16)>,
}

fn years_ago(today: NaiveDate, years: i32, extra_days: u64) -> NaiveDate {
    add_months(today, -12 * years)
        .checked_sub_days(Days::new(extra_days))
        .unwrap_or(today)
}

fn later(a: NaiveDate, days: u64) -> NaiveDate {
    a.checked_add_days(Days::new(days)).unwrap_or(a)
}

impl People<'_> {
    fn name(&mut self, male: bool) -> String {
        let weights: Vec<u64> = SURNAMES.iter().map(|s| s.1).collect();
        let surname = SURNAMES[self.rng.weighted(&weights)].0;
        let chars = if male { MALE_CHARS } else { FEMALE_CHARS };
        let mut name = surname.to_string();
        let first = chars[self.rng.below(chars.len() as u64) as usize];
        name.push_str(first);
        if self.rng.chance(700) {
            let second = chars[self.rng.below(chars.len() as u64) as usize];
            name.push_str(second);
        }
        name
    }

    /// A valid resident ID for the birth date and gender, unique in this district.
    fn id_number(&mut self, birth: NaiveDate, male: bool) -> String {
        loop {
            let mut seq = self.rng.below(1000) as u16;
            if (seq % 2 == 1) != male {
                seq ^= 1;
            }
            if !self.ids.insert((birth, seq)) {
                continue;
            }
            let first17 = format!(
                "{}{:04}{:02}{:02}{seq:03}",
                self.area,
                birth.year(),
                birth.month(),
                birth.day()
            );
            let check = check_char(&first17).expect("digits");
            return format!("{first17}{check}");
        }
    }

    fn person(&mut self, org: &OrgSpec, status: MemberStatus) -> PersonRow {
        let today = self.today;
        let r = &mut self.rng;
        let male = r.chance(if status.is_member() { 700 } else { 560 });
        // Age on today's date, by the usual shape of a district's membership.
        let age: i32 = match status {
            MemberStatus::Full => {
                let bands: [(i32, i32, u64); 9] = [
                    (22, 30, 11),
                    (31, 35, 10),
                    (36, 40, 9),
                    (41, 45, 9),
                    (46, 50, 10),
                    (51, 55, 10),
                    (56, 60, 9),
                    (61, 75, 22),
                    (76, 95, 10),
                ];
                let w: Vec<u64> = bands.iter().map(|b| b.2).collect();
                let (lo, hi, _) = bands[r.weighted(&w)];
                lo + r.below((hi - lo + 1) as u64) as i32
            }
            _ => 19 + r.below(22) as i32,
        };
        let birth = years_ago(today, age, r.below(365));
        let adult = later(add_months(birth, 12 * 18), 1);
        let (mut application, mut activist, mut candidate, mut admission, mut conversion) =
            (None, None, None, None, None);
        match status {
            MemberStatus::Full => {
                let adm_age = 20 + r.below(((age - 21).clamp(1, 20)) as u64) as i32;
                let adm = later(add_months(birth, 12 * adm_age), r.below(360));
                let latest = years_ago(today, 1, 30);
                let adm = adm.min(latest).max(adult);
                admission = Some(adm);
                // Standing counts from the end of probation; a few rosters keep the date of the
                // conversion meeting instead (DEV-017 finds them).
                let end = add_months(adm, 12);
                conversion = Some(
                    if r.chance(15) {
                        later(end, 1 + r.below(20))
                    } else {
                        end
                    }
                    .min(today),
                );
                if adm.year() >= 2000 {
                    let app = years_ago(adm, 2, r.below(300)).max(adult);
                    application = Some(app);
                    activist = Some(later(app, 90 + r.below(90)).min(adm));
                    candidate = Some(years_ago(adm, 0, 60 + r.below(60)).max(activist.unwrap()));
                }
            }
            MemberStatus::Probationary => {
                // A few whose probation has just ended without the conversion meeting (DEV-022).
                let adm = if r.chance(8) {
                    years_ago(today, 1, 1 + r.below(45))
                } else {
                    years_ago(today, 0, 5 + r.below(355))
                }
                .max(adult);
                admission = Some(adm);
                let app = years_ago(adm, 2, r.below(200)).max(adult);
                application = Some(app);
                activist = Some(later(app, 60 + r.below(60)).min(adm));
                candidate = Some(years_ago(adm, 0, 30 + r.below(90)).max(activist.unwrap()));
            }
            MemberStatus::Candidate => {
                // Designated within the last ten months, a year or more after the activist.
                let cand = years_ago(today, 0, 10 + r.below(290));
                let act = years_ago(cand, 1, r.below(240));
                let app = years_ago(act, 0, 40 + r.below(200)).max(adult);
                application = Some(app);
                activist = Some(act.max(app));
                candidate = Some(cand.max(act));
            }
            MemberStatus::Applicant => {
                application = Some(years_ago(today, 0, 3 + r.below(330)).max(adult));
            }
            MemberStatus::Activist => {
                let app = years_ago(today, 1, r.below(300)).max(adult);
                application = Some(app);
                activist = Some(later(app, 30 + r.below(120)).min(today));
            }
        }
        let ethnicity = if r.chance(952) {
            "汉族"
        } else {
            let w: Vec<u64> = MINORITIES.iter().map(|m| m.1).collect();
            MINORITIES[r.weighted(&w)].0
        };
        debug_assert!(ETHNICITIES.contains(&ethnicity));
        let education = {
            // Younger people have studied longer.
            let w: [u64; 6] = if age < 40 {
                [12, 48, 28, 6, 5, 1]
            } else if age < 60 {
                [5, 30, 28, 12, 15, 10]
            } else {
                [1, 8, 12, 14, 30, 35]
            };
            let w = if org.sector == Sector::Rural {
                [w[0] / 3, w[1] / 2, w[2], w[3], w[4] * 2, w[5] * 3]
            } else {
                w
            };
            Education::ALL[r.weighted(&w)]
        };
        let category = if age >= 60 && r.chance(850) {
            Category::Retired
        } else if r.chance(20) {
            Category::Mobile
        } else if r.chance(3) {
            Category::LostContact
        } else {
            match org.sector {
                Sector::Rural => {
                    if r.chance(750) {
                        Category::Farmer
                    } else {
                        Category::Employed
                    }
                }
                Sector::School if age < 24 => Category::Student,
                Sector::Community if r.chance(150) => Category::Unemployed,
                _ => Category::Employed,
            }
        };
        let phone = format!(
            "1{}{:09}",
            r.pick(&["3", "5", "7", "8", "9"]),
            r.below(1_000_000_000)
        );
        let name = self.name(male);
        let id = self.id_number(birth, male);
        let parsed = IdNumber::parse(&id).expect("generated IDs are valid");
        PersonRow {
            org_code: org.code.clone(),
            org_id: org.id,
            org_path: org.path.clone(),
            name,
            gender: if male { "male" } else { "female" },
            ethnicity,
            birth,
            cipher: self.store.keys.encrypt_id(&id),
            hash: self.store.keys.id_lookup(&id),
            masked: parsed.masked(),
            id,
            education: education.code(),
            status: status.code(),
            category: category.code(),
            phone,
            work_unit: org.unit.clone(),
            application,
            activist,
            candidate,
            admission,
            conversion,
        }
    }
}

/// Chooses exactly `k` of `n` positions, in order (selection sampling).
fn choose(rng: &mut Rng, n: u64, k: u64) -> Vec<bool> {
    let mut left = k;
    (0..n)
        .map(|i| {
            let pick = rng.below(n - i) < left;
            if pick {
                left -= 1;
            }
            pick
        })
        .collect()
}

async fn insert_orgs(store: &Store, tx: &mut xianfeng_store::Tx, orgs: &[OrgSpec]) -> Result<()> {
    let now = store.clock.now();
    for chunk in orgs.chunks(1000) {
        on_tx!(tx, |c| {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO orgs (id, parent_id, path, code, name, org_type, sector, founded_on, \
                 term_start, term_end, created_at, updated_at) ",
            );
            q.push_values(chunk, |mut b, o| {
                let years = o.kind.term_years(o.sector);
                let start = add_months(store.clock.today(), -((o.id as i32 * 7) % (12 * years)));
                b.push_bind(o.id)
                    .push_bind(o.parent)
                    .push_bind(&o.path)
                    .push_bind(&o.code)
                    .push_bind(&o.name)
                    .push_bind(o.kind.code())
                    .push_bind(o.sector.code())
                    .push_bind(o.founded)
                    .push_bind(start)
                    .push_bind(add_months(start, 12 * years))
                    .push_bind(now)
                    .push_bind(now);
            });
            q.build().execute(&mut *c).await?;
        });
    }
    // The terms on record start the history of terms.
    on_tx!(tx, |c| {
        sqlx::query(
            "INSERT INTO org_terms (org_id, term_start, term_end, recorded_at) \
             SELECT id, term_start, term_end, updated_at FROM orgs WHERE term_start IS NOT NULL",
        )
        .execute(&mut *c)
        .await?;
    });
    Ok(())
}

async fn insert_people(
    store: &Store,
    tx: &mut xianfeng_store::Tx,
    rows: &[PersonRow],
) -> Result<()> {
    let now = store.clock.now();
    for chunk in rows.chunks(1000) {
        // Counted by groups after each batch (SQLite's triggers would count row by row).
        let bulk = Store::counts_bulk_begin(tx).await?;
        let ids: Vec<i64> = on_tx!(tx, |c| {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO members (org_id, org_path, name, name_key, gender, ethnicity, birth_date, \
                 id_cipher, id_hash, id_masked, education, status, category, phone, work_unit, \
                 application_date, activist_date, candidate_date, admission_date, conversion_date, \
                 created_at, updated_at) ",
            );
            q.push_values(chunk, |mut b, p| {
                b.push_bind(p.org_id)
                    .push_bind(&p.org_path)
                    .push_bind(&p.name)
                    .push_bind(name_key(&p.name))
                    .push_bind(p.gender)
                    .push_bind(p.ethnicity)
                    .push_bind(p.birth)
                    .push_bind(&p.cipher)
                    .push_bind(&p.hash)
                    .push_bind(&p.masked)
                    .push_bind(p.education)
                    .push_bind(p.status)
                    .push_bind(p.category)
                    .push_bind(&p.phone)
                    .push_bind(&p.work_unit)
                    .push_bind(p.application)
                    .push_bind(p.activist)
                    .push_bind(p.candidate)
                    .push_bind(p.admission)
                    .push_bind(p.conversion)
                    .push_bind(now)
                    .push_bind(now);
            });
            q.push(" RETURNING id");
            q.build_query_scalar().fetch_all(&mut *c).await?
        });
        if bulk {
            Store::counts_bulk_end(tx, &ids).await?;
        }
    }
    Ok(())
}

/// Fills the people of one district's branches: `members` party members of whom
/// `probationary`, and `activists`.
async fn fill_people(
    store: &Store,
    orgs: &[OrgSpec],
    people: &mut People<'_>,
    members: u64,
    probationary: u64,
    activists: u64,
) -> Result<()> {
    let rows = district_people(orgs, people, members, probationary, activists);
    let mut tx = store.begin().await?;
    insert_people(store, &mut tx, &rows).await?;
    tx.commit().await?;
    Ok(())
}

fn district_people(
    orgs: &[OrgSpec],
    people: &mut People<'_>,
    members: u64,
    probationary: u64,
    activists: u64,
) -> Vec<PersonRow> {
    let branches: Vec<&OrgSpec> = orgs.iter().filter(|o| o.weight > 0).collect();
    let weights: Vec<u64> = branches.iter().map(|o| o.weight).collect();
    let sizes = apportion(members, &weights);
    let prob = choose(&mut people.rng, members, probationary);
    let act_sizes = apportion(activists, &sizes);
    let app_sizes = apportion(activists * DISTRICT_APPLICANTS / DISTRICT_ACTIVISTS, &sizes);
    let cand_sizes = apportion(activists * DISTRICT_CANDIDATES / DISTRICT_ACTIVISTS, &sizes);
    let mut rows = Vec::with_capacity((members + activists * 4) as usize);
    let mut i = 0usize;
    for ((org, n), a) in branches.iter().zip(&sizes).zip(&act_sizes) {
        for _ in 0..*n {
            let status = if prob[i] {
                MemberStatus::Probationary
            } else {
                MemberStatus::Full
            };
            rows.push(people.person(org, status));
            i += 1;
        }
        for _ in 0..*a {
            rows.push(people.person(org, MemberStatus::Activist));
        }
    }
    for ((org, a), c) in branches.iter().zip(&app_sizes).zip(&cand_sizes) {
        for _ in 0..*a {
            rows.push(people.person(org, MemberStatus::Applicant));
        }
        for _ in 0..*c {
            rows.push(people.person(org, MemberStatus::Candidate));
        }
    }
    rows
}

fn district_specs(seed: u64, today: NaiveDate) -> Vec<OrgSpec> {
    let mut rng = Rng::new(seed);
    let mut b = Builder {
        rng: &mut rng,
        today,
        next_id: 1,
        orgs: Vec::new(),
    };
    b.district(None, "XF", "先锋区");
    b.orgs
}

/// Writes the district's organisations into an empty database (the roster benchmark imports
/// people into them).
pub async fn fill_district_orgs(store: &Store, seed: u64) -> Result<()> {
    let orgs = district_specs(seed, store.clock.today());
    let mut tx = store.begin().await?;
    insert_orgs(store, &mut tx, &orgs).await?;
    if let xianfeng_store::Tx::Postgres(t) = &mut tx {
        sqlx::query(
            "SELECT setval(pg_get_serial_sequence('orgs', 'id'), (SELECT MAX(id) FROM orgs))",
        )
        .execute(&mut **t)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The district's roster as people keep it in Excel: the first `rows` people, one per row,
/// dates as date cells and ID numbers as text.
pub fn district_roster_xlsx(store: &Store, seed: u64, rows: usize) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let today = store.clock.today();
    let orgs = district_specs(seed, today);
    let mut people = People {
        store,
        rng: Rng::new(seed.wrapping_mul(1_000_003)),
        today,
        area: "330102".into(),
        ids: HashSet::new(),
    };
    let list = district_people(
        &orgs,
        &mut people,
        DISTRICT_MEMBERS,
        DISTRICT_PROBATIONARY,
        DISTRICT_ACTIVISTS,
    );
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let text = Format::new().set_num_format("@");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    ws.merge_range(0, 0, 0, 15, "先锋区党员花名册", &Format::new())?;
    let headings = [
        "姓名",
        "公民身份号码",
        "性别",
        "民族",
        "出生日期",
        "学历",
        "人员状态",
        "人员类别",
        "申请入党日期",
        "确定积极分子日期",
        "确定发展对象日期",
        "入党日期",
        "转正日期",
        "组织代码",
        "联系电话",
        "工作单位",
    ];
    for (c, h) in headings.iter().enumerate() {
        ws.write_string(1, c as u16, *h)?;
    }
    let label = |code: &str, all: &[(&str, &'static str)]| {
        all.iter()
            .find(|(c, _)| *c == code)
            .map(|(_, l)| *l)
            .unwrap_or("")
    };
    let educations: Vec<(&str, &str)> = Education::ALL
        .iter()
        .map(|e| (e.code(), e.label()))
        .collect();
    let statuses: Vec<(&str, &str)> = MemberStatus::ALL
        .iter()
        .map(|e| (e.code(), e.label()))
        .collect();
    let categories: Vec<(&str, &str)> = Category::ALL
        .iter()
        .map(|e| (e.code(), e.label()))
        .collect();
    for (i, p) in list.iter().take(rows).enumerate() {
        let r = 2 + i as u32;
        ws.write_string(r, 0, &p.name)?;
        ws.write_string_with_format(r, 1, &p.id, &text)?;
        ws.write_string(r, 2, if p.gender == "male" { "男" } else { "女" })?;
        ws.write_string(r, 3, p.ethnicity)?;
        let dates = [
            (4, Some(p.birth)),
            (8, p.application),
            (9, p.activist),
            (10, p.candidate),
            (11, p.admission),
            (12, p.conversion),
        ];
        for (c, d) in dates {
            if let Some(d) = d {
                let dt = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
                ws.write_datetime_with_format(r, c, &dt, &date)?;
            }
        }
        ws.write_string(r, 5, label(p.education, &educations))?;
        ws.write_string(r, 6, label(p.status, &statuses))?;
        ws.write_string(r, 7, label(p.category, &categories))?;
        ws.write_string(r, 13, &p.org_code)?;
        ws.write_string(r, 14, &p.phone)?;
        ws.write_string(r, 15, &p.work_unit)?;
    }
    Ok(wb.save_to_buffer()?)
}

/// Fills an empty database. Progress goes to standard error.
pub async fn fill(store: &Store, scale: Scale, seed: u64) -> Result<Filled> {
    let existing: i64 = on_db!(&store.db, |p| {
        sqlx::query_scalar("SELECT (SELECT COUNT(*) FROM orgs) + (SELECT COUNT(*) FROM members)")
            .fetch_one(p)
            .await?
    });
    if existing > 0 {
        bail!(
            "数据库中已有组织或人员数据；演示数据只能写入空数据库（请指定一个新的 --database-url）"
        );
    }
    let started = Instant::now();
    let today = store.clock.today();
    let mut rng = Rng::new(seed);
    let mut b = Builder {
        rng: &mut rng,
        today,
        next_id: 1,
        orgs: Vec::new(),
    };
    // (first org index, district number) of each district.
    let mut districts: Vec<(usize, usize)> = Vec::new();
    match scale {
        Scale::District => {
            districts.push((0, 0));
            b.district(None, "XF", "先锋区");
        }
        Scale::Province => {
            let root = b.add(
                None,
                "P".into(),
                "中共示范省委员会".into(),
                OrgType::Committee,
                Sector::Organ,
                0,
                "",
            );
            let mut used = HashSet::new();
            let mut d = 0;
            for city in 0..PROVINCE_CITIES {
                let cname = format!("{}市", b.place(&mut used));
                let cc = format!("P{:02}", city + 1);
                let ci = b.add(
                    Some(root),
                    cc.clone(),
                    format!("中共{cname}委员会"),
                    OrgType::Committee,
                    Sector::Organ,
                    0,
                    "",
                );
                let per_city = PROVINCE_DISTRICTS / PROVINCE_CITIES
                    + usize::from(city < PROVINCE_DISTRICTS % PROVINCE_CITIES);
                let mut dused = HashSet::new();
                for k in 0..per_city {
                    let first = b.orgs.len();
                    let dname = format!("{cname}{}区", b.place(&mut dused));
                    b.district(Some(ci), &format!("{cc}D{:02}", k + 1), &dname);
                    districts.push((first, d));
                    d += 1;
                }
            }
        }
    }
    let orgs = b.orgs;
    let mut tx = store.begin().await?;
    insert_orgs(store, &mut tx, &orgs).await?;
    tx.commit().await?;
    eprintln!("已写入 {} 个组织", orgs.len());

    let (members, probationary, activists) = match scale {
        Scale::District => (
            vec![DISTRICT_MEMBERS],
            vec![DISTRICT_PROBATIONARY],
            vec![DISTRICT_ACTIVISTS],
        ),
        Scale::Province => {
            let m = apportion(PROVINCE_MEMBERS, &vec![1; districts.len()]);
            let p = m
                .iter()
                .map(|n| n * DISTRICT_PROBATIONARY / DISTRICT_MEMBERS)
                .collect();
            let a = m
                .iter()
                .map(|n| n * DISTRICT_ACTIVISTS / DISTRICT_MEMBERS)
                .collect();
            (m, p, a)
        }
    };
    let mut filled = Filled {
        orgs: orgs.len() as u64,
        ..Filled::default()
    };
    for (k, (first, d)) in districts.iter().enumerate() {
        let end = districts.get(k + 1).map(|x| x.0).unwrap_or(orgs.len());
        // Area code of the ID numbers: 6 digits per district.
        let area = format!("{}", 330_102 + (*d as u64 / 8) * 100 + (*d as u64 % 8));
        let mut people = People {
            store,
            rng: Rng::new(seed.wrapping_mul(1_000_003).wrapping_add(*d as u64)),
            today,
            area,
            ids: HashSet::new(),
        };
        fill_people(
            store,
            &orgs[*first..end],
            &mut people,
            members[k],
            probationary[k],
            activists[k],
        )
        .await?;
        filled.members += members[k];
        filled.probationary += probationary[k];
        filled.activists += activists[k];
        filled.applicants += activists[k] * DISTRICT_APPLICANTS / DISTRICT_ACTIVISTS;
        filled.candidates += activists[k] * DISTRICT_CANDIDATES / DISTRICT_ACTIVISTS;
        if districts.len() > 1 {
            eprintln!(
                "区县 {}/{}：累计 {} 名党员（{:.0} 秒）",
                k + 1,
                districts.len(),
                filled.members,
                started.elapsed().as_secs_f64()
            );
        }
    }

    filled.dev_files = fill_dev_files(store, seed, today).await?;
    // The work records of the (first) district.
    let (work_root, work_path) = {
        let o = &orgs[districts[0].0];
        (o.id, OrgPath::from_stored(o.path.clone()))
    };
    filled.dev_files += crate::demo_work::conversions(store, seed, today, &work_path).await?;
    let sponsors = crate::demo_work::sponsors(store, seed, &work_path).await?;
    crate::demo_work::faults(store, seed, &work_path).await?;
    crate::demo_work::lost_contact(store, seed, today, &work_path).await?;
    eprintln!(
        "已写入 {} 份发展档案（培养联系人、入党介绍人 {} 人次）",
        filled.dev_files, sponsors
    );
    let mut tx = store.begin().await?;
    on_tx!(&mut tx, |c| {
        sqlx::query(
            "INSERT INTO member_placements (member_id, org_id, from_date, to_date) SELECT id, \
            org_id, NULL, NULL FROM members",
        )
        .execute(&mut *c)
        .await?;
    });
    if let xianfeng_store::Tx::Postgres(t) = &mut tx {
        for table in ["orgs", "members"] {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM \
                    {table}))"
            ))
            .execute(&mut **t)
            .await?;
        }
    }
    store
        .audit(
            &mut tx,
            &Actor::cli("demo"),
            AuditEvent::ok(
                "demo.fill",
                format!(
                    "演示数据（种子 {seed}）：{} 个组织，{} 名党员（预备党员 {} 名），入党积极分子 {} 名",
                    filled.orgs, filled.members, filled.probationary, filled.activists
                ),
            ),
        )
        .await?;
    tx.commit().await?;
    filled.dues_months = crate::demo_work::dues(store, seed, today, &work_path).await?;
    eprintln!("已写入 {} 条党费记录", filled.dues_months);
    filled.letters = crate::demo_work::letters(store, seed, today, work_root, &work_path).await?;
    let posts = crate::demo_life::posts(store, seed).await?;
    let life = crate::demo_life::meetings(store, seed, today, &work_path).await?;
    let receipts = crate::demo_life::reports(store, seed, today, &work_path).await?;
    eprintln!("已登记 {receipts} 份半月报报送记录");
    eprintln!(
        "已登记 {posts} 条班子成员任职记录，{} 个党小组，{} 次会议（出勤记录 {} 条，决定事项 {} 项）",
        life.groups, life.meetings, life.attendees, life.items
    );
    store.analyze().await?;
    // The compliance pages read stored findings: check everything once now.
    let r = store.findings_full_run().await?;
    eprintln!("合规检查：发现 {} 条问题", r.seen);
    Ok(filled)
}

/// One generated development file: the dated steps (by [`Step::ALL`] order), votes and the
/// assessments.
struct DevRow {
    member_id: i64,
    dates: Vec<Option<NaiveDate>>,
    votes: Option<(i32, i32, i32)>,
    hours: Option<i32>,
    assessments: Vec<NaiveDate>,
}

/// Development files for every activist and probationary member, following the roster's
/// dates, with a few percent of the usual faults (late talks, missing filings, long gaps
/// between assessments, meetings short of a majority, late approvals) for the check to find.
async fn fill_dev_files(store: &Store, seed: u64, today: NaiveDate) -> Result<u64> {
    use xianfeng_domain::development::Step;
    type Pipeline = (
        i64,
        String,
        Option<NaiveDate>,
        Option<NaiveDate>,
        Option<NaiveDate>,
        Option<NaiveDate>,
    );
    let people: Vec<Pipeline> = on_db!(&store.db, |p| {
        sqlx::query_as(
            "SELECT id, status, application_date, activist_date, candidate_date, admission_date FROM members \
             WHERE status IN ('applicant', 'activist', 'candidate', 'probationary') ORDER BY id",
        )
        .fetch_all(p)
        .await?
    });
    let mut r = Rng::new(seed.wrapping_mul(7_919).wrapping_add(17));
    let mut rows: Vec<DevRow> = Vec::with_capacity(people.len());
    let at = |d: NaiveDate, days: i64| {
        d.checked_add_signed(chrono::TimeDelta::days(days))
            .unwrap_or(d)
    };
    for (id, status, app, act, cand, adm) in people {
        let mut d: std::collections::BTreeMap<Step, NaiveDate> = Default::default();
        let Some(app) = app else { continue };
        d.insert(Step::Application, app);
        // The talk within a month, now and then late; a few recent applicants still wait.
        let talk = if r.chance(30) {
            at(app, 35 + r.below(25) as i64)
        } else {
            at(app, 5 + r.below(20) as i64)
        };
        if status == "applicant" {
            if talk <= today && !r.chance(40) {
                d.insert(Step::Talk, talk);
            }
            rows.push(DevRow {
                member_id: id,
                dates: Step::ALL.iter().map(|s| d.get(s).copied()).collect(),
                votes: None,
                hours: None,
                assessments: Vec::new(),
            });
            continue;
        }
        let Some(act) = act else { continue };
        d.insert(Step::Talk, talk.min(act));
        d.insert(Step::Activist, act);
        if !r.chance(30) {
            d.insert(
                Step::ActivistFiled,
                at(act, 3 + r.below(17) as i64).min(today),
            );
        }
        // Assessments every four to six months (now and then a gap of seven to nine).
        let until = cand.unwrap_or(today);
        let mut assessments = Vec::new();
        let mut last = act;
        loop {
            let months = if r.chance(40) {
                7 + r.below(3)
            } else {
                4 + r.below(3)
            } as i32;
            let next = at(add_months(last, months), -(r.below(10) as i64));
            if next >= until {
                break;
            }
            assessments.push(next);
            last = next;
        }
        let mut votes = None;
        let mut hours = None;
        if status == "candidate" {
            if let Some(cand) = cand {
                d.insert(Step::Candidate, cand);
                if !r.chance(40) {
                    d.insert(
                        Step::CandidateFiled,
                        at(cand, 2 + r.below(12) as i64).min(today),
                    );
                }
                if r.chance(500) {
                    d.insert(
                        Step::PoliticalReview,
                        at(cand, 20 + r.below(40) as i64).min(today),
                    );
                }
            }
        }
        if status == "probationary" {
            let (Some(cand), Some(gm)) = (cand, adm) else {
                continue;
            };
            let span = (gm - cand).num_days().max(10);
            let step = |f: f64| at(cand, (span as f64 * f) as i64);
            d.insert(Step::Candidate, cand);
            d.insert(
                Step::CandidateFiled,
                at(cand, 2 + r.below(5) as i64).min(step(0.15)),
            );
            d.insert(Step::PoliticalReview, step(0.2));
            d.insert(Step::TrainingStart, step(0.35));
            d.insert(Step::TrainingEnd, at(step(0.35), 2));
            hours = Some(24 + r.below(9) as i32);
            d.insert(Step::CommitteeReview, step(0.6));
            d.insert(Step::Precheck, step(0.8));
            d.insert(Step::GeneralMeeting, gm);
            let entitled = 5 + r.below(36) as i32;
            let present = if r.chance(15) {
                entitled / 2
            } else {
                (entitled * (7 + r.below(4) as i32) / 10).max(entitled / 2 + 1)
            };
            votes = Some((entitled, present, (present - r.below(2) as i32).max(0)));
            let approval = if r.chance(30) {
                at(gm, 95 + r.below(25) as i64)
            } else {
                at(gm, 20 + r.below(60) as i64)
            };
            if approval <= today {
                d.insert(
                    Step::UpperTalk,
                    at(gm, 5 + r.below(10) as i64).min(approval),
                );
                d.insert(Step::Approval, approval);
                let oath = at(approval, 3 + r.below(12) as i64);
                if oath <= today {
                    d.insert(Step::Oath, oath);
                }
            }
            let end = add_months(gm, 12);
            if (end - today).num_days() <= 30 && r.chance(600) {
                d.insert(
                    Step::ConversionApplication,
                    at(end, -(20 + r.below(10) as i64)).min(today),
                );
            }
        }
        rows.push(DevRow {
            member_id: id,
            dates: Step::ALL.iter().map(|s| d.get(s).copied()).collect(),
            votes,
            hours,
            assessments,
        });
    }
    let now = store.clock.now();
    let cols: Vec<&str> = Step::ALL.iter().map(|s| s.field()).collect();
    let mut tx = store.begin().await?;
    for chunk in rows.chunks(400) {
        on_tx!(&mut tx, |c| {
            let mut q = sqlx::QueryBuilder::new(format!(
                "INSERT INTO dev_files (member_id, source, {}, training_hours_x10, \
                    votes_entitled, votes_present, votes_for, created_at, updated_at) ",
                cols.join(", ")
            ));
            q.push_values(chunk, |mut b, row| {
                b.push_bind(row.member_id).push_bind("import");
                for d in &row.dates {
                    b.push_bind(*d);
                }
                b.push_bind(row.hours.map(|h| h * 10))
                    .push_bind(row.votes.map(|v| v.0))
                    .push_bind(row.votes.map(|v| v.1))
                    .push_bind(row.votes.map(|v| v.2))
                    .push_bind(now)
                    .push_bind(now);
            });
            q.build().execute(&mut *c).await?;
        });
    }
    let assessments: Vec<(i64, NaiveDate)> = rows
        .iter()
        .flat_map(|r| r.assessments.iter().map(move |d| (r.member_id, *d)))
        .collect();
    for chunk in assessments.chunks(1000) {
        on_tx!(&mut tx, |c| {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO dev_assessments (member_id, assessed_on, created_at) ",
            );
            q.push_values(chunk, |mut b, (m, d)| {
                b.push_bind(*m).push_bind(*d).push_bind(now);
            });
            q.build().execute(&mut *c).await?;
        });
    }
    tx.commit().await?;
    Ok(rows.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_is_exact() {
        assert_eq!(apportion(10, &[1, 1, 1]), vec![4, 3, 3]);
        assert_eq!(
            apportion(34_921, &[3, 5, 7, 11]).iter().sum::<u64>(),
            34_921
        );
        assert_eq!(apportion(0, &[1, 2]), vec![0, 0]);
    }

    #[test]
    fn choose_picks_exactly_k() {
        let mut r = Rng::new(7);
        let v = choose(&mut r, 34_921, 1_403);
        assert_eq!(v.iter().filter(|b| **b).count(), 1_403);
    }

    #[test]
    fn district_has_the_seed_shape() {
        let mut rng = Rng::new(1);
        let mut b = Builder {
            rng: &mut rng,
            today: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            next_id: 1,
            orgs: Vec::new(),
        };
        b.district(None, "XF", "先锋区");
        let count = |k: OrgType| b.orgs.iter().filter(|o| o.kind == k).count();
        assert_eq!(b.orgs.len(), 968);
        assert_eq!(count(OrgType::GeneralBranch), 76);
        assert_eq!(count(OrgType::Branch), 859);
        assert_eq!(
            count(OrgType::Committee) + count(OrgType::WorkingCommittee),
            33
        );
        let codes: HashSet<&str> = b.orgs.iter().map(|o| o.code.as_str()).collect();
        assert_eq!(codes.len(), 968, "codes are unique");
        assert!(b
            .orgs
            .iter()
            .all(|o| o.code.len() <= 32 && o.kind.is_branch() == (o.weight > 0)));
    }
}
