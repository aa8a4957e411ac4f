//! API tests: the real server on port 0 with a fresh database per test — a temp SQLite
//! file, or a fresh PostgreSQL database when `TEST_DATABASE_URL` is set.

mod announcements;
mod anonymise;
mod auth;
mod auth_scaleout;
mod authz;
mod awards;
mod backup;
mod bad_input;
mod banks;
#[path = "../common/mod.rs"]
mod common;
mod compression;
mod console_forms;
mod contest;
mod corrections;
mod crash;
mod dashboard;
mod disputes;
mod documents;
mod error_pages;
mod exports;
mod fairness;
mod hardening;
mod health;
mod helpers;
mod lifecycle;
mod metrics;
mod openapi;
mod pages;
mod phone;
mod pictures;
mod privacy;
mod process;
mod profile;
mod recovery;
mod reset;
mod rounds;
mod scaleout;
mod security;
mod site;
mod staff;
mod units;
mod uploads;
