//! Party members and people in the development pipeline (人员): statuses, categories and the
//! validation of a member record at the edge.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::dates::{parse_date, years_between};
use crate::idnum::{Gender, IdNumber};
use crate::org::code_enum;
use crate::phone::Phone;
use crate::text;

code_enum! {
    /// Status in the pipeline, in procedure order.
    MemberStatus {
        Applicant = "applicant", "入党申请人";
        Activist = "activist", "入党积极分子";
        Candidate = "candidate", "发展对象";
        Probationary = "probationary", "预备党员";
        Full = "full", "正式党员";
    }
}

impl MemberStatus {
    /// Probationary and full members are party members; the others are not yet.
    pub fn is_member(self) -> bool {
        matches!(self, MemberStatus::Probationary | MemberStatus::Full)
    }
}

code_enum! {
    /// Category (人员类别).
    Category {
        Employed = "employed", "在职";
        Retired = "retired", "离退休";
        Student = "student", "学生";
        Farmer = "farmer", "农牧渔民";
        Unemployed = "unemployed", "无固定职业";
        Mobile = "mobile", "流动";
        LostContact = "lost_contact", "失联";
    }
}

impl Category {
    pub fn parse_loose(input: &str) -> Option<Self> {
        let s = text::clean(input);
        Category::parse(&s).or(match s.as_str() {
            "在岗" | "在职党员" | "在职职工" => Some(Category::Employed),
            "离休" | "退休" | "离退休人员" | "退休党员" | "离退休党员" => {
                Some(Category::Retired)
            }
            "在校学生" | "学生党员" => Some(Category::Student),
            "农民" | "农牧民" | "渔民" => Some(Category::Farmer),
            "无业" | "失业" | "待业" => Some(Category::Unemployed),
            "流动党员" => Some(Category::Mobile),
            "失去联系" | "失联党员" => Some(Category::LostContact),
            _ => None,
        })
    }
}

code_enum! {
    /// Highest education (学历).
    Education {
        Postgraduate = "postgraduate", "研究生";
        Bachelor = "bachelor", "大学本科";
        Associate = "associate", "大学专科";
        Vocational = "vocational", "中专";
        HighSchool = "high_school", "高中";
        JuniorOrBelow = "junior_or_below", "初中及以下";
    }
}

impl Education {
    pub fn parse_loose(input: &str) -> Option<Self> {
        let s = text::clean(input);
        Education::parse(&s).or(match s.as_str() {
            "博士" | "博士研究生" | "硕士" | "硕士研究生" | "研究生学历" => {
                Some(Education::Postgraduate)
            }
            "本科" | "大学" | "学士" => Some(Education::Bachelor),
            "大专" | "专科" | "高职" => Some(Education::Associate),
            "中技" | "技校" | "中等专科" | "中职" => Some(Education::Vocational),
            "高中学历" | "职高" => Some(Education::HighSchool),
            "初中" | "小学" | "文盲" | "初中以下" | "小学及以下" => {
                Some(Education::JuniorOrBelow)
            }
            _ => None,
        })
    }
}

code_enum! {
    /// Why a person left the active roster (archived, never deleted).
    ArchiveReason {
        Died = "died", "去世";
        TransferredOut = "transferred_out", "转出";
        Left = "left", "退党";
        Expelled = "expelled", "开除党籍";
        Removed = "removed", "除名";
        Stopped = "stopped", "停止党籍";
        Other = "other", "其他";
    }
}

/// The 56 ethnic groups (民族) recognised in China, plus the categories used for others.
pub const ETHNICITIES: &[&str] = &[
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
    "其他",
    "外国血统",
];

/// Normalises an ethnicity: "汉" and "汉族" are the same; unknown names are rejected.
pub fn parse_ethnicity(input: &str) -> Option<&'static str> {
    let s: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty() {
        return None;
    }
    ETHNICITIES
        .iter()
        .find(|e| **e == s || (e.ends_with('族') && e.trim_end_matches('族') == s))
        .copied()
}

/// A member record as typed by a person (a form, a JSON body, a spreadsheet row).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MemberInput {
    pub name: String,
    pub id_number: String,
    pub gender: String,
    pub ethnicity: String,
    pub birth_date: String,
    pub education: String,
    pub status: String,
    pub category: String,
    pub phone: String,
    pub work_unit: String,
    pub post: String,
    pub application_date: String,
    pub activist_date: String,
    pub candidate_date: String,
    pub admission_date: String,
    pub conversion_date: String,
}

