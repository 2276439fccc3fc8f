//! The two migration folders describe the same schema: tables, columns, their types and
//! nullability, indexes.

use std::collections::BTreeSet;

use xianfeng_domain::Clock;
use xianfeng_store::{Keys, Store};

use crate::helpers::*;

/// The family of a SQLite declared type, named as [`postgres_type`] names PostgreSQL's: SQLite
/// keeps every integer in 64 bits, so INTEGER and BIGINT are one family.
fn sqlite_type(declared: &str) -> String {
    match declared.to_ascii_uppercase().as_str() {
        "INTEGER" | "BIGINT" => "int".into(),
        "TEXT" => "text".into(),
        "BLOB" => "bytes".into(),
        "BOOLEAN" => "bool".into(),
        "DATE" => "date".into(),
        "TIMESTAMP" => "instant".into(),
        other => format!("sqlite:{other}"),
    }
}

/// The family of a PostgreSQL column type; an instant must carry its time zone.
fn postgres_type(data_type: &str) -> String {
    match data_type {
        "integer" | "bigint" | "smallint" => "int".into(),
        "text" => "text".into(),
        "bytea" => "bytes".into(),
        "boolean" => "bool".into(),
        "date" => "date".into(),
        "timestamp with time zone" => "instant".into(),
        other => format!("postgres:{other}"),
    }
}

async fn sqlite_schema() -> BTreeSet<String> {
    let dir = std::env::temp_dir().join(format!("xianfeng-schema-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("schema.db");
    let _ = std::fs::remove_file(&path);
    let store = Store::connect(
        &format!("sqlite://{}", path.display()),
        Keys::from_master(&[0; 32]),
        Clock::system(),
    )
    .await
    .unwrap();
    store.migrate().await.unwrap();
    let xianfeng_store::Db::Sqlite { read, .. } = &store.db else {
        unreachable!()
    };
    let mut out = BTreeSet::new();
    let tables: Vec<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'")
        .fetch_all(read)
        .await
        .unwrap();
    for t in tables {
        let cols: Vec<(String, String, i64, i64)> =
            sqlx::query_as("SELECT name, type, \"notnull\", pk FROM pragma_table_info($1)")
                .bind(&t)
                .fetch_all(read)
                .await
                .unwrap();
        for (c, ty, notnull, pk) in cols {
            out.insert(format!(
                "column {t}.{c} {} not_null={}",
                sqlite_type(&ty),
                notnull == 1 || pk > 0
            ));
        }
    }
    let idx: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(read)
    .await
    .unwrap();
    for i in idx {
        out.insert(format!("index {i}"));
    }
    store.close().await;
    out
}

async fn postgres_schema(url: &str) -> BTreeSet<String> {
    let store = Store::connect(url, Keys::from_master(&[0; 32]), Clock::system())
        .await
        .unwrap();
    let xianfeng_store::Db::Postgres(p) = &store.db else {
        unreachable!()
    };
    let mut out = BTreeSet::new();
    let cols: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_sqlx%'",
    )
    .fetch_all(p)
    .await
    .unwrap();
    for (t, c, ty, nullable) in cols {
        out.insert(format!(
            "column {t}.{c} {} not_null={}",
            postgres_type(&ty),
            nullable == "NO"
        ));
    }
    let idx: Vec<String> = sqlx::query_scalar("SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema() AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key' AND indexname NOT LIKE '\\_sqlx%'")
        .fetch_all(p)
        .await
        .unwrap();
    for i in idx {
        out.insert(format!("index {i}"));
    }
    store.close().await;
    out
}

#[tokio::test]
async fn both_engines_have_the_same_schema() {
    let sqlite = sqlite_schema().await;
    assert!(sqlite.contains("column members.id_cipher bytes not_null=true"));
    assert!(sqlite.contains("column accounts.totp_last_step int not_null=false"));
    assert!(
        !sqlite.iter().any(|c| c.contains("sqlite:")),
        "every SQLite type has a family: {sqlite:#?}"
    );
    assert!(sqlite.contains("index members_archived_path_name"));
    if pg_admin_url().is_some() {
        let url = fresh_database_url().await;
        let pg = postgres_schema(&url).await;
        let only_sqlite: Vec<_> = sqlite.difference(&pg).collect();
        let only_pg: Vec<_> = pg.difference(&sqlite).collect();
        assert!(
            only_sqlite.is_empty() && only_pg.is_empty(),
            "only in SQLite: {only_sqlite:#?}\nonly in PostgreSQL: {only_pg:#?}"
        );
    } else {
        // The SQLite pass checks the SQLite side; the PostgreSQL pass (.ci/run) compares both.
        let mut tables: BTreeSet<String> = sqlite
            .iter()
            .filter_map(|s| s.strip_prefix("column "))
            .map(|s| s.split('.').next().unwrap().to_string())
            .collect();
        for t in xianfeng_store::backup::TABLES {
            assert!(tables.remove(*t), "{t} in the schema");
        }
        assert!(
            tables.is_empty(),
            "tables missing from the backup list: {tables:?}"
        );
    }
}
