//! HTML views with maud: the layout, and partials shared by pages.

pub mod assets;
pub mod charts;
pub mod layout;
