//! The JSON API: bearer tokens, CRUD for organisations and members, the OpenAPI document.

use reqwest::StatusCode;
use serde_json::{json, Value};
use xianfeng_domain::scope::Role;

use crate::helpers::*;

#[tokio::test]
async fn organisations_and_members_round_trip_through_the_api() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let admin = app
        .account("api", Role::OrgAdmin, Some(d.street), None)
        .await;
    let t = app.token(admin).await;
    let c = client();

    // Create a branch under the street, with a Chinese-style date.
    let r = c
        .post(app.url("/api/v1/orgs"))
        .bearer_auth(&t)
        .json(&json!({"parent_id": d.street, "code": "jd-03", "name": "第三社区党支部", "org_type": "branch", "sector": "community", "founded_on": "2020年7月1日"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let org: Value = r.json().await.unwrap();
    assert_eq!(org["code"], "JD-03");
    assert_eq!(org["founded_on"], "2020-07-01");
    let org_id = org["id"].as_i64().unwrap();

    // Validation errors name the fields.
    let r = c
        .post(app.url("/api/v1/members"))
        .bearer_auth(&t)
        .json(&json!({"org_id": org_id, "name": "", "id_number": "123", "status": "full"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e: Value = r.json().await.unwrap();
    let fields: Vec<&str> = e["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"name")
            && fields.contains(&"id_number")
            && fields.contains(&"admission_date"),
        "{e}"
    );

    let idn = id_number("1992-02-29", 31);
    let r = c
        .post(app.url("/api/v1/members"))
        .bearer_auth(&t)
        .json(&json!({"org_id": org_id, "name": "吴十", "id_number": idn, "status": "probationary", "admission_date": "2026-01-10", "phone": "138 1234 5678", "education": "本科"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let m: Value = r.json().await.unwrap();
    assert_eq!(m["gender"], "male");
    assert_eq!(m["birth_date"], "1992-02-29");
    assert_eq!(m["phone"], "13812345678");
    assert_eq!(m["education"], "bachelor");
    assert!(m.get("id_number").is_none());
    assert_eq!(
        m["id_number_masked"],
        format!("{}********{}", &idn[..6], &idn[14..])
    );
    let id = m["id"].as_i64().unwrap();

    // List with filters and pagination.
    let list: Value = c
        .get(app.url(&format!(
            "/api/v1/members?org_id={}&status=probationary&per_page=5",
            d.street
        )))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["name"], "吴十");

    // Update with the version; a stale version conflicts.
    let version = m["version"].as_i64().unwrap();
    let body = json!({"name": "吴十一", "id_number": idn, "status": "full", "admission_date": "2025-01-10", "conversion_date": "2026-01-10", "version": version});
    let r = c
        .put(app.url(&format!("/api/v1/members/{id}")))
        .bearer_auth(&t)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = c
        .put(app.url(&format!("/api/v1/members/{id}")))
        .bearer_auth(&t)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);

    // Transfer, archive, restore.
    let r = c
        .post(app.url(&format!("/api/v1/members/{id}/transfer")))
        .bearer_auth(&t)
        .json(&json!({"to_org_id": d.a, "date": "2026-11-01"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = c
        .post(app.url(&format!("/api/v1/members/{id}/archive")))
        .bearer_auth(&t)
        .json(&json!({"reason": "transferred_out", "date": "2026-11-20", "note": "转往外省"}))
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["archived"], true);
    let r = c
        .post(app.url(&format!("/api/v1/members/{id}/restore")))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["archived"], false);
    assert_eq!(v["org_code"], "JD-01");

    // The empty branch can be archived; its subtree list reflects it.
    let r = c
        .post(app.url(&format!("/api/v1/orgs/{org_id}/archive")))
        .bearer_auth(&t)
        .json(&json!({"reason": "合并"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let orgs: Value = c
        .get(app.url(&format!("/api/v1/orgs?under={}", d.street)))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(orgs["total"], 3, "street + two active branches");
    let unknown = c
        .get(app.url("/api/v1/nothing"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let e: Value = unknown.json().await.unwrap();
    assert_eq!(e["error"]["code"], "not_found");
}

#[tokio::test]
async fn the_openapi_document_lists_every_route() {
    let app = TestApp::spawn().await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for (p, methods) in [
        ("/api/v1/orgs", vec!["get", "post"]),
        ("/api/v1/orgs/{id}", vec!["get", "put"]),
        ("/api/v1/orgs/{id}/archive", vec!["post"]),
        ("/api/v1/orgs/{id}/move", vec!["post"]),
        ("/api/v1/members", vec!["get", "post"]),
        ("/api/v1/members/{id}", vec!["get", "put"]),
        ("/api/v1/members/{id}/archive", vec!["post"]),
        ("/api/v1/members/{id}/restore", vec!["post"]),
        ("/api/v1/members/{id}/transfer", vec!["post"]),
    ] {
        for m in methods {
            assert!(paths[p].get(m).is_some(), "{m} {p} is documented");
        }
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(doc["components"]["schemas"]["MemberOut"].is_object());
}

#[tokio::test]
async fn tokens_of_disabled_accounts_stop_working() {
    let app = TestApp::spawn().await;
    let d = app.district().await;
    let a = app
        .account("tok1", Role::OrgViewer, Some(d.root), None)
        .await;
    let t = app.token(a).await;
    let c = client();
    assert_eq!(
        c.get(app.url("/api/v1/orgs"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    app.store
        .account_set_disabled(&xianfeng_store::audit::Actor::cli("test"), a, true)
        .await
        .unwrap();
    assert_eq!(
        c.get(app.url("/api/v1/orgs"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        c.get(app.url("/api/v1/orgs"))
            .bearer_auth("xf_forged")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
}
