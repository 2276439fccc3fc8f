//! The integration suite: one binary, each test starting the real server on a random port with a
//! fresh database. `XIANFENG_TEST_DB` picks SQLite (default: a temp file) or PostgreSQL (a URL
//! such as `postgres://127.0.0.1:5432/test`: each test gets a new database cloned from a
//! migrated template).

mod helpers;

mod accounts;
mod api;
mod api_work;
mod approval;
mod audit;
mod auth;
mod backup;
mod contact;
mod counts;
mod crash;
mod demo;
mod development;
mod dues;
mod import;
mod keys;
mod letters;
mod life;
mod members;
mod orgs;
mod rule_fixes;
mod schema;
mod scope;
mod stats;
