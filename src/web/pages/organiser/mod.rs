//! The organisers' console (Ban Tổ chức), one module per console: banks, contests and
//! rounds (with their documents and seasons), units, participants. Every handler takes `PageCtx<Organiser>`.

use super::{PageCtx, PageResult};

mod announcement_console;
mod bank_console;
mod contest_console;
mod dashboard;
mod document_console;
mod participant_console;
mod quota_fields;
mod request_console;
mod round_console;
mod season_console;
mod unit_console;

pub use announcement_console::{announcements, create_announcement, withdraw_announcement};
pub use bank_console::{bank, banks, template, upload_bank};
pub use contest_console::{contest_detail, contests, create_contest, create_round, update_contest};
pub use dashboard::dashboard;
pub use document_console::{delete_document, upload_document};
pub use participant_console::{CorrectionForm, correct as correct_participant};
pub use participant_console::{
    SearchQuery, VoidForm, duplicates, participants, reset_code, set_void,
};
pub use request_console::{requests, resolve as resolve_request};
pub use round_console::{close_confirm, close_round, notices_list, round_detail, update_round};
pub use season_console::create_season;
pub use unit_console::{import_units, units};
