//! The organisers' console (Ban Tổ chức), one module per console: banks, contests and
//! rounds, units, participants. Every handler takes `PageCtx<Organiser>`.

use maud::html;

use super::{PageCtx, PageResult};
use crate::views::console;
use crate::web::extract::Organiser;

mod bank_console;
mod contest_console;
mod participant_console;
mod unit_console;

pub use bank_console::{bank, banks, upload_bank};
pub use contest_console::{
    close_round, contest_detail, contests, create_contest, create_round, update_contest,
};
pub use contest_console::{delete_document, upload_document};
pub use participant_console::{SearchQuery, VoidForm, duplicates, participants, set_void};
pub use unit_console::{import_units, units};

/// `GET /organiser`.
pub async fn dashboard(ctx: PageCtx<Organiser>) -> PageResult {
    Ok(ctx.ok(console::organiser(
        &ctx.viewer,
        "Ban Tổ chức",
        html! {
            p { "Chọn một mục ở trên để quản lý cuộc thi." }
        },
    )))
}
