//! Organisational life (组织生活): office holders (班子成员) as dated posts and meetings
//! (三会一课 and the rest) with their kinds, flow, attendance and quorum.
//!
//! The lists of posts and of meeting kinds are configuration ([`LifeConfig`], kept in the
//! database and set with `xianfeng life set`): each post says whether it is the secretary, a
//! deputy or a committee member, and each meeting kind says what it counts as for the rules
//! (MTG-001..006) and who is expected to attend.

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

/// What a post is, for the rules (ORG-002, ORG-005) and the summaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostRole {
    /// 书记
    Secretary,
    /// 副书记
    Deputy,
    /// 委员 of any duty (组织、宣传、纪检 …)
    Committee,
}

/// One post of an organisation's team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostKind {
    /// Stable code kept with each post.
    pub code: String,
    pub label: String,
    pub role: PostRole,
}

/// What a meeting kind counts as for the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standard {
    /// 支部党员大会 (MTG-001)
    GeneralMeeting,
    /// 支部委员会 (MTG-002)
    Committee,
    /// 党小组会 (MTG-003)
    PartyGroup,
    /// 党课 (MTG-004)
    Lecture,
    /// 主题党日 (MTG-005)
    ThemeDay,
    /// 组织生活会 (MTG-006)
    LifeMeeting,
    /// 民主生活会
    DemocraticLife,
    /// 联席会议 (MTG-008)
    Joint,
    /// Counted by no rule.
    Other,
}

/// Who is expected at a meeting of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expected {
    /// Every party member (probationary and full) of the organisation on the meeting day.
    AllMembers,
    /// The holders of the organisation's posts on the meeting day.
    Committee,
    /// The members of one party group.
    PartyGroup,
    /// People chosen when the meeting is planned.
    Chosen,
}

impl Expected {
    pub fn label(self) -> &'static str {
        match self {
            Expected::AllMembers => "全体党员",
            Expected::Committee => "班子成员",
            Expected::PartyGroup => "党小组成员",
            Expected::Chosen => "指定人员",
        }
    }
}

/// One kind of meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingKind {
    pub code: String,
    pub label: String,
    pub counts_as: Standard,
    pub expected: Expected,
}

/// The configurable lists of organisational life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LifeConfig {
    pub posts: Vec<PostKind>,
    pub meeting_kinds: Vec<MeetingKind>,
}

fn post(code: &str, label: &str, role: PostRole) -> PostKind {
    PostKind {
        code: code.into(),
        label: label.into(),
        role,
    }
}

fn kind(code: &str, label: &str, counts_as: Standard, expected: Expected) -> MeetingKind {
    MeetingKind {
        code: code.into(),
        label: label.into(),
        counts_as,
        expected,
    }
}

impl Default for LifeConfig {
    fn default() -> Self {
        use Expected as E;
        use Standard as S;
        LifeConfig {
            posts: vec![
                post("secretary", "书记", PostRole::Secretary),
                post("deputy", "副书记", PostRole::Deputy),
                post("organisation", "组织委员", PostRole::Committee),
                post("propaganda", "宣传委员", PostRole::Committee),
                post("discipline", "纪检委员", PostRole::Committee),
                post("member", "委员", PostRole::Committee),
            ],
            meeting_kinds: vec![
                kind("general", "支部党员大会", S::GeneralMeeting, E::AllMembers),
                kind("committee", "支部委员会", S::Committee, E::Committee),
                kind("group", "党小组会", S::PartyGroup, E::PartyGroup),
                kind("lecture", "党课", S::Lecture, E::AllMembers),
                kind("theme_day", "主题党日", S::ThemeDay, E::AllMembers),
                kind("life", "组织生活会", S::LifeMeeting, E::AllMembers),
                kind("democratic", "民主生活会", S::DemocraticLife, E::Committee),
                kind("joint", "联席会议", S::Joint, E::Chosen),
                kind("other", "其他", S::Other, E::Chosen),
            ],
        }
    }
}

