//! Party statistics (党内统计) of a subtree on a day.
//!
//! One grouped query counts people by every dimension of the table at once (status on the day,
//! gender, ethnicity, education, category, age band, standing band), a second one counts them
//! per organisation for the sub-organisation rows, and the organisations are read once; the
//! domain rolls the groups up into the [`Report`]. On today's date the roster itself is
//! counted; on a past day the dated placements say where each person was.

use chrono::{DateTime, Months, NaiveDate, Utc};
use sqlx::FromRow;
use std::collections::HashMap;
use xianfeng_domain::clock::china;
use xianfeng_domain::members::MemberStatus;
use xianfeng_domain::org::OrgPath;
use xianfeng_domain::scope::Scope;

use xianfeng_domain::stats::{
    band_thresholds, dim, DateGroup, Drill, OrgGroup, OrgRow, PersonGroup, Report, Tally,
    AGE_BANDS, STANDING_BANDS,
};

use crate::orgs::Org;
use crate::{on_db, Page, PageReq, Result, Store, StoreError};

/// The status a person had on the day `$1` (`$2` is one year earlier), or NULL when they were
/// not yet in the procedure. Dates decide; where the date of the current stage was never
/// recorded, the current stage counts.
pub(crate) const STATUS_ON_DAY: &str = "CASE \
 WHEN m.status IN ('probationary', 'full') AND m.admission_date <= $1 THEN \
   CASE WHEN m.conversion_date <= $1 \
          OR (m.conversion_date IS NULL AND m.status = 'full' AND m.admission_date <= $2) \
        THEN 'full' ELSE 'probationary' END \
 WHEN m.candidate_date <= $1 OR (m.status = 'candidate' AND m.candidate_date IS NULL) THEN \
 'candidate' \
 WHEN m.activist_date <= $1 OR (m.status = 'activist' AND m.activist_date IS NULL) THEN 'activist' \
 WHEN m.application_date <= $1 OR (m.status = 'applicant' AND m.application_date IS NULL) THEN \
 'applicant' \
 END";

/// The people placed in the subtree on the day: the FROM and WHERE clauses, their status on
/// the day, and where they were (organisation id and path). Today the roster is counted as it
/// stands; a past day (`$1`, with `$2` a year before) goes through the dated placements. `lo`
/// is the parameter number of the path range's lower bound, the upper one follows.
///
/// `scan`: read whole indexes instead of the subtree's path range. For a subtree holding much
/// of the tree SQLite then streams each statistics index in group order (the unary `+` keeps it
/// from choosing the range); PostgreSQL plans this itself.
struct Source {
    from: String,
    st: String,
    org_id: &'static str,
    path: &'static str,
}

impl Source {
    fn new(current: bool, scan: bool, lo: usize) -> Source {
        let hi = lo + 1;
        if current {
            let plus = if scan { "+" } else { "" };
            Source {
                from: format!(
                    "FROM members m WHERE m.archived_at IS NULL AND {plus}m.org_path >= \
                        ${lo} AND {plus}m.org_path < ${hi}"
                ),
                st: "m.status".into(),
                org_id: "m.org_id",
                path: "m.org_path",
            }
        } else {
            Source {
                from: format!(
                    "FROM member_placements p JOIN members m ON m.id = p.member_id JOIN orgs o ON \
                        o.id = p.org_id \
                     WHERE o.path >= ${lo} AND o.path < ${hi} \
                     AND (p.from_date IS NULL OR p.from_date <= $1) AND (p.to_date IS NULL OR \
                     p.to_date > $1)"
                ),
                st: format!("({STATUS_ON_DAY})"),
                org_id: "p.org_id",
                path: "o.path",
            }
        }
    }
}

/// The lists behind the numbers: each person with the derived columns a drill-down filters
/// on. Parameters: the day and a year before (past days only), the age thresholds, the
/// standing thresholds, then the subtree's path range.
struct Sql {
    source: Source,
    age: String,
    standing: String,
    range_params: (usize, usize),
    dated: bool,
}

fn band_case(column: &str, first_param: usize, count: usize) -> String {
    let mut s = String::from("CAST(CASE");
    for i in 0..count {
        s.push_str(&format!(" WHEN {column} > ${} THEN {i}", first_param + i));
    }
    s.push_str(&format!(" ELSE {count} END AS BIGINT)"));
    s
}

