//! Database entities, one module per table, in sea-orm's derive format.
//!
//! These mirror the migrations and are not hand-tuned; hand-written queries live in the
//! domain modules beside the code that uses them.

pub mod answer;
pub mod app_setting;
pub mod attempt;
pub mod audit;
pub mod bank;
pub mod category;
pub mod contest;
pub mod identity_conflict;
pub mod question;
pub mod rate_limit;
pub mod revoked_session;
pub mod round;
pub mod standing;
pub mod unit;
pub mod user;