/// A member record past the edge: every field parsed and every cross-field rule checked.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberFields {
    pub name: String,
    pub id_number: IdNumber,
    pub gender: Gender,
    pub ethnicity: Option<&'static str>,
    pub birth_date: NaiveDate,
    pub education: Option<Education>,
    pub status: MemberStatus,
    pub category: Category,
    pub phone: Option<Phone>,
    pub work_unit: Option<String>,
    pub post: Option<String>,
    pub application_date: Option<NaiveDate>,
    pub activist_date: Option<NaiveDate>,
    pub candidate_date: Option<NaiveDate>,
    pub admission_date: Option<NaiveDate>,
    pub conversion_date: Option<NaiveDate>,
}

/// One problem with one field, for inline form errors and import reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

/// Chinese label of a member field, for messages and spreadsheet columns.
pub fn field_label(field: &str) -> &'static str {
    match field {
        "name" => "姓名",
        "id_number" => "身份证号",
        "gender" => "性别",
        "ethnicity" => "民族",
        "birth_date" => "出生日期",
        "education" => "学历",
        "status" => "人员状态",
        "category" => "人员类别",
        "phone" => "联系电话",
        "work_unit" => "工作单位",
        "post" => "职务",
        "application_date" => "申请入党日期",
        "activist_date" => "确定积极分子日期",
        "candidate_date" => "确定发展对象日期",
        "admission_date" => "入党日期",
        "conversion_date" => "转正日期",
        "org" => "所在党组织",
        _ => "",
    }
}

/// Minimum age on the application date (or admission date when no application is known).
pub const MIN_AGE: i32 = 18;

