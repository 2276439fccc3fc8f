//! Party statistics (党内统计) of a subtree on a day.
//!
//! One grouped query counts people by every dimension of the table at once (status on the day,
//! gender, ethnicity, education, category, age band, standing band), a second one counts them
//! per organisation for the sub-organisation rows, and the organisations are read once; the
//! domain rolls the groups up into the [`Report`]. On today's date the roster itself is
//! counted; on a past day the dated placements say where each person was.

use chrono::{DateTime, Months, NaiveDate, Utc};
use sqlx::FromRow;
use xianfeng_domain::clock::china;
use xianfeng_domain::members::MemberStatus;
use xianfeng_domain::org::OrgPath;
use xianfeng_domain::scope::Scope;
use xianfeng_domain::stats::{
    band_thresholds, Drill, OrgPersonGroup, OrgRow, PersonGroup, Report, AGE_BANDS, STANDING_BANDS,
};

use crate::orgs::Org;
use crate::{on_db, Page, PageReq, Result, Store, StoreError};

/// The status a person had on the day `$1` (`$2` is one year earlier), or NULL when they were
/// not yet in the procedure. Dates decide; where the date of the current stage was never
/// recorded, the current stage counts.
const STATUS_ON_DAY: &str = "CASE \
 WHEN m.status IN ('probationary', 'full') AND m.admission_date <= $1 THEN \
   CASE WHEN m.conversion_date <= $1 \
          OR (m.conversion_date IS NULL AND m.status = 'full' AND m.admission_date <= $2) \
        THEN 'full' ELSE 'probationary' END \
 WHEN m.candidate_date <= $1 OR (m.status = 'candidate' AND m.candidate_date IS NULL) THEN 'candidate' \
 WHEN m.activist_date <= $1 OR (m.status = 'activist' AND m.activist_date IS NULL) THEN 'activist' \
 WHEN m.application_date <= $1 OR (m.status = 'applicant' AND m.application_date IS NULL) THEN 'applicant' \
 END";

/// Parameters: `$1` day, `$2` a year before, `$3..` age thresholds, then standing thresholds,
/// then the subtree's path range.
struct Sql {
    status: &'static str,
    age: String,
    standing: String,
    minority: &'static str,
    /// FROM and WHERE selecting the people placed in the subtree on the day; `org_id` is
    /// available as `src_org`.
    source: String,
    src_org: &'static str,
    range_params: (usize, usize),
}

fn band_case(column: &str, first_param: usize, count: usize) -> String {
    let mut s = String::from("CAST(CASE");
    for i in 0..count {
        s.push_str(&format!(" WHEN {column} > ${} THEN {i}", first_param + i));
    }
    s.push_str(&format!(" ELSE {count} END AS BIGINT)"));
    s
}

impl Sql {
    fn new(current: bool) -> Sql {
        let ages = AGE_BANDS.len() - 1;
        let standings = STANDING_BANDS.len() - 1;
        let age = band_case("m.birth_date", 3, ages);
        let standing = format!(
            "CASE WHEN m.admission_date IS NULL THEN NULL ELSE {} END",
            band_case("m.admission_date", 3 + ages, standings)
        );
        let lo = 3 + ages + standings;
        let (source, src_org) = if current {
            (
                format!(
                    "FROM members m WHERE m.archived_at IS NULL AND m.org_path >= ${lo} AND m.org_path < ${}",
                    lo + 1
                ),
                "m.org_id",
            )
        } else {
            (
                format!(
                    "FROM member_placements p JOIN members m ON m.id = p.member_id \
                     WHERE p.org_id IN (SELECT o.id FROM orgs o WHERE o.path >= ${lo} AND o.path < ${}) \
                     AND (p.from_date IS NULL OR p.from_date <= $1) AND (p.to_date IS NULL OR p.to_date > $1)",
                    lo + 1
                ),
                "p.org_id",
            )
        };
        Sql {
            status: STATUS_ON_DAY,
            age,
            standing,
            minority: "CAST(CASE WHEN m.ethnicity IS NOT NULL AND m.ethnicity <> '' AND m.ethnicity <> '汉族' THEN 1 ELSE 0 END AS BIGINT)",
            source,
            src_org,
            range_params: (lo, lo + 1),
        }
    }

    /// The people of the subtree with their derived columns, as a subquery `x`.
    fn people(&self, extra_columns: &str) -> String {
        format!(
            "SELECT {} AS st, {} AS age_band, {} AS standing_band, {} AS minority, {} AS org_id{extra_columns} {}",
            self.status, self.age, self.standing, self.minority, self.src_org, self.source
        )
    }
}