impl LifeConfig {
    /// What is wrong with a configuration, in words for the person who wrote it.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let code_ok = |c: &str| {
            !c.is_empty()
                && c.len() <= 30
                && c.chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
        };
        let mut seen = std::collections::HashSet::new();
        for p in &self.posts {
            if !code_ok(&p.code) {
                out.push(format!(
                    "职务代码“{}”须为 1–30 个小写字母、数字或下划线",
                    p.code
                ));
            }
            if p.label.trim().is_empty() || p.label.chars().count() > 20 {
                out.push(format!("职务“{}”的名称须为 1–20 个字", p.code));
            }
            if !seen.insert(p.code.as_str()) {
                out.push(format!("职务代码“{}”重复", p.code));
            }
        }
        if !self.posts.iter().any(|p| p.role == PostRole::Secretary) {
            out.push("至少需要一个书记职务（role 为 secretary）".into());
        }
        let mut seen = std::collections::HashSet::new();
        for k in &self.meeting_kinds {
            if !code_ok(&k.code) {
                out.push(format!(
                    "会议类型代码“{}”须为 1–30 个小写字母、数字或下划线",
                    k.code
                ));
            }
            if k.label.trim().is_empty() || k.label.chars().count() > 20 {
                out.push(format!("会议类型“{}”的名称须为 1–20 个字", k.code));
            }
            if !seen.insert(k.code.as_str()) {
                out.push(format!("会议类型代码“{}”重复", k.code));
            }
        }
        if self.meeting_kinds.is_empty() {
            out.push("至少需要一个会议类型".into());
        }
        out
    }

    pub fn post(&self, code: &str) -> Option<&PostKind> {
        self.posts.iter().find(|p| p.code == code)
    }

    pub fn post_label<'a>(&'a self, code: &'a str) -> &'a str {
        self.post(code).map_or(code, |p| p.label.as_str())
    }

    pub fn post_role(&self, code: &str) -> PostRole {
        self.post(code).map_or(PostRole::Committee, |p| p.role)
    }

    /// The first post of a role (the one free text of that role is migrated to).
    pub fn first_of(&self, role: PostRole) -> Option<&PostKind> {
        self.posts.iter().find(|p| p.role == role)
    }

    pub fn kind(&self, code: &str) -> Option<&MeetingKind> {
        self.meeting_kinds.iter().find(|k| k.code == code)
    }

    pub fn kind_label<'a>(&'a self, code: &'a str) -> &'a str {
        self.kind(code).map_or(code, |k| k.label.as_str())
    }

    /// What a kind counts as (a kind no longer configured counts as nothing).
    pub fn counts_as(&self, code: &str) -> Standard {
        self.kind(code).map_or(Standard::Other, |k| k.counts_as)
    }
}

/// Names written in one free-text field (“张三、李四”), in order, without blanks.
pub fn split_names(text: &str) -> Vec<String> {
    text.split(['、', ',', '，', ';', '；', ' ', '　', '/', '\n'])
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A post's dates: in force on `day` when started on or before it (or start unknown) and not
/// ended on or before it.
pub fn in_force(start: Option<NaiveDate>, end: Option<NaiveDate>, day: NaiveDate) -> bool {
    start.is_none_or(|s| s <= day) && end.is_none_or(|e| e > day)
}

/// Where a meeting stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingStatus {
    /// 计划中: date, place, topic, host and recorder set; the notice may have gone out.
    Planned,
    /// 进行中: opened by the host; attendees may check in.
    InSession,
    /// 已召开: closed; the recorder writes the minutes.
    Held,
    /// 记录待审: the minutes are written; the host approves them.
    Minuted,
    /// 已审定
    Approved,
    /// 已取消 (kept, with a reason)
    Cancelled,
}

impl MeetingStatus {
    pub const ALL: [MeetingStatus; 6] = [
        MeetingStatus::Planned,
        MeetingStatus::InSession,
        MeetingStatus::Held,
        MeetingStatus::Minuted,
        MeetingStatus::Approved,
        MeetingStatus::Cancelled,
    ];
    pub fn code(self) -> &'static str {
        match self {
            MeetingStatus::Planned => "planned",
            MeetingStatus::InSession => "in_session",
            MeetingStatus::Held => "held",
            MeetingStatus::Minuted => "minuted",
            MeetingStatus::Approved => "approved",
            MeetingStatus::Cancelled => "cancelled",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            MeetingStatus::Planned => "计划中",
            MeetingStatus::InSession => "进行中",
            MeetingStatus::Held => "已召开，待记录",
            MeetingStatus::Minuted => "记录待审定",
            MeetingStatus::Approved => "已审定",
            MeetingStatus::Cancelled => "已取消",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
    /// Whether the meeting took place (and so counts for the rules).
    pub fn took_place(self) -> bool {
        matches!(
            self,
            MeetingStatus::InSession
                | MeetingStatus::Held
                | MeetingStatus::Minuted
                | MeetingStatus::Approved
        )
    }
}

/// One expected attendee's attendance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attendance {
    /// Not yet recorded.
    Unknown,
    Present,
    /// 请假 (with a reason)
    Leave,
    Absent,
}

