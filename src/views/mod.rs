//! HTML views with maud: the layout, and partials shared by pages.

pub mod announcements;
pub mod assets;
pub mod award_review;
pub mod awards;
pub mod boards;
pub mod charts;
pub mod console;
pub mod countdown;
pub mod form;
pub mod format;
pub mod layout;
