//! Database migrations for cuocthi, one file per migration, each with `up` and `down`.
//!
//! Migrations describe tables with sea-query only; they never import the app's entities,
//! so an old migration keeps meaning what it meant when it was written. They run on
//! SQLite and PostgreSQL alike.

pub use sea_orm_migration::prelude::*;

mod m20261130_000001_accounts;
mod m20261130_000002_banks;
mod m20261130_000003_contests;
mod m20261201_000004_audit_and_versions;
mod m20261202_000005_auth_security;
mod m20261202_000006_round_fairness;
mod m20261202_000007_contest_status;
mod m20261202_000008_round_notices;
mod m20261202_000009_question_decisions;
mod m20261202_000010_announcements;
mod m20261202_000011_contest_documents;
mod m20261202_000012_reset_codes;
mod m20261202_000013_consent_and_requests;
mod m20261202_000014_retention;
mod m20261203_000015_awards;
mod m20261203_000020_media;
mod m20261203_000035_request_resolution;
mod m20261203_000036_search_names;
mod m20261203_000037_pending_uploads;

/// Every migration of the app, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261130_000001_accounts::Migration),
            Box::new(m20261130_000002_banks::Migration),
            Box::new(m20261130_000003_contests::Migration),
            Box::new(m20261201_000004_audit_and_versions::Migration),
            Box::new(m20261202_000005_auth_security::Migration),
            Box::new(m20261202_000006_round_fairness::Migration),
            Box::new(m20261202_000007_contest_status::Migration),
            Box::new(m20261202_000008_round_notices::Migration),
            Box::new(m20261202_000009_question_decisions::Migration),
            Box::new(m20261202_000010_announcements::Migration),
            Box::new(m20261202_000011_contest_documents::Migration),
            Box::new(m20261202_000012_reset_codes::Migration),
            Box::new(m20261202_000013_consent_and_requests::Migration),
            Box::new(m20261202_000014_retention::Migration),
            Box::new(m20261203_000015_awards::Migration),
            Box::new(m20261203_000020_media::Migration),
            Box::new(m20261203_000035_request_resolution::Migration),
            Box::new(m20261203_000036_search_names::Migration),
            Box::new(m20261203_000037_pending_uploads::Migration),
        ]
    }
}