/// The bind values shared by every statistics query.
struct Binds {
    day: NaiveDate,
    year_before: NaiveDate,
    thresholds: Vec<NaiveDate>,
    lo: String,
    hi: String,
}

impl Binds {
    fn new(day: NaiveDate, path: &OrgPath) -> Binds {
        let mut thresholds = band_thresholds(AGE_BANDS, day);
        thresholds.extend(band_thresholds(STANDING_BANDS, day));
        Binds {
            day,
            year_before: day.checked_sub_months(Months::new(12)).unwrap_or(day),
            thresholds,
            lo: path.as_str().to_string(),
            hi: path.upper_bound(),
        }
    }
}

macro_rules! bind_all {
    ($q:expr, $b:expr) => {{
        let mut q = $q.bind($b.day).bind($b.year_before);
        for t in &$b.thresholds {
            q = q.bind(*t);
        }
        q.bind($b.lo.clone()).bind($b.hi.clone())
    }};
}

#[derive(FromRow)]
struct PersonGroupRow {
    st: String,
    gender: String,
    ethnicity: Option<String>,
    education: Option<String>,
    category: String,
    age_band: i64,
    standing_band: Option<i64>,
    n: i64,
}

#[derive(FromRow)]
struct OrgGroupRow {
    org_id: i64,
    st: String,
    gender: String,
    minority: i64,
    n: i64,
}

#[derive(FromRow)]
struct OrgListRow {
    id: i64,
    path: String,
    code: String,
    name: String,
    org_type: String,
    sector: String,
    founded_on: Option<NaiveDate>,
    archived_at: Option<DateTime<Utc>>,
}

/// A person behind a number of the table.
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct StatPerson {
    pub id: i64,
    pub name: String,
    pub gender: String,
    pub ethnicity: Option<String>,
    pub birth_date: NaiveDate,
    pub education: Option<String>,
    pub category: String,
    pub admission_date: Option<NaiveDate>,
    /// Status on the day.
    pub st: String,
    pub org_code: String,
    pub org_name: String,
}

impl StatPerson {
    pub fn status_label(&self) -> &'static str {
        MemberStatus::parse(&self.st)
            .map(|s| s.label())
            .unwrap_or("")
    }
}

impl Store {
    /// Checks the day and the caller's right to the statistics of `org`.
    fn stats_check(&self, scope: &Scope, org: &Org, day: NaiveDate) -> Result<()> {
        if !matches!(scope, Scope::Subtree { .. }) || !scope.sees_member(0, &org.org_path()) {
            return Err(StoreError::Forbidden);
        }
        if day > self.clock.today() {
            return Err(StoreError::invalid("as_of", "统计日期不能晚于今天"));
        }
        Ok(())
    }

    /// The statistics table of the subtree of `org_id` on `day`.
    pub async fn stats_report(&self, scope: &Scope, org_id: i64, day: NaiveDate) -> Result<Report> {
        let org = self.org_get(scope, org_id).await?;
        self.stats_check(scope, &org, day)?;
        let path = org.org_path();
        let b = Binds::new(day, &path);
        let sql = Sql::new(day >= self.clock.today());
        let people_sql = format!(
            "SELECT st, gender, ethnicity, education, category, age_band, standing_band, COUNT(*) AS n \
             FROM ({}) x WHERE st IS NOT NULL \
             GROUP BY st, gender, ethnicity, education, category, age_band, standing_band",
            sql.people(", m.gender, m.ethnicity, m.education, m.category")
        );
        let org_sql = format!(
            "SELECT org_id, st, gender, minority, COUNT(*) AS n FROM ({}) x \
             WHERE st IS NOT NULL GROUP BY org_id, st, gender, minority",
            sql.people(", m.gender")
        );
        let (people, by_org, orgs): (Vec<PersonGroupRow>, Vec<OrgGroupRow>, Vec<OrgListRow>) = on_db!(&self.db, p => {
            let people = bind_all!(sqlx::query_as(&people_sql), b).fetch_all(p).await?;
            let by_org = bind_all!(sqlx::query_as(&org_sql), b).fetch_all(p).await?;
            let orgs = sqlx::query_as(
                "SELECT id, path, code, name, org_type, sector, founded_on, archived_at FROM orgs \
                 WHERE path >= $1 AND path < $2 ORDER BY path",
            )
            .bind(&b.lo)
            .bind(&b.hi)
            .fetch_all(p)
            .await?;
            (people, by_org, orgs)
        });
        let orgs: Vec<OrgRow> = orgs
            .into_iter()
            .map(|o| OrgRow {
                existed: o.founded_on.is_none_or(|f| f <= day)
                    && o.archived_at
                        .is_none_or(|a| a.with_timezone(&china()).date_naive() > day),
                id: o.id,
                path: o.path,
                code: o.code,
                name: o.name,
                org_type: o.org_type,
                sector: o.sector,
            })
            .collect();
        let root = orgs
            .iter()
            .find(|o| o.id == org.id)
            .cloned()
            .ok_or(StoreError::NotFound("组织不存在"))?;
        let people: Vec<PersonGroup> = people
            .into_iter()
            .map(|r| PersonGroup {
                status: r.st,
                gender: r.gender,
                ethnicity: r.ethnicity,
                education: r.education,
                category: r.category,
                age_band: r.age_band,
                standing_band: r.standing_band,
                count: r.n,
            })
            .collect();
        let by_org: Vec<OrgPersonGroup> = by_org
            .into_iter()
            .map(|r| OrgPersonGroup {
                org_id: r.org_id,
                status: r.st,
                gender: r.gender,
                minority: r.minority != 0,
                count: r.n,
            })
            .collect();
        Ok(Report::assemble(&root, day, &orgs, &people, &by_org))
    }