const MINORITY: &str = "CAST(CASE WHEN m.ethnicity IS NOT NULL AND m.ethnicity <> '' AND \
    m.ethnicity <> '汉族' THEN 1 \
    ELSE 0 END AS BIGINT)";

impl Sql {
    fn new(current: bool) -> Sql {
        let ages = AGE_BANDS.len() - 1;
        let standings = STANDING_BANDS.len() - 1;
        let first = if current { 1 } else { 3 };
        let age = band_case("m.birth_date", first, ages);
        let standing = format!(
            "CASE WHEN m.admission_date IS NULL THEN NULL ELSE {} END",
            band_case("m.admission_date", first + ages, standings)
        );
        let lo = first + ages + standings;
        Sql {
            source: Source::new(current, false, lo),
            age,
            standing,
            range_params: (lo, lo + 1),
            dated: !current,
        }
    }

    /// The people of the subtree with their derived columns, as a subquery `x`.
    fn people(&self, extra_columns: &str) -> String {
        let s = &self.source;
        format!(
            "SELECT {} AS st, {} AS age_band, {} AS standing_band, {MINORITY} AS minority, \
                {} AS org_id{extra_columns} {}",
            s.st, self.age, self.standing, s.org_id, s.from
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
    ($q:expr, $dated:expr, $b:expr) => {{
        let q = $q;
        let mut q = if $dated {
            q.bind($b.day).bind($b.year_before)
        } else {
            q
        };
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
    n: i64,
}

#[derive(FromRow)]
struct DateGroupRow {
    d: Option<NaiveDate>,
    n: i64,
}

#[derive(FromRow)]
struct OrgGroupRow {
    path: String,
    full: i64,
    probationary: i64,
    male: i64,
    female: i64,
    minority: i64,
    activists: i64,
    candidates: i64,
}

/// The report's queries over one source of people. Each groups by columns an index on
/// `members` keeps in order, so that SQLite aggregates while it scans instead of sorting
/// millions of rows; PostgreSQL hashes.
struct ReportSql {
    people: String,
    births: String,
    admissions: String,
    by_org: String,
    /// Whether `$1` (day) and `$2` (a year before) come before the path range.
    dated: bool,
}

impl ReportSql {
    fn new(current: bool, scan: bool) -> ReportSql {
        let Source {
            from: source,
            st,
            path,
            ..
        } = Source::new(current, scan, if current { 1 } else { 3 });
        let known = if current {
            String::new()
        } else {
            format!(" AND {st} IS NOT NULL")
        };
        let member = format!(" AND {st} IN ('full', 'probationary')");
        ReportSql {
            people: format!(
                "SELECT {st} AS st, m.gender AS gender, m.ethnicity AS ethnicity, m.education AS \
                    education, \
                 m.category AS category, COUNT(*) AS n {source}{known} GROUP BY 1, 2, 3, 4, 5"
            ),
            births: format!(
                "SELECT m.birth_date AS d, COUNT(*) AS n {source}{member} GROUP BY {st}, \
                    m.birth_date"
            ),
            admissions: format!(
                "SELECT m.admission_date AS d, COUNT(*) AS n {source}{member} GROUP BY {st}, \
                    m.admission_date"
            ),
            by_org: format!(
                "SELECT path, \
                 SUM(CASE WHEN st = 'full' THEN 1 ELSE 0 END) AS full, \
                 SUM(CASE WHEN st = 'probationary' THEN 1 ELSE 0 END) AS probationary, \
                 SUM(CASE WHEN st IN ('full', 'probationary') AND gender = 'male' THEN 1 ELSE 0 \
                 END) AS male, \
                 SUM(CASE WHEN st IN ('full', 'probationary') AND gender = 'female' THEN 1 ELSE 0 \
                 END) AS female, \
                 SUM(CASE WHEN st IN ('full', 'probationary') AND ethnicity IS NOT NULL AND \
                 ethnicity <> '' \
                     AND ethnicity <> '汉族' THEN 1 ELSE 0 END) AS minority, \
                 SUM(CASE WHEN st = 'activist' THEN 1 ELSE 0 END) AS activists, \
                 SUM(CASE WHEN st = 'candidate' THEN 1 ELSE 0 END) AS candidates \
                 FROM (SELECT {path} AS path, {st} AS st, m.gender AS gender, m.ethnicity AS \
                 ethnicity {source}) x \
                 GROUP BY path"
            ),
            dated: !current,
        }
    }
}

/// Binds the day (for a past day) and the path range.
macro_rules! bind_report {
    ($q:expr, $dated:expr, $b:expr) => {{
        let q = $q;
        let q = if $dated {
            q.bind($b.day).bind($b.year_before)
        } else {
            q
        };
        q.bind($b.lo.clone()).bind($b.hi.clone())
    }};
}

/// A maintained count: (organisation, dimension, key, n).
type CountRow = (i64, String, String, i64);

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

impl OrgListRow {
    /// The organisation as the table counts it on `day` (founded, not yet dissolved).
    fn on(self, day: NaiveDate) -> OrgRow {
        OrgRow {
            existed: self.founded_on.is_none_or(|f| f <= day)
                && self
                    .archived_at
                    .is_none_or(|a| a.with_timezone(&china()).date_naive() > day),
            id: self.id,
            path: self.path,
            code: self.code,
            name: self.name,
            org_type: self.org_type,
            sector: self.sector,
        }
    }
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
    /// The admission date if it had come by `day` (a past day's list shows that day's facts).
    pub fn admission_by(&self, day: &str) -> String {
        match self.admission_date {
            Some(d) if d.to_string().as_str() <= day => d.to_string(),
            _ => String::new(),
        }
    }
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

    /// The statistics table of the subtree of `org_id` on `day`. Today's table of an
    /// organisation on the roster is read from the maintained counts; any other day is
    /// counted over the roster and the dated placements ([`Store::stats_recount`]).
    pub async fn stats_report(&self, scope: &Scope, org_id: i64, day: NaiveDate) -> Result<Report> {
        let org = self.org_get(scope, org_id).await?;
        self.stats_check(scope, &org, day)?;
        let today = self.clock.today();
        if day == today && org.archived_at.is_none() {
            let kept = match self.stat_day().await? {
                Some(d) if d == today => true,
                Some(d) if d < today => {
                    self.stat_advance(today).await?;
                    true
                }
                _ => false,
            };
            if kept {
                return self.stats_kept(&org, today).await;
            }
        }
        self.stats_recount_org(&org, day).await
    }

    /// Today's table from the maintained counts: the organisation's own counts, and its
    /// direct sub-organisations' for their rows, in one statement (one snapshot).
    async fn stats_kept(&self, org: &Org, today: NaiveDate) -> Result<Report> {
        let children_sql =
            "SELECT id, path, code, name, org_type, sector, founded_on, archived_at \
            FROM orgs WHERE parent_id = $1";
        // Each part reads its rows through the primary key.
        let counts_sql = format!(
            "SELECT org_id, '{status}' AS dim, status AS key, n FROM org_counts WHERE org_id IN \
             (SELECT CAST($1 AS BIGINT) UNION ALL SELECT id FROM orgs WHERE parent_id = $1) AND \
             n <> 0 \
             UNION ALL SELECT org_id, dim, key, n FROM stat_counts WHERE org_id = $1 AND n <> 0 \
             UNION ALL SELECT org_id, dim, key, n FROM stat_counts WHERE org_id IN (SELECT id \
             FROM orgs WHERE parent_id = $1) AND dim IN ('{g}', '{e}', '{ot}') AND n <> 0",
            status = dim::STATUS,
            g = dim::GENDER,
            e = dim::ETHNICITY,
            ot = dim::ORG_TYPE,
        );
        let (children, counts): (Vec<OrgListRow>, Vec<CountRow>) = on_db!(&self.db, |p| {
            tokio::try_join!(
                sqlx::query_as(children_sql).bind(org.id).fetch_all(p),
                sqlx::query_as(&counts_sql).bind(org.id).fetch_all(p),
            )?
        });
        let mut tallies: HashMap<i64, Tally> = HashMap::new();
        for (o, d, k, n) in counts {
            tallies.entry(o).or_default().add(&d, &k, n);
        }
        let root = OrgRow {
            existed: true,
            id: org.id,
            path: org.path.clone(),
            code: org.code.clone(),
            name: org.name.clone(),
            org_type: org.org_type.clone(),
            sector: org.sector.clone(),
        };
        let children: Vec<(OrgRow, Tally)> = children
            .into_iter()
            .map(|o| {
                let t = tallies.remove(&o.id).unwrap_or_default();
                (o.on(today), t)
            })
            .collect();
        let total = tallies.remove(&org.id).unwrap_or_default();
        Ok(Report::from_tally(&root, today, &total, &children))
    }

    /// The reference: the statistics table of `org_id` on `day` counted over the roster (and
    /// the dated placements for a past day), whatever the maintained counts say. What
    /// `xianfeng stats --recount` prints and the tests compare the maintained counts with.
    pub async fn stats_recount(
        &self,
        scope: &Scope,
        org_id: i64,
        day: NaiveDate,
    ) -> Result<Report> {
        let org = self.org_get(scope, org_id).await?;
        self.stats_check(scope, &org, day)?;
        self.stats_recount_org(&org, day).await
    }

    async fn stats_recount_org(&self, org: &Org, day: NaiveDate) -> Result<Report> {
        let path = org.org_path();
        let b = Binds::new(day, &path);
        let orgs_sql =
            "SELECT id, path, code, name, org_type, sector, founded_on, archived_at FROM orgs \
                        WHERE path >= $1 AND path < $2 ORDER BY path";
        let (orgs, all_orgs): (Vec<OrgListRow>, i64) = on_db!(&self.db, |p| {
            tokio::try_join!(
                sqlx::query_as(orgs_sql)
                    .bind(&b.lo)
                    .bind(&b.hi)
                    .fetch_all(p),
                sqlx::query_scalar("SELECT COUNT(*) FROM orgs").fetch_one(p),
            )?
        });
        // A subtree with a tenth of the organisations or more is read by whole-index scans.
        let scan =
            matches!(self.db, crate::Db::Sqlite { .. }) && orgs.len() as i64 * 10 >= all_orgs;
        let q = ReportSql::new(day >= self.clock.today(), scan);
        // The four queries are independent: on a pool they run side by side.
        let (people, births, admissions, by_org): (
            Vec<PersonGroupRow>,
            Vec<DateGroupRow>,
            Vec<DateGroupRow>,
            Vec<OrgGroupRow>,
        ) = on_db!(&self.db, |p| {
            tokio::try_join!(
                bind_report!(sqlx::query_as(&q.people), q.dated, b).fetch_all(p),
                bind_report!(sqlx::query_as(&q.births), q.dated, b).fetch_all(p),
                bind_report!(sqlx::query_as(&q.admissions), q.dated, b).fetch_all(p),
                bind_report!(sqlx::query_as(&q.by_org), q.dated, b).fetch_all(p),
            )?
        });
        let orgs: Vec<OrgRow> = orgs.into_iter().map(|o| o.on(day)).collect();
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
                count: r.n,
            })
            .collect();
        let dates = |rows: Vec<DateGroupRow>| -> Vec<DateGroup> {
            rows.into_iter()
                .map(|r| DateGroup {
                    date: r.d,
                    count: r.n,
                })
                .collect()
        };
        let by_org: Vec<OrgGroup> = by_org
            .into_iter()
            .map(|r| OrgGroup {
                path: r.path,
                full: r.full,
                probationary: r.probationary,
                male: r.male,
                female: r.female,
                minority: r.minority,
                activists: r.activists,
                candidates: r.candidates,
            })
            .collect();
        Ok(Report::assemble(
            &root,
            day,
            &orgs,
            &people,
            &dates(births),
            &dates(admissions),
            &by_org,
        ))
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
            ", m.id, m.name, m.name_key, m.gender, m.ethnicity, m.birth_date, m.education, \
                m.category, m.admission_date",
        );
        let count_sql = format!("SELECT COUNT(*) FROM ({inner}) x WHERE {predicate}");
        let list_sql = format!(
            "SELECT x.id, x.name, x.gender, x.ethnicity, x.birth_date, x.education, x.category, \
                x.admission_date, \
             x.st, o.code AS org_code, o.name AS org_name FROM ({inner}) x JOIN orgs o ON o.id = \
             x.org_id \
             WHERE {predicate} ORDER BY x.name_key, x.id LIMIT {} OFFSET {}",
            page.per_page,
            page.offset()
        );
        let (total, items): (i64, Vec<StatPerson>) = on_db!(&self.db, |p| {
            let mut c = bind_all!(sqlx::query_scalar(&count_sql), sql.dated, b);
            if let Some(v) = &value {
                c = c.bind(v.clone());
            }
            let total = c.fetch_one(p).await?;
            let mut l = bind_all!(sqlx::query_as(&list_sql), sql.dated, b);
            if let Some(v) = &value {
                l = l.bind(v.clone());
            }
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
