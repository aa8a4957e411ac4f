//! The organisers' console (Ban Tổ chức), one module per console: banks, contests and
//! rounds, units, participants. Every handler takes `PageCtx<Organiser>`.

use super::{PageCtx, PageResult};

mod announcement_console;
mod bank_console;
mod contest_console;
mod dashboard;
mod participant_console;
mod unit_console;

pub use announcement_console::{announcements, create_announcement, withdraw_announcement};
pub use bank_console::{bank, banks, upload_bank};
pub use contest_console::{
    close_round, contest_detail, contests, create_contest, create_round, update_contest,
};
pub use dashboard::dashboard;
pub use participant_console::{SearchQuery, VoidForm, duplicates, participants, set_void};
pub use unit_console::{import_units, units};