impl MemberInput {
    /// Parses every field and checks the rules between fields (MEM-001, MEM-002, DEV-001 at the
    /// edge). `today` is the injected clock: no date may be later than it.
    pub fn parse(&self, today: NaiveDate) -> Result<MemberFields, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut err = |field: &'static str, message: String| {
            errors.push(FieldError { field, message });
        };

        let name = text::clean(&self.name);
        if name.is_empty() {
            err("name", "请填写姓名".into());
        } else if name.chars().count() > 50 {
            err("name", "姓名过长（最多 50 个字）".into());
        }

        let id = match IdNumber::parse(&self.id_number) {
            Ok(id) => Some(id),
            Err(e) => {
                err("id_number", e.to_string());
                None
            }
        };

        let gender = if text::clean(&self.gender).is_empty() {
            id.as_ref().map(|i| i.gender())
        } else {
            match Gender::from_code(text::clean(&self.gender).as_str()) {
                Some(g) => {
                    if let Some(i) = &id {
                        if i.gender() != g {
                            err(
                                "gender",
                                format!("性别与身份证号不符：身份证号显示为{}", i.gender().label()),
                            );
                        }
                    }
                    Some(g)
                }
                None => {
                    err("gender", "性别应为“男”或“女”".into());
                    None
                }
            }
        };

        let mut date = |field: &'static str, value: &str| -> Option<NaiveDate> {
            if text::clean(value).is_empty() {
                return None;
            }
            match parse_date(value) {
                Ok(d) if d > today => {
                    err(field, format!("{}不能晚于今天", field_label(field)));
                    None
                }
                Ok(d) => Some(d),
                Err(e) => {
                    err(field, e.to_string());
                    None
                }
            }
        };
        let birth_input = date("birth_date", &self.birth_date);
        let application_date = date("application_date", &self.application_date);
        let activist_date = date("activist_date", &self.activist_date);
        let candidate_date = date("candidate_date", &self.candidate_date);
        let admission_date = date("admission_date", &self.admission_date);
        let conversion_date = date("conversion_date", &self.conversion_date);

        let birth_date = match (&id, birth_input) {
            (Some(i), Some(b)) if i.birth_date() != b => {
                err(
                    "birth_date",
                    format!(
                        "出生日期与身份证号不符：身份证号显示为{}",
                        crate::dates::format_date(i.birth_date())
                    ),
                );
                Some(b)
            }
            (Some(i), _) => Some(i.birth_date()),
            (None, b) => b,
        };
        if let (Some(i), None) = (&id, birth_input) {
            if i.birth_date() > today {
                err("id_number", "身份证号中的出生日期晚于今天".into());
            }
        }

        let ethnicity = if text::clean(&self.ethnicity).is_empty() {
            None
        } else {
            match parse_ethnicity(&self.ethnicity) {
                Some(e) => Some(e),
                None => {
                    err(
                        "ethnicity",
                        format!("无法识别的民族“{}”", text::clean(&self.ethnicity)),
                    );
                    None
                }
            }
        };

        let education = if text::clean(&self.education).is_empty() {
            None
        } else {
            match Education::parse_loose(&self.education) {
                Some(e) => Some(e),
                None => {
                    err(
                        "education",
                        format!(
                            "无法识别的学历“{}”，可填：研究生、大学本科、大学专科、中专、高中、初中及以下",
                            text::clean(&self.education)
                        ),
                    );
                    None
                }
            }
        };

        let status = match MemberStatus::parse(&text::clean(&self.status)) {
            Some(s) => Some(s),
            None if text::clean(&self.status).is_empty() => {
                err("status", "请选择人员状态".into());
                None
            }
            None => {
                err(
                    "status",
                    format!("无法识别的人员状态“{}”", text::clean(&self.status)),
                );
                None
            }
        };

        let category = if text::clean(&self.category).is_empty() {
            Some(Category::Employed)
        } else {
            match Category::parse_loose(&self.category) {
                Some(c) => Some(c),
                None => {
                    err(
                        "category",
                        format!("无法识别的人员类别“{}”", text::clean(&self.category)),
                    );
                    None
                }
            }
        };

        let phone = if text::clean(&self.phone).is_empty() {
            None
        } else {
            match Phone::parse(&self.phone) {
                Ok(p) => Some(p),
                Err(e) => {
                    err("phone", e.to_string());
                    None
                }
            }
        };
        let mut free =
            |field: &'static str, value: &str, max: usize| match text::optional(value, max) {
                Ok(v) => v,
                Err(max) => {
                    err(
                        field,
                        format!("{}过长（最多 {max} 个字）", field_label(field)),
                    );
                    None
                }
            };
        let work_unit = free("work_unit", &self.work_unit, 100);
        let post = free("post", &self.post, 50);

        // Date order: birth < application ≤ activist ≤ candidate ≤ admission ≤ conversion.
        let chain: [(&'static str, Option<NaiveDate>); 5] = [
            ("application_date", application_date),
            ("activist_date", activist_date),
            ("candidate_date", candidate_date),
            ("admission_date", admission_date),
            ("conversion_date", conversion_date),
        ];
        if let Some(b) = birth_date {
            for (field, d) in chain.iter() {
                if let Some(d) = d {
                    if *d <= b {
                        err(field, format!("{}应晚于出生日期", field_label(field)));
                    }
                }
            }
        }
        let mut previous: Option<(&'static str, NaiveDate)> = None;
        for (field, d) in chain.iter() {
            if let Some(d) = d {
                if let Some((pf, pd)) = previous {
                    if *d < pd {
                        err(
                            field,
                            format!("{}不能早于{}", field_label(field), field_label(pf)),
                        );
                    }
                }
                previous = Some((field, *d));
            }
        }

        // Probation lasts a year from admission: conversion cannot come earlier (DEV-014).
        if let (Some(a), Some(c)) = (admission_date, conversion_date) {
            if c >= a && c < crate::dates::add_months(a, 12) {
                err(
                    "conversion_date",
                    format!(
                        "转正日期早于预备期满（入党日期满一年为 {}）",
                        crate::dates::format_date(crate::dates::add_months(a, 12))
                    ),
                );
            }
        }

        // DEV-001: at least 18 on the application date, or at admission if no application date.
        if let Some(b) = birth_date {
            let reference = application_date
                .map(|d| ("application_date", d))
                .or(admission_date.map(|d| ("admission_date", d)));
            if let Some((field, d)) = reference {
                if d > b && years_between(b, d) < MIN_AGE {
                    err(
                        field,
                        format!("{}时未满 {MIN_AGE} 周岁", field_label(field)),
                    );
                }
            }
        }

        // Status needs its milestones.
        if let Some(s) = status {
            if s.is_member() && text::clean(&self.admission_date).is_empty() {
                err("admission_date", format!("{}须填写入党日期", s.label()));
            }
            if s == MemberStatus::Probationary && conversion_date.is_some() {
                err("conversion_date", "预备党员不应有转正日期".into());
            }
            if !s.is_member() && (admission_date.is_some() || conversion_date.is_some()) {
                err(
                    "status",
                    "已填写入党或转正日期，人员状态应为预备党员或正式党员".into(),
                );
            }
            if s == MemberStatus::Activist && activist_date.is_none() && application_date.is_none()
            {
                // tolerated: legacy files often lack the date; nothing to report
            }
        }

        match (errors.is_empty(), id, gender, birth_date, status, category) {
            (
                true,
                Some(id_number),
                Some(gender),
                Some(birth_date),
                Some(status),
                Some(category),
            ) => Ok(MemberFields {
                name,
                id_number,
                gender,
                ethnicity,
                birth_date,
                education,
                status,
                category,
                phone,
                work_unit,
                post,
                application_date,
                activist_date,
                candidate_date,
                admission_date,
                conversion_date,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idnum::check_char;

    fn id(first17: &str) -> String {
        format!("{first17}{}", check_char(first17).unwrap())
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    fn base() -> MemberInput {
        MemberInput {
            name: "张三".into(),
            // born 1980-05-01, male (17th digit 1)
            id_number: id("11010519800501001"),
            status: "full".into(),
            application_date: "2001-03-01".into(),
            admission_date: "2002-07-01".into(),
            conversion_date: "2003-07-01".into(),
            ..Default::default()
        }
    }

    fn fields_of(r: Result<MemberFields, Vec<FieldError>>) -> Vec<&'static str> {
        r.err()
            .unwrap_or_default()
            .iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn valid_record() {
        let m = base().parse(today()).unwrap();
        assert_eq!(m.gender, Gender::Male);
        assert_eq!(m.birth_date, NaiveDate::from_ymd_opt(1980, 5, 1).unwrap());
        assert_eq!(m.category, Category::Employed);
        assert_eq!(m.status, MemberStatus::Full);
    }

    #[test]
    fn gender_and_birth_must_agree_with_id() {
        let mut m = base();
        m.gender = "女".into();
        assert_eq!(fields_of(m.parse(today())), vec!["gender"]);
        let mut m = base();
        m.birth_date = "1980-05-02".into();
        assert_eq!(fields_of(m.parse(today())), vec!["birth_date"]);
        let mut m = base();
        m.birth_date = "1980年5月1日".into();
        m.gender = "男".into();
        assert!(m.parse(today()).is_ok());
    }

    #[test]
    fn dates_in_order() {
        let mut m = base();
        m.conversion_date = "2002-06-30".into();
        assert_eq!(fields_of(m.parse(today())), vec!["conversion_date"]);
        let mut m = base();
        m.application_date = "2002-07-01".into();
        assert!(m.parse(today()).is_ok(), "application may equal admission");
    }

    #[test]
    fn conversion_after_a_year_of_probation() {
        let mut m = base();
        m.admission_date = "2024-02-29".into();
        m.conversion_date = "2025-02-27".into();
        assert_eq!(fields_of(m.parse(today())), vec!["conversion_date"]);
        m.conversion_date = "2025-02-28".into();
        assert!(
            m.parse(today()).is_ok(),
            "a year from Feb 29 ends on Feb 28"
        );
    }

    #[test]
    fn a_rejected_date_is_reported_once() {
        let mut m = base();
        m.admission_date = "2027-01-01".into();
        m.conversion_date = String::new();
        let errors = m.parse(today()).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].message.contains("不能晚于今天"));
    }

    #[test]
    fn no_future_dates() {
        let mut m = base();
        m.conversion_date = "2026-11-24".into();
        assert_eq!(fields_of(m.parse(today())), vec!["conversion_date"]);
        let mut m = base();
        m.conversion_date = "2026-11-23".into();
        assert!(m.parse(today()).is_ok());
    }

    #[test]
    fn eighteen_at_application() {
        // born 1980-05-01: 18 on 1998-05-01
        let mut m = base();
        m.application_date = "1998-04-30".into();
        assert_eq!(fields_of(m.parse(today())), vec!["application_date"]);
        m.application_date = "1998-05-01".into();
        assert!(m.parse(today()).is_ok());
        // no application date: judged at admission
        let mut m = base();
        m.application_date = String::new();
        m.admission_date = "1998-04-30".into();
        m.conversion_date = "1999-04-30".into();
        assert_eq!(fields_of(m.parse(today())), vec!["admission_date"]);
    }

    #[test]
    fn status_needs_milestones() {
        let mut m = base();
        m.admission_date = String::new();
        m.conversion_date = String::new();
        assert_eq!(fields_of(m.parse(today())), vec!["admission_date"]);
        let mut m = base();
        m.status = "probationary".into();
        assert_eq!(fields_of(m.parse(today())), vec!["conversion_date"]);
        let mut m = base();
        m.status = "入党积极分子".into();
        assert_eq!(fields_of(m.parse(today())), vec!["status"]);
        let mut m = base();
        m.status = String::new();
        assert_eq!(fields_of(m.parse(today())), vec!["status"]);
    }

    #[test]
    fn bad_values_are_named() {
        let mut m = base();
        m.phone = "12345".into();
        m.ethnicity = "火星族".into();
        m.education = "幼儿园".into();
        m.category = "神仙".into();
        m.name = " ".into();
        let f = fields_of(m.parse(today()));
        for x in ["phone", "ethnicity", "education", "category", "name"] {
            assert!(f.contains(&x), "{x} in {f:?}");
        }
    }

    #[test]
    fn loose_values() {
        assert_eq!(parse_ethnicity("汉"), Some("汉族"));
        assert_eq!(parse_ethnicity("维吾尔族"), Some("维吾尔族"));
        assert_eq!(parse_ethnicity(""), None);
        assert_eq!(Education::parse_loose("本科"), Some(Education::Bachelor));
        assert_eq!(
            Education::parse_loose("硕士研究生"),
            Some(Education::Postgraduate)
        );
        assert_eq!(Category::parse_loose("退休"), Some(Category::Retired));
        assert_eq!(ETHNICITIES.len(), 58);
    }
}