    /// The people behind one number of the table, by name.
    pub async fn stats_people(
        &self,
        scope: &Scope,
        org_id: i64,
        day: NaiveDate,
        drill: &Drill,
        page: PageReq,
    ) -> Result<Page<StatPerson>> {
        let org = self.org_get(scope, org_id).await?;
        self.stats_check(scope, &org, day)?;
        let b = Binds::new(day, &org.org_path());
        let sql = Sql::new(day >= self.clock.today());
        let next = sql.range_params.1 + 1;
        let member = "x.st IN ('full', 'probationary')";
        let (predicate, value): (String, Option<String>) = match drill {
            Drill::Members => (member.into(), None),
            Drill::Status(s) => (format!("x.st = ${next}"), Some(s.code().into())),
            Drill::Gender(g) => (
                format!("{member} AND x.gender = ${next}"),
                Some(g.to_string()),
            ),
            Drill::Minority => (format!("{member} AND x.minority = 1"), None),
            Drill::Ethnicity(e) if e == xianfeng_domain::stats::UNKNOWN => (
                format!("{member} AND (x.ethnicity IS NULL OR x.ethnicity = '')"),
                None,
            ),
            Drill::Ethnicity(e) => (
                format!("{member} AND x.ethnicity = ${next}"),
                Some(e.clone()),
            ),
            Drill::Age(i) => (format!("{member} AND x.age_band = {i}"), None),
            Drill::Standing(i) => (format!("{member} AND x.standing_band = {i}"), None),
            Drill::Education(None) => (format!("{member} AND x.education IS NULL"), None),
            Drill::Education(Some(e)) => (
                format!("{member} AND x.education = ${next}"),
                Some(e.code().into()),
            ),
            Drill::Category(c) => (
                format!("{member} AND x.category = ${next}"),
                Some(c.code().into()),
            ),
        };
        let inner = sql.people(
            ", m.id, m.name, m.name_key, m.gender, m.ethnicity, m.birth_date, m.education, m.category, m.admission_date",
        );
        let count_sql = format!("SELECT COUNT(*) FROM ({inner}) x WHERE {predicate}");
        let list_sql = format!(
            "SELECT x.id, x.name, x.gender, x.ethnicity, x.birth_date, x.education, x.category, x.admission_date, \
             x.st, o.code AS org_code, o.name AS org_name FROM ({inner}) x JOIN orgs o ON o.id = x.org_id \
             WHERE {predicate} ORDER BY x.name_key, x.id LIMIT {} OFFSET {}",
            page.per_page,
            page.offset()
        );
        let (total, items): (i64, Vec<StatPerson>) = on_db!(&self.db, p => {
            let mut c = bind_all!(sqlx::query_scalar(&count_sql), b);
            if let Some(v) = &value { c = c.bind(v.clone()); }
            let total = c.fetch_one(p).await?;
            let mut l = bind_all!(sqlx::query_as(&list_sql), b);
            if let Some(v) = &value { l = l.bind(v.clone()); }
            (total, l.fetch_all(p).await?)
        });
        Ok(Page {
            items,
            total,
            page: page.page,
            per_page: page.per_page,
        })
    }
}