impl Attendance {
    pub fn code(self) -> &'static str {
        match self {
            Attendance::Unknown => "unknown",
            Attendance::Present => "present",
            Attendance::Leave => "leave",
            Attendance::Absent => "absent",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Attendance::Unknown => "未登记",
            Attendance::Present => "出席",
            Attendance::Leave => "请假",
            Attendance::Absent => "缺席",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            Attendance::Unknown,
            Attendance::Present,
            Attendance::Leave,
            Attendance::Absent,
        ]
        .into_iter()
        .find(|x| x.code() == s)
    }
}

/// The quorum of a vote: more than half of those with a vote present (党员大会: the full
/// members with voting rights; 支委会: the committee).
pub fn has_quorum(voters_present: usize, voters: usize) -> bool {
    voters > 0 && voters_present * 2 > voters
}

/// What the planner of a meeting typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MeetingInput {
    pub kind: String,
    pub date: String,
    pub start_time: String,
    pub place: String,
    pub online: bool,
    pub topic: String,
    pub agenda: String,
    pub host_id: String,
    pub recorder_id: String,
    pub group_id: String,
    /// The joint-meeting system of a joint meeting.
    pub joint_id: String,
}

/// A meeting plan, parsed.
#[derive(Debug, Clone)]
pub struct MeetingFields {
    pub kind: String,
    pub date: NaiveDate,
    pub start_time: Option<NaiveTime>,
    pub place: Option<String>,
    pub online: bool,
    pub topic: String,
    pub agenda: Option<String>,
    pub host_id: Option<i64>,
    pub recorder_id: Option<i64>,
    pub group_id: Option<i64>,
    pub joint_id: Option<i64>,
}

/// A field and what is wrong with it.
pub type FieldProblem = (&'static str, String);

impl MeetingInput {
    /// Parses every field against the configured kinds; all problems at once.
    pub fn parse(&self, cfg: &LifeConfig) -> Result<MeetingFields, Vec<FieldProblem>> {
        let mut errs: Vec<FieldProblem> = Vec::new();
        let kind = cfg.kind(self.kind.trim());
        if kind.is_none() {
            errs.push(("kind", "请选择会议类型".into()));
        }
        let date = match crate::parse_date(&self.date) {
            Ok(d) => Some(d),
            Err(e) => {
                errs.push(("date", e.to_string()));
                None
            }
        };
        let start_time = match self.start_time.trim() {
            "" => None,
            t => match NaiveTime::parse_from_str(t, "%H:%M")
                .or_else(|_| NaiveTime::parse_from_str(t, "%H:%M:%S"))
            {
                Ok(t) => Some(t),
                Err(_) => {
                    errs.push(("start_time", "时间格式应为 时:分，如 14:30".into()));
                    None
                }
            },
        };
        let text = |field: &'static str, v: &str, max: usize, errs: &mut Vec<FieldProblem>| {
            match crate::text::optional(v, max) {
                Ok(v) => v,
                Err(max) => {
                    errs.push((field, format!("最多 {max} 个字")));
                    None
                }
            }
        };
        let place = text("place", &self.place, 100, &mut errs);
        let topic = text("topic", &self.topic, 200, &mut errs);
        if topic.is_none() && !errs.iter().any(|(f, _)| *f == "topic") {
            errs.push(("topic", "请填写会议主题".into()));
        }
        let agenda = match crate::text::optional_lines(&self.agenda, 4000) {
            Ok(v) => v,
            Err(max) => {
                errs.push(("agenda", format!("最多 {max} 个字")));
                None
            }
        };
        if place.is_none() && !self.online {
            errs.push(("place", "请填写地点，或选择线上召开".into()));
        }
        let id = |field: &'static str, v: &str, errs: &mut Vec<FieldProblem>| -> Option<i64> {
            match v.trim() {
                "" => None,
                s => match s.parse::<i64>() {
                    Ok(n) if n > 0 => Some(n),
                    _ => {
                        errs.push((field, "请从名单中选择".into()));
                        None
                    }
                },
            }
        };
        let host_id = id("host_id", &self.host_id, &mut errs);
        let recorder_id = id("recorder_id", &self.recorder_id, &mut errs);
        let group_id = id("group_id", &self.group_id, &mut errs);
        if kind.is_some_and(|k| k.expected == Expected::PartyGroup) && group_id.is_none() {
            errs.push(("group_id", "党小组会请选择党小组".into()));
        }
        let joint_id = id("joint_id", &self.joint_id, &mut errs);
        if kind.is_some_and(|k| k.counts_as == Standard::Joint) && joint_id.is_none() {
            errs.push((
                "joint_id",
                "联席会议请选择所属的联席会议制度（在“联席会议”中建立）".into(),
            ));
        }
        match (errs.is_empty(), kind, date, topic) {
            (true, Some(k), Some(date), Some(topic)) => Ok(MeetingFields {
                kind: k.code.clone(),
                date,
                start_time,
                place,
                online: self.online,
                topic,
                agenda,
                host_id,
                recorder_id,
                group_id,
                joint_id: joint_id.filter(|_| k.counts_as == Standard::Joint),
            }),
            _ => Err(errs),
        }
    }
}

