//! HTML views with maud: the layout, and partials shared by pages.

pub mod assets;
pub mod boards;
pub mod charts;
pub mod console;
pub mod form;
pub mod format;
pub mod layout;
