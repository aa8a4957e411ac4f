//! Database entities, one module per table, in sea-orm's derive format.
//!
//! These mirror the migrations and are not hand-tuned; hand-written queries live in the
//! domain modules beside the code that uses them.

pub mod announcement;
pub mod answer;
pub mod app_setting;
pub mod attempt;
pub mod audit;
pub mod award_list;
pub mod bank;
pub mod category;
pub mod certificate;
pub mod consent;
pub mod contest;
pub mod contest_document;
pub mod data_request;
pub mod identity_conflict;
pub mod media;
pub mod pending_upload;
pub mod prize_plan;
pub mod question;
pub mod question_decision;
pub mod rate_limit;
pub mod reset_code;
pub mod revoked_session;
pub mod round;
pub mod round_notice;
pub mod standing;
pub mod unit;
pub mod user;

use std::fmt;

use serde::de::DeserializeOwned;

use crate::error::{AppError, Result};

/// Decodes a JSON-in-text column: the one decoder behind every typed accessor. A value that
/// does not decode is corrupt data, never "empty": read as empty, a contest's corrupt
/// categories once made every participant silently ineligible. So it is an internal error
/// (500, logged once with the row) that someone must look at.
pub fn decode_json<T: DeserializeOwned>(
    row: fmt::Arguments<'_>,
    column: &str,
    text: &str,
) -> Result<T> {
    serde_json::from_str(text)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("{row} has a corrupt {column}: {e}")))
}