/// The check-in code shown by the host: it changes every `STEP_SECONDS`; a scan is accepted
/// for the step it was made in and the one before (a code read just before it changed).
pub const CHECKIN_STEP_SECONDS: i64 = 30;

/// The step of a moment, counted from the epoch.
pub fn checkin_step(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(CHECKIN_STEP_SECONDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_is_valid() {
        assert!(LifeConfig::default().problems().is_empty());
    }

    #[test]
    fn problems_name_the_field() {
        let mut c = LifeConfig::default();
        c.posts.retain(|p| p.role != PostRole::Secretary);
        c.meeting_kinds[1].code = "general".into();
        let p = c.problems();
        assert!(p.iter().any(|m| m.contains("书记职务")), "{p:?}");
        assert!(p.iter().any(|m| m.contains("重复")), "{p:?}");
    }

    #[test]
    fn names_split_on_chinese_separators() {
        assert_eq!(
            split_names(" 张三、李四，王五 ;赵六　"),
            vec!["张三", "李四", "王五", "赵六"]
        );
        assert!(split_names(" 、 ").is_empty());
    }

    #[test]
    fn quorum_is_more_than_half() {
        assert!(!has_quorum(0, 0));
        assert!(!has_quorum(3, 6));
        assert!(has_quorum(4, 7));
        assert!(!has_quorum(3, 7));
        assert!(has_quorum(1, 1));
    }

    #[test]
    fn posts_in_force() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert!(in_force(None, None, d("2026-01-01")));
        assert!(in_force(
            Some(d("2025-01-01")),
            Some(d("2026-01-02")),
            d("2026-01-01")
        ));
        assert!(!in_force(
            Some(d("2025-01-01")),
            Some(d("2026-01-01")),
            d("2026-01-01")
        ));
        assert!(!in_force(Some(d("2026-01-02")), None, d("2026-01-01")));
    }

    #[test]
    fn a_meeting_plan_is_checked() {
        let cfg = LifeConfig::default();
        let bad = MeetingInput {
            kind: "nope".into(),
            date: "2026-13-01".into(),
            start_time: "25:99".into(),
            ..Default::default()
        };
        let errs = bad.parse(&cfg).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, vec!["kind", "date", "start_time", "topic", "place"]);
        let group = MeetingInput {
            kind: "group".into(),
            date: "2026-03-20".into(),
            topic: "学习".into(),
            online: true,
            ..Default::default()
        };
        assert_eq!(group.parse(&cfg).unwrap_err()[0].0, "group_id");
        let ok = MeetingInput {
            kind: "general".into(),
            date: "2026年3月20日".into(),
            start_time: "14:30".into(),
            place: "会议室".into(),
            topic: "发展党员表决".into(),
            ..Default::default()
        };
        let f = ok.parse(&cfg).unwrap();
        assert_eq!(f.date, "2026-03-20".parse::<NaiveDate>().unwrap());
        assert_eq!(f.kind, "general");
    }
}
