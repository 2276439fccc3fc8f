//! The JSON API for the work the pages do: statistics, findings, development files, dues,
//! letters and imports, with the pages' scope rules.

use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use xianfeng_domain::scope::Role;

use crate::helpers::*;

/// A client with a token: JSON requests that return the status and the body.
struct Caller<'a> {
    app: &'a TestApp,
    c: Client,
    token: String,
}

impl<'a> Caller<'a> {
    fn new(app: &'a TestApp, token: &str) -> Caller<'a> {
        Caller {
            app,
            c: client(),
            token: token.to_string(),
        }
    }
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut r = self
            .c
            .request(method, self.app.url(path))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let r = r.send().await.unwrap();
        let s = r.status();
        (s, r.json().await.unwrap_or(Value::Null))
    }
    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }
    async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::PUT, path, Some(body)).await
    }
    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }
}

#[tokio::test]
async fn statistics_findings_development_dues_and_letters_through_the_api() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let a1 = app.member(d.a, "甲", 1).await;
    let a2 = app.member(d.a, "乙", 2).await;
    let c_member = app.member(d.c, "丙", 3).await;
    let admin = app
        .account("api_jd", Role::OrgAdmin, Some(d.street), None)
        .await;
    let t = app.token(admin).await;
    let api = Caller::new(&app, &t);

    // Statistics: the same JSON as `xianfeng stats --format json`.
    let (s, report) = api.get("/api/v1/stats?code=JD").await;
    assert_eq!(s, StatusCode::OK, "{report}");
    let out = app.cli(&["stats", "--org", "JD", "--format", "json"]);
    let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["members"], cli["members"]);
    assert_eq!(report["members"]["total"], 2);
    let (s, people) = api.get("/api/v1/stats/people?dim=members").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(people["total"], 2, "{people}");
    let (s, e) = api.get("/api/v1/stats/people?dim=nonsense").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, _) = api.get("/api/v1/stats?as_of=2099-01-01").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // Out of scope: the other committee answers as an absent one would.
    let (s, _) = api.get(&format!("/api/v1/stats?org={}", d.other)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = api.get("/api/v1/stats?org=999999").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // A development file: record an application and a talk six weeks later (DEV-002).
    let applicant = app
        .person(
            d.a,
            xianfeng_domain::members::MemberInput {
                name: "申请人".into(),
                id_number: id_number("1998-03-03", 41),
                status: "applicant".into(),
                application_date: "2026-03-01".into(),
                ..Default::default()
            },
        )
        .await;
    let path = format!("/api/v1/members/{applicant}/development");
    let (s, f) = api.get(&path).await;
    assert_eq!(s, StatusCode::OK, "{f}");
    let read = f["version"].clone();
    let (s, f) = api.put(&path,
        json!({"version": f["version"], "steps": {"talk_date": "2026-04-15"}, "talker": "王书记"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{f}");
    assert_eq!(f["steps"]["talk_date"], "2026-04-15");
    assert_eq!(f["steps"]["application_date"], "2026-03-01", "kept");
    assert!(
        f["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["rule"] == "DEV-002"),
        "{f}"
    );
    // A stale version is refused; an unknown step names the field.
    let (s, _) = api
        .put(
            &path,
            json!({"version": read, "steps": {"talk_date": "2026-03-20"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, e) = api
        .put(&path, json!({"steps": {"nap_date": "2026-03-20"}}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["error"]["fields"][0]["field"], "steps.nap_date");
    let (s, e) = api.post(&format!("{path}/sponsors"),
        json!({"role": "contact", "id_number": id_number("1980-05-01", 1), "named_on": "2026-03-05"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    assert_eq!(e["sponsors"][0]["name"], "甲");
    let (s, _) = api
        .post(
            &format!("{path}/assessments"),
            json!({"on": "2026-05-01", "note": "表现良好"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    // Someone else's file is out of reach.
    let (s, _) = api
        .get(&format!("/api/v1/members/{c_member}/development"))
        .await;
    assert!(
        s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND,
        "{s}"
    );

    // Findings: list with filters and counts.
    let (s, list) = api.get("/api/v1/findings?rule=DEV-002").await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["subject_name"], "申请人");
    assert_eq!(list["items"][0]["dates"]["talk_date"], "2026-04-15");
    let (s, counts) = api.get("/api/v1/findings/counts").await;
    assert_eq!(s, StatusCode::OK);
    assert!(counts["by_rule"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["rule"] == "DEV-002" && r["count"] == 1));
    let (s, _) = api.get("/api/v1/findings?rule=XYZ-1").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // Dues: a branch's month, recorded and read back; the street's collection.
    let month = format!("/api/v1/dues/{}/2026-05", d.a);
    let (s, m) = api.get(&month).await;
    assert_eq!(s, StatusCode::OK, "{m}");
    assert_eq!(m["lines"].as_array().unwrap().len(), 2);
    let (s, m) = api.put(&month,
        json!({"entries": [
            {"member_id": a1, "category": "employed", "base_fen": 650000, "paid_fen": 9750, "paid_on": "2026-05-10"},
            {"member_id": a2, "category": "student", "reason": "经批准缓交"}
        ]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{m}");
    let first = m["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["member_id"] == a1)
        .unwrap();
    assert_eq!(
        (first["due_fen"].clone(), first["paid_fen"].clone()),
        (json!(9750), json!(9750))
    );
    let (s, e) = api
        .put(
            &month,
            json!({"entries": [{"member_id": a1, "category": "employed", "paid_fen": 100}]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, e) = api.get(&format!("/api/v1/dues/{}/2026-05", d.street)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, col) = api.get("/api/v1/dues/collection?month=2026-05").await;
    assert_eq!(s, StatusCode::OK, "{col}");
    let row_a = col["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["org_id"] == d.a)
        .unwrap()
        .clone();
    assert_eq!(
        (row_a["members"].clone(), row_a["paid"].clone()),
        (json!(2), json!(1))
    );

    // Letters: issue to the other branch, confirm, see it in the street's list.
    let (s, l) = api
        .post(
            &format!("/api/v1/members/{a2}/letters"),
            json!({"letter_no": "组转〔2026〕1号", "to_code": "JD-02", "issued_on": "2026-11-20"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{l}");
    assert_eq!(l["valid_until"], "2027-02-20");
    let (s, r) = api
        .post(
            &format!("/api/v1/letters/{}/report", l["id"]),
            json!({"reported_on": "2026-11-22"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["moved"], true);
    let (s, list) = api.get(&format!("/api/v1/orgs/{}/letters", d.street)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list[0]["status"], "reported");
    let (s, e) = api
        .post(
            &format!("/api/v1/members/{a1}/letters"),
            json!({"letter_no": "x", "issued_on": "2026-11-20"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, _) = api
        .post(
            &format!("/api/v1/members/{c_member}/letters"),
            json!({"letter_no": "x", "to_outside": "外地", "issued_on": "2026-11-20"}),
        )
        .await;
    assert!(
        s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND,
        "{s}"
    );

    // The system administrator sees no member data through these resources.
    let sys = app.account("api_sys", Role::SystemAdmin, None, None).await;
    let ts = app.token(sys).await;
    let sys = Caller::new(&app, &ts);
    for p in [
        "/api/v1/stats",
        "/api/v1/findings",
        "/api/v1/dues/collection",
    ] {
        let (s, _) = sys.get(p).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{p}");
    }
}

#[tokio::test]
async fn an_import_is_uploaded_checked_and_committed_as_one_resource() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let admin = app
        .account("api_imp", Role::OrgAdmin, Some(d.street), None)
        .await;
    let t = app.token(admin).await;
    let c = client();
    let api = Caller::new(&app, &t);
    let csv = format!(
        "姓名,公民身份号码,入党日期,转正日期,所在党组织\n张三,{},2005-07-01,2006-07-01,JD-01\n李四,{},2005-07-01,2006-07-01,JD-02\n",
        unique_id(71),
        unique_id(72)
    );
    let upload = |body: String, query: &str| {
        c.post(app.url(&format!("/api/v1/imports?{query}")))
            .bearer_auth(&t)
            .header("content-type", "application/octet-stream")
            .body(body)
            .send()
    };
    let r = upload(csv.clone(), "kind=members&file_name=roster.csv")
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let job: Value = r.json().await.unwrap();
    assert_eq!(job["state"], "checked", "{job}");
    assert_eq!(job["report"]["total"], 2);
    assert_eq!(
        people_under(&app.store, d.street).await,
        0,
        "a check writes nothing"
    );
    let id = job["id"].as_str().unwrap().to_string();
    let (s, again) = api.get(&format!("/api/v1/imports/{id}")).await;
    assert_eq!(
        (s, again["state"].clone()),
        (StatusCode::OK, json!("checked"))
    );
    let (s, done) = api
        .post(&format!("/api/v1/imports/{id}/commit"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["state"], "committed");
    assert_eq!(done["report"]["created"], 2);
    assert_eq!(people_under(&app.store, d.street).await, 2);
    let (s, _) = api
        .post(&format!("/api/v1/imports/{id}/commit"), json!({}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "twice is refused");

    // A file with a bad row is rejected and cannot be committed; with accept_valid it can.
    let bad = format!(
        "{csv}王五,12345,2005-07-01,2006-07-01,JD-01\n赵六,{},2005-07-01,2006-07-01,JD-01\n",
        unique_id(73)
    );
    let job: Value = upload(bad.clone(), "kind=members")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(job["state"], "rejected");
    assert_eq!(job["report"]["rejected"][0]["row"], 4, "{job}");
    let (s, _) = api
        .post(
            &format!("/api/v1/imports/{}/commit", job["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let job: Value = upload(bad, "kind=members&accept_valid=true")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (s, done) = api
        .post(
            &format!("/api/v1/imports/{}/commit", job["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(
        (
            done["report"]["created"].clone(),
            done["report"]["updated"].clone()
        ),
        (json!(1), json!(2))
    );

    // Another account cannot see the import; outside one's subtree is refused.
    let other = app
        .account("api_zx", Role::OrgAdmin, Some(d.other), None)
        .await;
    let to = app.token(other).await;
    let zx = Caller::new(&app, &to);
    let (s, _) = zx.get(&format!("/api/v1/imports/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let r = c
        .post(app.url(&format!("/api/v1/imports?kind=members&org={}", d.a)))
        .bearer_auth(&to)
        .body(csv)
        .send()
        .await
        .unwrap();
    assert!(r.status() == StatusCode::FORBIDDEN || r.status() == StatusCode::NOT_FOUND);
    let (s, _) = api.get("/api/v1/imports/nonexistent").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_openapi_document_describes_every_resource() {
    let app = TestApp::spawn().await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    for p in [
        "/api/v1/stats",
        "/api/v1/stats/people",
        "/api/v1/findings",
        "/api/v1/findings/counts",
        "/api/v1/members/{id}/development",
        "/api/v1/members/{id}/development/assessments",
        "/api/v1/members/{id}/development/sponsors",
        "/api/v1/dues/{org_id}/{month}",
        "/api/v1/dues/collection",
        "/api/v1/members/{id}/letters",
        "/api/v1/members/{id}/letters/in",
        "/api/v1/letters/{id}/report",
        "/api/v1/letters/{id}/cancel",
        "/api/v1/orgs/{id}/letters",
        "/api/v1/imports",
        "/api/v1/imports/{id}",
        "/api/v1/imports/{id}/commit",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} is described");
    }
}
